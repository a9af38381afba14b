/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reverse mapping btree of an AG (xfs_repair's scan_rmapbt and the
 * AG-metadata half of phase 4's check_rmaps): each record's flags, bounds,
 * owner and order, records that should have been merged; then, once the
 * tree's own blocks are claimed, every record against the owner the AG
 * walk found for its blocks, and every block of AG metadata covered by a
 * record of its owner. File blocks' records are kept (xcheck.rmap_file)
 * for the space pass, after the inode passes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xbtree.h"
#include "core/array.h"
#include "core/cursor.h"

#define OWN_NULL ((uint64_t)-1)
#define OWN_UNKNOWN ((uint64_t)-2)
#define OWN_FS ((uint64_t)-3)
#define OWN_LOG ((uint64_t)-4)
#define OWN_AG ((uint64_t)-5)
#define OWN_INOBT ((uint64_t)-6)
#define OWN_INODES ((uint64_t)-7)
#define OWN_REFC ((uint64_t)-8)
#define OWN_COW ((uint64_t)-9)
#define OWN_MIN ((uint64_t)-10)
#define OFF_ATTR (UINT64_C(1) << 63)
#define OFF_BMBT (UINT64_C(1) << 62)
#define OFF_UNWRITTEN (UINT64_C(1) << 61)
#define OFF_MASK ((UINT64_C(1) << 54) - 1)

static bool non_inode(uint64_t owner)
{
	return owner >> 63;
}

struct rmap_state {
	struct xc_rmap_count *cnt;
	uint32_t *leaves;            /* the tree's leaf blocks, for the second look */
	size_t nleaves, capleaves;
	bool any;
	uint32_t last_b;
	uint64_t last_owner, last_off;
	/* the record before, for the merge check */
	uint32_t m_start, m_len;
	uint64_t m_owner, m_off;
	bool m_any;
	bool reflink;
};

/* A record's low key: startblock, owner, and the offset with its flags but for unwritten. */
static void key_rmap(uint8_t *key, const uint8_t *rec)
{
	memcpy(key, rec, 4);
	memcpy(key + 4, rec + 8, 16);
	key[12] &= (uint8_t)~(OFF_UNWRITTEN >> 56);
}

static void rec_rmap(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct rmap_state *s = bt->arg;
	uint32_t b = get_be32(rec), len = get_be32(rec + 4);
	uint64_t owner = get_be64(rec + 8), raw = get_be64(rec + 16), off = raw & OFF_MASK;
	uint64_t flags = raw & (OFF_ATTR | OFF_BMBT | OFF_UNWRITTEN);
	struct xcheck *x = bt->x;

	if (s->nleaves == 0 || s->leaves[s->nleaves - 1] != bno) {
		if (array_grow((void **)&s->leaves, &s->capleaves, s->nleaves + 1, sizeof(*s->leaves)))
			s->leaves[s->nleaves++] = bno;
	}
	if (raw & ~(OFF_MASK | OFF_ATTR | OFF_BMBT | OFF_UNWRITTEN)) {
		xc_bt_rec_bad(bt, bno, "record at %u has unknown flags", b);
		return;
	}
	if (b >= bt->aglen) {
		xc_bt_rec_bad(bt, bno, "start block %u is not in the AG", b);
		return;
	}
	if (len == 0 || b + len <= b || b + len - 1 >= bt->aglen) {
		xc_bt_rec_bad(bt, bno, "record at %u: length %u is not in the AG", b, len);
		return;
	}
	if (!((owner > OWN_MIN && owner <= OWN_FS) ||
	      (!non_inode(owner) && xfs_ino_ok(x->x, owner))))
		xc_bt_rec_bad(bt, bno, "record at %u: owner %#llx is not valid", b, (unsigned long long)owner);
	if (non_inode(owner) && (flags || off))
		xc_bt_rec_bad(bt, bno, "record at %u: a non-inode owner with %s", b,
			      flags ? "flags" : "an offset");
	if (s->any) {
		bool bad = s->reflink ? !(b > s->last_b || (b == s->last_b && (owner > s->last_owner ||
					  (owner == s->last_owner && off > s->last_off))))
				      : b <= s->last_b;
		if (bad)
			xc_bt_rec_bad(bt, bno, "record at %u is out of order", b);
	}
	s->any = true;
	s->last_b = b;
	s->last_owner = owner;
	s->last_off = off;
	/* rmaps_are_mergeable */
	if (s->m_any && s->m_owner == owner && s->m_start + s->m_len == b &&
	    (uint64_t)s->m_len + len <= UINT32_MAX &&
	    (non_inode(owner) || (s->m_off >> 54 == flags >> 54 &&
				 ((flags & OFF_BMBT) || (s->m_off & OFF_MASK) + s->m_len == off))))
		xc_bt_rec_bad(bt, bno, "record at %u should have been merged with the one before", b);
	s->m_any = true;
	s->m_start = b;
	s->m_len = len;
	s->m_owner = owner;
	s->m_off = raw;
}

/*
 * A record's high key: its last block, and for an inode's file data its last
 * file offset (xfs_rmapbt_init_high_key_from_rec).
 */
static void high_key_rmap(uint8_t *key, const uint8_t *rec)
{
	uint32_t len = get_be32(rec + 4);
	uint64_t owner = get_be64(rec + 8), raw = get_be64(rec + 16);

	key_rmap(key, rec);
	if (len == 0)
		return;
	put_be32(key, get_be32(rec) + len - 1);
	if (!non_inode(owner) && !(raw & OFF_BMBT))
		put_be64(key + 12, (get_be64(key + 12) & ~OFF_MASK) | (((raw & OFF_MASK) + len - 1) & OFF_MASK));
}

static const struct xc_bt_type bt_rmap = { "rmapbt", 0, 0x524d4233u, XO_RMAPBT, 24, 20, true,
					   key_rmap, xfs_rmap_key_cmp, rec_rmap, high_key_rmap, true };

/* Does a block the AG walk gave to `o` belong to this non-inode owner? */
static bool owner_matches(uint64_t owner, uint8_t o)
{
	switch (owner) {
	case OWN_FS: return o == XO_AGHDR;
	case OWN_LOG: return o == XO_LOG;
	case OWN_AG: return o == XO_BNOBT || o == XO_CNTBT || o == XO_RMAPBT || o == XO_AGFL;
	case OWN_INOBT: return o == XO_INOBT || o == XO_FINOBT;
	case OWN_INODES: return o == XO_INODES;
	case OWN_REFC: return o == XO_REFCBT;
	case OWN_COW: return o == XO_COW;
	default: return false;
	}
}

static void mismatch(struct check_ctx *c, uint32_t agno, uint32_t b, uint32_t len, const char *what)
{
	struct fsimg_problem_ctx p = pctx_group(agno);

	PCTX_SET(p, block, FSIMG_PF_BLOCK, b);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
	check_report(c, PR_XFS_RMAP_MISMATCH, &p);
}

/*
 * Free space under a record is no mismatch: xfs_repair's scan_ag reads the
 * AGFL and the free-space btrees before the rmapbt (scan_freelist, then
 * validate_agf), and process_rmap_rec lets any owner's record lie over
 * XR_E_FREE1/XR_E_FREE blocks ("may be on the AGFL; if not, they'll be
 * caught later"): later is phase 5's rebuild, which -n never runs, and
 * phase 4's rmaps_verify_btree only asks that each mapping the inodes and
 * AG metadata make be covered by a record (rmap_is_good), not that a record
 * cover nothing more. So a record grown over free space, or one wholly in
 * it, passes xfs_repair -n; fsimg follows. Such blocks stay out of the
 * file sums and rmap_file, where the covered part of the record is held
 * against the files' mappings block by block.
 */
static bool free_under_rmap(const struct xcheck *x, uint64_t lin)
{
	return (x->owner[lin] == XO_NONE && bit_test(x->freesp, lin)) || x->owner[lin] == XO_AGFL;
}

/* Sorts by owner, then fork and bmbt flags, then start block. */
static int rrec_cmp(const void *a, const void *b)
{
	const struct xc_rrec *p = a, *q = b;
	uint64_t fp = p->off & (OFF_ATTR | OFF_BMBT), fq = q->off & (OFF_ATTR | OFF_BMBT);

	if (p->owner != q->owner)
		return p->owner < q->owner ? -1 : 1;
	if (fp != fq)
		return fp < fq ? -1 : 1;
	return (p->start > q->start) - (p->start < q->start);
}

/* Keeps an inode's record for the lookups (reflink only); false when memory ran out. */
static bool rrec_add(struct xc_rrecs *r, uint32_t b, uint32_t len, uint64_t owner, uint64_t raw)
{
	if (!array_grow((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v)))
		return false;
	r->v[r->n++] = (struct xc_rrec){ owner, raw, b, len };
	return true;
}

/*
 * xfs_repair's rmap_is_good: a record of the same owner and flags (fork,
 * bmbt, unwritten) that starts at or before the mapping and ends at or after
 * it, in blocks and, for file data, in file offsets. Records of one owner
 * and fork may overlap only where a file maps a block twice: a few before
 * the search's place are tried.
 */
bool xc_rmap_covered(const struct xcheck *x, uint32_t agno, uint32_t agbno, uint32_t len,
		     uint64_t owner, unsigned flags, uint64_t off)
{
	const struct xc_rrecs *r = &x->rmap_recs[agno];
	uint64_t want = ((flags & XC_RMAP_ATTR) ? OFF_ATTR : 0) | ((flags & XC_RMAP_BMBT) ? OFF_BMBT : 0);
	bool unwritten = (flags & XC_RMAP_UNWRITTEN) != 0;
	struct xc_rrec key = { owner, want, agbno, 0 };
	size_t lo = 0, hi = r->n;

	while (lo < hi) { /* the first record after key */
		size_t mid = lo + (hi - lo) / 2;

		if (rrec_cmp(&r->v[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, tries = 0; i > 0 && tries < 16; i--, tries++) {
		const struct xc_rrec *e = &r->v[i - 1];

		if (e->owner != owner || (e->off & (OFF_ATTR | OFF_BMBT)) != want)
			break;
		if (((e->off & OFF_UNWRITTEN) != 0) != unwritten ||
		    (uint64_t)e->start + e->len < (uint64_t)agbno + len)
			continue;
		if (!(flags & XC_RMAP_BMBT) &&
		    ((e->off & OFF_MASK) > off || (e->off & OFF_MASK) + e->len < off + len))
			continue;
		return true;
	}
	return false;
}

void xc_rmap_recs_free(struct xcheck *x)
{
	for (uint32_t i = 0; x->rmap_recs && i < x->sb->agcount; i++)
		free(x->rmap_recs[i].v);
	free(x->rmap_recs);
	free(x->rmap_missing);
	x->rmap_recs = NULL;
	x->rmap_missing = NULL;
}

/* One leaf's records against the owners the walk found. */
static void cross_leaf(struct check_ctx *c, uint32_t agno, const uint8_t *blk, uint8_t *cov, bool *keep)
{
	struct xcheck *x = xc(c);
	unsigned n = get_be16(blk + 6), max = (x->sb->blocksize - XFS_BTREE_SBLOCK_CRC_LEN) / 24;
	uint32_t aglen = xc_ag_blocks(x, agno);
	char msg[160];

	if (n > max)
		n = max;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *r = blk + XFS_BTREE_SBLOCK_CRC_LEN + (size_t)i * 24;
		uint32_t b = get_be32(r), len = get_be32(r + 4);
		uint64_t owner = get_be64(r + 8), raw = get_be64(r + 16), lin;
		unsigned fl = ((raw & OFF_ATTR) ? XC_RMAP_ATTR : 0) | ((raw & OFF_BMBT) ? XC_RMAP_BMBT : 0) |
			      ((raw & OFF_UNWRITTEN) ? XC_RMAP_UNWRITTEN : 0);
		uint32_t run = 0; /* the covered blocks not yet folded, ending at k */
		bool bad = false;

		if (b >= aglen || len == 0 || len > aglen - b)
			continue; /* reported by the walk */
		if (*keep && !non_inode(owner) && !rrec_add(&x->rmap_recs[agno], b, len, owner, raw))
			*keep = false;
		lin = xc_linear(x, agno, b);
		for (uint32_t k = 0; k <= len; k++) {
			uint8_t o;

			if (k < len && non_inode(owner) && owner_matches(owner, x->owner[lin + k])) {
				bit_set(cov, b + k);
				continue;
			}
			if (k == len || free_under_rmap(x, lin + k)) {
				if (run && !non_inode(owner))
					xc_rmap_fold(x, 0, agno, b + k - run, run, owner, fl,
						     (raw & OFF_MASK) + k - run);
				run = 0;
				continue;
			}
			run++;
			if (bad)
				continue; /* one report a record */
			o = x->owner[lin + k];
			if (non_inode(owner)) {
				if (owner != OWN_NULL && owner != OWN_UNKNOWN)
					bad = true;
			} else if (o != XO_NONE) {
				bad = true;
			} else if (x->rmap_file) {
				bit_set(x->rmap_file, lin + k);
				if (raw & OFF_UNWRITTEN)
					bit_set(x->rmap_unwritten, lin + k);
			}
			if (bad) {
				snprintf(msg, sizeof(msg), "owner %lld, but block %u is %s", (long long)owner, b + k,
					 xc_owner_name((enum xc_owner)o));
				mismatch(c, agno, b, len, msg);
			}
		}
	}
}

int xc_rmap_walk(struct check_ctx *c, uint32_t agno, uint32_t root, uint32_t levels,
		 struct xc_rmap_count *out)
{
	struct xcheck *x = xc(c);
	struct rmap_state s;
	struct xc_bt bt;
	uint32_t aglen = xc_ag_blocks(x, agno);
	uint8_t *cov = NULL, *blk = NULL;
	bool keep = x->rmap_recs != NULL;
	int err;

	memset(&s, 0, sizeof(s));
	s.cnt = out;
	s.reflink = (x->sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) != 0;
	err = xc_bt_walk(&bt, c, agno, &bt_rmap, root, levels, &s);
	xc_bt_free(&bt);
	out->blocks = bt.blocks;
	out->nonroot_blocks = bt.nonroot_blocks;
	out->bad = bt.bad;
	if (err == 0 && !bt.bad) {
		cov = calloc(1, aglen / 8 + 1);
		blk = malloc(x->sb->blocksize);
		if (!cov || !blk)
			err = FSIMG_ENOMEM;
	}
	if (cov && blk && x->rmap_sum_ok)
		x->rmap_sum_ok[agno] = 1;
	for (size_t i = 0; cov && blk && i < s.nleaves; i++)
		if (xfs_read_fsb(x->x, blk, xfs_agb_to_fsb(x->x, agno, s.leaves[i]), 1) == 0)
			cross_leaf(c, agno, blk, cov, &keep);
		else if (x->rmap_sum_ok)
			x->rmap_sum_ok[agno] = 0;
	/* with reflink the file mappings are looked up in the records (xc_rmap_covered);
	 * without the records (memory) the sums serve */
	if (keep && cov && blk) {
		if (x->rmap_recs[agno].n) /* none kept: v is NULL, which qsort must not get */
			qsort(x->rmap_recs[agno].v, x->rmap_recs[agno].n, sizeof(struct xc_rrec), rrec_cmp);
		x->rmap_recs[agno].ready = true;
	}
	/* every block of AG metadata covered by its owner's record */
	for (uint32_t b = 0; cov && blk && b < aglen; b++) {
		uint8_t o = x->owner[xc_linear(x, agno, b)];
		uint32_t run = 1;

		if (o == XO_NONE || o >= XO_DATA || bit_test(cov, b))
			continue;
		while (b + run < aglen && x->owner[xc_linear(x, agno, b + run)] == o && !bit_test(cov, b + run))
			run++;
		char msg[96];

		snprintf(msg, sizeof(msg), "no reverse mapping for %s", xc_owner_name((enum xc_owner)o));
		mismatch(c, agno, b, run, msg);
		b += run - 1;
	}
	free(cov);
	free(blk);
	free(s.leaves);
	return err;
}
