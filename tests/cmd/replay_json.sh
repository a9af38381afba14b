#!/bin/sh
# replay --json (src/replay_json.c): every line parses and conforms to the
# schema of man/fsimg-replay.1; its numbers are the text output's and the
# oracles': the blocks and transactions -n prints, the journal's head and
# tail (xfs_logprint), every block -o changes (cmp of IMAGE and OUT, block
# by block) inside the ranges listed, OUT the same bytes as without --json
# (and e2fsck's replay but the allowed bytes), --in-place's image and undo
# file, a refusal's reason as on stderr with nothing written, and the
# bound on the lists (FSIMG_TEST_JSON_MAX in src/fsimg-hooks). Images: an
# 8 MiB ext4 whose journal debugfs wrote (two transactions, a revoke: as
# tests/cmd/j_inplace.sh), a 16 MiB one with fast commits written as
# tests/cmd/j_fast_commit.sh writes them (replayed; not, refused), the XFS crash fixtures xh-4k-unlinked (unlinked
# inodes the mount's finish frees), xl-4k-logdev (an external log) and
# xh-4k-wsync-meta made to refuse (as tests/cmd/xlog_refusal.sh does).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
: "${FSIMG_HOOKS:?run through make check}"
need mke2fs debugfs dumpe2fs e2fsck python3 xz xfs_db xfs_logprint
LC_ALL=C; export LC_ALL
plan 43
t=$(mktemp_dir) || exit 1
fx=$top_srcdir/tests/crash/fixtures

