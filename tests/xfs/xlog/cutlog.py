#!/usr/bin/env python3
"""Cuts an XFS image with an internal log down to what reading its log
needs, for small fixtures:

    cutlog.py [--fsimg FSIMG] IMAGE OUT

OUT, as long as IMAGE and sparse, holds IMAGE's primary superblock sector
and its whole log; the rest reads as zeros. `xfs_logprint -t` and `fsimg
journal` list the cut image as they list IMAGE. With --fsimg, OUT also
holds what log recovery reads: the first four sectors of every AG and
every sector the log's items touch (buffers, inode clusters, dquots,
icreate chunks, from FSIMG's `journal --json` listing), so that the
recovery plan applied to OUT can be compared with the kernel's recovery
(kernelcmp.py check) on every sector the kernel changed."""
import json
import os
import struct
import subprocess
import sys

args = sys.argv[1:]
fsimg = None
if args and args[0] == '--fsimg':
    fsimg, args = args[1], args[2:]
src, dst = args
f = open(src, 'rb')
sb = f.read(512)
bs, = struct.unpack('>I', sb[4:8])
logstart, = struct.unpack('>Q', sb[48:56])
agblocks, agcount = struct.unpack('>II', sb[84:92])
logblocks, = struct.unpack('>I', sb[96:100])
sectsize, = struct.unpack('>H', sb[102:104])
agblklog = sb[124]
if sb[:4] != b'XFSB' or not logstart:
    sys.exit('cutlog: not an XFS image with an internal log')
bpb = bs // 512
linear = (logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))
ranges = [(linear * bpb, logblocks * bpb)]
if fsimg:
    ranges += [(ag * agblocks * bpb, 4 * (sectsize // 512)) for ag in range(agcount)]
    out = subprocess.run([fsimg, 'journal', '--json', src], check=True, stdout=subprocess.PIPE)
    for line in out.stdout.decode().splitlines():
        r = json.loads(line)
        for it in r['items'] if r['record'] == 'transaction' else []:
            if 'daddr' in it:
                ranges.append((it['daddr'], it['bblen']))
            if it['type'] == 'icreate':
                ranges.append(((it['agno'] * agblocks + it['agbno']) * bpb, it['length'] * bpb))
with open(dst, 'wb') as o:
    o.truncate(os.path.getsize(src))
    for d, n in sorted(ranges):
        f.seek(d * 512)
        o.seek(d * 512)
        o.write(f.read(n * 512))
    o.seek(0)
    o.write(sb)
