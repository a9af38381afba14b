/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A shared extent's refcount raised or lowered by one, as Linux 6.1's
 * xfs_refcount_adjust does it (fs/xfs/libxfs/xfs_refcount.c), on a refcount
 * btree of any height through agbt.c (refc_bt.c):
 *
 *  - xfs_refcount_split_extent at both ends: a shared record crossing the
 *    range's start or end becomes two (the right part updated in place, the
 *    left inserted before it);
 *  - xfs_refcount_merge_extents: the shared records just left of the range
 *    (left, and cleft: the record at its start or the refcount-1 gap
 *    there) and just right (cright, right), merged where the adjusted count
 *    equals the shoulder's (xfs_refc_merge_refcount: a record at
 *    MAXREFCOUNT stays there) and the result is below MAXREFCEXTLEN:
 *    center (one record for the range), else left, else right;
 *  - xfs_refcount_adjust_extents over what is left: a gap (refcount 1, no
 *    record) becomes a record of 2 on an increase, or is freed on a
 *    decrease (xfs_free_extent_later: no owner, XFS_AG_RESV_NONE); a
 *    record moves by one, reaching 1 is deleted, at MAXREFCOUNT stays;
 *  - between steps xfs_refcount_still_have_space: with operations done in
 *    this transaction, the worst-case cost of its shape changes (full splits
 *    of the free space and rmap btrees each, plus the refcount btree's
 *    height, in blocks) and 32 bytes an operation must stay below the
 *    transaction's log reservation (tr_itruncate, which CUI recovery and
 *    the captured work use); else the rest is left over (new_agbno,
 *    new_aglen) for the caller to requeue.
 *
 * A record that xfs_refcount_get_rec would reject (zero or too long,
 * shared with a count below 2, CoW with a count not 1, out of the AG) and
 * any step the kernel checks as corruption is refused, naming it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/refc.h"

#define MAXREFCEXTLEN ((1u << 31) - 1)
#define MAXREFCOUNT 0xffffffffu
#define NULLAGBLOCK 0xffffffffu
#define REFC_ITEM_OVERHEAD 32u /* XFS_REFCOUNT_ITEM_OVERHEAD */

/* xfs_refcount_irec with its domain */
struct rirec { uint32_t start, len, refc; bool cow; };

static uint32_t rnext(const struct rirec *r) { return r->start + r->len; }

/* xfs_refcount_get_rec: *stat 0 off the records. 0 or 1 (a bad record). */
static int get_rec(struct agbt_cur *c, struct rirec *r, int *stat)
{
	const uint8_t *p = agbt_get(c);
	uint32_t s;

	*stat = 0;
	if (!p)
		return 0;
	s = get_be32(p);
	r->len = get_be32(p + 4);
	r->refc = get_be32(p + 8);
	r->cow = (s & XFS_REFC_COWFLAG) != 0;
	r->start = s & ~XFS_REFC_COWFLAG;
	if (r->len == 0 || r->len > MAXREFCEXTLEN || (r->cow ? r->refc != 1 : r->refc < 2) ||
	    !xfs_verify_agbext(c->f->log->fs, c->ag, r->start, r->len))
		return xlog_fin_refuse(c->f, "AG %u: refcount record %u+%u (refcount %u%s) is not valid", c->ag,
				       r->start, r->len, r->refc, r->cow ? ", CoW" : "");
	*stat = 1;
	return 0;
}

/* get_rec where the kernel's XFS_IS_CORRUPT wants a record */
static int must_get(struct agbt_cur *c, struct rirec *r)
{
	int stat, err;

	if ((err = get_rec(c, r, &stat)))
		return err;
	return stat ? 0 : xlog_fin_refuse(c->f, "AG %u: a refcount record the adjustment expects is not there", c->ag);
}

static int lookup(struct agbt_cur *c, int dir, bool cow, uint32_t bno, int *stat)
{
	const uint8_t *r;

	return xlog_refc_lookup(c, dir, bno | (cow ? XFS_REFC_COWFLAG : 0), &r, stat);
}

/* a lookup the kernel checks found something */
static int must_lookup(struct agbt_cur *c, int dir, bool cow, uint32_t bno)
{
	int stat, err;

	if ((err = lookup(c, dir, cow, bno, &stat)))
		return err;
	return stat ? 0 : xlog_fin_refuse(c->f, "AG %u: no refcount record at %u where the adjustment expects one",
					  c->ag, bno);
}

static void enc(uint8_t *rec, const struct rirec *r)
{
	put_be32(rec, r->start | (r->cow ? XFS_REFC_COWFLAG : 0));
	put_be32(rec + 4, r->len);
	put_be32(rec + 8, r->refc);
}

