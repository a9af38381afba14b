#!/bin/sh
# Quota usage (issue 15): per user, group and project, the space and inodes
# of the filesystem's inodes against the v2 quota files (e2fsck's
# "Update quota info", PR_6_UPDATE_QUOTAS). Images by mke2fs -O quota
# (usage recorded by e2fsck -fy), usage changed by debugfs, which never
# updates the quota files. Oracle: e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck
fs_tmp
fs_small_src
awk 'BEGIN { for (i = 0; i < 2000; i++) print "new", i }' > "$tmp/new"

# mkfs NAME SIZE MKE2FS-OPTIONS...: an image of $src with its quota usage
# recorded (mke2fs 1.47.0 -d leaves it at nothing; e2fsck -fy records it).
mkfs() {
	_n=$1 _s=$2; shift 2
	img=$tmp/$_n.img
	mke2fs -q -t ext4 "$@" -d "$src" "$img" "$_s" >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $* failed"; exit 99; }
	cp "$img" "$tmp/$_n.raw"
	e2fsck -fy "$img" >/dev/null 2>&1
}

# same_numbers IMG TYPE: fsimg's first TYPE quota line says what e2fsck's
# first "[QUOTA WARNING] Usage inconsistent for ID N:actual (S, I) !=
# expected (S2, I2)" says (e2fsck checks the types in order: user first).
same_numbers() {
	_e=$(sed -n 's/^\[QUOTA WARNING\] Usage inconsistent for ID \([0-9]*\):actual (\([0-9]*\), \([0-9]*\)) != expected (\([0-9]*\), \([0-9]*\))$/\1 \2 \3 \4 \5/p' "$1.e2fsck" | head -1)
	_f=$(sed -n "s/^QUOTA_USAGE_WRONG: .*: $2 quota, id \([0-9]*\): \([0-9]*\) bytes in \([0-9]*\) inodes counted, the file records \([0-9]*\) bytes in \([0-9]*\) inodes$/\1 \2 \3 \4 \5/p" "$1.out" | head -1)
	[ -n "$_e" ] && [ "$_e" = "$_f" ] || { diag "e2fsck: $_e; fsimg: $_f"; return 1; }
}

