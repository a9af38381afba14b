/*
 * The inode btree edits of the XFS log's finish when the mount frees an
 * unlinked inode (libfsimg/xlog/ifree_ibt.c, through agbt.c) on a
 * hand-built AG, against Linux 6.1's fs/xfs/libxfs/xfs_ialloc.c,
 * xfs_ialloc_btree.c and xfs_btree.c: the last inode of a sparse chunk
 * freed in a two-level inobt (xfs_difree_inobt: the AGI's count and free
 * count drop by the chunk's inodes, the record removed with
 * xfs_btree_delrec's moves, the slot past the last keeping its bytes, the
 * node's key following a leaf's new first record), the finobt record
 * removed (its slot keeping the record as it was before the free), the
 * chunk's blocks freed by the runs of its holemask (xfs_difree_inode_chunk,
 * into the free space btrees); a removal that joins two leaves and kills
 * the root (the blocks freed at once, xfs_inobt_free_block), one that
 * borrows from a sibling, each leaf checked record by record against the
 * sorted chunks; a finobt insert that splits its root leaf (two blocks
 * from the AG's free space near it, xfs_alloc_ag_vextent_near); an inode that is not its chunk's last only
 * updating the record (32-bit free count without sparse inodes). Each counts the paths it
 * took (trace.h: the join, kill, shift, split and new root of the tree it edited). A freed
 * chunk's bytes in the running checkpoint (its clusters invalidated at the cluster's length,
 * its freed inode's item), and a v5 force refused before its clusters are invalidated; a
 * finobt split whose near allocation forced the log (xfs_extent_busy_flush) gets a zeroed
 * buffer for a block freed earlier.
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
#include "xlog/dinode.h"
#include "xlog/ifree.h"
#include "xlog/plan.h"

#define BS 1024u
#define NBLOCKS 4096u
#define HDR 56u
#define AGI_DADDR 2u
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define INO_ROOT 6u
#define LEAF_A 7u
#define LEAF_B 8u
#define FINO_ROOT 9u
#define AGI_COUNT0 1000u
#define AGI_FREE0 500u
#define FREEBLKS0 100u

struct t {
	struct xfin x;
};

static uint8_t *blk(struct t *t, uint32_t agbno) { return t->x.img + (size_t)agbno * BS; }

static void put_block(uint8_t *b, uint32_t magic, uint16_t level, uint16_t n)
{
	xfin_put_sblock(b, BS, magic, level, n);
}

/* An inobt record of the chunk at startino: sparse layout (holemask, count, freecount byte)
 * or the 32-bit free count. */
static void put_irec(uint8_t *r, bool sparse, uint32_t startino, uint16_t hole, uint8_t count, uint32_t freecount,
		     uint64_t free)
{
	put_be32(r, startino);
	if (sparse) {
		put_be16(r + 4, hole);
		r[6] = count;
		r[7] = (uint8_t)freecount;
	} else {
		put_be32(r + 4, freecount);
	}
	put_be64(r + 8, free);
}

/* An AG of 4096 one-KiB blocks, 512-byte inodes (two a block, a chunk 32 blocks), v5 with
 * sparse inodes: the AGF with one-leaf free space btrees holding 3000+100 and the AGFL as
 * 6.1 wants it; the AGI's inobt a node at 6 over leaves 7 (chunks 1..35, startino 64k,
 * full) and 8 (chunks 36..36+nb-1, full but the first); the finobt one leaf at 9. */
