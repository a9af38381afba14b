/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inode chunks read ahead on a second thread, for walks over the whole tree
 * (xfs.h xfs_iahead_*). A tree walk meets the inode chunks of each AG in
 * the inobt's order, more or less: directories are spread over the AGs, and
 * a file's inode is allocated near its directory's, after those allocated
 * before it. So when the walk takes a chunk, the next few chunks of the
 * same AG in inobt order are read by the reader thread, their inodes'
 * CRCs computed there too, and handed over when the walk asks for them:
 * the kernel's copy of the chunk and the checksums run beside the walk.
 *
 * Only the bytes move between the threads, under the mutex: the reader
 * reads through fsimg_io_pread (safe from several threads, past any read
 * cache) into a slot's buffer and computes a CRC mask; the walk swaps the
 * buffer with its own. What was read ahead and never asked for is dropped.
 * A read that fails is the walk's to make again, with its own error.
 * Nothing here reports: the walk's results are the same with or without it.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "xfs/format.h"
#include "xfs/xfs.h"

#define IAHEAD_SLOTS 32            /* 1 MiB of chunks at 4 KiB blocks */
#define IAHEAD_DEPTH 6             /* chunks after the one taken, in its AG */
/* an idle reader is woken when this many chunks wait: a wake-up per chunk
 * cost the walk more in context switches than the reads it saved */
#define IAHEAD_WAKE 4
#define IAHEAD_AGMARKS 64          /* AGs whose read-ahead mark is kept (by agno % 64) */
#define IAHEAD_CHUNKS_MAX (1u << 20) /* memory bound on the chunk list (8 MiB) */

enum ia_state { IA_EMPTY, IA_QUEUED, IA_READING, IA_READY, IA_FAILED };

struct ia_slot {
	uint8_t *buf;               /* bufsize bytes, or NULL until needed */
	uint64_t first;             /* the chunk's first linear block */
	uint32_t run;               /* its blocks */
	enum ia_state state;
	uint64_t seq;               /* queued order: the reader takes the oldest */
	uint64_t crc_ok;            /* bit i: inode i of the chunk has a good CRC */
};

struct xfs_iahead {
	fsimg_io *io;
	/* copies of the geometry the reader needs (the handle is the walk's) */
	unsigned blocklog;
	uint32_t inode_size, inopblock;
	bool v5;
	size_t bufsize;
	uint64_t agblocks;
	uint64_t *chunks;           /* first linear block of every chunk, increasing */
	size_t nchunks;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t work;        /* a slot was queued, or stop */
	pthread_cond_t done;        /* a read ended */
	bool stop;
	bool idle;                  /* the reader waits for work */
	unsigned queued;            /* slots IA_QUEUED */
	uint64_t seq;
	struct ia_slot slot[IAHEAD_SLOTS];
	/* per AG (walk thread only): the chunk list index up to which chunks
	 * were queued, so that each is queued once, not looked for again */
	struct { uint64_t ag; size_t end; } mark[IAHEAD_AGMARKS];
};

/* The reader's side of one slot: the chunk read, its inodes' CRCs checked. */
static enum ia_state ia_read(struct xfs_iahead *ia, struct ia_slot *s)
{
	size_t len = (size_t)s->run << ia->blocklog;
	size_t n;

	if (!s->buf && !(s->buf = malloc(ia->bufsize)))
		return IA_FAILED;
	if (fsimg_io_pread(ia->io, s->buf, len, s->first << ia->blocklog) != 0)
		return IA_FAILED;
	s->crc_ok = 0;
	n = len / ia->inode_size;
	if (ia->v5)
		for (size_t i = 0; i < n && i < 64; i++)
			if (xfs_verify_cksum(s->buf + i * ia->inode_size, ia->inode_size,
					     offsetof(struct xfs_dinode, di_crc)))
				s->crc_ok |= 1ULL << i;
	return IA_READY;
}

