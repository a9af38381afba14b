#!/bin/sh
# fsck: clean images with 12k-entry htree directories give no error and no
# warning, and e2fsck -fn agrees (ext4_inode1024).
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 1
for v in ext4_inode1024; do
	fsck_dir_base $v $v 10000
	fsck_dir_clean $v
	rm -f "$tmp/$v.img"
done
done_testing