static struct t *t_new(bool sparse, uint32_t na, uint32_t nb, uint16_t hole0, uint8_t count0, uint32_t free0,
		       uint64_t mask0)
{
	struct t *t = calloc(1, sizeof *t);
	uint8_t *agi;

	assert_non_null(t);
	xfin_open(&t->x, NBLOCKS, BS, 12, true);
	t->x.fs.sb.inodesize = 512;
	t->x.fs.sb.inopblock = 2;
	t->x.fs.sb.inopblog = 1;
	t->x.fs.sb.features_ro_compat = XFS_SB_FEAT_RO_COMPAT_FINOBT;
	t->x.fs.sparse_inodes = sparse;

	xfin_put_agf(&t->x, BNO_ROOT, CNT_ROOT, FREEBLKS0, 100);
	put_block(blk(t, BNO_ROOT), 0x41423342u, 0, 1);
	put_be32(blk(t, BNO_ROOT) + HDR, 3000);
	put_be32(blk(t, BNO_ROOT) + HDR + 4, 100);
	put_block(blk(t, CNT_ROOT), 0x41423343u, 0, 1);
	put_be32(blk(t, CNT_ROOT) + HDR, 3000);
	put_be32(blk(t, CNT_ROOT) + HDR + 4, 100);

	agi = t->x.img + AGI_DADDR * 512;
	put_be32(agi, XFS_AGI_MAGIC);
	put_be32(agi + AGI_COUNT, AGI_COUNT0);
	put_be32(agi + AGI_ROOT, INO_ROOT);
	put_be32(agi + AGI_LEVEL, 2);
	put_be32(agi + AGI_FREECOUNT, AGI_FREE0);
	put_be32(agi + AGI_FREE_ROOT, FINO_ROOT);
	put_be32(agi + AGI_FREE_LEVEL, 1);

	put_block(blk(t, INO_ROOT), XFS_IBT_CRC_MAGIC, 1, 2);
	put_be32(blk(t, INO_ROOT) + HDR, 64);
	put_be32(blk(t, INO_ROOT) + HDR + 4, 64u * 36);
	put_be32(blk(t, INO_ROOT) + HDR + (BS - HDR) / 8 * 4, LEAF_A);
	put_be32(blk(t, INO_ROOT) + HDR + (BS - HDR) / 8 * 4 + 4, LEAF_B);
	put_block(blk(t, LEAF_A), XFS_IBT_CRC_MAGIC, 0, (uint16_t)na);
	put_be32(blk(t, LEAF_A) + 12, LEAF_B);
	for (uint32_t k = 1; k <= na; k++)
		put_irec(blk(t, LEAF_A) + HDR + 16 * (k - 1), sparse, 64 * k, 0, 64, 0, 0);
	put_block(blk(t, LEAF_B), XFS_IBT_CRC_MAGIC, 0, (uint16_t)nb);
	put_be32(blk(t, LEAF_B) + 8, LEAF_A);
	put_irec(blk(t, LEAF_B) + HDR, sparse, 64 * 36, hole0, count0, free0, mask0);
	for (uint32_t k = 37; k < 36 + nb; k++)
		put_irec(blk(t, LEAF_B) + HDR + 16 * (k - 36), sparse, 64 * k, 0, 64, 0, 0);
	/* the finobt: chunk 2 (one inode free) and chunk 36 */
	put_block(blk(t, FINO_ROOT), 0x46494233u, 0, 2);
	put_irec(blk(t, FINO_ROOT) + HDR, sparse, 128, 0, 64, 1, 1);
	put_irec(blk(t, FINO_ROOT) + HDR + 16, sparse, 64 * 36, hole0, count0, free0, mask0);
	/* the v5 headers' own block numbers (the owner is AG 0) */
	for (uint32_t a = BNO_ROOT; a < NBLOCKS; a++)
		if (get_be32(blk(t, a)))
			put_be64(blk(t, a) + 16, (uint64_t)a * (BS / 512));
	return t;
}

static void t_free(struct t *t)
{
	xfin_close(&t->x);
	free(t);
}

/* Block agbno (or the AGI's or AGF's sector) as the finish leaves it; the AGI, read
 * first, is t->x.f.blk[0]. */
static uint8_t *got(struct t *t, uint32_t agbno, enum kind kind)
{
	struct blk *b;

	if (kind == K_AGI || kind == K_AGF)
		assert_int_equal(xlog_fin_get(&t->x.f, kind == K_AGI ? AGI_DADDR : 1, 1, kind, &b), 0);
	else
		assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (BS / 512), BS / 512, kind, &b), 0);
	return b->b;
}

static void expect_ext(const uint8_t *b, uint32_t i, uint32_t bno, uint32_t len)
{
	assert_int_equal(get_be32(b + HDR + 8 * i), bno);
	assert_int_equal(get_be32(b + HDR + 8 * i + 4), len);
}

/* The last inode (agino 64*36 + 17) of a sparse chunk of 32 inodes in two runs (holemask
 * 0x0f0f: inodes 16-31 and 48-63) freed: the chunk goes from both btrees and its two runs
 * of 8 blocks are freed. */
