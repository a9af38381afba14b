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

/*
 * len bytes at off from fd, read whole with pread (safe from several
 * threads; EINTR and short reads retried): 0, or -errno (-EIO at end of
 * file). The one full-read loop: the file source and the command's own
 * reads of images and undo files use it.
 */
int io_pread_full(int fd, void *buf, size_t len, uint64_t off) __attribute__((visibility("hidden")));

/* Bytes moved at once by the batched block loops (journal scan, replay). */
#define IO_BATCH_BYTES (1u << 20)

/* Blocks of bs bytes in one batch: at least one. */
static inline size_t io_batch_blocks(uint32_t bs)
{
	return IO_BATCH_BYTES / bs ? IO_BATCH_BYTES / bs : 1;
}

/*
 * A buffer for one batch of blocks of bs bytes, page-aligned: the kernel
 * copies to and from an unaligned one at a third of the speed (AMD EPYC,
 * pread of page-cached data: 48 MiB in 35 ms against 11 ms). Freed with
 * free(); NULL when out of memory.
 */
uint8_t *io_batch_alloc(uint32_t bs) __attribute__((visibility("hidden")));

/* Formats a one-line reason into errbuf (when given) and returns err. */
#include <stdarg.h>
int errbuf_vfail(char *errbuf, size_t errlen, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0), visibility("hidden")));
int errbuf_fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), visibility("hidden")));
/* Formats a notice and hands it to fn; nothing when no callback is set. */
void notice_vsend(fsimg_notice_fn fn, void *ctx, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0), visibility("hidden")));

#endif
