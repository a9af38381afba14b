#!/bin/sh
# fsimg fsck's XFS file passes (issue 14: inode cores, forks, directories,
# attributes, symlinks, connectivity, link counts, crash data) against
# xfs_repair -n. Images from tests/lib/xfsimg.sh (v5 and v4: every
# directory form, attributes in every form, symlinks, an unwritten extent);
# each case damages one field with xfs_db -x (write -d past the verifiers,
# CRCs recomputed) and expects
# xfs_repair -n's verdict (1: corrupt) and fsimg fsck's (exit 4 with the
# problem's id); the clean images and a file with blocks past its size
# (preallocation, which xfs_repair keeps) are clean for both.
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
sh "$top_srcdir/tests/lib/xfsimg.sh" --small "$t" v5 v4 >"$t/mk.log" 2>&1 || {
	echo "Bail out! xfsimg.sh failed"; cat "$t/mk.log"; exit 99; }

ino_of() { xfs_db -r -c "path $2" -c inode "$1" | sed -n 's/.* is //p'; }

# case NAME BASE WANT_REPAIR WANT_FSIMG ID XFS_DB_COMMANDS...
case_() {
	name=$1 base=$2 want_r=$3 want_f=$4 id=$5
	shift 5
	img=$t/$name.img
	cp --sparse=always "$t/$base.img" "$img"
	xfs_db -x "$@" "$img" >"$t/db.out" 2>&1
	xfs_repair -n "$img" >"$t/r.out" 2>&1; r=$?
	"$FSIMG" fsck --no-replay "$img" >"$t/f.out" 2>&1; f=$?
	found=1
	[ -z "$id" ] || grep -q "^\(warning: \|info: \)\{0,1\}$id:" "$t/f.out" && found=0
	[ $r -eq "$want_r" ] && [ $f -eq "$want_f" ] && [ $found -eq 0 ]
	ok $? "$name: xfs_repair -n $r (want $want_r), fsimg fsck $f (want $want_f)${id:+, reports $id}"
	if [ $r -ne "$want_r" ] || [ $f -ne "$want_f" ] || [ $found -ne 0 ]; then
		grep -v '^Phase\|^ *- \|host filesystem\|sector size' "$t/r.out" | head -5 | sed 's/^/#   repair: /'
		head -8 "$t/f.out" | sed 's/^/#   fsimg: /'
	fi
	rm -f "$img"
}

plan 26
for b in v5 v4; do
	xfs_repair -n "$t/$b.img" >/dev/null 2>&1; r=$?
	"$FSIMG" fsck --no-replay "$t/$b.img" >"$t/f.out" 2>&1; f=$?
	[ $r -eq 0 ] && [ $f -eq 0 ]
	ok $? "$b clean: xfs_repair -n $r, fsimg fsck $f"
	[ $f -eq 0 ] || head -5 "$t/f.out" | sed 's/^/#   /'
done

