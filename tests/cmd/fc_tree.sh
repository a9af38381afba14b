#!/bin/sh
# Fast-commit ADD_RANGE tags that leave a file with more extents than one
# level of leaves under the inode holds: 400 one-block ranges, one block in
# two, for a 1 KiB-block file (84 extents a leaf, 4 in the inode), so its
# extent tree needs a second level of index blocks (Linux grows its tree by
# ext4_ext_insert_extent; fsimg writes the final map anew, so only the map
# is compared, not the tree's shape).  The blocks lie in group 3, whose
# block bitmap mke2fs left uninitialised (BLOCK_UNINIT, a backup superblock
# and descriptor copies in it): the replay builds it as the kernel's
# ext4_init_block_bitmap does.  Oracles: debugfs's reading of the replayed
# file (depth, every extent) and e2fsck -fn (the tree, i_blocks, the bitmaps
# and free counts).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
need python3 debugfs e2fsck mke2fs
plan 6
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 64M -t ext4 -O fast_commit -b 1024 -J size=4
ino=$(debugfs -R "stat /dir/small" "$img" 2>/dev/null | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
blk=$(debugfs -R "bmap /dir/small 0" "$img" 2>/dev/null)
dd if="$img" of="$d/p" bs=1024 skip="$blk" count=1 2>/dev/null
# the file is 800 blocks long already (a hole past its first block), as its INODE tag would make it
j_debugfs "$img" "sif /dir/small size 819200"
j_debugfs "$img" "jo" "jw -b $blk $d/p" "jc"
j_fc_enable "$img" 64
fc=$(( $(dumpe2fs -h "$img" 2>/dev/null | awk '/Total journal blocks/{print $4}') - 63 ))
# free blocks to map: 800 in group 3, past its backup superblock and descriptors
dumpe2fs "$img" 2>/dev/null | grep -q "^Group 3: (Blocks 24577-32768) .*BLOCK_UNINIT" || echo "# group 3 is not BLOCK_UNINIT"
base=$((24577 + 1024))
debugfs -R "testb $base 800" "$img" 2>/dev/null | grep -q "marked in use" && echo "# blocks in use at $base"
n=0
for b in $(seq 0 7); do
	tags=
	[ "$b" = 0 ] && tags="HEAD:2"
	for k in $(seq 1 50); do
		tags="$tags RANGETO:$ino,$((2 * n)),1,$((base + 2 * n))"
		n=$((n + 1))
	done
	j_fc_write "$img" $((fc + b)) "$tags TAIL:2"
done
"$FSIMG" replay -o "$d/out" "$img" >"$d/log" 2>&1 && ! grep -q "does not replay" "$d/log"
ok $? "replay -o replays 400 ADD_RANGE tags (no warning)"
debugfs -R "ex /dir/small" "$d/out" >"$d/ex" 2>/dev/null
awk 'NR == 2 { exit !($1 == "0/" && $2 == 2) }' "$d/ex"
ok $? "the file's extent tree has two levels of index above its leaves"
python3 - "$d/ex" "$base" <<'PYEOF'
import re, sys
base = int(sys.argv[2])
got = []
for line in open(sys.argv[1]):
    m = re.match(r"^\s*(\d+)/\s*(\d+)\s+\d+/\s*\d+\s+(\d+)\s*-\s*\d+\s+(\d+)\s*-\s*\d+\s+(\d+)", line)
    if m and m.group(1) == m.group(2):
        got.append((int(m.group(3)), int(m.group(4)), int(m.group(5))))
want = [(2 * n, base + 2 * n, 1) for n in range(400)]
sys.exit(0 if got == want else 1)
PYEOF
ok $? "debugfs reads its 400 extents, each where its tag put it"
# (journal.sh's E2FSCK_TIME is older than this image's write time: a finding of its own)
env -u E2FSCK_TIME e2fsck -fn "$d/out" >"$d/fsck" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$d/fsck" | head -20
ok $st "e2fsck -fn finds the result clean (tree, i_blocks, bitmaps, counts)"
[ "$(debugfs -R "stat /dir/small" "$d/out" 2>/dev/null | sed -n 's/.*Blockcount: *\([0-9]*\).*/\1/p')" -gt 800 ]
ok $? "i_blocks counts the 400 data blocks and the tree's blocks"
dumpe2fs "$d/out" 2>/dev/null | grep "^Group 3: " | grep -qv BLOCK_UNINIT
ok $? "group 3's block bitmap is initialised now"
rm -rf "$d"
done_testing
