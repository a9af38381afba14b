/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block group descriptors: where they live (flat after the superblock, or
 * spread over meta block groups), loading them once at open with their
 * checksums checked, and one group's descriptor and layout on request.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "ext4/ext4.h"

#define GD(field) offsetof(struct ext4_dgroup_desc, field)

static bool has_meta_bg(const struct fsimg_super *sb)
{
	return (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_META_BG) != 0;
}

static fsimg_pblk_t group_first_block(const struct fsimg_super *sb, fsimg_group_t g)
{
	return (fsimg_pblk_t)sb->first_data_block + (fsimg_pblk_t)g * sb->blocks_per_group;
}

/*
 * The block of a group's superblock copy. The primary always sits at byte
 * 1024: block 1 with 1 KiB blocks even when first_data_block is 0 (bigalloc),
 * which is e2fsprogs' group_zero_adjust.
 */
static fsimg_pblk_t group_super_block(const struct fsimg_super *sb, fsimg_group_t g)
{
	if (g == 0)
		return EXT4_SUPER_OFFSET / sb->block_size;
	return group_first_block(sb, g);
}

/*
 * e2fsprogs ext2fs_descriptor_block_loc2: the copy after the superblock in
 * use (sb_block 0: the primary). Under meta_bg, a backup's descriptors are
 * read from the second group of each meta group.
 */
static fsimg_pblk_t gdt_block_loc(const struct fsimg_super *sb, uint64_t sb_block, uint32_t i)
{
	fsimg_group_t g;
	fsimg_pblk_t first;

	if (!has_meta_bg(sb) || i < sb->first_meta_bg)
		return (sb_block ? sb_block : group_super_block(sb, 0)) + 1 + i;
	/* Meta group i keeps its one descriptor block in its first group. */
	g = i * sb->desc_per_block;
	first = group_first_block(sb, g);
	if (sb_block && first + sb->blocks_per_group + 1 < sb->blocks_count) {
		g++;
		first += sb->blocks_per_group;
	}
	if (ext4_group_has_super(sb, g))
		return group_super_block(sb, g) + 1;
	return first;
}

/*
 * e2fsprogs' ext2fs_open2 on a backup: the copy's descriptors are as old as
 * the backup, so its uninit flags and bg_itable_unused are not trusted (its
 * checksums were judged on the bytes as stored).
 */
static void backup_desc_distrust(struct fsimg_fs *fs, uint8_t *d)
{
	uint16_t flags;

	if (!fs->metadata_csum && !fs->gdt_csum)
		return;
	flags = (uint16_t)(d[GD(bg_flags)] | d[GD(bg_flags) + 1] << 8);
	flags &= (uint16_t)~(FSIMG_BG_INODE_UNINIT | FSIMG_BG_BLOCK_UNINIT);
	d[GD(bg_flags)] = (uint8_t)flags;
	d[GD(bg_flags) + 1] = (uint8_t)(flags >> 8);
	d[GD(bg_itable_unused_lo)] = 0;
	d[GD(bg_itable_unused_lo) + 1] = 0;
	if (fs->sb.desc_size >= EXT4_MIN_DESC_SIZE_64BIT) {
		d[GD(bg_itable_unused_hi)] = 0;
		d[GD(bg_itable_unused_hi) + 1] = 0;
	}
}

int ext4_gd_locate(const struct fsimg_fs *fs, fsimg_group_t g, fsimg_pblk_t *blk, size_t *off)
{
	const struct fsimg_super *sb = &fs->sb;

	if (g >= sb->group_count || !sb->desc_per_block)
		return FSIMG_EINVAL;
	*blk = gdt_block_loc(sb, fs->sb_block, g / sb->desc_per_block);
	*off = (size_t)(g % sb->desc_per_block) * sb->desc_size;
	return *blk < sb->blocks_count ? 0 : FSIMG_ECORRUPT;
}

uint16_t ext4_group_desc_csum(const struct fsimg_fs *fs, fsimg_group_t g, const uint8_t *d)
{
	size_t dsz = fs->sb.desc_size, off = GD(bg_checksum);
	uint8_t le_group[4];
	uint16_t crc;

	put_le32(le_group, g);
	if (fs->metadata_csum) {
		static const uint8_t zero[2];
		uint32_t c = ext4_csum(fs, fs->csum_seed, le_group, sizeof(le_group));

		c = ext4_csum(fs, c, d, off);
		c = ext4_csum(fs, c, zero, sizeof(zero));
		if (off + 2 < dsz)
			c = ext4_csum(fs, c, d + off + 2, dsz - off - 2);
		return (uint16_t)(c & 0xFFFF);
	}
	/* uninit_bg: crc16 over uuid, group, and the descriptor without bg_checksum. */
	crc = fsimg_crc16(0xFFFF, fs->sb.uuid, sizeof(fs->sb.uuid));
	crc = fsimg_crc16(crc, le_group, sizeof(le_group));
	crc = fsimg_crc16(crc, d, off);
	if (off + 2 < dsz)
		crc = fsimg_crc16(crc, d + off + 2, dsz - off - 2);
	return crc;
}

