/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File data through the mapping iterator: holes and unwritten runs read as
 * zeros (the on-disk bytes under unwritten runs with FSIMG_READ_RAW), inline
 * data is copied, and nothing past i_size is returned. Whole blocks go
 * straight from the image into the caller's buffer; only a partial block at
 * either end of a read passes through the handle's one block buffer. The
 * iterator moves forward with the reads and restarts only on a backward
 * seek. Also symlink targets: fast (i_block), inline, or slow (one block).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

struct fsimg_file {
	struct fsimg_fs *fs;
	struct fsimg_inode inode;
	unsigned flags;
	fsimg_map *map;
	struct fsimg_run run;     /* the run the iterator stopped at */
	bool have_run;
	uint64_t prev_end;        /* where the run before it ended */
	bool map_done;
	bool is_inline;
	uint8_t *inline_data;     /* inline data or a fast symlink's target */
	size_t inline_len;
	uint8_t *blk;             /* one block, for partial blocks */
};

static int load_inline(struct fsimg_file *f, uint64_t len)
{
	struct fsimg_fs *fs = f->fs;

	if (f->inode.flags & EXT4_INLINE_DATA_FL)
		return ext4_inline_get(fs, f->inode.ino, &f->inline_data, &f->inline_len);
	/* A fast symlink: map.c checked that len fits i_block. */
	if (len > sizeof(f->inode.i_block))
		return fs_error(fs, FSIMG_ECORRUPT, "inode %u: inline run of %llu bytes", f->inode.ino,
				(unsigned long long)len);
	f->inline_data = malloc(sizeof(f->inode.i_block));
	if (!f->inline_data)
		return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", f->inode.ino);
	memcpy(f->inline_data, f->inode.i_block, (size_t)len);
	f->inline_len = (size_t)len;
	return 0;
}

int fsimg_file_open(fsimg_file **out, fsimg_fs *fs, const struct fsimg_inode *inode, unsigned flags)
{
	struct fsimg_file *f;
	int err;

	if (!out || !fs || !inode)
		return FSIMG_EINVAL;
	*out = NULL;
	if (flags & ~FSIMG_READ_RAW)
		return fs_error(fs, FSIMG_EINVAL, "unknown read flags 0x%x", flags);
	f = calloc(1, sizeof(*f));
	if (!f)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	f->fs = fs;
	f->inode = *inode;
	f->flags = flags;
	err = fsimg_map_open(&f->map, fs, inode, 0);
	if (err < 0)
		goto fail;
	/* Inline data (and a fast symlink) is one INLINE run and nothing else. */
	err = fsimg_map_next(f->map, &f->run);
	if (err < 0)
		goto fail;
	if (err == 1 && f->run.type == FSIMG_RUN_INLINE) {
		f->is_inline = true;
		err = load_inline(f, f->run.len);
		if (err < 0)
			goto fail;
	} else {
		f->have_run = err == 1;
		f->map_done = err == 0;
		f->blk = fs_block_alloc(fs);
		if (!f->blk) {
			err = fs_error(fs, FSIMG_ENOMEM, "out of memory");
			goto fail;
		}
	}
	*out = f;
	return 0;

fail:
	ext4_file_close(f);
	return err;
}

void ext4_file_close(fsimg_file *f)
{
	if (!f)
		return;
	fsimg_map_close(f->map);
	free(f->inline_data);
	free(f->blk);
	free(f);
}

static int restart(struct fsimg_file *f)
{
	fsimg_map_close(f->map);
	f->map = NULL;
	f->have_run = false;
	f->map_done = false;
	f->prev_end = 0;
	return fsimg_map_open(&f->map, f->fs, &f->inode, 0);
}

/*
 * Moves the iterator to the run holding lblk: 1 when f->run holds it, 0 when
 * lblk falls in a gap no run covers (zeros up to *gap_end), or <0.
 */
static int seek_run(struct fsimg_file *f, uint64_t lblk, uint64_t *gap_end)
{
	int err;

	if ((f->have_run && lblk < f->prev_end) || (!f->have_run && f->map_done && lblk < f->prev_end)) {
		err = restart(f);
		if (err < 0)
			return err;
	}
	for (;;) {
		if (f->have_run) {
			if (lblk < f->run.lblk) {
				*gap_end = f->run.lblk;
				return 0;
			}
			if (lblk - f->run.lblk < f->run.len)
				return 1;
		}
		if (f->map_done) {
			*gap_end = UINT64_MAX;
			return 0;
		}
		if (f->have_run)
			f->prev_end = f->run.lblk + f->run.len;
		err = fsimg_map_next(f->map, &f->run);
		if (err < 0) {
			f->have_run = false;
			f->map_done = true;
			return err;
		}
		f->have_run = err == 1;
		f->map_done = err == 0;
	}
}

