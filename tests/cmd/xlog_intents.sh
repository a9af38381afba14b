#!/bin/sh
# The intents XFS log recovery leaves pending, finished by fsimg replay as
# Linux 6.1's mount finishes them (libfsimg/xlog/intent*.c), on a real-kernel
# crash image (tests/crash/fixtures/xi-1k-bui-cui: a BUI and a CUI pending at
# the cut, CoW staging extents left behind). Block for block against the
# kernel's recovery is tests/cmd/crash_fixtures.sh's (the fixture's hashes of
# the blocks the kernel's mount changed, LSN stamps of its two checkpoints
# included); here the rest: nothing stays pending, OUT's log is clean
# (xfs_logprint -t) with its unmount record past the crash head, where the
# second checkpoint's LSN puts it, and xfs_repair -n says nothing about the
# log or a metadata LSN ahead of it; the overlay shows what OUT holds. On an
# rmapbt filesystem (xh-4k-rmap-intent) the BUI's map queues its rmap update,
# finished too (crash_fixtures.sh compares OUT with the kernel's blocks). The
# crashed images never change.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 b2sum
LC_ALL=C; export LC_ALL
F=$top_srcdir/tests/crash/fixtures
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 8

xz -dc "$F/xi-1k-bui-cui.img.xz" > "$t/a.img" || exit 1
sum=$(b2sum < "$t/a.img")
"$FSIMG" replay -n "$t/a.img" > "$t/plan" 2>&1
st=$?
[ $st -eq 0 ] && ! grep -q pending "$t/plan" && grep -q 'the log made clean' "$t/plan"
ok $? "xi-1k-bui-cui: replay -n: nothing pending, the plan ends with the clean log (exit $st)"
"$FSIMG" replay -o "$t/a.out" "$t/a.img" > "$t/out" 2>&1
ok $? "xi-1k-bui-cui: replay -o writes OUT"
# the crash head, and OUT's head: past it by the checkpoints' blocks and the unmount record
head0=$("$FSIMG" journal --json "$t/a.img" 2>/dev/null | head -1 |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["head_block"])')
if command -v xfs_logprint > /dev/null 2>&1; then
	xfs_logprint -t "$t/a.out" > "$t/lp" 2>&1
	h=$(sed -n 's/.*log tail: \([0-9]*\) head: \1 state: <CLEAN>.*/\1/p' "$t/lp")
	[ -n "$h" ] && [ -n "$head0" ] && [ "$h" -gt $((head0 + 2)) ]
	ok $? "xi-1k-bui-cui: OUT's log is clean (xfs_logprint -t), head $h past the crash head $head0 and one unmount record"
else
	skip "xfs_logprint not installed"
fi
if command -v xfs_repair > /dev/null 2>&1; then
	xfs_repair -n "$t/a.out" > "$t/repair" 2>&1
	st=$?
	[ $st -eq 0 ] && ! grep -v -e '^Phase 2 - using internal log' -e '- zero log\.\.\.' "$t/repair" |
		grep -qi -e log -e lsn -e alert
	ok $? "xi-1k-bui-cui: xfs_repair -n OUT: exit $st, nothing about the log or its LSNs"
else
	skip "xfs_repair not installed"
fi
"$FSIMG" ls -R --json "$t/a.img" > "$t/ov.ls" 2> "$t/ov.err" && "$FSIMG" ls -R --json "$t/a.out" > "$t/out.ls" &&
	"$FSIMG" extents --all --json "$t/a.img" > "$t/ov.ex" 2>/dev/null &&
	"$FSIMG" extents --all --json "$t/a.out" > "$t/out.ex" &&
	cmp -s "$t/ov.ls" "$t/out.ls" && cmp -s "$t/ov.ex" "$t/out.ex" && ! grep -q pending "$t/ov.err"
ok $? "xi-1k-bui-cui: the overlay's ls -R and extents --all equal OUT's, nothing said pending"
[ "$(b2sum < "$t/a.img")" = "$sum" ]
ok $? "xi-1k-bui-cui: the crashed image is unchanged"

xz -dc "$F/xh-4k-rmap-intent.img.xz" > "$t/r.img" || exit 1
sum=$(b2sum < "$t/r.img")
"$FSIMG" replay -o "$t/r.out" "$t/r.img" > "$t/out" 2>&1
st=$?
rn=0
if command -v xfs_repair > /dev/null 2>&1; then
	xfs_repair -n "$t/r.out" > "$t/repair" 2>&1
	rn=$?
	! grep -v -e '^Phase 2 - using internal log' -e '- zero log\.\.\.' "$t/repair" | grep -qi -e log -e lsn -e alert || rn=1
fi
[ $st -eq 0 ] && [ -s "$t/r.out" ] && ! grep -q pending "$t/out" && [ $rn -eq 0 ]
ok $? "xh-4k-rmap-intent: replay -o finishes the BUI with its rmap update (exit $st), xfs_repair -n OUT: exit $rn, nothing about the log"
[ "$(b2sum < "$t/r.img")" = "$sum" ]
ok $? "xh-4k-rmap-intent: the crashed image is unchanged"

done_testing
