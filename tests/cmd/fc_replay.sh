#!/bin/sh
# Fast-commit replay against the real kernel's recovery: the fast-commit
# fixture tests/crash/fixtures/fc-4k-fsync (Linux 6.1 crashed it) links and
# unlinks the same name (d1/f3 of inode 16) in its fast commits, which
# cancel out; tests/crash/fc_pad.py turns those two tags into PADs (TAIL crcs
# kept valid), so every tag left is of a kind fsimg replays and the kernel's
# recovery in the fixture's JSON is still the oracle for every file (paths,
# sizes, extent maps, data). Then fast-commit tags that lie (a range outside
# the filesystem, past 2^32, an inode number outside the filesystem) give a
# clear reason and a replay without them, never a crash.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 debugfs e2fsck mke2fs
plan 12
fix=$top_srcdir/tests/crash/fixtures
d=$(mktemp_dir)
xz -dc "$fix/fc-4k-fsync.img.xz" > "$d/base.img"
runs=$("$FSIMG" extents "$d/base.img" '#8' 2>/dev/null | awk 'NR > 2 { printf "%s:%s:%s ", $1, $2, $3 }')
cp "$d/base.img" "$d/pad.img"
python3 "$top_srcdir/tests/crash/fc_pad.py" "$d/pad.img" $runs -- LINK UNLINK >/dev/null
ok $? "fc_pad.py pads the cancelling LINK and UNLINK out"
python3 "$top_srcdir/tests/crash/compare.py" --fixture "$fix/fc-4k-fsync.json" --image "$d/pad.img" \
	--fsimg "$FSIMG" >"$d/v" 2>&1
ok $? "in-memory replay with fast commits equals the kernel's recovery"
python3 "$top_srcdir/tests/crash/compare.py" --fixture "$fix/fc-4k-fsync.json" --image "$d/pad.img" \
		--fsimg "$FSIMG" --replay "$d/pad.out" >"$d/r" 2>&1
ok $? "replay -o, read by debugfs, equals the kernel's recovery"
"$FSIMG" replay -o "$d/pad.out" "$d/pad.img" >/dev/null 2>&1 && e2fsck -fn "$d/pad.out" >"$d/fsck" 2>&1 || cat "$d/fsck" | sed "s/^/#   /"
ok $? "replay -o leaves the filesystem consistent (e2fsck -fn), unlike Linux 6.1"
for lie in pblk=0xffffffffff lblk=0xffffffff ino=99999; do
	cp "$d/base.img" "$d/lie.img"
	python3 "$top_srcdir/tests/crash/fc_pad.py" "$d/lie.img" $runs -- LINK UNLINK --lie "$lie" >/dev/null
	"$FSIMG" replay -n "$d/lie.img" >"$d/out" 2>"$d/err"
	st=$?
	[ $st -eq 0 ] && grep -q "does not replay: .*\(outside the filesystem\|pass 2^32\|lie outside\)" "$d/out"
	ok $? "an ADD_RANGE that lies ($lie): not replayed, the reason said, exit 0"
done
cp "$d/base.img" "$d/lie.img"
python3 "$top_srcdir/tests/crash/fc_pad.py" "$d/lie.img" $runs -- --lie len=0 >/dev/null
"$FSIMG" replay -n "$d/lie.img" 2>/dev/null | grep -q "Fast commits replayed: 9"
ok $? "an ADD_RANGE of no blocks maps nothing (as the kernel's loop): the rest is replayed"

# Every tag kind over an image made here (fuzz/mkseeds.sh's ext4fc, its fast
# commits written by fuzz/mkfcseed.py): e2fsck -fn and debugfs are the oracle.
if sh "$top_srcdir/fuzz/mkseeds.sh" "$d/seeds" >"$d/mkseeds.log" 2>&1 && [ -f "$d/seeds/base/ext4fc.img" ]; then
	img=$d/seeds/base/ext4fc.img
	"$FSIMG" replay -o "$d/fc.out" "$img" >/dev/null 2>"$d/err" && ! grep -q WARNING "$d/err" &&
		e2fsck -fn "$d/fc.out" >"$d/fsck" 2>&1
	ok $? "every tag kind replayed; e2fsck -fn finds the result consistent"
	small=$(debugfs -R "stat /small" "$d/fc.out" 2>/dev/null | sed -n 's/.*Links: \([0-9]*\).*/\1/p')
	[ "$small" = 1 ] && ! debugfs -R "stat /alias" "$d/fc.out" 2>&1 | grep -q "Inode:" &&
		! debugfs -R "stat /d1/hard" "$d/fc.out" 2>&1 | grep -q "Inode:" &&
		[ "$(debugfs -R "bmap /d1/created 1" "$d/fc.out" 2>/dev/null)" = \
		  $(( $(debugfs -R "bmap /d1/created 0" "$d/fc.out" 2>/dev/null) + 1 )) ] &&
		[ "$(debugfs -R "stat /d1/created" "$d/fc.out" 2>/dev/null | sed -n 's/.*Group:.*Size: \([0-9]*\).*/\1/p')" = 2048 ]
	ok $? "LINK then UNLINK of /alias, UNLINK of /d1/hard (1 link left), CREAT of /d1/created with its ADD_RANGE (debugfs)"
	b=$(debugfs -R "bmap /d1/created 0" "$d/fc.out" 2>/dev/null)
	[ "$(debugfs -R "bmap /d1/d2/d3/bottom 40" "$d/fc.out" 2>/dev/null)" = $((b + 18)) ] &&
		[ "$(debugfs -R "bmap /d1/d2/d3/bottom 41" "$d/fc.out" 2>/dev/null)" = $((b + 19)) ] &&
		debugfs -R "ex /d1/d2/d3/bottom" "$d/fc.out" 2>/dev/null | grep -q "^ 0/ 1 "
	ok $? "an extent tree grown past the inode (a leaf block allocated): its map as logged (debugfs)"
	"$FSIMG" extents "$img" /d1/d2/d3/bottom 2>/dev/null | grep -q "^ *1 .* 2 *written" &&
		"$FSIMG" fsck "$img" >"$d/fsck2" 2>&1
	ok $? "fsimg's own reader and checker accept the replayed view (index keys match their leaves)"
else
	skip "mkseeds.sh could not make ext4fc: $(tail -1 "$d/mkseeds.log")"
	skip "mkseeds.sh could not make ext4fc"
	skip "mkseeds.sh could not make ext4fc"
	skip "mkseeds.sh could not make ext4fc"
fi
rm -rf "$d"
done_testing
