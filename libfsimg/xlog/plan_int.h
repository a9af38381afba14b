/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery plan's insides, shared by plan.c (the passes, what follows
 * them), plan_apply.c (one transaction's items replayed in pass 2) and
 * plan_par.c (pass 2 beside pass 1's walk, on a second thread).
 */
#ifndef FSIMG_XLOG_PLAN_INT_H
#define FSIMG_XLOG_PLAN_INT_H

#include "xlog/plan.h"

struct cancel {
	int64_t blkno;
	uint32_t len, ref;
};

struct ctx {
	xlog *log;
	struct xlog_ovl *ovl; /* the plan's */
	struct cancel *cancels;
	size_t ncancel, capcancel;
	struct xlog_plan *plan;
	int pass;
	uint32_t quotaoffs; /* dquot types a quotaoff item turned off (pass 1) */
	bool quota;         /* the mount to come replays dquots (pass 1) */
	struct xlog_item_info *info; /* the transaction's items decoded, once */
	size_t capinfo;
	/* the blocks replayed at stamp_lsn, with their LSN unstamped: the kernel writes its
	 * recovered buffers (and stamps them) only when a commit of another LSN comes
	 * (xlog_recover_process_ophdr), so checkpoints sharing a start LSN do not see each
	 * other's stamp */
	uint64_t stamp_lsn;
	struct stamped { int64_t blkno; uint64_t lsn; } *stamped;
	size_t nstamped, capstamped;
};

static inline uint32_t be32at(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 | (uint32_t)b[off + 2] << 8 | b[off + 3];
}

static inline uint64_t be64at(const uint8_t *b, size_t off)
{
	return (uint64_t)be32at(b, off) << 32 | be32at(b, off + 4);
}

/* A transaction of n items may have n decoded: bounded by the log bytes the walk bounds by
 * mem_max (each item holds some), a few times that at most. */
static inline bool xlog_plan_info_fits(const xlog *log, size_t n)
{
	return n <= log->mem_max / sizeof(struct xlog_item_info) * 8;
}

/* plan.c: the live cancel record of (blkno, len), or NULL. */
struct cancel *xlog_cancel_find(struct ctx *c, int64_t blkno, uint32_t len) XFS_HIDDEN;
/* plan.c: pass 1's work on one transaction whose items info holds decoded. */
int xlog_plan_pass1(struct ctx *c, const struct xlog_trans *t, const struct xlog_item_info *info)
	XFS_HIDDEN;
/* plan.c: t's items decoded into info (t->nitems of them; the first bad item's error). */
int xlog_plan_decode(struct ctx *c, const struct xlog_trans *t, struct xlog_item_info *info) XFS_HIDDEN;
/* plan.c: the same into c->info, grown to fit. */
int xlog_plan_decode_all(struct ctx *c, const struct xlog_trans *t) XFS_HIDDEN;

/* plan_apply.c: pass 2 on one transaction (xlog_recover_commit_trans): its items, decoded in
 * info, in the kernel's order, onto c->ovl; intents onto c->plan's pending list. */
int xlog_plan_apply(struct ctx *c, const struct xlog_trans *t, const struct xlog_item_info *info)
	XFS_HIDDEN;

/* plan_par.c: pass 1 on the walking thread, pass 2 guessed beside it on a second one (or,
 * for a small live log or one CPU, right after pass 1 on each transaction of one walk).
 * <0: pass 1's error (the plan left empty); XLOG_PAR_DONE: both passes done, plan->stats
 * set; XLOG_PAR_PASS1: pass 1 done, the plan left empty for pass 2 (the guess failed);
 * XLOG_PAR_NONE: nothing done (no memory or no thread for it, or the one walk turned off). */
#define XLOG_PAR_DONE 0
#define XLOG_PAR_PASS1 1
#define XLOG_PAR_NONE 2
int xlog_plan_par(struct ctx *c) XFS_HIDDEN;
/* plan.c: whether the data device reads by fsimg_io_pread (past the handle's cache, safe
 * beside other threads). */
bool xlog_plan_dev_pread(const xlog *log) XFS_HIDDEN;
/* The live log (in sectors) from which the plan uses a second thread (tests change it). */
extern uint32_t xlog_plan_par_min_bbs XFS_HIDDEN;
/* Below it, both passes from one walk (true; tests turn it off to compare with two walks). */
extern bool xlog_plan_one_walk XFS_HIDDEN;

#endif /* FSIMG_XLOG_PLAN_INT_H */
