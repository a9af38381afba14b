# Shared body of tests/cmd/v_*.sh: one image variant checked against
# oracles that are not fsimg (the source tree, debugfs, dumpe2fs).
#
#   VARIANT=ext4 HTREE=10000 . "$top_srcdir/tests/lib/variant.sh"
#
# One TAP line per check class; on failure, diagnostics show the first
# mismatches. Everything lives in a private directory under $TESTS_TMPDIR.
. "$top_srcdir/tests/lib/tap.sh"
: "${VARIANT:?}" "${HTREE:=0}" "${FSIMG:?run through make check}"
LC_ALL=C; export LC_ALL

need mke2fs debugfs dumpe2fs e2fsck jq
[ -x "$FSIMG" ] || { echo "Bail out! $FSIMG not built"; exit 99; }

plan 10
tmp=$(mktemp_dir) || exit 99
[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
tree=$tmp/tree img=$tmp/$VARIANT.img

if [ "$HTREE" -gt 0 ]; then
	sh "$top_srcdir/tests/lib/mktree.sh" --htree 2000 "$tree" || { echo "Bail out! mktree.sh failed"; exit 99; }
else
	sh "$top_srcdir/tests/lib/mktree.sh" "$tree" || { echo "Bail out! mktree.sh failed"; exit 99; }
fi
sh "$top_srcdir/tests/lib/mkimg.sh" --htree "$HTREE" "$VARIANT" "$tree" "$img" ||
	{ echo "Bail out! mkimg.sh $VARIANT failed"; exit 99; }
sum0=$(sha256sum < "$img")
bs=$(dumpe2fs -h "$img" 2>/dev/null | awk -F: '$1 == "Block size" { print $2 + 0 }')

# FSIMG_TEST_TIMING=1: a diagnostic with the seconds spent before each check
_t0=$(date +%s.%N)
timing() { [ -z "${FSIMG_TEST_TIMING:-}" ] || diag "t=$(awk -v a="$(date +%s.%N)" -v b="$_t0" "BEGIN { printf \"%.2f\", a - b }") $*"; }
timing "image built"
# show_diff FILE: first lines of a diff as diagnostics
show_diff() { head -n "${2:-12}" "$1" | sed 's/^/#   /'; }
# check DESCRIPTION EXPECTED ACTUAL: ok when the two sorted files are equal
check() {
	diff "$2" "$3" > "$tmp/diff" 2>&1
	_st=$?
	ok $_st "$VARIANT: $1"
	[ $_st -eq 0 ] || { diag "< expected (oracle)  > fsimg"; show_diff "$tmp/diff"; }
}

# ---------------------------------------------------------------------------
# 1. cat reproduces every regular file (htree/: a sample), with the
#    fallocated/punched files as mkimg.sh computed them.
(cd "$tree" && find . -type f ! -path './htree/*' | sed 's/^\.//'; \
	[ -d htree ] && find ./htree -type f | sort | sed -n '1p;$p' | sed 's/^\.//') |
	sort > "$tmp/files"
: > "$tmp/catbad"
while IFS= read -r p; do
	if [ -e "$img.expect$p" ]; then e=$img.expect$p; else e=$tree$p; fi
	if ! "$FSIMG" cat "$img" "$p" > "$tmp/out" 2> "$tmp/err"; then
		echo "$p: exit $? $(head -1 "$tmp/err")" >> "$tmp/catbad"
	elif ! cmp -s "$e" "$tmp/out"; then
		echo "$p: $(cmp "$e" "$tmp/out" 2>&1 | head -1) (expected $(wc -c < "$e") bytes, got $(wc -c < "$tmp/out"))" >> "$tmp/catbad"
	fi
done < "$tmp/files"
nfiles=$(wc -l < "$tmp/files")
[ ! -s "$tmp/catbad" ] && [ "$nfiles" -ge 40 ]
ok $? "$VARIANT: cat reproduces $nfiles regular files (fallocated/punched ranges read as zeros)"
[ ! -s "$tmp/catbad" ] || show_diff "$tmp/catbad"

# 2. cat of a symlink prints its target; cat "#N" is cat of the path.
: > "$tmp/catbad"
(cd "$tree" && find . -type l | sed 's/^\.//' | sort) > "$tmp/links"
while IFS= read -r p; do
	"$FSIMG" cat "$img" "$p" > "$tmp/out" 2> "$tmp/err" || echo "$p: exit $? $(head -1 "$tmp/err")" >> "$tmp/catbad"
	[ "$(readlink "$tree$p"; echo x)" = "$(cat "$tmp/out"; echo; echo x)" ] || echo "$p: target differs: $(head -c 80 "$tmp/out")" >> "$tmp/catbad"
done < "$tmp/links"
ino=$(debugfs -R "stat /sizes/text_3m" "$img" 2>/dev/null | awk '$1 == "Inode:" { print $2; exit }')
"$FSIMG" cat "$img" "#$ino" 2>&1 | cmp -s - "$tree/sizes/text_3m" || echo "#$ino (/sizes/text_3m) differs" >> "$tmp/catbad"
[ ! -s "$tmp/catbad" ]
ok $? "$VARIANT: cat of $(wc -l < "$tmp/links") symlinks gives their targets; cat '#N' works"
[ ! -s "$tmp/catbad" ] || show_diff "$tmp/catbad"

# ---------------------------------------------------------------------------
timing "cat checks done"
# debugfs's listing of every directory of the tree, by path, in one run:
# "PATH<TAB>INODE<TAB>MODE" lines (ls -p prints /INO/MODE/UID/GID/NAME/SIZE/;
# names cannot hold a slash; the tree's directory names need no quoting).
(cd "$tree" && find . -type d | sed 's/^\.//') | awk '{ printf "ls -p \"%s/\"\n", $0 }' > "$tmp/cmds"
debugfs -f "$tmp/cmds" "$img" 2>/dev/null | awk '
	/^debugfs: ls -p "/ { d = $0; sub(/^debugfs: ls -p "/, "", d); sub(/\/"$/, "", d); next }
	/^\/[0-9]+\/[0-7]+\// {
		n = split($0, f, "/"); name = f[6]
		if (name == "." || name == ".." || f[2] == 0) next
		print d "/" name "\t" f[2] "\t" f[3]
	}' > "$tmp/dbgtree"
timing "debugfs walk done"

# 3. ls -R --json against the source tree: names, types, modes, sizes, links, targets.
# (files mkimg.sh resized: the size of their expected content)
(cd "$img.expect" && find . -type f -printf 'size\t%P\t%s\n'
	cd "$tree" && find . -mindepth 1 -printf '%P\t%f\t%y\t%m\t%s\t%n\t%l\n' &&
	find . -mindepth 1 -type d -printf '%h\n' | sed 's/^\.//;s/^\///') | awk -F'\t' '
	$1 == "size" && NF == 3 { resized[$2] = $3; next }
	NF <= 1 { subdirs[$1]++; next }
	{ n++; path[n] = $1; line[n] = $0 }
	END {
		tb["f"] = 32768; tb["d"] = 16384; tb["l"] = 40960; tb["p"] = 4096; tb["s"] = 49152
		tn["f"] = "file"; tn["d"] = "dir"; tn["l"] = "symlink"; tn["p"] = "fifo"; tn["s"] = "sock"
		for (i = 1; i <= n; i++) {
			split(line[i], f, "\t")
			m = 0; s = f[4]; for (j = 1; j <= length(s); j++) m = m * 8 + substr(s, j, 1)
			size = (f[1] in resized) ? resized[f[1]] : f[5]; links = f[6]
			if (f[3] == "d") { size = "-"; links = 2 + subdirs[f[1]] }
			printf "/%s\t%s\t%s\t%d\t%s\t%s\t%s\n", f[1], f[2], tn[f[3]], tb[f[3]] + m, size, links, f[7]
		}
		printf "/lost+found\tlost+found\tdir\t16832\t-\t2\t\n"
	}' | sort > "$tmp/ls.exp"
"$FSIMG" ls -R --json "$img" > "$tmp/ls.json" 2> "$tmp/ls.err"
st=$?
jq -r '[.path, .name, .type, (.mode|tostring), (if .type == "dir" then "-" else (.size|tostring) end),
	(.links|tostring), (.target // "")] | join("\t")' < "$tmp/ls.json" 2>&1 | sort > "$tmp/ls.got"
[ $st -eq 0 ] || echo "exit status $st: $(head -1 "$tmp/ls.err")" >> "$tmp/ls.got"
check "ls -R --json agrees with the source tree ($(wc -l < "$tmp/ls.exp") entries)" "$tmp/ls.exp" "$tmp/ls.got"

# 4. ls inode numbers agree with debugfs's own walk.
cut -f1,2 "$tmp/dbgtree" | sort > "$tmp/ino.exp"
jq -r '[.path, (.inode|tostring)] | join("\t")' < "$tmp/ls.json" 2>/dev/null | sort > "$tmp/ino.got"
check "ls -R --json inode numbers agree with debugfs ls -p ($(wc -l < "$tmp/ino.exp") entries)" "$tmp/ino.exp" "$tmp/ino.got"

# 5. ls -l text for a few directories against find's ls-style fields
: > "$tmp/lsl.exp"; : > "$tmp/lsl.got"
for d in /links /modes /sizes /names /special /falloc; do
	(cd "$tree$d" && find . -mindepth 1 -maxdepth 1 -printf '%M %n %s %f\t%l\n') |
		awk -F'\t' '{ print ($2 == "" ? $1 : $1 " -> " $2) }' |
		sed -e 's/\\/\\\\/g' -e "s|^|$d |" >> "$tmp/lsl.exp"   # text output escapes "\" as "\\"
	"$FSIMG" ls -l "$img" "$d" 2>&1 | awk -v d="$d" '{ $1 = ""; sub(/^ /, ""); print d " " $0 }' >> "$tmp/lsl.got"
done
# files mkimg.sh resized (all in /falloc): the size of their expected content
for f in "$img.expect"/falloc/*; do
	awk -v n="${f##*/}" -v sz="$(wc -c < "$f")" '$1 == "/falloc" && $NF == n { $4 = sz } { print }' "$tmp/lsl.exp" > "$tmp/lsl.x"
	mv "$tmp/lsl.x" "$tmp/lsl.exp"
done
# directories: fsimg prints the on-disk size, the source tree its own: compare all but size
awk '$2 ~ /^d/ { $4 = "-" } { print }' "$tmp/lsl.exp" | sort > "$tmp/lsl.e"
awk '$2 ~ /^d/ { $4 = "-" } { print }' "$tmp/lsl.got" | sort > "$tmp/lsl.g"
check "ls -l text (mode string, links, size, name -> target) agrees with find -printf" "$tmp/lsl.e" "$tmp/lsl.g"

# ---------------------------------------------------------------------------
timing "ls checks done"
# 6. extents --all --json against debugfs stat for every inode either lists
#    (the tree's inodes per debugfs, the journal, and any other fsimg lists).
"$FSIMG" extents --all --json "$img" > "$tmp/ext.json" 2> "$tmp/ext.err"
st=$?
{ cut -f2 "$tmp/dbgtree"; echo 8; jq -r '.inode' < "$tmp/ext.json" 2>/dev/null; } |
	sort -un | awk '{ printf "stat <%s>\n", $1 }' > "$tmp/cmds"
# Rows: extent-mapped "INO ext LOGICAL PHYSICAL LENGTH w|u EOF|-" (unmerged, as on disk);
# block-mapped: one "INO blk LOGICAL PHYSICAL" per block (fsimg merges runs, debugfs too,
# differently); inline: "INO inline".
debugfs -f "$tmp/cmds" "$img" 2>/dev/null | awk -v bs="$bs" '
	function emit_ext(l, p, n, u) {
		print ino, "ext", l, p, n, u, (l >= eofb ? "beyond" : "-")
	}
	/^debugfs: stat </ { ino = $0; sub(/.*</, "", ino); sub(/>.*/, "", ino); kind = ""; next }
	/^User:.*Size: [0-9]/ { s = $0; sub(/.*Size: /, "", s); size = s + 0; eofb = int((size + bs - 1) / bs) }
	# EXT4_INLINE_DATA_FL 0x10000000 (debugfs prints "Size of inline data" for files only)
	/^Inode: .*Flags: 0x/ { h = $0; sub(/.*Flags: 0x/, "", h); h = substr("00000000" h, length(h) + 1)
		if (index("13579bdfBDF", substr(h, 1, 1))) print ino, "inline"; next }
	/^EXTENTS:/ { kind = "ext"; next }
	/^BLOCKS:/ { kind = "blk"; next }
	/^\(/ && kind != "" {
		n = split($0, item, /, /)
		for (i = 1; i <= n; i++) {
			it = item[i]
			if (it ~ /^\([A-Z]/) continue      # (IND) (DIND) (TIND) (ETB0)...
			u = (it ~ /\[u\]/) ? "u" : "w"; gsub(/\[u\]/, "", it)
			split(it, lp, /\):/); l = lp[1]; sub(/^\(/, "", l); p = lp[2]
			split(l, la, "-"); split(p, pa, "-")
			l0 = la[1] + 0; l1 = (la[2] == "" ? l0 : la[2] + 0); p0 = pa[1] + 0
			if (kind == "ext") emit_ext(l0, p0, l1 - l0 + 1, u)
			else for (b = l0; b <= l1; b++) print ino, "blk", b, p0 + b - l0
		}
		next
	}
	/^[A-Z]/ { kind = "" }' | sort > "$tmp/ext.exp"
jq -r '. as $f | if .inline then "\(.inode) inline"
	else .extents[] | "\($f.inode) \(.logical) \(.physical) \(.length) \(if .unwritten then "u" else "w" end) \(if .beyond_eof then "beyond" else "-" end)" end' \
	< "$tmp/ext.json" 2>&1 | awk -v oracle="$tmp/ext.exp" '
	BEGIN { while ((getline l < oracle) > 0) { split(l, a, " "); k[a[1]] = a[2] } }
	$2 == "inline" { print; next }
	k[$1] == "blk" { for (b = 0; b < $4; b++) print $1, "blk", $2 + b, $3 + b; next }
	{ print $1, "ext", $2, $3, $4, $5, $6 }' | sort > "$tmp/ext.got"
[ $st -eq 0 ] || echo "exit status $st: $(head -1 "$tmp/ext.err")" >> "$tmp/ext.got"
nino=$(cut -d' ' -f1 "$tmp/ext.exp" | sort -u | wc -l)
check "extents --all --json agrees with debugfs stat/ex ($nino inodes, $(wc -l < "$tmp/ext.exp") rows)" "$tmp/ext.exp" "$tmp/ext.got"

# 7. the check above is not vacuous: the oracle saw what mkimg.sh made
case $VARIANT in
ext2|ext3) want="blk" ;;
ext4_inline) want="ext u beyond inline" ;;
*) want="ext u beyond" ;;
esac
miss=
for w in $want; do
	grep -q " $w\( \|\$\)" "$tmp/ext.exp" || miss="$miss $w"
