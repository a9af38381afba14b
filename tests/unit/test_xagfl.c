/*
 * The AGFL after log replay (libfsimg/xlog/afree.c) on a synthetic v4 AG of
 * 1000 1 KiB blocks, no mkfs: one-leaf free space btrees (levels 1, so Linux
 * 6.1's xfs_alloc_min_freelist wants 2 blocks for each: 4), the AGFL as the
 * test sets it. Checked against what xfs_alloc_fix_freelist does by the
 * kernel's code: a shrink takes the AGFL's first blocks off and defers their
 * frees (xfs_defer_agfl_block), which free the blocks into the btrees
 * without marking them busy (xfs_agfl_free_finish_item); a refill trims the
 * extents freed earlier (busy) off its candidates (xfs_extent_busy_trim:
 * the start cut, a busy part inside kept out by taking its left side when
 * that is long enough) and takes the rest from the found extent's start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cursor.h"
#include "xfin_fixture.h"
#include "xfs/format.h"
#include "xlog/format.h"

#define NBLOCKS 1000u
#define BS 1024u
#define BNO_ROOT 4u
#define CNT_ROOT 5u
/* struct xfs_agf */
#define AGF_BNO_ROOT 16u
#define AGF_CNT_ROOT 20u
#define AGF_BNO_LEVEL 28u
#define AGF_CNT_LEVEL 32u
#define AGF_FLFIRST 40u
#define AGF_FLLAST 44u
#define AGF_FLCOUNT 48u
#define AGF_FREEBLKS 52u
#define AGF_LONGEST 56u

struct ext { uint32_t bno, len; };

static int by_size(const void *a, const void *b)
{
	const struct ext *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->bno < y->bno ? -1 : x->bno > y->bno;
}

static void leaf(struct xfin *x, uint32_t agbno, uint32_t magic, const struct ext *e, uint32_t n)
{
	uint8_t *b = x->img + (size_t)agbno * BS;

	put_be32(b, magic);
	put_be16(b + 6, (uint16_t)n);
	put_be32(b + 8, 0xffffffffu);
	put_be32(b + 12, 0xffffffffu);
	for (uint32_t i = 0; i < n; i++) {
		put_be32(b + 16 + 8 * i, e[i].bno);
		put_be32(b + 20 + 8 * i, e[i].len);
	}
}

/* The AG: free extents e (n of them, by block), the AGFL holding fl (nfl blocks from slot 0). */
static void ag_open(struct xfin *x, const struct ext *e, uint32_t n, const uint32_t *fl, uint32_t nfl)
{
	struct ext s[16];
	uint8_t *agf, *agfl;
	uint32_t nfree = 0, longest = 0;

	xfin_open(x, NBLOCKS, BS, 10, false);
	agf = x->img + 512;
	agfl = x->img + 3 * 512;
	put_be32(agf, XFS_AGF_MAGIC);
	put_be32(agf + 4, 1);
	put_be32(agf + 12, NBLOCKS);
	put_be32(agf + AGF_BNO_ROOT, BNO_ROOT);
	put_be32(agf + AGF_CNT_ROOT, CNT_ROOT);
	put_be32(agf + AGF_BNO_LEVEL, 1);
	put_be32(agf + AGF_CNT_LEVEL, 1);
	put_be32(agf + AGF_FLFIRST, 0);
	put_be32(agf + AGF_FLLAST, nfl ? nfl - 1 : 127);
	put_be32(agf + AGF_FLCOUNT, nfl);
	for (uint32_t i = 0; i < nfl; i++)
		put_be32(agfl + 4 * i, fl[i]);
	memcpy(s, e, n * sizeof *e);
	qsort(s, n, sizeof *s, by_size);
	for (uint32_t i = 0; i < n; i++) {
		nfree += e[i].len;
		longest = e[i].len > longest ? e[i].len : longest;
	}
	put_be32(agf + AGF_FREEBLKS, nfree);
	put_be32(agf + AGF_LONGEST, longest);
	leaf(x, BNO_ROOT, 0x41425442u, e, n);
	leaf(x, CNT_ROOT, 0x41425443u, s, n);
}

