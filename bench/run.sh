#!/bin/bash
# fsimg vs debugfs on the same image, same run, warm cache (a benchmark, never
# a test: nothing here fails a build).
#
#   bench/run.sh [--fsimg PATH] [--runs N] [--no-results] [--profile] [IMAGE]
#
# IMAGE defaults to $BENCH_DIR/200k.img (BENCH_DIR defaults to
# /tmp/fsimg-bench), generated with bench/mkimage.sh 200k when absent.
# Prints a markdown table and records it in bench/RESULTS.md (a section per
# image and machine, replaced on a re-run) unless --no-results.
# --profile: for every fsimg command that misses its target, a perf profile
# (top symbols) is printed.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
fsimg=${FSIMG:-$top/src/fsimg}
runs=5
write_results=1
profile=0
img=
bench_args 13 "bench/run.sh [--fsimg PATH] [--runs N] [--no-results] [--profile] [IMAGE]" \
	"--fsimg --runs --no-results --profile IMAGE" "$@"

for t in hyperfine debugfs jq cc /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench: $t not found (apt-get install hyperfine e2fsprogs jq gcc time)" >&2; exit 1; }
done
bench_fsimg "$fsimg"

if [ -z "$img" ]; then
	bdir=${BENCH_DIR:-/tmp/fsimg-bench}
	mkdir -p "$bdir"
	img=$bdir/200k.img
	[ -f "$img" ] || "$here/mkimage.sh" 200k "$img" || exit 1
fi
[ -f "$img" ] || { echo "bench: $img: no such file" >&2; exit 1; }
img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")

work=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- inode list
# Walk the tree with debugfs alone (independent of fsimg): breadth first, one
# debugfs run per level, "ls -p <INO>" for every directory of the level.
# ls -p lines: /INO/MODE/UID/GID/NAME/SIZE/
echo "bench: walking $img with debugfs to list in-use files and directories"
echo 2 >"$work/level"
echo 2 >"$work/dirs"
: >"$work/files"
: >"$work/seen"
while [ -s "$work/level" ]; do
	sed 's/.*/ls -p <&>/' "$work/level" >"$work/level.cmd"
	debugfs -f "$work/level.cmd" "$img" 2>/dev/null |
		awk -F/ 'NF >= 7 && $2 ~ /^[0-9]+$/ && $6 != "." && $6 != ".." { print $2 "\t" $3 }' |
		sort -u -k1,1n >"$work/entries"
	# directories of the next level (not seen yet), regular files
	awk -F '\t' '$2 ~ /^040/ { print $1 }' "$work/entries" | sort -u | comm -23 - <(sort -u "$work/seen") >"$work/level"
	cat "$work/level" >>"$work/seen"
	cat "$work/level" >>"$work/dirs"
	awk -F '\t' '$2 ~ /^100/ { print $1 }' "$work/entries" >>"$work/files"
done
sort -u -n "$work/files" -o "$work/files"
ndirs=$(wc -l <"$work/dirs")
nfiles=$(wc -l <"$work/files")
# ex for every regular file and directory (hard links once); ls -p for every directory.
{ cat "$work/dirs"; cat "$work/files"; } | sed 's/.*/ex <&>/' >"$work/ex.cmd"
sed 's/.*/ls -p <&>/' "$work/dirs" >"$work/ls.cmd"
echo "bench: $ndirs directories, $nfiles regular files (distinct inodes)"

# --------------------------------------------------------------- sanity
fsimg_ok=1
for c in "extents --all" "extents --all --json" "ls -R" "ls -R --json"; do
	if ! "$fsimg" $c "$img" >"$work/out" 2>"$work/err"; then
		echo "bench: WARNING: fsimg $c exited $?: $(head -n 1 "$work/err")"
		fsimg_ok=0
	fi
	case $c in
	"extents --all --json") nj=$(grep -c . "$work/out") ;;
	"ls -R --json") nl=$(grep -c . "$work/out") ;;
	esac
done
echo "bench: fsimg extents --all --json: $nj records; ls -R --json: $nl entries"

