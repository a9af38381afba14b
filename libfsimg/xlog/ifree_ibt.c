/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inode btrees (inobt, finobt) as xfs_difree edits them when the mount
 * frees an unlinked inode: a lookup down any number of levels, the record
 * updated in its leaf, a finobt record inserted into a leaf with room, the
 * parents' keys logged as xfs_btree_update_keys does.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"

#define XFS_FIBT_MAGIC 0x46494254u     /* FIBT */
#define XFS_FIBT_CRC_MAGIC 0x46494233u /* FIB3 */
#define INOBT_KEY_PTR_LEN 8u
#define INOBT_MAXLEVELS 9u


struct path {
	struct blk *b[INOBT_MAXLEVELS];
	uint32_t idx[INOBT_MAXLEVELS]; /* 0-based index in the block at each level */
	uint32_t levels;
};


/*
 * xfs_btree_lookup down an inode btree (inobt or finobt) to the leaf record
 * of startino (eq) or holding agino (le): path->idx[0] is the record found
 * or, when *found is false, where startino would be inserted.
 */
static int ibt_lookup(struct fin *f, uint32_t ag, uint32_t root, uint32_t levels, uint32_t magic,
		      uint32_t agino, bool eq, struct path *p, bool *found)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, hdr = fs->v5 ? 56u : 16u, agbno = root;
	int err;

	*found = false;
	if (levels == 0 || levels > INOBT_MAXLEVELS)
		return xlog_fin_refuse(f, "inode btree of %llu levels", (unsigned long long)levels);
	p->levels = levels;
	for (uint32_t l = levels; l-- > 0;) {
		struct blk *b;
		uint32_t n, i, max = (bs - hdr) / (l ? INOBT_KEY_PTR_LEN : INOBT_REC_LEN);
		if (agbno == 0 || agbno >= fs->sb.agblocks)
			return xlog_fin_refuse(f, "inode btree pointer %llu out of the AG", (unsigned long long)agbno);
		if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), bs / XLOG_BBSIZE, K_BTREE, &b)))
			return err;
		n = get_be16(b->b + 6);
		if (get_be32(b->b) != magic || get_be16(b->b + 4) != l || n > max || (l && n == 0))
			return xlog_fin_refuse(f, "inode btree block %llu is not what its parent says", (unsigned long long)agbno);
		p->b[l] = b;
		if (l) {
			/* the last key <= agino, or the first (xfs_btree_lookup) */
			for (i = 0; i + 1 < n && get_be32(b->b + hdr + 4 * (i + 1)) <= agino; i++)
				;
			p->idx[l] = i;
			agbno = get_be32(b->b + hdr + 4 * max + 4 * i);
			continue;
		}
		for (i = 0; i < n && get_be32(b->b + hdr + INOBT_REC_LEN * i) <= agino; i++)
			;
		/* i: the first record past agino */
		if (eq) {
			*found = i > 0 && get_be32(b->b + hdr + INOBT_REC_LEN * (i - 1)) == agino;
			p->idx[0] = *found ? i - 1 : i;
		} else {
			*found = i > 0 && agino - get_be32(b->b + hdr + INOBT_REC_LEN * (i - 1)) < INODES_PER_CHUNK;
			p->idx[0] = i ? i - 1 : 0;
		}
	}
	return 0;
}

/* xfs_btree_update_keys after a change at the first record of the leaf: the parents'
 * keys are copied and logged up the path while the change is at a block's start. */
static void ibt_update_keys(struct fin *f, struct path *p)
{
	uint32_t hdr = f->log->fs->v5 ? 56u : 16u;
	uint32_t key = get_be32(p->b[0]->b + hdr);

	for (uint32_t l = 1; l < p->levels; l++) {
		put_be32(p->b[l]->b + hdr + 4 * p->idx[l], key);
		p->b[l]->dirty = true;
		if (p->idx[l] != 0)
			break;
	}
}

