#!/usr/bin/env bash
# The state store's speed and memory targets, measured: `xferd once` / `xferd validate` on generated
# batches against mobproc-sim on 127.0.0.1. Prints medians of RUNS runs and the ratio to each target.
#
#   bash bench/xferd_targets.sh                  # everything, issue-sized (about 15 min on 2 cores)
#   QUICK=1 bash bench/xferd_targets.sh          # a tenth of the sizes, for a first look
#   ONLY="throughput fsync cpu memory" …         # pick sections
#
# throughput  N rows, latency L, concurrency C: wall / (2·N·L/C)          target ≤ 1.15
# fsync       the same with every fsync/fdatasync slowed to 5 ms (strace)  target ≤ 1.5
#             and fsync+fdatasync calls per submitted row                  target ≤ 0.25
# cpu         xferd's user+sys per 1,000 rows at L = 0                      target ≤ 150 ms
# memory      peak RSS: validate and dry-run of 1,000,000 rows (CSV, JSON), target ≤ 48 MiB
#             a full run of 200,000 rows, and 200,000 vs 10,000 rows        target ≤ 1.25×
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
ONLY=${ONLY:-"throughput fsync cpu memory"}
scale() { if [ -n "${QUICK:-}" ]; then echo $(($1 / 10)); else echo "$1"; fi; }
N=${N:-$(scale 20000)}
L=${LATENCY_MS:-20}
C=${CONCURRENCY:-64}
BIG=${BIG:-$(scale 1000000)}
FULL=${FULL:-$(scale 200000)}
SMALL=${SMALL:-$(scale 10000)}
[ -x "$BUILD/xferd" ] || bash scripts/setup.sh
for tool in /usr/bin/time strace; do
    command -v "$tool" >/dev/null 2>&1 || apt-get install -y -qq "$(basename "$tool")" >/dev/null
done

work=$(mktemp -d /tmp/xferd-targets-XXXXXX)
trap 'kill ${sim_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT

start_sim() {  # $1 = latency ms, $2 = services to generate (ids 90000001 upward)
    "$BUILD"/mobproc-sim --listen 127.0.0.1:0 --fixtures samples/sim/fixtures.yaml --tls-dir "$work/tls" \
        --generate-services "$2" --latency "$1" --token-ttl 7200 >"$work/sim.out" 2>"$work/sim.err" &
    sim_pid=$!
    for _ in $(seq 3000); do grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
    url=$(sed -n 's/^listening on //p' "$work/sim.out")
    [ -n "$url" ] || { echo "mobproc-sim did not start:" >&2; cat "$work/sim.err" >&2; exit 1; }
}
stop_sim() { kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -f "$work/sim.out"; }

# The simulator's --generate-services numbers count up from 2005550000, skipping the numbers its
# fixtures already use: the generators below skip the same ones, so row i matches service i.
fixture_numbers=$(grep -o 'serviceNumber: "[0-9]*"' samples/sim/fixtures.yaml | grep -o '[0-9]\{10\}' | tr '\n' ' ')
numbers_awk='BEGIN { split(taken, t, " "); for (k in t) used[t[k]] = 1; next_number = 0 }
    function number(   s) {
        do { s = sprintf("%03d555%04d", 200 + int(next_number / 10000) % 800, next_number % 10000); next_number++ } while (s in used)
        return s
    }'
