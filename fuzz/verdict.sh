# Sourced by fuzz/differential.sh, tests/conformance/unseen.sh and
# tests/cmd/fsck_e2fsck_n.sh: one
# verdict from e2fsck -fn (the truth) and fsimg fsck on the same image.
#   verdict E2FSCK_EXIT E2FSCK_OUTPUT FSIMG_EXIT FSIMG_OUTPUT
# sets v: agree, agree-counts, refused (fsimg exit 8 on an image e2fsck
# calls corrupt: counted as agreeing), FALSE-ERROR, MISSED, CRASH or
# oracle-failed. agree-counts is the corpus' rule for `summary_counts_only`
# images (tests/conformance/run.sh): e2fsck's only finding is the
# superblock's free counts and fsimg warns of them (SUPER_FREE_*_WRONG: the
# kernel does not keep them exact, and e2fsck -n exits 0 for them).
# e2fsck -n: 0 clean; 4, 8, 12 or "trying backup blocks" corrupt; a timeout
# (>= 124) or another status is no verdict.
verdict() {
	if [ "$1" -ge 124 ] || { [ "$1" -ne 0 ] && [ $(($1 & 12)) -eq 0 ]; }; then
		v=oracle-failed
	elif [ "$3" -ge 124 ] || grep -q 'Sanitizer\|runtime error:' "$4"; then
		v=CRASH
	else
		_truth=clean
		[ "$1" -ne 0 ] && _truth=corrupt
		grep -q 'trying backup blocks' "$2" && _truth=corrupt
		case $_truth:$3 in
		clean:0 | corrupt:4) v=agree ;;
		corrupt:0)
			v=MISSED
			counts_only "$2" && grep -q -E '^warning: SUPER_FREE_(BLOCKS|INODES)_WRONG: ' "$4" && v=agree-counts
			;;
		corrupt:8) v=refused ;;
		clean:*) v=FALSE-ERROR ;;
		*) v=MISSED ;;
		esac
	fi
}

# fy_unbenign OUTPUT: the lines of an e2fsck -fy run that are neither
# boilerplate nor on the corpus' benign list (what makes an image corrupt).
# e2fsck_check_mmp's notice of a long MMP wait (a large check interval in
# the MMP block) is log_out, no problem: boilerplate.
# After orphans were released, e2fsck 1.47.0 and 1.47.1 report the orphan
# file's block they have just emptied as "not clean" (cleared after pass 5,
# not while processing it; e2fsprogs db87cf4c, 1.47.2, removed the spurious
# report): with a release in the same run that report is benign too.
fy_unbenign() {
	if grep -q -E '^(Clearing|Truncating) orphaned inode' "$1"; then
		sed '/^Orphan file (inode [0-9]*) block [0-9]* is not clean\.$/{N;/\nClear? yes$/d;}' "$1"
	else
		cat "$1"
	fi | grep -v -E -e '^e2fsck [0-9]' -e '^Pass [0-9]' -e '^$' -e 'FILE SYSTEM WAS MODIFIED' \
		-e '^[^ ]+: [0-9]+/[0-9]+ files \(' -e '^Exit status is' \
		-e ': recovering journal$' -e '^Journal transaction [0-9]+ was corrupt, replay was aborted' \
		-e '^Clearing orphaned inode' -e '^Truncating orphaned inode' \
		-e '^Setting free (inodes|blocks) count to [0-9]+ \(was [0-9]+\)' \
		-e 'could be (shorter|narrower)\.  Optimize\? yes' \
		-e '^Adding dirhash hint to filesystem' -e '^Filesystem did not have a UUID; generating one' \
		-e '^Backing up journal inode block information' -e '^Moving journal from /journal to hidden inode' \
		-e '^MMP interval is [0-9]+ seconds and total wait time is [0-9]+ seconds\. Please wait\.\.\.$'
}

# fy_judge EXIT OUTPUT: the corpus' corrupt rule on an e2fsck -fy run; prints
# 4 (corrupt), 0 (clean) or the exit itself when it is no verdict (>= 124)
fy_judge() {
	if [ "$1" -ge 124 ]; then echo "$1"; return; fi
	if [ $(($1 & 12)) -ne 0 ]; then echo 4; return; fi
	if fy_unbenign "$2" | grep -q .; then
		echo 4
	else
		echo 0
	fi
}

# counts_only OUTPUT: e2fsck's only finding was the superblock's free
# blocks or inodes count (pass 5's "Free blocks count wrong (N,
# counted=M)."), the corpus' `summary_counts_only`
counts_only() {
	fy_unbenign "$1" | grep -q -E '^Free (blocks|inodes) count wrong \([0-9]+, counted=[0-9]+\)\.$' &&
		! fy_unbenign "$1" | grep -v -q -E -e '^Free (blocks|inodes) count wrong \([0-9]+, counted=[0-9]+\)\.$' \
			-e '^Fix\? (yes|no)$' -e '^[^ ]+: \*+ WARNING: Filesystem still has errors \*+$'
}

# e2fsck_truth fn|fy IMG OUT SECONDS: e2fsck -fn (its exit) or -fy on IMG
# (judged by fy_judge) into OUT; sets e to what verdict takes
e2fsck_truth() {
	if [ "$1" = fy ]; then
		timeout -k 2 "$4" e2fsck -fy "$2" </dev/null >"$3" 2>&1; e=$(fy_judge $? "$3")
	else
		timeout -k 2 "$4" e2fsck -fn "$2" </dev/null >"$3" 2>&1; e=$?
	fi
}

# tally: counts $v (from verdict) into agree (refusals and summary counts
# too, and refused, counts), false_err, missed, crash or oracle
tally() {
	case $v in
	agree) agree=$((agree + 1)) ;;
	agree-counts) agree=$((agree + 1)); counts=$((counts + 1)) ;;
	refused) agree=$((agree + 1)); refused=$((refused + 1)) ;;
	FALSE-ERROR) false_err=$((false_err + 1)) ;;
	MISSED) missed=$((missed + 1)) ;;
	CRASH) crash=$((crash + 1)) ;;
	*) oracle=$((oracle + 1)) ;;
	esac
}