done
[ -z "$miss" ]
ok $? "$VARIANT: the extent oracle has rows of kinds: $want"
[ -z "$miss" ] || diag "missing:$miss"

# ---------------------------------------------------------------------------
timing "extent checks done"
# 8. info --json against dumpe2fs -h
dumpe2fs -h "$img" 2>/dev/null > "$tmp/d2fs"
dumpe2fs "$img" 2>/dev/null | awk '/Backup superblock at/ { s = $4; sub(/,$/, "", s); b = b (b == "" ? "" : " ") s } END { print "backup_superblocks=" b }' > "$tmp/backups"
awk -F':[ \t]*' '
	{ v[$1] = $2 }
	END {
		nf = split(v["Filesystem features"], f, " "); feats = ""
		for (i = 1; i <= nf; i++) has[f[i]] = 1
		print "block_size=" v["Block size"]
		print "cluster_size=" (v["Cluster size"] != "" ? v["Cluster size"] : v["Block size"])
		print "blocks_count=" v["Block count"]
		print "free_blocks_count=" v["Free blocks"]
		print "reserved_blocks_count=" v["Reserved block count"]
		print "inodes_count=" v["Inode count"]
		print "free_inodes_count=" v["Free inodes"]
		print "inode_size=" v["Inode size"]
		print "first_data_block=" v["First block"]
		print "blocks_per_group=" v["Blocks per group"]
		print "inodes_per_group=" v["Inodes per group"]
		bpg = v["Blocks per group"]
		print "group_count=" int((v["Block count"] - v["First block"] + bpg - 1) / bpg)
		print "uuid=" v["Filesystem UUID"]
		print "label=" (v["Filesystem volume name"] == "<none>" ? "" : v["Filesystem volume name"])
		print "needs_recovery=" (has["needs_recovery"] ? "true" : "false")
		print "state=" v["Filesystem state"]
		print "checksum_type=" (v["Checksum type"] != "" ? v["Checksum type"] : "null")
		print "journal=" (v["Journal inode"] != "" ? "inode " v["Journal inode"] : "null")
		t = "ext2"
		if (has["has_journal"]) t = "ext3"
		if (has["extent"] || has["flex_bg"] || has["64bit"] || has["metadata_csum"] || has["inline_data"] || has["bigalloc"] || has["huge_file"] || has["dir_nlink"] || has["extra_isize"]) t = "ext4"
		print "fs_type=" t
	}' "$tmp/d2fs" > "$tmp/info.exp"
