/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The generic short-form AG btree editor (agbt.h): Linux 6.1's
 * fs/xfs/libxfs/xfs_btree.c for trees rooted in an AG header, step for
 * step where the blocks' bytes depend on it: which records move in a
 * shift, split or join, which slots keep stale bytes past numrecs, which
 * blocks are logged, and where the cursor stands afterwards (the next
 * level's edit reads it). A cursor is a value: the kernel's duplicated
 * cursors (tcur, ncur) are copies.
 *
 * Every block read is checked (magic, level, entry count, v5 daddr and
 * owner) and every pointer and cursor position bounded; the level falls by
 * one per step down, so a pointer cycle cannot loop, and a sibling that is
 * not where the parents lead is refused.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/agbt_int.h"


uint8_t *agbt_rec(const struct agbt_cur *c, struct blk *b, uint32_t i)
{
	return b->b + c->hdr + (size_t)(i - 1) * c->ops->rec_len;
}

uint8_t *agbt_key(const struct agbt_cur *c, struct blk *b, uint32_t i)
{
	return b->b + c->hdr + (size_t)(i - 1) * kl(c);
}

uint8_t *agbt_ptr(const struct agbt_cur *c, struct blk *b, uint32_t i)
{
	return b->b + c->hdr + (size_t)c->maxrecs[1] * kl(c) + (size_t)(i - 1) * 4u;
}

int agbt_corrupt(struct agbt_cur *c, const char *what, uint32_t agbno)
{
	return xlog_fin_refuse(c->f, "AG %u: %s block %u %s", c->ag, c->ops->name, agbno, what);
}

/* A block of the tree at level (xfs_btree_read_buf_block with the verifier's checks). */
int agbt_read_block(struct agbt_cur *c, uint32_t agbno, uint32_t level, struct blk **out)
{
	xfs_fs *fs = c->f->log->fs;
	struct blk *b;
	uint32_t n, l, r;
	int err;

	if (!xfs_verify_agbno(fs, c->ag, agbno))
		return agbt_corrupt(c, "is out of the AG", agbno);
	if ((err = xlog_fin_get(c->f, xlog_ag_daddr(fs, c->ag, agbno), bpb(c), K_BTREE, &b)))
		return err;
	n = agbt_numrecs(b);
	l = sib(b, false);
	r = sib(b, true);
	if (get_be32(b->b) != c->ops->magic || lvl(b) != level || n > maxr(c, level))
		return agbt_corrupt(c, "is not what its parent says", agbno);
	if ((l != AGBT_NULL && (!xfs_verify_agbno(fs, c->ag, l) || l == agbno)) ||
	    (r != AGBT_NULL && (!xfs_verify_agbno(fs, c->ag, r) || r == agbno || r == l)))
		return agbt_corrupt(c, "has bad siblings", agbno);
	if (fs->v5 && (get_be64(b->b + BB_BLKNO) != b->daddr || get_be32(b->b + BB_OWNER) != c->ag))
		return agbt_corrupt(c, "belongs elsewhere", agbno);
	*out = b;
	return 0;
}

/* A new block (xfs_btree_get_buf_block + xfs_btree_init_block_cur): the header written over the
 * buffer's bytes (xlog_fin_get_buf: zeroed, or a freed block's kept while its stale buffer
 * is cached, whatever kind of block it was). */
static int new_block(struct agbt_cur *c, uint32_t agbno, uint32_t level, uint32_t numrecs, struct blk **out)
{
	xfs_fs *fs = c->f->log->fs;
	uint64_t daddr = xlog_ag_daddr(fs, c->ag, agbno);
	struct blk *b;
	int err;

	if (!xfs_verify_agbno(fs, c->ag, agbno))
		return agbt_corrupt(c, "(new) is out of the AG", agbno);
	if ((err = xlog_fin_get_buf(c->f, daddr, bpb(c), K_BTREE, c->alloc_nforce, &b)))
		return err;
	memset(b->b, 0, c->hdr);
	put_be32(b->b, c->ops->magic);
	put_be16(b->b + BB_LEVEL, (uint16_t)level);
	set_numrecs(b, numrecs);
	set_sib(b, false, AGBT_NULL);
	set_sib(b, true, AGBT_NULL);
	if (fs->v5) {
		put_be64(b->b + BB_BLKNO, daddr);
		memcpy(b->b + BB_UUID, (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? fs->sb.meta_uuid
												 : fs->sb.uuid, 16);
		put_be32(b->b + BB_OWNER, c->ag);
	}
	log_hdr(c, b); /* split and new_root log XFS_BB_ALL_BITS */
	*out = b;
	return 0;
}

/* xfs_btree_free_block: the allocator takes it back, the buffer is invalidated (never written). */
int agbt_free_block(struct agbt_cur *c, struct blk *b)
{
	int err;

	if ((err = c->ops->free_block(c, blk_agbno(c, b))))
		return err;
	b->dirty = false;
	b->stale = true;
	return 0;
}

int agbt_init(struct agbt_cur *c, struct fin *f, const struct agbt_ops *ops, void *priv, uint32_t ag,
	      uint32_t root, uint32_t levels)
{
	xfs_fs *fs = f->log->fs;

	memset(c, 0, sizeof *c);
	c->f = f;
	c->ops = ops;
	c->priv = priv;
	c->ag = ag;
	c->root = root;
	c->nlevels = levels;
	c->hdr = fs->v5 ? XFS_BTREE_SBLOCK_CRC_LEN : XFS_BTREE_SBLOCK_LEN;
	c->maxrecs[0] = (fs->blocksize - c->hdr) / ops->rec_len;
	c->maxrecs[1] = (fs->blocksize - c->hdr) / (kl(c) + 4u);
	if (levels == 0 || levels >= AGBT_MAXLEVELS)
		return xlog_fin_refuse(f, "AG %u: a %s of %u levels", ag, ops->name, levels);
	if (!xfs_verify_agbno(fs, ag, root))
		return xlog_fin_refuse(f, "AG %u: %s root %u out of the AG", ag, ops->name, root);
	return 0;
}

/* The child under entry ptr of the node at level. */
static int child(struct agbt_cur *c, uint32_t level, uint32_t ptr, struct blk **out)
{
	if (ptr < 1 || ptr > agbt_numrecs(c->bp[level]))
		return agbt_corrupt(c, "is entered off its entries", blk_agbno(c, c->bp[level]));
	return agbt_read_block(c, get_be32(agbt_ptr(c, c->bp[level], ptr)), level - 1, out);
}

/* xfs_btree_get_leaf_keys / _get_node_keys: the block's low key, and high key when overlapping. */
static void get_keys(const struct agbt_cur *c, struct blk *b, uint8_t *key)
{
	const struct agbt_ops *o = c->ops;
	uint8_t hk[AGBT_KEY_MAX], max[AGBT_KEY_MAX];
	uint32_t n = agbt_numrecs(b);

	if (lvl(b) == 0) {
		o->key_from_rec(key, agbt_rec(c, b, 1));
		if (!o->overlapping)
			return;
		o->high_key_from_rec(max, agbt_rec(c, b, 1));
		for (uint32_t i = 2; i <= n; i++) {
			o->high_key_from_rec(hk, agbt_rec(c, b, i));
			if (o->cmp(hk, max) > 0)
				memcpy(max, hk, o->key_len);
		}
		memcpy(key + o->key_len, max, o->key_len);
		return;
	}
	memcpy(key, agbt_key(c, b, 1), o->key_len);
	if (!o->overlapping)
		return;
	memcpy(max, agbt_key(c, b, 1) + o->key_len, o->key_len);
	for (uint32_t i = 2; i <= n; i++)
		if (o->cmp(agbt_key(c, b, i) + o->key_len, max) > 0)
			memcpy(max, agbt_key(c, b, i) + o->key_len, o->key_len);
	memcpy(key + o->key_len, max, o->key_len);
}

int agbt_root(struct agbt_cur *c)
{
	return agbt_read_block(c, c->root, c->nlevels - 1, &c->bp[c->nlevels - 1]);
}

int agbt_descend(struct agbt_cur *c, uint32_t level)
{
	if (level == 0 || level >= c->nlevels)
		return xlog_fin_refuse(c->f, "AG %u: a %s cursor off the tree", c->ag, c->ops->name);
	return child(c, level, c->ptr[level], &c->bp[level - 1]);
}

static int bad_pos(struct agbt_cur *c, uint32_t lev)
{
	return agbt_corrupt(c, "is entered off its entries", blk_agbno(c, c->bp[lev]));
}

/* __xfs_btree_updkeys (overlapping): the keys up the path while they differ (all when force). */
int agbt_updkeys(struct agbt_cur *c, uint32_t level, bool force)
{
	const struct agbt_ops *o = c->ops;
	uint8_t key[AGBT_KEY_MAX];

	if (level + 1 >= c->nlevels)
		return 0;
	get_keys(c, c->bp[level], key);
	for (uint32_t lev = level + 1; lev < c->nlevels; lev++) {
		struct blk *b = c->bp[lev];
		uint32_t ptr = c->ptr[lev];
		uint8_t *nk;
		if (ptr < 1 || ptr > maxr(c, lev))
			return bad_pos(c, lev);
		nk = agbt_key(c, b, ptr);
		if (!force && o->cmp(nk, key) == 0 && o->cmp(nk + o->key_len, key + o->key_len) == 0)
			break;
		memcpy(nk, key, kl(c));
		log_blk(b);
		log_keys(c, b, ptr);
		if (lev + 1 >= c->nlevels)
			break;
		get_keys(c, b, key);
	}
	return 0;
}

/* xfs_btree_update_keys */
int agbt_update_keys(struct agbt_cur *c, uint32_t level)
{
	uint8_t key[AGBT_KEY_MAX];
	uint32_t ptr = 1;

	if (c->ops->overlapping)
		return agbt_updkeys(c, level, false);
	get_keys(c, c->bp[level], key);
	for (uint32_t lev = level + 1; ptr == 1 && lev < c->nlevels; lev++) {
		ptr = c->ptr[lev];
		if (ptr < 1 || ptr > maxr(c, lev))
			return bad_pos(c, lev);
		memcpy(agbt_key(c, c->bp[lev], ptr), key, kl(c));
		log_blk(c->bp[lev]);
		log_keys(c, c->bp[lev], ptr);
	}
	return 0;
}

int agbt_lookup(struct agbt_cur *c, int dir, const uint8_t *rec, int *stat)
{
	const struct agbt_ops *o = c->ops;
	uint8_t want[AGBT_KEY_MAX], k[AGBT_KEY_MAX];
	uint32_t keyno = 0, agbno = c->root;
	struct blk *b = NULL;
	int diff = 1, err;

	*stat = 0;
	memcpy(c->rec, rec, o->rec_len);
	o->key_from_rec(want, rec);
	for (uint32_t level = c->nlevels; level-- > 0;) {
		if ((err = agbt_read_block(c, agbno, level, &b)))
			return err;
		c->bp[level] = b;
		if (diff == 0) {
			keyno = 1;
		} else {
			int32_t low = 1, high = (int32_t)agbt_numrecs(b);
			if (high == 0) {
				if (level != 0 || c->nlevels != 1)
					return agbt_corrupt(c, "is an empty node", agbno);
				c->ptr[0] = dir != AGBT_LOOKUP_LE;
				return 0;
			}
			while (low <= high) {
				keyno = (uint32_t)(low + high) >> 1;
				if (level == 0)
					o->key_from_rec(k, agbt_rec(c, b, keyno));
				else
					memcpy(k, agbt_key(c, b, keyno), o->key_len);
				diff = o->cmp(k, want);
				if (diff < 0)
					low = (int32_t)keyno + 1;
				else if (diff > 0)
					high = (int32_t)keyno - 1;
				else
					break;
			}
		}
		if (level > 0) {
			if (diff > 0 && --keyno < 1)
				keyno = 1;
			c->ptr[level] = keyno;
			agbno = get_be32(agbt_ptr(c, b, keyno));
		}
	}
	if (dir != AGBT_LOOKUP_LE && diff < 0) {
		keyno++;
		if (dir == AGBT_LOOKUP_GE && keyno > agbt_numrecs(b) && sib(b, true) != AGBT_NULL) {
			int i;
			c->ptr[0] = keyno;
			if ((err = agbt_increment(c, 0, &i)))
				return err;
			if (i != 1)
				return agbt_corrupt(c, "has a right sibling its parents lack", blk_agbno(c, b));
			*stat = 1;
			return 0;
		}
	} else if (dir == AGBT_LOOKUP_LE && diff > 0) {
		keyno--;
	}
	c->ptr[0] = keyno;
	if (keyno == 0 || keyno > agbt_numrecs(b))
		*stat = 0;
	else
		*stat = dir != AGBT_LOOKUP_EQ || diff == 0;
	return 0;
}

int agbt_increment(struct agbt_cur *c, uint32_t level, int *stat)
{
	uint32_t lev;
	int err;

	*stat = 0;
	if (level >= c->nlevels || !c->bp[level])
		return xlog_fin_refuse(c->f, "AG %u: a %s cursor off the tree", c->ag, c->ops->name);
	if (++c->ptr[level] <= agbt_numrecs(c->bp[level])) {
		*stat = 1;
		return 0;
	}
	if (sib(c->bp[level], true) == AGBT_NULL)
		return 0;
	for (lev = level + 1; lev < c->nlevels; lev++)
		if (++c->ptr[lev] <= agbt_numrecs(c->bp[lev]))
			break;
	if (lev == c->nlevels)
		return agbt_corrupt(c, "has a right sibling its parents lack", blk_agbno(c, c->bp[level]));
	for (; lev > level; lev--) {
		struct blk *b;
		if ((err = child(c, lev, c->ptr[lev], &b)))
			return err;
		c->bp[lev - 1] = b;
		c->ptr[lev - 1] = 1;
	}
	*stat = 1;
	return 0;
}

int agbt_decrement(struct agbt_cur *c, uint32_t level, int *stat)
{
	uint32_t lev;
	int err;

	*stat = 0;
	if (level >= c->nlevels || !c->bp[level])
		return xlog_fin_refuse(c->f, "AG %u: a %s cursor off the tree", c->ag, c->ops->name);
	if (c->ptr[level] > 0 && --c->ptr[level] > 0) {
		*stat = 1;
		return 0;
	}
	if (sib(c->bp[level], false) == AGBT_NULL)
		return 0;
	for (lev = level + 1; lev < c->nlevels; lev++)
		if (c->ptr[lev] > 0 && --c->ptr[lev] > 0)
			break;
	if (lev == c->nlevels)
		return agbt_corrupt(c, "has a left sibling its parents lack", blk_agbno(c, c->bp[level]));
	for (; lev > level; lev--) {
		struct blk *b;
		if ((err = child(c, lev, c->ptr[lev], &b)))
			return err;
		c->bp[lev - 1] = b;
		c->ptr[lev - 1] = agbt_numrecs(b);
	}
	*stat = 1;
	return 0;
}

const uint8_t *agbt_get(const struct agbt_cur *c)
{
	struct blk *b = c->bp[0];

	if (!b || c->ptr[0] < 1 || c->ptr[0] > agbt_numrecs(b))
		return NULL;
	return agbt_rec(c, b, c->ptr[0]);
}

int agbt_update(struct agbt_cur *c, const uint8_t *rec)
{
	struct blk *b = c->bp[0];
	uint32_t ptr = c->ptr[0];

	if (!agbt_get(c))
		return xlog_fin_refuse(c->f, "AG %u: a %s update off the records", c->ag, c->ops->name);
	memcpy(agbt_rec(c, b, ptr), rec, c->ops->rec_len);
	log_blk(b);
	log_ents(c, b, 0, ptr, ptr);
	if (is_lastrec(c, b, 0))
		c->ops->update_lastrec(c, b, rec, ptr, AGBT_LASTREC_UPDATE);
	if (needs_key_update(c, ptr))
		return agbt_update_keys(c, 0);
	return 0;
}

/* Entries [from, from + n) of block b moved by delta slots (xfs_btree_shift_*). */
void agbt_shift(const struct agbt_cur *c, struct blk *b, uint32_t level, uint32_t from, uint32_t n, int delta)
{
	if (n == 0)
		return;
	if (level == 0) {
		memmove(agbt_rec(c, b, from + (uint32_t)delta), agbt_rec(c, b, from), (size_t)n * c->ops->rec_len);
		return;
	}
	memmove(agbt_key(c, b, from + (uint32_t)delta), agbt_key(c, b, from), (size_t)n * kl(c));
	memmove(agbt_ptr(c, b, from + (uint32_t)delta), agbt_ptr(c, b, from), (size_t)n * 4u);
}

/* Entries [from, from + n) of src copied to slot to of dst. */
void agbt_copy(const struct agbt_cur *c, struct blk *dst, uint32_t to, struct blk *src, uint32_t from, uint32_t n,
		 uint32_t level)
{
	if (n == 0)
		return;
	if (level == 0) {
		memmove(agbt_rec(c, dst, to), agbt_rec(c, src, from), (size_t)n * c->ops->rec_len);
		return;
	}
	memmove(agbt_key(c, dst, to), agbt_key(c, src, from), (size_t)n * kl(c));
	memmove(agbt_ptr(c, dst, to), agbt_ptr(c, src, from), (size_t)n * 4u);
}

/* The sibling of the block at level on the cursor's path, read and checked. */
static int read_sib(struct agbt_cur *c, uint32_t level, bool right, struct blk **out)
{
	return agbt_read_block(c, sib(c->bp[level], right), level, out);
}

/* xfs_btree_rshift: the block's last entry to the front of its right sibling. */
int agbt_rshift(struct agbt_cur *c, uint32_t level, int *stat)
{
	struct blk *left = c->bp[level], *right;
	struct agbt_cur t;
	uint32_t lrecs = agbt_numrecs(left), rrecs;
	int i, err;

	*stat = 0;
	if (sib(left, true) == AGBT_NULL || c->ptr[level] >= lrecs)
		return 0;
	if ((err = read_sib(c, level, true, &right)))
		return err;
	rrecs = agbt_numrecs(right);
	if (rrecs == maxr(c, level))
		return 0;
	agbt_shift(c, right, level, 1, rrecs, 1);
	agbt_copy(c, right, 1, left, lrecs, 1, level);
	set_numrecs(left, --lrecs);
	set_numrecs(right, ++rrecs);
	log_blk(left);
	log_blk(right);
	log_ents(c, right, level, 1, rrecs);
	log_hdr(c, left);
	log_hdr(c, right);
	t = *c;
	t.ptr[level] = lrecs;
	if ((err = agbt_increment(&t, level, &i)))
		return err;
	if (i != 1 || t.bp[level] != right)
		return agbt_corrupt(c, "has a right sibling its parents lack", blk_agbno(c, left));
	if (c->ops->overlapping && (err = agbt_update_keys(c, level)))
		return err;
	if ((err = agbt_update_keys(&t, level)))
		return err;
	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_RSHIFT));
	*stat = 1;
	return 0;
}

