/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The log's place and its two ends: the kernel's xlog_find_zeroed,
 * xlog_find_head, xlog_find_tail, xlog_verify_head (torn writes cut at the
 * first CRC failure within the last XLOG_MAX_ICLOGS records),
 * xlog_verify_tail (the CRC pass from tail to head: the tail moved past bad
 * records just ahead of the head, the mount refused for any other) and
 * xlog_check_unmount_rec (fs/xfs/xfs_log_recover.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "xlog/xlog.h"

int xlog_error(xlog *log, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errbuf_vfail(log->errmsg, sizeof log->errmsg, err, fmt, ap);
	va_end(ap);
	return err;
}

int xlog_open(xlog **out, xfs_fs *fs, fsimg_io *logdev)
{
	xlog *log;
	uint64_t linear, bytes, devsize;
	uint32_t blocks;
	bool internal;

	*out = NULL;
	log = calloc(1, sizeof *log);
	if (!log)
		return FSIMG_ENOMEM;
	log->fs = fs;
	internal = xfs_log_internal(fs, &linear, &blocks);
	bytes = (uint64_t)blocks * fs->blocksize;
	if (blocks < XFS_MIN_LOG_BLOCKS) {
		free(log);
		return xfs_error(fs, FSIMG_ECORRUPT, "log of %u blocks, below the minimum of %u", blocks,
				 XFS_MIN_LOG_BLOCKS);
	}
	if (internal) {
		if (logdev) {
			free(log);
			return xfs_error(fs, FSIMG_EINVAL, "the log is internal; no log device is used");
		}
		log->io = fs->io;
		log->geom.dev_off = linear * fs->blocksize;
		if (!xfs_fsb_range_ok(fs, fs->sb.logstart, blocks)) {
			free(log);
			return xfs_error(fs, FSIMG_ECORRUPT,
					 "sb_logstart %llu + sb_logblocks %u is outside the data device",
					 (unsigned long long)fs->sb.logstart, blocks);
		}
	} else {
		if (!logdev) {
			free(log);
			return xfs_error(fs, FSIMG_EINVAL,
					 "the log is external (sb_logstart 0): give the log device");
		}
		log->io = logdev;
		log->geom.external = true;
	}
	/* xfs_validate_sb_common: a log sector of 512 bytes to 32 KiB (0: the v1 default) */
	if (fs->sb.logsectlog && (fs->sb.logsectlog < 9 || fs->sb.logsectlog > 15)) {
		unsigned lsl = fs->sb.logsectlog;
		free(log);
		return xfs_error(fs, FSIMG_ECORRUPT, "log sector size 2^%u (sb_logsectlog) is not 512 to 32768", lsl);
	}
	devsize = fsimg_io_size(log->io);
	if (bytes < 2 * XLOG_BBSIZE || bytes / XLOG_BBSIZE > UINT32_MAX / 2 ||
	    log->geom.dev_off + bytes > devsize) {
		uint64_t off = log->geom.dev_off;
		free(log);
		return xfs_error(fs, FSIMG_ECORRUPT,
				 "log of %llu bytes at byte %llu does not fit its device of %llu bytes",
				 (unsigned long long)bytes, (unsigned long long)off,
				 (unsigned long long)devsize);
	}
	log->geom.bbs = (uint32_t)(bytes / XLOG_BBSIZE);
	log->geom.daddr = log->geom.dev_off / XLOG_BBSIZE;
	log->geom.crc = fs->v5;
	log->geom.v2 = fs->v5 || (fs->sb.versionnum & XFS_SB_VERSION_LOGV2BIT);
	log->geom.sunit = fs->sb.logsunit;
	log->geom.sectbbs = fs->sb.logsectlog > 9 ? 1u << (fs->sb.logsectlog - 9) : 1;
	log->le = true;
	/* In-flight transactions hold copies of what they logged: never more than the log. */
	log->mem_max = bytes + (1u << 20);
	*out = log;
	return 0;
}

void xlog_close(xlog *log)
{
	free(log);
}

int xlog_bread(xlog *log, void *buf, uint32_t blk, uint32_t n)
{
	uint8_t *b = buf;
	uint32_t first;

	if (n > log->geom.bbs || blk >= log->geom.bbs)
		return xlog_error(log, FSIMG_ERANGE, "log read of %u blocks at %u outside the log of %u",
				  n, blk, log->geom.bbs);
	first = log->geom.bbs - blk < n ? log->geom.bbs - blk : n;
	if (fsimg_io_read(log->io, b, (size_t)first * XLOG_BBSIZE,
			  log->geom.dev_off + (uint64_t)blk * XLOG_BBSIZE))
		return xlog_error(log, FSIMG_EIO, "cannot read log block %u", blk);
	if (first < n && fsimg_io_read(log->io, b + (size_t)first * XLOG_BBSIZE,
				       (size_t)(n - first) * XLOG_BBSIZE, log->geom.dev_off))
		return xlog_error(log, FSIMG_EIO, "cannot read log block 0");
	return 0;
}

/* xlog_get_cycle: a header block's cycle is its second word. */
static int get_cycle(xlog *log, uint32_t blk, uint32_t *cycle)
{
	uint8_t b[XLOG_BBSIZE];
	struct cur c;
	int err = xlog_bread(log, b, blk, 1);

	if (err)
		return err;
	c = cur_init(b, sizeof b);
	*cycle = cur_be32(&c, 0) == XLOG_HEADER_MAGIC_NUM ? cur_be32(&c, 4) : cur_be32(&c, 0);
	return 0;
}

static bool is_header(xlog *log, uint32_t blk, uint8_t *b)
{
	struct cur c;

	if (xlog_bread(log, b, blk, 1))
		return false;
	c = cur_init(b, XLOG_BBSIZE);
	return cur_be32(&c, 0) == XLOG_HEADER_MAGIC_NUM;
}

/* xlog_find_cycle_start: binary search in [first, *last] for the first block of cycle. */
static int find_cycle_start(xlog *log, uint32_t first, uint32_t *last, uint32_t cycle)
{
	uint32_t end = *last, mid = first + (end - first) / 2, c;
	int err;

	while (mid != first && mid != end) {
		if ((err = get_cycle(log, mid, &c)))
			return err;
		if (c == cycle)
			end = mid;
		else
			first = mid;
		mid = first + (end - first) / 2;
	}
	*last = end;
	return 0;
}

/* xlog_find_verify_cycle: the first block in [start, start + n) of cycle stop, or -1. */
static int verify_cycle(xlog *log, uint32_t start, uint32_t n, uint32_t stop, int64_t *new_blk)
{
	uint8_t *b;
	uint32_t chunk = 256, i, j, cnt;
	int err = 0;

	*new_blk = -1;
	b = malloc((size_t)chunk * XLOG_BBSIZE);
	if (!b)
		return FSIMG_ENOMEM;
	for (i = 0; i < n && *new_blk < 0; i += cnt) {
		cnt = n - i < chunk ? n - i : chunk;
		if ((err = xlog_bread(log, b, start + i, cnt)))
			break;
		for (j = 0; j < cnt; j++) {
			struct cur c = cur_init(b + (size_t)j * XLOG_BBSIZE, XLOG_BBSIZE);
			uint32_t cy = cur_be32(&c, 0) == XLOG_HEADER_MAGIC_NUM ? cur_be32(&c, 4)
									 : cur_be32(&c, 0);
			if (cy == stop) {
				*new_blk = (int64_t)start + i + j;
				break;
			}
		}
	}
	free(b);
	return err;
}

/* Data sectors of the record whose header is rh (with its header sectors). */
static uint32_t rec_span(xlog *log, const uint8_t *rh)
{
	struct cur c = cur_init(rh, XLOG_BBSIZE);
	uint32_t h_len = CUR_BE32(&c, 0, struct xlog_drec_header, h_len);

	return xlog_rec_hblks(log, rh) + (uint32_t)(((uint64_t)h_len + XLOG_BBSIZE - 1) / XLOG_BBSIZE);
}

/*
 * xlog_find_verify_log_record: walks back from *last - 1 to start for a
 * record header; moves *last to that header when the record it starts does
 * not end exactly at *last. 1 when no header was found down to start.
 */
static int verify_log_record(xlog *log, uint32_t start, uint32_t *last, uint32_t extra)
{
	uint8_t b[XLOG_BBSIZE];
	int64_t i;

	for (i = (int64_t)*last - 1; i >= 0; i--) {
		if (i < (int64_t)start)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "log inconsistent: no record header before block %u", *last);
		if (is_header(log, (uint32_t)i, b))
			break;
	}
	if (i < 0)
		return 1;
	if ((uint64_t)*last - (uint64_t)i + extra != rec_span(log, b))
		*last = (uint32_t)i;
	return 0;
}

