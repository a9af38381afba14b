/* The finish's state (libfsimg/xlog/finish.h) over a one-AG XFS image in memory, for the
 * unit tests of the edits made after log replay (test_agbt, test_xrmap, test_xifree, test_xagfl,
 * test_xbmbt). The caller writes the AG's headers and btree blocks into x->img and sets
 * what else of the superblock its edits read. */
#ifndef FSIMG_TEST_XFIN_FIXTURE_H
#define FSIMG_TEST_XFIN_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xlog/finish.h"

struct xfin {
	xfs_fs fs;
	xlog log;
	struct xlog_ovl o;
	struct fin f;
	uint8_t *img;
	fsimg_io *io;
	char why[200];
};

/* nblocks blocks of bs bytes, one AG of them, 512-byte sectors. */
static inline void xfin_open(struct xfin *x, uint32_t nblocks, uint32_t bs, uint8_t agblklog, bool v5)
{
	x->img = calloc(nblocks, bs);
	assert_non_null(x->img);
	assert_int_equal(fsimg_io_open_mem(&x->io, x->img, (size_t)nblocks * bs), 0);
	x->fs.io = x->fs.io_once = x->io;
	x->fs.io_size = (uint64_t)nblocks * bs;
	x->fs.sb.blocksize = x->fs.blocksize = bs;
	x->fs.sb.sectsize = 512;
	x->fs.sb.agblocks = nblocks;
	x->fs.sb.agblklog = agblklog;
	x->fs.sb.agcount = 1;
	x->fs.sb.dblocks = nblocks;
	x->fs.v5 = v5;
	x->log.fs = &x->fs;
	xlog_ovl_init(&x->o, 1024);
	x->f.log = &x->log;
	x->f.o = &x->o;
	x->f.blk = calloc(FIN_BLKS, sizeof *x->f.blk);
	assert_non_null(x->f.blk);
	strcpy(x->why, "test");
	x->f.why = x->why;
	x->f.whylen = sizeof x->why;
}

static inline void xfin_close(struct xfin *x)
{
	for (size_t i = 0; i < x->f.nblk; i++)
		free(x->f.blk[i].b);
	free(x->f.blk);
	xlog_ovl_free(&x->o);
	fsimg_io_close(x->io);
	free(x->img);
}
#endif
