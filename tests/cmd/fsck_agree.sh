#!/bin/sh
# The detectors added for verdict agreement with e2fsck over the corpus:
# xattrs in the inode and in blocks (pass_xattr.c), quota inodes (pass_quota.c), the journal superblock,
# its inode and an external journal (pass_journal.c; the log's checksums are in
# fsck_super_journal.sh). One debugfs (or byte-level, where
# debugfs has no command) corruption each, checked for the id and for
# agreement with e2fsck (-fn, or -fy on a copy where -n exits 0 regardless).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs python3
fs_tmp
fs_img ext2 "$tmp/ext2.img"
fs_img ext3 "$tmp/ext3.img"
fs_img ext4 "$tmp/ext4.img"
fs_img ext4_nocsum "$tmp/ext4_nocsum.img"
cp_img() { img=$tmp/$2.img; cp "$tmp/$1.img" "$img"; }
F=/sizes/bin_300k

# pass_xattr.c
cp_img ext2 acl_nofeature; fs_dbg "$img" "sif $F file_acl 300" "feature -ext_attr"
fs_corrupt "xattr block without ext_attr" INODE_XATTR_NO_FEATURE "$img"
cp_img ext2 acl_hi; fs_dbg "$img" "sif $F file_acl_hi 2"
fs_corrupt "i_file_acl_hi without 64bit" INODE_XATTR_BLOCK_HI "$img"
# in-inode xattr: the first entry's e_value_offs past the area (no inode
# checksum to keep right in ext4_nocsum)
cp_img ext4_nocsum ibody; fs_dbg "$img" "ea_set $F user.foo barbazqux"
set -- $(debugfs -R "imap $F" "$img" 2>/dev/null |
	sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
python3 - "$img" "$1" "$2" 4096 256 <<'PY'
import sys
img, blk, off, bs, isz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0), int(sys.argv[4]), int(sys.argv[5])
with open(img, 'r+b') as f:
    f.seek(blk * bs + off); rec = bytearray(f.read(isz))
    m = rec.index(bytes.fromhex('000002ea'), 128)  # EXT4_XATTR_MAGIC after i_extra_isize
    rec[m + 6:m + 8] = (0xd0).to_bytes(2, 'little')
    f.seek(blk * bs + off); f.write(rec)
PY
fs_corrupt "in-inode xattr value outside the inode" INODE_XATTR_IBODY "$img"
# an xattr block (a value too large for the inode body), then its magic,
# its checksum (h_checksum at 16), or its first entry's e_value_offs (at 32 + 2)
python3 -c "import sys; open(sys.argv[1], 'w').write('v' * 1500)" "$tmp/value"
for v in ext4 ext4_nocsum; do
	fs_dbg "$tmp/$v.img" "ea_set -f $tmp/value $F user.big"
done
[ "$(fs_fsimg "$tmp/ext4.img")" = clean ] && ! grep -q '^warning: ' "$tmp/ext4.img.out" &&
	[ "$(fs_e2fsck "$tmp/ext4.img")" = clean ]
