/*
 * The truncate of an unlinked inode's data fork in btree form in the XFS
 * log's finish (libfsimg/xlog/ifree_fork.c), against Linux 6.1's
 * fs/xfs/libxfs/xfs_btree.c (xfs_btree_delrec) and xfs_bmap.c
 * (__xfs_bunmapi, xfs_bmap_btree_to_extents): deleting from the end of the
 * rightmost leaf, a leaf under its minimum takes its left sibling's last
 * record while that one has more than the minimum and joins it otherwise
 * (the leaf freed); a lone leaf stays. On a hand-built AG: a bmbt of three
 * leaves read by walking the root's pointers, truncated, every extent and
 * leaf freed once, one unmap and one free intent a round; a broken sibling
 * link and a two-level root refused. A BUI's map into such a fork
 * (xfs_bmapi_remap, xfs_bmap_add_extent_hole_real): inserted into its
 * leaf, merged with its left neighbour, taken by the next leaf's first
 * record (the root's key following it), a full leaf refused; an inode
 * failing its checksum refused. A BUI's unmap from such a fork
 * (xfs_bmap_del_extent_real): a whole extent deleted, trimmed at either
 * end, split in two; a split in a full leaf, a rebalance, a return to
 * extents form refused. A map into a full extents-form fork: the fork
 * turned into a btree of one leaf in a block allocated near the inode. An unlinked
 * inode's attribute fork with blocks (xfs_attr_inactive): a leaf with a
 * remote value, a node over leaves, a fork in btree form, and what the
 * kernel fails on refused.
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

#define BS 1024u
#define NBLOCKS 4096u
#define HDR 56u      /* short-form v5 btree header */
#define LHDR 72u     /* long-form v5 btree header (the bmbt's) */
#define BNO_ROOT 4u
#define CNT_ROOT 5u
#define LEAF0 50u    /* the bmbt leaves: 50, 52, 54 */
#define INO 18u      /* agbno 9, slot 0 (test_bui_map puts it there) */
#define ISIZE 512u
#define LIT 176u     /* a v3 inode's literal area */
#define FREEBLKS0 100u

struct t {
	struct xfin x;
	uint8_t ino[ISIZE];
};

static uint8_t *blk(struct t *t, uint32_t agbno) { return t->x.img + (size_t)agbno * BS; }

static void put_sblock(struct t *t, uint32_t agbno, uint32_t magic, uint16_t n)
{
	uint8_t *b = blk(t, agbno);

	memset(b, 0, BS);
	put_be64(b + 16, (uint64_t)agbno * (BS / 512)); /* the v5 header's daddr (its owner: AG 0) */
	put_be32(b, magic);
	put_be16(b + 6, n);
	put_be32(b + 8, 0xffffffffu);
	put_be32(b + 12, 0xffffffffu);
}

/* One-block extent i at file offset i, block 100 + 2i (none adjacent to another). */
static void put_bmbt_rec(uint8_t *r, uint32_t i)
{
	uint64_t fsb = 100 + 2 * i;

	put_be64(r, (uint64_t)i << 9 | fsb >> 43);
	put_be64(r + 8, fsb << 21 | 1);
}

/* An AG of 4096 one-KiB blocks, v5 without rmapbt: one-leaf free space btrees holding
 * 3000+100, the AGFL full for them; an inode whose data fork is a bmbt root at level 1
 * over leaves of cnt[0..n) records (all the extents in order). */
static struct t *t_new(const uint32_t *cnt, uint32_t n)
{
	struct t *t = calloc(1, sizeof *t);
	uint32_t maxr = (ISIZE - LIT - 4) / 16, e = 0;
	uint8_t *root;

	assert_non_null(t);
	xfin_open(&t->x, NBLOCKS, BS, 12, true);
	t->x.fs.sb.inodesize = ISIZE;
	t->x.fs.sb.inopblock = 2;
	t->x.fs.sb.inopblog = 1;
	t->x.fs.lit_off = LIT;

	xfin_put_agf(&t->x, BNO_ROOT, CNT_ROOT, FREEBLKS0, 100);
	put_sblock(t, BNO_ROOT, 0x41423342u, 1);
	put_be32(blk(t, BNO_ROOT) + HDR, 3000);
	put_be32(blk(t, BNO_ROOT) + HDR + 4, 100);
	put_sblock(t, CNT_ROOT, 0x41423343u, 1);
	put_be32(blk(t, CNT_ROOT) + HDR, 3000);
	put_be32(blk(t, CNT_ROOT) + HDR + 4, 100);

