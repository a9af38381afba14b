/*
 * The truncate of an unlinked inode's data fork in btree form in the XFS
 * log's finish (libfsimg/xlog/ifree_fork.c), against Linux 6.1's
 * fs/xfs/libxfs/xfs_btree.c (xfs_btree_delrec) and xfs_bmap.c
 * (__xfs_bunmapi, xfs_bmap_btree_to_extents): deleting from the end of the
 * rightmost leaf, a leaf under its minimum takes its left sibling's last
 * record while that one has more than the minimum and joins it otherwise
 * (the leaf freed); a lone leaf stays. On a hand-built AG: a bmbt of three
 * leaves read by walking the root's pointers, truncated, every extent and
 * leaf freed once, one unmap and one free intent a round; a two-level
 * fork; a reflink inode's; a broken sibling link refused. The fixture is
 * xbmbt_fixture.h's; a BUI's map and unmap are in test_xbmbt.c, the
 * attribute fork's tests in test_xbmbt_attr.c.
 */
#include "xbmbt_fixture.h"

/* Leaves of 59 (full), 31 and 30 records (one-KiB v5: 59 a leaf, 29 the minimum), the
 * last record deleted 120 times: the third leaf takes one record from the second at the
 * 2nd and 3rd deletes and joins it at the 4th (the second left at 29); the second then
 * takes from the first until it is down to 29 and joins it at the 63rd; the first, alone,
 * stays to the end. */
static void test_delete_order(void **state)
{
	struct bmbt b = { .nleaf = 3, .minrecs = 29, .maxrecs = 59, .leaf = { 10, 20, 30 }, .cnt = { 59, 31, 30 } };
	uint32_t freed_at[3] = { 0, 0, 0 }, nfreed = 0;

	(void)state;
	for (uint32_t i = 1; i <= 120; i++) {
		uint64_t l = xlog_fin_bmbt_delete(&b);
		if (l != UINT64_MAX) {
			assert_true(nfreed < 3);
			freed_at[nfreed++] = i;
			assert_int_equal(l, nfreed == 1 ? 30 : 20);
		}
		if (i == 3) {
			assert_int_equal(b.cnt[1], 29);
			assert_int_equal(b.cnt[2], 29);
		}
		/* how the delete first logs the inode: a borrow's key update in the root
		 * (XFS_ILOG_DBROOT), a join's block free (XFS_ILOG_CORE), else nothing */
		if (i == 2 || i == 3 || (i >= 33 && i <= 62))
			assert_int_equal(b.ilog, BMBT_ILOG_ROOT);
		else if (i == 4 || i == 63)
			assert_int_equal(b.ilog, BMBT_ILOG_CORE);
		else
			assert_int_equal(b.ilog, BMBT_ILOG_NONE);
	}
	assert_int_equal(nfreed, 2);
	assert_int_equal(freed_at[0], 4);
	assert_int_equal(freed_at[1], 63);
	assert_int_equal(b.nleaf, 1);
	assert_int_equal(b.cnt[0], 0);
	assert_int_equal(xlog_fin_bmbt_delete(NULL), UINT64_MAX);
}

/* Three leaves (40, 30, 30 one-block extents) read and truncated: 50 rounds of two
 * extents, each one unmap and one free intent (the joined leaves and, at 20 extents left,
 * the last leaf in the round's intent); every extent and leaf lands in the free space.
 * The third leaf takes one record from the second at the 2nd delete (round 1, whose
 * unmap shares the size's transaction), joins it at the 3rd (round 2: the core logged
 * first), takes from the first at the 32nd to 42nd deletes (rounds 16 to 21: the root
 * logged first, the change counter not bumped) and joins it at the 43rd. */
static void test_truncate_three_leaves(void **state)
{
	const uint32_t cnt[3] = { 40, 30, 30 };
	struct t *t = t_new(cnt, 3);
	struct bmbt b;
	uint8_t *recs = NULL;
	uint32_t ntx = 0;
	struct blk *agf, *bno;

	(void)state;
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 100, &b, &recs), 0);
	assert_int_equal(b.nleaf, 3);
	assert_int_equal(b.cnt[1], 30);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 100, 103, false, INO, &b, (ISIZE - LIT) / 16, 0, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 100);
	assert_int_equal(b.nobump, 6);
	assert_int_equal(xlog_fin_get(&t->x.f, 1, 1, K_AGF, &agf), 0);
	assert_int_equal(get_be32(agf->b + 52), FREEBLKS0 + 103);
	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)BNO_ROOT * (BS / 512), BS / 512, K_BTREE, &bno), 0);
	assert_int_equal(get_be16(bno->b + 6), 104);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(get_be32(bno->b + HDR + 8 * i), LEAF0 + 2 * i);
		assert_int_equal(get_be32(bno->b + HDR + 8 * i + 4), 1);
	}
	assert_int_equal(get_be32(bno->b + HDR + 8 * 3), 100);
	t_free(t);
}