static void test_sparse_chunk_freed(void **state)
{
	const uint32_t start = 64 * 36, agino = start + 17;
	struct t *t = t_new(true, 35, 35, 0x0f0f, 32, 31, ~(1ull << 17));
	uint8_t rec[INOBT_REC_LEN], before[INOBT_REC_LEN], last[INOBT_REC_LEN], *agi, *b;
	uint32_t ntx = 0;
	bool deleted = false;

	(void)state;
	memcpy(before, blk(t, FINO_ROOT) + HDR + 16, INOBT_REC_LEN);
	memcpy(last, blk(t, LEAF_B) + HDR + 16 * 34, INOBT_REC_LEN);
	agi = got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], agino, rec, &deleted), 0);
	assert_true(deleted);
	assert_int_equal(get_be32(rec), start);
	assert_int_equal(rec[7], 32);
	assert_true(get_be64(rec + 8) == UINT64_MAX);
	assert_int_equal(get_be32(agi + AGI_COUNT), AGI_COUNT0 - 32);
	assert_int_equal(get_be32(agi + AGI_FREECOUNT), AGI_FREE0 - 31);
	/* the leaf: 34 records from chunk 37, its last slot still chunk 70's; the node's key */
	b = got(t, LEAF_B, K_BTREE);
	assert_int_equal(get_be16(b + 6), 34);
	assert_int_equal(get_be32(b + HDR), 64u * 37);
	assert_memory_equal(b + HDR + 16 * 34, last, INOBT_REC_LEN);
	assert_int_equal(get_be32(got(t, INO_ROOT, K_BTREE) + HDR + 4), 64u * 37);

	assert_int_equal(xlog_fin_difree_finobt(&t->x.f, 0, &t->x.f.blk[0], agino, rec, true), 0);
	b = got(t, FINO_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), 1);
	assert_int_equal(get_be32(b + HDR), 128);
	assert_memory_equal(b + HDR + 16, before, INOBT_REC_LEN); /* as it was before the free */

	assert_int_equal(xlog_fin_ichunk_free(&t->x.f, 0, rec, &ntx), 0);
	assert_int_equal(ntx, 1);
	/* chunk at agbno 1152: runs at 1152 + 8 and 1152 + 24, 8 blocks each */
	b = got(t, BNO_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), 3);
	expect_ext(b, 0, 1160, 8);
	expect_ext(b, 1, 1176, 8);
	expect_ext(b, 2, 3000, 100);
	b = got(t, CNT_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), 3);
	expect_ext(b, 0, 1160, 8);
	expect_ext(b, 1, 1176, 8);
	expect_ext(b, 2, 3000, 100);
	assert_int_equal(get_be32(t->x.img + 512 + 52), FREEBLKS0); /* the image untouched */
	assert_int_equal(get_be32(got(t, 0, K_AGF) + 52), FREEBLKS0 + 16);
	assert_false(t->x.f.refused);
	t_free(t);
}

/* A full chunk (no holes) freed: one extent of 32 blocks. */
static void test_full_chunk_freed(void **state)
{
	const uint32_t start = 64 * 36;
	struct t *t = t_new(false, 35, 35, 0, 0, 63, ~(1ull << 63));
	uint8_t rec[INOBT_REC_LEN], *b;
	uint32_t ntx = 0;
	bool deleted = false;

	(void)state;
	got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 63, rec, &deleted), 0);
	assert_true(deleted);
	assert_int_equal(get_be32(rec + 4), 64);
	assert_int_equal(get_be32(got(t, 0, K_AGI) + AGI_COUNT), AGI_COUNT0 - 64);
	assert_int_equal(get_be32(got(t, 0, K_AGI) + AGI_FREECOUNT), AGI_FREE0 - 63);
	assert_int_equal(xlog_fin_ichunk_free(&t->x.f, 0, rec, &ntx), 0);
	b = got(t, BNO_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), 2);
	expect_ext(b, 0, 1152, 32);
	t_free(t);
}

/* A v5 log force after a chunk's record is deleted and before its clusters are invalidated
 * is refused, naming it (the kernel's ifree transaction invalidates them, in
 * xfs_ifree_cluster, before it commits and its deferred frees run; ifree.c does so too, so
 * only a force inside that transaction would meet this); a free that keeps the chunk leaves
 * the checkpoint sized (the unlinked finish starts it so). */
