/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* XFS's own public calls (fsimg/xfs.h), over xfs.h. */
#include "config.h"

#include <string.h>

#include "fs/front.h"
#include "fsimg/xfs.h"
#include "xfs/xfs.h"

int fsimg_xfs_ag_get(struct fsimg_xfs_ag *out, fsimg_fs *fs, uint32_t agno)
{
	struct xfs_agf_info agf;
	struct xfs_agi_info agi;
	xfs_fs *x;
	int err;

	if (!out || !fs || !(x = xfs_of_fs(fs)))
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (agno >= x->sb.agcount)
		return fs_error(fs, FSIMG_ERANGE, "AG %u: the filesystem has %u", agno, x->sb.agcount);
	x->errmsg[0] = '\0';
	err = xfs_agf_read(&agf, x, agno);
	if (err == 0)
		err = xfs_agi_read(&agi, x, agno);
	if (err < 0)
		return fs_error(fs, err, "%s", x->errmsg[0] ? x->errmsg : fsimg_strerror(err));
	out->agno = agno;
	out->first_block = (uint64_t)agno * x->sb.agblocks;
	out->blocks = agf.length;
	out->free_blocks = agf.freeblks;
	out->longest_free = agf.longest;
	out->inodes = agi.count;
	out->free_inodes = agi.freecount;
	out->agf_csum = !x->v5 ? FSIMG_CSUM_NONE : agf.crc_ok ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	out->agi_csum = !x->v5 ? FSIMG_CSUM_NONE : agi.crc_ok ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	return 0;
}
