#!/bin/sh
# fsck pass 5 on a 2-level htree (a dx node below the root; large_dir, 1 KiB
# blocks, 1000 long names indexed by e2fsck -D), against e2fsck -fy on a
# copy. e2fsck never compares a node's entries with the range its parent
# gives it, and bounds the last leaf of a node by the next node's first
# name, not by the root's hash between them (pass2.c update_parents):
#  - the root's second hash lowered to 0: every leaf's names still sit
#    where e2fsck looks, clean for both (a false error of fsimg's before,
#    camp2's campaign seed 73 on the new "deep" base);
#  - the first node's last leaf and the second node's first leaf swapped:
#    names of one node past the other's first, e2fsck's "bad max hash"
#    (DX_NODE_OVERLAP).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
. "$top_srcdir/fuzz/verdict.sh"
fs_need mke2fs debugfs e2fsck od dd
fs_tmp
fs_small_src
mkdir -p "$tmp/t/hdir"
(cd "$tmp/t/hdir" && seq 1 1000 | awk '{ printf "entry_%0150d\n", $1 }' | xargs touch)
img=$tmp/h.img
mke2fs -q -F -b 1024 -N 1024 -O large_dir,^metadata_csum,^has_journal -d "$tmp/t" "$img" 8M >/dev/null 2>&1 ||
	{ echo "Bail out! mke2fs failed"; exit 99; }
e2fsck -fyD "$img" >/dev/null 2>&1
levels=$(debugfs -R "htree /hdir" "$img" 2>/dev/null | sed -n 's/^[[:space:]]*Indirect levels: //p' | head -1)
[ "$levels" = 1 ] || { echo "Bail out! /hdir has indirect levels '$levels', not 1"; exit 99; }
bmap() { debugfs -R "bmap /hdir $1" "$img" 2>/dev/null; }
u16() { od -An -tu2 -j "$1" -N2 "$img" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$img" | tr -d ' '; }
# put32 IMG OFF VALUE
put32() {
	printf "\\$(printf %o $(($3 & 255)))\\$(printf %o $(($3 >> 8 & 255)))\\$(printf %o $(($3 >> 16 & 255)))\\$(printf %o $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
plan 4
same() { # IMG LABEL WANT
	_e=$(fs_e2fsck_fy "$1") _f=$(fs_fsimg "$1")
	[ "$_e" = "$3" ] && [ "$_f" = "$3" ]
	ok $? "$2: e2fsck -fy $_e, fsimg $_f"
	[ "$_f" = "$3" ] || sed 's/^/#   fsimg: /' "$1.out" | head -5
}
same "$img" "a 2-level htree" clean

root=$(bmap 0)
# the root's entries at 32 (limit, count, block 0), 40 (hash 1, block 1)
n1=$(bmap "$(u32 $((root * 1024 + 36)))")
n2=$(bmap "$(u32 $((root * 1024 + 44)))")
cp "$img" "$tmp/low.img"
put32 "$tmp/low.img" $((root * 1024 + 40)) 0
same "$tmp/low.img" "the root's second hash 0" clean

# node entries at 8 (limit, count, block 0), 8 + 8 i (hash, block)
cnt=$(u16 $((n1 * 1024 + 10)))
last=$((n1 * 1024 + 8 + 8 * (cnt - 1) + 4)) first=$((n2 * 1024 + 12))
lb=$(u32 $last) fb=$(u32 $first)
cp "$img" "$tmp/swap.img"
put32 "$tmp/swap.img" $last "$fb"
put32 "$tmp/swap.img" $first "$lb"
fs_corrupt_fy "the first node's last leaf and the next node's first swapped" DX_NODE_OVERLAP "$tmp/swap.img"
grep -q '^DX_LEAF_HASH: ' "$tmp/swap.img.out"
ok $? "and the leaves' names outside their entries' ranges (DX_LEAF_HASH)"
