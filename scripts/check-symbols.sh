#!/bin/sh
# The final link must not move any text symbol relative to the first link,
# otherwise the embedded symbol table would describe the wrong addresses.
set -eu
a=$(nm -n --defined-only "$1" | awk '$2 ~ /^[Tt]$/ && $3 !~ /^image_symbol/')
b=$(nm -n --defined-only "$2" | awk '$2 ~ /^[Tt]$/ && $3 !~ /^image_symbol/')
if [ "$a" != "$b" ]; then
    echo "error: text symbols moved between the two links of $2" >&2
    exit 1
fi
