#!/bin/sh
# More unlinked inodes than the 64 the XFS finish once freed at most
# (libfsimg/xlog/ifree.c xlog_mount_finish): their number is not refused (the
# finish refuses only where the CIL's space would reach XLOG_CIL_SPACE_LIMIT,
# force.c, tests/unit/test_xcil.c; the crash fixture x65-v4-1k-ichunkmany
# frees 239 as the kernel does). The image: the crash fixture
# xh-4k-wsync-meta (Linux 6.1, one unlinked inode left in AG 3) with AG 1's
# AGI stamped with the log's head, 1:436 (recovery leaves it, the kernel passes it) and its buckets naming
# inodes in free blocks of AG 1, chained through di_next_unlinked as the
# kernel links them (bucket agino % 64, NULLAGINO at each end). Each head is
# no inode (a block of zeros: the inode cluster verifier fails its xfs_iget),
# so the finish clears its bucket as Linux 6.1 does
# (xlog_recover_clear_agi_bucket) and leaks the rest of its chain
# (tests/cmd/xlog_iunl_bad.sh has the kernel's verdicts on such heads).
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
	set -- "$1" "$2" "$3" -c 'agi 1' -c 'write lsn 0x1000001b4'
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

# 64 heads, 6 of them chained to one more: 70 in AG 1, 71 with AG 3's.
unlinked "$t/many.img" 64 6 || exit 1
sum0=$(sha256sum < "$t/many.img")
"$FSIMG" replay -v -n "$t/many.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 0 ] && grep -q "finish path ifree.bucket_clear: 64\$" "$t/o" && grep -q "finish path ifree.inode: 1\$" "$t/o" &&
	! grep -q "Refused" "$t/o"
ok $? "71 unlinked inodes: the finish runs, AG 1's 64 buckets naming no inode cleared, AG 3's inode freed ($st)"

"$FSIMG" replay -o "$t/out.img" "$t/many.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 0 ] && [ -s "$t/out.img" ] && [ "$(sha256sum < "$t/many.img")" = "$sum0" ] &&
	xfs_db -r -c 'agi 1' -c 'print unlinked' "$t/out.img" | grep -q '^unlinked' &&
	! xfs_db -r -c 'agi 1' -c 'print unlinked' "$t/out.img" | grep -q '[0-9]:[0-9]'
ok $? "71 unlinked inodes: replay -o writes OUT (exit $st) with AG 1's buckets empty, the image unchanged"

"$FSIMG" fsck --json "$t/many.img" 2> /dev/null | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())["replayed"]
sys.exit(r["refusal"] is not None or r["pending"] != [])'
ok $? "71 unlinked inodes: fsck --json \"refusal\" null, nothing pending"

# An intent refused with an unlinked inode and CoW leftovers behind it: the mount's finish
# after the intents' does not begin (xlog_mount_finish), and the line carries the intent's
# reason. The crash fixture xi-1k-bui-cui (Linux 6.1, a CUI and a BUI left, 11 CoW
# leftovers) with AG 2's AGF stamped with the log's head (1:290), its refcountbt root a block that is
# none, and AG 1's AGI, as above, naming agino 80000 (a block of zeros, NULLAGINO written).
xz -dc "$top_srcdir/tests/crash/fixtures/xi-1k-bui-cui.img.xz" > "$t/bc.img" || exit 1
xfs_db -x -c 'agf 2' -c 'write lsn 0x100000122' -c 'write refcntroot 4' \
	-c 'agi 1' -c 'write lsn 0x100000122' -c 'write unlinked[0] 80000' "$t/bc.img" > /dev/null 2>&1
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
