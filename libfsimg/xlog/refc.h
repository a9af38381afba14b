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

/* A transaction's refcount cursor counters (bc_ag.refc: operations done, refcount btree shape
 * changes), which xfs_refcount_finish_one carries from one extent to the next; requeue: a
 * leftover was requeued, the CUI's later extents are requeued whole (xfs_cui_item_recover). */
struct refc_tx { uint32_t nr_ops, shape_changes; bool requeue; };

#define RMAP_OWN_REFC ((uint64_t)-8) /* XFS_RMAP_OWN_REFC */

/* Where an adjustment's frees go (xfs_free_extent_later, no owner): 0 or 1. bfree takes the
 * refcount btree's own blocks the adjustment gives back (owner XFS_RMAP_OWN_REFC): Debian's
 * 6.1.192 queues them too (xfs_refcountbt_free_block: __xfs_free_extent_later), in the
 * same transaction's deferred work. A caller that changes the tree otherwise (the CoW
 * domain) sets f->refc_bfree to its sink around the change: refc_bt.c frees through it. */
struct refc_sink {
	int (*free)(void *arg, uint32_t ag, uint32_t agbno, uint32_t len);
	void *arg;
	int (*bfree)(void *arg, uint32_t ag, uint32_t agbno);
};

/* xfs_refcount_adjust_cow's first step: the CoW staging records crossing either end of
 * [agbno, agbno + len) split there (xfs_refcount_split_extent, CoW domain). 0, 1 or <0. */
int xlog_refc_cow_split(struct agbt_cur *c, uint32_t agbno, uint32_t len) XFS_HIDDEN;

/* refc.c: xfs_refcount_adjust of the shared extent *agbno+*aglen of AG ag by adj (+1, -1), the
 * counters in tx, its frees and its refcount btree block frees into q; on return
 * *agbno+*aglen is what is left over (aglen 0: all done). 0, 1 or <0. */
int xlog_refc_adjust(struct fin *f, uint32_t ag, int adj, uint32_t *agbno, uint32_t *aglen, struct refc_tx *tx,
		     const struct refc_sink *q) XFS_HIDDEN;
/* refc.c: tr_itruncate's log reservation (xfs_calc_itruncate_reservation, Linux 6.1) of a v5
 * filesystem, which bounds a refcount update's transaction. */
uint32_t xlog_refc_logres(const xfs_fs *fs) XFS_HIDDEN;

#endif /* FSIMG_XLOG_REFC_H */
