#!/usr/bin/env bash
# Starts the whole stack locally on SQLite: Mailpit (the mail server Kratos' courier
# sends verification and recovery codes to; read them in its web UI), Ory Hydra with
# our login-and-consent app (the local OpenID Connect provider for "Sign in with …"),
# Ory Kratos, Ory Keto and the backend (which also serves the SPA once it is built).
# Builds the Ory and Mailpit binaries first if they are not cached
# (scripts/ory-build.sh).
# Prints the URLs, then runs until Ctrl-C, which stops everything it started. State
# lives in .local/ (git-ignored).
#
# Environment (the defaults are the ports and paths printed below):
#   ORY_SPA_STATE_DIR           state and logs (.local)
#   ORY_SPA_KRATOS_PUBLIC_PORT  4433     ORY_SPA_KRATOS_ADMIN_PORT  4434
#   ORY_SPA_KETO_READ_PORT      4466     ORY_SPA_KETO_WRITE_PORT    4467
#   ORY_SPA_KETO_OPL_PORT       4469     ORY_SPA_KETO_METRICS_PORT  4468
#   ORY_SPA_MAILPIT_SMTP_PORT   1025     ORY_SPA_MAILPIT_UI_PORT    8025
#   ORY_SPA_HYDRA_PUBLIC_PORT   4444     ORY_SPA_HYDRA_ADMIN_PORT   4445
#   ORY_SPA_PROVIDER_UI_PORT    4446     (the provider's login and consent pages)
#   ORY_SPA_BACKEND_PORT        8080     ORY_SPA_METRICS_PORT       9464
#                               (the backend's Prometheus metrics, loopback only)
#   ORY_SPA_PROVIDER_PASSWORD   the local provider's password (any email address is
#                               a user there); generated into the state dir if unset
#   ORY_SPA_PROFILE             cargo profile for the backend (release)
#   ORY_SPA_REQUIRE_VERIFIED_EMAIL=1
#                               Kratos refuses to log in a person whose address is
#                               not verified yet (message 4000010); off by default,
#                               as in kratos/kratos.yml.
#   ORY_SPA_DETACH=1            start, wait until everything is ready, write the
#                               process ids to $ORY_SPA_STATE_DIR/pids and return,
#                               leaving it running (the caller stops those pids).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
state=${ORY_SPA_STATE_DIR:-$root/.local}
mkdir -p "$state"
state=$(cd "$state" && pwd)
kratos_public_port=${ORY_SPA_KRATOS_PUBLIC_PORT:-4433}
kratos_admin_port=${ORY_SPA_KRATOS_ADMIN_PORT:-4434}
keto_read_port=${ORY_SPA_KETO_READ_PORT:-4466}
keto_write_port=${ORY_SPA_KETO_WRITE_PORT:-4467}
keto_opl_port=${ORY_SPA_KETO_OPL_PORT:-4469}
keto_metrics_port=${ORY_SPA_KETO_METRICS_PORT:-4468}
mailpit_smtp_port=${ORY_SPA_MAILPIT_SMTP_PORT:-1025}
mailpit_ui_port=${ORY_SPA_MAILPIT_UI_PORT:-8025}
hydra_public_port=${ORY_SPA_HYDRA_PUBLIC_PORT:-4444}
hydra_admin_port=${ORY_SPA_HYDRA_ADMIN_PORT:-4445}
provider_ui_port=${ORY_SPA_PROVIDER_UI_PORT:-4446}
backend_port=${ORY_SPA_BACKEND_PORT:-8080}
metrics_port=${ORY_SPA_METRICS_PORT:-9464}
detach=${ORY_SPA_DETACH:-0}
require_verified_email=${ORY_SPA_REQUIRE_VERIFIED_EMAIL:-0}
[[ $require_verified_email == 0 || $require_verified_email == 1 ]] ||
  { echo "ORY_SPA_REQUIRE_VERIFIED_EMAIL must be 0 or 1, not '$require_verified_email'" >&2; exit 1; }
kratos_public=http://127.0.0.1:$kratos_public_port
kratos_admin=http://127.0.0.1:$kratos_admin_port
keto_read=http://127.0.0.1:$keto_read_port
keto_write=http://127.0.0.1:$keto_write_port
mailpit_ui=http://127.0.0.1:$mailpit_ui_port
hydra_public=http://127.0.0.1:$hydra_public_port
hydra_admin=http://127.0.0.1:$hydra_admin_port
provider_ui=http://127.0.0.1:$provider_ui_port
backend=http://127.0.0.1:$backend_port

