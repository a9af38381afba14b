#!/bin/sh
# A fixed sample of the differential campaign (fuzz/differential.sh, issue
# 15): structure-aware mutants of the fuzzing base images, judged by
# e2fsck -fn and by fsimg fsck. No crash or timeout, and agreement on the
# sample at least FSIMG_DIFF_FLOOR percent (the measured rate, less a
# margin: the campaign's own report lists each disagreement).
. "$top_srcdir/tests/lib/tap.sh"
need mke2fs debugfs e2fsck timeout
plan 2
[ -x "$top_builddir/fuzz/mutate" ] || { echo "Bail out! fuzz/mutate not built"; exit 99; }
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
N=${FSIMG_DIFF_N:-60}
FLOOR=${FSIMG_DIFF_FLOOR:-90}
top_builddir=$top_builddir FSIMG=$FSIMG sh "$top_srcdir/fuzz/differential.sh" --count "$N" --seed 1 \
	--mutate "$top_builddir/fuzz/mutate" --out "$tmp/rows" >"$tmp/log" 2>&1
st=$?
sed 's/^/# /' "$tmp/log"
[ $st -eq 0 ] && grep -q ' 0 crashes/timeouts' "$tmp/log"
ok $? "$N mutants: no crash or timeout of fsimg fsck"
pct=$(sed -n 's/.* agree (\([0-9.]*\)%[;)].*/\1/p' "$tmp/log")
[ -n "$pct" ] && awk -v p="$pct" -v f="$FLOOR" 'BEGIN { exit !(p >= f) }'
ok $? "verdict agreement with e2fsck -fn ${pct:-?}% >= $FLOOR%"
