/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What log recovery has written so far, in memory: a sparse overlay of the
 * data device in 512-byte sectors, read through by every later item as the
 * kernel's buffer cache would be. A log that touches every inode cluster
 * of a large filesystem writes hundreds of thousands of sectors, each read
 * and written again for every inode item of its cluster. So sectors are
 * kept in pages of eight (4 KiB, with a mask of those written), a cluster
 * is a few lookups, not one per sector; the table grows with the pages
 * (a lookup stays one or two probes); pages come from slabs; and a read
 * goes to the device only for the sectors recovery has not written. A
 * cluster recovery meets for the first time is read from the device
 * straight into new pages whose bytes lie one after the other, and changed
 * there (xlog_ovl_claim): no buffer to copy in and out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "xlog/plan.h"

#define OVL_MIN_BUCKETS 1024u
#define OVL_SLAB 64u /* pages per slab while the overlay is small */
#define OVL_HUGE_AFTER 512u /* pages: from there on, slabs of OVL_HUGE bytes */
#define OVL_HUGE (4u << 20)
#define PAGE_SECS XLOG_OVL_PAGE_SECS
#define PAGE_FULL 0xffu

struct xlog_ovl_page {
	uint64_t first;              /* daddr of its first sector, a multiple of PAGE_SECS */
	struct xlog_ovl_page *next;
	uint8_t mask;                /* the sectors written */
	uint8_t *data;               /* PAGE_SECS sectors, in its slab's data */
};

/* Pages taken one after the other from a slab have their data one after the other. */
struct xlog_ovl_slab {
	struct xlog_ovl_slab *next;
	size_t used, cap;
	uint8_t *data;               /* cap pages' bytes */
	bool huge;                   /* data apart, aligned */
	struct xlog_ovl_page page[];
};

#define PAGE_BYTES ((size_t)PAGE_SECS * XLOG_BBSIZE)

/*
 * A new slab. A large overlay (a full log rewrites hundreds of MiB) gets its
 * pages' data in 2 MiB-aligned slabs of OVL_HUGE bytes, which a kernel with
 * transparent huge pages always on may back with huge pages. They are not
 * madvised MADV_HUGEPAGE: under Debian's defrag=madvise that makes each
 * fault compact memory directly, and on a machine whose memory is page cache
 * (one that reads large images) `extents --all` of bench/replay_xfs.sh's
 * DIRTY stalled there, 16 compaction stalls a run and one run of 24 taking
 * 6.9 s instead of 0.4.
 */
static struct xlog_ovl_slab *slab_new(uint64_t npages)
{
	size_t cap = npages >= OVL_HUGE_AFTER ? OVL_HUGE / PAGE_BYTES : OVL_SLAB;
	struct xlog_ovl_slab *sl;

	if (cap == OVL_SLAB) {
		sl = malloc(sizeof *sl + cap * (sizeof sl->page[0] + PAGE_BYTES));
		if (!sl)
			return NULL;
		sl->data = (uint8_t *)&sl->page[cap];
		sl->huge = false;
	} else {
		void *m = NULL;
		if (!(sl = malloc(sizeof *sl + cap * sizeof sl->page[0])))
			return NULL;
		if (posix_memalign(&m, 2u << 20, OVL_HUGE) != 0) {
			free(sl);
			return NULL;
		}
		sl->data = m;
		sl->huge = true;
	}
	sl->used = 0;
	sl->cap = cap;
	return sl;
}

void xlog_ovl_init(struct xlog_ovl *o, uint64_t max_sec)
{
	memset(o, 0, sizeof *o);
	o->max_sec = max_sec;
}

void xlog_ovl_free(struct xlog_ovl *o)
{
	while (o->slabs) {
		struct xlog_ovl_slab *s = o->slabs;
		o->slabs = s->next;
		if (s->huge)
			free(s->data);
		free(s);
	}
	free(o->hash);
	o->hash = NULL;
	o->nbuckets = o->npages = o->nsec = 0;
	o->full_bbs = 0;
}

static size_t bucket(const struct xlog_ovl *o, uint64_t first)
{
	/* Fibonacci hashing: neighbouring pages land apart */
	return (size_t)(((first / PAGE_SECS) * 0x9e3779b97f4a7c15ull) >> 32) & (o->nbuckets - 1);
}

