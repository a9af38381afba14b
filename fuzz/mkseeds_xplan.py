#!/usr/bin/env python3
"""Cuts a seed for fuzz/fuzz_xplan.c from an XFS image with a dirty internal
log whose live part starts near the log's beginning (the crash fixtures):

    mkseeds_xplan.py FSIMG IMAGE OUT

FSIMG is the fsimg command: its `journal --json` listing names the sectors
the log's items touch (buffers, inode clusters, dquots, icreate chunks).
The seed is the option byte 0, the superblock sector, the log from its
first block to its head (be32 length first), then the data device's
sectors the planner reads: the first four sectors of every AG (superblock,
AGF, AGI, AGFL) and every range the items touch, merged, each as be64
daddr, be32 sectors and the bytes."""
import json
import struct
import subprocess
import sys

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
