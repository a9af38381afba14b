/*
 * One block allocated near a block (libfsimg/xlog/anear.c) on hand-built
 * free space btrees, each choice worked by hand from Linux 6.1's
 * xfs_alloc_ag_vextent_near (fs/xfs/libxfs/xfs_alloc.c) for minlen =
 * maxlen = 1:
 *  - the by-size tree in one leaf (xfs_alloc_ag_vextent_lastblock): every
 *    record from the first at least 1 long checked in by-size order, the
 *    nearest block kept by xfs_alloc_compute_diff (an extent past the
 *    target gives its first block, one before it its last), a later record
 *    as near as the best replacing it (xfs_alloc_cur_check's diff <= best),
 *    so of two extents 100 away the one later in by-size order wins,
 *    whichever side it lies on; the record cut (xfs_alloc_fixup_trees: its
 *    last block taken, the record shortened in both trees);
 *  - the by-size tree in two leaves (xfs_alloc_ag_vextent_locality): the
 *    by-block record left of the target is a hit, then the walk to the
 *    right takes an extent as near (the tie goes right) and stops at a
 *    farther one; a record taken whole leaves both trees;
 *  - busy extents (freed in this finish): a candidate trimmed as
 *    xfs_extent_busy_trim does (its nine cases, the rbtree's order where two
 *    meet one free extent), a search that finds only busy extents forcing
 *    the log and starting again (xfs_extent_busy_flush: v4; v5 refused);
 *  - a refcountbt block asked near xfs_refc_block;
 *  - xfs_alloc_compute_diff's three cases.
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
#include "xfs/xfs.h"

#define BS 1024u
#define NBLOCKS 8192u
#define HDR (v4 ? 16u : 56u) /* a short-form btree block's header, v4 or v5 */
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define BNO_LEAF 10u /* and 11 */
#define CNT_LEAF 12u /* and 13 */
#define NODE_PTRS (HDR + (BS - HDR) / 12 * 8)

static bool v4; /* the next t_open's filesystem is v4 */

struct ext { uint32_t bno, len; };

static void put_block(struct xfin *x, uint32_t agbno, uint32_t magic, uint16_t level, uint16_t n, uint32_t l,
		      uint32_t r)
{
	uint8_t *b = xfin_blk(x, agbno);

	memset(b, 0, BS);
	put_be32(b, magic);
	put_be16(b + 4, level);
	put_be16(b + 6, n);
	put_be32(b + 8, l);
	put_be32(b + 12, r);
	if (!v4)
		put_be64(b + 16, (uint64_t)agbno * (BS / 512));
}

static int cnt_order(const void *a, const void *b)
{
	const struct ext *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->bno < y->bno ? -1 : x->bno > y->bno;
}

/* One tree: a root leaf, or a root node over two leaves (the first holding half). */
static void put_tree(struct xfin *x, uint32_t magic, uint32_t root, uint32_t leaf, const struct ext *e, uint32_t n,
		     bool two)
{
	uint32_t half = two ? n / 2 : n;

	for (uint32_t k = 0; k < (two ? 2u : 1u); k++) {
		uint32_t at = two ? leaf + k : root, from = k ? half : 0, cnt = k ? n - half : half;
		put_block(x, at, magic, 0, (uint16_t)cnt, two && k ? leaf : 0xffffffffu,
			  two && !k ? leaf + 1 : 0xffffffffu);
		for (uint32_t i = 0; i < cnt; i++) {
			put_be32(xfin_blk(x, at) + HDR + 8 * i, e[from + i].bno);
			put_be32(xfin_blk(x, at) + HDR + 8 * i + 4, e[from + i].len);
		}
	}
	if (two) {
		put_block(x, root, magic, 1, 2, 0xffffffffu, 0xffffffffu);
		put_be32(xfin_blk(x, root) + HDR, e[0].bno);
		put_be32(xfin_blk(x, root) + HDR + 4, e[0].len);
		put_be32(xfin_blk(x, root) + HDR + 8, e[half].bno);
		put_be32(xfin_blk(x, root) + HDR + 12, e[half].len);
		put_be32(xfin_blk(x, root) + NODE_PTRS, leaf);
		put_be32(xfin_blk(x, root) + NODE_PTRS + 4, leaf + 1);
	}
}

