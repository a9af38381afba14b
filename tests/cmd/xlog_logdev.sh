#!/bin/sh
# An XFS filesystem whose log is on a device of its own (mkfs.xfs -l
# logdev=), crashed by a real kernel (tests/crash/fixtures/xl-4k-logdev,
# made by tests/crash/run.sh --logdev): `info -l LOGDEV` reads the log and
# says its state, head and tail as xfs_logprint -t does, and "unknown"
# without it; `replay -l LOGDEV -o OUT --log-out LOGOUT` writes the
# recovered filesystem to OUT and its log, made clean, to LOGOUT (IMAGE and
# LOGDEV untouched): xfs_logprint -t finds LOGOUT clean with the head at the
# tail, xfs_repair -n -l LOGOUT OUT exits 0 and says nothing about the log,
# and xfs_db reads in OUT every inode the kernel's recovery left (modes and
# sizes in the fixture's summary of the kernel's result; its blocks are
# checked by tests/cmd/crash_fixtures.sh). --in-place writes the same bytes
# to both devices, each with an undo file that fsimg undo applies; after a
# write failure (src/fsimg-hooks) a re-run completes it, and the undo files
# restore both devices.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 b2sum xfs_logprint xfs_repair xfs_db
LC_ALL=C; export LC_ALL
: "${FSIMG_HOOKS:?run through make check}"
fix=$top_srcdir/tests/crash/fixtures/xl-4k-logdev
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 28
xz -dc "$fix.img.xz" > "$t/c.img" && xz -dc "$fix.log.xz" > "$t/c.log" || exit 1
img=$t/c.img log=$t/c.log
isum=$(b2sum < "$img") lsum=$(b2sum < "$log")

# ends LOG IMG: "tail HEAD state" as xfs_logprint -t says them
ends() {
	xfs_logprint -t -l "$1" "$2" 2>/dev/null |
		sed -n 's/.*log tail: \([0-9]*\) head: \([0-9]*\) state: <\([A-Z]*\)>.*/\1 \2 \3/p'
}
# fsimg_ends LOG IMG: the same from fsimg info -l (blocks of cycle 1)
fsimg_ends() {
	"$FSIMG" info -l "$1" "$2" 2>/dev/null | awk '
		/^Log tail:/ { tail = $NF } /^Log head:/ { head = $NF }
		/^Log:/ { state = toupper($NF) } END { print tail, head, state }'
}

# --- info
"$FSIMG" info "$img" > "$t/i0" 2> "$t/e0"
grep -q '^Needs recovery: *unknown$' "$t/i0" && grep -q '^Log: *external (16384 blocks), not read' "$t/i0" &&
	! grep -q '^Log head:' "$t/i0"
ok $? "info without -l: the external log not read, Needs recovery: unknown"
"$FSIMG" info --json "$img" 2>/dev/null |
	python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["log"]
sys.exit(not (d["needs_recovery"] is None and l["state"] is None and l["head"] is None and not l["internal"]))'
ok $? "info --json without -l: needs_recovery and the log's state null"
[ "$(fsimg_ends "$log" "$img")" = "$(ends "$log" "$img")" ] && [ "$(ends "$log" "$img")" = "2 166 DIRTY" ]
ok $? "info -l: tail, head and dirty as xfs_logprint -t says them ($(ends "$log" "$img"))"
"$FSIMG" info -l "$log" "$img" 2>/dev/null | grep -q '^Needs recovery: *yes$'
ok $? "info -l: Needs recovery: yes"
"$FSIMG" info --json -j "$log" "$img" > "$t/i.json" 2>/dev/null &&
	python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["log"]
sys.exit(not (d["needs_recovery"] is True and l["state"] == "dirty" and l["head"] == {"cycle": 1, "block": 166}
	and l["tail"] == {"cycle": 1, "block": 2}))' < "$t/i.json"
ok $? "info --json -j LOGDEV: dirty, head and tail"
python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-info.1" info "$t/i.json"
ok $? "info --json -l: conforms to fsimg-info(1)'s schema"
"$FSIMG" info --json "$img" 2>/dev/null > "$t/i0.json" &&
	python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-info.1" info "$t/i0.json"
ok $? "info --json without -l: conforms to fsimg-info(1)'s schema"