# No usage telemetry from Kratos and Keto (and no failing network calls offline).
export SQA_OPT_OUT=true

# Kratos' and Keto's SQLite options, shared with the tests: WAL, immediate write
# transactions, no process-wide lock in pop (kratos/kratos.yml, DSN, says why).
sqlite_options=$(< scripts/lib/ory-sqlite-options)

bins=$(bash scripts/ory-build.sh --print-dir)
kratos=$bins/kratos-$(bash scripts/ory-build.sh --version kratos)
keto=$bins/keto-$(bash scripts/ory-build.sh --version keto)
mailpit=$bins/mailpit-$(bash scripts/ory-build.sh --version mailpit)
hydra=$bins/hydra-$(bash scripts/ory-build.sh --version hydra)
# A fresh machine builds them here (minutes, with progress on stderr).
if [[ ! -x $kratos || ! -x $keto || ! -x $mailpit || ! -x $hydra ]]; then
  bash scripts/ory-build.sh > /dev/null
fi

# Secrets are generated once per state dir and kept there, never in the repository;
# a state dir from before social sign-in gets the newer ones added.
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
add_secret() { # name value
  grep -q "^$1=" "$state/secrets.env" 2>/dev/null || echo "$1=$2" >> "$state/secrets.env"
}
(
  umask 077
  # JSON arrays: Kratos parses a bare value that happens to be valid JSON (all
  # digits) as something other than a list of secrets and refuses to start.
  add_secret SECRETS_DEFAULT "'[\"$(hex 32)\"]'"
  add_secret SECRETS_COOKIE "'[\"$(hex 32)\"]'"
  # Exactly 32 characters: Kratos silently ignores a cipher secret of any other length.
  add_secret SECRETS_CIPHER "'[\"$(hex 16)\"]'"
  # Hydra's own, and the secret of Kratos' OAuth2 client at Hydra (both sides get it).
  add_secret HYDRA_SECRETS_SYSTEM "'[\"$(hex 32)\"]'"
  add_secret OIDC_CLIENT_SECRET "$(hex 24)"
  add_secret PROVIDER_PASSWORD "$(hex 6)"
)
# Not exported: each service below is given only the secrets that are its own.
# shellcheck source=/dev/null
source "$state/secrets.env"
provider_password=${ORY_SPA_PROVIDER_PASSWORD:-$PROVIDER_PASSWORD}

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_ready() { # name url log
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$2"; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not become ready at $2; its log:" >&2
  tail -n 40 "$3" >&2
  exit 1
}

wait_smtp() { # name port log
  for _ in $(seq 1 300); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$1 does not accept SMTP connections on 127.0.0.1:$2; its log:" >&2
  tail -n 40 "$3" >&2
  exit 1
}

# Before Kratos, whose courier sends as soon as it runs. Loopback only, and nothing
# leaves the machine: no update check, no reverse DNS per SMTP connection, no
# remote CSS or fonts in the web UI. It offers no STARTTLS (no certificate), which
# matters: Kratos tries STARTTLS whenever it is offered (ory/kratos#4498).
echo "== Mailpit (SQLite: $state/mailpit.sqlite)"
"$mailpit" --smtp "127.0.0.1:$mailpit_smtp_port" --listen "127.0.0.1:$mailpit_ui_port" \
  --database "$state/mailpit.sqlite" \
  --disable-version-check --smtp-disable-rdns --block-remote-css-and-fonts \
  > "$state/mailpit.log" 2>&1 &
pids+=($!)
wait_ready Mailpit "$mailpit_ui/readyz" "$state/mailpit.log"
wait_smtp Mailpit "$mailpit_smtp_port" "$state/mailpit.log"

