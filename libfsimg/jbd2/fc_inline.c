/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names in directories with inline data during the fast-commit replay, as
 * Linux 6.1 changes them (fs/ext4/inline.c):
 *  - the entries live in i_block after the 4-byte parent (56 bytes), then in
 *    the value of the in-inode xattr "system.data";
 *  - a name goes to the first of the two with room (ext4_try_add_inline_entry);
 *    when i_block is full and the value is empty, the value first grows to
 *    all the room the inode body has (ext4_update_inline_dir, the value
 *    placed as ext4_xattr_set_entry places it); when both are full the
 *    directory becomes a one-block directory (ext4_convert_inline_data_nolock:
 *    "." and "..", then the entries as they were, the last one stretched to
 *    the block's end) and the name is added as to any directory;
 *  - a name is removed from the region that holds it (ext4_delete_inline_entry);
 *  - a new directory whose inode has inline data gets the empty inline
 *    directory (ext4_try_create_inline_dir).
 * The kernel logs only the first 128 + i_extra_isize bytes of an inode in an
 * INODE tag, never the xattrs after them: what the value holds after the
 * replay is what these steps leave, as in the kernel.
 * An inode with INLINE_DATA_FL but no "system.data" xattr has no inline data
 * for the kernel; its replay would read i_block as a block map (fc_names.c
 * refuses such a directory).
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "jbd2/fc_replay.h"

#define IBLOCK_ROOM (EXT4_MIN_INLINE_DATA_SIZE - EXT4_INLINE_DOTDOT_SIZE)
#define MAX_XATTRS 256u

/* The inode body's xattrs: offsets into the raw record. */
struct ibody {
	size_t first;                /* IFIRST: the first entry; values are relative to it */
	size_t end;                  /* the record's end */
	size_t last;                 /* the terminating 4 zero bytes */
	size_t data;                 /* the "system.data" entry, 0 when none */
	size_t min_offs;             /* the lowest value offset (relative to first) */
};

static size_t value_size(const uint8_t *raw, const struct ibody *ib)
{
	return ib->data ? get_le32(raw + ib->data + 8) : 0;
}

static size_t value_pos(const uint8_t *raw, const struct ibody *ib)
{
	return ib->first + get_le16(raw + ib->data + 2);
}

/* 1 with ib filled, 0 when the body holds no xattrs, -1 a body the kernel calls corrupt, -2 an xattr inode. */
static int ibody_scan(const struct fcr *r, const uint8_t *raw, struct ibody *ib)
{
	size_t isz = r->fs->sb.inode_size, extra, off;
	unsigned k;

	memset(ib, 0, sizeof(*ib));
	if (isz <= EXT4_GOOD_OLD_INODE_SIZE)
		return 0;
	extra = get_le16(raw + EXT4_GOOD_OLD_INODE_SIZE);
	if (!extra || extra % 4 || EXT4_GOOD_OLD_INODE_SIZE + extra + 8 > isz ||
	    get_le32(raw + EXT4_GOOD_OLD_INODE_SIZE + extra) != EXT4_XATTR_MAGIC)
		return 0;
	ib->first = EXT4_GOOD_OLD_INODE_SIZE + extra + 4;
	ib->end = isz;
	ib->min_offs = isz - ib->first;
	off = ib->first;
	for (k = 0; k < MAX_XATTRS; k++) {
		uint32_t vsize, voffs;
		size_t next;

		if (off + 4 > isz)
			goto corrupt;
		if (!get_le32(raw + off))
			break;
		next = off + EXT4_XATTR_LEN(raw[off]);
		if (next + 4 > isz)
			goto corrupt;
		vsize = get_le32(raw + off + 8);
		voffs = get_le16(raw + off + 2);
		if (vsize && !get_le32(raw + off + 4)) {
			if ((uint64_t)voffs + vsize > isz - ib->first)
				goto corrupt;
			if (voffs < ib->min_offs)
				ib->min_offs = voffs;
		}
		if (raw[off] == 4 && raw[off + 1] == EXT4_XATTR_INDEX_SYSTEM && !memcmp(raw + off + 16, "data", 4))
			ib->data = off;
		off = next;
	}
	if (k == MAX_XATTRS)
		goto corrupt;
	ib->last = off;
	return ib->data && get_le32(raw + ib->data + 4) ? -2 : 1;
corrupt:
	return -1;
}

bool fcr_has_inline(struct fcr *r, const uint8_t *raw)
{
	struct ibody ib;
	int ret;

	if (!(get_le32(raw + DI(i_flags)) & EXT4_INLINE_DATA_FL))
		return false;
	ret = ibody_scan(r, raw, &ib);
	return ret < 0 || (ret == 1 && ib.data); /* a bad body: inline_state says why */
}

/* The directory's inline state; a stop unless it has inline data. */
static int inline_state(struct fcr *r, struct fcr_inode *dir, uint8_t **rawp, struct ibody *ib)
{
	uint8_t *raw = fcr_raw(r, dir);
	int ret;

	if (!raw)
		return FSIMG_ECORRUPT;
	ret = ibody_scan(r, raw, ib);
	if (ret == -1)
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: bad xattrs in the inode body", dir->ino);
	if (ret == -2)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: its inline data lies in an xattr inode", dir->ino);
	if (!ret || !ib->data)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: inline data without its \"system.data\" xattr",
				dir->ino);
	*rawp = raw;
	return 0;
}

