/*
 * The reverse-mapping btree edits of the XFS log's finish (libfsimg/xlog/
 * rmap.c, rmap_bt.c) on a hand-built AG: the record rules of Linux 6.1's
 * fs/xfs/libxfs/xfs_rmap.c (xfs_rmap_map and _unmap with their merges and
 * splits, xfs_rmap_convert and _convert_shared with their merge cases, the _shared variants that find neighbours by owner and offset
 * among overlapping records and move keys by delete + insert), the
 * overlapping btree's node keys, the AGFL check, a CUI's CoW staging
 * refcount changes (intent_refc.c), a BUI's unmap (intent_bmap.c), and the refusals (a full
 * leaf, a leaf under a node falling below half, a record that is not
 * there).
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
#include "xlog/intent.h"
#include "xlog/rmap.h"

#define BS 1024u
#define NBLOCKS 64u
#define AGF_DADDR 1u
#define ROOT 5u
#define LEAF_A 6u
#define LEAF_B 7u
#define REC 24u
#define HDR 56u
#define LMAX ((BS - HDR) / REC) /* 40 */
#define NMAX ((BS - HDR) / 44u) /* 22 */
#define INO 131ull
#define INO2 140ull

struct t {
	struct xfin x;
};

static void put_rec(uint8_t *p, uint32_t start, uint32_t len, uint64_t owner, uint64_t off, uint32_t flags)
{
	put_be32(p, start);
	put_be32(p + 4, len);
	put_be64(p + 8, owner);
	put_be64(p + 16, off | (flags & RMAP_F_ATTR ? 1ull << 63 : 0) | (flags & RMAP_F_BMBT ? 1ull << 62 : 0) |
				 (flags & RMAP_F_UNWRITTEN ? 1ull << 61 : 0));
}

static void put_block(uint8_t *img, uint32_t agbno, uint16_t level, uint16_t n)
{
	uint8_t *b = img + (size_t)agbno * BS;

	memset(b, 0, BS);
	put_be32(b, 0x524d4233u);
	put_be16(b + 4, level);
	put_be16(b + 6, n);
	put_be32(b + 8, 0xffffffffu);
	put_be32(b + 12, 0xffffffffu);
	put_be64(b + 16, (uint64_t)agbno * (BS / 512)); /* the v5 header's daddr, as the verifier wants */
}

/* An AG of 64 one-KiB blocks: the AGF (the free space btrees one level, the AGFL as long as
 * 6.1 wants: 2 per btree), the rmapbt a root leaf at block 5 with the records given. */
static struct t *t_new(uint32_t rmap_level, uint32_t flcount)
{
	struct t *t = calloc(1, sizeof *t);

	assert_non_null(t);
	xfin_open(&t->x, NBLOCKS, BS, 6, true);
	t->x.fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_RMAPBT | XFS_SB_FEAT_RO_COMPAT_REFLINK;
	/* an AG as big as a real one says it is, so that no tree here is at its most levels
	 * (xfs_alloc_min_freelist caps each tree's levels + 1 there); the blocks used stay
	 * within the image's first NBLOCKS */
	t->x.fs.sb.agblocks = 1u << 20;

	uint8_t *agf = t->x.img + AGF_DADDR * 512;
	put_be32(agf, XFS_AGF_MAGIC);
	put_be32(agf + 24, ROOT);
	put_be32(agf + 28, 1);
	put_be32(agf + 32, 1);
	put_be32(agf + 36, rmap_level);
	put_be32(agf + 48, flcount);
	put_block(t->x.img, ROOT, (uint16_t)(rmap_level - 1), 0);
	return t;
}

static void t_free(struct t *t)
{
	xfin_close(&t->x);
	free(t);
}

/* Records into block agbno of the image (before the finish reads it). */
static void set_recs(struct t *t, uint32_t agbno, const struct rrec *r, uint16_t n)
{
	uint8_t *b = t->x.img + (size_t)agbno * BS;

	put_be16(b + 6, n);
	for (uint16_t i = 0; i < n; i++)
		put_rec(b + HDR + (size_t)i * REC, r[i].start, r[i].len, r[i].owner, r[i].off, r[i].flags);
}

/* Block agbno as the finish leaves it. */
static uint8_t *got(struct t *t, uint32_t agbno)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (BS / 512), BS / 512, K_BTREE, &b), 0);
	return b->b;
}

static void expect_recs(struct t *t, uint32_t agbno, const struct rrec *r, uint16_t n)
{
	uint8_t *b = got(t, agbno), want[REC];

	assert_int_equal(get_be16(b + 6), n);
	for (uint16_t i = 0; i < n; i++) {
		put_rec(want, r[i].start, r[i].len, r[i].owner, r[i].off, r[i].flags);
		if (memcmp(b + HDR + (size_t)i * REC, want, REC)) {
			fail_msg("record %u: %u+%u owner %lld off %llu, expected %u+%u owner %lld off %llu", i,
				 get_be32(b + HDR + i * REC), get_be32(b + HDR + i * REC + 4),
				 (long long)get_be64(b + HDR + i * REC + 8),
				 (unsigned long long)get_be64(b + HDR + i * REC + 16), r[i].start, r[i].len,
				 (long long)r[i].owner, (unsigned long long)r[i].off);
		}
	}
}

static const struct rrec FSREC = { 0, 4, RMAP_OWN_FS, 0, 0 };

