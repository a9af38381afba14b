#!/bin/sh
# tests/conformance/e2fsck-coverage.tsv against the problem table and
# e2fsck's problem.h: every fsimg id it names exists (fsimg fsck
# --list-problems), every "same as" names a row, every code is there once;
# and --list-problems prints ID, code, severity, message (-v: structure and
# explanation too).
. "$top_srcdir/tests/lib/tap.sh"
plan 8
tsv=$top_srcdir/tests/conformance/e2fsck-coverage.tsv
tmp=$(mktemp_dir) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$FSIMG" fsck --list-problems >"$tmp/list"; st=$?
[ $st -eq 0 ] && [ -s "$tmp/list" ] && awk -F'\t' 'NF != 4 || $2 !~ /^[0-9]+$/ || $3 !~ /^(error|warning|info)$/ { bad = 1 } END { exit bad }' "$tmp/list"
ok $? "--list-problems: ID, code, severity, message on each line"
"$FSIMG" fsck --list-problems -v | awk -F'\t' 'NF != 6 { bad = 1 } END { exit bad }'
ok $? "--list-problems -v adds the structure and the explanation"

grep -v '^#' "$tsv" | tail -n +2 >"$tmp/rows"
awk -F'\t' 'NF != 5 || $1 !~ /^PR_[0-9][0-9A-E]?_[A-Z0-9_]+$/ || $2 !~ /^0x[0-9A-Fa-f]+$/ || $3 == "" ||
	($4 ~ /^(n\/a|missing)$/ && $5 == "") { print "#   " $0; bad = 1 } END { exit bad }' "$tmp/rows"
ok $? "every row: code, value, message, fsimg, reason (a reason for n/a and missing)"
[ -z "$(cut -f1 "$tmp/rows" | sort | uniq -d)" ] && [ -z "$(cut -f2 "$tmp/rows" | tr A-F a-f | sort | uniq -d)" ]
ok $? "each code and each value once"

# the ids named exist in the problem table
cut -f1 "$tmp/list" | sort >"$tmp/ids"
awk -F'\t' '$4 !~ /^(n\/a|missing|same as )/ { n = split($4, a, ","); for (i = 1; i <= n; i++) print a[i] }' "$tmp/rows" |
	sort -u >"$tmp/named"
comm -23 "$tmp/named" "$tmp/ids" >"$tmp/unknown"
[ -s "$tmp/named" ] && [ ! -s "$tmp/unknown" ]
ok $? "every fsimg id in the table is in --list-problems"
sed 's/^/#   unknown id: /' "$tmp/unknown"

cut -f1 "$tmp/rows" | sort >"$tmp/codes"
awk -F'\t' '$4 ~ /^same as / { print substr($4, 9) }' "$tmp/rows" | sort -u | comm -23 - "$tmp/codes" >"$tmp/dangling"
[ ! -s "$tmp/dangling" ]
ok $? "every 'same as' names a code of the table"

# e2fsck's problem.h (the reference copy), when this machine has it
ph=${E2FSCK_PROBLEM_H:-}
if [ -z "$ph" ]; then
	for d in "$top_srcdir/../shared/reference" "$top_srcdir/../../shared/reference"; do
		for f in "$d"/e2fsprogs-*/e2fsck/problem.h; do
			[ -f "$f" ] && ph=$f
		done
	done
fi
if [ -n "$ph" ] && [ -f "$ph" ]; then
	sed -n 's/^#define[ 	]*\(PR_[0-9][0-9A-Z]*_[A-Za-z0-9_]*\)[ 	]*\(0x[0-9A-Fa-f]*\).*/\1	\2/p' "$ph" |
		sort >"$tmp/want"
	cut -f1,2 "$tmp/rows" | sort >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got"
	ok $? "every code of $(basename "$(dirname "$(dirname "$ph")")")'s problem.h is in the table once, with its value"
	diff "$tmp/want" "$tmp/got" | head | sed 's/^/#   /'
else
	skip "e2fsck/problem.h not found (set E2FSCK_PROBLEM_H)"
fi
n=$(awk -F'\t' '$4 == "missing"' "$tmp/rows" | wc -l)
m=$(awk -F'\t' '$4 !~ /^(n\/a|missing|same as )/' "$tmp/rows" | wc -l)
diag "$(wc -l <"$tmp/rows") codes: $m mapped to fsimg ids, $n missing"
[ "$n" -eq 0 ]
ok $? "no code is missing (issue 15)"
done_testing
