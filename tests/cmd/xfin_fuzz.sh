#!/bin/sh
# The XFS finish's fuzz harness (fuzz/fuzz_xfin) in make check. Its seeds
# (fuzz/seeds/xfin, cut by fuzz/mkseeds_xplan.py --meta: the log and every
# metadata block of the image) must plan exactly as their whole crash images
# do (tests/xfs/xlogdump IMAGE plan), the finish after replay included, and
# the finish must write btree blocks there (so the harness checks what the
# editors leave); the committed seeds must be what the script cuts today.
# Then FSIMG_XFIN_FUZZ_N (default 1500) inputs mutated from them in one
# process, twice with two mutator seeds (option byte i mod 16: bit 3 has the
# v5 metadata CRCs recomputed so mutated blocks reach the editors): exit 0,
# no sanitizer report, no hang, every plan and every btree block the finish
# wrote well formed (the harness aborts otherwise).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz python3 timeout
H=$top_builddir/fuzz/fuzz_xfin
DUMP=$top_builddir/tests/xfs/xlogdump
S=$top_srcdir/fuzz/seeds/xfin
[ -x "$H" ] && [ -x "$DUMP" ] || skip_all "fuzz/fuzz_xfin or tests/xfs/xlogdump not built"
N=${FSIMG_XFIN_FUZZ_N:-1500}
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 10
sanitizer() { grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$1"; }
for n in xf-4k-ichunkx xh-4k-unlinked xi-1k-bui-cui v5-rmap-reflink-meta; do
	x=$top_srcdir/tests/xfs/xlog/$n.img.xz
	[ -e "$x" ] || x=$top_srcdir/tests/crash/fixtures/$n.img.xz
	xz -dc "$x" > "$t/img" || exit 1
	"$DUMP" "$t/img" plan > "$t/want" 2>&1
	FUZZ_XPLAN_PRINT=1 "$H" "$S/$n" 2> "$t/err" | grep -v ' inputs$' > "$t/got"
	FUZZ_XFIN_PRINT=1 "$H" "$S/$n" 2>> "$t/err" | grep '^finished' > "$t/fin"
	python3 "$top_srcdir/fuzz/mkseeds_xplan.py" --meta "$FSIMG" "$t/img" "$t/seed"
	cmp -s "$t/got" "$t/want" && ! sanitizer "$t/err" && cmp -s "$t/seed" "$S/$n" &&
		grep -Eq '^finished yes, [1-9][0-9]* btree blocks' "$t/fin"
	ok $? "$n: the seed plans as its whole image ($(grep -c '^write' "$t/want") writes) and is what mkseeds_xplan.py --meta cuts; $(cat "$t/fin")"
done
# The kernel crash rows' seeds (min-*: cut by mkseeds_xplan.py --meta, then shrunk to what
# the harness reads by mkseeds_xfin_min.py) must still reach the finish.
fin=
for f in "$S"/min-*; do
	FUZZ_XFIN_PRINT=1 "$H" "$f" 2>> "$t/err" | grep -q '^finished yes' || fin="$fin ${f##*/}"
done
[ -z "$fin" ] && ! sanitizer "$t/err"
ok $? "the minimised kernel-row seeds reach the finish${fin:+ (not:$fin)}"
# -m puts its own option byte before each base: the seeds' bases are the seeds after theirs
# (with it, every input was shifted by a byte and none reached the planner). At least one in
# ten mutated inputs must get through to the finish.
mkdir "$t/base"
for f in "$S"/*; do tail -c +2 "$f" > "$t/base/${f##*/}"; done
for seed in 3 7; do
	FUZZ_XFIN_PRINT=1 timeout -k 5 900 "$H" -m $seed "$N" "$t/base"/* > "$t/out" 2>&1
	st=$?
	fin=$(grep -c '^finished yes' "$t/out")
	[ $st -eq 0 ] && ! sanitizer "$t/out" && [ "$fin" -ge $((N / 10)) ]
	ok $? "$N mutated inputs through fuzz_xfin (seed $seed): status $st, $fin finished, $(tail -1 "$t/out")"
	[ $st -eq 0 ] || tail -5 "$t/out" | sed 's/^/#   /'
done
# The past crashes (fuzz/regress/xfin) and the seeds, with their CRCs recomputed (bit 3).
for f in "$S"/*; do
	{ printf '\010'; tail -c +2 "$f"; } > "$t/x-$(basename "$f")"
done
timeout -k 5 120 "$H" "$t"/x-* $(ls -d "$top_srcdir/fuzz/regress/xfin" 2>/dev/null) > "$t/out" 2>&1
st=$?
[ $st -eq 0 ] && ! sanitizer "$t/out"
ok $? "the seeds with bit 3 and the kept crashes replayed: status $st, $(tail -1 "$t/out")"
# What the kept inputs must leave: where the finish must refuse rather than guess, a
# pending line with the reason. refcountbt-duplicated-run's log record claims cycle 9 in
# a log whose head is at 1:1340: replay stamps AG 0's AGF with its LSN, and the kernel's
# mount then fails reading it (xfs_log_check_lsn), finishing nothing.
R=$top_srcdir/fuzz/regress/xfin
while IFS='|' read -r n want; do
	FUZZ_XPLAN_PRINT=1 "$H" "$R/$n" > "$t/out" 2>&1
	grep -q "^pending .*$want" "$t/out" || { echo "$n: no pending line with '$want'"; tail -3 "$t/out"; }
done > "$t/bad" <<'EOF'
bnobt-neighbour-out-of-ag|AG 1: free extent 60479+32 out of the AG
bmbt-sibling-out-of-fs|inode 262213: its bmbt block 131151 has a bad left sibling 18446744071545356287
refcountbt-duplicated-run|AG 0's AGF: its LSN 9:161 is ahead of the log's head 1:1340, where the kernel's mount fails
EOF
[ ! -s "$t/bad" ]
ok $? "the kept inputs refuse with their reasons (fuzz/regress/xfin)"
sed 's/^/#   /' "$t/bad"
# Where the tree came in out of order across two sibling blocks, which the kernel's replay
# and finish do not check either (non-DEBUG 6.1: xfs_btree_lookup and the shifts compare
# keys in no block but the one they search), the finish writes what it finds and the harness
# must see that: a bmbt leaf whose last offset the log raised past its right sibling's
# first.
while IFS='|' read -r n want; do
	FUZZ_XFIN_PRINT=1 "$H" "$R/$n" > "$t/out" 2>&1
	grep -q "^finished yes, .*came in unordered: $want\$" "$t/out" && ! sanitizer "$t/out" ||
		{ echo "$n: no finish with '$want' unordered"; tail -3 "$t/out"; }
done > "$t/bad" <<'EOF'
bmbt-lshift-crossleaf-disorder|BMA3
EOF
[ ! -s "$t/bad" ]
ok $? "the kept inputs whose trees came in unordered across siblings finish (fuzz/regress/xfin)"
sed 's/^/#   /' "$t/bad"
done_testing
