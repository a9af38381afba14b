# shellcheck shell=bash
# The comparisons of the conformance run: fsimg fsck's verdict against the
# manifest's, and the file listing against the reference one.
# Sourced by tests/conformance/run.sh, in the driver and in each worker
# ("run.sh --one SET NAME"); it defines functions and settings only.

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
