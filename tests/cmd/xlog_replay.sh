#!/bin/sh
# fsimg replay on XFS (libfsimg/xlog/recovery.c, src/replay_log.c) on the
# real-kernel crash images of tests/xfs/xlog. Oracles: the kernel's own
# recovery of the same images (tests/xfs/xlog/*.kernel: a digest of every
# sector outside the log that the kernel's mount and unmount changed, with
# the superblock fields they rewrite masked, checked by kernelcmp.py: every
# one must match and no other sector may change); xfs_logprint -t (the log
# of OUT is clean, head at the tail) and xfs_repair -n (exit 0, nothing said
# about the log or its LSNs) on OUT. --in-place writes what -o writes, and
# fsimg undo restores the crashed image byte for byte, also after a write
# failure at several points (a re-run then completes it). An image whose
# recovery leaves inodes on the AGI unlinked lists that fsimg cannot free as
# the kernel's mount does is refused, naming them, with nothing written;
# leftover CoW staging extents alone are freed as the kernel frees them,
# and fsck reports them as infos where they stay pending. A new OUT appears only when complete. OUT's quota inode fields are those the kernel's unmount writes
# (xfs_db), and fsck names log recovery. The crashed images never change.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 xfs_db b2sum
LC_ALL=C; export LC_ALL
: "${FSIMG_HOOKS:?run through make check}"
DUMP=$top_builddir/tests/xfs/xlogdump
D=$top_srcdir/tests/xfs/xlog
[ -x "$DUMP" ] || skip_all "tests/xfs/xlogdump not built"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 46

geom() {
	echo "$("$DUMP" "$1" ends 2>/dev/null | sed -n 's/^log internal daddr \([0-9]*\) length \([0-9]*\)$/\1 \2/p')" \
		"$(xfs_db -r -c 'sb 0' -c 'p agblocks' -c 'p blocksize' -c 'p agcount' -c 'p inodesize' "$1" |
			sed 's/.*= //' | tr '\n' ' ')"
}

# clean_log OUT: xfs_logprint -t finds the log clean with the head at the tail
clean_log() {
	command -v xfs_logprint >/dev/null 2>&1 || return 0
	xfs_logprint -t "$1" 2>/dev/null | grep -q 'log tail: \([0-9]*\) head: \1 state: <CLEAN>'
}

# repair_quiet OUT: xfs_repair -n exits 0 and says nothing about the log beyond its phase lines
repair_quiet() {
	command -v xfs_repair >/dev/null 2>&1 || return 0
	xfs_repair -n "$1" > "$t/repair" 2>&1 || return 1
	! grep -v -e '^Phase 2 - using internal log' -e '- zero log\.\.\.' "$t/repair" | grep -qi -e log -e lsn -e alert
}

for n in v5-4k-fsync v4-1k-mixed; do
	xz -dc "$D/$n.img.xz" > "$t/$n.img" || exit 1
	img=$t/$n.img
	sum=$(b2sum < "$img")
	g=$(geom "$img")
	"$FSIMG" replay -o "$t/$n.out" "$img" > "$t/out" 2>&1
	st=$?
	python3 "$D/kernelcmp.py" check "$img" "$t/$n.out" "$D/$n.kernel" $g > "$t/cmp" 2>&1
	[ $st -eq 0 ] && [ "$(head -1 "$t/cmp")" = "$(cat "$D/$n.replay")" ]
	ok $? "$n: replay -o against the kernel's recovery outside the log: $(head -1 "$t/cmp")"
	clean_log "$t/$n.out"
	ok $? "$n: OUT's log is clean, head at the tail (xfs_logprint -t)"
	repair_quiet "$t/$n.out"
	ok $? "$n: xfs_repair -n OUT: exit 0, nothing about the log"
	"$FSIMG" info --json "$t/$n.out" 2> "$t/err" | grep -q '"needs_recovery":false,"replayed":null' &&
		[ ! -s "$t/err" ]
	ok $? "$n: fsimg reads OUT as clean: no replay, no word"
	"$FSIMG" ls -R --json "$img" > "$t/ov.ls" 2>/dev/null && "$FSIMG" ls -R --json "$t/$n.out" > "$t/out.ls" &&
		"$FSIMG" extents --all --json "$img" > "$t/ov.ex" 2>/dev/null &&
		"$FSIMG" extents --all --json "$t/$n.out" > "$t/out.ex" &&
		cmp -s "$t/ov.ls" "$t/out.ls" && cmp -s "$t/ov.ex" "$t/out.ex"
	ok $? "$n: the overlay's ls -R and extents --all equal OUT's"
	# xfs_sb_quota_to_disk at unmount: mkfs's zero quota inodes become NULLFSINO (v4: the
	# shared gquotino slot too, sb_pquotino past its superblock's end stays 0)
	[ "$(xfs_db -r -c 'sb 0' -c 'p uquotino' -c 'p gquotino' "$t/$n.out" | tr '\n' ' ')" = \
		"uquotino = null gquotino = null " ]
	ok $? "$n: OUT's uquotino and gquotino are null, as the kernel's unmount writes them"
	"$FSIMG" fsck "$img" 2> /dev/null | grep -q "^$img: checking the state after log recovery;"
	ok $? "$n: fsck says it checks the state after log recovery"
	[ "$(b2sum < "$img")" = "$sum" ]
	ok $? "$n: the crashed image is unchanged"
