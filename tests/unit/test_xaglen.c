/*
 * The per-AG bounds of the XFS log's finish (libfsimg/xlog) on a filesystem
 * whose last AG is short: two AGs of 2048 one-KiB blocks, the second cut to
 * 952 by sb_dblocks (3000), as Linux 6.1's xfs_ag_block_count makes it.
 * The refcount btree of AG 1 is walked as xfs_btree_check_sptr allows
 * (xfs_verify_agbno against the AG's real end) and its records read as
 * xfs_refcount_get_rec checks them (xfs_verify_agbno on both ends), so a
 * child pointer or a record past block 951 is refused, not followed. The
 * image holds the whole 2048 blocks of AG 1 so that such a block reads as a
 * good one: without the per-AG bound the update would go on.
 *
 * The same bound, with the AG's headers (xfs_verify_agbno, xfs_verify_agbext),
 * holds what the finish takes from the log and the AGI before it reads:
 * a CUI's and an RUI's extent (xfs_cui_validate_phys, xfs_rui_validate_map)
 * and an unlinked inode's block (xfs_iget's xfs_verify_ino). One past block
 * 951 of AG 1 is refused as out of the AG, not read and worked on.
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
#include "xlog/ifree.h"
#include "xlog/intent.h"
#include "xlog/rmap.h"

#define BS 1024u
#define AGBLOCKS 2048u
#define DBLOCKS 3000u /* AG 1: agbno 0-951 */
#define AG1_LEN (DBLOCKS - AGBLOCKS)
#define HDR 56u
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define ROOT 8u
#define PAST 1000u /* in AG 1 past its end, below sb_agblocks */
#define AGF_REFC_BLOCKS offsetof(struct xfs_agf, agf_refcount_blocks)
#define AGF_REFC_ROOT offsetof(struct xfs_agf, agf_refcount_root)
#define AGF_REFC_LEVEL offsetof(struct xfs_agf, agf_refcount_level)

struct rc { uint32_t start, len, refc; };

/* AG 1's block agbno in the image */
static uint8_t *ag1_blk(struct xfin *x, uint32_t agbno)
{
	return x->img + (size_t)(AGBLOCKS + agbno) * BS;
}

/* A v5 short-form block of AG 1: its header with daddr and owner. */
static uint8_t *put_block(struct xfin *x, uint32_t agbno, uint32_t magic, uint16_t level, uint16_t n)
{
	uint8_t *b = ag1_blk(x, agbno);

	xfin_put_sblock(b, BS, magic, level, n);
	put_be64(b + 16, (uint64_t)(AGBLOCKS + agbno) * (BS / 512));
	put_be32(b + 48, 1);
	return b;
}

static void put_leaf(struct xfin *x, uint32_t agbno, const struct rc *recs, uint32_t n)
{
	uint8_t *b = put_block(x, agbno, 0x52334643u, 0, (uint16_t)n);

	for (uint32_t k = 0; k < n; k++) {
		put_be32(b + HDR + 12 * k, recs[k].start);
		put_be32(b + HDR + 12 * k + 4, recs[k].len);
		put_be32(b + HDR + 12 * k + 8, recs[k].refc);
	}
}

/* The two-AG image, v5 reflink, no rmapbt; AG 1's AGF (its length 952) with one-leaf free
 * space trees holding 300+500 and a refcount btree of levels levels rooted at ROOT. */
static struct xfin *t_new(uint32_t levels)
{
	struct xfin *x = xfin_new(2 * AGBLOCKS, BS, 11, true);
	uint8_t *agf = ag1_blk(x, 0) + 512;

