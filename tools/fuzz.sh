#!/usr/bin/env bash
# Runs one libFuzzer target of tests/fuzz/ for a bounded time, from its seed
# corpus: what the ctest tests fuzz.NAME run (tests/fuzz/CMakeLists.txt),
# and how to run a longer campaign by hand (tests/fuzz/README.md).
#
#   tools/fuzz.sh TARGET WORKDIR SECONDS INPUT_SECONDS SEED_DIR...
#
# TARGET is a built fuzz_NAME program; WORKDIR receives the corpus it grows
# (WORKDIR/corpus, kept between runs, so a campaign resumes where it
# stopped) and anything it finds (WORKDIR/crash-*, leak-*, timeout-*,
# oom-*). The SEED_DIRs are read, never written. Exit status 0 when SECONDS
# passed without a finding; otherwise libFuzzer's (non-zero), after a line
# saying how to replay what it found. Extra libFuzzer options may be given
# in FUZZ_OPTIONS (for example FUZZ_OPTIONS="-jobs=8 -workers=8").
set -euo pipefail

if [ $# -lt 5 ]; then
  echo "usage: tools/fuzz.sh TARGET WORKDIR SECONDS INPUT_SECONDS SEED_DIR..." >&2
  exit 2
fi
target=$1 workdir=$2 seconds=$3 input_seconds=$4
shift 4
for dir in "$@"; do
  [ -d "$dir" ] || { echo "tools/fuzz.sh: $dir: not a folder of seeds" >&2; exit 2; }
done
mkdir -p "$workdir/corpus"

# A finding is replayed from its file: `TARGET FILE`.
status=0
# shellcheck disable=SC2086 # FUZZ_OPTIONS is a list of options
"$target" -max_total_time="$seconds" -timeout="$input_seconds" \
  -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$workdir/" ${FUZZ_OPTIONS:-} \
  "$workdir/corpus" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  for found in "$workdir"/crash-* "$workdir"/leak-* "$workdir"/timeout-* \
               "$workdir"/oom-*; do
    [ -e "$found" ] && echo "tools/fuzz.sh: found $found; replay: $target $found" >&2
  done
fi
exit "$status"
