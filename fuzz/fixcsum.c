/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recomputes checksums in a fuzz input (an ext2/3/4 image in memory) so that
 * mutations are not all stopped, or all reported, at a checksum:
 *   - the superblock's s_checksum (metadata_csum);
 *   - the primary group descriptors' bg_checksum (metadata_csum: crc32c;
 *     uninit_bg: crc16), without meta_bg only;
 *   - every inode record's checksum (metadata_csum), in inode tables that lie
 *     inside the buffer.
 * Not fixed (yet): extent block tails, directory leaf and dx tails, bitmaps,
 * journal blocks. The library treats all checksum failures but the journal's
 * as notices, so these only change which notice paths are taken.
 * Written from the on-disk layout, independently of the library's readers
 * (only fsimg_crc32c/fsimg_crc16 are shared).
 */
#include "fuzz.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

#define SB_OFF 1024u
#define RO_GDT_CSUM 0x0010u
#define RO_METADATA_CSUM 0x0400u
#define IN_64BIT 0x0080u
#define IN_META_BG 0x0010u
#define IN_CSUM_SEED 0x2000u

void fuzz_fix_checksums(uint8_t *img, size_t len)
{
	static const uint8_t zero[2];
	const uint8_t *sb = img + SB_OFF;
	uint32_t ro, in, log_bs, bs, bpg, ipg, fdb, isz, dsz, seed, groups;
	uint64_t blocks, gdt_off;
	uint8_t le[4];

	if (len < SB_OFF + 1024 || le16(img + SB_OFF + 0x38) != 0xEF53)
		return;
	ro = le32(sb + 0x64);
	in = le32(sb + 0x60);
	log_bs = le32(sb + 0x18);
	if (log_bs > 6)
		return;
	bs = 1024u << log_bs;
	bpg = le32(sb + 0x20);
	ipg = le32(sb + 0x28);
	fdb = le32(sb + 0x14);
	isz = le32(sb + 0x4C) ? le16(sb + 0x58) : 128;
	dsz = (in & IN_64BIT) ? le16(sb + 0xFE) : 32;
	if (dsz < 32 || dsz > 1024 || (dsz & (dsz - 1)))
		dsz = 32;
	blocks = le32(sb + 0x04);
	if (in & IN_64BIT)
		blocks |= (uint64_t)le32(sb + 0x150) << 32;
	if (ro & RO_METADATA_CSUM)
		seed = (in & IN_CSUM_SEED) ? le32(sb + 0x270) : fsimg_crc32c(~0u, sb + 0x68, 16);
	else
		seed = 0;

	/* group descriptors (primary copy, right after the superblock's block) */
	if (bpg == 0 || blocks <= fdb || (in & IN_META_BG) || !(ro & (RO_METADATA_CSUM | RO_GDT_CSUM)))
		goto super;
	groups = (uint32_t)(((blocks - fdb) + bpg - 1) / bpg);
	gdt_off = (uint64_t)(fdb + 1) * bs;
	for (uint32_t g = 0; g < groups && gdt_off + (uint64_t)(g + 1) * dsz <= len; g++) {
		uint8_t *d = img + gdt_off + (uint64_t)g * dsz;
		uint64_t itab;

		put32(le, g);
		if (ro & RO_METADATA_CSUM) {
			uint32_t c = fsimg_crc32c(seed, le, 4);
			c = fsimg_crc32c(c, d, 0x1E);
			c = fsimg_crc32c(c, zero, 2);
			c = fsimg_crc32c(c, d + 0x20, dsz - 0x20);
			put16(d + 0x1E, c & 0xFFFF);
		} else {
			uint16_t c = fsimg_crc16(0xFFFF, sb + 0x68, 16);
			c = fsimg_crc16(c, le, 4);
			c = fsimg_crc16(c, d, 0x1E);
			c = fsimg_crc16(c, d + 0x20, dsz - 0x20);
			put16(d + 0x1E, c);
		}

		/* this group's inode table */
		if (!(ro & RO_METADATA_CSUM) || isz < 128 || isz > bs || (isz & (isz - 1)))
			continue;
		itab = le32(d + 0x08);
		if (dsz >= 64)
			itab |= (uint64_t)le32(d + 0x28) << 32;
		for (uint32_t i = 0; i < ipg && i < 65536; i++) {
			uint64_t off = itab * bs + (uint64_t)i * isz;
			uint32_t ino = g * ipg + i + 1, extra = 0, c;
			uint8_t *r;
			int has_hi;

			if (itab >= len / bs || off + isz > len)
				break;
			r = img + off;
			if (isz > 128) {
				extra = le16(r + 0x80);
				if (extra + 128 > isz)
					extra = 0;
			}
			has_hi = extra >= 4;
			put32(le, ino);
			c = fsimg_crc32c(seed, le, 4);
			c = fsimg_crc32c(c, r + 0x64, 4); /* i_generation */
			c = fsimg_crc32c(c, r, 0x7C);
			c = fsimg_crc32c(c, zero, 2);
			if (has_hi) {
				c = fsimg_crc32c(c, r + 0x7E, 0x82 - 0x7E);
				c = fsimg_crc32c(c, zero, 2);
				c = fsimg_crc32c(c, r + 0x84, isz - 0x84);
				put16(r + 0x7C, c & 0xFFFF);
				put16(r + 0x82, c >> 16);
			} else {
				c = fsimg_crc32c(c, r + 0x7E, isz - 0x7E);
				put16(r + 0x7C, c & 0xFFFF);
			}
		}
	}
super:
	if (ro & RO_METADATA_CSUM)
		put32(img + SB_OFF + 0x3FC, fsimg_crc32c(~0u, sb, 0x3FC));
}
