/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The utf8-12.1 casefold of a name in a casefolded directory: the kernel's
 * utf8_casefold (fs/unicode) and e2fsprogs' nls_utf8.c, which hash and compare
 * names by their "nfdicf" form: canonical decomposition (NFD, Hangul by the
 * algorithm), Default_Ignorable_Code_Points removed, full case folding, then
 * canonical ordering of each run of combining marks by class (stable).
 *
 * The tables (utf8_casefold_table.h) are generated from the Unicode data files
 * by scripts/gen_utf8_casefold.py, limited to what Unicode 12.1 assigned; a
 * later code point stays itself with class 0, as in the kernel's 12.1 trie.
 *
 * A name that is not valid UTF-8 (bad or overlong sequences, surrogates,
 * beyond U+10FFFF) has no casefold: the kernel hashes its bytes as they are.
 * A NUL ends the name, as the kernel's cursor stops there.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "ext4/ext4.h"
#include "ext4/utf8_casefold_table.h"

#define HANGUL_SBASE 0xAC00u
#define HANGUL_LBASE 0x1100u
#define HANGUL_VBASE 0x1161u
#define HANGUL_TBASE 0x11A7u
#define HANGUL_VCOUNT 21u
#define HANGUL_TCOUNT 28u
#define HANGUL_NCOUNT (HANGUL_VCOUNT * HANGUL_TCOUNT)
#define HANGUL_SCOUNT 11172u

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

size_t ext4_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static size_t utf8_encode(uint32_t c, uint8_t *out)
{
	if (c < 0x80) {
		out[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (uint8_t)(0xC0 | (c >> 6));
		out[1] = (uint8_t)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (c >> 12));
		out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | (c >> 18));
	out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (c & 0x3F));
	return 4;
}

static const struct utf8cf_map *find_map(uint32_t cp)
{
	size_t lo = 0, hi = ARRAY_LEN(utf8cf_maps);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (utf8cf_maps[mid].cp == cp)
			return &utf8cf_maps[mid];
		if (utf8cf_maps[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static unsigned ccc_of(uint32_t cp)
{
	size_t lo = 0, hi = ARRAY_LEN(utf8cf_cccs);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (utf8cf_cccs[mid].cp == cp)
			return utf8cf_cccs[mid].ccc;
		if (utf8cf_cccs[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static bool ignorable(uint32_t cp)
{
	for (size_t i = 0; i < ARRAY_LEN(utf8cf_ignorable); i++)
		if (cp >= utf8cf_ignorable[i].lo && cp <= utf8cf_ignorable[i].hi)
			return true;
	return false;
}

#define CF_MAX_CPS 1024u

int ext4_utf8_casefold(const uint8_t *name, size_t len, uint8_t *out, size_t cap)
{
	uint32_t cps[CF_MAX_CPS];
	uint8_t cls[CF_MAX_CPS];
	size_t n = 0, at = 0, o = 0, i, j;

	while (at < len && name[at]) {
		uint32_t cp;
		size_t k = ext4_utf8_decode(name + at, len - at, &cp);

		if (k == 0)
			return -1;
		at += k;
		if (cp - HANGUL_SBASE < HANGUL_SCOUNT) {
			uint32_t si = cp - HANGUL_SBASE;

			if (n + 3 > CF_MAX_CPS)
				return -1;
			cps[n++] = HANGUL_LBASE + si / HANGUL_NCOUNT;
			cps[n++] = HANGUL_VBASE + (si % HANGUL_NCOUNT) / HANGUL_TCOUNT;
			if (si % HANGUL_TCOUNT)
				cps[n++] = HANGUL_TBASE + si % HANGUL_TCOUNT;
		} else if (ignorable(cp)) {
			continue;
		} else {
			const struct utf8cf_map *m = find_map(cp);

			if (!m) {
				if (n >= CF_MAX_CPS)
					return -1;
				cps[n++] = cp;
				continue;
			}
			if (n + m->len > CF_MAX_CPS)
				return -1;
			for (i = 0; i < m->len; i++)
				cps[n++] = utf8cf_pool[m->off + i];
		}
	}
	/* Canonical ordering: each run of non-zero classes sorted by class, stably. */
	for (i = 0; i < n; i++) {
		cls[i] = (uint8_t)ccc_of(cps[i]);
		if (cls[i] == 0)
			continue;
		for (j = i; j > 0 && cls[j - 1] > cls[j]; j--) {
			uint32_t t = cps[j];
			uint8_t tc = cls[j];

			cps[j] = cps[j - 1], cls[j] = cls[j - 1];
			cps[j - 1] = t, cls[j - 1] = tc;
		}
	}
	for (i = 0; i < n; i++) {
		uint8_t enc[4];
		size_t k = utf8_encode(cps[i], enc);

		if (o + k > cap)
			return -1;
		for (j = 0; j < k; j++)
			out[o++] = enc[j];
	}
	return (int)o;
}
