#!/bin/sh
# The public headers compile alone, as strict C11; the neutral one names no
# filesystem's own structures.
. "$top_srcdir/tests/lib/tap.sh"
plan 9
tmp=$(mktemp_dir)
inc="$top_srcdir/libfsimg/include"
compile() { # HEADER CALL
	printf '#include <fsimg/%s>\nint main(void) { return %s; }\n' "$1" "$2" > "$tmp/h.c"
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/h.c" -o "$tmp/h.o"
}
ok_cmd "fsimg.h compiles alone with -std=c11 -pedantic -Werror" \
	compile fsimg.h 'fsimg_strerror(0) == 0 || sizeof(struct fsimg_fs_info) == 0 || sizeof(struct fsimg_stat) == 0'
ok_cmd "ext4.h compiles alone" compile ext4.h 'sizeof(struct fsimg_super) == 0 || sizeof(struct fsimg_group) == 0'
ok_cmd "journal.h compiles alone" compile journal.h 'fsimg_strerror(0) == 0'
ok_cmd "check.h compiles alone" compile check.h 'fsimg_strerror(0) == 0'
# The neutral header keeps to the neutral words: ext4's structures live in ext4.h.
ok_cmd "fsimg.h declares no ext4 superblock, group or raw inode" \
	sh -c "! grep -nE 'struct fsimg_(super|group|inode|dirent) *\\{|fsimg_ino_t|fsimg_group_t' '$inc/fsimg/fsimg.h'"
ok_cmd "fsimg.h includes no backend header" \
	sh -c "! grep -nE '#include .fsimg/(ext4|journal|check|xfs|xlog)\\.h' '$inc/fsimg/fsimg.h'"
ok_cmd "image.h compiles alone" compile image.h 'fsimg_image_backing(0, 0) != 0'
ok_cmd "xfs.h compiles alone" compile xfs.h 'sizeof(struct fsimg_xfs_ag) == 0 || fsimg_xfs_ag_get(0, 0, 0) == 0'
ok_cmd "xlog.h compiles alone" compile xlog.h 'sizeof(struct fsimg_xlog_item) == 0 || fsimg_xlog_errmsg(0) == 0'
