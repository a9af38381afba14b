#!/bin/sh
# Journal replay: 4 KiB blocks, ^64bit (8-byte tags), no metadata_csum.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/journal.sh"
plan 8
j_scenario j_4k_32bit 4096 16M "-t ext4 -O ^64bit,^metadata_csum" ""
done_testing
