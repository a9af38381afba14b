/*
 * The bmbt cursor's bounds in the XFS log's finish (libfsimg/xlog/bmbt.c's
 * bcur_read) on a filesystem whose last AG is short: a child or sibling
 * pointer is checked against its own AG's length, as Linux 6.1's
 * xfs_verify_fsbno does through xfs_ag_block_count (sb_dblocks less the
 * AGs before the last), not against sb_agblocks. A pointer past the end of
 * the short last AG is refused like one out of the filesystem, never read
 * past the device, in a BUI's map as in an unlinked file's truncate
 * (ifree_fork.c); so is a BUI's owner in a block past it (xfs_verify_ino)
 * and an attribute block there (ifree_attr.c).
 * The fixture is xbmbt_fixture.h's, its geometry made two
 * AGs of 2048 blocks, the second cut to 952 (sb_dblocks 3000).
 */
#include "xbmbt_fixture.h"

#define AGBLOCKS 2048u
#define DBLOCKS 3000u /* AG 1: agbno 0-951 */

/* The two-AG geometry on xbmbt_fixture.h's t. */
static struct t *short_last_ag(struct t *t)
{
	t->x.fs.sb.agblocks = AGBLOCKS;
	t->x.fs.sb.agblklog = 11;
	t->x.fs.sb.agcount = 2;
	t->x.fs.sb.dblocks = DBLOCKS;
	return t;
}

/* Leaves of 40 and 30 extents (xbmbt_fixture.h) on the two-AG geometry. */
static struct t *t_short_last_ag(void)
{
	return short_last_ag(t_new((const uint32_t[]){ 40, 30 }, 2));
}

/* 80+1 at fsb mapped (xfs_bmapi_remap): it goes at the second leaf's end. */
static int map80_at(struct t *t, uint64_t fsb)
{
	struct xlog_ext x = { .startblock = fsb, .len = 1, .owner = (uint64_t)IB << 1, .startoff = 80, .flags = 1 };
	struct intent_defer dq;

	memset(&dq, 0, sizeof dq);
	put_inode(t, 70, 72);
	return xlog_intent_bmap(&t->x.f, &x, &dq);
}

/* the same at block 300 */
static int map80(struct t *t)
{
	return map80_at(t, 300);
}

static void map_refused_at(struct t *t, uint64_t fsb, const char *want)
{
	assert_int_equal(map80_at(t, fsb), 1);
	if (!strstr(t->x.why, want))
		fail_msg("refused, but not for %s: %s", want, t->x.why);
}

static void map_refused(struct t *t, const char *want)
{
	map_refused_at(t, 300, want);
}

/* A leaf's right sibling in AG 1 past its 952 blocks (agbno 1000, below sb_agblocks):
 * refused as xfs_btree_check_lblock_siblings refuses it; agbno 951, the AG's last, is
 * a block of the filesystem: the map goes on (an insert reads no sibling). */
static void test_sibling_past_short_ag(void **state)
{
	uint64_t past = 1ull << 11 | 1000, last = 1ull << 11 | (DBLOCKS - AGBLOCKS - 1);
	struct t *t = t_short_last_ag();

	(void)state;
	put_be64(blk(t, LEAF0 + 2) + 16, past);
	map_refused(t, "bad right sibling 3048");
	t_free(t);

	t = t_short_last_ag();
	put_be64(blk(t, LEAF0 + 2) + 16, last);
	assert_int_equal(map80(t), 0);
	t_free(t);
}

/* The root's pointer to its second leaf moved to AG 1 agbno 1000: out of the filesystem,
 * not a block read there (xfs_btree_check_lptr). */
static void test_child_past_short_ag(void **state)
{
	uint32_t maxr = (ISIZE - LIT - 4) / 16;
	struct t *t = t_short_last_ag();

	(void)state;
	put_be64(t->ino + LIT + 4 + 8 * maxr + 8, 1ull << 11 | 1000);
	map_refused(t, "bmbt pointer 3048 is out of the filesystem");
	t_free(t);
}

/* A BUI whose owner is an inode in AG 1's block 1000, past its end (xfs_bui_validate's
 * xfs_verify_ino): refused, its block not read; one in block 951 is read (nothing there:
 * not an inode). */
