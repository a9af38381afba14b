#!/bin/sh
# Differential campaign (issue 15): structure-aware mutants of the fuzzing
# base images (fuzz/mutate: superblock, descriptor, inode, extent and jbd2
# fields, bit flips, byte sets, block copies), half of them with their
# checksums recomputed (mutate -c), each judged by e2fsck -fn and by
# fsimg fsck --no-replay (both check the on-disk state: e2fsck -n skips
# recovery). e2fsck's verdict is the truth: exit 0 clean; 4, 8, 12 or
# "trying backup blocks" corrupt. fsimg agrees with 0 on a clean mutant and
# with 4 (or 8, refusing the image) on a corrupt one.
#
#   sh fuzz/differential.sh [--count N] [--seed S] [--bases "ext2 ext4i ext4j"]
#                           [--fsimg PATH] [--mutate PATH] [--out FILE] [--keep DIR]
#                           [--truth fn|fy] [--extended | --extended2]
#
# --extended draws fuzz/mutate -x's further kinds too (extent index entries,
# htree roots and nodes, xattr headers and entries, descriptor checksums
# and flags, orphan links); without it a seed's mutants are the same as
# before those kinds existed. --extended2 (mutate -X) draws the second
# round's kinds as well: neighbouring extent leaf records swapped, a block
# claimed by two extents, a directory entry's inode number moved (mostly to
# a free inode), and counts off by one (descriptor free counts and used
# dirs, links_count, i_blocks, extent and dx entry counts).
#
# --truth fy judges by the corpus' rule instead (what the project is judged
# by; fuzz/verdict.sh fy_judge): `e2fsck -fy` on a copy, corrupt when it
# repairs anything, against `fsimg fsck` with its journal replay. The
# fast-commit bases (ext4fc*) are refused there: e2fsck's fast-commit
# replay is not the kernel's (an unlink tag leaves i_links_count as it was,
# and ext2fs_calculate_summary_stats sets bg_itable_unused without
# GDT_CSUM), so -fy repairs their unmutated bases; judge them by -fn.
#
# Bases: any of fuzz/mkseeds.sh's (ext2 ext4i ext4j ext4js ext4fc, and the
# differential-only ext4k ext3 ext4nj bigal mbg inl1k m64f1k i128 feat inlx
# cf deep grow shrink growm big64 orph mmp quo orpm big1k, and camp5's e3i128
# nbmbg e2hf enci nob64j).
#
# Prints one line per disagreement (and per crash or timeout) with the
# mutations that made it, then the counts:
#   differential: N mutants: A agree (P%), F false errors, M missed, R refused (exit 8),
#                 C crashes/timeouts, O oracle failures
# --out FILE gets one tab-separated row per mutant. Exit 1 on a crash or
# timeout of fsimg, else 0.
set -u
LC_ALL=C; export LC_ALL
for t in mke2fs e2fsck debugfs timeout; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
here=$(cd "$(dirname "$0")" && pwd)
. "$here/verdict.sh"
top=${top_builddir:-$here/..}
count=200 seed=1 bases="ext2 ext4i ext4j" out= keep= truth=fn xopt=
fsimg=${FSIMG:-$top/src/fsimg} mutate=$top/fuzz/mutate
. "$here/campaign.sh"
camp_usage="usage: differential.sh [--count N] [--seed S] [--bases LIST] [--fsimg PATH] [--mutate PATH] [--out FILE] [--keep DIR] [--truth fn|fy] [--extended | --extended2]"
while [ $# -gt 0 ]; do
	camp_opt "$@" && { shift $camp_n; continue; }
	case $1 in
	--bases) bases=$2; shift 2 ;;
	--mutate) mutate=$2; shift 2 ;;
	--truth) truth=$2; shift 2 ;;
	--extended) xopt=-x; shift ;;
	--extended2) xopt=-X; shift ;;
	*) echo "$camp_usage" >&2; exit 2 ;;
	esac
