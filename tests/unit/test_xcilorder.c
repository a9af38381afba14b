/*
 * Where a checkpoint of the mount's finish ends when its regions cross an
 * iclog (libfsimg/xlog/cil.c, xlog_fin_cp_layout), against Linux 6.1's
 * xlog_write: an item whose regions all fit is copied whole; else region by
 * region, a region with an op header's room or less left (12 bytes) starting
 * afresh in the next iclog, one that does not fit continued there behind a
 * new 12-byte op header (xlog_write_partial). Items go in the order of their
 * last commit (xlog_cil_push_work's sort by order id); the items one commit
 * added first are in the transaction's order, which is not modelled: when
 * their orders end in different places, the finish refuses (alike items, of
 * the same regions, are tried as one kind).
 *
 * The items here are done items (one region each), committed one transaction
 * each unless said; 32 KiB iclogs hold 32256 data bytes after their header
 * sector; the checkpoint's own start and transaction header ops take 40.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xfin_fixture.h"
#include "xlog/format.h"

#define IC 32256u
#define START 40u

static struct xfin *order_new(struct xlog_cp_geom *g)
{
	struct xfin *x = xfin_new(64, 4096, 6, false);

	xfin_sized_log(x);
	assert_true(xlog_cp_geom(&x->log, g));
	assert_int_equal(g->ic, IC);
	x->f.cp_lsn = XLOG_LSN(1, 0);
	return x;
}

/* done items of these sizes logged by one transaction, which commits */
static void commit(struct xfin *x, const uint32_t *sizes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		xlog_fin_tx_done(&x->f, sizes[i]);
	xlog_fin_tx(&x->f);
}

/* The first iclog holds 32256 bytes: the 1000-byte item at 32040 has 216 left, written there,
 * its other 784 behind a new op header in the next iclog; with the last item that leaves 1024
 * bytes there, and the commit op's 12 make a third sector: 64 + 1 + 3 blocks. Without the
 * continuation's op header (the content alone) it would end a block earlier. */
static void continued(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = 32000, b = 1000, c = 228;
	uint64_t end = 0, content = START + a + b + c;

	(void)state;
	commit(x, &a, 1);
	commit(x, &b, 1);
	commit(x, &c, 1);
	assert_int_equal(xlog_cp_end(&x->log, &g, XLOG_LSN(1, 0), content, 0), XLOG_LSN(1, 67));
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, content, &end), 0);
	assert_int_equal(end, XLOG_LSN(1, 68));
	xfin_free(x);
}

/* 8 bytes left in the first iclog when the 1000-byte item comes: no room for a region behind
 * an op header, so it starts afresh in the next iclog (the 8 bytes unused, no continuation):
 * 1012 bytes there, 1024 with the commit op, two sectors, where a continuation would make
 * three. */
static void afresh(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = 32208, b = 1000, c = 12;
	uint64_t end = 0, content = START + a + b + c;

	(void)state;
	commit(x, &a, 1);
	commit(x, &b, 1);
	commit(x, &c, 1);
	assert_int_equal(xlog_cp_end(&x->log, &g, XLOG_LSN(1, 0), content, 12), XLOG_LSN(1, 68));
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, content, &end), 0);
	assert_int_equal(end, XLOG_LSN(1, 67));
	xfin_free(x);
}

/* Two items one transaction logged, with 30 bytes left: the 20-byte one first leaves 10 and
 * the 1000-byte one starts afresh (1000 bytes in the next iclog); the other way the 1000-byte
 * one is continued (982) and the 20 follow (1002). With 12 more, and the commit op, two or
 * three sectors: refused, naming the transaction's order. */
static void class_order(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = IC - START - 30, two[2] = { 1000, 20 }, c = 12;
	uint64_t end = 0, content = START + a + two[0] + two[1] + c;

	(void)state;
	commit(x, &a, 1);
	commit(x, two, 2);
	commit(x, &c, 1);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, content, &end), 1);
	assert_true(x->f.refused);
	assert_non_null(strstr(x->why, "whose length depends on where its regions cross them: on where the items one "
				       "transaction added first"));
	xfin_free(x);
}

/* The same two items in two transactions: the order is known, the end too (the 1000-byte one
 * continued: 982 + 20 + 12 = 1014, with the commit op three sectors). */
