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

/*
 * The sectors the mount and unmount write on dev, ascending, each once with
 * the last fin's bytes that writes it (fins are in write order). They are
 * up to FIN_MAX ranges, but a clean log's stale blocks are thousands of
 * sectors: the ranges are cut at every fin's ends, and each piece is
 * written out from the last fin covering it, with no sort of the sectors.
 */
static size_t fin_sects(struct sect *e, const struct xrec *xr, size_t nfin, unsigned dev)
{
	uint64_t cut[2 * FIN_MAX], t;
	size_t nc = 0, n = 0;

	for (size_t k = 0; k < nfin; k++)
		if (xr->fin[k].device == dev) {
			cut[nc++] = xr->fin[k].off / XLOG_BBSIZE;
			cut[nc++] = xr->fin[k].off / XLOG_BBSIZE + xr->fin[k].len / XLOG_BBSIZE;
		}
	for (size_t i = 1; i < nc; i++)
		for (size_t j = i; j > 0 && cut[j - 1] > cut[j]; j--)
			t = cut[j], cut[j] = cut[j - 1], cut[j - 1] = t;
	for (size_t i = 0; i + 1 < nc; i++) {
		const struct fin *f = NULL;

		if (cut[i] == cut[i + 1])
			continue;
		/* [cut[i], cut[i + 1]) has no fin's end inside: one fin (the last) for all of it */
		for (size_t k = nfin; k-- > 0;) {
			uint64_t s = xr->fin[k].off / XLOG_BBSIZE;

			if (xr->fin[k].device == dev && s <= cut[i] && cut[i] < s + xr->fin[k].len / XLOG_BBSIZE) {
				f = &xr->fin[k];
				break;
			}
		}
		for (uint64_t d = cut[i]; f && d < cut[i + 1]; d++) {
			uint64_t k = d - f->off / XLOG_BBSIZE;

			e[n].daddr = d;
			e[n].p = f->bytes ? f->bytes + (size_t)k * XLOG_BBSIZE : NULL;
			e[n].lblk = f->lblk + (uint32_t)k;
			n++;
		}
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
	nf = fin_sects(fe, xr, nfin, dev);
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
				xs->e[u++] = (struct sect){ d, pg + (d % XLOG_OVL_PAGE_SECS) * XLOG_BBSIZE, 0 };
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
