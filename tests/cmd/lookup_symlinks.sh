#!/bin/sh
# Path lookup through symlinks in the middle of a path, the same on ext4 and
# XFS (libfsimg/fs/path.c): relative and absolute targets, chains, "..",
# "#N/rest" and "<N>/rest", a trailing slash, and loops (bounded: 40 links,
# as Linux's MAXSYMLINKS). Oracle: the kernel resolving the same paths in
# the source tree given to mke2fs -d and mkfs.xfs -p (cat there, or its
# failure; absolute targets made to point into a copy of it); the loop's
# message names the bound. A last component is not followed (fsimg cat
# prints a symlink's target), so no path here ends in one.
. "$top_srcdir/tests/lib/tap.sh"
need mke2fs mkfs.xfs xfs_db cmp
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT

src=$t/src
mkdir -p "$src/a/b/c"
printf 'deep\n' > "$src/a/b/c/f"
printf 'top\n' > "$src/top"
ln -s a/b "$src/rel"              # relative, from the root
ln -s /a "$src/abs"               # absolute
ln -s ../../top "$src/a/b/uptop"  # a file through "..", then a slash
ln -s ../b "$src/a/b/self"        # back to its own directory
ln -s rel "$src/chain"            # a chain of two
ln -s loop1 "$src/loop2"
ln -s loop2 "$src/loop1"
ln -s top "$src/tolink"           # a file named with a slash after it
paths='/rel/c/f abs/b/c/f /chain/c/f /a/b/self/self/c/f /rel/self/c/f /abs/../top /rel/self/../c/f
/chain/../top /loop1/x /tolink/ /rel/c/f/ /a/b/uptop/x /abs/b/c/../c/f'
# The kernel's view of the tree: a copy whose absolute targets point into it.
host=$t/host
cp -a "$src" "$host"
find "$host" -type l | while read -r l; do
	case $(readlink "$l") in /*) ln -sfn "$host$(readlink "$l")" "$l" ;; esac
done

mkfs_ext4() { mke2fs -q -F -t ext4 -b 4096 -d "$src" "$1" 64M >/dev/null 2>&1; }
mkfs_xfs() {
	sh "$top_srcdir/tests/lib/xfsproto.sh" "$src" > "$t/proto"
	truncate -s 320m "$1" && mkfs.xfs -q -f -p "$t/proto" "$1" 2>/dev/null
}

for fs in ext4 xfs; do
	img=$t/$fs.img
	if ! mkfs_$fs "$img"; then
		skip "$fs: the image could not be made"
		continue
	fi
	bad=
	for p in $paths; do
		if (cd "$host" && cat "./${p#/}") > "$t/want" 2>/dev/null; then
			"$FSIMG" cat "$img" "$p" > "$t/got" 2>"$t/err" && cmp -s "$t/want" "$t/got" ||
				bad="$bad $p"
		else
			"$FSIMG" cat "$img" "$p" > /dev/null 2>"$t/err"
			[ $? -eq 8 ] || bad="$bad $p(should fail)"
		fi
	done
	[ -z "$bad" ]
	ok $? "$fs: cat through symlinks in the middle of a path as the kernel resolves them:${bad:- all}"

	"$FSIMG" cat "$img" /loop1/x > /dev/null 2>"$t/err"
	[ $? -eq 8 ] && grep -q 'more than 40 symlinks' "$t/err"
	ok $? "$fs: a symlink loop stops at 40 links with one line, exit 8"

	root=2
	[ $fs = ext4 ] || root=$(xfs_db -r -c 'sb 0' -c 'print rootino' "$img" | sed -n 's/^rootino = //p')
	"$FSIMG" cat "$img" "#$root/rel/c/f" > "$t/got" 2>/dev/null && cmp -s "$src/a/b/c/f" "$t/got" &&
		"$FSIMG" cat "$img" "<$root>/abs/b/self/c/f" > "$t/got" 2>/dev/null && cmp -s "$src/a/b/c/f" "$t/got"
	ok $? "$fs: #N/rest and <N>/rest follow symlinks from inode N"
done
done_testing