/* xfs_btree_lshift: the block's first entry to the end of its left sibling. */
int agbt_lshift(struct agbt_cur *c, uint32_t level, int *stat)
{
	struct blk *right = c->bp[level], *left;
	uint32_t lrecs, rrecs;
	int i, err;

	*stat = 0;
	if (sib(right, false) == AGBT_NULL || c->ptr[level] <= 1)
		return 0;
	if ((err = read_sib(c, level, false, &left)))
		return err;
	lrecs = agbt_numrecs(left);
	if (lrecs == maxr(c, level))
		return 0;
	rrecs = agbt_numrecs(right);
	if (rrecs == 0)
		return agbt_corrupt(c, "is empty", blk_agbno(c, right));
	lrecs++;
	rrecs--;
	agbt_copy(c, left, lrecs, right, 1, 1, level);
	set_numrecs(left, lrecs);
	set_numrecs(right, rrecs);
	agbt_shift(c, right, level, 2, rrecs, -1);
	log_blk(left);
	log_blk(right);
	log_ents(c, left, level, lrecs, lrecs);
	log_ents(c, right, level, 1, rrecs);
	log_hdr(c, left);
	log_hdr(c, right);
	if (c->ops->overlapping) {
		struct agbt_cur t = *c;
		t.ptr[level] = 1;
		if ((err = agbt_decrement(&t, level, &i)))
			return err;
		if (i != 1 || t.bp[level] != left)
			return agbt_corrupt(c, "has a left sibling its parents lack", blk_agbno(c, right));
		if ((err = agbt_update_keys(&t, level)))
			return err;
	}
	if ((err = agbt_update_keys(c, level)))
		return err;
	c->ptr[level]--;
	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_LSHIFT));
	*stat = 1;
	return 0;
}

