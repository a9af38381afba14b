#!/bin/sh
# Build a test image from a source tree with e2fsprogs (the oracle's writer).
#
#   sh tests/lib/mkimg.sh [--htree N] [--size MiB] VARIANT TREE OUT.img
#
# VARIANT: ext2 ext3 ext4 ext4_1k ext4_nocsum ext4_no64bit ext4_inline
#          ext4_bigalloc ext4_inode1024
#
# Steps: mke2fs -d TREE (fixed UUID, label, hash seed and time), then for
# --htree N: e2fsck -fyD (index every directory) and N fifos added to /htree
# with debugfs -w (ext2fs_link inserts into the index: fast, where mke2fs -d
# is quadratic), mirrored into TREE/htree with mkfifo so that TREE stays an
# exact description of the image.
#
# Then, on files of TREE/falloc (see mktree.sh), debugfs -w fallocate and punch.
# What was done is written to OUT.img.ops, one line per operation:
#   punch PATH FIRST_BYTE END_BYTE      range now reads as zeros
#   falloc PATH FIRST_BYTE END_BYTE     unwritten blocks (content unchanged)
#   size PATH BYTES                     i_size set (growth reads as zeros)
# and OUT.img.expect/ is a copy of the affected files with the content that
# `cat` must now give (apply_ops below). Byte ranges are multiples of 16 KiB
# so they are whole blocks and clusters in every variant.
set -eu
LC_ALL=C; export LC_ALL

htree=0
size=64
while [ $# -gt 3 ]; do
	case $1 in
	--htree) htree=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 3 ] || { echo "usage: mkimg.sh [--htree N] [--size MiB] VARIANT TREE OUT.img" >&2; exit 16; }
variant=$1 tree=$2 img=$3

E2FSPROGS_FAKE_TIME=1700000000; export E2FSPROGS_FAKE_TIME
E2FSCK_TIME=1700000000; export E2FSCK_TIME

falloc=yes
case $variant in
ext2)           opts="-t ext2 -b 1024"; falloc=punch ;;
ext3)           opts="-t ext3 -b 4096"; falloc=punch ;;
ext4)           opts="-t ext4 -b 4096" ;;
ext4_1k)        opts="-t ext4 -b 1024" ;;
ext4_nocsum)    opts="-t ext4 -b 4096 -O ^metadata_csum" ;;
ext4_no64bit)   opts="-t ext4 -b 4096 -O ^64bit" ;;
ext4_inline)    opts="-t ext4 -b 4096 -O inline_data"; falloc=noempty ;;
ext4_bigalloc)  opts="-t ext4 -b 4096 -O bigalloc -C 16384" ;;
ext4_inode1024) opts="-t ext4 -b 4096 -I 1024" ;;
*) echo "mkimg.sh: unknown variant $variant" >&2; exit 16 ;;
esac
[ "$htree" -eq 0 ] || opts="$opts -N 16384"

rm -f "$img" "$img.ops"
rm -rf "$img.expect"
truncate -s "${size}M" "$img"
label=$(printf 'fsimg-%s' "$variant" | cut -c1-16)
# shellcheck disable=SC2086
mke2fs -F -q $opts -L "$label" -U 5a1e0f1c-0000-4000-8000-00000000beef \
	-E hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0,root_owner=0:0,nodiscard \
	-d "$tree" "$img"

# mke2fs 1.47.0 -d with inline_data leaves i_size at the end of the last data
# block for files that end in a hole: set the size the source file has.
: > "$img.cmds"
for f in /sparse/mixed /sparse/checker /sparse/allhole /sparse/lead /sparse/far; do
	[ -f "$tree$f" ] || continue
	want=$(wc -c < "$tree$f")
	got=$(debugfs -R "stat $f" "$img" 2>/dev/null | awk '/^User:.*Size: / { print $NF }')
	[ "$got" = "$want" ] || echo "sif $f size $want" >> "$img.cmds"
done
[ ! -s "$img.cmds" ] || debugfs -w -f "$img.cmds" "$img" > /dev/null 2>&1
rm -f "$img.cmds"

dbg() { # run debugfs -w on a command file, fail on any error line
	_out=$(debugfs -w -f "$1" "$img" 2>&1 | grep -v '^debugfs [0-9]' | grep -v '^debugfs: ' | grep -v '^Allocated inode: ' || true)
	if [ -n "$_out" ]; then
		printf 'mkimg.sh: debugfs said:\n%s\n' "$_out" | head -20 >&2
		return 1
	fi
}

if [ "$htree" -gt 0 ]; then
	e2fsck -fyD "$img" >/dev/null 2>&1 || [ $? -le 1 ]
	awk -v n="$htree" 'BEGIN { print "cd /htree"; for (i = 0; i < n; i++) printf "mknod fifo_%06d_abcdefghijklmnopqrstuvwxyz p\n", i }' > "$img.cmds"
	dbg "$img.cmds"
	(cd "$tree/htree" && awk -v n="$htree" 'BEGIN { for (i = 0; i < n; i++) printf "fifo_%06d_abcdefghijklmnopqrstuvwxyz\n", i }' |
		xargs mkfifo -m 0)
	# debugfs mknod makes fifos of mode 0000 owned by root
	rm -f "$img.cmds"
fi

bs=$(dumpe2fs -h "$img" 2>/dev/null | awk -F: '$1 == "Block size" { print $2 + 0 }')
K=16384
: > "$img.ops"
# op KIND PATH FIRST END: record and emit the debugfs command (blocks, inclusive)
op() {
	echo "$1 $2 $3 $4" >> "$img.ops"
	echo "$1 $2 $(($3 / bs)) $(($4 / bs - 1))" | sed 's/^falloc/fallocate/'
}
{
	op punch /falloc/punch_mid $((1 * K)) $((3 * K))
	op punch /falloc/punch_tail $((3 * K)) $((4 * K))
	if [ "$falloc" != punch ]; then
		# preallocation past EOF (size 10000 stays)
		op falloc /falloc/prealloc $((1 * K)) $((4 * K))
		# unwritten blocks inside a hole
		op falloc /falloc/holey $((4 * K)) $((8 * K))
	fi
	if [ "$falloc" = yes ]; then
		# (empty files are inline with inline_data: debugfs cannot fallocate them)
		# size first, then fallocate: unwritten extents within i_size
		echo "size /falloc/sized $((3 * K))" >> "$img.ops"
		echo "sif /falloc/sized size $((3 * K))"
		op falloc /falloc/sized 0 $((3 * K))
		# a zero-size file preallocated (debugfs may map it written: NOTES.md)
		op falloc /falloc/empty_prealloc 0 $((2 * K))
	fi
} > "$img.cmds"
dbg "$img.cmds"
rm -f "$img.cmds"

# The expected content of every file an operation touched.
mkdir "$img.expect"
while read -r kind path a b; do
	e=$img.expect$path
	mkdir -p "${e%/*}"
	[ -e "$e" ] || cp "$tree$path" "$e"
	case $kind in
	punch)
		# zeros over [a, b) but never past the file's size
		sz=$(wc -c < "$e")
		[ "$a" -ge "$sz" ] || dd if=/dev/zero of="$e" bs=1024 seek=$((a / 1024)) \
			count=$(( ( (b < sz ? b : sz) - a + 1023) / 1024)) conv=notrunc status=none
		truncate -s "$sz" "$e" ;;
	size) truncate -s "$a" "$e" ;;
	falloc) ;;
	esac
done < "$img.ops"