/* xlog_find_zeroed: 1 and *blk when the log is (partly) unwritten, 0 when written through. */
static int find_zeroed(xlog *log, uint32_t *blk)
{
	uint32_t first_cycle, last_cycle, last, scan, start;
	int64_t nb;
	int err;

	*blk = 0;
	if ((err = get_cycle(log, 0, &first_cycle)))
		return err;
	if (first_cycle == 0)
		return 1;
	if ((err = get_cycle(log, log->geom.bbs - 1, &last_cycle)))
		return err;
	if (last_cycle != 0)
		return 0;
	if (first_cycle != 1)
		return xlog_error(log, FSIMG_ECORRUPT,
				  "log inconsistent or not a log: last block's cycle 0, first's %u",
				  first_cycle);
	last = log->geom.bbs - 1;
	if ((err = find_cycle_start(log, 0, &last, 0)))
		return err;
	scan = XLOG_MAX_ICLOGS * ((log->geom.v2 ? XLOG_MAX_RECORD_BSIZE : XLOG_BIG_RECORD_BSIZE) /
				  XLOG_BBSIZE);
	if (last < scan)
		scan = last;
	start = last - scan;
	if ((err = verify_cycle(log, start, scan, 0, &nb)))
		return err;
	if (nb >= 0)
		last = (uint32_t)nb;
	err = verify_log_record(log, start, &last, 0);
	if (err == 1)
		return xlog_error(log, FSIMG_ECORRUPT, "no record header before the log's zeroed part");
	if (err)
		return err;
	*blk = last;
	return 1;
}

