#!/bin/sh
# fsimg fsck on XFS reference counts (reflink), judged by xfs_repair -n: a
# 1 KiB-block image (rmapbt, reflink) of 400 one-block files, every second
# one reflinked to the block before it by tests/lib/xfsrc.py and the
# btrees rebuilt by xfs_repair: 200 shared blocks apart, a refcount btree
# of two levels, clean for both. Then with xfs_db -x: a record's count or
# length that the files' mappings do not make (xfs_repair's phase 4:
# "Incorrect reference count"), a node key past its child's first record
# (the lookup misses it) -- corrupt for both, fsimg naming
# XFS_REFCOUNT_MISMATCH or XFS_BTREE_KEY_LOOKUP; a key below its child's
# first record (lookups still find every record) or a first key past every
# record (never compared) -- clean for both, a warning; and a shared block's reverse mapping made unwritten for one of
# its two owners -- corrupt for both (XFS_RMAP_FILES). The rmapbt's root keys
# too: xfs_repair looks each reverse mapping up (lookup_le) and, reflink on,
# queries the range where that fails (every child whose low key is at or
# before the record, the scan of a node ending at a low key past it): a
# second key past its child's first record or a first key past every
# record hides records from both searches (corrupt for both,
# XFS_BTREE_KEY_LOOKUP); a second key below its child's first record
# misdirects lookup_le only, and the range query finds them (clean for
# both, a warning).
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair python3
plan 10
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
for t in mkfs.xfs xfs_db xfs_repair; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
mkdir -p "$tmp/tree/small"
(cd "$tmp/tree/small" && for i in $(seq 1 400); do printf '%1000d\n' "$i" > "s$i"; done)
sh "$top_srcdir/tests/lib/xfsproto.sh" "$tmp/tree" > "$tmp/proto"
truncate -s 32m "$tmp/base.img"
mkfs.xfs -q -f --unsupported -d agcount=2 -b size=1024 -m crc=1,rmapbt=1,reflink=1 \
	-p "$tmp/proto" "$tmp/base.img" >"$tmp/mk.log" 2>&1 &&
	python3 "$top_srcdir/tests/lib/xfsrc.py" "$tmp/base.img" 400 >>"$tmp/mk.log" 2>&1 &&
	xfs_repair "$tmp/base.img" >>"$tmp/mk.log" 2>&1 || { cat "$tmp/mk.log"; exit 99; }

. "$top_srcdir/tests/lib/xfsjudge.sh"

# the AG whose refcount btree has levels
ag=
for a in 0 1; do
	[ "$(xfs_db -r -c "agf $a" -c 'print refcntlevel' "$tmp/base.img" | sed 's/.* = //')" -ge 2 ] && ag=$a && break
done
[ -n "$ag" ] || { echo "Bail out! no refcount btree of two levels"; exit 1; }
v=$(verdict "$tmp/base.img")
[ "$v" = "0 0" ]
ok $? "200 shared blocks, a refcount btree of two levels in AG $ag: both clean ($v)"

# mutant NAME EXPECT ID XFS_DB-COMMAND...: on AG $ag's refcount btree root
# ($root: rmaproot for the rmapbt's)
root=refcntroot
mutant() {
	name=$1 want=$2 id=$3; shift 3
	cp --sparse=always "$tmp/base.img" "$tmp/m.img"
	set -- -c "agf $ag" -c "addr $root" "$@"
	xfs_db -x "$@" "$tmp/m.img" >/dev/null 2>&1
	v=$(verdict "$tmp/m.img")
	[ "$v" = "$want" ] && cat "$tmp/ids" "$tmp/f.out" | grep -q -- "$id"
	st=$?
	[ $st -eq 0 ] || { diag "xfs_repair: $(grep -i 'refer\|reverse' "$tmp/r.out" | head -2)"; sed 's/^/# /' "$tmp/f.out"; }
	ok $st "$root: $name: xfs_repair -n and fsimg $want, $id ($v)"
}

b1=$(xfs_db -r -c "agf $ag" -c 'addr refcntroot' -c 'addr ptrs[2]' -c 'print recs[1].startblock' "$tmp/base.img" | sed 's/.* = //')
mutant "a count of 3 for a block two files map" "1 4" "XFS_REFCOUNT_MISMATCH " \
	-c 'addr ptrs[1]' -c 'write recs[1].refcount 3'
mutant "a record two blocks long over one shared block" "1 4" "XFS_REFCOUNT_MISMATCH " \
	-c 'addr ptrs[1]' -c 'write recs[1].blockcount 2'
mutant "the root's second key one past its child's first record" "1 4" "XFS_BTREE_KEY_LOOKUP " \
	-c "write keys[2].startblock $((b1 + 1))"
mutant "the root's second key one below its child's first record" "0 0" "warning: XFS_BTREE_KEY:" \
	-c "write keys[2].startblock $((b1 - 1))"
mutant "the root's first key past every record (a search never compares it)" "0 0" "warning: XFS_BTREE_KEY:" \
	-c "write keys[1].startblock $((b1 + 5000))"

root=rmaproot
r1=$(xfs_db -r -c "agf $ag" -c 'addr rmaproot' -c 'addr ptrs[2]' -c 'print recs[1].startblock' "$tmp/base.img" | sed 's/.* = //')
mutant "the second key one block past its child's first record" "1 4" "XFS_BTREE_KEY_LOOKUP " \
	-c "write keys[2].startblock $((r1 + 1))"
mutant "the second key one block below its child's first record" "0 0" "warning: XFS_BTREE_KEY:" \
	-c "write keys[2].startblock $((r1 - 1))"
mutant "the first key past every record" "1 4" "XFS_BTREE_KEY_LOOKUP " \
	-c "write keys[1].startblock 30000"

# the reverse mapping of a shared block, for the second of its two owners, made unwritten
set -- $(xfs_db -r -c 'path /small/s2' -c inode -c 'print u3.bmx' "$tmp/base.img" |
	sed -n 's/current inode number is \([0-9]*\)/\1/p; s/^0:\[[0-9]*,\([0-9]*\),1,0\]/\1/p')
ino=$1 fsb=$2
agblklog=$(xfs_db -r -c 'sb 0' -c 'print agblklog' "$tmp/base.img" | sed 's/.* = //')
ra=$((fsb >> agblklog)) rb=$((fsb & ((1 << agblklog) - 1)))
found=
n=$(xfs_db -r -c "agf $ra" -c 'addr rmaproot' -c 'print numrecs' "$tmp/base.img" | sed 's/.* = //')
for p in $(seq 1 "$n"); do
	k=$(xfs_db -r -c "agf $ra" -c 'addr rmaproot' -c "addr ptrs[$p]" -c 'print recs' "$tmp/base.img" |
		sed -n "s/^\([0-9]*\):\[$rb,1,$ino,0,0,0,0\]/\1/p")
	[ -n "$k" ] && found="$p $k" && break
done
[ -n "$found" ] || { echo "Bail out! no reverse mapping of block $rb for inode $ino"; exit 1; }
set -- $found
cp --sparse=always "$tmp/base.img" "$tmp/m.img"
xfs_db -x -c "agf $ra" -c 'addr rmaproot' -c "addr ptrs[$1]" -c "write recs[$2].extentflag 1" "$tmp/m.img" >/dev/null 2>&1
v=$(verdict "$tmp/m.img")
[ "$v" = "1 4" ] && grep -q "XFS_RMAP_FILES " "$tmp/ids"
ok $? "a shared block's reverse mapping unwritten for one owner: xfs_repair -n 1, fsimg 4, XFS_RMAP_FILES ($v)"