	x->fs.sb.agblocks = AGBLOCKS;
	x->fs.sb.agcount = 2;
	x->fs.sb.dblocks = DBLOCKS;
	x->fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_REFLINK;
	x->fs.sb.inodesize = 512;
	put_be32(agf, XFS_AGF_MAGIC);
	put_be32(agf + 8, 1);
	put_be32(agf + 12, AG1_LEN);
	put_be32(agf + 16, BNO_ROOT);
	put_be32(agf + 20, CNT_ROOT);
	put_be32(agf + 28, 1);
	put_be32(agf + 32, 1);
	put_be32(agf + 48, 4);
	put_be32(agf + 52, 500);
	put_be32(agf + 56, 500);
	put_be32(agf + AGF_REFC_ROOT, ROOT);
	put_be32(agf + AGF_REFC_LEVEL, levels);
	put_be32(agf + AGF_REFC_BLOCKS, levels);
	put_be32(put_block(x, BNO_ROOT, 0x41423342u, 0, 1) + HDR, 300);
	put_be32(ag1_blk(x, BNO_ROOT) + HDR + 4, 500);
	put_be32(put_block(x, CNT_ROOT, 0x41423343u, 0, 1) + HDR, 300);
	put_be32(ag1_blk(x, CNT_ROOT) + HDR + 4, 500);
	return x;
}

/* A CUI increase of AG 1's [agbno, agbno + len): 0, or 1 when the finish refuses it. */
static int increase(struct xfin *x, uint32_t agbno, uint32_t len)
{
	struct xlog_ext e = { (uint64_t)1 << 11 | agbno, len, 0, 0, 1 };
	struct refc_tx tx = { 0, 0, false };
	struct intent_defer d;

	memset(&d, 0, sizeof d);
	return xlog_intent_refcount(&x->f, &e, &d, &tx);
}

static void expect_refused(struct xfin *x, const char *want)
{
	assert_true(x->f.refused);
	if (!strstr(x->why, want))
		fail_msg("refused, but not for %s: %s", want, x->why);
}

/* The root node's only child at agbno 1000 of AG 1 (xfs_btree_check_sptr: past the AG's
 * 952 blocks); the same leaf at agbno 900 is walked and updated. */
static void test_child_past_short_ag(void **state)
{
	const struct rc in[] = { { 100, 20, 2 } };
	uint32_t ptr_off = HDR + (BS - HDR) / 8 * 4; /* node: maxrecs keys of 4, then pointers */

	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct xfin *x = t_new(2);
		uint32_t leaf = past ? PAST : 900;
		uint8_t *root = put_block(x, ROOT, 0x52334643u, 1, 1);

		put_be32(root + HDR, 100);
		put_be32(root + ptr_off, leaf);
		put_leaf(x, leaf, in, 1);
		if (past) {
			assert_int_equal(increase(x, 105, 5), 1);
			expect_refused(x, "block 1000 is out of the AG");
		} else {
			assert_int_equal(increase(x, 105, 5), 0);
			assert_false(x->f.refused);
			assert_int_equal(get_be16(xfin_got(x, AGBLOCKS + leaf, K_BTREE) + 6), 3);
		}
		xfin_free(x);
	}
}

/* A record of AG 1 reaching past its end (900+100, the AG ends at 952) is not valid
 * (xfs_refcount_get_rec); one ending at the AG's last block is split as usual. */
static void test_record_past_short_ag(void **state)
{
	const struct rc past[] = { { 900, 100, 2 } }, last[] = { { 900, AG1_LEN - 900, 2 } };
	struct xfin *x = t_new(1);

	(void)state;
	put_leaf(x, ROOT, past, 1);
	assert_int_equal(increase(x, 900, 5), 1);
	expect_refused(x, "refcount record 900+100 (refcount 2) is not valid");
	xfin_free(x);

	x = t_new(1);
	put_leaf(x, ROOT, last, 1);
	assert_int_equal(increase(x, 900, 5), 0);
	assert_false(x->f.refused);
	assert_int_equal(get_be16(xfin_got(x, AGBLOCKS + ROOT, K_BTREE) + 6), 2);
	xfin_free(x);
}

/* A CUI increase of AG 1's 940+20 reaches block 959, past the AG's 952: refused before the
 * refcount btree is read; 930+22 (to block 951) is updated as usual. */
static void test_cui_past_short_ag(void **state)
{
	const struct rc in[] = { { 900, AG1_LEN - 900, 2 } };

	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct xfin *x = t_new(1);

		put_leaf(x, ROOT, in, 1);
		assert_int_equal(increase(x, past ? 940 : 930, past ? 20 : 22), past);
		if (past)
			expect_refused(x, "extent fsb 2988+20 out of its AG");
		else
			assert_false(x->f.refused);
		xfin_free(x);
	}
}