/* xfs_rmap_map: contiguous in block and offset, same owner: one record */
static void test_map_merges_both(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 2, INO, 0, 0 }, { 15, 2, INO, 5, 0 } };
	struct rrec out[] = { FSREC, { 10, 7, INO, 0, 0 } };

	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 12, 3, INO, 2, 0), 0);
	assert_false(t->x.f.refused);
	expect_recs(t, ROOT, out, 2);
	/* xfs_btree_delrec leaves the last slot's bytes */
	assert_int_equal(get_be32(got(t, ROOT) + HDR + 2 * REC), 15);
	t_free(t);
}

/* not contiguous in file offset, or another state: a record of its own */
static void test_map_no_merge(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 2, INO, 0, 0 }, { 15, 2, INO, 9, 0 } };
	struct rrec out[] = { FSREC, { 10, 2, INO, 0, 0 }, { 12, 3, INO, 2, RMAP_F_UNWRITTEN }, { 15, 2, INO, 9, 0 } };

	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 12, 3, INO, 2, RMAP_F_UNWRITTEN), 0);
	expect_recs(t, ROOT, out, 4);
	t_free(t);
}

/* xfs_rmap_get_rec checks each neighbour it reads (xfs_rmap_check_irec): a right
 * neighbour running past the AG's end is the kernel's corruption, not a record to merge
 * with (fuzz_xfin's question) */
static void test_map_neighbour_out_of_ag(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 2, INO, 0, 0 }, { 15, 2, INO, 5, 0 } };

	in[2].len = t->x.fs.sb.agblocks - 15 + 1;
	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 12, 3, INO, 2, 0), 1);
	assert_true(t->x.f.refused);
	assert_non_null(strstr(t->x.why, "out of the AG"));
	t_free(t);
}

/* xfs_rmap_unmap in the middle: the record trimmed and the rest inserted after it */
static void test_unmap_middle(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 10, INO, 100, 0 }, { 30, 1, RMAP_OWN_INODES, 0, 0 } };
	struct rrec out[] = { FSREC, { 10, 3, INO, 100, 0 }, { 16, 4, INO, 106, 0 }, { 30, 1, RMAP_OWN_INODES, 0, 0 } };

	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_UNMAP, 0, 13, 3, INO, 103, 0), 0);
	expect_recs(t, ROOT, out, 4);
	t_free(t);
}

/* a CoW staging extent's record (owner OWN_COW, offset ignored) removed whole; the
 * wrong owner or a range no record covers is the kernel's corruption: refused */
static void test_unmap_cow_and_refusals(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 20, 5, RMAP_OWN_COW, 0, 0 }, { 25, 1, INO, 0, 0 } };
	struct rrec out[] = { FSREC, { 25, 1, INO, 0, 0 } };

	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 20, 5, RMAP_OWN_COW, 0, 0), 0);
	expect_recs(t, ROOT, out, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 25, 1, RMAP_OWN_COW, 0, 0), 1);
	assert_true(t->x.f.refused);
	assert_non_null(strstr(t->x.why, "another owner"));
	t_free(t);

	t = t_new(1, 6);
	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 40, 2, RMAP_OWN_COW, 0, 0), 1);
	assert_non_null(strstr(t->x.why, "no record covers"));
	t_free(t);
}

/* EFI recovery's unknown owner: a range without records is done; one inside a record
 * of any owner is removed from it */
static void test_unmap_unknown_owner(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 20, 5, INO, 7, 0 } };
	struct rrec out[] = { FSREC, { 20, 3, INO, 7, 0 } };

	set_recs(t, ROOT, in, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 30, 2, RMAP_OWN_UNKNOWN, 0, 0), 0);
	expect_recs(t, ROOT, in, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 23, 2, RMAP_OWN_UNKNOWN, 0, 0), 0);
	expect_recs(t, ROOT, out, 2);
	t_free(t);
}

/* xfs_rmap_map_shared: the left neighbour of the same owner found among another owner's
 * overlapping records (the range query), extended in place */
static void test_map_shared_left(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 4, INO, 0, 0 }, { 10, 4, INO2, 0, 0 }, { 12, 4, INO2 + 1, 0, 0 } };
	struct rrec out[] = { FSREC, { 10, 6, INO, 0, 0 }, { 10, 4, INO2, 0, 0 }, { 12, 4, INO2 + 1, 0, 0 } };

	set_recs(t, ROOT, in, 4);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP_SHARED, 0, 14, 2, INO, 4, 0), 0);
	expect_recs(t, ROOT, out, 4);
	t_free(t);
}

/* merged into the right neighbour: its key moves, so it is deleted and inserted again,
 * in key order among the other owners' records */
static void test_map_shared_right(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 8, 6, INO2, 0, 0 }, { 12, 3, INO, 2, 0 } };
	struct rrec out[] = { FSREC, { 8, 6, INO2, 0, 0 }, { 10, 5, INO, 0, 0 } };

	set_recs(t, ROOT, in, 3);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP_SHARED, 0, 10, 2, INO, 0, 0), 0);
	expect_recs(t, ROOT, out, 3);
	t_free(t);
}

