#!/bin/sh
# fsimg fsck on XFS (issue 14): the superblock, AG header, btree and space
# passes (libfsimg/check/xfs/). Oracle: xfs_repair -n on the same image.
#  - clean images of several mkfs.xfs variants (v5, v4, rmapbt+reflink,
#    1 KiB blocks, many AGs, 64 KiB blocks): xfs_repair -n exits 0 and fsck
#    reports nothing, exit 0;
#  - one damage per class by xfs_db -x (a stale CRC, header fields, btree
#    records and pointers, counters, a block claimed twice, the rmapbt):
#    xfs_repair -n exits 1 and fsck exits 4 naming the expected problem;
#  - a fixed sweep of fuzz/differential_xfs.sh: xfs_db fuzz of every field
#    of the superblocks, AG headers and btree roots, verdicts compared,
#    at least 95% agreement and no crash;
#  - a multi-level rmapbt (xfsimg.sh v5-ml): high keys and the unwritten
#    flag against the files' mappings;
#  - the checker's fuzz harness (fuzz/fuzz_fsck) on the XFS seeds of
#    fuzz/mkseeds_xfs.sh and FSIMG_XFS_FUZZ_N (default 600) mutants: exit 0,
#    no sanitizer report, no hang.
# The images are never written by fsimg (hash unchanged).
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair python3 b2sum
LC_ALL=C; export LC_ALL
PATH=$PATH:/sbin:/usr/sbin
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT

mkdir -p "$t/tree/d" "$t/tree/many"
printf 'hello\n' > "$t/tree/a"
seq 1 30000 > "$t/tree/d/b"
ln -s a "$t/tree/l"
(cd "$t/tree/many" && seq 1 200 | sed 's/^/n/' | xargs touch)
sh "$top_srcdir/tests/lib/xfsproto.sh" --max-symlink 200 "$t/tree" > "$t/proto"

# mk NAME SIZE OPTIONS...: a clean image, or nothing when this mkfs.xfs refuses the options
mk() {
	name=$1 size=$2; shift 2
	truncate -s "$size" "$t/$name.img"
	mkfs.xfs -q -f "$@" -p "$t/proto" "$t/$name.img" 2>/dev/null || rm -f "$t/$name.img"
}

# --- clean variants
for v in "v5 320m" "v4 320m -m crc=0" "rmap 320m -m rmapbt=1,reflink=1" "b1k 320m -b size=1024" \
	 "nofinobt 320m -m finobt=0,reflink=0" "ag16 1200m -d agcount=16" "b64k 1200m -b size=65536" \
	 "i1k 320m -i size=1024 -m inobtcount=1"; do
	set -- $v
	mk "$@"
	name=$1
	if [ ! -f "$t/$name.img" ]; then
		skip "$name: mkfs.xfs refused the options"
		continue
	fi
	xfs_repair -n "$t/$name.img" > /dev/null 2>&1
	r=$?
	"$FSIMG" fsck "$t/$name.img" > "$t/out" 2>&1
	s=$?
	[ $r -eq 0 ] && [ $s -eq 0 ] && [ "$(wc -l < "$t/out")" -eq 1 ]
	st=$?
	[ $st -eq 0 ] || sed 's/^/# /' "$t/out" | head -5
	ok $st "clean $name: xfs_repair -n exits $r, fsck exits $s with no problem"
	[ "$name" = v5 ] || [ "$name" = v4 ] || [ "$name" = rmap ] || rm -f "$t/$name.img"
done

flip() { # flip IMG BYTE: xor one byte with 1 (a stale checksum)
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 1]))' "$1" "$2"
}

# damage BASE "WANTED_ID" "description" XFS_DB_COMMANDS...  (or: damage BASE ID desc --flip OFFSET)
damage() {
	base=$1 want=$2 desc=$3; shift 3
	if [ ! -f "$t/$base.img" ]; then
		skip "$desc: no $base image"
		return
	fi
	cp "$t/$base.img" "$t/d.img"
	if [ "$1" = --flip ]; then
		flip "$t/d.img" "$2"
	else
		args=
		for c in "$@"; do args="$args -c \"$c\""; done
		eval xfs_db -x $args '"$t/d.img"' > /dev/null 2>&1
	fi
	hash=$(b2sum < "$t/d.img")
	xfs_repair -n "$t/d.img" > "$t/rep" 2>&1
	r=$?
	"$FSIMG" fsck "$t/d.img" > "$t/out" 2>&1
	s=$?
	[ $r -ne 0 ] && [ $s -eq 4 ] && grep -q "^$want: " "$t/out" && [ "$(b2sum < "$t/d.img")" = "$hash" ]
	st=$?
	[ $st -eq 0 ] || { sed 's/^/# fsimg: /' "$t/out" | head -4; grep -v '^Phase\|^ *-' "$t/rep" | sed 's/^/# repair: /' | head -3; }
	ok $st "$desc: xfs_repair -n exits $r, fsck exits $s with $want"
}

