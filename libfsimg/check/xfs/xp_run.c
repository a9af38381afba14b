/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS file-level passes in order: inodes (with their forks, attributes
 * and symlinks), directories, then connectivity and links. Every file block
 * is claimed through xc_claim on the way, so the space pass that follows
 * can hold free space against what is owned.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/xfs/xpass.h"

int xc_pass_files(struct check_ctx *c)
{
	struct xcheck *xcp = xc(c);
	xfs_fs *x = xcp->x;
	struct xp_ctx xp = { .c = c, .x = x };
	int ret;

	xp.reflink = x->v5 && (x->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK);
	xp.buf = malloc(x->dirblksize > x->blocksize ? x->dirblksize : x->blocksize);
	if (!xp.buf)
		return FSIMG_ENOMEM;
	check_progress(c, 3, "inodes", 0, 1);
	ret = xq_setup(&xp);
	if (!ret)
		ret = xp_pass_inodes(&xp);
	if (!ret) {
		xcp->files_done = true;
		check_progress(c, 5, "directories", 0, 1);
		ret = xp_pass_dirs(&xp);
	}
	if (!ret) {
		check_progress(c, 6, "links", 0, 1);
		ret = xp_pass_links(&xp);
	}
	if (!ret)
		ret = xq_verify(&xp);
	xq_free(&xp);
	free(xp.ino);
	free(xp.buf);
	return ret;
}
