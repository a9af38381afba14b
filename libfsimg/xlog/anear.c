/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A new btree block allocated near a block, as Linux 6.1 allocates the
 * blocks of a growing inobt, finobt or refcountbt (xfs_alloc_vextent with
 * XFS_ALLOCTYPE_NEAR_BNO, minlen = maxlen = prod = 1, alignment 1, no
 * user data): xfs_alloc_fix_freelist first (afree.c), then
 * xfs_alloc_ag_vextent_near (fs/xfs/libxfs/xfs_alloc.c):
 *
 *  - the by-size cursor looked up at the first extent at least maxlen long
 *    (xfs_alloc_cur_setup); when that leaf is the tree's last, every record
 *    from there to the end is checked and the best kept
 *    (xfs_alloc_ag_vextent_lastblock);
 *  - else the locality search (xfs_alloc_ag_vextent_locality): the by-block
 *    tree walked one record left and one right of the target and the
 *    by-size tree probed at growing lengths (xfs_alloc_cntbt_iter), until a
 *    by-block hit, which is then walked on in the other direction; with no
 *    candidate, the by-size tree is walked back from its end;
 *  - each record judged by xfs_alloc_cur_check: long enough, its distance
 *    from the target by xfs_alloc_compute_diff (metadata: from the extent's
 *    start when it lies past the target, else its end), a record as good as
 *    the best so far replacing it; a by-block cursor stops at a worse one;
 *  - the chosen block taken out of both trees (xfs_alloc_fixup_trees: the
 *    record shortened, split in two or removed), its rmap record added
 *    (xfs_rmap_alloc) and the AGF's free count lowered.
 *
 * A candidate's busy parts (extents freed in this finish whose free the
 * log does not have yet) are cut off it as xfs_alloc_compute_aligned does
 * (xfs_extent_busy_trim, busy.c: the kernel walks its rbtree of them, whose
 * shape busy.c keeps as lib/rbtree.c makes it); when nothing usable is left and a
 * candidate was busy, the search forces the log and starts again
 * (xfs_extent_busy_flush, xlog_fin_busy_flush: v4 only, refused on v5).
 * Where the kernel's choice depends on what this sketch does not model, it
 * is refused: no free extent in the trees (the AGFL's block taken
 * instead), and an AG whose free space is below a bound over 6.1's per-AG
 * reservations (xfs_alloc_space_available decides there).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/agbt.h"
#include "xlog/rmap.h"

#define NULLAGBLOCK 0xffffffffu
#define AGF_FREEBLKS 52u
#define AGF_REFCOUNT_BLOCKS 84u
#define RMAP_OWN_REFC ((uint64_t)-8) /* XFS_RMAP_OWN_REFC */
#define ALLOC_REC_LEN 8u
#define BB_RIGHTSIB 12u

/* xfs_alloc_arg's part used here, and struct xfs_alloc_cur */
struct near {
	struct fin *f;
	uint32_t ag, agbno, minlen, maxlen, min_agbno, max_agbno;
	struct agbt_cur cnt, bnolt, bnogt;
	bool act[3]; /* cnt, bnolt, bnogt: bc_ag.abt.active */
	uint32_t cur_len, rec_bno, rec_len, bno, len, diff;
	bool busy; /* a candidate was trimmed (acur->busy) */
};

static bool *active(struct near *n, struct agbt_cur *c)
{
	return &n->act[c == &n->cnt ? 0 : c == &n->bnolt ? 1 : 2];
}

static void arec(uint8_t *r, uint32_t bno, uint32_t len)
{
	put_be32(r, bno);
	put_be32(r + 4, len);
}

/* xfs_alloc_lookup_eq / _ge / _le: the cursor active when a record was found */
static int lookup(struct near *n, struct agbt_cur *c, int dir, uint32_t bno, uint32_t len, int *stat)
{
	uint8_t r[ALLOC_REC_LEN];
	int err;

	arec(r, bno, len);
	if ((err = agbt_lookup(c, dir, r, stat)))
		return err;
	*active(n, c) = *stat == 1;
	return 0;
}

/* xfs_alloc_get_rec with xfs_alloc_check_irec's checks. 0, 1 or <0. */
static int get_rec(struct near *n, struct agbt_cur *c, uint32_t *bno, uint32_t *len)
{
	const uint8_t *p = agbt_get(c);

	if (!p)
		return xlog_fin_refuse(n->f, "AG %u: the %s cursor is off its records", n->ag, c->ops->name);
	*bno = get_be32(p);
	*len = get_be32(p + 4);
	if (*len == 0 || !xfs_verify_agbext(n->f->log->fs, n->ag, *bno, *len))
		return xlog_fin_refuse(n->f, "AG %u: free extent %u+%u out of the AG", n->ag, *bno, *len);
	return 0;
}