/* xfs_rmap_unmap_shared at the start: delete + insert at the new key */
static void test_unmap_shared_left(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	struct rrec in[] = { FSREC, { 10, 6, INO, 30, 0 }, { 10, 6, INO2, 0, 0 }, { 12, 2, INO + 1, 0, 0 } };
	struct rrec out[] = { FSREC, { 10, 6, INO2, 0, 0 }, { 12, 2, INO + 1, 0, 0 }, { 13, 3, INO, 33, 0 } };

	set_recs(t, ROOT, in, 4);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_UNMAP_SHARED, 0, 10, 3, INO, 30, 0), 0);
	expect_recs(t, ROOT, out, 4);
	t_free(t);
}

/* xfs_alloc_min_freelist caps each tree's levels + 1 at the most levels a tree of the AG's
 * size can have: in an AG of 4096 1 KiB blocks the free space trees have at most 2 levels,
 * so two-level ones want 2 AGFL blocks each (not 4) and a 6-block AGFL is left as it is
 * (Linux 6.1 crash rows free into such AGs without refilling) */
static void test_agfl_capped_levels(void **state)
{
	(void)state;
	struct t *t = t_new(1, 6);
	uint8_t *agf = t->x.img + AGF_DADDR * 512;
	struct rrec in[] = { FSREC };
	struct rrec out[] = { FSREC, { 10, 1, INO, 0, 0 } };

	t->x.fs.sb.agblocks = 4096;
	put_be32(agf + 28, 2); /* bnobt levels */
	put_be32(agf + 32, 2); /* cntbt levels */
	set_recs(t, ROOT, in, 1);
	assert_int_equal(xfs_alloc_maxlevels(&t->x.fs), 2);
	assert_int_equal(xfs_rmap_maxlevels(&t->x.fs), 4);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 10, 1, INO, 0, 0), 0);
	assert_false(t->x.f.refused);
	struct blk *agf1;
	assert_int_equal(xlog_fin_get(&t->x.f, AGF_DADDR, 1, K_AGF, &agf1), 0);
	assert_int_equal(get_be32(agf1->b + 48), 6);
	expect_recs(t, ROOT, out, 2);
	/* a 7-block AGFL is one too long for these trees: its first block comes off, its free
	 * deferred (xfs_defer_agfl_block) for when the deferred op ends (test_xagfl) */
	t_free(t);
	t = t_new(1, 7);
	t->x.fs.sb.agblocks = 4096;
	put_be32(t->x.img + AGF_DADDR * 512 + 28, 2);
	put_be32(t->x.img + AGF_DADDR * 512 + 32, 2);
	put_be32(t->x.img + 3 * 512, 0x5841464cu); /* the AGFL, its first slot block 20 */
	put_be32(t->x.img + 3 * 512 + 36, 20);
	set_recs(t, ROOT, in, 1);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 10, 1, INO, 0, 0), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(xlog_fin_get(&t->x.f, AGF_DADDR, 1, K_AGF, &agf1), 0);
	assert_int_equal(get_be32(agf1->b + 48), 6);
	assert_int_equal(t->x.f.nagflq, 1);
	assert_int_equal(t->x.f.agflq[0].bno, 20);
	t_free(t);
}

