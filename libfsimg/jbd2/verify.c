/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scan's deferred data-block checksums (csum v2/v3), checked after the
 * walk, split over threads when the journal's io allows it.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/io.h"
#include "jbd2/jbd2.h"
#include "jbd2/scan.h"

/*
 * Deferred data-block checksums (csum v2/v3). The scan only records what
 * each tag's block must match; the blocks are read and checked afterwards,
 * split over threads when the journal's io has a pread op (safe from
 * several threads; the read cache is not). The result is the eager scan's: the
 * checksums decide nothing in PASS_SCAN, and a data block that cannot be
 * read (which ends the scan there) sends the whole scan round again, eager,
 * so that it ends where the kernel's would.
 */
#define VERIFY_THREADS_MAX 4
#define VERIFY_BYTES_PER_THREAD (8u << 20) /* below this a thread costs more than it saves */

struct verify_job {
	struct fsimg_journal *j;
	size_t lo, hi;               /* tags [lo, hi) */
	bool direct;                 /* through fsimg_io_pread; else fsimg_io_read, one job only */
	uint8_t *buf;
	bool failed;                 /* a block unmapped or unreadable */
	pthread_t th;
	bool started;
};

static void *verify_run(void *arg)
{
	struct verify_job *v = arg;
	struct fsimg_journal *j = v->j;
	for (size_t i = v->lo; i < v->hi;) {
		uint64_t pblk;
		size_t k = jbd2_tag_run(j, i, v->hi, &pblk);
		int err;

		if (k == 0) {
			v->failed = true;
			return NULL;
		}
		if (v->direct)
			err = fsimg_io_pread(j->io, v->buf, k * j->bs, pblk * j->bs);
		else
			err = fsimg_io_read(j->io, v->buf, k * j->bs, pblk * j->bs);
		if (err < 0) {
			v->failed = true;
			return NULL;
		}
		for (size_t m = 0; m < k; m++)
			j->tags[i + m].csum = jbd2_tag_csum(j, i + m, v->buf + m * j->bs);
		i += k;
	}
	return NULL;
}

static unsigned verify_threads(const struct fsimg_journal *j, bool direct)
{
	uint64_t bytes = (uint64_t)j->ntags * j->bs;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t n = bytes / VERIFY_BYTES_PER_THREAD;

	if (!direct || cpus <= 1 || n <= 1)
		return 1;
	if (n > (uint64_t)cpus)
		n = (uint64_t)cpus;
	return n > VERIFY_THREADS_MAX ? VERIFY_THREADS_MAX : (unsigned)n;
}

int jbd2_verify_deferred(struct fsimg_journal *j)
{
	struct verify_job jobs[VERIFY_THREADS_MAX];
	bool direct = fsimg_io_pread(j->io, NULL, 0, 0) == 0;
	unsigned n = verify_threads(j, direct), i;
	int err = 0;

	if (!j->ntags)
		return 0;
	if (!j->dbuf)
		j->dbuf = io_batch_alloc(j->bs);
	if (!j->dbuf)
		return FSIMG_ENOMEM;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < n; i++) {
		jobs[i].j = j;
		jobs[i].direct = direct;
		jobs[i].lo = j->ntags * i / n;
		jobs[i].hi = j->ntags * (i + 1) / n;
		jobs[i].buf = i ? io_batch_alloc(j->bs) : j->dbuf;
		if (!jobs[i].buf) {
			err = FSIMG_ENOMEM;
			break;
		}
	}
	if (err == 0) {
		/* The caller's thread takes the first share, and any a thread could not start for. */
		for (i = 1; i < n; i++)
			jobs[i].started = pthread_create(&jobs[i].th, NULL, verify_run, &jobs[i]) == 0;
		verify_run(&jobs[0]);
		for (i = 1; i < n; i++) {
			if (jobs[i].started)
				pthread_join(jobs[i].th, NULL);
			else
				verify_run(&jobs[i]);
		}
		for (i = 0; i < n; i++)
			if (jobs[i].failed)
				err = FSIMG_EIO;
	}
	for (i = 1; i < n; i++)
		free(jobs[i].buf);
	if (err < 0)
		return err;
	for (size_t t = 0; t < j->ntrans; t++) {
		struct jbd2_trans *tr = &j->trans[t];
		size_t end = t + 1 < j->ntrans ? j->trans[t + 1].first_tag : j->ntags;

		for (size_t k = tr->first_tag; k < end; k++)
			if (j->tags[k].csum == FSIMG_CSUM_BAD)
				tr->t.bad_data_csums++;
	}
	return 0;
}
