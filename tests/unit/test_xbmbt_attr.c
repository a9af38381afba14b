/*
 * An unlinked inode's attribute fork with blocks in the XFS log's finish
 * (libfsimg/xlog/ifree_attr.c, against 6.1's xfs_attr_inactive.c): a leaf
 * with a remote value, a node over leaves, a fork in btree form, and what
 * the kernel fails on refused.
 */
#include "xbmbt_fixture.h"

/*
 * An attribute fork with blocks (libfsimg/xlog/ifree_attr.c, against 6.1's
 * xfs_attr_inactive.c): the tree walked from attribute block 0, one
 * transaction a block; the fork's extents (value blocks among them) then
 * truncated as the data fork's. The inode's attribute fork begins at
 * forkoff 15 (120 bytes of data fork): 216 bytes, 13 extents.
 */
#define AFO 15u
#define AF (LIT + AFO * 8)

/* An attribute fork in extents form of n records (offset, block, length) at t->ino. */
static void put_afork(struct t *t, const uint32_t (*x)[3], uint32_t n)
{
	t->ino[82] = AFO;
	t->ino[83] = XFS_DINODE_FMT_EXTENTS;
	put_be16(t->ino + 80, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		put_be64(t->ino + AF + 16 * i, (uint64_t)x[i][0] << 9 | (uint64_t)x[i][1] >> 43);
		put_be64(t->ino + AF + 16 * i + 8, (uint64_t)x[i][1] << 21 | x[i][2]);
	}
}

/* A v5 attribute leaf (magic) or node block at agbno with count entries, owned by INO. */
static uint8_t *put_da(struct t *t, uint32_t agbno, uint16_t magic, uint16_t count)
{
	uint8_t *b = blk(t, agbno);

	memset(b, 0, BS);
	put_be16(b + 8, magic);
	put_be64(b + 16, (uint64_t)agbno * (BS / 512));
	put_be64(b + 48, INO);
	put_be16(b + 56, count);
	return b;
}

/* A leaf entry i: local (a name and value in the block), or remote (value at vblk, vlen bytes). */
static void put_leaf_entry(uint8_t *b, uint32_t i, bool local, uint32_t vblk, uint32_t vlen)
{
	uint32_t nameidx = 900 - 16 * i;

	put_be16(b + 80 + 8 * i + 4, (uint16_t)nameidx);
	b[80 + 8 * i + 6] = local ? 1 : 0;
	if (!local) {
		put_be32(b + nameidx, vblk);
		put_be32(b + nameidx + 4, vlen);
	}
}

/* One leaf (attribute block 0 at 200) with a local value and a remote one of 2500 bytes
 * (three blocks of 968 value bytes at attribute blocks 1-3, agbno 202-204): one roll, then
 * one round of the two extents (an unmap, a free intent); the four blocks freed. */
static uint8_t *put_leaf_remote(struct t *t)
{
	const uint32_t x[2][3] = { { 0, 200, 1 }, { 1, 202, 3 } };
	uint8_t *l;

	put_afork(t, x, 2);
	l = put_da(t, 200, XFS_ATTR3_LEAF_MAGIC, 2);
	put_leaf_entry(l, 0, true, 0, 0);
	put_leaf_entry(l, 1, false, 1, 2500);
	return l;
}

static void test_attr_leaf_remote(void **state)
{
	struct t *t = t_new(NULL, 0);
	struct afork a;
	uint32_t ntx = 0;

	(void)state;
	put_leaf_remote(t);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.blocks, 4);
	assert_int_equal(a.rolls, 1);
	assert_false(a.btree);
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	assert_int_equal(ntx, 2);
	assert_int_equal(agf_free(t), FREEBLKS0 + 4);
	t_free(t);
}

/* The same leaf with a checksum that does not match it: the kernel's read verifier
 * (xfs_attr3_leaf_read_verify) fails the block, and the finish refuses, naming it. */
static void test_attr_bad_crc(void **state)
{
	struct t *t = t_new(NULL, 0);
	struct afork a;

	(void)state;
	put_le32(put_leaf_remote(t) + XFS_DA3_CRC_OFF, 0xdeadbeefu);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "its attribute block 0 fails its checksum"));
	t_free(t);
}

