#!/usr/bin/env bash
# Builds everything and runs the whole test suite: the README's test command,
# and what .ci/run calls. Installs missing Debian packages first.
#   1. Release build + ctest (unit, end-to-end against the real binary, the real
#      npm clients, recall on ../shared/data).
#   2. ThreadSanitizer build of the concurrency tests (tag [concurrency]).
# SEXTANT_SKIP_TSAN=1 skips step 2 (for quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash third_party/install_deps.sh

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEXTANT_BUILD_TESTS=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j 1 --timeout 1800

if [ "${SEXTANT_SKIP_TSAN:-0}" != "1" ]; then
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEXTANT_BUILD_TESTS=ON \
    -DSEXTANT_SANITIZE=thread
  cmake --build build-tsan -j "$jobs" --target index_test core_test storage_test
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  ./build-tsan/tests/index_test "[concurrency]"
  ./build-tsan/tests/core_test "[concurrency]"
  ./build-tsan/tests/storage_test "[concurrency]"
  echo "ThreadSanitizer: concurrency tests passed"
fi
