/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records and transactions: the kernel's xlog_do_recovery_pass walk from
 * tail to head (records split across the log's end), xlog_recover_process
 * (CRC, then the cycle words put back), xlog_recover_process_data and the
 * op-header state machine of xlog_recovery_process_trans, which reassembles
 * each transaction's items from op payloads split across records.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "xlog/xlog.h"

#define RHASH 64u
#define WALK_WIN (1u << 20) /* log bytes a walk reads at once */

uint32_t xlog_rec_hblks(const xlog *log, const uint8_t *rhead)
{
	struct cur c = cur_init(rhead, XLOG_BBSIZE);
	uint32_t h_size = CUR_BE32(&c, 0, struct xlog_drec_header, h_size);

	if (log->geom.v2 && (CUR_BE32(&c, 0, struct xlog_drec_header, h_version) & XLOG_VERSION_2) &&
	    h_size > XLOG_HEADER_CYCLE_SIZE) {
		if (h_size > XLOG_MAX_RECORD_BSIZE)
			h_size = XLOG_MAX_RECORD_BSIZE; /* xlog_rec_valid rejects it later */
		return (h_size + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE;
	}
	return 1;
}

int xlog_rec_valid(xlog *log, const uint8_t *rhead, uint32_t blk, uint32_t bufsize)
{
	struct cur c = cur_init(rhead, XLOG_BBSIZE);
	uint32_t v = CUR_BE32(&c, 0, struct xlog_drec_header, h_version);
	uint32_t len = CUR_BE32(&c, 0, struct xlog_drec_header, h_len);

	if (CUR_BE32(&c, 0, struct xlog_drec_header, h_magicno) != XLOG_HEADER_MAGIC_NUM)
		return xlog_error(log, FSIMG_ECORRUPT, "log block %u: no record header magic", blk);
	if (!v || (v & ~XLOG_VERSION_OKBITS))
		return xlog_error(log, FSIMG_ECORRUPT, "log block %u: bad record version %u", blk, v);
	if (len == 0 || len > bufsize || (int32_t)len < 0)
		return xlog_error(log, FSIMG_ECORRUPT,
				  "log block %u: record length %u outside 1..%u", blk, len, bufsize);
	if (blk > log->geom.bbs)
		return xlog_error(log, FSIMG_ECORRUPT, "log block %u outside the log", blk);
	return 0;
}

uint32_t xlog_rec_cksum(const uint8_t *hdr, const uint8_t *data, uint32_t h_len)
{
	static const uint8_t zero[4];
	uint32_t crc, i, xheads = (h_len + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE;
	size_t crc_off = offsetof(struct xlog_drec_header, h_crc);

	crc = fsimg_crc32c(~0u, hdr, crc_off);
	crc = fsimg_crc32c(crc, zero, 4);
	crc = fsimg_crc32c(crc, hdr + crc_off + 4, XLOG_REC_HEADER_CRC_SIZE - crc_off - 4);
	for (i = 1; i < xheads; i++)
		crc = fsimg_crc32c(crc, hdr + (size_t)i * XLOG_BBSIZE, sizeof(struct xlog_drec_ext_header));
	crc = fsimg_crc32c(crc, data, h_len);
	return ~crc;
}

/* ------------------------------------------------------------ transactions */

struct walk {
	xlog *log;
	struct xlog_trans *hash[RHASH];
	xlog_trans_fn fn;
	xlog_trans_take_fn take; /* instead of fn: given each committed transaction */
	void *ctx;
	struct xlog_walk_stats *st;
	struct xlog_chunk_pool *pool;
};

/*
 * A transaction's regions and region tables come from its own chunks, not
 * one malloc each (a full log holds hundreds of thousands of items): each
 * chunk twice the last, up to CHUNK_MAX, or as large as one region needs,
 * so what is allocated stays within twice what is logged.
 */
#define CHUNK_MIN 1024u
#define CHUNK_MAX (256u << 10)

struct xlog_chunk {
	struct xlog_chunk *next;
	size_t size, used;
	_Alignas(max_align_t) uint8_t data[];
};

/*
 * The walk's full-size chunks come back to it when a transaction is released (on
 * whichever thread: plan_par.c's worker releases them), up to POOL_MAX of them: a full
 * log's transactions would otherwise take fresh memory from the system for every
 * checkpoint (a page fault per 4 KiB of log). The pool lives while the walk or any of
 * its transactions does.
 */
#define POOL_MAX 64u /* 16 MiB of spare chunks */

struct xlog_chunk_pool {
	pthread_mutex_t mu;
	unsigned refs;      /* the walk and each of its transactions */
	unsigned nfree;
	struct xlog_chunk *free;
};

static struct xlog_chunk_pool *pool_new(void)
{
	struct xlog_chunk_pool *p = calloc(1, sizeof *p);

	if (p && pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		return NULL;
	}
	if (p)
		p->refs = 1;
	return p;
}

static void pool_get(struct xlog_chunk_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->refs++;
	pthread_mutex_unlock(&p->mu);
}

/* c (a chunk list, may be NULL) given back to p, and one reference dropped. */
static void pool_put(struct xlog_chunk_pool *p, struct xlog_chunk *c)
{
	struct xlog_chunk *drop = NULL;
	bool last;

	pthread_mutex_lock(&p->mu);
	while (c) {
		struct xlog_chunk *n = c->next;
		if (c->size == CHUNK_MAX && p->nfree < POOL_MAX) {
			c->next = p->free;
			p->free = c;
			p->nfree++;
		} else {
			c->next = drop;
			drop = c;
		}
		c = n;
	}
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->mu);
	while (drop) {
		c = drop;
		drop = c->next;
		free(c);
	}
	if (last) {
		while (p->free) {
			c = p->free;
			p->free = c->next;
			free(c);
		}
		pthread_mutex_destroy(&p->mu);
		free(p);
	}
}

static struct xlog_chunk *pool_take(struct xlog_chunk_pool *p)
{
	struct xlog_chunk *c;

	pthread_mutex_lock(&p->mu);
	if ((c = p->free)) {
		p->free = c->next;
		p->nfree--;
	}
	pthread_mutex_unlock(&p->mu);
	return c;
}

static size_t align_up(size_t n)
{
	return (n + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1);
}

static void *chunk_alloc(struct xlog_trans *t, size_t len)
{
	struct xlog_chunk *c = t->chunks;
	size_t size;
	void *p;

	len = align_up(len ? len : 1);
	if (!c || c->size - c->used < len) {
		size = c ? (c->size < CHUNK_MAX / 2 ? c->size * 2 : CHUNK_MAX) : CHUNK_MIN;
		if (size < len)
			size = len;
		c = size == CHUNK_MAX && t->pool ? pool_take(t->pool) : NULL;
		if (!c && !(c = malloc(sizeof *c + size)))
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
	}
	p = c->data + c->used;
	c->used += len;
	return p;
}

/* p (old bytes, the transaction's last allocation or not) grown to len: in place when it can. */
static void *chunk_grow(struct xlog_trans *t, uint8_t *p, size_t old, size_t len)
{
	struct xlog_chunk *c = t->chunks;
	uint8_t *n;

	/* p is the chunk's last allocation when it ends where the chunk's used bytes do: an
	 * equality test on one chunk's address (pointers into different objects are not ordered) */
	if (c && c->used >= align_up(old) && p == c->data + (c->used - align_up(old)) &&
	    c->used - align_up(old) + align_up(len) <= c->size) {
		c->used = c->used - align_up(old) + align_up(len);
		return p;
	}
	n = chunk_alloc(t, len);
	if (n)
		memcpy(n, p, old);
	return n;
}

void xlog_trans_release(struct xlog_trans *t)
{
	if (!t)
		return;
	if (t->pool)
		pool_put(t->pool, t->chunks);
	else
		while (t->chunks) {
			struct xlog_chunk *c = t->chunks;
			t->chunks = c->next;
			free(c);
		}
	free(t->items);
	free(t);
}

/* t's logged bytes no longer counted against log->mem_max (freed, or given away). */
static void trans_uncount(xlog *log, const struct xlog_trans *t)
{
	log->mem -= t->mem;
}

static void trans_free(xlog *log, struct xlog_trans *t)
{
	trans_uncount(log, t);
	xlog_trans_release(t);
}

static void trans_unhash(struct walk *w, struct xlog_trans *t)
{
	struct xlog_trans **pp = &w->hash[t->tid % RHASH];

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
}

static int add_item(xlog *log, struct xlog_trans *t)
{
	if (t->nitems == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct xlog_item *n;
		if (log->mem + cap * sizeof *n > log->mem_max)
			return xlog_error(log, FSIMG_ENOMEM, "transaction %08x: too many items", t->tid);
		n = realloc(t->items, cap * sizeof *n);
		if (!n)
			return FSIMG_ENOMEM;
		t->items = n;
		t->cap = cap;
	}
	memset(&t->items[t->nitems++], 0, sizeof t->items[0]);
	return 0;
}

/* xlog_recover_add_to_trans: a new region (or the transaction header). */
static int add_to_trans(xlog *log, struct xlog_trans *t, const uint8_t *dp, uint32_t len)
{
	struct xlog_item *it;
	uint32_t size;
	uint8_t *p;

	if (!len)
		return 0;
	if (!t->nitems) {
		if (len < 4 || xlog_r32(log, dp) != XFS_TRANS_HEADER_MAGIC)
			return xlog_error(log, FSIMG_ECORRUPT, "transaction %08x: bad header magic", t->tid);
		if (len > sizeof t->theader)
			return xlog_error(log, FSIMG_ECORRUPT, "transaction %08x: header of %u bytes",
					  t->tid, len);
		memcpy(t->theader, dp, len);
		t->theader_len = len;
		/* a header split across ops is finished by the next one */
		return len == sizeof t->theader ? add_item(log, t) : 0;
	}
	it = &t->items[t->nitems - 1];
	if (it->total && it->total == it->cnt) {
		int err = add_item(log, t);
		if (err)
			return err;
		it = &t->items[t->nitems - 1];
	}
	if (!it->total) {
		if (len < 4)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "transaction %08x: item format region of %u bytes", t->tid, len);
		size = xlog_r16(log, dp + 2);
		if (size == 0 || size > XLOG_MAX_REGIONS_IN_ITEM)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "transaction %08x: bad number of regions (%u) in item type %#x",
					  t->tid, size, xlog_r16(log, dp));
		it->reg = chunk_alloc(t, size * sizeof *it->reg);
		if (!it->reg)
			return FSIMG_ENOMEM;
		memset(it->reg, 0, size * sizeof *it->reg);
		it->total = size;
	}
	if (it->cnt >= it->total)
		return xlog_error(log, FSIMG_ECORRUPT, "transaction %08x: item has more regions than %u",
				  t->tid, it->total);
	if (log->mem + len > log->mem_max)
		return xlog_error(log, FSIMG_ENOMEM, "transaction %08x: more logged than the log holds",
				  t->tid);
	p = chunk_alloc(t, len);
	if (!p)
		return FSIMG_ENOMEM;
	memcpy(p, dp, len);
	log->mem += len;
	t->mem += len;
	it->reg[it->cnt].p = p;
	it->reg[it->cnt].len = len;
	it->cnt++;
	return 0;
}

