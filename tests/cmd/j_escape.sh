#!/bin/sh
# Journal replay of blocks whose data starts with the jbd2 magic (c0 3b 39 98):
# debugfs logs them escaped; the replayed copy must have the magic restored.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 18
for v in "1024 8M -O^64bit" "4096 16M -O64bit"; do
	set -- $v
	bs=$1 size=$2 feat=$3
	d=$(mktemp_dir)
	img=$d/img
	j_mkfs "$img" "$size" -t ext4 -b "$bs" "$feat"
	set -- $(j_blocks "$img" /big.txt)
	j_pattern "$d/esc" "$bs" 2 escape
	j_debugfs "$img" "jo -c" "jw -b $1,$3 $d/esc" "jc"
	n=$("$FSIMG" journal --json "$img" 2>/dev/null | grep -o '"escaped":true' | wc -l)
	[ "$n" -eq 2 ]
	ok $? "j_escape $bs: journal --json marks both blocks escaped"
	"$FSIMG" journal -v "$img" 2>/dev/null | grep -q "<- journal block .*, escaped"
	ok $? "j_escape $bs: journal -v says escaped"
	j_check "j_escape_$bs" "$img"
	"$FSIMG" cat "$img" /big.txt 2>/dev/null | dd bs="$bs" skip=2 count=1 2>/dev/null | head -c 4 | od -An -tx1 | grep -q "c0 3b 39 98"
	ok $? "j_escape $bs: the replayed block starts with the magic again"
	rm -rf "$d"
done
done_testing
