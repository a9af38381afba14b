#!/bin/sh
# Build one fuzz harness for a fuzzing engine and run a campaign.
#
#   sh fuzz/run.sh TARGET SECONDS [JOBS]      TARGET: open inode dir journal cat fsck image xfs fc xlog xplan xfin
#   sh fuzz/run.sh --build TARGET             build only
#
# ENGINE=libfuzzer (default: clang -fsanitize=fuzzer,address,undefined) or
# ENGINE=afl (afl-clang-fast with AFL_USE_ASAN/AFL_USE_UBSAN; Debian: apt
# install afl++). Builds from the working tree's sources (the tree must be
# configured: config.h) into fuzz/build/ENGINE/, seeds from fuzz/mkseeds.sh
# (fuzz/mkseeds_xfs.sh for xfs; generated into fuzz/build/seeds) plus fuzz/seeds/TARGET and
# fuzz/regress/TARGET, dictionary fuzz/dict/ext4.dict (+ jbd2.dict for
# journal, cat, fsck; xlog.dict alone for xlog, xplan, xfin). Corpus kept
# in fuzz/build/corpus/TARGET; crashes, hangs
# and the log go to fuzz/findings/TARGET-ENGINE-DATE/. Both dirs are
# gitignored. Prints a one-line summary for fuzz/RESULTS.md at the end.
# FUZZ_OUT=DIR puts the build, the corpus and the findings under DIR instead
# (DIR/build, DIR/corpus, DIR/findings-ENGINE-DATE) and also writes the
# summary to DIR/summary.txt, for campaigns that outlive the tree.
set -eu
LC_ALL=C; export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
engine=${ENGINE:-libfuzzer}
build_only=no
if [ "${1:-}" = --build ]; then build_only=yes; shift; fi
[ $# -ge 1 ] || { echo "usage: run.sh [--build] TARGET [SECONDS [JOBS]]" >&2; exit 16; }
target=$1 secs=${2:-300} jobs=${3:-1}
case $target in open|inode|dir|journal|cat|fsck|image|xfs|fc|xlog|xplan|xfin) ;; *) echo "run.sh: unknown target $target" >&2; exit 16 ;; esac
[ -f "$root/config.h" ] || { echo "run.sh: configure the tree first (no config.h)" >&2; exit 8; }

work=${FUZZ_OUT:-$here/build}
bdir=$work/$engine
mkdir -p "$bdir"
srcs="$root/libfsimg/core/*.c $root/libfsimg/fs/*.c $root/libfsimg/ext4/*.c $root/libfsimg/jbd2/*.c $root/libfsimg/xfs/*.c $root/libfsimg/xlog/*.c"
# only the fsck harness links the checker (its sources may be mid-change)
[ "$target" != fsck ] || srcs="$srcs $root/libfsimg/check/*.c"
blkid_cflags=$(pkg-config --cflags blkid 2>/dev/null || echo -I/usr/include/blkid)
blkid_libs=$(pkg-config --libs blkid 2>/dev/null || echo -lblkid)
# what configure found for the containers and compression (libfsimg/core), as the Makefile links them
blkid_libs="$blkid_libs $(sed -n 's/^\(LIBYAL_LIBS\|ZLIB_LIBS\|ZSTD_LIBS\) = //p' "$root/Makefile" 2>/dev/null | tr '\n' ' ')"
cflags="$blkid_cflags -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -I$root -I$root/libfsimg -I$root/libfsimg/include -I$here"
bin=$bdir/fuzz_$target
case $engine in
libfuzzer)
	# shellcheck disable=SC2086
	clang $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o "$bin" "$here/fuzz_$target.c" "$here/fixcsum.c" $srcs $blkid_libs ;;
afl)
	AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1; export AFL_USE_ASAN AFL_USE_UBSAN AFL_QUIET
	# the standalone driver is not needed: afl-clang-fast's -fsanitize=fuzzer
	# shim runs LLVMFuzzerTestOneInput in persistent mode
	# shellcheck disable=SC2086
	afl-clang-fast $cflags -fsanitize=fuzzer -o "$bin" "$here/fuzz_$target.c" "$here/fixcsum.c" $srcs $blkid_libs ;;
