/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: what only XFS has, for views about XFS alone (the browser's
 * groups view). Everything else goes through the neutral fsimg/fsimg.h.
 */
#ifndef FSIMG_XFS_H
#define FSIMG_XFS_H

#include "fsimg/fsimg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One allocation group, as its AGF and AGI headers say. */
struct fsimg_xfs_ag {
	uint32_t agno;
	uint64_t first_block;        /* linear: agno * agblocks */
	uint32_t blocks;             /* agf_length */
	uint32_t free_blocks;        /* agf_freeblks */
	uint32_t longest_free;       /* agf_longest: the longest free extent */
	uint32_t inodes;             /* agi_count: inodes allocated (in chunks) */
	uint32_t free_inodes;        /* agi_freecount: of those, free */
	enum fsimg_csum_state agf_csum, agi_csum; /* FSIMG_CSUM_NONE on v4 */
};

/*
 * Reads AG agno's AGF and AGI: 0, FSIMG_EINVAL when fs is not XFS,
 * FSIMG_ERANGE past the last AG, or the read's error (fsimg_fs_errmsg says
 * why). A bad checksum is a notice, not an error.
 */
FSIMG_API int fsimg_xfs_ag_get(struct fsimg_xfs_ag *out, fsimg_fs *fs, uint32_t agno);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_XFS_H */
