#!/bin/sh
# XFS differential campaign for fsimg fsck (issue 14): fields of the
# superblocks, AG headers and AG btree root blocks of small mkfs.xfs images
# mutated the way xfstests' fuzz tests do (xfs_db -x "fuzz -d FIELD VERB":
# zeroes, ones, firstbit, middlebit, lastbit, add, sub, random; CRCs
# recomputed, and with --stale also left stale), each judged by
# xfs_repair -n (0 clean, anything else corrupt) and by fsimg fsck
# (0 clean; 4 or 8 corrupt).
#
#   sh fuzz/xfs_differential.sh [--sample N] [--stale] [--bases "v5 v4 rmap"]
#                               [--fsimg PATH] [--keep DIR] [--out FILE]
#
# --sample N takes every Nth case (1: all; make check takes a fixed sample).
# Prints every disagreement and crash, then the agreement per structure and
# in all:
#   xfs differential: N cases: A agree (P%), F false errors, M missed, C crashes
# Exit 1 on a crash or timeout of fsimg, else 0.
set -u
LC_ALL=C; export LC_ALL
PATH=$PATH:/sbin:/usr/sbin
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/..}
sample=1 stale=0 bases="v5 v4 rmap" keep= out=
fsimg=${FSIMG:-$top/src/fsimg}
while [ $# -gt 0 ]; do
	case $1 in
	--sample) sample=$2; shift 2 ;;
	--stale) stale=1; shift ;;
	--bases) bases=$2; shift 2 ;;
	--fsimg) fsimg=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: xfs_differential.sh [--sample N] [--stale] [--bases LIST] [--fsimg PATH] [--keep DIR] [--out FILE]" >&2; exit 2 ;;
	esac
done
for t in mkfs.xfs xfs_db xfs_repair timeout; do
	command -v $t >/dev/null 2>&1 || { echo "xfs differential: $t not installed" >&2; exit 77; }
done
w=${keep:-$(mktemp -d)} || exit 2
mkdir -p "$w"
[ -n "$keep" ] || trap 'rm -rf "$w"' EXIT

# a small tree: files, a directory of 300 names (inode chunks), a symlink
mkdir -p "$w/tree/d" "$w/tree/many"
printf 'hello\n' > "$w/tree/a"
seq 1 20000 > "$w/tree/d/b"
ln -s a "$w/tree/l"
(cd "$w/tree/many" && seq 1 300 | sed 's/^/n/' | xargs touch)
sh "$here/../tests/lib/xfsproto.sh" --max-symlink 200 "$w/tree" > "$w/proto"

mkbase() { # NAME OPTIONS
	truncate -s 64m "$w/$1.img"
	mkfs.xfs -q -f --unsupported $2 -p "$w/proto" "$w/$1.img" 2>/dev/null &&
		xfs_repair -n "$w/$1.img" >/dev/null 2>&1
}

# The structures and their fields; "sel" is the xfs_db commands that select it.
fields_of() { # SEL IMG: the printable top-level fields, arrays as their first element
	xfs_db -r $1 -c print "$2" 2>/dev/null | sed -n 's/^\([a-z_0-9]*\)\(\[[0-9-]*\]\)\{0,1\} = .*/\1\2/p' |
		sed 's/\[\([0-9]*\)-[0-9]*\]/[\1]/' | grep -v '^recs\|^keys\|^ptrs'
}

