#!/bin/sh
# The kernel's xlog_verify_tail (fs/xfs/xfs_log_recover.c, Linux 6.1): after
# xlog_verify_head cuts torn writes among the last 8 records, a CRC pass runs
# from the tail to the head.  A record whose non-zero h_crc does not match,
# v4 as v5, fails the mount ("failed to locate log tail", error -74) unless
# it lies within BTOBB(XLOG_MAX_ICLOGS * h_size) blocks ahead of the head,
# where the head's last iclogs may have been overwriting the tail: then the
# tail moves to the next record and the pass runs again.  The real kernel
# refused a v4 image damaged this way (crash harness, xgate3's t-v4-crc12)
# that fsimg replayed.
#
# Refusal: v4-1k-mixed (11 records, tail 2, head 114) gets a byte of its
# first record's data flipped, 10 records before the head: beyond the head's
# 8, so only the tail's CRC pass sees it.
# Tail overwrite: the crash fixture xh-v4-wrap-wsync-meta has wrapped its
# small log (head 2/4694, cycle 1 records from 4698 on); its last record's
# h_tail_lsn is made 1/4698 (h_crc zeroed, which every CRC pass accepts as
# mkfs's records have it), so the tail lies 4 blocks ahead of the head.  A bad
# record at 4698 or at 5195 (501 blocks ahead, within 8 * 32 KiB = 512) moves
# the tail past it; one at 5229 (535 blocks ahead) is refused.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 dd
LC_ALL=C; export LC_ALL
t=$(mktemp_dir)
X=$top_srcdir/tests/xfs/xlog
# flip IMG BYTE: the byte at BYTE inverted
flip() {
	python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))" "$1" "$2"
}

# --- refusal: a record far behind the head
xz -dc "$X/v4-1k-mixed.img.xz" > "$t/m.img" || exit 1
L=327690   # the log's daddr (v4-1k-mixed.json)
"$FSIMG" replay -n "$t/m.img" > /dev/null 2>&1
ok $? "v4-1k-mixed as it is: replay -n finishes"
flip "$t/m.img" $(( (L + 3) * 512 + 100 ))
"$FSIMG" replay -n "$t/m.img" > "$t/out" 2> "$t/err"
st=$?
[ $st -ne 0 ] && grep -q "log record at block 2: bad CRC, 112 blocks before the head (114): the kernel's xlog_verify_tail refuses the mount" "$t/err"
ok $? "a bad record 10 records before the head: replay -n refuses (exit $st), naming it"
"$FSIMG" replay -o "$t/o.img" "$t/m.img" > /dev/null 2>&1
st=$?
[ $st -ne 0 ] && [ ! -e "$t/o.img" ]
ok $? "replay -o refuses too (exit $st) and writes nothing"
"$FSIMG" journal "$t/m.img" > "$t/j" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^Kernel refuses: *the record at block 2 fails its CRC" "$t/j" &&
	grep -q "^11 transactions" "$t/j" && ! grep -q "tolerated on v4" "$t/j"
ok $? "journal lists the 11 transactions and says the kernel refuses"
"$FSIMG" journal --json "$t/m.img" 2>/dev/null | head -1 | grep -q '"kernel_refuses":true,"bad_record":2}'
ok $? "journal --json: kernel_refuses, bad_record 2"

# --- tail overwrite: the tail just ahead of the head
xz -dc "$top_srcdir/tests/crash/fixtures/xh-v4-wrap-wsync-meta.img.xz" > "$t/w.img" || exit 1
L=327712   # log_first 40964 * 8 (xh-v4-wrap-wsync-meta.json)
python3 -c "
import struct, sys
f = open(sys.argv[1], 'r+b'); rec = (int(sys.argv[2]) + 4688) * 512
f.seek(rec); assert f.read(4) == b'\xfe\xed\xba\xbe'
f.seek(rec + 24); f.write(struct.pack('>Q', 1 << 32 | 4698) + bytes(4))" "$t/w.img" $L || exit 1
"$FSIMG" journal "$t/w.img" > "$t/j" 2>&1
grep -q "^Log tail: *cycle 1, block 4698" "$t/j" && ! grep -q "^Tail overwrite" "$t/j"
ok $? "the wrapped log with its tail at 1/4698, 4 blocks ahead of the head 2/4694"
cp "$t/w.img" "$t/w1.img"
flip "$t/w1.img" $(( (L + 4699) * 512 + 100 ))
"$FSIMG" journal "$t/w1.img" > "$t/j" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^Log tail: *cycle 1, block 4701" "$t/j" &&
	grep -q "^Tail overwrite: *the tail was at block 4698" "$t/j" && ! grep -q "^Kernel refuses" "$t/j"
ok $? "a bad record at the tail, 4 blocks ahead of the head: the tail moves to the next record (4701)"
"$FSIMG" replay -n "$t/w1.img" > /dev/null 2>&1
ok $? "replay -n goes on from the moved tail"
cp "$t/w.img" "$t/w2.img"
flip "$t/w2.img" $(( (L + 5196) * 512 + 100 ))
"$FSIMG" journal "$t/w2.img" > "$t/j" 2>&1
grep -q "^Log tail: *cycle 1, block 5200" "$t/j" && grep -q "^Tail overwrite" "$t/j"
ok $? "a bad record 501 blocks ahead of the head (window 512): the tail moves past it, to 5200"
cp "$t/w.img" "$t/w3.img"
flip "$t/w3.img" $(( (L + 5230) * 512 + 100 ))
"$FSIMG" replay -n "$t/w3.img" > /dev/null 2> "$t/err"
st=$?
[ $st -ne 0 ] && grep -q "log record at block 5229: bad CRC, 6297 blocks before the head (4694)" "$t/err"
ok $? "a bad record 535 blocks ahead of the head: refused (exit $st)"
"$FSIMG" journal "$t/w3.img" > "$t/j" 2>&1
grep -q "^Kernel refuses: *the record at block 5229" "$t/j" && grep -q "^Log tail: *cycle 1, block 4698" "$t/j"
ok $? "journal says so, the tail where the last record puts it"
rm -rf "$t"
done_testing
