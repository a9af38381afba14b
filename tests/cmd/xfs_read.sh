#!/bin/sh
# The XFS backend (libfsimg/xfs, through tests/xfs/xfsdump) on images made by
# mkfs.xfs -p from a generated tree and edited with xfs_db -x, in several
# variants (v5, v4, 1 KiB blocks, 64 KiB directory blocks, rmapbt,
# sparse=0, nrext64). Oracles: the source tree (file bytes, names, types,
# modes, sizes, link counts), xfs_db "sb 0" print (geometry), xfs_db
# "inode N" + bmap -d / bmap -a for every allocated inode, record for record
# with the unwritten flag (a bmbt-format fork included), and the edits' own
# arithmetic. The image's hash
# must not change. Bad input (truncated, zeroed magic) last.
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db b2sum
LC_ALL=C; export LC_ALL
DUMP=$top_builddir/tests/xfs/xfsdump
[ -x "$DUMP" ] || skip_all "tests/xfs/xfsdump not built"
t=$(mktemp_dir) || exit 1
trap 'rm -rf "$t"' EXIT

tree=$t/tree
sh "$top_srcdir/tests/lib/mktree.sh" --no-far --htree 3000 "$tree" >/dev/null
mkdir "$tree/leafdir" "$tree/blockdir"
(cd "$tree/leafdir" && awk 'BEGIN { for (i = 0; i < 300; i++) printf "leaf_%04d_abcdefghijklmnopqrstuvwxyz0123\n", i }' | xargs touch)
(cd "$tree/blockdir" && awk 'BEGIN { for (i = 0; i < 40; i++) printf "block_%04d_abcdefghijklmnopqrstuvwxyz\n", i }' | xargs touch)
# device nodes go into the protofile by hand (no root needed); the fifo becomes a socket by xfs_db
devs=' chr c--640 0 0 1 3\n blk b--600 0 0 8 1'

# Expected "path type mode links size" records from the tree, with the
# protofile's limits (tests/lib/xfsproto.sh): no white space in names or
# targets, symlinks up to $1 bytes, no sticky bit, every name its own inode.
expect_ls() {
	find "$tree" -mindepth 1 -printf '%P\t%y\t%m\t%s\t%l\n' | awk -F '\t' -v max="$1" '
	$1 ~ /[ \t]/ || ($2 == "l" && ($5 ~ /[ \t]/ || length($5) > max)) { next }
	{
		mode = 0; m = $3
		for (i = 1; i <= length(m); i++) mode = mode * 8 + substr(m, i, 1)
		if (int(mode / 512) % 2) mode -= 512
		p = "/" $1; type[p] = ($2 == "p" ? "s" : $2); perm[p] = mode % 4096
		size[p] = ($2 == "f" || $2 == "l") ? $4 : "-"
		if ($2 == "d") { sub(/\/[^\/]*$/, "", p); parent = p; subdirs[parent == "" ? "/" : parent]++ }
		else { sub(/\/[^\/]*$/, "", p) }
	}
	END {
		for (p in type) {
			links = type[p] == "d" ? 2 + subdirs[p] : 1
			printf "%s %s %04o %d %s\n", p, type[p], perm[p], links, size[p]
		}
		printf "/chr c 0640 1 -\n/blk b 0600 1 -\n"
	}' | sort
}

# expect_tree MAXSYM: the tree as the image should give it back, made once per
# symlink limit: names with white space, longer symlinks and the fifo (a
# socket now) left out; f65536's second half zeros (an unwritten extent)
expect_tree() {
	e=$t/expect.$1
	[ -d "$e" ] && return
	cp -a "$tree" "$e"
	find "$e" -name '*[[:space:]]*' -prune -exec rm -rf {} +
	find "$e" -type l | while read -r l; do
		[ "$(readlink "$l" | wc -c)" -le $(($1 + 1)) ] || rm "$l"
	done
	rm "$e/special/fifo"
	dd if=/dev/zero of="$e/sizes/f65536" bs=32768 seek=1 count=1 conv=notrunc status=none
}

# ino_of IMG PATH: the inode number by xfs_db's own path walk
ino_of() {
	xfs_db -r -c "path $2" -c inode "$1" | sed -n 's/^current inode number is //p'
}