# The local OpenID Connect provider, for "Sign in with …": Hydra, and our app that
# shows its login and consent pages (hydra/login-consent/server.mjs).
echo "== Ory Hydra and its login-and-consent app (SQLite: $state/hydra.sqlite)"
(
  export DSN="sqlite://$state/hydra.sqlite?$sqlite_options" SECRETS_SYSTEM=$HYDRA_SECRETS_SYSTEM
  export SERVE_PUBLIC_PORT=$hydra_public_port SERVE_ADMIN_PORT=$hydra_admin_port
  export URLS_SELF_ISSUER=$hydra_public/ URLS_LOGIN=$provider_ui/login URLS_CONSENT=$provider_ui/consent
  export URLS_ERROR=$provider_ui/
  "$hydra" migrate sql up -e --yes > "$state/hydra-migrate.log" 2>&1
  exec "$hydra" serve all -c hydra/hydra.yml --dev > "$state/hydra.log" 2>&1
) &
pids+=($!)
HYDRA_ADMIN_URL=$hydra_admin/ PROVIDER_PASSWORD=$provider_password PORT=$provider_ui_port \
  node hydra/login-consent/server.mjs > "$state/login-consent.log" 2>&1 &
pids+=($!)
wait_ready Hydra "$hydra_admin/health/ready" "$state/hydra.log"
wait_ready "the login-and-consent app" "$provider_ui/health/ready" "$state/login-consent.log"
# Hydra makes its signing keys (RSA, seconds of work) on first use; concurrent first
# sign-ins would make them twice at once. Its key set document makes them now.
curl -fsS -o /dev/null --max-time 120 "$hydra_public/.well-known/jwks.json"
# Kratos' OAuth2 client at Hydra, registered afresh on every start so that its
# redirect URI follows the backend's port: the backend relays the provider's
# redirect to Kratos (kratos/kratos.yml, base_redirect_uri). The body goes on stdin,
# so the secret never appears in a process list.
curl -fsS -o /dev/null -X DELETE "$hydra_admin/admin/clients/ory-spa" 2>/dev/null || true
curl -fsS -o /dev/null -X POST "$hydra_admin/admin/clients" -H 'content-type: application/json' --data @- <<JSON
{"client_id":"ory-spa","client_secret":"$OIDC_CLIENT_SECRET","client_name":"ory-spa",
 "grant_types":["authorization_code"],"response_types":["code"],"scope":"openid email profile",
 "redirect_uris":["$backend/self-service/methods/oidc/callback/hydra"]}
JSON

echo "== Ory Kratos (SQLite: $state/kratos.sqlite)"
(
  export SECRETS_DEFAULT SECRETS_COOKIE SECRETS_CIPHER
  export DSN="sqlite://$state/kratos.sqlite?$sqlite_options"
  export SERVE_PUBLIC_PORT=$kratos_public_port SERVE_PUBLIC_BASE_URL=$kratos_public/
  export SERVE_ADMIN_PORT=$kratos_admin_port
  export COURIER_SMTP_CONNECTION_URI="smtp://127.0.0.1:$mailpit_smtp_port/?disable_starttls=true"
  # Social sign-in with the local provider; browsers come back through the backend.
  export SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_ISSUER_URL=$hydra_public/
  export SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_CLIENT_SECRET=$OIDC_CLIENT_SECRET
  export SELFSERVICE_METHODS_OIDC_CONFIG_BASE_REDIRECT_URI=$backend/
  export SELFSERVICE_ALLOWED_RETURN_URLS=$backend/
  if [[ $require_verified_email == 1 ]]; then
    # The index form: Kratos reads a JSON list here as one string and refuses it
    # ("hooks: expected array, but got string").
    export SELFSERVICE_FLOWS_LOGIN_AFTER_PASSWORD_HOOKS_0_HOOK=require_verified_address
  fi
  "$kratos" migrate sql -e --yes -c kratos/kratos.yml > "$state/kratos-migrate.log" 2>&1
  # What expired more than a day ago, as docker-compose.yml's kratos-cleanup does
  # hourly: the state directory outlives each run.
  "$kratos" cleanup sql -e --keep-last 24h --database.cleanup.batch_size 100000 \
    --database.cleanup.sleep.tables 0s -c kratos/kratos.yml > "$state/kratos-cleanup.log" 2>&1 ||
    echo "warning: Kratos' cleanup failed (see $state/kratos-cleanup.log); starting anyway" >&2
  # --watch-courier: without it Kratos queues mail and never sends it.
  exec "$kratos" serve -c kratos/kratos.yml --dev --watch-courier > "$state/kratos.log" 2>&1
) &
pids+=($!)

