/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 1: superblock fields e2fsck's check_super_block and
 * check_resize_inode judge one by one (e2fsck/super.c): the inode count
 * against the geometry, the extra isize hints, feature dependencies, and
 * the resize inode's traces without resize_inode. Apart from the inode
 * count (which ext2fs_open2 and the kernel refuse), e2fsck -n lets each of
 * them pass: warnings. And, for pass 2, the modes of reserved inodes
 * (e2fsck pass 1's PR_1_RESERVED_BAD_MODE).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "ext4/ext4.h"

#define EXT2_RESIZE_INO 7u

static void feature_needs(struct check_ctx *c, bool bad, const char *what)
{
	struct fsimg_problem_ctx p;

	if (!bad)
		return;
	p = pctx_none();
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
	check_report(c, PR_SUPER_FEATURE_CONFLICT, &p);
}

/* s_min_extra_isize, s_want_extra_isize: 0, or 4-aligned in [4, inode_size - 128]. */
static void extra_isize_hint(struct check_ctx *c, uint16_t v, const char *name)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t max = sb->inode_size - EXT4_GOOD_OLD_INODE_SIZE;
	struct fsimg_problem_ctx p;

	if (sb->inode_size <= EXT4_GOOD_OLD_INODE_SIZE || v == 0 || (v >= 4 && v <= max && !(v & 3)))
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, v);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, max);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, name);
	check_report(c, PR_SUPER_EXTRA_ISIZE, &p);
}

/* What e2fsprogs 1.47 knows (EXT2_LIB_FEATURE_COMPAT_SUPP, _RO_COMPAT_SUPP). */
#define E2FSPROGS_COMPAT                                                                     \
	(EXT4_FEATURE_COMPAT_DIR_PREALLOC | EXT4_FEATURE_COMPAT_IMAGIC_INODES |              \
	 EXT4_FEATURE_COMPAT_HAS_JOURNAL | EXT4_FEATURE_COMPAT_RESIZE_INODE |                \
	 EXT4_FEATURE_COMPAT_DIR_INDEX | EXT4_FEATURE_COMPAT_EXT_ATTR |                      \
	 EXT4_FEATURE_COMPAT_SPARSE_SUPER2 | EXT4_FEATURE_COMPAT_FAST_COMMIT |               \
	 EXT4_FEATURE_COMPAT_STABLE_INODES | EXT4_FEATURE_COMPAT_ORPHAN_FILE)
#define E2FSPROGS_RO_COMPAT                                                                  \
	(EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT4_FEATURE_RO_COMPAT_HUGE_FILE |            \
	 EXT4_FEATURE_RO_COMPAT_LARGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK |              \
	 EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_GDT_CSUM |              \
	 EXT4_FEATURE_RO_COMPAT_BIGALLOC | EXT4_FEATURE_RO_COMPAT_QUOTA |                    \
	 EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_READONLY |            \
	 EXT4_FEATURE_RO_COMPAT_PROJECT | EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS |             \
	 EXT4_FEATURE_RO_COMPAT_VERITY | EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT)

/* Compat and ro_compat bits e2fsck does not know make it refuse the filesystem. */
static void unknown_features(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t compat = sb->feature_compat & ~E2FSPROGS_COMPAT;
	uint32_t ro = sb->feature_ro_compat & ~E2FSPROGS_RO_COMPAT;
	struct fsimg_problem_ctx p;

	if (!compat && !ro)
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, compat ? compat : ro);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, compat ? "compat" : "ro_compat");
	check_report(c, PR_SUPER_UNKNOWN_FEATURES, &p);
}

/*
 * e2fsck_get_journal's inode rules where pass 7 does not look: has_journal
 * with neither a journal inode nor a UUID, or a journal inode named without
 * has_journal that cannot be one (out of range, not in use, not a regular
 * file, under 1024 blocks, and no s_jnl_blocks backup to fall back on):
 * "an invalid journal", on which e2fsck stops. An external journal (UUID)
 * depends on the host's devices: not judged.
 */
static void journal_without_feature(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	static const uint8_t zero_uuid[16];
	struct fsimg_inode in;
	struct fsimg_problem_ctx p;
	const char *why = "without has_journal";
	bool bad;

	if (memcmp(sb->journal_uuid, zero_uuid, sizeof(zero_uuid)) != 0)
		return;
	if (sb->has_journal) {
		bad = sb->journal_inum == 0;
		why = "has_journal without a journal inode or UUID";
	} else if (sb->journal_inum == 0) {
		bad = false;
	} else {
		bad = sb->journal_inum > sb->inodes_count ||
		      fsimg_inode_read(&in, c->fs, sb->journal_inum) < 0 || in.links_count == 0 ||
		      (in.mode & 0xF000u) != 0x8000u || in.size / sb->block_size < 1024;
		bad = bad && sb->jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS;
	}
	if (!bad)
		return;
	p = pctx_inode(sb->journal_inum);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
	check_report(c, PR_SUPER_JOURNAL_INVALID, &p);
}

/* s_desc_size is judged even without 64bit (e2fsck's check_super_value). */
static void desc_size(struct check_ctx *c)
{
	const uint8_t *raw = c->fs->raw_sb + offsetof(struct ext4_dsuper, s_desc_size);
	uint32_t v = (uint32_t)raw[0] | (uint32_t)raw[1] << 8;
	struct fsimg_problem_ctx p;

	if (v <= EXT4_MAX_DESC_SIZE && !(v & (v - 1)))
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, v);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, "s_desc_size");
	check_report(c, PR_SUPER_FIELD_INVALID, &p);
}

