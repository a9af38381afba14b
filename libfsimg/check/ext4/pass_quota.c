/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 1: the quota inodes the superblock names (s_usr_quota_inum,
 * s_grp_quota_inum, s_prj_quota_inum; e2fsck_validate_quota_inodes in
 * e2fsck/super.c, and pass 1's mode check of a quota inode). The usage the
 * quota files record is not compared with the filesystem's (yet).
 */
#include "config.h"

#include <stdio.h>

#include "check/ext4/e4check.h"

#define S_IFMT_ 0xF000u
#define S_IFREG_ 0x8000u

void check_quota_inodes(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t first = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;

	for (int r = EXT4_SBINO_USR_QUOTA; r <= EXT4_SBINO_PRJ_QUOTA; r++) {
		struct fsimg_problem_ctx p;
		struct fsimg_inode in;
		char detail[64];
		uint32_t ino = ext4_sb_inode(sb, (enum ext4_sb_inode)r);
		const char *name = ext4_sb_inode_name((enum ext4_sb_inode)r);
		bool bad;

		if (ino == 0)
			continue;
		/* below s_first_ino only the two quota inodes of old quota files */
		bad = ino > sb->inodes_count ||
		      (ino < first && ino != EXT4_USR_QUOTA_INO && ino != EXT4_GRP_QUOTA_INO);
		snprintf(detail, sizeof(detail), "%s", name);
		if (!bad && fsimg_inode_read(&in, c->fs, ino) == 0 && in.mode != 0 &&
		    (in.mode & S_IFMT_) != S_IFREG_) {
			bad = true;
			snprintf(detail, sizeof(detail), "%s (not a regular file)", name);
		}
		if (!bad)
			continue;
		p = pctx_inode(ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
		check_report(c, PR_QUOTA_INODE_BAD, &p);
	}
}
