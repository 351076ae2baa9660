#!/usr/bin/env bash
# check-layers: the arrows between sim/'s layers point down only.
#
#   cli -> batch -> io -> engine -> util        models/: the engine's plug-ins
#
# A file in a layer may include headers of its own layer and of the layers
# below it; models/ (agent kinds, index processes, shocks, venue rules) may
# include util and engine headers and each other; the engine reaches models/
# only through their interface headers (MODEL_INTERFACES), never one kind's
# header. Prints every include that breaks the rule, as FILE:LINE: what, and
# exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

# The layers in order, lowest first, and what each may include besides.
layers=(util engine io batch cli)
MODEL_INTERFACES=" agent.h index.h arrival.h shock.h rule.h "

declare -A home   # header name -> its layer (or "models")
for l in "${layers[@]}"; do
  for h in sim/"$l"/*.h; do [[ -e $h ]] && home[$(basename "$h")]=$l; done
done
while IFS= read -r h; do home[$(basename "$h")]=models; done \
  < <(find models -name '*.h')

rank() { local i; for i in "${!layers[@]}"; do [[ ${layers[$i]} == "$1" ]] && echo "$i" && return; done; echo -1; }

bad=0
check_file() {
  local f=$1 layer=$2 n=0 line inc to
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+\"([^\"]+)\" ]] || continue
    inc=${BASH_REMATCH[1]}
    to=${home[$inc]:-}
    [[ -z $to ]] && continue   # generated or test-only headers
    if [[ $layer == models ]]; then
      [[ $to == models || $to == util || $to == engine ]] && continue
    elif [[ $to == models ]]; then
      (($(rank "$layer") > $(rank engine))) && continue
      [[ $layer == engine && $MODEL_INTERFACES == *" $inc "* ]] && continue
    else
      (($(rank "$to") <= $(rank "$layer"))) && continue
    fi
    echo "$f:$n: $layer includes $inc ($to)"
    bad=1
  done <"$f"
}

for l in "${layers[@]}"; do
  for f in sim/"$l"/*.[ch]; do [[ -e $f ]] && check_file "$f" "$l"; done
done
while IFS= read -r f; do check_file "$f" models; done \
  < <(find models -name '*.[ch]' | sort)

if ((bad)); then
  echo "check-layers: includes above point up a layer (see the rule at the top of $0)" >&2
  exit 1
fi
echo "check-layers: every include points down or within its layer"
