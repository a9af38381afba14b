#!/bin/sh
# The XFS fuzz harness (fuzz/fuzz_xfs) in make check: the two small images
# of fuzz/mkseeds_xfs.sh (v5 with 1 KiB blocks, v4 with 512-byte blocks,
# cut to the 4 MiB the harness takes), replayed as seeds,
# then FSIMG_XFS_FUZZ_N (default 600) inputs mutated in one process by the
# standalone driver's fixed-seed mutator; the same seeds and as many
# mutants through the checker's harness (fuzz/fuzz_fsck: the XFS passes).
# Exit 0, no sanitizer report, no hang (timeout).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mkfs.xfs xfs_db timeout
H=$top_builddir/fuzz/fuzz_xfs
HF=$top_builddir/fuzz/fuzz_fsck
DUMP=$top_builddir/tests/xfs/xfsdump
[ -x "$H" ] && [ -x "$HF" ] && [ -x "$DUMP" ] || skip_all "fuzz/fuzz_xfs, fuzz/fuzz_fsck or tests/xfs/xfsdump not built"
N=${FSIMG_XFS_FUZZ_N:-600}
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 8

sh "$top_srcdir/fuzz/mkseeds_xfs.sh" "$t" > "$t/mkseeds.log" 2>&1
ok $? "two base images made (fuzz/mkseeds_xfs.sh)"

for b in xfs5 xfs4; do
	XFSDUMP_QUIET=1 "$DUMP" "$t/base/$b.img" walk > "$t/walk" 2>&1
	grep -q 'unreadable 0' "$t/walk"
	ok $? "$b base: every inode readable in the first 4 MiB ($(cat "$t/walk"))"
done

sanitizer() { grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$1"; }
timeout -k 5 120 "$H" "$t/seeds/xfs" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "seeds replayed through fuzz_xfs: status $st, $(tail -1 "$t/out")"
timeout -k 5 600 "$H" -m 1 "$N" "$t/base/xfs5.img" "$t/base/xfs4.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N mutated inputs through fuzz_xfs: status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
timeout -k 5 600 "$H" -m 7 "$N" "$t/base/xfs4.img" "$t/base/xfs5.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N more (another seed): status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
timeout -k 5 300 "$HF" "$t/seeds/xfs" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "seeds replayed through fuzz_fsck (the XFS checker): status $st, $(tail -1 "$t/out")"
# -m puts its own option byte before each base: the bases are the images (the .o0 seeds,
# option byte included, were every input shifted by a byte: no XFS superblock)
timeout -k 5 900 "$HF" -m 3 "$N" "$t/base/xfs5.img" "$t/base/xfs4.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N mutated inputs through fuzz_fsck: status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
done_testing