	root = t->ino + LIT;
	put_be16(root, 1);
	put_be16(root + 2, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = blk(t, LEAF0 + 2 * i);
		memset(b, 0, BS);
		put_be32(b, 0x424d4133u);
		put_be16(b + 6, (uint16_t)cnt[i]);
		put_be64(b + 8, i ? LEAF0 + 2 * (i - 1) : UINT64_MAX);
		put_be64(b + 16, i + 1 < n ? LEAF0 + 2 * (i + 1) : UINT64_MAX);
		put_be64(b + 24, (uint64_t)(LEAF0 + 2 * i) * (BS / 512));
		put_be64(b + 56, INO);
		put_be64(root + 4 + 8 * i, e);
		put_be64(root + 4 + 8 * maxr + 8 * i, LEAF0 + 2 * i);
		for (uint32_t k = 0; k < cnt[i]; k++, e++)
			put_bmbt_rec(b + LHDR + 16 * k, e);
	}
	return t;
}

static void t_free(struct t *t)
{
	xfin_close(&t->x);
	free(t);
}

/* Leaves of 59 (full), 31 and 30 records (one-KiB v5: 59 a leaf, 29 the minimum), the
 * last record deleted 120 times: the third leaf takes one record from the second at the
 * 2nd and 3rd deletes and joins it at the 4th (the second left at 29); the second then
 * takes from the first until it is down to 29 and joins it at the 63rd; the first, alone,
 * stays to the end. */
static void test_delete_order(void **state)
{
	struct bmbt b = { .nleaf = 3, .minrecs = 29, .maxrecs = 59, .leaf = { 10, 20, 30 }, .cnt = { 59, 31, 30 } };
	uint32_t freed_at[3] = { 0, 0, 0 }, nfreed = 0;

	(void)state;
	for (uint32_t i = 1; i <= 120; i++) {
		uint64_t l = xlog_fin_bmbt_delete(&b);
		if (l != UINT64_MAX) {
			assert_true(nfreed < 3);
			freed_at[nfreed++] = i;
			assert_int_equal(l, nfreed == 1 ? 30 : 20);
		}
		if (i == 3) {
			assert_int_equal(b.cnt[1], 29);
			assert_int_equal(b.cnt[2], 29);
		}
	}
	assert_int_equal(nfreed, 2);
	assert_int_equal(freed_at[0], 4);
	assert_int_equal(freed_at[1], 63);
	assert_int_equal(b.nleaf, 1);
	assert_int_equal(b.cnt[0], 0);
	assert_int_equal(xlog_fin_bmbt_delete(NULL), UINT64_MAX);
}

/* Three leaves (40, 30, 30 one-block extents) read and truncated: 50 rounds of two
 * extents, each one unmap and one free intent (the joined leaves and, at 20 extents left,
 * the last leaf in the round's intent); every extent and leaf lands in the free space. */
static void test_truncate_three_leaves(void **state)
{
	const uint32_t cnt[3] = { 40, 30, 30 };
	struct t *t = t_new(cnt, 3);
	struct bmbt b;
	uint8_t *recs = NULL;
	uint32_t ntx = 0;
	struct blk *agf, *bno;

	(void)state;
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 100, &b, &recs), 0);
	assert_int_equal(b.nleaf, 3);
	assert_int_equal(b.cnt[1], 30);
	if (xlog_fin_truncate_extents(&t->x.f, recs, 100, 103, false, INO, &b, (ISIZE - LIT) / 16, 0, &ntx))
		fail_msg("refused: %s", t->x.why);
	free(recs);
	assert_int_equal(ntx, 100);
	assert_int_equal(xlog_fin_get(&t->x.f, 1, 1, K_AGF, &agf), 0);
	assert_int_equal(get_be32(agf->b + 52), FREEBLKS0 + 103);
	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)BNO_ROOT * (BS / 512), BS / 512, K_BTREE, &bno), 0);
	assert_int_equal(get_be16(bno->b + 6), 104);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(get_be32(bno->b + HDR + 8 * i), LEAF0 + 2 * i);
		assert_int_equal(get_be32(bno->b + HDR + 8 * i + 4), 1);
	}
	assert_int_equal(get_be32(bno->b + HDR + 8 * 3), 100);
	t_free(t);
}

