/*
 * The CoW staging extents freed at mount (libfsimg/xlog/cow.c,
 * xfs_reflink_recover_cow) in a refcount btree of two levels, through
 * agbt.c, on a hand-built AG, against Linux 6.1's xfs_refcount.c,
 * xfs_refcount_btree.c and xfs_btree.c: a node over a leaf of 40 shared
 * records (refcount 2) and a leaf of 40 CoW-domain records (refcount 1),
 * each at the leaf minimum. Deleting the first staging record leaves the
 * right leaf below its minimum with a left sibling that cannot lend: the
 * leaves join (the right one given back, xfs_refcountbt_free_block: the
 * AGF's refcount_blocks down by one at once, the block's free queued, as
 * Debian's 6.1.192 queues it) and the node, left with one entry, is killed
 * (the left leaf the root, the level down by one, the node given back too);
 * the two are freed in a transaction of their own after the delete's,
 * merged into one free extent.
 * Every staging extent is freed into the by-block and by-size trees, the
 * shared records stay. A staging record whose refcount is not 1 is refused.
 * CUIs of the CoW domain in the same tree (xfs_refcount_adjust_cow): a
 * FREE_COW deletes its record (the join and root kill as above, the two
 * blocks' frees queued with the CUI's captured work), splitting a longer one at its ends first; an ALLOC_COW with no staging
 * record next to it inserts {agbno, len, 1} into the right leaf; one that
 * would merge with its neighbour is refused (not done).
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
#define LEAF_A 8u
#define NODE 9u
#define LEAF_B 10u
#define NREC 40u
#define COWFLAG (1u << 31)
#define FREEBLKS0 100u
#define AGF_REFC_BLOCKS offsetof(struct xfs_agf, agf_refcount_blocks)
#define AGF_REFC_ROOT offsetof(struct xfs_agf, agf_refcount_root)
#define AGF_REFC_LEVEL offsetof(struct xfs_agf, agf_refcount_level)

static void put_block(uint8_t *b, uint32_t magic, uint16_t level, uint16_t n, uint32_t left, uint32_t right)
{
	memset(b, 0, BS);
	put_be32(b, magic);
	put_be16(b + 4, level);
	put_be16(b + 6, n);
	put_be32(b + 8, left);
	put_be32(b + 12, right);
}

static void put_rc(uint8_t *leaf, uint32_t i, uint32_t start, uint32_t len, uint32_t refc)
{
	put_be32(leaf + HDR + 12 * i, start);
	put_be32(leaf + HDR + 12 * i + 4, len);
	put_be32(leaf + HDR + 12 * i + 8, refc);
}

/* One AG of 4096 one-KiB blocks, v5 reflink, no rmapbt: one-leaf free space trees holding
 * 3000+100 (the AGFL as 6.1 wants it); the refcount btree a node at 9 over leaf 8 (shared
 * 200+2k, refcount 2) and leaf 10 (staging 1000+2k, refcount cow_refc). */
static struct xfin *t_new(uint32_t cow_refc)
{
	struct xfin *x = xfin_new(NBLOCKS, BS, 12, true);
	uint8_t *agf, *n;

	x->fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_REFLINK;
	agf = xfin_put_agf(x, BNO_ROOT, CNT_ROOT, FREEBLKS0, 100);
	put_be32(agf + AGF_REFC_ROOT, NODE);
	put_be32(agf + AGF_REFC_LEVEL, 2);
	put_be32(agf + AGF_REFC_BLOCKS, 3);
	put_block(xfin_blk(x, BNO_ROOT), 0x41423342u, 0, 1, 0xffffffffu, 0xffffffffu);
	put_be32(xfin_blk(x, BNO_ROOT) + HDR, 3000);
	put_be32(xfin_blk(x, BNO_ROOT) + HDR + 4, 100);
	put_block(xfin_blk(x, CNT_ROOT), 0x41423343u, 0, 1, 0xffffffffu, 0xffffffffu);
	put_be32(xfin_blk(x, CNT_ROOT) + HDR, 3000);
	put_be32(xfin_blk(x, CNT_ROOT) + HDR + 4, 100);

