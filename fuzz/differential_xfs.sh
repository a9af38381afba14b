#!/bin/sh
# Differential campaign on XFS (issue 14), the way xfstests' fuzz tests
# mutate: base images from tests/lib/xfsimg.sh (v5, v5 1 KiB, v5 rmapbt +
# reflink, v4, v4 1 KiB, v5-ml with multi-level btrees: every directory
# form, attributes in every form, symlinks, an unwritten extent; not by
# default: v5-bt, whose /big has a level-2 bmbt and whose free-space
# btrees have levels, v5-rc, reflinked files under a multi-level
# refcountbt and a 3-level rmapbt, v5-n8k, 8 KiB directory blocks, the
# other variants of tests/lib/xfsimg.sh, and xq, quota files from a crash
# fixture), one field at a time fuzzed by
# `xfs_db -x -c 'fuzz -d FIELD VERB'` (CRC recomputed) or `fuzz -c` (CRC
# left stale), over the fields xfs_db prints for the superblocks, AG
# headers, btree roots and (v5-ml: multi-level inobt and rmapbt) their
# first children, inode cores, extent records, directory, attribute and
# symlink blocks. Truth is xfs_repair -n: 0 clean; 1, or any other
# exit (it "cannot proceed"), corrupt. fsimg fsck --no-replay agrees with
# 0 on a clean mutant and with 4 (or 8, refusing the image) on a corrupt
# one.
#
#   sh fuzz/differential_xfs.sh [--count N] [--seed S] [--bases "v5 v4 ..."]
#                               [--structs "inode dir_sf ..."] [--fsimg PATH]
#                               [--out FILE] [--keep DIR]
#                               [--sweep N] [--stale] [--swaps] [--cross]
#
# --structs keeps the named structures of the list below (default: all).
# By default --count mutants are drawn at random (structure, field, verb and
# CRC left stale one time in four on v5) from the LCG seeded by --seed.
# --sweep N walks instead every base x structure x field x verb in order and
# takes every Nth (1: all; --count and --seed are then unused); btree blocks
# and other arrays have every field of their first and last entry fuzzed;
# --stale runs each swept case twice, CRC recomputed and left stale (v5).
# --swaps adds a ninth verb to the random draw, "swap": the first and the
# last entry of the array the drawn field belongs to (btree records and
# keys, extent records, directory and attribute entries) exchanged whole,
# every field written with `write -d` (or -c); a field outside an array of
# two or more entries is drawn again. Without it a seed's mutants are
# the same as before the verb existed.
# --cross adds, one draw in nine (after --swaps' draw), a mutation across
# structures: "xswap", the first data extents of two files exchanged
# (start block and length: blocks swapped between files), or "freeino", a
# directory entry (shortform, block, leaf or node form) pointed at a free
# inode of AG 0 (the highest free one of its last inobt record).
#
# Prints one line per disagreement (and per crash, sanitizer report or
# timeout) with the field and verb, then the agreement per structure and
#   differential_xfs: N mutants: A agree (P%), F false errors, M missed,
#                     R refused (exit 8), C crashes/timeouts, O oracle failures
# --out FILE gets one tab-separated row per mutant. Exit 1 on a crash or
# timeout of fsimg, else 0.
set -u
LC_ALL=C; export LC_ALL
for t in mkfs.xfs xfs_db xfs_repair timeout; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/..}
count=200 seed=1 bases="v5 v5-1k v5-rmap v4 v4-1k v5-ml" out= keep= structs= sweep=0 stale=0 swaps=0 cross=0
fsimg=${FSIMG:-$top/src/fsimg}
. "$here/campaign.sh"
camp_usage="usage: differential_xfs.sh [--count N] [--seed S] [--bases LIST] [--structs LIST] [--fsimg PATH] [--out FILE] [--keep DIR] [--sweep N] [--stale] [--swaps] [--cross]"
while [ $# -gt 0 ]; do
	camp_opt "$@" && { shift $camp_n; continue; }
	case $1 in
	--bases) bases=$2; shift 2 ;;
	--structs) structs=$2; shift 2 ;;
	--sweep) sweep=$2; shift 2 ;;
	--stale) stale=1; shift ;;
	--swaps) swaps=1; shift ;;
	--cross) cross=1; shift ;;
	*) echo "$camp_usage" >&2; exit 2 ;;
	esac
