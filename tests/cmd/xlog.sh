#!/bin/sh
# The XFS log (libfsimg/xlog through tests/xfs/xlogdump) on crash images made
# by the real-kernel harness (tests/crash/run.sh -F xfs; the run's meta.json
# next to each image). Oracle: xfs_logprint -t, captured when the fixtures
# were made (tests/xfs/xlog/*.logprint and *.ends) and rerun live when
# xfs_logprint is installed: head and tail blocks, clean or dirty, and every
# transaction (LSN, tid, item count) and item (buffers: daddr, length, flags;
# inodes: number, fields, data size; icreate: AG, block, length, count,
# inode size, generation; intents by type), normalised by
# tests/xfs/xlog/norm.awk. Then the recovery plan applied to a copy against
# the kernel's own recovery of the same image (tests/xfs/xlog/*.kernel: a
# digest of every sector the kernel changed, made by kernelcmp.py from the
# harness's kernel.img; *.replay: the recorded outcome. v5-rmap-reflink-meta
# includes the mount's freeing of the inodes left on the AGI unlinked lists,
# their rmap records removed on this rmapbt + reflink filesystem). The crash
# image must not change. Then bad input: a log cut to garbage must give a
# clear error (exit 8), never a crash.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 xfs_db
LC_ALL=C; export LC_ALL
DUMP=$top_builddir/tests/xfs/xlogdump
D=$top_srcdir/tests/xfs/xlog
[ -x "$DUMP" ] || skip_all "tests/xfs/xlogdump not built"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
names="v5-4k-fsync v4-1k-mixed v5-rmap-reflink-meta"
plan 24
for n in $names; do
	xz -dc "$D/$n.img.xz" > "$t/$n.img" || exit 1
	"$DUMP" "$t/$n.img" trans > "$t/$n.out" 2> "$t/$n.err"
	st=$?
	read -r tail head state < "$D/$n.ends"
	state=$(echo "$state" | tr 'A-Z' 'a-z')
	got=$(sed -n 's,^tail [0-9]*/\([0-9]*\) head [0-9]*/\([0-9]*\) \([a-z]*\).*,\1 \2 \3,p' "$t/$n.out")
	[ $st -eq 0 ] && [ "$got" = "$tail $head $state" ]
	ok $? "$n: tail, head and state as xfs_logprint ($tail $head $state; got $got)"
	awk -v src=xlogdump -f "$D/norm.awk" "$t/$n.out" > "$t/$n.norm"
	cmp -s "$t/$n.norm" "$D/$n.logprint"
	ok $? "$n: $(grep -c '^T' "$D/$n.logprint") transactions, $(grep -vc '^T' "$D/$n.logprint") items as xfs_logprint -t"
	[ $st -ne 0 ] || diff "$t/$n.norm" "$D/$n.logprint" | head -5 | sed 's/^/# /'
done
if command -v xfs_logprint >/dev/null 2>&1; then
	n=v5-rmap-reflink-meta
	xfs_logprint -t "$t/$n.img" 2>/dev/null | awk -v src=logprint -f "$D/norm.awk" > "$t/live"
	cmp -s "$t/$n.norm" "$t/live"
	ok $? "$n: the installed xfs_logprint -t agrees"
else
	skip "xfs_logprint not installed"
fi
for n in $names; do
	img=$t/$n.img
	sum=$(b2sum < "$img" 2>/dev/null || cksum < "$img")
	g="$(sed -n 's/^log internal daddr \([0-9]*\) length \([0-9]*\)$/\1 \2/p' "$t/$n.out") $(xfs_db -r -c 'sb 0' -c 'p agblocks' -c 'p blocksize' -c 'p agcount' -c 'p inodesize' "$img" | sed 's/.*= //' | tr '\n' ' ')"
	cp --sparse=always "$img" "$t/rep.img"
	"$DUMP" "$img" apply "$t/rep.img" 2> "$t/apply.err"
	st=$?
	python3 "$D/kernelcmp.py" check "$img" "$t/rep.img" "$D/$n.kernel" $g > "$t/cmp" 2>&1
	[ $st -eq 0 ] && [ "$(head -1 "$t/cmp")" = "$(cat "$D/$n.replay")" ] &&
		[ "$sum" = "$(b2sum < "$img" 2>/dev/null || cksum < "$img")" ]
	ok $? "$n: plan applied vs the kernel's recovery: $(head -1 "$t/cmp")"
	rm -f "$t/rep.img"
