/*
 * The log forces inside the mount's finish (libfsimg/xlog/force.c): where
 * the next checkpoint starts after one of a known length, as Linux 6.1's
 * xlog_write fills iclogs and xlog_state_switch_iclogs moves the write
 * position (header blocks plus the used data rounded up to basic blocks,
 * then to the log stripe unit, wrapping past the log's end into the next
 * cycle), and the stamps after a force: what the committed transactions
 * logged carries the forced checkpoint's start LSN, what is logged after
 * it the next one's.
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
#define IC 32256u /* a 32 KiB iclog's data after its one-sector header */

/* A v2 log of bbs basic blocks, 32 KiB iclogs, stripe unit sunit bytes (0: none). */
static void log_geom(xlog *log, uint32_t bbs, uint32_t sunit, struct xlog_cp_geom *g)
{
	log->geom.v2 = true;
	log->geom.bbs = bbs;
	log->geom.sunit = sunit;
	log->h_size = 32768;
	log->hblks = 1;
	assert_true(xlog_cp_geom(log, g));
	assert_int_equal(g->ic, IC);
}

/* One iclog: header sector, then the content and commit op (1012 bytes: 2 sectors). */
static void one_iclog(void **state)
{
	(void)state;
	xlog log = { 0 };
	struct xlog_cp_geom g;

	log_geom(&log, 20000, 0, &g);
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 100), 1000, 0), XLOG_LSN(1, 103));
	/* 500 + 12: one sector exactly */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 100), 500, 0), XLOG_LSN(1, 102));
}

/* A checkpoint over two iclogs: the first switched out whole (65 sectors with its header);
 * where the chain crosses decides a sector when the rest ends near one's edge. */
static void two_iclogs(void **state)
{
	(void)state;
	xlog log = { 0 };
	struct xlog_cp_geom g;

	log_geom(&log, 20000, 0, &g);
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 0), IC + 100, 0), XLOG_LSN(1, 66));
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 0), IC + 100, 12), XLOG_LSN(1, 66));
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 0), IC + 500, 0), XLOG_LSN(1, 66));
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 0), IC + 500, 12), XLOG_LSN(1, 67));
	/* fewer than two op headers' room left: the commit record goes to a new iclog */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 0), IC - 20, 0), XLOG_LSN(1, 66));
}

/* The force's record past the log's end: the next checkpoint starts in the next cycle. */
static void wraps(void **state)
{
	(void)state;
	xlog log = { 0 };
	struct xlog_cp_geom g;

	log_geom(&log, 200, 0, &g);
	/* 190 + 1 + 10 = 201: block 1 of cycle 2 */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 190), 5000, 0), XLOG_LSN(2, 1));
	/* exactly at the end: block 0 */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 189), 5000, 0), XLOG_LSN(2, 0));
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 188), 5000, 0), XLOG_LSN(1, 199));
	/* the cycle never becomes the header magic */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(XLOG_HEADER_MAGIC_NUM - 1, 190), 5000, 0),
			 XLOG_LSN(XLOG_HEADER_MAGIC_NUM + 1, 1));
	/* an iclog switched out whole wraps too, and the commit record's follows */
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 150), IC + 100, 0), XLOG_LSN(2, 16));
}

/* A log stripe unit of 4 KiB: every switch rounds the write position up to 8 sectors. */
static void stripe_unit(void **state)
{
	(void)state;
	xlog log = { 0 };
	struct xlog_cp_geom g;

	log_geom(&log, 20000, 4096, &g);
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 8), 1000, 0), XLOG_LSN(1, 16));
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 8), IC + 100, 0), XLOG_LSN(1, 80));
	/* the rounding is of the position, as l_curr_block is: past the end it wraps after */
	log.geom.bbs = 100;
	assert_int_equal(xlog_cp_end(&log, &g, XLOG_LSN(1, 96), 1000, 0), XLOG_LSN(2, 4));
}

/* A test block (xfin_crc_off's "TEST": short-form v5 header, crc32c at 52) at agbno. */
static void put_test_block(struct xfin *x, uint32_t agbno)
{
	uint8_t *b = x->img + (size_t)agbno * BS;

	memset(b, 0, BS);
	memcpy(b, "TEST", 4);
}

