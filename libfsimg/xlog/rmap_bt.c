/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reverse-mapping btree's records as the kernel's generic btree code
 * moves them (xfs_btree_lookup, _increment, _decrement, _update, _insrec,
 * _delrec) in the cases done here: a root leaf, or a root node over
 * leaves. The rmapbt is an overlapping btree: a node holds each child's
 * low key (its first record's) and high key (the largest last block,
 * owner and last offset of its records), and every change to a leaf
 * recomputes both and writes them into the parent where they differ
 * (xfs_btree_update_keys_overlapped), the parent logged only then.
 *
 * A leaf that would fill past its room (an insert shifts records to a
 * sibling or splits) or, under a node, fall below half (a delete borrows
 * or joins) is refused, named; so are deeper trees.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/rmap.h"

#define XFS_RMAP_CRC_MAGIC 0x524d4233u /* RMB3 */
#define NULLAGBLOCK 0xffffffffu
#define RMAP_REC_LEN 24u
#define RMAP_KEY_LEN 20u
#define RMAP_PTR_LEN 4u
#define OFF_MASK ((1ull << 54) - 1)
#define OFF_ATTR (1ull << 63)
#define OFF_BMBT (1ull << 62)
#define OFF_UNWRITTEN (1ull << 61)
#define AGF_RMAP_ROOT 24u
#define AGF_RMAP_LEVEL 36u

struct rkey {
	uint32_t start;
	uint64_t owner, off; /* off as on disk: with the attr and bmbt bits */
};

static int kcmp(const struct rkey *a, const struct rkey *b)
{
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if ((a->off & OFF_MASK) != (b->off & OFF_MASK))
		return (a->off & OFF_MASK) < (b->off & OFF_MASK) ? -1 : 1;
	return 0;
}

static uint8_t *rec_at(struct blk *b, uint32_t i)
{
	return b->b + SBLOCK_CRC_LEN + (size_t)i * RMAP_REC_LEN;
}

static void rec_read(const uint8_t *p, struct rrec *r)
{
	uint64_t o = get_be64(p + 16);

	r->start = get_be32(p);
	r->len = get_be32(p + 4);
	r->owner = get_be64(p + 8);
	r->off = o & OFF_MASK;
	r->flags = (o & OFF_ATTR ? RMAP_F_ATTR : 0) | (o & OFF_BMBT ? RMAP_F_BMBT : 0) |
		   (o & OFF_UNWRITTEN ? RMAP_F_UNWRITTEN : 0);
}

static void rec_write(uint8_t *p, const struct rrec *r)
{
	put_be32(p, r->start);
	put_be32(p + 4, r->len);
	put_be64(p + 8, r->owner);
	put_be64(p + 16, (r->off & OFF_MASK) | (r->flags & RMAP_F_ATTR ? OFF_ATTR : 0) |
			 (r->flags & RMAP_F_BMBT ? OFF_BMBT : 0) | (r->flags & RMAP_F_UNWRITTEN ? OFF_UNWRITTEN : 0));
}

/* xfs_rmapbt_init_key_from_rec and _init_high_key_from_rec */
static void rec_keys(const uint8_t *p, struct rkey *lo, struct rkey *hi)
{
	uint32_t adj = get_be32(p + 4) - 1;

	lo->start = get_be32(p);
	lo->owner = get_be64(p + 8);
	lo->off = get_be64(p + 16) & ~OFF_UNWRITTEN;
	*hi = *lo;
	hi->start += adj;
	if (!RMAP_NON_INODE(lo->owner) && !(lo->off & OFF_BMBT))
		hi->off = (((lo->off & OFF_MASK) + adj) & OFF_MASK) | (lo->off & ~OFF_MASK);
}

static uint32_t numrecs(const struct blk *b) { return get_be16(b->b + 6); }

static int check_block(struct rcur *c, struct blk *b, uint32_t level, uint32_t max, uint32_t agbno)
{
	uint32_t n = numrecs(b);

	if (get_be32(b->b) != XFS_RMAP_CRC_MAGIC || get_be16(b->b + 4) != level || n > max ||
	    (level && n == 0))
		return xlog_fin_refuse(c->f, "AG %u: rmapbt block %u is not what its parent says", c->ag, agbno);
	for (uint32_t i = 0; level == 0 && i < n; i++)
		if (get_be32(rec_at(b, i) + 4) == 0)
			return xlog_fin_refuse(c->f, "AG %u: rmapbt block %u has a record of length 0", c->ag, agbno);
	return 0;
}