/* xlog_recover_add_to_cont_trans: the rest of a region begun in an earlier op. */
static int add_to_cont_trans(xlog *log, struct xlog_trans *t, const uint8_t *dp, uint32_t len)
{
	struct xlog_item *it;
	struct xlog_region *r;
	uint8_t *p;

	if (!t->nitems) {
		if (len > sizeof t->theader || t->theader_len + len != sizeof t->theader)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "transaction %08x: header continued by %u bytes", t->tid, len);
		memcpy(t->theader + sizeof t->theader - len, dp, len);
		t->theader_len = sizeof t->theader;
		return add_item(log, t);
	}
	it = &t->items[t->nitems - 1];
	if (!it->cnt)
		return xlog_error(log, FSIMG_ECORRUPT,
				  "transaction %08x: continued region with no region begun", t->tid);
	r = &it->reg[it->cnt - 1];
	if (log->mem + len > log->mem_max || (uint64_t)r->len + len > UINT32_MAX)
		return xlog_error(log, FSIMG_ENOMEM, "transaction %08x: more logged than the log holds",
				  t->tid);
	p = chunk_grow(t, r->p, r->len, (size_t)r->len + len);
	if (!p)
		return FSIMG_ENOMEM;
	memcpy(p + r->len, dp, len);
	r->p = p;
	r->len += len;
	log->mem += len;
	t->mem += len;
	return 0;
}

