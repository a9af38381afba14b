/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS data and attribute forks, walked from the inode's bytes as
 * xfs_repair's process_bmbt_reclist and scan_bmapbt do: each extent record
 * valid (length, file offset bound, blocks inside one AG of the data
 * device, not in the AG headers), in strictly increasing file offsets,
 * unwritten only in a regular file's data fork; each bmbt block with its
 * magic, level, record count, siblings, owner, disk address, CRC, and keys
 * equal to the children's first offsets. Every block is claimed in the
 * file-block map: a second claim is a shared block (legal only for a
 * reflink filesystem's file data). A regular file's data fork also gets the
 * crash diagnostics: a size ending inside an unwritten extent, blocks past
 * EOF, and with --scan-data unwritten blocks holding data.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/xfs/xpass.h"

#define NULLFSBLOCK UINT64_MAX

struct fwalk {
	struct xp_ctx *xp;
	const struct xfs_inode *ip;
	enum xfs_fork fork;
	const char *fname;
	uint64_t nrecs, nblocks, next_off, visits;
	bool any, stopped, may_share, meta, reported_share;
	/* sibling chains: per level, the last block seen and the right sibling it named */
	uint64_t last[XFS_BMAP_MAX_LEVELS], last_right[XFS_BMAP_MAX_LEVELS];
	/* crash diagnostics (a regular file's data fork) */
	bool diag;
	uint64_t eof_blk, past_eof, written_past_end;
	uint64_t nz_blocks, nz_first_lblk, nz_first_fsb;
};

static void rep(struct fwalk *w, enum problem_id id, uint64_t lblk, uint64_t fsb, uint64_t len,
		uint64_t found, uint64_t expected, const char *detail)
{
	struct fsimg_problem_ctx p = pctx_inode(w->ip->ino);

	PCTX_SET(p, lblk, FSIMG_PF_LBLK, lblk);
	PCTX_SET(p, block, FSIMG_PF_BLOCK, fsb);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, expected);
	PCTX_SET(p, group, FSIMG_PF_GROUP, xfs_fsb_agno(w->xp->x, fsb));
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail ? detail : w->fname);
	check_report(w->xp->c, id, &p);
}

/* Claims [fsb, fsb + len) for the fork (xc_claim names both owners of a block claimed twice). */
static void claim(struct fwalk *w, uint64_t fsb, uint32_t len, enum xc_owner owner)
{
	struct xcheck *xcp = xc(w->xp->c);
	bool shared = w->may_share && owner == XO_DATA;

	/* sharing data blocks needs the reflink flag (xfs_repair sets it on such files) */
	if (shared && !(w->ip->flags2 & XFS_DIFLAG2_REFLINK) && !w->reported_share) {
		uint64_t b = xfs_fsb_to_linear(w->xp->x, fsb);

		for (uint32_t i = 0; i < len && b + i < w->xp->c->nblocks; i++)
			if (__atomic_load_n(&xcp->owner[b + i], __ATOMIC_RELAXED) == XO_DATA) {
				xp_report(w->xp, PR_XFS_INODE_FLAGS2, w->ip->ino,
					  "shares data blocks without the reflink flag", w->ip->flags2, 0);
				w->reported_share = true;
				break;
			}
	}
	xc_claim_fsb(w->xp->c, fsb, len, owner, w->ip->ino, shared);
}

/* The AG's header sectors (superblock, AGF, AGI, AGFL) in blocks. */
static uint32_t ag_header_blocks(const xfs_fs *x)
{
	return (uint32_t)(((uint64_t)4 * x->sb.sectsize + x->blocksize - 1) / x->blocksize);
}

static void scan_unwritten(struct fwalk *w, const struct xfs_irec *r)
{
	xfs_fs *x = w->xp->x;
	uint8_t *b = w->xp->buf;

	for (uint32_t i = 0; b && i < r->blockcount; i++) {
		bool nz = false;

		if (xfs_read_fsb(x, b, r->startblock + i, 1))
			return;
		for (uint32_t k = 0; k < x->blocksize && !nz; k++)
			nz = b[k] != 0;
		if (nz && w->nz_blocks++ == 0) {
			w->nz_first_lblk = r->startoff + i;
			w->nz_first_fsb = r->startblock + i;
		}
	}
}

static void diag_rec(struct fwalk *w, const struct xfs_irec *r)
{
	const struct xfs_inode *ip = w->ip;
	uint64_t end = r->startoff + r->blockcount;

	if (r->unwritten && ip->size && r->startoff <= (ip->size - 1) / w->xp->x->blocksize &&
	    (ip->size - 1) / w->xp->x->blocksize < end)
		rep(w, PR_XFS_DATA_SIZE_IN_UNWRITTEN, r->startoff, r->startblock, r->blockcount, ip->size, 0,
		    NULL);
	if (end > w->eof_blk) {
		uint64_t from = r->startoff > w->eof_blk ? r->startoff : w->eof_blk;

		w->past_eof += end - from;
		if (!r->unwritten && !(ip->flags & XFS_DIFLAG_PREALLOC))
			w->written_past_end = end;
	}
	if (r->unwritten && (w->xp->c->opts.flags & FSIMG_CHECK_SCAN_DATA))
		scan_unwritten(w, r);
}

