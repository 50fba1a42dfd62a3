#!/bin/sh
# `make run`: boots build/hv under QEMU (TCG) on this terminal, serial console
# on stdio multiplexed with the QEMU monitor.  QEMU's escape key is moved from
# Ctrl-A to Ctrl-] so that Ctrl-A reaches hv untouched (three of them switch
# serial input to hv's debug keys, as on Xen): Ctrl-] x quits QEMU, Ctrl-] c
# toggles the QEMU monitor.
#
# Environment overrides:
#   HV_CMDLINE  hv command line (default: console=com1 com1=115200,8n1 loglvl=all noreboot)
#   QEMU_SMP    -smp value (default 2)
#   QEMU_MEM    -m value (default 256M)
#   QEMU_EXTRA  extra QEMU arguments (word-split), e.g. "-cpu max -machine hpet=off"
#   HV_MODULES  comma-separated module list for -initrd ("file args,file2 args")
set -eu
BUILD=${BUILD:-build}
HV_CMDLINE=${HV_CMDLINE:-console=com1 com1=115200,8n1 loglvl=all noreboot}
QEMU_SMP=${QEMU_SMP:-2}
QEMU_MEM=${QEMU_MEM:-256M}
QEMU_EXTRA=${QEMU_EXTRA:-}
HV_MODULES=${HV_MODULES:-}

if [ ! -f "$BUILD/hv" ]; then
    echo "run-qemu: $BUILD/hv is missing; run 'make hv' first" >&2
    exit 1
fi

set -- -kernel "$BUILD/hv" -append "$HV_CMDLINE"
if [ -n "$HV_MODULES" ]; then
    set -- "$@" -initrd "$HV_MODULES"
fi

echo "run-qemu: to quit press Ctrl-] then x (Ctrl-] c: QEMU monitor; Ctrl-A three times: hv debug keys)" >&2
# shellcheck disable=SC2086 # QEMU_EXTRA is a word list on purpose
exec qemu-system-x86_64 \
    -accel tcg \
    -m "$QEMU_MEM" -smp "$QEMU_SMP" \
    -display none -serial mon:stdio -echr 0x1d \
    -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    $QEMU_EXTRA \
    "$@"
