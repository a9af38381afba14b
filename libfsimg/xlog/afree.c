/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Freeing an extent as the kernel's deferred extent free does it
 * (xfs_trans_free_extent -> __xfs_free_extent): xfs_alloc_fix_freelist
 * first, then xfs_free_ag_extent, which merges the extent with its free
 * neighbours in the by-block btree and replaces their by-size records, the
 * AGF's free block count and longest extent (xfs_allocbt_update_lastrec)
 * following. Both trees are edited through agbt.c, the kernel's generic
 * btree code step for step (shifts to siblings, splits, new roots, joins,
 * root kills), their blocks taken from and given back to the AGFL as
 * xfs_allocbt_alloc_block / _free_block do (xfs_alloc_get_freelist /
 * _put_freelist, the AGF's btreeblks following).
 *
 * xfs_alloc_fix_freelist shrinks an AGFL longer than it wants: its first
 * blocks come off and their frees are deferred (xfs_defer_agfl_block, on
 * f->agflq), finished by the caller when the deferred op that queued them
 * ends (xfs_free_agfl_block: xfs_free_ag_extent as XFS_RMAP_OINFO_AG, no
 * freelist fix, not busy). It refills a short AGFL from the by-size tree as
 * xfs_alloc_ag_vextent_size picks, the extents freed in this finish (busy)
 * trimmed off each candidate (xfs_extent_busy_trim), an XFS_RMAP_OWN_AG
 * record for the blocks. Busy extents carry the finish's transaction that
 * freed them (f->tx, bumped where the finish's transactions commit). A busy
 * block met again (a btree's block from the AGFL, an AGFL block freed)
 * freed in a committed transaction forces the log there (its stale buffer
 * is pinned): the busy extents of every committed transaction clear, the
 * running one's stay (xlog_fin_force: the checkpoint placed by force.c,
 * the later stamps carry the next one's LSN; on v5 refused where its length
 * is not modelled). On an
 * rmapbt filesystem the extent's rmap record goes first (xfs_rmap_free,
 * rmap.c) unless the free names no owner (XFS_RMAP_OWN_NULL: the unmap that
 * queued it removed the record already).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/agbt.h"
#include "xlog/rmap.h"

#define XFS_ABTB_MAGIC 0x41425442u     /* ABTB */
#define XFS_ABTB_CRC_MAGIC 0x41423342u /* AB3B */
#define XFS_ABTC_MAGIC 0x41425443u     /* ABTC */
#define XFS_ABTC_CRC_MAGIC 0x41423343u /* AB3C */
#define NULLAGBLOCK 0xffffffffu
/* the AGF fields used (struct xfs_agf) */
#define AGF_BNO_ROOT 16u
#define AGF_CNT_ROOT 20u
#define AGF_BNO_LEVEL 28u
#define AGF_CNT_LEVEL 32u
#define AGF_RMAP_LEVEL 36u
#define AGF_FLCOUNT 48u
#define AGF_FREEBLKS 52u
#define AGF_LONGEST 56u
#define AGF_FLFIRST 40u
#define AGF_FLLAST 44u
#define AGF_BTREEBLKS 60u
#define XFS_AGFL_MAGIC 0x5841464cu /* XAFL */
#define ALLOC_REC_LEN 8u

/* The AGFL's slots (xfs_agfl_size) and the block holding them, checked. */
static int agfl_read(struct fin *f, uint32_t ag, struct blk *agf, uint8_t **slots, uint32_t *size, struct blk **out)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ss = fs->sb.sectsize, hdr = fs->v5 ? XFS_AGFL_HDR_SIZE : 0;
	struct blk *b;
	int err;

	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, 0) + 3 * (ss / XLOG_BBSIZE), ss / XLOG_BBSIZE, K_AGFL, &b)))
		return err;
	if (fs->v5 && get_be32(b->b) != XFS_AGFL_MAGIC)
		return xlog_fin_refuse(f, "AG %u has no AGFL", ag);
	*size = (ss - hdr) / 4u;
	*slots = b->b + hdr;
	if (get_be32(agf->b + AGF_FLFIRST) >= *size || get_be32(agf->b + AGF_FLLAST) >= *size ||
	    get_be32(agf->b + AGF_FLCOUNT) > *size)
		return xlog_fin_refuse(f, "AG %u: the AGF's free list bounds are off the AGFL", ag);
	*out = b;
	return 0;
}

