#!/usr/bin/env bash
# run.sh BUILD_DIR CHECK: installs BUILD_DIR (cmake --install) into a
# temporary prefix and checks the installed tree as a user would use it.
# CHECK is one of (each a ctest test install.CHECK, CMakeLists.txt):
#
#   files       every installed piece is where the README says
#   pkg-config  consumer.c built with `pkg-config --cflags --libs perpsim`
#   cmake       consumer.c built by tests/install/CMakeLists.txt with
#               find_package(perpsim CONFIG), shared and static
#   man         the man page has a section for every subcommand, calculator
#               and benchmark, and every option their --help lists
#   completion  the bash completion completes commands, options and keys
#
# The consumers run tiny.yaml through the library and must print what the
# installed `perpsim run tiny.yaml` prints: its event count and summary.
# Prints what differs and exits 1 on failure. The prefix is removed at exit.
set -euo pipefail
build=$(cd "$1" && pwd)
check=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() { echo "install.$check: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install failed"; }
exe=$prefix/bin/perpsim
# The library folder: lib, or lib/<multiarch> when configured for /usr.
pc=$(find "$prefix" -name perpsim.pc -path '*/pkgconfig/*' -print -quit)
[[ -n $pc ]] || fail "no perpsim.pc installed"
libdir=$(dirname "$(dirname "$pc")")

# expected: what the installed program prints for tiny.yaml, in the
# consumer's form ("events: N", then the summary).
expected() {
  "$exe" run "$here/tiny.yaml" -o "$tmp/results" --force >"$tmp/run.txt"
  sed -n '1s/.*, \([0-9]*\) events$/events: \1/p' "$tmp/run.txt"
  sed '1d;/^result: /d' "$tmp/run.txt"
}

# same_as_run NAME PROGRAM: PROGRAM tiny.yaml prints what the program does.
same_as_run() {
  "$2" "$here/tiny.yaml" >"$tmp/$1.txt" || fail "$1 failed"
  diff -u "$tmp/expected.txt" "$tmp/$1.txt" || fail "$1 differs from perpsim run"
  echo "$1: $(head -1 "$tmp/$1.txt"), summary as perpsim run's"
}

