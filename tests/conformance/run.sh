#!/bin/bash
# Conformance run of fsimg over the external corpus (../shared/corpus).
#
#   tests/conformance/run.sh [--corpus DIR] [--fsimg PATH] [--timeout SECONDS]
#                            [--only REGEX] [--jobs N] [--keep DIR] [--lenient-files]
#
# Optional: when the corpus is absent the run is skipped (exit 0).
# The corpus is only ever read: every image is decompressed into a fresh
# temporary file, used, and deleted. See tests/conformance/README.md.
#
# Exit status: 0 all images passed (or run skipped), 1 at least one failure,
# 2 usage error.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

usage() {
	sed -n '4,5p' "$0" | sed 's/^#  *//' >&2
	exit 2
}

die() { echo "conformance: $*" >&2; exit 2; }

# ------------------------------------------------------------ per-image worker
#
# Invoked as: run.sh --one SET NAME
# Reads the configuration from the environment (exported by the driver) and
# writes $CONF_RESULTS/NAME.res:
#   R <TAB> name <TAB> status <TAB> expected <TAB> got <TAB> seconds
#   D <TAB> name <TAB> detail line     (failures, notes, informational diffs)

# Microseconds since the epoch.
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t)); }
us2s() { printf '%d.%03d' $(($1 / 1000000)) $((($1 % 1000000) / 1000)); }

# run_cmd TAG ARGS... : runs "$FSIMG ARGS" under the hard timeout, stdout in
# $w/TAG.out, stderr in $w/TAG.err; sets rc_TAG and records problems.
run_cmd() {
	local tag=$1; shift
	local t0 t1 rc us
	t0=$(now_us)
	timeout --kill-after=2 "$CONF_TIMEOUT" "$FSIMG" "$@" >"$w/$tag.out" 2>"$w/$tag.err"
	rc=$?
	t1=$(now_us)
	printf -v "rc_$tag" '%s' "$rc"
	us=$((t1 - t0))
	total_us=$((total_us + us))
	if [ "$us" -gt $((CONF_SLOW * 1000000)) ]; then
		note "SLOW: fsimg $* took $(us2s $us)s (> ${CONF_SLOW}s)"
		slow=1
	fi
	# Crashes, sanitizer reports, timeouts: always a failure.
	if grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ERROR: [A-Za-z]+Sanitizer' "$w/$tag.err"; then
		fail "$tag: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$w/$tag.err")"
	fi
	case $rc in
	0|8) ;;
	4) [ "$tag" = fsck ] || [ "$tag" = fsckjson ] || [ "$tag" = fsckraw ] ||
		fail "$tag: exit status 4 (only 0 or 8 allowed): fsimg $*" ;;
	126|127) fail "$tag: fsimg could not be run (rc $rc): $(head -n 1 "$w/$tag.err")" ;;
	124|137) fail "$tag: TIMEOUT after ${CONF_TIMEOUT}s (rc $rc): fsimg $*" ;;
	*)
		if [ "$rc" -gt 128 ]; then
			fail "$tag: killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null)): fsimg $*"
		else
			fail "$tag: exit status $rc (only 0 or 8 allowed, 4 too for fsck): fsimg $*; stderr: $(head -c 300 "$w/$tag.err" | head -n 2 | tr '\n' ' ')"
		fi ;;
	esac
	# Exit 8 must come with the one-line error message of the spec.
	if [ "$rc" = 8 ] && ! grep -q '^fsimg: ' "$w/$tag.err"; then
		fail "$tag: exit 8 without an 'fsimg: ...' error line on stderr"
	fi
	return 0
}

fail() { failed=1; printf 'D\t%s\tFAIL %s\n' "$name" "$*" >>"$res"; }
note() { printf 'D\t%s\tnote %s\n' "$name" "$*" >>"$res"; }
info_line() { printf 'D\t%s\tinfo %s\n' "$name" "$*" >>"$res"; }

errmsg() { grep -m1 '^fsimg: ' "$w/$1.err" | sed 's/^fsimg: [^:]*: //' | head -c 120; }

# JSON validity of a JSON Lines file; a bad line is reported (not fatal for
# output cut short by exit 8, where only a note is made).
check_jsonl() {
	local tag=$1 rcv=$2 bad
	bad=$(jq -c . <"$w/$tag.out" 2>&1 >/dev/null | head -n 1)
	if [ -n "$bad" ]; then
		if [ "$rcv" = 0 ]; then fail "$tag: invalid JSON output: $bad"
		else note "$tag: invalid JSON output after exit 8: $bad"; fi
		return 1
	fi
	return 0
}

decompress() { # SRC DEST
	case $1 in
	*.gz) gzip -dc <"$1" ;;
	*.bz2) bzip2 -dc <"$1" ;;
	*.xz) xz -dc <"$1" ;;
	*) cat <"$1" ;;
	esac | cp --sparse=always /dev/stdin "$2"
}