uint32_t xlog_alloc_compute_diff(uint32_t wantbno, uint32_t wantlen, uint32_t freebno, uint32_t freelen,
				 uint32_t *newbno)
{
	uint32_t freeend = freebno + freelen, wantend = wantbno + wantlen;

	/* alignment 1, not user data */
	if (freebno >= wantbno)
		*newbno = freebno;
	else if (freeend >= wantend)
		*newbno = wantbno;
	else
		*newbno = freeend - wantlen;
	return *newbno >= wantbno ? *newbno - wantbno : wantbno - *newbno;
}

/* xfs_alloc_cur_check of the record under c: *new 1 when it became the candidate. 0, 1, <0. */
static int cur_check(struct near *n, struct agbt_cur *c, int *new)
{
	bool isbno = c != &n->cnt, deactivate = false, busy;
	uint32_t bno, len, bnew, diff, alen;
	int err;

	*new = 0;
	if ((err = get_rec(n, c, &bno, &len)))
		return err;
	if (len < n->minlen) {
		deactivate = !isbno;
		goto out;
	}
	/* xfs_alloc_compute_aligned: busy extents trimmed, the min_agbno shift */
	if ((err = xlog_fin_busy_trim(n->f, n->ag, n->minlen, n->maxlen, &bno, &len, &busy)))
		return err;
	n->busy |= busy;
	if (bno < n->min_agbno && bno + len > n->min_agbno) {
		len -= n->min_agbno - bno;
		bno = n->min_agbno;
	}
	if (bno < n->min_agbno || bno > n->max_agbno) {
		deactivate = isbno;
		goto out;
	}
	if (len < n->minlen)
		goto out;
	alen = len < n->maxlen ? len : n->maxlen; /* xfs_alloc_fix_len: prod 1 leaves it */
	if (alen < n->len)
		goto out;
	diff = xlog_alloc_compute_diff(n->agbno, alen, bno, len, &bnew);
	if (diff > n->diff) {
		deactivate = isbno;
		goto out;
	}
	if ((err = get_rec(n, c, &n->rec_bno, &n->rec_len)))
		return err;
	n->bno = bnew;
	n->len = alen;
	n->diff = diff;
	*new = 1;
	if (n->diff == 0 && n->len == n->maxlen)
		deactivate = true;
out:
	if (deactivate)
		*active(n, c) = false;
	return 0;
}

/* xfs_alloc_walk_iter: up to count records (count < 0: no bound) in one direction. */
static int walk_iter(struct near *n, struct agbt_cur *c, bool increment, bool find_one, int count, int *stat)
{
	int i, err;

	*stat = 0;
	while (*active(n, c) && count) {
		if ((err = cur_check(n, c, &i)))
			return err;
		if (i == 1) {
			*stat = 1;
			if (find_one)
				break;
		}
		if (!*active(n, c))
			break;
		if ((err = increment ? agbt_increment(c, 0, &i) : agbt_decrement(c, 0, &i)))
			return err;
		if (i == 0)
			*active(n, c) = false;
		if (count > 0)
			count--;
	}
	return 0;
}

/* xfs_alloc_cntbt_iter */
static int cntbt_iter(struct near *n)
{
	uint32_t bno, len, cur_len = n->cur_len;
	int i, err;

	if (!n->act[0])
		return 0;
	if ((err = lookup(n, &n->cnt, AGBT_LOOKUP_GE, n->agbno, cur_len, &i)) || i == 0)
		return err;
	if ((err = get_rec(n, &n->cnt, &bno, &len)) || (err = cur_check(n, &n->cnt, &i)))
		return err;
	n->cur_len = len;
	if (bno > n->agbno) {
		if ((err = agbt_decrement(&n->cnt, 0, &i)))
			return err;
		if (i) {
			if ((err = get_rec(n, &n->cnt, &bno, &len)))
				return err;
			if (len == n->cur_len && (err = cur_check(n, &n->cnt, &i)))
				return err;
		}
	}
	cur_len <<= 1;
	if (!n->len || n->cur_len >= cur_len)
		n->cur_len++;
	else
		n->cur_len = cur_len;
	return 0;
}

