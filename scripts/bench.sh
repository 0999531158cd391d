#!/usr/bin/env bash
# Prints throughput, latency and memory figures for the backend in front of the real
# Kratos and Keto, in one run: a throwaway stack on loopback (release build, the
# production Kratos hasher), then wrk against each endpoint and Kratos and Keto
# themselves. Bounded in count and time; only 127.0.0.1 is ever targeted. wrk, the
# backend, Kratos and Keto share the machine's cores, so the figures are for this
# machine; the ratios to the floor are what carries over. README.md, "Benchmark",
# says how to read the output.
#
#   BENCH_SECONDS      seconds per wrk row (10)
#   BENCH_CONNECTIONS  wrk connections for the loaded rows (16)
#   BENCH_DOCUMENTS    the larger listing's visible documents (10000); the smaller is 1000
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
large=${BENCH_DOCUMENTS:-10000}
small=1000

if ! command -v wrk > /dev/null; then
  echo "installing Debian's wrk" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null
fi
# 1,000 open connections need as many descriptors in wrk and in the backend.
ulimit -n 8192

source scripts/lib/stack.sh
trap 'trap - EXIT INT TERM; [[ -n ${probe_pid:-} ]] && kill "$probe_pid" 2>/dev/null; stack_stop' EXIT INT TERM
export ORY_SPA_PROFILE=${ORY_SPA_PROFILE:-release}
stack_start > /dev/null

rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)'"$1"'))'; }
# Sum of a metric's samples whose labels contain $2, from the backend's metrics listener.
metric() { curl -fsS "$STACK_METRICS_URL" | awk -v name="$1" -v match_="$2" \
  'index($0, name "{") == 1 && index($0, match_) { sum += $NF } END { printf "%d", sum }'; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" -v digits="${3:-2}" 'BEGIN {printf "%." digits "f", a / b}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hr() { printf '%s\n' "--------------------------------------------------------------------------------------------------"; }

echo "== ory-spa benchmark: $(nproc) cores, release build, wrk -t2 -c$connections for ${seconds}s per row"
echo "backend RSS after start-up: $(rss "$STACK_BACKEND_PID") MiB"

# Start-up to ready: a second backend on the same Kratos, Keto and a fresh database.
port=$(free_port)
started=$(date +%s%N)
APP_BIND_ADDRESS=127.0.0.1:$port APP_KRATOS_PUBLIC_URL=$STACK_KRATOS_PUBLIC_URL/ \
  APP_KETO_READ_URL=$STACK_KETO_READ_URL/ APP_KETO_WRITE_URL=$STACK_KETO_WRITE_URL/ \
  APP_DATABASE_URL="sqlite://$STACK_STATE/startup.sqlite?mode=rwc" APP_LOG_FORMAT=json \
  target/release/ory-spa serve > "$STACK_STATE/startup.log" 2>&1 &
probe_pid=$!
until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready"; do
  (($(ms_since "$started") < 30000)) || { echo "the second backend did not become ready" >&2; exit 1; }
  sleep 0.005
done
echo "start-up to ready (process start, migrations, /health/ready answering 200): $(ms_since "$started") ms"
kill "$probe_pid"; wait "$probe_pid" 2>/dev/null || true; probe_pid=

# Data: one person to read, and the readers of the two listings.
api() { curl -fsS -H 'content-type: application/json' "$@"; }
email="bench-$RANDOM$RANDOM@example.com"
password="a quiet evening walk 42"
registered=$(api "$STACK_URL/api/auth/registration" -d "{\"email\":\"$email\",\"name\":\"Bench\",\"password\":\"$password\"}")
token=$(json .session_token <<< "$registered")
identity=$(json .session.identity.id <<< "$registered")
document=$(api -H "authorization: Bearer $token" "$STACK_URL/api/documents" -d '{"title":"one","body":"text"}' | json .id)
seeding=$(date +%s%N)
mapfile -t readers < <(node scripts/bench/seed.mjs "$STACK_URL" "$small" "$large")
echo "seeded through the API: readers of $small and $large documents (a third own, a third shared with them," \
  "a third shared with their group) in $(($(ms_since "$seeding") / 1000)) s"
small_token=$(json .token <<< "${readers[0]}")
large_token=$(json .token <<< "${readers[1]}")
large_sharer=$(json .sharer <<< "${readers[1]}")
large_group=$(json .group <<< "${readers[1]}")

# One wrk row: name, ratio base (req/s or "-"), wrk arguments…
# Prints req/s, latency, non-2xx, the ratio, and Kratos and Keto calls per request
# (from the backend's own metrics, before and after).
declare -A rps
row() {
  local name=$1 base=$2 out kratos keto requests
  shift 2
  kratos=$(metric ory_requests_total 'service="Kratos"')
  keto=$(metric ory_requests_total 'service="Keto"')
  out=$(wrk -t2 --latency "$@")
  requests=$(awk '/requests in/ {print $1}' <<< "$out")
  kratos=$(($(metric ory_requests_total 'service="Kratos"') - kratos))
  keto=$(($(metric ory_requests_total 'service="Keto"') - keto))
  rps[$name]=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  printf '%-48s %9s %9s %9s %7s %7s %7.2f %7.2f\n' "$name" "${rps[$name]}" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
    "$(awk '/Non-2xx/ {print $NF}' <<< "$out" | grep . || echo 0)" \
    "$( [[ $base == - ]] && echo - || ratio "${rps[$name]}" "$base")" \
    "$(awk -v c="$kratos" -v n="$requests" 'BEGIN {print c / n}')" "$(awk -v c="$keto" -v n="$requests" 'BEGIN {print c / n}')"
}
floor_row() { # name wrk arguments… (not through the backend: no per-request calls to count)
  local name=$1 out
  shift
  out=$(wrk -t2 --latency "$@")
  rps[$name]=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  printf '%-48s %9s %9s %9s %7s\n' "$name" "${rps[$name]}" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
    "$(awk '/Non-2xx/ {print $NF}' <<< "$out" | grep . || echo 0)"
}
loaded=(-c"$connections" -d"${seconds}s")
auth=(-H "Authorization: Bearer $token")

echo
printf '%-48s %9s %9s %9s %7s %7s %7s %7s\n' "floor: wrk straight at Kratos and Keto" "req/s" "p50" "p99" "non-2xx"
hr
floor_row "Kratos GET /sessions/whoami" "${loaded[@]}" -H "X-Session-Token: $token" "$STACK_KRATOS_PUBLIC_URL/sessions/whoami"
home_check="{\"namespace\":\"App\",\"object\":\"home\",\"relation\":\"view\",\"subject_set\":{\"namespace\":\"User\",\"object\":\"$identity\",\"relation\":\"\"}}"
CHECK_BODY=$home_check floor_row "Keto POST /relation-tuples/check/openapi" "${loaded[@]}" -s scripts/bench/check.lua \
  "$STACK_KETO_READ_URL/relation-tuples/check/openapi"
# What a list of 100 asks Keto, straight at Keto: the ceiling of list throughput.
page_batch=$(node scripts/bench/page-batch.mjs "$STACK_URL" "$large_token")
CHECK_BODY=$page_batch floor_row "Keto batch check of a page of 100 ($large)" "${loaded[@]}" \
  -s scripts/bench/check.lua "$STACK_KETO_READ_URL/relation-tuples/batch/check"
CHECK_BODY=$page_batch floor_row "  the same, unloaded (wrk -c1)" -c1 -t1 -d"${seconds}s" \
  -s scripts/bench/check.lua "$STACK_KETO_READ_URL/relation-tuples/batch/check"
whoami_floor=${rps["Kratos GET /sessions/whoami"]}
page_floor=${rps["Keto batch check of a page of 100 ($large)"]}
check_floor=${rps["Keto POST /relation-tuples/check/openapi"]}
# A request that needs both costs the time of one of each.
floor=$(awk -v a="$whoami_floor" -v b="$check_floor" 'BEGIN {printf "%.1f", 1 / (1 / a + 1 / b)}')
printf '%-48s %9s\n' "whoami + check, one after the other (1/(1/a+1/b))" "$floor"

echo
printf '%-48s %9s %9s %9s %7s %7s %7s %7s\n' "through the backend" "req/s" "p50" "p99" "non-2xx" "×floor" "Kratos" "Keto"
printf '%-48s %9s %9s %9s %7s %7s %7s %7s\n' "" "" "" "" "" "" "/req" "/req"
hr
row "GET /health/alive (no Ory)" - "${loaded[@]}" "$STACK_URL/health/alive"
row "GET /api/auth/session (×whoami floor)" "$whoami_floor" "${loaded[@]}" "${auth[@]}" "$STACK_URL/api/auth/session"
row "GET /api/home (×whoami+check floor)" "$floor" "${loaded[@]}" "${auth[@]}" "$STACK_URL/api/home"
home=${rps["GET /api/home (×whoami+check floor)"]}
row "GET /api/documents/{id} (×whoami+check floor)" "$floor" "${loaded[@]}" "${auth[@]}" "$STACK_URL/api/documents/$document"
single=${rps["GET /api/documents/{id} (×whoami+check floor)"]}
for visible in "$small" "$large"; do
  list_token=$([[ $visible == "$small" ]] && echo "$small_token" || echo "$large_token")
  for per_page in 20 100; do
    row "GET /api/documents?per_page=$per_page, $visible visible (×{id})" "$single" \
      "${loaded[@]}" -H "Authorization: Bearer $list_token" "$STACK_URL/api/documents?per_page=$per_page"
  done
done
list_loaded=${rps["GET /api/documents?per_page=100, $large visible (×{id})"]}

# The two throughput targets, paired the same way as the list's latency below: five
# rounds, each calling for 3 s in turn whoami and the check (/api/home's floor),
# /api/home, a single-document read, the list of 100, and Keto answering that list's
# batch alone (its ceiling). Each ratio then compares figures from the same minute of
# this drifting machine.
rps_of() { wrk -t2 -c"$connections" -d3s "$@" | awk '/^Requests\/sec/ {print $2}'; }
home_floor_ratios=() home_check_ratios=() check_floor_ratios=()
list_single_ratios=() keto_single_ratios=() list_keto_ratios=()
echo
echo "throughput targets, 5 rounds of 3 s per call (wrk -c$connections), alternating:"
for round in 1 2 3 4 5; do
  whoami_now=$(rps_of -H "X-Session-Token: $token" "$STACK_KRATOS_PUBLIC_URL/sessions/whoami")
  check_now=$(CHECK_BODY=$home_check rps_of -s scripts/bench/check.lua \
    "$STACK_KETO_READ_URL/relation-tuples/check/openapi")
  home_now=$(rps_of "${auth[@]}" "$STACK_URL/api/home")
  floor_now=$(awk -v a="$whoami_now" -v b="$check_now" 'BEGIN {printf "%.1f", 1 / (1 / a + 1 / b)}')
  single_now=$(rps_of "${auth[@]}" "$STACK_URL/api/documents/$document")
  list_now=$(rps_of -H "Authorization: Bearer $large_token" "$STACK_URL/api/documents?per_page=100")
  page_now=$(CHECK_BODY=$page_batch rps_of -s scripts/bench/check.lua "$STACK_KETO_READ_URL/relation-tuples/batch/check")
  home_floor_ratios+=("$(ratio "$home_now" "$floor_now")")
  home_check_ratios+=("$(ratio "$home_now" "$check_now")")
  check_floor_ratios+=("$(ratio "$check_now" "$floor_now")")
  list_single_ratios+=("$(ratio "$list_now" "$single_now" 3)")
  keto_single_ratios+=("$(ratio "$page_now" "$single_now" 3)")
  list_keto_ratios+=("$(ratio "$list_now" "$page_now")")
  echo "  round $round: whoami $whoami_now, check $check_now → floor $floor_now;" \
    "/api/home $home_now req/s = ${home_floor_ratios[-1]}× floor, ${home_check_ratios[-1]}× check"
  echo "           single read $single_now, list of 100 at $large visible $list_now" \
    "(${list_single_ratios[-1]}× the read), Keto alone $page_now pages/s (${keto_single_ratios[-1]}× the read);" \
    "the list is ${list_keto_ratios[-1]}× Keto alone"
done

echo
echo "unloaded (wrk -c1: one request at a time)"
hr
for visible in "$small" "$large"; do
  list_token=$([[ $visible == "$small" ]] && echo "$small_token" || echo "$large_token")
  row "GET /api/documents?per_page=100, $visible visible" - -c1 -t1 -d"${seconds}s" \
    -H "Authorization: Bearer $list_token" "$STACK_URL/api/documents?per_page=100"
done
# A title search walks past the titles that do not match, in SQL, and counts its
# matches each time: it costs what the person can see in SQL, and a page in Keto.
# The seeded titles are "document <n>": "document 42" matches about one in a
# hundred, and "document 9999" few, found near the end of the walk.
for q in "document%2042" "document%209999"; do
  matches=$(curl -fsS -H "Authorization: Bearer $large_token" "$STACK_URL/api/documents?per_page=1&q=$q" |
    grep -o '"total":[0-9]*' | cut -d: -f2)
  row "GET /api/documents?per_page=20&q=$q ($matches match), $large visible" - -c1 -t1 -d"${seconds}s" \
    -H "Authorization: Bearer $large_token" "$STACK_URL/api/documents?per_page=20&q=$q"
done
# The target's figure. This machine's speed drifts by half within minutes (a shared
# VM), so the list alternates with Keto answering the same batch alone, in rounds of
# 3 s; each figure is the median of its rounds' p50s, and their difference is the
# backend's part, whatever the machine's pace.
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v / 1000; else if (v ~ /ms$/) print v + 0; else print v * 1000 }'; }
p50_ms() { to_ms "$(wrk -c1 -t1 -d3s --latency "$@" | awk '$1 == "50%" {print $2}')"; }
list_rounds=() keto_rounds=()
for _ in 1 2 3 4 5; do
  list_rounds+=("$(p50_ms -H "Authorization: Bearer $large_token" "$STACK_URL/api/documents?per_page=100")")
  keto_rounds+=("$(CHECK_BODY=$page_batch p50_ms -s scripts/bench/check.lua \
    "$STACK_KETO_READ_URL/relation-tuples/batch/check")")
