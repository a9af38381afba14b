/*
 * The dquots the XFS log's finish changes with quota accounting on
 * (libfsimg/xlog/dquot_fin.c) on a hand-built filesystem, against Linux
 * 6.1's fs/xfs/xfs_trans_dquot.c, xfs_dquot.c and xfs_qm.c: the inode's
 * user and group dquots found through their quota inodes' extents
 * (xfs_dquot_disk_read: id / dquots per block, the file block's extent),
 * charged (xfs_trans_mod_dquot_byino), then written as the AIL push
 * flushes them (xfs_trans_apply_dquot_deltas, xfs_qm_adjust_dqlimits,
 * xfs_qm_adjust_res_timer, xfs_trans_log_dquot's bigtime upgrade,
 * xfs_dquot_to_disk, xfs_qm_dqflush's LSN and crc32c): counts lowered, a
 * timer cleared once under every limit and kept while over one, zero limits
 * filled from the id 0 dquot's, warning counters zeroed, the id 0 dquot's
 * limits and timers left; and the refusals: a dquot whose block is a hole
 * (xfs_qm_dqread would allocate it), a quotacheck to come, a limit still
 * crossed with no timer (the kernel starts one at the wall clock), a count
 * below zero, a dquot block whose checksum is wrong.  A second flush (a
 * later checkpoint) applies nothing again.  Each transaction's deltas are
 * committed on their own (xfs_trans_apply_dquot_deltas at each commit): a
 * bmbt block charged to an attached inode (+1, xfs_bmbt_alloc_block) or
 * freed (-1), a timer cleared by one transaction and restarted by the next
 * (refused), one started and cleared again (its time never shows); the
 * dquot items' bytes in the checkpoint.
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
#include "xlog/ifree.h"

#define BS 1024u
#define NBLOCKS 512u
#define ISIZE 512u
#define PER (BS / XFS_DQBLK_SIZE) /* 7 dquots a block */
#define QINO_BLK 10u              /* the quota inodes' block: user at slot 0, group at 1 */
#define UQ_BLK 20u                /* the user quota file's block 0 (ids 0-6) */
#define GQ_BLK 22u                /* the group quota file's block 0 */
#define LSN 0x0000000500000040ull

static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static uint8_t *blk(struct xfin *x, uint32_t agbno) { return x->img + (size_t)agbno * BS; }

static void crc(uint8_t *b, size_t len, size_t off)
{
	put_le32(b + off, 0);
	put_le32(b + off, ~fsimg_crc32c(~0u, b, len));
}

/* A block of dquots of type (ids from first), each with its crc32c. */
static void put_dquots(struct xfin *x, uint32_t agbno, uint8_t type, uint32_t first)
{
	for (uint32_t i = 0; i < PER; i++) {
		uint8_t *d = blk(x, agbno) + i * XFS_DQBLK_SIZE;
		put_be16(d, XFS_DQUOT_MAGIC);
		d[2] = XFS_DQUOT_VERSION;
		d[3] = type;
		put_be32(d + 4, first + i);
		memcpy(d + XFS_DQBLK_UUID, uuid, 16);
		crc(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC);
	}
}

static uint8_t *dquot(struct xfin *x, uint32_t agbno, uint32_t id) { return blk(x, agbno) + (id % PER) * XFS_DQBLK_SIZE; }

/* A quota inode at slot of QINO_BLK whose data fork maps file block 0 to agbno (one block). */
static void put_qino(struct xfin *x, uint32_t slot, uint32_t agbno)
{
	uint8_t *d = blk(x, QINO_BLK) + slot * ISIZE;

	put_be16(d, XFS_DINODE_MAGIC);
	put_be16(d + 2, 0100000);
	d[4] = 3;
	d[5] = XFS_DINODE_FMT_EXTENTS;
	put_be32(d + 76, 1);
	put_be64(d + 152, (QINO_BLK << 1) | slot);
	/* the extent: offset 0, block agbno, 1 block */
	put_be64(d + 176, 0);
	put_be64(d + 184, ((uint64_t)agbno << 21) | 1);
	crc(d, ISIZE, offsetof(struct xfs_dinode, di_crc));
}

/* One AG of 512 one-KiB blocks, v5, 512-byte inodes; user and group quotas accounted and
 * checked (qflags), their quota inodes 20 and 21, one block of dquots each. */
