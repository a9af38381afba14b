#!/usr/bin/env python3
"""Compares a log replay with the kernel's recovery, block by block (512-byte
sectors): every sector outside the log that the kernel's mount changed
(crashed vs kernel) must equal the replay's, and the replay must change no
other sector. AG superblocks are compared with the fields that mount and
unmount rewrite masked (icount, ifree, fdblocks, frextents, log_incompat,
crc, lsn). Prints a summary; exit 1 on any difference.
usage: cmpkernel.py CRASHED KERNEL REPLAYED LOG_DADDR LOG_BBS AGBLOCKS BLOCKSIZE AGCOUNT"""
import sys

crashed, kernel, replayed = (open(p, 'rb') for p in sys.argv[1:4])
log0, logn, agblocks, bs, agcount = (int(x) for x in sys.argv[4:9])
sb_daddrs = {ag * agblocks * bs // 512 for ag in range(agcount)}
MASK = [(128, 152), (160, 168), (216, 220), (224, 228), (240, 248)]  # icount..fdblocks, frextents, log_incompat, crc, lsn


def masked(b):
    b = bytearray(b)
    for s, e in MASK:
        b[s:e] = bytes(e - s)
    return bytes(b)


chunk = 1 << 20
off = 0
want = match = extra = bad = 0
bads = []
while True:
    c, k, r = crashed.read(chunk), kernel.read(chunk), replayed.read(chunk)
    if not c:
        break
    if c != k or c != r:
        for i in range(0, len(c), 512):
            d = (off + i) // 512
            if log0 <= d < log0 + logn:
                continue
            cs, ks, rs = c[i:i + 512], k[i:i + 512], r[i:i + 512]
            if d in sb_daddrs:
                cs, ks, rs = masked(cs), masked(ks), masked(rs)
            if cs != ks:
                want += 1
                if rs == ks:
                    match += 1
                else:
                    bad += 1
                    bads.append(d)
            elif rs != cs:
                extra += 1
                bads.append(d)
    off += len(c)
print("kernel-changed %d replay-matches %d replay-differs %d replay-only %d" % (want, match, bad, extra))
if bads:
    print("first differing daddrs: " + " ".join(hex(d) for d in bads[:12]))
sys.exit(1 if bad or extra else 0)