/* the AGFL: 2 * height per btree (the rmapbt's too), refilled when short; a full leaf splits */
static void test_agfl_and_full_leaf(void **state)
{
	(void)state;
	struct t *t = t_new(1, 5);
	struct rrec in[LMAX];

	/* one block short: xfs_alloc_fix_freelist takes it from the by-size tree's first
	 * extent long enough (its start), the AGFL gets it, the rmapbt an OWN_AG record */
	uint8_t *agf0 = t->x.img + AGF_DADDR * 512, *agfl0 = t->x.img + 3 * 512;
	put_be32(agfl0, 0x5841464cu);
	for (uint32_t i = 0; i < 5; i++)
		put_be32(agfl0 + 36 + 4 * i, 20 + i);
	put_be32(agf0 + 16, 8);  /* bnobt root */
	put_be32(agf0 + 20, 9);  /* cntbt root */
	put_be32(agf0 + 44, 4);  /* fllast */
	put_be32(agf0 + 52, 10); /* freeblks */
	put_be32(agf0 + 56, 10); /* longest */
	for (uint32_t b = 8; b <= 9; b++) {
		uint8_t *blk = t->x.img + b * BS;
		put_block(t->x.img, b, 0, 1);
		put_be32(blk, b == 8 ? 0x41423342u : 0x41423343u);
		put_be32(blk + HDR, 30);
		put_be32(blk + HDR + 4, 10);
	}
	set_recs(t, ROOT, &FSREC, 1);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 10, 1, INO, 0, 0), 0);
	assert_false(t->x.f.refused);
	struct blk *agf1, *agfl1;
	assert_int_equal(xlog_fin_get(&t->x.f, AGF_DADDR, 1, K_AGF, &agf1), 0);
	assert_int_equal(xlog_fin_get(&t->x.f, 3, 1, K_AGFL, &agfl1), 0);
	assert_int_equal(get_be32(agf1->b + 44), 5);
	assert_int_equal(get_be32(agf1->b + 48), 6);
	assert_int_equal(get_be32(agf1->b + 52), 9);
	assert_int_equal(get_be32(agf1->b + 56), 9);
	assert_int_equal(get_be32(agf1->b + 60), 0); /* AGFL blocks are not btree blocks */
	assert_int_equal(get_be32(agfl1->b + 36 + 4 * 5), 30);
	assert_true(agfl1->dirty);
	for (uint32_t b = 8; b <= 9; b++) {
		assert_int_equal(get_be32(got(t, b) + HDR), 31);
		assert_int_equal(get_be32(got(t, b) + HDR + 4), 9);
	}
	struct rrec want[] = { FSREC, { 10, 1, INO, 0, 0 }, { 30, 1, RMAP_OWN_AG, 0, 0 } };
	expect_recs(t, ROOT, want, 3);
	t_free(t);

	/* no free space btree to take from (a root of 0): refused, named */
	t = t_new(1, 5);
	set_recs(t, ROOT, &FSREC, 1);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 10, 1, INO, 0, 0), 1);
	assert_non_null(strstr(t->x.why, "cntbt root 0 out of the AG"));
	t_free(t);

	/* a full root leaf: xfs_btree_split into a block from the AGFL, a new root from the next */
	t = t_new(1, 6);
	uint8_t *agf = t->x.img + AGF_DADDR * 512, *agfl = t->x.img + 3 * 512;
	put_be32(agfl, 0x5841464cu);
	for (uint32_t i = 0; i < 6; i++)
		put_be32(agfl + 36 + 4 * i, 20 + i);
	put_be32(agf + 44, 5); /* fllast */
	in[0] = FSREC;
	for (uint32_t i = 1; i < LMAX; i++)
		in[i] = (struct rrec){ 4 + i, 1, INO + i, 0, 0 };
	set_recs(t, ROOT, in, (uint16_t)LMAX);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 60, 1, INO, 0, 0), 0);
	assert_false(t->x.f.refused);
	struct blk *agfb;
	assert_int_equal(xlog_fin_get(&t->x.f, AGF_DADDR, 1, K_AGF, &agfb), 0);
	assert_int_equal(get_be32(agfb->b + 24), 21);       /* the new root */
	assert_int_equal(get_be32(agfb->b + 36), 2);        /* two levels */
	assert_int_equal(get_be32(agfb->b + 40), 2);        /* flfirst past the two taken */
	assert_int_equal(get_be32(agfb->b + 48), 4);        /* flcount */
	assert_int_equal(get_be32(agfb->b + 60), 2);        /* btreeblks */
	assert_int_equal(get_be32(agfb->b + 80), 2);        /* rmap_blocks */
	assert_int_equal(get_be16(got(t, ROOT) + 6), LMAX / 2);
	assert_int_equal(get_be32(got(t, ROOT) + 12), 20);  /* its right sibling, the new leaf */
	assert_int_equal(get_be16(got(t, 20) + 6), LMAX / 2 + 1);
	assert_int_equal(get_be32(got(t, 20) + 8), ROOT);
	assert_int_equal(get_be16(got(t, 21) + 4), 1);
	assert_int_equal(get_be16(got(t, 21) + 6), 2);
	assert_int_equal(get_be32(got(t, 21) + HDR + NMAX * 40), ROOT);
	assert_int_equal(get_be32(got(t, 21) + HDR + NMAX * 40 + 4), 20);
	assert_int_equal(get_be32(got(t, 21) + HDR + 40), 4 + LMAX / 2); /* the new leaf's low key */
	assert_int_equal(get_be32(got(t, 20) + HDR + 20 * REC), 60);     /* the record inserted last */
	t_free(t);
}

/* A root node over two leaves: the first FSREC and LMAX / 2 one-block records, the second
 * the nb records b (in key order, rising start blocks), the node's keys written by hand:
 * each leaf's first record's key, and its last record's last block and offset with the
 * offset field's flags (6.1's high key). */
static void two_leaves(struct t *t, const struct rrec *b, uint16_t nb)
{
	struct rrec a[LMAX / 2 + 1];
	const struct rrec *z = &b[nb - 1];
	uint8_t *root = t->x.img + ROOT * BS, rec[REC];

	a[0] = FSREC;
	for (uint32_t i = 1; i < LMAX / 2 + 1; i++)
		a[i] = (struct rrec){ 4 + i, 1, INO + i, 0, 0 };
	put_block(t->x.img, LEAF_A, 0, 0);
	put_block(t->x.img, LEAF_B, 0, 0);
	set_recs(t, LEAF_A, a, LMAX / 2 + 1);
	set_recs(t, LEAF_B, b, nb);
	put_be32(t->x.img + LEAF_A * BS + 12, LEAF_B);
	put_be32(t->x.img + LEAF_B * BS + 8, LEAF_A);
	put_be16(root + 6, 2);
	/* keys: low then high of each child; pointers after NMAX key pairs */
	put_be32(root + HDR, 0);
	put_be64(root + HDR + 4, RMAP_OWN_FS);
	put_be32(root + HDR + 20, 4 + LMAX / 2);
	put_be64(root + HDR + 24, INO + LMAX / 2);
	put_rec(rec, b[0].start, b[0].len, b[0].owner, b[0].off, b[0].flags);
	memcpy(root + HDR + 40, rec, 4);
	memcpy(root + HDR + 44, rec + 8, 16);
	put_rec(rec, z->start + z->len - 1, 1, z->owner, z->off + z->len - 1, z->flags);
	memcpy(root + HDR + 60, rec, 4);
	memcpy(root + HDR + 64, rec + 8, 16);
	put_be32(root + HDR + NMAX * 40, LEAF_A);
	put_be32(root + HDR + NMAX * 40 + 4, LEAF_B);
}

/* a root node over two leaves: an insert at the end of the first leaf raises its high key
 * (the node rewritten); a delete that leaves a leaf below half borrows from its sibling */
