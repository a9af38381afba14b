/* Shared includes for the cmocka unit tests. */
#ifndef FSIMG_TEST_FIXTURE_H
#define FSIMG_TEST_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ext4/ext4.h"

/*
 * A filesystem handle over a memory image built by hand: 1 KiB blocks and
 * nothing but the geometry the walkers need. Tests write the on-disk bytes
 * with put_le16/put_le32 through tfs_block().
 */
#define TFS_BS 1024u

struct tfs {
	struct fsimg_fs fs;
	uint8_t *img;
	size_t img_blocks;
};

static inline struct tfs *tfs_new(size_t img_blocks, uint64_t blocks_count, uint16_t inode_size)
{
	struct tfs *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->img_blocks = img_blocks;
	t->img = calloc(img_blocks, TFS_BS);
	assert_non_null(t->img);
	assert_int_equal(fsimg_io_open_mem(&t->fs.io, t->img, img_blocks * TFS_BS), 0);
	t->fs.be = &fsimg_backend_ext4;
	t->fs.block_size = TFS_BS;
	t->fs.log_block_size = 10;
	t->fs.sb.block_size = TFS_BS;
	t->fs.sb.cluster_size = TFS_BS;
	t->fs.sb.first_data_block = 1;
	t->fs.sb.blocks_count = blocks_count;
	t->fs.sb.inodes_count = 64;
	t->fs.sb.inode_size = inode_size;
	t->fs.io_blocks = img_blocks;
	return t;
}

static inline void tfs_free(struct tfs *t)
{
	/* what fsimg_fs_close would free of a handle: the spares map.c and extent.c keep */
	free(t->fs.map_spare);
	ext4_ext_walk_free(t->fs.ext_spare);
	fsimg_io_close(t->fs.io);
	free(t->img);
	free(t);
}

static inline uint8_t *tfs_block(struct tfs *t, uint64_t blk)
{
	assert_true(blk < t->img_blocks);
	return t->img + blk * TFS_BS;
}

/* Collects every run of a map; returns the count, or the error. */
static inline int collect(struct fsimg_fs *fs, const struct fsimg_inode *ino, unsigned flags,
		   struct fsimg_run *runs, int max)
{
	fsimg_map *m;
	int n = 0, r;

	r = fsimg_map_open(&m, fs, ino, flags);
	if (r < 0)
		return r;
	while ((r = fsimg_map_next(m, &runs[n < max ? n : max - 1])) == 1)
		n++;
	fsimg_map_close(m);
	return r < 0 ? r : n;
}

static inline void check_run(const struct fsimg_run *r, enum fsimg_run_type type, uint64_t lblk,
		      uint64_t len, uint64_t pblk, unsigned flags)
{
	assert_int_equal(r->type, type);
	assert_int_equal(r->lblk, lblk);
	assert_int_equal(r->len, len);
	assert_int_equal(r->pblk, pblk);
	assert_int_equal(r->flags, flags);
}

#endif