static void *ia_thread(void *arg)
{
	struct xfs_iahead *ia = arg;

	pthread_mutex_lock(&ia->mu);
	for (;;) {
		struct ia_slot *s = NULL;
		enum ia_state st;

		for (unsigned i = 0; i < IAHEAD_SLOTS; i++)
			if (ia->slot[i].state == IA_QUEUED && (!s || ia->slot[i].seq < s->seq))
				s = &ia->slot[i];
		if (!s) {
			if (ia->stop)
				break;
			ia->idle = true;
			pthread_cond_wait(&ia->work, &ia->mu);
			ia->idle = false;
			continue;
		}
		s->state = IA_READING;
		ia->queued--;
		pthread_mutex_unlock(&ia->mu);
		st = ia_read(ia, s);
		pthread_mutex_lock(&ia->mu);
		s->state = st;
		pthread_cond_broadcast(&ia->done);
	}
	pthread_mutex_unlock(&ia->mu);
	return NULL;
}

/* The chunk list: one entry per chunk met by the inobt walk. */
struct ia_build {
	xfs_fs *fs;
	struct xfs_iahead *ia;
	size_t cap;
};

static int ia_add(void *ctx, uint64_t ino)
{
	struct ia_build *b = ctx;
	struct xfs_iahead *ia = b->ia;
	uint64_t first;
	uint32_t run;

	xfs_ichunk_span(b->fs, xfs_ino_to_linear(b->fs, ino), &first, &run);
	if (ia->nchunks && ia->chunks[ia->nchunks - 1] == first)
		return 0;
	if (ia->nchunks && ia->chunks[ia->nchunks - 1] > first)
		return 1; /* not increasing (a damaged inobt): stop the list here */
	if (ia->nchunks == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 1024;
		uint64_t *nc;

		if (ncap > IAHEAD_CHUNKS_MAX)
			return 1;
		nc = realloc(ia->chunks, ncap * sizeof(*nc));
		if (!nc)
			return 1;
		ia->chunks = nc;
		b->cap = ncap;
	}
	ia->chunks[ia->nchunks++] = first;
	return 0;
}

static void ia_free(struct xfs_iahead *ia)
{
	for (unsigned i = 0; i < IAHEAD_SLOTS; i++)
		free(ia->slot[i].buf);
	free(ia->chunks);
	free(ia);
}

void xfs_iahead_start(xfs_fs *fs)
{
	struct xfs_iahead *ia;
	struct ia_build b = { 0 };
	cpu_set_t set;

	if (fs->iahead_tried)
		return;
	fs->iahead_tried = true;
	/* on one CPU the reader would only take turns with the walk */
	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return;
	if (fsimg_io_pread(fs->io, NULL, 0, 0) != 0)
		return;
	if (!(ia = calloc(1, sizeof(*ia))))
		return;
	ia->io = fs->io;
	ia->blocklog = fs->sb.blocklog;
	ia->inode_size = fs->inode_size;
	ia->inopblock = fs->sb.inopblock;
	ia->v5 = fs->v5;
	ia->agblocks = fs->sb.agblocks;
	ia->bufsize = xfs_ichunk_bytes(fs);
	/*
	 * The inobt walk is the list's source; what it meets (a bad block, a
	 * CRC) is the walk's own business later, so it says nothing here.
	 */
	b.fs = fs;
	b.ia = ia;
	xfs_quiet_begin(fs);
	xfs_inode_walk(fs, ia_add, &b);
	xfs_quiet_end(fs);
	if (ia->nchunks < 2 || pthread_mutex_init(&ia->mu, NULL) != 0) {
		ia_free(ia);
		return;
	}
	if (pthread_cond_init(&ia->work, NULL) != 0) {
		pthread_mutex_destroy(&ia->mu);
		ia_free(ia);
		return;
	}
	if (pthread_cond_init(&ia->done, NULL) != 0) {
		pthread_cond_destroy(&ia->work);
		pthread_mutex_destroy(&ia->mu);
		ia_free(ia);
		return;
	}
	if (pthread_create(&ia->thr, NULL, ia_thread, ia) != 0) {
		pthread_cond_destroy(&ia->done);
		pthread_cond_destroy(&ia->work);
		pthread_mutex_destroy(&ia->mu);
		ia_free(ia);
		return;
	}
	fs->iahead = ia;
}