static uint64_t written_lsn(struct xfin *x, uint32_t agbno)
{
	uint8_t b[BS];

	assert_int_equal(xlog_ovl_read(&x->o, &x->log, b, (uint64_t)agbno * (BS / 512), BS / 512), 0);
	return get_be64(b + 24);
}

/*
 * A v5 finish whose transactions force sizes: block 20 logged (one 128-byte chunk,
 * xlog_fin_log_range) in a committed transaction, then a force in the running one, which
 * logs block 30 (and block 40, in the running transaction before the force). The forced checkpoint: start and
 * transaction-header ops (40 bytes), block 20's format and dirty map (36) and its chunk
 * behind an op header (140): 216 bytes, with the commit op 228, one sector after the
 * header: the next checkpoint starts at 100 + 2. Block 20 carries (1, 100), 30 and 40
 * (1, 102); before, the force was refused on v5.
 */
static void force_stamps(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;
	uint64_t next;

	memset(&x, 0, sizeof x);
	xfin_open(&x, NBLOCKS, BS, 10, true);
	log_geom(&x.log, 20000, 0, &(struct xlog_cp_geom){ 0 });
	x.log.ends.head_cycle = 1;
	x.log.ends.head_blk = 100;
	x.f.cp_sized = true;
	put_test_block(&x, 20);
	put_test_block(&x, 30);
	put_test_block(&x, 40);
	assert_int_equal(xlog_fin_get(&x.f, 20 * 2, 2, K_BTREE, &b), 0);
	b->b[200] = 1;
	b->dirty = true;
	xlog_fin_log_at(&x.f, b, b->b + 200, 1);
	xlog_fin_tx(&x.f);
	assert_int_equal(xlog_fin_get(&x.f, 40 * 2, 2, K_BTREE, &b), 0);
	b->b[300] = 1;
	b->dirty = true;
	xlog_fin_log_at(&x.f, b, b->b + 300, 1);
	xlog_fin_busy_insert(&x.f, 0, 500, 1);
	x.f.busy[0].tx = x.f.tx - 1;
	assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 500, false), 0);
	assert_false(x.f.refused);
	assert_int_equal(x.f.nforce, 1);
	assert_int_equal(x.f.cp_lsn, XLOG_LSN(1, 102));
	assert_int_equal(xlog_fin_get(&x.f, 30 * 2, 2, K_BTREE, &b), 0);
	b->b[400] = 1;
	b->dirty = true;
	xlog_fin_log_at(&x.f, b, b->b + 400, 1);
	xlog_fin_commit(&x.f);
	/* the last checkpoint: blocks 30 and 40, 40 + 2 * (36 + 140) + 12 = 404 bytes */
	assert_int_equal(xlog_fin_cp_close(&x.f, &next), 0);
	assert_int_equal(next, XLOG_LSN(1, 104));
	assert_int_equal(xlog_fin_writeback(&x.f, XLOG_LSN(1, 100)), 0);
	assert_int_equal(written_lsn(&x, 20), XLOG_LSN(1, 100));
	assert_int_equal(written_lsn(&x, 30), XLOG_LSN(1, 102));
	assert_int_equal(written_lsn(&x, 40), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/* A checkpoint longer than the log (a damaged log's geometry: 40 sectors) is refused. */
static void longer_than_log(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;
	uint64_t next;

	memset(&x, 0, sizeof x);
	xfin_open(&x, NBLOCKS, BS, 10, true);
	log_geom(&x.log, 40, 0, &(struct xlog_cp_geom){ 0 });
	x.log.ends.head_cycle = 1;
	x.log.ends.head_blk = 30;
	for (uint32_t k = 0; k < 40; k++) {
		put_test_block(&x, 100 + k);
		assert_int_equal(xlog_fin_get(&x.f, (100 + k) * 2, 2, K_BTREE, &b), 0);
		memset(b->b + 128, 0xff, BS - 128);
		b->dirty = true;
		xlog_fin_log_range(&x.f, b, 128, BS - 1);
	}
	xlog_fin_commit(&x.f);
	assert_int_equal(xlog_fin_cp_close(&x.f, &next), 1);
	assert_non_null(strstr(x.why, "more than the log"));
	xfin_close(&x);
}

/* The same force where the finish's transactions are not sized (the unlinked inodes'): v5
 * refuses, naming what is not modelled; v4 goes on (no stamps). */
static void force_unsized(void **state)
{
	(void)state;
	for (int v5 = 0; v5 < 2; v5++) {
		struct xfin x;
		memset(&x, 0, sizeof x);
		xfin_open(&x, NBLOCKS, BS, 10, v5);
		xlog_fin_busy_insert(&x.f, 0, 40, 1);
		xlog_fin_tx(&x.f);
		assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 40, true), v5);
		assert_int_equal(x.f.refused, v5);
		if (v5)
			assert_non_null(strstr(x.why, "forces the log (v5: the forced checkpoint's length"));
		xfin_close(&x);
	}
}

