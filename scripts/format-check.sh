#!/bin/sh
# `make format-check`: every tracked C source and header must already be
# formatted by clang-format 14 with the tree's .clang-format.  Lists the files
# that are not (fix one with: clang-format-14 -i FILE) and fails.
set -eu
cd "$(dirname "$0")/.."

CF=""
for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null 2>&1 &&
        "$c" --version 2>/dev/null | grep -q 'version 14\.'; then
        CF=$c
        break
    fi
done
if [ -z "$CF" ]; then
    echo "format-check: clang-format version 14 not found (package clang-format-14;" >&2
    echo "format-check: scripts/install-deps.sh installs it)" >&2
    exit 1
fi

if [ ! -d .git ] && ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "format-check: not a git checkout: the tracked files are unknown" >&2
    exit 1
fi

bad=""
n=0
# Tracked *.c and *.h, minus build output and third-party code.
files=$(git ls-files -- '*.c' '*.h' | grep -v -E '^(build|third_party|third-party)/' || true)
for f in $files; do
    [ -f "$f" ] || continue # deleted in the work tree
    n=$((n + 1))
    if ! "$CF" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
        bad="$bad $f"
    fi
done

if [ -n "$bad" ]; then
    echo "format-check: these files need formatting ($CF -i FILE):" >&2
    for f in $bad; do
        echo "  $f" >&2
    done
    exit 1
fi
echo "format-check: $n files formatted as $CF wants" >&2
