/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 2's judgement of one inode's own fields (flags, extra_isize, mode,
 * size, i_blocks, the state of its data, symlinks) against what the walk
 * of its mapping found (pass_inodes.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/pass_inodes.h"

/* Flags against features and against each other (e2fsck pass 1's order). */
void inode_check_flags(struct pass2 *p2, const struct fsimg_inode *in, bool reserved)
{
	struct check_ctx *c = p2->c;
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p = pctx_inode(in->ino);
	uint32_t unknown = in->flags & ~KNOWN_FLAGS;

	if ((in->flags & EXT4_EXTENTS_FL) && (in->flags & EXT4_INLINE_DATA_FL))
		check_report(c, PR_INODE_EXTENTS_AND_INLINE, &p);
	if ((in->flags & EXT4_INLINE_DATA_FL) && !reserved &&
	    !(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_INLINE_DATA))
		check_report(c, PR_INODE_INLINE_NO_FEATURE, &p);
	if ((in->flags & EXT4_EXTENTS_FL) && !(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS))
		check_report(c, PR_INODE_EXTENTS_NO_FEATURE, &p);
	if (unknown) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, unknown);
		check_report(c, PR_INODE_UNKNOWN_FLAGS, &p);
	}
}

/*
 * i_extra_isize as stored: 4-aligned, at least 4, inside the record (e2fsck's
 * bounds). e2fsck's pass 1 reaches check_inode_extra_space only on the
 * inodes it does not handle apart: reserved ones (the root aside), the
 * superblock's quota inodes and the orphan file are only warned of.
 */
void inode_check_extra_isize(struct pass2 *p2, const struct fsimg_inode *in, const uint8_t *raw, bool reserved)
{
	uint16_t isz = e4(p2->c)->sb->inode_size, extra, max;
	struct fsimg_problem_ctx p;

	if (isz <= EXT4_GOOD_OLD_INODE_SIZE)
		return;
	extra = (uint16_t)(raw[EXT4_GOOD_OLD_INODE_SIZE] | raw[EXT4_GOOD_OLD_INODE_SIZE + 1] << 8);
	max = (uint16_t)(isz - EXT4_GOOD_OLD_INODE_SIZE);
	if (extra == 0 || (extra >= 4 && extra <= max && !(extra & 3)))
		return;
	p = pctx_inode(in->ino);
	PCTX_SET(p, found, FSIMG_PF_FOUND, extra);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, max);
	check_report(p2->c, reserved ? PR_INODE_EXTRA_ISIZE_SPECIAL : PR_INODE_EXTRA_ISIZE, &p);
}

/* Is the mode a file type, and can a special file carry its flags? */
bool inode_check_mode(struct pass2 *p2, const struct fsimg_inode *in)
{
	struct check_ctx *c = p2->c;
	struct fsimg_problem_ctx p = pctx_inode(in->ino);

	switch (in->mode & S_IFMT_) {
	case S_IFREG_:
	case S_IFDIR_:
	case S_IFLNK_:
		return true;
	case S_IFCHR_:
	case S_IFBLK_:
	case S_IFIFO_:
	case S_IFSOCK_:
		/* e2fsck_pass1_check_device_inode: no index, extents or inline data */
		if (in->flags & (EXT4_INDEX_FL | EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL)) {
			PCTX_SET(p, found, FSIMG_PF_FOUND, in->flags);
			check_report(c, PR_INODE_BAD_DEVICE, &p);
			return false;
		}
		return true;
	default:
		PCTX_SET(p, found, FSIMG_PF_FOUND, in->mode);
		check_report(c, PR_INODE_BAD_MODE, &p);
		return false;
	}
}

/*
 * i_size past what the mapping can address (e2fsck's bad_size 4 and 6):
 * ext2_max_sizes for a block map (12 direct, then single, double, triple
 * indirect), 2^32 blocks for an extent tree. True when reported.
 */
