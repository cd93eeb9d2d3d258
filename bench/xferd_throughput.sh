#!/usr/bin/env bash
# xferd throughput and memory: `xferd once` on generated batches against mobproc-sim on
# 127.0.0.1. Prints the median of RUNS runs per setting (wall time, rows/s, peak RSS).
#
#   bash bench/xferd_throughput.sh                # defaults below
#   ROWS=5000 RUNS=5 LATENCY_MS=20 CONCURRENCY="1 16 64" bash bench/xferd_throughput.sh
#
# Every row is confirmed and submitted (2 API calls a row). LATENCY_MS is added by the simulator
# to every call, as a real API would; concurrency should hide it (ratio printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-2000}
RUNS=${RUNS:-3}
LATENCY_MS=${LATENCY_MS:-20}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
MEMORY_ROWS=${MEMORY_ROWS:-"1000 20000"}
BUILD=${BUILD:-build}
[ -x "$BUILD/xferd" ] || bash scripts/setup.sh
command -v /usr/bin/time >/dev/null 2>&1 || apt-get install -y -qq time >/dev/null

work=$(mktemp -d /tmp/xferd-bench-XXXXXX)
trap 'kill ${sim_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
max_rows=$ROWS
for m in $MEMORY_ROWS; do ((m > max_rows)) && max_rows=$m; done

start_sim() {  # $1 = latency ms
    "$BUILD"/mobproc-sim --listen 127.0.0.1:0 --fixtures samples/sim/fixtures.yaml --tls-dir "$work/tls" \
        --generate-services "$max_rows" --latency "$1" --token-ttl 7200 >"$work/sim.out" 2>"$work/sim.err" &
    sim_pid=$!
    for _ in $(seq 200); do grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
    url=$(sed -n 's/^listening on //p' "$work/sim.out")
    [ -n "$url" ] || { cat "$work/sim.err"; exit 1; }
}
stop_sim() { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; rm -f "$work/sim.out"; }

make_batch() {  # $1 = rows, $2 = file; services match the simulator's --generate-services
    awk -v n="$1" 'BEGIN {
        print "external_order_number,service_id,service_number,contact_number,personal_email"
        for (i = 0; i < n; i++)
            printf "BENCH-%07d,%d,%03d555%04d,4155550100,leaver%d@mail.example\n", i, 90000001 + i, 200 + int(i / 10000) % 800, i % 10000, i
    }' >"$2"
}

write_config() {  # $1 = concurrency, $2 = file
    mkdir -p "$work/secrets"
    printf 'demo-client-secret-7f3a9c' >"$work/secrets/client_secret"
    printf 'demo-password-2b81e4' >"$work/secrets/password"
    cat >"$2" <<YAML
api:
  base_url: $url/mobproc/v1
  token_url: $url/as/token.oauth2
  tenant: ACME
  client_id: demo-client
  client_secret_file: $work/secrets/client_secret
  username: command://svc-offboarding
  password_file: $work/secrets/password
  ca_file: $work/tls/ca.pem
  concurrency: $1
inbox:
  - path: $work/inbox
approval:
  mode: auto
state_dir: $work/state
YAML
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run_once() {  # $1 = rows, $2 = concurrency → prints "seconds rss_kib"
    rm -rf "$work/inbox" "$work/state"
    mkdir -p "$work/inbox"
    make_batch "$1" "$work/inbox/bench.csv"
    write_config "$2" "$work/xferd.yaml"
    /usr/bin/time -f '%e %M' -o "$work/time" "$BUILD"/xferd once --config "$work/xferd.yaml" >/dev/null 2>"$work/xferd.err" || {
        echo "xferd failed:"; tail -5 "$work/xferd.err"; exit 1; }
    submitted=$(grep -c ',SUBMITTED,' "$work/inbox/bench.results.csv" || true)
    [ "$submitted" = "$1" ] || { echo "only $submitted of $1 rows submitted"; exit 1; }
    cat "$work/time"
}

echo "xferd throughput: $ROWS rows, confirm + submit each, simulator latency ${LATENCY_MS} ms, median of $RUNS runs"
start_sim "$LATENCY_MS"
declare -A rate
for c in $CONCURRENCY; do
    : >"$work/secs"; : >"$work/rss"
    for _ in $(seq "$RUNS"); do
        read -r secs rss < <(run_once "$ROWS" "$c")
        echo "$secs" >>"$work/secs"; echo "$rss" >>"$work/rss"
    done
    s=$(median <"$work/secs"); r=$(median <"$work/rss")
    rate[$c]=$(awk -v n="$ROWS" -v s="$s" 'BEGIN {printf "%.0f", n / s}')
    printf '  concurrency %4s: %7.2f s  %7s rows/s  peak RSS %6.1f MiB\n' "$c" "$s" "${rate[$c]}" "$(awk -v k="$r" 'BEGIN {print k/1024}')"
done
first=${CONCURRENCY%% *}; last=${CONCURRENCY##* }
awk -v a="${rate[$first]}" -v b="${rate[$last]}" -v f="$first" -v l="$last" \
    'BEGIN {printf "  speed-up concurrency %s -> %s: %.1fx\n", f, l, b / a}'
stop_sim

echo "xferd memory by batch size (no latency, concurrency 16, median of $RUNS runs)"
start_sim 0
for n in $MEMORY_ROWS; do
    : >"$work/rss"; : >"$work/secs"
    for _ in $(seq "$RUNS"); do
        read -r secs rss < <(run_once "$n" 16)
        echo "$rss" >>"$work/rss"; echo "$secs" >>"$work/secs"
    done
    printf '  %7s rows: peak RSS %6.1f MiB, %6.2f s\n' "$n" "$(median <"$work/rss" | awk '{print $1/1024}')" "$(median <"$work/secs")"
done
stop_sim
