#!/usr/bin/env bash
# The run command (README): installs what is missing, builds a release
# perpsim in build/, and runs the main job, `perpsim run` on the built-in
# default scenario (results go to results/). Extra arguments go to
# `perpsim run`. It passes --force, so running it again replaces the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >build.configure.log 2>&1 \
  || { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
./build/perpsim --version
exec ./build/perpsim run --force "$@"
