/*
 * Legacy block maps (ext2/ext3): direct, indirect and double indirect
 * pointers over a filesystem built by hand in memory, read through the
 * mapping iterator and the file reader.
 */
#include "fixture.h"

#include "ext4/ext4.h"

#define BS TFS_BS   /* 256 pointers per block */
#define APB (BS / 4)

static void set_ptr(struct tfs *t, uint64_t blk, unsigned i, uint32_t ptr)
{
	assert_true(blk < t->img_blocks && i < APB);
	put_le32(t->img + blk * BS + 4 * i, ptr);
}

static void set_iblock(struct fsimg_inode *ino, unsigned i, uint32_t ptr)
{
	put_le32(ino->i_block + 4 * i, ptr);
}


/*
 * direct 0-4 -> 100-104, 5 a hole, 6-11 -> 106-111;
 * ind (block 50): 12, 13 -> 112, 113 (contiguous with 6-11), 14 a hole, 15 -> 300;
 * dind (block 51): pointer 0 zero (a whole 256-block hole), pointer 1 -> ind 52,
 * whose pointer 5 -> 400: logical block 12 + 256 + 256 + 5 = 529.
 */
static void build_map(struct tfs *t, struct fsimg_inode *ino)
{
	unsigned i;

	memset(ino, 0, sizeof(*ino));
	ino->ino = 12;
	ino->mode = 0x81A4;
	ino->links_count = 1;
	ino->size = 530 * (uint64_t)BS;
	for (i = 0; i < 12; i++)
		if (i != 5)
			set_iblock(ino, i, 100 + i);
	set_iblock(ino, EXT4_IND_BLOCK, 50);
	set_ptr(t, 50, 0, 112);
	set_ptr(t, 50, 1, 113);
	set_ptr(t, 50, 3, 300);
	set_iblock(ino, EXT4_DIND_BLOCK, 51);
	set_ptr(t, 51, 1, 52);
	set_ptr(t, 52, 5, 400);
}

static void test_runs(void **state)
{
	struct tfs *t = tfs_new(512, 1000, 128);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];

	(void)state;
	build_map(t, &ino);
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 7);
	check_run(&runs[0], FSIMG_RUN_MAPPED, 0, 5, 100, 0);
	check_run(&runs[1], FSIMG_RUN_HOLE, 5, 1, 0, 0);
	check_run(&runs[2], FSIMG_RUN_MAPPED, 6, 8, 106, 0);   /* merged across the ind boundary */
	check_run(&runs[3], FSIMG_RUN_HOLE, 14, 1, 0, 0);
	check_run(&runs[4], FSIMG_RUN_MAPPED, 15, 1, 300, 0);
	check_run(&runs[5], FSIMG_RUN_HOLE, 16, 513, 0, 0);
	check_run(&runs[6], FSIMG_RUN_MAPPED, 529, 1, 400, FSIMG_RUN_LAST);
	tfs_free(t);
}

static void test_meta_runs(void **state)
{
	struct tfs *t = tfs_new(512, 1000, 128);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];

	(void)state;
	build_map(t, &ino);
	assert_int_equal(collect(&t->fs, &ino, FSIMG_MAP_TREE, runs, 16), 10);
	check_run(&runs[0], FSIMG_RUN_MAPPED, 0, 5, 100, 0);
	check_run(&runs[1], FSIMG_RUN_HOLE, 5, 1, 0, 0);
	/* The ind block comes before the run that reaches into its range. */
	check_run(&runs[2], FSIMG_RUN_META, 12, 1, 50, 0);
	assert_string_equal(runs[2].kind, "ind");
	assert_int_equal(runs[2].level, 1);
	check_run(&runs[3], FSIMG_RUN_MAPPED, 6, 8, 106, 0);
	check_run(&runs[4], FSIMG_RUN_HOLE, 14, 1, 0, 0);
	check_run(&runs[5], FSIMG_RUN_MAPPED, 15, 1, 300, 0);
	check_run(&runs[6], FSIMG_RUN_HOLE, 16, 513, 0, 0);
	check_run(&runs[7], FSIMG_RUN_META, 12 + APB, 1, 51, 0);
	assert_int_equal(runs[7].level, 2);
	check_run(&runs[8], FSIMG_RUN_META, 12 + 2 * APB, 1, 52, 0);
	assert_int_equal(runs[8].level, 1);
	check_run(&runs[9], FSIMG_RUN_MAPPED, 529, 1, 400, FSIMG_RUN_LAST);
	tfs_free(t);
}