static void test_two_levels(void **state)
{
	(void)state;
	struct t *t = t_new(2, 8);
	struct rrec b[LMAX / 2];
	uint8_t *node;

	for (uint32_t i = 0; i < LMAX / 2; i++)
		b[i] = (struct rrec){ 40 + i, 1, INO + 100 + i, 0, 0 };
	two_leaves(t, b, LMAX / 2);

	/* 30 sorts after the first leaf's last record: xfs_rmap_map's increment moves the
	 * cursor to the second leaf's first record and the insert goes there, its low key
	 * rewritten in the node */
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_MAP, 0, 30, 2, INO2 + 500, 0, 0), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(get_be16(got(t, LEAF_A) + 6), LMAX / 2 + 1);
	assert_int_equal(get_be16(got(t, LEAF_B) + 6), LMAX / 2 + 1);
	node = got(t, ROOT);
	assert_int_equal(get_be32(node + HDR + 40), 30);
	assert_int_equal(get_be64(node + HDR + 44), INO2 + 500);
	assert_int_equal(get_be32(node + HDR + 20), 4 + LMAX / 2); /* the first leaf's high key stays */
	/* deleted again: the low key back; one more delete would leave it below half */
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_UNMAP, 0, 30, 2, INO2 + 500, 0, 0), 0);
	assert_int_equal(get_be32(node + HDR + 40), 40);
	assert_int_equal(get_be64(node + HDR + 44), INO + 100);
	/* the second leaf below half: xfs_btree_delrec takes the first leaf's last record
	 * (xfs_btree_rshift), the node's keys for both following */
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_UNMAP, 0, 40, 1, INO + 100, 0, 0), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(get_be16(got(t, LEAF_A) + 6), LMAX / 2);
	assert_int_equal(get_be16(got(t, LEAF_B) + 6), LMAX / 2);
	assert_int_equal(get_be32(got(t, LEAF_B) + HDR), 4 + LMAX / 2);
	assert_int_equal(get_be32(node + HDR + 40), 4 + LMAX / 2);
	assert_int_equal(get_be64(node + HDR + 44), INO + LMAX / 2);
	assert_int_equal(get_be32(node + HDR + 20), 4 + LMAX / 2 - 1); /* the first leaf's high key falls */
	t_free(t);
}

/* Linux 6.1's node keys keep the record's unwritten bit (xfs_rmapbt_init_key_from_rec and
 * _init_high_key_from_rec copy the whole offset field; a later kernel strips it): a CoW
 * staging record freed from the front of the second leaf (xfs_reflink_recover_cow at mount)
 * rewrites that leaf's keys in the node, the low key now from an unwritten record and the
 * high key from the last, unwritten, one, both with bit 61 as the kernel logs them. */
static void test_node_keys_keep_unwritten(void **state)
{
	(void)state;
	struct t *t = t_new(2, 8);
	struct rrec b[LMAX / 2 + 1];
	uint8_t *node;
	const uint64_t unw = 1ull << 61;

	b[0] = (struct rrec){ 40, 1, RMAP_OWN_COW, 0, 0 };
	for (uint32_t i = 1; i < LMAX / 2; i++)
		b[i] = (struct rrec){ 40 + i, 1, INO + 100 + i, 3, i == 1 ? RMAP_F_UNWRITTEN : 0 };
	b[LMAX / 2] = (struct rrec){ 40 + LMAX / 2, 2, INO + 300, 7, RMAP_F_UNWRITTEN };
	two_leaves(t, b, LMAX / 2 + 1);
	assert_int_equal(get_be64(t->x.img + ROOT * BS + HDR + 72), 8 | unw);

	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_FREE, 0, 40, 1, RMAP_OWN_COW, 0, 0), 0);
	assert_false(t->x.f.refused);
	node = got(t, ROOT);
	assert_int_equal(get_be32(node + HDR + 40), 41);
	assert_int_equal(get_be64(node + HDR + 44), INO + 101);
	assert_int_equal(get_be64(node + HDR + 52), 3 | unw);
	assert_int_equal(get_be32(node + HDR + 60), 41 + LMAX / 2);
	assert_int_equal(get_be64(node + HDR + 64), INO + 300);
	assert_int_equal(get_be64(node + HDR + 72), 8 | unw);
	t_free(t);
}

#define U RMAP_F_UNWRITTEN

/* One conversion on a root leaf of the records in; the leaf after it is out. */
static void conv(int type, const struct rrec *in, uint16_t nin, uint32_t bno, uint32_t len, uint64_t off,
		 uint32_t newstate, const struct rrec *out, uint16_t nout)
{
	struct t *t = t_new(1, 6);

	set_recs(t, ROOT, in, nin);
	assert_int_equal(xlog_fin_rmap(&t->x.f, type, 0, bno, len, INO, off, newstate), 0);
	assert_false(t->x.f.refused);
	expect_recs(t, ROOT, out, nout);
	t_free(t);
}

/*
 * xfs_rmap_convert's cases, the records derived by hand from its code: the RUI names the
 * new state (unwritten to written: 0); the record holding the range is found at or below
 * its key, its neighbours are the records before and after it in the btree.
 */
