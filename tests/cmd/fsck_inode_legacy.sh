#!/bin/sh
# fsck, inode passes on ext2/ext3 (block maps), inline data and bigalloc,
# judged against e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_inode.sh"
fi_init
fi_case ext3 extents_flag "sif /sizes/f4097 flags 0x80000" INODE_EXTENTS_NO_FEATURE
fi_case ext2 bmap_past_fs "sif /sizes/f4097 block[0] 99999999" BLOCKMAP_CORRUPT
fi_case ext2 bmap_iblocks "sif /sizes/f65536 blocks 2" INODE_BAD_IBLOCKS
fi_case ext2 bmap_written_past_eof "sif /sizes/f65536 size 1000" DATA_WRITTEN_PAST_EOF
p=$(debugfs -R "bmap /sizes/f65536 0" "$FI_DIR/ext2.img" 2>/dev/null)
fi_case ext2 bmap_dup "sif /sizes/f4097 block[0] $p" BLOCKS_SHARED
fi_case ext4_inline inline_no_xattr "sif /sizes/f61 extra_isize 0" INODE_BAD_INLINE
fi_case ext4_bigalloc iblocks "sif /sizes/f65536 blocks 8" INODE_BAD_IBLOCKS
fi_case ext4_1k written_past_eof "sif /sizes/f65536 size 2000" DATA_WRITTEN_PAST_EOF
done_testing
