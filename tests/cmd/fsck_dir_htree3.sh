#!/bin/sh
# fsck pass 5: the dx root's hash version against the directory's flags
# and its incompatible flag (issue 15; e2fsck handle_htree), on indexed
# /htree, against e2fsck -fn. The root info's hash_version is at 28, its
# unused_flags at 31.
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 4
fsck_dir_base n ext4_nocsum 1000
fsck_dir_clean n
fsck_dir_case n "SipHash on a plain directory" "DX_ROOT_CANNOT_SIPHASH" "zap_block -f /htree -o 28 -l 1 -p 6 0"
fsck_dir_case n "the root's incompat flag" "DX_ROOT_INCOMPAT_FLAG" "zap_block -f /htree -o 31 -l 1 -p 1 0"
fsck_dir_case n "encrypt and casefold flags over a half_md4 index" "DX_ROOT_NEEDS_SIPHASH" "sif /htree flags 0x40081800"
done_testing
