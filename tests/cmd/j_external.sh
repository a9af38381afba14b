#!/bin/sh
# Journal replay with an external journal (-j). mke2fs -J device= refuses a
# plain file ("not a block special device"), so the pairing is made with
# debugfs: a journal_dev made by mke2fs -O journal_dev, the filesystem given
# has_journal, s_journal_uuid and s_journal_dev, then debugfs jo -f writes it
# (and the filesystem is made the journal's one user).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 10
d=$(mktemp_dir)
img=$d/img jdev=$d/jdev
mke2fs -q -F -O journal_dev -b 1024 "$jdev" 2M >/dev/null 2>&1 || skip_all "mke2fs -O journal_dev failed"
ju=$(dumpe2fs -h "$jdev" 2>/dev/null | awk '/Filesystem UUID/{print $3}')
j_mkfs "$img" 8M -t ext4 -b 1024 -O ^has_journal
j_debugfs "$img" "feature has_journal" "ssv journal_uuid $ju" "ssv journal_dev 0x0701"
set -- $(j_blocks "$img" /big.txt)
j_pattern "$d/p" 1024 3
j_debugfs "$img" "jo -f $jdev" "jw -b $1,$2 $d/p" "jc" "jo -f $jdev" "jw -b $3 -r $1 $d/p" "jc"
# debugfs leaves s_nr_users 0; mke2fs -J device= records the filesystem as
# the one user (s_users[0]), and the kernel wants exactly that.
j_jsb_set "$jdev" 2 0x40 1
fu=$(dumpe2fs -h "$img" 2>/dev/null | awk '/Filesystem UUID/{print $3}' | tr -d -)
for k in 0 1 2 3; do
	j_jsb_set "$jdev" 2 $((0x100 + 4 * k)) "0x$(printf '%s' "$fu" | cut -c$((8 * k + 1))-$((8 * k + 8)))"
done
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
# s_nr_users 0: the kernel refuses the journal (ext4_get_dev_journal wants exactly one user).
cp "$jdev" "$d/jdev0"
j_jsb_set "$d/jdev0" 2 0x40 0
"$FSIMG" replay -j "$d/jdev0" -o "$d/out0" "$img" >/dev/null 2>"$d/err"
[ $? -eq 8 ] && grep -q "external journal has no users" "$d/err" && [ ! -e "$d/out0" ]
ok $? "j_external: an external journal with s_nr_users 0 is refused, as the kernel does"
rm -rf "$d"
done_testing