static void test_force_before_clusters_refused(void **state)
{
	const uint32_t start = 64 * 36;
	struct t *t = t_new(false, 35, 35, 0, 0, 62, ~(3ull << 62));
	uint8_t rec[INOBT_REC_LEN];
	bool deleted = true;

	(void)state;
	t->x.f.cp_sized = true;
	got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 62, rec, &deleted), 0);
	assert_false(deleted);
	assert_true(t->x.f.cp_sized);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 63, rec, &deleted), 0);
	assert_true(deleted);
	assert_false(t->x.f.refused);
	assert_int_equal(xlog_fin_force(&t->x.f, "an AGFL block"), 1);
	assert_true(t->x.f.refused);
	assert_non_null(strstr(t->x.why, "an AGFL block forces the log (v5: the forced checkpoint's length, with an "
					 "inode chunk's free before its clusters are invalidated, is not modelled)"));
	t_free(t);
}

/* The bytes xfs_ifree_cluster adds to the running checkpoint for clusters the finish holds
 * no block of (xlog_fin_ichunk_istale: f->cp_istale), 1 KiB blocks, 512-byte inodes,
 * sb_inoalignmt 32: 16 KiB clusters (32 basic blocks, 32 inodes), each invalidated as a
 * format of 12 + 20 + 16 bytes: a full chunk's two 96. A sparse chunk whose holemask covers
 * inodes 0-31 (0x00ff) has one cluster: 48. Without xfs_inoalignmt room, 8 KiB clusters:
 * four of 12 + 20 + 8, 160. The chunk's free sizes the checkpoint again
 * (xlog_fin_ichunk_sized: a force after it is no longer refused). */
static void test_chunk_cluster_bytes(void **state)
{
	static const struct { bool sparse; uint16_t hole; uint32_t inoalign, cbbs; uint64_t want; } c[] = {
		{ false, 0, 32, 32, 96 }, { true, 0x00ff, 32, 32, 48 }, { false, 0, 0, 16, 160 },
	};
	const uint32_t start = 64 * 36;

	(void)state;
	for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
		struct t *t = t_new(c[k].sparse, 35, 35, c[k].hole, c[k].sparse ? 32 : 0, c[k].sparse ? 31 : 63,
				    c[k].sparse ? ~(1ull << 63) : ~(1ull << 63));
		uint8_t rec[INOBT_REC_LEN];
		bool deleted = false;

		t->x.fs.sb.inoalignmt = c[k].inoalign;
		t->x.f.cp_sized = true;
		got(t, 0, K_AGI);
		assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 63, rec, &deleted), 0);
		assert_true(deleted);
		assert_false(t->x.f.cp_sized);
		assert_int_equal(xlog_fin_icluster_bbs(&t->x.fs), c[k].cbbs);
		t->x.f.cp_istale = 0;
		xlog_fin_ichunk_istale(&t->x.f, xlog_ag_daddr(&t->x.fs, 0, start >> t->x.fs.sb.inopblog),
				       c[k].sparse ? c[k].hole : 0);
		assert_int_equal(t->x.f.cp_istale, c[k].want);
		xlog_fin_ichunk_sized(&t->x.f);
		assert_true(t->x.f.cp_sized);
		assert_null(t->x.f.cp_unsized);
		t_free(t);
	}
}

/* A record whose free count is not its free mask's (63 against 62 bits) is the kernel's
 * corruption (xfs_inobt_get_rec), not a chunk to update (fuzz_xfin's question) */
static void test_bad_record_refused(void **state)
{
	const uint32_t start = 64 * 36;
	struct t *t = t_new(false, 35, 35, 0, 0, 63, ~(3ull << 62));
	uint8_t rec[INOBT_REC_LEN];
	bool deleted = false;

	(void)state;
	got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 63, rec, &deleted), 1);
	assert_true(t->x.f.refused);
	assert_non_null(strstr(t->x.why, "inobt record of agino 2304 is not valid"));
	t_free(t);
}

/* The inobt's records, every leaf from the leftmost at the tree's level 0 through the
 * right siblings, against want (startinos, in order) and the fixture's full records. */
