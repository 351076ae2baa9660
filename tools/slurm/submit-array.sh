#!/bin/bash
# Submits a sweep as a SLURM job array of N shards and, after them, the job
# that builds its index:
#
#   tools/slurm/submit-array.sh SWEEP.yaml OUT_DIR N [sbatch options...]
#
# e.g. tools/slurm/submit-array.sh scenarios/sweep-cadence-leverage-fund.yaml \
#      results/clf 8 --partition=short
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SWEEP.yaml OUT_DIR N [sbatch options...]" >&2
  exit 2
fi
sweep=$1 out=$2 n=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# Check the whole sweep before anything is queued.
"${PERPSIM:-$(command -v perpsim || echo build/perpsim)}" sweep "$sweep" --dry-run >/dev/null
array=$(sbatch --parsable --array=1-"$n" "$@" \
        --export=ALL,SWEEP="$sweep",OUT="$out" "$here/sweep-array.sbatch")
merge=$(sbatch --parsable --dependency=afterany:"${array%%;*}" "$@" \
        --export=ALL,SWEEP="$sweep",OUT="$out" "$here/sweep-merge.sbatch")
echo "array job $array ($n shards), merge job $merge; index: $out/sweep.h5"
