#!/bin/sh
# fsck: clean images with 12k-entry htree directories give no error and no
# warning, and e2fsck -fn agrees (ext4_nocsum ext4_no64bit).
. "$top_srcdir/tests/lib/fsck_dir.sh"
plan 2
for v in ext4_nocsum ext4_no64bit; do
	fsck_dir_base $v $v 10000
	fsck_dir_clean $v
	rm -f "$tmp/$v.img"
done
done_testing
