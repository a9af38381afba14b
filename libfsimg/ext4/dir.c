/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Directory entries: the entry parser (the kernel's ext4_check_dir_entry
 * rules), the dirent tail of metadata_csum leaf blocks, and the iterator over
 * a directory's live entries in on-disk order.
 *
 * Blocks come through the mapping iterator (holes are skipped), inline
 * directories through ext4_inline_get(). htree index blocks hold no live
 * entries: the dx root (block 0 of an indexed directory) yields only "." and
 * "..", whose rec_len covers the index; dx nodes are skipped. Neither carries
 * a dirent tail (they have a dx tail, which htree.c checks).
 *
 * After FSIMG_ECORRUPT (or a block that cannot be read) the next call goes on
 * with the following block, as the kernel's readdir does; a failure of the
 * mapping itself ends the walk.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define S_IFMT_ 0xF000u
#define S_IFDIR_ 0x4000u

/* The smallest entry: an 8-byte header and a 1-byte name, rounded (EXT4_DIR_REC_LEN(1)). */
#define DIRENT_MIN_LEN 12u
#define DIRENT_TAIL_LEN 12u

struct fsimg_dir {
	struct fsimg_fs *fs;
	struct fsimg_inode inode;
	bool indexed;            /* INDEX_FL and dir_index: block 0 is a dx root */
	uint64_t nblocks;        /* blocks to walk: those holding i_size, bounded */

	/* block directories */
	fsimg_map *map;
	struct fsimg_run run;    /* the MAPPED run being read */
	uint64_t run_i;          /* next block of it */
	bool have_run;
	uint8_t *blk;
	fsimg_lblk_t lblk;       /* the block in blk */
	size_t off, end;         /* next entry; where the entries end */
	bool in_block;

	/* inline directories: "." and "..", then two regions of entries */
	bool is_inline;
	uint8_t *idata;
	size_t ilen;
	int istage;              /* 0 ".", 1 "..", 2 i_block entries, 3 system.data entries, 4 end */

	bool done;
};

static uint32_t rec_len_from_disk(uint16_t raw, uint32_t bs)
{
	/* 64 KiB blocks: 0 and 65535 mean the whole block, bits 0-1 hold bits 16-17. */
	if (bs < 65536)
		return raw;
	if (raw == EXT4_MAX_REC_LEN || raw == 0)
		return bs;
	return (raw & 65532u) | ((uint32_t)(raw & 3u) << 16);
}

int ext4_dirent_parse(const struct fsimg_fs *fs, const uint8_t *buf, size_t len, size_t off,
		      struct ext4_dirent *de, char *why, size_t whylen)
{
	struct cur c = cur_init(buf, len);
	size_t left;

	memset(de, 0, sizeof(*de));
	if (off > len || len - off < DIRENT_MIN_LEN) {
		snprintf(why, whylen, "directory entry too close to block end");
		return FSIMG_ECORRUPT;
	}
	left = len - off;
	de->inode = cur_le32(&c, off);
	de->rec_len = rec_len_from_disk(cur_le16(&c, off + 4), fs->block_size);
	if (fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE) {
		de->name_len = cur_u8(&c, off + 6);
		de->file_type = cur_u8(&c, off + 7);
	} else {
		/* ext2 rev 0 layout: a 16-bit name_len and no file type. */
		de->name_len = cur_le16(&c, off + 6);
		de->file_type = 0;
	}
	if (c.err) {
		snprintf(why, whylen, "directory entry header out of range");
		return FSIMG_ECORRUPT;
	}

	/* The order of ext4_check_dir_entry: the first rule broken is named. */
	if (de->rec_len < DIRENT_MIN_LEN)
		snprintf(why, whylen, "rec_len %u is smaller than minimal (%u)", de->rec_len,
			 DIRENT_MIN_LEN);
	else if (de->rec_len % EXT4_DIR_ROUND)
		snprintf(why, whylen, "rec_len %u is not a multiple of 4", de->rec_len);
	else if ((uint32_t)de->name_len + EXT4_DIR_ENTRY_HEADER > de->rec_len)
		snprintf(why, whylen, "rec_len %u is too small for name_len %u", de->rec_len,
			 de->name_len);
	else if (de->rec_len > left)
		snprintf(why, whylen, "rec_len %u runs past the block end (%zu bytes left)",
			 de->rec_len, left);
	else if (de->rec_len != left && left - de->rec_len < DIRENT_MIN_LEN)
		snprintf(why, whylen, "rec_len %u leaves %zu bytes, too close to block end",
			 de->rec_len, left - de->rec_len);
	else if (de->inode > fs->sb.inodes_count)
		snprintf(why, whylen, "inode %u out of range (inodes_count %u)", de->inode,
			 fs->sb.inodes_count);
	else if (de->name_len > FSIMG_NAME_MAX)
		snprintf(why, whylen, "name_len %u > %u", de->name_len, FSIMG_NAME_MAX);
	else {
		de->name = buf + off + EXT4_DIR_ENTRY_HEADER;
		return 0;
	}
	return FSIMG_ECORRUPT;
}

