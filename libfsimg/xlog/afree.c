/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Freeing an extent as the kernel's deferred extent free does it
 * (xfs_trans_free_extent -> __xfs_free_extent): xfs_alloc_fix_freelist
 * first, then xfs_free_ag_extent, which merges the extent with its free
 * neighbours in the by-block btree and replaces their by-size records, the
 * AGF's free block count and longest extent (xfs_allocbt_update_lastrec)
 * following. Records move in a leaf as xfs_btree_insrec / xfs_btree_delrec
 * move them (a deleted slot keeps its bytes past the record count), so the
 * leaf is the kernel's byte for byte.
 *
 * Done only where it is exact: both free space btrees a single leaf (the
 * root), inserts that fit it, and an AGFL already as long as
 * xfs_alloc_min_freelist wants (else the kernel refills or shrinks it). On
 * an rmapbt filesystem the extent's rmap record goes first (xfs_rmap_free,
 * rmap.c) unless the free names no owner (XFS_RMAP_OWN_NULL: the unmap that
 * queued it removed the record already).
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/rmap.h"

#define XFS_ABTB_MAGIC 0x41425442u     /* ABTB */
#define XFS_ABTB_CRC_MAGIC 0x41423342u /* AB3B */
#define XFS_ABTC_MAGIC 0x41425443u     /* ABTC */
#define XFS_ABTC_CRC_MAGIC 0x41423343u /* AB3C */
#define NULLAGBLOCK 0xffffffffu
#define ALLOC_REC_LEN 8u
/* the AGF fields used (struct xfs_agf) */
#define AGF_BNO_ROOT 16u
#define AGF_CNT_ROOT 20u
#define AGF_BNO_LEVEL 28u
#define AGF_CNT_LEVEL 32u
#define AGF_RMAP_LEVEL 36u
#define AGF_FLCOUNT 48u
#define AGF_FREEBLKS 52u
#define AGF_LONGEST 56u

struct leaf {
	struct blk *b;
	uint8_t *rec;   /* the first record */
	uint32_t n, max;
};

static int leaf_get(struct fin *f, uint32_t ag, uint32_t root, uint32_t levels, uint32_t magic,
		    struct leaf *l)
{
	xfs_fs *fs = f->log->fs;
	uint32_t hdr = fs->v5 ? 56u : 16u, bs = fs->blocksize;
	int err;

	if (levels != 1)
		return xlog_fin_refuse(f, "a free space btree of %u levels (not done yet)", levels);
	if (root == 0 || root >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "free space btree root %u out of the AG", root);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, root), bs / XLOG_BBSIZE, K_BTREE, &l->b)))
		return err;
	l->rec = l->b->b + hdr;
	l->n = get_be16(l->b->b + 6);
	l->max = (bs - hdr) / ALLOC_REC_LEN;
	if (get_be32(l->b->b) != magic || get_be16(l->b->b + 4) != 0 || l->n > l->max ||
	    get_be32(l->b->b + 8) != NULLAGBLOCK || get_be32(l->b->b + 12) != NULLAGBLOCK)
		return xlog_fin_refuse(f, "free space btree block %u is not a root leaf", root);
	return 0;
}

static uint32_t rec_bno(const struct leaf *l, uint32_t i) { return get_be32(l->rec + ALLOC_REC_LEN * i); }
static uint32_t rec_len(const struct leaf *l, uint32_t i) { return get_be32(l->rec + ALLOC_REC_LEN * i + 4); }

static void rec_set(struct leaf *l, uint32_t i, uint32_t bno, uint32_t len)
{
	put_be32(l->rec + ALLOC_REC_LEN * i, bno);
	put_be32(l->rec + ALLOC_REC_LEN * i + 4, len);
	l->b->dirty = true;
}

/* xfs_btree_delrec in a root leaf: the records after i shift down; the last slot keeps its bytes. */
static void rec_delete(struct leaf *l, uint32_t i)
{
	memmove(l->rec + ALLOC_REC_LEN * i, l->rec + ALLOC_REC_LEN * (i + 1), (size_t)(l->n - i - 1) * ALLOC_REC_LEN);
	l->n--;
	put_be16(l->b->b + 6, (uint16_t)l->n);
	l->b->dirty = true;
}

/* xfs_btree_insrec in a root leaf with room. */
static int rec_insert(struct fin *f, struct leaf *l, uint32_t i, uint32_t bno, uint32_t len)
{
	if (l->n >= l->max)
		return xlog_fin_refuse(f, "a free space btree leaf would split (not done yet)");
	memmove(l->rec + ALLOC_REC_LEN * (i + 1), l->rec + ALLOC_REC_LEN * i, (size_t)(l->n - i) * ALLOC_REC_LEN);
	l->n++;
	put_be16(l->b->b + 6, (uint16_t)l->n);
	rec_set(l, i, bno, len);
	return 0;
}

/* The by-size position of (len, bno): its index when eq, else where it would be inserted. */
static uint32_t cnt_pos(const struct leaf *c, uint32_t bno, uint32_t len, bool *eq)
{
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		uint32_t rl = rec_len(c, i), rb = rec_bno(c, i);
		if (rl > len || (rl == len && rb >= bno))
			break;
	}
	*eq = i < c->n && rec_len(c, i) == len && rec_bno(c, i) == bno;
	return i;
}

