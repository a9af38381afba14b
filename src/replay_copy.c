/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay -o's copy of the source into OUT, one routine for every
 * filesystem: the data segments of a bare image (SEEK_DATA / SEEK_HOLE) by
 * copy_file_range, read and write in page-aligned 1 MiB batches where it
 * cannot; a container's or a partition's bytes read through the source,
 * zero runs left as holes.
 *
 * The copy does not depend on the plan, so when OUT is a new regular file
 * it starts before the plan is made (replay_copy_start), in a thread, into
 * an unnamed file in OUT's directory (O_TMPFILE): the copy is disk and
 * page-cache work, the plan CPU work, and replay -o takes about as long as
 * the copy alone. Only once the planned blocks are written over it is the
 * file given OUT's name (linkat); a refusal, an error or a kill before that
 * leaves nothing behind, as when nothing was written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "core/io.h"
#include "wimg.h"

/* copy_file_range at most this much at once, so that a stop is heard soon. */
#define CFR_CHUNK (64u << 20)

struct copy_job {
	int sfd, ofd;
	uint64_t size;
	uint8_t *buf;          /* IO_BATCH_BYTES, page-aligned */
	bool cfr;              /* copy_file_range still worth trying */
	atomic_bool stop;
};

struct replay_early {
	struct copy_job job;
	pthread_t thread;
	int err;               /* the thread's result */
	char proc[64];         /* /proc/self/fd/N of the unnamed file */
};

/* A plain copy of [off, off + len) from sfd to ofd, for when copy_file_range cannot. */
static int copy_plain(struct copy_job *j, uint64_t off, uint64_t len)
{
	while (len > 0) {
		size_t n = len < IO_BATCH_BYTES ? (size_t)len : IO_BATCH_BYTES;
		int err = atomic_load(&j->stop) ? -ECANCELED : io_pread_full(j->sfd, j->buf, n, off);

		if (err == 0)
			err = wimg_pwrite_full(j->ofd, j->buf, n, off);
		if (err < 0)
			return err;
		off += n;
		len -= n;
	}
	return 0;
}

