/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checker's driver: validates the arguments, sizes and allocates the
 * context's bitmaps (refusing sizes the image cannot justify), runs the
 * passes in order, and frees everything.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/check.h"

uint64_t check_claim(struct check_ctx *c, fsimg_pblk_t start, uint64_t len)
{
	uint64_t again = 0;

	if (!c->blk_claimed || !fs_pblk_range_ok(c->fs, start, len))
		return 0;
	for (uint64_t b = start; b < start + len; b++) {
		if (bit_test(c->blk_claimed, b)) {
			again++;
			if (!bit_test(c->blk_multi, b)) {
				bit_set(c->blk_multi, b);
				c->nr_multi++;
			}
		} else {
			bit_set(c->blk_claimed, b);
			c->sum.blocks_checked++;
		}
	}
	return again;
}

static void ctx_free(struct check_ctx *c)
{
	free(c->blk_claimed);
	free(c->blk_multi);
	free(c->ino_inuse);
	free(c->ino_isdir);
	free(c->ino_bad);
	free(c->ino_refs);
	free(c->dir_parent);
	free(c->ino_orphan);
}

/*
 * Memory is sized by the filesystem, so the filesystem's sizes must be
 * plausible for the source first: a block bitmap of a superblock claiming
 * vastly more blocks than the source holds (a sparse or truncated image is
 * fine; 64 times its size plus 1 Mi blocks is not), and more inodes than
 * the inode tables of those blocks could hold at 128 bytes each.
 */
static int ctx_alloc(struct check_ctx *c)
{
	const struct fsimg_super *sb = c->sb;
	uint64_t bound = c->fs->io_blocks * 64 + (UINT64_C(1) << 20);
	uint64_t nblk = sb->blocks_count, nino = sb->inodes_count;

	if (nblk == 0 || nblk > bound || nblk > (UINT64_C(1) << 40))
		return FSIMG_ENOMEM;
	if (nino == 0 || nino > bound * (sb->block_size / 128))
		return FSIMG_ECORRUPT;
	size_t bbytes = (size_t)(nblk / 8 + 1), ibytes = (size_t)(nino / 8 + 1);
	c->blk_claimed = calloc(1, bbytes);
	c->blk_multi = calloc(1, bbytes);
	c->ino_inuse = calloc(1, ibytes);
	c->ino_isdir = calloc(1, ibytes);
	c->ino_bad = calloc(1, ibytes);
	/* index by inode number: entry 0 unused */
	c->ino_refs = calloc((size_t)nino + 1, sizeof(*c->ino_refs));
	c->dir_parent = calloc((size_t)nino + 1, sizeof(*c->dir_parent));
	if (!c->blk_claimed || !c->blk_multi || !c->ino_inuse || !c->ino_isdir || !c->ino_bad ||
	    !c->ino_refs || !c->dir_parent)
		return FSIMG_ENOMEM;
	return 0;
}

FSIMG_API int fsimg_check_run(struct fsimg_check_summary *out, fsimg_fs *fs,
			      const struct fsimg_check_opts *opts)
{
	static int (*const passes[])(struct check_ctx *) = {
		check_pass_super, check_pass_inodes, check_pass_dups, check_pass_dirs,
		check_pass_bitmaps, check_pass_journal,
	};
	struct check_ctx c;
	int err = 0;

	if (!out || !fs)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.fs = fs;
	c.sb = fsimg_fs_super(fs);
	if (opts)
		c.opts = *opts;
	err = ctx_alloc(&c);
	for (size_t i = 0; err == 0 && i < sizeof(passes) / sizeof(passes[0]); i++)
		err = passes[i](&c);
	if (err < 0)
		c.sum.aborted = err;
	*out = c.sum;
	ctx_free(&c);
	return err < 0 ? err : 0;
}
