#!/bin/sh
# Pass 7 and the issue's key scenario: a journal whose replay damages a block
# bitmap. e2fsck -fn skips recovery and exits 0; fsimg fsck checks the state
# after recovery and exits 4 (as e2fsck does after a real replay); with
# --no-replay it checks the on-disk state and exits 0.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs
plan 14
fs_tmp
fs_img ext4 "$tmp/base.img"
bb=$(dumpe2fs "$tmp/base.img" 2>/dev/null | awk '/^Group 0:/ { f = 1 } f && /Block bitmap at/ { print $4; exit }')
head -c 4096 /dev/zero >"$tmp/zeros"

img=$tmp/key.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "jo" "jw -b $bb $tmp/zeros" "jc"
[ "$(fs_e2fsck "$img")" = clean ]; ok $? "key: e2fsck -fn skips recovery and exits 0"
[ "$(fs_fsimg "$img")" = error ]; ok $? "key: fsimg fsck exits 4 on the post-recovery state"
fs_has "$img" BLOCK_USED_MARKED_FREE && fs_has "$img" JOURNAL_REPLAYED &&
	grep -q "checking the state after journal recovery" "$img.out"
ok $? "key: the bitmap damage is reported as the post-recovery state"
[ "$(fs_fsimg "$img" --no-replay)" = clean ]; ok $? "key: --no-replay checks the raw state: exit 0"
cp "$img" "$tmp/replayed.img"
e2fsck -E journal_only -y "$tmp/replayed.img" >/dev/null 2>&1
[ "$(fs_e2fsck "$tmp/replayed.img")" = error ]; ok $? "key: e2fsck -fn after a real replay agrees (error)"

# a transaction never committed: an info naming its blocks and inodes
img=$tmp/uncommitted.img
cp "$tmp/base.img" "$img"
it=$(dumpe2fs "$tmp/base.img" 2>/dev/null | awk '/^Group 0:/ { f = 1 } f && /Inode table at/ { split($4, a, "-"); print a[1]; exit }')
fs_dbg "$img" "jo" "jw -b 15000 $tmp/zeros" "jc" "jo" "jw -b $it -c $tmp/zeros" "jc"
[ "$(fs_fsimg "$img")" = clean ] && fs_has "$img" JOURNAL_UNCOMMITTED &&
	grep -q "JOURNAL_UNCOMMITTED: .*block $it (inodes 1-" "$img.out"
ok $? "uncommitted: JOURNAL_UNCOMMITTED names the inode-table block and its inodes"

# needs_recovery set on an empty log (e2fsck -n: exit 0)
img=$tmp/flag_only.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "feature needs_recovery"
fs_corrupt "needs_recovery without a log" JOURNAL_RECOVERY_NO_DATA "$img"
# a log that needs_recovery does not announce: e2fsck -n declines to run
# it and exits 0, -fy runs it ("Run journal anyway? yes", a repair)
img=$tmp/no_flag.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "jo" "jw -b 15000 $tmp/zeros" "jc" "feature -needs_recovery"
fs_corrupt_fy "a log without needs_recovery" JOURNAL_DATA_NO_RECOVERY "$img"
# a journal superblock destroyed
img=$tmp/jbad.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "zap_block -f <8> 0"
fs_corrupt "journal superblock zeroed" JOURNAL_BAD "$img"
# a data block checksum failing (csum v3): the log's copy altered
img=$tmp/jcsum.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "jo -c" "jw -b 15000 $tmp/zeros" "jc"
jb=$(debugfs -R "bmap <8> 2" "$img" 2>/dev/null)
printf 'X' | dd of="$img" bs=1 seek=$((jb * 4096 + 100)) conv=notrunc 2>/dev/null
fs_corrupt_fy "journal data block checksum" JOURNAL_REPLAY_CSUM "$img"
# the same in a transaction never committed: nothing replays it (a warning)
img=$tmp/jcsum_uncommitted.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "jo -c" "jw -b 15000 $tmp/zeros" "jc" "jo" "jw -b 15001 -c $tmp/zeros" "jc"
jb=$(debugfs -R "bmap <8> 5" "$img" 2>/dev/null)
printf 'X' | dd of="$img" bs=1 seek=$((jb * 4096 + 100)) conv=notrunc 2>/dev/null
fs_corrupt_fy "uncommitted journal data block checksum (a warning)" JOURNAL_CSUM "$img"
# a revoke block whose r_count runs past the block: the kernel's recovery
# fails (-EINVAL in PASS_REVOKE, the mount with it), e2fsck's too; fsck
# checks the on-disk state and says the journal could not be replayed
img=$tmp/rcount.img
cp "$tmp/base.img" "$img"
fs_dbg "$img" "jo" "jw -r 15000" "jc"
jb=$(debugfs -R "bmap <8> 1" "$img" 2>/dev/null)
dd if="$img" bs=1 skip=$((jb * 4096 + 4)) count=4 2>/dev/null | od -An -tx1 | grep -q '00 00 00 05'
ok $? "rcount: journal block 1 is the revoke block"
printf '\000\000\377\360' | dd of="$img" bs=1 seek=$((jb * 4096 + 12)) conv=notrunc 2>/dev/null
fs_corrupt_fy "rcount: the recovery fails (e2fsck's too)" JOURNAL_NOT_REPLAYED "$img"
# --json carries the replay and the problems
img=$tmp/key.img
"$FSIMG" fsck --json "$img" >"$tmp/json" 2>/dev/null
if command -v jq >/dev/null 2>&1; then
	jq -e '.replayed.transactions == 1 and (.problems | map(.id) | index("BLOCK_USED_MARKED_FREE")) != null and .summary.errors >= 1' "$tmp/json" >/dev/null
	ok $? "key: --json has replayed, the problem, and the summary"
else
	skip "jq not installed"
fi
done_testing