int xlog_fin_agfl_get(struct fin *f, uint32_t ag, struct blk *agf, bool btreeblk, uint32_t *bno)
{
	uint32_t size, first;
	struct blk *agfl;
	uint8_t *slots;
	int err;

	*bno = NULLAGBLOCK;
	if (get_be32(agf->b + AGF_FLCOUNT) == 0)
		return 0;
	if ((err = agfl_read(f, ag, agf, &slots, &size, &agfl)))
		return err;
	first = get_be32(agf->b + AGF_FLFIRST);
	*bno = get_be32(slots + 4u * first);
	if (*bno == 0 || *bno >= xfs_ag_length(f->log->fs, ag))
		return xlog_fin_refuse(f, "AG %u: AGFL block %u out of the AG", ag, *bno);
	put_be32(agf->b + AGF_FLFIRST, first + 1 == size ? 0 : first + 1);
	put_be32(agf->b + AGF_FLCOUNT, get_be32(agf->b + AGF_FLCOUNT) - 1);
	if (btreeblk)
		put_be32(agf->b + AGF_BTREEBLKS, get_be32(agf->b + AGF_BTREEBLKS) + 1);
	agf->dirty = true;
	xlog_fin_log_range(f, agf, AGF_FLFIRST, AGF_BTREEBLKS + 3); /* xfs_alloc_log_agf */
	return 0;
}

int xlog_fin_agfl_put(struct fin *f, uint32_t ag, struct blk *agf, bool btreeblk, uint32_t bno)
{
	uint32_t size, last;
	struct blk *agfl;
	uint8_t *slots;
	int err;

	if ((err = agfl_read(f, ag, agf, &slots, &size, &agfl)))
		return err;
	if (get_be32(agf->b + AGF_FLCOUNT) >= size)
		return xlog_fin_refuse(f, "AG %u: the AGFL is full", ag);
	last = get_be32(agf->b + AGF_FLLAST) + 1;
	if (last == size)
		last = 0;
	put_be32(agf->b + AGF_FLLAST, last);
	put_be32(agf->b + AGF_FLCOUNT, get_be32(agf->b + AGF_FLCOUNT) + 1);
	if (btreeblk)
		put_be32(agf->b + AGF_BTREEBLKS, get_be32(agf->b + AGF_BTREEBLKS) - 1);
	put_be32(slots + 4u * last, bno);
	agf->dirty = true;
	agfl->dirty = true;
	xlog_fin_log_range(f, agf, AGF_FLLAST, AGF_BTREEBLKS + 3);
	xlog_fin_log_at(f, agfl, slots + 4u * last, 4);
	return 0;
}

/* The free space btrees' parts (xfs_alloc_btree.c); priv is the AGF's block. */
static void a_key(uint8_t *key, const uint8_t *rec) { memcpy(key, rec, ALLOC_REC_LEN); }

static int u32cmp(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }

static int bno_cmp(const uint8_t *a, const uint8_t *b) { return u32cmp(get_be32(a), get_be32(b)); }

static int cnt_cmp(const uint8_t *a, const uint8_t *b)
{
	int d = u32cmp(get_be32(a + 4), get_be32(b + 4));
	return d ? d : u32cmp(get_be32(a), get_be32(b));
}

/* xfs_allocbt_alloc_block / _free_block: the AGFL; a block taken is no longer busy (or
 * forces the log), one given back is busy */
static int a_alloc(struct agbt_cur *c, uint32_t *agbno)
{
	int err = xlog_fin_agfl_get(c->f, c->ag, c->priv, true, agbno);

	if (err || *agbno == NULLAGBLOCK || (err = xlog_fin_busy_reuse(c->f, c->ag, *agbno, true)))
		return err;
	/* xfs_btree_get_buf_block: its buffer got */
	return xlog_fin_buf_lock(c->f, c->ag, *agbno);
}

static int a_free(struct agbt_cur *c, uint32_t agbno)
{
	int err = xlog_fin_agfl_put(c->f, c->ag, c->priv, true, agbno);

	if (!err)
		xlog_fin_busy_insert(c->f, c->ag, agbno, 1);
	return err;
}

static void bno_root(struct agbt_cur *c, uint32_t root, int inc)
{
	agbt_root_at(c, AGF_BNO_ROOT, AGF_BNO_LEVEL, root, inc);
}
static void cnt_root(struct agbt_cur *c, uint32_t root, int inc)
{
	agbt_root_at(c, AGF_CNT_ROOT, AGF_CNT_LEVEL, root, inc);
}

/* xfs_allocbt_update_lastrec: the AGF's longest free extent follows the by-size tree's last record. */
static void cnt_lastrec(struct agbt_cur *c, struct blk *leaf, const uint8_t *rec, uint32_t ptr, int reason)
{
	struct blk *agf = c->priv;
	uint32_t n = agbt_numrecs(leaf), len;

	if (reason == AGBT_LASTREC_UPDATE) {
		if (ptr != n)
			return;
		len = get_be32(rec + 4);
	} else if (reason == AGBT_LASTREC_INSREC) {
		if (get_be32(rec + 4) <= get_be32(agf->b + AGF_LONGEST))
			return;
		len = get_be32(rec + 4);
	} else {
		if (ptr <= n)
			return;
		len = n ? get_be32(agbt_rec(c, leaf, n) + 4) : 0;
	}
	put_be32(agf->b + AGF_LONGEST, len);
	agf->dirty = true;
	xlog_fin_log_range(c->f, agf, AGF_LONGEST, AGF_LONGEST + 3);
}

