/*
 * Shared-domain refcount updates after log replay (libfsimg/xlog/refc.c,
 * intent_refc.c) on a hand-built AG, against Linux 6.1's
 * xfs_refcount_adjust (fs/xfs/libxfs/xfs_refcount.c): a record split at
 * both ends of the range, the three merges (center, left, right), gaps
 * becoming records on an increase or freed on a decrease, a record reaching
 * 1 deleted, a full leaf split (two new blocks near the tree's first block,
 * xfs_refcountbt_alloc_block), a join's and a killed root's blocks queued as
 * deferred frees (Debian's 6.1.192), and the transaction roll
 * (xfs_refcount_still_have_space): the rest of the extent and the CUI's
 * later extents requeued. tr_itruncate's log reservation is checked against
 * xfs_db's `logres` (xfsprogs 6.1) on the geometries mkfs.xfs made.
 */
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
#include "xlog/intent.h"

#define BS 1024u
#define NBLOCKS 4096u
#define HDR 56u
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define LEAF 8u
#define FREE0 1000u
#define AGF_REFC_BLOCKS offsetof(struct xfs_agf, agf_refcount_blocks)
#define AGF_REFC_ROOT offsetof(struct xfs_agf, agf_refcount_root)
#define AGF_REFC_LEVEL offsetof(struct xfs_agf, agf_refcount_level)

struct rc { uint32_t start, len, refc; };

static void put_block(uint8_t *b, uint32_t magic, uint16_t level, uint16_t n)
{
	xfin_put_sblock(b, BS, magic, level, n);
}

/* One AG of 4096 one-KiB blocks, v5 reflink, no rmapbt: one-leaf free space trees holding
 * 3000+1000, the refcount btree the root leaf 8 holding recs[0..n). */
static struct xfin *t_new(const struct rc *recs, uint32_t n)
{
	struct xfin *x = xfin_new(NBLOCKS, BS, 12, true);
	uint8_t *agf;

	x->fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_REFLINK;
	x->fs.sb.inodesize = 512;
	agf = xfin_put_agf(x, BNO_ROOT, CNT_ROOT, FREE0, FREE0);
	put_be32(agf + AGF_REFC_ROOT, LEAF);
	put_be32(agf + AGF_REFC_LEVEL, 1);
	put_be32(agf + AGF_REFC_BLOCKS, 1);
	put_block(xfin_blk(x, BNO_ROOT), 0x41423342u, 0, 1);
	put_be32(xfin_blk(x, BNO_ROOT) + HDR, 3000);
	put_be32(xfin_blk(x, BNO_ROOT) + HDR + 4, FREE0);
	put_block(xfin_blk(x, CNT_ROOT), 0x41423343u, 0, 1);
	put_be32(xfin_blk(x, CNT_ROOT) + HDR, 3000);
	put_be32(xfin_blk(x, CNT_ROOT) + HDR + 4, FREE0);
	put_block(xfin_blk(x, LEAF), 0x52334643u, 0, (uint16_t)n);
	for (uint32_t k = 0; k < n; k++) {
		put_be32(xfin_blk(x, LEAF) + HDR + 12 * k, recs[k].start);
		put_be32(xfin_blk(x, LEAF) + HDR + 12 * k + 4, recs[k].len);
		put_be32(xfin_blk(x, LEAF) + HDR + 12 * k + 8, recs[k].refc);
	}
	for (uint32_t a = BNO_ROOT; a <= LEAF; a++)
		if (get_be32(xfin_blk(x, a)))
			put_be64(xfin_blk(x, a) + 16, (uint64_t)a * (BS / 512));
	return x;
}

/* the leaf at agbno holds exactly want[0..n) */
static void expect_leaf(struct xfin *x, uint32_t agbno, const struct rc *want, uint32_t n)
{
	const uint8_t *b = xfin_got(x, agbno, K_BTREE);

	assert_int_equal(get_be16(b + 6), n);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(get_be32(b + HDR + 12 * k), want[k].start);
		assert_int_equal(get_be32(b + HDR + 12 * k + 4), want[k].len);
		assert_int_equal(get_be32(b + HDR + 12 * k + 8), want[k].refc);
	}
}

/* A CUI extent of AG 0 (type 1 increase, 2 decrease) in a transaction whose counters are tx. */
static int cui(struct xfin *x, uint32_t type, uint32_t agbno, uint32_t len, struct intent_defer *d, struct refc_tx *tx)
{
	struct xlog_ext e = { agbno, len, 0, 0, type };

	return xlog_intent_refcount(&x->f, &e, d, tx);
}

