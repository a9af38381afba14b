/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intents recovery leaves pending, finished (intent.c): what each kind
 * does to the blocks of one checkpoint (struct fin of finish.h), and the
 * frees their deferred work queues for after every intent.
 */
#ifndef FSIMG_XLOG_INTENT_H
#define FSIMG_XLOG_INTENT_H

#include <stdbool.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/dinode.h"
#include "xlog/finish.h"
#include "xlog/refc.h"

#define INTENT_DEFER_MAX 512u /* extent frees and rmap updates queued by the intents' work */

/* Work an intent's recovery queues (rtype 0: a free; INTENT_AGFL_FREE: a deferred AGFL
 * free of block agbno; INTENT_REFC: a refcount update of type rflags, 1 increase or 2
 * decrease, requeued; else an rmap update of that type). */
#define INTENT_AGFL_FREE (-1)
#define INTENT_REFC (-2)
struct intent_work {
	uint32_t ag, agbno, len, rflags;
	int rtype;
	uint64_t owner, off;
};

/* tx[k]: the pending entry whose transaction queued ext[k] (the items of two transactions
 * never share a deferred op) */
struct intent_defer {
	struct intent_work ext[INTENT_DEFER_MAX];
	uint32_t tx[INTENT_DEFER_MAX];
	size_t n;
};

/* A free queued for xlog_finish_defer_ops (xfs_free_extent_later). 0 or 1. */
int xlog_intent_defer_free(struct fin *f, struct intent_defer *d, uint32_t ag, uint32_t agbno, uint32_t len)
	XFS_HIDDEN;
/* Any work queued so (an rmap update: xfs_rmap_map_extent). 0 or 1. */
int xlog_intent_defer(struct fin *f, struct intent_defer *d, const struct intent_work *w) XFS_HIDDEN;
/* One RUI extent (xfs_rui_item_recover). 0, 1 (refused) or <0. */
int xlog_intent_rmap(struct fin *f, const struct xlog_ext *x) XFS_HIDDEN;
/* intent_refc.c: one CUI extent (xfs_refcount_finish_one) in the CUI's transaction, whose
 * counters tx carries from extent to extent; a leftover requeued into d. 0, 1 (refused) or <0. */
int xlog_intent_refcount(struct fin *f, const struct xlog_ext *x, struct intent_defer *d, struct refc_tx *tx)
	XFS_HIDDEN;
/* intent_refc.c: a requeued refcount update (type 1 or 2) of *agbno+*len in AG ag done in a
 * transaction whose counters are tx, its frees queued into d; *len what is left. 0, 1 or <0. */
int xlog_refc_work(struct fin *f, uint32_t ag, uint32_t type, uint32_t *agbno, uint32_t *len, struct refc_tx *tx,
		   struct intent_defer *d) XFS_HIDDEN;
/* intent_bmap.c: one BUI extent (xfs_bmap_finish_one). 0, 1 (refused) or <0. */
int xlog_intent_bmap(struct fin *f, const struct xlog_ext *x, struct intent_defer *dq) XFS_HIDDEN;

#endif /* FSIMG_XLOG_INTENT_H */
