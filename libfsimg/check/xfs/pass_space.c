/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last XFS pass: the primary superblock's summary counters against
 * what the AG pass counted (scan_ags's tally: icount, ifree, fdblocks),
 * and, once the inode passes have claimed every file block, the space no
 * one owns and the file blocks the reverse mapping btree does not name.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check/xfs/xcheck.h"
#include "xlog/xlog.h"

#define NULLFSINO UINT64_MAX

/* The quota inodes the superblock names: allocated ones (the inode btrees' view). */
static void quota_inodes(struct check_ctx *c)
{
	struct xcheck *x = xc(c);
	static const char *const names[] = { "user quota inode", "group quota inode",
					     "project quota inode" };
	uint64_t v[] = { x->sb->uquotino, x->sb->gquotino, x->x->v5 ? x->sb->pquotino : 0 };

	for (int i = 0; i < 3; i++) {
		if (v[i] == 0 || v[i] == NULLFSINO)
			continue;
		if (v[i] < c->max_ino && xfs_ino_ok(x->x, v[i]) && bit_test(x->ino_chunk, v[i]) &&
		    !bit_test(x->ino_free, v[i]))
			continue;
		struct fsimg_problem_ctx p = pctx_none();

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, names[i]);
		PCTX_SET(p, found, FSIMG_PF_FOUND, v[i]);
		check_report(c, PR_XFS_SB_QUOTA_INODE, &p);
	}
}

/* The highest metadata LSN against the internal log's head (xfs_repair's max LSN check). */
static void lsn_check(struct check_ctx *c)
{
	struct xcheck *x = xc(c);
	xlog *log = NULL;
	uint64_t start;
	uint32_t blocks;

	if (!x->x->v5 || x->max_lsn == 0 || (!xfs_log_internal(x->x, &start, &blocks) && !c->opts.log_io))
		return;
	/* an external log replayed with nothing pending: its head is past what the mount's
	 * finish stamped (as on an internal log, where the view's log is the clean one) */
	if (!xfs_log_internal(x->x, &start, &blocks) && (c->opts.flags & FSIMG_CHECK_LOG_REPLAYED))
		return;
	if (xc_log_open(&log, c) == 0 && xlog_find_tail(log) == 0) {
		uint64_t head = (uint64_t)log->ends.head_cycle << 32 | log->ends.head_blk;

		if ((int64_t)x->max_lsn > (int64_t)head) {
			struct fsimg_problem_ctx p = pctx_group(x->max_lsn_agno);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, x->max_lsn_what ? x->max_lsn_what : "metadata");
			PCTX_SET(p, found, FSIMG_PF_FOUND, x->max_lsn);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, head);
			check_report(c, PR_XFS_META_LSN, &p);
		}
	}
	xlog_close(log);
}

/*
 * Are the superblock's summary counters left to the next mount to redo? With
 * lazy counters a mount that finds the log dirty sums them from the AG
 * headers (xfs_initialize_perag_data): a log still dirty here (not replayed,
 * or replayed with something pending) leaves them stale by design.
 */
static bool counters_stale(struct check_ctx *c)
{
	const struct xcheck *x = xc(c);

	if (!x->x->v5 && !(x->sb->features2 & XFS_SB_VERSION2_LAZYSBCOUNTBIT))
		return false;
	return xc_log_dirty(c);
}

static void sb_count(struct check_ctx *c, const char *field, uint64_t found, uint64_t counted)
{
	struct fsimg_problem_ctx p = pctx_none();

	if (found == counted)
		return;
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, field);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, counted);
	check_report(c, PR_XFS_SB_COUNT, &p);
}

static bool file_owner(uint8_t o)
{
	return o == XO_DATA || o == XO_ATTR || o == XO_BMBT || o == XO_META;
}

/* Runs of blocks of one AG for which bad(lin) holds, one report each. */
static void report_runs(struct check_ctx *c, enum problem_id id, const char *detail,
			bool (*bad)(const struct xcheck *x, uint64_t lin))
{
	struct xcheck *x = xc(c);

	for (uint32_t agno = 0; agno < x->sb->agcount; agno++) {
		uint32_t len = xc_ag_blocks(x, agno);

		for (uint32_t b = 0; b < len; b++) {
			uint32_t run = 0;

			while (b + run < len && bad(x, xc_linear(x, agno, b + run)))
				run++;
			if (!run)
				continue;
			struct fsimg_problem_ctx p = pctx_group(agno);

			PCTX_SET(p, block, FSIMG_PF_BLOCK, b);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, run);
			if (detail)
				PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
			check_report(c, id, &p);
			b += run;
		}
	}
}