worker() {
	set_name=$1 name=$2
	local mf="$CONF_CORPUS/$set_name/MANIFEST.jsonl"
	res="$CONF_RESULTS/$name.res"
	: >"$res"
	failed=0 slow=0 total_us=0
	# Every manifest field used, in one jq pass.
	local file="" e_type="" e_bs="" e_blocks="" e_inodes="" e_rec="" e_isize="" e_csize=""
	local e_feat="" e_src="" e_outcome="" want_bytes="" isz="" files_json="" ext_jnl="" fast_commit=false
	local jr_exp=false jr_loc=false rb_json="" e2_sha="" rp=- e_corrupt="" e_counts=false fv=-
	eval "$(jq -r --arg n "$name" 'select(.name == $n) | @sh "file=\(.file)
		e_type=\(.fs_type // "none") e_bs=\(.block_size // "") e_blocks=\(.blocks // "")
		e_inodes=\(.inodes // "") e_isize=\(.inode_size // "") e_csize=\(.cluster_size // "")
		e_rec=\(.needs_recovery) e_src=\(.features_source // "none") e_outcome=\(.outcome // "-")
		want_bytes=\(.image_bytes // "") isz=\(.image_size // "") files_json=\(.files_json // "")
		ext_jnl=\(.external_journal // "") fast_commit=\(.fast_commit // false)
		jr_exp=\(.journal_recovered_in_expect // false) jr_loc=\(.journal_recovered_local // false)
		rb_json=\(.replay_blocks_json // "") e2_sha=\(.replay_sha256 // "")
		e_corrupt=\(if has("corrupt") then .corrupt elif has("post_replay_fn_exit") then .post_replay_fn_exit != 0 else "" end)
		e_counts=\(.summary_counts_only // false)
		e_feat=\([.features[] | select(. != "needs_recovery")] | sort | join(" "))"' "$mf")"
	local src="$CONF_CORPUS/$set_name/$file"
	if [ ! -f "$src" ]; then
		printf 'R\t%s\tSKIP\t%s\t%s\t%s\n' "$name" "-" "image file absent ($file)" 0 >>"$res"
		return 0
	fi
	w=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-conf.XXXXXX") || exit 2
	trap 'rm -rf "$w"' EXIT
	local img="$w/$name.img"
	if ! decompress "$src" "$img"; then
		printf 'R\t%s\tSKIP\t%s\t%s\t%s\n' "$name" "-" "decompression failed" 0 >>"$res"
		return 0
	fi
	chmod a-w "$img"
	if [ -n "$want_bytes" ] && [ "$(stat -c %s "$img")" != "$want_bytes" ]; then
		printf 'R\t%s\tSKIP\t%s\t%s\t%s\n' "$name" "-" "decompressed size $(stat -c %s "$img") != image_bytes $want_bytes" 0 >>"$res"
		return 0
	fi

	# ---- expectations from the manifest
	[ "$set_name" = crash ] && e_src="primary superblock"
	# needs_recovery is listed among the features (dumpe2fs does so); it is
	# compared on its own (the needs_recovery field), never as a feature.
	if [ "$set_name" = crash ]; then
		# crash/ records no fs_type/blocks: mke2fs -t ext4 on a file of
		# image_size bytes (64M), whole file used.
		e_type=ext4
		case $isz in
		*M) e_blocks=$(( ${isz%M} * 1048576 / e_bs )) ;;
		*G) e_blocks=$(( ${isz%G} * 1073741824 / e_bs )) ;;
		esac
	fi
	# Three kinds of image:
	#   nofs   - not an ext2/3/4 filesystem at all: every command must exit 8
	#   nosb   - blkid says ext*, but dumpe2fs could not read a superblock
	#            (or only a backup): 0 or 8 both accepted, fields not compared
	#            unless fsimg reads one
	#   ext    - superblock readable: info must exit 0 and match the manifest
	local kind=ext
	case $e_type in
	ext2|ext3|ext4) [ -z "$e_bs" ] && kind=nosb
	                [ "$e_src" != "primary superblock" ] && kind=nosb ;;
	*) kind=nofs ;;
	esac
	local expected
	case $kind in
	nofs) expected="not ext ($e_type): exit 8" ;;
	nosb) expected="$e_type, no primary sb${e_bs:+ (backup: bs=$e_bs b=$e_blocks i=$e_inodes)}: exit 0|8" ;;
	ext) expected="$e_type bs=$e_bs b=$e_blocks${e_inodes:+ i=$e_inodes} rec=$e_rec" ;;
	esac

	# External journal: decompressed next to the image, given with -j to every command.
	local jopt=()
	if [ -n "$ext_jnl" ] && [ -f "$CONF_CORPUS/$set_name/$ext_jnl" ]; then
		if decompress "$CONF_CORPUS/$set_name/$ext_jnl" "$w/$name.journal"; then
			chmod a-w "$w/$name.journal"
			jopt=(-j "$w/$name.journal")
		fi
	fi

	# ---- run the commands (default: journal replayed in memory when needed)
	run_cmd info info --json "${jopt[@]}" "$img"
	run_cmd inforaw info --json --no-replay "${jopt[@]}" "$img"
	run_cmd infotext info "${jopt[@]}" "$img"
	run_cmd lsR ls -R "${jopt[@]}" "$img"
	run_cmd lsRjson ls -R --json "${jopt[@]}" "$img"
	run_cmd ext extents --all "${jopt[@]}" "$img"
	run_cmd extjson extents --all --json "${jopt[@]}" "$img"
	run_cmd fsck fsck "${jopt[@]}" "$img"
	run_cmd fsckjson fsck --json "${jopt[@]}" "$img"
	run_cmd journal journal "${jopt[@]}" "$img"
	run_cmd journaljson journal --json "${jopt[@]}" "$img"
	# the rest only for crashes, hangs and sanitizer reports (issue 6)
	run_cmd fsckraw fsck --no-replay "${jopt[@]}" "$img"
	run_cmd journalv journal -v "${jopt[@]}" "$img"
	run_cmd cat11 cat "${jopt[@]}" "$img" '#11'
	run_cmd cat12 cat "${jopt[@]}" "$img" '#12'

	# ---- exit-status expectations
	local tag rcv
	if [ "$kind" = nofs ]; then
		for tag in info inforaw infotext lsR lsRjson ext extjson fsck fsckjson fsckraw journal journaljson journalv; do
			rcv=$(eval echo "\$rc_$tag")
			[ "$rcv" = 0 ] && fail "$tag: exit 0 on an image that is not ext2/3/4 ($e_type); expected 8"
		done
	fi

	# ---- info --json --no-replay (the superblock as stored, like the
	# manifest's dumpe2fs -h) against the manifest
	local got="" unsupported=0
	if [ "$kind" = ext ] && [ "$rc_info" = 8 ] && [ "$rc_inforaw" = 0 ]; then
		fail "info: exit 8 with the in-memory journal replay, 0 with --no-replay (the spec wants a warning and the on-disk state when the journal cannot be replayed): $(errmsg info)"
	fi
	cp "$w/inforaw.out" "$w/info.cmp"
	if [ "$rc_inforaw" = 0 ]; then
		if [ "$(jq -s 'length == 1 and (.[0] | type) == "object"' "$w/info.cmp" 2>/dev/null)" != true ]; then
			fail "info: --json output is not one JSON object"
			got="bad json"
		else
			local g_type g_bs g_blocks g_inodes g_rec g_isize g_csize g_feat
			g_type=$(jq -r '.fs_type // "null"' "$w/info.cmp")
			g_bs=$(jq -r '.block_size // "null"' "$w/info.cmp")
			g_blocks=$(jq -r '.blocks_count // "null"' "$w/info.cmp")
			g_inodes=$(jq -r '.inodes_count // "null"' "$w/info.cmp")
			g_isize=$(jq -r '.inode_size // "null"' "$w/info.cmp")
			g_csize=$(jq -r '.cluster_size // "null"' "$w/info.cmp")
			g_rec=$(jq -r 'if has("needs_recovery") then .needs_recovery else "absent" end' "$w/info.cmp")
			g_feat=$(jq -r '[(.features // [])[] | select(. != "needs_recovery")] | sort | join(" ")' "$w/info.cmp")
			got="$g_type bs=$g_bs b=$g_blocks i=$g_inodes rec=$g_rec"
			if [ "$kind" = ext ]; then
				[ "$g_type" = "$e_type" ] || fail "info: fs_type: manifest $e_type, fsimg $g_type"
				[ "$g_bs" = "$e_bs" ] || fail "info: block_size: manifest $e_bs, fsimg $g_bs"
				[ -z "$e_blocks" ] || [ "$g_blocks" = "$e_blocks" ] || fail "info: blocks_count: manifest $e_blocks, fsimg $g_blocks"
				[ -z "$e_inodes" ] || [ "$g_inodes" = "$e_inodes" ] || fail "info: inodes_count: manifest $e_inodes, fsimg $g_inodes"
				[ -z "$e_isize" ] || [ "$g_isize" = "$e_isize" ] || fail "info: inode_size: manifest $e_isize, fsimg $g_isize"
				[ -z "$e_csize" ] || [ "$g_csize" = "$e_csize" ] || fail "info: cluster_size: manifest $e_csize, fsimg $g_csize"
				[ "$g_rec" = "$e_rec" ] || fail "info: needs_recovery: manifest $e_rec, fsimg $g_rec"
				if [ "$g_feat" != "$e_feat" ]; then
					local only_m only_g
					only_m=$(comm -23 <(tr ' ' '\n' <<<"$e_feat" | sed '/^$/d') <(tr ' ' '\n' <<<"$g_feat" | sed '/^$/d') | tr '\n' ' ')
					only_g=$(comm -13 <(tr ' ' '\n' <<<"$e_feat" | sed '/^$/d') <(tr ' ' '\n' <<<"$g_feat" | sed '/^$/d') | tr '\n' ' ')
					fail "info: features differ: only in manifest: [${only_m% }], only in fsimg: [${only_g% }]"
				fi
			elif [ "$kind" = nosb ]; then
				note "info: exit 0 where dumpe2fs read no primary superblock ($e_src): fsimg says $got"
				if [ -n "$e_bs" ] && [ "$got" != "$e_type bs=$e_bs b=$e_blocks i=$e_inodes rec=$e_rec" ]; then
					note "info: differs from the backup superblock dumpe2fs used ($e_src)"
				fi
			fi
		fi
	else
		got="exit $rc_inforaw: $(errmsg inforaw)"
		if [ "$kind" = ext ] && [ "$rc_inforaw" = 8 ]; then
			if grep -qi 'unsupported' "$w/inforaw.err"; then
				unsupported=1
				note "info: refused as unsupported (exit 8 accepted): $(errmsg inforaw)"
			else
				fail "info: exit 8 on an image whose superblock dumpe2fs reads: $(errmsg inforaw)"
			fi
		fi
	fi
	[ "$rc_infotext" = "$rc_info" ] || fail "info: text exit $rc_infotext but --json exit $rc_info"

	# ---- ls -R / extents --all: JSON validity, text/JSON agreement
	local tag2
	for tag2 in lsRjson extjson; do
		rcv=$(eval echo "\$rc_$tag2")
		case $rcv in 0|8) check_jsonl "$tag2" "$rcv" ;; esac
	done
	[ "$rc_lsR" = "$rc_lsRjson" ] || note "ls -R: text exit $rc_lsR but --json exit $rc_lsRjson"
	[ "$rc_ext" = "$rc_extjson" ] || note "extents --all: text exit $rc_ext but --json exit $rc_extjson"
	for tag2 in lsR ext; do
		rcv=$(eval echo "\$rc_$tag2")
		[ "$rcv" = 8 ] && [ "$kind" != nofs ] && note "$tag2: exit 8: $(errmsg $tag2)"
	done
	if [ "$rc_ext" = 0 ] && [ "$rc_extjson" = 0 ]; then
		local nt nj
		nt=$(grep -cE ': inode [0-9]+, size [0-9]+, [0-9]+ extents?$' "$w/ext.out")
		nj=$(grep -c . "$w/extjson.out")
		[ "$nt" = "$nj" ] || fail "extents --all: text lists $nt files, --json $nj"
	fi
	if [ "$rc_lsR" = 0 ] && [ "$rc_lsRjson" = 0 ]; then
		local nt nj
		# Text: every non-empty line that is not a "PATH:" header is an entry.
		nt=$(grep -vcE '^(/.*:|)$' "$w/lsR.out")
		nj=$(grep -c . "$w/lsRjson.out")
		[ "$nt" = "$nj" ] || note "ls -R: text has $nt entry lines, --json $nj entries"
	fi

	# ---- journal: JSON validity, text/JSON agreement
	case $rc_journaljson in 0|8) check_jsonl journaljson "$rc_journaljson" ;; esac
	[ "$rc_journal" = "$rc_journaljson" ] || fail "journal: text exit $rc_journal but --json exit $rc_journaljson"

	# ---- fsck: the verdict against the manifest (fsck_verdict)
	fsck_verdict

	# ---- crash/: compare the file listing (post-replay reference!)
	if [ "$set_name" = crash ]; then
		local fj="$CONF_CORPUS/$set_name/$files_json"
		[ -f "$fj" ] || fj="$CONF_CORPUS/$set_name/$name.files.json"
		if [ -f "$fj" ] && [ "$rc_lsRjson" = 0 ] && [ "$rc_extjson" = 0 ]; then
			compare_files "$fj"
		elif [ -f "$fj" ]; then
			info_line "files: not compared (ls -R --json exit $rc_lsRjson, extents --all --json exit $rc_extjson)"
		fi
	fi

	# ---- journal replay against e2fsck -E journal_only (replay_check)
	if [ "$kind" = ext ] && { [ "$e_rec" = true ] || [ "$jr_exp" = true ] || [ "$jr_loc" = true ]; }; then
		if [ "$CONF_E2FSCK" = 1 ]; then replay_check; else rp=no-e2fsck; fi
		rm -f "$w/rp.out" "$w/rp.e2fsck"
	fi

	local status=PASS
	[ "$failed" = 1 ] && status=FAIL
	[ "$status" = PASS ] && [ "$unsupported" = 1 ] && status=PASS-unsupp
	[ "$status" = PASS ] && [ "$slow" = 1 ] && status=PASS-slow
	printf 'R\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$expected" "$got" "$(us2s $total_us)" "$rp" "$fv" >>"$res"
	rm -f "$img"
	return 0
}

