"""XFS log records for the scripts that write logs (bench/mkxlog.py, bench/mkxfsdirty.py,
tests/xfs/xlog/splitrec.py): the record CRC as the kernel's xlog_cksum
computes it, through libfsimg's fsimg_crc32c (ctypes), and a record's
geometry from its header."""
import ctypes
import json
import struct
import subprocess

XLOG_MAGIC = 0xFEEDBABE


class Crc:
    def __init__(self, so):
        self.lib = ctypes.CDLL(so)
        self.lib.fsimg_crc32c.restype = ctypes.c_uint32
        self.lib.fsimg_crc32c.argtypes = [ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]

    def _crc(self, c, b):
        return self.lib.fsimg_crc32c(c, bytes(b), len(b))

    def record(self, rec, hblks, h_len):
        """xlog_cksum over a record as on disk (header sectors, then data)."""
        c = self._crc(0xffffffff, rec[:32])
        c = self._crc(c, b'\0\0\0\0')
        c = self._crc(c, rec[36:328])
        for i in range(1, (h_len + 32767) // 32768):
            c = self._crc(c, rec[i * 512:i * 512 + 260])
        c = self._crc(c, rec[hblks * 512:hblks * 512 + h_len])
        return (~c) & 0xffffffff

    def seal(self, rec, hblks, h_len):
        """Stores the record's CRC in its header (little-endian h_crc)."""
        rec[32:36] = struct.pack('<I', self.record(rec, hblks, h_len))


def geometry(hdr):
    """(header sectors, h_len) of a record whose first header sector is hdr."""
    magic, _, version, h_len = struct.unpack('>IIII', hdr[:16])
    if magic != XLOG_MAGIC:
        raise ValueError('no record header')
    h_size, = struct.unpack('>I', hdr[320:324])
    hblks = (h_size + 32767) // 32768 if version & 2 and h_size > 32768 else 1
    return hblks, h_len


def log_header(fsimg, img):
    """The first record of `fsimg journal --json IMG`: the log's place, ends and state."""
    out = subprocess.run([fsimg, 'journal', '--json', img], check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out.decode().splitlines()[0])
