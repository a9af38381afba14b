/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recomputes checksums in a fuzz input (an ext2/3/4 image in memory) so that
 * mutations are not all stopped, or all reported, at a checksum. Under
 * metadata_csum:
 *   - extent tree block tails (every in-use extent inode's tree);
 *   - directory blocks: the leaf dirent tail, or the dx tail of htree root
 *     and interior nodes;
 *   - block and inode bitmap checksums in the group descriptors;
 *   - every inode record's checksum, in inode tables inside the buffer;
 * the primary group descriptors' bg_checksum (metadata_csum: crc32c;
 * uninit_bg: crc16), without meta_bg only; the superblock's s_checksum; and,
 * with csum v2/v3 in the internal jbd2 journal (whatever the ext4 features):
 * the journal superblock, then along the log from s_start while the sequence
 * matches: data-block tags, descriptor and revoke tails, commit blocks; and
 * the fast-commit area's TAIL crcs (any csum version).
 * Not fixed: the v1 (COMPAT_CHECKSUM) transaction crc32, xattr blocks,
 * meta_bg descriptors, backup superblocks and descriptors, external journals.
 *
 * The input is the fuzzer's: every offset is checked against the buffer and
 * the work is bounded by a budget of blocks proportional to the input size,
 * so an extent loop, a lying i_size or an endless log cannot make it slow.
 * Written from the on-disk layout, independently of the library's readers
 * (only fsimg_crc32c/fsimg_crc16 are shared).
 */
#include <stdbool.h>

#include "fuzz.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void putbe16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void putbe32(uint8_t *p, uint32_t v) { putbe16(p, v >> 16); putbe16(p + 2, v); }

#define SB_OFF 1024u
#define COMPAT_HAS_JOURNAL 0x0004u
#define RO_GDT_CSUM 0x0010u
#define RO_METADATA_CSUM 0x0400u
#define IN_64BIT 0x0080u
#define IN_META_BG 0x0010u
#define IN_CSUM_SEED 0x2000u
#define IN_MMP 0x0100u
#define MMP_MAGIC 0x004D4D50u
#define I_INDEX_FL 0x1000u
#define I_EXTENTS_FL 0x80000u
#define I_INLINE_DATA_FL 0x10000000u
#define EXT_MAGIC 0xF30Au
#define EXT_MAX_DEPTH 5u
#define JBD2_MAGIC 0xC03B3998u

struct fx {
	uint8_t *img;
	size_t len;
	uint32_t bs, bpg, cpg, ipg, isz, dsz, groups, seed;
	uint64_t nblk;  /* whole blocks in the buffer */
	uint64_t gdt;   /* byte offset of the primary descriptors; 0: none usable */
	bool csum;      /* metadata_csum */
	bool is64;
	long budget;    /* blocks left to look at */
	long records;   /* inode records left to look at */
};

static const uint8_t zero4[4];

/* A whole block of the buffer, or NULL (block 0 holds the superblock or the boot block). */
static uint8_t *blk(struct fx *f, uint64_t b)
{
	if (b == 0 || b >= f->nblk || f->budget <= 0)
		return NULL;
	f->budget--;
	return f->img + b * f->bs;
}

static uint8_t *gdesc(const struct fx *f, uint32_t g)
{
	if (!f->gdt || g >= f->groups || f->gdt + (uint64_t)(g + 1) * f->dsz > f->len)
		return NULL;
	return f->img + f->gdt + (uint64_t)g * f->dsz;
}

static uint64_t gd_lohi(const struct fx *f, const uint8_t *d, unsigned lo, unsigned hi)
{
	uint64_t v = le32(d + lo);

	if (f->dsz >= 64)
		v |= (uint64_t)le32(d + hi) << 32;
	return v;
}

