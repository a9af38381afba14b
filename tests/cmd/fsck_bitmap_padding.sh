#!/bin/sh
# Bitmap padding (e2fsck PR_5_INODE_BMAP_PADDING, PR_5_BLOCK_BMAP_PADDING):
# past a group's inodes or clusters a bitmap block is all ones. One byte
# of the tail cleared with dd on mke2fs -d images; e2fsck -fn is the oracle.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs dumpe2fs e2fsck dd
plan 7
fs_tmp
mkdir -p "$tmp/src"
seq 1 2000 >"$tmp/src/f"
# at LOC: the "Inode bitmap at N" or "Block bitmap at N" of group 0
at() { dumpe2fs "$1" 2>/dev/null | sed -n "s/^ *$2 bitmap at \([0-9]*\).*/\1/p" | head -1; }
for v in "ext2 inode INODE_BITMAP_PADDING -t ext2" "ext4 inode INODE_BITMAP_PADDING -t ext4" \
	"ext4g block BLOCK_BITMAP_PADDING -t ext4 -g 4096"; do
	set -- $v
	name=$1 kind=$2 id=$3; shift 3
	img=$tmp/$name-$kind.img
	mke2fs -q -F -b 1024 "$@" -d "$tmp/src" "$img" 16M >/dev/null 2>&1 || { echo "Bail out! mke2fs"; exit 99; }
	e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
	[ "$e" = clean ] && [ "$f" = clean ]
	ok $? "$name: clean for both before"
	case $kind in inode) K=Inode ;; *) K=Block ;; esac
	blk=$(at "$img" "$K")
	# the last byte of the block is padding in these geometries
	printf '\000' | dd of="$img" bs=1 seek=$((blk * 1024 + 1023)) conv=notrunc 2>/dev/null
	e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
	[ "$e" = error ] && [ "$f" = error ] && fs_has "$img" "$id" && grep -q 'Padding at end' "$img.e2fsck"
	ok $? "$name: a clear padding byte in the $kind bitmap: $id; e2fsck -fn $e, fsimg $f"
done

# the last group's block bitmap past the end of the filesystem (e2fsck's check_block_end)
img=$tmp/end.img
mke2fs -q -F -b 1024 -t ext2 -d "$tmp/src" "$img" 20000K >/dev/null 2>&1 || { echo "Bail out! mke2fs"; exit 99; }
blk=$(dumpe2fs "$img" 2>/dev/null | sed -n 's/^ *Block bitmap at \([0-9]*\).*/\1/p' | tail -1)
# 20000 blocks: the last group (from 16385) ends at bit 3614; byte 1000 of its bitmap lies past it
printf '\000' | dd of="$img" bs=1 seek=$((blk * 1024 + 1000)) conv=notrunc 2>/dev/null
e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
[ "$e" = error ] && [ "$f" = error ] && fs_has "$img" BLOCK_BITMAP_PADDING && grep -q 'Padding at end of block bitmap' "$img.e2fsck"
ok $? "the last group's bitmap past the filesystem's end: BLOCK_BITMAP_PADDING; e2fsck -fn $e, fsimg $f"
done_testing
