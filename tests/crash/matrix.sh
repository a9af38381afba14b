#!/usr/bin/env bash
# The crash matrix (`make crash-check`): every row of matrix.txt through
# run.sh, one VM at a time, then RESULTS.md from the rows' result.json.
#
#   tests/crash/matrix.sh [-o OUTDIR] [-r REPORT] [--resume] [--only REGEX] [--fsimg PATH]
#                         [--keep] [--recompare]
#
# OUTDIR (default tests/crash/out in the current directory) keeps one
# directory per row (records, consoles, result.json; images are removed
# unless --keep); --resume skips rows that already have a result.json;
# --recompare boots nothing: it compares again (a newer fsimg) the rows whose
# images were kept.  REPORT (default tests/crash/RESULTS.md next to this
# script) is rewritten at the end.
# Exit status: 0 when every row ended as expected (ext4 rows agree, except
# fast-commit rows whose log holds fast commits, which may differ; a row where
# the kernel's own recovery fails, as fsimg's scan says it would, is
# kernel-fails, and so is an XFS row whose mount fails where fsimg refuses
# to replay, naming why; XFS rows agree, agree-equivalent (only the free space
# btrees' shape differs), or fsimg refused naming pending intents /
# unlinked inodes), 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=tests/crash/out report=$here/RESULTS.md resume=0 only=. fsimg_opt=() keep=() recompare=0
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift ;;
	-r) report=$2; shift ;;
	--resume) resume=1 ;;
	--only) only=$2; shift ;;
	--fsimg) fsimg_opt=(--fsimg "$2"); shift ;;
	--keep) keep=(-k) ;;
	--recompare) recompare=1 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "matrix.sh: unknown option $1" >&2; exit 16 ;;
	esac
	shift
done
mkdir -p "$out"
start=$(date +%s)
grep -v '^#' "$here/matrix.txt" | grep -v '^ *$' | while read -r name rest; do
	echo "$name" | grep -Eq -- "$only" || continue
	d=$out/$name
	if [ "$recompare" = 1 ]; then
		[ -f "$d/crashed.img" ] && [ -f "$d/kernel.img" ] || continue
		printf '%s: ' "$name"
		python3 "$here/compare.py" "$d" --fsimg "${fsimg_opt[1]:-$here/../../src/fsimg}" > "$d/compare.log" 2>&1
		rc=$?
		echo "$(head -1 "$d/compare.log") [exit $rc]"
		continue
	fi
	if [ "$resume" = 1 ] && [ -f "$d/result.json" ]; then
		echo "$name: done before"
		continue
	fi
	rm -rf "$d"
	mkdir -p "$d"
	eval "set -- $rest"
	printf '%s: ' "$name"
	"$here/run.sh" -d "$d" "${keep[@]}" "${fsimg_opt[@]}" "$@" > "$d/run.log" 2>&1 < /dev/null
	rc=$?
	echo "$(grep -v '^crash: ' "$d/run.log" | head -1) [exit $rc]"
	[ -f "$d/result.json" ] || echo "{\"result\": \"error\", \"why\": $(tail -1 "$d/run.log" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))')}" > "$d/result.json"
done
echo "matrix: $(( $(date +%s) - start ))s"
python3 "$here/report.py" --previous "$report" "$here/matrix.txt" "$out" > "$report.tmp" && mv "$report.tmp" "$report"
echo "matrix: report in $report"
# a recompare boots nothing: it checks the rows kept in OUTDIR, not every row of the matrix
kept=(); [ "$recompare" = 1 ] && kept=(--kept)
python3 "$here/report.py" --check --only "$only" "${kept[@]}" "$here/matrix.txt" "$out"