/*
 * Leaves of 29 and 30 extents in a reflink inode (the refcount btree an empty leaf: no
 * extent shared, each decrease frees its extent): each round an unmap, its refcount
 * decreases in one CUI and their frees in one EFI. The second delete joins the leaves:
 * the joined leaf's free is queued before that extent's decrease (xfs_btree_delete, then
 * xfs_refcount_decrease_extent), so round 1's decreases are two CUIs with the join's EFI
 * between, each CUI's frees finished right after it (1 + 5 transactions); the last
 * leaf's free at the conversion (round 19) follows that round's frees. 30 * 3 + 3 + 1
 * transactions, every extent and both leaves freed.
 */
/* t's tree in a reflink inode whose AG's refcount btree is an empty leaf at 40. */
static struct t *reflink_on(struct t *t)
{
	uint8_t *agf = t->x.img + 512;

	t->x.fs.sb.features_ro_compat |= XFS_SB_FEAT_RO_COMPAT_REFLINK;
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_root), 40);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_level), 1);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_blocks), 1);
	put_sblock(t, 40, 0x52334643u, 0);
	return t;
}

static struct t *t_reflink(const uint32_t *cnt, uint32_t n)
{
	return reflink_on(t_new(cnt, n));
}

static void test_truncate_reflink(void **state)
{
	struct t *t = t_reflink((const uint32_t[]){ 29, 30 }, 2);
	uint8_t *recs = NULL;
	struct bmbt b;
	uint32_t ntx = 0;

	(void)state;
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 59, &b, &recs), 0);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 59, 61, true, INO, &b, (ISIZE - LIT) / 16, 0, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 94);
	assert_int_equal(agf_free(t), FREEBLKS0 + 61);
	t_free(t);
}

/* The nobump count of a truncate of leaves cnt[0..n) (m extents in all) in an inode with or
 * without reflink (every extent and leaf freed); -1 refused, for the reason why. */
static int reflink_nobump(const uint32_t *cnt, uint32_t n, uint32_t m, bool reflink, const char *why)
{
	struct t *t = reflink ? t_reflink(cnt, n) : t_new(cnt, n);
	uint8_t *recs = NULL;
	struct bmbt b;
	uint32_t ntx = 0;
	int r;

	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, m, &b, &recs), 0);
	r = xlog_fin_truncate_extents(&t->x.f, recs, m, m + n, reflink, INO, &b, (ISIZE - LIT) / 16, 0, &ntx);
	free(recs);
	if (r == 0)
		assert_int_equal(agf_free(t), FREEBLKS0 + m + n);
	else if (!why || !strstr(t->x.why, why))
		fail_msg("refused: %s", t->x.why);
	t_free(t);
	return r ? -1 : (int)b.nobump;
}

/*
 * A reflink inode's borrows bump its change counter as another inode's do: an unmap that
 * logs the root first (XFS_ILOG_DBROOT) bumps nothing, reflink or not (a kernel trace of
 * inode_maybe_inc_iversion on xb-1k-remapdeep-d: 196 and 294 such unmaps, none bumped;
 * the counter's excess there was the refcount btree's deferred block frees,
 * test_truncate_refcbt_free_deferred). Leaves of 40, 30 and 30: one run, the third leaf
 * taking from the first (rounds 16 to 21): 6. Leaves of 40, 40 and 31: the third takes
 * from the second (rounds 2 to 7) and, down to its minimum again, from the first (rounds
 * 22 to 27): 12. Leaves of 29, 40 and 31: one run, from the second leaf: 6. Leaves of 40,
 * 30 and 31: round 2 both takes from the second leaf and joins it.
 */
static void test_truncate_reflink_borrow(void **state)
{
	(void)state;
	assert_int_equal(reflink_nobump((const uint32_t[]){ 40, 30, 30 }, 3, 100, false, NULL), 6);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 40, 30, 30 }, 3, 100, true, NULL), 6);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 40, 40, 31 }, 3, 111, false, NULL), 12);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 40, 40, 31 }, 3, 111, true, NULL), 12);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 29, 40, 31 }, 3, 100, false, NULL), 6);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 29, 40, 31 }, 3, 100, true, NULL), 6);
	assert_int_equal(reflink_nobump((const uint32_t[]){ 40, 30, 31 }, 3, 101, true, NULL),
			 reflink_nobump((const uint32_t[]){ 40, 30, 31 }, 3, 101, false, NULL));
}

