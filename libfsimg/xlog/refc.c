/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reflink inode's extent unmapped: xfs_bmap_del_extent_real queues a
 * refcount decrease (a CUI item) instead of the free. Finishing it
 * (xfs_refcount_finish_one -> xfs_refcount_adjust, Linux 6.1) splits the
 * records that cross either end of the range (xfs_refcount_split_extent),
 * merges the range's ends with their neighbours where the adjusted counts
 * would be equal (xfs_refcount_merge_extents: center, left, right), then
 * walks the rest (xfs_refcount_adjust_extents): a hole (refcount 1, not
 * recorded) is freed, a record of 2 is deleted (1 is not recorded), a
 * higher one is lowered. The frees are queued (xfs_free_extent_later) and
 * come back to the caller in that order.
 *
 * Done where it is exact: the refcount btree a single leaf (the root) that
 * keeps room for what is inserted; the records move as xfs_btree_insrec and
 * xfs_btree_delrec move them (a deleted slot keeps its bytes past the
 * count). Anything else is refused, naming it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/finish.h"

#define XFS_REFC_COWFLAG (1u << 31)
#define XFS_REFC_CRC_MAGIC 0x52334643u /* R3FC */
#define MAXREFCEXTLEN ((1u << 31) - 1)
#define MAXREFCOUNT 0xffffffffu
#define NULLAGBLOCK 0xffffffffu
#define REFC_OPS_MAX 64u /* far below what an itruncate reservation holds */

struct rleaf {
	struct blk *b;
	uint8_t *rec;
	uint32_t n, max;
};

struct rc { uint32_t start, len, refc; };

static struct rc rget(const struct rleaf *l, uint32_t i)
{
	const uint8_t *r = l->rec + (size_t)i * REFC_REC_LEN;
	struct rc x = { get_be32(r), get_be32(r + 4), get_be32(r + 8) };
	return x;
}

/* (rset and rdelete ignore an index past the records: the records were checked, so the
 * lookups that give it find what they look for) */
static void rset(struct rleaf *l, uint32_t i, struct rc x)
{
	uint8_t *r = l->rec + (size_t)i * REFC_REC_LEN;

	if (i >= l->n)
		return;
	put_be32(r, x.start);
	put_be32(r + 4, x.len);
	put_be32(r + 8, x.refc);
	l->b->dirty = true;
}

/* xfs_refcount_lookup_le: the last record starting at or before bno, else -1 */
static int64_t lookup_le(const struct rleaf *l, uint32_t bno)
{
	int64_t i = -1;

	while (i + 1 < l->n && get_be32(l->rec + (size_t)(i + 1) * REFC_REC_LEN) <= bno)
		i++;
	return i;
}

/* xfs_refcount_lookup_ge: the first record starting at or after bno (n: none) */
static uint32_t lookup_ge(const struct rleaf *l, uint32_t bno)
{
	uint32_t i = 0;

	while (i < l->n && get_be32(l->rec + (size_t)i * REFC_REC_LEN) < bno)
		i++;
	return i;
}

static void rdelete(struct rleaf *l, uint32_t i)
{
	if (i >= l->n)
		return;
	memmove(l->rec + (size_t)i * REFC_REC_LEN, l->rec + (size_t)(i + 1) * REFC_REC_LEN,
		(size_t)(l->n - i - 1) * REFC_REC_LEN);
	l->n--;
	put_be16(l->b->b + 6, (uint16_t)l->n);
	l->b->dirty = true;
}

static int rinsert(struct fin *f, struct rleaf *l, struct rc x)
{
	uint32_t i = lookup_ge(l, x.start);

	if (l->n >= l->max)
		return xlog_fin_refuse(f, "a refcount btree leaf would split (not done yet)");
	memmove(l->rec + (size_t)(i + 1) * REFC_REC_LEN, l->rec + (size_t)i * REFC_REC_LEN,
		(size_t)(l->n - i) * REFC_REC_LEN);
	l->n++;
	put_be16(l->b->b + 6, (uint16_t)l->n);
	rset(l, i, x);
	return 0;
}

/* xfs_refcount_split_extent: a record crossing bno becomes two. *changed when it did. */
static int split_at(struct fin *f, struct rleaf *l, uint32_t bno, bool *changed)
{
	int64_t i = lookup_le(l, bno);
	struct rc x, right;

	*changed = false;
	if (i < 0)
		return 0;
	x = rget(l, (uint32_t)i);
	if (x.start == bno || (uint64_t)x.start + x.len <= bno)
		return 0;
	*changed = true;
	right = x;
	right.start = bno;
	right.len -= bno - x.start;
	rset(l, (uint32_t)i, right);
	x.len = bno - x.start;
	return rinsert(f, l, x);
}

