#!/bin/sh
# What a user sees when fsimg replay refuses an XFS log (src/replay_log.c,
# fsimg_recovery_pending_why): one line on stderr that says nothing was
# written, which inode or intent fsimg cannot finish as the kernel's mount
# does, and why; then each thing pending, one a line (the crash harness
# counts them, tests/crash/xfscmp.py). Exit 4, as fsck(8) for errors left
# uncorrected (fsimg-replay(1)); -n says the same and exits the same; fsck
# and info say the view is the log replayed with what stays pending, and
# their --json carries the reason ("refusal"). The crash fixture
# xh-4k-wsync-meta (Linux 6.1) with AG 1's AGI stamped with the log's head
# (1:436: recovery leaves it, the kernel's xfs_log_check_lsn passes it), its bucket 4 naming an unlinked inode and its inobt
# root a block that is none (as tests/cmd/xlog_replay.sh builds it): the
# finish refuses at that inode. The fixture as it is agrees with the
# kernel's recovery (tests/cmd/crash_fixtures.sh): nothing refused there.
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db python3
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-wsync-meta.img.xz" > "$t/ok.img" || exit 1
cp --sparse=always "$t/ok.img" "$t/r.img"
xfs_db -x -c 'agi 1' -c 'write lsn 0x1000001b4' -c 'write unlinked[4] 132' -c 'write root 4' \
	"$t/r.img" > /dev/null 2>&1
sum0=$(sha256sum < "$t/r.img")
who='unlinked inode 262276 (ag 1 bucket 4)'
why='AG 1: inobt block 4 is not what its parent says'

"$FSIMG" replay -o "$t/out.img" "$t/r.img" > "$t/o" 2> "$t/e"
st=$?
head -1 "$t/e" | grep -q "refusing to replay, nothing written (IMAGE untouched.*): 2 things left pending for the kernel's mount; fsimg cannot finish $who: $why\$" &&
	[ $st -eq 4 ] && [ ! -e "$t/out.img" ] && [ "$(sha256sum < "$t/r.img")" = "$sum0" ] && [ ! -s "$t/o" ]
ok $? "replay -o: exit 4 ($st), the first line says nothing written, which inode and why; no OUT, IMAGE unchanged"
[ "$(grep -c '^fsimg: .*:   pending: ' "$t/e")" -eq 2 ] && grep -q "  pending: $who: $why\$" "$t/e" &&
	grep -q '  pending: unlinked inode 786562 (ag 3 bucket 2)$' "$t/e"
ok $? "replay -o: then each thing pending, one a line, the refused one with its reason"

"$FSIMG" replay -v -o "$t/out.img" "$t/r.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && ! grep -qv '^finish path ' "$t/o" && head -1 "$t/e" | grep -q "fsimg cannot finish $who: $why\$" &&
	[ ! -e "$t/out.img" ]
ok $? "replay -v -o: the refusal with its reason first on stderr (stdout: finish paths only), exit 4 ($st)"

"$FSIMG" replay --in-place "$t/r.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && head -1 "$t/e" | grep -q "refusing to replay, nothing written.*fsimg cannot finish $who: $why\$" &&
	[ ! -e "$t/r.img.fsimg-undo" ] && [ "$(sha256sum < "$t/r.img")" = "$sum0" ]
ok $? "replay --in-place: the same refusal, exit 4 ($st), IMAGE unchanged, no undo file"

"$FSIMG" replay -n "$t/r.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 4 ] && [ "$(tail -1 "$t/o")" = "Refused: replay would write nothing: 2 things left pending for the kernel's mount; fsimg cannot finish $who: $why" ]
ok $? "replay -n: the plan ends with the refusal and its reason, exit 4 ($st)"

for c in fsck info; do
	"$FSIMG" $c "$t/r.img" > /dev/null 2> "$t/e"
	grep -q "warning: showing the log replayed, not the filesystem as the kernel's mount leaves it (fsimg replay refuses it): 2 things left pending for the kernel's mount; fsimg cannot finish $who: $why\$" "$t/e"
	ok $? "$c: says the view is the log replayed, what stays pending and why"
	"$FSIMG" $c --json "$t/r.img" 2> /dev/null | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())["replayed"]["refusal"]
sys.exit(r != {"pending": 2, "item": sys.argv[1], "index": 0, "why": sys.argv[2]})' "$who" "$why"
	ok $? "$c --json: \"refusal\" names the inode and the reason"
done

# With things pending the view's log is the crashed one, dirty (fsimg_fs_open_recovered marks
# a view clean only when nothing is pending): its unlinked inodes are pending crash items,
# not buckets a clean log would have emptied (XFS_AGI_UNLINKED).
"$FSIMG" fsck "$t/r.img" > "$t/o" 2>&1
! grep -q 'XFS_AGI_UNLINKED' "$t/o" && grep -q 'XFS_UNLINKED_LIST: AG 1 unlinked bucket 4' "$t/o"
ok $? "fsck: the pending unlinked inodes are not reported as buckets a clean log would have emptied"

# The fixture as it is: replayed, nothing refused, exit 0.
"$FSIMG" replay -n "$t/ok.img" > "$t/o" 2> "$t/e"
st=$?
[ $st -eq 0 ] && ! grep -q 'Refused\|pending' "$t/o" "$t/e"
ok $? "an image the replay finishes: replay -n exit 0 ($st), nothing refused"
"$FSIMG" info --json "$t/ok.img" 2> "$t/e" | python3 -c '
import json, sys
sys.exit(json.loads(sys.stdin.readline())["replayed"]["refusal"] is not None)' && ! grep -q 'warning' "$t/e"
ok $? "an image the replay finishes: info --json \"refusal\" null, no warning"
"$FSIMG" replay -o "$t/out.img" "$t/ok.img" > /dev/null 2>&1
ok $? "an image the replay finishes: replay -o exit 0"

# The other exit statuses: 8, an operational error; 16, a usage error.
"$FSIMG" replay -n "$t/none.img" > /dev/null 2>&1
st=$?
[ $st -eq 8 ]
ok $? "replay of a missing image: exit 8 ($st)"
"$FSIMG" replay "$t/ok.img" > /dev/null 2>&1
st=$?
[ $st -eq 16 ]
ok $? "replay without -o, --in-place or -n: exit 16 ($st)"
rm -rf "$t"
done_testing