static uint8_t *get(struct xfin *x, uint64_t daddr, uint32_t bbs, enum kind k)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&x->f, daddr, bbs, k, &b), 0);
	return b->b;
}

/* The leaf at agbno as the finish leaves it equals e (n records). */
static void leaf_is(struct xfin *x, uint32_t agbno, const struct ext *e, uint32_t n)
{
	const uint8_t *b = get(x, (uint64_t)agbno * (BS / 512), BS / 512, K_BTREE);

	assert_int_equal(get_be16(b + 6), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(get_be32(b + 16 + 8 * i), e[i].bno);
		assert_int_equal(get_be32(b + 20 + 8 * i), e[i].len);
	}
}

/* Six AGFL blocks, four wanted: a free shrinks it by its first two (10, 11), deferred; their
 * frees put 10+2 into the trees and leave only the freed extent busy. */
static void shrink(void **state)
{
	(void)state;
	static const struct ext e[] = { { 100, 5 }, { 300, 20 } };
	static const uint32_t fl[] = { 10, 11, 12, 13, 14, 15 };
	struct xfin x;
	uint8_t *agf;

	memset(&x, 0, sizeof x);
	ag_open(&x, e, 2, fl, 6);
	assert_int_equal(xlog_fin_free_extent(&x.f, 0, 200, 1), 0);
	assert_false(x.f.refused);
	agf = get(&x, 1, 1, K_AGF);
	assert_int_equal(get_be32(agf + AGF_FLCOUNT), 4);
	assert_int_equal(get_be32(agf + AGF_FLFIRST), 2);
	assert_int_equal(x.f.nagflq, 2);
	assert_int_equal(x.f.agflq[0].bno, 10);
	assert_int_equal(x.f.agflq[1].bno, 11);
	assert_int_equal(get_be32(agf + AGF_FREEBLKS), 26);
	/* the deferred AGFL frees, as the deferred op that queued them ends */
	assert_int_equal(x.f.cp_done + x.f.tx_done, 0);
	assert_int_equal(xlog_fin_agfl_frees(&x.f, 0, NULL), 0);
	assert_false(x.f.refused);
	/* one EFI of both blocks in the transaction that shrank the AGFL (12 + 16 + 2 * 16),
	 * its EFD in the next with the two cancelled buffers (12 + 20 + 4 each): one intent
	 * per transaction's deferred AGFL frees (xfs_defer_create_intent), not one per block */
	assert_int_equal(x.f.cp_done, 60);
	assert_int_equal(x.f.tx_done, 60 + 2 * 36);
	assert_int_equal(x.f.nagflq, 0);
	assert_int_equal(get_be32(agf + AGF_FLCOUNT), 4);
	assert_int_equal(get_be32(agf + AGF_FREEBLKS), 28);
	leaf_is(&x, BNO_ROOT, (const struct ext[]){ { 10, 2 }, { 100, 5 }, { 200, 1 }, { 300, 20 } }, 4);
	leaf_is(&x, CNT_ROOT, (const struct ext[]){ { 200, 1 }, { 10, 2 }, { 100, 5 }, { 300, 20 } }, 4);
	assert_int_equal(x.f.nbusy, 1);
	assert_int_equal(x.f.busy[0].bno, 200);
	xfin_close(&x);
}

/* AGFL blocks 10 and 11 (two short of the four wanted), free extents e, busy extent bb+bl:
 * the refill of 2 puts want0 and want0 + 1 on the AGFL and leaves free extents left (by
 * block number). */
