#!/bin/sh
# Unlinked inodes on a filesystem with quota accounting on (the crash
# harness's fixture xh-4k-quota-unlinked: Linux 6.1 mounted with
# usrquota,grpquota,prjquota, files unlinked while open at the power cut).
# The kernel's recovery mount turns quotas on before it frees them
# (xfs_qm_newmount calls xfs_qm_mount_quotas before xfs_log_mount_finish
# when no quotacheck is needed) and xfs_inactive_ifree charges each freed
# inode, and its truncated blocks, to its dquots: the kernel's image has
# the dquot blocks changed (the fixture's kernel_blocks), and xfs_repair -n
# on a replay that left them found the counts wrong.  Until fsimg updates
# dquots, replay refuses, naming the first unlinked inode and why, and
# writes nothing; the superblock that turned quotas on is in the log only
# (the crashed image's qflags are 0), so the check reads it as replayed.
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db
LC_ALL=C; export LC_ALL
t=$(mktemp_dir)
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-quota-unlinked.img.xz" > "$t/q.img" || exit 1
q=$(xfs_db -r -c 'sb 0' -c 'p qflags' "$t/q.img" | sed 's/.* = //')
[ "$q" = 0 ]
ok $? "the crashed image's superblock has no quota flags (they are in the log): $q"
"$FSIMG" replay -o "$t/out.img" "$t/q.img" > "$t/err" 2>&1
st=$?
[ $st -eq 8 ] && [ ! -e "$t/out.img" ] &&
	grep -q 'pending: unlinked inode [0-9]* (ag [0-9]* bucket [0-9]*): quota accounting is on: the dquots.* update is not done yet' "$t/err"
ok $? "replay -o refuses (exit $st), naming an unlinked inode and quota accounting; nothing written"
"$FSIMG" replay -n "$t/q.img" > "$t/plan" 2>&1
grep -q 'pending (not replayed: the kernel finishes it at mount): unlinked inode [0-9]* (ag [0-9]* bucket [0-9]*): quota accounting is on' "$t/plan"
ok $? "replay -n says the same"
rm -rf "$t"
done_testing
