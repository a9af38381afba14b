#!/bin/sh
# Conditions the differential campaign under --truth fy (fuzz/differential.sh,
# fuzz/verdict.sh) found fsimg judging otherwise than e2fsck, the oracle
# here: e2fsck -fn or -fy on a copy (judged by the corpus' rule). Images by
# mke2fs -d and debugfs -w (dd for a byte debugfs does not set).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs dd
no_plan
fs_tmp
fs_small_src

# The superblock's free blocks count alone wrong: e2fsck -fy's pass 5 fixes
# it ("Free blocks count wrong (N, counted=M). Fix? yes"), -n exits 0;
# fsimg warns (the kernel does not keep it exact). The verdict is the
# corpus' summary_counts_only rule: agree-counts. A group's count wrong is
# an error for both, and not that rule.
fs_mk8 cnt -t ext4 -O ^has_journal
same_clean() { # IMG LABEL
	_e=$(fs_e2fsck_fy "$1"); _f=$(fs_fsimg "$1")
	[ "$_e" = clean ] && [ "$_f" = clean ]
	ok $? "$2: e2fsck -fy $_e, fsimg $_f"
}
same_clean "$tmp/cnt.img" "ext4 base"
cp "$tmp/cnt.img" "$tmp/cnt_sb.img"
free=$(dumpe2fs -h "$tmp/cnt.img" 2>/dev/null | sed -n 's/^Free blocks: *//p')
fs_dbg "$tmp/cnt_sb.img" "ssv free_blocks_count $((free - 1))"
cp "$tmp/cnt_sb.img" "$tmp/e.img"
e2fsck_truth fy "$tmp/e.img" "$tmp/e.out" 60
"$FSIMG" fsck "$tmp/cnt_sb.img" >"$tmp/f.out" 2>&1; f=$?
verdict "$e" "$tmp/e.out" "$f" "$tmp/f.out"
grep -q '^Free blocks count wrong' "$tmp/e.out" && [ "$e" = 4 ] && [ "$f" = 0 ] &&
	grep -q '^warning: SUPER_FREE_BLOCKS_WRONG: ' "$tmp/f.out" && [ "$v" = agree-counts ]
ok $? "superblock free blocks count off by one: e2fsck -fy fixes it, fsimg warns, verdict $v"
cp "$tmp/cnt.img" "$tmp/cnt_bg.img"
gfree=$(dumpe2fs "$tmp/cnt.img" 2>/dev/null | sed -n 's/^ *\([0-9]*\) free blocks, .*/\1/p' | head -1)
fs_dbg "$tmp/cnt_bg.img" "set_bg 0 free_blocks_count $((gfree - 1))" "set_bg 0 checksum calc"
cp "$tmp/cnt_bg.img" "$tmp/e.img"
e2fsck_truth fy "$tmp/e.img" "$tmp/e.out" 60
"$FSIMG" fsck "$tmp/cnt_bg.img" >"$tmp/f.out" 2>&1; f=$?
verdict "$e" "$tmp/e.out" "$f" "$tmp/f.out"
grep -q '^Free blocks count wrong for group #0' "$tmp/e.out" && ! counts_only "$tmp/e.out" &&
	grep -q '^GROUP_FREE_BLOCKS_WRONG: ' "$tmp/f.out" && [ "$v" = agree ]
ok $? "group 0's free blocks count off by one: an error for both, verdict $v"

# A stale superblock checksum on an image needing recovery whose journal
# holds the superblock's block: ext2fs_open2 and the kernel's mount refuse
# the primary before they replay (e2fsck: "trying backup blocks"); a replay
# in memory that rewrites the block does not make it good.
fs_mk8 rec -t ext4
dd if="$tmp/rec.img" of="$tmp/sb.blk" bs=1024 skip=1 count=1 status=none
fs_dbg "$tmp/rec.img" "jo" "jw -b 1 $tmp/sb.blk" "jc"
dumpe2fs -h "$tmp/rec.img" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery.*metadata_csum'
ok $? "rec: debugfs left a log to replay on a metadata_csum filesystem"
[ "$(fs_e2fsck_fy "$tmp/rec.img")" = clean ] && [ "$(fs_fsimg "$tmp/rec.img")" = clean ]
ok $? "rec: e2fsck -fy and fsimg find it clean"
cp "$tmp/rec.img" "$tmp/rec_csum.img"
fs_poke "$tmp/rec_csum.img" $((1024 + 1020)) 125
fs_corrupt_fy "superblock checksum stale, the log rewrites its block" SUPER_CSUM "$tmp/rec_csum.img"
grep -q 'checking the state after journal recovery' "$tmp/rec_csum.img.out"
ok $? "rec_csum: fsimg checked the state after its replay"

