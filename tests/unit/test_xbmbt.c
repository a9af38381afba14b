/*
 * The truncate of an unlinked inode's data fork in btree form in the XFS
 * log's finish (libfsimg/xlog/ifree_fork.c), against Linux 6.1's
 * fs/xfs/libxfs/xfs_btree.c (xfs_btree_delrec) and xfs_bmap.c
 * (__xfs_bunmapi, xfs_bmap_btree_to_extents): deleting from the end of the
 * rightmost leaf, a leaf under its minimum takes its left sibling's last
 * record while that one has more than the minimum and joins it otherwise
 * (the leaf freed); a lone leaf stays. On a hand-built AG: a bmbt of three
 * leaves read by walking the root's pointers, truncated, every extent and
 * leaf freed once, one unmap and one free intent a round; a broken sibling
 * link and a two-level root refused. A BUI's map into such a fork
 * (xfs_bmapi_remap, xfs_bmap_add_extent_hole_real): inserted into its
 * leaf, merged with its left neighbour, taken by the next leaf's first
 * record (the root's key following it), a full leaf refused; an inode
 * failing its checksum refused. A BUI's unmap from such a fork
 * (xfs_bmap_del_extent_real): a whole extent deleted, trimmed at either
 * end, split in two; a split in a full leaf, a rebalance, a return to
 * extents form refused. A map into a full extents-form fork: the fork
 * turned into a btree of one leaf in a block allocated near the inode.
 * The fixture is xbmbt_fixture.h's; the attribute fork's tests are in
 * test_xbmbt_attr.c.
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
 * transactions, every extent and both leaves freed. With leaves of 40, 30 and 30 the third
 * takes records from the first (rounds 16 to 21): refused, the change counter of such a
 * reflink truncate not being the kernel's yet.
 */
/* t_new's tree in a reflink inode whose AG's refcount btree is an empty leaf at 40. */
static struct t *t_reflink(const uint32_t *cnt, uint32_t n)
{
	struct t *t = t_new(cnt, n);
	uint8_t *agf = t->x.img + 512;

	t->x.fs.sb.features_ro_compat |= XFS_SB_FEAT_RO_COMPAT_REFLINK;
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_root), 40);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_level), 1);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_blocks), 1);
	put_sblock(t, 40, 0x52334643u, 0);
	return t;
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

	t = t_reflink((const uint32_t[]){ 40, 30, 30 }, 3);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 100, &b, &recs), 0);
	assert_int_equal(xlog_fin_truncate_extents(&t->x.f, recs, 100, 103, true, INO, &b, (ISIZE - LIT) / 16, 0, &ntx),
			 1);
	assert_non_null(strstr(t->x.why, "takes a record from its sibling"));
	free(recs);
	t_free(t);
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
 * 30 over the first 12 leaves, 32 over the last 2. */
static struct t *t_two_levels(uint32_t per)
{
	uint32_t cnt[14], maxr = (ISIZE - LIT - 4) / 16, mx = (BS - LHDR) / 16;
	uint8_t *root;
	struct t *t;

	for (uint32_t i = 0; i < 14; i++)
		cnt[i] = per;
	t = t_new(cnt, 14);
	root = t->ino + LIT;
	for (uint32_t j = 0; j < 2; j++) {
		uint32_t first = j ? 12 : 0, n = j ? 2 : 12, nb = 30 + 2 * j;
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
	struct t *t = t_two_levels(30);
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

	t = t_two_levels(6);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 84, &b, &recs), 0);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 84, 100, false, INO, &b, (ISIZE - LIT) / 16, 0, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 84);
	assert_int_equal(agf_free(t), FREEBLKS0 + 100);
	t_free(t);
}

/* A BUI of type 1 (map) or 2 (unmap) on the inode at IB. */
static void bui(struct t *t, uint32_t type, uint64_t off, uint64_t fsb, uint32_t len, int want)
{
	struct xlog_ext x = { .startblock = fsb, .len = len, .owner = (uint64_t)IB << 1, .startoff = off, .flags = type };
	struct intent_defer dq;

	memset(&dq, 0, sizeof dq);
	if (xlog_intent_bmap(&t->x.f, &x, &dq) != want)
		fail_msg("bui %u %llu+%u: %s", type, (unsigned long long)off, len, t->x.why);
}

