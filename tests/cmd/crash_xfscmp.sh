#!/bin/sh
# The crash harness's XFS block comparison (tests/crash/xfscmp.py) against
# images changed by xfs_db and xfs_admin: the superblock fields mount and
# unmount rewrite are masked, any other superblock field, an AGF field, a
# block elsewhere are named (the quota enforcement bits a quota mount's
# options set excepted), and the log's blocks (mkfs.xfs puts the log in
# the middle AG) are outside the comparison.
. "$top_srcdir/tests/lib/tap.sh"
need mkfs.xfs xfs_db xfs_admin python3
d=$(mktemp_dir)
truncate -s 320M "$d/a.img"
mkfs.xfs -q -f "$d/a.img" > /dev/null 2>&1 || skip_all "mkfs.xfs failed"
cp --sparse=always "$d/a.img" "$d/counters.img"
xfs_db -x -c 'sb 0' -c 'write -d fdblocks 1234' -c 'write -d icount 640' -c 'write -d ifree 7' \
	"$d/counters.img" > /dev/null 2>&1
cp --sparse=always "$d/a.img" "$d/label.img"
xfs_admin -L crashlbl "$d/label.img" > /dev/null 2>&1
cp --sparse=always "$d/a.img" "$d/agf.img"
xfs_db -x -c 'agf 1' -c 'write -d freeblks 17' "$d/agf.img" > /dev/null 2>&1
cp --sparse=always "$d/a.img" "$d/log.img"
cp --sparse=always "$d/a.img" "$d/data.img"
# blocks IMG log|data|-: poke a block in the middle of the log or the 100th
# block of AG 1 (or none), then the differences from a.img
blocks() {
	python3 - "$top_srcdir/tests/crash" "$d/a.img" "$1" "$2" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
g = xfscmp.geometry(sys.argv[2])
if sys.argv[4] != "-":
    with open(sys.argv[3], "r+b") as f:
        blk = g["log_first"] + g["logblocks"] // 2 if sys.argv[4] == "log" else g["agblocks"] + 100
        f.seek(blk * g["blocksize"] + 8)
        f.write(b"poked")
n, named = xfscmp.block_diffs(g, sys.argv[2], sys.argv[3])
print("%d %s" % (n, "; ".join(named)))
PY
}
out=$(blocks "$d/counters.img" -)
[ "$out" = "0 " ]
ok $? "fdblocks, icount, ifree (and the crc) rewritten: no difference ($out)"
out=$(blocks "$d/label.img" -)
# (libxfs also writes the quota inodes' 0 as NULLFSINO, as the kernel does)
case "$out" in "4 AG 0 superblock (fname"*"; AG 1 superblock (fname"*"; AG 3 superblock (fname"*) st=0 ;; *) st=1 ;; esac
ok $st "the label changed (in every superblock): each named, with the field ($out)"
out=$(blocks "$d/agf.img" -)
[ "$out" = "1 AG 1 AGF (freeblks, crc)" ]
ok $? "AG 1's freeblks changed: its AGF and the fields named ($out)"
out=$(blocks "$d/log.img" log)
[ "$out" = "0 " ]
ok $? "a block of the log changed: outside the comparison ($out)"
out=$(blocks "$d/data.img" data)
case "$out" in "1 block "*" (AG 1 block 100: data or unknown)") st=0 ;; *) st=1 ;; esac
ok $st "a block of AG 1 changed: named ($out)"
# The second class (agrees-equivalent): blocks that differ only in the free space btrees'
# shape. The bnobt root of AG 1 with other bytes past its records and the AGF's btreeblks
# changed: shape only (xfs_db freesp -d reads the same free extents); the AGF's freeblks
# changed too: named; a free extent's length changed in the bnobt (xfs_db rewrites its crc):
# the free extents differ; a block of free space poked: named, never shape.
shape() {
	python3 - "$top_srcdir/tests/crash" "$d/a.img" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
print(xfscmp.shape_only(xfscmp.geometry(sys.argv[2]), sys.argv[2], sys.argv[3]) or "shape only")
PY
}
root=$(xfs_db -r -c 'agf 1' -c 'p bnoroot' "$d/a.img" | sed 's/.* = //')
bs=$(xfs_db -r -c 'sb 0' -c 'p blocksize' "$d/a.img" | sed 's/.* = //')
agb=$(xfs_db -r -c 'sb 0' -c 'p agblocks' "$d/a.img" | sed 's/.* = //')
cp --sparse=always "$d/a.img" "$d/shape.img"
printf 'stale!!!' | dd of="$d/shape.img" bs=1 seek=$(( (agb + root + 1) * bs - 8 )) conv=notrunc 2> /dev/null
xfs_db -x -c 'agf 1' -c 'write -d btreeblks 3' "$d/shape.img" > /dev/null 2>&1
out=$(shape "$d/shape.img")
[ "$out" = "shape only" ]
ok $? "bnobt bytes past its records and the AGF's btreeblks: the free space btrees' shape only ($out)"
cp --sparse=always "$d/shape.img" "$d/shape2.img"
xfs_db -x -c 'agf 1' -c 'write -d freeblks 17' "$d/shape2.img" > /dev/null 2>&1
out=$(shape "$d/shape2.img")
[ "$out" = "AG 1 AGF (freeblks, btreeblks, crc)" ]
ok $? "and the AGF's freeblks: named, not shape ($out)"
cp --sparse=always "$d/a.img" "$d/rec.img"
xfs_db -x -c 'agf 1' -c 'addr bnoroot' -c 'write -d recs[1].blockcount 7' "$d/rec.img" > /dev/null 2>&1
out=$(shape "$d/rec.img")
case "$out" in "free extents differ (xfs_db freesp -d: 1 only the kernel's, 1 only the replay's)") st=0 ;; *) st=1 ;; esac
ok $st "a free extent's length changed in the bnobt: the free extents differ ($out)"
out=$(shape "$d/data.img")
case "$out" in "block "*" (AG 1 block 100: data or unknown)") st=0 ;; *) st=1 ;; esac
ok $st "a block of free space changed: named, not shape ($out)"
# An rmapbt leaf with other bytes past its records (the order of frees leaves its own there):
# shape only; a live record changed: named.
truncate -s 320M "$d/r.img"
if mkfs.xfs -q -f -m rmapbt=1 "$d/r.img" > /dev/null 2>&1; then
	rroot=$(xfs_db -r -c 'agf 1' -c 'p rmaproot' "$d/r.img" | sed 's/.* = //')
	cp --sparse=always "$d/r.img" "$d/rtail.img"
	printf 'stale!!!' | dd of="$d/rtail.img" bs=1 seek=$(( (agb + rroot + 1) * bs - 8 )) conv=notrunc 2> /dev/null
	out=$(python3 - "$top_srcdir/tests/crash" "$d/r.img" "$d/rtail.img" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
print(xfscmp.shape_only(xfscmp.geometry(sys.argv[2]), sys.argv[2], sys.argv[3]) or "shape only")
PY
)
	[ "$out" = "shape only" ]
	ok $? "rmapbt leaf bytes past its records: shape only ($out)"
	cp --sparse=always "$d/r.img" "$d/rrec.img"
	xfs_db -x -c 'agf 1' -c 'addr rmaproot' -c 'write -d recs[1].blockcount 7' "$d/rrec.img" > /dev/null 2>&1
	out=$(python3 - "$top_srcdir/tests/crash" "$d/r.img" "$d/rrec.img" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
print(xfscmp.shape_only(xfscmp.geometry(sys.argv[2]), sys.argv[2], sys.argv[3]) or "shape only")
PY
)
	case "$out" in *"rmapbt"*) st=0 ;; *) st=1 ;; esac
	ok $st "an rmapbt record changed: named, not shape ($out)"
