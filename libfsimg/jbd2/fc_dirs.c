/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Adding a name to a directory during the fast-commit replay, as Linux 6.1's
 * ext4_add_entry does it (fs/ext4/namei.c), over the blocks the jbd2 replay
 * and the earlier tags leave:
 *  - hashed (htree) directories: dx_probe by the name's hash down to a leaf;
 *    a full leaf is split (do_split: the entries sorted by hash as
 *    dx_sort_map leaves them, the upper half by size moved to a new block,
 *    its hash inserted in the index node).  A full index node (a split of
 *    the index or a new level) is not replayed by fsimg;
 *  - linear directories: the first block with room; a full one-block
 *    directory on a dir_index filesystem becomes hashed (make_indexed_dir);
 *    else a new block is appended;
 *  - a new directory gets its first block with "." and ".."
 *    (ext4_init_new_dir).
 * New blocks come from fcr_new_block (ext4_mb_new_blocks_simple's rule);
 * the kernel tracks no directory blocks in fast commits, so its replay
 * allocates them as well.  Where a block lands is not compared: only names,
 * inode numbers and sizes (a directory's size counts its blocks).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "ext4/ext4.h"
#include "jbd2/fc_replay.h"

#define DIR_TAIL 12u
#define DX_ROOT_ENTRIES 32u
#define DX_NODE_ENTRIES 8u

static unsigned rec_need(unsigned nlen)
{
	return (8 + nlen + 3) & ~3u;
}

/* __get_dirent_tail: the rec_len chain ends exactly at the 12-byte tail (type 0xDE). */
bool fcr_dir_has_tail(const struct fcr *r, const uint8_t *b)
{
	size_t off = 0, top = r->bs - DIR_TAIL;
	const uint8_t *t = b + top;

	if (!r->fs->metadata_csum)
		return false;
	while (off < top) {
		uint16_t rl = get_le16(b + off + 4);
		if (rl == 0)
			return false;
		off += rl;
	}
	return off == top && get_le32(t) == 0 && get_le16(t + 4) == DIR_TAIL && t[6] == 0 &&
	       t[7] == EXT4_FT_DIR_CSUM;
}

static uint32_t dir_seed(struct fcr *r, struct fcr_inode *dir)
{
	const uint8_t *raw = fcr_raw(r, dir);

	return raw ? ext4_inode_csum_seed(r->fs, dir->ino, get_le32(raw + DI(i_generation))) : 0;
}

void fcr_dir_csum(struct fcr *r, struct fcr_inode *dir, uint8_t *b)
{
	if (fcr_dir_has_tail(r, b))
		put_le32(b + r->bs - 4, ext4_csum(r->fs, dir_seed(r, dir), b, r->bs - DIR_TAIL));
}

void fcr_dir_init_tail(struct fcr *r, uint8_t *b)
{
	uint8_t *t = b + r->bs - DIR_TAIL;

	memset(t, 0, DIR_TAIL);
	put_le16(t + 4, DIR_TAIL);
	t[7] = EXT4_FT_DIR_CSUM;
}

static size_t csum_size(const struct fcr *r)
{
	return r->fs->metadata_csum ? DIR_TAIL : 0;
}

/* The physical block of dir's logical block lblk (0: not mapped). */
static uint64_t dir_pblk(const struct fcr_inode *dir, uint32_t lblk)
{
	for (size_t k = 0; k < dir->n; k++)
		if (lblk >= dir->ext[k].lblk && lblk - dir->ext[k].lblk < dir->ext[k].len)
			return dir->ext[k].unwritten ? 0 : dir->ext[k].pblk + (lblk - dir->ext[k].lblk);
	return 0;
}

static uint8_t *dir_block(struct fcr *r, struct fcr_inode *dir, uint32_t lblk)
{
	uint64_t p = dir_pblk(dir, lblk);

	if (!p) {
		fcr_stop(r, FSIMG_ECORRUPT, "directory %u: block %u is not mapped", dir->ino, lblk);
		return NULL;
	}
	return fcr_get(r, p);
}

static uint64_t get_size(const uint8_t *raw)
{
	return (uint64_t)get_le32(raw + DI(i_size_high)) << 32 | get_le32(raw + DI(i_size_lo));
}

static void set_size(uint8_t *raw, uint64_t v)
{
	put_le32(raw + DI(i_size_lo), (uint32_t)v);
	put_le32(raw + DI(i_size_high), (uint32_t)(v >> 32));
}

/*
 * ext4_append: dir's next logical block (i_size / block size), newly
 * allocated (fcr_dir_new_block) and zeroed; i_size grows by a block.
 */
int fcr_dir_append(struct fcr *r, struct fcr_inode *dir, uint32_t *lblk, uint8_t **out)
{
	uint8_t *raw = fcr_raw(r, dir), *b;
	struct fcr_ext e = { 0 };
	uint64_t size;
	int err;

	if (!raw)
		return FSIMG_ECORRUPT;
	size = get_size(raw);
	if (size / r->bs >= 1u << 20)
		return fcr_stop(r, FSIMG_ENOMEM, "directory %u: too many blocks", dir->ino);
	*lblk = (uint32_t)(size / r->bs);
	if (dir_pblk(dir, *lblk))
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: block %u past its size is already mapped",
				dir->ino, *lblk);
	err = fcr_dir_new_block(r, dir, *lblk, &e.pblk);
	if (err < 0)
		return err;
	e.lblk = *lblk;
	e.len = 1;
	if (fcr_ext_push(&dir->ext, &dir->n, &dir->cap, e) < 0)
		return fcr_stop(r, FSIMG_ENOMEM, "directory %u: too many extents", dir->ino);
	for (size_t k = dir->n - 1;; k--) {
		if (k == 0 || dir->ext[k - 1].lblk < e.lblk) {
			dir->ext[k] = e;
			break;
		}
		dir->ext[k] = dir->ext[k - 1];
	}
	dir->map_touched = dir->has_tree; /* a block map is changed in place (fcr_bmap_append) */
	b = fcr_get(r, e.pblk);
	if (!b)
		return FSIMG_ECORRUPT;
	memset(b, 0, r->bs);
	raw = fcr_raw(r, dir);
	if (!raw)
		return FSIMG_ECORRUPT;
	set_size(raw, size - size % r->bs + r->bs);
	*out = b;
	return 0;
}

/* ext4_insert_dentry at the entry at off of a size-byte buffer (split when in use); 1, or < 0: no room. */
static int insert_dentry(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t size, size_t off,
			 const struct fcr_name *op)
{
	uint8_t *de = b + off;
	uint16_t rl = get_le16(de + 4);

	if (off + rl > size || rl < (get_le32(de) ? rec_need(de[6]) : 0) + rec_need(op->nlen))
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: no room for a name where it goes", dir->ino);
	if (get_le32(de)) {
		unsigned used = rec_need(de[6]);

		put_le16(de + 4, (uint16_t)used);
		de += used;
		put_le16(de + 4, (uint16_t)(rl - used));
	}
	put_le32(de, op->ino);
	de[6] = (uint8_t)op->nlen;
	de[7] = op->ftype;
	memcpy(de + 8, op->name, op->nlen);
	return 1;
}

static int insert_at(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t off, const struct fcr_name *op)
{
	int ret = insert_dentry(r, dir, b, r->bs, off, op);

	if (ret == 1)
		fcr_dir_csum(r, dir, b);
	return ret;
}

int fcr_dir_bad_entry(struct fcr *r, struct fcr_inode *dir, size_t off, size_t end, const uint8_t *de)
{
	uint16_t rl = get_le16(de + 4);

	if (rl < 12 || rl % 4 || rl > end - off || (size_t)de[6] + 8 > rl)
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: a bad entry at offset %zu of a block", dir->ino,
				off);
	return 0;
}

