#!/bin/bash
# fsck verdicts on e2fsprogs test images that are NOT in ../shared/corpus
# (issue 15: agreement on images nobody tuned for).
#
#   tests/conformance/unseen.sh E2FSPROGS [--corpus DIR] [--fsimg PATH]
#                               [--only REGEX] [--timeout S] [--keep DIR]
#                               [--truth expect|fy|fn]
#
# E2FSPROGS is an e2fsprogs source tree (a checkout holding tests/) or its
# git directory (then HEAD is read with git show). Every tests/f_*, j_* and
# m_* case with an image.gz is taken unless the corpus holds it, by name or
# by the sha256 of the decompressed image (the manifest's image_sha256).
# Each image is decompressed into a temporary file and judged by the
# installed e2fsck and by fsimg fsck. Two truths:
#   --truth expect (default): the corpus' rule on upstream's recorded first
#     run (tests/NAME/expect.1, its "Exit status is N"), as the corpus takes
#     it when upstream's test is a plain e2fsck -fy run (no script); else fy.
#   --truth fy: the corpus' `corrupt` rule (../shared/corpus/
#     e2fsprogs/README.md), what the project is judged by: `e2fsck -fy` on a
#     copy; corrupt when it exits with bit 4 or 8, or prints anything but
#     boilerplate and the benign list (journal replay, orphan processing,
#     "could be shorter/narrower. Optimize?", legacy housekeeping); fsimg
#     fsck replays the journal first, as the rule treats replay as benign.
#   --truth fn: `e2fsck -fn` (exit 0 clean; 4, 8, 12 or "trying backup
#     blocks" corrupt) against `fsimg fsck --no-replay` (e2fsck -n skips
#     journal recovery, so both judge the on-disk state).
# Nothing of upstream is written into this tree.
#
# Prints one row per image (name, e2fsck exit, fsimg exit, verdict, e2fsck's
# first problem, fsimg's ids), then every disagreement and the line
#   unseen: N images: A agree (P%), R of them refused (exit 8), F false errors,
#           M missed, C crashes/timeouts, O oracle failures, X in the corpus
# A refusal (fsimg exit 8 with an `fsimg:` message on an image e2fsck calls
# corrupt) agrees, as in fuzz/differential.sh. Exit 1 on a false error or a
# crash, 2 on a usage error, else 0. Optional, never part of make check.
set -u
export LC_ALL=C TZ=GMT0 E2FSCK_CONFIG=/dev/null E2FSPROGS_SKIP_PROGRESS=yes
for t in e2fsck; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../fuzz/verdict.sh"
top=${top_builddir:-$(cd "$here/../.." && pwd)}
usage() { sed -n '5,7p' "$0" | sed 's/^#  *//' >&2; exit 2; }
[ $# -ge 1 ] || usage
src=$1; shift
corpus= fsimg=${FSIMG:-$top/src/fsimg} only= tmo=60 keep= truth=expect
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) corpus=$2; shift 2 ;;
	--fsimg) fsimg=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--truth) truth=$2; shift 2 ;;
	*) usage ;;
	esac
done
# ../shared/corpus beside the tree (or beside a worktree's parent) unless given
if [ -z "$corpus" ]; then
	corpus=$here/../../../shared/corpus
	[ -d "$corpus" ] || corpus=$here/../../../../shared/corpus
fi
command -v jq >/dev/null || { echo "unseen: needs jq" >&2; exit 2; }
command -v e2fsck >/dev/null || { echo "unseen: e2fsck not found" >&2; exit 2; }
[ -x "$fsimg" ] || { echo "unseen: $fsimg not built" >&2; exit 2; }
# list IMAGES and read one: a checkout or a git directory
if [ -d "$src/tests" ]; then
	mode=tree
	list() { (cd "$src" && ls -d tests/[fjm]_*/image.gz 2>/dev/null); }
	get() { cat "$src/$1"; }
elif git --git-dir="$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	mode=git
	list() { git --git-dir="$src" ls-tree -r --name-only HEAD tests | grep -E '^tests/[fjm]_[^/]*/image\.gz$'; }
	get() { git --git-dir="$src" show "HEAD:$1"; }
else
	echo "unseen: $src is neither an e2fsprogs checkout nor its git directory" >&2; exit 2
fi
man=$corpus/e2fsprogs/MANIFEST.jsonl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-unseen.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
: >"$tmp/names"; : >"$tmp/hashes"
if [ -r "$man" ]; then
	jq -r '.name' "$man" >"$tmp/names" || exit 2
	jq -r '.image_sha256 // empty' "$man" >"$tmp/hashes"
else
	echo "unseen: no corpus manifest at $man: every image counts as unseen" >&2
