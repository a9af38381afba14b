#!/bin/bash
# Conformance run of fsimg over the external corpus (../shared/corpus).
#
#   tests/conformance/run.sh [--corpus DIR] [--fsimg PATH] [--timeout SECONDS]
#                            [--only REGEX] [--jobs N] [--keep DIR] [--lenient-files]
#
# Optional: when the corpus is absent the run is skipped (exit 0).
# The corpus is only ever read: every image is decompressed into a fresh
# temporary file, used, and deleted. See tests/conformance/README.md.
#
# Exit status: 0 all images passed (or run skipped), 1 at least one failure,
# 2 usage error.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

usage() {
	sed -n '4,5p' "$0" | sed 's/^#  *//' >&2
	exit 2
}

die() { echo "conformance: $*" >&2; exit 2; }

# The worker, the comparisons and the replay check: files of functions.
. "$here/worker.sh"
. "$here/verdict.sh"
. "$here/replay_check.sh"

if [ "${1:-}" = --one ]; then
	shift
	worker "$@"
	if [ -n "$CONF_KEEP" ]; then
		mkdir -p "$CONF_KEEP/$name"
		cp "$w"/*.out "$w"/*.err "$CONF_KEEP/$name/" 2>/dev/null
	fi
	exit 0
fi

# ------------------------------------------------------------------ driver
corpus="$top_srcdir/../shared/corpus"
fsimg="${FSIMG:-}"
tmo=30
only=
jobs=2
keep=
strict_files=1
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) [ $# -ge 2 ] || usage; corpus=$2; shift 2 ;;
	--corpus=*) corpus=${1#*=}; shift ;;
	--fsimg) [ $# -ge 2 ] || usage; fsimg=$2; shift 2 ;;
	--fsimg=*) fsimg=${1#*=}; shift ;;
	--timeout) [ $# -ge 2 ] || usage; tmo=$2; shift 2 ;;
	--timeout=*) tmo=${1#*=}; shift ;;
	--only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--jobs|-j) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--strict-files) strict_files=1; shift ;;
	--lenient-files) strict_files=0; shift ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
case $tmo in ''|*[!0-9.]*) die "--timeout wants a number of seconds" ;; esac
case $jobs in ''|*[!0-9]*|0) die "--jobs wants a positive number" ;; esac

if [ ! -d "$corpus" ]; then
	echo "conformance: corpus not found at $corpus; skipped"
	echo "conformance: 0 passed, 0 failed, 0 skipped"
	exit 0
fi
corpus=$(cd "$corpus" && pwd)
have_e2fsck=1
for tool in e2fsck dumpe2fs debugfs cmp; do
	command -v "$tool" >/dev/null 2>&1 || { have_e2fsck=0; echo "conformance: '$tool' not installed (e2fsprogs, diffutils): journal replay not compared"; }
done
for tool in jq xz gzip bzip2 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "conformance: '$tool' not installed (apt-get install $tool); skipped"
		exit 0
	fi
done
if [ -z "$fsimg" ]; then
	for c in "$top_builddir/src/fsimg" "$top_srcdir/src/fsimg"; do
		[ -x "$c" ] && { fsimg=$c; break; }
	done
fi
[ -n "$fsimg" ] && [ -x "$fsimg" ] || die "fsimg binary not found (build it with 'make src/fsimg' or pass --fsimg PATH)"
# A libtool wrapper script works as is; an absolute path survives the cd-less workers.
case $fsimg in /*) ;; *) fsimg=$(pwd)/$fsimg ;; esac

results=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-conf-res.XXXXXX") || exit 2
trap 'rm -rf "$results"' EXIT

# Snapshot the binary (and, behind a libtool wrapper, the real program and
# libfsimg.so) so a rebuild during the run cannot pull it from under us.
mkdir -p "$results/bin"
d=$(dirname "$fsimg") b=$(basename "$fsimg")
real=
if head -c 2 "$fsimg" | grep -q '#!' && grep -q 'libtool' "$fsimg" 2>/dev/null; then
	for c in "$d/.libs/$b" "$d/.libs/lt-$b"; do [ -x "$c" ] && { real=$c; break; }; done
	[ -n "$real" ] || die "$fsimg is a libtool wrapper and no .libs/$b next to it"
fi
if [ -n "$real" ]; then
	cp "$real" "$results/bin/fsimg" || die "cannot copy $real"
	for l in "$d/../libfsimg/.libs"/libfsimg.so*; do
		[ -e "$l" ] && cp -L "$l" "$results/bin/"
	done
	export LD_LIBRARY_PATH="$results/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
	cp "$fsimg" "$results/bin/fsimg" || die "cannot copy $fsimg"
fi
fsimg_orig=$fsimg
fsimg=$results/bin/fsimg
"$fsimg" --version >/dev/null 2>&1 || die "the copy of $fsimg_orig does not run ($("$fsimg" --version 2>&1 | head -n 1))"
[ -n "$keep" ] && { mkdir -p "$keep" || die "cannot create $keep"; keep=$(cd "$keep" && pwd); }

export FSIMG="$fsimg" CONF_CORPUS="$corpus" CONF_TIMEOUT="$tmo" CONF_SLOW=2 \
	CONF_RESULTS="$results" CONF_KEEP="$keep" CONF_STRICT_FILES="$strict_files" CONF_E2FSCK="$have_e2fsck"

list="$results/list"
: >"$list"
for set in e2fsprogs crash; do
	mf="$corpus/$set/MANIFEST.jsonl"
	if [ ! -f "$mf" ]; then
		echo "conformance: $set/MANIFEST.jsonl absent; that set is skipped"
		continue
	fi
	jq -r --arg set "$set" '[$set, .name] | @tsv' "$mf" >>"$list.all"
done
if [ -n "$only" ]; then
	awk -F '\t' -v re="$only" '$2 ~ re' "$list.all" >"$list"
else
	cp "$list.all" "$list"
fi
n=$(wc -l <"$list")
echo "conformance: $n images from $corpus, fsimg $fsimg_orig ($("$fsimg" --version 2>&1 | head -n 1), a snapshot), timeout ${tmo}s, $jobs at a time"
[ "$n" -gt 0 ] || { echo "conformance: 0 passed, 0 failed, 0 skipped"; exit 0; }

start=$(now_us)
tr '\t' ' ' <"$list" | xargs -P "$jobs" -L 1 "$0" --one
elapsed=$(us2s $(($(now_us) - start)))

# ---- report, in manifest order
pass=0 failn=0 skip=0 unsupp=0 slown=0
declare -A rpn=()
printf '\n%-34s  %-46s  %-46s  %-11s  %6s  %-13s  %s\n' name expected got status seconds replay fsck
printf '%s\n' "$(printf '%.0s-' {1..164})"
while IFS=$'\t' read -r set name; do
	r="$results/$name.res"
	if [ ! -s "$r" ] || ! grep -q '^R' "$r"; then
		printf '%-34s  %-46s  %-46s  %-11s  %6s  %s\n' "$name" "-" "worker produced no result" FAIL "-" "-"
		failn=$((failn + 1))
		continue
	fi
	IFS=$'\t' read -r _ _ st exp got secs rp fv < <(grep '^R' "$r")
	rp=${rp:--}
	printf '%-34s  %-46.46s  %-46.46s  %-11s  %6s  %-13s  %s\n' "$name" "$exp" "$got" "$st" "$secs" "$rp" "${fv:--}"
	[ "$rp" = - ] || rpn[$rp]=$((${rpn[$rp]:-0} + 1))
	case $st in
	PASS*) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
	case $st in *unsupp) unsupp=$((unsupp + 1)) ;; *slow) slown=$((slown + 1)) ;; esac
done <"$list"

echo
echo "Details (FAIL = counted as failure; note = accepted but worth a look; info = informational):"
while IFS=$'\t' read -r set name; do
	r="$results/$name.res"
	[ -f "$r" ] && grep '^D' "$r" | cut -f2- | sed 's/\t/: /'
done <"$list"
echo
[ "$unsupp" -gt 0 ] && echo "conformance: $unsupp of the passes are 'unsupported' refusals (exit 8)"
[ "$slown" -gt 0 ] && echo "conformance: $slown images had a command slower than 2 s"
if [ ${#rpn[@]} -gt 0 ]; then
	nrp=0
	for k in "${!rpn[@]}"; do nrp=$((nrp + rpn[$k])); done
	echo "conformance: replay vs e2fsck -E journal_only on $nrp images: ${rpn[identical]:-0} identical, ${rpn[sb-fields]:-0} differ only in allowed superblock fields, ${rpn[DIFFERS]:-0} differ, ${rpn[refused]:-0} refused by fsimg, ${rpn[e2fsck-failed]:-0} e2fsck failed or did not replay, ${rpn[e2fsck-extra]:-0} not compared (e2fsck did more than replay), ${rpn[fast-commit]:-0} fast-commit (listed), ${rpn[no-e2fsck]:-0} not checked (no e2fsck)"
fi
# ---- fsck verdict agreement, per category and in all
vtab="$results/verdicts"
while IFS=$'\t' read -r set name; do
	[ -f "$results/$name.res" ] && grep '^V' "$results/$name.res" | cut -f2-
done <"$list" >"$vtab"
if [ -s "$vtab" ]; then
	echo "conformance: fsck verdict against the manifests (e2fsprogs corrupt, crash post-replay e2fsck -fn):"
	awk -F '\t' '$5 != "-" { n[$2]++; a[$2] += $5; if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
		END { for (i = 1; i <= k; i++) { c = order[i]
			printf "conformance:   %-6s %3d of %3d agree (%5.1f%%)\n", c, a[c], n[c], 100 * a[c] / n[c] } }' "$vtab"
	awk -F '\t' '$5 == "0" { printf "conformance:   disagrees: %-30s manifest %-7s fsimg %-13s %s\n", $1, $3, $4, $6 }
		$5 == "-" { printf "conformance:   not counted: %-28s %s\n", $1, $6 }' "$vtab"
	read -r vn va vfalse vmiss < <(awk -F '\t' '$5 != "-" { n++; a += $5 }
		$5 == "0" && $3 == "clean" { f++ } $5 == "0" && $3 == "corrupt" { m++ }
		END { printf "%d %d %d %d\n", n, a, f, m }' "$vtab")
	vpct=$(awk -v a="$va" -v n="$vn" 'BEGIN { printf "%.1f", n ? 100 * a / n : 100 }')
	echo "conformance: fsck verdict agreement: $va of $vn ($vpct%; target 97%), $vfalse false errors on clean images, $vmiss missed corruptions"
	# Missed corruptions are information while agreement holds at 97%;
	# false errors already failed their images.
	if [ "$vn" -gt 0 ] && [ $((va * 100)) -lt $((vn * 97)) ]; then
		echo "conformance: FAIL: fsck verdict agreement $vpct% is under 97%"
		failn=$((failn + 1))
	fi
fi
echo "conformance: run took $elapsed s"
echo "conformance: $pass passed, $failn failed, $skip skipped"
[ "$failn" -eq 0 ]