# db_field IMG CMD...: one value from xfs_db print ("name = value")
db_val() {
	img=$1; shift
	xfs_db -r "$@" "$img" | sed -n 's/^[^=]* = //p' | head -1
}

run_variant() {
	name=$1 opts=$2 maxsym=$3 hash=$4
	img=$t/$name.img out=$t/$name
	mkdir "$out"
	sh "$top_srcdir/tests/lib/xfsproto.sh" --max-symlink "$maxsym" "$tree" |
		awk -v d="$devs" '{ print } NR == 3 { gsub(/\\n/, "\n", d); print d }' > "$out/proto"
	truncate -s 600m "$img"
	if ! mkfs.xfs -q -f $opts -p "$out/proto" "$img" 2>"$out/mkfs.err"; then
		skip "$name: mkfs.xfs $opts refused: $(head -1 "$out/mkfs.err")"
		return
	fi
	bs=$(db_val "$img" -c 'sb 0' -c 'print blocksize')
	agblocks=$(db_val "$img" -c 'sb 0' -c 'print agblocks')
	agblklog=$(db_val "$img" -c 'sb 0' -c 'print agblklog')
	dirbs=$((bs << $(db_val "$img" -c 'sb 0' -c 'print dirblklog')))
	crc=$(db_val "$img" -c 'sb 0' -c 'print versionnum')
	case $((crc & 15)) in 5) bmx=u3.bmx ;; *) bmx=u.bmx ;; esac

	# --- xfs_db edits: what mkfs.xfs cannot make
	# f65536: its one extent split in two, the second half unwritten (reads as zeros)
	half=$((65536 / bs / 2))
	i=$(ino_of "$img" /sizes/f65536)
	sb0=$(xfs_db -r -c "inode $i" -c "print $bmx[0].startblock" "$img" | sed -n 's/.* = //p')
	xfs_db -x -c "inode $i" -c "write core.nextents 2" -c "write $bmx[0].blockcount $half" \
		-c "write $bmx[1].startoff $half" -c "write $bmx[1].startblock $((sb0 + half))" \
		-c "write $bmx[1].blockcount $half" -c "write $bmx[1].extentflag 1" "$img" >/dev/null
	# f4097: an unwritten extent far past EOF in AG 2 (preallocation), 4 blocks
	i=$(ino_of "$img" /sizes/f4097)
	n=$(xfs_db -r -c "inode $i" -c 'print core.nextents' "$img" | sed -n 's/.* = //p')
	far=$(((2 << agblklog) + agblocks - 200))
	xfs_db -x -c "inode $i" -c "write core.nextents $((n + 1))" -c "write $bmx[$n].startoff 100" \
		-c "write $bmx[$n].startblock $far" -c "write $bmx[$n].blockcount 4" \
		-c "write $bmx[$n].extentflag 1" "$img" >/dev/null
	# attributes: shortform on f0; leaf with a remote value on f1; node form on f59
	xfs_db -x -c "inode $(ino_of "$img" /sizes/f0)" -c 'attr_set -u a -v 4' "$img" >/dev/null
	xfs_db -x -c "inode $(ino_of "$img" /sizes/f1)" -c 'attr_set -u small -v 10' \
		-c 'attr_set -u big -v 9000' -c 'attr_set -r tr -v 5' -c 'attr_set -s sec -v 3' "$img" >/dev/null
	i=$(ino_of "$img" /sizes/f59)
	awk -v i="$i" 'BEGIN { printf "inode %s\n", i; for (k = 0; k < 200; k++) printf "attr_set -u attribute_%03d -v 60\n", k }' |
		xfs_db -x "$img" >/dev/null
	xfs_db -x -c "inode $(ino_of "$img" /special/fifo)" -c 'write core.mode 0140644' "$img" >/dev/null
	# bin_300k: its one extent rewritten as a bmbt (btree-format data fork) of 31 records, one
	# leaf block in AG 2: xfs_db writes the fields unchecked (-d), the siblings (NULLFSBLOCK,
	# which its parser will not take) are patched in, then one checked write sets the CRC
	i=$(ino_of "$img" /sizes/bin_300k)
	s0=$(xfs_db -r -c "inode $i" -c "print $bmx[0].startblock" "$img" | sed -n 's/.* = //p')
	nb=$(((300 * 1024 + 7 + bs - 1) / bs))
	bt=$(((2 << agblklog) + agblocks - 300)) btlin=$((3 * agblocks - 300))
	{
		echo "fsblock $bt"; echo "type bmapbtd"
		if [ "$bmx" = u3.bmx ]; then
			echo "write -d magic 0x424d4133"; echo "write -d bno $((btlin * bs / 512))"
			echo "write -d uuid $(db_val "$img" -c 'sb 0' -c 'print uuid')"
		else
			echo "write -d magic 0x424d4150"
		fi
		echo "write -d level 0"; echo "write -d numrecs 31"
		k=0
		while [ $k -lt 31 ]; do
			echo "write -d recs[$((k + 1))].startoff $k"; echo "write -d recs[$((k + 1))].startblock $((s0 + k))"
			echo "write -d recs[$((k + 1))].blockcount $([ $k -lt 30 ] && echo 1 || echo $((nb - 30)))"
			k=$((k + 1))
		done
	} | xfs_db -x "$img" >/dev/null 2>&1
	printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
		dd of="$img" bs=1 seek=$((btlin * bs + 8)) conv=notrunc status=none
	root=${bmx%.bmx}.bmbt
	printf '%s\n' "fsblock $bt" "type bmapbtd" "write $([ "$bmx" = u3.bmx ] && echo "owner $i" || echo "level 0")" \
		"inode $i" "write -d core.format 3" "write -d core.nextents 31" "write -d $root.level 1" \
		"write -d $root.numrecs 1" "write -d $root.keys[1].startoff 0" "write -d $root.ptrs[1] $bt" \
		"write core.nblocks $((nb + 1))" | xfs_db -x "$img" >/dev/null 2>&1

	# hashing 600 MiB costs a second or two: done where asked (the read paths are the same)
	[ "$hash" = hash ] && sum=$(b2sum < "$img")

	# --- info against xfs_db sb 0
	xfs_db -r -c 'sb 0' -c print "$img" > "$out/sb.db"
	"$DUMP" "$img" info > "$out/info" 2>"$out/info.err"
	grep -v '^#' "$out/info" > "$out/info.fields"
	grep -vxF -f "$out/sb.db" "$out/info.fields" > "$out/info.diff"
	[ -s "$out/info.fields" ] && [ ! -s "$out/info.diff" ]
	ok $? "$name: $(wc -l < "$out/info.fields") info fields agree with xfs_db sb 0"
	sed 's/^/#   /' "$out/info.diff" | head -5
	ok_cmd "$name: AG headers and secondary superblocks read" "$DUMP" "$img" ags

	# --- ls -R against the source tree
	expect_ls "$maxsym" > "$out/ls.exp"
	"$DUMP" "$img" ls 2>"$out/ls.err" |
		awk '{ s = ($3 == "f" || $3 == "l") ? $6 : "-"; print $1, $3, $4, $5, s }' | sort > "$out/ls.got"
	ok_cmd "$name: ls -R records match the source tree" diff "$out/ls.exp" "$out/ls.got"
	"$DUMP" "$img" ls | awk '$1 == "/chr" { print $7 } $1 == "/blk" { print $7 }' | tr '\n' ' ' > "$out/rdev"
	ok_cmd "$name: device numbers" test "$(cat "$out/rdev")" = "1,3 8,1 "

	# --- file bytes: extract and compare with the tree (edits applied to a copy)
	expect_tree "$maxsym"
	mkdir "$out/got"
	"$DUMP" "$img" extract "$out/got" 2>"$out/extract.err"
	ok_cmd "$name: every file's bytes and symlink target match (holes and unwritten read as zeros)" \
		diff -r --no-dereference "$t/expect.$maxsym" "$out/got"

	# --- every inode's extents, both forks, against xfs_db bmap / bmap -a
	XFSDUMP_QUIET=1 "$DUMP" "$img" inodes > "$out/inodes"
	awk '{ printf "inode %s\ninode\nbmap -d\nbmap -a\n", $1 }' "$out/inodes" | xfs_db -r "$img" 2>&1 |
		sed 's/^current inode number is /inode /' > "$out/bmap.db"
	"$DUMP" "$img" bmap > "$out/bmap.got" 2>"$out/bmap.err"
	ok_cmd "$name: extents of $(wc -l < "$out/inodes") inodes agree with xfs_db bmap -d / -a record for record" \
		diff "$out/bmap.db" "$out/bmap.got"
	ok_cmd "$name: an unwritten extent is flagged" grep -q 'flag 1$' "$out/bmap.got"

	# --- the mapping iterator: linear block vs fsb, unwritten, beyond EOF, inline
	"$DUMP" "$img" runs /empty /sizes/f65536 /sizes/f4097 /sizes/f1 /sizes/bin_300k > "$out/runs.some"
	grep -q "data meta logical 0 length 1 physical $btlin fsb $bt agno 2 agbno $((agblocks - 300))" "$out/runs.some" &&
		[ "$(grep -c "^$i data mapped" "$out/runs.some")" = 31 ]
	ok $? "$name: a btree-format data fork: its bmbt block as a META run, 31 records"
	awk '{ print $1 }' "$out/ls.got" | tr '\n' '\0' | XFSDUMP_QUIET=1 xargs -0 "$DUMP" "$img" runs > "$out/runs" 2>/dev/null
	awk -v ag="$agblocks" -v log2="$agblklog" '
		$3 == "mapped" || $3 == "unwritten" {
			n++
			if ($9 != $13 * ag + $15 || $11 != $13 * 2 ^ log2 + $15) { bad++; print "#   " $0 }
			if ($13 > 0 && $9 != $11) differ++
		}
		END { exit !(n > 0 && !bad && differ > 0) }' "$out/runs"
	ok $? "$name: physical = agno * agblocks + agbno, fsb = agno << agblklog | agbno, and they differ past AG 0"
	grep -q "data unwritten logical $half length $half .* last" "$out/runs.some"
	ok $? "$name: the split extent's second half is an unwritten run"
	grep -q "data unwritten logical 100 length 4 physical $((2 * agblocks + agblocks - 200)) fsb $far agno 2 agbno $((agblocks - 200)) beyond_eof last" "$out/runs.some"
	ok $? "$name: the extent past EOF is unwritten, beyond EOF, in AG 2"
	grep -q "^[0-9]* data inline logical 0 length 6 physical 0 fsb 0 agno 0 agbno 0 last$" "$out/runs.some"
	ok $? "$name: an empty shortform directory is one inline run of 6 bytes"

	"$DUMP" "$img" runs /htree > "$out/runs.htree"
	awk -v leaf=$((34359738368 / bs)) '$3 == "mapped" && $5 >= leaf { l++ } /beyond_eof/ { b++ }
		END { exit !(l > 0 && b == 0) }' "$out/runs.htree"
	ok $? "$name: a directory's leaf blocks above 32 GiB are mapped runs, not beyond EOF"

	# --- directory forms
	"$DUMP" "$img" form /empty /blockdir /leafdir /htree | tr '\n' ' ' > "$out/forms"
	if [ "$dirbs" -eq 4096 ]; then
		exp="/empty shortform /blockdir block /leafdir leaf /htree node "
	else
		exp="/empty shortform /blockdir block /leafdir block /htree leaf "
	fi
	ok_cmd "$name: directory forms ($dirbs-byte blocks): $exp" test "$(cat "$out/forms")" = "$exp"

	# --- attributes (values from xfs_db attr_set are 'v' repeated)
	"$DUMP" "$img" attr /sizes/f1 | sort > "$out/attrs"
	printf '%s\n' "secure sec 3 local" "trusted tr 5 local" "user big 9000 remote" "user small 10 local" > "$out/attrs.exp"
	ok_cmd "$name: leaf attributes with a remote value" diff "$out/attrs.exp" "$out/attrs"
	ok_cmd "$name: shortform attribute" test "$("$DUMP" "$img" attr /sizes/f0)" = "user a 4 local"
	"$DUMP" "$img" getattr /sizes/f1 big > "$out/big"
	awk 'BEGIN { for (i = 0; i < 9000; i++) printf "v" }' > "$out/big.exp"
	ok_cmd "$name: the remote value's bytes" cmp "$out/big.exp" "$out/big"
	ok_cmd "$name: node-form attribute fork: 200 names" \
		test "$("$DUMP" "$img" attr /sizes/f59 | grep -c '^user attribute_[0-9]* 60 local$')" = 200
	ok_cmd "$name: a value from the node-form fork" \
		test "$("$DUMP" "$img" getattr /sizes/f59 attribute_150)" = "$(awk 'BEGIN { for (i = 0; i < 60; i++) printf "v" }')"

	# --- a clean image: no findings anywhere; the image never written
	XFSDUMP_QUIET= "$DUMP" "$img" walk > "$out/walk" 2>"$out/walk.err"
	cat "$out/info.err" "$out/ls.err" "$out/extract.err" "$out/bmap.err" >> "$out/walk.err"
	ok_cmd "$name: every inode read without error or finding" \
		sh -c "grep -q 'unreadable 0 findings 0' '$out/walk' && ! [ -s '$out/walk.err' ]"
	[ -s "$out/walk.err" ] && head -3 "$out/walk.err" | sed 's/^/#   /'
	[ "$hash" = hash ] && ok_cmd "$name: the image is unchanged" test "$(b2sum < "$img")" = "$sum"
}

