#!/bin/bash
# Containers' cost: `fsimg extents --all` and `fsimg fsck` on IMAGE converted
# to qcow2 (qemu-img convert, 64 KiB clusters) against the same commands on
# the raw IMAGE, same run, warm page cache. A benchmark, never a test.
#
#   bench/containers.sh [--fsimg PATH] [--runs N] [--no-results] IMAGE
#
# hyperfine (2 warm-ups, then --runs, default 7, at least 5) times all four;
# prints a markdown table with the ratios qcow2 / raw against the issue's
# target (<= 1.3x) and records it in bench/RESULTS.md unless --no-results.
# IMAGE is only read; the qcow2 is made in $TMPDIR and removed.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
bench_start 11 ct "hyperfine qemu-img jq" "hyperfine qemu-utils jq" "$@"
q=$work/image.qcow2
t0=$(date +%s.%N)
qemu-img convert -O qcow2 "$img" "$q" || { echo "bench: qemu-img convert failed" >&2; exit 1; }
conv=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
# The same answers first: a benchmark of wrong output means nothing.
for c in "extents --all --json" "fsck --json"; do
	# shellcheck disable=SC2086
	"$fsimg" $c "$img" 2>/dev/null | jq -c 'del(.image?)' > "$work/raw.out"
	# shellcheck disable=SC2086
	"$fsimg" $c "$q" 2>/dev/null | jq -c 'del(.image?)' > "$work/q.out"
	cmp -s "$work/raw.out" "$work/q.out" || { echo "bench: $c differs between raw and qcow2" >&2; exit 1; }
done
echo "bench: hyperfine, 2 warm-ups and $runs runs each"
hyperfine -N -i --warmup 2 --runs "$runs" --style basic --export-json "$work/hf.json" \
	-n ext-raw "$fsimg extents --all $img" -n ext-qcow2 "$fsimg extents --all $q" \
	-n fsck-raw "$fsimg fsck $img" -n fsck-qcow2 "$fsimg fsck $q" >"$work/hf.log" 2>&1 ||
	{ cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }
med() { bench_med "$@"; }
ms() { bench_ms "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" 'BEGIN { print (r <= 1.3) ? "met" : "MISSED" }'; }
er=$(med ext-raw); eq=$(med ext-qcow2); fr=$(med fsck-raw); fq=$(med fsck-qcow2)
re=$(ratio "$eq" "$er"); rf=$(ratio "$fq" "$fr")
name=$(basename "$img")
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOR
<!-- run: containers $name $(hostname) -->
## containers: $name as qcow2 on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
- Image: $img ($(du -h --apparent-size "$img" | cut -f1) apparent), converted by \`qemu-img convert -O qcow2\` in $conv s to $(du -h "$q" | cut -f1)
- Tools: fsimg at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(qemu-img --version | head -n 1); hyperfine 2 warm-ups + $runs runs, warm page cache; outputs checked equal first

| command | raw median ms | qcow2 median ms | qcow2 / raw | target |
|---|---:|---:|---:|---|
| \`fsimg extents --all\` | $(ms "$er") | $(ms "$eq") | $re | <= 1.3x: $(verdict "$re") |
| \`fsimg fsck\` | $(ms "$fr") | $(ms "$fq") | $rf | <= 1.3x: $(verdict "$rf") |
<!-- end run -->
EOR
)
bench_emit "<!-- run: containers $name $(hostname) -->" "$report"