/* A v5 finish at (1, 100) whose one checkpoint is closed; the next one's LSN. */
static uint64_t close_next(struct xfin *x)
{
	uint64_t next;

	xlog_fin_commit(&x->f);
	assert_int_equal(xlog_fin_cp_close(&x->f, &next), 0);
	return next;
}

static void open_sized(struct xfin *x)
{
	memset(x, 0, sizeof *x);
	xfin_open(x, NBLOCKS, BS, 10, true);
	log_geom(&x->log, 20000, 0, &(struct xlog_cp_geom){ 0 });
	x->log.ends.head_cycle = 1;
	x->log.ends.head_blk = 100;
	x->f.cp_sized = true;
}

/* A v5 sized finish (open_sized) holding block 20 as a block of kind k. */
static struct blk *sized_block(struct xfin *x, enum kind k)
{
	struct blk *b;

	open_sized(x);
	put_test_block(x, 20);
	if (k == K_BMBT)
		memcpy(x->img + 20 * BS, "BMA3", 4);
	assert_int_equal(xlog_fin_get(&x->f, 20 * 2, 2, k, &b), 0);
	return b;
}

/* A block a force wrote, logged again by the finish's last transaction (the CoW leftovers'
 * last free: no commit follows it in the finish): xfs_trans_commit puts it in the running
 * checkpoint, and the AIL writes it with that one's LSN, not the forced one's (the AGF
 * of g2x-1k-ag3-fragfree). */
