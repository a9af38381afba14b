#!/bin/sh
# fsck pass 5: htree directories with two levels (1 KiB blocks) and with
# metadata_csum (dx tail checksums), against e2fsck -fn.
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 3
fsck_dir_base k ext4_1k 1000
fsck_dir_clean k
# two levels: the root's first entry points to a dx node; zero its count
node=$(debugfs -R "htree /htree" "$tmp/k.img" 2>/dev/null | awk '/^Entry #0:/ { print $NF; exit }')
fsck_dir_case k "dx node count 0" "DX_NODE_BAD" "zap_block -f /htree -o 10 -l 2 -p 0 $node"
fsck_dir_base c ext4 1000
# the dx root's tail checksum: limit 507 entries from offset 32, then 4 reserved bytes
fsck_dir_case c "dx root checksum" "DX_BAD_CSUM" "zap_block -f /htree -o 4092 -l 1 -p 85 0"
done_testing
