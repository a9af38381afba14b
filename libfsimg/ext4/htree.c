/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hashed directories (dir_index): the directory hash, the dx root and dx node
 * parsers with their tail checksum, and name lookup through the tree.
 *
 * The hash follows the kernel's fs/ext4/hash.c (and e2fsprogs' dirhash.c):
 * the legacy hash, a cut-down MD4 and TEA in a Davies-Meyer construction,
 * each with the name's bytes taken as signed or unsigned chars. SipHash
 * (encrypted casefolded directories) is keyed by a key derived from the
 * encryption master key: it cannot be computed here.
 *
 * The lookup is the kernel's dx_probe + ext4_dx_find_entry: descend from the
 * root by binary search on the hash, scan the leaf, and go on to the next
 * leaf while its starting hash says it continues a collision run. A tree that
 * cannot be used (or that misses a name after something odd) falls back to
 * a linear scan, so that a damaged index never hides an entry.
 *
 * A casefolded directory hashes each name's utf8 casefold (utf8.c): there
 * the lookup is a linear scan, and names compare as the kernel's
 * generic_ci_match does (see casefold_match).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define S_IFMT_ 0xF000u
#define S_IFDIR_ 0x4000u

/* ------------------------------------------------------------------ hash */

#define TEA_DELTA 0x9E3779B9u
#define HTREE_EOF_32BIT 0x7fffffffu

static inline uint32_t rol32(uint32_t v, unsigned s)
{
	return (v << s) | (v >> (32 - s));
}

static void tea_transform(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
	uint32_t a = in[0], b = in[1], c = in[2], d = in[3];
	int n = 16;

	do {
		sum += TEA_DELTA;
		b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >> 5) + b);
		b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >> 5) + d);
	} while (--n);
	buf[0] += b0;
	buf[1] += b1;
}

/* MD4's round functions: selection, majority, parity. */
#define MD4_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD4_G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define MD4_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD4_K2 013240474631u
#define MD4_K3 015666365641u
#define MD4_ROUND(f, a, b, c, d, x, s) ((a) += f((b), (c), (d)) + (x), (a) = rol32((a), (s)))

static void half_md4_transform(uint32_t buf[4], const uint32_t in[8])
{
	uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];

	MD4_ROUND(MD4_F, a, b, c, d, in[0], 3);
	MD4_ROUND(MD4_F, d, a, b, c, in[1], 7);
	MD4_ROUND(MD4_F, c, d, a, b, in[2], 11);
	MD4_ROUND(MD4_F, b, c, d, a, in[3], 19);
	MD4_ROUND(MD4_F, a, b, c, d, in[4], 3);
	MD4_ROUND(MD4_F, d, a, b, c, in[5], 7);
	MD4_ROUND(MD4_F, c, d, a, b, in[6], 11);
	MD4_ROUND(MD4_F, b, c, d, a, in[7], 19);

	MD4_ROUND(MD4_G, a, b, c, d, in[1] + MD4_K2, 3);
	MD4_ROUND(MD4_G, d, a, b, c, in[3] + MD4_K2, 5);
	MD4_ROUND(MD4_G, c, d, a, b, in[5] + MD4_K2, 9);
	MD4_ROUND(MD4_G, b, c, d, a, in[7] + MD4_K2, 13);
	MD4_ROUND(MD4_G, a, b, c, d, in[0] + MD4_K2, 3);
	MD4_ROUND(MD4_G, d, a, b, c, in[2] + MD4_K2, 5);
	MD4_ROUND(MD4_G, c, d, a, b, in[4] + MD4_K2, 9);
	MD4_ROUND(MD4_G, b, c, d, a, in[6] + MD4_K2, 13);

	MD4_ROUND(MD4_H, a, b, c, d, in[3] + MD4_K3, 3);
	MD4_ROUND(MD4_H, d, a, b, c, in[7] + MD4_K3, 9);
	MD4_ROUND(MD4_H, c, d, a, b, in[2] + MD4_K3, 11);
	MD4_ROUND(MD4_H, b, c, d, a, in[6] + MD4_K3, 15);
	MD4_ROUND(MD4_H, a, b, c, d, in[1] + MD4_K3, 3);
	MD4_ROUND(MD4_H, d, a, b, c, in[5] + MD4_K3, 9);
	MD4_ROUND(MD4_H, c, d, a, b, in[0] + MD4_K3, 11);
	MD4_ROUND(MD4_H, b, c, d, a, in[4] + MD4_K3, 15);

	buf[0] += a;
	buf[1] += b;
	buf[2] += c;
	buf[3] += d;
}

