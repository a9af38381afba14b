#!/bin/sh
# Backup superblocks (issue 15): with the primary zeroed (dd), fsck reads the
# first backup as e2fsck does and reports the primary corrupt; info, ls, cat
# and extents read through it; -b SUPERBLOCK / -B BLOCKSIZE name a copy.
# Images by mke2fs -d (1 KiB and 4 KiB blocks, sparse_super and
# sparse_super2); oracles: e2fsck -fn's verdict, the source tree.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs e2fsck dd cmp
no_plan
fs_tmp
mkdir -p "$tmp/src/sub"
seq 1 20000 >"$tmp/src/numbers"
echo hello >"$tmp/src/hello"
echo deep >"$tmp/src/sub/deep"

# verdict IMG [OPTS]: e2fsck -fn's and fsimg fsck's agree (0 clean, 4 errors)
verdict() {
	_img=$1; shift
	e2fsck -fn "$@" "$_img" >"$_img.e2fsck" 2>&1; _e=$?
	"$FSIMG" fsck "$@" "$_img" >"$_img.out" 2>"$_img.err"; _f=$?
	[ $_e -eq $_f ]
	ok $? "$(basename "$_img") $*: fsck exits as e2fsck -fn does ($_e; fsimg $_f)"
	[ $_e -eq $_f ] || { sed 's/^/#   fsimg: /' "$_img.out" "$_img.err" | head; sed 's/^/#   e2fsck: /' "$_img.e2fsck" | head; }
}

# reads IMG [OPTS]: cat, ls, extents and info through the superblock in use
reads() {
	_img=$1; shift
	"$FSIMG" cat "$@" "$_img" /numbers 2>/dev/null | cmp -s - "$tmp/src/numbers" &&
		"$FSIMG" cat "$@" "$_img" /sub/deep 2>/dev/null | cmp -s - "$tmp/src/sub/deep"
	ok $? "$(basename "$_img") $*: cat reproduces the source files"
	"$FSIMG" ls "$@" "$_img" 2>/dev/null | grep -v '^lost+found$' | sort >"$_img.ls"
	(cd "$tmp/src" && ls -A | sort) | cmp -s - "$_img.ls"
	ok $? "$(basename "$_img") $*: ls lists the source's root"
	"$FSIMG" extents "$@" "$_img" /numbers >/dev/null 2>&1 && "$FSIMG" info "$@" "$_img" >/dev/null 2>&1
	ok $? "$(basename "$_img") $*: extents and info read it"
}

for v in "1024 sparse_super 8193" "1024 sparse_super2 8193" "4096 sparse_super 32768" "4096 sparse_super2 32768"; do
	set -- $v
	img=$tmp/b$1-$2.img
	# 4 KiB blocks: 300 MiB (sparse) for a second group to hold a backup
	size=64M; [ "$1" = 4096 ] && size=300M
	mke2fs -q -F -t ext4 -b "$1" -O "$2" -d "$tmp/src" "$img" $size >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $v failed"; exit 99; }
	cp "$img" "$img.intact"
	dd if=/dev/zero of="$img" bs=1024 seek=1 count=1 conv=notrunc 2>/dev/null
	verdict "$img"
	grep -q "^SUPER_PRIMARY_CORRUPT: primary superblock is unusable (no ext2/3/4 magic); the backup at block $3 was used$" "$img.out"
	ok $? "b$1-$2: the primary is reported corrupt, and the backup at $3 named"
	reads "$img"
	"$FSIMG" info "$img" 2>&1 >/dev/null | grep -q "reading through the backup at block $3"
	ok $? "b$1-$2: info says on stderr which backup it reads"
	# the intact image read through the backup, with and without -B
	verdict "$img.intact" -b "$3"
	verdict "$img.intact" -b "$3" -B "$1"
	reads "$img.intact" -b "$3"
done

# a primary e2fsck's open refuses (log_groups_per_flex past 31 with flex_bg): the backup too
cp "$tmp/b1024-sparse_super.img.intact" "$tmp/flex.img"
debugfs -w -R "ssv log_groups_per_flex 40" "$tmp/flex.img" >/dev/null 2>&1
verdict "$tmp/flex.img"
grep -q '^SUPER_PRIMARY_CORRUPT: primary superblock is unusable (bad superblock: log_groups_per_flex 40 > 31); the backup at block 8193 was used$' "$tmp/flex.img.out" &&
	grep -q 'trying backup blocks' "$tmp/flex.img.e2fsck"
ok $? "flex.img: the primary refused as e2fsck's open refuses it, the backup read"

# without group descriptor checksums a backup's descriptors are as good as the primary's
mke2fs -q -F -t ext2 -b 1024 -d "$tmp/src" "$tmp/e2.img" 64M >/dev/null 2>&1
verdict "$tmp/e2.img" -b 8193
reads "$tmp/e2.img" -b 8193 -B 1024

# a copy that is not there, a bad block size
"$FSIMG" fsck -b 8192 "$tmp/e2.img" >/dev/null 2>"$tmp/err"; st=$?
[ $st -eq 8 ] && grep -q 'no superblock at block 8192' "$tmp/err"
ok $? "-b naming no superblock: exit 8 with a message (got $st)"
"$FSIMG" cat -b 18014398509481985 -B 1024 "$tmp/e2.img" /hello >/dev/null 2>&1; [ $? -eq 8 ]
ok $? "-b whose byte offset passes 2^64 (2^54+1 of 1 KiB): exit 8, not the primary"
"$FSIMG" ls -B 1000 "$tmp/e2.img" >/dev/null 2>&1; [ $? -eq 16 ]
ok $? "-B 1000: a usage error"
"$FSIMG" fsck -b 8193 -B 4096 "$tmp/e2.img" >/dev/null 2>&1; [ $? -eq 8 ]
ok $? "-b with the wrong -B: exit 8"
done_testing
