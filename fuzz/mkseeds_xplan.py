#!/usr/bin/env python3
"""Cuts a seed for fuzz/fuzz_xplan.c from an XFS image with a dirty internal
log whose live part starts near the log's beginning (the crash fixtures):

    mkseeds_xplan.py [--meta] FSIMG IMAGE OUT

FSIMG is the fsimg command: its `journal --json` listing names the sectors
the log's items touch (buffers, inode clusters, dquots, icreate chunks).
The seed is the option byte 0, the superblock sector, the log from its
first block to its head (be32 length first), then the data device's
sectors the planner reads: the first four sectors of every AG (superblock,
AGF, AGI, AGFL) and every range the items touch, merged, each as be64
daddr, be32 sectors and the bytes.

With --meta (the seeds of fuzz/fuzz_xfin.c), also every block of the image
that begins with an XFS metadata magic the finish after replay reads: AG
headers, free space / inode / rmap / refcount btree blocks, bmbt blocks and
inode cluster blocks (an inode's 'IN'), so that mutations land in them."""
import json
import struct
import subprocess
import sys

META = (b'AB3B', b'AB3C', b'IAB3', b'FIB3', b'RMB3', b'R3FC', b'BMA3',
        b'ABTB', b'ABTC', b'IABT', b'FIBT', b'BMAP', b'XAGF', b'XAGI', b'XAFL')
meta = sys.argv[1] == '--meta'
if meta:
    del sys.argv[1]
fsimg, img, out = sys.argv[1:4]
recs = [json.loads(line) for line in
        subprocess.run([fsimg, 'journal', '--json', img], check=True,
                       stdout=subprocess.PIPE).stdout.decode().splitlines()]
log = recs[0]
if log.get('external') is not None or log['tail_block'] > log['head_block']:
    sys.exit('mkseeds_xplan: the log is external or wrapped')
f = open(img, 'rb')
sb = f.read(512)
bs, = struct.unpack('>I', sb[4:8])
agblocks, agcount = struct.unpack('>II', sb[84:92])
sectsize, = struct.unpack('>H', sb[102:104])
bpb = bs // 512
ranges = [(ag * agblocks * bpb, 4 * (sectsize // 512)) for ag in range(agcount)]
for r in recs:
    for it in r['items'] if r['record'] == 'transaction' else []:
        if 'daddr' in it:
            ranges.append((it['daddr'], it['bblen']))
        if it['type'] == 'icreate':
            ranges.append(((it['agno'] * agblocks + it['agbno']) * bpb, it['length'] * bpb))
if meta:
    f.seek(0)
    nblocks = struct.unpack('>Q', sb[8:16])[0]
    for b in range(nblocks):
        m = f.read(bs)[:5]
        if len(m) < 5:
            break
        if m[:4] in META or (m[:2] == b'IN' and m[4:5] in (b'\x01', b'\x02', b'\x03')):
            ranges.append((b * bpb, bpb))
ranges.sort()
merged = []
for d, n in ranges:
    if merged and d <= merged[-1][0] + merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], d + n - merged[-1][0])
    else:
        merged.append([d, n])
f.seek(log['daddr'] * 512)
logbytes = f.read((log['head_block'] + 8) * 512)
with open(out, 'wb') as o:
    o.write(b'\0' + sb + struct.pack('>I', len(logbytes)) + logbytes)
    for d, n in merged:
        f.seek(d * 512)
        o.write(struct.pack('>QI', d, n) + f.read(n * 512))
