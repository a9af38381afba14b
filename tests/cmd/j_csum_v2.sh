#!/bin/sh
# Journal replay: csum v2 (jo -c -v 2): 14-byte tags on 64bit, 10-byte tags on ^64bit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 16
j_scenario j_csum_v2_64 4096 16M "-t ext4 -O 64bit" "-c -v 2"
j_scenario j_csum_v2_32 1024 8M "-t ext4 -O ^64bit" "-c -v 2"
done_testing