static void expect_inobt(struct t *t, bool sparse, uint32_t leaf, const uint32_t *want, uint32_t n)
{
	uint32_t i = 0;

	for (uint32_t hops = 0; leaf != 0xffffffffu; hops++) {
		const uint8_t *b = got(t, leaf, K_BTREE);
		assert_true(hops < 8);
		assert_int_equal(get_be32(b), XFS_IBT_CRC_MAGIC);
		assert_int_equal(get_be16(b + 4), 0);
		for (uint32_t k = 0; k < get_be16(b + 6); k++, i++) {
			uint8_t r[INOBT_REC_LEN] = { 0 };
			assert_true(i < n);
			put_irec(r, sparse, want[i], 0, 64, 0, 0);
			assert_memory_equal(b + HDR + 16 * k, r, INOBT_REC_LEN);
		}
		leaf = get_be32(b + 12);
	}
	assert_int_equal(i, n);
}

/* Removing chunk 36's record leaves leaf 8 (the rightmost) under its minimum (29 of 60)
 * and leaf 7 has only its minimum (30) to give: xfs_btree_delrec joins 8 into 7 (59
 * records), frees 8, and the root left with one child is killed (xfs_btree_kill_root):
 * the AGI's root is 7 at level 1, blocks 6 and 8 freed at once into the free space
 * btrees (xfs_inobt_free_block -> xfs_free_extent), before the chunk's own blocks. */
static void test_join(void **state)
{
	struct t *t = t_new(true, 30, 30, 0, 64, 63, ~1ull);
	uint32_t want[59], n = 0, ntx = 0;
	uint8_t rec[INOBT_REC_LEN], *agi, *b;
	bool deleted = false;

	(void)state;
	for (uint32_t k = 1; k <= 65; k++)
		if (k <= 30 || k >= 37)
			want[n++] = 64 * k;
	agi = got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36, rec, &deleted), 0);
	assert_true(deleted);
	assert_int_equal(get_be32(agi + AGI_ROOT), LEAF_A);
	assert_int_equal(get_be32(agi + AGI_LEVEL), 1);
	expect_inobt(t, true, LEAF_A, want, n);
	b = got(t, LEAF_A, K_BTREE);
	assert_int_equal(get_be32(b + 8), 0xffffffffu);
	b = got(t, BNO_ROOT, K_BTREE);
	assert_int_equal(get_be16(b + 6), 3);
	expect_ext(b, 0, INO_ROOT, 1);
	expect_ext(b, 1, LEAF_B, 1);
	expect_ext(b, 2, 3000, 100);
	b = got(t, CNT_ROOT, K_BTREE);
	expect_ext(b, 0, INO_ROOT, 1);
	expect_ext(b, 1, LEAF_B, 1);
	expect_ext(b, 2, 3000, 100);
	assert_int_equal(get_be32(got(t, 0, K_AGF) + 52), FREEBLKS0 + 2);
	/* the freed blocks are not written; the finobt record goes, then the chunk */
	for (size_t i = 0; i < t->x.f.nblk; i++)
		if (t->x.f.blk[i].daddr == INO_ROOT * 2u || t->x.f.blk[i].daddr == LEAF_B * 2u)
			assert_false(t->x.f.blk[i].dirty);
	assert_int_equal(xlog_fin_difree_finobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36, rec, true), 0);
	assert_int_equal(get_be16(got(t, FINO_ROOT, K_BTREE) + 6), 1);
	assert_int_equal(xlog_fin_ichunk_free(&t->x.f, 0, rec, &ntx), 0);
	assert_int_equal(get_be32(got(t, 0, K_AGF) + 52), FREEBLKS0 + 2 + 32);
	assert_false(t->x.f.refused);
	/* the paths counted (trace.h): the inobt's join and root kill, no shift; the chunk */
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_JOIN], 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_KILL_ROOT], 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_LSHIFT] + t->x.log.fin_count.n[XFC_INOBT_RSHIFT], 0);
	assert_int_equal(t->x.log.fin_count.n[XFC_IFREE_CHUNK], 1);
	t_free(t);
}

/* The same removal with 35 records in leaf 7: one borrowed from it (xfs_btree_rshift of
 * its last, chunk 35, into leaf 8), the node's key for 8 following; no block freed. */