static uint32_t reserve(uint32_t levels, uint32_t max)
{
	uint32_t h = levels + 1 < max ? levels + 1 : max;
	return 2 * h - 2;
}

/* A v5 AG of 8192 one-KiB blocks whose free space is the n extents e (sorted by block). */
static void t_open(struct xfin *x, const struct ext *e, uint32_t n, bool two)
{
	struct ext *c = malloc(n * sizeof *c);
	uint32_t nfree = 0, longest = 0, levels = two ? 2 : 1;
	uint8_t *agf;

	assert_non_null(c);
	memset(x, 0, sizeof *x);
	xfin_open(x, NBLOCKS, BS, 13, !v4);
	memcpy(c, e, n * sizeof *c);
	qsort(c, n, sizeof *c, cnt_order);
	for (uint32_t i = 0; i < n; i++) {
		nfree += e[i].len;
		longest = e[i].len > longest ? e[i].len : longest;
	}
	put_tree(x, v4 ? 0x41425442u : 0x41423342u, BNO_ROOT, BNO_LEAF, e, n, two);
	put_tree(x, v4 ? 0x41425443u : 0x41423343u, CNT_ROOT, CNT_LEAF, c, n, two);
	free(c);
	agf = x->img + 512;
	put_be32(agf, XFS_AGF_MAGIC);
	put_be32(agf + 16, BNO_ROOT);
	put_be32(agf + 20, CNT_ROOT);
	put_be32(agf + 28, levels);
	put_be32(agf + 32, levels);
	/* the AGFL as full as xfs_alloc_min_freelist wants it: no refill, no shrink */
	put_be32(agf + 48, 2 * reserve(levels, xfs_alloc_maxlevels(&x->fs)));
	put_be32(agf + 52, nfree);
	put_be32(agf + 56, longest);
}

static void expect_recs(struct xfin *x, uint32_t agbno, const struct ext *want, uint32_t n)
{
	uint8_t *b = xfin_got(x, agbno, K_BTREE);

	assert_int_equal(get_be16(b + 6), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(get_be32(b + HDR + 8 * i), want[i].bno);
		assert_int_equal(get_be32(b + HDR + 8 * i + 4), want[i].len);
	}
}

/* One leaf: 100+5 (its nearest block 104, 416 away), 500+2 (501, 19 away), 900+1 (900,
 * 380 away) for a target of 520: 501, the last block of 500+2, which becomes 500+1. */
static void test_lastblock_nearest(void **state)
{
	const struct ext e[] = { { 100, 5 }, { 500, 2 }, { 900, 1 } };
	const struct ext bno[] = { { 100, 5 }, { 500, 1 }, { 900, 1 } };
	const struct ext cnt[] = { { 500, 1 }, { 900, 1 }, { 100, 5 } };
	struct xfin x;
	uint32_t got_bno;

	(void)state;
	t_open(&x, e, 3, false);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 520, (uint64_t)-6, &got_bno), 0);
	assert_int_equal(got_bno, 501);
	expect_recs(&x, BNO_ROOT, bno, 3);
	expect_recs(&x, CNT_ROOT, cnt, 3);
	assert_int_equal(get_be32(xfin_got(&x, 0, K_AGF) + 52), 7);
	assert_int_equal(get_be32(xfin_got(&x, 0, K_AGF) + 56), 5);
	xfin_close(&x);
}

/* Ties (one leaf): 400+1 and 198+3 are both 100 from 300 (400 itself; 200, the last of
 * 198+3). By-size order visits 400+1 first, then 198+3, which replaces it: 200. Then
 * 200+1 and 400+3: 200+1 first, 400+3 replaces it: 400 (the first block), 401+2 left. */
