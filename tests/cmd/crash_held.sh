#!/bin/sh
# The crash harness's count of files left unlinked and open at the cut
# (tests/crash/compare.py's "held_open", report.py's cut cell): 16 are
# counted open, as workload.c's hold() keeps its last 16, and any held
# before them are said ("... and N more held"), not dropped. Run dirs made
# by hand: a crash.rec of "@@ hold" records and no recovery (the row ends as
# "error", which reads nothing else).
. "$top_srcdir/tests/lib/tap.sh"
need python3
d=$(mktemp_dir)
# row NAME N: a run dir of N hold records, compared, its cut and cut cell
row() {
	mkdir -p "$d/$1"
	echo '{"fs": "xfs", "cut_how": "after op 70"}' > "$d/$1/meta.json"
	i=0
	while [ $i -lt "$2" ]; do
		i=$((i + 1))
		echo "@@ hold $i $((1000 + i)) d0/f$i"
	done > "$d/$1/crash.rec"
	echo "@@ cut 70" >> "$d/$1/crash.rec"
	python3 "$top_srcdir/tests/crash/compare.py" "$d/$1" --fsimg "$FSIMG" > /dev/null 2>&1
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["cut"])' "$d/$1/result.json"
	printf '%s -F xfs\n' "$1" > "$d/m.txt"
	python3 "$top_srcdir/tests/crash/report.py" "$d/m.txt" "$d" | grep "^| $1 "
}
row many 60 > "$d/out"
grep -q "'held_open': 16, 'held_more': 44" "$d/out" && grep -q '16 unlinked files open \.\.\. and 44 more held |' "$d/out"
ok $? "60 held: 16 counted open and 44 more said (result.json, RESULTS.md cell)"
row few 16 > "$d/out"
grep -q "'held_open': 16}" "$d/out" && grep -q '16 unlinked files open |' "$d/out"
ok $? "16 held: 16 open, nothing more said"
rm -rf "$d"
done_testing