int fcr_dir_add_to_buf(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t end, const struct fcr_name *op)
{
	size_t off = 0;
	unsigned need = rec_need(op->nlen);

	while (off + need <= end) {
		const uint8_t *de = b + off;
		uint16_t rl;
		int err = fcr_dir_bad_entry(r, dir, off, end, de);

		if (err)
			return err;
		rl = get_le16(de + 4);
		if (get_le32(de)) {
			int eq = fcr_name_eq(r, op, de + 8, de[6]);

			if (eq)
				return eq < 0 ? eq : 2; /* -EEXIST */
		}
		if ((get_le32(de) ? rl - rec_need(de[6]) : rl) >= need)
			return insert_dentry(r, dir, b, end, off, op);
		off += rl;
	}
	return 0;
}

/* add_dirent_to_buf without a place: ext4_find_dest_de.  1 added, 2 the name is there, 0 no room. */
int fcr_dir_add_to_block(struct fcr *r, struct fcr_inode *dir, uint8_t *b, const struct fcr_name *op)
{
	int ret = fcr_dir_add_to_buf(r, dir, b, r->bs - csum_size(r), op);

	if (ret == 1)
		fcr_dir_csum(r, dir, b);
	return ret;
}

/* --------------------------------------------------------------- htree */

struct dx_frame {
	uint8_t *blk;
	size_t count_off;            /* the count/limit entry */
	unsigned at;                 /* the entry followed */
};