I=$t/v5.img
a=$(ino_of "$I" /f/a) b=$(ino_of "$I" /f/b) c=$(ino_of "$I" /f/c) u=$(ino_of "$I" /f/u)
l=$(ino_of "$I" /l/local) leaf=$(ino_of "$I" /leaf) blk=$(ino_of "$I" /blk) sf=$(ino_of "$I" /sf)
case_ mode v5 1 4 XFS_INODE_MODE -c "inode $a" -c 'write core.mode 0170644'
case_ nlink v5 1 4 XFS_LINK_COUNT -c "inode $a" -c 'write core.nlinkv2 3'
case_ nblocks v5 1 4 XFS_INODE_NBLOCKS -c "inode $c" -c 'write core.nblocks 7'
# no records left to count: xfs_repair speaks of the blocks, as fsimg does
case_ nextents v5 1 4 XFS_INODE_NBLOCKS -c "inode $c" -c 'write core.nextents 0'
case_ extent-range v5 1 4 XFS_BMAP_REC -c "inode $c" -c 'write u3.bmx[0].startblock 99999999'
case_ unwritten-dir v5 1 4 XFS_BMAP_UNWRITTEN -c "inode $leaf" -c 'write u3.bmx[0].extentflag 1'
case_ reflink-dir v5 1 4 XFS_INODE_FLAGS2 -c "inode $blk" -c 'write v3.reflink 1'
case_ extsize v5 1 4 XFS_INODE_EXTSIZE -c "inode $a" -c 'write core.extsize 3'
case_ symlink-size v5 1 4 XFS_INODE_SIZE -c "inode $l" -c 'write core.size 0'
case_ sf-free-entry v5 1 4 XFS_DIR_ENTRY_FREE -c "inode $sf" -c 'write u3.sfdir3.list[0].inumber.i4 1000'
case_ block-ftype v5 1 4 XFS_DIR_FTYPE -c "inode $blk" -c 'dblock 0' -c 'write -d bu[2].filetype 7'
case_ block-bestfree v5 1 4 XFS_DIR_BESTFREE -c "inode $blk" -c 'dblock 0' -c 'write -d bhdr.bestfree[0].length 8'
case_ leaf-hash v5 1 4 XFS_DIR_HASH -c "inode $leaf" -c 'dblock 8388608' -c 'write -d lents[5].hashval 7'
case_ leaf-bests v5 1 4 XFS_DIR_FREEINDEX -c "inode $leaf" -c 'dblock 8388608' -c 'write -d lbests[0] 0x30'
case_ dup-name v5 1 4 XFS_DIR_DUP_NAME -c "inode $sf" -c 'write u3.sfdir3.list[1].name "b"'
case_ dotdot v5 1 4 XFS_DIR_DOTDOT -c "inode $sf" -c "write u3.sfdir3.hdr.parent.i4 $leaf"
case_ attr-hash v5 1 4 XFS_ATTR_BLOCK -c "inode $b" -c 'ablock 0' -c 'write -d entries[0].hashval 1'
case_ attr-sf v5 1 4 XFS_ATTR_SHORTFORM -c "inode $a" -c 'write a.sfattr.hdr.totsize 200'
# a node that leads to one leaf fewer than the leaves' forward chain holds,
# and a leaf whose back pointer names another block: xfs_repair walks each
# level by the sibling pointers (differential seed 9393, v5-1k: a node's
# count one lower)
cnt=$(xfs_db -r -c "inode $c" -c 'ablock 0' -c 'p hdr.count' "$I" | sed -n 's/.* = //p')
case_ attr-node-count v5 1 4 XFS_ATTR_BLOCK -c "inode $c" -c 'ablock 0' -c "write -d hdr.count $((cnt - 1))"
case_ attr-leaf-back v5 1 4 XFS_ATTR_BLOCK -c "inode $c" -c 'ablock 1' -c 'write -d hdr.info.hdr.back 7'
# firstused below the first name of a leaf without holes (xfs_repair: would
# reset first used value; differential sweep of attr_leaf, v5)
fu=$(xfs_db -r -c "inode $b" -c 'ablock 0' -c 'p hdr.firstused' "$I" | sed -n 's/.* = //p')
case_ attr-firstused v5 1 4 XFS_ATTR_BLOCK -c "inode $b" -c 'ablock 0' -c "write -d hdr.firstused $((fu - 128))"
# a remote value block claiming one byte more than the block holds after
# its header (xfs_attr3_rmt_verify; differential XFS campaign, v5-rv)
d=$(ino_of "$I" /f/d)
case_ attr-rmt-bytes v5 1 4 XFS_ATTR_REMOTE -c "inode $d" -c 'ablock 1' -c 'write -d hdr.bytes 4041'
# blocks past the size: speculative preallocation a crash leaves; xfs_repair keeps them
case_ past-eof v5 0 0 XFS_DATA_PREALLOC_PAST_EOF -c "inode $c" -c 'write core.size 100'
I=$t/v4.img
a=$(ino_of "$I" /f/a)
case_ v4-nlink v4 1 4 XFS_LINK_COUNT -c "inode $a" -c 'write core.nlinkv2 2'
done_testing
