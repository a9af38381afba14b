#!/bin/sh
# fsimg fsck on XFS images crashed by a real Linux kernel (tests/crash/
# fixtures, made by the harness): the check runs on the state after the
# virtual log replay, and its verdict must be xfs_repair -n's on the kernel's
# own recovered copy (kept in each fixture's JSON as kernel_repair_n: 0 clean
# -> fsck exit 0, 1 corrupt -> 4). What the kernel's mount finishes after the
# log (inodes on the AGI unlinked lists, intents without their done items,
# stale summary counters) is reported as pending, not as damage. The crashed
# image never changes.
#
# Then the same images with one inode damaged by xfs_db -x where no log item
# writes (tests/crash/xfs_outside_log.py: an in-use regular file whose
# sectors no buffer or icreate item covers and no inode item names; only
# fixtures whose log tail has moved past the oldest inodes have one): its
# link count, its mode's file type, its first extent's start block moved
# onto AG 0's btree blocks. Recovery leaves the damage in place, so fsck
# after the virtual replay must exit 4 (8 is a miss). The oracle: the same
# xfs_db command on the kernel's recovered copy of each fixture's run
# (tests/crash/run.sh -k), xfs_repair -n exits 1 for each of the three on
# the inodes this picks (checked when the fixtures were made: 535365 of
# xh-4k-smalllog-wsync-meta; 132, and 524419 for the extent, of
# xh-v4-wrap-wsync-meta).
#
# Last, an external log device (-l LOGDEV, or -j): a fixture with pending
# intents has its log cut out into a file of its own and its superblocks
# told the log is external (logstart 0, xfs_db). fsck -l LOG then replays
# the log in memory, finishes what the kernel's mount finishes, and its log
# pass reads the same log: the same infos as with the log internal (the
# intents fsimg leaves pending; none on xh-4k-rmap-intent since its rmap
# updates are done, the external log then read as the mount leaves it).
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 b2sum
PATH=$PATH:/sbin:/usr/sbin
fix=$top_srcdir/tests/crash/fixtures
d=$(mktemp_dir)
trap 'rm -rf "$d"' EXIT

