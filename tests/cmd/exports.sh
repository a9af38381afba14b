#!/bin/sh
# The shared libfsimg.so: it exports only the public API (every dynamic
# symbol starts with fsimg_; every FSIMG_API function of the public headers,
# fsimg/xlog.h's included, is one of them), and a program built with
# `pkg-config --cflags --libs libfsimg` (the build tree's libfsimg.pc, its
# directories pointed at the tree) opens an image made by mke2fs -d and
# reads a file's size as the source tree has it.
. "$top_srcdir/tests/lib/tap.sh"
need nm pkg-config mke2fs
plan 4
tmp=$(mktemp_dir) || exit 1
trap 'rm -rf "$tmp"' EXIT
so=$(ls "$top_builddir"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
[ -n "$so" ] || skip_all "no shared libfsimg built (--disable-shared?)"

nm -D --defined-only "$so" | awk '{ print $NF }' > "$tmp/syms"
grep -v '^fsimg_' "$tmp/syms" > "$tmp/stray"
[ -s "$tmp/syms" ] && [ ! -s "$tmp/stray" ]
ok $? "$(basename "$so") exports $(wc -l < "$tmp/syms") symbols, all fsimg_*$( [ -s "$tmp/stray" ] && echo ": not $(head -3 "$tmp/stray" | tr '\n' ' ')")"

# every function the public headers declare is exported
sed -n 's/^FSIMG_API [^(]*[ *]\(fsimg_[a-z0-9_]*\)(.*/\1/p' "$top_srcdir"/libfsimg/include/fsimg/*.h | sort -u > "$tmp/api"
sort -u "$tmp/syms" | comm -23 "$tmp/api" - > "$tmp/missing"
[ -s "$tmp/api" ] && [ ! -s "$tmp/missing" ]
ok $? "every FSIMG_API function of the headers is exported ($(wc -l < "$tmp/api"))$( [ -s "$tmp/missing" ] && echo ": not $(head -3 "$tmp/missing" | tr '\n' ' ')")"

pc() {
	PKG_CONFIG_PATH="$top_builddir/libfsimg" pkg-config \
		--define-variable=includedir="$top_srcdir/libfsimg/include" \
		--define-variable=libdir="$(dirname "$so")" "$@" libfsimg
}
ok_cmd "opendemo.c builds with pkg-config --cflags --libs libfsimg (C11, -pedantic -Werror)" \
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror $(pc --cflags) \
	"$top_srcdir/tests/pkgconfig/opendemo.c" -o "$tmp/opendemo" $(pc --libs)

mkdir "$tmp/src"
seq 1 5000 > "$tmp/src/nums"
mke2fs -q -F -t ext4 -d "$tmp/src" "$tmp/d.img" 4M >/dev/null 2>&1
# A sanitizer build's library needs its runtime loaded first (the demo is built without it).
pre=
if ldd "$so" 2>/dev/null | grep -q libasan; then
	pre=$(${CC:-cc} -print-file-name=libasan.so)
	ubsan=$(${CC:-cc} -print-file-name=libubsan.so)
	[ ! -e "$ubsan" ] || pre="$pre:$ubsan"
fi
out=$(LD_PRELOAD=$pre ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 LD_LIBRARY_PATH=$(dirname "$so") \
	"$tmp/opendemo" "$tmp/d.img" /nums 2>&1)
[ "$out" = "ext4 $(wc -c < "$tmp/src/nums")" ]
ok $? "it opens the image through the public API: '$out'"
done_testing
