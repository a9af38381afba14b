/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data fork's bmbt as the XFS finish edits it (bmbt.c): its extent
 * records (struct xfs_bmbt_rec), its blocks read and made
 * (xfs_btree_init_block_int), and the block operations of 6.1's
 * libxfs/xfs_btree.c that a BUI's map or unmap needs, on a cursor over a
 * tree of any height. The BUI dispatch is intent_bmap.c's.
 */
#ifndef FSIMG_XLOG_BMBT_H
#define FSIMG_XLOG_BMBT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cursor.h"
#include "xlog/finish.h"

#define BMBT_REC 16u
#define MAXEXTLEN 0x1fffffu
#define BMAP_MAGIC 0x424d4150u     /* BMAP */
#define BMAP_CRC_MAGIC 0x424d4133u /* BMA3 */
#define LB_HDR(fs) ((fs)->v5 ? 72u : 24u) /* the long-form btree block header */

struct bext {
	uint64_t off, fsb;
	uint32_t len;
	bool unwritten;
};

static inline void bext_get(struct bext *e, const uint8_t *r)
{
	uint64_t l0 = get_be64(r), l1 = get_be64(r + 8);

	e->unwritten = l0 >> 63;
	e->off = (l0 >> 9) & ((1ull << 54) - 1);
	e->fsb = ((l0 & 0x1ff) << 43) | (l1 >> 21);
	e->len = (uint32_t)(l1 & MAXEXTLEN);
}

static inline void bext_put(uint8_t *r, const struct bext *e)
{
	put_be64(r, ((uint64_t)e->unwritten << 63) | (e->off << 9) | (e->fsb >> 43));
	put_be64(r + 8, (e->fsb << 21) | e->len);
}

/* a continues b's mapping: same state, contiguous in offset and block, within one extent */
static inline bool bext_contig(const struct bext *a, const struct bext *b)
{
	return a->unwritten == b->unwritten && a->off + a->len == b->off && a->fsb + a->len == b->fsb &&
	       (uint64_t)a->len + b->len <= MAXEXTLEN;
}

/* A new bmbt leaf at b for inode ino. */
void xlog_bmbt_leaf_init(const xfs_fs *fs, struct blk *b, uint64_t ino) XFS_HIDDEN;
/* A cursor on an inode's data fork bmbt (xfs_btree_cur): its levels (the root in the inode
 * at nlev - 1), the block and entry index at each level below it; broot: the root
 * changed (XFS_ILOG_DBROOT); first: how the cursor's work first logged the inode
 * (BCUR_LOG_*); firstblock: the transaction's first block allocated (t_firstblock),
 * UINT64_MAX before it. */
#define BCUR_LOG_NONE 0u
#define BCUR_LOG_CORE 1u /* a block allocated or freed: xfs_bmbt_alloc_block logs XFS_ILOG_CORE */
#define BCUR_LOG_ROOT 2u /* the root in the inode changed: XFS_ILOG_DBROOT alone */
#define BMBT_MAXLEVELS 9u /* xfs_bmbt_maxlevels_ondisk */
struct bcur {
	struct fin *f;
	uint8_t *d;
	uint64_t ino, firstblock;
	uint32_t hdr, maxr, maxrecs, nlev;
	struct blk *b[BMBT_MAXLEVELS];
	uint32_t ptr[BMBT_MAXLEVELS];
	bool broot;
	uint8_t first;
};

/* What a copy of the cursor (a sibling's path) logged, taken back into c. */
static inline void xlog_bcur_merge(struct bcur *c, const struct bcur *t)
{
	c->broot |= t->broot;
	if (c->first == BCUR_LOG_NONE)
		c->first = t->first;
}

/* The cursor on inode d's (number ino) data fork root of forksz bytes, checked. 0, 1 or <0. */
int xlog_bcur_init(struct bcur *c, struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz) XFS_HIDDEN;
/* Level l's entry count, and its entry i (a record at level 0, else a key). */
uint32_t xlog_bcur_nrecs(const struct bcur *c, uint32_t l) XFS_HIDDEN;
uint8_t *xlog_bcur_rec(const struct bcur *c, uint32_t l, uint32_t i) XFS_HIDDEN;
/* Down to the leaf holding off: ptr[0] the first record past off, *prev the one before it
 * and *next that one (zeros where none). 0, 1 or <0. */
int xlog_bcur_lookup(struct bcur *c, uint64_t off, struct bext *prev, struct bext *next) XFS_HIDDEN;
/* Level l's first key into the levels above (xfs_btree_update_keys). */
void xlog_bcur_update_keys(struct bcur *c, uint32_t l) XFS_HIDDEN;
/* The cursor moved to the next block of level l (*none: there is none). 0, 1 or <0. */
int xlog_bcur_next_block(struct bcur *c, uint32_t l, bool *none) XFS_HIDDEN;
/* Level l's block, under its minimum, given an entry by a sibling (check: only whether one
 * would be); *done. 0, 1 or <0. */
int xlog_bcur_rebalance(struct bcur *c, uint32_t l, bool check, bool *done) XFS_HIDDEN;
/* e inserted at the leaf entry ptr[0] (xfs_btree_insert); the path is spent. 0, 1 or <0. */
int xlog_bcur_insert(struct bcur *c, const struct bext *e) XFS_HIDDEN;
/* intent_bmap.c: a new bmbt block near agbno of AG ag for inode ino (xfs_bmbt_alloc_block),
 * its dquot charge with it. 0, 1 or <0. */
int xlog_bmbt_alloc(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t ino, uint32_t *bno) XFS_HIDDEN;

#endif /* FSIMG_XLOG_BMBT_H */