n=0 agree=0 false_err=0 missed=0 crash=0
: > "$w/rows"
verbs="zeroes ones firstbit middlebit lastbit add sub random"
for base in $bases; do
	case $base in
	v5) opts="-b size=1024 -d agcount=4" ;;
	v4) opts="-m crc=0 -b size=1024 -d agcount=4" ;;
	rmap) opts="-m rmapbt=1,reflink=1 -d agcount=4" ;;
	*) echo "unknown base $base" >&2; exit 2 ;;
	esac
	img=$w/$base.img
	mkbase "$base" "$opts" || { echo "# $base: mkfs.xfs or its xfs_repair -n failed" >&2; continue; }
	rec=1
	[ "$base" = v4 ] || rec=1
	for st in "sb0:-c sb\ 0" "sb1:-c sb\ 1" "agf:-c agf\ 1" "agi:-c agi\ 1" "agfl:-c agfl\ 1" \
		  "bnobt:-c agf\ 1 -c addr\ bnoroot" "cntbt:-c agf\ 1 -c addr\ cntroot" \
		  "inobt:-c agi\ 0 -c addr\ root" "finobt:-c agi\ 0 -c addr\ free_root" \
		  "rmapbt:-c agf\ 1 -c addr\ rmaproot" "refcountbt:-c agf\ 1 -c addr\ refcntroot"; do
		name=${st%%:*} sel=$(printf '%s' "${st#*:}" | sed 's/\\ /\x01/g')
		sel=$(printf '%s' "$sel" | tr ' ' '\n' | tr '\001' ' ' | tr '\n' '\036')
		case "$base:$name" in v4:finobt|v4:rmapbt|v4:refcountbt|v5:rmapbt|v5:refcountbt) continue ;; esac
		OLDIFS=$IFS; IFS=$(printf '\036')
		set -- $sel
		IFS=$OLDIFS
		flist=$(xfs_db -r "$@" -c print "$img" 2>/dev/null |
			sed -n 's/^\([a-z_0-9]*\)\(\[[0-9]*\)\{0,1\}[-0-9]*\]\{0,1\} = .*/\1\2/p' |
			sed 's/\[\([0-9]*\)$/[\1]/' | grep -v '^$')
		[ -n "$flist" ] || continue
		for f in $flist; do
			case $f in recs|keys|ptrs) continue ;; esac
			for v in $verbs; do
				n=$((n + 1))
				[ $((n % sample)) -eq 0 ] || continue
				for mode in d $( [ $stale = 1 ] && echo c ); do
					cp "$img" "$w/t.img"
					xfs_db -x "$@" -c "fuzz -$mode $f $v" "$w/t.img" >/dev/null 2>&1
					cmp -s "$img" "$w/t.img" && continue # nothing changed
					timeout 60 xfs_repair -n "$w/t.img" > "$w/rep.txt" 2>&1
					r=$?
					timeout 60 "$fsimg" fsck --no-replay "$w/t.img" > "$w/fsimg.txt" 2>&1
					s=$?
					[ $r -eq 0 ] && truth=clean || truth=corrupt
					case $s in
					0) got=clean ;;
					4|8) got=corrupt ;;
					*) got=crash ;;
					esac
					case $got:$truth in
					clean:clean|corrupt:corrupt) verdict=agree ;;
					corrupt:clean) verdict=false_error ;;
					clean:corrupt) verdict=missed ;;
					*) verdict=crash ;;
					esac
					printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$base" "$name" "$f" "$v" "$mode" "$verdict" \
						"$(grep -v '^Phase\|^ *-\|host filesystem\|Repair may\|the image and\|^No modify\|^$' "$w/rep.txt" | head -1)" >> "$w/rows"
					if [ $verdict != agree ]; then
						echo "$verdict: $base $name fuzz -$mode $f $v (xfs_repair $r, fsimg $s): $(tail -n +1 "$w/fsimg.txt" | head -1)"
					fi
				done
			done
		done
	done
done
[ -z "$out" ] || cp "$w/rows" "$out"
awk -F '\t' '
	{ t[$2]++; if ($6 == "agree") a[$2]++; all++; if ($6 == "agree") agree++
	  if ($6 == "false_error") fe++; if ($6 == "missed") mi++; if ($6 == "crash") cr++ }
	END {
		for (s in t) printf "  %-12s %4d cases, %5.1f%% agree\n", s, t[s], 100 * a[s] / t[s]
		printf "xfs differential: %d cases: %d agree (%.1f%%), %d false errors, %d missed, %d crashes\n",
			all, agree, all ? 100 * agree / all : 0, fe, mi, cr
		exit cr > 0
	}' "$w/rows"
