/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 2 beside pass 1, on a second thread, with one walk of the log. The
 * kernel's pass 2 needs pass 1's whole result (the cancelled buffers of the
 * whole log; whether dquots replay), so it cannot start before pass 1 ends.
 * But in most logs pass 1 finds nothing that changes pass 2: no cancel
 * records, no quota state other than the mount's. So pass 2 runs ahead, on
 * that guess: the walk (read, CRC, ops, items reassembled and decoded) does
 * pass 1 on each committed transaction and hands it to a worker thread that
 * applies it as pass 2 would with no cancels and the mount's quota state.
 * When pass 1 ends with any cancel record or another quota state, or the
 * worker failed, its work is dropped and pass 2 runs again the ordinary way
 * (plan.c): the plan is always the serial one, byte for byte.
 *
 * Sharing: the walking thread alone touches the log handle, the cancels and
 * the quota state; the worker alone the plan (overlay, counters, pending
 * list) and a copy of the log handle (its own error message), reading the
 * device with fsimg_io_pread (past the handle's cache). Transactions pass
 * through a queue under a mutex; at most PAR_QUEUE_MAX bytes wait in it.
 *
 * A small live log is not worth a thread, but the guess still saves a walk:
 * there pass 2 follows pass 1 on each transaction of one walk (one_walk), its
 * records read, summed, reassembled and decoded once instead of twice.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlog/dquot.h"
#include "xlog/plan_int.h"

#define PAR_QUEUE_MAX (4u << 20) /* log bytes (and decoded items) waiting for the worker: two of
				   * a large log's checkpoints; more only holds more fresh memory */
#define PAR_SPARES 4u /* decoded-item arrays the worker hands back for the next transactions */
/* A live log under this many sectors (2 MiB) is planned in a few milliseconds: no thread.
 * (A variable for tests/xfs/xlogdump, which compares both ways on small logs; never changed
 * while a plan is made.) */
uint32_t xlog_plan_par_min_bbs = 4096u;
bool xlog_plan_one_walk = true;

struct job {
	struct xlog_trans *t;
	struct xlog_item_info *info; /* t's items decoded */
	size_t capinfo;
	size_t bytes;
	struct job *next;
};

struct par {
	struct ctx *c;   /* pass 1's (the walking thread's) */
	struct ctx w;    /* the worker's: pass 2 with no cancels, the mount's quota state */
	xlog wlog;       /* the worker's copy of the log handle */
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct job *head, *tail;
	size_t queued;
	/* arrays of decoded items done with, for the walk to fill again: a full log's
	 * transactions decode megabytes each, fresh pages (faults, zeroing) every time else */
	struct xlog_item_info *spare[PAR_SPARES];
	size_t capspare[PAR_SPARES], nspare;
	bool closed;     /* the walk is over: no more jobs */
	bool failed;     /* the worker stopped on an error: its work is dropped */
};

static void job_free(struct job *j)
{
	xlog_trans_release(j->t);
	free(j->info);
	free(j);
}

static void *worker(void *vp)
{
	struct par *p = vp;

	for (;;) {
		struct job *j;
		bool skip;
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->closed)
			pthread_cond_wait(&p->more, &p->mu);
		j = p->head;
		if (j) {
			p->head = j->next;
			if (!p->head)
				p->tail = NULL;
			p->queued -= j->bytes;
			pthread_cond_signal(&p->room);
		}
		skip = p->failed;
		pthread_mutex_unlock(&p->mu);
		if (!j)
			return NULL;
		if (!skip && xlog_plan_apply(&p->w, j->t, j->info)) {
			pthread_mutex_lock(&p->mu);
			p->failed = true;
			pthread_cond_signal(&p->room);
			pthread_mutex_unlock(&p->mu);
		}
		xlog_trans_release(j->t);
		pthread_mutex_lock(&p->mu);
		if (p->nspare < PAR_SPARES) {
			p->spare[p->nspare] = j->info;
			p->capspare[p->nspare++] = j->capinfo;
			j->info = NULL;
		}
		pthread_mutex_unlock(&p->mu);
		free(j->info);
		free(j);
	}
}

