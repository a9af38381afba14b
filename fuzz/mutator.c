/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The deterministic, structure-aware image mutator shared by fuzz/mutate
 * (the command the CI smoke test and the bounds test use) and the standalone
 * driver's -m mode (thousands of mutated images through a harness in one
 * process).
 *
 * Mutations: bit flips and byte sets (biased to metadata), block copies,
 * superblock / group descriptor / inode / extent header and entry / jbd2
 * header, superblock, tag and revoke count fields set to 0, 1, max, max+1
 * (of their width: wraps to 0), current+1, current*2, and a "lying" big value.
 * Extent headers (0xF30A) and jbd2 blocks (0xC03B3998) are found by scanning.
 *
 * With fuzz_mutate_extended set (mutate -x), four more kinds, drawn after
 * the ten above so the classic sequences of a seed do not change: extent
 * index entries of interior nodes (depth > 0), htree dx_root and dx_node
 * fields (hash version, info length, levels, limit, count, the hash and
 * block of an entry), xattr headers and entries (refcount, blocks, hash,
 * checksum, name length and index, value offset, inode and size; in blocks
 * and in inode bodies, found by their magic 0xEA020000), and group
 * descriptor checksums, flags and unused counts, inode dtimes (orphan
 * chain links) and the superblock's orphan head set to an inode number.
 *
 * With fuzz_mutate_extended 2 (mutate -X), four more (14..17), drawn
 * after those: two neighbouring records of an extent leaf swapped, one
 * extent's physical start copied into another file's extent (a block
 * claimed twice), a directory entry's inode number moved (cur+1, cur-1,
 * a number past the used ones: mostly a free inode), and a count off by
 * one (a descriptor's free blocks/inodes or used dirs, an inode's links
 * or i_blocks, an extent header's or a dx node's entry count).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static uint64_t below(uint64_t n) { return n ? next() % n : 0; }

static uint8_t *img;
static size_t len;
static uint32_t bs;
static FILE *log_to;

/* One line per mutation, when asked for. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	if (!log_to)
		return;
	va_start(ap, fmt);
	vfprintf(log_to, fmt, ap);
	va_end(ap);
}

static uint64_t get(size_t off, int w, int be)
{
	uint64_t v = 0;

	for (int i = 0; i < w; i++)
		v |= (uint64_t)img[off + i] << (8 * (be ? w - 1 - i : i));
	return v;
}
static void put(size_t off, int w, int be, uint64_t v)
{
	for (int i = 0; i < w; i++)
		img[off + i] = (uint8_t)(v >> (8 * (be ? w - 1 - i : i)));
}

/* Sets a w-byte field at off to a chosen special value. */
static void special(size_t off, int w, int be, const char *what)
{
	uint64_t max = w == 8 ? UINT64_MAX : (1ull << (8 * w)) - 1, cur, v;
	const char *how;

	if (off + (size_t)w > len)
		return;
	cur = get(off, w, be);
	switch (below(8)) {
	case 0: v = 0; how = "0"; break;
	case 1: v = 1; how = "1"; break;
	case 2: v = max; how = "max"; break;
	case 3: v = max + 1; how = "max+1"; break; /* wraps: 0 for a full width */
	case 4: v = cur + 1; how = "cur+1"; break;
	case 5: v = cur * 2; how = "cur*2"; break;
	case 6: v = cur - 1; how = "cur-1"; break;
	default: v = max / 2 + 1; how = "big"; break;
	}
	put(off, w, be, v & max);
	say("%s @%zu (%d bytes): %s\n", what, off, w, how);
}

/* Offsets of structures found by scanning. */
static size_t ext_hdr[4096], n_ext;
static size_t jbd[4096], n_jbd;
static size_t ext_idx[1024], n_idx;	/* extent headers of depth > 0 */
static size_t dx[1024], n_dx;		/* dx_root / dx_node count-limit fields */
static size_t dx_info[1024], n_dx_info;	/* dx_root_info */
static size_t xa[1024], n_xa;		/* xattr magic, in blocks and inodes */
static uint8_t xa_block[1024];
static size_t dirent[1024], n_dirent;	/* a directory block's third entry */
int fuzz_mutate_extended;