static struct xfin *x_new(uint16_t qflags, bool bigtime)
{
	struct xfin *x = calloc(1, sizeof *x);
	uint8_t *sb;

	assert_non_null(x);
	xfin_open(x, NBLOCKS, BS, 9, true);
	x->fs.sb.inodesize = ISIZE;
	x->fs.sb.inopblock = 2;
	x->fs.sb.inopblog = 1;
	x->fs.lit_off = 176;
	x->fs.bigtime = bigtime;
	memcpy(x->fs.sb.uuid, uuid, 16);
	sb = x->img;
	put_be32(sb, XFS_SB_MAGIC);
	put_be16(sb + offsetof(struct xfs_dsb, sb_qflags), qflags);
	put_be64(sb + offsetof(struct xfs_dsb, sb_uquotino), QINO_BLK << 1);
	put_be64(sb + offsetof(struct xfs_dsb, sb_gquotino), (QINO_BLK << 1) | 1);
	put_be64(sb + offsetof(struct xfs_dsb, sb_pquotino), UINT64_MAX);
	put_qino(x, 0, UQ_BLK);
	put_qino(x, 1, GQ_BLK);
	put_dquots(x, UQ_BLK, XFS_DQTYPE_USER, 0);
	put_dquots(x, GQ_BLK, XFS_DQTYPE_GROUP, 0);
	return x;
}

static void x_free(struct xfin *x)
{
	xfin_close(x);
	free(x);
}

/* A dquot's fields set (by offset, 64-bit) and its checksum restamped. */
static void set64(uint8_t *d, uint32_t off, uint64_t v)
{
	put_be64(d + off, v);
	crc(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC);
}

static void set32(uint8_t *d, uint32_t off, uint32_t v)
{
	put_be32(d + off, v);
	crc(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC);
}

/* The dquot as the finish left it. */
static const uint8_t *got(struct xfin *x, uint32_t agbno, uint32_t id)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get_new(&x->f, (uint64_t)agbno * (BS / 512), BS / 512, K_DQUOT, &b), 0);
	return b->b + (id % PER) * XFS_DQBLK_SIZE;
}

/* An inode owned by uid and gid. */
static void owner(uint8_t *d, uint32_t uid, uint32_t gid)
{
	memset(d, 0, ISIZE);
	put_be32(d + 8, uid);
	put_be32(d + 12, gid);
}

/* A freed inode of 20 blocks: its user dquot drops under its soft block limit (the timer
 * cleared), stays under its inode limit; its group dquot stays over its inode soft limit
 * (the timer kept, moved to bigtime's encoding with the type's flag); warnings zeroed; both
 * stamped with the LSN and a good crc32c; the other dquots in the blocks untouched. */
static void test_counts_timers(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD | XFS_GQUOTA_ACCT | XFS_GQUOTA_CHKD, true);
	uint8_t *u = dquot(x, UQ_BLK, 3), *g = dquot(x, GQ_BLK, 5), ino[ISIZE], before[XFS_DQBLK_SIZE];
	const uint8_t *d;

	(void)state;
	u[3] |= XFS_DQTYPE_BIGTIME;
	put_be64(u + XFS_DQ_BCOUNT, 100);
	put_be64(u + XFS_DQ_ICOUNT, 5);
	put_be64(u + XFS_DQ_BLK_SOFT, 90);
	put_be64(u + XFS_DQ_INO_SOFT, 10);
	put_be32(u + XFS_DQ_BTIMER, 12345);
	put_be16(u + XFS_DQ_BWARNS, 2);
	set64(u, XFS_DQ_INO_HARD, 20);
	put_be64(g + XFS_DQ_BCOUNT, 40);
	put_be64(g + XFS_DQ_ICOUNT, 10);
	put_be64(g + XFS_DQ_INO_SOFT, 2);
	set32(g, XFS_DQ_ITIMER, 1000);
	memcpy(before, dquot(x, UQ_BLK, 4), sizeof before);
	owner(ino, 3, 5);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -20, -1, true), 0);
	assert_int_equal(xlog_fin_dquot_flush(&x->f, LSN), 0);
	assert_false(x->f.refused);

	d = got(x, UQ_BLK, 3);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 80);
	assert_int_equal(get_be64(d + XFS_DQ_ICOUNT), 4);
	assert_int_equal(get_be32(d + XFS_DQ_BTIMER), 0);
	assert_int_equal(get_be16(d + XFS_DQ_BWARNS), 0);
	assert_int_equal(get_be64(d + XFS_DQ_BLK_SOFT), 90);
	assert_int_equal(get_be64(d + XFS_DQBLK_LSN), LSN);
	assert_true(xfs_verify_cksum(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC));
	assert_memory_equal(got(x, UQ_BLK, 4), before, sizeof before);

	d = got(x, GQ_BLK, 5);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 20);
	assert_int_equal(get_be64(d + XFS_DQ_ICOUNT), 9);
	assert_int_equal(d[3], XFS_DQTYPE_GROUP | XFS_DQTYPE_BIGTIME);
	assert_int_equal(get_be32(d + XFS_DQ_ITIMER), (1000 + 3) >> 2);
	assert_true(xfs_verify_cksum(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC));
	assert_true(x->f.blk[x->f.q.dq[0].blk].dirty);
	/* a second checkpoint's flush applies nothing twice */
	assert_int_equal(xlog_fin_dquot_flush(&x->f, LSN + 8), 0);
	assert_int_equal(get_be64(got(x, UQ_BLK, 3) + XFS_DQ_BCOUNT), 80);
	assert_int_equal(get_be64(got(x, UQ_BLK, 3) + XFS_DQBLK_LSN), LSN);
	x_free(x);
}