# ------------------------------------------------------------ fsck verdict
#
# fsimg fsck's verdict (exit 4: errors, 0: none) against the manifest:
# e2fsprogs/ `corrupt`, crash/ the post-replay e2fsck -fn verdict
# (post_replay_fn_exit != 0). Counted over the images fsimg can check: a
# readable primary superblock and features fsimg supports (an "unsupported"
# refusal is not counted), plus the images without one where fsimg still
# gives a verdict. `summary_counts_only` images (e2fsck only fixed the
# superblock's free counts) agree when fsimg reports those counts, which it
# does as warnings (SUPER_FREE_*_WRONG: the kernel does not keep them exact).
# Writes  V <TAB> name <TAB> category <TAB> expected <TAB> got <TAB> agree
# (1, 0, or - when not counted) <TAB> why; sets fv (the table's fsck column).
fsck_verdict() {
	local cat=${name%%_*} want=clean got why="" agree=-
	[ "$set_name" = crash ] && cat=crash
	[ "$e_corrupt" = true ] && want=corrupt
	case $rc_fsck in
	0) got=clean ;;
	4) got=corrupt ;;
	*) got="exit $rc_fsck" ;;
	esac
	[ "$rc_fsck" = "$rc_fsckjson" ] || fail "fsck: text exit $rc_fsck but --json exit $rc_fsckjson"
	if [ "$rc_fsckjson" = 0 ] || [ "$rc_fsckjson" = 4 ]; then
		if [ "$(jq -s 'length == 1 and (.[0] | type) == "object" and (.[0].problems | type) == "array"' "$w/fsckjson.out" 2>/dev/null)" != true ]; then
			fail "fsck: --json output is not one JSON object with a problems array"
		elif [ "$(jq '(.summary.errors > 0)' "$w/fsckjson.out")" != "$([ "$rc_fsckjson" = 4 ] && echo true || echo false)" ]; then
			fail "fsck: --json summary.errors disagrees with exit $rc_fsckjson"
		fi
	fi
	if [ "$kind" = nofs ] || [ -z "$e_corrupt" ]; then
		fv=-
		return 0
	fi
	if [ "$rc_fsck" != 0 ] && [ "$rc_fsck" != 4 ] && [ "$rc_fsck" != 8 ]; then
		why="not counted: fsck did not finish (exit $rc_fsck), a failure of its own"
	elif [ "$unsupported" = 1 ] && [ "$rc_fsck" = 8 ]; then
		why="not counted: features fsimg does not support"
	elif [ "$kind" = nosb ] && [ "$rc_fsck" = 8 ]; then
		why="not counted: no primary superblock, fsimg refused ($(errmsg fsck))"
	elif [ "$got" = "$want" ]; then
		agree=1
	elif [ "$want" = corrupt ] && [ "$e_counts" = true ] && [ "$got" = clean ] &&
		jq -e '[.problems[].id] | any(. == "SUPER_FREE_BLOCKS_WRONG" or . == "SUPER_FREE_INODES_WRONG")' "$w/fsckjson.out" >/dev/null 2>&1; then
		agree=1
		got="counts-warned"
	else
		agree=0
		why=$(jq -r --arg n "$name" 'select(.name == $n) | ((.problems // []) + (.other_messages // []) + (.post_replay_problems // [] | map(.problem)))[:2] | join(" / ")' \
			"$CONF_CORPUS/$set_name/MANIFEST.jsonl" 2>/dev/null | head -c 160)
		[ "$got" = corrupt ] && why="fsimg: $(grep -v '^\(warning\|info\): ' "$w/fsck.out" | grep -m2 -E '^[A-Z_]+: ' | cut -c1-100 | tr '\n' ' ')"
		[ "$rc_fsck" = 8 ] && why="fsimg: $(errmsg fsck)"
	fi
	printf 'V\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$cat" "$want" "$got" "$agree" "$why" >>"$res"
	case $agree in
	1) fv=agree; [ "$got" = counts-warned ] && fv=agree-counts ;;
	-) fv=not-counted ;;
	0)
		if [ "$want" = clean ]; then
			fv=FALSE-ERROR
			fail "fsck: $got on an image the manifest calls clean: ${why#fsimg: }"
		else
			fv=missed
			info_line "fsck: missed: the manifest calls it corrupt, fsimg $got${why:+ (e2fsck: $why)}"
		fi ;;
	esac
	return 0
}

