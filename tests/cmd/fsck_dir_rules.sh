#!/bin/sh
# Entry rules by the directory's kind (issue 15; pass_dirs_rules.c): the
# byte after "." and ".."; encrypted directories (names are ciphertext of
# at least 16 bytes, every file shares the directory's policy); casefolded
# directories under strict encoding (names are UTF-8). debugfs cannot
# encrypt: a directory is made "encrypted" by the flag and an fscrypt v1
# context written as debugfs' xattr "c", whose name index is then set to
# the kernel's 9 (EXT4_XATTR_INDEX_ENCRYPTION); names stay plaintext.
# Oracle: e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dd
fs_tmp
fs_small_src
long=averyveryverylongname1
mkdir -p "$tmp/esrc/d"
printf 'hi\n' > "$tmp/esrc/d/$long"
printf 'x' > "$tmp/x"
printf '\001\001\004\000AAAAAAAANNNNNNNNNNNNNNNN' > "$tmp/ctx1"
printf '\001\001\004\000BBBBBBBBNNNNNNNNNNNNNNNN' > "$tmp/ctx2"

# mk NAME SRC MKE2FS-OPTIONS...: a clean 1 KiB-block image (the inode offset math below assumes it)
mk() {
	_n=$1 _s=$2; shift 2
	mke2fs -q -t ext4 -b 1024 -O ^metadata_csum "$@" -d "$_s" "$tmp/$_n.img" 8M >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $* failed"; exit 99; }
}
# encrypt IMG PATH CTX: the encrypt flag, and CTX as the only in-inode xattr, index 9
encrypt() {
	_at=$(debugfs -R "imap $2" "$1" 2>/dev/null |
		sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
	_fl=$(debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Flags: \(0x[0-9a-f]*\).*/\1/p')
	fs_dbg "$1" "ea_set -f $3 $2 c" "sif $2 flags $((_fl | 0x800))"
	# 128-byte core + i_extra_isize 32 + the 4-byte ibody magic: the entry; its e_name_index
	printf '\011' | dd of="$1" bs=1 seek=$((${_at% *} * 1024 + ${_at#* } + 165)) conv=notrunc 2>/dev/null
}
# same NAME: both checkers clean
same() {
	_e=$(fs_e2fsck "$img") _r=$(fs_fsimg "$img")
	[ "$_e" = clean ] && [ "$_r" = clean ]
	_st=$?; [ $_st = 0 ] || sed 's/^/#   fsimg: /' "$img.out" | head -5
	ok $_st "$1: e2fsck -fn $_e, fsimg $_r"
}

mk plain "$src"
img=$tmp/dot.img; cp "$tmp/plain.img" "$img"
fs_dbg "$img" "zap_block -f /d -o 9 -l 1 -p 65 0"
fs_corrupt "'.' followed by 'A'" DIRENT_DOT_NOT_TERMINATED "$img"
img=$tmp/dotdot.img; cp "$tmp/plain.img" "$img"
fs_dbg "$img" "zap_block -f /d -o 22 -l 1 -p 65 0"
fs_corrupt "'..' followed by 'A'" DIRENT_DOT_NOT_TERMINATED "$img"

mk enc "$tmp/esrc" -O encrypt
img=$tmp/enc_same.img; cp "$tmp/enc.img" "$img"
encrypt "$img" /d "$tmp/ctx1"; encrypt "$img" "/d/$long" "$tmp/ctx1"
same "an encrypted directory and its file under one policy"
img=$tmp/enc_plain.img; cp "$tmp/enc.img" "$img"
encrypt "$img" /d "$tmp/ctx1"
fs_corrupt "an unencrypted file in an encrypted directory" DIRENT_UNENCRYPTED "$img"
img=$tmp/enc_other.img; cp "$tmp/enc.img" "$img"
encrypt "$img" /d "$tmp/ctx1"; encrypt "$img" "/d/$long" "$tmp/ctx2"
fs_corrupt "a file under another key" DIRENT_POLICY_DIFFERS "$img"
img=$tmp/enc_short.img; cp "$tmp/enc_same.img" "$img"
fs_dbg "$img" "write $tmp/x /d/c"
encrypt "$img" /d/c "$tmp/ctx1"
fs_corrupt "a 1-byte name in an encrypted directory" DIRENT_ENCRYPTED_NAME_SHORT "$img"

mk strict "$src" -O casefold -E encoding_flags=strict
mk lax "$src" -O casefold
for m in strict lax; do
	img=$tmp/${m}_ok.img; cp "$tmp/$m.img" "$img"
	printf 'sif /d flags 0x40080000\nwrite %s /d/caf\303\251\n' "$tmp/x" | debugfs -w -f - "$img" >/dev/null 2>&1
	same "$m casefold, a UTF-8 name"
	img=$tmp/${m}_bad.img; cp "$tmp/$m.img" "$img"
	printf 'sif /d flags 0x40080000\nwrite %s /d/b\377d\n' "$tmp/x" | debugfs -w -f - "$img" >/dev/null 2>&1
done
fs_corrupt "strict casefold, a name with byte 0xff" DIRENT_BAD_UTF8 "$tmp/strict_bad.img"
img=$tmp/lax_bad.img
same "casefold without strict: the kernel takes the bytes"
done_testing
