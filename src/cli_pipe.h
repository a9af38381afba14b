/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pipe of record batches from the thread that makes records to one that
 * writes them (cli_pipe.c): a whole-filesystem dump walks the image on one
 * CPU and formats its output on the other. Batches are of a fixed size and
 * few, so memory stays bounded whatever the image; a record that does not
 * fit in one is the caller's to handle (cli_pipe_reserve returns NULL).
 */
#ifndef FSIMG_CLI_PIPE_H
#define FSIMG_CLI_PIPE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define CLI_PIPE_BATCH (1u << 17)   /* bytes per batch */
#define CLI_PIPE_BATCHES 4

/* Called on the writer thread with each batch of records, in order. */
typedef void (*cli_pipe_fn)(void *ctx, const char *batch, size_t len);

struct cli_pipe {
	cli_pipe_fn consume;
	void *ctx;
	bool threaded;           /* false: nothing started, the caller writes itself */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv_full;  /* a batch was handed over, or stop */
	pthread_cond_t cv_free;  /* a batch was written */
	char *buf[CLI_PIPE_BATCHES];
	size_t len[CLI_PIPE_BATCHES];
	unsigned prod, cons;     /* the batch being filled, the next one to write */
	unsigned count;          /* batches handed over and not yet written */
	size_t fill;             /* bytes in buf[prod] */
	bool stop;
	atomic_bool failed;      /* stdout had an error (set by the writer) */
};

/*
 * Starts the writer thread when it can help: more than one CPU to run on.
 * On false (one CPU, no memory, no thread) nothing runs and the caller
 * writes its records itself; the pipe needs no cli_pipe_stop then.
 */
bool cli_pipe_start(struct cli_pipe *p, cli_pipe_fn consume, void *ctx);
/* Room for a record of n bytes (8-byte aligned), or NULL when n exceeds a batch. */
void *cli_pipe_reserve(struct cli_pipe *p, size_t n);
/* The n bytes at the last reserve are a record. */
static inline void cli_pipe_commit(struct cli_pipe *p, size_t n)
{
	p->fill += (n + 7) & ~(size_t)7;
}
/* Waits until every record handed so far is written (before an error line, say). */
void cli_pipe_drain(struct cli_pipe *p);
/* Did writing fail? (ferror(stdout) seen by the writer thread) */
static inline bool cli_pipe_failed(struct cli_pipe *p)
{
	return atomic_load_explicit(&p->failed, memory_order_relaxed);
}
/* Writes what is left, joins the thread, frees the batches. */
void cli_pipe_stop(struct cli_pipe *p);

#endif
