/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reference counts (reflink): the refcount btrees' shared records against
 * the files' data fork mappings, as xfs_repair's phase 4 (check_refcounts)
 * holds them. The mappings of each block are counted as the files claim it
 * (xc_claim); the runs of blocks mapped two or more times the same number of
 * times are the records the btree must hold. Each run is looked up as
 * xfs_refcount_lookup_le does (the record starting at or before it) and
 * must equal that record in start, length and count: a count the files do
 * not make, a record longer or shorter than the run, two records that
 * should be one, a missing record. A record no run looks up is not
 * reported (neither does xfs_repair), nor are the counts compared when a
 * refcount btree had a bad block or record (xfs_repair rebuilds them then).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xcheck.h"

bool xc_refc_add(struct xcheck *x, uint32_t agno, uint32_t start, uint32_t len, uint32_t nr)
{
	struct xc_refc_list *l;

	if (!x->refc || agno >= x->sb->agcount)
		return false;
	l = &x->refc[agno];
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct xc_refc *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct xc_refc){ start, len, nr };
	return true;
}

static int cmp_refc(const void *a, const void *b)
{
	uint32_t x = ((const struct xc_refc *)a)->start, y = ((const struct xc_refc *)b)->start;

	return x < y ? -1 : x > y;
}

/* The record starting at or before agbno (xfs_refcount_lookup_le), or NULL. */
static const struct xc_refc *lookup_le(const struct xc_refc_list *l, uint32_t agbno)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].start <= agbno)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &l->v[lo - 1] : NULL;
}

static void refc_report(struct check_ctx *c, uint32_t agno, uint32_t start, uint32_t len,
			const char *detail)
{
	struct fsimg_problem_ctx p = pctx_group(agno);

	PCTX_SET(p, block, FSIMG_PF_BLOCK, start);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(c, PR_XFS_REFCOUNT_MISMATCH, &p);
}

/* One run of blocks [start, start + len) mapped nr times (UINT8_MAX: that many or more). */
static void check_run(struct check_ctx *c, uint32_t agno, uint32_t start, uint32_t len, uint32_t nr)
{
	const struct xc_refc *r = lookup_le(&xc(c)->refc[agno], start);
	char what[160];

	if (!r) {
		snprintf(what, sizeof(what), "the files map it %u times, no record counts it", nr);
		refc_report(c, agno, start, len, what);
		return;
	}
	if (r->start == start && r->len == len && (r->nr == nr || (nr == UINT8_MAX && r->nr >= nr)))
		return;
	snprintf(what, sizeof(what), "the record at %u (%u blocks) counts %u; the files map %u blocks at %u %u times",
		 r->start, r->len, r->nr, len, start, nr);
	refc_report(c, agno, start, len, what);
}

void xc_refc_compare(struct check_ctx *c)
{
	struct xcheck *x = xc(c);

	if (!x->refc_seen || !x->refc || __atomic_load_n(&x->refc_suspect, __ATOMIC_RELAXED))
		return;
	for (uint32_t agno = 0; agno < x->sb->agcount; agno++) {
		struct xc_refc_list *l = &x->refc[agno];
		uint32_t aglen = xc_ag_blocks(x, agno);
		const uint8_t *seen = x->refc_seen + xc_linear(x, agno, 0);

		if (x->ag_skip && bit_test(x->ag_skip, agno))
			continue;
		if (l->n > 1)
			qsort(l->v, l->n, sizeof(*l->v), cmp_refc);
		for (uint32_t b = 0; b < aglen; b++) {
			uint32_t run = 1;

			if (seen[b] < 2)
				continue;
			while (b + run < aglen && seen[b + run] == seen[b])
				run++;
			check_run(c, agno, b, run, seen[b]);
			b += run - 1;
		}
	}
}
