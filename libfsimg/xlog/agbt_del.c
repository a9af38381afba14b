/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The generic AG btree editor's delete (agbt.h): xfs_btree_delete and
 * xfs_btree_delrec of Linux 6.1, level by level: the entry removed (the
 * slots past the new count keep their bytes), the parent keys following,
 * and a block left below half borrowing an entry from a sibling that can
 * spare one (right first) or joining one (left first), the emptied block
 * given back to the allocator, the root killed when it has one child.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xlog/agbt_int.h"

static int agbt_dec_cursor(struct agbt_cur *c, uint32_t level, int *stat)
{
	int i;

	*stat = 1;
	return level > 0 ? agbt_decrement(c, level, &i) : 0;
}


/* xfs_btree_kill_root: the root's one child becomes the root. */
static int kill_root(struct agbt_cur *c, struct blk *b, uint32_t level)
{
	uint32_t nroot = get_be32(agbt_ptr(c, b, 1));
	int err;

	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_KILL_ROOT));
	c->ops->set_root(c, nroot, -1);
	c->root = nroot;
	if ((err = agbt_free_block(c, b)))
		return err;
	c->bp[level] = NULL;
	c->nlevels--;
	return 0;
}

/* xfs_btree_delrec: the entry under the cursor at level removed; *stat 2 when the level
 * above has an entry to remove (a join). */
static int delrec(struct agbt_cur *c, uint32_t level, int *stat)
{
	struct blk *b = c->bp[level], *left = NULL, *right = NULL;
	uint32_t ptr = c->ptr[level], numrecs, minr = maxr(c, level) / 2, lrecs = 0, rrecs = 0;
	uint32_t lptr, rptr, cptr = AGBT_NULL;
	struct agbt_cur t;
	int i, err;

	*stat = 0;
	if (ptr == 0)
		return 0;
	numrecs = agbt_numrecs(b);
	if (ptr > numrecs)
		return 0;
	agbt_shift(c, b, level, ptr + 1, numrecs - ptr, -1);
	set_numrecs(b, --numrecs);
	log_blk(b);
	log_ents(c, b, level, ptr, numrecs);
	log_hdr(c, b);
	if (is_lastrec(c, b, level))
		c->ops->update_lastrec(c, b, NULL, ptr, AGBT_LASTREC_DELREC);
	if (level == c->nlevels - 1) {
		if (numrecs == 1 && level > 0) {
			if ((err = kill_root(c, b, level)))
				return err;
		} else if (level > 0 && (err = agbt_dec_cursor(c, level, &i))) {
			return err;
		}
		*stat = 1;
		return 0;
	}
	if (needs_key_update(c, ptr) && (err = agbt_update_keys(c, level)))
		return err;
	if (numrecs >= minr)
		return agbt_dec_cursor(c, level, stat);
	rptr = sib(b, true);
	lptr = sib(b, false);
	if (rptr == AGBT_NULL && lptr == AGBT_NULL)
		return agbt_corrupt(c, "has no siblings under a node", blk_agbno(c, b));
	t = *c;
	if (rptr != AGBT_NULL) {
		/* borrow the right sibling's first entry when it can spare one */
		t.ptr[level] = numrecs;
		if (numrecs == 0)
			return agbt_corrupt(c, "would be left empty", blk_agbno(c, b));
		if ((err = agbt_increment(&t, level, &i)))
			return err;
		if (i != 1 || t.bp[level] == b || blk_agbno(c, t.bp[level]) != rptr)
			return agbt_corrupt(c, "has a right sibling its parents lack", blk_agbno(c, b));
		right = t.bp[level];
		t.ptr[level] = agbt_numrecs(right);
		cptr = sib(right, false);
		if (agbt_numrecs(right) - 1 >= minr) {
			if ((err = agbt_lshift(&t, level, &i)))
				return err;
			if (i)
				return agbt_dec_cursor(c, level, stat);
		}
		rrecs = agbt_numrecs(right);
		if (lptr != AGBT_NULL) {
			t.ptr[level] = 1;
			if ((err = agbt_decrement(&t, level, &i)))
				return err;
		}
	}
	if (lptr != AGBT_NULL) {
		/* borrow the left sibling's last entry when it can spare one */
		t.ptr[level] = 1;
		if ((err = agbt_decrement(&t, level, &i)))
			return err;
		if (i != 1 || blk_agbno(c, t.bp[level]) != lptr)
			return agbt_corrupt(c, "has a left sibling its parents lack", blk_agbno(c, b));
		left = t.bp[level];
		t.ptr[level] = 1;
		cptr = sib(left, true);
		if (agbt_numrecs(left) - 1 >= minr) {
			if ((err = agbt_rshift(&t, level, &i)))
				return err;
			if (i) {
				if (level == 0)
					c->ptr[0]++;
				*stat = 1;
				return 0;
			}
		}
		lrecs = agbt_numrecs(left);
	}
	if (cptr == AGBT_NULL)
		return agbt_corrupt(c, "has siblings that do not point back", blk_agbno(c, b));
	/* join: everything in "right" moves to the end of "left" and "right" is freed */
	if (lptr != AGBT_NULL && lrecs + numrecs <= maxr(c, level)) {
		rptr = cptr;
		right = b;
	} else if (rptr != AGBT_NULL && rrecs + numrecs <= maxr(c, level)) {
		lptr = cptr;
		left = b;
	} else {
		return agbt_dec_cursor(c, level, stat);
	}
	rrecs = agbt_numrecs(right);
	lrecs = agbt_numrecs(left);
	agbt_copy(c, left, lrecs + 1, right, 1, rrecs, level);
	set_numrecs(left, lrecs + rrecs);
	set_sib(left, true, sib(right, true));
	log_blk(left);
	log_ents(c, left, level, lrecs + 1, lrecs + rrecs);
	log_hdr(c, left);
	if (sib(left, true) != AGBT_NULL) {
		struct blk *rr;
		if ((err = agbt_read_block(c, sib(left, true), level, &rr)))
			return err;
		set_sib(rr, false, lptr);
		log_blk(rr);
		log_hdr(c, rr);
	}
	XFIN_COUNT(c->f, xlog_trace_agbt(c->ops->name, XFC_OP_JOIN));
	if ((err = agbt_free_block(c, right)))
		return err;
	if (b != left) {
		c->bp[level] = left;
		c->ptr[level] += lrecs;
	} else if (level + 1 < c->nlevels && (err = agbt_increment(c, level + 1, &i))) {
		return err;
	}
	if (level > 0)
		c->ptr[level]--;
	*stat = 2;
	return 0;
}

int agbt_delete(struct agbt_cur *c, int *stat)
{
	bool joined = false;
	uint32_t level;
	int i = 2, err;

	for (level = 0; i == 2; level++) {
		if (level >= c->nlevels)
			return xlog_fin_refuse(c->f, "AG %u: a %s delete past the top", c->ag, c->ops->name);
		if ((err = delrec(c, level, &i)))
			return err;
		if (i == 2)
			joined = true;
	}
	if (joined && c->ops->overlapping && (err = agbt_updkeys(c, 0, true)))
		return err;
	if (i == 0) {
		for (level = 1; level < c->nlevels; level++) {
			if (c->ptr[level] == 0) {
				if ((err = agbt_decrement(c, level, &i)))
					return err;
				break;
			}
		}
	}
	*stat = i;
	return 0;
}