static void test_borrow(void **state)
{
	struct t *t = t_new(true, 35, 30, 0, 64, 63, ~1ull);
	uint32_t want[64], n = 0;
	uint8_t rec[INOBT_REC_LEN], *agi;
	bool deleted = false;

	(void)state;
	for (uint32_t k = 1; k <= 65; k++)
		if (k != 36)
			want[n++] = 64 * k;
	agi = got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36, rec, &deleted), 0);
	assert_int_equal(get_be32(agi + AGI_ROOT), INO_ROOT);
	assert_int_equal(get_be32(agi + AGI_LEVEL), 2);
	expect_inobt(t, true, LEAF_A, want, n);
	assert_int_equal(get_be16(got(t, LEAF_A, K_BTREE) + 6), 34);
	assert_int_equal(get_be16(got(t, LEAF_B, K_BTREE) + 6), 30);
	assert_int_equal(get_be32(got(t, INO_ROOT, K_BTREE) + HDR + 4), 64u * 35);
	assert_int_equal(get_be32(got(t, 0, K_AGF) + 52), FREEBLKS0);
	assert_false(t->x.f.refused);
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_RSHIFT], 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_JOIN], 0);
	t_free(t);
}

/* A finobt insert into its full root leaf (60 records): xfs_btree_split wants a block,
 * which xfs_finobt_alloc_block takes from the AG's free space near the leaf
 * (xfs_alloc_ag_vextent_near: the one free extent 3000+100 lies past it, so its first
 * block, 3000), then xfs_btree_new_root one near the old root (3001); the free space
 * btrees keep 3002+98, the AGF's free count and longest extent follow. */
static void test_finobt_split(void **state)
{
	struct t *t = t_new(false, 35, 35, 0, 0, 0, 0);
	uint8_t rec[INOBT_REC_LEN], *b = blk(t, FINO_ROOT), *agi, *agf;
	bool deleted = true;

	(void)state;
	put_be16(b + 6, 60);
	for (uint32_t k = 0; k < 60; k++)
		put_irec(b + HDR + 16 * k, false, 64 * (100 + k), 0, 0, 1, 1);
	agi = got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36 + 5, rec, &deleted), 0);
	assert_false(deleted);
	assert_int_equal(xlog_fin_difree_finobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36 + 5, rec, false), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(get_be32(agi + AGI_FREE_ROOT), 3001);
	assert_int_equal(get_be32(agi + AGI_FREE_LEVEL), 2);
	b = got(t, 3001, K_BTREE);
	assert_int_equal(get_be16(b + 4), 1);
	assert_int_equal(get_be16(b + 6), 2);
	assert_int_equal(get_be32(b + HDR + (BS - HDR) / 8 * 4), FINO_ROOT);
	assert_int_equal(get_be32(b + HDR + (BS - HDR) / 8 * 4 + 4), 3000);
	assert_int_equal(get_be32(b + HDR), 64 * 36);
	assert_int_equal(get_be32(b + HDR + 4), 64 * 130);
	assert_int_equal(get_be16(got(t, FINO_ROOT, K_BTREE) + 6), 31);
	assert_int_equal(get_be32(got(t, FINO_ROOT, K_BTREE) + 12), 3000);
	assert_int_equal(get_be16(got(t, 3000, K_BTREE) + 6), 30);
	expect_ext(got(t, BNO_ROOT, K_BTREE), 0, 3002, 98);
	expect_ext(got(t, CNT_ROOT, K_BTREE), 0, 3002, 98);
	agf = got(t, 0, K_AGF);
	assert_int_equal(get_be32(agf + 52), FREEBLKS0 - 2);
	assert_int_equal(get_be32(agf + 56), 98);
	/* counted as the finobt's (not the inobt's) split and new root, each block allocated near */
	assert_int_equal(t->x.log.fin_count.n[XFC_FINOBT_SPLIT], 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_FINOBT_NEW_ROOT], 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_INOBT_SPLIT], 0);
	assert_int_equal(t->x.log.fin_count.n[XFC_ALLOC_NEAR], 2);
	t_free(t);
}

/* test_finobt_split's insert on v5 with the free extent 3000+100 busy (freed by a committed
 * transaction) and block 3000 a bmbt block that transaction invalidated (bytes 0xa5 past
 * its header): the split's near allocation finds only busy extents and forces the log
 * (xfs_extent_busy_flush), which unpins the stale buffer with nothing holding it, so the
 * kernel drops it; the search then takes 3000, whose buffer xfs_trans_get_buf makes anew,
 * zeroed: the new leaf's 30 records, zeroes after them (0xa5 kept before). */
