#!/bin/sh
# fsimg fsck on clean images of every variant: exit 0, no error, no warning
# (the whole checker's clean test: every pass runs), agreeing with e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck
variants="ext2 ext3 ext4 ext4_1k ext4_nocsum ext4_no64bit ext4_inline ext4_bigalloc ext4_inode1024"
plan 18
fs_tmp
for v in $variants; do
	fs_img "$v" "$tmp/$v.img"
	e=$(fs_e2fsck "$tmp/$v.img")
	f=$(fs_fsimg "$tmp/$v.img")
	[ "$e" = clean ] && [ "$f" = clean ]; ok $? "$v: e2fsck -fn $e, fsimg fsck $f"
	[ "$f" = clean ] || sed 's/^/#   /' "$tmp/$v.img.out" | head -20
	n=$(grep -Ec '^(warning: )?[A-Z0-9_]+: ' "$tmp/$v.img.out" | head -1)
	grep -q ": 0 errors, 0 warnings, " "$tmp/$v.img.out" && [ "$n" -eq 0 ]
	ok $? "$v: no errors and no warnings"
	[ "$n" -eq 0 ] || grep -E '^(warning: )?[A-Z0-9_]+: ' "$tmp/$v.img.out" | head | sed 's/^/#   /'
done
done_testing
