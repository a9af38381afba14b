#!/bin/sh
# fsimg --version / -V [--json]: the version configure set, then the build's
# features; the crc32c implementation agrees with the CPU (/proc/cpuinfo)
# and with FSIMG_CRC32C=soft, the browser with config.h.
. "$top_srcdir/tests/lib/tap.sh"
need jq
plan 7
tmp=$(mktemp_dir) || exit 1
trap 'rm -rf "$tmp"' EXIT
ver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

"$FSIMG" --version > "$tmp/v" && "$FSIMG" -V | cmp -s - "$tmp/v" && [ "$(head -1 "$tmp/v")" = "fsimg $ver" ]
ok $? "--version and -V: 'fsimg $ver' first"
for k in filesystems journals checksums containers browser; do
	grep -q "^$k: " "$tmp/v" || { echo "# no '$k:' line"; false; } || break
done
ok $? "--version: a line each for filesystems, journals, checksums, containers, browser"

"$FSIMG" --version --json > "$tmp/j" && [ "$(wc -l < "$tmp/j")" -eq 1 ] &&
	jq -e --arg v "$ver" '.version == $v and (.filesystems | index("ext4")) != null and (.filesystems | index("xfs")) != null
		and (.containers | index("qcow2")) != null and .partition_tables == ["gpt", "dos"]
		and (.checksums.crc32c | type) == "string"' "$tmp/j" >/dev/null
ok $? "--version --json: one object with the version and the features"
want='["qcow2"]'
grep -q '^#define HAVE_ZSTD 1' "$top_builddir/config.h" && want=$(echo "$want" | jq -c '. + ["qcow2-zstd"]')
grep -q '^#define HAVE_LIBYAL 1' "$top_builddir/config.h" && want=$(echo "$want" | jq -c '. + ["vmdk", "vhd", "vhdx", "e01"]')
[ "$(jq -c .containers "$tmp/j")" = "$want" ] && grep -q "^containers: $(echo "$want" | jq -r 'join(" ")')\$" "$tmp/v"
ok $? "the containers are reported as configure found their libraries ($want)"

want=false
grep -q '^#define HAVE_NCURSES 1' "$top_builddir/config.h" && want=true
[ "$(jq .browser "$tmp/j")" = "$want" ] && grep -q "^browser: $( [ $want = true ] && echo yes || echo no)" "$tmp/v"
ok $? "the browser is reported as configure built it ($want)"

FSIMG_CRC32C=soft "$FSIMG" -V --json | jq -e '.checksums.crc32c == "slice8" and .checksums.crc32c_hardware == false' >/dev/null &&
	FSIMG_CRC32C=soft "$FSIMG" -V | grep -q '^checksums: crc32c (slice8, table)'
ok $? "FSIMG_CRC32C=soft: the table implementation is reported"

# libfsimg/core/crc.c builds the sse4.2 path on x86_64 with gcc or clang
if [ "$(uname -m)" = x86_64 ] && grep -qw sse4_2 /proc/cpuinfo 2>/dev/null; then
	jq -e '.checksums.crc32c == "sse4.2" and .checksums.crc32c_hardware' "$tmp/j" >/dev/null
	ok $? "the CPU has sse4.2: the hardware crc32c is reported"
else
	jq -e '.checksums.crc32c_hardware == false' "$tmp/j" >/dev/null
	ok $? "no sse4.2 CPU: the table crc32c is reported"
fi
done_testing
