#!/usr/bin/env python3
"""Fills the log of an XFS image with kernel-written records, for bench/xlog.sh:

    mkxlog.py LIBFSIMG_SO FSIMG IN OUT [FILL]

IN is an image whose dirty internal log's live part starts near its first
block (a crash fixture). OUT gets a sparse copy of IN whose log holds, from
the tail on, copy after copy of that live part (every record as the kernel
wrote it; each copy's transactions all commit inside it) until FILL (default
0.98) of the log is written: a full log no kernel wrote but every byte of
whose records one did. Each copied record's header is renumbered (h_lsn its
new block in cycle 1, h_prev_block the record before it, h_tail_lsn the
tail) and its CRC recomputed with libfsimg's crc32c (fsimg_crc32c through
ctypes), so the listing tools find one long dirty log. Prints the log's
blocks, the records and the copies written."""
import ctypes
import json
import shutil
import struct
import subprocess
import sys

so, fsimg, src, out = sys.argv[1:5]
fill = float(sys.argv[5]) if len(sys.argv) > 5 else 0.98
lib = ctypes.CDLL(so)
lib.fsimg_crc32c.restype = ctypes.c_uint32
lib.fsimg_crc32c.argtypes = [ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]


def crc(c, b):
    return lib.fsimg_crc32c(c, b, len(b))


log = json.loads(subprocess.run([fsimg, 'journal', '--json', src], check=True,
                                stdout=subprocess.PIPE).stdout.decode().splitlines()[0])
if log.get('external') is not None or not log['needs_recovery'] or log['tail_block'] > log['head_block']:
    sys.exit('mkxlog: needs a dirty internal log whose live part does not wrap')
subprocess.run(['cp', '--sparse=always', src, out], check=True)
f = open(out, 'r+b')
base = log['daddr'] * 512
bbs = log['basic_blocks']

# the live part's records, as written
recs = []
blk = log['tail_block']
while blk < log['head_block']:
    f.seek(base + blk * 512)
    hdr = f.read(512)
    magic, _, version, h_len = struct.unpack('>IIII', hdr[:16])
    if magic != 0xFEEDBABE:
        sys.exit('mkxlog: no record header at block %d' % blk)
    h_size, = struct.unpack('>I', hdr[320:324])
    hblks = (h_size + 32767) // 32768 if version & 2 and h_size > 32768 else 1
    n = hblks + (h_len + 511) // 512
    f.seek(base + blk * 512)
    recs.append((hblks, h_len, bytearray(f.read(n * 512))))
    blk += n


def cksum(rec, hblks, h_len):
    c = crc(0xffffffff, bytes(rec[:32]))
    c = crc(c, b'\0\0\0\0')
    c = crc(c, bytes(rec[36:328]))
    for i in range(1, (h_len + 32767) // 32768):
        c = crc(c, bytes(rec[i * 512:i * 512 + 260]))
    c = crc(c, bytes(rec[hblks * 512:hblks * 512 + h_len]))
    return (~c) & 0xffffffff


limit = int(bbs * fill)
blk = log['tail_block']
prev = None
copies = nrec = 0
size = sum(len(r[2]) // 512 for r in recs)
tail = struct.pack('>Q', 1 << 32 | log['tail_block'])
while blk + size <= limit:
    for hblks, h_len, rec in recs:
        rec[16:24] = struct.pack('>Q', 1 << 32 | blk)
        rec[24:32] = tail
        if prev is not None:
            rec[36:40] = struct.pack('>I', prev)
        rec[32:36] = struct.pack('<I', cksum(rec, hblks, h_len))
        f.seek(base + blk * 512)
        f.write(rec)
        prev = blk
        blk += len(rec) // 512
        nrec += 1
    copies += 1
f.close()
print('log of %d blocks: %d records written to block %d (%d copies of blocks %d-%d)' %
      (bbs, nrec, blk, copies, log['tail_block'], log['head_block'] - 1))