fi
# snapshot fsimg (and libfsimg behind a libtool wrapper) against rebuilds
mkdir -p "$tmp/bin"
d=$(dirname "$fsimg") b=$(basename "$fsimg")
if head -c 2 "$fsimg" | grep -q '#!' && grep -q libtool "$fsimg"; then
	cp "$d/.libs/$b" "$tmp/bin/fsimg" 2>/dev/null || cp "$d/.libs/lt-$b" "$tmp/bin/fsimg" || exit 2
	cp -L "$d/../libfsimg/.libs"/libfsimg.so* "$tmp/bin/" 2>/dev/null
	export LD_LIBRARY_PATH="$tmp/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
	cp "$fsimg" "$tmp/bin/fsimg" || exit 2
fi
fsimg=$tmp/bin/fsimg
[ -n "$keep" ] && mkdir -p "$keep"
case $truth in expect | fy | fn) ;; *) usage ;; esac


n=0 agree=0 counts=0 refused=0 false_err=0 missed=0 crash=0 oracle=0 seen=0
: >"$tmp/dis"
for p in $(list); do
	name=${p#tests/}; name=${name%/image.gz}
	[ -n "$only" ] && ! printf '%s\n' "$name" | grep -Eq "$only" && continue
	if grep -qxF "$name" "$tmp/names"; then seen=$((seen + 1)); continue; fi
	get "$p" | gzip -dc 2>/dev/null | cp --sparse=always /dev/stdin "$tmp/img" || { echo "unseen: $name: cannot decompress" >&2; continue; }
	h=$(sha256sum <"$tmp/img" | cut -d' ' -f1)
	if grep -qxF "$h" "$tmp/hashes"; then seen=$((seen + 1)); continue; fi
	cp --sparse=always "$tmp/img" "$tmp/e.img"
	src_truth=$truth
	if [ $truth = expect ]; then
		src_truth=fy
		if ! get "tests/$name/script" >/dev/null 2>&1 && get "tests/$name/expect.1" >"$tmp/e.out" 2>/dev/null &&
			e=$(sed -n 's/^Exit status is \([0-9]*\)$/\1/p' "$tmp/e.out" | head -1) && [ -n "$e" ]; then
			src_truth=expect
			e=$(fy_judge $e "$tmp/e.out")
		fi
	fi
	[ $src_truth = expect ] || e2fsck_truth $src_truth "$tmp/e.img" "$tmp/e.out" "$tmo"
	chmod a-w "$tmp/img"
	nr=--no-replay
	[ $truth = fn ] || nr=
	timeout -k 2 "$tmo" "$fsimg" fsck $nr "$tmp/img" </dev/null >"$tmp/f.out" 2>&1; f=$?
	n=$((n + 1))
	verdict $e "$tmp/e.out" $f "$tmp/f.out"
	tally
	efirst=$(grep -v '^e2fsck 1\.\|^Pass \|^$\|^ext2fs_open2\|^\*\*\*\|files (\|^Warning: skipping journal' "$tmp/e.out" | head -1 | cut -c1-90)
	fids=$(sed -n 's/^\(warning: \|info: \)\{0,1\}\([A-Z][A-Z0-9_]*\): .*/\2/p' "$tmp/f.out" | sort -u | tr '\n' ' ')
	[ -z "$fids" ] && fids=$(grep '^fsimg: ' "$tmp/f.out" | head -1 | cut -c1-90)
	printf '%-36s e2fsck %-2s fsimg %-3s %-13s %s | %s\n' "$name" "$e" "$f" "$v" "$efirst" "$fids"
	case $v in
	agree | agree-counts | refused) ;;
	*)
		printf '%s %s: e2fsck %s, fsimg %s\n    e2fsck: %s\n    fsimg: %s\n' "$v" "$name" "$e" "$f" "$efirst" "$fids" >>"$tmp/dis"
		[ -n "$keep" ] && { cp "$tmp/e.out" "$keep/$name.e2fsck"; cp "$tmp/f.out" "$keep/$name.fsimg"; }
		;;
	esac
	rm -f "$tmp/img" "$tmp/e.img"
done
echo
cat "$tmp/dis"
pct=$(awk -v a=$agree -v n=$((n - oracle)) 'BEGIN { printf "%.1f", n ? 100 * a / n : 100 }')
echo "unseen (truth: $truth): $n images: $agree agree ($pct%; $counts by the summary counts rule), $refused of them refused (exit 8), $false_err false errors, $missed missed, $crash crashes/timeouts, $oracle oracle failures; $seen skipped as in the corpus"
[ $false_err -eq 0 ] && [ $crash -eq 0 ]