int xlog_rmap_cur(struct fin *f, uint32_t ag, struct rcur *c)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ss = fs->sb.sectsize, bs = fs->blocksize, root;
	struct blk *agf;
	int err;

	memset(c, 0, sizeof *c);
	c->f = f;
	c->ag = ag;
	c->lmax = (bs - SBLOCK_CRC_LEN) / RMAP_REC_LEN;
	c->nmax = (bs - SBLOCK_CRC_LEN) / (2 * RMAP_KEY_LEN + RMAP_PTR_LEN);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, 0) + ss / XLOG_BBSIZE, ss / XLOG_BBSIZE, K_AGF, &agf)))
		return err;
	if (get_be32(agf->b) != XFS_AGF_MAGIC)
		return xlog_fin_refuse(f, "AG %u has no AGF", ag);
	root = get_be32(agf->b + AGF_RMAP_ROOT);
	c->levels = get_be32(agf->b + AGF_RMAP_LEVEL);
	if (c->levels == 0 || c->levels > 2)
		return xlog_fin_refuse(f, "AG %u: an rmapbt of %u levels (not done yet)", ag, c->levels);
	if (root == 0 || root >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "AG %u: rmapbt root %u out of the AG", ag, root);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, root), bs / XLOG_BBSIZE, K_BTREE, &c->root)))
		return err;
	if (get_be32(c->root->b + 8) != NULLAGBLOCK || get_be32(c->root->b + 12) != NULLAGBLOCK)
		return xlog_fin_refuse(f, "AG %u: rmapbt root %u has siblings", ag, root);
	return check_block(c, c->root, c->levels - 1, c->levels == 1 ? c->lmax : c->nmax, root);
}

static uint32_t nleaves(const struct rcur *c) { return c->levels == 1 ? 1 : numrecs(c->root); }

static uint8_t *node_key(const struct rcur *c, uint32_t k) { return c->root->b + SBLOCK_CRC_LEN + (size_t)k * 2 * RMAP_KEY_LEN; }

static void key_read(const uint8_t *p, struct rkey *k)
{
	k->start = get_be32(p);
	k->owner = get_be64(p + 4);
	k->off = get_be64(p + 12);
}

static void key_write(uint8_t *p, const struct rkey *k)
{
	put_be32(p, k->start);
	put_be64(p + 4, k->owner);
	put_be64(p + 12, k->off);
}

/* Leaf k (the root itself in a one-level tree). */
static int leaf(struct rcur *c, uint32_t k, struct blk **out)
{
	xfs_fs *fs = c->f->log->fs;
	uint32_t bs = fs->blocksize, agbno;
	int err;

	if (c->levels == 1) {
		*out = c->root;
		return 0;
	}
	agbno = get_be32(c->root->b + SBLOCK_CRC_LEN + (size_t)c->nmax * 2 * RMAP_KEY_LEN + (size_t)k * RMAP_PTR_LEN);
	if (agbno == 0 || agbno >= fs->sb.agblocks)
		return xlog_fin_refuse(c->f, "AG %u: rmapbt pointer %u out of the AG", c->ag, agbno);
	if ((err = xlog_fin_get(c->f, xlog_ag_daddr(fs, c->ag, agbno), bs / XLOG_BBSIZE, K_BTREE, out)))
		return err;
	return check_block(c, *out, 0, c->lmax, agbno);
}

int xlog_rmap_lookup(struct rcur *c, bool eq, uint32_t start, uint64_t owner, uint64_t off, int *stat)
{
	struct rkey want = { start, owner, off }, k;
	struct blk *b;
	uint32_t n, i;
	int err;

	*stat = 0;
	c->k = 0;
	/* a node: the last child whose low key is at or below the key, else the first */
	for (uint32_t j = 1; c->levels == 2 && j < nleaves(c); j++) {
		key_read(node_key(c, j), &k);
		if (kcmp(&k, &want) > 0)
			break;
		c->k = j;
	}
	if ((err = leaf(c, c->k, &b)))
		return err;
	n = numrecs(b);
	/* i: the first record above the key */
	for (i = 0; i < n; i++) {
		struct rkey lo, hi;
		rec_keys(rec_at(b, i), &lo, &hi);
		if (kcmp(&lo, &want) > 0)
			break;
	}
	if (!eq) {
		c->i = (int32_t)i - 1;
		*stat = i > 0;
		return 0;
	}
	/* eq: the first record at or above the key, the insertion point when absent */
	if (i > 0) {
		struct rkey lo, hi;
		rec_keys(rec_at(b, i - 1), &lo, &hi);
		if (kcmp(&lo, &want) == 0) {
			c->i = (int32_t)i - 1;
			*stat = 1;
			return 0;
		}
	}
	c->i = (int32_t)i;
	return 0;
}

int xlog_rmap_get(struct rcur *c, struct rrec *r, int *stat)
{
	struct blk *b;
	int err;

	*stat = 0;
	if ((err = leaf(c, c->k, &b)))
		return err;
	if (c->i < 0 || (uint32_t)c->i >= numrecs(b))
		return 0;
	rec_read(rec_at(b, (uint32_t)c->i), r);
	*stat = 1;
	return 0;
}