static void refill(const struct ext *e, uint32_t n, uint32_t bb, uint32_t bl, uint32_t want0, const struct ext *left,
		   uint32_t nleft)
{
	static const uint32_t fl[] = { 10, 11 };
	struct ext s[16];
	struct xfin x;
	struct blk *agfb;
	const uint8_t *agfl;
	uint32_t nfree = 0;

	memset(&x, 0, sizeof x);
	ag_open(&x, e, n, fl, 2);
	xlog_fin_busy_insert(&x.f, 0, bb, bl);
	assert_int_equal(xlog_fin_fix_freelist(&x.f, 0, &agfb), 0);
	assert_false(x.f.refused);
	assert_int_equal(get_be32(agfb->b + AGF_FLCOUNT), 4);
	agfl = get(&x, 3, 1, K_AGFL);
	assert_int_equal(get_be32(agfl + 8), want0);
	assert_int_equal(get_be32(agfl + 12), want0 + 1);
	leaf_is(&x, BNO_ROOT, left, nleft);
	memcpy(s, left, nleft * sizeof *s);
	qsort(s, nleft, sizeof *s, by_size);
	leaf_is(&x, CNT_ROOT, s, nleft);
	for (uint32_t i = 0; i < nleft; i++)
		nfree += left[i].len;
	assert_int_equal(get_be32(agfb->b + AGF_FREEBLKS), nfree);
	assert_int_equal(get_be32(agfb->b + AGF_LONGEST), s[nleft - 1].len);
	xfin_close(&x);
}

/* The first extent long enough by size, 30+5, has a busy start (30+3 freed earlier): 33+2
 * is taken, 30+3 stays free. */
static void refill_trims_busy_start(void **state)
{
	(void)state;
	refill((const struct ext[]){ { 20, 1 }, { 30, 5 }, { 50, 8 } }, 3, 30, 3, 33,
	       (const struct ext[]){ { 20, 1 }, { 30, 3 }, { 50, 8 } }, 3);
}

/* A busy 53+2 inside 50+8: the left side, 3 blocks, is long enough for the 2 wanted
 * (xfs_extent_busy_trim keeps it); 50+2 is taken and 52+6 stays free. */
static void refill_trims_busy_middle(void **state)
{
	(void)state;
	refill((const struct ext[]){ { 50, 8 } }, 1, 53, 2, 50, (const struct ext[]){ { 52, 6 } }, 1);
}

/* A block freed earlier met again (an AGFL block a btree freed in a committed transaction,
 * now freed off the AGFL): its stale buffer is pinned, xfs_buf_lock forces the log, and the
 * checkpoint's completion clears the busy extents of every committed transaction: the
 * finish goes on, 10 and the extent 200 freed with it no longer busy. */
static void busy_block_met_again_forces(void **state)
{
	(void)state;
	static const struct ext e[] = { { 100, 5 } };
	static const uint32_t fl[] = { 10, 11, 12, 13, 14 };
	struct xfin x;

	memset(&x, 0, sizeof x);
	ag_open(&x, e, 1, fl, 5);
	xlog_fin_busy_insert(&x.f, 0, 10, 1);
	assert_int_equal(xlog_fin_free_extent(&x.f, 0, 200, 1), 0);
	assert_int_equal(x.f.nagflq, 1);
	assert_int_equal(xlog_fin_agfl_frees(&x.f, 0, NULL), 0);
	assert_false(x.f.refused);
	assert_int_equal(x.f.nforce, 1);
	assert_int_equal(x.f.nbusy, 0);
	leaf_is(&x, BNO_ROOT, (const struct ext[]){ { 10, 1 }, { 100, 5 }, { 200, 1 } }, 3);
	xfin_close(&x);
}

/* AGFL block 10 a btree block freed earlier in the finish (bytes 0xa5, invalidated by a
 * committed transaction). After a force has completed its checkpoint with nothing holding
 * the buffer, the shrink's free of 10 (xfs_free_agfl_block) gets a new, zeroed buffer and
 * invalidates it; taken back before the next force (not busy), the block brings zeroes.
 * Freed in a committed transaction of the running checkpoint instead, the get forces the
 * log and waits, holding the buffer: the bytes stay. */