/* The inobt record holding agino set free (xfs_difree_inobt); rec gets the record after. */
int xlog_fin_difree_inobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, uint8_t rec[16])
{
	xfs_fs *fs = f->log->fs;
	uint32_t hdr = fs->v5 ? 56u : 16u, off;
	struct path p;
	bool found;
	uint8_t *r;
	uint64_t freemask;
	int err;

	if ((err = ibt_lookup(f, ag, get_be32(agi->b + AGI_ROOT), get_be32(agi->b + AGI_LEVEL),
			      fs->v5 ? XFS_IBT_CRC_MAGIC : XFS_IBT_MAGIC, agino, false, &p, &found)))
		return err;
	if (!found)
		return xlog_fin_refuse(f, "no inobt record holds agino %llu", (unsigned long long)agino);
	r = p.b[0]->b + hdr + INOBT_REC_LEN * p.idx[0];
	off = agino - get_be32(r);
	freemask = get_be64(r + 8);
	if (freemask & (1ull << off))
		return xlog_fin_refuse(f, "the inobt says agino %llu is free already", (unsigned long long)agino);
	freemask |= 1ull << off;
	if (freemask == UINT64_MAX)
		return xlog_fin_refuse(f, "freeing it frees its inode chunk (not done yet)");
	/* ir_freecount: a byte after the holemask and count (sparse inodes), else 32 bits */
	if (fs->sparse_inodes)
		r[7]++;
	else
		put_be32(r + 4, get_be32(r + 4) + 1);
	put_be64(r + 8, freemask);
	p.b[0]->dirty = true;
	if (p.idx[0] == 0)
		ibt_update_keys(f, &p);
	memcpy(rec, r, INOBT_REC_LEN);
	put_be32(agi->b + AGI_FREECOUNT, get_be32(agi->b + AGI_FREECOUNT) + 1);
	agi->dirty = true;
	return 0;
}

/* xfs_difree_finobt: the record updated, or inserted when its chunk had no free inode. */
int xlog_fin_difree_finobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, const uint8_t rec[16])
{
	xfs_fs *fs = f->log->fs;
	uint32_t hdr = 56u, bs = fs->blocksize, start = get_be32(rec), n;
	struct path p;
	bool found;
	uint8_t *r;
	int err;

	if ((err = ibt_lookup(f, ag, get_be32(agi->b + AGI_FREE_ROOT), get_be32(agi->b + AGI_FREE_LEVEL),
			      XFS_FIBT_CRC_MAGIC, start, true, &p, &found)))
		return err;
	r = p.b[0]->b + hdr + INOBT_REC_LEN * p.idx[0];
	if (found) {
		uint32_t off = agino - start;
		uint64_t freemask = get_be64(r + 8);
		if (freemask & (1ull << off))
			return xlog_fin_refuse(f, "the finobt says agino %llu is free already", (unsigned long long)agino);
		if (fs->sparse_inodes)
			r[7]++;
		else
			put_be32(r + 4, get_be32(r + 4) + 1);
		put_be64(r + 8, freemask | (1ull << off));
		if (memcmp(r, rec, INOBT_REC_LEN))
			return xlog_fin_refuse(f, "the finobt and inobt records of agino %llu disagree", (unsigned long long)agino);
	} else {
		n = get_be16(p.b[0]->b + 6);
		if ((fs->sparse_inodes ? rec[7] : get_be32(rec + 4)) != 1)
			return xlog_fin_refuse(f, "the finobt lacks the record of agino %llu", (unsigned long long)agino);
		if (n >= (bs - hdr) / INOBT_REC_LEN)
			return xlog_fin_refuse(f, "inserting into the finobt splits a leaf (not done yet)");
		memmove(r + INOBT_REC_LEN, r, (size_t)(n - p.idx[0]) * INOBT_REC_LEN);
		memcpy(r, rec, INOBT_REC_LEN);
		put_be16(p.b[0]->b + 6, (uint16_t)(n + 1));
	}
	p.b[0]->dirty = true;
	if (p.idx[0] == 0)
		ibt_update_keys(f, &p);
	return 0;
}
