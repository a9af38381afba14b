#!/usr/bin/env bash
# One crash case of the real-kernel crash harness; see --help.
set -u

usage() {
	cat <<'EOF'
Usage: tests/crash/run.sh [OPTIONS]
Crash a real Linux kernel mid-workload and compare fsimg's journal replay with
the kernel's own recovery.

  1. makes a fresh filesystem image on the host (mke2fs / mkfs.xfs);
  2. boots Debian's linux-image 6.1 kernel under qemu-system-x86_64 (TCG,
     -no-reboot, the image as a virtio disk, a busybox-static initramfs);
     the guest mounts it and runs a seeded workload (append, overwrite,
     fallocate: plain, KEEP_SIZE, punch, zero-range; O_DIRECT writes;
     create, rename, link, unlink, truncate; fsync, pauses), recording every
     successful fsync (path, size, crc32 of the synced bytes);
  3. cuts the power right after op N (sysrq b in the guest) or by killing
     qemu S seconds after the workload started;
     (with --image IMG, steps 1-3 are skipped: IMG is the crashed image);
  4. boots again on a copy: the kernel mounts (replaying its log), the guest
     lists every path (lstat, FIEMAP, crc32 of the data), unmounts cleanly
     (XFS: mount, unmount, then the listing from a ro,norecovery mount);
  5. compares, for ext4: fsimg's in-memory replay (ls -R, extents --all, cat)
     and `fsimg replay -o` read back by debugfs with the kernel's result:
     paths, inode numbers, types, modes, sizes, extent maps (adjacent runs
     coalesced), data, and every fsync'd file's synced bytes.  For XFS
     (tests/crash/xfscmp.py): the same in-memory view against the kernel's,
     and `fsimg replay -o` against the kernel's image block by block outside
     the log (superblock icount, ifree, fdblocks, frextents, log_incompat,
     crc, lsn masked), xfs_repair -n on both, or fsimg's refusal naming the
     pending intents / unlinked inodes; fsimg fsck of the crashed image (the
     recovered filesystem, through the overlay) clean where xfs_repair -n
     finds the kernel's result clean; the log listed by xfs_logprint -t;
     the crashed image checked unchanged (a clean log: nothing to replay,
     verdict clean-log).

