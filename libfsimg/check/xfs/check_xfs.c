/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS check: its state beside the framework's context, the block
 * claims every pass makes (one owner a block, overlaps named), and the
 * passes in order. Read-only, at the depth of xfs_repair -n's phases 1-4.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xcheck.h"
#include "check/xfs/xpass.h"

const char *xc_owner_name(enum xc_owner o)
{
	static const char *const names[XO__COUNT] = {
		[XO_NONE] = "nothing", [XO_AGHDR] = "the AG headers", [XO_AGFL] = "the AG free list",
		[XO_BNOBT] = "the by-block free space btree", [XO_CNTBT] = "the by-size free space btree",
		[XO_INOBT] = "the inode btree", [XO_FINOBT] = "the free inode btree",
		[XO_RMAPBT] = "the reverse mapping btree", [XO_REFCBT] = "the refcount btree",
		[XO_INODES] = "an inode chunk", [XO_LOG] = "the log", [XO_DATA] = "a file's data",
		[XO_ATTR] = "a file's attributes", [XO_BMBT] = "a file's block map btree",
		[XO_COW] = "a file's CoW staging", [XO_META] = "a metadata file",
	};

	return (unsigned)o < XO__COUNT ? names[o] : "?";
}

static bool file_kind(enum xc_owner o)
{
	return o == XO_DATA || o == XO_ATTR || o == XO_BMBT || o == XO_COW || o == XO_META;
}

/* One run of blocks [agbno, agbno + len) that owner `prev` had claimed before `now`. */
static void report_multi(struct check_ctx *c, uint32_t agno, uint32_t agbno, uint32_t len,
			 enum xc_owner prev, enum xc_owner now, uint64_t ino)
{
	struct fsimg_problem_ctx p = pctx_group(agno);
	char what[160];

	if (file_kind(now) && ino)
		snprintf(what, sizeof(what), "by %s and by %s of inode %llu", xc_owner_name(prev),
			 xc_owner_name(now), (unsigned long long)ino);
	else
		snprintf(what, sizeof(what), "by %s and by %s", xc_owner_name(prev), xc_owner_name(now));
	PCTX_SET(p, block, FSIMG_PF_BLOCK, agbno);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
	if (file_kind(now) && ino)
		PCTX_SET(p, inode, FSIMG_PF_INODE, ino);
	check_report(c, PR_XFS_BLOCK_MULTI, &p);
}

uint64_t xc_claim(struct check_ctx *c, uint32_t agno, uint32_t agbno, uint32_t len,
		  enum xc_owner owner, uint64_t ino, bool shared)
{
	struct xcheck *x = xc(c);
	uint64_t start, again = 0;
	uint32_t run_start = 0, run_len = 0;
	enum xc_owner run_prev = XO_NONE;

