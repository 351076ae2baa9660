#!/usr/bin/env bash
# The test command (README, and .ci/run): installs what is missing, builds
# with warnings as errors, and runs every test twice: in a release build
# (build/) and in a debug build under AddressSanitizer and UBSan
# (build-asan/); then fuzzes each input reader for a bounded time in a clang
# build (build-fuzz/, tests/fuzz/README.md). Stops at the first failure with
# a non-zero exit status.
set -euo pipefail
cd "$(dirname "$0")/.."

# As root this installs what is missing; as anyone else it prints the
# apt-get line and fails if anything is missing.
bash tools/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

# build_and_test DIR TARGET CMAKE_OPTION...: TARGET is what to build (all:
# everything).
build_and_test() {
  local dir=$1 target=$2; shift 2
  echo "== $dir: configure ($*)"
  cmake -S . -B "$dir" -DPERPSIM_WERROR=ON "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
  echo "== $dir: build"
  cmake --build "$dir" -j "$jobs" --target "$target"
  echo "== $dir: test"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure --no-tests=error
}

mkdir -p build build-asan build-fuzz
build_and_test build all -DCMAKE_BUILD_TYPE=Release -DPERPSIM_SANITIZE=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build_and_test build-asan all -DCMAKE_BUILD_TYPE=Debug -DPERPSIM_SANITIZE=ON
# The fuzz targets only: each ctest test fuzz.NAME fuzzes for 60 s.
build_and_test build-fuzz fuzz -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=Debug -DPERPSIM_FUZZ=ON -DPERPSIM_TESTS=OFF
echo "== all tests passed (release, sanitizer and fuzz builds)"