static unsigned dx_count(const struct dx_frame *f)
{
	return get_le16(f->blk + f->count_off + 2);
}

static unsigned dx_limit(const struct dx_frame *f)
{
	return get_le16(f->blk + f->count_off);
}

static uint32_t dx_block(const struct dx_frame *f, unsigned i)
{
	return get_le32(f->blk + f->count_off + 8 * (size_t)i + 4) & 0x0fffffffu;
}

static uint32_t dx_hash(const struct dx_frame *f, unsigned i)
{
	return get_le32(f->blk + f->count_off + 8 * (size_t)i);
}

static void dx_csum(struct fcr *r, struct fcr_inode *dir, const struct dx_frame *f)
{
	size_t t = f->count_off + 8 * (size_t)dx_limit(f);
	uint8_t zero[4] = { 0 };
	uint32_t c;

	if (!r->fs->metadata_csum || t + 8 > r->bs)
		return;
	c = ext4_csum(r->fs, dir_seed(r, dir), f->blk, f->count_off + 8 * (size_t)dx_count(f));
	c = ext4_csum(r->fs, c, f->blk + t, 4);
	c = ext4_csum(r->fs, c, zero, 4);
	put_le32(f->blk + t + 4, c);
}

static void dx_set_count(struct dx_frame *f, unsigned n)
{
	put_le16(f->blk + f->count_off + 2, (uint16_t)n);
}

/* dx_insert_block: (hash, block) after frame f's entry at. */
static void dx_insert(struct fcr *r, struct fcr_inode *dir, struct dx_frame *f, uint32_t hash, uint32_t block)
{
	size_t pos = f->count_off + 8 * ((size_t)f->at + 1);

	memmove(f->blk + pos + 8, f->blk + pos, 8 * ((size_t)dx_count(f) - f->at - 1));
	put_le32(f->blk + pos, hash);
	put_le32(f->blk + pos + 4, block);
	dx_set_count(f, dx_count(f) + 1);
	dx_csum(r, dir, f);
}

bool fcr_dir_ci(struct fcr *r, struct fcr_inode *dir)
{
	const uint8_t *raw = fcr_raw(r, dir);

	return raw && (r->fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_CASEFOLD) &&
	       (get_le32(raw + DI(i_flags)) & EXT4_CASEFOLD_FL);
}

/*
 * ext4_match in a casefolded directory: equal utf8-12.1 casefolds; a name
 * that is not valid UTF-8 matches byte for byte only (ext4_ci_compare
 * without strict encoding).
 */
int fcr_name_eq(struct fcr *r, const struct fcr_name *op, const uint8_t *name, unsigned len)
{
	uint8_t a[EXT4_CASEFOLD_MAX], b[EXT4_CASEFOLD_MAX];
	int na, nb;

	(void)r;
	if (len == op->nlen && !memcmp(name, op->name, len))
		return 1;
	if (!op->ci)
		return 0;
	na = ext4_utf8_casefold(name, len, a, sizeof(a));
	nb = ext4_utf8_casefold(op->name, op->nlen, b, sizeof(b));
	if (na < 0 || nb < 0)
		return 0;
	return na == nb && !memcmp(a, b, (size_t)na);
}

/*
 * The name's hash as dx_probe computes it (the root's version, unsigned per
 * the superblock); in a casefolded directory, of the casefolded name
 * (ext4fs_dirhash: utf8_casefold first).
 */