static int cui1(struct xfin *x, uint32_t type, uint32_t agbno, uint32_t len, struct intent_defer *d)
{
	struct refc_tx tx = { 0, 0, false };

	memset(d, 0, sizeof *d);
	return cui(x, type, agbno, len, d, &tx);
}

static void test_split_both_ends(void **state)
{
	const struct rc in[] = { { 100, 20, 2 } }, out[] = { { 100, 5, 2 }, { 105, 5, 3 }, { 110, 10, 2 } };
	struct xfin *x = t_new(in, 1);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 1, 105, 5, &d), 0);
	assert_false(x->f.refused);
	assert_int_equal(d.n, 0);
	expect_leaf(x, LEAF, out, 3);
	xfin_free(x);
}

static void test_merge_center(void **state)
{
	const struct rc in[] = { { 100, 10, 3 }, { 110, 5, 2 }, { 115, 10, 3 } }, out[] = { { 100, 25, 3 } };
	struct xfin *x = t_new(in, 3);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 1, 110, 5, &d), 0);
	assert_false(x->f.refused);
	expect_leaf(x, LEAF, out, 1);
	xfin_free(x);
}

/* a gap between two records of 2 raised to 2: the center merge with a synthesized center */
static void test_merge_gap_center(void **state)
{
	const struct rc in[] = { { 100, 10, 2 }, { 120, 10, 2 } }, out[] = { { 100, 30, 2 } };
	struct xfin *x = t_new(in, 2);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 1, 110, 10, &d), 0);
	assert_false(x->f.refused);
	expect_leaf(x, LEAF, out, 1);
	xfin_free(x);
}

/* a decrease whose record falls to its left neighbour's count: the left merge */
static void test_merge_left(void **state)
{
	const struct rc in[] = { { 100, 10, 2 }, { 110, 10, 3 }, { 130, 4, 5 } };
	const struct rc out[] = { { 100, 20, 2 }, { 130, 4, 5 } };
	struct xfin *x = t_new(in, 3);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 2, 110, 10, &d), 0);
	assert_false(x->f.refused);
	assert_int_equal(d.n, 0);
	expect_leaf(x, LEAF, out, 2);
	xfin_free(x);
}

/* the right merge after a split at the range's start: 104..110 raised from 3 to 4 joins the
 * record of 4 after it */
static void test_merge_right(void **state)
{
	const struct rc in[] = { { 100, 10, 3 }, { 110, 10, 4 } }, out[] = { { 100, 4, 3 }, { 104, 16, 4 } };
	struct xfin *x = t_new(in, 2);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 1, 104, 6, &d), 0);
	assert_false(x->f.refused);
	expect_leaf(x, LEAF, out, 2);
	xfin_free(x);
}

/* a decrease over a gap, a record of 2 and a gap: both gaps freed in order, the record deleted */
static void test_decrease_frees_gaps(void **state)
{
	const struct rc in[] = { { 100, 10, 2 }, { 200, 3, 7 } }, out[] = { { 200, 3, 7 } };
	struct xfin *x = t_new(in, 2);
	struct intent_defer d;

	(void)state;
	assert_int_equal(cui1(x, 2, 95, 20, &d), 0);
	assert_false(x->f.refused);
	expect_leaf(x, LEAF, out, 1);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.ext[0].agbno, 95);
	assert_int_equal(d.ext[0].len, 5);
	assert_int_equal(d.ext[0].rtype, 0);
	assert_int_equal(d.ext[1].agbno, 110);
	assert_int_equal(d.ext[1].len, 5);
	xfin_free(x);
}

/* a full leaf (80 records) given one more: the leaf splits and a root is made over the two,
 * both blocks allocated near xfs_refc_block (5) from the free extent 3000+1000 */
static void test_leaf_split(void **state)
{
	struct rc in[80];
	struct xfin *x;
	struct intent_defer d;
	uint8_t *agf, *root;

	(void)state;
	for (uint32_t k = 0; k < 80; k++)
		in[k] = (struct rc){ 200 + 2 * k, 1, 2 };
	x = t_new(in, 80);
	assert_int_equal(cui1(x, 1, 1000, 4, &d), 0);
	assert_false(x->f.refused);
	agf = xfin_got(x, 0, K_AGF);
	assert_int_equal(get_be32(agf + AGF_REFC_LEVEL), 2);
	assert_int_equal(get_be32(agf + AGF_REFC_BLOCKS), 3);
	assert_int_equal(get_be32(agf + AGF_REFC_ROOT), 3001);
	assert_int_equal(get_be32(agf + 52), FREE0 - 2);
	/* the by-block tree's record shortened by the two blocks */
	assert_int_equal(get_be32(xfin_got(x, BNO_ROOT, K_BTREE) + HDR), 3002);
	assert_int_equal(get_be32(xfin_got(x, BNO_ROOT, K_BTREE) + HDR + 4), FREE0 - 2);
	root = xfin_got(x, 3001, K_BTREE);
	assert_int_equal(get_be16(root + 4), 1);
	assert_int_equal(get_be16(root + 6), 2);
	assert_int_equal(get_be32(root + HDR), 200);
	assert_int_equal(get_be32(root + HDR + 4), 280);
	assert_int_equal(get_be32(root + HDR + (BS - HDR) / 8 * 4), LEAF);
	assert_int_equal(get_be32(root + HDR + (BS - HDR) / 8 * 4 + 4), 3000);
	assert_int_equal(get_be16(xfin_got(x, LEAF, K_BTREE) + 6), 40);
	assert_int_equal(get_be32(xfin_got(x, LEAF, K_BTREE) + 12), 3000);
	{
		struct rc want[41];
		for (uint32_t k = 0; k < 40; k++)
			want[k] = (struct rc){ 280 + 2 * k, 1, 2 };
		want[40] = (struct rc){ 1000, 4, 2 };
		expect_leaf(x, 3000, want, 41);
	}
	xfin_free(x);
}

