#!/bin/sh
# Recursive walks stop at CLI_MAX_DEPTH (4096) directories deep, with one
# message and exit 8, after listing everything above the limit (src/cli_util.c
# cli_too_deep, shared by ls -R and extents --all). Oracle: a chain of 4097
# nested directories made by debugfs mkdir/cd (e2fsck -fn finds it clean), so
# the walk must list the 4096 levels it may enter and refuse the last one.
. "$top_srcdir/tests/lib/tap.sh"
need mke2fs debugfs e2fsck
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT
plan 8

img=$t/deep.img
mke2fs -q -F -t ext4 -b 1024 -N 4200 "$img" 8M >/dev/null 2>&1
i=0
while [ $i -lt 4097 ]; do printf 'mkdir d\ncd d\n'; i=$((i + 1)); done > "$t/cmds"
debugfs -w -f "$t/cmds" "$img" >/dev/null 2>&1
e2fsck -fn "$img" >/dev/null 2>&1
ok $? "the 4097-deep tree is a clean filesystem (e2fsck -fn)"
deep=$(i=0; while [ $i -lt 4096 ]; do printf /d; i=$((i + 1)); done)

# ls -R: a heading per directory entered, then the refusal naming /d/.../d.
"$FSIMG" ls -R "$img" > "$t/out" 2> "$t/err"
ok $([ $? -eq 8 ] && echo 0 || echo 1) "ls -R exits 8 past the depth limit"
ok $([ "$(grep -c '^/d[/d]*:$' "$t/out")" -eq 4095 ] && echo 0 || echo 1) "ls -R lists the 4095 levels it may enter"
ok $([ "$(grep -c "$deep: directories nested too deep (limit 4096)\$" "$t/err")" -eq 1 ] && echo 0 || echo 1) \
	"ls -R says once, for the directory 4096 down, that the directories nest too deep"

# extents --all goes through the output pipe: the message comes after the drain.
"$FSIMG" extents --all "$img" > "$t/out" 2> "$t/err"
ok $([ $? -eq 8 ] && echo 0 || echo 1) "extents --all exits 8 past the depth limit"
ok $([ "$(grep -c '^/d[/d]*: inode' "$t/out")" -eq 4096 ] && echo 0 || echo 1) "extents --all lists every directory of the chain"
ok $([ "$(grep -c "$deep: directories nested too deep (limit 4096)\$" "$t/err")" -eq 1 ] && echo 0 || echo 1) \
	"extents --all says once, for the directory 4096 down, that the directories nest too deep"
# stdout and stderr in one file: the threaded dump (the output pipe drained
# before the message) interleaves them as the one-CPU walk does
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	"$FSIMG" extents --all "$img" > "$t/both" 2>&1
	taskset -c 0 "$FSIMG" extents --all "$img" > "$t/both1" 2>&1
	cmp -s "$t/both" "$t/both1"
	ok $? "extents --all: stdout and stderr in one file as on one CPU"
else
	skip "one CPU or no taskset: the output pipe's thread never starts"
fi
done_testing