static int name_hash(struct fcr *r, unsigned version, const struct fcr_name *op, uint32_t *hash)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint8_t folded[EXT4_CASEFOLD_MAX];
	const char *name = (const char *)op->name;
	size_t nlen = op->nlen;

	if (version <= EXT4_HASH_TEA && (sb->flags & EXT2_FLAGS_UNSIGNED_HASH))
		version += 3;
	if (op->ci) {
		/* ext4fs_dirhash: a name that does not fold is hashed as it is */
		int n = ext4_utf8_casefold(op->name, op->nlen, folded, sizeof(folded));

		if (n >= 0) {
			name = (const char *)folded;
			nlen = (size_t)n;
		}
	}
	if (fsimg_dirhash(hash, NULL, (int)version, sb->hash_seed, name, nlen) < 0)
		return fcr_stop(r, FSIMG_EUNSUPP, "a directory hash version %u", version);
	return 0;
}

/* dx_probe: the frames from the root down to the index entry of the leaf for hash. */
static int dx_probe(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op, struct dx_frame *fr,
		    unsigned *levels, uint32_t *hash)
{
	struct ext4_dx_info info;
	struct ext4_dx_node node;
	char why[128];
	uint8_t *b = dir_block(r, dir, 0);

	if (!b)
		return FSIMG_ECORRUPT;
	if (ext4_dx_root_parse(r->fs, b, r->bs, &info, &node, why, sizeof(why)) < 0)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: its htree root is not usable (%s)", dir->ino, why);
	if (info.indirect_levels > 1)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: a three-level htree", dir->ino);
	if (name_hash(r, info.hash_version, op, hash) < 0)
		return FSIMG_EUNSUPP;
	*levels = info.indirect_levels + 1u;
	fr[0].blk = b;
	fr[0].count_off = DX_ROOT_ENTRIES;
	for (unsigned l = 0; l < *levels; l++) {
		struct dx_frame *f = &fr[l];
		unsigned count = dx_count(f), p = 1, q;

		if (!count || count > dx_limit(f) || f->count_off + 8 * (size_t)dx_limit(f) > r->bs)
			return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: a bad htree index", dir->ino);
		q = count - 1;
		while (p <= q && q < count) {
			unsigned m = p + (q - p) / 2;
			if (dx_hash(f, m) > *hash)
				q = m - 1;
			else
				p = m + 1;
		}
		f->at = p - 1;
		if (l + 1 < *levels) {
			uint8_t *nb = dir_block(r, dir, dx_block(f, f->at));
			if (!nb)
				return FSIMG_ECORRUPT;
			if (ext4_dx_node_parse(r->fs, nb, r->bs, &node, why, sizeof(why)) < 0)
				return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: an htree node is not usable (%s)",
						dir->ino, why);
			fr[l + 1].blk = nb;
			fr[l + 1].count_off = DX_NODE_ENTRIES;
		}
	}
	return 0;
}

struct map_ent {
	uint32_t hash;
	uint16_t offs, size;
};

/* dx_sort_map, exactly: which of two equal hashes comes first decides the split. */
static void sort_map(struct map_ent *map, unsigned count)
{
	struct map_ent *top = map + count - 1, t;
	bool more;

	while (count > 2) {
		count = count * 10 / 13;
		if (count - 9 < 2)
			count = 11;
		for (struct map_ent *p = top, *q = p - count; q >= map; p--, q--)
			if (p->hash < q->hash) {
				t = *p;
				*p = *q;
				*q = t;
			}
	}
	do {
		more = false;
		for (struct map_ent *q = top; q-- > map;) {
			if (q[1].hash >= q[0].hash)
				continue;
			t = q[1];
			q[1] = q[0];
			q[0] = t;
			more = true;
		}
	} while (more);
}

/*
 * do_split: half of b1's entries (by hash) go to a new block; the index
 * entry for it goes after frame f's; *into is the block and *off the entry
 * the new name goes to.
 */
