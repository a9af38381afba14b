/*
 * The busy extents' rbtree (libfsimg/xlog/busy.c) against shapes worked by
 * hand from Linux 6.1's lib/rbtree.c: rb_insert_color (__rb_insert's three
 * cases, both mirrored halves), rb_erase (__rb_erase_augmented: a leaf, one
 * child, the successor as right child and as the leftmost below it, then
 * ____rb_erase_color's four cases), and the orders the kernel erases in: a
 * metadata allocation's xfs_extent_busy_reuse at once, a checkpoint's
 * completion by AG and block (xlog_cil_committed: xfs_extent_busy_sort, then
 * xfs_extent_busy_clear), not in the list's or the inserts' order. A trim
 * (xfs_extent_busy_trim) after an erase walks the erased tree's shape, which
 * replaying the remaining inserts would not give.
 *
 * Shapes are written in preorder: a node's block, '*' when red, then its
 * children in parentheses, '-' for none ("20(10*,30*)").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xfin_fixture.h"

#define BS 1024u
#define NBLOCKS 8192u

static struct xfin *t_new(void)
{
	return xfin_new(NBLOCKS, BS, 13, false);
}

static const struct fin_busy *node(const struct fin *f, uint32_t k)
{
	return &f->busy[k - 1];
}

/* AG 0's root: its node in the tree without a parent */
static uint32_t root(const struct fin *f)
{
	uint32_t r = 0;

	for (uint32_t k = 1; k <= f->nbusy; k++)
		if (node(f, k)->ag == 0 && node(f, k)->len && !node(f, k)->rb_parent) {
			assert_int_equal(r, 0); /* one root */
			r = k;
		}
	return r;
}

static void shape_of(const struct fin *f, uint32_t k, char *s, size_t n)
{
	const struct fin_busy *b = node(f, k);
	size_t at;

	snprintf(s, n, "%u%s", b->bno, b->rb_red ? "*" : "");
	if (!b->rb_child[0] && !b->rb_child[1])
		return;
	for (int i = 0; i < 2; i++) {
		at = strlen(s);
		snprintf(s + at, n - at, "%s", i ? "," : "(");
		at = strlen(s);
		if (b->rb_child[i])
			shape_of(f, b->rb_child[i], s + at, n - at);
		else
			snprintf(s + at, n - at, "-");
	}
	at = strlen(s);
	snprintf(s + at, n - at, ")");
}

/* The red-black rules and the links checked over the subtree of k (order between lo and
 * hi): its black height. */
static uint32_t nnodes; /* the nodes check_rb met */

static int check_rb(const struct fin *f, uint32_t k, uint32_t parent, uint32_t lo, uint32_t hi)
{
	const struct fin_busy *b;
	int l, r;

	if (!k)
		return 1;
	nnodes++;
	b = node(f, k);
	assert_int_equal(b->rb_parent, parent);
	assert_true(b->len > 0);
	assert_true(b->bno >= lo && b->bno < hi);
	if (b->rb_red) {
		assert_true(parent != 0);
		assert_false(b->rb_child[0] && node(f, b->rb_child[0])->rb_red);
		assert_false(b->rb_child[1] && node(f, b->rb_child[1])->rb_red);
	}
	l = check_rb(f, b->rb_child[0], k, lo, b->bno);
	r = check_rb(f, b->rb_child[1], k, b->bno + 1, hi);
	assert_int_equal(l, r);
	return l + !b->rb_red;
}

static void expect_shape(const struct fin *f, const char *want)
{
	char s[512] = "-";
	uint32_t r = root(f);

	if (r) {
		check_rb(f, r, 0, 0, UINT32_MAX);
		shape_of(f, r, s, sizeof s);
	}
	assert_string_equal(s, want);
}

/* blocks b[0..n) freed, each len long, in transaction tx */
static void insert(struct xfin *x, const uint32_t *b, uint32_t n, uint32_t len, uint32_t tx)
{
	x->f.tx = tx;
	for (uint32_t i = 0; i < n; i++)
		xlog_fin_busy_insert(&x->f, 0, b[i], len);
}