done
for t in mkfs.xfs xfs_db xfs_repair timeout; do
	command -v $t >/dev/null 2>&1 || { echo "differential_xfs.sh: $t not installed" >&2; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-xdiff.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# xq: a quota-mounted v5 filesystem (user, group and project quotas, their
# CHKD flags on) from the crash fixture xq-4k-quota, recovered by fsimg
# replay -o (mkfs.xfs makes no quota files and a mount is not available)
made=
for b in $bases; do
	case $b in
	xq)
		mkdir -p "$tmp/b"
		xz -dc "$here/../tests/crash/fixtures/xq-4k-quota.img.xz" >"$tmp/xq.crash" &&
			"$fsimg" replay -o "$tmp/b/xq.img" "$tmp/xq.crash" >>"$tmp/mk.log" 2>&1
		rm -f "$tmp/xq.crash"
		;;
	*) made="$made $b" ;;
	esac
done
[ -n "$made" ] && sh "$here/../tests/lib/xfsimg.sh" --small "$tmp/b" $made >>"$tmp/mk.log" 2>&1
for b in $bases; do
	[ -s "$tmp/b/$b.img" ] || { echo "differential_xfs.sh: xfsimg.sh made no $b" >&2; cat "$tmp/mk.log" >&2; exit 2; }
done

# The structures: a name and the xfs_db commands that select one (paths are
# xfsimg.sh's tree); a structure a base lacks (no field printed) is skipped.
# AG headers and free-space btrees of AG 1 too: its headers are not next to
# the primary superblock.
cat > "$tmp/structs" <<'EOF'
sb	sb 0
sb1	sb 1
agf	agf 0
agi	agi 0
agfl	agfl 0
agf1	agf 1
agi1	agi 1
agfl1	agfl 1
sb15	sb 15
agf15	agf 15
agi15	agi 15
agfl15	agfl 15
bnobt	agf 0;addr bnoroot
cntbt	agf 0;addr cntroot
bnobt1	agf 1;addr bnoroot
cntbt1	agf 1;addr cntroot
inobt	agi 0;addr root
inobt1	agi 1;addr root
inobt1_child	agi 1;addr root;addr ptrs[1]
finobt	agi 0;addr free_root
rmapbt	agf 0;addr rmaproot
rmapbt1	agf 1;addr rmaproot
rmapbt1_child	agf 1;addr rmaproot;addr ptrs[1]
rmapbt1_gchild	agf 1;addr rmaproot;addr ptrs[1];addr ptrs[1]
refcountbt1	agf 1;addr refcntroot
refcountbt1_child	agf 1;addr refcntroot;addr ptrs[1]
bnobt1_child	agf 1;addr bnoroot;addr ptrs[1]
cntbt1_child	agf 1;addr cntroot;addr ptrs[1]
bnobt_child	agf 0;addr bnoroot;addr ptrs[1]
cntbt_child	agf 0;addr cntroot;addr ptrs[1]
bmbt_root	path /big
bmbt_node	path /big;addr u3.bmbt.ptrs[2]
bmbt_leaf	path /big;addr u3.bmbt.ptrs[1];addr ptrs[1]
refcountbt	agf 0;addr refcntroot
rootdir	sb 0;addr rootino
inode	path /f/c
extents	path /f/u
dir_sf	path /sf
dir_block	path /blk;dblock 0
dir_leaf	path /leaf;dblock 0
dir_leafblk	path /leaf;dblock 8388608
dir_node	path /node;dblock 0
dir_nodeino	path /node
dir_nodeblk	path /node;dblock 8388608
dir_free	path /node;dblock 16777216
symlink	path /l/long_local
symlink_rmt	path /l/remote;dblock 0
attr_sf	path /f/a
attr_leaf	path /f/b;ablock 0
attr_node	path /f/c;ablock 0
attr_rmt	path /f/d;ablock 1
dquot_u	dquot -u 1001
dquot_u0	dquot -u 0
dquot_g	dquot -g 1000
dquot_p	dquot -p 0
xq_inode	path /d0/f5
quotaino	sb 0;addr uquotino
EOF
if [ -n "$structs" ]; then
	for st in $structs; do
		grep "^$st	" "$tmp/structs" || { echo "differential_xfs.sh: no structure $st" >&2; exit 2; }
	done > "$tmp/structs.sel"
	mv "$tmp/structs.sel" "$tmp/structs"
