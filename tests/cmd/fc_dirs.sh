#!/bin/sh
# Fast-commit LINK tags into directories that must change shape, replayed as
# Linux 6.1's ext4_add_entry would: a hashed directory (e2fsck -D built its
# htree: 1 KiB blocks, 440 names of 195 bytes, its root index nearly full)
# gets 84 more names, so full leaves split (do_split), the root fills and
# moves its entries to a node under it (a second level) and that node splits
# (its parent has room); a full one-block linear directory gets one more name
# and becomes hashed (make_indexed_dir); without dir_index it grows by a
# block instead (ext4_append); a new directory block comes from
# free blocks as the kernel's replay allocator takes them.  Fast-commit
# blocks are written by tests/lib/journal.sh (debugfs writes none).  The
# oracles: e2fsck -fn on what replay -o wrote (it checks every htree's hash
# order, counts, limits and checksums, and the link counts) and debugfs's
# listing of the directories (every name, each of the linked inode).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
need python3 debugfs e2fsck mke2fs
plan 12
d=$(mktemp_dir)
mkdir -p "$d/tree/big" "$d/tree/small"
long=$(printf 'n%.0s' $(seq 1 190))
python3 - "$d/tree" "$long" <<'EOF'
import sys
root, long = sys.argv[1], sys.argv[2]
for i in range(440):
    open("%s/big/%s-%04d" % (root, long, i), "w").close()
for i in range(4):
    open("%s/small/%s-%d" % (root, "s" * 200, i), "w").close()
open(root + "/target", "w").close()
EOF
img=$d/img
mke2fs -q -F -o Linux -t ext4 -E lazy_itable_init=0 -b 1024 -J size=4 -O fast_commit -d "$d/tree" "$img" 16M >/dev/null 2>&1
e2fsck -fyD "$img" >/dev/null 2>&1
ino() { debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/^Inode: *\([0-9]*\).*/\1/p'; }
big=$(ino "$img" /big) small=$(ino "$img" /small) target=$(ino "$img" /target)
levels() { debugfs -R "htree $2" "$1" 2>/dev/null | sed -n 's/.*Indirect levels: *//p'; }
[ "$(levels "$img" /big)" = 0 ] && debugfs -R "htree /big" "$img" 2>/dev/null | grep -q "count): 110"
ok $? "the hashed directory starts with one level, 110 of 123 index entries"
# one committed transaction (/small's block logged as it is), so the journal
# needs recovery and the fast commits are for tid 2
blk=$(debugfs -R "bmap /small 0" "$img" 2>/dev/null)
dd if="$img" of="$d/p" bs=1024 skip="$blk" count=1 2>/dev/null
j_debugfs "$img" "jo" "jw -b $blk $d/p" "jc"
j_fc_enable "$img" 64
fc=$(( $(dumpe2fs -h "$img" 2>/dev/null | awk '/Total journal blocks/{print $4}') - 63 ))
# 84 names for /big over 21 fast commits of four tags each; then /small's fifth
for b in $(seq 0 20); do
	tags=
	[ "$b" = 0 ] && tags="HEAD:2"
	for k in 0 1 2 3; do
		tags="$tags LINKTO:$big,$target,$long-x$(( b * 4 + k ))"
	done
	j_fc_write "$img" $((fc + b)) "$tags TAIL:2"
done
j_fc_write "$img" $((fc + 21)) "LINKTO:$small,$target,$(printf 's%.0s' $(seq 1 200))-4 TAIL:2"
"$FSIMG" journal "$img" 2>/dev/null | grep -q "^Fast commits: *22 valid for transaction 2"
ok $? "journal: 22 valid fast commits"
"$FSIMG" replay -o "$d/out" "$img" >"$d/log" 2>&1 && ! grep -q "does not replay" "$d/log"
ok $? "replay -o replays them (no warning)"
# (journal.sh's E2FSCK_TIME is older than this image's write time: a finding of its own)
env -u E2FSCK_TIME e2fsck -fn "$d/out" >"$d/fsck" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$d/fsck" | head -20
ok $st "e2fsck -fn finds the result clean: htrees, link counts, bitmaps"
[ "$(debugfs -R "ls /big" "$d/out" 2>/dev/null | grep -o "$long-x[0-9]*" | sort -u | wc -l)" = 84 ]
ok $? "debugfs lists the 84 new names in the hashed directory"
[ "$(levels "$d/out" /big)" = 1 ]
ok $? "its index grew a level (the root's entries moved to a node)"
[ "$(debugfs -R "htree /big" "$d/out" 2>/dev/null | grep -c "^Entry #.*block")" -gt 126 ]
ok $? "and the node split: more leaves than one node holds"
debugfs -R "stat /small" "$d/out" 2>/dev/null | grep -q "Flags: 0x81000" &&
	[ "$(levels "$d/out" /small)" = 0 ] &&
	[ "$(debugfs -R "ls /small" "$d/out" 2>/dev/null | grep -o "s\{200\}-[0-9]" | sort -u | wc -l)" = 5 ]
ok $? "the full one-block directory became hashed, with its five names"
debugfs -R "stat /target" "$d/out" 2>/dev/null | grep -q "Links: 86"
ok $? "the linked inode has 86 links"
# without dir_index: the full one-block directory grows by a block
img2=$d/img2
mke2fs -q -F -o Linux -t ext4 -E lazy_itable_init=0 -b 1024 -J size=4 -O fast_commit,^dir_index \
	-d "$d/tree" "$img2" 16M >/dev/null 2>&1
small=$(ino "$img2" /small) target=$(ino "$img2" /target)
blk=$(debugfs -R "bmap /small 0" "$img2" 2>/dev/null)
dd if="$img2" of="$d/p" bs=1024 skip="$blk" count=1 2>/dev/null
j_debugfs "$img2" "jo" "jw -b $blk $d/p" "jc"
j_fc_enable "$img2" 64
fc=$(( $(dumpe2fs -h "$img2" 2>/dev/null | awk '/Total journal blocks/{print $4}') - 63 ))
j_fc_write "$img2" "$fc" "HEAD:2 LINKTO:$small,$target,$(printf 's%.0s' $(seq 1 200))-4 TAIL:2"
"$FSIMG" replay -o "$d/out2" "$img2" >"$d/log" 2>&1 && ! grep -q "does not replay" "$d/log"
ok $? "without dir_index: replay -o replays the name (no warning)"
debugfs -R "stat /small" "$d/out2" 2>/dev/null | grep -q "Size: 2048" &&
	! debugfs -R "stat /small" "$d/out2" 2>/dev/null | grep -q "Flags: 0x81000" &&
	[ "$(debugfs -R "ls /small" "$d/out2" 2>/dev/null | grep -o "s\{200\}-[0-9]" | sort -u | wc -l)" = 5 ]
ok $? "the linear directory grew by a block, not hashed, with its five names"
env -u E2FSCK_TIME e2fsck -fn "$d/out2" >"$d/fsck" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$d/fsck" | head -20
ok $st "e2fsck -fn finds it clean"
rm -rf "$d"
done_testing