static void test_eof(void **state)
{
	struct tfs *t = tfs_new(512, 1000, 128);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];

	(void)state;
	build_map(t, &ino);
	ino.size = 14 * (uint64_t)BS + 1; /* 15 blocks */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 6);
	check_run(&runs[3], FSIMG_RUN_HOLE, 14, 1, 0, 0);
	check_run(&runs[4], FSIMG_RUN_MAPPED, 15, 1, 300, FSIMG_RUN_BEYOND_EOF);
	/* no hole past EOF between 16 and 529 */
	check_run(&runs[5], FSIMG_RUN_MAPPED, 529, 1, 400, FSIMG_RUN_BEYOND_EOF | FSIMG_RUN_LAST);

	/* All zero pointers and a size: one hole, however large. */
	memset(ino.i_block, 0, sizeof(ino.i_block));
	ino.size = 1ull << 40;
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), 1);
	check_run(&runs[0], FSIMG_RUN_HOLE, 0, (1ull << 40) / BS, 0, 0);
	tfs_free(t);
}

static void test_out_of_range(void **state)
{
	struct tfs *t = tfs_new(512, 1000, 128);
	struct fsimg_inode ino;
	struct fsimg_run runs[16];

	(void)state;
	build_map(t, &ino);
	set_ptr(t, 52, 5, 5000);           /* data pointer past blocks_count */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), FSIMG_ECORRUPT);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "inode 12") != NULL);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "logical block 529") != NULL);

	build_map(t, &ino);
	set_ptr(t, 52, 5, 400);
	set_iblock(&ino, EXT4_DIND_BLOCK, 1000); /* indirect pointer just past the end */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), FSIMG_ECORRUPT);
	assert_true(strstr(fsimg_fs_errmsg(&t->fs), "inode 12") != NULL);

	build_map(t, &ino);
	set_iblock(&ino, 3, 0xFFFFFFFFu);  /* a direct one */
	assert_int_equal(collect(&t->fs, &ino, 0, runs, 16), FSIMG_ECORRUPT);
	tfs_free(t);
}

static void test_file_read(void **state)
{
	struct tfs *t = tfs_new(512, 1000, 128);
	struct fsimg_inode ino;
	fsimg_file *f;
	uint8_t *buf, *want;
	size_t size;
	unsigned i;

	(void)state;
	build_map(t, &ino);
	size = (size_t)ino.size;
	for (i = 100; i < 512; i++)
		if (i != 200)
			memset(t->img + (size_t)i * BS, (int)(i & 0xFF), BS);
	want = calloc(1, size);
	buf = malloc(size);
	assert_non_null(want);
	assert_non_null(buf);
	for (i = 0; i < 12; i++)
		if (i != 5)
			memset(want + i * BS, 100 + i, BS);
	memset(want + 12 * BS, 112, BS);
	memset(want + 13 * BS, 113, BS);
	memset(want + 15 * BS, 300 & 0xFF, BS);
	memset(want + 529 * BS, 400 & 0xFF, BS);

	assert_int_equal(fsimg_file_open(&f, &t->fs, &ino, 0), 0);
	assert_int_equal(fsimg_file_read(f, buf, size + 100, 0), (int64_t)size);
	assert_memory_equal(buf, want, size);
	/* Small sequential reads straddling blocks, then a backward one. */
	for (i = 0; i < size; i += 700) {
		size_t n = size - i < 700 ? size - i : 700;

		assert_int_equal(fsimg_file_read(f, buf, n, i), (int64_t)n);
		assert_memory_equal(buf, want + i, n);
	}
	assert_int_equal(fsimg_file_read(f, buf, 3000, 10), 3000);
	assert_memory_equal(buf, want + 10, 3000);
	fsimg_file_close(f);
	free(buf);
	free(want);
	tfs_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_meta_runs),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_file_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
