#!/bin/sh
# The fsimg command on XFS (the front's XFS backend, libfsimg/xfs/front_xfs.c)
# on images made by mkfs.xfs -p from a generated tree, v5 and v4. Oracles:
# the source tree (ls -R --json: every path, its type and size; cat: every
# regular file's bytes), xfs_db "sb 0" print (info --json's block size, block
# count, UUID; agblocks and agblklog for the address checks) and xfs_db
# "bmap" (extents --all --json: logical, length, fsb, agno, agbno and the
# linear physical block, record for record, for the files under sizes/ and
# sparse/). info's needs_recovery against xfs_logprint's clean/dirty on the
# crash images of tests/xfs/xlog. fsck finds the clean image clean, as xfs_repair -n does; journal and
# replay, ext2/3/4's only, refuse it cleanly. The image's hash must not change.
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_repair b2sum jq
LC_ALL=C; export LC_ALL
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT

tree=$t/tree
sh "$top_srcdir/tests/lib/mktree.sh" --no-far "$tree" >/dev/null

# db_val IMG CMD...: one value from xfs_db print ("name = value")
db_val() {
	img=$1; shift
	xfs_db -r "$@" "$img" | sed -n 's/^[^=]* = //p' | head -1
}

# expect_tree MAXSYM DIR: what the protofile (tests/lib/xfsproto.sh) carries
# over: names with white space (and what is under them) and longer symlinks
# left out
expect_tree() {
	cp -a "$tree" "$2"
	find "$2" -name '*[[:space:]]*' -prune -exec rm -rf {} +
	find "$2" -type l | while read -r l; do
		[ "$(readlink "$l" | wc -c)" -le $(($1 + 1)) ] || rm "$l"
	done
}

