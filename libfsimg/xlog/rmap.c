/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One deferred reverse-mapping update, as xfs_rmap_finish_one does it
 * (Linux 6.1, fs/xfs/libxfs/xfs_rmap.c): the AGFL checked as
 * xfs_free_extent_fix_freelist would leave it, then by type:
 *
 * - map (xfs_rmap_map): the record merged into its left neighbour (the
 *   last record at or below the key) and/or its right one (the next) when
 *   they are contiguous in block and, for inode owners, file offset, with
 *   the same owner and flags; else inserted where the lookup left the
 *   cursor.
 * - unmap (xfs_rmap_unmap): the record holding the range found at or below
 *   its key, then deleted (exact), trimmed at either end, or split in two.
 *   An unknown owner (EFI recovery) matches any record, and nothing at all.
 * - the _shared variants, for data fork extents of reflink inodes: records
 *   may overlap other owners', so the neighbours are looked for by owner
 *   and offset (xfs_rmap_find_left_neighbor, xfs_rmap_lookup_le_range:
 *   an exact lookup first, then the overlapping range query) and a key
 *   changes by deleting and re-inserting the record.
 *
 * - convert (xfs_rmap_convert, _shared): an extent's state flipped
 *   (unwritten to written or back), its record changed, trimmed or split,
 *   and merged with the neighbours that continue it in the new state.
 *
 * A mismatch the kernel would call corruption is refused, named; so are the
 * btree shape changes rmap_bt.c refuses.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/rmap.h"

#define RMAP_LEN_MAX 0xffffffffull

static int corrupt(struct rcur *c, const char *what, uint32_t bno, uint32_t len)
{
	return xlog_fin_refuse(c->f, "AG %u: rmap of %u+%u: %s", c->ag, bno, len, what);
}

static bool mergeable(const struct rrec *r, uint64_t owner, uint32_t flags)
{
	return r->owner != RMAP_OWN_NULL && r->owner == owner &&
	       (r->flags & (RMAP_F_UNWRITTEN | RMAP_F_ATTR | RMAP_F_BMBT)) ==
		       (flags & (RMAP_F_UNWRITTEN | RMAP_F_ATTR | RMAP_F_BMBT));
}

static struct rrec rec_of(uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset, uint32_t flags)
{
	return (struct rrec){ .start = bno, .len = len, .owner = owner, .off = offset, .flags = flags };
}

/* xfs_rmap_insert, xfs_rmap_delete: by exact key */
static int rinsert(struct rcur *c, const struct rrec *r)
{
	int stat, err;

	if ((err = xlog_rmap_lookup(c, true, r->start, r->owner, r->off, &stat)))
		return err;
	if (stat)
		return corrupt(c, "its record exists already", r->start, r->len);
	return xlog_rmap_insert_here(c, r);
}

