# Sourced by the XFS fsck tests (tests/cmd/fsck_xfs_quota.sh, fsck_xfs_rmap.sh)
# after tap.sh, with $tmp set: the verdicts of xfs_repair -n (on a copy:
# it may write) and fsimg fsck on one image.
#
# verdict IMG: prints "xfs_repair-exit fsimg-exit"; xfs_repair's output in
# $tmp/r.out, fsimg's in $tmp/f.out and its problem ids in $tmp/ids
verdict() {
	cp --sparse=always "$1" "$tmp/r.img"
	xfs_repair -n "$tmp/r.img" >"$tmp/r.out" 2>&1
	e=$?
	"$FSIMG" fsck "$1" >"$tmp/f.out" 2>&1
	f=$?
	sed -n 's/^\([A-Z][A-Z0-9_]*\): .*/\1/p' "$tmp/f.out" | sort -u | tr '\n' ' ' >"$tmp/ids"
	echo "$e $f"
}
