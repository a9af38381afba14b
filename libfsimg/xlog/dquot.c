/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dquot replay (the kernel's xlog_recover_dquot_commit_pass2 and
 * xlog_recover_do_dquot_buffer).  The kernel replays dquot items and dquot
 * buffers only when the mount asked for quotas (m_qflags); offline, the
 * mount to come is taken to be the one the superblock records: quotas
 * accounted (sb_qflags' ACCT bits) mean a quota mount.  A quotaoff item
 * (pass 1) stops the replay of its types, as l_quotaoffs_flag does.
 *
 * LSNs: a dquot item is skipped when its dquot's dd_lsn is as new as the
 * transaction (v5); a dquot buffer item never is (xlog_recover_get_buf_lsn
 * recovers a dquot block immediately, plan_apply.c). Recovery stamps no
 * dquot: the item copies the 104-byte xfs_disk_dquot (not dd_lsn), the
 * buffer item passes NULLCOMMITLSN (xlog_recover_do_dquot_buffer) and the
 * dquot buffer's write verifier (xfs_dquot_buf_write_verify) only checks.
 * So no write in pass 2 changes a dd_lsn but the logged bytes themselves,
 * and the plan's same-LSN rule for buffers (plan_apply.c, stamped_find:
 * a buffer's LSN is stamped when it is written, once the commit LSN
 * changes) has nothing to defer here: the overlay holds the dquot as the
 * kernel's cached buffer holds it at every LSN.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xlog/dquot.h"

#define XFS_UQUOTA_ACCT 0x0001u
#define XFS_PQUOTA_ACCT 0x0008u
#define XFS_GQUOTA_ACCT 0x0040u
#define XFS_DQTYPE_USER 0x01u
#define XFS_DQTYPE_PROJ 0x02u
#define XFS_DQTYPE_GROUP 0x04u
#define XFS_DQTYPE_REC_MASK 0x07u
#define XFS_DQUOT_MAGIC 0x4451u   /* "DQ" */
#define XFS_DQBLK_SIZE 136u       /* struct xfs_dqblk: the dquot, fill, crc, lsn, uuid */
#define XFS_DQBLK_CRC 108u
#define XFS_DQBLK_LSN 112u

bool xlog_quota_mount(const xlog *log)
{
	return (log->fs->sb.qflags & (XFS_UQUOTA_ACCT | XFS_PQUOTA_ACCT | XFS_GQUOTA_ACCT)) != 0;
}

uint32_t xlog_quotaoff_types(uint32_t qf_flags)
{
	return ((qf_flags & XFS_UQUOTA_ACCT) ? XFS_DQTYPE_USER : 0) |
	       ((qf_flags & XFS_PQUOTA_ACCT) ? XFS_DQTYPE_PROJ : 0) |
	       ((qf_flags & XFS_GQUOTA_ACCT) ? XFS_DQTYPE_GROUP : 0);
}

uint32_t xlog_dquot_buf_types(uint16_t blf_flags)
{
	return ((blf_flags & XFS_BLF_UDQUOT_BUF) ? XFS_DQTYPE_USER : 0) |
	       ((blf_flags & XFS_BLF_PDQUOT_BUF) ? XFS_DQTYPE_PROJ : 0) |
	       ((blf_flags & XFS_BLF_GDQUOT_BUF) ? XFS_DQTYPE_GROUP : 0);
}

int xlog_dquot_apply(xlog *log, const struct xlog_item *it, const struct xlog_item_info *o,
		     uint8_t *b, uint32_t len, uint64_t lsn, uint32_t quotaoffs, int *done)
{
	const struct xlog_region *r = &it->reg[1];
	uint32_t type, n, room = log->fs->v5 ? XFS_DQBLK_SIZE : XFS_DISK_DQUOT_SIZE;
	uint8_t *dq;

	*done = 0;
	if (it->cnt < 2 || r->len < XFS_DISK_DQUOT_SIZE)
		return xlog_error(log, FSIMG_ECORRUPT, "dquot item %u: a dquot region of %u bytes",
				  o->dq_id, it->cnt < 2 ? 0 : r->len);
	type = r->p[3] & XFS_DQTYPE_REC_MASK;
	if (quotaoffs & type)
		return 0; /* its type was turned off later in the log */
	/* xfs_dquot_verify, the parts recovery relies on: magic, version, id */
	if (get_be16(r->p) != XFS_DQUOT_MAGIC || r->p[2] != 1 || !type ||
	    get_be32(r->p + 4) != o->dq_id)
		return xlog_error(log, FSIMG_ECORRUPT, "dquot item %u: not a dquot (corrupt in the log)",
				  o->dq_id);
	if (o->boffset < 0 || (uint32_t)o->boffset > len || len - (uint32_t)o->boffset < room)
		return xlog_error(log, FSIMG_ECORRUPT, "dquot item %u: offset %d outside its %u-byte buffer",
				  o->dq_id, o->boffset, len);
	dq = b + o->boffset;
	if (log->fs->v5) {
		uint64_t dlsn = get_be64(dq + XFS_DQBLK_LSN);
		if (dlsn && dlsn != UINT64_MAX && dlsn >= lsn) {
			*done = -1; /* the dquot on disk is as new: left alone */
			return 0;
		}
	}
	n = r->len < room ? r->len : room;
	memcpy(dq, r->p, n);
	if (log->fs->v5) {
		uint32_t crc;
		memset(dq + XFS_DQBLK_CRC, 0, 4);
		crc = ~fsimg_crc32c(~0u, dq, XFS_DQBLK_SIZE);
		dq[XFS_DQBLK_CRC] = (uint8_t)crc, dq[XFS_DQBLK_CRC + 1] = (uint8_t)(crc >> 8);
		dq[XFS_DQBLK_CRC + 2] = (uint8_t)(crc >> 16), dq[XFS_DQBLK_CRC + 3] = (uint8_t)(crc >> 24);
	}
	*done = 1;
	return 0;
}