static void bui_map(struct t *t, uint64_t off, uint64_t fsb, uint32_t len, int want)
{
	bui(t, 1, off, fsb, len, want);
}

/* Record k of the leaf at agbno set to off+len at fsb. */
static void set_rec(struct t *t, uint32_t agbno, uint32_t k, uint64_t off, uint64_t fsb, uint32_t len)
{
	uint8_t *r = blk(t, agbno) + LHDR + 16 * k;

	put_be64(r, off << 9 | fsb >> 43);
	put_be64(r + 8, fsb << 21 | len);
}

static void want_rec(struct t *t, uint32_t agbno, uint32_t k, uint64_t off, uint64_t fsb, uint32_t len)
{
	uint8_t r[16];

	put_be64(r, off << 9 | fsb >> 43);
	put_be64(r + 8, fsb << 21 | len);
	assert_memory_equal(got(t, agbno, K_BMBT) + LHDR + 16 * k, r, 16);
}

/* Leaves of 40 and 30 extents, the second's offsets moved up by 10 (key 50, offsets 50-79):
 * 80+1 at block 300 goes at the second leaf's end (the root's last key at or before it; 31
 * records); 81+1 at 301 merges with it; 45+5 at 175 (ending where the second leaf's first,
 * 50 at 180, starts) is taken by that record and the root's key becomes 45. Each map adds
 * its blocks and bumps the change counter once. Leaves of 59 (full) and 30: an extent
 * past the end goes into the second; a mapped offset is refused. */
static void test_bui_map(void **state)
{
	const uint32_t cnt[2] = { 40, 30 };
	struct t *t = t_new(cnt, 2);
	uint8_t *d, *l1, r[16];
	uint64_t maxr = (ISIZE - LIT - 4) / 16;

	(void)state;
	for (uint32_t k = 0; k < 30; k++) {
		put_bmbt_rec(blk(t, LEAF0 + 2) + LHDR + 16 * k, 40 + k);
		put_be64(blk(t, LEAF0 + 2) + LHDR + 16 * k, (uint64_t)(50 + k) << 9);
	}
	put_be64(t->ino + LIT + 4 + 8, 50);
	put_inode(t, 70, 72);
	bui_map(t, 80, 300, 1, 0);
	bui_map(t, 81, 301, 1, 0);
	assert_false(t->x.f.ino[0].broot); /* the root not logged: no leaf's first record changed */
	bui_map(t, 45, 175, 5, 0);
	assert_true(t->x.f.ino[0].broot);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be32(d + 76), 71);
	assert_int_equal(get_be64(d + 64), 72 + 7);
	assert_int_equal(get_be64(d + 104), 10);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 45);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr + 8), LEAF0 + 2);
	l1 = got(t, LEAF0 + 2, K_BMBT);
	assert_int_equal(get_be16(l1 + 6), 31);
	put_be64(r, 45ull << 9);
	put_be64(r + 8, 175ull << 21 | 6);
	assert_memory_equal(l1 + LHDR, r, 16);
	put_be64(r, 80ull << 9);
	put_be64(r + 8, 300ull << 21 | 2);
	assert_memory_equal(l1 + LHDR + 16 * 30, r, 16);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 40);
	t_free(t);

	t = t_new((const uint32_t[]){ 59, 30 }, 2);
	put_inode(t, 89, 91);
	bui_map(t, 200, 900, 1, 0);
	bui_map(t, 30, 900, 1, 1);
	t_free(t);

	/* a leaf's sibling out of the filesystem, or the leaf itself: refused as the read
	 * verifier would (xfs_btree_check_lblock_siblings; camp7's fuzz_xfin input
	 * bmbt-sibling-out-of-fs, a left sibling the log raised) */
	for (int k = 0; k < 2; k++) {
		t = t_new(cnt, 2);
		put_inode(t, 70, 72);
		put_be64(blk(t, LEAF0 + 2) + 8 + 8 * k, k ? LEAF0 + 2 : 0xffffffff7f00ffffull);
		bui_map(t, 80, 300, 1, 1);
		assert_non_null(strstr(t->x.why, k ? "bad right sibling 52" : "bad left sibling 18446744071545356287"));
		t_free(t);
	}
}

