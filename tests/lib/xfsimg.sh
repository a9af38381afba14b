#!/bin/sh
# XFS test images for the checker (issue 14): a source tree with every
# directory form and file kind mkfs.xfs -p can write, one image per variant,
# then xfs_db -x additions mkfs cannot make (attributes in every form,
# unwritten extents, post-EOF preallocation).
#
#   sh tests/lib/xfsimg.sh [--small] OUTDIR VARIANT...
#
# Variants (OUTDIR/VARIANT.img): v5 (4 KiB blocks, finobt, sparse inodes,
# ftype), v5-1k (1 KiB blocks), v5-rmap (rmapbt, reflink), v4 (-m crc=0,
# no ftype), v4-1k, v5-ml (1 KiB blocks, rmapbt, reflink: multi-level
# inobt and rmapbt from 5000 more names in /many and 2000 one-block files
# in /small, so btree nodes exist to fuzz; mkfs.xfs -p writes every file in
# one extent and frees nothing, so no bmbt or free-space btree grows past a
# leaf), v5-bt (v5-ml's options and tree plus /big, turned by xfsbt.py
# into a sparse file of 3000 one-block extents under a level-2 bmbt, and
# its other blocks freed, scattered, by xfs_repair: multi-level bnobt,
# cntbt, rmapbt and inobt), v5-ag (8 AGs, 1 KiB blocks, no finobt, no sparse inodes,
# bigtime and inobtcount off, 512-byte inodes, 16 KiB directory blocks), v4-2k
# (v4, 2 KiB blocks, 512-byte inodes, 8 KiB directory blocks), v4-a1 (v4
# with attr2 off: attr=1, fixed fork offsets), v5-agm (16 AGs of 16 MiB
# even with --small), v5-rv (v5 with /f/c's node-form attribute fork
# also holding 40 remote values of 5000 bytes), v5-rc (v5-ml's options with
# nrext64: half of /small reflinked by xfsrc.py to the block before it,
# then xfs_repair: a multi-level refcountbt, a 3-level rmapbt and
# fragmented free space), v5-n8k (4 KiB blocks, 8 KiB directory blocks,
# nrext64, bigtime, inobtcount: /node of 6000 names in node form).
# Each image is 320 MiB, sparse (mkfs.xfs 6.1 refuses
# smaller ones without --unsupported; with --small, 32 MiB in two AGs with
# --unsupported, for quick tests and fuzzing).
#
# The tree: /sf (shortform directory, 4 names), /blk (block form, 40
# names), /leaf (leaf form, 400 names), /node (node form, 3000 names at
# 4 KiB, fewer blocks needed at 1 KiB), /f/* regular files (empty, one
# block, many extents: a file written with holes by truncate + dd is
# contiguous in the protofile, so extents come from /f/sparse's zero runs
# being skipped by mkfs), /l/* symlinks (local; remote only on v4: mkfs.xfs
# 6.1 writes v5 remote symlinks without their header, NOTES.md), /p a fifo.
# xfs_db then gives /f/a attributes in shortform, /f/b in leaf form, /f/c
# in node form (v5 only: xfs_db 6.1 crashes making them on v4), /f/d a
# remote value, and /f/u an unwritten extent.
#
# Quota inodes cannot be made here: mkfs.xfs 6.1 has no quota option and
# xfs_db cannot allocate quota inodes; only a kernel mount with -o quota
# makes them (tests/crash/run.sh images).
#
# xfs_repair -n exits 0 on every image this script writes (checked).
set -eu
LC_ALL=C; export LC_ALL
for t in mkfs.xfs xfs_db; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
size=320m small=
if [ "${1:-}" = --small ]; then size=32m small=1; shift; fi
[ $# -ge 2 ] || { echo "usage: xfsimg.sh [--small] OUTDIR VARIANT..." >&2; exit 16; }
here=$(cd "$(dirname "$0")" && pwd)
out=$1; shift
mkdir -p "$out"

# mkmany DIR: the names and one-block files of v5-ml
mkmany() {
	mkdir -p "$1/many" "$1/small"
	(cd "$1/many" && seq 1 5000 | sed 's/^/m/' | xargs touch)
	(cd "$1/small" && for i in $(seq 1 2000); do printf '%1000d\n' "$i" > "s$i"; done)
}

# mktree DIR NODE-NAMES REMOTE-SYMLINKS
mktree() {
	rm -rf "$1"; mkdir -p "$1/sf" "$1/blk" "$1/leaf" "$1/node" "$1/f" "$1/l"
	(cd "$1/sf" && touch a b c d)
	(cd "$1/blk" && seq 1 40 | sed 's/^/block_entry_/' | xargs touch)
	(cd "$1/leaf" && seq 1 400 | sed 's/^/leaf_form_directory_entry_/' | xargs touch)
	(cd "$1/node" && seq 1 "$2" | sed 's/^/node_form_directory_entry_name_/' | xargs touch)
	mkdir "$1/sf/sub" "$1/sf/sub/deeper"
	: > "$1/f/empty"
	printf 'one block\n' > "$1/f/a"
	seq 1 2000 > "$1/f/b"
	seq 1 20000 > "$1/f/c"
	printf 'remote attribute holder\n' > "$1/f/d"
	seq 1 100000 > "$1/f/u"
	ln -s ../f/a "$1/l/local"
	ln -s "$(printf '%0200d' 0)" "$1/l/long_local"
	[ "$3" = yes ] && ln -s "$(printf '/%0250d' 0 0 0)" "$1/l/remote"
	mkfifo "$1/p" 2>/dev/null || true
}

ino_of() { xfs_db -r -c "path $2" -c inode "$1" | sed -n 's/.* is //p'; }

# attrs IMG V NATTR UNWRITTEN: the xfs_db additions (attr forks in every
# form, an unwritten extent), one xfs_db run per inode (xfs_db 6.1 crashed
# on node-form attributes of v4 filesystems: those have none;
# it also crashes now and then elsewhere: the caller retries)
attrs() {
	img=$1 v=$2 nattr=$3 unwritten=$4 nrv=${5:-0}
	a=$(ino_of "$img" /f/a) b=$(ino_of "$img" /f/b) c=$(ino_of "$img" /f/c)
	d=$(ino_of "$img" /f/d) u=$(ino_of "$img" /f/u)
	# xfs_db 6.1's attr_set crashes on attr2-off filesystems: v4-a1 has no attributes
	[ "$variant" = v4-a1 ] && { unw_only "$img" "$u" "$unwritten"; return; }
	xfs_db -x -c "inode $a" -c 'attr_set -u sf1 -v 8' -c 'attr_set -u sf2 -v 16' "$img" > /dev/null || return 1
	set --
	i=1; while [ $i -le 30 ]; do set -- "$@" -c "attr_set -u leaf_attribute_$i -v 60"; i=$((i + 1)); done
	xfs_db -x -c "inode $b" "$@" "$img" > /dev/null || return 1
	set --
	i=1; while [ $i -le "$nattr" ]; do set -- "$@" -c "attr_set -u node_attribute_name_$i -v 80"; i=$((i + 1)); done
	if [ "$nattr" -gt 0 ]; then xfs_db -x -c "inode $c" "$@" "$img" > /dev/null || return 1; fi
	if [ "$nrv" -gt 0 ]; then
		set --
		i=1; while [ $i -le "$nrv" ]; do set -- "$@" -c "attr_set -u remote_value_$i -v 5000"; i=$((i + 1)); done
		xfs_db -x -c "inode $c" "$@" "$img" > /dev/null || return 1
	fi
	xfs_db -x -c "inode $d" -c 'attr_set -u remote -v 9000' "$img" > /dev/null || return 1
	unw_only "$img" "$u" "$unwritten"
}

# unw_only IMG INODE yes|no: /f/u's first extent made unwritten (not with
# rmapbt: the reverse mapping would keep the extent written)
unw_only() {
	[ "$3" = yes ] || return 0
	bmx=u3.bmx
	[ "$v" = v4 ] && bmx=u.bmx
	xfs_db -x -c "inode $2" -c "write $bmx[0].extentflag 1" "$1" > /dev/null
}

for variant in "$@"; do
	case $variant in
	v5) opts="-m crc=1,finobt=1 -i sparse=1 -n ftype=1" nodes=3000 remote=no nattr=300 ;;
	v5-1k) opts="-b size=1024 -m crc=1,finobt=1 -i sparse=1" nodes=1500 remote=no nattr=100 ;;
	v5-rmap) opts="-m crc=1,rmapbt=1,reflink=1" nodes=3000 remote=no nattr=300 ;;
	v4) opts="-m crc=0 -n ftype=0" nodes=3000 remote=yes nattr=0 ;;
	v4-1k) opts="-m crc=0 -b size=1024" nodes=1500 remote=yes nattr=0 ;;
	v5-ml | v5-bt) opts="-b size=1024 -m crc=1,finobt=1,rmapbt=1,reflink=1 -i sparse=1" nodes=1500 remote=no nattr=100 ;;
	v5-ag) opts="-b size=1024 -m crc=1,finobt=0,bigtime=0,inobtcount=0 -i sparse=0,size=512 -n size=16384" nodes=1500 remote=no nattr=300 ;;
	v4-2k) opts="-m crc=0 -b size=2048 -i size=512 -n size=8192" nodes=1500 remote=yes nattr=0 ;;
	v4-a1) opts="-m crc=0 -i attr=1" nodes=1500 remote=yes nattr=0 ;;
	v5-agm) opts="-m crc=1,finobt=1 -i sparse=1" nodes=1500 remote=no nattr=100 ;;
	v5-rc) opts="-b size=1024 -m crc=1,finobt=1,rmapbt=1,reflink=1 -i sparse=1,nrext64=1" nodes=1500 remote=no nattr=100 ;;
	v5-n8k) opts="-m crc=1,finobt=1,bigtime=1,inobtcount=1 -i sparse=1,nrext64=1 -n size=8192" nodes=6000 remote=no nattr=300 ;;
	v5-rv) opts="-m crc=1,finobt=1 -i sparse=1 -n ftype=1" nodes=1500 remote=no nattr=100 ;;
	*) echo "xfsimg.sh: unknown variant $variant" >&2; exit 16 ;;
	esac
	# AGs: mkfs.xfs's default (4 at 320 MiB), 2 with --small; v5-ag 8, of
	# 16 MiB (mkfs.xfs's least) with --small
	agc= vsize=$size
	[ -n "$small" ] && agc=2
	[ "$variant" = v5-ag ] && agc=8
	[ "$variant" = v5-ag ] && [ -n "$small" ] && vsize=128m
	[ "$variant" = v5-agm ] && agc=16 vsize=256m
	unsup=
	[ -n "$agc" ] && unsup="-d agcount=$agc"
	[ -n "$small" ] && unsup="--unsupported $unsup"
	v=v5; case $variant in v4*) v=v4 ;; esac
	tree=$out/.tree-$variant
	mktree "$tree" "$nodes" "$remote"
	case $variant in v5-ml | v5-bt | v5-rc) mkmany "$tree" ;; esac
	# 6200 blocks of 1 KiB in one extent, for xfsbt.py
	[ "$variant" = v5-bt ] && yes big_file_of_many_extents | head -c 6348800 > "$tree/big"
	sh "$here/xfsproto.sh" "$tree" > "$tree.proto"
	img=$out/$variant.img
	unw=yes
	case $variant in *rmap* | v5-ml | v5-bt | v5-rc) unw=no ;; esac
	# xfs_db 6.1 sometimes crashes while adding attributes (not always on the
	# same run): build the image again, three times at most
	for try in 1 2 3; do
		rm -f "$img"; truncate -s $vsize "$img"
		mkfs.xfs -q -f $unsup $opts -p "$tree.proto" "$img" 2>/dev/null
		rv=0; [ "$variant" = v5-rv ] && rv=40
		if attrs "$img" $v $nattr $unw $rv 2>/dev/null; then break; fi
		[ $try -lt 3 ] || { echo "xfsimg.sh: xfs_db failed on $variant" >&2; exit 1; }
	done
	if [ "$variant" = v5-bt ]; then
		python3 "$here/xfsbt.py" "$img" "$(ino_of "$img" /big)"
		xfs_repair "$img" > /dev/null 2>&1 || { echo "xfsimg.sh: xfs_repair failed on $variant" >&2; exit 1; }
	fi
	if [ "$variant" = v5-rc ]; then
		python3 "$here/xfsrc.py" "$img" 2000
		xfs_repair "$img" > /dev/null 2>&1 || { echo "xfsimg.sh: xfs_repair failed on $variant" >&2; exit 1; }
	fi
	rm -rf "$tree" "$tree.proto"
done
