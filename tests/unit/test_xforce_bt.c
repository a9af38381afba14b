/*
 * What a truncate of a data fork in btree form logs of the bmbt blocks it keeps, for the
 * length of a forced checkpoint (libfsimg/xlog/ifree_fork.c's delete_logged and
 * round_log, force.c), against Linux 6.1's xfs_btree_delrec, _rshift and _update_keys
 * (fs/xfs/libxfs/xfs_btree.c): the rightmost leaf's count (xfs_btree_log_block), a
 * borrow's records of that leaf from its first and the left sibling's count, the key in
 * the root (XFS_ILOG_DBROOT); a join's records appended to the left sibling with its count
 * and right sibling, the root's entry removed. The round's free is made to fail (its
 * extent inside free space) so that the blocks are seen as the round left them: the
 * truncate frees every leaf by its end, and a freed buffer's logged ranges go.
 * Then the forces such truncates meet with AGFL blocks taken back and freed again
 * (force.c's xlog_fin_buf_lock) and in the middle of an extent free intent's frees
 * (ifree_fork.c's xlog_fin_free_queue), found on kernel row xr8-1k-holdmix, and behind a
 * truncate round's queued intents (xlog_fin_free_queued), on xr8-1k-rmap-holdmix.
 */
#include "xbmbt_fixture.h"

/* The chunks (128 bytes) logged of bmbt block agbno, as a bit string. */
static void lmap_str(struct t *t, uint32_t agbno, char *s)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (BS / 512), BS / 512, K_BMBT, &b), 0);
	for (uint32_t c = 0; c < BS / 128; c++)
		s[c] = b->lmap[0] >> c & 1 ? '1' : '0';
	s[BS / 128] = 0;
	if (b->stale)
		strcpy(s, "stale");
}

/*
 * Leaves of 40, 30 and 30 records (59 a leaf, 29 the minimum). Round 1 deletes extents 99
 * and 98: the third leaf at 29, then 28, takes the second's last record (xfs_btree_rshift):
 * its records 1 to 29 (bytes 72 to 535: chunks 0 to 4) and count, the second's count
 * (chunk 0), the third's key in the root: the inode's root logged (three records). Round 2
 * deletes 97 and 96: the third at 28 joins the second (29, at its minimum): 28 records
 * after its 29 (bytes 536 to 983: chunks 4 to 7), its count and right sibling (chunk 0),
 * the third freed, the root's entry removed (two records).
 */
static void delete_ranges(void **state)
{
	(void)state;
	for (uint32_t round = 1; round <= 2; round++) {
		const uint32_t cnt[3] = { 40, 30, 30 };
		struct t *t = t_new(cnt, 3);
		struct bmbt b;
		uint8_t *recs = NULL, *r;
		uint32_t ntx = 0;
		char s[16];

		assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 100, &b, &recs), 0);
		/* the round's first extent inside the free extent 3000+100: its free refused */
		r = recs + 16 * (size_t)(101 - 2 * round);
		put_be64(r, (uint64_t)(101 - 2 * round) << 9);
		put_be64(r + 8, (uint64_t)3050 << 21 | 1);
		assert_int_equal(xlog_fin_truncate_extents(&t->x.f, recs, 100, 103, false, INO, &b, (ISIZE - LIT) / 16, 0,
							   &ntx),
				 1);
		free(recs);
		lmap_str(t, LEAF0, s);
		assert_string_equal(s, "00000000");
		lmap_str(t, LEAF0 + 2, s);
		assert_string_equal(s, round == 1 ? "10000000" : "10001111");
		lmap_str(t, LEAF0 + 4, s);
		assert_string_equal(s, round == 1 ? "11111000" : "stale");
		/* the free's intent committed the unmap: the inode as it formatted it */
		assert_true(t->x.f.cp_trunc);
		assert_true(t->x.f.cp_trunc_btree);
		assert_true(t->x.f.cp_trunc_broot);
		assert_int_equal(t->x.f.cp_trunc_n, 4 - round);
		assert_null(t->x.f.cp_trunc_unsized);
		t_free(t);
	}
}

/* A round whose deletes leave the leaf above its minimum logs its count alone, and not the
 * root: leaves of 40 and 59, round 1 (59 to 57). */
static void delete_count_only(void **state)
{
	const uint32_t cnt[2] = { 40, 59 };
	struct t *t = t_new(cnt, 2);
	struct bmbt b;
	uint8_t *recs = NULL, *r;
	uint32_t ntx = 0;
	char s[16];

	(void)state;
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 99, &b, &recs), 0);
	r = recs + 16 * 98;
	put_be64(r, (uint64_t)98 << 9);
	put_be64(r + 8, (uint64_t)3050 << 21 | 1);
	assert_int_equal(xlog_fin_truncate_extents(&t->x.f, recs, 99, 101, false, INO, &b, (ISIZE - LIT) / 16, 0, &ntx), 1);
	free(recs);
	lmap_str(t, LEAF0 + 2, s);
	assert_string_equal(s, "10000000");
	lmap_str(t, LEAF0, s);
	assert_string_equal(s, "00000000");
	assert_true(t->x.f.cp_trunc_btree);
	assert_false(t->x.f.cp_trunc_broot);
	t_free(t);
}