/*
 * A BUI's unmap from a fork in btree form (__xfs_bunmapi, XFS_BMAPI_REMAP;
 * xfs_bmap_del_extent_real with a cursor). Leaves of 40 and 30 extents, the
 * second's last 69+10 at 238: 40+1, the second leaf's first, deleted (29
 * left, its minimum: no rebalance; the root's key becomes 41's); 78+1 trims
 * the last extent's end, 69+1 its front, 72+2 splits it (70+2 at 239, 74+4
 * at 243 inserted after it). Each takes its blocks off di_nblocks and bumps
 * the change counter once, but the first: its key update logs the root in the
 * inode before anything logs the core (XFS_ILOG_DBROOT alone: xfs_trans_log_inode
 * bumps i_version at a transaction's first log only when that is XFS_ILOG_CORE),
 * so 7 + 3. Refused: the middle of an extent in a full leaf
 * (a split), a leaf at its minimum losing a record beside another (a
 * rebalance), a hole, a range over two extents, a lone leaf whose extents
 * would then fit the inode (back to extents form).
 */
static void test_bui_to_extents(void);

static void test_bui_unmap(void **state)
{
	uint64_t maxr = (ISIZE - LIT - 4) / 16;
	struct t *t = t_new((const uint32_t[]){ 40, 30 }, 2);
	uint8_t *d;

	(void)state;
	set_rec(t, LEAF0 + 2, 29, 69, 238, 10);
	put_inode(t, 70, 82);
	bui(t, 2, 40, 180, 1, 0);
	bui(t, 2, 78, 0, 1, 0);
	bui(t, 2, 69, 0, 1, 0);
	bui(t, 2, 72, 0, 2, 0);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be32(d + 76), 70);
	assert_int_equal(get_be64(d + 64), 82 - 5);
	assert_int_equal(get_be64(d + 104), 10);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 41);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr + 8), LEAF0 + 2);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 30);
	want_rec(t, LEAF0 + 2, 0, 41, 182, 1);
	want_rec(t, LEAF0 + 2, 27, 68, 236, 1);
	want_rec(t, LEAF0 + 2, 28, 70, 239, 2);
	want_rec(t, LEAF0 + 2, 29, 74, 243, 4);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 40);
	t_free(t);

	/* the root logged with the inode (XFS_ILOG_DBROOT, its bytes in the checkpoint) only
	 * once a leaf's first record changed */
	t = t_new((const uint32_t[]){ 40, 30 }, 2);
	set_rec(t, LEAF0 + 2, 29, 69, 238, 10);
	put_inode(t, 70, 82);
	bui(t, 2, 78, 0, 1, 0);
	assert_int_equal(t->x.f.nino, 1);
	assert_false(t->x.f.ino[0].broot);
	bui(t, 2, 40, 0, 1, 0);
	assert_int_equal(t->x.f.nino, 1);
	assert_true(t->x.f.ino[0].broot);
	t_free(t);

	/* a leaf's last extent split (xfs_bmap_del_extent_real: update, xfs_btree_increment,
	 * insert): the cursor steps into the next leaf, whose front takes the second half and
	 * whose key follows; the first leaf full or not */
	for (uint32_t full = 0; full < 2; full++) {
		uint32_t n0 = full ? 59 : 40;
		t = t_new((const uint32_t[]){ n0, 30 }, 2);
		for (uint32_t k = 0; k < 30; k++)
			set_rec(t, LEAF0 + 2, k, 69 + k, 300 + 2 * k, 1);
		put_be64(t->ino + LIT + 4 + 8, 69);
		set_rec(t, LEAF0, n0 - 1, 58, 216, 5);
		put_inode(t, n0 + 30, n0 + 30 + 6);
		bui(t, 2, 60, 0, 1, 0);
		assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), n0);
		want_rec(t, LEAF0, n0 - 1, 58, 216, 2);
		assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 31);
		want_rec(t, LEAF0 + 2, 0, 61, 219, 2);
		want_rec(t, LEAF0 + 2, 1, 69, 300, 1);
		d = got(t, IB, K_INODES);
		assert_int_equal(get_be64(d + LIT + 4 + 8), 61);
		assert_int_equal(get_be32(d + 76), n0 + 31);
		assert_int_equal(get_be64(d + 64), n0 + 30 + 5);
		assert_true(t->x.f.ino[0].broot);
		t_free(t);
	}

	/* the second leaf left under its minimum (28 of 29): no right sibling, the left one
	 * of 40 gives its last record (xfs_btree_delrec's xfs_btree_rshift), the second leaf's
	 * key following it in the root */
	t = t_new((const uint32_t[]){ 40, 29 }, 2);
	put_inode(t, 69, 71);
	bui(t, 2, 45, 0, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 39);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 29);
	want_rec(t, LEAF0 + 2, 0, 39, 178, 1);
	want_rec(t, LEAF0 + 2, 6, 46, 192, 1);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 39);
	assert_int_equal(get_be32(d + 76), 68);
	t_free(t);

	/* the left sibling at its minimum too: a join, refused, nothing changed */
	t = t_new((const uint32_t[]){ 29, 29 }, 2);
	put_inode(t, 58, 60);
	bui(t, 2, 45, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "join"));
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 29);
	t_free(t);

	/* a right sibling with more than the minimum gives its first record first
	 * (xfs_btree_lshift on a cursor there): the first leaf, of 29, unmapped at 5 */
	t = t_new((const uint32_t[]){ 29, 40 }, 2);
	put_inode(t, 69, 71);
	bui(t, 2, 5, 0, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 29);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 39);
	want_rec(t, LEAF0, 28, 29, 158, 1);
	assert_int_equal(get_be64(got(t, IB, K_INODES) + LIT + 4 + 8), 30);
	t_free(t);

	t = t_new((const uint32_t[]){ 40, 30 }, 2);
	for (uint32_t k = 0; k < 30; k++)
		set_rec(t, LEAF0 + 2, k, 50 + k, 300 + 2 * k, 1);
	put_be64(t->ino + LIT + 4 + 8, 50);
	put_inode(t, 70, 72);
	bui(t, 2, 45, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "a hole"));
	bui(t, 2, 10, 0, 2, 1);
	assert_non_null(strstr(t->x.why, "more than one extent"));
	t_free(t);

	test_bui_to_extents();
}

