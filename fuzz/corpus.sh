#!/bin/sh
# Every image of a corpus (../shared/corpus) through the commands the
# conformance run (tests/conformance/run.sh: info, ls -R, extents --all,
# replay) does not run: journal -v, fsck, fsck --no-replay, and cat of
# inodes 11 and 12 (lost+found and the first file of mke2fs-made images). Meant for the
# ASan+UBSan build (.ci/run): no signal, no sanitizer report, no timeout,
# exit status 0, 4 or 8 (cat: 0 or 8).
#
#   sh fuzz/corpus.sh FSIMG CORPUS_DIR [JOBS [TIMEOUT_SECONDS]]
#
# The corpus is only read: each image is decompressed into a private
# temporary file and removed. An external journal next to an image
# (NAME.journal.*) is given with -j. Prints one line per failure and a last
# line "corpus: N images, N commands, N failed"; exit 1 on any failure.
set -u
LC_ALL=C; export LC_ALL

decompress() { # SRC DEST
	case $1 in
	*.gz) gzip -dc < "$1" ;;
	*.bz2) bzip2 -dc < "$1" ;;
	*.xz) xz -dc < "$1" ;;
	*) cat < "$1" ;;
	esac | cp --sparse=always /dev/stdin "$2"
}

if [ "${1:-}" = --one ]; then
	src=$2
	name=$(basename "$src" | sed 's/\.img.*$//')
	w=$(mktemp -d "$OUT/w.XXXXXX") || exit 0
	img=$w/img
	if ! decompress "$src" "$img" 2> /dev/null; then
		echo "$name: cannot decompress $src" >> "$OUT/$name.fail"
		rm -rf "$w"
		exit 0
	fi
	chmod a-w "$img"
	set --
	for j in "${src%%.img*}".journal.* "${src%%.img*}".journal; do
		[ -f "$j" ] || continue
		decompress "$j" "$w/journal" 2> /dev/null && set -- -j "$w/journal"
		break
	done
	n=0
	for cmd in "journal -v" fsck "fsck --no-replay" "cat #11" "cat #12"; do
		n=$((n + 1))
		c=${cmd%% *} rest=
		[ "$c" = "$cmd" ] || rest=${cmd#* }
		case $c in
		cat) timeout -k 2 "$TMO" "$FSIMG" cat "$@" "$img" "$rest" > /dev/null 2> "$w/err" ;;
		# shellcheck disable=SC2086
		*) timeout -k 2 "$TMO" "$FSIMG" $cmd "$@" "$img" > /dev/null 2> "$w/err" ;;
		esac
		st=$?
		bad=
		case $c:$st in
		cat:0|cat:8|journal:0|journal:4|journal:8|fsck:0|fsck:4|fsck:8) ;;
		*:124|*:137) bad="timeout (over $TMO s)" ;;
		*) bad="exit status $st" ;;
		esac
		if grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$w/err"; then
			bad="${bad:+$bad, }sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$w/err")"
		fi
		[ -z "$bad" ] || echo "$name: fsimg $cmd: $bad" >> "$OUT/$name.fail"
	done
	echo $n > "$OUT/$name.count"
	rm -rf "$w"
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: corpus.sh FSIMG CORPUS_DIR [JOBS [TIMEOUT]]" >&2; exit 16; }
fsimg=$1 corpus=$2 jobs=${3:-2} tmo=${4:-60}
[ -x "$fsimg" ] || { echo "corpus.sh: $fsimg is not executable" >&2; exit 16; }
[ -d "$corpus" ] || { echo "corpus: $corpus absent, skipped"; exit 0; }
case $fsimg in /*) ;; *) fsimg=$PWD/$fsimg ;; esac
OUT=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-corpus.XXXXXX") || exit 8
trap 'rm -rf "$OUT"' EXIT
find "$corpus" -type f \( -name '*.img' -o -name '*.img.gz' -o -name '*.img.bz2' -o -name '*.img.xz' \) |
	sort > "$OUT/list"
FSIMG=$fsimg TMO=$tmo; export FSIMG TMO OUT
xargs -P "$jobs" -n 1 sh "$0" --one < "$OUT/list"
cat "$OUT"/*.fail 2> /dev/null
n=$(wc -l < "$OUT/list")
c=$(cat "$OUT"/*.count 2> /dev/null | awk '{ s += $1 } END { print s + 0 }')
f=$(cat "$OUT"/*.fail 2> /dev/null | wc -l)
echo "corpus: $n images, $c commands, $f failed"
[ "$f" -eq 0 ]