/* the block reused as metadata in the running transaction: the busy extent it covers
 * erased (xfs_extent_busy_update_extent) */
static void reuse(struct xfin *x, uint32_t bno)
{
	assert_int_equal(xlog_fin_busy_reuse(&x->f, 0, bno, true), 0);
	assert_false(x->f.refused);
}

/* __rb_insert: ascending inserts rotate left (a red parent on the right, the uncle black),
 * flip colours (a red uncle) and take case 2 (an inner child: 20 under 80 in 10, 80, 20);
 * descending ones give the mirror image. */
static void test_insert_shapes(void **state)
{
	const uint32_t asc[] = { 10, 20, 30, 40, 50, 60, 70 }, desc[] = { 70, 60, 50, 40, 30, 20, 10 };
	const uint32_t inner[] = { 10, 80, 20, 40, 70 };
	struct xfin *x;

	(void)state;
	x = t_new();
	insert(x, asc, 3, 5, 0);
	expect_shape(&x->f, "20(10*,30*)");
	insert(x, asc + 3, 4, 5, 0);
	expect_shape(&x->f, "20(10,40*(30,60(50*,70*)))");
	xfin_free(x);

	x = t_new();
	insert(x, desc, 7, 5, 0);
	expect_shape(&x->f, "60(40*(20(10*,30*),50),70)");
	xfin_free(x);

	x = t_new();
	insert(x, inner, 3, 5, 0);
	expect_shape(&x->f, "20(10*,80*)");
	insert(x, inner + 3, 2, 5, 0);
	expect_shape(&x->f, "20(10,70(40*,80*))");
	xfin_free(x);
}

/* rb_erase, each erase a reuse of a one-block busy extent. From 10..70 ascending: the root
 * 20 (its successor 30 the leftmost under 40, then ____rb_erase_color's case 4 at 40);
 * 10 (a black leaf: case 1, a red sibling rotated up, then case 2 under a red parent);
 * 70 (a red leaf), 60 (its one child 50 takes its place), 30 (case 2), 10 (case 4). Case
 * 3 on either side: 10 out of 20(10,30(25*,-)) and 30 out of 20(10(-,15*),30); the
 * successor as the right child: 20 out of 20(10*,30*). */
static void test_erase_shapes(void **state)
{
	const uint32_t asc[] = { 10, 20, 30, 40, 50, 60, 70 };
	const uint32_t r3[] = { 20, 10, 30, 25 }, l3[] = { 20, 10, 30, 15 };
	struct xfin *x;

	(void)state;
	x = t_new();
	insert(x, asc, 7, 1, 0);
	reuse(x, 20);
	expect_shape(&x->f, "30(10,60*(40(-,50*),70))");
	xfin_free(x);

	x = t_new();
	insert(x, asc, 7, 1, 0);
	reuse(x, 10);
	expect_shape(&x->f, "40(20(-,30*),60(50*,70*))");
	xfin_free(x);

	x = t_new();
	insert(x, asc, 7, 1, 0);
	reuse(x, 70);
	expect_shape(&x->f, "20(10,40*(30,60(50*,-)))");
	reuse(x, 60);
	expect_shape(&x->f, "20(10,40*(30,50))");
	reuse(x, 30);
	expect_shape(&x->f, "20(10,40(-,50*))");
	reuse(x, 10);
	expect_shape(&x->f, "40(20,50)");
	reuse(x, 40);
	reuse(x, 20);
	reuse(x, 50);
	expect_shape(&x->f, "-");
	assert_int_equal(x->f.nbusy, 7); /* still on the transaction's list, length 0 */
	xfin_free(x);

	x = t_new();
	insert(x, r3, 4, 1, 0);
	expect_shape(&x->f, "20(10,30(25*,-))");
	reuse(x, 10);
	expect_shape(&x->f, "25(20,30)");
	xfin_free(x);

	x = t_new();
	insert(x, l3, 4, 1, 0);
	expect_shape(&x->f, "20(10(-,15*),30)");
	reuse(x, 30);
	expect_shape(&x->f, "15(10,20)");
	xfin_free(x);

	x = t_new();
	insert(x, asc, 3, 1, 0);
	reuse(x, 20);
	expect_shape(&x->f, "30(10*,-)");
	xfin_free(x);
}

