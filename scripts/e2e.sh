#!/usr/bin/env bash
# The SPA's browser test against a real, throwaway stack:
#   1. installs Debian's Chromium if /usr/bin/chromium is missing,
#   2. installs the SPA's npm packages if frontend/node_modules is missing, builds the SPA,
#   3. starts Kratos, Keto and the backend (scripts/dev.sh, ORY_SPA_DETACH=1) on free
#      ports other than the defaults, with their state in a temporary directory,
#   4. runs frontend/e2e/e2e.mjs (Playwright driving headless Chromium) against it,
#   5. stops everything and removes the state on exit, whatever happened.
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

step "SPA: npm ci (if needed) and build"
(
  cd frontend
  [[ -d node_modules ]] || npm ci --no-audit --no-fund
  npm run build --silent
)

state=$(mktemp -d "${TMPDIR:-/tmp}/ory-spa-e2e.XXXXXX")
logs=$root/test-artifacts/e2e-logs

stop_stack() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f $state/pids ]]; then
    step "stopping the stack"
    local pids
    mapfile -t pids < "$state/pids"
    kill "${pids[@]}" 2>/dev/null || true
    # They are not our children (dev.sh started them), so poll instead of wait.
    for _ in $(seq 1 50); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  fi
  mkdir -p "$logs"
  cp "$state"/*.log "$logs/" 2>/dev/null || true
  rm -rf "$state"
  exit "$rc"
}
trap stop_stack EXIT INT TERM

# Seven distinct free ports, held open together while they are picked.
read -r kratos_public kratos_admin keto_read keto_write keto_opl keto_metrics backend < <(
  node -e '
    const net = require("node:net");
    const servers = [];
    for (let i = 0; i < 7; i++) {
      const server = net.createServer();
      server.listen(0, "127.0.0.1", () => {
        servers.push(server);
        if (servers.length === 7) {
          console.log(servers.map((s) => s.address().port).join(" "));
          for (const s of servers) s.close();
        }
      });
    }
  '
)

step "starting a throwaway stack (backend on 127.0.0.1:$backend, state in $state)"
ORY_SPA_STATE_DIR=$state \
ORY_SPA_KRATOS_PUBLIC_PORT=$kratos_public \
ORY_SPA_KRATOS_ADMIN_PORT=$kratos_admin \
ORY_SPA_KETO_READ_PORT=$keto_read \
ORY_SPA_KETO_WRITE_PORT=$keto_write \
ORY_SPA_KETO_OPL_PORT=$keto_opl \
ORY_SPA_KETO_METRICS_PORT=$keto_metrics \
ORY_SPA_BACKEND_PORT=$backend \
ORY_SPA_DETACH=1 \
ORY_SPA_PROFILE=${ORY_SPA_PROFILE:-dev} \
  bash scripts/dev.sh

step "browser test (frontend/e2e/e2e.mjs)"
BASE_URL=http://127.0.0.1:$backend node frontend/e2e/e2e.mjs
