"""CRC32C (Castagnoli, reflected polynomial 0x82F63B78) for the test
scripts that write checksummed structures (jbd2 fast commits and
superblocks, undo files, XFS btree blocks). Import it from tests/lib: a
script there has it on sys.path; a heredoc adds
os.environ["top_srcdir"] + "/tests/lib" first."""

_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(crc, data):
    """The CRC of data continued from crc, with no inversion before or
    after: the kernel's crc32c(crc, data), which jbd2 and the undo file
    seed with ~0 (or a previous value) and store as is."""
    crc &= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def crc32c_std(data):
    """The standard CRC32C of data (seeded with ~0, inverted at the end),
    as XFS stores it."""
    return crc32c(0xFFFFFFFF, data) ^ 0xFFFFFFFF
