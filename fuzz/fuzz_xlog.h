/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the XFS log harnesses (fuzz_xlog.c, fuzz_xplan.c): a log given
 * as bytes becomes an external log device the superblock points at, and
 * record CRCs can be recomputed so that mutations reach the op and item
 * parsers.
 */
#ifndef FSIMG_FUZZ_XLOG_H
#define FSIMG_FUZZ_XLOG_H

#include "fuzz.h"
#include "xlog/xlog.h"

/*
 * The log bytes l[0..len) as an external log: a zeroed buffer of at least
 * the minimum log size for the superblock's block size (an unwritten tail,
 * so a short seed holds a live log), and the superblock sector sb pointed
 * at it (sb_logstart 0, sb_logblocks). NULL when the block size is not
 * one XFS has or memory runs out; *llen gets the buffer's length.
 */
static inline uint8_t *fuzz_xlog_external(uint8_t *sb, const uint8_t *l, size_t len, size_t *llen)
{
	uint32_t bs = 1u << (sb[120] & 31); /* sb_blocklog */
	size_t min, n;
	uint8_t *lb;

	if (bs < 512 || bs > 65536)
		return NULL;
	min = (size_t)XFS_MIN_LOG_BLOCKS * bs;
	n = len > min ? len : min;
	lb = calloc(1, n);
	if (!lb)
		return NULL;
	if (len)
		memcpy(lb, l, len);
	memset(sb + 48, 0, 8); /* sb_logstart: external */
	put_be32(sb + 96, (uint32_t)(n / bs));
	*llen = n;
	return lb;
}

/* Every record header found in the log gets the CRC of what follows it. */
static inline void fuzz_xlog_fix_crcs(xlog *log, uint8_t *l, size_t len)
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

/*
 * Opens the filesystem on dev and its log on logdev (whose bytes are lb,
 * the first len of them as the input gave them), recomputes the record
 * CRCs there when FUZZ_OPT_EXTRA is set, and finds head and tail.
 * 0, or -1 when the input goes no further; close with fuzz_xlog_close
 * either way.
 */
static inline int fuzz_xlog_open(xfs_fs **fs, xlog **log, fsimg_io *dev, fsimg_io *logdev, uint8_t *lb,
				 size_t len, unsigned opts)
{
	*fs = NULL;
	*log = NULL;
	if (xfs_fs_open(fs, dev) || xlog_open(log, *fs, logdev))
		return -1;
	if (opts & FUZZ_OPT_EXTRA)
		fuzz_xlog_fix_crcs(*log, lb, len);
	return xlog_find_tail(*log) ? -1 : 0;
}

static inline void fuzz_xlog_close(xfs_fs *fs, xlog *log, fsimg_io *dev, fsimg_io *logdev)
{
	xlog_close(log);
	if (fs)
		xfs_fs_close(fs);
	if (logdev)
		fsimg_io_close(logdev);
	if (dev)
		fsimg_io_close(dev);
}

#endif /* FSIMG_FUZZ_XLOG_H */
