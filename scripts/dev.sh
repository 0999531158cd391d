#!/usr/bin/env bash
# Starts the whole stack locally on SQLite: Mailpit (the mail server Kratos' courier
# sends verification and recovery codes to; read them in its web UI), Ory Kratos,
# Ory Keto and the backend (which also serves the SPA once it is built). Builds the
# Ory and Mailpit binaries first if they are not cached (scripts/ory-build.sh).
# Prints the URLs, then runs until Ctrl-C, which stops everything it started. State
# lives in .local/ (git-ignored).
#
# Environment (the defaults are the ports and paths printed below):
#   ORY_SPA_STATE_DIR           state and logs (.local)
#   ORY_SPA_KRATOS_PUBLIC_PORT  4433     ORY_SPA_KRATOS_ADMIN_PORT  4434
#   ORY_SPA_KETO_READ_PORT      4466     ORY_SPA_KETO_WRITE_PORT    4467
#   ORY_SPA_KETO_OPL_PORT       4469     ORY_SPA_KETO_METRICS_PORT  4468
#   ORY_SPA_MAILPIT_SMTP_PORT   1025     ORY_SPA_MAILPIT_UI_PORT    8025
#   ORY_SPA_BACKEND_PORT        8080     ORY_SPA_METRICS_PORT       9464
#                               (the backend's Prometheus metrics, loopback only)
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
# A fresh machine builds them here (minutes, with progress on stderr).
if [[ ! -x $kratos || ! -x $keto || ! -x $mailpit ]]; then
  bash scripts/ory-build.sh > /dev/null
fi

# Secrets are generated once per state dir and kept there, never in the repository.
if [[ ! -f $state/secrets.env ]]; then
  umask 077
  hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  # JSON arrays: Kratos parses a bare value that happens to be valid JSON (all
  # digits) as something other than a list of secrets and refuses to start.
  {
    echo "SECRETS_DEFAULT='[\"$(hex 32)\"]'"
    echo "SECRETS_COOKIE='[\"$(hex 32)\"]'"
    echo "SECRETS_CIPHER='[\"$(hex 16)\"]'"
  } > "$state/secrets.env"
fi

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

echo "== Ory Kratos (SQLite: $state/kratos.sqlite)"
(
  set -a; source "$state/secrets.env"; set +a
  export DSN="sqlite://$state/kratos.sqlite?$sqlite_options"
  export SERVE_PUBLIC_PORT=$kratos_public_port SERVE_PUBLIC_BASE_URL=$kratos_public/
  export SERVE_ADMIN_PORT=$kratos_admin_port
  export COURIER_SMTP_CONNECTION_URI="smtp://127.0.0.1:$mailpit_smtp_port/?disable_starttls=true"
  if [[ $require_verified_email == 1 ]]; then
    # The index form: Kratos reads a JSON list here as one string and refuses it
    # ("hooks: expected array, but got string").
    export SELFSERVICE_FLOWS_LOGIN_AFTER_PASSWORD_HOOKS_0_HOOK=require_verified_address
  fi
  "$kratos" migrate sql -e --yes -c kratos/kratos.yml > "$state/kratos-migrate.log" 2>&1
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
APP_CORS_ALLOWED_ORIGINS="${APP_CORS_ALLOWED_ORIGINS:-http://localhost:5173,http://127.0.0.1:5173}" \
APP_SESSION_COOKIE_SECURE="${APP_SESSION_COOKIE_SECURE:-false}" \
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
  Mail (Mailpit)     $mailpit_ui/   (SMTP on 127.0.0.1:$mailpit_smtp_port)$verified_note

Try it:
  curl -s -X POST $backend/api/auth/registration -H 'content-type: application/json' \\
    -d '{"email":"ada@example.com","name":"Ada","password":"a quiet evening walk 42"}'
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "a process exited; see $state/*.log" >&2
