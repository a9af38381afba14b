#!/bin/sh
# Field and flag rules of e2fsck's catalogue against the features (issue
# 15; libfsimg/check/pass_rules.c): special inodes' size and flags, imagic,
# casefold and htree flags, bigalloc block maps, encrypt without a context,
# reserved inodes holding data without their feature, the Hurd's i_frag,
# journal fields without has_journal, feature flags on revision 0, the MMP
# block, the orphan file's feature flags.
# Images by mke2fs -d, damaged with debugfs; oracle e2fsck -fn (an error
# where it exits 4, a warning where it lets the problem pass; e2fsck -fy on
# a copy for the immutable flag on special inodes, an error it lets pass).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs
fs_tmp
fs_small_src

# base NAME SIZE MKE2FS-OPTIONS...: a clean image of $src; both checkers clean.
base() {
	_n=$1 _s=$2; shift 2
	mke2fs -q "$@" -d "$src" "$tmp/$_n.img" "$_s" >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $* failed"; exit 99; }
	_e=$(fs_e2fsck "$tmp/$_n.img") _r=$(fs_fsimg "$tmp/$_n.img")
	[ "$_e" = clean ] && [ "$_r" = clean ]
	ok $? "clean $*: e2fsck -fn $_e, fsimg $_r"
}
# damage BASE NAME DEBUGFS-CMD...: $img, a copy of BASE changed by debugfs
damage() {
	img=$tmp/$2.img
	cp "$tmp/$1.img" "$img"
	_b=$1; shift 2
	fs_dbg "$img" "$@"
}
# warns NAME ID: e2fsck -fn exits 0 (it asks, is told no, lets it pass), fsimg warns ID
warns() {
	_e=$(fs_e2fsck "$img") _r=$(fs_fsimg "$img")
	[ "$_e" = clean ] && [ "$_r" = clean ] && grep -q "^warning: $2: " "$img.out"
	_st=$?; [ $_st = 0 ] || sed 's/^/#   fsimg: /' "$img.out" | head -5
	ok $_st "$1: warning $2; e2fsck -fn $_e, fsimg $_r"
}

same_clean() {
	_e=$(fs_e2fsck "$img") _r=$(fs_fsimg "$img")
	[ "$_e" = clean ] && [ "$_r" = clean ]
	ok $? "$1: e2fsck -fn $_e, fsimg $_r"
}

base ext4 8M -t ext4
base ext2 8M -t ext2
base nofiletype 8M -t ext2 -O ^filetype
base rev0 8M -t ext2 -r 0
base nodx 8M -t ext4 -O ^dir_index
base enc 8M -t ext4 -O encrypt
base orph 8M -t ext4 -O orphan_file
base big 32M -t ext4 -O bigalloc -C 16384