static void test_lastblock_tie(void **state)
{
	const struct ext a[] = { { 198, 3 }, { 400, 1 } }, abno[] = { { 198, 2 }, { 400, 1 } };
	const struct ext b[] = { { 200, 1 }, { 400, 3 } }, bbno[] = { { 200, 1 }, { 401, 2 } };
	struct xfin x;
	uint32_t bno;

	(void)state;
	t_open(&x, a, 2, false);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 300, (uint64_t)-6, &bno), 0);
	assert_int_equal(bno, 200);
	expect_recs(&x, BNO_ROOT, abno, 2);
	xfin_close(&x);
	t_open(&x, b, 2, false);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 300, (uint64_t)-6, &bno), 0);
	assert_int_equal(bno, 400);
	expect_recs(&x, BNO_ROOT, bbno, 2);
	xfin_close(&x);
}

/* 150 one-block extents at 1000, 1010, ..., 2490 in two-leaf trees: the locality search.
 * Target 1205: left of it 1200 (5 away) is the by-block hit, the walk right finds 1210
 * as near and takes it, then 1220 is farther: 1210, its record gone from both trees.
 * Target 1203: 1200 (3 away); 1210 (7) stops the walk. */
static void test_locality(void **state)
{
	struct ext e[150];
	struct xfin x;
	uint32_t bno;
	uint8_t *l;

	(void)state;
	for (uint32_t k = 0; k < 150; k++)
		e[k] = (struct ext){ 1000 + 10 * k, 1 };
	t_open(&x, e, 150, true);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 1205, (uint64_t)-6, &bno), 0);
	assert_int_equal(bno, 1210);
	l = xfin_got(&x, BNO_LEAF, K_BTREE);
	assert_int_equal(get_be16(l + 6), 74);
	assert_int_equal(get_be32(l + HDR + 8 * 20), 1200);
	assert_int_equal(get_be32(l + HDR + 8 * 21), 1220);
	l = xfin_got(&x, CNT_LEAF, K_BTREE);
	assert_int_equal(get_be16(l + 6), 74);
	assert_int_equal(get_be32(l + HDR + 8 * 21), 1220);
	assert_int_equal(get_be32(xfin_got(&x, 0, K_AGF) + 52), 149);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 1203, (uint64_t)-6, &bno), 0);
	assert_int_equal(bno, 1200);
	/* below every extent: no left record, the first to the right */
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 500, (uint64_t)-6, &bno), 0);
	assert_int_equal(bno, 1000);
	assert_false(x.f.refused);
	xfin_close(&x);
}

/* 500+2 for a target of 501: 501 is taken (the one leaf's nearest). Block 501 the AGFL
 * freed (xfs_free_agfl_block: not busy, its buffer invalidated) in a committed transaction
 * of the running checkpoint: the caller's xfs_trans_get_buf meets its stale buffer pinned
 * and locked, and xfs_buf_lock forces the log (v4 here: the force not sized). Freed by the
 * running transaction itself, the buffer is that transaction's: no force. */
static void test_agfl_freed_block_forces(void **state)
{
	const struct ext e[] = { { 500, 2 } };
	struct xfin x;
	uint32_t bno;

	(void)state;
	for (uint32_t running = 0; running < 2; running++) {
		v4 = true;
		t_open(&x, e, 1, false);
		v4 = false;
		xlog_fin_cp_agfl_free(&x.f, 0, 501);
		if (!running)
			x.f.tx = 1;
		assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 501, (uint64_t)-6, &bno), 0);
		assert_false(x.f.refused);
		assert_int_equal(bno, 501);
		assert_int_equal(x.f.nforce, running ? 0 : 1);
		xfin_close(&x);
	}
}

/* The busy list: b[0..n), freed in transaction tx */
static void busy_set(struct xfin *x, const struct ext *b, uint32_t n, uint32_t tx)
{
	uint32_t now = x->f.tx;

	x->f.nbusy = 0;
	x->f.tx = tx;
	for (uint32_t i = 0; i < n; i++)
		xlog_fin_busy_insert(&x->f, 0, b[i].bno, b[i].len);
	x->f.tx = now;
}