/* A directory block that holds an htree root or node, by its fake dirents. */
static void scan_dx(size_t o)
{
	if (o + bs > len || bs < 1024)
		return;
	/* dx_root: "." of rec_len 12, ".." spanning the rest, dx_root_info */
	if (get(o + 4, 2, 0) == 12 && img[o + 6] == 1 && img[o + 8] == '.' &&
	    get(o + 16, 2, 0) == bs - 12 && img[o + 18] == 2 && img[o + 20] == '.' &&
	    img[o + 21] == '.' && get(o + 24, 4, 0) == 0 && img[o + 29] == 8 && n_dx < 1024) {
		dx_info[n_dx_info++] = o + 24;
		dx[n_dx++] = o + 32;
	} else if (get(o, 4, 0) == 0 && get(o + 4, 2, 0) == bs && img[o + 6] == 0 &&
		   get(o + 8, 2, 0) > 0 && get(o + 8, 2, 0) <= (bs - 8) / 8 &&
		   get(o + 10, 2, 0) >= 1 && get(o + 10, 2, 0) <= get(o + 8, 2, 0) && n_dx < 1024) {
		dx[n_dx++] = o + 8;	/* dx_node */
	}
}

/* A linear directory block: "." (rec_len 12), ".." (rec_len 12), then
 * an entry with an inode number. */
static void scan_dirent(size_t o)
{
	if (o + 36 > len || n_dirent >= 1024)
		return;
	if (get(o, 4, 0) != 0 && get(o + 4, 2, 0) == 12 && img[o + 6] == 1 && img[o + 8] == '.' &&
	    get(o + 12, 4, 0) != 0 && get(o + 16, 2, 0) == 12 && img[o + 18] == 2 &&
	    img[o + 20] == '.' && img[o + 21] == '.' && get(o + 24, 4, 0) != 0 &&
	    get(o + 28, 2, 0) >= 12)
		dirent[n_dirent++] = o + 24;
}

static void scan(void)
{
	for (size_t o = 0; o + 12 <= len; o += 4) {
		if (img[o] == 0x0A && img[o + 1] == 0xF3 && n_ext < 4096) {
			ext_hdr[n_ext++] = o;
			if (get(o + 6, 2, 0) > 0 && get(o + 2, 2, 0) > 0 && n_idx < 1024)
				ext_idx[n_idx++] = o;
		}
		if (o % 1024 == 0 && get(o, 4, 1) == 0xC03B3998u && n_jbd < 4096)
			jbd[n_jbd++] = o;
		if (get(o, 4, 0) == 0xEA020000u && n_xa < 1024) {
			xa_block[n_xa] = o % bs == 0;
			xa[n_xa++] = o;
		}
		if (o % bs == 0) {
			scan_dx(o);
			scan_dirent(o);
		}
	}
}

/* Field tables: offset and width. */
static const struct { uint16_t off; uint8_t w; } sb_fields[] = {
	{ 0x00, 4 }, { 0x04, 4 }, { 0x0C, 4 }, { 0x10, 4 }, { 0x14, 4 }, { 0x18, 4 },
	{ 0x1C, 4 }, { 0x20, 4 }, { 0x24, 4 }, { 0x28, 4 }, { 0x4C, 4 }, { 0x54, 4 },
	{ 0x58, 2 }, { 0x5C, 4 }, { 0x60, 4 }, { 0x64, 4 }, { 0xCE, 2 }, { 0xE0, 4 },
	{ 0xE8, 4 }, { 0xFE, 2 }, { 0x104, 4 }, { 0x150, 4 }, { 0x15C, 2 }, { 0x174, 1 },
	{ 0x10C, 4 }, { 0x130, 4 }, { 0x270, 4 },
};
static const struct { uint8_t off, w; } gd_fields[] = {
	{ 0x00, 4 }, { 0x04, 4 }, { 0x08, 4 }, { 0x0C, 2 }, { 0x0E, 2 }, { 0x10, 2 },
	{ 0x12, 2 }, { 0x1C, 2 }, { 0x20, 4 }, { 0x28, 4 },
};
static const struct { uint8_t off, w; } ino_fields[] = {
	{ 0x00, 2 }, { 0x04, 4 }, { 0x1A, 2 }, { 0x1C, 4 }, { 0x20, 4 }, { 0x28, 4 },
	{ 0x2C, 4 }, { 0x58, 4 }, { 0x6C, 4 }, { 0x68, 4 }, { 0x74, 2 }, { 0x80, 2 },
};
/* jbd2 superblock (big-endian): blocksize, maxlen, first, sequence, start,
 * features, nr_users, num_fc_blks */
