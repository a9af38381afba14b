#!/bin/sh
# fsimg undo refuses an image that changed after the replay (issue 18, item
# 1), as e2undo does: restoring the pre-replay superblock and bitmaps over a
# newer filesystem would corrupt it. The change is made by another tool
# (debugfs -w write, after replay --in-place); e2fsck -fn is the oracle that
# the refused image is left intact. --force restores with a warning; an
# undo file of format 1 (no record of what the replay wrote) is refused
# with a clear message, and restored with --force.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
need debugfs e2fsck python3
plan 16
d=$(mktemp_dir)
img=$d/img
j_two_transactions "$img"
sum0=$(sha256sum <"$img")
sum_of() { sha256sum <"$1"; }
seq 1 3000 >"$d/new.txt"

# Replayed, then changed by debugfs: undo must refuse and write nothing.
cp "$img" "$d/a"
"$FSIMG" replay --in-place "$d/a" >/dev/null 2>&1
ok $? "replay --in-place succeeds"
e2fsck -fn "$d/a" >/dev/null 2>&1
ok $? "e2fsck -fn: the replayed image is clean"
debugfs -w -R "write $d/new.txt new.txt" "$d/a" >/dev/null 2>&1
e2fsck -fn "$d/a" >"$d/fsck" 2>&1
ok $? "e2fsck -fn: clean after debugfs wrote a new file into it"
sum2=$(sum_of "$d/a")
"$FSIMG" undo "$d/a.fsimg-undo" "$d/a" >"$d/out" 2>"$d/err"
st=$?
[ $st -eq 8 ] && grep -q "changed since the replay" "$d/err" && [ "$(wc -l <"$d/err")" -eq 1 ]
ok $? "undo of an image changed since the replay: exit 8, one line saying so"
[ $st -eq 8 ] || { diag "exit $st"; sed 's/^/#   /' "$d/err"; }
[ "$(sum_of "$d/a")" = "$sum2" ]
ok $? "and the image is left byte for byte as it was"
e2fsck -fn "$d/a" >/dev/null 2>&1
ok $? "e2fsck -fn: still clean"
"$FSIMG" cat "$d/a" /new.txt 2>/dev/null | cmp -s - "$d/new.txt"
ok $? "the new file reads back whole"

# --force restores what the undo file holds, with a warning.
"$FSIMG" undo --force "$d/a.fsimg-undo" "$d/a" >/dev/null 2>"$d/err"
[ $? -eq 0 ] && grep -q "warning: .* changed since the replay" "$d/err"
ok $? "--force: restored, with a warning"
dd if="$d/a" bs=1024 skip=1 count=1 2>/dev/null | sha256sum >"$d/sb.now"
dd if="$img" bs=1024 skip=1 count=1 2>/dev/null | sha256sum >"$d/sb.orig"
cmp -s "$d/sb.now" "$d/sb.orig"
ok $? "--force: the superblock is the pre-replay one again"

# Unchanged since the replay: restored, and a second undo is harmless.
cp "$img" "$d/b"
"$FSIMG" replay --in-place "$d/b" >/dev/null 2>&1
"$FSIMG" undo "$d/b.fsimg-undo" "$d/b" >/dev/null 2>&1 && [ "$(sum_of "$d/b")" = "$sum0" ]
ok $? "unchanged since the replay: undo restores the original sha256"
"$FSIMG" undo "$d/b.fsimg-undo" "$d/b" >/dev/null 2>&1 && [ "$(sum_of "$d/b")" = "$sum0" ]
ok $? "undo twice: harmless"

# A corrupt record near the end: nothing written (all is checked first).
cp "$img" "$d/c"
"$FSIMG" replay --in-place --undo "$d/c.u" "$d/c" >/dev/null 2>&1
sumc=$(sum_of "$d/c")
cp "$d/c.u" "$d/c.bad"
size=$(wc -c <"$d/c.bad")
printf 'X' | dd of="$d/c.bad" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
"$FSIMG" undo "$d/c.bad" "$d/c" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q corrupt "$d/err" && [ "$(sum_of "$d/c")" = "$sumc" ]
ok $? "a corrupt last record: refused, nothing written"

# Format 1, as fsimg wrote it before: 16-byte record heads, the record
# checksum at 8 over bytes 0..7 and the old contents, nothing at 12.
to_v1() {
	python3 - "$1" "$2" <<'EOF'
import os, struct, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/lib")
from crc32c import crc32c
src = open(sys.argv[1], "rb").read()
hdr = bytearray(src[:64])
bs = struct.unpack_from("<I", hdr, 16)[0]
n = struct.unpack_from("<Q", hdr, 48)[0]
struct.pack_into("<I", hdr, 8, 1)
struct.pack_into("<I", hdr, 60, crc32c(0xffffffff, hdr[:60]))
out = bytearray(hdr)
chain = 0
for i in range(n):
    rec = src[64 + i * (24 + bs):64 + (i + 1) * (24 + bs)]
    old = bytearray(rec[:8] + b"\0" * 8 + rec[24:])
    c = crc32c(crc32c(0xffffffff, old[:8]), old[16:])
    struct.pack_into("<I", old, 8, c)
    chain = crc32c(chain, struct.pack("<I", c))
    out += old
t = bytearray(src[64 + n * (24 + bs):])
struct.pack_into("<I", t, 16, chain)
struct.pack_into("<I", t, 28, crc32c(0xffffffff, t[:28]))
open(sys.argv[2], "wb").write(out + t)
EOF
}
cp "$img" "$d/v"
"$FSIMG" replay --in-place --undo "$d/v.u" "$d/v" >/dev/null 2>&1
sumv=$(sum_of "$d/v")
to_v1 "$d/v.u" "$d/v.u1"
"$FSIMG" undo "$d/v.u1" "$d/v" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "version 1 (from an older fsimg)" "$d/err" && grep -q -- "--force" "$d/err"
ok $? "an undo file of format 1: refused, with a clear message naming --force"
[ "$(sum_of "$d/v")" = "$sumv" ]
ok $? "and the image is untouched"
"$FSIMG" undo -f "$d/v.u1" "$d/v" >/dev/null 2>"$d/err" && grep -q warning "$d/err" &&
	[ "$(sum_of "$d/v")" = "$sum0" ]
ok $? "format 1 with --force: restores the original sha256, with a warning"

# A version this fsimg does not know.
cp "$d/v.u" "$d/v.u9"
printf '\011' | dd of="$d/v.u9" bs=1 seek=8 conv=notrunc 2>/dev/null
"$FSIMG" undo "$d/v.u9" "$d/v" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "version 9 is not supported" "$d/err"
ok $? "an undo file of an unknown version: refused"
rm -rf "$d"
done_testing
