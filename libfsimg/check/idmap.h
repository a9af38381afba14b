/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small map from a 64-bit key (an inode or block number, never 0) to a
 * 64-bit value, safe from pass 2's threads (one mutex), growing by doubling
 * up to a limit the caller sets from the filesystem's size; past it (or out
 * of memory) it stops taking keys and says so: its answers are then partial.
 */
#ifndef FSIMG_CHECK_IDMAP_H
#define FSIMG_CHECK_IDMAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap_slot {
	uint64_t key; /* 0: empty */
	uint64_t val;
};
struct idmap {
	pthread_mutex_t mu;
	struct idmap_slot *s;
	size_t cap, n, limit;
	bool overflow;
};

#define IDMAP_HIDDEN __attribute__((visibility("hidden")))
/* NULL when out of memory. */
IDMAP_HIDDEN struct idmap *idmap_new(size_t limit);
IDMAP_HIDDEN void idmap_free(struct idmap *m);
/* Sets key's value (set) or adds to it (!set, from 0). */
IDMAP_HIDDEN void idmap_put(struct idmap *m, uint64_t key, uint64_t val, bool set);
/* 1 and *val, 0 absent, -1 the map overflowed (absent keys unknown). Not while others put. */
IDMAP_HIDDEN int idmap_get(const struct idmap *m, uint64_t key, uint64_t *val);

#endif
