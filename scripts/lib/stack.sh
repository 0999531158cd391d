# A throwaway stack for scripts (sourced, not run): Mailpit, Hydra with its
# login-and-consent app, Kratos, Keto and the backend on free ports with their state
# in a temporary directory, through dev.sh's detached mode.
#
#   stack_start            sets STACK_URL, STACK_MAILPIT_URL (Mailpit's web UI and
#                          HTTP API), STACK_METRICS_URL (the backend's metrics),
#                          STACK_KRATOS_PUBLIC_URL, STACK_KETO_READ_URL,
#                          STACK_KETO_WRITE_URL, STACK_PROVIDER_PASSWORD (the local
#                          sign-in provider's), STACK_STATE and STACK_BACKEND_PID
#   stack_stop [LOG_DIR]   stops it, keeps the logs in LOG_DIR if given, removes the state

stack_start() {
  STACK_STATE=$(mktemp -d "${TMPDIR:-/tmp}/ory-spa-stack.XXXXXX")
  local ports
  # Thirteen distinct free ports, held open together while they are picked.
  ports=$(node -e '
    const net = require("node:net");
    const servers = [];
    for (let i = 0; i < 13; i++) {
      const server = net.createServer();
      server.listen(0, "127.0.0.1", () => {
        servers.push(server);
        if (servers.length === 13) {
          console.log(servers.map((s) => s.address().port).join(" "));
          for (const s of servers) s.close();
        }
      });
    }
  ')
  local kratos_public kratos_admin keto_read keto_write keto_opl keto_metrics mailpit_smtp mailpit_ui backend metrics
  local hydra_public hydra_admin provider_ui
  read -r kratos_public kratos_admin keto_read keto_write keto_opl keto_metrics mailpit_smtp mailpit_ui backend \
    metrics hydra_public hydra_admin provider_ui <<< "$ports"
  STACK_PROVIDER_PASSWORD=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  ORY_SPA_STATE_DIR=$STACK_STATE \
  ORY_SPA_KRATOS_PUBLIC_PORT=$kratos_public \
  ORY_SPA_KRATOS_ADMIN_PORT=$kratos_admin \
  ORY_SPA_KETO_READ_PORT=$keto_read \
  ORY_SPA_KETO_WRITE_PORT=$keto_write \
  ORY_SPA_KETO_OPL_PORT=$keto_opl \
  ORY_SPA_KETO_METRICS_PORT=$keto_metrics \
  ORY_SPA_MAILPIT_SMTP_PORT=$mailpit_smtp \
  ORY_SPA_MAILPIT_UI_PORT=$mailpit_ui \
  ORY_SPA_BACKEND_PORT=$backend \
  ORY_SPA_METRICS_PORT=$metrics \
  ORY_SPA_HYDRA_PUBLIC_PORT=$hydra_public \
  ORY_SPA_HYDRA_ADMIN_PORT=$hydra_admin \
  ORY_SPA_PROVIDER_UI_PORT=$provider_ui \
  ORY_SPA_PROVIDER_PASSWORD=$STACK_PROVIDER_PASSWORD \
  ORY_SPA_DETACH=1 \
    bash scripts/dev.sh
  STACK_URL=http://127.0.0.1:$backend
  STACK_MAILPIT_URL=http://127.0.0.1:$mailpit_ui
  STACK_METRICS_URL=http://127.0.0.1:$metrics/metrics
  STACK_KRATOS_PUBLIC_URL=http://127.0.0.1:$kratos_public
  STACK_KETO_READ_URL=http://127.0.0.1:$keto_read
  STACK_KETO_WRITE_URL=http://127.0.0.1:$keto_write
  STACK_BACKEND_PID=$(tail -n 1 "$STACK_STATE/pids")
}

stack_stop() {
  [[ -n ${STACK_STATE:-} && -d $STACK_STATE ]] || return 0
  if [[ -f $STACK_STATE/pids ]]; then
    local pids pid alive
    mapfile -t pids < "$STACK_STATE/pids"
    kill "${pids[@]}" 2>/dev/null || true
    # They are not our children (dev.sh started them), so poll instead of wait.
    for _ in $(seq 1 50); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  fi
  if [[ -n ${1:-} ]]; then
    mkdir -p "$1"
    cp "$STACK_STATE"/*.log "$1/" 2>/dev/null || true
  fi
  rm -rf "$STACK_STATE"
}