# One record per path: path TAB type TAB size TAB extents (or "-" when the
# reference has none: symlinks, or sizes of directories, which the reference
# leaves null).
compare_files() {
	local fj=$1
	jq -r '.entries[] | select(.ino != 0 and (.type == "file" or .type == "dir" or .type == "symlink"))
	       | [.path, .type, (if .type == "dir" then "-" else (.size|tostring) end),
	          (if has("extents") then (.extents | map(map(tostring) | join(",")) | join(" ")) else "-" end)]
	       | @tsv' "$fj" | sort >"$w/files.want"
	# fsimg side: ls -R --json gives path/type/size/inode, extents --all --json
	# the extents per inode (hard links: once, so join by inode).
	jq -r '[.inode, ([.extents[] | [.logical, .physical, .length, (if .unwritten then 1 else 0 end)] | map(tostring) | join(",")] | join(" "))] | @tsv' \
		"$w/extjson.out" | sort -k1,1 >"$w/ext.byino"
	jq -r 'select(.path != "/") | [.inode, .path, .type, .size] | @tsv' "$w/lsRjson.out" | sort -k1,1 >"$w/ls.byino"
	# Symlinks carry no extents in the reference; files and dirs do.
	join -t "$(printf '\t')" -a 1 -e '' -o '1.2,1.3,1.4,2.2' "$w/ls.byino" "$w/ext.byino" |
		awk -F '\t' 'BEGIN{OFS="\t"} ($2=="file"||$2=="dir"||$2=="symlink") {
			sz = ($2=="dir") ? "-" : $3; ex = ($2=="symlink") ? "-" : $4; print $1,$2,sz,ex }' |
		sort >"$w/files.got"
	local nwant ngot missing extra differ
	nwant=$(wc -l <"$w/files.want"); ngot=$(wc -l <"$w/files.got")
	missing=$(comm -23 <(cut -f1 "$w/files.want" | sort -u) <(cut -f1 "$w/files.got" | sort -u) | wc -l)
	extra=$(comm -13 <(cut -f1 "$w/files.want" | sort -u) <(cut -f1 "$w/files.got" | sort -u) | wc -l)
	differ=$(join -t "$(printf '\t')" <(sort -t "$(printf '\t')" -k1,1 "$w/files.want") <(sort -t "$(printf '\t')" -k1,1 "$w/files.got") |
		awk -F '\t' '$2!=$5 || $3!=$6 || $4!=$7' | wc -l)
	local ndiff=$((missing + extra + differ))
	local label="files vs the e2fsck journal-only replay listing"
	[ "$fast_commit" = true ] && label="$label (fast_commit: oracle unreliable, informational)"
	[ "$CONF_STRICT_FILES" = 0 ] && label="$label (--lenient-files: informational)"
	if [ "$CONF_STRICT_FILES" = 1 ] && [ "$fast_commit" != true ] && [ "$ndiff" -gt 0 ]; then
		fail "$label: $ndiff differences ($missing missing, $extra extra, $differ differ in type/size/extents; reference $nwant paths, fsimg $ngot)"
	else
		info_line "$label: $ndiff differences ($missing missing, $extra extra, $differ differ in type/size/extents; reference $nwant paths, fsimg $ngot)"
	fi
	if [ -n "$CONF_KEEP" ]; then
		cp "$w/files.want" "$CONF_KEEP/$name.files.want"
		cp "$w/files.got" "$CONF_KEEP/$name.files.got"
	fi
}