/* A by-size record deleted, with xfs_allocbt_update_lastrec's LASTREC_DELREC. */
static int cnt_delete(struct fin *f, struct leaf *c, uint8_t *agf, uint32_t bno, uint32_t len)
{
	bool eq;
	uint32_t i = cnt_pos(c, bno, len, &eq);

	if (!eq)
		return xlog_fin_refuse(f, "no by-size record for free extent %u+%u", bno, len);
	rec_delete(c, i);
	if (i + 1 > c->n)
		put_be32(agf + AGF_LONGEST, c->n ? rec_len(c, c->n - 1) : 0);
	return 0;
}

int xlog_fin_fix_freelist(struct fin *f, uint32_t ag, struct blk **out)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ss = fs->sb.sectsize, need;
	struct blk *agfb;
	uint8_t *agf;
	int err;

	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, 0) + ss / XLOG_BBSIZE, ss / XLOG_BBSIZE, K_AGF, &agfb)))
		return err;
	agf = agfb->b;
	if (get_be32(agf) != XFS_AGF_MAGIC)
		return xlog_fin_refuse(f, "AG %u has no AGF", ag);
	/* xfs_alloc_min_freelist (6.1 stable, with "account extra freespace btree splits for
	 * multiple allocations"): 2 * (levels + 1) - 2 for each free space btree and the
	 * rmapbt (the caps at the maximum heights are never reached by a valid AGF) */
	need = 2 * get_be32(agf + AGF_BNO_LEVEL) + 2 * get_be32(agf + AGF_CNT_LEVEL);
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT)
		need += 2 * get_be32(agf + AGF_RMAP_LEVEL);
	if (get_be32(agf + AGF_FLCOUNT) != need)
		return xlog_fin_refuse(f, "the AGFL of AG %u (%u blocks, %u wanted) would be refilled or shrunk (not done yet)",
				       ag, get_be32(agf + AGF_FLCOUNT), need);
	*out = agfb;
	return 0;
}

int xlog_fin_free_extent(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len)
{
	return xlog_fin_free_owned(f, ag, bno, len, RMAP_OWN_NULL, 0, 0);
}

int xlog_fin_free_owned(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
			uint32_t flags)
{
	xfs_fs *fs = f->log->fs;
	uint32_t i, ltbno = 0, ltlen = 0, gtbno = 0, gtlen = 0, nbno, nlen;
	bool haveleft = false, haveright = false, eq;
	struct leaf bnol, cntl;
	struct blk *agfb;
	uint8_t *agf;
	int err;

	if (len == 0 || bno >= fs->sb.agblocks || len > fs->sb.agblocks - bno)
		return xlog_fin_refuse(f, "extent %u+%u out of its AG", bno, len);
	if ((err = xlog_fin_fix_freelist(f, ag, &agfb)))
		return err;
	agf = agfb->b;
	if ((fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) &&
	    (err = xlog_fin_rmap_free(f, ag, bno, len, owner, off, flags)))
		return err;
	if ((err = leaf_get(f, ag, get_be32(agf + AGF_BNO_ROOT), get_be32(agf + AGF_BNO_LEVEL),
			    fs->v5 ? XFS_ABTB_CRC_MAGIC : XFS_ABTB_MAGIC, &bnol)) ||
	    (err = leaf_get(f, ag, get_be32(agf + AGF_CNT_ROOT), get_be32(agf + AGF_CNT_LEVEL),
			    fs->v5 ? XFS_ABTC_CRC_MAGIC : XFS_ABTC_MAGIC, &cntl)))
		return err;

	/* xfs_free_ag_extent: the neighbours by block number */
	for (i = 0; i < bnol.n && rec_bno(&bnol, i) <= bno; i++)
		;
	if (i > 0) {
		ltbno = rec_bno(&bnol, i - 1);
		ltlen = rec_len(&bnol, i - 1);
		if ((uint64_t)ltbno + ltlen > bno)
			return xlog_fin_refuse(f, "extent %u+%u is free already", bno, len);
		haveleft = ltbno + ltlen == bno;
	}
	if (i < bnol.n) {
		gtbno = rec_bno(&bnol, i);
		gtlen = rec_len(&bnol, i);
		if (gtbno < bno + len)
			return xlog_fin_refuse(f, "extent %u+%u is free already", bno, len);
		haveright = gtbno == bno + len;
	}
	if (haveleft && (err = cnt_delete(f, &cntl, agf, ltbno, ltlen)))
		return err;
	if (haveright && (err = cnt_delete(f, &cntl, agf, gtbno, gtlen)))
		return err;
	if (haveleft && haveright) {
		rec_delete(&bnol, i);
		nbno = ltbno;
		nlen = ltlen + len + gtlen;
		rec_set(&bnol, i - 1, nbno, nlen);
	} else if (haveleft) {
		nbno = ltbno;
		nlen = ltlen + len;
		rec_set(&bnol, i - 1, nbno, nlen);
	} else if (haveright) {
		nbno = bno;
		nlen = len + gtlen;
		rec_set(&bnol, i, nbno, nlen);
	} else {
		nbno = bno;
		nlen = len;
		if ((err = rec_insert(f, &bnol, i, nbno, nlen)))
			return err;
	}
	/* the by-size record of the result, with LASTREC_INSREC */
	i = cnt_pos(&cntl, nbno, nlen, &eq);
	if (eq)
		return xlog_fin_refuse(f, "a by-size record for %u+%u exists already", nbno, nlen);
	if ((err = rec_insert(f, &cntl, i, nbno, nlen)))
		return err;
	if (nlen > get_be32(agf + AGF_LONGEST))
		put_be32(agf + AGF_LONGEST, nlen);
	/* xfs_alloc_update_counters */
	put_be32(agf + AGF_FREEBLKS, get_be32(agf + AGF_FREEBLKS) + len);
	agfb->dirty = true;
	return 0;
}
