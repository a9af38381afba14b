#!/usr/bin/env python3
"""Turns a full inode chunk's icreate item into a sparse chunk's, as the
kernel logs one (xfs_ialloc_ag_alloc's sparse allocation: xfs_icreate_log
with the chunk's own inode count and length): sparsecreate.py LIBFSIMG_SO
IMAGE LOG_DADDR AG AGBNO COUNT LENGTH rewrites in place the one icreate
item of IMAGE's log for AG/AGBNO to COUNT inodes in LENGTH blocks and
seals its record's CRC again. Prints the record's block. A ninth argument
moves the chunk to that AG block too."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xlogrec  # noqa: E402

so, img, log0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
ag, agbno, count, length = (int(x) for x in sys.argv[4:8])
crc = xlogrec.Crc(so)
f = open(img, 'r+b')
base = log0 * 512
f.seek(base)
log = bytearray(f.read(64 << 20))
key = struct.pack('>II', ag, agbno)
i = -1
while True:
    i = log.find(key, i + 1)
    if i < 0:
        sys.exit('sparsecreate: no icreate item for ag %d agbno %d' % (ag, agbno))
    # the item's type and size (native endian) just before: XFS_LI_ICREATE, 1
    if i >= 4 and struct.unpack('<HH', log[i - 4:i]) == (0x123f, 1):
        break
if (i + 12) // 512 != (i + 24) // 512 or (i + 12) % 512 < 4 or (i + 20) % 512 < 4:
    sys.exit('sparsecreate: the item crosses a sector start (cycle-stamped)')
if len(sys.argv) > 8:
    struct.pack_into('>I', log, i + 4, int(sys.argv[8]))
struct.pack_into('>I', log, i + 8, count)
struct.pack_into('>I', log, i + 16, length)
# the record holding it: the last header sector at or before it
blk = i // 512
while blk >= 0:
    try:
        hblks, h_len = xlogrec.geometry(log[blk * 512:blk * 512 + 512])
        break
    except ValueError:
        blk -= 1
rec = log[blk * 512:(blk + hblks) * 512 + h_len]
crc.seal(rec, hblks, h_len)
log[blk * 512:blk * 512 + len(rec)] = rec
f.seek(base + blk * 512)
f.write(rec)
print(blk)