fi

# fields BASE NAME CMDS: the fuzzable field names xfs_db prints there (of
# an array, the first and the last entry)
fields() {
	f=$tmp/fields.$1.$2
	# a btree root's child: only v5-ml's trees have levels
	case $1:$2 in v5-ml:* | v5-bt:* | v5-rc:*) ;; *_child | *_gchild) : > "$f" ;; esac
	# a file of many extents: v5-bt's alone
	case $1:$2 in v5-bt:*) ;; *:bmbt_*) : > "$f" ;; esac
	# the quota structures: xq's alone
	case $1:$2 in xq:*) ;; *:dquot_* | *:xq_inode | *:quotaino) : > "$f" ;; esac
	if [ ! -f "$f" ]; then
		set -- "$1" "$2" "$3"
		img=$tmp/b/$1.img cmds=$3
		oifs=$IFS; IFS=';'; set -f
		set -- $cmds
		IFS=$oifs; set +f
		args=
		for c in "$@"; do args="$args -c '$c'"; done
		eval "xfs_db -r $args -c print '$img'" 2>/dev/null | awk '
			/^[a-zA-Z0-9_.\[\]-]+ = / {
				name = $1
				first = ""; last = ""
				if (match(name, /\[[0-9]+-[0-9]+\]/)) {
					r = substr(name, RSTART + 1, RLENGTH - 2)
					first = r; sub(/-.*/, "", first)
					last = r; sub(/.*-/, "", last)
				}
				# arrays of records: name[a-b] = [f1,f2,...]
				if ($3 ~ /^\[[a-z]/) {
					n = split(substr($3, 2, length($3) - 2), fl, ",")
					idx = name; sub(/.*\[/, "", idx); sub(/\].*/, "", idx); sub(/-.*/, "", idx)
					base = name; sub(/\[.*/, "", base)
					for (i = 1; i <= n; i++) print base "[" idx "]." fl[i]
					if (last != "" && last != first)
						for (i = 1; i <= n; i++) print base "[" last "]." fl[i]
					next
				}
				if (first != "") {
					pre = substr(name, 1, RSTART - 1); post = substr(name, RSTART + RLENGTH)
					print pre "[" first "]" post
					if (last != first) print pre "[" last "]" post
					next
				}
				print name
			}' | grep -v '^\(uuid\|meta_uuid\|.*\.uuid\|.*\.lsn\|lsn\)$' > "$f"
	fi
	cat "$f"
}

verbs="zeroes ones firstbit middlebit lastbit add sub random"
set -f
nstructs=$(wc -l < "$tmp/structs")
[ -n "$out" ] && printf 'n\tbase\tstruct\tfield\tverb\tcsum\txfs_repair\tfsimg\tverdict\trepair_first\tfsimg_ids\n' >"$out"
[ -n "$keep" ] && mkdir -p "$keep"
: > "$tmp/verdicts"

n=0 agree=0 false_err=0 missed=0 refused=0 crash=0 oracle=0

# swap_cmds BASE STRUCT ARRAY:FIRST:LAST FLAG: the xfs_db -c arguments that
# exchange two entries of ARRAY field by field (values read from the base;
# "write -d -- F V" takes negative owners too); nothing when they are equal
swap_cmds() {
	a_=${3%%:*} r_=${3#*:}; i1_=${r_%%:*} i2_=${r_#*:} st_=$2 fl_=$4
	cmds_=$(grep "^$2	" "$tmp/structs" | cut -f2)
	oifs=$IFS; IFS=';'; set -f; set -- $cmds_; IFS=$oifs; set +f
	rargs=
	for c in "$@"; do rargs="$rargs -c '$c'"; done
	img_=$tmp/b/$base.img
	for f_ in $(fields "$base" "$st_" "$cmds_" | sed -n "s/^$a_\[$i1_\]\(.*\)/\1/p"); do
		v1=$(eval "xfs_db -r $rargs -c 'print $a_[$i1_]$f_' '$img_'" 2>/dev/null | sed -n 's/^[^=]* = //p' | cut -d' ' -f1)
		v2=$(eval "xfs_db -r $rargs -c 'print $a_[$i2_]$f_' '$img_'" 2>/dev/null | sed -n 's/^[^=]* = //p' | cut -d' ' -f1)
		[ -n "$v1" ] && [ -n "$v2" ] && [ "$v1" != "$v2" ] || continue
		printf " -c 'write %s -- %s %s' -c 'write %s -- %s %s'" "$fl_" "$a_[$i1_]$f_" "$v2" "$fl_" "$a_[$i2_]$f_" "$v1"
	done
}

# bmx_of BASE: the name of an inode's extent list there
bmx_of() { case $1 in v4*) echo u.bmx ;; *) echo u3.bmx ;; esac; }