/* A checkpoint's busy extents leave the tree by AG and block (xfs_extent_busy_sort): 10,
 * 80, 20 freed in transaction 0 and 40, 70 in the running one over 20(10,70(40*,80*));
 * erased 10, 20, 80 they leave 70(40*,-), where the list's order (80, 20, 10: list_add
 * puts each first) or the inserts' would leave 40(-,70*). The running transaction's stay,
 * renumbered. */
static void test_clear_sorted(void **state)
{
	const uint32_t b[] = { 10, 80, 20, 40, 70 };
	struct xfin *x;

	(void)state;
	x = t_new();
	insert(x, b, 3, 5, 0);
	insert(x, b + 3, 2, 5, 1);
	expect_shape(&x->f, "20(10,70(40*,80*))");
	assert_int_equal(xlog_fin_busy_clear(&x->f), 0);
	expect_shape(&x->f, "70(40*,-)");
	assert_int_equal(x->f.nbusy, 2);
	assert_int_equal(x->f.busy[0].bno, 40);
	/* the tree goes on from there: 50 under 40 (case 2 at 40, then 3 at 70) */
	xlog_fin_busy_insert(&x->f, 0, 50, 5);
	expect_shape(&x->f, "50(40*,70*)");
	xfin_free(x);
}

/* A block freed in a committed transaction taken back onto a btree (v4): the reuse erases
 * its busy extent first, then the buffer's lock forces the log, whose checkpoint clears the
 * rest. 20, 10, 60 freed in transaction 0, 40, 80 in the running one: 60 out of
 * 20(10,60(40*,80*)) (its successor 80 the right child), then 10 (case 3 and 4) and 20
 * (case 2) leave 40(-,80*); clearing 60 with the others, in block order, would leave
 * 80(40*,-). */
static void test_reuse_then_force(void **state)
{
	const uint32_t b[] = { 20, 10, 60, 40, 80 };
	struct xfin *x;

	(void)state;
	x = t_new();
	insert(x, b, 3, 1, 0);
	insert(x, b + 3, 2, 1, 1);
	expect_shape(&x->f, "20(10,60(40*,80*))");
	assert_int_equal(xlog_fin_busy_reuse(&x->f, 0, 60, true), 0);
	assert_false(x->f.refused);
	assert_int_equal(x->f.nforce, 1);
	assert_int_equal(x->f.nbusy, 2);
	expect_shape(&x->f, "40(-,80*)");
	xfin_free(x);
}

/* xfs_extent_busy_update_extent for a block at a busy extent's edge: the extent shortened
 * (no erase: the tree's shape stays); inside it, in the running transaction: refused (the
 * kernel's force cannot clear it and it would force again and again). */
static void test_reuse_edges(void **state)
{
	struct xfin *x;

	(void)state;
	x = t_new();
	xlog_fin_busy_insert(&x->f, 0, 100, 5);
	reuse(x, 100);
	assert_int_equal(x->f.busy[0].bno, 101);
	assert_int_equal(x->f.busy[0].len, 4);
	reuse(x, 104);
	assert_int_equal(x->f.busy[0].bno, 101);
	assert_int_equal(x->f.busy[0].len, 3);
	assert_int_equal(xlog_fin_busy_reuse(&x->f, 0, 102, true), 1);
	assert_non_null(strstr(x->why, "again and again"));
	xfin_free(x);
}

/* The trim after an erase walks the erased tree: busy 10+5 .. 70+5, 20 taken back (its
 * extent one block), the free extent 38+25, minlen 1, maxlen 3. The tree
 * 30(10,60*(40(-,50*),70)): 60 cuts the end (38+22), 40 lies in the middle with 2 blocks
 * left of it (under maxlen) and 15 right (at least 4 * maxlen): 45+15, then 50 in its
 * middle leaves the left part 45+5. Replaying the inserts of what is left would build
 * 30(10,50*(40,60(-,70*))): 50 first (38+12), then 40 leaves 38+2. */
