/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 2 of the recovery plan on one committed transaction, as the
 * kernel's xlog_recover_commit_trans: its items in xlog_recover_reorder_trans
 * order, each applied onto the plan's overlay (buffers by their dirty bitmap,
 * v5 LSN checks and stamps, inode buffers, inodes, dquots, icreate), intents
 * and their done items kept on the pending list (plan.c says the rest).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "xlog/dquot.h"
#include "xlog/plan_int.h"

/* ------------------------------------------------------------ v5 buffer LSNs */


/* Where a v5 block keeps its LSN, uuid and crc, by magic; false when it has none we use. */
static bool lsn_layout(const xlog *log, const uint8_t *b, uint32_t len, size_t *lsn, size_t *uuid,
		       size_t *crc)
{
	uint32_t m32 = be32at(b, 0), mda = (uint32_t)(b[8] << 8 | b[9]);

	*crc = SIZE_MAX;
	switch (m32) {
	case 0x41423342u: case 0x41423343u: case 0x49414233u: case 0x46494233u: case 0x524d4233u:
	case 0x52334643u: /* AB3B AB3C IAB3 FIB3 RMB3 R3FC: short btree blocks */
		*lsn = 24, *uuid = 32, *crc = 52;
		break;
	case XFS_BMAP_CRC_MAGIC:
		*lsn = 32, *uuid = 40, *crc = 64;
		break;
	case XFS_AGF_MAGIC:
		*lsn = offsetof(struct xfs_agf, agf_lsn), *uuid = offsetof(struct xfs_agf, agf_uuid);
		*crc = offsetof(struct xfs_agf, agf_crc);
		break;
	case XFS_AGI_MAGIC:
		*lsn = offsetof(struct xfs_agi, agi_lsn), *uuid = offsetof(struct xfs_agi, agi_uuid);
		*crc = offsetof(struct xfs_agi, agi_crc);
		break;
	case XFS_AGFL_MAGIC:
		*lsn = 24, *uuid = 8, *crc = 32;
		break;
	case XFS_SYMLINK_MAGIC: /* struct xfs_dsymlink_hdr: sl_owner and sl_blkno before sl_lsn */
		*lsn = offsetof(struct xfs_dsymlink_hdr, sl_lsn), *uuid = offsetof(struct xfs_dsymlink_hdr, sl_uuid);
		*crc = offsetof(struct xfs_dsymlink_hdr, sl_crc);
		break;
	case XFS_DIR3_BLOCK_MAGIC: case XFS_DIR3_DATA_MAGIC: case 0x58444633u: /* XDF3 */
		*lsn = 16, *uuid = 24, *crc = 4;
		break;
	case XFS_SB_MAGIC:
		*lsn = offsetof(struct xfs_dsb, sb_lsn), *crc = offsetof(struct xfs_dsb, sb_crc);
		*uuid = (log->fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID)
				? offsetof(struct xfs_dsb, sb_meta_uuid)
				: offsetof(struct xfs_dsb, sb_uuid);
		break;
	default:
		switch (mda) {
		case XFS_DIR3_LEAF1_MAGIC: case XFS_DIR3_LEAFN_MAGIC: case XFS_ATTR3_LEAF_MAGIC:
		case XFS_DA3_NODE_MAGIC:
			*lsn = 24, *uuid = 32, *crc = 12;
			break;
		default:
			return false;
		}
	}
	return *lsn + 8 <= len && *uuid + 16 <= len && *crc + 4 <= len;
}

