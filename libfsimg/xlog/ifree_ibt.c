/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inode btrees (inobt, finobt) as xfs_difree edits them when the mount
 * frees an unlinked inode: a lookup down any number of levels, the record
 * updated in its leaf, a finobt record inserted into a leaf with room, the
 * parents' keys logged as xfs_btree_update_keys does. When the inode was
 * its chunk's last (ir_free all ones; the default mount, not ikeep; at most
 * 64 inodes a block) the chunk goes (xfs_difree_inobt): the AGI's count
 * and free count drop by the chunk's inodes, both btrees' records are
 * removed (xfs_btree_delrec: the records after it moved down, the last
 * slot's bytes left, the parents' keys updated when it was a leaf's first;
 * a leaf left under its minimum would be joined with a sibling, which is
 * refused), and the chunk's blocks are queued to be freed, a sparse chunk's
 * by the runs of its holemask (xfs_difree_inode_chunk).
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
#define HOLEMASK_BITS 16u
#define INODES_PER_HOLEMASK_BIT (INODES_PER_CHUNK / HOLEMASK_BITS)

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

/* xfs_btree_delrec of the leaf record at the path: 0, 1 (refused: a join) */
static int ibt_delete(struct fin *f, struct path *p)
{
	xfs_fs *fs = f->log->fs;
	uint32_t hdr = fs->v5 ? 56u : 16u, i = p->idx[0];
	uint8_t *b = p->b[0]->b, *r = b + hdr + INOBT_REC_LEN * i;
	uint32_t n = get_be16(b + 6), minrecs = (fs->blocksize - hdr) / INOBT_REC_LEN / 2;

	if (p->levels > 1 && n - 1 < minrecs)
		return xlog_fin_refuse(f, "removing an inode btree record leaves its leaf under %u records (a join: not done yet)",
				       minrecs);
	memmove(r, r + INOBT_REC_LEN, (size_t)(n - 1 - i) * INOBT_REC_LEN);
	put_be16(b + 6, (uint16_t)(n - 1));
	p->b[0]->dirty = true;
	if (i == 0 && n > 1)
		ibt_update_keys(f, p);
	return 0;
}

/* The record r with inode off of its chunk set free (ir_free, ir_freecount: a byte after
 * the holemask and count with sparse inodes, else 32 bits) into out; r is left as it is,
 * as a record xfs_btree_delete removes keeps its bytes in the slot past the last. */
static void rec_free(uint8_t out[INOBT_REC_LEN], const uint8_t *r, uint32_t off, bool sparse)
{
	memcpy(out, r, INOBT_REC_LEN);
	if (sparse)
		out[7]++;
	else
		put_be32(out + 4, get_be32(out + 4) + 1);
	put_be64(out + 8, get_be64(out + 8) | (1ull << off));
}

/* The inobt record holding agino set free (xfs_difree_inobt); rec gets the record after. */
int xlog_fin_difree_inobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, uint8_t rec[16],
			  bool *deleted)
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
	rec_free(rec, r, off, fs->sparse_inodes);
	agi->dirty = true;
	*deleted = get_be64(rec + 8) == UINT64_MAX && fs->sb.inopblock <= INODES_PER_CHUNK;
	if (*deleted) {
		uint32_t ilen = fs->sparse_inodes ? rec[7] : get_be32(rec + 4);
		if (ilen > get_be32(agi->b + AGI_COUNT) || ilen - 1 > get_be32(agi->b + AGI_FREECOUNT))
			return xlog_fin_refuse(f, "the AGI counts fewer inodes than the chunk of agino %llu",
					       (unsigned long long)agino);
		put_be32(agi->b + AGI_COUNT, get_be32(agi->b + AGI_COUNT) - ilen);
		put_be32(agi->b + AGI_FREECOUNT, get_be32(agi->b + AGI_FREECOUNT) - (ilen - 1));
		return ibt_delete(f, &p);
	}
	memcpy(r, rec, INOBT_REC_LEN);
	p.b[0]->dirty = true;
	if (p.idx[0] == 0)
		ibt_update_keys(f, &p);
	put_be32(agi->b + AGI_FREECOUNT, get_be32(agi->b + AGI_FREECOUNT) + 1);
	return 0;
}

/* xfs_difree_finobt: the record updated, or inserted when its chunk had no free inode. */
int xlog_fin_difree_finobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, const uint8_t rec[16],
			   bool deleted)
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
		uint8_t nr[INOBT_REC_LEN];
		if (get_be64(r + 8) & (1ull << off))
			return xlog_fin_refuse(f, "the finobt says agino %llu is free already", (unsigned long long)agino);
		rec_free(nr, r, off, fs->sparse_inodes);
		if (memcmp(nr, rec, INOBT_REC_LEN))
			return xlog_fin_refuse(f, "the finobt and inobt records of agino %llu disagree", (unsigned long long)agino);
		if (deleted)
			return ibt_delete(f, &p);
		memcpy(r, nr, INOBT_REC_LEN);
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

/* xfs_difree_inode_chunk: the blocks of the chunk whose inobt record is rec queued to be
 * freed (owner XFS_RMAP_OWN_INODES), one extent per run of allocated holemask bits. */
int xlog_fin_ichunk_free(struct fin *f, uint32_t ag, const uint8_t rec[INOBT_REC_LEN], uint32_t *ntx)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ipb = fs->sb.inopblock, sagbno = get_be32(rec) >> fs->sb.inopblog;
	uint32_t hole = fs->sparse_inodes ? get_be16(rec + 4) : 0, n = 0;
	struct efree q[HOLEMASK_BITS];

	if (ipb == 0 || ipb > INODES_PER_CHUNK || sagbno + INODES_PER_CHUNK / ipb > fs->sb.agblocks)
		return xlog_fin_refuse(f, "its inode chunk at agino %llu is out of the AG", (unsigned long long)get_be32(rec));
	for (uint32_t s = 0; s < HOLEMASK_BITS;) {
		uint32_t e = s;
		if (hole & (1u << s)) {
			s++;
			continue;
		}
		while (e + 1 < HOLEMASK_BITS && !(hole & (1u << (e + 1))))
			e++;
		q[n].ag = ag;
		q[n].agbno = sagbno + s * INODES_PER_HOLEMASK_BIT / ipb;
		q[n].len = (e - s + 1) * INODES_PER_HOLEMASK_BIT / ipb;
		q[n].owner = RMAP_OWN_INODES;
		q[n].rflags = 0;
		if (q[n].len == 0)
			return xlog_fin_refuse(f, "its sparse chunk's holemask %#x splits a block", hole);
		n++;
		s = e + 1;
	}
	return xlog_fin_free_queue(f, q, n, ntx);
}
