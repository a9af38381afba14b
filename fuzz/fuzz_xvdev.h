/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the XFS log recovery harnesses (fuzz_xplan.c, fuzz_xfin.c): the
 * data device as a virtual one (sb_dblocks blocks of zeros but for the
 * input's extents and the superblock sector over them), the input's layout
 * (option byte, superblock sector, be32 LEN and LEN bytes of log, then
 * extents: be64 daddr, be32 sectors, the bytes) and what a plan promises.
 */
#ifndef FSIMG_FUZZ_XVDEV_H
#define FSIMG_FUZZ_XVDEV_H

#include <stdio.h>

#include "fuzz_xlog.h"
#include "xlog/plan.h"

#define XPLAN_MAX_EXTENTS 4096u

struct vext {
	uint64_t off;
	uint32_t len;
	const uint8_t *p;
};

struct vdev {
	uint64_t size;
	const uint8_t *sb;
	struct vext *ext;
	size_t n;
	bool trace; /* FUZZ_XVDEV_READS: every read to stderr (fuzz/mkseeds_xfin_min.py) */
};

static inline void copy_in(uint8_t *buf, size_t len, uint64_t off, uint64_t xoff, const uint8_t *p, uint64_t xlen)
{
	uint64_t a = off > xoff ? off : xoff;
	uint64_t b = off + len < xoff + xlen ? off + len : xoff + xlen;

	if (a < b)
		memcpy(buf + (a - off), p + (a - xoff), (size_t)(b - a));
}

static inline int vread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct vdev *d = priv;

	if (off > d->size || len > d->size - off)
		return FSIMG_EIO;
	if (d->trace)
		fprintf(stderr, "vread %llu %zu\n", (unsigned long long)off, len);
	memset(buf, 0, len);
	for (size_t i = 0; i < d->n; i++)
		copy_in(buf, len, off, d->ext[i].off, d->ext[i].p, d->ext[i].len);
	copy_in(buf, len, off, 0, d->sb, 512);
	return 0;
}

static inline uint64_t vsize(void *priv)
{
	return ((struct vdev *)priv)->size;
}

static inline int vfd(void *priv)
{
	(void)priv;
	return -1;
}

static inline void vclose(void *priv)
{
	(void)priv;
}

static const struct fsimg_io_ops vdev_ops = { vread, vsize, vfd, vclose, NULL };

static inline uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The extents after the log; stops at the first that does not fit. */
static inline void parse_extents(struct vdev *d, const uint8_t *p, size_t len)
{
	size_t pos = 0;

	while (len - pos >= 12 && d->n < XPLAN_MAX_EXTENTS) {
		uint64_t daddr = be64(p + pos);
		uint32_t n = be32(p + pos + 8);
		pos += 12;
		if (n > (len - pos) / 512 || daddr > UINT64_MAX / 512 - n)
			break;
		d->ext[d->n].off = daddr * 512;
		d->ext[d->n].len = n * 512u;
		d->ext[d->n].p = p + pos;
		d->n++;
		pos += (size_t)n * 512;
	}
}

/* What a plan promises its users (replay, the overlay). */
static inline void check_plan(const struct xlog_plan *plan, uint64_t devsize)
{
	for (size_t i = 0; i < plan->nwrites; i++) {
		const struct xlog_write *w = &plan->writes[i];
		if (!w->len || w->len % 512 || w->off % 512 || w->off > devsize || w->len > devsize - w->off)
			abort();
		if (i && plan->writes[i - 1].off + plan->writes[i - 1].len > w->off)
			abort();
		/* every sector of the run has its bytes in the plan's overlay */
		for (uint32_t k = 0; k < w->len / 512; k++) {
			const uint8_t *s = xlog_ovl_sector(&plan->ovl, w->off / 512 + k);
			if (!s)
				abort();
			fuzz_use(s, 512);
		}
	}
	for (size_t i = 0; i < plan->npending; i++)
		if (!memchr(plan->pending[i].what, '\0', sizeof plan->pending[i].what))
			abort();
	if (!getenv("FUZZ_XPLAN_PRINT"))
		return;
	for (size_t i = 0; i < plan->nwrites; i++)
		printf("write %llu %u\n", (unsigned long long)plan->writes[i].off, plan->writes[i].len);
	for (size_t i = 0; i < plan->npending; i++)
		printf("pending %s\n", plan->pending[i].what);
	printf("skipped-lsn %llu cancelled %llu replayed %llu\n", (unsigned long long)plan->skipped_lsn,
	       (unsigned long long)plan->cancelled, (unsigned long long)plan->replayed);
}

/* One input's devices, filesystem and log. */
struct xrun {
	struct fuzz_input in;
	struct vdev dev;
	fsimg_io *devio, *logio;
	uint8_t *lb;
	size_t llen, loglen;
	xfs_fs *fs;
	xlog *log;
};

/*
 * Opens the input's filesystem and log (head and tail found); fix, when not
 * NULL, runs on the parsed extents before the filesystem is opened (they
 * point into r->in.img, which may be written). 0, or -1 when the input goes
 * no further; close with xrun_close either way.
 */
static inline int xrun_open(struct xrun *r, const uint8_t *data, size_t size, void (*fix)(struct xrun *))
{
	uint32_t bs;

	memset(r, 0, sizeof *r);
	if (fuzz_input_open(&r->in, data, size))
		return -1;
	if (r->in.len < 516)
		return -1;
	r->loglen = be32(r->in.img + 512);
	if (r->loglen > r->in.len - 516)
		return -1;
	r->lb = fuzz_xlog_external(r->in.img, r->in.img + 516, r->loglen, &r->llen);
	if (!r->lb)
		return -1;
	bs = 1u << (r->in.img[120] & 31);
	/* sb_dblocks, bounded: the device is virtual, but keep offsets sane */
	r->dev.size = be64(r->in.img + 8);
	if (r->dev.size > (1ull << 40) / bs)
		r->dev.size = (1ull << 40) / bs;
	r->dev.size *= bs;
	if (r->dev.size < 512)
		return -1;
	r->dev.sb = r->in.img;
	r->dev.trace = getenv("FUZZ_XVDEV_READS") != NULL;
	r->dev.ext = calloc(XPLAN_MAX_EXTENTS, sizeof *r->dev.ext);
	if (!r->dev.ext)
		return -1;
	parse_extents(&r->dev, r->in.img + 516 + r->loglen, r->in.len - 516 - r->loglen);
	if (fix)
		fix(r);
	if (fsimg_io_open_ops(&r->devio, &vdev_ops, &r->dev) || fsimg_io_open_mem(&r->logio, r->lb, r->llen))
		return -1;
	return fuzz_xlog_open(&r->fs, &r->log, r->devio, r->logio, r->lb, r->loglen, r->in.opts);
}

static inline void xrun_close(struct xrun *r)
{
	fuzz_xlog_close(r->fs, r->log, r->devio, r->logio);
	free(r->dev.ext);
	free(r->lb);
	if (r->in.img)
		fuzz_input_close(&r->in);
}

#endif /* FSIMG_FUZZ_XVDEV_H */
