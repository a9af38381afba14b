#!/bin/sh
# Mutation smoke test (issue 6): a fixed-seed generator (fuzz/mutate) makes
# FSIMG_SMOKE_N mutated images (default 200) from the generated base images
# of fuzz/mkseeds.sh and runs info, ls -R, extents --all, journal and fsck on
# each, with a time limit (timeout 10) and a memory limit (ulimit -v 512 MiB,
# skipped in an ASan build): no signal, no sanitizer report, no hang, exit
# status in {0, 4, 8}. One TAP line per command; failing inputs are kept in
# fuzz/regress-candidates/ of the build tree (with the mutations applied).
# Then FSIMG_SMOKE_MUTATED (default 1000) mutated inputs of the same
# generator go through each of the seven fuzz harnesses in one process
# (fuzz_TARGET -m: the library paths of every command, thousands of images in
# seconds), under the same limits: exit 0, no sanitizer report.
. "$top_srcdir/tests/lib/tap.sh"
LC_ALL=C; export LC_ALL
need mke2fs debugfs timeout
[ -x "$FSIMG" ] || { echo "Bail out! no $FSIMG"; exit 1; }
N=${FSIMG_SMOKE_N:-200}
M=${FSIMG_SMOKE_MUTATED:-1000}
SEED=${FSIMG_SMOKE_SEED:-1}
tmp=$(mktemp_dir) || exit 99
trap 'rm -rf "$tmp"' EXIT
cand=$top_builddir/fuzz/regress-candidates
# private copies: a concurrent `make` may relink the build tree's binaries mid-run
cp "$top_builddir/fuzz/mutate" "$tmp/mutate" || { echo "Bail out! no fuzz/mutate"; exit 1; }
cp "$FSIMG" "$tmp/fsimg" || { echo "Bail out! cannot copy $FSIMG"; exit 1; }
FSIMG=$tmp/fsimg
mutate=$tmp/mutate
sh "$top_srcdir/fuzz/mkseeds.sh" "$tmp" > "$tmp/mkseeds.log" 2>&1 ||
	{ echo "1..0 # SKIP mkseeds.sh failed: $(tail -1 "$tmp/mkseeds.log")"; exit 0; }
rm -rf "$tmp/seeds"
bases="$tmp/base/ext4j.img $tmp/base/ext2.img $tmp/base/ext4i.img"
nbases=3
# A binary instrumented with ASan reserves terabytes of address space: no ulimit -v there.
limit_vm=yes
if grep -aq '__asan_init' "$FSIMG" 2>/dev/null; then limit_vm=no; fi
have_fsck=yes
"$FSIMG" fsck --help > /dev/null 2>&1 || have_fsck=no

classes="info ls extents journal fsck"
for c in $classes; do : > "$tmp/fail.$c"; done

run() { # run CLASS IMG ARGS...: 0 good, 1 bad (appends to the class's list)
	_c=$1 _img=$2; shift 2
	(
		[ $limit_vm = no ] || ulimit -v 524288
		exec timeout -k 2 10 "$FSIMG" "$@"
	) > /dev/null 2> "$tmp/err"
	_st=$?
	_why=
	case $_st in
	0|4|8) ;;
	124|137) _why="hang (timeout)" ;;
	*) _why="exit status $_st" ;;
	esac
	if grep -Eq 'ERROR: (Address|Leak|Memory|Undefined)Sanitizer|runtime error:|Segmentation|Aborted' "$tmp/err"; then
		_why="$_why sanitizer report"
	fi
	[ -n "$_why" ] || return 0
	mkdir -p "$cand"
	_keep=$cand/smoke-$SEED-$i-$_c.img
	cp "$_img" "$_keep"
	cp "$tmp/mut" "$_keep.mutations"
	echo "$_keep: fsimg $* -> $_why: $(grep -E 'ERROR|runtime error' "$tmp/err" | head -1)" >> "$tmp/fail.$_c"
	return 1
}

start=$(date +%s)
i=1
while [ $i -le "$N" ]; do
	k=$((i % nbases + 1))
	base=$(echo $bases | cut -d' ' -f$k)
	"$mutate" $((SEED * 1000003 + i)) "$base" "$tmp/m.img" > "$tmp/mut" || { echo "Bail out! mutate failed"; exit 1; }
	run info "$tmp/m.img" info "$tmp/m.img"
	run ls "$tmp/m.img" ls -R -l "$tmp/m.img"
	run extents "$tmp/m.img" extents -v --all "$tmp/m.img"
	run journal "$tmp/m.img" journal -v "$tmp/m.img"
	[ $have_fsck = no ] || run fsck "$tmp/m.img" fsck "$tmp/m.img"
	i=$((i + 1))
done
diag "$N mutated images in $(( $(date +%s) - start )) s (seed $SEED, ulimit -v: $limit_vm)"
for c in $classes; do
	if [ $c = fsck ] && [ $have_fsck = no ]; then
		skip "fsck: no fsck command"
		continue
	fi
	[ ! -s "$tmp/fail.$c" ]
	ok $? "$c: $N mutated images, no crash, hang or unexpected status"
	head -20 "$tmp/fail.$c" | sed 's/^/#   /'
done

# in process: M mutated inputs (option byte i mod 16) through every harness
start=$(date +%s)
# the image harness mutates containers and partition tables: its own seeds, without the option byte
ibases=
for f in "$top_srcdir"/fuzz/seeds/image/*; do
	tail -c +2 "$f" > "$tmp/base/image.${f##*/}" && ibases="$ibases $tmp/base/image.${f##*/}"
done
for t in open inode dir journal cat fsck image; do
	b=$bases
	[ $t != image ] || b=$ibases
	cp "$top_builddir/fuzz/fuzz_$t" "$tmp/fuzz_$t" || { echo "Bail out! no fuzz/fuzz_$t"; exit 1; }
	# shellcheck disable=SC2086
	(
		[ $limit_vm = no ] || ulimit -v 524288
		exec timeout -k 2 600 "$tmp/fuzz_$t" -m "$SEED" "$M" $b
	) > "$tmp/hout" 2>&1
	st=$?
	grep -q ": $M mutated inputs\$" "$tmp/hout" && [ $st -eq 0 ] &&
		! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$tmp/hout"
	ok $? "fuzz_$t: $M mutated inputs in one process, no crash, hang or sanitizer report"
	if [ $st -ne 0 ] || ! grep -q ": $M mutated inputs\$" "$tmp/hout"; then
		diag "exit status $st; the failing input: FUZZ_VERBOSE=1 fuzz/fuzz_$t -m $SEED $M BASES (fuzz/mkseeds.sh) | tail"
		grep -E 'ERROR|runtime error|SUMMARY' "$tmp/hout" | head -5 | sed 's/^/#   /'
	fi
done
diag "$M mutated inputs through each of 7 harnesses in $(( $(date +%s) - start )) s"
done_testing