# xswap_cmds BASE PATH1 PATH2: the xfs_db -c arguments that exchange the
# first data extents (start block and length) of two files in extent form
xswap_cmds() {
	bx=$(bmx_of "$1") img_=$tmp/b/$1.img
	e1=$(xfs_db -r -c "path $2" -c "print core.format $bx[0]" "$img_" 2>/dev/null)
	e2=$(xfs_db -r -c "path $3" -c "print core.format $bx[0]" "$img_" 2>/dev/null)
	case $e1 in *"2 (extents)"*) ;; *) return 0 ;; esac
	case $e2 in *"2 (extents)"*) ;; *) return 0 ;; esac
	r1=$(echo "$e1" | sed -n 's/^0:\[[0-9]*,\([0-9]*\),\([0-9]*\),.*/\1 \2/p')
	r2=$(echo "$e2" | sed -n 's/^0:\[[0-9]*,\([0-9]*\),\([0-9]*\),.*/\1 \2/p')
	[ -n "$r1" ] && [ -n "$r2" ] || return 0
	set -- "$2" "$3" $r1 $r2
	printf " -c 'path %s' -c 'write -d -- $bx[0].startblock %s' -c 'write -d -- $bx[0].blockcount %s'" "$1" "$5" "$6" "$2" "$3" "$4"
}

