#!/usr/bin/env python3
"""Splits the tail record of a kernel-written log in two, for the test of
transactions split across records: splitrec.py LIBFSIMG_SO IMAGE LOG_DADDR
TAIL HEAD rewrites IMAGE's log in place.

The record at TAIL (a whole transaction: start, header, items, commit) is
cut at an op in its middle whose payload is at least 64 bytes: that op's
first half ends record A with XLOG_CONTINUE_TRANS, its second half opens
record B with XLOG_WAS_CONT_TRANS | XLOG_END_TRANS, as xlog_write splits
an op that does not fit an iclog, and the ops after it follow in B. The
records after it move up by B's header sector (renumbered: LSN, previous
block, CRC), and the block after the new head is zeroed (cycle 0) so the
head is found there. Payloads are the kernel's; only the framing is ours."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xlogrec  # noqa: E402

so, img, log0, tail, head = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
crc = xlogrec.Crc(so)
f = open(img, 'r+b')
base = log0 * 512


def read(blk, n):
    f.seek(base + blk * 512)
    return bytearray(f.read(n * 512))


# the records from tail to head: (header sector, data unpacked)
recs = []
blk = tail
while blk < head:
    hdr = read(blk, 1)
    hblks, h_len = xlogrec.geometry(hdr)
    if hblks != 1:
        sys.exit('splitrec: records of one header sector only')
    data = read(blk + 1, (h_len + 511) // 512)
    for i in range((h_len + 511) // 512):
        data[i * 512:i * 512 + 4] = hdr[44 + 4 * i:48 + 4 * i]
    recs.append((bytes(hdr), bytes(data[:h_len])))
    blk += 1 + (h_len + 511) // 512

# the first record's ops
hdr0, data0 = recs[0]
ops = []
p = 0
while len(ops) < struct.unpack('>I', hdr0[40:44])[0]:  # h_num_logops: padding may follow
    tid, ln, cid, fl = struct.unpack('>IIBB', data0[p:p + 10])
    ops.append((p, tid, ln, cid, fl))
    p += 12 + ln
k = next(i for i in range(len(ops) // 2, len(ops) - 1) if ops[i][2] >= 64 and ops[i][4] == 0)
off, tid, ln, cid, fl = ops[k]
half = ln // 2
part_a = data0[:off] + struct.pack('>IIBBH', tid, half, cid, 0x4, 0) + data0[off + 12:off + 12 + half]
part_a += bytes(-len(part_a) % 8)  # records end on 8 bytes, as the kernel pads them
part_b = (struct.pack('>IIBBH', tid, ln - half, cid, 0x18, 0) + data0[off + 12 + half:off + 12 + ln] +
          data0[off + 12 + ln:])
nops_a, nops_b = k + 1, len(ops) - k
new = [(hdr0, part_a, nops_a), (hdr0, part_b, nops_b)]
new += [(h, d, struct.unpack('>I', h[40:44])[0]) for h, d in recs[1:]]

blk = tail
prev = struct.unpack('>I', hdr0[36:40])[0]
for h, d, nops in new:
    h = bytearray(h)
    nb = (len(d) + 511) // 512
    data = bytearray(d) + bytes(nb * 512 - len(d))
    h[12:16] = struct.pack('>I', len(d))
    h[16:24] = struct.pack('>Q', 1 << 32 | blk)
    h[36:44] = struct.pack('>II', prev, nops)
    for i in range(nb):
        h[44 + 4 * i:48 + 4 * i] = data[i * 512:i * 512 + 4]
        data[i * 512:i * 512 + 4] = struct.pack('>I', 1)
    rec = bytearray(h) + data
    crc.seal(rec, 1, len(d))
    f.seek(base + blk * 512)
    f.write(rec)
    prev = blk
    blk += 1 + nb
f.seek(base + blk * 512)
f.write(bytes(512 * max(1, head + 1 - blk)))
print('split op %d of %d (%d bytes) of the record at %d; head now %d' % (k, len(ops), ln, tail, blk))
