/*
 * Extent tree: the node verifier on inline byte fixtures, and the walker (via
 * the mapping iterator) over a filesystem built by hand in memory.
 */
#include "fixture.h"

#include "ext4/ext4.h"

/* ------------------------------------------------------------- fixtures */

static void put_hdr(uint8_t *p, uint16_t entries, uint16_t max, uint16_t depth)
{
	put_le16(p, EXT4_EXT_MAGIC);
	put_le16(p + 2, entries);
	put_le16(p + 4, max);
	put_le16(p + 6, depth);
	put_le32(p + 8, 0);
}

static void put_idx(uint8_t *node, unsigned i, uint32_t lblk, uint64_t pblk)
{
	uint8_t *p = node + 12 + 12 * i;

	put_le32(p, lblk);
	put_le32(p + 4, (uint32_t)pblk);
	put_le16(p + 8, (uint16_t)(pblk >> 32));
	put_le16(p + 10, 0);
}

static void put_ext(uint8_t *node, unsigned i, uint32_t lblk, uint16_t len, uint64_t pblk)
{
	uint8_t *p = node + 12 + 12 * i;

	put_le32(p, lblk);
	put_le16(p + 4, len);
	put_le16(p + 6, (uint16_t)(pblk >> 32));
	put_le32(p + 8, (uint32_t)pblk);
}

#define BS TFS_BS

static void ext_inode(struct fsimg_inode *ino, uint64_t size)
{
	memset(ino, 0, sizeof(*ino));
	ino->ino = 12;
	ino->mode = 0x81A4;
	ino->size = size;
	ino->flags = EXT4_EXTENTS_FL;
	ino->links_count = 1;
}

/* ------------------------------------------------------- node verifier */

static void test_node_ok(void **state)
{
	uint8_t root[60] = { 0 };
	uint8_t blk[BS] = { 0 };
	struct ext4_node_info info;
	const char *why = NULL;

	(void)state;
	put_hdr(root, 1, 4, 0);
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), 0, &info, &why), 0);
	assert_int_equal(info.entries, 1);
	assert_int_equal(info.max, 4);
	assert_int_equal(info.depth, 0);
	/* Any depth up to 5 when the caller does not know it (the root). */
	put_hdr(root, 1, 4, 5);
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), -1, &info, &why), 0);
	/* A block holds (1024 - 12) / 12 = 84 entries. */
	put_hdr(blk, 0, 84, 0);
	assert_int_equal(ext4_ext_node_check(NULL, blk, sizeof(blk), 0, &info, &why), 0);
}

static void expect_bad(const uint8_t *node, size_t len, int want_depth)
{
	const char *why = NULL;

	assert_int_equal(ext4_ext_node_check(NULL, node, len, want_depth, NULL, &why), FSIMG_ECORRUPT);
	assert_non_null(why);
}

static void test_node_bad_magic(void **state)
{
	uint8_t root[60] = { 0 };

	(void)state;
	put_hdr(root, 1, 4, 0);
	put_le16(root, 0xF30B);
	expect_bad(root, sizeof(root), 0);
}

static void test_node_entries_over_max(void **state)
{
	uint8_t root[60] = { 0 };

	(void)state;
	put_hdr(root, 4, 3, 0);
	expect_bad(root, sizeof(root), 0);
}

static void test_node_max_too_large(void **state)
{
	uint8_t root[60] = { 0 };
	uint8_t blk[BS] = { 0 };

	(void)state;
	put_hdr(root, 1, 5, 0); /* i_block fits 4 */
	expect_bad(root, sizeof(root), 0);
	put_hdr(blk, 1, 85, 0); /* a 1 KiB block fits 84 */
	expect_bad(blk, sizeof(blk), 0);
	put_hdr(blk, 1, 0, 0);
	expect_bad(blk, sizeof(blk), 0);
}

/*
 * An eh_max well short of the node: e2fsprogs refuses it, the kernel reads
 * it. The verifier passes it; ext4_ext_max_short tells the checker.
 */
static void test_node_max_short(void **state)
{
	uint8_t root[60] = { 0 };
	uint8_t blk[BS] = { 0 };
	struct ext4_node_info info;
	const char *why = NULL;

	(void)state;
	put_hdr(blk, 1, 4, 0);
	assert_int_equal(ext4_ext_node_check(NULL, blk, sizeof(blk), 0, &info, &why), 0);
	assert_int_equal(info.max, 4);
	assert_true(ext4_ext_max_short(sizeof(blk), 4));
	assert_true(ext4_ext_max_short(sizeof(blk), 81));
	assert_false(ext4_ext_max_short(sizeof(blk), 82)); /* two short: e2fsprogs' slack */
	assert_false(ext4_ext_max_short(sizeof(blk), 84));
	put_hdr(root, 1, 1, 0);
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), 0, &info, &why), 0);
	assert_true(ext4_ext_max_short(sizeof(root), 1));
	assert_false(ext4_ext_max_short(sizeof(root), 2));
	assert_false(ext4_ext_max_short(0, 0));
}