# ------------------------------------------------------ journal replay check
#
# For an image that needs recovery (or whose manifest says e2fsck recovered a
# journal): e2fsck -y -E journal_only on a writable copy (fixed clock) is the
# oracle; `fsimg replay -o OUT` of the read-only image must equal it byte for
# byte, except in the superblock's s_wtime (0x30..0x33), s_kbytes_written
# (0x178..0x17f) and s_checksum (0x3fc..0x3ff) (man fsimg-replay), and it
# must change the same set of blocks. Sets rp (the table's replay column):
#   identical | sb-fields (only allowed fields differ) | DIFFERS |
#   refused (exit 8) | e2fsck-failed (it failed or did not replay) |
#   e2fsck-extra (it did more than replay and no other oracle) | fast-commit
# Uses $img, $jopt, $e_bs and the manifest fields of worker().
E2_CLOCK=1700086400
# Known, reasoned differences (counted as notes, not failures), by image name.
# (f_journal was one until fsimg took the journal inode's s_jnl_blocks backup
# as e2fsck does.)
declare -A KNOWN_REPLAY=()

# changed_blocks A B BS: block numbers (sorted, unique) where files A and B differ.
changed_blocks() {
	cmp -l "$1" "$2" 2>/dev/null | awk -v bs="$3" 'BEGIN { last = -1 } { b = int(($1 - 1) / bs); if (b != last) print b; last = b }'
}

# block_desc FILE_FOR_LAYOUT BLOCK...: "B (what)" per block; what from dumpe2fs
# (group metadata) or debugfs icheck/ncheck (owner inode and path).
block_desc() {
	local lay=$1 b; shift
	dumpe2fs "$lay" 2>/dev/null | awk '
		function rng(s, k,   a) { if (split(s, a, "-") == 2) printf "%s\t%s\t%s\n", a[1], a[2], k; else printf "%s\t%s\t%s\n", s, s, k }
		{ n = split($0, f, /, /)
		  for (i = 1; i <= n; i++) {
			t = f[i]; sub(/^ +/, "", t)
			if (match(t, /^(Primary|Backup) superblock at [0-9]+/)) { split(t, x, " "); rng(x[4], "superblock") }
			else if (match(t, /^Group descriptors at [0-9-]+/)) { split(t, x, " "); rng(x[4], "group_desc") }
			else if (match(t, /^Reserved GDT blocks at [0-9-]+/)) { split(t, x, " "); rng(x[5], "reserved_gdt") }
			else if (match(t, /^Block bitmap at [0-9]+/)) { split(t, x, " "); rng(x[4], "block_bitmap") }
			else if (match(t, /^Inode bitmap at [0-9]+/)) { split(t, x, " "); rng(x[4], "inode_bitmap") }
			else if (match(t, /^Inode table at [0-9-]+/)) { split(t, x, " "); rng(x[4], "inode_table") }
		  } }' >"$w/layout"
	local -A what=()
	local rest=()
	for b in "$@"; do
		what[$b]=$(awk -F '\t' -v b="$b" '$1 <= b + 0 && b + 0 <= $2 { print $3; exit }' "$w/layout")
		[ -n "${what[$b]}" ] || rest+=("$b")
	done
	if [ ${#rest[@]} -gt 0 ]; then
		local ino
		while IFS=$'\t' read -r b ino; do
			case $ino in
			''|*'not found'*) what[$b]="not in use" ;;
			8) what[$b]="journal (inode 8)" ;;
			*) what[$b]="inode $ino $(debugfs -R "ncheck $ino" "$lay" 2>/dev/null | awk -F '\t' 'NR == 2 { print $2 }')" ;;
			esac
		done < <(debugfs -R "icheck ${rest[*]}" "$lay" 2>/dev/null | awk -F '\t' 'NR > 1 && NF >= 2')
	fi
	for b in "$@"; do printf '%s (%s)\n' "$b" "${what[$b]:-?}"; done
}

# same_block A B BLOCK BS: 0 when block BLOCK is the same in A and B.
same_block() {
	cmp -s <(dd if="$1" bs="$4" skip="$3" count=1 status=none) <(dd if="$2" bs="$4" skip="$3" count=1 status=none)
}

