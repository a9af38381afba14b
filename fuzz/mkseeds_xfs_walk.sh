#!/bin/sh
# Seeds for fuzz/fuzz_xfs_walk (the threaded extents --all): an XFS v5 image
# (1 KiB blocks, two AGs, the log in AG 1) whose root holds 1200 files, so
# that AG 0's first 4 MiB has 19 inode chunks: enough chunk reads for the
# walk to start the inode read-ahead thread (libfsimg/xfs/iahead.c), which
# the seeds of fuzz/mkseeds_xfs.sh (two chunks each) never do. Cut to the
# 4 MiB a harness takes; the harness gives the command the rest as a hole.
# Writes OUTDIR/base/xfs5w.img and OUTDIR/seeds/xfs_walk/xfs5w.o{0,4,8}
# (option bytes: plain, --json, --no-replay). Needs mkfs.xfs.
set -eu
LC_ALL=C; export LC_ALL
[ $# -eq 1 ] || { echo "usage: mkseeds_xfs_walk.sh OUTDIR" >&2; exit 16; }
here=$(cd "$(dirname "$0")" && pwd)
out=$1
tree=$out/xwtree
rm -rf "$tree" "$out/seeds/xfs_walk"
mkdir -p "$tree/sub" "$out/base" "$out/seeds/xfs_walk"
(cd "$tree" && seq 1 1200 | sed 's/^/f_/' | xargs touch)
seq 1 3000 > "$tree/f_1"
seq 1 20 > "$tree/sub/g"
ln -s f_1 "$tree/link"
sh "$here/../tests/lib/xfsproto.sh" "$tree" > "$out/xwtree.proto"
img=$out/xfs5w.full
rm -f "$img"
truncate -s 40m "$img"
mkfs.xfs -q -f --unsupported -b size=1024 -d agcount=2 -p "$out/xwtree.proto" "$img" > /dev/null 2>&1
head -c $((4 * 1048576 - 1)) "$img" > "$out/base/xfs5w.img"
printf '\000' | cat - "$out/base/xfs5w.img" > "$out/seeds/xfs_walk/xfs5w.o0"
printf '\004' | cat - "$out/base/xfs5w.img" > "$out/seeds/xfs_walk/xfs5w.o4"
printf '\010' | cat - "$out/base/xfs5w.img" > "$out/seeds/xfs_walk/xfs5w.o8"
rm -rf "$tree" "$img" "$out/xwtree.proto"
