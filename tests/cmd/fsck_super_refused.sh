#!/bin/sh
# Superblock rules e2fsck treats as fatal for the superblock (issue 15):
# a cluster size other than the block size without bigalloc (e2fsck's
# PR_0_NO_FRAGMENTS), blocks_per_group against the clusters, first_data_block,
# inodes_per_group, first_meta_bg. Only the primary is damaged (a byte
# written by dd), so a backup exists: e2fsck says "trying backup blocks"
# (or stops: exit 8), fsimg reads the backup and reports
# SUPER_PRIMARY_CORRUPT with the rule broken (exit 4). Both are "corrupt".
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs e2fsck dd
fs_tmp
fs_small_src

# poke IMG OFFSET VALUE: a little-endian 32-bit field of the primary superblock
poke() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $(($3 >> 8 & 255)) \
		$(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek=$((1024 + $2)) conv=notrunc 2>/dev/null
}
# refused NAME BASE OFFSET VALUE RULE: fsimg reads the backup and names RULE; e2fsck finds it corrupt
refused() {
	img=$tmp/$1.img
	cp "$tmp/$2.img" "$img"
	poke "$img" "$3" "$4"
	e2fsck -fn "$img" >"$img.e2fsck" 2>&1
	_rc=$?
	_r=$(fs_fsimg "$img")
	{ [ $_rc -ge 4 ] || grep -q 'trying backup blocks' "$img.e2fsck"; } && [ "$_r" = error ] &&
		grep -q "^SUPER_PRIMARY_CORRUPT: .*bad superblock: $5.*the backup at block 8193 was used" "$img.out"
	_st=$?; [ $_st = 0 ] || sed 's/^/#   /' "$img.out" "$img.e2fsck" | head -8
	ok $_st "$1: e2fsck exit $_rc, fsimg $_r with SUPER_PRIMARY_CORRUPT ($5)"
}

for v in plain:^metadata_csum meta:^metadata_csum,meta_bg,^resize_inode; do
	mke2fs -q -t ext4 -b 1024 -O "${v#*:}" -d "$src" "$tmp/${v%%:*}.img" 32M >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs failed"; exit 99; }
done
refused log_cluster_size plain 28 2 "log_cluster_size 2 != log_block_size 0"
refused blocks_per_group plain 32 4096 "blocks_per_group 4096"
refused first_data_block plain 20 0 "first_data_block 0 with 1024-byte blocks"
refused inodes_per_group plain 40 4294967 "inodes_per_group 4294967"
refused first_meta_bg meta 260 50 "first_meta_bg 50"
done_testing
