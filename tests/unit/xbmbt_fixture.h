/* The fixture of test_xbmbt and test_xbmbt_attr: a one-AG v5 filesystem of one-KiB blocks
 * (xfin_fixture.h) with free space btrees of one leaf each, and an inode whose data fork is
 * a bmbt root at level 1 over leaves of one-block extents. */
#ifndef FSIMG_TEST_XBMBT_FIXTURE_H
#define FSIMG_TEST_XBMBT_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cursor.h"
#include "xfin_fixture.h"
#include "xfs/format.h"
#include "xlog/ifree.h"
#include "xlog/intent.h"

#define BS 1024u
#define NBLOCKS 4096u
#define HDR 56u      /* short-form v5 btree header */
#define LHDR 72u     /* long-form v5 btree header (the bmbt's) */
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define LEAF0 50u    /* the bmbt leaves: 50, 52, 54 */
#define INO 18u      /* agbno 9, slot 0 (test_bui_map puts it there) */
#define ISIZE 512u
#define LIT 176u     /* a v3 inode's literal area */
#define FREEBLKS0 100u

struct t {
	struct xfin x;
	uint8_t ino[ISIZE];
};

static inline uint8_t *blk(struct t *t, uint32_t agbno) { return t->x.img + (size_t)agbno * BS; }

static inline void put_sblock(struct t *t, uint32_t agbno, uint32_t magic, uint16_t n)
{
	uint8_t *b = blk(t, agbno);

	memset(b, 0, BS);
	put_be64(b + 16, (uint64_t)agbno * (BS / 512)); /* the v5 header's daddr (its owner: AG 0) */
	put_be32(b, magic);
	put_be16(b + 6, n);
	put_be32(b + 8, 0xffffffffu);
	put_be32(b + 12, 0xffffffffu);
}

/* One-block extent i at file offset i, block 100 + 2i (none adjacent to another). */
static inline void put_bmbt_rec(uint8_t *r, uint32_t i)
{
	uint64_t fsb = 100 + 2 * i;

	put_be64(r, (uint64_t)i << 9 | fsb >> 43);
	put_be64(r + 8, fsb << 21 | 1);
}

/* An AG of 4096 one-KiB blocks, v5 without rmapbt: one-leaf free space btrees holding
 * 3000+100, the AGFL full for them; an inode whose data fork is a bmbt root at level 1
 * over leaves of cnt[0..n) records (all the extents in order). */
static inline struct t *t_new(const uint32_t *cnt, uint32_t n)
{
	struct t *t = calloc(1, sizeof *t);
	uint32_t maxr = (ISIZE - LIT - 4) / 16, e = 0;
	uint8_t *root;

	assert_non_null(t);
	xfin_open(&t->x, NBLOCKS, BS, 12, true);
	t->x.fs.sb.inodesize = ISIZE;
	t->x.fs.sb.inopblock = 2;
	t->x.fs.sb.inopblog = 1;
	t->x.fs.lit_off = LIT;

	xfin_put_agf(&t->x, BNO_ROOT, CNT_ROOT, FREEBLKS0, 100);
	put_sblock(t, BNO_ROOT, 0x41423342u, 1);
	put_be32(blk(t, BNO_ROOT) + HDR, 3000);
	put_be32(blk(t, BNO_ROOT) + HDR + 4, 100);
	put_sblock(t, CNT_ROOT, 0x41423343u, 1);
	put_be32(blk(t, CNT_ROOT) + HDR, 3000);
	put_be32(blk(t, CNT_ROOT) + HDR + 4, 100);

	root = t->ino + LIT;
	put_be16(root, 1);
	put_be16(root + 2, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = blk(t, LEAF0 + 2 * i);
		memset(b, 0, BS);
		put_be32(b, 0x424d4133u);
		put_be16(b + 6, (uint16_t)cnt[i]);
		put_be64(b + 8, i ? LEAF0 + 2 * (i - 1) : UINT64_MAX);
		put_be64(b + 16, i + 1 < n ? LEAF0 + 2 * (i + 1) : UINT64_MAX);
		put_be64(b + 24, (uint64_t)(LEAF0 + 2 * i) * (BS / 512));
		put_be64(b + 56, INO);
		put_be64(root + 4 + 8 * i, e);
		put_be64(root + 4 + 8 * maxr + 8 * i, LEAF0 + 2 * i);
		for (uint32_t k = 0; k < cnt[i]; k++, e++)
			put_bmbt_rec(b + LHDR + 16 * k, e);
	}
	return t;
}

static inline void t_free(struct t *t)
{
	xfin_close(&t->x);
	free(t);
}

/* The inode (agbno IB, slot 0) holding t->ino's root, in btree form, v3, counts as given. */
#define IB 9u
static inline uint8_t *put_inode(struct t *t, uint32_t nexts, uint64_t nblocks)
{
	uint8_t *d = blk(t, IB);

	memcpy(d, t->ino, ISIZE);
	put_be16(d, XFS_DINODE_MAGIC);
	d[4] = 3;
	d[5] = XFS_DINODE_FMT_BTREE;
	put_be64(d + 64, nblocks);
	put_be32(d + 76, nexts);
	put_be64(d + 104, 7);
	put_be64(d + 152, (uint64_t)IB << 1);
	return d;
}

static inline uint8_t *got(struct t *t, uint32_t agbno, enum kind kind)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (BS / 512), BS / 512, kind, &b), 0);
	return b->b;
}

static inline uint32_t agf_free(struct t *t)
{
	struct blk *agf;

	assert_int_equal(xlog_fin_get(&t->x.f, 1, 1, K_AGF, &agf), 0);
	return get_be32(agf->b + 52);
}


#endif /* FSIMG_TEST_XBMBT_FIXTURE_H */