static void test_convert_cases(void **state)
{
	(void)state;
	/* 0: the middle of an unwritten record: split in three */
	struct rrec m_in[] = { FSREC, { 10, 10, INO, 100, U } };
	struct rrec m_out[] = { FSREC, { 10, 3, INO, 100, U }, { 13, 3, INO, 103, 0 }, { 16, 4, INO, 106, U } };
	conv(RMAP_CONVERT, m_in, 2, 13, 3, 103, 0, m_out, 4);
	/* LF|RF: all of it, no neighbour continues it: the state changes in place */
	struct rrec w_in[] = { FSREC, { 10, 4, INO, 0, U }, { 14, 2, INO2, 0, 0 } };
	struct rrec w_out[] = { FSREC, { 10, 4, INO, 0, 0 }, { 14, 2, INO2, 0, 0 } };
	conv(RMAP_CONVERT, w_in, 3, 10, 4, 0, 0, w_out, 3);
	/* LF|LC|RF|RC: all of it, both neighbours continue it: one record of the three */
	struct rrec a_in[] = { FSREC, { 8, 2, INO, 0, 0 }, { 10, 3, INO, 2, U }, { 13, 4, INO, 5, 0 },
			       { 20, 1, RMAP_OWN_INODES, 0, 0 } };
	struct rrec a_out[] = { FSREC, { 8, 9, INO, 0, 0 }, { 20, 1, RMAP_OWN_INODES, 0, 0 } };
	conv(RMAP_CONVERT, a_in, 5, 10, 3, 2, 0, a_out, 3);
	/* LF|LC: its start joins the left neighbour */
	struct rrec l_in[] = { FSREC, { 8, 2, INO, 0, 0 }, { 10, 5, INO, 2, U } };
	struct rrec l_out[] = { FSREC, { 8, 4, INO, 0, 0 }, { 12, 3, INO, 4, U } };
	conv(RMAP_CONVERT, l_in, 3, 10, 2, 2, 0, l_out, 3);
	/* RF|RC: its end joins the right neighbour */
	struct rrec r_in[] = { FSREC, { 10, 5, INO, 0, U }, { 15, 3, INO, 5, 0 } };
	struct rrec r_out[] = { FSREC, { 10, 3, INO, 0, U }, { 13, 5, INO, 3, 0 } };
	conv(RMAP_CONVERT, r_in, 3, 13, 2, 3, 0, r_out, 3);
	/* LF: the left neighbour is another owner's: a record of its own before the rest */
	struct rrec lf_in[] = { FSREC, { 8, 2, INO2, 0, 0 }, { 10, 5, INO, 2, U } };
	struct rrec lf_out[] = { FSREC, { 8, 2, INO2, 0, 0 }, { 10, 2, INO, 2, 0 }, { 12, 3, INO, 4, U } };
	conv(RMAP_CONVERT, lf_in, 3, 10, 2, 2, 0, lf_out, 4);
	/* RF: the right neighbour is not next in file offset: a record of its own after it */
	struct rrec rf_in[] = { FSREC, { 10, 5, INO, 0, U }, { 15, 3, INO, 9, 0 } };
	struct rrec rf_out[] = { FSREC, { 10, 3, INO, 0, U }, { 13, 2, INO, 3, 0 }, { 15, 3, INO, 9, 0 } };
	conv(RMAP_CONVERT, rf_in, 3, 13, 2, 3, 0, rf_out, 4);
	/* LF|LC|RF, written to unwritten: the left neighbour (unwritten) takes all of it */
	struct rrec u_in[] = { FSREC, { 8, 2, INO, 0, U }, { 10, 3, INO, 2, 0 }, { 13, 1, INO2, 0, 0 } };
	struct rrec u_out[] = { FSREC, { 8, 5, INO, 0, U }, { 13, 1, INO2, 0, 0 } };
	conv(RMAP_CONVERT, u_in, 4, 10, 3, 2, U, u_out, 3);
	/* LF|RF|RC: the right neighbour takes all of it, the record keeps its key */
	struct rrec rr_in[] = { FSREC, { 10, 3, INO, 2, U }, { 13, 2, INO, 5, 0 } };
	struct rrec rr_out[] = { FSREC, { 10, 5, INO, 2, 0 } };
	conv(RMAP_CONVERT, rr_in, 3, 10, 3, 2, 0, rr_out, 2);
}

/* xfs_rmap_convert_shared: among another owner's overlapping records, keys move by delete
 * and insert, the left neighbour found by owner and offset (the range query) */
