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

/* A v5 force whose checkpoint holds an inode cluster buffer logged for a freed inode's
 * di_next_unlinked (an unlinked chain longer than one) is refused, naming it: kernel rows
 * g6x-1k-holdmixmany and g6x-2k-ag2-holdmixmany differed by 3 basic blocks in such a forced
 * checkpoint. v4 stamps no LSN: the same force goes through. */
static void force_with_ibuf(void **state)
{
	(void)state;
	for (int v5 = 0; v5 < 2; v5++) {
		struct xfin *x = xfin_new(NBLOCKS, BS, 8, v5);
		struct blk *b;

		x->fs.sb.inodesize = 512;
		xfin_sized_log(x);
		x->log.geom.bbs = LOG_BBS;
		assert_int_equal(xlog_fin_get(&x->f, 40 * (BS / 512), BS / 512, K_INODES, &b), 0);
		b->b[512 + 96] ^= 1;
		b->dirty = true;
		xlog_fin_log_range(&x->f, b, 512 + 96, 512 + 99);
		xlog_fin_tx(&x->f);
		assert_false(x->f.refused);
		assert_int_equal(xlog_fin_force(&x->f, "an AGFL block"), v5);
		assert_int_equal(x->f.refused, v5);
		if (v5)
			assert_non_null(strstr(x->why, "an AGFL block forces the log (v5: the forced checkpoint's length, with a "
						       "freed inode's di_next_unlinked logged in its cluster buffer, is not modelled)"));
		xfin_free(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push_at_limit),
		cmocka_unit_test(relog_counts_once),
		cmocka_unit_test(force_clears),
		cmocka_unit_test(larger_log),
		cmocka_unit_test(force_with_ibuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