static void one_rec(struct fwalk *w, const uint8_t *raw)
{
	struct xp_ctx *xp = w->xp;
	xfs_fs *x = xp->x;
	struct xfs_irec r;
	bool rt = w->fork == XFS_DATA_FORK && (w->ip->flags & XFS_DIFLAG_REALTIME);

	xfs_bmbt_rec_decode(&r, raw);
	w->nrecs++;
	/* xfs_repair's bound: the largest file offset (2^63 bytes), inside the record's 54 bits */
	unsigned max_bits = 63u - x->sb.blocklog < XFS_BMBT_STARTOFF_BITS ? 63u - x->sb.blocklog
									    : XFS_BMBT_STARTOFF_BITS;
	uint64_t max_off = 1ULL << max_bits;

	if (r.blockcount == 0 || r.startoff + r.blockcount > max_off ||
	    (!rt && !xfs_fsb_range_ok(x, r.startblock, r.blockcount))) {
		rep(w, PR_XFS_BMAP_REC, r.startoff, r.startblock, r.blockcount, 0, 0, NULL);
		return;
	}
	if (w->any && r.startoff < w->next_off)
		rep(w, PR_XFS_BMAP_ORDER, r.startoff, r.startblock, r.blockcount, 0, w->next_off, NULL);
	w->any = true;
	if (r.startoff + r.blockcount > w->next_off)
		w->next_off = r.startoff + r.blockcount;
	/* xfs_repair: unwritten extents in regular files' data alone, not in metadata files */
	if (r.unwritten && (w->fork != XFS_DATA_FORK || !S_ISREG(w->ip->mode) || w->meta))
		rep(w, PR_XFS_BMAP_UNWRITTEN, r.startoff, r.startblock, r.blockcount, 0, 0, NULL);
	w->nblocks += r.blockcount;
	if (rt)
		return;
	if (xfs_fsb_agbno(x, r.startblock) < ag_header_blocks(x))
		rep(w, PR_XFS_BMAP_META, r.startoff, r.startblock, r.blockcount, 0, 0, NULL);
	else {
		claim(w, r.startblock, r.blockcount, w->meta ? XO_META : w->fork == XFS_ATTR_FORK ? XO_ATTR : XO_DATA);
		xc_rmap_fold(xc(xp->c), 1, xfs_fsb_agno(x, r.startblock), xfs_fsb_agbno(x, r.startblock),
			     r.blockcount, w->ip->ino,
			     (w->fork == XFS_ATTR_FORK ? XC_RMAP_ATTR : 0) | (r.unwritten ? XC_RMAP_UNWRITTEN : 0),
			     r.startoff);
		if (r.unwritten && xc(w->xp->c)->file_unwritten) {
			uint64_t b = xfs_fsb_to_linear(x, r.startblock);

			for (uint32_t i = 0; i < r.blockcount && b + i < w->xp->c->nblocks; i++)
				bit_set_shared(xc(w->xp->c)->file_unwritten, b + i);
		}
	}
	if (w->diag)
		diag_rec(w, &r);
}