int xlog_rmap_step(struct rcur *c, int dir, int *stat)
{
	struct blk *b;
	int err;

	*stat = 0;
	if ((err = leaf(c, c->k, &b)))
		return err;
	if (dir > 0) {
		if (c->i + 1 < (int32_t)numrecs(b)) {
			c->i++;
			*stat = 1;
		} else if (c->k + 1 < nleaves(c)) {
			c->k++;
			c->i = 0;
			if ((err = leaf(c, c->k, &b)))
				return err;
			*stat = numrecs(b) > 0;
		} else {
			c->i = (int32_t)numrecs(b); /* past the end, where an insert appends */
		}
		return 0;
	}
	if (c->i > 0) {
		c->i--;
		*stat = 1;
	} else if (c->k > 0) {
		c->k--;
		if ((err = leaf(c, c->k, &b)))
			return err;
		c->i = (int32_t)numrecs(b) - 1;
		*stat = c->i >= 0;
	} else {
		c->i = -1;
	}
	return 0;
}

/* xfs_btree_update_keys (overlapping): leaf k's low and high keys into the root node. */
static void update_keys(struct rcur *c, struct blk *b)
{
	struct rkey lo, hi, mlo, mhi, olo, ohi;
	uint32_t n = numrecs(b);

	if (c->levels == 1 || n == 0)
		return;
	rec_keys(rec_at(b, 0), &lo, &hi);
	for (uint32_t i = 1; i < n; i++) {
		rec_keys(rec_at(b, i), &mlo, &mhi);
		if (kcmp(&mhi, &hi) > 0)
			hi = mhi;
	}
	key_read(node_key(c, c->k), &olo);
	key_read(node_key(c, c->k) + RMAP_KEY_LEN, &ohi);
	if (kcmp(&olo, &lo) == 0 && kcmp(&ohi, &hi) == 0)
		return;
	key_write(node_key(c, c->k), &lo);
	key_write(node_key(c, c->k) + RMAP_KEY_LEN, &hi);
	c->root->dirty = true;
}

int xlog_rmap_update(struct rcur *c, const struct rrec *r)
{
	struct blk *b;
	int err;

	if ((err = leaf(c, c->k, &b)))
		return err;
	if (c->i < 0 || (uint32_t)c->i >= numrecs(b))
		return xlog_fin_refuse(c->f, "AG %u: an rmap update off the records", c->ag);
	rec_write(rec_at(b, (uint32_t)c->i), r);
	b->dirty = true;
	update_keys(c, b);
	return 0;
}

int xlog_rmap_delete_here(struct rcur *c)
{
	struct blk *b;
	uint32_t n;
	int err;

	if ((err = leaf(c, c->k, &b)))
		return err;
	n = numrecs(b);
	if (c->i < 0 || (uint32_t)c->i >= n)
		return xlog_fin_refuse(c->f, "AG %u: an rmap delete off the records", c->ag);
	if (c->levels > 1 && n - 1 < c->lmax / 2)
		return xlog_fin_refuse(c->f, "AG %u: an rmapbt leaf would borrow or join (not done yet)", c->ag);
	/* xfs_btree_delrec: the records after it shift down; the last slot keeps its bytes */
	memmove(rec_at(b, (uint32_t)c->i), rec_at(b, (uint32_t)c->i + 1), (size_t)(n - (uint32_t)c->i - 1) * RMAP_REC_LEN);
	put_be16(b->b + 6, (uint16_t)(n - 1));
	b->dirty = true;
	update_keys(c, b);
	return 0;
}

int xlog_rmap_insert_here(struct rcur *c, const struct rrec *r)
{
	struct blk *b;
	uint32_t n, i;
	int err;

	if ((err = leaf(c, c->k, &b)))
		return err;
	n = numrecs(b);
	i = c->i < 0 ? 0 : (uint32_t)c->i;
	if (i > n)
		return xlog_fin_refuse(c->f, "AG %u: an rmap insert off the records", c->ag);
	if (n >= c->lmax)
		return xlog_fin_refuse(c->f, "AG %u: an rmapbt leaf would shift or split (not done yet)", c->ag);
	memmove(rec_at(b, i + 1), rec_at(b, i), (size_t)(n - i) * RMAP_REC_LEN);
	rec_write(rec_at(b, i), r);
	put_be16(b->b + 6, (uint16_t)(n + 1));
	c->i = (int32_t)i;
	b->dirty = true;
	update_keys(c, b);
	return 0;
}

int xlog_rmap_query_point(struct rcur *c, uint32_t start, uint64_t owner, uint64_t off,
			  bool (*match)(const struct rrec *, const void *), const void *arg, struct rrec *out,
			  int *stat)
{
	struct rkey q = { start, owner, off };
	int err;

	*stat = 0;
	for (uint32_t k = 0; k < nleaves(c); k++) {
		struct blk *b;
		if ((err = leaf(c, k, &b)))
			return err;
		for (uint32_t i = 0; i < numrecs(b); i++) {
			struct rkey lo, hi;
			struct rrec r;
			rec_keys(rec_at(b, i), &lo, &hi);
			if (kcmp(&q, &lo) < 0)
				return 0; /* past the key: nothing further holds it */
			if (kcmp(&hi, &q) < 0)
				continue;
			rec_read(rec_at(b, i), &r);
			if (match(&r, arg)) {
				*out = r;
				c->k = k;
				c->i = (int32_t)i;
				*stat = 1;
				return 0;
			}
		}
	}
	return 0;
}