damage ext4 size "mknod pipe p" "sif pipe mode 010644" "sif pipe size 10"
fs_corrupt "a fifo of size 10" INODE_SPECIAL_SIZE "$img"
# The immutable and append-only flags on special inodes and symlinks: e2fsck
# -n lets them pass (PR_NO_OK), -fy clears them: the oracle is -fy.
damage ext4 immutable "mknod pipe p" "sif pipe mode 010644" "sif pipe flags 0x10"
fs_corrupt_fy "an immutable fifo" INODE_SPECIAL_IMMUTABLE "$img"
damage ext4 append_link "symlink sl /a" "sif sl flags 0x20"
fs_corrupt_fy "an append-only fast symlink" INODE_SPECIAL_IMMUTABLE "$img"
# e2fsck's check_blocks runs on reserved inodes below s_first_ino too: handle_htree
# asks of INDEX_FL whatever their mode (the resize inode, a free reserved inode)
damage ext4 index_resize "sif <7> flags 0x1000"
fs_corrupt "INDEX_FL on the resize inode" INODE_INDEX_NONDIR "$img"
damage ext4 index_reserved5 "sif <5> flags 0x1000"
fs_corrupt "INDEX_FL on free reserved inode 5" INODE_INDEX_NONDIR "$img"
damage ext4 index_badblocks "sif <1> flags 0x1000"
same_clean "INDEX_FL on the bad blocks inode (no check_blocks)"
# a reserved inode's xattr block outside the filesystem: e2fsck marks the inode
# bad (judged where a directory names it: never) and holds i_blocks against
# its blocks still (debugfs' blocks_hi 0xffffffff sets file_acl_high too)
oi=$(dumpe2fs -h "$tmp/orph.img" 2>/dev/null | sed -n 's/^Orphan file inode: *//p')
damage orph acl_hi_iblocks "sif <$oi> blocks_hi 0xffffffff"
fs_corrupt "the orphan file's i_blocks_hi and file_acl_high set" INODE_BAD_IBLOCKS "$img"
damage orph acl_hi "sif <$oi> file_acl_hi 1"
same_clean "the orphan file's file_acl_high alone"
# without 64bit, i_file_acl_high is judged in pass 2 where a directory names
# the inode: the resize inode's is left alone
damage ext2 acl_hi_resize "sif <7> file_acl_hi 0xffff"
same_clean "the resize inode's file_acl_high without 64bit"
# e2fsck's pass 2 holds every entry, '.' and '..' too, against the quota and
# orphan file fields whatever the features: one naming the root makes them bad
damage ext4 orphan_inum_root "ssv orphan_file_inum 2"
fs_corrupt "s_orphan_file_inum naming the root without orphan_file" DIRENT_BAD_INODE "$img"
damage ext4 imagic "sif /a flags 0x82000"
fs_corrupt "imagic without imagic_inodes" INODE_IMAGIC "$img"
damage ext4 cf_file "sif /a flags 0x40080000"
fs_corrupt "a casefolded regular file" INODE_CASEFOLD_NONDIR "$img"
damage ext4 cf_dir "sif /d flags 0x40080000"
fs_corrupt "a casefolded directory without casefold" INODE_CASEFOLD_NO_FEATURE "$img"
damage ext4 idx_file "sif /a flags 0x81000"
fs_corrupt "INDEX_FL on a regular file" INODE_INDEX_NONDIR "$img"
damage nodx idx_dir "sif /d flags 0x81000"
fs_corrupt "INDEX_FL without dir_index" INODE_INDEX_NO_FEATURE "$img"
damage big blockmap "sif /a flags 0"
fs_corrupt "a block-mapped file on bigalloc" INODE_BIGALLOC_BLOCKMAP "$img"
damage enc no_ctx "sif /a flags 0x80800"
fs_corrupt "encrypt flag without a context" INODE_ENCRYPT_NO_CONTEXT "$img"
damage ext2 journal8 "sif <8> links_count 1"
fs_corrupt "inode 8 in use without a journal" RESERVED_INODE_NOT_CLEAR "$img"
damage ext2 quota3 "sif <3> links_count 1"
fs_corrupt "inode 3 in use without quota" RESERVED_INODE_NOT_CLEAR "$img"
damage orph orphan_off "feature ^orphan_file"
fs_corrupt "the orphan file left behind without orphan_file" RESERVED_INODE_NOT_CLEAR "$img"
damage nofiletype frag "ssv creator_os 1" "sif /a frag 3"
fs_corrupt "the Hurd's i_frag" INODE_FIELD_NONZERO "$img"
! grep -q "i_blocks_hi" "$img.out"
ok $? "on the Hurd those bytes are not l_i_blocks_hi"
damage ext2 recover "feature needs_recovery"
fs_corrupt "needs_recovery without a journal" SUPER_RECOVER_NO_JOURNAL "$img"
damage ext4 journal_off "feature ^has_journal"
# e2fsck -n lets it pass, -fy clears it (the project's truth: a repair)
fs_corrupt_fy "a journal inode without has_journal" SUPER_JOURNAL_NO_FEATURE "$img"
damage rev0 rev0_features "feature sparse_super"
warns "revision 0 with a feature" SUPER_REV0_FEATURES
damage ext2 hurd "ssv creator_os 1"
warns "the Hurd with filetype" SUPER_HURD_FILETYPE
# i_block, the bad blocks inode, sizes past 2 GiB, the orphan list's links.
base nolargefile 8M -t ext2 -O ^large_file
damage ext4 no_extents_fl "sif /b flags 0"
fs_corrupt "an extent tree without EXTENTS_FL" INODE_EXTENTS_NO_FLAG "$img"
damage ext4 bad_inode "sif <1> mode 0100644"
fs_corrupt "the bad blocks inode with a mode" BAD_BLOCKS_INODE_INVALID "$img"
damage ext4 bad_inode_uid "sif <1> uid 5"
fs_corrupt "the bad blocks inode with an owner" BAD_BLOCKS_INODE_INVALID "$img"
damage nolargefile large "sif /b size 0x90000000"
fs_corrupt "a 2.25 GiB file without large_file" INODE_LARGE_NO_FEATURE "$img"
# An orphan list naming a reserved inode or one past s_inodes_count: e2fsck
# -n does not release orphans and exits 0, -fy says "Illegal orphaned
# inode" (a repair by the project's truth); with errors in s_state both it
# and the kernel drop the list unread.
damage ext4 orphan_head5 "ssv last_orphan 5"
fs_corrupt_fy "s_last_orphan 5" ORPHAN_LIST_BAD_INODE "$img"
damage ext4 orphan_head_big "ssv last_orphan 999999"
fs_corrupt_fy "s_last_orphan past s_inodes_count" ORPHAN_LIST_BAD_INODE "$img"
damage ext4 orphan_link3 "ssv last_orphan 12" "sif <12> dtime 3"
fs_corrupt_fy "an orphan whose i_dtime names inode 3" ORPHAN_LIST_BAD_INODE "$img"
damage ext4 orphan_head5_errors "ssv last_orphan 5" "ssv state 3"
_e=$(fs_e2fsck_fy "$img") _r=$(fs_fsimg "$img")
[ "$_e" = clean ] && [ "$_r" = clean ] && ! fs_has "$img" ORPHAN_LIST_BAD_INODE
ok $? "s_last_orphan 5 on a filesystem with errors: e2fsck -fy $_e, fsimg $_r, not reported"

