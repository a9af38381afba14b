/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CUI's extents finished as xfs_cui_item_recover does: each
 * xfs_refcount_finish_one -> xfs_refcount_adjust in the extent's AG: the
 * records at both ends split (xfs_refcount_split_extent), neighbours merged
 * (xfs_refcount_merge_extents), then each record in the range adjusted and
 * each gap (refcount 1, no record) given a record or, on a decrease to 0,
 * freed by a deferred extent free (xfs_free_extent_later, finished after
 * every intent: xlog_finish_defer_ops).
 *
 * The shared domain is refc.c's xfs_refcount_adjust (any height, splits,
 * merges, a refcount btree split allocating near its first block). When
 * the transaction's log reservation runs out (xfs_refcount_still_have_space)
 * the rest of the extent is requeued as new deferred work, and so is every
 * later extent of the CUI, whole (xfs_cui_item_recover's requeue_only);
 * intent.c finishes that work after the intents, a leftover there again
 * rolling the transaction: the frees queued so far first.
 *
 * CoW staging changes (xfs_refcount_adjust_cow, in the CoW domain: start
 * blocks with bit 31 set, sorting after the shared ones), in a refcount
 * btree of any height through agbt.c: ALLOC_COW gives a range no staging
 * record holds a record of refcount 1 (shifting to a sibling where the leaf
 * is full, or splitting it), FREE_COW deletes the record that is the range exactly with
 * refcount 1 (borrowing, joining, killing the root). Refused where the
 * kernel would split a record or merge the new one with a staging record
 * next to it.
 *
 * A refcount btree block given back in either domain (a join, a killed
 * root) is freed as Debian's 6.1.192 frees it: queued on the CUI's
 * transaction (xfs_refcountbt_free_block -> __xfs_free_extent_later, the
 * backport of "xfs: use deferred frees for btree block freeing") among the
 * extents' frees, in the order queued, and finished with the captured work.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/intent.h"
#include "xlog/refc.h"

/* pe_flags' type (xfs_refcount_intent_type) */
#define REFC_INCREASE 1u
#define REFC_DECREASE 2u
#define REFC_ALLOC_COW 3u
#define REFC_FREE_COW 4u
#define MAXREFCEXTLEN ((1u << 31) - 1)

struct intent_defer_sink { struct fin *f; struct intent_defer *d; };

/* xfs_refcount_adjust_cow of [agbno, agbno + len) (alloc: ALLOC_COW, else FREE_COW) in a refcount
 * btree of any height (agbt). The ends split and the neighbours merged first
 * (xfs_refcount_split_extent, xfs_refcount_merge_extents). A free splits the staging records
 * crossing its ends as the kernel does; its merges cannot happen (every staging record has
 * refcount 1, and a merge wants its neighbour at the adjusted count, 0). An alloc is refused
 * where either would change a record, which the lookups tell: the last staging record
 * starting at or before the range and the first starting at or after it. Then xfs_refcount_adjust_cow_extents:
 * lookup_ge, an insert of {agbno, len, 1} or the delete of the record that is the range. */
static int cow_adjust(struct fin *f, uint32_t ag, bool alloc, uint32_t agbno, uint32_t len)
{
	uint32_t key = agbno | XFS_REFC_COWFLAG;
	uint64_t end = (uint64_t)key + len;
	struct agbt_cur c;
	const uint8_t *r;
	uint8_t nrec[REFC_REC_LEN];
	int stat, err;

	XFIN_COUNT(f, XFC_REFC_COW);
	if (len > MAXREFCEXTLEN)
		return xlog_fin_refuse(f, "AG %u: a CoW staging extent of %u blocks", ag, len);
	if ((err = xlog_refc_cur(f, ag, &c)))
		return err;
	/* a free: the staging records crossing its ends split first (a CoW write that ended
	 * inside a larger staging extent gives back only its part) */
	if (!alloc && (err = xlog_refc_cow_split(&c, agbno, len)))
		return err;
	if ((err = xlog_refc_lookup(&c, AGBT_LOOKUP_LE, key, &r, &stat)))
		return err;
	if (stat && (get_be32(r) & XFS_REFC_COWFLAG)) {
		uint64_t s = get_be32(r), e = s + get_be32(r + 4);
		/* alloc: a record reaching the range overlaps or merges; free: one crossing agbno splits */
		if (alloc ? e >= key : s < key && e > key)
			return xlog_fin_refuse(f, "AG %u: CoW staging records at or next to %u+%u would split or merge "
					       "(not done)", ag, agbno, len);
	}
	if ((err = xlog_refc_lookup(&c, AGBT_LOOKUP_GE, key, &r, &stat)))
		return err;
	if (alloc) {
		int ok;
		if (stat && get_be32(r) <= end)
			return xlog_fin_refuse(f, "AG %u: CoW staging records at or next to %u+%u would split or merge "
					       "(not done)", ag, agbno, len);
		put_be32(nrec, key);
		put_be32(nrec + 4, len);
		put_be32(nrec + 8, 1);
		if ((err = agbt_insert(&c, nrec, &ok)))
			return err;
		return ok == 1 ? 0 : xlog_fin_refuse(f, "AG %u: the CoW record %u+%u would not go in", ag, agbno, len);
	}
	if (!stat || get_be32(r) != key || get_be32(r + 4) != len || get_be32(r + 8) != 1)
		return xlog_fin_refuse(f, "AG %u: no CoW staging record is %u+%u (its ends would split, or it is "
				       "not there)", ag, agbno, len);
	if ((err = agbt_delete(&c, &stat)))
		return err;
	return stat == 1 ? 0 : xlog_fin_refuse(f, "AG %u: the CoW record %u+%u would not go", ag, agbno, len);
}

/* xfs_free_extent_later into the intent's captured work */
static int defer_free(void *arg, uint32_t ag, uint32_t agbno, uint32_t len)
{
	struct intent_defer_sink *k = arg;

	return xlog_intent_defer_free(k->f, k->d, ag, agbno, len);
}

/* xfs_refcountbt_free_block in Debian's 6.1.192: __xfs_free_extent_later with
 * XFS_RMAP_OINFO_REFC on the same transaction, after what the update queued before it
 * (xfs_defer_add: into the last EFI while it has room); xlog_finish_defer_ops frees it in
 * that order with the rest of the intent's captured work, after every intent */
static int defer_bfree(void *arg, uint32_t ag, uint32_t agbno)
{
	struct intent_defer_sink *k = arg;

	return xlog_intent_defer(k->f, k->d, &(struct intent_work){ .ag = ag, .agbno = agbno, .len = 1,
								     .owner = RMAP_OWN_REFC });
}

int xlog_refc_work(struct fin *f, uint32_t ag, uint32_t type, uint32_t *agbno, uint32_t *len, struct refc_tx *tx,
		   struct intent_defer *d)
{
	struct intent_defer_sink k = { f, d };
	struct refc_sink q = { defer_free, &k, defer_bfree };

	if (type != REFC_INCREASE && type != REFC_DECREASE)
		return xlog_fin_refuse(f, "a requeued refcount update of type %u", type);
	return xlog_refc_adjust(f, ag, type == REFC_INCREASE ? 1 : -1, agbno, len, tx, &q);
}

int xlog_intent_refcount(struct fin *f, const struct xlog_ext *x, struct intent_defer *d, struct refc_tx *tx)
{
	xfs_fs *fs = f->log->fs;
	uint32_t type = x->flags & 0xffu;
	uint32_t ag = (uint32_t)(x->startblock >> fs->sb.agblklog);
	uint32_t agbno = (uint32_t)(x->startblock & ((1ull << fs->sb.agblklog) - 1));
	uint32_t len = (uint32_t)x->len;
	int err;

	if (type < REFC_INCREASE || type > REFC_FREE_COW)
		return xlog_fin_refuse(f, "refcount update type %u unknown", type);
	/* xfs_cui_validate_phys: xfs_verify_fsbext, the extent inside one AG past its headers */
	if (ag >= fs->sb.agcount || x->len != len || !xfs_verify_agbext(fs, ag, agbno, len))
		return xlog_fin_refuse(f, "extent fsb %llu+%llu out of its AG", (unsigned long long)x->startblock,
				       (unsigned long long)x->len);
	if (tx->requeue) {
		/* after a leftover, xfs_cui_item_recover requeues the rest whole; a CoW one would queue its
		 * rmap update again too (xfs_refcount_alloc_cow_extent) */
		if (type == REFC_ALLOC_COW || type == REFC_FREE_COW)
			return xlog_fin_refuse(f, "a CoW refcount update requeued after a leftover (not done)");
		return xlog_intent_defer(f, d, &(struct intent_work){ .ag = ag, .agbno = agbno, .len = len,
								       .rflags = type, .rtype = INTENT_REFC });
	}
	if (type == REFC_ALLOC_COW || type == REFC_FREE_COW) {
		struct intent_defer_sink k = { f, d };
		struct refc_sink q = { defer_free, &k, defer_bfree };
		f->refc_bfree = &q; /* a FREE_COW's join or killed root: its block's free queued */
		err = cow_adjust(f, ag, type == REFC_ALLOC_COW, agbno, len);
		f->refc_bfree = NULL;
		return err;
	}
	if ((err = xlog_refc_work(f, ag, type, &agbno, &len, tx, d)) || len == 0)
		return err;
	/* out of log reservation: the rest requeued (xfs_refcount_increase_extent / _decrease_extent) */
	tx->requeue = true;
	XFIN_COUNT(f, XFC_CUI_REQUEUE);
	return xlog_intent_defer(f, d, &(struct intent_work){ .ag = ag, .agbno = agbno, .len = len, .rflags = type,
							       .rtype = INTENT_REFC });
}
