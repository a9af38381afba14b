#!/bin/sh
# fsck, inode passes on ext4 (metadata_csum): inode fields, extent trees,
# shared blocks and the state of data, each corruption made by debugfs -w
# and judged against e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_inode.sh"
fi_init
v=ext4
# inodes
fi_case $v links0 "sif /sizes/f4097 links_count 0" INODE_ZERO_DTIME
fi_case $v dtime "sif /sizes/f4097 dtime 0x12345678" INODE_DTIME_SET
fi_case $v mode "sif /sizes/f4097 mode 0170644" INODE_BAD_MODE
fi_case $v iblocks "sif /sizes/f4097 blocks 24" INODE_BAD_IBLOCKS
fi_case $v csum "sif /sizes/f4097 checksum 0x1234" INODE_CSUM
fi_case $v extra_isize "sif /sizes/f4097 extra_isize 6" INODE_EXTRA_ISIZE
fi_case $v inline_flag "sif /sizes/f4097 flags 0x10080000" INODE_EXTENTS_AND_INLINE INODE_INLINE_NO_FEATURE
fi_case $v unknown_flag "sif /sizes/f4097 flags 0x880000" INODE_UNKNOWN_FLAGS
fi_case $v fifo_extents "sif /special/fifo flags 0x80000" INODE_BAD_DEVICE
fi_case $v xattr_block "sif /sizes/f4097 file_acl 99999999" INODE_BAD_XATTR_BLOCK
fi_case $v symlink_size0 "sif /links/sym1000 size 0" INODE_BAD_SYMLINK
fi_case $v symlink_fast_len "sif /links/sym59 size 30" INODE_BAD_SYMLINK
fi_case $v symlink_slow_len "sif /links/sym1000 size 4095" INODE_BAD_SYMLINK
fi_case $v symlink_fast_extents "sif /links/sym59 flags 0x80000" INODE_BAD_SYMLINK
fi_case $v symlink_slow_big "sif /links/sym1000 size 5000" INODE_BAD_SYMLINK
fi_case $v orphan_list "ssv last_orphan 96" INODE_ORPHAN_LIST
fi_case $v dir_size "sif /deep size 8192" INODE_BAD_SIZE
# extent trees (i_block words: 0 magic/entries, 3 ee_block, 4 ee_len/start_hi, 5 start_lo)
fi_case $v root_magic "sif /sizes/f4097 block[0] 0x1234" EXTENT_ROOT_CORRUPT
fi_case $v zero_len "sif /sizes/f4097 block[4] 0" EXTENT_TREE_CORRUPT
fi_case $v past_fs "sif /sizes/f4097 block[5] 99999999" EXTENT_TREE_CORRUPT
# its 2 blocks moved to end exactly at 2^32: the kernel's ext4_valid_extent
# refuses an end that wraps to 0 (e2fsck -fn calls the size wrong instead)
fi_case $v end_2_32 "sif /sizes/f4097 block[3] 4294967294" EXTENT_TREE_CORRUPT
# an extent block (the depth-1 tree of /sparse/checker) changed under its checksum
blk=$(debugfs -R "ex /sparse/checker" "$FI_DIR/$v.img" 2>/dev/null | awk '$1 == "0/" && $2 == "1" { print $8; exit }')
fi_case $v tree_csum "zap_block -o 24 -l 4 -p 0x11 $blk" EXTENT_BLOCK_CSUM EXTENT_TREE_CORRUPT
# The kernel's rules (__ext4_ext_check, ext4_valid_extent_entries): the leaf
# must start where the root's index says (issue 18, item 7).
fi_case $v index_start "sif /sparse/checker block[3] 1" EXTENT_TREE_CORRUPT
printf '%s\n' "$FI_OUT" | grep -q "EXTENT_TREE_CORRUPT: .*block $blk .*starts at logical block 0, but the index in i_block says 1"
ok $? "$v index_start: the leaf and its index named"
# eh_max short of the node: e2fsprogs refuses it (e2fsck -fn exits 4), the
# kernel reads it: reported as e2fsprogs' rule, and the tree is still read
# (the file's bytes are the source tree's; nothing else is reported).
for c in "root:sif /sparse/checker block[1] 0x00010001" "leaf:zap_block -o 5 -l 1 -p 0 $blk"; do
	fi_case $v "max_short_${c%%:*}" "${c#*:}" EXTENT_MAX_SHORT
	! fi_has_id "$FI_OUT" EXTENT_TREE_CORRUPT && ! fi_has_id "$FI_OUT" BLOCK_FREE_MARKED_USED &&
		"$FSIMG" cat "$FI_IMG" /sparse/checker 2>/dev/null | cmp -s - "$FI_DIR/tree/sparse/checker"
	ok $? "$v max_short_${c%%:*}: the tree is read, cat gives the source file"
done
fi_case $v unwritten_dir "sif /deep block[4] 0x8001" EXTENT_UNWRITTEN_DIR
fi_case $v unwritten_symlink "sif /links/sym1000 block[4] 0x8001" EXTENT_UNWRITTEN_NONREG
# shared blocks: another file's blocks, then the group descriptors' blocks
p100=$(debugfs -R "ex /sizes/f65536" "$FI_DIR/$v.img" 2>/dev/null | awk '$1 == "0/" { print $8; exit }')
fi_case $v dup_file "sif /sizes/f4097 block[5] $p100" BLOCKS_SHARED
printf '%s\n' "$FI_OUT" | grep -q "BLOCKS_SHARED: inode [0-9]* has 2 multiply-claimed blocks (first $p100), shared with inode"
ok $? "$v dup_file: both owners named"
fi_case $v dup_meta "sif /sizes/f4097 block[5] 1" BLOCKS_SHARED BLOCKS_SHARED_METADATA
printf '%s\n' "$FI_OUT" | grep -q "shared with filesystem metadata"
ok $? "$v dup_meta: metadata named as an owner"
# data state
fi_case $v written_past_eof "sif /sizes/f65536 size 8000" DATA_WRITTEN_PAST_EOF
fi_case $v size_in_unwritten "sif /falloc/prealloc size 20000" DATA_SIZE_IN_UNWRITTEN
fi_case $v tail_unwritten "sif /falloc/prealloc size 65536" DATA_TAIL_UNWRITTEN
# --scan-data: non-zero bytes under /falloc/holey's unwritten extent
u=$(debugfs -R "ex /falloc/holey" "$FI_DIR/$v.img" 2>/dev/null | awk '$NF == "Uninit" { print $8; exit }')
fi_image $v
cp "$FI_DIR/$v.img" "$FI_DIR/scan.img"
printf 'lost data\n' | dd of="$FI_DIR/scan.img" bs=4096 seek="$u" conv=notrunc status=none
FI_OUT=$("$FSIMG" fsck "$FI_DIR/scan.img" 2>&1)
! fi_has_id "$FI_OUT" DATA_UNWRITTEN_NONZERO
ok $? "$v scan-data: not reported without --scan-data"
FI_OUT=$("$FSIMG" fsck --scan-data "$FI_DIR/scan.img" 2>&1)
st=$?
printf '%s\n' "$FI_OUT" | grep -Eq "DATA_UNWRITTEN_NONZERO: inode [0-9]+ has [0-9]+ unwritten blocks holding non-zero data \(first at logical block [0-9]+, block $u\)"
ok $? "$v scan-data: the block written under the unwritten extent is found"
[ $st -eq 0 ]
ok $? "$v scan-data: an info, exit 0"
done_testing
