#!/bin/sh
# A journal whose transactions log blocks inside the journal itself (no
# kernel writes that; debugfs jw can): the plan flags them
# (JOURNAL_LOGS_ITSELF in fsck and journal), replay -o writes every block's
# last logged copy (the oracle: the pattern blocks debugfs logged, block by
# block), and --in-place gives the same bytes: it reads every block before
# writing any, as its writes overwrite log blocks later copies come from.
# The log spans more than the command's 16 MiB read cache, which hid the
# overwritten blocks on small journals.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 6
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 128M -t ext4 -b 4096 -J size=32
j_pattern "$d/p" 4096 200
# 20 transactions of 200 random blocks of the journal, but its superblock.
debugfs -R "blocks <8>" "$img" 2>/dev/null | python3 -c "
import random, sys
jblocks = [int(b) for b in sys.stdin.read().split()][1:]
r = random.Random(18)
for t in range(20):
    print(','.join(str(b) for b in sorted(r.sample(jblocks, 200))))" >"$d/lists"
set -- jo
while read -r l; do set -- "$@" "jw -b $l $d/p" jc jo; done <"$d/lists"
j_debugfs "$img" "$@" jc

"$FSIMG" journal "$img" 2>/dev/null | grep -q "^JOURNAL_LOGS_ITSELF: 4000 logged blocks lie inside the journal itself" &&
	"$FSIMG" journal --json "$img" 2>/dev/null | tail -1 | grep -q '"blocks_in_journal":4000'
ok $? "journal: JOURNAL_LOGS_ITSELF, 4000 logged blocks inside the journal"
"$FSIMG" fsck "$img" >"$d/fsck" 2>&1
[ $? -eq 4 ] && [ "$(grep -c "JOURNAL_LOGS_ITSELF: journal transaction [0-9]* logs 200 blocks" "$d/fsck")" -eq 20 ]
ok $? "fsck: JOURNAL_LOGS_ITSELF for each of the 20 transactions, exit 4"
"$FSIMG" replay -n "$img" 2>/dev/null | grep -q "^Inside the journal itself (JOURNAL_LOGS_ITSELF): "
ok $? "replay -n: the plan flags the blocks inside the journal"
rm -f "$d/out"
"$FSIMG" replay -o "$d/out" "$img" >/dev/null 2>&1
python3 - "$d/out" "$d/p" "$d/lists" <<'PYEOF'
import sys
out, pat, lists = sys.argv[1:4]
want = {}
for line in open(lists):
    for i, b in enumerate(line.strip().split(",")):
        want[int(b)] = i  # the last transaction's copy wins
with open(out, "rb") as o, open(pat, "rb") as p:
    pdata = p.read()
    for b, i in want.items():
        o.seek(b * 4096)
        if o.read(4096) != pdata[i * 4096:(i + 1) * 4096]:
            sys.exit("block %d differs" % b)
PYEOF
ok $? "replay -o: every planned block holds its last logged copy"
cp "$img" "$d/ip"
"$FSIMG" replay --in-place "$d/ip" >/dev/null 2>&1 && cmp -s "$d/ip" "$d/out"
ok $? "replay --in-place gives the bytes of -o"
"$FSIMG" undo "$d/ip.fsimg-undo" "$d/ip" >/dev/null 2>&1 && cmp -s "$d/ip" "$img"
ok $? "undo restores the original"
rm -rf "$d"
done_testing