Options:
  -F, --fs ext4|xfs        filesystem (default ext4)
  -o, --mount-opts OPTS    mount options (default: defaults), e.g.
                           data=journal, commit=1, or noatime
  -O, --mkfs-opts OPTS     options for mke2fs / mkfs.xfs, e.g.
                           "-b 1024 -O ^metadata_csum" or "-O fast_commit"
  -s, --size SIZE          image size (default 64M for ext4, 320M for xfs)
  -L, --logdev SIZE        XFS: an external log of SIZE (crashed.log beside
                           crashed.img: mkfs.xfs -l logdev=, the guest's second
                           virtio disk, mounted with logdev=/dev/vdb); fsimg is
                           given it with -j, xfs_logprint and xfs_repair with -l
  -S, --seed N             workload seed (default 1)
  -n, --ops N              workload length in ops (default 120)
  -c, --cut N              power cut right after op N (default: the last op)
  -t, --cut-time S         instead: kill qemu S seconds after the workload starts
  -w, --workload KIND      mixed (default), data (writes, fallocate, truncate),
                           meta (create, rename, link, unlink), fsync (mixed,
                           every write fsync'd), tree (new nested directories,
                           each with a file fsync'd, bursts of names in one
                           directory, files of hundreds of one-block extents,
                           between mixed ops), names (short names added
                           to and removed from small directories, each
                           change fsync'd through a file: with -O inline_data
                           they stay in the inode, then its xattr space,
                           then move to a block; new directories as in
                           tree); with -O casefold, names and tree make the
                           top directories casefolded (chattr +F) and their
                           names mixed-case; names8 (names with names
                           outside ASCII: 2-, 3- and 4-byte UTF-8; in a
                           casefolded directory unlinked by another spelling
                           that folds the same: case, NFD accents, the
                           Angstrom sign, final sigma), dirs (names only,
                           names8's and tree's bursts in the four top
                           directories, no file data: directories grow
                           by many blocks, on -O ^extent into their
                           indirect block), bigdir (bursts of 8-20 names
                           of about 200 bytes into one directory, each
                           burst's last file fsync'd: with -O ^extent and
                           1 KiB blocks it grows into its double-indirect
                           branch after about 110 ops); for XFS also intent
                           (fragmented files cloned with FICLONE/FICLONERANGE,
                           overwritten, truncated, syncfs; after the cut op a
                           storm: syncfs in a loop while files are cloned and
                           truncated, power cut 50-1550 ms in, so intents are
                           left without their done items), convert (intent
                           with preallocations written into: unwritten
                           extents converted, RUI converts on rmapbt) and unlinked
                           (files unlinked while open, O_TMPFILE files: open
                           at the cut, on the AGI unlinked lists) and quota
                           (owners, project ids, limits, enforcement changed:
                           mount with -o usrquota,grpquota,prjquota);
                           age (any fs: before the start record the fs is
                           filled to 80 % with small and medium files grown
                           in turn, some with xattrs, most in one big
                           directory, then every other one unlinked; then
                           mixed ops with fragmented files, clones, files
                           unlinked while open and churn among the aged
                           files: unlinks, runs of them held open, creates,
                           xattrs); agemany (age with most files small:
                           up to 16000, free space, inode and rmap btrees
                           of two or three levels; no xattrs) and
                           fragfree (interleave: two files written a block
                           each in turn with O_DIRECT, one unlinked, so
                           that free space is in hundreds of one-block
                           extents; appends, punches, truncates, unlinks,
                           files unlinked while open; free space btrees of several levels; intent's
                           storm after the cut op) and
                           ichunk (N-1 files created in d0, then those
                           outside d0's inode chunk unlinked and held open,
                           syncfs, power cut: the kernel's mount frees those
                           inode chunks whole; ichunkx: half the files
                           also with a small xattr, a local attribute fork;
                           ichunkmany: every one of them held, not 64);
                           ifinobt (N-1 empty files in d0, then one from
                           each full inode chunk unlinked and held open:
                           the mount's frees insert finobt records, splitting
                           its leaf with 1 KiB blocks; ifinobtx: one file
                           of each later chunk unlinked for good first, a
                           two-level finobt at the cut; ifinobtd: each
                           file with a block of data, fsync'd: the mount's
                           truncates leave busy extents where the finobt
                           split's near allocation looks first),
                           ichunkdrop (N-1 empty files in d0, then in each
                           full inode chunk 63 unlinked for good and one
                           held open, its keepers in one or two AGI
                           buckets: the mount frees the chunks whole, its
                           inobt and finobt deletes join and shift leaves
                           and kill the root; ichunkdropx: two in three
                           chunks dropped), ichunkhold (N-1 empty files,
                           up to 3 chunks dropped but for their first
                           inode, 12 sparse files held open, then those
                           first inodes: the mount frees the chunks before
                           the truncates that force the log), holdmix (N inodes left on
                           the unlinked lists: directories filled with up
                           to 1500 entries, emptied and rmdir'd while open,
                           pairs of interleaved O_TMPFILE files, sparse
                           files of hundreds of extents unlinked while open;
                           holdmixmany: up to 150 ops, not 30; holdmixq:
                           holdmixmany with owners, groups and project ids
                           set on the held inodes; holdshare: holdmixmany
                           with sparse files cloned (FICLONE) before their
                           unlink, the clone held too every other time:
                           reflinked inodes for the mount to truncate),
                           fragdrop (N-1 one-block files, every other one
                           unlinked for good, up to 60 of the rest held
                           open: the mount's frees join three free extents
                           in one, shrinking two-level free space trees),
                           attr (N-1 files in d0 with xattrs that leave the
                           inode: a value of several KiB, many names under
                           a node block, two files' values interleaved so
                           the attribute fork turns into a btree; then
                           unlinked and held open, syncfs, power cut),
                           cow (files cloned, every other block of one
                           overwritten and fsync'd: CoW staging extents
                           left at the cut) and cowcut (cow, then the cut
                           while clones are overwritten), qunlinked
                           (XFS mounted with quotas: soft limits set for
                           user ids 1000-1003, project ids 1-4 and the
                           groups' defaults, then unlinked's ops with
                           owners and project ids changed);
                           editor (files saved as editors do: written to a
                           temporary name, fsync'd, renamed over the file,
                           the directory fsync'd; or renamed unsynced, with
                           a NAME~ backup, or rewritten in place), untar
                           (trees of small files and symlinks unpacked,
                           plainly, the dpkg way or then syncfs'd; trees
                           removed whole), seq (large files written in
                           512 KiB chunks, appended, truncated, unlinked;
                           for a cut by time mid-write),
                           unlinkedsp
                           (unlinked with FIFOs, character devices, bound
                           UNIX sockets, short symlinks and empty
                           directories held open and unlinked),
                           unlinkedsym (the same with symlinks only, most
                           of their targets in blocks: remote symlinks),
                           efitrunc (files of hundreds of one-block extents,
                           then truncated to 0 one after another while
                           syncfs loops, power cut 30-630 ms in: EFIs left
                           without their EFDs, on v4 too) and remapfrag
                           (files of hundreds of one-block extents, ranges
                           cloned into them and into new files: BUIs on
                           bmbt forks; intent's storm after the cut op);
                           remapdeep: remapfrag with 1300-1499 blocks a
                           file (1 KiB blocks: forks two levels deep);
                           share (XFS with reflink: OPS refcount records
                           made in ascending order by cloning three blocks
                           of every four of base files into mirrors, sparse
                           files of one-block extents (full bmbt leaves; 21
                           extents: a full extents fork), syncfs; then
                           four processes (nice 10) clone stripes' middle
                           blocks into the holes, gap blocks elsewhere,
                           replace mirrors' stripes while syncfs loops,
                           power cut 50-500 ms in: CUIs that split and
                           merge refcount records and split refcount btree
                           leaves, map BUIs that split bmbt leaves or make
                           a fork a btree); sharemerge (share's bases and
                           mirrors only, then the workers clone stripes'
                           gap blocks into the mirrors at the same offset:
                           center merges of refcount, bmbt and rmap
                           records; with 1 KiB blocks and OPS over 5000 the
                           mirrors' forks are two levels under the root);
                           sharegrow (share with 96 files of 21 extents,
                           the storm's clones into them first: map BUIs
                           that make a fork a btree, a bmbt block charged
                           to the dquots when mounted with quotas);
                           shareunmap (share's bases and mirrors only, then
                           the workers replace mirrors' stripes by other
                           bases' blocks: unmap BUIs; one op in four clones
                           a whole base into a new file: a CUI increase
                           relogged over many rolls); shareiroot (share's
                           bases and mirrors, then up to 48 files whose
                           bmbt root in the inode is full, 20 full leaves
                           at 512-byte inodes: each storm clone into one
                           grows its tree a level, a map BUI left pending
                           does it in the finish); convshare (files
                           cloned, then unwritten ranges past their data
                           written O_DIRECT a block at a time while syncfs
                           loops: conversions in reflinked inodes, RUIs
                           CONVERT_SHARED on rmap filesystems)
  -i, --image IMG          start from IMG, an image already crashed (with a
                           dirty log): no mkfs, no workload, no cut; the kernel
                           recovers a copy of IMG (crashed.img, kernel.img)
                           and the comparison runs as usual (with -L, the
                           external log beside IMG, .log for .img: a kept
                           row's crashed.log; the filesystem
                           is read from IMG: -F, -O, -s, -S, -n, -c, -t, -w
                           are not used; no fsync records: none are checked).
                           IMG itself is never written.  For images crafted
                           from a kept row's crashed.img, e.g. an unlinked
                           list damaged with xfs_db -x.  Not with --logdev
  -d, --dir DIR            keep everything in DIR (default: a temporary one,
                           removed unless --keep)
  -k, --keep               keep the images (crashed.img, kernel.img, replayed.img)
      --fsimg PATH         the fsimg to test (default: the build tree's)
      --timeout S          limit per boot (default 600)
      --setup-only         fetch the kernel, build the workload and the
                           initramfs, and stop (exit 8 when something is missing)
  -h, --help               show this help

Covered: ext4 (any mke2fs features the kernel mounts: 1 KiB / 4 KiB blocks,
metadata_csum or not, fast_commit, journal sizes) with data=ordered,
data=writeback, data=journal, commit=N, and any other mount option; XFS v4
and v5 (any mkfs.xfs options the kernel mounts: block sizes, rmapbt, reflink,
log sizes and stripe units) with any mount option (logbsize, logbufs, wsync,
allocsize...).
Needs: qemu-system-x86, busybox-static, kmod, cpio, a static libc (libc6-dev),
apt access for the kernel package (once; cached in
${XDG_CACHE_HOME:-~/.cache}/fsimg-crash or $FSIMG_CRASH_CACHE), e2fsprogs,
xfsprogs for XFS, python3.
The guest runs under nice; one VM at a time.  FSIMG_CRASH_KARGS adds guest
kernel arguments (e.g. noapic, when a loaded host's TCG guest panics with
"IO-APIC + timer doesn't work").
Result: RUNDIR/result.json, and a line "agrees", "agrees-equivalent" (XFS:
only the free space btrees' shape differs, the same free extents), "differs ...",
"refused" (XFS: fsimg named pending intents / unlinked inodes), "not-replayed"
(XFS: this fsimg does not replay the XFS log), "kernel-fails ..." (ext4: the
kernel's own recovery fails to mount, as fsimg's journal scan says it would)
or "error ...".
Exit status: 0 agrees (or agrees-equivalent, refused, kernel-fails), 1 differs (or not replayed), 8 harness
error, 16 usage.
EOF
}

fs=ext4 mopts=defaults mkfs_opts= logdev_size= size= seed=1 ops=120 cut= cut_time=0 kind=mixed
dir= keep=0 fsimg= tmo=600 setup_only=0 from=
while [ $# -gt 0 ]; do
	case "$1" in
	-F | --fs) fs=$2; shift ;;
	-o | --mount-opts) mopts=$2; shift ;;
	-O | --mkfs-opts) mkfs_opts=$2; shift ;;
	-s | --size) size=$2; shift ;;
	-L | --logdev) logdev_size=$2; shift ;;
	-S | --seed) seed=$2; shift ;;
	-n | --ops) ops=$2; shift ;;
	-c | --cut) cut=$2; shift ;;
	-t | --cut-time) cut_time=$2; shift ;;
	-w | --workload) kind=$2; shift ;;
	-i | --image) from=$2; shift ;;
	-d | --dir) dir=$2; shift ;;
	-k | --keep) keep=1 ;;
	--fsimg) fsimg=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--setup-only) setup_only=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 16 ;;
	esac
	shift || { echo "run.sh: option needs a value" >&2; exit 16; }
