/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inodes: finding the on-disk record in its group's inode table, the one
 * reader of struct ext4_dinode, the metadata_csum inode checksum, and the
 * inode bitmap's verdict on whether an inode is in use.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define DI(field) offsetof(struct ext4_dinode, field)
/* Does an inode whose extra part is extra bytes long hold field? (EXT4_FITS_IN_INODE) */
#define DI_FITS(extra, field)                                                  \
	(EXT4_GOOD_OLD_INODE_SIZE + (size_t)(extra) >=                         \
	 DI(field) + sizeof(((struct ext4_dinode *)0)->field))

int fsimg_mode_to_ftype(uint16_t mode)
{
	switch (mode & 0xF000u) {
	case 0x8000u:
		return EXT4_FT_REG_FILE;
	case 0x4000u:
		return EXT4_FT_DIR;
	case 0x2000u:
		return EXT4_FT_CHRDEV;
	case 0x6000u:
		return EXT4_FT_BLKDEV;
	case 0x1000u:
		return EXT4_FT_FIFO;
	case 0xC000u:
		return EXT4_FT_SOCK;
	case 0xA000u:
		return EXT4_FT_SYMLINK;
	default:
		return EXT4_FT_UNKNOWN;
	}
}

int ext4_inode_read_raw(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t *buf, size_t buflen)
{
	const struct fsimg_super *sb = &fs->sb;
	fsimg_group_t g;
	fsimg_pblk_t itable, blk;
	uint64_t off;
	int err;

	if (!fs_ino_ok(fs, ino))
		return fs_error(fs, FSIMG_ERANGE, "inode %u out of range (1..%u)", ino,
				sb->inodes_count);
	if (!buf || buflen < sb->inode_size)
		return fs_error(fs, FSIMG_EINVAL, "inode buffer of %zu bytes < inode size %u",
				buflen, sb->inode_size);
	g = ext4_ino_group(fs, ino);
	err = ext4_group_inode_table(fs, g, &itable);
	if (err < 0)
		return err;
	/* The whole table must lie inside the filesystem, not just our block. */
	if (!fs_pblk_range_ok(fs, itable, sb->inode_table_blocks))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: group %u inode table %llu+%u outside the filesystem", ino,
				g, (unsigned long long)itable, sb->inode_table_blocks);
	off = (uint64_t)((ino - 1) % sb->inodes_per_group) * sb->inode_size;
	blk = itable + (off >> fs->log_block_size);
	/*
	 * The record alone, not its block: a walk over every inode would copy
	 * (and allocate) a whole block per inode. The block is inside the
	 * table, checked above; an inode never straddles blocks (inode_size
	 * divides the block size, checked with the superblock).
	 */
	if (fsimg_io_read(fs->io, buf, sb->inode_size,
			  (blk << fs->log_block_size) + (off & (fs->block_size - 1))) < 0)
		return fs_error(fs, FSIMG_EIO, "cannot read block %llu: image truncated or unreadable",
				(unsigned long long)blk);
	return 0;
}

/* i_extra_isize when usable: inside the record and 4-aligned (the kernel's rule), else 0. */
static uint16_t inode_extra_isize(const uint8_t *raw, size_t len)
{
	struct cur c = cur_init(raw, len);
	uint16_t extra;

	if (len <= EXT4_GOOD_OLD_INODE_SIZE)
		return 0;
	extra = cur_le16(&c, DI(i_extra_isize));
	if (c.err || extra > len - EXT4_GOOD_OLD_INODE_SIZE || (extra & 3))
		return 0;
	return extra;
}