/* The uuid v5 metadata carries: sb_meta_uuid with the meta_uuid feature, else sb_uuid. */
static const uint8_t *meta_uuid(const xlog *log)
{
	return (log->fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? log->fs->sb.meta_uuid
									  : log->fs->sb.uuid;
}

/* xlog_recover_get_buf_lsn: the block's LSN, or UINT64_MAX to replay regardless. A dquot
 * block has none to 6.1 (its magic16 XFS_DQUOT_MAGIC goes to recover_immediately: each dquot
 * carries its own dd_lsn, which only xlog_recover_dquot_commit_pass2 compares), so a dquot
 * buffer item is replayed whatever its first dquot's dd_lsn says. */
static uint64_t buf_lsn(const xlog *log, const uint8_t *b, uint32_t len)
{
	size_t lo, uo, co;

	if (!log->fs->v5 || !lsn_layout(log, b, len, &lo, &uo, &co))
		return UINT64_MAX;
	if (memcmp(b + uo, meta_uuid(log), 16))
		return UINT64_MAX;
	return be64at(b, lo);
}

/* The write verifier's work on a replayed v5 block: the transaction's LSN, a new crc. */
static void stamp(const xlog *log, uint8_t *b, uint32_t len, uint64_t lsn)
{
	size_t lo, uo, co;
	uint32_t crc;

	if (!log->fs->v5 || !lsn_layout(log, b, len, &lo, &uo, &co))
		return;
	put_be32(b + lo, (uint32_t)(lsn >> 32));
	put_be32(b + lo + 4, (uint32_t)lsn);
	put_be32(b + co, 0);
	crc = ~fsimg_crc32c(~0u, b, len);
	put_le32(b + co, crc);
}

/* ------------------------------------------------------------ items */

static int next_bit(const uint32_t *map, uint32_t words, uint32_t from)
{
	uint32_t i;

	for (i = from; i < words * 32; i++)
		if (map[i / 32] >> (i % 32) & 1)
			return (int)i;
	return -1;
}

static uint32_t contig_bits(const uint32_t *map, uint32_t words, uint32_t from)
{
	uint32_t n = 0;

	while (from + n < words * 32 && (map[(from + n) / 32] >> ((from + n) % 32) & 1))
		n++;
	return n;
}

/* xlog_recover_do_inode_buffer: only the di_next_unlinked fields of the logged chunks. */
static int inode_buf(xlog *log, const struct xlog_item *it, const struct xlog_item_info *o,
		     uint8_t *b, uint32_t len)
{
	uint32_t isz = log->fs->inode_size, n = len / isz, k, roff = 0, rlen = 0, nbits = 0, idx = 0;
	int bit = 0;

	for (k = 0; k < n; k++) {
		uint32_t nu = k * isz + XFS_LOG_DINODE_NEXT_UNLINKED_OFF;
		const uint8_t *src;
		while (nu >= roff + rlen) {
			bit = next_bit(o->map, o->map_size, (uint32_t)bit + nbits);
			if (bit < 0)
				return 0;
			nbits = contig_bits(o->map, o->map_size, (uint32_t)bit);
			roff = (uint32_t)bit << XFS_BLF_SHIFT;
			rlen = nbits << XFS_BLF_SHIFT;
			idx++;
		}
		if (nu < roff)
			continue;
		if (idx >= it->cnt || nu - roff + 4 > it->reg[idx].len)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "inode buffer item at daddr %lld: region %u too short",
					  (long long)o->blkno, idx);
		src = it->reg[idx].p + (nu - roff);
		if (!memcmp(src, "\0\0\0\0", 4))
			return xlog_error(log, FSIMG_ECORRUPT,
					  "inode buffer item at daddr %lld: di_next_unlinked 0",
					  (long long)o->blkno);
		memcpy(b + nu, src, 4);
		if (log->fs->v5) {
			uint8_t *dip = b + (size_t)k * isz;
			uint32_t crc;
			put_be32(dip + 100, 0);
			crc = ~fsimg_crc32c(~0u, dip, isz);
			put_le32(dip + 100, crc);
		}
	}
	return 0;
}

/* xlog_recover_do_reg_buffer */
static int reg_buf(xlog *log, const struct xlog_item *it, const struct xlog_item_info *o,
		   uint8_t *b, uint32_t len)
{
	uint32_t i = 1, nbits;
	int bit = 0;

	while ((bit = next_bit(o->map, o->map_size, (uint32_t)bit)) >= 0) {
		nbits = contig_bits(o->map, o->map_size, (uint32_t)bit);
		if (i >= it->cnt)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "buffer item at daddr %lld: bitmap names more regions than its %u",
					  (long long)o->blkno, it->cnt);
		/* a contiguous dirty range may have been logged as two regions */
		if (it->reg[i].len < (nbits << XFS_BLF_SHIFT))
			nbits = it->reg[i].len >> XFS_BLF_SHIFT;
		if (((uint64_t)bit + nbits) << XFS_BLF_SHIFT > len)
			return xlog_error(log, FSIMG_ECORRUPT, "buffer item at daddr %lld: region past the buffer",
					  (long long)o->blkno);
		memcpy(b + ((size_t)bit << XFS_BLF_SHIFT), it->reg[i].p, (size_t)nbits << XFS_BLF_SHIFT);
		i++;
		if (!nbits)
			break;
		bit += (int)nbits;
	}
	return 0;
}

