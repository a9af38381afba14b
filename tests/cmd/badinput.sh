#!/bin/sh
# Bad images and bad arguments: exit 8 (operational) with exactly one line on
# stderr, or 16 (usage) with a message; no crash (a sanitizer report or a
# signal fails the status or line count); other filesystems named as unsupported.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT

# expect STATUS STDERR_PATTERN DESCRIPTION -- fsimg args...
expect() {
	_want=$1 _pat=$2 _d=$3; shift 4
	"$FSIMG" "$@" > "$tmp/out" 2> "$tmp/err"
	_st=$?
	_n=$(wc -l < "$tmp/err")
	_bad=
	[ $_st -eq "$_want" ] || _bad="exit status $_st, want $_want"
	# usage errors may add a synopsis: at least one line; operational errors: one
	if [ "$_want" -eq 16 ]; then
		[ "$_n" -ge 1 ] || _bad="$_bad; nothing on stderr"
	else
		[ "$_n" -eq 1 ] || _bad="$_bad; $_n lines on stderr, want 1"
	fi
	[ -z "$_pat" ] || grep -q -- "$_pat" "$tmp/err" || _bad="$_bad; stderr does not match /$_pat/"
	[ -z "$_bad" ]
	ok $? "$_d"
	if [ -n "$_bad" ]; then
		diag "$_bad (fsimg $*)"
		head -5 "$tmp/err" | sed 's/^/#   stderr: /'
	fi
}

truncate -s 16M "$tmp/good.img"
mkdir "$tmp/src"; printf 'hello\n' > "$tmp/src/file"; mkdir "$tmp/src/dir"
mke2fs -F -q -t ext4 -b 4096 -N 2048 -d "$tmp/src" "$tmp/good.img"
good=$tmp/good.img

# Truncated copies: the first 100 KiB; and cut in the middle of the inode table.
head -c 102400 "$good" > "$tmp/trunc100k.img"
itab=$(dumpe2fs "$good" 2>/dev/null | awk '/Inode table at/ { split($4, a, "-"); print a[1]; exit }')
head -c $(( (itab + 2) * 4096 )) "$good" > "$tmp/trunc_itab.img"
truncate -s 1M "$tmp/zero.img"
awk 'BEGIN { srand(1); for (i = 0; i < 1048576; i++) printf "%c", int(rand() * 256) }' > "$tmp/random.img"
: > "$tmp/empty.img"

for cmd in info "ls -R" "cat" "extents --all"; do
	case $cmd in cat) a=/file ;; *) a= ;; esac
	# shellcheck disable=SC2086
	for bad in trunc100k trunc_itab zero random empty; do
		expect 8 "^fsimg: $tmp/$bad.img: " "$cmd: $bad image -> 8, one line" -- $cmd "$tmp/$bad.img" $a
	done
done
expect 8 "no filesystem found" "zero-filled image: no filesystem found" -- info "$tmp/zero.img"
expect 8 "no filesystem found" "random bytes: no filesystem found" -- info "$tmp/random.img"
expect 8 "^fsimg: $tmp: " "a directory as IMAGE -> 8" -- info "$tmp"
expect 8 "^fsimg: $tmp/missing.img: " "a missing IMAGE -> 8" -- info "$tmp/missing.img"
expect 8 "^fsimg: $good: /nope: " "cat of a missing path -> 8" -- cat "$good" /nope
expect 8 "^fsimg: $good: /file/x: " "cat of a path through a file -> 8" -- cat "$good" /file/x
expect 8 "^fsimg: $good: /nope: " "ls of a missing path -> 8" -- ls "$good" /nope
expect 8 "^fsimg: $good: " "extents of a missing path -> 8" -- extents "$good" /nope
expect 8 "^fsimg: $good: /dir: " "cat of a directory -> 8" -- cat "$good" /dir
expect 8 "^fsimg: $good: " "cat of an unused inode number -> 8" -- cat "$good" "#2000"
expect 8 "^fsimg: $good: " "cat of inode 0 -> 8" -- cat "$good" "#0"

