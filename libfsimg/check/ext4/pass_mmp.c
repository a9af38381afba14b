/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 1: the multi-mount protection block (mmp feature,
 * s_mmp_block; the kernel's fs/ext4/mmp.c, e2fsck's e2fsck_check_mmp with
 * ext2fs_mmp_read). The block belongs to the filesystem's metadata, so it
 * is claimed here; its magic and (metadata_csum) its checksum, crc32c from
 * the filesystem's seed over the struct up to mmp_checksum, are judged as
 * ext2fs_mmp_read does: the magic first, then the checksum. e2fsck -n
 * stops on any of them (the kernel refuses to mount). Then the sequence, as
 * e2fsck_check_mmp judges it: EXT4_MMP_SEQ_FSCK (a check running, or one
 * that died) or a value above EXT4_MMP_SEQ_MAX other than
 * EXT4_MMP_SEQ_CLEAN makes e2fsck stop (exit 8, "tune2fs -f -E clear_mmp"
 * to go on), -n or not; the kernel refuses the first (ext4_multi_mount_protect).
 * Any sequence up to EXT4_MMP_SEQ_MAX is a filesystem that was in use
 * (e2fsck and the kernel wait and see it unchanged): not an error.
 */
#include "config.h"

#include <stdlib.h>

#include "check/ext4/e4check.h"
#include "core/cursor.h"
#include "ext4/ext4.h"

#define EXT4_MMP_MAGIC 0x004D4D50u
#define MMP_CHECKSUM_OFF 1020u /* offsetof(struct mmp_struct, mmp_checksum) */
#define EXT4_MMP_SEQ_CLEAN 0xFF4D4D50u
#define EXT4_MMP_SEQ_FSCK 0xE24D4D50u
#define EXT4_MMP_SEQ_MAX 0xE24D4D4Fu

void check_mmp(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	fsimg_fs *fs = c->fs;
	struct fsimg_problem_ctx p;
	uint8_t *blk;

	if (!(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_MMP))
		return;
	p = pctx_none();
	PCTX_SET(p, block, FSIMG_PF_BLOCK, sb->mmp_block);
	/* ext2fs_mmp_read: past s_first_data_block and inside the filesystem */
	if (sb->mmp_block <= sb->first_data_block || sb->mmp_block >= sb->blocks_count) {
		check_report(c, PR_MMP_BLOCK_INVALID, &p);
		return;
	}
	check_claim(c, sb->mmp_block, 1);
	blk = fs_block_alloc(fs);
	if (!blk)
		return;
	if (fs_read_block(fs, sb->mmp_block, blk) < 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "cannot be read");
		check_report(c, PR_MMP_BAD, &p);
	} else if (get_le32(blk) != EXT4_MMP_MAGIC) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, get_le32(blk));
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "bad magic");
		check_report(c, PR_MMP_BAD, &p);
	} else if (fs->metadata_csum && !(fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY) &&
		   ext4_csum(fs, fs->csum_seed, blk, MMP_CHECKSUM_OFF) !=
			   get_le32(blk + MMP_CHECKSUM_OFF)) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, get_le32(blk + MMP_CHECKSUM_OFF));
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "checksum does not match");
		check_report(c, PR_MMP_BAD, &p);
	} else if (get_le32(blk + 4) != EXT4_MMP_SEQ_CLEAN && get_le32(blk + 4) > EXT4_MMP_SEQ_MAX) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, get_le32(blk + 4));
		PCTX_SET(p, detail, FSIMG_PF_DETAIL,
			 get_le32(blk + 4) == EXT4_MMP_SEQ_FSCK ? "an fsck is running (or died)"
								 : "an unknown operation");
		check_report(c, PR_MMP_SEQ_BUSY, &p);
	}
	free(blk);
}
