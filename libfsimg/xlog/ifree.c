/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the kernel's mount does with the inodes left on the AGI unlinked
 * lists (files unlinked while open), once the log is replayed:
 * xlog_recover_process_iunlinks walks each AG's buckets in order and each
 * chain from its head; each inode is inactivated (xfs_inactive) and freed
 * (xfs_inactive_ifree -> xfs_ifree: xfs_difree in the inobt and finobt,
 * xfs_iunlink_remove, the core reset and di_gen bumped). The transactions
 * go to the CIL and reach the log as one checkpoint written at the head
 * recovery left (xfs_log_mount_finish forces the log); the AIL push then
 * writes every logged buffer and inode stamped with that checkpoint's start
 * LSN and re-checksummed.
 *
 * The order: each inode inactivated whole before the next, in the order
 * recovery queued them (AG, bucket, chain). Linux 6.1 queues each on its
 * CPU's inodegc list (the harness's VM has one CPU) and the worker runs one
 * jiffy after the last queueing (mod_delayed_work_on, delay 1), taking the
 * list last-in first-out (llist_del_all); which inodes share a batch is
 * timing (each xfs_iget may wait for its cluster's read). Only the free
 * space btrees and the AGFL record the order (the inobt and finobt edits,
 * counts and buckets come out the same in any order); this order matched
 * the kernel block for block on every crash row with several inodes in one
 * AG (7 rows of tests/crash/RESULTS.md, xfs-v4-4k-unlinked among them).
 * Where the kernel batched otherwise, the free extents are the same sets
 * and only those btrees' shape differs (tests/crash/xfscmp.py's
 * "agrees-equivalent").
 *
 * Only what is reproduced exactly is done: regular files with no
 * attribute fork, whose data fork is in extents form or a btree of one
 * leaf under the inode's root, whose chunk stays allocated; a reflink
 * inode's extents through the refcount decrease (refc.c); btree edits
 * that stay within a leaf (an update, or
 * an insert into a leaf with room, with the parents' keys logged as
 * xfs_btree_update_keys does). On anything else the entries stay pending,
 * one of them saying why, and nothing is written.
 *
 * di_changecount: xfs_trans_log_inode bumps i_version once per
 * transaction that logs the inode (always, since every log here is
 * XFS_ILOG_CORE). A file with a size or extents is truncated first
 * (xfs_inactive_truncate): its first transaction logs the size (one bump);
 * each round of __xfs_bunmapi is followed by xfs_defer_finish, whose rolls
 * relog the held inode before committing (xfs_defer_trans_roll): the roll
 * into the free's transaction finds it logged already, the roll out of it
 * logs it (a bump), and the next round's unmap logs it in a fresh
 * transaction (a bump); the end of xfs_itruncate_extents_flags logs it in
 * a fresh one (a bump); xfs_ifree's transaction one more. So 3 bumps
 * without extents, 2 * rounds + 2 with; 1 without a truncate. In general
 * each round's transactions count (truncate_extents): the unmap, a
 * reflink inode's refcount decreases, one per intent of frees.
 * v4 inodes have no change counter: the single flush bumps di_flushiter.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/rmap.h"

#define NULLAGINO 0xffffffffu
#define XFS_FIBT_MAGIC 0x46494254u     /* FIBT */
#define XFS_FIBT_CRC_MAGIC 0x46494233u /* FIB3 */
#define INOBT_REC_LEN 16u
#define INOBT_KEY_PTR_LEN 8u
#define INOBT_MAXLEVELS 9u
#define INODES_PER_CHUNK 64u
#define ITRUNC_MAX_EXTENTS 2u /* XFS_ITRUNC_MAX_EXTENTS */
#define EFI_MAX_EXTENTS 16u   /* XFS_EFI_MAX_FAST_EXTENTS: the frees one intent holds */
#define ROUND_FREES_MAX 64u   /* frees queued by one round's refcount decreases */
#define BMBT_REC_LEN 16u
#define XFS_BMAP_MAGIC_ 0x424d4150u     /* BMAP */
#define XFS_BMAP_CRC_MAGIC_ 0x424d4133u /* BMA3 */