else
	skip "mkfs.xfs -m rmapbt=1 failed"
fi
# sb_qflags on a quota mount: the enforcement bits the mount options set are
# masked when the kernel's image (K) has them as the options say; the
# accounting bits, or enforcement the options do not explain, are named.
# (0x60d: user and project accounting and checked, project enforcement;
# 0x60f: user enforcement too, as usrquota sets it.)
qcmp() {
	python3 - "$top_srcdir/tests/crash" "$1" "$2" "$3" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
g = xfscmp.with_qmask(xfscmp.geometry(sys.argv[2]), sys.argv[4], sys.argv[2])
n, named = xfscmp.block_diffs(g, sys.argv[2], sys.argv[3])
print("%d %s" % (n, "; ".join(named)))
PY
}
for q in 60f 60d 60c; do
	cp --sparse=always "$d/a.img" "$d/q$q.img"
	xfs_db -x -c 'sb 0' -c "write -d qflags 0x$q" "$d/q$q.img" > /dev/null 2>&1
done
out=$(qcmp "$d/q60f.img" "$d/q60d.img" usrquota,prjquota,logbufs=7)
[ "$out" = "0 " ]
ok $? "user enforcement off in the log, usrquota set it on at mount: masked ($out)"
out=$(qcmp "$d/q60f.img" "$d/q60d.img" uqnoenforce,prjquota)
[ "$out" = "1 AG 0 superblock (qflags)" ]
ok $? "enforcement on in the kernel's image, uqnoenforce does not explain it: named ($out)"
out=$(qcmp "$d/q60f.img" "$d/q60c.img" usrquota,prjquota)
[ "$out" = "1 AG 0 superblock (qflags)" ]
ok $? "user accounting differs: named, options or not ($out)"
out=$(qcmp "$d/q60f.img" "$d/q60d.img" logbufs=7)
[ "$out" = "1 AG 0 superblock (qflags)" ]
ok $? "no quota option: nothing masked ($out)"
# xfs_repair -n's lines about the log: its timed progress report of a long
# phase is not one; what it says of a dirty log is
out=$(python3 - "$top_srcdir/tests/crash" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
print(len(xfscmp.repair_log_lines("Phase 2 - using internal log\n        - zero log...\n"
      "        - 20:05:28: zeroing log - 16384 of 16384 blocks done\n")),
      len(xfscmp.repair_log_lines("ALERT: The filesystem has valuable metadata changes in a log which is being\n")))
PY
)
[ "$out" = "0 1" ]
ok $? "xfs_repair -n: a progress report of zeroing the log is not a word about the log; an ALERT is ($out)"
rm -rf "$d"
done_testing
