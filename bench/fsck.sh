#!/bin/bash
# Checker speed and memory: `fsimg fsck IMG` against `e2fsck -fn IMG` on the
# same image, same run, warm page cache. A benchmark, never a test.
#
#   bench/fsck.sh [--fsimg PATH] [--runs N] [--no-results] IMAGE
#
# hyperfine (2 warm-ups, then --runs, default 7, at least 5) times both; peak
# RSS is the median over --runs runs of /usr/bin/time -v ("Maximum resident
# set size"). Prints a markdown table with the ratios fsimg / e2fsck and the
# issue's targets (wall <= 0.5x, peak RSS <= 1.0x), and records it in
# bench/RESULTS.md (a section per image and machine, replaced on a re-run)
# unless --no-results. The image is only read.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
bench_start 13 fsck "hyperfine e2fsck dumpe2fs jq /usr/bin/time" "hyperfine e2fsprogs jq time" "$@"

# ---------------------------------------------------------------- verdicts
# Exit status 0 or 4 both count as a completed check; 8 is a failure.
"$fsimg" fsck "$img" >"$work/fsimg.out" 2>&1; fs_rc=$?
e2fsck -fn "$img" >"$work/e2fsck.out" 2>&1; e2_rc=$?
[ "$fs_rc" -le 4 ] || { cat "$work/fsimg.out"; echo "bench: fsimg fsck failed ($fs_rc)" >&2; exit 1; }
[ "$e2_rc" -le 4 ] || { cat "$work/e2fsck.out"; echo "bench: e2fsck -fn failed ($e2_rc)" >&2; exit 1; }
summary=$(tail -n 1 "$work/fsimg.out")
echo "bench: fsimg fsck exit $fs_rc: $summary"
echo "bench: e2fsck -fn exit $e2_rc: $(tail -n 1 "$work/e2fsck.out")"

# ---------------------------------------------------------------- timing
# -i: exit status 4 (errors found) is a result, not a failure.
echo "bench: hyperfine, 2 warm-ups and $runs runs each"
hyperfine -N -i --warmup 2 --runs "$runs" --style basic --export-json "$work/hf.json" \
	-n e2fsck "e2fsck -fn $img" -n fsimg "$fsimg fsck $img" >"$work/hf.log" 2>&1 ||
	{ cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }

# Peak RSS: the median of $runs runs under /usr/bin/time -v (KiB).
rss_e2=$(bench_rss e2fsck -fn "$img")
rss_fs=$(bench_rss "$fsimg" fsck "$img")

med() { bench_med "$@"; }
mn() { bench_min "$@"; }
ms() { bench_ms "$@"; }
mib() { bench_mib "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
e2=$(med e2fsck); fs=$(med fsimg)
r_wall=$(ratio "$fs" "$e2"); r_rss=$(ratio "$rss_fs" "$rss_e2")
v_wall=$(awk -v r="$r_wall" 'BEGIN { print (r <= 0.5) ? "met" : "MISSED" }')
v_rss=$(awk -v r="$r_rss" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }')

name=$(basename "$img")
geo=$(dumpe2fs -h "$img" 2>/dev/null | awk -F': *' '
	/^Inode count:/ { ic = $2 } /^Free inodes:/ { fi = $2 } /^Block count:/ { bc = $2 }
	/^Block size:/ { bs = $2 }
	END { printf "%d of %d inodes in use, %d blocks of %d bytes", ic - fi, ic, bc, bs }')
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOR
<!-- run: fsck $name $(hostname) -->
## fsck: $name on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
- Image: $img: $(du -h --apparent-size "$img" | cut -f1) apparent, $geo
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1) at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(e2fsck -V 2>&1 | head -n 1); hyperfine 2 warm-ups + $runs runs, warm page cache; peak RSS: median of $runs runs of \`/usr/bin/time -v\`
- Verdicts: e2fsck exit $e2_rc; fsimg exit $fs_rc, "$summary"

| command | median ms | min ms | peak RSS MiB | / e2fsck wall | / e2fsck RSS | target |
|---|---:|---:|---:|---:|---:|---|
| \`e2fsck -fn IMG\` | $(ms "$e2") | $(ms "$(mn e2fsck)") | $(mib "$rss_e2") | 1 | 1 | |
| \`fsimg fsck IMG\` | $(ms "$fs") | $(ms "$(mn fsimg)") | $(mib "$rss_fs") | $r_wall | $r_rss | wall <= 0.5x: $v_wall; RSS <= 1.0x: $v_rss |
<!-- end run -->
EOR
)
bench_emit "<!-- run: fsck $name $(hostname) -->" "$report"
