#!/bin/sh
# fsck, xattr entry hashes (issue 15): e_hash over the name and the value's
# 32-bit words, as e2fsck's check_ext_attr (xattr blocks: always) and
# check_ea_in_inode (inode bodies: 0 allowed) judge it. No metadata_csum, so
# a changed byte is a hash fault alone. Against e2fsck -fn.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_feat.sh"
ff_init
printf 'hello-value' > "$FF_DIR/hv"
seq 1 100 > "$FF_DIR/qv" # 292 bytes: too big for the body, kept in a block
base=$FF_DIR/base.img img=$FF_DIR/t.img
ff_mkfs "$base" ^metadata_csum
ff_debugfs "$base" "write /dev/null f;ea_set -f $FF_DIR/hv f user.x;write /dev/null g;ea_set -f $FF_DIR/qv g user.y"
ff_case clean "$base"
poke() { # poke OFFSET BYTES: a copy of the base with BYTES written at OFFSET
	cp "$base" "$img"
	printf "$2" | dd of="$img" bs=1 seek="$1" conv=notrunc status=none
}
# a block value's byte changed: its hash no longer matches
off=$(grep -boax '97' "$base" | head -1 | cut -d: -f1)
[ -n "$off" ] && poke "$off" 'J'
ff_case block_value "$img" XATTR_BLOCK_HASH
# the body entry of f (after i_extra_isize 32 and the magic): e_hash at +12
loc=$(debugfs -R "imap f" "$base" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
set -- $loc
ent=$(($1 * 4096 + $2 + 128 + 32 + 4))
poke $((ent + 12)) '\001\002\003\004'
ff_case ibody_hash "$img" XATTR_HASH
# e_hash 0 in a body is an older kernel's way: accepted
hv=$(grep -boa 'hello-value' "$base" | head -1 | cut -d: -f1)
poke "$hv" 'J'
ff_case ibody_zero_hash "$img"
done_testing
