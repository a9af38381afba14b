/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intents recovery leaves without their done items, finished as the
 * kernel's mount does after log replay (xlog_recover_process_intents, Linux
 * 6.1): in log order, each in its own transaction that logs its done item
 * (EFD, CUD, BUD) and does the intent's work (intent_refc.c, intent_bmap.c;
 * an EFI's extents freed by afree.c); the work those transactions queue
 * (extent frees from refcount decreases) is captured and finished after the
 * last intent (xlog_finish_defer_ops), its own intent and done items
 * cancelling each other in the checkpoint (whiteouts). Then
 * xlog_recover_finish forces the log: everything is one checkpoint written
 * at the head recovery left, and the AIL push writes every logged buffer
 * and inode stamped with that checkpoint's LSN.
 *
 * What the mount does next (the unlinked inodes, the CoW leftovers: ifree.c,
 * cow.c) goes into the next checkpoint, whose LSN is this one's plus the
 * blocks it takes in the log: the start and transaction-header ops, every
 * region of every logged item behind its op header (a buffer's format and
 * each run of 128-byte chunks it dirtied; an inode's format, core and
 * extents; the done items), and the commit op, in as many log buffers as
 * they fill, each written as its record header and contents rounded up to
 * the log's stripe unit (force.c). A force in the middle (afree.c: a busy
 * block met again) writes the transactions committed before it as a
 * checkpoint of its own; what is logged after carries the next one's LSN.
 *
 * v4 filesystems too (no rmapbt or reflink there: only EFIs, in the 32- or
 * 64-bit extent format item.c tells apart by the item's size): nothing is
 * stamped (no LSNs, no CRCs), the AGFL has no header, the btree blocks the
 * short header, the logged inode core xfs_log_dinode_size's 96 bytes.
 * Attribute and exchange intents are refused, and with them every intent
 * stays pending. An RUI's extents are the rmap updates of
 * rmap.c, in one transaction; a BUI's map queues its rmap update, finished
 * with the captured work.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/intent.h"
#include "xlog/rmap.h"

int xlog_intent_defer(struct fin *f, struct intent_defer *d, const struct intent_work *w)
{
	if (d->n == INTENT_DEFER_MAX)
		return xlog_fin_refuse(f, "more than %u deferred updates queued", INTENT_DEFER_MAX);
	d->ext[d->n++] = *w;
	return 0;
}

int xlog_intent_defer_free(struct fin *f, struct intent_defer *d, uint32_t ag, uint32_t agbno, uint32_t len)
{
	struct intent_work w = { .ag = ag, .agbno = agbno, .len = len };

	return xlog_intent_defer(f, d, &w);
}

int xlog_intent_rmap(struct fin *f, const struct xlog_ext *x)
{
	xfs_fs *fs = f->log->fs;
	uint32_t type = x->flags & XFS_RMAP_EXTENT_TYPE_MASK;
	uint32_t ag = (uint32_t)(x->startblock >> fs->sb.agblklog);

	if (type < RMAP_MAP || type > RMAP_FREE)
		return xlog_fin_refuse(f, "rmap update type %u unknown", type);
	if (ag >= fs->sb.agcount || x->len == 0 || x->len > fs->sb.agblocks)
		return xlog_fin_refuse(f, "extent fsb %llu+%llu out of the filesystem",
				       (unsigned long long)x->startblock, (unsigned long long)x->len);
	/* xfs_rui_item_recover, xfs_rmap_ino_owner: the owner, offset and fork as logged, the
	 * state from the unwritten flag; Linux 6.1 passes no bmbt flag on (XFS_RMAP_EXTENT_BMBT_BLOCK
	 * is valid in an RUI but ignored: 6.1 logs none, its bmbt blocks' rmaps change in the
	 * allocating transaction and their frees are EFIs) */
	return xlog_fin_rmap(f, (int)type, ag, (uint32_t)(x->startblock & ((1ull << fs->sb.agblklog) - 1)),
			     (uint32_t)x->len, x->owner, x->startoff,
			     ((x->flags & XFS_RMAP_EXTENT_ATTR_FORK) ? RMAP_F_ATTR : 0) |
				     ((x->flags & XFS_RMAP_EXTENT_UNWRITTEN) ? RMAP_F_UNWRITTEN : 0));
}

/* Each block the checkpoint writes, as it was before (p->fin_prev), for a later finish
 * that invalidates it. */
static int keep_prev(struct fin *f, struct xlog_plan *p)
{
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; i < f->nblk; i++)
		n += f->blk[i].dirty;
	if (n == 0)
		return 0;
	if (!(p->fin_prev = calloc(n, sizeof *p->fin_prev)))
		return FSIMG_ENOMEM;
	for (size_t i = 0; i < f->nblk && !err; i++) {
		struct xlog_fin_prev *v = &p->fin_prev[p->nfin_prev];
		if (!f->blk[i].dirty)
			continue;
		if (!(v->b = malloc((size_t)f->blk[i].bbs * XLOG_BBSIZE)))
			return FSIMG_ENOMEM;
		v->daddr = f->blk[i].daddr;
		v->bbs = f->blk[i].bbs;
		p->nfin_prev++;
		err = xlog_ovl_read(f->o, f->log, v->b, v->daddr, v->bbs);
	}
	return err;
}