static int alloc_block(struct agbt_cur *c, uint32_t start, uint32_t *agbno)
{
	int err;

	c->start = start;
	c->alloc_nforce = c->f->nforce;
	if ((err = c->ops->alloc_block(c, agbno)))
		return err;
	if (*agbno == AGBT_NULL)
		return xlog_fin_refuse(c->f, "AG %u: no free block for the %s", c->ag, c->ops->name);
	return 0;
}

/* xfs_btree_split: the upper half of the block to a new right sibling; *key its keys,
 * *ncur a cursor at the parent slot after the block's when there is a parent. */
static int split(struct agbt_cur *c, uint32_t level, uint32_t *nptr, uint8_t *key, struct agbt_cur *ncur,
		 bool *have_ncur)
{
	struct blk *left = c->bp[level], *right, *rr;
	uint32_t lbno = blk_agbno(c, left), rbno, rrbno, lrecs, rrecs, src;
	int err;

	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_SPLIT));
	if ((err = alloc_block(c, lbno, &rbno)) || (err = new_block(c, rbno, level, 0, &right)))
		return err;
	lrecs = agbt_numrecs(left);
	rrecs = lrecs / 2;
	if ((lrecs & 1) && c->ptr[level] <= rrecs + 1)
		rrecs++;
	src = lrecs - rrecs + 1;
	lrecs -= rrecs;
	set_numrecs(left, lrecs);
	set_numrecs(right, rrecs);
	agbt_copy(c, right, 1, left, src, rrecs, level);
	get_keys(c, right, key);
	rrbno = sib(left, true);
	set_sib(right, true, rrbno);
	set_sib(right, false, lbno);
	set_sib(left, true, rbno);
	log_blk(right);
	log_blk(left);
	log_ents(c, right, level, 1, rrecs);
	log_hdr(c, left);
	if (rrbno != AGBT_NULL) {
		if ((err = agbt_read_block(c, rrbno, level, &rr)))
			return err;
		set_sib(rr, false, rbno);
		log_blk(rr);
		log_hdr(c, rr);
	}
	if (c->ops->overlapping && (err = agbt_update_keys(c, level)))
		return err;
	if (c->ptr[level] > lrecs + 1) {
		c->bp[level] = right;
		c->ptr[level] -= lrecs;
	}
	*have_ncur = level + 1 < c->nlevels;
	if (*have_ncur) {
		*ncur = *c;
		ncur->ptr[level + 1]++;
	}
	*nptr = rbno;
	return 0;
}

