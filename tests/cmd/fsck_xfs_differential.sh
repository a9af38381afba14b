#!/bin/sh
# A fixed sample of the XFS differential campaign (fuzz/differential_xfs.sh,
# issue 14) over the structures of the file passes (inode cores, extent
# records, directories in every form, attributes, symlinks): one field
# fuzzed by xfs_db per mutant, judged by xfs_repair -n and fsimg fsck. No
# crash or timeout, and agreement at least FSIMG_XFS_DIFF_FLOOR percent (the
# campaign's own report lists each disagreement).
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair timeout
plan 2
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
N=${FSIMG_XFS_DIFF_N:-30}
FLOOR=${FSIMG_XFS_DIFF_FLOOR:-90}
S="rootdir inode extents dir_sf dir_block dir_leaf dir_leafblk dir_node dir_nodeblk dir_free symlink"
S="$S symlink_rmt attr_sf attr_leaf attr_node attr_rmt"
TMPDIR=$tmp FSIMG=$FSIMG sh "$top_srcdir/fuzz/differential_xfs.sh" --count "$N" --seed 1 --bases "v5 v4" \
	--structs "$S" --out "$tmp/rows" >"$tmp/log" 2>&1
st=$?
sed 's/^/# /' "$tmp/log"
[ $st -eq 0 ] && grep -q ' 0 crashes/timeouts' "$tmp/log"
ok $? "$N mutants: no crash or timeout of fsimg fsck"
pct=$(sed -n 's/.* agree (\([0-9.]*\)%).*/\1/p' "$tmp/log")
[ -n "$pct" ] && awk -v p="$pct" -v f="$FLOOR" 'BEGIN { exit !(p >= f) }'
ok $? "verdict agreement with xfs_repair -n ${pct:-?}% >= $FLOOR%"