# A FIFO (what `fsimg info <(xzcat img.xz)` gets) is refused at once, never
# waited on: with no writer a plain open() blocks for ever. timeout(1) turns
# a hang into a failure (status 124).
mkfifo "$tmp/fifo"
cp "$good" "$tmp/rec.img"
debugfs -w -R "feature needs_recovery" "$tmp/rec.img" >/dev/null 2>&1
fifo() { # fifo DESCRIPTION -- fsimg args...
	_d=$1; shift 2
	timeout 20 "$FSIMG" "$@" > "$tmp/out" 2> "$tmp/err"
	_st=$?
	[ $_st -eq 8 ] && grep -q "fifo: not a regular file" "$tmp/err"
	ok $? "$_d"
	[ $_st -eq 8 ] || diag "exit status $_st (124: it hung)"
}
fifo "info on a FIFO: refused at once" -- info "$tmp/fifo"
fifo "fsck on a FIFO: refused at once" -- fsck "$tmp/fifo"
fifo "-j FIFO: refused at once" -- info -j "$tmp/fifo" "$good"
fifo "undo with a FIFO as UNDOFILE: refused at once" -- undo "$tmp/fifo" "$good"
fifo "replay --in-place on a FIFO: refused at once" -- replay --in-place "$tmp/fifo"
fifo "replay -f -o FIFO: refused at once" -- replay -f -o "$tmp/fifo" "$tmp/rec.img"
cat "$good" | timeout 20 "$FSIMG" info /dev/stdin >/dev/null 2>"$tmp/err"
grep -q "not a regular file or block device" "$tmp/err"
ok $? "a pipe with a writer (/dev/stdin): refused"

# Usage errors
expect 16 "" "no command -> 16" --
expect 16 "" "unknown command -> 16" -- frobnicate "$good"
expect 16 "" "unknown option -> 16" -- info --no-such-option "$good"
expect 16 "" "missing IMAGE -> 16" -- info
expect 16 "" "cat without FILE -> 16" -- cat "$good"
expect 16 "" "too many arguments to info -> 16" -- info "$good" "$good"

# Other filesystems (each only when its mkfs exists)
other() { # other NAME SIZE_MiB MKFS ARGS...
	_name=$1 _size=$2; shift 2
	if ! command -v "$1" >/dev/null 2>&1; then skip "$1 not installed"; return; fi
	truncate -s "${_size}M" "$tmp/$_name.img"
	if ! "$@" "$tmp/$_name.img" > "$tmp/mkfs.log" 2>&1; then
		skip "$1 failed: $(head -1 "$tmp/mkfs.log")"
	else
		expect 8 "^fsimg: $tmp/$_name.img: unsupported filesystem: $_name\$" "$_name image: unsupported filesystem: $_name" -- info "$tmp/$_name.img"
	fi
	rm -f "$tmp/$_name.img"
}
other vfat 8 mkfs.vfat
# XFS is read: a blank one opens (its own type, its log clean)
if command -v mkfs.xfs >/dev/null 2>&1 && truncate -s 300M "$tmp/xfs.img" &&
	mkfs.xfs -q -f "$tmp/xfs.img" > "$tmp/mkfs.log" 2>&1; then
	"$FSIMG" info "$tmp/xfs.img" > "$tmp/out" 2> "$tmp/err"
	ok $? "xfs image: info reads it"
	grep -q '^Filesystem type: *xfs$' "$tmp/out" && grep -q '^Needs recovery: *no$' "$tmp/out" &&
		[ ! -s "$tmp/err" ]
	ok $? "xfs image: type xfs, no recovery needed, nothing on stderr"
	# cut short, and with its magic zeroed: one line, exit 8
	cp "$tmp/xfs.img" "$tmp/xfs-cut.img" && truncate -s 1M "$tmp/xfs-cut.img"
	expect 8 "^fsimg: $tmp/xfs-cut.img: image is truncated: 1048576 bytes, the filesystem needs 314572800\$" \
		"xfs image cut to 1 MiB: one line, exit 8" -- ls -R "$tmp/xfs-cut.img"
	printf '\0\0\0\0' | dd of="$tmp/xfs.img" conv=notrunc 2>/dev/null
	expect 8 "^fsimg: $tmp/xfs.img: no filesystem found\$" "xfs image with its magic zeroed: one line, exit 8" \
		-- extents --all "$tmp/xfs.img"
else
	for i in 1 2 3 4; do skip "mkfs.xfs not installed or failed"; done
fi
rm -f "$tmp/xfs.img" "$tmp/xfs-cut.img"
other btrfs 120 mkfs.btrfs -q -f

done_testing
