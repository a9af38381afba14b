#!/usr/bin/env python3
"""Rewrites the valid fast commits of an ext4 image: tags of the kinds named
(e.g. LINK UNLINK) become PAD tags of the same length, and each TAIL's crc32c
is recomputed, so the fast commits stay valid.  Used by make check to turn a
kernel-crashed image whose LINK and UNLINK cancel out (the same name linked
and unlinked again) into one whose kernel result is unchanged but whose tags
are all of the kinds fsimg replays.

usage: fc_pad.py IMAGE RUN... -- TAG... [--lie FIELD=VALUE]
   the journal's fs blocks are given as LOGICAL:PHYSICAL:LENGTH runs.
   --lie changes the first ADD_RANGE (pblk, len, ino) or INODE (ino) to
   VALUE, crc kept valid: a fast commit that lies, for the bad-input tests."""
import os, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from crc32c import crc32c  # noqa: E402 (tests/lib, found from this script's place)

NAMES = {'ADD_RANGE': 1, 'DEL_RANGE': 2, 'CREAT': 3, 'LINK': 4, 'UNLINK': 5, 'INODE': 6}

def main():
    img = sys.argv[1]
    sep = sys.argv.index('--')
    runs = [tuple(int(x) for x in r.split(':')) for r in sys.argv[2:sep]]
    rest = sys.argv[sep + 1:]
    lie = None
    if '--lie' in rest:
        k = rest.index('--lie')
        lie = rest[k + 1].split('=')
        rest = rest[:k] + rest[k + 2:]
    kinds = {NAMES[t] for t in rest}
    f = open(img, 'r+b')
    sb = f.read(2048)[1024:]
    bs = 1024 << struct.unpack_from('<I', sb, 24)[0]

    def pblk(jb):
        for lo, ph, ln in runs:
            if lo <= jb < lo + ln:
                return ph + jb - lo
        raise SystemExit('journal block %d not mapped' % jb)

    f.seek(pblk(0) * bs)
    jsb = f.read(1024)
    maxlen, first, seq, start = struct.unpack_from('>IIII', jsb, 16)
    nfc = struct.unpack_from('>I', jsb, 0x54)[0] or 256

    fc_first = maxlen - nfc + 1  # kernel j_fc_first = j_last + 1, j_last = maxlen - nfc
    # tid the fast commits must carry: read from the first HEAD
    f.seek(pblk(fc_first) * bs)
    head = f.read(bs)
    if struct.unpack_from('<H', head, 0)[0] != 9:
        raise SystemExit('no HEAD at the area start')
    tid = struct.unpack_from('<I', head, 8)[0]
    crc = 0
    changed = 0
    for jb in range(fc_first, maxlen):
        f.seek(pblk(jb) * bs)
        blk = bytearray(f.read(bs))
        off, done = 0, False
        while off + 4 <= bs:
            tag, ln = struct.unpack_from('<HH', blk, off)
            if tag == 9 and struct.unpack_from('<I', blk, off + 8)[0] != tid:
                done = True
                break
            if tag not in range(1, 10) or off + 4 + ln > bs:
                done = True
                break
            if lie and tag == 1 and lie[0] in ('pblk', 'len', 'ino', 'lblk'):
                v = int(lie[1], 0)
                if lie[0] == 'pblk':
                    struct.pack_into('<HI', blk, off + 14, v >> 32, v & 0xffffffff)
                elif lie[0] == 'len':
                    struct.pack_into('<H', blk, off + 12, v)
                elif lie[0] == 'lblk':
                    struct.pack_into('<I', blk, off + 8, v)
                else:
                    struct.pack_into('<I', blk, off + 4, v)
                lie = None
            elif lie and tag == 6 and lie[0] == 'inode_ino':
                struct.pack_into('<I', blk, off + 4, int(lie[1], 0))
                lie = None
            if tag in kinds:
                struct.pack_into('<H', blk, off, 7)
                tag = 7
                changed += 1
            if tag == 8:
                crc = crc32c(crc, blk[off:off + 8])
                if struct.unpack_from('<I', blk, off + 4)[0] != tid:
                    done = True
                    break
                struct.pack_into('<I', blk, off + 8, crc)
                crc = 0
            else:
                crc = crc32c(crc, blk[off:off + 4 + ln])
            off += 4 + ln
        f.seek(pblk(jb) * bs)
        f.write(blk)
        if done:
            break
    print('%d tags padded' % changed)

main()