/* A decrease that deletes a record of a two-leaf tree (Debian's 6.1.192: "xfs: use deferred
 * frees for btree block freeing" backported): a node at 9 over leaf 8 (40 records 200+1,
 * 202+1, ..., refcount 2) and leaf 10 (40 records 1000+1, 1002+1, ..., refcount 2), each at the
 * 1 KiB leaf's minimum. Decreasing 995+6 frees the gap 995+5 and takes 1000+1 to refcount 1:
 * its record goes, leaf 10 falls below the minimum with a left sibling that cannot lend, so
 * the leaves join (10 given back) and the node, left with one entry, is killed (9 given back).
 * The AGF's refcount_blocks drops at once, but the two blocks are not freed in the CUI's
 * transaction: xfs_refcountbt_free_block queues them (__xfs_free_extent_later,
 * XFS_RMAP_OWN_REFC) after the gap's free, for xlog_finish_defer_ops. */
static void test_join_frees_deferred(void **state)
{
	struct rc in[40];
	struct xfin *x;
	struct intent_defer d;
	uint8_t *agf, *n, *b;

	(void)state;
	for (uint32_t k = 0; k < 40; k++)
		in[k] = (struct rc){ 200 + 2 * k, 1, 2 };
	x = t_new(in, 40);
	agf = xfin_blk(x, 0) + 512;
	put_be32(agf + AGF_REFC_ROOT, 9);
	put_be32(agf + AGF_REFC_LEVEL, 2);
	put_be32(agf + AGF_REFC_BLOCKS, 3);
	put_be32(xfin_blk(x, LEAF) + 12, 10);
	n = xfin_blk(x, 9);
	put_block(n, 0x52334643u, 1, 2);
	put_be32(n + HDR, 200);
	put_be32(n + HDR + 4, 1000);
	put_be32(n + HDR + (BS - HDR) / 8 * 4, LEAF);
	put_be32(n + HDR + (BS - HDR) / 8 * 4 + 4, 10);
	b = xfin_blk(x, 10);
	put_block(b, 0x52334643u, 0, 40);
	put_be32(b + 8, LEAF);
	for (uint32_t k = 0; k < 40; k++) {
		put_be32(b + HDR + 12 * k, 1000 + 2 * k);
		put_be32(b + HDR + 12 * k + 4, 1);
		put_be32(b + HDR + 12 * k + 8, 2);
	}
	put_be64(n + 16, 9 * (BS / 512));
	put_be64(b + 16, 10 * (BS / 512));

	assert_int_equal(cui1(x, 2, 995, 6, &d), 0);
	assert_false(x->f.refused);
	agf = xfin_got(x, 0, K_AGF);
	assert_int_equal(get_be32(agf + AGF_REFC_ROOT), LEAF);
	assert_int_equal(get_be32(agf + AGF_REFC_LEVEL), 1);
	assert_int_equal(get_be32(agf + AGF_REFC_BLOCKS), 1);
	assert_int_equal(get_be32(agf + 52), FREE0); /* nothing freed yet */
	assert_int_equal(get_be16(xfin_got(x, LEAF, K_BTREE) + 6), 79);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.ext[0].agbno, 995);
	assert_int_equal(d.ext[0].len, 5);
	assert_int_equal(d.ext[0].rtype, 0);
	assert_int_equal(d.ext[0].owner, 0);
	for (uint32_t k = 1; k < 3; k++) {
		assert_int_equal(d.ext[k].agbno, k == 1 ? 10 : 9);
		assert_int_equal(d.ext[k].len, 1);
		assert_int_equal(d.ext[k].rtype, 0);
		assert_int_equal(d.ext[k].owner, RMAP_OWN_REFC);
	}
	xfin_free(x);
}