#define IFREE_BLKS FIN_BLKS
#define DI_MAX_FLUSH 0xffffu
#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u

/* the dinode fields used (struct xfs_dinode) */
#define DI_MODE 2u
#define DI_VERSION 4u
#define DI_FORMAT 5u
#define DI_NLINK 16u
#define DI_BIG_NEXTENTS 24u
#define DI_FLUSHITER 30u
#define DI_SIZE 56u
#define DI_NBLOCKS 64u
#define DI_NEXTENTS 76u
#define DI_ANEXTENTS 80u
#define DI_FORKOFF 82u
#define DI_AFORMAT 83u
#define DI_DMEVMASK 84u
#define DI_DMSTATE 88u
#define DI_FLAGS 90u
#define DI_GEN 92u
#define DI_NEXT_UNLINKED 96u
#define DI_CRC 100u
#define DI_CHANGECOUNT 104u
#define DI_LSN 112u
#define DI_FLAGS2 120u
#define DI_PAD2 132u
#define DI_INO 152u
/* the AGF's stamps */
#define AGF_LSN 208u
#define AGF_CRC 216u
/* the AGI fields used (struct xfs_agi) */
#define AGI_ROOT 20u
#define AGI_LEVEL 24u
#define AGI_FREECOUNT 28u
#define AGI_UNLINKED 40u
#define AGI_CRC 312u
#define AGI_LSN 320u
#define AGI_FREE_ROOT 328u
#define AGI_FREE_LEVEL 332u
#define AGFL_LSN 24u
/* the short-form btree block header */
#define SB_LSN 24u
#define SB_CRC 52u

struct path {
	struct blk *b[INOBT_MAXLEVELS];
	uint32_t idx[INOBT_MAXLEVELS]; /* 0-based index in the block at each level */
	uint32_t levels;
};

/* A refusal: the reason goes after the entry's name; the finish is abandoned. */
int xlog_fin_refuse(struct fin *f, const char *fmt, ...)
{
	size_t used = strlen(f->why);
	char r[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r, sizeof r, fmt, ap);
	va_end(ap);
	if (used < f->whylen)
		snprintf(f->why + used, f->whylen - used, ": %s", r);
	f->refused = true;
	return 1;
}

