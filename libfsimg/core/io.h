/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The I/O vtable behind fsimg_io: file, memory, and (later) journal overlay. */
#ifndef FSIMG_CORE_IO_H
#define FSIMG_CORE_IO_H

#include "fsimg/fsimg.h"

struct image_meta;

struct fsimg_io {
	struct fsimg_io_ops ops;
	void *priv;
	/* containers and partitions (core/image.c): what the source is; not owned */
	const struct image_meta *meta;
};

#include <stdbool.h>

/*
 * When io is a read cache (fsimg_io_open_cache): its inner source and its
 * geometry, so that a layer can be slid under it. False for other sources.
 */
bool io_cache_geometry(const fsimg_io *io, fsimg_io **inner, size_t *chunk_size, unsigned *nchunks)
	__attribute__((visibility("hidden")));

/* Formats a one-line reason into errbuf (when given) and returns err. */
int errbuf_fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), visibility("hidden")));

#endif