# Clean: both checkers clean, for each kind of quota setup.
for c in "usrgrp:16M:-O quota" "prj:16M:-O quota,project" \
	"typed:16M:-O quota,project -E quotatype=usrquota:prjquota" \
	"big:32M:-O quota,bigalloc -C 16384" "k4:32M:-b 4096 -O quota,project"; do
	n=${c%%:*} rest=${c#*:}
	s=${rest%%:*} o=${rest#*:}
	# shellcheck disable=SC2086
	mkfs "$n" "$s" $o
	e=$(fs_e2fsck "$img")
	r=$(fs_fsimg "$img")
	[ "$e" = clean ] && [ "$r" = clean ]
	st=$?; [ $st = 0 ] || sed 's/^/# /' "$img.out" | head -6
	ok $st "$o: e2fsck -fn $e, fsimg $r"
done

# mke2fs -d alone: the files are not in the quota files.
fs_corrupt "usage never recorded (mke2fs -d)" QUOTA_USAGE_WRONG "$tmp/prj.raw"

# A file written by debugfs: its owner's usage grows, the files do not know.
cp "$tmp/prj.img" "$tmp/w.img"
fs_dbg "$tmp/w.img" "write $tmp/new new"
fs_corrupt "a file added behind quota's back" QUOTA_USAGE_WRONG "$tmp/w.img"
same_numbers "$tmp/w.img" user
ok $? "the id, and the counted and recorded space and inodes, named as e2fsck's"

# An owner the user quota file has no entry for.
cp "$tmp/usrgrp.img" "$tmp/u.img"
fs_dbg "$tmp/u.img" "sif /b uid 1000"
fs_corrupt "a file given to uid 1000" QUOTA_USAGE_WRONG "$tmp/u.img"
grep -q "user quota, id 1000: .* the file has no entry" "$tmp/u.img.out" &&
	! grep -q "group quota" "$tmp/u.img.out"
ok $? "uid 1000 has no entry; group usage unchanged"

# A project id (i_projid).
cp "$tmp/prj.img" "$tmp/p.img"
fs_dbg "$tmp/p.img" "sif /b projid 7"
fs_corrupt "a file moved to project 7" QUOTA_USAGE_WRONG "$tmp/p.img"
grep -q "project quota, id 7: " "$tmp/p.img.out"
ok $? "project 7 named"

# bigalloc: space is counted in clusters.
cp "$tmp/big.img" "$tmp/b.img"
fs_dbg "$tmp/b.img" "write $tmp/new new"
fs_corrupt "bigalloc, a file added" QUOTA_USAGE_WRONG "$tmp/b.img"
same_numbers "$tmp/b.img" user
ok $? "bigalloc: space in clusters, as e2fsck counts it"

# The quota files themselves: an unknown version, dqi_blocks past the file.
cp "$tmp/usrgrp.img" "$tmp/v.img"
fs_dbg "$tmp/v.img" "zap_block -f <3> -o 4 -l 1 -p 9 0"
fs_corrupt "user quota file of version 9" QUOTA_FILE_BAD "$tmp/v.img"
cp "$tmp/usrgrp.img" "$tmp/n.img"
fs_dbg "$tmp/n.img" "zap_block -f <4> -o 20 -l 1 -p 99 0"
fs_corrupt "group quota file with dqi_blocks 99" QUOTA_FILE_BAD "$tmp/n.img"
# e2fsck reads on past a zeroed magic (it refuses only a byte-swapped one).
cp "$tmp/usrgrp.img" "$tmp/m.img"
fs_dbg "$tmp/m.img" "zap_block -f <3> -o 0 -l 4 -p 0 0"
e=$(fs_e2fsck "$tmp/m.img") r=$(fs_fsimg "$tmp/m.img")
[ "$e" = clean ] && [ "$r" = clean ]
ok $? "a zeroed magic: e2fsck -fn $e, fsimg $r"

# ea_inode: a value held in an xattr inode is charged to the inode naming it
# (its size in clusters and one inode), in the body or in a shared xattr
# block. debugfs ea_set adds the values and leaves the quota files as they
# were: both checkers find the usage changed by exactly that; after e2fsck
# -fy records it, both are clean.
mkfs ea 16M -O quota,project,ea_inode -I 256
head -c 5000 /dev/zero | tr '\0' v >"$tmp/val5k"
head -c 9000 /dev/zero | tr '\0' w >"$tmp/val9k"
printf 'sif / uid 1234\nsif / gid 4321\nea_set -f %s / user.big5k\n' "$tmp/val5k" >"$tmp/eacmds"
debugfs -w -f "$tmp/eacmds" "$tmp/ea.img" >/dev/null 2>&1
e2fsck -fy "$tmp/ea.img" >/dev/null 2>&1
e=$(fs_e2fsck "$tmp/ea.img") r=$(fs_fsimg "$tmp/ea.img")
[ "$e" = clean ] && [ "$r" = clean ]
st=$?; [ $st = 0 ] || sed 's/^/# /' "$tmp/ea.img.out" | head -4
ok $st "ea_inode, a value in an xattr inode, usage recorded: e2fsck -fn $e, fsimg $r"
cp "$tmp/ea.img" "$tmp/ea2.img"
debugfs -w -R "ea_set -f $tmp/val9k / user.big9k" "$tmp/ea2.img" >/dev/null 2>&1
e=$(fs_e2fsck "$tmp/ea2.img") r=$(fs_fsimg "$tmp/ea2.img")
[ "$e" = error ] && [ "$r" = error ] && same_numbers "$tmp/ea2.img" user
ok $? "a second xattr inode value added: e2fsck -fn $e, fsimg $r, the same numbers"
done_testing