/* The fork x: a node at 300 over three leaves at 302-304, the second with a remote value
 * of vlen bytes at attribute block 4. */
static void put_node3(struct t *t, const uint32_t (*x)[3], uint32_t vlen)
{
	uint8_t *n;

	put_afork(t, x, 3);
	n = put_da(t, 300, XFS_DA3_NODE_MAGIC, 3);
	put_be16(n + 58, 1);
	for (uint32_t i = 0; i < 3; i++) {
		put_be32(n + 64 + 8 * i + 4, 1 + i);
		put_da(t, 302 + i, XFS_ATTR3_LEAF_MAGIC, 0);
	}
	put_leaf_entry(put_da(t, 303, XFS_ATTR3_LEAF_MAGIC, 1), 0, false, 4, vlen);
}

/* A node (attribute block 0 at 300) over three leaves (blocks 1-3 at 302-304): four rolls;
 * the remote value of 1000 bytes at attribute block 4 needs two blocks and has one: the
 * second is a hole, which the kernel's xfs_attr3_rmt_stale fails on, so it is refused. */
static void test_attr_node(void **state)
{
	const uint32_t x[3][3] = { { 0, 300, 1 }, { 1, 302, 3 }, { 4, 310, 1 } };
	struct t *t = t_new(NULL, 0);
	struct afork a;
	uint32_t ntx = 0;

	(void)state;
	put_node3(t, x, 900);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(a.rolls, 4);
	assert_int_equal(a.blocks, 5);
	/* three extents: a round of the last two, then one of the first */
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	assert_int_equal(ntx, 4);
	assert_int_equal(agf_free(t), FREEBLKS0 + 5);
	t_free(t);

	t = t_new(NULL, 0);
	put_node3(t, x, 1000);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "hole"));
	t_free(t);

	/* a child that is neither leaf nor node, and a node that points at itself */
	t = t_new(NULL, 0);
	put_afork(t, x, 3);
	put_be32(put_da(t, 300, XFS_DA3_NODE_MAGIC, 1) + 64 + 4, 2);
	put_da(t, 303, XFS_DA3_NODE_MAGIC, 0);
	put_be16(blk(t, 303) + 8, 0x1234);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "not a leaf or node"));
	t_free(t);
	t = t_new(NULL, 0);
	put_afork(t, x, 3);
	put_be32(put_da(t, 300, XFS_DA3_NODE_MAGIC, 1) + 64 + 4, 0);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	t_free(t);
}

/* The block held at agbno by the finish, or NULL. */
static struct blk *held(struct t *t, uint32_t agbno)
{
	for (size_t i = 0; i < t->x.f.nblk; i++)
		if (t->x.f.blk[i].daddr == (uint64_t)agbno * (BS / 512))
			return &t->x.f.blk[i];
	return NULL;
}

/*
 * Each block of the tree invalidated (xfs_trans_binval in xfs_attr3_node_inactive after
 * each child, xfs_attr3_root_inactive the root last), each in a transaction of its own: a
 * cancelled buffer in the running checkpoint (its format alone in the checkpoint's length;
 * kernel row g3x-1k-rmap-ag8-1g-attr's forced checkpoint held 120 such of its attribute
 * trees, 12916 bytes as the kernel wrote it). The remote value's blocks are not (nothing
 * logged, xfs_attr3_rmt_stale). The node's three extents take two rounds, the first
 * leaving one in extents form (XFS_ILOG_AEXT: the inode item's third region, its record, as
 * a data fork's), the second none: the inode item its core alone at the end, sized (refused
 * before, unmeasured; kernel row g14x-1k-rmap-attr forced there and agrees); a leaf's two
 * extents go in one round: the same.
 */
