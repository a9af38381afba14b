#!/bin/sh
# The plan of an XFS log in the last AG, which is shorter than sb_agblocks
# when sb_dblocks ends inside it. An icreate item there: xlog_recover_icreate_commit_pass2 bounds the
# chunk by sb_agblocks alone, and its inodes would be written past the end
# of the filesystem; fsimg's plan (plan_apply.c) holds it inside the AG's own
# length (xfs_ag_length) and fails the log as corrupt (exit 8) rather than
# write there. The crash fixture xfs-fsync (Linux 6.1, 4 AGs of 20480
# blocks) with sb_dblocks cut to 61504, AG 3 then 64 blocks long (the least
# an AG may be), and its icreate for ag 3 agbno 16 (8 blocks) moved with
# tests/xfs/xlog/sparsecreate.py (the record's CRC sealed again): to agbno
# 60 it reaches block 67, refused as that item; to 56 (its last block 63)
# it is taken, and the plan goes on to the next item (the inodes the log
# holds for the chunk it moved away from: no inode magic there). The AGI
# unlinked chain the plan walks (plan.c): AG 3's AGI stamped with the log's
# head (1:97: the log's items for it are skipped, and the kernel's
# xfs_log_check_lsn passes it; the superblock's fdblocks brought under the
# cut sb_dblocks, else the kernel's mount fails on its summary counters), a
# bucket naming an inode in block 100, past the AG's end: the walk
# stops there without reading it, and the finish clears the bucket as Linux
# 6.1 does where xfs_iget fails on its head (xfs_imap: the cluster past
# sb_dblocks; xlog_recover_clear_agi_bucket; libfsimg/xlog/ifree_iget.c);
# one in block 40 (NULLAGINO written in it, the rest not inodes) is read,
# and the inode cluster verifier fails there: the bucket cleared too.
# With the AGI's LSN one past the head's cycle's block 4095 instead (run by
# the real kernel, tests/crash/RESULTS.md, session 15's crafted images: "Metadata
# has LSN (1:4095) ahead of current LSN (1:97)", the mount fails), replay
# refuses, naming the AGI.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need xz xfs_db python3
. "$top_srcdir/tests/lib/pyso.sh"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
xz -dc "$top_srcdir/tests/crash/fixtures/xfs-fsync.img.xz" > "$t/c.img" || exit 1
logd=$("$FSIMG" journal "$t/c.img" | sed -n 's/^Log location: .*(daddr \([0-9]*\)).*/\1/p')
xfs_db -x -c 'sb 0' -c 'write -d dblocks 61504' "$t/c.img" > /dev/null 2>&1
"$FSIMG" replay -n "$t/c.img" > /dev/null 2>&1
ok $? "the fixture with AG 3 cut to 64 blocks: its log replays as it is"
for agbno in 60 56; do
	cp --sparse=always "$t/c.img" "$t/$agbno.img"
	pyso "$top_srcdir/tests/xfs/xlog/sparsecreate.py" "$so" "$t/$agbno.img" "$logd" 3 16 64 8 $agbno > /dev/null
	"$FSIMG" journal "$t/$agbno.img" 2>&1 | grep -q "icreate *ag 3 agbno $agbno length 8 " || echo "# not moved"
	"$FSIMG" replay -n "$t/$agbno.img" > /dev/null 2> "$t/e$agbno"
	echo $? > "$t/st$agbno"
done
[ "$(cat "$t/st60")" -eq 8 ] && grep -q 'log recovery: icreate item: ag 3 agbno 60 length 8 count 64 isize 512$' "$t/e60"
ok $? "the chunk at agbno 60-67, past AG 3's 64 blocks: the icreate item refused (exit $(cat "$t/st60"))"
! grep -q 'icreate item' "$t/e56" && grep -q 'inode 0xc0080: no inode magic' "$t/e56"
ok $? "the chunk at agbno 56-63: taken; the plan stops later, at the inodes left where it was"
# unlinked IMG AGINO [LSN]: AG 3's AGI bucket AGINO % 64 naming AGINO, its di_next_unlinked
# NULLAGINO, the AGI's LSN the log's head (1:97) or LSN
unlinked() {
	cp --sparse=always "$t/c.img" "$1"
	xfs_db -x -c 'sb 0' -c 'write -d fdblocks 60000' -c 'agi 3' -c "write lsn ${3:-0x100000061}" \
		-c "write unlinked[$(($2 % 64))] $2" "$1" > /dev/null 2>&1
	python3 - "$1" "$2" <<'PY'
import struct, sys
agino = int(sys.argv[2])
with open(sys.argv[1], 'r+b') as f:
    f.seek((3 * 20480 + (agino >> 3)) * 4096 + (agino & 7) * 512 + 96)  # 8 inodes of 512 bytes a block
    f.write(struct.pack('>I', 0xffffffff))
PY
}
unlinked "$t/u800.img" 800
"$FSIMG" replay -v -n "$t/u800.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 0 ] && grep -q 'finish path ifree.bucket_clear: 1$' "$t/o" && ! grep -q 'ifree.inode' "$t/o"
ok $? "an unlinked inode in block 100 of AG 3, past its 64: not read, its bucket cleared (exit $st)"
unlinked "$t/u320.img" 320
"$FSIMG" replay -v -n "$t/u320.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 0 ] && grep -q 'finish path ifree.bucket_clear: 1$' "$t/o" && ! grep -q 'ifree.inode' "$t/o"
ok $? "one in block 40: read, not an inode cluster, its bucket cleared (exit $st)"
unlinked "$t/u4095.img" 800 0x100000fff
"$FSIMG" replay -o "$t/u4095.out" "$t/u4095.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && [ ! -e "$t/u4095.out" ] &&
	grep -q "AG 3's AGI: its LSN 1:4095 is ahead of the log's head 1:97, where the kernel's mount fails" "$t/e"
ok $? "the AGI's LSN past the log's head: replay refuses, the mount fails there (exit $st)"
"$FSIMG" replay -v -n "$t/u4095.img" > "$t/o" 2> "$t/e"
! grep -q 'finish path' "$t/o" && grep -q "pending.*unlinked inode at agino 800" "$t/o"
ok $? "nothing after log replay is finished; the unlinked bucket is listed, pending"
done_testing
