/*
 * XFS backend: superblock, inode, bmbt, directory, attribute and symlink
 * readers on inline byte fixtures: truncated buffers, lying counts, bmbt
 * level loops and fan-out, CRC findings that let reading go on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xfs/xfs.h"

/* ---------------------------------------------------------- fixtures */

static void set_cksum(uint8_t *buf, size_t len, size_t off)
{
	uint32_t crc;

	memset(buf + off, 0, 4);
	crc = ~fsimg_crc32c(~0u, buf, len);
	put_le32(buf + off, crc);
}

/*
 * A filesystem built by hand: 1 KiB blocks, two AGs of 48 blocks (agblklog
 * 6, so fsb and linear block differ in AG 1), 256-byte v2 inodes (or 512
 * byte v3 ones), no on-disk superblock needed by the readers under test.
 */
#define BS 1024u
#define AGBLOCKS 48u
#define NBLOCKS 96u

struct tx {
	xfs_fs *fs;
	uint8_t *img;
	fsimg_io *io;
};

static void count_notice(void *ctx, int err, const char *msg)
{
	(void)err;
	(void)msg;
	(*(int *)ctx)++;
}

static struct tx tx_new(bool v5)
{
	struct tx t;
	xfs_fs *fs = calloc(1, sizeof(*fs));

	assert_non_null(fs);
	t.img = calloc(NBLOCKS, BS);
	assert_non_null(t.img);
	assert_int_equal(fsimg_io_open_mem(&t.io, t.img, (size_t)NBLOCKS * BS), 0);
	fs->io = fs->io_once = t.io;
	fs->io_size = (uint64_t)NBLOCKS * BS;
	fs->sb.blocksize = fs->blocksize = BS;
	fs->sb.blocklog = 10;
	fs->sb.agblocks = AGBLOCKS;
	fs->sb.agblklog = 6;
	fs->sb.agcount = 2;
	fs->sb.dblocks = NBLOCKS;
	fs->v5 = v5;
	fs->inode_size = fs->sb.inodesize = v5 ? 512 : 256;
	fs->sb.inodelog = v5 ? 9 : 8;
	fs->sb.inopblock = (uint16_t)(BS / fs->inode_size);
	fs->sb.inopblog = v5 ? 1 : 2;
	fs->lit_off = v5 ? XFS_DINODE_V3_SIZE : XFS_DINODE_V2_SIZE;
	fs->dirblksize = BS;
	fs->dir_fsbs = 1;
	fs->ftype = true;
	t.fs = fs;
	return t;
}

static void tx_free(struct tx *t)
{
	fsimg_io_close(t->io);
	free(t->img);
	xfs_fs_close(t->fs);
}

/* The image changed under the handle: forget the cached inode block. */
static void tx_dirty(struct tx *t)
{
	xfs_inode_cache_forget(t->fs);
}

static uint8_t *blk(struct tx *t, uint64_t linear)
{
	assert_true(linear < NBLOCKS);
	return t->img + linear * BS;
}

/* An in-core inode over a raw buffer (not read from the image). */
static void mk_inode(struct xfs_inode *ip, struct tx *t, uint16_t mode, uint8_t format, uint64_t size)
{
	memset(ip, 0, sizeof(*ip));
	ip->raw = calloc(1, t->fs->inode_size);
	assert_non_null(ip->raw);
	ip->ino = 40;
	ip->mode = mode;
	ip->format = format;
	ip->size = size;
	ip->version = t->fs->v5 ? 3 : 2;
}

static void put_rec(uint8_t *p, bool unwritten, uint64_t off, uint64_t fsb, uint32_t count)
{
	put_be64(p, (uint64_t)unwritten << 63 | off << 9 | fsb >> 43);
	put_be64(p + 8, fsb << 21 | count);
}

/* A v4 bmbt block (24-byte header) at linear block b. */
static uint8_t *put_bmbt(struct tx *t, uint64_t b, uint16_t level, uint16_t numrecs)
{
	uint8_t *p = blk(t, b);

	put_be32(p, XFS_BMAP_MAGIC);
	put_be16(p + 4, level);
	put_be16(p + 6, numrecs);
	return p;
}

