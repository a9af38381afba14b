#!/bin/sh
# Every man page is clean under mandoc -Tlint.
. "$top_srcdir/tests/lib/tap.sh"
need mandoc
for m in "$top_srcdir"/man/*.[13]; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	[ -z "$out" ]; ok $? "mandoc -Tlint $(basename "$m")"
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
done
done_testing