static void agfl_free_of_released_block(bool released)
{
	static const struct ext e[] = { { 100, 5 } };
	static const uint32_t fl[] = { 10, 11, 12, 13, 14 };
	struct xfin x;
	struct blk *b;

	memset(&x, 0, sizeof x);
	ag_open(&x, e, 1, fl, 5);
	xfin_sized_log(&x);
	assert_int_equal(xlog_fin_get(&x.f, 10 * (BS / 512), BS / 512, K_BTREE, &b), 0);
	memset(b->b, 0xa5, BS);
	b->stale = true;
	xlog_fin_tx(&x.f);
	if (released)
		assert_int_equal(xlog_fin_force(&x.f, "test"), 0);
	assert_int_equal(xlog_fin_free_extent(&x.f, 0, 200, 1), 0);
	assert_int_equal(x.f.nagflq, 1);
	assert_int_equal(xlog_fin_agfl_frees(&x.f, 0, NULL), 0);
	assert_false(x.f.refused);
	assert_int_equal(x.f.nforce, 1);
	xlog_fin_tx(&x.f);
	assert_int_equal(xlog_fin_get_buf(&x.f, 10 * (BS / 512), BS / 512, K_BTREE, x.f.nforce, &b), 0);
	for (uint32_t i = 0; i < BS; i++)
		assert_int_equal(b->b[i], released ? 0 : 0xa5);
	xfin_close(&x);
}

static void agfl_free_released_zeroed(void **state) { (void)state; agfl_free_of_released_block(true); }
static void agfl_free_pinned_kept(void **state) { (void)state; agfl_free_of_released_block(false); }

/* The AGFL two short (10, 11 on it), free extents 50+2 and 70+8, 70+8 freed in a committed
 * transaction and 50+2 in the running one; the running transaction meets block 40 again
 * (a btree block it freed to the AGFL in the committed one): the force clears 70+8 and
 * 40, 50+2 stays busy (the running transaction's t_busy), so the refill takes 70 and 71. */
static void force_keeps_running_busy(void **state)
{
	(void)state;
	static const uint32_t fl[] = { 10, 11 };
	struct xfin x;
	struct blk *agfb;
	const uint8_t *agfl;

	memset(&x, 0, sizeof x);
	ag_open(&x, (const struct ext[]){ { 50, 2 }, { 70, 8 } }, 2, fl, 2);
	xlog_fin_busy_insert(&x.f, 0, 70, 8);
	xlog_fin_busy_insert(&x.f, 0, 40, 1);
	xlog_fin_tx(&x.f);
	xlog_fin_busy_insert(&x.f, 0, 50, 2);
	assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 40, false), 0);
	assert_false(x.f.refused);
	assert_int_equal(x.f.nforce, 1);
	assert_int_equal(x.f.nbusy, 1);
	assert_int_equal(x.f.busy[0].bno, 50);
	assert_int_equal(xlog_fin_fix_freelist(&x.f, 0, &agfb), 0);
	assert_false(x.f.refused);
	agfl = get(&x, 3, 1, K_AGFL);
	assert_int_equal(get_be32(agfl + 8), 70);
	assert_int_equal(get_be32(agfl + 12), 71);
	leaf_is(&x, BNO_ROOT, (const struct ext[]){ { 50, 2 }, { 72, 6 } }, 2);
	xfin_close(&x);
}

/* A btree block taken back from the AGFL in the transaction that freed it to the AGFL: the
 * buffer is the transaction's own (no lock, no force); the block's busy extent leaves the
 * rbtree (xfs_extent_busy_reuse: length 0, still on the transaction's list), the others stay. */