/*
 * A lone leaf of 22 extents losing one: 21 fit the fork (336 bytes), so the fork goes back
 * to extents form (xfs_bmap_btree_to_extents): the leaf's records in the fork, its buffer
 * invalidated (never written), its free queued with the inode as its bmbt owner after the
 * unmap's work, di_nblocks down by the extent and the block. Two leaves with as few
 * extents are refused (their leaves would join first).
 */
static void test_bui_to_extents(void)
{
	struct xlog_ext x = { .startblock = 0, .len = 1, .owner = (uint64_t)IB << 1, .startoff = 3, .flags = 2 };
	struct intent_defer dq;
	struct t *t = t_new((const uint32_t[]){ 22 }, 1);
	struct blk *l;
	uint8_t *d, r[16];

	put_inode(t, 22, 23);
	memset(&dq, 0, sizeof dq);
	if (xlog_intent_bmap(&t->x.f, &x, &dq))
		fail_msg("refused: %s", t->x.why);
	d = got(t, IB, K_INODES);
	assert_int_equal(d[5], XFS_DINODE_FMT_EXTENTS);
	assert_int_equal(get_be32(d + 76), 21);
	assert_int_equal(get_be64(d + 64), 21);
	put_bmbt_rec(r, 2);
	assert_memory_equal(d + LIT + 16 * 2, r, 16);
	put_bmbt_rec(r, 4);
	assert_memory_equal(d + LIT + 16 * 3, r, 16);
	put_bmbt_rec(r, 21);
	assert_memory_equal(d + LIT + 16 * 20, r, 16);
	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)LEAF0 * (BS / 512), BS / 512, K_BMBT, &l), 0);
	assert_true(l->stale);
	assert_int_equal(dq.n, 1);
	assert_int_equal(dq.ext[0].rtype, 0);
	assert_int_equal(dq.ext[0].agbno, LEAF0);
	assert_int_equal(dq.ext[0].len, 1);
	assert_int_equal(dq.ext[0].owner, INO);
	assert_int_equal(dq.ext[0].rflags, RMAP_F_BMBT);
	t_free(t);

	t = t_new((const uint32_t[]){ 11, 11 }, 2);
	put_inode(t, 22, 24);
	bui(t, 2, 3, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "join"));
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 11);
	t_free(t);
}