static const struct agbt_ops bno_ops[2] = {
	{ "bnobt", XFS_ABTB_MAGIC, ALLOC_REC_LEN, ALLOC_REC_LEN, false, a_key, NULL, bno_cmp, a_alloc, a_free,
	  bno_root, NULL },
	{ "bnobt", XFS_ABTB_CRC_MAGIC, ALLOC_REC_LEN, ALLOC_REC_LEN, false, a_key, NULL, bno_cmp, a_alloc, a_free,
	  bno_root, NULL },
};
static const struct agbt_ops cnt_ops[2] = {
	{ "cntbt", XFS_ABTC_MAGIC, ALLOC_REC_LEN, ALLOC_REC_LEN, false, a_key, NULL, cnt_cmp, a_alloc, a_free,
	  cnt_root, cnt_lastrec },
	{ "cntbt", XFS_ABTC_CRC_MAGIC, ALLOC_REC_LEN, ALLOC_REC_LEN, false, a_key, NULL, cnt_cmp, a_alloc, a_free,
	  cnt_root, cnt_lastrec },
};

static void arec(uint8_t *r, uint32_t bno, uint32_t len)
{
	put_be32(r, bno);
	put_be32(r + 4, len);
}

/* xfs_alloc_lookup_eq on the by-size tree, then xfs_btree_delete of what it found. */
static int cnt_delete(struct agbt_cur *c, uint32_t bno, uint32_t len)
{
	uint8_t r[ALLOC_REC_LEN];
	int i, err;

	arec(r, bno, len);
	if ((err = agbt_lookup(c, AGBT_LOOKUP_EQ, r, &i)))
		return err;
	if (i != 1)
		return xlog_fin_refuse(c->f, "no by-size record for free extent %u+%u", bno, len);
	if ((err = agbt_delete(c, &i)))
		return err;
	return i == 1 ? 0 : xlog_fin_refuse(c->f, "the by-size record of %u+%u would not go", bno, len);
}

int xlog_fin_force(struct fin *f, const char *why)
{
	uint64_t next;
	int err;

	XFIN_COUNT(f, XFC_LOG_FORCE); /* reached, done or refused below */
	if (f->nbusy > FIN_BUSY_MAX)
		return xlog_fin_refuse(f, "more than %u busy extents", FIN_BUSY_MAX);
	/* v5 stamps the checkpoint's LSN on what it logged and the next one's on what comes
	 * after, which needs its length (v4 stamps nothing: placed where it is modelled) */
	if (f->log->fs->v5 && !f->cp_sized)
		return xlog_fin_refuse(f, "%s forces the log (v5: the forced checkpoint's length, with %s, is not "
					  "modelled)", why, f->cp_unsized ? f->cp_unsized : "what its transactions log");
	/* an intent committed before the force whose done item comes after it (the kernel logs
	 * it alone in the checkpoint; the finish sizes intents whose done items share theirs) */
	if (f->log->fs->v5 && f->tx_intent)
		return xlog_fin_refuse(f, "%s forces the log (v5: in the middle of %s, whose intent the forced "
					  "checkpoint holds alone: not modelled)", why, f->tx_intent);
	/* an rmapbt filesystem's truncate of a fork in btree form is forced as any other: its
	 * AGFL shrinks come where xfs_alloc_fix_freelist (xfs_free_extent_fix_freelist, called by
	 * xfs_rmap_finish_one and __xfs_free_extent alike) finds the list longer than
	 * xfs_alloc_min_freelist wants, deferred op by deferred op in xfs_defer_finish_noroll's
	 * order (ifree_fork.c's rmap_round); kernel rows xw-4k-rmap-fragfree, xw-2k-rmap-fragfree
	 * and xa-1k-rmap-fragfree (xgate's run) agree block for block with the
	 * forces this makes, LSN stamps included, and g2x-1k-rmap-nrext64-fragfree but for the
	 * shape of three free space btree blocks (its 16 inodes' inactivation order is timing) */
	if (f->log->fs->v5 && f->cp_trunc && f->cp_trunc_unsized)
		return xlog_fin_refuse(f, "%s forces the log (v5: the forced checkpoint's length, with %s, is not "
					  "modelled)", why, f->cp_trunc_unsized);
	/* the dquots an unlinked inode's chains change are placed in their checkpoints
	 * (dquot_fin.c); a BUI's are not */
	if (f->log->fs->v5 && f->q.state == 2 && f->q.bui)
		return xlog_fin_refuse(f, "%s forces the log (v5: with dquots a BUI's transaction changed, "
					  "whose checkpoints are not placed)", why);
	if (f->cp_sized) {
		if ((err = xlog_fin_cp_close(f, &next)))
			return err;
		f->cp_lsn = next;
	}
	if ((err = xlog_fin_busy_clear(f)))
		return err;
	xlog_fin_unpin(f);
	f->nforce++;
	return 0;
}