static int update(struct agbt_cur *c, const struct rirec *r)
{
	uint8_t rec[REFC_REC_LEN];

	enc(rec, r);
	return agbt_update(c, rec);
}

static int insert(struct agbt_cur *c, const struct rirec *r)
{
	uint8_t rec[REFC_REC_LEN];
	int stat, err;

	enc(rec, r);
	if ((err = agbt_insert(c, rec, &stat)))
		return err;
	return stat == 1 ? 0 : xlog_fin_refuse(c->f, "AG %u: refcount record %u+%u would not go in", c->ag, r->start,
					       r->len);
}

/* xfs_refcount_delete: the record under the cursor, then the cursor back where it was */
static int delete(struct agbt_cur *c)
{
	struct rirec r;
	int stat, err;

	if ((err = must_get(c, &r)) || (err = agbt_delete(c, &stat)))
		return err;
	if (stat != 1)
		return xlog_fin_refuse(c->f, "AG %u: refcount record %u+%u would not go", c->ag, r.start, r.len);
	return lookup(c, AGBT_LOOKUP_GE, r.cow, r.start, &stat);
}

/* xfs_refcount_split_extent: the record of the domain (cow: the CoW staging one) crossing
 * agbno split there */
static int split_extent(struct agbt_cur *c, bool cow, uint32_t agbno, bool *changed)
{
	struct rirec r, t;
	int stat, err;

	*changed = false;
	if ((err = lookup(c, AGBT_LOOKUP_LE, cow, agbno, &stat)) || !stat)
		return err;
	if ((err = must_get(c, &r)))
		return err;
	if (r.cow != cow || r.start == agbno || rnext(&r) <= agbno)
		return 0;
	*changed = true;
	XFIN_COUNT(c->f, XFC_REFC_SPLIT_EXTENT);
	t = r;
	t.start = agbno;
	t.len -= agbno - r.start;
	if ((err = update(c, &t)))
		return err;
	t = r;
	t.len = agbno - r.start;
	return insert(c, &t);
}

int xlog_refc_cow_split(struct agbt_cur *c, uint32_t agbno, uint32_t len)
{
	bool changed;
	int err = split_extent(c, true, agbno, &changed);

	return err ? err : split_extent(c, true, agbno + len, &changed);
}

static const struct rirec NOREC = { NULLAGBLOCK, 0, 0, false };

static bool valid(const struct rirec *r) { return r->start != NULLAGBLOCK; }

/* xfs_refcount_find_left_extents */
static int find_left(struct agbt_cur *c, struct rirec *left, struct rirec *cleft, uint32_t agbno, uint32_t aglen)
{
	struct rirec t;
	int stat, err;

	*left = *cleft = NOREC;
	if ((err = lookup(c, AGBT_LOOKUP_LE, false, agbno - 1, &stat)) || !stat)
		return err;
	if ((err = must_get(c, &t)))
		return err;
	if (t.cow || rnext(&t) != agbno)
		return 0;
	*left = t;
	if ((err = agbt_increment(c, 0, &stat)))
		return err;
	if (stat) {
		if ((err = must_get(c, &t)))
			return err;
		if (!t.cow) {
			if (t.start == agbno) {
				*cleft = t;
			} else {
				*cleft = (struct rirec){ agbno, t.start - agbno < aglen ? t.start - agbno : aglen, 1,
							 false };
			}
			return 0;
		}
	}
	*cleft = (struct rirec){ agbno, aglen, 1, false };
	return 0;
}

/* xfs_refcount_find_right_extents */
static int find_right(struct agbt_cur *c, struct rirec *right, struct rirec *cright, uint32_t agbno,
		      uint32_t aglen)
{
	struct rirec t;
	int stat, err;

	*right = *cright = NOREC;
	if ((err = lookup(c, AGBT_LOOKUP_GE, false, agbno + aglen, &stat)) || !stat)
		return err;
	if ((err = must_get(c, &t)))
		return err;
	if (t.cow || t.start != agbno + aglen)
		return 0;
	*right = t;
	if ((err = agbt_decrement(c, 0, &stat)))
		return err;
	if (stat) {
		if ((err = must_get(c, &t)))
			return err;
		if (!t.cow) {
			if (rnext(&t) == agbno + aglen) {
				*cright = t;
			} else {
				cright->start = rnext(&t) > agbno ? rnext(&t) : agbno;
				cright->len = right->start - cright->start;
				cright->refc = 1;
				cright->cow = false;
			}
			return 0;
		}
	}
	*cright = (struct rirec){ agbno, aglen, 1, false };
	return 0;
}

