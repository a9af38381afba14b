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
#include "xlog/refc.h"
#include "xlog/rmap.h"

#define ITRUNC_MAX_EXTENTS 2u /* XFS_ITRUNC_MAX_EXTENTS */
#define ROUND_FREES_MAX 64u   /* frees queued by one round's refcount decreases */
#define CUI_ROLLS_MAX 64u     /* transactions one CUI's decreases may take, more refused */
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
void xlog_fin_bmbt_rec(const uint8_t *r, uint64_t *off, uint64_t *fsb, uint32_t *len)
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

/*
 * Frees queued in one transaction: xfs_defer_add puts up to XFS_EFI_MAX_FAST_EXTENTS in an
 * intent, each intent finished in a transaction of its own (*ntx counts them). queued: the
 * intent is the head of the round's queue (rmap_round, refc_round: logged by its unmap,
 * with the intents queued behind it), else the frees are new work of the running
 * transaction (a refcount decrease's, a free's own): their intents logged by it and put
 * ahead of every intent pending (xfs_defer_finish_noroll splices the work a transaction
 * queued at the head of its list).
 */
static int free_intents(struct fin *f, struct efree *q, uint32_t n, bool queued, uint32_t *ntx)
{
	int err;

	/* (the last intent put at the head first, so the first ends there) */
	for (uint32_t i = queued ? 0 : (n + FIN_DEFER_OP_ITEMS - 1) / FIN_DEFER_OP_ITEMS; i-- > 0;)
		if ((err = xlog_fin_dfp_queue_head(f, DFP_EFI, n - i * FIN_DEFER_OP_ITEMS < FIN_DEFER_OP_ITEMS
									? n - i * FIN_DEFER_OP_ITEMS : FIN_DEFER_OP_ITEMS)))
			return err;
	for (uint32_t s = 0; s < n; s += FIN_DEFER_OP_ITEMS) {
		uint32_t mark = f->nagflq, k = n - s < FIN_DEFER_OP_ITEMS ? n - s : FIN_DEFER_OP_ITEMS;
		/* the intent, logged by the transaction that queued it (xfs_defer_create_intents,
		 * then xfs_defer_trans_roll), its done item by the one that frees (the first step of
		 * xfs_defer_finish_one): a force while its frees run writes it alone in the forced
		 * checkpoint, with any intent queued behind it (rmap.c's sizing), and its done item
		 * in the next. Kernel row xr8-1k-rmap-holdmix, twice: a round's first extent's
		 * 1-extent EFI forced at its free (a block freed earlier in the finish met again),
		 * the second extent's RUI and EFI behind it, the three alone in the checkpoint and
		 * their done items first in the next. A queued intent's frees past its first
		 * XFS_EFI_MAX_FAST_EXTENTS, behind intents, are not sized: refused at a force. */
		bool head = queued && s == 0, sized = !queued || head || !f->ndfp;
		if (queued && !head && sized && (err = xlog_fin_dfp_queue(f, DFP_EFI, k)))
			return err;
		xlog_fin_tx(f);
		if (!sized)
			f->tx_intent = "an extent free intent queued behind intents not sized";
		if ((err = free_group(f, q + s, k)))
			return err;
		if (sized)
			xlog_fin_dfp_done(f);
		(*ntx)++;
		/* the AGFL frees its shrinks deferred, before the next intent */
		if ((err = xlog_fin_agfl_frees(f, mark, ntx)))
			return err;
	}
	return 0;
}

int xlog_fin_free_queue(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx)
{
	return free_intents(f, q, n, false, ntx);
}

int xlog_fin_free_queued(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx)
{
	return free_intents(f, q, n, true, ntx);
}

static void efree_at(struct efree *e, uint64_t fsb, uint32_t aglog, uint32_t len)
{
	e->ag = (uint32_t)(fsb >> aglog);
	e->agbno = (uint32_t)(fsb & ((1ull << aglog) - 1));
	e->len = len;
	e->owner = RMAP_OWN_NULL;
	e->rflags = 0;
}

#define DELREC_JOINED 1
#define DELREC_BORROWED 2

/*
 * xfs_btree_delrec of the last entry of the rightmost block of a level (n blocks whose
 * entries cnt[] are, min and max each): a block left under its minimum takes its left
 * sibling's last entry when that one has more than the minimum (xfs_btree_rshift, which
 * updates the block's key in its parent: DELREC_BORROWED), else joins it (the entries
 * move left, the block is freed into *freed: DELREC_JOINED, its entry in the level above
 * to delete). A block with no sibling stays (0).
 */
