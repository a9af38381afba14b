/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inline data (the inline_data feature): the first 60 bytes live in i_block,
 * the rest in the value of the in-inode xattr "system.data". As in the
 * kernel (ext4_read_inline_data, with i_inline_size = 60 + e_value_size),
 * the file holds min(i_size, 60 + value length) inline bytes; a file whose
 * i_size is larger reads zeros past them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

int ext4_inline_get(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t **data, size_t *len)
{
	size_t isize = fs->sb.inode_size;
	const uint8_t *value = NULL;
	size_t value_len = 0;
	uint8_t *raw, *buf;
	uint64_t i_size, total;
	struct cur c;
	int err;

	*data = NULL;
	*len = 0;
	if (isize < EXT4_GOOD_OLD_INODE_SIZE || isize > fs->block_size)
		return fs_error(fs, FSIMG_ECORRUPT, "inode %u: inode size %zu cannot hold inline data",
				ino, isize);
	raw = malloc(isize);
	if (!raw)
		return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", ino);
	err = ext4_inode_read_raw(fs, ino, raw, isize);
	if (err < 0)
		goto out;

	c = cur_init(raw, isize);
	i_size = CUR_LE32(&c, 0, struct ext4_dinode, i_size_lo) |
		 ((uint64_t)CUR_LE32(&c, 0, struct ext4_dinode, i_size_high) << 32);

	err = ext4_xattr_ibody_get(fs, raw, isize, EXT4_XATTR_INDEX_SYSTEM, "data",
				   &value, &value_len);
	if (err < 0) {
		if (err != FSIMG_ENOENT) {
			err = fs_error(fs, err, "inode %u: cannot read the system.data xattr: %s", ino,
				       fsimg_strerror(err));
			goto out;
		}
		/* The flag without its xattr: only i_block's bytes are there. */
		fs_notice(fs, FSIMG_ECORRUPT, "inode %u: inline data without a system.data xattr", ino);
		value = NULL;
		value_len = 0;
		err = 0;
	}
	if (value_len > isize || (value_len && !value)) {
		err = fs_error(fs, FSIMG_ECORRUPT, "inode %u: system.data value of %zu bytes", ino,
			       value_len);
		goto out;
	}

	total = EXT4_MIN_INLINE_DATA_SIZE + (uint64_t)value_len;
	if (i_size < total)
		total = i_size;
	buf = malloc(total ? (size_t)total : 1);
	if (!buf) {
		err = fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", ino);
		goto out;
	}
	if (total <= EXT4_MIN_INLINE_DATA_SIZE) {
		cur_bytes(&c, offsetof(struct ext4_dinode, i_block), buf, (size_t)total);
	} else {
		cur_bytes(&c, offsetof(struct ext4_dinode, i_block), buf, EXT4_MIN_INLINE_DATA_SIZE);
		memcpy(buf + EXT4_MIN_INLINE_DATA_SIZE, value,
		       (size_t)total - EXT4_MIN_INLINE_DATA_SIZE);
	}
	*data = buf;
	*len = (size_t)total;
	err = 0;
out:
	free(raw);
	return err;
}