static void commits_ordered(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = IC - START - 30, b = 1000, d = 20, c = 12;
	uint64_t end = 0, content = START + a + b + d + c;

	(void)state;
	commit(x, &a, 1);
	commit(x, &b, 1);
	commit(x, &d, 1);
	commit(x, &c, 1);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, content, &end), 0);
	assert_int_equal(end, XLOG_LSN(1, 68));
	xfin_free(x);
}

/* A relogged buffer goes where its last commit puts it: block 10 logged whole (its format,
 * 36 bytes, and a region of 4108) first, then a 32172-byte item, then block 10 again. After
 * the item, the buffer's format fits with 8 bytes left: its chunks start afresh in the next
 * iclog (4108 bytes, 4120 with the commit op: nine sectors). Where its first commit put it,
 * the item would cross instead, continued: 112 bytes there, one sector. */
static void relogged_last(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = IC - START - 36 - 8;
	uint64_t end = 0, content = START + a + 36 + 4108;
	struct blk *b;

	(void)state;
	assert_int_equal(xlog_fin_get(&x->f, 10 * 8, 8, K_BTREE, &b), 0);
	b->dirty = true;
	xlog_fin_log_range(&x->f, b, 0, 4095);
	xlog_fin_tx(&x->f);
	commit(x, &a, 1);
	xlog_fin_log_range(&x->f, b, 0, 4095);
	xlog_fin_tx(&x->f);
	assert_int_equal(b->c_first, 1);
	assert_int_equal(b->c_last, 3);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, content, &end), 0);
	assert_int_equal(end, XLOG_LSN(1, 64 + 1 + 9));
	xfin_free(x);
}

/* Nine alike items one transaction added first, across an iclog: every order of them is one
 * (alike items are tried as a kind): the 450 bytes left hold four and half the fifth, whose
 * other 50 go behind a new op header: 62 + 400 bytes in the next iclog, and the commit op's
 * 12 one sector: 64 + 1 + 1 blocks. The same nine inside one iclog: not refused either. */
static void class_alike(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t nine[9] = { 100, 100, 100, 100, 100, 100, 100, 100, 100 }, a = IC - START - 450;
	uint64_t end = 0;

	(void)state;
	commit(x, nine, 9);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, START + 900, &end), 0);
	xfin_free(x);
	x = order_new(&g);
	commit(x, &a, 1);
	commit(x, nine, 9);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, START + 900 + a, &end), 0);
	assert_int_equal(end, XLOG_LSN(1, 64 + 1 + 1));
	xfin_free(x);
}

/* Thirteen items one transaction added first, no two alike, across an iclog: 2^13 mixes of
 * them, more than are tried (4096): refused. Twelve are tried (4096 mixes) and, each 100
 * bytes or more from the 450 left, end in one place. */
static void class_too_big(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t many[13], a = IC - START - 450;
	uint64_t end = 0, sum = 0;

	(void)state;
	for (uint32_t i = 0; i < 13; i++)
		sum += many[i] = 100 + 2 * i;
	commit(x, &a, 1);
	commit(x, many, 13);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, START + a + sum, &end), 1);
	assert_non_null(strstr(x->why, "on more orders of its items than are tried"));
	xfin_free(x);
	x = order_new(&g);
	commit(x, &a, 1);
	commit(x, many, 12);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, START + a + sum - many[12], &end), 0);
	xfin_free(x);
}

/* The items must add up to the checkpoint's bytes as cp_bytes counts them, else refused. */
static void must_add_up(void **state)
{
	struct xlog_cp_geom g;
	struct xfin *x = order_new(&g);
	uint32_t a = 40000;
	uint64_t end = 0;

	(void)state;
	commit(x, &a, 1);
	assert_int_equal(xlog_fin_cp_layout(&x->f, &g, START + a + 4, &end), 1);
	assert_non_null(strstr(x->why, "add up to 40040"));
	xfin_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(continued),     cmocka_unit_test(afresh),        cmocka_unit_test(class_order),
		cmocka_unit_test(commits_ordered), cmocka_unit_test(relogged_last), cmocka_unit_test(class_alike),
		cmocka_unit_test(class_too_big),
		cmocka_unit_test(must_add_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