/* xlog_find_head */
static int find_head(xlog *log, uint32_t *head)
{
	uint32_t bbs = log->geom.bbs, first_cycle, last_cycle, stop, head_blk, scan, start;
	uint32_t rec_bbs = (log->geom.v2 ? XLOG_MAX_RECORD_BSIZE : XLOG_BIG_RECORD_BSIZE) / XLOG_BBSIZE;
	int64_t nb;
	int err;

	err = find_zeroed(log, head);
	if (err < 0)
		return err;
	if (err == 1) {
		log->ends.zeroed = *head == 0;
		return 0;
	}
	if ((err = get_cycle(log, 0, &first_cycle)) || (err = get_cycle(log, bbs - 1, &last_cycle)))
		return err;
	head_blk = bbs - 1;
	if (first_cycle == last_cycle) {
		head_blk = bbs;
		stop = last_cycle - 1;
	} else {
		stop = last_cycle;
		if ((err = find_cycle_start(log, 0, &head_blk, last_cycle)))
			return err;
	}
	scan = XLOG_MAX_ICLOGS * rec_bbs;
	if (head_blk >= scan) {
		if ((err = verify_cycle(log, head_blk - scan, scan, stop, &nb)))
			return err;
		if (nb >= 0)
			head_blk = (uint32_t)nb;
	} else {
		/* the scan wraps: x-1 blocks at the physical end, else x blocks at the start */
		uint32_t n = scan - head_blk;
		if (n > bbs)
			n = bbs;
		start = bbs - n;
		if ((err = verify_cycle(log, start, n, stop - 1, &nb)))
			return err;
		if (nb >= 0) {
			head_blk = (uint32_t)nb;
			goto validate;
		}
		if ((err = verify_cycle(log, 0, head_blk, stop, &nb)))
			return err;
		if (nb >= 0)
			head_blk = (uint32_t)nb;
	}
validate:
	/* head_blk must not sit inside a record */
	if (head_blk >= rec_bbs) {
		err = verify_log_record(log, head_blk - rec_bbs, &head_blk, 0);
		if (err == 1)
			return xlog_error(log, FSIMG_ECORRUPT, "no record header before the head");
		if (err)
			return err;
	} else {
		err = verify_log_record(log, 0, &head_blk, 0);
		if (err == 1) {
			uint32_t nbk = bbs;
			start = rec_bbs - head_blk < bbs ? bbs - (rec_bbs - head_blk) : 0;
			err = verify_log_record(log, start, &nbk, head_blk);
			if (err == 1)
				return xlog_error(log, FSIMG_ECORRUPT, "no record header before the head");
			if (err)
				return err;
			if (nbk != bbs)
				head_blk = nbk;
		} else if (err)
			return err;
	}
	*head = head_blk == bbs ? 0 : head_blk;
	return 0;
}