/* xfs_iget's xfs_dinode_verify: a BUI's inode failing its checksum is refused (the kernel's
 * mount fails there), nothing changed; once a BUI of this finish logged it (the kernel's
 * copy cached, its checksum stamped at writeback) a second is done. */
static void test_bui_bad_crc(void **state)
{
	struct t *t = t_new((const uint32_t[]){ 40, 30 }, 2);
	uint8_t *d;

	(void)state;
	d = put_inode(t, 70, 72);
	put_le32(d + 100, 1); /* not its checksum (0: the fixture's read stamps the right one) */
	bui_map(t, 200, 900, 1, 1);
	assert_non_null(strstr(t->x.why, "checksum"));
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 30);
	t_free(t);

	t = t_new((const uint32_t[]){ 40, 30 }, 2);
	put_inode(t, 70, 72);
	bui_map(t, 200, 900, 1, 0);
	bui_map(t, 202, 902, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 32);
	t_free(t);
}

/* With quota accounting on, the conversion's new bmbt block is charged to the inode's dquots
 * (xfs_bmap_extents_to_btree: XFS_TRANS_DQ_BCOUNT +1 in the BUI's transaction): its user
 * dquot (taken as read, in a block of its own) holds +1 blocks, nothing else, to commit. */
static void test_bui_to_btree_quota(void **state)
{
	struct t *t = t_new(NULL, 0);
	struct fin_quota *q = &t->x.f.q;
	struct blk *b;
	uint8_t *d;

	(void)state;
	for (uint32_t k = 0; k < 21; k++)
		put_bmbt_rec(t->ino + LIT + 16 * k, k);
	d = put_inode(t, 21, 21);
	d[5] = XFS_DINODE_FMT_EXTENTS;
	q->state = 2;
	q->types = XFS_DQTYPE_USER;
	assert_int_equal(xlog_fin_get_new(&t->x.f, 70 * (BS / 512), BS / 512, K_DQUOT, &b), 0);
	q->dq[0] = (struct fin_dquot){ .type = XFS_DQTYPE_USER, .id = get_be32(d + 8), .blk = (size_t)(b - t->x.f.blk) };
	q->ndq = 1;
	bui_map(t, 30, 500, 1, 0);
	assert_int_equal(agf_free(t), FREEBLKS0 - 1);
	assert_true(q->dq[0].pending);
	assert_int_equal(q->dq[0].delta[FIN_DQ_BCOUNT], 1);
	assert_int_equal(q->dq[0].delta[FIN_DQ_ICOUNT], 0);
	t_free(t);
}

/*
 * A BUI's map into an extents-form fork with no room for one more extent
 * (xfs_bmap_extents_to_btree, 6.1): 21 one-block extents fill the 336 bytes
 * of the fork; 30+1 at 500 makes the 22nd. One block allocated near the
 * inode's (block 9: the free extent 3000+100 gives 3000, the by-block record
 * becoming 3001+99, the AGF's free count down by one) becomes a leaf of all
 * 22 extents (level 0, no siblings, its address and owner); the root in the
 * inode at level 1 holds key 0 and pointer 3000, the rest of the fork's
 * bytes left as they were; di_nblocks up by the extent and the block, the
 * root logged with the inode. An unmap splitting an extent of a full fork
 * converts it the same way.
 */