static int delrec(uint32_t *n, uint32_t *cnt, const uint64_t *blk, uint32_t min, uint32_t max, uint64_t *freed)
{
	uint32_t r = *n - 1;

	cnt[r]--;
	if (cnt[r] >= min || r == 0)
		return 0;
	if (cnt[r - 1] - 1 >= min) {
		cnt[r - 1]--;
		cnt[r]++;
		return DELREC_BORROWED;
	}
	if (cnt[r - 1] + cnt[r] > max)
		return 0; /* "we can't fix the imbalance" */
	cnt[r - 1] += cnt[r];
	(*n)--;
	*freed = blk[r];
	return DELREC_JOINED;
}

/*
 * xfs_btree_delete of the last record of the rightmost leaf (the truncate deletes from
 * the end), as xfs_btree_delrec balances the bmbt level by level: a leaf's join deletes
 * its entry from the level above (the root's, or the rightmost level-1 block's, which may
 * in turn take from or join its left sibling). A root at level 2 left with one entry
 * whose block's entries fit it takes them and the block is freed (xfs_btree_kill_iroot;
 * at level 1 it does nothing). Returns the first block freed (all in t->freed), or
 * UINT64_MAX.
 */
uint64_t xlog_fin_bmbt_delete(struct bmbt *t)
{
	int leaf;

	if (!t || t->nleaf == 0)
		return UINT64_MAX;
	t->nfreed = 0;
	t->ilog = BMBT_ILOG_NONE;
	leaf = delrec(&t->nleaf, t->cnt, t->leaf, t->minrecs, t->maxrecs, &t->freed[0]);
	if (leaf == DELREC_JOINED) {
		t->nfreed = 1;
		t->ilog = BMBT_ILOG_CORE;
	}
	/* the rshift's key update (xfs_btree_update_keys) logs the leaf's parent, and goes on
	 * up only from a block's first entry: it reaches the root in the inode when that is
	 * the parent, or when the leaf is the first child of the rightmost level-1 block */
	if (leaf == DELREC_BORROWED && (t->nnode == 0 || t->ncnt[t->nnode - 1] == 1))
		t->ilog = BMBT_ILOG_ROOT;
	if (t->nfreed && t->nnode) {
		bool joined = delrec(&t->nnode, t->ncnt, t->node, t->minrecs, t->maxrecs, &t->freed[1]) == DELREC_JOINED;
		t->nfreed += joined;
		/* kill_iroot from the root's delrec after a join, or from the lone level-1
		 * block's under its minimum */
		if (t->nnode == 1 && t->ncnt[0] <= t->rootmax && (joined || t->ncnt[0] < t->minrecs)) {
			t->freed[t->nfreed++] = t->node[0];
			t->nnode = 0;
		}
	}
	return t->nfreed ? t->freed[0] : UINT64_MAX;
}

/*
 * What one round's deletes logged of the bmbt blocks they kept, replayed in the unmap's
 * transaction by round_log: byte ranges of blocks (xfs_trans_log_buf), and whether the root
 * in the inode was logged (XFS_ILOG_DBROOT); unsized: a delete whose logging is not modelled.
 */
#define BMLOG_MAX 24u
struct bmlog {
	struct { uint64_t fsb; uint32_t first, last; } ev[BMLOG_MAX];
	uint32_t n;
	bool broot;
	const char *unsized;
};

static void bmlog_add(struct bmlog *lg, uint64_t fsb, uint32_t first, uint32_t last)
{
	if (lg->n == BMLOG_MAX) {
		lg->unsized = "more bmbt changes in one unmap than kept";
		return;
	}
	lg->ev[lg->n].fsb = fsb;
	lg->ev[lg->n].first = first;
	lg->ev[lg->n++].last = last;
}

/* Entries a to z (0-based) of a leaf's records (xfs_btree_log_recs) or a node's keys
 * (xfs_btree_log_keys) and, with ptrs, its pointers (xfs_btree_log_ptrs, after the
 * block's maxrecs keys); hdr the block's header. */
static void bmlog_ents(struct bmlog *lg, const struct bmbt *t, uint32_t hdr, uint64_t fsb, bool leaf, bool ptrs,
		       uint32_t a, uint32_t z)
{
	if (leaf) {
		bmlog_add(lg, fsb, hdr + BMBT_REC_LEN * a, hdr + BMBT_REC_LEN * z + BMBT_REC_LEN - 1);
		return;
	}
	bmlog_add(lg, fsb, hdr + 8 * a, hdr + 8 * z + 7);
	if (ptrs)
		bmlog_add(lg, fsb, hdr + 8 * (t->maxrecs + a), hdr + 8 * (t->maxrecs + z) + 7);
}

#define BB_NUMRECS 6u, 7u   /* xfs_btree_log_block(XFS_BB_NUMRECS): bb_numrecs */
#define BB_NUMRECS_RIGHT 6u, 23u /* XFS_BB_NUMRECS | XFS_BB_RIGHTSIB: through bb_rightsib */