/* xfs_refc_merge_refcount */
static uint32_t merged(const struct rirec *r, int adj)
{
	return r->refc == MAXREFCOUNT ? MAXREFCOUNT : r->refc + (uint32_t)adj;
}

/* xfs_refcount_merge_extents (shared domain): *changed when a merge happened */
static int merge_extents(struct agbt_cur *c, uint32_t *agbno, uint32_t *aglen, int adj, bool *changed)
{
	struct rirec left, cleft, cright, right;
	uint64_t ulen;
	bool cequal;
	int err;

	*changed = false;
	if ((err = find_left(c, &left, &cleft, *agbno, *aglen)) ||
	    (err = find_right(c, &right, &cright, *agbno, *aglen)))
		return err;
	if (!valid(&left) && !valid(&right))
		return 0;
	cequal = cleft.start == cright.start && cleft.len == cright.len;

	/* xfs_refc_want_merge_center, xfs_refcount_merge_center_extents */
	ulen = (uint64_t)left.len + cleft.len + right.len;
	if (valid(&left) && valid(&right) && valid(&cleft) && valid(&cright) && cequal &&
	    left.refc == merged(&cleft, adj) && right.refc == merged(&cleft, adj) && ulen < MAXREFCEXTLEN) {
		*changed = true;
		XFIN_COUNT(c->f, XFC_REFC_CENTER_MERGE);
		if ((err = must_lookup(c, AGBT_LOOKUP_GE, false, cleft.start)) || (err = delete(c)))
			return err;
		if (cleft.refc > 1 && (err = delete(c)))
			return err;
		if ((err = must_lookup(c, AGBT_LOOKUP_LE, false, left.start)))
			return err;
		left.len = (uint32_t)ulen;
		if ((err = update(c, &left)))
			return err;
		*aglen = 0;
		return 0;
	}
	/* xfs_refc_want_merge_left, xfs_refcount_merge_left_extent */
	if (valid(&left) && valid(&cleft) && left.refc == merged(&cleft, adj) &&
	    (uint64_t)left.len + cleft.len < MAXREFCEXTLEN) {
		*changed = true;
		XFIN_COUNT(c->f, XFC_REFC_LEFT_MERGE);
		if (cleft.refc > 1 &&
		    ((err = must_lookup(c, AGBT_LOOKUP_LE, false, cleft.start)) || (err = delete(c))))
			return err;
		if ((err = must_lookup(c, AGBT_LOOKUP_LE, false, left.start)))
			return err;
		left.len += cleft.len;
		if ((err = update(c, &left)))
			return err;
		*agbno += cleft.len;
		*aglen -= cleft.len;
		if (cequal)
			return 0;
	}
	/* xfs_refc_want_merge_right, xfs_refcount_merge_right_extent */
	if (valid(&right) && valid(&cright) && right.refc == merged(&cright, adj) &&
	    (uint64_t)right.len + cright.len < MAXREFCEXTLEN) {
		*changed = true;
		XFIN_COUNT(c->f, XFC_REFC_RIGHT_MERGE);
		if (cright.refc > 1 &&
		    ((err = must_lookup(c, AGBT_LOOKUP_LE, false, cright.start)) || (err = delete(c))))
			return err;
		if ((err = must_lookup(c, AGBT_LOOKUP_LE, false, right.start)))
			return err;
		right.start -= cright.len;
		right.len += cright.len;
		if ((err = update(c, &right)))
			return err;
		*aglen -= cright.len;
	}
	return 0;
}

/* xfs_btree_compute_maxlevels */
static uint32_t maxlevels(uint32_t mnr0, uint32_t mnr1, uint64_t records)
{
	uint64_t b = (records + mnr0 - 1) / mnr0;
	uint32_t h = 1;

	while (b > 1 && h < 64) {
		b = (b + mnr1 - 1) / mnr1;
		h++;
	}
	return h;
}

/* xfs_btree_space_to_height */
static uint32_t space_to_height(uint32_t mnr1, uint64_t leaf_blocks)
{
	uint64_t node = mnr1, left = leaf_blocks - 1;
	uint32_t h = 1;

	if (leaf_blocks < 1)
		return 0;
	while (node < left && h < 64) {
		left -= node;
		node *= mnr1;
		h++;
	}
	return h;
}

/* The heights the reservations use (m_alloc_maxlevels, m_rmap_maxlevels, m_refc_maxlevels) of a
 * v5 filesystem, from the short-form block's room and each tree's record and key sizes. */
