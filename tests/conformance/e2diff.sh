#!/bin/bash
# Targeted differential campaign: fresh small ext2/3/4 images (mke2fs -d,
# 18 geometries and feature sets), each corrupted one way at a time with
# debugfs -w or a byte edit of its metadata, judged by `e2fsck -fn` (the
# truth: exit 0 clean; 4, 8, 12 or "trying backup blocks" corrupt) and by
# `fsimg fsck` (no journal needs recovery, so both judge the same state).
# The verdict rules are fuzz/verdict.sh's (a refusal, exit 8, of an image
# e2fsck calls corrupt agrees; so do fsimg's warnings of the superblock's
# free counts when e2fsck finds nothing else). Where -fn and fsimg
# disagree, `e2fsck -fy` on a copy is asked too (fy_judge, the corpus'
# rule): -n exits 0 for the problems it answers "no" to when they are
# flagged PR_NO_OK; a case -fy settles is `fy-agree`.
#
#   tests/conformance/e2diff.sh [--fsimg PATH] [--only REGEX] [--configs REGEX]
#                               [--truth fn|fy] [--keep DIR] [--out FILE]
#
# --only selects corruptions by name, --configs the images they are applied
# to (bash regexes). --truth fy judges every case by `e2fsck -fy` on a copy
# (fy_judge) instead of -fn. Prints one row per case (config/case, e2fsck
# exit, fsimg exit, verdict, e2fsck's first finding, fsimg's ids), then
# every disagreement and the line
#   e2diff: N cases: A agree with e2fsck -fn (P%; ...), B with -fn or, where they differ, -fy (Q%); ...
# A case whose corruption cannot be applied to a configuration (debugfs
# fails, the target is absent, nothing changed) is skipped, not counted.
# --keep DIR keeps every disagreeing image with both checkers' output.
# Exit 1 on a disagreement left or a crash. Optional and slow (about 25
# minutes on a loaded 2-core machine): not part of make check
# (tests/cmd/fsck_e2diff.sh runs a slice of it).
set -u
export LC_ALL=C TZ=GMT0 E2FSCK_CONFIG=/dev/null E2FSPROGS_SKIP_PROGRESS=yes
# mke2fs and debugfs write times no later than e2fsck's clock
export E2FSPROGS_FAKE_TIME=1700000000 E2FSCK_TIME=1700000000
PATH=$PATH:/sbin:/usr/sbin
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../fuzz/verdict.sh"
top=${top_builddir:-$(cd "$here/../.." && pwd)}
fsimg=${FSIMG:-$top/src/fsimg} only=. cfgs=. keep='' out='' truth=fn
while [ $# -gt 0 ]; do
	case $1 in
	--fsimg) fsimg=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--configs) cfgs=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--truth) truth=$2; shift 2 ;;
	*) sed -n '14,15p' "$0" | sed 's/^#  *//' >&2; exit 2 ;;
	esac
done
for t in mke2fs debugfs e2fsck dumpe2fs; do
	command -v $t >/dev/null || { echo "e2diff: $t not installed" >&2; exit 2; }