/* xfs_btree_new_root: a root over the old root and the block split from it. */
static int new_root(struct agbt_cur *c)
{
	uint32_t top = c->nlevels - 1, nbno, lbno, rbno, nptr;
	struct blk *nb, *b = c->bp[top], *left, *right;
	int err;

	if (c->nlevels + 1 >= AGBT_MAXLEVELS)
		return xlog_fin_refuse(c->f, "AG %u: the %s would grow past %u levels", c->ag, c->ops->name,
				       AGBT_MAXLEVELS - 1);
	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_NEW_ROOT));
	if ((err = alloc_block(c, c->root, &nbno)) || (err = new_block(c, nbno, c->nlevels, 2, &nb)))
		return err;
	c->ops->set_root(c, nbno, 1);
	c->root = nbno;
	if (sib(b, true) != AGBT_NULL) {
		left = b;
		if ((err = read_sib(c, top, true, &right)))
			return err;
		nptr = 1;
	} else {
		right = b;
		if ((err = read_sib(c, top, false, &left)))
			return err;
		nptr = 2;
	}
	lbno = blk_agbno(c, left);
	rbno = blk_agbno(c, right);
	log_blk(nb);
	get_keys(c, left, agbt_key(c, nb, 1));
	get_keys(c, right, agbt_key(c, nb, 2));
	put_be32(agbt_ptr(c, nb, 1), lbno);
	put_be32(agbt_ptr(c, nb, 2), rbno);
	log_ents(c, nb, c->nlevels, 1, 2);
	c->bp[c->nlevels] = nb;
	c->ptr[c->nlevels] = nptr;
	c->nlevels++;
	return 0;
}