void xfs_iahead_stop(xfs_fs *fs)
{
	struct xfs_iahead *ia = fs->iahead;

	if (!ia)
		return;
	pthread_mutex_lock(&ia->mu);
	ia->stop = true;
	for (unsigned i = 0; i < IAHEAD_SLOTS; i++)
		if (ia->slot[i].state == IA_QUEUED)
			ia->slot[i].state = IA_EMPTY;
	ia->queued = 0;
	pthread_cond_signal(&ia->work);
	pthread_mutex_unlock(&ia->mu);
	pthread_join(ia->thr, NULL);
	pthread_cond_destroy(&ia->done);
	pthread_cond_destroy(&ia->work);
	pthread_mutex_destroy(&ia->mu);
	ia_free(ia);
	fs->iahead = NULL;
}

bool xfs_iahead_take(xfs_fs *fs, uint64_t first, uint32_t run, uint8_t **buf, uint64_t *crc_ok)
{
	struct xfs_iahead *ia = fs->iahead;
	struct ia_slot *s = NULL;
	bool got = false;

	pthread_mutex_lock(&ia->mu);
	for (unsigned i = 0; i < IAHEAD_SLOTS; i++)
		if (ia->slot[i].state != IA_EMPTY && ia->slot[i].first == first &&
		    ia->slot[i].run == run)
			s = &ia->slot[i];
	if (s) {
		/* being read: waiting costs less than reading it again */
		while (s->state == IA_READING)
			pthread_cond_wait(&ia->done, &ia->mu);
		if (s->state == IA_READY) {
			uint8_t *t = s->buf;

			s->buf = *buf;
			*buf = t;
			*crc_ok = s->crc_ok;
			got = true;
		} else if (s->state == IA_QUEUED) {
			ia->queued--;
		}
		s->state = IA_EMPTY;
	}
	pthread_mutex_unlock(&ia->mu);
	return got;
}

/* Is the chunk in the walk's own cache (walk thread: its handle)? */
static bool cached(const xfs_fs *fs, uint64_t first)
{
	for (unsigned i = 0; i < XFS_IBLOCK_RUNS; i++)
		if (fs->iblock[i].linear == first + 1)
			return true;
	return false;
}

void xfs_iahead_after(xfs_fs *fs, uint64_t first)
{
	struct xfs_iahead *ia = fs->iahead;
	size_t lo = 0, hi = ia->nchunks, from;
	uint64_t ag = first / ia->agblocks;
	unsigned mk = (unsigned)(ag % IAHEAD_AGMARKS);

	/* the first chunk past first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ia->chunks[mid] <= first)
			lo = mid + 1;
		else
			hi = mid;
	}
	from = lo;
	if (ia->mark[mk].ag == ag + 1 && ia->mark[mk].end > from &&
	    ia->mark[mk].end <= lo + IAHEAD_DEPTH)
		from = ia->mark[mk].end;
	ia->mark[mk].ag = ag + 1;
	ia->mark[mk].end = from;
	if (from >= lo + IAHEAD_DEPTH)
		return;
	pthread_mutex_lock(&ia->mu);
	for (size_t k = from; k < ia->nchunks && k < lo + IAHEAD_DEPTH; k++) {
		uint64_t c = ia->chunks[k];
		struct ia_slot *s = NULL;
		uint32_t run;
		bool have = false;

		if (c / ia->agblocks != ag)
			break;
		for (unsigned i = 0; i < IAHEAD_SLOTS && !have; i++)
			have = ia->slot[i].state != IA_EMPTY && ia->slot[i].first == c;
		if (have || cached(fs, c)) {
			ia->mark[mk].end = k + 1;
			continue;
		}
		xfs_ichunk_span(fs, c, &c, &run);
		if (((c + run) << ia->blocklog) > fs->io_size)
			break;
		/* a free slot, or the oldest one not being read */
		for (unsigned i = 0; i < IAHEAD_SLOTS; i++) {
			struct ia_slot *t = &ia->slot[i];

			if (t->state == IA_EMPTY) {
				s = t;
				break;
			}
			if (t->state != IA_READING && (!s || t->seq < s->seq))
				s = t;
		}
		if (!s)
			break;
		if (s->state == IA_QUEUED)
			ia->queued--;
		s->first = c;
		s->run = run;
		s->seq = ++ia->seq;
		s->state = IA_QUEUED;
		ia->queued++;
		ia->mark[mk].end = k + 1;
	}
	if (ia->idle && ia->queued >= IAHEAD_WAKE)
		pthread_cond_signal(&ia->work);
	pthread_mutex_unlock(&ia->mu);
}