static void tree_levels(const xfs_fs *fs, uint32_t *al, uint32_t *rl, uint32_t *cl)
{
	uint32_t room = fs->blocksize - SBLOCK_CRC_LEN, ag = fs->sb.agblocks;

	*al = maxlevels(room / 8 / 2, room / 12 / 2, (ag + 1ull) / 2);
	*rl = 0;
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT)
		*rl = (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) ? space_to_height(room / 44 / 2, ag)
										 : maxlevels(room / 24 / 2, room / 44 / 2, ag);
	*cl = maxlevels(room / 12 / 2, room / 8 / 2, ag);
}

/* xfs_allocfree_block_count */
static uint64_t allocfree(uint32_t al, uint32_t rl, uint64_t ops)
{
	return ops * 2 * (2ull * al - 1) + (rl ? ops * (2ull * rl - 1) : 0);
}

uint32_t xlog_refc_logres(const xfs_fs *fs)
{
	uint32_t bs = fs->blocksize, sect = fs->sb.sectsize, al, rl, cl, bml = 1, buf = 128; /* a buffer's log overhead */
	uint32_t room = bs - 72u;                 /* a long-form (bmbt) block's */
	uint64_t maxleaf = (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_NREXT64) ? (1ull << 48) - 1 : (1ull << 31) - 1;
	uint64_t b, t1, t2, t4 = 0, m;

	if (bs < 512 || room / 16 / 2 < 2)
		return 0;
	tree_levels(fs, &al, &rl, &cl);
	/* xfs_bmap_compute_maxlevels (data fork): a root of 3 records in the inode */
	for (b = (maxleaf + room / 16 / 2 - 1) / (room / 16 / 2); b > 1 && bml < 64; bml++)
		b = b <= 3 ? 1 : (b + room / 16 / 2 - 1) / (room / 16 / 2);
	/* xfs_calc_itruncate_reservation: the inode and its bmbt, the frees, the refcount updates */
	t1 = 4 * 12 + 56 + fs->sb.inodesize + 2 * 72 + (uint64_t)(bml + 1) * (bs + buf);
	t2 = 9ull * (sect + buf) + allocfree(al, rl, 4) * (bs + buf);
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK)
		t4 = 2ull * (sect + buf) + 2ull * (2 * cl - 1) * (bs + buf);
	m = t1 > t2 ? t1 : t2;
	m = m > t4 ? m : t4;
	m += 6 * (24 + 104); /* XFS_DQUOT_LOGRES */
	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/* xfs_refcount_still_have_space */
static bool have_space(const struct fin *f, const struct refc_tx *tx)
{
	const xfs_fs *fs = f->log->fs;
	uint32_t al, rl, cl;
	uint64_t overhead, res = xlog_refc_logres(fs);

	if (tx->nr_ops == 0)
		return true;
	tree_levels(fs, &al, &rl, &cl);
	overhead = (allocfree(al, rl, tx->shape_changes) + cl) * fs->blocksize;
	if (overhead > res)
		return false;
	return res - overhead > (uint64_t)tx->nr_ops * REFC_ITEM_OVERHEAD;
}

/* xfs_refcount_adjust_extents */
static int adjust_extents(struct agbt_cur *c, uint32_t *agbno, uint32_t *aglen, int adj, struct refc_tx *tx,
			  const struct refc_sink *q)
{
	uint32_t agblocks = c->f->log->fs->sb.agblocks;
	struct rirec e, t;
	int stat, err;

	if (*aglen == 0)
		return 0;
	if ((err = lookup(c, AGBT_LOOKUP_GE, false, *agbno, &stat)))
		return err;
	while (*aglen > 0 && have_space(c->f, tx)) {
		if ((err = get_rec(c, &e, &stat)))
			return err;
		if (!stat || e.cow)
			e = (struct rirec){ agblocks, 0, 0, false };
		if (e.start != *agbno) {
			/* a gap: refcount 1, covered (increase) or freed (decrease) */
			if (e.start < *agbno)
				return xlog_fin_refuse(c->f, "AG %u: refcount record %u+%u crosses %u after the split",
						       c->ag, e.start, e.len, *agbno);
			t = (struct rirec){ *agbno, e.start - *agbno < *aglen ? e.start - *agbno : *aglen,
					    (uint32_t)(1 + adj), false };
			tx->nr_ops++;
			if (t.refc) {
				if ((err = insert(c, &t)))
					return err;
			} else if ((err = q->free(q->arg, c->ag, t.start, t.len))) {
				return err;
			}
			*agbno += t.len;
			*aglen -= t.len;
			if (*aglen == 0 || !have_space(c->f, tx))
				break;
			if ((err = lookup(c, AGBT_LOOKUP_GE, false, *agbno, &stat)))
				return err;
		}
		if (e.len == 0 || e.len > *aglen)
			return xlog_fin_refuse(c->f, "AG %u: refcount record %u+%u runs past the adjusted range's end %u",
					       c->ag, e.start, e.len, *agbno + *aglen);
		if (e.refc != MAXREFCOUNT) {
			e.refc += (uint32_t)adj;
			tx->nr_ops++;
			if (e.refc > 1) {
				if ((err = update(c, &e)))
					return err;
			} else if (e.refc == 1) {
				if ((err = delete(c)))
					return err;
				*agbno += e.len;
				*aglen -= e.len;
				continue;
			} else if ((err = q->free(q->arg, c->ag, e.start, e.len))) {
				return err;
			}
		}
		if ((err = agbt_increment(c, 0, &stat)))
			return err;
		*agbno += e.len;
		*aglen -= e.len;
	}
	return 0;
}

