/*
 * The generic AG btree editor (libfsimg/xlog/agbt.c) on synthetic blocks,
 * no mkfs: thousands of random inserts and deletes through lookup, insert
 * (shifts, splits, new roots) and delete (borrows, joins, root kills), and
 * after every step the whole tree walked and checked against a sorted
 * array (the oracle): the records in order, every node key the low key of
 * its child (and, in the overlapping tree, the high key the largest of the
 * child's), the levels, counts within the block, sibling chains, and the
 * blocks owned: exactly those the allocator handed out and not taken back.
 * v4 512-byte blocks (deep trees) and v5 1 KiB blocks (CRC headers), a
 * plain tree (bnobt-like) and an overlapping one (rmapbt-like intervals).
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
#include "xlog/agbt.h"

#define NBLOCKS 1000u
#define FIRST 8u /* blocks below are the AG headers' */
#define MAXN 6000u

struct t {
	struct xfin x;
	uint32_t root, levels;
	uint32_t freel[NBLOCKS], nfree; /* the allocator: a stack of free blocks */
	bool used[NBLOCKS];
	uint32_t recs[MAXN][2];         /* the oracle: (start, len) sorted by start */
	uint32_t n;
	uint32_t bs;
};

/* record: start, len (8 bytes); low key start; high key start + len - 1 (overlapping) */
static void k_rec(uint8_t *key, const uint8_t *rec) { memcpy(key, rec, 4); }
static void k_high(uint8_t *key, const uint8_t *rec) { put_be32(key, get_be32(rec) + get_be32(rec + 4) - 1); }
static int k_cmp(const uint8_t *a, const uint8_t *b)
{
	return get_be32(a) < get_be32(b) ? -1 : get_be32(a) > get_be32(b);
}

static int t_alloc(struct agbt_cur *c, uint32_t *agbno)
{
	struct t *t = c->priv;

	*agbno = t->nfree ? t->freel[--t->nfree] : AGBT_NULL;
	if (*agbno != AGBT_NULL) {
		assert_false(t->used[*agbno]);
		t->used[*agbno] = true;
	}
	return 0;
}

static int t_freeb(struct agbt_cur *c, uint32_t agbno)
{
	struct t *t = c->priv;

	assert_true(agbno < NBLOCKS && t->used[agbno]);
	t->used[agbno] = false;
	t->freel[t->nfree++] = agbno;
	return 0;
}

static void t_root(struct agbt_cur *c, uint32_t root, int inc)
{
	struct t *t = c->priv;

	t->root = root;
	t->levels += (uint32_t)inc;
}

static const struct agbt_ops plain_ops = { "testbt", 0x54455354u, 8, 4, false, k_rec, NULL, k_cmp,
					   t_alloc, t_freeb, t_root, NULL };
static const struct agbt_ops over_ops = { "testbt", 0x54455354u, 8, 4, true, k_rec, k_high, k_cmp,
					  t_alloc, t_freeb, t_root, NULL };

static struct t *t_new(uint32_t bs, bool v5)
{
	struct t *t = calloc(1, sizeof *t);

	assert_non_null(t);
	t->bs = bs;
	xfin_open(&t->x, NBLOCKS, bs, 0, v5);
	memset(t->x.fs.sb.uuid, 0xab, 16);
	/* the root: an empty leaf at FIRST */
	uint8_t *b = t->x.img + (size_t)FIRST * bs;
	put_be32(b, 0x54455354u);
	put_be32(b + 8, AGBT_NULL);
	put_be32(b + 12, AGBT_NULL);
	if (v5) {
		put_be64(b + 16, (uint64_t)FIRST * (bs / 512));
		memset(b + 32, 0xab, 16);
	}
	t->root = FIRST;
	t->levels = 1;
	t->used[FIRST] = true;
	for (uint32_t i = NBLOCKS; i-- > FIRST + 1;)
		t->freel[t->nfree++] = i;
	return t;
}

static void t_free(struct t *t)
{
	xfin_close(&t->x);
	free(t);
}

/* Block agbno as the editor leaves it. */
static uint8_t *blk(struct t *t, uint32_t agbno)
{
	struct blk *b;

	assert_true(agbno >= FIRST && agbno < NBLOCKS);
	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (t->bs / 512), t->bs / 512, K_BTREE, &b), 0);
	return b->b;
}