static struct xlog_ovl_page *page_find(const struct xlog_ovl *o, uint64_t daddr)
{
	uint64_t first = daddr - daddr % PAGE_SECS;
	struct xlog_ovl_page *p;

	if (!o->nbuckets)
		return NULL;
	for (p = o->hash[bucket(o, first)]; p; p = p->next)
		if (p->first == first)
			return p;
	return NULL;
}

/* Twice the buckets (at least OVL_MIN_BUCKETS), every page moved over. */
static int grow(struct xlog_ovl *o)
{
	size_t n = o->nbuckets ? o->nbuckets * 2 : OVL_MIN_BUCKETS, old = o->nbuckets;
	struct xlog_ovl_page **h = calloc(n, sizeof *h), **oh = o->hash;

	if (!h)
		return FSIMG_ENOMEM;
	o->hash = h;
	o->nbuckets = n;
	for (size_t i = 0; i < old; i++)
		while (oh[i]) {
			struct xlog_ovl_page *p = oh[i];
			size_t b = bucket(o, p->first);
			oh[i] = p->next;
			p->next = h[b];
			h[b] = p;
		}
	free(oh);
	return 0;
}

/* n new, empty pages from daddr's on, their data one after the other; NULL when out of
 * memory or past max_sec (said in log). */
static struct xlog_ovl_page *pages_add(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t n)
{
	struct xlog_ovl_slab *sl = o->slabs;
	struct xlog_ovl_page *first = NULL;

	/* the bound is on memory: a page holds PAGE_SECS sectors, written or not */
	if ((o->npages + n) * PAGE_SECS > o->max_sec) {
		xlog_error(log, FSIMG_ENOMEM, "recovery writes more than %llu sectors",
			   (unsigned long long)o->max_sec);
		return NULL;
	}
	while (o->npages + n > o->nbuckets)
		if (grow(o))
			return NULL;
	/* (n is at most OVL_SLAB: a new slab has room) */
	if (!sl || sl->cap - sl->used < n) {
		sl = slab_new(o->npages);
		if (!sl)
			return NULL;
		sl->next = o->slabs;
		o->slabs = sl;
	}
	for (uint32_t k = 0; k < n; k++) {
		struct xlog_ovl_page *p = &sl->page[sl->used];
		size_t b;

		p->data = sl->data + sl->used * PAGE_BYTES;
		sl->used++;
		p->first = daddr - daddr % PAGE_SECS + (uint64_t)k * PAGE_SECS;
		p->mask = 0;
		b = bucket(o, p->first);
		p->next = o->hash[b];
		o->hash[b] = p;
		o->npages++;
		if (!first)
			first = p;
	}
	return first;
}

static struct xlog_ovl_page *page_add(struct xlog_ovl *o, xlog *log, uint64_t daddr)
{
	return pages_add(o, log, daddr, 1);
}

static int dev_range(xlog *log, uint64_t daddr, uint32_t bbs)
{
	uint64_t size = log->fs->io_size / XLOG_BBSIZE;

	if (daddr > size || bbs > size - daddr)
		return xlog_error(log, FSIMG_ECORRUPT, "log item names daddr %#llx+%u past the device",
				  (unsigned long long)daddr, bbs);
	return 0;
}

/* The sectors [i, i + n) of the page holding daddr's: n up to the page's end and the range's. */
static uint32_t in_page(uint64_t daddr, uint32_t left)
{
	uint32_t n = PAGE_SECS - (uint32_t)(daddr % PAGE_SECS);

	return n < left ? n : left;
}

static uint8_t bits(uint64_t daddr, uint32_t n)
{
	return (uint8_t)(((1u << n) - 1) << (daddr % PAGE_SECS));
}

