#!/bin/sh
# Fast commits judged as the kernel's recovery scan does (ext4_fc_replay_scan):
# valid only with a HEAD carrying the first transaction not replayed and a
# TAIL with that tid and a good crc32c. Valid ones of the kinds fsimg replays
# (ADD_RANGE, LINK here) go into the replay; with one it does not (a range
# for reserved inode 7, which the kernel never logs and its ext4_iget refuses)
# `replay --in-place` refuses (image untouched), as the reset journal would
# lose them, and -o warns. Stale or TAIL-less areas raise
# nothing. Fast-commit blocks are written here by tests/lib/journal.sh
# (debugfs writes none); e2fsck -E journal_only is the oracle for the crc
# (it fails recovery on a bad TAIL, accepts a good one) and for the replay.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 19
d=$(mktemp_dir)
img=$d/img
# Transactions 1 and 2 committed: fast commits must carry tid 3.
fc=$(j_fc_two "$img")
for v in valid stale nohead badcrc link norep; do cp "$img" "$d/$v"; done
# Two fast commits, a block each (the HEAD only in the first); the crc runs on.
j_fc_write "$d/valid" $fc "HEAD:3 PAD:20 TAIL:3"
j_fc_write "$d/valid" $((fc + 1)) "RANGE PAD:8 TAIL:3"
j_fc_write "$d/link" $fc "HEAD:3 PAD:20 TAIL:3"
j_fc_write "$d/link" $((fc + 1)) "RANGE LINK PAD:8 TAIL:3"
j_fc_write "$d/norep" $fc "HEAD:3 PAD:20 TAIL:3"
j_fc_write "$d/norep" $((fc + 1)) "RANGE7 PAD:8 TAIL:3"
j_fc_write "$d/stale" $fc "HEAD:2 PAD:20 TAIL:2"
j_fc_write "$d/nohead" $fc "PAD:20 TAIL:3"
j_fc_write "$d/badcrc" $fc "HEAD:3 PAD:20 TAILBAD:3"
fcstate() { "$FSIMG" journal --json "$1" 2>/dev/null | tail -1 |
	sed -n 's/.*"fast_commit_state":"\([a-z_]*\)".*"fast_commits_valid":\([0-9]*\).*/\1 \2/p'; }

[ "$(fcstate "$d/valid")" = "valid 2" ] && [ "$(fcstate "$d/stale")" = "stale 0" ] &&
	[ "$(fcstate "$d/nohead")" = "empty 0" ] && [ "$(fcstate "$d/badcrc")" = "bad 0" ]
ok $? "journal --json: two valid fast commits; stale, no HEAD and a bad TAIL crc are not valid"
"$FSIMG" journal "$d/valid" 2>/dev/null | grep -q "^Fast commits: *2 valid for transaction 3"
ok $? "journal: says the fast commits are valid, for which transaction"

# e2fsck agrees on the crc: it recovers the valid area and fails on the bad TAIL.
# (the image's path is cut out first: a build tree may be named "werror")
j_e2fsck "$d/valid" "$d/valid.e2fsck" >/dev/null &&
	! sed "s|$d/[^ :]*||g" "$d/valid.e2fsck.e2fsck.log" | grep -qi "error\|invalid"
ok $? "e2fsck -E journal_only accepts the valid fast commits (no error)"
j_e2fsck "$d/badcrc" "$d/badcrc.e2fsck" >/dev/null && grep -q "checksum error" "$d/badcrc.e2fsck.e2fsck.log"
ok $? "e2fsck -E journal_only reports the bad TAIL crc"