static void test_bui_to_btree(void **state)
{
	struct t *t = t_new(NULL, 0);
	uint64_t maxr = (ISIZE - LIT - 4) / 16;
	uint8_t *d, *l, orig[ISIZE];

	(void)state;
	for (uint32_t k = 0; k < 21; k++)
		put_bmbt_rec(t->ino + LIT + 16 * k, k);
	d = put_inode(t, 21, 21);
	d[5] = XFS_DINODE_FMT_EXTENTS;
	memcpy(orig, d, ISIZE);
	bui_map(t, 30, 500, 1, 0);
	d = got(t, IB, K_INODES);
	assert_int_equal(d[5], XFS_DINODE_FMT_BTREE);
	assert_int_equal(get_be32(d + 76), 22);
	assert_int_equal(get_be64(d + 64), 23);
	assert_int_equal(get_be64(d + 104), 8);
	assert_int_equal(get_be16(d + LIT), 1);
	assert_int_equal(get_be16(d + LIT + 2), 1);
	assert_int_equal(get_be64(d + LIT + 4), 0);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr), 3000);
	assert_memory_equal(d + LIT + 16, orig + LIT + 16, 16);
	assert_true(t->x.f.ino[0].broot);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be32(l), 0x424d4133u);
	assert_int_equal(get_be16(l + 4), 0);
	assert_int_equal(get_be16(l + 6), 22);
	assert_int_equal(get_be64(l + 8), UINT64_MAX);
	assert_int_equal(get_be64(l + 16), UINT64_MAX);
	assert_int_equal(get_be64(l + 24), 3000 * (BS / 512));
	assert_int_equal(get_be64(l + 56), INO);
	assert_memory_equal(l + LHDR, orig + LIT, 21 * 16);
	want_rec(t, 3000, 21, 30, 500, 1);
	assert_int_equal(agf_free(t), FREEBLKS0 - 1);
	assert_int_equal(get_be32(got(t, BNO_ROOT, K_BTREE) + HDR), 3001);
	assert_int_equal(get_be32(got(t, BNO_ROOT, K_BTREE) + HDR + 4), 99);
	t_free(t);

	/* an unmap splitting the last of 21 extents, 20+10 at 140 (__xfs_bunmapi converts too) */
	t = t_new(NULL, 0);
	for (uint32_t k = 0; k < 20; k++)
		put_bmbt_rec(t->ino + LIT + 16 * k, k);
	put_be64(t->ino + LIT + 16 * 20, 20ull << 9);
	put_be64(t->ino + LIT + 16 * 20 + 8, 140ull << 21 | 10);
	d = put_inode(t, 21, 30);
	d[5] = XFS_DINODE_FMT_EXTENTS;
	bui(t, 2, 24, 144, 2, 0);
	d = got(t, IB, K_INODES);
	assert_int_equal(d[5], XFS_DINODE_FMT_BTREE);
	assert_int_equal(get_be32(d + 76), 22);
	assert_int_equal(get_be64(d + 64), 30 - 2 + 1);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr), 3000);
	assert_int_equal(get_be16(got(t, 3000, K_BMBT) + 6), 22);
	want_rec(t, 3000, 19, 19, 138, 1);
	want_rec(t, 3000, 20, 20, 140, 4);
	want_rec(t, 3000, 21, 26, 146, 4);
	t_free(t);
}

/* Leaves of cnt[0..n) records whose extent g (in order over the leaves) is 2g+1 at 1000 + 4g:
 * a hole after each; the root's keys follow. */
static struct t *t_spread(const uint32_t *cnt, uint32_t n)
{
	struct t *t = t_new(cnt, n);

	for (uint32_t j = 0, g = 0; j < n; j++) {
		put_be64(t->ino + LIT + 4 + 8 * j, 2 * g);
		for (uint32_t k = 0; k < cnt[j]; k++, g++)
			set_rec(t, LEAF0 + 2 * j, k, 2 * g, 1000 + 4 * g, 1);
	}
	return t;
}

/*
 * A BUI's map into a full bmbt leaf (xfs_btree_make_block_unfull): the right
 * sibling with room takes the leaf's last record (its root key following);
 * else the left sibling with room takes its first; else the leaf splits
 * (the upper half, the odd record right when the insert goes in the lower
 * half, into a block allocated near the leaf: the free extent 3000+100 gives
 * 3000), the new block's key and pointer inserted in the root after the
 * leaf's, the old right sibling's left link following; a root with no room
 * for another entry refused (a new level).
 */
