#!/bin/sh
# fsimg fsck on XFS images crashed by a real Linux kernel (tests/crash/
# fixtures, made by the harness): the check runs on the state after the
# virtual log replay, and its verdict must be xfs_repair -n's on the kernel's
# own recovered copy (kept in each fixture's JSON as kernel_repair_n: 0 clean
# -> fsck exit 0, 1 corrupt -> 4). What the kernel's mount finishes after the
# log (inodes on the AGI unlinked lists, intents without their done items,
# stale summary counters) is reported as pending, not as damage. The crashed
# image never changes.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 b2sum
fix=$top_srcdir/tests/crash/fixtures
d=$(mktemp_dir)
for j in "$fix"/*.json; do
	name=$(basename "$j" .json)
	set -- $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(f["meta"]["fs"], f.get("kernel_repair_n", "-"))' "$j")
	[ "$1" = xfs ] && [ "$2" != - ] || continue
	want=$(( $2 == 0 ? 0 : 4 ))
	xz -dc "$fix/$name.img.xz" > "$d/$name.img" || { ok 1 "$name: unpack"; continue; }
	h=$(b2sum < "$d/$name.img")
	"$FSIMG" fsck "$d/$name.img" > "$d/$name.out" 2> "$d/$name.err"
	st=$?
	[ $st -eq $want ]
	ok $? "$name: fsck after the virtual log replay exits $want, as xfs_repair -n on the kernel's recovery ($2) (fsimg: $st)"
	[ $st -eq $want ] || grep -v '^info' "$d/$name.out" | head -5 | sed 's/^/#   /'
	if grep -q 'pending: unlinked' "$d/$name.err"; then
		grep -q '^info: XFS_UNLINKED_PENDING' "$d/$name.out"
		ok $? "$name: inodes on the unlinked lists are reported as pending (info)"
	fi
	[ "$(b2sum < "$d/$name.img")" = "$h" ]
	ok $? "$name: the crashed image is unchanged"
	rm -f "$d/$name.img"
done
done_testing
