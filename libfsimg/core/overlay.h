/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The byte-range overlay (core/overlay.c): a read-only fsimg_io stacked on
 * another that returns, for every block a recovery plan replaces, the
 * replacement, and then byte-range patches on top; base bytes elsewhere.
 * It knows no filesystem: what replaces what comes from the plan's source.
 */
#ifndef FSIMG_CORE_OVERLAY_H
#define FSIMG_CORE_OVERLAY_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "fsimg/fsimg.h"

#ifndef FSIMG_HIDDEN
#define FSIMG_HIDDEN __attribute__((visibility("hidden")))
#endif

/*
 * The replaced blocks, bs bytes each, n of them, sorted by block number
 * without duplicates. read fills len bytes starting at byte in of block
 * i's replacement; when in is 0 and len covers whole blocks it may serve up
 * to max consecutive entries at once (consecutive blocks whose copies lie
 * side by side in its own storage) and says how many in *count.
 */
struct overlay_src {
	uint32_t bs;
	size_t n;
	void *priv;
	uint64_t (*block)(void *priv, size_t i);
	int (*read)(void *priv, size_t i, size_t max, void *buf, size_t len, uint32_t in,
		    size_t *count);
	/* Called when the overlay is closed (may be NULL): frees what priv holds. */
	void (*release)(void *priv);
	/* read is safe from several threads at once: the overlay then has a pread when base has. */
	bool pread;
};

/* The overlay over base; src must outlive it (its release, if any, runs at close). */
FSIMG_HIDDEN int overlay_open(fsimg_io **out, fsimg_io *base, const struct overlay_src *src);
/*
 * Replaces len bytes at off, over the blocks and the base (a patched
 * superblock). The overlay keeps a copy; at most OVERLAY_MAX_PATCHES.
 */
#define OVERLAY_MAX_PATCHES 4
#define OVERLAY_PATCH_MAX 4096
FSIMG_HIDDEN int overlay_add_patch(fsimg_io *ov, uint64_t off, const void *bytes, size_t len);

#endif /* FSIMG_CORE_OVERLAY_H */
