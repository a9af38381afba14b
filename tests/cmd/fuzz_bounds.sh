#!/bin/sh
# Bounded resources (issue 6): lying counts and cyclic structures must end
# quickly, within a small memory limit, with a finding or an error: a 16 TiB
# superblock on a 1 MiB file, huge inode and group counts, a directory linked
# into its own subdirectory, an extent tree whose leaf points back to itself,
# a journal shorter than its log, logs whose sequence goes on across the wrap
# (only the scan's bound stops them). Each image goes through info, ls -R,
# extents --all, journal, cat and fsck under timeout 10 and ulimit -v 256 MiB
# (no ulimit -v in an ASan build): exit status in {0, 4, 8}, no signal, no
# sanitizer report, and less than 10 s per command.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs debugfs timeout
[ -x "$FSIMG" ] || { echo "Bail out! no $FSIMG"; exit 1; }
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
# private copies: a concurrent `make` may relink the build tree's binaries mid-run
cp "$top_builddir/fuzz/mutate" "$tmp/mutate" || { echo "Bail out! no fuzz/mutate"; exit 1; }
cp "$FSIMG" "$tmp/fsimg" || { echo "Bail out! cannot copy $FSIMG"; exit 1; }
FSIMG=$tmp/fsimg
mutate=$tmp/mutate
limit_vm=yes
if grep -aq '__asan_init' "$FSIMG" 2>/dev/null; then limit_vm=no; fi
have_fsck=yes
"$FSIMG" fsck --help > /dev/null 2>&1 || have_fsck=no
sh "$top_srcdir/fuzz/mkseeds.sh" "$tmp/gen" > "$tmp/mkseeds.log" 2>&1 ||
	{ echo "Bail out! mkseeds.sh: $(tail -1 "$tmp/mkseeds.log")"; exit 1; }
base=$tmp/gen/base
SB=1024

# check NAME IMG: every command on IMG
check() {
	_name=$1 _img=$2 _bad=
	for _cmd in info "ls -R -l" "extents -v --all" "journal -v" "cat @ /big" fsck; do
		[ "$_cmd" != fsck ] || [ $have_fsck = yes ] || continue
		# shellcheck disable=SC2086
		set -- $_cmd
		_c=$1; shift
		_args=
		for _a in "$@"; do [ "$_a" = @ ] && _args="$_args $_img" || _args="$_args $_a"; done
		case $_cmd in *@*) ;; *) _args="$_args $_img" ;; esac
		_t0=$(date +%s)
		# shellcheck disable=SC2086
		(
			[ $limit_vm = no ] || ulimit -v 262144
			exec timeout -k 2 10 "$FSIMG" $_c $_args
		) > /dev/null 2> "$tmp/err"
		_st=$?
		_dt=$(( $(date +%s) - _t0 ))
		case $_st in
		0|4|8) ;;
		124|137) _bad="$_bad; $_c: hang (over 10 s)" ;;
		*) _bad="$_bad; $_c: exit status $_st" ;;
		esac
		! grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:' "$tmp/err" ||
			_bad="$_bad; $_c: sanitizer report"
		[ "$_st" != 8 ] || printf '%s: %s: %s\n' "$_name" "$_c" "$(head -1 "$tmp/err")" >> "$tmp/errors"
		[ $_dt -le 5 ] || diag "$_name: $_c took $_dt s"
	done
	[ -z "$_bad" ]
	ok $? "$_name: every command ends within bounds"
	[ -z "$_bad" ] || diag "${_bad#; }"
}

# 1. ext4, 4 KiB blocks, 64bit, 1 MiB file; blocks_count 2^32 (16 TiB)
truncate -s 1M "$tmp/small.img"
mke2fs -F -q -t ext4 -b 4096 -O 64bit,^has_journal -N 64 -d "$top_srcdir/fuzz" "$tmp/small.img" 2>/dev/null ||
	mke2fs -F -q -t ext4 -b 4096 -O 64bit,^has_journal -N 64 "$tmp/small.img"
