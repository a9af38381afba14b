/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growing arrays filled one element at a time. */
#ifndef FSIMG_CORE_ARRAY_H
#define FSIMG_CORE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

#endif /* FSIMG_CORE_ARRAY_H */