static void test_trim_after_erase(void **state)
{
	const uint32_t b[] = { 10, 30, 40, 50, 60, 70 };
	struct xfin *x;
	uint32_t bno = 38, len = 25;
	bool busy;

	(void)state;
	x = t_new();
	xlog_fin_busy_insert(&x->f, 0, 10, 5);
	xlog_fin_busy_insert(&x->f, 0, 20, 1);
	insert(x, b + 1, 5, 5, 0);
	reuse(x, 20);
	expect_shape(&x->f, "30(10,60*(40(-,50*),70))");
	assert_int_equal(xlog_fin_busy_trim(&x->f, 0, 1, 3, &bno, &len, &busy), 0);
	assert_true(busy);
	assert_int_equal(bno, 45);
	assert_int_equal(len, 5);
	xfin_free(x);

	/* the shape that replay would give, and its answer */
	x = t_new();
	insert(x, b, 6, 5, 0);
	expect_shape(&x->f, "30(10,50*(40,60(-,70*)))");
	bno = 38;
	len = 25;
	assert_int_equal(xlog_fin_busy_trim(&x->f, 0, 1, 3, &bno, &len, &busy), 0);
	assert_int_equal(bno, 38);
	assert_int_equal(len, 2);
	xfin_free(x);
}

/* Two AGs keep two trees; a second free at a busy extent's block is refused (the kernel's
 * insert would spin on the equal key). */
static void test_two_ags_and_twice(void **state)
{
	struct xfin *x;
	uint32_t bno = 0, len = 100;
	bool busy;

	(void)state;
	x = t_new();
	xlog_fin_busy_insert(&x->f, 1, 10, 5);
	xlog_fin_busy_insert(&x->f, 0, 50, 5);
	xlog_fin_busy_insert(&x->f, 1, 20, 5);
	xlog_fin_busy_insert(&x->f, 0, 60, 5);
	expect_shape(&x->f, "50(-,60*)");
	/* AG 0's trim does not see AG 1's 10+5 */
	bno = 0;
	len = 40;
	assert_int_equal(xlog_fin_busy_trim(&x->f, 0, 1, 1, &bno, &len, &busy), 0);
	assert_false(busy);
	bno = 0;
	len = 40;
	assert_int_equal(xlog_fin_busy_trim(&x->f, 1, 1, 1, &bno, &len, &busy), 0);
	assert_true(busy);
	assert_int_equal(len, 10); /* 0+10, left of 10+5 */
	xlog_fin_busy_insert(&x->f, 0, 50, 2);
	assert_int_equal(xlog_fin_busy_trim(&x->f, 0, 1, 1, &bno, &len, &busy), 1);
	assert_non_null(strstr(x->why, "start at one block"));
	xfin_free(x);
}

/* Many inserts and erases in mixed order (a fixed pseudo-random sequence): the rules and
 * links hold after each, and the tree holds exactly the extents not erased. */
static void test_random_sequence(void **state)
{
	struct xfin *x;
	static bool live[4096];
	uint32_t seed = 12345, nlive = 0;

	(void)state;
	memset(live, 0, sizeof live);
	x = t_new();
	for (int step = 0; step < 6000; step++) {
		uint32_t b;
		seed = seed * 1103515245u + 12345u;
		b = (seed >> 8) % 4096;
		if (!live[b]) {
			xlog_fin_busy_insert(&x->f, 0, 2 * b, 1);
			live[b] = true;
			nlive++;
		} else {
			reuse(x, 2 * b);
			live[b] = false;
			nlive--;
		}
		if (step % 97 == 0) {
			uint32_t r = root(&x->f);
			nnodes = 0;
			if (r)
				check_rb(&x->f, r, 0, 0, UINT32_MAX);
			assert_int_equal(nnodes, nlive);
		}
	}
	xfin_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_shapes),     cmocka_unit_test(test_erase_shapes),
		cmocka_unit_test(test_clear_sorted),      cmocka_unit_test(test_reuse_then_force),
		cmocka_unit_test(test_reuse_edges),       cmocka_unit_test(test_trim_after_erase),
		cmocka_unit_test(test_two_ags_and_twice), cmocka_unit_test(test_random_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