awk -F': *' '$1 == "Filesystem features" { n = split($2, f, " "); for (i = 1; i <= n; i++) if (f[i] != "needs_recovery") print f[i] }' "$tmp/d2fs" |
	sort | tr '\n' ' ' | sed 's/^/features=/;s/ $//' >> "$tmp/info.exp"
echo >> "$tmp/info.exp"
cat "$tmp/backups" >> "$tmp/info.exp"
"$FSIMG" info --json "$img" > "$tmp/info.json" 2> "$tmp/info.err"
st=$?
jq -r '
	"block_size=\(.block_size)", "cluster_size=\(.cluster_size)", "blocks_count=\(.blocks_count)",
	"free_blocks_count=\(.free_blocks_count)", "reserved_blocks_count=\(.reserved_blocks_count)",
	"inodes_count=\(.inodes_count)", "free_inodes_count=\(.free_inodes_count)",
	"inode_size=\(.inode_size)", "first_data_block=\(.first_data_block)",
	"blocks_per_group=\(.blocks_per_group)", "inodes_per_group=\(.inodes_per_group)",
	"group_count=\(.group_count)", "uuid=\(.uuid)", "label=\(.label // "")",
	"needs_recovery=\(.needs_recovery)", "state=\(.state | if type == "array" then join(" ") else . end)",
	"checksum_type=\(.checksum_type)",
	"journal=\(if .journal == null then "null" elif .journal.inode then "inode \(.journal.inode)" else .journal | tostring end)",
	"fs_type=\(.fs_type)",
	"features=\([.features[] | select(. != "needs_recovery")] | sort | join(" "))",
	"backup_superblocks=\(.backup_superblocks | map(tostring) | join(" "))"' < "$tmp/info.json" > "$tmp/info.got" 2>&1
