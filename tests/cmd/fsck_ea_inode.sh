#!/bin/sh
# fsck, ea_inode (issue 15): xattr values held in EA inodes, and what they do
# to their parent inodes. Images by mke2fs -O ea_inode and debugfs -w.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_feat.sh"
ff_init
seq 1 1100 | head -c 5000 > "$FF_DIR/value"
img=$FF_DIR/ea.img

# A fast symlink whose xattr value lives in an EA inode: the value's blocks
# are charged to the symlink's i_blocks, so i_blocks is no test of "fast".
# The kernel (ext4_inode_is_fast_symlink) and e2fsprogs since ae7370a5 (its
# test f_ea_inode_fast_symlink, exit 0) go by i_size on ea_inode filesystems;
# e2fsck 1.47.0 still calls the target illegal blocks, so it is no oracle here.
ff_mkfs "$img" ea_inode
ff_debugfs "$img" "symlink short /a/b/c;ea_set -f $FF_DIR/value short user.big;sif short blocks 8"
out=$("$FSIMG" fsck "$img" 2>&1)
ok $? "fast symlink with an EA inode value: clean (upstream e2fsck's verdict)" ||
	printf '%s\n' "$out" | head -5 | sed 's/^/#   /'
"$FSIMG" cat "$img" /short 2>/dev/null | grep -qx '/a/b/c'
ok $? "fast symlink with an EA inode value: its target read from i_block"
done_testing
