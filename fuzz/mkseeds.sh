#!/bin/sh
# Generate the fuzzing base images and seed corpora (deterministic).
#
#   sh fuzz/mkseeds.sh OUTDIR
#
# Writes OUTDIR/base/{ext4j,ext2,ext4i}.img:
#   ext4j  ext4, 1 KiB blocks, 2.25 MiB, metadata_csum, a 1 MiB journal with
#          journal_csum_v3 and needs_recovery: one committed transaction (two
#          blocks, one of them escaped: it starts with the jbd2 magic), a
#          revoke, and an uncommitted one
#   ext2   ext2, 1 KiB blocks, 256 KiB: block maps with indirect blocks
#   ext4js ext4 without metadata_csum (uninit_bg), 1 KiB blocks, 1000 KiB,
#          the same transactions without checksums in a journal cut to 512
#          blocks (below jbd2's 1024-block minimum, which e2fsck enforces and
#          fsimg does not): the journal base that fits AFL++'s 1 MiB inputs
#   ext4i  ext4, 4 KiB blocks, 1016 KiB (with its option byte under AFL++'s
#          1 MiB input limit), no journal, inline_data, an extent tree
#          of depth 1 (a file of 8 separate extents), a 2-level directory
#   ext4fc ext4 with fast_commit, 1 KiB blocks, needs_recovery, fast commits
#          of every tag kind (fuzz/mkfcseed.py; with python3 only);
#          ext4fcin the same with inline_data (names in inline directories),
#          ext4fcb without extents (block-mapped files freed), ext4fccf
#          with casefold (mixed-case names in a casefolded directory)
# and the differential campaign's further bases (see below),
# and OUTDIR/seeds/<target>/<image>.o<N>: the image prefixed by the option
# byte N (see fuzz/fuzz.h) for every harness.
set -eu
LC_ALL=C; export LC_ALL
[ $# -eq 1 ] || { echo "usage: mkseeds.sh OUTDIR" >&2; exit 16; }
for t in mke2fs debugfs e2fsck resize2fs dumpe2fs tune2fs; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
out=$1
E2FSPROGS_FAKE_TIME=1700000000; export E2FSPROGS_FAKE_TIME
umask 022
rm -rf "$out/base" "$out/seeds" "$out/tree" "$out/cmds"
mkdir -p "$out/base" "$out/seeds"
tree=$out/tree

text() { # text FILE BYTES TAG
	awk -v t="$3" -v n="$2" 'BEGIN { while (n > 0) { l = sprintf("%s %08d\n", t, i++); if (length(l) > n) l = substr(l, 1, n); printf "%s", l; n -= length(l) } }' > "$1"
}
mktree() { # mktree DIR BIG_KIB
	mkdir -p "$1/d1/d2/d3" "$1/links" "$1/empty" "$1/sparse"
	text "$1/small" 60 small
	text "$1/d1/d2/d3/bottom" 3000 bottom
	text "$1/big" $(($2 * 1024)) big
	ln -s small "$1/links/fast"
	ln -s "$(awk 'BEGIN { for (i = 0; i < 20; i++) printf "d1/d2/" }')" "$1/links/slow"
	ln -s ../links "$1/links/loop"
	ln "$1/small" "$1/d1/hard"
	: > "$1/sparse/sparse"
	for i in 0 2 4 6 8 10 12 14; do
		text "$1/sparse/chunk" 4096 "c$i"
		dd if="$1/sparse/chunk" of="$1/sparse/sparse" bs=4096 seek=$i conv=notrunc status=none
	done
	rm "$1/sparse/chunk"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do : > "$1/d1/name_with_some_length_$i"; done
}
mkfs() { # mkfs IMG SIZE_KIB OPTS...
	_img=$1 _kib=$2; shift 2
	rm -f "$_img"
	truncate -s "${_kib}K" "$_img"
	mke2fs -F -q "$@" -U 5a1e0f1c-0000-4000-8000-00000000f022 \
		-E hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0,root_owner=0:0,nodiscard \
		-d "$tree" "$_img"
}

mktree "$tree" 100
mkfs "$out/base/ext2.img" 256 -t ext2 -b 1024 -N 64
mkfs "$out/base/ext4i.img" 1016 -t ext4 -b 4096 -O ^has_journal,inline_data -N 64
mkfs "$out/base/ext4j.img" 2304 -t ext4 -b 1024 -N 64 -J size=1

# the journal's transactions (as scripts/mkdemo.sh does)
img=$out/base/ext4j.img
text "$out/p1" 2048 payload
printf '\300\073\071\230escaped block' | dd of="$out/p1" bs=1 seek=1024 conv=notrunc status=none
text "$out/p2" 1024 lost
b0=$(debugfs -R "bmap /big 0" "$img" 2>/dev/null)
b9=$(debugfs -R "bmap /big 9" "$img" 2>/dev/null)
cat > "$out/cmds" <<EOC
jo -c
jw -b $b0-$((b0 + 1)) $out/p1
jw -r $b9
jc
jo
jw -b $b9 -c $out/p2
jc
EOC
debugfs -w -f "$out/cmds" "$img" > "$out/cmds.log" 2>&1 || true

# ext4js: the journal at block 400, then cut to 512 blocks and the
# filesystem to 1000 (s_maxlen edited by hand: no journal checksum to fix)
img=$out/base/ext4js.img
mkfs "$img" 2304 -t ext4 -b 1024 -N 64 -O ^metadata_csum -J size=1,location=400
b0=$(debugfs -R "bmap /big 0" "$img" 2>/dev/null)
b9=$(debugfs -R "bmap /big 9" "$img" 2>/dev/null)
sed "s/^jo -c$/jo/; s/^jw -b [0-9]*-[0-9]* /jw -b $b0-$((b0 + 1)) /; s/^jw -r [0-9]*$/jw -r $b9/; s/^jw -b [0-9]* -c /jw -b $b9 -c /" \
	"$out/cmds" > "$out/cmds.js"
debugfs -w -f "$out/cmds.js" "$img" > "$out/cmds.log" 2>&1 || true
j0=$(debugfs -R "bmap <8> 0" "$img" 2>/dev/null)
printf 'ssv blocks_count 1000\nsif <8> size 524288\nsif <8> blocks 1024\nsif <8> block[4] 512\n' > "$out/cmds.js"
debugfs -w -f "$out/cmds.js" "$img" > "$out/cmds.log" 2>&1 || true
printf '\000\000\002\000' | dd of="$img" bs=1 seek=$((j0 * 1024 + 16)) conv=notrunc status=none
truncate -s 1000K "$img"
# ext4fc: ext4 with fast_commit, 1 KiB blocks, one committed transaction,
# then fast commits of every tag kind for transaction 2 (fuzz/mkfcseed.py;
# only when python3 is there)
fc=
if command -v python3 >/dev/null 2>&1; then
	img=$out/base/ext4fc.img
	mkfs "$img" 2304 -t ext4 -b 1024 -N 64 -O fast_commit,^metadata_csum -J size=1
	b0=$(debugfs -R "bmap /big 0" "$img" 2>/dev/null)
	printf 'jo\njw -b %s %s\njc\n' "$b0" "$out/p2" > "$out/cmds.fc"
	debugfs -w -f "$out/cmds.fc" "$img" > "$out/cmds.log" 2>&1 || true
	python3 "$(dirname "$0")/mkfcseed.py" "$img" 2 && fc=ext4fc
	# ext4fcin: inline-data directories; ext4fcb: block-mapped files freed
	img=$out/base/ext4fcin.img
	mkfs "$img" 2304 -t ext4 -b 1024 -I 256 -N 64 -O fast_commit,inline_data,^metadata_csum -J size=1
	debugfs -w -f "$out/cmds.fc" "$img" > "$out/cmds.log" 2>&1 || true
	python3 "$(dirname "$0")/mkfcseed.py" "$img" 2 inline && fc="$fc ext4fcin"
	img=$out/base/ext4fcb.img
	mkfs "$img" 2304 -t ext4 -b 1024 -N 64 -O fast_commit,^extent,^64bit,^metadata_csum -J size=1
	debugfs -w -f "$out/cmds.fc" "$img" > "$out/cmds.log" 2>&1 || true
	python3 "$(dirname "$0")/mkfcseed.py" "$img" 2 bmap && fc="$fc ext4fcb"
	img=$out/base/ext4fccf.img
	mkfs "$img" 2304 -t ext4 -b 1024 -N 64 -O fast_commit,casefold,^metadata_csum -J size=1
	debugfs -w -f "$out/cmds.fc" "$img" > "$out/cmds.log" 2>&1 || true
	python3 "$(dirname "$0")/mkfcseed.py" "$img" 2 casefold && fc="$fc ext4fccf"
	rm -f "$out/cmds.fc"
fi
# Bases only fuzz/differential.sh takes (no seeds are made of them): shapes
# the three above do not have, so the campaign meets rules they never reach
#   ext4k   ext4 defaults at 1 KiB blocks (journal, metadata_csum, flex_bg)
#   ext3    ext3 (block maps and a journal, no extents)
#   ext4nj  ext4, 4 KiB blocks, no journal, 64bit off, uninit_bg for csums
#   bigal   ext4 with bigalloc (4 KiB blocks, 16 KiB clusters)
#   mbg     ext4 with meta_bg instead of resize_inode, 1 KiB blocks
#   inl1k   ext4 with inline_data at 1 KiB blocks, 256-byte inodes
#   m64f1k  64bit + meta_bg + flex_bg (4 groups a flex group), no
#           resize_inode, 1 KiB blocks, a journal
#   i128    ext4 with 128-byte inodes (no extra fields), no resize_inode
#   feat    ext4, 1 KiB blocks: quota with project quota, ea_inode, large_dir,
#           orphan_file, sparse_super2, stable_inodes, huge_file, no
#           resize_inode; debugfs adds xattrs (in the inode, in a block, a
#           value in an EA inode), the verity flag on a file and /htree,
#           150 names indexed by e2fsck -D
#   inlx    inline_data with xattrs beside system.data (a file and a directory)
#   cf      casefold and encrypt, a casefolded directory of names
# debugfs and mke2fs -d leave some counts stale (quota usage, the i_blocks
# of an EA inode's owner): e2fsck -fy settles those bases before use.
mkfs "$out/base/ext4k.img" 4096 -t ext4 -b 1024 -N 64 -J size=1
mkfs "$out/base/ext3.img" 4096 -t ext3 -b 1024 -N 64 -J size=1
mkfs "$out/base/ext4nj.img" 1024 -t ext4 -b 4096 -N 64 -O ^has_journal,^64bit,^metadata_csum,uninit_bg
mkfs "$out/base/bigal.img" 4096 -t ext4 -b 4096 -C 16384 -N 64 -O bigalloc,^has_journal
mkfs "$out/base/mbg.img" 2048 -t ext4 -b 1024 -N 64 -O meta_bg,^resize_inode,^has_journal
mkfs "$out/base/inl1k.img" 1024 -t ext4 -b 1024 -I 256 -N 64 -O inline_data,^has_journal
mkfs "$out/base/m64f1k.img" 4096 -t ext4 -b 1024 -N 64 -J size=1 -G 4 -O 64bit,meta_bg,^resize_inode
mkfs "$out/base/i128.img" 2048 -t ext4 -b 1024 -I 128 -N 64 -O ^resize_inode,^has_journal
mkfs "$out/base/feat.img" 4096 -t ext4 -b 1024 -I 256 -N 256 -J size=1 \
	-O quota,project,ea_inode,large_dir,orphan_file,sparse_super2,stable_inodes,huge_file,^resize_inode
mkfs "$out/base/inlx.img" 1024 -t ext4 -b 1024 -I 512 -N 64 -O inline_data,^has_journal
mkfs "$out/base/cf.img" 2048 -t ext4 -b 4096 -N 64 -O casefold,encrypt,^has_journal
text "$out/v200" 200 value
text "$out/v3k" 3000 bigvalue
cat > "$out/cmds" <<EOC
ea_set /small user.small tiny
ea_set -f $out/v200 /d1/name_with_some_length_1 user.inblock1
ea_set -f $out/v200 /d1/name_with_some_length_1 user.inblock2
ea_set -f $out/v200 /d1/name_with_some_length_1 user.inblock3
ea_set -f $out/v3k /d1/name_with_some_length_2 user.big
set_inode_field /d1/name_with_some_length_3 flags 0x180000
mkdir /htree
EOC
seq 1 150 | awk '{ printf "mknod /htree/a_name_long_enough_to_fill_blocks_%d p\n", $1 }' >> "$out/cmds"
debugfs -w -f "$out/cmds" "$out/base/feat.img" > "$out/cmds.log" 2>&1 || true
printf 'ea_set /small user.a inline_neighbour\nea_set /d1 user.b a_directory_attr\n' > "$out/cmds"
debugfs -w -f "$out/cmds" "$out/base/inlx.img" > "$out/cmds.log" 2>&1 || true
printf 'mkdir /cfdir\nset_inode_field /cfdir flags 0x40080000\nmkdir /cfdir/Mixed\nmkdir /cfdir/lower\nwrite %s /cfdir/File\n' "$out/v200" > "$out/cmds"
debugfs -w -f "$out/cmds" "$out/base/cf.img" > "$out/cmds.log" 2>&1 || true
for b in feat inlx cf; do e2fsck -fy "$out/base/$b.img" > "$out/cmds.log" 2>&1 || true; done
# and feat's /htree indexed (e2fsck -D), so the campaign meets a dx root
e2fsck -fyD "$out/base/feat.img" > "$out/cmds.log" 2>&1 || true
# Bases of the second campaign round (camp2), shapes no base above has:
#   deep    ext4, 1 KiB, large_dir: a directory of 700 long names indexed
#           by e2fsck -D under a 2-level htree (a dx node below the root),
#           a file of 400 separate extents under an extent tree of depth 2,
#           an xattr block shared by six inodes (refcount 6), a fast and a
#           slow symlink, and a 3 TiB sparse file
#   grow    ext4 1 KiB made at 4 MiB and grown to 16 MiB by resize2fs
#           (resize inode used, new groups added); shrink: made at 16 MiB
#           and shrunk to 3 MiB; growm: 4 KiB, no resize_inode, grown from
#           4 to 64 MiB (resize2fs turns on meta_bg)
#   big64   bigalloc with 64 blocks a cluster (1 KiB blocks, 64 KiB clusters)
#   orph    orphan_file without metadata_csum, one inode (links 0, its name
#           removed) in the orphan file and orphan_present set: e2fsck -fy
#           releases it (and 1.47.0 reports the cleared block as "not clean",
#           which fuzz/verdict.sh counts benign after such a release)
deep=$out/tree-deep small=$out/tree-small
rm -rf "$deep" "$small"
mkdir -p "$deep/hdir" "$deep/ext" "$deep/xs" "$small/d"
(cd "$deep/hdir" && seq 1 700 | awk '{ printf "entry_%0150d\n", $1 }' | xargs touch)
: > "$deep/ext/frag"
for i in $(seq 0 399); do printf 'chunk %05d' $i | dd of="$deep/ext/frag" bs=4096 seek=$((i * 2)) conv=notrunc status=none; done
for i in 1 2 3 4 5 6; do echo "x$i" > "$deep/xs/f$i"; done
ln -s f1 "$deep/xs/fast"
ln -s "$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "p" }')" "$deep/xs/slow"
truncate -s 3T "$deep/huge"
for i in $(seq 1 40); do seq 1 $((i * 50)) > "$small/d/f$i"; done
ln -s f1 "$small/d/l"
tree=$deep
mkfs "$out/base/deep.img" 12288 -t ext4 -b 1024 -N 2048 -J size=1 -O large_dir,^resize_inode
img=$out/base/deep.img
printf 'ea_set /xs/f1 user.shared %s\n' "$(awk 'BEGIN { for (i = 0; i < 200; i++) printf "v" }')" > "$out/cmds"
debugfs -w -f "$out/cmds" "$img" > "$out/cmds.log" 2>&1 || true
acl=$(debugfs -R "stat /xs/f1" "$img" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
for i in 2 3 4 5 6; do echo "sif /xs/f$i file_acl $acl"; done > "$out/cmds"
debugfs -w -f "$out/cmds" "$img" > "$out/cmds.log" 2>&1 || true
# e2fsck sets the shared block's refcount and the sharers' i_blocks, and indexes /hdir
e2fsck -fyD "$img" > "$out/cmds.log" 2>&1 || true
tree=$small
mkfs "$out/base/grow.img" 4096 -t ext4 -b 1024 -N 256 -J size=1
truncate -s 16M "$out/base/grow.img" && resize2fs "$out/base/grow.img" > "$out/cmds.log" 2>&1
mkfs "$out/base/shrink.img" 16384 -t ext4 -b 1024 -N 512 -J size=1
resize2fs "$out/base/shrink.img" 3M > "$out/cmds.log" 2>&1 && truncate -s 3M "$out/base/shrink.img"
mkfs "$out/base/growm.img" 4096 -t ext4 -b 4096 -N 256 -O ^resize_inode,^has_journal
truncate -s 64M "$out/base/growm.img" && resize2fs "$out/base/growm.img" > "$out/cmds.log" 2>&1
mkfs "$out/base/big64.img" 16384 -t ext4 -b 1024 -C 65536 -N 256 -O bigalloc -J size=1
img=$out/base/orph.img
mkfs "$img" 4096 -t ext4 -b 1024 -N 256 -O orphan_file,^metadata_csum -J size=1
oi=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Orphan file inode: *//p')
ob=$(debugfs -R "bmap <$oi> 0" "$img" 2>/dev/null)
ino=$(debugfs -R "stat /d/f3" "$img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
printf 'unlink /d/f3\nsif <%s> links_count 0\nfeature orphan_present\n' "$ino" > "$out/cmds"
debugfs -w -f "$out/cmds" "$img" > "$out/cmds.log" 2>&1 || true
# the inode number, little-endian, as the orphan file block's first entry
printf "\\$(printf %o $((ino & 255)))\\$(printf %o $((ino >> 8 & 255)))\\000\\000" |
	dd of="$img" bs=1 seek=$((ob * 1024)) conv=notrunc status=none
# Bases of the third round (camp3e), shapes no base above has:
#   mmp     ext4, 1 KiB, multi-mount protection (the MMP block, clean: its
#           sequence EXT4_MMP_SEQ_CLEAN; nodename and time set by debugfs)
#   quo     user, group and project quota with usage: files owned by three
#           uids, two gids and two project ids (e2fsck -fy writes the usage)
#   orpm    orphan_file without metadata_csum, entries in blocks 0, 5 and 31
#           of its 32: two unlinked inodes and one with links whose blocks
#           past i_size are released (a truncate in progress)
#   big1k   bigalloc at 1 KiB blocks with 4 KiB clusters, a journal
mkfs "$out/base/mmp.img" 4096 -t ext4 -b 1024 -N 64 -O ^has_journal
tune2fs -O mmp -E mmp_update_interval=5 "$out/base/mmp.img" > "$out/cmds.log" 2>&1 || true
printf 'set_mmp_value nodename fsimg
set_mmp_value time 1700000000
set_mmp_value bdevname img
' > "$out/cmds"
debugfs -w -f "$out/cmds" "$out/base/mmp.img" > "$out/cmds.log" 2>&1 || true
tree=$small
mkfs "$out/base/quo.img" 4096 -t ext4 -b 1024 -I 256 -N 128 -J size=1 -O quota,project
{
	for i in 1 2 3 4 5 6 7 8 9 10; do echo "sif /d/f$i uid $((1000 + i % 3))"; done
	for i in 11 12 13 14 15 16; do echo "sif /d/f$i gid $((100 + i % 2))"; done
	for i in 17 18 19 20 21 22 23 24; do echo "sif /d/f$i projid $((7 + i % 2))"; done
	echo "sif /d uid 1001"
} > "$out/cmds"
debugfs -w -f "$out/cmds" "$out/base/quo.img" > "$out/cmds.log" 2>&1 || true
e2fsck -fy "$out/base/quo.img" > "$out/cmds.log" 2>&1 || true
img=$out/base/orpm.img
mkfs "$img" 4096 -t ext4 -b 1024 -N 256 -O orphan_file,^metadata_csum -J size=1
oi=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Orphan file inode: *//p')
ino() { debugfs -R "stat $1" "$img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
i_f5=$(ino /d/f5) i_f6=$(ino /d/f6) i_f30=$(ino /d/f30)
printf 'unlink /d/f5\nsif <%s> links_count 0\nunlink /d/f6\nsif <%s> links_count 0\nsif /d/f30 size 100\nfeature orphan_present\n' \
	"$i_f5" "$i_f6" > "$out/cmds"
debugfs -w -f "$out/cmds" "$img" > "$out/cmds.log" 2>&1 || true
for e in "0 $i_f5" "5 $i_f6" "31 $i_f30"; do
	set -- $e
	ob=$(debugfs -R "bmap <$oi> $1" "$img" 2>/dev/null)
	printf "\\$(printf %o $(($2 & 255)))\\$(printf %o $(($2 >> 8 & 255)))\\000\\000" |
		dd of="$img" bs=1 seek=$((ob * 1024 + 4 * $1)) conv=notrunc status=none
done
mkfs "$out/base/big1k.img" 8192 -t ext4 -b 1024 -C 4096 -N 128 -O bigalloc -J size=1
# Bases of the fifth round (camp5), feature mixes no base above has; each
# over a tree of 30 files, a 300-name directory (indexed by e2fsck -D where
# dir_index is on), a symlink and a 5 GiB sparse file:
#   e3i128  ext3, 4 KiB blocks, 128-byte inodes (no extra fields, no
#           checksums), block maps and a journal
#   nbmbg   bigalloc (4 KiB clusters of 1 KiB blocks) without 64bit, with
#           meta_bg instead of resize_inode, no journal
#   e2hf    ext2, 2 KiB blocks, huge_file and large_file, no dir_index
#   enci    encrypt and inline_data, 1 KiB blocks, uninit_bg checksums
#           instead of metadata_csum, no journal
#   nob64j  ext4 without 64bit, flex_bg or extents (block maps), huge_file,
#           4 KiB blocks, a journal
c5=$out/tree-c5
rm -rf "$c5"
mkdir -p "$c5/d" "$c5/e"
for i in $(seq 1 30); do seq 1 $((i * 40)) > "$c5/d/f$i"; done
(cd "$c5/e" && seq 1 300 | awk '{ printf "name_%040d\n", $1 }' | xargs touch)
ln -s f1 "$c5/d/l"
truncate -s 5G "$c5/sparse"
tree=$c5
mkfs "$out/base/e3i128.img" 8192 -t ext3 -b 4096 -I 128 -N 512
mkfs "$out/base/nbmbg.img" 16384 -t ext4 -b 1024 -C 4096 -N 512 -O bigalloc,^64bit,meta_bg,^resize_inode,^has_journal
mkfs "$out/base/e2hf.img" 8192 -t ext2 -b 2048 -N 512 -O huge_file,large_file,^dir_index
mkfs "$out/base/enci.img" 4096 -t ext4 -b 1024 -I 256 -N 512 -O encrypt,inline_data,^metadata_csum,uninit_bg,^has_journal
mkfs "$out/base/nob64j.img" 16384 -t ext4 -b 4096 -N 512 -O ^64bit,^flex_bg,^extent,huge_file -J size=4
for b in e3i128 nbmbg e2hf enci nob64j; do e2fsck -fyD "$out/base/$b.img" > "$out/cmds.log" 2>&1 || true; done
rm -rf "$c5"
rm -rf "$deep" "$small"
rm -f "$out/v200" "$out/v3k"
rm -rf "$tree" "$out/p1" "$out/p2" "$out/cmds" "$out/cmds.js" "$out/cmds.log"

for t in open inode dir journal cat fsck fc; do
	mkdir -p "$out/seeds/$t"
	for b in ext4j ext4js ext2 ext4i $fc; do
		for o in 0 3; do
			# printf needs octal
			printf "\\$(printf %o $o)" | cat - "$out/base/$b.img" > "$out/seeds/$t/$b.o$o"
		done
	done
done
