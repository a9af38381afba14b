/*
 * A block that changes kind inside the mount's finish (libfsimg/xlog/ifree.c,
 * xlog_fin_get_buf): a bmbt block a truncate freed (xfs_bmbt_free_block:
 * xfs_trans_binval) comes back through the AGFL as a free space btree block
 * (xfs_allocbt_alloc_block, xfs_btree_get_buf_block), as the kernel lets it
 * (the xa-/xw- fragfree crash rows met it). On a synthetic AG of 1000 1 KiB
 * blocks, v4 and v5, no mkfs: full one-leaf free space btrees, so a free splits
 * the by-block leaf and takes AGFL block 20, the freed bmbt block, for its
 * new right leaf. What the kernel's buffer cache gives there (Linux 6.1
 * xfs_buf_find_lock, xfs_buf_item_unpin, xfs_buf_rele, xfs_buf_alloc_kmem):
 * the stale buffer with the bmbt's bytes under the new header while it is
 * cached (freed in the running transaction; or pinned, the get forcing the
 * log and waiting, holding it), a zeroed one once a force before the
 * allocation released it. A bmbt block still in use met there is refused,
 * naming both kinds. Before xlog_fin_get_buf every case was refused as "met
 * as two kinds of block".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cursor.h"
#include "xfin_fixture.h"
#include "xfs/format.h"
#include "xlog/format.h"

#define NBLOCKS 1000u
#define BS 1024u
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define BMBT 20u   /* the bmbt block, first on the AGFL */
#define OLD 0xa5u  /* the bmbt block's bytes past its header */

/* The short-form header's length, v4 or v5 (CRC) */
static uint32_t hdr_len(const struct xfin *x)
{
	return x->fs.v5 ? 56u : 16u;
}

/* A full leaf of free extents 100 + 2i, one block each (by block and by size alike). */
static void full_leaf(struct xfin *x, uint32_t agbno, uint32_t magic)
{
	uint8_t *b = xfin_blk(x, agbno);
	uint32_t hdr = hdr_len(x), n = (BS - hdr) / 8;

	xfin_put_sblock(b, BS, magic, 0, (uint16_t)n);
	if (x->fs.v5) {
		put_be64(b + 16, (uint64_t)agbno * (BS / 512));
		memcpy(b + 32, x->fs.sb.uuid, 16);
	}
	for (uint32_t i = 0; i < n; i++) {
		put_be32(b + hdr + 8 * i, 100 + 2 * i);
		put_be32(b + hdr + 4 + 8 * i, 1);
	}
}

/* The AG (xfin_put_agf: 4 AGFL blocks, what two one-level trees want), the AGFL 20, 11, 12,
 * 13, and block 20 a bmbt leaf (long-form header; v5: BMA3, its crc32c put by xfin_read)
 * whose other bytes are OLD. A v2 log whose forces close checkpoints (xlog_fin_cp_close:
 * the blocks they wrote remembered so). On the heap (xfin_new). */
static struct xfin *ag_build(bool v5)
{
	static const uint32_t fl[] = { BMBT, 11, 12, 13 };
	struct xfin *x = xfin_new(NBLOCKS, BS, 10, v5);
	uint8_t *agf, *agfl = x->img + 3 * 512, *slots = agfl + (v5 ? 36 : 0), *bm = xfin_blk(x, BMBT);

	memset(x->fs.sb.uuid, 0xab, 16);
	agf = xfin_put_agf(x, BNO_ROOT, CNT_ROOT, (BS - hdr_len(x)) / 8, 1);
	put_be32(agf + 4, 1);
	put_be32(agf + 12, NBLOCKS);
	put_be32(agf + 40, 0);  /* agf_flfirst */
	put_be32(agf + 44, 3);  /* agf_fllast */
	if (v5)
		memcpy(agfl, "XAFL", 4);
	for (uint32_t i = 0; i < 4; i++)
		put_be32(slots + 4 * i, fl[i]);
	full_leaf(x, BNO_ROOT, v5 ? 0x41423342u : 0x41425442u); /* AB3B, ABTB */
	full_leaf(x, CNT_ROOT, v5 ? 0x41423343u : 0x41425443u); /* AB3C, ABTC */
	memset(bm, OLD, BS);
	memcpy(bm, v5 ? "BMA3" : "BMAP", 4);
	put_be16(bm + 4, 0);
	put_be16(bm + 6, 0);
	memset(bm + 8, 0xff, 16);
	if (v5) {
		put_be64(bm + 24, BMBT * (BS / 512));
		put_be64(bm + 32, 0);
		memcpy(bm + 40, x->fs.sb.uuid, 16);
		put_be64(bm + 56, 131);
		put_le32(bm + 64, 0);
	}
	xfin_sized_log(x);
	return x;
}