/* A leaf whose right sibling is not the root's next pointer, and a root at level 2. */
static void test_refused(void **state)
{
	const uint32_t cnt[2] = { 40, 30 };
	struct t *t = t_new(cnt, 2);
	struct bmbt b;
	uint8_t *recs = NULL;

	(void)state;
	put_be64(blk(t, LEAF0) + 16, 77);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
	assert_null(recs);
	assert_non_null(strstr(t->x.why, "right sibling"));
	t_free(t);

	t = t_new(cnt, 2);
	put_be16(t->ino + LIT, 2);
	assert_int_equal(xlog_fin_bmbt_read(&t->x.f, t->ino + LIT, ISIZE - LIT, INO, 70, &b, &recs), 1);
	assert_non_null(strstr(t->x.why, "2 levels"));
	t_free(t);
}

/* The inode (agbno IB, slot 0) holding t->ino's root, in btree form, v3, counts as given. */
#define IB 9u
static uint8_t *put_inode(struct t *t, uint32_t nexts, uint64_t nblocks)
{
	uint8_t *d = blk(t, IB);

	memcpy(d, t->ino, ISIZE);
	put_be16(d, XFS_DINODE_MAGIC);
	d[4] = 3;
	d[5] = XFS_DINODE_FMT_BTREE;
	put_be64(d + 64, nblocks);
	put_be32(d + 76, nexts);
	put_be64(d + 104, 7);
	put_be64(d + 152, (uint64_t)IB << 1);
	return d;
}

static uint8_t *got(struct t *t, uint32_t agbno, enum kind kind)
{
	struct blk *b;

	assert_int_equal(xlog_fin_get(&t->x.f, (uint64_t)agbno * (BS / 512), BS / 512, kind, &b), 0);
	return b->b;
}

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
}

/*
 * A BUI's unmap from a fork in btree form (__xfs_bunmapi, XFS_BMAPI_REMAP;
 * xfs_bmap_del_extent_real with a cursor). Leaves of 40 and 30 extents, the
 * second's last 69+10 at 238: 40+1, the second leaf's first, deleted (29
 * left, its minimum: no rebalance; the root's key becomes 41's); 78+1 trims
 * the last extent's end, 69+1 its front, 72+2 splits it (70+2 at 239, 74+4
 * at 243 inserted after it). Each takes its blocks off di_nblocks and bumps
 * the change counter once. Refused: the middle of an extent in a full leaf
 * (a split), a leaf at its minimum losing a record beside another (a
 * rebalance), a hole, a range over two extents, a lone leaf whose extents
 * would then fit the inode (back to extents form).
 */
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
	assert_int_equal(get_be64(d + 104), 11);
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

	/* a full first leaf: its last extent 58+5 (the second leaf's from 69) split */
	t = t_new((const uint32_t[]){ 59, 30 }, 2);
	for (uint32_t k = 0; k < 30; k++)
		set_rec(t, LEAF0 + 2, k, 69 + k, 300 + 2 * k, 1);
	put_be64(t->ino + LIT + 4 + 8, 69);
	set_rec(t, LEAF0, 58, 58, 216, 5);
	put_inode(t, 89, 95);
	bui(t, 2, 60, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "full"));
	t_free(t);

	t = t_new((const uint32_t[]){ 40, 29 }, 2);
	put_inode(t, 69, 71);
	bui(t, 2, 45, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "rebalance"));
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

	t = t_new((const uint32_t[]){ 22 }, 1);
	put_inode(t, 22, 23);
	bui(t, 2, 3, 0, 1, 1);
	assert_non_null(strstr(t->x.why, "extents form"));
	assert_int_equal(get_be16(got(t, LEAF0, K_BMBT) + 6), 22);
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

/*
 * An attribute fork with blocks (libfsimg/xlog/ifree_attr.c, against 6.1's
 * xfs_attr_inactive.c): the tree walked from attribute block 0, one
 * transaction a block; the fork's extents (value blocks among them) then
 * truncated as the data fork's. The inode's attribute fork begins at
 * forkoff 15 (120 bytes of data fork): 216 bytes, 13 extents.
 */
#define AFO 15u
#define AF (LIT + AFO * 8)