case $check in
  files)
    for f in bin/perpsim include/perpsim/world.h include/perpsim/scenario_load.h \
      share/man/man1/perpsim.1 share/bash-completion/completions/perpsim \
      share/perpsim/scenarios/quickstart.yaml share/perpsim/venues/binance.yaml; do
      [[ -f $prefix/$f ]] || fail "missing $f"
    done
    for f in libperpsim.a libperpsim.so cmake/perpsim/perpsimConfig.cmake \
      cmake/perpsim/perpsimConfigVersion.cmake pkgconfig/perpsim.pc; do
      [[ -e $libdir/$f ]] || fail "missing $libdir/$f"
    done
    soname=$(objdump -p "$libdir/libperpsim.so" | awk '/SONAME/ { print $2 }')
    [[ $soname == libperpsim.so.[0-9]* ]] || fail "libperpsim.so's SONAME is '$soname'"
    # Every header the installed headers include with quotes is installed.
    for h in "$prefix"/include/perpsim/*.h; do
      for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$h"); do
        [[ -f $prefix/include/perpsim/$inc ]] || fail "$(basename "$h") includes $inc, not installed"
      done
    done
    # The installed program runs a shipped scenario file from share/.
    "$exe" validate "$prefix/share/perpsim/scenarios/quickstart.yaml" >/dev/null
    echo "files: $(find "$prefix" -type f | wc -l) installed, SONAME $soname"
    ;;
  pkg-config)
    expected >"$tmp/expected.txt"
    export PKG_CONFIG_PATH=$libdir/pkgconfig
    # shellcheck disable=SC2046
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags perpsim) \
      "$here/consumer.c" -o "$tmp/consumer" $(pkg-config --libs perpsim)
    # (ldd's output read whole: grep -q would stop it early, and pipefail
    # takes its SIGPIPE for a failure.)
    libs=$(ldd "$tmp/consumer")
    grep -q "libperpsim.so" <<<"$libs" || fail "not linked to libperpsim.so"
    LD_LIBRARY_PATH=$libdir same_as_run consumer "$tmp/consumer"
    ;;
  cmake)
    expected >"$tmp/expected.txt"
    cmake -S "$here" -B "$tmp/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 &&
      cmake --build "$tmp/consumer-build" -j1 >>"$tmp/cmake.log" 2>&1 ||
      { cat "$tmp/cmake.log"; fail "the CMake consumer did not build"; }
    # The shared one finds libperpsim.so by its build RPATH.
    libs=$(ldd "$tmp/consumer-build/consumer")
    grep -qF "$libdir/libperpsim.so" <<<"$libs" ||
      fail "consumer is not linked to the installed libperpsim.so"
    same_as_run consumer "$tmp/consumer-build/consumer"
    same_as_run consumer_static "$tmp/consumer-build/consumer_static"
    ;;
  man)
    # The page with its escapes undone: \- is -, \fB and \fR are fonts.
    page=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$prefix/share/man/man1/perpsim.1")
    has_section() { grep -qxF ".SS \"perpsim $1\"" <<<"$page" || fail "no section for '$1'"; }
    # has_options ARGS...: every option perpsim ARGS --help lists is on the page.
    has_options() {
      local opt
      for opt in $("$exe" "$@" --help | grep -oE -- '(^|[ ,[(|])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,[(|]//' | sort -u); do
        grep -qF -- "$opt" <<<"$page" || fail "'perpsim $* --help' lists $opt, the man page does not"
      done
    }
    items() {
      "$exe" "$@" --help | awk '/^[a-z][a-z ]*:$/ { on = ($0 != "options:"); next }
        /^[ \t]*$/ { on = 0; next } on && /^  [a-z]/ { print $1 }'
    }
    n=0
    for c in $(items); do
      has_section "$c"; has_options "$c"; n=$((n + 1))
      if [[ $c == calc || $c == bench ]]; then
        for i in $(items "$c"); do has_section "$c $i"; has_options "$c" "$i"; n=$((n + 1)); done
      fi
    done
    ((n >= 7)) || fail "only $n sections"
    has_options
    echo "man: $n sections, every option of every --help"
    ;;
  completion)
    export PATH=$prefix/bin:$PATH
    # shellcheck disable=SC1091
    source "$prefix/share/bash-completion/completions/perpsim"
    # completes WORD... :: EXPECTED...: completing the last WORD offers each.
    completes() {
      local words=() w
      while [[ $1 != "::" ]]; do words+=("$1"); shift; done
      shift
      COMP_WORDS=(perpsim "${words[@]}")
      COMP_CWORD=${#words[@]}
      _perpsim
      local offered
      offered=$(printf '%s\n' "${COMPREPLY[@]}")
      for w in "$@"; do
        grep -qxF -- "$w" <<<"$offered" ||
          fail "'perpsim ${words[*]}' offers ${COMPREPLY[*]:-nothing}, not $w"
      done
    }
    completes "" :: run validate inspect calc sweep compare bench
    completes run --s :: --set --seed
    completes sweep -- :: --shard --dry-run --output
    completes calc "" :: margin liq-price funding
    completes calc margin --no :: --notional
    completes run --set venues.binance.funding.inter :: venues.binance.funding.interval=
    completes run --set "populations[4].leverage.med" :: "populations[4].leverage.median="
    completes run "$prefix/share/perpsim/scenarios/cadence-8h-vs-1h.yaml" --set venues.hyper \
      :: venues.hyperliquid.funding.interval=
    echo "completion: commands, options, calculators and --set keys"
    ;;
  *) fail "unknown check '$check'" ;;
esac