bool ext4_dirent_tail_present(const uint8_t *blk, size_t bs)
{
	struct cur c = cur_init(blk, bs);
	size_t t;

	if (bs < DIRENT_TAIL_LEN)
		return false;
	t = bs - DIRENT_TAIL_LEN;
	/* get_dirent_tail: a fake entry of inode 0, rec_len 12, name_len 0, file_type 0xDE. */
	return CUR_LE32(&c, t, struct ext4_ddir_entry_tail, det_reserved_zero1) == 0 &&
	       CUR_LE16(&c, t, struct ext4_ddir_entry_tail, det_rec_len) == DIRENT_TAIL_LEN &&
	       CUR_U8(&c, t, struct ext4_ddir_entry_tail, det_reserved_zero2) == 0 &&
	       CUR_U8(&c, t, struct ext4_ddir_entry_tail, det_reserved_ft) == EXT4_FT_DIR_CSUM &&
	       !c.err;
}

int ext4_dirblock_csum_verify(const struct fsimg_fs *fs, uint32_t seed, const uint8_t *blk, size_t bs)
{
	struct cur c = cur_init(blk, bs);
	size_t t;

	if (!ext4_dirent_tail_present(blk, bs))
		return -1;
	t = bs - DIRENT_TAIL_LEN;
	/* ext4_dirblock_csum: crc32c(inode seed, everything before the tail). */
	return ext4_csum(fs, seed, blk, t) ==
	       CUR_LE32(&c, t, struct ext4_ddir_entry_tail, det_checksum);
}

bool ext4_dirblock_leaf_end(struct fsimg_fs *fs, const struct fsimg_inode *dir, fsimg_lblk_t lblk,
			    const uint8_t *blk, size_t *end)
{
	int ok;

	*end = fs->block_size;
	if (!fs->metadata_csum)
		return true;
	if (ext4_dirent_tail_present(blk, fs->block_size))
		*end = fs->block_size - DIRENT_TAIL_LEN;
	if (fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY)
		return true;
	ok = ext4_dirblock_csum_verify(fs, ext4_inode_csum_seed(fs, dir->ino, dir->generation),
				       blk, fs->block_size);
	if (ok == 1)
		return true;
	if (ok < 0)
		fs_notice(fs, FSIMG_ECSUM,
			  "directory inode %u, block %llu: no dirent tail for the leaf checksum",
			  dir->ino, (unsigned long long)lblk);
	else
		fs_notice(fs, FSIMG_ECSUM, "directory inode %u, block %llu: leaf checksum does not match",
			  dir->ino, (unsigned long long)lblk);
	return false;
}

/* Is this block of the directory an htree index block, and which kind? */
enum dx_kind { DX_NONE, DX_ROOT, DX_NODE };

static enum dx_kind dx_block_kind(const struct fsimg_dir *d, fsimg_lblk_t lblk, const uint8_t *blk)
{
	uint32_t bs = d->fs->block_size;
	struct cur c = cur_init(blk, bs);
	uint32_t rec0 = rec_len_from_disk(cur_le16(&c, 4), bs);

	/* The root: "." of rec_len 12, then ".." spanning the rest of the block. */
	if (d->indexed && lblk == 0 && rec0 == DIRENT_MIN_LEN &&
	    rec_len_from_disk(cur_le16(&c, DIRENT_MIN_LEN + 4), bs) == bs - DIRENT_MIN_LEN)
		return DX_ROOT;
	/* A node: one fake entry, inode 0, covering the whole block. */
	if (lblk != 0 && cur_le32(&c, 0) == 0 && rec0 == bs)
		return DX_NODE;
	return DX_NONE;
}