/* An attribute fork in extents form of n records (offset, block, length) at t->ino. */
static void put_afork(struct t *t, const uint32_t (*x)[3], uint32_t n)
{
	t->ino[82] = AFO;
	t->ino[83] = XFS_DINODE_FMT_EXTENTS;
	put_be16(t->ino + 80, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		put_be64(t->ino + AF + 16 * i, (uint64_t)x[i][0] << 9 | (uint64_t)x[i][1] >> 43);
		put_be64(t->ino + AF + 16 * i + 8, (uint64_t)x[i][1] << 21 | x[i][2]);
	}
}

/* A v5 attribute leaf (magic) or node block at agbno with count entries, owned by INO. */
static uint8_t *put_da(struct t *t, uint32_t agbno, uint16_t magic, uint16_t count)
{
	uint8_t *b = blk(t, agbno);

	memset(b, 0, BS);
	put_be16(b + 8, magic);
	put_be64(b + 16, (uint64_t)agbno * (BS / 512));
	put_be64(b + 48, INO);
	put_be16(b + 56, count);
	return b;
}

/* A leaf entry i: local (a name and value in the block), or remote (value at vblk, vlen bytes). */
static void put_leaf_entry(uint8_t *b, uint32_t i, bool local, uint32_t vblk, uint32_t vlen)
{
	uint32_t nameidx = 900 - 16 * i;

	put_be16(b + 80 + 8 * i + 4, (uint16_t)nameidx);
	b[80 + 8 * i + 6] = local ? 1 : 0;
	if (!local) {
		put_be32(b + nameidx, vblk);
		put_be32(b + nameidx + 4, vlen);
	}
}

static uint32_t agf_free(struct t *t)
{
	struct blk *agf;

	assert_int_equal(xlog_fin_get(&t->x.f, 1, 1, K_AGF, &agf), 0);
	return get_be32(agf->b + 52);
}

/* One leaf (attribute block 0 at 200) with a local value and a remote one of 2500 bytes
 * (three blocks of 968 value bytes at attribute blocks 1-3, agbno 202-204): one roll, then
 * one round of the two extents (an unmap, a free intent); the four blocks freed. */
static uint8_t *put_leaf_remote(struct t *t)
{
	const uint32_t x[2][3] = { { 0, 200, 1 }, { 1, 202, 3 } };
	uint8_t *l;

	put_afork(t, x, 2);
	l = put_da(t, 200, XFS_ATTR3_LEAF_MAGIC, 2);
	put_leaf_entry(l, 0, true, 0, 0);
	put_leaf_entry(l, 1, false, 1, 2500);
	return l;
}

static void test_attr_leaf_remote(void **state)
{
	struct t *t = t_new(NULL, 0);
	struct afork a;
	uint32_t ntx = 0;

	(void)state;
	put_leaf_remote(t);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.blocks, 4);
	assert_int_equal(a.rolls, 1);
	assert_false(a.btree);
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	assert_int_equal(ntx, 2);
	assert_int_equal(agf_free(t), FREEBLKS0 + 4);
	t_free(t);
}

/* The same leaf with a checksum that does not match it: the kernel's read verifier
 * (xfs_attr3_leaf_read_verify) fails the block, and the finish refuses, naming it. */
static void test_attr_bad_crc(void **state)
{
	struct t *t = t_new(NULL, 0);
	struct afork a;

	(void)state;
	put_le32(put_leaf_remote(t) + XFS_DA3_CRC_OFF, 0xdeadbeefu);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "its attribute block 0 fails its checksum"));
	t_free(t);
}

/* The fork x: a node at 300 over three leaves at 302-304, the second with a remote value
 * of vlen bytes at attribute block 4. */
static void put_node3(struct t *t, const uint32_t (*x)[3], uint32_t vlen)
{
	uint8_t *n;

	put_afork(t, x, 3);
	n = put_da(t, 300, XFS_DA3_NODE_MAGIC, 3);
	put_be16(n + 58, 1);
	for (uint32_t i = 0; i < 3; i++) {
		put_be32(n + 64 + 8 * i + 4, 1 + i);
		put_da(t, 302 + i, XFS_ATTR3_LEAF_MAGIC, 0);
	}
	put_leaf_entry(put_da(t, 303, XFS_ATTR3_LEAF_MAGIC, 1), 0, false, 4, vlen);
}

/* A node (attribute block 0 at 300) over three leaves (blocks 1-3 at 302-304): four rolls;
 * the remote value of 1000 bytes at attribute block 4 needs two blocks and has one: the
 * second is a hole, which the kernel's xfs_attr3_rmt_stale fails on, so it is refused. */
