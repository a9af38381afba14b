/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The insides of the XFS recovery (recovery.c: the plan, the superblock
 * and the clean log the mount and unmount leave; recovery_view.c: all of
 * it as an overlay source).
 */
#ifndef FSIMG_XLOG_RECOVERY_INT_H
#define FSIMG_XLOG_RECOVERY_INT_H

#include "fs/front.h"
#include "xlog/plan.h"
#include "xlog/recovery.h"

#define FIN_MAX 8

/*
 * A write the mount or unmount adds after the plan's. The stale log blocks
 * (up to 2 MiB the kernel rewrites ahead of the head, each a bare record
 * header) have no bytes: they are made when read (xrec_stale_sector), so
 * that a reader of the filesystem, who never looks at them, pays nothing.
 */
struct fin {
	uint64_t off;
	uint32_t len;
	uint8_t *bytes;    /* NULL: stale log blocks from log block lblk on */
	uint32_t lblk;
	enum fsimg_recovery_write_kind kind;
	unsigned device;   /* FSIMG_RECOVERY_DEV_*: an external log's blocks go to its device */
};

struct xrec {
	struct fsimg_recovery head; /* first: the front's */
	xlog *log;
	struct xlog_plan *plan;
	struct fin fin[FIN_MAX];    /* superblock, stale log blocks, filler, unmount record, in write order */
	size_t nfin;
	uint64_t blocks;            /* filesystem blocks the plan writes */
};

static inline const struct xrec *xrec_of(const fsimg_recovery *r)
{
	return (const struct xrec *)(const void *)r;
}

/* recovery.c: log block blk as xlog_clear_stale_blocks leaves it (one sector into b).
 * Reads only what the plan fixed: safe from several threads. */
void xrec_stale_sector(const struct xrec *xr, uint8_t *b, uint32_t blk) XFS_HIDDEN;

/* recovery_view.c: the recovery's view over base (the front's apply op). */
int xrec_apply(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io, const fsimg_recovery *r,
	       unsigned flags) XFS_HIDDEN;

#endif /* FSIMG_XLOG_RECOVERY_INT_H */