[ $st -eq 0 ] || echo "exit status $st: $(head -1 "$tmp/info.err")" >> "$tmp/info.got"
check "info --json agrees with dumpe2fs -h" "$tmp/info.exp" "$tmp/info.got"

# 9. info text has the dumpe2fs names for the basic counts
"$FSIMG" info "$img" > "$tmp/info.txt" 2>&1
: > "$tmp/infobad"
for k in "Block size" "Block count" "Inode count" "Free blocks" "Free inodes" "Filesystem UUID" "Filesystem volume name"; do
	e=$(awk -F':[ \t]*' -v k="$k" '$1 == k { print $2; exit }' "$tmp/d2fs")
	g=$(awk -F':[ \t]*' -v k="$k" '$1 == k { print $2; exit }' "$tmp/info.txt")
	[ "$e" = "$g" ] || echo "$k: dumpe2fs '$e', fsimg '$g'" >> "$tmp/infobad"
done
grep -q '^Needs recovery: *no$' "$tmp/info.txt" || echo "no 'Needs recovery: no' line" >> "$tmp/infobad"
[ ! -s "$tmp/infobad" ]
ok $? "$VARIANT: info text lines agree with dumpe2fs -h"
[ ! -s "$tmp/infobad" ] || show_diff "$tmp/infobad"

# 10. read-only: the image is unchanged by all of the above
[ "$(sha256sum < "$img")" = "$sum0" ]
ok $? "$VARIANT: image sha256 unchanged after every command"

done_testing
