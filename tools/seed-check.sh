#!/usr/bin/env bash
# seed-check.sh: how often a scenario's `expect:` block holds across seeds.
#
#   tools/seed-check.sh SCENARIO.yaml [SEEDS] [PERPSIM]
#
# Runs `perpsim run SCENARIO --check --seed S` for S = 1..SEEDS (default 20),
# two at a time, into a temporary folder that is removed afterwards, and
# prints one line per seed (pass or FAIL and every expectation's value), then
# per expectation how many seeds passed and the range of its values, and last
# `passed: K of SEEDS`. A reference scenario's targets should come from its
# mechanism, not from a lucky seed: scenarios/README.md records these counts.
# PERPSIM defaults to the perpsim on PATH, else build/perpsim of this
# checkout. Exit status: 0 when the
# runs completed (whatever they found), 2 on bad usage or a run that failed
# for another reason than an expectation.
set -euo pipefail

usage() { echo "usage: tools/seed-check.sh SCENARIO.yaml [SEEDS] [PERPSIM]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
scenario=$1
seeds=${2:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
perpsim=${3:-$(command -v perpsim || echo "$here/build/perpsim")}
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "seed-check: SEEDS must be a whole number >= 1, got '$seeds'" >&2; exit 2; }
[ -r "$scenario" ] || { echo "seed-check: cannot read $scenario" >&2; exit 2; }
[ -x "$perpsim" ] || { echo "seed-check: no perpsim at $perpsim (build first, put it on PATH or pass its path)" >&2; exit 2; }
"$perpsim" validate "$scenario" >/dev/null

work=$(mktemp -d /tmp/perpsim-seed-check-XXXXXX)   # XXXXXX: mktemp's template
trap 'rm -rf "$work"' EXIT

# One seed: its summary to $work/S.out, its exit status to $work/S.rc.
export perpsim scenario work
seq 1 "$seeds" | xargs -P 2 -I{} sh -c '
  "$perpsim" run "$scenario" --check --force --seed {} -o "$work/runs-{}" \
      >"$work/{}.out" 2>"$work/{}.err"
  echo $? >"$work/{}.rc"
  rm -rf "$work/runs-{}"'

failed_runs=0
for s in $(seq 1 "$seeds"); do
  rc=$(cat "$work/$s.rc")
  if [ "$rc" -gt 1 ]; then
    echo "seed $s: run failed: $(head -n 1 "$work/$s.err")"
    failed_runs=$((failed_runs + 1))
    continue
  fi
  verdict=pass; [ "$rc" = 0 ] || verdict=FAIL
  printf 'seed %s: %s ' "$s" "$verdict"
  awk '$1 == "pass" || $1 == "FAIL" { printf " %s%s=%s", ($1 == "FAIL" ? "!" : ""), $2, $4 }' "$work/$s.out"
  echo
done

echo "per expectation (seeds passed, lowest and highest value):"
cat "$work"/*.out | awk '
  $1 == "pass" || $1 == "FAIL" {
    k = $2; v = $4 + 0
    if (!(k in n)) { order[++keys] = k; lo[k] = v; hi[k] = v }
    n[k]++; if ($1 == "pass") ok[k]++
    if (v < lo[k]) lo[k] = v; if (v > hi[k]) hi[k] = v
  }
  END { for (i = 1; i <= keys; i++) { k = order[i]
          printf "  %-45s %3d of %3d   %g .. %g\n", k, ok[k], n[k], lo[k], hi[k] } }'
passed=$(grep -lx 0 "$work"/*.rc | wc -l)
echo "passed: $passed of $seeds"
[ "$failed_runs" = 0 ] || exit 2
