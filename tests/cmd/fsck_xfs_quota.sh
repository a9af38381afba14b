#!/bin/sh
# fsimg fsck on XFS quota files (issue 14), judged by xfs_repair -n: a
# quota-mounted v5 filesystem (user, group and project quotas, quotacheck
# flags on) is the crash fixture xq-4k-quota recovered by fsimg replay -o
# (mkfs.xfs makes no quota files). Clean, both exit 0; then one dquot or
# inode field changed with xfs_db -x at a time: each mutant is corrupt for
# xfs_repair -n (exit 1) and for fsimg (exit 4, with the dquot problem).
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db xfs_repair
plan 16
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
xz -dc "$top_srcdir/tests/crash/fixtures/xq-4k-quota.img.xz" >"$tmp/crash.img" || exit 99
"$FSIMG" replay -o "$tmp/q.img" "$tmp/crash.img" >/dev/null 2>&1 || exit 99
rm -f "$tmp/crash.img"

. "$top_srcdir/tests/lib/xfsjudge.sh"

v=$(verdict "$tmp/q.img")
[ "$v" = "0 0" ]
ok $? "recovered quota image: xfs_repair -n and fsimg fsck both clean ($v)"

# mutant NAME WANT-ID XFS_DB-COMMANDS...: corrupt for both, fsimg naming WANT-ID
mutant() {
	name=$1 want=$2
	shift 2
	cp --sparse=always "$tmp/q.img" "$tmp/m.img"
	args=
	for c in "$@"; do args="$args -c '$c'"; done
	eval "xfs_db -x $args '$tmp/m.img'" >/dev/null 2>&1
	v=$(verdict "$tmp/m.img")
	[ "$v" = "1 4" ] && grep -q "$want " "$tmp/ids"
	st=$?
	[ $st -eq 0 ] || { diag "xfs_repair: $(grep -i quota "$tmp/r.out" | head -3)"; sed 's/^/# /' "$tmp/f.out"; }
	ok $st "$name: xfs_repair -n 1, fsimg 4 with $want ($v)"
}

mutant "user 0 bcount + 1" XFS_DQUOT_COUNT 'dquot -u 0' 'write diskdq.bcount 76'
mutant "group 1000 icount 0" XFS_DQUOT_COUNT 'dquot -g 1000' 'write diskdq.icount 0'
mutant "user 1001 bcount, CRC left stale" XFS_DQUOT 'dquot -u 1001' 'write -c diskdq.bcount 1'
mutant "user 1001 id 1002" XFS_DQUOT 'dquot -u 1001' 'write -d diskdq.id 1002'
mutant "user 1001 over a soft limit without a timer" XFS_DQUOT 'dquot -u 1001' 'write -d diskdq.blk_softlimit 10'
mutant "default user dquot marked bigtime" XFS_DQUOT 'dquot -u 0' 'write -d diskdq.type 0x81'
mutant "group dquot of user type" XFS_DQUOT 'dquot -g 1000' 'write -d diskdq.type 0x81'
mutant "a file's uid moved to an id without a dquot" XFS_DQUOT_MISSING 'path /d0/f5' 'write core.uid 4242'
mutant "a file's project id moved" XFS_DQUOT_COUNT 'path /d0/f5' 'write core.projid_lo 7'
mutant "the user quota file's link count 0" XFS_LINK_COUNT 'sb 0' 'addr uquotino' 'write -d core.nlinkv2 0'
mutant "the user quota file with a size" XFS_INODE_SIZE 'sb 0' 'addr uquotino' 'write -d core.size 2147483648'
mutant "an unwritten extent in the user quota file" XFS_BMAP_UNWRITTEN 'sb 0' 'addr uquotino' 'write -d u3.bmx[0].extentflag 1'
mutant "di_next_unlinked set on a file no unlinked list holds" XFS_INODE_NEXT_UNLINKED_SET 'path /d0/f5' 'write -d next_unlinked 64'
mutant "di_next_unlinked set on the user quota file" XFS_INODE_NEXT_UNLINKED_SET 'sb 0' 'addr uquotino' 'write -d next_unlinked 2016'

# The AG number in a block number is 32 bits (XFS_FSB_TO_AGNO): bits above
# it are ignored by the kernel and xfs_repair, the extent is the same
cp --sparse=always "$tmp/q.img" "$tmp/m.img"
xfs_db -x -c 'path /d0/f5' -c 'fuzz -d u3.bmx[0].startblock firstbit' "$tmp/m.img" >/dev/null 2>&1
v=$(verdict "$tmp/m.img")
[ "$v" = "0 0" ]
ok $? "an extent's block number with bit 51 set: both clean ($v)"