/* The block at daddr as this finish leaves it so far (read through the overlay once). */
int xlog_fin_get(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, struct blk **out)
{
	struct blk *b;
	int err;

	for (size_t i = 0; i < f->nblk; i++) {
		if (f->blk[i].daddr == daddr && f->blk[i].bbs == bbs && f->blk[i].kind == kind) {
			*out = &f->blk[i];
			return 0;
		}
		/* a damaged pointer to an AG header or to a block of another kind */
		if (daddr < f->blk[i].daddr + f->blk[i].bbs && f->blk[i].daddr < daddr + bbs)
			return xlog_fin_refuse(f, "daddr %llu met as two kinds of block", (unsigned long long)daddr);
	}
	if (f->nblk == IFREE_BLKS)
		return xlog_fin_refuse(f, "more than %llu blocks to change", (unsigned long long)IFREE_BLKS);
	b = &f->blk[f->nblk];
	memset(b, 0, sizeof *b);
	if (!(b->b = malloc((size_t)bbs * XLOG_BBSIZE)))
		return FSIMG_ENOMEM;
	if ((err = xlog_ovl_read(f->o, f->log, b->b, daddr, bbs))) {
		free(b->b);
		return err == FSIMG_ECORRUPT ? xlog_fin_refuse(f, "block %llu is past the device", (unsigned long long)daddr)
					     : err;
	}
	b->daddr = daddr;
	b->bbs = bbs;
	b->kind = kind;
	f->nblk++;
	*out = b;
	return 0;
}

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
static int difree_inobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, uint8_t rec[16])
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
static int difree_finobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino, const uint8_t rec[16])
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
static int free_queue(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx)
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
			    (err = free_queue(f, q, nq, ntx)))
				return err;
			continue;
		}
		g[0] = ex[j];
		if (j + 1 == k && leaf != UINT64_MAX) {
			efree_at(&g[ng++], leaf, fs->sb.agblklog, 1);
			g[1].owner = ino;
			g[1].rflags = RMAP_F_BMBT;
		}
		if ((err = free_queue(f, g, ng, ntx)))
			return err;
	}
	if (reflink && leaf != UINT64_MAX) {
		efree_at(&g[0], leaf, fs->sb.agblklog, 1);
		g[0].owner = ino;
		g[0].rflags = RMAP_F_BMBT;
		return free_queue(f, g, 1, ntx);
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
static int truncate_extents(struct fin *f, const uint8_t *recs, uint32_t n, uint64_t nblocks, bool reflink,
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
			if ((err = free_queue(f, ex, k, ntx)))
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
			if ((err = free_queue(f, q, nq, ntx)))
				return err;
			if (convert) {
				efree_at(&ex[0], leaf, aglog, 1);
				if ((err = free_queue(f, ex, 1, ntx)))
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
static int bmbt_leaf(struct fin *f, const uint8_t *d, uint64_t ino, uint32_t n, uint64_t *leaf,
		     const uint8_t **recs)
{
	xfs_fs *fs = f->log->fs;
	uint32_t fork = fs->sb.inodesize - fs->lit_off, bs = fs->blocksize, aglog = fs->sb.agblklog;
	uint32_t hdr = fs->v5 ? 72u : 24u, maxr = (fork - 4) / 16, ag, agbno;
	const uint8_t *root = d + fs->lit_off;
	struct blk *b;
	int err;

	if (get_be16(root) != 1 || get_be16(root + 2) != 1)
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

/* One inode, the head of its bucket's chain: xfs_inactive then xfs_ifree. */
static int ifree_one(struct fin *f, uint32_t ag, uint32_t bucket, uint32_t agino, uint32_t *next)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, ss = fs->sb.sectsize, isize = fs->sb.inodesize;
	uint32_t agbno = agino >> fs->sb.inopblog, slot = agino & ((1u << fs->sb.inopblog) - 1);
	uint64_t ino = ((uint64_t)ag << (fs->sb.agblklog + fs->sb.inopblog)) | agino;
	struct blk *agi, *ib;
	uint8_t *d, rec[INOBT_REC_LEN];
	uint16_t mode;
	uint32_t nexts;
	uint32_t fork = isize - fs->lit_off, ntx;
	uint64_t leaf = UINT64_MAX;
	const uint8_t *recs;
	bool truncate, reflink, big;
	int err;

	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, 0) + 2 * (ss / XLOG_BBSIZE), ss / XLOG_BBSIZE, K_AGI, &agi)))
		return err;
	if (get_be32(agi->b + AGI_UNLINKED + 4 * bucket) != agino)
		return xlog_fin_refuse(f, "bucket head is not agino %llu", (unsigned long long)agino);
	if (agbno >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "agino %llu is out of the AG", (unsigned long long)agino);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), bs / XLOG_BBSIZE, K_INODES, &ib)))
		return err;
	d = ib->b + (size_t)slot * isize;
	recs = d + fs->lit_off;
	mode = get_be16(d + DI_MODE);
	if (get_be16(d) != XFS_DINODE_MAGIC || d[DI_VERSION] != (fs->v5 ? 3 : 2))
		return xlog_fin_refuse(f, "not a v%d inode", fs->v5 ? 3 : 2);
	if ((mode & S_IFMT_) != S_IFREG_)
		return xlog_fin_refuse(f, "freeing a file of mode %o is not done yet", (unsigned)mode);
	if (get_be32(d + DI_NLINK) != 0)
		return xlog_fin_refuse(f, "its link count is %llu", (unsigned long long)get_be32(d + DI_NLINK));
	/* nrext64 (xfs_dinode's unions): the data fork's count is 64-bit at 24, the attr fork's 32-bit at 76 */
	big = fs->v5 && (get_be64(d + DI_FLAGS2) & XFS_DIFLAG2_NREXT64);
	if ((d[DI_FORMAT] != XFS_DINODE_FMT_EXTENTS && d[DI_FORMAT] != XFS_DINODE_FMT_BTREE) || d[DI_FORKOFF] ||
	    get_be16(d + DI_ANEXTENTS) || (big && get_be32(d + DI_NEXTENTS)))
		return xlog_fin_refuse(f, "inactivating its forks is not done yet");
	if (big && get_be64(d + DI_BIG_NEXTENTS) > UINT32_MAX)
		return xlog_fin_refuse(f, "%llu extents", (unsigned long long)get_be64(d + DI_BIG_NEXTENTS));
	reflink = fs->v5 && (get_be64(d + DI_FLAGS2) & XFS_DIFLAG2_REFLINK);
	if (get_be16(d + DI_FLAGS) & XFS_DIFLAG_REALTIME)
		return xlog_fin_refuse(f, "freeing realtime blocks is not done yet");
	if (get_be32(d + DI_DMEVMASK) || get_be16(d + DI_DMSTATE))
		return xlog_fin_refuse(f, "it has DMAPI fields set");
	if (fs->v5 && get_be64(d + DI_INO) != ino)
		return xlog_fin_refuse(f, "the inode says it is %llu", (unsigned long long)get_be64(d + DI_INO));
	*next = get_be32(d + DI_NEXT_UNLINKED);

	/* xfs_inactive_truncate: the data fork's extents freed */
	nexts = big ? (uint32_t)get_be64(d + DI_BIG_NEXTENTS) : get_be32(d + DI_NEXTENTS);
	if (d[DI_FORMAT] == XFS_DINODE_FMT_BTREE) {
		if ((err = bmbt_leaf(f, d, ino, nexts, &leaf, &recs)))
			return err;
	} else if (nexts > fork / BMBT_REC_LEN) {
		return xlog_fin_refuse(f, "%u extents do not fit its fork", nexts);
	}
	if ((err = truncate_extents(f, recs, nexts, get_be64(d + DI_NBLOCKS), reflink, ino, leaf, fork / BMBT_REC_LEN,
				    &ntx)))
		return err;

	/* xfs_difree: inobt, AGI free count, finobt */
	if ((err = difree_inobt(f, ag, agi, agino, rec)))
		return err;
	if (fs->v5 && (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT) &&
	    (err = difree_finobt(f, ag, agi, agino, rec)))
		return err;
	/* xfs_iunlink_remove of the bucket's head */
	put_be32(agi->b + AGI_UNLINKED + 4 * bucket, *next);
	agi->dirty = true;

	/* xfs_inactive_truncate, xfs_ifree, as xfs_inode_to_disk writes the core at the flush */
	truncate = get_be64(d + DI_SIZE) != 0 || nexts != 0;
	put_be16(d + DI_MODE, 0);
	d[DI_FORMAT] = XFS_DINODE_FMT_EXTENTS; /* the btree root's bytes stay: the flush copies no extent */
	put_be64(d + DI_SIZE, 0);
	put_be64(d + DI_NBLOCKS, 0);
	put_be32(d + DI_NEXTENTS, 0);
	if (big)
		put_be64(d + DI_BIG_NEXTENTS, 0);
	put_be16(d + DI_FLAGS, 0);
	d[DI_AFORMAT] = XFS_DINODE_FMT_EXTENTS;
	put_be32(d + DI_GEN, get_be32(d + DI_GEN) + 1);
	put_be32(d + DI_NEXT_UNLINKED, NULLAGINO);
	if (fs->v5) {
		put_be64(d + DI_CHANGECOUNT, get_be64(d + DI_CHANGECOUNT) + (!truncate ? 1 : nexts ? ntx + 2 : 3));
		put_be64(d + DI_FLAGS2, (fs->bigtime ? XFS_DIFLAG2_BIGTIME : 0) |
					(fs->nrext64 ? XFS_DIFLAG2_NREXT64 : 0));
		memset(d + DI_PAD2, 0, 12);
	} else {
		uint16_t fi = get_be16(d + DI_FLUSHITER) + 1;
		put_be16(d + DI_FLUSHITER, fi == DI_MAX_FLUSH ? 0 : fi);
	}
	ib->dirty = true;
	f->ino[f->nino].blk = (size_t)(ib - f->blk);
	f->ino[f->nino].off = slot * isize;
	f->nino++;
	return 0;
}