static void bad_block(struct fwalk *w, uint64_t fsb, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bad_block(struct fwalk *w, uint64_t fsb, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	snprintf(why, sizeof(why), "%s fork: bmbt block %llu: ", w->fname, (unsigned long long)fsb);
	va_start(ap, fmt);
	vsnprintf(why + strlen(why), sizeof(why) - strlen(why), fmt, ap);
	va_end(ap);
	rep(w, PR_XFS_BMBT_BLOCK, 0, fsb, 1, 0, 0, why);
}

/* The first file offset under a bmbt block (its first record's or key's), or NULLFSBLOCK. */
static uint64_t first_off(const uint8_t *b, size_t hdr, unsigned level, struct cur *c)
{
	struct xfs_irec r;

	if (level)
		return cur_be64(c, hdr);
	xfs_bmbt_rec_decode(&r, b + hdr);
	return r.startoff;
}

static void bmbt_block(struct fwalk *w, uint64_t fsb, unsigned level, uint64_t key)
{
	struct xp_ctx *xp = w->xp;
	xfs_fs *x = xp->x;
	size_t hdr = x->v5 ? XFS_BTREE_LBLOCK_CRC_LEN : XFS_BTREE_LBLOCK_LEN;
	size_t maxrecs = (x->blocksize - hdr) / 16;
	uint64_t left, right, linear;
	uint16_t numrecs;
	uint8_t *b;
	struct cur c;

	if (w->stopped)
		return;
	if (++w->visits > XFS_BMAP_MAX_NODES || w->visits > w->ip->nblocks + 1) {
		bad_block(w, fsb, "the tree reaches more than %llu blocks", (unsigned long long)w->visits - 1);
		w->stopped = true;
		return;
	}
	if (!xfs_fsb_range_ok(x, fsb, 1) || xfs_fsb_agbno(x, fsb) < ag_header_blocks(x)) {
		bad_block(w, fsb, "pointer outside the filesystem's blocks (level %u)", level);
		return;
	}
	w->nblocks++;
	claim(w, fsb, 1, XO_BMBT);
	xc_rmap_fold(xc(xp->c), 1, xfs_fsb_agno(x, fsb), xfs_fsb_agbno(x, fsb), 1, w->ip->ino,
		     XC_RMAP_BMBT | (w->fork == XFS_ATTR_FORK ? XC_RMAP_ATTR : 0), 0);
	b = malloc(x->blocksize);
	if (!b || xfs_read_fsb(x, b, fsb, 1)) {
		free(b);
		w->stopped = true;
		return;
	}
	c = cur_init(b, x->blocksize);
	linear = xfs_fsb_to_linear(x, fsb);
	if (cur_be32(&c, 0) != (x->v5 ? XFS_BMAP_CRC_MAGIC : XFS_BMAP_MAGIC)) {
		bad_block(w, fsb, "bad magic %#x", cur_be32(&c, 0));
		goto out;
	}
	if (cur_be16(&c, 4) != level) {
		bad_block(w, fsb, "level %u, its parent's child level differs", cur_be16(&c, 4));
		goto out;
	}
	numrecs = cur_be16(&c, 6);
	if (numrecs == 0 || numrecs > maxrecs) {
		bad_block(w, fsb, "%u records", numrecs);
		goto out;
	}
	if (x->v5) {
		if (!xfs_verify_cksum(b, x->blocksize, XFS_BTREE_LBLOCK_CRC_OFF))
			rep(w, PR_XFS_BMBT_CRC, 0, fsb, 1, 0, 0, NULL);
		if (cur_be64(&c, offsetof(struct xfs_btree_lblock, bb_owner)) != w->ip->ino)
			bad_block(w, fsb, "owner %llu",
				  (unsigned long long)cur_be64(&c, offsetof(struct xfs_btree_lblock, bb_owner)));
		if (cur_be64(&c, offsetof(struct xfs_btree_lblock, bb_blkno)) != linear << (x->sb.blocklog - 9))
			bad_block(w, fsb, "disk address %llu",
				  (unsigned long long)cur_be64(&c, offsetof(struct xfs_btree_lblock, bb_blkno)));
		if (memcmp(b + offsetof(struct xfs_btree_lblock, bb_uuid),
			   (x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? x->sb.meta_uuid : x->sb.uuid, 16))
			bad_block(w, fsb, "another filesystem's UUID");
	}
	left = cur_be64(&c, 8);
	right = cur_be64(&c, 16);
	if (left != (w->last[level] ? w->last[level] - 1 : NULLFSBLOCK))
		bad_block(w, fsb, "left sibling %llu", (unsigned long long)left);
	if (w->last[level] && w->last_right[level] != fsb)
		bad_block(w, w->last[level] - 1, "right sibling %llu", (unsigned long long)w->last_right[level]);
	w->last[level] = fsb + 1;
	w->last_right[level] = right;
	if (first_off(b, hdr, level, &c) != key)
		rep(w, PR_XFS_BMBT_KEY, 0, fsb, 1, key, first_off(b, hdr, level, &c), NULL);
	for (unsigned i = 0; i < numrecs && !w->stopped; i++) {
		if (level == 0) {
			one_rec(w, b + hdr + (size_t)i * XFS_BMBT_REC_SIZE);
			continue;
		}
		uint64_t k = cur_be64(&c, hdr + (size_t)i * 8);
		uint64_t p = cur_be64(&c, hdr + maxrecs * 8 + (size_t)i * 8);

		if (i && k <= cur_be64(&c, hdr + (size_t)(i - 1) * 8))
			bad_block(w, fsb, "keys out of order at %llu", (unsigned long long)k);
		bmbt_block(w, p, level - 1, k);
	}
out:
	free(b);
}

void xp_check_fork(struct xp_ctx *xp, const struct xfs_inode *ip, enum xfs_fork fork,
		   uint64_t *nrecs, uint64_t *nblocks)
{
	xfs_fs *x = xp->x;
	struct fwalk w = { .xp = xp, .ip = ip, .fork = fork, .fname = fork ? "attr" : "data" };
	uint8_t format = fork == XFS_DATA_FORK ? ip->format : ip->aformat;
	uint64_t n = fork == XFS_DATA_FORK ? ip->nextents : ip->anextents;
	size_t off, size;

	*nrecs = *nblocks = 0;
	if (xfs_inode_fork(&off, &size, x, ip, fork))
		return;
	w.may_share = xp->reflink && fork == XFS_DATA_FORK && S_ISREG(ip->mode);
	w.meta = xp->n && xp->ino[xp->n - 1].ino == ip->ino && (xp->ino[xp->n - 1].flags & XP_META);
	/* not a metadata file's: a quota file's size stays 0 by design */
	w.diag = fork == XFS_DATA_FORK && S_ISREG(ip->mode) && !(ip->flags & XFS_DIFLAG_REALTIME) && !w.meta;
	w.eof_blk = (ip->size + x->blocksize - 1) / x->blocksize;
	if (format == XFS_DINODE_FMT_EXTENTS) {
		if (n > size / XFS_BMBT_REC_SIZE)
			n = size / XFS_BMBT_REC_SIZE;
		for (uint64_t i = 0; i < n; i++)
			one_rec(&w, ip->raw + off + i * XFS_BMBT_REC_SIZE);
	} else if (format == XFS_DINODE_FMT_BTREE) {
		struct cur c = cur_init(ip->raw + off, size);
		uint16_t level = cur_be16(&c, 0), numrecs = cur_be16(&c, 2);
		size_t maxrecs = size >= 4 ? (size - 4) / 16 : 0;
		char why[160];

		if (level == 0 || level >= XFS_BMAP_MAX_LEVELS || numrecs == 0 || numrecs > maxrecs) {
			snprintf(why, sizeof(why), "%s fork: bmbt root in the inode: level %u, %u records",
				 w.fname, level, numrecs);
			rep(&w, PR_XFS_BMBT_BLOCK, 0, 0, 0, 0, 0, why);
			*nrecs = n; /* not counted: say nothing more of the count */
			return;
		}
		for (unsigned i = 0; i < numrecs && !w.stopped; i++) {
			uint64_t k = cur_be64(&c, 4 + (size_t)i * 8);

			if (i && k <= cur_be64(&c, 4 + (size_t)(i - 1) * 8)) {
				snprintf(why, sizeof(why), "%s fork: bmbt root keys out of order", w.fname);
				rep(&w, PR_XFS_BMBT_BLOCK, 0, 0, 0, 0, 0, why);
			}
			bmbt_block(&w, cur_be64(&c, 4 + maxrecs * 8 + (size_t)i * 8), level - 1u, k);
		}
		/* xfs_repair checks the end of the leaf level alone (process_btinode): above it, a warning */
		for (unsigned l = 0; l < level && !w.stopped; l++)
			if (w.last[l] && w.last_right[l] != NULLFSBLOCK && l == 0)
				bad_block(&w, w.last[l] - 1, "right sibling %llu at the end of its level",
					  (unsigned long long)w.last_right[l]);
			else if (w.last[l] && w.last_right[l] != NULLFSBLOCK) {
				struct fsimg_problem_ctx p = pctx_inode(ip->ino);

				snprintf(why, sizeof(why), "inode %llu %s fork bmbt: right sibling %llu at the end of level %u",
					 (unsigned long long)ip->ino, w.fname, (unsigned long long)w.last_right[l], l);
				PCTX_SET(p, group, FSIMG_PF_GROUP, xfs_fsb_agno(x, w.last[l] - 1));
				PCTX_SET(p, block, FSIMG_PF_BLOCK, xfs_fsb_agbno(x, w.last[l] - 1));
				PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
				check_report(xp->c, PR_XFS_BTREE_SIBLING, &p);
			}
		if (w.stopped) {
			*nrecs = n;
			*nblocks = ip->nblocks;
			return;
		}
	}
	*nrecs = w.nrecs;
	*nblocks = w.nblocks;
	if (!w.diag)
		return;
	if (w.written_past_end)
		rep(&w, PR_XFS_DATA_WRITTEN_PAST_EOF, w.written_past_end - 1, 0, 0, ip->size, 0, NULL);
	if (w.past_eof) {
		rep(&w, PR_XFS_DATA_PREALLOC_PAST_EOF, w.eof_blk, 0, w.past_eof, 0, 0, NULL);
		xp->c->sum.prealloc_blocks += w.past_eof;
		xp->c->sum.prealloc_inodes++;
	}
	if (w.nz_blocks) {
		rep(&w, PR_XFS_DATA_UNWRITTEN_NONZERO, w.nz_first_lblk, w.nz_first_fsb, w.nz_blocks, 0, 0, NULL);
		xp->c->sum.unwritten_nonzero_blocks += w.nz_blocks;
	}
}
