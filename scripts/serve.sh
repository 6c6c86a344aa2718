#!/usr/bin/env bash
# Installs missing Debian packages, builds the Release binary and starts the
# server: the README's first command. Extra arguments go to `sextant serve`
# (e.g. --port 6334 --data-dir /var/lib/sextant).
set -euo pipefail
cd "$(dirname "$0")/.."
bash third_party/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target sextant
exec ./build/sextant serve "$@"
