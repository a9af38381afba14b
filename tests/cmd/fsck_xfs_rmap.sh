#!/bin/sh
# fsimg fsck on XFS reverse mappings of files' blocks (issue 14), judged by
# xfs_repair -n: tests/lib/xfsimg.sh's v5-rmap (rmapbt, reflink) and v5-bt
# (a level-2 bmbt, multi-level free-space btrees and rmapbt) are clean for
# both; then one record of v5-rmap's rmapbt leaf changed with xfs_db -x so
# that it still covers the same blocks but names another inode, fork or
# file offset: corrupt for both (xfs_repair: missing or incorrect
# reverse-mapping record), fsimg naming XFS_RMAP_FILES. A record grown
# over free space passes both (scan.c process_rmap_rec lets any owner's
# record lie over XR_E_FREE blocks, and phase 4's rmaps_verify_btree asks
# only that each observed mapping be covered): an inode's record on
# v5-rmap, and an inode-chunk record of a new filesystem without reflink.
# With reflink a record grown over the next file's blocks passes too
# (process_rmap_rec: inodes may share XR_E_INUSE1 blocks).
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair python3
plan 12
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
sh "$top_srcdir/tests/lib/xfsimg.sh" --small "$tmp" v5-rmap v5-bt >"$tmp/mk.log" 2>&1 || { cat "$tmp/mk.log"; exit 99; }

. "$top_srcdir/tests/lib/xfsjudge.sh"

for b in v5-rmap v5-bt; do
	v=$(verdict "$tmp/$b.img")
	[ "$v" = "0 0" ]
	ok $? "$b: xfs_repair -n and fsimg fsck both clean ($v)"
done

# The leaf's records of inodes' data: index, owner (xfs_db's 1-based indexes)
xfs_db -r -c 'agf 0' -c 'addr rmaproot' -c 'print recs' "$tmp/v5-rmap.img" |
	sed -n 's/^\([0-9]*\):\[\([0-9]*\),\([0-9]*\),\([0-9]*\),0,0,0,0\]/\1 \4/p' >"$tmp/recs"
[ "$(wc -l <"$tmp/recs")" -ge 3 ] || { echo "Bail out! fewer than 3 data records in v5-rmap's rmapbt root"; exit 1; }
set -- $(sed -n 1p "$tmp/recs") $(sed -n 2p "$tmp/recs")
r1=$1 o1=$2 r2=$3 o2=$4

# mutant NAME XFS_DB-COMMAND: on the rmapbt root leaf of AG 0
mutant() {
	cp --sparse=always "$tmp/v5-rmap.img" "$tmp/m.img"
	xfs_db -x -c 'agf 0' -c 'addr rmaproot' -c "$2" "$tmp/m.img" >/dev/null 2>&1
	v=$(verdict "$tmp/m.img")
	[ "$v" = "1 4" ] && grep -q "XFS_RMAP_FILES " "$tmp/ids"
	st=$?
	[ $st -eq 0 ] || { diag "xfs_repair: $(grep -i reverse "$tmp/r.out" | head -2)"; sed 's/^/# /' "$tmp/f.out"; }
	ok $st "$1: xfs_repair -n 1, fsimg 4 with XFS_RMAP_FILES ($v)"
}

mutant "record $r1 names inode $o2 instead of $o1" "write recs[$r1].owner $o2"
mutant "record $r2 names inode $o1 instead of $o2" "write recs[$r2].owner $o1"
mutant "record $r1 at file offset 1" "write recs[$r1].offset 1"
mutant "record $r1 of the attribute fork" "write recs[$r1].attrfork 1"
mutant "record $r2 of a bmbt block" "write recs[$r2].bmbtblock 1"

