#!/bin/sh
# Journal replay: csum v3 (jo -c), 4 KiB blocks, 64bit (16-byte tags).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 8
j_scenario j_csum_v3 4096 16M "-t ext4 -O 64bit" "-c"
done_testing
