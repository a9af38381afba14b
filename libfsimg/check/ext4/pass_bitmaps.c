/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 6: the block and inode bitmaps on disk against what passes 1-5
 * found in use, the bitmaps' checksums, and the summary counts (e2fsck
 * pass 5, e2fsck/pass5.c). Uninit groups read as e2fsprogs reads them
 * (lib/ext2fs/rw_bitmaps.c): a BLOCK_UNINIT group's bitmap is zeros plus
 * the metadata of every BLOCK_UNINIT group, an INODE_UNINIT group's is
 * zeros. With bigalloc the block bitmap has one bit per cluster.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"

struct bm_state {
	struct check_ctx *c;
	unsigned ratio_log;          /* log2(blocks per cluster) */
	uint8_t *uninit_marks;       /* blocks e2fsprogs marks for BLOCK_UNINIT groups */
	/* a run of one kind of difference being collected */
	enum problem_id run_id;
	uint64_t run_start, run_len;
	bool run_open;
	bool csum;                   /* uninit flags are honoured */
};

static void run_flush(struct bm_state *s)
{
	struct fsimg_problem_ctx p = pctx_none();

	if (!s->run_open)
		return;
	if (s->run_id == PR_BLOCK_USED_MARKED_FREE || s->run_id == PR_BLOCK_FREE_MARKED_USED)
		PCTX_SET(p, block, FSIMG_PF_BLOCK, s->run_start);
	else
		PCTX_SET(p, inode, FSIMG_PF_INODE, (fsimg_ino_t)s->run_start);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, s->run_len);
	check_report(s->c, s->run_id, &p);
	s->run_open = false;
}

/* Adds [start, start+len) to the current run of id, or starts a new run. */
static void run_add(struct bm_state *s, enum problem_id id, uint64_t start, uint64_t len)
{
	if (s->run_open && s->run_id == id && s->run_start + s->run_len == start) {
		s->run_len += len;
		return;
	}
	run_flush(s);
	s->run_open = true;
	s->run_id = id;
	s->run_start = start;
	s->run_len = len;
}

static void mark(struct bm_state *s, fsimg_pblk_t blk, uint64_t len)
{
	if (!fs_pblk_range_ok(s->c->fs, blk, len))
		return;
	for (uint64_t b = blk; b < blk + len; b++)
		bit_set(s->uninit_marks, b);
}

/* What e2fsprogs marks for a BLOCK_UNINIT group: its super/GDT copies and its own metadata. */
static void mark_uninit_group(struct bm_state *s, const struct fsimg_group *g)
{
	if (g->has_super)
		mark(s, g->super_block, 1);
	if (g->gdt_block)
		mark(s, g->gdt_block, (uint64_t)g->gdt_count + g->reserved_gdt);
	mark(s, g->block_bitmap, 1);
	mark(s, g->inode_bitmap, 1);
	mark(s, g->inode_table, e4(s->c)->sb->inode_table_blocks);
}

/* Is any block of the cluster starting at blk (clipped to the fs) set in map? */
static bool cluster_any(const struct bm_state *s, const uint8_t *map, uint64_t blk)
{
	uint64_t n = UINT64_C(1) << s->ratio_log;

	for (uint64_t b = blk; b < blk + n && b < e4(s->c)->sb->blocks_count; b++)
		if (bit_test(map, b))
			return true;
	return false;
}

/* A bitmap's crc32c as stored: 32 bits with 64-byte descriptors, else the low 16. */
static bool bitmap_csum_ok(struct check_ctx *c, const uint8_t *bm, size_t len, uint32_t stored)
{
	uint32_t crc = ext4_csum(c->fs, c->fs->csum_seed, bm, len);

	if (e4(c)->sb->desc_size < 64)
		return (crc & 0xFFFF) == (stored & 0xFFFF);
	return crc == stored;
}

/*
 * e2fsprogs' bitmap_tail_verify: past the group's bits (nbytes, whole
 * bytes), a bitmap block is all ones up to its end (e2fsck: padding at end
 * of bitmap is not set).
 */
static void bitmap_padding(struct check_ctx *c, const struct fsimg_group *g, const uint8_t *bm,
			   size_t nbytes, fsimg_pblk_t blk, enum problem_id id)
{
	struct fsimg_problem_ctx p;

	for (size_t i = nbytes; i < e4(c)->sb->block_size; i++) {
		if (bm[i] == 0xFF)
			continue;
		p = pctx_group(g->group);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
		PCTX_SET(p, found, FSIMG_PF_FOUND, i);
		check_report(c, id, &p);
		return;
	}
}

