#!/bin/sh
# Journal replay: a csum v3 journal of 6,000 logged blocks (24 MiB), large
# enough that fsimg checks the data blocks' checksums on several threads
# (one share each, when the machine has the CPUs), with a bad copy in the
# first and in the last share. Oracle: e2fsck -E journal_only names the
# blocks it skips for their checksums, and its replayed copy equals fsimg's.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 9
d=$(mktemp_dir)
img=$d/big.img
j_mkfs "$img" 256M -b 4096 -t ext4 -O 64bit,metadata_csum -J size=64
# 6,000 free blocks of group 0, each logged with contents naming its index.
python3 - "$d/data" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(6000):
        f.write((b"BLK%08d" % i) * (4096 // 11) + b"\n" * (4096 % 11))
EOF
j_debugfs "$img" "jo -c" "jw -b 10000-15999 $d/data" "jc"
# Flip a byte in the logged copies of blocks 10100 and 15900.
python3 - "$img" <<'EOF'
import sys
path = sys.argv[1]
with open(path, "r+b") as f:
    data = f.read()
    for i in (100, 5900):
        off = data.find(b"BLK%08d" % i)
        assert off > 0 and off % 4096 == 0, off
        f.seek(off + 100)
        f.write(b"X")
EOF

bad=$("$FSIMG" journal --json "$img" 2>/dev/null | python3 -c 'import sys,json
for l in sys.stdin:
    o=json.loads(l)
    if o["record"]=="transaction":
        print(len(o["blocks"]), ",".join(str(b["fs_block"]) for b in o["blocks"] if not b["csum_ok"]))')
[ "$bad" = "6000 10100,15900" ]
ok $? "journal --json: 6000 blocks, the two bad copies are 10100 and 15900"
[ "$bad" = "6000 10100,15900" ] || diag "got: $bad"

j_check big "$img"
e2log=$d/big.e2fsck.e2fsck.log
[ "$(sed -n 's/^JBD2: Invalid checksum recovering data block \([0-9]*\) in log$/\1/p' "$e2log" |
	sort -n | tr '\n' ' ')" = "10100 15900 " ]
ok $? "e2fsck skips the same two blocks for their checksums"
"$FSIMG" info "$img" 2>&1 >/dev/null | grep -q "5998 blocks.*2 logged blocks skipped for a bad data checksum" ||
	"$FSIMG" info "$img" 2>&1 >/dev/null | tr '\n' ' ' | grep -q "5998 blocks.*2 logged blocks skipped for a bad data checksum"
ok $? "the overlay replays 5998 blocks and says two were skipped"
rm -rf "$d"
done_testing