static void last_tx_after_force(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;

	b = sized_block(&x, K_BTREE);
	b->b[200] = 1;
	b->dirty = true;
	xlog_fin_log_at(&x.f, b, b->b + 200, 1);
	xlog_fin_tx(&x.f);
	xlog_fin_busy_insert(&x.f, 0, 500, 1);
	x.f.busy[0].tx = x.f.tx - 1;
	assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 500, false), 0);
	assert_int_equal(x.f.cp_lsn, XLOG_LSN(1, 102));
	b->b[300] = 1;
	xlog_fin_log_at(&x.f, b, b->b + 300, 1);
	assert_int_equal(xlog_fin_writeback(&x.f, XLOG_LSN(1, 100)), 0);
	assert_int_equal(written_lsn(&x, 20), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/* Block 20 freed (stale) by a committed transaction, then the log forced (its checkpoint:
 * 40 + 36 + 12 bytes, one sector: the next starts at (1, 102)). */
static struct blk *stale_then_forced(struct xfin *x)
{
	struct blk *b = sized_block(x, K_BTREE);

	b->stale = true;
	xlog_fin_tx(&x->f);
	xlog_fin_busy_insert(&x->f, 0, 500, 1);
	x->f.busy[0].tx = x->f.tx - 1;
	assert_int_equal(xlog_fin_busy_reuse(&x->f, 0, 500, false), 0);
	assert_int_equal(x->f.cp_lsn, XLOG_LSN(1, 102));
	return b;
}

/* The freed block taken back by a btree after the force (a split's new block from the
 * AGFL, logged whole): a live buffer again, in the next checkpoint with its 1024 bytes
 * (40 + 36 + 12 + 1024 + 12: three sectors, (1, 106)) and stamped with its LSN, where a
 * cancelled buffer's 36 bytes would end it at (1, 104), the block keeping (1, 100). */
static void stale_reused_after_force(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b = stale_then_forced(&x);

	b->dirty = true;
	xlog_fin_log_range(&x.f, b, 0, BS - 1);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 106));
	assert_int_equal(xlog_fin_writeback(&x.f, XLOG_LSN(1, 100)), 0);
	assert_int_equal(written_lsn(&x, 20), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/* The block taken back and logged whole by a committed transaction, then freed again by
 * one that forces the log before it commits (a busy block met by the AGFL's refill,
 * xlog_fin_busy_reuse): the forced checkpoint holds the buffer as the last commit
 * formatted it, live with its 1024 bytes, (1, 106) as in stale_reused_after_force; as
 * the running transaction left it, cancelled (36 bytes), it would end at (1, 104), 3
 * sectors short (the AG headers' stamps of kernel row g4x-2k-rmap-ag2-holdmix). The free
 * goes into the next checkpoint: the buffer cancelled there, one sector, (1, 108). */
static void freed_in_forcing_tx(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b = stale_then_forced(&x);
	uint64_t next;

	b->dirty = true;
	xlog_fin_log_range(&x.f, b, 0, BS - 1);
	xlog_fin_tx(&x.f);
	b->dirty = false; /* agbt_free_block */
	assert_int_equal(xlog_fin_cp_close(&x.f, &next), 0);
	assert_int_equal(next, XLOG_LSN(1, 106));
	x.f.cp_lsn = next;
	assert_int_equal(close_next(&x), XLOG_LSN(1, 108));
	xfin_close(&x);
}

/* The freed block is an AGFL block whose deferred free comes after the force (the block
 * that forced it, as in xz-1k-ag2-sparse-fragfree): its new buffer item is invalidated in
 * the next checkpoint, 36 bytes (with an EFI of 26 extents, 444: 532 with the commit op,
 * two sectors, (1, 105)); without it, one sector (1, 104). */
static void agfl_free_after_force(void **state)
{
	(void)state;
	struct xfin x;

	(void)stale_then_forced(&x);
	xlog_fin_cp_efx(&x.f, 26);
	xlog_fin_cp_agfl_free(&x.f, 0, 20);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 105));
	xfin_close(&x);
}

/*
 * A leaf (a bmbt leaf's layout: 72-byte header) whose records were logged (xfs_btree_log_recs of records 1 to 20: bytes 72
 * to 391, chunks 0 to 3) by a shift and an insert whose changes net to nothing: the kernel
 * logs the range all the same. The checkpoint: 40 bytes of ops, the buffer's format (36)
 * and one region of four chunks (12 + 512): 600, with the commit op 612, two sectors: the
 * next starts at (1, 103). Sized from the changed bytes it held nothing (1, 102).
 */
static void logged_range_nets_to_nothing(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;

	b = sized_block(&x, K_BTREE);
	b->b[6] ^= 1; /* numrecs lowered by the shift ... */
	b->b[6] ^= 1; /* ... raised by the insert */
	xlog_fin_log_lents(&x.f, b, 72, 0, 0, 19);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 103));
	/* written back with the checkpoint's LSN: it is the checkpoint's */
	assert_int_equal(xlog_fin_writeback(&x.f, XLOG_LSN(1, 100)), 0);
	xfin_close(&x);
}

/* Two runs of chunks (0 and 3 to 4, xfs_btree_log_block and a range of records): two
 * regions, each behind its op header (xfs_buf_item_format): 40 + 36 + 140 + 268 = 484,
 * 496 with the commit op: one sector (1, 102); one more chunk (2) joins them into one
 * region of five (12 + 640: 728 + 12, two sectors): (1, 103). */
