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

#include "core/cursor.h"
#include "fsimg/fsimg.h"
#include "xlog/finish.h"

struct xfin {
	xfs_fs fs;
	xlog log;
	struct xlog_ovl o;
	struct fin f;
	uint8_t *img;
	size_t size;
	fsimg_io *io;
	char why[200];
};

/* Where a v5 metadata block of this magic keeps its crc32c; 0 for any other. */
static inline size_t xfin_crc_off(const uint8_t *b)
{
	static const struct { const char *magic; size_t off; } m[] = {
		{ "XAGF", 216 }, { "XAGI", 312 }, { "XAFL", 32 }, { "BMA3", 64 }, { "AB3B", 52 }, { "AB3C", 52 },
		{ "IAB3", 52 }, { "FIB3", 52 }, { "RMB3", 52 }, { "R3FC", 52 }, { "TEST", 52 } /* test_agbt's */,
	};

	for (size_t i = 0; i < sizeof m / sizeof *m; i++)
		if (!memcmp(b, m[i].magic, 4))
			return m[i].off;
	/* attribute leaves and nodes: a 16-bit magic in their xfs_da3_blkinfo */
	if (get_be16(b + 8) == XFS_ATTR3_LEAF_MAGIC || get_be16(b + 8) == XFS_DA3_NODE_MAGIC)
		return XFS_DA3_CRC_OFF;
	return 0;
}

/* The image's bytes as the finish reads them. A test writes its v5 blocks without checksums;
 * the read gives each metadata block read whole whose checksum field is 0, and each v3
 * inode of an inode cluster read whose di_crc is 0, the one the kernel's write verifier
 * would have stamped (the finish refuses a block or inode whose checksum is wrong, as the
 * kernel's read verifiers do: a test wanting that writes another value). */
static int xfin_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct xfin *x = priv;
	size_t crc_off;

	if (off > x->size || len > x->size - off)
		return FSIMG_EIO;
	memcpy(buf, x->img + off, len);
	if (x->fs.v5 && len >= 512 && (crc_off = xfin_crc_off(buf)) && crc_off + 4 <= len &&
	    !get_le32((uint8_t *)buf + crc_off))
		put_le32((uint8_t *)buf + crc_off, ~fsimg_crc32c(~0u, buf, len));
	/* an inode cluster: each v3 inode's (di_crc at 100) */
	for (size_t i = 0, is = x->fs.sb.inodesize; x->fs.v5 && is >= 512 && i + is <= len; i += is) {
		uint8_t *d = (uint8_t *)buf + i;
		if (get_be16(d) == XFS_DINODE_MAGIC && d[4] == 3 && !get_le32(d + 100))
			put_le32(d + 100, ~fsimg_crc32c(~0u, d, is));
	}
	return 0;
}

static uint64_t xfin_size(void *priv)
{
	return ((struct xfin *)priv)->size;
}

/* nblocks blocks of bs bytes, one AG of them, 512-byte sectors. */
static inline void xfin_open(struct xfin *x, uint32_t nblocks, uint32_t bs, uint8_t agblklog, bool v5)
{
	static const struct fsimg_io_ops ops = { .read = xfin_read, .size = xfin_size };

	x->img = calloc(nblocks, bs);
	assert_non_null(x->img);
	x->size = (size_t)nblocks * bs;
	assert_int_equal(fsimg_io_open_ops(&x->io, &ops, x), 0);
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
	x->f.blk = xlog_fin_blk_alloc();
	assert_non_null(x->f.blk);
	strcpy(x->why, "test");
	x->f.why = x->why;
	x->f.whylen = sizeof x->why;
}

/* AG 0's AGF (the second sector): free space btrees of one level at bno_root and cnt_root,
 * 4 blocks on the AGFL, freeblks free and longest the longest extent. */
static inline uint8_t *xfin_put_agf(struct xfin *x, uint32_t bno_root, uint32_t cnt_root, uint32_t freeblks,
				    uint32_t longest)
{
	uint8_t *agf = x->img + 512;

	put_be32(agf, XFS_AGF_MAGIC);
	put_be32(agf + 16, bno_root);
	put_be32(agf + 20, cnt_root);
	put_be32(agf + 28, 1);
	put_be32(agf + 32, 1);
	put_be32(agf + 48, 4);
	put_be32(agf + 52, freeblks);
	put_be32(agf + 56, longest);
	return agf;
}

/* A block as the finish leaves it so far: AG 0's block agbno, or the AGF (kind K_AGF). */
static inline uint8_t *xfin_got(struct xfin *x, uint32_t agbno, enum kind kind)
{
	uint32_t bbs = x->fs.blocksize / 512;
	struct blk *b;

	if (kind == K_AGF)
		assert_int_equal(xlog_fin_get(&x->f, 1, 1, kind, &b), 0);
	else
		assert_int_equal(xlog_fin_get(&x->f, (uint64_t)agbno * bbs, bbs, kind, &b), 0);
	return b->b;
}

/* A finish whose log forces close checkpoints of a sized length (f->cp_sized): a v2 log of
 * 20000 basic blocks with 32 KiB iclogs, its head at (1, 100). */
static inline void xfin_sized_log(struct xfin *x)
{
	struct xlog_cp_geom g;

	x->log.geom.v2 = true;
	x->log.geom.bbs = 20000;
	x->log.h_size = 32768;
	x->log.hblks = 1;
	assert_true(xlog_cp_geom(&x->log, &g));
	x->log.ends.head_cycle = 1;
	x->log.ends.head_blk = 100;
	x->f.cp_sized = true;
}

/* A short-form btree block's header: magic, level, n entries, no siblings. */
static inline void xfin_put_sblock(uint8_t *b, uint32_t bs, uint32_t magic, uint16_t level, uint16_t n)
{
	memset(b, 0, bs);
	put_be32(b, magic);
	put_be16(b + 4, level);
	put_be16(b + 6, n);
	put_be32(b + 8, 0xffffffffu);
	put_be32(b + 12, 0xffffffffu);
}

static inline void xfin_close(struct xfin *x)
{
	xlog_fin_release(&x->f);
	xlog_ovl_free(&x->o);
	fsimg_io_close(x->io);
	free(x->img);
}

/* xfin_open on a fixture held on the heap (struct xfin is large: the finish's dquots and
 * blocks' bookkeeping) */
static inline struct xfin *xfin_new(uint32_t nblocks, uint32_t bs, uint8_t agblklog, bool v5)
{
	struct xfin *x = calloc(1, sizeof *x);

	assert_non_null(x);
	xfin_open(x, nblocks, bs, agblklog, v5);
	return x;
}

static inline void xfin_free(struct xfin *x)
{
	xfin_close(x);
	free(x);
}

/* AG 0's block agbno in the image (before the finish: what the test wrote) */
static inline uint8_t *xfin_blk(struct xfin *x, uint32_t agbno)
{
	return x->img + (size_t)agbno * x->fs.blocksize;
}
#endif
