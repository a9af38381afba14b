#!/usr/bin/env python3
"""Writes a fast-commit area into IMG (fuzz/mkseeds.sh's ext4fc base): the
tag kinds of the kernel-made fixtures (tests/crash/fixtures/fc-*: LINK,
UNLINK, INODE, CREAT, ADD_RANGE, DEL_RANGE, PAD, in several fast commits
each ended by a TAIL with its crc32c) over the image's own inodes.

With MODE "inline" (an inline_data filesystem): names created in, and
removed from, the inline directory /empty until it grows into its
"system.data" value and then into a block, and a new directory with inline
data; with MODE "bmap" (no extent feature): block-mapped files unlinked to
nothing, their data and indirect blocks freed.

With MODE "casefold" (a casefold filesystem): mixed-case names in a
casefolded directory, removed and linked by another case.

usage: mkfcseed.py IMG TID [inline|bmap|casefold]"""
import os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'lib'))
from crc32c import crc32c  # noqa: E402 (tests/lib, found from this script's place)

img, tid = sys.argv[1], int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else ''
f = open(img, 'r+b')
data = bytearray(f.read())
sb = data[1024:2048]
bs = 1024 << struct.unpack_from('<I', sb, 24)[0]
ipg = struct.unpack_from('<I', sb, 40)[0]
isz = struct.unpack_from('<H', sb, 88)[0]
desc = struct.unpack_from('<H', sb, 0xFE)[0] if struct.unpack_from('<I', sb, 0x60)[0] & 0x80 else 32
gdt = (2 if bs == 1024 else 1) * bs

def inode_off(ino):
    g, i = (ino - 1) // ipg, (ino - 1) % ipg
    d = gdt + g * desc
    it = struct.unpack_from('<I', data, d + 8)[0]
    if desc >= 64:
        it |= struct.unpack_from('<I', data, d + 0x28)[0] << 32
    return it * bs + i * isz

def rec(ino):
    o = inode_off(ino)
    return bytes(data[o:o + isz])

def extent0(ino):
    r = rec(ino)
    # depth-0 tree: first extent
    ee_block, ee_len, hi, lo = struct.unpack_from('<IHHI', r, 0x28 + 12)
    return (hi << 32) | lo

