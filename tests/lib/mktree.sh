#!/bin/sh
# Generate a deterministic source tree for mke2fs -d.
#
#   sh tests/lib/mktree.sh [--htree N] [--no-far] DIR
#
# DIR must not exist yet. Everything is built from fixed seeds: two runs give
# byte-identical trees. Contents (paths relative to DIR):
#   sizes/        files of 0, 1, 59, 60, 61, 4095, 4096, 4097, 65536 bytes and
#                 several MiB (text and binary: every 1 KiB block differs)
#   sparse/       leading, middle and trailing holes; an all-hole file; a file
#                 whose only data sits past 65 MiB (1 KiB blocks: triple
#                 indirect; omitted with --no-far)
#   deep/         30 nested directories with a file at the bottom
#   names/        255-byte names (ASCII and 3-byte UTF-8), UTF-8 names, names
#                 with spaces, quotes, backslashes, a leading dash
#   links/        symlinks of 1, 59, 60, 61, 199 and 1000 bytes, dangling, to a
#                 directory; hard links (2 and 3 names, across directories)
#   modes/        0600, 0755, setuid, setgid, sticky directory
#   special/      a fifo
#   empty/        an empty directory
#   falloc/       files that mkimg.sh fallocates and punches (see mkimg.sh)
#   htree/        (with --htree N) N empty files with 40-byte names
set -eu
LC_ALL=C; export LC_ALL

htree=0
far=yes
while [ $# -gt 1 ]; do
	case $1 in
	--htree) htree=$2; shift 2 ;;
	--no-far) far=no; shift ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: mktree.sh [--htree N] [--no-far] DIR" >&2; exit 16; }
d=$1
[ ! -e "$d" ] || { echo "mktree.sh: $d exists" >&2; exit 1; }
mkdir -p "$d"
umask 022

# One awk writes every generated file, from "text PATH SIZE SEED" (append SIZE
# bytes of numbered text lines: every 16 bytes differ) and "zero PATH SIZE"
# (append SIZE zero bytes: mke2fs -d turns all-zero blocks into holes) lines,
# consecutive lines for one PATH building it piece by piece.
writer() {
	awk -v root="$d" '
	BEGIN { z = sprintf("%c", 0); for (i = 0; i < 12; i++) z = z z }   # 4096 NULs
	{ f = root "/" $2 }
	f != cur { if (cur != "") close(cur); cur = f; printf "" > f }
	$1 == "text" {
		n = $3 + 0; i = 0
		while (n > 0) {
			l = sprintf("%s.%010d\n", $4, i++)
			if (length(l) > n) l = substr(l, 1, n)
			printf "%s", l > f; n -= length(l)
		}
	}
	$1 == "zero" { for (n = $3 + 0; n > 0; n -= 4096) printf "%s", (n >= 4096 ? z : substr(z, 1, n)) > f }'
}
# gen_bin FILE SIZE SEED: bytes 0..255 from mawk/gawk's seeded rand.
gen_bin() {
	awk -v n="$2" -v seed="$3" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%c", int(rand() * 256) }' > "$1"
}

mkdir "$d/sizes" "$d/sparse" "$d/names" "$d/links" "$d/modes" "$d/special" "$d/empty" "$d/falloc"
p=deep
i=1
while [ $i -le 30 ]; do
	p=$p/level$i
	i=$((i + 1))