/* One by-size record read and checked against the AG. */
static int cnt_rec(struct fin *f, struct agbt_cur *cc, uint32_t *fbno, uint32_t *flen)
{
	const uint8_t *p = agbt_get(cc);

	if (!p)
		return xlog_fin_refuse(f, "AG %u: the by-size cursor is off its records", cc->ag);
	*fbno = get_be32(p);
	*flen = get_be32(p + 4);
	if (*flen == 0 || !xfs_verify_agbext(f->log->fs, cc->ag, *fbno, *flen))
		return xlog_fin_refuse(f, "AG %u: free extent %u+%u out of the AG", cc->ag, *fbno, *flen);
	return 0;
}

/* A free extent's usable part for the refill (xfs_alloc_compute_aligned, alignment 1, minlen
 * 1: xfs_extent_busy_trim, anear.c's). */
static int usable(struct fin *f, uint32_t ag, uint32_t maxlen, uint32_t fbno, uint32_t flen, uint32_t *rbno,
		  uint32_t *rlen, bool *busy)
{
	*rbno = fbno;
	*rlen = flen;
	return xlog_fin_busy_trim(f, ag, 1, maxlen, rbno, rlen, busy);
}

int xlog_fin_alloc_fixup(struct fin *f, struct agbt_cur *cc, struct agbt_cur *bc, uint32_t fbno, uint32_t flen,
			 uint32_t rbno, uint32_t rlen)
{
	uint32_t n1 = NULLAGBLOCK, l1 = 0, n2 = NULLAGBLOCK, l2 = 0;
	uint8_t r[ALLOC_REC_LEN];
	int i, err;

	if (rbno == fbno && rlen == flen)
		;
	else if (rbno == fbno) {
		n1 = rbno + rlen;
		l1 = flen - rlen;
	} else if (rbno + rlen == fbno + flen) {
		n1 = fbno;
		l1 = flen - rlen;
	} else {
		n1 = fbno;
		l1 = rbno - fbno;
		n2 = rbno + rlen;
		l2 = fbno + flen - n2;
	}
	arec(r, fbno, flen);
	if ((err = agbt_lookup(bc, AGBT_LOOKUP_EQ, r, &i)))
		return err;
	if (i != 1)
		return xlog_fin_refuse(f, "AG %u: no by-block record for free extent %u+%u", cc->ag, fbno, flen);
	if ((err = agbt_delete(cc, &i)))
		return err;
	if (i != 1)
		return xlog_fin_refuse(f, "AG %u: by-size record %u+%u would not go", cc->ag, fbno, flen);
	for (int k = 0; k < 2; k++) {
		if ((k ? n2 : n1) == NULLAGBLOCK)
			continue;
		arec(r, k ? n2 : n1, k ? l2 : l1);
		if ((err = agbt_lookup(cc, AGBT_LOOKUP_EQ, r, &i)) || i != 0 || (err = agbt_insert(cc, r, &i)) ||
		    i != 1)
			return err ? err : xlog_fin_refuse(f, "AG %u: the by-size tree would not take %u+%u", cc->ag,
							   get_be32(r), get_be32(r + 4));
	}
	if (n1 == NULLAGBLOCK) {
		if ((err = agbt_delete(bc, &i)))
			return err;
		if (i != 1)
			return xlog_fin_refuse(f, "AG %u: by-block record %u would not go", cc->ag, fbno);
	} else {
		arec(r, n1, l1);
		if ((err = agbt_update(bc, r)))
			return err;
	}
	if (n2 != NULLAGBLOCK) {
		arec(r, n2, l2);
		if ((err = agbt_lookup(bc, AGBT_LOOKUP_EQ, r, &i)) || i != 0 || (err = agbt_insert(bc, r, &i)) ||
		    i != 1)
			return err ? err : xlog_fin_refuse(f, "AG %u: the by-block tree would not take %u+%u", cc->ag,
							   n2, l2);
	}
	return 0;
}

/*
 * xfs_alloc_ag_vextent_size for the AGFL (minlen 1, alignment 1, maxlen want, owner
 * XFS_RMAP_OWN_AG), each free extent's busy parts trimmed off (xfs_alloc_compute_aligned):
 * the first by-size record at least want long whose usable part is want long, else (none
 * that long) the largest, and from there leftwards the record with the longest usable
 * part while records are at least that long; the usable part from its start. Where only
 * busy extents are left the kernel forces the log, waits and searches again
 * (xlog_fin_busy_flush).
 * xfs_alloc_fixup_trees leaves the rest; the rmapbt records the blocks for the AG; the
 * AGF's free count falls. *bno, *len: what it took.
 */
