/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extended attributes kept in the inode body, after i_extra_isize: a 4-byte
 * magic, then entries (struct ext4_dxattr_entry + name) up to four zero
 * bytes; values are addressed from the first entry. In an xattr block the
 * entries follow the 32-byte header and values are addressed from the
 * block's start. Every offset, size and name length comes from the image
 * and is bounded by the inode record or the block.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "ext4/ext4.h"

#define XE(field) offsetof(struct ext4_dxattr_entry, field)

/*
 * The entries of raw[first..len), values at raw[vbase + e_value_offs] within
 * raw[vbase..len): the inode body (values from the first entry) and an xattr
 * block (values from the block's start) differ only there. A name matches
 * as the kernel's lookup does (length and bytes), or with cstr as
 * libext2fs's does: it copies the e_name_len bytes and compares them as a
 * C string, so a name padded with NULs past its text matches too.
 */
static int find_entry(const uint8_t *raw, size_t len, size_t first, size_t vbase,
		      unsigned name_index, const char *name, bool cstr,
		      const uint8_t **value, size_t *value_len)
{
	struct cur c = cur_init(raw, len);
	size_t name_len = strlen(name), off, area = len - vbase;

	/* Each entry takes at least 16 bytes, so this loop ends within len / 16 steps. */
	for (off = first;;) {
		uint8_t e_name_len, e_name_index;
		uint32_t e_value_offs, e_value_inum, e_value_size;

		if (len - off < 4) {
			/* no end marker */
			goto corrupt;
		}
		if (cur_le32(&c, off) == 0)
			return FSIMG_ENOENT;
		if (len - off < sizeof(struct ext4_dxattr_entry)) {
			/* entry header past the end */
			goto corrupt;
		}
		e_name_len = cur_u8(&c, off + XE(e_name_len));
		e_name_index = cur_u8(&c, off + XE(e_name_index));
		e_value_offs = cur_le16(&c, off + XE(e_value_offs));
		e_value_inum = cur_le32(&c, off + XE(e_value_inum));
		e_value_size = cur_le32(&c, off + XE(e_value_size));
		if (EXT4_XATTR_LEN(e_name_len) > len - off) {
			/* entry name past the end */
			goto corrupt;
		}
		if (e_value_inum == 0 &&
		    (e_value_offs > area || e_value_size > area - e_value_offs)) {
			/* value past the end */
			goto corrupt;
		}
		if (e_name_index == name_index &&
		    (cstr ? strnlen((const char *)raw + off + sizeof(struct ext4_dxattr_entry), e_name_len)
			  : e_name_len) == name_len &&
		    memcmp(raw + off + sizeof(struct ext4_dxattr_entry), name, name_len) == 0) {
			/* ea_inode: the value lives in inode e_value_inum, not here. */
			if (e_value_inum != 0)
				return FSIMG_EUNSUPP;
			*value = raw + vbase + e_value_offs;
			*value_len = e_value_size;
			return 0;
		}
		off += EXT4_XATTR_LEN(e_name_len);
	}

corrupt:
	return FSIMG_ECORRUPT;
}

static int ibody_get(const uint8_t *raw, size_t len, unsigned name_index, const char *name,
		     bool cstr, const uint8_t **value, size_t *value_len)
{
	struct cur c = cur_init(raw, len);
	size_t start;
	uint16_t extra;

	if (!raw || !name || !value || !value_len)
		return FSIMG_EINVAL;
	*value = NULL;
	*value_len = 0;
	if (len <= EXT4_GOOD_OLD_INODE_SIZE)
		return FSIMG_ENOENT;
	extra = cur_le16(&c, offsetof(struct ext4_dinode, i_extra_isize));
	/* The kernel refuses such an inode; to us it just has no in-inode EA area. */
	if (extra > len - EXT4_GOOD_OLD_INODE_SIZE || (extra & 3))
		return FSIMG_ENOENT;
	start = EXT4_GOOD_OLD_INODE_SIZE + extra;
	if (len - start < 4 || cur_le32(&c, start) != EXT4_XATTR_MAGIC)
		return FSIMG_ENOENT;
	return find_entry(raw, len, start + 4, start + 4, name_index, name, cstr, value, value_len);
}

int ext4_xattr_ibody_get(const struct fsimg_fs *fs, const uint8_t *raw, size_t len,
			 unsigned name_index, const char *name,
			 const uint8_t **value, size_t *value_len)
{
	(void)fs;
	return ibody_get(raw, len, name_index, name, false, value, value_len);
}

int ext4_xattr_ibody_get_e2fs(const uint8_t *raw, size_t len, unsigned name_index, const char *name,
			      const uint8_t **value, size_t *value_len)
{
	return ibody_get(raw, len, name_index, name, true, value, value_len);
}

int ext4_xattr_block_get(const uint8_t *blk, size_t len, unsigned name_index, const char *name,
			 const uint8_t **value, size_t *value_len)
{
	struct cur c = cur_init(blk, len);

	if (!blk || !name || !value || !value_len)
		return FSIMG_EINVAL;
	*value = NULL;
	*value_len = 0;
	/* a 32-byte header: magic, refcount, h_blocks (1), hash, checksum, reserved */
	if (len < sizeof(struct ext4_dxattr_header) + 4 || cur_le32(&c, 0) != EXT4_XATTR_MAGIC ||
	    cur_le32(&c, offsetof(struct ext4_dxattr_header, h_blocks)) != 1)
		return FSIMG_ECORRUPT;
	return find_entry(blk, len, sizeof(struct ext4_dxattr_header), 0, name_index, name, false, value,
			  value_len);
}