int ext4_inode_from_disk(struct fsimg_inode *out, const struct fsimg_fs *fs, fsimg_ino_t ino,
			 const uint8_t *raw, size_t len)
{
	struct cur c = cur_init(raw, len);
	uint32_t ro_compat = fs ? fs->sb.feature_ro_compat : 0;
	uint32_t incompat = fs ? fs->sb.feature_incompat : 0;
	unsigned log_block_size = fs ? fs->log_block_size : EXT4_MIN_BLOCK_LOG;
	uint64_t blocks_hi;
	uint16_t extra;

	if (!out || !raw || len < EXT4_GOOD_OLD_INODE_SIZE || len > UINT16_MAX)
		return FSIMG_ECORRUPT;
	memset(out, 0, sizeof(*out));
	extra = inode_extra_isize(raw, len);

	out->ino = ino;
	out->inode_size = (uint16_t)len;
	out->extra_isize = extra;
	out->mode = cur_le16(&c, DI(i_mode));
	out->uid = cur_le16(&c, DI(i_uid)) | (uint32_t)cur_le16(&c, DI(l_i_uid_high)) << 16;
	out->gid = cur_le16(&c, DI(i_gid)) | (uint32_t)cur_le16(&c, DI(l_i_gid_high)) << 16;
	out->size = cur_le32(&c, DI(i_size_lo)) | (uint64_t)cur_le32(&c, DI(i_size_high)) << 32;
	out->atime = cur_le32(&c, DI(i_atime));
	out->ctime = cur_le32(&c, DI(i_ctime));
	out->mtime = cur_le32(&c, DI(i_mtime));
	out->dtime = cur_le32(&c, DI(i_dtime));
	out->links_count = cur_le16(&c, DI(i_links_count));
	out->flags = cur_le32(&c, DI(i_flags));
	out->version = cur_le32(&c, DI(l_i_version));
	cur_bytes(&c, DI(i_block), out->i_block, sizeof(out->i_block));
	out->generation = cur_le32(&c, DI(i_generation));
	out->file_acl = cur_le32(&c, DI(i_file_acl_lo));
	/* e2fsprogs ext2fs_file_acl_block and the kernel take the high half only with 64bit. */
	if (incompat & EXT4_FEATURE_INCOMPAT_64BIT)
		out->file_acl |= (uint64_t)cur_le16(&c, DI(l_i_file_acl_high)) << 32;
	out->checksum = cur_le16(&c, DI(l_i_checksum_lo));

	/* The kernel's ext4_inode_blocks: the high half and fs-block units need huge_file. */
	blocks_hi = cur_le16(&c, DI(l_i_blocks_high));
	out->blocks_raw = cur_le32(&c, DI(i_blocks_lo)) | blocks_hi << 32;
	if (ro_compat & EXT4_FEATURE_RO_COMPAT_HUGE_FILE) {
		out->blocks = out->blocks_raw;
		if (out->flags & EXT4_HUGE_FILE_FL)
			out->blocks <<= log_block_size - 9;
	} else {
		out->blocks = out->blocks_raw & 0xFFFFFFFFu;
	}

	if (DI_FITS(extra, i_checksum_hi))
		out->checksum |= (uint32_t)cur_le16(&c, DI(i_checksum_hi)) << 16;
	if (DI_FITS(extra, i_ctime_extra))
		out->ctime_extra = cur_le32(&c, DI(i_ctime_extra));
	if (DI_FITS(extra, i_mtime_extra))
		out->mtime_extra = cur_le32(&c, DI(i_mtime_extra));
	if (DI_FITS(extra, i_atime_extra))
		out->atime_extra = cur_le32(&c, DI(i_atime_extra));
	if (DI_FITS(extra, i_crtime))
		out->crtime = cur_le32(&c, DI(i_crtime));
	if (DI_FITS(extra, i_crtime_extra))
		out->crtime_extra = cur_le32(&c, DI(i_crtime_extra));
	if (DI_FITS(extra, i_projid))
		out->projid = cur_le32(&c, DI(i_projid));
	return c.err ? FSIMG_ECORRUPT : 0;
}