#define AGFL_RESTART 2 /* only busy extents: forced, search again */

int xlog_fin_busy_flush(struct fin *f, uint32_t ag, const char *what)
{
	char why[96];
	int err;

	XFIN_COUNT(f, XFC_BUSY_FLUSH);
	for (uint32_t i = 0; i < f->nbusy && f->nbusy <= FIN_BUSY_MAX; i++)
		if (f->busy[i].ag == ag && f->busy[i].tx != f->tx) {
			snprintf(why, sizeof why, "AG %u: %s finds only busy extents", ag, what);
			if ((err = xlog_fin_force(f, why)))
				return err;
			/* xfs_extent_busy_flush holds no buffer while it waits: each invalidated buffer
			 * the checkpoint unpinned (xfs_buf_item_unpin, xfs_buf_relse) is dropped from the
			 * cache (xfs_buf_rele frees a stale one), so the block the search takes next,
			 * freed earlier in the finish, comes with a zeroed buffer
			 * (xfs_trans_get_buf without XBF_READ: KM_ZERO, __GFP_ZERO). Only a get that
			 * forced the log itself waiting on the locked buffer (xlog_fin_get_buf's
			 * nforce0) keeps the old bytes; the allocation's nforce0 predates this force */
			for (size_t k = 0; k < f->nblk; k++) {
				struct blk *b = &f->blk[k];
				if (b->stale && !b->dirty && b->cp == FIN_CP_WRITTEN && b->wforce + 1 == f->nforce)
					memset(b->b, 0, (size_t)b->bbs * XLOG_BBSIZE);
			}
			return 0;
		}
	return xlog_fin_refuse(f, "AG %u: %s finds only extents busy in the running transaction "
				  "(the kernel waits on them)", ag, what);
}

static int agfl_alloc_once(struct fin *f, uint32_t ag, struct blk *agfb, uint32_t want, uint32_t *bno,
			   uint32_t *len)
{
	xfs_fs *fs = f->log->fs;
	uint8_t *agf = agfb->b, r[ALLOC_REC_LEN];
	uint32_t fbno, flen, rbno, rlen;
	struct agbt_cur cc, bc;
	bool busy;
	int i, err;

	if ((err = agbt_init(&cc, f, &cnt_ops[fs->v5], agfb, ag, get_be32(agf + AGF_CNT_ROOT),
			     get_be32(agf + AGF_CNT_LEVEL))) ||
	    (err = agbt_init(&bc, f, &bno_ops[fs->v5], agfb, ag, get_be32(agf + AGF_BNO_ROOT),
			     get_be32(agf + AGF_BNO_LEVEL))))
		return err;
	arec(r, 0, want);
	if ((err = agbt_lookup(&cc, AGBT_LOOKUP_GE, r, &i)))
		return err;
	if (!i) {
		/* xfs_alloc_ag_vextent_small: the tree's last record */
		if ((err = agbt_decrement(&cc, 0, &i)))
			return err;
		if (!i)
			return xlog_fin_refuse(f, "AG %u: no free extent to refill the AGFL from", ag);
		if ((err = cnt_rec(f, &cc, &fbno, &flen)) || (err = usable(f, ag, want, fbno, flen, &rbno, &rlen, &busy)))
			return err;
	} else {
		for (;;) {
			if ((err = cnt_rec(f, &cc, &fbno, &flen)) ||
			    (err = usable(f, ag, want, fbno, flen, &rbno, &rlen, &busy)))
				return err;
			if (rlen >= want)
				break;
			if ((err = agbt_increment(&cc, 0, &i)))
				return err;
			if (!i)
				return (err = xlog_fin_busy_flush(f, ag, "the AGFL refill")) ? err : AGFL_RESTART;
		}
	}
	if (rlen > want)
		rlen = want;
	if (rlen < want) {
		uint32_t bfbno = fbno, bflen = flen, brbno = rbno, brlen = rlen;
		for (;;) {
			if ((err = agbt_decrement(&cc, 0, &i)))
				return err;
			if (!i)
				break;
			if ((err = cnt_rec(f, &cc, &fbno, &flen)))
				return err;
			if (flen < brlen)
				break;
			if ((err = usable(f, ag, want, fbno, flen, &rbno, &rlen, &busy)))
				return err;
			if (rlen > want)
				rlen = want;
			if (rlen > brlen) {
				bfbno = fbno, bflen = flen, brbno = rbno, brlen = rlen;
				if (rlen == want)
					break;
			}
		}
		arec(r, bfbno, bflen);
		if ((err = agbt_lookup(&cc, AGBT_LOOKUP_EQ, r, &i)))
			return err;
		if (i != 1)
			return xlog_fin_refuse(f, "AG %u: by-size record %u+%u is gone", ag, bfbno, bflen);
		fbno = bfbno, flen = bflen, rbno = brbno, rlen = brlen;
	}
	if (rlen == 0)
		return busy ? ((err = xlog_fin_busy_flush(f, ag, "the AGFL refill")) ? err : AGFL_RESTART)
			    : xlog_fin_refuse(f, "AG %u: no free extent to refill the AGFL from", ag);
	if ((err = xlog_fin_alloc_fixup(f, &cc, &bc, fbno, flen, rbno, rlen)))
		return err;
	*bno = rbno;
	*len = rlen;
	if ((fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) &&
	    (err = xlog_fin_rmap_alloc(f, ag, rbno, rlen, RMAP_OWN_AG)))
		return err;
	put_be32(agf + AGF_FREEBLKS, get_be32(agf + AGF_FREEBLKS) - rlen);
	agfb->dirty = true;
	xlog_fin_log_range(f, agfb, AGF_FREEBLKS, AGF_FREEBLKS + 3);
	return 0;
}

