/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A short-form AG btree (bnobt, cntbt, rmapbt, inobt, finobt, refcountbt)
 * edited as Linux 6.1's generic btree code edits it (xfs_btree.c): a cursor
 * holding the path from the root to a leaf through the finish's block
 * cache, lookup, increment and decrement, update, insert (shifting a record
 * to a sibling, splitting, a new root) and delete (borrowing from a
 * sibling, joining, killing the root), the parent keys following (low and
 * high keys of an overlapping btree). Every block is logged (dirtied) where
 * the kernel logs it, so the finish writes the blocks the kernel writes.
 *
 * The tree's own parts come in ops: record and key sizes, the key compare,
 * the block allocator (the AGFL for the AG btrees), the root's holder (the
 * AGF or AGI) and the cntbt's last-record hook. Positions are 1-based as in
 * xfs_btree.c (ptr 0: before the first record).
 */
#ifndef FSIMG_XLOG_AGBT_H
#define FSIMG_XLOG_AGBT_H

#include "core/cursor.h"
#include "xlog/finish.h"

#define AGBT_MAXLEVELS 9u /* above every AG btree's maximum height */
#define AGBT_REC_MAX 24u
#define AGBT_KEY_MAX 40u  /* low and high key of an overlapping btree */
#define AGBT_NULL 0xffffffffu

enum { AGBT_LOOKUP_EQ, AGBT_LOOKUP_LE, AGBT_LOOKUP_GE };
enum { AGBT_LASTREC_UPDATE, AGBT_LASTREC_INSREC, AGBT_LASTREC_DELREC };

struct agbt_cur;

struct agbt_ops {
	const char *name;                  /* for refusals: "bnobt", "rmapbt", ... */
	uint32_t magic;                    /* the block magic as on disk for this filesystem */
	uint16_t rec_len, key_len;         /* key_len: one (low) key */
	bool overlapping;                  /* nodes hold a low and a high key per child */
	void (*key_from_rec)(uint8_t *key, const uint8_t *rec);
	void (*high_key_from_rec)(uint8_t *key, const uint8_t *rec); /* overlapping only */
	int (*cmp)(const uint8_t *a, const uint8_t *b);               /* two keys */
	/* a block for the tree: *agbno, AGBT_NULL when none (c->start: the block it is wanted
	 * near, as xfs_btree_split and _new_root pass it). 0, 1 or <0 */
	int (*alloc_block)(struct agbt_cur *c, uint32_t *agbno);
	/* a block the tree gives back (its buffer is invalidated by agbt). 0, 1 or <0 */
	int (*free_block)(struct agbt_cur *c, uint32_t agbno);
	/* the root moved to root, the height changed by inc (logged by the holder) */
	void (*set_root)(struct agbt_cur *c, uint32_t root, int inc);
	/* when set: the cntbt's xfs_allocbt_update_lastrec, for the rightmost leaf */
	void (*update_lastrec)(struct agbt_cur *c, struct blk *leaf, const uint8_t *rec, uint32_t ptr, int reason);
};

struct agbt_cur {
	struct fin *f;
	const struct agbt_ops *ops;
	void *priv;                        /* the caller's, for the ops */
	uint32_t ag, root, nlevels;
	uint32_t hdr, maxrecs[2];          /* header length; records in a leaf, entries in a node */
	struct blk *bp[AGBT_MAXLEVELS];
	uint32_t ptr[AGBT_MAXLEVELS];
	uint8_t rec[AGBT_REC_MAX];         /* bc_rec: what a lookup looked for, an insert inserts */
	uint32_t start;                    /* alloc_block's hint: the block split, the old root */
	uint32_t alloc_nforce;             /* f->nforce when alloc_block began (xlog_fin_get_buf) */
};

/* A cursor on the tree of AG ag rooted at root with levels levels (bounded here). 0 or 1. */
int agbt_init(struct agbt_cur *c, struct fin *f, const struct agbt_ops *ops, void *priv, uint32_t ag,
	      uint32_t root, uint32_t levels) XFS_HIDDEN;
/* xfs_btree_lookup of the record rec (its key): *stat as the kernel's. 0, 1 or <0. */
int agbt_lookup(struct agbt_cur *c, int dir, const uint8_t *rec, int *stat) XFS_HIDDEN;
int agbt_increment(struct agbt_cur *c, uint32_t level, int *stat) XFS_HIDDEN;
int agbt_decrement(struct agbt_cur *c, uint32_t level, int *stat) XFS_HIDDEN;
/* The record under the cursor (a pointer into its leaf), NULL when off the records. */
const uint8_t *agbt_get(const struct agbt_cur *c) XFS_HIDDEN;
/* xfs_btree_update: the record under the cursor replaced. 0, 1 or <0. */
int agbt_update(struct agbt_cur *c, const uint8_t *rec) XFS_HIDDEN;
/* xfs_btree_insert of rec at the cursor (after a lookup of it). *stat 1 when done. 0, 1 or <0. */
int agbt_insert(struct agbt_cur *c, const uint8_t *rec, int *stat) XFS_HIDDEN;
/* xfs_btree_delete of the record under the cursor. *stat 1 when done. 0, 1 or <0. */
int agbt_delete(struct agbt_cur *c, int *stat) XFS_HIDDEN;

/* For walks of one's own (xfs_btree_query_range): the root read into the path (bp at the
 * top level), and the child under the node entry ptr[level] read into bp[level - 1]. 0, 1, <0. */
int agbt_root(struct agbt_cur *c) XFS_HIDDEN;
int agbt_descend(struct agbt_cur *c, uint32_t level) XFS_HIDDEN;

/* A block's entries: record i (1-based) of a leaf, key i and pointer i of a node. */
uint8_t *agbt_rec(const struct agbt_cur *c, struct blk *b, uint32_t i) XFS_HIDDEN;
uint8_t *agbt_key(const struct agbt_cur *c, struct blk *b, uint32_t i) XFS_HIDDEN;
uint8_t *agbt_ptr(const struct agbt_cur *c, struct blk *b, uint32_t i) XFS_HIDDEN;
static inline uint32_t agbt_numrecs(const struct blk *b) { return get_be16(b->b + 6); }

/* A set_root for a tree whose root and height are 32-bit fields at root_off and level_off
 * of the holder's block (the AGF or AGI), which priv is. */
static inline void agbt_root_at(struct agbt_cur *c, uint32_t root_off, uint32_t level_off, uint32_t root, int inc)
{
	struct blk *h = c->priv;

	put_be32(h->b + root_off, root);
	put_be32(h->b + level_off, get_be32(h->b + level_off) + (uint32_t)inc);
	h->dirty = true;
	xlog_fin_log_range(c->f, h, root_off, level_off + 3);
}

/* afree.c: a cursor on AG ag's by-size (cnt) or by-block free space btree whose AGF is agf
 * (the AGFL feeding its blocks, the longest extent following). 0 or 1. */
int xlog_fin_allocbt_cur(struct fin *f, uint32_t ag, struct blk *agf, bool cnt, struct agbt_cur *c) XFS_HIDDEN;

#endif /* FSIMG_XLOG_AGBT_H */