/* Inode record ino (1-based), or NULL. */
static uint8_t *inode_rec(const struct fx *f, uint32_t ino)
{
	uint8_t *d;
	uint64_t off;

	if (ino == 0 || f->ipg == 0 || f->isz < 128 || f->isz > f->bs)
		return NULL;
	d = gdesc(f, (ino - 1) / f->ipg);
	if (!d)
		return NULL;
	off = gd_lohi(f, d, 0x08, 0x28);
	if (off >= f->nblk)
		return NULL;
	off = off * f->bs + (uint64_t)((ino - 1) % f->ipg) * f->isz;
	return off + f->isz <= f->len ? f->img + off : NULL;
}

/* crc32c(crc32c(fs seed, ino), i_generation) */
static uint32_t inode_seed(const struct fx *f, uint32_t ino, const uint8_t *r)
{
	uint8_t le[4];

	put32(le, ino);
	return fsimg_crc32c(fsimg_crc32c(f->seed, le, 4), r + 0x64, 4);
}

/* A valid extent header in n bytes: its depth, or -1. */
static int ext_hdr(const uint8_t *n, size_t len)
{
	uint32_t entries = le16(n + 2), max = le16(n + 4), depth = le16(n + 6);

	if (len < 12 || le16(n) != EXT_MAGIC || entries > max || 12 + (size_t)max * 12 > len ||
	    depth > EXT_MAX_DEPTH)
		return -1;
	return (int)depth;
}

static uint64_t ext_child(const uint8_t *e) { return le32(e + 4) | (uint64_t)le16(e + 8) << 32; }

/* Logical block -> physical block through an extent tree rooted in i_block; 0 when unmapped. */
static uint64_t ext_map(struct fx *f, const uint8_t *iblock, uint32_t lblk)
{
	const uint8_t *n = iblock;
	size_t len = 60;
	int depth = ext_hdr(n, len);

	for (int level = 0; depth >= 0 && level <= (int)EXT_MAX_DEPTH; level++) {
		uint32_t entries = le16(n + 2);
		const uint8_t *hit = NULL;

		for (uint32_t i = 0; i < entries; i++) {
			const uint8_t *e = n + 12 + (size_t)i * 12;

			if (depth == 0) {
				uint32_t l = le16(e + 4);

				if (l > 32768)
					l -= 32768;
				if (lblk >= le32(e) && lblk - le32(e) < l)
					return ((uint64_t)le16(e + 6) << 32 | le32(e + 8)) + (lblk - le32(e));
			} else if (le32(e) <= lblk) {
				hit = e;
			}
		}
		if (!hit || !(n = blk(f, ext_child(hit))))
			return 0;
		len = f->bs;
		if (ext_hdr(n, len) != depth - 1)
			return 0;
		depth--;
	}
	return 0;
}

/* Logical block -> physical block through a block map (direct, 1-, 2-, 3-indirect); 0 when unmapped. */
static uint64_t map_map(struct fx *f, const uint8_t *iblock, uint32_t lblk)
{
	uint64_t per = f->bs / 4, l = lblk, span = 1;
	uint32_t b;
	int levels;

	if (l < 12)
		return le32(iblock + 4 * l);
	l -= 12;
	for (levels = 1; levels <= 3; levels++) {
		span *= per;
		if (l < span)
			break;
		l -= span;
	}
	if (levels > 3)
		return 0;
	b = le32(iblock + 4 * (11 + levels));
	for (; levels > 0; levels--) {
		const uint8_t *ind = blk(f, b);

		span /= per;
		if (!ind)
			return 0;
		b = le32(ind + 4 * (l / span));
		l %= span;
	}
	return b;
}

static uint64_t bmap(struct fx *f, const uint8_t *r, uint32_t lblk)
{
	if (le32(r + 0x20) & I_EXTENTS_FL)
		return ext_map(f, r + 0x28, lblk);
	return map_map(f, r + 0x28, lblk);
}