/* An array for n decoded items: a spare one the worker handed back, else a new one. */
static struct xlog_item_info *info_get(struct par *p, size_t n, size_t *cap)
{
	struct xlog_item_info *info = NULL;

	if (!n)
		n = 1;
	pthread_mutex_lock(&p->mu);
	for (size_t k = 0; k < p->nspare; k++)
		if (p->capspare[k] >= n) {
			info = p->spare[k];
			*cap = p->capspare[k];
			p->spare[k] = p->spare[--p->nspare];
			p->capspare[k] = p->capspare[p->nspare];
			break;
		}
	pthread_mutex_unlock(&p->mu);
	/* a quarter more than asked: the next transactions, a little larger, fit it again */
	if (!info && (info = malloc((n + n / 4) * sizeof *info)))
		*cap = n + n / 4;
	return info;
}

static size_t trans_bytes(const struct xlog_trans *t)
{
	size_t n = sizeof *t + t->nitems * (sizeof(struct xlog_item) + sizeof(struct xlog_item_info));

	for (size_t i = 0; i < t->nitems; i++)
		for (uint32_t k = 0; k < t->items[i].cnt; k++)
			n += t->items[i].reg[k].len;
	return n;
}

/* Does the guess the pass 2 of context w was made on still hold after pass 1 (c) so far: no
 * cancel record, the quota state w started with, no quotaoff? */
static bool guess_holds(const struct ctx *c, const struct ctx *w)
{
	return !c->ncancel && c->quota == w->quota && !c->quotaoffs;
}

/* The walk's callback: pass 1 on t, then t to the worker (or freed when it has failed). */
static int take(void *vp, struct xlog_trans *t)
{
	struct par *p = vp;
	struct job *j = NULL;
	struct xlog_item_info *info = NULL;
	size_t capinfo = 0;
	int err = FSIMG_ENOMEM;

	if (!xlog_plan_info_fits(p->c->log, t->nitems)) {
		err = xlog_error(p->c->log, FSIMG_ENOMEM, "transaction of %zu items", t->nitems);
		goto fail;
	}
	if (!(info = info_get(p, t->nitems, &capinfo)) || !(j = malloc(sizeof *j)))
		goto fail;
	if ((err = xlog_plan_decode(p->c, t, info)) || (err = xlog_plan_pass1(p->c, t, info)))
		goto fail;
	/* the guess failed: the worker stops here (pass 2 runs again after the walk) */
	if (!guess_holds(p->c, &p->w)) {
		pthread_mutex_lock(&p->mu);
		p->failed = true;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->mu);
	}
	j->t = t;
	j->info = info;
	j->capinfo = capinfo;
	j->bytes = trans_bytes(t);
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	while (p->queued && p->queued + j->bytes > PAR_QUEUE_MAX && !p->failed)
		pthread_cond_wait(&p->room, &p->mu);
	if (p->failed) {
		pthread_mutex_unlock(&p->mu);
		job_free(j);
		return 0;
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued += j->bytes;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	return 0;
fail:
	free(j);
	free(info);
	xlog_trans_release(t);
	return err;
}

/* The plan back to empty, as before pass 2. */
static void plan_reset(struct xlog_plan *pl)
{
	xlog_ovl_free(&pl->ovl);
	xlog_ovl_init(&pl->ovl, pl->ovl.max_sec);
	free(pl->pending);
	pl->pending = NULL;
	pl->npending = pl->cappending = 0;
	pl->replayed = pl->skipped_lsn = pl->cancelled = 0;
	memset(&pl->stats, 0, sizeof pl->stats);
}

/* The guessing pass 2's context: c's plan and overlay, its own copy of the log handle
 * (its own error message), no cancels, the quota state pass 1 starts with. */
static void guess_init(struct ctx *w, xlog *wlog, const struct ctx *c)
{
	*wlog = *c->log;
	w->log = wlog;
	w->ovl = c->ovl;
	w->plan = c->plan;
	w->pass = 2;
	w->quota = c->quota;
}

/* The end of a walk that guessed pass 2: on an error the plan left empty; when the guess held
 * (held) both passes done; else the plan left empty for pass 2 (plan_int.h's codes). */