/* The search again after a force (xfs_alloc_ag_vextent_size's restart). */
static int agfl_alloc(struct fin *f, uint32_t ag, struct blk *agfb, uint32_t want, uint32_t *bno, uint32_t *len)
{
	int err = AGFL_RESTART;

	for (int t = 0; t < 2 && err == AGFL_RESTART; t++)
		err = agfl_alloc_once(f, ag, agfb, want, bno, len);
	return err == AGFL_RESTART ? xlog_fin_refuse(f, "AG %u: the AGFL refill forced the log twice", ag) : err;
}

/* One tree's share of xfs_alloc_min_freelist: 2 * new height - 2, the new height capped. */
static uint32_t split_reserve(uint32_t levels, uint32_t maxlevels)
{
	uint32_t h = levels + 1 < maxlevels ? levels + 1 : maxlevels;

	return h ? 2 * h - 2 : 0;
}

int xlog_fin_fix_freelist(struct fin *f, uint32_t ag, struct blk **out)
{
	xfs_fs *fs = f->log->fs;
	uint32_t need, amax;
	struct blk *agfb;
	uint8_t *agf;
	int err;

	if ((err = xlog_fin_agf(f, ag, &agfb)))
		return err;
	agf = agfb->b;
	/* xfs_alloc_min_freelist (6.1 stable, with "account extra freespace btree splits for
	 * multiple allocations"): 2 * (levels + 1) - 2 for each free space btree and the
	 * rmapbt, the levels + 1 capped at the tree's most levels for the AG's size
	 * (m_alloc_maxlevels, m_rmap_maxlevels). The cap matters: a small AG's two-level
	 * free space trees are at their most levels and want 2 blocks each, not 4 (kernel
	 * crash rows xv-4k-ag16-2g-age-time and two others free into such AGs and leave
	 * their 4-block AGFL as it is). */
	amax = xfs_alloc_maxlevels(fs);
	need = split_reserve(get_be32(agf + AGF_BNO_LEVEL), amax) + split_reserve(get_be32(agf + AGF_CNT_LEVEL), amax);
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT)
		need += split_reserve(get_be32(agf + AGF_RMAP_LEVEL), xfs_rmap_maxlevels(fs));
	/* the shrink: the AGFL's first blocks taken off, their frees deferred (xfs_defer_agfl_block) */
	while (get_be32(agf + AGF_FLCOUNT) > need) {
		uint32_t bno;
		if (f->nagflq == FIN_AGFLQ_MAX)
			return xlog_fin_refuse(f, "more than %u AGFL blocks to free", FIN_AGFLQ_MAX);
		if ((err = xlog_fin_agfl_get(f, ag, agfb, false, &bno)))
			return err;
		XFIN_COUNT(f, XFC_AGFL_SHRINK);
		f->agflq[f->nagflq++] = (struct fin_agflq){ ag, bno };
	}
	/* the refill: extents from the by-size tree, each block put on the AGFL */
	for (uint32_t round = 0; get_be32(agf + AGF_FLCOUNT) < need; round++) {
		uint32_t bno, len;
		if (round >= need)
			return xlog_fin_refuse(f, "the AGFL of AG %u does not fill", ag);
		XFIN_COUNT(f, XFC_AGFL_REFILL);
		if ((err = agfl_alloc(f, ag, agfb, need - get_be32(agf + AGF_FLCOUNT), &bno, &len)))
			return err;
		for (uint32_t b = bno; b < bno + len; b++)
			if ((err = xlog_fin_agfl_put(f, ag, agfb, false, b)))
				return err;
	}
	*out = agfb;
	return 0;
}