static void reuse_in_running_tx_no_force(void **state)
{
	(void)state;
	struct xfin x;

	memset(&x, 0, sizeof x);
	ag_open(&x, (const struct ext[]){ { 100, 5 } }, 1, NULL, 0);
	xlog_fin_busy_insert(&x.f, 0, 70, 8);
	xlog_fin_busy_insert(&x.f, 0, 40, 1);
	assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 40, true), 0);
	assert_false(x.f.refused);
	assert_int_equal(x.f.nforce, 0);
	assert_int_equal(x.f.nbusy, 2);
	assert_int_equal(x.f.busy[0].bno, 70);
	assert_int_equal(x.f.busy[1].len, 0);
	xfin_close(&x);
}

/* The refill finds only busy extents (50+2, the only free extent, freed earlier): 6.1's
 * xfs_extent_busy_flush forces the log and waits for a busy extent of the AG to clear, then
 * searches again. Freed in a committed transaction, 50+2 clears and is taken; freed in the
 * running one, it never would (refused). */
static void refill_busy_flush(void **state)
{
	(void)state;
	static const uint32_t fl[] = { 10, 11 };

	for (int running = 0; running < 2; running++) {
		struct xfin x;
		struct blk *agfb;

		memset(&x, 0, sizeof x);
		ag_open(&x, (const struct ext[]){ { 50, 2 } }, 1, fl, 2);
		xlog_fin_busy_insert(&x.f, 0, 50, 2);
		if (!running)
			xlog_fin_tx(&x.f);
		assert_int_equal(xlog_fin_fix_freelist(&x.f, 0, &agfb), running);
		assert_int_equal(x.f.refused, running);
		/* counted (trace.h): the busy flush, its force; refused while running, the flush only */
		assert_int_equal(x.log.fin_count.n[XFC_BUSY_FLUSH], 1);
		assert_int_equal(x.log.fin_count.n[XFC_LOG_FORCE], !running);
		if (!running) {
			const uint8_t *agfl = get(&x, 3, 1, K_AGFL);
			assert_int_equal(x.f.nforce, 1);
			assert_int_equal(get_be32(agfl + 8), 50);
			assert_int_equal(get_be32(agfl + 12), 51);
		}
		xfin_close(&x);
	}
}

/* A btree block the intents' checkpoint wrote (its bytes before it kept in prev) and the
 * unlinked inodes' finish freed (stale, not dirty): its buffer is never written, nor the
 * older checkpoint's version: the block goes back to what it was before both. */
static void stale_block_reverts(void **state)
{
	(void)state;
	uint8_t before[BS], now[BS];
	struct xlog_fin_prev prev = { 40 * (BS / 512), BS / 512, before };
	struct xfin x;
	struct blk *b;

	memset(&x, 0, sizeof x);
	xfin_open(&x, NBLOCKS, BS, 10, false);
	memset(before, 0x5a, sizeof before);
	memset(now, 0xa5, sizeof now);
	assert_int_equal(xlog_ovl_write(&x.o, &x.log, now, prev.daddr, prev.bbs), 0);
	assert_int_equal(xlog_fin_get(&x.f, prev.daddr, prev.bbs, K_BTREE, &b), 0);
	b->stale = true;
	x.f.prev = &prev;
	x.f.nprev = 1;
	assert_int_equal(xlog_fin_writeback(&x.f, 1), 0);
	assert_int_equal(xlog_ovl_read(&x.o, &x.log, now, prev.daddr, prev.bbs), 0);
	assert_memory_equal(now, before, BS);
	xfin_close(&x);
}