/* A name byte as the hash sees it: sign-extended ("signed char") or not. */
static inline uint32_t hash_char(uint8_t ch, bool is_signed)
{
	if (is_signed && ch >= 0x80)
		return (uint32_t)ch | 0xffffff00u;
	return ch;
}

/* The legacy hash (dx_hack_hash); the multiply wraps mod 2^32 as the kernel's does. */
static uint32_t dx_hack_hash(const uint8_t *name, size_t len, bool is_signed)
{
	uint32_t hash, hash0 = 0x12a3fe2du, hash1 = 0x37abe8f9u;

	while (len--) {
		hash = hash1 + (hash0 ^ (hash_char(*name++, is_signed) * 7152373u));
		if (hash & 0x80000000u)
			hash -= 0x7fffffffu;
		hash1 = hash0;
		hash0 = hash;
	}
	return hash0 << 1;
}

/*
 * str2hashbuf: packs up to num*4 name bytes into num words, big end first,
 * padding with a word made of the (whole remaining) length.
 */
static void str2hashbuf(const uint8_t *msg, size_t len, uint32_t *buf, int num, bool is_signed)
{
	uint32_t pad, val;
	size_t i;

	pad = (uint32_t)len | ((uint32_t)len << 8);
	pad |= pad << 16;
	val = pad;
	if (len > (size_t)num * 4)
		len = (size_t)num * 4;
	for (i = 0; i < len; i++) {
		val = hash_char(msg[i], is_signed) + (val << 8);
		if ((i % 4) == 3) {
			*buf++ = val;
			val = pad;
			num--;
		}
	}
	if (--num >= 0)
		*buf++ = val;
	while (--num >= 0)
		*buf++ = pad;
}