/* *given: t now belongs to w->take (whatever the result). */
static int commit_trans(struct walk *w, struct xlog_trans *t, uint64_t rec_lsn, bool *given)
{
	xlog *log = w->log;
	struct cur c = cur_init(t->theader, sizeof t->theader);
	size_t i;
	int ret = 0;

	*given = false;
	/* an item whose regions did not all arrive is dropped, as the kernel's commit sees it */
	if (t->nitems && t->items[t->nitems - 1].total == 0)
		t->nitems--; /* (its region table, if any, goes with the transaction's chunks) */
	for (i = 0; i < t->nitems; i++)
		if (t->items[i].cnt != t->items[i].total)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "transaction %08x: item %zu has %u of its %u regions", t->tid, i,
					  t->items[i].cnt, t->items[i].total);
	t->commit_lsn = rec_lsn;
	t->th_type = log->le ? cur_le32(&c, 4) : cur_be32(&c, 4);
	t->th_num_items = log->le ? cur_le32(&c, 12) : cur_be32(&c, 12);
	if (w->st) {
		w->st->transactions++;
		w->st->items += t->nitems;
	}
	if (w->take) {
		/* the transaction is the callee's from here, whatever it returns */
		trans_uncount(log, t);
		*given = true;
		ret = w->take(w->ctx, t);
	} else if (w->fn) {
		ret = w->fn(w->ctx, t);
	}
	return ret;
}

