#!/bin/bash
# Deterministic benchmark image generator (not a test; never run by make check).
#
#   bench/mkimage.sh SIZE_CLASS OUT [ext4|xfs]
#
# SIZE_CLASS:
#   small  ~5,000 files in 50 directories, 256 MiB image     (seconds; smoke runs)
#   200k   ~200,000 files in 2,000 directories, 4 GiB image  (the issue's anchor)
#   1m     ~1,000,000 files in 4,000 directories, 32 GiB image, ~1.2M inodes
#
# FSTYPE xfs (200k and small only): the same tree loaded by `mkfs.xfs -p`
# (a protofile from tests/lib/xfsproto.sh, no mounting); mkfs.xfs 6.1 writes
# every block of a file (holes too), so the sparse files' runs are packed 32x
# (large ones 64x) closer, which keeps the data at ~2 GiB; a fixed set of
# extents is then flagged unwritten with `xfs_db -x` (the files ext4 would
# fallocate), hard links are separate files (the protofile has none).
#
# The ext4 image has 4 KiB blocks, written sparse. A tree of files is
# generated from a fixed seed in a scratch directory (tmpfs /dev/shm when it
# has room, else $TMPDIR or /tmp), loaded with `mke2fs -d`, then a fixed set of
# files gets fallocated (unwritten) ranges with `debugfs -w`. File names,
# sizes, holes, inode numbers and extent maps are the same on every run (and
# every machine with e2fsprogs 1.47); timestamps and therefore checksums are
# not (mke2fs -d copies ctime from the scratch tree).
#
# Mix (per file, from the seed):
#   empty files; one-block files; small contiguous files (1-6 blocks);
#   sparse files with 2-6 data runs (extent count > 4 needs an index block);
#   large sparse files with 8-32 runs (multi-level extent trees);
#   plus symlinks (fast and slow), hard links, and fallocated ranges inside
#   holes and past EOF (unwritten extents, some "beyond EOF").
# Environment: SEED (default 1), GEN_TMPDIR (scratch location), KEEP_TREE=1.
set -eu
export LC_ALL=C

usage() { sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
class=$1 out=$2 fstype=${3:-ext4}
case $fstype in ext4) ;; xfs) [ "$class" != 1m ] || usage ;; *) usage ;; esac
seed=${SEED:-1}

case $class in
small) nfiles=5000    ndirs=50   size=256M extra_mkfs="" ;;
200k)  nfiles=200000  ndirs=2000 size=4G   extra_mkfs="" ;;
1m)    nfiles=1000000 ndirs=4000 size=32G  extra_mkfs="-N 1200000" ;;
*) usage ;;
esac

tools="mke2fs debugfs python3"
[ "$fstype" = ext4 ] || tools="mkfs.xfs xfs_db python3"
for t in $tools; do
	command -v "$t" >/dev/null || { echo "mkimage: $t not found" >&2; exit 1; }
done

# Scratch space: the tree is up to ~1.5 GB of data plus inode overhead.
if [ -z "${GEN_TMPDIR:-}" ]; then
	GEN_TMPDIR=${TMPDIR:-/tmp}
	if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 4000000 ]; then
		GEN_TMPDIR=/dev/shm
	fi
fi
scratch=$(mktemp -d "$GEN_TMPDIR/fsimg-bench-tree.XXXXXX")
cleanup() { [ "${KEEP_TREE:-0}" = 1 ] || rm -rf "$scratch"; }
trap cleanup EXIT

t_start=$(date +%s.%N)
echo "mkimage: class $class ($fstype): $nfiles files in $ndirs directories, $size image, seed $seed"
echo "mkimage: generating the tree in $scratch"

python3 - "$scratch/root" "$nfiles" "$ndirs" "$seed" "$class" "$scratch/falloc.cmd" "$fstype" <<'EOF'
import os, random, sys

root, nfiles, ndirs, seed, klass, fcmd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
# mkfs.xfs -p writes holes as data: pack the runs (the rng draws stay the same).
pack_sparse, pack_large = (32, 64) if sys.argv[7] == "xfs" else (1, 1)
rng = random.Random(seed)
BS = 4096
# Non-zero bytes (mke2fs -d turns all-zero blocks into holes).
buf = bytes((i * 131 + 7) % 251 + 1 for i in range(1 << 20))

