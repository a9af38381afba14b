/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xfs_repair -n's phase 4 searches two AG btrees by key: check_refcounts
 * looks each shared run up in the refcount btree, rmaps_verify_btree each
 * reverse mapping in the rmapbt (xfs_btree_lookup, LOOKUP_LE), and on a
 * reflink filesystem searches the rmapbt again by range where that finds
 * nothing good (xfs_rmap_lookup_le_range: xfs_btree_overlapped_query_range
 * for the one point). Where the walk met node keys that are not their
 * children's (out of order, or not a child's first key), whether a record
 * is still found depends on which keys each search compares: so every
 * record of such a tree is searched for here the way libxfs searches,
 * reading the nodes as they are, and the ones not found are
 * XFS_BTREE_KEY_LOOKUP (xfs_repair: "Missing ... record"; the refcount
 * btree's CoW staging records are never looked up). Only trees the
 * walk read whole (no bad block) and whose keys were odd come here; the
 * reads are bounded by the tree's size.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/xfs/xbtree.h"

struct lk {
	struct xc_bt *bt;
	unsigned levels, hl, kstride;
	uint8_t *path[XC_MAXLEVELS]; /* the search's block at each level, */
	uint32_t pbno[XC_MAXLEVELS]; /* and its number (XC_NULLAGBLOCK: none) */
	uint8_t *walkb[XC_MAXLEVELS];
	uint8_t *qb[XC_MAXLEVELS];   /* the range query's blocks */
	uint64_t reads, budget;
	bool failed;                 /* a block not read, or the budget spent: no verdict */
	uint64_t missed;
	uint32_t first_bno, first_rec;
};

/* Reads block bno of the AG into b; false when it cannot (or the budget is spent). */
static bool lk_read(struct lk *l, uint8_t *b, uint32_t bno)
{
	struct xcheck *x = l->bt->x;

	if (l->reads >= l->budget || !xc_agbno_ok(x, l->bt->agno, bno) ||
	    xfs_read_fsb(x->x, b, xfs_agb_to_fsb(x->x, l->bt->agno, bno), 1) < 0) {
		l->failed = true;
		return false;
	}
	l->reads++;
	return true;
}

static unsigned nrecs(const struct lk *l, const uint8_t *b, unsigned level)
{
	unsigned n = get_be16(b + 6), max = l->bt->maxrecs[level ? 1 : 0];

	return n > max ? max : n;
}

static const uint8_t *node_key(const struct lk *l, const uint8_t *b, unsigned i)
{
	return b + l->hl + (size_t)i * l->kstride;
}

static uint32_t node_ptr(const struct lk *l, const uint8_t *b, unsigned i)
{
	return get_be32(b + l->hl + (size_t)l->bt->maxrecs[1] * l->kstride + (size_t)i * 4);
}

static const uint8_t *leaf_rec(const struct lk *l, const uint8_t *b, unsigned i)
{
	return b + l->hl + (size_t)i * l->bt->t->rec_len;
}

/*
 * xfs_btree_lookup(LOOKUP_LE) for key q from the root: a binary search of
 * each block (1-based, as libxfs), a node's entry one left where its key is
 * past q (never below the first), the first entry of every lower block once
 * a key equalled q; at the leaf, the record at or before q. True when that
 * record's key is q.
 */
static bool lookup_le(struct lk *l, uint32_t root, const uint8_t *q)
{
	const struct xc_bt_type *t = l->bt->t;
	uint8_t rk[XC_KEYMAX];
	uint32_t bno = root;
	int diff = 1;
	unsigned keyno = 0;

	for (unsigned level = l->levels; level-- > 0;) {
		uint8_t *b = l->path[level];
		unsigned n;

		if (l->pbno[level] != bno) {
			l->pbno[level] = XC_NULLAGBLOCK;
			if (!lk_read(l, b, bno))
				return false;
			l->pbno[level] = bno;
		}
		n = nrecs(l, b, level);
		if (n == 0)
			return false;
		if (diff == 0) {
			keyno = 1;
		} else {
			unsigned low = 1, high = n;

			while (low <= high) {
				const uint8_t *k;

				keyno = (low + high) >> 1;
				if (level > 0) {
					k = node_key(l, b, keyno - 1);
				} else {
					t->rec_key(rk, leaf_rec(l, b, keyno - 1));
					k = rk;
				}
				diff = t->key_cmp(k, q);
				if (diff < 0)
					low = keyno + 1;
				else if (diff > 0)
					high = keyno - 1;
				else
					break;
			}
		}
		if (level > 0) {
			if (diff > 0 && --keyno < 1)
				keyno = 1;
			bno = node_ptr(l, b, keyno - 1);
		} else if (diff > 0) {
			keyno--;
		}
	}
	if (keyno == 0)
		return false;
	t->rec_key(rk, leaf_rec(l, l->path[0], keyno - 1));
	return t->key_cmp(rk, q) == 0;
}

/*
 * xfs_btree_overlapped_query_range for the point q: in each block the
 * entries in order, none past the first whose low key is after q, into
 * every child whose high key is at or after q; found at a record of q's
 * owner that covers q (xfs_rmap_lookup_le_range_helper: owner, then the
 * range; the rmap key's owner is bytes 4-11).
 */
static bool query_point(struct lk *l, uint32_t bno, unsigned level, const uint8_t *q)
{
	const struct xc_bt_type *t = l->bt->t;
	uint8_t *b = l->qb[level];
	unsigned n;

	if (!lk_read(l, b, bno))
		return false;
	n = nrecs(l, b, level);
	for (unsigned i = 0; i < n; i++) {
		uint8_t lo[XC_KEYMAX], hi[XC_KEYMAX];

		if (level > 0) {
			memcpy(lo, node_key(l, b, i), t->key_len);
			memcpy(hi, node_key(l, b, i) + t->key_len, t->key_len);
		} else {
			t->rec_key(lo, leaf_rec(l, b, i));
			t->rec_high_key(hi, leaf_rec(l, b, i));
		}
		if (t->key_cmp(lo, q) > 0)
			return false;
		if (t->key_cmp(hi, q) < 0)
			continue;
		if (level == 0) {
			if (memcmp(lo + 4, q + 4, 8) == 0)
				return true;
			continue;
		}
		if (query_point(l, node_ptr(l, b, i), level - 1, q))
			return true;
	}
	return false;
}

/* Every record below bno, depth first, each searched for from the root. */
static void each_record(struct lk *l, uint32_t root, uint32_t bno, unsigned level)
{
	const struct xc_bt_type *t = l->bt->t;
	uint8_t *b = l->walkb[level];
	unsigned n;

	if (!lk_read(l, b, bno))
		return;
	n = nrecs(l, b, level);
	for (unsigned i = 0; i < n; i++) {
		if (level > 0) {
			each_record(l, root, node_ptr(l, b, i), level - 1);
			continue;
		}
		uint8_t q[XC_KEYMAX];
		bool found;

		/* check_refcounts looks up the shared runs the files make: never a CoW staging record */
		if (t->owner == XO_REFCBT && (get_be32(leaf_rec(l, b, i)) & XFS_REFC_COWFLAG))
			continue;
		t->rec_key(q, leaf_rec(l, b, i));
		found = lookup_le(l, root, q);
		if (!found && t->overlapping &&
		    (l->bt->x->sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK))
			found = query_point(l, root, l->levels - 1, q);
		if (!found && l->missed++ == 0) {
			l->first_bno = bno;
			l->first_rec = i;
		}
	}
}

void xc_bt_lookups(struct xc_bt *bt, uint32_t root, unsigned levels)
{
	struct xcheck *x = bt->x;
	struct lk l;
	bool ok = levels > 0 && levels <= XC_MAXLEVELS;

	memset(&l, 0, sizeof(l));
	l.bt = bt;
	l.levels = levels;
	l.hl = xc_bt_hdr_len(x);
	l.kstride = bt->t->key_len * (bt->t->overlapping ? 2u : 1u);
	/* a search per record (levels reads at most), a range query's a few more */
	l.budget = (bt->blocks + 1) * 4u * (uint64_t)levels * (uint64_t)(bt->maxrecs[0] + 1);
	for (unsigned i = 0; ok && i < levels; i++) {
		l.path[i] = malloc(x->sb->blocksize);
		l.walkb[i] = malloc(x->sb->blocksize);
		l.qb[i] = malloc(x->sb->blocksize);
		l.pbno[i] = XC_NULLAGBLOCK;
		ok = l.path[i] && l.walkb[i] && l.qb[i];
	}
	if (ok)
		each_record(&l, root, root, levels - 1);
	for (unsigned i = 0; i < levels && i < XC_MAXLEVELS; i++) {
		free(l.path[i]);
		free(l.walkb[i]);
		free(l.qb[i]);
	}
	if (l.missed && !l.failed)
		xc_bt_report(bt, PR_XFS_BTREE_KEY_LOOKUP, l.first_bno, l.missed,
			     ": %llu records are not found by xfs_repair's search through the node keys"
			     " (the first: record %u of block %u)",
			     (unsigned long long)l.missed, l.first_rec, l.first_bno);
}
