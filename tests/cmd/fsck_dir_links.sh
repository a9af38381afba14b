#!/bin/sh
# fsck pass 5: names, links and connectivity (unlink, link, link counts,
# entries to unused inodes, type mismatch, directory loops, unconnected
# directories, '..'), each against e2fsck -fn.
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 12
fsck_dir_base n ext4_nocsum
fsck_dir_clean n
fsck_dir_case n "unlink a file" "INODE_UNATTACHED" "unlink /sizes/f1"
fsck_dir_case n "extra link" "INODE_LINK_COUNT" "link /sizes/f1 /names/extra"
fsck_dir_case n "links_count 5" "INODE_LINK_COUNT" "sif /sizes/f1 links_count 5"
fsck_dir_case n "clri a named file" "DIRENT_UNUSED_INODE" "clri /sizes/f59"
fsck_dir_case n "directory made a regular file" "DIRENT_FILETYPE INODE_LINK_COUNT" \
	"set_inode_field /empty mode 0100644"
fsck_dir_case n "directory linked into its child" "DIR_HARDLINK INODE_LINK_COUNT" \
	"link /deep/level1 /deep/level1/level2/loop"
fsck_dir_case n "unlinked directory" "DIR_UNCONNECTED" "unlink /empty"
fsck_dir_case n "'..' names lost+found" "DIR_DOTDOT_MISMATCH INODE_LINK_COUNT" \
	"mkdir /nd" "zap_block -f /nd -o 12 -l 1 -p 11 0"
fsck_dir_case n "root made a regular file" "ROOT_NOT_DIR DIR_UNCONNECTED" \
	"sif <2> mode 0100644"
# (a missing lost+found: e2fsck -n does not look, -fy creates it:
# tests/cmd/fsck_e2fsck_fy.sh)
fsck_dir_base i ext4_inline
fsck_dir_clean i
fsck_dir_case i "inline directory unlinked" "DIR_UNCONNECTED INODE_LINK_COUNT" \
	"unlink /deep/level1/level2/level3/level4"
done_testing
