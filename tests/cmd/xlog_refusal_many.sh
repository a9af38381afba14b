#!/bin/sh
# More unlinked inodes than the 64 the XFS finish once freed at most
# (libfsimg/xlog/ifree.c xlog_mount_finish): their number is no longer
# refused (the finish refuses only where the CIL's space would reach
# XLOG_CIL_SPACE_LIMIT, force.c, tests/unit/test_xcil.c), so with 71 the
# finish begins and refuses at the first for what it is; replay's one line
# names that inode and why (exit 4, nothing written), as for every other
# refusal (tests/cmd/xlog_refusal.sh); fsck --json carries the same as
# "refusal". The image: the crash fixture xh-4k-wsync-meta (Linux 6.1, one
# unlinked inode left in AG 3) with AG 1's AGI made newer than the log
# (recovery leaves it) and its buckets naming inodes in free blocks of AG
# 1, chained through di_next_unlinked as the kernel links them (bucket
# agino % 64, NULLAGINO at each end).
# The finish's other early return, intents still pending, follows only an
# intent xlog_intents_finish refused, which carries its reason: the last
# case shows that line with an unlinked inode and CoW leftovers behind it.
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db python3
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-wsync-meta.img.xz" > "$t/ok.img" || exit 1

# unlinked IMG HEADS CHAINED: buckets 0..HEADS-1 of AG 1 name agino 80000+k,
# the first CHAINED of them followed by 80064+k (the same bucket).
unlinked() {
	cp --sparse=always "$t/ok.img" "$1"
	set -- "$1" "$2" "$3" -c 'agi 1' -c 'write lsn 0x100000fff'
	k=0
	while [ $k -lt "$2" ]; do
		set -- "$@" -c "write unlinked[$k] $((80000 + k))"
		k=$((k + 1))
	done
	img=$1 heads=$2 chained=$3
	shift 3
	xfs_db -x "$@" "$img" > /dev/null 2>&1 || return 1
	python3 - "$img" "$heads" "$chained" <<'EOF'
import struct, sys
img, heads, chained = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
AG, AGBLOCKS, BS, ISIZE, INOPBLOG, NEXT_UNLINKED, NULLAGINO = 1, 20480, 4096, 512, 3, 96, 0xffffffff
with open(img, 'r+b') as f:
    def link(agino, nxt):
        f.seek((AG * AGBLOCKS + (agino >> INOPBLOG)) * BS + (agino & 7) * ISIZE + NEXT_UNLINKED)
        f.write(struct.pack('>I', nxt))
    for k in range(heads):
        link(80000 + k, 80064 + k if k < chained else NULLAGINO)
    for k in range(chained):
        link(80064 + k, NULLAGINO)
EOF
}

# 64 heads, 6 of them chained to one more: 70 in AG 1, 71 with AG 3's. In the kernel's
# order (AG, bucket, chain), the first is bucket 0's head, agino 80000, a block of zeros.
unlinked "$t/many.img" 64 6 || exit 1
sum0=$(sha256sum < "$t/many.img")
who='unlinked inode 342144 (ag 1 bucket 0)'
why='not a v3 inode'

"$FSIMG" replay -o "$t/out.img" "$t/many.img" > "$t/o" 2> "$t/e"
st=$?
head -1 "$t/e" | grep -qF "71 things left pending for the kernel's mount; fsimg cannot finish $who: $why" &&
	[ $st -eq 4 ] && [ ! -e "$t/out.img" ] && [ "$(sha256sum < "$t/many.img")" = "$sum0" ]
ok $? "71 unlinked inodes: the finish begins; replay -o exit 4 ($st), nothing written, the line names the first and why"
[ "$(grep -c '^fsimg: .*:   pending: unlinked inode ' "$t/e")" -eq 71 ] && grep -qF "  pending: $who: $why" "$t/e" &&
	[ "$(grep -c '  pending: .*: ' "$t/e")" -eq 1 ]
ok $? "71 unlinked inodes: each pending one a line, only the first with the reason"

"$FSIMG" replay -n "$t/many.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && [ "$(tail -1 "$t/o")" = "Refused: replay would write nothing: 71 things left pending for the kernel's mount; fsimg cannot finish $who: $why" ]
ok $? "71 unlinked inodes: replay -n ends with the refusal and its reason, exit 4 ($st)"

"$FSIMG" fsck --json "$t/many.img" 2> /dev/null | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())["replayed"]["refusal"]
sys.exit(r != {"pending": 71, "item": sys.argv[1], "index": 0, "why": sys.argv[2]})' "$who" "$why"
ok $? "71 unlinked inodes: fsck --json \"refusal\" names the first and the reason"

# An intent refused with an unlinked inode and CoW leftovers behind it: the mount's finish
# after the intents' does not begin (xlog_mount_finish), and the line carries the intent's
# reason. The crash fixture xi-1k-bui-cui (Linux 6.1, a CUI and a BUI left, 11 CoW
# leftovers) with AG 2's AGF made newer than the log, its refcountbt root a block that is
# none, and AG 1's AGI, as above, naming agino 80000 (a block of zeros, NULLAGINO written).
xz -dc "$top_srcdir/tests/crash/fixtures/xi-1k-bui-cui.img.xz" > "$t/bc.img" || exit 1
xfs_db -x -c 'agf 2' -c 'write lsn 0x100000fff' -c 'write refcntroot 4' \
	-c 'agi 1' -c 'write lsn 0x100000fff' -c 'write unlinked[0] 80000' "$t/bc.img" > /dev/null 2>&1
python3 - "$t/bc.img" <<'EOF2'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek((81920 + 80000 // 2) * 1024 + 96)  # AG 1 (81920 blocks of 1 KiB), two inodes a block
    f.write(struct.pack('>I', 0xffffffff))
EOF2
"$FSIMG" replay -n "$t/bc.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && grep -q '  pending (not replayed: the kernel finishes it at mount): unlinked inode 342144 (ag 1 bucket 0)$' "$t/o" &&
	[ "$(tail -1 "$t/o")" = "Refused: replay would write nothing: 4 things left pending for the kernel's mount; fsimg cannot finish cui 0xffff8baa1fefabd0, 1 extent: fsb 327796+1: AG 2: refcountbt block 4 is not what its parent says" ]
ok $? "a CUI refused, an unlinked inode and CoW leftovers behind it: the line names the CUI and why ($st)"
rm -rf "$t"
done_testing