static int queue_free(struct fin *f, struct efree *out, uint32_t *nout, uint32_t max, uint32_t ag,
		      uint32_t bno, uint32_t len)
{
	if (*nout >= max)
		return xlog_fin_refuse(f, "more than %u frees from one round's refcount decreases", max);
	out[*nout].ag = ag;
	out[*nout].agbno = bno;
	out[*nout].len = len;
	out[*nout].owner = (uint64_t)-1; /* XFS_RMAP_OWN_NULL: the unmap removed the rmap */
	out[*nout].rflags = 0;
	(*nout)++;
	return 0;
}

/* xfs_refcount_merge_extents with adjust -1 (shared domain); *changed when it merged */
static int merge(struct rleaf *l, uint32_t *agbno, uint32_t *aglen, bool *changed)
{
	struct rc left = { NULLAGBLOCK, 0, 0 }, cleft = { NULLAGBLOCK, 0, 0 };
	struct rc right = { NULLAGBLOCK, 0, 0 }, cright = { NULLAGBLOCK, 0, 0 };
	uint32_t bno = *agbno, len = *aglen, end = bno + len;
	int64_t i;
	uint32_t j;
	bool cequal;

	*changed = false;
	/* xfs_refcount_find_left_extents */
	i = lookup_le(l, bno - 1);
	if (i >= 0) {
		struct rc t = rget(l, (uint32_t)i);
		if ((uint64_t)t.start + t.len == bno && t.refc >= 2) {
			left = t;
			if ((uint32_t)i + 1 < l->n) {
				t = rget(l, (uint32_t)i + 1);
				if (t.start == bno) {
					cleft = t;
				} else {
					cleft.start = bno;
					cleft.len = t.start - bno < len ? t.start - bno : len;
					cleft.refc = 1;
				}
			} else {
				cleft = (struct rc){ bno, len, 1 };
			}
		}
	}
	/* xfs_refcount_find_right_extents */
	j = lookup_ge(l, end);
	if (j < l->n) {
		struct rc t = rget(l, j);
		if (t.start == end && t.refc >= 2) {
			right = t;
			if (j > 0) {
				t = rget(l, j - 1);
				if ((uint64_t)t.start + t.len == end) {
					cright = t;
				} else {
					cright.start = t.start + t.len > bno ? t.start + t.len : bno;
					cright.len = right.start - cright.start;
					cright.refc = 1;
				}
			} else {
				cright = (struct rc){ bno, len, 1 };
			}
		}
	}
	if (left.start == NULLAGBLOCK && right.start == NULLAGBLOCK)
		return 0;
	cequal = cleft.start == cright.start && cleft.len == cright.len;
	/* center: left, cleft and right become left */
	if (cequal && left.start != NULLAGBLOCK && right.start != NULLAGBLOCK &&
	    left.refc == cleft.refc - 1 && right.refc == cleft.refc - 1 &&
	    (uint64_t)left.len + cleft.len + right.len < MAXREFCEXTLEN) {
		*changed = true;
		j = lookup_ge(l, cleft.start);
		rdelete(l, j);
		if (cleft.refc > 1)
			rdelete(l, j);
		left.len += cleft.len + right.len;
		rset(l, (uint32_t)lookup_le(l, left.start), left);
		*aglen = 0;
		return 0;
	}
	/* left and cleft */
	if (left.start != NULLAGBLOCK && left.refc == cleft.refc - 1 &&
	    (uint64_t)left.len + cleft.len < MAXREFCEXTLEN) {
		*changed = true;
		if (cleft.refc > 1)
			rdelete(l, (uint32_t)lookup_le(l, cleft.start));
		left.len += cleft.len;
		rset(l, (uint32_t)lookup_le(l, left.start), left);
		*agbno += cleft.len;
		*aglen -= cleft.len;
		if (cequal)
			return 0;
	}
	/* cright and right */
	if (right.start != NULLAGBLOCK && right.refc == cright.refc - 1 &&
	    (uint64_t)right.len + cright.len < MAXREFCEXTLEN) {
		*changed = true;
		if (cright.refc > 1)
			rdelete(l, (uint32_t)lookup_le(l, cright.start));
		right.start -= cright.len;
		right.len += cright.len;
		rset(l, (uint32_t)lookup_le(l, right.start + cright.len), right);
		*aglen -= cright.len;
	}
	return 0;
}

