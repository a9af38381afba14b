#!/bin/sh
# The inodes the superblock owns (issue 18, item 5): mke2fs puts the
# project quota and orphan file inodes at ordinary numbers (s_first_ino
# and up); no entry names them and their link counts mean nothing, as for
# the reserved inodes. And orphans recorded in the orphan file.
# Oracles: e2fsck -fn (clean images, and errors), and e2fsck -fy on a copy
# for orphans (-n skips releasing them and calls them bitmap differences).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
fs_need mke2fs debugfs e2fsck dumpe2fs
fs_tmp
fs_small_src

# mkfs NAME FEATURES [MORE...]: a 16 MiB ext4 image of $src. mke2fs 1.47.0
# -d leaves the quota files' usage at nothing: e2fsck -fy records it once.
mkfs() {
	_n=$1 _f=$2; shift 2
	img=$tmp/$_n.img
	mke2fs -q -t ext4 -O "$_f" "$@" -d "$src" "$img" 16M >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs -O $_f failed"; exit 99; }
	case $_f in *quota*) e2fsck -fy "$img" >/dev/null 2>&1 ;; esac
	[ "$(fs_e2fsck "$img")" = clean ] || diag "$_n: e2fsck -fn not clean: $(grep '?' "$img.e2fsck" | head -2)"
}
# sb_ino IMG FIELD: an inode number from dumpe2fs -h ("Orphan file inode:", ...)
sb_ino() { dumpe2fs -h "$1" 2>/dev/null | sed -n "s/^$2 *\([0-9]*\)$/\1/p"; }

# Clean images: both checkers clean, no warning either.
for c in "orphan:orphan_file" "orphan_nocsum:orphan_file,^metadata_csum" \
	"quota:quota,project" "both:orphan_file,quota,project" "both_1k:orphan_file,quota,project:-b 1024"; do
	n=${c%%:*} rest=${c#*:}
	f=${rest%%:*} more=
	[ "$f" = "$rest" ] || more=${rest#*:}
	# shellcheck disable=SC2086
	mkfs "$n" "$f" $more
	e=$(fs_e2fsck "$img")
	r=$(fs_fsimg "$img")
	[ "$e" = clean ] && [ "$r" = clean ] && ! grep -q '^warning: ' "$img.out"
	st=$?; [ $st = 0 ] || sed 's/^/# /' "$img.out" | head -6
	ok $st "-O $f${more:+ $more}: e2fsck -fn $e, fsimg $r (no INODE_UNATTACHED)"
done
img=$tmp/both.img
po=$(sb_ino "$img" "Orphan file inode:") pq=$(sb_ino "$img" "Project quota inode:")
[ -n "$po" ] && [ "$po" -ge 11 ] && [ -n "$pq" ] && [ "$pq" -ge 11 ]
ok $? "the orphan file ($po) and project quota ($pq) inodes lie past the reserved ones"

# A directory entry naming them: e2fsck PR_2_BAD_INO.
for i in "$po" "$pq"; do
	cp "$tmp/both.img" "$tmp/link.img"
	fs_dbg "$tmp/link.img" "link <$i> /named"
	fs_corrupt "an entry naming inode $i" DIRENT_BAD_INODE "$tmp/link.img"
done

# orph IMG: /b deleted while open and recorded in the orphan file, as the
# kernel leaves it after a crash: no name, no links, slot 0 of block 0
# naming it, orphan_present set. Prints the inode.
orph() {
	_o=$(debugfs -R "stat /b" "$1" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
	fs_dbg "$1" "unlink /b" "sif <$_o> links_count 0" \
		"zap_block -f <$(sb_ino "$1" "Orphan file inode:")> -o 0 -l 1 -p $_o 0" \
		"feature orphan_present"
	echo "$_o"
}
# Without metadata_csum the entry is all the kernel needs.
cp "$tmp/orphan_nocsum.img" "$tmp/o.img"
img=$tmp/o.img
o=$(orph "$img")
f=$(fs_fsimg "$img")
grep -q "^info: ORPHAN_FILE_ENTRIES: orphan file (inode [0-9]*) holds 1 orphans$" "$img.out" && [ "$f" = clean ]
st=$?; [ $st = 0 ] || sed 's/^/# /' "$img.out" | head -8
ok $st "an orphan in the orphan file: ORPHAN_FILE_ENTRIES, its inode and blocks in use, fsimg $f"
# e2fsck -fy releases it and fixes nothing else; 1.47.0 also asks to clear
# the block it has just released the orphan from (fixed upstream by
# "e2fsck: clear the orphan_file while processing it").
cp "$img" "$img.fy" && e2fsck -fy "$img.fy" >"$img.e2fsck" 2>&1
grep -q "^Clearing orphaned inode $o " "$img.e2fsck" &&
	! awk '/^Orphan file \(inode [0-9]+\) block 0 is not clean/ { skip = 1; next }
		skip && /\? yes$/ { skip = 0; next } { skip = 0; print }' "$img.e2fsck" | grep -q '? yes$' &&
	[ "$(fs_e2fsck "$img.fy")" = clean ]
st=$?; [ $st = 0 ] || sed 's/^/# e2fsck: /' "$img.e2fsck" | head -12
ok $st "e2fsck -fy only releases orphan $o, and is clean after"

# Under metadata_csum debugfs leaves the block's checksum stale: the kernel
# refuses to mount, e2fsck -fn fails.
cp "$tmp/orphan.img" "$tmp/oc.img"
orph "$tmp/oc.img" >/dev/null
fs_corrupt "an orphan entry under a stale block checksum" ORPHAN_FILE_BAD "$tmp/oc.img"
grep -q "ORPHAN_FILE_BAD: orphan file: block 0 fails its checksum" "$tmp/oc.img.out"
ok $? "the block and its checksum named"
# A block without its magic.
cp "$tmp/orphan_nocsum.img" "$tmp/om.img"
bs=$(sb_ino "$tmp/om.img" "Block size:")
fs_dbg "$tmp/om.img" "zap_block -f <$(sb_ino "$tmp/om.img" "Orphan file inode:")> -o $((bs - 8)) -l 4 -p 0 1"
fs_corrupt "an orphan file block without its magic" ORPHAN_FILE_BAD "$tmp/om.img"
done_testing