void fsimg_dir_close(fsimg_dir *d)
{
	if (!d)
		return;
	fsimg_map_close(d->map);
	free(d->blk);
	free(d->idata);
	free(d);
}

int ext4_dir_open_inode(struct fsimg_dir **out, struct fsimg_fs *fs, const struct fsimg_inode *inode)
{
	struct fsimg_dir *d;
	uint64_t nblocks;
	int err;

	*out = NULL;
	if ((inode->mode & S_IFMT_) != S_IFDIR_)
		return fs_error(fs, FSIMG_ENOTDIR, "inode %u is not a directory", inode->ino);
	d = calloc(1, sizeof(*d));
	if (!d)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	d->fs = fs;
	d->inode = *inode;
	d->indexed = (inode->flags & EXT4_INDEX_FL) &&
		     (fs->sb.feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX);

	if (inode->flags & EXT4_INLINE_DATA_FL) {
		d->is_inline = true;
		err = ext4_inline_get(fs, inode->ino, &d->idata, &d->ilen);
		if (err < 0)
			goto fail;
		/* The first 4 bytes are the parent's inode number. */
		if (d->ilen < EXT4_INLINE_DOTDOT_SIZE) {
			err = fs_error(fs, FSIMG_ECORRUPT,
				       "directory inode %u: inline data of %zu bytes has no parent",
				       inode->ino, d->ilen);
			goto fail;
		}
		*out = d;
		return 0;
	}

	nblocks = (inode->size >> fs->log_block_size) + ((inode->size & (fs->block_size - 1)) != 0);
	d->nblocks = nblocks < FSIMG_MAX_DIR_BLOCKS ? nblocks : FSIMG_MAX_DIR_BLOCKS;
	d->blk = fs_block_alloc(fs);
	if (!d->blk) {
		err = fs_error(fs, FSIMG_ENOMEM, "out of memory");
		goto fail;
	}
	err = fsimg_map_open(&d->map, fs, inode, 0);
	if (err < 0)
		goto fail;
	*out = d;
	return 0;

fail:
	fsimg_dir_close(d);
	return err;
}

int fsimg_dir_open(fsimg_dir **out, fsimg_fs *fs, fsimg_ino_t dir)
{
	struct fsimg_inode inode;
	int err;

	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	err = fsimg_inode_read(&inode, fs, dir);
	if (err < 0)
		return err;
	return ext4_dir_open_inode(out, fs, &inode);
}

/* Loads the next directory block worth parsing: 1, 0 at the end, or <0. */
static int next_block(struct fsimg_dir *d)
{
	struct fsimg_fs *fs = d->fs;
	fsimg_lblk_t lblk;
	fsimg_pblk_t pblk;
	enum dx_kind kind;
	int err;

	for (;;) {
		if (!d->have_run) {
			err = fsimg_map_next(d->map, &d->run);
			if (err < 0) {
				/* The mapping cannot resume: this error, then the end. */
				d->done = true;
				return err;
			}
			if (err == 0 || d->run.lblk >= d->nblocks) {
				d->done = true;
				return 0;
			}
			if (d->run.type == FSIMG_RUN_UNWRITTEN) {
				/* The kernel never leaves these in directories; they read as zeros. */
				fs_notice(fs, FSIMG_ECORRUPT,
					  "directory inode %u, block %llu: unwritten extent of %llu blocks skipped",
					  d->inode.ino, (unsigned long long)d->run.lblk,
					  (unsigned long long)d->run.len);
				continue;
			}
			if (d->run.type != FSIMG_RUN_MAPPED)
				continue; /* holes: nothing there */
			d->have_run = true;
			d->run_i = 0;
		}
		if (d->run_i >= d->run.len || d->run.lblk + d->run_i >= d->nblocks) {
			d->have_run = false;
			continue;
		}
		lblk = d->run.lblk + d->run_i;
		pblk = d->run.pblk + d->run_i;
		d->run_i++;
		d->lblk = lblk;
		err = fs_read_block(fs, pblk, d->blk);
		if (err < 0)
			return fs_error(fs, err, "directory inode %u, block %llu: cannot read block %llu",
					d->inode.ino, (unsigned long long)lblk, (unsigned long long)pblk);

		kind = dx_block_kind(d, lblk, d->blk);
		if (kind == DX_NODE)
			continue;
		d->off = 0;
		d->end = fs->block_size;
		if (kind == DX_NONE)
			ext4_dirblock_leaf_end(fs, &d->inode, lblk, d->blk, &d->end);
		d->in_block = true;
		return 1;
	}
}

