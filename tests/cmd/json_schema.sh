#!/bin/sh
# Every command's --json output conforms to the schema its man page documents
# (the literal blocks marked JSON SCHEMA, read by tests/lib/manschema.py):
# on images made by mke2fs -d in several variants, one whose journal
# (written by debugfs, checksum v3, a revoke, an uncommitted tail) needs
# recovery, and one damaged by debugfs. The validator is shown to reject
# output that strays.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_super.sh"
. "$top_srcdir/tests/lib/journal.sh"
fs_need mke2fs debugfs python3 jq
plan 24
fs_tmp
man=$top_srcdir/man
schema() { python3 "$top_srcdir/tests/lib/manschema.py" "$@"; }

# conforms PAGE SCHEMA DESCRIPTION COMMAND...: the command's stdout conforms
conforms() {
	_page=$1 _name=$2 _d=$3
	shift 3
	"$@" > "$tmp/out" 2> "$tmp/err"
	_rc=$?
	if [ $_rc -ne 0 ] && [ $_rc -ne 4 ]; then
		ok 1 "$_d (exit $_rc)"; sed 's/^/#   /' "$tmp/err" | head -5; return
	fi
	schema "$man/$_page" "$_name" "$tmp/out" 2> "$tmp/why"
	ok $? "$_d: $(wc -l < "$tmp/out") line(s) match $_page's '$_name' schema"
	sed 's/^/#   /' "$tmp/why"
}

fs_img ext4 "$tmp/e4.img"
fs_img ext4_inline "$tmp/inl.img"
fs_img ext3 "$tmp/e3.img"
mkdir "$tmp/jt"
j_mkfs "$tmp/jt/j.img" 8M -t ext4 -b 1024
mv "$tmp/jt/j.img" "$tmp/j.img"
set -- $(j_blocks "$tmp/j.img" /big.txt)
j_pattern "$tmp/p" 1024 2
j_debugfs "$tmp/j.img" "jo -c" "jw -b $1,$2 $tmp/p" "jc" "jo" "jw -b $3 -r $1 $tmp/p" "jc" "jo" "jw -b $4 -c $tmp/p" "jc"
cp "$tmp/e4.img" "$tmp/bad.img"
fs_dbg "$tmp/bad.img" "setb 15000" "sif /deep links_count 9"

conforms fsimg.1 version "--version --json" "$FSIMG" --version --json
for i in e4 inl e3 j; do
	conforms fsimg-info.1 info "info --groups --json ($i)" "$FSIMG" info --groups --json "$tmp/$i.img"
done
conforms fsimg-info.1 info "info --json --no-replay (journal needing recovery)" "$FSIMG" info --json --no-replay "$tmp/j.img"
conforms fsimg-ls.1 ls "ls -R -a --json (ext4)" "$FSIMG" ls -R -a --json "$tmp/e4.img"
conforms fsimg-ls.1 ls "ls -R -l --json (inline_data)" "$FSIMG" ls -R -l --json "$tmp/inl.img"
for i in e4 inl e3; do
	conforms fsimg-extents.1 extents "extents --all -v --json ($i)" "$FSIMG" extents --all -v --json "$tmp/$i.img"
done
conforms fsimg-extents.1 extents "extents --json FILE (by path)" "$FSIMG" extents --json "$tmp/e4.img" /sizes /deep
conforms fsimg-journal.1 journal "journal -v --json (csum v3, revoke, uncommitted)" "$FSIMG" journal -v --json "$tmp/j.img"
conforms fsimg-journal.1 journal "journal --json (ext3)" "$FSIMG" journal --json "$tmp/e3.img"
conforms fsimg-fsck.1 fsck "fsck --json (clean)" "$FSIMG" fsck --json "$tmp/e4.img"
conforms fsimg-fsck.1 fsck "fsck --json --scan-data (damaged)" "$FSIMG" fsck --json --scan-data "$tmp/bad.img"
conforms fsimg-fsck.1 fsck "fsck --json (journal replayed in memory)" "$FSIMG" fsck --json "$tmp/j.img"
"$FSIMG" fsck --json "$tmp/e4.img" > "$tmp/base.json"
conforms fsimg-fsck.1 fsck-baseline "fsck --json --baseline" "$FSIMG" fsck --json --baseline "$tmp/base.json" "$tmp/bad.img"
conforms fsimg-fsck.1 fsck-list-problems "fsck --list-problems --json" "$FSIMG" fsck --list-problems --json
conforms fsimg-replay.1 replay "replay -n --json (journal needing recovery)" "$FSIMG" replay -n --json "$tmp/j.img"

# the replayed object and the problem context fields were really exercised
jq -e '.replayed.transactions >= 2' "$tmp/out" >/dev/null 2>&1 ||
	"$FSIMG" fsck --json "$tmp/j.img" 2>/dev/null | jq -e '.replayed.transactions >= 2' >/dev/null
ok $? "  the journal image was replayed in memory (\"replayed\" is an object)"

# the validator is no rubber stamp
"$FSIMG" info --json "$tmp/e4.img" > "$tmp/i.json"
jq -c '. + {"extra": 1}' "$tmp/i.json" | schema "$man/fsimg-info.1" info 2>/dev/null
[ $? -eq 1 ]; ok $? "a member the page does not document is rejected"
jq -c 'del(.uuid)' "$tmp/i.json" | schema "$man/fsimg-info.1" info 2>/dev/null
[ $? -eq 1 ]; ok $? "a documented member missing is rejected"
jq -c '.fs_type = "xfs" | .block_size = -1' "$tmp/i.json" | schema "$man/fsimg-info.1" info 2>/dev/null
[ $? -eq 1 ]; ok $? "a value of the wrong kind is rejected"
done_testing