# Two levels: ~sqrt(ndirs) top directories, the rest below them.
top = max(1, int(ndirs ** 0.5))
sub = max(1, ndirs // top)
dirs = []
for t in range(top):
    d = "d%03d" % t
    os.makedirs(os.path.join(root, d))
    for s in range(sub):
        dd = os.path.join(d, "s%03d" % s)
        os.makedirs(os.path.join(root, dd))
        dirs.append(dd)

if klass == "1m":
    p_empty, p_tiny, p_small, p_sparse = 0.60, 0.97, 0.995, 0.999
    tiny_max = 2048
else:
    p_empty, p_tiny, p_small, p_sparse = 0.30, 0.80, 0.95, 0.995
    tiny_max = BS

def write_runs(path, runs, size):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for off, ln in runs:
            os.pwrite(fd, buf[:ln], off)
        os.ftruncate(fd, size)
    finally:
        os.close(fd)

falloc = []
regular = []
for i in range(nfiles):
    d = dirs[i % len(dirs)]
    rel = "%s/f%07d" % (d, i)
    path = os.path.join(root, rel)
    r = rng.random()
    if r < p_empty:
        open(path, "wb").close()
        continue
    if r < p_tiny:
        n = rng.randint(1, tiny_max)
        write_runs(path, [(0, n)], n)
    elif r < p_small:
        n = rng.randint(1, 6) * BS - rng.randint(0, BS - 1)
        write_runs(path, [(0, n)], n)
    elif r < p_sparse:
        # 2-6 runs of 1-4 blocks spread over up to 1024 blocks (4 MiB).
        nr = rng.randint(2, 6)
        span = rng.randint(64, 1024)
        starts = sorted(rng.sample(range(0, span, 8), nr))
        runs = [(s // pack_sparse * BS, rng.randint(1, 4) * BS) for s in starts]
        size = runs[-1][0] + runs[-1][1] - rng.randint(0, BS - 1)
        write_runs(path, runs, size)
        if rng.random() < 0.3:
            # fallocate inside the first hole (unwritten, within i_size)
            hs = starts[0] + 5
            if hs + 2 < starts[1]:
                falloc.append("fallocate /%s %d %d" % (rel, hs, hs + 1))
    else:
        # 8-32 runs of 1-8 blocks over up to 16384 blocks (64 MiB).
        nr = rng.randint(8, 32)
        span = rng.randint(4096, 16384)
        starts = sorted(rng.sample(range(0, span, 16), nr))
        runs = [(s // pack_large * BS, rng.randint(1, 8) * BS) for s in starts]
        size = runs[-1][0] + runs[-1][1]
        write_runs(path, runs, size)
    regular.append((rel, os.path.getsize(path)))
    # ~1 in 200 non-empty files: a preallocation past EOF (KEEP_SIZE style).
    if rng.random() < 0.005:
        first = (os.path.getsize(path) + BS - 1) // BS + rng.randint(0, 4)
        falloc.append("fallocate /%s %d %d" % (rel, first, first + rng.randint(0, 15)))

# Symlinks (fast: target < 60 bytes; slow: longer) and hard links.
nlinks = max(10, nfiles // 500)
for k in range(nlinks):
    d = dirs[rng.randrange(len(dirs))]
    tgt, _ = regular[rng.randrange(len(regular))]
    if k % 3 == 0:
        os.symlink("../../" + tgt, os.path.join(root, d, "sym%05d" % k))
    elif k % 3 == 1:
        os.symlink("/" + "x" * rng.randint(60, 200) + "/" + tgt, os.path.join(root, d, "lsym%05d" % k))
    else:
        os.link(os.path.join(root, tgt), os.path.join(root, d, "hl%05d" % k))

with open(fcmd, "w") as f:
    f.write("\n".join(falloc) + "\n")
print("mkimage: %d dirs, %d files (%d non-empty), %d links, %d fallocate commands"
      % (len(dirs) + top, nfiles, len(regular), nlinks, len(falloc)))
EOF

t_tree=$(date +%s.%N)
du -sh --apparent-size "$scratch/root" | sed 's/^/mkimage: tree data /'

rm -f "$out"
if [ "$fstype" = xfs ]; then
	. "$(dirname "$0")/mkimage_xfs.sh"
	exit 0
fi
# Fixed UUID and hash seed so directory hashes (htree order) and all
# allocations are reproducible; lazy init keeps the output sparse.
E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext4 -b 4096 -m 0 -L fsimg-bench \
	-U 6f736d69-6762-656e-6368-000000000001 \
	-E hash_seed=6f736d69-6762-656e-6368-000000000002,lazy_itable_init=1,lazy_journal_init=1,nodiscard \
	$extra_mkfs -d "$scratch/root" "$out" "$size"
t_mkfs=$(date +%s.%N)

if [ -s "$scratch/falloc.cmd" ]; then
	E2FSPROGS_FAKE_TIME=1700000000 debugfs -w -f "$scratch/falloc.cmd" "$out" >/dev/null 2>"$scratch/falloc.err" || true
	if grep -v '^debugfs [0-9]' "$scratch/falloc.err" | grep -q .; then
		echo "mkimage: debugfs fallocate complained:" >&2
		grep -v '^debugfs [0-9]' "$scratch/falloc.err" | head -5 >&2
	fi
fi
t_end=$(date +%s.%N)

awk -v a="$t_start" -v b="$t_tree" -v c="$t_mkfs" -v d="$t_end" 'BEGIN {
	printf "mkimage: time: tree %.1f s, mke2fs -d %.1f s, fallocate %.1f s, total %.1f s\n", b-a, c-b, d-c, d-a }'
echo "mkimage: $out: $(du -h --apparent-size "$out" | cut -f1) apparent, $(du -h "$out" | cut -f1) on disk"
dumpe2fs -h "$out" 2>/dev/null | grep -E '^(Inode count|Free inodes|Block count|Free blocks):' | sed 's/^/mkimage:   /'