/* The stamped entry of blkno at the running LSN (xlog_recover_process_ophdr: the buffers
 * queued are written, and stamped, when a commit of another LSN comes), or NULL. */
static struct stamped *stamped_find(struct ctx *c, int64_t blkno, uint64_t lsn)
{
	if (c->stamp_lsn != lsn) {
		c->stamp_lsn = lsn;
		c->nstamped = 0;
	}
	for (size_t i = 0; i < c->nstamped; i++)
		if (c->stamped[i].blkno == blkno)
			return &c->stamped[i];
	return NULL;
}

static int stamped_set(struct ctx *c, int64_t blkno, uint64_t lsn, uint64_t unstamped)
{
	struct stamped *s = stamped_find(c, blkno, lsn);

	if (!s) {
		if (c->nstamped == c->capstamped) {
			size_t cap = c->capstamped ? 2 * c->capstamped : 64;
			struct stamped *n = realloc(c->stamped, cap * sizeof *n);
			if (!n)
				return FSIMG_ENOMEM;
			c->stamped = n;
			c->capstamped = cap;
		}
		s = &c->stamped[c->nstamped++];
		s->blkno = blkno;
	}
	s->lsn = unstamped;
	return 0;
}

static int replay_buf(struct ctx *c, const struct xlog_item *it, const struct xlog_item_info *o,
		      uint64_t lsn)
{
	const struct stamped *s;
	xlog *log = c->log;
	uint32_t len = o->bblen * XLOG_BBSIZE;
	uint64_t blsn;
	uint8_t *b;
	int err;

	if (o->flags & XFS_BLF_CANCEL) {
		struct cancel *k = xlog_cancel_find(c, o->blkno, o->bblen);
		if (k)
			k->ref--;
		return 0;
	}
	if (xlog_cancel_find(c, o->blkno, o->bblen)) {
		c->plan->cancelled++;
		return 0;
	}
	/* dquot buffers replay only on a quota mount (and for types no quotaoff turned off) */
	if ((o->flags & XFS_BLF_DQUOT_BUFS) &&
	    (!c->quota || (c->quotaoffs & xlog_dquot_buf_types(o->flags))))
		return 0;
	b = malloc(len);
	if (!b)
		return FSIMG_ENOMEM;
	if ((err = xlog_ovl_read(c->ovl, log, b, (uint64_t)o->blkno, o->bblen)))
		goto out;
	/* a block replayed at this LSN already: its LSN as the kernel's unwritten buffer has it */
	blsn = (s = stamped_find(c, o->blkno, lsn)) ? s->lsn : buf_lsn(log, b, len);
	if (blsn && blsn != UINT64_MAX && blsn >= lsn) {
		c->plan->skipped_lsn++;
		goto out;
	}
	if (o->flags & XFS_BLF_INODE_BUF) {
		err = inode_buf(log, it, o, b, len);
	} else {
		err = reg_buf(log, it, o, b, len);
		if (!err && log->fs->v5)
			err = stamped_set(c, o->blkno, lsn, buf_lsn(log, b, len));
		if (!err)
			stamp(log, b, len, lsn);
	}
	if (!err)
		err = xlog_ovl_write(c->ovl, log, b, (uint64_t)o->blkno, o->bblen);
	if (!err)
		c->plan->replayed++;
out:
	free(b);
	return err;
}

/*
 * An inode item whose cluster recovery has written whole already: only the
 * sectors holding the inode change, so only they are read and written
 * again (a log that logs every inode of a cluster rewrites it once, not once
 * per inode). What the plan writes is the same.
 */
static int replay_inode_sectors(struct ctx *c, const struct xlog_item *it, const struct xlog_item_info *o,
				uint64_t lsn)
{
	uint32_t isz = c->log->fs->inode_size, first = (uint32_t)o->boffset / XLOG_BBSIZE, n;
	uint8_t b[8 * XLOG_BBSIZE];
	struct xlog_item_info w = *o;
	uint8_t *in;
	bool skipped;
	int err;

	n = ((uint32_t)o->boffset + isz + XLOG_BBSIZE - 1) / XLOG_BBSIZE - first;
	w.boffset = o->boffset - (int32_t)(first * XLOG_BBSIZE);
	w.bblen = n;
	/* the sectors in one page of the overlay: changed there (nothing to copy in or out) */
	if ((in = xlog_ovl_written(c->ovl, (uint64_t)o->blkno + first, n))) {
		err = xlog_inode_replay(c->log, it, &w, in, lsn, &skipped);
		if (!err && skipped)
			c->plan->skipped_lsn++;
		else if (!err)
			c->plan->replayed++;
		return err;
	}
	err = xlog_ovl_read(c->ovl, c->log, b, (uint64_t)o->blkno + first, n);
	if (!err)
		err = xlog_inode_replay(c->log, it, &w, b, lsn, &skipped);
	if (!err && skipped)
		c->plan->skipped_lsn++;
	else if (!err) {
		err = xlog_ovl_write(c->ovl, c->log, b, (uint64_t)o->blkno + first, n);
		c->plan->replayed++;
	}
	return err;
}

