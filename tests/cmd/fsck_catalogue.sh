#!/bin/sh
# e2fsck codes that were "missing" in tests/conformance/e2fsck-coverage.tsv
# (issue 15): each condition made by mke2fs/debugfs (or truncate), e2fsck -fn's
# verdict and message the oracle, the clean image beside it.
#   PR_0_FS_SIZE_WRONG      an image shorter than the filesystem: e2fsck -n warns
#                           and reads on (exit 0 when nothing in use is lost)
#   PR_1_TOOBIG_DIR         a directory extent past logical block 2^21 (1 KiB)
#   PR_1_COLLAPSE_DBLOCK    a hole in an extent-mapped directory (DIR_HOLE)
#   PR_1_TREAT_AS_DIRECTORY a directory whose mode says fifo (extents, block map);
#                           a block device with one link is believed
#   PR_1_BBINODE_BAD_METABLOCK, PR_1_BADBLOCKS_IN_BADBLOCKS, PR_2_BB_INODE:
#                           a bad block list (mke2fs -l) naming inode 1's own
#                           indirect block, the inode table block holding
#                           inode 1, the one holding inode 12
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck truncate
fs_tmp

src=$tmp/src
mkdir -p "$src/d" "$src/e"
i=1
while [ $i -le 120 ]; do
	echo x >"$src/d/name_with_long_text_$i"
	i=$((i + 1))
done
echo hi >"$src/e/f"
mk() { # mk TYPE IMG: 4 MiB, 1 KiB blocks, from $src
	mke2fs -q -F -t "$1" -b 1024 -d "$src" "$2" 4M >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $1 failed"; exit 99; }
}
# e2fsck_says IMG TEXT: e2fsck -fn (run by fs_e2fsck) printed TEXT
e2fsck_says() { grep -q "$2" "$1.e2fsck"; }
# damaged BASE NAME "DEBUGFS CMD" "E2FSCK TEXT" ID WHAT: a copy of BASE changed by
# debugfs; both checkers find an error, e2fsck saying TEXT, fsimg reporting ID
damaged() {
	img=$tmp/$2.img
	cp "$1" "$img" && fs_dbg "$img" "$3"
	e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
	[ "$e" = error ] && e2fsck_says "$img" "$4" && [ "$f" = error ] && fs_has "$img" "$5"
	ok $? "$6: e2fsck -fn $e, fsimg fsck $f with $5"
}

clean=$tmp/clean.img
mk ext4 "$clean"
e=$(fs_e2fsck "$clean"); f=$(fs_fsimg "$clean")
[ "$e" = clean ] && [ "$f" = clean ]
ok $? "the clean image: e2fsck -fn $e, fsimg fsck $f"

# PR_0_FS_SIZE_WRONG: cut to 3 MiB (every block in use lies below), then to
# 1200 KiB (a directory block is lost: e2fsck cannot read it and aborts).
cp "$clean" "$tmp/short.img" && truncate -s 3M "$tmp/short.img"
e=$(fs_e2fsck "$tmp/short.img"); f=$(fs_fsimg "$tmp/short.img")
[ "$e" = clean ] && e2fsck_says "$tmp/short.img" "physical size of the device is 3072" &&
	[ "$f" = clean ] && fs_has "$tmp/short.img" SUPER_FS_SIZE_WRONG &&
	grep -q "says 4096 blocks, the image holds 3072" "$tmp/short.img.out"
ok $? "a short image, nothing in use lost: e2fsck -fn $e (FS_SIZE_WRONG), fsimg fsck $f with SUPER_FS_SIZE_WRONG"
cp "$clean" "$tmp/shorter.img" && truncate -s 1200K "$tmp/shorter.img"
e=$(fs_e2fsck "$tmp/shorter.img"); f=$(fs_fsimg "$tmp/shorter.img")
[ "$e" = error ] && [ "$f" = error ] && fs_has "$tmp/shorter.img" SUPER_FS_SIZE_WRONG
ok $? "a short image losing a directory block: e2fsck -fn $e, fsimg fsck $f"
"$FSIMG" ls "$tmp/short.img" >/dev/null 2>"$tmp/ls.err"
[ $? -eq 8 ] && grep -q "image is truncated" "$tmp/ls.err"
ok $? "other commands still refuse a short image (exit 8, said so)"

# PR_1_TOOBIG_DIR: the only extent of /e moved to logical block 2^21.
damaged "$clean" toobig "sif /e block[3] 2097152" "causes directory to be too big" INODE_DIR_TOOBIG \
	"a directory block past 2^21 (TOOBIG_DIR)"
