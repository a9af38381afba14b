#!/bin/sh
# Generate the XFS fuzzing base images and seeds (deterministic but for the
# UUIDs and times mkfs.xfs chooses).
#
#   sh fuzz/mkseeds_xfs.sh OUTDIR
#
# Writes OUTDIR/base/xfs5.img (v5, 1 KiB blocks) and OUTDIR/base/xfs4.img
# (v4, 512-byte blocks): one 16 MiB AG each (mkfs.xfs --unsupported), cut to
# the first 4 MiB - 1 byte where mkfs.xfs put everything (the harnesses take
# 4 MiB inputs with their option byte); a small tree from the protofile
# (a file, a 3000-line file, a symlink, a block-form directory of 60
# names), and by xfs_db an attribute fork with a remote value and an
# unwritten extent. OUTDIR/seeds/xfs/<image>.o0 and .o4: the image after the
# option byte 0 or 4 (raw reads).
set -eu
LC_ALL=C; export LC_ALL
[ $# -eq 1 ] || { echo "usage: mkseeds_xfs.sh OUTDIR" >&2; exit 16; }
here=$(cd "$(dirname "$0")" && pwd)
out=$1
rm -rf "$out/xfstree" "$out/base/xfs5.img" "$out/base/xfs4.img" "$out/seeds/xfs"
mkdir -p "$out/xfstree/d" "$out/xfstree/e" "$out/base" "$out/seeds/xfs"
printf 'hello\n' > "$out/xfstree/a"
seq 1 3000 > "$out/xfstree/d/b"
ln -s a "$out/xfstree/l"
(cd "$out/xfstree/e" && seq 1 60 | sed 's/^/entry_name_/' | xargs touch)
sh "$here/../tests/lib/xfsproto.sh" "$out/xfstree" > "$out/xfstree.proto"

mkbase() { # mkbase NAME MKFS-OPTIONS
	img=$out/$1.full
	rm -f "$img"
	truncate -s 16m "$img"
	mkfs.xfs -q -f --unsupported $2 -p "$out/xfstree.proto" "$img" 2>/dev/null
	bmx=u3.bmx
	case $2 in *crc=0*) bmx=u.bmx ;; esac
	a=$(xfs_db -r -c 'path /a' -c inode "$img" | sed 's/.* is //')
	b=$(xfs_db -r -c 'path /d/b' -c inode "$img" | sed 's/.* is //')
	xfs_db -x -c "inode $a" -c 'attr_set -u small -v 10' -c 'attr_set -u big -v 3000' \
		-c "inode $b" -c "write $bmx[0].extentflag 1" "$img" > /dev/null
	head -c $((4 * 1048576 - 1)) "$img" > "$out/base/$1.img"
	rm -f "$img"
	printf '\000' | cat - "$out/base/$1.img" > "$out/seeds/xfs/$1.o0"
	printf '\004' | cat - "$out/base/$1.img" > "$out/seeds/xfs/$1.o4"
}
mkbase xfs5 "-b size=1024"
mkbase xfs4 "-m crc=0 -b size=512"
rm -rf "$out/xfstree" "$out/xfstree.proto"