static void logged_runs_are_regions(void **state)
{
	(void)state;
	for (int join = 0; join < 2; join++) {
		struct xfin x;
		struct blk *b;
		b = sized_block(&x, K_BTREE);
		xlog_fin_log_range(&x.f, b, 6, 7);
		xlog_fin_log_range(&x.f, b, 3 * 128 + 100, 4 * 128 + 5);
		if (join)
			xlog_fin_log_at(&x.f, b, b->b + 2 * 128, 1);
		assert_int_equal(close_next(&x), XLOG_LSN(1, join ? 103 : 102));
		xfin_close(&x);
	}
}

/* A btree block made anew over old bytes (xfs_trans_get_buf): only its logged ranges
 * count (its header, chunk 0: 40 + 36 + 140 + 12, one sector), not every chunk whose
 * bytes differ from the disk's (40 + 36 + 12 + 1024 + 12: three sectors). A stale buffer
 * counts its format alone, whatever it logged before (xfs_trans_binval clears the map). */
static void new_block_and_stale(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;

	open_sized(&x);
	put_test_block(&x, 20);
	memset(x.img + 20 * BS + 128, 0xa5, BS - 128); /* what a freed block held */
	assert_int_equal(xlog_fin_get_new(&x.f, 20 * 2, 2, K_BTREE, &b), 0);
	memset(b->b, 0, BS);
	memcpy(b->b, "TEST", 4);
	xlog_fin_log_range(&x.f, b, 0, 55);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 102));
	xfin_close(&x);

	b = sized_block(&x, K_BTREE);
	memset(b->b + 128, 0x5a, BS - 128);
	xlog_fin_log_range(&x.f, b, 0, BS - 1);
	xlog_fin_tx(&x.f);
	b->stale = true;
	b->dirty = false;
	/* 40 + 36 + 12: (1, 102) */
	assert_int_equal(close_next(&x), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/*
 * The inode a truncate logs (xfs_bunmapi: XFS_ILOG_CORE | XFS_ILOG_DEXT) is in its
 * checkpoint with its extents as the last commit left them: 40 bytes of ops, its format
 * and core behind their op headers (12 + 56 + 12 + 176), 19 extents behind theirs
 * (12 + 304): 612, with the commit op 624, two sectors: (1, 103); not counted (the model
 * logged an inode only when freeing it) 52 bytes, (1, 102). Once its free is in the same
 * checkpoint it counts once, as the freed inode.
 */
/* The truncating inode: slot 1 of test block 20's cluster, a v3 inode's literal area. */
static void open_trunc(struct xfin *x)
{
	struct blk *b = sized_block(x, K_INODES);

	x->fs.lit_off = 176;
	x->f.trunc_blk = (size_t)(b - x->f.blk);
	x->f.trunc_off = 512;
}

static void truncating_inode(void **state)
{
	(void)state;
	struct xfin x;

	open_trunc(&x);
	xlog_fin_cp_trunc(&x.f, NULL, false, 30);
	xlog_fin_tx(&x.f);
	xlog_fin_cp_trunc(&x.f, NULL, false, 19); /* the next round: 19 left */
	assert_int_equal(close_next(&x), XLOG_LSN(1, 103));
	/* closed: the next checkpoint holds it only when a truncate logs it again */
	assert_false(x.f.cp_trunc);
	xfin_close(&x);
}

/* A force where the truncating inode's checkpoint holds what is not sized (a bmbt leaf
 * emptied: xfs_btree_delrec's key updates above it), or in the middle of a truncate's
 * intent (its EFI committed alone in the checkpoint): refused on v5, naming it; with its
 * fork in btree form and sized, the force goes on. */
static void trunc_force_refusals(void **state)
{
	(void)state;
	for (int c = 0; c < 3; c++) {
		struct xfin x;
		open_trunc(&x);
		xlog_fin_cp_trunc(&x.f, c == 0 ? "a bmbt leaf emptied" : NULL, true, 2);
		xlog_fin_busy_insert(&x.f, 0, 40, 1);
		xlog_fin_tx(&x.f);
		if (c == 1)
			x.f.tx_intent = "an extent free intent";
		assert_int_equal(xlog_fin_busy_reuse(&x.f, 0, 40, true), c < 2);
		assert_int_equal(x.f.refused, c < 2);
		if (c < 2)
			assert_non_null(strstr(x.why, c ? "in the middle of an extent free intent" : "a bmbt leaf emptied"));
		xfin_close(&x);
	}
}

/*
 * The truncating inode with its data fork in btree form (20 records in its root): its
 * format and core alone (12 + 56 + 12 + 176, 40 bytes of ops: 296, with the commit op
 * 308, one sector: (1, 102)) until a delete logs the root (XFS_ILOG_DBROOT); from then on
 * every format of it holds the incore root, its header and 20 keys and pointers behind
 * their op header (12 + 72 + 320: 712 with the commit op, two sectors: (1, 103)), the next
 * round's too, which logs only the core (ili_fields keeps DBROOT).
 */
static void truncating_inode_btree(void **state)
{
	(void)state;
	for (int c = 0; c < 3; c++) {
		struct xfin x;
		open_trunc(&x);
		if (c)
			xlog_fin_cp_trunc_broot(&x.f);
		xlog_fin_cp_trunc(&x.f, NULL, true, 20);
		if (c == 2) {
			xlog_fin_tx(&x.f);
			xlog_fin_cp_trunc(&x.f, NULL, true, 20);
		}
		assert_int_equal(close_next(&x), XLOG_LSN(1, c ? 103 : 102));
		xfin_close(&x);
	}
}

/* A bmbt block a truncate frees (xfs_bmbt_free_block: xfs_trans_binval) is in the
 * checkpoint as a cancelled buffer, its format alone (40 + 36 + 12: one sector, (1, 102)),
 * whatever was logged of it before; and never written. */
static void bmbt_freed_stale(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b;

	b = sized_block(&x, K_BMBT);
	xlog_fin_log_range(&x.f, b, 0, BS - 1);
	xlog_fin_tx(&x.f);
	assert_int_equal(xlog_fin_bmbt_stale(&x.f, 20), 0);
	assert_true(b->stale);
	assert_int_equal(close_next(&x), XLOG_LSN(1, 102));
	xfin_close(&x);
}

/* A block a committed transaction logged (chunk 0) and the running one logs again (chunks 2
 * to 7) before the force: the forced checkpoint holds it as the commit formatted it
 * (xlog_cil_insert_format_items), 40 + 36 + 140 + 12 = 228 bytes, one sector: (1, 102);
 * counting the running transaction's chunks too, 1008 bytes would end it at (1, 103) (as
 * xk-1k-rmap-fragfree-9601's 4th checkpoint, one sector past the kernel's). The next one
 * has them: 40 + 36 + 140 + 780 + 12 = 1008, two sectors: (1, 105). */
static void running_tx_chunks_wait(void **state)
{
	(void)state;
	struct xfin x;
	struct blk *b = sized_block(&x, K_BTREE);

	b->dirty = true;
	xlog_fin_log_range(&x.f, b, 0, 55);
	xlog_fin_tx(&x.f);
	xlog_fin_log_range(&x.f, b, 256, BS - 1);
	assert_int_equal(xlog_fin_force(&x.f, "test"), 0);
	assert_int_equal(x.f.cp_lsn, XLOG_LSN(1, 102));
	assert_int_equal(close_next(&x), XLOG_LSN(1, 105));
	xfin_close(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_iclog),     cmocka_unit_test(two_iclogs),   cmocka_unit_test(wraps),
		cmocka_unit_test(stripe_unit),   cmocka_unit_test(force_stamps), cmocka_unit_test(force_unsized),
		cmocka_unit_test(longer_than_log),
		cmocka_unit_test(logged_range_nets_to_nothing),
		cmocka_unit_test(logged_runs_are_regions),
		cmocka_unit_test(new_block_and_stale),
		cmocka_unit_test(truncating_inode),
		cmocka_unit_test(trunc_force_refusals),
		cmocka_unit_test(truncating_inode_btree),
		cmocka_unit_test(last_tx_after_force),
		cmocka_unit_test(stale_reused_after_force),
		cmocka_unit_test(freed_in_forcing_tx),
		cmocka_unit_test(agfl_free_after_force),
		cmocka_unit_test(bmbt_freed_stale),
		cmocka_unit_test(running_tx_chunks_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