/* A leaf whose right sibling is not the root's next pointer, and a root at level 2. */
static void test_refused(void **state)
{
	const uint32_t cnt[2] = { 40, 30 };
	struct t *t = t_new(cnt, 2);
	struct bmbt b;
	uint8_t *recs = NULL;

	(void)state;
	put_be64(blk(t, LEAF0) + 16, 77);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
	assert_null(recs);
	assert_non_null(strstr(t->x.why, "right sibling"));
	t_free(t);

	t = t_new(cnt, 2); /* its pointers at leaves, not blocks of level 1 */
	put_be16(t->ino + LIT, 2);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
	assert_non_null(strstr(t->x.why, "(level 1) is not what it should be"));
	t_free(t);

	t = t_new(cnt, 2);
	put_be16(t->ino + LIT, 3);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
	assert_non_null(strstr(t->x.why, "3 levels"));
	t_free(t);

}

/* 14 leaves of per records (t_new's) under a root at level 2 over two blocks of level 1:
 * 30 over the first 14 - last leaves, 32 over the last ones. */
static struct t *t_two_levels(uint32_t per, uint32_t last)
{
	uint32_t cnt[14], maxr = (ISIZE - LIT - 4) / 16, mx = (BS - LHDR) / 16;
	uint8_t *root;
	struct t *t;

	for (uint32_t i = 0; i < 14; i++)
		cnt[i] = per;
	t = t_new(cnt, 14);
	root = t->ino + LIT;
	for (uint32_t j = 0; j < 2; j++) {
		uint32_t first = j ? 14 - last : 0, n = j ? last : 14 - last, nb = 30 + 2 * j;
		uint8_t *b = blk(t, nb);
		memset(b, 0, BS);
		put_be32(b, 0x424d4133u);
		put_be16(b + 4, 1);
		put_be16(b + 6, (uint16_t)n);
		put_be64(b + 8, j ? 30 : UINT64_MAX);
		put_be64(b + 16, j ? UINT64_MAX : 32);
		put_be64(b + 24, (uint64_t)nb * (BS / 512));
		put_be64(b + 56, INO);
		for (uint32_t k = 0; k < n; k++) {
			put_be64(b + LHDR + 8 * k, per * (first + k));
			put_be64(b + LHDR + 8 * (mx + k), LEAF0 + 2 * (first + k));
		}
		put_be64(root + 4 + 8 * j, per * first);
		put_be64(root + 4 + 8 * maxr + 8 * j, nb);
	}
	put_be16(root, 2);
	put_be16(root + 2, 2);
	return t;
}

/*
 * The truncate of a fork whose root is at level 2 (xfs_btree_delrec level by level): the
 * last leaf takes a record from its left sibling (under the other level-1 block) at the
 * 2nd delete and joins it at the 3rd; its level-1 block, left with one entry, joins the
 * first (13 entries), and the root, left with one entry whose block's 13 fit its 20, takes
 * them in (xfs_btree_kill_iroot): the leaf, the second block and the first freed in that
 * order. Truncated whole (leaves of 6, so that the free space btree's one leaf holds
 * the frees): 42 rounds of an unmap and a free intent, every extent and bmbt block freed
 * once.
 */
static void test_truncate_two_levels(void **state)
{
	struct t *t = t_two_levels(30, 2);
	struct bmbt b;
	uint8_t *recs = NULL;
	uint32_t ntx = 0;

	(void)state;
	if (xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 420, &b, &recs))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(b.nnode, 2);
	assert_int_equal(b.nleaf, 14);
	assert_int_equal(b.ncnt[0], 12);
	assert_int_equal(b.leaf[12], LEAF0 + 24);
	assert_int_equal(xlog_fin_bmbt_delete(&b), UINT64_MAX);
	assert_int_equal(xlog_fin_bmbt_delete(&b), UINT64_MAX);
	assert_int_equal(b.cnt[12], 29);
	assert_int_equal(xlog_fin_bmbt_delete(&b), LEAF0 + 26);
	assert_int_equal(b.nfreed, 3);
	assert_int_equal(b.freed[1], 32);
	assert_int_equal(b.freed[2], 30);
	assert_int_equal(b.nnode, 0);
	assert_int_equal(b.nleaf, 13);
	assert_int_equal(b.cnt[12], 57);
	free(recs);
	t_free(t);

	t = t_two_levels(6, 2);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 84, &b, &recs), 0);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 84, 100, false, INO, &b, (ISIZE - LIT) / 16, 0, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 84);
	assert_int_equal(agf_free(t), FREEBLKS0 + 100);
	t_free(t);
}

/* A reflink inode's borrow run under a root at level 2: 14 leaves of 31, the last alone
 * under the second level-1 block, which takes a record from the 13th at round 2 (its key up
 * to the root in the inode): done as without reflink, the same unmaps not bumping, as far
 * as the fixture's free space takes it (its one-leaf trees, no AGFL, give out at the same
 * round either way). */
