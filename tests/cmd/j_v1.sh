#!/bin/sh
# The v1 transaction checksum (journal_checksum without metadata_csum: a
# crc32 of descriptor and data blocks in the commit block). As in the
# kernel's do_one_pass (and e2fsck's copy of it), each commit block stands
# alone: a matching crc32, or no checksum at all (type, size and value all
# 0), is accepted even after checksummed commits (the kernel's old per-block
# chksum_seen never carried from one commit to the next); a wrong one is a
# failed commit that ends the log. The oracle is e2fsck -E journal_only.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 4
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 16M -t ext4 -O ^metadata_csum -b 1024
set -- $(j_blocks "$img" /big.txt)
j_pattern "$d/p" 1024 3
j_debugfs "$img" "jo -c" "jw -b $1,$2 $d/p" "jc" "jo" "jw -b $3 $d/p" "jc" "jo" "jw -b $4 $d/p" "jc"
"$FSIMG" journal "$img" 2>/dev/null | grep -q "^Journal features: *journal_checksum"
ok $? "debugfs jo -c on a filesystem without metadata_csum: a v1 (crc32) journal"
commit() { # the fs block of transaction $1's commit block
	debugfs -R "bmap <8> $("$FSIMG" journal --json "$img" 2>/dev/null |
		sed -n "s/.*\"sequence\":$1,.*\"commit_block\":\([0-9]*\).*/\1/p")" "$img" 2>/dev/null
}
c2=$(commit 2) c3=$(commit 3)
# Transaction 2: no checksum (type, size, value 0); transaction 3: a wrong crc32.
python3 - "$img" "$c2" "$c3" <<'PYEOF'
import sys
path, c2, c3 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "r+b") as f:
    f.seek(c2 * 1024 + 12); f.write(b"\0\0")
    f.seek(c2 * 1024 + 16); f.write(b"\0\0\0\0")
    f.seek(c3 * 1024 + 16); v = f.read(4)
    f.seek(c3 * 1024 + 16); f.write(bytes([v[0] ^ 1]) + v[1:])
PYEOF
[ "$(j_json_summary "$img" | cut -d: -f1,2 | tr '\n' ' ')" = "1:c 2:c 3:u " ] &&
	"$FSIMG" journal "$img" 2>/dev/null | grep -q "^ *3 .*bad commit"
ok $? "an unchecksummed commit after checksummed ones is committed; a wrong crc32 is a bad commit"
j_e2fsck "$img" "$d/e2fsck" >/dev/null
rm -f "$d/out"
"$FSIMG" replay -o "$d/out" "$img" >/dev/null 2>&1 && j_cmp_allowed "$d/out" "$d/e2fsck"
ok $? "replay -o equals e2fsck -E journal_only"
"$FSIMG" replay -n "$img" 2>/dev/null | grep -q "^Replay plan for .*: 2 transactions"
ok $? "replay -n: transactions 1 and 2 replayed"
rm -rf "$d"
done_testing