static void set_crc(uint8_t *b, size_t len, size_t off)
{
	put_le32(b + off, 0);
	put_le32(b + off, ~fsimg_crc32c(~0u, b, len));
}

/* The AIL push after the checkpoint: every logged buffer and inode written with its LSN. */
int xlog_fin_writeback(struct fin *f, uint64_t lsn)
{
	xfs_fs *fs = f->log->fs;
	int err;

	for (size_t i = 0; fs->v5 && i < f->nino; i++) {
		uint8_t *d = f->blk[f->ino[i].blk].b + f->ino[i].off;
		put_be64(d + DI_LSN, lsn);
		set_crc(d, fs->sb.inodesize, DI_CRC);
	}
	for (size_t i = 0; i < f->nblk; i++) {
		struct blk *b = &f->blk[i];
		if (!b->dirty)
			continue;
		if (fs->v5 && b->kind == K_AGF) {
			put_be64(b->b + AGF_LSN, lsn);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, AGF_CRC);
		} else if (fs->v5 && b->kind == K_AGI) {
			put_be64(b->b + AGI_LSN, lsn);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, AGI_CRC);
		} else if (fs->v5 && b->kind == K_AGFL) {
			put_be64(b->b + AGFL_LSN, lsn);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, XFS_AGFL_CRC_OFF);
		} else if (fs->v5 && b->kind == K_BTREE) {
			put_be64(b->b + SB_LSN, lsn);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, SB_CRC);
		}
		if ((err = xlog_ovl_write(f->o, f->log, b->b, b->daddr, b->bbs)))
			return err;
	}
	f->log->fin_max_lsn = lsn;
	return 0;
}

