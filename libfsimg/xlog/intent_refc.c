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
 * Done where no split or merge can happen, which is exact without
 * reproducing them: no record touches the range (a gap: an increase inserts
 * a record of refcount 2, a decrease frees the blocks), or one record is the
 * range exactly with nothing next to it (its refcount moves by one, a
 * record reaching 1 deleted). The refcount btree must be a single leaf with
 * room.
 *
 * CoW staging changes (xfs_refcount_adjust_cow, in the CoW domain: start
 * blocks with bit 31 set, sorting after the shared ones), in a refcount
 * btree of any height through agbt.c: ALLOC_COW gives a range no staging
 * record holds a record of refcount 1 (shifting to a sibling where the leaf
 * is full; a split, which needs a new block from a NEAR allocation, is
 * refused), FREE_COW deletes the record that is the range exactly with
 * refcount 1 (borrowing, joining, killing the root). Refused where the
 * kernel would split a record or merge the new one with a staging record
 * next to it.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/intent.h"
#include "xlog/refc.h"

#define MAXREFCOUNT 0xffffffffu
#define NULLAGBLOCK 0xffffffffu
/* pe_flags' type (xfs_refcount_intent_type) */
#define REFC_INCREASE 1u
#define REFC_DECREASE 2u
#define REFC_ALLOC_COW 3u
#define REFC_FREE_COW 4u
#define MAXREFCEXTLEN ((1u << 31) - 1)

static uint8_t *rec(struct blk *b, uint32_t i)
{
	return b->b + SBLOCK_CRC_LEN + (size_t)i * REFC_REC_LEN;
}

/* xfs_btree_insert of {start, len, refc} at record at of the leaf's n (room checked). */
static void leaf_insert(struct blk *leaf, uint32_t n, uint32_t at, uint32_t start, uint32_t len, uint32_t refc)
{
	memmove(rec(leaf, at + 1), rec(leaf, at), (size_t)(n - at) * REFC_REC_LEN);
	put_be32(rec(leaf, at), start);
	put_be32(rec(leaf, at) + 4, len);
	put_be32(rec(leaf, at) + 8, refc);
	put_be16(leaf->b + 6, (uint16_t)(n + 1));
	leaf->dirty = true;
}

/* xfs_refcount_adjust_cow of [agbno, agbno + len) (alloc: ALLOC_COW, else FREE_COW) in a refcount
 * btree of any height (agbt). The ends split and the neighbours merged first
 * (xfs_refcount_split_extent, xfs_refcount_merge_extents): refused where either would
 * change a record, which the lookups tell: the last staging record starting at or before the
 * range and the first starting at or after it. Then xfs_refcount_adjust_cow_extents:
 * lookup_ge, an insert of {agbno, len, 1} or the delete of the record that is the range. */
static int cow_adjust(struct fin *f, uint32_t ag, bool alloc, uint32_t agbno, uint32_t len)
{
	uint32_t key = agbno | XFS_REFC_COWFLAG;
	uint64_t end = (uint64_t)key + len;
	struct agbt_cur c;
	const uint8_t *r;
	uint8_t nrec[REFC_REC_LEN];
	int stat, err;

	if (len > MAXREFCEXTLEN)
		return xlog_fin_refuse(f, "AG %u: a CoW staging extent of %u blocks", ag, len);
	if ((err = xlog_refc_cur(f, ag, &c)) || (err = xlog_refc_lookup(&c, AGBT_LOOKUP_LE, key, &r, &stat)))
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

int xlog_intent_refcount(struct fin *f, const struct xlog_ext *x, struct intent_defer *d)
{
	xfs_fs *fs = f->log->fs;
	uint32_t type = x->flags & 0xffu, bs = fs->blocksize;
	uint32_t ag = (uint32_t)(x->startblock >> fs->sb.agblklog);
	uint32_t agbno = (uint32_t)(x->startblock & ((1ull << fs->sb.agblklog) - 1));
	uint32_t len = (uint32_t)x->len, n, max, i, touch = 0, at = 0, first = UINT32_MAX;
	struct blk *leaf;
	int err;

	if (type < REFC_INCREASE || type > REFC_FREE_COW)
		return xlog_fin_refuse(f, "refcount update type %u unknown", type);
	if (ag >= fs->sb.agcount || len == 0 || x->len > fs->sb.agblocks || agbno >= fs->sb.agblocks ||
	    len > fs->sb.agblocks - agbno)
		return xlog_fin_refuse(f, "extent fsb %llu+%llu out of its AG", (unsigned long long)x->startblock,
				       (unsigned long long)x->len);
	if (type == REFC_ALLOC_COW || type == REFC_FREE_COW)
		return cow_adjust(f, ag, type == REFC_ALLOC_COW, agbno, len);
	if ((err = xlog_fin_refc_leaf(f, ag, &leaf)))
		return err;
	n = get_be16(leaf->b + 6);
	max = (bs - SBLOCK_CRC_LEN) / REFC_REC_LEN;

	/* the shared-domain records (the CoW domain sorts after them) touching the range */
	for (i = 0; i < n; i++) {
		uint32_t s = get_be32(rec(leaf, i)), l = get_be32(rec(leaf, i) + 4);
		if (s & XFS_REFC_COWFLAG)
			break;
		if (s <= agbno)
			at = i + 1;
		if ((uint64_t)s <= (uint64_t)agbno + len && (uint64_t)s + l >= agbno) {
			touch++;
			if (first == UINT32_MAX)
				first = i;
		}
	}
	if (touch == 0) {
		if (type == REFC_DECREASE)
			return xlog_intent_defer_free(f, d, ag, agbno, len);
		/* xfs_refcount_adjust_extents: a gap becomes a record of refcount 2 (xfs_btree_insert) */
		if (n >= max)
			return xlog_fin_refuse(f, "AG %u: the refcount leaf would split (not done yet)", ag);
		leaf_insert(leaf, n, at, agbno, len, 2);
		return 0;
	}
	if (touch == 1 && get_be32(rec(leaf, first)) == agbno && get_be32(rec(leaf, first) + 4) == len) {
		uint32_t rc = get_be32(rec(leaf, first) + 8);
		if (rc < 2)
			return xlog_fin_refuse(f, "AG %u: refcount record %u+%u has refcount %u", ag, agbno, len, rc);
		if (type == REFC_INCREASE) {
			if (rc != MAXREFCOUNT)
				put_be32(rec(leaf, first) + 8, rc + 1);
		} else if (rc == MAXREFCOUNT) {
			/* a pinned record stays */
		} else if (rc - 1 > 1) {
			put_be32(rec(leaf, first) + 8, rc - 1);
		} else {
			/* xfs_btree_delete: the records after it shift down, the last slot keeps its bytes */
			memmove(rec(leaf, first), rec(leaf, first + 1), (size_t)(n - first - 1) * REFC_REC_LEN);
			put_be16(leaf->b + 6, (uint16_t)(n - 1));
		}
		leaf->dirty = true;
		return 0;
	}
	return xlog_fin_refuse(f, "AG %u: refcount records at or next to %u+%u would split or merge (not done yet)",
			       ag, agbno, len);
}