/*
 * xlog_fin_bmbt_delete with what Linux 6.1 logs doing it (xfs_btree_delrec of the rightmost
 * leaf's last record: the cursor is at the last entry of every level, so nothing shifts),
 * found from the tree before and after: the leaf's count; a borrow (xfs_btree_rshift: the
 * leaf's records from the first, both counts, then xfs_btree_update_keys: the leaf's key in
 * its parent, on up to the root while it is a first entry); a join (the records appended to
 * the left sibling, its count and right sibling; the parent's delrec: a level-1 block's
 * count, its own borrow (keys and pointers) or join, or the root's, which
 * xfs_btree_kill_iroot may then take in). A block emptied is not modelled (its parent keys
 * would follow its first record's removal: xfs_btree_needs_key_update).
 */
static uint64_t delete_logged(struct bmbt *t, uint32_t hdr, struct bmlog *lg)
{
	uint32_t nl, nn, r, cl, cll = 0, cn = 0, cnl = 0;
	uint64_t leaf, lleft = UINT64_MAX, node = UINT64_MAX, nleft = UINT64_MAX, freed;

	if (!t || t->nleaf == 0)
		return xlog_fin_bmbt_delete(t);
	nl = t->nleaf;
	nn = t->nnode;
	r = nl - 1;
	leaf = t->leaf[r];
	cl = t->cnt[r];
	if (r) {
		lleft = t->leaf[r - 1];
		cll = t->cnt[r - 1];
	}
	if (nn) {
		node = t->node[nn - 1];
		cn = t->ncnt[nn - 1];
	}
	if (nn > 1) {
		nleft = t->node[nn - 2];
		cnl = t->ncnt[nn - 2];
	}
	freed = xlog_fin_bmbt_delete(t);
	bmlog_add(lg, leaf, BB_NUMRECS);
	if (cl < 2) {
		lg->unsized = "a bmbt leaf emptied";
		return freed;
	}
	if (t->nleaf == nl) {
		if (r && t->cnt[r] == cl && t->cnt[r - 1] == cll - 1) { /* the borrow */
			bmlog_ents(lg, t, hdr, leaf, true, false, 0, cl - 1);
			bmlog_add(lg, lleft, BB_NUMRECS);
			if (nn)
				bmlog_ents(lg, t, hdr, node, false, false, cn - 1, cn - 1);
			lg->broot |= nn == 0 || cn == 1;
		}
		return freed;
	}
	/* joined: the leaf's cl - 1 records after the left sibling's cll */
	bmlog_ents(lg, t, hdr, lleft, true, false, cll, cll + cl - 2);
	bmlog_add(lg, lleft, BB_NUMRECS_RIGHT);
	if (nn == 0) { /* the root's entry removed */
		lg->broot = true;
		return freed;
	}
	bmlog_add(lg, node, BB_NUMRECS);
	if (cn < 2) {
		lg->unsized = "a bmbt level-1 block emptied";
		return freed;
	}
	if (nn == 1) { /* under its minimum: the root takes it in when it fits */
		lg->broot |= t->nnode == 0;
		return freed;
	}
	if (t->nnode == nn) {
		if (t->ncnt[nn - 1] == cn && t->ncnt[nn - 2] == cnl - 1) { /* the borrow */
			bmlog_ents(lg, t, hdr, node, false, true, 0, cn - 1);
			bmlog_add(lg, nleft, BB_NUMRECS);
			lg->broot = true;
		}
		return freed;
	}
	bmlog_ents(lg, t, hdr, nleft, false, true, cnl, cnl + cn - 2);
	bmlog_add(lg, nleft, BB_NUMRECS_RIGHT);
	lg->broot = true;
	return freed;
}

/*
 * One CUI's refcount decreases (ex[0..n), in the CUI's order) finished as
 * xfs_defer_finish_one does it, in a transaction of their own: the items share the
 * refcount cursor's work so far (xfs_refcount_finish_one carries nr_ops and
 * shape_changes from item to item), and an item that runs out of the reservation
 * (xfs_refcount_still_have_space) is requeued with what it left (-EAGAIN, a new CUI
 * logged): xfs_defer_finish_noroll then finishes the frees queued so far first (new
 * work goes to the head of the pending list) and goes on in a new transaction. The frees
 * the last transaction queued are finished after it, the refcount btree's blocks its
 * decreases gave back among them (refc.c: xfs_refcountbt_free_block queues them in the
 * same intent, one transaction more where the decreases free no extent). *ntx counts the
 * transactions.
 */
