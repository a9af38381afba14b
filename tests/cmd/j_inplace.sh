#!/bin/sh
# replay --in-place and undo: the undo file restores the original byte for
# byte, after a clean run, after an injected write failure after N blocks
# (FSIMG_TEST_FAIL_AFTER_WRITES), and after a SIGKILL in the middle
# (FSIMG_TEST_SLOW_WRITES); a re-run completes the replay to e2fsck's result.
# The hooks are only in $FSIMG_HOOKS, the check-only build: the installed
# $FSIMG must ignore them.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
: "${FSIMG_HOOKS:?run through make check}"
plan 34
d=$(mktemp_dir)
img=$d/img
j_two_transactions "$img"
sum0=$(sha256sum <"$img")
j_e2fsck "$img" "$d/e2fsck" >/dev/null
sum_of() { sha256sum <"$1"; }

cp "$img" "$d/a"
"$FSIMG" replay --in-place "$d/a" >"$d/out" 2>&1
ok $? "replay --in-place succeeds"
j_cmp_allowed "$d/a" "$d/e2fsck"
ok $? "replay --in-place equals e2fsck -E journal_only (but the allowed bytes)"
[ -s "$d/a.fsimg-undo" ]
ok $? "the default undo file IMAGE.fsimg-undo is written"
"$FSIMG" info --json "$d/a" 2>/dev/null | grep -q '"needs_recovery":false,"replayed":null'
ok $? "after it, needs_recovery is clear and nothing is replayed in memory"
"$FSIMG" replay --in-place "$d/a" >/dev/null 2>&1
ok $? "a second replay --in-place: nothing to replay, exit 0"
"$FSIMG" undo "$d/a.fsimg-undo" "$d/a" >/dev/null 2>&1
ok $? "undo succeeds"
[ "$(sum_of "$d/a")" = "$sum0" ]
ok $? "undo restores the original sha256"

for n in 0 1 3 7 11; do
	cp "$img" "$d/f"
	rm -f "$d/f.u1" "$d/f.u2"
	FSIMG_TEST_FAIL_AFTER_WRITES=$n "$FSIMG_HOOKS" replay --in-place --undo "$d/f.u1" "$d/f" >/dev/null 2>"$d/err"
	st=$?
	[ $st -eq 8 ] && grep -q "fsimg undo" "$d/err"
	ok $? "write failure after $n blocks: exit 8 and a hint to undo"
	cp "$d/f" "$d/f.partial"
	"$FSIMG" undo "$d/f.u1" "$d/f" >/dev/null 2>&1 && [ "$(sum_of "$d/f")" = "$sum0" ]
	ok $? "write failure after $n blocks: undo restores the original sha256"
	cp "$d/f.partial" "$d/f"
	"$FSIMG" replay --in-place --undo "$d/f.u2" "$d/f" >/dev/null 2>&1 && j_cmp_allowed "$d/f" "$d/e2fsck"
	ok $? "write failure after $n blocks: a re-run completes the replay to e2fsck's result"
done

# SIGKILL in the middle: slow writes (100 ms each, ~15 blocks) killed after 0.5 s.
cp "$img" "$d/k"
FSIMG_TEST_SLOW_WRITES=100 "$FSIMG_HOOKS" replay --in-place --undo "$d/k.u1" "$d/k" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
[ "$(sum_of "$d/k")" != "$sum0" ]
ok $? "SIGKILL: the image was partly written when killed"
cp "$d/k" "$d/k.partial"
"$FSIMG" undo "$d/k.u1" "$d/k" >/dev/null 2>&1 && [ "$(sum_of "$d/k")" = "$sum0" ]
ok $? "SIGKILL: undo restores the original sha256"
cp "$d/k.partial" "$d/k"
"$FSIMG" replay --in-place --undo "$d/k.u2" "$d/k" >/dev/null 2>&1 && j_cmp_allowed "$d/k" "$d/e2fsck"
ok $? "SIGKILL: a re-run completes the replay to e2fsck's result"

# The release binary has no hooks: not even their names, and they change nothing.
! grep -q FSIMG_TEST_ "$FSIMG"
ok $? "the fsimg binary holds no FSIMG_TEST_ hook"
cp "$img" "$d/h"
FSIMG_TEST_FAIL_AFTER_WRITES=0 "$FSIMG" replay --in-place --undo "$d/h.u" "$d/h" >/dev/null 2>&1 &&
	j_cmp_allowed "$d/h" "$d/e2fsck"
ok $? "fsimg ignores FSIMG_TEST_FAIL_AFTER_WRITES"

# Refusals.
cp "$img" "$d/r"
: >"$d/r.fsimg-undo"
"$FSIMG" replay --in-place "$d/r" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "undo file exists" "$d/err" && [ "$(sum_of "$d/r")" = "$sum0" ]
ok $? "an existing undo file is never overwritten (exit 8, image untouched)"
rm -f "$d/r.fsimg-undo"
chmod 444 "$d/r"
"$FSIMG" replay --in-place "$d/r" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "read-only" "$d/err" && [ ! -e "$d/r.fsimg-undo" ]
ok $? "--in-place on a read-only file: exit 8, a clear message, no undo file"
chmod 644 "$d/r"
"$FSIMG" replay --in-place "$d/r" >/dev/null 2>&1
j_mkfs "$d/other" 8M -t ext4 -b 1024
osum=$(sum_of "$d/other")
"$FSIMG" undo "$d/r.fsimg-undo" "$d/other" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "UUID" "$d/err" && [ "$(sum_of "$d/other")" = "$osum" ]
ok $? "undo refuses an image of another UUID"
truncate -s 8M "$d/other"
truncate -s 9M "$d/other"
"$FSIMG" undo "$d/r.fsimg-undo" "$d/other" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "bytes" "$d/err"
ok $? "undo refuses an image of another size"
cp "$d/r.fsimg-undo" "$d/short"
truncate -s -1 "$d/short"
"$FSIMG" undo "$d/short" "$d/r" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "incomplete" "$d/err"
ok $? "undo refuses an incomplete undo file"
cp "$d/r.fsimg-undo" "$d/bad"
printf 'X' | dd of="$d/bad" bs=1 seek=200 conv=notrunc 2>/dev/null
"$FSIMG" undo "$d/bad" "$d/r" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "corrupt" "$d/err"
ok $? "undo refuses a corrupt undo record"
"$FSIMG" undo "$d/r.fsimg-undo" "$d/r" >/dev/null 2>&1 && [ "$(sum_of "$d/r")" = "$sum0" ]
ok $? "and the good undo file still restores it"
rm -rf "$d"
done_testing
