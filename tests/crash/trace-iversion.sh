#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Usage: tests/crash/trace-iversion.sh ROWDIR OUTDIR INO...
#
# A tracing aid (opt-in, boots the guest once, changes no row): the recovery boot
# of a kept row's crashed.img again, on a copy in OUTDIR, with a kprobe on
# inode_maybe_inc_iversion (xfs_trans_log_inode calls it at a transaction's first
# log of an inode: force is XFS_ILOG_CORE, the low bit of i_version
# I_VERSION_QUERIED) and its return (bumped or not), printed to the console
# (tp_printk).  For each INO it prints the sequence of those first logs: C a
# forced (core) one, r one that logged no core (an unmap whose bmbt delete first
# logged the root, XFS_ILOG_DBROOT), q one that bumped without the core (the
# counter queried since the last bump), and how many of each: the kernel's
# transactions that logged the inode, one by one, to set against the model's.
# The offsets are Debian's 6.1.0-57-amd64 (struct inode: i_ino at 0x40,
# i_version at 0x148; objdump -d of xfs.ko's xfs_trans_log_inode and
# xfs_inode_item_format shows them); another kernel needs its own.
set -u
[ $# -ge 3 ] || { sed -n 3p "$0" | sed "s/^# //"; exit 16; }
row=$1 out=$2
shift 2
if [ ! -f "$row/crashed.img" ] || [ ! -f "$row/meta.json" ]; then
	echo "trace-iversion: no kept row at $row" >&2
	exit 16
fi
mkdir -p "$out" || exit 8
# shellcheck source=tests/crash/lib.sh
. "$(dirname "$0")/lib.sh"
guest_setup
meta() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$row/meta.json" "$1"; }
[ "$(meta fs)" = xfs ] || die "trace-iversion: an XFS row only"
[ -z "$(meta logdev)" ] || die "trace-iversion: a row with an external log is not handled"
cp --sparse=always "$row/crashed.img" "$out/kernel.img" || exit 8
FSIMG_CRASH_KARGS="${FSIMG_CRASH_KARGS:-} ignore_loglevel tp_printk kprobe_event=p:iv,inode_maybe_inc_iversion,ino=+0x40(%di):u64,force=%si:u8,iv=+0x148(%di):u64;r:ivr,inode_maybe_inc_iversion,ret=\$retval:u8" \
	boot "$out/kernel.img" "$out/recover" 900 0 fsimg.mode=recover fsimg.fs=xfs \
	"fsimg.opts=$(meta mount_opts)" "fsimg.bs=$(meta block_size)"
echo "trace-iversion: boot exit $?"
rm -f "$out/kernel.img"
python3 - "$out/recover.console" "$@" << 'EOF'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
for ino in (int(a) for a in sys.argv[2:]):
    seq, pend = [], None
    for l in lines:
        m = re.search(r" iv: .*ino=(\d+) force=(\d+) iv=(\d+)", l)
        if m:
            pend = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            continue
        m = re.search(r" ivr: .* ret=(\d+)", l)
        if m and pend:
            if pend[0] == ino:
                seq.append("C" if pend[1] else ("q" if int(m.group(1)) else "r"))
            pend = None
    s = "".join(seq)
    print("%d: %d first logs, C %d, r %d, q %d" % (ino, len(s), s.count("C"), s.count("r"), s.count("q")))
    print(s)
EOF
