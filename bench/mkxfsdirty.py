#!/usr/bin/env python3
"""Gives a clean XFS image a full dirty log of its own inodes and directory
blocks, for bench/replay_xfs.sh:

    mkxfsdirty.py LIBFSIMG_SO FSIMG IN OUT [FILL [INODES [CKPT_BYTES]]]

OUT gets a sparse copy of IN (a v5 image with a clean internal log, such as
bench/mkimage.sh 200k OUT xfs makes) whose log, from the block after the
unmount record on, holds checkpoints as a Linux 6.1 kernel frames them
(start op, transaction header, one op per item region, commit op; ops split
across 32 KiB records with XLOG_CONTINUE_TRANS / XLOG_WAS_CONT_TRANS; the
cycle stamped in every sector, its words in the header's cycle data; record
CRC), until FILL (default 0.95) of the log is written. The items log the
image's own metadata as it is on disk: an inode item (core, and the data
fork in local or extents form) for every inode `fsimg ls -R` names, in
that order, with a buffer item for each of a directory's blocks before the
directory's inode, and the AGF and AGI of every AG in every checkpoint.
Recovery therefore leaves the filesystem as it was, but for the LSNs and
CRCs it stamps: every inode cluster and directory block goes through the
overlay, as after a crash of a kernel that had touched every file (chmod -R).

INODES (default: no limit) stops after that many inode items and CKPT_BYTES
(default 2 MiB, the size at which a 64 MiB log's CIL is pushed) sizes the
checkpoints: a few thousand inodes in checkpoints of a few KiB is a log as
a crash mid-workload leaves it (a kernel pushes the CIL on every fsync and
every wsync transaction; the tail follows the AIL, so the log holds the
last few thousand changes), not the worst case of a full log.
Prints the items, checkpoints and records written."""
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'xfs', 'xlog'))
import xlogrec  # noqa: E402

so, fsimg, src, out = sys.argv[1:5]
fill = float(sys.argv[5]) if len(sys.argv) > 5 else 0.95
max_inodes = int(sys.argv[6]) if len(sys.argv) > 6 else None
CKPT_BYTES = int(sys.argv[7]) if len(sys.argv) > 7 else 2 << 20
crc = xlogrec.Crc(so)

log = xlogrec.log_header(fsimg, src)
if log.get('external') is not None or log['needs_recovery']:
    sys.exit('mkxfsdirty: needs a clean internal log')
subprocess.run(['cp', '--sparse=always', src, out], check=True)
f = open(out, 'r+b')

sb = f.read(512)
blocksize, = struct.unpack('>I', sb[4:8])
agblocks, agcount = struct.unpack('>II', sb[84:92])
versionnum, sectsize, inodesize, inopblock = struct.unpack('>HHHH', sb[100:108])
agblklog, inopblog = sb[124], sb[123]
inoalignmt, = struct.unpack('>I', sb[180:184])
incompat, = struct.unpack('>I', sb[216:220])
uuid = sb[32:48]
if versionnum & 0xf != 5:
    sys.exit('mkxfsdirty: a v5 filesystem only')
BB = 512
bbs_per_block = blocksize // BB
# the inode cluster (xfs_imap): 8 KiB scaled by the inode size, whole blocks
cluster = 8192 * inodesize // 256
if inoalignmt < cluster // blocksize:
    cluster = 8192