sum=$(sha256sum <"$d/norep")
"$FSIMG" replay --in-place "$d/norep" >"$d/out" 2>"$d/err"
st=$?
[ $st -eq 4 ] && [ "$(wc -l <"$d/err")" -eq 1 ] && grep -q "refusing --in-place: the fast-commit area holds 2 valid.*reserved inode 7" "$d/err"
ok $? "replay --in-place with valid fast commits fsimg does not replay: exit 4 (refused), one line saying why"
[ "$(sha256sum <"$d/norep")" = "$sum" ] && [ ! -e "$d/norep.fsimg-undo" ]
ok $? "replay --in-place with valid fast commits fsimg does not replay: the image is untouched, no undo file"
"$FSIMG" replay -o "$d/norep.out" "$d/norep" >/dev/null 2>"$d/err"
[ $? -eq 0 ] && grep -q "WARNING: the fast-commit area holds 2 valid fast commits" "$d/err"
ok $? "replay -o with valid fast commits fsimg does not replay: done, with a loud warning"
"$FSIMG" replay -n "$d/norep" 2>/dev/null | grep -q "2 valid fast commits (2 blocks) that fsimg does not replay: a tag names reserved inode 7"
ok $? "replay -n counts the valid fast commits and their blocks, and says why they are not replayed"

# The ADD_RANGE alone is replayed: inode 12's block 0 is block 5000, and the
# result is consistent (e2fsck -fn, the oracle for bitmaps, counts, i_blocks).
"$FSIMG" replay -o "$d/valid.out" "$d/valid" >/dev/null 2>"$d/err"
[ $? -eq 0 ] && ! grep -q "WARNING" "$d/err"
ok $? "replay -o with valid fast commits it replays: no warning"
debugfs -R "bmap <12> 0" "$d/valid.out" 2>/dev/null | grep -qx 5000
ok $? "replay -o: the ADD_RANGE maps inode 12's block 0 to 5000 (debugfs)"
e2fsck -fn "$d/valid.out" >"$d/fsck" 2>&1
ok $? "replay -o: e2fsck -fn finds the result consistent"
"$FSIMG" replay -n "$d/valid" 2>/dev/null | grep -q "Fast commits replayed: 2"
ok $? "replay -n says the fast commits are replayed"
"$FSIMG" replay -o "$d/link.out" "$d/link" >/dev/null 2>&1 && e2fsck -fn "$d/link.out" >/dev/null 2>&1 &&
	[ "$(debugfs -R "stat /ln" "$d/link.out" 2>/dev/null | sed -n 's/.*Links: \([0-9]*\).*/\1/p')" = 2 ] &&
	debugfs -R "bmap /ln 0" "$d/link.out" 2>/dev/null | grep -qx 5000
ok $? "replay -o with a LINK: /ln names inode 12 (2 links, block 0 at 5000), e2fsck -fn clean"
cp "$d/valid" "$d/valid.ip"
"$FSIMG" replay --in-place "$d/valid.ip" >/dev/null 2>&1 && cmp -s "$d/valid.ip" "$d/valid.out"
ok $? "replay --in-place with replayed fast commits: the bytes of -o"

for v in stale nohead; do
	"$FSIMG" replay -o "$d/$v.out" "$d/$v" >/dev/null 2>"$d/err"
	[ $? -eq 0 ] && ! grep -q "fast-commit" "$d/err"
	ok $? "replay -o, $v fast-commit area: no fast-commit warning"
done
cp "$d/stale" "$d/stale.ip"
"$FSIMG" replay --in-place "$d/stale.ip" >/dev/null 2>&1 && cmp -s "$d/stale.ip" "$d/stale.out"
ok $? "replay --in-place, stale fast commits (e2fsck 1.47 fails there): the bytes of -o"
j_e2fsck "$d/nohead" "$d/nohead.e2fsck" >/dev/null && j_cmp_allowed "$d/nohead.out" "$d/nohead.e2fsck"
ok $? "replay -o, no HEAD: equals e2fsck -E journal_only"
"$FSIMG" replay -o "$d/badcrc.out" "$d/badcrc" >/dev/null 2>&1 && j_cmp_allowed "$d/badcrc.out" "$d/badcrc.e2fsck"
ok $? "replay -o, bad TAIL crc: recovery fails as in e2fsck, and the result equals its"
rm -rf "$d"
done_testing