# --------------------------------------------------------------- timing
echo "bench: hyperfine, $runs runs each, warm cache"
hyperfine -N --warmup 2 --runs "$runs" --style basic --export-json "$work/hf.json" \
	-n fsimg_extents "$fsimg extents --all $img" \
	-n fsimg_extents_json "$fsimg extents --all --json $img" \
	-n debugfs_ex "debugfs -f $work/ex.cmd $img" \
	-n fsimg_ls "$fsimg ls -R $img" \
	-n fsimg_ls_json "$fsimg ls -R --json $img" \
	-n debugfs_ls "debugfs -f $work/ls.cmd $img" >"$work/hf.log" 2>&1 ||
	{ cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/hf.json"; }
minimum() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .min' "$work/hf.json"; }
rss() { # KiB
	/usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
	cat "$work/rss" | tail -n 1
}
declare -A med mem mn
for k in fsimg_extents fsimg_extents_json debugfs_ex fsimg_ls fsimg_ls_json debugfs_ls; do
	mn[$k]=$(minimum $k)
done
med[fsimg_extents]=$(median fsimg_extents)
med[fsimg_extents_json]=$(median fsimg_extents_json)
med[debugfs_ex]=$(median debugfs_ex)
med[fsimg_ls]=$(median fsimg_ls)
med[fsimg_ls_json]=$(median fsimg_ls_json)
med[debugfs_ls]=$(median debugfs_ls)
mem[fsimg_extents]=$(rss "$fsimg" extents --all "$img")
mem[fsimg_extents_json]=$(rss "$fsimg" extents --all --json "$img")
mem[debugfs_ex]=$(rss debugfs -f "$work/ex.cmd" "$img")
mem[fsimg_ls]=$(rss "$fsimg" ls -R "$img")
mem[fsimg_ls_json]=$(rss "$fsimg" ls -R --json "$img")
mem[debugfs_ls]=$(rss debugfs -f "$work/ls.cmd" "$img")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }
verdict() { # ratio target rss_kib
	awk -v r="$1" -v t="$2" -v m="$3" 'BEGIN {
		s = (r >= t) ? "met" : "MISSED"; s2 = (m <= 65536) ? "met" : "MISSED";
		printf "speed %s, RSS %s", s, s2 }'
}

r_ext=$(ratio "${med[debugfs_ex]}" "${med[fsimg_extents]}")
r_extj=$(ratio "${med[debugfs_ex]}" "${med[fsimg_extents_json]}")
r_ls=$(ratio "${med[debugfs_ls]}" "${med[fsimg_ls]}")
r_lsj=$(ratio "${med[debugfs_ls]}" "${med[fsimg_ls_json]}")

