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
 *
 * Most of a large log is inode items, and a reader of the filesystem may
 * read few of their clusters: an inode item on a cluster recovery has not
 * written is taken lazily (xlog_ovl_inode). The plan still decides it as it
 * comes (the replay line counts what was skipped, and an item may be an
 * error), on the few fields of the inode xlog_inode_replay's checks read,
 * kept per inode as the cluster's earlier items left them; the item is kept
 * (its regions copied) and the cluster's pages are in the table, written,
 * with no bytes. The bytes are made when the cluster is read: by the view,
 * into the reader's buffer (the device's bytes, its items applied in order,
 * on any thread), or in its pages when recovery itself reads or writes it
 * again (a buffer item, the finish). The copies are bounded (lazy_max,
 * twice the log's bytes); past it, or on a cluster written another way, an
 * item is applied at once as before.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/io.h"
#include "xlog/plan.h"

#define OVL_MIN_BUCKETS 1024u
#define OVL_SLAB 64u /* pages per slab while the overlay is small */
#define OVL_HUGE_AFTER 512u /* pages: from there on, slabs of OVL_HUGE bytes */
#define OVL_HUGE (4u << 20)
#define PAGE_SECS XLOG_OVL_PAGE_SECS
#define PAGE_FULL 0xffu
#define LAZY_MAX_BBS 128u  /* a lazy cluster's sectors at most (64 KiB: 32 inodes of 2 KiB) */
#define LAZY_ITEMS 256u    /* items on one lazy cluster at most, then it is made */
/*
 * What xlog_inode_replay reads of the inode it changes, to decide on an
 * item (skipped or not, or no inode there): bytes 0-7 (magic, version),
 * 24-31 (a v4 inode's di_flushiter at 30) and 112-119 (a v3 inode's di_lsn).
 * Applying an item sets all three from the item alone.
 */
#define WIN_BYTES 24u
static const uint32_t win_off[3] = { 0, 24, XFS_LOG_DINODE_LSN_OFF };
#define LAZY_REGS 8u
#define CHUNK_BYTES (4u << 20) /* aligned, for huge pages (as the slabs) */

struct xlog_ovl_page {
	uint64_t first;              /* daddr of its first sector, a multiple of PAGE_SECS */
	struct xlog_ovl_page *next;
	uint8_t mask;                /* the sectors written */
	uint8_t *data;               /* PAGE_SECS sectors, in its slab's data */
	struct xlog_ovl_lazy *lazy;  /* its cluster's, while data is not made yet */
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
 * A lazy inode cluster: the inode items recovery applies to it, in order,
 * each kept with copies of its regions; its pages are in the table (every
 * sector written) with their data not made until something reads them.
 */
struct xlog_ovl_item {
	struct xlog_ovl_item *next;
	uint64_t lsn, ino;
	int32_t boffset;
	uint32_t fields;
	uint8_t cnt;                 /* regions, at most LAZY_REGS */
	bool fmt32;
	uint32_t len[];              /* cnt lengths, then the regions' bytes one after the other */
};

struct xlog_ovl_lazy {
	uint64_t daddr;
	uint32_t bbs, nitems;
	struct xlog_ovl_item *first, *last;
	xlog *log;
	struct xlog_ovl_lazy *next;  /* every lazy cluster of the overlay, made or not */
	uint8_t *data;               /* made: its bytes, in its pages */
	uint8_t *win;                /* each inode's WIN_BYTES the item's checks read, as they stand */
	struct xlog_ovl_page pg[];   /* its bbs / PAGE_SECS pages */
};

/* Where the items' copies and the lazy clusters live. */
struct xlog_ovl_chunk {
	struct xlog_ovl_chunk *next;
	size_t used, cap;
	_Alignas(16) uint8_t data[];
};


/*
 * A new slab. A large overlay (a full log rewrites hundreds of MiB) gets its
 * pages' data in aligned slabs of OVL_HUGE bytes the kernel may back with
 * huge pages: a fault per 2 MiB, not per 4 KiB.
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
#ifdef MADV_HUGEPAGE
		(void)madvise(m, OVL_HUGE, MADV_HUGEPAGE);
#endif
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
	for (struct xlog_ovl_lazy *lz = o->lazies; lz; lz = lz->next)
		free(lz->data);
	o->lazies = NULL;
	while (o->chunks) {
		struct xlog_ovl_chunk *c = o->chunks;
		o->chunks = c->next;
		free(c);
	}
	free(o->base);
	o->base = NULL;
	o->base_bbs = 0;
	free(o->hash);
	o->hash = NULL;
	o->nbuckets = o->npages = o->nsec = 0;
	o->full_bbs = 0;
	o->lazy_bytes = o->nlazy = 0;
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

/* n new, empty pages from daddr's on, their data one after the other (own: these pages,
 * without data yet); NULL when out of memory or past max_sec (said in log). */
static struct xlog_ovl_page *pages_put(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t n,
				       struct xlog_ovl_page *own)
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
	if (!own && (!sl || sl->cap - sl->used < n)) {
		sl = slab_new(o->npages);
		if (!sl)
			return NULL;
		sl->next = o->slabs;
		o->slabs = sl;
	}
	for (uint32_t k = 0; k < n; k++) {
		struct xlog_ovl_page *p = own ? &own[k] : &sl->page[sl->used];
		size_t b;

		p->data = own ? NULL : sl->data + sl->used * PAGE_BYTES;
		if (!own)
			sl->used++;
		p->first = daddr - daddr % PAGE_SECS + (uint64_t)k * PAGE_SECS;
		p->mask = 0;
		p->lazy = NULL;
		b = bucket(o, p->first);
		p->next = o->hash[b];
		o->hash[b] = p;
		o->npages++;
		if (!first)
			first = p;
	}
	return first;
}

static struct xlog_ovl_page *pages_add(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t n)
{
	return pages_put(o, log, daddr, n, NULL);
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

/* ------------------------------------------------------------ lazy clusters */

/* n bytes for a lazy cluster or an item's copy, or NULL: out of memory, or past lazy_max. */
static void *chunk_take(struct xlog_ovl *o, size_t n)
{
	struct xlog_ovl_chunk *c = o->chunks;
	size_t cap = CHUNK_BYTES - offsetof(struct xlog_ovl_chunk, data);
	void *r;

	n = (n + 15) & ~(size_t)15;
	if (n > cap || o->lazy_bytes + n > o->lazy_max)
		return NULL;
	if (!c || c->cap - c->used < n) {
		void *m = NULL;
		if (posix_memalign(&m, 2u << 20, CHUNK_BYTES) != 0)
			return NULL;
#ifdef MADV_HUGEPAGE
		(void)madvise(m, CHUNK_BYTES, MADV_HUGEPAGE);
#endif
		c = m;
		c->cap = cap;
		c->used = 0;
		c->next = o->chunks;
		o->chunks = c;
	}
	r = c->data + c->used;
	c->used += n;
	o->lazy_bytes += n;
	return r;
}

/* [daddr, daddr + bbs) of dev into b: 0 or <0. */
static int dev_read(fsimg_io *dev, bool pread, uint8_t *b, uint64_t daddr, uint32_t bbs)
{
	int err = (pread ? fsimg_io_pread : fsimg_io_read)(dev, b, (size_t)bbs * XLOG_BBSIZE,
							    daddr * XLOG_BBSIZE);

	return err < 0 ? err : err ? FSIMG_EIO : 0;
}

/* Item e on its lazy cluster's bytes b, as the plan applied it (xlog_inode_replay). */
static int item_apply(const struct xlog_ovl_lazy *lz, const struct xlog_ovl_item *e, uint8_t *b)
{
	struct xlog_region reg[LAZY_REGS];
	struct xlog_item it = { e->cnt, e->cnt, reg };
	const uint8_t *at = (const uint8_t *)(e->len + e->cnt);
	struct xlog_item_info info;
	bool skipped;
	int err;

	for (uint32_t k = 0; k < e->cnt; k++) {
		reg[k].p = (uint8_t *)(uintptr_t)at;
		reg[k].len = e->len[k];
		at += e->len[k];
	}
	memset(&info, 0, sizeof info);
	info.type = XFS_LI_INODE;
	info.name = "inode";
	info.nregions = e->cnt;
	info.blkno = (int64_t)lz->daddr;
	info.bblen = lz->bbs;
	info.ino = e->ino;
	info.fields = e->fields;
	info.boffset = e->boffset;
	info.fmt32 = e->fmt32;
	err = xlog_inode_replay(lz->log, &it, &info, b, e->lsn, &skipped);
	/* decided applied on these very bytes when the plan was made */
	return err ? err : skipped ? FSIMG_EIO : 0;
}

/* lz's cluster with its first n items applied, into b from dev's bytes. */
static int lazy_build(const struct xlog_ovl_lazy *lz, uint32_t n, fsimg_io *dev, bool pread, uint8_t *b)
{
	const struct xlog_ovl_item *e = lz->first;
	int err = dev_read(dev, pread, b, lz->daddr, lz->bbs);

	for (uint32_t k = 0; !err && k < n && e; k++, e = e->next)
		err = item_apply(lz, e, b);
	return err;
}

uint64_t xlog_ovl_lazy_daddr(const struct xlog_ovl_lazy *lz)
{
	return lz->daddr;
}

uint32_t xlog_ovl_lazy_bbs(const struct xlog_ovl_lazy *lz)
{
	return lz->bbs;
}

int xlog_ovl_lazy_read(const struct xlog_ovl_lazy *lz, fsimg_io *dev, uint8_t *buf)
{
	return lazy_build(lz, lz->nitems, dev, fsimg_io_pread(dev, NULL, 0, 0) == 0, buf);
}

/* lz's data made for its pages: it is lazy no more. */
static int lazy_make(struct xlog_ovl *o, struct xlog_ovl_lazy *lz)
{
	int err;

	if (!lz->data && !(lz->data = malloc((size_t)lz->bbs * XLOG_BBSIZE)))
		return FSIMG_ENOMEM;
	err = lazy_build(lz, lz->nitems, lz->log->fs->io, o->pread, lz->data);

	if (err == FSIMG_EIO)
		return xlog_error(lz->log, FSIMG_EIO, "cannot read daddr %#llx", (unsigned long long)lz->daddr);
	if (err)
		return err;
	for (uint32_t k = 0; k < lz->bbs / PAGE_SECS; k++) {
		lz->pg[k].data = lz->data + (size_t)k * PAGE_BYTES;
		lz->pg[k].lazy = NULL;
	}
	o->nlazy--;
	return 0;
}

/* Every lazy cluster with a page in [daddr, daddr + bbs) made. */
static int unlazy(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs)
{
	uint64_t first = daddr - daddr % PAGE_SECS;

	for (uint64_t i = 0; o->nlazy && i < (uint64_t)bbs + daddr % PAGE_SECS; i += PAGE_SECS) {
		struct xlog_ovl_page *p = page_find(o, first + i);
		int err;

		if (p && p->lazy && (err = lazy_make(o, p->lazy)))
			return err;
	}
	return 0;
}

/* A copy of it (its regions' bytes after them) for lz, at the end of its items. */
static int item_keep(struct xlog_ovl *o, struct xlog_ovl_lazy *lz, const struct xlog_item *it,
		     const struct xlog_item_info *info, uint64_t lsn, size_t need)
{
	struct xlog_ovl_item *e = chunk_take(o, need);
	uint8_t *at;

	if (!e)
		return FSIMG_ENOMEM;
	e->next = NULL;
	e->lsn = lsn;
	e->ino = info->ino;
	e->boffset = info->boffset;
	e->fields = info->fields;
	e->fmt32 = info->fmt32;
	e->cnt = (uint8_t)it->cnt;
	at = (uint8_t *)(e->len + it->cnt);
	for (uint32_t k = 0; k < it->cnt; k++) {
		e->len[k] = it->reg[k].len;
		if (it->reg[k].len)
			memcpy(at, it->reg[k].p, it->reg[k].len);
		at += it->reg[k].len;
	}
	if (lz->last)
		lz->last->next = e;
	else
		lz->first = e;
	lz->last = e;
	lz->nitems++;
	return 0;
}

/* The device's bytes of [daddr, daddr + bbs) in o->base (kept: the next item is on it, mostly). */
static int base_read(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t bbs)
{
	int err;

	if (o->base_bbs && o->base_daddr == daddr && o->base_bbs == bbs)
		return 0;
	if (!o->base && !(o->base = malloc((size_t)LAZY_MAX_BBS * XLOG_BBSIZE)))
		return FSIMG_ENOMEM;
	o->base_bbs = 0;
	if ((err = dev_read(log->fs->io, o->pread, o->base, daddr, bbs)))
		return err == FSIMG_EIO ? xlog_error(log, FSIMG_EIO, "cannot read daddr %#llx",
						     (unsigned long long)daddr) : err;
	o->base_daddr = daddr;
	o->base_bbs = bbs;
	return 0;
}

/* A new lazy cluster [daddr, daddr + bbs) over o->base: its pages, every sector written. */
static struct xlog_ovl_lazy *lazy_new(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t bbs)
{
	uint32_t isz = log->fs->inode_size, nino = bbs * XLOG_BBSIZE / isz, n = bbs / PAGE_SECS;
	struct xlog_ovl_lazy *lz = chunk_take(o, sizeof *lz + n * sizeof lz->pg[0] + (size_t)nino * WIN_BYTES);
	struct xlog_ovl_page *p;

	/* pages without data (the slabs' stay packed with what recovery writes at once) */
	if (!lz || !(p = pages_put(o, log, daddr, n, lz->pg)))
		return NULL;
	lz->daddr = daddr;
	lz->bbs = bbs;
	lz->nitems = 0;
	lz->first = lz->last = NULL;
	lz->log = log;
	lz->data = NULL;
	lz->next = o->lazies;
	o->lazies = lz;
	lz->win = (uint8_t *)&lz->pg[n];
	for (uint32_t i = 0; i < nino; i++)
		for (unsigned w = 0; w < 3; w++)
			memcpy(lz->win + (size_t)i * WIN_BYTES + w * 8, o->base + (size_t)i * isz + win_off[w], 8);
	for (uint32_t k = 0; k < n; k++) {
		p[k].mask = PAGE_FULL;
		p[k].lazy = lz;
	}
	o->nsec += bbs;
	o->nlazy++;
	return lz;
}

int xlog_ovl_inode(struct xlog_ovl *o, xlog *log, const struct xlog_item *it,
		   const struct xlog_item_info *info, uint64_t lsn, bool *done, bool *skipped)
{
	uint64_t daddr = (uint64_t)info->blkno, size = log->fs->io_size / XLOG_BBSIZE;
	uint32_t bbs = info->bblen, n = bbs / PAGE_SECS, isz = log->fs->inode_size, ino;
	struct xlog_ovl_page *p = page_find(o, daddr);
	struct xlog_ovl_lazy *lz = NULL;
	size_t need = sizeof(struct xlog_ovl_item) + (size_t)it->cnt * sizeof(uint32_t);
	struct xlog_item_info w;
	uint8_t sc[2048];
	const uint8_t *win;
	int err;

	*done = *skipped = false;
	/* the items' copies are at most the log's bytes, with a few dozen bytes each beside */
	if (!o->lazy_max)
		o->lazy_max = 2 * log->mem_max;
	/* whole pages of the device, as a claim takes them, with the inode inside */
	if (info->blkno < 0 || !bbs || bbs > LAZY_MAX_BBS || daddr % PAGE_SECS || bbs % PAGE_SECS ||
	    daddr > size || bbs > size - daddr || it->cnt > LAZY_REGS || isz < 256 || isz > sizeof sc ||
	    info->boffset < 0 || (uint32_t)info->boffset % isz ||
	    (uint64_t)info->boffset + isz > (uint64_t)bbs * XLOG_BBSIZE)
		return 0;
	if (p && p->lazy && p->lazy->daddr == daddr && p->lazy->bbs == bbs && p->lazy->nitems < LAZY_ITEMS)
		lz = p->lazy;
	else
		for (uint32_t k = 0; k < n; k++)
			if (page_find(o, daddr + (uint64_t)k * PAGE_SECS))
				return 0;
	for (uint32_t k = 0; k < it->cnt; k++)
		need += it->reg[k].len;
	if (need > CHUNK_BYTES / 2 ||
	    o->lazy_bytes + need + sizeof *lz + (size_t)bbs * XLOG_BBSIZE / isz * WIN_BYTES + 64 > o->lazy_max)
		return 0;
	ino = (uint32_t)info->boffset / isz;
	if (!lz && (err = base_read(o, log, daddr, bbs)))
		return err;
	/* the inode as the item's checks see it, alone in a buffer of its own */
	memset(sc, 0, isz);
	for (unsigned k = 0; k < 3; k++) {
		win = lz ? lz->win + (size_t)ino * WIN_BYTES + k * 8 : o->base + (size_t)info->boffset + win_off[k];
		memcpy(sc + win_off[k], win, 8);
	}
	w = *info;
	w.boffset = 0;
	w.bblen = isz / XLOG_BBSIZE ? isz / XLOG_BBSIZE : 1;
	if ((err = xlog_inode_replay(log, it, &w, sc, lsn, skipped)))
		return err;
	*done = true;
	if (*skipped)
		return 0;
	if (!lz && !(lz = lazy_new(o, log, daddr, bbs)))
		return FSIMG_ENOMEM;
	for (unsigned k = 0; k < 3; k++)
		memcpy(lz->win + (size_t)ino * WIN_BYTES + k * 8, sc + win_off[k], 8);
	return item_keep(o, lz, it, info, lsn, need);
}

int xlog_ovl_read(struct xlog_ovl *o, xlog *log, uint8_t *buf, uint64_t daddr, uint32_t bbs)
{
	uint32_t i = 0, dev = 0, ndev = 0;
	int err = dev_range(log, daddr, bbs);

	if (err || (err = unlazy(o, daddr, bbs)))
		return err;
	/* the written sectors from the overlay; each run of the others in one device read */
	while (i <= bbs) {
		const struct xlog_ovl_page *p = i < bbs ? page_find(o, daddr + i) : NULL;
		uint32_t n = i < bbs ? in_page(daddr + i, bbs - i) : 1;

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

	if (err || (err = unlazy(o, daddr, bbs)))
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
		/* (a lazy cluster's page is made first; if that fails, the read after says why) */
		return p->lazy && lazy_make(o, p->lazy) ? NULL : p->data + (size_t)(daddr % PAGE_SECS) * XLOG_BBSIZE;
	}
	if (!(p = page_find(o, daddr)) || (p->lazy && lazy_make(o, p->lazy)))
		return NULL;
	m = bits(daddr, bbs);
	return (p->mask & m) == m ? p->data + (size_t)(daddr % PAGE_SECS) * XLOG_BBSIZE : NULL;
}

const uint8_t *xlog_ovl_page(const struct xlog_ovl *o, uint64_t daddr, const struct xlog_ovl_lazy **lazy)
{
	const struct xlog_ovl_page *p = page_find(o, daddr);

	*lazy = p ? p->lazy : NULL;
	return p && !p->lazy ? p->data : NULL;
}

const uint8_t *xlog_ovl_sector(const struct xlog_ovl *o, uint64_t daddr)
{
	struct xlog_ovl_page *p = page_find(o, daddr);
	uint32_t slot = (uint32_t)(daddr % PAGE_SECS);

	if (!p || !(p->mask >> slot & 1))
		return NULL;
	/* the overlay's one change after the plan (its readers here are on one thread) */
	if (p->lazy && lazy_make((struct xlog_ovl *)(uintptr_t)o, p->lazy))
		return NULL;
	return p->data + (size_t)slot * XLOG_BBSIZE;
}

int xlog_ovl_get(const struct xlog_ovl *o, fsimg_io *dev, uint8_t *buf, uint64_t daddr, uint32_t bbs)
{
	const struct xlog_ovl_lazy *made = NULL;
	uint8_t *tmp = NULL;
	int err = 0;

	for (uint32_t i = 0; i < bbs && !err; i++) {
		const struct xlog_ovl_page *p = page_find(o, daddr + i);
		uint32_t slot = (uint32_t)((daddr + i) % PAGE_SECS);

		if (!p || !(p->mask >> slot & 1))
			continue;
		if (!p->lazy) {
			memcpy(buf + (size_t)i * XLOG_BBSIZE, p->data + (size_t)slot * XLOG_BBSIZE, XLOG_BBSIZE);
			continue;
		}
		if (made != p->lazy) {
			if (!tmp && !(tmp = malloc((size_t)LAZY_MAX_BBS * XLOG_BBSIZE)))
				return FSIMG_ENOMEM;
			if ((err = xlog_ovl_lazy_read(p->lazy, dev, tmp)))
				break;
			made = p->lazy;
		}
		memcpy(buf + (size_t)i * XLOG_BBSIZE, tmp + (size_t)(daddr + i - made->daddr) * XLOG_BBSIZE,
		       XLOG_BBSIZE);
	}
	free(tmp);
	return err;
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
	for (const struct xlog_ovl_lazy *lz = o->lazies; lz; lz = lz->next)
		for (uint32_t i = 0; i < lz->bbs / PAGE_SECS; i++)
			pg[np++] = &lz->pg[i];
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