static void test_finobt_split_after_flush(void **state)
{
	struct t *t = t_new(false, 35, 35, 0, 0, 0, 0);
	uint8_t rec[INOBT_REC_LEN], *b = blk(t, FINO_ROOT), *bm = blk(t, 3000);
	bool deleted = true;

	(void)state;
	put_be16(b + 6, 60);
	for (uint32_t k = 0; k < 60; k++)
		put_irec(b + HDR + 16 * k, false, 64 * (100 + k), 0, 0, 1, 1);
	memset(bm, 0xa5, BS);
	memcpy(bm, "BMA3", 4);
	put_be16(bm + 4, 0);
	put_be16(bm + 6, 0);
	memset(bm + 8, 0xff, 16);
	put_le32(bm + 64, 0); /* its crc32c put by the fixture's read */
	xfin_sized_log(&t->x);
	got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_bmbt_stale(&t->x.f, 3000), 0);
	xlog_fin_busy_insert(&t->x.f, 0, 3000, 100);
	xlog_fin_tx(&t->x.f);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36 + 5, rec, &deleted), 0);
	assert_int_equal(xlog_fin_difree_finobt(&t->x.f, 0, &t->x.f.blk[0], 64 * 36 + 5, rec, false), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(t->x.f.nforce, 1);
	assert_int_equal(t->x.log.fin_count.n[XFC_BUSY_FLUSH], 1);
	assert_int_equal(get_be32(got(t, FINO_ROOT, K_BTREE) + 12), 3000);
	b = got(t, 3000, K_BTREE);
	assert_int_equal(get_be32(b), 0x46494233u);
	assert_int_equal(get_be16(b + 6), 30);
	for (uint32_t i = HDR + 16 * 30; i < BS; i++)
		assert_int_equal(b[i], 0);
	t_free(t);
}

/* Not the chunk's last inode: the record updated in place (32-bit free count), the
 * AGI's free count up by one, the finobt's record the same. */
static void test_update_only(void **state)
{
	const uint32_t start = 64 * 36;
	struct t *t = t_new(false, 35, 35, 0, 0, 2, 3);
	uint8_t rec[INOBT_REC_LEN], *b;
	bool deleted = true;

	(void)state;
	got(t, 0, K_AGI);
	assert_int_equal(xlog_fin_difree_inobt(&t->x.f, 0, &t->x.f.blk[0], start + 5, rec, &deleted), 0);
	assert_false(deleted);
	b = got(t, LEAF_B, K_BTREE);
	assert_int_equal(get_be16(b + 6), 35);
	assert_int_equal(get_be32(b + HDR + 4), 3);
	assert_true(get_be64(b + HDR + 8) == 0x23);
	assert_int_equal(get_be32(got(t, 0, K_AGI) + AGI_FREECOUNT), AGI_FREE0 + 1);
	assert_int_equal(get_be32(got(t, 0, K_AGI) + AGI_COUNT), AGI_COUNT0);
	assert_int_equal(xlog_fin_difree_finobt(&t->x.f, 0, &t->x.f.blk[0], start + 5, rec, false), 0);
	assert_memory_equal(got(t, FINO_ROOT, K_BTREE) + HDR + 16, rec, INOBT_REC_LEN);
	t_free(t);
}

/* An unlinked inode, agino 64*36+5 (its chunk's sixth: not the last freed), as the head of
 * its AGI bucket: a v3 symlink with its target local (in the inode), size bytes long; the
 * mount's finish of it (xlog_mount_finish), its one pending entry returned. */
static struct xlog_pending *local_symlink_finish(struct t *t, uint64_t size, struct xlog_plan *p)
{
	const uint32_t agino = 64 * 36 + 5;
	struct xlog_pending *e = calloc(1, sizeof *e);
	uint8_t *d = blk(t, agino >> 1) + 512 * (agino & 1);