int xlog_fin_free_extent(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len)
{
	return xlog_fin_free_owned(f, ag, bno, len, RMAP_OWN_NULL, 0, 0);
}

/* xfs_free_ag_extent: the rmap record removed, the extent merged into the free space trees,
 * the AGF's free count following. 0, 1 or <0. */
static int free_ag_extent(struct fin *f, uint32_t ag, struct blk *agfb, uint32_t bno, uint32_t len, uint64_t owner,
			  uint64_t off, uint32_t flags)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ltbno = 0, ltlen = 0, gtbno = 0, gtlen = 0, nbno, nlen;
	uint8_t r[ALLOC_REC_LEN], *agf = agfb->b;
	int haveleft, haveright, i, err;
	struct agbt_cur bc, cc;

	if ((fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) &&
	    (err = xlog_fin_rmap_free(f, ag, bno, len, owner, off, flags)))
		return err;

	/* xfs_free_ag_extent: the neighbours by block number */
	XFIN_COUNT(f, XFC_FREE_AG_EXTENT);
	if ((err = agbt_init(&bc, f, &bno_ops[fs->v5], agfb, ag, get_be32(agf + AGF_BNO_ROOT),
			     get_be32(agf + AGF_BNO_LEVEL))))
		return err;
	arec(r, bno, len);
	if ((err = agbt_lookup(&bc, AGBT_LOOKUP_LE, r, &haveleft)))
		return err;
	if (haveleft) {
		/* xfs_alloc_get_rec: the record checked against the AG (xfs_alloc_check_irec) */
		if (!agbt_get(&bc))
			return xlog_fin_refuse(f, "the by-block lookup of %u found no record", bno);
		if ((err = cnt_rec(f, &bc, &ltbno, &ltlen)))
			return err;
		if ((uint64_t)ltbno + ltlen < bno)
			haveleft = 0;
		else if ((uint64_t)ltbno + ltlen > bno)
			return xlog_fin_refuse(f, "extent %u+%u is free already", bno, len);
	}
	if ((err = agbt_increment(&bc, 0, &haveright)))
		return err;
	if (haveright) {
		if (!agbt_get(&bc))
			return xlog_fin_refuse(f, "the by-block step past %u found no record", bno);
		if ((err = cnt_rec(f, &bc, &gtbno, &gtlen)))
			return err;
		if ((uint64_t)bno + len < gtbno)
			haveright = 0;
		else if ((uint64_t)bno + len > gtbno)
			return xlog_fin_refuse(f, "extent %u+%u is free already", bno, len);
	}
	if ((err = agbt_init(&cc, f, &cnt_ops[fs->v5], agfb, ag, get_be32(agf + AGF_CNT_ROOT),
			     get_be32(agf + AGF_CNT_LEVEL))))
		return err;
	if (haveleft && (err = cnt_delete(&cc, ltbno, ltlen)))
		return err;
	if (haveright && (err = cnt_delete(&cc, gtbno, gtlen)))
		return err;
	if (haveleft && haveright) {
		/* the right record goes, the left one grows over both */
		if ((err = agbt_delete(&bc, &i)))
			return err;
		if (i != 1 || (err = agbt_decrement(&bc, 0, &i)))
			return i != 1 ? xlog_fin_refuse(f, "the by-block record %u would not go", gtbno) : err;
		nbno = ltbno;
		nlen = ltlen + len + gtlen;
	} else if (haveleft) {
		if ((err = agbt_decrement(&bc, 0, &i)))
			return err;
		nbno = ltbno;
		nlen = ltlen + len;
	} else if (haveright) {
		nbno = bno;
		nlen = len + gtlen;
	} else {
		nbno = bno;
		nlen = len;
	}
	arec(r, nbno, nlen);
	if (haveleft || haveright)
		err = agbt_update(&bc, r);
	else if (!(err = agbt_insert(&bc, r, &i)) && i != 1)
		err = xlog_fin_refuse(f, "the by-block record %u+%u would not go in", nbno, nlen);
	if (err)
		return err;
	/* the by-size record of the result */
	if ((err = agbt_lookup(&cc, AGBT_LOOKUP_EQ, r, &i)))
		return err;
	if (i != 0)
		return xlog_fin_refuse(f, "a by-size record for %u+%u exists already", nbno, nlen);
	if ((err = agbt_insert(&cc, r, &i)))
		return err;
	if (i != 1)
		return xlog_fin_refuse(f, "the by-size record %u+%u would not go in", nbno, nlen);
	/* xfs_alloc_update_counters */
	put_be32(agf + AGF_FREEBLKS, get_be32(agf + AGF_FREEBLKS) + len);
	agfb->dirty = true;
	xlog_fin_log_range(f, agfb, AGF_FREEBLKS, AGF_FREEBLKS + 3);
	return 0;
}