static bool lost(const struct xcheck *x, uint64_t lin)
{
	return x->owner[lin] == XO_NONE && !bit_test(x->freesp, lin);
}
static bool file_no_rmap(const struct xcheck *x, uint64_t lin)
{
	return file_owner(x->owner[lin]) && !bit_test(x->rmap_file, lin);
}
static bool rmap_no_file(const struct xcheck *x, uint64_t lin)
{
	return bit_test(x->rmap_file, lin) && !file_owner(x->owner[lin]);
}
/* xfs_repair's rmap comparison takes the unwritten flag in; a shared block's owners may differ */
static bool rmap_unwritten_differs(const struct xcheck *x, uint64_t lin)
{
	return bit_test(x->rmap_file, lin) && x->owner[lin] == XO_DATA &&
	       !(x->shared && bit_test(x->shared, lin)) &&
	       bit_test(x->rmap_unwritten, lin) != bit_test(x->file_unwritten, lin);
}

/*
 * Per AG, the files' blocks as the reverse mappings name them (inode, fork,
 * bmbt or file offset, unwritten) against the files' own mappings, as
 * xfs_repair's phase 4 looks each mapping up (check_rmaps): the per-block
 * sums of xc_rmap_fold differ when a record names another inode, fork or
 * offset than the file does, even where the blocks agree. With reflink,
 * where phase 2's process_rmap_rec lets inodes' records share blocks
 * (XR_E_INUSE1), a record may cover more than its file maps: each mapping
 * is looked up instead (xc_rmap_covered), and only one no record covers
 * counts.
 */
static void rmap_sums(struct check_ctx *c)
{
	struct xcheck *x = xc(c);

	for (uint32_t agno = 0; agno < x->sb->agcount; agno++) {
		if (!x->rmap_sum_ok[agno] || (x->ag_skip && bit_test(x->ag_skip, agno)))
			continue;
		if (x->rmap_recs && x->rmap_recs[agno].ready ? x->rmap_missing[agno] == 0
							     : x->rmap_sum[2 * (size_t)agno] == x->rmap_sum[2 * (size_t)agno + 1])
			continue;
		struct fsimg_problem_ctx p = pctx_group(agno);

		check_report(c, PR_XFS_RMAP_FILES, &p);
	}
}

int xc_pass_space(struct check_ctx *c)
{
	struct xcheck *x = xc(c);

	check_progress(c, 6, "space and counters", 0, 1);
	/* an AG xfs_repair -n skipped leaves its counts unknown: the AG's problems were reported;
	 * lazy counters under a dirty log are the next mount's to redo */
	if (!x->ag_bad && !counters_stale(c)) {
		sb_count(c, "icount", x->sb->icount, x->cnt_icount);
		sb_count(c, "ifree", x->sb->ifree, x->cnt_ifree);
		sb_count(c, "fdblocks", x->sb->fdblocks, x->cnt_fdblocks);
	}
	quota_inodes(c);
	lsn_check(c);
	if (x->files_done && !x->ag_bad) {
		report_runs(c, PR_XFS_BLOCK_LOST, NULL, lost);
		if (x->rmap_file) {
			report_runs(c, PR_XFS_RMAP_MISMATCH, "a file's blocks without a reverse mapping",
				    file_no_rmap);
			report_runs(c, PR_XFS_RMAP_MISMATCH, "a reverse mapping to an inode that does not own the blocks",
				    rmap_no_file);
			report_runs(c, PR_XFS_RMAP_MISMATCH, "written in the file, unwritten in the reverse mapping, or the other way",
				    rmap_unwritten_differs);
			rmap_sums(c);
		}
		if (x->refc_seen)
			xc_refc_compare(c);
	}
	check_progress(c, 6, "space and counters", 1, 1);
	return 0;
}