/* xfs_alloc_ag_vextent_locality */
static int locality(struct near *n)
{
	struct agbt_cur *fbcur = NULL;
	bool fbinc = false;
	int i, err;

	if ((err = lookup(n, &n->cnt, AGBT_LOOKUP_GE, n->agbno, n->cur_len, &i)) ||
	    (err = lookup(n, &n->bnolt, AGBT_LOOKUP_LE, n->agbno, 0, &i)) ||
	    (err = lookup(n, &n->bnogt, AGBT_LOOKUP_GE, n->agbno, 0, &i)))
		return err;
	while (n->act[0] || n->act[1] || n->act[2]) {
		if ((err = walk_iter(n, &n->bnolt, false, true, 1, &i)))
			return err;
		if (i == 1) {
			fbcur = &n->bnogt;
			fbinc = true;
			break;
		}
		if ((err = walk_iter(n, &n->bnogt, true, true, 1, &i)))
			return err;
		if (i == 1) {
			fbcur = &n->bnolt;
			fbinc = false;
			break;
		}
		if ((err = cntbt_iter(n)))
			return err;
		if (!n->act[0])
			break;
	}
	/* nothing near and nothing busy met: the by-size tree from its end (with busy
	 * extents met the caller forces the log and searches again instead) */
	if (!n->act[0] && !n->len && !n->busy) {
		if ((err = agbt_decrement(&n->cnt, 0, &i)))
			return err;
		if (i) {
			n->act[0] = true;
			fbcur = &n->cnt;
			fbinc = false;
		}
	}
	return fbcur ? walk_iter(n, fbcur, fbinc, true, -1, &i) : 0;
}

/* xfs_alloc_ag_vextent_lastblock with nothing found yet (len 0, alignment 1) */
static int lastblock(struct near *n)
{
	int i;

	return walk_iter(n, &n->cnt, true, false, -1, &i);
}

/* xfs_alloc_fixup_trees with neither cursor on the record (flags 0): the by-size one looked up */
static int fixup_trees(struct near *n, uint32_t fbno, uint32_t flen, uint32_t rbno, uint32_t rlen)
{
	int i, err;

	if ((err = lookup(n, &n->cnt, AGBT_LOOKUP_EQ, fbno, flen, &i)))
		return err;
	if (i != 1)
		return xlog_fin_refuse(n->f, "AG %u: no by-size record %u+%u", n->ag, fbno, flen);
	return xlog_fin_alloc_fixup(n->f, &n->cnt, &n->bnolt, fbno, flen, rbno, rlen);
}

/* A bound above 6.1's per-AG reservations (xfs_ag_resv_init: the finobt's and refcountbt's
 * metadata reservation and the rmapbt's): each tree's most blocks for agblocks records at
 * half-full leaves, doubled for the nodes. */
static uint32_t resv_bound(const xfs_fs *fs)
{
	uint32_t hdr = fs->v5 ? XFS_BTREE_SBLOCK_CRC_LEN : XFS_BTREE_SBLOCK_LEN, b = 0;
	uint64_t ag = fs->sb.agblocks;

	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT)
		b += (uint32_t)(2 * ag / ((fs->blocksize - hdr) / 24 / 2) + 8);
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK)
		b += (uint32_t)(2 * ag / ((fs->blocksize - hdr) / 12 / 2) + 8);
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT)
		b += (uint32_t)(2 * ag * (fs->sb.inopblock ? fs->sb.inopblock : 1) / 64 / ((fs->blocksize - hdr) / 16 / 2) +
				8);
	return b;
}

int xlog_fin_alloc_near(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t owner, uint32_t *out)
{
	return xlog_fin_alloc_near_flags(f, ag, agbno, owner, 0, out);
}