int fsimg_dirhash(uint32_t *hash_out, uint32_t *minor_out, int version, const uint32_t seed[4],
		  const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	uint32_t buf[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
	uint32_t in[8], hash, minor = 0;
	bool is_signed = version <= (int)EXT4_HASH_TEA;
	size_t left = len;
	int i;

	if (!hash_out || (!name && len))
		return FSIMG_EINVAL;
	/* An all-zero seed means the default (MD4's initial) constants. */
	if (seed) {
		for (i = 0; i < 4; i++) {
			if (seed[i]) {
				memcpy(buf, seed, sizeof(buf));
				break;
			}
		}
	}

	switch (version) {
	case EXT4_HASH_LEGACY:
	case EXT4_HASH_LEGACY_UNSIGNED:
		hash = dx_hack_hash(p, len, is_signed);
		break;
	case EXT4_HASH_HALF_MD4:
	case EXT4_HASH_HALF_MD4_UNSIGNED:
		while (left > 0) {
			str2hashbuf(p, left, in, 8, is_signed);
			half_md4_transform(buf, in);
			if (left <= 32)
				break;
			left -= 32;
			p += 32;
		}
		hash = buf[1];
		minor = buf[2];
		break;
	case EXT4_HASH_TEA:
	case EXT4_HASH_TEA_UNSIGNED:
		while (left > 0) {
			str2hashbuf(p, left, in, 4, is_signed);
			tea_transform(buf, in);
			if (left <= 16)
				break;
			left -= 16;
			p += 16;
		}
		hash = buf[0];
		minor = buf[1];
		break;
	case EXT4_HASH_SIPHASH:
		return FSIMG_EUNSUPP;
	default:
		return FSIMG_EINVAL;
	}
	/* Bit 0 is the collision flag in dx entries; 0xfffffffe is the htree EOF. */
	hash &= ~1u;
	if (hash == (HTREE_EOF_32BIT << 1))
		hash = (HTREE_EOF_32BIT - 1) << 1;
	*hash_out = hash;
	if (minor_out)
		*minor_out = minor;
	return 0;
}

/* ------------------------------------------------------------- dx blocks */

#define DX_ENTRY_SIZE 8u
#define DX_TAIL_SIZE 8u
#define DX_ROOT_COUNT_OFFSET 32u
#define DX_NODE_COUNT_OFFSET 8u
#define DX_BLOCK_MASK 0x0fffffffu /* dx_get_block: the top bits are not the block */

static uint32_t rec_len_of(const struct fsimg_fs *fs, struct cur *c, size_t off)
{
	uint16_t raw = cur_le16(c, off);

	if (fs->block_size < 65536)
		return raw;
	if (raw == EXT4_MAX_REC_LEN || raw == 0)
		return fs->block_size;
	return (raw & 65532u) | ((uint32_t)(raw & 3u) << 16);
}

/* count/limit of a dx block, bounded by the block less the dx tail under metadata_csum. */
static int dx_countlimit(const struct fsimg_fs *fs, struct cur *c, size_t bs, uint32_t count_offset,
			 struct ext4_dx_node *node, char *why, size_t whylen)
{
	size_t space = bs - count_offset - (fs->metadata_csum ? DX_TAIL_SIZE : 0);
	size_t max = space / DX_ENTRY_SIZE;

	node->count_offset = count_offset;
	node->limit = CUR_LE16(c, count_offset, struct ext4_ddx_countlimit, limit);
	node->count = CUR_LE16(c, count_offset, struct ext4_ddx_countlimit, count);
	if (c->err) {
		snprintf(why, whylen, "dx count/limit out of range");
		return FSIMG_ECORRUPT;
	}
	if (node->limit > max) {
		snprintf(why, whylen, "dx limit %u larger than the block holds (%zu)", node->limit, max);
		return FSIMG_ECORRUPT;
	}
	if (node->count == 0 || node->count > node->limit) {
		snprintf(why, whylen, "dx count %u beyond limit %u", node->count, node->limit);
		return FSIMG_ECORRUPT;
	}
	return 0;
}

int ext4_dx_root_parse(const struct fsimg_fs *fs, const uint8_t *blk, size_t bs,
		       struct ext4_dx_info *info, struct ext4_dx_node *node, char *why, size_t whylen)
{
	struct cur c = cur_init(blk, bs);
	const size_t ri = EXT4_DX_ROOT_INFO_OFFSET;
	unsigned max_levels;
	uint8_t info_length;

	memset(info, 0, sizeof(*info));
	memset(node, 0, sizeof(*node));
	if (bs < 1024 || bs != fs->block_size) {
		snprintf(why, whylen, "dx root in a block of %zu bytes", bs);
		return FSIMG_ECORRUPT;
	}
	/* "." of rec_len 12, then ".." whose rec_len covers the rest (get_dx_countlimit). */
	if (rec_len_of(fs, &c, 4) != 12 || rec_len_of(fs, &c, 12 + 4) != bs - 12) {
		snprintf(why, whylen, "dx root: \".\" and \"..\" do not frame the index");
		return FSIMG_ECORRUPT;
	}
	info->hash_version = CUR_U8(&c, ri, struct ext4_ddx_root_info, hash_version);
	info->indirect_levels = CUR_U8(&c, ri, struct ext4_ddx_root_info, indirect_levels);
	info_length = CUR_U8(&c, ri, struct ext4_ddx_root_info, info_length);
	if (CUR_LE32(&c, ri, struct ext4_ddx_root_info, reserved_zero) != 0) {
		snprintf(why, whylen, "dx root: reserved_zero is not zero");
		return FSIMG_ECORRUPT;
	}
	if (info_length != sizeof(struct ext4_ddx_root_info)) {
		snprintf(why, whylen, "dx root: info_length %u != 8", info_length);
		return FSIMG_ECORRUPT;
	}
	if (info->hash_version != EXT4_HASH_LEGACY && info->hash_version != EXT4_HASH_HALF_MD4 &&
	    info->hash_version != EXT4_HASH_TEA && info->hash_version != EXT4_HASH_SIPHASH) {
		snprintf(why, whylen, "dx root: unknown hash version %u", info->hash_version);
		return FSIMG_ECORRUPT;
	}
	/* ext4_dir_htree_level: 2 levels, 3 with largedir (indirect_levels counts below the root). */
	max_levels = (fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_LARGEDIR) ? EXT4_HTREE_LEVEL
										 : EXT4_HTREE_LEVEL_COMPAT;
	if (info->indirect_levels >= max_levels) {
		snprintf(why, whylen, "dx root: indirect_levels %u exceeds %u", info->indirect_levels,
			 max_levels - 1);
		return FSIMG_ECORRUPT;
	}
	return dx_countlimit(fs, &c, bs, DX_ROOT_COUNT_OFFSET, node, why, whylen);
}

int ext4_dx_node_parse(const struct fsimg_fs *fs, const uint8_t *blk, size_t bs,
		       struct ext4_dx_node *node, char *why, size_t whylen)
{
	struct cur c = cur_init(blk, bs);

	memset(node, 0, sizeof(*node));
	if (bs < 1024 || bs != fs->block_size) {
		snprintf(why, whylen, "dx node in a block of %zu bytes", bs);
		return FSIMG_ECORRUPT;
	}
	/* The fake entry: inode 0, rec_len the whole block. */
	if (cur_le32(&c, 0) != 0 || rec_len_of(fs, &c, 4) != bs) {
		snprintf(why, whylen, "dx node: no fake entry spanning the block");
		return FSIMG_ECORRUPT;
	}
	return dx_countlimit(fs, &c, bs, DX_NODE_COUNT_OFFSET, node, why, whylen);
}

void ext4_dx_entry(const uint8_t *blk, size_t bs, const struct ext4_dx_node *node, unsigned i,
		   uint32_t *hash, uint32_t *block)
{
	struct cur c = cur_init(blk, bs);
	size_t off = node->count_offset + (size_t)i * DX_ENTRY_SIZE;

	/* Entry 0's hash field holds count/limit: it covers every hash below entry 1's. */
	*hash = i ? CUR_LE32(&c, off, struct ext4_ddx_entry, hash) : 0;
	*block = CUR_LE32(&c, off, struct ext4_ddx_entry, block) & DX_BLOCK_MASK;
}

int ext4_dx_csum_verify(const struct fsimg_fs *fs, uint32_t seed, const uint8_t *blk, size_t bs,
			const struct ext4_dx_node *node)
{
	struct cur c = cur_init(blk, bs);
	size_t size = node->count_offset + (size_t)node->count * DX_ENTRY_SIZE;
	size_t t = node->count_offset + (size_t)node->limit * DX_ENTRY_SIZE;
	uint8_t zero[4] = { 0, 0, 0, 0 };
	uint32_t crc;

	/* The tail sits right after the limit's worth of entries. */
	if (t > bs || bs - t < DX_TAIL_SIZE || size > t)
		return -1;
	/* ext4_dx_csum: the header and used entries, dt_reserved, a zero checksum. */
	crc = ext4_csum(fs, seed, blk, size);
	crc = ext4_csum(fs, crc, blk + t, 4);
	crc = ext4_csum(fs, crc, zero, sizeof(zero));
	return crc == CUR_LE32(&c, t, struct ext4_ddx_tail, dt_checksum);
}

/* ---------------------------------------------------------------- lookup */

enum { LOOKUP_FOUND = 1, LOOKUP_MISSING = 0 };

struct dx_frame {
	uint8_t *blk;
	struct ext4_dx_node node;
	unsigned at;
	uint32_t lblk;
};

struct dx_lookup {
	struct fsimg_fs *fs;
	const struct fsimg_inode *dir;
	fsimg_file *f;
	uint64_t nblocks;
	uint32_t seed;             /* the directory's checksum seed */
	bool odd;                  /* something off met on the way: a miss is not trusted */
	char why[160];             /* why the tree was not usable */
};

static int dx_read(struct dx_lookup *l, uint32_t lblk, uint8_t *buf)
{
	struct fsimg_fs *fs = l->fs;
	int64_t got;

	if (lblk >= l->nblocks) {
		snprintf(l->why, sizeof(l->why), "dx block %u past the directory's %llu blocks", lblk,
			 (unsigned long long)l->nblocks);
		return FSIMG_ECORRUPT;
	}
	got = fsimg_file_read(l->f, buf, fs->block_size, (uint64_t)lblk << fs->log_block_size);
	if (got < 0)
		return (int)got;
	if ((uint64_t)got != fs->block_size) {
		snprintf(l->why, sizeof(l->why), "dx block %u short read", lblk);
		return FSIMG_ECORRUPT;
	}
	return 0;
}

static void dx_check_csum(struct dx_lookup *l, const struct dx_frame *fr)
{
	int ok;

	if (!l->fs->metadata_csum || (l->fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY))
		return;
	ok = ext4_dx_csum_verify(l->fs, l->seed, fr->blk, l->fs->block_size, &fr->node);
	if (ok == 1)
		return;
	l->odd = true;
	fs_notice(l->fs, FSIMG_ECSUM, "directory inode %u, block %u: %s", l->dir->ino, fr->lblk,
		  ok < 0 ? "no room for the dx tail checksum" : "dx checksum does not match");
}

/* Binary search (dx_probe): the last entry whose hash is <= hash; entry 0 covers the rest. */
static unsigned dx_search(const struct dx_lookup *l, const struct dx_frame *fr, uint32_t hash)
{
	unsigned p = 1, q = fr->node.count, m;
	uint32_t h, b;

	/* [p, q) still open */
	while (p < q) {
		m = p + (q - p) / 2;
		ext4_dx_entry(fr->blk, l->fs->block_size, &fr->node, m, &h, &b);
		if (h > hash)
			q = m;
		else
			p = m + 1;
	}
	return p - 1;
}

/* Scans one leaf for the name: 1 found, 0 not here, <0 error (l->odd set on damage). */
static int dx_scan_leaf(struct dx_lookup *l, uint32_t lblk, uint8_t *blk, const char *name,
			size_t len, fsimg_ino_t *out)
{
	struct fsimg_fs *fs = l->fs;
	struct ext4_dirent de;
	char why[96];
	size_t off = 0, end;
	int err;

	err = dx_read(l, lblk, blk);
	if (err < 0)
		return err;
	if (!ext4_dirblock_leaf_end(fs, l->dir, lblk, blk, &end))
		l->odd = true;
	while (off < end) {
		if (ext4_dirent_parse(fs, blk, end, off, &de, why, sizeof(why)) < 0) {
			l->odd = true;
			return LOOKUP_MISSING;
		}
		if (de.inode && de.name_len == len && memcmp(de.name, name, len) == 0) {
			*out = de.inode;
			return LOOKUP_FOUND;
		}
		off += de.rec_len;
	}
	return LOOKUP_MISSING;
}

/*
 * The htree lookup: 1 found, 0 missing, FSIMG_ECORRUPT when the tree is not
 * usable (l->why), other <0 errors as they come.
 */
static int dx_find(struct dx_lookup *l, const char *name, size_t len, fsimg_ino_t *out)
{
	struct fsimg_fs *fs = l->fs;
	struct dx_frame frames[EXT4_HTREE_LEVEL];
	struct ext4_dx_info info;
	uint8_t *mem, *leaf;
	uint32_t hash, h, blk;
	unsigned level, depth, i, leaves = 0;
	int version, err;

	mem = malloc((size_t)(EXT4_HTREE_LEVEL + 1) * fs->block_size);
	if (!mem)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	for (i = 0; i < EXT4_HTREE_LEVEL; i++)
		frames[i].blk = mem + (size_t)i * fs->block_size;
	leaf = mem + (size_t)EXT4_HTREE_LEVEL * fs->block_size;

	frames[0].lblk = 0;
	err = dx_read(l, 0, frames[0].blk);
	if (err < 0)
		goto out;
	err = ext4_dx_root_parse(fs, frames[0].blk, fs->block_size, &info, &frames[0].node, l->why,
				 sizeof(l->why));
	if (err < 0)
		goto out;
	dx_check_csum(l, &frames[0]);
	depth = info.indirect_levels;

	/* The superblock's s_flags say how this filesystem's names were hashed. */
	version = info.hash_version;
	if (version <= (int)EXT4_HASH_TEA && (fs->sb.flags & EXT2_FLAGS_UNSIGNED_HASH))
		version += EXT4_HASH_LEGACY_UNSIGNED;
	err = fsimg_dirhash(&hash, NULL, version, fs->sb.hash_seed, name, len);
	if (err < 0) {
		snprintf(l->why, sizeof(l->why), "hash version %d not supported", version);
		err = FSIMG_ECORRUPT;
		goto out;
	}

	/* Descend, one frame per level, refusing a block already on the path. */
	for (level = 0;; level++) {
		frames[level].at = dx_search(l, &frames[level], hash);
		ext4_dx_entry(frames[level].blk, fs->block_size, &frames[level].node, frames[level].at,
			      &h, &blk);
		if (level == depth)
			break;
		for (i = 0; i <= level; i++) {
			if (frames[i].lblk == blk) {
				snprintf(l->why, sizeof(l->why), "dx block %u loops back", blk);
				err = FSIMG_ECORRUPT;
				goto out;
			}
		}
		frames[level + 1].lblk = blk;
		err = dx_read(l, blk, frames[level + 1].blk);
		if (err < 0)
			goto out;
		err = ext4_dx_node_parse(fs, frames[level + 1].blk, fs->block_size, &frames[level + 1].node,
					 l->why, sizeof(l->why));
		if (err < 0)
			goto out;
		dx_check_csum(l, &frames[level + 1]);
	}

	for (;;) {
		struct dx_frame *fr = &frames[depth];
		int p;

		ext4_dx_entry(fr->blk, fs->block_size, &fr->node, fr->at, &h, &blk);
		if (blk == 0 || ++leaves > l->nblocks) {
			snprintf(l->why, sizeof(l->why), "dx leaf %u not a leaf block", blk);
			err = FSIMG_ECORRUPT;
			goto out;
		}
		err = dx_scan_leaf(l, blk, leaf, name, len, out);
		if (err != LOOKUP_MISSING)
			goto out;

		/* ext4_htree_next_block: the next entry at the deepest level that has one. */
		for (p = (int)depth; p >= 0; p--)
			if (++frames[p].at < frames[p].node.count)
				break;
		if (p < 0)
			break;
		ext4_dx_entry(frames[p].blk, fs->block_size, &frames[p].node, frames[p].at, &h, &blk);
		/* Only a leaf whose hash continues ours (collision bit aside) can hold the name. */
		if ((h & ~1u) != hash)
			break;
		for (; p < (int)depth; p++) {
			ext4_dx_entry(frames[p].blk, fs->block_size, &frames[p].node, frames[p].at, &h, &blk);
			frames[p + 1].lblk = blk;
			err = dx_read(l, blk, frames[p + 1].blk);
			if (err < 0)
				goto out;
			err = ext4_dx_node_parse(fs, frames[p + 1].blk, fs->block_size,
						 &frames[p + 1].node, l->why, sizeof(l->why));
			if (err < 0)
				goto out;
			dx_check_csum(l, &frames[p + 1]);
			frames[p + 1].at = 0;
		}
	}
	err = LOOKUP_MISSING;
out:
	free(mem);
	return err;
}

/* ---------------------------------------------------- casefolded names */

bool ext4_dir_casefolded(const struct fsimg_fs *fs, const struct fsimg_inode *dir)
{
	/* Without the feature the kernel has no encoding: the flag changes nothing. */
	return (dir->flags & EXT4_CASEFOLD_FL) &&
	       (fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_CASEFOLD);
}

/*
 * Two names in a casefolded directory (generic_ci_match): the same bytes
 * match; otherwise they match when both are valid UTF-8 and their utf8
 * casefolds are equal (a name that is not UTF-8 matches only itself).
 * The query's fold is computed once by the caller (qlen < 0: none).
 */
static bool casefold_match(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			   const uint8_t *qfold, int qlen)
{
	uint8_t fold[EXT4_CASEFOLD_MAX];
	int n;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	if (qlen < 0)
		return false;
	n = ext4_utf8_casefold(a, alen, fold, sizeof(fold));
	return n == qlen && memcmp(fold, qfold, (size_t)n) == 0;
}

/* ---------------------------------------------------------------- lookup */

/*
 * A linear scan: 1 found, 0 missing, FSIMG_ECORRUPT when a damaged block
 * may have held it. With casefold set, names compare by their casefold.
 */
static int linear_find(struct fsimg_fs *fs, const struct fsimg_inode *dir, const char *name,
		       size_t len, bool first_block_only, bool casefold, fsimg_ino_t *out)
{
	struct fsimg_dirent ent;
	struct fsimg_dir *d;
	int err, corrupt = 0;
	char msg[sizeof(fs->errmsg)];
	uint8_t qfold[EXT4_CASEFOLD_MAX];
	int qlen = casefold ? ext4_utf8_casefold((const uint8_t *)name, len, qfold, sizeof(qfold)) : -1;

	err = ext4_dir_open_inode(&d, fs, dir);
	if (err < 0)
		return err;
	for (;;) {
		err = fsimg_dir_next(d, &ent);
		if (err == FSIMG_ECORRUPT && !corrupt) {
			/* Keep the first damage to report if the name is not found. */
			corrupt = err;
			memcpy(msg, fs->errmsg, sizeof(msg));
			continue;
		}
		if (err == FSIMG_ECORRUPT)
			continue;
		if (err <= 0)
			break;
		if (first_block_only && ent.lblk != 0)
			break;
		if (ent.name_len == len && memcmp(ent.name, name, len) == 0) {
			*out = ent.ino;
			fsimg_dir_close(d);
			return LOOKUP_FOUND;
		}
		if (casefold) {
			/* the kernel refuses a second name of the same casefold: the first decides */
			if (casefold_match((const uint8_t *)ent.name, ent.name_len, (const uint8_t *)name, len,
					   qfold, qlen)) {
				*out = ent.ino;
				fsimg_dir_close(d);
				return LOOKUP_FOUND;
			}
		}
	}
	fsimg_dir_close(d);
	if (err < 0)
		return err;
	if (corrupt) {
		memcpy(fs->errmsg, msg, sizeof(msg));
		return corrupt;
	}
	return LOOKUP_MISSING;
}

int fsimg_dir_lookup(fsimg_ino_t *out, fsimg_fs *fs, fsimg_ino_t dir, const char *name, size_t name_len)
{
	struct fsimg_inode inode;
	bool dots, casefold;
	int err;

	if (!out || !fs || (!name && name_len))
		return FSIMG_EINVAL;
	*out = 0;
	if (name_len == 0 || name_len > FSIMG_NAME_MAX)
		return fs_error(fs, FSIMG_EINVAL, "directory inode %u: name of %zu bytes", dir, name_len);
	err = fsimg_inode_read(&inode, fs, dir);
	if (err < 0)
		return err;
	if ((inode.mode & S_IFMT_) != S_IFDIR_)
		return fs_error(fs, FSIMG_ENOTDIR, "inode %u is not a directory", dir);

	/* "." and ".." live in block 0 only, outside the hash order (__ext4_find_entry). */
	dots = name[0] == '.' && (name_len == 1 || (name_len == 2 && name[1] == '.'));
	casefold = !dots && ext4_dir_casefolded(fs, &inode);
	if (!dots && !casefold && !(inode.flags & EXT4_INLINE_DATA_FL) && (inode.flags & EXT4_INDEX_FL) &&
	    (fs->sb.feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX)) {
		struct dx_lookup l;
		uint64_t nblocks;

		memset(&l, 0, sizeof(l));
		l.fs = fs;
		l.dir = &inode;
		nblocks = (inode.size >> fs->log_block_size) +
			  ((inode.size & (fs->block_size - 1)) != 0);
		l.nblocks = nblocks < FSIMG_MAX_DIR_BLOCKS ? nblocks : FSIMG_MAX_DIR_BLOCKS;
		if (fs->metadata_csum)
			l.seed = ext4_inode_csum_seed(fs, inode.ino, inode.generation);
		err = fsimg_file_open(&l.f, fs, &inode, 0);
		if (err < 0)
			return err;
		err = dx_find(&l, name, name_len, out);
		fsimg_file_close(l.f);
		if (err == LOOKUP_FOUND)
			return 0;
		if (err == LOOKUP_MISSING && !l.odd)
			return fs_error(fs, FSIMG_ENOENT, "directory inode %u: '%.*s' not found", dir,
					(int)name_len, name);
		if (err == FSIMG_ENOMEM)
			return err;
		if (err == FSIMG_ECORRUPT && l.why[0])
			fs_notice(fs, FSIMG_ECORRUPT, "directory inode %u: htree not used: %s", dir,
				  l.why);
		/* Otherwise the index is not to be trusted: the entries themselves decide. */
	}

	err = linear_find(fs, &inode, name, name_len, dots && !(inode.flags & EXT4_INLINE_DATA_FL),
			  casefold, out);
	if (err == LOOKUP_FOUND)
		return 0;
	if (err == LOOKUP_MISSING)
		return fs_error(fs, FSIMG_ENOENT, "directory inode %u: '%.*s' not found", dir,
				(int)name_len, name);
	return err;
}