/* The walk right of 1205 meets 1210, freed in this finish (busy): xfs_alloc_cur_check trims
 * it to nothing and goes on (no candidate, the cursor stays active); 1220 is farther than
 * the left hit 1200, which is taken. Before busy extents were trimmed, refused. */
static void test_busy_skipped(void **state)
{
	struct ext e[150];
	struct xfin x;
	uint32_t bno;

	(void)state;
	for (uint32_t k = 0; k < 150; k++)
		e[k] = (struct ext){ 1000 + 10 * k, 1 };
	t_open(&x, e, 150, true);
	busy_set(&x, &(struct ext){ 1210, 1 }, 1, 0);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 1208, (uint64_t)-6, &bno), 0);
	assert_false(x.f.refused);
	assert_int_equal(bno, 1200);
	xfin_close(&x);
}

/* One leaf, 100+10 busy in its blocks 100..104 (the start): the usable part 105+5; for a
 * target of 102 its first block, 105 (the record 100+10 split: 100+5 and 106+4). */
static void test_busy_trimmed_candidate(void **state)
{
	const struct ext e[] = { { 100, 10 }, { 900, 1 } };
	const struct ext bno[] = { { 100, 5 }, { 106, 4 }, { 900, 1 } };
	struct xfin x;
	uint32_t got_bno;

	(void)state;
	t_open(&x, e, 2, false);
	busy_set(&x, &(struct ext){ 100, 5 }, 1, 0);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 102, (uint64_t)-6, &got_bno), 0);
	assert_int_equal(got_bno, 105);
	expect_recs(&x, BNO_ROOT, bno, 3);
	xfin_close(&x);
}

/* Two-leaf trees (the locality search): 100+1 free, and 4980, 4982, ..., 5020 (one block
 * each) busy since transaction 0. For a target of 5000 the by-block walks step through busy
 * records while the by-size iteration runs out of sizes after two rounds; having met busy
 * extents 6.1 does not walk back from the by-size tree's end (which would reach 100) but
 * forces the log (v4) and searches again: 5000. */
static void test_busy_no_walk_back(void **state)
{
	struct ext e[22];
	struct xfin x;
	uint32_t bno;

	(void)state;
	e[0] = (struct ext){ 100, 1 };
	for (uint32_t k = 0; k < 21; k++)
		e[k + 1] = (struct ext){ 4980 + 2 * k, 1 };
	v4 = true;
	t_open(&x, e, 22, true);
	v4 = false;
	busy_set(&x, e + 1, 21, 0);
	x.f.tx = 1;
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 5000, (uint64_t)-6, &bno), 0);
	assert_false(x.f.refused);
	assert_int_equal(bno, 5000);
	assert_int_equal(x.f.nforce, 1);
	xfin_close(&x);
}

/* The free extents e, all busy since transaction tx, the finish in transaction 1. */
static void all_busy(struct xfin *x, const struct ext *e, uint32_t n, bool v4fs, uint32_t tx)
{
	v4 = v4fs;
	t_open(x, e, n, false);
	v4 = false;
	busy_set(x, e, n, tx);
	x->f.tx = 1;
}

/* Every free extent busy (freed in transaction 0; the finish now runs transaction 1). v4:
 * the log forced (xfs_extent_busy_flush), the busy extents cleared, the search again takes
 * 500; v5: the force refused for the LSN; busy in the running transaction: refused (6.1
 * waits on them for ever). Without the flush: no candidate, and (busy seen) no walk back
 * from the by-size tree's end. */