ok $? "an xattr block: clean for both (no error, no warning)"
# xattr_poke VARIANT NAME OFFSET BYTES: a copy with BYTES written at OFFSET of the xattr block
xattr_poke() {
	cp_img "$1" "$2"
	_eb=$(debugfs -R "stat $F" "$img" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
	printf "$4" | dd of="$img" bs=1 seek=$((_eb * 4096 + $3)) conv=notrunc 2>/dev/null
}
xattr_poke ext4 xblock_magic 0 'XXXX'
fs_corrupt "xattr block magic" XATTR_BLOCK_BAD "$img"
xattr_poke ext4 xblock_csum 16 'QQ'
fs_corrupt "xattr block checksum" XATTR_BLOCK_BAD "$img"
xattr_poke ext4_nocsum xblock_voffs 34 '\377\017'
fs_corrupt "xattr block value outside the block" XATTR_BLOCK_BAD "$img"

# pass_quota.c
cp_img ext4 quota_reserved; fs_dbg "$img" "ssv usr_quota_inum 5"
fs_corrupt_fy "user quota inode a reserved inode" QUOTA_INODE_BAD "$img"
cp_img ext4 quota_range; fs_dbg "$img" "ssv prj_quota_inum 999999"
fs_corrupt_fy "project quota inode past s_inodes_count" QUOTA_INODE_BAD "$img"

# pass_journal.c: s_nr_users (big-endian at 0x40 of the journal superblock)
cp_img ext3 nr_users
jb=$(debugfs -R "bmap <8> 0" "$img" 2>/dev/null)
printf '\000\000\000\005' | dd of="$img" bs=1 seek=$((jb * 4096 + 64)) conv=notrunc 2>/dev/null
fs_corrupt "journal superblock with 5 users" JOURNAL_NR_USERS "$img"
# the journal inode cleared: its superblock backup still maps the journal
cp_img ext3 jinode; fs_dbg "$img" "clri <8>"
fs_corrupt "journal inode cleared" JOURNAL_INODE_BACKUP "$img"
# i_size past the 4 MiB mapped: e2fsck_get_journal compares the bytes walked
# with i_size cast to int, so 2 GiB (negative) passes and the kernel bounds
# the journal by s_maxlen; 16 MiB falls short: the backup, and -fy then
# repairs inode 8's i_blocks
cp_img ext3 jsize2g; fs_dbg "$img" "sif <8> size 0x80000000"
_e=$(fs_e2fsck_fy "$img") _r=$(fs_fsimg "$img")
[ "$_e" = clean ] && [ "$_r" = clean ]
ok $? "journal inode of 2 GiB over 4 MiB mapped: e2fsck -fy $_e, fsimg $_r"
cp_img ext3 jsize16m; fs_dbg "$img" "sif <8> size 0x1000000"
fs_corrupt_fy "journal inode of 16 MiB over 4 MiB mapped" JOURNAL_INODE_BACKUP "$img"

# needs recovery from an external journal that is not this filesystem's
img=$tmp/ext.img jdev=$tmp/jdev
mke2fs -q -F -O journal_dev -b 1024 "$jdev" 2M >/dev/null 2>&1
ju=$(dumpe2fs -h "$jdev" 2>/dev/null | awk '/Filesystem UUID/ { print $3 }')
mke2fs -q -F -o Linux -t ext4 -b 1024 -O ^has_journal -d "$tmp/tree" "$img" 16M >/dev/null 2>&1
python3 -c "import sys; open(sys.argv[1], 'wb').write(bytes(range(256)) * 4)" "$tmp/pattern"
fs_dbg "$img" "feature has_journal" "ssv journal_uuid $ju" "ssv journal_dev 0x0701" \
	"jo -f $jdev" "jw -b $(debugfs -R "bmap $F 0" "$img" 2>/dev/null) $tmp/pattern" "jc"
# the filesystem as the journal's one user (debugfs leaves s_nr_users 0, which the kernel refuses)
python3 - "$jdev" "$(dumpe2fs -h "$img" 2>/dev/null | awk '/Filesystem UUID/ { print $3 }')" <<'EOF2'
import struct, sys, uuid
with open(sys.argv[1], "r+b") as f:
    f.seek(2048)
    sb = bytearray(f.read(1024))
    sb[0x40:0x44] = struct.pack(">I", 1)
    sb[0x100:0x110] = uuid.UUID(sys.argv[2]).bytes
    if struct.unpack(">I", sb[0x28:0x2c])[0] & 0x18:
        sys.exit("journal checksums: not expected here")
    f.seek(2048)
    f.write(sb)
EOF2
mke2fs -q -F -O journal_dev -b 1024 "$tmp/other" 2M >/dev/null 2>&1
e=$(e2fsck -fn -j "$tmp/other" "$img" >"$img.e2fsck" 2>&1 && echo clean || echo error)
f=$(fs_fsimg "$img" -j "$tmp/other")
fs_has "$img" JOURNAL_NOT_REPLAYED && [ "$e" = "$f" ]
ok $? "external journal of another filesystem: JOURNAL_NOT_REPLAYED reported; e2fsck -fn $e, fsimg $f"
f=$(fs_fsimg "$img" -j "$jdev")
! fs_has "$img" JOURNAL_NOT_REPLAYED
ok $? "with its own external journal: replayed, JOURNAL_NOT_REPLAYED not reported ($f)"
# A deleted file still on the orphan chain (links 0): its inode and blocks stay
# in use until the kernel or e2fsck releases them, so the bitmaps are right.
# e2fsck -n skips orphan processing and calls them bitmap differences; -fy
# releases the orphan first (exit 1: modified) and has nothing to fix.
cp_img ext4 orphan
o=$(debugfs -R "stat $F" "$img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
fs_dbg "$img" "unlink $F" "sif <$o> links_count 0" "ssv last_orphan $o"
cp "$img" "$img.fy" && env -u E2FSCK_TIME e2fsck -fy "$img.fy" >"$img.e2fsck" 2>&1
grep -q "^Clearing orphaned inode $o " "$img.e2fsck" && ! grep -q '? yes$' "$img.e2fsck"
e=$?
f=$(fs_fsimg "$img")
fs_has "$img" INODE_ORPHAN_LIST && [ $e = 0 ] && [ "$f" = clean ]
st=$?; [ $st = 0 ] || sed "s/^/# /" "$img.e2fsck" "$img.out" | head -20
ok $st "deleted inode $o on the orphan chain counts as in use; e2fsck -fy only releases it, fsimg $f"
done_testing