# external NAME: $d/NAME.img with its log moved to a device of its own
external() {
	command -v xfs_db > /dev/null 2>&1 || { skip "$1: external log (no xfs_db)"; return; }
	cp --sparse=always "$d/$1.img" "$d/ext.img"
	set -- "$1" $(python3 -c 'import struct, sys
sb = open(sys.argv[1], "rb").read(512)
bs, = struct.unpack(">I", sb[4:8]); logstart, = struct.unpack(">Q", sb[48:56])
agblocks, agcount = struct.unpack(">II", sb[84:92]); logblocks, = struct.unpack(">I", sb[96:100])
print(bs, (logstart >> sb[124]) * agblocks + (logstart & ((1 << sb[124]) - 1)), logblocks, agcount)' "$d/ext.img")
	dd if="$d/ext.img" of="$d/ext.log" bs="$2" skip="$3" count="$4" status=none
	a=0
	while [ $a -lt "$5" ]; do
		xfs_db -x -c "sb $a" -c "write -d logstart 0" "$d/ext.img" > /dev/null 2>&1
		a=$((a + 1))
	done
	want=$(grep -c '^info: XFS_LOG_PENDING_INTENT' "$d/$1.out")
	"$FSIMG" fsck -l "$d/ext.log" "$d/ext.img" > "$d/ext.out" 2> "$d/ext.err"
	got=$(grep -c '^info: XFS_LOG_PENDING_INTENT' "$d/ext.out")
	grep -q 'log replayed in memory' "$d/ext.err" && [ "$got" = "$want" ]
	ok $? "$1, log external: fsck -l replays it and reports the $want pending intents the internal log's check reports (fsimg: $got)"
	grep '^info' "$d/$1.out" > "$d/int.infos"
	grep '^info' "$d/ext.out" | cmp -s - "$d/int.infos"
	ok $? "$1, log external: the same infos as with the log internal"
	"$FSIMG" fsck -j "$d/ext.log" "$d/ext.img" 2> /dev/null | cmp -s - "$d/ext.out"
	ok $? "$1, log external: -j LOGDEV is -l LOGDEV"
	"$FSIMG" fsck -j "$d/$1.img" -l "$d/ext.log" "$d/ext.img" > /dev/null 2>&1
	[ $? -eq 16 ]
	ok $? "$1, log external: -j and -l naming two files is a usage error"
	rm -f "$d/ext.img" "$d/ext.log"
}

# damage NAME: the damaged copies of $d/NAME.img, each checked
damage() {
	command -v xfs_db > /dev/null 2>&1 || { skip "$1: damage outside the log (no xfs_db)"; return; }
	python3 "$top_srcdir/tests/crash/xfs_outside_log.py" "$fix/$1.json" "$d/$1.img" "$FSIMG" > "$d/$1.cand"
	ino=$(head -1 "$d/$1.cand")
	[ -n "$ino" ] || return 0
	ext= fork=u3.bmx
	[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["geometry"]["version"])' "$fix/$1.json")" = 4 ] && fork=u.bmx
	for i in $(cat "$d/$1.cand"); do
		# an extents-form fork (a bmbt-form one has no $fork to write)
		fn=$(xfs_db -r -c "inode $i" -c "print core.format core.nextents" "$d/$1.img" | sed 's/.* = \([0-9]*\).*/\1/' | tr '\n' ' ')
		[ "${fn%% *}" = 2 ] && [ "$(echo "$fn" | cut -d' ' -f2)" -ge 1 ] 2> /dev/null && { ext=$i; break; }
	done
	set -- "$1" "$ino:write core.nlinkv2 9:XFS_LINK_COUNT" "$ino:write core.mode 0170644:XFS_INODE_MODE"
	[ -n "$ext" ] && set -- "$@" "$ext:write $fork[0].startblock 2:XFS_BLOCK_MULTI"
	name=$1; shift
	for c in "$@"; do
		i=${c%%:*} w=${c#*:}; id=${w#*:}; w=${w%%:*}
		cp --sparse=always "$d/$name.img" "$d/dmg.img"
		xfs_db -x -c "inode $i" -c "$w" "$d/dmg.img" > "$d/dmg.db" 2>&1
		"$FSIMG" fsck "$d/dmg.img" > "$d/dmg.out" 2>&1
		st=$?
		[ $st -eq 4 ] && grep -q "^$id: " "$d/dmg.out"
		ok $? "$name: inode $i outside the log, '$w': fsck after the replay exits 4 naming $id (fsimg: $st)"
	done
	rm -f "$d/dmg.img"
}
for j in "$fix"/*.json; do
	name=$(basename "$j" .json)
	set -- $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(f["meta"]["fs"], f.get("kernel_repair_n", "-"))' "$j")
	[ "$1" = xfs ] && [ "$2" != - ] || continue
	want=$(( $2 == 0 ? 0 : 4 ))
	xz -dc "$fix/$name.img.xz" > "$d/$name.img" || { ok 1 "$name: unpack"; continue; }
	# an external log (NAME.log beside NAME.img) is given with -l, as to xfs_repair
	logopt=
	if [ -f "$fix/$name.log.xz" ]; then
		xz -dc "$fix/$name.log.xz" > "$d/$name.log" || { ok 1 "$name: unpack its log"; continue; }
		logopt="-l $d/$name.log"
	fi
	h=$(b2sum < "$d/$name.img")
	"$FSIMG" fsck $logopt "$d/$name.img" > "$d/$name.out" 2> "$d/$name.err"
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
	# (the damage picks inodes from the internal log's listing)
	[ -n "$logopt" ] || damage "$name"
	[ "$name" = xh-4k-rmap-intent ] && external "$name"
	rm -f "$d/$name.img" "$d/$name.log"
done
done_testing