static int cui_finish(struct fin *f, const struct efree *ex, uint32_t n, uint32_t *ntx)
{
	struct efree q[ROUND_FREES_MAX];
	struct refc_tx tx = { 0, 0, false };
	uint32_t nq = 0, rolls = 0;
	int err;

	/* the CUI at the queue's head while its decreases run (its done item the running
	 * transaction's: a force there writes it alone, with the intents behind it) */
	(*ntx)++;
	xlog_fin_tx(f);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t agbno = ex[i].agbno, len = ex[i].len;
		for (;;) {
			if ((err = xlog_fin_refc_decrease(f, ex[i].ag, &agbno, &len, &tx, q, &nq, ROUND_FREES_MAX)))
				return err;
			if (len == 0)
				break;
			if (++rolls > CUI_ROLLS_MAX)
				return xlog_fin_refuse(f, "a refcount decrease rolled its transaction %u times",
						       CUI_ROLLS_MAX);
			/* its done item, and a new CUI of the items left (this one's rest among
			 * them: xfs_defer_relog's create_intent), behind the frees queued so far */
			xlog_fin_dfp_done(f);
			if ((err = xlog_fin_dfp_queue_head(f, DFP_CUI, n - i)) ||
			    (err = xlog_fin_free_queue(f, q, nq, ntx)))
				return err;
			nq = 0;
			tx = (struct refc_tx){ 0, 0, false };
			(*ntx)++;
			xlog_fin_tx(f);
		}
	}
	xlog_fin_dfp_done(f);
	return xlog_fin_free_queue(f, q, nq, ntx);
}

/* The bmbt blocks one record's delete freed, in order. */
struct joined {
	uint64_t b[3];
	uint32_t n;
};

/* A bmbt block's free; owned: its rmap record (the fork's flag af with XFS_RMAP_BMBT_BLOCK) removed first. */
static void efree_bmbt(struct efree *e, uint64_t fsb, uint32_t aglog, uint64_t ino, bool owned, uint32_t af)
{
	efree_at(e, fsb, aglog, 1);
	if (owned) {
		e->owner = ino;
		e->rflags = RMAP_F_BMBT | af;
	}
}

/*
 * A round on an rmapbt filesystem: xfs_bmap_del_extent_real deletes the
 * extent's bmbt record (a leaf a join frees is queued then), then queues
 * its rmap unmap (UNMAP_SHARED for a reflink inode) before its free or
 * refcount decrease. xfs_defer_add appends to the last intent when it is
 * of the same type, so the intents alternate and each is a transaction of
 * its own: a joined leaf's free goes into the previous extent's free
 * intent (an intent of its own for the round's first); a refcount
 * decrease's frees come right after it; the btree leaf's free at the
 * conversion to extents form joins the last free intent or follows the
 * last refcount one. join[j]: the bmbt blocks extent j's delete freed
 * (a leaf, the level-1 block it emptied, the one the root took in), in
 * that order; a reflink round's are an intent of their own before the
 * extent's rmap unmap (the last queued is its refcount decrease).
 */
static int rmap_round(struct fin *f, struct efree *ex, const uint64_t *xoff, const bool *xunw,
		      const struct joined *join, uint32_t k, bool reflink, uint64_t ino, uint64_t leaf, uint32_t af,
		      uint32_t *ntx)
{
	uint32_t aglog = f->log->fs->sb.agblklog;
	struct efree g[5];
	int err;

	/* the intents the unmap logs, finished in this order (rmap.c: xlog_fin_dfp_queue), each
	 * at the queue's head while its work runs (xlog_fin_free_queued for a free intent); a
	 * reflink round's: a joined leaf's free intent, the rmap unmap's, the refcount
	 * decrease's, extent by extent, the leaf's free last */
	for (uint32_t j = 0; j < k && !reflink; j++)
		if ((j == 0 && join[0].n && (err = xlog_fin_dfp_queue(f, DFP_EFI, join[0].n))) ||
		    (err = xlog_fin_dfp_queue(f, DFP_RUI, 1)) ||
		    (err = xlog_fin_dfp_queue(f, DFP_EFI, 1 + (j + 1 < k ? join[j + 1].n : leaf != UINT64_MAX))))
			return err;
	for (uint32_t j = 0; j < k && reflink; j++)
		if ((join[j].n && (err = xlog_fin_dfp_queue(f, DFP_EFI, join[j].n))) ||
		    (err = xlog_fin_dfp_queue(f, DFP_RUI, 1)) || (err = xlog_fin_dfp_queue(f, DFP_CUI, 1)))
			return err;
	if (reflink && leaf != UINT64_MAX && (err = xlog_fin_dfp_queue(f, DFP_EFI, 1)))
		return err;
	for (uint32_t j = 0; j < k; j++) {
		uint32_t ng = 1, mark;
		/* a joined leaf's free opens an intent of its own when the last queued is not
		 * one of frees: the round's first, or any after a refcount decrease */
		if ((j == 0 || reflink) && join[j].n) {
			for (uint32_t i = 0; i < join[j].n; i++)
				efree_bmbt(&g[i], join[j].b[i], aglog, ino, true, af);
			if ((err = xlog_fin_free_queued(f, g, join[j].n, ntx)))
				return err;
		}
		(*ntx)++;
		xlog_fin_tx(f);
		/* the RUI stays at the queue's head while its update runs (its done item is the
		 * running transaction's): a force there writes it alone in the forced checkpoint,
		 * with the intents behind it, and its done item in the next, as a free intent's
		 * (kernel row g8x-2k-rmap-reflink-lb64k-holdmixmany: an AGFL refill meeting only
		 * busy extents in an unmap's rmap update); a reflink round's as well */
		mark = f->nagflq;
		err = xlog_fin_rmap(f, reflink ? RMAP_UNMAP_SHARED : RMAP_UNMAP, ex[j].ag, ex[j].agbno, ex[j].len, ino,
				    xoff[j], (xunw[j] ? RMAP_F_UNWRITTEN : 0) | af);
		xlog_fin_dfp_done(f);
		if (err || (err = xlog_fin_agfl_frees(f, mark, ntx)))
			return err;
		if (reflink) {
			if ((err = cui_finish(f, &ex[j], 1, ntx)))
				return err;
			continue;
		}
		g[0] = ex[j];
		for (uint32_t i = 0; j + 1 < k && i < join[j + 1].n; i++)
			efree_bmbt(&g[ng++], join[j + 1].b[i], aglog, ino, true, af);
		if (j + 1 == k && leaf != UINT64_MAX)
			efree_bmbt(&g[ng++], leaf, aglog, ino, true, af);
		if ((err = xlog_fin_free_queued(f, g, ng, ntx)))
			return err;
	}
	if (reflink && leaf != UINT64_MAX) {
		efree_bmbt(&g[0], leaf, aglog, ino, true, af);
		return xlog_fin_free_queued(f, g, 1, ntx);
	}
	return 0;
}

