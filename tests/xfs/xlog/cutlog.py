#!/usr/bin/env python3
"""Cuts an XFS image with an internal log down to what a listing of the log
reads, for small fixtures: cutlog.py IMAGE OUT writes OUT, as long as IMAGE
and sparse, holding only IMAGE's primary superblock sector and its whole
log (the rest reads as zeros). `xfs_logprint -t` and `fsimg journal` list
the cut image as they list IMAGE (tests/cmd/xlog_journal.sh checks it on
the fixtures made with it)."""
import os
import struct
import sys

src, dst = sys.argv[1:3]
f = open(src, 'rb')
sb = f.read(512)
bs, = struct.unpack('>I', sb[4:8])
logstart, = struct.unpack('>Q', sb[48:56])
agblocks, = struct.unpack('>I', sb[84:88])
logblocks, = struct.unpack('>I', sb[96:100])
agblklog = sb[124]
if sb[:4] != b'XFSB' or not logstart:
    sys.exit('cutlog: not an XFS image with an internal log')
linear = (logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))
with open(dst, 'wb') as o:
    o.truncate(os.path.getsize(src))
    o.write(sb)
    f.seek(linear * bs)
    o.seek(linear * bs)
    o.write(f.read(logblocks * bs))