static void test_owner_past_short_ag(void **state)
{
	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct t *t = t_short_last_ag();
		uint64_t ino = (1ull << 11 | (past ? 1000 : DBLOCKS - AGBLOCKS - 1)) << 1;
		struct xlog_ext x = { .startblock = 300, .len = 1, .owner = ino, .startoff = 80, .flags = 1 };
		struct intent_defer dq;

		memset(&dq, 0, sizeof dq);
		assert_int_equal(xlog_intent_bmap(&t->x.f, &x, &dq), 1);
		if (!strstr(t->x.why, past ? "inode 6096 out of the filesystem" : "inode 5998 is not a v3 inode"))
			fail_msg("owner %llu: %s", (unsigned long long)ino, t->x.why);
		t_free(t);
	}
}

/* The BUI's extent at AG 1 block 1000, past its end (xfs_bui_validate's xfs_verify_fsbext):
 * refused, nothing mapped; at block 951, the AG's last, it is mapped. */
static void test_map_past_short_ag(void **state)
{
	struct t *t = t_short_last_ag();

	(void)state;
	map_refused_at(t, 1ull << 11 | 1000, "extent fsb 3048+1 at offset 80 is not what it should be");
	t_free(t);
	t = t_short_last_ag();
	assert_int_equal(map80_at(t, 1ull << 11 | (DBLOCKS - AGBLOCKS - 1)), 0);
	t_free(t);
}

/* The unlinked file's truncate reads its bmbt (ifree_fork.c, xfs_btree_check_lptr): the
 * root's pointer to its second leaf at AG 1 block 1000 is out of the filesystem, not read;
 * at block 951 it is read (zeros there: its checksum fails). */
static void test_truncate_child_past_short_ag(void **state)
{
	uint32_t maxr = (ISIZE - LIT - 4) / 16;

	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct t *t = t_short_last_ag();
		uint64_t fsb = 1ull << 11 | (past ? 1000 : DBLOCKS - AGBLOCKS - 1);
		uint8_t *recs = NULL;
		struct bmbt b;

		put_be64(t->ino + LIT + 4 + 8 * maxr + 8, fsb);
		put_be64(blk(t, LEAF0) + 16, fsb); /* the first leaf's right sibling, as it must be */
		assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
		assert_null(recs);
		if (!strstr(t->x.why, past ? "bmbt pointer 3048 is out of the filesystem"
					   : "daddr 5998 (bmbt block) fails its checksum"))
			fail_msg("pointer %llu: %s", (unsigned long long)fsb, t->x.why);
		t_free(t);
	}
}

/* An unlinked inode's attribute fork in extents form, its block 0 at AG 1 block 1000, past
 * its end (xfs_bmap_validate_extent's xfs_verify_fsbno): refused, not read; at block 951
 * it is read (zeros there: no leaf or node). */
static void test_attr_block_past_short_ag(void **state)
{
	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct t *t = short_last_ag(t_new(NULL, 0));
		uint64_t fsb = 1ull << 11 | (past ? 1000 : DBLOCKS - AGBLOCKS - 1);
		struct afork a;

		t->ino[82] = 15; /* di_forkoff: the attribute fork at byte 120 of the literal area */
		t->ino[83] = XFS_DINODE_FMT_EXTENTS;
		put_be16(t->ino + 80, 1);
		put_be64(t->ino + LIT + 120, fsb >> 43);
		put_be64(t->ino + LIT + 120 + 8, fsb << 21 | 1);
		assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
		if (!strstr(t->x.why, past ? "its attribute block 0 is out of the filesystem"
					   : "its attribute block 0 is not a leaf or node of it"))
			fail_msg("attribute block at %llu: %s", (unsigned long long)fsb, t->x.why);
		t_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sibling_past_short_ag),
		cmocka_unit_test(test_child_past_short_ag),
		cmocka_unit_test(test_owner_past_short_ag),
		cmocka_unit_test(test_map_past_short_ag),
		cmocka_unit_test(test_truncate_child_past_short_ag),
		cmocka_unit_test(test_attr_block_past_short_ag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