done
unloaded=$(median "${list_rounds[@]}")
keto_alone=$(median "${keto_rounds[@]}")
echo "page of 100 at $large visible, p50 of 5 rounds of 3 s each, alternating:"
echo "  the list ${list_rounds[*]} ms → median $unloaded ms"
echo "  Keto alone, the same batch ${keto_rounds[*]} ms → median $keto_alone ms"
keto_before=$(metric ory_requests_total 'service="Keto"')
for _ in $(seq 1 20); do curl -fsS -o /dev/null -H "Authorization: Bearer $large_token" "$STACK_URL/api/documents?per_page=100"; done
keto_per_page=$(awk -v c="$(($(metric ory_requests_total 'service="Keto"') - keto_before))" 'BEGIN {print c / 20}')
echo "Keto round trips per page of 100 at $large visible: $keto_per_page (20 requests, from the backend's metrics)"

echo
printf '%-48s %9s %9s %9s %9s %7s %7s\n' "logins (POST /api/auth/login, production argon2)" "logins/s" "p50" "p99" "ok/all" "shed" "failed"
hr
for clients in 4 16; do
  printf '%-48s %9s %9s %9s %9s %7s %7s\n' "$clients clients at once" \
    $(node scripts/bench/logins.mjs "$STACK_URL" "$email" "$password" "$clients" "$seconds")