# free_ino BASE: the highest free inode of AG 0's last inobt record (its
# last leaf reached through the last pointers), not in a sparse hole
free_ino() {
	img_=$tmp/b/$1.img p_="-c 'agi 0' -c 'addr root'"
	d_=0
	while [ $d_ -lt 4 ]; do
		lv=$(eval "xfs_db -r $p_ -c 'print level numrecs'" "'$img_'" 2>/dev/null)
		l_=$(echo "$lv" | sed -n 's/^level = //p') nr=$(echo "$lv" | sed -n 's/^numrecs = //p')
		[ -n "$l_" ] && [ -n "$nr" ] || return 0
		[ "$l_" -eq 0 ] && break
		p_="$p_ -c 'addr ptrs[$nr]'" d_=$((d_ + 1))
	done
	eval "xfs_db -r $p_ -c 'print recs[$nr]'" "'$img_'" 2>/dev/null | awk '
		function hex(h,   i, x) {
			x = 0; sub(/^0x/, "", h)
			for (i = 1; i <= length(h); i++) x = x * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return x
		}
		/^[0-9]+:\[/ {
			n = split($0, v, /[][,:]+/)
			# [startino,holemask,count,freecount,free] or [startino,freecount,free];
			# free in hex digits, digit j (from the right) inodes 4j..4j+3, as
			# holemask bit j
			start = v[2]; hole = (n >= 7) ? v[3] : 0; f = v[n - 1]; sub(/^0x/, "", f)
			if (hole ~ /^0x/) hole = hex(hole)
			while (length(f) < 16) f = "0" f
			for (j = 15; j >= 0; j--) {
				if (int(hole / 2 ^ j) % 2 == 1) continue
				d = hex(substr(f, 16 - j, 1))
				for (b = 3; b >= 0; b--)
					if (int(d / 2 ^ b) % 2 == 1) { print start + 4 * j + b; exit }
			}
		}'
}

# judge I BASE STRUCT CMDS FIELD VERB FLAG: fuzz one field of a copy of the
# base, run both checkers, count and print the verdict; 1 when xfs_db
# changed nothing (no mutant)
judge() {
	i_=$1 base=$2 st=$3 cmds=$4 field=$5 verb=$6 fl=$7
	csum=fixed
	[ "$fl" = -c ] && csum=stale
	cp --sparse=always "$tmp/b/$base.img" "$tmp/m.img"
	oifs=$IFS; IFS=';'; set -- $cmds; IFS=$oifs
	args=
	for c in "$@"; do args="$args -c '$c'"; done
	# xfs_db's own random verb draws from its own seed: the same run is
	# replayed only as far as its "random" mutants go
	if [ "$verb" = swap ]; then
		swap_cmds "$base" "$st" "$field" "$fl" >"$tmp/swap.cmds"
		[ -s "$tmp/swap.cmds" ] || return 1
		eval "timeout 60 xfs_db -x $args $(cat "$tmp/swap.cmds") '$tmp/m.img'" >"$tmp/db.out" 2>&1
	elif [ "$verb" = xswap ]; then
		xswap_cmds "$base" ${field%% *} ${field#* } >"$tmp/swap.cmds"
		[ -s "$tmp/swap.cmds" ] || return 1
		eval "timeout 60 xfs_db -x $(cat "$tmp/swap.cmds") '$tmp/m.img'" >"$tmp/db.out" 2>&1
	elif [ "$verb" = freeino ]; then
		fi_=$(free_ino "$base")
		[ -n "$fi_" ] || return 1
		eval "timeout 60 xfs_db -x $args -c 'write -d -- $field $fi_' '$tmp/m.img'" >"$tmp/db.out" 2>&1
	else
		eval "timeout 60 xfs_db -x $args -c 'fuzz $fl $field $verb' '$tmp/m.img'" >"$tmp/db.out" 2>&1
	fi
	cmp -s "$tmp/m.img" "$tmp/b/$base.img" && return 1
	cp --sparse=always "$tmp/m.img" "$tmp/r.img"
	timeout 120 xfs_repair -n "$tmp/r.img" >"$tmp/r.out" 2>&1; e=$?
	timeout -k 2 60 "$fsimg" fsck --no-replay --threads 1 "$tmp/m.img" >"$tmp/f.out" 2>&1; f=$?
	n=$((n + 1))
	if [ $e -ge 124 ]; then
		v=oracle-failed; oracle=$((oracle + 1))
	elif [ $f -ge 124 ] || grep -q 'Sanitizer\|runtime error:' "$tmp/f.out"; then
		v=CRASH; crash=$((crash + 1))
	else
		truth=clean
		[ $e -ne 0 ] && truth=corrupt
		case $truth:$f in
		clean:0 | corrupt:4) v=agree; agree=$((agree + 1)) ;;
		corrupt:8) v=refused; agree=$((agree + 1)); refused=$((refused + 1)) ;;
		clean:*) v=FALSE-ERROR; false_err=$((false_err + 1)) ;;
		*) v=MISSED; missed=$((missed + 1)) ;;
		esac
	fi
	printf '%s %s\n' "$st" "$v" >> "$tmp/verdicts"
	rfirst=$(grep -v '^Phase\|^ *- \|host filesystem\|sector size\|^No modify\|^\s*$\|agno = \|^ALERT\|Expect spurious' "$tmp/r.out" | head -1 | tr '\t' ' ')
	fids=$(sed -n 's/^\(warning: \|info: \)\{0,1\}\([A-Z][A-Z0-9_]*\): .*/\2/p' "$tmp/f.out" | sort -u | tr '\n' ' ')
	[ -z "$fids" ] && fids=$(grep '^fsimg: ' "$tmp/f.out" | head -1)
	[ -n "$out" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i_" "$base" "$st" "$field" "$verb" \
		"$csum" "$e" "$f" "$v" "$rfirst" "$fids" >>"$out"
	case $v in
	agree | refused) ;;
	*)
		echo "$v #$i_ $base $st: fuzz $fl $field $verb: xfs_repair -n $e, fsimg $f"
		echo "    xfs_repair: $rfirst"
		echo "    fsimg: $fids"
		[ -n "$keep" ] && cp --sparse=always "$tmp/m.img" "$keep/$v-$i_-$base-$st.img"
		;;
	esac
	return 0
}

if [ "$sweep" -gt 0 ]; then
	# every base x structure x field x verb, every Nth of them
	k=0 i=0
	for base in $bases; do
		while IFS='	' read -r st cmds <&3; do
			for field in $(fields "$base" "$st" "$cmds"); do
				for verb in $verbs; do
					k=$((k + 1))
					[ $((k % sweep)) -eq 0 ] || continue
					for fl in -d $([ $stale = 1 ] && case $base in v4*) ;; *) echo -c ;; esac); do
						judge $i "$base" "$st" "$cmds" "$field" "$verb" $fl && i=$((i + 1))
					done
				done
			done
		done 3< "$tmp/structs"
	done
	what="sweep 1/$sweep"
	[ $stale = 1 ] && what="$what, CRC also stale"
