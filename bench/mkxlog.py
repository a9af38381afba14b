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
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'xfs', 'xlog'))
import xlogrec  # noqa: E402

so, fsimg, src, out = sys.argv[1:5]
fill = float(sys.argv[5]) if len(sys.argv) > 5 else 0.98
crc = xlogrec.Crc(so)

log = xlogrec.log_header(fsimg, src)
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
    try:
        hblks, h_len = xlogrec.geometry(f.read(512))
    except ValueError:
        sys.exit('mkxlog: no record header at block %d' % blk)
    n = hblks + (h_len + 511) // 512
    f.seek(base + blk * 512)
    recs.append((hblks, h_len, bytearray(f.read(n * 512))))
    blk += n


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
        crc.seal(rec, hblks, h_len)
        f.seek(base + blk * 512)
        f.write(rec)
        prev = blk
        blk += len(rec) // 512
        nrec += 1
    copies += 1
f.close()
print('log of %d blocks: %d records written to block %d (%d copies of blocks %d-%d)' %
      (bbs, nrec, blk, copies, log['tail_block'], log['head_block'] - 1))
