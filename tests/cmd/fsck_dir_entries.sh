#!/bin/sh
# fsck pass 5: directory entries and blocks ('.', '..', names, inode numbers,
# rec_len, holes, leaf checksums, inline '..'), each against e2fsck -fn.
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 14
fsck_dir_base n ext4_nocsum
# /nd block 0: "." at 0, ".." at 12, "abc" at 24 (name at 32), "abd" at 36 (name at 44)
nd="mkdir /nd"
abc="cd /nd
write /dev/null abc
write /dev/null abd
cd /"
fsck_dir_case n "first entry not '.'" "DIR_NO_DOT" "$nd" "zap_block -f /nd -o 8 -l 1 -p 120 0"
fsck_dir_case n "second entry not '..'" "DIR_NO_DOTDOT" "$nd" "zap_block -f /nd -o 21 -l 1 -p 120 0"
fsck_dir_case n "name with '/'" "DIRENT_BAD_NAME" "$nd" "$abc" "zap_block -f /nd -o 33 -l 1 -p 47 0"
fsck_dir_case n "entry names a reserved inode" "DIRENT_BAD_INODE INODE_UNATTACHED" "$nd" "$abc" \
	"zap_block -f /nd -o 24 -l 4 -p 0 0" "zap_block -f /nd -o 24 -l 1 -p 5 0"
fsck_dir_case n "entry inode out of range" "DIRENT_BAD_INODE" "$nd" "$abc" \
	"zap_block -f /nd -o 27 -l 1 -p 255 0"
fsck_dir_case n "rec_len 0" "DIRENT_CORRUPT" "$nd" "$abc" "zap_block -f /nd -o 28 -l 2 -p 0 0"
fsck_dir_case n "second '.'" "DIRENT_BAD_NAME" "$nd" "$abc" \
	"zap_block -f /nd -o 24 -l 1 -p 1 0" "zap_block -f /nd -o 30 -l 1 -p 1 0" \
	"zap_block -f /nd -o 32 -l 1 -p 46 0"
fsck_dir_case n "duplicate name" "DIRENT_DUP_NAME" "$nd" "$abc" "zap_block -f /nd -o 46 -l 1 -p 99 0"
fsck_dir_case n "hole inside a directory" "DIR_HOLE" "$nd" "expand_dir /nd" "expand_dir /nd" \
	"punch /nd 1 1"
fsck_dir_base c ext4
fsck_dir_clean c
fsck_dir_case c "leaf checksum" "DIRBLOCK_BAD_CSUM" "$nd" "$abc" "zap_block -f /nd -o 34 -l 1 -p 100 0"
fsck_dir_case c "no dirent tail" "DIRBLOCK_NO_CSUM" "$nd" "zap_block -f /nd -o 4091 -l 1 -p 0 0"
fsck_dir_base i ext4_inline
fsck_dir_clean i
fsck_dir_case i "inline '..' out of range" "DIR_NO_DOTDOT INODE_LINK_COUNT" \
	"sif /empty block[0] 99999999"
done_testing
