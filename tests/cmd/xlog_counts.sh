#!/bin/sh
# The XFS log's item counts on the real-kernel crash fixtures
# (tests/crash/fixtures, XFS ones; NAME.log.xz beside an image is its
# external log).  Three numbers were once read as one (issue 13's "item-count
# gap": fsimg up to 124 items under xfs_logprint -t on the crash rows):
#  - `fsimg journal` lists every item of every committed transaction: it
#    must give the lines xfs_logprint -t gives (tests/xfs/xlog/norm.awk and
#    jsonnorm.py), dquot items included, which logprint names "DQ ";
#  - the crash harness's own counts (tests/crash/xfscmp.py: logprint() of
#    xfs_logprint -t, listing() of fsimg journal --json) must agree type by
#    type (its pattern once missed "DQ :" items);
#  - the in-memory replay's line ("N items, S skipped, C cancelled") counts
#    what recovery did with each item.  Buffers, inodes and icreates are
#    applied (N), found older than the block on disk (S, v5 LSNs) or
#    cancelled by a later cancel record (C), and so are dquot items and dquot
#    buffers (replayed as a quota mount does: a log holding dquots was written
#    by one); intents and done items, cancel records themselves and quotaoff
#    items are never applied to blocks.  So
#        listed = N + S + C + intents + done items + cancel records + quotaoffs
#    exactly, on every fixture (and on the 44 rows of tests/crash/RESULTS.md).
. "$top_srcdir/tests/lib/tap.sh"
need xz python3 jq
fix=$top_srcdir/tests/crash/fixtures
X=$top_srcdir/tests/xfs/xlog
have_lp=false
command -v xfs_logprint > /dev/null 2>&1 && have_lp=true
t=$(mktemp_dir)
for j in "$fix"/*.json; do
	name=$(basename "$j" .json)
	[ "$(jq -r .meta.fs "$j")" = xfs ] || continue
	xz -dc "$fix/$name.img.xz" > "$t/$name.img" || { ok 1 "$name: decompress"; continue; }
	lopt= popt=
	if [ -f "$fix/$name.log.xz" ]; then
		xz -dc "$fix/$name.log.xz" > "$t/$name.log" || { ok 1 "$name: decompress its log"; continue; }
		lopt="-j $t/$name.log" popt="-l $t/$name.log"
	fi
	# shellcheck disable=SC2086
	"$FSIMG" journal --json $lopt "$t/$name.img" > "$t/$name.json"
	st=$?
	if $have_lp; then
		python3 "$X/jsonnorm.py" < "$t/$name.json" > "$t/$name.norm"
		# shellcheck disable=SC2086
		xfs_logprint -t $popt "$t/$name.img" 2> /dev/null | awk -v src=logprint -f "$X/norm.awk" > "$t/$name.lp"
		[ $st -eq 0 ] && [ -s "$t/$name.lp" ] && cmp -s "$t/$name.norm" "$t/$name.lp"
		ok $? "$name: fsimg journal${popt:+ -j LOG} lists what xfs_logprint -t${popt:+ -l LOG} lists, item by item ($(grep -c '^T' "$t/$name.lp") transactions, $(grep -vc '^T' "$t/$name.lp") items, $(grep -c '^dquot' "$t/$name.lp") dquots)"
		python3 - "$top_srcdir/tests/crash" "$FSIMG" "$t/$name.img" > "$t/$name.types" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xfscmp
lp = xfscmp.logprint(sys.argv[3])
mine = xfscmp.listing(sys.argv[2], sys.argv[3])
print(xfscmp.listing_diff(lp, mine) or "same: " + " ".join(
    "%s %d" % kv for kv in sorted(lp["items"].items())))
PY
		grep -q '^same: ' "$t/$name.types"
		ok $? "$name: the harness counts the types alike on both sides ($(cat "$t/$name.types"))"
	else
		skip "$name: xfs_logprint not installed"
		skip "$name: xfs_logprint not installed"
	fi
	# the replay's line against the listing's items
	# shellcheck disable=SC2086
	line=$("$FSIMG" info $lopt "$t/$name.img" 2>&1 >/dev/null | sed -n 's/.*replayed in memory: //p' | head -1)
	set -- $(echo "$line" | sed 's/[^0-9 ]//g')
	applied=${2:-x} skipped=${3:-x} cancelled=${4:-x}
	set -- $(jq -r 'select(.record == "transaction") | .items[] |
		if (.type | test("^(efi|efd|rui|rud|cui|cud|bui|bud|attri|attrd|xmi|xmd|quotaoff)$")) then "kept"
		elif .type == "buf" and .cancel then "kept"
		else "other" end' "$t/$name.json" | sort | uniq -c | awk '{ n[$2] = $1; all += $1 } END { print all + 0, n["kept"] + 0 }')
	listed=$1 kept=$2
	[ "$applied" != x ] && [ "$listed" -eq $((applied + skipped + cancelled + kept)) ]
	ok $? "$name: $listed listed = $applied applied + $skipped skipped + $cancelled cancelled + $kept not applied (intents, done items, cancel records, quotaoffs)"
	if [ -n "$lopt" ]; then
		# an external log: read with -j (the superblock cannot say it is dirty), or a warning
		# shellcheck disable=SC2086
		n_with=$("$FSIMG" ls -R $lopt "$t/$name.img" 2>/dev/null | wc -l)
		n_without=$("$FSIMG" ls -R "$t/$name.img" 2> "$t/$name.err" | wc -l)
		[ "$n_with" -gt "$n_without" ] && grep -q 'log is on an external device, not given' "$t/$name.err"
		ok $? "$name: ls -R -j LOG shows the log replayed ($n_with names), without -j the on-disk state ($n_without) with a warning"
	fi
	rm -f "$t/$name".*
done
rm -rf "$t"
done_testing
