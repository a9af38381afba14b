#!/bin/bash
# XFS log replay on a large dirty image: `fsimg replay -o` against
# `cp --sparse=always` of the same image (issue 13's target: <= 1.1x), and
# the overlay's cost to `fsimg extents --all` against `--no-replay`
# (target: < 10 %). A benchmark, never a test.
#
#   bench/replay_xfs.sh [--fsimg PATH] [--pairs N] [--no-results] [IMAGE]
#
# IMAGE (default $BENCH_DIR/200k.xfs, made by `bench/mkimage.sh 200k OUT
# xfs` when absent; BENCH_DIR defaults to /tmp/fsimg-bench) is a clean v5
# XFS image. bench/mkxfsdirty.py gives a sparse copy of it,
# $BENCH_DIR/dirty.xfs (made once per IMAGE), a full dirty log of the
# image's own metadata as a Linux 6.1 kernel frames it: an inode item for
# every inode (core and data fork) and a buffer item for every directory
# block, in 2 MiB checkpoints that each relog the AG headers, until 95 % of
# the log is written. Its recovery rewrites every inode cluster and directory
# block with the same contents (new LSNs and CRCs). Before timing, replay -o
# runs once: xfs_repair -n must find OUT clean, and OUT's sha256 is given
# (to compare builds). Then --pairs (default 7, at least 5) alternating
# pairs of runs (bench/pairs.py), warm page cache: replay -o and cp, each
# after its previous output is removed and `sync` (untimed: the writeback of
# 2 GiB would otherwise land on the next run); then extents --all with and
# without the overlay, on DIRTY and on REAL, $BENCH_DIR/real.xfs: the same
# image with a log as a crash mid-workload leaves it (mkxfsdirty.py stopped
# after 3,000 inodes, in 16 KiB checkpoints: 72 transactions, a 1.5 MiB
# log), where the walk is large and the log modest. Prints a markdown
# section and records it in bench/RESULTS.md unless --no-results.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
fsimg=${FSIMG:-$top/src/fsimg}
pairs=7
write_results=1
img=
bench_args 24 "bench/replay_xfs.sh [--fsimg PATH] [--pairs N] [--no-results] [IMAGE]" \
	"--fsimg --pairs --no-results IMAGE" "$@"
[ "$pairs" -ge 5 ] 2>/dev/null || { echo "bench: --pairs must be at least 5" >&2; exit 2; }
bench_fsimg "$fsimg"
for t in xfs_repair python3 jq sha256sum; do
	command -v $t >/dev/null 2>&1 || { echo "bench: $t is needed" >&2; exit 1; }