done

# --in-place with its undo file: OUT's bytes, then the crashed image back.
n=v5-4k-fsync
img=$t/ip.img
cp --sparse=always "$t/$n.img" "$img"
sum=$(b2sum < "$img")
"$FSIMG" replay --in-place "$img" > "$t/out" 2>&1 && cmp -s "$img" "$t/$n.out"
ok $? "$n: replay --in-place writes what replay -o writes ($(cat "$t/out"))"
"$FSIMG" replay --in-place "$img" > "$t/out" 2>&1 && grep -q 'nothing to replay (the log is clean)' "$t/out"
ok $? "$n: a second replay --in-place: nothing to replay"
"$FSIMG" undo "$img.fsimg-undo" "$img" > /dev/null 2>&1 && [ "$(b2sum < "$img")" = "$sum" ]
ok $? "$n: undo restores the crashed image byte for byte"
# a write failure after the log's blocks, after some late blocks, near the end
for k in 2 40 300; do
	cp --sparse=always "$t/$n.img" "$img"
	rm -f "$t/u1" "$t/u2"
	FSIMG_TEST_FAIL_AFTER_WRITES=$k "$FSIMG_HOOKS" replay --in-place --undo "$t/u1" "$img" > /dev/null 2>&1
	[ $? -eq 8 ] && "$FSIMG" replay --in-place --undo "$t/u2" "$img" > /dev/null 2>&1 && cmp -s "$img" "$t/$n.out"
	ok $? "$n: write failure after $k writes: a re-run completes the replay to -o's bytes"
	"$FSIMG" undo "$t/u2" "$img" > /dev/null 2>&1 && "$FSIMG" undo "$t/u1" "$img" > /dev/null 2>&1 &&
		[ "$(b2sum < "$img")" = "$sum" ]
	ok $? "$n: write failure after $k writes: both undo files restore the crashed image"
done
"$FSIMG" replay -n "$t/$n.img" > "$t/plan" 2>&1 &&
	grep -q '^Replay plan for .*: 26 transactions, 143 items' "$t/plan" &&
	grep -q 'superblock as mount and unmount leave it' "$t/plan" && grep -q 'the log made clean' "$t/plan"
ok $? "$n: replay -n prints the plan: transactions, items, the superblock, the clean log"
# -o into a new OUT copies into an unnamed file named OUT only once complete: a failed write
# leaves no OUT (and no stray file); an existing OUT (-f) is written where it is, partly.
rm -rf "$t/wf" && mkdir "$t/wf"
FSIMG_TEST_FAIL_AFTER_WRITES=2 "$FSIMG_HOOKS" replay -o "$t/wf/out" "$t/$n.img" > /dev/null 2> "$t/err"
r1=$?
[ $r1 -eq 8 ] && [ -z "$(ls -A "$t/wf")" ] && grep -q 'wf/out: input/output error' "$t/err"
ok $? "$n: replay -o whose writes fail after 2 blocks: exit 8 ($r1), no OUT left behind"
: > "$t/wf/out"
FSIMG_TEST_FAIL_AFTER_WRITES=2 "$FSIMG_HOOKS" replay -f -o "$t/wf/out" "$t/$n.img" > /dev/null 2>&1
r1=$?
"$FSIMG" replay -f -o "$t/wf/out" "$t/$n.img" > /dev/null 2>&1 && [ $r1 -eq 8 ] && cmp -s "$t/wf/out" "$t/$n.out"
ok $? "$n: replay -f -o over an existing OUT: a failed write exits 8 ($r1), a re-run writes -o's bytes"

