#!/bin/sh
# fsimg browse, driven through tmux as a person would: a detached 100x30
# session, keys sent, the screen read back with capture-pane. Oracles:
# debugfs (ex, icheck, ncheck) and `fsimg journal --json`; one golden
# screen per view (tests/cmd/browse/*.golden, the temporary path filtered).
# BROWSE_GOLDEN_UPDATE=1 rewrites the golden screens instead of comparing.
. "$top_srcdir/tests/lib/tap.sh"
grep -q '^#define HAVE_NCURSES 1' "$top_builddir/config.h" 2>/dev/null ||
	skip_all "fsimg was built without ncursesw"
need tmux mke2fs debugfs jq
tmp=$(mktemp_dir) || exit 99
# One private tmux server per browser run: a server being killed can still
# answer a new-session sent to the same socket.
nsrv=0
T=:
# the sockets go in a short private directory (a socket path has ~100 bytes)
sockdir=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-tmux.XXXXXX") || exit 99
TMUX_TMPDIR=$sockdir; export TMUX_TMPDIR
unset TMUX
trap 'i=1; while [ $i -le $nsrv ]; do tmux -L fsimg-test-$$-$i kill-server 2>/dev/null; i=$((i + 1)); done; rm -rf "$tmp" "$sockdir"' EXIT
golden=$top_srcdir/tests/cmd/browse

img=$(sh "$top_srcdir/scripts/mkdemo.sh" "$tmp/demo" 2> "$tmp/mkdemo.err") ||
	{ sed 's/^/# /' "$tmp/mkdemo.err"; echo "Bail out! mkdemo.sh failed"; exit 1; }
sum0=$(sha256sum < "$img")

# start IMAGE [ENV...]: a fresh browser in a fresh detached session. After
# the browser exits the pane says its exit status and whether the terminal
# was left in canonical mode with echo.
start() {
	_img=$1; shift
	$T kill-server 2>/dev/null
	nsrv=$((nsrv + 1))
	T="tmux -L fsimg-test-$$-$nsrv -f /dev/null"
	cat > "$tmp/run.sh" <<RUN
env TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 $* "$FSIMG" browse "$_img" 2> "$tmp/browse.err"
echo "EXIT=\$?"
if stty -a | grep -Eq '(^| )-(icanon|echo)( |;|\$)'; then echo TTY=raw; else echo TTY=sane; fi
sleep 600
RUN
	$T new-session -d -x 100 -y 30 "sh $tmp/run.sh"
}
screen() { $T capture-pane -p > "$tmp/screen" 2>/dev/null; }
# wait_for TEXT: polls the screen (bounded) until TEXT is on it and two
# captures in a row agree (the redraw is complete); 0 when found.
wait_for() {
	_i=0
	: > "$tmp/prev"
	while [ $_i -lt 300 ]; do
		screen
		if grep -qF -- "$1" "$tmp/screen" && cmp -s "$tmp/screen" "$tmp/prev"; then
			return 0
		fi
		cp "$tmp/screen" "$tmp/prev"
		sleep 0.1
		_i=$((_i + 1))
	done
	diag "timed out waiting for '$1'; the screen was:"
	sed 's/^/#   | /' "$tmp/screen"
	return 1
}
keys() { $T send-keys "$@"; }
# golden NAME: the screen, the image's directory filtered (a long path is shown
# as its last component), against NAME.golden.
golden() {
	sed -e "s|$tmp/demo/||g" -e 's/[[:space:]]*$//' "$tmp/screen" > "$tmp/$1.screen"
	if [ -n "${BROWSE_GOLDEN_UPDATE:-}" ]; then
		cp "$tmp/$1.screen" "$golden/$1.golden"
	fi
	diff -u "$golden/$1.golden" "$tmp/$1.screen" > "$tmp/$1.diff"
	_st=$?
	ok $_st "golden screen: $1"
	[ $_st -eq 0 ] || sed 's/^/#   /' "$tmp/$1.diff" | head -40
}

