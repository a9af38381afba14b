/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The byte-range overlay: a read-only fsimg_io stacked on another that
 * returns, for every block its source replaces, the replacement, then the
 * byte-range patches on top, and base bytes elsewhere. Reads of any offset
 * and length are split at replaced blocks; unreplaced stretches go to the
 * base in one read, runs of whole replaced blocks to the source in one.
 *
 * It knows no filesystem and no log: a recovery plan (jbd2's today, the
 * XFS log's next) gives the blocks and computes the patches (a superblock
 * with its recovery flag cleared, a log superblock reset) from what it
 * reads through the overlay itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/overlay.h"

struct patch {
	uint64_t off;
	size_t len;
	uint8_t *bytes;
};

struct overlay {
	fsimg_io *base;
	const struct overlay_src *src;
	uint64_t size;
	struct patch patch[OVERLAY_MAX_PATCHES];
	unsigned npatch;
};

/* Index of the first replaced block >= blk. */
static size_t lower_bound(const struct overlay_src *s, uint64_t blk)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->block(s->priv, mid) < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replaced blocks and base bytes, without patches; base through its pread when par. */
static int read_blocks(struct overlay *o, uint8_t *buf, size_t len, uint64_t off, bool par)
{
	const struct overlay_src *s = o->src;
	uint32_t bs = s->bs;
	size_t i = lower_bound(s, off / bs);
	int err;

	while (len > 0) {
		uint64_t blk = off / bs;
		uint32_t in = (uint32_t)(off % bs);
		size_t n, k = 1;

		if (i < s->n && s->block(s->priv, i) == blk) {
			if (in || len < bs) {
				n = bs - in < len ? bs - in : len;
				err = s->read(s->priv, i, 1, buf, n, in, &k);
				k = 1;
			} else {
				err = s->read(s->priv, i, len / bs, buf, (len / bs) * bs, 0, &k);
				if (k == 0 || k > len / bs)
					return FSIMG_EIO;
				n = k * bs;
			}
			if (err < 0)
				return err;
			i += k;
		} else {
			/*
			 * Up to the next replaced block, in one base read. A block
			 * past the image (its offset could wrap 64 bits) is no stop.
			 */
			uint64_t next = i < s->n ? s->block(s->priv, i) : UINT64_MAX;
			uint64_t stop = next < o->size / bs ? next * bs : UINT64_MAX;
			n = stop - off < len ? (size_t)(stop - off) : len;
			err = (par ? fsimg_io_pread : fsimg_io_read)(o->base, buf, n, off);
			if (err < 0)
				return err;
		}
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static void apply_patch(const struct patch *pt, uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t a = off > pt->off ? off : pt->off;
	uint64_t b = off + len < pt->off + pt->len ? off + len : pt->off + pt->len;

	if (a < b)
		memcpy(buf + (a - off), pt->bytes + (a - pt->off), (size_t)(b - a));
}

static int read_patched(struct overlay *o, void *buf, size_t len, uint64_t off, bool par)
{
	int err;

	if (off > o->size || len > o->size - off)
		return FSIMG_EIO;
	err = read_blocks(o, buf, len, off, par);
	if (err < 0)
		return err;
	for (unsigned p = 0; p < o->npatch; p++)
		apply_patch(&o->patch[p], buf, len, off);
	return 0;
}

static int overlay_read(void *priv, void *buf, size_t len, uint64_t off)
{
	return read_patched(priv, buf, len, off, false);
}

/*
 * With a source whose reads are thread-safe (an immutable plan) and a base
 * with a pread, the overlay has one: nothing of its own changes on a read
 * (the patches are fixed once the view is built).
 */
static int overlay_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct overlay *o = priv;

	if (!o->src->pread || fsimg_io_pread(o->base, NULL, 0, 0) != 0)
		return FSIMG_ENOTSUP_OP;
	if (len == 0)
		return 0;
	return read_patched(o, buf, len, off, true);
}

static uint64_t overlay_size(void *priv)
{
	return ((struct overlay *)priv)->size;
}

static int overlay_fd(void *priv)
{
	(void)priv;
	return -1; /* probing must see the overlay's bytes, not the file's */
}

static void overlay_close(void *priv)
{
	struct overlay *o = priv;

	for (unsigned p = 0; p < o->npatch; p++)
		free(o->patch[p].bytes);
	if (o->src->release)
		o->src->release(o->src->priv);
	free(o);
}

static const struct fsimg_io_ops overlay_ops = { overlay_read, overlay_size, overlay_fd, overlay_close,
						 overlay_pread };

int overlay_open(fsimg_io **out, fsimg_io *base, const struct overlay_src *src)
{
	struct overlay *o;
	int err;

	if (!out || !base || !src || !src->bs || (src->n && (!src->block || !src->read)))
		return FSIMG_EINVAL;
	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return FSIMG_ENOMEM;
	o->base = base;
	o->src = src;
	o->size = fsimg_io_size(base);
	err = fsimg_io_open_ops(out, &overlay_ops, o);
	if (err < 0)
		free(o); /* not overlay_close: the caller still owns src */
	return err;
}

int overlay_add_patch(fsimg_io *ov, uint64_t off, const void *bytes, size_t len)
{
	struct overlay *o;
	struct patch *pt;

	if (!ov || ov->ops.read != overlay_read || !bytes || !len || len > OVERLAY_PATCH_MAX)
		return FSIMG_EINVAL;
	o = ov->priv;
	if (o->npatch == OVERLAY_MAX_PATCHES || off > o->size || len > o->size - off)
		return FSIMG_ERANGE;
	pt = &o->patch[o->npatch];
	pt->bytes = malloc(len);
	if (!pt->bytes)
		return FSIMG_ENOMEM;
	memcpy(pt->bytes, bytes, len);
	pt->off = off;
	pt->len = len;
	o->npatch++;
	return 0;
}
