#!/usr/bin/env python3
"""In-use inodes of a crashed XFS image that log recovery does not write.

    xfs_outside_log.py FIXTURE.json IMAGE FSIMG

Prints one inode number a line, regular files of the kernel's view (the
fixture's "kernel" map: linked after the kernel's recovery), whose 512-byte
sectors no log item writes: no buffer item and no icreate chunk covers them
(their daddr ranges as `fsimg journal -v` lists them), no inode item names
the inode. xfs_db gives each inode's disk address. Damage there survives
recovery, so the kernel's recovered filesystem has it too (the fixture's
"kernel_blocks" are whole blocks the kernel changed: too coarse here, where
an inode item rewrites one inode of a block and leaves its neighbours).
"""
import json
import re
import subprocess
import sys

fix = json.load(open(sys.argv[1]))
img, fsimg = sys.argv[2], sys.argv[3]
listing = subprocess.run([fsimg, "journal", "-v", img], capture_output=True, text=True).stdout
ranges, logged = [], set()
for line in listing.splitlines():
    m = re.match(r"\s+inode\s+ino (\d+)", line)
    if m:
        logged.add(int(m.group(1)))
        continue
    m = re.match(r"\s+(buf|icreate)\s.*daddr (\d+) len (\d+)", line)
    if m:
        ranges.append((int(m.group(2)), int(m.group(2)) + int(m.group(3))))


def db(cmd):
    out = subprocess.run(["xfs_db", "-r", "-c", cmd, img], capture_output=True, text=True).stdout
    m = re.search(r"\((\d+)\)", out)
    return int(m.group(1)) if m else None


out = subprocess.run(["xfs_db", "-r", "-c", "sb 0", "-c", "print inodesize", img],
                     capture_output=True, text=True).stdout
isize = int(out.split("=")[1])
for ino in sorted({v["inode"] for v in fix["kernel"].values() if v["mode"] & 0o170000 == 0o100000}):
    if ino in logged:
        continue
    d = db("convert ino %d daddr" % ino)
    if d is None:
        continue
    # xfs_db gives the sector holding the inode
    end = d + max(1, isize // 512)
    if any(a < end and d < b for a, b in ranges):
        continue
    print(ino)