done
so=$(ls "$top"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
[ -n "$so" ] || { echo "bench: no shared libfsimg built" >&2; exit 1; }
bdir=${BENCH_DIR:-/tmp/fsimg-bench}
mkdir -p "$bdir" || exit 1
if [ -z "$img" ]; then
	img=$bdir/200k.xfs
	[ -f "$img" ] || "$here/mkimage.sh" 200k "$img" xfs || exit 1
fi
[ -f "$img" ] || { echo "bench: $img: no such file" >&2; exit 1; }
img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
dirty=$bdir/dirty.xfs
stamp="$img $(stat -c '%s %Y' "$img")"
if [ ! -f "$dirty" ] || [ "$(cat "$dirty.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: writing a full dirty log into $dirty (about 30 s)"
	rm -f "$dirty" "$dirty.stamp"
	python3 "$here/mkxfsdirty.py" "$so" "$fsimg" "$img" "$dirty" >"$dirty.made" || exit 1
	echo "$stamp" >"$dirty.stamp"
fi
real=$bdir/real.xfs
if [ ! -f "$real" ] || [ "$(cat "$real.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$real" "$real.stamp"
	python3 "$here/mkxfsdirty.py" "$so" "$fsimg" "$img" "$real" 0.95 3000 16384 >"$real.made" || exit 1
	echo "$stamp" >"$real.stamp"
fi
work=$(mktemp -d "$bdir/replay-xfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$work/out.xfs

"$fsimg" replay -n "$dirty" | head -n 1 >"$work/plan.txt" || exit 1
"$fsimg" replay -n "$real" | head -n 1 >"$work/rplan.txt" || exit 1
"$fsimg" replay -o "$out" "$dirty" >/dev/null || { echo "bench: replay -o failed" >&2; exit 1; }
xfs_repair -n "$out" >"$work/repair.txt" 2>&1
repair=$?
[ $repair = 0 ] || { cat "$work/repair.txt"; echo "bench: xfs_repair -n OUT: exit $repair" >&2; exit 1; }
sha=$(sha256sum "$out" | cut -c1-16)
rm -f "$out"
sync

echo "bench: $pairs paired runs each"
python3 "$here/pairs.py" --prepare "rm -f $out; sync" "$pairs" "$fsimg replay -o $out $dirty" \
	"cp --sparse=always $dirty $out" >"$work/p1.json" || exit 1
rm -f "$out"
sync
python3 "$here/pairs.py" "$pairs" "$fsimg extents --all $dirty" "$fsimg extents --all --no-replay $dirty" \
	>"$work/p2.json" || exit 1
python3 "$here/pairs.py" "$pairs" "$fsimg extents --all $real" "$fsimg extents --all --no-replay $real" \
	>"$work/p3.json" || exit 1

pj() { jq -r ".$2" "$work/$1"; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
r1=$(ratio "$(pj p1.json a_median)" "$(pj p1.json b_median)")
c1=$(ratio "$(pj p1.json a_cpu_median)" "$(pj p1.json b_cpu_median)")
p2=$(awk -v p="$(pj p2.json diff_pct)" 'BEGIN { printf "%+.1f", p }')
d2=$(awk -v d="$(pj p2.json diff_median)" 'BEGIN { printf "%+.1f", d * 1000 }')
p3=$(awk -v p="$(pj p3.json diff_pct)" 'BEGIN { printf "%+.1f", p }')
d3=$(awk -v d="$(pj p3.json diff_median)" 'BEGIN { printf "%+.1f", d * 1000 }')
c2=$(awk -v p="$(pj p2.json cpu_diff_pct)" 'BEGIN { printf "%+.1f", p }')
c3=$(awk -v p="$(pj p3.json cpu_diff_pct)" 'BEGIN { printf "%+.1f", p }')
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOT
<!-- run: replay-xfs $(hostname) -->
## XFS log replay on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Image: DIRTY, bench/mkxfsdirty.py on $(basename "$img") ($(du -h --apparent-size "$dirty" | cut -f1) apparent, $(du -h "$dirty" | cut -f1) on disk): $(cat "$dirty.made")
- $(cat "$work/plan.txt"); xfs_repair -n OUT: exit 0; OUT sha256 $sha...
- REAL, the same image with a log as a crash mid-workload leaves it (bench/mkxfsdirty.py, 3,000 inodes, 16 KiB checkpoints): $(cat "$real.made"); $(sed 's/^Replay plan for [^:]*: //' "$work/rplan.txt")
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1), $(cp --version | head -n 1), $pairs alternating pairs (bench/pairs.py), warm page cache; before each replay -o and cp run (untimed) the last OUT removed and \`sync\`

| pair | fsimg wall ms | fsimg CPU ms | other wall ms | other CPU ms | ratio / overhead (medians) | target |
|---|---:|---:|---:|---:|---:|---|
| \`fsimg replay -o OUT DIRTY\` vs \`cp --sparse=always DIRTY OUT\` | $(ms "$(pj p1.json a_median)") | $(ms "$(pj p1.json a_cpu_median)") | $(ms "$(pj p1.json b_median)") | $(ms "$(pj p1.json b_cpu_median)") | $r1 (CPU $c1) | <= 1.1x: $(awk -v r="$r1" 'BEGIN { print (r <= 1.1) ? "met" : "MISSED" }') |
| \`fsimg extents --all DIRTY\` (overlay) vs \`--no-replay\` | $(ms "$(pj p2.json a_median)") | $(ms "$(pj p2.json a_cpu_median)") | $(ms "$(pj p2.json b_median)") | $(ms "$(pj p2.json b_cpu_median)") | $d2 ms = $p2 % (CPU $c2 %) | < 10 %: $(awk -v p="$(pj p2.json diff_pct)" 'BEGIN { print (p < 10) ? "met" : "MISSED" }') |
| \`fsimg extents --all REAL\` (overlay) vs \`--no-replay\` | $(ms "$(pj p3.json a_median)") | $(ms "$(pj p3.json a_cpu_median)") | $(ms "$(pj p3.json b_median)") | $(ms "$(pj p3.json b_cpu_median)") | $d3 ms = $p3 % (CPU $c3 %) | < 10 %: $(awk -v p="$(pj p3.json diff_pct)" 'BEGIN { print (p < 10) ? "met" : "MISSED" }') |
<!-- end run -->
EOT
)
bench_emit "<!-- run: replay-xfs $(hostname) -->" "$report"
