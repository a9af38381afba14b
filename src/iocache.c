/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small read cache between the image and the library. Walks over a whole
 * filesystem read one inode (256 bytes) at a time, each a pread of its own;
 * caching aligned 64 KiB chunks turns ~200k system calls into a few
 * thousand. The cache is direct-mapped and bounded (CACHE_SLOTS chunks), so
 * memory stays small whatever the image size; large reads bypass it.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iocache.h"

#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define CACHE_SLOTS 128

struct slot {
	uint64_t chunk;      /* chunk number + 1; 0 = empty */
	size_t len;          /* valid bytes (short at the end of the image) */
	unsigned char *data;
};

struct iocache {
	fsimg_io *inner;
	int fd;              /* for probing only */
	uint64_t size;
	struct slot slots[CACHE_SLOTS];
};

static int cache_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct iocache *c = priv;
	uint64_t chunk = off >> CHUNK_SHIFT;
	size_t in = (size_t)(off & (CHUNK_SIZE - 1));
	struct slot *s;

	if (off > c->size || len > c->size - off)
		return FSIMG_EIO;
	/* Reads crossing a chunk (block runs, file data) go straight through. */
	if (len > CHUNK_SIZE - in)
		return fsimg_io_read(c->inner, buf, len, off);
	s = &c->slots[chunk % CACHE_SLOTS];
	if (s->chunk != chunk + 1) {
		uint64_t start = chunk << CHUNK_SHIFT;
		size_t n = c->size - start < CHUNK_SIZE ? (size_t)(c->size - start) : CHUNK_SIZE;

		if (!s->data && !(s->data = malloc(CHUNK_SIZE)))
			return fsimg_io_read(c->inner, buf, len, off);
		s->chunk = 0;
		if (fsimg_io_read(c->inner, s->data, n, start) < 0)
			return fsimg_io_read(c->inner, buf, len, off);
		s->chunk = chunk + 1;
		s->len = n;
	}
	if (in + len > s->len)
		return FSIMG_EIO;
	memcpy(buf, s->data + in, len);
	return 0;
}

static uint64_t cache_size(void *priv)
{
	return ((struct iocache *)priv)->size;
}

static int cache_fd(void *priv)
{
	return ((struct iocache *)priv)->fd;
}

static void cache_close(void *priv)
{
	struct iocache *c = priv;

	for (int i = 0; i < CACHE_SLOTS; i++)
		free(c->slots[i].data);
	if (c->fd >= 0)
		close(c->fd);
	fsimg_io_close(c->inner);
	free(c);
}

static const struct fsimg_io_ops cache_ops = { cache_read, cache_size, cache_fd, cache_close };

int cli_io_open_cached(fsimg_io **out, const char *path)
{
	struct iocache *c;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return FSIMG_ENOMEM;
	err = fsimg_io_open_file(&c->inner, path);
	if (err < 0) {
		free(c);
		return err;
	}
	c->size = fsimg_io_size(c->inner);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	err = fsimg_io_open_ops(out, &cache_ops, c);
	if (err < 0)
		cache_close(c);
	return err;
}
