/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the XFS log (libfsimg/xlog): the input (after the option
 * byte) is a superblock sector followed by a log, read as an external log
 * device: the harness points the superblock at it (sb_logstart 0,
 * sb_logblocks from the input's length), then finds head and tail, walks
 * every transaction decoding every item and its extents, and builds the
 * recovery plan over a data device that is the superblock sector alone
 * (every buffer the plan reads past it is an error, as on a truncated image).
 * A log shorter than the minimum of 512 blocks is padded with zeros (an
 * unwritten tail), so small seeds hold a live log.
 * FUZZ_OPT_EXTRA recomputes every record's CRC first, so that mutations get
 * past the v5 CRC check into the op and item parsers.
 */
#include "fuzz_xlog.h"
#include "xlog/plan.h"

static int fz_trans(void *ctx, const struct xlog_trans *t)
{
	xlog *log = ctx;
	size_t i;
	uint32_t k;

	for (i = 0; i < t->nitems; i++) {
		struct xlog_item_info o;
		struct xlog_ext e;
		if (xlog_item_decode(&o, log, &t->items[i]))
			continue;
		for (k = 0; k < o.nextents && k < 4096; k++) {
			xlog_item_extent(&e, log, &t->items[i], &o, k);
			fuzz_use(&e, sizeof e);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_io *sbio = NULL, *logio = NULL;
	uint8_t *lb = NULL;
	size_t llen;
	xfs_fs *fs = NULL;
	xlog *log = NULL;
	struct xlog_walk_stats st;
	struct xlog_plan *plan = NULL;

	if (fuzz_input_open(&in, data, size))
		return 0;
	if (in.len < 1024)
		goto out;
	lb = fuzz_xlog_external(in.img, in.img + 512, in.len - 512, &llen);
	if (!lb)
		goto out;
	if (fsimg_io_open_mem(&sbio, in.img, 512) || fsimg_io_open_mem(&logio, lb, llen))
		goto out;
	if (fuzz_xlog_open(&fs, &log, sbio, logio, lb, in.len - 512, in.opts))
		goto out;
	memset(&st, 0, sizeof st);
	(void)xlog_walk(log, fz_trans, log, &st);
	if (!xlog_plan_build(&plan, log))
		xlog_plan_free(plan);
out:
	fuzz_xlog_close(fs, log, sbio, logio);
	free(lb);
	fuzz_input_close(&in);
	return 0;
}