/* get_max_inline_xattr_value_size with the entry present: the room its value may take. */
static size_t max_value(const uint8_t *raw, const struct ibody *ib)
{
	size_t used = ib->last - ib->first + 4, free;

	if (ib->min_offs < used)
		return 0;
	free = ib->min_offs - used;
	return free + EXT4_XATTR_SIZE(value_size(raw, ib));
}

/*
 * ext4_xattr_set_entry on the "system.data" entry: its old value taken out
 * (the values below it move up), the new one (nsize bytes, zero beyond the
 * old ones) placed below all the others.
 */
static void set_value(uint8_t *raw, struct ibody *ib, size_t nsize)
{
	size_t osize = value_size(raw, ib), offs = get_le16(raw + ib->data + 2), min = ib->min_offs;
	uint8_t old[1024] = { 0 };

	if (osize > sizeof(old))
		osize = sizeof(old);
	memcpy(old, raw + ib->first + offs, osize);
	if (value_size(raw, ib)) {
		size_t oround = EXT4_XATTR_SIZE(value_size(raw, ib));

		memmove(raw + ib->first + min + oround, raw + ib->first + min, offs - min);
		memset(raw + ib->first + min, 0, oround);
		min += oround;
		for (size_t e = ib->first; e < ib->last; e += EXT4_XATTR_LEN(raw[e])) {
			size_t o = get_le16(raw + e + 2);

			if (!get_le32(raw + e + 4) && get_le32(raw + e + 8) && o < offs)
				put_le16(raw + e + 2, (uint16_t)(o + oround));
		}
	}
	if (nsize) {
		size_t at = min - EXT4_XATTR_SIZE(nsize);

		memset(raw + ib->first + at, 0, EXT4_XATTR_SIZE(nsize));
		memcpy(raw + ib->first + at, old, osize < nsize ? osize : nsize);
		put_le16(raw + ib->data + 2, (uint16_t)at);
		min = at;
	}
	put_le32(raw + ib->data + 8, (uint32_t)nsize);
	put_le32(raw + ib->data + 12, 0); /* no hash for in-inode values in 6.1 */
	ib->min_offs = min;
}

/* ext4_update_inline_dir: 1 the value grew, 0 no room worth it (-ENOSPC). */
static int grow(struct fcr *r, struct fcr_inode *dir, uint8_t *raw, struct ibody *ib)
{
	size_t nsize = max_value(raw, ib);
	uint8_t *de;

	if (nsize <= value_size(raw, ib) + 12)
		return 0;
	if (nsize > 1024 || nsize > 0xffff)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: inline data of %zu bytes", dir->ino, nsize);
	set_value(raw, ib, nsize);
	de = raw + value_pos(raw, ib);
	/* the value was empty (the only case the kernel grows): one free entry over it */
	put_le32(de, 0);
	put_le16(de + 4, (uint16_t)nsize);
	put_le32(raw + DI(i_size_lo), (uint32_t)(EXT4_MIN_INLINE_DATA_SIZE + nsize));
	put_le32(raw + DI(i_size_high), 0);
	return 1;
}

/* ext4_check_all_de over the entries of a size-byte buffer. */
static int check_all(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t size)
{
	for (size_t off = 0; off < size; off += get_le16(b + off + 4)) {
		int err = off + 8 <= size ? fcr_dir_bad_entry(r, dir, off, size, b + off) :
			  fcr_stop(r, FSIMG_ECORRUPT, "directory %u: a bad inline entry", dir->ino);
		if (err)
			return err;
	}
	return 0;
}

