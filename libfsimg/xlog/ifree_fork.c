/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data fork of an unlinked inode truncated as xfs_inactive_truncate
 * does it (xfs_itruncate_extents): the rounds of __xfs_bunmapi, their
 * frees, rmap removals and refcount decreases in the kernel's order.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"

#define ITRUNC_MAX_EXTENTS 2u /* XFS_ITRUNC_MAX_EXTENTS */
#define EFI_MAX_EXTENTS 16u   /* XFS_EFI_MAX_FAST_EXTENTS: the frees one intent holds */
#define ROUND_FREES_MAX 64u   /* frees queued by one round's refcount decreases */
#define XFS_BMAP_MAGIC_ 0x424d4150u     /* BMAP */
#define XFS_BMAP_CRC_MAGIC_ 0x424d4133u /* BMA3 */

/*
 * xfs_itruncate_extents of a data fork in extents form: __xfs_bunmapi
 * unmaps up to XFS_ITRUNC_MAX_EXTENTS from the end per round, queueing
 * their frees (a reflink inode: their refcount decreases, which queue the
 * frees when they finish); xfs_defer_finish then frees them sorted by AG
 * (a stable sort: in queue order within an AG).
 */
/* One extent's record (struct xfs_bmbt_rec) read. */
static void bmbt_rec(const uint8_t *r, uint64_t *off, uint64_t *fsb, uint32_t *len)
{
	uint64_t l0 = get_be64(r), l1 = get_be64(r + 8);

	*off = (l0 >> 9) & ((1ull << 54) - 1);
	*fsb = ((l0 & 0x1ff) << 43) | (l1 >> 21);
	*len = (uint32_t)(l1 & 0x1fffff);
}

/* One group of frees (one EFI): xfs_defer_finish_one sorts it by AG (list_sort, stable). */
static int free_group(struct fin *f, struct efree *ex, uint32_t k)
{
	int err;

	for (uint32_t i = 1; i < k; i++)
		for (uint32_t j = i; j > 0 && ex[j].ag < ex[j - 1].ag; j--) {
			struct efree t = ex[j];
			ex[j] = ex[j - 1];
			ex[j - 1] = t;
		}
	for (uint32_t j = 0; j < k; j++)
		if ((err = xlog_fin_free_owned(f, ex[j].ag, ex[j].agbno, ex[j].len, ex[j].owner, 0, ex[j].rflags)))
			return err;
	return 0;
}

/* Frees queued in one transaction: xfs_defer_add puts up to XFS_EFI_MAX_FAST_EXTENTS in
 * an intent, each intent finished in a transaction of its own (*ntx counts them). */
int xlog_fin_free_queue(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx)
{
	int err;

	for (uint32_t s = 0; s < n; s += EFI_MAX_EXTENTS) {
		if ((err = free_group(f, q + s, n - s < EFI_MAX_EXTENTS ? n - s : EFI_MAX_EXTENTS)))
			return err;
		(*ntx)++;
	}
	return 0;
}

static void efree_at(struct efree *e, uint64_t fsb, uint32_t aglog, uint32_t len)
{
	e->ag = (uint32_t)(fsb >> aglog);
	e->agbno = (uint32_t)(fsb & ((1ull << aglog) - 1));
	e->len = len;
	e->owner = RMAP_OWN_NULL;
	e->rflags = 0;
}

/*
 * A round on an rmapbt filesystem: xfs_bmap_del_extent_real queues each
 * extent's rmap unmap (UNMAP_SHARED for a reflink inode) before its free or
 * refcount decrease, so the intents alternate and each is a transaction of
 * its own; a refcount decrease's frees come right after it, and the btree
 * leaf's free (owner the inode, a bmbt block) joins the last free intent or
 * follows the last refcount one.
 */
