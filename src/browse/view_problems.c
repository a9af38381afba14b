/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The problems view: fsck run from the browser (f here, F anywhere) on the
 * filesystem as shown, its findings listed; Enter jumps to the inode or the
 * block a finding names.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

#define MAX_PROBLEMS 100000

struct prob {
	const char *id;
	enum fsimg_severity sev;
	struct fsimg_problem_ctx ctx; /* detail dropped: valid only in the callback */
	char msg[200];
};

struct problems {
	bool ran;
	struct fsimg_check_summary sum;
	int err;
	struct prob *p;
	size_t n, cap;
	uint64_t dropped;
	struct list list;
};

static int pv_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct problems));
	return *state ? 0 : -1;
}

static void pv_clear(struct problems *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
	v->dropped = 0;
	v->ran = false;
	memset(&v->list, 0, sizeof(v->list));
}

static void pv_free(void *state)
{
	if (state)
		pv_clear(state);
	free(state);
}

static void pv_reset(struct app *a, void *state)
{
	(void)a;
	pv_clear(state);
}

static void report(void *ctx, const struct fsimg_problem *p)
{
	struct problems *v = ctx;
	struct prob *q;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct prob *np;

		if (cap > MAX_PROBLEMS || !(np = realloc(v->p, cap * sizeof(*np)))) {
			v->dropped++;
			return;
		}
		v->p = np;
		v->cap = cap;
	}
	q = &v->p[v->n++];
	q->id = p->def->id;
	q->sev = p->def->severity;
	q->ctx = p->ctx;
	q->ctx.detail = NULL;
	snprintf(q->msg, sizeof(q->msg), "%s", p->message ? p->message : "");
}

static void run_fsck(struct app *a, struct problems *v)
{
	struct fsimg_check_opts opts;

	pv_clear(v);
	memset(&opts, 0, sizeof(opts));
	opts.report = report;
	opts.report_ctx = v;
	opts.threads = 1;
	if (a->replayed && a->img.replay && a->fs == a->img.fs)
		opts.raw_journal = fsimg_recovery_journal(a->img.replay);
	else if (a->replayed && a->other_replay)
		opts.raw_journal = fsimg_recovery_journal(a->other_replay);
	app_message(a, false, "running fsck...");
	app_redraw(a);
	v->err = fsimg_check_run(&v->sum, a->fs, &opts);
	v->ran = true;
	list_set(&v->list, v->n);
	if (v->err < 0)
		app_message(a, true, "fsck stopped: %s", fsimg_strerror(v->err));
	else
		app_message(a, false, "fsck: %llu errors, %llu warnings, %llu notes",
			    (unsigned long long)v->sum.errors, (unsigned long long)v->sum.warnings,
			    (unsigned long long)v->sum.infos);
}

bool problems_has_inode(struct app *a, fsimg_ino_t ino)
{
	struct problems *v = app_state(a, V_PROBLEMS);
	size_t i;

	if (!v || !v->ran)
		return false;
	for (i = 0; i < v->n && i < 10000; i++)
		if ((v->p[i].ctx.has & FSIMG_PF_INODE) && v->p[i].ctx.inode == ino &&
		    v->p[i].sev != FSIMG_SEV_INFO)
			return true;
	return false;
}

static void pv_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct problems *v = st;
	const struct prob *p = &v->p[i];
	int base = cur ? A_REVERSE : 0;

	put_fmt(y, 1, w - 1, base | (p->sev == FSIMG_SEV_ERROR ? app_attr(a, C_ERROR) :
				     p->sev == FSIMG_SEV_WARNING ? app_attr(a, C_MARK) : 0),
		"%-7s %-24s %s", fsimg_severity_name(p->sev), p->id, p->msg);
}

static void pv_draw(struct app *a, void *state, int y, int h, int w)
{
	struct problems *v = state;

	if (!v->ran) {
		put_fmt(y + 1, 1, w - 1, A_NORMAL, "fsck has not been run on this view: press f to run it");
		put_fmt(y + 2, 1, w - 1, A_DIM, "(read-only; it checks the %s)",
			a->replayed ? "filesystem after journal replay" : "filesystem as it is on disk");
		return;
	}
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE),
		"fsck (%s): %llu errors, %llu warnings, %llu notes%s   Enter go to, f run again",
		a->replayed ? "replayed" : "on disk", (unsigned long long)v->sum.errors,
		(unsigned long long)v->sum.warnings, (unsigned long long)v->sum.infos,
		v->err < 0 ? " (stopped early)" : "");
	if (!v->n) {
		put_fmt(y + 2, 1, w - 1, A_NORMAL, "no problems found");
		return;
	}
	list_draw(a, &v->list, y + 1, h - 2, w, pv_row, v);
	/* the rows are cut at the screen's width: the whole message of the current one */
	clear_line(y + h - 1, 0, w, A_NORMAL);
	put_text(y + h - 1, 1, w - 1, v->p[v->list.cur].msg, strlen(v->p[v->list.cur].msg),
		 app_attr(a, C_MARK));
}

static bool pv_key(struct app *a, void *state, int ch)
{
	struct problems *v = state;
	const struct prob *p;

	if (ch == 'f') {
		run_fsck(a, v);
		return true;
	}
	if (ch != '\n' || !v->ran || !v->n)
		return false;
	p = &v->p[v->list.cur];
	if (p->ctx.has & FSIMG_PF_INODE) {
		char path[1024] = "";

		path_of(a, p->ctx.inode, path, sizeof(path));
		app_select_inode(a, p->ctx.inode, path);
		app_show(a, V_INODE);
	} else if (p->ctx.has & FSIMG_PF_BLOCK) {
		app_select_block(a, p->ctx.block, 0);
		app_show(a, V_HEX);
	} else if (p->ctx.has & FSIMG_PF_GROUP) {
		struct list *gl = a->views[V_GROUPS]->list(app_state(a, V_GROUPS));
		gl->cur = p->ctx.group;
		app_show(a, V_GROUPS);
	} else {
		app_message(a, false, "this finding names no inode, block or group");
	}
	return true;
}

static struct list *pv_list(void *state)
{
	return &((struct problems *)state)->list;
}

static bool pv_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	struct problems *v = state;

	(void)a;
	if (i >= v->n)
		return false;
	snprintf(buf, len, "%s %s", v->p[i].id, v->p[i].msg);
	return true;
}

const struct view view_problems = {
	.name = "Problems",
	.init = pv_init,
	.free = pv_free,
	.reset = pv_reset,
	.draw = pv_draw,
	.key = pv_key,
	.list = pv_list,
	.row_text = pv_row_text,
};
