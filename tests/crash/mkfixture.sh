#!/usr/bin/env bash
# Make one make-check fixture from a harness run:
#   tests/crash/mkfixture.sh NAME agree|differ "WHY" RUN.SH-OPTIONS...
# writes tests/crash/fixtures/NAME.img.xz (the crashed image) and NAME.json
# (the kernel's recovery of it, summarised; what fsimg is expected to do).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=$1 expect=$2 why=$3
shift 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-fixture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fsimg=${FSIMG:-$here/../../src/fsimg}
"$here/run.sh" -k -d "$tmp" --fsimg "$fsimg" "$@" || true
[ -f "$tmp/result.json" ] || { echo "mkfixture: no result" >&2; exit 8; }
python3 "$here/compare.py" "$tmp" --fsimg "$fsimg" --make-fixture "$here/fixtures/$name.json" \
	--expect "$expect" --why "$why"
xz -9 -T1 -c "$tmp/crashed.img" > "$here/fixtures/$name.img.xz"
ls -la "$here/fixtures/$name".*
