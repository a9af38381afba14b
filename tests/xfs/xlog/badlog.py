#!/usr/bin/env python3
"""Damages the log of an XFS image in place, one way per call, for the bad
input tests: badlog.py IMAGE LOG_DADDR KIND, KIND one of
  hlen     the tail record's h_len says 0x7fffffff bytes
  hsize    the tail record's h_size (iclog size) says 16 MiB
  cycle    a sector in the middle of the written log gets cycle 0x7fffffff
  bitmap   the first buf item's bitmap claims 0xffff words
  regions  the first item's format region claims 0xffff regions
  oplen    the tail record's first op header claims 0x7fffffff bytes
  oneblock sb_logblocks 1 (the superblock, daddr 0)
  itemtype the first buf item's type becomes 0x1250, no XFS_LI_* type"""
import struct
import sys

img, log0, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
f = open(img, 'r+b')


def put(off, data):
    f.seek(off)
    f.write(data)


rec = (log0 + 2) * 512  # the tail record of a fresh log (block 2)
if kind == 'hlen':
    put(rec + 12, struct.pack('>I', 0x7fffffff))
elif kind == 'hsize':
    put(rec + 320, struct.pack('>I', 16 << 20))
elif kind == 'cycle':
    put(rec + 40 * 512, struct.pack('>I', 0x7fffffff))
elif kind == 'oplen':
    put(rec + 512 + 4, struct.pack('>I', 0x7fffffff))
elif kind in ('bitmap', 'regions', 'itemtype'):
    f.seek(rec)
    data = f.read(64 * 512)
    magic = b'\x3b\x12' if kind == 'regions' else b'\x3c\x12'
    i = 0
    while True:
        i = data.index(magic, i + 1)
        if i % 512 >= 4 and i % 512 < 512 - 24:
            break
    if kind == 'bitmap':
        put(rec + i + 16, struct.pack('<I', 0xffff))
    elif kind == 'itemtype':
        put(rec + i, struct.pack('<H', 0x1250))
    else:
        put(rec + i + 2, struct.pack('<H', 0xffff))
elif kind == 'oneblock':
    put(96, struct.pack('>I', 1))
else:
    sys.exit('unknown kind ' + kind)
if kind in ('oplen', 'bitmap', 'regions', 'itemtype'):
    # h_crc 0, as mkfs writes it: the kernel's CRC pass from the tail
    # (xlog_verify_tail) accepts it, so the damage reaches the parsers
    # (a non-zero CRC that fails there refuses the mount: tests/cmd/xlog_vtail.sh)
    put(rec + 32, bytes(4))
