#!/bin/sh
# A sparse inode chunk's icreate item (crash row xz-1k-rmap-nrext64-age: an
# aged 1 KiB-block filesystem whose mount-time log held "icreate ag 2 agbno
# 80560 length 16 count 32"; replay refused it, the kernel replays it).
# xfs_ialloc_ag_alloc logs a sparse allocation with the chunk's own inode
# count and length, and the kernel's xlog_recover_icreate_commit_pass2
# takes any item whose length is a full chunk's or the sparse alignment's
# and whose count >> sb_inopblog is that length; it initialises `length`
# blocks of inodes (xfs_ialloc_inode_init), no more.  The fixture
# xfs-fsync's icreate for ag 3 agbno 16 (64 inodes, 8 blocks) is rewritten
# to 32 inodes in 4 blocks (tests/xfs/xlog/sparsecreate.py, the record's
# CRC sealed again): replay -o takes it and initialises the first 4 blocks
# as the full chunk's replay does, leaving the other 4 as on the crashed
# image; 32 inodes in 8 blocks (inconsistent: the kernel fails the mount
# with EINVAL) is refused.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz python3
. "$top_srcdir/tests/lib/pyso.sh"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 4
xz -dc "$top_srcdir/tests/crash/fixtures/xfs-fsync.img.xz" > "$t/c.img" || exit 1
logd=$("$FSIMG" journal "$t/c.img" | sed -n 's/^Log location: .*(daddr \([0-9]*\)).*/\1/p')
# the chunk's first block (512-byte daddr / 8: 4 KiB blocks)
cd_=$("$FSIMG" journal "$t/c.img" | sed -n 's/^ *icreate *ag 3 agbno 16 length 8 daddr \([0-9]*\) .*/\1/p' | head -1)
b0=$((cd_ / 8))
cp --sparse=always "$t/c.img" "$t/sp.img"
cp --sparse=always "$t/c.img" "$t/bad.img"
pyso "$top_srcdir/tests/xfs/xlog/sparsecreate.py" "$so" "$t/sp.img" "$logd" 3 16 32 4 > /dev/null &&
	pyso "$top_srcdir/tests/xfs/xlog/sparsecreate.py" "$so" "$t/bad.img" "$logd" 3 16 32 8 > /dev/null
st=$?
"$FSIMG" journal "$t/sp.img" > "$t/sp.txt" 2>&1
[ $st -eq 0 ] && [ -n "$cd_" ] && grep -q "icreate *ag 3 agbno 16 length 4 .*: 32 inodes of 512 bytes" "$t/sp.txt"
ok $? "the rewritten item is listed as a sparse chunk: 32 inodes in 4 blocks at daddr $cd_"
"$FSIMG" replay "$t/c.img" -o "$t/full.out" > /dev/null 2>&1 &&
	"$FSIMG" replay "$t/sp.img" -o "$t/sp.out" > "$t/sp.err" 2>&1
ok $? "replay -o takes the sparse chunk's icreate"
blk() { dd if="$1" bs=4096 skip="$2" count="$3" 2>/dev/null | od -An -tx1 | md5sum; }
[ "$(blk "$t/sp.out" "$b0" 4)" = "$(blk "$t/full.out" "$b0" 4)" ] &&
	[ "$(blk "$t/sp.out" $((b0 + 4)) 4)" = "$(blk "$t/c.img" $((b0 + 4)) 4)" ] &&
	[ "$(blk "$t/sp.out" $((b0 + 4)) 4)" != "$(blk "$t/full.out" $((b0 + 4)) 4)" ]
ok $? "its 4 blocks initialised as the full chunk's replay does them, the next 4 left as on the crashed image"
"$FSIMG" replay "$t/bad.img" -o "$t/bad.out" > "$t/bad.err" 2>&1
st=$?
[ $st -eq 8 ] && grep -q 'icreate item: ag 3 agbno 16 length 8 count 32' "$t/bad.err" && [ ! -e "$t/bad.out" ]
ok $? "32 inodes in 8 blocks (count >> inopblog is not the length) refused, exit $st, nothing written"