# s_log_groups_per_flex past 31 without flex_bg: ext2fs_open2 refuses the
# superblock (and the backups debugfs wrote alike), the kernel ignores the
# field without the feature: fsck reports it and reads on.
fs_mk8 flex -t ext2
fs_dbg "$tmp/flex.img" "ssv log_groups_per_flex 128"
fs_corrupt "ext2, s_log_groups_per_flex 128" SUPER_FIELD_INVALID "$tmp/flex.img"
"$FSIMG" ls "$tmp/flex.img" / | grep -q '^a$\|[[:space:]]a$'
ok $? "flex: ls reads the filesystem"
# A transaction logging a block of the journal itself: jbd2's replay
# (e2fsck's, the kernel's) writes each copy as it reads it. Into free log
# space (the journal's last block) it changes nothing: e2fsck -fy just
# recovers. Into the transaction's own commit block, read after it, the
# replay reads the copy instead and fails ("recovery pass 2 ended").
fs_mk8 jself -t ext4 -J size=1
head -c 1024 /dev/zero | tr '\000' 'j' >"$tmp/jblk"
jlast=$(debugfs -R 'bmap <8> 1023' "$tmp/jself.img" 2>/dev/null)
jcommit=$(debugfs -R 'bmap <8> 3' "$tmp/jself.img" 2>/dev/null)
cp "$tmp/jself.img" "$tmp/jfree.img"
fs_dbg "$tmp/jfree.img" "jo" "jw -b $jlast $tmp/jblk" "jc"
_e=$(fs_e2fsck_fy "$tmp/jfree.img") _f=$(fs_fsimg "$tmp/jfree.img")
[ "$_e" = clean ] && [ "$_f" = clean ] && ! fs_has "$tmp/jfree.img" JOURNAL_LOGS_ITSELF &&
	grep -q ': recovering journal$' "$tmp/jfree.img.e2fsck"
ok $? "a copy into free log space: e2fsck -fy $_e, fsimg $_f, not reported"
cp "$tmp/jself.img" "$tmp/jlive.img"
fs_dbg "$tmp/jlive.img" "jo" "jw -b $jcommit $tmp/jblk" "jc"
fs_corrupt_fy "a copy over its own commit block" JOURNAL_LOGS_ITSELF "$tmp/jlive.img"

# An xattr block outside the filesystem: e2fsck's pass 1 marks the inode
# bad and pass 2 asks when an entry names it, which none does for a
# reserved inode (inode 3 here): clean for e2fsck; a file's is an error.
fs_mk8 acl -t ext3
cp "$tmp/acl.img" "$tmp/acl3.img"
fs_dbg "$tmp/acl3.img" "sif <3> file_acl 15459914"
_e=$(fs_e2fsck "$tmp/acl3.img") _f=$(fs_fsimg "$tmp/acl3.img")
[ "$_e" = clean ] && [ "$_f" = clean ]
ok $? "reserved inode 3 naming xattr block 15459914: e2fsck -fn $_e, fsimg $_f"
fs_dbg "$tmp/acl.img" "sif /a file_acl 15459914"
fs_corrupt "a file naming xattr block 15459914" INODE_BAD_XATTR_BLOCK "$tmp/acl.img"

