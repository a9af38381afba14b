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

/*
 * Loads and stores of fixed-width values at p, byte by byte. No bounds: for
 * buffers whose length the caller has already checked (the cursor below,
 * fixed-size records); image bytes of unchecked length go through the cursor.
 */
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint64_t get_be64(const uint8_t *p)
{
	return ((uint64_t)get_be32(p) << 32) | (uint64_t)get_be32(p + 4);
}
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
static inline void put_le64(uint8_t *b, uint64_t v)
{
	put_le32(b, (uint32_t)v);
	put_le32(b + 4, (uint32_t)(v >> 32));
}
static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}
static inline void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}
static inline void put_be64(uint8_t *b, uint64_t v)
{
	put_be32(b, (uint32_t)(v >> 32));
	put_be32(b + 4, (uint32_t)v);
}

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
	return b ? get_le16(b) : 0;
}

static inline uint32_t cur_le32(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 4);
	return b ? get_le32(b) : 0;
}

static inline uint64_t cur_le64(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 8);
	return b ? get_le64(b) : 0;
}

static inline uint16_t cur_be16(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 2);
	return b ? get_be16(b) : 0;
}

static inline uint32_t cur_be32(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 4);
	return b ? get_be32(b) : 0;
}

static inline uint64_t cur_be64(struct cur *c, size_t off)
{
	const uint8_t *b = cur_ptr(c, off, 8);
	return b ? get_be64(b) : 0;
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

#endif /* FSIMG_CORE_CURSOR_H */
