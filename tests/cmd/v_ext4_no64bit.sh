#!/bin/sh
# ext4_no64bit image from mke2fs -d: cat, ls, extents, info against the source tree,
# debugfs and dumpe2fs (tests/lib/variant.sh).
VARIANT=ext4_no64bit HTREE=0 . "$top_srcdir/tests/lib/variant.sh"