make_csv() {  # $1 = rows, $2 = file; services match the simulator's --generate-services
    awk -v n="$1" -v taken="$fixture_numbers" "$numbers_awk"'
    BEGIN {
        print "external_order_number,service_id,service_number,contact_number,personal_email"
        for (i = 0; i < n; i++)
            printf "BENCH-%07d,%d,%s,4155550100,leaver%d@mail.example\n", i, 90000001 + i, number(), i
    }' >"$2"
}
make_json() {  # $1 = rows, $2 = file: one {"orderRequests": [...]} document, streamed by xferd
    awk -v n="$1" -v taken="$fixture_numbers" "$numbers_awk"'
    BEGIN {
        print "{\"orderRequests\": ["
        for (i = 0; i < n; i++)
            printf "%s{\"orderRequest\":{\"externalOrderNumber\":\"BENCH-%07d\",\"serviceId\":\"%d\",\"properties\":[{\"groupId\":\"MISCELLANEOUS\",\"fields\":[{\"id\":\"SERVICE_NUMBER\",\"type\":\"TEXT\",\"text\":\"%s\"},{\"id\":\"CONTACT_NUMBER\",\"type\":\"TEXT\",\"text\":\"4155550100\"},{\"id\":\"PERSONAL_EMAIL\",\"type\":\"TEXT\",\"text\":\"leaver%d@mail.example\"}]}]}}\n", (i ? "," : ""), i, 90000001 + i, number(), i
        print "]}"
    }' >"$2"
}