echo "== Ory Keto (SQLite: $state/keto.sqlite)"
(
  export DSN="sqlite://$state/keto.sqlite?$sqlite_options"
  export SERVE_READ_PORT=$keto_read_port SERVE_WRITE_PORT=$keto_write_port
  export SERVE_OPL_PORT=$keto_opl_port SERVE_METRICS_PORT=$keto_metrics_port
  "$keto" migrate up -y -c keto/keto.yml > "$state/keto-migrate.log" 2>&1
  exec "$keto" serve -c keto/keto.yml > "$state/keto.log" 2>&1
) &
pids+=($!)

# Release by default; the test command passes ORY_SPA_PROFILE=dev to reuse the
# debug build its tests already made instead of compiling everything again.
profile=${ORY_SPA_PROFILE:-release}
target_dir=$([[ $profile == dev ]] && echo debug || echo "$profile")
echo "== backend (cargo build --profile $profile)"
cargo build --profile "$profile" --quiet --bin ory-spa
spa_dir=""
if [[ -f frontend/package.json ]]; then
  echo "== SPA (npm ci && npm run build)"
  (cd frontend && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && npm run build --silent)
  spa_dir=$root/frontend/dist
fi

wait_ready Kratos "$kratos_public/health/ready" "$state/kratos.log"
wait_ready Keto "$keto_read/health/ready" "$state/keto.log"

APP_BIND_ADDRESS="127.0.0.1:$backend_port" \
APP_METRICS_BIND_ADDRESS="127.0.0.1:$metrics_port" \
APP_KRATOS_PUBLIC_URL="$kratos_public/" \
APP_KRATOS_ADMIN_URL="$kratos_admin/" \
APP_KETO_READ_URL="$keto_read/" \
APP_KETO_WRITE_URL="$keto_write/" \
APP_DATABASE_URL="sqlite://$state/backend.sqlite?mode=rwc" \
APP_SPA_DIR="$spa_dir" \
APP_SOCIAL_RETURN_URLS="$backend/auth/social/return" \
APP_SPA_URL="$backend/" \
APP_CORS_ALLOWED_ORIGINS="${APP_CORS_ALLOWED_ORIGINS:-http://localhost:5173,http://127.0.0.1:5173}" \
APP_SESSION_COOKIE_SECURE="${APP_SESSION_COOKIE_SECURE:-false}" \
APP_SMTP_URL="smtp://127.0.0.1:$mailpit_smtp_port" \
  "target/$target_dir/ory-spa" serve > "$state/backend.log" 2>&1 &
pids+=($!)
wait_ready backend "$backend/health/ready" "$state/backend.log"

if [[ $detach == 1 ]]; then
  printf '%s\n' "${pids[@]}" > "$state/pids"
  trap - EXIT INT TERM
  echo "== ready: $backend/ (logs and pids in $state)"
  exit 0
fi

verified_note=""
if [[ $require_verified_email == 1 ]]; then
  verified_note=$'\n\nLogin needs a verified address (ORY_SPA_REQUIRE_VERIFIED_EMAIL=1); the codes arrive in Mailpit.'
fi
cat <<MSG

Everything is up (logs in $state/*.log):
  App (SPA)          $backend/
  API                $backend/api/
  Swagger UI         $backend/swagger-ui/
  OpenAPI spec       $backend/api-docs/openapi.json
  Health             $backend/health/ready
  Metrics            http://127.0.0.1:$metrics_port/metrics   (Prometheus; not on the API port)
  Kratos public API  $kratos_public/   (the backend's; admin on 127.0.0.1:$kratos_admin_port)
  Keto read API      $keto_read/   (write API on 127.0.0.1:$keto_write_port)
  Mail (Mailpit)     $mailpit_ui/   (SMTP on 127.0.0.1:$mailpit_smtp_port; Kratos' codes
                     and the backend's security notices)
  Sign-in provider   $hydra_public/   (Ory Hydra; admin on 127.0.0.1:$hydra_admin_port)
                     "Sign in with Local provider" in the app; at the provider's page
                     ($provider_ui/) any email address, password: $provider_password$verified_note

Try it:
  curl -s -X POST $backend/api/auth/registration -H 'content-type: application/json' \\
    -d '{"email":"ada@example.com","name":"Ada","password":"a quiet evening walk 42"}'
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "a process exited; see $state/*.log" >&2
