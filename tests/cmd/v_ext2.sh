#!/bin/sh
# ext2 image from mke2fs -d: cat, ls, extents, info against the source tree,
# debugfs and dumpe2fs (tests/lib/variant.sh).
VARIANT=ext2 HTREE=10000 . "$top_srcdir/tests/lib/variant.sh"