/*
 * xlog_rseek_logrec_hdr: walks back from head (wrapping, never past tail)
 * for up to count record headers; the block and bytes of the last one found.
 * Returns how many were found.
 */
static int rseek_hdr(xlog *log, uint32_t head, uint32_t tail, uint32_t count, uint32_t *rblk,
		     uint8_t *rb, bool *wrapped)
{
	uint32_t found = 0, end = head > tail ? tail : 0;
	int64_t i;

	*wrapped = false;
	for (i = (int64_t)head - 1; i >= (int64_t)end; i--) {
		if (is_header(log, (uint32_t)i, rb)) {
			*rblk = (uint32_t)i;
			if (++found == count)
				return (int)found;
		}
	}
	if (tail >= head && found < count) {
		for (i = (int64_t)log->geom.bbs - 1; i >= (int64_t)tail; i--) {
			if (is_header(log, (uint32_t)i, rb)) {
				*rblk = (uint32_t)i;
				*wrapped = true;
				if (++found == count)
					return (int)found;
			}
		}
	}
	if (found)
		is_header(log, *rblk, rb);
	return (int)found;
}

/*
 * xlog_seek_logrec_hdr: walks forward from tail (wrapping, up to and
 * including head itself, as the kernel's loop does) for up to count record
 * headers; the block of the last one found. Returns how many were found.
 */
static int seek_hdr(xlog *log, uint32_t head, uint32_t tail, uint32_t count, uint32_t *rblk)
{
	uint8_t b[XLOG_BBSIZE];
	uint32_t found = 0, bbs = log->geom.bbs;
	/* tail..head inclusive; tail..the log's end then 0..head-1 when the head is behind the
	 * tail; tail..the log's end when they meet */
	uint64_t n = head > tail ? (uint64_t)head - tail + 1 : (uint64_t)bbs - tail + (tail > head ? head : 0);

	if (tail >= bbs)
		return 0;
	for (uint64_t k = 0; k < n; k++) {
		uint32_t i = (uint32_t)((tail + k) % bbs);
		if (is_header(log, i, b)) {
			*rblk = i;
			if (++found == count)
				break;
		}
	}
	return (int)found;
}

/*
 * xlog_verify_tail: the CRC pass from the tail to the head. The tail may
 * point at records the head's last iclog writes were overwriting when the
 * machine stopped; a record whose CRC fails (xlog_recover_process: any
 * non-zero h_crc that does not match, v4 as v5) within BTOBB(XLOG_MAX_ICLOGS *
 * h_size) ahead of the head moves the tail to the next record ("tail
 * overwrite") and the pass runs again; one farther away fails the mount
 * ("failed to locate log tail", -EFSBADCRC). hsize is the last record's
 * h_size, as xlog_verify_head passes it.
 */
