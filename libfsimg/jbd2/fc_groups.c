/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast-commit replay's bitmaps: the block and inode bits its changes
 * free and use, and the group and superblock counts and checksums that go
 * with them (consistent, where Linux 6.1's replay leaves the counts off).
 * A group whose block bitmap is not initialised (BLOCK_UNINIT) reads as
 * ext4_init_block_bitmap builds it; marking a block there initialises it
 * and clears the flag, as ext4_mb_mark_bb does.  New blocks (a directory's)
 * come as ext4_mb_new_blocks_simple takes them during a replay.
 * With bigalloc a bit is a cluster (r->cbits: log2 of blocks per cluster)
 * and the groups' free counts count clusters, the superblock's blocks: a
 * cluster is used while any block of it is, and a new block starts a free
 * cluster (Linux 6.1 stable's simple allocator with its EXT4_C2B fix).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "jbd2/fc_replay.h"

#define NONE_YET 1 /* no block found yet */


/* Group g's bitmap bits: its blocks, or clusters with bigalloc (the last group is short). */
static uint64_t group_bits(const struct fcr *r, fsimg_group_t g)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint64_t first = sb->first_data_block + (uint64_t)g * sb->blocks_per_group;
	uint64_t n = sb->blocks_count - first < sb->blocks_per_group ? sb->blocks_count - first : sb->blocks_per_group;

	return (n + (1u << r->cbits) - 1) >> r->cbits;
}

/* Bits per group (blocks, or clusters with bigalloc). */
static uint64_t bits_per_group(const struct fcr *r)
{
	return r->fs->sb.blocks_per_group >> r->cbits;
}

/* ext4_init_block_bitmap: the group's own super and descriptor copies, bitmaps and inode table, the tail set. */
static int init_block_bitmap(struct fcr *r, fsimg_group_t g, const uint8_t *gd, uint8_t *bm, uint64_t *nfree)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint64_t first = sb->first_data_block + (uint64_t)g * sb->blocks_per_group, n = group_bits(r, g);
	uint64_t it = gd_u64(r, gd, GDO(bg_inode_table_lo), 4, GDO(bg_inode_table_hi));
	uint64_t meta[3][2] = {
		{ gd_u64(r, gd, GDO(bg_block_bitmap_lo), 4, GDO(bg_block_bitmap_hi)), 1 },
		{ gd_u64(r, gd, GDO(bg_inode_bitmap_lo), 4, GDO(bg_inode_bitmap_hi)), 1 },
		{ it, sb->inode_table_blocks },
	};
	struct fsimg_group grp;

	if (fsimg_ext4_group_get(&grp, r->fs, g) < 0 || n > r->bs * 8u)
		return fcr_stop(r, FSIMG_ECORRUPT, "group %u: its layout cannot be read", g);
	memset(bm, 0, r->bs);
	for (uint64_t k = n; k < r->bs * 8u; k++)
		bm[k >> 3] |= (uint8_t)(1u << (k & 7));
	for (int m = 0; m < 5; m++) {
		uint64_t a = m < 3 ? meta[m][0] : m == 3 ? grp.super_block : grp.gdt_block;
		uint64_t len = m < 3 ? meta[m][1] : m == 3 ? (grp.has_super ? 1 : 0) :
			       (grp.gdt_block ? (uint64_t)grp.gdt_count + grp.reserved_gdt : 0);
		for (uint64_t b = a; b < a + len; b++)
			if (b >= first && b - first < sb->blocks_per_group && (b - first) >> r->cbits < n)
				bm[((b - first) >> r->cbits) >> 3] |= (uint8_t)(1u << (((b - first) >> r->cbits) & 7));
	}
	*nfree = 0;
	for (uint64_t k = 0; k < n; k++)
		*nfree += !(bm[k >> 3] & (1u << (k & 7)));
	return 0;
}

/*
 * Group g's block bitmap.  write: a made copy, initialised (flag cleared,
 * free count as after the initialisation) when it was not; else a copy to
 * read (scratch holds an uninitialised group's).
 */
static uint8_t *block_bitmap(struct fcr *r, fsimg_group_t g, bool write, uint8_t *scratch)
{
	uint8_t *gd = fcr_gd(r, g), *bm;
	uint64_t nfree;
	uint16_t flags;

	if (!gd)
		return NULL;
	flags = get_le16(gd + GDO(bg_flags));
	bm = fcr_get(r, gd_u64(r, gd, GDO(bg_block_bitmap_lo), 4, GDO(bg_block_bitmap_hi)));
	if (!bm || !(flags & EXT4_BG_BLOCK_UNINIT) || !(r->fs->metadata_csum || r->fs->gdt_csum))
		return bm;
	if (!write)
		return init_block_bitmap(r, g, gd, scratch, &nfree) < 0 ? NULL : scratch;
	if (init_block_bitmap(r, g, gd, bm, &nfree) < 0)
		return NULL;
	put_le16(gd + GDO(bg_flags), flags & (uint16_t)~EXT4_BG_BLOCK_UNINIT);
	put_le16(gd + GDO(bg_free_blocks_count_lo), (uint16_t)nfree);
	if (r->fs->sb.desc_size >= 64)
		put_le16(gd + GDO(bg_free_blocks_count_hi), (uint16_t)(nfree >> 16));
	return bm;
}

/*
 * Sets (on) or clears the bitmap bits of [blk, blk + len): with bigalloc
 * every cluster the range touches; counts the free-count change per group.
 */
int fcr_mark(struct fcr *r, uint64_t blk, uint64_t len, bool on, int64_t *delta, bool *touched)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint64_t bpg = bits_per_group(r), c, cend;

	if (!len)
		return 0;
	c = (blk - sb->first_data_block) >> r->cbits;
	cend = ((blk + len - 1 - sb->first_data_block) >> r->cbits) + 1;
	while (c < cend) {
		fsimg_group_t g = (fsimg_group_t)(c / bpg);
		uint64_t bit = c % bpg;
		uint64_t n = bpg - bit < cend - c ? bpg - bit : cend - c;
		uint8_t *bm;

		touched[g] = true;
		bm = block_bitmap(r, g, true, NULL);
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
		c += n;
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
		total += delta[g] * ((int64_t)1 << r->cbits); /* the superblock counts blocks */
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
	uint64_t first = sb->first_data_block, bpg = bits_per_group(r);
	uint64_t total = (sb->blocks_count - first + (1u << r->cbits) - 1) >> r->cbits; /* bits */
	uint8_t *scratch = malloc(r->bs);
	int err = NONE_YET;

	if (!scratch)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	if (goal < first || goal >= sb->blocks_count)
		goal = first;
	for (uint64_t n = 0; n < total && err == NONE_YET;) {
		uint64_t c = (((goal - first) >> r->cbits) + n) % total;
		fsimg_group_t g = (fsimg_group_t)(c / bpg);
		uint64_t bit = c % bpg, end = bpg;
		uint8_t *bm = block_bitmap(r, g, false, scratch);

		if (!bm) {
			err = FSIMG_ECORRUPT;
			break;
		}
		if (end > bit + (total - c))
			end = bit + (total - c);
		for (uint64_t k = bit; k < end; k++)
			if (!(bm[k >> 3] & (1u << (k & 7)))) {
				*out = first + ((c + (k - bit)) << r->cbits); /* a cluster's first block */
				err = fcr_mark(r, *out, 1, true, delta, touched);
				break;
			}
		n += end - bit;
	}
	free(scratch);
	if (err == NONE_YET)
		return fcr_stop(r, FSIMG_EUNSUPP, "no free block for an extent tree block");
	return err;
}

/*
 * Is blk named by an ADD_RANGE of the log (ext4_fc_replay_check_excluded:
 * only the block tested, a cluster's first), or in a cluster this replay
 * took already (the kernel marks it at once)?
 */
static bool excluded(const struct fcr *r, uint64_t blk)
{
	uint64_t first = r->fs->sb.first_data_block;

	for (size_t i = 0; i < r->nregions; i++)
		if (blk >= r->regions[i].pblk && blk - r->regions[i].pblk < r->regions[i].len)
			return true;
	for (size_t i = 0; i < r->ntaken; i++)
		if ((r->taken[i] - first) >> r->cbits == (blk - first) >> r->cbits)
			return true;
	return false;
}

int fcr_new_block(struct fcr *r, uint64_t goal, uint64_t *out)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint8_t *scratch;
	int err = NONE_YET;

	if (goal < sb->first_data_block || goal >= sb->blocks_count)
		goal = sb->first_data_block;
	if (r->ntaken >= FCR_MAX_TAKEN)
		return fcr_stop(r, FSIMG_ENOMEM, "the replay would take more than %u new blocks", FCR_MAX_TAKEN);
	scratch = malloc(r->bs);
	if (!scratch)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	for (fsimg_group_t g = (fsimg_group_t)((goal - sb->first_data_block) / sb->blocks_per_group);
	     g < sb->group_count && err == NONE_YET; g++) {
		uint64_t gfirst = sb->first_data_block + (uint64_t)g * sb->blocks_per_group;
		uint64_t k = goal > gfirst ? (goal - gfirst) >> r->cbits : 0, n = group_bits(r, g);
		uint8_t *bm = block_bitmap(r, g, false, scratch);

		if (!bm) {
			err = FSIMG_ECORRUPT;
			break;
		}
		for (; k < n; k++)
			if (!(bm[k >> 3] & (1u << (k & 7))) && !excluded(r, gfirst + (k << r->cbits))) {
				*out = gfirst + (k << r->cbits);
				r->taken[r->ntaken++] = *out;
				err = 0;
				break;
			}
	}
	free(scratch);
	if (err == NONE_YET)
		return fcr_stop(r, FSIMG_EUNSUPP, "no free block after the goal for a directory block (the kernel fails too)");
	return err;
}

