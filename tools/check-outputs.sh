#!/usr/bin/env bash
# check-outputs: every shipped scenario, at two seeds, gives the output that
# tests/data/output-digests.txt records, dataset by dataset and attribute by
# attribute (tools/output-digest). A change that should not change behaviour
# (a restructuring, a speed-up) must pass it unchanged; a change that means
# to change results updates the digests with --update and says why in its
# commit.
#
#   tools/check-outputs.sh [--update] [PERPSIM]     (default ./build/perpsim)
#
# The scenarios are scenarios/*.yaml that are not sweep files, run at seeds
# 1 and 2, in full but for the long benchmarks tools/short-runs.txt
# shortens (their result files keep the plain run's name). Exit status: 0
# same, 1 different (the differing lines are printed), 2 a run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

update=0
if [[ ${1:-} == --update ]]; then update=1; shift; fi
bin=${1:-./build/perpsim}
want=tests/data/output-digests.txt
py=/usr/bin/python3
source tools/short-runs.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-outputs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

files=()
for s in scenarios/*.yaml; do
  grep -q '^scenario:' "$s" && continue   # a sweep file, not a scenario
  name=$(basename "$s" .yaml)
  mapfile -t how < <(short_run_args "$name")
  for seed in 1 2; do
    rm -rf "$tmp/run"
    if ! "$bin" run "$s" --seed "$seed" "${how[@]}" -q -o "$tmp/run" \
         >"$tmp/log" 2>&1; then
      echo "check-outputs: $s at seed $seed failed:" >&2
      cat "$tmp/log" >&2
      exit 2
    fi
    # A shortened run's file is named for its overrides: give it the name
    # a full run's would have.
    mv "$tmp"/run/*.h5 "$tmp/$name-seed$seed.h5"
    files+=("$tmp/$name-seed$seed.h5")
  done
done
"$py" tools/output-digest "${files[@]}" >"$tmp/got"

if ((update)); then
  cp "$tmp/got" "$want"
  echo "check-outputs: wrote $want ($(wc -l <"$want") lines, ${#files[@]} runs)"
  exit 0
fi
if ! diff -u "$want" "$tmp/got" >"$tmp/diff"; then
  echo "check-outputs: outputs differ from $want:" >&2
  head -n 60 "$tmp/diff" >&2
  exit 1
fi
echo "check-outputs: ${#files[@]} runs, $(wc -l <"$want") datasets and attributes, all the same"
