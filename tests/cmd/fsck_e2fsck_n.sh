#!/bin/sh
# Conditions e2fsck -fn lets pass (exit 0) although it would touch them
# when repairing, found by the differential runs of issue 15
# (tests/conformance/unseen.sh, fuzz/differential.sh). Images by mke2fs -d
# and debugfs -w (dd for a byte debugfs cannot set); e2fsck -fn is the oracle.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dd
no_plan
fs_tmp
fs_small_src
# same_by ORACLE_FN ORACLE_NAME IMG LABEL VERDICT ID...: fsimg and the
# oracle both say VERDICT and fsimg reports the IDs
same_by() {
	_fn=$1 _on=$2 _img=$3 _label=$4 _want=$5; shift 5
	_e=$($_fn "$_img"); _f=$(fs_fsimg "$_img")
	_st=0
	[ "$_e" = "$_want" ] && [ "$_f" = "$_want" ] || _st=1
	for _id in "$@"; do fs_has "$_img" "$_id" || _st=1; done
	ok $_st "$_label: $_on $_e, fsimg $_f (want $_want), reports $*"
	[ $_st -eq 0 ] || { sed 's/^/#   fsimg: /' "$_img.out" | head -8; grep -v '^Pass' "$_img.e2fsck" | sed 's/^/#   e2fsck: /' | head -8; }
}
# same IMG LABEL VERDICT ID...: against e2fsck -fn
same() { same_by fs_e2fsck "e2fsck -fn" "$@"; }
# same_fy IMG LABEL VERDICT ID...: against e2fsck -fy on a copy, judged by
# the corpus' rule (fs_e2fsck_fy), for conditions e2fsck -n lets pass but
# -fy repairs
same_fy() { same_by fs_e2fsck_fy "e2fsck -fy" "$@"; }

# A directory entry of type 0 ("unknown") under the filetype feature:
# e2fsck fills the type in silently (PR_2_SET_FILETYPE, PR_NO_OK) and -n
# exits 0; a wrong non-zero type is an error for both.
fs_mk8 ft -t ext4 -O ^metadata_csum,^has_journal
root=$(debugfs -R 'bmap <2> 0' "$tmp/ft.img" 2>/dev/null)
# the root's third entry (lost+found) starts at byte 24; its type at 24 + 7
cp "$tmp/ft.img" "$tmp/ft0.img"; fs_poke "$tmp/ft0.img" $((root * 1024 + 31)) 000
# (-n exits 0; -fy prints "Setting filetype", a repair)
same_fy "$tmp/ft0.img" "filetype 0" error DIRENT_FILETYPE_UNSET
cp "$tmp/ft.img" "$tmp/ft1.img"; fs_poke "$tmp/ft1.img" $((root * 1024 + 31)) 001
same "$tmp/ft1.img" "filetype 1 for a directory" error DIRENT_FILETYPE

# An extent root of depth 1 with eh_entries 0 (a punched file's root
# given back its depth): the kernel refuses the inode, e2fsck reads the
# tree as empty and only offers to shorten it (exit 0 under -n): a warning.
# A tree still holding blocks when emptied leaves them owned by no one: an
# error for both. A file of 8 separate written blocks has a depth-1 tree
# (mke2fs -d makes holes of zero blocks).
awk 'BEGIN { for (i = 0; i < 16; i++) { c = (i % 2) ? "\0" : "x"; for (j = 0; j < 1024; j++) printf "%s", c } }' >"$src/frag"
fs_mk8 ex -t ext4
cp "$tmp/ex.img" "$tmp/ex0.img"
fs_dbg "$tmp/ex0.img" "punch /frag 0" "sif /frag block[1] 0x00010004"
same "$tmp/ex0.img" "extent root of depth 1, no entries" clean EXTENT_ROOT_EMPTY_INDEX
fs_dbg "$tmp/ex0.img" "sif /frag block[1] 0xffff0004"
same_fy "$tmp/ex0.img" "extent root of depth 65535, no entries" error EXTENT_ROOT_EMPTY_INDEX EXTENT_TREE_TOO_DEEP
fs_dbg "$tmp/ex.img" "sif /frag block[0] 0x0000f30a"
same "$tmp/ex.img" "extent root of depth 1 emptied, its blocks left" error EXTENT_ROOT_EMPTY_INDEX BLOCK_FREE_MARKED_USED