static const struct { uint8_t off, w; } jsb_fields[] = {
	{ 0x04, 4 }, { 0x0C, 4 }, { 0x10, 4 }, { 0x14, 4 }, { 0x18, 4 }, { 0x1C, 4 },
	{ 0x24, 4 }, { 0x28, 4 }, { 0x40, 4 }, { 0x54, 4 }, { 0x50, 1 },
};

static void mutate_one(void);

/* Kinds 14..17 (fuzz_mutate_extended 2). */
static void mutate_ext2(unsigned kind)
{
	size_t h, h2, n;

	switch (kind) {
	case 14: /* swap two neighbouring records of an extent leaf */
		for (int tries = 0; tries < 8 && n_ext; tries++) {
			h = ext_hdr[below(n_ext)];
			n = get(h + 2, 2, 0);
			if (get(h + 6, 2, 0) != 0 || n < 2 || n > 340 || h + 12 + 12 * n > len)
				continue;
			size_t e = h + 12 + 12 * below(n - 1);
			uint8_t t[12];

			memcpy(t, img + e, 12);
			memcpy(img + e, img + e + 12, 12);
			memcpy(img + e + 12, t, 12);
			say("extent records swapped @%zu\n", e);
			return;
		}
		mutate_one();
		return;
	case 15: /* one extent's start copied into another's: a block claimed twice */
		for (int tries = 0; tries < 8 && n_ext > 1; tries++) {
			h = ext_hdr[below(n_ext)];
			h2 = ext_hdr[below(n_ext)];
			if (h == h2 || get(h + 2, 2, 0) == 0 || get(h2 + 2, 2, 0) == 0 ||
			    h + 24 > len || h2 + 24 > len)
				continue;
			if (get(h + 6, 2, 0) == 0 && get(h2 + 6, 2, 0) == 0) {
				memcpy(img + h2 + 12 + 6, img + h + 12 + 6, 6); /* ee_start_hi, ee_start_lo */
				say("extent start copied @%zu -> @%zu\n", h + 18, h2 + 18);
			} else if (get(h + 6, 2, 0) != 0 && get(h2 + 6, 2, 0) != 0) {
				memcpy(img + h2 + 12 + 4, img + h + 12 + 4, 6); /* ei_leaf_lo, ei_leaf_hi */
				say("extent index leaf copied @%zu -> @%zu\n", h + 16, h2 + 16);
			} else {
				continue;
			}
			return;
		}
		mutate_one();
		return;
	case 16: { /* a directory entry's inode number moved */
		uint64_t cur, v, ipg = get(1024 + 0x28, 4, 0);
		const char *how;

		if (!n_dirent)
			{ mutate_one(); return; }
		h = dirent[below(n_dirent)];
		cur = get(h, 4, 0);
		switch (below(3)) {
		case 0: v = cur + 1; how = "cur+1"; break;
		case 1: v = cur - 1; how = "cur-1"; break;
		default: v = ipg > 2 ? ipg - below(ipg / 2 + 1) : cur + 7; how = "high in group 0"; break;
		}
		put(h, 4, 0, v & 0xFFFFFFFFu);
		say("dirent inode @%zu: %s\n", h, how);
		return;
	}
	default: { /* a count off by one */
		size_t gdt = bs == 1024 ? 2048 : bs, o = 0;
		int w = 2;
		const char *what = "";

		switch (below(4)) {
		case 0: {
			static const uint8_t gf[] = { 0x0C, 0x0E, 0x10 };

			o = gdt + 32 * below(4) + gf[below(3)];
			what = "group desc count";
			break;
		}
		case 1:
			if (!n_ext || ext_hdr[0] < 0x28)
				{ mutate_one(); return; }
			h = ext_hdr[below(n_ext)];
			if (h < 0x28 || get(h - 0x28, 2, 0) == 0) /* an inode's i_block, i_mode set */
				{ mutate_one(); return; }
			if (below(2)) {
				o = h - 0x28 + 0x1A; what = "inode links_count";
			} else {
				o = h - 0x28 + 0x1C; w = 4; what = "inode i_blocks";
			}
			break;
		case 2:
			if (!n_ext)
				{ mutate_one(); return; }
			o = ext_hdr[below(n_ext)] + 2; what = "extent header entries";
			break;
		default:
			if (!n_dx)
				{ mutate_one(); return; }
			o = dx[below(n_dx)] + 2; what = "dx count";
		}
		if (o + (size_t)w > len)
			return;
		uint64_t cur = get(o, w, 0), d = below(2);

		put(o, w, 0, d ? cur + 1 : cur - 1);
		say("%s @%zu (%d bytes): %s\n", what, o, w, d ? "cur+1" : "cur-1");
	}
	}
}