# --- replay -o
"$FSIMG" replay -l "$log" -o "$t/o.img" "$img" > /dev/null 2> "$t/err"
[ $? -eq 16 ] && [ ! -e "$t/o.img" ] && grep -q 'give --log-out LOGOUT' "$t/err"
ok $? "replay -l -o without --log-out: a usage error (16), nothing written"
"$FSIMG" replay --log-out "$t/o.log" -o "$t/o.img" "$img" > /dev/null 2>&1
[ $? -eq 16 ] && [ ! -e "$t/o.img" ] && [ ! -e "$t/o.log" ]
ok $? "replay --log-out without -l: a usage error (16)"
"$FSIMG" replay -n -l "$log" "$img" > "$t/plan" 2>&1 &&
	grep -q '(daddr 166 of the log device): the log made clean' "$t/plan" &&
	grep -q "^  the log device .*: [0-9]* sectors written" "$t/plan"
ok $? "replay -n -l: the clean log's writes to the log device listed"
"$FSIMG" replay -l "$log" -o "$t/o.img" --log-out "$t/o.log" "$img" > "$t/out" 2>&1
ok $? "replay -l LOGDEV -o OUT --log-out LOGOUT"
[ "$(ends "$t/o.log" "$t/o.img")" = "168 168 CLEAN" ]
ok $? "xfs_logprint -t: LOGOUT clean, head at the tail ($(ends "$t/o.log" "$t/o.img"))"
xfs_repair -n -l "$t/o.log" "$t/o.img" > "$t/repair" 2>&1 &&
	! grep -v -e '^Phase 2 - using external log' -e '- zero log\.\.\.' "$t/repair" | grep -qi -e log -e lsn -e alert
ok $? "xfs_repair -n -l LOGOUT OUT: exit 0, nothing about the log"
# every inode of the kernel's result: its mode and size, read by xfs_db from OUT
python3 -c 'import json,sys
k = json.load(open(sys.argv[1]))["kernel"]
for ino, m, s in sorted({(v["inode"], v["mode"], v["size"]) for v in k.values()}):
    print(ino, m, s)' "$fix.json" > "$t/want"
while read -r ino mode size; do
	xfs_db -r -l "$t/o.log" -c "inode $ino" -c "p core.mode" -c "p core.size" "$t/o.img" 2>/dev/null |
		sed 's/.* = //' | tr '\n' ' ' | { read -r m s; printf '%s %d %s\n' "$ino" "$m" "$s"; }
done < "$t/want" > "$t/got"
cmp -s "$t/want" "$t/got"
ok $? "xfs_db -l LOGOUT on OUT: the $(wc -l < "$t/want") inodes of the kernel's recovery, modes and sizes"
[ "$(fsimg_ends "$t/o.log" "$t/o.img")" = "168 168 CLEAN" ] &&
	"$FSIMG" info -l "$t/o.log" "$t/o.img" 2>/dev/null | grep -q '^Needs recovery: *no$' &&
	"$FSIMG" replay -l "$t/o.log" -o "$t/o2.img" "$t/o.img" 2>/dev/null | grep -q 'nothing to replay' &&
	[ ! -e "$t/o2.img" ]
ok $? "info -l LOGOUT OUT: clean, no recovery needed; replay: nothing to replay"
touch "$t/x.log"
"$FSIMG" replay -l "$log" -o "$t/x.img" --log-out "$t/x.log" "$img" > /dev/null 2>&1
st1=$?
"$FSIMG" replay -l "$log" -o "$t/x.img" --log-out "$log" -f "$img" > /dev/null 2>&1
st2=$?
[ $st1 -eq 8 ] && [ $st2 -eq 16 ] && [ ! -e "$t/x.img" ] && [ ! -s "$t/x.log" ]
ok $? "replay -o: an existing LOGOUT without -f, or LOGOUT being LOGDEV, refused before OUT is written"
[ "$(b2sum < "$img")" = "$isum" ] && [ "$(b2sum < "$log")" = "$lsum" ]
ok $? "IMAGE and LOGDEV unchanged"

# --- replay --in-place, with an undo file for each device
cp --sparse=always "$img" "$t/p.img" && cp --sparse=always "$log" "$t/p.log"
"$FSIMG" replay -l "$t/p.log" --in-place "$t/p.img" > /dev/null 2>&1 &&
	cmp -s "$t/p.img" "$t/o.img" && cmp -s "$t/p.log" "$t/o.log" &&
	[ -s "$t/p.img.fsimg-undo" ] && [ -s "$t/p.log.fsimg-undo" ]