# --------------------------------------------------------------- crc32c
crc_lines=
lib="$top/libfsimg/.libs/libfsimg.so"
if [ -f "$lib" ] && [ -f "$top/libfsimg/include/fsimg/fsimg.h" ]; then
	if cc -O2 -std=c11 -I"$top/libfsimg/include" "$here/crcbench.c" "$lib" \
		-Wl,-rpath,"$top/libfsimg/.libs" -o "$work/crcbench" 2>"$work/cc.err"; then
		"$work/crcbench" >"$work/crc.hw" 2>&1
		FSIMG_CRC32C=soft "$work/crcbench" >"$work/crc.sw" 2>&1
		crc_lines=$(paste -d ' ' "$work/crc.hw" "$work/crc.sw" | awk '
			$1 == "crc32c" && $6 == "crc32c" {
				same = ($5 == $10) ? "" : " (CRC VALUES DIFFER!)";
				printf "| %s | %s GB/s (%s) | %s GB/s (%s) | %.1fx%s |\n", $3, $4, $2, $9, $7, ($9 > 0 ? $4 / $9 : 0), same }')
		[ -n "$crc_lines" ] || crc_lines="| crcbench failed: $(head -n 1 "$work/crc.hw") | | | |"
	else
		crc_lines="| crcbench did not compile: $(head -n 1 "$work/cc.err") | | | |"
	fi
else
	crc_lines="| libfsimg.so not built | | | |"
fi

# --------------------------------------------------------------- report
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
desc=$(dumpe2fs -h "$img" 2>/dev/null | awk -F ':[ \t]+' '
	/^Block count/ { b = $2 } /^Block size/ { bs = $2 } /^Inode count/ { ic = $2 }
	/^Free inodes/ { fi = $2 } /^Free blocks/ { fb = $2 }
	END { printf "%.1f GiB ext4, %s-byte blocks, %d of %d inodes in use, %.0f MiB of data and metadata",
	      b * bs / 1073741824, bs, ic - fi, ic, (b - fb) * bs / 1048576 }')
report=$(cat <<EOF
<!-- run: $(basename "$img") $(hostname) -->
## $(basename "$img") on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)
- Image: $img: $desc; $ndirs directories, $nfiles regular files walked by debugfs
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1 || echo fsimg), $(debugfs -V 2>&1 | head -n 1), hyperfine $runs runs after 2 warm-ups, output to /dev/null
- fsimg records: extents --all --json $nj files; ls -R --json $nl entries$( [ $fsimg_ok = 1 ] || echo "; WARNING: an fsimg command failed, see above")

| command | median ms | min ms | peak RSS MiB | debugfs / fsimg (medians) | target |
|---|---:|---:|---:|---:|---|
| \`fsimg extents --all\` | $(ms "${med[fsimg_extents]}") | $(ms "${mn[fsimg_extents]}") | $(mib "${mem[fsimg_extents]}") | $r_ext | >= 10x, <= 64 MiB: $(verdict "$r_ext" 10 "${mem[fsimg_extents]}") |
| \`fsimg extents --all --json\` | $(ms "${med[fsimg_extents_json]}") | $(ms "${mn[fsimg_extents_json]}") | $(mib "${mem[fsimg_extents_json]}") | $r_extj | >= 5x, <= 64 MiB: $(verdict "$r_extj" 5 "${mem[fsimg_extents_json]}") |
| \`debugfs -f ex.cmd\` ($((ndirs + nfiles)) \`ex <N>\` lines) | $(ms "${med[debugfs_ex]}") | $(ms "${mn[debugfs_ex]}") | $(mib "${mem[debugfs_ex]}") | 1 | |
| \`fsimg ls -R\` | $(ms "${med[fsimg_ls]}") | $(ms "${mn[fsimg_ls]}") | $(mib "${mem[fsimg_ls]}") | $r_ls | >= 10x, <= 64 MiB: $(verdict "$r_ls" 10 "${mem[fsimg_ls]}") |
| \`fsimg ls -R --json\` | $(ms "${med[fsimg_ls_json]}") | $(ms "${mn[fsimg_ls_json]}") | $(mib "${mem[fsimg_ls_json]}") | $r_lsj | >= 5x, <= 64 MiB: $(verdict "$r_lsj" 5 "${mem[fsimg_ls_json]}") |
| \`debugfs -f ls.cmd\` ($ndirs \`ls -p <N>\` lines) | $(ms "${med[debugfs_ls]}") | $(ms "${mn[debugfs_ls]}") | $(mib "${mem[debugfs_ls]}") | 1 | |

crc32c throughput (bench/crcbench.c against libfsimg.so; default vs \`FSIMG_CRC32C=soft\`):

| buffer bytes | default | soft | speed-up |
|---:|---:|---:|---:|
$crc_lines
<!-- end run -->
EOF
)
res="$here/RESULTS.md"
if [ "$write_results" = 1 ] && [ ! -f "$res" ]; then
	printf '# fsimg benchmark results\n\nWritten by bench/run.sh (see bench/README.md); one section per image and machine, replaced when re-run.\n\nTargets: `extents --all` (text) >= 10x faster than the debugfs `ex` dump, `--json` >= 5x; `ls -R` likewise; <= 64 MiB peak RSS each.\n' >"$res"
fi
bench_emit "<!-- run: $(basename "$img") $(hostname) -->" "$report"

# --------------------------------------------------------------- profile
if [ "$profile" = 1 ]; then
	prof() { # name target args...
		local name=$1 target=$2 r; shift 2
		case $name in
		fsimg_extents) r=$r_ext ;; fsimg_extents_json) r=$r_extj ;;
		fsimg_ls) r=$r_ls ;; fsimg_ls_json) r=$r_lsj ;;
		esac
		if awk -v r="$r" -v t="$target" 'BEGIN { exit !(r < t) }' || [ "${PROFILE_ALL:-0}" = 1 ]; then
			echo
			echo "### perf profile: fsimg $* (ratio $r, target $target)"
			perf record -q -g -o "$work/perf.data" "$@" >/dev/null 2>"$work/perf.err" ||
				{ echo "perf record failed: $(tail -n 1 "$work/perf.err")"; return; }
			perf report -i "$work/perf.data" --no-children --stdio --percent-limit 2 \
				--sort dso,symbol 2>/dev/null | grep -E '^ +[0-9]' | head -n 20
		fi
	}
	prof fsimg_extents 10 "$fsimg" extents --all "$img"
	prof fsimg_extents_json 5 "$fsimg" extents --all --json "$img"
	prof fsimg_ls 10 "$fsimg" ls -R "$img"
	prof fsimg_ls_json 5 "$fsimg" ls -R --json "$img"
fi
