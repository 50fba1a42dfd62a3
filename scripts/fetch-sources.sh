#!/bin/sh
# Fetches the Debian source packages of the libraries hv and its tools build
# freestanding (DESIGN §2.6): zlib, libfdt (from device-tree-compiler) and
# liblzma (from xz-utils).  A private deb-src list and private apt state under
# build/ leave the machine's apt configuration alone; the versions obtained
# are recorded in build/src/VERSIONS.  Nothing here is ever committed.
set -eu
BUILD=${BUILD:-build}
APT=$BUILD/apt
SRC=$BUILD/src

if [ -f "$SRC/.fetched" ]; then
    exit 0
fi
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/sources.list.d" "$SRC"

# deb-src twins of the machine's own deb sources, in both apt formats.
rm -f "$APT"/sources.list.d/*
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types:.*/Types: deb-src/' "$f" > "$APT/sources.list.d/$(basename "$f")"
done
: > "$APT/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^[[:space:]]*deb[[:space:]]' "$f" | sed 's/^[[:space:]]*deb[[:space:]]/deb-src /' >> "$APT/sources.list" || true
done

APTOPTS="-o Dir::Etc::SourceList=$PWD/$APT/sources.list -o Dir::Etc::SourceParts=$PWD/$APT/sources.list.d
 -o Dir::State::Lists=$PWD/$APT/lists -o Dir::Cache=$PWD/$APT/cache -o Debug::NoLocking=1
 -o APT::Sandbox::User=root"

echo "fetch-sources: updating a private deb-src index" >&2
apt-get $APTOPTS -q update >"$APT/update.log" 2>&1 || {
    cat "$APT/update.log" >&2
    echo "fetch-sources: apt-get update failed" >&2
    exit 1
}
cd "$SRC"
# fetch PACKAGE: downloads the source package's files (not unpacked); 0 on success.
fetch() {
    apt-get $APTOPTS -q source --download-only "$1" >"../apt/source-$1.log" 2>&1
}
# unpack_orig PACKAGE NAME [PATH]: extracts the upstream tarball (only PATH
# inside it, if given) into NAME/, and notes the version.
unpack_orig() {
    tarball=$(ls "$1"_*.orig.tar.* | head -n 1)
    version=$(ls "$1"_*.dsc | head -n 1 | sed 's/.*_\(.*\)\.dsc/\1/')
    rm -rf "$2" "$2.tmp"
    mkdir -p "$2.tmp"
    if [ $# -ge 3 ]; then
        tar -xf "$tarball" -C "$2.tmp" --wildcards "*/$3/*"
        mv "$2.tmp"/*/"$3" "$2"
    else
        tar -xf "$tarball" -C "$2.tmp"
        mv "$2.tmp"/* "$2"
    fi
    rm -rf "$2.tmp"
    echo "$2 from $1 $version" >> VERSIONS.tmp
}

: > VERSIONS.tmp
fetch zlib || { cat ../apt/source-zlib.log >&2; exit 1; }
unpack_orig zlib zlib
fetch xz-utils || { cat ../apt/source-xz-utils.log >&2; exit 1; }
unpack_orig xz-utils xz-utils
# libfdt is device-tree-compiler's; when the archive cannot serve that
# package's source, u-boot's carries the same library in scripts/dtc/libfdt.
if fetch device-tree-compiler; then
    unpack_orig device-tree-compiler libfdt libfdt
elif fetch u-boot; then
    echo "fetch-sources: device-tree-compiler source unavailable; libfdt from u-boot" >&2
    unpack_orig u-boot libfdt scripts/dtc/libfdt
else
    cat ../apt/source-device-tree-compiler.log ../apt/source-u-boot.log >&2
    exit 1
fi
mv VERSIONS.tmp VERSIONS
cat VERSIONS >&2
touch .fetched