/* Zero limits take the id 0 dquot's (xfs_qm_adjust_dqlimits); the id 0 dquot itself only
 * has its counts changed, its limits and timers left (no bigtime flag for id 0). */
static void test_default_limits(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, false);
	uint8_t *z = dquot(x, UQ_BLK, 0), *u = dquot(x, UQ_BLK, 4), ino[ISIZE];
	const uint8_t *d;

	(void)state;
	put_be64(z + XFS_DQ_BLK_SOFT, 50);
	put_be64(z + XFS_DQ_INO_HARD, 7);
	put_be64(z + XFS_DQ_BCOUNT, 500);
	put_be32(z + XFS_DQ_BTIMER, 604800); /* id 0's: the grace period */
	set64(z, XFS_DQ_ICOUNT, 30);
	put_be64(u + XFS_DQ_BCOUNT, 60);
	put_be64(u + XFS_DQ_ICOUNT, 3);
	set32(u, XFS_DQ_BTIMER, 400);
	owner(ino, 4, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -5, -1, true), 0);
	owner(ino, 0, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 98, -10, -1, true), 0);
	assert_int_equal(xlog_fin_dquot_flush(&x->f, LSN), 0);
	assert_false(x->f.refused);
	d = got(x, UQ_BLK, 4);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 55);
	assert_int_equal(get_be64(d + XFS_DQ_BLK_SOFT), 50);
	assert_int_equal(get_be64(d + XFS_DQ_INO_HARD), 7);
	assert_int_equal(get_be64(d + XFS_DQ_BLK_HARD), 0);
	assert_int_equal(get_be32(d + XFS_DQ_BTIMER), 400); /* still over 50: kept */
	assert_int_equal(d[3], XFS_DQTYPE_USER);        /* no bigtime filesystem */
	d = got(x, UQ_BLK, 0);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 490);
	assert_int_equal(get_be64(d + XFS_DQ_ICOUNT), 29);
	assert_int_equal(get_be32(d + XFS_DQ_BTIMER), 604800);
	assert_int_equal(get_be64(d + XFS_DQ_BLK_SOFT), 50);
	x_free(x);
}

/* A BUI's attach (log false) changes and writes nothing. */
static void test_attach_only(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	uint8_t ino[ISIZE], before[BS];

	(void)state;
	memcpy(before, blk(x, UQ_BLK), BS);
	owner(ino, 2, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, 0, 0, false), 0);
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 0);
	assert_int_equal(xlog_fin_dquot_flush(&x->f, LSN), 0);
	assert_false(x->f.refused);
	assert_memory_equal(got(x, UQ_BLK, 0), before, BS);
	for (size_t i = 0; i < x->f.nblk; i++)
		assert_false(x->f.blk[i].dirty);
	x_free(x);
}