int ext4_gdt_load(struct fsimg_fs *fs)
{
	const struct fsimg_super *sb = &fs->sb;
	uint64_t io_size = fsimg_io_size(fs->io);
	uint64_t total = (uint64_t)sb->group_count * sb->desc_size;
	uint8_t *blk = NULL;
	size_t done = 0;
	uint32_t i;
	int err;

	/*
	 * A lying superblock may claim 2^32 groups: the descriptors have to be
	 * in the image, so its size bounds the allocation before it is made.
	 */
	if (total == 0 || total > io_size || total > SIZE_MAX ||
	    ((uint64_t)sb->gdt_blocks << fs->log_block_size) > io_size)
		return fs_error(fs, FSIMG_ECORRUPT,
				"group descriptors past end of image (%u groups x %u bytes, image %llu bytes)",
				sb->group_count, sb->desc_size, (unsigned long long)io_size);

	fs->gdt = malloc((size_t)total);
	fs->gd_csum_state = calloc(sb->group_count, 1);
	blk = fs_block_alloc(fs);
	if (!fs->gdt || !fs->gd_csum_state || !blk) {
		err = fs_error(fs, FSIMG_ENOMEM, "out of memory for %u group descriptors",
			       sb->group_count);
		goto out;
	}
	fs->gdt_len = (size_t)total;

	for (i = 0; i < sb->gdt_blocks; i++) {
		fsimg_pblk_t loc = gdt_block_loc(sb, fs->sb_block, i);
		size_t n = fs->gdt_len - done < fs->block_size ? fs->gdt_len - done : fs->block_size;

		if (loc >= sb->blocks_count || loc >= fs->io_blocks) {
			err = fs_error(fs, FSIMG_ECORRUPT,
				       "group descriptor block %u at %llu past end of %s", i,
				       (unsigned long long)loc,
				       loc >= sb->blocks_count ? "filesystem" : "image");
			goto out;
		}
		err = fs_read_block(fs, loc, blk);
		if (err < 0)
			goto out;
		memcpy(fs->gdt + done, blk, n);
		done += n;
	}

	for (i = 0; i < sb->group_count; i++) {
		const uint8_t *d = fs->gdt + (size_t)i * sb->desc_size;
		struct cur c = cur_init(d, sb->desc_size);
		uint16_t stored, want;

		if ((!fs->metadata_csum && !fs->gdt_csum) || (fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY)) {
			fs->gd_csum_state[i] = FSIMG_CSUM_NONE;
			if (fs->sb_block)
				backup_desc_distrust(fs, fs->gdt + (size_t)i * sb->desc_size);
			continue;
		}
		stored = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_checksum);
		want = ext4_group_desc_csum(fs, i, d);
		if (stored == want) {
			fs->gd_csum_state[i] = FSIMG_CSUM_OK;
		} else {
			fs->gd_csum_state[i] = FSIMG_CSUM_BAD;
			fs_notice(fs, FSIMG_ECSUM,
				  "group %u: descriptor checksum 0x%04x does not match 0x%04x", i,
				  stored, want);
		}
		if (fs->sb_block)
			backup_desc_distrust(fs, fs->gdt + (size_t)i * sb->desc_size);
	}
	err = 0;
out:
	free(blk);
	if (err < 0) {
		free(fs->gdt);
		free(fs->gd_csum_state);
		fs->gdt = NULL;
		fs->gd_csum_state = NULL;
		fs->gdt_len = 0;
	}
	return err;
}

/* The descriptor bytes of group g, or NULL (error set) when g is out of range. */
static const uint8_t *group_desc(struct fsimg_fs *fs, fsimg_group_t g)
{
	if (!fs->gdt || g >= fs->sb.group_count)
		return NULL;
	return fs->gdt + (size_t)g * fs->sb.desc_size;
}

int ext4_group_inode_table(struct fsimg_fs *fs, fsimg_group_t g, fsimg_pblk_t *blk)
{
	const uint8_t *d = group_desc(fs, g);
	struct cur c;
	fsimg_pblk_t t;

	if (!d)
		return fs_error(fs, FSIMG_ERANGE, "group %u out of range (%u groups)", g,
				fs->sb.group_count);
	c = cur_init(d, fs->sb.desc_size);
	t = CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_inode_table_lo);
	if (fs->sb.desc_size >= EXT4_MIN_DESC_SIZE_64BIT)
		t |= (fsimg_pblk_t)CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_inode_table_hi) << 32;
	*blk = t;
	return 0;
}