struct walk {
	struct t *t;
	const struct agbt_ops *ops;
	uint32_t hdr, lmax, nmax, nrec, nblocks;
	uint32_t prev[AGBT_MAXLEVELS]; /* the last block met per level: the sibling chains */
	bool seen[NBLOCKS];
};

/* Walks the subtree at agbno (level): returns its low and high key. */
static void walk(struct walk *w, uint32_t agbno, uint32_t level, uint32_t *lo, uint32_t *hi)
{
	struct t *t = w->t;
	uint8_t *b = blk(t, agbno);
	uint32_t n = get_be16(b + 6), kl = w->ops->overlapping ? 8 : 4;

	assert_false(w->seen[agbno]);
	w->seen[agbno] = true;
	w->nblocks++;
	assert_true(t->used[agbno]);
	assert_int_equal(get_be32(b), 0x54455354u);
	assert_int_equal(get_be16(b + 4), level);
	assert_int_equal(get_be32(b + 8), w->prev[level]);
	if (w->prev[level] != AGBT_NULL)
		assert_int_equal(get_be32(blk(t, w->prev[level]) + 12), agbno);
	w->prev[level] = agbno;
	if (t->x.fs.v5) {
		assert_int_equal(get_be64(b + 16), (uint64_t)agbno * (t->bs / 512));
		assert_int_equal(get_be32(b + 48), 0);
	}
	if (level == 0) {
		assert_true(n <= w->lmax);
		assert_true(n > 0 || t->n == 0);
		for (uint32_t i = 0; i < n; i++, w->nrec++) {
			const uint8_t *r = b + w->hdr + 8 * i;
			assert_true(w->nrec < t->n);
			assert_int_equal(get_be32(r), t->recs[w->nrec][0]);
			assert_int_equal(get_be32(r + 4), t->recs[w->nrec][1]);
			uint32_t h = get_be32(r) + get_be32(r + 4) - 1;
			if (i == 0 || h > *hi)
				*hi = h;
		}
		*lo = n ? get_be32(b + w->hdr) : 0;
		return;
	}
	assert_true(n >= 1 && n <= w->nmax);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *k = b + w->hdr + kl * i;
		uint32_t clo, chi;
		walk(w, get_be32(b + w->hdr + kl * w->nmax + 4 * i), level - 1, &clo, &chi);
		assert_int_equal(get_be32(k), clo);
		if (w->ops->overlapping)
			assert_int_equal(get_be32(k + 4), chi);
		if (i == 0 || chi > *hi)
			*hi = chi;
	}
	*lo = get_be32(b + w->hdr);
}

static void check(struct t *t, const struct agbt_ops *ops)
{
	struct walk *w = calloc(1, sizeof *w);
	uint32_t lo, hi, owned = 0;

	assert_non_null(w);
	assert_false(t->x.f.refused);
	w->t = t;
	w->ops = ops;
	w->hdr = t->x.fs.v5 ? 56 : 16;
	w->lmax = (t->bs - w->hdr) / 8;
	w->nmax = (t->bs - w->hdr) / ((ops->overlapping ? 8 : 4) + 4);
	for (uint32_t l = 0; l < AGBT_MAXLEVELS; l++)
		w->prev[l] = AGBT_NULL;
	walk(w, t->root, t->levels - 1, &lo, &hi);
	assert_int_equal(w->nrec, t->n);
	for (uint32_t l = 0; l < t->levels; l++)
		assert_int_equal(get_be32(blk(t, w->prev[l]) + 12), AGBT_NULL);
	for (uint32_t i = 0; i < NBLOCKS; i++)
		owned += t->used[i];
	assert_int_equal(owned, w->nblocks); /* every block handed out is in the tree */
	free(w);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* the oracle's index of start, or where it would go */
static uint32_t find(const struct t *t, uint32_t start, bool *eq)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t m = (lo + hi) / 2;
		if (t->recs[m][0] < start)
			lo = m + 1;
		else
			hi = m;
	}
	*eq = lo < t->n && t->recs[lo][0] == start;
	return lo;
}