static void block_group(struct bm_state *s, const struct fsimg_group *g, uint8_t *buf,
			uint64_t *free_total)
{
	struct check_ctx *c = s->c;
	const struct fsimg_super *sb = e4(c)->sb;
	uint64_t ncl, free_cnt = 0, cl0 = (uint64_t)g->group * sb->clusters_per_group;
	uint64_t first = sb->first_data_block + ((uint64_t)g->group * sb->blocks_per_group);
	bool uninit = s->csum && (g->flags & FSIMG_BG_BLOCK_UNINIT);
	bool have_bitmap = false;
	struct fsimg_problem_ctx p;

	/* clusters in this group (the last one is partial) */
	ncl = ((sb->blocks_count - first) + (UINT64_C(1) << s->ratio_log) - 1) >> s->ratio_log;
	if (ncl > sb->clusters_per_group)
		ncl = sb->clusters_per_group;
	if (!uninit && fs_pblk_ok(c->fs, g->block_bitmap) &&
	    fs_read_block(c->fs, g->block_bitmap, buf) == 0 &&
	    sb->clusters_per_group <= (uint64_t)sb->block_size * 8)
		have_bitmap = true;
	if (have_bitmap && c->fs->metadata_csum &&
	    !bitmap_csum_ok(c, buf, sb->clusters_per_group / 8, g->block_bitmap_csum)) {
		p = pctx_group(g->group);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, g->block_bitmap);
		check_report(c, PR_BLOCK_BITMAP_CSUM, &p);
	}
	if (have_bitmap)
		bitmap_padding(c, g, buf, sb->clusters_per_group / 8, g->block_bitmap,
			       PR_BLOCK_BITMAP_PADDING);
	/* e2fsck's check_block_end: the last group's clusters past the filesystem are set */
	if (have_bitmap && g->group == sb->group_count - 1) {
		for (uint64_t i = ncl; i < sb->clusters_per_group; i++) {
			if (bit_test(buf, i))
				continue;
			p = pctx_group(g->group);
			PCTX_SET(p, block, FSIMG_PF_BLOCK, g->block_bitmap);
			PCTX_SET(p, found, FSIMG_PF_FOUND, i / 8);
			check_report(c, PR_BLOCK_BITMAP_PADDING, &p);
			break;
		}
	}
	for (uint64_t i = 0; i < ncl; i++) {
		uint64_t blk = first + (i << s->ratio_log);

		/*
		 * Eight blocks at a time where both maps are byte-aligned and
		 * agree (the common case): only their free count is needed.
		 */
		if (s->ratio_log == 0 && !(i & 7) && !(blk & 7) && i + 8 <= ncl) {
			uint8_t used8 = c->blk_claimed[blk >> 3], marks8 = s->uninit_marks[blk >> 3];
			uint8_t disk8 = have_bitmap ? (uint8_t)(buf[i >> 3] | marks8) :
					uninit ? marks8 : used8;

			if (used8 == disk8) {
				free_cnt += 8 - (uint64_t)__builtin_popcount(used8);
				i += 7;
				continue;
			}
		}
		bool used = cluster_any(s, c->blk_claimed, blk);
		bool ondisk = cluster_any(s, s->uninit_marks, blk);

		(void)cl0;
		if (have_bitmap)
			ondisk = ondisk || bit_test(buf, i);
		else if (!uninit)
			ondisk = used; /* unreadable bitmap: reported in pass 1, not here */
		if (!used)
			free_cnt++;
		if (used && !ondisk)
			run_add(s, PR_BLOCK_USED_MARKED_FREE, blk, UINT64_C(1) << s->ratio_log);
		else if (!used && ondisk)
			run_add(s, PR_BLOCK_FREE_MARKED_USED, blk, UINT64_C(1) << s->ratio_log);
	}
	if (free_cnt != g->free_blocks_count) {
		run_flush(s);
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, g->free_blocks_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, free_cnt);
		check_report(c, PR_GROUP_FREE_BLOCKS_WRONG, &p);
	}
	*free_total += free_cnt;
}

/* Bits n .. n+7 of map as one byte (bit 0 = n). */
static uint8_t bits8(const uint8_t *map, uint64_t n)
{
	unsigned sh = (unsigned)(n & 7);
	const uint8_t *p = map + (n >> 3);

	return sh ? (uint8_t)(p[0] >> sh | p[1] << (8 - sh)) : p[0];
}

/* A deleted orphan still counts in its group's directories. */
static bool orphan_is_dir(struct check_ctx *c, fsimg_ino_t ino)
{
	struct fsimg_inode in;

	return fsimg_inode_read(&in, c->fs, ino) == 0 && (in.mode & 0xF000u) == 0x4000u;
}