int xlog_ovl_read(struct xlog_ovl *o, xlog *log, uint8_t *buf, uint64_t daddr, uint32_t bbs)
{
	uint32_t i = 0, dev = 0, ndev = 0;
	int err = dev_range(log, daddr, bbs);

	if (err)
		return err;
	/* the written sectors from the overlay; each run of the others in one device read */
	while (i <= bbs) {
		const struct xlog_ovl_page *p = i < bbs ? page_find(o, daddr + i) : NULL;
		uint32_t n = i < bbs ? in_page(daddr + i, bbs - i) : 1;
		uint8_t m = i < bbs ? bits(daddr + i, n) : 0;

		/* a page's part none of whose sectors recovery wrote joins the device run whole */
		if (i < bbs && (!p || !(p->mask & m))) {
			if (!ndev)
				dev = i;
			ndev += n;
			i += n;
			continue;
		}
		for (uint32_t k = 0; k < n; k++) {
			uint32_t slot = (uint32_t)((daddr + i + k) % PAGE_SECS);
			bool have = p && (p->mask >> slot & 1);

			if (!have && i + k < bbs) {
				if (!ndev++)
					dev = i + k;
				continue;
			}
			if (ndev) {
				if ((o->pread ? fsimg_io_pread : fsimg_io_read)(log->fs->io, buf + (size_t)dev * XLOG_BBSIZE,
						  (size_t)ndev * XLOG_BBSIZE, (daddr + dev) * XLOG_BBSIZE))
					return xlog_error(log, FSIMG_EIO, "cannot read daddr %#llx",
							  (unsigned long long)(daddr + dev));
				ndev = 0;
			}
			if (have && (p->mask & m) == m) {
				/* every sector of the page's part written: one copy for all of them */
				memcpy(buf + (size_t)(i + k) * XLOG_BBSIZE, p->data + (size_t)slot * XLOG_BBSIZE,
				       (size_t)(n - k) * XLOG_BBSIZE);
				break;
			}
			if (have)
				memcpy(buf + (size_t)(i + k) * XLOG_BBSIZE, p->data + (size_t)slot * XLOG_BBSIZE,
				       XLOG_BBSIZE);
		}
		i += n;
	}
	return 0;
}

int xlog_ovl_write(struct xlog_ovl *o, xlog *log, const uint8_t *buf, uint64_t daddr, uint32_t bbs)
{
	uint32_t i = 0, n;
	int err = dev_range(log, daddr, bbs);

	if (err)
		return err;
	for (; i < bbs; i += n) {
		struct xlog_ovl_page *p = page_find(o, daddr + i);
		uint8_t m;

		n = in_page(daddr + i, bbs - i);
		if (!p && !(p = page_add(o, log, daddr + i)))
			return FSIMG_ENOMEM;
		m = bits(daddr + i, n);
		o->nsec += (uint64_t)__builtin_popcount((unsigned)(m & ~p->mask));
		p->mask |= m;
		memcpy(p->data + (size_t)((daddr + i) % PAGE_SECS) * XLOG_BBSIZE, buf + (size_t)i * XLOG_BBSIZE,
		       (size_t)n * XLOG_BBSIZE);
	}
	return 0;
}

uint8_t *xlog_ovl_claim(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t bbs)
{
	uint32_t n = bbs / PAGE_SECS;
	struct xlog_ovl_page *p;

	if (!bbs || daddr % PAGE_SECS || bbs % PAGE_SECS || n > OVL_SLAB || dev_range(log, daddr, bbs))
		return NULL;
	for (uint32_t k = 0; k < n; k++)
		if (page_find(o, daddr + (uint64_t)k * PAGE_SECS))
			return NULL;
	if (!(p = pages_add(o, log, daddr, n)))
		return NULL;
	if ((o->pread ? fsimg_io_pread : fsimg_io_read)(log->fs->io, p->data, (size_t)bbs * XLOG_BBSIZE,
							daddr * XLOG_BBSIZE)) {
		xlog_ovl_unclaim(o, daddr, bbs);
		return NULL;
	}
	for (uint32_t k = 0; k < n; k++)
		p[k].mask = PAGE_FULL;
	o->nsec += bbs;
	return p->data;
}