int fsimg_ext4_group_get(struct fsimg_group *out, fsimg_fs *fs, fsimg_group_t g)
{
	const struct fsimg_super *sb;
	const uint8_t *d;
	struct cur c;
	bool wide;
	uint32_t dpb;
	fsimg_pblk_t last;

	if (!out || !fs)
		return FSIMG_EINVAL;
	sb = &fs->sb;
	d = group_desc(fs, g);
	if (!d)
		return fs_error(fs, FSIMG_ERANGE, "group %u out of range (%u groups)", g,
				sb->group_count);
	memset(out, 0, sizeof(*out));
	c = cur_init(d, sb->desc_size);
	/* The _hi halves exist only in 64-byte descriptors (64bit feature). */
	wide = sb->desc_size >= EXT4_MIN_DESC_SIZE_64BIT;

	out->group = g;
	out->block_bitmap = CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_block_bitmap_lo);
	out->inode_bitmap = CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_inode_bitmap_lo);
	out->inode_table = CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_inode_table_lo);
	out->free_blocks_count = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_free_blocks_count_lo);
	out->free_inodes_count = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_free_inodes_count_lo);
	out->used_dirs_count = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_used_dirs_count_lo);
	out->itable_unused = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_itable_unused_lo);
	out->flags = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_flags);
	out->exclude_bitmap = CUR_LE32(&c, 0, struct ext4_dgroup_desc, bg_exclude_bitmap_lo);
	out->block_bitmap_csum = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_block_bitmap_csum_lo);
	out->inode_bitmap_csum = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_inode_bitmap_csum_lo);
	out->checksum = CUR_LE16(&c, 0, struct ext4_dgroup_desc, bg_checksum);
	if (wide) {
		out->block_bitmap |= (fsimg_pblk_t)CUR_LE32(&c, 0, struct ext4_dgroup_desc,
							   bg_block_bitmap_hi) << 32;
		out->inode_bitmap |= (fsimg_pblk_t)CUR_LE32(&c, 0, struct ext4_dgroup_desc,
							   bg_inode_bitmap_hi) << 32;
		out->inode_table |= (fsimg_pblk_t)CUR_LE32(&c, 0, struct ext4_dgroup_desc,
							  bg_inode_table_hi) << 32;
		out->free_blocks_count |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							     bg_free_blocks_count_hi) << 16;
		out->free_inodes_count |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							     bg_free_inodes_count_hi) << 16;
		out->used_dirs_count |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							   bg_used_dirs_count_hi) << 16;
		out->itable_unused |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							 bg_itable_unused_hi) << 16;
		out->block_bitmap_csum |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							     bg_block_bitmap_csum_hi) << 16;
		out->inode_bitmap_csum |= (uint32_t)CUR_LE16(&c, 0, struct ext4_dgroup_desc,
							     bg_inode_bitmap_csum_hi) << 16;
	}
	if (c.err)
		return fs_error(fs, FSIMG_ECORRUPT, "group %u: descriptor truncated", g);
	out->csum_state = fs->gd_csum_state ? (enum fsimg_csum_state)fs->gd_csum_state[g]
					    : FSIMG_CSUM_NONE;

	/* Layout: e2fsprogs ext2fs_super_and_bgd_loc2, the kernel's ext4_num_base_meta_clusters. */
	out->first_block = group_first_block(sb, g);
	last = out->first_block + sb->blocks_per_group - 1;
	out->last_block = last < sb->blocks_count - 1 ? last : sb->blocks_count - 1;
	out->has_super = ext4_group_has_super(sb, g);
	if (out->has_super)
		out->super_block = group_super_block(sb, g);
	dpb = sb->desc_per_block;
	if (!has_meta_bg(sb) || g / dpb < sb->first_meta_bg) {
		if (out->has_super) {
			out->gdt_block = out->super_block + 1;
			out->gdt_count = has_meta_bg(sb) ? sb->first_meta_bg : sb->gdt_blocks;
			/* Both the kernel and e2fsprogs reserve these by the count alone. */
			if (!has_meta_bg(sb))
				out->reserved_gdt = sb->reserved_gdt_blocks;
		}
	} else if (g % dpb == 0 || g % dpb == 1 || g % dpb == dpb - 1) {
		/* A meta group's descriptor block, in its first, second and last group. */
		out->gdt_block = out->has_super ? out->super_block + 1 : out->first_block;
		out->gdt_count = 1;
	}
	return 0;
}
