#!/bin/bash
# Journal replay speed: fsimg replay against e2fsck -E journal_only on fresh
# copies of the same image, same run; and the cost of the in-memory replay
# (overlay) to `fsimg extents --all`. A benchmark, never a test.
#
#   bench/replay.sh [--fsimg PATH] [--runs N] [--blocks N] [--no-results]
#
# Builds $BENCH_DIR/replay.img (BENCH_DIR defaults to /tmp/fsimg-bench) when
# absent: a 1 GiB ext4 (4 KiB blocks, 128 MiB journal) holding 4,000 small
# files, then debugfs writes a journal of --blocks (default 12,000) logged
# blocks in 6 committed transactions (jo / jw -b A-B FILE / jc) over free
# blocks, so the filesystem stays consistent after the replay.
# Prints a markdown table and records it in bench/RESULTS.md (a section per
# machine, replaced on a re-run) unless --no-results.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
fsimg=${FSIMG:-$top/src/fsimg}
runs=7
nblocks=12000
write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	--fsimg) fsimg=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--blocks) nblocks=$2; shift 2 ;;
	--no-results) write_results=0; shift ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
done
for t in hyperfine debugfs mke2fs e2fsck jq; do
	command -v "$t" >/dev/null || { echo "bench: $t not found (apt-get install hyperfine e2fsprogs jq)" >&2; exit 1; }
done
bench_fsimg "$fsimg"

bdir=${BENCH_DIR:-/tmp/fsimg-bench}
mkdir -p "$bdir"
img=$bdir/replay.img
work=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-bench-replay.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- image
per=$(( (nblocks + 5) / 6 ))
first=200000   # free: mke2fs -d fills from the start, the journal sits in group 4
if [ ! -f "$img" ] || [ "$(cat "$img.blocks" 2>/dev/null)" != "$nblocks" ]; then
	echo "bench: building $img ($nblocks logged blocks)"
	mkdir -p "$work/tree"
	for d in $(seq 0 39); do
		mkdir -p "$work/tree/d$d"
		for f in $(seq 0 99); do
			head -c $(( (d * 100 + f) % 37 * 1000 + 100 )) /dev/zero | tr '\0' "$(printf "\\$(printf %o $((97 + f % 26)))")" >"$work/tree/d$d/f$f"
		done
	done
	rm -f "$img"
	mke2fs -q -F -t ext4 -b 4096 -J size=128 -U 6b1c4c1e-0000-4000-8000-000000000001 \
		-E hash_seed=6b1c4c1e-0000-4000-8000-000000000002 -d "$work/tree" "$img" 1G ||
		{ echo "bench: mke2fs failed" >&2; exit 1; }
	head -c $((per * 4096)) /dev/urandom >"$work/data"
	: >"$work/cmds"
	for t in 0 1 2 3 4 5; do
		a=$((first + t * per)); b=$((a + per - 1))
		printf 'jo\njw -b %d-%d %s\njc\n' "$a" "$b" "$work/data" >>"$work/cmds"
	done
	debugfs -w -f "$work/cmds" "$img" >"$work/debugfs.log" 2>&1
	echo "$nblocks" >"$img.blocks"
fi
"$fsimg" journal "$img" >"$work/journal.txt" 2>&1
logged=$(awk -F: '/^Transactions:/ { sub(/^ */, "", $2); print $2 }' "$work/journal.txt")
echo "bench: journal: $logged"
dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery || { echo "bench: $img does not need recovery" >&2; exit 1; }

# ---------------------------------------------------------------- sanity
cp --sparse=always "$img" "$work/a.img"
cp --sparse=always "$img" "$work/b.img"
E2FSCK_TIME=1700086400 e2fsck -y -E journal_only "$work/a.img" >/dev/null 2>&1
"$fsimg" replay -o "$work/b.out" "$work/b.img" 2>/dev/null
same=$(cmp -l "$work/a.img" "$work/b.out" | awk '{ o = $1 - 1 - 1024 } !((o >= 48 && o <= 51) || (o >= 376 && o <= 383) || (o >= 1020 && o <= 1023)) { n++ } END { print n + 0 }')
echo "bench: fsimg replay -o vs e2fsck: $same bytes differ outside s_wtime/s_kbytes_written/s_checksum"
rm -f "$work/a.img" "$work/b.img" "$work/b.out"