/* The fixture with no free space, a v5 log at (1, 100) whose finish's checkpoints are sized
 * (32 KiB iclogs), the AGF's bnobt and cntbt leaves empty. */
static struct t *t_sized(void)
{
	const uint32_t cnt[1] = { 2 };
	struct t *t = t_new(cnt, 1);

	put_sblock(t, BNO_ROOT, 0x41423342u, 0);
	put_sblock(t, CNT_ROOT, 0x41423343u, 0);
	put_be32(blk(t, 0) + 512 + 52, 0);
	put_be32(blk(t, 0) + 512 + 56, 0);
	memcpy(blk(t, 0) + 3 * 512, "XAFL", 4);
	t->x.log.geom.bbs = 20000;
	t->x.log.geom.v2 = true;
	t->x.log.h_size = 32768;
	t->x.log.ends.head_cycle = 1;
	t->x.log.ends.head_blk = 100;
	t->x.f.cp_sized = true;
	return t;
}

/*
 * An AGFL block freed (xfs_free_agfl_block: no busy extent, its buffer invalidated), taken
 * back onto the AGFL by a refill, and freed again in a later transaction: the buffer the
 * first free invalidated is pinned in the CIL, and xfs_trans_get_buf -> xfs_buf_lock forces
 * the log (xr8-1k-holdmix's AG 1 blocks 4801 and 17: the kernel's checkpoint ends there, the
 * second free's invalidated buffers in the next). Freed again in the transaction of the
 * first free, or after a force, it is not pinned by a committed one: no force.
 */
static void agfl_refree_forces(void **state)
{
	(void)state;
	for (int c = 0; c < 3; c++) {
		struct t *t = t_sized();
		struct blk *agfb;
		uint8_t *agf;

		for (uint32_t i = 0; i < 4; i++)
			t->x.f.agflq[i] = (struct fin_agflq){ 0, 2000 + i };
		t->x.f.nagflq = 4;
		assert_int_equal(xlog_fin_agfl_free_blocks(&t->x.f, 0, 4), 0);
		if (c != 1)
			xlog_fin_tx(&t->x.f);
		if (c == 2) {
			xlog_fin_busy_insert(&t->x.f, 0, 3000, 1);
			xlog_fin_tx(&t->x.f);
			assert_int_equal(xlog_fin_busy_reuse(&t->x.f, 0, 3000, false), 0);
			assert_int_equal(t->x.f.nforce, 1);
		}
		/* the refill (the AGFL emptied) takes 2000+4 back: no buffer got, no force */
		agf = xfin_got(&t->x, 0, K_AGF);
		put_be32(agf + 48, 0);
		assert_int_equal(xlog_fin_fix_freelist(&t->x.f, 0, &agfb), 0);
		assert_int_equal(get_be32(agf + 48), 4);
		assert_int_equal(t->x.f.nforce, c == 2);
		t->x.f.agflq[0] = (struct fin_agflq){ 0, 2001 };
		t->x.f.nagflq = 1;
		assert_int_equal(xlog_fin_agfl_free_blocks(&t->x.f, 0, 1), 0);
		assert_false(t->x.f.refused);
		assert_int_equal(t->x.f.nforce, c != 1);
		/* the forced checkpoint (the first frees' cancelled buffers, the AGF and leaves
		 * they logged): two sectors */
		if (c == 0)
			assert_int_equal(t->x.f.cp_lsn, XLOG_LSN(1, 103));
		t_free(t);
	}
}

/* 3000+100 free, freed in a committed transaction (busy); the AGFL empty: a free's refill
 * forces (xlog_fin_busy_flush) */
static void busy_only(struct t *t)
{
	uint8_t *bno = blk(t, BNO_ROOT), *cnt = blk(t, CNT_ROOT);

	put_sblock(t, BNO_ROOT, 0x41423342u, 1);
	put_be32(bno + HDR, 3000);
	put_be32(bno + HDR + 4, 100);
	put_sblock(t, CNT_ROOT, 0x41423343u, 1);
	put_be32(cnt + HDR, 3000);
	put_be32(cnt + HDR + 4, 100);
	put_be32(blk(t, 0) + 512 + 48, 0);
	put_be32(blk(t, 0) + 512 + 52, 100);
	put_be32(blk(t, 0) + 512 + 56, 100);
	xlog_fin_busy_insert(&t->x.f, 0, 3000, 100);
}

