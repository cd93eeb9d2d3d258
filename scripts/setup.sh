#!/usr/bin/env bash
# Installs what xferd needs on Debian 12 (as root), then configures and builds into build/.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build pkg-config make lld
          libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
          libboost-program-options1.81-dev libboost-test1.81-dev
          libyaml-cpp-dev libssl-dev libsystemd-dev openssl curl
          libsqlite3-dev            # the state store
          libzip-dev libexpat1-dev  # reading .xlsx batches and approvals
          libxlsxwriter-dev         # writing NAME.confirmation.xlsx
          chromium fonts-dejavu-core  # test_report_browser loads the HTML report in headless Chromium
          systemd   # systemd-analyze: the unit files are verified by a test
          tinyproxy)  # test_proxy_tinyproxy: xferd through a real HTTP CONNECT proxy
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