*) echo "run.sh: ENGINE is libfuzzer or afl" >&2; exit 16 ;;
esac
echo "built $bin"
[ $build_only = no ] || exit 0

# seeds (xlog, xplan and xfin have only the committed ones, cut from the crash fixtures)
if [ ! -d "$work/seeds/seeds/$target" ] && [ "$target" != xlog ] && [ "$target" != xplan ] && [ "$target" != xfin ]; then
	if [ "$target" = xfs ]; then
		sh "$here/mkseeds_xfs.sh" "$work/seeds" > /dev/null
	else
		sh "$here/mkseeds.sh" "$work/seeds" > /dev/null
	fi
fi
corpus=$work/corpus/$target
mkdir -p "$corpus"
[ ! -d "$work/seeds/seeds/$target" ] || find "$work/seeds/seeds/$target" -type f -exec cp -n {} "$corpus/" \;
for d in "$here/seeds/$target" "$here/regress/$target"; do
	[ ! -d "$d" ] || find "$d" -type f ! -name '.*' -exec cp -n {} "$corpus/" \;
done
dict=$here/dict/ext4.dict
case $target in journal|cat|fsck)
	cat "$here/dict/ext4.dict" "$here/dict/jbd2.dict" > "$bdir/$target.dict"; dict=$bdir/$target.dict ;;
xlog|xplan|xfin) dict=$here/dict/xlog.dict ;;
esac
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$here/findings/$target-$engine-$stamp
[ -z "${FUZZ_OUT:-}" ] || out=$FUZZ_OUT/findings-$engine-$stamp
mkdir -p "$out"
case $engine in
libfuzzer)
	# -rss_limit_mb bounds memory per input; -timeout flags hangs (> 10 s).
	# With JOBS > 1, libFuzzer writes fuzz-N.log into the current directory: run in $out.
	par=
	[ "$jobs" -le 1 ] || par="-jobs=$jobs -workers=$jobs"
	# shellcheck disable=SC2086
	(cd "$out" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" -max_total_time="$secs" -max_len=4194305 -timeout=10 -rss_limit_mb=1024 \
		-dict="$dict" -artifact_prefix="$out/" -print_final_stats=1 $par \
		"$corpus" > "$out/log" 2>&1) || true
	[ "$jobs" -le 1 ] || cat "$out"/fuzz-*.log >> "$out/log" 2>/dev/null
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | awk '{s += $1} END {print s + 0}')
	cov=$(grep -E '^#[0-9]+' "$out/log" | tail -1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/edges(cov) \1, features \2, corpus \3/p')
	crashes=$(find "$out" -name 'crash-*' -o -name 'leak-*' | wc -l)
	hangs=$(find "$out" -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' | wc -l) ;;
afl)
	# AFL++ reads only the first 1 MiB of larger seeds: the 2.25 MiB journal base
	# arrives truncated (fuzz the journal with libFuzzer)
	AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	timeout -s INT "$((secs + 30))" afl-fuzz -V "$secs" -i "$corpus" -o "$out" -x "$dict" -t 10000 \
		-m none -- "$bin" > "$out/log" 2>&1 || true
	st=$out/default/fuzzer_stats
	execs=$(sed -n 's/^execs_done *: *//p' "$st" 2>/dev/null)
	cov="paths $(sed -n 's/^corpus_count *: *//p' "$st" 2>/dev/null), edges $(sed -n 's/^edges_found *: *//p' "$st" 2>/dev/null)"
	crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
	hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l) ;;
esac
summary="$target | $engine | ${secs}s x $jobs | execs ${execs:-?} | ${cov:-?} | crashes $crashes | hangs/ooms $hangs | $out"
echo "$summary"
[ -z "${FUZZ_OUT:-}" ] || echo "$(date -u +%Y-%m-%dT%H:%MZ) $summary" > "$FUZZ_OUT/summary.txt"
