#!/usr/bin/env python3
"""Appends two transactions of intents to a kernel-written v5 log, for the
listing's test of intents and done items (Linux 6.1 rarely leaves any):
intentrec.py LIBFSIMG_SO IMAGE LOG_DADDR LAST_RECORD HEAD writes, at HEAD,
one record holding transaction 0x11110001 (an EFI of two extents, id
0xe1, and an RUI of one, id 0xa1) and transaction 0x11110002 (the EFD that
finishes the EFI), framed as the kernel frames a checkpoint (start op,
transaction header, one op per item region, commit op; little-endian item
formats as an x86 kernel writes them), the record header made from the one
at LAST_RECORD (LSN, previous block, op count, cycle words, CRC). The RUI is
left without its done item."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xlogrec  # noqa: E402

so, img, log0, last, head = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
crc = xlogrec.Crc(so)
f = open(img, 'r+b')
base = log0 * 512
f.seek(base + last * 512)
hdr = bytearray(f.read(512))


def op(tid, payload, flags=0):
    return struct.pack('>IIBBH', tid, len(payload), 0x69, flags, 0) + payload


def trans(tid, items):
    ops = [op(tid, b'', 0x1), op(tid, struct.pack('<IIiI', 0x5452414e, 0, tid, len(items)))]
    ops += [op(tid, it) for it in items]
    ops.append(op(tid, b'', 0x2))
    return ops


efi = struct.pack('<HHIQ', 0x1236, 1, 2, 0xe1) + struct.pack('<QII', 1000, 8, 0) + struct.pack('<QII', 2000, 4, 0)
rui = struct.pack('<HHIQ', 0x1240, 1, 1, 0xa1) + struct.pack('<QQQII', 131, 3000, 0, 16, 0)
efd = struct.pack('<HHIQ', 0x1237, 1, 2, 0xe1) + struct.pack('<QII', 1000, 8, 0) + struct.pack('<QII', 2000, 4, 0)
ops = trans(0x11110001, [efi, rui]) + trans(0x11110002, [efd])
data = bytearray(b''.join(ops))
data += bytes(-len(data) % 512)
nb = len(data) // 512
hdr[12:16] = struct.pack('>I', len(b''.join(ops)))
hdr[16:24] = struct.pack('>Q', 1 << 32 | head)
hdr[36:44] = struct.pack('>II', last, len(ops))
for i in range(nb):
    hdr[44 + 4 * i:48 + 4 * i] = data[i * 512:i * 512 + 4]
    data[i * 512:i * 512 + 4] = struct.pack('>I', 1)
rec = hdr + data
crc.seal(rec, 1, len(b''.join(ops)))
f.seek(base + head * 512)
f.write(rec)
f.write(bytes(512))
print('2 transactions of intents at block %d; head now %d' % (head, head + 1 + nb))