/*
 * A force in the middle of an extent free intent's frees (the AGFL refill finds only
 * extents freed in a committed transaction: xfs_extent_busy_flush): the EFI, logged by the
 * transaction that queued it (xfs_defer_create_intent, committed at xfs_defer_trans_roll),
 * goes alone into the forced checkpoint (12 + 16 + 16 bytes), its EFD into the next
 * (xr8-1k-holdmix's fourth-last checkpoint of the finish ends with an EFI of two extents,
 * the next begins with its EFD). With an EFI of 26 extents logged before: 40 + 444 + 44 +
 * 12 = 540 bytes, two sectors: the next checkpoint at (1, 103); before, refused.
 */
static void efi_alone_at_force(void **state)
{
	(void)state;
	struct t *t = t_sized();
	struct efree q = { .ag = 0, .agbno = 2000, .len = 1, .owner = RMAP_OWN_NULL };
	uint32_t ntx = 0;

	busy_only(t);
	xlog_fin_cp_efx(&t->x.f, 26);
	xlog_fin_tx(&t->x.f);
	assert_int_equal(xlog_fin_free_queue(&t->x.f, &q, 1, &ntx), 0);
	assert_false(t->x.f.refused);
	assert_int_equal(t->x.f.nforce, 1);
	assert_int_equal(t->x.f.cp_lsn, XLOG_LSN(1, 103));
	/* the EFD in the running transaction's share: its 44 bytes */
	assert_int_equal(t->x.f.ndfp, 0);
	assert_true(t->x.f.tx_done >= 44);
	t_free(t);
}

/*
 * The same force behind a truncate round's queued intents (ifree_fork.c's rmap_round,
 * xlog_fin_free_queued): the round's unmap logged its first extent's EFI (12 + 16 + 16), the
 * second's RUI (12 + 16 + 32) and EFI (12 + 16 + 16); the first EFI's free forces: the
 * three go alone into the forced checkpoint, their done items into the next
 * (xr8-1k-rmap-holdmix's second and third finish checkpoints end so). With an EFI of 20
 * extents logged before (12 + 16 + 320): 40 + 348 + 148 + 12 = 548 bytes, two sectors: the
 * next checkpoint at (1, 103); with the first EFI queued alone, 444 bytes: (1, 102). Before,
 * refused (an EFI behind queued intents). An EFI a free queues as new work goes ahead of the
 * round's intents (xfs_defer_finish_noroll splices a transaction's work at the head), logged
 * by the transaction that queued it: the three and it alone in the forced checkpoint, 40 +
 * 348 + 148 + 44 + 12 = 592 bytes, two sectors: (1, 103); its EFD in the running
 * transaction, the round's three left queued (refused before this sizing).
 */
static void efi_behind_round_intents(void **state)
{
	(void)state;
	for (int c = 0; c < 3; c++) {
		struct t *t = t_sized();
		struct efree q = { .ag = 0, .agbno = 2000, .len = 1, .owner = RMAP_OWN_NULL };
		uint32_t ntx = 0;

		busy_only(t);
		xlog_fin_cp_efx(&t->x.f, 20);
		assert_int_equal(xlog_fin_dfp_queue(&t->x.f, DFP_EFI, 1), 0);
		if (c) {
			assert_int_equal(xlog_fin_dfp_queue(&t->x.f, DFP_RUI, 1), 0);
			assert_int_equal(xlog_fin_dfp_queue(&t->x.f, DFP_EFI, 1), 0);
		}
		xlog_fin_tx(&t->x.f);
		assert_int_equal((c == 2 ? xlog_fin_free_queue : xlog_fin_free_queued)(&t->x.f, &q, 1, &ntx), 0);
		assert_false(t->x.f.refused);
		assert_int_equal(t->x.f.nforce, 1);
		assert_int_equal(t->x.f.cp_lsn, c ? XLOG_LSN(1, 103) : XLOG_LSN(1, 102));
		/* the first EFI's EFD in the running transaction's share; the RUI and the second
		 * EFI left queued, written: their done items logged when they are finished (and
		 * the first EFI too where a new one went ahead of it) */
		assert_int_equal(t->x.f.ndfp, c == 2 ? 3 : c ? 2 : 0);
		assert_true(t->x.f.tx_done >= 44);
		for (uint32_t i = 0; i < t->x.f.ndfp; i++)
			assert_true(t->x.f.dfp[i].alone);
		t_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delete_ranges),
		cmocka_unit_test(delete_count_only),
		cmocka_unit_test(agfl_refree_forces),
		cmocka_unit_test(efi_alone_at_force),
		cmocka_unit_test(efi_behind_round_intents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