/*
 * A reflink inode's round without the rmapbt: each extent's refcount decrease is queued
 * after the frees of the bmbt blocks its record's delete freed (xfs_bmbt_free_block in
 * xfs_btree_delete, then xfs_refcount_decrease_extent in xfs_bmap_del_extent_real), so
 * decreases share a CUI unless a join's frees come between; each intent is finished in
 * a transaction of its own, a CUI's items sorted by AG (xfs_refcount_update_diff_items)
 * and the frees its decreases queue finished right after it.
 */
static int refc_round(struct fin *f, struct efree *ex, const struct joined *join, uint32_t k, bool leaf,
		      uint32_t *ntx)
{
	uint32_t aglog = f->log->fs->sb.agblklog;
	struct efree g[3];
	int err;

	/* the intents the unmap logs, each at the queue's head while its work runs: the leaf's
	 * free (its bmbt turned back to extents form) after the last decrease */
	for (uint32_t j = 0, m; j < k; j = m) {
		for (m = j + 1; m < k && !join[m].n; m++)
			;
		if ((join[j].n && (err = xlog_fin_dfp_queue(f, DFP_EFI, join[j].n))) ||
		    (err = xlog_fin_dfp_queue(f, DFP_CUI, m - j)))
			return err;
	}
	if (leaf && (err = xlog_fin_dfp_queue(f, DFP_EFI, 1)))
		return err;
	for (uint32_t j = 0, m; j < k; j = m) {
		if (join[j].n) {
			for (uint32_t i = 0; i < join[j].n; i++)
				efree_at(&g[i], join[j].b[i], aglog, 1);
			if ((err = xlog_fin_free_queued(f, g, join[j].n, ntx)))
				return err;
		}
		for (m = j + 1; m < k && !join[m].n; m++)
			for (uint32_t i = m; i > j && ex[i].ag < ex[i - 1].ag; i--) {
				struct efree x = ex[i];
				ex[i] = ex[i - 1];
				ex[i - 1] = x;
			}
		if ((err = cui_finish(f, ex + j, m - j, ntx)))
			return err;
	}
	return 0;
}

/*
 * What a round's unmap logs besides the blocks it changes: the bmbt blocks its deletes freed,
 * invalidated (xfs_bmbt_free_block, xfs_bmap_btree_to_extents: xfs_trans_binval), and the
 * inode (xfs_bunmapi: XFS_ILOG_CORE with the fork's extents, or its root in btree form).
 */
