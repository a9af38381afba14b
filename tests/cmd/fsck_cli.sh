#!/bin/sh
# fsimg fsck's command line: refused repair options, exit codes, text and
# --json output shapes, --list-problems, and the man page's problem list.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs jq
plan 13
fs_tmp
fs_img ext4 "$tmp/c.img"
img=$tmp/c.img

for o in -y -p -a; do
	out=$("$FSIMG" fsck $o "$img" 2>&1); st=$?
	[ $st -eq 16 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$out" | grep -q "never repairs.*e2fsck"
	ok $? "fsck $o refused in one line pointing to e2fsck, exit 16 (got $st)"
done
"$FSIMG" fsck -n -f "$img" >"$tmp/out" 2>&1; ok $? "-n -f accepted, clean image exits 0"
tail -1 "$tmp/out" | grep -Eq ': 0 errors, 0 warnings, [0-9]+ infos?; [0-9]+ inodes, [0-9]+ blocks checked; preallocated past EOF: [0-9]+ blocks in [0-9]+ inodes$'
ok $? "the summary line"
"$FSIMG" fsck "$tmp/missing.img" >/dev/null 2>&1; [ $? -eq 8 ]; ok $? "a missing image exits 8"
"$FSIMG" fsck >/dev/null 2>&1; [ $? -eq 16 ]; ok $? "no IMAGE exits 16"

cp "$img" "$tmp/bad.img"
fs_dbg "$tmp/bad.img" "setb 15000"
"$FSIMG" fsck "$tmp/bad.img" >"$tmp/bad.out" 2>&1; st=$?
[ $st -eq 4 ] && grep -q '^BLOCK_FREE_MARKED_USED: blocks 15000+1 ' "$tmp/bad.out"
ok $? "an error: exit 4 and an 'ID: message' line (got $st)"
"$FSIMG" fsck -q "$tmp/bad.img" >"$tmp/q.out" 2>&1
! grep -q '^info: ' "$tmp/q.out" && grep -q '^BLOCK_FREE_MARKED_USED' "$tmp/q.out"
ok $? "-q prints errors only"
"$FSIMG" fsck -v "$tmp/bad.img" 2>/dev/null | grep -q '^Pass 1: '; ok $? "-v adds pass lines"

"$FSIMG" fsck --json "$tmp/bad.img" >"$tmp/j" 2>/dev/null
jq -e '(keys == ["image","problems","replayed","summary"]) and .replayed == null and
	(.problems[] | select(.id == "BLOCK_FREE_MARKED_USED") | .code == 6002 and .severity == "error" and .block == 15000 and .length == 1) and
	(.summary | .errors >= 1 and has("warnings") and has("infos") and has("inodes_checked") and has("blocks_checked"))' "$tmp/j" >/dev/null
ok $? "--json: the issue's object"

# --list-problems: unique ids and codes; the man page carries the same list
"$FSIMG" fsck --list-problems >"$tmp/list"
[ -s "$tmp/list" ] && [ "$(cut -f1 "$tmp/list" | sort | uniq -d)" = "" ] && [ "$(cut -f2 "$tmp/list" | sort | uniq -d)" = "" ]
ok $? "--list-problems: ids and codes unique"
fs_problems_man >"$tmp/want"
sed -n '/^\.\\" BEGIN PROBLEMS/,/^\.\\" END PROBLEMS/p' "$top_srcdir/man/fsimg-fsck.1" | sed '1d;$d' >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got"
ok $? "fsimg-fsck(1) lists every problem as --list-problems does (make man-problems)"
cmp -s "$tmp/want" "$tmp/got" || diff "$tmp/want" "$tmp/got" | head | sed 's/^/#   /'
done_testing
