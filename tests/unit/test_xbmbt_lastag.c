/*
 * The bmbt cursor's bounds in the XFS log's finish (libfsimg/xlog/bmbt.c's
 * bcur_read) on a filesystem whose last AG is short: a child or sibling
 * pointer is checked against its own AG's length, as Linux 6.1's
 * xfs_verify_fsbno does through xfs_ag_block_count (sb_dblocks less the
 * AGs before the last), not against sb_agblocks. A pointer past the end of
 * the short last AG is refused like one out of the filesystem, never read
 * past the device. The fixture is xbmbt_fixture.h's, its geometry made two
 * AGs of 2048 blocks, the second cut to 952 (sb_dblocks 3000).
 */
#include "xbmbt_fixture.h"

#define AGBLOCKS 2048u
#define DBLOCKS 3000u /* AG 1: agbno 0-951 */

/* Leaves of 40 and 30 extents (xbmbt_fixture.h) on the two-AG geometry. */
static struct t *t_short_last_ag(void)
{
	struct t *t = t_new((const uint32_t[]){ 40, 30 }, 2);

	t->x.fs.sb.agblocks = AGBLOCKS;
	t->x.fs.sb.agblklog = 11;
	t->x.fs.sb.agcount = 2;
	t->x.fs.sb.dblocks = DBLOCKS;
	return t;
}

/* 80+1 at block 300 mapped (xfs_bmapi_remap): it goes at the second leaf's end. */
static int map80(struct t *t)
{
	struct xlog_ext x = { .startblock = 300, .len = 1, .owner = (uint64_t)IB << 1, .startoff = 80, .flags = 1 };
	struct intent_defer dq;

	memset(&dq, 0, sizeof dq);
	put_inode(t, 70, 72);
	return xlog_intent_bmap(&t->x.f, &x, &dq);
}

static void map_refused(struct t *t, const char *want)
{
	assert_int_equal(map80(t), 1);
	if (!strstr(t->x.why, want))
		fail_msg("refused, but not for %s: %s", want, t->x.why);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sibling_past_short_ag),
		cmocka_unit_test(test_child_past_short_ag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