# i_size of a reserved inode past what a block map addresses: e2fsck's
# pass 1 runs check_blocks on inodes 5-10 (not on the reserved quota
# inodes 3 and 4 of a filesystem without quota) and asks to fix the size.
fs_mk8 rsz -t ext2
for ino in 6 9 3; do
	cp "$tmp/rsz.img" "$tmp/rsz$ino.img"
	fs_dbg "$tmp/rsz$ino.img" "sif <$ino> size 0x10000000000"
done
fs_corrupt "inode 6 of 1 TiB" INODE_BAD_SIZE "$tmp/rsz6.img"
fs_corrupt "inode 9 of 1 TiB" INODE_BAD_SIZE "$tmp/rsz9.img"
_e=$(fs_e2fsck "$tmp/rsz3.img") _f=$(fs_fsimg "$tmp/rsz3.img")
[ "$_e" = clean ] && [ "$_f" = clean ]
ok $? "inode 3 of 1 TiB without quota: e2fsck -fn $_e, fsimg $_f"

# An inline-data file keeps the block-mapped bound on i_size (e2fsck's
# bad_size 4; only directories have the inline rule instead).
fs_mk8 inl -t ext4 -O inline_data
debugfs -R 'stat /a' "$tmp/inl.img" 2>/dev/null | grep -q 'Size of inline data'
ok $? "inl: /a is an inline-data file"
fs_dbg "$tmp/inl.img" "sif /a size 0x8000000000000000"
fs_corrupt "an inline-data file of 2^63 bytes" INODE_BAD_SIZE "$tmp/inl.img"

# An inline symlink (ext2fs_symlink writes a target of 60 bytes or more so
# under inline_data): i_block and the system.data value hold it, and its
# i_size is exactly their sum (e2fsck_pass1_check_symlink; differential
# seed 53 shortened the value by one on inl1k).
fs_mk8 inls -t ext4 -O inline_data -I 256
fs_dbg "$tmp/inls.img" "symlink /lnk $(printf '%0100d' 0)"
debugfs -R 'ea_list /lnk' "$tmp/inls.img" 2>/dev/null | grep -q 'system.data (40)'
ok $? "inls: /lnk is an inline symlink of 60 + 40 bytes"
_e=$(fs_e2fsck "$tmp/inls.img") _f=$(fs_fsimg "$tmp/inls.img")
[ "$_e" = clean ] && [ "$_f" = clean ]
ok $? "inls: e2fsck -fn $_e, fsimg $_f"
fs_dbg "$tmp/inls.img" "sif /lnk size 99"
fs_corrupt "an inline symlink of i_size 99 (60 + 40 held)" INODE_BAD_SYMLINK "$tmp/inls.img"

