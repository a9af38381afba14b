#!/bin/sh
# The XFS recovery plan made with pass 2 beside pass 1 on a second thread
# (libfsimg/xlog/plan_par.c) must be the plan made the ordinary way, one pass
# after the other (the kernel's xlog_do_log_recovery order): on every XFS
# crash fixture, tests/xfs/xlogdump IMAGE plansum par against plansum serial
# (every write's offset and length, a crc32c of all the bytes written, the
# pending work, the counts and the walk's counts). The fixtures with cancel
# records are the ones where the worker's guess (no cancels) fails and
# pass 2 runs again; the others keep the worker's work. (The threshold that
# keeps small logs on one thread is lifted by plansum par; on a machine with
# one CPU both runs are serial.)
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz
DUMP=$top_builddir/tests/xfs/xlogdump
[ -x "$DUMP" ] || skip_all "tests/xfs/xlogdump not built"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
set -- "$top_srcdir"/tests/xfs/xlog/*.img.xz "$top_srcdir"/tests/crash/fixtures/x[a-z]-*.img.xz \
	"$top_srcdir"/tests/crash/fixtures/xfs-*.img.xz
plan $#
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
	"$DUMP" "$t/img" $logdev plansum serial > "$t/serial" 2>&1
	b=$?
	[ $a = $b ] && cmp -s "$t/par" "$t/serial"
	ok $? "$n: the same plan both ways (status $a, $(grep -c '^write' "$t/serial") writes, $(sed -n 's/.* cancelled \([0-9]*\) .*/\1/p' "$t/serial") cancelled items, $(sed -n 's/^bytes //p' "$t/serial"))"
	cmp -s "$t/par" "$t/serial" || diff "$t/serial" "$t/par" | head -5 | sed 's/^/#   /'
done
