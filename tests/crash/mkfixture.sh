#!/usr/bin/env bash
# Make one make-check fixture from a harness run:
#   tests/crash/mkfixture.sh NAME agree|differ|refuse "WHY" RUN.SH-OPTIONS...
#   tests/crash/mkfixture.sh NAME agree|differ|refuse "WHY" --from RUNDIR
# writes tests/crash/fixtures/NAME.img.xz (the crashed image; NAME.log.xz its
# external log, if any) and NAME.json
# (the kernel's recovery of it, summarised; what fsimg is expected to do;
# refuse: replay -o must refuse, naming pending XFS intents or unlinked
# inodes).  --from takes a run kept with run.sh -k (or matrix.sh --keep).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=$1 expect=$2 why=$3
shift 3
fsimg=${FSIMG:-$here/../../src/fsimg}
if [ "${1:-}" = --from ]; then
	tmp=$2
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-fixture.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	"$here/run.sh" -k -d "$tmp" --fsimg "$fsimg" "$@" || true
fi
[ -f "$tmp/result.json" ] || { echo "mkfixture: no result" >&2; exit 8; }
python3 "$here/compare.py" "$tmp" --fsimg "$fsimg" --make-fixture "$here/fixtures/$name.json" \
	--expect "$expect" --why "$why"
xz -9 -T1 -c "$tmp/crashed.img" > "$here/fixtures/$name.img.xz"
# an external log (run.sh --logdev) goes beside it: NAME.log.xz
[ ! -f "$tmp/crashed.log" ] || xz -9 -T1 -c "$tmp/crashed.log" > "$here/fixtures/$name.log.xz"
ls -la "$here/fixtures/$name".*