# A log the kernel would refuse (a record's CRC fails): the on-disk state, said; replay writes nothing.
cp --sparse=always "$t/$n.img" "$t/bad.img"
d=$("$DUMP" "$t/bad.img" ends 2>/dev/null | sed -n 's/^log internal daddr \([0-9]*\) .*/\1/p')
printf 'XXXXXXXXXXXXXXXX%.0s' $(seq 1 256) | dd of="$t/bad.img" bs=512 seek=$((d + 3)) conv=notrunc 2>/dev/null
"$FSIMG" ls "$t/bad.img" / > /dev/null 2> "$t/err"
[ $? -eq 0 ] && grep -q 'warning: the log cannot be replayed (log recovery: log record at block 2: bad CRC, .* the kernel.s xlog_verify_tail refuses the mount .*); showing the on-disk state' "$t/err"
ok $? "$n, log damaged: ls shows the on-disk state and says why"
"$FSIMG" replay -o "$t/bad.out" "$t/bad.img" > /dev/null 2> "$t/err"
[ $? -eq 8 ] && [ ! -e "$t/bad.out" ] && grep -q 'bad CRC, .* xlog_verify_tail refuses' "$t/err"
ok $? "$n, log damaged: replay -o exits 8 with the reason, writes no OUT"

# A torn write at the head (a byte of the last record changed): the head is cut there as the
# kernel cuts it, and the unmount record and the stale blocks ahead of it cover the torn record.
d=$("$DUMP" "$t/$n.img" ends 2>/dev/null | sed -n 's/^log internal daddr \([0-9]*\) .*/\1/p')
last=$("$DUMP" "$t/$n.img" ends 2>/dev/null | sed -n 's/^last-record \([0-9]*\) .*/\1/p')
cp --sparse=always "$t/$n.img" "$t/torn.img"
printf Z | dd of="$t/torn.img" bs=1 seek=$(( (d + last + 1) * 512 + 100 )) conv=notrunc 2>/dev/null
"$FSIMG" replay -o "$t/torn.out" "$t/torn.img" > /dev/null 2>&1 && clean_log "$t/torn.out" &&
	repair_quiet "$t/torn.out" && "$DUMP" "$t/torn.out" ends 2>/dev/null | grep -q "^tail 1/\([0-9]*\) head 1/\1 clean$"
ok $? "$n, torn write at the head: replay -o leaves a clean log over it (xfs_logprint, xfs_repair -n)"

# An external log device: without it replay refuses; with it (-j), its log read clean,
# nothing to replay and no OUT (a dirty one: tests/cmd/xlog_logdev.sh).
if command -v mkfs.xfs >/dev/null 2>&1; then
	rm -f "$t/ext.img" "$t/ext.log"
	truncate -s 320M "$t/ext.img" && truncate -s 70M "$t/ext.log" &&
		mkfs.xfs -q -f -l logdev="$t/ext.log",size=64m "$t/ext.img" >/dev/null 2>&1
	"$FSIMG" replay -o "$t/ext.out" "$t/ext.img" > /dev/null 2> "$t/err1"
	st1=$?
	"$FSIMG" replay -j "$t/ext.log" -o "$t/ext.out" "$t/ext.img" > "$t/out2" 2>&1
	st2=$?
	[ $st1 -eq 8 ] && [ $st2 -eq 0 ] && [ ! -e "$t/ext.out" ] && grep -q 'give the log device' "$t/err1" &&
		grep -q 'nothing to replay (the log is clean)' "$t/out2"
	ok $? "external log: replay refuses without it; with -j a clean log is left alone, no OUT"
	rm -f "$t/ext.img" "$t/ext.log"
else
	skip "mkfs.xfs not installed"
fi