/* xlog_recover_process_ophdr + xlog_recovery_process_trans */
static int process_op(struct walk *w, uint64_t rec_lsn, uint32_t tid, uint8_t clientid,
		      uint8_t flags, const uint8_t *dp, uint32_t len)
{
	xlog *log = w->log;
	struct xlog_trans *t;
	int err = 0;
	bool freeit = false, given;

	if (clientid != XFS_TRANSACTION && clientid != XFS_LOG)
		return xlog_error(log, FSIMG_ECORRUPT, "op of transaction %08x: bad client id %#x", tid,
				  clientid);
	if ((flags & XLOG_UNMOUNT_TRANS) && w->st)
		w->st->unmount_records++;
	for (t = w->hash[tid % RHASH]; t && t->tid != tid; t = t->next)
		;
	if (!t) {
		/* slack before a transaction starts is skipped */
		if (!(flags & XLOG_START_TRANS))
			return 0;
		if (log->mem + sizeof *t > log->mem_max)
			return xlog_error(log, FSIMG_ENOMEM, "too many open transactions");
		t = calloc(1, sizeof *t);
		if (!t)
			return FSIMG_ENOMEM;
		t->tid = tid;
		t->lsn = rec_lsn;
		if ((t->pool = w->pool))
			pool_get(t->pool);
		t->next = w->hash[tid % RHASH];
		w->hash[tid % RHASH] = t;
		return 0;
	}
	flags &= (uint8_t)~XLOG_END_TRANS;
	if (flags & XLOG_WAS_CONT_TRANS)
		flags &= (uint8_t)~XLOG_CONTINUE_TRANS;
	switch (flags) {
	case 0:
	case XLOG_CONTINUE_TRANS:
		err = add_to_trans(log, t, dp, len);
		break;
	case XLOG_WAS_CONT_TRANS:
		err = add_to_cont_trans(log, t, dp, len);
		break;
	case XLOG_COMMIT_TRANS:
		trans_unhash(w, t);
		err = commit_trans(w, t, rec_lsn, &given);
		if (given)
			return err;
		freeit = true;
		break;
	case XLOG_UNMOUNT_TRANS:
		freeit = true;
		break;
	default:
		err = xlog_error(log, FSIMG_ECORRUPT, "transaction %08x: bad op flags %#x", tid, flags);
		break;
	}
	if (err || freeit) {
		trans_unhash(w, t);
		trans_free(log, t);
	}
	return err;
}

