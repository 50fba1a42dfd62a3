#!/bin/sh
# Fetches Xen 4.17, the test oracle (DESIGN §6): Debian's
# xen-hypervisor-4.17-amd64 is downloaded with `apt-get download` and unpacked
# with `dpkg-deb -x` under $BUILD/xen/ -- never installed, no GRUB update.
# The gzip'd image is unpacked to $BUILD/xen/xen (a 32-bit multiboot ELF that
# QEMU -kernel loads) and the package version recorded in $BUILD/xen/VERSION.
# Quick when already done.  On failure it says why and exits 1 -- or 0 when
# HV_ALLOW_NO_XEN=1, so that `make test` goes on and the harness reports the
# Xen cases as SKIP (with the reason) instead of FAIL.
set -eu
BUILD=${BUILD:-build}
PKG=${XEN_PACKAGE:-xen-hypervisor-4.17-amd64}
DIR=$BUILD/xen

give_up() {
    if [ "${HV_ALLOW_NO_XEN:-}" = 1 ]; then
        echo "fetch-xen: no Xen oracle (HV_ALLOW_NO_XEN=1: its cases will be skipped)" >&2
        exit 0
    fi
    exit 1
}

if [ -s "$DIR/xen" ] && [ -s "$DIR/VERSION" ]; then
    exit 0
fi

for tool in apt-get dpkg-deb gzip; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "fetch-xen: $tool not found" >&2
        give_up
    }
done

mkdir -p "$DIR"
ABS=$(cd "$DIR" && pwd)
rm -rf "$ABS/dl" "$ABS/root"
mkdir -p "$ABS/dl"

echo "fetch-xen: downloading $PKG" >&2
# APT::Sandbox::User=root: as a non-root user apt cannot drop privileges to
# _apt for the download directory, and as root it need not.
download() { # extra apt-get options...
    (cd "$ABS/dl" && apt-get -q -o APT::Sandbox::User=root "$@" download "$PKG") \
        >>"$ABS/download.log" 2>&1
}
: > "$ABS/download.log"
if ! download; then
    # The machine's package index may be missing (a fresh container) or stale
    # (a point release replaced the version): refresh a private index under
    # $BUILD/xen/apt, which needs no root and leaves the machine's alone.
    echo "fetch-xen: retrying with a private, fresh package index" >&2
    mkdir -p "$ABS/apt/lists/partial" "$ABS/apt/cache/archives/partial"
    PRIV="-o Dir::State::Lists=$ABS/apt/lists -o Dir::Cache=$ABS/apt/cache -o Debug::NoLocking=1"
    # shellcheck disable=SC2086 # PRIV is an option list
    if ! apt-get -q -o APT::Sandbox::User=root $PRIV update >>"$ABS/download.log" 2>&1 ||
        ! download $PRIV; then
        cat "$ABS/download.log" >&2
        echo "fetch-xen: 'apt-get download $PKG' failed, also after refreshing the" >&2
        echo "fetch-xen: package index (see above; is deb.debian.org reachable?)" >&2
        give_up
    fi
fi
deb=$(ls "$ABS"/dl/*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
    cat "$ABS/download.log" >&2
    echo "fetch-xen: apt-get download produced no .deb" >&2
    give_up
fi

dpkg-deb -x "$deb" "$ABS/root"
img=$(ls "$ABS"/root/boot/xen-*.gz 2>/dev/null | head -n 1)
if [ -z "$img" ]; then
    echo "fetch-xen: no boot/xen-*.gz in $deb; its boot/ holds:" >&2
    ls -la "$ABS/root/boot" >&2 || true
    give_up
fi
gzip -dc "$img" > "$ABS/xen.tmp"
mv "$ABS/xen.tmp" "$ABS/xen"
version=$(dpkg-deb -f "$deb" Version)
echo "$PKG $version $(basename "$img")" > "$ABS/VERSION.tmp"
mv "$ABS/VERSION.tmp" "$ABS/VERSION"
echo "fetch-xen: $(cat "$ABS/VERSION") -> $DIR/xen" >&2