static void test_node_depth(void **state)
{
	uint8_t root[60] = { 0 };

	(void)state;
	/* deeper than the kernel's 5 is read (as e2fsprogs does), up to 16 */
	put_hdr(root, 1, 4, 7);
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), -1, NULL, NULL), 0);
	put_hdr(root, 1, 4, 17);
	expect_bad(root, sizeof(root), -1);
	/* not the depth the parent implies: read by its level (libext2fs), the mismatch said */
	put_hdr(root, 1, 4, 1);
	{
		struct ext4_node_info info;

		assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), 0, &info, NULL), 0);
		assert_true(info.depth_mismatch);
		assert_int_equal(info.depth, 0);
		put_hdr(root, 1, 4, 0);
		assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), 0, &info, NULL), 0);
		assert_false(info.depth_mismatch);
	}
	put_hdr(root, 1, 4, 1);
	put_hdr(root, 0, 4, 1);
	expect_bad(root, sizeof(root), 1); /* an index node with no entries */
	/* the root with none is an emptied tree (e2fsprogs reads it so), at any depth */
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), -1, NULL, NULL), 0);
	put_hdr(root, 0, 4, 65535);
	assert_int_equal(ext4_ext_node_check(NULL, root, sizeof(root), -1, NULL, NULL), 0);
}

static void test_node_truncated(void **state)
{
	uint8_t root[60] = { 0 };

	(void)state;
	put_hdr(root, 1, 4, 0);
	expect_bad(root, 8, 0);
	expect_bad(root, 0, 0);
	expect_bad(NULL, 60, 0);
	/* Room for the header and 2 entries: eh_max 4 does not fit. */
	expect_bad(root, 36, 0);
}

/* --------------------------------------------------------------- walker */

static void test_walk_depth1(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];
	uint8_t *leaf = tfs_block(t, 10);

	(void)state;
	ext_inode(&ino, 30 * BS + 100); /* 31 blocks hold i_size */
	put_hdr(ino.i_block, 1, 4, 1);
	put_idx(ino.i_block, 0, 2, 10);                /* where the leaf starts */
	put_hdr(leaf, 3, 84, 0);
	put_ext(leaf, 0, 2, 3, 20);                    /* written 2..4 */
	put_ext(leaf, 1, 10, 32768 + 5, 30);           /* unwritten 10..14 */
	put_ext(leaf, 2, 40, 2, 50);                   /* past EOF */

	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 6);
	check_run(&runs[0], FSIMG_RUN_HOLE, 0, 2, 0, 0);
	check_run(&runs[1], FSIMG_RUN_MAPPED, 2, 3, 20, 0);
	check_run(&runs[2], FSIMG_RUN_HOLE, 5, 5, 0, 0);
	check_run(&runs[3], FSIMG_RUN_UNWRITTEN, 10, 5, 30, 0);
	check_run(&runs[4], FSIMG_RUN_HOLE, 15, 16, 0, 0); /* stops at EOF */
	check_run(&runs[5], FSIMG_RUN_MAPPED, 40, 2, 50, FSIMG_RUN_BEYOND_EOF | FSIMG_RUN_LAST);

	/* With the tree: the leaf block right before the first data run. */
	assert_int_equal(collect(&t->fs, &ino, FSIMG_MAP_TREE, runs, 16), 7);
	check_run(&runs[0], FSIMG_RUN_HOLE, 0, 2, 0, 0);
	check_run(&runs[1], FSIMG_RUN_META, 2, 1, 10, FSIMG_RUN_COUNTED);
	assert_string_equal(runs[1].kind, "leaf");
	assert_int_equal(runs[1].level, 0);
	assert_int_equal(runs[1].entries, 3);
	assert_int_equal(runs[1].max, 84);
	assert_int_equal(runs[1].csum_state, FSIMG_CSUM_NONE);
	check_run(&runs[2], FSIMG_RUN_MAPPED, 2, 3, 20, 0);
	tfs_free(t);
}

