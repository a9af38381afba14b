#!/bin/bash
# Journal replay speed: fsimg replay against e2fsck -E journal_only on fresh
# copies of the same image, same run; and the cost of the in-memory replay
# (overlay) to `fsimg extents --all`. A benchmark, never a test.
#
#   bench/replay.sh [--fsimg PATH] [--runs N] [--pairs N] [--blocks N] [--big IMAGE] [--no-results]
#
# Builds $BENCH_DIR/replay.img (BENCH_DIR defaults to /tmp/fsimg-bench) when
# absent: a 1 GiB ext4 (4 KiB blocks, 128 MiB journal) holding 4,000 small
# files, then debugfs writes a journal of --blocks (default 12,000) logged
# blocks in 6 committed transactions (jo / jw -b A-B FILE / jc) over free
# blocks, so the filesystem stays consistent after the replay.
# --big IMAGE (default $BENCH_DIR/200k.img when present, from bench/mkimage.sh
# 200k): a sparse copy of it, $BENCH_DIR/big-journal.img, gets a checksummed
# journal (jo -c, csum v3) logging --blocks inode-table blocks with their own
# contents in 6 transactions, for the overlay's cost on a realistic image.
# IMAGE itself is only read. The overlay's cost is also measured in --pairs
# (default 30) alternating pairs of runs (bench/pairs.py), which the target
# is judged on: a shared VM drifts more over a hyperfine run than the cost.
# Prints markdown tables and records them in bench/RESULTS.md (a section per
# machine, replaced on a re-run) unless --no-results.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
fsimg=${FSIMG:-$top/src/fsimg}
runs=7
pairs=30
nblocks=12000
write_results=1
big=
bench_args 20 "bench/replay.sh [--fsimg PATH] [--runs N] [--pairs N] [--blocks N] [--big IMAGE] [--no-results]" \
	"--fsimg --runs --pairs --blocks --big --no-results" "$@"
for t in hyperfine debugfs mke2fs e2fsck jq python3; do
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

