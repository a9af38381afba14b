/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The refcount btree through agbt.c (refc_bt.c): a cursor on an AG's tree
 * and a lookup by start block (the CoW domain's with XFS_REFC_COWFLAG).
 */
#ifndef FSIMG_XLOG_REFC_H
#define FSIMG_XLOG_REFC_H

#include "xlog/agbt.h"

#define XFS_REFC_CRC_MAGIC 0x52334643u /* R3FC */
#define XFS_REFC_COWFLAG (1u << 31)

/* A cursor on AG ag's refcount btree (the AGF its priv). 0, 1 (refused) or <0. */
int xlog_refc_cur(struct fin *f, uint32_t ag, struct agbt_cur *c) XFS_HIDDEN;
/* xfs_refcount_lookup_* (AGBT_LOOKUP_*) of start: *r the record under the cursor and *stat 1,
 * or *stat 0 and *r NULL when none. 0, 1 or <0. */
int xlog_refc_lookup(struct agbt_cur *c, int dir, uint32_t start, const uint8_t **r, int *stat) XFS_HIDDEN;

#endif /* FSIMG_XLOG_REFC_H */