/* [off, off + len) of sfd into ofd at the same offset: in the kernel when it can. */
static int copy_range(struct copy_job *j, uint64_t off, uint64_t len)
{
	while (len > 0 && j->cfr) {
		loff_t in = (loff_t)off, out = (loff_t)off;
		ssize_t n;

		if (atomic_load(&j->stop))
			return -ECANCELED;
		n = copy_file_range(j->sfd, &in, j->ofd, &out, len < CFR_CHUNK ? (size_t)len : CFR_CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EXDEV, ENOSYS, EINVAL, EOPNOTSUPP...: read and write instead. */
			j->cfr = false;
			break;
		}
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return len ? copy_plain(j, off, len) : 0;
}

/*
 * The source's bytes into OUT: its data segments only (SEEK_DATA /
 * SEEK_HOLE) when OUT is a regular file, so holes stay holes; all of it
 * into a device.
 */
static int copy_source(struct copy_job *j, bool sparse)
{
	uint64_t off = 0;
	int err;

	if (!sparse)
		return copy_range(j, 0, j->size);
	while (off < j->size) {
		off_t d = lseek(j->sfd, (off_t)off, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			return 0; /* a hole to the end */
		if (d < 0) /* no SEEK_DATA here: copy the rest as data */
			return copy_range(j, off, j->size - off);
		if ((uint64_t)d >= j->size)
			return 0;
		h = lseek(j->sfd, d, SEEK_HOLE);
		if (h < 0 || (uint64_t)h > j->size)
			h = (off_t)j->size;
		err = copy_range(j, (uint64_t)d, (uint64_t)(h - d));
		if (err < 0)
			return err;
		off = (uint64_t)h;
	}
	return 0;
}

/*
 * A container's or a partition's bytes into OUT, read through the source
 * (there is no file to copy): runs of zeros are left as holes in a regular
 * OUT, written into a device.
 */
static int copy_io(struct rp *r, int ofd, bool sparse, uint8_t *buf)
{
	size_t chunk = io_batch_blocks(r->bs) * r->bs;

	for (uint64_t off = 0; off < r->size; off += chunk) {
		size_t n = r->size - off < chunk ? (size_t)(r->size - off) : chunk;
		int err = fsimg_io_read(r->img.io, buf, n, off);

		if (err < 0)
			return -EIO;
		if (sparse && buf[0] == 0 && !memcmp(buf, buf + 1, n - 1))
			continue;
		err = wimg_pwrite_blocks(ofd, buf, n / r->bs, r->bs, off);
		if (err == 0 && n % r->bs)
			err = wimg_pwrite_block(ofd, buf + n - n % r->bs, n % r->bs, off + n - n % r->bs);
		if (err < 0)
			return err;
	}
	return 0;
}

int replay_copy(struct rp *r, int sfd, int ofd, bool sparse, uint8_t *buf)
{
	struct copy_job j = { .sfd = sfd, .ofd = ofd, .size = r->size, .buf = buf, .cfr = true };

	atomic_init(&j.stop, false);
	return r->img.bare ? copy_source(&j, sparse) : copy_io(r, ofd, sparse, buf);
}

/* ---------------------------------------------------- the early copy */

static void *early_main(void *arg)
{
	struct replay_early *e = arg;

	e->err = copy_source(&e->job, true);
	return NULL;
}

static void early_free(struct replay_early *e)
{
	if (e->job.sfd >= 0)
		close(e->job.sfd);
	if (e->job.ofd >= 0)
		close(e->job.ofd);
	free(e->job.buf);
	free(e);
}

void replay_copy_start(struct rp *r, const char *out)
{
	struct replay_early *e;
	struct stat st;
	char dir[PATH_MAX];
	const char *slash = strrchr(out, '/');

	r->early = NULL;
	/* a bare image into a new file only; anything else is copied after the plan */
	if (!r->img.bare || !out[0] || lstat(out, &st) == 0 || errno != ENOENT)
		return;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if ((size_t)(slash - out) >= sizeof dir)
		return;
	else
		snprintf(dir, sizeof dir, "%.*s", slash == out ? 1 : (int)(slash - out), out);
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->job.sfd = e->job.ofd = -1;
	e->job.size = r->size;
	e->job.cfr = true;
	atomic_init(&e->job.stop, false);
	e->job.buf = io_batch_alloc(r->bs);
	e->job.sfd = open(r->img.path, O_RDONLY | O_CLOEXEC);
	e->job.ofd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	snprintf(e->proc, sizeof e->proc, "/proc/self/fd/%d", e->job.ofd);
	/* linkat through /proc names it at the end: without /proc, no early copy */
	if (!e->job.buf || e->job.sfd < 0 || e->job.ofd < 0 || access(e->proc, F_OK) != 0 ||
	    pthread_create(&e->thread, NULL, early_main, e) != 0) {
		early_free(e);
		return;
	}
	r->early = e;
}

/* Waits for the copy (stopped first when stop): its result, 0 or -errno. */
static int early_join(struct replay_early *e, bool stop)
{
	if (stop)
		atomic_store(&e->job.stop, true);
	pthread_join(e->thread, NULL);
	return e->err;
}

void replay_copy_abort(struct rp *r)
{
	if (!r->early)
		return;
	early_join(r->early, true);
	early_free(r->early);
	r->early = NULL;
}

int replay_copy_finish(struct rp *r, const char *out, int (*write_blocks)(struct rp *, int, const char *, uint8_t *))
{
	struct replay_early *e = r->early;
	int err = early_join(e, false), status = CLI_EXIT_ERROR;

	if (err < 0) {
		cli_error(&r->img, "copying to %s: %s", out, cli_strerror(-err));
		goto out;
	}
	if (ftruncate(e->job.ofd, (off_t)r->size) < 0) {
		cli_error(&r->img, "%s: %s", out, cli_strerror(errno));
		goto out;
	}
	status = write_blocks(r, e->job.ofd, out, e->job.buf);
	if (status != CLI_EXIT_OK)
		goto out;
	/* complete: it gets its name, unless OUT appeared meanwhile (no -f was given) */
	if (linkat(AT_FDCWD, e->proc, AT_FDCWD, out, AT_SYMLINK_FOLLOW) < 0) {
		if (errno == EEXIST)
			cli_error(&r->img, "%s exists; use -f to overwrite it", out);
		else
			cli_error(&r->img, "%s: %s", out, cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
out:
	if (close(e->job.ofd) < 0 && status == CLI_EXIT_OK) {
		cli_error(&r->img, "%s: %s", out, cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	e->job.ofd = -1;
	early_free(e);
	r->early = NULL;
	return status;
}