static int rmap_round(struct fin *f, struct efree *ex, const uint64_t *xoff, const bool *xunw, uint32_t k,
		      bool reflink, uint64_t ino, uint64_t leaf, uint32_t *ntx)
{
	xfs_fs *fs = f->log->fs;
	struct efree q[ROUND_FREES_MAX], g[2];
	int err;

	for (uint32_t j = 0; j < k; j++) {
		uint32_t nq = 0, ng = 1;
		(*ntx)++;
		if ((err = xlog_fin_rmap(f, reflink ? RMAP_UNMAP_SHARED : RMAP_UNMAP, ex[j].ag, ex[j].agbno, ex[j].len,
					 ino, xoff[j], xunw[j] ? RMAP_F_UNWRITTEN : 0)))
			return err;
		if (reflink) {
			(*ntx)++;
			if ((err = xlog_fin_refc_decrease(f, ex[j].ag, ex[j].agbno, ex[j].len, q, &nq, ROUND_FREES_MAX)) ||
			    (err = xlog_fin_free_queue(f, q, nq, ntx)))
				return err;
			continue;
		}
		g[0] = ex[j];
		if (j + 1 == k && leaf != UINT64_MAX) {
			efree_at(&g[ng++], leaf, fs->sb.agblklog, 1);
			g[1].owner = ino;
			g[1].rflags = RMAP_F_BMBT;
		}
		if ((err = xlog_fin_free_queue(f, g, ng, ntx)))
			return err;
	}
	if (reflink && leaf != UINT64_MAX) {
		efree_at(&g[0], leaf, fs->sb.agblklog, 1);
		g[0].owner = ino;
		g[0].rflags = RMAP_F_BMBT;
		return xlog_fin_free_queue(f, g, 1, ntx);
	}
	return 0;
}

/*
 * The data fork's n extents (records at recs) truncated. A fork in btree
 * form (leaf: its one leaf block, else UINT64_MAX) turns back into extents
 * form at the end of the first round that leaves at most maxext extents
 * (xfs_bmap_btree_to_extents), which queues the leaf's free after the
 * round's. A reflink inode's round queues refcount decreases (one CUI,
 * sorted by AG, finished in the next transaction); the frees they queue
 * come in the transactions after it, then the leaf's (queued behind the
 * CUI in the unmap's transaction). *ntx: the transactions, the unmaps'
 * counted. 0, 1 (refused) or <0.
 */
int xlog_fin_truncate_extents(struct fin *f, const uint8_t *recs, uint32_t n, uint64_t nblocks, bool reflink,
			    uint64_t ino, uint64_t leaf, uint32_t maxext, uint32_t *ntx)
{
	bool rmap = (f->log->fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) != 0;
	uint64_t xoff[ITRUNC_MAX_EXTENTS];
	bool xunw[ITRUNC_MAX_EXTENTS];
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, len;
	uint64_t sum = 0, lastend = 0, off, fsb;
	struct efree ex[ITRUNC_MAX_EXTENTS + 1], q[ROUND_FREES_MAX];
	int err;

	*ntx = 0;
	for (uint32_t i = 0; i < n; i++) {
		bmbt_rec(recs + (size_t)i * BMBT_REC_LEN, &off, &fsb, &len);
		if (len == 0 || (i && off < lastend) || (fsb >> aglog) >= fs->sb.agcount)
			return xlog_fin_refuse(f, "its extent %u is not what it should be", i);
		lastend = off + len;
		sum += len;
	}
	if (sum + (leaf != UINT64_MAX) != nblocks)
		return xlog_fin_refuse(f, "its extents and btree hold %llu blocks, its core says %llu",
				       (unsigned long long)(sum + (leaf != UINT64_MAX)), (unsigned long long)nblocks);
	for (uint32_t end = n; end > 0;) {
		uint32_t k = 0, nq = 0;
		bool convert;
		for (; k < ITRUNC_MAX_EXTENTS && end > 0; k++) {
			bmbt_rec(recs + (size_t)--end * BMBT_REC_LEN, &off, &fsb, &len);
			efree_at(&ex[k], fsb, aglog, len);
			xoff[k] = off;
			xunw[k] = recs[(size_t)end * BMBT_REC_LEN] >> 7;
		}
		convert = leaf != UINT64_MAX && end <= maxext;
		(*ntx)++; /* the unmap */
		if (rmap) {
			if ((err = rmap_round(f, ex, xoff, xunw, k, reflink, ino, convert ? leaf : UINT64_MAX, ntx)))
				return err;
		} else if (!reflink) {
			if (convert)
				efree_at(&ex[k++], leaf, aglog, 1);
			if ((err = xlog_fin_free_queue(f, ex, k, ntx)))
				return err;
		} else {
			if (k == 2 && ex[1].ag < ex[0].ag) { /* the CUI's items by AG */
				struct efree t = ex[0];
				ex[0] = ex[1];
				ex[1] = t;
			}
			(*ntx)++; /* the refcount decreases */
			for (uint32_t j = 0; j < k; j++)
				if ((err = xlog_fin_refc_decrease(f, ex[j].ag, ex[j].agbno, ex[j].len, q, &nq,
								  ROUND_FREES_MAX)))
					return err;
			if ((err = xlog_fin_free_queue(f, q, nq, ntx)))
				return err;
			if (convert) {
				efree_at(&ex[0], leaf, aglog, 1);
				if ((err = xlog_fin_free_queue(f, ex, 1, ntx)))
					return err;
			}
		}
		if (convert)
			leaf = UINT64_MAX;
	}
	return 0;
}

