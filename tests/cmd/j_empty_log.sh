#!/bin/sh
# needs_recovery set while the journal is empty (s_start 0): the state
# fsimg's own in-place replay leaves when killed between its two superblock
# writes. The kernel and e2fsck then write s_sequence + 1 (jbd2_journal_recover
# sets j_transaction_sequence to it); the oracle is e2fsck -E journal_only.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 4
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 8M -t ext4 -b 1024
j_debugfs "$img" "feature needs_recovery"
j_e2fsck "$img" "$d/e2fsck" >/dev/null
rm -f "$d/out"
"$FSIMG" replay -o "$d/out" "$img" >/dev/null 2>&1 && j_cmp_allowed "$d/out" "$d/e2fsck"
ok $? "s_start 0: replay -o equals e2fsck -E journal_only (s_sequence + 1)"
"$FSIMG" journal --json "$d/out" 2>/dev/null | grep -q '"sequence":2,"start":0'
ok $? "s_start 0: the journal superblock says s_sequence 2"
cp "$img" "$d/ip"
"$FSIMG" replay --in-place "$d/ip" >/dev/null 2>&1 && j_cmp_allowed "$d/ip" "$d/e2fsck"
ok $? "s_start 0: replay --in-place equals e2fsck -E journal_only"
"$FSIMG" replay -n "$img" 2>/dev/null | grep -q "s_start 0, s_sequence 2"
ok $? "s_start 0: replay -n plans s_sequence 2"
rm -rf "$d"
done_testing