static void test_busy_flush(void **state)
{
	const struct ext e[] = { { 100, 2 }, { 500, 1 } };
	struct xfin x;
	uint32_t bno;

	(void)state;
	all_busy(&x, e, 2, true, 0);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 450, (uint64_t)-6, &bno), 0);
	assert_false(x.f.refused);
	assert_int_equal(bno, 500);
	assert_int_equal(x.f.nforce, 1);
	assert_int_equal(x.f.nbusy, 0);
	xfin_close(&x);

	all_busy(&x, e, 2, false, 0);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 450, (uint64_t)-6, &bno), 1);
	assert_non_null(strstr(x.why, "forces the log"));
	xfin_close(&x);

	all_busy(&x, e, 2, true, 1);
	assert_int_equal(xlog_fin_alloc_near(&x.f, 0, 450, (uint64_t)-6, &bno), 1);
	assert_non_null(strstr(x.why, "running transaction"));
	assert_int_equal(x.f.nforce, 0);
	xfin_close(&x);
}

static void expect_trim(struct xfin *x, uint32_t minlen, uint32_t maxlen, uint32_t bno, uint32_t len, uint32_t wbno,
			uint32_t wlen, bool wbusy)
{
	bool busy;

	assert_int_equal(xlog_fin_busy_trim(&x->f, 0, minlen, maxlen, &bno, &len, &busy), 0);
	assert_int_equal(len, wlen);
	if (wlen)
		assert_int_equal(bno, wbno);
	assert_int_equal(busy, wbusy);
}

/* xfs_extent_busy_trim's cases against one busy extent 100+10 */
static void test_trim_cases(void **state)
{
	const struct ext b[] = { { 100, 10 } };
	struct xfin x;

	(void)state;
	t_open(&x, b, 1, false);
	busy_set(&x, b, 1, 0);
	expect_trim(&x, 1, 1, 50, 20, 50, 20, false);    /* apart */
	expect_trim(&x, 1, 1, 102, 5, 0, 0, true);       /* inside it: nothing */
	expect_trim(&x, 1, 1, 100, 10, 0, 0, true);      /* the same extent */
	expect_trim(&x, 1, 1, 105, 20, 110, 15, true);   /* over its end: the right part */
	expect_trim(&x, 1, 1, 90, 15, 90, 10, true);     /* over its start: the left part */
	expect_trim(&x, 1, 1, 90, 20, 90, 10, true);     /* to its end: the left part */
	/* in the middle: the left part when it holds maxlen */
	expect_trim(&x, 1, 10, 90, 40, 90, 10, true);
	/* else the right one when it holds 4 * maxlen */
	expect_trim(&x, 1, 11, 90, 64, 110, 44, true);
	/* else the left one when it holds minlen */
	expect_trim(&x, 5, 11, 90, 60, 90, 10, true);
	/* else nothing */
	expect_trim(&x, 11, 11, 90, 60, 0, 0, true);
	/* a free extent shorter than minlen is not walked at all */
	expect_trim(&x, 30, 30, 90, 20, 90, 20, false);
	xfin_close(&x);
}

/* A finish that frees thousands of extents (16 unlinked files of 2633 one-block extents, as
 * a kernel row left them) keeps every one busy: the list grows past the 2048 it once held,
 * where the finish refused as "more than 2048 busy extents". */
static void test_busy_many(void **state)
{
	const struct ext b[] = { { 100, 10 } };
	struct xfin x;

	(void)state;
	t_open(&x, b, 1, false);
	for (uint32_t i = 0; i < 3000; i++)
		xlog_fin_busy_insert(&x.f, 0, 1000 + 2 * i, 1);
	assert_int_equal(x.f.nbusy, 3000);
	expect_trim(&x, 1, 1, 1000 + 2 * 2999, 1, 0, 0, true); /* the last one is still busy */
	expect_trim(&x, 1, 1, 1001, 1, 1001, 1, false);       /* between two: free */
	assert_false(x.f.refused);
	xfin_close(&x);
}