static void test_new_level(struct t *t);

static void test_bui_split(void **state)
{
	uint64_t maxr = (ISIZE - LIT - 4) / 16;
	uint32_t cnt20[20];
	struct t *t;
	uint8_t *d, *l;

	(void)state;
	t = t_spread((const uint32_t[]){ 59, 30 }, 2); /* rshift */
	put_inode(t, 89, 89);
	bui_map(t, 21, 900, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 59);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 31);
	want_rec(t, LEAF0, 11, 21, 900, 1);
	want_rec(t, LEAF0, 58, 114, 1000 + 4 * 57, 1);
	want_rec(t, LEAF0 + 2, 0, 116, 1000 + 4 * 58, 1);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 116);
	assert_int_equal(get_be64(d + 64), 90);
	assert_true(t->x.f.ino[0].broot);
	t_free(t);

	t = t_spread((const uint32_t[]){ 30, 59 }, 2); /* lshift */
	put_inode(t, 89, 89);
	bui_map(t, 71, 900, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 31);
	assert_int_equal(get_be16(got(t, LEAF0 + 2, K_BMBT) + 6), 59);
	want_rec(t, LEAF0, 30, 60, 1000 + 4 * 30, 1);
	want_rec(t, LEAF0 + 2, 4, 70, 1000 + 4 * 35, 1);
	want_rec(t, LEAF0 + 2, 5, 71, 900, 1);
	assert_int_equal(get_be64(got(t, IB, K_INODES) + LIT + 4 + 8), 62);
	t_free(t);

	t = t_spread((const uint32_t[]){ 59 }, 1); /* a split, the record left */
	put_inode(t, 59, 60);
	bui_map(t, 1, 900, 1, 0);
	l = got(t, LEAF0, K_BMBT);
	assert_int_equal(get_be16(l + 6), 30);
	assert_int_equal(get_be64(l + 16), 3000);
	want_rec(t, LEAF0, 1, 1, 900, 1);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be16(l + 6), 30);
	assert_int_equal(get_be64(l + 8), LEAF0);
	assert_int_equal(get_be64(l + 16), UINT64_MAX);
	assert_int_equal(get_be64(l + 56), INO);
	want_rec(t, 3000, 0, 58, 1000 + 4 * 29, 1);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be16(d + LIT + 2), 2);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 58);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr + 8), 3000);
	assert_int_equal(get_be64(d + 64), 62);
	assert_int_equal(get_be32(d + 76), 60);
	assert_int_equal(agf_free(t), FREEBLKS0 - 1);
	t_free(t);

	t = t_spread((const uint32_t[]){ 59, 59 }, 2); /* a split, the record right */
	put_inode(t, 118, 120);
	bui_map(t, 81, 900, 1, 0);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 30);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be16(l + 6), 30);
	assert_int_equal(get_be64(l + 16), LEAF0 + 2);
	want_rec(t, 3000, 11, 81, 900, 1);
	assert_int_equal(get_be64(got(t, LEAF0 + 2, K_BMBT) + 8), 3000);
	d = got(t, IB, K_INODES);
	assert_int_equal(get_be16(d + LIT + 2), 3);
	assert_int_equal(get_be64(d + LIT + 4 + 8), 60);
	assert_int_equal(get_be64(d + LIT + 4 + 16), 118);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr + 8), 3000);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr + 16), LEAF0 + 2);
	t_free(t);

	for (uint32_t j = 0; j < 20; j++)
		cnt20[j] = 59;
	t = t_spread(cnt20, 20); /* no room in the root: a new level */
	put_inode(t, 20 * 59, 20 * 59 + 20);
	bui_map(t, 2 * 19 * 59 + 21, 900, 1, 0);
	test_new_level(t);
	t_free(t);
}

