#!/bin/sh
# Replay every fuzz seed and every past crash input through every harness
# (fuzz/fuzz_*, built with fuzz/standalone.c), so a crash once found stays
# fixed: in the ASan+UBSan build any memory error or undefined behaviour is a
# failure. Inputs: the seeds fuzz/mkseeds.sh generates (when mke2fs exists),
# fuzz/seeds/<target>/ and fuzz/regress/<target>/ (committed).
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs debugfs
targets="open inode dir journal cat fsck image xlog xplan xfin fc"
plan 11
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
gen=
if command -v mke2fs >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1; then
	if sh "$top_srcdir/fuzz/mkseeds.sh" "$tmp" > "$tmp/mkseeds.log" 2>&1; then
		gen=$tmp/seeds
	else
		diag "mkseeds.sh failed: $(tail -1 "$tmp/mkseeds.log")"
	fi
fi
for t in $targets; do
	h=$top_builddir/fuzz/fuzz_$t
	set --
	[ -z "$gen" ] || [ ! -d "$gen/$t" ] || set -- "$@" "$gen/$t"
	for d in "$top_srcdir/fuzz/seeds/$t" "$top_srcdir/fuzz/regress/$t"; do
		[ ! -d "$d" ] || set -- "$@" "$d"
	done
	if [ $# -eq 0 ]; then
		skip "$t: no inputs"
		continue
	fi
	FUZZ_VERBOSE=1 "$h" "$@" > "$tmp/out" 2>&1
	st=$?
	bad=
	[ $st -eq 0 ] || bad="exit status $st"
	! grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$tmp/out" || bad="$bad; sanitizer report"
	[ -z "$bad" ]
	ok $? "fuzz_$t: $(tail -1 "$tmp/out" | sed 's/.*: //') replayed"
	if [ -n "$bad" ]; then
		diag "$bad; last input: $(grep '^# ' "$tmp/out" | tail -1)"
		grep -v '^# ' "$tmp/out" | head -30 | sed 's/^/#   /'
	fi
done
done_testing