static void expect_refused(struct xfin *x, int err, const char *why)
{
	assert_int_equal(err, 1);
	assert_true(x->f.refused);
	if (!strstr(x->why, why))
		fail_msg("refusal \"%s\" does not say \"%s\"", x->why, why);
}

/* Refusals, each naming its reason. */
static void test_refusals(void **state)
{
	struct xfin *x;
	uint8_t ino[ISIZE], *u;

	(void)state;
	/* uid 9: the user quota file's block 1 is a hole */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	owner(ino, 9, 0);
	expect_refused(x, xlog_fin_dquot_mod(&x->f, ino, 99, -1, -1, true), "user dquot 9 is not on disk yet");
	x_free(x);
	/* group accounting without its checked flag: a quotacheck at mount */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD | XFS_GQUOTA_ACCT, true);
	owner(ino, 1, 1);
	expect_refused(x, xlog_fin_dquot_mod(&x->f, ino, 99, -1, -1, true), "quotacheck");
	x_free(x);
	/* still over the inode hard limit with no timer */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	u = dquot(x, UQ_BLK, 2);
	put_be64(u + XFS_DQ_ICOUNT, 9);
	set64(u, XFS_DQ_INO_HARD, 4);
	owner(ino, 2, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, 0, -1, true), 0);
	expect_refused(x, xlog_fin_dquot_flush(&x->f, LSN), "over its inode limit with no timer");
	x_free(x);
	/* a block count below zero */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	set64(dquot(x, UQ_BLK, 1), XFS_DQ_BCOUNT, 3);
	owner(ino, 1, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -4, -1, true), 0);
	expect_refused(x, xlog_fin_dquot_flush(&x->f, LSN), "below zero");
	x_free(x);
	/* a dquot block whose crc32c is wrong (another dquot of it) */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	put_be64(dquot(x, UQ_BLK, 6) + XFS_DQ_BCOUNT, 1);
	owner(ino, 1, 0);
	expect_refused(x, xlog_fin_dquot_mod(&x->f, ino, 99, -1, -1, true), "fails its verifier at dquot 6");
	x_free(x);
}

/* The flush of every transaction's deltas, done. */
static void flush_done(struct xfin *x)
{
	assert_int_equal(xlog_fin_dquot_flush(&x->f, LSN), 0);
	assert_false(x->f.refused);
}

/* User dquot 3 at 12 blocks, over its soft limit of 10 since the timer 5000 (bigtime), 2 inodes. */
static void over_with_timer(struct xfin *x)
{
	uint8_t *u = dquot(x, UQ_BLK, 3);

	u[3] |= XFS_DQTYPE_BIGTIME;
	put_be64(u + XFS_DQ_BCOUNT, 12);
	put_be64(u + XFS_DQ_ICOUNT, 2);
	put_be64(u + XFS_DQ_BLK_SOFT, 10);
	set32(u, XFS_DQ_BTIMER, 5000);
}

/* Inode 99 (uid 3, gid 5) attached without a charge, as a BUI's xlog_recover_iget does. */
static void attach(struct xfin *x, uint8_t *ino)
{
	owner(ino, 3, 5);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, 0, 0, false), 0);
}

/* A BUI's new bmbt block (+1, xfs_bmbt_alloc_block) charged to the attached inode's user and
 * group dquots, a later transaction's freed one (-1, xfs_bmbt_free_block) and another +1:
 * the counts follow (+1 in all), nothing over a limit, both logged and stamped. An inode
 * never attached is refused; the quota inodes charge nobody. */