static void test_truncate_reflink_two_levels(void **state)
{
	uint32_t nobump[2];
	int ret[2];

	(void)state;
	for (int r = 0; r < 2; r++) {
		struct t *t = r ? reflink_on(t_two_levels(31, 1)) : t_two_levels(31, 1);
		struct bmbt b;
		uint8_t *recs = NULL;
		uint32_t ntx = 0;

		assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 434, &b, &recs), 0);
		assert_int_equal(b.ncnt[1], 1);
		ret[r] = xlog_fin_truncate_extents(&t->x.f, recs, 434, 450, r, INO, &b, (ISIZE - LIT) / 16, 0, &ntx);
		if (ret[r] && !strstr(t->x.why, "AGFL"))
			fail_msg("refused: %s", t->x.why);
		nobump[r] = b.nobump;
		free(recs);
		t_free(t);
	}
	assert_int_equal(ret[1], ret[0]);
	assert_true(nobump[0] > 0);
	assert_int_equal(nobump[1], nobump[0]);
}

/*
 * The refcount btree's block a truncate's refcount decrease gives back is queued, not
 * freed at once: Debian's 6.1 (6.1.192) has "xfs: use deferred frees for btree block
 * freeing", so xfs_refcountbt_free_block queues it (__xfs_free_extent_later with
 * XFS_RMAP_OWN_REFC) and its free is one more intent, one more transaction, after the
 * CUI's: the change counter's bump (a kernel trace of xb-1k-remapdeep-d's inodes 655436
 * and 786501 counts 11 and 18 more transactions than the truncate without them, one for
 * each such free). Leaves of 40 records (the minimum of a 1 KiB block's 80) under a root
 * at 40: the last record's count down from 2 deletes it, its leaf (42) joins the first
 * (41) and the root, left with one entry, is killed: both blocks queued in that order,
 * the free space untouched, the tree's one leaf now the root.
 */
static void test_truncate_refcbt_free_deferred(void **state)
{
	struct t *t = reflink_on(t_new((const uint32_t[]){ 40, 30 }, 2));
	uint8_t *agf = t->x.img + 512, *root = blk(t, 40);
	struct refc_tx tx = { 0, 0, false };
	struct efree q[4];
	struct blk *agfb;
	uint32_t agbno = 1178, len = 1, nq = 0, free0;

	(void)state;
	xfin_put_sblock(root, BS, 0x52334643u, 1, 2);
	put_be64(root + 16, 40 * (BS / 512));
	put_be32(root + HDR, 1000);
	put_be32(root + HDR + 4, 1100);
	put_be32(root + HDR + 4 * 121, 41);
	put_be32(root + HDR + 4 * 121 + 4, 42);
	for (uint32_t l = 0; l < 2; l++) {
		uint8_t *b = blk(t, 41 + l);
		put_sblock(t, 41 + l, 0x52334643u, 40);
		put_be32(b + (l ? 8 : 12), l ? 41 : 42);
		for (uint32_t k = 0; k < 40; k++) {
			put_be32(b + HDR + 12 * k, 1000 + 100 * l + 2 * k);
			put_be32(b + HDR + 12 * k + 4, 1);
			put_be32(b + HDR + 12 * k + 8, 2);
		}
	}
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_level), 2);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_blocks), 3);
	free0 = agf_free(t);
	if (xlog_fin_refc_decrease(&t->x.f, 0, &agbno, &len, &tx, q, &nq, 4))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(len, 0);
	assert_int_equal(nq, 2);
	assert_int_equal(q[0].agbno, 42);
	assert_int_equal(q[1].agbno, 40);
	assert_int_equal(q[0].len, 1);
	assert_true(q[0].owner == (uint64_t)-8 && q[1].owner == (uint64_t)-8); /* XFS_RMAP_OWN_REFC */
	assert_int_equal(agf_free(t), free0);
	assert_int_equal(xlog_fin_get(&t->x.f, 1, 1, K_AGF, &agfb), 0);
	assert_int_equal(get_be32(agfb->b + offsetof(struct xfs_agf, agf_refcount_root)), 41);
	assert_int_equal(get_be32(agfb->b + offsetof(struct xfs_agf, agf_refcount_level)), 1);
	assert_int_equal(get_be32(agfb->b + offsetof(struct xfs_agf, agf_refcount_blocks)), 1);
	t_free(t);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_order),
		cmocka_unit_test(test_truncate_three_leaves),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_truncate_two_levels),
		cmocka_unit_test(test_truncate_reflink),
		cmocka_unit_test(test_truncate_reflink_borrow),
		cmocka_unit_test(test_truncate_reflink_two_levels),
		cmocka_unit_test(test_truncate_refcbt_free_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
