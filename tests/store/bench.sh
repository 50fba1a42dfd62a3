#!/bin/sh
# `make store-bench`: starts the -O2 hosted xenstored on a private socket,
# runs xs-bench against it and prints its figures; stops the daemon
# whatever happens.  Benchmarks report, they never assert.
set -eu
dir=$1
tmp=$(mktemp -d)
"$dir/xenstored" --socket "$tmp/sock" </dev/null >"$tmp/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
i=0
while [ ! -S "$tmp/sock" ]; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then
        echo "store-bench: xenstored did not start:" >&2
        cat "$tmp/log" >&2
        exit 1
    fi
    sleep 0.05
done
"$dir/xs-bench" "$tmp/sock" "$pid" </dev/null
