#!/bin/sh
# An AGI unlinked list that the kernel cannot walk, after log replay: what
# Linux 6.1.192 does (xlog_recover_iunlink_bucket, xlog_recover_clear_agi_bucket;
# libfsimg/xlog/ifree_iget.c) and what fsimg does, one rule a check.  Each
# image was recovered by the real kernel (tests/crash/run.sh --image, kept in
# tests/crash/RESULTS.md):
#   - xw-4k-iunl-clear (a fixture; crash_fixtures.sh compares it with the
#     kernel's recovery block by block): AG 1's empty bucket 61 set to a
#     free-space block's agino (the inode cluster verifier fails: "metadata I/O
#     error in xfs_imap_to_bp" in the kernel's log) and AG 3's bucket 63 to a
#     free inode (mode 0: xfs_iget -ENOENT), and AG 0's bucket 62 to
#     (1 << 18) | 318: xfs_agi_verify checks it as an inode number and passes
#     it, xfs_iget reads AG 1's inode 318, free.  The kernel clears the three
#     buckets, logged in the mount's checkpoint, and frees the two real
#     unlinked inodes; fsimg does the same;
#   - from xqd-4k-unlinkedsym: inode 132, alone on AG 0's bucket 4, given
#     di_next_unlinked 190, a free inode.  The kernel frees 132 first, then its
#     xfs_iunlink_remove reloads 190 and fails ("xfs_ifree returned error -22"),
#     the filesystem shuts down and the mount fails (EIO).  fsimg refuses,
#     naming the entry (exit 4, nothing written);
#   - the same inode 132 pointing at itself: the kernel's walk takes the held
#     inode again and again (the recovery boot never ends); fsimg refuses;
#   - from the same fixture: free inode 190 of the root chunk made a 5-byte
#     symlink with the reflink flag and put on AG 0's empty bucket 62:
#     xfs_dinode_verify fails it ("only regular files get reflink"), the kernel
#     clears the bucket; so does fsimg;
#   - the same inode 132 pointing at agino 5, in AG 0's headers: its cluster
#     fails the inode buffer verifier, and log recovery, which replays inodes
#     into that cluster, fails on it ("metadata I/O error in
#     xlog_recover_items_pass2"); fsimg refuses, naming the cluster;
#   - from xe-v4-1k-nolazy-unlinkedsp (v4, 1 KiB blocks): AG 2's empty bucket 62
#     set to a free inode: the kernel clears it (no message: -ENOENT), frees
#     the 16 real unlinked inodes, 0 blocks differ from fsimg's;
#   - AG 0's bucket 60 set to an agino past the AG: the AGI fails
#     xfs_agi_verify when the recovery writes it (the mount fails, "Corruption
#     of in-memory data"); fsimg refuses (exit 4, not 8 "corrupt").
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db
LC_ALL=C; export LC_ALL
fix=$top_srcdir/tests/crash/fixtures
t=$(mktemp_dir)
# null AG BUCKET IMG: is AG's unlinked bucket BUCKET empty in IMG?
null() {
	xfs_db -r -c "agi $1" -c "p unlinked[$2]" "$3" 2>/dev/null | grep -q "^unlinked\[$2\] = *\(null\)\?$"
}
# cleared IMG AG BUCKET FREED: replay -v -o clears one bucket, AG's BUCKET, and frees FREED inodes
cleared() {
	"$FSIMG" replay -v -o "$1.out" "$1" > "$1.err" 2>&1 && grep -q "finish path ifree.bucket_clear: 1$" "$1.err" &&
		grep -q "finish path ifree.inode: $4$" "$1.err" && null "$2" "$3" "$1.out"
}
# refused IMG PATTERN: replay -o exits 4, writes nothing, and says PATTERN (grep)
refused() {
	"$FSIMG" replay -o "$1.out" "$1" > "$1.err" 2>&1
	st=$?
	[ $st -eq 4 ] && [ ! -e "$1.out" ] && grep -q "$2" "$1.err"
}