done
case "$fs" in ext4 | xfs) ;; *) echo "run.sh: -F ext4 or xfs" >&2; exit 16 ;; esac
case "$kind" in mixed | data | meta | fsync | tree | names | names8 | dirs | bigdir | intent | convert | unlinked | quota | age | agemany | fragfree | ichunk | ichunkx | ichunkmany | ifinobt | ifinobtx | ifinobtd | ichunkdrop | ichunkdropx | ichunkhold | holdmix | holdmixmany | holdmixq | holdshare | fragdrop | attr | cow | cowcut | editor | untar | seq | qunlinked | unlinkedsp | unlinkedsym | efitrunc | remapfrag | remapdeep | share | sharemerge | sharegrow | shareunmap | shareiroot | convshare) ;; *) echo "run.sh: bad workload $kind" >&2; exit 16 ;; esac
if [ -n "$logdev_size" ]; then
	[ "$fs" = xfs ] || { echo "run.sh: --logdev is for XFS" >&2; exit 16; }
	[ "$mopts" = defaults ] && mopts=logdev=/dev/vdb || mopts=$mopts,logdev=/dev/vdb
fi
case "$mopts" in *' '*) echo "run.sh: mount options cannot hold spaces" >&2; exit 16 ;; esac
if [ -n "$from" ]; then
	[ -f "$from" ] || { echo "run.sh: --image $from: no such file" >&2; exit 16; }
	[ -z "$logdev_size" ] || [ -f "${from%.img}.log" ] ||
		{ echo "run.sh: --image with -L needs the external log beside it: ${from%.img}.log" >&2; exit 16; }
	# the filesystem is the image's: XFS by its superblock's magic, else ext4
	[ "$(head -c 4 "$from")" = XFSB ] && fs=xfs || fs=ext4
	from=$(cd "$(dirname "$from")" && pwd)/$(basename "$from")
	kind=image seed=0 ops=0 cut=0 cut_time=0 mkfs_opts= size=$(stat -c %s "$from")
