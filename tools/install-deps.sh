#!/usr/bin/env bash
# Installs the Debian packages perpsim needs, only those that are missing.
#
# Run as root: installs them with apt-get (one `apt-get update` first, only when
# something is missing, so a machine that has everything returns in well under a
# second). Run as anyone else: prints the exact install line and exits 1 when
# something is missing, 0 when nothing is. Safe to run any number of times.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  clang libclang-rt-dev
  libgsl-dev libhdf5-dev hdf5-tools libcriterion-dev libyaml-dev libjson-c-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-numpy python3-matplotlib python3-pandas
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && $line" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends "${missing[@]}"
