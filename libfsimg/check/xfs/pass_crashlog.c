/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a crash left in the XFS log, for the report (issue 14's crash
 * diagnostics): intents (extent frees, rmap, refcount and bmap updates,
 * attribute operations, exchanges) logged without their done items, which
 * log recovery finishes at the next mount, and transactions open at the
 * head, never committed, which recovery drops. The log is walked as the
 * kernel's recovery pass does (libfsimg/xlog); a clean log says nothing.
 * Both are INFO: they are what recovery does, not damage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xcheck.h"
#include "check/xfs/xpass.h"
#include "xlog/xlog.h"

#define MAX_INTENTS 65536u

struct intent {
	uint64_t id;
	uint16_t type;
	uint32_t nextents;
	uint64_t first_block, lsn;
};

struct cl {
	xlog *log;
	struct intent *in;
	size_t n, cap;
	bool oom;
};

static int one_trans(void *arg, const struct xlog_trans *t)
{
	struct cl *cl = arg;

	for (size_t i = 0; i < t->nitems; i++) {
		struct xlog_item_info info;

		if (xlog_item_decode(&info, cl->log, &t->items[i]))
			continue;
		if (xlog_item_is_intent(info.type)) {
			struct xlog_ext e = { 0 };

			if (cl->n == cl->cap) {
				size_t ncap = cl->cap ? cl->cap * 2 : 16;
				struct intent *a;

				if (cl->n >= MAX_INTENTS || !(a = realloc(cl->in, ncap * sizeof(*a)))) {
					cl->oom = true;
					continue;
				}
				cl->in = a;
				cl->cap = ncap;
			}
			if (info.nextents)
				xlog_item_extent(&e, cl->log, &t->items[i], &info, 0);
			cl->in[cl->n++] = (struct intent){ info.id, info.type, info.nextents, e.startblock, t->lsn };
			continue;
		}
		/* a done item finishes the intent of its type with its id */
		for (size_t k = 0; k < cl->n; k++)
			if (cl->in[k].id == info.id && xlog_item_done_of(cl->in[k].type) == info.type) {
				cl->in[k] = cl->in[--cl->n];
				break;
			}
	}
	return 0;
}

int xc_pass_crashlog(struct check_ctx *c)
{
	struct xlog_walk_stats st;
	struct cl cl = { 0 };
	char why[160];

	memset(&st, 0, sizeof(st));
	/* an external log replayed with nothing left pending is as the kernel's mount leaves it */
	if (!xc(c)->sb->logstart && (c->opts.flags & FSIMG_CHECK_LOG_REPLAYED))
		return 0;
	/* an external log is read from the device given for recovery (-l/-j) */
	if (xc_log_open(&cl.log, c) || xlog_find_tail(cl.log) || cl.log->ends.clean ||
	    cl.log->ends.zeroed) {
		/* an unreadable log is the log pass's finding; a clean one has nothing to say */
		xlog_close(cl.log);
		return 0;
	}
	check_progress(c, 7, "log", 0, 1);
	xlog_walk(cl.log, one_trans, &cl, &st);
	for (size_t k = 0; k < cl.n; k++) {
		struct fsimg_problem_ctx p = pctx_none();

		snprintf(why, sizeof(why), "%s", xlog_item_type_name(cl.in[k].type));
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		PCTX_SET(p, found, FSIMG_PF_FOUND, cl.in[k].id);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, cl.in[k].nextents);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, cl.in[k].first_block);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, cl.in[k].lsn);
		check_report(c, PR_XFS_LOG_PENDING_INTENT, &p);
	}
	if (st.incomplete) {
		struct fsimg_problem_ctx p = pctx_none();

		PCTX_SET(p, found, FSIMG_PF_FOUND, st.incomplete);
		check_report(c, PR_XFS_LOG_UNCOMMITTED, &p);
	}
	free(cl.in);
	xlog_close(cl.log);
	return 0;
}
