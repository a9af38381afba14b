/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast-commit replay's bitmaps: the block and inode bits its changes
 * free and use, and the group and superblock counts and checksums that go
 * with them (consistent, where Linux 6.1's replay leaves the counts off).
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "jbd2/fc_replay.h"


/* Sets (on) or clears the bitmap bits of [blk, blk + len); counts the free-count change per group. */
int fcr_mark(struct fcr *r, uint64_t blk, uint64_t len, bool on, int64_t *delta, bool *touched)
{
	const struct fsimg_super *sb = &r->fs->sb;

	while (len) {
		fsimg_group_t g = (fsimg_group_t)((blk - sb->first_data_block) / sb->blocks_per_group);
		uint64_t bit = (blk - sb->first_data_block) % sb->blocks_per_group;
		uint64_t n = sb->blocks_per_group - bit < len ? sb->blocks_per_group - bit : len;
		uint8_t *gd = fcr_gd(r, g), *bm;

		if (!gd)
			return FSIMG_ECORRUPT;
		touched[g] = true;
		if (get_le16(gd + GDO(bg_flags)) & EXT4_BG_BLOCK_UNINIT)
			return fcr_stop(r, FSIMG_EUNSUPP, "group %u's block bitmap is not initialised", g);
		bm = fcr_get(r, gd_u64(r, gd, GDO(bg_block_bitmap_lo), 4, GDO(bg_block_bitmap_hi)));
		if (!bm)
			return FSIMG_ECORRUPT;
		for (uint64_t k = bit; k < bit + n; k++) {
			uint8_t m = (uint8_t)(1u << (k & 7));
			bool set = bm[k >> 3] & m;

			if (on && !set) {
				bm[k >> 3] |= m;
				delta[g]--;
			} else if (!on && set) {
				bm[k >> 3] &= (uint8_t)~m;
				delta[g]++;
			}
		}
		blk += n;
		len -= n;
	}
	return 0;
}

/* The counts and checksums the bitmaps' change asks for. */
int fcr_fix_groups(struct fcr *r, const int64_t *delta, const bool *touched)
{
	const struct fsimg_super *sb = &r->fs->sb;
	int64_t total = 0;
	uint8_t *sbb;
	size_t soff = EXT4_SUPER_OFFSET % r->bs;
	uint64_t fr;

	for (fsimg_group_t g = 0; g < sb->group_count; g++) {
		uint8_t *gd, *bm;
		uint64_t f;

		if (!touched[g])
			continue;
		gd = fcr_gd(r, g);
		bm = gd ? fcr_get(r, gd_u64(r, gd, GDO(bg_block_bitmap_lo), 4, GDO(bg_block_bitmap_hi))) : NULL;
		if (!bm)
			return FSIMG_ECORRUPT;
		f = gd_u64(r, gd, GDO(bg_free_blocks_count_lo), 2, GDO(bg_free_blocks_count_hi));
		f = (uint64_t)((int64_t)f + delta[g]);
		put_le16(gd + GDO(bg_free_blocks_count_lo), (uint16_t)f);
		if (sb->desc_size >= 64)
			put_le16(gd + GDO(bg_free_blocks_count_hi), (uint16_t)(f >> 16));
		if (r->fs->metadata_csum) {
			uint32_t c = ext4_csum(r->fs, r->fs->csum_seed, bm, sb->clusters_per_group / 8);
			put_le16(gd + GDO(bg_block_bitmap_csum_lo), (uint16_t)c);
			if (sb->desc_size >= 64)
				put_le16(gd + GDO(bg_block_bitmap_csum_hi), (uint16_t)(c >> 16));
		}
		if (r->fs->metadata_csum || r->fs->gdt_csum)
			put_le16(gd + GDO(bg_checksum), ext4_group_desc_csum(r->fs, g, gd));
		total += delta[g];
	}
	if (!total)
		return 0;
	sbb = fcr_get(r, EXT4_SUPER_OFFSET / r->bs);
	if (!sbb)
		return FSIMG_ECORRUPT;
	sbb += soff;
	fr = get_le32(sbb + offsetof(struct ext4_dsuper, s_free_blocks_count_lo));
	if (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT)
		fr |= (uint64_t)get_le32(sbb + offsetof(struct ext4_dsuper, s_free_blocks_count_hi)) << 32;
	fr = (uint64_t)((int64_t)fr + total);
	put_le32(sbb + offsetof(struct ext4_dsuper, s_free_blocks_count_lo), (uint32_t)fr);
	if (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT)
		put_le32(sbb + offsetof(struct ext4_dsuper, s_free_blocks_count_hi), (uint32_t)(fr >> 32));
	if (r->fs->metadata_csum)
		put_le32(sbb + offsetof(struct ext4_dsuper, s_checksum), ext4_super_csum(sbb));
	return 0;
}

/* Sets (on) or clears ino's inode bitmap bit, with the group's and the superblock's counts. */
int fcr_mark_inode(struct fcr *r, struct fcr_inode *in, bool on)
{
	const struct fsimg_super *sb = &r->fs->sb;
	fsimg_group_t g = (in->ino - 1) / sb->inodes_per_group;
	uint32_t idx = (in->ino - 1) % sb->inodes_per_group;
	uint8_t *gd = fcr_gd(r, g), *bm, *sbb, *raw = fcr_raw(r, in);
	uint16_t flags;
	bool dir = on ? (get_le16(raw + DI(i_mode)) & 0xF000) == 0x4000 : in->was_dir;
	int64_t dfree = on ? -1 : 1, ddirs = dir ? (on ? 1 : -1) : 0;
	uint64_t v;

	if (!gd || !raw)
		return FSIMG_ECORRUPT;
	flags = get_le16(gd + GDO(bg_flags));
	bm = fcr_get(r, gd_u64(r, gd, GDO(bg_inode_bitmap_lo), 4, GDO(bg_inode_bitmap_hi)));
	if (!bm)
		return FSIMG_ECORRUPT;
	if (flags & EXT4_BG_INODE_UNINIT) {
		/* an uninitialised bitmap reads as all free; the bits past the group's inodes are set */
		memset(bm, 0, r->bs);
		for (uint32_t k = sb->inodes_per_group; k < r->bs * 8u; k++)
			bm[k >> 3] |= (uint8_t)(1u << (k & 7));
		put_le16(gd + GDO(bg_flags), flags & (uint16_t)~EXT4_BG_INODE_UNINIT);
	}
	if (!!(bm[idx >> 3] & (1u << (idx & 7))) == on)
		dfree = 0;
	if (on)
		bm[idx >> 3] |= (uint8_t)(1u << (idx & 7));
	else
		bm[idx >> 3] &= (uint8_t)~(1u << (idx & 7));
	if (!dfree)
		ddirs = 0;
	v = gd_u64(r, gd, GDO(bg_free_inodes_count_lo), 2, GDO(bg_free_inodes_count_hi)) + (uint64_t)dfree;
	put_le16(gd + GDO(bg_free_inodes_count_lo), (uint16_t)v);
	if (sb->desc_size >= 64)
		put_le16(gd + GDO(bg_free_inodes_count_hi), (uint16_t)(v >> 16));
	v = gd_u64(r, gd, GDO(bg_used_dirs_count_lo), 2, GDO(bg_used_dirs_count_hi)) + (uint64_t)ddirs;
	put_le16(gd + GDO(bg_used_dirs_count_lo), (uint16_t)v);
	if (sb->desc_size >= 64)
		put_le16(gd + GDO(bg_used_dirs_count_hi), (uint16_t)(v >> 16));
	if (on && (r->fs->metadata_csum || r->fs->gdt_csum)) {
		v = gd_u64(r, gd, GDO(bg_itable_unused_lo), 2, GDO(bg_itable_unused_hi));
		if (idx >= sb->inodes_per_group - v) {
			v = sb->inodes_per_group - idx - 1;
			put_le16(gd + GDO(bg_itable_unused_lo), (uint16_t)v);
			if (sb->desc_size >= 64)
				put_le16(gd + GDO(bg_itable_unused_hi), (uint16_t)(v >> 16));
		}
	}
	if (r->fs->metadata_csum) {
		uint32_t c = ext4_csum(r->fs, r->fs->csum_seed, bm, sb->inodes_per_group / 8);
		put_le16(gd + GDO(bg_inode_bitmap_csum_lo), (uint16_t)c);
		if (sb->desc_size >= 64)
			put_le16(gd + GDO(bg_inode_bitmap_csum_hi), (uint16_t)(c >> 16));
	}
	if (r->fs->metadata_csum || r->fs->gdt_csum)
		put_le16(gd + GDO(bg_checksum), ext4_group_desc_csum(r->fs, g, gd));
	if (!dfree)
		return 0;
	sbb = fcr_get(r, EXT4_SUPER_OFFSET / r->bs);
	if (!sbb)
		return FSIMG_ECORRUPT;
	sbb += EXT4_SUPER_OFFSET % r->bs;
	put_le32(sbb + offsetof(struct ext4_dsuper, s_free_inodes_count),
		 get_le32(sbb + offsetof(struct ext4_dsuper, s_free_inodes_count)) + (uint32_t)dfree);
	if (r->fs->metadata_csum)
		put_le32(sbb + offsetof(struct ext4_dsuper, s_checksum), ext4_super_csum(sbb));
	return 0;
}


int fcr_alloc(struct fcr *r, uint64_t goal, uint64_t *out, int64_t *delta, bool *touched)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint64_t first = sb->first_data_block, total = sb->blocks_count - first;

	if (goal < first || goal >= sb->blocks_count)
		goal = first;
	for (uint64_t n = 0; n < total;) {
		uint64_t blk = first + (goal - first + n) % total;
		fsimg_group_t g = (fsimg_group_t)((blk - first) / sb->blocks_per_group);
		uint64_t bit = (blk - first) % sb->blocks_per_group, end = sb->blocks_per_group;
		uint8_t *gd = fcr_gd(r, g), *bm;

		if (!gd)
			return FSIMG_ECORRUPT;
		if (end > bit + (sb->blocks_count - blk))
			end = bit + (sb->blocks_count - blk);
		if (get_le16(gd + GDO(bg_flags)) & EXT4_BG_BLOCK_UNINIT) {
			n += end - bit;
			continue;
		}
		bm = fcr_get(r, gd_u64(r, gd, GDO(bg_block_bitmap_lo), 4, GDO(bg_block_bitmap_hi)));
		if (!bm)
			return FSIMG_ECORRUPT;
		for (uint64_t k = bit; k < end; k++)
			if (!(bm[k >> 3] & (1u << (k & 7)))) {
				*out = blk + (k - bit);
				return fcr_mark(r, *out, 1, true, delta, touched);
			}
		n += end - bit;
	}
	return fcr_stop(r, FSIMG_EUNSUPP, "no free block for an extent tree block");
}
