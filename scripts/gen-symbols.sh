#!/bin/sh
# Turns `nm -n` output (stdin when $1 is "-", nothing when it is /dev/null)
# into an assembly file holding the image's text symbols, sorted by address,
# for symbolized stack traces (hv/symbols.c reads it).
set -eu
src="$1"
if [ "$src" = "-" ]; then src=/dev/stdin; fi
awk '
BEGIN { n = 0 }
$2 ~ /^[TtWw]$/ && $3 !~ /^\./ && $3 !~ /^image_symbol/ { addr[n] = $1; name[n] = $3; n++ }
END {
    print "\t.section .image_symbols, \"a\""
    print "\t.balign 8"
    print "\t.globl image_symbol_count"
    print "image_symbol_count:\t.quad " n
    print "\t.globl image_symbol_addrs"
    print "image_symbol_addrs:"
    for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
    print "\t.globl image_symbol_name_offsets"
    print "image_symbol_name_offsets:"
    off = 0
    for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
    print "\t.globl image_symbol_names"
    print "image_symbol_names:"
    for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
    print "\t.section .note.GNU-stack, \"\", @progbits"
}' "$src"
