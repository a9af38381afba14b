#!/bin/sh
# The XFS recovery plan made with pass 2 beside pass 1 on a second thread
# (libfsimg/xlog/plan_par.c), and made with pass 2 right after pass 1 on each
# transaction of one walk (what small logs get), must be the plan made the
# ordinary way, one pass after the other in two walks (the kernel's
# xlog_do_log_recovery order): on every XFS crash fixture, tests/xfs/xlogdump
# IMAGE plansum par and plansum one against plansum serial (every write's
# offset and length, a crc32c of all the bytes written, the pending work,
# the counts and the walk's counts). The fixtures with cancel records are the
# ones where the guess (no cancels) fails and pass 2 runs again; the others
# keep the guessed work. (The threshold that keeps small logs on one thread
# is lifted by plansum par; on a machine with one CPU par is one walk.)
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz
DUMP=$top_builddir/tests/xfs/xlogdump
[ -x "$DUMP" ] || skip_all "tests/xfs/xlogdump not built"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
set -- "$top_srcdir"/tests/xfs/xlog/*.img.xz "$top_srcdir"/tests/crash/fixtures/x[a-z]-*.img.xz \
	"$top_srcdir"/tests/crash/fixtures/xfs-*.img.xz
plan $(($# * 2))
for x in "$@"; do
	n=$(basename "$x" .img.xz)
	xz -dc "$x" > "$t/img" || exit 1
	logdev=
	if [ -e "${x%.img.xz}.log.xz" ]; then
		xz -dc "${x%.img.xz}.log.xz" > "$t/log" || exit 1
		logdev=$t/log
	fi
	"$DUMP" "$t/img" $logdev plansum par > "$t/par" 2>&1
	a=$?
	"$DUMP" "$t/img" $logdev plansum one > "$t/one" 2>&1
	c=$?
	"$DUMP" "$t/img" $logdev plansum serial > "$t/serial" 2>&1
	b=$?
	for m in par one; do
		if [ $m = par ]; then s=$a; else s=$c; fi
		[ $s = $b ] && cmp -s "$t/$m" "$t/serial"
		ok $? "$n: $m the same plan as two walks (status $s, $(grep -c '^write' "$t/serial") writes, $(sed -n 's/.* cancelled \([0-9]*\) .*/\1/p' "$t/serial") cancelled items, $(sed -n 's/^bytes //p' "$t/serial"))"
		cmp -s "$t/$m" "$t/serial" || diff "$t/serial" "$t/$m" | head -5 | sed 's/^/#   /'
	done
done
