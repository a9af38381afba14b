#!/bin/sh
# fsck --baseline REPORT: only the problems new since an earlier fsck --json
# report, and those gone. The two images are a clean one from mke2fs -d and a
# copy damaged by debugfs (e2fsck -fn finds the damage); what is new or gone
# must be the difference of the two full reports, computed here with jq.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck jq
plan 10
fs_tmp
fs_img ext4 "$tmp/clean.img"
cp "$tmp/clean.img" "$tmp/bad.img"
# a used block marked free, and a wrong link count: two errors of different kinds
fs_dbg "$tmp/bad.img" "setb 15000" "sif /deep links_count 9"
[ "$(fs_e2fsck "$tmp/bad.img")" = error ] || echo "Bail out! debugfs did not damage the image"

"$FSIMG" fsck --json "$tmp/clean.img" > "$tmp/clean.json"
"$FSIMG" fsck --json "$tmp/bad.img" > "$tmp/bad.json"

# the problems of report A not in report B, as "ID: message" lines
diffp() {
	jq -rn --slurpfile a "$1" --slurpfile b "$2" '
		def key: [.id, .message, .inode, .block, .lblk, .length, .group];
		($b[0].problems | map(key)) as $bk
		| $a[0].problems[] | select((key) as $k | $bk | index([$k]) | not)
		| (if .severity == "error" then "" else .severity + ": " end) + .id + ": " + .message'
}

"$FSIMG" fsck --baseline "$tmp/clean.json" "$tmp/clean.img" > "$tmp/same.out"; st=$?
[ $st -eq 0 ] && ! grep -Eq '^(new|gone): ' "$tmp/same.out" &&
	grep -q '; since .*clean.json: 0 new (0 errors), 0 gone$' "$tmp/same.out"
ok $? "its own report as baseline: nothing new, nothing gone, exit 0 (got $st)"

diffp "$tmp/bad.json" "$tmp/clean.json" | sed 's/^/new: /' > "$tmp/want"
"$FSIMG" fsck --baseline "$tmp/clean.json" "$tmp/bad.img" > "$tmp/new.out"; st=$?
grep -E '^(new|gone): ' "$tmp/new.out" > "$tmp/got"
[ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"
ok $? "damaged since the baseline: the new problems are the reports' difference ($(wc -l < "$tmp/want") lines)"
grep -q '^new: BLOCK_FREE_MARKED_USED: ' "$tmp/got" && grep -q '^new: INODE_LINK_COUNT: ' "$tmp/got"
ok $? "  among them the two debugfs made"
[ $st -eq 4 ]; ok $? "  a new error: exit 4 (got $st)"

diffp "$tmp/bad.json" "$tmp/clean.json" | sed 's/^/gone: /' > "$tmp/want"
"$FSIMG" fsck --baseline "$tmp/bad.json" "$tmp/clean.img" > "$tmp/gone.out"; st=$?
grep -E '^(new|gone): ' "$tmp/gone.out" > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" && [ $st -eq 0 ]
ok $? "repaired since the baseline: the gone problems, exit 0 (got $st)"

"$FSIMG" fsck --json --baseline "$tmp/clean.json" "$tmp/bad.img" > "$tmp/new.json"
jq -e --slurpfile a "$tmp/bad.json" --slurpfile b "$tmp/clean.json" '
	def key: [.id, .message, .inode, .block, .lblk, .length, .group];
	($b[0].problems | map(key)) as $bk
	| .new == [$a[0].problems[] | select((key) as $k | $bk | index([$k]) | not)]
	  and .gone == [] and .summary.new == (.new | length) and .summary.gone == 0
	  and .summary.errors == $a[0].summary.errors' "$tmp/new.json" >/dev/null
ok $? "--json --baseline: \"new\" holds the problem objects the baseline lacks, \"gone\" none"

# Malformed reports: one line on stderr with the parser's position, exit 8.
head -c 40 "$tmp/bad.json" > "$tmp/trunc.json"
"$FSIMG" fsck --baseline "$tmp/trunc.json" "$tmp/bad.img" > "$tmp/o" 2> "$tmp/e"; st=$?
[ $st -eq 8 ] && [ ! -s "$tmp/o" ] && [ "$(wc -l < "$tmp/e")" -eq 1 ] &&
	grep -q 'trunc.json: not valid JSON at line 1, column 41 (byte 41): ' "$tmp/e"
ok $? "a truncated report: refused at its end, one line, exit 8 (got $st: $(cat "$tmp/e"))"

printf '{"image":"x",\n "problems":[{"id":"A","message":"m"},]}\n' > "$tmp/comma.json"
"$FSIMG" fsck --baseline "$tmp/comma.json" "$tmp/bad.img" > /dev/null 2> "$tmp/e"; st=$?
[ $st -eq 8 ] && grep -q 'not valid JSON at line 2, column 39 (byte 53): ' "$tmp/e"
ok $? "a stray comma: refused at line 2, column 39, the bracket after it (got $st: $(cat "$tmp/e"))"

printf '{"problems":[{"id":"A"}]}' > "$tmp/noid.json"
"$FSIMG" fsck --baseline "$tmp/noid.json" "$tmp/bad.img" > /dev/null 2> "$tmp/e"; st=$?
[ $st -eq 8 ] && grep -q 'not an fsck --json report: problems\[0\]' "$tmp/e"
ok $? "valid JSON that is no fsck report: refused, exit 8"

"$FSIMG" fsck --baseline "$tmp/missing.json" "$tmp/bad.img" > /dev/null 2> "$tmp/e"; st=$?
[ $st -eq 8 ] && grep -q 'missing.json: no such file or directory' "$tmp/e"
ok $? "a missing report: exit 8"
done_testing
