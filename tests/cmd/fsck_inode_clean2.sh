#!/bin/sh
# fsck, inode passes: clean images of the remaining variants (see
# fsck_inode_clean.sh) give no inode-pass error or warning.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_inode.sh"
fi_init
for v in ext4_no64bit ext4_inline ext4_bigalloc ext4_inode1024; do
	fi_clean "$v"
done
done_testing