done
[ -x "$fsimg" ] || { echo "e2diff: $fsimg not built" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-e2diff.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
[ -z "$keep" ] || mkdir -p "$keep"

# The source tree: small and mid-sized files, a file of many extents' worth
# of blocks, a directory of 120 entries (several blocks: indexed by
# e2fsck -D where dir_index is on), symlinks fast and slow, a hard link.
src=$tmp/src
mkdir -p "$src/d" "$src/big" "$src/e"
printf 'one\n' >"$src/a"
awk 'BEGIN { for (i = 0; i < 3000; i++) print "line", i }' >"$src/b"
awk 'BEGIN { for (i = 0; i < 500; i++) print "c", i }' >"$src/d/c"
for i in $(seq 1 120); do printf 'f%s\n' "$i" >"$src/big/entry_with_a_longish_name_$i"; done
ln -s a "$src/l"
ln -s "$(printf '%0150d' 0)" "$src/ls"
ln "$src/d/c" "$src/d/c2"
# six data runs between holes: more extents than the inode holds (a tree
# of depth 1), indirect blocks without extents
for i in 0 1 2 3 4 5; do
	printf 'run %s\n' "$i" | dd of="$src/sp" bs=1 seek=$((i * 65536)) conv=notrunc status=none
done
mkfifo "$src/fifo"
mknod "$src/cdev" c 1 3 2>/dev/null || :
awk 'BEGIN { for (i = 0; i < 60; i++) printf "v%09d", i }' >"$tmp/xval"

# Configurations: NAME SIZE MKE2FS-OPTIONS
configs=(
	"e4k 16M -t ext4 -b 4096"
	"e1k 8M -t ext4 -b 1024"
	"e1k-nocsum 8M -t ext4 -b 1024 -O ^metadata_csum,^64bit"
	"e4k-inline 16M -t ext4 -b 4096 -O inline_data"
	"e1k-orph-quota 16M -t ext4 -b 1024 -O orphan_file,quota"
	"e4k-bigalloc 32M -t ext4 -b 4096 -O bigalloc -C 16384"
	"e1k-noflex 8M -t ext4 -b 1024 -O ^flex_bg,^huge_file,^dir_index"
	"e3 8M -t ext3 -b 1024"
	"e2 8M -t ext2 -b 1024"
	"e2-4k 16M -t ext2 -b 4096"
	"e1k-groups 8M -t ext4 -b 1024 -g 2048"
	"e1k-groups-gdtcsum 8M -t ext4 -b 1024 -g 2048 -O ^metadata_csum,uninit_bg"
	"e1k-metabg 8M -t ext4 -b 1024 -g 1024 -O meta_bg,^resize_inode"
	"e1k-i128 8M -t ext4 -b 1024 -I 128"
	"e4k-nojournal 16M -t ext4 -b 4096 -O ^has_journal"
	"e2-groups 8M -t ext2 -b 1024 -g 2048"
	"e4k-casefold 16M -t ext4 -b 4096 -O casefold"
	"e1k-project 16M -t ext4 -b 1024 -O quota,project"
)

# Corruptions: NAME then debugfs commands (one per ';'-free argument) with
# @F@ (/b), @S@ (/a), @D@ (/d), @G@ (/big), @L@ (/ls), @FB@ (/b's first
# block), @DB@ (/d's first block), @GB@ (/big's first block), @LASTI@ (the
# last inode), @FREEB@ (a free block), @ORPH@ (the orphan file inode), or
# "poke:BLOCK:OFFSET:HEXBYTES" for a byte edit.
cases=(
	"links0|sif @F@ links_count 0"
	"links5|sif @F@ links_count 5"
	"dirlinks|sif @D@ links_count 9"
	"mode0|sif @F@ mode 0"
	"mode-dir|sif @F@ mode 040755"
	"mode-sock|sif @F@ mode 0140644"
	"size-small|sif @F@ size 10"
	"size-sparse|sif @F@ size 0x10000000"
	"size-dir|sif @D@ size 100"
	"iblocks|sif @F@ blocks 1"
	"dtime|sif @F@ dtime 12345"
	"flags0|sif @F@ flags 0"
	"flags-index|sif @F@ flags 0x1000"
	"flags-inline|sif @S@ flags 0x10000000"
	"flags-extents-dir|sif @D@ flags 0x80000"
	"csum|sif @F@ checksum 0x1234"
	"extra-isize|sif @F@ extra_isize 3"
	"extra-isize-big|sif @F@ extra_isize 200"
	"uid|sif @F@ uid 77"
	"eh-magic|sif @F@ block[0] 0x1234"
	"eh-depth|sif @F@ block[1] 0x10004"
	"eh-max|sif @F@ block[1] 0x9"
	"ext-start|sif @F@ block[5] 1"
	"ext-len0|sif @F@ block[4] 0"
	"ext-lblk|sif @F@ block[3] 100000"
	"ind-block|sif @F@ block[0] 1"
	"ind-block-big|sif @F@ block[IND] 0x7fffffff"
	"clri-file|clri @F@"
	"clri-dir|clri @D@"
	"clri-root|clri <2>"
	"root-mode|sif <2> mode 0100644"
	"freei|freei @F@"
	"seti|seti @LASTI@"
	"freeb|freeb @FB@"
	"setb|setb @FREEB@"
	"unlink|unlink /b"
	"ln-extra|ln /b /d/b2"
	"kill-file|kill_file /a"
	"no-lpf|rmdir /lost+found"
	"lpf-file|rmdir /lost+found|write /dev/null lost+found"
	"slink-size0|sif @L@ size 0"
	"slink-size|sif @L@ size 9999"
	"fslink-size|sif /l size 40"
	"sb-free-blocks|ssv free_blocks_count 5"
	"sb-free-inodes|ssv free_inodes_count 5"
	"sb-inodes-count|ssv inodes_count 7"
	"sb-first-ino|ssv first_ino 5"
	"sb-state-err|ssv state 2"
	"sb-rev|ssv rev_level 5"
	"sb-inode-size|ssv inode_size 100"
	"sb-rgdt|ssv reserved_gdt_blocks 3000"
	"sb-flex|ssv log_groups_per_flex 31"
	"sb-last-orphan|ssv last_orphan 5"
	"sb-last-orphan-f|ssv last_orphan @FN@"
	"sb-journal-inum|ssv journal_inum 12"
	"sb-r-blocks|ssv r_blocks_count 0x7fffffff"
	"sb-first-data|ssv first_data_block 3"
	"sb-bpg|ssv blocks_per_group 100"
	"sb-errors|ssv errors 9"
	"sb-hash|ssv def_hash_version 9"
	"sb-desc-size|ssv desc_size 48"
	"sb-mmp|ssv mmp_block 5"
	"sb-usr-quota|ssv usr_quota_inum 11"
	"sb-orphan-inum|ssv orphan_file_inum 11"
	"feat-no-journal|feature ^has_journal"
	"feat-no-extent|feature ^extent"
	"feat-no-filetype|feature ^filetype"
	"feat-no-dirindex|feature ^dir_index"
	"feat-no-sparse|feature ^sparse_super"
	"feat-no-resize|feature ^resize_inode"
	"feat-no-flex|feature ^flex_bg"
	"feat-no-huge|feature ^huge_file"
	"feat-no-large|feature ^large_file"
	"feat-no-csum|feature ^metadata_csum"
	"feat-gdtcsum|feature ^metadata_csum uninit_bg"
	"feat-no-quota|feature ^quota"
	"feat-no-inline|feature ^inline_data"
	"feat-no-orphan|feature ^orphan_file"
	"feat-orph-present|feature orphan_present"
	"feat-recover|feature needs_recovery"
	"feat-journal-dev|feature journal_dev"
	"bg-free-blocks|set_bg 0 free_blocks_count 0"
	"bg2-free-blocks|set_bg 2 free_blocks_count 7"
	"bg2-free-inodes|set_bg 2 free_inodes_count 7"
	"bg3-inode-uninit-off|set_bg 3 flags 0"
	"bg3-block-uninit|set_bg 3 flags 3"
	"bg2-checksum|set_bg 2 checksum 0x4321"
	"bg2-itable-unused|set_bg 2 itable_unused 0"
	"bg3-block-bitmap|set_bg 3 block_bitmap 3"
	"bg2-inode-table|set_bg 2 inode_table @FB@"
	"setb-g3|setb @G3B@"
	"seti-g2|seti @G2I@"
	"bk-sb-magic|poke:@SB1@:56:0000"
	"bk-sb-blocks|poke:@SB1@:4:01000000"
	"bk-gdt-byte|poke:@GDT1@:8:ff"
	"bg-free-inodes|set_bg 0 free_inodes_count 0"
	"bg-used-dirs|set_bg 0 used_dirs_count 0"
	"bg-checksum|set_bg 0 checksum 0x1234"
	"bg-inode-uninit|set_bg 0 flags 1"
	"bg-block-uninit|set_bg 0 flags 2"
	"bg1-block-uninit|set_bg 1 flags 2"
	"bg-block-bitmap|set_bg 0 block_bitmap 0"
	"bg-inode-bitmap|set_bg 0 inode_bitmap @FB@"
	"bg-inode-table|set_bg 0 inode_table 5"
	"bg-itable-unused|set_bg 0 itable_unused 0"
	"bg-itable-unused-big|set_bg 0 itable_unused 2000"
	"bg-bb-csum|set_bg 0 block_bitmap_csum 7"
	"bg-ib-csum|set_bg 0 inode_bitmap_csum 7"
	"de-dot-reclen|poke:@DB@:4:0000"
	"de-dot-namelen|poke:@DB@:6:05"
	"de-dot-ino|poke:@DB@:0:05000000"
	"de-dotdot-ino|poke:@DB@:12:0c000000"
	"de-third-ino|poke:@DB@:24:ffff0000"
	"de-third-type|poke:@DB@:31:07"
	"de-third-namelen|poke:@DB@:30:ff"
	"de-third-name|poke:@DB@:32:2f"
	"de-tail-csum|poke:@DB@:@BS-4@:deadbeef"
	"htree-hashver|poke:@GB@:28:09"
	"htree-levels|poke:@GB@:30:05"
	"htree-infolen|poke:@GB@:29:09"
	"htree-limit|poke:@GB@:32:0100"
	"htree-count|poke:@GB@:34:0000"
	"htree-flag-off|sif @G@ flags 0x80000"
	"htree-block1|poke:@GB1@:0:00000000"
	"sp-idx-magic|poke:@PB@:0:0000"
	"sp-idx-entries|poke:@PB@:2:ff00"
	"sp-idx-depth|poke:@PB@:6:0100"
	"sp-idx-csum|poke:@PB@:@PBCS@:deadbeef"
	"sp-ext-order|poke:@PB@:24:00000000"
	"sp-ext-overlap|poke:@PB@:24:01000000"
	"sp-ext-pblk|poke:@PB@:20:01000000"
	"sp-ext-uninit|poke:@PB@:16:0180"
	"sp-root-idx-lblk|sif @P@ block[3] 7"
	"sp-root-idx-leaf|sif @P@ block[4] 1"
	"sp-size-small|sif @P@ size 100"
	"sp-iblocks|sif @P@ blocks 2"
	"fifo-blocks|sif @Q@ block[0] 77"
	"fifo-size|sif @Q@ size 10"
	"fifo-flags-ext|sif @Q@ flags 0x80000"
	"fifo-immutable|sif @Q@ flags 0x10"
	"cdev-flags|sif @C@ flags 0x20"
	"cdev-blocks|sif @C@ block[5] 9"
	"slink-immutable|sif /l flags 0x10"
	"slink-extents|sif /l flags 0x80000"
	"huge-flag|sif @F@ flags 0xc0000"
	"ea-inode-flag|sif @F@ flags 0x280000"
	"compr-flag|sif @F@ flags 0x80004"
	"dir-size-high|sif @D@ size_high 1"
	"acl-high|sif @F@ file_acl_high 1"
	"projid|sif @F@ projid 9"
	"xb-magic|poke:@XB@:0:00000000"
	"xb-refcount|poke:@XB@:4:05000000"
	"xb-refcount0|poke:@XB@:4:00000000"
	"xb-blocks|poke:@XB@:8:02000000"
	"xb-csum|poke:@XB@:16:deadbeef"
	"xb-name-len|poke:@XB@:32:ff"
	"xb-value-offs|poke:@XB@:34:0100"
	"xb-value-size|poke:@XB@:40:ffff0000"
	"xb-hash|poke:@XB@:44:01020304"
	"xb-shared|sif @S2@ file_acl @XB@"
	"ib-ea-magic|poke:@IX@:@IXO@:00000000"
	"ib-ea-size|poke:@IX@:@IXS@:ff"
	"itable-unused-inuse|set_bg 0 itable_unused @ITU@"
	"inode-in-uninit|set_bg 1 flags 1"
	"gen-root-csum|sif <2> checksum 0"
	"lpf-mode|sif /lost+found mode 0100644"
	"dir-hole|sif @D@ size 8192"
	"dir-block0-0|sif @D@ block[5] 0"
	"dotdot-wrong|poke:@DB@:12:0b000000"
	"journal-magic|poke:@JB@:0:00000000"
	"journal-blocktype|poke:@JB@:4:00000009"
	"journal-size|sif <8> size 4096"
	"journal-start|poke:@JB@:28:00000001"
	"journal-clri|clri <8>"
	"resize-clri|clri <7>"
	"resize-mode|sif <7> mode 040755"
	"badblocks-size|sif <1> size 1024"
	"quota-clri|clri <3>"
	"orph-magic|poke:@OB@:@BS-8@:00000000"
	"orph-entry|poke:@OB@:0:0d000000"
	"orph-size|sif @ORPH@ size 1000"
	"inline-size|sif @S@ size 500"
	"xattr-block|sif @F@ file_acl @FREEB@"
	"xattr-block-meta|sif @F@ file_acl 1"
	"gdt-byte|poke:@GDT@:0:ff"
	"sb-byte-magic|poke:@SB@:@SBO+56@:0000"
)

# Single-byte edits at pseudo-random places of one structure (seeded: the
# same bytes every run): "rnd:REGION:K", REGION one of ino-F ino-D (the
# first 160 bytes of /b's, /d's inode), dir-D (/d's first block), dx-G
# (/big's dx root, its first 64 bytes), sb (the primary superblock's first
# 256 bytes), gdt (group descriptor 0), leaf-P (/sp's extent leaf), xb
# (/a's xattr block).
for r in ino-F ino-D dir-D dx-G sb gdt leaf-P xb; do
	for k in 1 2 3 4 5 6; do cases+=("rnd-$r-$k|rnd:$r:$k"); done
done

# rnd_poke IMG BS REGION K: the "poke:" body of one random edit
rnd_poke() {
	local blk off len loc
	case $3 in
	ino-F | ino-D)
		loc=$(debugfs -R "imap $([ "$3" = ino-F ] && echo /b || echo /d)" "$1" 2>/dev/null |
			sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
		[ -n "$loc" ] || return 1
		blk=${loc%% *} off=$((${loc#* })) len=160 ;;
	dir-D) blk=$(subst "$1" @DB@) off=0 len=$2 ;;
	dx-G) blk=$(subst "$1" @GB@) off=0 len=64 ;;
	sb) blk=$((1024 / $2)) off=$((1024 % $2)) len=256 ;;
	gdt) blk=$(subst "$1" @GDT@) off=0 len=64 ;;
	leaf-P) blk=$(subst "$1" @PB@) off=0 len=84 ;;
	xb) blk=$(subst "$1" @XB@) off=0 len=$2 ;;
	esac
	[ -n "$blk" ] || return 1
	awk -v k="$4" -v r="$3" -v b="$blk" -v o="$off" -v l="$len" 'BEGIN {
		srand(k * 7919 + length(r) * 104729); x = int(rand() * l); y = int(rand() * 256)
		printf "poke:%d:%d:%02x\n", b, o + x, y }'
}