static int adjust(struct fin *f, uint32_t ag, int adj, uint32_t *agbno, uint32_t *aglen, struct refc_tx *tx,
		  const struct refc_sink *q)
{
	xfs_fs *fs = f->log->fs;
	struct agbt_cur c;
	bool changed;
	uint32_t shapes = 0;
	int err;

	if (*agbno == 0 || *aglen == 0 || *agbno >= xfs_ag_length(fs, ag) || *aglen > xfs_ag_length(fs, ag) - *agbno)
		return xlog_fin_refuse(f, "AG %u: refcount update of %u+%u out of the AG", ag, *agbno, *aglen);
	if ((err = xlog_refc_cur(f, ag, &c)))
		return err;
	if ((err = split_extent(&c, false, *agbno, &changed)))
		return err;
	shapes += changed;
	if ((err = split_extent(&c, false, *agbno + *aglen, &changed)))
		return err;
	shapes += changed;
	if ((err = merge_extents(&c, agbno, aglen, adj, &changed)))
		return err;
	shapes += changed;
	if (shapes)
		tx->shape_changes++;
	return adjust_extents(&c, agbno, aglen, adj, tx, q);
}

int xlog_refc_adjust(struct fin *f, uint32_t ag, int adj, uint32_t *agbno, uint32_t *aglen, struct refc_tx *tx,
		     const struct refc_sink *q)
{
	int err;

	/* the refcount btree's blocks a join or a killed root gives back go with the
	 * adjustment's own frees (refc_bt.c: xfs_refcountbt_free_block) */
	f->refc_bfree = q;
	err = adjust(f, ag, adj, agbno, aglen, tx, q);
	f->refc_bfree = NULL;
	return err;
}

/* The frees of xlog_fin_refc_decrease appended to its array */
struct efree_out { struct fin *f; struct efree *out; uint32_t *nout, max; };

static int efree_put(void *arg, uint32_t ag, uint32_t bno, uint32_t len)
{
	struct efree_out *o = arg;

	if (*o->nout >= o->max)
		return xlog_fin_refuse(o->f, "more than %u frees from one round's refcount decreases", o->max);
	/* xfs_free_extent_later with no owner: XFS_RMAP_OWN_NULL, the unmap removed the rmap */
	o->out[*o->nout] = (struct efree){ ag, bno, len, 0, (uint64_t)-1 };
	(*o->nout)++;
	return 0;
}

/* A refcount btree block the decrease gave back, queued with its owner: Debian's 6.1
 * kernel (6.1.192) has "xfs: use deferred frees for btree block freeing", so
 * xfs_refcountbt_free_block queues it (__xfs_free_extent_later, XFS_RMAP_OWN_REFC) in
 * the CUI's transaction, in the same intent as the extents' frees around it */
static int efree_bput(void *arg, uint32_t ag, uint32_t bno)
{
	struct efree_out *o = arg;
	int err = efree_put(arg, ag, bno, 1);

	if (!err)
		o->out[*o->nout - 1].owner = RMAP_OWN_REFC;
	return err;
}

int xlog_fin_refc_decrease(struct fin *f, uint32_t ag, uint32_t *agbno, uint32_t *aglen, struct refc_tx *tx,
			   struct efree *out, uint32_t *nout, uint32_t max)
{
	struct efree_out o = { f, out, nout, max };
	struct refc_sink q = { efree_put, &o, efree_bput };

	return xlog_refc_adjust(f, ag, -1, agbno, aglen, tx, &q);
}
