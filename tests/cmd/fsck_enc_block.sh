#!/bin/sh
# An encryption context kept in an xattr block rather than the inode body
# (128-byte inodes have no body area): it is read there, as e2fsck's
# ext2fs_xattrs_read does. debugfs cannot name xattr index 9, so the context
# is set as user.c and its entry's name index changed to 9 in the block
# (without metadata_csum, so the block still verifies). A v1 context of 28
# bytes is valid; one of 26 bytes is corrupt. Oracle: e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck python3
fs_tmp
mkdir -p "$tmp/src"
echo secret >"$tmp/src/f"

# mkenc IMG BYTES: /f encrypted, its context BYTES long, in its xattr block
mkenc() {
	python3 -c "import sys; sys.stdout.buffer.write((bytes([1, 1, 4, 0]) + b'KEYDESC8' + bytes(range(16)))[:$2])" >"$tmp/ctx"
	mke2fs -q -F -t ext4 -b 1024 -I 128 -O encrypt,^metadata_csum -d "$tmp/src" "$1" 4M >/dev/null 2>&1 &&
		fs_dbg "$1" "ea_set -f $tmp/ctx /f user.c" "sif /f flags 0x80800" &&
		python3 - "$1" <<'PY'
import re, subprocess, sys
img = sys.argv[1]
out = subprocess.run(["debugfs", "-R", "stat /f", img], capture_output=True, text=True).stdout
blk = int(re.search(r"File ACL: (\d+)", out).group(1))
bs = 1024
d = bytearray(open(img, "rb").read())
e = blk * bs + 32  # the first entry, after the block's header
if (d[e], d[e + 1], d[e + 16]) != (1, 1, ord("c")):
    sys.exit(1)
d[e + 1] = 9  # user.c -> the encryption context
open(img, "wb").write(d)
PY
	[ $? -eq 0 ] || { echo "Bail out! could not build $1"; exit 99; }
}

mkenc "$tmp/ok.img" 28
e=$(fs_e2fsck "$tmp/ok.img"); f=$(fs_fsimg "$tmp/ok.img")
[ "$e" = clean ] && [ "$f" = clean ]
ok $? "a valid context in the xattr block: e2fsck -fn $e, fsimg fsck $f"
mkenc "$tmp/bad.img" 26
e=$(fs_e2fsck "$tmp/bad.img"); f=$(fs_fsimg "$tmp/bad.img")
[ "$e" = error ] && grep -q "has corrupt encryption extended attribute" "$tmp/bad.img.e2fsck" &&
	[ "$f" = error ] && fs_has "$tmp/bad.img" INODE_ENCRYPT_NO_CONTEXT
ok $? "a corrupt context in the xattr block: e2fsck -fn $e, fsimg fsck $f (INODE_ENCRYPT_NO_CONTEXT)"
done_testing
