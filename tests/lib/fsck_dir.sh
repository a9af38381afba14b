# Shared body of tests/cmd/fsck_dir_*.sh: directory, connectivity and
# link-count corruptions made with debugfs -w, judged against e2fsck -fn.
#
#   . "$top_srcdir/tests/lib/fsck_dir.sh"
#   fsck_dir_base NAME VARIANT [HTREE]     build $tmp/NAME.img (clean)
#   fsck_dir_case NAME DESC "IDS" CMD...   copy NAME.img, run the debugfs
#                                          commands CMD (one per argument), then
#                                          one TAP line: e2fsck -fn finds an error
#                                          (exit & 4) <=> fsimg fsck exits 4, and
#                                          every id of IDS is reported
#   fsck_dir_clean NAME                    one TAP line: e2fsck -fn exits 0 and
#                                          fsimg reports no error, no warning
#
# IDS may hold "!" (e2fsck and fsimg both find no error: only the ids, infos).
# FSIMG_TEST_KEEP=1 keeps the private directory.
. "$top_srcdir/tests/lib/tap.sh"
: "${FSIMG:?run through make check}"
LC_ALL=C; export LC_ALL

need mke2fs debugfs dumpe2fs e2fsck jq
[ -x "$FSIMG" ] || { echo "Bail out! $FSIMG not built"; exit 99; }

tmp=$(mktemp_dir) || exit 99
[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# fsck_dir_base NAME VARIANT [HTREE]: from a copy of a tree made once per
# script (mkimg.sh mirrors the htree entries into the copy), --no-far to stay
# fast.
fsck_dir_base() {
	_src=$tmp/tree.src${3:+.h}
	if [ ! -d "$_src" ]; then
		if [ "${3:-0}" -gt 0 ]; then
			sh "$top_srcdir/tests/lib/mktree.sh" --no-far --htree 2000 "$_src"
		else
			sh "$top_srcdir/tests/lib/mktree.sh" --no-far "$_src"
		fi || { echo "Bail out! mktree.sh failed"; exit 99; }
	fi
	rm -rf "$tmp/tree"
	cp -a "$_src" "$tmp/tree"
	sh "$top_srcdir/tests/lib/mkimg.sh" --htree "${3:-0}" "$2" "$tmp/tree" "$tmp/$1.img" > /dev/null ||
		{ echo "Bail out! mkimg.sh $2 failed"; exit 99; }
	rm -rf "$tmp/tree" "$tmp/$1.img.expect"
}

# _fsck IMG: sets _e2 (e2fsck -fn status), _fs (fsimg status), _ids (reported ids)
_fsck() {
	e2fsck -fn "$1" > "$tmp/e2.out" 2>&1
	_e2=$?
	"$FSIMG" fsck --json "$1" > "$tmp/fs.json" 2> "$tmp/fs.err"
	_fs=$?
	_ids=$(jq -r '.problems[] | .id' "$tmp/fs.json" 2>/dev/null | sort -u | tr '\n' ' ')
}

_show() {
	diag "e2fsck -fn exit $_e2, fsimg fsck exit $_fs, ids: $_ids"
	grep -v '^Pass \|^e2fsck \|^$' "$tmp/e2.out" | head -6 | sed 's/^/#   e2fsck: /'
	jq -r '.problems[] | "\(.severity): \(.id): \(.message)"' "$tmp/fs.json" 2>/dev/null |
		head -6 | sed 's/^/#   fsimg: /'
	head -3 "$tmp/fs.err" | sed 's/^/#   stderr: /'
}

fsck_dir_case() {
	_base=$1 _desc=$2 _want=$3
	shift 3
	cp "$tmp/$_base.img" "$tmp/case.img"
	printf '%s\n' "$@" > "$tmp/case.cmds"
	_dout=$(debugfs -w -f "$tmp/case.cmds" "$tmp/case.img" 2>&1 |
		grep -v '^debugfs [0-9]\|^debugfs: \|^Allocated inode: ' || true)
	_fsck "$tmp/case.img"
	_st=0
	if [ "$_want" = "!" ] || case " $_want " in *" ! "*) true ;; *) false ;; esac; then
		# no error expected from either
		[ $((_e2 & 4)) -eq 0 ] && [ $_fs -eq 0 ] || _st=1
	else
		[ $((_e2 & 4)) -ne 0 ] && [ $_fs -eq 4 ] || _st=1
	fi
	for _id in $_want; do
		[ "$_id" = "!" ] && continue
		case " $_ids " in *" $_id "*) ;; *) _st=1 ;; esac
	done
	ok $_st "$_base: $_desc: e2fsck and fsimg agree; fsimg reports ${_want#! }"
	if [ $_st -ne 0 ]; then
		[ -z "$_dout" ] || printf '%s\n' "$_dout" | head -3 | sed 's/^/#   debugfs: /'
		_show
	fi
}

fsck_dir_clean() {
	_fsck "$tmp/$1.img"
	_n=$(jq '.summary.errors + .summary.warnings' "$tmp/fs.json" 2>/dev/null)
	[ "$_e2" -eq 0 ] && [ "$_fs" -eq 0 ] && [ "$_n" = 0 ]
	_st=$?
	ok $_st "$1: clean: e2fsck -fn exits 0, fsimg reports no error and no warning"
	[ $_st -eq 0 ] || _show
}
