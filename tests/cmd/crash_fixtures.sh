#!/bin/sh
# Images crashed by a real Linux kernel (tests/crash/, made with
# tests/crash/mkfixture.sh): fsimg's in-memory replay, and `fsimg replay -o`
# read back by debugfs, against the kernel's own recovery of the same image
# (paths, inode numbers, types, modes, sizes, extent maps, data, fsync'd
# bytes), summarised in each fixture's JSON; e2fsck -fn on what ext4's replay
# -o wrote.  Fixtures whose "expect" is
# "differ" are TODO (a known gap): when it is closed
# they pass (XPASS) and their "expect" becomes "agree".  XFS fixtures: replay
# -o against the blocks the kernel's recovery changed (their hashes, in the
# fixtures made since tests/crash/xfscmp.py), or the refusal expected
# ("refuse": pending intents or unlinked inodes named); in older fixtures
# replay -o's OUT (its log left clean) is read back by fsimg, as debugfs reads
# no XFS.  TODO while fsimg says it does not replay the XFS log.
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 debugfs e2fsck
fix=$top_srcdir/tests/crash/fixtures
cmp=$top_srcdir/tests/crash/compare.py
d=$(mktemp_dir)
# check DESCRIPTION LOG [--replay OUT]: one TAP line; $todo marks a known gap
check() {
	_desc=$1 _log=$2
	shift 2
	python3 "$cmp" --fixture "$j" --image "$d/$name.img" --fsimg "$FSIMG" "$@" > "$_log" 2>&1
	_st=$?
	_tap_n=$((_tap_n + 1))
	if [ $_st -eq 0 ]; then
		echo "ok $_tap_n - $_desc$todo"
	else
		echo "not ok $_tap_n - $_desc$todo"
		[ -n "$todo" ] || _tap_fail=$((_tap_fail + 1))
		head -10 "$_log" | sed 's/^/#   /'
	fi
}
for j in "$fix"/*.json; do
	name=$(basename "$j" .json)
	set -- $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(f["meta"]["fs"], f["expect"])' "$j")
	fs=$1 expect=$2
	if [ "$fs" = xfs ]; then
		command -v xfs_repair > /dev/null || { skip "$name: xfs_repair not installed"; continue; }
		xz -dc "$fix/$name.img.xz" > "$d/$name.img" || { ok 1 "$name: decompress"; continue; }
		# an external log: NAME.log beside NAME.img (compare.py gives it to fsimg with -j,
		# and replay -o NAME.out.img its clean log's file, NAME.out.log, with --log-out)
		[ ! -f "$fix/$name.log.xz" ] || xz -dc "$fix/$name.log.xz" > "$d/$name.log" ||
			{ ok 1 "$name: decompress its log"; continue; }
		todo=
		if "$FSIMG" info "$d/$name.img" 2>&1 | grep -q 'does not replay for xfs'; then
			todo=" # TODO the XFS log replay (issue 13)"
		fi
		sum=$(cksum < "$d/$name.img")
		# (a file that an intent pending at the cut maps into is set apart)
		check "$name: in-memory log replay equals the kernel's recovery" "$d/$name.v"
		# expect differ: replay -o's known gap, the fixture's why
		[ "$expect" != differ ] || [ -n "$todo" ] ||
			todo=" # TODO $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["why"])' "$j")"
		if python3 -c 'import json,sys; sys.exit("kernel_blocks" not in json.load(open(sys.argv[1])))' "$j"; then
			# replay -o against the hashes of the blocks the kernel's recovery
			# changed (outside the log), xfs_repair -n; or the refusal
			# expected, naming the pending intents or unlinked inodes
			check "$name: replay -o changes the kernel's blocks, or refuses as expected ($expect)" \
				"$d/$name.r" --replay "$d/$name.out.img"
		elif "$FSIMG" replay -o "$d/$name.out" "$d/$name.img" > "$d/$name.r" 2>&1; then
			# no debugfs for XFS: OUT, whose log replay -o left clean, is read back by fsimg itself
			mv "$d/$name.img" "$d/$name.crashed"
			mv "$d/$name.out" "$d/$name.img"
			check "$name: replay -o, read back by fsimg, equals the kernel's recovery" "$d/$name.r"
			mv "$d/$name.img" "$d/$name.out"
			mv "$d/$name.crashed" "$d/$name.img"
		else
			ok 1 "$name: replay -o: $(head -1 "$d/$name.r")"
		fi
		[ "$(cksum < "$d/$name.img")" = "$sum" ]
		ok $? "$name: the crashed image is unchanged"
		rm -f "$d/$name.img" "$d/$name.out" "$d/$name.log" "$d/$name.out.img" "$d/$name.out.log"
		continue
	elif [ "$fs" != ext4 ]; then
		skip "$name: $fs: fsimg does not read $fs yet"
		continue
	fi
	xz -dc "$fix/$name.img.xz" > "$d/$name.img" || { ok 1 "$name: decompress"; continue; }
	todo=
	[ "$expect" = agree ] || todo=" # TODO fast-commit replay (expect: $expect)"
	check "$name: in-memory replay equals the kernel's recovery" "$d/$name.v"
	check "$name: replay -o, read by debugfs, equals the kernel's recovery" "$d/$name.r" \
		--replay "$d/$name.out"
	# fsimg leaves the filesystem consistent (where Linux 6.1's fast-commit replay does not)
	"$FSIMG" replay -f -o "$d/$name.chk" "$d/$name.img" > /dev/null 2>&1 &&
		e2fsck -fn "$d/$name.chk" > "$d/$name.fsck" 2>&1
	ok $? "$name: e2fsck -fn finds replay -o's result clean"
	rm -f "$d/$name.chk"
	# every tag listed, stale ones too (under ASan: a short tag at a block's end was read past it)
	"$FSIMG" journal -v "$d/$name.img" > /dev/null 2>&1 && "$FSIMG" journal -v --json "$d/$name.img" > /dev/null 2>&1
	ok $? "$name: journal -v lists the log and every fast-commit tag"
	rm -f "$d/$name.img" "$d/$name.out"
done
rm -rf "$d"
done_testing
