#!/usr/bin/env python3
"""Reflink half of /small's one-block files of a fresh reflink XFS image
(the v5-rc campaign base of tests/lib/xfsimg.sh).

    python3 tests/lib/xfsrc.py IMAGE COUNT

The files /small/s1 .. /small/sCOUNT each hold one block. Sorted by block,
every second file's extent is pointed at the block before it, so each of
COUNT/2 blocks is shared by two files, apart from its neighbours (one
refcount record each: a multi-level refcountbt at 1 KiB blocks), and the
blocks given up are left to be freed, scattered. xfs_repair (modifying)
then sets the reflink flags, frees those blocks and rebuilds the free-space
btrees, the rmapbt and the refcountbt; xfs_repair -n passes after it. The
kernel makes such files with FICLONERANGE; offline, nothing else does.
"""
import re
import subprocess
import sys


def main():
    img, n = sys.argv[1], int(sys.argv[2])
    args = ["xfs_db", "-r"]
    for i in range(1, n + 1):
        args += ["-c", "path /small/s%d" % i, "-c", "inode", "-c", "print u3.bmx"]
    out = subprocess.run(args + [img], check=True, capture_output=True, text=True).stdout
    inos = [int(x) for x in re.findall(r"current inode number is (\d+)", out)]
    recs = [int(m) for m in re.findall(r"^0:\[\d+,(\d+),1,0\]", out, re.M)]
    if len(inos) != n or len(recs) != n:
        raise SystemExit("xfsrc.py: /small/s1..s%d are not %d one-block files" % (n, n))
    by = sorted(zip(recs, inos))
    cmds = ["xfs_db", "-x"]
    for k in range(0, n - 1, 2):
        cmds += ["-c", "inode %d" % by[k + 1][1], "-c", "write u3.bmx[0].startblock %d" % by[k][0]]
    subprocess.run(cmds + [img], check=True, capture_output=True)


if __name__ == "__main__":
    main()