/*
 * The root full when the last leaf (19 of 20 full ones) splits: xfs_btree_new_iroot copies
 * the root's 20 entries into a block of level 1 allocated near the transaction's first
 * block (the split's 3000: 3001), the root goes to level 2 with that block its one entry,
 * and the split's key and pointer go into the block after the leaf's. Then, three levels
 * deep: a map into the full first leaf splits it (rshift and lshift impossible) into 3002,
 * whose entry goes into the level-1 block; an unmap of the first record of the new leaf
 * 3000 moves its key in the level-1 block, not in the root (not logged, XFS_ILOG_DBROOT
 * unset: xfs_btree_update_keys stops where the entry is not its block's first).
 */
static void test_new_level(struct t *t)
{
	uint8_t *d = got(t, IB, K_INODES), *n, *l;
	uint64_t maxr = (ISIZE - LIT - 4) / 16, mx = (BS - LHDR) / 16;

	assert_int_equal(get_be16(d + LIT), 2);
	assert_int_equal(get_be16(d + LIT + 2), 1);
	assert_int_equal(get_be64(d + LIT + 4), 0);
	assert_int_equal(get_be64(d + LIT + 4 + 8 * maxr), 3001);
	assert_int_equal(get_be64(d + 64), 20 * 59 + 20 + 1 + 2);
	assert_int_equal(get_be32(d + 76), 20 * 59 + 1);
	assert_int_equal(agf_free(t), FREEBLKS0 - 2);
	n = got(t, 3001, K_BMBT);
	assert_int_equal(get_be16(n + 4), 1);
	assert_int_equal(get_be16(n + 6), 21);
	assert_int_equal(get_be64(n + 8), UINT64_MAX);
	assert_int_equal(get_be64(n + 16), UINT64_MAX);
	assert_int_equal(get_be64(n + 56), INO);
	for (uint32_t j = 0; j < 20; j++) {
		assert_int_equal(get_be64(n + LHDR + 8 * j), 2 * 59 * j);
		assert_int_equal(get_be64(n + LHDR + 8 * (mx + j)), LEAF0 + 2 * j);
	}
	assert_int_equal(get_be64(n + LHDR + 8 * 20), 2 * (19 * 59 + 29));
	assert_int_equal(get_be64(n + LHDR + 8 * (mx + 20)), 3000);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be16(l + 4), 0);
	assert_int_equal(get_be16(l + 6), 30);
	assert_int_equal(get_be64(l + 8), LEAF0 + 38);
	assert_int_equal(get_be16(got(t, LEAF0 + 38, K_BMBT) + 6), 30);
	want_rec(t, LEAF0 + 38, 11, 2 * 19 * 59 + 21, 900, 1);

	t->x.f.ino[0].broot = false;
	bui_map(t, 1, 901, 1, 0);
	n = got(t, 3001, K_BMBT);
	assert_int_equal(get_be16(n + 6), 22);
	assert_int_equal(get_be64(n + LHDR + 8 * (mx + 1)), 3002);
	assert_int_equal(get_be64(n + LHDR + 8), 58);
	assert_int_equal(get_be64(n + LHDR + 8 * (mx + 2)), LEAF0 + 2);
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 30);
	want_rec(t, LEAF0, 1, 1, 901, 1);
	assert_int_equal(get_be16(got(t, 3002, K_BMBT) + 6), 30);
	assert_int_equal(get_be16(got(t, IB, K_INODES) + LIT + 2), 1);
	assert_false(t->x.f.ino[0].broot);

	bui(t, 2, 2 * (19 * 59 + 29), 0, 1, 0);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be16(l + 6), 29);
	assert_int_equal(get_be64(got(t, 3001, K_BMBT) + LHDR + 8 * 21), 2 * (19 * 59 + 30));
	assert_false(t->x.f.ino[0].broot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_order),
		cmocka_unit_test(test_truncate_three_leaves),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_truncate_two_levels),
		cmocka_unit_test(test_truncate_reflink),
		cmocka_unit_test(test_bui_map),
		cmocka_unit_test(test_bui_bad_crc),
		cmocka_unit_test(test_bui_unmap),
		cmocka_unit_test(test_bui_to_btree),
		cmocka_unit_test(test_bui_to_btree_quota),
		cmocka_unit_test(test_bui_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
