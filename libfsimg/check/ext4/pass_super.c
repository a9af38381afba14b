/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 1: the superblock and the group descriptors. Geometry and counts,
 * feature consistency, checksums, where each group's bitmaps and inode table
 * are, and the backups of the superblock. Every metadata block (superblock
 * and descriptor copies, reserved GDT blocks, bitmaps, inode tables) is
 * claimed here, so that later passes see an inode's block colliding with it.
 * Rules and severities follow e2fsck's check_super_block() and
 * check_backup_super_block() (e2fsck/super.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "jbd2/jbd2.h"

/*
 * The primary superblock as stored, before an in-memory replay, fails its
 * checksum: e2fsck's ext2fs_open and the kernel's mount both refuse it
 * before they look at the journal (e2fsck falls back to a backup), so a
 * replay that rewrites the block does not make it good.
 */
static bool raw_super_csum_bad(const struct check_ctx *c)
{
	const fsimg_journal *j = c->opts.raw_journal;
	struct fsimg_fs_info info;

	if (!j || (c->opts.flags & FSIMG_CHECK_JOURNAL_AS_IS) || !j->fs || j->fs == c->fs)
		return false;
	return fsimg_fs_info(&info, j->fs) == 0 && info.super_csum == FSIMG_CSUM_BAD;
}

static void super_counts(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p;

	if (fsimg_fs_primary_error(c->fs)) {
		p = pctx_none();
		PCTX_SET(p, block, FSIMG_PF_BLOCK, fsimg_fs_sb_block(c->fs));
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, fsimg_fs_primary_error(c->fs));
		check_report(c, PR_SUPER_PRIMARY_CORRUPT, &p);
	}
	if (sb->csum_state == FSIMG_CSUM_BAD || raw_super_csum_bad(c))
		check_report(c, PR_SUPER_CSUM, NULL);
	/* s_r_blocks_count: at most half the filesystem (e2fsck's bound). */
	if (sb->r_blocks_count > sb->blocks_count / 2) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->r_blocks_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, sb->blocks_count / 2);
		check_report(c, PR_SUPER_RESERVED_BLOCKS, &p);
	}
	/* metadata_csum supersedes uninit_bg: both set is inconsistent. */
	if ((sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM) &&
	    (sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_GDT_CSUM)) {
		p = pctx_none();
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "metadata_csum and uninit_bg");
		check_report(c, PR_SUPER_FEATURE_CONFLICT, &p);
	}
}

/*
 * Backup superblocks must agree with the primary on what e2fsck compares
 * (features except the volatile ones, sizes, uuid) and on the geometry.
 */
static void backup_supers(struct check_ctx *c, const struct fsimg_group *g, uint8_t *buf)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_super bk;
	struct fsimg_problem_ctx p;
	const char *what = NULL;
	char why[128];

	if (!g->has_super || g->group == 0 || !fs_pblk_ok(c->fs, g->super_block))
		return;
	if (fs_read_block(c->fs, g->super_block, buf) < 0 ||
	    ext4_super_from_disk(&bk, buf, EXT4_SUPER_SIZE, why, sizeof(why)) < 0) {
		what = "not a valid superblock";
	} else if (bk.blocks_count != sb->blocks_count) {
		what = "blocks count";
	} else if (bk.inodes_count != sb->inodes_count) {
		what = "inodes count";
	} else if (bk.log_block_size != sb->log_block_size ||
		   bk.log_cluster_size != sb->log_cluster_size) {
		what = "block size";
	} else if (bk.blocks_per_group != sb->blocks_per_group ||
		   bk.inodes_per_group != sb->inodes_per_group ||
		   bk.first_data_block != sb->first_data_block) {
		what = "group geometry";
	} else if (bk.feature_compat != sb->feature_compat ||
		   (bk.feature_incompat & ~EXT4_FEATURE_INCOMPAT_RECOVER) !=
			   (sb->feature_incompat & ~EXT4_FEATURE_INCOMPAT_RECOVER) ||
		   (bk.feature_ro_compat & ~EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT) !=
			   (sb->feature_ro_compat & ~EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT)) {
		what = "features";
	} else if (memcmp(bk.uuid, sb->uuid, sizeof(bk.uuid)) != 0) {
		what = "uuid";
	}
	if (!what)
		return;
	p = pctx_group(g->group);
	PCTX_SET(p, block, FSIMG_PF_BLOCK, g->super_block);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
	check_report(c, PR_BACKUP_SUPER_DIFFERS, &p);
}

