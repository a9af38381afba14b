#!/bin/sh
# The journal commands' contract: messages, exit codes, JSON shapes.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 15
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 8M -t ext4 -b 1024
cp "$img" "$d/clean"
set -- $(j_blocks "$img" /big.txt)
j_pattern "$d/p" 1024 2
j_debugfs "$img" "jo" "jw -b $1,$2 $d/p" "jc" "jo" "jw -r $1" "jc"

"$FSIMG" ls "$img" / 2>"$d/err" >/dev/null
grep -qx "fsimg: $img: journal replayed in memory: 2 transactions, 1 block, 1 revoked" "$d/err"
ok $? "one stderr line says the journal was replayed in memory"
"$FSIMG" ls --no-replay "$img" / 2>"$d/err" >/dev/null
[ ! -s "$d/err" ]
ok $? "--no-replay: no replay, no line"
"$FSIMG" info --json "$img" 2>/dev/null | python3 -c 'import sys,json
o=json.load(sys.stdin); r=o["replayed"]
sys.exit(not (o["needs_recovery"] is True and "needs_recovery" not in o["features"] and r["transactions"]==2 and r["blocks"]==1 and r["revoked"]==1))'
ok $? "info --json carries \"replayed\": {...} (needs_recovery: the on-disk flag)"
"$FSIMG" info --json --no-replay "$img" 2>/dev/null | grep -q '"needs_recovery":true,"replayed":null'
ok $? "info --json --no-replay: needs_recovery true, replayed null"
"$FSIMG" extents --json --all "$img" 2>/dev/null | python3 -c 'import sys,json
for l in sys.stdin:
    assert "inode" in json.loads(l)'
ok $? "extents --json stays pure records (the fact is on stderr only)"
"$FSIMG" journal --json "$img" 2>/dev/null | python3 -c 'import sys,json
r=[json.loads(l)["record"] for l in sys.stdin]
sys.exit(r != ["superblock","transaction","transaction","end"])'
ok $? "journal --json: superblock, transactions, end records"
"$FSIMG" journal "$img" >"$d/out" 2>&1 && grep -q "uncommitted\|committed" "$d/out" && grep -q "^Journal start: *1$" "$d/out"
ok $? "journal: text shows the raw journal superblock and the transactions"
"$FSIMG" replay -n "$img" >"$d/out" 2>&1 && grep -q "fs block $2 <- journal block" "$d/out" && ! grep -q "fs block $1 <-" "$d/out"
ok $? "replay -n prints the plan (the revoked block is not in it)"
[ "$(sha256sum <"$img")" = "$(sha256sum <"$d/img")" ] && [ ! -e "$d/img.fsimg-undo" ]
ok $? "replay -n writes nothing"
"$FSIMG" replay -o "$d/o" "$d/clean" >"$d/out" 2>&1
[ $? -eq 0 ] && grep -q "nothing to replay" "$d/out" && [ ! -e "$d/o" ]
ok $? "a clean image: 'nothing to replay', exit 0, no copy"
: >"$d/exists"
"$FSIMG" replay "$img" -o "$d/exists" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && [ ! -s "$d/exists" ]
ok $? "an existing OUT is refused without -f"
"$FSIMG" replay -f "$img" -o "$d/exists" >/dev/null 2>&1 && [ -s "$d/exists" ]
ok $? "and overwritten with -f (options after IMAGE accepted)"
"$FSIMG" replay -o "$img" "$img" >/dev/null 2>&1
[ $? -eq 16 ]
ok $? "OUT being IMAGE is a usage error"
"$FSIMG" replay "$img" >/dev/null 2>&1
[ $? -eq 16 ]
ok $? "replay without -o, --in-place or -n: usage error 16"
sz=$(stat -c %s "$d/exists"); used=$(($(stat -c %b "$d/exists") * 512))
[ "$used" -lt "$sz" ]
ok $? "replay -o writes a sparse copy"
rm -rf "$d"
done_testing