static int round_log(struct fin *f, const struct joined *join, uint32_t k, uint64_t leaf, const struct bmbt *t,
		     const struct bmlog *lg, uint32_t af, uint32_t end)
{
	int err;

	/* the blocks the deletes changed (a block a later delete of the round freed is in
	 * the checkpoint as a cancelled buffer all the same) */
	for (uint32_t i = 0; i < lg->n; i++)
		if ((err = xlog_fin_bmbt_logged(f, lg->ev[i].fsb, lg->ev[i].first, lg->ev[i].last)))
			return err;
	for (uint32_t j = 0; j < k; j++)
		for (uint32_t i = 0; i < join[j].n; i++)
			if ((err = xlog_fin_bmbt_stale(f, join[j].b[i])))
				return err;
	if (leaf != UINT64_MAX && (err = xlog_fin_bmbt_stale(f, leaf)))
		return err;
	if (lg->broot)
		xlog_fin_cp_trunc_broot(f);
	/* in btree form, the root's records: the level-1 blocks', else the leaves'. The attribute
	 * fork's truncate (af) logs XFS_ILOG_CORE with the attribute fork's extents (AEXT) or root
	 * (ABROOT) as the inode item's third region (xfs_inode_item_format_attr_fork); the data
	 * fork, truncated before it (xfs_inactive_truncate) or not logged by this mount, adds
	 * none. Measured (kernel row g3x-1k-rmap-ag8-1g-attr, xfs_logprint of its forced
	 * checkpoint: 12916 bytes, the truncating inode's item its core alone): the fork in
	 * btree form, its root not yet logged. Its extents left in extents form are one region
	 * of their records, its root logged (ABROOT) one of the in-core root, as a data fork's
	 * (xfs_inode_item_format_attr_fork's cases are _data_fork's: xfs_iextents_copy, none
	 * when no extent is left; if_broot_bytes, xfs_bmap_broot_space_calc's). Kernel row
	 * g14x-1k-rmap-attr, refused before, agrees with a force there in extents form: its
	 * forced checkpoint's truncating inode has 3 regions, 316 bytes (format and core 256,
	 * the attribute fork's 3 extents 12 + 48); so do g15x-1k-rmap-attr-b and
	 * g15x-1k-rmap-reflink-attr. */
	xlog_fin_cp_trunc(f, !af || (t && t->nleaf) ? lg->unsized : NULL, t && t->nleaf,
			  t && t->nleaf ? (t->nnode ? t->nnode : t->nleaf) : end);
	return 0;
}

/*
 * The data fork's n extents (records at recs) truncated. A fork in btree
 * form (t its leaves, else NULL) loses a leaf whenever a record's delete
 * joins the rightmost leaf to its left sibling (xlog_fin_bmbt_delete: the leaf's
 * free queued before the extent's own), and turns back into extents form
 * at the end of the first round that leaves at most maxext extents
 * (xfs_bmap_btree_to_extents, its one remaining leaf freed after the
 * round's). A reflink inode's round queues refcount decreases (one CUI,
 * sorted by AG, finished in the next transaction, unless a joined leaf's
 * free comes between: refc_round, cui_finish); the frees they queue
 * come in the transactions after it, then the leaf's (queued behind the
 * CUI in the unmap's transaction). *ntx: the transactions, the unmaps'
 * counted; t->nobump: the unmaps whose first log of the inode is the root's
 * (no change counter bump), the data fork's first not counted (it follows
 * the size's log). 0, 1 (refused) or <0.
 */
