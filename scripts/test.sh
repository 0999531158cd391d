#!/usr/bin/env bash
# Runs every check and test; the README's test command and CI's entry point.
# Installs what a fresh machine lacks (Debian packages, Go modules, crates, npm
# packages). Each step prints its name and the time, so a slow step never looks hung.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }
npm_ci() { (cd "$1" && npm ci --no-audit --no-fund --loglevel=error); }

step "cargo fmt --check"
cargo fmt --all --check

step "Ory Kratos, Keto, Hydra and Mailpit binaries (built once, then cached)"
bash scripts/ory-build.sh

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test: unit tests, and integration tests against the real Kratos and Keto (SQLite)"
cargo test --workspace --locked

step "cargo test: the session suites again with the session cache off"
TEST_SESSION_CACHE_TTL_MS=0 \
  cargo test --locked --test api -- \
    auth:: account:: account_deletion:: extractor:: home:: expiry:: verification:: recovery:: second_factor:: \
    documents:: matrix::

step "cargo test: the tests of what the backend keeps in its database, again on PostgreSQL"
postgres=$(bash scripts/postgres.sh)
TEST_POSTGRES_URL=$postgres cargo test --locked --test api -- documents:: groups:: matrix:: consistency:: social:: throttling:: \
  account_deletion:: notifications:: email_restore:: second_factor::a_totp_code_signs_in_once

step "cargo test: two replicas on PostgreSQL behind HAProxy"
if ! command -v haproxy > /dev/null && [[ ! -x /usr/sbin/haproxy ]]; then
  echo "installing Debian's haproxy"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy > /dev/null
fi
TEST_POSTGRES_URL=$postgres cargo test --locked --test api -- --ignored replicas::

step "Keto namespaces (Ory Permission Language) type-check"
npm_ci keto
(cd keto && npm run --silent check)

step "OpenAPI: validate openapi/openapi.json as OpenAPI 3.1"
bash scripts/openapi-validate.sh

step "Schemathesis: the server against its own spec (property-based, real stack)"
bash scripts/schemathesis.sh

step "docker-compose.yml: parse and check with a Compose parser"
bash scripts/compose-check.sh

step "The local sign-in provider's login-and-consent app: unit tests"
node --test hydra/login-consent/

step "SPA: generated client up to date, type-check, lint, unit tests, build"
npm_ci frontend
(cd frontend && npm run --silent check && npm run --silent typecheck && npm run --silent lint && npm run --silent test && npm run --silent build)

step "SPA in a real browser against the real stack"
bash scripts/e2e.sh

step "all checks passed"