cp "$clean" "$img" && fs_dbg "$img" "sif /e block[3] 2097151"
f=$(fs_fsimg "$img")
! fs_has "$img" INODE_DIR_TOOBIG && e=$(fs_e2fsck "$img") && ! e2fsck_says "$img" "too big"
ok $? "the last block allowed (2^21 - 1): neither says too big"

# PR_1_COLLAPSE_DBLOCK: block 1 of /d punched (extents): a hole e2fsck would close.
damaged "$clean" hole "punch /d 1 1" "block 2 should be at block 1" DIR_HOLE \
	"a hole in an extent-mapped directory (COLLAPSE_DBLOCK)"

# PR_1_TREAT_AS_DIRECTORY: /e's mode set to a fifo, with extents and with a block map.
for t in ext4 ext2; do
	img=$tmp/fifo-$t.img
	mk "$t" "$img" && fs_dbg "$img" "sif /e mode 010755"
	e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
	[ "$e" = error ] && e2fsck_says "$img" "looks like it is really a directory" &&
		[ "$f" = error ] && fs_has "$img" INODE_LOOKS_LIKE_DIR
	ok $? "$t: a directory whose mode says fifo: e2fsck -fn $e (TREAT_AS_DIRECTORY), fsimg fsck $f with INODE_LOOKS_LIKE_DIR"
done
# A block device with one link and nothing past i_block[3]: believed by both.
img=$tmp/blkdev.img
mk ext2 "$img" && fs_dbg "$img" "sif /e mode 060755" "sif /e links_count 1"
e=$(fs_e2fsck "$img"); f=$(fs_fsimg "$img")
! e2fsck_says "$img" "looks like it is really" && ! fs_has "$img" INODE_LOOKS_LIKE_DIR
ok $? "a block device with one link: neither takes it for a directory (e2fsck -fn $e, fsimg fsck $f)"

# meta_bg (issue 15's format rules): descriptors kept in the first, second and
# last group of each meta group, no resize inode; a descriptor of group 5 (in
# meta group 0) moved onto other metadata.
mb=$tmp/metabg.img
mke2fs -q -F -t ext4 -b 1024 -O meta_bg,^resize_inode -d "$src" "$mb" 64M >/dev/null 2>&1 ||
	{ echo "Bail out! mke2fs meta_bg failed"; exit 99; }
e=$(fs_e2fsck "$mb"); f=$(fs_fsimg "$mb")
[ "$e" = clean ] && [ "$f" = clean ]
ok $? "meta_bg, 8 groups: e2fsck -fn $e, fsimg fsck $f"
damaged "$mb" metabg-bad "set_bg 5 block_bitmap 100" "Group descriptors look bad" GROUP_METADATA_OVERLAP \
	"meta_bg: group 5's block bitmap moved onto group 0's metadata"

# The bad block list: 20 blocks (inode 1 needs an indirect block), clean first.
seq 3000 3019 >"$tmp/bb.txt"
bb=$tmp/bb.img
mke2fs -q -F -t ext4 -b 1024 -l "$tmp/bb.txt" -d "$src" "$bb" 4M >/dev/null 2>&1 ||
	{ echo "Bail out! mke2fs -l failed"; exit 99; }
ind=$(debugfs -R "stat <1>" "$bb" 2>/dev/null | sed -n 's/.*(IND):\([0-9]*\).*/\1/p')
itab=$(debugfs -R stats "$bb" 2>/dev/null | sed -n 's/^ Group  0:.*inode table at \([0-9]*\).*/\1/p')
isz=$(debugfs -R stats "$bb" 2>/dev/null | sed -n 's/^Inode size:[ 	]*\([0-9]*\)$/\1/p')
e=$(fs_e2fsck "$bb"); f=$(fs_fsimg "$bb")
[ -n "$ind" ] && [ -n "$itab" ] && [ "$e" = clean ] && [ "$f" = clean ]
ok $? "a bad block list of 20 blocks (indirect block $ind): e2fsck -fn $e, fsimg fsck $f"
damaged "$bb" bbmeta "sif <1> block[0] $ind" "used as bad block inode indirect block" BADBLOCKS_META \
	"the list names its own indirect block (BBINODE_BAD_METABLOCK)"
damaged "$bb" bbself "sif <1> block[1] $itab" "bad block list inode is bad" BADBLOCKS_SELF \
	"the list names inode 1's inode table block (BADBLOCKS_IN_BADBLOCKS)"
damaged "$bb" bbino "sif <1> block[1] $((itab + 11 * isz / 1024))" \
	"Entry 'd' in / (2) points to inode (12) located in a bad block" DIRENT_INODE_IN_BAD_BLOCK \
	"the list names the inode table block of /d, inode 12 (BB_INODE)"
done_testing