uint32_t ext4_inode_csum_seed(const struct fsimg_fs *fs, fsimg_ino_t ino, uint32_t gen)
{
	uint8_t le[4];
	uint32_t crc;

	put_le32(le, ino);
	crc = ext4_csum(fs, fs->csum_seed, le, sizeof(le));
	put_le32(le, gen);
	return ext4_csum(fs, crc, le, sizeof(le));
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/*
 * The kernel's ext4_inode_csum_verify: crc32c over the whole record with the
 * checksum fields read as zero; all 32 bits count when i_checksum_hi is
 * inside i_extra_isize, the low 16 otherwise. Like e2fsprogs, an all-zero
 * record (a never-written inode table) passes.
 */
/*
 * The kernel's ext4_inode_csum: crc32c over the whole record with the
 * checksum fields read as zero; all 32 bits count when i_checksum_hi is
 * inside i_extra_isize, the low 16 otherwise (*has_hi says which).
 */
static uint32_t inode_csum(const struct fsimg_fs *fs, fsimg_ino_t ino, const uint8_t *raw, size_t len,
			   bool *has_hi)
{
	static const uint8_t zero[2];
	struct cur c = cur_init(raw, len);
	uint32_t crc;
	size_t off;

	/*
	 * i_checksum_hi is in where the raw i_extra_isize reaches past it, a usable
	 * value or not (e2fsprogs' ext2fs_inode_csum; the kernel refuses an inode
	 * whose i_extra_isize is not usable before it checks the sum)
	 */
	*has_hi = len >= DI(i_checksum_hi) + 2 && DI_FITS(cur_le16(&c, DI(i_extra_isize)), i_checksum_hi);
	crc = ext4_inode_csum_seed(fs, ino, cur_le32(&c, DI(i_generation)));
	crc = ext4_csum(fs, crc, raw, DI(l_i_checksum_lo));
	crc = ext4_csum(fs, crc, zero, sizeof(zero));
	off = DI(l_i_checksum_lo) + 2;
	if (*has_hi) {
		crc = ext4_csum(fs, crc, raw + off, DI(i_checksum_hi) - off);
		crc = ext4_csum(fs, crc, zero, sizeof(zero));
		off = DI(i_checksum_hi) + 2;
	}
	crc = ext4_csum(fs, crc, raw + off, len - off);
	return *has_hi ? crc : crc & 0xFFFF;
}

/* The kernel's ext4_inode_csum_verify; like e2fsprogs, an all-zero record (a never-written inode table) passes. */
bool ext4_inode_csum_ok(const struct fsimg_fs *fs, fsimg_ino_t ino, const uint8_t *raw, size_t len)
{
	struct cur c = cur_init(raw, len);
	uint32_t stored, crc;
	bool has_hi;

	if (!fs->metadata_csum)
		return true;
	if (!raw || len < EXT4_GOOD_OLD_INODE_SIZE)
		return false;
	crc = inode_csum(fs, ino, raw, len, &has_hi);
	stored = cur_le16(&c, DI(l_i_checksum_lo));
	if (has_hi)
		stored |= (uint32_t)cur_le16(&c, DI(i_checksum_hi)) << 16;
	if (crc == stored)
		return true;
	return all_zero(raw, len);
}

void ext4_inode_csum_set(const struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t *raw, size_t len)
{
	uint32_t crc;
	bool has_hi;

	if (!fs->metadata_csum || len < EXT4_GOOD_OLD_INODE_SIZE)
		return;
	crc = inode_csum(fs, ino, raw, len, &has_hi);
	put_le16(raw + DI(l_i_checksum_lo), (uint16_t)crc);
	if (has_hi)
		put_le16(raw + DI(i_checksum_hi), (uint16_t)(crc >> 16));
}

int fsimg_inode_read(struct fsimg_inode *out, fsimg_fs *fs, fsimg_ino_t ino)
{
	uint8_t *raw;
	uint16_t size;
	int err;

	if (!out || !fs)
		return FSIMG_EINVAL;
	if (!fs_ino_ok(fs, ino))
		return fs_error(fs, FSIMG_ERANGE, "inode %u out of range (1..%u)", ino,
				fs->sb.inodes_count);
	size = fs->sb.inode_size;
	raw = malloc(size);
	if (!raw)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	err = ext4_inode_read_raw(fs, ino, raw, size);
	if (err < 0)
		goto out;
	err = ext4_inode_from_disk(out, fs, ino, raw, size);
	if (err < 0) {
		err = fs_error(fs, err, "inode %u: record truncated", ino);
		goto out;
	}
	if (size > EXT4_GOOD_OLD_INODE_SIZE && out->extra_isize == 0) {
		struct cur c = cur_init(raw, size);
		uint16_t extra = cur_le16(&c, DI(i_extra_isize));

		if (extra != 0)
			fs_notice(fs, FSIMG_ECORRUPT,
				  "inode %u: i_extra_isize %u is odd or past the %u-byte record; ignored",
				  ino, extra, size);
	}
	if (!fs->metadata_csum || (fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY)) {
		out->csum_state = FSIMG_CSUM_NONE;
	} else if (ext4_inode_csum_ok(fs, ino, raw, size)) {
		out->csum_state = FSIMG_CSUM_OK;
	} else {
		out->csum_state = FSIMG_CSUM_BAD;
		fs_notice(fs, FSIMG_ECSUM, "inode %u: checksum 0x%08x does not match", ino,
			  out->checksum);
	}
out:
	free(raw);
	return err;
}

int fsimg_inode_in_use(fsimg_fs *fs, fsimg_ino_t ino)
{
	struct fsimg_group grp;
	uint32_t index;
	uint8_t *blk;
	int err;

	if (!fs)
		return FSIMG_EINVAL;
	if (!fs_ino_ok(fs, ino))
		return fs_error(fs, FSIMG_ERANGE, "inode %u out of range (1..%u)", ino,
				fs->sb.inodes_count);
	err = fsimg_ext4_group_get(&grp, fs, ext4_ino_group(fs, ino));
	if (err < 0)
		return err;
	/* An uninitialised inode table has no inode in use; the flag counts only with checksums. */
	if ((fs->metadata_csum || fs->gdt_csum) && (grp.flags & EXT4_BG_INODE_UNINIT))
		return 0;
	if (!fs_pblk_ok(fs, grp.inode_bitmap))
		return fs_error(fs, FSIMG_ECORRUPT, "group %u: inode bitmap %llu outside the filesystem",
				grp.group, (unsigned long long)grp.inode_bitmap);
	blk = fs_block_alloc(fs);
	if (!blk)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	err = fs_read_block(fs, grp.inode_bitmap, blk);
	if (err == 0) {
		/* inodes_per_group <= 8 * block_size, checked with the superblock. */
		index = (ino - 1) % fs->sb.inodes_per_group;
		err = (blk[index >> 3] >> (index & 7)) & 1;
	}
	free(blk);
	return err;
}
