# Shared by the bench/*.sh scripts (sourced, not run).

# bench_fsimg PATH: sets $fsimg to the real fsimg program for PATH (absolute;
# a libtool wrapper would time a shell script too, so the binary under .libs
# is used, with the library's directory on LD_LIBRARY_PATH). Exits when absent.
bench_fsimg() {
	fsimg=$1
	[ -x "$fsimg" ] || { echo "bench: fsimg not found at $fsimg (make src/fsimg, or --fsimg PATH)" >&2; exit 1; }
	case $fsimg in /*) ;; *) fsimg=$(pwd)/$fsimg ;; esac
	if head -c 2 "$fsimg" | grep -q '#!' && [ -x "$(dirname "$fsimg")/.libs/$(basename "$fsimg")" ]; then
		libdir=$(cd "$(dirname "$fsimg")/../libfsimg/.libs" 2>/dev/null && pwd)
		export LD_LIBRARY_PATH="${libdir:+$libdir:}${LD_LIBRARY_PATH:-}"
		fsimg="$(dirname "$fsimg")/.libs/$(basename "$fsimg")"
	fi
}

# bench_emit KEY REPORT: prints REPORT (a markdown section from the line KEY,
# an <!-- run: ... --> marker, to <!-- end run -->) and, unless
# $write_results is 0, records it in bench/RESULTS.md: the section of the
# same KEY is replaced, or REPORT appended when there is none. Uses $work.
bench_emit() {
	echo
	echo "$2"
	[ "${write_results:-1}" = 1 ] || return 0
	res="$(dirname "${BASH_SOURCE[0]}")/RESULTS.md"
	echo "$2" >"$work/report"
	awk -v key="$1" -v repl="$work/report" '
		BEGIN { while ((getline l < repl) > 0) r = r l "\n" }
		$0 == key { skip = 1; if (!done) { printf "%s", r; done = 1 } next }
		skip && /^<!-- end run -->$/ { skip = 0; next }
		!skip { print }
		END { if (!done) printf "\n%s", r }' "$res" >"$work/res.new" && cat "$work/res.new" >"$res"
	echo "bench: results recorded in $res"
}

# bench_args HELP_LINES "USAGE" "OPTIONS" "$@": the option parsing every
# bench script shares. OPTIONS names the ones the script takes, of --fsimg
# PATH, --runs N, --pairs N, --blocks N, --big IMAGE, --no-results and
# --profile; they set $fsimg, $runs, $pairs, $nblocks, $big, $write_results=0
# and $profile=1 (defaults are the script's, set before the call). One
# operand goes to $img when OPTIONS has IMAGE. --help prints lines
# 2..HELP_LINES of the calling script; anything else prints "usage: USAGE"
# and exits 2.
bench_args() {
	_help=$1 _usage=$2 _opts=" $3 "
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) sed -n "2,${_help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		--fsimg|--runs|--pairs|--blocks|--big)
			case $_opts in *" $1 "*) ;; *) bench_usage "$_usage" ;; esac
			[ $# -ge 2 ] || bench_usage "$_usage"
			case $1 in
			--fsimg) fsimg=$2 ;;
			--runs) runs=$2 ;;
			--pairs) pairs=$2 ;;
			--blocks) nblocks=$2 ;;
			--big) big=$2 ;;
			esac
			shift 2 ;;
		--no-results|--profile)
			case $_opts in *" $1 "*) ;; *) bench_usage "$_usage" ;; esac
			case $1 in --no-results) write_results=0 ;; *) profile=1 ;; esac
			shift ;;
		-*) bench_usage "$_usage" ;;
		*)
			case $_opts in *" IMAGE "*) ;; *) bench_usage "$_usage" ;; esac
			img=$1; shift ;;
		esac
	done
}

bench_usage() {
	echo "usage: $1" >&2
	exit 2
}

# bench_image_args HELP_LINES "$@": the options fsck.sh and containers.sh
# share ([--fsimg PATH] [--runs N] [--no-results] IMAGE), into $fsimg,
# $runs (default 7, at least 5), $write_results and $img; --help prints
# lines 2..HELP_LINES of the calling script. Exits on a usage error.
bench_image_args() {
	_u="bench/$(basename "$0") [--fsimg PATH] [--runs N] [--no-results] IMAGE"
	runs=7
	write_results=1
	img=
	bench_args "$1" "$_u" "--fsimg --runs --no-results IMAGE" "${@:2}"
	[ -n "$img" ] || bench_usage "$_u"
	[ -r "$img" ] || { echo "bench: cannot read $img" >&2; exit 1; }
	[ "$runs" -ge 5 ] 2>/dev/null || { echo "bench: --runs must be at least 5" >&2; exit 2; }
}

# bench_start HELP_LINES NAME "TOOL..." "APT_PACKAGES" "$@": the opening of
# fsck.sh, containers.sh and xfs.sh: their options (bench_image_args), the
# tools they need (else a line naming the packages), the fsimg program
# (bench_fsimg), IMAGE made absolute in $img, and a scratch directory $work
# (fsimg-bench-NAME.*) removed on exit. Uses $top for the default fsimg.
bench_start() {
	_help=$1 _name=$2 _tools=$3 _apt=$4
	shift 4
	fsimg=${FSIMG:-$top/src/fsimg}
	bench_image_args "$_help" "$@"
	for _t in $_tools; do
		command -v "$_t" >/dev/null || { echo "bench: $_t not found (apt-get install $_apt)" >&2; exit 1; }
	done
	bench_fsimg "$fsimg"
	case $img in /*) ;; *) img=$(pwd)/$img ;; esac
	work=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-bench-$_name.XXXXXX")
	trap 'rm -rf "$work"' EXIT
}

# bench_rss COMMAND...: the median peak RSS (KiB) of $runs runs under
# /usr/bin/time -v ("Maximum resident set size"). Uses $work.
bench_rss() {
	for _ in $(seq "$runs"); do
		/usr/bin/time -v -o "$work/tv" "$@" >/dev/null 2>&1
		awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/tv"
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_med NAME / bench_min NAME: hyperfine's median / minimum (s) of the
# command named NAME in $work/hf.json; bench_ms S, bench_mib KIB: for tables.
bench_med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/hf.json"; }
bench_min() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .min' "$work/hf.json"; }
bench_ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a * 1000 }'; }
bench_mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }
