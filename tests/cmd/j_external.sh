#!/bin/sh
# Journal replay with an external journal (-j). mke2fs -J device= refuses a
# plain file ("not a block special device"), so the pairing is made with
# debugfs: a journal_dev made by mke2fs -O journal_dev, the filesystem given
# has_journal, s_journal_uuid and s_journal_dev, then debugfs jo -f writes it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 9
d=$(mktemp_dir)
img=$d/img jdev=$d/jdev
mke2fs -q -F -O journal_dev -b 1024 "$jdev" 2M >/dev/null 2>&1 || skip_all "mke2fs -O journal_dev failed"
ju=$(dumpe2fs -h "$jdev" 2>/dev/null | awk '/Filesystem UUID/{print $3}')
j_mkfs "$img" 8M -t ext4 -b 1024 -O ^has_journal
j_debugfs "$img" "feature has_journal" "ssv journal_uuid $ju" "ssv journal_dev 0x0701"
set -- $(j_blocks "$img" /big.txt)
j_pattern "$d/p" 1024 3
j_debugfs "$img" "jo -f $jdev" "jw -b $1,$2 $d/p" "jc" "jo -f $jdev" "jw -b $3 -r $1 $d/p" "jc"
[ "$(j_json_summary -j "$jdev" "$img" | tr '\n' ' ')" = "1:c:$1,$2: 2:c:$3:$1 " ]
ok $? "j_external: journal -j --json lists the transactions"
"$FSIMG" ls "$img" / >/dev/null 2>"$d/err"
st=$?
# Without the journal the image is still readable: one warning naming -j,
# then the on-disk state.
[ $st -eq 0 ] && [ "$(wc -l < "$d/err")" -eq 1 ] && grep -q "warning:.*external" "$d/err" &&
	grep -q -- "-j" "$d/err"
ok $? "j_external: without -j, one warning naming -j, then the on-disk state (exit 0)"
"$FSIMG" ls --no-replay "$img" / >/dev/null 2>&1
ok $? "j_external: --no-replay works without the journal"
j_check j_external "$img" "$jdev"
rm -rf "$d"
done_testing
