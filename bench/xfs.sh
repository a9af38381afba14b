#!/bin/bash
# XFS extent dump speed and memory: `fsimg extents --all IMG` (text and
# --json) against one `xfs_db -r` process fed `inode N` + `bmap` for every
# inode in use, same run, warm page cache. A benchmark, never a test.
#
#   bench/xfs.sh [--fsimg PATH] [--runs N] [--no-results] IMAGE
#
# IMAGE: an XFS image, e.g. from `bench/mkimage.sh 200k OUT xfs`. The inode
# list handed to xfs_db is the root and every inode `fsimg ls -R --json`
# names (a generous peer: xfs_db is not made to discover the tree), checked
# against xfs_db's sb icount - ifree; the data-fork extents both report are
# counted and must agree (fsimg lists no record for a file without blocks). hyperfine (2 warm-ups, then --runs, default 7, at least 5) times all (wall medians, and CPU: mean user + sys)
# three; peak RSS is the median over --runs runs of /usr/bin/time -v.
# Targets (issue 11): extents --all >= 10x faster than xfs_db, peak RSS <=
# 64 MiB. Records the table in bench/RESULTS.md unless --no-results.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
bench_start 15 xfs "hyperfine xfs_db jq /usr/bin/time" "hyperfine xfsprogs jq time" "$@"

# ---------------------------------------------------------------- inputs
"$fsimg" extents --all --json "$img" >"$work/ext.json" 2>"$work/ext.err" ||
	{ cat "$work/ext.err"; echo "bench: fsimg extents --all --json failed" >&2; exit 1; }
sbline=$(xfs_db -r -c 'sb 0' -c 'p icount ifree agcount agblocks dblocks blocksize rootino' "$img" |
	awk '{ v[$1] = $3 } END { printf "%d %d %d %d %d %d %d", v["icount"], v["ifree"], v["agcount"], v["agblocks"], v["dblocks"], v["blocksize"], v["rootino"] }')
read -r icount ifree agcount agblocks dblocks bsize rootino <<<"$sbline"
{ "$fsimg" ls -R --json "$img" | jq -r '.inode'; echo "$rootino"; } | sort -nu >"$work/inodes"
ninodes=$(wc -l <"$work/inodes")
awk '{ print "inode " $1; print "bmap" }' "$work/inodes" >"$work/db.cmd"
inuse=$((icount - ifree))
echo "bench: fsimg ls -R names $ninodes inodes; xfs_db: $inuse in use (icount $icount - ifree $ifree)"

# The same extents on both sides: data-fork mapped and unwritten records.
fs_ext=$(jq -r '[.extents[]? | select((.fork // "data") == "data")] | length' "$work/ext.json" | awk '{ s += $1 } END { print s + 0 }')
fs_unw=$(jq -r '[.extents[]? | select((.fork // "data") == "data" and .unwritten)] | length' "$work/ext.json" | awk '{ s += $1 } END { print s + 0 }')
xfs_db -r -c "source $work/db.cmd" "$img" >"$work/db.out" 2>&1
db_ext=$(grep -c '^data offset' "$work/db.out")
db_unw=$(grep -c '^data offset.* flag 1$' "$work/db.out")
echo "bench: data-fork extents: fsimg $fs_ext ($fs_unw unwritten), xfs_db bmap $db_ext ($db_unw unwritten)"
[ "$fs_ext" = "$db_ext" ] && [ "$fs_unw" = "$db_unw" ] ||
	echo "bench: WARNING: fsimg and xfs_db disagree on the extent count" >&2

# ---------------------------------------------------------------- timing
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: hyperfine, 2 warm-ups and $runs runs each"
hyperfine -N --warmup 2 --runs "$runs" --style basic --export-json "$work/hf.json" \
	-n xfs_db "xfs_db -r -c 'source $work/db.cmd' $img" \
	-n text "$fsimg extents --all $img" \
	-n json "$fsimg extents --all --json $img" >"$work/hf.log" 2>&1 ||
	{ cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }

# Peak RSS: the median of $runs runs under /usr/bin/time -v (KiB).
rss_db=$(bench_rss xfs_db -r -c "source $work/db.cmd" "$img")
rss_text=$(bench_rss "$fsimg" extents --all "$img")
rss_json=$(bench_rss "$fsimg" extents --all --json "$img")

med() { bench_med "$@"; }
mn() { bench_min "$@"; }
ms() { bench_ms "$@"; }
mib() { bench_mib "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# CPU time (user + sys, hyperfine's means): steadier than wall time on a shared machine
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .user + .system' "$work/hf.json"; }
verdict() {
	awk -v r="$1" -v m="$2" 'BEGIN { printf "speed %s, RSS %s", (r >= 10) ? "met" : "MISSED", (m <= 65536) ? "met" : "MISSED" }'
}
db=$(med xfs_db); tx=$(med text); js=$(med json)
cdb=$(cpu xfs_db); ctx=$(cpu text); cjs=$(cpu json)

name=$(basename "$img")
cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOR
<!-- run: xfs $name $(hostname) -->
## XFS extents: $name on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)
- Image: $img: $(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) on disk; XFS, $agcount AGs of $agblocks blocks, $dblocks blocks of $bsize bytes; $inuse inodes in use (xfs_db icount - ifree)
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1) at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(xfs_db -V 2>&1 | head -n 1); hyperfine 2 warm-ups + $runs runs, warm page cache, output to /dev/null; peak RSS: median of $runs runs of \`/usr/bin/time -v\`
- Work: xfs_db is handed the $ninodes inodes of \`fsimg ls -R\` and the root ($((ninodes * 2)) commands: \`inode N\`, \`bmap\`); data-fork extents reported: fsimg $fs_ext ($fs_unw unwritten), xfs_db $db_ext ($db_unw unwritten)

| command | median ms | min ms | CPU ms | peak RSS MiB | xfs_db / fsimg (medians) | CPU ratio | target |
|---|---:|---:|---:|---:|---:|---:|---|
| \`xfs_db -r -c 'source CMDS' IMG\` | $(ms "$db") | $(ms "$(mn xfs_db)") | $(ms "$cdb") | $(mib "$rss_db") | 1 | 1 | |
| \`fsimg extents --all IMG\` | $(ms "$tx") | $(ms "$(mn text)") | $(ms "$ctx") | $(mib "$rss_text") | $(ratio "$db" "$tx") | $(ratio "$cdb" "$ctx") | >= 10x, <= 64 MiB: $(verdict "$(ratio "$db" "$tx")" "$rss_text") |
| \`fsimg extents --all --json IMG\` | $(ms "$js") | $(ms "$(mn json)") | $(ms "$cjs") | $(mib "$rss_json") | $(ratio "$db" "$js") | $(ratio "$cdb" "$cjs") | >= 10x, <= 64 MiB: $(verdict "$(ratio "$db" "$js")" "$rss_json") |
<!-- end run -->
EOR
)
bench_emit "<!-- run: xfs $name $(hostname) -->" "$report"