# xfs_repair checks the right sibling at the end of the bmbt's leaf level
# only: on the last level-1 node it is silent (fsimg: a warning)
cp --sparse=always "$tmp/v5-bt.img" "$tmp/m.img"
xfs_db -x -c 'path /big' -c 'addr u3.bmbt.ptrs[2]' -c 'write -d rightsib 2016' "$tmp/m.img" >/dev/null 2>&1
v=$(verdict "$tmp/m.img")
[ "$v" = "0 0" ] && grep -q "XFS_BTREE_SIBLING:" "$tmp/f.out"
ok $? "v5-bt: a right sibling at the end of the bmbt's node level: both clean, a warning ($v)"

# both_clean IMG DESCRIPTION: xfs_repair -n and fsimg both call IMG clean
both_clean() {
	v=$(verdict "$1")
	[ "$v" = "0 0" ]
	st=$?
	[ $st -eq 0 ] || sed 's/^/# /' "$tmp/f.out"
	ok $st "$2: both clean ($v)"
}

# A data record that ends where a free extent starts, grown over it
xfs_db -r -c 'agf 0' -c 'addr bnoroot' -c 'print recs' "$tmp/v5-rmap.img" |
	sed -n 's/^[0-9]*:\[\([0-9]*\),[0-9]*\]$/\1/p' >"$tmp/free"
xfs_db -r -c 'agf 0' -c 'addr rmaproot' -c 'print recs' "$tmp/v5-rmap.img" |
	sed -n 's/^\([0-9]*\):\[\([0-9]*\),\([0-9]*\),\([0-9]*\),.*/\1 \2 \3 \4/p' |
	while read -r i s n o; do
		grep -qx "$((s + n))" "$tmp/free" && echo "$i $n" && break
	done >"$tmp/grow"
set -- $(cat "$tmp/grow") x x
[ "$1" != x ] || { echo "Bail out! no rmapbt record of v5-rmap ends at free space"; exit 1; }
for by in 1 3; do
	cp --sparse=always "$tmp/v5-rmap.img" "$tmp/m.img"
	xfs_db -x -c 'agf 0' -c 'addr rmaproot' -c "write recs[$1].blockcount $(($2 + by))" "$tmp/m.img" >/dev/null 2>&1
	both_clean "$tmp/m.img" "v5-rmap: record $1 grown by $by over free space"
done
truncate -s 320m "$tmp/nr.img"
mkfs.xfs -q -f -m crc=1,rmapbt=1,reflink=0 -d agcount=2 "$tmp/nr.img" >/dev/null 2>&1
# the inode chunk's record (owner -7) grown by two blocks into the free space after it
set -- $(xfs_db -r -c 'agf 0' -c 'addr rmaproot' -c 'print recs' "$tmp/nr.img" |
	sed -n 's/^\([0-9]*\):\[[0-9]*,\([0-9]*\),-7,.*/\1 \2/p') x x
xfs_db -x -c 'agf 0' -c 'addr rmaproot' -c "write recs[$1].blockcount $(($2 + 2))" "$tmp/nr.img" >/dev/null 2>&1
both_clean "$tmp/nr.img" "rmapbt without reflink: the inode chunk's record grown over free space"
# a data record grown by one block over the next record's (another file's) block
xfs_db -r -c 'agf 0' -c 'addr rmaproot' -c 'print recs' "$tmp/v5-rmap.img" |
	sed -n 's/^\([0-9]*\):\[\([0-9]*\),\([0-9]*\),\([0-9]*\),.*/\1 \2 \3 \4/p' |
	awk 'p != "" && $2 == pend && $4 != po { print p, pn; exit } $4 >= 0 { p = $1; pn = $3; pend = $2 + $3; po = $4 }' >"$tmp/adj"
set -- $(cat "$tmp/adj") x x
[ "$1" != x ] || { echo "Bail out! no two adjacent data records of two files in v5-rmap's rmapbt root"; exit 1; }
cp --sparse=always "$tmp/v5-rmap.img" "$tmp/m.img"
xfs_db -x -c 'agf 0' -c 'addr rmaproot' -c "write recs[$1].blockcount $(($2 + 1))" "$tmp/m.img" >/dev/null 2>&1
both_clean "$tmp/m.img" "v5-rmap (reflink): record $1 grown over the next file's first block"