int xlog_mount_finish(xlog *log, struct xlog_ovl *o, struct xlog_plan *p)
{
	xfs_fs *fs = log->fs;
	struct xlog_pending *cow = NULL;
	struct fin f;
	size_t i, nunlinked = 0;
	int err = 0;

	for (i = 0; i < p->npending; i++) {
		if (p->pending[i].type == XFS_LI_IUNLINK)
			nunlinked++;
		else if (p->pending[i].type == XLOG_PENDING_COW)
			cow = &p->pending[i];
		else
			return 0; /* intents come first, in checkpoints fsimg does not place yet */
	}
	if (p->npending == 0 || nunlinked > FIN_INODES_MAX)
		return 0;
	memset(&f, 0, sizeof f);
	f.log = log;
	f.o = o;
	if (!(f.blk = calloc(IFREE_BLKS, sizeof *f.blk)))
		return FSIMG_ENOMEM;
	/* the pending entries are in xlog_recover_process_iunlinks' order: AG, bucket, chain */
	for (i = 0; i < p->npending && !err && !f.refused; i++) {
		uint64_t ino = p->pending[i].id;
		uint32_t ag = (uint32_t)(ino >> (fs->sb.agblklog + fs->sb.inopblog));
		uint32_t agino = (uint32_t)(ino & ((1ull << (fs->sb.agblklog + fs->sb.inopblog)) - 1));
		uint32_t bucket = agino % XFS_AGI_UNLINKED_BUCKETS, next;
		if (p->pending[i].type != XFS_LI_IUNLINK)
			continue;
		f.why = p->pending[i].what;
		f.whylen = sizeof p->pending[i].what;
		err = ifree_one(&f, ag, bucket, agino, &next);
		if (err > 0)
			err = 0;
	}
	if (cow && !err && !f.refused) {
		f.why = cow->what;
		f.whylen = sizeof cow->what;
		err = xlog_fin_cow(&f);
		if (err > 0)
			err = 0;
	}
	if (!err && !f.refused)
		err = xlog_fin_writeback(&f, log->fin_next_lsn ? log->fin_next_lsn :
					 XLOG_LSN(log->ends.head_cycle, log->ends.head_blk));
	if (!err && !f.refused)
		p->npending = 0;
	for (i = 0; i < f.nblk; i++)
		free(f.blk[i].b);
	free(f.blk);
	return err;
}