# ---------------------------------------------------------------- timing
# Every run gets a fresh sparse copy (--prepare, not timed); the output of -o
# is removed there too. The page cache is warm for all.
cp="cp --sparse=always $img $work/copy.img && rm -f $work/out.img"
echo "bench: hyperfine, $runs runs each"
hyperfine -N --runs "$runs" --style basic --export-json "$work/hf.json" \
	--prepare "sh -c '$cp'" -n e2fsck "e2fsck -y -E journal_only $work/copy.img" \
	--prepare "sh -c '$cp'" -n fsimg_o "$fsimg replay -o $work/out.img $work/copy.img" \
	--prepare "sh -c '$cp && rm -f $work/copy.undo'" \
	-n fsimg_inplace "$fsimg replay --in-place --undo $work/copy.undo $work/copy.img" \
	>"$work/hf.log" 2>&1 || { cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }
hyperfine -N --warmup 2 --runs "$runs" --style basic --export-json "$work/hf3.json" \
	-n overlay "$fsimg extents --all $img" \
	-n no_replay "$fsimg extents --all --no-replay $img" >"$work/hf3.log" 2>&1 ||
	{ cat "$work/hf3.log"; echo "bench: hyperfine failed" >&2; exit 1; }

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$work/$1"; }
mn() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .min' "$work/$1"; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
e2=$(med hf.json e2fsck); fo=$(med hf.json fsimg_o); fi_=$(med hf.json fsimg_inplace)
ov=$(med hf3.json overlay); nr=$(med hf3.json no_replay)
r_o=$(ratio "$fo" "$e2"); r_i=$(ratio "$fi_" "$e2")
ovh=$(awk -v a="$ov" -v b="$nr" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')
v_o=$(awk -v r="$r_o" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }')
v_i=$(awk -v r="$r_i" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }')
v_ov=$(awk -v p="$ovh" 'BEGIN { print (p < 10) ? "met" : "MISSED" }')
nfiles=$(grep -c '' <("$fsimg" extents --all --json "$img" 2>/dev/null))

cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOF
<!-- run: replay $(hostname) -->
## Journal replay on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)
- Image: bench/replay.sh's replay.img: 1 GiB ext4, 4 KiB blocks, 128 MiB journal, 4,000 files; journal written by debugfs: $logged; fsimg replay -o vs e2fsck: $same bytes differ outside the allowed superblock fields
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1), $(e2fsck -V 2>&1 | head -n 1), hyperfine $runs runs, a fresh \`cp --sparse=always\` copy prepared before every run (not timed), warm page cache

| command | median ms | min ms | / e2fsck (medians) | target |
|---|---:|---:|---:|---|
| \`e2fsck -y -E journal_only COPY\` | $(ms "$e2") | $(ms "$(mn hf.json e2fsck)") | 1 | |
| \`fsimg replay COPY -o OUT\` | $(ms "$fo") | $(ms "$(mn hf.json fsimg_o)") | $r_o | <= 1.0: $v_o |
| \`fsimg replay --in-place --undo U COPY\` | $(ms "$fi_") | $(ms "$(mn hf.json fsimg_inplace)") | $r_i | <= 1.0: $v_i |

Overlay: \`fsimg extents --all\` on the same image ($nfiles files), journal replayed in memory vs \`--no-replay\`:

| command | median ms | min ms | overhead | target |
|---|---:|---:|---:|---|
| \`fsimg extents --all IMG\` (overlay) | $(ms "$ov") | $(ms "$(mn hf3.json overlay)") | $ovh % | < 10 %: $v_ov |
| \`fsimg extents --all --no-replay IMG\` | $(ms "$nr") | $(ms "$(mn hf3.json no_replay)") | | |
<!-- end run -->
EOF
)
bench_emit "<!-- run: replay $(hostname) -->" "$report"
