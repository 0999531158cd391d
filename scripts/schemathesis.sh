#!/usr/bin/env bash
# Checks the server against its own OpenAPI document with Schemathesis (PyPI), a
# property-based tester: it generates requests from the spec (valid and invalid)
# and checks every answer against it. Runs against a throwaway stack (the real
# Kratos, Keto and Mailpit, through scripts/dev.sh), signed in as a new person.
#
# The checks (README, "The API's contract"):
#   not_a_server_error            no 5xx, ever
#   status_code_conformance       every status is one the spec lists for the operation
#   content_type_conformance      every body has a content type the spec lists
#   response_headers_conformance  headers the spec requires are there
#   response_schema_conformance   every body matches its schema
#   negative_data_rejection       input the spec rules out is refused (4xx)
#   missing_required_header       a missing required header is refused
#   unsupported_method            a method the spec does not list is 405
#   allow_header_conformance      that 405 says what is allowed, in Allow
#   ignored_auth                  a secured operation refuses a missing or bad credential
#
# Not run: positive_data_acceptance (inputs valid by shape are refused on their
# merits, e.g. an email nobody registered), and the stateful checks. `logout` and
# `deleteAccount` are not exercised: they would end the session (and the account)
# the other operations run with.
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 25 per operation).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
venv=${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}/venv-schemathesis-$version
if [[ ! -f $venv/.installed ]]; then
  echo "installing schemathesis $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
  touch "$venv/.installed"
fi

# Schemathesis registers and asks for codes hundreds of times from one address.
export APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT=off APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS=off \
  APP_LIMIT_REGISTRATIONS_PER_ADDRESS=off APP_LIMIT_RECOVERY_PER_ADDRESS=off \
  APP_LIMIT_VERIFICATION_PER_ADDRESS=off APP_LIMIT_EXPORTS_PER_ACCOUNT=off \
  APP_LIMIT_HALF_SIGN_INS_PER_ACCOUNT=off APP_LIMIT_CODE_MAILS_PER_RECIPIENT=off
export ORY_SPA_PROFILE=${ORY_SPA_PROFILE:-dev}

# shellcheck source=lib/stack.sh
source scripts/lib/stack.sh
trap 'stack_stop test-artifacts/schemathesis-logs' EXIT
stack_start

email="schemathesis-$(date +%s)-$RANDOM@example.com"
token=$(curl -fsS "$STACK_URL/api/auth/registration" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"name\":\"Schemathesis\",\"password\":\"a quiet evening walk 42\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["session_token"])')

"$venv/bin/schemathesis" run "$STACK_URL/api-docs/openapi.json" \
  --url "$STACK_URL" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,missing_required_header,unsupported_method,allow_header_conformance,ignored_auth \
  --exclude-operation-id logout \
  --exclude-operation-id deleteAccount \
  --phases examples,coverage,fuzzing \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --workers 2 \
  --suppress-health-check too_slow \
  --generation-database none \
  --warnings off