/* Past the log reservation (xfs_refcount_still_have_space: tr_itruncate of this geometry
 * 34176 bytes; six shape changes cost (6 * 6 + 3) blocks, more): the first operation is done,
 * the rest of the extent requeued, and the CUI's next extent requeued whole. */
static void test_roll_requeues(void **state)
{
	const struct rc in[] = { { 100, 2, 2 }, { 104, 2, 2 }, { 108, 2, 2 } };
	const struct rc out[] = { { 100, 2, 3 }, { 104, 2, 2 }, { 108, 2, 2 } };
	struct xfin *x = t_new(in, 3);
	struct intent_defer d;
	struct refc_tx tx = { 0, 6, false };

	(void)state;
	assert_int_equal(xlog_refc_logres(&x->fs), 34176);
	memset(&d, 0, sizeof d);
	assert_int_equal(cui(x, 1, 100, 10, &d, &tx), 0);
	assert_int_equal(cui(x, 2, 300, 5, &d, &tx), 0);
	assert_false(x->f.refused);
	expect_leaf(x, LEAF, out, 3);
	assert_true(tx.requeue);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.ext[0].rtype, INTENT_REFC);
	assert_int_equal(d.ext[0].agbno, 102);
	assert_int_equal(d.ext[0].len, 8);
	assert_int_equal(d.ext[0].rflags, 1);
	assert_int_equal(d.ext[1].rtype, INTENT_REFC);
	assert_int_equal(d.ext[1].agbno, 300);
	assert_int_equal(d.ext[1].len, 5);
	assert_int_equal(d.ext[1].rflags, 2);
	/* the requeued rest in a fresh transaction: done whole */
	tx = (struct refc_tx){ 0, 0, false };
	{
		uint32_t bno = 102, len = 8;
		struct intent_defer q;
		const struct rc out2[] = { { 100, 2, 3 }, { 102, 2, 2 }, { 104, 2, 3 }, { 106, 2, 2 }, { 108, 2, 3 } };
		memset(&q, 0, sizeof q);
		assert_int_equal(xlog_refc_work(&x->f, 0, 1, &bno, &len, &tx, &q), 0);
		assert_int_equal(len, 0);
		expect_leaf(x, LEAF, out2, 5);
	}
	xfin_free(x);
}

/* tr_itruncate's logres as xfs_db -c logres (xfsprogs 6.1) prints it for mkfs.xfs's images */
static void test_logres(void **state)
{
	static const struct {
		uint32_t bs, isize, agblocks, ro, incompat, want;
	} g[] = {
		{ 1024, 512, 131072, XFS_SB_FEAT_RO_COMPAT_REFLINK | XFS_SB_FEAT_RO_COMPAT_RMAPBT, 0, 94080 },
		{ 1024, 512, 131072, XFS_SB_FEAT_RO_COMPAT_REFLINK, 0, 52608 },
		{ 4096, 512, 32768, XFS_SB_FEAT_RO_COMPAT_REFLINK, 0, 107904 },
		{ 4096, 512, 32768, XFS_SB_FEAT_RO_COMPAT_REFLINK | XFS_SB_FEAT_RO_COMPAT_RMAPBT, 0, 192384 },
		{ 2048, 512, 65536, XFS_SB_FEAT_RO_COMPAT_REFLINK | XFS_SB_FEAT_RO_COMPAT_RMAPBT,
		  XFS_SB_FEAT_INCOMPAT_NREXT64, 154496 },
		{ 4096, 1024, 65536, XFS_SB_FEAT_RO_COMPAT_REFLINK, 0, 107904 },
	};
	xfs_fs fs;

	(void)state;
	for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
		memset(&fs, 0, sizeof fs);
		fs.blocksize = fs.sb.blocksize = g[i].bs;
		fs.sb.sectsize = 512;
		fs.sb.inodesize = (uint16_t)g[i].isize;
		fs.sb.agblocks = g[i].agblocks;
		fs.sb.features_ro_compat = g[i].ro;
		fs.sb.features_incompat = g[i].incompat;
		fs.v5 = true;
		assert_int_equal(xlog_refc_logres(&fs), g[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_both_ends), cmocka_unit_test(test_merge_center),
		cmocka_unit_test(test_merge_gap_center), cmocka_unit_test(test_merge_left),
		cmocka_unit_test(test_merge_right), cmocka_unit_test(test_decrease_frees_gaps),
		cmocka_unit_test(test_leaf_split), cmocka_unit_test(test_join_frees_deferred),
		cmocka_unit_test(test_roll_requeues),
		cmocka_unit_test(test_logres),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
