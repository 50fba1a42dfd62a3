#!/bin/sh
# Builds a BIOS-bootable (i386-pc) GRUB ISO that boots hv by multiboot2, with a
# grub.cfg in Xen's shape:
#
#   multiboot2 /boot/hv.gz console=com1 com1=115200,8n1 loglvl=all
#   module2 /boot/dom0.gz ...
#
# Usage: mkiso.sh [OUTPUT [HV_CMDLINE [MODULE MODULE_CMDLINE]...]]
#   OUTPUT      the ISO to write (default $BUILD/hv.iso)
#   HV_CMDLINE  hv's command line (default: $HV_CMDLINE, else
#               "console=com1 com1=115200,8n1 loglvl=all")
#   MODULE MODULE_CMDLINE
#               pairs: a file to load as the next module2 and the words that
#               follow it on its line ("" for none).  Without pairs the modules
#               come from $HV_MODULES (one "FILE [ARGS]" per line), else none.
# The hv image is $HV_IMAGE (default $BUILD/hv.gz).
set -eu
BUILD=${BUILD:-build}
HV_IMAGE=${HV_IMAGE:-$BUILD/hv.gz}
OUT=${1:-$BUILD/hv.iso}
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then
    CMDLINE=$1
    shift
else
    CMDLINE=${HV_CMDLINE:-console=com1 com1=115200,8n1 loglvl=all}
fi
if [ $(($# % 2)) -ne 0 ]; then
    echo "mkiso: modules come in pairs: FILE CMDLINE (use \"\" for no command line)" >&2
    exit 2
fi

GRUB_DIR=/usr/lib/grub/i386-pc
for tool in grub-mkrescue xorriso mformat; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "mkiso: $tool not found (scripts/install-deps.sh installs it)" >&2
        exit 1
    }
done
[ -d "$GRUB_DIR" ] || {
    echo "mkiso: $GRUB_DIR missing (package grub-pc-bin)" >&2
    exit 1
}
[ -f "$HV_IMAGE" ] || {
    echo "mkiso: $HV_IMAGE missing; run 'make hv' first" >&2
    exit 1
}

mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "${OUT}.stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT INT TERM
mkdir -p "$STAGE/boot/grub"
cp "$HV_IMAGE" "$STAGE/boot/hv.gz"

CFG=$STAGE/boot/grub/grub.cfg
{
    echo "serial --unit=0 --speed=115200"
    echo "terminal_input serial console"
    echo "terminal_output serial console"
    echo "set timeout=0"
    echo "set default=0"
    echo ""
    echo "menuentry 'hv' {"
    echo "    multiboot2 /boot/hv.gz $CMDLINE"
} > "$CFG"

n=0
add_module() { # FILE CMDLINE
    [ -f "$1" ] || {
        echo "mkiso: module $1 not found" >&2
        exit 1
    }
    n=$((n + 1))
    name=$(basename "$1")
    # Keep the file's own name unless an earlier module took it.
    [ ! -e "$STAGE/boot/$name" ] || name=$n-$name
    cp "$1" "$STAGE/boot/$name"
    if [ -n "$2" ]; then
        echo "    module2 /boot/$name $2" >> "$CFG"
    else
        echo "    module2 /boot/$name" >> "$CFG"
    fi
}

if [ $# -gt 0 ]; then
    while [ $# -gt 0 ]; do
        add_module "$1" "$2"
        shift 2
    done
elif [ -n "${HV_MODULES:-}" ]; then
    # One "FILE [ARGS]" per line.
    printf '%s\n' "$HV_MODULES" > "$STAGE/modules.list"
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        file=${line%% *}
        args=""
        case "$line" in *" "*) args=${line#* } ;; esac
        add_module "$file" "$args"
    done < "$STAGE/modules.list"
    rm -f "$STAGE/modules.list"
fi
echo "}" >> "$CFG"

LOG=$STAGE.log
if ! grub-mkrescue -d "$GRUB_DIR" -o "$OUT.tmp" "$STAGE" >"$LOG" 2>&1; then
    cat "$LOG" >&2
    rm -f "$LOG" "$OUT.tmp"
    echo "mkiso: grub-mkrescue failed" >&2
    exit 1
fi
rm -f "$LOG"
mv "$OUT.tmp" "$OUT"
echo "mkiso: wrote $OUT" >&2
