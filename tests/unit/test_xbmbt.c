/*
 * A BUI's map into a data fork in btree form in the XFS log's finish
 * (libfsimg/xlog/bmbt.c, intent_bmap.c), against Linux 6.1's
 * xfs_bmapi_remap and xfs_bmap_add_extent_hole_real: inserted into its
 * leaf, merged with its left neighbour, taken by the next leaf's first
 * record (the keys following it), a full leaf shifting or splitting, a new
 * level; an inode failing its checksum refused. A BUI's unmap
 * (xfs_bmap_del_extent_real): a whole extent deleted, trimmed at either
 * end, split in two, a leaf rebalanced, a return to extents form. A map
 * into a full extents-form fork: the fork turned into a btree of one leaf
 * in a block allocated near the inode, charged to the dquots. The fixture
 * is xbmbt_fixture.h's; the unlinked inode's truncate is in
 * test_xbmbt_trunc.c, the attribute fork's tests in test_xbmbt_attr.c.
 */
#include "xbmbt_fixture.h"

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

/* test_bui_to_btree's conversion with block 3000 a block the running transaction invalidated
 * (its buffer that transaction's, bytes 0xa5 past a bmbt header): xfs_btree_init_block_int
 * writes the new leaf's header over the buffer and the extents after it; past the 22
 * records the buffer's bytes stay (zeroed whole before). */
static void test_bui_to_btree_over_buffer(void **state)
{
	struct t *t = t_new(NULL, 0);
	uint8_t *d, *l, *b = blk(t, 3000);

	(void)state;
	memset(b, 0xa5, BS);
	memcpy(b, "BMA3", 4);
	put_be16(b + 4, 0);
	put_be16(b + 6, 0);
	memset(b + 8, 0xff, 16);
	put_be64(b + 24, 3000 * (BS / 512));
	put_le32(b + 64, 0); /* its crc32c put by the fixture's read */
	for (uint32_t k = 0; k < 21; k++)
		put_bmbt_rec(t->ino + LIT + 16 * k, k);
	d = put_inode(t, 21, 21);
	d[5] = XFS_DINODE_FMT_EXTENTS;
	assert_int_equal(xlog_fin_bmbt_stale(&t->x.f, 3000), 0);
	bui_map(t, 30, 500, 1, 0);
	assert_int_equal(t->x.f.nforce, 0);
	l = got(t, 3000, K_BMBT);
	assert_int_equal(get_be16(l + 6), 22);
	assert_int_equal(get_be64(l + 32), 0); /* bb_lsn, stamped when written */
	want_rec(t, 3000, 21, 30, 500, 1);
	for (uint32_t i = LHDR + 22 * 16; i < BS; i++)
		assert_int_equal(l[i], 0xa5);
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
		cmocka_unit_test(test_bui_map),
		cmocka_unit_test(test_bui_bad_crc),
		cmocka_unit_test(test_bui_unmap),
		cmocka_unit_test(test_bui_to_btree),
		cmocka_unit_test(test_bui_to_btree_over_buffer),
		cmocka_unit_test(test_bui_to_btree_quota),
		cmocka_unit_test(test_bui_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