/* xlog_unpack_data: the first word of every data sector back from the header(s). */
static void unpack(const uint8_t *hdr, uint8_t *dp, uint32_t h_len, uint32_t hblks)
{
	uint32_t i, n = (h_len + XLOG_BBSIZE - 1) / XLOG_BBSIZE;

	for (i = 0; i < n; i++) {
		uint32_t j = i / XLOG_CYCLE_WORDS, k = i % XLOG_CYCLE_WORDS;
		const uint8_t *src;
		if (j >= hblks)
			break;
		src = j == 0 ? hdr + offsetof(struct xlog_drec_header, h_cycle_data) + 4 * k
			     : hdr + (size_t)j * XLOG_BBSIZE + 4 + 4 * k;
		memcpy(dp + (size_t)i * XLOG_BBSIZE, src, 4);
	}
}

static int process_data(struct walk *w, const uint8_t *hdr, const uint8_t *dp, uint32_t h_len,
			uint32_t blk)
{
	xlog *log = w->log;
	struct cur c = cur_init(hdr, XLOG_BBSIZE);
	uint64_t lsn = CUR_BE64(&c, 0, struct xlog_drec_header, h_lsn);
	uint32_t nops = CUR_BE32(&c, 0, struct xlog_drec_header, h_num_logops);
	uint32_t pos = 0;
	int err;

	if (memcmp(hdr + offsetof(struct xlog_drec_header, h_fs_uuid), log->fs->sb.uuid, 16))
		return xlog_error(log, FSIMG_ECORRUPT,
				  "log record at block %u belongs to another filesystem (uuid)", blk);
	while (pos < h_len && nops) {
		struct cur o = cur_init(dp + pos, h_len - pos);
		uint32_t tid = CUR_BE32(&o, 0, struct xlog_dop_header, oh_tid);
		uint32_t len = CUR_BE32(&o, 0, struct xlog_dop_header, oh_len);
		uint8_t cl = CUR_U8(&o, 0, struct xlog_dop_header, oh_clientid);
		uint8_t fl = CUR_U8(&o, 0, struct xlog_dop_header, oh_flags);

		if (o.err)
			return xlog_error(log, FSIMG_ECORRUPT, "log record at block %u: op header overrun",
					  blk);
		pos += (uint32_t)sizeof(struct xlog_dop_header);
		if (len > h_len - pos)
			return xlog_error(log, FSIMG_ECORRUPT,
					  "log record at block %u: op of %u bytes overruns the record", blk,
					  len);
		if (w->st)
			w->st->ops++;
		if ((err = process_op(w, lsn, tid, cl, fl, dp + pos, len)))
			return err;
		pos += len;
		nops--;
	}
	return 0;
}

/*
 * The walk's window on the log: blocks read ahead, a megabyte at a time,
 * past the filesystem's read cache. A walk reads each block once, in
 * order: through the cache every byte was copied twice and filled the
 * cache's chunks (16 MiB of fresh memory on a full log) with what no one
 * reads again. Records are used in place (their cycle words put back there).
 */
struct win {
	fsimg_io *io;
	uint8_t *b;
	uint32_t blk, n, cap; /* blocks [blk, blk + n) held, cap at most */
};

static void win_init(struct win *wn, xlog *log, uint32_t dist)
{
	size_t chunk;
	unsigned nchunks;

	memset(wn, 0, sizeof *wn);
	if (!io_cache_geometry(log->io, &wn->io, &chunk, &nchunks))
		wn->io = log->io;
	wn->cap = dist < WALK_WIN / XLOG_BBSIZE ? dist : WALK_WIN / XLOG_BBSIZE;
	wn->b = malloc((size_t)wn->cap * XLOG_BBSIZE);
	if (!wn->b)
		wn->cap = 0;
}

/*
 * n blocks from blk (left: the blocks of the walk from blk on) in place, or
 * NULL when they run past the log's end, do not fit, or the read failed:
 * the caller then reads them with xlog_bread (which says what failed).
 */