# jpy FILE EXPR: EXPR (Python) over R, the records of FILE, each line parsed
# as JSON (one(K): the only record K; recs(K): those records); prints the
# value (bools as true/false); exit 1 when a line does not parse.
jpy() {
	python3 - "$@" <<'EOF'
import json, sys
R = [json.loads(l) for l in open(sys.argv[1])]
def recs(k): return [r for r in R if r.get("record") == k]
def one(k):
    x = recs(k)
    assert len(x) == 1, (k, len(x))
    return x[0]
v = eval(sys.argv[2])
print(str(v).lower() if isinstance(v, bool) else v)
EOF
}
# within A B BS JSON DEVICE: every block of BS bytes that differs between
# files A and B lies in a range record of DEVICE; prints the count differing.
within() {
	python3 - "$@" <<'EOF'
import json, sys
a, b, bs, js, dev = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = [json.loads(l) for l in open(js)]
rng = [(r["start"], r["count"]) for r in rng if r["record"] == "range" and r["device"] == dev]
def inside(n): return any(s <= n < s + c for s, c in rng)
bad = changed = 0
with open(a, "rb") as fa, open(b, "rb") as fb:
    blk = 0
    while True:
        x, y = fa.read(bs << 8), fb.read(bs << 8)
        if not x and not y:
            break
        if x != y:
            for i in range(0, max(len(x), len(y)), bs):
                if x[i:i + bs] != y[i:i + bs]:
                    changed += 1
                    if not inside(blk + i // bs):
                        bad += 1
                        print("block %d changed outside the ranges" % (blk + i // bs), file=sys.stderr)
        blk += (bs << 8) // bs
print(changed)
sys.exit(1 if bad else 0)
EOF
}
schema() { python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-replay.1" replay "$@"; }

# ------------------------------------------------------------------ ext4
img=$t/j.img
j_two_transactions "$img"
sum0=$(sha256sum < "$img")
j_e2fsck "$img" "$t/e2fsck" > /dev/null

"$FSIMG" replay -n --json "$img" > "$t/n.json" 2> "$t/n.err"
st=$?
[ $st -eq 0 ] && jpy "$t/n.json" 'len(R)' > /dev/null && [ ! -s "$t/n.err" ]
ok $? "ext4 -n --json: exit 0, every line JSON ($(wc -l < "$t/n.json") lines), nothing on stderr"
schema "$t/n.json"
ok $? "ext4 -n --json conforms to the page's schema"
[ "$(jpy "$t/n.json" '[r["record"] for r in R][:3] + [R[-1]["record"]]')" = "['replay', 'superblock', 'plan', 'end']" ]
ok $? "ext4: the replay record, the journal's superblock record, the plan, ..., the end record"
"$FSIMG" replay -n "$img" > "$t/n.txt"
set -- $(sed -n '1s/.*: \([0-9]*\) transactions*, \([0-9]*\) blocks* (\([0-9]*\) logged copies written), \([0-9]*\) revoked$/\1 \2 \3 \4/p' "$t/n.txt")
[ $# -eq 4 ] && [ "$1" -eq 2 ] &&
	[ "$(jpy "$t/n.json" '" ".join(str(one("plan")[k]) for k in ("transactions", "blocks", "replays", "revoked"))')" = "$*" ]
ok $? "ext4: transactions, blocks, copies and revoked as -n's text ($*)"
sed -n 's/^  fs block \([0-9]*\) <- journal block \([0-9]*\) (transaction \([0-9]*\))$/\1 \2 \3/p' "$t/n.txt" > "$t/n.blk"
jpy "$t/n.json" '"\n".join("%d %d %d" % (r["fs_block"], r["journal_block"], r["sequence"]) for r in recs("block"))' > "$t/j.blk"
[ -s "$t/n.blk" ] && cmp -s "$t/n.blk" "$t/j.blk"
ok $? "ext4: the block records are -n's lines ($(wc -l < "$t/n.blk") blocks, journal block and transaction each)"
jsb=$(sed -n 's/^  journal superblock (block \([0-9]*\)): s_start 0, s_sequence \([0-9]*\)$/\1 \2/p' "$t/n.txt")
[ -n "$jsb" ] && [ "$(jpy "$t/n.json" '"%d %d" % (one("plan")["journal_superblock"], one("plan")["new_sequence"])')" = "$jsb" ]
ok $? "ext4: the journal superblock's block and new sequence as -n's text ($jsb)"
# the journal's tail and its sequence: debugfs logdump's oracle
ds=$(debugfs -R "logdump" "$img" 2>/dev/null | sed -n 's/^Journal starts at block \([0-9]*\), transaction \([0-9]*\)$/\1 \2/p')
[ -n "$ds" ] && [ "$(jpy "$t/n.json" '"%d %d" % (one("superblock")["start"], one("superblock")["sequence"])')" = "$ds" ]
ok $? "ext4: the journal's start and sequence as debugfs logdump says ($ds)"

"$FSIMG" replay -o "$t/o.img" --json "$img" > "$t/o.json" 2> "$t/o.err"
st=$?
[ $st -eq 0 ] && schema "$t/o.json" && [ "$(jpy "$t/o.json" 'R[0]["output"]')" = "$t/o.img" ]
ok $? "ext4 -o --json: exit 0, conforms, the output named"
[ "$(jpy "$t/o.json" 'R[-1]["status"] == "replayed" and R[-1]["written"] and not R[-1]["partial"]')" = true ]
ok $? "ext4 -o --json: the end record says replayed and written"
n=$(within "$img" "$t/o.img" 1024 "$t/o.json" fs)
ok $? "ext4 -o: every one of the $n blocks -o changed lies in a range listed"
[ "$(jpy "$t/o.json" 'sum(r["count"] for r in recs("range")) == R[-1]["blocks"] == one("plan")["blocks"] + 2')" = true ] && [ "$n" -gt 0 ]
ok $? "ext4: the ranges count the blocks written: the plan's and the two superblocks"
"$FSIMG" replay -o "$t/o2.img" "$img" > "$t/o2.txt" 2>&1 && cmp -s "$t/o.img" "$t/o2.img" && [ ! -s "$t/o2.txt" ]
ok $? "ext4: OUT is the same bytes with --json as without"
j_cmp_allowed "$t/o.img" "$t/e2fsck"
ok $? "ext4: OUT equals e2fsck -E journal_only's replay (but the allowed bytes)"
"$FSIMG" replay -o "$t/o.img" --json "$img" > "$t/x.json" 2> "$t/x.err"
st=$?
[ $st -eq 8 ] && [ "$(wc -l < "$t/x.err")" -eq 1 ] && grep -q "exists; use -f" "$t/x.err" &&
	[ "$(jpy "$t/x.json" '(R[-1]["status"], R[-1]["exit"], R[-1]["written"])')" = "('error', 8, False)" ]
ok $? "ext4: an existing OUT: exit 8, one line on stderr, the end record says error, exit 8"

cp "$img" "$t/ip.img"
cp "$img" "$t/ipt.img"
"$FSIMG" replay --in-place --json "$t/ip.img" > "$t/ip.json" 2> "$t/ip.err"
st=$?
[ $st -eq 0 ] && schema "$t/ip.json" && [ "$(jpy "$t/ip.json" 'R[0]["undo"]')" = "$t/ip.img.fsimg-undo" ] &&
	[ -s "$t/ip.img.fsimg-undo" ] && cmp -s "$t/ip.img" "$t/o.img"
ok $? "ext4 --in-place --json: exit 0, conforms, the undo file named and written, IMAGE as -o's OUT"
"$FSIMG" replay --in-place "$t/ipt.img" > "$t/ipt.txt"
set -- $(sed -n 's/.*journal replayed: \([0-9]*\) transactions*, \([0-9]*\) blocks* written; undo file .*/\1 \2/p' "$t/ipt.txt")
[ $# -eq 2 ] && [ "$(jpy "$t/ip.json" '"%d %d" % (one("plan")["transactions"], R[-1]["blocks"])')" = "$*" ]
ok $? "ext4 --in-place: transactions and blocks written as the text's line ($*)"
"$FSIMG" undo "$t/ip.img.fsimg-undo" "$t/ip.img" > /dev/null 2>&1 && [ "$(sha256sum < "$t/ip.img")" = "$sum0" ]
ok $? "ext4 --in-place --json: the undo file it names restores the original"
"$FSIMG" replay --in-place --json "$t/ipt.img" > "$t/c.json" 2>&1
st=$?
[ $st -eq 0 ] && schema "$t/c.json" && [ "$(jpy "$t/c.json" '(len(R), R[0]["needs_recovery"], R[-1]["status"], R[-1]["written"], R[0]["undo"])')" = "(2, False, 'clean', False, None)" ] &&
	[ ! -e "$t/ipt.img.fsimg-undo.2" ]
ok $? "ext4: a replayed image: the replay and end records only, clean, nothing written"

# the bound: two records of each list, counts whole, flagged
FSIMG_TEST_JSON_MAX=2 "$FSIMG_HOOKS" replay -n --json "$img" > "$t/b.json"
[ "$(jpy "$t/b.json" '(len(recs("block")), len(recs("range")), R[-1]["writes"], R[-1]["ranges"], R[-1]["writes_truncated"], R[-1]["ranges_truncated"])')" = \
  "(2, 2, $(jpy "$t/n.json" 'len(recs("block"))'), $(jpy "$t/n.json" 'len(recs("range"))'), True, True)" ] &&
	[ "$(jpy "$t/n.json" '(R[-1]["writes_truncated"], R[-1]["ranges_truncated"])')" = "(False, False)" ]
ok $? "ext4: past the bound, 2 records of each list, the counts whole, both lists flagged cut"
"$FSIMG" replay --json "$img" > "$t/u.json" 2> "$t/u.err"
[ $? -eq 16 ] && [ ! -s "$t/u.json" ]
ok $? "a usage error (no -o, --in-place or -n): exit 16, no record"

# fast commits (as tests/cmd/j_fast_commit.sh writes them): replayed
# ones, and ones fsimg does not replay (an inode the kernel never logs),
# which --in-place refuses
mkdir "$t/fc"
fc=$(j_fc_two "$t/fc/img")
cp "$t/fc/img" "$t/fc/valid"
cp "$t/fc/img" "$t/fc/norep"
j_fc_write "$t/fc/valid" $fc "HEAD:3 PAD:20 TAIL:3"
j_fc_write "$t/fc/valid" $((fc + 1)) "RANGE PAD:8 TAIL:3"
j_fc_write "$t/fc/norep" $fc "HEAD:3 PAD:20 TAIL:3"
j_fc_write "$t/fc/norep" $((fc + 1)) "RANGE7 PAD:8 TAIL:3"
"$FSIMG" replay -n --json "$t/fc/valid" > "$t/fv.json" 2> /dev/null
"$FSIMG" replay -n "$t/fc/valid" > "$t/fv.txt" 2> /dev/null
set -- $(sed -n 's/^Fast commits replayed: \([0-9]*\) (\([0-9]*\) blocks* of the area), \([0-9]*\) blocks* written by them$/\1 \2 \3/p' "$t/fv.txt")
[ $# -eq 3 ] && [ "$1" -eq 2 ] && schema "$t/fv.json" &&
	[ "$(jpy "$t/fv.json" '"%d %d %d" % tuple(one("plan")[k] for k in ("fast_commits_replayed", "fast_commit_blocks", "fast_commit_blocks_made"))')" = "$*" ] &&
	[ "$(jpy "$t/fv.json" 'len([r for r in recs("block") if r["fast_commit"] and r["journal_block"] is None])')" = "$(grep -c 'made by the fast-commit replay' "$t/fv.txt")" ]
ok $? "ext4 fast commits: replayed, area and blocks made as -n's text ($*), their blocks flagged"
fsum=$(sha256sum < "$t/fc/norep")
"$FSIMG" replay --in-place --json "$t/fc/norep" > "$t/fr.json" 2> "$t/fr.err"
st=$?
[ $st -eq 4 ] && [ "$(wc -l < "$t/fr.err")" -eq 1 ] && schema "$t/fr.json" &&
	[ "$(jpy "$t/fr.json" 'R[-1]["refused"]')" = "$(sed 's/^fsimg: [^:]*: //' "$t/fr.err")" ] &&
	[ "$(jpy "$t/fr.json" '(R[-1]["status"], R[-1]["written"], one("plan")["fast_commits_valid"], one("plan")["fast_commits_replayed"])')" = "('refused', False, 2, 0)" ] &&
	[ "$(sha256sum < "$t/fc/norep")" = "$fsum" ] && [ ! -e "$t/fc/norep.fsimg-undo" ]
ok $? "ext4 fast commits fsimg does not replay: --in-place --json exit 4, the refusal as stderr's line, untouched"

# ------------------------------------------------------------------- XFS
xz -dc "$fx/xh-4k-unlinked.img.xz" > "$t/x.img" || exit 1
xs0=$(sha256sum < "$t/x.img")
"$FSIMG" replay -n -v --json "$t/x.img" > "$t/xn.json" 2> "$t/xn.err"
st=$?
[ $st -eq 0 ] && schema "$t/xn.json" && [ ! -s "$t/xn.err" ]
ok $? "XFS -n --json: exit 0, conforms ($(wc -l < "$t/xn.json") lines)"
[ "$(jpy "$t/xn.json" '[r["record"] for r in R][:3] + [R[-1]["record"]]')" = "['replay', 'log', 'plan', 'end']" ]
ok $? "XFS: the replay record, the log's record, the plan, ..., the end record"
lp=$(xfs_logprint -t "$t/x.img" 2>/dev/null | sed -n 's/.*log device:.* daddr: \([0-9]*\) length: \([0-9]*\)$/\1 \2/p; s/^ *log tail: \([0-9]*\) head: \([0-9]*\) state: <DIRTY>$/\1 \2/p' | tr '\n' ' ')
[ "$(jpy "$t/xn.json" '"%d %d %d %d " % tuple(one("log")[k] for k in ("daddr", "basic_blocks", "tail_block", "head_block"))')" = "$lp" ]
ok $? "XFS: the log's daddr, length, tail and head as xfs_logprint -t says ($lp)"
"$FSIMG" replay -n -v "$t/x.img" > "$t/xn.txt"
set -- $(sed -n '/^Replay plan for /s/.*: \([0-9]*\) transactions*, \([0-9]*\) items*, \([0-9]*\) skipped (already newer on disk), \([0-9]*\) cancelled; \([0-9]*\) blocks* written$/\1 \2 \3 \4 \5/p' "$t/xn.txt")
[ $# -eq 5 ] && [ "$2" -gt 0 ] &&
	[ "$(jpy "$t/xn.json" '" ".join(str(x) for x in [one("plan")[k] for k in ("transactions", "items", "skipped_lsn", "cancelled")] + [R[-1]["blocks"]])')" = "$*" ]
ok $? "XFS: transactions, items, skipped, cancelled and blocks written as -n's text ($*)"
sed -n 's/^  bytes \([0-9]*\)+\([0-9]*\) (daddr \([0-9]*\)): .*/\1 \2 \3/p' "$t/xn.txt" > "$t/xn.w"
jpy "$t/xn.json" '"\n".join("%d %d %d" % (r["offset"], r["len"], r["daddr"]) for r in recs("write"))' > "$t/xj.w"
[ -s "$t/xn.w" ] && cmp -s "$t/xn.w" "$t/xj.w"
ok $? "XFS: the write records are -n's lines ($(wc -l < "$t/xn.w") writes)"
fi=$(sed -n 's/^finish path ifree.inode: //p' "$t/xn.txt")
[ -n "$fi" ] && [ "$fi" -gt 0 ] && [ "$(jpy "$t/xn.json" 'one("plan")["unlinked_inodes_freed"]')" = "$fi" ] &&
	[ "$(jpy "$t/xn.json" 'one("plan")["pending"], one("plan")["refusal"]')" = "([], None)" ]
ok $? "XFS: unlinked inodes freed as -v's finish path ifree.inode ($fi), nothing pending"
"$FSIMG" replay -o "$t/xo.img" --json "$t/x.img" > "$t/xo.json" 2> "$t/xo.err"
st=$?
[ $st -eq 0 ] && schema "$t/xo.json" && [ "$(jpy "$t/xo.json" 'R[-1]["written"] and R[-1]["status"] == "replayed"')" = true ]
ok $? "XFS -o --json: exit 0, conforms, written"
n=$(within "$t/x.img" "$t/xo.img" 4096 "$t/xo.json" fs)
ok $? "XFS -o: every one of the $n blocks -o changed lies in a range listed"
[ "$n" -gt 0 ] && [ "$(jpy "$t/xo.json" 'sum(r["count"] for r in recs("range")) == R[-1]["blocks"]')" = true ]
ok $? "XFS: the ranges count the blocks written"
"$FSIMG" replay -o "$t/xo2.img" "$t/x.img" > /dev/null 2>&1 && cmp -s "$t/xo.img" "$t/xo2.img" && [ "$(sha256sum < "$t/x.img")" = "$xs0" ]
ok $? "XFS: OUT is the same bytes with --json as without, IMAGE untouched"
xfs_logprint -t "$t/xo.img" 2>/dev/null | grep -q 'state: <CLEAN>'
ok $? "XFS: xfs_logprint -t finds OUT's log clean"
cp --sparse=always "$t/x.img" "$t/xi.img"
"$FSIMG" replay --in-place --json "$t/xi.img" > "$t/xi.json" 2> /dev/null
st=$?
[ $st -eq 0 ] && schema "$t/xi.json" && cmp -s "$t/xi.img" "$t/xo.img" &&
	[ "$(jpy "$t/xi.json" '(R[0]["undo"], R[-1]["written"], R[-1]["blocks"])')" = "('$t/xi.img.fsimg-undo', True, $(jpy "$t/xo.json" 'R[-1]["blocks"]'))" ] &&
	"$FSIMG" undo "$t/xi.img.fsimg-undo" "$t/xi.img" > /dev/null 2>&1 && [ "$(sha256sum < "$t/xi.img")" = "$xs0" ]
ok $? "XFS --in-place --json: exit 0, IMAGE the bytes of -o's OUT, the undo file it names restores the original"

# refused: AG 1's AGI stamped with the log's head (1:436: the log's items for it
# skipped, xfs_log_check_lsn passes it), its bucket 4 naming an unlinked inode and
# its inobt root a block that is none
xz -dc "$fx/xh-4k-wsync-meta.img.xz" > "$t/r.img" || exit 1
xfs_db -x -c 'agi 1' -c 'write lsn 0x1000001b4' -c 'write unlinked[4] 132' -c 'write root 4' \
	"$t/r.img" > /dev/null 2>&1
rs0=$(sha256sum < "$t/r.img")
"$FSIMG" replay -o "$t/ro.img" --json "$t/r.img" > "$t/r.json" 2> "$t/r.err"
st=$?
[ $st -eq 4 ] && schema "$t/r.json" && [ ! -e "$t/ro.img" ] && [ "$(sha256sum < "$t/r.img")" = "$rs0" ]
ok $? "XFS refused -o --json: exit 4, conforms, no OUT, IMAGE untouched"
why=$(head -1 "$t/r.err" | sed -n 's/.*: refusing to replay, nothing written (IMAGE untouched; mounting it lets the kernel recover it): //p')
[ -n "$why" ] && [ "$(jpy "$t/r.json" 'R[-1]["refused"]')" = "$why" ] &&
	[ "$(jpy "$t/r.json" '(R[-1]["status"], R[-1]["exit"], R[-1]["written"], R[-1]["partial"], len(recs("range")), len(recs("write")))')" = "('refused', 4, False, False, 0, 0)" ]
ok $? "XFS refused: the end record's reason is stderr's, status refused, nothing written, no range"
sed -n 's/^fsimg: .*:   pending: //p' "$t/r.err" > "$t/r.pend"
jpy "$t/r.json" '"\n".join(one("plan")["pending"])' > "$t/rj.pend"
[ "$(wc -l < "$t/r.pend")" -eq 2 ] && cmp -s "$t/r.pend" "$t/rj.pend" &&
	[ "$(jpy "$t/r.json" 'one("plan")["refusal"]["item"]')" = "unlinked inode 262276 (ag 1 bucket 4)" ]
ok $? "XFS refused: the pending things are stderr's lines, the refused item named"
"$FSIMG" replay -n --json "$t/r.img" > "$t/rn.json" 2> /dev/null
st=$?
"$FSIMG" replay -n "$t/r.img" > "$t/rn.txt" 2> /dev/null
[ $st -eq 4 ] && [ "$(jpy "$t/rn.json" 'R[-1]["refused"]')" = "$(sed -n 's/^Refused: replay would write nothing: //p' "$t/rn.txt")" ]
ok $? "XFS refused -n --json: exit 4, the reason as -n's Refused line"

# an external log: its sectors listed apart
xz -dc "$fx/xl-4k-logdev.img.xz" > "$t/l.img" && xz -dc "$fx/xl-4k-logdev.log.xz" > "$t/l.log" || exit 1
"$FSIMG" replay -l "$t/l.log" -o "$t/lo.img" --log-out "$t/lo.log" --json "$t/l.img" > "$t/l.json" 2> "$t/l.err"
st=$?
[ $st -eq 0 ] && schema "$t/l.json" && [ "$(jpy "$t/l.json" '(R[0]["external"], R[0]["log_output"], one("log")["external"])')" = "('$t/l.log', '$t/lo.log', '$t/l.log')" ]
ok $? "XFS -l -o --log-out --json: exit 0, conforms, the log device and LOGOUT named"
sec=$("$FSIMG" replay -n -l "$t/l.log" "$t/l.img" | sed -n 's/^  the log device .*: \([0-9]*\) sectors* written$/\1/p')
[ -n "$sec" ] && [ "$(jpy "$t/l.json" 'R[-1]["log_sectors"], sum(r["count"] for r in recs("range") if r["device"] == "log")')" = "($sec, $sec)" ]
ok $? "XFS external log: sectors written as -n's text ($sec), the log ranges count them"
n=$(within "$t/l.log" "$t/lo.log" 512 "$t/l.json" log)
ok $? "XFS external log: every one of the $n sectors LOGOUT changed lies in a log range listed"
n=$(within "$t/l.img" "$t/lo.img" 4096 "$t/l.json" fs)
ok $? "XFS external log: every one of the $n blocks OUT changed lies in an fs range listed"
xfs_logprint -t -l "$t/lo.log" "$t/lo.img" 2>/dev/null | grep -q 'state: <CLEAN>'
ok $? "XFS external log: xfs_logprint -t finds LOGOUT clean"
done_testing
