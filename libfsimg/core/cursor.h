/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cursor for all on-disk reads: a bounds-checked view of image bytes with
 * explicit endianness (ext4 is little-endian, jbd2 and XFS big-endian). Values
 * are assembled byte by byte; an out-of-range read yields 0 and sets a sticky
 * error that the caller checks once at the end. Image bytes are never cast to
 * wider integer types.
 */
#ifndef FSIMG_CORE_CURSOR_H
#define FSIMG_CORE_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len;
	int err; /* set once any read fell outside [0, len) */
};

static inline struct cur cur_init(const void *p, size_t len)
{
	struct cur c = { (const uint8_t *)p, len, 0 };
	return c;
}

static inline int cur_ok(const struct cur *c, size_t off, size_t n)
{
	return off <= c->len && n <= c->len - off;
}

static inline const uint8_t *cur_ptr(struct cur *c, size_t off, size_t n)
{
	if (!cur_ok(c, off, n)) {
		c->err = 1;
		return NULL;
	}
	return c->p + off;
}

static inline uint8_t cur_u8(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 1);
	return b ? b[0] : 0;
}

static inline uint16_t cur_le16(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 2);
	return b ? (uint16_t)(b[0] | (b[1] << 8)) : 0;
}

static inline uint32_t cur_le32(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 4);
	return b ? (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
			   ((uint32_t)b[3] << 24)
		 : 0;
}

static inline uint64_t cur_le64(struct cur *c, size_t off)
{
	if (!cur_ok(c, off, 8)) {
		c->err = 1;
		return 0;
	}
	return (uint64_t)cur_le32(c, off) | ((uint64_t)cur_le32(c, off + 4) << 32);
}

static inline uint16_t cur_be16(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 2);
	return b ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

static inline uint32_t cur_be32(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 4);
	return b ? ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) |
			   (uint32_t)b[3]
		 : 0;
}

static inline uint64_t cur_be64(struct cur *c, size_t off)
{
	if (!cur_ok(c, off, 8)) {
		c->err = 1;
		return 0;
	}
	return ((uint64_t)cur_be32(c, off) << 32) | (uint64_t)cur_be32(c, off + 4);
}

/* Copies n bytes (zeros when out of range, with the sticky error set). */
static inline void cur_bytes(struct cur *c, size_t off, void *dst, size_t n)
{
	const uint8_t *b = cur_ptr(c, off, n);
	if (b)
		memcpy(dst, b, n);
	else
		memset(dst, 0, n);
}

/* Reads a field of an on-disk struct by name: CUR_LE32(&c, base, struct ext4_dsuper, s_magic). */
#define CUR_LE16(c, base, type, field) cur_le16((c), (base) + offsetof(type, field))
#define CUR_LE32(c, base, type, field) cur_le32((c), (base) + offsetof(type, field))
#define CUR_LE64(c, base, type, field) cur_le64((c), (base) + offsetof(type, field))
#define CUR_U8(c, base, type, field) cur_u8((c), (base) + offsetof(type, field))

/* Little-endian stores, for tests and for zeroing checksum fields in copies. */
static inline void put_le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}
static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif /* FSIMG_CORE_CURSOR_H */
