#!/bin/sh
# The differential campaign's bases (fuzz/mkseeds.sh) are clean by the
# project's truth before any mutation: e2fsck -fy on a copy repairs nothing
# but the benign list (fuzz/verdict.sh fy_judge: a replay, orphans
# released) and fsimg fsck (with its in-memory replay) exits 0. A base that
# is not would count every mutant the checker leaves clean as missed. The
# fast-commit bases are refused with --truth fy (e2fsck's fast-commit replay
# is not the kernel's: -fy repairs them unmutated; fuzz/README.md).
# ext4js is left out: its journal is cut below jbd2's 1024-block minimum
# on purpose (AFL++'s 1 MiB inputs), corrupt to both at every mutant.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs debugfs e2fsck tune2fs timeout
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/fuzz/verdict.sh"
sh "$top_srcdir/fuzz/mkseeds.sh" "$tmp/gen" > "$tmp/mkseeds.log" 2>&1 ||
	{ echo "Bail out! mkseeds.sh: $(tail -1 "$tmp/mkseeds.log")"; exit 1; }
bases="ext2 ext4i ext4j ext4k ext3 ext4nj bigal mbg inl1k m64f1k i128 feat inlx cf deep grow shrink growm big64 orph mmp quo orpm big1k e3i128 nbmbg e2hf enci nob64j"
plan $(($(echo $bases | wc -w) * 2 + 3))
for b in $bases; do
	if [ ! -f "$tmp/gen/base/$b.img" ]; then
		ok 1 "$b: made by mkseeds.sh"
		skip "$b: fsimg"
		continue
	fi
	cp "$tmp/gen/base/$b.img" "$tmp/e.img"
	e2fsck_truth fy "$tmp/e.img" "$tmp/e.out" 60
	[ "$e" = 0 ]
	ok $? "$b: e2fsck -fy repairs nothing outside the benign list"
	[ "$e" = 0 ] || fy_unbenign "$tmp/e.out" | head -5 | while read -r l; do diag "$l"; done
	"$FSIMG" fsck --threads 1 "$tmp/gen/base/$b.img" > "$tmp/f.out" 2>&1
	st=$?
	[ $st -eq 0 ]
	ok $? "$b: fsimg fsck exits 0"
	[ $st -eq 0 ] || grep -v '^info' "$tmp/f.out" | head -5 | while read -r l; do diag "$l"; done
done
for b in ext4fc ext4fcin; do
	sh "$top_srcdir/fuzz/differential.sh" --truth fy --bases "ext2 $b" --count 1 > "$tmp/d.out" 2>&1
	[ $? -eq 2 ] && grep -q "use --truth fn" "$tmp/d.out"
	ok $? "differential.sh --truth fy refuses $b"
done
# e2fsck_check_mmp's notice of a long wait (mmp_check_interval 65535 in the
# MMP block, e2fsck/unix.c's wording) is no repair: fy_judge leaves it clean
printf '%s\n' 'e2fsck 1.47.0 (5-Feb-2023)' \
	'MMP interval is 65535 seconds and total wait time is 131072 seconds. Please wait...' \
	'Pass 1: Checking inodes, blocks, and sizes' 'x.img: 11/64 files (0.0% non-contiguous), 30/256 blocks' > "$tmp/mmp.out"
[ "$(fy_judge 0 "$tmp/mmp.out")" = 0 ]
ok $? "an MMP wait notice alone is clean by fy_judge"