static void test_bmbt_charge(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD | XFS_GQUOTA_ACCT | XFS_GQUOTA_CHKD, true);
	uint8_t ino[ISIZE];
	const uint8_t *d;

	(void)state;
	set64(dquot(x, UQ_BLK, 3), XFS_DQ_BCOUNT, 10);
	set64(dquot(x, GQ_BLK, 5), XFS_DQ_BCOUNT, 20);
	attach(x, ino);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	/* the running transaction's dquots are not in the checkpoint before it commits */
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 0);
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, -1), 0);
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, QINO_BLK << 1, 1), 0);
	xlog_fin_dquot_commit(&x->f);
	/* two dquot items in the checkpoint: each a 24-byte format and a 104-byte dquot, each
	 * behind a 12-byte op header (xfs_qm_dquot_logitem_format) */
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 2 * (12 + 24 + 12 + 104));
	flush_done(x);
	d = got(x, UQ_BLK, 3);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 11);
	assert_int_equal(get_be64(d + XFS_DQ_ICOUNT), 0);
	assert_int_equal(get_be32(d + XFS_DQ_BTIMER), 0);
	assert_int_equal(get_be64(d + XFS_DQBLK_LSN), LSN);
	assert_true(xfs_verify_cksum(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC));
	assert_int_equal(get_be64(got(x, GQ_BLK, 5) + XFS_DQ_BCOUNT), 21);
	assert_int_equal(get_be64(got(x, UQ_BLK, 0) + XFS_DQ_BCOUNT), 0); /* the quota inode's */
	expect_refused(x, xlog_fin_dquot_ino(&x->f, 98, 1), "no dquots attached");
	x_free(x);

	/* without quota accounting a charge is nothing */
	x = x_new(0, true);
	owner(ino, 3, 5);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, 0, 0, false), 0);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	flush_done(x);
	x_free(x);
}

#define DQ_ITEM (12u + 24u + 12u + 104u) /* a dquot's item in a checkpoint */
#define LSN1 0x0000000500000010ull
#define LSN2 0x0000000500000020ull

/*
 * The checkpoints that log a dquot, with log forces in the finish: a transaction logs every
 * dquot its chain changed since the chain's first change (xfs_trans_apply_dquot_deltas logs
 * each one in t_dqinfo, which xfs_trans_dup_dqinfo carries through the rolls), and the dquot
 * flush stamps the start LSN of the last checkpoint that logged it (li_lsn). Inode 99 (user
 * 3, group 5) is charged before its truncate's first unmap (dquot_fin.c charges the freed
 * inode at once) and its dquots join that chain there; a force in the chain's second
 * transaction closes a checkpoint holding both (LSN1); the chain's next commits log them in
 * the next one too, which closes at LSN2 after a chain of no dquots (xfs_attr_inactive's
 * rolls) committed. Inode 98 (user 4, group 5) then: its chain logs user 4 and group 5 in the
 * last checkpoint, flushed at LSN; user 3, last logged in the one at LSN2, keeps LSN2.
 */
static void test_cp_place(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD | XFS_GQUOTA_ACCT | XFS_GQUOTA_CHKD, true);
	uint8_t ino[ISIZE];

	(void)state;
	set64(dquot(x, UQ_BLK, 3), XFS_DQ_BCOUNT, 10);
	set64(dquot(x, UQ_BLK, 3), XFS_DQ_ICOUNT, 2);
	set64(dquot(x, UQ_BLK, 4), XFS_DQ_BCOUNT, 10);
	set64(dquot(x, UQ_BLK, 4), XFS_DQ_ICOUNT, 2);
	set64(dquot(x, GQ_BLK, 5), XFS_DQ_BCOUNT, 20);
	set64(dquot(x, GQ_BLK, 5), XFS_DQ_ICOUNT, 4);
	owner(ino, 3, 5);
	/* charged in the transaction before the chain's: not logged by its commit */
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -3, -1, true), 0);
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 0);
	xlog_fin_dquot_chain(&x->f, 99);
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 2 * DQ_ITEM);
	xlog_fin_dquot_cp_close(&x->f, LSN1); /* a force in the chain's second transaction */
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 0);
	xlog_fin_dquot_commit(&x->f); /* the roll carries them: the next checkpoint logs them */
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 2 * DQ_ITEM);
	xlog_fin_dquot_chain(&x->f, UINT64_MAX); /* a chain of its own, charging nothing */
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	xlog_fin_dquot_cp_close(&x->f, LSN2);
	xlog_fin_dquot_commit(&x->f);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 0);
	owner(ino, 4, 5);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 98, -2, -1, true), 0);
	xlog_fin_dquot_chain(&x->f, 98);
	xlog_fin_dquot_commit(&x->f);
	assert_int_equal(xlog_fin_dquot_log_bytes(&x->f), 2 * DQ_ITEM);
	flush_done(x);
	assert_int_equal(get_be64(got(x, UQ_BLK, 3) + XFS_DQBLK_LSN), LSN2);
	assert_int_equal(get_be64(got(x, UQ_BLK, 3) + XFS_DQ_BCOUNT), 7);
	assert_true(xfs_verify_cksum(got(x, UQ_BLK, 3), XFS_DQBLK_SIZE, XFS_DQBLK_CRC));
	assert_int_equal(get_be64(got(x, UQ_BLK, 4) + XFS_DQBLK_LSN), LSN);
	assert_int_equal(get_be64(got(x, UQ_BLK, 4) + XFS_DQ_ICOUNT), 1);
	assert_int_equal(get_be64(got(x, GQ_BLK, 5) + XFS_DQBLK_LSN), LSN);
	assert_int_equal(get_be64(got(x, GQ_BLK, 5) + XFS_DQ_BCOUNT), 15);
	assert_int_equal(get_be64(got(x, GQ_BLK, 5) + XFS_DQ_ICOUNT), 2);
	x_free(x);
}