ag1=$((20480 * 4096)) # v5/v4/rmap: 320m in 4 AGs of 20480 4 KiB blocks, 512-byte sectors
damage v5 XFS_SB_CRC "v5 primary superblock: a stale CRC" --flip 224
damage v5 XFS_AGF_CRC "v5 AGF 1: a stale CRC" --flip $((ag1 + 512 + 216))
damage v5 XFS_AGI_CRC "v5 AGI 1: a stale CRC" --flip $((ag1 + 1024 + 312))
damage v5 XFS_SB_SECONDARY "v5 superblock 2: agblocks differs" "sb 2" "write -d agblocks 20000"
damage v4 XFS_SB_SECONDARY "v4 superblock 1: dblocks differs" "sb 1" "write dblocks 80000"
# A secondary's version and features2 bits beyond the alignment bits may
# differ from the primary's (repair's compare_sb); only libxfs's
# xfs_sb_good_version judges them (differential seed 9393, v4-2k: a
# secondary's features2 zeroed). undamaged: the same run, both clean.
undamaged() {
	base=$1 desc=$2; shift 2
	cp "$t/$base.img" "$t/d.img"
	args=
	for c in "$@"; do args="$args -c \"$c\""; done
	eval xfs_db -x $args '"$t/d.img"' > /dev/null 2>&1
	xfs_repair -n "$t/d.img" > /dev/null 2>&1
	r=$?
	"$FSIMG" fsck "$t/d.img" > "$t/out" 2>&1
	s=$?
	[ $r -eq 0 ] && [ $s -eq 0 ]
	st=$?
	[ $st -eq 0 ] || sed 's/^/# fsimg: /' "$t/out" | head -4
	ok $st "$desc: xfs_repair -n exits $r, fsck exits $s"
}
undamaged v4 "v4 superblock 1: features2 zeroed" "sb 1" "write features2 0"
undamaged v4 "v4 superblock 1: the quota and nlink bits added" "sb 1" "write versionnum 0xb4f4"
damage v4 XFS_SB_SECONDARY "v4 superblock 1: the parent pointer bit in features2" "sb 1" "write features2 0x29a"
damage v5 XFS_SB_SECONDARY "v5 superblock 1: features2 without lazysbcount" "sb 1" "write -d features2 0x188"
damage v5 XFS_SB_GEOMETRY "v5 primary: stripe width without a unit" "sb 0" "write -d width 8"
damage v5 XFS_SB_INODE "v5 primary: rbmino moved" "sb 0" "write -d rbmino 200"
damage v5 XFS_SB_COUNT "v5 primary: fdblocks" "sb 0" "write -d fdblocks 1000"
damage v4 XFS_SB_COUNT "v4 primary: icount" "sb 0" "write icount 640"
damage v5 XFS_AGF_BAD "v5 AGF 1: bad sequence number" "agf 1" "write -d seqno 3"
damage v5 XFS_AGF_COUNT "v5 AGF 1: freeblks" "agf 1" "write -d freeblks 5"
damage v4 XFS_AGF_COUNT "v4 AGF 2: longest" "agf 2" "write longest 7"
damage v5 XFS_AGI_COUNT "v5 AGI 0: freecount" "agi 0" "write -d freecount 1"
damage v5 XFS_AGI_UNLINKED "v5 AGI 0: an unlinked bucket in use" "agi 0" "write -d unlinked[3] 140"
damage v5 XFS_BTREE_BLOCK "v5 bnobt root: bad magic" "agf 1" "addr bnoroot" "write -d magic 0x41425443"
cntroot=$(xfs_db -r -c "agf 1" -c "print cntroot" "$t/v5.img" 2>/dev/null | sed 's/.* = //')
damage v5 XFS_BTREE_CRC "v5 cntbt root: a stale CRC" --flip $((ag1 + ${cntroot:-0} * 4096 + 52))
damage v4 XFS_BTREE_BLOCK "v4 inobt root: level" "agi 0" "addr root" "write level 1"
damage v5 XFS_BTREE_REC "v5 inobt: freecount of a chunk" "agi 0" "addr root" "write -d recs[1].freecount 3"
damage v5 XFS_FREESP_MISMATCH "v5 cntbt: a record's length" "agf 1" "addr cntroot" "write -d recs[1].blockcount 100"
damage v4 XFS_BLOCK_MULTI "v4 AGF 1: cntbt root is the bnobt root" "agf 1" "write cntroot 1"
damage v5 XFS_BLOCK_FREE_USED "v5 bnobt: free space over the inobt root" "agf 0" "addr bnoroot" "write -d recs[1].startblock 3"
damage rmap XFS_RMAP_MISMATCH "rmapbt: a record's owner" "agf 0" "addr rmaproot" "write -d recs[2].owner -- -7"
damage rmap XFS_FINOBT_MISMATCH "finobt: a chunk's free mask" "agi 0" "addr free_root" "write -d recs[1].free 0xfffffffffff00000"