int xlog_fin_alloc_near_flags(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t owner, uint32_t rflags,
			      uint32_t *out)
{
	xfs_fs *fs = f->log->fs;
	struct near n;
	struct blk *agf;
	uint32_t freeblks;
	int i, err;

	*out = NULLAGBLOCK;
	if (ag >= fs->sb.agcount || fs->sb.agblocks == 0)
		return xlog_fin_refuse(f, "a new block in AG %u, out of the filesystem", ag);
	if ((err = xlog_fin_fix_freelist(f, ag, &agf)))
		return err;
	/* xfs_alloc_space_available: with the AGFL at its minimum (refilled above: the free
	 * count fell by what the AGFL gained), the free blocks less the reservations */
	freeblks = get_be32(agf->b + AGF_FREEBLKS);
	if ((uint64_t)freeblks < (uint64_t)resv_bound(fs) + 1)
		return xlog_fin_refuse(f, "AG %u: a new block with %u blocks free (the per-AG reservations decide; "
				       "not done yet)", ag, freeblks);
	XFIN_COUNT(f, XFC_ALLOC_NEAR);
	/* xfs_alloc_ag_vextent_near: a search that met only busy extents forces the log and
	 * starts again (a second such search has nothing committed left to wait for: refused
	 * by xlog_fin_busy_flush) */
	for (int pass = 0;; pass++) {
		memset(&n, 0, sizeof n);
		n.f = f;
		n.ag = ag;
		n.minlen = n.maxlen = 1;
		n.max_agbno = fs->sb.agblocks - 1;
		n.agbno = agbno > n.max_agbno ? n.max_agbno : agbno;
		if ((err = xlog_fin_allocbt_cur(f, ag, agf, true, &n.cnt)) ||
		    (err = xlog_fin_allocbt_cur(f, ag, agf, false, &n.bnolt)) ||
		    (err = xlog_fin_allocbt_cur(f, ag, agf, false, &n.bnogt)))
			return err;
		/* xfs_alloc_cur_setup */
		n.cur_len = n.maxlen;
		n.diff = UINT32_MAX;
		if ((err = lookup(&n, &n.cnt, AGBT_LOOKUP_GE, 0, n.maxlen, &i)))
			return err;
		if (i != 1)
			return xlog_fin_refuse(f, "AG %u: a new block with no free extent in the trees (from the "
					       "AGFL: not done yet)", ag);
		/* the first algorithm when the lookup landed in the by-size tree's last leaf */
		if (get_be32(n.cnt.bp[0]->b + BB_RIGHTSIB) == AGBT_NULL && (err = lastblock(&n)))
			return err;
		if (!n.len && (err = locality(&n)))
			return err;
		if (n.len)
			break;
		if (!n.busy)
			return xlog_fin_refuse(f, "AG %u: no free block near %u", ag, agbno);
		if (pass > 0)
			return xlog_fin_refuse(f, "AG %u: a new block near %u finds only busy extents after a log "
					       "force", ag, agbno);
		if ((err = xlog_fin_busy_flush(f, ag, "a new block's near search")))
			return err;
	}
	if ((err = fixup_trees(&n, n.rec_bno, n.rec_len, n.bno, n.len)))
		return err;
	if ((fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) &&
	    (err = xlog_fin_rmap_alloc_flags(f, ag, n.bno, n.len, owner, rflags)))
		return err;
	put_be32(agf->b + AGF_FREEBLKS, get_be32(agf->b + AGF_FREEBLKS) - n.len);
	agf->dirty = true;
	xlog_fin_log_range(f, agf, AGF_FREEBLKS, AGF_FREEBLKS + 3);
	*out = n.bno;
	/* the caller's xfs_trans_get_buf of the block (xfs_btree_get_buf_block): one the AGFL
	 * freed (xfs_free_agfl_block leaves it not busy) in a committed transaction of the
	 * running checkpoint has its invalidated buffer pinned and locked there, so xfs_buf_lock
	 * forces the log and waits for it, as for a block taken off the AGFL (afree.c) */
	return xlog_fin_buf_lock(f, ag, n.bno);
}

/* xfs_refc_block: the refcount btree's first block (after the AGFL's sector, the two free
 * space btree roots, the inobt's, the finobt's and the rmapbt's when there are). */
static uint32_t refc_block(const xfs_fs *fs)
{
	uint32_t b = 3 * fs->sb.sectsize / fs->blocksize + 4; /* XFS_IBT_BLOCK + 1 */

	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT)
		b++;
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT)
		b++;
	return b;
}

int xlog_fin_refcbt_alloc(struct fin *f, uint32_t ag, struct blk *agf, uint32_t *bno)
{
	int err;

	if (!f->log->fs->blocksize)
		return xlog_fin_refuse(f, "no block size");
	if ((err = xlog_fin_alloc_near(f, ag, refc_block(f->log->fs), RMAP_OWN_REFC, bno)))
		return err;
	put_be32(agf->b + AGF_REFCOUNT_BLOCKS, get_be32(agf->b + AGF_REFCOUNT_BLOCKS) + 1);
	agf->dirty = true;
	xlog_fin_log_range(f, agf, AGF_REFCOUNT_BLOCKS, AGF_REFCOUNT_BLOCKS + 3);
	return 0;
}