/* Transaction by transaction (xfs_trans_apply_dquot_deltas at each commit): a user dquot
 * over its soft block limit with a timer; a freed inode takes it under (the timer cleared),
 * then the next transaction's bmbt block takes it over again: the kernel starts a new timer
 * at the wall clock, refused (summed, the two would have kept the old timer). */
static void test_timer_restarted(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	uint8_t ino[ISIZE];

	(void)state;
	over_with_timer(x);
	owner(ino, 3, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -3, -1, true), 0);
	x->f.tx++;
	attach(x, ino);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	expect_refused(x, xlog_fin_dquot_flush(&x->f, LSN), "user dquot 3 is over its block limit with no timer");
	x_free(x);

	/* the same two in one transaction: one commit, still over, the old timer kept */
	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	over_with_timer(x);
	owner(ino, 3, 0);
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -3, -1, true), 0);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 2), 0);
	flush_done(x);
	assert_int_equal(get_be64(got(x, UQ_BLK, 3) + XFS_DQ_BCOUNT), 11);
	assert_int_equal(get_be32(got(x, UQ_BLK, 3) + XFS_DQ_BTIMER), 5000);
	x_free(x);
}

/* A bmbt block takes a dquot (its limits the id 0 dquot's defaults) over its soft limit with
 * no timer: the kernel starts one at the wall clock; a later transaction's freed inode takes
 * it under again and clears it, so no time shows: done, the timer zero, the count down by
 * the inode's 4 blocks and the bmbt block, the dquot moved to bigtime. The same block with
 * nothing after it is refused, naming the dquot and the limit. */
static void test_timer_started_cleared(void **state)
{
	struct xfin *x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	uint8_t *u = dquot(x, UQ_BLK, 3), ino[ISIZE];
	const uint8_t *d;

	(void)state;
	set64(dquot(x, UQ_BLK, 0), XFS_DQ_BLK_SOFT, 10);
	put_be64(u + XFS_DQ_BCOUNT, 10);
	set64(u, XFS_DQ_ICOUNT, 2);
	attach(x, ino);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	x->f.tx++;
	assert_int_equal(xlog_fin_dquot_mod(&x->f, ino, 99, -4, -1, true), 0);
	flush_done(x);
	d = got(x, UQ_BLK, 3);
	assert_int_equal(get_be64(d + XFS_DQ_BCOUNT), 7);
	assert_int_equal(get_be64(d + XFS_DQ_ICOUNT), 1);
	assert_int_equal(get_be64(d + XFS_DQ_BLK_SOFT), 10);
	assert_int_equal(get_be32(d + XFS_DQ_BTIMER), 0);
	assert_int_equal(d[3], XFS_DQTYPE_USER | XFS_DQTYPE_BIGTIME);
	x_free(x);

	x = x_new(XFS_UQUOTA_ACCT | XFS_UQUOTA_CHKD, true);
	set64(dquot(x, UQ_BLK, 0), XFS_DQ_BLK_SOFT, 10);
	set64(dquot(x, UQ_BLK, 3), XFS_DQ_BCOUNT, 10);
	attach(x, ino);
	assert_int_equal(xlog_fin_dquot_ino(&x->f, 99, 1), 0);
	expect_refused(x, xlog_fin_dquot_flush(&x->f, LSN), "user dquot 3 is over its block limit with no timer");
	x_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_timers),
		cmocka_unit_test(test_default_limits),
		cmocka_unit_test(test_attach_only),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bmbt_charge),
		cmocka_unit_test(test_cp_place),
		cmocka_unit_test(test_timer_restarted),
		cmocka_unit_test(test_timer_started_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
