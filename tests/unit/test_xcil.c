/*
 * The CIL's space during the mount's finish (libfsimg/xlog/force.c,
 * xlog_fin_commit), against Linux 6.1's xlog_cil_insert_items and
 * xlog_cil_push_background: each commit adds the bytes of what it logged
 * as the items' last formats hold them (a buffer relogged replaces its old
 * vector: its bytes count once), and once the context's space reaches
 * XLOG_CIL_SPACE_LIMIT (an eighth of the log) a background push is queued,
 * whose checkpoint boundary fsimg does not place: the commit that reaches
 * the limit goes through, the next one into the same checkpoint refuses the
 * finish naming the bytes and the limit, and a log force in between (a new
 * context) clears it.
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

#define NBLOCKS 200u
#define BS 4096u
/* a 4 KiB buffer logged whole in the CIL: its op header, format (20 bytes and a one-word
 * dirty map) and one region of 32 chunks behind its op header (xfs_buf_item_format) */
#define WHOLE (12u + 20u + 4u + 12u + BS)
/* a log of 1036 basic blocks: XLOG_CIL_SPACE_LIMIT 1036 * 512 >> 3 = 66304, 16 such buffers */
#define LOG_BBS 1036u
#define LIMIT 66304u

static struct xfin *cil_new(void)
{
	struct xfin *x = xfin_new(NBLOCKS, BS, 8, false);

	x->fs.sb.inodesize = 256;
	xfin_sized_log(x);
	x->log.geom.bbs = LOG_BBS;
	return x;
}

/* Block agbno logged whole by the running transaction, which then commits. */
static void log_whole(struct xfin *x, uint32_t agbno)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&x->f, (uint64_t)agbno * (BS / 512), BS / 512, K_BTREE, &b), 0);
	b->b[0] ^= 1;
	b->dirty = true;
	xlog_fin_log_range(&x->f, b, 0, BS - 1);
	xlog_fin_tx(&x->f);
}

/* 16 buffers reach the limit exactly: that commit queues the push and goes through; the
 * 17th commit lands in a context whose push the kernel's scheduling places: refused. */
static void push_at_limit(void **state)
{
	struct xfin *x = cil_new();

	(void)state;
	assert_int_equal(16 * WHOLE, LIMIT);
	for (uint32_t k = 0; k < 15; k++)
		log_whole(x, 10 + k);
	assert_false(x->f.cil_over);
	log_whole(x, 25);
	assert_true(x->f.cil_over);
	assert_int_equal(x->f.cil_bytes, LIMIT);
	assert_false(x->f.refused);
	log_whole(x, 26);
	assert_true(x->f.refused);
	assert_non_null(strstr(x->why, "the CIL's 66304 bytes reached XLOG_CIL_SPACE_LIMIT (66304: the log's 530432 "
				       "bytes >> 3) before this transaction's commit"));
	xfin_free(x);
}

/* One buffer relogged by every commit: the CIL holds its last format once, never near the
 * limit however many commits log it. */
static void relog_counts_once(void **state)
{
	struct xfin *x = cil_new();

	(void)state;
	for (uint32_t k = 0; k < 100; k++)
		log_whole(x, 10);
	assert_false(x->f.cil_over);
	assert_false(x->f.refused);
	xfin_free(x);
}

/* A log force after the crossing commit writes that context: the next commits start a new
 * one, counted from nothing. */
static void force_clears(void **state)
{
	struct xfin *x = cil_new();
	uint64_t next;

	(void)state;
	for (uint32_t k = 0; k < 16; k++)
		log_whole(x, 10 + k);
	assert_true(x->f.cil_over);
	assert_int_equal(xlog_fin_cp_close(&x->f, &next), 0);
	xlog_fin_unpin(&x->f);
	assert_false(x->f.cil_over);
	for (uint32_t k = 0; k < 15; k++)
		log_whole(x, 40 + k);
	assert_false(x->f.cil_over);
	assert_false(x->f.refused);
	xfin_free(x);
}

/* A log twice as long: 20 buffers stay under its limit. */
static void larger_log(void **state)
{
	struct xfin *x = cil_new();

	(void)state;
	x->log.geom.bbs = 2 * LOG_BBS;
	for (uint32_t k = 0; k < 20; k++)
		log_whole(x, 10 + k);
	assert_false(x->f.cil_over);
	assert_false(x->f.refused);
	xfin_free(x);
}

/* An inode cluster buffer (8 KiB: two 4 KiB blocks) logged for di_next_unlinked
 * (xfs_iunlink_log_dinode) keeps its dirty map until it is written back, which the finish
 * never does: a checkpoint that logs one chunk of it formats every chunk dirtied since,
 * in the other block too (kernel rows g6x-1k-holdmixmany, g6x-2k-ag2-holdmixmany: the
 * cluster's map grew from chunk 4 to 4, 8, 12 and 4-28 over forced checkpoints; sized by
 * this checkpoint's chunks alone, the forced checkpoint came out 3 basic blocks short). */