void xlog_ovl_unclaim(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs)
{
	struct xlog_ovl_slab *sl = o->slabs;
	uint32_t n = bbs / PAGE_SECS;

	o->full_bbs = 0; /* (its pages may be the ones taken back) */
	/* the last pages taken, each the head of its chain since */
	for (uint32_t k = n; k-- > 0;) {
		struct xlog_ovl_page *p = &sl->page[sl->used - 1];
		size_t b = bucket(o, p->first);

		if (p->first != daddr + (uint64_t)k * PAGE_SECS || o->hash[b] != p)
			return; /* not what claim took: left as it is */
		o->hash[b] = p->next;
		o->nsec -= (uint64_t)__builtin_popcount(p->mask);
		sl->used--;
		o->npages--;
	}
}

bool xlog_ovl_full(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs)
{
	struct xlog_ovl_page *pg[XLOG_OVL_FULL_PAGES];
	uint32_t i, n, np = 0;

	if (o->full_bbs && daddr == o->full_daddr && bbs == o->full_bbs)
		return true;
	for (i = 0; i < bbs; i += n) {
		struct xlog_ovl_page *p = page_find(o, daddr + i);
		uint8_t m;

		n = in_page(daddr + i, bbs - i);
		m = bits(daddr + i, n);
		if (!p || (p->mask & m) != m)
			return false;
		if (np < XLOG_OVL_FULL_PAGES)
			pg[np] = p;
		np++;
	}
	if (bbs && np <= XLOG_OVL_FULL_PAGES) {
		memcpy(o->full_pg, pg, np * sizeof pg[0]);
		o->full_daddr = daddr;
		o->full_bbs = bbs;
	}
	return true;
}

uint8_t *xlog_ovl_written(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs)
{
	struct xlog_ovl_page *p;
	uint8_t m;

	if (!bbs || in_page(daddr, bbs) != bbs)
		return NULL;
	if (o->full_bbs && bbs <= o->full_bbs && daddr >= o->full_daddr &&
	    daddr - o->full_daddr <= o->full_bbs - bbs) {
		/* in the range xlog_ovl_full found whole: its page, every sector written */
		p = o->full_pg[(daddr - (o->full_daddr - o->full_daddr % PAGE_SECS)) / PAGE_SECS];
		return p->data + (size_t)(daddr % PAGE_SECS) * XLOG_BBSIZE;
	}
	if (!(p = page_find(o, daddr)))
		return NULL;
	m = bits(daddr, bbs);
	return (p->mask & m) == m ? p->data + (size_t)(daddr % PAGE_SECS) * XLOG_BBSIZE : NULL;
}

const uint8_t *xlog_ovl_page(const struct xlog_ovl *o, uint64_t daddr)
{
	const struct xlog_ovl_page *p = page_find(o, daddr);

	return p ? p->data : NULL;
}

const uint8_t *xlog_ovl_sector(const struct xlog_ovl *o, uint64_t daddr)
{
	const struct xlog_ovl_page *p = page_find(o, daddr);
	uint32_t slot = (uint32_t)(daddr % PAGE_SECS);

	return p && (p->mask >> slot & 1) ? p->data + (size_t)slot * XLOG_BBSIZE : NULL;
}

static int cmp_page(const void *a, const void *b)
{
	uint64_t x = (*(const struct xlog_ovl_page *const *)a)->first;
	uint64_t y = (*(const struct xlog_ovl_page *const *)b)->first;

	return x < y ? -1 : x > y;
}

/* Sorting the pages (an eighth of the sectors, each page once) sorts their sectors. */
int xlog_ovl_daddrs(const struct xlog_ovl *o, uint64_t *out, size_t *count)
{
	const struct xlog_ovl_page **pg = malloc((o->npages ? o->npages : 1) * sizeof *pg);
	size_t n = 0, np = 0;

	*count = 0;
	if (!pg)
		return FSIMG_ENOMEM;
	for (const struct xlog_ovl_slab *sl = o->slabs; sl; sl = sl->next)
		for (size_t i = 0; i < sl->used; i++)
			pg[np++] = &sl->page[i];
	if (np > 1)
		qsort(pg, np, sizeof *pg, cmp_page);
	for (size_t i = 0; i < np; i++)
		for (uint32_t k = 0; k < PAGE_SECS; k++)
			if (pg[i]->mask >> k & 1)
				out[n++] = pg[i]->first + k;
	free(pg);
	*count = n;
	return 0;
}
