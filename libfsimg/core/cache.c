/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bounded read cache stacked on another source. Whole-filesystem walks
 * read small records (a 256-byte inode, a directory block) scattered over
 * the image; each would be a system call of its own. The cache keeps aligned
 * chunks in a 4-way set-associative table with least-recently-used
 * replacement, so memory is fixed (nchunks * chunk_size) whatever the image
 * size, and interleaved streams (inode table, directory blocks, extent
 * blocks) do not evict each other the way a direct-mapped table does.
 * Reads larger than a chunk, or crossing one, go straight through.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/io.h"

#define WAYS 4u

struct chunk_slot {
	uint64_t key;          /* chunk number + 1; 0 = empty */
	uint64_t used;         /* tick of the last use */
	size_t len;            /* valid bytes (short at the end of the source) */
	uint8_t *data;
};

struct cache_src {
	fsimg_io *inner;
	uint64_t size;
	unsigned shift;        /* log2(chunk size) */
	unsigned nsets;
	uint64_t tick;
	struct chunk_slot *slots; /* nsets * WAYS */
};

static struct chunk_slot *cache_lookup(struct cache_src *c, uint64_t chunk)
{
	/* Fibonacci hashing spreads neighbouring chunks over the sets. */
	unsigned set = (unsigned)((chunk * 0x9E3779B97F4A7C15ull) >> 32) % c->nsets;
	struct chunk_slot *ways = &c->slots[(size_t)set * WAYS], *victim = &ways[0];

	for (unsigned i = 0; i < WAYS; i++) {
		if (ways[i].key == chunk + 1)
			return &ways[i];
		if (ways[i].used < victim->used)
			victim = &ways[i];
	}
	victim->key = 0;
	return victim;
}

static int cache_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct cache_src *c = priv;
	uint64_t csize = 1ull << c->shift;
	uint64_t chunk = off >> c->shift;
	size_t in = (size_t)(off & (csize - 1));
	struct chunk_slot *s;

	if (off > c->size || len > c->size - off)
		return FSIMG_EIO;
	if (len > csize - in)
		return fsimg_io_read(c->inner, buf, len, off);
	s = cache_lookup(c, chunk);
	if (!s->key) {
		uint64_t start = chunk << c->shift;
		size_t n = (size_t)(c->size - start < csize ? c->size - start : csize);

		if (!s->data && !(s->data = malloc((size_t)csize)))
			return fsimg_io_read(c->inner, buf, len, off);
		if (fsimg_io_read(c->inner, s->data, n, start) < 0)
			return fsimg_io_read(c->inner, buf, len, off);
		s->key = chunk + 1;
		s->len = n;
	}
	s->used = ++c->tick;
	if (in + len > s->len)
		return FSIMG_EIO;
	memcpy(buf, s->data + in, len);
	return 0;
}

static uint64_t cache_size(void *priv)
{
	return ((struct cache_src *)priv)->size;
}

static int cache_fd(void *priv)
{
	return fsimg_io_fd(((struct cache_src *)priv)->inner);
}

static void cache_close(void *priv)
{
	struct cache_src *c = priv;

	for (size_t i = 0; i < (size_t)c->nsets * WAYS; i++)
		free(c->slots[i].data);
	free(c->slots);
	fsimg_io_close(c->inner);
	free(c);
}

/* The cache itself is not thread-safe: pread goes past it, to the inner source's. */
static int cache_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	return fsimg_io_pread(((struct cache_src *)priv)->inner, buf, len, off);
}

static const struct fsimg_io_ops cache_ops = { cache_read, cache_size, cache_fd, cache_close, cache_pread };

bool io_cache_geometry(const fsimg_io *io, fsimg_io **inner, size_t *chunk_size, unsigned *nchunks)
{
	const struct cache_src *c;

	if (!io || io->ops.read != cache_read)
		return false;
	c = io->priv;
	*inner = c->inner;
	*chunk_size = (size_t)1 << c->shift;
	*nchunks = c->nsets * WAYS;
	return true;
}

int fsimg_io_open_cache(fsimg_io **out, fsimg_io *inner, size_t chunk_size, unsigned nchunks)
{
	struct cache_src *c;
	unsigned shift = 0;
	int err;

	if (!out || !inner || chunk_size < 512 || chunk_size > (1u << 24) ||
	    (chunk_size & (chunk_size - 1)) || nchunks < WAYS || nchunks > (1u << 16))
		return FSIMG_EINVAL;
	*out = NULL;
	while ((1ull << shift) < chunk_size)
		shift++;
	c = calloc(1, sizeof(*c));
	if (!c)
		return FSIMG_ENOMEM;
	c->inner = inner;
	c->size = fsimg_io_size(inner);
	c->shift = shift;
	c->nsets = nchunks / WAYS;
	c->slots = calloc((size_t)c->nsets * WAYS, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return FSIMG_ENOMEM;
	}
	err = fsimg_io_open_ops(out, &cache_ops, c);
	if (err < 0) {
		free(c->slots);
		free(c);
	}
	return err;
}
