#!/usr/bin/env bash
# Sets everything up, starts mobproc-sim on 127.0.0.1, runs `xferd once` on the sample batches
# and prints where the reports are. Everything it writes goes to demo-run/ (recreated each run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

run=demo-run
rm -rf "$run"
mkdir -p "$run/inbox" "$run/hr-inbox" "$run/tls" "$run/state"
cp -p samples/batches/* "$run/inbox/"   # -p: old mtimes, so the settle wait does not defer them
cp -p samples/hr-feed/* "$run/hr-inbox/"

build/mobproc-sim --listen 127.0.0.1:0 --fixtures samples/sim/fixtures.yaml --tls-dir "$run/tls" \
    --audit "$run/sim-audit.jsonl" >"$run/sim.out" 2>"$run/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$run/sim.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$run/sim.out")
[ -n "$url" ] || { echo "demo: mobproc-sim did not start:"; cat "$run/sim.err"; exit 1; }
port=${url##*:}
echo "demo: mobproc-sim listening on $url"

# The demo config is written for port 8443; point it at the port the simulator got.
cp -r config/demo-secrets "$run/"
sed "s/127\.0\.0\.1:8443/127.0.0.1:$port/g" config/demo.yaml >"$run/xferd.yaml"

set +e
build/xferd once --config "$run/xferd.yaml" 2>"$run/xferd.stderr"
status=$?
set -e
echo
echo "demo: xferd exited with status $status (0 all fine, 1 some rows need attention; see README)"
echo "demo: reports next to each input:"
ls -1 "$run"/inbox/*.results.csv "$run"/hr-inbox/*.results.csv 2>/dev/null | sed 's/^/  /'
echo "demo: open the confirmation reports (*.confirmation.html) in a browser; the process log is $run/xferd.stderr"
echo "demo: orders the simulator accepted: $(wc -l <"$run/sim-audit.jsonl") (audit: $run/sim-audit.jsonl)"