static bool is_intent(uint16_t t)
{
	return t == XFS_LI_EFI || t == XFS_LI_RUI || t == XFS_LI_CUI || t == XFS_LI_BUI || t == XFS_LI_ATTRI ||
	       t == XFS_LI_XMI;
}

/* One intent's recovery transaction, its done item's bytes in f->tx_done. 0, 1 or <0. */
static int finish_one(struct fin *f, const struct xlog_pending *e, struct intent_defer *d)
{
	xfs_fs *fs = f->log->fs;
	int err = 0;

	if (e->nextents == 0 || e->nextents > XLOG_PENDING_EXTS)
		return xlog_fin_refuse(f, "%u extents (not done)", e->nextents);
	switch (e->type) {
	case XFS_LI_EFI:
		XFIN_COUNT(f, XFC_EFI);
		xlog_fin_tx_done(f, FIN_OPHDR + FIN_INTENT_FMT + e->nextents * FIN_EFX_EXT);
		for (uint32_t i = 0; i < e->nextents && !err; i++) {
			const struct xlog_ext *x = &e->ext[i];
			uint32_t ag = (uint32_t)(x->startblock >> fs->sb.agblklog);
			if (ag >= fs->sb.agcount || x->len > fs->sb.agblocks)
				return xlog_fin_refuse(f, "extent fsb %llu+%llu out of the filesystem",
						       (unsigned long long)x->startblock, (unsigned long long)x->len);
			/* xfs_efi_item_recover: the owner unknown (any rmap record, or none) */
			err = xlog_fin_free_owned(f, ag, (uint32_t)(x->startblock & ((1ull << fs->sb.agblklog) - 1)),
						  (uint32_t)x->len, RMAP_OWN_UNKNOWN, 0, 0);
		}
		return err;
	case XFS_LI_CUI: {
		struct refc_tx tx = { 0, 0, false };
		XFIN_COUNT(f, XFC_CUI);
		xlog_fin_tx_done(f, FIN_OPHDR + FIN_DONE_FMT);
		for (uint32_t i = 0; i < e->nextents && !err; i++)
			err = xlog_intent_refcount(f, &e->ext[i], d, &tx);
		return err;
	}
	case XFS_LI_BUI:
		XFIN_COUNT(f, XFC_BUI);
		xlog_fin_tx_done(f, FIN_OPHDR + FIN_DONE_FMT);
		/* xfs_bui_validate: one mapping per BUI, else the kernel's mount fails (corruption) */
		if (e->nextents != 1)
			return xlog_fin_refuse(f, "a BUI of %u extents, which the kernel's recovery rejects as corrupt",
					       e->nextents);
		return xlog_intent_bmap(f, &e->ext[0], d);
	case XFS_LI_RUI:
		XFIN_COUNT(f, XFC_RUI);
		xlog_fin_tx_done(f, FIN_OPHDR + FIN_DONE_FMT);
		for (uint32_t i = 0; i < e->nextents && !err; i++)
			err = xlog_intent_rmap(f, &e->ext[i]);
		return err;
	default:
		return xlog_fin_refuse(f, "finishing this intent is not done yet");
	}
}