int xlog_fin_truncate_extents(struct fin *f, const uint8_t *recs, uint32_t n, uint64_t nblocks, bool reflink,
			      uint64_t ino, struct bmbt *t, uint32_t maxext, uint32_t af, uint32_t *ntx)
{
	bool rmap = (f->log->fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) != 0;
	uint64_t xoff[ITRUNC_MAX_EXTENTS];
	struct joined join[ITRUNC_MAX_EXTENTS];
	bool xunw[ITRUNC_MAX_EXTENTS];
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, len, nleaf = t ? t->nleaf + t->nnode : 0;
	uint64_t sum = 0, lastend = 0, off, fsb;
	struct efree ex[ITRUNC_MAX_EXTENTS + 1], g[4 * ITRUNC_MAX_EXTENTS + 1];
	int err;

	*ntx = 0;
	XFIN_COUNT(f, n > 0 ? XFC_IFREE_TRUNCATE : XFC_NR); /* an empty fork: no extents to truncate */
	for (uint32_t i = 0; i < n; i++) {
		xlog_fin_bmbt_rec(recs + (size_t)i * BMBT_REC_LEN, &off, &fsb, &len);
		if (len == 0 || (i && off < lastend) || (fsb >> aglog) >= fs->sb.agcount)
			return xlog_fin_refuse(f, "its extent %u is not what it should be", i);
		lastend = off + len;
		sum += len;
	}
	if (sum + nleaf != nblocks)
		return xlog_fin_refuse(f, "its extents and btree hold %llu blocks, its core says %llu",
				       (unsigned long long)(sum + nleaf), (unsigned long long)nblocks);
	if (t)
		t->nobump = 0;
	/* the inode's logged fields start without the fork's root: it was read by this mount, and
	 * the data fork's (DBROOT) is not the attribute fork's (ABROOT) */
	f->trunc_broot = false;
	for (uint32_t end = n; end > 0;) {
		uint32_t k = 0, ng = 0, ilog = BMBT_ILOG_NONE;
		uint64_t leaf = UINT64_MAX;
		struct bmlog lg = { .n = 0 };
		/* only XFS_ITRUNC_MAX_EXTENTS ends a round in 6.1: the check that ended it at an
		 * extent in a lower AG than the one before (prev_agno, "xfs: fix multi-AG deadlock
		 * in xfs_bunmapi", 4.11) left __xfs_bunmapi in 5.13 ("xfs: bunmapi has unnecessary
		 * AG lock ordering issues": every free is deferred, no AGF is locked there) */
		for (; k < ITRUNC_MAX_EXTENTS && end > 0; k++) {
			xlog_fin_bmbt_rec(recs + (size_t)--end * BMBT_REC_LEN, &off, &fsb, &len);
			efree_at(&ex[k], fsb, aglog, len);
			xoff[k] = off;
			xunw[k] = recs[(size_t)end * BMBT_REC_LEN] >> 7;
			join[k].n = 0;
			if (delete_logged(t, fs->v5 ? 72u : 24u, &lg) != UINT64_MAX) {
				join[k].n = t->nfreed;
				XFIN_COUNT(f, XFC_BMBT_JOIN);
				memcpy(join[k].b, t->freed, sizeof join[k].b);
			}
			if (t && ilog == BMBT_ILOG_NONE)
				ilog = t->ilog;
		}
		/* xfs_trans_log_inode bumps the change counter at the transaction's first log of
		 * the inode only when it logs the core: an unmap whose first log is the root's
		 * (xfs_btree_log_keys: XFS_ILOG_DBROOT or ABROOT alone) does not bump it. The
		 * data fork's first round's unmap shares the transaction of the size's log
		 * (xfs_inactive_truncate); the attribute fork's (af) begins a transaction of its
		 * own, which xfs_attr3_root_inactive's last xfs_trans_roll_inode left unlogged.
		 * A reflink inode's as any (a kernel trace of inode_maybe_inc_iversion on
		 * xb-1k-remapdeep-d: none of its 196 and 294 such unmaps bumped, its extra
		 * bumps were the CUI's refcount btree block frees' transactions, cui_finish). */
		if (ilog == BMBT_ILOG_ROOT && (end + k < n || af))
			t->nobump++;
		if (t && t->nleaf && end <= maxext) { /* xfs_bmap_btree_to_extents */
			if (t->nleaf != 1 || t->nnode)
				return xlog_fin_refuse(f, "its %u extents fit the inode but its bmbt keeps %u leaves",
						       end, t->nleaf);
			leaf = t->leaf[0];
			XFIN_COUNT(f, XFC_BMBT_BTREE_TO_EXTENTS);
			t->nleaf = 0;
		}
		(*ntx)++; /* the unmap */
		xlog_fin_tx(f);
		/* the first unmap charges the inode's dquots (xfs_bmap_del_extent_real): logged from
		 * this transaction to the chain's last (the data fork's a chain of its own,
		 * xfs_inactive_truncate) */
		if (end + k == n)
			xlog_fin_dquot_chain(f, ino);
		if ((err = round_log(f, join, k, leaf, t, &lg, af, end)))
			return err;
		if (rmap) {
			if ((err = rmap_round(f, ex, xoff, xunw, join, k, reflink, ino, leaf, af, ntx)))
				return err;
		} else if (!reflink) {
			for (uint32_t j = 0; j < k; j++) {
				for (uint32_t i = 0; i < join[j].n; i++)
					efree_at(&g[ng++], join[j].b[i], aglog, 1);
				g[ng++] = ex[j];
			}
			if (leaf != UINT64_MAX)
				efree_at(&g[ng++], leaf, aglog, 1);
			if ((err = xlog_fin_free_queue(f, g, ng, ntx)))
				return err;
		} else {
			if ((err = refc_round(f, ex, join, k, leaf != UINT64_MAX, ntx)))
				return err;
			if (leaf != UINT64_MAX) {
				efree_at(&ex[0], leaf, aglog, 1);
				if ((err = xlog_fin_free_queued(f, ex, 1, ntx)))
					return err;
			}
		}
	}
	return 0;
}

/* The bmbt block at p of level lvl, checked as the walk reaches it: its magic, level and
 * count (at least one, at most maxrecs), its siblings the blocks beside it in its level
 * (left, right; UINT64_MAX at an end), its address and owner (v5). 0, 1 or <0. */