/* The tails of every block below node n (depth > 0), children first. */
static void fix_ext_tree(struct fx *f, const uint8_t *n, int depth, uint32_t seed)
{
	uint32_t entries = le16(n + 2);

	for (uint32_t i = 0; i < entries && f->budget > 0; i++) {
		uint8_t *c = blk(f, ext_child(n + 12 + (size_t)i * 12));
		size_t tail;

		if (!c || ext_hdr(c, f->bs) != depth - 1)
			continue;
		if (depth - 1 > 0)
			fix_ext_tree(f, c, depth - 1, seed);
		tail = 12 + (size_t)le16(c + 4) * 12;
		if (tail + 4 <= f->bs)
			put32(c + tail, fsimg_crc32c(seed, c, tail));
	}
}

static uint32_t rec_len(const struct fx *f, const uint8_t *p)
{
	uint32_t raw = le16(p);

	if (f->bs < 65536)
		return raw;
	if (raw == 65535 || raw == 0)
		return f->bs;
	return (raw & 65532u) | (raw & 3u) << 16;
}

/* A directory block: the leaf tail if it has one, else the dx tail of a root or node. */
static void fix_dir_block(const struct fx *f, uint8_t *b, uint32_t seed)
{
	uint8_t *t = b + f->bs - 12;
	uint32_t co, limit, count, crc;
	size_t tail;

	if (le32(t) == 0 && le16(t + 4) == 12 && t[6] == 0 && t[7] == 0xDE) {
		put32(t + 8, fsimg_crc32c(seed, b, f->bs - 12));
		return;
	}
	if (le32(b) == 0 && rec_len(f, b + 4) == f->bs)
		co = 8;
	else if (rec_len(f, b + 4) == 12 && rec_len(f, b + 16) == f->bs - 12 && le32(b + 24) == 0 &&
		 b[29] == 8)
		co = 32;
	else
		return;
	limit = le16(b + co);
	count = le16(b + co + 2);
	tail = co + (size_t)limit * 8;
	if (count > limit || tail + 8 > f->bs)
		return;
	crc = fsimg_crc32c(seed, b, co + (size_t)count * 8);
	crc = fsimg_crc32c(crc, b + tail, 4);
	crc = fsimg_crc32c(crc, zero4, 4);
	put32(b + tail + 4, crc);
}

static void fix_inode_blocks(struct fx *f, uint32_t ino, const uint8_t *r)
{
	uint32_t mode = le16(r), flags = le32(r + 0x20), seed = inode_seed(f, ino, r);
	int depth;

	if (mode == 0 || (flags & I_INLINE_DATA_FL))
		return;
	if ((flags & I_EXTENTS_FL) && (depth = ext_hdr(r + 0x28, 60)) > 0)
		fix_ext_tree(f, r + 0x28, depth, seed);
	if ((mode & 0xF000) == 0x4000) {
		uint64_t size = le32(r + 4) | (uint64_t)le32(r + 0x6C) << 32;
		uint64_t nb = size / f->bs + (size % f->bs != 0);

		/* a lookup may touch no block (depth 0, holes): each one costs budget */
		for (uint64_t l = 0; l < nb && l <= UINT32_MAX && f->budget > 0; l++, f->budget--) {
			uint8_t *b = blk(f, bmap(f, r, (uint32_t)l));

			if (b)
				fix_dir_block(f, b, seed);
		}
	}
}

/* crc32c(seed, block) with the 4 bytes at off taken as zeros, stored big-endian at off. */
static void jbd2_tail(uint8_t *b, size_t bs, size_t off, uint32_t seed)
{
	uint32_t crc = fsimg_crc32c(seed, b, off);

	crc = fsimg_crc32c(crc, zero4, 4);
	crc = fsimg_crc32c(crc, b + off + 4, bs - off - 4);
	putbe32(b + off, crc);
}

/*
 * The fast-commit area's TAIL crcs (crc32c from 0 over the tags since the
 * last TAIL, the TAIL's tag, length and tid included), whatever the csum
 * version, so mutated tags still make valid fast commits.
 */
