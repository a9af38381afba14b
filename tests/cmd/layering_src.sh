#!/bin/sh
# The fsimg command reads filesystems through the neutral API (fsimg/fsimg.h):
# only a view about one filesystem includes a backend's header (fsimg/ext4.h,
# fsimg/journal.h, fsimg/check.h, fsimg/xfs.h, fsimg/xlog.h, or cli_jbd2.h, src's jbd2 helper). The
# list below names those views; every other file under src/ must include
# none, and a listed file that no longer does fails too (the list shrinks).
. "$top_srcdir/tests/lib/tap.sh"
views="baseline.h cli_jbd2.c cli_jbd2.h cmd_fsck.c cmd_journal.c journal_fc.c journal_fc.h cmd_replay.c info_ext4.c info_xfs.c journal_xfs.c replay_log.c browse/browse.h browse/view_groups.c"
src="$top_srcdir/src"
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*"(fsimg/(ext4|journal|check|xfs|xlog)\.h|cli_jbd2\.h)"'
files=$(cd "$src" && ls *.c *.h browse/*.c browse/*.h 2>/dev/null)
n=0
for f in $files; do n=$((n + 1)); done
plan $((n + 1))
for f in $files; do
	case " $views " in
	*" $f "*)
		ok_cmd "src/$f: a view about one filesystem, and it includes its header (else drop it from the list)" \
			grep -qE "$pattern" "$src/$f" ;;
	*)
		ok_cmd "src/$f includes no backend header" sh -c "! grep -nE '$pattern' '$src/$f'" ;;
	esac
done
printf '#include "fsimg/ext4.h"\n' > "${TMPDIR:-/tmp}/layering_src.$$.c"
ok_cmd "the pattern catches a backend include" grep -qE "$pattern" "${TMPDIR:-/tmp}/layering_src.$$.c"
rm -f "${TMPDIR:-/tmp}/layering_src.$$.c"