/* The extended kinds (fuzz_mutate_extended): 10..13. */
static void mutate_ext(unsigned kind)
{
	size_t o;

	switch (kind) {
	case 10: /* an extent index entry or an interior header */
		if (!n_idx)
			{ mutate_one(); return; }
		o = ext_idx[below(n_idx)];
		if (below(4) == 0) {
			special(o + 2 * (1 + below(3)), 2, 0, "extent index header");
		} else {
			size_t e = o + 12 + 12 * below(get(o + 2, 2, 0) < 4 ? get(o + 2, 2, 0) : 4);
			static const uint8_t f[][2] = { { 0, 4 }, { 4, 4 }, { 8, 2 }, { 10, 2 } };
			size_t i = below(4);

			special(e + f[i][0], f[i][1], 0, "extent index entry");
		}
		break;
	case 11: /* htree */
		if (!n_dx)
			{ mutate_one(); return; }
		if (n_dx_info && below(3) == 0) {
			o = dx_info[below(n_dx_info)];
			special(o + 4 + below(4), 1, 0, "dx_root_info");
			break;
		}
		o = dx[below(n_dx)];
		switch (below(4)) {
		case 0: special(o, 2, 0, "dx limit"); break;
		case 1: special(o + 2, 2, 0, "dx count"); break;
		case 2: special(o + 4, 4, 0, "dx entry 0 block"); break;
		default: {
			size_t n = get(o + 2, 2, 0), e = 1 + below(n > 1 && n < 64 ? n - 1 : 1);

			special(o + 8 * e + 4 * below(2), 4, 0, "dx entry hash/block");
		}
		}
		break;
	case 12: { /* xattrs */
		static const uint8_t hf[][2] = { { 4, 4 }, { 8, 4 }, { 12, 4 }, { 16, 4 } };
		static const uint8_t ef[][2] = { { 0, 1 }, { 1, 1 }, { 2, 2 }, { 4, 4 }, { 8, 4 }, { 12, 4 } };
		size_t i, ent;

		if (!n_xa)
			{ mutate_one(); return; }
		i = below(n_xa);
		o = xa[i];
		ent = o + (xa_block[i] ? 32 : 4);
		if (xa_block[i] && below(2)) {
			size_t f = below(4);

			special(o + hf[f][0], hf[f][1], 0, "xattr block header");
		} else {
			size_t f = below(6);

			special(ent + ef[f][0], ef[f][1], 0, "xattr entry");
		}
		break;
	}
	default: { /* descriptor checksums and flags, orphan links */
		size_t gdt = bs == 1024 ? 2048 : bs, g = below(4);
		static const uint8_t gf[][2] = { { 0x12, 2 }, { 0x1C, 2 }, { 0x1E, 2 }, { 0x18, 2 }, { 0x1A, 2 } };
		size_t ipg = get(1024 + 0x28, 4, 0), isz = get(1024 + 0x58, 2, 0);

		switch (below(3)) {
		case 0: {
			size_t f = below(5);

			special(gdt + 32 * g + gf[f][0], gf[f][1], 0, "group desc csum/flags");
			break;
		}
		case 1: { /* an inode's dtime: the next link of the orphan chain */
			uint64_t it = get(gdt + 8, 4, 0) * bs, ino = below(ipg < 64 ? ipg : 64);

			if (isz < 128 || it + (ino + 1) * isz > len)
				return;
			put(it + ino * isz + 0x14, 4, 0, 1 + below(ipg < 64 ? ipg : 64));
			say("inode %zu dtime (orphan link) @%zu\n", (size_t)ino + 1, (size_t)(it + ino * isz + 0x14));
			break;
		}
		default: /* the orphan list head: an inode number */
			put(1024 + 0xE8, 4, 0, 1 + below(ipg < 64 ? ipg : 64));
			say("super last_orphan @%d\n", 1024 + 0xE8);
		}
	}
	}
}

