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
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define CRC32C_POLY_REFLECTED 0x82F63B78u
#define CRC16_POLY_REFLECTED 0xA001u /* 0x8005, as ext2fs_crc16 and lib/crc16.c */

static uint32_t crc32c_table[8][256];
static uint16_t crc16_table[256];
static uint32_t (*crc32c_fn)(uint32_t crc, const uint8_t *p, size_t len);
static const char *crc32c_name;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint32_t crc32c_slice8(uint32_t crc, const uint8_t *p, size_t len)
{
	const uint32_t(*t)[256] = (const uint32_t(*)[256])crc32c_table;

	while (len >= 8) {
		uint32_t lo = load_le32(p) ^ crc;
		uint32_t hi = load_le32(p + 4);

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
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	/* Align the 8-byte loads; the bytes themselves may sit anywhere. */
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
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
#endif

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
