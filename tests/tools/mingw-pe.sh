#!/bin/sh
# Builds two tiny Windows programs with a VERSIONINFO resource, so that test_pever can check
# collect/pever.c against what a real toolchain writes:
#   mingw-pe.sh RC OUT64 OUT32
# links the resource script RC (the build passes tests/data/pever/version.rc) into an x86-64
# (PE32+) program OUT64 and an i686 (PE32) program OUT32. An output whose mingw-w64
# toolchain (windres + gcc, Debian package mingw-w64) is missing, or whose build fails, is
# left empty and test_pever skips it: unit tests must not need mingw. The programs hold only
# our own one-line entry point (no C runtime is linked) and are never run.
set -u
[ $# -eq 3 ] || { echo "usage: $0 RC OUT64 OUT32" >&2; exit 2; }
rc=$1
: >"$2" && : >"$3" || exit 1
tmp=$(mktemp -d) || exit 0
trap 'rm -rf "$tmp"' EXIT
printf 'int start(void);\nint start(void) { return 0; }\n' >"$tmp/entry.c"

# build PREFIX ENTRY OUT: OUT is the program, or empty when the toolchain cannot make it.
build() {
    : >"$3"
    command -v "$1-windres" >/dev/null 2>&1 || return 0
    command -v "$1-gcc" >/dev/null 2>&1 || return 0
    if "$1-windres" -O coff -o "$tmp/$1.res.o" "$rc" &&
        "$1-gcc" -nostdlib -nostartfiles -Wl,-e,"$2" -o "$tmp/$1.exe" "$tmp/entry.c" \
            "$tmp/$1.res.o"; then
        cp "$tmp/$1.exe" "$3"
    else
        echo "mingw-pe.sh: the $1 toolchain failed; $3 left empty" >&2
        : >"$3"
    fi
}
build x86_64-w64-mingw32 start "$2"
build i686-w64-mingw32 _start "$3" # 32-bit x86 symbols carry a leading underscore
exit 0
