#!/usr/bin/env bash
# The SPA's browser test against a real, throwaway stack:
#   1. installs Debian's Chromium if /usr/bin/chromium is missing,
#   2. starts Mailpit, Hydra (the local sign-in provider), Kratos, Keto and the
#      backend (scripts/dev.sh, ORY_SPA_DETACH=1, which also installs the SPA's
#      packages if needed and builds it) on free ports other than the defaults,
#      with their state in a temporary directory,
#   3. runs frontend/e2e/e2e.mjs (Playwright driving headless Chromium) against it;
#      it reads the codes Kratos mails from Mailpit's HTTP API (MAILPIT_URL), and
#      signs in at the local provider with its password (PROVIDER_PASSWORD),
#   4. stops everything and removes the state on exit, whatever happened.
# Screenshots: test-artifacts/screenshots/; the stack's logs: test-artifacts/e2e-logs/.
# Exits with the browser test's status; its last line reads "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

if [[ ! -x /usr/bin/chromium ]]; then
  step "installing Debian's chromium"
  apt-get update
  apt-get install -y chromium
fi

source scripts/lib/stack.sh
trap 'rc=$?; trap - EXIT INT TERM; step "stopping the stack"; stack_stop "$root/test-artifacts/e2e-logs"; exit $rc' EXIT INT TERM

step "starting a throwaway stack on free ports"
export ORY_SPA_PROFILE=${ORY_SPA_PROFILE:-dev}
# Kratos reads this from its environment. A login older than this must
# re-authenticate before changing the password (kratos.yml: 15m); 15 s lets the
# browser test reach that state without waiting a quarter of an hour, and is
# still ample for the new password that follows a recovery code.
privileged_age_s=15
export SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=${privileged_age_s}s
stack_start

step "browser test (frontend/e2e/e2e.mjs)"
BASE_URL=$STACK_URL MAILPIT_URL=$STACK_MAILPIT_URL PRIVILEGED_SESSION_MAX_AGE_S=$privileged_age_s \
  PROVIDER_PASSWORD=$STACK_PROVIDER_PASSWORD node frontend/e2e/e2e.mjs
