#!/bin/sh
# Casefolded directories (issue 18, item 6; issue 15). The kernel hashes a
# casefolded directory's names by their utf8-12.1 casefold (libfsimg/ext4/utf8.c,
# tables generated from the Unicode data files): the leaves' hash ranges are
# checked with it, and lookups compare names by it. Oracles: e2fsck -fn (the
# image is clean; a name whose bytes were changed is out of its leaf's range)
# and the source tree (every file reads back, under its own name and others of
# the same casefold).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck python3
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
# Non-ASCII names whose casefold differs from their bytes: Latin-1 and Greek
# capitals, U+212A KELVIN SIGN, U+00DF (folds to "ss"), U+0130, a precomposed
# and a decomposed e-acute with two marks to reorder, a Hangul syllable,
# U+00AD SOFT HYPHEN (ignorable: dropped), enough for several leaves.
mkdir "$src/intl"
i=1
while [ $i -le 120 ]; do
	for n in "$(printf '\303\204RGER')" "$(printf '\316\243\316\237\316\246\316\231\316\221')" \
		"$(printf '\342\204\252elvin')" "$(printf 'Fu\303\237')" "$(printf '\304\260stanbul')" \
		"$(printf 'Caf\303\251')" "$(printf 'Cafe\314\243\314\201')" "$(printf '\352\260\200')" \
		"$(printf 'soft\302\255hyphen')"; do
		echo "$n $i" > "$src/intl/$n$i"
	done
	i=$((i + 4))
done
img=$tmp/cf.img
# 1 KiB blocks: the 301 names need an index of several leaves
mkcf() { # mkcf IMG [MKE2FS OPTIONS]: the casefolded image, indexed by e2fsck -fyD
	_i=$1; shift
	mke2fs -q -t ext4 -b 1024 -O casefold "$@" -d "$src" "$_i" 8M >/dev/null 2>&1 &&
		fs_dbg "$_i" "set_inode_field /dir flags 0x40080000" "set_inode_field /small flags 0x40080000" \
			"set_inode_field /intl flags 0x40080000" &&
		e2fsck -fyD "$_i" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "Bail out! could not build the casefolded image"; exit 99; }
}
mkcf "$img"
debugfs -R "htree /dir" "$img" 2>/dev/null | grep -q "^Entry #2:" &&
	debugfs -R "htree /intl" "$img" 2>/dev/null | grep -q "^Entry #2:"
ok $? "the casefolded directories are indexed, with several leaves (debugfs htree)"

e=$(fs_e2fsck "$img")
f=$(fs_fsimg "$img")
[ "$e" = clean ] && [ "$f" = clean ] && ! grep -q '^warning: ' "$img.out"
st=$?; [ $st = 0 ] || sed 's/^/# /' "$img.out" | head -8
ok $st "casefolded htrees with non-ASCII names: e2fsck -fn $e, fsimg fsck $f (no DX_LEAF_HASH)"

# Damage: one letter of a name in a leaf of /intl changed in place (no
# metadata_csum, so the block still verifies): the kernel would look for it
# in another leaf. The name is one whose new hash leaves its leaf's range,
# chosen by fsimg fsck itself on candidates; e2fsck -fn is the judge.
dmg=$tmp/cfdmg.img
mkcf "$dmg" -O ^metadata_csum
found=
for cand in 1 5 9 13 17 21 25 29 33 37 41 45; do
	cp "$dmg" "$dmg.try"
	python3 - "$dmg.try" "$(printf 'Fu\303\237')$cand" <<'PY' || continue
import sys
img, name = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(img, "rb").read())
at = data.find(bytes([len(name)]) + b"\x01" + name)
if at < 0 or data.find(bytes([len(name)]) + b"\x01" + name, at + 1) >= 0:
    sys.exit(1)
data[at + 2] = ord("G")  # "F" -> "G": a name of another hash
open(img, "wb").write(data)
PY
	if [ "$(fs_e2fsck "$dmg.try")" = error ] && grep -q "HTREE" "$dmg.try.e2fsck"; then
		found=$cand
		break
	fi
done
[ -n "$found" ]
ok $? "a renamed entry of a casefolded htree: e2fsck -fn finds a bad hash (candidate ${found:-none})"
f=$(fs_fsimg "$dmg.try")
[ "$f" = error ] && fs_has "$dmg.try" DX_LEAF_HASH
st=$?; [ $st = 0 ] || sed 's/^/# /' "$dmg.try.out" | head -8
ok $st "fsimg fsck finds it too: $f, DX_LEAF_HASH"

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

# Other spellings of the same casefold: U+00DF folds to "ss", U+212A to "k",
# a decomposed e-acute is the precomposed one, marks reorder by class.
"$FSIMG" cat "$img" /small/STRASSE 2>/dev/null | cmp -s - "$src/small/$n" &&
	"$FSIMG" cat "$img" /intl/fuss5 2>/dev/null | cmp -s - "$src/intl/$(printf 'Fu\303\237')5" &&
	"$FSIMG" cat "$img" /intl/KELVIN9 2>/dev/null | cmp -s - "$src/intl/$(printf '\342\204\252elvin')9" &&
	"$FSIMG" cat "$img" "/intl/$(printf 'CAFE\314\201')13" 2>/dev/null | cmp -s - "$src/intl/$(printf 'Caf\303\251')13" &&
	"$FSIMG" cat "$img" "/intl/$(printf 'caf\303\251\314\243')17" 2>/dev/null |
		cmp -s - "$src/intl/$(printf 'Cafe\314\243\314\201')17" &&
	"$FSIMG" cat "$img" "/intl/$(printf '\303\244rger')21" 2>/dev/null | cmp -s - "$src/intl/$(printf '\303\204RGER')21" &&
	"$FSIMG" cat "$img" /intl/softhyphen25 2>/dev/null | cmp -s - "$src/intl/$(printf 'soft\302\255hyphen')25"
ok $? "cat by other spellings of the same utf8 casefold finds the file"
"$FSIMG" cat "$img" /small/STRASE >/dev/null 2>"$tmp/err"
grep -q "no such file" "$tmp/err"
ok $? "a non-ASCII name's near miss: not found"
done_testing