/* ... with block 20 held by the finish as a bmbt block, freed when freed is set. */
static struct xfin *ag_open(bool freed, bool v5)
{
	struct xfin *x = ag_build(v5);

	if (freed)
		assert_int_equal(xlog_fin_bmbt_stale(&x->f, BMBT), 0);
	else
		(void)xfin_got(x, BMBT, K_BMBT);
	return x;
}

/* Block 600 freed: the by-block leaf (n records, full) splits, its upper half (the last
 * n / 2: 226 to 350 on v4, 222 to 340 on v5) and the new record 600 going to the new leaf
 * from the AGFL (block 20); then the by-size leaf likewise. Block 20 as written back: a
 * by-block leaf of those records (on v5 with its daddr, the filesystem's uuid, AG 0 as
 * owner, the LSN the AGF carries, a good crc32c), and past them the bytes the buffer held:
 * OLD or, fresh, zeroes. */
static void split_into_freed(struct xfin *x, uint8_t past, uint32_t nforce)
{
	uint32_t hdr = hdr_len(x), n = (BS - hdr) / 8, r = n / 2;
	uint8_t b[BS], agf[512];
	struct blk *got;

	assert_int_equal(xlog_fin_free_extent(&x->f, 0, 600, 1), 0);
	assert_false(x->f.refused);
	assert_int_equal(x->f.nforce, nforce);
	assert_int_equal(xlog_fin_get(&x->f, BMBT * 2, 2, K_BTREE, &got), 0);
	assert_true(got->dirty);
	assert_int_equal(x->log.fin_count.n[XFC_BUF_REGET], 1);
	assert_int_equal(x->log.fin_count.n[XFC_BUF_REGET_GONE], past == 0);
	assert_int_equal(xlog_fin_writeback(&x->f, XLOG_LSN(1, 100)), 0);
	assert_int_equal(xlog_ovl_read(&x->o, &x->log, b, BMBT * 2, 2), 0);
	assert_int_equal(get_be32(b), x->fs.v5 ? 0x41423342u : 0x41425442u);
	assert_int_equal(get_be16(b + 4), 0);
	assert_int_equal(get_be16(b + 6), r + 1);
	assert_int_equal(get_be32(b + 8), BNO_ROOT); /* its left sibling: the old root leaf */
	assert_int_equal(get_be32(b + 12), 0xffffffffu);
	for (uint32_t i = 0; i < r; i++)
		assert_int_equal(get_be32(b + hdr + 8 * i), 100 + 2 * (n - r + i));
	assert_int_equal(get_be32(b + hdr + 8 * r), 600);
	for (uint32_t i = hdr + 8 * (r + 1); i < BS; i++)
		assert_int_equal(b[i], past);
	if (!x->fs.v5)
		return;
	assert_int_equal(xlog_ovl_read(&x->o, &x->log, agf, 1, 1), 0);
	assert_int_equal(get_be64(b + 16), BMBT * 2);
	assert_memory_equal(b + 32, x->fs.sb.uuid, 16);
	assert_int_equal(get_be32(b + 48), 0);
	assert_true(get_be64(b + 24) != 0);
	assert_int_equal(get_be64(b + 24), get_be64(agf + 208));
	assert_true(xfs_verify_cksum(b, BS, 52));
}

/* Freed in the running transaction: the transaction's own buffer (no lock, no force). */
static void freed_same_tx(bool v5)
{
	struct xfin *x = ag_open(true, v5);

	split_into_freed(x, OLD, 0);
	xfin_free(x);
}

/* Freed in a committed transaction: pinned in the CIL; xfs_buf_lock forces the log and
 * waits, holding the buffer, which the checkpoint's completion unpins: the bytes stay. */
static void freed_pinned(bool v5)
{
	struct xfin *x = ag_open(true, v5);

	xlog_fin_tx(&x->f);
	split_into_freed(x, OLD, 1);
	xfin_free(x);
}

/* Freed in a committed transaction and the log forced before the allocation: the stale
 * buffer unpinned with no waiter, released and dropped from the cache; the get makes a
 * zeroed one (and forces nothing). */