/* ---------------------------------------------------------- superblock */

static void make_dsb(uint8_t *b)
{
	memset(b, 0, 512);
	put_be32(b + offsetof(struct xfs_dsb, sb_magicnum), XFS_SB_MAGIC);
	put_be32(b + offsetof(struct xfs_dsb, sb_blocksize), 4096);
	put_be64(b + offsetof(struct xfs_dsb, sb_dblocks), 4 * 1000);
	put_be64(b + offsetof(struct xfs_dsb, sb_rootino), 128);
	put_be32(b + offsetof(struct xfs_dsb, sb_agblocks), 1000);
	put_be32(b + offsetof(struct xfs_dsb, sb_agcount), 4);
	put_be16(b + offsetof(struct xfs_dsb, sb_versionnum), 0xb4a5);
	put_be16(b + offsetof(struct xfs_dsb, sb_sectsize), 512);
	put_be16(b + offsetof(struct xfs_dsb, sb_inodesize), 512);
	put_be16(b + offsetof(struct xfs_dsb, sb_inopblock), 8);
	b[offsetof(struct xfs_dsb, sb_blocklog)] = 12;
	b[offsetof(struct xfs_dsb, sb_sectlog)] = 9;
	b[offsetof(struct xfs_dsb, sb_inodelog)] = 9;
	b[offsetof(struct xfs_dsb, sb_inopblog)] = 3;
	b[offsetof(struct xfs_dsb, sb_agblklog)] = 10;
	put_be32(b + offsetof(struct xfs_dsb, sb_features_ro_compat), XFS_SB_FEAT_RO_COMPAT_FINOBT);
	put_be32(b + offsetof(struct xfs_dsb, sb_features_incompat),
		 XFS_SB_FEAT_INCOMPAT_FTYPE | XFS_SB_FEAT_INCOMPAT_NREXT64);
	set_cksum(b, 512, offsetof(struct xfs_dsb, sb_crc));
}

static void test_sb(void **state)
{
	uint8_t b[512];
	struct xfs_sb sb;
	const char *names[16];
	char why[128];
	size_t n;

	(void)state;
	make_dsb(b);
	assert_int_equal(xfs_sb_from_disk(&sb, b, 200), FSIMG_EIO); /* truncated */
	assert_int_equal(xfs_sb_from_disk(&sb, b, sizeof(b)), 0);
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), 0);
	assert_int_equal(xfs_verify_cksum(b, 512, offsetof(struct xfs_dsb, sb_crc)), 1);
	n = xfs_sb_features(names, 16, &sb);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "crc");
	assert_string_equal(names[1], "finobt");
	assert_string_equal(names[2], "ftype");
	assert_string_equal(names[3], "nrext64");

	sb.agblklog = 11; /* must be ceil(log2(agblocks)) */
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), FSIMG_ECORRUPT);
	sb.agblklog = 10;
	sb.dblocks = 4001; /* more than agcount * agblocks */
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), FSIMG_ECORRUPT);
	sb.dblocks = 4000;
	sb.inopblock = 16;
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), FSIMG_ECORRUPT);
	sb.inopblock = 8;
	sb.features_incompat |= 0x80000000u;
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), FSIMG_EUNSUPP);
	sb.features_incompat &= 0x7fffffffu;
	sb.magicnum = 0;
	assert_int_equal(xfs_sb_check(&sb, why, sizeof(why)), FSIMG_ECORRUPT);
}

