#!/bin/bash
# XFS checker speed and memory: `fsimg fsck IMG` against `xfs_repair -n IMG`
# on the same image, same run, warm page cache. A benchmark, never a test.
#
#   bench/fsck_xfs.sh [--fsimg PATH] [--runs N] [--no-results] IMAGE
#   bench/fsck_xfs.sh --make FILES SIZE IMAGE
#
# hyperfine (2 warm-ups, then --runs, default 7, at least 5) times both; peak
# RSS is the median over --runs runs of /usr/bin/time -v. Prints a markdown
# table with the ratios fsimg / xfs_repair and issue 14's targets (wall and
# peak RSS <= 0.5x), recorded in bench/RESULTS.md unless --no-results. The
# image is only read (xfs_repair -n writes nothing either).
# --make writes a v5 image of SIZE (truncate's units) with FILES regular
# files of 0-16 KiB in directories of 100 (mkfs.xfs -p from a generated
# tree; SEED=1 by default), e.g. --make 200000 4G /tmp/x200k.img.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
fsimg=${FSIMG:-$top/src/fsimg}
for t in mkfs.xfs xfs_repair; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done

if [ "${1:-}" = --make ]; then
	[ $# -eq 4 ] || { echo "usage: bench/fsck_xfs.sh --make FILES SIZE IMAGE" >&2; exit 2; }
	files=$2 size=$3 out=$4
	work=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-bench-mkxfs.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# the tree: FILES files of pseudo-random sizes, 100 a directory
	python3 - "$files" "${SEED:-1}" "$work/tree" <<'EOP' || exit 1
import os, random, sys
n, seed, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
for i in range(n):
    d = "%s/d%05d" % (root, i // 100)
    if i % 100 == 0:
        os.makedirs(d)
    with open("%s/f%07d" % (d, i), "wb") as f:
        f.write(rnd.randbytes(rnd.randrange(16384)))
EOP
	sh "$top/tests/lib/xfsproto.sh" "$work/tree" >"$work/proto"
	rm -f "$out"
	truncate -s "$size" "$out"
	mkfs.xfs -q -f -p "$work/proto" "$out" || exit 1
	echo "bench: $out: $files files"
	exit 0
fi

bench_image_args 16 "$@"
for t in hyperfine xfs_repair xfs_db jq /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench: $t not found (apt-get install hyperfine xfsprogs jq time)" >&2; exit 1; }
done
bench_fsimg "$fsimg"
case $img in /*) ;; *) img=$(pwd)/$img ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-bench-fsck-xfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- verdicts
"$fsimg" fsck "$img" >"$work/fsimg.out" 2>&1; fs_rc=$?
xfs_repair -n "$img" >"$work/repair.out" 2>&1; xr_rc=$?
[ "$fs_rc" -le 4 ] || { tail "$work/fsimg.out"; echo "bench: fsimg fsck failed ($fs_rc)" >&2; exit 1; }
[ "$xr_rc" -le 1 ] || { tail "$work/repair.out"; echo "bench: xfs_repair -n failed ($xr_rc)" >&2; exit 1; }
summary=$(tail -n 1 "$work/fsimg.out")
echo "bench: fsimg fsck exit $fs_rc: $summary"
echo "bench: xfs_repair -n exit $xr_rc"

# ---------------------------------------------------------------- timing
echo "bench: hyperfine, 2 warm-ups and $runs runs each"
hyperfine -N -i --warmup 2 --runs "$runs" --style basic --export-json "$work/hf.json" \
	-n xfs_repair "xfs_repair -n $img" -n fsimg "$fsimg fsck $img" >"$work/hf.log" 2>&1 ||
	{ cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }

rss() {
	for _ in $(seq "$runs"); do
		/usr/bin/time -v -o "$work/tv" "$@" >/dev/null 2>&1
		awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/tv"
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rss_xr=$(rss xfs_repair -n "$img")
rss_fs=$(rss "$fsimg" fsck "$img")

med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/hf.json"; }
mn() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .min' "$work/hf.json"; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
xr=$(med xfs_repair); fs=$(med fsimg)
r_wall=$(ratio "$fs" "$xr"); r_rss=$(ratio "$rss_fs" "$rss_xr")
v_wall=$(awk -v r="$r_wall" 'BEGIN { print (r <= 0.5) ? "met" : "MISSED" }')
v_rss=$(awk -v r="$r_rss" 'BEGIN { print (r <= 0.5) ? "met" : "MISSED" }')

name=$(basename "$img")
geo=$(xfs_db -r -c 'sb 0' -c 'p icount ifree dblocks blocksize agcount' "$img" 2>/dev/null | awk -F' = ' '
	{ v[$1] = $2 }
	END { printf "%d inodes in use, %d blocks of %d bytes in %d AGs", v["icount"] - v["ifree"], v["dblocks"], v["blocksize"], v["agcount"] }')
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOR
<!-- run: fsck-xfs $name $(hostname) -->
## fsck (XFS): $name on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
- Image: $img: $(du -h --apparent-size "$img" | cut -f1) apparent, $geo
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1) at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(xfs_repair -V 2>&1 | head -n 1); hyperfine 2 warm-ups + $runs runs, warm page cache; peak RSS: median of $runs runs of \`/usr/bin/time -v\`
- Verdicts: xfs_repair -n exit $xr_rc; fsimg exit $fs_rc, "$summary"

| command | median ms | min ms | peak RSS MiB | / xfs_repair wall | / xfs_repair RSS | target |
|---|---:|---:|---:|---:|---:|---|
| \`xfs_repair -n IMG\` | $(ms "$xr") | $(ms "$(mn xfs_repair)") | $(mib "$rss_xr") | 1 | 1 | |
| \`fsimg fsck IMG\` | $(ms "$fs") | $(ms "$(mn fsimg)") | $(mib "$rss_fs") | $r_wall | $r_rss | wall <= 0.5x: $v_wall; RSS <= 0.5x: $v_rss |
<!-- end run -->
EOR
)
bench_emit "<!-- run: fsck-xfs $name $(hostname) -->" "$report"
