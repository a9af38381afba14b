#!/bin/sh
# A dquot buffer item replays whatever LSN the block on disk carries (Linux
# 6.1's xlog_recover_get_buf_lsn: a block whose magic16 is XFS_DQUOT_MAGIC
# goes to recover_immediately; each dquot's own dd_lsn is compared by dquot
# items only, xlog_recover_dquot_commit_pass2).  The crash fixture
# xq-4k-quota logs a new user dquot chunk (daddr 384, a buffer item over all
# 4096 bytes: xfs_qm_init_dquot_blk) at cycle 1, and the dquot of id 1000 in
# it.  Here the crashed image's block gets a first dquot (id 990, this
# filesystem's uuid) whose dd_lsn is of cycle 2, newer than the whole log:
# the kernel still replays the buffer item over the block, so replay -o must
# write the same image as from the untouched fixture (fsimg skipped the item
# by that dd_lsn before: block 48 kept it, and the dquot item of id 1000
# then compared its dd_lsn with the stale bytes).
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 cmp
LC_ALL=C; export LC_ALL
t=$(mktemp_dir)
xz -dc "$top_srcdir/tests/crash/fixtures/xq-4k-quota.img.xz" > "$t/orig.img" || exit 1
cp "$t/orig.img" "$t/new.img" || exit 1
"$FSIMG" journal "$t/orig.img" > "$t/journal" 2>&1
grep -q 'buf       daddr 384 len 8 (fs block 48) flags 0x804 (udquot, dquot buffer), 32 dirty chunks' "$t/journal"
ok $? "the fixture's log holds the user dquot chunk's buffer item at daddr 384, whole"
python3 - "$t/new.img" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(32)
    uuid = f.read(16)
    d = bytearray(136)
    d[0:4] = b'DQ\x01\x01'                        # magic, version, user
    d[4:8] = struct.pack('>I', 990)               # the chunk's first id
    d[112:120] = struct.pack('>Q', 2 << 32 | 5)   # dd_lsn: cycle 2, past the log
    d[120:136] = uuid                             # dd_uuid: this filesystem's
    f.seek(384 * 512)
    f.write(d)
PY
ok $? "block 48 given a first dquot whose dd_lsn (2/5) is newer than every record of the log"
"$FSIMG" replay -o "$t/orig.out" "$t/orig.img" > "$t/err1" 2>&1
st1=$?
"$FSIMG" replay -o "$t/new.out" "$t/new.img" > "$t/err2" 2>&1
st2=$?
[ $st1 -eq 0 ] && [ $st2 -eq 0 ]
ok $? "replay -o of both (exit $st1, $st2)"
cmp "$t/orig.out" "$t/new.out" > "$t/cmp" 2>&1
ok $? "the buffer item replayed over the newer dd_lsn: both images equal ($(head -1 "$t/cmp"))"
rm -rf "$t"
done_testing