/*
 * A data fork in btree form, as far as it is done: the root in the inode
 * at level 1 over one leaf block holding every extent. *leaf and *recs
 * are that block and its records. 0, 1 (refused) or <0.
 */
int xlog_fin_bmbt_leaf(struct fin *f, const uint8_t *d, uint64_t ino, uint32_t n, uint64_t *leaf,
		     const uint8_t **recs)
{
	xfs_fs *fs = f->log->fs;
	uint32_t fork = d[DI_FORKOFF] ? d[DI_FORKOFF] * 8u : fs->sb.inodesize - fs->lit_off; /* XFS_DFORK_DSIZE */
	uint32_t bs = fs->blocksize, aglog = fs->sb.agblklog;
	uint32_t hdr = fs->v5 ? 72u : 24u, maxr = (fork - 4) / 16, ag, agbno;
	const uint8_t *root = d + fs->lit_off;
	struct blk *b;
	int err;

	if (get_be16(root) != 1 || get_be16(root + 2) != 1 || maxr == 0)
		return xlog_fin_refuse(f, "a data fork btree of %u levels and %u root records (not done yet)",
				       get_be16(root), get_be16(root + 2));
	*leaf = get_be64(root + 4 + 8 * (size_t)maxr);
	ag = (uint32_t)(*leaf >> aglog);
	agbno = (uint32_t)(*leaf & ((1ull << aglog) - 1));
	if (ag >= fs->sb.agcount || agbno == 0 || agbno >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "its bmbt pointer %llu is out of the filesystem", (unsigned long long)*leaf);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), bs / XLOG_BBSIZE, K_BTREE, &b)))
		return err;
	if (get_be32(b->b) != (fs->v5 ? XFS_BMAP_CRC_MAGIC_ : XFS_BMAP_MAGIC_) || get_be16(b->b + 4) != 0 ||
	    get_be16(b->b + 6) != n || n > (bs - hdr) / BMBT_REC_LEN || get_be64(b->b + 8) != UINT64_MAX ||
	    get_be64(b->b + 16) != UINT64_MAX || (fs->v5 && get_be64(b->b + 56) != ino))
		return xlog_fin_refuse(f, "its bmbt leaf %llu is not its %u extents' only leaf",
				       (unsigned long long)*leaf, n);
	*recs = b->b + hdr;
	return 0;
}