static void freed_released(bool v5)
{
	struct xfin *x = ag_open(true, v5);

	xlog_fin_tx(&x->f);
	assert_int_equal(xlog_fin_force(&x->f, "test"), 0);
	split_into_freed(x, 0, 1);
	xfin_free(x);
}

/* A bmbt block in use on the AGFL (a damaged AGFL or bmbt pointer): refused, both kinds named. */
static void live_refused(void **state)
{
	(void)state;
	struct xfin *x = ag_open(false, false);

	assert_int_equal(xlog_fin_free_extent(&x->f, 0, 600, 1), 1);
	assert_true(x->f.refused);
	assert_non_null(strstr(x->why, "daddr 40 met as two kinds of block (bmbt block, then btree block)"));
	xfin_free(x);
}

/* Block 20 instead a block of an inode chunk the finish freed (xfs_ifree_cluster: its 8 KiB
 * cluster buffer, 16 sectors, staled; the block held as one of its 2-sector blocks), in a
 * committed transaction. */
static struct xfin *icluster_freed(bool v5)
{
	struct xfin *x = ag_build(v5);
	struct blk *b;

	x->fs.sb.inodesize = 256;
	assert_int_equal(xlog_fin_icluster_bbs(&x->fs), 16);
	assert_int_equal(xlog_fin_get(&x->f, BMBT * 2, 2, K_INODES, &b), 0);
	b->dirty = false;
	b->stale = true;
	xlog_fin_tx(&x->f);
	assert_true(b->was_stale);
	return x;
}

/* Its checkpoint written (a force before the allocation): the kernel's cluster buffer is
 * another buffer (another length) and the block's own is allocated zeroed, with no force
 * (kernel row g7x-2k-rmap-reflink-holdmixmany). Before, refused as "met as two kinds". */
static void icluster_released(bool v5)
{
	struct xfin *x = icluster_freed(v5);

	assert_int_equal(xlog_fin_force(&x->f, "test"), 0);
	split_into_freed(x, 0, 1);
	xfin_free(x);
}

/* Freed in the running checkpoint: refused (the stale cluster's item and the new block's
 * would share the held block's bookkeeping). */
static void icluster_running_refused(void **state)
{
	struct xfin *x = icluster_freed(true);

	(void)state;
	assert_int_equal(xlog_fin_free_extent(&x->f, 0, 600, 1), 1);
	assert_non_null(strstr(x->why, "daddr 40, in an inode chunk freed in the running checkpoint, taken back as a "
				       "btree block (not done)"));
	xfin_free(x);
}

/* An AGFL block freed (xfs_trans_get_buf of one block, xfs_trans_binval) where a freed
 * inode cluster block is held: a buffer of its own, its stale format in the transaction
 * (36 bytes: op header, format, a one-word map); where a freed btree block is held, the
 * same buffer, invalidated already: nothing more. */
static void agfl_free_icluster(void **state)
{
	struct xfin *x = icluster_freed(true);
	struct xfin *y = ag_open(true, true);

	(void)state;
	xlog_fin_cp_agfl_free(&x->f, 0, BMBT);
	assert_int_equal(x->f.tx_done, 36);
	assert_false(x->f.blk[0].tx_logged);
	xlog_fin_tx(&y->f);
	xlog_fin_cp_agfl_free(&y->f, 0, BMBT);
	assert_int_equal(y->f.tx_done, 0);
	xfin_free(x);
	xfin_free(y);
}

/* each on v4 and on v5 (the new header's daddr, uuid and owner, its LSN and crc32c) */
#define BOTH(t)                                                                                                        \
	static void t##_v4(void **state) { (void)state; t(false); }                                                    \
	static void t##_v5(void **state) { (void)state; t(true); }
BOTH(freed_same_tx)
BOTH(freed_pinned)
BOTH(freed_released)
BOTH(icluster_released)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(freed_same_tx_v4), cmocka_unit_test(freed_same_tx_v5),
		cmocka_unit_test(freed_pinned_v4),  cmocka_unit_test(freed_pinned_v5),
		cmocka_unit_test(freed_released_v4), cmocka_unit_test(freed_released_v5),
		cmocka_unit_test(live_refused),
		cmocka_unit_test(icluster_released_v4), cmocka_unit_test(icluster_released_v5),
		cmocka_unit_test(icluster_running_refused), cmocka_unit_test(agfl_free_icluster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
