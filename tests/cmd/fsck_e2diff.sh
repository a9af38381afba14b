#!/bin/sh
# A fast slice of the targeted differential campaign
# (tests/conformance/e2diff.sh): two fresh images (1 KiB blocks without
# metadata_csum; four groups under metadata_csum), a few corruptions of
# each kind (inode fields, extent trees, bitmaps, names, directory blocks,
# htree roots, xattr blocks, descriptors of later groups, backup
# superblocks, seeded byte edits), each judged by e2fsck -fn at test time
# (and -fy on a copy where -n exits 0 for a problem it answers "no" to)
# against fsimg fsck. One TAP line per case.
. "$top_srcdir/tests/lib/tap.sh"
: "${FSIMG:?run through make check}"
need mke2fs debugfs e2fsck dumpe2fs bash
no_plan
tmp=$(mktemp_dir) || exit 99
[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
bash "$top_srcdir/tests/conformance/e2diff.sh" --fsimg "$FSIMG" \
	--configs '^(e1k-nocsum|e1k-groups)$' \
	--only '^(links0|size-small|eh-magic|freeb|unlink|ln-extra|de-third-type|htree-count|bg-checksum|no-lpf|sp-root-idx-lblk|xb-refcount|rnd-dx-G-2|bg2-free-blocks|setb-g3|bk-sb-magic|fifo-immutable|slink-immutable)$' \
	--out "$tmp/rows" >"$tmp/log" 2>&1
rc=$?
[ -s "$tmp/rows" ] || { sed 's/^/# /' "$tmp/log" | tail -5; echo "Bail out! e2diff.sh gave no cases"; exit 99; }
grep -v '^e2diff: ' "$tmp/rows" >"$tmp/cases"
while IFS= read -r row; do
	# name, "e2fsck", its exit, "fsimg", its exit, the verdict, findings
	case $(printf '%s\n' "$row" | awk '{ print $6 }') in
	agree | agree-counts | refused | fy-agree | fy-agree-counts | fy-refused) st=0 ;;
	*) st=1 ;;
	esac
	ok $st "$(printf '%s\n' "$row" | tr -s ' ' | cut -c1-200)"
done <"$tmp/cases"
n=$(wc -l <"$tmp/cases")
# every configuration and most cases must have been applied
[ "$n" -ge 24 ]
ok $? "$n cases applied ($(tail -1 "$tmp/rows"))"
ok $rc "e2diff.sh: no disagreement"
done_testing