/* Busy extents meet a free extent in the order of the kernel's rbtree walk from its root,
 * which the inserts' order shapes. 0+10 and 10+10 over the free 0+100: inserted in that
 * order 0+10 is the root: the start cut (10), then 10+10 (20): 20+80; inserted the other
 * way 10+10 is the root: the left part 0+10, then 0+10 covers it: nothing. With 30+10
 * inserted third the rebalance (a left rotation) makes 10+10 the root: nothing again,
 * where a plain binary tree would give 20+10. */
static void test_trim_rbtree_order(void **state)
{
	const struct ext ab[] = { { 0, 10 }, { 10, 10 } }, ba[] = { { 10, 10 }, { 0, 10 } };
	const struct ext abc[] = { { 0, 10 }, { 10, 10 }, { 30, 10 } };
	const struct ext e[] = { { 0, 100 } };
	struct xfin x;
	uint32_t bno = 0, len = 100;
	bool busy;

	(void)state;
	t_open(&x, e, 1, false);
	busy_set(&x, ab, 2, 0);
	expect_trim(&x, 1, 1, 0, 100, 20, 80, true);
	busy_set(&x, ba, 2, 0);
	expect_trim(&x, 1, 1, 0, 100, 0, 0, true);
	busy_set(&x, abc, 3, 0);
	expect_trim(&x, 1, 1, 0, 100, 0, 0, true);
	/* a second busy extent at 10 (the kernel's insert would spin on it): refused */
	xlog_fin_busy_insert(&x.f, 0, 10, 1);
	assert_int_equal(xlog_fin_busy_trim(&x.f, 0, 1, 1, &bno, &len, &busy), 1);
	assert_true(x.f.refused);
	xfin_close(&x);
}

/* xfs_refcountbt_alloc_block: near xfs_refc_block (1 KiB blocks, 512-byte sectors,
 * finobt: block 6), not near the block split; 4+2 lies before it (its last block, 5, is 1
 * away), 7+3 after it (7, also 1 away): by-size order visits 4+2 first, 7+3 replaces it
 * (5000+3000 keeps the AG above the bound over the per-AG reservations). */
static void test_refcbt(void **state)
{
	const struct ext e[] = { { 4, 2 }, { 7, 3 }, { 900, 1 }, { 5000, 3000 } };
	struct xfin x;
	struct blk *agfb;
	uint32_t bno;

	(void)state;
	t_open(&x, e, 4, false);
	x.fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_FINOBT | XFS_SB_FEAT_RO_COMPAT_REFLINK;
	assert_int_equal(xlog_fin_get(&x.f, 1, 1, K_AGF, &agfb), 0);
	assert_int_equal(xlog_fin_refcbt_alloc(&x.f, 0, agfb, &bno), 0);
	assert_int_equal(bno, 7);
	assert_int_equal(get_be32(agfb->b + 84), 1);
	xfin_close(&x);
}

/* xfs_alloc_compute_diff, alignment 1, metadata */
static void test_compute_diff(void **state)
{
	uint32_t nb;

	(void)state;
	assert_int_equal(xlog_alloc_compute_diff(50, 1, 60, 10, &nb), 10); /* past: its start */
	assert_int_equal(nb, 60);
	assert_int_equal(xlog_alloc_compute_diff(50, 1, 40, 20, &nb), 0); /* over the target */
	assert_int_equal(nb, 50);
	assert_int_equal(xlog_alloc_compute_diff(50, 1, 40, 5, &nb), 6); /* before: its last block */
	assert_int_equal(nb, 44);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lastblock_nearest),
		cmocka_unit_test(test_lastblock_tie),
		cmocka_unit_test(test_locality),
		cmocka_unit_test(test_busy_skipped),
		cmocka_unit_test(test_busy_trimmed_candidate),
		cmocka_unit_test(test_busy_flush),
		cmocka_unit_test(test_agfl_freed_block_forces),
		cmocka_unit_test(test_busy_no_walk_back),
		cmocka_unit_test(test_trim_cases),
		cmocka_unit_test(test_busy_many),
		cmocka_unit_test(test_trim_rbtree_order),
		cmocka_unit_test(test_refcbt),
		cmocka_unit_test(test_compute_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
