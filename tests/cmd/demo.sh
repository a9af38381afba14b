#!/bin/sh
# scripts/mkdemo.sh builds the README's crashed-ext4 demo; e2fsprogs sees it
# as needing recovery, and so does fsimg; fsimg lists its unwritten extents.
. "$top_srcdir/tests/lib/tap.sh"
need mke2fs debugfs dumpe2fs e2fsck
plan 7
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
img=$(sh "$top_srcdir/scripts/mkdemo.sh" "$tmp/demo" 2> "$tmp/err")
st=$?
[ $st -eq 0 ] && [ "$img" = "$tmp/demo/demo.img" ] && [ -f "$img" ]
ok $? "mkdemo.sh builds the image and prints its path"
[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/err"
sum0=$(sha256sum < "$img")

dumpe2fs -h "$img" 2>/dev/null | grep -q '^Filesystem features:.* needs_recovery'
ok $? "dumpe2fs -h: the features include needs_recovery"

e2fsck -fn "$img" > "$tmp/fsck" 2>&1
grep -q 'skipping journal recovery' "$tmp/fsck"
ok $? "e2fsck -fn: skipping journal recovery"

"$FSIMG" info "$img" > "$tmp/info" 2>&1
grep -q '^Needs recovery: *yes$' "$tmp/info"
ok $? "fsimg info: Needs recovery: yes"
grep -q '^Needs recovery' "$tmp/info" || head -5 "$tmp/info" | sed 's/^/#   /'

"$FSIMG" info --json "$img" > "$tmp/info.json" 2> "$tmp/info.err" &&
	[ "$(jq -r '.needs_recovery' < "$tmp/info.json" 2>&1)" = true ]
ok $? "fsimg info --json: needs_recovery true"

# unwritten extents per debugfs ex, against fsimg extents --all (text)
"$FSIMG" extents --all "$img" > "$tmp/ext" 2>&1
st=$?
uw_got=$(awk '$4 == "unwritten"' "$tmp/ext" | wc -l)
uw_exp=$(for f in /data/db.bin /logs/app.log /data/prealloc.dat; do debugfs -R "ex $f" "$img" 2>/dev/null; done | grep -c Uninit)
[ $st -eq 0 ] && [ "$uw_got" -eq "$uw_exp" ] && [ "$uw_exp" -gt 0 ] &&
	awk '$4 == "unwritten" && $5 == "beyond"' "$tmp/ext" | grep -q .
ok $? "fsimg extents --all: $uw_exp unwritten extents as debugfs ex, some beyond EOF"
[ "$uw_got" -eq "$uw_exp" ] || { diag "fsimg listed $uw_got unwritten rows (exit $st):"; head -20 "$tmp/ext" | sed 's/^/#   /'; }

[ "$(sha256sum < "$img")" = "$sum0" ]
ok $? "image unchanged"