static void test_fs_open(void **state)
{
	static uint8_t img[8192];
	fsimg_io *io;
	xfs_fs *fs;
	int found = 0;

	(void)state;
	make_dsb(img);
	assert_int_equal(fsimg_io_open_mem(&io, img, sizeof(img)), 0);
	assert_int_equal(xfs_fs_open(&fs, io), 0); /* the image is short: a finding, not an error */
	assert_true(fs->v5 && fs->ftype && fs->nrext64);
	assert_int_equal(fs->findings, 1);
	xfs_fs_close(fs);
	fsimg_io_close(io);

	/* a bad CRC is a finding too */
	img[300] ^= 1;
	assert_int_equal(fsimg_io_open_mem(&io, img, sizeof(img)), 0);
	assert_int_equal(xfs_fs_open(&fs, io), 0);
	assert_int_equal(fs->findings, 2);
	xfs_fs_close(fs);
	fsimg_io_close(io);

	assert_int_equal(fsimg_io_open_mem(&io, img, 100), 0); /* truncated */
	assert_int_equal(xfs_fs_open(&fs, io), FSIMG_EIO);
	assert_true(strlen(fs->errmsg) > 0);
	xfs_fs_close(fs);
	fsimg_io_close(io);

	memset(img, 0, 4); /* zeroed magic */
	assert_int_equal(fsimg_io_open_mem(&io, img, sizeof(img)), 0);
	assert_int_equal(xfs_fs_open(&fs, io), FSIMG_ENOFS);
	xfs_fs_close(fs);
	fsimg_io_close(io);
	(void)found;
}

/* Features by name through the front, as on ext4 (test_super.c): 1, 0, EINVAL for a name XFS has not. */
static void test_has_feature(void **state)
{
	static uint8_t img[8192];
	char why[256];
	fsimg_io *io;
	fsimg_fs *fs;

	(void)state;
	make_dsb(img);
	assert_int_equal(fsimg_io_open_mem(&io, img, sizeof(img)), 0);
	assert_int_equal(fsimg_fs_open(&fs, io, 0, why, sizeof(why)), 0);
	assert_string_equal(fsimg_fs_type(fs), "xfs");
	assert_int_equal(fsimg_fs_has_feature(fs, "crc"), 1);
	assert_int_equal(fsimg_fs_has_feature(fs, "finobt"), 1);
	assert_int_equal(fsimg_fs_has_feature(fs, "NREXT64"), 1);
	assert_int_equal(fsimg_fs_has_feature(fs, "reflink"), 0);
	assert_int_equal(fsimg_fs_has_feature(fs, "rmapbt"), 0);
	assert_int_equal(fsimg_fs_has_feature(fs, "no_such_feature"), FSIMG_EINVAL);
	assert_int_equal(fsimg_fs_has_feature(fs, "extent"), FSIMG_EINVAL); /* ext4's, not XFS's */
	assert_int_equal(fsimg_fs_has_feature(fs, ""), FSIMG_EINVAL);
	fsimg_fs_close(fs);
	fsimg_io_close(io);
}

/* ---------------------------------------------------------- inodes */

/* A v3 regular file's inode (one link, no extents) numbered ino at d, its CRC set. */
static void put_file_inode(uint8_t *d, uint64_t ino)
{
	put_be16(d, XFS_DINODE_MAGIC);
	put_be16(d + 2, 0100644);
	d[4] = 3;
	d[5] = XFS_DINODE_FMT_EXTENTS;
	put_be32(d + 16, 1);
	put_be64(d + offsetof(struct xfs_dinode, di_ino), ino);
	set_cksum(d, 512, offsetof(struct xfs_dinode, di_crc));
}

static void test_inode_crc(void **state)
{
	struct tx t = tx_new(true);
	struct xfs_inode ip;
	int notices = 0;
	/* ino 40 = agbno 20, slot 0 (inopblog 1); in AG 0 */
	uint8_t *d = blk(&t, 20);

	(void)state;
	xfs_fs_set_notice(t.fs, count_notice, &notices);
	put_file_inode(d, 40);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), 0);
	assert_true(ip.crc_ok);
	assert_int_equal(ip.nlink, 1);
	assert_int_equal(t.fs->findings, 0);
	xfs_inode_release(&ip);

	d[200] ^= 0x40; /* inside the literal area: the core still parses */
	tx_dirty(&t);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), 0);
	assert_false(ip.crc_ok);
	assert_int_equal(notices, 1);
	xfs_inode_release(&ip);

	/* lying extent count: more records than the fork holds */
	put_be32(d + offsetof(struct xfs_dinode, di_nextents), 1000);
	tx_dirty(&t);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), FSIMG_ECORRUPT);
	xfs_inode_release(&ip);

	/* a regular file cannot be local */
	put_be32(d + offsetof(struct xfs_dinode, di_nextents), 0);
	d[5] = XFS_DINODE_FMT_LOCAL;
	tx_dirty(&t);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), FSIMG_ECORRUPT);
	xfs_inode_release(&ip);

	assert_int_equal(xfs_inode_read(&ip, t.fs, 1), FSIMG_ERANGE); /* in the AG headers' block */
	xfs_inode_release(&ip);
	tx_free(&t);
}

