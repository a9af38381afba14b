/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crc32c (Castagnoli) and the crc16 of ext4's uninit_bg group descriptors.
 *
 * Both follow the kernel's and e2fsprogs' convention: the caller passes the
 * seed and there is no inversion inside, because ext4 seeds metadata
 * checksums with ~0 and chains them (seed -> inode number -> generation ->
 * record) without ever finalising. crc32c uses the SSE4.2 instruction when
 * the CPU has it, a slice-by-8 table otherwise; the choice is made once, and
 * FSIMG_CRC32C=soft forces the tables so both paths can be measured.
 *
 * The instruction takes three cycles and can start one a cycle, so a block
 * (a journal copy, a directory block) is cut in three stripes computed side
 * by side and joined: for a register without inversions, crc(s, A B) =
 * crc(s, A) * x^(8|B|) ^ crc(0, B) (mod P), the multiplication done with a
 * table per stripe length made once (zlib's crc32_combine does the same).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fsimg/fsimg.h"
#include "core/crc.h"
#include "core/cursor.h"

#define CRC32C_POLY_REFLECTED 0x82F63B78u
#define CRC16_POLY_REFLECTED 0xA001u /* 0x8005, as ext2fs_crc16 and lib/crc16.c */

static uint32_t crc32c_table[8][256];
/*
 * Three-stripe crc32c: stripe lengths in bytes (multiples of 8, largest
 * first: 4 KiB and 1 KiB blocks go almost whole; 168 takes 504 of a 512-byte
 * XFS v3 inode, which a whole-filesystem walk checksums 200,000 times) and,
 * per length L, the table of c -> c * x^(8L) mod P, byte by byte.
 */
#define STRIPES 3
static const size_t stripe_len[STRIPES] = { 1360, 336, 168 };
static uint32_t stripe_shift[STRIPES][4][256];
static uint16_t crc16_table[256];
static uint32_t (*crc32c_fn)(uint32_t crc, const uint8_t *p, size_t len);
static const char *crc32c_name;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static uint32_t crc32c_slice8(uint32_t crc, const uint8_t *p, size_t len)
{
	const uint32_t(*t)[256] = (const uint32_t(*)[256])crc32c_table;

	while (len >= 8) {
		uint32_t lo = get_le32(p) ^ crc;
		uint32_t hi = get_le32(p + 4);

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
		      t[4][lo >> 24] ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_CRC32C_SSE42 1
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42_1way(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v)); /* little-endian host: the instruction's byte order */
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}

/* c * x^(8L) mod P for stripe length number s. */
static uint32_t stripe_shift_by(unsigned s, uint32_t c)
{
	const uint32_t(*t)[256] = (const uint32_t(*)[256])stripe_shift[s];

	return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

/* p is 8-byte aligned (crc32c_sse42 aligns it). */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42_3way(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t a = crc;

	for (unsigned s = 0; s < STRIPES; s++) {
		size_t l = stripe_len[s];

		while (len >= 3 * l) {
			const uint8_t *q = p + l, *r = p + 2 * l;
			uint64_t b = 0, d = 0;

			for (size_t i = 0; i < l; i += 8) {
				uint64_t va, vb, vd;

				memcpy(&va, p + i, 8);
				memcpy(&vb, q + i, 8);
				memcpy(&vd, r + i, 8);
				a = _mm_crc32_u64(a, va);
				b = _mm_crc32_u64(b, vb);
				d = _mm_crc32_u64(d, vd);
			}
			a = stripe_shift_by(s, (uint32_t)a) ^ (uint32_t)b;
			a = stripe_shift_by(s, (uint32_t)a) ^ (uint32_t)d;
			p += 3 * l;
			len -= 3 * l;
		}
	}
	return crc32c_sse42_1way((uint32_t)a, p, len);
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	/* Align the 8-byte loads; the bytes themselves may sit anywhere. */
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		crc = _mm_crc32_u8(crc, *p++);
		len--;
	}
	if (len >= 3 * stripe_len[STRIPES - 1])
		return crc32c_sse42_3way(crc, p, len);
	return crc32c_sse42_1way(crc, p, len);
}
#endif

/* a * b mod P, both reflected (bit 31 is x^0), as zlib's multmodp. */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
	uint32_t prod = 0;

	for (uint32_t m = 1u << 31; m; m >>= 1) {
		if (a & m)
			prod ^= b;
		b = (b & 1) ? (b >> 1) ^ CRC32C_POLY_REFLECTED : b >> 1;
	}
	return prod;
}

/* x^(8n) mod P, reflected. */
static uint32_t gf2_xpow8(size_t n)
{
	uint32_t result = 1u << 31, sq = 1u << (31 - 8); /* 1 and x^8 */

	for (; n; n >>= 1) {
		if (n & 1)
			result = gf2_mulmod(result, sq);
		sq = gf2_mulmod(sq, sq);
	}
	return result;
}

static void crc_init(void)
{
	const char *env = getenv("FSIMG_CRC32C");
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		uint32_t c = i;
		uint16_t c16 = (uint16_t)i;

		for (k = 0; k < 8; k++) {
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY_REFLECTED : c >> 1;
			c16 = (c16 & 1) ? (uint16_t)((c16 >> 1) ^ CRC16_POLY_REFLECTED)
					: (uint16_t)(c16 >> 1);
		}
		crc32c_table[0][i] = c;
		crc16_table[i] = c16;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc32c_table[k][i] = (crc32c_table[k - 1][i] >> 8) ^
					     crc32c_table[0][crc32c_table[k - 1][i] & 0xff];

	for (unsigned s = 0; s < STRIPES; s++) {
		uint32_t shift = gf2_xpow8(stripe_len[s]);

		for (k = 0; k < 4; k++)
			for (i = 0; i < 256; i++)
				stripe_shift[s][k][i] = gf2_mulmod((uint32_t)i << (8 * k), shift);
	}

	crc32c_fn = crc32c_slice8;
	crc32c_name = "slice8";
#ifdef HAVE_CRC32C_SSE42
	if (!(env && strcmp(env, "soft") == 0)) {
		__builtin_cpu_init();
		if (__builtin_cpu_supports("sse4.2")) {
			crc32c_fn = crc32c_sse42;
			crc32c_name = "sse4.2";
		}
	}
#else
	(void)env;
#endif
}

uint32_t fsimg_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	if (!buf || len == 0)
		return crc;
	return crc32c_fn(crc, buf, len);
}

const char *fsimg_crc32c_impl(void)
{
	pthread_once(&crc_once, crc_init);
	return crc32c_name;
}

/* Both paths by name, so the unit tests can compare them in one process. */
uint32_t crc32c_soft(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	return buf ? crc32c_slice8(crc, buf, len) : crc;
}

bool crc32c_hw_available(void)
{
#ifdef HAVE_CRC32C_SSE42
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2");
#else
	return false;
#endif
}

uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
#ifdef HAVE_CRC32C_SSE42
	pthread_once(&crc_once, crc_init); /* the stripes' tables */
	if (buf && crc32c_hw_available())
		return crc32c_sse42(crc, buf, len);
#endif
	return crc32c_soft(crc, buf, len);
}

uint16_t fsimg_crc16(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_once, crc_init);
	if (!p)
		return crc;
	while (len--)
		crc = (uint16_t)((crc >> 8) ^ crc16_table[(crc ^ *p++) & 0xff]);
	return crc;
}