/* ext4_convert_inline_data_nolock for a directory; dir then has an extent tree and one block. */
static int convert(struct fcr *r, struct fcr_inode *dir, uint8_t *raw, struct ibody *ib)
{
	size_t vsize = value_size(raw, ib), len = EXT4_MIN_INLINE_DATA_SIZE + vsize, csum, off, prev = 0, limit;
	uint8_t buf[EXT4_MIN_INLINE_DATA_SIZE + 1024], *b, ft;
	uint32_t lblk, parent;
	int err;

	if (!(r->fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS))
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: inline data to a block map", dir->ino);
	if (vsize > 1024 || len - EXT4_INLINE_DOTDOT_SIZE + 24 > r->bs)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: inline data of %zu bytes", dir->ino, vsize);
	memcpy(buf, raw + DI(i_block), EXT4_MIN_INLINE_DATA_SIZE);
	memcpy(buf + EXT4_MIN_INLINE_DATA_SIZE, raw + value_pos(raw, ib), vsize);
	err = check_all(r, dir, buf + EXT4_INLINE_DOTDOT_SIZE, len - EXT4_INLINE_DOTDOT_SIZE);
	if (err)
		return err;
	parent = get_le32(buf);
	/* ext4_destroy_inline_data_nolock: the xattr goes, i_block becomes an empty extent tree */
	set_value(raw, ib, 0);
	memmove(raw + ib->data, raw + ib->data + EXT4_XATTR_LEN(4), ib->last - ib->data - EXT4_XATTR_LEN(4) + 4);
	memset(raw + ib->last - EXT4_XATTR_LEN(4), 0, EXT4_XATTR_LEN(4));
	if (!get_le32(raw + ib->first))
		put_le32(raw + ib->first - 4, 0);
	memset(raw + DI(i_block), 0, EXT4_MIN_INLINE_DATA_SIZE);
	put_le16(raw + DI(i_block), EXT4_EXT_MAGIC);
	put_le16(raw + DI(i_block) + 4, 4);
	put_le32(raw + DI(i_flags), (get_le32(raw + DI(i_flags)) & ~EXT4_INLINE_DATA_FL) | EXT4_EXTENTS_FL);
	put_le32(raw + DI(i_size_lo), 0);
	put_le32(raw + DI(i_size_high), 0);
	dir->has_tree = true;
	dir->n = 0;
	dir->map_touched = true;
	err = fcr_dir_append(r, dir, &lblk, &b);
	if (err < 0)
		return err;
	/* ext4_finish_convert_inline_dir: "." and ".." (its real length), the entries, the last stretched */
	ft = (r->fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE) ? EXT4_FT_DIR : 0;
	fcr_dir_dots(b, dir->ino, parent, 12, ft);
	memcpy(b + 24, buf + EXT4_INLINE_DOTDOT_SIZE, len - EXT4_INLINE_DOTDOT_SIZE);
	csum = r->fs->metadata_csum ? 12 : 0;
	limit = len - EXT4_INLINE_DOTDOT_SIZE + 24;
	for (off = 0; off < limit; off += get_le16(b + off + 4))
		prev = off;
	put_le16(b + prev + 4, (uint16_t)(get_le16(b + prev + 4) + (r->bs - csum) - limit));
	if (csum)
		fcr_dir_init_tail(r, b);
	fcr_dir_csum(r, dir, b);
	return 0;
}

int fcr_inline_add(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op)
{
	struct ibody ib;
	uint8_t *raw;
	int ret = inline_state(r, dir, &raw, &ib);

	if (ret < 0)
		return ret;
	ret = fcr_dir_add_to_buf(r, dir, raw + DI(i_block) + EXT4_INLINE_DOTDOT_SIZE, IBLOCK_ROOM, op);
	if (ret)
		return ret;
	if (!value_size(raw, &ib)) {
		ret = grow(r, dir, raw, &ib);
		if (ret < 0)
			return ret;
	}
	if (value_size(raw, &ib)) {
		ret = fcr_dir_add_to_buf(r, dir, raw + value_pos(raw, &ib), value_size(raw, &ib), op);
		if (ret)
			return ret;
	}
	ret = convert(r, dir, raw, &ib);
	return ret < 0 ? ret : 3;
}

int fcr_inline_unlink(struct fcr *r, struct fcr_inode *dir, struct fcr_name *op)
{
	struct ibody ib;
	uint8_t *raw;
	int ret = inline_state(r, dir, &raw, &ib);

	if (ret < 0)
		return ret;
	ret = fcr_dir_del_in_buf(r, dir, raw + DI(i_block) + EXT4_INLINE_DOTDOT_SIZE, IBLOCK_ROOM, op);
	if (ret || !value_size(raw, &ib))
		return ret;
	return fcr_dir_del_in_buf(r, dir, raw + value_pos(raw, &ib), value_size(raw, &ib), op);
}

int fcr_inline_new_dir(struct fcr *r, struct fcr_inode *in, uint32_t parent)
{
	uint8_t *raw = fcr_raw(r, in);

	if (!raw)
		return FSIMG_ECORRUPT;
	if (!fcr_has_inline(r, raw))
		return 0;
	put_le32(raw + DI(i_block), parent);
	put_le32(raw + DI(i_block) + 4, 0);
	put_le16(raw + DI(i_block) + 8, IBLOCK_ROOM);
	put_le16(raw + DI(i_links_count), 2);
	put_le32(raw + DI(i_size_lo), EXT4_MIN_INLINE_DATA_SIZE);
	put_le32(raw + DI(i_size_high), 0);
	return 1;
}