static int verify_tail(xlog *log, uint32_t head, uint32_t hsize)
{
	uint32_t bbs = log->geom.bbs, tail = log->ends.tail_blk, orig = tail, first_bad, nt = tail, dist;
	uint64_t window = ((uint64_t)XLOG_MAX_ICLOGS * hsize + XLOG_BBSIZE - 1) / XLOG_BBSIZE;
	int err;

	/* make sure the tail points at a record */
	if (seek_hdr(log, head, tail, 1, &nt) >= 1)
		tail = nt;
	err = xlog_walk_range(log, tail, head, true, &first_bad, NULL, NULL, NULL);
	/* the kernel's first_bad of 0 means none: a bad record at block 0 never moves the tail */
	while ((err == FSIMG_ECSUM || err == FSIMG_ECORRUPT) && first_bad != UINT32_MAX && first_bad) {
		/* xlog_tail_distance: from the head forward to the bad record */
		dist = head < first_bad ? first_bad - head : first_bad + (bbs - head);
		if (dist > window)
			break;
		/* skip to the record after the bad one */
		if (seek_hdr(log, head, first_bad, 2, &nt) < 2 || nt == first_bad)
			break;
		tail = nt;
		err = xlog_walk_range(log, tail, head, true, &first_bad, NULL, NULL, NULL);
	}
	if (tail != orig) {
		log->ends.tail_moved = !err;
		log->ends.tail_was = orig;
		if (tail < orig)
			log->ends.tail_cycle++;
		log->ends.tail_blk = tail;
	}
	if ((err == FSIMG_ECSUM || err == FSIMG_ECORRUPT) && first_bad != UINT32_MAX) {
		char why[sizeof log->errmsg];
		memcpy(why, log->errmsg, sizeof why);
		log->ends.refused = true;
		log->ends.bad_blk = first_bad;
		return xlog_error(log, FSIMG_ECSUM,
				  "%.150s, %u blocks before the head (%u): the kernel's xlog_verify_tail "
				  "refuses the mount (\"failed to locate log tail\")",
				  why, head >= first_bad ? head - first_bad : head + (bbs - first_bad), head);
	}
	return err;
}

/* xlog_check_unmount_rec: is the last record a lone unmount op ending at the head? */
static int check_unmount(xlog *log, uint32_t head, uint32_t rblk, const uint8_t *rb, bool *clean)
{
	struct cur c = cur_init(rb, XLOG_BBSIZE);
	uint8_t ob[XLOG_BBSIZE];
	uint32_t after, hblks = xlog_rec_hblks(log, rb), h_len;
	int err;

	*clean = false;
	h_len = CUR_BE32(&c, 0, struct xlog_drec_header, h_len);
	after = (uint32_t)(((uint64_t)rblk + hblks + ((uint64_t)h_len + XLOG_BBSIZE - 1) / XLOG_BBSIZE) %
			   log->geom.bbs);
	if (after != head || CUR_BE32(&c, 0, struct xlog_drec_header, h_num_logops) != 1)
		return 0;
	if ((err = xlog_bread(log, ob, (uint32_t)(((uint64_t)rblk + hblks) % log->geom.bbs), 1)))
		return err;
	if (ob[offsetof(struct xlog_dop_header, oh_flags)] & XLOG_UNMOUNT_TRANS) {
		*clean = true;
		log->ends.tail_blk = after;
		log->ends.tail_cycle = log->ends.head_cycle;
	}
	return 0;
}

static void set_state(xlog *log, uint32_t head, uint32_t rblk, const uint8_t *rb, bool wrapped)
{
	struct cur c = cur_init(rb, XLOG_BBSIZE);
	uint64_t tail_lsn = CUR_BE64(&c, 0, struct xlog_drec_header, h_tail_lsn);

	log->ends.head_blk = head;
	log->ends.head_cycle = CUR_BE32(&c, 0, struct xlog_drec_header, h_cycle) + (wrapped ? 1 : 0);
	log->ends.last_rec_blk = rblk;
	log->ends.last_lsn = CUR_BE64(&c, 0, struct xlog_drec_header, h_lsn);
	log->ends.tail_blk = XLOG_LSN_BLOCK(tail_lsn);
	log->ends.tail_cycle = XLOG_LSN_CYCLE(tail_lsn);
	log->le = CUR_BE32(&c, 0, struct xlog_drec_header, h_fmt) != XLOG_FMT_LINUX_BE &&
		  CUR_BE32(&c, 0, struct xlog_drec_header, h_fmt) != XLOG_FMT_IRIX_BE;
}