/*
 * A quiet stretch (the read-ahead's own inobt walk, iahead.c) leaves the
 * findings, the notices and errmsg as they were; they nest, and reading
 * after them reports again.
 */
static void test_quiet(void **state)
{
	struct tx t = tx_new(true);
	struct xfs_inode ip;
	int notices = 0;
	uint8_t *d = blk(&t, 20);

	(void)state;
	xfs_fs_set_notice(t.fs, count_notice, &notices);
	put_file_inode(d, 40);
	d[200] ^= 0x40; /* a bad CRC: a finding */
	tx_dirty(&t);
	xfs_error(t.fs, FSIMG_EIO, "before");

	xfs_quiet_begin(t.fs);
	xfs_quiet_begin(t.fs);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), 0);
	xfs_inode_release(&ip);
	xfs_quiet_end(t.fs);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 1), FSIMG_ERANGE); /* an error, still quiet */
	xfs_inode_release(&ip);
	xfs_quiet_end(t.fs);
	assert_int_equal(t.fs->findings, 0);
	assert_int_equal(notices, 0);
	assert_non_null(strstr(t.fs->errmsg, "before"));

	tx_dirty(&t);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 40), 0);
	xfs_inode_release(&ip);
	assert_int_equal(t.fs->findings, 1);
	assert_int_equal(notices, 1);
	assert_int_equal(xfs_inode_read(&ip, t.fs, 1), FSIMG_ERANGE);
	xfs_inode_release(&ip);
	assert_null(strstr(t.fs->errmsg, "before"));
	tx_free(&t);
}

/* ---------------------------------------------------------- bmbt */

static void test_bmbt_decode(void **state)
{
	uint8_t r[16];
	struct xfs_irec e;

	(void)state;
	put_rec(r, true, 0x123456789ULL, 0xABCDEF12345ULL, 0x1FFFFF);
	xfs_bmbt_rec_decode(&e, r);
	assert_true(e.unwritten);
	assert_int_equal(e.startoff, 0x123456789ULL);
	assert_int_equal(e.startblock, 0xABCDEF12345ULL);
	assert_int_equal(e.blockcount, 0x1FFFFF);
	put_rec(r, false, (1ULL << 54) - 1, (1ULL << 52) - 1, 1);
	xfs_bmbt_rec_decode(&e, r);
	assert_false(e.unwritten);
	assert_int_equal(e.startoff, (1ULL << 54) - 1);
	assert_int_equal(e.startblock, (1ULL << 52) - 1);
}

/* The root in the inode: level, numrecs, keys, pointers for a 156-byte fork (9 slots). */
static void put_root(struct xfs_inode *ip, struct tx *t, uint16_t level, uint16_t numrecs,
		     const uint64_t *ptrs)
{
	uint8_t *r = ip->raw + t->fs->lit_off;
	size_t maxrecs = (t->fs->inode_size - t->fs->lit_off - 4) / 16;

	ip->format = XFS_DINODE_FMT_BTREE;
	ip->nblocks = 20;
	put_be16(r, level);
	put_be16(r + 2, numrecs);
	for (unsigned i = 0; i < numrecs; i++)
		put_be64(r + 4 + maxrecs * 8 + i * 8, ptrs[i]);
}

