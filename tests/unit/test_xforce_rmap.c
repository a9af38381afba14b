/*
 * The intents of a truncate's round on an rmapbt filesystem in the mount's
 * finish's forced checkpoints (libfsimg/xlog/rmap.c, xlog_fin_dfp_*): the
 * unmap's transaction logs an RUI and an EFI for each extent, the
 * transactions after finish them in turn. Linux 6.1 leaves an intent and
 * its done item out of a checkpoint that holds both
 * (xlog_cil_process_intents); a force between them writes the intent alone
 * and its done item into the next checkpoint (kernel row
 * g2x-1k-rmap-nrext64-fragfree: an RUI and a 2-extent EFI queued behind the
 * free whose AGFL shrink forced, their done items first in the next one).
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
#include "xlog/rmap.h"

#define NBLOCKS 1000u
#define BS 1024u

/* A v5 finish whose checkpoints are sized, its log at (1, 100) with 32 KiB iclogs. */
static void open_sized(struct xfin *x)
{
	memset(x, 0, sizeof *x);
	xfin_open(x, NBLOCKS, BS, 10, true);
	xfin_sized_log(x);
}

/* Three chunks of a btree block logged by the running transaction: with the checkpoint's
 * 40 bytes of ops, 40 + 36 + 12 + 384 = 472, 484 with the commit op: one sector short of
 * 512 by 28 bytes, which any intent (60 for one extent) passes. */
static void log_block(struct xfin *x, uint32_t agbno)
{
	struct blk *b;

	memset(x->img + (size_t)agbno * BS, 0, BS);
	memcpy(x->img + (size_t)agbno * BS, "TEST", 4);
	assert_int_equal(xlog_fin_get(&x->f, agbno * 2, 2, K_BTREE, &b), 0);
	b->dirty = true;
	xlog_fin_log_range(&x->f, b, 0, 3 * 128 - 1);
}

static uint64_t close_next(struct xfin *x)
{
	uint64_t next;

	xlog_fin_commit(&x->f);
	assert_int_equal(xlog_fin_cp_close(&x->f, &next), 0);
	x->f.cp_lsn = next;
	return next;
}

/* A sized finish whose running transaction, having logged block 20's three chunks, logs a
 * round's RUI (12 + 16 + 32) and 2-extent EFI (12 + 16 + 32), commits, and the next one
 * finishes the RUI (its RUD: the pair left out of the checkpoint). */
static void round_rui_done(struct xfin *x)
{
	open_sized(x);
	log_block(x, 20);
	assert_int_equal(xlog_fin_dfp_queue(&x->f, DFP_RUI, 1), 0);
	assert_int_equal(xlog_fin_dfp_queue(&x->f, DFP_EFI, 2), 0);
	xlog_fin_tx(&x->f);
	xlog_fin_dfp_done(&x->f);
}

/*
 * The unmap's transaction logs an RUI (12 + 16 + 32) and a 2-extent EFI (12 + 16 + 32);
 * the next finishes the RUI (its RUD: both left out) and forces: the EFI is written alone,
 * 532 bytes, two sectors: the next checkpoint at (1, 103) (one sector, (1, 102), without
 * it). The EFI's done item is logged in the next checkpoint (12 + 16 + 32), with another
 * block's three chunks 532 bytes again: (1, 106) ((1, 105) without it).
 */
static void intent_alone(void **state)
{
	(void)state;
	struct xfin x;

	round_rui_done(&x);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 103));
	xlog_fin_tx(&x.f);
	xlog_fin_dfp_done(&x.f);
	assert_int_equal(x.f.ndfp, 0);
	log_block(&x, 30);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 106));
	xfin_close(&x);
}

/* Both finished before the force: neither intent nor done item is written (one sector). */
static void intents_whited_out(void **state)
{
	(void)state;
	struct xfin x;

	round_rui_done(&x);
	xlog_fin_tx(&x.f);
	xlog_fin_dfp_done(&x.f);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/* Intents the running transaction logged are not in the forced checkpoint (it holds the
 * committed transactions only): they and their done items go into the next one together. */
static void running_tx_intents(void **state)
{
	(void)state;
	struct xfin x;

	open_sized(&x);
	log_block(&x, 20);
	xlog_fin_tx(&x.f);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_RUI, 1), 0);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 102));
	xlog_fin_tx(&x.f);
	xlog_fin_dfp_done(&x.f);
	log_block(&x, 30);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 104));
	xfin_close(&x);
}