run_variant() {
	name=$1 opts=$2 maxsym=$3
	img=$t/$name.img out=$t/$name
	mkdir "$out"
	sh "$top_srcdir/tests/lib/xfsproto.sh" --max-symlink "$maxsym" "$tree" > "$out/proto"
	truncate -s 600m "$img"
	if ! mkfs.xfs -q -f $opts -p "$out/proto" "$img" 2>"$out/mkfs.err"; then
		for i in 1 2 3 4 5 6; do skip "$name: mkfs.xfs $opts refused: $(head -1 "$out/mkfs.err")"; done
		return
	fi
	expect_tree "$maxsym" "$out/expect"
	hash=$(b2sum < "$img")

	# --- info --json against the superblock
	"$FSIMG" info --json "$img" > "$out/info" 2>"$out/info.err"
	jq -e --argjson bs "$(db_val "$img" -c 'sb 0' -c 'print blocksize')" \
		--argjson db "$(db_val "$img" -c 'sb 0' -c 'print dblocks')" \
		--arg uuid "$(db_val "$img" -c 'sb 0' -c 'print uuid')" \
		'.fs_type == "xfs" and .block_size == $bs and .blocks_count == $db and .uuid == $uuid
		 and .needs_recovery == false' "$out/info" >/dev/null && [ ! -s "$out/info.err" ]
	ok $? "$name: info --json: fs_type xfs, block size, block count and UUID as xfs_db sb 0"

	# --- ls -R --json: path, type, size of everything
	(cd "$out/expect" && find . -mindepth 1 -printf '%P\t%y\t%s\n') | awk -F '\t' '
		{ t = $2 == "f" ? "file" : $2 == "d" ? "dir" : $2 == "l" ? "symlink" : $2 == "p" ? "fifo" : $2
		  printf "/%s %s %s\n", $1, t, t == "dir" ? "-" : $3 }' | sort > "$out/ls.want"
	"$FSIMG" ls -R --json "$img" 2>"$out/ls.err" |
		jq -r '"\(.path) \(.type) \(if .type == "dir" then "-" else .size end)"' |
		sort > "$out/ls.got"
	cmp -s "$out/ls.want" "$out/ls.got" && [ ! -s "$out/ls.err" ]
	st=$?
	[ $st -eq 0 ] || diff "$out/ls.want" "$out/ls.got" | head -5 | sed 's/^/# /'
	ok $st "$name: ls -R --json: every path, type and size as in the source tree ($(wc -l < "$out/ls.want") entries)"

	# --- cat of every regular file
	bad=0 n=0
	(cd "$out/expect" && find . -type f -printf '%P\n') > "$out/files"
	while read -r f; do
		n=$((n + 1))
		"$FSIMG" cat "$img" "/$f" 2>/dev/null | cmp -s - "$out/expect/$f" ||
			{ bad=$((bad + 1)); echo "# cat /$f differs"; }
	done < "$out/files"
	[ "$bad" -eq 0 ] && [ "$n" -gt 20 ]
	ok $? "$name: cat: every regular file's bytes as in the source tree ($n files)"

	# --- extents --all --json against xfs_db bmap
	agblocks=$(db_val "$img" -c 'sb 0' -c 'print agblocks')
	"$FSIMG" extents --all --json "$img" > "$out/ext" 2>"$out/ext.err"
	bad=0 n=0
	(cd "$out/expect" && find sizes sparse -type f -size +0 -printf '/%p\n') > "$out/mapped"
	while read -r p; do
		ino=$(jq -r --arg p "$p" 'select(.path == $p) | .inode' "$out/ext")
		n=$((n + 1))
		xfs_db -r -c "inode $ino" -c "bmap -d" "$img" | awk -v agb="$agblocks" '
			$1 == "data" {
				split($6, a, /[()\/]/)
				printf "%s %s %s %s %s %s %s\n", $3, $8, $5, a[2], a[3], a[2] * agb + a[3], $10 }' \
			> "$out/bmap.want"
		jq -r --arg p "$p" 'select(.path == $p) | .extents[] |
			"\(.logical) \(.length) \(.fsb) \(.agno) \(.agbno) \(.physical) \(if .unwritten then 1 else 0 end)"' \
			"$out/ext" > "$out/bmap.got"
		if ! [ -s "$out/bmap.want" ] || ! cmp -s "$out/bmap.want" "$out/bmap.got"; then
			bad=$((bad + 1))
			echo "# $p (inode $ino):"; diff "$out/bmap.want" "$out/bmap.got" | head -4 | sed 's/^/#   /'
		fi
	done < "$out/mapped"
	[ "$bad" -eq 0 ] && [ "$n" -gt 5 ] && [ ! -s "$out/ext.err" ]
	ok $? "$name: extents --all --json: logical, length, fsb, agno, agbno, physical as xfs_db bmap ($n files)"

	# --- the JSON as the man pages' schemas say (the XFS block numbers included)
	"$FSIMG" extents --all -v --json "$img" 2>/dev/null |
		python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-extents.1" extents &&
	"$FSIMG" ls -R --json "$img" 2>/dev/null |
		python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-ls.1" ls
	ok $? "$name: extents --all -v --json and ls -R --json match their man pages' schemas"

	# --- a local symlink is a target, not data: extents says inline, ls its target
	l=$(cd "$out/expect/links" && find . -type l -printf '%P\n' | head -1)
	[ "$("$FSIMG" ls --json "$img" "/links/$l" | jq -r .target)" = "$(readlink "$out/expect/links/$l")" ]
	ok $? "$name: ls --json: a symlink's target as in the source tree"

	# --- fsck: clean, as xfs_repair -n says
	xfs_repair -n "$img" > /dev/null 2>&1
	rst=$?
	"$FSIMG" fsck --json "$img" > "$out/fsck.json" 2> "$out/fsck.err"
	st=$?
	[ $rst -eq 0 ] && [ $st -eq 0 ] && [ "$(jq '.problems | length' "$out/fsck.json")" = 0 ] &&
		[ ! -s "$out/fsck.err" ]
	ok $? "$name: fsck --json: exit 0 and no problem, as xfs_repair -n (exit $rst; fsimg $st)"

	# --- what is ext2/3/4's only refuses XFS in one line (exit 8), without a crash
	bad=
	for c in journal "replay -n" "replay -o $out/replayed"; do
		"$FSIMG" $c "$img" > /dev/null 2> "$out/refuse.err"
		st=$?
		{ [ $st -eq 8 ] && [ "$(wc -l < "$out/refuse.err")" -eq 1 ]; } || bad="$bad; $c: exit $st"
	done
	[ -z "$bad" ] && [ ! -e "$out/replayed" ]
	ok $? "$name: journal and replay refuse XFS with exit 8 and one line${bad:+ ($bad)}"

	[ "$(b2sum < "$img")" = "$hash" ]
	ok $? "$name: the image is unchanged"
	rm -f "$img"
}

run_variant v5 "" 300
run_variant v4 "-m crc=0" 1024

# Needs recovery on crashed images (tests/xfs/xlog/: their *.ends hold
# xfs_logprint's clean/dirty state): info --json says so; the text output's
# line too; the freshly made images above said no.
for x in "$top_srcdir"/tests/xfs/xlog/*.img.xz; do
	n=$(basename "$x" .img.xz)
	read -r _ _ state < "${x%.img.xz}.ends"
	xz -dc "$x" > "$t/$n.img"
	want=false; [ "$state" = DIRTY ] && want=true
	"$FSIMG" info --json "$t/$n.img" 2>/dev/null | jq -e --argjson w "$want" '.needs_recovery == $w' >/dev/null
	ok $? "$n: info --json needs_recovery is $want (xfs_logprint: $state)"
	if [ "$want" = true ]; then
		"$FSIMG" ls -R "$t/$n.img" > /dev/null 2> "$t/warn"
		st=$?
		[ $st -eq 0 ] && [ "$(wc -l < "$t/warn")" -eq 1 ] &&
			grep -q 'warning: the xfs log needs recovery, which fsimg does not replay' "$t/warn"
		ok $? "$n: ls -R reads the on-disk state and warns once that the log is not replayed"
	fi
	rm -f "$t/$n.img"
done
done_testing
