#!/bin/sh
# Unlinked inodes on a filesystem with quota accounting on (the crash
# harness's fixture xh-4k-quota-unlinked: Linux 6.1 mounted with
# usrquota,grpquota,prjquota, files unlinked while open at the power cut).
# The kernel's recovery mount turns quotas on before it frees them
# (xfs_qm_newmount calls xfs_qm_mount_quotas before xfs_log_mount_finish
# when no quotacheck is needed) and xfs_inactive_ifree charges each freed
# inode, and its truncated blocks, to its user, group and project dquots,
# which the AIL push writes back into the quota files' blocks.  replay -o
# does the same (libfsimg/xlog/dquot_fin.c): crash_fixtures.sh compares its
# blocks with the kernel's; here xfs_repair -n, which recounts every
# dquot from the inodes, finds the counts right (a replay that freed the
# inodes and left the dquots got "user quota id N has bcount N, expected
# N").  The superblock that turned quotas on is in the log only (the
# crashed image's qflags are 0), so the finish reads it as replayed.
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db xfs_repair
LC_ALL=C; export LC_ALL
t=$(mktemp_dir)
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-quota-unlinked.img.xz" > "$t/q.img" || exit 1
q=$(xfs_db -r -c 'sb 0' -c 'p qflags' "$t/q.img" | sed 's/.* = //')
[ "$q" = 0 ]
ok $? "the crashed image's superblock has no quota flags (they are in the log): $q"
"$FSIMG" replay -n "$t/q.img" > "$t/plan" 2>&1
grep -q '^Replay plan' "$t/plan" && ! grep -q 'pending' "$t/plan"
ok $? "replay -n plans the inodes' frees: nothing left pending"
"$FSIMG" replay -o "$t/out.img" "$t/q.img" > "$t/err" 2>&1
st=$?
[ $st -eq 0 ] && [ -s "$t/out.img" ]
ok $? "replay -o frees them (exit $st)"
xfs_repair -n "$t/out.img" > "$t/repair" 2>&1
st=$?
[ $st -eq 0 ] && ! grep -q 'quota id' "$t/repair"
ok $? "xfs_repair -n on OUT finds every dquot's counts right (exit $st)"
u=$(xfs_db -r -c 'sb 0' -c 'p qflags' "$t/out.img" | sed 's/.* = //')
[ -n "$u" ] && [ "$u" != 0 ]
ok $? "OUT's superblock accounts quotas as the log left it: $u"
rm -rf "$t"
done_testing