# After the log: inodes on the AGI unlinked lists of an rmapbt + reflink filesystem, freed as
# the kernel's mount frees them (their rmap records removed with their extents): replay -o
# against the kernel's recovery of this image, block for block (its blocks' hashes in
# $n.kernel: all 224 the kernel changed, none other); --in-place writes the same.
n=v5-rmap-reflink-meta
xz -dc "$D/$n.img.xz" > "$t/$n.img" || exit 1
img=$t/$n.img
sum=$(b2sum < "$img")
"$FSIMG" ls -R "$img" > /dev/null 2> "$t/err"
[ $? -eq 0 ] && grep -q 'log replayed in memory' "$t/err" && ! grep -q 'pending' "$t/err"
ok $? "$n: ls shows the log replayed and the unlinked inodes freed, nothing pending"
"$FSIMG" replay -o "$t/$n.out" "$img" > /dev/null 2> "$t/err"
st=$?
if [ $st -eq 0 ] && command -v xfs_db > /dev/null 2>&1; then
	g="$("$top_builddir/tests/xfs/xlogdump" "$img" trans 2>/dev/null |
		sed -n 's/^log internal daddr \([0-9]*\) length \([0-9]*\)$/\1 \2/p') $(xfs_db -r -c 'sb 0' \
		-c 'p agblocks' -c 'p blocksize' -c 'p agcount' -c 'p inodesize' "$img" | sed 's/.*= //' | tr '\n' ' ')"
	python3 "$D/kernelcmp.py" check "$img" "$t/$n.out" "$D/$n.kernel" $g > "$t/cmp" 2>&1
	[ "$(head -1 "$t/cmp")" = "kernel-changed 224 replay-matches 224 replay-differs 0 replay-only 0" ] &&
		repair_quiet "$t/$n.out"
	ok $? "$n: replay -o against the kernel's recovery: $(head -1 "$t/cmp"); xfs_repair -n exit 0"
else
	[ $st -eq 0 ]
	ok $? "$n: replay -o writes OUT (exit $st; no xfs_db to compare it)"
fi
cp --sparse=always "$img" "$t/ip2.img"
"$FSIMG" replay --in-place "$t/ip2.img" > /dev/null 2>&1 && cmp -s "$t/ip2.img" "$t/$n.out"
ok $? "$n: replay --in-place writes what replay -o writes"
rm -f "$t/ip2.img" "$t/ip2.img.fsimg-undo" "$t/$n.out"
"$FSIMG" replay -n "$img" > "$t/plan" 2>&1 && ! grep -q 'pending' "$t/plan" && grep -q 'the log made clean' "$t/plan"
ok $? "$n: replay -n: nothing pending, the plan ends with the clean log"
[ "$(b2sum < "$img")" = "$sum" ]
ok $? "$n: the crashed image is unchanged"

# Leftover CoW staging extents (refcount records in the CoW domain after the log replay): the
# kernel's mount frees them (xfs_reflink_recover_cow). With nothing else pending, fsimg frees
# them as the kernel does (crash_fixtures.sh compares OUT with the kernel's recovery of this
# image block for block): replay -o writes a clean filesystem, the view names nothing pending.
n=xh-4k-wsync-cow
xz -dc "$top_srcdir/tests/crash/fixtures/$n.img.xz" > "$t/cow.img" || exit 1
"$FSIMG" replay -o "$t/cow.out" "$t/cow.img" > "$t/out" 2>&1 && clean_log "$t/cow.out" &&
	repair_quiet "$t/cow.out"