static uint8_t *win_get(struct win *wn, const xlog *log, uint32_t blk, uint32_t n, uint32_t left)
{
	uint32_t m = wn->cap;

	if (wn->n && blk >= wn->blk && n <= wn->n && blk - wn->blk <= wn->n - n)
		return wn->b + (size_t)(blk - wn->blk) * XLOG_BBSIZE;
	if (m > log->geom.bbs - blk)
		m = log->geom.bbs - blk;
	if (m > left)
		m = left;
	wn->n = 0;
	if (n > m || fsimg_io_read(wn->io, wn->b, (size_t)m * XLOG_BBSIZE,
				   log->geom.dev_off + (uint64_t)blk * XLOG_BBSIZE))
		return NULL;
	wn->blk = blk;
	wn->n = m;
	return wn->b;
}

static int walk_range(xlog *log, uint32_t start_blk, uint32_t end_blk, bool crc_only, uint32_t *first_bad,
		      xlog_trans_fn fn, xlog_trans_take_fn take, void *ctx, struct xlog_walk_stats *st)
{
	struct walk w;
	uint8_t first[XLOG_BBSIZE], *hdr = NULL, *data = NULL, *dp;
	struct win wn = { 0 };
	uint32_t bbs = log->geom.bbs, hblks, h_size, blk, dist, pos = 0, rblk = start_blk, ok_dist = 0;
	bool bad_seen = false;
	struct cur c;
	int err;
	unsigned i;

	memset(&w, 0, sizeof w);
	w.log = log;
	w.fn = fn;
	w.take = take;
	w.ctx = ctx;
	w.st = st;
	if (first_bad)
		*first_bad = UINT32_MAX;
	if (start_blk >= bbs || end_blk >= bbs)
		return xlog_error(log, FSIMG_ERANGE, "log walk %u..%u outside the log", start_blk, end_blk);
	dist = end_blk >= start_blk ? end_blk - start_blk : bbs - start_blk + end_blk;
	if (!dist)
		return 0;
	/* the tail record's iclog size says how many header sectors every record has */
	if ((err = xlog_bread(log, first, start_blk, 1)))
		return err;
	c = cur_init(first, sizeof first);
	if (log->geom.v2) {
		uint32_t h_len = CUR_BE32(&c, 0, struct xlog_drec_header, h_len);
		uint32_t logbsize = log->geom.sunit > XLOG_BIG_RECORD_BSIZE ? log->geom.sunit
									     : XLOG_BIG_RECORD_BSIZE;
		h_size = CUR_BE32(&c, 0, struct xlog_drec_header, h_size);
		/* the old mkfs quirk: h_size 32k on records sized by the log stripe unit */
		if (h_len > h_size && h_len <= logbsize &&
		    CUR_BE32(&c, 0, struct xlog_drec_header, h_num_logops) == 1)
			h_size = logbsize;
		if (h_size > XLOG_MAX_RECORD_BSIZE)
			return xlog_error(log, FSIMG_ECORRUPT, "log block %u: iclog size %u over 256 KiB",
					  start_blk, h_size);
		if ((err = xlog_rec_valid(log, first, start_blk, h_size)))
			goto out;
		hblks = xlog_rec_hblks(log, first);
	} else {
		hblks = 1;
		h_size = XLOG_BIG_RECORD_BSIZE;
	}
	log->hblks = hblks;
	log->h_size = h_size;
	/* the records a CRC pass already checked, when this walk frames them as it did */
	if (log->crc_ok.valid && log->crc_ok.start == start_blk && log->crc_ok.hblks == hblks &&
	    log->crc_ok.h_size == h_size)
		ok_dist = log->crc_ok.dist;
	hdr = malloc((size_t)hblks * XLOG_BBSIZE);
	data = malloc(h_size + XLOG_BBSIZE);
	w.pool = crc_only ? NULL : pool_new(); /* (none: each chunk its own malloc) */
	win_init(&wn, log, dist);
	err = FSIMG_ENOMEM;
	if (!hdr || !data)
		goto out;
	while (pos < dist) {
		uint32_t h_len, bblks, old_crc;
		blk = (start_blk + pos) % bbs;
		rblk = blk;
		if (dist - pos < hblks) {
			err = xlog_error(log, FSIMG_ECORRUPT, "log record header at %u runs past the head", blk);
			goto out;
		}
		if ((dp = win_get(&wn, log, blk, hblks, dist - pos)))
			memcpy(hdr, dp, (size_t)hblks * XLOG_BBSIZE);
		else if ((err = xlog_bread(log, hdr, blk, hblks)))
			goto out;
		if ((err = xlog_rec_valid(log, hdr, blk, h_size)))
			goto out;
		c = cur_init(hdr, XLOG_BBSIZE);
		h_len = CUR_BE32(&c, 0, struct xlog_drec_header, h_len);
		bblks = (h_len + XLOG_BBSIZE - 1) / XLOG_BBSIZE;
		if (dist - pos - hblks < bblks) {
			err = xlog_error(log, FSIMG_ECORRUPT,
					 "log record at %u: %u data blocks run past the head", blk, bblks);
			goto out;
		}
		dp = win_get(&wn, log, (blk + hblks) % bbs, bblks, dist - pos - hblks);
		if (!dp && (err = xlog_bread(log, dp = data, (blk + hblks) % bbs, bblks)))
			goto out;
		if (st) {
			st->records++;
			st->bytes += h_len;
		}
		old_crc = cur_le32(&c, offsetof(struct xlog_drec_header, h_crc));
		/*
		 * The sum matters only where a mismatch counts: a zero h_crc is not checked
		 * by the CRC pass nor on v4; a non-zero one the pass matched stays matched.
		 */
		if ((old_crc || (!crc_only && log->geom.crc)) &&
		    !(old_crc && pos + hblks + bblks <= ok_dist) &&
		    xlog_rec_cksum(hdr, dp, h_len) != old_crc) {
			if (old_crc)
				log->crc_bad_seen = bad_seen = true;
			if (crc_only && old_crc) {
				err = xlog_error(log, FSIMG_ECSUM, "log record at block %u: bad CRC", blk);
				goto out;
			}
			if (!crc_only && (old_crc || log->geom.crc)) {
				if (st)
					st->crc_mismatch++;
				if (log->geom.crc) {
					err = xlog_error(log, FSIMG_ECSUM,
							 "log record at block %u: CRC mismatch", blk);
					goto out;
				}
			}
		}
		if (!crc_only) {
			unpack(hdr, dp, h_len, hblks);
			if ((err = process_data(&w, hdr, dp, h_len, blk)))
				goto out;
		}
		pos += hblks + bblks;
	}
	err = 0;
	/* every non-zero h_crc of the range matched (a walk that tolerated none failing) */
	if (!bad_seen) {
		log->crc_ok.valid = true;
		log->crc_ok.start = start_blk;
		log->crc_ok.dist = dist;
		log->crc_ok.hblks = hblks;
		log->crc_ok.h_size = h_size;
	}
out:
	if (err && first_bad)
		*first_bad = rblk;
	/* transactions still open at the head are not replayed */
	for (i = 0; i < RHASH; i++) {
		while (w.hash[i]) {
			struct xlog_trans *t = w.hash[i];
			w.hash[i] = t->next;
			if (st && !err)
				st->incomplete++;
			trans_free(log, t);
		}
	}
	if (w.pool)
		pool_put(w.pool, NULL);
	free(hdr);
	free(data);
	free(wn.b);
	return err;
}

int xlog_walk_range(xlog *log, uint32_t start_blk, uint32_t end_blk, bool crc_only,
		    uint32_t *first_bad, xlog_trans_fn fn, void *ctx, struct xlog_walk_stats *st)
{
	return walk_range(log, start_blk, end_blk, crc_only, first_bad, fn, NULL, ctx, st);
}

int xlog_walk(xlog *log, xlog_trans_fn fn, void *ctx, struct xlog_walk_stats *st)
{
	if (log->ends.zeroed)
		return 0;
	return walk_range(log, log->ends.tail_blk, log->ends.head_blk, false, NULL, fn, NULL, ctx, st);
}

int xlog_walk_take(xlog *log, xlog_trans_take_fn take, void *ctx, struct xlog_walk_stats *st)
{
	if (log->ends.zeroed)
		return 0;
	return walk_range(log, log->ends.tail_blk, log->ends.head_blk, false, NULL, NULL, take, ctx, st);
}