static void test_bmbt_loop(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	struct xfs_bmap bm;
	uint64_t ptr = 10;
	uint8_t *b;

	(void)state;
	mk_inode(&ip, &t, 0100644, XFS_DINODE_FMT_BTREE, 100 * BS);
	/* root level 2 -> block 10 at level 1 -> block 10 again: the level must fall */
	put_root(&ip, &t, 2, 1, &ptr);
	b = put_bmbt(&t, 10, 1, 1);
	put_be64(b + 24 + ((BS - 24) / 16) * 8, 10);
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), FSIMG_ECORRUPT);

	/* deeper than any bmbt can be */
	put_root(&ip, &t, XFS_BMAP_MAX_LEVELS + 1, 1, &ptr);
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), FSIMG_ECORRUPT);

	/* a root whose numrecs lies */
	put_root(&ip, &t, 1, 1, &ptr);
	put_be16(ip.raw + t.fs->lit_off + 2, 100);
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), FSIMG_ECORRUPT);

	/* a pointer outside the filesystem */
	ptr = 1ULL << 40;
	put_root(&ip, &t, 1, 1, &ptr);
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), FSIMG_ECORRUPT);
	xfs_inode_release(&ip);
	tx_free(&t);
}

static void test_bmbt_fanout(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	struct xfs_bmap bm;
	uint64_t ptrs[9];
	uint8_t *leaf;

	(void)state;
	mk_inode(&ip, &t, 0100644, XFS_DINODE_FMT_BTREE, 100 * BS);
	ip.nextents = 9;
	/* nine pointers to the same leaf: read nine times, the copies dropped as overlaps */
	for (unsigned i = 0; i < 9; i++)
		ptrs[i] = 11;
	put_root(&ip, &t, 1, 9, ptrs);
	leaf = put_bmbt(&t, 11, 0, 1);
	put_rec(leaf + 24, false, 0, (1u << 6) | 4, 2); /* AG 1, agbno 4 */
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), 0);
	assert_int_equal(bm.n, 1);
	assert_int_equal(bm.nnodes, 9);
	assert_int_equal(t.fs->findings, 8);
	xfs_bmap_free(&bm);

	/* a leaf whose numrecs lies */
	put_be16(leaf + 6, 1000);
	assert_int_equal(xfs_bmap_load(&bm, t.fs, &ip, XFS_DATA_FORK), FSIMG_ECORRUPT);
	xfs_inode_release(&ip);
	tx_free(&t);
}

static void test_map_runs(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	struct xfs_run r[8];
	xfs_map *m;
	uint8_t *f;
	int n = 0;

	(void)state;
	mk_inode(&ip, &t, 0100644, XFS_DINODE_FMT_EXTENTS, 3 * BS - 100);
	ip.nextents = 3;
	f = ip.raw + t.fs->lit_off;
	put_rec(f, false, 0, (1u << 6) | 4, 2);      /* AG 1 agbno 4: linear 52 */
	put_rec(f + 16, false, 1, 30, 1);            /* overlaps: dropped */
	put_rec(f + 32, true, 5, 20, 3);             /* unwritten, past EOF */
	assert_int_equal(xfs_map_open(&m, t.fs, &ip, XFS_DATA_FORK, 0), 0);
	while (n < 8 && xfs_map_next(m, &r[n]) == 1)
		n++;
	xfs_map_close(m);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].type, FSIMG_RUN_MAPPED);
	assert_int_equal(r[0].physical, AGBLOCKS + 4);
	assert_int_equal(r[0].fsb, (1u << 6) | 4);
	assert_int_equal(r[0].agno, 1);
	assert_int_equal(r[0].agbno, 4);
	assert_int_equal(r[1].type, FSIMG_RUN_HOLE);
	assert_int_equal(r[1].logical, 2);
	assert_int_equal(r[1].length, 3);
	assert_int_equal(r[1].flags, 0); /* starts before the block past EOF */
	assert_int_equal(r[2].type, FSIMG_RUN_UNWRITTEN);
	assert_int_equal(r[2].flags, FSIMG_RUN_BEYOND_EOF | FSIMG_RUN_LAST);
	assert_int_equal(t.fs->findings, 1);

	/* the file reads through it: data, then zeros, cut at the size */
	{
		uint8_t buf[3 * BS];
		xfs_file *fh;

		memset(blk(&t, AGBLOCKS + 4), 'a', 2 * BS);
		assert_int_equal(xfs_file_open(&fh, t.fs, &ip, 0), 0);
		assert_int_equal(xfs_file_read(fh, buf, sizeof(buf), 0), 3 * BS - 100);
		assert_int_equal(buf[2 * BS - 1], 'a');
		assert_int_equal(buf[2 * BS], 0);
		assert_int_equal(xfs_file_read(fh, buf, 10, 3 * BS), 0);
		xfs_file_close(fh);
	}
	xfs_inode_release(&ip);
	tx_free(&t);
}

