/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The I/O vtable behind fsimg_io: file, memory, and (later) journal overlay. */
#ifndef FSIMG_CORE_IO_H
#define FSIMG_CORE_IO_H

#include "fsimg/fsimg.h"

struct fsimg_io {
	struct fsimg_io_ops ops;
	void *priv;
};

#include <stdbool.h>

/*
 * When io is a read cache (fsimg_io_open_cache): its inner source and its
 * geometry, so that a layer can be slid under it. False for other sources.
 */
bool io_cache_geometry(const fsimg_io *io, fsimg_io **inner, size_t *chunk_size, unsigned *nchunks)
	__attribute__((visibility("hidden")));

#endif