/*
 * s_log_groups_per_flex past 31: ext2fs_open2 refuses the superblock with
 * or without flex_bg (the kernel reads it only with flex_bg); with flex_bg
 * the open reads a backup instead (ext4/super.c).
 */
static void flex_size(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p;

	if (sb->log_groups_per_flex <= 31)
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, sb->log_groups_per_flex);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, "s_log_groups_per_flex");
	check_report(c, PR_SUPER_FIELD_INVALID, &p);
}

void check_super_fields(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t compat = sb->feature_compat, incompat = sb->feature_incompat;
	bool resize = compat & EXT4_FEATURE_COMPAT_RESIZE_INODE;
	uint64_t should_be = (uint64_t)sb->inodes_per_group * sb->group_count;
	struct fsimg_problem_ctx p;
	struct fsimg_inode in;

	/* e2fsck's PR_0_FS_SIZE_WRONG: the device is shorter than the filesystem; -n reads on */
	if (c->fs->io_blocks < sb->blocks_count) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, c->fs->io_blocks);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, sb->blocks_count);
		check_report(c, PR_SUPER_FS_SIZE_WRONG, &p);
	}
	/* ext2fs_open2 and the kernel want equality (the open takes fewer) */
	if (sb->inodes_count != should_be) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->inodes_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, should_be);
		check_report(c, PR_SUPER_INODES_COUNT, &p);
	}
	/* e2fsck's check_super_block clears it when ext4 is there (every host fsimg is judged on) */
	if (sb->flags & EXT2_FLAGS_TEST_FILESYS) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->flags);
		check_report(c, PR_SUPER_TEST_FS_FLAG, &p);
	}
	unknown_features(c);
	journal_without_feature(c);
	desc_size(c);
	flex_size(c);
	extra_isize_hint(c, sb->min_extra_isize, "s_min_extra_isize");
	extra_isize_hint(c, sb->want_extra_isize, "s_want_extra_isize");
	feature_needs(c, (incompat & EXT4_FEATURE_INCOMPAT_CSUM_SEED) &&
			     !(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM),
		      "metadata_csum_seed without metadata_csum");
	feature_needs(c, (incompat & EXT4_FEATURE_INCOMPAT_64BIT) &&
			     !(incompat & EXT4_FEATURE_INCOMPAT_EXTENTS),
		      "64bit without extent");
	feature_needs(c, resize && (incompat & EXT4_FEATURE_INCOMPAT_META_BG),
		      "resize_inode and meta_bg");
	if (resize)
		return;
	if (sb->reserved_gdt_blocks) {
		p = pctx_none();
		PCTX_SET(p, found, FSIMG_PF_FOUND, sb->reserved_gdt_blocks);
		check_report(c, PR_SUPER_RESERVED_GDT_NO_RESIZE, &p);
	}
	/* without the feature the resize inode is all zeros in i_block */
	if (fsimg_inode_read(&in, c->fs, EXT2_RESIZE_INO) == 0) {
		static const uint8_t zero[sizeof(in.i_block)];

		if (memcmp(in.i_block, zero, sizeof(zero)) != 0) {
			p = pctx_inode(EXT2_RESIZE_INO);
			check_report(c, PR_RESIZE_INODE_NOT_CLEAR, &p);
		}
	}
}

/*
 * A reserved inode (below s_first_ino) without a role of its own has mode
 * 0; the boot loader inode may be anything but a directory, the resize
 * inode a regular file. The bad blocks, root, journal and quota inodes are
 * judged elsewhere.
 */
void check_reserved_mode(struct check_ctx *c, const struct fsimg_inode *in)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint16_t fmt = in->mode & 0xF000u;
	fsimg_ino_t ino = in->ino;
	struct fsimg_problem_ctx p;
	bool bad;

	/* Only the reserved numbers; the superblock's own inodes (one table) are judged elsewhere. */
	if (ino <= FSIMG_ROOT_INO || ino == 3 || ino == 4 || ino == 8 || ino >= sb->first_ino ||
	    ext4_sb_inode_role(sb, ino) != EXT4_SBINO_NONE)
		return;
	if (ino == 5)
		bad = fmt == 0x4000u;
	else if (ino == EXT2_RESIZE_INO)
		bad = in->mode != 0 && fmt != 0x8000u;
	else
		bad = in->mode != 0;
	if (!bad)
		return;
	p = pctx_inode(ino);
	PCTX_SET(p, found, FSIMG_PF_FOUND, in->mode);
	check_report(c, PR_RESERVED_INODE_MODE, &p);
}

/*
 * Fields e2fsck wants zero in an inode it finds through a directory (pass
 * 1 marks the inode bad, pass 2's process_bad_inode asks): the obsolete
 * i_faddr, and l_i_blocks_high without huge_file.
 */
void check_inode_fields(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw)
{
	uint32_t faddr = get_le32(raw + 0x70);
	uint32_t blocks_hi = get_le16(raw + 0x74);
	struct fsimg_problem_ctx p;

	if (faddr) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, faddr);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "i_faddr");
		check_report(c, PR_INODE_FIELD_NONZERO, &p);
	}
	/* on the Hurd these bytes are i_frag and i_fsize (pass_rules.c) */
	if (blocks_hi && !(e4(c)->sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_HUGE_FILE) &&
	    e4(c)->sb->creator_os != EXT4_OS_HURD) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, blocks_hi);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "i_blocks_hi without huge_file");
		check_report(c, PR_INODE_FIELD_NONZERO, &p);
	}
}
