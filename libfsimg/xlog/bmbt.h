/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data fork's bmbt as the XFS finish edits it (bmbt.c): its extent
 * records (struct xfs_bmbt_rec), its blocks read and made
 * (xfs_btree_init_block_int), and the block operations of 6.1's
 * libxfs/xfs_btree.c that a BUI's map or unmap needs (the lookup down the
 * inode's root, xfs_btree_make_block_unfull's shifts and split). The
 * BUI dispatch is intent_bmap.c's.
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
/* The bmbt leaf at fsb of inode ino, checked. 0, 1 (refused) or <0. */
int xlog_bmbt_leaf(struct fin *f, uint64_t fsb, uint64_t ino, struct blk **b) XFS_HIDDEN;
/* The leaf of the data fork root at d + lit_off (forksz bytes) holding off: its root entry
 * *ri, its first record past off *at, *prev and *next around it. 0, 1 or <0. */
int xlog_bmbt_root_leaf(struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz, uint64_t off, uint32_t *ri,
			struct blk **b, uint32_t *at, struct bext *prev, struct bext *next) XFS_HIDDEN;
/* e inserted at index k of the n records at recs (room for one more). */
void xlog_bmbt_leaf_put(uint8_t *recs, uint32_t n, uint32_t k, const struct bext *e) XFS_HIDDEN;
/* The root's key k set from the leaf's first record. */
void xlog_bmbt_root_key(uint8_t *root, uint32_t k, const uint8_t *leaf, uint32_t hdr) XFS_HIDDEN;
/* nw inserted at index at of the full leaf b, the root's entry i: a shift or a split.
 * 0, 1 or <0. */
int xlog_bmbt_leaf_unfull(struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz, uint32_t i, struct blk *b,
			  uint32_t at, const struct bext *nw) XFS_HIDDEN;
/* intent_bmap.c: a new bmbt block near agbno of AG ag for inode ino (xfs_bmbt_alloc_block),
 * its dquot charge with it. 0, 1 or <0. */
int xlog_bmbt_alloc(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t ino, uint32_t *bno) XFS_HIDDEN;

#endif /* FSIMG_XLOG_BMBT_H */