static void fill_ent(struct fsimg_dirent *ent, const struct ext4_dirent *de, fsimg_lblk_t lblk,
		     size_t off)
{
	ent->ino = de->inode;
	/* file_type values past 7 mean nothing to anyone (get_dtype): unknown. */
	ent->file_type = de->file_type < EXT4_FT_MAX ? de->file_type : EXT4_FT_UNKNOWN;
	ent->name_len = (uint8_t)de->name_len;
	memcpy(ent->name, de->name, de->name_len);
	ent->name[de->name_len] = '\0';
	ent->lblk = lblk;
	ent->offset = (uint32_t)off;
}

static void fill_dot(const struct fsimg_fs *fs, struct fsimg_dirent *ent, fsimg_ino_t ino,
		     const char *name)
{
	memset(ent, 0, sizeof(*ent));
	ent->ino = ino;
	if (fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE)
		ent->file_type = EXT4_FT_DIR;
	ent->name_len = (uint8_t)strlen(name);
	memcpy(ent->name, name, ent->name_len + 1);
}

static int next_inline(struct fsimg_dir *d, struct fsimg_dirent *ent)
{
	struct fsimg_fs *fs = d->fs;
	struct ext4_dirent de;
	char why[96];
	size_t rstart, rend;

	for (;;) {
		switch (d->istage) {
		case 0:
			d->istage = 1;
			fill_dot(fs, ent, d->inode.ino, ".");
			return 1;
		case 1: {
			struct cur c = cur_init(d->idata, d->ilen);
			uint32_t parent = cur_le32(&c, 0);

			d->istage = 2;
			d->off = EXT4_INLINE_DOTDOT_SIZE;
			if (!fs_ino_ok(fs, parent))
				return fs_error(fs, FSIMG_ECORRUPT,
						"directory inode %u, inline data, offset 0: parent inode %u out of range",
						d->inode.ino, parent);
			fill_dot(fs, ent, parent, "..");
			return 1;
		}
		case 2:
		case 3:
			/* Two regions, each a run of entries of its own (e2fsprogs
			 * ext2fs_inline_data_dir_iterate): the rest of i_block, then
			 * the system.data value. */
			if (d->istage == 2) {
				rstart = EXT4_INLINE_DOTDOT_SIZE;
				rend = d->ilen < EXT4_MIN_INLINE_DATA_SIZE ? d->ilen : EXT4_MIN_INLINE_DATA_SIZE;
			} else {
				rstart = EXT4_MIN_INLINE_DATA_SIZE;
				rend = d->ilen;
			}
			if (d->off < rstart)
				d->off = rstart;
			if (d->off >= rend) {
				d->istage++;
				continue;
			}
			if (ext4_dirent_parse(fs, d->idata + rstart, rend - rstart, d->off - rstart, &de,
					      why, sizeof(why)) < 0) {
				size_t off = d->off;

				d->off = rend; /* the rest of this region is lost */
				return fs_error(fs, FSIMG_ECORRUPT,
						"directory inode %u, inline data, offset %zu: %s",
						d->inode.ino, off, why);
			}
			d->off += de.rec_len;
			if (de.inode == 0)
				continue;
			fill_ent(ent, &de, 0, d->off - de.rec_len);
			return 1;
		default:
			d->done = true;
			return 0;
		}
	}
}

int fsimg_dir_next(fsimg_dir *d, struct fsimg_dirent *ent)
{
	struct ext4_dirent de;
	char why[96];
	int err;

	if (!d || !ent)
		return FSIMG_EINVAL;
	if (d->done)
		return 0;
	if (d->is_inline)
		return next_inline(d, ent);

	for (;;) {
		while (d->in_block && d->off < d->end) {
			size_t off = d->off;

			if (ext4_dirent_parse(d->fs, d->blk, d->end, off, &de, why, sizeof(why)) < 0) {
				d->in_block = false; /* go on with the next block */
				return fs_error(d->fs, FSIMG_ECORRUPT,
						"directory inode %u, block %llu, offset %zu: %s", d->inode.ino,
						(unsigned long long)d->lblk, off, why);
			}
			d->off += de.rec_len;
			if (de.inode == 0)
				continue;
			fill_ent(ent, &de, d->lblk, off);
			return 1;
		}
		d->in_block = false;
		err = next_block(d);
		if (err <= 0)
			return err;
	}
}