/* On a v5 filesystem the force is refused (the stamps after its checkpoint are not done). */
static void force_v5_refused(void **state)
{
	(void)state;
	struct xfin x;

	memset(&x, 0, sizeof x);
	xfin_open(&x, NBLOCKS, BS, 10, true);
	xlog_fin_busy_insert(&x.f, 0, 40, 1);
	xlog_fin_tx(&x.f);
	assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 40, true), 1);
	assert_true(x.f.refused);
	assert_non_null(strstr(x.why, "forces the log"));
	/* the force is counted as reached though refused: a row's paths say where it stopped */
	assert_int_equal(x.log.fin_count.n[XFC_LOG_FORCE], 1);
	/* the one-block busy extent is taken off the tree before the force (busy.c) */
	assert_int_equal(x.log.fin_count.n[XFC_BUSY_REUSE], 1);
	xfin_close(&x);
}

/* A v4 filesystem's pending EFI (no rmapbt, no headers with LSN or CRC): the mount finishes it
 * as on v5 (xfs_efi_item_recover: the extent freed into the trees with its AGFL as it wants
 * it, the EFD logged); before xv4 fsimg refused every intent on v4 and left it pending. */
static void v4_efi_finished(void **state)
{
	(void)state;
	static const struct ext e[] = { { 100, 5 }, { 300, 20 } };
	static const uint32_t fl[] = { 10, 11, 12, 13 };
	struct xlog_pending pend;
	struct xlog_plan p;
	struct xfin x;
	uint8_t agf[512], b[BS];

	memset(&x, 0, sizeof x);
	ag_open(&x, e, 2, fl, 4);
	x.log.geom.bbs = 2048;
	x.log.geom.v2 = true;
	x.log.h_size = 32768;
	x.log.ends.head_cycle = 1;
	x.log.ends.head_blk = 100;
	memset(&pend, 0, sizeof pend);
	pend.type = XFS_LI_EFI;
	pend.nextents = 1;
	pend.ext[0].startblock = 105;
	pend.ext[0].len = 3;
	memset(&p, 0, sizeof p);
	p.pending = &pend;
	p.npending = p.cappending = 1;
	assert_int_equal(xlog_intents_finish(&x.log, &x.o, &p), 0);
	assert_int_equal(p.npending, 0);
	/* the blocks as the finish wrote them back through the overlay */
	assert_int_equal(xlog_ovl_read(&x.o, &x.log, agf, 1, 1), 0);
	assert_int_equal(get_be32(agf + AGF_FREEBLKS), 28);
	assert_int_equal(get_be32(agf + AGF_LONGEST), 20);
	assert_int_equal(get_be32(agf + AGF_FLCOUNT), 4);
	assert_int_equal(xlog_ovl_read(&x.o, &x.log, b, (uint64_t)BNO_ROOT * (BS / 512), BS / 512), 0);
	assert_int_equal(get_be16(b + 6), 2);
	assert_int_equal(get_be32(b + 16), 100);
	assert_int_equal(get_be32(b + 20), 8);
	assert_int_equal(xlog_ovl_read(&x.o, &x.log, b, (uint64_t)CNT_ROOT * (BS / 512), BS / 512), 0);
	assert_int_equal(get_be32(b + 16), 100);
	assert_int_equal(get_be32(b + 20), 8);
	assert_int_equal(get_be32(b + 24), 300);
	/* the blocks the finish wrote, as they were before it (xlog_plan_free's part of a plan) */
	for (size_t i = 0; i < p.nfin_prev; i++)
		free(p.fin_prev[i].b);
	free(p.fin_prev);
	xfin_close(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shrink),
		cmocka_unit_test(refill_trims_busy_start),
		cmocka_unit_test(refill_trims_busy_middle),
		cmocka_unit_test(busy_block_met_again_forces),
		cmocka_unit_test(agfl_free_released_zeroed),
		cmocka_unit_test(agfl_free_pinned_kept),
		cmocka_unit_test(force_keeps_running_busy),
		cmocka_unit_test(reuse_in_running_tx_no_force),
		cmocka_unit_test(refill_busy_flush),
		cmocka_unit_test(force_v5_refused),
		cmocka_unit_test(stale_block_reverts),
		cmocka_unit_test(v4_efi_finished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