/* Collects a map's runs into r[0..max); returns how many. */
static int map_runs(xfs_map *m, struct xfs_run *r, int max)
{
	int n = 0;

	while (n < max && xfs_map_next(m, &r[n]) == 1)
		n++;
	return n;
}

/* A map reopened for another inode (the walk's reuse) gives what a fresh
 * one gives, also after a reopen that failed. */
static void test_map_reopen(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode a, b, bad;
	struct xfs_run ra[8], rb[8], fresh[8];
	uint64_t ptr = 1ULL << 40;
	xfs_map *m = NULL, *f;
	int na, nb, nf;

	(void)state;
	mk_inode(&a, &t, 0100644, XFS_DINODE_FMT_EXTENTS, 40 * BS);
	a.nextents = 3;
	put_rec(a.raw + t.fs->lit_off, false, 0, 30, 2);
	put_rec(a.raw + t.fs->lit_off + 16, true, 4, 40, 3);
	put_rec(a.raw + t.fs->lit_off + 32, false, 10, (1u << 6) | 4, 5);
	mk_inode(&b, &t, 0100644, XFS_DINODE_FMT_EXTENTS, BS);
	b.nextents = 1;
	put_rec(b.raw + t.fs->lit_off, false, 0, 20, 1);
	mk_inode(&bad, &t, 0100644, XFS_DINODE_FMT_BTREE, 100 * BS);
	put_root(&bad, &t, 1, 1, &ptr); /* a pointer outside the filesystem */

	assert_int_equal(xfs_map_reopen(&m, t.fs, &a, XFS_DATA_FORK, 0), 0);
	na = map_runs(m, ra, 8);
	assert_int_equal(na, 6); /* mapped, hole, unwritten, hole, mapped, hole to EOF */
	assert_int_equal(xfs_map_reopen(&m, t.fs, &bad, XFS_DATA_FORK, 0), FSIMG_ECORRUPT);
	assert_non_null(m);
	assert_int_equal(xfs_map_next(m, &rb[0]), 0); /* empty after the failure */
	assert_int_equal(xfs_map_reopen(&m, t.fs, &b, XFS_DATA_FORK, 0), 0);
	nb = map_runs(m, rb, 8);
	assert_int_equal(xfs_map_open(&f, t.fs, &b, XFS_DATA_FORK, 0), 0);
	nf = map_runs(f, fresh, 8);
	xfs_map_close(f);
	assert_int_equal(nb, 1);
	assert_int_equal(nf, nb);
	assert_memory_equal(rb, fresh, sizeof(rb[0]) * (size_t)nb);
	assert_int_equal(rb[0].physical, 20);
	assert_int_equal(rb[0].flags, FSIMG_RUN_LAST);
	/* and back to the longer one */
	assert_int_equal(xfs_map_reopen(&m, t.fs, &a, XFS_DATA_FORK, 0), 0);
	assert_int_equal(map_runs(m, rb, 8), na);
	assert_memory_equal(rb, ra, sizeof(ra[0]) * (size_t)na);
	xfs_map_close(m);
	xfs_inode_release(&a);
	xfs_inode_release(&b);
	xfs_inode_release(&bad);
	tx_free(&t);
}

/* ---------------------------------------------------------- directories */

