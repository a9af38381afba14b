#!/bin/sh
# ext4_bigalloc image from mke2fs -d: cat, ls, extents, info against the source tree,
# debugfs and dumpe2fs (tests/lib/variant.sh).
VARIANT=ext4_bigalloc HTREE=0 . "$top_srcdir/tests/lib/variant.sh"
