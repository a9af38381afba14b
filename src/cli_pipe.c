/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli_pipe.h: a ring of CLI_PIPE_BATCHES batches. The maker fills
 * buf[prod]; handing it over counts it and moves prod on, and waits while
 * every batch is handed over and not yet written. The writer takes buf[cons]
 * when count > 0 and gives it back when written. The mutex orders each
 * batch's bytes before its use on the other side.
 */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_pipe.h"

static void *writer(void *arg)
{
	struct cli_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		unsigned i;

		while (p->count == 0 && !p->stop)
			pthread_cond_wait(&p->cv_full, &p->mu);
		if (p->count == 0)
			break;
		i = p->cons;
		pthread_mutex_unlock(&p->mu);
		p->consume(p->ctx, p->buf[i], p->len[i]);
		if (ferror(stdout))
			atomic_store_explicit(&p->failed, true, memory_order_relaxed);
		pthread_mutex_lock(&p->mu);
		p->cons = (p->cons + 1) % CLI_PIPE_BATCHES;
		p->count--;
		pthread_cond_signal(&p->cv_free);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void free_bufs(struct cli_pipe *p)
{
	for (unsigned i = 0; i < CLI_PIPE_BATCHES; i++) {
		free(p->buf[i]);
		p->buf[i] = NULL;
	}
}

bool cli_pipe_start(struct cli_pipe *p, cli_pipe_fn consume, void *ctx)
{
	cpu_set_t set;

	p->threaded = false;
	/* on one CPU the hand-over would only add to the work */
	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return false;
	p->consume = consume;
	p->ctx = ctx;
	p->prod = p->cons = p->count = 0;
	p->fill = 0;
	p->stop = false;
	atomic_init(&p->failed, false);
	for (unsigned i = 0; i < CLI_PIPE_BATCHES; i++) {
		/* 8-byte aligned records: malloc's alignment suffices */
		if (!(p->buf[i] = malloc(CLI_PIPE_BATCH))) {
			free_bufs(p);
			return false;
		}
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free_bufs(p);
		return false;
	}
	if (pthread_cond_init(&p->cv_full, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free_bufs(p);
		return false;
	}
	if (pthread_cond_init(&p->cv_free, NULL) != 0) {
		pthread_cond_destroy(&p->cv_full);
		pthread_mutex_destroy(&p->mu);
		free_bufs(p);
		return false;
	}
	if (pthread_create(&p->thr, NULL, writer, p) != 0) {
		pthread_cond_destroy(&p->cv_free);
		pthread_cond_destroy(&p->cv_full);
		pthread_mutex_destroy(&p->mu);
		free_bufs(p);
		return false;
	}
	p->threaded = true;
	return true;
}

/* Hands buf[prod] over (if it holds anything) and waits for a free batch. */
static void submit(struct cli_pipe *p)
{
	if (p->fill == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->len[p->prod] = p->fill;
	p->count++;
	pthread_cond_signal(&p->cv_full);
	p->prod = (p->prod + 1) % CLI_PIPE_BATCHES;
	p->fill = 0;
	while (p->count == CLI_PIPE_BATCHES)
		pthread_cond_wait(&p->cv_free, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void *cli_pipe_reserve(struct cli_pipe *p, size_t n)
{
	if (n > CLI_PIPE_BATCH)
		return NULL;
	if (n > CLI_PIPE_BATCH - p->fill)
		submit(p);
	return p->buf[p->prod] + p->fill;
}

void cli_pipe_drain(struct cli_pipe *p)
{
	if (!p->threaded)
		return;
	submit(p);
	pthread_mutex_lock(&p->mu);
	while (p->count > 0)
		pthread_cond_wait(&p->cv_free, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void cli_pipe_stop(struct cli_pipe *p)
{
	if (!p->threaded)
		return;
	submit(p);
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv_full);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thr, NULL);
	pthread_cond_destroy(&p->cv_free);
	pthread_cond_destroy(&p->cv_full);
	pthread_mutex_destroy(&p->mu);
	free_bufs(p);
	p->threaded = false;
}