	n = xfin_blk(x, NODE);
	put_block(n, 0x52334643u, 1, 2, 0xffffffffu, 0xffffffffu);
	put_be32(n + HDR, 200);
	put_be32(n + HDR + 4, COWFLAG | 1000);
	put_be32(n + HDR + (BS - HDR) / 8 * 4, LEAF_A);
	put_be32(n + HDR + (BS - HDR) / 8 * 4 + 4, LEAF_B);
	put_block(xfin_blk(x, LEAF_A), 0x52334643u, 0, NREC, 0xffffffffu, LEAF_B);
	put_block(xfin_blk(x, LEAF_B), 0x52334643u, 0, NREC, LEAF_A, 0xffffffffu);
	for (uint32_t k = 0; k < NREC; k++) {
		put_rc(xfin_blk(x, LEAF_A), k, 200 + 2 * k, 1, 2);
		put_rc(xfin_blk(x, LEAF_B), k, COWFLAG | (1000 + 2 * k), 1, k == 7 ? cow_refc : 1);
	}
	for (uint32_t a = BNO_ROOT; a < NBLOCKS; a++)
		if (get_be32(xfin_blk(x, a)))
			put_be64(xfin_blk(x, a) + 16, (uint64_t)a * (BS / 512));
	return x;
}

static void expect_ext(const uint8_t *b, uint32_t i, uint32_t bno, uint32_t len)
{
	assert_int_equal(get_be32(b + HDR + 8 * i), bno);
	assert_int_equal(get_be32(b + HDR + 8 * i + 4), len);
}

static void test_join_and_root_kill(void **state)
{
	struct xfin *x = t_new(1);
	uint8_t *agf, *b;

	(void)state;
	assert_int_equal(xlog_fin_cow(&x->f), 0);
	assert_false(x->f.refused);
	/* per staging extent three transactions (the rmap update's, here none, the delete's, the
	 * free's); the first delete's join and root kill queue their blocks' free (Debian's
	 * 6.1.192: __xfs_free_extent_later), finished in one more before the staging extent's */
	assert_int_equal(x->f.tx, 3 * NREC + 1);
	agf = xfin_got(x, 0, K_AGF);
	assert_int_equal(get_be32(agf + AGF_REFC_ROOT), LEAF_A);
	assert_int_equal(get_be32(agf + AGF_REFC_LEVEL), 1);
	assert_int_equal(get_be32(agf + AGF_REFC_BLOCKS), 1);
	assert_int_equal(get_be32(agf + 52), FREEBLKS0 + NREC + 2);
	assert_int_equal(get_be32(x->img + 512 + 52), FREEBLKS0); /* the image untouched */
	/* the root leaf: the shared records, no sibling */
	b = xfin_got(x, LEAF_A, K_BTREE);
	assert_int_equal(get_be16(b + 4), 0);
	assert_int_equal(get_be16(b + 6), NREC);
	assert_int_equal(get_be32(b + 12), 0xffffffffu);
	for (uint32_t k = 0; k < NREC; k++) {
		assert_int_equal(get_be32(b + HDR + 12 * k), 200 + 2 * k);
		assert_int_equal(get_be32(b + HDR + 12 * k + 8), 2);
	}
	/* by block: the node and the right leaf merged (9+2), the staging extents, 3000+100 */
	b = xfin_got(x, BNO_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), NREC + 2);
	expect_ext(b, 0, NODE, 2);
	for (uint32_t k = 0; k < NREC; k++)
		expect_ext(b, 1 + k, 1000 + 2 * k, 1);
	expect_ext(b, NREC + 1, 3000, 100);
	/* by size: the one-block extents by block, then 9+2, then 3000+100 */
	b = xfin_got(x, CNT_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), NREC + 2);
	for (uint32_t k = 0; k < NREC; k++)
		expect_ext(b, k, 1000 + 2 * k, 1);
	expect_ext(b, NREC, NODE, 2);
	expect_ext(b, NREC + 1, 3000, 100);
	xfin_free(x);
}

static void test_refcount_not_one_refused(void **state)
{
	struct xfin *x = t_new(2);

	(void)state;
	assert_int_equal(xlog_fin_cow(&x->f), 1);
	assert_true(x->f.refused);
	assert_non_null(strstr(x->why, "refcount 2"));
	/* refused while gathering: nothing was changed */
	assert_int_equal(get_be32(xfin_got(x, 0, K_AGF) + 52), FREEBLKS0);
	assert_int_equal(get_be16(xfin_got(x, LEAF_B, K_BTREE) + 6), NREC);
	xfin_free(x);
}

/* A CUI extent of AG 0: type (3 ALLOC_COW, 4 FREE_COW), agbno, len; the work it queues in *d. */
static int cuid(struct xfin *x, uint32_t type, uint32_t agbno, uint32_t len, struct intent_defer *d)
{
	struct xlog_ext e = { agbno, len, 0, 0, type };
	struct refc_tx tx = { 0, 0, false };

	memset(d, 0, sizeof *d);
	return xlog_intent_refcount(&x->f, &e, d, &tx);
}

/* the same, queueing nothing */
static int cui(struct xfin *x, uint32_t type, uint32_t agbno, uint32_t len)
{
	struct intent_defer d;
	int err = cuid(x, type, agbno, len, &d);

	assert_int_equal(d.n, 0);
	return err;
}

