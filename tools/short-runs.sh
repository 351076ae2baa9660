# short-runs.sh: sourced by tools/check-outputs.sh and
# tools/check-invariants.sh. short_run_args NAME prints the --set overrides
# that tools/short-runs.txt gives the scenario NAME, one word a line
# (nothing for a scenario that runs in full). Run from the source tree's
# root.
short_run_args() {
  local name=$1 line
  local -a words
  while read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    read -ra words <<<"$line"
    if [[ ${words[0]} == "$name" ]]; then
      printf '%s\n' "${words[@]:1}"
      return 0
    fi
  done <tools/short-runs.txt
}
