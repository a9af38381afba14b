#!/bin/sh
# The XFS fuzz harness (fuzz/fuzz_xfs) in make check: two small generated
# images (v5 with 1 KiB blocks, v4 with 512-byte blocks; mkfs.xfs
# --unsupported, one 16 MiB AG, cut to the first 4 MiB where mkfs.xfs put
# everything, under the harness's input limit) with an attribute fork, a
# remote value and an unwritten extent added by xfs_db; replayed as seeds,
# then FSIMG_XFS_FUZZ_N (default 600) inputs mutated in one process by the
# standalone driver's fixed-seed mutator. Exit 0, no sanitizer report, no
# hang (timeout).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mkfs.xfs xfs_db timeout
H=$top_builddir/fuzz/fuzz_xfs
DUMP=$top_builddir/tests/xfs/xfsdump
[ -x "$H" ] && [ -x "$DUMP" ] || skip_all "fuzz/fuzz_xfs or tests/xfs/xfsdump not built"
N=${FSIMG_XFS_FUZZ_N:-600}
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 6

mkdir -p "$t/tree/d" "$t/tree/e" "$t/base" "$t/seeds"
printf 'hello\n' > "$t/tree/a"
seq 1 3000 > "$t/tree/d/b"
ln -s a "$t/tree/l"
(cd "$t/tree/e" && seq 1 60 | sed 's/^/entry_name_/' | xargs touch)
sh "$top_srcdir/tests/lib/xfsproto.sh" "$t/tree" > "$t/proto"

mkbase() { # mkbase NAME MKFS-OPTIONS
	img=$t/$1.full
	truncate -s 16m "$img"
	mkfs.xfs -q -f --unsupported $2 -p "$t/proto" "$img" 2>/dev/null || return 1
	bmx=u3.bmx
	case $2 in *crc=0*) bmx=u.bmx ;; esac
	a=$(xfs_db -r -c 'path /a' -c inode "$img" | sed 's/.* is //')
	b=$(xfs_db -r -c 'path /d/b' -c inode "$img" | sed 's/.* is //')
	xfs_db -x -c "inode $a" -c 'attr_set -u small -v 10' -c 'attr_set -u big -v 3000' \
		-c "inode $b" -c "write $bmx[0].extentflag 1" "$img" > /dev/null || return 1
	head -c $((4 * 1048576 - 1)) "$img" > "$t/base/$1.img"
	printf '\000' | cat - "$t/base/$1.img" > "$t/seeds/$1.o0"
	printf '\004' | cat - "$t/base/$1.img" > "$t/seeds/$1.o4"
}
mkbase v5 "-b size=1024" && mkbase v4 "-m crc=0 -b size=512"
ok $? "two base images made"

for b in v5 v4; do
	XFSDUMP_QUIET=1 "$DUMP" "$t/base/$b.img" walk > "$t/walk" 2>&1
	grep -q 'unreadable 0' "$t/walk"
	ok $? "$b base: every inode readable in the first 4 MiB ($(cat "$t/walk"))"
done

sanitizer() { grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$1"; }
timeout -k 5 120 "$H" "$t/seeds" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "seeds replayed through fuzz_xfs: status $st, $(tail -1 "$t/out")"
timeout -k 5 600 "$H" -m 1 "$N" "$t/base/v5.img" "$t/base/v4.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N mutated inputs through fuzz_xfs: status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
timeout -k 5 600 "$H" -m 7 "$N" "$t/base/v4.img" "$t/base/v5.img" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "$N more (another seed): status $st, $(tail -1 "$t/out")"
[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
done_testing