static void test_walk_trailing_hole(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	struct fsimg_run runs[8];

	(void)state;
	ext_inode(&ino, 10 * BS);
	put_hdr(ino.i_block, 1, 4, 0);
	put_ext(ino.i_block, 0, 0, 4, 20);
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 8), 2);
	check_run(&runs[0], FSIMG_RUN_MAPPED, 0, 4, 20, FSIMG_RUN_LAST);
	check_run(&runs[1], FSIMG_RUN_HOLE, 4, 6, 0, 0);

	/* An empty tree and a sparse size: one hole. */
	put_hdr(ino.i_block, 0, 4, 0);
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 8), 1);
	check_run(&runs[0], FSIMG_RUN_HOLE, 0, 10, 0, 0);
	tfs_free(t);
}

static void test_walk_unwritten_len(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	struct fsimg_run runs[8];

	(void)state;
	ext_inode(&ino, 0);
	put_hdr(ino.i_block, 2, 4, 0);
	put_ext(ino.i_block, 0, 0, 32769, 100);      /* unwritten, 1 block */
	put_ext(ino.i_block, 1, 1, 32768, 200);      /* written, 32768 blocks */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 8), 2);
	check_run(&runs[0], FSIMG_RUN_UNWRITTEN, 0, 1, 100, FSIMG_RUN_BEYOND_EOF);
	check_run(&runs[1], FSIMG_RUN_MAPPED, 1, 32768, 200, FSIMG_RUN_BEYOND_EOF | FSIMG_RUN_LAST);
	tfs_free(t);
}

static void expect_walk_error(struct tfs *t, const struct fsimg_inode *ino, int err)
{
	struct fsimg_run runs[16];

	assert_int_equal(collect(&t->fs, ino, FSIMG_MAP_TREE, runs, 16), err);
	if (err == FSIMG_ECORRUPT)
		assert_true(strstr(fsimg_fs_errmsg(&t->fs), "inode 12") != NULL);
}

static void test_walk_self_loop(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	uint8_t *a = tfs_block(t, 10);

	(void)state;
	ext_inode(&ino, 0);
	/* root (depth 2) -> block 10 (depth 1) -> block 10 again */
	put_hdr(ino.i_block, 1, 4, 2);
	put_idx(ino.i_block, 0, 0, 10);
	put_hdr(a, 1, 84, 1);
	put_idx(a, 0, 0, 10);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	tfs_free(t);
}

static void test_walk_parent_loop(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	uint8_t *a = tfs_block(t, 10), *b = tfs_block(t, 11);

	(void)state;
	ext_inode(&ino, 0);
	/* root (depth 3) -> 10 (depth 2) -> 11 (depth 1) -> 10, its parent */
	put_hdr(ino.i_block, 1, 4, 3);
	put_idx(ino.i_block, 0, 0, 10);
	put_hdr(a, 1, 84, 2);
	put_idx(a, 0, 0, 11);
	put_hdr(b, 1, 84, 1);
	put_idx(b, 0, 0, 10);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	/* Two index entries naming one leaf: its extents come twice, out of order. */
	put_hdr(ino.i_block, 2, 4, 1);
	put_idx(ino.i_block, 0, 0, 10);
	put_idx(ino.i_block, 1, 5, 10);
	put_hdr(a, 1, 84, 0);
	put_ext(a, 0, 0, 5, 20);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	tfs_free(t);
}

static void test_walk_bad_extents(void **state)
{
	struct tfs *t = tfs_new(64, 1000, 256);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];

	(void)state;
	ext_inode(&ino, 0);
	put_hdr(ino.i_block, 1, 4, 0);
	put_ext(ino.i_block, 0, 0, 0, 100);           /* length 0 */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	put_ext(ino.i_block, 0, 0, 8, 995);           /* runs past blocks_count */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	put_ext(ino.i_block, 0, 0xFFFFFFF0u, 17, 100); /* ends past 2^32 */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	put_ext(ino.i_block, 0, 0xFFFFFFF0u, 16, 100); /* ends at 2^32: its end wraps to 0 */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "2^32") != NULL);

	put_ext(ino.i_block, 0, 0xFFFFFFF0u, 15, 100); /* ends at 2^32 - 1: the last one allowed */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 1);

	put_hdr(ino.i_block, 2, 4, 0);                 /* overlapping */
	put_ext(ino.i_block, 0, 10, 8, 100);
	put_ext(ino.i_block, 1, 15, 2, 200);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "logical block 15") != NULL);

	put_hdr(ino.i_block, 1, 4, 1);                 /* index outside */
	put_idx(ino.i_block, 0, 0, 5000);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	put_hdr(ino.i_block, 1, 4, 1);                 /* child past the image */
	put_idx(ino.i_block, 0, 0, 900);
	expect_walk_error(t, &ino, FSIMG_EIO);
	tfs_free(t);
}

