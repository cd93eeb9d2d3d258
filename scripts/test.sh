#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the whole test suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# -j4 on 2 cores: the tests mostly wait (child processes, simulated API latency, settle timers).
ctest --test-dir build --output-on-failure -j4