static int guess_end(struct ctx *c, int err, bool held, const struct xlog_walk_stats *st)
{
	if (err) {
		plan_reset(c->plan);
		return err;
	}
	if (!held) {
		plan_reset(c->plan);
		return XLOG_PAR_PASS1;
	}
	c->plan->stats = *st;
	return XLOG_PAR_DONE;
}

/* ------------------------------------------------------------ one walk, one thread */

struct one {
	struct ctx *c; /* pass 1's */
	struct ctx w;  /* pass 2 with no cancels and the mount's quota state, while that holds */
	xlog wlog;     /* pass 2's copy of the log handle, as the worker's */
	bool failed;   /* the guess failed, or pass 2 did: pass 2 runs again after the walk */
};

static int one_trans(void *vp, const struct xlog_trans *t)
{
	struct one *o = vp;
	struct ctx *c = o->c;
	int err;

	if ((err = xlog_plan_decode_all(c, t)) || (err = xlog_plan_pass1(c, t, c->info)))
		return err;
	if (!guess_holds(c, &o->w))
		o->failed = true;
	/* pass 2's own error is found again, and reported, by the pass that runs after */
	if (!o->failed && xlog_plan_apply(&o->w, t, c->info))
		o->failed = true;
	return 0;
}

static int one_walk(struct ctx *c)
{
	struct one *o = calloc(1, sizeof *o);
	struct xlog_walk_stats st;
	int err;

	if (!o)
		return XLOG_PAR_NONE;
	o->c = c;
	guess_init(&o->w, &o->wlog, c);
	memset(&st, 0, sizeof st);
	/* pass 2 reads past the handle's cache, as after two walks (plan.c) */
	c->ovl->pread = xlog_plan_dev_pread(c->log);
	err = xlog_walk(c->log, one_trans, o, &st);
	c->ovl->pread = false;
	err = guess_end(c, err, !o->failed, &st);
	free(o->w.stamped);
	free(o);
	return err;
}

/* ------------------------------------------------------------ two threads */

int xlog_plan_par(struct ctx *c)
{
	struct par *p;
	struct xlog_walk_stats st;
	pthread_t th;
	int err;
	const struct xlog_ends *e = &c->log->ends;
	uint32_t live = e->head_blk >= e->tail_blk ? e->head_blk - e->tail_blk
						   : c->log->geom.bbs - e->tail_blk + e->head_blk;

	/* a log worth it, a second CPU to run on, and a device that reads without the handle's
	 * cache */
	if (live < xlog_plan_par_min_bbs || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    !xlog_plan_dev_pread(c->log))
		return xlog_plan_one_walk ? one_walk(c) : XLOG_PAR_NONE;
	if (!(p = calloc(1, sizeof *p)))
		return XLOG_PAR_NONE;
	p->c = c;
	guess_init(&p->w, &p->wlog, c);
	c->ovl->pread = true;
	memset(&st, 0, sizeof st);
	if (pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		c->ovl->pread = false;
		return XLOG_PAR_NONE;
	}
	if (pthread_cond_init(&p->more, NULL)) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		c->ovl->pread = false;
		return XLOG_PAR_NONE;
	}
	if (pthread_cond_init(&p->room, NULL)) {
		pthread_cond_destroy(&p->more);
		pthread_mutex_destroy(&p->mu);
		free(p);
		c->ovl->pread = false;
		return XLOG_PAR_NONE;
	}
	if (pthread_create(&th, NULL, worker, p)) {
		err = XLOG_PAR_NONE;
		goto out;
	}
	err = xlog_walk_take(c->log, take, p, &st);
	pthread_mutex_lock(&p->mu);
	p->closed = true;
	if (err)
		p->failed = true; /* the worker drops what is left */
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	pthread_join(th, NULL);
	/* the worker's guess held: no cancels, the quota state it used, no error of its own */
	err = guess_end(c, err, !p->failed && guess_holds(c, &p->w), &st);
out:
	c->ovl->pread = false;
	while (p->nspare)
		free(p->spare[--p->nspare]);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->mu);
	free(p->w.stamped);
	free(p);
	return err;
}