/* xfs_btree_make_block_unfull */
static int make_unfull(struct agbt_cur *c, uint32_t level, uint32_t *optr, uint32_t *ptr, uint32_t *nptr,
		       struct agbt_cur *ncur, bool *have_ncur, uint8_t *key)
{
	int stat, err;

	if ((err = agbt_rshift(c, level, &stat)) || stat)
		return err;
	if ((err = agbt_lshift(c, level, &stat)))
		return err;
	if (stat) {
		*optr = *ptr = c->ptr[level];
		return 0;
	}
	if ((err = split(c, level, nptr, key, ncur, have_ncur)))
		return err;
	*ptr = c->ptr[level];
	return 0;
}

/* xfs_btree_insrec: rec (level 0) or key and *nptr (above) into the block at level; on a
 * split, *nptr and key the new block's for the level above, *ncur its cursor. */
static int insrec(struct agbt_cur *c, uint32_t level, uint32_t *nptr, const uint8_t *rec, uint8_t *key,
		  struct agbt_cur *ncur, bool *have_ncur, int *stat)
{
	uint8_t lkey[AGBT_KEY_MAX];
	uint32_t ptr, optr, numrecs, newptr = AGBT_NULL;
	struct blk *b, *old;
	int err;

	*stat = 0;
	*have_ncur = false;
	if (level >= c->nlevels) {
		*nptr = AGBT_NULL;
		if ((err = new_root(c)))
			return err;
		*stat = 1;
		return 0;
	}
	ptr = c->ptr[level];
	if (ptr == 0)
		return 0;
	optr = ptr;
	old = b = c->bp[level];
	numrecs = agbt_numrecs(b);
	if (ptr > numrecs + 1)
		return bad_pos(c, level);
	if (numrecs == maxr(c, level)) {
		if ((err = make_unfull(c, level, &optr, &ptr, &newptr, ncur, have_ncur, lkey)))
			return err;
	}
	b = c->bp[level];
	numrecs = agbt_numrecs(b);
	if (numrecs >= maxr(c, level) || ptr < 1 || ptr > numrecs + 1)
		return bad_pos(c, level);
	agbt_shift(c, b, level, ptr, numrecs - ptr + 1, 1);
	if (level > 0) {
		memcpy(agbt_key(c, b, ptr), key, kl(c));
		put_be32(agbt_ptr(c, b, ptr), *nptr);
	} else {
		memcpy(agbt_rec(c, b, ptr), rec, c->ops->rec_len);
	}
	set_numrecs(b, ++numrecs);
	log_blk(b);
	log_ents(c, b, level, ptr, numrecs);
	log_hdr(c, b);
	if (b != old)
		get_keys(c, b, lkey);
	else if (needs_key_update(c, optr) && (err = agbt_update_keys(c, level)))
		return err;
	if (is_lastrec(c, b, level))
		c->ops->update_lastrec(c, b, rec, ptr, AGBT_LASTREC_INSREC);
	*nptr = newptr;
	if (newptr != AGBT_NULL)
		memcpy(key, lkey, kl(c));
	*stat = 1;
	return 0;
}

