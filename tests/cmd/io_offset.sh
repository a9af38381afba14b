#!/bin/sh
# The I/O table's thread-safe read (fsimg_io_pread) is the only way the
# journal scan and the parallel checker reach the image's bytes (issue 18,
# item 9): an image read through a source at an offset inside a bigger file
# gives the same results as the bare image. The source (src/fsimg-hooks,
# FSIMG_TEST_IMAGE_OFFSET) keeps the file's descriptor for probing, as a
# naive partition backend would: before, the journal scan and pass 2's
# inode-table reads pread that descriptor, at the wrong offsets.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
: "${FSIMG_HOOKS:?run through make check}"
need mke2fs debugfs
plan 8
d=$(mktemp_dir)
mkdir "$d/bare" "$d/off"
off=1049088 # 1 MiB + 1 KiB: no block of either size lines up with the file's

# embed NAME: $d/off/NAME is off bytes of 0xa5, then the image.
embed() {
	head -c $off /dev/zero | tr '\000' '\245' >"$d/off/$1"
	cat "$d/bare/$1" >>"$d/off/$1"
}
# same DESCRIPTION -- fsimg args... (IMAGE as a name in the current directory)
same() {
	_d=$1; shift 2
	(cd "$d/bare" && "$FSIMG_HOOKS" "$@" >"$d/out.bare" 2>&1; echo "exit $?" >>"$d/out.bare")
	(cd "$d/off" && FSIMG_TEST_IMAGE_OFFSET=$off "$FSIMG_HOOKS" "$@" >"$d/out.off" 2>&1
	 echo "exit $?" >>"$d/out.off")
	cmp -s "$d/out.bare" "$d/out.off"
	ok $? "$_d"
	cmp -s "$d/out.bare" "$d/out.off" || diff "$d/out.bare" "$d/out.off" | head -10 | sed 's/^/#   /'
}

# A journal needing recovery, checksummed (v3): its scan and data checksums.
j_two_transactions "$d/bare/j"
embed j
same "journal --json: the same" -- journal --json j
same "journal -v: the same" -- journal -v j
same "replay -n: the same plan" -- replay -n j
same "fsck (replayed in memory): the same" -- fsck --json j

# A filesystem with full inode tables over several groups, checked by two
# threads: pass 2 reads inode tables in chunks of 64 KiB and more.
mkdir "$d/tree"
i=0
while [ $i -lt 1500 ]; do
	mkdir "$d/tree/d$i" && echo "$i" >"$d/tree/d$i/f"
	i=$((i + 1))
done
mke2fs -q -F -o Linux -t ext4 -b 1024 -g 2048 -N 4096 -E lazy_itable_init=0 -d "$d/tree" \
	"$d/bare/f" 16M >/dev/null 2>&1
embed f
same "fsck --threads 2: the same" -- fsck --threads 2 --json f
same "fsck --threads 1: the same" -- fsck --threads 1 --json f
same "info --groups: the same" -- info --groups f
(cd "$d/off" && FSIMG_TEST_IMAGE_OFFSET=$off "$FSIMG_HOOKS" fsck f >/dev/null 2>&1)
ok $? "fsck of the embedded image: clean"
rm -rf "$d"
done_testing
