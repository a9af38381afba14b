/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inode btrees (inobt, finobt) as xfs_difree edits them when the mount
 * frees an unlinked inode, through agbt.c (the kernel's generic btree
 * code): the inobt record holding the inode looked up and updated, the
 * finobt record updated or inserted (shifting records to a sibling when
 * its leaf is full). When the inode was its chunk's last (ir_free all
 * ones; the default mount, not ikeep; at most 64 inodes a block) the chunk
 * goes (xfs_difree_inobt): the AGI's count and free count drop by the
 * chunk's inodes, both btrees' records are deleted (borrowing from or
 * joining with a sibling, killing the root), and the chunk's blocks are
 * queued to be freed, a sparse chunk's by the runs of its holemask
 * (xfs_difree_inode_chunk).
 *
 * The trees' parts (xfs_ialloc_btree.c): 16-byte records keyed by their
 * startino, the root in the AGI, a block given back freed at once
 * (xfs_inobt_free_block: xfs_free_extent with XFS_RMAP_OWN_INOBT; the
 * finobt's from its per-AG reservation, which changes no on-disk byte
 * beyond the AGF's), the AGI's iblocks and fblocks following with
 * inobtcount. A new block (a split, a new root) comes from the AG's free
 * space near the block split (anear.c: xfs_alloc_ag_vextent_near), not
 * the AGFL.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/agbt.h"
#include "xlog/ifree.h"

#define XFS_FIBT_MAGIC 0x46494254u     /* FIBT */
#define XFS_FIBT_CRC_MAGIC 0x46494233u /* FIB3 */
#define RMAP_OWN_INOBT ((uint64_t)-6)  /* XFS_RMAP_OWN_INOBT */
#define AGI_IBLOCKS 336u
#define AGI_FBLOCKS 340u
#define INOBT_KEY_LEN 4u
#define HOLEMASK_BITS 16u
#define INODES_PER_HOLEMASK_BIT (INODES_PER_CHUNK / HOLEMASK_BITS)

/* xfs_inobt_init_key_from_rec, xfs_inobt_diff_two_keys */
static void i_key(uint8_t *key, const uint8_t *rec) { memcpy(key, rec, INOBT_KEY_LEN); }

static int i_cmp(const uint8_t *a, const uint8_t *b)
{
	uint32_t x = get_be32(a), y = get_be32(b);
	return x < y ? -1 : x > y;
}

/* xfs_inobt_mod_blockcount: the AGI's iblocks or fblocks with inobtcount */
static void i_count(struct agbt_cur *c, int inc)
{
	struct blk *agi = c->priv;
	uint32_t off = c->ops->magic == XFS_FIBT_CRC_MAGIC || c->ops->magic == XFS_FIBT_MAGIC ? AGI_FBLOCKS
											     : AGI_IBLOCKS;

	if (!(c->f->log->fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_INOBTCNT))
		return;
	put_be32(agi->b + off, get_be32(agi->b + off) + (uint32_t)inc);
	agi->dirty = true;
	xlog_fin_log_range(c->f, agi, off, off + 3);
}

/* __xfs_inobt_alloc_block: one block near the block split (or the old root) from the AG's
 * free space (xfs_alloc_vextent, XFS_ALLOCTYPE_NEAR_BNO, owner XFS_RMAP_OWN_INOBT; the
 * finobt's from its per-AG reservation, which changes no on-disk byte beyond the AGF's),
 * then the count */
static int i_alloc(struct agbt_cur *c, uint32_t *agbno)
{
	int err;

	if ((err = xlog_fin_alloc_near(c->f, c->ag, c->start, RMAP_OWN_INOBT, agbno)))
		return err;
	i_count(c, 1);
	return 0;
}

/* __xfs_inobt_free_block: the count first, then xfs_free_extent of the block at once */
static int i_free(struct agbt_cur *c, uint32_t agbno)
{
	i_count(c, -1);
	return xlog_fin_free_owned(c->f, c->ag, agbno, 1, RMAP_OWN_INOBT, 0, 0);
}

/* xfs_inobt_set_root, xfs_finobt_set_root */
static void ino_root(struct agbt_cur *c, uint32_t root, int inc) { agbt_root_at(c, AGI_ROOT, AGI_LEVEL, root, inc); }
static void fino_root(struct agbt_cur *c, uint32_t root, int inc)
{
	agbt_root_at(c, AGI_FREE_ROOT, AGI_FREE_LEVEL, root, inc);
}

static const struct agbt_ops ino_ops[2] = {
	{ "inobt", XFS_IBT_MAGIC, INOBT_REC_LEN, INOBT_KEY_LEN, false, i_key, NULL, i_cmp, i_alloc, i_free, ino_root,
	  NULL },
	{ "inobt", XFS_IBT_CRC_MAGIC, INOBT_REC_LEN, INOBT_KEY_LEN, false, i_key, NULL, i_cmp, i_alloc, i_free,
	  ino_root, NULL },
};
static const struct agbt_ops fino_ops[2] = {
	{ "finobt", XFS_FIBT_MAGIC, INOBT_REC_LEN, INOBT_KEY_LEN, false, i_key, NULL, i_cmp, i_alloc, i_free,
	  fino_root, NULL },
	{ "finobt", XFS_FIBT_CRC_MAGIC, INOBT_REC_LEN, INOBT_KEY_LEN, false, i_key, NULL, i_cmp, i_alloc, i_free,
	  fino_root, NULL },
};

/* xfs_inobt_get_rec's checks of a record (6.1's xfs_inobt_check_irec): its chunk inside the
 * AG, the count of inodes and the free count in bounds, the free count that of the free
 * mask's allocated inodes (xfs_inobt_irec_to_allocmask: a holemask bit is four inodes). */
static bool irec_ok(const xfs_fs *fs, uint32_t ag, const uint8_t *r)
{
	uint32_t count = INODES_PER_CHUNK, freecount, n = 0;
	uint64_t free = get_be64(r + 8);

	if (fs->sparse_inodes) {
		uint16_t hole = get_be16(r + 4);
		count = r[6];
		freecount = r[7];
		for (uint32_t i = 0; i < HOLEMASK_BITS; i++)
			if (hole & (1u << i))
				free &= ~(0xfull << (i * INODES_PER_HOLEMASK_BIT));
	} else {
		freecount = get_be32(r + 4);
	}
	for (; free; free &= free - 1)
		n++;
	return (get_be32(r) >> fs->sb.inopblog) < xfs_ag_length(fs, ag) && count >= INODES_PER_HOLEMASK_BIT &&
	       count <= INODES_PER_CHUNK && freecount <= INODES_PER_CHUNK && n == freecount;
}

/* xfs_inobt_lookup of startino (dir as xfs_lookup_t), the record found into *r. 0, 1, <0. */
static int ibt_lookup(struct agbt_cur *c, uint32_t startino, int dir, const uint8_t **r, int *stat)
{
	uint8_t key[INOBT_REC_LEN] = { 0 };
	int err;

	put_be32(key, startino);
	*r = NULL;
	if ((err = agbt_lookup(c, dir, key, stat)) || !*stat)
		return err;
	if (!(*r = agbt_get(c)))
		return xlog_fin_refuse(c->f, "AG %u: the %s lookup of %u found no record", c->ag, c->ops->name, startino);
	if (!irec_ok(c->f->log->fs, c->ag, *r))
		return xlog_fin_refuse(c->f, "AG %u: %s record of agino %u is not valid", c->ag, c->ops->name,
				       get_be32(*r));
	return 0;
}

/* xfs_btree_delete of the record under the cursor. 0, 1 or <0. */
static int ibt_delete(struct agbt_cur *c)
{
	int stat, err;

	if ((err = agbt_delete(c, &stat)))
		return err;
	return stat == 1 ? 0 : xlog_fin_refuse(c->f, "AG %u: a %s delete off the records", c->ag, c->ops->name);
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

static const char ichunk_unsized[] = "an inode chunk's free before its clusters are invalidated";


/*
 * The freed chunk's clusters are in the running checkpoint now (ichunk_stale; force.c sizes
 * them as the kernel's xfs_ifree_cluster logs them: each allocated cluster of the chunk
 * invalidated at the cluster's length, read before or not, and the chunk's inodes' items
 * that stay in the CIL, the one freed now with its core): a force is sized again. Kernel
 * rows xn-ichunkhold-1k-rmap-ag2-lb256k and xn-ichunkhold-1k-ag2 (two chunks freed, then
 * forces): the forced checkpoint one basic block short without them, every later LSN stamp
 * with it.
 */
void xlog_fin_ichunk_sized(struct fin *f)
{
	if (f->cp_unsized == ichunk_unsized) {
		f->cp_sized = true;
		f->cp_unsized = NULL;
	}
}

/* The inobt record holding agino set free (xfs_difree_inobt); rec gets the record after. */
int xlog_fin_difree_inobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, uint8_t rec[16],
			  bool *deleted)
{
	xfs_fs *fs = f->log->fs;
	struct agbt_cur c;
	const uint8_t *r;
	uint32_t off;
	int stat, err;

	if ((err = agbt_init(&c, f, &ino_ops[fs->v5], agi, ag, get_be32(agi->b + AGI_ROOT),
			     get_be32(agi->b + AGI_LEVEL))) ||
	    (err = ibt_lookup(&c, agino, AGBT_LOOKUP_LE, &r, &stat)))
		return err;
	if (!stat || agino - get_be32(r) >= INODES_PER_CHUNK)
		return xlog_fin_refuse(f, "no inobt record holds agino %llu", (unsigned long long)agino);
	off = agino - get_be32(r);
	if (get_be64(r + 8) & (1ull << off))
		return xlog_fin_refuse(f, "the inobt says agino %llu is free already", (unsigned long long)agino);
	rec_free(rec, r, off, fs->sparse_inodes);
	agi->dirty = true;
	xlog_fin_log_range(f, agi, AGI_COUNT, AGI_FREECOUNT + 3); /* xfs_difree_inobt's xfs_ialloc_log_agi */
	*deleted = get_be64(rec + 8) == UINT64_MAX && fs->sb.inopblock <= INODES_PER_CHUNK;
	if (*deleted) {
		uint32_t ilen = fs->sparse_inodes ? rec[7] : get_be32(rec + 4);
		if (ilen > get_be32(agi->b + AGI_COUNT) || ilen - 1 > get_be32(agi->b + AGI_FREECOUNT))
			return xlog_fin_refuse(f, "the AGI counts fewer inodes than the chunk of agino %llu",
					       (unsigned long long)agino);
		put_be32(agi->b + AGI_COUNT, get_be32(agi->b + AGI_COUNT) - ilen);
		put_be32(agi->b + AGI_FREECOUNT, get_be32(agi->b + AGI_FREECOUNT) - (ilen - 1));
		/* the kernel's ifree transaction invalidates the chunk's clusters before its deferred
		 * frees run (xfs_ifree_cluster, then xfs_defer_finish's roll); the finish stales them
		 * after (ifree.c, ichunk_stale): a v5 force in between is refused, its checkpoint
		 * would lack them (ichunk_stale stales them, and lifts this) */
		if (fs->v5 && f->cp_sized) {
			f->cp_sized = false;
			f->cp_unsized = ichunk_unsized;
		}
		return ibt_delete(&c);
	}
	if ((err = agbt_update(&c, rec)))
		return err;
	put_be32(agi->b + AGI_FREECOUNT, get_be32(agi->b + AGI_FREECOUNT) + 1);
	return 0;
}

/* xfs_difree_finobt: the record updated, or inserted when its chunk had no free inode. */
int xlog_fin_difree_finobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, const uint8_t rec[16],
			   bool deleted)
{
	xfs_fs *fs = f->log->fs;
	uint32_t start = get_be32(rec);
	uint8_t nr[INOBT_REC_LEN];
	struct agbt_cur c;
	const uint8_t *r;
	int stat, err;

	if ((err = agbt_init(&c, f, &fino_ops[fs->v5], agi, ag, get_be32(agi->b + AGI_FREE_ROOT),
			     get_be32(agi->b + AGI_FREE_LEVEL))) ||
	    (err = ibt_lookup(&c, start, AGBT_LOOKUP_EQ, &r, &stat)))
		return err;
	if (!stat) {
		/* xfs_inobt_insert_rec of the inobt's record */
		if ((fs->sparse_inodes ? rec[7] : get_be32(rec + 4)) != 1)
			return xlog_fin_refuse(f, "the finobt lacks the record of agino %llu", (unsigned long long)agino);
		if ((err = agbt_insert(&c, rec, &stat)))
			return err;
		return stat == 1 ? 0 : xlog_fin_refuse(f, "AG %u: the finobt record of agino %llu would not go in", ag,
						       (unsigned long long)agino);
	}
	if (get_be64(r + 8) & (1ull << (agino - start)))
		return xlog_fin_refuse(f, "the finobt says agino %llu is free already", (unsigned long long)agino);
	rec_free(nr, r, agino - start, fs->sparse_inodes);
	if (memcmp(nr, rec, INOBT_REC_LEN))
		return xlog_fin_refuse(f, "the finobt and inobt records of agino %llu disagree", (unsigned long long)agino);
	return deleted ? ibt_delete(&c) : agbt_update(&c, nr);
}

/* xfs_difree_inode_chunk: the blocks of the chunk whose inobt record is rec queued to be
 * freed (owner XFS_RMAP_OWN_INODES), one extent per run of allocated holemask bits. */
int xlog_fin_ichunk_free(struct fin *f, uint32_t ag, const uint8_t rec[INOBT_REC_LEN], uint32_t *ntx)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ipb = fs->sb.inopblock, sagbno = get_be32(rec) >> fs->sb.inopblog;
	uint32_t hole = fs->sparse_inodes ? get_be16(rec + 4) : 0, n = 0;
	struct efree q[HOLEMASK_BITS];

	if (ipb == 0 || ipb > INODES_PER_CHUNK || sagbno + INODES_PER_CHUNK / ipb > xfs_ag_length(fs, ag))
		return xlog_fin_refuse(f, "its inode chunk at agino %llu is out of the AG", (unsigned long long)get_be32(rec));
	XFIN_COUNT(f, XFC_IFREE_CHUNK);
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
