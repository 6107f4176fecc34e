#!/bin/sh
# build-exe.sh SRCDIR DIR OUT: cross-builds tenken.exe (make windows's build) in DIR and copies
# it to OUT, for the tests that run it under wine. The nested build has its own options: the
# sanitizers of the test build do not apply to mingw.
set -e
src=$1 dir=$2 out=$3
[ -f "$dir/build.ninja" ] || meson setup "$dir" "$src" --cross-file "$src/cross/mingw64.ini" >"$dir.log" 2>&1 || {
    cat "$dir.log" >&2
    exit 1
}
ninja -C "$dir" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
cp "$dir/src/tenken.exe" "$out"