static int do_split(struct fcr *r, struct fcr_inode *dir, uint8_t *b1, struct dx_frame *f, uint32_t hash,
		    unsigned version, uint8_t **into, size_t *off)
{
	size_t end = r->bs - csum_size(r), o = 0, to = 0, last1 = 0, last2 = 0;
	unsigned count = 0, split, move = 0, size = 0, cnt;
	struct map_ent *map = malloc((r->bs / 12 + 1) * sizeof(*map));
	uint32_t hash2, nb;
	bool continued;
	uint8_t *b2;
	int i, err;

	if (!map)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	err = fcr_dir_append(r, dir, &nb, &b2);
	if (err < 0)
		goto out;
	/* dx_make_map walks forward and fills from the end: the map runs backwards */
	while (o + 8 <= r->bs) {
		const uint8_t *de = b1 + o;
		uint16_t rl = get_le16(de + 4);

		if (rl < 12 || rl < rec_need(de[6]) || o + rl > r->bs) {
			err = fcr_stop(r, FSIMG_ECORRUPT, "directory %u: a bad entry in a leaf", dir->ino);
			goto out;
		}
		if (de[6] && get_le32(de)) {
			struct fcr_name nm = { .name = de + 8, .nlen = de[6], .ci = fcr_dir_ci(r, dir) };
			err = name_hash(r, version, &nm, &map[count].hash);
			if (err < 0)
				goto out;
			map[count].offs = (uint16_t)o;
			map[count].size = rl;
			count++;
		}
		o += rl;
	}
	for (unsigned a = 0, b = count ? count - 1 : 0; a < b; a++, b--) {
		struct map_ent t = map[a];
		map[a] = map[b];
		map[b] = t;
	}
	if (count < 2) {
		err = fcr_stop(r, FSIMG_ECORRUPT, "directory %u: a full leaf with %u entries", dir->ino, count);
		goto out;
	}
	sort_map(map, count);
	for (i = (int)count - 1; i >= 0; i--) {
		if (size + map[i].size / 2 > r->bs / 2)
			break;
		size += map[i].size;
		move++;
	}
	split = i > 0 ? count - move : count / 2;
	hash2 = map[split].hash;
	continued = hash2 == map[split - 1].hash;
	/* dx_move_dirents */
	for (cnt = split; cnt < count; cnt++) {
		uint8_t *de = b1 + map[cnt].offs;
		unsigned rl = rec_need(de[6]);

		memcpy(b2 + to, de, rl);
		put_le16(b2 + to + 4, (uint16_t)rl);
		put_le32(de, 0);
		memset(de + 6, 0, get_le16(de + 4) - 6u);
		last2 = to;
		to += rl;
	}
	/* dx_pack_dirents */
	o = 0;
	to = 0;
	while (o < r->bs) {
		uint8_t *de = b1 + o;
		uint16_t rl = get_le16(de + 4);

		if (get_le32(de) && de[6]) {
			unsigned need = rec_need(de[6]);
			if (o > to)
				memmove(b1 + to, de, need);
			put_le16(b1 + to + 4, (uint16_t)need);
			last1 = to;
			to += need;
		}
		if (!rl)
			break;
		o += rl;
	}
	put_le16(b1 + last1 + 4, (uint16_t)(end - last1));
	put_le16(b2 + last2 + 4, (uint16_t)(end - last2));
	if (csum_size(r)) {
		fcr_dir_init_tail(r, b1);
		fcr_dir_init_tail(r, b2);
	}
	fcr_dir_csum(r, dir, b1);
	fcr_dir_csum(r, dir, b2);
	*into = hash >= hash2 ? b2 : b1;
	*off = hash >= hash2 ? last2 : last1;
	dx_insert(r, dir, f, hash2 + continued, nb);
out:
	free(map);
	return err;
}

/*
 * ext4_dx_add_entry's "need to split index?": frame last's index block is
 * full.  Split it into a new node block (its parent has room), or move the
 * root's entries to a new node under it (one level more).  1: probe again
 * (the kernel's restart), 0: go on to split the leaf under *last.
 */
