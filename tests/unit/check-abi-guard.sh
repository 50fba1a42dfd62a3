#!/bin/sh
# Build-time check of the guard in include/xen-abi.h (run by `make unit-build`):
# each build flavour compiles, and defining both flavour macros, neither, or
# another guest interface version fails with the header's own #error.
#
# usage: check-abi-guard.sh CC ABI_INCLUDE
set -u

CC=$1
ABI_INCLUDE=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <xen-abi.h>\nint abi_guard_probe;\n' > "$tmp/probe.c"
status=0

compile() {
    $CC -std=gnu11 -fsyntax-only -Iinclude -I"$ABI_INCLUDE" "$@" "$tmp/probe.c" \
        > "$tmp/out" 2>&1
}

must_pass() {
    what=$1
    shift
    if ! compile "$@"; then
        echo "abi-guard: FAIL: $what: xen-abi.h does not compile:" >&2
        cat "$tmp/out" >&2
        status=1
    fi
}

# must_fail WHAT PATTERN FLAGS...: the compile fails with an #error matching PATTERN.
must_fail() {
    what=$1
    pattern=$2
    shift 2
    if compile "$@"; then
        echo "abi-guard: FAIL: $what: xen-abi.h compiled, but must #error" >&2
        status=1
    elif ! grep -q "xen-abi.h.*#error.*$pattern" "$tmp/out"; then
        echo "abi-guard: FAIL: $what: failed, but not with xen-abi.h's #error ($pattern):" >&2
        cat "$tmp/out" >&2
        status=1
    fi
}

must_pass "tools flavour" -D__XEN_TOOLS__
must_pass "guest flavour" -D__XEN_INTERFACE_VERSION__=0x00040e00
must_fail "both macros" "not both" -D__XEN_TOOLS__ -D__XEN_INTERFACE_VERSION__=0x00040e00
must_fail "neither macro" "define __XEN_TOOLS__"
must_fail "old guest version" "0x00040e00" -D__XEN_INTERFACE_VERSION__=0x00040d00

if [ $status -eq 0 ]; then
    echo "  CHECK   xen-abi.h guard: both flavours compile; both, neither, old version refused"
fi
exit $status