replay_check() {
	local ref="$w/rp.e2fsck" out="$w/rp.out" e2j=() e2rc rin="$w/rp.raw"
	local bs=${e_bs:-1024}
	cp --sparse=always "$img" "$ref" && chmod u+w "$ref"
	if [ ${#jopt[@]} -gt 0 ]; then
		cp "$w/$name.journal" "$w/rp.journal" && chmod u+w "$w/rp.journal"
		e2j=(-j "$w/rp.journal")
	fi
	E2FSCK_TIME=$E2_CLOCK E2FSPROGS_FAKE_TIME=$E2_CLOCK timeout --kill-after=2 "$CONF_TIMEOUT" \
		e2fsck -y -E journal_only "${e2j[@]}" "$ref" >"$w/rp.e2fsck.log" 2>&1
	e2rc=$?
	run_cmd replay replay "${jopt[@]}" -o "$out" "$img"
	# rc 0 without OUT: "nothing to replay" (the image is its own result).
	[ "$rc_replay" = 0 ] && [ ! -e "$out" ] && out=$img
	local e2msg
	e2msg=$(grep -m1 -iE 'while recovering|abort|error|corrupt|invalid' "$w/rp.e2fsck.log" | head -c 120)

	if [ "$fast_commit" = true ]; then
		rp=fast-commit
		info_line "replay: fast_commit image, listed as such (e2fsck exit $e2rc${e2msg:+: $e2msg}; fsimg replay exit $rc_replay${rc_replay:+ $(errmsg replay)})"
		[ "$rc_replay" = 0 ] && grep -m1 -i 'fast.commit' "$w/replay.err" >/dev/null &&
			info_line "replay: fsimg says: $(grep -m1 -i 'fast.commit' "$w/replay.err" | head -c 160)"
		if [ "$rc_replay" = 0 ] && [ -f "$out" ]; then
			local nd
			nd=$(changed_blocks "$out" "$ref" "$bs" | wc -l)
			info_line "replay: fsimg's result and e2fsck's differ in $nd blocks (fsimg changed $(changed_blocks "$img" "$out" "$bs" | wc -l), e2fsck $(changed_blocks "$img" "$ref" "$bs" | wc -l))"
		fi
		return 0
	fi
	if [ "$e2rc" -ge 4 ] || grep -qiE 'while recovering journal|journal (superblock )?(is )?corrupt' "$w/rp.e2fsck.log"; then
		rp=e2fsck-failed
		info_line "replay: e2fsck -E journal_only failed (exit $e2rc: $(grep -v '^$' "$w/rp.e2fsck.log" | tail -n 1 | head -c 120)); fsimg replay exit $rc_replay$([ "$rc_replay" = 8 ] && echo ": $(errmsg replay)")"
		return 0
	fi
	if ! grep -q 'recovering journal' "$w/rp.e2fsck.log"; then
		rp=e2fsck-failed
		info_line "replay: e2fsck -E journal_only did not replay (exit $e2rc: $(grep -v '^e2fsck [0-9]' "$w/rp.e2fsck.log" | grep -m2 . | tr '\n' ' ' | head -c 120)); fsimg replay exit $rc_replay$([ "$rc_replay" = 8 ] && echo ": $(errmsg replay)")"
		return 0
	fi
	if [ "$rc_replay" != 0 ]; then
		rp=refused
		if [ -n "${KNOWN_REPLAY[$name]:-}" ]; then
			note "replay: fsimg replay -o refused (exit $rc_replay: $(errmsg replay)) where e2fsck -E journal_only replayed (exit $e2rc); known difference: ${KNOWN_REPLAY[$name]}"
		else
			fail "replay: fsimg replay -o refused (exit $rc_replay: $(errmsg replay)) where e2fsck -E journal_only replayed (exit $e2rc)"
		fi
		return 0
	fi
	# e2fsck -E journal_only does more than jbd2 recovery on some images:
	# orphan-inode release, moving a visible journal, or (after a fix to an
	# external journal's superblock) a full check. Then debugfs' journal_run
	# (the same recovery.c, nothing else) is the oracle; it cannot take an
	# external journal file, so those are only listed.
	local extra oname="e2fsck -E journal_only"
	extra=$(grep -oE 'Pass 1: Checking|Clearing orphaned inode|Moving journal from|Backing up journal inode|Recreate journal' "$w/rp.e2fsck.log" | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
	if [ -n "$extra" ]; then
		if [ ${#jopt[@]} -gt 0 ]; then
			rp=e2fsck-extra
			info_line "replay: not compared: e2fsck -E journal_only did more than replay ($extra) and debugfs journal_run cannot take the external journal; fsimg changed $(changed_blocks "$img" "$out" "$bs" | wc -l) blocks, e2fsck $(changed_blocks "$img" "$ref" "$bs" | wc -l)"
			return 0
		fi
		cp --sparse=always "$img" "$w/rp.debugfs" && chmod u+w "$w/rp.debugfs"
		debugfs -w -R journal_run "$w/rp.debugfs" >"$w/rp.debugfs.log" 2>&1
		if grep -qiE 'while recovering|journal_run:' "$w/rp.debugfs.log"; then
			rp=e2fsck-extra
			info_line "replay: not compared: e2fsck -E journal_only did more than replay ($extra) and debugfs journal_run failed ($(grep -m1 -iE 'journal_run:' "$w/rp.debugfs.log" | head -c 100))"
			return 0
		fi
		mv "$w/rp.debugfs" "$ref"
		oname="debugfs journal_run (e2fsck -E journal_only also did: $extra)"
	fi
	if [ "$(stat -c %s "$out")" != "$(stat -c %s "$ref")" ]; then
		rp=DIFFERS
		fail "replay: fsimg's output is $(stat -c %s "$out") bytes, e2fsck's copy $(stat -c %s "$ref")"
		return 0
	fi

	# Byte comparison with e2fsck's copy; the allowed superblock fields apart.
	cmp -l "$out" "$ref" | awk -v bs="$bs" '
		{ o = $1 - 1 }
		(o >= 1072 && o <= 1075) || (o >= 1400 && o <= 1407) || (o >= 2044 && o <= 2047) { allowed++; next }
		{ b = int(o / bs); if (!(b in n)) { order[++nb] = b; first[b] = o - b * bs } n[b]++ }
		END { printf "%d %d\n", allowed, nb; for (i = 1; i <= nb; i++) printf "%s %d %d\n", order[i], first[order[i]], n[order[i]] }' >"$w/rp.cmp"
	local allowed nbad
	read -r allowed nbad <"$w/rp.cmp"
	changed_blocks "$img" "$out" "$bs" >"$w/rp.fsimg.blocks"
	changed_blocks "$img" "$ref" "$bs" >"$w/rp.e2fsck.blocks"
	local nf ne
	nf=$(wc -l <"$w/rp.fsimg.blocks"); ne=$(wc -l <"$w/rp.e2fsck.blocks")
	if [ "$nbad" = 0 ]; then
		if [ "$allowed" = 0 ]; then rp=identical; else rp=sb-fields; fi
		info_line "replay: $rp vs $oname ($allowed allowed superblock bytes differ); both changed the same $nf blocks"
	else
		rp=DIFFERS
		local lines=() b off cnt kind who
		while read -r b off cnt; do
			if same_block "$out" "$img" "$b" "$bs"; then who="fsimg left it as on disk, the oracle changed it"
			elif same_block "$ref" "$img" "$b" "$bs"; then who="the oracle left it as on disk, fsimg changed it"
			else who="both changed it, differently"; fi
			lines+=("$b|$off|$cnt|$who")
		done < <(sed -n '2,6p' "$w/rp.cmp")
		local descs=()
		mapfile -t descs < <(block_desc "$ref" $(sed -n '2,6p' "$w/rp.cmp" | cut -d' ' -f1))
		fail "replay: fsimg replay -o and $oname differ in $nbad blocks beyond the allowed superblock fields (fsimg changed $nf blocks, the oracle $ne)"
		local i
		for i in "${!lines[@]}"; do
			IFS='|' read -r b off cnt who <<<"${lines[$i]}"
			info_line "replay:   block ${descs[$i]}: $cnt bytes differ from byte $off on; $who"
		done
	fi
	if ! cmp -s "$w/rp.fsimg.blocks" "$w/rp.e2fsck.blocks"; then
		[ "$rp" = DIFFERS ] || { rp=DIFFERS; failed=1; }
		fail "replay: changed-block sets differ ($oname): only fsimg: $(comm -23 "$w/rp.fsimg.blocks" "$w/rp.e2fsck.blocks" | head -n 10 | tr '\n' ' ')only e2fsck: $(comm -13 "$w/rp.fsimg.blocks" "$w/rp.e2fsck.blocks" | head -n 10 | tr '\n' ' ')"
	fi
	# crash/: the manifest's block list and sha256 of e2fsck's result.
	if [ -n "$rb_json" ] && [ -f "$CONF_CORPUS/$set_name/$rb_json" ]; then
		jq -r '.e2fsck_replay_vs_raw.blocks[]' "$CONF_CORPUS/$set_name/$rb_json" | sort -n >"$w/rp.manifest.blocks"
		if cmp -s <(sort -n "$w/rp.fsimg.blocks") "$w/rp.manifest.blocks"; then
			info_line "replay: fsimg changed exactly the manifest's $(wc -l <"$w/rp.manifest.blocks") blocks (e2fsck_replay_vs_raw)"
		else
			fail "replay: fsimg changed $nf blocks, the manifest's e2fsck_replay_vs_raw lists $(wc -l <"$w/rp.manifest.blocks"): only fsimg: $(comm -23 <(sort "$w/rp.fsimg.blocks") <(sort "$w/rp.manifest.blocks") | sort -n | head -n 10 | tr '\n' ' ')only manifest: $(comm -13 <(sort "$w/rp.fsimg.blocks") <(sort "$w/rp.manifest.blocks") | sort -n | head -n 10 | tr '\n' ' ')"
		fi
	fi
	if [ -n "$e2_sha" ] && [ -z "$extra" ]; then
		local s
		s=$(sha256sum <"$ref" | cut -d' ' -f1)
		[ "$s" = "$e2_sha" ] || note "replay: the local e2fsck result's sha256 $s is not the manifest's replay_sha256 (other e2fsck version?); compared with the local result"
	fi
	return 0
}

if [ "${1:-}" = --one ]; then
	shift
	worker "$@"
	if [ -n "$CONF_KEEP" ]; then
		mkdir -p "$CONF_KEEP/$name"
		cp "$w"/*.out "$w"/*.err "$CONF_KEEP/$name/" 2>/dev/null
	fi
	exit 0
fi

# ------------------------------------------------------------------ driver
corpus="$top_srcdir/../shared/corpus"
fsimg="${FSIMG:-}"
tmo=30
only=
jobs=2
keep=
strict_files=1
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) [ $# -ge 2 ] || usage; corpus=$2; shift 2 ;;
	--corpus=*) corpus=${1#*=}; shift ;;
	--fsimg) [ $# -ge 2 ] || usage; fsimg=$2; shift 2 ;;
	--fsimg=*) fsimg=${1#*=}; shift ;;
	--timeout) [ $# -ge 2 ] || usage; tmo=$2; shift 2 ;;
	--timeout=*) tmo=${1#*=}; shift ;;
	--only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--jobs|-j) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--strict-files) strict_files=1; shift ;;
	--lenient-files) strict_files=0; shift ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
case $tmo in ''|*[!0-9.]*) die "--timeout wants a number of seconds" ;; esac
case $jobs in ''|*[!0-9]*|0) die "--jobs wants a positive number" ;; esac

if [ ! -d "$corpus" ]; then
	echo "conformance: corpus not found at $corpus; skipped"
	echo "conformance: 0 passed, 0 failed, 0 skipped"
	exit 0
fi
corpus=$(cd "$corpus" && pwd)
have_e2fsck=1
for tool in e2fsck dumpe2fs debugfs cmp; do
	command -v "$tool" >/dev/null 2>&1 || { have_e2fsck=0; echo "conformance: '$tool' not installed (e2fsprogs, diffutils): journal replay not compared"; }
done
for tool in jq xz gzip bzip2 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "conformance: '$tool' not installed (apt-get install $tool); skipped"
		exit 0
	fi
done
if [ -z "$fsimg" ]; then
	for c in "$top_builddir/src/fsimg" "$top_srcdir/src/fsimg"; do
		[ -x "$c" ] && { fsimg=$c; break; }
	done
fi
[ -n "$fsimg" ] && [ -x "$fsimg" ] || die "fsimg binary not found (build it with 'make src/fsimg' or pass --fsimg PATH)"
# A libtool wrapper script works as is; an absolute path survives the cd-less workers.
case $fsimg in /*) ;; *) fsimg=$(pwd)/$fsimg ;; esac

results=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-conf-res.XXXXXX") || exit 2
trap 'rm -rf "$results"' EXIT

# Snapshot the binary (and, behind a libtool wrapper, the real program and
# libfsimg.so) so a rebuild during the run cannot pull it from under us.
mkdir -p "$results/bin"
d=$(dirname "$fsimg") b=$(basename "$fsimg")
real=
if head -c 2 "$fsimg" | grep -q '#!' && grep -q 'libtool' "$fsimg" 2>/dev/null; then
	for c in "$d/.libs/$b" "$d/.libs/lt-$b"; do [ -x "$c" ] && { real=$c; break; }; done
	[ -n "$real" ] || die "$fsimg is a libtool wrapper and no .libs/$b next to it"
fi
if [ -n "$real" ]; then
	cp "$real" "$results/bin/fsimg" || die "cannot copy $real"
	for l in "$d/../libfsimg/.libs"/libfsimg.so*; do
		[ -e "$l" ] && cp -L "$l" "$results/bin/"
	done
	export LD_LIBRARY_PATH="$results/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
	cp "$fsimg" "$results/bin/fsimg" || die "cannot copy $fsimg"
fi
fsimg_orig=$fsimg
fsimg=$results/bin/fsimg
"$fsimg" --version >/dev/null 2>&1 || die "the copy of $fsimg_orig does not run ($("$fsimg" --version 2>&1 | head -n 1))"
[ -n "$keep" ] && { mkdir -p "$keep" || die "cannot create $keep"; keep=$(cd "$keep" && pwd); }

export FSIMG="$fsimg" CONF_CORPUS="$corpus" CONF_TIMEOUT="$tmo" CONF_SLOW=2 \
	CONF_RESULTS="$results" CONF_KEEP="$keep" CONF_STRICT_FILES="$strict_files" CONF_E2FSCK="$have_e2fsck"

list="$results/list"
: >"$list"
for set in e2fsprogs crash; do
	mf="$corpus/$set/MANIFEST.jsonl"
	if [ ! -f "$mf" ]; then
		echo "conformance: $set/MANIFEST.jsonl absent; that set is skipped"
		continue
	fi
	jq -r --arg set "$set" '[$set, .name] | @tsv' "$mf" >>"$list.all"
done
if [ -n "$only" ]; then
	awk -F '\t' -v re="$only" '$2 ~ re' "$list.all" >"$list"
else
	cp "$list.all" "$list"
fi
n=$(wc -l <"$list")
echo "conformance: $n images from $corpus, fsimg $fsimg_orig ($("$fsimg" --version 2>&1 | head -n 1), a snapshot), timeout ${tmo}s, $jobs at a time"
[ "$n" -gt 0 ] || { echo "conformance: 0 passed, 0 failed, 0 skipped"; exit 0; }

start=$(now_us)
tr '\t' ' ' <"$list" | xargs -P "$jobs" -L 1 "$0" --one
elapsed=$(us2s $(($(now_us) - start)))

# ---- report, in manifest order
pass=0 failn=0 skip=0 unsupp=0 slown=0
declare -A rpn=()
printf '\n%-34s  %-46s  %-46s  %-11s  %6s  %-13s  %s\n' name expected got status seconds replay fsck
printf '%s\n' "$(printf '%.0s-' {1..164})"
while IFS=$'\t' read -r set name; do
	r="$results/$name.res"
	if [ ! -s "$r" ] || ! grep -q '^R' "$r"; then
		printf '%-34s  %-46s  %-46s  %-11s  %6s  %s\n' "$name" "-" "worker produced no result" FAIL "-" "-"
		failn=$((failn + 1))
		continue
	fi
	IFS=$'\t' read -r _ _ st exp got secs rp fv < <(grep '^R' "$r")
	rp=${rp:--}
	printf '%-34s  %-46.46s  %-46.46s  %-11s  %6s  %-13s  %s\n' "$name" "$exp" "$got" "$st" "$secs" "$rp" "${fv:--}"
	[ "$rp" = - ] || rpn[$rp]=$((${rpn[$rp]:-0} + 1))
	case $st in
	PASS*) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
	case $st in *unsupp) unsupp=$((unsupp + 1)) ;; *slow) slown=$((slown + 1)) ;; esac
done <"$list"

echo
echo "Details (FAIL = counted as failure; note = accepted but worth a look; info = informational):"
while IFS=$'\t' read -r set name; do
	r="$results/$name.res"
	[ -f "$r" ] && grep '^D' "$r" | cut -f2- | sed 's/\t/: /'
done <"$list"
echo
[ "$unsupp" -gt 0 ] && echo "conformance: $unsupp of the passes are 'unsupported' refusals (exit 8)"
[ "$slown" -gt 0 ] && echo "conformance: $slown images had a command slower than 2 s"
if [ ${#rpn[@]} -gt 0 ]; then
	nrp=0
	for k in "${!rpn[@]}"; do nrp=$((nrp + rpn[$k])); done
	echo "conformance: replay vs e2fsck -E journal_only on $nrp images: ${rpn[identical]:-0} identical, ${rpn[sb-fields]:-0} differ only in allowed superblock fields, ${rpn[DIFFERS]:-0} differ, ${rpn[refused]:-0} refused by fsimg, ${rpn[e2fsck-failed]:-0} e2fsck failed or did not replay, ${rpn[e2fsck-extra]:-0} not compared (e2fsck did more than replay), ${rpn[fast-commit]:-0} fast-commit (listed), ${rpn[no-e2fsck]:-0} not checked (no e2fsck)"
fi
# ---- fsck verdict agreement, per category and in all
vtab="$results/verdicts"
while IFS=$'\t' read -r set name; do
	[ -f "$results/$name.res" ] && grep '^V' "$results/$name.res" | cut -f2-
done <"$list" >"$vtab"
if [ -s "$vtab" ]; then
	echo "conformance: fsck verdict against the manifests (e2fsprogs corrupt, crash post-replay e2fsck -fn):"
	awk -F '\t' '$5 != "-" { n[$2]++; a[$2] += $5; if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
		END { for (i = 1; i <= k; i++) { c = order[i]
			printf "conformance:   %-6s %3d of %3d agree (%5.1f%%)\n", c, a[c], n[c], 100 * a[c] / n[c] } }' "$vtab"
	awk -F '\t' '$5 == "0" { printf "conformance:   disagrees: %-30s manifest %-7s fsimg %-13s %s\n", $1, $3, $4, $6 }
		$5 == "-" { printf "conformance:   not counted: %-28s %s\n", $1, $6 }' "$vtab"
	read -r vn va vfalse vmiss < <(awk -F '\t' '$5 != "-" { n++; a += $5 }
		$5 == "0" && $3 == "clean" { f++ } $5 == "0" && $3 == "corrupt" { m++ }
		END { printf "%d %d %d %d\n", n, a, f, m }' "$vtab")
	vpct=$(awk -v a="$va" -v n="$vn" 'BEGIN { printf "%.1f", n ? 100 * a / n : 100 }')
	echo "conformance: fsck verdict agreement: $va of $vn ($vpct%; target 97%), $vfalse false errors on clean images, $vmiss missed corruptions"
	# Missed corruptions are information while agreement holds at 97%;
	# false errors already failed their images.
	if [ "$vn" -gt 0 ] && [ $((va * 100)) -lt $((vn * 97)) ]; then
		echo "conformance: FAIL: fsck verdict agreement $vpct% is under 97%"
		failn=$((failn + 1))
	fi
fi
echo "conformance: run took $elapsed s"
echo "conformance: $pass passed, $failn failed, $skip skipped"
[ "$failn" -eq 0 ]
