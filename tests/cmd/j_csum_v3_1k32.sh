#!/bin/sh
# Journal replay: csum v3 (jo -c), 1 KiB blocks, ^64bit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 8
j_scenario j_csum_v3_1k32 1024 8M "-t ext4 -O ^64bit" "-c"
done_testing
