/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS log recovery behind the neutral recovery interface (fs/front.h): the
 * plan of plan.c (what xlog_do_log_recovery writes to the data device) as
 * an overlay source of 512-byte sectors, its figures, its write list, and
 * what the kernel's mount and clean unmount add once recovery is complete:
 *  - the superblock as xfs_log_sb writes it at unmount: with lazy counters
 *    (or without, when the mount's finish changed them) icount, ifree and
 *    fdblocks summed from the AG headers as
 *    xfs_initialize_perag_data does at a mount that found the log dirty;
 *    log_incompat cleared (xfs_clear_incompat_log_features); the quota
 *    fields as xfs_sb_quota_to_disk writes what xfs_sb_quota_from_disk
 *    read (zero inode numbers as NULLFSINO; v4's shared slot), when
 *    xfs_log_sb runs at all (lazy counters, or a mount that logged);
 *    the CRC redone;
 *  - the log made clean: the blocks ahead of the head stamped with the
 *    previous cycle as xlog_clear_stale_blocks does at mount (up to 2 MiB
 *    of bare record headers, made only when read: recovery_view.c), then one
 *    unmount record at the head (xlog_write_unmount_record through
 *    xlog_sync: cycle stamped in every sector, the stamped words packed
 *    into the header's cycle data, split at the log's end, CRC).
 *    An external log's blocks are writes to its own device
 *    (FSIMG_RECOVERY_DEV_LOG), and its own view (FSIMG_RECOVERY_LOG_DEVICE).
 * The kernel's log also holds the records its mount and unmount wrote
 * before the unmount record; what a reader of the log finds (clean, head
 * at the cycle and block after the record, no metadata LSN past it) is the
 * same.
 *
 * While recovery leaves something pending (intents without their done
 * item, inodes on the AGI unlinked lists that ifree.c cannot free exactly,
 * CoW staging extents left in the refcount btrees: the kernel finishes them
 * at mount, fsimg does not yet), the view is the log replayed with the log still
 * dirty, and the write list is empty: replaying for real would lose them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc.h"
#include "core/cursor.h"
#include "core/io.h"
#include "xlog/recovery_int.h"

/* XLOG_TOTAL_REC_SHIFT: what a crashed kernel may have had in flight ahead of its head. */
#define STALE_BBS_V2 (XLOG_MAX_ICLOGS * XLOG_MAX_RECORD_BSIZE / XLOG_BBSIZE)
#define STALE_BBS_V1 (XLOG_MAX_ICLOGS * XLOG_BIG_RECORD_BSIZE / XLOG_BBSIZE)
#define XFS_NULLFSINO UINT64_MAX
/* The tid libxfs gives the unmount records it writes (written by a tool, not a kernel). */
#define UNMOUNT_TID 0xb0c0d0d0u

/* ----------------------------------------------------- reading the plan */

/* [off, off + len) of the data device as the log replay leaves it (whole sectors). */
static int plan_read(const struct xlog_plan *p, fsimg_io *io, uint8_t *buf, uint64_t off, uint32_t len)
{
	if (fsimg_io_read(io, buf, len, off) < 0)
		return FSIMG_EIO;
	for (uint32_t k = 0; k < len / XLOG_BBSIZE; k++) {
		const uint8_t *s = xlog_ovl_sector(&p->ovl, off / XLOG_BBSIZE + k);

		if (s)
			memcpy(buf + (size_t)k * XLOG_BBSIZE, s, XLOG_BBSIZE);
	}
	return 0;
}

/* A write of len bytes at off: a copy of bytes, or with bytes NULL stale log blocks from lblk on. */
static int fin_add(struct xrec *xr, uint64_t off, uint32_t len, const uint8_t *bytes, uint32_t lblk,
		   enum fsimg_recovery_write_kind kind, unsigned device)
{
	struct fin *f;

	if (len == 0)
		return 0;
	if (xr->nfin == FIN_MAX)
		return FSIMG_ERANGE;
	f = &xr->fin[xr->nfin];
	f->bytes = NULL;
	if (bytes) {
		if (!(f->bytes = malloc(len)))
			return FSIMG_ENOMEM;
		memcpy(f->bytes, bytes, len);
	}
	f->lblk = lblk;
	f->off = off;
	f->len = len;
	f->kind = kind;
	f->device = device;
	xr->nfin++;
	return 0;
}

/* ------------------------------------------------------- the superblock */

/* sb_qflags (xfs_quota_defs.h) */
#define XFS_PQUOTA_ACCT 0x0008u
#define XFS_OQUOTA_ENFD 0x0010u
#define XFS_OQUOTA_CHKD 0x0020u
#define XFS_GQUOTA_ACCT 0x0040u
#define XFS_GQUOTA_ENFD 0x0080u
#define XFS_GQUOTA_CHKD 0x0100u
#define XFS_PQUOTA_ENFD 0x0200u
#define XFS_PQUOTA_CHKD 0x0400u

/*
 * The quota fields as the superblock's write at unmount leaves them:
 * xfs_sb_quota_to_disk of what xfs_sb_quota_from_disk read at mount. A
 * quota inode number 0 (older mkfs) is NULLFSINO in core, written back as
 * such. v5 keeps three inodes and its flags as they are. v4 has one
 * on-disk slot, sb_gquotino, for the group or the project quota inode:
 * the one whose accounting is on, else NULLFSINO when neither in-core
 * inode is set, else left alone; sb_pquotino, past the v4 superblock's
 * end, is 0; the group and project enforce/checked flags fold into the
 * OQUOTA ones.
 */
static void quota_finish(uint8_t *raw, uint32_t ss, bool v5)
{
	struct cur c = cur_init(raw, ss);
	size_t uq = offsetof(struct xfs_dsb, sb_uquotino), gq = offsetof(struct xfs_dsb, sb_gquotino);
	size_t pq = offsetof(struct xfs_dsb, sb_pquotino), qf = offsetof(struct xfs_dsb, sb_qflags);
	uint64_t u = cur_be64(&c, uq), g = cur_be64(&c, gq), p = cur_be64(&c, pq);
	uint16_t q = cur_be16(&c, qf), o;

	if (u == 0)
		put_be64(raw + uq, XFS_NULLFSINO);
	g = g ? g : XFS_NULLFSINO;
	p = p ? p : XFS_NULLFSINO;
	if (v5) {
		put_be64(raw + gq, g);
		put_be64(raw + pq, p);
		return;
	}
	o = q & ~(XFS_GQUOTA_ENFD | XFS_GQUOTA_CHKD | XFS_PQUOTA_ENFD | XFS_PQUOTA_CHKD);
	if (q & (XFS_OQUOTA_ENFD | XFS_GQUOTA_ENFD | XFS_PQUOTA_ENFD))
		o |= XFS_OQUOTA_ENFD;
	if (q & (XFS_OQUOTA_CHKD | XFS_GQUOTA_CHKD | XFS_PQUOTA_CHKD))
		o |= XFS_OQUOTA_CHKD;
	put_be16(raw + qf, o);
	/* from_disk moves a set sb_gquotino to the in-core project inode under project accounting */
	if ((q & XFS_PQUOTA_ACCT) && g != XFS_NULLFSINO) {
		p = g;
		g = XFS_NULLFSINO;
	}
	if (q & XFS_GQUOTA_ACCT)
		put_be64(raw + gq, g);
	else if (q & XFS_PQUOTA_ACCT)
		put_be64(raw + gq, p);
	else if (g == XFS_NULLFSINO && p == XFS_NULLFSINO)
		put_be64(raw + gq, XFS_NULLFSINO);
	put_be64(raw + pq, 0);
}

static int super_finish(struct xrec *xr)
{
	xfs_fs *x = xr->log->fs;
	const struct xfs_sb *sb = &x->sb;
	uint32_t ss = sb->sectsize, agss = ss;
	uint64_t icount = 0, ifree = 0, fdblocks = 0;
	bool lazy = x->v5 || ((sb->versionnum & XFS_SB_VERSION_MOREBITSBIT) &&
			      (sb->features2 & XFS_SB_VERSION2_LAZYSBCOUNTBIT));
	/* without lazy counters the mount's finish changes them in the superblock buffer with each
	 * transaction (xfs_trans_apply_sb_deltas): exact counts, the AG headers' sums */
	bool sums = lazy || xr->log->fin_max_lsn;
	uint8_t *raw = malloc(ss), *ag = malloc(agss);
	int err = FSIMG_ENOMEM;

	if (!raw || !ag)
		goto out;
	err = plan_read(xr->plan, x->io, raw, 0, ss);
	if (err)
		goto out;
	for (uint32_t a = 0; sums && a < sb->agcount; a++) {
		uint64_t start = (uint64_t)a * sb->agblocks * x->blocksize;
		struct cur c = cur_init(ag, agss);

		if ((err = plan_read(xr->plan, x->io, ag, start + ss, agss)))
			goto out;
		if (CUR_BE32(&c, 0, struct xfs_agf, agf_magicnum) != XFS_AGF_MAGIC) {
			sums = false; /* a broken AGF: the counters stay as they are */
			break;
		}
		fdblocks += (uint64_t)CUR_BE32(&c, 0, struct xfs_agf, agf_freeblks) +
			    CUR_BE32(&c, 0, struct xfs_agf, agf_flcount) +
			    CUR_BE32(&c, 0, struct xfs_agf, agf_btreeblks);
		if ((err = plan_read(xr->plan, x->io, ag, start + 2 * (uint64_t)ss, agss)))
			goto out;
		if (CUR_BE32(&c, 0, struct xfs_agi, agi_magicnum) != XFS_AGI_MAGIC) {
			sums = false;
			break;
		}
		icount += CUR_BE32(&c, 0, struct xfs_agi, agi_count);
		ifree += CUR_BE32(&c, 0, struct xfs_agi, agi_freecount);
	}
	if (sums) {
		put_be64(raw + offsetof(struct xfs_dsb, sb_icount), icount);
		put_be64(raw + offsetof(struct xfs_dsb, sb_ifree), ifree);
		put_be64(raw + offsetof(struct xfs_dsb, sb_fdblocks), fdblocks);
	}
	/* xfs_log_sb runs at unmount when the mount logged anything (xfs_log_cover: the log needs
	 * covering) or the counters are lazy; else (v4 without lazy counters, nothing finished
	 * after recovery) the superblock keeps its quota fields as they are on disk */
	if (lazy || xr->log->fin_max_lsn)
		quota_finish(raw, ss, x->v5);
	if (x->v5) {
		put_be32(raw + offsetof(struct xfs_dsb, sb_features_log_incompat), 0);
		put_le32(raw + offsetof(struct xfs_dsb, sb_crc), 0);
		put_le32(raw + offsetof(struct xfs_dsb, sb_crc), ~fsimg_crc32c(~0u, raw, ss));
	}
	err = fin_add(xr, 0, ss, raw, 0, FSIMG_RECOVERY_SUPER, FSIMG_RECOVERY_DEV_FS);
out:
	free(raw);
	free(ag);
	return err;
}

/* --------------------------------------------------------------- the log */

/*
 * n log blocks from blk, the part past the log's end at its start: one or
 * two writes, on the log's device (the data device, or the external one).
 * bytes NULL: stale blocks, made when read.
 */
static int log_add(struct xrec *xr, uint32_t blk, uint32_t n, const uint8_t *bytes)
{
	const struct xlog_geom *g = &xr->log->geom;
	unsigned dev = g->external ? FSIMG_RECOVERY_DEV_LOG : FSIMG_RECOVERY_DEV_FS;
	uint32_t first = n < g->bbs - blk ? n : g->bbs - blk;
	int err = fin_add(xr, g->dev_off + (uint64_t)blk * XLOG_BBSIZE, first * XLOG_BBSIZE, bytes, blk,
			  FSIMG_RECOVERY_LOG_CLEAN, dev);

	if (err == 0 && first < n)
		err = fin_add(xr, g->dev_off, (n - first) * XLOG_BBSIZE,
			      bytes ? bytes + (size_t)first * XLOG_BBSIZE : NULL, 0, FSIMG_RECOVERY_LOG_CLEAN,
			      dev);
	return err;
}

static uint32_t log_fmt(const xlog *log)
{
	return log->le ? XLOG_FMT_LINUX_LE : XLOG_FMT_LINUX_BE;
}

/* xlog_add_record: a header alone, what xlog_clear_stale_blocks writes in every block. */
static void stale_record(const xlog *log, uint8_t *b, uint32_t cycle, uint32_t blk)
{
	memset(b, 0, XLOG_BBSIZE);
	put_be32(b + offsetof(struct xlog_drec_header, h_magicno), XLOG_HEADER_MAGIC_NUM);
	put_be32(b + offsetof(struct xlog_drec_header, h_cycle), cycle);
	put_be32(b + offsetof(struct xlog_drec_header, h_version), log->geom.v2 ? 2 : 1);
	put_be64(b + offsetof(struct xlog_drec_header, h_lsn), XLOG_LSN(cycle, blk));
	put_be64(b + offsetof(struct xlog_drec_header, h_tail_lsn),
		 XLOG_LSN(log->ends.tail_cycle, log->ends.tail_blk));
	put_be32(b + offsetof(struct xlog_drec_header, h_fmt), log_fmt(log));
	memcpy(b + offsetof(struct xlog_drec_header, h_fs_uuid), log->fs->sb.uuid, 16);
}

/*
 * The unmount record at block at of cycle, as xlog_sync writes it: *out
 * (the caller frees it) holds *nblk blocks in log order from there.
 */
static int unmount_record(const xlog *log, uint32_t cycle, uint32_t at, uint32_t prev, uint8_t **out,
			  uint32_t *nblk)
{
	uint32_t h_size = log->geom.v2 ? log->h_size : XLOG_BIG_RECORD_BSIZE;
	uint32_t hblks = log->geom.v2 && h_size > XLOG_HEADER_CYCLE_SIZE ?
			 (h_size + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE : 1;
	uint32_t data = sizeof(struct xlog_dop_header) + 8; /* the op and xfs_unmount_log_format */
	uint32_t hsize = hblks * XLOG_BBSIZE, round, count, h_len, ndata;
	uint8_t *b, *d;

	/* l_iclog_roundoff: the log stripe unit on v2, else a basic block */
	round = log->geom.v2 && log->geom.sunit > 1 ? log->geom.sunit : XLOG_BBSIZE;
	if (round % XLOG_BBSIZE || round > XLOG_MAX_RECORD_BSIZE)
		round = XLOG_BBSIZE;
	count = (hsize + data + round - 1) / round * round;
	h_len = log->geom.v2 ? count - hsize : data;
	ndata = (count - hsize) / XLOG_BBSIZE;
	if (ndata > hblks * XLOG_CYCLE_WORDS || count / XLOG_BBSIZE >= log->geom.bbs)
		return FSIMG_ERANGE;
	b = calloc(count / XLOG_BBSIZE, XLOG_BBSIZE);
	if (!b)
		return FSIMG_ENOMEM;
	put_be32(b + offsetof(struct xlog_drec_header, h_magicno), XLOG_HEADER_MAGIC_NUM);
	put_be32(b + offsetof(struct xlog_drec_header, h_cycle), cycle);
	put_be32(b + offsetof(struct xlog_drec_header, h_version), log->geom.v2 ? 2 : 1);
	put_be32(b + offsetof(struct xlog_drec_header, h_len), h_len);
	put_be64(b + offsetof(struct xlog_drec_header, h_lsn), XLOG_LSN(cycle, at));
	put_be64(b + offsetof(struct xlog_drec_header, h_tail_lsn), XLOG_LSN(cycle, at));
	put_be32(b + offsetof(struct xlog_drec_header, h_prev_block), prev);
	put_be32(b + offsetof(struct xlog_drec_header, h_num_logops), 1);
	put_be32(b + offsetof(struct xlog_drec_header, h_fmt), log_fmt(log));
	memcpy(b + offsetof(struct xlog_drec_header, h_fs_uuid), log->fs->sb.uuid, 16);
	put_be32(b + offsetof(struct xlog_drec_header, h_size), h_size);
	for (uint32_t j = 1; j < hblks; j++)
		put_be32(b + (size_t)j * XLOG_BBSIZE, cycle); /* xh_cycle */
	d = b + hsize;
	put_be32(d + offsetof(struct xlog_dop_header, oh_tid), UNMOUNT_TID);
	put_be32(d + offsetof(struct xlog_dop_header, oh_len), 8);
	d[offsetof(struct xlog_dop_header, oh_clientid)] = XFS_LOG;
	d[offsetof(struct xlog_dop_header, oh_flags)] = XLOG_UNMOUNT_TRANS;
	/* the magic in the byte order of the host that writes it, as the kernel does */
	if (log->le)
		put_le16(d + sizeof(struct xlog_dop_header), XLOG_UNMOUNT_TYPE);
	else
		put_be16(d + sizeof(struct xlog_dop_header), XLOG_UNMOUNT_TYPE);
	/* xlog_pack_data: each data block's first word into the cycle data, the cycle in its place */
	for (uint32_t i = 0; i < ndata; i++) {
		uint8_t *blk = d + (size_t)i * XLOG_BBSIZE;
		uint8_t *slot = i < XLOG_CYCLE_WORDS ?
			b + offsetof(struct xlog_drec_header, h_cycle_data) + 4 * (size_t)i :
			b + (size_t)(i / XLOG_CYCLE_WORDS) * XLOG_BBSIZE +
				offsetof(struct xlog_drec_ext_header, xh_cycle_data) + 4 * (size_t)(i % XLOG_CYCLE_WORDS);
		memcpy(slot, blk, 4);
		put_be32(blk, cycle);
	}
	/* xlog_split_iclog: blocks past the log's end carry the next cycle */
	if (at + count / XLOG_BBSIZE > log->geom.bbs) {
		for (uint32_t i = log->geom.bbs - at; i < count / XLOG_BBSIZE; i++) {
			uint8_t *blk = b + (size_t)i * XLOG_BBSIZE;
			uint32_t c = get_be32(blk) + 1;

			if (c == XLOG_HEADER_MAGIC_NUM)
				c++;
			put_be32(blk, c);
		}
	}
	put_le32(b + offsetof(struct xlog_drec_header, h_crc), xlog_rec_cksum(b, d, h_len));
	*out = b;
	*nblk = count / XLOG_BBSIZE;
	return 0;
}

/* An empty record (no ops), what fills the log up to the unmount record. */
static void empty_record(const xlog *log, uint8_t *b, uint32_t cycle, uint32_t blk, uint32_t prev)
{
	stale_record(log, b, cycle, blk);
	put_be32(b + offsetof(struct xlog_drec_header, h_prev_block), prev);
	if (log->geom.v2)
		put_be32(b + offsetof(struct xlog_drec_header, h_size), XLOG_HEADER_CYCLE_SIZE);
	put_le32(b + offsetof(struct xlog_drec_header, h_crc), xlog_rec_cksum(b, b + XLOG_BBSIZE, 0));
}

void xrec_stale_sector(const struct xrec *xr, uint8_t *b, uint32_t blk)
{
	const struct xlog_ends *e = &xr->log->ends;

	/* the kernel's window starts at the head: the previous cycle up to the log's end */
	stale_record(xr->log, b, blk >= e->head_blk ? e->head_cycle - 1 : e->head_cycle, blk);
}

/*
 * The log as the kernel leaves it clean: stale blocks ahead of the head
 * (from the crash's tail, as at mount), then the unmount record over the
 * first of them. When the mount's own work after recovery was written in
 * more than one checkpoint (intent.c), metadata carries the LSN of the last
 * one, past the head: the unmount record goes there, empty records filling
 * the blocks from the head (the checkpoints the kernel wrote there are not
 * reproduced), so that no metadata LSN is ahead of the log. 0, or <0 with
 * the reason in log->errmsg.
 */
static int log_finish(struct xrec *xr)
{
	xlog *log = xr->log;
	const struct xlog_ends *e = &log->ends;
	uint32_t bbs = log->geom.bbs, urec = 0, dist, max, n, gap = 0, prev = e->last_rec_blk;
	uint32_t ucycle = e->head_cycle, ublk = e->head_blk;
	uint8_t *rec = NULL, *fill = NULL;
	int err;

	if (e->head_cycle == e->tail_cycle) {
		if (e->head_blk < e->tail_blk || e->head_blk >= bbs)
			return xlog_error(log, FSIMG_ECORRUPT, "head %u before tail %u in one cycle",
					  e->head_blk, e->tail_blk);
		dist = e->tail_blk + (bbs - e->head_blk);
	} else {
		if (e->head_blk >= e->tail_blk || e->head_cycle != e->tail_cycle + 1)
			return xlog_error(log, FSIMG_ECORRUPT, "head %u/%u and tail %u/%u disagree",
					  e->head_cycle, e->head_blk, e->tail_cycle, e->tail_blk);
		dist = e->tail_blk - e->head_blk;
	}
	if (log->fin_max_lsn > XLOG_LSN(e->head_cycle, e->head_blk)) {
		ucycle = XLOG_LSN_CYCLE(log->fin_max_lsn);
		ublk = XLOG_LSN_BLOCK(log->fin_max_lsn);
		gap = ucycle == e->head_cycle ? ublk - e->head_blk : ublk + (bbs - e->head_blk);
		if (ublk >= bbs || ucycle > e->head_cycle + 1 || (ucycle != e->head_cycle && ublk >= e->head_blk) ||
		    gap >= dist)
			return xlog_error(log, FSIMG_ERANGE, "the mount's checkpoints end past the log's tail");
		if (!(fill = malloc((size_t)gap * XLOG_BBSIZE)))
			return FSIMG_ENOMEM;
		for (uint32_t i = 0; i < gap; i++) {
			uint32_t blk = (e->head_blk + i) % bbs;
			empty_record(log, fill + (size_t)i * XLOG_BBSIZE, blk >= e->head_blk ? e->head_cycle : e->head_cycle + 1,
				     blk, prev);
			prev = blk;
		}
	}
	err = unmount_record(log, ucycle, ublk, prev, &rec, &urec);
	if (err == FSIMG_ERANGE || (err == 0 && gap + urec > dist)) {
		free(rec);
		free(fill);
		return xlog_error(log, FSIMG_ERANGE, "no room for an unmount record at the head (%u free blocks)",
				  dist);
	}
	if (err) {
		free(fill);
		return err;
	}
	max = log->geom.v2 ? STALE_BBS_V2 : STALE_BBS_V1;
	if (max > dist)
		max = dist;
	n = max > gap + urec ? max - gap - urec : 0;
	err = n ? log_add(xr, (e->head_blk + gap + urec) % bbs, n, NULL) : 0;
	if (err == 0 && gap)
		err = log_add(xr, e->head_blk, gap, fill);
	if (err == 0)
		err = log_add(xr, ublk, urec, rec);
	free(rec);
	free(fill);
	return err;
}

/* ------------------------------------------------- the recovery interface */

static int xrec_stats(struct fsimg_recovery_stats *out, const fsimg_recovery *r)
{
	const struct xrec *xr = xrec_of(r);
	const struct xlog_plan *p = xr->plan;

	out->log = "log";
	out->transactions = p->stats.transactions;
	out->blocks = xr->blocks;
	out->revoked = p->cancelled;
	out->by_items = 1;
	out->items = p->replayed;
	out->skipped_lsn = p->skipped_lsn;
	out->cancelled = p->cancelled;
	out->pending = p->npending;
	return 0;
}

static size_t xrec_write_count(const fsimg_recovery *r)
{
	const struct xrec *xr = xrec_of(r);

	return xr->plan->npending ? 0 : xr->plan->nwrites + xr->nfin;
}

static int xrec_write(struct fsimg_recovery_write *out, const fsimg_recovery *r, size_t i)
{
	const struct xrec *xr = xrec_of(r);
	const struct xlog_plan *p = xr->plan;

	if (i >= xrec_write_count(r))
		return FSIMG_ERANGE;
	if (i < p->nwrites) {
		out->off = p->writes[i].off;
		out->len = p->writes[i].len;
		out->kind = FSIMG_RECOVERY_LOGGED;
	} else {
		const struct fin *f = &xr->fin[i - p->nwrites];

		out->off = f->off;
		out->len = f->len;
		out->kind = f->kind;
		out->device = f->device;
	}
	return 0;
}

static const char *xrec_pending(const fsimg_recovery *r, size_t i)
{
	const struct xlog_plan *p = xrec_of(r)->plan;

	return i < p->npending ? p->pending[i].what : NULL;
}

static const char *xrec_pending_why(const fsimg_recovery *r, size_t i)
{
	const struct xlog_plan *p = xrec_of(r)->plan;

	return i < p->npending && p->pending[i].why ? p->pending[i].what + p->pending[i].why : NULL;
}

static const char *xrec_path(const fsimg_recovery *r, size_t i, uint64_t *count)
{
	return xlog_trace_taken(&xrec_of(r)->log->fin_count, i, count);
}

static void xrec_free(fsimg_recovery *r)
{
	struct xrec *xr = (struct xrec *)(void *)r;

	for (size_t i = 0; i < xr->nfin; i++)
		free(xr->fin[i].bytes);
	xlog_plan_free(xr->plan);
	xlog_close(xr->log);
	free(xr);
}

static const struct fsimg_recovery_ops xrec_ops = {
	xrec_stats, xrec_write_count, xrec_write, xrec_apply, xrec_free, xrec_pending, xrec_path,
	xrec_pending_why,
};

/* Filesystem blocks the plan's writes touch (they are in ascending order). */
static uint64_t plan_blocks(const struct xlog_plan *p, uint32_t bs)
{
	uint64_t n = 0, last = UINT64_MAX;

	for (size_t i = 0; i < p->nwrites; i++) {
		uint64_t b = p->writes[i].off / bs, e = (p->writes[i].off + p->writes[i].len - 1) / bs;

		if (b == last)
			b++;
		if (b <= e)
			n += e - b + 1;
		last = e;
	}
	return n;
}

int xlog_recovery_plan(fsimg_recovery **out, xfs_fs *x, fsimg_io *external, xlog *found,
		       int found_err, char *errbuf, size_t errlen)
{
	struct xrec *xr;
	int err;

	*out = NULL;
	xr = calloc(1, sizeof(*xr));
	if (!xr) {
		xlog_close(found);
		return FSIMG_ENOMEM;
	}
	xr->head.ops = &xrec_ops;
	/*
	 * The plan's walk reads and checks every record from the tail to the head,
	 * as xlog_verify_tail's CRC pass would just before it: the pass is left to
	 * the walk (xlog_find_tail_deferred, here or where found was found). A walk
	 * that meets a record the pass would judge (a CRC that fails, or any error)
	 * is undone: the pass runs (moving the tail, or refusing, as the kernel
	 * does) and the plan is made again, so what comes out is what the pass
	 * first would give.
	 */
	if (found) {
		xr->log = found;
		err = found_err;
	} else {
		err = xlog_open(&xr->log, x, external);
		if (err < 0) {
			if (errbuf && errlen)
				snprintf(errbuf, errlen, "log: %s",
					 x->errmsg[0] ? x->errmsg : fsimg_strerror(err));
			free(xr);
			return err;
		}
		err = xlog_find_tail_deferred(xr->log);
	}
	if (err == 0) {
		xlog saved = *xr->log;
		xr->log->crc_bad_seen = false;
		err = xlog_plan_build(&xr->plan, xr->log);
		if (saved.vtail.pending && (err || xr->log->crc_bad_seen)) {
			xlog_plan_free(xr->plan);
			xr->plan = NULL;
			*xr->log = saved;
			err = xlog_verify_tail(xr->log);
			if (err == 0)
				err = xlog_plan_build(&xr->plan, xr->log);
		}
	}
	/* Complete: the kernel's mount and unmount leave the superblock and a clean log. */
	if (err == 0 && xr->plan->npending == 0 && !xr->log->ends.clean && !xr->log->ends.zeroed) {
		err = super_finish(xr);
		if (err == 0)
			err = log_finish(xr);
	}
	if (err < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "log recovery: %s",
				 xr->log->errmsg[0] ? xr->log->errmsg : fsimg_strerror(err));
		xrec_free(&xr->head);
		return err;
	}
	xr->blocks = plan_blocks(xr->plan, x->blocksize);
	*out = &xr->head;
	return 0;
}

bool xlog_recovery_log_external(const fsimg_recovery *r)
{
	return r && r->ops == &xrec_ops && xrec_of(r)->log->geom.external;
}
