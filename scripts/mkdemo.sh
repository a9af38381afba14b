#!/bin/sh
# Build the README's demo image: a "crashed" ext4 filesystem.
#
#   sh scripts/mkdemo.sh OUTDIR      prints the path of OUTDIR/demo.img
#
# ext4, 4 KiB blocks, 64 MiB sparse, made by e2fsprogs from a small generated
# tree, then changed with debugfs -w:
#   /vm/disk.raw        two punched holes (blocks 64-127 and 512-767)
#   /data/db.bin        1 MiB, with 1 MiB of unwritten preallocation past EOF
#   /logs/app.log       256 KiB, with 256 KiB of unwritten preallocation past EOF
#   /data/prealloc.dat  64 KiB of unwritten extents inside i_size (reads as zeros)
#   the journal         transaction 1 (committed): new contents for the first two
#                       blocks of /docs/notes.txt; transaction 2 (no commit block):
#                       a block of /logs/app.log. needs_recovery is set: the
#                       filesystem looks like one whose machine lost power.
# Deterministic: fixed UUID, hash seed, label and time; the same bytes every run.
set -eu
LC_ALL=C; export LC_ALL
[ $# -eq 1 ] || { echo "usage: mkdemo.sh OUTDIR" >&2; exit 16; }
for t in mke2fs debugfs; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
img=$out/demo.img
tree=$out/demo-tree
work=$out/demo-work
rm -rf "$tree" "$work" "$img"
mkdir -p "$tree" "$work"
E2FSPROGS_FAKE_TIME=1700000000; export E2FSPROGS_FAKE_TIME
umask 022

text() { # text FILE BYTES TAG: numbered lines, every 64 bytes different
	awk -v t="$3" 'BEGIN { for (i = 0; ; i++) printf "%-20s line %08d of a demonstration file for fsimg......\n", t, i }' 2>/dev/null |
		head -c "$2" > "$1" || true
}

mkdir -p "$tree/etc" "$tree/docs" "$tree/logs" "$tree/data" "$tree/vm" "$tree/empty"
printf 'demo\n' > "$tree/etc/hostname"
printf 'LABEL=demo / ext4 defaults 0 1\n' > "$tree/etc/fstab"
text "$tree/docs/notes.txt" 12288 notes-v1
text "$tree/logs/app.log" 262144 app.log
awk 'BEGIN { srand(7); for (i = 0; i < 1048576; i++) printf "%c", int(rand() * 256) }' > "$tree/data/db.bin"
text "$tree/vm/disk.raw" 4194304 disk.raw
: > "$tree/data/prealloc.dat"
ln -s logs/app.log "$tree/current.log"
ln "$tree/docs/notes.txt" "$tree/docs/notes.hardlink"

truncate -s 64M "$img"
mke2fs -F -q -t ext4 -b 4096 -L demo -U 0d3e0d3e-f51a-4c0d-a5e0-00000000d3e0 \
	-E hash_seed=1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b,root_owner=0:0,nodiscard \
	-d "$tree" "$img"

# The journal's payload: what the crashed transactions were writing.
text "$work/notes-v2" 8192 notes-v2
text "$work/app-tail" 4096 app.log-lost
notes0=$(debugfs -R "bmap /docs/notes.txt 0" "$img" 2>/dev/null)
app0=$(debugfs -R "bmap /logs/app.log 63" "$img" 2>/dev/null)

# mke2fs -d copies the tree's times (ctime and nanoseconds included): pin them.
{
	echo "set_current_time 20231114221320"
	(cd "$tree" && find . | sed 's/^\.//;s/^$/\//') | while IFS= read -r p; do
		for f in atime mtime ctime crtime; do
			echo "sif $p $f 20231114221320"
			echo "sif $p ${f}_extra 0"
		done
	done
} > "$work/cmds"
cat >> "$work/cmds" <<EOF
punch /vm/disk.raw 64 127
punch /vm/disk.raw 512 767
fallocate /data/db.bin 256 511
fallocate /logs/app.log 64 127
sif /data/prealloc.dat size 65536
fallocate /data/prealloc.dat 0 15
jo
jw -b $notes0-$((notes0 + 1)) $work/notes-v2
jc
jo
jw -b $app0 -c $work/app-tail
jc
EOF
debugfs -w -f "$work/cmds" "$img" > "$work/log" 2>&1
if grep -v '^debugfs' "$work/log" | grep -v '^Setting current time' | grep -q .; then
	echo "mkdemo.sh: debugfs said:" >&2
	grep -v '^debugfs' "$work/log" >&2
	exit 1
fi
# debugfs jw stores the commit time with a 32-bit store into the 64-bit
# h_commit_sec (NOTES.md) and takes it from the clock: pin every commit block's
# time to 1700000000.0 (no journal checksums here, so nothing else changes).
debugfs -R "logdump" "$img" 2>/dev/null |
	awk '/type 2 \(commit block\) at block/ { print $NF }' | while read -r jb; do
	fsb=$(debugfs -R "bmap <8> $jb" "$img" 2>/dev/null)
	printf '\000\000\000\000\145\123\361\000\000\000\000\000' |
		dd of="$img" bs=1 seek=$((fsb * 4096 + 48)) conv=notrunc status=none
done
rm -rf "$work"
echo "$img"