bpc = max(1, cluster // blocksize)


def fsb_to_daddr(fsb):
    ag, agbno = fsb >> agblklog, fsb & ((1 << agblklog) - 1)
    return (ag * agblocks + agbno) * bbs_per_block


def read_at(off, n):
    f.seek(off)
    return f.read(n)


# ---------------------------------------------------------------- items
# Item formats in the byte order of an x86 kernel (little-endian); payloads as on disk.

CORE_FIELDS = [(0, 2), (2, 2), (4, 1), (5, 1), (8, 4), (12, 4), (16, 4), (20, 2), (22, 2),
               (56, 8), (64, 8), (72, 4), (76, 4), (80, 2), (82, 1), (83, 1), (84, 4), (88, 2),
               (90, 2), (92, 4), (96, 4), (104, 8), (112, 8), (120, 8), (128, 4), (152, 8)]
FMT = {1: '>B', 2: '>H', 4: '>I', 8: '>Q'}
LFMT = {1: '<B', 2: '<H', 4: '<I', 8: '<Q'}


def swap(d, s, off, size):
    d[off:off + size] = struct.pack(LFMT[size], struct.unpack(FMT[size], s[off:off + size])[0])


def log_dinode(dip):
    """xfs_inode_to_log_dinode of a v3 dinode: the core in host order."""
    d = bytearray(176)
    for off, size in CORE_FIELDS:
        swap(d, dip, off, size)
    flags2, = struct.unpack('>Q', dip[120:128])
    for off in (32, 40, 48, 144):
        if flags2 & 0x8:  # XFS_DIFLAG2_BIGTIME: one 64-bit count
            swap(d, dip, off, 8)
        else:
            swap(d, dip, off, 4)
            swap(d, dip, off + 4, 4)
    if flags2 & 0x10:  # XFS_DIFLAG2_NREXT64
        swap(d, dip, 24, 8)
    d[160:176] = dip[160:176]
    return bytes(d)


def inode_item(ino):
    ag = ino >> (agblklog + inopblog)
    agino = ino & ((1 << (agblklog + inopblog)) - 1)
    agbno = agino >> inopblog
    off_in_chunk = agbno % inoalignmt if inoalignmt else 0
    cl_agbno = agbno - off_in_chunk + (off_in_chunk // bpc) * bpc
    daddr = (ag * agblocks + cl_agbno) * bbs_per_block
    boffset = (agbno - cl_agbno) * blocksize + (agino & (inopblock - 1)) * inodesize
    dip = read_at(daddr * BB + boffset, inodesize)
    if dip[0:2] != b'IN' or dip[4] != 3:
        return None, []
    fmt, forkoff = dip[5], dip[82] * 8
    room = (forkoff or inodesize - 176)
    size, = struct.unpack('>Q', dip[56:64])
    nextents, = struct.unpack('>I', dip[76:80])
    fields, regions, dsize = 0x1, [], 0  # XFS_ILOG_CORE
    if fmt == 1 and size:  # local: if_bytes rounded to 4
        dsize = min((size + 3) // 4 * 4, room)
        fields |= 0x2  # XFS_ILOG_DDATA
        regions.append(dip[176:176 + dsize])
    elif fmt == 2 and nextents:
        dsize = nextents * 16
        if dsize > room:
            return None, []
        fields |= 0x4  # XFS_ILOG_DEXT
        regions.append(dip[176:176 + dsize])
    ilf = struct.pack('<HHIHHIQ16sqii', 0x123b, 2 + len(regions), fields, 0, dsize, 0, ino,
                      bytes(16), daddr, bpc * bbs_per_block, boffset)
    dirblocks = []
    mode, = struct.unpack('>H', dip[2:4])
    if mode & 0o170000 == 0o040000 and fmt == 2:
        for i in range(nextents):
            hi, lo = struct.unpack('>QQ', dip[176 + 16 * i:192 + 16 * i])
            rec = hi << 64 | lo
            startblock = (rec >> 21) & ((1 << 52) - 1)
            count = rec & ((1 << 21) - 1)
            for b in range(min(count, 64)):
                dirblocks.append(fsb_to_daddr(startblock + b))
    return [ilf, log_dinode(dip)] + regions, dirblocks


def buf_item(daddr, bblen, typ):
    chunks = bblen * BB // 128
    words = (chunks + 31) // 32
    bitmap = [0] * words
    for c in range(chunks):
        bitmap[c // 32] |= 1 << (c % 32)
    blf = struct.pack('<HHHHqI', 0x123c, 2, typ << 11, bblen, daddr, words) + \
        b''.join(struct.pack('<I', w) for w in bitmap)
    return [blf, read_at(daddr * BB, bblen * BB)]


def dir_type(block):
    m32 = block[0:4]
    return {b'XDB3': 10, b'XDD3': 11, b'XDF3': 12}.get(m32) or \
        {0x3df1: 13, 0x3dff: 14, 0x3ebe: 15}.get(struct.unpack('>H', block[8:10])[0], 0)


# ---------------------------------------------------------------- records

base = log['daddr'] * BB
bbs = log['basic_blocks']
limit = int(bbs * fill)
REC_DATA = 32768
CYCLE = 1
state = {'blk': log['head_block'], 'prev': log['last_record'],
         'data': bytearray(), 'nops': 0, 'records': 0}
TAIL = struct.pack('>Q', CYCLE << 32 | state['blk'])


def flush():
    data = state['data']
    if not data:
        return
    data += bytes(-len(data) % BB)
    nb = len(data) // BB
    blk = state['blk']
    h = bytearray(BB)
    struct.pack_into('>IIII', h, 0, 0xFEEDBABE, CYCLE, 2, len(data))
    h[16:24] = struct.pack('>Q', CYCLE << 32 | blk)
    h[24:32] = TAIL
    struct.pack_into('>II', h, 36, state['prev'], state['nops'])
    for i in range(nb):
        h[44 + 4 * i:48 + 4 * i] = data[i * BB:i * BB + 4]
        data[i * BB:i * BB + 4] = struct.pack('>I', CYCLE)
    struct.pack_into('>I', h, 300, 1)  # h_fmt: XLOG_FMT_LINUX_LE
    h[304:320] = uuid
    struct.pack_into('>I', h, 320, REC_DATA)
    rec = h + data
    crc.seal(rec, 1, len(data))
    f.seek(base + blk * BB)
    f.write(rec)
    state['prev'] = blk
    state['blk'] = blk + 1 + nb
    state['data'] = bytearray()
    state['nops'] = 0
    state['records'] += 1


def put_op(tid, payload, flags=0):
    """One op, split across records as xlog_write_partial splits it."""
    first = True
    while True:
        room = REC_DATA - len(state['data']) - 12
        if room <= 0:
            flush()
            continue
        n = min(room, len(payload))
        fl = flags if first else 0x8  # XLOG_WAS_CONT_TRANS
        if n < len(payload):
            fl |= 0x4  # XLOG_CONTINUE_TRANS
        elif not first:
            fl |= 0x10  # XLOG_END_TRANS
        state['data'] += struct.pack('>IIBBH', tid, n, 0x69, fl, 0) + payload[:n]
        state['nops'] += 1
        payload = payload[n:]
        first = False
        if not payload:
            return
        flush()


def checkpoint(tid, items):
    put_op(tid, b'', 0x1)  # XLOG_START_TRANS
    put_op(tid, struct.pack('<IIiI', 0x5452414e, 40, tid, len(items)))  # XFS_TRANS_CHECKPOINT
    for regions in items:
        for r in regions:
            put_op(tid, bytes(r))
    put_op(tid, b'', 0x2)  # XLOG_COMMIT_TRANS
    flush()  # the commit record ends the checkpoint's iclog


ls = subprocess.run([fsimg, 'ls', '-R', '--json', '--no-replay', src], check=True,
                    stdout=subprocess.PIPE).stdout.decode().splitlines()
inodes = [128] + [json.loads(line)['inode'] for line in ls]
ag_headers = []
for ag in range(agcount):
    d = ag * agblocks * bbs_per_block
    ag_headers.append(buf_item(d + sectsize // BB, sectsize // BB, 5))       # AGF
    ag_headers.append(buf_item(d + 2 * sectsize // BB, sectsize // BB, 7))   # AGI

tid = 0x6d780001
n_inode = n_buf = n_ckpt = 0
pending, pending_bytes, full = [], 0, False
seen = set()
for ino in inodes:
    if ino in seen:
        continue
    if max_inodes is not None and n_inode >= max_inodes:
        full = None  # stopped at INODES
        break
    seen.add(ino)
    item, dirblocks = inode_item(ino)
    if item is None:
        continue
    group = []
    for d in dirblocks:
        b = buf_item(d, bbs_per_block, 0)
        t = dir_type(b[1])
        if t:
            b[0] = b[0][:4] + struct.pack('<H', t << 11) + b[0][6:]
            group.append(b)
    group.append(item)
    size = sum(12 + len(r) for it in group for r in it)
    # room for what is pending, this group and the commit, in whole records with headers
    need = (pending_bytes + size) * (1 + BB / REC_DATA) + 2 * BB
    if state['blk'] + need / BB > limit:
        full = True
        break
    pending += group
    pending_bytes += size
    n_inode += 1
    n_buf += len(group) - 1
    if pending_bytes >= CKPT_BYTES:
        checkpoint(tid, ag_headers + pending)
        n_buf += len(ag_headers)
        tid += 1
        n_ckpt += 1
        pending, pending_bytes = [], 0
if pending:
    checkpoint(tid, ag_headers + pending)
    n_buf += len(ag_headers)
    n_ckpt += 1
# the block after the head stays cycle 0: the head is found there
f.seek(base + state['blk'] * BB)
f.write(bytes(BB))
f.close()
print('log of %d blocks: %d checkpoints in %d records to block %d; %d inode items, %d buffer items%s' %
      (bbs, n_ckpt, state['records'], state['blk'], n_inode, n_buf,
       {True: '', None: ' (INODES reached)', False: ' (every inode; the log is not full)'}[full]))