/* An RUI map of AG 1's 940+20, past its end: refused as out of the AG. Within it (930+22)
 * the update goes on to the rmap btree, which this filesystem has not: refused for that,
 * not for the extent. */
static void test_rui_past_short_ag(void **state)
{
	(void)state;
	for (int past = 1; past >= 0; past--) {
		struct xfin *x = t_new(1);
		struct xlog_ext e = { (uint64_t)1 << 11 | (past ? 940 : 930), past ? 20 : 22, 200, 0, RMAP_MAP };
		int r = xlog_intent_rmap(&x->f, &e);

		if (past) {
			assert_int_equal(r, 1);
			expect_refused(x, "rmap of AG 1 extent 940+20 out of the AG");
		} else if (strstr(x->why, "out of the AG")) {
			fail_msg("an extent inside AG 1 refused as out of it: %s", x->why);
		}
		xfin_free(x);
	}
}

/* AG 1's AGI bucket naming agino (two 512-byte inodes a block), the mount's finish of it:
 * nothing left pending, and the bucket as the finish leaves it. */
static uint32_t unlinked_finish(uint32_t agino)
{
	struct xfin *x = t_new(1);
	uint8_t *agi = ag1_blk(x, 1); /* sector 2 of AG 1 */
	uint8_t after[512];
	struct xlog_pending e;
	struct xlog_plan p;
	uint32_t bucket = agino % XFS_AGI_UNLINKED_BUCKETS;

	x->fs.sb.inopblog = 1;
	x->fs.sb.inopblock = 2;
	/* inode chunks aligned (mkfs's default): xfs_imap finds a cluster without the inobt */
	x->fs.sb.versionnum |= XFS_SB_VERSION_ALIGNBIT;
	x->fs.sb.inoalignmt = 8;
	put_be32(agi, XFS_AGI_MAGIC);
	put_be32(agi + 8, 1);
	put_be32(agi + 12, AG1_LEN);
	for (uint32_t k = 0; k < XFS_AGI_UNLINKED_BUCKETS; k++)
		put_be32(agi + AGI_UNLINKED + 4 * k, 0xffffffffu);
	put_be32(agi + AGI_UNLINKED + 4 * bucket, agino);
	memset(&e, 0, sizeof e);
	e.type = XFS_LI_IUNLINK;
	e.id = (uint64_t)1 << 12 | agino;
	e.ag = 1;
	e.agino = agino;
	e.bucket = bucket;
	snprintf(e.what, sizeof e.what, "unlinked inode %llu", (unsigned long long)e.id);
	memset(&p, 0, sizeof p);
	p.pending = &e;
	p.npending = p.cappending = 1;
	assert_int_equal(xlog_mount_finish(&x->log, &x->o, &p), 0);
	if (p.npending)
		fail_msg("left pending: %s", e.what);
	assert_int_equal(xlog_ovl_read(&x->o, &x->log, after, (uint64_t)(AGBLOCKS + 1) * (BS / 512), 1), 0);
	for (size_t i = 0; i < p.nfin_prev; i++)
		free(p.fin_prev[i].b);
	free(p.fin_prev);
	xfin_free(x);
	return get_be32(after + AGI_UNLINKED + 4 * bucket);
}

/* An unlinked inode in block 1000 of AG 1 (agino 2000), past its end: its block is not
 * read, xfs_iget fails (xfs_imap: the cluster past sb_dblocks), and the mount clears the
 * bucket (xlog_recover_clear_agi_bucket); one in block 900 is read, zeros there: the
 * inode cluster verifier fails, the bucket cleared too. */
static void test_unlinked_past_short_ag(void **state)
{
	(void)state;
	assert_int_equal(unlinked_finish(2 * PAST), 0xffffffffu);
	assert_int_equal(unlinked_finish(2 * 900), 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_past_short_ag),
		cmocka_unit_test(test_record_past_short_ag),
		cmocka_unit_test(test_cui_past_short_ag),
		cmocka_unit_test(test_rui_past_short_ag),
		cmocka_unit_test(test_unlinked_past_short_ag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