static void mutate_one(void)
{
	size_t meta = len < 65536 ? len : 65536;
	unsigned kind = (unsigned)below(fuzz_mutate_extended > 1 ? 18 : fuzz_mutate_extended ? 14 : 10);

	if (kind >= 14) {
		mutate_ext2(kind);
		return;
	}
	if (kind >= 10) {
		mutate_ext(kind);
		return;
	}
	switch (kind) {
	case 0: { /* bit flip, mostly in the first 64 KiB */
		size_t o = below(4) ? below(meta) : below(len);
		int b = (int)below(8);

		img[o] ^= (uint8_t)(1u << b);
		say("bitflip @%zu bit %d\n", o, b);
		break;
	}
	case 1: { /* byte set */
		static const uint8_t vals[] = { 0, 1, 0x7F, 0x80, 0xFF };
		size_t o = below(4) ? below(meta) : below(len);
		uint8_t v = below(2) ? vals[below(5)] : (uint8_t)next();

		img[o] = v;
		say("byteset @%zu = 0x%02x\n", o, v);
		break;
	}
	case 2: { /* block copy */
		size_t nb = len / bs, from = below(nb), to = below(nb);

		if (nb < 2)
			return;
		if (below(2) && n_ext) /* a tree block over another */
			from = ext_hdr[below(n_ext)] / bs;
		memmove(img + to * bs, img + from * bs, bs);
		say("blockcopy %zu -> %zu\n", from, to);
		break;
	}
	case 3: { /* superblock field */
		size_t i = below(sizeof(sb_fields) / sizeof(sb_fields[0]));

		special(1024 + sb_fields[i].off, sb_fields[i].w, 0, "super");
		break;
	}
	case 4: { /* group descriptor field (first few descriptors) */
		size_t gdt = bs == 1024 ? 2048 : bs, i = below(sizeof(gd_fields) / sizeof(gd_fields[0]));

		special(gdt + 32 * below(4) + gd_fields[i].off, gd_fields[i].w, 0, "group desc");
		break;
	}
	case 5: case 6: { /* extent header / entry / owning inode */
		size_t h, i;

		if (!n_ext)
			{ mutate_one(); return; }
		h = ext_hdr[below(n_ext)];
		switch (below(4)) {
		case 0: special(h + 2 * (1 + below(3)), 2, 0, "extent header"); break; /* entries, max, depth */
		case 1: special(h + 12 + 12 * below(4) + 4 * below(3), below(2) ? 4 : 2, 0, "extent entry"); break;
		case 2: put(h, 2, 0, next() & 0xFFFF); say("extent magic @%zu\n", h); break;
		default:
			i = below(sizeof(ino_fields) / sizeof(ino_fields[0]));
			if (h >= 0x28)
				special(h - 0x28 + ino_fields[i].off, ino_fields[i].w, 0, "inode (of extent tree)");
		}
		break;
	}
	case 7: case 8: { /* jbd2 */
		size_t j, i;

		if (!n_jbd)
			{ mutate_one(); return; }
		j = jbd[below(n_jbd)];
		switch (below(4)) {
		case 0: special(j + 4, 4, 1, "jbd2 blocktype"); break;
		case 1: special(j + 8, 4, 1, "jbd2 sequence"); break;
		case 2: /* first tag or r_count */
			special(j + 12 + 4 * below(4), 4, 1, "jbd2 tag/r_count"); break;
		default:
			i = below(sizeof(jsb_fields) / sizeof(jsb_fields[0]));
			special(jbd[0] + jsb_fields[i].off, jsb_fields[i].w, 1, "jbd2 super");
		}
		break;
	}
	default: { /* a run of random bytes in metadata */
		size_t o = below(meta), n = 1 + below(16);

		for (size_t k = 0; k < n && o + k < len; k++)
			img[o + k] = (uint8_t)next();
		say("random %zu bytes @%zu\n", n, o);
	}
	}
}

unsigned fuzz_mutate(uint8_t *buf, size_t n, uint64_t seed, FILE *log)
{
	unsigned count;

	img = buf;
	len = n;
	log_to = log;
	bs = 1024;
	n_ext = n_jbd = n_idx = n_dx = n_dx_info = n_xa = n_dirent = 0;
	rng = seed * 0x9E3779B97F4A7C15ull + 0x1234567;
	for (int i = 0; i < 4; i++)
		next();
	if (len >= 2048 && img[1024 + 0x38] == 0x53 && img[1024 + 0x39] == 0xEF && img[1024 + 0x18] < 3)
		bs = 1024u << img[1024 + 0x18];
	scan();
	count = 1 + (unsigned)below(4);
	for (unsigned i = 0; i < count; i++)
		mutate_one();
	return count;
}