done

echo
echo "memory (backend RSS)"
hr
sleep 2
echo "idle after the runs above:                   $(rss "$STACK_BACKEND_PID") MiB"
wrk -t2 -c1000 -d8s "$STACK_URL/health/alive" > /dev/null &
wrk_pid=$!
sleep 5
echo "with 1,000 connections open (wrk -c1000):    $(rss "$STACK_BACKEND_PID") MiB"
wait "$wrk_pid"
sleep 10
echo "idle again, 10 s after they closed:          $(rss "$STACK_BACKEND_PID") MiB"

echo
echo "account deletion (DELETE /api/account by the reader of $large documents; the purge runs after the answer)"
hr
read -r owned_documents owned_groups naming answer_ms purge_s < <(node scripts/bench/deletion.mjs "$STACK_URL" \
  "$STACK_KETO_READ_URL" "$large_token" "$password")
echo "owned: $owned_documents documents, $owned_groups groups; tuples naming the person in Keto: $naming"
echo "answered (204) in $answer_ms ms; the purge finished (no tuple names them) ${purge_s} s after the request"

echo
echo "group deletion (DELETE /api/groups/{id} by its owner; the group the reader of $large documents was in)"
hr
# Tuples Keto holds on documents for the group's members, every page counted.
group_shares() {
  node -e '
    const [keto, group] = process.argv.slice(1);
    (async () => {
      let count = 0, page = "";
      do {
        const query = new URLSearchParams({ namespace: "Document", "subject_set.namespace": "Group",
          "subject_set.object": group, "subject_set.relation": "members", page_size: "1000",
          ...(page ? { page_token: page } : {}) });
        const body = await (await fetch(`${keto}/relation-tuples?${query}`)).json();
        count += body.relation_tuples.length;
        page = body.next_page_token;
      } while (page);
      console.log(count);
    })();' "$STACK_KETO_READ_URL" "$large_group"
}
before=$(group_shares)
started=$(date +%s%N)
status=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "authorization: Bearer $large_sharer" \
  "$STACK_URL/api/groups/$large_group")