static int rdelete(struct rcur *c, const struct rrec *r)
{
	int stat, err;

	if ((err = xlog_rmap_lookup(c, true, r->start, r->owner, r->off, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "no record to delete", r->start, r->len);
	return xlog_rmap_delete_here(c);
}

static int lookup_le_get(struct rcur *c, uint32_t bno, uint64_t owner, uint64_t off, struct rrec *r, int *stat)
{
	int err;

	if ((err = xlog_rmap_lookup(c, false, bno, owner, off, stat)) || !*stat)
		return err;
	return xlog_rmap_get(c, r, stat);
}

static int unmap(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset, uint32_t flags)
{
	bool ignore_off = RMAP_NON_INODE(owner) || (flags & RMAP_F_BMBT);
	struct rrec lt, rt;
	int stat, err;

	XFIN_COUNT(c->f, XFC_RMAP_UNMAP);
	if ((err = lookup_le_get(c, bno, owner, offset, &lt, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "no record at or before it", bno, len);
	if (owner == RMAP_OWN_UNKNOWN && (uint64_t)lt.start + lt.len <= bno) {
		if ((err = xlog_rmap_step(c, 1, &stat)))
			return err;
		if (!stat)
			return 0;
		if ((err = xlog_rmap_get(c, &rt, &stat)))
			return err;
		if (!stat)
			return corrupt(c, "no record after the cursor", bno, len);
		if (rt.start >= (uint64_t)bno + len)
			return 0;
	}
	if (lt.start > bno || (uint64_t)lt.start + lt.len < (uint64_t)bno + len)
		return corrupt(c, "no record covers it", bno, len);
	/* xfs_rmap_free_check_owner */
	if (owner != RMAP_OWN_UNKNOWN) {
		if ((flags & RMAP_F_UNWRITTEN) != (lt.flags & RMAP_F_UNWRITTEN) || owner != lt.owner)
			return corrupt(c, "its record has another owner or state", bno, len);
		if (!RMAP_NON_INODE(owner) &&
		    ((flags & RMAP_F_BMBT) ? !(lt.flags & RMAP_F_BMBT)
					   : lt.off > offset || offset + len > lt.off + lt.len))
			return corrupt(c, "its record has another file offset", bno, len);
	}
	if (lt.start == bno && lt.len == len)
		return xlog_rmap_delete_here(c);
	if (lt.start == bno) {
		lt.start += len;
		lt.len -= len;
		if (!ignore_off)
			lt.off += len;
		return xlog_rmap_update(c, &lt);
	}
	if ((uint64_t)lt.start + lt.len == (uint64_t)bno + len) {
		lt.len -= len;
		return xlog_rmap_update(c, &lt);
	}
	{
		uint32_t orig = lt.len;
		struct rrec nr;
		lt.len = bno - lt.start;
		if ((err = xlog_rmap_update(c, &lt)) || (err = xlog_rmap_step(c, 1, &stat)))
			return err;
		nr.start = bno + len;
		nr.len = orig - len - lt.len;
		nr.owner = lt.owner;
		nr.off = ignore_off ? 0 : offset + len;
		nr.flags = flags;
		return xlog_rmap_insert_here(c, &nr);
	}
}

static int map(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset, uint32_t flags)
{
	bool ignore_off = RMAP_NON_INODE(owner) || (flags & RMAP_F_BMBT);
	struct rrec lt, gt, nr;
	int have_lt, have_gt, err;

	XFIN_COUNT(c->f, XFC_RMAP_MAP);
	if ((err = lookup_le_get(c, bno, owner, offset, &lt, &have_lt)))
		return err;
	if (have_lt && !mergeable(&lt, owner, flags))
		have_lt = 0;
	if (have_lt && (uint64_t)lt.start + lt.len > bno)
		return corrupt(c, "its left neighbour overlaps it", bno, len);
	if ((err = xlog_rmap_step(c, 1, &have_gt)))
		return err;
	if (have_gt) {
		if ((err = xlog_rmap_get(c, &gt, &have_gt)))
			return err;
		if (!have_gt)
			return corrupt(c, "no record after the cursor", bno, len);
		if ((uint64_t)bno + len > gt.start)
			return corrupt(c, "its right neighbour overlaps it", bno, len);
		if (!mergeable(&gt, owner, flags))
			have_gt = 0;
	}
	if (have_lt && (uint64_t)lt.start + lt.len == bno && (ignore_off || lt.off + lt.len == offset)) {
		lt.len += len;
		if (have_gt && (uint64_t)bno + len == gt.start && (ignore_off || offset + len == gt.off) &&
		    (uint64_t)lt.len + len + gt.len <= RMAP_LEN_MAX) {
			lt.len += gt.len;
			if ((err = xlog_rmap_delete_here(c)))
				return err;
		}
		if ((err = xlog_rmap_step(c, -1, &have_gt)))
			return err;
		return xlog_rmap_update(c, &lt);
	}
	if (have_gt && (uint64_t)bno + len == gt.start && (ignore_off || offset + len == gt.off)) {
		gt.start = bno;
		gt.len += len;
		if (!ignore_off)
			gt.off = offset;
		return xlog_rmap_update(c, &gt);
	}
	nr = rec_of(bno, len, owner, offset, flags);
	return xlog_rmap_insert_here(c, &nr);
}

struct nb { uint64_t owner, off; bool left; };

/* xfs_rmap_find_left_neighbor_helper (left) and xfs_rmap_lookup_le_range_helper */
static bool nb_match(const struct rrec *r, const void *arg)
{
	const struct nb *q = arg;

	if (r->owner != q->owner)
		return false;
	if (RMAP_NON_INODE(r->owner) || (r->flags & RMAP_F_BMBT))
		return true;
	if (q->left)
		return r->off + r->len - 1 == q->off;
	return r->off <= q->off && r->off + r->len > q->off;
}

/* An exact lookup at or below (bno, owner, offset) first, then the range query of qbno. */
static int neighbour(struct rcur *c, uint32_t bno, uint32_t qbno, uint64_t owner, uint64_t offset,
		     const struct nb *q, struct rrec *r, int *stat)
{
	int err;

	if ((err = lookup_le_get(c, bno, owner, offset, r, stat)))
		return err;
	if (*stat && nb_match(r, q))
		return 0;
	return xlog_rmap_query_point(c, qbno, owner, q->off, nb_match, q, r, stat);
}

static int map_shared(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset, uint32_t flags)
{
	struct rrec lt, gt, nr;
	int have_lt = 0, have_gt, stat, err;

	XFIN_COUNT(c->f, XFC_RMAP_MAP_SHARED);
	/* xfs_rmap_find_left_neighbor */
	if (bno > 0 && !(!RMAP_NON_INODE(owner) && !(flags & RMAP_F_BMBT) && offset == 0)) {
		struct nb q = { owner, RMAP_NON_INODE(owner) || (flags & RMAP_F_BMBT) ? 0 : offset - 1, true };
		if ((err = neighbour(c, bno, bno - 1, owner, offset, &q, &lt, &have_lt)))
			return err;
	}
	if (have_lt && !mergeable(&lt, owner, flags))
		have_lt = 0;
	if ((err = xlog_rmap_lookup(c, true, bno + len, owner, offset + len, &have_gt)))
		return err;
	if (have_gt) {
		if ((err = xlog_rmap_get(c, &gt, &have_gt)))
			return err;
		if (!have_gt)
			return corrupt(c, "no record at the cursor", bno, len);
		if (!mergeable(&gt, owner, flags))
			have_gt = 0;
	}
	if (have_lt && (uint64_t)lt.start + lt.len == bno && lt.off + lt.len == offset) {
		lt.len += len;
		if (have_gt && (uint64_t)bno + len == gt.start && offset + len == gt.off) {
			lt.len += gt.len;
			if ((err = rdelete(c, &gt)))
				return err;
		}
		if ((err = xlog_rmap_lookup(c, true, lt.start, lt.owner, lt.off, &stat)))
			return err;
		if (!stat)
			return corrupt(c, "its left neighbour is gone", bno, len);
		return xlog_rmap_update(c, &lt);
	}
	if (have_gt && (uint64_t)bno + len == gt.start && offset + len == gt.off) {
		if ((err = rdelete(c, &gt)))
			return err;
		gt.start = bno;
		gt.len += len;
		gt.off = offset;
		return rinsert(c, &gt);
	}
	nr = rec_of(bno, len, owner, offset, flags);
	return rinsert(c, &nr);
}

static int unmap_shared(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset,
			uint32_t flags)
{
	struct nb q = { owner, RMAP_NON_INODE(owner) || (flags & RMAP_F_BMBT) ? 0 : offset, false };
	struct rrec lt, nr;
	int stat, err;

	XFIN_COUNT(c->f, XFC_RMAP_UNMAP_SHARED);
	if ((err = neighbour(c, bno, bno, owner, offset, &q, &lt, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "no record of its owner holds it", bno, len);
	if (lt.start > bno || (uint64_t)lt.start + lt.len < (uint64_t)bno + len || owner != lt.owner ||
	    (flags & RMAP_F_UNWRITTEN) != (lt.flags & RMAP_F_UNWRITTEN) || lt.off > offset ||
	    offset > lt.off + lt.len)
		return corrupt(c, "its record does not cover it as it should", bno, len);
	if (lt.start == bno && lt.len == len)
		return rdelete(c, &lt);
	if (lt.start == bno) {
		if ((err = rdelete(c, &lt)))
			return err;
		lt.start += len;
		lt.len -= len;
		lt.off += len;
		return rinsert(c, &lt);
	}
	if ((err = xlog_rmap_lookup(c, true, lt.start, lt.owner, lt.off, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "its record is gone", bno, len);
	if ((uint64_t)lt.start + lt.len == (uint64_t)bno + len) {
		lt.len -= len;
		return xlog_rmap_update(c, &lt);
	}
	nr = lt;
	lt.len = bno - lt.start;
	if ((err = xlog_rmap_update(c, &lt)))
		return err;
	nr.start = bno + len;
	nr.len = nr.len - len - lt.len;
	nr.off = offset + len;
	return rinsert(c, &nr);
}

/* xfs_rmap_convert's state bits */
#define LF 1u /* RMAP_LEFT_FILLING: the range starts its record */
#define RF 2u /* RMAP_RIGHT_FILLING: it ends it */
#define LC 4u /* RMAP_LEFT_CONTIG: the left neighbour continues it in the new state */
#define RC 8u /* RMAP_RIGHT_CONTIG */

/* The record that holds the range in the old state, as the convert's lookup found it (stat),
 * and whether the range starts it (LF) and ends it (RF), into *st. */
static int prev_found(struct rcur *c, int stat, const struct rrec *p, uint32_t bno, uint32_t len, uint64_t owner,
		      uint64_t offset, uint32_t oldext, uint32_t *st)
{
	if (!stat)
		return corrupt(c, "no record of its owner holds it", bno, len);
	*st = (p->off == offset ? LF : 0) | (p->off + p->len == offset + len ? RF : 0);
	if (p->owner != owner || (p->flags & (RMAP_F_UNWRITTEN | RMAP_F_ATTR | RMAP_F_BMBT)) != oldext ||
	    p->off > offset || p->off + p->len < offset + len || p->start > bno ||
	    bno - p->start != offset - p->off)
		return corrupt(c, "its record does not hold it in the old state", bno, len);
	return 0;
}

/* The record p without its first len blocks. */
static struct rrec conv_rest(const struct rrec *p, uint32_t len)
{
	return (struct rrec){ .start = p->start + len, .len = p->len - len, .owner = p->owner, .off = p->off + len,
			      .flags = p->flags };
}

/* The cursor on the record whose key is r's (xfs_rmap_lookup_eq that must find it). */
static int seek(struct rcur *c, const struct rrec *r)
{
	int stat, err;

	if ((err = xlog_rmap_lookup(c, true, r->start, r->owner, r->off, &stat)))
		return err;
	return stat ? 0 : corrupt(c, "a record it changes is gone", r->start, r->len);
}

/* xfs_rmap_convert's "check that left + prev + right is not too long" and its impossible cases */
static int conv_state(struct rcur *c, uint32_t st, const struct rrec *l, const struct rrec *r, uint32_t bno,
		      uint32_t len, uint32_t *out)
{
	if (st == (LF | LC | RF | RC) && (uint64_t)l->len + len + r->len > RMAP_LEN_MAX)
		st &= ~RC;
	if ((st & LC && !(st & LF)) || (st & RC && !(st & RF)))
		return corrupt(c, "a neighbour continues a record it only splits", bno, len);
	*out = st;
	return 0;
}

/*
 * xfs_rmap_convert: [bno, bno + len) at offset of owner's data fork from oldext (RMAP_F_UNWRITTEN
 * or 0) to the other state. Its record, found at or below the key, is changed in place,
 * trimmed, split in two or three, or merged into the neighbours beside it in the btree (the
 * records before and after it) that continue it in the new state.
 */
static int convert(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset, uint32_t oldext)
{
	uint32_t newext = oldext ^ RMAP_F_UNWRITTEN, st = 0;
	uint64_t endoff = offset + len;
	struct rrec l = { 0 }, r = { 0 }, p, nr;
	int stat, err;

	XFIN_COUNT(c->f, XFC_RMAP_CONVERT);
	if ((err = lookup_le_get(c, bno, owner, offset, &p, &stat)) ||
	    (err = prev_found(c, stat, &p, bno, len, owner, offset, oldext, &st)))
		return err;
	if ((err = xlog_rmap_step(c, -1, &stat)))
		return err;
	if (stat) {
		if ((err = xlog_rmap_get(c, &l, &stat)))
			return err;
		if (!stat || (uint64_t)l.start + l.len > bno)
			return corrupt(c, "its left neighbour overlaps it", bno, len);
		if ((uint64_t)l.start + l.len == bno && l.off + l.len == offset && mergeable(&l, owner, newext))
			st |= LC;
	}
	if ((err = xlog_rmap_step(c, 1, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "its record is gone", bno, len);
	if ((err = xlog_rmap_step(c, 1, &stat)))
		return err;
	if (stat) {
		if ((err = xlog_rmap_get(c, &r, &stat)))
			return err;
		if (!stat || (uint64_t)bno + len > r.start)
			return corrupt(c, "its right neighbour overlaps it", bno, len);
		if ((uint64_t)bno + len == r.start && endoff == r.off && mergeable(&r, owner, newext))
			st |= RC;
	}
	if ((err = conv_state(c, st, &l, &r, bno, len, &st)))
		return err;
	/* the cursor back on the record */
	if ((err = xlog_rmap_lookup(c, false, bno, owner, offset, &stat)))
		return err;
	if (!stat)
		return corrupt(c, "its record is gone", bno, len);
	switch (st) {
	case LF | LC | RF | RC: /* all of it: the left neighbour takes it and the right one */
		if ((err = xlog_rmap_step(c, 1, &stat)) || (err = xlog_rmap_delete_here(c)) ||
		    (err = xlog_rmap_step(c, -1, &stat)) || (err = xlog_rmap_delete_here(c)) ||
		    (err = xlog_rmap_step(c, -1, &stat)))
			return err;
		l.len += p.len + r.len;
		return xlog_rmap_update(c, &l);
	case LF | LC | RF:
		if ((err = xlog_rmap_delete_here(c)) || (err = xlog_rmap_step(c, -1, &stat)))
			return err;
		l.len += p.len;
		return xlog_rmap_update(c, &l);
	case LF | RF | RC:
		if ((err = xlog_rmap_step(c, 1, &stat)) || (err = xlog_rmap_delete_here(c)) ||
		    (err = xlog_rmap_step(c, -1, &stat)))
			return err;
		p.len = len + r.len;
		p.flags = newext;
		return xlog_rmap_update(c, &p);
	case LF | RF:
		p.flags = newext;
		return xlog_rmap_update(c, &p);
	case LF | LC: /* its start joins the left neighbour */
		nr = conv_rest(&p, len);
		if ((err = xlog_rmap_update(c, &nr)) || (err = xlog_rmap_step(c, -1, &stat)))
			return err;
		l.len += len;
		return xlog_rmap_update(c, &l);
	case LF:
		nr = conv_rest(&p, len);
		if ((err = xlog_rmap_update(c, &nr)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return xlog_rmap_insert_here(c, &nr);
	case RF | RC: /* its end joins the right neighbour */
		p.len -= len;
		if ((err = xlog_rmap_update(c, &p)) || (err = xlog_rmap_step(c, 1, &stat)))
			return err;
		r.off = offset, r.start = bno, r.len += len;
		return xlog_rmap_update(c, &r);
	case RF:
		p.len -= len;
		if ((err = xlog_rmap_update(c, &p)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return rinsert(c, &nr);
	default: /* the middle: one record becomes three */
		nr = conv_rest(&p, (uint32_t)(endoff - p.off));
		if ((err = xlog_rmap_update(c, &nr)))
			return err;
		p.len = (uint32_t)(offset - p.off);
		if ((err = xlog_rmap_insert_here(c, &p)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return rinsert(c, &nr);
	}
}

/*
 * xfs_rmap_convert_shared: the same where records of other owners may overlap (reflink). Its
 * record is found by owner and offset (xfs_rmap_lookup_le_range), the left neighbour as
 * map_shared finds it and the right one by exact key; every key change is a delete and an
 * insert.
 */
static int convert_shared(struct rcur *c, uint32_t bno, uint32_t len, uint64_t owner, uint64_t offset,
			  uint32_t oldext)
{
	uint32_t newext = oldext ^ RMAP_F_UNWRITTEN, st = 0;
	uint64_t endoff = offset + len;
	struct nb q = { owner, offset, false };
	struct rrec l = { 0 }, r = { 0 }, p, nr;
	int stat, err;

	XFIN_COUNT(c->f, XFC_RMAP_CONVERT_SHARED);
	if ((err = neighbour(c, bno, bno, owner, offset, &q, &p, &stat)) ||
	    (err = prev_found(c, stat, &p, bno, len, owner, offset, oldext, &st)))
		return err;
	/* xfs_rmap_find_left_neighbor */
	if (bno > 0 && offset > 0) {
		q = (struct nb){ owner, offset - 1, true };
		if ((err = neighbour(c, bno, bno - 1, owner, offset, &q, &l, &stat)))
			return err;
		if (stat && (uint64_t)l.start + l.len > bno)
			return corrupt(c, "its left neighbour overlaps it", bno, len);
		if (stat && mergeable(&l, owner, newext)) {
			if ((uint64_t)l.start + l.len != bno)
				return corrupt(c, "its left neighbour in the file is not next to it", bno, len);
			st |= LC;
		}
	}
	if ((err = xlog_rmap_lookup(c, true, bno + len, owner, endoff, &stat)))
		return err;
	if (stat) {
		if ((err = xlog_rmap_get(c, &r, &stat)))
			return err;
		if (!stat)
			return corrupt(c, "no record at the cursor", bno, len);
		if (mergeable(&r, owner, newext))
			st |= RC;
	}
	if ((err = conv_state(c, st, &l, &r, bno, len, &st)))
		return err;
	switch (st) {
	case LF | LC | RF | RC:
		if ((err = rdelete(c, &r)) || (err = rdelete(c, &p)) || (err = seek(c, &l)))
			return err;
		l.len += p.len + r.len;
		return xlog_rmap_update(c, &l);
	case LF | LC | RF:
		if ((err = rdelete(c, &p)) || (err = seek(c, &l)))
			return err;
		l.len += p.len;
		return xlog_rmap_update(c, &l);
	case LF | RF | RC:
		if ((err = rdelete(c, &r)) || (err = seek(c, &p)))
			return err;
		p.len += r.len;
		p.flags = r.flags;
		return xlog_rmap_update(c, &p);
	case LF | RF:
		if ((err = seek(c, &p)))
			return err;
		p.flags = newext;
		return xlog_rmap_update(c, &p);
	case LF | LC:
		nr = conv_rest(&p, len);
		if ((err = rdelete(c, &p)) || (err = rinsert(c, &nr)) || (err = seek(c, &l)))
			return err;
		l.len += len;
		return xlog_rmap_update(c, &l);
	case LF:
		nr = conv_rest(&p, len);
		if ((err = rdelete(c, &p)) || (err = rinsert(c, &nr)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return rinsert(c, &nr);
	case RF | RC:
		if ((err = seek(c, &p)))
			return err;
		p.len = (uint32_t)(offset - p.off);
		if ((err = xlog_rmap_update(c, &p)) || (err = rdelete(c, &r)))
			return err;
		r.off = offset, r.start = bno, r.len += len;
		return rinsert(c, &r);
	case RF:
		if ((err = seek(c, &p)))
			return err;
		p.len -= len;
		if ((err = xlog_rmap_update(c, &p)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return rinsert(c, &nr);
	default:
		nr = conv_rest(&p, (uint32_t)(endoff - p.off));
		if ((err = rinsert(c, &nr)) || (err = seek(c, &p)))
			return err;
		p.len = (uint32_t)(offset - p.off);
		if ((err = xlog_rmap_update(c, &p)))
			return err;
		nr = rec_of(bno, len, owner, offset, newext);
		return rinsert(c, &nr);
	}
}

int xlog_fin_rmap_free(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
		       uint32_t flags)
{
	struct rcur c;
	int err;

	if (owner == RMAP_OWN_NULL)
		return 0;
	if ((err = xlog_rmap_cur(f, ag, &c)))
		return err;
	return unmap(&c, bno, len, owner, off, flags);
}

int xlog_fin_rmap_alloc_flags(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint32_t flags)
{
	struct rcur c;
	int err;

	if ((err = xlog_rmap_cur(f, ag, &c)))
		return err;
	return map(&c, bno, len, owner, 0, flags);
}

int xlog_fin_rmap_alloc(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner)
{
	return xlog_fin_rmap_alloc_flags(f, ag, bno, len, owner, 0);
}

int xlog_fin_rmap(struct fin *f, int type, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
		  uint32_t flags)
{
	xfs_fs *fs = f->log->fs;
	struct blk *agf;
	struct rcur c;
	int err;

	/* inside one AG past its headers, as xfs_rui_validate_map's xfs_verify_fsbext holds an
	 * RUI's extents (no rmap update of the finish's own is of the headers) */
	if (ag >= fs->sb.agcount || !xfs_verify_agbext(fs, ag, bno, len))
		return xlog_fin_refuse(f, "rmap of AG %u extent %u+%u out of the AG", ag, bno, len);
	if (!RMAP_NON_INODE(owner) && owner == 0)
		return xlog_fin_refuse(f, "rmap of %u+%u for owner 0", bno, len);
	if ((err = xlog_fin_fix_freelist(f, ag, &agf)) || (err = xlog_rmap_cur(f, ag, &c)))
		return err;
	switch (type) {
	case RMAP_ALLOC:
	case RMAP_MAP:
		return map(&c, bno, len, owner, off, flags);
	case RMAP_MAP_SHARED:
		return map_shared(&c, bno, len, owner, off, flags);
	case RMAP_FREE:
	case RMAP_UNMAP:
		return unmap(&c, bno, len, owner, off, flags);
	case RMAP_UNMAP_SHARED:
		return unmap_shared(&c, bno, len, owner, off, flags);
	case RMAP_CONVERT:
	case RMAP_CONVERT_SHARED:
		/* xfs_rmap_finish_one: the update names the new state; data fork extents only */
		if (RMAP_NON_INODE(owner) || (flags & (RMAP_F_ATTR | RMAP_F_BMBT)))
			return xlog_fin_refuse(f, "converting the rmap of %u+%u, not a data fork extent", bno, len);
		return (type == RMAP_CONVERT ? convert : convert_shared)(&c, bno, len, owner, off,
								       (flags & RMAP_F_UNWRITTEN) ^ RMAP_F_UNWRITTEN);
	default:
		return xlog_fin_refuse(f, "rmap update type %d unknown", type);
	}
}

/*
 * The intents of a truncate's round on an rmapbt filesystem: its unmap's transaction
 * queues each extent's rmap unmap and free (xfs_bmap_del_extent_real), a deferred op each
 * as the types alternate, and logs their intents when it rolls (xfs_defer_create_intents);
 * the transactions after finish them one by one, each logging its done item. An intent
 * and its done item committed to the same checkpoint are both left out of it (6.1's
 * xlog_cil_process_intents: the done item dropped, the intent a whiteout, as
 * xlog_item_in_current_chkpt finds it there). A force between them writes the intent in
 * the forced checkpoint and the done item in a later one (kernel row
 * g2x-1k-rmap-nrext64-fragfree: the second extent's RUI and its EFI, with the joined bmbt
 * leaf, queued behind the first extent's free whose AGFL shrink forced: 108 bytes there,
 * the EFD first in the next checkpoint; xw-2k-rmap-fragfree: a 1-extent EFI so, and on
 * another run of that row, whose finish forces once and frees all 16 inodes, every block
 * the finish writes agrees with the kernel's only with these bytes: without, 51 differ,
 * stamped with a checkpoint LSN short of the kernel's). The AGFL
 * frees' EFIs and EFDs are logged both (xfs_agfl_free_finish_item marks no
 * XFS_TRANS_HAS_INTENT_DONE: force.c's). A free intent stays at the queue's head while
 * its frees run (ifree_fork.c's xlog_fin_free_queued): a force there writes it alone, with
 * the intents behind it, its done item in the next checkpoint (xr8-1k-rmap-holdmix); so
 * does an RUI while its update runs (g8x-2k-rmap-reflink-lb64k-holdmixmany), and a CUI
 * while its refcount decreases run (a reflink round's, holdshare rows); the work an
 * intent's finishing queues (a decrease's frees, a relogged CUI) goes to the queue's head.
 */
static int dfp_new(struct fin *f, enum fin_dfp_kind kind, uint32_t n, bool head)
{
	struct fin_dfp *d;

	if (f->ndfp == FIN_DFP_MAX)
		return xlog_fin_refuse(f, "more than %u intents pending in a chain of deferred work", FIN_DFP_MAX);
	if (head)
		memmove(f->dfp + 1, f->dfp, f->ndfp * sizeof *f->dfp);
	d = &f->dfp[head ? 0 : f->ndfp];
	f->ndfp++;
	d->ibytes = FIN_OPHDR + FIN_INTENT_FMT +
		    n * (kind == DFP_RUI ? FIN_RUI_EXT : kind == DFP_CUI ? FIN_CUI_EXT : FIN_EFX_EXT);
	/* an EFD lists its extents, an RUD or a CUD only the intent's id */
	d->dbytes = FIN_OPHDR + (kind == DFP_EFI ? FIN_INTENT_FMT + n * FIN_EFX_EXT : FIN_DONE_FMT);
	d->tx = f->tx;
	d->alone = d->here = false;
	d->c = 0;
	return 0;
}

int xlog_fin_dfp_queue(struct fin *f, enum fin_dfp_kind kind, uint32_t n)
{
	return dfp_new(f, kind, n, false);
}

int xlog_fin_dfp_queue_head(struct fin *f, enum fin_dfp_kind kind, uint32_t n)
{
	return dfp_new(f, kind, n, true);
}

void xlog_fin_dfp_done(struct fin *f)
{
	if (!f->ndfp)
		return;
	/* the done item of an intent a checkpoint held alone is logged */
	if (f->dfp[0].alone)
		xlog_fin_tx_done(f, f->dfp[0].dbytes);
	memmove(f->dfp, f->dfp + 1, --f->ndfp * sizeof *f->dfp);
}

uint64_t xlog_fin_dfp_alone(struct fin *f)
{
	uint64_t bytes = 0;

	/* logged by a committed transaction (the running one's go to the next checkpoint) */
	for (uint32_t i = 0; i < f->ndfp; i++)
		if (!f->dfp[i].alone && f->dfp[i].tx != f->tx) {
			bytes += f->dfp[i].ibytes;
			f->dfp[i].alone = f->dfp[i].here = true;
		}
	return bytes;
}