"$FSIMG" browse --help > "$tmp/help" 2>&1 && grep -q 'Usage: fsimg browse' "$tmp/help"
ok $? "browse --help"
"$FSIMG" browse "$img" < /dev/null > "$tmp/out" 2>&1
st=$?
[ $st -eq 16 ] && grep -q 'needs a terminal' "$tmp/out"
ok $? "browse without a terminal: exit 16 and one line (got $st)"

# ---- the tree, then a fallocated file's extent map
start "$img"
wait_for "| Tree | replayed |"
ok $? "starts in the tree view; the status line says image, view, replayed"
# keys wait in the terminal's input in order: no need to pace them
keys / data Enter Enter
wait_for "prealloc.dat"
golden tree
# the marks, against debugfs: U where ex lists an Uninit extent, E where an
# extent ends past the block holding i_size
n=0
for f in db.bin prealloc.dat; do
	ex=$(debugfs -R "ex /data/$f" "$img" 2>/dev/null)
	size=$(debugfs -R "stat /data/$f" "$img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)
	want=
	printf '%s\n' "$ex" | grep -q Uninit && want=U
	printf '%s\n' "$ex" | awk -v s="$size" 'NR > 1 && ($7 + 1) * 4096 > s + 4095 { e = 1 } END { exit !e }' && want=${want}E
	got=$(grep " $f " "$tmp/screen" | awk '{ print ($5 == "" ? "-" : $5) }')
	[ "$got" = "${want:--}" ] || { diag "$f: marks '$got', debugfs says '$want'"; n=$((n + 1)); }
done
[ $n -eq 0 ]
ok $? "the tree marks unwritten extents (U) and blocks past EOF (E) as debugfs ex shows them"
keys / prealloc.dat Enter Enter
wait_for "| Extents |"
ok $? "Enter on /data/prealloc.dat opens its extent map"
pstart=$(debugfs -R "ex /data/prealloc.dat" "$img" 2>/dev/null | awk '/Uninit/ { print $8; exit }')
grep -Eq "^ +0 +$pstart +16 +unwritten" "$tmp/screen"
ok $? "the extent map shows the unwritten extent debugfs ex lists (physical $pstart, 16 blocks)"
grep -q '^\[~~~*\]' "$tmp/screen"
ok $? "the bar is drawn across the screen as unwritten"
golden extents

# ---- the inode view of the same file
keys i
wait_for "| Inode |"
grep -Eq '^ +size +65536 bytes' "$tmp/screen" && grep -q 'flags .*extents' "$tmp/screen"
ok $? "the inode view decodes size and flags"
golden inode

# ---- x: the inode in its table, in hex, fields named
pino=$(debugfs -R "stat /data/prealloc.dat" "$img" 2>/dev/null | awk '/^Inode:/ { print $2; exit }')
keys x
wait_for "inode table of group 0"
grep -q "^ offset 0x[0-9a-f]*00 ([0-9]*): inode $pino: i_mode\$" "$tmp/screen"
ok $? "x: the hex view puts the cursor on inode $pino's i_mode"
keys l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l
wait_for "eh_magic"
grep -q "inode $pino i_block: extent header: eh_magic" "$tmp/screen"
ok $? "40 bytes on: the extent header in i_block, eh_magic"
golden hex_inode

# ---- go to a data block: its owner, against debugfs icheck/ncheck
blk=$(debugfs -R "bmap /vm/disk.raw 5" "$img" 2>/dev/null)
ino=$(debugfs -R "icheck $blk" "$img" 2>/dev/null | awk -v b="$blk" '$1 == b { print $2 }')
path=$(debugfs -R "ncheck $ino" "$img" 2>/dev/null | awk -v i="$ino" '$1 == i { print $2; exit }')
keys g "$blk" Enter
wait_for "block $blk:"
grep -q "^ block $blk: inode $ino $path, logical block 5\$" "$tmp/screen"
ok $? "go to block $blk names its owner as icheck/ncheck do: inode $ino $path"
golden hex
jdesc=$(debugfs -R "bmap <8> 1" "$img" 2>/dev/null)
keys g "$jdesc" Enter
wait_for "block $jdesc:"
grep -q "^ block $jdesc: the journal (inode 8), journal block 1\$" "$tmp/screen" &&
	grep -q '^ offset 0x0000 (0): jbd2 header: h_magic$' "$tmp/screen"
ok $? "go to journal block 1 (block $jdesc per debugfs bmap <8> 1): a jbd2 header, h_magic"
dblk=$(debugfs -R "bmap /etc 0" "$img" 2>/dev/null)
keys g "$dblk" Enter l l l l
wait_for "block $dblk:"
grep -q '^ offset 0x0004 (4): dir entry 0: rec_len$' "$tmp/screen"
ok $? "go to /etc's first block (debugfs bmap): byte 4 is dir entry 0's rec_len"

# ---- the journal: the transactions fsimg journal lists
"$FSIMG" journal --json "$img" 2>/dev/null |
	jq -r 'select(.record == "transaction") | "\(.sequence) \(.state | sub("_"; " "))"' > "$tmp/trans"
keys 4
wait_for "| Journal |"
n=0
while read -r seq state; do
	grep -Eq "^ +$seq +$state " "$tmp/screen" || { diag "no row for transaction $seq $state"; n=$((n + 1)); }
done < "$tmp/trans"
[ -s "$tmp/trans" ] && [ $n -eq 0 ]
ok $? "the journal view lists the $(wc -l < "$tmp/trans") transactions of fsimg journal --json"
golden journal
jb=$("$FSIMG" journal --json "$img" 2>/dev/null | jq -r 'select(.record == "transaction") | .blocks[0].fs_block' | head -1)
jino=$(debugfs -R "icheck $jb" "$img" 2>/dev/null | awk -v b="$jb" '$1 == b { print $2 }')
keys Enter
wait_for "BELONGS TO"
grep -Eq "^ +$jb <- .* inode $jino /docs/notes" "$tmp/screen"
ok $? "Enter on transaction 1 lists block $jb as inode $jino's (debugfs icheck)"

# ---- raw and replayed: the logged block's contents differ
keys Enter
wait_for "block $jb:"
grep -q 'notes-v2' "$tmp/screen"
ok $? "replayed: block $jb holds the journal's copy (notes-v2)"
keys r
wait_for "| Hex | raw |"
grep -q 'notes-v1' "$tmp/screen" && ! grep -q 'notes-v2' "$tmp/screen"
ok $? "r: raw: block $jb holds the on-disk contents (notes-v1)"
keys r
wait_for "| Hex | replayed |"
ok $? "r again: back to the replayed view"

# ---- groups, problems, help
keys 5
wait_for "| Groups |"
golden groups
keys 7 f
wait_for "fsck (replayed)"
grep -q 'JOURNAL_UNCOMMITTED' "$tmp/screen"
ok $? "f runs fsck; the problems view lists JOURNAL_UNCOMMITTED"
golden problems
pi=$(grep -m1 'DATA_PREALLOC_PAST_EOF *inode' "$tmp/screen" | sed 's/.*inode \([0-9]*\) .*/\1/')
keys Enter
wait_for "| Inode |"
grep -Eq "^ inode +$pi\$" "$tmp/screen"
ok $? "Enter on a finding about inode $pi opens its inode"
keys 7
wait_for "| Problems |"
keys '?'
wait_for "fsimg browse: keys"
golden help
keys Escape

# ---- resize to 80x24: the status line is still there
$T resize-window -x 80 -y 24
wait_for "| Problems |"
[ "$(wc -l < "$tmp/screen")" -eq 24 ] && tail -1 "$tmp/screen" | grep -q '^ .*demo.img | Problems | replayed |'
ok $? "resized to 80x24, the status line is on the last line"

# ---- q: exit 0, terminal restored
keys q
wait_for "TTY="
grep -q '^EXIT=0$' "$tmp/screen"
ok $? "q exits with status 0"
grep -q '^TTY=sane$' "$tmp/screen" && ! grep -q '| Problems |' "$tmp/screen"
ok $? "the terminal is restored (canonical mode, echo, the browser's screen gone)"
[ "$(sha256sum < "$img")" = "$sum0" ]
ok $? "the image is unchanged"

# ---- NO_COLOR: no colour escapes; colours otherwise
start "$img"
wait_for "| Tree |"
$T capture-pane -e -p > "$tmp/color"
grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$tmp/color"
ok $? "colours by default"
start "$img" NO_COLOR=1
wait_for "| Tree |"
$T capture-pane -e -p > "$tmp/mono"
! grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$tmp/mono" && grep -Eq "$(printf '\033')\[([0-9]+;)*7m" "$tmp/mono"
ok $? "NO_COLOR=1: no colour, the cursor still shown in reverse video"

# ---- UTF-8 and unprintable names; a filesystem that needs no recovery
mkdir -p "$tmp/u/dir"
printf 'x' > "$tmp/u/dir/caf$(printf '\303\251')-$(printf '\346\227\245')"
printf 'y' > "$tmp/u/dir/bell$(printf '\007')"
mkdir -p "$tmp/u/many"
(cd "$tmp/u/many" && seq 1 2500 | sed 's/^/f/' | xargs touch)
E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext4 -d "$tmp/u" "$tmp/u.img" 16M > /dev/null 2>&1
start "$tmp/u.img"
wait_for "| Tree | clean |"
keys / dir Enter Enter
wait_for "bell"
grep -q "caf$(printf '\303\251')-$(printf '\346\227\245')" "$tmp/screen" && grep -q 'bell\\x07' "$tmp/screen"
ok $? "UTF-8 names shown as such, a control character as \\x07"
# a directory of 2500 entries comes 2000 at a time
keys / many Enter Enter End
wait_for "more entries"
ok $? "a directory of 2500 entries: the first 2000, then a 'more entries' row"
n=$(debugfs -R "ls -p /many" "$tmp/u.img" 2>/dev/null | grep -c '^/')
keys Enter End
wait_for "$((n - 2 + 6)) rows"
ok $? "Enter on it lists the rest: the $((n - 2)) entries debugfs ls lists, and the 6 rows above"
keys r
wait_for "does not need recovery"
ok $? "r on a clean image says there is nothing to replay"
keys q
wait_for "TTY="
grep -q '^EXIT=0$' "$tmp/screen"
ok $? "q exits 0"

# ---- go to a path and an inode number
start "$img"
wait_for "| Tree |"
keys g /logs/app.log Enter
wait_for "| Inode |"
aino=$(debugfs -R "stat /logs/app.log" "$img" 2>/dev/null | awk '/^Inode:/ { print $2; exit }')
grep -Eq "^ inode +$aino\$" "$tmp/screen"
ok $? "go to /logs/app.log: inode $aino, as debugfs stat says"
keys g "#$aino" Enter e
wait_for "| Extents |"
grep -q "inode $aino /logs/app.log" "$tmp/screen" && grep -q 'unwritten beyond EOF' "$tmp/screen"
ok $? "go to #$aino, e: its extent map, with its preallocation beyond EOF"
keys q

# ---- a corrupt image: errors on the screen, never a crash
cp "$img" "$tmp/bad.img"
debugfs -w -R "sif /vm/disk.raw block[0] 0x1234" "$tmp/bad.img" > /dev/null 2>&1
debugfs -w -R "sif /docs block[5] 99999999" "$tmp/bad.img" > /dev/null 2>&1
start "$tmp/bad.img"
wait_for "| Tree |"
keys / docs Enter Enter
wait_for "outside the filesystem"
ok $? "a directory whose extent points outside the filesystem: the error is on the screen"
keys / vm Enter Enter j Enter
wait_for "invalid magic"
grep -q 'no extent map: .*invalid magic' "$tmp/screen"
ok $? "a file with a bad extent header: its extent map says why"
# every view and many keys, twice over, raw and replayed
for round in 1 2; do
	for v in 1 2 3 4 5 6 7; do
		keys "$v" Enter j j l Enter k h Home End PgDn PgUp Tab BTab BSpace Right Left x e i b f
	done
	keys r
done
keys 1
wait_for "| Tree |"
ok $? "the browser is still running after every key in every view on the corrupt image"
keys q
wait_for "TTY="
grep -q '^EXIT=0$' "$tmp/screen"
ok $? "q exits 0"
[ "$(sha256sum < "$img")" = "$sum0" ]
ok $? "the image is unchanged"

# ---- a file of 1500 extents: the table is read 1000 runs at a time
mkdir -p "$tmp/fr"
head -c 3072000 /dev/zero | tr '\000' x > "$tmp/fr/f"
E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext4 -b 1024 -d "$tmp/fr" "$tmp/fr.img" 16M > /dev/null 2>&1
i=1; while [ $i -lt 3000 ]; do echo "punch /f $i $i"; i=$((i + 2)); done > "$tmp/fr.cmds"
debugfs -w -f "$tmp/fr.cmds" "$tmp/fr.img" > /dev/null 2>&1
last=$(debugfs -R "ex /f" "$tmp/fr.img" 2>/dev/null | awk 'NR > 1 && $1 + 0 == $2 + 0 { l = $5 " " $8 } END { print l }')
nex=$(debugfs -R "ex /f" "$tmp/fr.img" 2>/dev/null | awk 'NR > 1 && $1 + 0 == $2 + 0' | wc -l)
start "$tmp/fr.img"
wait_for "| Tree |"
keys g /f Enter e
wait_for "| Extents |"
grep -q "$nex written, 0 unwritten, .*(more as you scroll)" "$tmp/screen"
ok $? "$nex extents (debugfs ex): counted whole, the table read in part"
keys End
wait_for "2999 "
set -- $last
grep -Eq "^ +$1 +$2 +1 +written" "$tmp/screen"
ok $? "End reads the rest: the last extent is debugfs ex's last (logical $1, physical $2)"
keys q

# ---- XFS: the groups view lists the AGs as their AGF and AGI say (xfs_db)
if command -v mkfs.xfs >/dev/null 2>&1 && command -v xfs_db >/dev/null 2>&1; then
	mkdir -p "$tmp/xt/d" && seq 1 20000 > "$tmp/xt/d/nums"
	sh "$top_srcdir/tests/lib/xfsproto.sh" "$tmp/xt" > "$tmp/xt.proto"
	truncate -s 600m "$tmp/x.img"
	mkfs.xfs -q -f -p "$tmp/xt.proto" "$tmp/x.img" 2>/dev/null
	xsum=$(sha256sum < "$tmp/x.img")
	agc=$(xfs_db -r -c 'sb 0' -c 'print agcount' "$tmp/x.img" | sed 's/.* = //')
	start "$tmp/x.img"
	wait_for "| Tree |"
	keys 5
	wait_for "allocation groups of"
	bad=
	a=0
	while [ "$a" -lt "$agc" ]; do
		set -- $(xfs_db -r -c "agf $a" -c 'print length freeblks longest' -c "agi $a" \
			-c 'print count freecount' "$tmp/x.img" | sed 's/.* = //')
		grep -Eq "^ +$a +[0-9]+-[0-9]+ +$2/$1 +$3 +$5/$4 +ok/ok" "$tmp/screen" || bad="$bad $a"
		a=$((a + 1))
	done
	[ -z "$bad" ] || sed 's/^/#   | /' "$tmp/screen"
	[ "$agc" -ge 2 ] && [ -z "$bad" ]
	ok $? "XFS groups view: $agc AGs, free blocks/length, longest, free/allocated inodes as xfs_db agf/agi${bad:+; not AG$bad}"
	keys Down Enter
	wait_for "| Hex |"
	grep -q 'XFSB' "$tmp/screen"
	ok $? "Enter on AG 1 shows its first block in hex: the superblock copy (XFSB)"
	keys q
	wait_for "TTY="
	[ "$(sha256sum < "$tmp/x.img")" = "$xsum" ] && grep -q '^EXIT=0$' "$tmp/screen"
	ok $? "XFS: q exits 0, the image is unchanged"
else
	skip "xfsprogs not installed"; skip "xfsprogs not installed"; skip "xfsprogs not installed"
fi

# ---- not a filesystem: one line, exit 8, no browser
head -c 1048576 /dev/zero > "$tmp/zero.img"
start "$tmp/zero.img"
wait_for "TTY="
grep -q '^EXIT=8$' "$tmp/screen" && [ "$(wc -l < "$tmp/browse.err")" -eq 1 ] && grep -q '^TTY=sane$' "$tmp/screen"
ok $? "an image without a filesystem: one line on stderr, exit 8, terminal sane"
done_testing
