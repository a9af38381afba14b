/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agbt.c's parts shared with agbt_del.c (the delete path): the block
 * header's fields, the entries' moves, the key updates up the path and the
 * sibling shifts that both the insert and the delete use.
 */
#ifndef FSIMG_XLOG_AGBT_INT_H
#define FSIMG_XLOG_AGBT_INT_H

#include "xlog/agbt.h"

#define BB_LEVEL 4u
#define BB_NUMRECS 6u
#define BB_LEFT 8u
#define BB_RIGHT 12u
#define BB_BLKNO 16u
#define BB_UUID 32u
#define BB_OWNER 48u

static inline uint32_t kl(const struct agbt_cur *c) { return c->ops->key_len * (c->ops->overlapping ? 2u : 1u); }
static inline uint32_t maxr(const struct agbt_cur *c, uint32_t level) { return c->maxrecs[level > 0]; }
static inline uint32_t lvl(const struct blk *b) { return get_be16(b->b + BB_LEVEL); }
static inline void set_numrecs(struct blk *b, uint32_t n) { put_be16(b->b + BB_NUMRECS, (uint16_t)n); }
static inline uint32_t sib(const struct blk *b, bool right) { return get_be32(b->b + (right ? BB_RIGHT : BB_LEFT)); }
static inline void set_sib(struct blk *b, bool right, uint32_t v) { put_be32(b->b + (right ? BB_RIGHT : BB_LEFT), v); }
static inline void log_blk(struct blk *b) { b->dirty = true; }
/* xfs_btree_log_block (any of the header's fields: the first chunk), and
 * xfs_btree_log_recs or xfs_btree_log_keys with _log_ptrs of entries first to last
 * (1-based) of block b at level; xfs_btree_log_keys alone */
static inline void log_hdr(const struct agbt_cur *c, struct blk *b) { xlog_fin_log_range(c->f, b, 0, c->hdr - 1); }
static inline void log_ents(const struct agbt_cur *c, struct blk *b, uint32_t level, uint32_t first, uint32_t last)
{
	if (first < 1 || last < first)
		return;
	if (level == 0) {
		xlog_fin_log_at(c->f, b, agbt_rec(c, b, first), (size_t)(last - first + 1) * c->ops->rec_len);
		return;
	}
	xlog_fin_log_at(c->f, b, agbt_key(c, b, first), (size_t)(last - first + 1) * kl(c));
	xlog_fin_log_at(c->f, b, agbt_ptr(c, b, first), (size_t)(last - first + 1) * 4u);
}
static inline void log_keys(const struct agbt_cur *c, struct blk *b, uint32_t ptr)
{
	xlog_fin_log_at(c->f, b, agbt_key(c, b, ptr), kl(c));
}

static inline uint32_t bpb(const struct agbt_cur *c) { return c->f->log->fs->blocksize / XLOG_BBSIZE; }

static inline uint32_t blk_agbno(const struct agbt_cur *c, const struct blk *b)
{
	return (uint32_t)(b->daddr / bpb(c) - (uint64_t)c->ag * c->f->log->fs->sb.agblocks);
}

static inline bool needs_key_update(const struct agbt_cur *c, uint32_t ptr) { return c->ops->overlapping || ptr == 1; }

static inline bool is_lastrec(const struct agbt_cur *c, const struct blk *b, uint32_t level)
{
	return level == 0 && c->ops->update_lastrec && sib(b, true) == AGBT_NULL;
}


int agbt_corrupt(struct agbt_cur *c, const char *what, uint32_t agbno) XFS_HIDDEN;
/* a block of the tree at level, checked */
int agbt_read_block(struct agbt_cur *c, uint32_t agbno, uint32_t level, struct blk **out) XFS_HIDDEN;
/* the allocator takes the block back, its buffer invalidated */
int agbt_free_block(struct agbt_cur *c, struct blk *b) XFS_HIDDEN;
/* xfs_btree_update_keys, and __xfs_btree_updkeys of an overlapping tree (force: every level) */
int agbt_update_keys(struct agbt_cur *c, uint32_t level) XFS_HIDDEN;
int agbt_updkeys(struct agbt_cur *c, uint32_t level, bool force) XFS_HIDDEN;
/* entries [from, from + n) of block b moved by delta slots; copied from src to dst */
void agbt_shift(const struct agbt_cur *c, struct blk *b, uint32_t level, uint32_t from, uint32_t n, int delta)
	XFS_HIDDEN;
void agbt_copy(const struct agbt_cur *c, struct blk *dst, uint32_t to, struct blk *src, uint32_t from, uint32_t n,
	       uint32_t level) XFS_HIDDEN;
/* xfs_btree_lshift / _rshift: one entry to the left / right sibling when it has room */
int agbt_lshift(struct agbt_cur *c, uint32_t level, int *stat) XFS_HIDDEN;
int agbt_rshift(struct agbt_cur *c, uint32_t level, int *stat) XFS_HIDDEN;

#endif /* FSIMG_XLOG_AGBT_INT_H */
