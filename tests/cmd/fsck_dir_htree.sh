#!/bin/sh
# fsck pass 5: htree directories (dx root, nodes, hash order, leaf ranges,
# block references, dx checksums) on indexed /htree, against e2fsck -fn.
# Root entries sit at offset 32 + 8 i (hash, then block); the root info's
# hash_version at 28. Hashes are fixed by mkimg.sh's hash seed.
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 6
fsck_dir_base n ext4_nocsum 1000
fsck_dir_clean n
# entry 2's hash lowered below entry 1's / just above it
fsck_dir_case n "dx hash order" "DX_HASH_ORDER" "zap_block -f /htree -o 51 -l 1 -p 1 0"
fsck_dir_case n "leaf names past its range" "DX_LEAF_HASH" "zap_block -f /htree -o 51 -l 1 -p 6 0"
fsck_dir_case n "hash version 9" "DX_ROOT_BAD" "zap_block -f /htree -o 28 -l 1 -p 9 0"
fsck_dir_case n "info_length 0" "DX_ROOT_BAD" "zap_block -f /htree -o 29 -l 1 -p 0 0"
fsck_dir_case n "dx entry block outside" "DX_BAD_BLOCK" "zap_block -f /htree -o 46 -l 1 -p 64 0"
done_testing