# The system.data entry's name padded with NULs (e_name_len 8 for "data"):
# libext2fs copies e_name_len bytes and compares them as a C string, so
# e2fsck still finds the inline data (differential seed 54, inlx: a name
# length of 255); the kernel's lookup would not, but e2fsck is the judge.
fs_mk8 inlpad -t ext4 -O inline_data,^metadata_csum -I 256
imap=$(debugfs -R 'imap /a' "$tmp/inlpad.img" 2>/dev/null)
iblk=$(echo "$imap" | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1/p')
ioff=$(echo "$imap" | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\2/p')
extra=$(debugfs -R 'stat /a' "$tmp/inlpad.img" 2>/dev/null | sed -n 's/^Size of extra inode fields: //p')
# e_name_len of the first in-inode entry: after i_extra_isize and the magic
fs_poke "$tmp/inlpad.img" $((iblk * 1024 + ioff + 128 + extra + 4)) 10
debugfs -R 'ea_list /a' "$tmp/inlpad.img" 2>/dev/null | grep -q 'system.data'
ok $? "inlpad: /a's system.data entry has e_name_len 8, debugfs still lists it"
_e=$(fs_e2fsck "$tmp/inlpad.img") _f=$(fs_fsimg "$tmp/inlpad.img")
[ "$_e" = clean ] && [ "$_f" = clean ]
ok $? "inlpad: e2fsck -fn $_e, fsimg $_f"

# An inode not in use whose dtime is below s_inodes_count: e2fsck's pass 1
# takes it for a link of a corrupted orphan list (PR_1_LOW_DTIME, also
# under -n), unless a superblock time is that low too (then it cannot tell).
fs_mk8 lowdt -t ext2
fs_dbg "$tmp/lowdt.img" "sif <20> dtime 5"
cp "$tmp/lowdt.img" "$tmp/lowdt_epoch.img"
fs_corrupt "free inode 20 with dtime 5" INODE_LOW_DTIME "$tmp/lowdt.img"
fs_dbg "$tmp/lowdt_epoch.img" "ssv mkfs_time 100"
_e=$(fs_e2fsck "$tmp/lowdt_epoch.img") _f=$(fs_fsimg "$tmp/lowdt_epoch.img")
[ "$_e" = clean ] && [ "$_f" = clean ]
ok $? "the same with s_mkfs_time 100: e2fsck -fn $_e, fsimg $_f"
# The same dtime on a reserved inode in use (the resize inode, links 1):
# pass 1 looks at every inode's dtime, and a reserved one's in-use check
# never does (differential seed 52, ext2 base).
cp "$tmp/lowdt_epoch.img" "$tmp/lowdt_resize.img"
fs_dbg "$tmp/lowdt_resize.img" "ssv mkfs_time 1700000000" "sif <20> dtime 0" "sif <7> dtime 5"
fs_corrupt "the resize inode (in use) with dtime 5" INODE_LOW_DTIME "$tmp/lowdt_resize.img"

# No /lost+found: e2fsck -n does not look, -fy's pass 3 creates it
# ("/lost+found not found. Create? yes"); a file of that name likewise
# ("/lost+found is not a directory").
fs_mk8 lpf -t ext4
cp "$tmp/lpf.img" "$tmp/lpf_file.img"
fs_dbg "$tmp/lpf.img" "rmdir /lost+found"
fs_corrupt_fy "no lost+found" NO_LOST_FOUND "$tmp/lpf.img"
fs_dbg "$tmp/lpf_file.img" "rmdir /lost+found" "link /a /lost+found" "sif /a links_count 2"
fs_corrupt_fy "lost+found a file" NO_LOST_FOUND "$tmp/lpf_file.img"

# A log to replay under a journal superblock whose s_first the kernel
# refuses: e2fsck never reads s_first and recovers it from s_start (s_first
# 0: clean for -fy, a warning); but with s_maxlen 1 its jread refuses log
# block 1 ("corrupted journal superblock"): the recovery fails.
jsb=$(debugfs -R 'bmap <8> 0' "$tmp/jself.img" 2>/dev/null)
cp "$tmp/jself.img" "$tmp/jfirst0.img"
fs_dbg "$tmp/jfirst0.img" "jo" "jw -b 1000 $tmp/jblk" "jc"
cp "$tmp/jfirst0.img" "$tmp/jmax1.img"
printf '\000\000\000\000' | dd of="$tmp/jfirst0.img" bs=1 seek=$((jsb * 1024 + 20)) conv=notrunc status=none
_e=$(fs_e2fsck_fy "$tmp/jfirst0.img") _f=$(fs_fsimg "$tmp/jfirst0.img")
[ "$_e" = clean ] && [ "$_f" = clean ] && fs_has "$tmp/jfirst0.img" JOURNAL_FIRST_BAD
ok $? "a log under s_first 0: e2fsck -fy $_e, fsimg $_f, JOURNAL_FIRST_BAD"
# s_first past s_start: do_one_pass reads from s_start whatever it is and
# wraps only at the log's end, so the transaction at block 1 replays (the
# campaign, seed 38: fsimg called the log corrupt).
cp "$tmp/jmax1.img" "$tmp/jfirst2.img"
printf '\000\000\000\002' | dd of="$tmp/jfirst2.img" bs=1 seek=$((jsb * 1024 + 20)) conv=notrunc status=none
_e=$(fs_e2fsck_fy "$tmp/jfirst2.img") _f=$(fs_fsimg "$tmp/jfirst2.img")
[ "$_e" = clean ] && [ "$_f" = clean ] && fs_has "$tmp/jfirst2.img" JOURNAL_REPLAYED
ok $? "a log at block 1 under s_first 2: e2fsck -fy $_e, fsimg $_f, replayed"
printf '\000\000\000\001' | dd of="$tmp/jmax1.img" bs=1 seek=$((jsb * 1024 + 16)) conv=notrunc status=none
fs_corrupt_fy "a log at block 1 under s_maxlen 1" JOURNAL_NOT_REPLAYED "$tmp/jmax1.img"
# An extent tree block below the root whose eh_depth is not its level
# (campaign seed 43): the kernel's __ext4_ext_check refuses it, libext2fs
# descends by the root's depth and never compares it, so e2fsck -fy repairs
# nothing; fsimg reads it by its level and warns.
mkdir -p "$tmp/dsrc"
awk 'BEGIN { s = sprintf("%1024s", ""); gsub(/ /, "x", s); printf "%s", s }' >"$tmp/kblk"
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
	dd if="$tmp/kblk" of="$tmp/dsrc/sparse" bs=1024 seek=$((i * 8)) conv=notrunc status=none
done
mke2fs -q -F -b 1024 -t ext4 -O ^metadata_csum,^has_journal -d "$tmp/dsrc" "$tmp/depth.img" 8M >/dev/null 2>&1
leaf=$(debugfs -R 'ex /sparse' "$tmp/depth.img" 2>/dev/null | awk '$1 == "0/" { print $8; exit }')
[ -n "$leaf" ] && [ "$leaf" -gt 0 ]
ok $? "depth: /sparse has an extent tree of depth 1 (leaf block $leaf, debugfs ex)"
printf '\001' | dd of="$tmp/depth.img" bs=1 seek=$((leaf * 1024 + 6)) conv=notrunc status=none
_e=$(fs_e2fsck_fy "$tmp/depth.img") _f=$(fs_fsimg "$tmp/depth.img")
[ "$_e" = clean ] && [ "$_f" = clean ] && fs_has "$tmp/depth.img" EXTENT_DEPTH_MISMATCH
ok $? "a leaf with eh_depth 1: e2fsck -fy $_e, fsimg $_f, EXTENT_DEPTH_MISMATCH"
"$FSIMG" cat "$tmp/depth.img" /sparse | cmp -s - "$tmp/dsrc/sparse"
ok $? "depth: cat reads the leaf by its level (the source's bytes)"

# i_extra_isize 1 (not 4-aligned): e2fsck's pass 1 checks it only on the
# inodes it does not handle apart, so -fy repairs a file's and leaves the
# journal inode's and the orphan file's (camp2 seed 74: the orphan file of
# the "feat" base); the kernel's ext4_iget refuses any, so fsimg warns of
# those (INODE_EXTRA_ISIZE_SPECIAL).
fs_mk8 xi -t ext4 -I 256 -O orphan_file
oi=$(dumpe2fs -h "$tmp/xi.img" 2>/dev/null | sed -n 's/^Orphan file inode: *//p')
# 65535 too: the inode's checksum (debugfs') takes in i_checksum_hi, as
# e2fsprogs' ext2fs_inode_csum does wherever the raw value reaches past it
# (camp4's sweep, "feat": fsimg left it out and reported INODE_CSUM).
for x in 1 65535; do
	for t in "<8>:journal inode" "<$oi>:orphan file" "/a:regular file"; do
		cp "$tmp/xi.img" "$tmp/xi_t.img"
		fs_dbg "$tmp/xi_t.img" "sif ${t%%:*} extra_isize $x"
		_e=$(fs_e2fsck_fy "$tmp/xi_t.img"); _f=$(fs_fsimg "$tmp/xi_t.img")
		case $t in
		/a:*) [ "$_e" = error ] && [ "$_f" = error ] && fs_has "$tmp/xi_t.img" INODE_EXTRA_ISIZE ;;
		*) [ "$_e" = clean ] && [ "$_f" = clean ] && grep -q '^warning: INODE_EXTRA_ISIZE_SPECIAL: ' "$tmp/xi_t.img.out" ;;
		esac
		ok $? "extra_isize $x on the ${t#*:}: e2fsck -fy $_e, fsimg $_f"
	done
done
done_testing