/* More intents pending than a round queues: refused, named. */
static void too_many_refused(void **state)
{
	(void)state;
	struct xfin x;

	open_sized(&x);
	for (uint32_t i = 0; i < FIN_DFP_MAX; i++)
		assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_EFI, 1), 0);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_EFI, 1), 1);
	assert_true(x.f.refused);
	assert_non_null(strstr(x.why, "intents pending in a chain of deferred work"));
	xfin_close(&x);
}

/* A force in a truncate of a fork in btree form (its inode logged so in the running
 * checkpoint) is done, the rmapbt or not: the forced checkpoint closes and the next one's LSN
 * follows (kernel rows xw-4k-rmap-fragfree, xw-2k-rmap-fragfree, xa-1k-rmap-fragfree agree
 * with the forces of their rmapbt truncates in btree form, LSN stamps included). */
static void btree_truncate_forced(void **state)
{
	(void)state;
	for (int rmap = 0; rmap < 2; rmap++) {
		struct xfin x;
		open_sized(&x);
		if (rmap)
			x.fs.sb.features_ro_compat |= XFS_SB_FEAT_RO_COMPAT_RMAPBT;
		xlog_fin_cp_trunc(&x.f, NULL, true, 0);
		xlog_fin_tx(&x.f);
		assert_int_equal(xlog_fin_force(&x.f, "a test"), 0);
		assert_false(x.f.refused);
		assert_int_equal(x.f.nforce, 1);
		assert_true(x.f.cp_lsn > XLOG_LSN(1, 100));
		xfin_close(&x);
	}
}

/*
 * A force in the middle of a transaction writes each buffer as the committed transactions
 * left it (the CIL holds the format of its last commit, xlog_cil_insert_format_items):
 * what the running one logs or invalidates meanwhile goes into the next checkpoint
 * (xr8-1k-rmap-holdmix: an AGFL free forced after the free before it, in the same
 * transaction, had freed again two btree blocks taken back earlier in the checkpoint and
 * logged another AGFL chunk; the kernel's forced checkpoint held the blocks' committed 5
 * and 2 chunks and the AGFL's 2).
 * Block 20's three chunks committed: 484 bytes, one sector: (1, 102), though the running
 * transaction logs three more (868 bytes, two sectors, before). Block 30's four committed:
 * 40 + 36 + 12 + 512 + 12 = 612, two sectors: (1, 103), though the running transaction
 * invalidates it (88 bytes, one sector, before). The next checkpoint holds the running
 * one's: block 20's six chunks (868 bytes: two sectors from (1, 102)), block 30 cancelled
 * (88: one from (1, 103)): both end at (1, 105).
 */
static void running_tx_unseen(void **state)
{
	(void)state;
	for (int c = 0; c < 2; c++) {
		struct xfin x;
		struct blk *b;

		open_sized(&x);
		if (c == 0) {
			log_block(&x, 20);
		} else {
			memset(x.img + 30u * BS, 0, BS);
			memcpy(x.img + 30u * BS, "TEST", 4);
			assert_int_equal(xlog_fin_get(&x.f, 30 * 2, 2, K_BTREE, &b), 0);
			b->dirty = true;
			xlog_fin_log_range(&x.f, b, 0, 4 * 128 - 1);
		}
		xlog_fin_tx(&x.f);
		assert_int_equal(xlog_fin_get(&x.f, (c ? 30 : 20) * 2, 2, K_BTREE, &b), 0);
		if (c == 0) {
			xlog_fin_log_range(&x.f, b, 3 * 128, 6 * 128 - 1);
		} else { /* xfs_trans_binval */
			b->stale = true;
			b->dirty = false;
		}
		assert_int_equal(xlog_fin_force(&x.f, "a test"), 0);
		assert_false(x.f.refused);
		assert_int_equal(x.f.cp_lsn, c ? XLOG_LSN(1, 103) : XLOG_LSN(1, 102));
		assert_int_equal(close_next(&x), XLOG_LSN(1, 105));
		xfin_close(&x);
	}
}

/* Block agbno's first n 128-byte chunks logged by the running transaction: 40 + 36 + 12 +
 * 128 n bytes with the checkpoint's ops, 12 more with the commit op. */