ok $? "replay -l --in-place: both devices as -o and --log-out write them, an undo file each"
"$FSIMG" undo "$t/p.img.fsimg-undo" "$t/p.log" > /dev/null 2>&1
[ $? -eq 8 ] && cmp -s "$t/p.log" "$t/o.log"
ok $? "undo refuses the data device's undo file on the log device"
"$FSIMG" undo "$t/p.log.fsimg-undo" "$t/p.log" > /dev/null 2>&1 &&
	"$FSIMG" undo "$t/p.img.fsimg-undo" "$t/p.img" > /dev/null 2>&1 &&
	[ "$(b2sum < "$t/p.img")" = "$isum" ] && [ "$(b2sum < "$t/p.log")" = "$lsum" ]
ok $? "fsimg undo restores both devices byte for byte"
rm -f "$t"/p.*
cp --sparse=always "$img" "$t/p.img" && cp --sparse=always "$log" "$t/p.log"
"$FSIMG" replay -l "$t/p.log" --in-place --undo "$t/u1" --log-undo "$t/u2" "$t/p.img" > /dev/null 2>&1 &&
	[ -s "$t/u1" ] && [ -s "$t/u2" ] && [ ! -e "$t/p.log.fsimg-undo" ] && cmp -s "$t/p.log" "$t/o.log"
ok $? "replay --in-place --undo U1 --log-undo U2: the undo files where named"
rm -f "$t"/p.* "$t/u1" "$t/u2"
cp --sparse=always "$img" "$t/p.img" && cp --sparse=always "$log" "$t/p.log" && : > "$t/p.log.fsimg-undo"
"$FSIMG" replay -l "$t/p.log" --in-place "$t/p.img" > /dev/null 2>&1
st1=$?
"$FSIMG" replay -l "$t/p.log" --in-place --undo "$t/u1" --log-undo "$t/u1" "$t/p.img" > /dev/null 2>&1
st2=$?
[ $st1 -eq 8 ] && [ $st2 -eq 16 ] && [ ! -e "$t/p.img.fsimg-undo" ] && [ ! -e "$t/u1" ] &&
	[ "$(b2sum < "$t/p.img")" = "$isum" ] && [ "$(b2sum < "$t/p.log")" = "$lsum" ]
ok $? "replay -l --in-place: a log undo file that exists, or is the filesystem's, refused before anything is written"
# a write failure in the filesystem's blocks (48), in the log's stale blocks, between the two
# sectors of its unmount record: a re-run completes both devices to -o's bytes, and the undo
# files (newest first) restore both byte for byte
for k in 10 100 4143; do
	rm -f "$t"/p.* "$t"/u* "$t"/l*
	cp --sparse=always "$img" "$t/p.img" && cp --sparse=always "$log" "$t/p.log"
	FSIMG_TEST_FAIL_AFTER_WRITES=$k "$FSIMG_HOOKS" replay -l "$t/p.log" --in-place --undo "$t/u1" \
		--log-undo "$t/l1" "$t/p.img" > /dev/null 2>&1
	r1=$?
	"$FSIMG" replay -l "$t/p.log" --in-place --undo "$t/u2" --log-undo "$t/l2" "$t/p.img" > /dev/null 2>&1 &&
		[ $r1 -eq 8 ] && cmp -s "$t/p.img" "$t/o.img" && cmp -s "$t/p.log" "$t/o.log"
	ok $? "replay -l --in-place, a write failure after $k writes: a re-run completes both devices"
	for u in u2 l2 u1 l1; do
		[ ! -e "$t/$u" ] && continue
		case $u in u*) dev=$t/p.img ;; *) dev=$t/p.log ;; esac
		"$FSIMG" undo "$t/$u" "$dev" > /dev/null 2>&1 || echo "undo $u failed"
	done > "$t/undo.out"
	[ ! -s "$t/undo.out" ] && [ "$(b2sum < "$t/p.img")" = "$isum" ] && [ "$(b2sum < "$t/p.log")" = "$lsum" ]
	ok $? "replay -l --in-place, a write failure after $k writes: the undo files restore both devices"
done
