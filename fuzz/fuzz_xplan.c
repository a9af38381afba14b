/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the XFS log recovery planner (libfsimg/xlog/plan.c,
 * inode.c): the two passes over a log whose items meet the metadata they
 * log, so that buffer, inode, dquot and icreate replay, the v5 LSN rules
 * and the AGI unlinked scan all run on mutated bytes. The input, after the
 * option byte:
 *
 *   512 bytes     the superblock sector
 *   be32 LEN      then LEN bytes of log, read as an external log device
 *                 (fuzz_xlog.h: padded to the minimum, the superblock
 *                 pointed at it)
 *   extents       to the end: be64 daddr, be32 sectors, then the sectors'
 *                 bytes: the data device's contents there
 *
 * The data device is virtual: sb_dblocks blocks of zeros but for the
 * extents (a later one wins) and the superblock sector over them, so a seed
 * carries only the sectors the log touches (fuzz/mkseeds_xplan.py cuts
 * them from the crash fixtures). The plan must come out well formed:
 * writes ascending, not overlapping, inside the device; anything else
 * aborts. FUZZ_OPT_EXTRA recomputes the record CRCs first (as fuzz_xlog).
 * With FUZZ_XPLAN_PRINT set, the plan is printed as `xlogdump IMAGE plan`
 * prints it, so that a test can show a seed plans as its whole image does.
 */
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
};

static void copy_in(uint8_t *buf, size_t len, uint64_t off, uint64_t xoff, const uint8_t *p, uint64_t xlen)
{
	uint64_t a = off > xoff ? off : xoff;
	uint64_t b = off + len < xoff + xlen ? off + len : xoff + xlen;

	if (a < b)
		memcpy(buf + (a - off), p + (a - xoff), (size_t)(b - a));
}

static int vread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct vdev *d = priv;

	if (off > d->size || len > d->size - off)
		return FSIMG_EIO;
	memset(buf, 0, len);
	for (size_t i = 0; i < d->n; i++)
		copy_in(buf, len, off, d->ext[i].off, d->ext[i].p, d->ext[i].len);
	copy_in(buf, len, off, 0, d->sb, 512);
	return 0;
}

static uint64_t vsize(void *priv)
{
	return ((struct vdev *)priv)->size;
}

static int vfd(void *priv)
{
	(void)priv;
	return -1;
}

static void vclose(void *priv)
{
	(void)priv;
}

static const struct fsimg_io_ops vdev_ops = { vread, vsize, vfd, vclose, NULL };

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The extents after the log; stops at the first that does not fit. */
static void parse_extents(struct vdev *d, const uint8_t *p, size_t len)
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
static void check_plan(const struct xlog_plan *plan, uint64_t devsize)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct vdev dev;
	fsimg_io *devio = NULL, *logio = NULL;
	uint8_t *lb = NULL;
	size_t llen, loglen;
	xfs_fs *fs = NULL;
	xlog *log = NULL;
	struct xlog_plan *plan = NULL;
	uint32_t bs;

	memset(&dev, 0, sizeof dev);
	if (fuzz_input_open(&in, data, size))
		return 0;
	if (in.len < 516)
		goto out;
	loglen = be32(in.img + 512);
	if (loglen > in.len - 516)
		goto out;
	lb = fuzz_xlog_external(in.img, in.img + 516, loglen, &llen);
	if (!lb)
		goto out;
	bs = 1u << (in.img[120] & 31);
	/* sb_dblocks, bounded: the device is virtual, but keep offsets sane */
	dev.size = be64(in.img + 8);
	if (dev.size > (1ull << 40) / bs)
		dev.size = (1ull << 40) / bs;
	dev.size *= bs;
	if (dev.size < 512)
		goto out;
	dev.sb = in.img;
	dev.ext = calloc(XPLAN_MAX_EXTENTS, sizeof *dev.ext);
	if (!dev.ext)
		goto out;
	parse_extents(&dev, in.img + 516 + loglen, in.len - 516 - loglen);
	if (fsimg_io_open_ops(&devio, &vdev_ops, &dev) || fsimg_io_open_mem(&logio, lb, llen))
		goto out;
	if (fuzz_xlog_open(&fs, &log, devio, logio, lb, loglen, in.opts))
		goto out;
	if (!xlog_plan_build(&plan, log)) {
		check_plan(plan, dev.size);
		xlog_plan_free(plan);
	}
out:
	fuzz_xlog_close(fs, log, devio, logio);
	free(dev.ext);
	free(lb);
	fuzz_input_close(&in);
	return 0;
}
