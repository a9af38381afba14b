#!/bin/sh
# Journal replay: 1 KiB blocks, 64bit, metadata_csum; journal without checksums.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 8
j_scenario j_1k_64bit 1024 8M "-t ext4 -O 64bit" ""
done_testing
