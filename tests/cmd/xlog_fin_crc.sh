#!/bin/sh
# The mount's finish after log replay reads AG headers and btree blocks
# through the kernel's read verifiers: a v5 block whose crc32c is wrong
# fails the mount (-EFSBADCRC).  fsimg's finish rewrites the blocks it
# changes with a fresh checksum, so reading a bad one and going on would
# hide the damage behind a good checksum; it refuses instead, naming the
# block.  The crash fixture xh-4k-unlinked (Linux 6.1, files unlinked while
# open, reflink on) has its CoW leftover pass read AG 0's refcount btree
# root, which the log does not replay: one byte of a record there is
# changed, xfs_db (the oracle) reports the block's CRC as bad, and replay
# must refuse and write nothing.
. "$top_srcdir/tests/lib/tap.sh"
need xz xfs_db
LC_ALL=C; export LC_ALL
t=$(mktemp_dir)
xz -dc "$top_srcdir/tests/crash/fixtures/xh-4k-unlinked.img.xz" > "$t/a.img" || exit 1
"$FSIMG" replay -o "$t/ok.img" "$t/a.img" > "$t/err0" 2>&1
ok $? "the fixture as it is: replay -o finishes (exit 0)"
bs=$(xfs_db -r -c 'sb 0' -c 'p blocksize' "$t/a.img" | sed 's/.* = //')
root=$(xfs_db -r -c 'agf 0' -c 'p refcntroot' "$t/a.img" | sed 's/.* = //')
printf '\177' | dd of="$t/a.img" bs=1 seek=$((root * bs + 60)) conv=notrunc 2>/dev/null
xfs_db -r -c 'agf 0' -c 'addr refcntroot' -c 'p' "$t/a.img" 2>&1 | grep -qi 'crc error'
ok $? "xfs_db finds AG 0's refcount btree root (block $root) with a bad CRC"
sum0=$(sha256sum < "$t/a.img")
"$FSIMG" replay -o "$t/out.img" "$t/a.img" > "$t/err" 2>&1
st=$?
[ $st -eq 4 ] && [ ! -e "$t/out.img" ] && grep -q "daddr $((root * bs / 512)) (btree block) fails its checksum" "$t/err"
ok $? "replay -o refuses (exit $st), naming the block, and writes nothing"
[ "$(sha256sum < "$t/a.img")" = "$sum0" ]
ok $? "the crashed image is unchanged"
"$FSIMG" replay -n "$t/a.img" > "$t/plan" 2>&1
grep -q "fails its checksum" "$t/plan"
ok $? "replay -n says the same"
rm -rf "$t"
done_testing
