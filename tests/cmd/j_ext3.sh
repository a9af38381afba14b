#!/bin/sh
# Journal replay on ext3 (block-mapped files), 4 KiB blocks, 32-bit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 8
j_scenario j_ext3 4096 16M "-t ext3" ""
done_testing
