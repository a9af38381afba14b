# shellcheck shell=bash
# The journal replay check of the conformance run: fsimg replay -o against
# e2fsck -E journal_only, block by block.
# Sourced by tests/conformance/run.sh, in the driver and in each worker
# ("run.sh --one SET NAME"); it defines functions and settings only.

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