int agbt_insert(struct agbt_cur *c, const uint8_t *rec, int *stat)
{
	struct agbt_cur cur[2], *pcur = c;
	uint8_t key[AGBT_KEY_MAX];
	uint32_t nptr = AGBT_NULL, level = 0;
	unsigned flip = 0;
	int err;

	memcpy(c->rec, rec, c->ops->rec_len);
	memset(key, 0, sizeof key);
	c->ops->key_from_rec(key, rec);
	do {
		bool have;
		struct agbt_cur *n = &cur[flip];
		if (level >= AGBT_MAXLEVELS)
			return xlog_fin_refuse(c->f, "AG %u: a %s insert past the top", c->ag, c->ops->name);
		if ((err = insrec(pcur, level, &nptr, rec, key, n, &have, stat)) || !*stat)
			return err;
		level++;
		if (have) {
			pcur = n;
			flip ^= 1;
		}
	} while (nptr != AGBT_NULL);
	if (pcur != c && pcur->nlevels != c->nlevels) {
		/* a new root made through a copy: the tree's height as the caller's cursor sees it */
		c->nlevels = pcur->nlevels;
		c->root = pcur->root;
		c->bp[c->nlevels - 1] = pcur->bp[c->nlevels - 1];
		c->ptr[c->nlevels - 1] = pcur->ptr[c->nlevels - 1];
	}
	return 0;
}

