#!/usr/bin/env bash
# The state store's size per 1000 rows: `xferd once` on generated batches (every row confirmed
# and submitted) against mobproc-sim on 127.0.0.1, then state.db's size (WAL checkpointed).
#
#   bash bench/store_size.sh              # ROWS="1000 10000"
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-"1000 10000"}
BUILD=${BUILD:-build}
work=$(mktemp -d /tmp/xferd-store-size-XXXXXX)
trap 'kill ${sim_pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
max=0
for n in $ROWS; do ((n > max)) && max=$n; done
"$BUILD"/mobproc-sim --listen 127.0.0.1:0 --fixtures samples/sim/fixtures.yaml --tls-dir "$work/tls" \
    --generate-services "$max" --token-ttl 7200 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 200); do grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/sim.out")
mkdir -p "$work/secrets"
printf 'demo-client-secret-7f3a9c' >"$work/secrets/client_secret"
printf 'demo-password-2b81e4' >"$work/secrets/password"
for n in $ROWS; do
    rm -rf "$work/inbox" "$work/state"
    mkdir -p "$work/inbox"
    awk -v n="$n" 'BEGIN {
        print "external_order_number,service_id,service_number,contact_number,personal_email,employee_email"
        for (i = 0; i < n; i++)
            printf "SIZE-%07d,%d,%03d555%04d,4155550100,leaver%d@mail.example,leaver%d@acme-corp.example\n", i, 90000001 + i, 200 + int(i / 10000) % 800, i % 10000, i, i
    }' >"$work/inbox/size.csv"
    cat >"$work/xferd.yaml" <<YAML
api:
  base_url: $url/mobproc/v1
  token_url: $url/as/token.oauth2
  tenant: ACME
  client_id: demo-client
  client_secret_file: $work/secrets/client_secret
  username: command://svc-offboarding
  password_file: $work/secrets/password
  ca_file: $work/tls/ca.pem
  concurrency: 64
inbox:
  - path: $work/inbox
approval:
  mode: check_account_holder_off
watch:
  settle: 0s
state_dir: $work/state
YAML
    sed -i 's/  mode: check_account_holder_off/  mode: auto\n  check_account_holder: false/' "$work/xferd.yaml"
    "$BUILD"/xferd once --config "$work/xferd.yaml" >"$work/xferd.out" 2>"$work/xferd.err" || { cat "$work/xferd.out"; tail -n 5 "$work/xferd.err"; exit 1; }
    submitted=$(grep -c ',SUBMITTED,' "$work/inbox/size.results.csv" || true)
    bytes=$(stat -c %s "$work/state/state.db")
    wal=$(stat -c %s "$work/state/state.db-wal" 2>/dev/null || echo 0)
    echo "$n rows ($submitted submitted): state.db $bytes bytes (+ $wal WAL) = $((bytes * 1000 / n)) bytes per 1000 rows"
done