static int dx_grow_index(struct fcr *r, struct fcr_inode *dir, struct dx_frame *fr, unsigned last, unsigned levels)
{
	unsigned lv = last, icount, node_limit = (r->bs - 8 - (r->fs->metadata_csum ? 8 : 0)) / 8;
	bool add_level = true, restart = false;
	struct dx_frame n2 = { .count_off = DX_NODE_ENTRIES };
	uint32_t nb;
	int err;

	while (lv > 0) {
		if (dx_count(&fr[lv - 1]) < dx_limit(&fr[lv - 1])) {
			add_level = false;
			break;
		}
		lv--;
		restart = true;
	}
	if (add_level && levels == 2)
		return fcr_stop(r, FSIMG_EUNSUPP,
				"directory %u: its htree is full at two levels (the kernel's ext4_add_entry fails: ENOSPC)",
				dir->ino);
	if (r->bs >= 65536)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: an htree node in a 64 KiB block", dir->ino);
	icount = dx_count(&fr[lv]);
	err = fcr_dir_append(r, dir, &nb, &n2.blk);
	if (err < 0)
		return err;
	put_le16(n2.blk + 4, (uint16_t)r->bs); /* the fake entry over the whole block */
	if (!add_level) {
		unsigned c1 = icount / 2, c2 = icount - c1;
		uint32_t hash2 = dx_hash(&fr[lv], c1);

		memcpy(n2.blk + DX_NODE_ENTRIES, fr[lv].blk + fr[lv].count_off + 8 * (size_t)c1, 8 * (size_t)c2);
		dx_set_count(&fr[lv], c1);
		put_le16(n2.blk + DX_NODE_ENTRIES, (uint16_t)node_limit);
		dx_set_count(&n2, c2);
		dx_csum(r, dir, &fr[lv]);
		dx_csum(r, dir, &n2);
		if (fr[lv].at >= c1) {
			n2.at = fr[lv].at - c1;
			fr[lv] = n2;
		}
		dx_insert(r, dir, &fr[lv - 1], hash2, nb);
		return restart;
	}
	/* the root's entries go to the new node; the root points at it alone */
	memcpy(n2.blk + DX_NODE_ENTRIES, fr[0].blk + DX_ROOT_ENTRIES, 8 * (size_t)icount);
	put_le16(n2.blk + DX_NODE_ENTRIES, (uint16_t)node_limit);
	dx_csum(r, dir, &n2);
	dx_set_count(&fr[0], 1);
	put_le32(fr[0].blk + DX_ROOT_ENTRIES + 4, nb);
	fr[0].blk[24 + 6]++; /* indirect_levels */
	dx_csum(r, dir, &fr[0]);
	return 1;
}

static int dx_add(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op)
{
	struct dx_frame fr[2];
	unsigned levels = 1, version;
	uint32_t hash;
	uint8_t *leaf, *into;
	size_t off;
	int ret;

	for (int tries = 0;; tries++) {
		if (tries > 4)
			return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: its htree does not settle", dir->ino);
		ret = dx_probe(r, dir, op, fr, &levels, &hash);
		if (ret < 0)
			return ret;
		version = fr[0].blk[DX_ROOT_ENTRIES - 8 + 4];
		leaf = dir_block(r, dir, dx_block(&fr[levels - 1], fr[levels - 1].at));
		if (!leaf)
			return FSIMG_ECORRUPT;
		ret = fcr_dir_add_to_block(r, dir, leaf, op);
		if (ret)
			return ret;
		if (dx_count(&fr[levels - 1]) < dx_limit(&fr[levels - 1]))
			break;
		ret = dx_grow_index(r, dir, fr, levels - 1, levels);
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
	}
	ret = do_split(r, dir, leaf, &fr[levels - 1], hash, version, &into, &off);
	if (ret < 0)
		return ret;
	return insert_at(r, dir, into, off, op);
}