static void fix_fast_commits(struct fx *f, const uint8_t *r, const uint8_t *js)
{
	uint32_t maxlen = be32(js + 0x10), nfc = be32(js + 0x54) ? be32(js + 0x54) : 256, crc = 0;

	if (!(be32(js + 0x28) & 0x20) || be32(js + 0x0C) != f->bs || nfc >= maxlen)
		return;
	for (uint32_t pos = maxlen - nfc + 1; pos < maxlen && f->budget > 0; pos++) {
		uint8_t *b = blk(f, bmap(f, r, pos));
		size_t off = 0;

		if (!b)
			return;
		while (off + 4 <= f->bs) {
			uint32_t tag = le16(b + off), len = le16(b + off + 2);

			if (tag < 1 || tag > 9 || len > f->bs - off - 4)
				return;
			if (tag == 8 && len >= 8) {
				crc = fsimg_crc32c(crc, b + off, 8);
				put32(b + off + 8, crc);
				crc = 0;
			} else {
				crc = fsimg_crc32c(crc, b + off, 4 + len);
			}
			off += 4 + len;
		}
	}
}

/* The internal journal's csum v2/v3 checksums: its superblock and the log from s_start. */
static void fix_journal(struct fx *f, uint32_t jino)
{
	const uint8_t *r = inode_rec(f, jino);
	uint8_t *js;
	uint32_t incompat, v, jseed, maxlen, first, last, seq, pos, tb;

	if (!r || !(js = blk(f, bmap(f, r, 0))) || be32(js) != JBD2_MAGIC || be32(js + 4) != 4)
		return;
	incompat = be32(js + 0x28);
	fix_fast_commits(f, r, js);
	v = (incompat & 0x10) ? 3 : (incompat & 0x08) ? 2 : 0;
	if (!v)
		return;
	jseed = fsimg_crc32c(~0u, js + 0x30, 16);
	maxlen = be32(js + 0x10);
	first = be32(js + 0x14);
	seq = be32(js + 0x18);
	pos = be32(js + 0x1C);
	last = maxlen;
	if (incompat & 0x20) { /* fast commit: the log ends before the fast-commit area */
		uint32_t nfc = be32(js + 0x54) ? be32(js + 0x54) : 256;
		last = nfc < maxlen ? maxlen - nfc : 0;
	}
	tb = v == 3 ? 16 : (incompat & 0x02) ? 14 : 10;
	if (be32(js + 0x0C) == f->bs && first > 0 && first < last && pos >= first && pos < last) {
		/* at most one pass over the log, as the library's scan */
		uint32_t left = last - first;

#define NEXT() (pos + 1 >= last ? first : pos + 1)
		while (left > 0 && f->budget > 0) {
			uint8_t *b = blk(f, bmap(f, r, pos)), *d;
			uint32_t type;

			if (!b || be32(b) != JBD2_MAGIC || be32(b + 8) != seq)
				break;
			type = be32(b + 4);
			pos = NEXT();
			left--;
			if (type == 1) {
				for (size_t off = 12; off + tb <= f->bs - 4 && left > 0; pos = NEXT(), left--) {
					uint32_t tflags = (uint32_t)b[off + 6] << 8 | b[off + 7];

					if ((d = blk(f, bmap(f, r, pos)))) {
						uint8_t sq[4];
						uint32_t crc;

						putbe32(sq, seq);
						crc = fsimg_crc32c(fsimg_crc32c(jseed, sq, 4), d, f->bs);
						if (v == 3)
							putbe32(b + off + 12, crc);
						else
							putbe16(b + off + 4, crc & 0xFFFF);
					}
					off += tb + ((tflags & 2) ? 0 : 16);
					if (tflags & 8) {
						pos = NEXT();
						left--;
						break;
					}
				}
				jbd2_tail(b, f->bs, f->bs - 4, jseed);
			} else if (type == 5) {
				jbd2_tail(b, f->bs, f->bs - 4, jseed);
			} else if (type == 2) {
				jbd2_tail(b, f->bs, 0x10, jseed);
				seq++;
			} else {
				break;
			}
		}
#undef NEXT
	}
	jbd2_tail(js, 1024, 0xFC, ~0u);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Bitmap checksums, inode records and the descriptor checksum of group g. */
static void fix_group(struct fx *f, uint32_t g, const uint8_t *sb, uint32_t ro)
{
	uint8_t *d = gdesc(f, g), le[4];
	uint64_t itab;

	if (!d)
		return;
	if (f->csum) {
		const uint8_t *bb = blk(f, gd_lohi(f, d, 0x00, 0x20));
		const uint8_t *ib = blk(f, gd_lohi(f, d, 0x04, 0x24));
		uint32_t c;

		if (bb && f->cpg / 8 <= f->bs) {
			c = fsimg_crc32c(f->seed, bb, f->cpg / 8);
			put16(d + 0x18, c);
			if (f->dsz >= 64)
				put16(d + 0x38, c >> 16);
		}
		if (ib && f->ipg / 8 <= f->bs) {
			c = fsimg_crc32c(f->seed, ib, f->ipg / 8);
			put16(d + 0x1A, c);
			if (f->dsz >= 64)
				put16(d + 0x3A, c >> 16);
		}
	}

	/* this group's inode table */
	itab = gd_lohi(f, d, 0x08, 0x28);
	for (uint32_t i = 0; f->csum && i < f->ipg && i < 65536 && f->records > 0; i++, f->records--) {
		uint64_t off = itab * f->bs + (uint64_t)i * f->isz;
		uint32_t extra = 0, c;
		uint8_t *r;

		if (f->isz < 128 || itab >= f->nblk || off + f->isz > f->len)
			break;
		r = f->img + off;
		if (all_zero(r, f->isz))
			continue; /* never written (mke2fs leaves its checksum 0 too) */
		if (f->isz > 128) {
			extra = le16(r + 0x80);
			if (extra + 128 > f->isz)
				extra = 0;
		}
		c = inode_seed(f, g * f->ipg + i + 1, r);
		c = fsimg_crc32c(c, r, 0x7C);
		c = fsimg_crc32c(c, zero4, 2);
		if (extra >= 4) {
			c = fsimg_crc32c(c, r + 0x7E, 0x82 - 0x7E);
			c = fsimg_crc32c(c, zero4, 2);
			c = fsimg_crc32c(c, r + 0x84, f->isz - 0x84);
			put16(r + 0x7C, c & 0xFFFF);
			put16(r + 0x82, c >> 16);
		} else {
			c = fsimg_crc32c(c, r + 0x7E, f->isz - 0x7E);
			put16(r + 0x7C, c & 0xFFFF);
		}
	}

	put32(le, g);
	if (ro & RO_METADATA_CSUM) {
		uint32_t c = fsimg_crc32c(f->seed, le, 4);
		c = fsimg_crc32c(c, d, 0x1E);
		c = fsimg_crc32c(c, zero4, 2);
		c = fsimg_crc32c(c, d + 0x20, f->dsz - 0x20);
		put16(d + 0x1E, c & 0xFFFF);
	} else if (ro & RO_GDT_CSUM) {
		uint16_t c = fsimg_crc16(0xFFFF, sb + 0x68, 16);
		c = fsimg_crc16(c, le, 4);
		c = fsimg_crc16(c, d, 0x1E);
		c = fsimg_crc16(c, d + 0x20, f->dsz - 0x20);
		put16(d + 0x1E, c);
	}
}

/* The multi-mount protection block (s_mmp_block): a struct of 1024 bytes at
 * the block's start whatever the block size, mmp_checksum its last field,
 * over the bytes before it from the filesystem's seed (ext4_mmp_csum,
 * ext2fs_mmp_csum_set); only a block carrying the MMP magic. */
static void fix_mmp(struct fx *f, uint64_t b)
{
	uint8_t *m = blk(f, b);

	if (m && le32(m) == MMP_MAGIC)
		put32(m + 1020, fsimg_crc32c(f->seed, m, 1020));
}

void fuzz_fix_checksums(uint8_t *img, size_t len)
{
	const uint8_t *sb = img + SB_OFF;
	struct fx f;
	uint32_t ro, in, compat, log_bs, fdb;
	uint64_t blocks;

	if (len < SB_OFF + 1024 || le16(img + SB_OFF + 0x38) != 0xEF53)
		return;
	memset(&f, 0, sizeof(f));
	f.img = img;
	f.len = len;
	compat = le32(sb + 0x5C);
	in = le32(sb + 0x60);
	ro = le32(sb + 0x64);
	log_bs = le32(sb + 0x18);
	if (log_bs > 6)
		return;
	f.bs = 1024u << log_bs;
	f.nblk = len / f.bs;
	/* every block once, and again for the lookups that lead to it */
	f.budget = (long)(2 * f.nblk + 64);
	/* descriptors may all name one inode table: each record costs, twice the buffer's worth in all */
	f.records = (long)(len / 128 * 2 + 64);
	f.bpg = le32(sb + 0x20);
	f.cpg = le32(sb + 0x24);
	f.ipg = le32(sb + 0x28);
	fdb = le32(sb + 0x14);
	f.isz = le32(sb + 0x4C) ? le16(sb + 0x58) : 128;
	if (f.isz < 128 || f.isz > f.bs || (f.isz & (f.isz - 1)))
		f.isz = 0;
	f.is64 = (in & IN_64BIT) != 0;
	f.dsz = f.is64 ? le16(sb + 0xFE) : 32;
	if (f.dsz < 32 || f.dsz > 1024 || (f.dsz & (f.dsz - 1)))
		f.dsz = 32;
	blocks = le32(sb + 0x04);
	if (f.is64)
		blocks |= (uint64_t)le32(sb + 0x150) << 32;
	f.csum = (ro & RO_METADATA_CSUM) != 0;
	if (f.csum)
		f.seed = (in & IN_CSUM_SEED) ? le32(sb + 0x270) : fsimg_crc32c(~0u, sb + 0x68, 16);
	if (f.bpg != 0 && blocks > fdb && !(in & IN_META_BG)) {
		uint64_t groups = ((blocks - fdb) + f.bpg - 1) / f.bpg;

		/* the descriptors follow the superblock's block: with 1 KiB
		 * blocks and first_data_block 0 (bigalloc) that is block 1, as
		 * ext2fs_descriptor_block_loc2 has it */
		f.gdt = (uint64_t)((fdb == 0 && f.bs == 1024 ? 1 : fdb) + 1) * f.bs;
		/* only those whose descriptors are in the buffer matter */
		f.groups = groups > len / f.dsz ? (uint32_t)(len / f.dsz) : (uint32_t)groups;
	}

	/* blocks whose checksums live elsewhere first: the journal, extent and directory blocks */
	if (compat & COMPAT_HAS_JOURNAL)
		fix_journal(&f, le32(sb + 0xE0));
	for (uint32_t g = 0; f.csum && f.isz && g < f.groups && f.budget > 0; g++) {
		for (uint32_t i = 0; i < f.ipg && i < 65536 && f.budget > 0 && f.records > 0;
		     i++, f.records--) {
			const uint8_t *r = inode_rec(&f, g * f.ipg + i + 1);

			if (!r)
				break;
			fix_inode_blocks(&f, g * f.ipg + i + 1, r);
		}
	}
	/* bitmaps, inode records, descriptors: these do not use the budget's bound, the buffer's */
	f.budget = (long)(f.nblk + 1) * 2;
	f.records = (long)(len / 128 * 2 + 64);
	for (uint32_t g = 0; g < f.groups; g++)
		fix_group(&f, g, sb, ro);
	if ((in & IN_MMP) && f.csum)
		fix_mmp(&f, le32(sb + 0x168) | (uint64_t)le32(sb + 0x16C) << 32);
	if (ro & RO_METADATA_CSUM)
		put32(img + SB_OFF + 0x3FC, fsimg_crc32c(~0u, sb, 0x3FC));
}