static void test_attr_blocks_invalidated(void **state)
{
	const uint32_t x[3][3] = { { 0, 300, 1 }, { 1, 302, 3 }, { 4, 310, 1 } };
	const uint32_t order[4] = { 302, 303, 304, 300 };
	struct t *t = t_new(NULL, 0);
	struct afork a;
	uint32_t ntx = 0;

	(void)state;
	put_node3(t, x, 900);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(a.nda, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(a.da[i], (uint64_t)order[i] * (BS / 512));
	assert_null(held(t, 300));
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	for (uint32_t i = 0; i < 4; i++) {
		struct blk *b = held(t, order[i]);
		assert_non_null(b);
		assert_int_equal(b->kind, K_ATTR);
		assert_true(b->stale && !b->dirty && b->was_stale);
		assert_int_equal(b->cp, FIN_CP_RUNNING);
	}
	assert_null(held(t, 310));
	assert_true(t->x.f.cp_trunc);
	assert_false(t->x.f.cp_trunc_btree);
	assert_int_equal(t->x.f.cp_trunc_n, 0);
	assert_null(t->x.f.cp_trunc_unsized);
	t_free(t);

	t = t_new(NULL, 0);
	put_leaf_remote(t);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	assert_non_null(held(t, 200));
	assert_true(held(t, 200)->was_stale);
	assert_null(held(t, 202));
	assert_true(t->x.f.cp_trunc);
	assert_false(t->x.f.cp_trunc_btree);
	assert_int_equal(t->x.f.cp_trunc_n, 0);
	assert_null(t->x.f.cp_trunc_unsized);
	t_free(t);
}

/* An attribute fork in btree form: a root at level 1 over one leaf (block 60) of 20
 * one-block extents (100, 102, ...; attribute block 0 an empty leaf): one roll; ten
 * rounds, the leaf freed when 12 extents are left (13 fit the fork); 21 blocks freed. */
static void test_attr_btree(void **state)
{
	struct t *t = t_new(NULL, 0);
	uint32_t maxr = ((ISIZE - AF) - 4) / 16, ntx = 0;
	uint8_t *l = blk(t, 60);
	struct afork a;

	(void)state;
	t->ino[82] = AFO;
	t->ino[83] = XFS_DINODE_FMT_BTREE;
	put_be16(t->ino + 80, 20);
	put_be16(t->ino + AF, 1);
	put_be16(t->ino + AF + 2, 1);
	put_be64(t->ino + AF + 4 + 8 * maxr, 60);
	memset(l, 0, BS);
	put_be32(l, 0x424d4133u);
	put_be16(l + 6, 20);
	put_be64(l + 8, UINT64_MAX);
	put_be64(l + 16, UINT64_MAX);
	put_be64(l + 24, 60 * (BS / 512));
	put_be64(l + 56, INO);
	for (uint32_t k = 0; k < 20; k++)
		put_bmbt_rec(l + LHDR + 16 * k, k);
	put_da(t, 100, XFS_ATTR3_LEAF_MAGIC, 0);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_true(a.btree);
	assert_int_equal(a.blocks, 21);
	assert_int_equal(a.rolls, 1);
	assert_int_equal(a.maxext, 13);
	if (xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(ntx, 20);
	assert_int_equal(agf_free(t), FREEBLKS0 + 21);
	t_free(t);
}

/*
 * test_truncate_three_leaves' tree (leaves of 40, 30, 30) as an attribute fork's: the same
 * 50 rounds, but the first round's borrow (the third leaf takes a record from the second at
 * the 2nd delete) counts too. Its unmap logs the root (XFS_ILOG_ABROOT) first in a
 * transaction of its own: xfs_attr_inactive truncates after xfs_attr3_root_inactive's last
 * xfs_trans_roll_inode, which logged the inode in the transaction before. The data fork's
 * first unmap follows the size's log in its transaction (6 there, 7 here).
 */
static void test_attr_btree_borrow_first(void **state)
{
	const uint32_t cnt[3] = { 40, 30, 30 };
	struct t *t = t_new(cnt, 3);
	uint8_t *recs = NULL;
	uint32_t ntx = 0;
	struct bmbt b;

	(void)state;
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 100, &b, &recs), 0);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 100, 103, false, INO, &b, (ISIZE - LIT) / 16, RMAP_F_ATTR, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 100);
	assert_int_equal(b.nobump, 7);
	assert_int_equal(agf_free(t), FREEBLKS0 + 103);
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_leaf_remote),
		cmocka_unit_test(test_attr_bad_crc),
		cmocka_unit_test(test_attr_node),
		cmocka_unit_test(test_attr_blocks_invalidated),
		cmocka_unit_test(test_attr_btree),
		cmocka_unit_test(test_attr_btree_borrow_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
