# Sourced by fuzz/differential.sh, fuzz/differential_xfs.sh and
# fuzz/debugfs_sweep.sh: the options every campaign takes, parsed once.
#
#   camp_opt "$@"
#
# When $1 is --count N, --seed S (both decimal), --fsimg PATH, --out FILE or
# --keep DIR, sets count, seed, fsimg, out or keep and camp_n to the number
# of words taken (the caller shifts them); any other word returns 1 for the
# caller's own options. A missing or malformed value ends the script with
# exit 2 and camp_usage, which the caller sets.
camp_opt() {
	case $1 in
	--count | --seed | --fsimg | --out | --keep) ;;
	*) return 1 ;;
	esac
	if [ $# -lt 2 ]; then
		echo "$camp_usage" >&2
		exit 2
	fi
	case $1:$2 in
	--count:*[!0-9]* | --count: | --seed:*[!0-9]* | --seed:)
		echo "${0##*/}: $1 takes a decimal number, not '$2'" >&2
		exit 2
		;;
	esac
	case $1 in
	--count) count=$2 ;;
	--seed) seed=$2 ;;
	--fsimg) fsimg=$2 ;;
	--out) out=$2 ;;
	--keep) keep=$2 ;;
	esac
	camp_n=2
}