static int replay_inode(struct ctx *c, const struct xlog_item *it, const struct xlog_item_info *o,
			uint64_t lsn)
{
	xlog *log = c->log;
	uint8_t *b;
	bool skipped;
	int err;

	if (xlog_cancel_find(c, o->blkno, o->bblen)) {
		c->plan->cancelled++;
		return 0;
	}
	/* the fast path only where the whole item's checks hold (else the error comes below) */
	if ((uint64_t)o->boffset + c->log->fs->inode_size <= (uint64_t)o->bblen * XLOG_BBSIZE &&
	    c->log->fs->inode_size <= 4 * XLOG_BBSIZE && xlog_ovl_full(c->ovl, (uint64_t)o->blkno, o->bblen))
		return replay_inode_sectors(c, it, o, lsn);
	/* a cluster recovery has not touched yet: read into the overlay's pages, changed there */
	if ((b = xlog_ovl_claim(c->ovl, log, (uint64_t)o->blkno, o->bblen))) {
		err = xlog_inode_replay(log, it, o, b, lsn, &skipped);
		if (err || skipped)
			xlog_ovl_unclaim(c->ovl, (uint64_t)o->blkno, o->bblen);
		if (!err && skipped)
			c->plan->skipped_lsn++;
		else if (!err)
			c->plan->replayed++;
		return err;
	}
	b = malloc((size_t)o->bblen * XLOG_BBSIZE);
	if (!b)
		return FSIMG_ENOMEM;
	err = xlog_ovl_read(c->ovl, log, b, (uint64_t)o->blkno, o->bblen);
	if (!err)
		err = xlog_inode_replay(log, it, o, b, lsn, &skipped);
	if (!err && skipped)
		c->plan->skipped_lsn++;
	else if (!err) {
		err = xlog_ovl_write(c->ovl, log, b, (uint64_t)o->blkno, o->bblen);
		c->plan->replayed++;
	}
	free(b);
	return err;
}

/* xlog_recover_dquot_commit_pass2: on a quota mount only (dquot.c) */
static int replay_dquot(struct ctx *c, const struct xlog_item *it, const struct xlog_item_info *o,
			uint64_t lsn)
{
	xlog *log = c->log;
	uint32_t bbs = o->bblen; /* one filesystem block (item.c) */
	uint8_t *b;
	int err, done;

	if (!c->quota)
		return 0;
	if (o->blkno < 0)
		return xlog_error(log, FSIMG_ECORRUPT, "dquot item %u: buffer at daddr %lld", o->dq_id,
				  (long long)o->blkno);
	/* (no cancel check: the kernel's dquot recovery makes none) */
	b = malloc((size_t)bbs * XLOG_BBSIZE);
	if (!b)
		return FSIMG_ENOMEM;
	err = xlog_ovl_read(c->ovl, log, b, (uint64_t)o->blkno, bbs);
	if (!err)
		err = xlog_dquot_apply(log, it, o, b, bbs * XLOG_BBSIZE, lsn, c->quotaoffs, &done);
	if (!err && done < 0)
		c->plan->skipped_lsn++;
	else if (!err && done > 0) {
		err = xlog_ovl_write(c->ovl, log, b, (uint64_t)o->blkno, bbs);
		if (!err)
			c->plan->replayed++;
	}
	free(b);
	return err;
}