/* ext4_inode_to_goal_block with delayed allocation (the default): the first block of the inode's group. */
static uint64_t inode_goal(const struct fcr *r, uint32_t ino)
{
	const struct fsimg_super *sb = &r->fs->sb;
	uint64_t g = (ino - 1) / sb->inodes_per_group;
	unsigned flex = (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FLEX_BG) && sb->log_groups_per_flex < 31 ?
			1u << sb->log_groups_per_flex : 1;

	if (flex >= 4)
		g &= ~(uint64_t)(flex - 1); /* directories: no step to the next group */
	return sb->first_data_block + g * sb->blocks_per_group;
}

/*
 * get_implied_cluster_alloc (bigalloc): lblk shares a logical cluster with
 * the first or last block of extent x, so it takes the same physical
 * cluster at its own offset, with nothing allocated.
 */
static bool implied_cluster(const struct fcr *r, const struct fcr_ext *x, uint32_t lblk, uint64_t *pblk)
{
	uint64_t mask = ((uint64_t)1 << r->cbits) - 1, start = x->pblk;
	uint32_t rr = lblk >> r->cbits;

	if (rr != x->lblk >> r->cbits && rr != (x->lblk + x->len - 1) >> r->cbits)
		return false;
	if (rr == (x->lblk + x->len - 1) >> r->cbits)
		start += x->len - 1;
	*pblk = (start & ~mask) + (lblk & mask);
	return true;
}