# v5 images keep their symlinks inline: mkfs.xfs 6.1 writes v5 remote symlinks without their header
run_variant v5 "" 300 hash
run_variant v4 "-m crc=0" 1024 hash
run_variant 1k "-b size=1024" 300 hash
run_variant dir64k "-n size=65536" 300
run_variant rmapbt "-m rmapbt=1" 300
run_variant sparse0 "-i sparse=0" 300
run_variant nrext64 "-i nrext64=1" 300

# --- a realtime device: detected and named, not read
truncate -s 600m "$t/rt.img"
truncate -s 64m "$t/rtdev.img"
if mkfs.xfs -q -f -r rtdev="$t/rtdev.img" "$t/rt.img" 2>/dev/null; then
	"$DUMP" "$t/rt.img" info > "$t/rt.info" 2>&1
	grep -q '^# realtime: present (not read)$' "$t/rt.info" &&
		grep -q "^rblocks = $(db_val "$t/rt.img" -c 'sb 0' -c 'print rblocks')$" "$t/rt.info"
	ok $? "realtime device: detected, named, its size as xfs_db gives it"
else
	skip "mkfs.xfs would not make a realtime device"
fi
rm -f "$t/rt.img" "$t/rtdev.img"

# --- bad input: a clear error and no crash
img=$t/v5.img
cp "$img" "$t/bad.img"
dd if=/dev/zero of="$t/bad.img" bs=4 count=1 conv=notrunc status=none
"$DUMP" "$t/bad.img" info > /dev/null 2> "$t/bad.err"
st=$?
ok $([ $st -eq 8 ] && [ "$(wc -l < "$t/bad.err")" -eq 1 ]; echo $?) "zeroed magic: exit 8 with one line ($(cat "$t/bad.err"))"
head -c 200 "$img" > "$t/tiny.img"
"$DUMP" "$t/tiny.img" info > /dev/null 2> "$t/bad.err"
st=$?
ok $([ $st -eq 8 ] && [ "$(wc -l < "$t/bad.err")" -eq 1 ]; echo $?) "200-byte image: exit 8 with one line ($(cat "$t/bad.err"))"
for size in 300m 40m 100k; do
	cp --sparse=always "$img" "$t/trunc.img"
	truncate -s "$size" "$t/trunc.img"
	XFSDUMP_QUIET=1 "$DUMP" "$t/trunc.img" walk > "$t/trunc.out" 2> "$t/trunc.err"
	st=$?
	ok $([ $st -eq 0 ] || [ $st -eq 8 ]; echo $?) "truncated to $size: walk ends with status $st ($(cat "$t/trunc.out" "$t/trunc.err" | head -1))"
done

done_testing
