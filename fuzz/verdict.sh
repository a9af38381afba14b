# Sourced by fuzz/differential.sh and tests/conformance/unseen.sh: one
# verdict from e2fsck -fn (the truth) and fsimg fsck on the same image.
#   verdict E2FSCK_EXIT E2FSCK_OUTPUT FSIMG_EXIT FSIMG_OUTPUT
# sets v: agree, refused (fsimg exit 8 on an image e2fsck calls corrupt:
# counted as agreeing), FALSE-ERROR, MISSED, CRASH or oracle-failed.
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
		corrupt:8) v=refused ;;
		clean:*) v=FALSE-ERROR ;;
		*) v=MISSED ;;
		esac
	fi
}