static void test_attr_node(void **state)
{
	const uint32_t x[3][3] = { { 0, 300, 1 }, { 1, 302, 3 }, { 4, 310, 1 } };
	struct t *t = t_new(NULL, 0);
	struct afork a;
	uint32_t ntx = 0;

	(void)state;
	put_node3(t, x, 900);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(a.rolls, 4);
	assert_int_equal(a.blocks, 5);
	/* three extents: a round of the last two, then one of the first */
	assert_int_equal(xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx), 0);
	assert_int_equal(ntx, 4);
	assert_int_equal(agf_free(t), FREEBLKS0 + 5);
	t_free(t);

	t = t_new(NULL, 0);
	put_node3(t, x, 1000);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "hole"));
	t_free(t);

	/* a child that is neither leaf nor node, and a node that points at itself */
	t = t_new(NULL, 0);
	put_afork(t, x, 3);
	put_be32(put_da(t, 300, XFS_DA3_NODE_MAGIC, 1) + 64 + 4, 2);
	put_da(t, 303, XFS_DA3_NODE_MAGIC, 0);
	put_be16(blk(t, 303) + 8, 0x1234);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	assert_non_null(strstr(t->x.why, "not a leaf or node"));
	t_free(t);
	t = t_new(NULL, 0);
	put_afork(t, x, 3);
	put_be32(put_da(t, 300, XFS_DA3_NODE_MAGIC, 1) + 64 + 4, 0);
	assert_int_equal(xlog_fin_attr_read(&t->x.f, t->ino, INO, &a), 1);
	t_free(t);
}

/* An attribute fork in btree form: a root at level 1 over one leaf (block 60) of 20
 * one-block extents (100, 102, ...; attribute block 0 an empty leaf): one roll; ten
 * rounds, the leaf freed when 12 extents are left (13 fit the fork); 21 blocks freed. */
static void test_attr_btree(void **state)
{
	struct t *t = t_new(NULL, 0);
	uint32_t maxr = ((ISIZE - AF) - 4) / 16, ntx = 0;
	uint8_t *l = blk(t, 60);
	struct afork a;

	(void)state;
	t->ino[82] = AFO;
	t->ino[83] = XFS_DINODE_FMT_BTREE;
	put_be16(t->ino + 80, 20);
	put_be16(t->ino + AF, 1);
	put_be16(t->ino + AF + 2, 1);
	put_be64(t->ino + AF + 4 + 8 * maxr, 60);
	memset(l, 0, BS);
	put_be32(l, 0x424d4133u);
	put_be16(l + 6, 20);
	put_be64(l + 8, UINT64_MAX);
	put_be64(l + 16, UINT64_MAX);
	put_be64(l + 24, 60 * (BS / 512));
	put_be64(l + 56, INO);
	for (uint32_t k = 0; k < 20; k++)
		put_bmbt_rec(l + LHDR + 16 * k, k);
	put_da(t, 100, XFS_ATTR3_LEAF_MAGIC, 0);
	if (xlog_fin_attr_read(&t->x.f, t->ino, INO, &a))
		fail_msg("refused: %s", t->x.why);
	assert_true(a.btree);
	assert_int_equal(a.blocks, 21);
	assert_int_equal(a.rolls, 1);
	assert_int_equal(a.maxext, 13);
	if (xlog_fin_attr_inactive(&t->x.f, &a, INO, &ntx))
		fail_msg("refused: %s", t->x.why);
	assert_int_equal(ntx, 20);
	assert_int_equal(agf_free(t), FREEBLKS0 + 21);
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
	t = t_spread(cnt20, 20); /* no room in the root */
	put_inode(t, 20 * 59, 20 * 59 + 20);
	bui_map(t, 2 * 19 * 59 + 21, 900, 1, 1);
	assert_non_null(strstr(t->x.why, "new level"));
	t_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_order),
		cmocka_unit_test(test_truncate_three_leaves),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bui_map),
		cmocka_unit_test(test_bui_bad_crc),
		cmocka_unit_test(test_bui_unmap),
		cmocka_unit_test(test_bui_to_btree),
		cmocka_unit_test(test_bui_to_btree_quota),
		cmocka_unit_test(test_bui_split),
		cmocka_unit_test(test_attr_leaf_remote),
		cmocka_unit_test(test_attr_bad_crc),
		cmocka_unit_test(test_attr_node),
		cmocka_unit_test(test_attr_btree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