/*
 * Where ext4_map_blocks puts directory dir's new block lblk in a replay:
 * a block map's as ext4_ind_map_blocks (fc_bmap.c); in an extent tree the
 * goal next to the extent before it (ext4_ext_find_goal), and with bigalloc
 * (ext4_ext_map_blocks) a block in the logical cluster of the extent before
 * it takes that extent's physical cluster, else a new cluster is taken, the
 * goal and the block at the block's offset in its cluster.
 */
int fcr_dir_new_block(struct fcr *r, struct fcr_inode *dir, uint32_t lblk, uint64_t *pblk)
{
	const struct fcr_ext *left = NULL;
	uint64_t goal = inode_goal(r, dir->ino);
	uint32_t coff = lblk & ((1u << r->cbits) - 1);
	int err;

	for (size_t k = 0; k < dir->n && dir->has_tree; k++)
		if (dir->ext[k].lblk <= lblk)
			left = &dir->ext[k];
	if (left)
		goal = left->pblk + (lblk - left->lblk);
	if (!dir->has_tree)
		return r->cbits ? fcr_stop(r, FSIMG_EUNSUPP, "directory %u: a block map with bigalloc", dir->ino) :
		       fcr_bmap_append(r, dir, lblk, goal, pblk);
	if (coff && left && implied_cluster(r, left, lblk, pblk))
		return 0;
	err = fcr_new_block(r, goal > coff ? goal - coff : 0, pblk);
	*pblk += coff;
	return err;
}