int64_t ext4_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off)
{
	struct fsimg_fs *fs;
	uint8_t *dst = buf;
	uint64_t size, done = 0;

	if (!f || (!buf && len))
		return FSIMG_EINVAL;
	fs = f->fs;
	size = f->inode.size;
	if (off >= size || len == 0)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > INT64_MAX)
		len = INT64_MAX;

	if (f->is_inline) {
		size_t n = 0;

		if (off < f->inline_len) {
			n = f->inline_len - (size_t)off;
			if (n > len)
				n = len;
			memcpy(dst, f->inline_data + off, n);
		}
		memset(dst + n, 0, len - n); /* i_size past the inline bytes */
		return (int64_t)len;
	}

	while (done < len) {
		uint64_t pos = off + done;
		uint64_t lblk = pos >> fs->log_block_size;
		uint64_t boff = pos & (fs->block_size - 1);
		uint64_t want = len - done, n, gap_end = 0;
		int r = seek_run(f, lblk, &gap_end);

		if (r < 0)
			return r;
		if (r == 0) {
			/* A gap no run reports (past the last run): zeros. */
			if (gap_end <= UINT64_MAX >> fs->log_block_size &&
			    (gap_end << fs->log_block_size) - pos < want)
				want = (gap_end << fs->log_block_size) - pos;
			memset(dst + done, 0, (size_t)want);
			done += want;
			continue;
		}

		n = ((f->run.lblk + f->run.len) << fs->log_block_size) - pos;
		if (n > want)
			n = want;
		if (f->run.type == FSIMG_RUN_HOLE ||
		    (f->run.type == FSIMG_RUN_UNWRITTEN && !(f->flags & FSIMG_READ_RAW))) {
			memset(dst + done, 0, (size_t)n);
		} else if (f->run.type == FSIMG_RUN_MAPPED || f->run.type == FSIMG_RUN_UNWRITTEN) {
			fsimg_pblk_t pblk = f->run.pblk + (lblk - f->run.lblk);
			int err;

			if (boff == 0 && n >= fs->block_size) {
				uint64_t nblk = n >> fs->log_block_size;

				err = fs_read_blocks(fs, pblk, nblk, dst + done);
				if (err < 0)
					return err;
				n = nblk << fs->log_block_size;
			} else {
				err = fs_read_block(fs, pblk, f->blk);
				if (err < 0)
					return err;
				if (n > fs->block_size - boff)
					n = fs->block_size - boff;
				memcpy(dst + done, f->blk + boff, (size_t)n);
			}
		} else {
			return fs_error(fs, FSIMG_ECORRUPT, "inode %u: unexpected run type %d in file data",
					f->inode.ino, (int)f->run.type);
		}
		done += n;
	}
	return (int64_t)done;
}

int fsimg_symlink_read(char *buf, size_t buflen, fsimg_fs *fs, const struct fsimg_inode *inode)
{
	size_t n;
	int err;

	if (!buf || buflen == 0 || !fs || !inode)
		return FSIMG_EINVAL;
	buf[0] = '\0';
	if ((inode->mode & 0xF000u) != 0xA000u)
		return fs_error(fs, FSIMG_ENOTSUP_OP, "inode %u is not a symlink", inode->ino);

	if (inode->flags & EXT4_INLINE_DATA_FL) {
		uint8_t *data = NULL;
		size_t len = 0;

		err = ext4_inline_get(fs, inode->ino, &data, &len);
		if (err < 0)
			return err;
		n = len < buflen - 1 ? len : buflen - 1;
		memcpy(buf, data, n);
		free(data);
	} else if (ext4_is_fast_symlink(fs, inode)) {
		if (inode->size >= EXT4_FAST_SYMLINK_MAX)
			return fs_error(fs, FSIMG_ECORRUPT,
					"inode %u: fast symlink of %llu bytes does not fit i_block",
					inode->ino, (unsigned long long)inode->size);
		n = (size_t)inode->size < buflen - 1 ? (size_t)inode->size : buflen - 1;
		memcpy(buf, inode->i_block, n);
	} else {
		fsimg_file *f;
		int64_t got;

		/* A slow symlink's target fits in its one block. */
		if (inode->size > fs->block_size)
			return fs_error(fs, FSIMG_ECORRUPT,
					"inode %u: symlink of %llu bytes is longer than a block",
					inode->ino, (unsigned long long)inode->size);
		n = (size_t)inode->size < buflen - 1 ? (size_t)inode->size : buflen - 1;
		err = fsimg_file_open(&f, fs, inode, 0);
		if (err < 0)
			return err;
		got = fsimg_file_read(f, buf, n, 0);
		fsimg_file_close(f);
		if (got < 0)
			return (int)got;
		n = (size_t)got;
	}
	buf[n] = '\0';
	return (int)n;
}