# A multi-level rmapbt (tests/lib/xfsimg.sh v5-ml: 1 KiB blocks, 2000
# one-block files): high keys lowered under what their subtree holds, at
# the root (bounding a node's keys) and in a node (bounding a leaf's
# records); an unwritten extent the reverse mapping calls written
sh "$top_srcdir/tests/lib/xfsimg.sh" --small "$t" v5-ml > "$t/ml.log" 2>&1
damage v5-ml XFS_BTREE_HIGH_KEY "rmapbt root: a high key below its child's keys" "agf 1" "addr rmaproot" \
	"write -d keys[1].startblock_hi 0"
damage v5-ml XFS_BTREE_HIGH_KEY "rmapbt node: a high key below its leaf's records" "agf 1" "addr rmaproot" \
	"addr ptrs[1]" "write -d keys[2].startblock_hi 1"
damage v5-ml XFS_RMAP_MISMATCH "v5-ml: /f/u unwritten, its reverse mapping written" "path /f/u" \
	"write -d u3.bmx[0].extentflag 1"

# AGI allocation hints outside the AG's inode numbers: xfs_repair -n ignores
# them (exit 0), the kernel's xfs_verify_agino would not accept them, so a
# warning and exit 0
for w in "newino 1" "dirino 100000000"; do
	cp "$t/v5.img" "$t/d.img"
	xfs_db -x -c "agi 1" -c "write -d $w" "$t/d.img" > /dev/null 2>&1
	xfs_repair -n "$t/d.img" > "$t/rep" 2>&1
	r=$?
	"$FSIMG" fsck "$t/d.img" > "$t/out" 2>&1
	s=$?
	[ $r -eq 0 ] && [ $s -eq 0 ] && grep -q "^warning: XFS_AGI_HINT: AG 1 AGI: ${w% *} " "$t/out"
	ok $? "v5 AGI 1: $w: xfs_repair -n exits $r, fsck exits $s warning XFS_AGI_HINT"
done

# --- a fixed sample of the differential campaign
if [ -n "${XFS_FSCK_NO_FUZZ:-}" ]; then
	skip "the differential sample (XFS_FSCK_NO_FUZZ set)"
else
	TMPDIR=$t FSIMG=$FSIMG sh "$top_srcdir/fuzz/differential_xfs.sh" --sweep 13 --bases "v5-1k v5-rmap" \
		--structs "sb sb1 agf1 agi1 agfl1 bnobt1 cntbt1 inobt finobt rmapbt1 refcountbt" > "$t/diff" 2>&1
	st=$?
	sed -n 's/^\(FALSE-ERROR\|MISSED\|CRASH\)/# &/p' "$t/diff" | head -20
	line=$(tail -1 "$t/diff")
	pct=$(printf '%s\n' "$line" | sed -n 's/.*agree (\([0-9]*\)\..*/\1/p')
	[ $st -eq 0 ] && [ -n "$pct" ] && [ "$pct" -ge 95 ]
	ok $? "differential sample: $line"
fi

# --- bad input: the checker's fuzz harness on XFS images
H=$top_builddir/fuzz/fuzz_fsck
if [ ! -x "$H" ]; then
	skip "fuzz/fuzz_fsck not built"
else
	sh "$top_srcdir/fuzz/mkseeds_xfs.sh" "$t/fz" > "$t/mkseeds.log" 2>&1
	timeout -k 5 600 "$H" "$t/fz/seeds/xfs" > "$t/fz.out" 2>&1 &&
		timeout -k 5 600 "$H" -m 3 "${FSIMG_XFS_FUZZ_N:-600}" "$t/fz/base/xfs5.img" "$t/fz/base/xfs4.img" \
			>> "$t/fz.out" 2>&1
	st=$?
	! grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$t/fz.out" && [ $st -eq 0 ]
	ok $? "fuzz_fsck on the XFS seeds and ${FSIMG_XFS_FUZZ_N:-600} mutants: status $st, $(tail -1 "$t/fz.out")"
fi

done_testing
