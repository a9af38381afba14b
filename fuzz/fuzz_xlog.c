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
#include "fuzz.h"
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

/* Every record header found in the log gets the CRC of what follows it. */
static void fix_crcs(xlog *log, uint8_t *l, size_t len)
{
	size_t b;

	for (b = 0; b + XLOG_BBSIZE <= len; b += XLOG_BBSIZE) {
		struct cur c = cur_init(l + b, XLOG_BBSIZE);
		uint32_t h_len = cur_be32(&c, 12), hb;
		if (cur_be32(&c, 0) != XLOG_HEADER_MAGIC_NUM)
			continue;
		hb = xlog_rec_hblks(log, l + b);
		if (h_len > XLOG_MAX_RECORD_BSIZE || b + (size_t)hb * XLOG_BBSIZE + h_len > len)
			continue;
		put_le32(l + b + 32, xlog_rec_cksum(l + b, l + b + (size_t)hb * XLOG_BBSIZE, h_len));
	}
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
	uint32_t bs;

	if (fuzz_input_open(&in, data, size))
		return 0;
	if (in.len < 1024)
		goto out;
	bs = 1u << (in.img[120] & 31); /* sb_blocklog */
	if (bs < 512 || bs > 65536)
		goto out;
	llen = in.len - 512 > (size_t)XFS_MIN_LOG_BLOCKS * bs ? in.len - 512
							     : (size_t)XFS_MIN_LOG_BLOCKS * bs;
	lb = calloc(1, llen);
	if (!lb)
		goto out;
	memcpy(lb, in.img + 512, in.len - 512);
	memset(in.img + 48, 0, 8); /* sb_logstart: external */
	put_be32(in.img + 96, (uint32_t)(llen / bs));
	if (fsimg_io_open_mem(&sbio, in.img, 512) || fsimg_io_open_mem(&logio, lb, llen))
		goto out;
	if (xfs_fs_open(&fs, sbio))
		goto out;
	if (xlog_open(&log, fs, logio))
		goto out;
	if (in.opts & FUZZ_OPT_EXTRA)
		fix_crcs(log, lb, in.len - 512);
	if (xlog_find_tail(log))
		goto out;
	memset(&st, 0, sizeof st);
	(void)xlog_walk(log, fz_trans, log, &st);
	if (!xlog_plan_build(&plan, log))
		xlog_plan_free(plan);
out:
	xlog_close(log);
	if (fs)
		xfs_fs_close(fs);
	if (logio)
		fsimg_io_close(logio);
	if (sbio)
		fsimg_io_close(sbio);
	free(lb);
	fuzz_input_close(&in);
	return 0;
}
