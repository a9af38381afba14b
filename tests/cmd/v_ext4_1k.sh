#!/bin/sh
# ext4_1k image from mke2fs -d: cat, ls, extents, info against the source tree,
# debugfs and dumpe2fs (tests/lib/variant.sh).
VARIANT=ext4_1k HTREE=10000 . "$top_srcdir/tests/lib/variant.sh"