static int work_kind(const struct intent_work *w)
{
	return w->rtype > 0 ? 1 : w->rtype;
}

/*
 * Captured work item k of d finished. Consecutive items of one kind (frees, rmap updates,
 * AGFL frees) that one intent's recovery queued share a deferred op of up to
 * XFS_EFI_MAX_FAST_EXTENTS (XFS_RUI_MAX_FAST_EXTENTS) items, finished in one transaction
 * (each intent's work is captured apart, xfs_defer_ops_capture_and_commit, and
 * xlog_finish_defer_ops finishes each capture in transactions of its own: two intents'
 * items never share one); the AGFL frees its items' freelist fixes deferred
 * run when it ends, before the next (xfs_defer_finish_noroll puts new work first). *mark:
 * the AGFL queue at the op's start; *run: its items so far.
 */
static int finish_captured(struct fin *f, const struct intent_defer *d, size_t k, uint32_t *mark, uint32_t *run)
{
	const struct intent_work *w = &d->ext[k];
	int err;

	if (*run == 0) {
		*mark = f->nagflq;
		xlog_fin_tx(f); /* the deferred op's transaction */
	}
	(*run)++;
	if (w->rtype == INTENT_AGFL_FREE) {
		if (f->nagflq == FIN_AGFLQ_MAX)
			return xlog_fin_refuse(f, "more than %u AGFL blocks to free", FIN_AGFLQ_MAX);
		f->agflq[f->nagflq++] = (struct fin_agflq){ w->ag, w->agbno };
		err = xlog_fin_agfl_free_range(f, f->nagflq - 1, f->nagflq);
	} else if (w->rtype)
		err = xlog_fin_rmap(f, w->rtype, w->ag, w->agbno, w->len, w->owner, w->off, w->rflags);
	else if (w->owner) /* a bmbt block's (xfs_free_extent_later with its rmap owner) */
		err = xlog_fin_free_owned(f, w->ag, w->agbno, w->len, w->owner, 0, w->rflags);
	else
		err = xlog_fin_free_extent(f, w->ag, w->agbno, w->len);
	if (err)
		return err;
	if (k + 1 < d->n && *run < FIN_DEFER_OP_ITEMS && work_kind(&d->ext[k + 1]) == work_kind(w) && d->tx[k + 1] == d->tx[k])
		return 0;
	*run = 0;
	return xlog_fin_agfl_frees(f, *mark, NULL);
}

/* Captured frees (and the AGFL frees they defer) finished in order, as one transaction's list. */
static int finish_list(struct fin *f, const struct intent_defer *q)
{
	uint32_t mark = 0, run = 0;
	int err = 0;

	for (size_t k = 0; k < q->n && !err && !f->refused; k++)
		err = finish_captured(f, q, k, &mark, &run);
	return err;
}

#define REFC_ROLLS_MAX 4096u

/*
 * A deferred refcount op (xfs_defer_finish_one): the requeued refcount updates at *k, up
 * to 16 of one transaction, finished with one cursor, whose counters carry from item to
 * item. The frees they queue go to the head of the pending list: finished when the op
 * ends, or first when an item leaves work over (-EAGAIN: the transaction rolls), after
 * which the op goes on from that item's rest with a fresh cursor. *k moves past the op.
 */
static int finish_refc(struct fin *f, struct intent_defer *d, size_t *k)
{
	struct refc_tx tx = { 0, 0, false };
	struct intent_defer *q;
	size_t end = *k, j = *k;
	uint32_t rolls = 0;
	bool fresh = true;
	int err = 0;

	while (end < d->n && end - *k < FIN_DEFER_OP_ITEMS && d->ext[end].rtype == INTENT_REFC && d->tx[end] == d->tx[*k])
		end++;
	*k = end;
	if (!(q = calloc(1, sizeof *q)))
		return FSIMG_ENOMEM;
	while (j < end && !err && !f->refused) {
		struct intent_work *w = &d->ext[j];
		uint32_t agflq = f->nagflq;
		if (fresh) /* the op's transaction, and each after a roll: a log force checkpoints the rest */
			xlog_fin_tx(f);
		fresh = false;
		if ((err = xlog_refc_work(f, w->ag, w->rflags, &w->agbno, &w->len, &tx, q)))
			break;
		/* a refcount btree split's freelist fix deferring AGFL frees among the op's frees */
		if (f->nagflq != agflq) {
			err = xlog_fin_refuse(f, "a requeued refcount update shrinks the AGFL (not done)");
			break;
		}
		if (w->len == 0) {
			j++;
			continue;
		}
		XFIN_COUNT(f, XFC_CUI_ROLL);
		if (++rolls > REFC_ROLLS_MAX) {
			err = xlog_fin_refuse(f, "a refcount update rolled its transaction %u times", REFC_ROLLS_MAX);
			break;
		}
		err = finish_list(f, q);
		q->n = 0;
		tx = (struct refc_tx){ 0, 0, false };
		fresh = true;
	}
	if (!err && !f->refused)
		err = finish_list(f, q);
	free(q);
	return err;
}

