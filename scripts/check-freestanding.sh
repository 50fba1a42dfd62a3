#!/bin/sh
# Checks that freestanding libraries need nothing beyond themselves and the
# freestanding libc subset: every undefined symbol of each library given
# must be defined by that library or by the libc objects.
#   check-freestanding.sh "LIBC_OBJECTS..." LIB.a...
set -eu
libc=$1
shift
status=0
for lib in "$@"; do
    missing=$(comm -23 \
        "$(nm -u "$lib" | awk 'NF == 2 { print $2 }' | sort -u > "$lib.undef" && echo "$lib.undef")" \
        "$( { nm --defined-only "$lib"; for o in $libc; do nm --defined-only "$o"; done; } |
            awk 'NF == 3 { print $3 }' | sort -u > "$lib.def" && echo "$lib.def")")
    rm -f "$lib.undef" "$lib.def"
    if [ -n "$missing" ]; then
        echo "error: $lib needs symbols no freestanding image provides:" $missing >&2
        status=1
    fi
done
exit $status
