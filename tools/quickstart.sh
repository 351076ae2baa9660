#!/usr/bin/env bash
# The run command (README): installs what is missing, builds a release
# perpsim in build/, and runs the main job, `perpsim run` on the built-in
# default scenario (results go to results/). Extra arguments go to
# `perpsim run`. It passes --force, so running it again replaces the result.
# When perpsim is not on PATH it says, last, how to put it there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >build.configure.log 2>&1 \
  || { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
./build/perpsim --version
status=0
./build/perpsim run --force "$@" || status=$?
# The README's commands are written as `perpsim ...`: say how to get there.
if ! command -v perpsim >/dev/null 2>&1; then
  echo "quickstart: to run the README's commands, put perpsim on PATH:" \
       "export PATH=\"$PWD/build:\$PATH\" (or cmake --install build;" \
       "README, \"Quick start\")" >&2
fi
exit "$status"
