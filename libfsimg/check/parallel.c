/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Units of a pass over several threads, with the output of one thread.
 *
 * Each worker checks whole units (pass 2: block groups) on its own copy of
 * the context: its own filesystem handle (the same image and descriptors,
 * its own error message, its reads serialised, since an I/O stack such as
 * the journal overlay keeps scratch state), its own counts, and a sink that
 * keeps the unit's reports. Finished units are committed strictly in unit
 * order: their reports go to the caller's callback then, exactly as one
 * thread would have made them. A worker never runs more than WINDOW units
 * ahead of the oldest unfinished one, so kept reports stay bounded by what
 * a few units can produce.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "core/array.h"
#include "core/io.h"
#include "ext4/ext4.h" /* struct fsimg_fs, the handle every backend shares; its ext4 spares */

#define WINDOW 32u
#define THREADS_MAX 8u

/* One kept report; its detail text lives in the sink's string buffer. */
struct sink_rec {
	enum problem_id id;
	struct fsimg_problem_ctx p;
	size_t detail_off;           /* SIZE_MAX: no detail */
};

struct check_sink {
	struct sink_rec *rec;
	size_t n, cap;
	char *str;
	size_t slen, scap;
	bool oom;
};

void check_sink_add(struct check_sink *s, enum problem_id id, const struct fsimg_problem_ctx *pctx)
{
	struct sink_rec *r;

	if (s->oom || !array_grow((void **)&s->rec, &s->cap, s->n + 1, sizeof(*s->rec))) {
		s->oom = true;
		return;
	}
	r = &s->rec[s->n];
	r->id = id;
	r->p = *pctx;
	r->detail_off = SIZE_MAX;
	if ((pctx->has & FSIMG_PF_DETAIL) && pctx->detail) {
		size_t len = strlen(pctx->detail) + 1;

		if (!array_grow((void **)&s->str, &s->scap, s->slen + len, 1)) {
			s->oom = true;
			return;
		}
		memcpy(s->str + s->slen, pctx->detail, len);
		r->detail_off = s->slen;
		s->slen += len;
	}
	r->p.detail = NULL;
	s->n++;
}

static void sink_flush(struct check_ctx *c, struct check_sink *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct fsimg_problem_ctx p = s->rec[i].p;

		if (s->rec[i].detail_off != SIZE_MAX)
			p.detail = s->str + s->rec[i].detail_off;
		check_report(c, s->rec[i].id, &p);
	}
	free(s->rec);
	free(s->str);
	memset(s, 0, sizeof(*s));
}

struct par {
	struct check_ctx *c;
	const struct check_par_ops *ops;
	void *arg;
	uint64_t nunits, next_unit, next_commit;
	struct check_sink sinks[WINDOW];
	bool ready[WINDOW];
	bool oom;
	pthread_mutex_t mu;          /* units, sinks, commits, the caller's callbacks */
	pthread_cond_t cv;
	pthread_mutex_t io_mu;       /* every read of every worker */
	pthread_mutex_t notice_mu;
};

struct worker {
	struct par *par;
	struct check_ctx tc;
	struct fsimg_fs fs;
	void *tls;
	pthread_t th;
	bool started;
};

/* ------------------------------------------------- serialised reading */

/*
 * Reads of at least this many bytes (inode table chunks) go to the source's
 * thread-safe pread in parallel, when it has one (fsimg_io_pread), past
 * the read cache. Copying them out of the page cache is the largest single
 * cost of pass 2.
 */
#define DIRECT_MIN (64u * 1024u)

struct lockio {
	fsimg_io *inner;
	pthread_mutex_t *mu;
	bool direct;                 /* false: everything under the lock */
};

static int lockio_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct lockio *l = priv;
	int err;

	if (l->direct && len >= DIRECT_MIN)
		return fsimg_io_pread(l->inner, buf, len, off);
	pthread_mutex_lock(l->mu);
	err = fsimg_io_read(l->inner, buf, len, off);
	pthread_mutex_unlock(l->mu);
	return err;
}

static uint64_t lockio_size(void *priv)
{
	return fsimg_io_size(((struct lockio *)priv)->inner);
}

static int lockio_fd(void *priv)
{
	(void)priv;
	return -1;
}

static void lockio_close(void *priv)
{
	free(priv); /* the inner source is the caller's */
}

static int lockio_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	return fsimg_io_pread(((struct lockio *)priv)->inner, buf, len, off);
}

static const struct fsimg_io_ops lockio_ops = { lockio_read, lockio_size, lockio_fd, lockio_close,
						lockio_pread };

static void par_notice(void *ctx, int err, const char *msg)
{
	struct worker *w = ctx;
	struct fsimg_fs *fs = w->par->c->fs;

	pthread_mutex_lock(&w->par->notice_mu);
	if (fs->notice)
		fs->notice(fs->notice_ctx, err, msg);
	pthread_mutex_unlock(&w->par->notice_mu);
}

/* A worker's handle: the caller's, with its own reads, message and counters. */
static int worker_open(struct worker *w)
{
	struct par *par = w->par;
	struct lockio *l = malloc(sizeof(*l));
	fsimg_io *io = NULL;

	if (!l)
		return FSIMG_ENOMEM;
	l->inner = par->c->fs->io;
	l->mu = &par->io_mu;
	l->direct = fsimg_io_pread(l->inner, NULL, 0, 0) == 0;
	if (fsimg_io_open_ops(&io, &lockio_ops, l) < 0) {
		free(l);
		return FSIMG_ENOMEM;
	}
	w->fs = *par->c->fs;
	w->fs.io = io;
	w->fs.errmsg[0] = '\0';
	w->fs.csum_errors = 0;
	w->fs.map_spare = NULL;
	w->fs.ext_spare = NULL;
	w->fs.notice = par->c->fs->notice ? par_notice : NULL;
	w->fs.notice_ctx = w;
	w->tc = *par->c;
	w->tc.fs = &w->fs;
	memset(&w->tc.sum, 0, sizeof(w->tc.sum));
	w->tc.nr_multi = 0;
	return 0;
}