"$mutate" -s $((SB + 0x04)):4:0 -s $((SB + 0x150)):4:1 -c "$tmp/small.img" "$tmp/16t.img"
check "16 TiB claimed on a 1 MiB file" "$tmp/16t.img"
"$mutate" -s $((SB + 0x04)):4:0xFFFFFFFF -s $((SB + 0x150)):4:0xFFFFFFFF -c "$tmp/small.img" "$tmp/max.img"
check "blocks_count 2^64-1 on a 1 MiB file" "$tmp/max.img"
# 2. inode counts: 2^32-1 inodes, inodes_per_group at its maximum
"$mutate" -s $((SB + 0x00)):4:0xFFFFFFFF -s $((SB + 0x28)):4:0xFFFFFFFF -c "$tmp/small.img" "$tmp/inodes.img"
check "inodes_count and inodes_per_group 2^32-1" "$tmp/inodes.img"
# 3. tiny groups: blocks_per_group 8 with 2^32 blocks (2^29 groups)
"$mutate" -s $((SB + 0x04)):4:0 -s $((SB + 0x150)):4:1 -s $((SB + 0x20)):4:8 -s $((SB + 0x24)):4:8 \
	-c "$tmp/small.img" "$tmp/groups.img"
check "2^29 groups of 8 blocks" "$tmp/groups.img"
# fixcsum (the harnesses' option bit 0) on the same lie in 4 MiB with 32768
# inodes per group: 65536 descriptors in the buffer all name inode table 0,
# of 16384 records each; its record budget must end it (without one it ran
# for minutes, and slowed AFL campaigns to 1 exec/s)
truncate -s 4M "$tmp/small4.img"
mke2fs -F -q -t ext4 -b 4096 -O 64bit,^has_journal -N 64 "$tmp/small4.img"
timeout -k 2 10 "$mutate" -s $((SB + 0x04)):4:0 -s $((SB + 0x150)):4:1 -s $((SB + 0x20)):4:8 \
	-s $((SB + 0x24)):4:8 -s $((SB + 0x28)):4:32768 -c "$tmp/small4.img" "$tmp/groups2.img"
ok $? "fixcsum: 65536 descriptors naming one inode table end within bounds"
rm -f "$tmp/small4.img" "$tmp/groups2.img"

# 4. a directory linked into its own subdirectory (and a second root)
cp "$base/ext2.img" "$tmp/dirloop.img"
printf 'link /d1 /d1/d2/d3/up\nlink / /d1/root\n' > "$tmp/cmds"
debugfs -w -f "$tmp/cmds" "$tmp/dirloop.img" > /dev/null 2>&1
cp "$base/ext4i.img" "$tmp/dirloop4.img"
debugfs -w -f "$tmp/cmds" "$tmp/dirloop4.img" > /dev/null 2>&1
check "directory loop (ext2)" "$tmp/dirloop.img"
check "directory loop (ext4, inline directories)" "$tmp/dirloop4.img"