ok $? "$n: replay -o frees the 10 leftover CoW staging extents: OUT's log clean, xfs_repair -n exit 0"
! "$FSIMG" ls "$t/cow.img" / 2>&1 > /dev/null | grep -q 'pending'
ok $? "$n: ls shows the log replayed and the CoW extents freed, nothing pending"
rm -f "$t/cow.out"
# fsck after the log: where the CoW leftovers stay pending (beside pending intents, which
# come first), each one is an info; the view of xh-4k-wsync-cow has none and no problem.
# xh-4k-rmap-intent's intents are finished now, so an RUI fsimg refuses (type 0, appended to
# its log by tests/xfs/xlog/intentrec.py, whose CRCs need the shared library) keeps them
# pending.
"$FSIMG" fsck --json "$t/cow.img" 2> /dev/null > "$t/fsck.json"
st=$?
so=$(ls "$top_builddir"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
pypre=
if [ -n "$so" ] && ldd "$so" 2>/dev/null | grep -q libasan; then
	pypre=$(${CC:-cc} -print-file-name=libasan.so)
fi
if [ -n "$so" ] && command -v jq > /dev/null 2>&1; then
	xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-rmap-intent.img.xz" > "$t/ri.img" || exit 1
	LD_PRELOAD=$pypre ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 python3 "$D/intentrec.py" "$so" "$t/ri.img" \
		$("$FSIMG" journal --json "$t/ri.img" 2> /dev/null |
			jq -r 'select(.record=="log") | "\(.daddr) \(.last_record) \(.head_block)"') > /dev/null
	"$FSIMG" fsck --json "$t/ri.img" 2> /dev/null > "$t/fsck2.json"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))["problems"]
cow = sorted((x["group"], x["block"], x["length"], x["severity"]) for x in p if x["id"] == "XFS_COW_LEFTOVER")
want = [(1, 35, 8), (1, 44, 2), (1, 52, 14), (2, 16416, 1), (2, 16418, 2), (3, 38, 8), (3, 69, 12),
        (3, 83, 8), (3, 92, 3), (3, 99, 3)]
sys.exit(d["problems"] != [] or cow != [w + ("info",) for w in want])' "$t/fsck.json" "$t/fsck2.json" &&
		[ $st -eq 0 ]
	ok $? "$n: fsck of the view exits 0 with no problem; xh-4k-rmap-intent with an RUI left pending: XFS_COW_LEFTOVER infos for its ten"
else
	skip "no shared libfsimg (for the log's CRCs) or no jq"
fi
rm -f "$t/ri.img" "$t/cow.img"

# Unlinked inodes freed as the kernel frees them (xh-4k-wsync-meta: crash_fixtures.sh compares
# replay -o with the kernel block for block): --in-place writes what -o writes, and undo
# restores the crashed image byte for byte.
n=xh-4k-wsync-meta
xz -dc "$top_srcdir/tests/crash/fixtures/$n.img.xz" > "$t/u.img" || exit 1
cp --sparse=always "$t/u.img" "$t/u0.img"
"$FSIMG" replay -o "$t/u.out" "$t/u.img" > /dev/null 2>&1 &&
	"$FSIMG" replay --in-place "$t/u.img" > /dev/null 2>&1 && cmp -s "$t/u.img" "$t/u.out" &&
	"$FSIMG" undo "$t/u.img.fsimg-undo" "$t/u.img" > /dev/null 2>&1 && cmp -s "$t/u.img" "$t/u0.img"
ok $? "$n: replay --in-place frees the unlinked inodes as -o does; undo restores the image"
# Several unlinked inodes in one AG (xh-4k-unlinked: three in AG 0 and AG 1, five in AG 2; one
# with its data fork a btree, reflink inodes) and CoW leftovers beside them: freed in the order
# recovery queues them (crash_fixtures.sh compares OUT with the kernel's blocks). Oracles here:
# xfs_repair -n on OUT (exit 0, nothing said about the log), no AGI bucket left in use
# (xfs_db), and xfs_db's free space summary of each AG (extents and blocks) as in the kernel's
# recovery of the same image (Linux 6.1, crash row xfs-4k-unlinked-late).
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-unlinked.img.xz" > "$t/ul.img" || exit 1
"$FSIMG" replay -o "$t/ul.out" "$t/ul.img" > /dev/null 2>&1 && clean_log "$t/ul.out" && repair_quiet "$t/ul.out" &&
	[ "$(xfs_db -r -c 'agi 0' -c 'p unlinked' -c 'agi 1' -c 'p unlinked' -c 'agi 2' -c 'p unlinked' \
		-c 'agi 3' -c 'p unlinked' "$t/ul.out" | grep -c '[0-9]:[0-9]')" -eq 0 ]
ok $? "xh-4k-unlinked: replay -o frees 14 unlinked inodes (several per AG): log clean, xfs_repair -n exit 0, no bucket in use"
fs=
for a in 0 1 2 3; do
	fs="$fs $(xfs_db -r -c "freesp -s -a $a" "$t/ul.out" | sed -n 's/^total free \(extents\|blocks\) //p' | tr '\n' ' ')"