/* Adds what a worker counted to the caller's context and drops its handle. */
static void worker_close(struct worker *w)
{
	struct check_ctx *c = w->par->c;

	c->sum.inodes_checked += w->tc.sum.inodes_checked;
	c->sum.blocks_checked += w->tc.sum.blocks_checked;
	c->sum.prealloc_blocks += w->tc.sum.prealloc_blocks;
	c->sum.prealloc_inodes += w->tc.sum.prealloc_inodes;
	c->sum.unwritten_nonzero_blocks += w->tc.sum.unwritten_nonzero_blocks;
	c->nr_multi += w->tc.nr_multi;
	c->fs->csum_errors += w->fs.csum_errors;
	free(w->fs.map_spare);
	ext4_ext_walk_free(w->fs.ext_spare);
	fsimg_io_close(w->fs.io);
}

static void *worker_run(void *vw)
{
	struct worker *w = vw;
	struct par *par = w->par;

	for (;;) {
		struct check_sink sink;
		uint64_t u;

		pthread_mutex_lock(&par->mu);
		while (par->next_unit < par->nunits && par->next_unit >= par->next_commit + WINDOW)
			pthread_cond_wait(&par->cv, &par->mu);
		if (par->next_unit >= par->nunits) {
			pthread_mutex_unlock(&par->mu);
			return NULL;
		}
		u = par->next_unit++;
		pthread_mutex_unlock(&par->mu);

		memset(&sink, 0, sizeof(sink));
		w->tc.sink = &sink;
		par->ops->unit(&w->tc, w->tls, u, par->arg);
		w->tc.sink = NULL;

		pthread_mutex_lock(&par->mu);
		par->sinks[u % WINDOW] = sink;
		par->ready[u % WINDOW] = true;
		while (par->next_commit < par->nunits && par->ready[par->next_commit % WINDOW]) {
			struct check_sink *s = &par->sinks[par->next_commit % WINDOW];

			if (s->oom)
				par->oom = true;
			sink_flush(par->c, s);
			par->ready[par->next_commit % WINDOW] = false;
			if (par->ops->done)
				par->ops->done(par->c, par->next_commit, par->arg);
			par->next_commit++;
		}
		pthread_cond_broadcast(&par->cv);
		pthread_mutex_unlock(&par->mu);
	}
}

static unsigned thread_count(const struct check_ctx *c, uint64_t nunits)
{
	long n = c->opts.threads;

	if (n <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
	}
	if ((unsigned long)n > THREADS_MAX)
		n = THREADS_MAX;
	if ((uint64_t)n > nunits)
		n = nunits ? (long)nunits : 1;
	return (unsigned)n;
}

int check_parallel(struct check_ctx *c, uint64_t nunits, const struct check_par_ops *ops, void *arg)
{
	struct worker ws[THREADS_MAX];
	struct par par;
	unsigned n = thread_count(c, nunits), i, opened = 0;
	int err = 0;

	if (n == 1) {
		/* One thread: the caller's own context, nothing kept. */
		void *tls = calloc(1, ops->tls_size);

		if (!tls || ops->init(c, tls, arg) < 0) {
			free(tls);
			return FSIMG_ENOMEM;
		}
		for (uint64_t u = 0; u < nunits; u++) {
			ops->unit(c, tls, u, arg);
			if (ops->done)
				ops->done(c, u, arg);
		}
		ops->fini(c, tls, arg);
		free(tls);
		return 0;
	}

	memset(&par, 0, sizeof(par));
	memset(ws, 0, sizeof(ws));
	par.c = c;
	par.ops = ops;
	par.arg = arg;
	par.nunits = nunits;
	pthread_mutex_init(&par.mu, NULL);
	pthread_cond_init(&par.cv, NULL);
	pthread_mutex_init(&par.io_mu, NULL);
	pthread_mutex_init(&par.notice_mu, NULL);
	for (i = 0; i < n && err == 0; i++) {
		ws[i].par = &par;
		ws[i].tls = calloc(1, ops->tls_size);
		if (!ws[i].tls || worker_open(&ws[i]) < 0) {
			free(ws[i].tls);
			err = FSIMG_ENOMEM;
			break;
		}
		opened++;
		if (ops->init(&ws[i].tc, ws[i].tls, arg) < 0) {
			err = FSIMG_ENOMEM;
			break;
		}
	}
	if (err == 0) {
		/* The caller's thread is worker 0; one that cannot start leaves its share to the rest. */
		for (i = 1; i < n; i++)
			ws[i].started = pthread_create(&ws[i].th, NULL, worker_run, &ws[i]) == 0;
		worker_run(&ws[0]);
		for (i = 1; i < n; i++)
			if (ws[i].started)
				pthread_join(ws[i].th, NULL);
	}
	for (i = 0; i < opened; i++) {
		ops->fini(&ws[i].tc, ws[i].tls, arg);
		worker_close(&ws[i]);
		free(ws[i].tls);
	}
	pthread_mutex_destroy(&par.mu);
	pthread_cond_destroy(&par.cv);
	pthread_mutex_destroy(&par.io_mu);
	pthread_mutex_destroy(&par.notice_mu);
	if (err == 0 && par.oom)
		err = FSIMG_ENOMEM;
	return err;
}
