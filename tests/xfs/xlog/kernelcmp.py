#!/usr/bin/env python3
"""A log replay against the kernel's recovery, sector by sector (512 bytes),
outside the log. The kernel image is the harness's (tests/crash/run.sh -F
xfs): its mount replayed the log, then the guest listed and read every file
and unmounted. So sectors are compared with what mount and unmount rewrite
masked: in AG superblocks icount, ifree, fdblocks, frextents, the quota inode
numbers (0 on disk, NULLFSINO once mounted), log_incompat, crc, lsn; in
inodes atime and what flushing them after the reads changes (di_flushiter on
v4; di_crc, di_changecount, di_lsn on v5).

  kernelcmp.py digest CRASHED KERNEL GEOM            one line per sector the kernel
                                                     changed: "daddr sha1(masked kernel)"
  kernelcmp.py check CRASHED REPLAYED DIGEST GEOM    the replay against a digest

GEOM is "LOG_DADDR LOG_BBS AGBLOCKS BLOCKSIZE AGCOUNT INODESIZE". check prints
"kernel-changed N replay-matches N replay-differs N replay-only N" and the
first differing daddrs; exit 1 on any difference."""
import hashlib
import sys

SB_MASK = [(128, 176), (216, 220), (224, 228), (232, 248)]
INODE_MASK = [(30, 40), (100, 120)]


def geom(args):
    log0, logn, agblocks, bs, agcount, isize = (int(x) for x in args)
    return log0, logn, {ag * agblocks * bs // 512 for ag in range(agcount)}, isize


def masked(sec, d, sbs, isize):
    b = bytearray(sec)
    if d in sbs:
        for s, e in SB_MASK:
            b[s:e] = bytes(e - s)
    elif b[:2] == b'IN':
        step = min(isize, 512)
        for o in range(0, 512, step):
            if b[o:o + 2] == b'IN':
                for s, e in INODE_MASK:
                    if s < step:
                        b[o + s:o + min(e, step)] = bytes(min(e, step) - s)
    return bytes(b)


def sectors(a, b):
    """(daddr, sector of a, sector of b) wherever the two files differ."""
    off = 0
    while True:
        x, y = a.read(1 << 20), b.read(1 << 20)
        if not x:
            return
        if x != y:
            for i in range(0, len(x), 512):
                if x[i:i + 512] != y[i:i + 512]:
                    yield (off + i) // 512, x[i:i + 512], y[i:i + 512]
        off += len(x)


def digest(crashed, kernel, g):
    log0, logn, sbs, isize = geom(g)
    for d, c, k in sectors(open(crashed, 'rb'), open(kernel, 'rb')):
        if log0 <= d < log0 + logn:
            continue
        mk = masked(k, d, sbs, isize)
        if masked(c, d, sbs, isize) != mk:
            print(d, hashlib.sha1(mk).hexdigest())


def check(crashed, replayed, dig, g):
    log0, logn, sbs, isize = geom(g)
    want = {}
    for line in open(dig):
        d, h = line.split()
        want[int(d)] = h
    rep = open(replayed, 'rb')
    match = bad = extra = 0
    bads = []
    for d in sorted(want):
        rep.seek(d * 512)
        if hashlib.sha1(masked(rep.read(512), d, sbs, isize)).hexdigest() == want[d]:
            match += 1
        else:
            bad += 1
            bads.append(d)
    for d, c, r in sectors(open(crashed, 'rb'), open(replayed, 'rb')):
        if d not in want and not (log0 <= d < log0 + logn) and \
                masked(c, d, sbs, isize) != masked(r, d, sbs, isize):
            extra += 1
            bads.append(d)
    print("kernel-changed %d replay-matches %d replay-differs %d replay-only %d"
          % (len(want), match, bad, extra))
    if bads:
        print("first differing daddrs: " + " ".join(hex(d) for d in sorted(bads)[:12]))
    return 1 if bad or extra else 0


if sys.argv[1] == 'digest':
    digest(sys.argv[2], sys.argv[3], sys.argv[4:10])
else:
    sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:11]))