/*
 * ext4_valid_extent_entries: a child's first entry starts at its index's
 * logical block, for leaves and index nodes alike; an empty leaf is fine.
 */
static void test_walk_child_start(void **state)
{
	struct tfs *t = tfs_new(64, 100000, 256);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];
	uint8_t *a = tfs_block(t, 10), *b = tfs_block(t, 11);

	(void)state;
	ext_inode(&ino, 0);
	put_hdr(ino.i_block, 1, 4, 1);
	put_idx(ino.i_block, 0, 5, 10);
	put_hdr(a, 1, 84, 0);
	put_ext(a, 0, 5, 2, 20);
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 1);
	check_run(&runs[0], FSIMG_RUN_MAPPED, 5, 2, 20, FSIMG_RUN_BEYOND_EOF | FSIMG_RUN_LAST);

	put_ext(a, 0, 6, 2, 20); /* the leaf starts after its index */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "block 10") != NULL);
	put_ext(a, 0, 4, 2, 20); /* or before it */
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);

	put_hdr(a, 0, 84, 0);    /* an empty leaf: nothing to compare */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 0);

	/* root (depth 2) -> index node 10 -> leaf 11: the index node's first entry */
	put_hdr(ino.i_block, 1, 4, 2);
	put_idx(ino.i_block, 0, 0, 10);
	put_hdr(a, 1, 84, 1);
	put_idx(a, 0, 3, 11);
	put_hdr(b, 1, 84, 0);
	put_ext(b, 0, 3, 1, 30);
	expect_walk_error(t, &ino, FSIMG_ECORRUPT);
	put_idx(ino.i_block, 0, 3, 10);
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 1);
	tfs_free(t);
}

static void test_file_read(void **state)
{
	struct tfs *t = tfs_new(64, 64, 256);
	struct fsimg_inode ino;
	fsimg_file *f;
	uint8_t buf[6 * BS], want[6 * BS];
	unsigned i;

	(void)state;
	for (i = 0; i < 8 * BS; i++)
		t->img[20 * BS + i] = (uint8_t)(i * 7 + 1);
	ext_inode(&ino, 5 * BS + 10);
	put_hdr(ino.i_block, 2, 4, 0);
	put_ext(ino.i_block, 0, 0, 2, 20);           /* blocks 0-1 */
	put_ext(ino.i_block, 1, 3, 32768 + 3, 23);   /* unwritten 3-5, hole at 2 */
	memset(want, 0, sizeof(want));
	memcpy(want, t->img + 20 * BS, 2 * BS);

	assert_int_equal(fsimg_file_open(&f, &t->fs, &ino, 0), 0);
	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(fsimg_file_read(f, buf, sizeof(buf), 0), 5 * BS + 10);
	assert_memory_equal(buf, want, 5 * BS + 10);
	/* Unaligned, backward, and at EOF. */
	assert_int_equal(fsimg_file_read(f, buf, 100, BS - 50), 100);
	assert_memory_equal(buf, want + BS - 50, 100);
	assert_int_equal(fsimg_file_read(f, buf, 100, 5 * BS + 10), 0);
	assert_int_equal(fsimg_file_read(f, buf, 100, 5 * BS), 10);
	fsimg_file_close(f);

	/* RAW: the bytes under the unwritten extent. */
	memcpy(want + 3 * BS, t->img + 23 * BS, 3 * BS);
	assert_int_equal(fsimg_file_open(&f, &t->fs, &ino, FSIMG_READ_RAW), 0);
	assert_int_equal(fsimg_file_read(f, buf, sizeof(buf), 0), 5 * BS + 10);
	assert_memory_equal(buf, want, 5 * BS + 10);
	fsimg_file_close(f);
	tfs_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_ok),
		cmocka_unit_test(test_node_bad_magic),
		cmocka_unit_test(test_node_entries_over_max),
		cmocka_unit_test(test_node_max_too_large),
		cmocka_unit_test(test_node_max_short),
		cmocka_unit_test(test_node_depth),
		cmocka_unit_test(test_node_truncated),
		cmocka_unit_test(test_walk_depth1),
		cmocka_unit_test(test_walk_trailing_hole),
		cmocka_unit_test(test_walk_unwritten_len),
		cmocka_unit_test(test_walk_self_loop),
		cmocka_unit_test(test_walk_parent_loop),
		cmocka_unit_test(test_walk_bad_extents),
		cmocka_unit_test(test_walk_child_start),
		cmocka_unit_test(test_file_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
