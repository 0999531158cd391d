#!/usr/bin/env bash
# Prints throughput, latency and memory figures for the backend in front of the real
# Kratos and Keto: a throwaway stack on loopback (release build), one person with
# BENCH_DOCUMENTS documents, then wrk against each endpoint for BENCH_SECONDS.
# Bounded in count and time; only 127.0.0.1 is ever targeted. Figures depend on
# the machine: wrk, the backend, Kratos and Keto share its cores.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
documents=${BENCH_DOCUMENTS:-50}

if ! command -v wrk > /dev/null; then
  echo "installing Debian's wrk" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null
fi

source scripts/lib/stack.sh
trap 'trap - EXIT INT TERM; stack_stop' EXIT INT TERM
export ORY_SPA_PROFILE=${ORY_SPA_PROFILE:-release}
stack_start > /dev/null

api() { curl -fsS -H 'content-type: application/json' "$@"; }
token=$(api "$STACK_URL/api/auth/registration" \
  -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"name\":\"Bench\",\"password\":\"a quiet evening walk 42\"}" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).session_token))')
for i in $(seq 1 "$documents"); do
  document=$(api -H "authorization: Bearer $token" "$STACK_URL/api/documents" -d "{\"title\":\"doc $i\",\"body\":\"text\"}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$STACK_BACKEND_PID/status"; }
peak() { awk '/^VmHWM/ {print $2}' "/proc/$STACK_BACKEND_PID/status"; }
echo "backend RSS after start-up and $documents documents: $(($(rss) / 1024)) MiB"
printf '\n%-44s %10s %10s %10s %10s\n' "endpoint (wrk -c$connections, ${seconds}s)" "req/s" "p50" "p99" "non-2xx"
bench() { # name path [token]
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency ${3:+-H "Authorization: Bearer $3"} "$STACK_URL$2")
  printf '%-44s %10s %10s %10s %10s\n' "$1" \
    "$(awk '/^Requests\/sec/ {print $2}' <<< "$out")" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" \
    "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
    "$(awk '/Non-2xx/ {print $NF}' <<< "$out" | grep . || echo 0)"
}
bench "GET /health/alive (no Ory)" /health/alive
bench "GET /api/auth/session (Kratos whoami)" /api/auth/session "$token"
bench "GET /api/home (Kratos + Keto check)" /api/home "$token"
bench "GET /api/documents/{id} (Kratos + batch)" "/api/documents/$document" "$token"
bench "GET /api/documents?per_page=20 (list)" "/api/documents?per_page=20" "$token"
echo
echo "backend RSS now: $(($(rss) / 1024)) MiB, peak: $(($(peak) / 1024)) MiB"
