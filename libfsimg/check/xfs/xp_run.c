/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The driver of the XFS file-level passes: the file-block map sized by the
 * filesystem (refused when the superblock claims far more blocks than the
 * image could justify), then inodes, directories, links.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/xfs/xpass.h"

int xp_run(struct check_ctx *c, xfs_fs *x)
{
	struct xp_ctx xp = { .c = c, .x = x };
	uint64_t io_blocks = x->io_size >> x->sb.blocklog;
	int ret;

	xp.reflink = (x->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) && x->v5;
	xp.nblocks = (uint64_t)x->sb.agcount * x->sb.agblocks;
	/* a sparse or truncated image is fine; a map 64 times the image's blocks is not */
	if (xp.nblocks <= io_blocks * 64 + (UINT64_C(1) << 20))
		xp.claimed = calloc(1, (size_t)(xp.nblocks / 8 + 1));
	xp.buf = malloc(x->dirblksize > x->blocksize ? x->dirblksize : x->blocksize);
	if (!xp.buf) {
		free(xp.claimed);
		return FSIMG_ENOMEM;
	}
	check_progress(c, 2, "inodes", 0, 1);
	ret = xp_pass_inodes(&xp);
	if (!ret) {
		check_progress(c, 5, "directories", 0, 1);
		ret = xp_pass_dirs(&xp);
	}
	if (!ret) {
		check_progress(c, 6, "links", 0, 1);
		ret = xp_pass_links(&xp);
	}
	free(xp.ino);
	free(xp.claimed);
	free(xp.buf);
	return ret;
}