def bmap_journal(n):
    r = rec(8)
    if not struct.unpack_from('<I', r, 0x20)[0] & 0x80000:
        # a block map: 12 direct, then single and double indirect
        ptr = lambda blk, k: struct.unpack_from('<I', data, blk * bs + 4 * k)[0]
        per = bs // 4
        if n < 12:
            return struct.unpack_from('<I', r, 0x28 + 4 * n)[0]
        n -= 12
        if n < per:
            return ptr(struct.unpack_from('<I', r, 0x28 + 48)[0], n)
        n -= per
        return ptr(ptr(struct.unpack_from('<I', r, 0x28 + 52)[0], n // per), n % per)
    depth = struct.unpack_from('<H', r, 0x28 + 6)[0]
    assert depth == 0, 'journal tree not in the inode'
    for k in range(struct.unpack_from('<H', r, 0x28 + 2)[0]):
        lb, ln, hi, lo = struct.unpack_from('<IHHI', r, 0x28 + 12 + 12 * k)
        if lb <= n < lb + ln:
            return ((hi << 32) | lo) + n - lb
    raise SystemExit('journal block %d not mapped' % n)

def tl(tag, val):
    return struct.pack('<HH', tag, len(val)) + val

def dentry(tag, parent, ino, name):
    return tl(tag, struct.pack('<II', parent, ino) + name)

def inode_tag(ino, r, size=None, links=None):
    r = bytearray(r)
    if size is not None:
        struct.pack_into('<I', r, 4, size)
    if links is not None:
        struct.pack_into('<H', r, 26, links)
    return tl(6, struct.pack('<I', ino) + bytes(r))

def add_range(ino, lblk, n, pblk, unwritten=False):
    return tl(1, struct.pack('<IIHHI', ino, lblk, n + (32768 if unwritten else 0), pblk >> 32, pblk & 0xffffffff))

def del_range(ino, lblk, n):
    return tl(2, struct.pack('<III', ino, lblk, n))

# the image's inodes, by mkseeds.sh's tree (ls order of debugfs -d): found by name in the root
def lookup(dirino, name):
    r = rec(dirino)
    flags = struct.unpack_from('<I', r, 0x20)[0]
    if flags & 0x10000000:      # inline data: the entries after the 4-byte parent in i_block
        b, end = r[0x28 + 4:0x28 + 60], 56
    else:
        blk = extent0(dirino) if flags & 0x80000 else struct.unpack_from('<I', r, 0x28)[0]
        b, end = data[blk * bs:(blk + 1) * bs], bs
    off = 0
    while off + 8 <= end:
        ino, rl, nl = struct.unpack_from('<IHB', b, off)
        if rl < 8:
            break
        if ino and b[off + 8:off + 8 + nl] == name:
            return ino
        off += rl
    raise SystemExit('no %r' % name)

big, small, d1 = lookup(2, b'big'), lookup(2, b'small'), lookup(2, b'd1')
hard = lookup(d1, b'hard')
bottom = lookup(lookup(lookup(d1, b'd2'), b'd3'), b'bottom')
free_ino = 40
nblocks = struct.unpack_from('<I', sb, 4)[0]
newb = nblocks - 40  # blocks near the end, free in a fresh image
commits = [
    [dentry(4, 2, small, b'alias'), dentry(5, d1, hard, b'hard'),
     inode_tag(small, rec(small), links=2), add_range(big, 1, 3, newb), del_range(big, 6, 2),
     inode_tag(big, rec(big))],
    [inode_tag(free_ino, rec(small), size=0, links=1), dentry(3, d1, free_ino, b'created'),
     add_range(free_ino, 0, 2, newb + 8), inode_tag(free_ino, rec(small), size=2 * bs, links=1),
     tl(7, bytes(6))],
    # five extents, the first at block 1: the tree of /d1/d2/d3/bottom grows a leaf block
    [del_range(bottom, 0, 1), add_range(bottom, 10, 1, newb + 20), add_range(bottom, 20, 1, newb + 22),
     add_range(bottom, 30, 1, newb + 24), add_range(bottom, 40, 2, newb + 26),
     inode_tag(bottom, rec(bottom), size=42 * bs)],
    [dentry(5, 2, small, b'alias'), add_range(big, 0, 1, newb + 12, True), del_range(big, 2, 0xfffffff0),
     inode_tag(big, rec(big), size=3 * bs)],
]
if mode == 'inline':
    empty = lookup(2, b'empty')
    d2 = lookup(d1, b'd2')
    news = list(range(40, 56))
    names = [b'inline-name-%02d' % k for k in range(len(news))]
    c1 = [inode_tag(news[0], rec(small), links=1), dentry(3, empty, news[0], names[0]),
          dentry(5, empty, news[0], names[0])]
    c2 = []
    for ino, nm in zip(news[1:], names[1:]):
        c2 += [inode_tag(ino, rec(small), links=1), dentry(3, empty, ino, nm)]
    c3 = [inode_tag(56, rec(empty), links=2), dentry(3, d2, 56, b'newdir'),
          dentry(5, empty, news[1], names[1]), dentry(4, empty, small, b'alias')]
    # one block per fast commit: three names (INODE + CREAT) at most in 1 KiB
    commits = [c1] + [c2[k:k + 6] for k in range(0, len(c2), 6)] + [c3]
elif mode == 'casefold':
    # /empty made casefolded (chattr +F; no checksums to fix): mixed-case names
    # created, one removed and one linked by another case
    empty = lookup(2, b'empty')
    o = inode_off(empty)
    struct.pack_into('<I', data, o + 0x20, struct.unpack_from('<I', data, o + 0x20)[0] | 0x40000000)
    news = list(range(40, 49))
    c = []
    for k, ino in enumerate(news):
        c.append([inode_tag(ino, rec(small), links=1), dentry(3, empty, ino, b'MiXeD-Case-%02d' % k)])
    commits = [c[0] + c[1] + c[2], c[3] + c[4] + c[5], c[6] + c[7] + c[8],
               [dentry(5, empty, news[0], b'mixed-case-00'), dentry(4, empty, small, b'ALIAS'),
                dentry(4, empty, small, b'alias')]]
elif mode == 'bmap':
    commits = [[dentry(5, 2, big, b'big'), dentry(5, d1, hard, b'hard')],
               [dentry(5, 2, small, b'small'), dentry(5, 2, lookup(2, b'empty'), b'empty'),
                add_range(bottom, 0, 1, newb), del_range(bottom, 0, 1)]]
js = bmap_journal(0) * bs
maxlen = struct.unpack_from('>I', data, js + 16)[0]
# the journal's fast-commit feature and area size, as the kernel sets them on mount
# (mke2fs reserves the area past 1024 blocks but leaves both unset)
struct.pack_into('>I', data, js + 0x28, struct.unpack_from('>I', data, js + 0x28)[0] | 0x20)
nfc = struct.unpack_from('>I', data, js + 0x54)[0] or max(maxlen - 1024, 0) or 256
struct.pack_into('>I', data, js + 0x54, nfc)
pos = maxlen - nfc + 1
first = True
for tags in commits:
    blk = bytearray()
    if first:
        blk += tl(9, struct.pack('<II', 0, tid))
        first = False
    for t in tags:
        blk += t
    crc = crc32c(0, bytes(blk))
    tail = struct.pack('<HHI', 8, bs - len(blk) - 4, tid)
    crc = crc32c(crc, tail)
    blk += tail + struct.pack('<I', crc)
    blk += bytes(bs - len(blk))
    assert len(blk) == bs
    p = bmap_journal(pos) * bs
    data[p:p + bs] = blk
    pos += 1
f.seek(0)
f.write(data)
