/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The finish's path counters (trace.h): their names, and the AG btrees'
 * edits counted by the tree they were made on.
 */
#include "config.h"

#include <string.h>

#include "xlog/trace.h"

#define XFC_NAME(e, n) n,
static const char *const names[XFC_NR] = { XFC_LIST(XFC_NAME) };
#undef XFC_NAME

enum xfc xlog_trace_agbt(const char *btname, enum xfc_op op)
{
	/* the agbt_ops names, in XFC_LIST's order of the AG btrees */
	static const char *const trees[] = { "bnobt", "cntbt", "rmapbt", "refcountbt", "inobt", "finobt" };

	_Static_assert(XFC_FINOBT_SPLIT == XFC_BNOBT_SPLIT + 5 * XFC_NOPS, "the AG btrees' counters in order");
	for (size_t i = 0; i < sizeof trees / sizeof *trees; i++)
		if (!strcmp(btname, trees[i]))
			return (enum xfc)(XFC_BNOBT_SPLIT + i * XFC_NOPS + op);
	return XFC_NR;
}

const char *xlog_trace_name(enum xfc c)
{
	return (unsigned)c < XFC_NR ? names[c] : NULL;
}

const char *xlog_trace_taken(const struct xfin_trace *t, size_t i, uint64_t *n)
{
	for (size_t c = 0; c < XFC_NR; c++) {
		if (!t->n[c] || i--)
			continue;
		*n = t->n[c];
		return names[c];
	}
	return NULL;
}