# stat_ino IMG PATH
stat_ino() { debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
# first_blk IMG INO: the physical block of logical block 0 (or 1)
first_blk() { debugfs -R "bmap <$2> ${3:-0}" "$1" 2>/dev/null | grep -E '^[0-9]+$'; }
sbval() { dumpe2fs -h "$1" 2>/dev/null | sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p"; }

# subst IMG STRING: the placeholders of one case, on the base image
subst() {
	local s=$2 v
	case $s in *@FN@*) v=$(stat_ino "$1" /b); [ -n "$v" ] || return 1; s=${s//@FN@/$v} ;; esac
	for p in F:/b S:/a D:/d G:/big L:/ls P:/sp Q:/fifo C:/cdev S2:/d/c; do
		case $s in *"@${p%%:*}@"*)
			v=$(stat_ino "$1" "${p#*:}"); [ -n "$v" ] || return 1
			s=${s//@${p%%:*}@/<$v>} ;;
		esac
	done
	case $s in *@FB@*) v=$(first_blk "$1" "$(stat_ino "$1" /b)") || return 1; s=${s//@FB@/$v} ;; esac
	case $s in *@DB@*) v=$(first_blk "$1" "$(stat_ino "$1" /d)") || return 1; s=${s//@DB@/$v} ;; esac
	case $s in *@GB@*) v=$(first_blk "$1" "$(stat_ino "$1" /big)") || return 1; s=${s//@GB@/$v} ;; esac
	case $s in *@GB1@*) v=$(first_blk "$1" "$(stat_ino "$1" /big)" 1) || return 1; s=${s//@GB1@/$v} ;; esac
	case $s in *@JB@*) v=$(first_blk "$1" 8) || return 1; s=${s//@JB@/$v} ;; esac
	case $s in *@ORPH@*|*@OB@*)
		v=$(sbval "$1" "Orphan file inode"); [ -n "$v" ] || return 1
		s=${s//@ORPH@/<$v>}
		case $s in *@OB@*) v=$(first_blk "$1" "$v") || return 1; s=${s//@OB@/$v} ;; esac ;;
	esac
	case $s in *@PB@*) # /sp's first extent tree leaf, and its checksum's offset
		v=$(debugfs -R "ex /sp" "$1" 2>/dev/null | awk 'NR > 1 && $1 ~ /^0\// { print $(NF-1); exit }')
		[ -n "$v" ] || return 1; s=${s//@PB@/$v} ;;
	esac
	case $s in *@XB@*)
		v=$(debugfs -R "stat /a" "$1" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
		[ -n "$v" ] && [ "$v" != 0 ] || return 1; s=${s//@XB@/$v} ;;
	esac
	case $s in *@IX@*) # /d/c's inode: its in-inode xattr header (after i_extra_isize)
		local loc isz
		loc=$(debugfs -R "imap /d/c" "$1" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
		[ -n "$loc" ] || return 1
		isz=$(sbval "$1" "Inode size")
		[ "$isz" -gt 128 ] || return 1
		v=${loc%% *}; s=${s//@IX@/$v}
		v=$(( ${loc#* } + 128 + 32 )); s=${s//@IXO@/$v}
		s=${s//@IXS@/$((v + 4 + 2))} ;;
	esac
	case $s in *@ITU@*)
		v=$(sbval "$1" "Inodes per group"); s=${s//@ITU@/$((v - 3))} ;;
	esac
	case $s in *@G3B@*|*@G2I@*|*@SB1@*|*@GDT1@*)
		local bpg ipg ngrp fdb
		bpg=$(sbval "$1" "Blocks per group") ipg=$(sbval "$1" "Inodes per group")
		fdb=$(sbval "$1" "First block")
		ngrp=$(dumpe2fs "$1" 2>/dev/null | grep -c '^Group [0-9]')
		[ "$ngrp" -ge 4 ] || return 1
		s=${s//@G3B@/$((fdb + 3 * bpg + bpg / 2))}
		s=${s//@G2I@/$((2 * ipg + 5))}
		# group 1's backup superblock and descriptors (sparse_super keeps them)
		s=${s//@SB1@/$((fdb + bpg))}
		s=${s//@GDT1@/$((fdb + bpg + 1))} ;;
	esac
	case $s in *@LASTI@*) v=$(sbval "$1" "Inode count"); s=${s//@LASTI@/$v} ;; esac
	case $s in *@FREEB@*)
		v=$(dumpe2fs "$1" 2>/dev/null | sed -n 's/^  Free blocks: \([0-9]*\).*/\1/p' | tail -1)
		[ -n "$v" ] || return 1; s=${s//@FREEB@/$v} ;;
	esac
	local bs first
	bs=$(sbval "$1" "Block size") first=$(sbval "$1" "First block")
	s=${s//@BS-4@/$((bs - 4))}
	s=${s//@BS-8@/$((bs - 8))}
	s=${s//@PBCS@/$((12 + 12 * ((bs - 12) / 12)))}
	s=${s//@GDT@/$((first + 1))}
	# the primary superblock: byte 1024 of the device, block 0 or 1
	s=${s//@SB@/$((1024 / bs))}
	s=${s//@SBO+56@/$((1024 % bs + 56))}
	printf '%s\n' "$s"
}

# apply IMG BS CASE-BODY: 0 when the corruption took
apply() {
	local img=$1 bs=$2 body=$3 cmd
	case $body in poke:*)
		IFS=: read -r _ blk off hex <<<"$body"
		[ -n "$blk" ] && [ "$blk" -gt 0 ] 2>/dev/null || return 1
		printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" |
			dd of="$img" bs=1 seek=$((blk * bs + off)) conv=notrunc status=none
		return ;;
	esac
	local IFS='|'
	for cmd in $body; do printf '%s\n' "$cmd"; done | debugfs -w -f - "$img" >"$img.dbg" 2>&1
	# debugfs exits 0 even when a command fails: look for its complaints
	! grep -v -e '^debugfs [0-9]' -e '^debugfs: ' "$img.dbg" | grep -q -i -E 'usage|invalid|not found|bad |error|unknown|couldn|cannot|no free'
}

rows=$tmp/rows
: >"$rows"
n=0 fyagree=0 agree=0 counts=0 refused=0 false_err=0 missed=0 crash=0 oracle=0
for c in "${configs[@]}"; do
	read -r cname csize copts <<<"$c"
	[[ $cname =~ $cfgs ]] || continue
	base=$tmp/$cname.img
	# shellcheck disable=SC2086
	if ! mke2fs -q -F $copts -d "$src" "$base" "$csize" >/dev/null 2>&1; then
		echo "e2diff: $cname: mke2fs failed, skipped" >&2
		continue
	fi
	# an xattr in the inode (/d/c) and one in a block of its own (/a)
	printf '%s\n' "ea_set /d/c user.s small" "ea_set -f $tmp/xval /a user.big" |
		debugfs -w -f - "$base" >/dev/null 2>&1
	# quota usage (mke2fs -d leaves it at nothing) and htree indexes
	e2fsck -fyD "$base" >/dev/null 2>&1
	if ! e2fsck -fn "$base" >"$base.e2fsck" 2>&1; then
		echo "e2diff: $cname: the base image is not clean for e2fsck -fn, skipped" >&2
		continue
	fi
	bs=$(sbval "$base" "Block size")
	for k in "${cases[@]}"; do
		kname=${k%%|*} body=${k#*|}
		[[ $kname =~ $only ]] || continue
		img=$tmp/case.img
		case $body in
		rnd:*) IFS=: read -r _ rr rk <<<"$body"; body=$(rnd_poke "$base" "$bs" "$rr" "$rk") || continue ;;
		*) body=$(subst "$base" "$body") || continue ;;
		esac
		cp --sparse=always "$base" "$img"
		rm -f "$img.fyout"
		apply "$img" "$bs" "$body" || continue
		cmp -s "$base" "$img" && continue # changed nothing
		if [ "$truth" = fy ]; then
			cp --sparse=always "$img" "$img.fy"
			timeout -k 2 30 e2fsck -fy "$img.fy" </dev/null >"$img.e2fsck" 2>&1
			e=$(fy_judge $? "$img.e2fsck")
			rm -f "$img.fy"
		else
			timeout -k 2 30 e2fsck -fn "$img" </dev/null >"$img.e2fsck" 2>&1; e=$?
		fi
		timeout -k 2 30 "$fsimg" fsck "$img" >"$img.out" 2>&1; f=$?
		verdict "$e" "$img.e2fsck" "$f" "$img.out"
		tally
		n=$((n + 1))
		# e2fsck -n answers "no" and still exits 0 for the problems
		# flagged PR_NO_OK (descriptor checksums, a journal without
		# has_journal, ...); whether -fy repairs a copy says whether it
		# found an error (fuzz/verdict.sh fy_judge, the corpus' rule)
		if [ "$truth" = fn ] && { [ "$v" = FALSE-ERROR ] || [ "$v" = MISSED ]; }; then
			vn=$v
			cp --sparse=always "$img" "$img.fy"
			timeout -k 2 30 e2fsck -fy "$img.fy" </dev/null >"$img.fyout" 2>&1
			ey=$(fy_judge $? "$img.fyout")
			rm -f "$img.fy"
			verdict "$ey" "$img.fyout" "$f" "$img.out"
			case $v in
			agree | agree-counts | refused) v=fy-$v; fyagree=$((fyagree + 1)) ;;
			*) v=$vn ;;
			esac
		fi
		first=$(grep -v -E '^(e2fsck [0-9]|Pass [0-9]|$|Fix\? no|Clear\? no|.*WARNING: Filesystem still has errors|.*: [0-9]+/[0-9]+ files)' "$img.e2fsck" | head -1 | cut -c1-90)
		ids=$(grep -o -E '^((warning|info): )?[A-Z][A-Z0-9_]+:' "$img.out" | sed 's/^.*: //; s/:$//' | sort -u | tr '\n' ' ')
		[ $f = 8 ] && ids="fsimg: $(grep -m1 '^fsimg:' "$img.out" | cut -c1-80)"
		printf '%-28s e2fsck %-3s fsimg %-3s %-12s %s | %s\n' "$cname/$kname" "$e" "$f" "$v" "$first" "$ids" | tee -a "$rows"
		if [ -n "$keep" ] && [ "$v" != agree ] && [ "$v" != agree-counts ] && [ "$v" != refused ]; then
			[ -f "$img.fyout" ] && cp "$img.fyout" "$keep/$cname-$kname.fy"
			cp --sparse=always "$img" "$keep/$cname-$kname.img"
			cp "$img.e2fsck" "$keep/$cname-$kname.e2fsck"
			cp "$img.out" "$keep/$cname-$kname.fsimg"
		fi
	done
done
echo
grep -v -E ' (fy-)?(agree|agree-counts|refused) ' "$rows"
pct=0
[ $n -gt 0 ] && pct=$(awk -v a=$agree -v n=$n 'BEGIN { printf "%.1f", 100 * a / n }')
fpct=0
[ $n -gt 0 ] && fpct=$(awk -v a=$((agree + fyagree)) -v n=$n 'BEGIN { printf "%.1f", 100 * a / n }')
if [ "$truth" = fy ]; then
	summary="e2diff: $n cases: $agree agree with e2fsck -fy ($pct%; $counts by the summary counts rule, $refused refused), $false_err false errors, $missed missed, $crash crashes/timeouts, $oracle no verdict"
else
	summary="e2diff: $n cases: $agree agree with e2fsck -fn ($pct%; $counts by the summary counts rule, $refused refused), $((agree + fyagree)) with -fn or, where they differ, -fy ($fpct%); of the -fn disagreements $((false_err + missed - fyagree)) remain: $false_err false errors and $missed missed before -fy, $crash crashes/timeouts, $oracle no verdict"
fi
echo "$summary"
[ -z "$out" ] || { cp "$rows" "$out"; echo "$summary" >>"$out"; }
[ $((false_err + missed + crash - fyagree)) = 0 ]
