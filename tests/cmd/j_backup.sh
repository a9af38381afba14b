#!/bin/sh
# A journal inode that cannot be used, read through the superblock's backup
# of its block map (s_jnl_blocks) as e2fsck does, and replay writing the
# journal superblock where the library read it (the plan's write list),
# never where a damaged inode 8 points:
#  - block-mapped journal (mke2fs -O ^extent), its block map damaged: e2fsck
#    -E journal_only takes the backup and replays; it also rewrites inode 8
#    from the backup, which fsimg leaves alone (those bytes are allowed);
#  - block-mapped journal not in use whose i_block points at another valid
#    block: that block must stay untouched;
#  - extent-mapped journal zeroed: e2fsck's fallback loses the extents flag
#    and deletes the journal, fsimg keeps the flag: the oracle is the blocks
#    the transactions logged (the pattern files);
#  - overlapping extents in inode 8 without a backup: reported as such.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 12
d=$(mktemp_dir)
img=$d/img
j_mkfs "$img" 16M -t ext4 -O ^extent,^64bit -b 1024
set -- $(j_blocks "$img" /big.txt)
b0=$1 b1=$2 b2=$3
j_pattern "$d/p" 1024 3
j_debugfs "$img" "jo" "jw -b $b0,$b1 $d/p" "jc" "jo" "jw -b $b2 $d/p" "jc"
i8=$(j_inode_off "$img" 8)
jsb=$(debugfs -R "bmap <8> 0" "$img" 2>/dev/null)

# Block map damaged: journal block 0 unmapped.
cp "$img" "$d/bm"
j_debugfs "$d/bm" "sif <8> block[0] 0"
"$FSIMG" fsck "$d/bm" >"$d/fsck" 2>&1
! grep -q JOURNAL_BAD "$d/fsck" && grep -q "JOURNAL_INODE_BACKUP" "$d/fsck"
ok $? "block map damaged: fsck reads the journal through the backup (no JOURNAL_BAD)"
j_e2fsck "$d/bm" "$d/bm.e2fsck" >/dev/null
rm -f "$d/bm.out"
"$FSIMG" replay -o "$d/bm.out" "$d/bm" >/dev/null 2>&1 && j_cmp_allowed_but "$d/bm.out" "$d/bm.e2fsck" "$i8" 256
ok $? "block map damaged: replay -o equals e2fsck -E journal_only but inode 8 (e2fsck rewrites it)"
cp "$d/bm" "$d/bm.ip"
"$FSIMG" replay --in-place "$d/bm.ip" >/dev/null 2>&1 && cmp -s "$d/bm.ip" "$d/bm.out"
ok $? "block map damaged: replay --in-place gives the bytes of -o"
"$FSIMG" replay -n "$d/bm" 2>/dev/null | grep -q "journal superblock (block $jsb): s_start 0, s_sequence 4"
ok $? "block map damaged: replay -n writes the journal superblock where the backup puts it"
[ "$(dd if="$d/bm.out" bs=1 skip="$i8" count=256 2>/dev/null | od -An -tx1)" = \
	"$(dd if="$d/bm" bs=1 skip="$i8" count=256 2>/dev/null | od -An -tx1)" ]
ok $? "block map damaged: fsimg leaves inode 8 as it was"

# Not in use, i_block pointing at another valid block (a free one).
other=$(debugfs -R "ffb 1 3000" "$img" 2>/dev/null | awk '{print $NF}')
cp "$img" "$d/nu"
j_debugfs "$d/nu" "sif <8> links_count 0" "sif <8> block[0] $other"
j_e2fsck "$d/nu" "$d/nu.e2fsck" >/dev/null
rm -f "$d/nu.out"
"$FSIMG" replay -o "$d/nu.out" "$d/nu" >/dev/null 2>&1 && j_cmp_allowed_but "$d/nu.out" "$d/nu.e2fsck" "$i8" 256
ok $? "inode 8 not in use, i_block elsewhere: replay -o equals e2fsck -E journal_only but inode 8"
cp "$d/nu" "$d/nu.ip"
"$FSIMG" replay --in-place "$d/nu.ip" >/dev/null 2>&1 && cmp -s "$d/nu.ip" "$d/nu.out" &&
	cmp -s "$d/nu" "$d/nu.ip" -i "$((other * 1024)):$((other * 1024))" -n 1024
ok $? "inode 8 not in use, i_block elsewhere: replay --in-place gives -o's bytes, block $other untouched"

# Extent-mapped journal, inode 8 zeroed.
j_mkfs "$d/ex" 16M -t ext4 -b 1024
set -- $(j_blocks "$d/ex" /big.txt)
e0=$1 e1=$2 e2=$3
j_debugfs "$d/ex" "jo" "jw -b $e0,$e1 $d/p" "jc" "jo" "jw -b $e2 $d/p" "jc"
j_debugfs "$d/ex" "clri <8>"
rm -f "$d/ex.out"
"$FSIMG" replay -o "$d/ex.out" "$d/ex" >/dev/null 2>"$d/err"
ok $? "extent journal zeroed: replay -o succeeds through the backup"
st=0
# e0, e1 <- pattern blocks 0, 1 (transaction 1); e2 <- pattern block 0 (transaction 2)
for k in "$e0 0" "$e1 1" "$e2 0"; do
	set -- $k
	dd if="$d/p" bs=1024 skip="$2" count=1 2>/dev/null >"$d/want"
	dd if="$d/ex.out" bs=1024 skip="$1" count=1 2>/dev/null | cmp -s - "$d/want" || st=1
done
ok $st "extent journal zeroed: the replayed blocks hold what the transactions logged"
"$FSIMG" journal --json "$d/ex.out" 2>/dev/null | grep -q '"sequence":4,"start":0'
ok $? "extent journal zeroed: the journal superblock (at the backup's block) is reset to s_sequence 4"
cp "$d/ex" "$d/ex.ip"
"$FSIMG" replay --in-place "$d/ex.ip" >/dev/null 2>&1 && cmp -s "$d/ex.ip" "$d/ex.out"
ok $? "extent journal zeroed: replay --in-place gives the bytes of -o"
# Overlapping extents in inode 8 and no backup: said as such (fsck's JOURNAL_BAD names it).
j_mkfs "$d/ov" 16M -t ext4 -b 1024
P=$(debugfs -R "bmap <8> 0" "$d/ov" 2>/dev/null)
j_debugfs "$d/ov" "sif <8> block[0] 0x0002F30A" "sif <8> block[3] 0" "sif <8> block[4] 600" \
	"sif <8> block[5] $P" "sif <8> block[6] 500" "sif <8> block[7] 524" "sif <8> block[8] $((P + 500))" \
	"ssv jnl_backup_type 0" "feature needs_recovery"
"$FSIMG" fsck "$d/ov" >"$d/fsck" 2>&1
grep -q "JOURNAL_BAD: journal cannot be used: inode 8: extent at logical block 500 .*starts before the previous one ends" "$d/fsck"
ok $? "overlapping journal extents, no backup: fsck's JOURNAL_BAD says so"
rm -rf "$d"
done_testing