	if (agno >= x->sb->agcount || len == 0 || (uint64_t)agbno + len > xc_ag_blocks(x, agno))
		return 0;
	start = xc_linear(x, agno, agbno);
	check_claim(c, start, len);
	if (owner == XO_DATA && x->refc_seen)
		for (uint32_t i = 0; i < len; i++) {
			uint8_t v = __atomic_load_n(&x->refc_seen[start + i], __ATOMIC_RELAXED);

			while (v < UINT8_MAX && !__atomic_compare_exchange_n(&x->refc_seen[start + i], &v,
									      (uint8_t)(v + 1), false,
									      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
		}
	for (uint32_t i = 0; i <= len; i++) {
		uint8_t prev = XO_NONE;

		if (i < len) {
			uint8_t expect = XO_NONE;

			if (!__atomic_compare_exchange_n(&x->owner[start + i], &expect, (uint8_t)owner,
							 false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				prev = expect;
			if (prev != XO_NONE && shared && prev == XO_DATA && owner == XO_DATA &&
			    x->shared && bit_test(x->shared, start + i))
				prev = XO_NONE; /* reflink: the refcount btree counts the owners */
			if (prev != XO_NONE)
				again++;
		}
		/* runs of the same earlier owner become one report */
		if (run_len && (prev != run_prev || i == len)) {
			report_multi(c, agno, run_start, run_len, run_prev, owner, ino);
			run_len = 0;
		}
		if (prev != XO_NONE) {
			if (!run_len) {
				run_start = agbno + i;
				run_prev = prev;
			}
			run_len++;
		}
	}
	/* blocks the free space btrees list as free */
	for (uint32_t i = 0; i < len; i++) {
		uint32_t run = 0;

		while (i + run < len && bit_test(x->freesp, start + i + run))
			run++;
		if (run) {
			struct fsimg_problem_ctx p = pctx_group(agno);
			char what[96];

			if (file_kind(owner) && ino)
				snprintf(what, sizeof(what), "%s of inode %llu", xc_owner_name(owner),
					 (unsigned long long)ino);
			else
				snprintf(what, sizeof(what), "%s", xc_owner_name(owner));
			PCTX_SET(p, block, FSIMG_PF_BLOCK, agbno + i);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, run);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
			if (file_kind(owner) && ino)
				PCTX_SET(p, inode, FSIMG_PF_INODE, ino);
			check_report(c, PR_XFS_BLOCK_FREE_USED, &p);
			i += run;
		}
	}
	return again;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

void xc_rmap_fold(struct xcheck *x, unsigned side, uint32_t agno, uint32_t agbno, uint32_t len,
		  uint64_t owner, unsigned flags, uint64_t off)
{
	uint32_t aglen;
	uint64_t sum = 0, oh;

	if (!x->rmap_sum || agno >= x->sb->agcount)
		return;
	aglen = xc_ag_blocks(x, agno);
	if (agbno >= aglen)
		return;
	if (len > aglen - agbno)
		len = aglen - agbno;
	if (side == 1 && x->rmap_recs && x->rmap_recs[agno].ready) {
		if (!xc_rmap_covered(x, agno, agbno, len, owner, flags, off))
			__atomic_fetch_add(&x->rmap_missing[agno], 1, __ATOMIC_RELAXED);
		return;
	}
	oh = mix64(owner ^ UINT64_C(0x9e3779b97f4a7c15));
	/* the unwritten flag too, on a shared block as well: each owner's record has its own
	 * (xfs_repair's rmap_is_good compares every flag) */
	for (uint32_t k = 0; k < len; k++)
		sum += mix64(oh ^ mix64((uint64_t)(agbno + k) << 3 | flags) ^
			     ((flags & XC_RMAP_BMBT) ? 0 : mix64((off + k) ^ UINT64_C(0x2545f4914f6cdd1d))));
	__atomic_fetch_add(&x->rmap_sum[2 * (size_t)agno + (side & 1)], sum, __ATOMIC_RELAXED);
}

uint64_t xc_claim_fsb(struct check_ctx *c, uint64_t fsb, uint32_t len, enum xc_owner owner,
		      uint64_t ino, bool shared)
{
	struct xcheck *x = xc(c);

	return xc_claim(c, xfs_fsb_agno(x->x, fsb), xfs_fsb_agbno(x->x, fsb), len, owner, ino, shared);
}

int xc_log_open(xlog **out, struct check_ctx *c)
{
	struct xcheck *x = xc(c);

	*out = NULL;
	return xlog_open(out, x->x, x->sb->logstart ? NULL : c->opts.log_io);
}

bool xc_log_dirty(struct check_ctx *c)
{
	xlog *log = NULL;
	bool dirty = false;

	if (!xc(c)->sb->logstart && (!c->opts.log_io || (c->opts.flags & FSIMG_CHECK_LOG_REPLAYED)))
		return false;
	if (xc_log_open(&log, c) == 0 && (xlog_find_tail(log) == 0 || log->ends.refused))
		dirty = !log->ends.clean && !log->ends.zeroed;
	xlog_close(log);
	return dirty;
}

int check_xfs_run(struct check_ctx *c)
{
	/* The inode, directory and connectivity passes go between ag and space. */
	static int (*const passes[])(struct check_ctx *) = {
		xc_pass_sb,
		xc_pass_ag,
		xc_pass_files,
		xc_pass_space,
		xc_pass_crashlog,
	};
	struct xcheck x;
	int err = 0;

	memset(&x, 0, sizeof(x));
	x.x = xfs_of_fs(c->fs);
	if (!x.x)
		return FSIMG_ENOTSUP_OP;
	x.sb = &x.x->sb;
	if (x.sb->dblocks != c->nblocks)
		return FSIMG_ECORRUPT;
	x.owner = calloc(1, (size_t)c->nblocks);
	x.freesp = calloc(1, (size_t)(c->nblocks / 8 + 1));
	x.ag_skip = calloc(1, x.sb->agcount / 8 + 1);
	x.ino_chunk = calloc(1, (size_t)(c->max_ino / 8 + 1));
	x.ino_free = calloc(1, (size_t)(c->max_ino / 8 + 1));
	if (x.x->v5 && (x.sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT))
	{
		x.rmap_file = calloc(1, (size_t)(c->nblocks / 8 + 1));
		x.rmap_unwritten = calloc(1, (size_t)(c->nblocks / 8 + 1));
		x.file_unwritten = calloc(1, (size_t)(c->nblocks / 8 + 1));
	}
	if (x.rmap_file) {
		x.rmap_sum = calloc(2 * (size_t)x.sb->agcount, sizeof(*x.rmap_sum));
		x.rmap_sum_ok = calloc(x.sb->agcount, 1);
	}
	if (x.x->v5 && (x.sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK)) {
		x.shared = calloc(1, (size_t)(c->nblocks / 8 + 1));
		x.refc_seen = calloc(1, (size_t)c->nblocks);
		x.refc = calloc(x.sb->agcount, sizeof(*x.refc));
		if (x.rmap_file) {
			x.rmap_recs = calloc(x.sb->agcount, sizeof(*x.rmap_recs));
			x.rmap_missing = calloc(x.sb->agcount, sizeof(*x.rmap_missing));
		}
	}
	if (!x.owner || !x.freesp || !x.ag_skip || !x.ino_chunk || !x.ino_free ||
	    (x.x->v5 && (x.sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) &&
	     (!x.rmap_file || !x.rmap_unwritten || !x.file_unwritten || !x.rmap_sum || !x.rmap_sum_ok)) ||
	    (x.x->v5 && (x.sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) &&
	     (!x.shared || !x.refc_seen || !x.refc || (x.rmap_file && (!x.rmap_recs || !x.rmap_missing)))))
		err = FSIMG_ENOMEM;
	c->be = &x;
	c->first_block = 0;
	/* fsimg_fs_info cannot read an external log: the log pass's device can */
	if (!x.sb->logstart && c->opts.log_io)
		c->info.needs_recovery = xc_log_dirty(c);
	for (size_t i = 0; err == 0 && i < sizeof(passes) / sizeof(passes[0]); i++)
		err = passes[i](c);
	free(x.owner);
	free(x.freesp);
	free(x.ag_skip);
	free(x.ino_chunk);
	free(x.ino_free);
	free(x.rmap_file);
	free(x.rmap_unwritten);
	free(x.file_unwritten);
	free(x.rmap_sum);
	free(x.rmap_sum_ok);
	free(x.shared);
	free(x.refc_seen);
	for (uint32_t i = 0; x.refc && i < x.sb->agcount; i++)
		free(x.refc[i].v);
	free(x.refc);
	xc_rmap_recs_free(&x);
	c->be = NULL;
	return err;
}