	assert_non_null(e);
	t->x.fs.lit_off = 176;
	/* chunks aligned to 8 blocks, an inode cluster of 8 (xfs_imap without the inobt): the
	 * symlink's cluster, 16 inodes from 2304, all inodes to the kernel's buffer verifier */
	t->x.fs.sb.versionnum |= XFS_SB_VERSION_ALIGNBIT;
	t->x.fs.sb.inoalignmt = 8;
	for (uint32_t a = 2304; a < 2320; a++) {
		uint8_t *q = blk(t, a >> 1) + 512 * (a & 1);
		put_be16(q, XFS_DINODE_MAGIC);
		q[DI_VERSION] = 3;
		put_be64(q + DI_INO, a);
		put_be32(q + DI_NEXT_UNLINKED, 0xffffffffu);
	}
	/* every other bucket empty, as mkfs leaves them (xfs_agi_verify checks each) */
	for (uint32_t k = 0; k < 64; k++)
		put_be32(t->x.img + AGI_DADDR * 512 + AGI_UNLINKED + 4 * k, 0xffffffffu);
	put_be32(t->x.img + AGI_DADDR * 512 + AGI_UNLINKED + 4 * (agino % 64), agino);
	put_be16(d + DI_MODE, 0120777);
	put_be16(d, XFS_DINODE_MAGIC);
	d[DI_VERSION] = 3;
	d[DI_FORMAT] = XFS_DINODE_FMT_LOCAL;
	put_be64(d + DI_SIZE, size);
	put_be64(d + DI_INO, agino);
	put_be32(d + DI_NEXT_UNLINKED, 0xffffffffu);
	memcpy(d + 176, "target", 6);
	e->type = XFS_LI_IUNLINK;
	e->id = agino;
	e->agino = agino;
	e->bucket = agino % 64;
	strcpy(e->what, "unlinked inode 2309");
	memset(p, 0, sizeof *p);
	p->pending = e;
	p->npending = p->cappending = 1;
	assert_int_equal(xlog_mount_finish(&t->x.log, &t->x.o, p), 0);
	return e;
}

/* A local symlink of 0 bytes on the unlinked list never reaches xfs_inactive_symlink's
 * length check: xfs_dinode_verify fails it when xfs_iget reads it ("no zero-length
 * symlinks"), and the mount clears its bucket (xlog_recover_clear_agi_bucket), the inode
 * left as it is. One of 6 bytes is read and freed. */
static void test_local_symlink_size0_cleared(void **state)
{
	struct t *t = t_new(false, 35, 35, 0, 0, 2, 3);
	const uint32_t agino = 64 * 36 + 5;
	uint8_t agi[512], ino[512];
	struct xlog_plan p;
	struct xlog_pending *e;

	(void)state;
	e = local_symlink_finish(t, 0, &p);
	assert_int_equal(p.npending, 0);
	assert_int_equal(xlog_ovl_read(&t->x.o, &t->x.log, agi, AGI_DADDR, 1), 0);
	assert_int_equal(get_be32(agi + AGI_UNLINKED + 4 * (agino % 64)), 0xffffffffu);
	assert_int_equal(xlog_ovl_read(&t->x.o, &t->x.log, ino, (uint64_t)(agino >> 1) * (BS / 512) +
				       512 * (agino & 1) / 512, 1), 0);
	assert_int_equal(get_be16(ino + DI_MODE), 0120777); /* not freed */
	free(e);
	for (size_t i = 0; i < p.nfin_prev; i++)
		free(p.fin_prev[i].b);
	free(p.fin_prev);
	t_free(t);

	t = t_new(false, 35, 35, 0, 0, 2, 3);
	e = local_symlink_finish(t, 6, &p);
	assert_int_equal(p.npending, 0); /* freed */
	assert_int_equal(xlog_ovl_read(&t->x.o, &t->x.log, ino, (uint64_t)(agino >> 1) * (BS / 512) +
				       512 * (agino & 1) / 512, 1), 0);
	assert_int_equal(get_be16(ino + DI_MODE), 0);
	free(e);
	for (size_t i = 0; i < p.nfin_prev; i++)
		free(p.fin_prev[i].b);
	free(p.fin_prev);
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_chunk_freed),
		cmocka_unit_test(test_full_chunk_freed),
		cmocka_unit_test(test_bad_record_refused),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_borrow),
		cmocka_unit_test(test_finobt_split),
		cmocka_unit_test(test_finobt_split_after_flush),
		cmocka_unit_test(test_update_only),
		cmocka_unit_test(test_local_symlink_size0_cleared),
		cmocka_unit_test(test_force_before_clusters_refused),
		cmocka_unit_test(test_chunk_cluster_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