static void ibuf_map_kept(void **state)
{
	struct xfin *x = xfin_new(NBLOCKS, BS, 8, true);
	struct blk *a, *b;
	uint64_t start, next;

	(void)state;
	x->fs.sb.inodesize = 512;
	xfin_sized_log(x);
	assert_int_equal(xlog_fin_get(&x->f, 40 * (BS / 512), BS / 512, K_INODES, &a), 0);
	assert_int_equal(xlog_fin_get(&x->f, 41 * (BS / 512), BS / 512, K_INODES, &b), 0);
	/* four inodes' di_next_unlinked in the first block, four separate chunks */
	for (uint32_t k = 0; k < 4; k++) {
		a->b[k * 512 + 96] ^= 1;
		xlog_fin_log_range(&x->f, a, k * 512 + 96, k * 512 + 99);
	}
	a->dirty = true;
	xlog_fin_tx(&x->f);
	assert_int_equal(xlog_fin_force(&x->f, "an AGFL block"), 0);
	/* then one in the second block of the same cluster */
	b->b[96] ^= 1;
	b->dirty = true;
	xlog_fin_log_range(&x->f, b, 96, 99);
	xlog_fin_tx(&x->f);
	start = x->f.cp_lsn;
	assert_int_equal(xlog_fin_cp_close(&x->f, &next), 0);
	assert_false(x->f.refused);
	/* start and transaction header ops (40), the cluster's format (12 + 20 + a two-word
	 * map), its five runs of one chunk (5 x 140), the commit op (12): 792 bytes, two basic
	 * blocks behind the record header (one chunk alone would fit in one) */
	assert_int_equal(XLOG_LSN_BLOCK(next) - XLOG_LSN_BLOCK(start), 1 + 2);
	xfin_free(x);
}

/* More blocks held than the old table's 1024, each got, changed and logged by its own pending
 * entry's transaction: every commit looks at the running entry's blocks only (f->nwatch:
 * the others keep what the last commit saw until got again), and a block of an earlier entry
 * got again is looked at again, its change in the next checkpoint. Past FIN_BLKS, refused. */
static void many_blocks(void **state)
{
	enum { N = 3000, SBS = 512 };
	struct xfin *x = xfin_new(FIN_BLKS + 8, SBS, 17, false);
	struct blk *b;
	uint64_t next;

	(void)state;
	xfin_sized_log(x); /* (v4: the checkpoint's iclog crossings are not asked about) */
	for (uint32_t i = 0; i < N; i++) {
		x->f.unit++;
		assert_int_equal(xlog_fin_get(&x->f, 8 + i, 1, K_BTREE, &b), 0);
		b->b[0] ^= 1;
		b->dirty = true;
		xlog_fin_log_range(&x->f, b, 0, 0);
		xlog_fin_tx(&x->f);
		assert_true(x->f.nwatch <= 2);
		assert_int_equal(b->cp, FIN_CP_RUNNING);
	}
	assert_int_equal(x->f.nblk, N);
	assert_false(x->f.refused);
	assert_int_equal(xlog_fin_cp_close(&x->f, &next), 0);
	assert_int_equal(x->f.blk[0].cp, FIN_CP_WRITTEN);
	/* the first block again, from a new entry: logged by the next checkpoint */
	x->f.unit++;
	assert_int_equal(xlog_fin_get(&x->f, 8, 1, K_BTREE, &b), 0);
	assert_ptr_equal(b, &x->f.blk[0]);
	xlog_fin_log_range(&x->f, b, 0, 0);
	xlog_fin_tx(&x->f);
	assert_int_equal(b->cp, FIN_CP_RUNNING);
	assert_int_equal(x->f.blk[1].cp, FIN_CP_WRITTEN);
	/* up to FIN_BLKS held, then refused naming the bound */
	for (uint32_t i = N; i < FIN_BLKS; i++)
		assert_int_equal(xlog_fin_get(&x->f, 8 + i, 1, K_BTREE, &b), 0);
	assert_int_equal(xlog_fin_get(&x->f, 8 + FIN_BLKS, 1, K_BTREE, &b), 1);
	assert_non_null(strstr(x->why, "more than 65536 blocks to change"));
	xfin_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push_at_limit),
		cmocka_unit_test(relog_counts_once),
		cmocka_unit_test(force_clears),
		cmocka_unit_test(larger_log),
		cmocka_unit_test(ibuf_map_kept),
		cmocka_unit_test(many_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
