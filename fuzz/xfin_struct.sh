#!/bin/sh
# Structured mutations of the metadata the XFS finish reads (issue 13), on
# crashed images with a dirty log (the crash harness' kept rows):
#
#   fuzz/xfin_struct.sh [--count N] [--seed S] [--dump XLOGDUMP] [--out FILE]
#                       [--keep DIR] IMAGE...
#
# Each mutant is one field of one structure changed by `xfs_db -x` `fuzz -d
# FIELD VERB` (CRC recomputed, so the block reaches the finish) or, one in
# four, `fuzz -c` (CRC left stale): the AGF, AGI and AGFL of the first four
# AGs, the roots of their free space, inode, rmap and refcount btrees and a
# child of each root, and the first four inodes the log logs (the replay
# overwrites what it logs, unless a v5 block's LSN is newer: the lsn fields
# are drawn too). Then tests/xfs/xlogdump IMAGE plan (log replay and the
# finish: intents, unlinked inodes) runs on it under timeout 60 and ulimit
# -v 1 GiB (an ASan+UBSan build, which catches memory errors, under
# hard_rss_limit_mb=1024 instead). A crash (a
# signal, a sanitizer report) or a hang is printed with its mutation and
# kept with --keep; the rest are counted by exit status (0 planned, else a
# refusal, whose reason the last line counts).
set -u
LC_ALL=C; export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
camp_usage="usage: xfin_struct.sh [--count N] [--seed S] [--dump XLOGDUMP] [--out FILE] [--keep DIR] IMAGE..."
. "$here/campaign.sh"
count=100 seed=1 fsimg= out= keep= dump=${top_builddir:-$here/..}/tests/xfs/xlogdump
while [ $# -gt 0 ]; do
	if camp_opt "$@"; then shift $camp_n; continue; fi
	case $1 in
	--dump) dump=$2; shift 2 ;;
	-*) echo "$camp_usage" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ -x "$dump" ] || { echo "$camp_usage" >&2; exit 2; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
[ -z "$out" ] || : > "$out"

# The structures of one image: NAME<TAB>xfs_db commands (;-separated)
structs() {
	agc=$(xfs_db -r -c 'sb 0' -c 'print agcount' "$1" 2>/dev/null | sed 's/.* = //')
	ag=0
	while [ "$ag" -lt "${agc:-0}" ] && [ "$ag" -lt 4 ]; do
		printf 'agf%s\tagf %s\nagi%s\tagi %s\nagfl%s\tagfl %s\n' $ag $ag $ag $ag $ag $ag
		for r in bnoroot cntroot rmaproot refcntroot; do
			printf '%s%s\tagf %s;addr %s\n%s%s_child\tagf %s;addr %s;addr ptrs[1]\n' \
				$r $ag $ag $r $r $ag $ag $r
		done
		for r in root free_root; do
			printf 'i%s%s\tagi %s;addr %s\ni%s%s_child\tagi %s;addr %s;addr ptrs[1]\n' \
				$r $ag $ag $r $r $ag $ag $r
		done
		ag=$((ag + 1))
	done
	"$dump" "$1" trans 2>/dev/null | sed -n 's/^ *inode ino \(0x[0-9a-f]*\) .*/\1/p' | sort -u | head -4 |
		while read -r ino; do printf 'ino%s\tinode %s\n' "$ino" "$ino"; done
}

# The fields xfs_db prints for one structure (of an array, its first entry)
fields() {
	eval "xfs_db -r $2 -c print '$1'" 2>/dev/null | awk '
		/^[a-zA-Z0-9_.\[\]-]+ = / {
			n = $1
			if (n ~ /^(crc|uuid|meta_uuid|magicnum|magic)$/ || n ~ /\.crc$/)
				next
			sub(/\[([0-9]+)-[0-9]+\]/, "[" substr(n, index(n, "[") + 1, index(n, "-") - index(n, "[") - 1) "]", n)
			if ($3 ~ /^\[[a-z]/) {
				k = split(substr($3, 2, length($3) - 2), f, ",")
				for (i = 1; i <= k; i++)
					print n "." f[i]
			} else if ($3 != "")
				print n
		}'
}

dbargs() {
	oifs=$IFS; IFS=';'; set -f
	a=
	for c in $1; do a="$a -c '$c'"; done
	IFS=$oifs; set +f
	echo "$a"
}

for img in "$@"; do
	k=$(echo "$img" | cksum | cut -d' ' -f1)
	structs "$img" | while IFS='	' read -r name cmds; do
		args=$(dbargs "$cmds")
		fields "$img" "$args" | sed "s|^|$k	$name	$cmds	|"
	done
done > "$tmp/cases"
# the images by key
for img in "$@"; do echo "$(echo "$img" | cksum | cut -d' ' -f1)	$img"; done > "$tmp/imgs"
ncases=$(wc -l < "$tmp/cases")
[ "$ncases" -gt 0 ] || { echo "xfin_struct.sh: no structure found" >&2; exit 1; }

awk -v n="$count" -v s="$seed" -v c="$ncases" 'BEGIN {
	srand(s)
	split("zeroes ones firstbit middlebit lastbit add sub random", v, " ")
	for (i = 1; i <= n; i++)
		printf "%d %s %s\n", 1 + int(rand() * c), v[1 + int(rand() * 8)], rand() < 0.25 ? "-c" : "-d"
}' > "$tmp/draws"

# an ASan build reserves terabytes of shadow: its own limit instead of ulimit -v
asan=no
if grep -q __asan_init "$dump"; then
	asan=yes
	ASAN_OPTIONS=hard_rss_limit_mb=1024:allocator_may_return_null=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export ASAN_OPTIONS
fi
i=0 ok=0 refused=0 bad=0
while read -r line verb fl; do
	i=$((i + 1))
	IFS='	' read -r k name cmds field <<EOF
$(sed -n "${line}p" "$tmp/cases")
EOF
	img=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$tmp/imgs")
	cp "$img" "$tmp/m.img"
	args=$(dbargs "$cmds")
	eval "timeout 60 xfs_db -x $args -c 'fuzz $fl $field $verb' '$tmp/m.img'" > "$tmp/db" 2>&1
	if [ "$asan" = yes ]; then
		timeout -k 5 60 "$dump" "$tmp/m.img" plan
	else
		(ulimit -v 1048576; timeout -k 5 60 "$dump" "$tmp/m.img" plan)
	fi > "$tmp/o" 2>&1
	st=$?
	what="$(basename "$(dirname "$img")") $name $field $verb $fl"
	if [ $st -ge 124 ] || grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/o"; then
		bad=$((bad + 1))
		v=CRASH
		[ $st -ne 124 ] || v=HANG
		echo "$v status $st: $what: $(grep -E 'Sanitizer|runtime error' "$tmp/o" | head -1)"
		[ -z "$keep" ] || { mkdir -p "$keep"; cp "$tmp/m.img" "$keep/mutant-$i.img"; cp "$tmp/o" "$keep/mutant-$i.log"; }
	elif [ $st -eq 0 ]; then
		ok=$((ok + 1)); v="planned, $(grep -c '^pending' "$tmp/o") pending: $(grep '^pending' "$tmp/o" | tail -1)"
	else
		refused=$((refused + 1)); v="refused: $(tail -1 "$tmp/o")"
	fi
	[ -z "$out" ] || echo "$i	$what	$st	$v" >> "$out"
done < "$tmp/draws"
echo "xfin_struct: $i mutants: $ok planned, $refused refused, $bad crashes or hangs"
[ "$bad" -eq 0 ]
