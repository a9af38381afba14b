#!/bin/sh
# `fsimg journal` on XFS: the log's listing against xfs_logprint -t as the
# oracle. On the kernel-written crash images (tests/xfs/xlog, and the crash
# fixture tests/crash/fixtures/xfs-fsync), --json normalised by
# tests/xfs/xlog/jsonnorm.py must give the same lines as xfs_logprint -t
# normalised by norm.awk (every transaction's LSN, tid and item count, and
# every item: buffers' daddr, length and flags; inodes' number, fields and
# data size; icreate's AG, block, length, count, size and generation; the
# others by type): against the outputs captured with the fixtures
# (*.logprint, *.ends) and against the installed xfs_logprint. The text
# listing holds the same transactions; the JSON conforms to the man page's
# schema. Fresh images made by mkfs.xfs -p (v5, v4, 1 KiB blocks, an
# external log device through -l LOGDEV) have a clean log with head and tail
# as xfs_logprint says. Bad input: an item of no XFS_LI_* type, a record
# whose CRC fails, a log below the minimum size: exit 8 with the reason,
# and the image never changes.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3
LC_ALL=C; export LC_ALL
D=$top_srcdir/tests/xfs/xlog
DUMP=$top_builddir/tests/xfs/xlogdump
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
names="v5-4k-fsync v4-1k-mixed v5-rmap-reflink-meta"
plan $((33 + $(ls "$D"/*.logcut.xz | wc -l)))
have_lp=false
command -v xfs_logprint > /dev/null 2>&1 && have_lp=true
norm() { python3 "$D/jsonnorm.py" "$@"; }
lpnorm() { xfs_logprint -t "$@" 2>/dev/null | awk -v src=logprint -f "$D/norm.awk"; }
for n in $names; do
	xz -dc "$D/$n.img.xz" > "$t/$n.img" || exit 1
	sum=$(cksum < "$t/$n.img")
	"$FSIMG" journal --json "$t/$n.img" > "$t/$n.json" 2> "$t/$n.err"
	st=$?
	norm --ends < "$t/$n.json" > "$t/$n.ends"
	norm < "$t/$n.json" > "$t/$n.norm"
	[ $st -eq 0 ] && cmp -s "$t/$n.ends" "$D/$n.ends" && cmp -s "$t/$n.norm" "$D/$n.logprint"
	ok $? "$n: tail, head, state ($(cat "$t/$n.ends")) and $(grep -c '^T' "$t/$n.norm") transactions, $(grep -vc '^T' "$t/$n.norm") items as xfs_logprint -t"
	[ $st -ne 0 ] && sed 's/^/# /' "$t/$n.err"
	"$FSIMG" journal "$t/$n.img" > "$t/$n.txt" 2>&1
	[ $? -eq 0 ] && [ "$(grep -c '^transaction ' "$t/$n.txt")" = "$(grep -c '^T' "$t/$n.norm")" ] &&
		grep -q '^Log state: *dirty' "$t/$n.txt" && [ "$sum" = "$(cksum < "$t/$n.img")" ]
	ok $? "$n: the text listing has the same transactions, says dirty, the image is unchanged"
	"$FSIMG" journal -v --json "$t/$n.img" > "$t/$n.vjson"
	python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-journal.1" journal "$t/$n.json" 2> "$t/why" &&
		python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-journal.1" journal "$t/$n.vjson" 2>> "$t/why" &&
		[ "$(jq -c 'select(.record=="transaction") | .items[] | select(.type=="buf") | [.dirty_chunks, ([.dirty[].len] | add / 128)]' "$t/$n.vjson" | awk -F'[][,]' '$2 != $3' | wc -l)" -eq 0 ]
	ok $? "$n: --json and -v --json conform to fsimg-journal(1)'s schema, -v's dirty ranges cover the dirty chunks$(head -1 "$t/why" | sed 's/^/: /')"
done
# Cut fixtures (tests/xfs/xlog/*.logcut.xz, cutlog.py: the superblock and
# the whole log of a harness image, and with a NAME.kernel digest also what
# recovery reads): the listing against the xfs_logprint -t output captured
# on the whole image, and against the installed xfs_logprint on the cut one.
# Where xfs_logprint 6.1 fails (NAME.logprint-fails holds its message: a
# record whose extended header is split by the log's end), what it listed
# before failing must begin the listing, it must fail the same way live,
# and the kernel is the oracle: the recovery plan read from the same parse
# (tests/xfs/xlogdump apply) must write exactly the sectors the kernel's
# recovery changed (kernelcmp.py check against NAME.kernel, NAME.replay).
# tests/xfs/xlog/RESULTS.md says what each fixture covers.
for x in "$D"/*.logcut.xz; do
	n=$(basename "$x" .logcut.xz)
	xz -dc "$x" > "$t/cut.img" || exit 1
	"$FSIMG" journal --json "$t/cut.img" > "$t/cut.json" 2> "$t/cut.err"
	st=$?
	norm < "$t/cut.json" > "$t/cut.norm"
	lpnorm "$t/cut.img" > "$t/cut.live" 2>/dev/null
	fails=
	[ ! -e "$D/$n.logprint-fails" ] || fails=$(cat "$D/$n.logprint-fails")
	if [ -z "$fails" ]; then
		cmp -s "$t/cut.norm" "$D/$n.logprint" && { ! $have_lp || cmp -s "$t/cut.live" "$t/cut.norm"; }
	else
		head -n "$(wc -l < "$D/$n.logprint")" "$t/cut.norm" | cmp -s - "$D/$n.logprint" &&
			{ ! $have_lp || { cmp -s "$t/cut.live" "$D/$n.logprint" &&
				xfs_logprint -t "$t/cut.img" 2>&1 >/dev/null | grep -qF "$fails"; }; }
	fi
	same=$?
	kern=
	if [ $same -eq 0 ] && [ -e "$D/$n.kernel" ]; then
		g="$(jq -r 'select(.record=="log") | "\(.daddr) \(.basic_blocks)"' "$t/cut.json") $(python3 -c '
import struct, sys
sb = open(sys.argv[1], "rb").read(512)
print(*struct.unpack(">I", sb[84:88]), *struct.unpack(">I", sb[4:8]), *struct.unpack(">I", sb[88:92]), *struct.unpack(">H", sb[104:106]))' "$t/cut.img")"
		cp --sparse=always "$t/cut.img" "$t/rep.img"
		"$DUMP" "$t/cut.img" apply "$t/rep.img" 2> "$t/apply.err"
		kern=$(python3 "$D/kernelcmp.py" check "$t/cut.img" "$t/rep.img" "$D/$n.kernel" $g 2>&1 | head -1)
		[ "$kern" = "$(cat "$D/$n.replay")" ] || same=1
		kern="; plan vs the kernel: $kern"
		rm -f "$t/rep.img"
	fi
	[ $st -eq 0 ] && [ "$(norm --ends < "$t/cut.json")" = "$(cat "$D/$n.ends")" ] && [ $same -eq 0 ]
	ok $? "$n: ends ($(cat "$D/$n.ends")), $(grep -c '^T' "$t/cut.norm") transactions, $(grep -vc '^T' "$t/cut.norm") items ($(jq -r 'select(.record=="end") | "\(.header_sectors) header sectors, iclog \(.iclog_size)"' "$t/cut.json"))${fails:+; xfs_logprint -t lists the first $(grep -c '^T' "$D/$n.logprint") and fails: $fails}$kern"
done
# The fs blocks said for buffers and icreate chunks, against xfs_db's
# convert (daddr -> fsblock; agno/agbno -> daddr), on the 4-AG images.
for n in v5-rmap-reflink-meta v4-1k-mixed; do
	if ! command -v xfs_db > /dev/null 2>&1; then
		skip "xfs_db not installed"
		continue
	fi
	jq -r 'select(.record=="transaction") | .items[] | select(.daddr != null) |
		if .type == "icreate" then "c \(.agno) \(.agbno) \(.daddr)" else "b \(.daddr) \(.fs_block)" end' \
		"$t/$n.json" | sort -u | head -40 > "$t/conv"
	: > "$t/conv.bad"
	while read -r k a b c; do
		if [ "$k" = b ]; then
			got=$(xfs_db -r -c "convert daddr $a fsblock" "$t/$n.img" | sed 's/.*(\([0-9]*\)).*/\1/')
			[ "$got" = "$b" ] || echo "daddr $a: fs block $b, xfs_db $got" >> "$t/conv.bad"
		else
			got=$(xfs_db -r -c "convert agno $a agbno $b daddr" "$t/$n.img" | sed 's/.*(\([0-9]*\)).*/\1/')
			[ "$got" = "$c" ] || echo "ag $a agbno $b: daddr $c, xfs_db $got" >> "$t/conv.bad"
		fi
	done < "$t/conv"
	[ -s "$t/conv" ] && [ ! -s "$t/conv.bad" ]
	ok $? "$n: $(wc -l < "$t/conv") buffers and icreate chunks: fs block and daddr as xfs_db convert$(head -1 "$t/conv.bad" | sed 's/^/: /')"
done
xz -dc "$top_srcdir/tests/crash/fixtures/xfs-fsync.img.xz" > "$t/cf.img" || exit 1
if $have_lp; then
	for n in $names; do
		lpnorm "$t/$n.img" > "$t/live"
		cmp -s "$t/$n.norm" "$t/live"
		ok $? "$n: the installed xfs_logprint -t agrees"
	done
	"$FSIMG" journal --json "$t/cf.img" | norm > "$t/cf.norm"
	lpnorm "$t/cf.img" > "$t/live"
	[ -s "$t/live" ] && cmp -s "$t/cf.norm" "$t/live"
	ok $? "crash fixture xfs-fsync: $(grep -c '^T' "$t/live") transactions, $(grep -vc '^T' "$t/live") items as xfs_logprint -t"
else
	for n in $names cf; do skip "xfs_logprint not installed"; done
fi

# Fresh images from mkfs.xfs -p: a clean log, no transactions, head and
# tail where xfs_logprint finds them.
mkdir -p "$t/src/d"
seq 1 3000 > "$t/src/d/nums"
printf 'hello\n' > "$t/src/a"
sh "$top_srcdir/tests/lib/xfsproto.sh" "$t/src" > "$t/proto"
fresh() { # NAME MKFS-OPTIONS...: the clean log of a fresh image against logprint
	_n=$1
	shift
	if ! command -v mkfs.xfs > /dev/null 2>&1 || ! $have_lp; then
		skip "mkfs.xfs or xfs_logprint not installed"
		return
	fi
	rm -f "$t/f.img"
	truncate -s 320M "$t/f.img"
	mkfs.xfs -q -f -p "$t/proto" "$@" "$t/f.img" > /dev/null 2>&1 || { ok 1 "$_n: mkfs.xfs $*"; return; }
	"$FSIMG" journal --json "$t/f.img" > "$t/f.json" 2> "$t/f.err"
	_st=$?
	_want=$(xfs_logprint -t "$t/f.img" 2>/dev/null |
		sed -n 's/^ *log tail: \([0-9]*\) head: \([0-9]*\) state: <\(.*\)>.*/\1 \2 \3/p')
	_got=$(norm --ends < "$t/f.json")
	[ $_st -eq 0 ] && [ -n "$_want" ] && [ "$_got" = "$_want" ] &&
		[ "$(jq -c 'select(.record=="end") | [.transactions, .pending_intents]' "$t/f.json")" = '[0,[]]' ]
	ok $? "$_n: clean log, tail head state '$_got' as xfs_logprint ('$_want'), no transactions"
}
fresh "fresh v5 4k" -b size=4096
fresh "fresh v4 1k" -m crc=0 -b size=1024
fresh "fresh v5, 32 KiB log stripe unit" -l su=32k
if command -v mkfs.xfs > /dev/null 2>&1 && $have_lp; then
	rm -f "$t/e.img" "$t/e.log"
	truncate -s 320M "$t/e.img" && truncate -s 70M "$t/e.log"
	mkfs.xfs -q -f -l logdev="$t/e.log",size=64m "$t/e.img" > /dev/null 2>&1
	"$FSIMG" journal -l "$t/e.log" --json "$t/e.img" > "$t/e.json" 2> "$t/e.err"
	st=$?
	want=$(xfs_logprint -l "$t/e.log" -t "$t/e.img" 2>/dev/null |
		sed -n 's/^ *log tail: \([0-9]*\) head: \([0-9]*\) state: <\(.*\)>.*/\1 \2 \3/p')
	[ $st -eq 0 ] && [ "$(norm --ends < "$t/e.json")" = "$want" ] &&
		[ "$(jq -r 'select(.record=="log") | "\(.external) \(.daddr) \(.basic_blocks)"' "$t/e.json")" = "$t/e.log 0 131072" ]
	ok $? "external log device through -l LOGDEV: $want as xfs_logprint -l"
	"$FSIMG" journal "$t/e.img" > /dev/null 2> "$t/e.err"
	[ $? -eq 8 ] && grep -q 'give the log device.*-l LOGDEV' "$t/e.err"
	ok $? "external log without -l: exit 8, $(cat "$t/e.err")"
else
	skip "mkfs.xfs or xfs_logprint not installed"
	skip "mkfs.xfs or xfs_logprint not installed"
fi
truncate -s 1M "$t/l"
"$FSIMG" journal -l "$t/l" "$t/v4-1k-mixed.img" > /dev/null 2> "$t/err"
[ $? -eq 8 ] && grep -q 'the log is internal' "$t/err"
ok $? "-l on an internal log: exit 8, $(cat "$t/err")"

# Bad input (tests/xfs/xlog/badlog.py damages the log in place).
bad() { # NAME KIND WANT
	cp --sparse=always "$t/$1.img" "$t/bad.img"
	_d=$(jq -r 'select(.record=="log") | .daddr' "$t/$1.json")
	python3 "$D/badlog.py" "$t/bad.img" "$_d" "$2"
	"$FSIMG" journal "$t/bad.img" > "$t/bad.out" 2> "$t/bad.err"
	_st=$?
	[ $_st -eq 8 ] && grep -q "$3" "$t/bad.err"
	ok $? "$1 $2: exit 8, $(head -1 "$t/bad.err" | sed "s,$t/,,")"
}
bad v4-1k-mixed itemtype 'log item of unknown type 0x1250 (not an XFS_LI_\* type)'
bad v4-1k-mixed regions 'bad number of regions'
bad v5-4k-fsync oplen 'CRC mismatch'
bad v5-4k-fsync oneblock 'log of 1 blocks, below the minimum'
bad v4-1k-mixed hlen 'record length 2147483647 outside'
# A torn write at the head: a byte of the last record's data changed. As the
# kernel's xlog_verify_head, the head is cut back to that record, which is
# no longer listed; --json keeps the original head in torn_block.
n=v5-4k-fsync
set -- $(jq -r 'select(.record=="log") | "\(.daddr) \(.last_record) \(.head_block)"' "$t/$n.json")
cp --sparse=always "$t/$n.img" "$t/bad.img"
printf Z | dd of="$t/bad.img" bs=1 seek=$((($1 + $2 + 1) * 512 + 100)) conv=notrunc 2>/dev/null
"$FSIMG" journal --json "$t/bad.img" > "$t/torn.json" 2> "$t/torn.err"
st=$?
"$FSIMG" journal "$t/bad.img" > "$t/torn.txt" 2>&1
[ $st -eq 0 ] && [ "$(jq -r 'select(.record=="log") | "\(.head_block) \(.torn_block)"' "$t/torn.json")" = "$2 $3" ] &&
	[ "$(jq -r 'select(.record=="end") | .transactions' "$t/torn.json")" -eq $(($(grep -c '^T' "$t/$n.norm") - 1)) ] &&
	grep -q "^Torn write: *the head was at block $3; cut to $2" "$t/torn.txt"
ok $? "torn write in the record at $2: head cut from $3 to $2, one transaction fewer, said in text and JSON"
# A transaction split across records: tests/xfs/xlog/splitrec.py cuts the
# tail record of v5-4k-fsync in two inside an op (XLOG_CONTINUE_TRANS,
# then XLOG_WAS_CONT_TRANS | XLOG_END_TRANS, as the kernel's xlog_write
# splits an op), the records renumbered and their CRCs recomputed. The
# same items come out, the first transaction now committed in the second
# record, as the installed xfs_logprint -t lists it.
so=$(ls "$top_builddir"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
# A sanitizer-built library loads into python only after its runtime.
pypre=
if [ -n "$so" ] && ldd "$so" 2>/dev/null | grep -q libasan; then
	pypre=$(${CC:-cc} -print-file-name=libasan.so)
fi
pyso() { LD_PRELOAD=$pypre ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 python3 "$@"; }
if [ -n "$so" ] && $have_lp; then
	n=v5-4k-fsync
	cp --sparse=always "$t/$n.img" "$t/split.img"
	pyso "$D/splitrec.py" "$so" "$t/split.img" $(jq -r 'select(.record=="log") | "\(.daddr) \(.tail_block) \(.head_block)"' "$t/$n.json") > "$t/split.out"
	"$FSIMG" journal --json "$t/split.img" > "$t/split.json" 2> "$t/split.err"
	st=$?
	norm < "$t/split.json" > "$t/split.norm"
	lpnorm "$t/split.img" > "$t/split.live"
	[ $st -eq 0 ] && cmp -s "$t/split.norm" "$t/split.live" &&
		[ "$(grep -v '^T' "$t/split.norm")" = "$(grep -v '^T' "$t/$n.norm")" ] &&
		[ "$(jq -c 'select(.record=="transaction") | [.lsn_block, .commit_block]' "$t/split.json" | head -1)" != '[2,2]' ] &&
		[ "$(jq -r 'select(.record=="end") | "\(.records) \(.crc_mismatch) \(.incomplete)"' "$t/split.json")" = "$(($(grep -c '^T' "$t/$n.norm") + 1)) 0 0" ]
	ok $? "$(cat "$t/split.out"): $(jq -c 'select(.record=="transaction") | "lsn \(.lsn_block) commit \(.commit_block)"' "$t/split.json" | head -1), the same $(grep -vc '^T' "$t/split.norm") items, as xfs_logprint -t"
else
	skip "no shared libfsimg (for the CRCs) or no xfs_logprint"
fi
# Intents and done items (Linux 6.1 rarely leaves them in a log):
# tests/xfs/xlog/intentrec.py appends to v5-4k-fsync's log an EFI of two
# extents and an RUI in one transaction, the EFD of that EFI in the next.
# The listing as xfs_logprint -t's (types and counts), the EFI's extents as
# written, the EFD tied to the EFI's transaction, the RUI named as pending.
if [ -n "$so" ] && $have_lp; then
	n=v5-4k-fsync
	cp --sparse=always "$t/$n.img" "$t/int.img"
	pyso "$D/intentrec.py" "$so" "$t/int.img" $(jq -r 'select(.record=="log") | "\(.daddr) \(.last_record) \(.head_block)"' "$t/$n.json") > "$t/int.out"
	"$FSIMG" journal --json "$t/int.img" > "$t/int.json" 2> "$t/int.err"
	st=$?
	"$FSIMG" journal "$t/int.img" > "$t/int.txt" 2>&1
	norm < "$t/int.json" > "$t/int.norm"
	[ $st -eq 0 ] && lpnorm "$t/int.img" | cmp -s - "$t/int.norm" &&
		[ "$(jq -c 'select(.record=="transaction") | .items[] | select(.type=="efi") | [.id, [.extents[] | [.start_block, .len]]]' "$t/int.json")" = '[225,[[1000,8],[2000,4]]]' ] &&
		[ "$(jq -c 'select(.record=="transaction") | .items[] | select(.type=="efd") | [.id, .intent_tid]' "$t/int.json")" = "[225,$((0x11110001))]" ] &&
		[ "$(jq -c 'select(.record=="end") | [.intents_finished, [.pending_intents[] | [.type, .id]]]' "$t/int.json")" = '[1,[["rui",161]]]' ] &&
		grep -q '^    rui 0xa1 of transaction 0x11110001' "$t/int.txt" &&
		grep -q 'efd .*(finishes the efi of transaction 0x11110001' "$t/int.txt"
	ok $? "intents: efi, rui, then efd listed as xfs_logprint -t; the efd finishes the efi's transaction, the rui is pending"
else
	skip "no shared libfsimg (for the CRCs) or no xfs_logprint"
fi
# Cycle numbers out of order: a sector inside the written log stamped with
# cycle 0x7fffffff. Head and tail as xfs_logprint finds them; on v5 the
# record's CRC then fails (exit 8, as the kernel fails the mount), on v4
# the kernel reads the record's words back from its header and goes on.
for n in v5-4k-fsync v4-1k-mixed; do
	cp --sparse=always "$t/$n.img" "$t/bad.img"
	python3 "$D/badlog.py" "$t/bad.img" "$(jq -r 'select(.record=="log") | .daddr' "$t/$n.json")" cycle
	"$FSIMG" journal --json "$t/bad.img" > "$t/cyc.json" 2> "$t/cyc.err"
	st=$?
	got=$(norm --ends < "$t/cyc.json")
	want=$(cat "$D/$n.ends")
	if $have_lp; then
		want=$(xfs_logprint -t "$t/bad.img" 2>/dev/null |
			sed -n 's/^ *log tail: \([0-9]*\) head: \([0-9]*\) state: <\(.*\)>.*/\1 \2 \3/p')
	fi
	case $n in
	v5*) [ $st -eq 8 ] && grep -q 'CRC mismatch' "$t/cyc.err" ;;
	*) [ $st -eq 0 ] && [ "$(norm < "$t/cyc.json")" = "$(cat "$t/$n.norm")" ] ;;
	esac && [ "$got" = "$want" ]
	ok $? "$n: a sector stamped with cycle 0x7fffffff: ends '$got' as xfs_logprint ('$want'), exit $st$(head -1 "$t/cyc.err" | sed 's/.*log: /, /')"
done
# the JSON of a log that fails midway still ends with its end record, naming the error
cp --sparse=always "$t/v4-1k-mixed.img" "$t/bad.img"
python3 "$D/badlog.py" "$t/bad.img" "$(jq -r 'select(.record=="log") | .daddr' "$t/v4-1k-mixed.json")" itemtype
"$FSIMG" journal --json "$t/bad.img" > "$t/bad.json" 2> /dev/null
[ $? -eq 8 ] && tail -1 "$t/bad.json" | jq -e '.record == "end" and (.error | test("unknown type 0x1250"))' > /dev/null
ok $? "--json on a bad item: the end record names the error"
"$FSIMG" journal --help > "$t/help" 2>&1
grep -q -- '-l, --logdev=LOGDEV' "$t/help"
ok $? "--help lists -l/--logdev"
done_testing