static int find_tail(xlog *log, bool defer)
{
	uint8_t rb[XLOG_BBSIZE];
	uint32_t head, rblk = 0, first_bad = UINT32_MAX;
	bool wrapped, clean;
	int err, found;

	memset(&log->ends, 0, sizeof log->ends);
	log->crc_ok.valid = false;
	log->vtail.pending = false;
	if ((err = find_head(log, &head)))
		return err;
	if (head == 0) {
		uint32_t cy;
		if ((err = get_cycle(log, 0, &cy)))
			return err;
		if (cy == 0) {
			/* nothing was ever written: as clean as a log can be */
			log->ends.zeroed = true;
			log->ends.clean = true;
			return 0;
		}
	}
	found = rseek_hdr(log, head, head, 1, &rblk, rb, &wrapped);
	if (found < 1)
		return xlog_error(log, FSIMG_ECORRUPT, "no log record header before the head (block %u)",
				  head);
	set_state(log, head, rblk, rb, wrapped);
	if (log->ends.tail_blk >= log->geom.bbs)
		return xlog_error(log, FSIMG_ECORRUPT, "tail block %u outside the log of %u blocks",
				  log->ends.tail_blk, log->geom.bbs);
	if ((err = check_unmount(log, head, rblk, rb, &clean)))
		return err;
	if (!clean) {
		/* xlog_verify_head: CRC-check the last XLOG_MAX_ICLOGS records, cut at the first bad one */
		uint8_t tb[XLOG_BBSIZE];
		uint32_t tblk = rblk;
		bool tw;
		found = rseek_hdr(log, head, log->ends.tail_blk, XLOG_MAX_ICLOGS, &tblk, tb, &tw);
		if (found < 1)
			return xlog_error(log, FSIMG_ECORRUPT, "no record header between tail and head");
		err = xlog_walk_range(log, tblk, head, true, &first_bad, NULL, NULL, NULL);
		if ((err == FSIMG_ECSUM || err == FSIMG_ECORRUPT) && first_bad != UINT32_MAX) {
			log->ends.torn = true;
			log->ends.torn_blk = head;
			found = rseek_hdr(log, first_bad, log->ends.tail_blk, 1, &rblk, rb, &wrapped);
			if (found < 1)
				return xlog_error(log, FSIMG_ECORRUPT,
						  "no good record before the torn write at block %u",
						  first_bad);
			set_state(log, first_bad, rblk, rb, wrapped);
			head = first_bad;
		} else if (err) {
			return err;
		}
		/*
		 * xlog_verify_head ends in xlog_verify_tail, unless head and tail
		 * met at the cut (corruption beyond the iclogs, left to repair);
		 * xlog_find_tail then looks again for an unmount record at a cut head.
		 */
		if (log->ends.tail_blk != head) {
			struct cur c = cur_init(rb, XLOG_BBSIZE);
			uint32_t hsize = CUR_BE32(&c, 0, struct xlog_drec_header, h_size);
			/* (a cut head looks for an unmount record after the pass: not deferred) */
			if (defer && !log->ends.torn) {
				log->vtail.pending = true;
				log->vtail.head = head;
				log->vtail.hsize = hsize;
			} else if ((err = verify_tail(log, head, hsize))) {
				return err;
			}
		}
		if (log->ends.torn && (err = check_unmount(log, head, rblk, rb, &clean)))
			return err;
	}
	log->ends.clean = clean;
	return 0;
}

int xlog_find_tail(xlog *log)
{
	return find_tail(log, false);
}

int xlog_find_tail_deferred(xlog *log)
{
	return find_tail(log, true);
}

int xlog_verify_tail(xlog *log)
{
	if (!log->vtail.pending)
		return 0;
	log->vtail.pending = false;
	return verify_tail(log, log->vtail.head, log->vtail.hsize);
}
