#!/bin/sh
# fsck, verity (issue 15): a verity file keeps its Merkle tree in blocks past
# i_size. With the verity inode flag those written blocks are legal (e2fsck's
# pass1 bad_size rule and the kernel's fs/verity); without it they are not.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_feat.sh"
ff_init
seq 1 2000 > "$FF_DIR/data"   # 8893 bytes: 3 blocks
img=$FF_DIR/v.img
for c in "verity:0x180000:" "no_flag:0x80000:DATA_WRITTEN_PAST_EOF"; do
	name=${c%%:*} rest=${c#*:}
	ff_mkfs "$img" verity
	ff_debugfs "$img" "write $FF_DIR/data f;sif f size 12;sif f flags ${rest%%:*}"
	# shellcheck disable=SC2086
	ff_case "$name" "$img" ${rest#*:}
	if [ -z "${rest#*:}" ]; then
		! ff_has_id "$FF_OUT" DATA_WRITTEN_PAST_EOF
		ok $? "$name: Merkle blocks past EOF are not called written past EOF"
	fi
done
done_testing