done
fs=$(echo $fs)
[ "$fs" = "6 20431 8 20443 6 4082 6 20466" ]
ok $? "xh-4k-unlinked: free extents and blocks per AG as the kernel's recovery (xfs_db freesp: $fs)"
rm -f "$t/ul.img" "$t/ul.out"
# A reflink inode on the unlinked lists whose blocks are shared (xh-4k-intent-late): its
# refcount decreases split, merge, lower and delete refcount records and free what no other
# file holds, beside 7 CoW leftovers. Oracles: xfs_repair -n on OUT; the refcount records of
# AGs 1 and 3 and the free space of each AG as xfs_db reads them in the kernel's recovery of
# the same image (Linux 6.1, crash row xfs-4k-intent-late).
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-intent-late.img.xz" > "$t/rc.img" || exit 1
"$FSIMG" replay -o "$t/rc.out" "$t/rc.img" > /dev/null 2>&1 && clean_log "$t/rc.out" && repair_quiet "$t/rc.out"
ok $? "xh-4k-intent-late: replay -o frees a reflink inode with shared blocks: log clean, xfs_repair -n exit 0"
refc() {
	xfs_db -r -c "agf $2" -c 'addr refcntroot' -c 'p recs' "$1" |
		sed -n 's/^[0-9]*:\[\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1+\2x\3/p' | tr '\n' ' '
}
fs=
for a in 0 1 2 3; do
	fs="$fs $(xfs_db -r -c "freesp -s -a $a" "$t/rc.out" | sed -n 's/^total free \(extents\|blocks\) //p' | tr '\n' ' ')"
done
fs=$(echo $fs)
[ "$(refc "$t/rc.out" 1)" = "34+1x2 36+1x2 38+1x2 40+1x2 42+1x2 44+1x2 46+7x2 54+1x2 56+51x2 " ] &&
	[ "$(refc "$t/rc.out" 3)" = "10+1x5 11+5x3 24+7x3 32+1x2 33+1x3 35+1x3 37+1x3 38+1x2 39+1x3 40+1x2 \
41+1x3 42+2x2 44+1x4 45+1x2 49+1x2 50+1x3 51+2x2 53+1x3 54+1x4 57+1x3 58+1x5 59+1x2 65+4x2 70+1x2 \
82+3x3 88+1x3 95+1x2 98+6x2 122+3x2 " ] && [ "$fs" = "7 20408 5 20377 7 3979 15 20160" ]
ok $? "xh-4k-intent-late: refcount records (AGs 1, 3) and free space per AG as the kernel's recovery ($fs)"
rm -f "$t/rc.img" "$t/rc.out"
# Bad input: AG 1's AGI stamped with the log's head (1:436: recovery leaves it, the kernel's
# xfs_log_check_lsn passes it), its bucket naming the
# unlinked inode and its inobt root pointing at an inode block, then at the finobt's root:
# the finish meets a structure it does not expect and refuses, saying so; nothing written.
rm -f "$t/u.out"
xfs_db -x -c 'agi 1' -c 'write lsn 0x1000001b4' -c 'write unlinked[4] 132' -c 'write root 16' \
	"$t/u0.img" > /dev/null 2>&1
"$FSIMG" replay -o "$t/u.out" "$t/u0.img" > "$t/err" 2>&1
st=$?
xfs_db -x -c 'agi 1' -c 'write root 4' "$t/u0.img" > /dev/null 2>&1
"$FSIMG" replay -o "$t/u.out" "$t/u0.img" >> "$t/err" 2>&1
[ $? -eq 4 ] && [ $st -eq 4 ] && [ ! -e "$t/u.out" ] &&
	grep -q 'pending: unlinked inode 262276 (ag 1 bucket 4): daddr [0-9]* met as two kinds of block' "$t/err" &&
	grep -q 'pending: unlinked inode 262276 (ag 1 bucket 4): AG 1: inobt block 4 is not what its parent says' "$t/err"
ok $? "$n: a damaged inobt root: the finish refuses, naming why; nothing written"
rm -f "$t/u.img" "$t/u0.img" "$t/u.out" "$t/u.img.fsimg-undo"
done_testing