/* Descriptor fields and flags (e2fsck check_super_block's per-group loop). */
static void group_fields(struct check_ctx *c, const struct fsimg_group *g, bool csum)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p;
	uint16_t uninit = g->flags & (FSIMG_BG_INODE_UNINIT | FSIMG_BG_BLOCK_UNINIT);

	if (g->csum_state == FSIMG_CSUM_BAD) {
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, g->checksum);
		check_report(c, PR_GROUP_DESC_CSUM, &p);
	}
	/*
	 * Uninit flags, and an unused inode table tail, need descriptor
	 * checksums (e2fsck PR_0_GDT_UNINIT tests bg_itable_unused too).
	 */
	if (!csum && (uninit || g->itable_unused)) {
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, uninit);
		check_report(c, PR_GROUP_UNINIT_NO_CSUM, &p);
	}
	/* The last group is partial: its block bitmap is never uninit. */
	if (g->group == sb->group_count - 1 && (g->flags & FSIMG_BG_BLOCK_UNINIT)) {
		p = pctx_group(g->group);
		check_report(c, PR_GROUP_LAST_BLOCK_UNINIT, &p);
	}
	/* bg_itable_unused <= free inodes <= inodes per group. */
	if (csum && (g->itable_unused > g->free_inodes_count ||
		     g->itable_unused > sb->inodes_per_group)) {
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, g->itable_unused);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED,
			 g->free_inodes_count < sb->inodes_per_group ? g->free_inodes_count
								     : sb->inodes_per_group);
		check_report(c, PR_GROUP_ITABLE_UNUSED, &p);
	}
	const struct {
		const char *what;
		uint64_t v, max;
	} counts[] = {
		{ "free blocks", g->free_blocks_count, sb->clusters_per_group },
		{ "free inodes", g->free_inodes_count, sb->inodes_per_group },
		{ "directories", g->used_dirs_count, sb->inodes_per_group },
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (counts[i].v <= counts[i].max)
			continue;
		p = pctx_group(g->group);
		PCTX_SET(p, found, FSIMG_PF_FOUND, counts[i].v);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, counts[i].max);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, counts[i].what);
		check_report(c, PR_GROUP_FREE_RANGE, &p);
	}
}

/*
 * One of a group's bitmaps or its inode table: inside the blocks the group
 * may use (the whole filesystem with flex_bg), then claimed; a block already
 * claimed (superblock, descriptors, another table) is an overlap.
 */
static void group_meta(struct check_ctx *c, const struct fsimg_group *g, bool flex,
		       fsimg_pblk_t blk, uint64_t len, enum problem_id range_id, const char *what)
{
	const struct fsimg_super *sb = e4(c)->sb;
	fsimg_pblk_t lo = flex ? sb->first_data_block : g->first_block;
	fsimg_pblk_t hi = flex ? sb->blocks_count - 1 : g->last_block;
	struct fsimg_problem_ctx p = pctx_group(g->group);

	PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
	if (len > 1)
		PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	if (blk < lo || blk > hi || len - 1 > hi - blk || !fs_pblk_range_ok(c->fs, blk, len)) {
		if (!(p.has & FSIMG_PF_LENGTH))
			PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
		check_report(c, range_id, &p);
		return;
	}
	if (check_claim(c, blk, len) > 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
		check_report(c, PR_GROUP_METADATA_OVERLAP, &p);
	}
}

static void claim_range(struct check_ctx *c, fsimg_pblk_t blk, uint64_t len)
{
	if (len && fs_pblk_range_ok(c->fs, blk, len))
		check_claim(c, blk, len);
}

int check_pass_super(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	bool flex = sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FLEX_BG;
	bool csum = sb->feature_ro_compat &
		    (EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_GDT_CSUM);
	struct fsimg_group g;
	uint8_t *buf;

	check_progress(c, 1, "superblock and group descriptors", 0, sb->group_count);
	super_counts(c);
	check_super_fields(c);
	check_super_rules(c);
	check_mmp(c);
	check_quota_inodes(c);
	buf = fs_block_alloc(c->fs);
	if (!buf)
		return FSIMG_ENOMEM;

	/*
	 * First every superblock and descriptor copy (and reserved GDT), so
	 * that a bitmap or table placed on one is an overlap whatever the order.
	 * Block 0 before the superblock (4 KiB blocks and up) belongs to it.
	 */
	for (fsimg_group_t i = 0; i < sb->group_count; i++) {
		if (fsimg_ext4_group_get(&g, c->fs, i) < 0)
			continue;
		if (g.has_super)
			claim_range(c, g.super_block, 1);
		if (g.gdt_block)
			claim_range(c, g.gdt_block, (uint64_t)g.gdt_count + g.reserved_gdt);
	}
	for (fsimg_group_t i = 0; i < sb->group_count; i++) {
		if (fsimg_ext4_group_get(&g, c->fs, i) < 0)
			continue;
		group_fields(c, &g, csum);
		group_meta(c, &g, flex, g.block_bitmap, 1, PR_GROUP_BLOCK_BITMAP_RANGE, "block bitmap");
		group_meta(c, &g, flex, g.inode_bitmap, 1, PR_GROUP_INODE_BITMAP_RANGE, "inode bitmap");
		group_meta(c, &g, flex, g.inode_table, sb->inode_table_blocks,
			   PR_GROUP_INODE_TABLE_RANGE, "inode table");
		backup_supers(c, &g, buf);
		if ((i & 1023) == 0)
			check_progress(c, 1, "superblock and group descriptors", i, sb->group_count);
	}
	check_progress(c, 1, "superblock and group descriptors", sb->group_count, sb->group_count);
	check_journal_inode_backup(c);
	free(buf);
	return 0;
}