int xlog_fin_refc_leaf(struct fin *f, uint32_t ag, struct blk **leaf)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, root, level;
	struct blk *agf, *b;
	int err;

	if ((err = xlog_fin_agf(f, ag, &agf)))
		return err;
	root = get_be32(agf->b + offsetof(struct xfs_agf, agf_refcount_root));
	level = get_be32(agf->b + offsetof(struct xfs_agf, agf_refcount_level));
	if (level != 1)
		return xlog_fin_refuse(f, "AG %u: a refcount btree of %u levels (not done yet)", ag, level);
	if (root == 0 || root >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "AG %u: refcount btree root %u out of the AG", ag, root);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, root), bs / XLOG_BBSIZE, K_BTREE, &b)))
		return err;
	if (get_be32(b->b) != XFS_REFC_CRC_MAGIC || get_be16(b->b + 4) != 0 ||
	    get_be16(b->b + 6) > (bs - SBLOCK_CRC_LEN) / REFC_REC_LEN ||
	    get_be32(b->b + 8) != NULLAGBLOCK || get_be32(b->b + 12) != NULLAGBLOCK)
		return xlog_fin_refuse(f, "AG %u: refcount btree block %u is not a root leaf", ag, root);
	*leaf = b;
	return 0;
}

int xlog_fin_refc_decrease(struct fin *f, uint32_t ag, uint32_t agbno, uint32_t aglen, struct efree *out,
			   uint32_t *nout, uint32_t max)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, ops = 0;
	struct rleaf l;
	bool c1, c2, c3;
	int err;

	if (agbno == 0 || aglen == 0 || agbno >= fs->sb.agblocks || aglen > fs->sb.agblocks - agbno)
		return xlog_fin_refuse(f, "extent %u+%u out of its AG", agbno, aglen);
	if ((err = xlog_fin_refc_leaf(f, ag, &l.b)))
		return err;
	l.rec = l.b->b + SBLOCK_CRC_LEN;
	l.n = get_be16(l.b->b + 6);
	l.max = (bs - SBLOCK_CRC_LEN) / REFC_REC_LEN;
	for (uint32_t i = 0; i + 1 < l.n; i++) {
		struct rc a = rget(&l, i), b = rget(&l, i + 1);
		if (a.len == 0 || (!(a.start & XFS_REFC_COWFLAG) && (a.refc < 2 || (uint64_t)a.start + a.len > b.start)))
			return xlog_fin_refuse(f, "AG %u: refcount record %u is not what it should be", ag, i);
	}

	/* xfs_refcount_adjust: the ends split, then merged */
	if ((err = split_at(f, &l, agbno, &c1)) || (err = split_at(f, &l, agbno + aglen, &c2)))
		return err;
	merge(&l, &agbno, &aglen, &c3);

	/* xfs_refcount_adjust_extents */
	for (uint32_t i = lookup_ge(&l, agbno); aglen > 0;) {
		struct rc x = i < l.n ? rget(&l, i) : (struct rc){ fs->sb.agblocks, 0, 0 };
		if (x.start != agbno) {
			/* a hole: refcount 1, freed */
			uint32_t hl = x.start - agbno < aglen ? x.start - agbno : aglen;
			if ((err = queue_free(f, out, nout, max, ag, agbno, hl)))
				return err;
			ops++;
			agbno += hl;
			aglen -= hl;
			if (aglen == 0)
				break;
			i = lookup_ge(&l, agbno);
			x = i < l.n ? rget(&l, i) : (struct rc){ fs->sb.agblocks, 0, 0 };
		}
		if (x.len == 0 || x.len > aglen || x.start != agbno)
			return xlog_fin_refuse(f, "AG %u: the refcount records do not cover %u+%u as the "
					       "adjustment expects", ag, agbno, aglen);
		ops++;
		if (x.refc == MAXREFCOUNT) {
			i++;
		} else if (x.refc > 2) {
			x.refc--;
			rset(&l, i, x);
			i++;
		} else {
			rdelete(&l, i);
		}
		agbno += x.len;
		aglen -= x.len;
	}
	if (ops > REFC_OPS_MAX)
		return xlog_fin_refuse(f, "a refcount decrease of %u operations (it may span transactions)", ops);
	return 0;
}
