#!/bin/sh
# Installs the Debian 12 packages that building and testing hv need, and only
# the missing ones.  As root it runs apt-get itself; otherwise it prints the
# exact command to run and fails.  It never reads stdin (CI has none).
set -eu

PACKAGES="
qemu-system-x86
grub-pc-bin
grub-common
xorriso
mtools
libxen-dev
libcmocka-dev
device-tree-compiler
cpio
dpkg-dev
gcc
make
binutils
python3
gzip
xz-utils
ca-certificates
clang-format-14
xenstore-utils
clang
libclang-rt-14-dev
"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root, or:" >&2
    echo "  sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing'" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing </dev/null