done
# The plan on the crash image: its unlinked inodes freed by the mount's finish (nothing
# pending), writes listed.
"$DUMP" "$t/v5-rmap-reflink-meta.img" plan > "$t/plan" 2> "$t/plan.err"
[ $? -eq 0 ] && ! grep -q '^pending' "$t/plan" && grep -q '^write ' "$t/plan"
ok $? "plan: writes, and the inodes left on the AGI unlinked lists freed (nothing pending)"
# Bad input: the log's records overwritten by a pattern, and a log of zeros.
n=v5-4k-fsync
daddr=$(sed -n 's/^log internal daddr \([0-9]*\) .*/\1/p' "$t/$n.out")
cp "$t/$n.img" "$t/bad.img"
printf 'XXXXXXXXXXXXXXXX%.0s' $(seq 1 256) | dd of="$t/bad.img" bs=512 seek=$((daddr + 3)) conv=notrunc 2>/dev/null
"$DUMP" "$t/bad.img" trans > /dev/null 2> "$t/bad.err"
st=$?
[ $st -eq 8 ] && [ -s "$t/bad.err" ]
ok $? "garbage inside the log: exit 8 with a reason ($(head -1 "$t/bad.err"))"
# A torn write: a byte of the last record's data changed. As the kernel's
# xlog_verify_head, the CRC pass over the last 8 records cuts the head at the
# first bad record, whose header block becomes the head, and the record before
# it the last; one transaction fewer is listed.
n=v5-4k-fsync
d=$(sed -n 's/^log internal daddr \([0-9]*\) .*/\1/p' "$t/$n.out")
last=$(sed -n 's/^last-record \([0-9]*\) .*/\1/p' "$t/$n.out")
head=$(sed -n 's,^tail [0-9]*/[0-9]* head [0-9]*/\([0-9]*\) .*,\1,p' "$t/$n.out")
cp --sparse=always "$t/$n.img" "$t/bad.img"
printf Z | dd of="$t/bad.img" bs=1 seek=$(( (d + last + 1) * 512 + 100 )) conv=notrunc 2>/dev/null
"$DUMP" "$t/bad.img" trans > "$t/torn.out" 2>&1
grep -q "head 1/$last dirty torn-write-cut-from $head\$" "$t/torn.out" &&
	[ $(grep -c '^trans ' "$t/torn.out") -eq $(( $(grep -c '^trans ' "$t/$n.out") - 1 )) ]
ok $? "torn write in the record at $last: head cut from $head to $last, one transaction fewer"
# Lies in headers and items (tests/xfs/xlog/badlog.py): on v4, where a record
# CRC mismatch is tolerated as the kernel does, the damage reaches the record,
# op and item parsers; on v5 the CRC stops it first.
while read -r n kind want; do
	d=$(sed -n 's/^log internal daddr \([0-9]*\) .*/\1/p' "$t/$n.out")
	cp --sparse=always "$t/$n.img" "$t/bad.img"
	python3 "$D/badlog.py" "$t/bad.img" "$d" "$kind"
	"$DUMP" "$t/bad.img" plan > /dev/null 2> "$t/bad.err"
	st=$?
	[ $st -eq 8 ] && grep -q "$want" "$t/bad.err"
	ok $? "$n $kind: exit 8, $(head -1 "$t/bad.err")"
done <<EOT
v4-1k-mixed hlen record length 2147483647 outside
v4-1k-mixed hsize iclog size 16777216 over 256 KiB
v4-1k-mixed oplen op of 2147483647 bytes overruns the record
v4-1k-mixed bitmap bitmap of 65535 words overruns its region
v4-1k-mixed regions bad number of regions (65535)
v4-1k-mixed oneblock log of 1 blocks, below the minimum
v5-4k-fsync oplen CRC mismatch
v5-4k-fsync oneblock log of 1 blocks, below the minimum
EOT
# An external log device (mkfs.xfs -l logdev): found on the second device,
# head and tail as xfs_logprint -l; refused with a reason without it.
if command -v mkfs.xfs >/dev/null 2>&1 && command -v xfs_logprint >/dev/null 2>&1; then
	rm -f "$t/ext.img" "$t/ext.log"
	truncate -s 320M "$t/ext.img" && truncate -s 70M "$t/ext.log" &&
		mkfs.xfs -q -f -l logdev="$t/ext.log",size=64m "$t/ext.img" >/dev/null 2>&1
	"$DUMP" "$t/ext.img" "$t/ext.log" trans > "$t/ext.out" 2>&1
	want=$(xfs_logprint -l "$t/ext.log" -t "$t/ext.img" 2>/dev/null |
		sed -n 's/^ *log tail: \([0-9]*\) head: \([0-9]*\) state: <\(.*\)>.*/tail \1 head \2 \3/p' | tr 'A-Z' 'a-z')
	got=$(sed -n 's,^tail [0-9]*/\([0-9]*\) head [0-9]*/\([0-9]*\) \([a-z]*\).*,tail \1 head \2 \3,p' "$t/ext.out")
	grep -q '^log external daddr 0 length 131072$' "$t/ext.out" && [ -n "$want" ] && [ "$got" = "$want" ]
	ok $? "external log device: $got as xfs_logprint -l"
	"$DUMP" "$t/ext.img" ends > /dev/null 2> "$t/ext.err"
	[ $? -eq 8 ] && grep -q 'give the log device' "$t/ext.err"
	ok $? "external log without its device: $(cat "$t/ext.err")"
	rm -f "$t/ext.img" "$t/ext.log"
else
	skip "mkfs.xfs or xfs_logprint not installed"
	skip "mkfs.xfs or xfs_logprint not installed"
fi
n=v5-4k-fsync
cp --sparse=always "$t/$n.img" "$t/bad.img"
dd if=/dev/zero of="$t/bad.img" bs=512 seek="$daddr" count=$(sed -n 's/^log .* length \([0-9]*\)$/\1/p' "$t/$n.out") conv=notrunc 2>/dev/null
"$DUMP" "$t/bad.img" ends > "$t/zero.out" 2>&1
grep -q 'clean zeroed' "$t/zero.out"
ok $? "a zeroed log reads as never written"
done_testing
