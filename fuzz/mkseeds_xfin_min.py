#!/usr/bin/env python3
"""Shrinks a seed of fuzz/fuzz_xfin.c (or fuzz_xplan.c) to the data device's
sectors the harness reads, so that AFL++ (which takes 1 MiB at most) runs
it, and runs it fast:

    mkseeds_xfin_min.py HARNESS SEED OUT

HARNESS is fuzz/fuzz_xfin (the standalone build); SEED is what
mkseeds_xplan.py --meta cut from a crashed image (the option byte, the
superblock sector, be32 LEN and LEN bytes of log, then extents: be64 daddr,
be32 sectors, the bytes). The harness runs the seed once with
FUZZ_XVDEV_READS set (fuzz_xvdev.h prints every read of the data device);
OUT keeps the log whole and, of the extents, only the sectors some read
covered, merged. A sector nobody read reads as zeros in OUT as it did not
matter in SEED, so OUT plans and finishes exactly as SEED: checked here
(the harness' FUZZ_XPLAN_PRINT and FUZZ_XFIN_PRINT lines must be the same),
exit 1 otherwise."""
import os
import struct
import subprocess
import sys

harness, seed, out = sys.argv[1:4]
data = open(seed, 'rb').read()
loglen, = struct.unpack('>I', data[513:517])
head = data[:517 + loglen]
exts = []
pos = 517 + loglen
while len(data) - pos >= 12:
    daddr, n = struct.unpack('>QI', data[pos:pos + 12])
    pos += 12
    if n * 512 > len(data) - pos:
        break
    exts.append((daddr, data[pos:pos + n * 512]))
    pos += n * 512

env = dict(os.environ, FUZZ_XVDEV_READS='1')
err = subprocess.run([harness, seed], env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE).stderr.decode(errors='replace')
read = set()
for line in err.splitlines():
    w = line.split()
    if len(w) == 3 and w[0] == 'vread':
        off, n = int(w[1]), int(w[2])
        read.update(range(off // 512, (off + n + 511) // 512))

keep = []
for daddr, b in exts:
    for k in range(len(b) // 512):
        if daddr + k in read:
            if keep and keep[-1][0] + len(keep[-1][1]) // 512 == daddr + k:
                keep[-1] = (keep[-1][0], keep[-1][1] + b[k * 512:(k + 1) * 512])
            else:
                keep.append((daddr + k, b[k * 512:(k + 1) * 512]))
with open(out, 'wb') as f:
    f.write(head)
    for daddr, b in keep:
        f.write(struct.pack('>QI', daddr, len(b) // 512) + b)


def plans(path):
    env = dict(os.environ, FUZZ_XPLAN_PRINT='1', FUZZ_XFIN_PRINT='1')
    env.pop('FUZZ_XVDEV_READS', None)
    r = subprocess.run([harness, path], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    return [ln for ln in r.stdout.decode().splitlines() if not ln.endswith(' inputs')]


if plans(seed) != plans(out):
    sys.exit('mkseeds_xfin_min: %s does not plan as %s' % (out, seed))
print('%s: %d -> %d bytes, %d extents' % (out, len(data), os.path.getsize(out), len(keep)))