done
case $truth in fn | fy) ;; *) echo "differential.sh: --truth fn or fy" >&2; exit 2 ;; esac
if [ $truth = fy ]; then
	for b in $bases; do
		case $b in ext4fc*) echo "differential.sh: $b: e2fsck -fy replays fast commits unlike the kernel; use --truth fn" >&2; exit 2 ;; esac
	done
fi
[ -x "$mutate" ] || { echo "differential.sh: $mutate not built (make fuzz/mutate)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-diff.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
sh "$here/mkseeds.sh" "$tmp/s" >"$tmp/mkseeds.log" 2>&1 || { echo "differential.sh: mkseeds.sh failed" >&2; exit 2; }
set -- $bases
nb=$#
[ -n "$out" ] && printf 'n\tseed\tbase\tcsum\te2fsck\tfsimg\tverdict\tmutations\te2fsck_first\tfsimg_ids\n' >"$out"
[ -n "$keep" ] && mkdir -p "$keep"

n=0 agree=0 counts=0 false_err=0 missed=0 refused=0 crash=0 oracle=0
i=0
while [ $i -lt "$count" ]; do
	k=$((i % nb + 1))
	eval "base=\${$k}"
	s=$((seed * 1000003 + i))
	"$mutate" $xopt "$s" "$tmp/s/base/$base.img" "$tmp/m.img" >"$tmp/mut" 2>&1 || { i=$((i + 1)); continue; }
	csum=stale
	if [ $((i / nb % 2)) -eq 1 ]; then
		"$mutate" -c "$tmp/m.img" "$tmp/m2.img" >/dev/null 2>&1 && mv "$tmp/m2.img" "$tmp/m.img" && csum=fixed
	fi
	cp "$tmp/m.img" "$tmp/e.img"
	e2fsck_truth $truth "$tmp/e.img" "$tmp/e.out" 60
	# e2fsck -n skips recovery: the on-disk state against it; -fy replays
	nr=--no-replay
	[ $truth = fn ] || nr=
	timeout -k 2 30 "$fsimg" fsck $nr --threads 1 "$tmp/m.img" >"$tmp/f.out" 2>&1; f=$?
	n=$((n + 1))
	verdict $e "$tmp/e.out" $f "$tmp/f.out"
	tally
	muts=$(tr '\n' ';' <"$tmp/mut" | tr '\t' ' ')
	efirst=$(grep -v '^e2fsck 1\.\|^Pass \|^$\|^ext2fs_open2\|^\*\*\*\|files (' "$tmp/e.out" | head -1 | tr '\t' ' ')
	fids=$(sed -n 's/^\(warning: \|info: \)\{0,1\}\([A-Z][A-Z0-9_]*\): .*/\2/p' "$tmp/f.out" | sort -u | tr '\n' ' ')
	[ -z "$fids" ] && fids=$(grep '^fsimg: ' "$tmp/f.out" | head -1)
	[ -n "$out" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$s" "$base" "$csum" "$e" "$f" "$v" \
		"$muts" "$efirst" "$fids" >>"$out"
	case $v in
	agree | agree-counts | refused) ;;
	*)
		echo "$v #$i seed $s $base ($csum checksums): e2fsck $e, fsimg $f; mutations: $muts"
		echo "    e2fsck: $efirst"
		echo "    fsimg: $fids"
		[ -n "$keep" ] && cp "$tmp/m.img" "$keep/$v-$i-$base.img"
		;;
	esac
	i=$((i + 1))
done
pct=$(awk -v a=$agree -v n=$((n - oracle)) 'BEGIN { printf "%.1f", n ? 100 * a / n : 100 }')
echo "differential ($truth): $n mutants (seed $seed; bases $bases): $agree agree ($pct%; $counts by the summary counts rule), $false_err false errors, $missed missed, $refused refused (exit 8), $crash crashes/timeouts, $oracle oracle failures"
[ $crash -eq 0 ]
