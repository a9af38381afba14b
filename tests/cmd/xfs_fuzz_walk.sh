#!/bin/sh
# The threaded whole-tree dump's fuzz harness (fuzz/fuzz_xfs_walk: the
# command's own extents --all, with the inode read-ahead thread and the
# output pipe's writer) in make check: its seeds (fuzz/mkseeds_xfs_walk.sh,
# 1200 files: the read-ahead starts) and fuzz/mkseeds_xfs.sh's, replayed,
# then FSIMG_XFS_WALK_FUZZ_N (default 300) inputs mutated in one process by
# the standalone driver's fixed-seed mutator, and fuzz/regress/xfs_walk.
# Exit 0, no sanitizer report, no hang (timeout).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mkfs.xfs xfs_db timeout
H=$top_builddir/fuzz/fuzz_xfs_walk
[ -x "$H" ] || skip_all "fuzz/fuzz_xfs_walk not built"
N=${FSIMG_XFS_WALK_FUZZ_N:-300}
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 4

sh "$top_srcdir/fuzz/mkseeds_xfs_walk.sh" "$t" > "$t/mkseeds.log" 2>&1 &&
	sh "$top_srcdir/fuzz/mkseeds_xfs.sh" "$t" >> "$t/mkseeds.log" 2>&1
ok $? "base images made (fuzz/mkseeds_xfs_walk.sh, fuzz/mkseeds_xfs.sh)"

sanitizer() { grep -Eq 'ERROR: (Address|Leak|Memory|Undefined|Thread)Sanitizer|runtime error:' "$1"; }
set -- "$t/seeds/xfs_walk" "$t/seeds/xfs"
[ ! -d "$top_srcdir/fuzz/regress/xfs_walk" ] || set -- "$@" "$top_srcdir/fuzz/regress/xfs_walk"
timeout -k 5 300 "$H" "$@" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "seeds and past crashes replayed through fuzz_xfs_walk: status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
timeout -k 5 600 "$H" -m 1 "$N" "$t/base/xfs5w.img" "$t/base/xfs5.img" "$t/base/xfs4.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N mutated inputs through fuzz_xfs_walk: status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
timeout -k 5 600 "$H" -m 5 "$N" "$t/base/xfs5w.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N more of the read-ahead's image (another seed): status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
done_testing
