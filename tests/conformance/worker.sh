# shellcheck shell=bash
# The per-image worker of the conformance run: the fsimg commands on one
# image, each checked (exit status, sanitizer reports, JSON), and its result.
# Sourced by tests/conformance/run.sh, in the driver and in each worker
# ("run.sh --one SET NAME"); it defines functions and settings only.

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
