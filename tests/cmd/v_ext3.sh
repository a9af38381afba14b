#!/bin/sh
# ext3 image from mke2fs -d: cat, ls, extents, info against the source tree,
# debugfs and dumpe2fs (tests/lib/variant.sh).
VARIANT=ext3 HTREE=0 . "$top_srcdir/tests/lib/variant.sh"