static void step(struct t *t, const struct agbt_ops *ops, uint64_t *seed, bool ins)
{
	struct agbt_cur c;
	uint8_t r[8];
	uint32_t start, i;
	bool eq;
	int stat;

	if (ins) {
		do
			start = rnd(seed) % 1000000u;
		while ((void)find(t, start, &eq), eq);
		put_be32(r, start);
		put_be32(r + 4, 1 + rnd(seed) % 64);
	} else {
		i = rnd(seed) % t->n;
		put_be32(r, t->recs[i][0]);
		put_be32(r + 4, t->recs[i][1]);
	}
	assert_int_equal(agbt_init(&c, &t->x.f, ops, t, 0, t->root, t->levels), 0);
	assert_int_equal(agbt_lookup(&c, AGBT_LOOKUP_EQ, r, &stat), 0);
	assert_int_equal(stat, !ins);
	i = find(t, get_be32(r), &eq);
	if (ins) {
		assert_int_equal(agbt_insert(&c, r, &stat), 0);
		assert_int_equal(stat, 1);
		memmove(t->recs[i + 1], t->recs[i], sizeof t->recs[0] * (t->n - i));
		t->recs[i][0] = get_be32(r);
		t->recs[i][1] = get_be32(r + 4);
		t->n++;
	} else {
		assert_int_equal(agbt_delete(&c, &stat), 0);
		assert_int_equal(stat, 1);
		memmove(t->recs[i], t->recs[i + 1], sizeof t->recs[0] * (t->n - i - 1));
		t->n--;
	}
	check(t, ops);
}

static void run(uint32_t bs, bool v5, const struct agbt_ops *ops, uint64_t seed, uint32_t grow, uint32_t churn,
		uint32_t minlev)
{
	struct t *t = t_new(bs, v5);
	uint32_t maxlev = 1;

	for (uint32_t k = 0; k < grow; k++)
		step(t, ops, &seed, true);
	maxlev = t->levels;
	for (uint32_t k = 0; k < churn; k++)
		step(t, ops, &seed, t->n == 0 || (t->n < MAXN - 1 && rnd(&seed) % 2));
	while (t->n)
		step(t, ops, &seed, false);
	assert_true(maxlev >= minlev);
	assert_int_equal(t->levels, 1); /* the root killed down to one empty leaf */
	t_free(t);
}

static void test_plain_v4_deep(void **state)
{
	(void)state;
	run(512, false, &plain_ops, 0x1234567u, 5000, 1000, 3);
}

static void test_overlapping_v4_deep(void **state)
{
	(void)state;
	run(512, false, &over_ops, 0x7654321u, 3000, 3000, 3);
}

static void test_plain_v5(void **state)
{
	(void)state;
	run(1024, true, &plain_ops, 0x9e3779b9u, 5000, 2000, 2);
}

static void test_overlapping_v5(void **state)
{
	(void)state;
	run(1024, true, &over_ops, 0xdeadbeefu, 5000, 2000, 2);
}

/* Bad input: a root of the wrong level, a pointer out of the AG, no free block: refused, named. */
static void test_refusals(void **state)
{
	(void)state;
	struct t *t = t_new(512, false);
	struct agbt_cur c;
	uint8_t r[8];
	uint64_t seed = 7;
	int stat;

	assert_int_equal(agbt_init(&c, &t->x.f, &plain_ops, t, 0, t->root, 2), 0);
	put_be32(r, 5);
	put_be32(r + 4, 1);
	assert_int_equal(agbt_lookup(&c, AGBT_LOOKUP_EQ, r, &stat), 1);
	assert_non_null(strstr(t->x.why, "is not what its parent says"));
	t_free(t);

	t = t_new(512, false);
	assert_int_equal(agbt_init(&c, &t->x.f, &plain_ops, t, 0, NBLOCKS + 5, 1), 1);
	t_free(t);

	t = t_new(512, false);
	t->nfree = 0; /* nothing to split into */
	for (uint32_t k = 0; k < (512 - 16) / 8; k++)
		step(t, &plain_ops, &seed, true);
	assert_int_equal(agbt_init(&c, &t->x.f, &plain_ops, t, 0, t->root, t->levels), 0);
	put_be32(r, 1000001);
	assert_int_equal(agbt_lookup(&c, AGBT_LOOKUP_EQ, r, &stat), 0);
	assert_int_equal(agbt_insert(&c, r, &stat), 1);
	assert_non_null(strstr(t->x.why, "no free block"));
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_v4_deep),
		cmocka_unit_test(test_overlapping_v4_deep),
		cmocka_unit_test(test_plain_v5),
		cmocka_unit_test(test_overlapping_v5),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
