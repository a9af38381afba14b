#!/bin/sh
# fsck -j with an external journal that needs no recovery: the journal is
# still checked, its device's own ext4 superblock checksum included (e2fsck's
# PR_0_EXT_JOURNAL_SUPER_CSUM_INVALID: "Fix? no", exit 0 under -n). The pair
# is made as in j_external.sh (mke2fs -O journal_dev,metadata_csum, debugfs
# jo -f, the filesystem recorded as the journal's one user); the damage is a
# byte of the device's s_volume_name, its checksum left stale.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
need mke2fs debugfs dumpe2fs e2fsck python3
plan 4
d=$(mktemp_dir)
[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$d"' EXIT
img=$d/img jdev=$d/jdev
mke2fs -q -F -O journal_dev,metadata_csum -b 1024 "$jdev" 2M >/dev/null 2>&1 ||
	skip_all "mke2fs -O journal_dev failed"
ju=$(dumpe2fs -h "$jdev" 2>/dev/null | awk '/Filesystem UUID/{print $3}')
j_mkfs "$img" 8M -t ext4 -b 1024 -O ^has_journal
j_debugfs "$img" "feature has_journal" "ssv journal_uuid $ju" "ssv journal_dev 0x0701"
j_debugfs "$img" "jo -f $jdev" "jc"
j_jsb_set "$jdev" 2 0x40 1
fu=$(dumpe2fs -h "$img" 2>/dev/null | awk '/Filesystem UUID/{print $3}' | tr -d -)
for k in 0 1 2 3; do
	j_jsb_set "$jdev" 2 $((0x100 + 4 * k)) "0x$(printf '%s' "$fu" | cut -c$((8 * k + 1))-$((8 * k + 8)))"
done

e2fsck -fn -j "$jdev" "$img" >"$d/e2" 2>&1; e=$?
"$FSIMG" fsck -j "$jdev" "$img" >"$d/out" 2>&1; f=$?
[ $e -eq 0 ] && ! grep -q "checksum does not match" "$d/e2" && [ $f -eq 0 ] && ! grep -q JOURNAL_DEV_SUPER_CSUM "$d/out"
ok $? "a clean pair: e2fsck -fn -j exit $e, fsimg fsck -j exit $f, no checksum complaint"

cp "$jdev" "$d/jbad"
printf 'X' | dd of="$d/jbad" bs=1 seek=$((1024 + 0x78)) conv=notrunc 2>/dev/null
e2fsck -fn -j "$d/jbad" "$img" >"$d/e2" 2>&1; e=$?
grep -q "External journal superblock checksum does not match superblock" "$d/e2" && [ $e -eq 0 ]
ok $? "the device's superblock changed: e2fsck -fn -j says its checksum does not match (exit $e)"
"$FSIMG" fsck -j "$d/jbad" "$img" >"$d/out" 2>&1; f=$?
[ $f -eq 0 ] && grep -q "^warning: JOURNAL_DEV_SUPER_CSUM: " "$d/out"
ok $? "fsimg fsck -j: the warning JOURNAL_DEV_SUPER_CSUM, exit $f like e2fsck"
"$FSIMG" fsck "$img" >"$d/out" 2>&1
! grep -q JOURNAL_DEV_SUPER_CSUM "$d/out"
ok $? "without -j the device is not read"