static int bmbt_block(struct fin *f, uint64_t ino, uint64_t p, uint32_t lvl, uint64_t left, uint64_t right,
		      uint32_t maxrecs, struct blk **b)
{
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, ag = (uint32_t)(p >> aglog), agbno = (uint32_t)(p & ((1ull << aglog) - 1)), c;
	int err;

	/* xfs_btree_check_lptr's xfs_verify_fsbno: past the AG's headers, inside its length */
	if (ag >= fs->sb.agcount || !xfs_verify_agbno(fs, ag, agbno))
		return xlog_fin_refuse(f, "its bmbt pointer %llu is out of the filesystem", (unsigned long long)p);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), fs->blocksize / XLOG_BBSIZE, K_BMBT, b)))
		return err;
	c = get_be16((*b)->b + 6);
	if (get_be32((*b)->b) != (fs->v5 ? XFS_BMAP_CRC_MAGIC_ : XFS_BMAP_MAGIC_) || get_be16((*b)->b + 4) != lvl ||
	    c == 0 || c > maxrecs || get_be64((*b)->b + 8) != left ||
	    (fs->v5 && (get_be64((*b)->b + 24) != (*b)->daddr || get_be64((*b)->b + 56) != ino)))
		return xlog_fin_refuse(f, "its bmbt block %llu (level %u) is not what it should be", (unsigned long long)p,
				       lvl);
	if (get_be64((*b)->b + 16) != right)
		return xlog_fin_refuse(f, "its bmbt block %llu's right sibling is not the next block",
				       (unsigned long long)p);
	return 0;
}

/*
 * A data fork in btree form: the root in the inode at level 1 over leaves,
 * or at level 2 over blocks of level 1 over leaves (deeper refused),
 * each level's blocks linked left to right in the order of their parents'
 * pointers, each at its own address and owned by the inode (v5); the
 * leaves' records (n in all) copied out in order.
 */
int xlog_fin_bmbt_read(struct fin *f, const uint8_t *root, uint32_t fork, uint64_t ino, uint32_t n,
		       struct bmbt *t, uint8_t **recs)
{
	xfs_fs *fs = f->log->fs;
	uint32_t hdr = fs->v5 ? 72u : 24u, maxr = fork >= 4 ? (fork - 4) / 16 : 0, nr, lvl, got = 0;
	const uint8_t *rptr;
	uint8_t *out;
	struct blk *b;
	int err = 0;

	*recs = NULL;
	lvl = get_be16(root);
	nr = get_be16(root + 2);
	if (lvl == 0 || lvl > 2 || nr == 0 || nr > maxr || nr > BMBT_NODES_MAX)
		return xlog_fin_refuse(f, "a fork btree of %u levels and %u root records (not done yet)", lvl, nr);
	t->maxrecs = (fs->blocksize - hdr) / BMBT_REC_LEN;
	t->minrecs = t->maxrecs / 2;
	t->rootmax = maxr;
	t->nleaf = t->nnode = t->nfreed = 0;
	rptr = root + 4 + 8 * (size_t)maxr;
	if (lvl == 2) { /* the level-1 blocks, their pointers the leaves */
		t->nnode = nr;
		for (uint32_t i = 0; i < nr; i++)
			t->node[i] = get_be64(rptr + 8 * (size_t)i);
		for (uint32_t i = 0; i < nr; i++) {
			if ((err = bmbt_block(f, ino, t->node[i], 1, i ? t->node[i - 1] : UINT64_MAX,
					      i + 1 < nr ? t->node[i + 1] : UINT64_MAX, t->maxrecs, &b)))
				return err;
			t->ncnt[i] = get_be16(b->b + 6);
			if (t->nleaf + t->ncnt[i] > BMBT_LEAVES_MAX)
				return xlog_fin_refuse(f, "a fork btree of more than %u leaves (not done)", BMBT_LEAVES_MAX);
			for (uint32_t k = 0; k < t->ncnt[i]; k++)
				t->leaf[t->nleaf++] = get_be64(b->b + hdr + 8 * (size_t)(t->maxrecs + k));
		}
	} else {
		for (uint32_t i = 0; i < nr; i++)
			t->leaf[t->nleaf++] = get_be64(rptr + 8 * (size_t)i);
	}
	if (n > (uint64_t)t->nleaf * t->maxrecs)
		return xlog_fin_refuse(f, "%u extents do not fit its %u bmbt leaves", n, t->nleaf);
	if (!(out = malloc((size_t)n * BMBT_REC_LEN + 1)))
		return FSIMG_ENOMEM;
	for (uint32_t i = 0; i < t->nleaf && !err; i++) {
		uint32_t c;
		if ((err = bmbt_block(f, ino, t->leaf[i], 0, i ? t->leaf[i - 1] : UINT64_MAX,
				      i + 1 < t->nleaf ? t->leaf[i + 1] : UINT64_MAX, t->maxrecs, &b)))
			break;
		c = get_be16(b->b + 6);
		if (c > n - got) {
			err = xlog_fin_refuse(f, "its bmbt leaves hold more extents than its core's %u", n);
			break;
		}
		memcpy(out + (size_t)got * BMBT_REC_LEN, b->b + hdr, (size_t)c * BMBT_REC_LEN);
		got += c;
		t->cnt[i] = c;
	}
	if (!err && got != n)
		err = xlog_fin_refuse(f, "its bmbt leaves hold %u extents, its core says %u", got, n);
	if (err) {
		free(out);
		t->nleaf = t->nnode = 0;
		return err;
	}
	*recs = out;
	return 0;
}