/* make_indexed_dir: block 0 becomes the root over a new block with its entries, which is then split. */
static int make_indexed(struct fcr *r, struct fcr_inode *dir, uint8_t *b0, const struct fcr_name *op)
{
	size_t cs = csum_size(r), de_off = 12 + (size_t)get_le16(b0 + 12 + 4), len, o = 0, last = 0;
	struct dx_frame f = { .count_off = DX_ROOT_ENTRIES, .at = 0 };
	unsigned version = r->fs->sb.def_hash_version;
	uint8_t *b2, *raw, *into;
	uint32_t nb, hash;
	int err;

	if (get_le16(b0 + 4) != 12 || de_off >= r->bs - cs)
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: its first block has no \".\" and \"..\"", dir->ino);
	len = r->bs - cs - de_off;
	err = fcr_dir_append(r, dir, &nb, &b2);
	if (err < 0)
		return err;
	raw = fcr_raw(r, dir);
	b0 = dir_block(r, dir, 0); /* the made blocks may have moved */
	if (!raw || !b0)
		return FSIMG_ECORRUPT;
	put_le32(raw + DI(i_flags), get_le32(raw + DI(i_flags)) | EXT4_INDEX_FL);
	memcpy(b2, b0 + de_off, len);
	memset(b0 + de_off, 0, len);
	while (o < len) {
		uint16_t rl = get_le16(b2 + o + 4);
		if (rl < 12 || o + rl > len)
			break;
		last = o;
		o += rl;
	}
	put_le16(b2 + last + 4, (uint16_t)(r->bs - cs - last));
	if (cs)
		fcr_dir_init_tail(r, b2);
	fcr_dir_csum(r, dir, b2);
	put_le16(b0 + 12 + 4, (uint16_t)(r->bs - 12));
	memset(b0 + 24, 0, 8);
	b0[24 + 4] = (uint8_t)version;
	b0[24 + 5] = 8;
	f.blk = b0;
	put_le16(b0 + DX_ROOT_ENTRIES, (uint16_t)((r->bs - 32 - (cs ? 8 : 0)) / 8));
	put_le16(b0 + DX_ROOT_ENTRIES + 2, 1);
	put_le32(b0 + DX_ROOT_ENTRIES + 4, nb);
	dx_csum(r, dir, &f);
	if (name_hash(r, version, op, &hash) < 0)
		return FSIMG_EUNSUPP;
	err = do_split(r, dir, b2, &f, hash, version, &into, &o);
	if (err < 0)
		return err;
	return insert_at(r, dir, into, o, op);
}

int fcr_dir_add(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op)
{
	const uint8_t *raw = fcr_raw(r, dir);
	uint64_t blocks;
	uint32_t lblk;
	uint8_t *b;
	int ret;

	if (!raw)
		return FSIMG_ECORRUPT;
	if (get_le32(raw + DI(i_flags)) & EXT4_INDEX_FL)
		return dx_add(r, dir, op);
	blocks = get_size(raw) / r->bs;
	for (uint64_t k = 0; k < blocks; k++) {
		if (k >= 1u << 20)
			return fcr_stop(r, FSIMG_ENOMEM, "directory %u: too many blocks", dir->ino);
		if (!dir_pblk(dir, (uint32_t)k))
			return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: a hole at block %llu", dir->ino,
					(unsigned long long)k);
		b = dir_block(r, dir, (uint32_t)k);
		if (!b)
			return FSIMG_ECORRUPT;
		ret = fcr_dir_add_to_block(r, dir, b, op);
		if (ret)
			return ret;
		if (blocks == 1 && (r->fs->sb.feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX))
			return make_indexed(r, dir, b, op);
	}
	ret = fcr_dir_append(r, dir, &lblk, &b);
	if (ret < 0)
		return ret;
	put_le16(b + 4, (uint16_t)(r->bs - csum_size(r)));
	if (csum_size(r))
		fcr_dir_init_tail(r, b);
	return insert_at(r, dir, b, 0, op);
}

void fcr_dir_dots(uint8_t *b, uint32_t ino, uint32_t parent, uint16_t dotdot_len, uint8_t ftype_dir)
{
	put_le32(b, ino);
	put_le16(b + 4, 12);
	b[6] = 1;
	b[7] = ftype_dir;
	b[8] = '.';
	put_le32(b + 12, parent);
	put_le16(b + 16, dotdot_len);
	b[18] = 2;
	b[19] = ftype_dir;
	b[20] = '.';
	b[21] = '.';
}

int fcr_init_new_dir(struct fcr *r, struct fcr_inode *in, uint32_t parent, uint8_t ftype_dir)
{
	uint8_t *raw = fcr_raw(r, in), *b;
	uint32_t lblk;
	int err;

	if (!raw)
		return FSIMG_ECORRUPT;
	set_size(raw, 0);
	err = fcr_dir_append(r, in, &lblk, &b);
	if (err < 0)
		return err;
	fcr_dir_dots(b, in->ino, parent, (uint16_t)(r->bs - csum_size(r) - 12), ftype_dir);
	if (csum_size(r))
		fcr_dir_init_tail(r, b);
	fcr_dir_csum(r, in, b);
	raw = fcr_raw(r, in);
	if (!raw)
		return FSIMG_ECORRUPT;
	put_le16(raw + DI(i_links_count), 2);
	return 0;
}