# ---------------------------------------------------------------- big image
# A copy of a 200k-file image whose journal logs inode-table blocks, the
# metadata a real workload journals most, with their current contents: the
# replayed filesystem is the same, and `extents --all` reads the inode
# tables through the overlay, from the journal.
[ -n "$big" ] || { [ -f "$bdir/200k.img" ] && big=$bdir/200k.img; }
bimg=
if [ -n "$big" ]; then
	[ -f "$big" ] || { echo "bench: $big: no such file" >&2; exit 1; }
	bimg=$bdir/big-journal.img
	stamp="$(cd "$(dirname "$big")" && pwd)/$(basename "$big") $(stat -c '%s %Y' "$big") $nblocks"
	if [ ! -f "$bimg" ] || [ "$(cat "$bimg.stamp" 2>/dev/null)" != "$stamp" ]; then
		echo "bench: building $bimg from $big ($nblocks logged inode-table blocks, csum v3)"
		rm -f "$bimg" "$bimg.stamp"
		cp --sparse=always "$big" "$bimg" || exit 1
		bbs=$(dumpe2fs -h "$bimg" 2>/dev/null | awk -F: '/^Block size/ { print $2 + 0 }')
		# The first $nblocks inode-table blocks, one a line, numbered by transaction.
		dumpe2fs "$bimg" 2>/dev/null | awk '/Inode table at/ { split($4, r, "-"); print r[1], r[2] }' |
			awk -v want="$nblocks" -v per="$per" '{ for (b = $1; b <= $2 && n < want; b++) { print int(n / per), b; n++ } }' \
			>"$work/tblocks"
		jo="jo -c"   # csum v3 from the first transaction on; it stays in the journal superblock
		: >"$work/bcmds"
		# 6 transactions; each gets a data file of its blocks' own contents.
		for t in 0 1 2 3 4 5; do
			lst=$(awk -v t="$t" '$1 != t { next } !n++ { a = b = $2; next } $2 == b + 1 { b = $2; next }
				{ printf "%s%d-%d", sep, a, b; sep = ","; a = b = $2 } END { if (n) printf "%s%d-%d", sep, a, b }' "$work/tblocks")
			[ -n "$lst" ] || continue
			: >"$work/bdata.$t"
			for r in $(echo "$lst" | tr ',' ' '); do
				dd if="$bimg" bs="$bbs" skip="${r%-*}" count=$(( ${r#*-} - ${r%-*} + 1 )) status=none >>"$work/bdata.$t"
			done
			printf '%s\njw -b %s %s\njc\n' "$jo" "$lst" "$work/bdata.$t" >>"$work/bcmds"
			jo=jo
		done
		debugfs -w -f "$work/bcmds" "$bimg" >"$work/bdebugfs.log" 2>&1
		dumpe2fs -h "$bimg" 2>/dev/null | grep -q needs_recovery ||
			{ echo "bench: $bimg does not need recovery"; cat "$work/bdebugfs.log"; exit 1; } >&2
		echo "$stamp" >"$bimg.stamp"
	fi
	"$fsimg" journal "$bimg" >"$work/bjournal.txt" 2>&1
	blogged=$(awk -F: '/^Transactions:/ { sub(/^ */, "", $2); print $2 }' "$work/bjournal.txt")
	echo "bench: big image journal: $blogged"
fi

# ---------------------------------------------------------------- timing
# Every run that writes gets a fresh sparse copy (--prepare, not timed); the
# output of -o is removed there too. The page cache is warm for all. Like
# for like: -o makes a whole copy, so it is also set against cp + e2fsck;
# --in-place writes an undo file first, so also against e2fsck -z UNDO.
cp="cp --sparse=always $img $work/copy.img"
echo "bench: hyperfine, $runs runs each"
hyperfine -N --runs "$runs" --style basic --export-json "$work/hf.json" \
	--prepare "sh -c '$cp'" -n e2fsck "e2fsck -y -E journal_only $work/copy.img" \
	--prepare "sh -c 'rm -f $work/copy.img'" \
	-n cp_e2fsck "sh -c '$cp && e2fsck -y -E journal_only $work/copy.img'" \
	--prepare "sh -c 'rm -f $work/out.img'" -n fsimg_o "$fsimg replay -o $work/out.img $img" \
	--prepare "sh -c '$cp && rm -f $work/copy.e2undo'" \
	-n e2fsck_z "e2fsck -y -E journal_only -z $work/copy.e2undo $work/copy.img" \
	--prepare "sh -c '$cp && rm -f $work/copy.undo'" \
	-n fsimg_inplace "$fsimg replay --in-place --undo $work/copy.undo $work/copy.img" \
	>"$work/hf.log" 2>&1 || { cat "$work/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }
# The runs above leave dirty copies behind; their writeback would land on
# whichever command runs next (the overlay's, first): flush it before.
rm -f "$work/copy.img" "$work/out.img" "$work"/copy.*undo
sync
hyperfine -N --warmup 2 --runs "$runs" --style basic --export-json "$work/hf3.json" \
	-n overlay "$fsimg extents --all $img" \
	-n no_replay "$fsimg extents --all --no-replay $img" >"$work/hf3.log" 2>&1 ||
	{ cat "$work/hf3.log"; echo "bench: hyperfine failed" >&2; exit 1; }
if [ -n "$bimg" ]; then
	hyperfine -N --warmup 1 --runs "$runs" --style basic --export-json "$work/hf4.json" \
		-n overlay "$fsimg extents --all $bimg" \
		-n no_replay "$fsimg extents --all --no-replay $bimg" \
		-n journal "$fsimg journal $bimg" >"$work/hf4.log" 2>&1 ||
		{ cat "$work/hf4.log"; echo "bench: hyperfine failed" >&2; exit 1; }
fi
# The overlay's cost, a few per cent, is smaller than the drift of a shared
# VM over a hyperfine run: also measure it in $pairs alternating pairs.
echo "bench: $pairs paired runs of the overlay against --no-replay"
python3 "$here/pairs.py" "$pairs" "$fsimg extents --all $img" "$fsimg extents --all --no-replay $img" \
	>"$work/pairs3.json" || exit 1
[ -z "$bimg" ] || python3 "$here/pairs.py" "$pairs" "$fsimg extents --all $bimg" \
	"$fsimg extents --all --no-replay $bimg" >"$work/pairs4.json" || exit 1

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$work/$1"; }
mn() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .min' "$work/$1"; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
met() { awk -v r="$1" 'BEGIN { print (r <= 1.0) ? "met" : "MISSED" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }'; }
pmet() { awk -v p="$1" 'BEGIN { print (p < 10) ? "met" : "MISSED" }'; }
pj() { jq -r ".$2" "$work/$1"; }
prow() { # JSON LABEL: the paired row
	printf '| %s | %s | %s | %s (CPU %s %%) | < 10 %%: %s |' "$2" "$(ms "$(pj "$1" a_median)")" \
		"$(ms "$(pj "$1" b_median)")" "$(awk -v d="$(pj "$1" diff_median)" -v p="$(pj "$1" diff_pct)" \
		'BEGIN { printf "%+.1f ms = %+.1f %%", d * 1000, p }')" \
		"$(awk -v p="$(pj "$1" cpu_diff_pct)" 'BEGIN { printf "%+.1f", p }')" "$(pmet "$(pj "$1" diff_pct)")"
}
cpu() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .user + .system' "$work/$1"; }
row() { # JSON NAME LABEL REST: one table row, median, min and mean CPU (user + sys) in ms
	printf '| %s | %s | %s | %s | %s |' "$3" "$(ms "$(med "$1" "$2")")" "$(ms "$(mn "$1" "$2")")" \
		"$(ms "$(cpu "$1" "$2")")" "$4"
}
e2=$(med hf.json e2fsck); ce=$(med hf.json cp_e2fsck); e2z=$(med hf.json e2fsck_z)
fo=$(med hf.json fsimg_o); fi_=$(med hf.json fsimg_inplace)
r_o=$(ratio "$fo" "$e2"); r_oc=$(ratio "$fo" "$ce"); r_i=$(ratio "$fi_" "$e2"); r_iz=$(ratio "$fi_" "$e2z")
ovh=$(pct "$(med hf3.json overlay)" "$(med hf3.json no_replay)")
covh=$(pct "$(cpu hf3.json overlay)" "$(cpu hf3.json no_replay)")
c_o=$(ratio "$(cpu hf.json fsimg_o)" "$(cpu hf.json e2fsck)"); c_oc=$(ratio "$(cpu hf.json fsimg_o)" "$(cpu hf.json cp_e2fsck)")
c_i=$(ratio "$(cpu hf.json fsimg_inplace)" "$(cpu hf.json e2fsck)"); c_iz=$(ratio "$(cpu hf.json fsimg_inplace)" "$(cpu hf.json e2fsck_z)")
nfiles=$(grep -c '' <("$fsimg" extents --all --json "$img" 2>/dev/null))
big_rows=
big_what=
if [ -n "$bimg" ]; then
	bovh=$(pct "$(med hf4.json overlay)" "$(med hf4.json no_replay)")
	bcovh=$(pct "$(cpu hf4.json overlay)" "$(cpu hf4.json no_replay)")
	bfiles=$(grep -c '' <("$fsimg" extents --all --json "$bimg" 2>/dev/null))
	big_what=" and on BIG, a sparse copy of $(basename "$big") ($bfiles files) whose journal (debugfs \`jo -c\`, csum v3: $blogged) logs inode-table blocks"
	big_rows=$(
		row hf4.json overlay '`fsimg extents --all BIG` (overlay)' "$bovh % (CPU $bcovh %) | < 10 %: $(pmet "$bovh")"; echo
		row hf4.json no_replay '`fsimg extents --all --no-replay BIG`' ' | '; echo
		row hf4.json journal '`fsimg journal BIG` (open and scan, listed)' ' | '
	)
fi

cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOF
<!-- run: replay $(hostname) -->
## Journal replay on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC')

- Machine: $(nproc) CPUs, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Image: bench/replay.sh's replay.img: 1 GiB ext4, 4 KiB blocks, 128 MiB journal, 4,000 files; journal written by debugfs: $logged; fsimg replay -o vs e2fsck: $same bytes differ outside the allowed superblock fields
- Tools: $("$fsimg" --version 2>/dev/null | head -n 1), $(e2fsck -V 2>&1 | head -n 1), hyperfine $runs runs, a fresh \`cp --sparse=always\` copy prepared before every run that writes to it (not timed), warm page cache

| command | median ms | min ms | CPU ms | ratio (medians) | target |
|---|---:|---:|---:|---:|---|
$(row hf.json e2fsck '`e2fsck -y -E journal_only COPY`' '1 | ')
$(row hf.json cp_e2fsck '`cp --sparse=always IMG COPY && e2fsck -y -E journal_only COPY` (timed together)' ' | ')
$(row hf.json fsimg_o '`fsimg replay -o OUT IMG`' "$r_o / e2fsck; $r_oc / cp + e2fsck (CPU $c_o; $c_oc) | <= 1.0: $(met "$r_o"); like for like: $(met "$r_oc")")
$(row hf.json e2fsck_z '`e2fsck -y -E journal_only -z UNDO COPY`' ' | ')
$(row hf.json fsimg_inplace '`fsimg replay --in-place --undo U COPY`' "$r_i / e2fsck; $r_iz / e2fsck -z (CPU $c_i; $c_iz) | <= 1.0: $(met "$r_i"); like for like: $(met "$r_iz")")

Overlay: \`fsimg extents --all\`, journal replayed in memory vs \`--no-replay\`, on replay.img ($nfiles files)$big_what:

| command | median ms | min ms | CPU ms | overhead (medians) | target |
|---|---:|---:|---:|---:|---|
$(row hf3.json overlay '`fsimg extents --all IMG` (overlay)' "$ovh % (CPU $covh %) | < 10 %: $(pmet "$ovh")")
$(row hf3.json no_replay '`fsimg extents --all --no-replay IMG`' ' | ')
$big_rows

The same in $pairs alternating pairs (bench/pairs.py; medians; the difference is the median of the pairs' differences, as a share of the \`--no-replay\` median):

| pair | overlay ms | \`--no-replay\` ms | overlay adds | target |
|---|---:|---:|---:|---|
$(prow pairs3.json 'IMG')
$([ -z "$bimg" ] || prow pairs4.json 'BIG')
<!-- end run -->
EOF
)
bench_emit "<!-- run: replay $(hostname) -->" "$report"
