#!/bin/sh
# How fsimg fsck runs, not what it finds: the output is the same whatever
# the number of threads (pass 2 checks block groups side by side and keeps
# their reports in order), and the progress bar shows on a terminal (through
# a pty, forced with -C 0) and never without one.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck script
plan 6
fs_tmp

# 16 groups of 1 MiB (1 KiB blocks), 128 inodes each; 1,080 files, so
# mke2fs -d fills the inode tables of about 9 groups; then damage to inodes
# all over them (i_blocks, link counts, sizes, modes, dtime) and
# to the bitmaps, so many units report and their order shows.
mkdir -p "$tmp/t"
for d in 0 1 2 3 4 5 6 7 8 9 10 11; do
	mkdir "$tmp/t/d$d"
	f=0
	while [ $f -lt 90 ]; do
		head -c $(( (d * 10 + f) % 7 * 1000 + 100 )) /dev/zero | tr '\0' x >"$tmp/t/d$d/f$f"
		f=$((f + 1))
	done
done
img=$tmp/many.img
mke2fs -q -F -t ext4 -b 1024 -g 1024 -N 2048 -d "$tmp/t" "$img" 16M >/dev/null 2>&1 ||
	{ echo "Bail out! mke2fs failed"; exit 99; }
: >"$tmp/cmds"
for d in 0 1 2 3 4 5 6 7 8 9 10 11; do
	printf 'sif /d%d/f1 blocks 7\nsif /d%d/f2 links_count 3\nsif /d%d/f3 size 1\n' $d $d $d >>"$tmp/cmds"
	printf 'sif /d%d/f4 dtime 12345\nsif /d%d/f5 mode 0170644\nsif /d%d/f6 links_count 0\n' $d $d $d >>"$tmp/cmds"
done
printf 'freeb 3000 40\nsetb 9000 30\n' >>"$tmp/cmds"
debugfs -w -f "$tmp/cmds" "$img" >/dev/null 2>&1

"$FSIMG" fsck --threads 1 "$img" >"$tmp/t1" 2>"$tmp/t1.err"; st1=$?
"$FSIMG" fsck --threads 2 "$img" >"$tmp/t2" 2>/dev/null; st2=$?
"$FSIMG" fsck --threads 5 "$img" >"$tmp/t5" 2>/dev/null; st5=$?
e2fsck -fn "$img" >/dev/null 2>&1; e2=$?
n=$(grep -c '' "$tmp/t1")
groups=$(sed -n 's/^\([A-Z_]*\): inode \([0-9]*\).*/\2/p' "$tmp/t1" | awk '{ print int(($1 - 1) / 128) }' | sort -u | grep -c '')
[ $st1 -eq 4 ] && [ $e2 -ne 0 ] && [ "$n" -ge 60 ] && [ "$groups" -ge 4 ]
ok $? "the damaged image: exit 4 (e2fsck -fn exit $e2), $n lines, inode findings in $groups groups"
cmp -s "$tmp/t1" "$tmp/t2" && [ $st2 -eq $st1 ]
ok $? "--threads 2 prints exactly what --threads 1 does"
cmp -s "$tmp/t1" "$tmp/t2" || diff "$tmp/t1" "$tmp/t2" | head | sed 's/^/#   /'
cmp -s "$tmp/t1" "$tmp/t5" && [ $st5 -eq $st1 ]
ok $? "--threads 5 likewise"
"$FSIMG" fsck --json --threads 1 "$img" >"$tmp/j1" 2>/dev/null
"$FSIMG" fsck --json "$img" >"$tmp/j0" 2>/dev/null
cmp -s "$tmp/j1" "$tmp/j0"
ok $? "--json: the default thread count prints what one thread does"

# Progress: none without a terminal (not even with -v); with one (script(1)
# gives the command a pty) and -C 0, the bar is drawn and reaches 100%.
"$FSIMG" fsck -v "$img" >/dev/null 2>"$tmp/noterm.err"
! grep -q 'fsimg fsck: pass' "$tmp/noterm.err" && ! grep -q "$(printf '\r')" "$tmp/noterm.err"
ok $? "no terminal: no progress on stderr"
script -qec "\"$FSIMG\" fsck -C 0 \"$img\" >/dev/null" "$tmp/typescript" >/dev/null 2>&1 </dev/null
tr '\r' '\n' <"$tmp/typescript" | grep -q 'fsimg fsck: pass 2/7 inodes: 100%' &&
	tr '\r' '\n' <"$tmp/typescript" | grep -q 'fsimg fsck: pass 6/7 bitmaps and counts:'
ok $? "a terminal and -C 0: the bar on stderr, pass by pass"
done_testing
