/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growing arrays filled one element at a time, and searching sorted ones. */
#ifndef FSIMG_CORE_ARRAY_H
#define FSIMG_CORE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Makes *arr, of *cap elements of sz bytes, hold at least need elements,
 * doubling its capacity (from 16) so that n appends cost O(n) copying.
 * False when out of memory or when the size would not fit a size_t; *arr
 * and *cap are then as they were.
 */
static inline bool array_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return true;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / sz)
		return false;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/*
 * Makes room for want elements of sz bytes in *arr up front, so that an
 * array filled one by one is not copied as it grows. Large blocks are
 * mapped lazily: only what is filled is ever touched. Failure is no error:
 * *arr stays as it was, and array_grow makes room as it is filled.
 */
static inline void array_reserve(void **arr, size_t *cap, size_t want, size_t sz)
{
	void *p;

	if (want <= *cap || want > SIZE_MAX / sz)
		return;
	p = realloc(*arr, want * sz);
	if (!p)
		return;
	*arr = p;
	*cap = want;
}

/*
 * The first of n elements of sz bytes at base, sorted by an unsigned key of
 * key_sz (1, 2, 4 or 8) host-order bytes at key_off in each, whose key is
 * >= key; n when there is none. base may be NULL when n is 0.
 */
static inline size_t array_lower_bound(const void *base, size_t n, size_t sz, size_t key_off,
				       size_t key_sz, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint8_t *p = (const uint8_t *)base + mid * sz + key_off;
		uint64_t k;

		if (key_sz == 8) {
			memcpy(&k, p, 8);
		} else if (key_sz == 4) {
			uint32_t k32;

			memcpy(&k32, p, 4);
			k = k32;
		} else if (key_sz == 2) {
			uint16_t k16;

			memcpy(&k16, p, 2);
			k = k16;
		} else {
			k = *p;
		}
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* array_lower_bound over arr[0..n), sorted by the unsigned integer member field. */
#define ARRAY_LOWER_BOUND(arr, n, field, key)                                              \
	array_lower_bound((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), field), \
			  sizeof((arr)->field), (key))

#endif /* FSIMG_CORE_ARRAY_H */
