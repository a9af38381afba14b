#!/bin/sh
# Casefolded directories (issue 18, item 6). The kernel hashes a casefolded
# directory's names by their utf8 casefold, which fsimg does not compute: its
# index is checked for structure only, and lookups scan it with a casefold
# compare that is exact for ASCII names and says "not known" rather than guess
# for others. Oracles: e2fsck -fn (the image is clean) and the source tree
# (every file reads back, under its own name and in other cases).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck
fs_tmp
src=$tmp/src
mkdir -p "$src/dir" "$src/small"
i=1
while [ $i -le 300 ]; do
	echo "content of FileName$i" > "$src/dir/FileName$i"
	i=$((i + 1))
done
echo "mixed" > "$src/dir/Mixed.TXT"
echo "plain" > "$src/small/plain"
printf 'eszett\n' > "$src/small/$(printf 'Stra\303\237e')"
img=$tmp/cf.img
# 1 KiB blocks: the 301 names need an index of several leaves
mke2fs -q -t ext4 -b 1024 -O casefold -d "$src" "$img" 8M >/dev/null 2>&1 &&
	fs_dbg "$img" "set_inode_field /dir flags 0x40080000" "set_inode_field /small flags 0x40080000" &&
	e2fsck -fyD "$img" >/dev/null 2>&1
[ $? -le 1 ] || { echo "Bail out! could not build the casefolded image"; exit 99; }
debugfs -R "htree /dir" "$img" 2>/dev/null | grep -q "^Entry #2:"
ok $? "the casefolded directory is indexed, with several leaves (debugfs htree)"

e=$(fs_e2fsck "$img")
f=$(fs_fsimg "$img")
[ "$e" = clean ] && [ "$f" = clean ] && ! grep -q '^warning: ' "$img.out"
st=$?; [ $st = 0 ] || sed 's/^/# /' "$img.out" | head -8
ok $st "casefolded htree: e2fsck -fn $e, fsimg fsck $f (no DX_LEAF_HASH)"

# Every file under its own name: the source tree's bytes.
bad=0 first=
for p in $(cd "$src" && find dir small/plain -type f | sort); do
	"$FSIMG" cat "$img" "/$p" 2>/dev/null | cmp -s - "$src/$p" || { bad=$((bad + 1)); first=${first:-$p}; }
done
[ $bad = 0 ]
ok $? "cat of every ASCII-named file gives the source's bytes ($bad failed${first:+, first $first})"
n=$(printf 'Stra\303\237e')
"$FSIMG" cat "$img" "/small/$n" 2>/dev/null | cmp -s - "$src/small/$n"
ok $? "cat of a non-ASCII name, spelled as stored"

# Other cases of an ASCII name: the kernel's casefold compare finds them.
"$FSIMG" cat "$img" /dir/FILENAME77 2>/dev/null | cmp -s - "$src/dir/FileName77" &&
	"$FSIMG" cat "$img" /dir/filename300 2>/dev/null | cmp -s - "$src/dir/FileName300" &&
	"$FSIMG" cat "$img" /dir/mIXED.txt 2>/dev/null | cmp -s - "$src/dir/Mixed.TXT" &&
	"$FSIMG" cat "$img" /small/PLAIN 2>/dev/null | cmp -s - "$src/small/plain"
ok $? "cat in other letter cases finds the file (ASCII casefolding)"
"$FSIMG" cat "$img" /dir/FileName301 >/dev/null 2>"$tmp/err"
grep -q "no such file" "$tmp/err"
ok $? "a name no entry folds to: not found"

# U+00DF folds to "ss": whether STRASSE names it takes utf8 tables. fsimg
# must not claim an answer either way.
"$FSIMG" cat "$img" /small/STRASSE >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -ne 0 ] && ! grep -q "no such file" "$tmp/err" && grep -q "casefolded" "$tmp/err" && [ ! -s "$tmp/out" ]
ok $? "a name that may fold to a non-ASCII entry: not known, said so (exit $st: $(head -c 160 "$tmp/err"))"
done_testing
