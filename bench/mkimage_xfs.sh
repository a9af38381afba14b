# bench/mkimage.sh's XFS tail (sourced by it, not run): loads the tree in
# $scratch/root into $out with mkfs.xfs -p, then flags one extent of each
# file ext4 would fallocate (falloc.cmd) unwritten with xfs_db -x.
# Uses $scratch, $out, $size, $t_start, $t_tree from mkimage.sh.

sh "$(dirname "$0")/../tests/lib/xfsproto.sh" --max-symlink 300 "$scratch/root" >"$scratch/proto"
# mkfs.xfs 6.1 refuses filesystems under 300 MB: small is 512 MiB here.
[ "$size" != 256M ] || size=512M
truncate -s "$size" "$out"
# Fixed UUID; 4 KiB blocks, 512-byte inodes, v5 (mkfs.xfs 6.1's defaults); 4 AGs at 4 GiB.
mkfs.xfs -q -f -b size=4096 -L fsimg-bench -m uuid=6f736d69-6762-656e-6368-000000000001 \
	-p "$scratch/proto" "$out"
t_mkfs=$(date +%s.%N)

# "fallocate /PATH A B" -> the file's first extent flagged unwritten (XFS
# packs the file into one extent; the flag is what the reader must honour).
awk '$1 == "fallocate" && !seen[$2]++ { print "path " $2; print "write -d u3.bmx[0].extentflag 1" }' \
	"$scratch/falloc.cmd" >"$scratch/unwritten.cmd"
if [ -s "$scratch/unwritten.cmd" ]; then
	# write -d: no CRC recomputation would leave bad checksums; drop -d for v5
	sed -i 's/^write -d /write /' "$scratch/unwritten.cmd"
	xfs_db -x -f -c "source $scratch/unwritten.cmd" "$out" >"$scratch/unwritten.out" 2>&1 || true
	n=$(grep -c 'extentflag = 1' "$scratch/unwritten.out" || true)
	echo "mkimage: $n extents flagged unwritten"
fi
t_end=$(date +%s.%N)

awk -v a="$t_start" -v b="$t_tree" -v c="$t_mkfs" -v d="$t_end" 'BEGIN {
	printf "mkimage: time: tree %.1f s, mkfs.xfs -p %.1f s, xfs_db unwritten %.1f s, total %.1f s\n", b-a, c-b, d-c, d-a }'
echo "mkimage: $out: $(du -h --apparent-size "$out" | cut -f1) apparent, $(du -h "$out" | cut -f1) on disk"
xfs_db -r -c 'sb 0' -c 'p agcount agblocks dblocks icount ifree fdblocks' "$out" | sed 's/^/mkimage:   /'
