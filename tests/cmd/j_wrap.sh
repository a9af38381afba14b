#!/bin/sh
# Journal replay of a log that wraps from its last block back to s_first.
# debugfs always starts a log at s_first, so the test rotates the journal
# debugfs wrote (a no-checksum journal: no position is checksummed) by R
# blocks inside [s_first, s_maxlen) and moves s_start by R: the same
# transactions, now running over the end of the log.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 9
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 16M -t ext4 -b 1024 -J size=1
set -- $(j_blocks "$img" /big.txt)
j_pattern "$d/p" 1024 12
j_debugfs "$img" "jo" "jw -b $1-$4 $d/p" "jc" "jo" "jw -b $5,$6 -r $2 $d/p" "jc" \
	"jo" "jw -b $2,$7-${12} $d/p" "jc"
python3 - "$img" $(j_blocks "$img" "<8>") <<'PY'
import sys, struct
img, blocks = sys.argv[1], [int(b) for b in sys.argv[2:]]
bs = 1024
f = open(img, "r+b")
def rd(i):
    f.seek(blocks[i] * bs); return f.read(bs)
sb = bytearray(rd(0))
maxlen, first, seq, start = struct.unpack(">IIII", sb[16:32])
n = maxlen - first
data = [rd(first + i) for i in range(n)]
R = n - 5  # the first transaction starts 5 blocks before the end
for i in range(n):
    f.seek(blocks[first + (i + R) % n] * bs); f.write(data[i])
sb[28:32] = struct.pack(">I", first + (start - first + R) % n)
f.seek(blocks[0] * bs); f.write(sb)
PY
"$FSIMG" journal "$img" >"$d/j.txt" 2>&1
grep -q "^Journal start: *1019$" "$d/j.txt"
ok $? "j_wrap: the log starts 5 blocks before its end"
[ "$("$FSIMG" journal --json "$img" 2>/dev/null | grep -c '"record":"transaction"')" -eq 3 ]
ok $? "j_wrap: journal --json finds the three transactions across the wrap"
j_check j_wrap "$img"
"$FSIMG" journal -v "$img" 2>/dev/null | grep -q "<- journal block [1-9]\$"
ok $? "j_wrap: some blocks come from the start of the log"
rm -rf "$d"
done_testing