xz -dc "$fix/xw-4k-iunl-clear.img.xz" > "$t/c.img" || exit 1
"$FSIMG" replay -v -n "$t/c.img" > "$t/c.plan" 2>&1
ok $? "the cleared buckets: replay -n finishes (exit 0)"
grep -q "finish path ifree.bucket_clear: 3$" "$t/c.plan" && grep -q "finish path ifree.inode: 2$" "$t/c.plan"
ok $? "three buckets cleared (xlog_recover_clear_agi_bucket), the two real unlinked inodes freed"
"$FSIMG" replay -o "$t/c.out" "$t/c.img" > "$t/c.err" 2>&1
ok $? "replay -o finishes"
null 1 61 "$t/c.out"
ok $? "AG 1 bucket 61 (a block of zeros: the inode buffer verifier fails) is cleared"
null 3 63 "$t/c.out"
ok $? "AG 3 bucket 63 (a free inode: xfs_iget -ENOENT) is cleared"
null 0 62 "$t/c.out"
ok $? "AG 0 bucket 62 (AG 1's inode 318 by XFS_AGINO_TO_INO, free) is cleared"
xfs_db -r -c "inode 786687" -c "p core.mode" "$t/c.out" | grep -q "= 0$"
ok $? "the free inode it named is left as it was"
rm -f "$t/c.out"

# a good head whose di_next_unlinked names a free inode: the kernel shuts down
xz -dc "$fix/xqd-4k-unlinkedsym.img.xz" > "$t/m.img" || exit 1
xfs_db -x -c "inode 132" -c "write -d next_unlinked 190" "$t/m.img" > /dev/null 2>&1
sum=$(cksum < "$t/m.img")
refused "$t/m.img" "unlinked inode 190 (ag 0 bucket 4): the kernel cannot read it (it is free, mode 0.*xfs_iunlink_reload_next"
ok $? "a free inode past a good head: refused, naming it (exit $st), nothing written"
[ "$(cksum < "$t/m.img")" = "$sum" ]
ok $? "the image is unchanged"

# the same head pointing at itself: the kernel's walk never ends
xfs_db -x -c "inode 132" -c "write -d next_unlinked 132" "$t/m.img" > /dev/null 2>&1
refused "$t/m.img" "the chain comes back to agino 132 (a loop"
ok $? "a chain that loops: refused (exit $st), not corrupt"

# a reflink symlink (xfs_dinode_verify) on an empty bucket
xz -dc "$fix/xqd-4k-unlinkedsym.img.xz" > "$t/f.img" || exit 1
xfs_db -x -c "inode 190" -c "write -d core.mode 0120777" -c "write -d core.size 5" -c "write -d v3.flags2 2" \
	-c "agi 0" -c "write unlinked[62] 190" "$t/f.img" > /dev/null 2>&1
cleared "$t/f.img" 0 62 11
ok $? "a symlink with the reflink flag (xfs_dinode_verify fails it): its bucket cleared"
rm -f "$t/f.img" "$t/f.img.out"

# the same head with a garbage di_next_unlinked: its cluster fails the verifier, in recovery
xfs_db -x -c "inode 132" -c "write -d next_unlinked 5" "$t/m.img" > /dev/null 2>&1
refused "$t/m.img" "unlinked inode 132 (ag 0 bucket 4): the inode cluster at daddr 128 fails its verifier at its inode 4 .*di_next_unlinked 0x5.*recovery wrote that cluster"
ok $? "a garbage di_next_unlinked in a cluster recovery writes: refused (exit $st), the cluster named"
rm -f "$t/m.img"

# v4: AG 2's empty bucket 62 naming a free inode, cleared (no LSN, no CRC on the AGI)
xz -dc "$fix/xe-v4-1k-nolazy-unlinkedsp.img.xz" > "$t/v.img" || exit 1
xfs_db -x -c "agi 2" -c "write unlinked[62] 262270" "$t/v.img" > /dev/null 2>&1
cleared "$t/v.img" 2 62 16
ok $? "v4: a free inode on an empty bucket: the bucket cleared, the 16 real unlinked inodes freed"
rm -f "$t/v.img" "$t/v.img.out"

# a bucket past the AG: xfs_agi_verify rejects the AGI
xfs_db -x -c "agi 0" -c "write -d unlinked[60] 16776764" "$t/c.img" > /dev/null 2>&1
refused "$t/c.img" "AG 0's AGI fails its verifier: bucket 60 holds agino 16776764"
ok $? "a bucket past the AG: refused (exit $st), the AGI named, not corrupt"
rm -rf "$t"
done_testing
