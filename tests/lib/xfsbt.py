#!/usr/bin/env python3
"""Turn one contiguous file of a fresh v5 XFS image into a sparse file of
one-block extents held by a multi-level bmbt (issue 14's campaign base).

    python3 tests/lib/xfsbt.py IMAGE INODE

The file's single extent [S, S+N) keeps its even blocks as extents at the
even file offsets (S+2i at offset 2i, one block each); the bmbt blocks (a
level-2 tree: 50 records a leaf, two level-1 nodes, the root in the inode)
go in odd blocks; the other odd blocks are left to be freed, scattered:
xfs_repair (modifying) then rebuilds the free-space btrees (thousands of
one-block free extents: multi-level bnobt and cntbt), the rmapbt and the
counters, after which xfs_repair -n passes. The inode's fields are written
with xfs_db -x (which recomputes its CRC); the bmbt blocks here, with their
crc32c. mkfs.xfs -p cannot make a file of many extents, nor free space.
"""
import struct
import subprocess
import sys

from crc32c import crc32c_std

PER_LEAF = 50
NODES = 2
NULLFSBLOCK = 0xFFFFFFFFFFFFFFFF




def db(img, *cmds, write=False):
    args = ["xfs_db", "-x" if write else "-r"]
    for c in cmds:
        args += ["-c", c]
    return subprocess.run(args + [img], check=True, capture_output=True, text=True).stdout


def field(out, name):
    for line in out.splitlines():
        k, _, v = line.partition(" = ")
        if k.strip() == name:
            return v.strip()
    raise SystemExit("xfsbt.py: xfs_db printed no %s" % name)


def main():
    img, ino = sys.argv[1], int(sys.argv[2])
    sb = db(img, "sb 0", "print blocksize agblocks agblklog uuid")
    bs, agblocks, agblklog = (int(field(sb, k)) for k in ("blocksize", "agblocks", "agblklog"))
    uuid = bytes.fromhex(field(sb, "uuid").replace("-", ""))
    core = db(img, "inode %d" % ino, "print core.format core.nextents core.forkoff u3.bmx[0]")
    if field(core, "core.format") != "2 (extents)" or field(core, "core.nextents") != "1":
        raise SystemExit("xfsbt.py: inode %d is not one extent" % ino)
    if field(core, "core.forkoff") != "0":
        raise SystemExit("xfsbt.py: inode %d has an attribute fork" % ino)
    rec = [ln for ln in core.splitlines() if ln.startswith("0:[")]
    if len(rec) != 1:
        raise SystemExit("xfsbt.py: xfs_db printed no extent of inode %d" % ino)
    _, start, count, _ = (int(x) for x in rec[0][3:].strip("]").split(","))
    nrecs = count // 2
    nleaves = (nrecs + PER_LEAF - 1) // PER_LEAF
    if nleaves < NODES * 2 or nleaves + NODES > nrecs:
        raise SystemExit("xfsbt.py: %d blocks are too few" % count)

    def fsb(i):  # the i-th odd block of the extent: bmbt blocks
        return start + 2 * i + 1

    def daddr(f):
        return ((f >> agblklog) * agblocks + (f & ((1 << agblklog) - 1))) * (bs // 512)

    recs = [(2 * i, start + 2 * i, 1) for i in range(nrecs)]
    leaves = [fsb(j) for j in range(nleaves)]
    nodes = [fsb(nleaves + k) for k in range(NODES)]
    node_maxrecs = (bs - 72) // 16

    def block(f, level, items, left, right):
        b = bytearray(bs)
        struct.pack_into(">IHHQQQQ", b, 0, 0x424D4133, level, len(items), left, right, daddr(f), 0)
        b[40:56] = uuid
        struct.pack_into(">Q", b, 56, ino)
        if level == 0:
            for i, (off, blk, cnt) in enumerate(items):
                hi = (off << 9) | (blk >> 43)
                lo = ((blk & ((1 << 43) - 1)) << 21) | cnt
                struct.pack_into(">QQ", b, 72 + 16 * i, hi, lo)
        else:
            for i, (key, ptr) in enumerate(items):
                struct.pack_into(">Q", b, 72 + 8 * i, key)
                struct.pack_into(">Q", b, 72 + 8 * node_maxrecs + 8 * i, ptr)
        struct.pack_into("<I", b, 64, crc32c_std(bytes(b)))
        return bytes(b)

    def sib(lst, i):
        return (lst[i - 1] if i > 0 else NULLFSBLOCK, lst[i + 1] if i + 1 < len(lst) else NULLFSBLOCK)

    out = {}
    for j, f in enumerate(leaves):
        out[f] = block(f, 0, recs[j * PER_LEAF:(j + 1) * PER_LEAF], *sib(leaves, j))
    per_node = (nleaves + NODES - 1) // NODES
    if per_node > node_maxrecs:
        raise SystemExit("xfsbt.py: %d blocks are too many" % count)
    root = []
    for k, f in enumerate(nodes):
        kids = [(recs[j * PER_LEAF][0], leaves[j]) for j in range(k * per_node, min(nleaves, (k + 1) * per_node))]
        out[f] = block(f, 1, kids, *sib(nodes, k))
        root.append((kids[0][0], f))
    with open(img, "r+b") as fh:
        for f, b in out.items():
            fh.seek(daddr(f) * 512)
            fh.write(b)
    cmds = ["inode %d" % ino, "write -d core.format 3", "write -d core.nextents %d" % nrecs,
            "write -d core.nblocks %d" % (nrecs + nleaves + NODES),
            "write -d u3.bmbt.level 2", "write -d u3.bmbt.numrecs %d" % NODES]
    for k, (key, ptr) in enumerate(root):
        cmds += ["write -d u3.bmbt.keys[%d].startoff %d" % (k + 1, key), "write -d u3.bmbt.ptrs[%d] %d" % (k + 1, ptr)]
    db(img, *cmds, write=True)


if __name__ == "__main__":
    main()