else
	# rnd: the next pseudo-random number in r (an LCG, so a seed replays a
	# run; its high bits: the low ones of this LCG repeat with a short period)
	s_=$seed
	rnd() { s_=$(( (s_ * 1103515245 + 12345) % 2147483648 )); r=$((s_ / 65536)); }
	i=0 tries=0
	set -- $bases
	nb=$#
	while [ $i -lt "$count" ] && [ $tries -lt $((count * 20)) ]; do
		tries=$((tries + 1))
		k=$((i % nb + 1))
		set -- $bases
		eval "base=\${$k}"
		rnd; line=$((r % nstructs + 1))
		st=$(sed -n "${line}p" "$tmp/structs" | cut -f1)
		cmds=$(sed -n "${line}p" "$tmp/structs" | cut -f2)
		nf=$(fields "$base" "$st" "$cmds" | wc -l)
		[ "$nf" -gt 0 ] || continue
		rnd; field=$(fields "$base" "$st" "$cmds" | sed -n "$((r % nf + 1))p")
		rnd; verb=$(echo $verbs | tr ' ' '\n' | sed -n "$((r % 8 + 1))p")
		if [ $swaps = 1 ]; then
			# one draw in nine a swap of the field's array's first and last entries
			rnd
			if [ $((r % 9)) -eq 0 ]; then
				arr=$(echo "$field" | sed -n 's/^\([a-zA-Z0-9_.]*\)\[\([0-9]*\)\].*/\1 \2/p')
				[ -n "$arr" ] || continue
				set -- $arr
				last=$(fields "$base" "$st" "$cmds" | sed -n "s/^$1\[\([0-9]*\)\].*/\1/p" | sort -n | tail -1)
				[ -n "$last" ] && [ "$last" != "$2" ] || continue
				verb=swap field=$1:$2:$last
			fi
		fi
		if [ $cross = 1 ]; then
			# one draw in nine a mutation across structures
			rnd
			if [ $((r % 9)) -eq 0 ]; then
				rnd
				if [ $((r % 2)) -eq 0 ]; then
					set -- /f/a /f/b /f/c /f/d /f/u /l/remote /small/s1 /small/s2000 /many
					rnd; k=$((r % 9 + 1)); eval "p1=\${$k}"
					rnd; k=$((r % 9 + 1)); eval "p2=\${$k}"
					[ "$p1" != "$p2" ] || continue
					st=xfile verb=xswap field="$p1 $p2" cmds=
				else
					set -- dir_sf dir_block dir_leaf dir_node
					rnd; k=$((r % 4 + 1)); eval "st=\${$k}"
					cmds=$(grep "^$st	" "$tmp/structs" | cut -f2)
					[ -n "$cmds" ] || continue
					fields "$base" "$st" "$cmds" | grep 'inumber' > "$tmp/inum"
					nf=$(wc -l < "$tmp/inum")
					[ "$nf" -gt 0 ] || continue
					rnd; field=$(sed -n "$((r % nf + 1))p" "$tmp/inum")
					verb=freeino
				fi
			fi
		fi
		fl=-d
		rnd
		case $base in v4*) ;; *) [ $((r % 4)) -eq 0 ] && fl=-c ;; esac
		judge $i "$base" "$st" "$cmds" "$field" "$verb" $fl && i=$((i + 1))
	done
	what="seed $seed"
fi
echo "agreement per structure (agree+refused / mutants):"
awk '{ n[$1]++; if ($2 == "agree" || $2 == "refused") a[$1]++ }
	END { for (s in n) printf "  %-12s %4d/%-4d %5.1f%%\n", s, a[s], n[s], 100 * a[s] / n[s] }' "$tmp/verdicts" | sort
pct=$(awk -v a=$agree -v n=$((n - oracle)) 'BEGIN { printf "%.1f", n ? 100 * a / n : 100 }')
echo "differential_xfs: $n mutants ($what; bases $bases): $agree agree ($pct%), $false_err false errors, $missed missed, $refused refused (exit 8), $crash crashes/timeouts, $oracle oracle failures"
[ $crash -eq 0 ]
