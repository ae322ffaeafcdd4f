#!/usr/bin/env bash
# Install what corio needs to build, test and benchmark on Debian 12, and
# nothing when it is all there already (so test.sh and bench.sh can call this
# every time at no cost). Extra Debian package names may be passed as
# arguments (e.g. `tools/setup.sh wrk`).
set -euo pipefail

pkgs=(g++ meson ninja-build pkg-config python3 wrk
      libtbb-dev liburing-dev libconcurrentqueue-dev catch2 libbenchmark-dev
      "$@")

# One local dpkg-query for all of them: no root, no package lists, ~20 ms.
installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package} ' "${pkgs[@]}" 2>/dev/null || true) "
missing=()
for p in "${pkgs[@]}"; do
    [[ $installed == *" installed:$p "* ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "setup: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
# sudo resets the environment, so pass DEBIAN_FRONTEND through env(1).
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
