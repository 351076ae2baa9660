#!/usr/bin/env bash
# check-invariants: runs one scenario at seed 1 with --check-invariants, so
# that its ledger is checked after every event that changes it and
# recounted from scratch now and then (sim/engine/world.h,
# WORLD_RECOUNT_EVERY) and at the end; a broken invariant fails the run.
# With --same-as-recorded, the run must also give the datasets and
# attributes that tests/data/output-digests.txt records for the plain run
# of the scenario at seed 1 (tools/check-outputs.sh): the check changes
# no result. A long benchmark that tools/short-runs.txt shortens is run
# shortened so, as check-outputs.sh runs it.
#
#   tools/check-invariants.sh [--same-as-recorded] PERPSIM SCENARIO [--set K=V ...]
#
# ctest runs it on every shipped scenario (invariants.<name>): in full and
# with --same-as-recorded in the release build; in the sanitizer build
# the long ones shortened by --set (CMakeLists.txt). Exit status: 0 the
# run passed, 1 it failed or differs (what failed is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

same=0
if [[ ${1:-} == --same-as-recorded ]]; then same=1; shift; fi
if (($# < 2)); then
  echo "usage: tools/check-invariants.sh [--same-as-recorded] PERPSIM SCENARIO [--set K=V ...]" >&2
  exit 2
fi
bin=$1 scenario=$2
shift 2
name=$(basename "$scenario" .yaml)
want=tests/data/output-digests.txt

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-invariants.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ((same)); then
  if (($# > 0)); then
    echo "check-invariants: --same-as-recorded compares a full run, without --set" >&2
    exit 2
  fi
  source tools/short-runs.sh
  mapfile -t how < <(short_run_args "$name")
  set -- "${how[@]}"
fi
if ! "$bin" run "$scenario" --seed 1 --check-invariants -q -o "$tmp/run" "$@" \
     >"$tmp/log" 2>&1; then
  echo "check-invariants: $scenario failed with --check-invariants:" >&2
  cat "$tmp/log" >&2
  exit 1
fi
if ((same)); then
  # Named as check-outputs.sh names it, a shortened run's file too.
  mv "$tmp"/run/*.h5 "$tmp/$name-seed1.h5"
  /usr/bin/python3 tools/output-digest "$tmp/$name-seed1.h5" >"$tmp/got"
  grep "^$name-seed1\.h5:" "$want" >"$tmp/want" || true
  if [[ ! -s $tmp/want ]]; then
    echo "check-invariants: $want records no run of $name at seed 1" >&2
    exit 1
  fi
  if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
    echo "check-invariants: $name with --check-invariants differs from the recorded plain run:" >&2
    head -n 40 "$tmp/diff" >&2
    exit 1
  fi
fi
if ((same)); then
  echo "check-invariants: $name held every invariant and gave the recorded outputs"
else
  echo "check-invariants: $name held every invariant"
fi