/* The FREE_COW's join and root kill give back leaf 10 and node 9: queued on the CUI's
 * transaction (xfs_refcountbt_free_block -> __xfs_free_extent_later, XFS_RMAP_OWN_REFC, in
 * Debian's 6.1.192), freed with the captured work, not in the CUI's transaction. */
static void test_cui_free_cow_joins(void **state)
{
	struct xfin *x = t_new(1);
	struct intent_defer d;
	uint8_t *agf, *b;

	(void)state;
	assert_int_equal(cuid(x, 4, 1000, 1, &d), 0);
	assert_false(x->f.refused);
	agf = xfin_got(x, 0, K_AGF);
	assert_int_equal(get_be32(agf + AGF_REFC_ROOT), LEAF_A);
	assert_int_equal(get_be32(agf + AGF_REFC_LEVEL), 1);
	assert_int_equal(get_be32(agf + AGF_REFC_BLOCKS), 1);
	assert_int_equal(get_be32(agf + 52), FREEBLKS0); /* nothing freed yet */
	assert_int_equal(d.n, 2);
	for (uint32_t k = 0; k < 2; k++) {
		assert_int_equal(d.ext[k].agbno, k == 0 ? LEAF_B : NODE);
		assert_int_equal(d.ext[k].len, 1);
		assert_int_equal(d.ext[k].rtype, 0);
		assert_int_equal(d.ext[k].owner, RMAP_OWN_REFC);
	}
	b = xfin_got(x, LEAF_A, K_BTREE);
	assert_int_equal(get_be16(b + 6), 2 * NREC - 1);
	assert_int_equal(get_be32(b + HDR + 12 * NREC), COWFLAG | 1002);
	assert_int_equal(get_be32(b + HDR + 12 * (2 * NREC - 2)), COWFLAG | (1000 + 2 * (NREC - 1)));
	xfin_free(x);
}

/* A FREE_COW inside a longer staging record (xfs_refcount_adjust_cow: a CoW write that ended
 * in the middle of its staging extent, as row xi-1k-rmap-convert left one): the record is
 * split at both ends of the range (xfs_refcount_split_extent, CoW domain), then the middle
 * deleted. The last staging record, 1078+1, made 1078+5: freeing 1080+1 leaves 1078+2 and
 * 1081+2. Before the split was done, refused. */
static void test_cui_free_cow_splits(void **state)
{
	struct xfin *x = t_new(1);
	uint8_t *b = xfin_blk(x, LEAF_B);

	(void)state;
	put_rc(b, NREC - 1, COWFLAG | 1078, 5, 1);
	assert_int_equal(cui(x, 4, 1080, 1), 0);
	assert_false(x->f.refused);
	b = xfin_got(x, LEAF_B, K_BTREE);
	assert_int_equal(get_be16(b + 6), NREC + 1);
	assert_int_equal(get_be32(b + HDR + 12 * (NREC - 1)), COWFLAG | 1078);
	assert_int_equal(get_be32(b + HDR + 12 * (NREC - 1) + 4), 2);
	assert_int_equal(get_be32(b + HDR + 12 * NREC), COWFLAG | 1081);
	assert_int_equal(get_be32(b + HDR + 12 * NREC + 4), 2);
	assert_int_equal(get_be32(b + HDR + 12 * NREC + 8), 1);
	xfin_free(x);
}

static void test_cui_alloc_cow(void **state)
{
	struct xfin *x = t_new(1);
	uint8_t *b;

	(void)state;
	assert_int_equal(cui(x, 3, 2000, 5), 0);
	assert_false(x->f.refused);
	b = xfin_got(x, LEAF_B, K_BTREE);
	assert_int_equal(get_be16(b + 6), NREC + 1);
	assert_int_equal(get_be32(b + HDR + 12 * NREC), COWFLAG | 2000);
	assert_int_equal(get_be32(b + HDR + 12 * NREC + 4), 5);
	assert_int_equal(get_be32(b + HDR + 12 * NREC + 8), 1);
	assert_int_equal(get_be32(xfin_got(x, 0, K_AGF) + AGF_REFC_LEVEL), 2);
	/* next to staging record 1002+1: the kernel merges them (not done) */
	assert_int_equal(cui(x, 3, 1003, 1), 1);
	assert_true(x->f.refused);
	assert_non_null(strstr(x->why, "would split or merge"));
	xfin_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_and_root_kill),
		cmocka_unit_test(test_refcount_not_one_refused),
		cmocka_unit_test(test_cui_free_cow_joins),
		cmocka_unit_test(test_cui_alloc_cow),
		cmocka_unit_test(test_cui_free_cow_splits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
