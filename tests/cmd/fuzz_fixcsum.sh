#!/bin/sh
# fuzz/fixcsum.c (the harnesses' option bit 0, `mutate -c`) against e2fsprogs:
# in images mke2fs, debugfs and e2fsck wrote, each checksum fixcsum knows is
# zeroed on its own (superblock, group descriptor, block and inode bitmaps,
# inode, extent block tail, leaf directory tail, htree dx root and node tails,
# journal superblock, descriptor tail, data-block tag, commit block, revoke
# tail, in csum v3 and v2) and `mutate -c` must give back the image e2fsprogs wrote, byte for
# byte. Untouched images must come out unchanged.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs debugfs e2fsck od
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
cp "$top_builddir/fuzz/mutate" "$tmp/mutate" || { echo "Bail out! no fuzz/mutate"; exit 1; }
mutate=$tmp/mutate
sh "$top_srcdir/fuzz/mkseeds.sh" "$tmp/gen" > "$tmp/mkseeds.log" 2>&1 ||
	{ echo "Bail out! mkseeds.sh: $(tail -1 "$tmp/mkseeds.log")"; exit 1; }
base=$tmp/gen/base
SB=1024

u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; } # u16 IMG OFF (little-endian)
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
bmap() { debugfs -R "bmap $2 $3" "$1" 2>/dev/null; } # bmap IMG INODE LBLK
# iloc IMG INODE BS: byte offset of the inode record
iloc() {
	set -- "$1" "$2" "$3" $(debugfs -R "imap $2" "$1" 2>/dev/null |
		sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
	[ $# -eq 5 ] && echo $(($4 * $3 + $5))
}

# restored NAME IMG OFF WIDTH: zero WIDTH bytes at OFF, then -c must restore IMG
restored() {
	if [ -z "$3" ]; then
		skip "$1: not located"
		return
	fi
	"$mutate" -s "$3:$4:0" "$2" "$tmp/broken.img"
	if cmp -s "$2" "$tmp/broken.img"; then
		skip "$1: the checksum is 0 already"
		return
	fi
	"$mutate" -c "$tmp/broken.img" "$tmp/fixed.img"
	cmp -s "$2" "$tmp/fixed.img"
	ok $? "$1: restored"
	cmp -l "$2" "$tmp/fixed.img" 2>/dev/null | head -4 | while read -r o a b; do
		diag "byte $((o - 1)): $a wanted, $b"
	done
}

# big64: bigalloc at 1 KiB blocks has first_data_block 0, and its
# descriptors are still in block 2, after the superblock's block 1 (once
# written over the superblock's log_cluster_size)
for b in ext4j ext2 ext4i big64; do
	"$mutate" -c "$base/$b.img" "$tmp/same.img"
	cmp -s "$base/$b.img" "$tmp/same.img"
	ok $? "$b: a correct image is left as it is"
done

restored "big64 group descriptor" "$base/big64.img" $((2048 + 0x1E)) 2

# mmp: the MMP block's checksum (written by debugfs set_mmp_value)
"$mutate" -c "$base/mmp.img" "$tmp/same.img"
cmp -s "$base/mmp.img" "$tmp/same.img"
ok $? "mmp: a correct image is left as it is"
o=$(dumpe2fs -h "$base/mmp.img" 2>/dev/null | sed -n 's/^MMP block number: *//p')
restored "mmp MMP block" "$base/mmp.img" $((o * 1024 + 1020)) 4

# ext4j: 1 KiB blocks, 64-byte descriptors, csum v3 journal
img=$base/ext4j.img
bs=1024 gdt=2048
restored "ext4j superblock" "$img" $((SB + 0x3FC)) 4
restored "ext4j group descriptor" "$img" $((gdt + 0x1E)) 2
restored "ext4j block bitmap (lo)" "$img" $((gdt + 0x18)) 2
restored "ext4j block bitmap (hi)" "$img" $((gdt + 0x38)) 2
restored "ext4j inode bitmap (lo)" "$img" $((gdt + 0x1A)) 2
restored "ext4j inode bitmap (hi)" "$img" $((gdt + 0x3A)) 2
o=$(iloc "$img" "<2>" $bs)
restored "ext4j root inode (lo)" "$img" $((o + 0x7C)) 2
restored "ext4j root inode (hi)" "$img" $((o + 0x82)) 2
o=$(bmap "$img" "<2>" 0)
restored "ext4j root directory leaf tail" "$img" $((o * bs + bs - 4)) 4
o=$(bmap "$img" "<8>" 0)
restored "ext4j journal superblock" "$img" $((o * bs + 0xFC)) 4
debugfs -R logdump "$img" 2>/dev/null > "$tmp/logdump"
jblk() { # jblk TYPE N: the journal block of the Nth log block of TYPE
	sed -n "s/^Found expected sequence [0-9]*, type $1 .* at block \([0-9]*\)$/\1/p" "$tmp/logdump" | sed -n "$2p"
}
o=$(jblk 1 1); [ -z "$o" ] || o=$(bmap "$img" "<8>" "$o")
restored "ext4j journal descriptor tail" "$img" "${o:+$((o * bs + bs - 4))}" 4
restored "ext4j journal data-block tag (v3)" "$img" "${o:+$((o * bs + 12 + 12))}" 4
o=$(jblk 1 2); [ -z "$o" ] || o=$(bmap "$img" "<8>" "$o")
restored "ext4j journal descriptor tail (uncommitted)" "$img" "${o:+$((o * bs + bs - 4))}" 4
o=$(jblk 2 1); [ -z "$o" ] || o=$(bmap "$img" "<8>" "$o")
restored "ext4j journal commit block" "$img" "${o:+$((o * bs + 0x10))}" 4
o=$(jblk 5 1); [ -z "$o" ] || o=$(bmap "$img" "<8>" "$o")
restored "ext4j journal revoke tail" "$img" "${o:+$((o * bs + bs - 4))}" 4

# csum v2 (debugfs jo -c -v 2) without 64bit: 10-byte tags with a 16-bit checksum
img=$tmp/jv2.img
mkdir -p "$tmp/tree2"
head -c 8192 "$base/ext2.img" > "$tmp/tree2/f"
truncate -s 4M "$img"
mke2fs -F -q -t ext4 -b 1024 -O ^64bit -N 64 -d "$tmp/tree2" "$img" 2>/dev/null
bs=1024
b=$(bmap "$img" /f 0)
head -c 2048 "$base/ext2.img" > "$tmp/p1"
printf 'jo -c -v 2\njw -b %s-%s %s\njw -r %s\njc\n' "$b" $((b + 1)) "$tmp/p1" $((b + 2)) > "$tmp/cmds"
debugfs -w -f "$tmp/cmds" "$img" > /dev/null 2>&1
debugfs -R logdump "$img" 2>/dev/null > "$tmp/logdump"
if grep -q 'type 1 ' "$tmp/logdump" &&
	dumpe2fs -h "$img" 2>/dev/null | grep -q 'journal_checksum_v2'; then
	o=$(jblk 1 1); o=$(bmap "$img" "<8>" "$o")
	restored "csum v2 journal descriptor tail" "$img" $((o * bs + bs - 4)) 4
	restored "csum v2 journal data-block tag (16 bits)" "$img" $((o * bs + 12 + 4)) 2
	o=$(jblk 2 1); o=$(bmap "$img" "<8>" "$o")
	restored "csum v2 journal commit block" "$img" $((o * bs + 0x10)) 4
	o=$(jblk 5 1); o=$(bmap "$img" "<8>" "$o")
	restored "csum v2 journal revoke tail" "$img" $((o * bs + bs - 4)) 4
else
	for i in 1 2 3 4; do skip "no csum v2 journal made"; done
fi

# ext4i: 4 KiB blocks, an extent tree of depth 1
img=$base/ext4i.img
bs=4096
o=$(debugfs -R "stat /sparse/sparse" "$img" 2>/dev/null | sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
[ -z "$o" ] || o=$((o * bs + 12 + 12 * $(u16 "$img" $((o * bs + 4)))))
restored "ext4i extent block tail" "$img" "$o" 4

# htree: a directory of 3000 names indexed by e2fsck -D (two levels)
mkdir -p "$tmp/tree/big"
i=0
while [ $i -lt 3000 ]; do
	: > "$tmp/tree/big/a_rather_long_file_name_to_fill_leaves_$i"
	i=$((i + 1))
done
img=$tmp/htree.img
truncate -s 4M "$img"
mke2fs -F -q -t ext4 -b 1024 -N 3100 -O metadata_csum,dir_index,^has_journal -d "$tmp/tree" "$img" 2>/dev/null
e2fsck -fyD "$img" > /dev/null 2>&1
bs=1024
root=$(bmap "$img" /big 0)
if [ -n "$root" ] && [ "$(od -An -tu1 -j $((root * bs + 0x1E)) -N1 "$img" | tr -d ' ')" = 1 ]; then
	lim=$(u16 "$img" $((root * bs + 32)))
	restored "htree dx root tail" "$img" $((root * bs + 32 + lim * 8 + 4)) 4
	node=$(bmap "$img" /big "$(u32 "$img" $((root * bs + 36)))")
	lim=$(u16 "$img" $((node * bs + 8)))
	restored "htree dx node tail" "$img" $((node * bs + 8 + lim * 8 + 4)) 4
	leaf=$(bmap "$img" /big "$(u32 "$img" $((node * bs + 12)))")
	restored "htree leaf tail" "$img" $((leaf * bs + bs - 4)) 4
else
	skip "htree of two levels not built"; skip "htree of two levels not built"
	skip "htree of two levels not built"
fi
done_testing