/* __xfs_free_extent: the AGFL fixed first, the extent busy until the log has it */
int xlog_fin_free_owned(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
			uint32_t flags)
{
	xfs_fs *fs = f->log->fs;
	struct blk *agfb;
	int err;

	if (len == 0 || bno >= xfs_ag_length(fs, ag) || len > xfs_ag_length(fs, ag) - bno)
		return xlog_fin_refuse(f, "extent %u+%u out of its AG", bno, len);
	if ((err = xlog_fin_fix_freelist(f, ag, &agfb)) ||
	    (err = free_ag_extent(f, ag, agfb, bno, len, owner, off, flags)))
		return err;
	xlog_fin_busy_insert(f, ag, bno, len);
	return 0;
}

/* xfs_agfl_free_finish_item -> xfs_free_agfl_block: the AGF read (no fix_freelist), the block
 * freed as XFS_RMAP_OINFO_AG with XFS_AG_RESV_AGFL (not busy), its buffer invalidated. */
int xlog_fin_agfl_free_range(struct fin *f, uint32_t from, uint32_t to)
{
	int err;

	/* the intent and done item of this transaction's frees, logged both in it */
	xlog_fin_cp_efx(f, to > from ? to - from : 0);
	err = xlog_fin_agfl_free_blocks(f, from, to);
	xlog_fin_cp_efx(f, to > from ? to - from : 0);
	return err;
}

/*
 * xfs_free_agfl_block's xfs_trans_get_buf of an AGFL block freed before in this finish (a
 * btree block its btree gave back, invalidated): the stale buffer while cached (held by the
 * running transaction, or pinned and waited for: xlog_fin_buf_lock's force comes after
 * nforce0), else, once a force before this free unpinned and released it, a new one, zeroed
 * (xfs_buf_rele, KM_ZERO / __GFP_ZERO). Invalidated again, those bytes are what the block
 * brings when an allocation takes it back before the next force (the free leaves it not
 * busy: xfs_free_ag_extent without xfs_extent_busy_insert), as xlog_fin_get_buf keeps them
 * then; a second invalidation does not make them the old block's again.
 */
static void agfl_buf_get(struct fin *f, uint32_t ag, uint32_t agbno, uint32_t nforce0)
{
	struct blk *b = xlog_fin_at(f, xlog_ag_daddr(f->log->fs, ag, agbno));

	if (b && b->stale && !b->dirty && !b->tx_logged && b->cp == FIN_CP_WRITTEN && b->was_stale &&
	    b->wforce < nforce0)
		memset(b->b, 0, (size_t)b->bbs * XLOG_BBSIZE);
}

int xlog_fin_agfl_free_blocks(struct fin *f, uint32_t from, uint32_t to)
{
	int err = 0;

	if (from > to || to > f->nagflq)
		return xlog_fin_refuse(f, "AGFL frees %u..%u of %u queued", from, to, f->nagflq);
	for (uint32_t k = from; k < to && !err; k++) {
		uint32_t ag = f->agflq[k].ag, nforce0;
		struct blk *agfb;
		if ((err = xlog_fin_agf(f, ag, &agfb)))
			break;
		XFIN_COUNT(f, XFC_AGFL_FREE);
		/* the free first, then the buffer got to be invalidated */
		if ((err = free_ag_extent(f, ag, agfb, f->agflq[k].bno, 1, RMAP_OWN_AG, 0, 0)))
			break;
		nforce0 = f->nforce;
		if (!(err = xlog_fin_busy_reuse(f, ag, f->agflq[k].bno, false)))
			err = xlog_fin_buf_lock(f, ag, f->agflq[k].bno);
		agfl_buf_get(f, ag, f->agflq[k].bno, nforce0);
		xlog_fin_cp_agfl_free(f, ag, f->agflq[k].bno);
	}
	if (err)
		return err;
	memmove(f->agflq + from, f->agflq + to, (f->nagflq - to) * sizeof *f->agflq);
	f->nagflq -= to - from;
	return 0;
}

int xlog_fin_allocbt_cur(struct fin *f, uint32_t ag, struct blk *agfb, bool cnt, struct agbt_cur *c)
{
	const uint8_t *agf = agfb->b;
	bool v5 = f->log->fs->v5;

	return cnt ? agbt_init(c, f, &cnt_ops[v5], agfb, ag, get_be32(agf + AGF_CNT_ROOT), get_be32(agf + AGF_CNT_LEVEL))
		   : agbt_init(c, f, &bno_ops[v5], agfb, ag, get_be32(agf + AGF_BNO_ROOT), get_be32(agf + AGF_BNO_LEVEL));
}