group_ms=$(ms_since "$started")
echo "shares to the group in Keto: $before before; answered $status in $group_ms ms; $(group_shares) after"

echo
echo "targets"
hr
verdict() { if awk "BEGIN {exit !($1)}"; then echo met; else echo "NOT met"; fi; }
echo "page of 100 at $large visible in ≤ 2 Keto round trips: $keto_per_page → $(verdict "$keto_per_page <= 2")"
echo "page of 100 at $large visible, p50 ≤ 30 ms unloaded: $unloaded ms → $(verdict "$unloaded <= 30")"
echo "  (Keto alone answered its batch in $keto_alone ms in the same rounds; the backend adds" \
  "$(awk -v a="$unloaded" -v b="$keto_alone" 'BEGIN {printf "%.1f", a - b}') ms)"
list_single_ratio=$(median "${list_single_ratios[@]}")
echo "list throughput within 2× of a single-document read (≥ 0.5×), median of the 5 alternating rounds:" \
  "${list_single_ratio}× → $(verdict "$list_single_ratio >= 0.5")"
echo "  (Keto alone answers such pages at $(median "${keto_single_ratios[@]}")× the read's rate; the list" \
  "reaches $(median "${list_keto_ratios[@]}")× of Keto alone. The single rows above, minutes apart:" \
  "$list_loaded vs $single req/s, Keto alone $page_floor)"
home_floor_ratio=$(median "${home_floor_ratios[@]}")
home_check_ratio=$(median "${home_check_ratios[@]}")
check_floor_ratio=$(median "${check_floor_ratios[@]}")
# The second form applies only where Keto's check itself is under twice the floor.
echo "/api/home ≥ 2× the whoami+check floor, or ≥ 0.9× Keto's check where that is under 2× the floor" \
  "(medians of the 5 alternating rounds):"
echo "  ${home_floor_ratio}× the floor, ${home_check_ratio}× the check (the check is ${check_floor_ratio}× the floor) →" \
  "$(verdict "$home_floor_ratio >= 2 || ($check_floor_ratio < 2 && $home_check_ratio >= 0.9)")"
echo "  (the single rows above, minutes apart: $home req/s against a floor of $floor and a check of $check_floor)"