done
mkdir -p "$d/$p"
n255=$(awk 'BEGIN { for (i = 0; i < 255; i++) printf "%c", 97 + i % 26 }')
u255=$(awk 'BEGIN { for (i = 0; i < 85; i++) printf "\342\202\254" }') # 85 x EURO SIGN
{
	for n in 0 1 59 60 61 1023 1024 1025 4095 4096 4097 65536; do
		echo "text sizes/f$n $n s$n"
	done
	echo "text sizes/text_3m $((3 * 1048576 + 123)) big"
	echo "text sizes/tri 3000 tri"
	# data, hole, data, (trailing hole: truncate below)
	echo "text sparse/mixed 8192 m1"; echo "zero sparse/mixed $((1048576 - 8192))"; echo "text sparse/mixed 5000 m2"
	# leading hole
	echo "zero sparse/lead 524288"; echo "text sparse/lead 4096 l1"
	# every other 4 KiB block: many small extents (an extent tree of depth 1 on 1 KiB blocks)
	i=0
	while [ $i -lt 40 ]; do
		echo "text sparse/checker 4096 c$i"; echo "zero sparse/checker 4096"
		i=$((i + 1))
	done
	echo "text $p/bottom 100 bottom"
	echo "text links/target 1000 target"
	echo "text links/hard_a 5000 hard"
	for m in 600 755 4755 2755 444 000; do
		echo "text modes/m$m 10 m$m"
	done
	echo "text falloc/punch_mid 131072 pm"
	echo "text falloc/punch_tail 65536 pt"
	echo "text falloc/prealloc 10000 pa"
	echo "text falloc/holey 4096 h1"; echo "zero falloc/holey 253952"; echo "text falloc/holey 4096 h2"
} | writer
truncate -s 2097152 "$d/sparse/mixed"
truncate -s 1048576 "$d/sparse/allhole"
: > "$d/falloc/sized"
: > "$d/falloc/empty_prealloc"
gen_bin "$d/sizes/bin_300k" $((300 * 1024 + 7)) 1
gen_bin "$d/sizes/bin_1" 1 2
if [ "$far" = yes ]; then
	# data at 0 and past 65 MiB; sparse on the host too
	printf 'far0\n' > "$d/sparse/far"
	awk 'BEGIN { for (i = 0; i < 256; i++) printf "far.%010d\n", i }' |
		dd of="$d/sparse/far" bs=1024 seek=$((65 * 1024)) conv=notrunc status=none
fi

# names: 255 bytes (ASCII and UTF-8), UTF-8, spaces, quotes, backslash, leading dash
for f in "$n255" "$u255" "h$(printf '\303\251')llo" "$(printf '\346\227\245\346\234\254\350\252\236')" \
	"smile_$(printf '\360\237\230\200')" "with space" "quote\"back\\slash" "-dash" "x"; do
	printf '%s\n' "$f" > "$d/names/$f"
done
mkdir "$d/names/dir_$(awk 'BEGIN { for (i = 0; i < 251; i++) printf "D" }')"

ln -s t "$d/links/sym1"
ln -s "$(awk 'BEGIN { for (i = 0; i < 59; i++) printf "a" }')" "$d/links/sym59"
ln -s "$(awk 'BEGIN { for (i = 0; i < 60; i++) printf "b" }')" "$d/links/sym60"
ln -s "$(awk 'BEGIN { for (i = 0; i < 61; i++) printf "c" }')" "$d/links/sym61"
ln -s "$(awk 'BEGIN { printf "."; for (i = 0; i < 99; i++) printf "/." }')" "$d/links/sym199"
ln -s "$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "%s", "directory/" }')" "$d/links/sym1000"
ln -s target "$d/links/to_target"
ln -s ../sizes "$d/links/to_dir"
ln -s /nonexistent/dangling "$d/links/dangling"
ln -s "$(printf 'caf\303\251')" "$d/links/sym_utf8"
ln "$d/links/hard_a" "$d/links/hard_b"
ln "$d/sizes/tri" "$d/links/tri2"
ln "$d/sizes/tri" "$d/deep/tri3"

for m in 600 755 4755 2755 444 000; do
	chmod "$m" "$d/modes/m$m"
done
mkdir "$d/modes/sticky" "$d/modes/private"
chmod 1777 "$d/modes/sticky"
chmod 700 "$d/modes/private"
mkfifo "$d/special/fifo"

if [ "$htree" -gt 0 ]; then
	mkdir "$d/htree"
	# one touch per 1000 names keeps this fast
	(cd "$d/htree" && awk -v n="$htree" 'BEGIN { for (i = 0; i < n; i++) printf "entry_%06d_abcdefghijklmnopqrstuvwxyz\n", i }' |
		xargs -n 1000 touch)
fi