/* xlog_recover_icreate_commit_pass2 + xfs_ialloc_inode_init */
static int replay_icreate(struct ctx *c, const struct xlog_item_info *o)
{
	xlog *log = c->log;
	xfs_fs *fs = log->fs;
	uint32_t bs = fs->blocksize, isz = fs->inode_size, per_chunk = 64;
	uint32_t chunk_blocks = per_chunk * isz / bs ? per_chunk * isz / bs : 1;
	uint32_t cluster = 8192, bpc, k, n, i;
	uint64_t daddr, ino;
	uint8_t *b;
	int err = 0, cancelled = 0;
	uint32_t aglen = o->agno < fs->sb.agcount ? xfs_ag_length(fs, o->agno) : 0;

	/* the kernel bounds agbno (not 0) and length by sb_agblocks alone; the chunk is also
	 * held inside its AG's own length, as the last AG's is shorter: one past it would be
	 * written beyond sb_dblocks */
	if (o->agno >= fs->sb.agcount || o->length == 0 || o->agbno == 0 || o->agbno >= aglen ||
	    o->length > aglen - o->agbno || o->isize != isz ||
	    (o->count >> fs->sb.inopblog) != o->length || /* a sparse chunk logs its own count */
	    (o->length != chunk_blocks &&
	     !(fs->sparse_inodes && fs->sb.spino_align && o->length == fs->sb.spino_align)))
		return xlog_error(log, FSIMG_ECORRUPT,
				  "icreate item: ag %u agbno %u length %u count %u isize %u", o->agno,
				  o->agbno, o->length, o->count, o->isize);
	/* the inode cluster: 8 KiB scaled by the inode size on v5, never under a block */
	if (fs->v5 && fs->sb.inoalignmt >= cluster * (isz / 256) / bs)
		cluster = cluster * (isz / 256);
	if (cluster < bs)
		cluster = bs;
	bpc = cluster / bs;
	if (!bpc || o->length % bpc)
		bpc = o->length;
	n = o->length / bpc;
	daddr = xfs_fsb_to_linear(fs, xfs_agb_to_fsb(fs, o->agno, o->agbno)) * (bs / XLOG_BBSIZE);
	for (k = 0; k < n; k++)
		if (xlog_cancel_find(c, (int64_t)(daddr + (uint64_t)k * bpc * (bs / XLOG_BBSIZE)),
				bpc * (bs / XLOG_BBSIZE)))
			cancelled++;
	if (cancelled) {
		c->plan->cancelled++;
		return 0;
	}
	b = calloc(o->length, bs);
	if (!b)
		return FSIMG_ENOMEM;
	ino = ((uint64_t)o->agno << (fs->sb.agblklog + fs->sb.inopblog)) |
	      ((uint64_t)o->agbno << fs->sb.inopblog);
	for (i = 0; i < o->length * (bs / isz); i++) {
		uint8_t *d = b + (size_t)i * isz;
		d[0] = 0x49, d[1] = 0x4e;
		d[4] = fs->v5 ? 3 : 2;
		put_be32(d + 92, o->gen);
		put_be32(d + 96, 0xffffffffu);
		if (fs->v5) {
			uint32_t crc;
			put_be32(d + 152, (uint32_t)((ino + i) >> 32));
			put_be32(d + 156, (uint32_t)(ino + i));
			memcpy(d + 160, meta_uuid(log), 16);
			crc = ~fsimg_crc32c(~0u, d, isz);
			put_le32(d + 100, crc);
		}
	}
	err = xlog_ovl_write(c->ovl, log, b, daddr, o->length * (bs / XLOG_BBSIZE));
	if (!err)
		c->plan->replayed++;
	free(b);
	return err;
}

/* ------------------------------------------------------------ pending intents */

struct xlog_pending *xlog_pending_new(xlog *log, struct xlog_plan *p)
{
	struct xlog_pending *e;

	if (p->npending == p->cappending) {
		size_t cap = p->cappending ? p->cappending * 2 : 16;
		struct xlog_pending *q;
		/* the log's intents are bounded by the log (mem_max); the unlinked inodes the AGIs
		 * name (plan.c's walk, at most 65536) by that walk: room for them besides */
		if (cap * sizeof *q > log->mem_max + (size_t)65536 * sizeof *q) {
			xlog_error(log, FSIMG_ENOMEM, "too many pending items");
			return NULL;
		}
		q = realloc(p->pending, cap * sizeof *q);
		if (!q)
			return NULL;
		p->pending = q;
		p->cappending = cap;
	}
	e = &p->pending[p->npending++];
	memset(e, 0, sizeof *e);
	return e;
}