write_config() {  # $1 = concurrency, $2 = approval mode
    mkdir -p "$work/secrets"
    printf 'demo-client-secret-7f3a9c' >"$work/secrets/client_secret"
    printf 'demo-password-2b81e4' >"$work/secrets/password"
    cat >"$work/xferd.yaml" <<YAML
api:
  base_url: ${url:-https://127.0.0.1:1}/mobproc/v1
  token_url: ${url:-https://127.0.0.1:1}/as/token.oauth2
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
  mode: $2
limits:
  max_file_bytes: 1GiB
watch:
  settle: 0s   # the generator has finished writing; do not wait
state_dir: $work/state
YAML
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One `xferd once` on a fresh inbox and store. $1 rows, $2 concurrency, $3 mode, $4 csv|json,
# $5… a wrapper (strace). Prints "wall_s user_s sys_s rss_kib".
run_once() {
    local rows=$1 conc=$2 mode=$3 format=$4; shift 4
    rm -rf "$work/inbox" "$work/state"; mkdir -p "$work/inbox"
    "make_$format" "$rows" "$work/inbox/bench.$format"
    write_config "$conc" "$mode"
    "$@" /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$BUILD"/xferd once --config "$work/xferd.yaml" \
        >"$work/xferd.out" 2>"$work/xferd.err" || { echo "xferd failed:" >&2; tail -5 "$work/xferd.out" "$work/xferd.err" >&2; exit 1; }
    local want=SUBMITTED; [ "$mode" = dry-run ] && want=NOT_SUBMITTED
    local done_rows; done_rows=$(grep -c ",$want," "$work/inbox/bench.results.csv" || true)
    [ "$done_rows" = "$rows" ] || { echo "only $done_rows of $rows rows $want" >&2; exit 1; }
    cat "$work/time"
}

# Median of RUNS runs of run_once; sets M_WALL M_CPU (user+sys) M_RSS (KiB).
measure() {
    : >"$work/wall"; : >"$work/cpu"; : >"$work/rss"
    for _ in $(seq "$RUNS"); do
        read -r wall user sys rss < <(run_once "$@")
        echo "$wall" >>"$work/wall"; echo "$user $sys" | awk '{print $1 + $2}' >>"$work/cpu"; echo "$rss" >>"$work/rss"
    done
    M_WALL=$(median <"$work/wall"); M_CPU=$(median <"$work/cpu"); M_RSS=$(median <"$work/rss")
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "ok" : "OVER TARGET"}'; }

echo "xferd targets on $(nproc) cores (load $(cut -d' ' -f1-3 /proc/loadavg)), median of $RUNS runs"
ideal=$(awk -v n="$N" -v l="$L" -v c="$C" 'BEGIN {printf "%.2f", 2 * n * l / 1000 / c}')

if [[ " $ONLY " == *" throughput "* ]]; then
    start_sim "$L" "$N"
    measure "$N" "$C" auto csv
    r=$(awk -v w="$M_WALL" -v i="$ideal" 'BEGIN {printf "%.2f", w / i}')
    printf 'throughput  N=%s L=%sms C=%s: %6.2f s (bound %s s) %7.0f rows/s  wall/bound %s (≤ 1.15: %s)\n' \
        "$N" "$L" "$C" "$M_WALL" "$ideal" "$(awk -v n="$N" -v w="$M_WALL" 'BEGIN {print n / w}')" "$r" "$(verdict "$r" 1.15)"
    stop_sim
fi

if [[ " $ONLY " == *" fsync "* ]]; then
    start_sim "$L" "$N"
    slow=(strace -f --seccomp-bpf -qq -o /dev/null -e trace=fsync,fdatasync
          -e inject=fsync:delay_exit=5000 -e inject=fdatasync:delay_exit=5000)
    measure "$N" "$C" auto csv "${slow[@]}"
    r=$(awk -v w="$M_WALL" -v i="$ideal" 'BEGIN {printf "%.2f", w / i}')
    printf 'fsync 5 ms  N=%s L=%sms C=%s: %6.2f s (bound %s s)  wall/bound %s (≤ 1.5: %s)\n' \
        "$N" "$L" "$C" "$M_WALL" "$ideal" "$r" "$(verdict "$r" 1.5)"
    run_once "$N" "$C" auto csv strace -f --seccomp-bpf -qq -c -o "$work/syscalls" -e trace=fsync,fdatasync >/dev/null
    calls=$(awk '$NF == "fsync" || $NF == "fdatasync" {s += $4} END {print s + 0}' "$work/syscalls")
    per=$(awk -v c="$calls" -v n="$N" 'BEGIN {printf "%.3f", c / n}')
    printf 'fsyncs      %s fsync+fdatasync for %s submitted rows: %s a row (≤ 0.25: %s)\n' "$calls" "$N" "$per" "$(verdict "$per" 0.25)"
    stop_sim
fi

if [[ " $ONLY " == *" cpu "* ]]; then
    start_sim 0 "$N"
    measure "$N" "$C" auto csv
    per=$(awk -v c="$M_CPU" -v n="$N" 'BEGIN {printf "%.0f", c * 1000 / (n / 1000)}')
    printf 'cpu         N=%s L=0 C=%s: xferd user+sys %.2f s = %s ms per 1,000 rows (≤ 150: %s)\n' \
        "$N" "$C" "$M_CPU" "$per" "$(verdict "$per" 150)"
    stop_sim
fi

if [[ " $ONLY " == *" memory "* ]]; then
    for format in csv json; do
        rm -rf "$work/inbox"; mkdir -p "$work/inbox"; "make_$format" "$BIG" "$work/inbox/big.$format"
        write_config 16 auto
        : >"$work/rss"
        for _ in $(seq "$RUNS"); do
            /usr/bin/time -f '%M' -o "$work/time" "$BUILD"/xferd validate --config "$work/xferd.yaml" "$work/inbox/big.$format" >/dev/null
            cat "$work/time" >>"$work/rss"
        done
        m=$(mib "$(median <"$work/rss")")
        printf 'memory      validate %s rows %s: peak RSS %s MiB (≤ 48: %s)\n' "$BIG" "$format" "$m" "$(verdict "$m" 48)"
    done
    start_sim 0 "$((BIG > FULL ? BIG : FULL))"
    for format in csv json; do
        measure "$BIG" 64 dry-run "$format"
        m=$(mib "$M_RSS")
        printf 'memory      dry-run %s rows %s: peak RSS %s MiB, %.1f s (≤ 48: %s)\n' "$BIG" "$format" "$m" "$M_WALL" "$(verdict "$m" 48)"
    done
    measure "$SMALL" 64 auto csv; small_rss=$M_RSS
    measure "$FULL" 64 auto csv; full_rss=$M_RSS
    m=$(mib "$full_rss")
    r=$(awk -v a="$full_rss" -v b="$small_rss" 'BEGIN {printf "%.2f", a / b}')
    printf 'memory      full run %s rows: peak RSS %s MiB, %.1f s (≤ 48: %s); %s rows: %s MiB; ratio %s (≤ 1.25: %s)\n' \
        "$FULL" "$m" "$M_WALL" "$(verdict "$m" 48)" "$SMALL" "$(mib "$small_rss")" "$r" "$(verdict "$r" 1.25)"
    stop_sim
fi
