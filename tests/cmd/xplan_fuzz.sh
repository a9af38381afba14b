#!/bin/sh
# The XFS log planner's fuzz harness (fuzz/fuzz_xplan) in make check. Its
# seeds (fuzz/seeds/xplan, cut by fuzz/mkseeds_xplan.py: a superblock, the
# log to its head, the data device's sectors the log touches) must plan
# exactly as their whole crash images do (tests/xfs/xlogdump IMAGE plan:
# every write's offset and length, the pending work, the counts), so the
# harness reaches the planner's real paths; the committed seeds must be what
# the script cuts today. Then FSIMG_XPLAN_FUZZ_N (default 1500) inputs
# mutated from them in one process, twice with two mutator seeds (the
# driver's option byte is i mod 16: half with the record CRCs recomputed,
# bit 2, so mutations reach the op and item parsers on v5): exit 0, no sanitizer report, no hang (timeout),
# and every plan well formed (the harness aborts otherwise).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz python3 timeout
H=$top_builddir/fuzz/fuzz_xplan
DUMP=$top_builddir/tests/xfs/xlogdump
S=$top_srcdir/fuzz/seeds/xplan
[ -x "$H" ] && [ -x "$DUMP" ] || skip_all "fuzz/fuzz_xplan or tests/xfs/xlogdump not built"
N=${FSIMG_XPLAN_FUZZ_N:-1500}
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 10
sanitizer() { grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$1"; }
for n in v5-4k-fsync v4-1k-mixed v5-rmap-reflink-meta xfs-fsync xq-4k-quota xi-1k-bui-cui; do
	x=$top_srcdir/tests/xfs/xlog/$n.img.xz
	[ -e "$x" ] || x=$top_srcdir/tests/crash/fixtures/$n.img.xz
	xz -dc "$x" > "$t/img" || exit 1
	"$DUMP" "$t/img" plan > "$t/want" 2>&1
	FUZZ_XPLAN_PRINT=1 "$H" "$S/$n" 2> "$t/err" | grep -v ' inputs$' > "$t/got"
	python3 "$top_srcdir/fuzz/mkseeds_xplan.py" "$FSIMG" "$t/img" "$t/seed"
	cmp -s "$t/got" "$t/want" && ! sanitizer "$t/err" && cmp -s "$t/seed" "$S/$n"
	ok $? "$n: the seed plans as its whole image ($(grep -c '^write' "$t/want") writes, $(grep -c '^pending' "$t/want") pending) and is what mkseeds_xplan.py cuts"
done
# -m puts its own option byte before each base: the seeds' bases are the seeds after theirs
# (with it, every input was shifted by a byte and none reached the planner). At least one in
# ten mutated inputs must be planned.
mkdir "$t/base"
for f in "$S"/*; do tail -c +2 "$f" > "$t/base/${f##*/}"; done
for seed in 3 7; do
	FUZZ_XPLAN_PRINT=1 timeout -k 5 600 "$H" -m $seed "$N" "$t/base"/* > "$t/out" 2>&1
	st=$?
	planned=$(grep -c '^skipped-lsn' "$t/out")
	[ $st -eq 0 ] && ! sanitizer "$t/out" && [ "$planned" -ge $((N / 10)) ]
	ok $? "$N mutated inputs through fuzz_xplan (seed $seed): status $st, $planned planned, $(tail -1 "$t/out")"
	[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
done
# Damage the planner must survive in the seed itself: a buffer item over the
# superblock sector's end, an inode cluster that is zeros (bad inode magic).
python3 - "$S/v4-1k-mixed" "$t/z" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
loglen, = struct.unpack('>I', d[513:517])
open(sys.argv[2], 'wb').write(d[:517 + loglen])  # no data sectors: every buffer reads as zeros
PY
FUZZ_XPLAN_PRINT=1 timeout -k 5 60 "$H" "$t/z" > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "v4-1k-mixed's log over a device of zeros: no crash (status $st; $(grep -c '^write' "$t/out") writes planned)"
timeout -k 5 60 "$H" "$S"/* > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "the seeds replayed: status $st, $(tail -1 "$t/out")"

done_testing