fi
[ -n "$cut" ] || cut=$ops
[ "$cut_time" = 0 ] || cut=0
[ -n "$size" ] || { [ "$fs" = xfs ] && size=320M || size=64M; }

. "$(dirname "$0")/lib.sh"
if [ "$setup_only" = 1 ]; then
	guest_setup
	echo "crash: kernel $KVER, initramfs $INITRD"
	exit 0
fi
top=$(cd "$CRASH_DIR/../.." && pwd)
[ -n "$fsimg" ] || fsimg=${FSIMG:-${top_builddir:-$top}/src/fsimg}
[ -x "$fsimg" ] || die "no fsimg at $fsimg (build first, or --fsimg)"

if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-crash.XXXXXX")
	[ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir" || die "cannot make $dir"
guest_setup

img=$dir/crashed.img
rm -f "$img" "$dir/kernel.img" "$dir/replayed.img" "$dir/result.json" "$dir/crashed.log" "$dir/kernel.log"
BOOT_LOGDEV= log_opt=
if [ -n "$logdev_size" ]; then
	# a crashed image given: its external log beside it (crashed.log beside crashed.img)
	if [ -n "$from" ]; then
		cp --sparse=always "${from%.img}.log" "$dir/crashed.log" || die "cannot copy ${from%.img}.log"
	else
		truncate -s "$logdev_size" "$dir/crashed.log"
	fi
	log_opt="-l logdev=$dir/crashed.log"
	BOOT_LOGDEV=$dir/crashed.log
fi
if [ -n "$from" ]; then
	# a crashed image given: a copy of it stands for the crash boot's
	cp --sparse=always "$from" "$img" || die "cannot copy $from"
	if [ "$fs" = ext4 ]; then
		bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
	else
		bs=$(xfs_db -r -c 'sb 0' -c 'p blocksize' "$img" 2>/dev/null | sed -n 's/^blocksize = //p')
	fi
elif [ "$fs" = ext4 ]; then
	# shellcheck disable=SC2086
	mke2fs -q -F -t ext4 $mkfs_opts "$img" "$size" > "$dir/mkfs.log" 2>&1 ||
		die "mke2fs $mkfs_opts failed: $(tail -3 "$dir/mkfs.log")"
	bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
else
	truncate -s "$size" "$img"
	# shellcheck disable=SC2086
	mkfs.xfs -q -f $mkfs_opts $log_opt "$img" > "$dir/mkfs.log" 2>&1 ||
		die "mkfs.xfs $mkfs_opts failed: $(tail -3 "$dir/mkfs.log")"
	bs=$(xfs_db -r -c 'sb 0' -c 'p blocksize' "$img" 2>/dev/null | sed -n 's/^blocksize = //p')
fi
bs=${bs:-4096}
how=$([ "$cut_time" = 0 ] && echo "after op $cut" || echo "qemu killed ${cut_time}s after start")
[ -z "$from" ] || how="given image $from"
python3 - "$dir/meta.json" <<EOF
import json, sys
json.dump({"fs": "$fs", "mount_opts": "$mopts", "mkfs_opts": "$mkfs_opts", "size": "$size",
           "block_size": $bs, "seed": $seed, "ops": $ops, "cut": $cut, "cut_time": $cut_time,
           "cut_how": "$how", "workload": "$kind", "keep": $keep, "logdev": "$logdev_size",
           "kernel": "$KVER"}, open(sys.argv[1], "w"), indent=1)
EOF

args="fsimg.fs=$fs fsimg.opts=$mopts fsimg.bs=$bs"
t0=$(date +%s)
if [ -n "$from" ]; then
	# no workload: no records of ops or fsyncs
	: > "$dir/crash.rec"
	t1=$t0
else
	boot "$img" "$dir/crash" "$tmo" "$cut_time" fsimg.mode=crash $args \
		"fsimg.seed=$seed fsimg.ops=$ops fsimg.cut=$cut fsimg.kind=$kind"
	st=$?
	t1=$(date +%s)
	[ $st = 124 ] && die "the crash boot timed out (see $dir/crash.console)"
	grep -q '^@@ mount-failed' "$dir/crash.rec" && die "the guest could not mount: $(grep '^@@ mount-failed' "$dir/crash.rec")"
	grep -q '^@@ start' "$dir/crash.rec" || die "the workload never started (see $dir/crash.console)"
fi

cp --sparse=always "$img" "$dir/kernel.img"
if [ -n "$BOOT_LOGDEV" ]; then
	cp --sparse=always "$dir/crashed.log" "$dir/kernel.log"
	BOOT_LOGDEV=$dir/kernel.log
fi
boot "$dir/kernel.img" "$dir/recover" "$tmo" 0 fsimg.mode=recover $args
st=$?
t2=$(date +%s)
[ $st = 124 ] && die "the recovery boot timed out (see $dir/recover.console)"
# 125: the kernel oopsed in its own recovery; compare.py says so

python3 "$CRASH_DIR/compare.py" "$dir" --fsimg "$fsimg"
rc=$?
python3 - "$dir/result.json" "$((t1 - t0))" "$((t2 - t1))" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["seconds"] = {"crash_boot": int(sys.argv[2]), "recover_boot": int(sys.argv[3])}
json.dump(r, open(sys.argv[1], "w"), indent=1)
EOF
[ "$keep" = 1 ] || rm -f "$dir/kernel.img" "$dir/replayed.img" "$img" "$dir/crashed.log" "$dir/kernel.log"
exit $rc