static void inode_group(struct bm_state *s, const struct fsimg_group *g, uint8_t *buf,
			uint64_t *free_total)
{
	struct check_ctx *c = s->c;
	const struct fsimg_super *sb = e4(c)->sb;
	uint64_t ipg = sb->inodes_per_group, free_cnt = 0, dirs = 0;
	fsimg_ino_t ino0 = (fsimg_ino_t)(g->group * ipg);
	bool uninit = s->csum && (g->flags & FSIMG_BG_INODE_UNINIT);
	bool have_bitmap = false;
	struct fsimg_problem_ctx p;

	if (!uninit && fs_pblk_ok(c->fs, g->inode_bitmap) &&
	    fs_read_block(c->fs, g->inode_bitmap, buf) == 0 && ipg <= (uint64_t)sb->block_size * 8)
		have_bitmap = true;
	if (have_bitmap && c->fs->metadata_csum &&
	    !bitmap_csum_ok(c, buf, ipg / 8, g->inode_bitmap_csum)) {
		p = pctx_group(g->group);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, g->inode_bitmap);
		check_report(c, PR_INODE_BITMAP_CSUM, &p);
	}
	if (have_bitmap)
		bitmap_padding(c, g, buf, ipg / 8, g->inode_bitmap, PR_INODE_BITMAP_PADDING);
	for (uint64_t i = 0; i < ipg; i++) {
		fsimg_ino_t ino = ino0 + (fsimg_ino_t)i + 1;
		if (ino > sb->inodes_count)
			break;
		/*
		 * Eight inodes at a time past the reserved ones, where the maps
		 * agree and none of the eight is an orphan (those take the slow path).
		 */
		if (!(i & 7) && i + 8 <= ipg && (uint64_t)ino + 7 <= sb->inodes_count &&
		    ino >= sb->first_ino && !(ino0 & 7) && !(e4(c)->ino_orphan && bits8(e4(c)->ino_orphan, ino))) {
			uint8_t used8 = bits8(c->ino_inuse, ino), dir8 = bits8(c->ino_isdir, ino);
			uint8_t disk8 = have_bitmap ? buf[i >> 3] : uninit ? 0 : used8;

			if (used8 == disk8) {
				free_cnt += 8 - (uint64_t)__builtin_popcount(used8);
				dirs += (uint64_t)__builtin_popcount(used8 & dir8);
				i += 7;
				continue;
			}
		}
		/* reserved inodes are always in use (e2fsck pass 1); so are orphans until released */
		bool orphan = e4(c)->ino_orphan && bit_test(e4(c)->ino_orphan, ino) && !bit_test(c->ino_inuse, ino);
		bool used = bit_test(c->ino_inuse, ino) || ino < sb->first_ino || orphan;
		bool ondisk = have_bitmap ? bit_test(buf, i) : (uninit ? false : used);

		if (!used)
			free_cnt++;
		else if (bit_test(c->ino_isdir, ino) || (orphan && orphan_is_dir(c, ino)))
			dirs++;
		if (used && !ondisk)
			run_add(s, PR_INODE_USED_MARKED_FREE, ino, 1);
		else if (!used && ondisk)
			run_add(s, PR_INODE_FREE_MARKED_USED, ino, 1);
	}
	run_flush(s);
	if (free_cnt != g->free_inodes_count) {
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, g->free_inodes_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, free_cnt);
		check_report(c, PR_GROUP_FREE_INODES_WRONG, &p);
	}
	if (dirs != g->used_dirs_count) {
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, g->used_dirs_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, dirs);
		check_report(c, PR_GROUP_DIRS_WRONG, &p);
	}
	*free_total += free_cnt;
}

int check_pass_bitmaps(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct bm_state s;
	struct fsimg_group g;
	uint64_t free_blocks = 0, free_inodes = 0;
	struct fsimg_problem_ctx p;
	uint8_t *buf;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.csum = sb->feature_ro_compat &
		 (EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_GDT_CSUM);
	s.ratio_log = sb->log_cluster_size >= sb->log_block_size ?
			      sb->log_cluster_size - sb->log_block_size : 0;
	if (s.ratio_log > 16)
		return 0;
	s.uninit_marks = calloc(1, (size_t)(sb->blocks_count / 8 + 1));
	buf = fs_block_alloc(c->fs);
	if (!s.uninit_marks || !buf) {
		free(s.uninit_marks);
		free(buf);
		return FSIMG_ENOMEM;
	}
	for (fsimg_group_t i = 0; s.csum && i < sb->group_count; i++)
		if (fsimg_ext4_group_get(&g, c->fs, i) == 0 && (g.flags & FSIMG_BG_BLOCK_UNINIT))
			mark_uninit_group(&s, &g);

	for (fsimg_group_t i = 0; i < sb->group_count; i++) {
		if ((i & 255) == 0)
			check_progress(c, 6, "bitmaps and counts", i, sb->group_count);
		if (fsimg_ext4_group_get(&g, c->fs, i) < 0)
			continue;
		block_group(&s, &g, buf, &free_blocks);
	}
	run_flush(&s);
	for (fsimg_group_t i = 0; i < sb->group_count; i++) {
		if (fsimg_ext4_group_get(&g, c->fs, i) < 0)
			continue;
		inode_group(&s, &g, buf, &free_inodes);
	}
	check_progress(c, 6, "bitmaps and counts", sb->group_count, sb->group_count);

	/* The superblock's counts are not kept exact by the kernel: a warning. */
	free_blocks <<= s.ratio_log;
	if (free_blocks != sb->free_blocks_count) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->free_blocks_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, free_blocks);
		check_report(c, PR_SUPER_FREE_BLOCKS_WRONG, &p);
	}
	if (free_inodes != sb->free_inodes_count) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->free_inodes_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, free_inodes);
		check_report(c, PR_SUPER_FREE_INODES_WRONG, &p);
	}
	free(s.uninit_marks);
	free(buf);
	return 0;
}