# 5. an extent leaf rewritten as an index node pointing to itself, and a root
#    whose depth says 5 over it
leaf=$(debugfs -R "stat /sparse/sparse" "$base/ext4i.img" 2>/dev/null | sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
if [ -n "$leaf" ]; then
	o=$((leaf * 4096))
	"$mutate" -s $((o + 2)):2:1 -s $((o + 6)):2:1 -s $((o + 12)):4:0 -s $((o + 16)):4:"$leaf" -s $((o + 20)):2:0 \
		-c "$base/ext4i.img" "$tmp/extloop.img"
	check "extent index pointing to its own block" "$tmp/extloop.img"
	ino=$(debugfs -R "stat /sparse/sparse" "$base/ext4i.img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
	iloc=$(debugfs -R "imap <$ino>" "$base/ext4i.img" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
	set -- $iloc
	io=$(($1 * 4096 + $2))
	"$mutate" -s $((o + 2)):2:1 -s $((o + 6)):2:4 -s $((o + 12)):4:0 -s $((o + 16)):4:"$leaf" -s $((io + 0x28 + 6)):2:5 \
		-c "$base/ext4i.img" "$tmp/extloop5.img"
	check "extent tree of depth 5 looping on one block" "$tmp/extloop5.img"
else
	skip "no extent leaf found for /sparse/sparse"
	skip "no extent leaf found for /sparse/sparse"
fi

# 6. journals (-c: with a good journal superblock checksum the scan runs):
#    s_maxlen 4 under a longer log (wraps onto itself), s_first at the end,
#    s_start past the end
j0=$(debugfs -R "bmap <8> 0" "$base/ext4j.img" 2>/dev/null)
if [ -n "$j0" ]; then
	o=$((j0 * 1024))
	"$mutate" -s $((o + 0x10)):4:4:be -s $((o + 0x14)):4:1:be -s $((o + 0x1C)):4:1:be -c "$base/ext4j.img" "$tmp/jwrap.img"
	check "journal s_maxlen 4 under a longer log" "$tmp/jwrap.img"
	"$mutate" -s $((o + 0x14)):4:1023:be -s $((o + 0x1C)):4:1023:be -c "$base/ext4j.img" "$tmp/jlast.img"
	check "journal log starting on its last block" "$tmp/jlast.img"
	"$mutate" -s $((o + 0x10)):4:0xFFFFFFFF:be -s $((o + 0x1C)):4:0xFFFFFFF0:be -c "$base/ext4j.img" "$tmp/jhuge.img"
	check "journal s_maxlen 2^32-1, s_start past the end" "$tmp/jhuge.img"
else
	skip "no journal block"; skip "no journal block"; skip "no journal block"
fi

# 7. logs that wrap forever: every block continues the sequence across the
#    wrap, so only the scan's bound (one pass over the log) stops it. A log of
#    15 revoke blocks of one uncommitted transaction, and one of 8 descriptor
#    + data pairs (s_maxlen 17); -c computes their csum v3 tails and tags.
#    `journal` must say it walked the whole log.
seq=$(od -An -tu1 -j $((j0 * 1024 + 0x18)) -N4 "$base/ext4j.img" 2>/dev/null |
	awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
endless() { # endless NAME IMG
	check "$1" "$2"
	"$FSIMG" journal "$2" > "$tmp/jout" 2>&1
	grep -q 'the whole log was walked' "$tmp/jout"
	ok $? "$1: the scan stops at its bound"
	grep -q 'the whole log was walked' "$tmp/jout" || sed 's/^/# /' "$tmp/jout" | head -20
}
if [ -n "$j0" ] && [ -n "$seq" ]; then
	set -- -s $((j0 * 1024 + 0x10)):4:16:be -s $((j0 * 1024 + 0x14)):4:1:be -s $((j0 * 1024 + 0x1C)):4:1:be
	for l in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		o=$(($(debugfs -R "bmap <8> $l" "$base/ext4j.img" 2>/dev/null) * 1024))
		set -- "$@" -s $o:4:0xC03B3998:be -s $((o + 4)):4:5:be -s $((o + 8)):4:"$seq":be -s $((o + 12)):4:16:be
	done
	"$mutate" "$@" -c "$base/ext4j.img" "$tmp/jrevokes.img"
	endless "journal of revoke blocks wrapping forever" "$tmp/jrevokes.img"
	b9=$(debugfs -R "bmap /big 9" "$base/ext4j.img" 2>/dev/null)
	set -- -s $((j0 * 1024 + 0x10)):4:17:be -s $((j0 * 1024 + 0x14)):4:1:be -s $((j0 * 1024 + 0x1C)):4:1:be
	for l in 1 3 5 7 9 11 13 15; do
		o=$(($(debugfs -R "bmap <8> $l" "$base/ext4j.img" 2>/dev/null) * 1024))
		# one tag (v3, 16 bytes): block /big:9, SAME_UUID | LAST_TAG
		set -- "$@" -s $o:4:0xC03B3998:be -s $((o + 4)):4:1:be -s $((o + 8)):4:"$seq":be \
			-s $((o + 12)):4:"$b9":be -s $((o + 16)):4:0xA:be -s $((o + 20)):4:0:be
	done
	"$mutate" "$@" -c "$base/ext4j.img" "$tmp/jdescs.img"
	endless "journal of descriptors wrapping forever" "$tmp/jdescs.img"
else
	for i in 1 2 3 4; do skip "no journal block"; done
fi
[ ! -s "$tmp/errors" ] || sed 's/^/# /' "$tmp/errors" | head -40
done_testing