static void test_dir_shortform(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	struct xfs_dirent e;
	xfs_dir *d;
	uint8_t *f;

	(void)state;
	mk_inode(&ip, &t, 040755, XFS_DINODE_FMT_LOCAL, 6 + 3 + 3 + 1 + 4);
	f = ip.raw + t.fs->lit_off;
	f[0] = 1;
	put_be32(f + 2, 128); /* parent */
	f[6] = 3;
	memcpy(f + 9, "abc", 3);
	f[12] = XFS_DIR3_FT_REG_FILE;
	put_be32(f + 13, 99);
	assert_int_equal(xfs_dir_open(&d, t.fs, &ip), 0);
	assert_int_equal(xfs_dir_form(d), XFS_DIR_SHORTFORM);
	assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_string_equal(e.name, ".");
	assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_string_equal(e.name, "..");
	assert_int_equal(e.ino, 128);
	assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_string_equal(e.name, "abc");
	assert_int_equal(e.ino, 99);
	assert_int_equal(e.ftype, XFS_DIR3_FT_REG_FILE);
	assert_int_equal(xfs_dir_next(d, &e), 0);
	xfs_dir_close(d);

	/* a count that lies: the next entry would run past the fork's size */
	f[0] = 200;
	assert_int_equal(xfs_dir_open(&d, t.fs, &ip), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_int_equal(xfs_dir_next(d, &e), FSIMG_ECORRUPT);
	xfs_dir_close(d);
	xfs_inode_release(&ip);
	tx_free(&t);
}

static void test_dir_block(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	struct xfs_dirent e;
	xfs_dir *d;
	uint8_t *b = blk(&t, 30);
	uint64_t ino;

	(void)state;
	mk_inode(&ip, &t, 040755, XFS_DINODE_FMT_EXTENTS, BS);
	ip.nextents = 1;
	put_rec(ip.raw + t.fs->lit_off, false, 0, 30, 1);
	put_be32(b, XFS_DIR2_BLOCK_MAGIC);
	/* entry at 16: ino 77, "hello", ftype, tag: 8+1+5+1+2 = 17 -> 24 bytes */
	put_be64(b + 16, 77);
	b[24] = 5;
	memcpy(b + 25, "hello", 5);
	b[30] = XFS_DIR3_FT_DIR;
	put_be16(b + 16 + 24 - 2, 16);
	/* free space to the leaf entries, tail: one leaf entry */
	put_be16(b + 40, XFS_DIR2_DATA_FREE_TAG);
	put_be16(b + 42, (uint16_t)(BS - 8 - 8 - 40));
	put_be32(b + BS - 8, 1);
	assert_int_equal(xfs_dir_open(&d, t.fs, &ip), 0);
	assert_int_equal(xfs_dir_form(d), XFS_DIR_BLOCK);
	assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_string_equal(e.name, "hello");
	assert_int_equal(e.ino, 77);
	assert_int_equal(xfs_dir_next(d, &e), 0);
	xfs_dir_close(d);
	assert_int_equal(xfs_dir_lookup(&ino, t.fs, &ip, "hello", 5), 0);
	assert_int_equal(ino, 77);
	assert_int_equal(xfs_dir_lookup(&ino, t.fs, &ip, "hell", 4), FSIMG_ENOENT);

	/* a free region whose length lies: the rest of the block is skipped as a finding */
	put_be16(b + 42, 60000);
	assert_int_equal(xfs_dir_open(&d, t.fs, &ip), 0);
	assert_int_equal(xfs_dir_next(d, &e), 1);
	assert_int_equal(xfs_dir_next(d, &e), 0);
	assert_int_equal(t.fs->findings, 1);
	xfs_dir_close(d);

	/* a tail that counts more leaf entries than the block holds */
	put_be32(b + BS - 8, 0x10000000);
	assert_int_equal(xfs_dir_open(&d, t.fs, &ip), 0);
	assert_int_equal(xfs_dir_next(d, &e), 0);
	xfs_dir_close(d);
	xfs_inode_release(&ip);
	tx_free(&t);
}

/* ---------------------------------------------------------- attributes */

static int count_attr(void *ctx, const struct xfs_attr *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static void test_attr_sf(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	uint8_t *a;
	int n = 0;

	(void)state;
	mk_inode(&ip, &t, 0100644, XFS_DINODE_FMT_EXTENTS, 0);
	ip.forkoff = 10; /* attr fork at 100 + 80 */
	ip.aformat = XFS_DINODE_FMT_LOCAL;
	a = ip.raw + t.fs->lit_off + 80;
	put_be16(a, 4 + 3 + 2 + 3);
	a[2] = 1;
	a[4] = 2; /* namelen */
	a[5] = 3; /* valuelen */
	a[6] = 0;
	memcpy(a + 7, "k1abc", 5);
	assert_int_equal(xfs_attr_walk(t.fs, &ip, count_attr, &n), 0);
	assert_int_equal(n, 1);
	a[2] = 50; /* lying count */
	assert_int_equal(xfs_attr_walk(t.fs, &ip, count_attr, &n), FSIMG_ECORRUPT);
	xfs_inode_release(&ip);
	tx_free(&t);
}

static void test_attr_node_loop(void **state)
{
	struct tx t = tx_new(false);
	struct xfs_inode ip;
	uint8_t *b = blk(&t, 30);
	int n = 0;

	(void)state;
	mk_inode(&ip, &t, 0100644, XFS_DINODE_FMT_EXTENTS, 0);
	ip.forkoff = 10;
	ip.aformat = XFS_DINODE_FMT_EXTENTS;
	ip.anextents = 1;
	put_rec(ip.raw + t.fs->lit_off + 80, false, 0, 30, 1);
	/* a node at level 1 whose only child is itself */
	put_be16(b + 8, XFS_DA_NODE_MAGIC);
	put_be16(b + 12, 1);
	put_be16(b + 14, 1);
	put_be32(b + 16 + 4, 0);
	assert_true(xfs_attr_walk(t.fs, &ip, count_attr, &n) < 0);
	/* a node at a level too high for its depth: the depth bound */
	put_be16(b + 14, 20);
	assert_true(xfs_attr_walk(t.fs, &ip, count_attr, &n) < 0);
	assert_int_equal(n, 0);
	xfs_inode_release(&ip);
	tx_free(&t);
}

/* ---------------------------------------------------------- symlinks */

static void test_symlink_remote_v5(void **state)
{
	struct tx t = tx_new(true);
	struct xfs_inode ip;
	char buf[1100];
	uint8_t *b = blk(&t, 30);
	const size_t len = 600;

	(void)state;
	mk_inode(&ip, &t, 0120777, XFS_DINODE_FMT_EXTENTS, len);
	ip.nextents = 1;
	put_rec(ip.raw + t.fs->lit_off, false, 0, 30, 1);
	put_be32(b, XFS_SYMLINK_MAGIC);
	put_be32(b + 4, 0);
	put_be32(b + 8, (uint32_t)len);
	put_be64(b + offsetof(struct xfs_dsymlink_hdr, sl_owner), 40);
	memset(b + 56, 'x', len);
	set_cksum(b, BS, XFS_RMT_CRC_OFF);
	assert_int_equal(xfs_symlink_read(buf, sizeof(buf), t.fs, &ip), (int)len);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(buf[len], 0);
	assert_int_equal(t.fs->findings, 0);

	b[100] = 'y'; /* bad CRC: a finding, the target still read */
	assert_int_equal(xfs_symlink_read(buf, sizeof(buf), t.fs, &ip), (int)len);
	assert_int_equal(t.fs->findings, 1);

	put_be32(b, 0); /* no header (mkfs.xfs 6.1's protofile bug): corrupt */
	assert_int_equal(xfs_symlink_read(buf, sizeof(buf), t.fs, &ip), FSIMG_ECORRUPT);
	assert_int_equal(xfs_symlink_read(buf, 10, t.fs, &ip), FSIMG_EINVAL); /* buffer too small */
	xfs_inode_release(&ip);
	tx_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb),
		cmocka_unit_test(test_fs_open),
		cmocka_unit_test(test_has_feature),
		cmocka_unit_test(test_inode_crc),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_bmbt_decode),
		cmocka_unit_test(test_bmbt_loop),
		cmocka_unit_test(test_bmbt_fanout),
		cmocka_unit_test(test_map_runs),
		cmocka_unit_test(test_map_reopen),
		cmocka_unit_test(test_dir_shortform),
		cmocka_unit_test(test_dir_block),
		cmocka_unit_test(test_attr_sf),
		cmocka_unit_test(test_attr_node_loop),
		cmocka_unit_test(test_symlink_remote_v5),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
