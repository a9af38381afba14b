/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS recovery as an overlay source of 512-byte sectors (the front's
 * apply op): the plan's written sectors, then the superblock and the clean
 * log the mount and unmount leave, which win where they meet. The sectors
 * are immutable once the plan is made, and the stale log blocks are made
 * from the plan's fixed figures when read: reads are safe from several
 * threads (the overlay's pread).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/overlay.h"
#include "xlog/recovery_int.h"

struct sect {
	uint64_t daddr;
	const uint8_t *p;  /* NULL: a stale log block, log block lblk */
	uint32_t order;    /* later sources win */
	uint32_t lblk;
};

struct xsrc {
	struct overlay_src s;
	const struct xrec *xr;
	struct sect *e;
};

/* Sector i's bytes: in place, or made in tmp. */
static const uint8_t *sect_bytes(const struct xsrc *xs, size_t i, uint8_t *tmp)
{
	if (xs->e[i].p)
		return xs->e[i].p;
	xrec_stale_sector(xs->xr, tmp, xs->e[i].lblk);
	return tmp;
}

static uint64_t xsrc_block(void *priv, size_t i)
{
	return ((const struct xsrc *)priv)->e[i].daddr;
}

static int xsrc_read(void *priv, size_t i, size_t max, void *vbuf, size_t len, uint32_t in,
		     size_t *count)
{
	const struct xsrc *xs = priv;
	uint8_t *buf = vbuf, tmp[XLOG_BBSIZE];
	size_t k = 0;

	if (in || len < XLOG_BBSIZE) {
		memcpy(buf, sect_bytes(xs, i, tmp) + in, len < XLOG_BBSIZE - in ? len : XLOG_BBSIZE - in);
		*count = 1;
		return 0;
	}
	if (max == 0)
		max = 1;
	while (k < max && i + k < xs->s.n && (size_t)(k + 1) * XLOG_BBSIZE <= len &&
	       xs->e[i + k].daddr == xs->e[i].daddr + k) {
		const struct sect *e = &xs->e[i + k];
		size_t r = 1;

		if (!e->p) {
			xrec_stale_sector(xs->xr, buf + k * XLOG_BBSIZE, e->lblk);
			k++;
			continue;
		}
		/* sectors next to each other in memory too (an overlay page's): one copy */
		while (k + r < max && i + k + r < xs->s.n && (k + r + 1) * XLOG_BBSIZE <= len &&
		       e[r].daddr == e->daddr + r && e[r].p == e->p + r * XLOG_BBSIZE)
			r++;
		memcpy(buf + k * XLOG_BBSIZE, e->p, r * XLOG_BBSIZE);
		k += r;
	}
	*count = k;
	return 0;
}

static void xsrc_release(void *priv)
{
	struct xsrc *xs = priv;

	free(xs->e);
	free(xs);
}

static int cmp_sect(const void *a, const void *b)
{
	const struct sect *x = a, *y = b;

	if (x->daddr != y->daddr)
		return x->daddr < y->daddr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorted by daddr, one entry per sector: the last source's (the highest order). */
static size_t sort_unique(struct sect *e, size_t n)
{
	size_t u = 0;

	if (n > 1)
		qsort(e, n, sizeof(*e), cmp_sect);
	for (size_t i = 0; i < n; i++) {
		if (u && e[u - 1].daddr == e[i].daddr)
			u--;
		e[u++] = e[i];
	}
	return u;
}

static size_t add_sects(struct sect *e, size_t n, const struct fin *f)
{
	for (uint32_t k = 0; k < f->len / XLOG_BBSIZE; k++) {
		e[n].daddr = f->off / XLOG_BBSIZE + k;
		e[n].p = f->bytes ? f->bytes + (size_t)k * XLOG_BBSIZE : NULL;
		e[n].order = (uint32_t)n;
		e[n].lblk = f->lblk + k;
		n++;
	}
	return n;
}

int xrec_apply(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io, const fsimg_recovery *r,
	       unsigned flags)
{
	const struct xrec *xr = xrec_of(r);
	const struct xlog_plan *p = xr->plan;
	size_t nw = 0, nf = 0, j = 0, u = 0, nfin = (flags & FSIMG_RECOVERY_BLOCKS_ONLY) ? 0 : xr->nfin;
	/* the external log device's view: its clean log alone */
	unsigned dev = (flags & FSIMG_RECOVERY_LOG_DEVICE) ? FSIMG_RECOVERY_DEV_LOG : FSIMG_RECOVERY_DEV_FS;
	size_t nwrites = dev == FSIMG_RECOVERY_DEV_FS ? p->nwrites : 0;
	struct sect *fe = NULL;
	struct xsrc *xs;
	int err;

	(void)fs_io;
	*out = NULL;
	if (dev == FSIMG_RECOVERY_DEV_LOG && !xr->log->geom.external)
		return FSIMG_ENOTSUP_OP;
	for (size_t k = 0; k < nwrites; k++)
		nw += p->writes[k].len / XLOG_BBSIZE;
	for (size_t k = 0; k < nfin; k++)
		nf += xr->fin[k].device == dev ? xr->fin[k].len / XLOG_BBSIZE : 0;
	xs = calloc(1, sizeof(*xs));
	if (xs)
		xs->e = malloc((nw + nf ? nw + nf : 1) * sizeof(*xs->e));
	fe = malloc((nf ? nf : 1) * sizeof(*fe));
	if (!xs || !xs->e || !fe) {
		if (xs)
			free(xs->e);
		free(xs);
		free(fe);
		return FSIMG_ENOMEM;
	}
	/* the plan's sectors: ascending, each once; the few the mount and unmount add after them win */
	nf = 0;
	for (size_t k = 0; k < nfin; k++)
		if (xr->fin[k].device == dev)
			nf = add_sects(fe, nf, &xr->fin[k]);
	nf = sort_unique(fe, nf);
	for (size_t k = 0; k < nwrites; k++) {
		const struct xlog_write *w = &p->writes[k];

		const uint8_t *pg = NULL;

		for (uint64_t d = w->off / XLOG_BBSIZE; d < (w->off + w->len) / XLOG_BBSIZE; d++) {
			/* one lookup a page of the overlay, not one a sector */
			if (!pg || d % XLOG_OVL_PAGE_SECS == 0)
				pg = xlog_ovl_page(&p->ovl, d);
			while (j < nf && fe[j].daddr < d)
				xs->e[u++] = fe[j++];
			if (j < nf && fe[j].daddr == d)
				xs->e[u++] = fe[j++];
			else
				xs->e[u++] = (struct sect){ d, pg + (d % XLOG_OVL_PAGE_SECS) * XLOG_BBSIZE, 0, 0 };
		}
	}
	while (j < nf)
		xs->e[u++] = fe[j++];
	free(fe);
	xs->xr = xr;
	xs->s.bs = XLOG_BBSIZE;
	xs->s.n = u;
	xs->s.priv = xs;
	xs->s.block = xsrc_block;
	xs->s.read = xsrc_read;
	xs->s.release = xsrc_release;
	xs->s.pread = true; /* immutable sectors; stale log blocks made from fixed figures */
	err = overlay_open(out, base, &xs->s);
	if (err < 0)
		xsrc_release(xs);
	return err;
}