int xlog_intents_finish(xlog *log, struct xlog_ovl *o, struct xlog_plan *p)
{
	struct intent_defer *d = NULL;
	struct fin f;
	uint64_t next = 0;
	uint32_t mark = 0, run = 0;
	size_t i, k, nintent = 0;
	int err = 0;

	for (i = 0; i < p->npending; i++)
		nintent += is_intent(p->pending[i].type);
	if (nintent == 0)
		return 0;
	memset(&f, 0, sizeof f);
	f.log = log;
	f.o = o;
	f.why = p->pending[0].what;
	f.whylen = sizeof p->pending[0].what;
	f.why_at = &p->pending[0].why;
	f.cp_sized = true; /* the recovered intents' transactions: done items, buffers, inodes */
	if (!(f.blk = xlog_fin_blk_alloc()) || !(d = calloc(1, sizeof *d))) {
		xlog_fin_blk_free(f.blk);
		return FSIMG_ENOMEM;
	}
	for (i = 0; i < p->npending && !err && !f.refused; i++) {
		if (!is_intent(p->pending[i].type))
			continue;
		size_t n0 = d->n;
		f.why = p->pending[i].what;
		f.whylen = sizeof p->pending[i].what;
		f.why_at = &p->pending[i].why;
		f.unit++; /* (force.c: the blocks a commit looks at) */
		xlog_fin_tx(&f); /* each intent's own transaction */
		err = finish_one(&f, &p->pending[i], d);
		/* the AGFL frees its transaction deferred are captured after its other work */
		for (k = 0; k < f.nagflq && !err && !f.refused; k++)
			err = xlog_intent_defer(&f, d, &(struct intent_work){ .ag = f.agflq[k].ag,
									       .agbno = f.agflq[k].bno, .len = 1,
									       .rtype = INTENT_AGFL_FREE });
		f.nagflq = 0;
		for (k = n0; k < d->n; k++)
			d->tx[k] = (uint32_t)i;
	}
	/* xlog_finish_defer_ops: the captured work, in the order it was queued; a force among it
	 * would checkpoint intents it logged without their done items */
	f.cp_sized = false;
	f.cp_unsized = "the captured work's intents";
	for (k = 0; k < d->n && !err && !f.refused;) {
		if (d->ext[k].rtype == INTENT_REFC) {
			err = finish_refc(&f, d, &k);
			continue;
		}
		err = finish_captured(&f, d, k++, &mark, &run);
	}
	if (err > 0)
		err = 0;
	/* xlog_recover_finish's force: the last transaction committed, the checkpoint written
	 * (its captured intents and done items cancel each other there: whiteouts) */
	if (!err && !f.refused) {
		xlog_fin_commit(&f);
		err = xlog_fin_cp_close(&f, &next);
	}
	if (err > 0)
		err = 0;
	if (!err && !f.refused)
		err = keep_prev(&f, p);
	if (!err && !f.refused)
		err = xlog_fin_writeback(&f, f.cp_lsn);
	if (err > 0)
		err = 0; /* refused: the reason is on the entry */
	if (!err && !f.refused) {
		log->fin_next_lsn = next;
		/* the rest (unlinked inodes, CoW leftovers) keep their order */
		for (i = k = 0; i < p->npending; i++)
			if (!is_intent(p->pending[i].type))
				p->pending[k++] = p->pending[i];
		p->npending = k;
	}
	xlog_fin_release(&f);
	free(d);
	return err;
}