# Inline directories: i_size against i_block + system.data, and the data's size.
base inline 8M -t ext4 -O inline_data
damage inline inline_isize "sif /d size 62"
fs_corrupt "an inline directory's i_size past its data" INODE_BAD_SIZE "$img"
damage inline inline_dsize "ea_set /d system.data ab" "sif /d size 62"
fs_corrupt "an inline directory of 62 bytes" INLINE_DIR_SIZE "$img"

# xattr blocks: h_refcount against the inodes naming the block; name index 0.
awk 'BEGIN { for (i = 0; i < 300; i++) printf "v" }' > "$tmp/big"
base xattr 8M -t ext4 -O ^metadata_csum
fs_dbg "$tmp/xattr.img" "ea_set -f $tmp/big /a user.big"
xblk=$(debugfs -R "stat /a" "$tmp/xattr.img" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
img=$tmp/xattr.img
same_clean "a file with an xattr block"
damage xattr xattr_rc2 "zap_block -o 4 -l 1 -p 2 $xblk"
fs_corrupt "h_refcount 2, one inode" XATTR_REFCOUNT "$img"
damage xattr xattr_shared "sif /b file_acl $xblk" "sif /b blocks 30"
fs_corrupt "h_refcount 1, two inodes" XATTR_REFCOUNT "$img"
damage xattr xattr_index0 "ea_set -f $tmp/big /b c"
fs_corrupt "a block entry of name index 0" XATTR_BLOCK_BAD "$img"

# Extent trees: an index's logical start against its child's first extent
# (a depth-1 tree from a file of 11 blocks with holes between), and bigalloc's
# cluster alignment (ee_start_lo, i_block word 5, moved one block on).
mkdir -p "$tmp/fsrc"
for i in 0 2 4 6 8 10 12 14 16 18 20; do
	printf 'data%04d' $i | dd of="$tmp/fsrc/frag" bs=1024 seek=$i conv=notrunc 2>/dev/null
done
mke2fs -q -t ext4 -O ^metadata_csum -d "$tmp/fsrc" "$tmp/tree.img" 8M >/dev/null 2>&1
leaf=$(debugfs -R "ex /frag" "$tmp/tree.img" 2>/dev/null | awk 'NR == 2 { print $8 }')
damage tree index_start "zap_block -o 12 -l 1 -p 1 $leaf"
fs_corrupt "a leaf starting past its index's logical block" EXTENT_TREE_CORRUPT "$img"
grep -q "starts at logical block 1, but the index in i_block says 0" "$img.out"
ok $? "the index's and the leaf's logical starts named"
bstart=$(debugfs -R "ex /b" "$tmp/big.img" 2>/dev/null | awk 'NR == 2 { print $8 }')
damage big misaligned "sif /b block[5] $((bstart + 1))"
fs_corrupt "bigalloc: logical block 0 at offset 1 of its cluster" EXTENT_CLUSTER_MISALIGNED "$img"

# The resize inode's layout: e2fsck -n tells and exits 0, -fy recreates
# the inode ("Resize inode not valid.  Recreate? yes"), a repair: an error
# by the corpus' rule (camp2's campaign on a resized base: a double
# indirect entry moved to another reserved GDT block, or an indirect entry
# naming another group's backup, without changing i_blocks).
base resize 64M -t ext4 -b 1024
dind=$(debugfs -R "stat <7>" "$tmp/resize.img" 2>/dev/null | sed -n 's/.*(DIND):\([0-9]*\).*/\1/p')
damage resize resize_nolink "sif <7> links_count 0"
fs_corrupt_fy "a resize inode without a link" RESIZE_INODE_INVALID "$img"
damage resize resize_dind "zap_block -o 8 -l 4 -p 0 $dind"
fs_corrupt "a double indirect block not naming the reserved GDT" INODE_BAD_IBLOCKS "$img"
grep -q "^RESIZE_INODE_INVALID: .*does not name a reserved GDT block" "$img.out"
ok $? "RESIZE_INODE_INVALID names the broken link"
# dind[1] made dind[2] (two entries name one reserved GDT block; i_blocks unchanged)
d2=$(od -An -tu4 -j $((dind * 1024 + 8)) -N4 "$tmp/resize.img" | tr -d ' ')
damage resize resize_moved
printf "\\$(printf %o $((d2 & 255)))\\$(printf %o $((d2 >> 8 & 255)))\\$(printf %o $((d2 >> 16 & 255)))\\$(printf %o $((d2 >> 24)))" |
	dd of="$img" bs=1 seek=$((dind * 1024 + 4)) conv=notrunc 2>/dev/null
fs_corrupt_fy "a double indirect entry naming the next reserved GDT block" RESIZE_INODE_INVALID "$img"

# A csum v3 journal superblock whose s_sequence changed under its checksum.
damage ext4 journal_v3 "jo -c" "jc"
img=$tmp/journal_v3.img
same_clean "a journal with csum v3 (debugfs jo -c)"
damage journal_v3 journal_sb_csum "zap_block -f <8> -o 27 -l 1 -p 255 0"
fs_corrupt "a journal superblock failing its checksum" JOURNAL_BAD "$img"

# A v1 journal superblock (h_blocktype 3) over a v2 one's features and users.
damage ext4 journal_v1 "zap_block -f <8> -o 7 -l 1 -p 3 0"
# (e2fsck -n lets it pass, -fy clears the fields: a repair)
fs_corrupt_fy "a v1 journal superblock with v2 fields" JOURNAL_V1_V2_FIELDS "$img"
# s_maxlen 1 (s_first outside: the journal cannot be opened) and s_nr_users 2:
# e2fsck_journal_load judges the users first and clears the v2 fields
damage ext4 journal_maxlen_users "zap_block -f <8> -o 16 -l 3 -p 0 0" "zap_block -f <8> -o 19 -l 1 -p 1 0" \
	"zap_block -f <8> -o 67 -l 1 -p 2 0"
fs_corrupt_fy "a journal of s_maxlen 1 naming 2 users" JOURNAL_NR_USERS "$img"

# Multi-mount protection (pass_mmp.c): the block is the filesystem's; e2fsck
# -n stops (exit 12) on a bad one, fsimg reports it and goes on.
base mmp 8M -t ext4 -O mmp
base mmp_nocsum 8M -t ext4 -O mmp,^metadata_csum
base mmp_4k 16M -t ext4 -b 4096 -O mmp
mmp_blk=$(dumpe2fs -h "$tmp/mmp.img" 2>/dev/null | sed -n 's/^MMP block number: *//p')
damage mmp mmp_magic "zap_block -o 0 -l 1 -p 1 $mmp_blk"
fs_corrupt "an MMP block without its magic" MMP_BAD "$img"
damage mmp mmp_csum "zap_block -o 100 -l 1 -p 1 $mmp_blk"
fs_corrupt "an MMP block with a stale checksum" MMP_BAD "$img"
# the sequence (e2fsck_check_mmp): an fsck's, or one above EXT4_MMP_SEQ_MAX,
# makes e2fsck stop (exit 8). Written by dd without metadata_csum (debugfs
# -w puts EXT4_MMP_SEQ_CLEAN back when it closes); one in use is no error.
nb=$(dumpe2fs -h "$tmp/mmp_nocsum.img" 2>/dev/null | sed -n 's/^MMP block number: *//p')
bs=$(dumpe2fs -h "$tmp/mmp_nocsum.img" 2>/dev/null | sed -n 's/^Block size: *//p')
mmp_seq() { # mmp_seq NAME BYTES (the little-endian sequence, octal escapes)
	img=$tmp/$1.img
	cp "$tmp/mmp_nocsum.img" "$img"
	printf "$2" | dd of="$img" bs=1 seek=$((nb * bs + 4)) conv=notrunc 2>/dev/null
}
mmp_seq mmp_seq_fsck '\120\115\115\342'
fs_corrupt "an MMP block of a running fsck" MMP_SEQ_BUSY "$img"
mmp_seq mmp_seq_unknown '\121\115\115\342'
fs_corrupt "an MMP block with an unknown sequence" MMP_SEQ_BUSY "$img"
mmp_seq mmp_seq_max '\117\115\115\342'
same_clean "an MMP block last written by a mount (sequence EXT4_MMP_SEQ_MAX)"
damage mmp mmp_range "ssv mmp_block 9999999"
fs_corrupt "s_mmp_block past the end" MMP_BLOCK_INVALID "$img"

# The orphan file's feature rules (pass_orphan.c).
damage orph orphan_present "feature orphan_present"
fs_corrupt "orphan_present over an empty orphan file" ORPHAN_FILE_BAD "$img"
damage ext4 present_no_file "feature orphan_present"
fs_corrupt "orphan_present without orphan_file" ORPHAN_FILE_BAD "$img"
damage orph orphan_nojournal "feature ^has_journal"
fs_corrupt "the orphan file without a journal" ORPHAN_FILE_BAD "$img"
damage orph orphan_size "sif <12> size 1000"
fs_corrupt "an orphan file of 1000 bytes" ORPHAN_FILE_BAD "$img"
# Entries naming reserved inodes (without metadata_csum: written by dd).
# The kernel skips them; e2fsck -fy releases each as an orphan: the journal
# inode (links 1, extents) truncated to its size, nothing changed; the
# resize inode (block-mapped) loses its all-zero reserved GDT blocks; a free
# reserved inode (5: links 0) cleared, which pass 5 repairs; one past
# s_inodes_count cannot be read.
base orph_nocsum 8M -t ext4 -O orphan_file,^metadata_csum
ob=$(debugfs -R "bmap <12> 0" "$tmp/orph_nocsum.img" 2>/dev/null)
orph_entry() { # orph_entry NAME BYTES: the first entry of the orphan file, orphan_present
	img=$tmp/$1.img
	cp "$tmp/orph_nocsum.img" "$img"
	printf "$2" | dd of="$img" bs=1 seek=$((ob * 1024)) conv=notrunc 2>/dev/null
	fs_dbg "$img" "feature orphan_present"
}
orph_entry orph_journal '\010\000\000\000'
_e=$(fs_e2fsck_fy "$img") _r=$(fs_fsimg "$img")
[ "$_e" = clean ] && [ "$_r" = clean ] && fs_has "$img" ORPHAN_FILE_RESERVED
ok $? "an orphan file entry naming the journal inode: ORPHAN_FILE_RESERVED; e2fsck -fy $_e, fsimg $_r"
orph_entry orph_resize '\007\000\000\000'
fs_corrupt_fy "an orphan file entry naming the resize inode (block-mapped: e2fsck frees its zero indirect blocks)" ORPHAN_FILE_BAD "$img"
orph_entry orph_free_reserved '\005\000\000\000'
fs_corrupt_fy "an orphan file entry naming free reserved inode 5" ORPHAN_FILE_BAD "$img"
orph_entry orph_past_end '\377\377\000\000'
fs_corrupt_fy "an orphan file entry past s_inodes_count" ORPHAN_FILE_BAD "$img"
done_testing
