/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dquot.c: dquot items and dquot buffers in log recovery (a quota mount's). */
#ifndef FSIMG_XLOG_DQUOT_H
#define FSIMG_XLOG_DQUOT_H

#include "xlog/xlog.h"

#define XFS_DISK_DQUOT_SIZE 104u /* struct xfs_disk_dquot, as a dquot item logs it */

/* Does the mount to come replay dquots?  The superblock's accounted quotas say. */
bool xlog_quota_mount(const xlog *log) XFS_HIDDEN;
/* The dquot types (XFS_DQTYPE_*) a quotaoff item's flags turn off. */
uint32_t xlog_quotaoff_types(uint32_t qf_flags) XFS_HIDDEN;
/* The dquot types a dquot buffer's blf_flags name. */
uint32_t xlog_dquot_buf_types(uint16_t blf_flags) XFS_HIDDEN;
/* The dquot item o onto buffer b (LEN bytes, its qlf_blkno / qlf_len): *done 1
 * applied, 0 its type turned off, -1 the dquot on disk is as new (v5 LSN). */
int xlog_dquot_apply(xlog *log, const struct xlog_item *it, const struct xlog_item_info *o,
		     uint8_t *b, uint32_t len, uint64_t lsn, uint32_t quotaoffs, int *done) XFS_HIDDEN;

#endif /* FSIMG_XLOG_DQUOT_H */
