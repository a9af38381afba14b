#!/bin/sh
# Passes 1 and 6: one debugfs corruption per problem id, each checked for
# the id and for agreement with e2fsck -fn (error <=> fsimg fsck exits 4).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs python3
fs_tmp
fs_img ext4 "$tmp/ext4.img"
fs_img ext4_1k "$tmp/ext4_1k.img"
fs_img ext2 "$tmp/ext2.img"
# cp_img BASE NAME: a fresh copy to corrupt, path in $img
cp_img() { img=$tmp/$2.img; cp "$tmp/$1.img" "$img"; }
# sb_field IMG FIELD: a dumpe2fs -h value
sb_field() { dumpe2fs -h "$1" 2>/dev/null | awk -F: -v f="$2" '$1 == f { gsub(/ /, "", $2); print $2 }'; }
# bg_field IMG GROUP WORDS: the number after WORDS in dumpe2fs's group GROUP
bg_field() {
	dumpe2fs "$1" 2>/dev/null | awk -v g="Group $2:" -v w="$3" '
		index($0, g) == 1 { f = 1; next } /^Group / { f = 0 }
		f { i = index($0, w); if (i) { s = substr($0, i + length(w)); sub(/^[ :]+/, "", s); sub(/[^0-9].*/, "", s); print s; exit } }'
}

cp_img ext4 r_blocks; fs_dbg "$img" "ssv r_blocks_count 15000"
fs_corrupt "reserved blocks > half" SUPER_RESERVED_BLOCKS "$img"
cp_img ext4 sb_csum; printf '\022\064' | dd of="$img" bs=1 seek=$((1024 + 1020)) conv=notrunc 2>/dev/null
fs_corrupt "superblock checksum" SUPER_CSUM "$img"
# a backup's s_blocks_count (ext4_1k: group 1's backup at block 8193)
cp_img ext4_1k backup; printf '\001' | dd of="$img" bs=1 seek=$((8193 * 1024 + 4)) conv=notrunc 2>/dev/null
fs_corrupt "backup superblock differs (a warning)" BACKUP_SUPER_DIFFERS "$img"
cp_img ext4 feature_conflict; fs_dbg "$img" "feature uninit_bg"
fs_corrupt "metadata_csum with uninit_bg" SUPER_FEATURE_CONFLICT "$img"

cp_img ext2 bb_range; fs_dbg "$img" "set_bg 1 block_bitmap 300"
fs_corrupt "block bitmap outside its group" GROUP_BLOCK_BITMAP_RANGE "$img"
cp_img ext2 ib_range; fs_dbg "$img" "set_bg 1 inode_bitmap 300"
fs_corrupt "inode bitmap outside its group" GROUP_INODE_BITMAP_RANGE "$img"
cp_img ext2 it_range; fs_dbg "$img" "set_bg 2 inode_table 9000"
fs_corrupt "inode table outside its group" GROUP_INODE_TABLE_RANGE "$img"
cp_img ext4 overlap; fs_dbg "$img" "set_bg 0 inode_bitmap $(bg_field "$img" 0 "Block bitmap at")"
fs_corrupt "inode bitmap on the block bitmap" GROUP_METADATA_OVERLAP "$img"
cp_img ext2 uninit_nocsum; fs_dbg "$img" "set_bg 1 flags 1"
fs_corrupt_fy "uninit flag without checksums" GROUP_UNINIT_NO_CSUM "$img"
cp_img ext2 itable_unused_nocsum; fs_dbg "$img" "set_bg 1 itable_unused 5"
fs_corrupt_fy "unused inode table count without checksums" GROUP_UNINIT_NO_CSUM "$img"
cp_img ext4_1k last_uninit; fs_dbg "$img" "set_bg 7 flags 3"
fs_corrupt "last group BLOCK_UNINIT" GROUP_LAST_BLOCK_UNINIT "$img"
cp_img ext4_1k itable_unused; fs_dbg "$img" "set_bg 1 itable_unused 60000"
fs_corrupt "itable_unused too large" GROUP_ITABLE_UNUSED "$img"
cp_img ext4_1k free_range; fs_dbg "$img" "set_bg 1 free_inodes_count 60000"
fs_corrupt "group free inodes > inodes per group" GROUP_FREE_RANGE "$img"
cp_img ext4 desc_csum; fs_dbg "$img" "set_bg 0 checksum 0x1234"
fs_corrupt_fy "group descriptor checksum" GROUP_DESC_CSUM "$img"

# pass 6
cp_img ext4 used_free; fs_dbg "$img" "freeb $(debugfs -R 'bmap /sizes/bin_300k 0' "$img" 2>/dev/null)"
fs_corrupt "a file's block marked free" BLOCK_USED_MARKED_FREE "$img"
cp_img ext4 free_used; fs_dbg "$img" "setb 15000"
fs_corrupt "a free block marked used" BLOCK_FREE_MARKED_USED "$img"
cp_img ext4 ino_used_free; fs_dbg "$img" "freei <12>"
fs_corrupt "an in-use inode marked free" INODE_USED_MARKED_FREE "$img"
cp_img ext4 ino_free_used; fs_dbg "$img" "seti <$(($(sb_field "$img" "Inode count") - 2))>"
fs_corrupt "a free inode marked used" INODE_FREE_MARKED_USED "$img"
cp_img ext4 bb_csum; fs_dbg "$img" "set_bg 0 block_bitmap_csum 0x1234"
fs_corrupt "block bitmap checksum" BLOCK_BITMAP_CSUM "$img"
cp_img ext4 ib_csum; fs_dbg "$img" "set_bg 0 inode_bitmap_csum 0x1234"
fs_corrupt "inode bitmap checksum" INODE_BITMAP_CSUM "$img"
cp_img ext4 g_free_blocks; fs_dbg "$img" "set_bg 0 free_blocks_count $(($(bg_field "$img" 0 "free blocks,") - 0 + 1))"
fs_corrupt "group free blocks count" GROUP_FREE_BLOCKS_WRONG "$img"
cp_img ext4 g_free_inodes; fs_dbg "$img" "set_bg 0 free_inodes_count 100"
fs_corrupt "group free inodes count" GROUP_FREE_INODES_WRONG "$img"
cp_img ext4 g_dirs; fs_dbg "$img" "set_bg 0 used_dirs_count 1"
fs_corrupt "group directories count" GROUP_DIRS_WRONG "$img"
cp_img ext4 s_free_blocks; fs_dbg "$img" "ssv free_blocks_count $(($(sb_field "$img" "Free blocks") - 5))"
fs_corrupt "superblock free blocks count (a warning)" SUPER_FREE_BLOCKS_WRONG "$img"
cp_img ext4 s_free_inodes; fs_dbg "$img" "ssv free_inodes_count $(($(sb_field "$img" "Free inodes") - 5))"
fs_corrupt "superblock free inodes count (a warning)" SUPER_FREE_INODES_WRONG "$img"
done_testing