bool inode_check_max_size(struct pass2 *p2, const struct fsimg_inode *in)
{
	uint64_t bs = p2->fs->block_size, max;
	struct fsimg_problem_ctx p = pctx_inode(in->ino);

	if (!(in->flags & EXT4_EXTENTS_FL)) {
		uint64_t apb = bs / 4;

		max = (12 + apb + apb * apb + apb * apb * apb) * bs;
	} else {
		max = (1ull << (32 + p2->fs->log_block_size)) - 1;
	}
	if (in->size <= max)
		return false;
	PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, max);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL,
		 (in->flags & EXT4_EXTENTS_FL) ? "past the largest extent-mapped size"
					       : "past the largest block-mapped size");
	check_report(p2->c, PR_INODE_BAD_SIZE, &p);
	return true;
}

/* Size against the mapping: e2fsck's bad_size rules, then the state of the tail. */
void inode_check_size(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w)
{
	struct check_ctx *c = p2->c;
	fsimg_fs *fs = p2->fs;
	uint16_t fmt = in->mode & S_IFMT_;
	uint64_t bs = fs->block_size;
	struct fsimg_problem_ctx p = pctx_inode(in->ino);

	/* inline data: e2fsck's bad_size 7 is for directories (pass_rules.c); files keep the bounds */
	if (in->flags & EXT4_INLINE_DATA_FL) {
		if (fmt != S_IFDIR_ && fmt != S_IFLNK_)
			inode_check_max_size(p2, in);
		return;
	}
	if (fmt == S_IFDIR_) {
		uint64_t nblock = in->size / bs, want = (uint64_t)(w->last_any + 1);

		/* A directory is whole blocks, up to the last mapped one (plus prealloc_dir_blocks). */
		if ((in->size & (bs - 1)) || nblock > want ||
		    (nblock < want && want - nblock > e4(c)->sb->prealloc_dir_blocks)) {
			PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, want * bs);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "a directory spans whole mapped blocks");
			check_report(c, PR_INODE_BAD_SIZE, &p);
		}
		return;
	}
	/*
	 * e2fsck: initialized blocks must not start past i_size (unless truncation
	 * is pending), except a verity file's: its Merkle tree lives past EOF.
	 */
	if (w->last_written >= 0 && in->size < (uint64_t)w->last_written * bs &&
	    !(in->flags & EXT4_VERITY_FL) && !p2_is_orphan(p2, in->ino)) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, (uint64_t)w->last_written);
		check_report(c, PR_DATA_WRITTEN_PAST_EOF, &p);
		return;
	}
	if (inode_check_max_size(p2, in))
		return;
	if (fmt != S_IFREG_)
		return;
	/*
	 * The tail: the last byte of i_size in an unwritten extent that goes
	 * on past EOF (fallocate without KEEP_SIZE ends the extent at EOF), or
	 * nothing but unwritten blocks and holes after the last written block.
	 */
	if (w->eof_in_unwritten && w->eof_run.lblk + w->eof_run.len > w->eof_lblk) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, w->eof_run.lblk);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, w->eof_run.len);
		check_report(c, PR_DATA_SIZE_IN_UNWRITTEN, &p);
	} else if (w->last_written >= 0 && w->unwritten_in_tail > 0 &&
		   (uint64_t)w->last_written + 1 < w->eof_lblk) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, (uint64_t)w->last_written + 1);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, w->eof_lblk - (uint64_t)w->last_written - 1);
		check_report(c, PR_DATA_TAIL_UNWRITTEN, &p);
	}
}

void inode_check_iblocks(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w)
{
	const struct fsimg_super *sb = e4(p2->c)->sb;
	uint64_t want = w->units * (sb->cluster_size >> 9);
	struct fsimg_problem_ctx p;

	if (in->blocks == want)
		return;
	/*
	 * ea_inode: the values in xattr inodes an inode references are charged
	 * to its i_blocks too (the kernel's quota charge, e2fsck's ea_ibody_quota
	 * and ea_block_quota), not to the EA inodes themselves.
	 */
	if ((sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EA_INODE) && !(in->flags & EXT4_EA_INODE_FL))
		want += check_ea_inode_charge(p2->c, in) * (sb->cluster_size >> 9);
	if (in->blocks == want)
		return;
	p = pctx_inode(in->ino);
	PCTX_SET(p, found, FSIMG_PF_FOUND, in->blocks);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, want);
	check_report(p2->c, PR_INODE_BAD_IBLOCKS, &p);
}