static void log_chunks(struct xfin *x, uint32_t agbno, uint32_t n)
{
	struct blk *b;

	memset(x->img + (size_t)agbno * BS, 0, BS);
	memcpy(x->img + (size_t)agbno * BS, "TEST", 4);
	assert_int_equal(xlog_fin_get(&x->f, agbno * 2, 2, K_BTREE, &b), 0);
	b->dirty = true;
	xlog_fin_log_range(&x->f, b, 0, n * 128 - 1);
}

/* The running transaction committed and the log forced: the next checkpoint's LSN. */
static uint64_t forced(struct xfin *x)
{
	xlog_fin_tx(&x->f);
	assert_int_equal(xlog_fin_force(&x->f, "a test"), 0);
	return x->f.cp_lsn;
}

/* The queue head's done item logged with block agbno's first n chunks, then forced. */
static uint64_t done_forced(struct xfin *x, uint32_t agbno, uint32_t n)
{
	xlog_fin_dfp_done(&x->f);
	log_chunks(x, agbno, n);
	return forced(x);
}

/*
 * A CoW leftover's chain (cow.c, xfs_refcount_recover_cow_leftovers): its transaction logs an
 * RUI (12 + 16 + 32), a CUI (12 + 16 + 16: xfs_cui_log_format, one xfs_phys_extent) and an
 * EFI (12 + 16 + 16); the RUI's and the CUI's transactions log their done items (both pairs
 * whited out); the refcount update gave back 9 btree blocks, their EFI (12 + 16 + 144) queued
 * ahead of the staging extent's (xfs_defer_finish_noroll puts new work first). A force in
 * its frees writes both EFIs alone, with block 20's three chunks: 472 + 172 + 44 + 12 = 700
 * bytes, two sectors: (1, 103) (484, one, without them). The frees' transaction logs the
 * 9-extent EFD (12 + 16 + 144) with block 30's two chunks: 344 + 172 + 12 = 528, two sectors
 * from (1, 103): (1, 106); the staging extent's 1-extent EFD (44) in its place would make 400,
 * one sector: (1, 105).
 */
static void cow_chain(void **state)
{
	(void)state;
	struct xfin x;

	open_sized(&x);
	log_chunks(&x, 20, 3);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_RUI, 1), 0);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_CUI, 1), 0);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_EFI, 1), 0);
	xlog_fin_tx(&x.f);
	xlog_fin_dfp_done(&x.f);
	xlog_fin_tx(&x.f);
	xlog_fin_dfp_done(&x.f);
	assert_int_equal(xlog_fin_dfp_queue_head(&x.f, DFP_EFI, 9), 0);
	assert_int_equal(forced(&x), XLOG_LSN(1, 103));
	assert_false(x.f.refused);
	assert_int_equal(done_forced(&x, 30, 2), XLOG_LSN(1, 106));
	assert_int_equal(x.f.ndfp, 1);
	xlog_fin_dfp_done(&x.f);
	assert_int_equal(x.f.ndfp, 0);
	xfin_close(&x);
}

/*
 * A force while a CUI's refcount update runs (its done item the running transaction's)
 * writes it alone with the EFI behind it: five blocks' first chunks, 40 + 5 (36 + 12 + 128) +
 * 12 = 932 bytes, with a CUI of 12 + 16 + 16 (xfs_cui_log_format, one xfs_phys_extent) and
 * the EFI's 44: 1020, two sectors: (1, 103) (a CUI sized as an RUI, 60, would make 1036:
 * (1, 104)). Its CUD (12 + 16: xfs_cud_log_format, no extents) goes to the next checkpoint
 * with a block's three chunks: 472 + 28 + 12 = 512, one sector from (1, 103): (1, 105) (a
 * done item listing its extent, 44, would make 528: (1, 106)).
 */
static void cui_alone(void **state)
{
	(void)state;
	struct xfin x;

	open_sized(&x);
	for (uint32_t b = 20; b < 25; b++)
		log_chunks(&x, b, 1);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_CUI, 1), 0);
	assert_int_equal(xlog_fin_dfp_queue(&x.f, DFP_EFI, 1), 0);
	assert_int_equal(forced(&x), XLOG_LSN(1, 103));
	assert_int_equal(done_forced(&x, 30, 3), XLOG_LSN(1, 105));
	xfin_close(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intent_alone),
		cmocka_unit_test(intents_whited_out),
		cmocka_unit_test(running_tx_intents),
		cmocka_unit_test(too_many_refused),
		cmocka_unit_test(btree_truncate_forced),
		cmocka_unit_test(running_tx_unseen),
		cmocka_unit_test(cow_chain),
		cmocka_unit_test(cui_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