static int pending_add(struct ctx *c, const struct xlog_item *it, const struct xlog_item_info *o,
		       uint64_t lsn)
{
	struct xlog_plan *p = c->plan;
	struct xlog_pending *e;
	struct xlog_ext x;
	int n;

	if (!(e = xlog_pending_new(c->log, p)))
		return FSIMG_ENOMEM;
	e->type = o->type;
	e->id = o->id;
	e->lsn = lsn;
	e->nextents = o->nextents;
	for (uint32_t i = 0; i < o->nextents && i < XLOG_PENDING_EXTS; i++)
		xlog_item_extent(&e->ext[i], c->log, it, o, i);
	n = snprintf(e->what, sizeof e->what, "%s %#llx", o->name, (unsigned long long)o->id);
	if (o->type == XFS_LI_ATTRI || o->type == XFS_LI_XMI) {
		snprintf(e->what + n, sizeof e->what - (size_t)n, " inode %llu",
			 (unsigned long long)o->ino);
	} else if (o->nextents) {
		/* every extent as fsb+len while it fits, then how many more */
		n += snprintf(e->what + n, sizeof e->what - (size_t)n, ", %u extent%s:", o->nextents,
			      o->nextents == 1 ? "" : "s");
		for (uint32_t i = 0; i < o->nextents && (size_t)n < sizeof e->what; i++) {
			char one[48];
			int k;
			xlog_item_extent(&x, c->log, it, o, i);
			k = snprintf(one, sizeof one, " fsb %llu+%llu", (unsigned long long)x.startblock,
				     (unsigned long long)x.len);
			if ((size_t)n + (size_t)k + 12 >= sizeof e->what) {
				snprintf(e->what + n, sizeof e->what - (size_t)n, " and %u more", o->nextents - i);
				break;
			}
			memcpy(e->what + n, one, (size_t)k + 1);
			n += k;
		}
	}
	return 0;
}

static void pending_done(struct ctx *c, uint16_t done_type, uint64_t id)
{
	struct xlog_plan *p = c->plan;
	size_t i;

	for (i = 0; i < p->npending; i++)
		if (xlog_item_done_of(p->pending[i].type) == done_type && p->pending[i].id == id) {
			/* the rest keep their log order: the kernel finishes intents in it */
			memmove(&p->pending[i], &p->pending[i + 1], (p->npending - i - 1) * sizeof *p->pending);
			p->npending--;
			return;
		}
}

/* ------------------------------------------------------------ a transaction */

static int order_of(const struct xlog_item_info *o)
{
	if (o->type == XFS_LI_BUF)
		return (o->flags & XFS_BLF_CANCEL) ? 4 : (o->flags & XFS_BLF_INODE_BUF) ? 2 : 0;
	if (o->type == XFS_LI_ICREATE)
		return 0;
	if (o->type == XFS_LI_INODE)
		return 3;
	return 1;
}

int xlog_plan_apply(struct ctx *c, const struct xlog_trans *t, const struct xlog_item_info *info)
{
	size_t j;
	int err, cls;
	unsigned present = 0;

	/* the classes t has: one pass over its items each, not five */
	for (j = 0; j < t->nitems; j++)
		present |= 1u << order_of(&info[j]);
	for (cls = 0; cls <= 4; cls++) {
		if (!(present >> cls & 1))
			continue;
		for (j = 0; j < t->nitems; j++) {
			/* inode buffers and cancels go on their lists at the head: reversed */
			size_t k = cls == 2 || cls == 4 ? t->nitems - 1 - j : j;
			const struct xlog_item *it = &t->items[k];
			const struct xlog_item_info *o = &info[k];
			if (order_of(o) != cls)
				continue;
			switch (o->type) {
			case XFS_LI_BUF: err = replay_buf(c, it, o, t->lsn); break;
			case XFS_LI_INODE: err = replay_inode(c, it, o, t->lsn); break;
			case XFS_LI_ICREATE: err = replay_icreate(c, o); break;
			case XFS_LI_EFI: case XFS_LI_RUI: case XFS_LI_CUI: case XFS_LI_BUI:
			case XFS_LI_ATTRI: case XFS_LI_XMI:
				err = pending_add(c, it, o, t->lsn);
				break;
			case XFS_LI_EFD: case XFS_LI_RUD: case XFS_LI_CUD: case XFS_LI_BUD:
			case XFS_LI_ATTRD: case XFS_LI_XMD:
				pending_done(c, o->type, o->id);
				err = 0;
				break;
			case XFS_LI_DQUOT: err = replay_dquot(c, it, o, t->lsn); break;
			default: /* quotaoff only marks (pass 1) */
				err = 0;
				break;
			}
			if (err)
				return err;
		}
	}
	return 0;
}