# An extent tree of depth 7 (debugfs split_node from the root, six
# times): the kernel stops at 5 levels, e2fsck reads it and only offers to
# make it shallower (exit 0 under -n): read, with a warning.
fs_mk8 deep -t ext4
fs_dbg "$tmp/deep.img" "extent_open /frag" root split_node root split_node root split_node \
	root split_node root split_node root split_node extent_close
debugfs -R 'stat /frag' "$tmp/deep.img" 2>/dev/null | grep -q 'ETB6'
ok $? "deep: debugfs made a tree of depth 7"
# (-n exits 0; -fy: "could be more shallow. Fix? yes", a repair)
same_fy "$tmp/deep.img" "extent tree of depth 7" error EXTENT_TREE_TOO_DEEP
"$FSIMG" cat "$tmp/deep.img" /frag | cmp -s - "$src/frag"
ok $? "deep: cat reads the file through all 7 levels"

# An encrypted directory whose context lives in its xattr block (128-byte
# inodes have no room in the body), as e2fsprogs' f_short_encrypted_dirent:
# e2fsck reads it there and judges the names. debugfs writes the context
# as user.c (it knows no prefix for index 9); one byte makes it index 9
# (the entry hash does not cover the index; no metadata_csum to refresh).
mkdir -p "$src/e"
echo hi >"$src/e/motd"
printf '\001\001\004\000\052\330\331\310\054\330\360\336\037\164\255\073\163\047\306\346\375\067\247\242\361\010\346\052' >"$tmp/ctx"
fs_mk8 enc -t ext4 -I 128 -O encrypt,^metadata_csum,^has_journal
fs_dbg "$tmp/enc.img" "ea_set -f $tmp/ctx e user.c" "sif e flags 0x80800"
cp "$tmp/enc.img" "$tmp/enc_user.img"
acl=$(debugfs -R 'stat e' "$tmp/enc.img" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
fs_poke "$tmp/enc.img" $((acl * 1024 + 33)) 011
same "$tmp/enc.img" "encryption context in the xattr block, short name" error \
	DIRENT_ENCRYPTED_NAME_SHORT DIRENT_UNENCRYPTED
same "$tmp/enc_user.img" "encrypt flag, no context in the xattr block" error INODE_ENCRYPT_NO_CONTEXT

# The journal inode of a filesystem without a journal holding data: e2fsck
# judges i_links_count, i_block[0] and i_blocks' low 32 bits only
# (struct ext2_inode), so i_blocks_hi alone is clean.
fs_mk8 nj -t ext2
cp "$tmp/nj.img" "$tmp/nj_hi.img"
fs_dbg "$tmp/nj_hi.img" "sif <8> blocks_hi 7"
same "$tmp/nj_hi.img" "inode 8 with only i_blocks_hi" clean
fs_dbg "$tmp/nj.img" "sif <8> blocks 2"
same "$tmp/nj.img" "inode 8 with i_blocks" error RESERVED_INODE_NOT_CLEAR

# The resize inode's i_size is past 4 GiB: e2fsck walks it like a file and
# wants large_file for it (PR_2_FEATURE_LARGE_FILES), as for any regular
# inode of 2 GiB or more.
fs_mk8 nolarge -t ext4 -b 4096 -O ^has_journal
debugfs -R 'stat <7>' "$tmp/nolarge.img" 2>/dev/null | grep -q 'Size: [4-9][0-9]\{9\}'
ok $? "nolarge: the resize inode is over 4 GiB"
fs_dbg "$tmp/nolarge.img" "feature -large_file"
same "$tmp/nolarge.img" "resize inode without large_file" error INODE_LARGE_NO_FEATURE

# ext2 (no group checksums): every inode is read, but an entry naming an
# inode of a group flagged INODE_UNINIT, or in its bg_itable_unused tail,
# is an error to e2fsck's pass 2 (PR_2_INOREF_BG_INO_UNINIT, _IN_UNUSED).
fs_mk8 gu -t ext2
cp "$tmp/gu.img" "$tmp/gu_unused.img"
fs_dbg "$tmp/gu.img" "set_bg 0 flags 1"
same "$tmp/gu.img" "ext2, group 0 flagged INODE_UNINIT" error DIRENT_UNUSED_INODE GROUP_UNINIT_NO_CSUM
fs_dbg "$tmp/gu_unused.img" "set_bg 0 itable_unused 2040"
same "$tmp/gu_unused.img" "ext2, group 0's last 2040 inodes marked unused" error DIRENT_UNUSED_INODE

# The journal superblock's s_first out of range (0, or past an s_maxlen that
# shortened the journal): the kernel refuses the journal, e2fsck 1.47.0
# never reads s_first (a warning); s_maxlen past the journal inode's size
# is fatal to both (e2fsck: journal too short).
fs_mk8 jn -t ext3 -J size=1
jsb=$(debugfs -R 'bmap <8> 0' "$tmp/jn.img" 2>/dev/null)
same "$tmp/jn.img" "ext3 with a journal" clean
cp "$tmp/jn.img" "$tmp/jfirst.img"
printf '\000\000\000\000' | dd of="$tmp/jfirst.img" bs=1 seek=$((jsb * 1024 + 20)) conv=notrunc status=none
same "$tmp/jfirst.img" "journal s_first 0" clean JOURNAL_FIRST_BAD
cp "$tmp/jn.img" "$tmp/jmax0.img"
printf '\000\000\000\000' | dd of="$tmp/jmax0.img" bs=1 seek=$((jsb * 1024 + 16)) conv=notrunc status=none
same "$tmp/jmax0.img" "journal s_maxlen 0" clean JOURNAL_FIRST_BAD
# with a checksummed journal superblock (debugfs jo -c) the stale checksum
# is what both refuse, before s_first
fs_mk8 jc -t ext4 -J size=1
fs_dbg "$tmp/jc.img" "jo -c" "jc"
dumpe2fs "$tmp/jc.img" 2>/dev/null | grep -q 'Journal features:.*journal_checksum_v3'
ok $? "jc: debugfs made a journal with checksum v3"
jcsb=$(debugfs -R 'bmap <8> 0' "$tmp/jc.img" 2>/dev/null)
same "$tmp/jc.img" "checksummed journal" clean
printf '\000\000\000\000' | dd of="$tmp/jc.img" bs=1 seek=$((jcsb * 1024 + 20)) conv=notrunc status=none
same "$tmp/jc.img" "checksummed journal, s_first 0, checksum stale" error JOURNAL_BAD
cp "$tmp/jn.img" "$tmp/jlong.img"
printf '\000\001\000\000' | dd of="$tmp/jlong.img" bs=1 seek=$((jsb * 1024 + 16)) conv=notrunc status=none
_e=$(fs_e2fsck "$tmp/jlong.img"); _f=$(fs_fsimg "$tmp/jlong.img")
[ "$_e" = error ] && [ "$_f" = error ] && fs_has "$tmp/jlong.img" JOURNAL_BAD
ok $? "journal s_maxlen past the journal: e2fsck -fn $_e, fsimg $_f, JOURNAL_BAD"

# s_flags' test_fs bit (camp5, debugfs sweep seed 201 on e2hf): e2fsck -n
# leaves it; -fy clears it wherever ext4 is available (check_super_block,
# PR_0_CLEAR_TESTFS_FLAG); the unsigned-hash bit beside it is no finding
fs_mk8 tf -t ext2
cp "$tmp/tf.img" "$tmp/tf2.img"
fs_dbg "$tmp/tf.img" "ssv flags 6"
fs_dbg "$tmp/tf2.img" "ssv flags 2"
same_fy "$tmp/tf.img" "s_flags test_fs and unsigned hash" error SUPER_TEST_FS_FLAG
same_fy "$tmp/tf2.img" "s_flags unsigned hash alone" clean
done_testing