static void test_convert_shared_cases(void **state)
{
	(void)state;
	/* 0: the right part inserted in key order after the other owner's record */
	struct rrec m_in[] = { FSREC, { 10, 10, INO, 100, U }, { 12, 4, INO2, 0, 0 } };
	struct rrec m_out[] = { FSREC, { 10, 3, INO, 100, U }, { 12, 4, INO2, 0, 0 }, { 13, 3, INO, 103, 0 },
				{ 16, 4, INO, 106, U } };
	conv(RMAP_CONVERT_SHARED, m_in, 3, 13, 3, 103, 0, m_out, 5);
	/* RF|RC: the right neighbour deleted and inserted again at the range's start */
	struct rrec r_in[] = { FSREC, { 10, 5, INO, 0, U }, { 12, 6, INO2, 0, 0 }, { 15, 3, INO, 5, 0 } };
	struct rrec r_out[] = { FSREC, { 10, 3, INO, 0, U }, { 12, 6, INO2, 0, 0 }, { 13, 5, INO, 3, 0 } };
	conv(RMAP_CONVERT_SHARED, r_in, 4, 13, 2, 3, 0, r_out, 4);
	/* LF|LC|RF|RC: the left neighbour, behind another owner's record in key order, takes
	 * the record and the right neighbour */
	struct rrec a_in[] = { FSREC, { 8, 2, INO, 0, 0 }, { 9, 4, INO2, 0, 0 }, { 10, 3, INO, 2, U },
			       { 13, 4, INO, 5, 0 } };
	struct rrec a_out[] = { FSREC, { 8, 9, INO, 0, 0 }, { 9, 4, INO2, 0, 0 } };
	conv(RMAP_CONVERT_SHARED, a_in, 5, 10, 3, 2, 0, a_out, 3);
	/* LF: the rest re-inserted at its new key, then the converted start */
	struct rrec l_in[] = { FSREC, { 10, 5, INO, 2, U }, { 11, 2, INO2, 0, 0 } };
	struct rrec l_out[] = { FSREC, { 10, 2, INO, 2, 0 }, { 11, 2, INO2, 0, 0 }, { 12, 3, INO, 4, U } };
	conv(RMAP_CONVERT_SHARED, l_in, 3, 10, 2, 2, 0, l_out, 4);
}

/* the record in the wrong state, or no record of the owner: the kernel's corruption,
 * refused with nothing changed; a non-data-fork convert is refused */
static void test_convert_refusals(void **state)
{
	(void)state;
	struct rrec in[] = { FSREC, { 10, 4, INO, 0, 0 } };
	struct t *t = t_new(1, 6);

	set_recs(t, ROOT, in, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_CONVERT, 0, 10, 2, INO, 0, 0), 1);
	assert_non_null(strstr(t->x.why, "old state"));
	t_free(t);
	t = t_new(1, 6);
	set_recs(t, ROOT, in, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_CONVERT_SHARED, 0, 10, 2, INO2, 0, U), 1);
	assert_non_null(strstr(t->x.why, "no record of its owner"));
	t_free(t);
	t = t_new(1, 6);
	set_recs(t, ROOT, in, 2);
	assert_int_equal(xlog_fin_rmap(&t->x.f, RMAP_CONVERT, 0, 10, 2, INO, 0, RMAP_F_ATTR | U), 1);
	assert_non_null(strstr(t->x.why, "not a data fork extent"));
	t_free(t);
}

/* A refcount root leaf at block 8 (the AGF's root, level 1) with records {start, len, refcount}. */
#define REFC_ROOT 8u
static void set_refc(struct t *t, const uint32_t (*r)[3], uint16_t n)
{
	uint8_t *agf = t->x.img + AGF_DADDR * 512, *b = t->x.img + (size_t)REFC_ROOT * BS;

	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_root), REFC_ROOT);
	put_be32(agf + offsetof(struct xfs_agf, agf_refcount_level), 1);
	put_block(t->x.img, REFC_ROOT, 0, n);
	put_be32(b, 0x52334643u);
	for (uint16_t i = 0; i < n; i++) {
		put_be32(b + HDR + i * 12u, r[i][0]);
		put_be32(b + HDR + i * 12u + 4, r[i][1]);
		put_be32(b + HDR + i * 12u + 8, r[i][2]);
	}
}

static void expect_refc(struct t *t, const uint32_t (*r)[3], uint16_t n)
{
	uint8_t *b = got(t, REFC_ROOT);

	assert_int_equal(get_be16(b + 6), n);
	for (uint16_t i = 0; i < n; i++) {
		assert_int_equal(get_be32(b + HDR + i * 12u), r[i][0]);
		assert_int_equal(get_be32(b + HDR + i * 12u + 4), r[i][1]);
		assert_int_equal(get_be32(b + HDR + i * 12u + 8), r[i][2]);
	}
}

/* A CUI's CoW staging changes (xfs_refcount_adjust_cow, Linux 6.1): ALLOC_COW (3) inserts
 * {agbno | 1 << 31, len, 1} after the shared records and before higher staging ones;
 * FREE_COW (4) deletes the record that is the range, a staging record next to it left,
 * splitting a record that holds more first; an alloc next to a staging record (the kernel
 * merges them) is refused */
static void test_refc_cow(void **state)
{
	(void)state;
	const uint32_t C = 1u << 31;
	const uint32_t in[][3] = { { 20, 4, 2 }, { C | 10, 2, 1 }, { C | 30, 5, 1 } };
	const uint32_t alloc[][3] = { { 20, 4, 2 }, { C | 10, 2, 1 }, { C | 14, 3, 1 }, { C | 30, 5, 1 } };
	const uint32_t freed[][3] = { { 20, 4, 2 }, { C | 14, 3, 1 }, { C | 30, 5, 1 } };
	struct xlog_ext x = { .startblock = 14, .len = 3, .flags = 3 };
	struct intent_defer *d = calloc(1, sizeof *d);
	struct t *t = t_new(1, 6);

	assert_non_null(d);
	set_refc(t, in, 3);
	assert_int_equal(xlog_intent_refcount(&t->x.f, &x, d, &(struct refc_tx){ 0, 0, false }), 0);
	expect_refc(t, alloc, 4);
	x = (struct xlog_ext){ .startblock = 10, .len = 2, .flags = 4 };
	assert_int_equal(xlog_intent_refcount(&t->x.f, &x, d, &(struct refc_tx){ 0, 0, false }), 0);
	expect_refc(t, freed, 3);
	assert_false(t->x.f.refused);
	assert_int_equal(d->n, 0);
	x = (struct xlog_ext){ .startblock = 17, .len = 2, .flags = 3 };
	assert_int_equal(xlog_intent_refcount(&t->x.f, &x, d, &(struct refc_tx){ 0, 0, false }), 1);
	assert_non_null(strstr(t->x.why, "split or merge"));
	t_free(t);

	/* a free of part of a staging record splits it first (xfs_refcount_split_extent in the
	 * CoW domain): 30+4 of 30+5 leaves 34+1 */
	t = t_new(1, 6);
	set_refc(t, in, 3);
	x = (struct xlog_ext){ .startblock = 30, .len = 4, .flags = 4 };
	assert_int_equal(xlog_intent_refcount(&t->x.f, &x, d, &(struct refc_tx){ 0, 0, false }), 0);
	assert_false(t->x.f.refused);
	expect_refc(t, (const uint32_t[][3]){ { 20, 4, 2 }, { C | 10, 2, 1 }, { C | 34, 1, 1 } }, 3);
	t_free(t);
	free(d);
}

