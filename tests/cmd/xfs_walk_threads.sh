#!/bin/sh
# A whole-tree dump on two threads (fsimg extents --all: the walk on one,
# the output on the other, cli_pipe.c; inode chunks read ahead on a third,
# libfsimg/xfs/iahead.c) writes the same bytes as on one CPU, where neither
# thread starts: stdout and stderr, and the two interleaved in one file,
# exit status included. The oracle is the one-CPU run (the sequential walk,
# which tests/cmd/xfs_cmd.sh and xfs_read.sh check against xfs_db and the
# source tree). Images: mkfs.xfs -p over thousands of files in a few
# directories (enough inode chunks in every AG for the read-ahead to start),
# and a copy with inodes broken by xfs_db -x (bad magic, a bad CRC), whose
# error lines come in the middle of the walk; and an ext4 image (mke2fs -d)
# with a file of 1500 extents, a record larger than the pipe's batches.
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db taskset python3
LC_ALL=C; export LC_ALL
[ "$(nproc)" -ge 2 ] || skip_all "one CPU: the threads never start"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT

tree=$t/tree
mkdir -p "$tree"
for d in 1 2 3 4 5 6; do
	mkdir "$tree/d$d" "$tree/d$d/sub"
	# one block each: a record per file, output past the buffers' sizes, so
	# that an error line written out of turn would show
	(cd "$tree/d$d" && for i in $(seq 1 600); do echo "$i" > "file_${d}_$i"; done)
	(cd "$tree/d$d/sub" && for i in $(seq 1 40); do seq 1 $((i * 50)) > "s$i"; done)
done
sh "$top_srcdir/tests/lib/xfsproto.sh" "$tree" > "$t/proto"
img=$t/walk.img
truncate -s 600m "$img"
mkfs.xfs -q -f -p "$t/proto" "$img" 2>"$t/mkfs.err" || skip_all "mkfs.xfs -p refused: $(head -1 "$t/mkfs.err")"

# same IMG LABEL ARGS...: threaded and one-CPU runs write the same bytes
same() {
	img=$1 label=$2; shift 2
	"$FSIMG" "$@" "$img" > "$t/a.out" 2> "$t/a.err"; ra=$?
	taskset -c 0 "$FSIMG" "$@" "$img" > "$t/b.out" 2> "$t/b.err"; rb=$?
	"$FSIMG" "$@" "$img" > "$t/a.all" 2>&1
	taskset -c 0 "$FSIMG" "$@" "$img" > "$t/b.all" 2>&1
	[ "$ra" = "$rb" ] && cmp -s "$t/a.out" "$t/b.out" && cmp -s "$t/a.err" "$t/b.err" &&
		cmp -s "$t/a.all" "$t/b.all" && [ -s "$t/a.out" ]
	ok $? "$label: $* on two threads as on one CPU (stdout, stderr, both in one file, exit $ra)"
}

for args in "extents --all" "extents --all --json" "extents --all -v" "extents --all -v --json" "ls -R"; do
	same "$img" clean $args
done

# the same image with a full dirty log of its own inodes (bench/mkxfsdirty.py,
# as the kernel frames it): the walk reads through the log's overlay, and the
# read-ahead with it (the overlay's pread, recovery_view.c); a log of 20 %
# replays part of the inodes, so clusters from the log sit beside clusters
# from the image
so=$(ls "$top_builddir"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
clean=$img
if [ -n "$so" ] && python3 "$top_srcdir/bench/mkxfsdirty.py" "$so" "$FSIMG" "$img" "$t/dirty.img" 0.2 \
	> "$t/dirty.log" 2>&1; then
	"$FSIMG" extents --all "$t/dirty.img" 2>&1 >/dev/null | grep -q "log replayed in memory: [1-9]"
	ok $? "dirty: the walk reads the log replayed"
	for args in "extents --all" "extents --all --json" "ls -R"; do
		same "$t/dirty.img" dirty $args
	done
	rm -f "$t/dirty.img"
else
	for i in 1 2 3 4; do skip "no dirty image: $(tail -1 "$t/dirty.log" 2>/dev/null)"; done
fi
img=$clean

# break a few inodes spread over the walk: bad magic on some, a changed
# byte under the CRC on others
bad=$t/bad.img
cp --sparse=always "$img" "$bad"
n=0
for p in d1/file_1_100 d2/file_2_300 d3/sub d5/file_5_599 d6/sub/s7; do
	ino=$(xfs_db -r -c "path /$p" -c inode "$bad" | sed -n 's/^current inode number is //p')
	[ -n "$ino" ] || continue
	if [ $((n % 2)) = 0 ]; then
		xfs_db -x -c "inode $ino" -c "write -d core.magic 0" "$bad" >/dev/null 2>&1
	else
		xfs_db -x -c "inode $ino" -c "write -d core.gen 12345" "$bad" >/dev/null 2>&1
	fi
	n=$((n + 1))
done
ok "$([ $n = 5 ]; echo $?)" "xfs_db -x broke 5 inodes"
for args in "extents --all" "extents --all --json" "ls -R"; do
	same "$bad" broken $args
done
# the pipe is the command's, whatever the filesystem: on ext4 (mke2fs -d
# keeps holes), a file of 1500 extents between small ones is a record larger
# than a batch (1500 runs of more than 100 bytes against 128 KiB), written on
# the walk's thread once the records before it are written
if command -v mke2fs >/dev/null 2>&1; then
	mkdir "$t/tree4" "$t/tree4/a" "$t/tree4/z"
	for i in $(seq 1 300); do echo "$i" > "$t/tree4/a/f$i"; echo "$i" > "$t/tree4/z/f$i"; done
	python3 -c "
import sys
f = open(sys.argv[1], 'wb')
for i in range(1500):
    f.seek(i * 8192)
    f.write(b'x' * 4096)
" "$t/tree4/m_frag"
	truncate -s 64m "$t/e4.img"
	mke2fs -q -t ext4 -b 4096 -d "$t/tree4" "$t/e4.img"
	n=$("$FSIMG" extents "$t/e4.img" /m_frag | sed -n 's/.*, \([0-9]*\) extents$/\1/p')
	ok "$([ "${n:-0}" -ge 1500 ]; echo $?)" "ext4: /m_frag has ${n:-no} extents"
	same "$t/e4.img" ext4 extents --all
	same "$t/e4.img" ext4 extents --all --json
else
	skip "no mke2fs"; skip "no mke2fs"; skip "no mke2fs"
fi

"$FSIMG" extents --all "$bad" > /dev/null 2> "$t/bad.err"
ok "$([ "$(wc -l < "$t/bad.err")" -ge 1 ]; echo $?)" "broken: the walk reports the broken inodes ($(wc -l < "$t/bad.err") lines)"
done_testing