void inode_check_data_state(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w)
{
	struct check_ctx *c = p2->c;
	struct fsimg_problem_ctx p;

	if (w->prealloc) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, w->prealloc);
		check_report(c, PR_DATA_PREALLOC_PAST_EOF, &p);
		c->sum.prealloc_blocks += w->prealloc;
		c->sum.prealloc_inodes++;
	}
	if (w->nonzero) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, w->nonzero);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, w->nz_lblk);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, w->nz_pblk);
		check_report(c, PR_DATA_UNWRITTEN_NONZERO, &p);
		c->sum.unwritten_nonzero_blocks += w->nonzero;
	}
}

/*
 * e2fsck_pass1_check_symlink's size rules: never 0; a fast symlink's target
 * fills i_block up to its NUL, exactly i_size bytes; a slow one fits a block.
 * (A fast symlink of 60 bytes or more is the mapping iterator's error.)
 */
void inode_check_symlink(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w)
{
	struct fsimg_problem_ctx p = pctx_inode(in->ino);
	const char *why = NULL;

	if (in->flags & EXT4_INLINE_DATA_FL)
		return;
	if (in->size == 0)
		why = "size 0";
	else if (ext4_is_fast_symlink(p2->fs, in) && (in->flags & EXT4_EXTENTS_FL))
		why = "a fast symlink with the extents flag";
	else if (ext4_is_fast_symlink(p2->fs, in) && in->size < sizeof(in->i_block) &&
		 strnlen((const char *)in->i_block, sizeof(in->i_block)) != in->size)
		why = "the target in i_block is not i_size bytes long";
	else if (!ext4_is_fast_symlink(p2->fs, in) && in->size >= p2->fs->block_size)
		why = "a block-mapped target longer than a block";
	else if (!ext4_is_fast_symlink(p2->fs, in) && w->block0 == 0 && !w->failed)
		why = "no block holds the target";
	else if (!ext4_is_fast_symlink(p2->fs, in) && w->block0) {
		uint8_t *blk = fs_block_alloc(p2->fs);

		/* the target is NUL-terminated right at i_size */
		if (blk && fs_read_block(p2->fs, w->block0, blk) == 0 &&
		    strnlen((const char *)blk, p2->fs->block_size) != in->size)
			why = "the target in its block is not i_size bytes long";
		free(blk);
	}
	if (!why)
		return;
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
	check_report(p2->c, PR_INODE_BAD_SYMLINK, &p);
	bit_set_shared(p2->c->ino_bad, in->ino);
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* rec_len as ext2fs_get_rec_len decodes it */
static uint32_t rec_len_at(const struct fsimg_fs *fs, const uint8_t *p)
{
	uint32_t len = (uint32_t)p[4] | (uint32_t)p[5] << 8;

	if (fs->block_size < 65536)
		return len;
	if (len == 65535 || len == 0)
		return fs->block_size;
	return (len & 65532u) | ((len & 3u) << 16);
}

/*
 * e2fsck's check_is_really_dir (PR_1_TREAT_AS_DIRECTORY): an inode in use
 * whose mode is neither a directory, a regular file nor a symlink, but whose
 * first block starts with "." naming the inode itself and "..": its mode was
 * probably damaged. Its conditions, in its order: i_block[0] set; inline data
 * whose size is a multiple of 4 and whose ".." and first entry name valid
 * inodes; or logical block 0 of an extent tree; or a block map whose blocks
 * are all inside the filesystem (a character or block device with one link
 * and nothing past i_block[3] is believed); then the block, which verifies
 * under metadata_csum, holds "." and ".." with sane rec_len.
 */
void inode_check_really_dir(struct pass2 *p2, const struct fsimg_inode *in, const uint8_t *raw)
{
	fsimg_fs *fs = p2->fs;
	const struct fsimg_super *sb = e4(p2->c)->sb;
	uint16_t fmt = in->mode & S_IFMT_;
	uint32_t bs = fs->block_size, rl;
	fsimg_pblk_t blk = 0;
	bool not_device = false;
	uint8_t *buf;
	struct fsimg_problem_ctx p;

	if (fmt == S_IFDIR_ || fmt == S_IFREG_ || fmt == S_IFLNK_ || le32_at(in->i_block) == 0)
		return;
	if ((in->flags & EXT4_INLINE_DATA_FL) && (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_INLINE_DATA)) {
		const uint8_t *value;
		size_t value_len;
		uint32_t dotdot = le32_at(in->i_block), de_ino = le32_at(in->i_block + 4);

		if (ext4_xattr_ibody_get_e2fs(raw, sb->inode_size, EXT4_XATTR_INDEX_SYSTEM, "data", &value,
					      &value_len) < 0 || ((sizeof(in->i_block) + value_len) & 3))
			return;
		if (dotdot >= sb->inodes_count || (dotdot < sb->first_ino && dotdot != FSIMG_ROOT_INO) ||
		    de_ino >= sb->inodes_count || (de_ino < sb->first_ino && de_ino != 0) ||
		    rec_len_at(fs, in->i_block + 4) > sizeof(in->i_block) - 4)
			return;
		goto isdir;
	}
	if ((in->flags & EXT4_EXTENTS_FL) && (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS)) {
		fsimg_map *m = NULL;
		struct fsimg_run run;
		/* the iterator maps nothing for a device, fifo or socket: walk it as a file */
		struct fsimg_inode file = *in;

		file.mode = (uint16_t)((in->mode & 07777) | S_IFREG_);
		if (fsimg_map_open(&m, fs, &file, 0) < 0)
			return;
		if (fsimg_map_next(m, &run) > 0 && run.lblk == 0 &&
		    (run.type == FSIMG_RUN_MAPPED || run.type == FSIMG_RUN_UNWRITTEN))
			blk = run.pblk;
		fsimg_map_close(m);
		not_device = true;
	} else {
		for (unsigned i = 0; i < 15; i++) {
			fsimg_pblk_t b = le32_at(in->i_block + 4 * i);

			if (!b)
				continue;
			if (i >= 4)
				not_device = true;
			if (b < sb->first_data_block || b >= sb->blocks_count)
				return;
		}
		blk = le32_at(in->i_block);
	}
	if ((fmt == S_IFCHR_ || fmt == S_IFBLK_) && in->links_count == 1 && !not_device)
		return;
	if (blk >= sb->blocks_count || !(buf = fs_block_alloc(fs)))
		return;
	if (fs_read_blocks(fs, blk, 1, buf) < 0 ||
	    (fs->metadata_csum &&
	     ext4_dirblock_csum_verify(fs, ext4_inode_csum_seed(fs, in->ino, in->generation), buf, bs) != 1))
		goto out;
	rl = rec_len_at(fs, buf);
	if (buf[6] != 1 || buf[8] != '.' || le32_at(buf) != in->ino || rl < 12 || rl % 4 || rl >= bs - 12)
		goto out;
	if (rl + 12 > bs)
		goto out;
	{
		const uint8_t *d = buf + rl;
		uint32_t rl2 = rec_len_at(fs, d);

		if (d[6] != 2 || d[8] != '.' || d[9] != '.' || rl2 < 12 || rl2 % 4)
			goto out;
	}
	free(buf);
isdir:
	p = pctx_inode(in->ino);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, p2_type_name(in->mode));
	check_report(p2->c, PR_INODE_LOOKS_LIKE_DIR, &p);
	return;
out:
	free(buf);
}