static void put_bext(uint8_t *r, uint64_t off, uint64_t fsb, uint32_t len)
{
	put_be64(r, (off << 9) | (fsb >> 43));
	put_be64(r + 8, (fsb << 21) | len);
}

/* A BUI's unmap (__xfs_bunmapi with XFS_BMAPI_REMAP, xfs_bmap_del_extent_real): the middle of
 * a reflink inode's only extent goes, the extent split in two, di_nblocks down by its
 * length, the change counter bumped for the transaction and for the roll before the
 * queued rmap update (UNMAP_SHARED of the fork's blocks at its offset); nothing freed. An
 * unmap of a hole is refused. */
static void test_bui_unmap(void **state)
{
	(void)state;
	const uint32_t IB = 9, ISZ = 512;
	const uint64_t ino = (uint64_t)IB << 1; /* agino: agbno << inopblog, slot 0 */
	struct xlog_ext x = { .startblock = 23, .len = 2, .owner = ino, .startoff = 3, .flags = 2 };
	struct intent_defer *d = calloc(1, sizeof *d);
	struct t *t = t_new(1, 6);
	uint8_t *di = t->x.img + (size_t)IB * BS, *got_di;
	struct bext { uint64_t off, fsb; uint32_t len; } want[2] = { { 0, 20, 3 }, { 5, 25, 5 } };

	assert_non_null(d);
	t->x.fs.sb.inodesize = ISZ;
	t->x.fs.sb.inopblog = 1;
	t->x.fs.lit_off = 176;
	put_be16(di, XFS_DINODE_MAGIC);
	di[4] = 3;
	di[5] = 2;
	put_be64(di + 64, 10);
	put_be32(di + 76, 1);
	put_be64(di + 104, 7);
	put_be64(di + 120, XFS_DIFLAG2_REFLINK);
	put_be64(di + 152, ino);
	put_bext(di + 176, 0, 20, 10);

	if (xlog_intent_bmap(&t->x.f, &x, d) != 0)
		fail_msg("refused: %s", t->x.why);
	{
		struct blk *b;
		assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)IB * (BS / 512), BS / 512, K_INODES, &b), 0);
		got_di = b->b;
	}
	assert_int_equal(get_be32(got_di + 76), 2);
	assert_int_equal(get_be64(got_di + 64), 8);
	assert_int_equal(get_be64(got_di + 104), 9);
	for (int i = 0; i < 2; i++) {
		uint8_t r[16];
		put_bext(r, want[i].off, want[i].fsb, want[i].len);
		assert_memory_equal(got_di + 176 + i * 16, r, 16);
	}
	assert_int_equal(d->n, 1);
	assert_int_equal(d->ext[0].rtype, RMAP_UNMAP_SHARED);
	assert_int_equal(d->ext[0].agbno, 23);
	assert_int_equal(d->ext[0].len, 2);
	assert_int_equal(d->ext[0].owner, ino);
	assert_int_equal(d->ext[0].off, 3);
	assert_int_equal(t->x.f.nino, 1);

	x.startoff = 30;
	assert_int_equal(xlog_intent_bmap(&t->x.f, &x, d), 1);
	assert_non_null(strstr(t->x.why, "a hole"));
	t_free(t);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_merges_both),
		cmocka_unit_test(test_map_no_merge),
		cmocka_unit_test(test_map_neighbour_out_of_ag),
		cmocka_unit_test(test_unmap_middle),
		cmocka_unit_test(test_unmap_cow_and_refusals),
		cmocka_unit_test(test_unmap_unknown_owner),
		cmocka_unit_test(test_map_shared_left),
		cmocka_unit_test(test_map_shared_right),
		cmocka_unit_test(test_unmap_shared_left),
		cmocka_unit_test(test_agfl_and_full_leaf),
		cmocka_unit_test(test_two_levels),
		cmocka_unit_test(test_node_keys_keep_unwritten),
		cmocka_unit_test(test_convert_cases),
		cmocka_unit_test(test_convert_shared_cases),
		cmocka_unit_test(test_convert_refusals),
		cmocka_unit_test(test_refc_cow),
		cmocka_unit_test(test_bui_unmap),
		cmocka_unit_test(test_agfl_capped_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
