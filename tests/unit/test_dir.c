/*
 * Directory entry parser (ext4_check_dir_entry rules), the dirent tail and
 * its checksum, and inline directory regions. The leaf block and the inline
 * i_block bytes were written by e2fsprogs 1.47.0 (mke2fs -d, 1 KiB blocks,
 * metadata_csum, inline_data); the corrupt ones are edits of them.
 */
#include "fixture.h"

#include "ext4/ext4.h"

#define BS 1024u

/* Filesystem UUID c985acc2-20af-4e01-90f2-6ebe51a79031 of the source image. */
static const uint8_t uuid[16] = { 0xc9, 0x85, 0xac, 0xc2, 0x20, 0xaf, 0x4e, 0x01,
				  0x90, 0xf2, 0x6e, 0xbe, 0x51, 0xa7, 0x90, 0x31 };

/* Directory inode 12 (generation 0), block 0: ".", "..", file_number_1..6, the tail. */
static const uint8_t leaf_head[176] = {
	0x0c, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x02, 0x2e, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x0c, 0x00, 0x02, 0x02, 0x2e, 0x2e, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x01,
	0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x5f, 0x31, 0x00, 0x00, 0x00,
	0x0e, 0x00, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x01, 0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d,
	0x62, 0x65, 0x72, 0x5f, 0x32, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x01,
	0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x5f, 0x33, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x01, 0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d,
	0x62, 0x65, 0x72, 0x5f, 0x34, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x01,
	0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x5f, 0x35, 0x00, 0x00, 0x00,
	0x12, 0x00, 0x00, 0x00, 0x64, 0x03, 0x0d, 0x01, 0x66, 0x69, 0x6c, 0x65, 0x5f, 0x6e, 0x75, 0x6d,
	0x62, 0x65, 0x72, 0x5f, 0x36, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t leaf_tail[12] = { 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0xde,
				       0x7e, 0x4d, 0xa0, 0x52 };

/* Inline directory inode 19: i_block = parent 2, "a" (20), "bb" (21) to byte 60. */
static const uint8_t inline_iblock[60] = {
	0x02, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x01, 0x61, 0x00, 0x00, 0x00,
	0x15, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x02, 0x01, 0x62, 0x62,
};

struct env {
	struct fsimg_fs fs;
	uint8_t blk[BS];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->fs.block_size = BS;
	e->fs.log_block_size = 10;
	e->fs.sb.block_size = BS;
	e->fs.sb.inodes_count = 2048;
	e->fs.sb.feature_incompat = EXT4_FEATURE_INCOMPAT_FILETYPE;
	e->fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;
	e->fs.metadata_csum = true;
	e->fs.csum_seed = fsimg_crc32c(~0u, uuid, sizeof(uuid));
	memcpy(e->blk, leaf_head, sizeof(leaf_head));
	memcpy(e->blk + BS - 12, leaf_tail, sizeof(leaf_tail));
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Walks a region the way the iterator does; returns live entries or -1 at the first error. */
static int walk(const struct fsimg_fs *fs, const uint8_t *buf, size_t len, char *why, size_t whylen,
		size_t *bad_off)
{
	struct ext4_dirent de;
	size_t off = 0;
	int live = 0;

	while (off < len) {
		if (ext4_dirent_parse(fs, buf, len, off, &de, why, whylen) < 0) {
			*bad_off = off;
			return -1;
		}
		if (de.inode)
			live++;
		off += de.rec_len;
	}
	return live;
}

static void test_real_leaf(void **state)
{
	struct env *e = *state;
	struct ext4_dirent de;
	char why[96];
	size_t bad = 0;

	assert_true(ext4_dirent_tail_present(e->blk, BS));
	assert_int_equal(walk(&e->fs, e->blk, BS - 12, why, sizeof(why), &bad), 8);

	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, BS - 12, 24, &de, why, sizeof(why)), 0);
	assert_int_equal(de.inode, 13);
	assert_int_equal(de.rec_len, 24);
	assert_int_equal(de.name_len, 13);
	assert_int_equal(de.file_type, EXT4_FT_REG_FILE);
	assert_memory_equal(de.name, "file_number_1", 13);
}

static void test_tail_csum(void **state)
{
	struct env *e = *state;
	uint32_t seed = ext4_inode_csum_seed(&e->fs, 12, 0);

	assert_int_equal(ext4_dirblock_csum_verify(&e->fs, seed, e->blk, BS), 1);
	/* Another inode's seed, or one flipped name byte: a mismatch. */
	assert_int_equal(ext4_dirblock_csum_verify(&e->fs, ext4_inode_csum_seed(&e->fs, 13, 0),
						   e->blk, BS), 0);
	e->blk[40] ^= 1;
	assert_int_equal(ext4_dirblock_csum_verify(&e->fs, seed, e->blk, BS), 0);
	e->blk[40] ^= 1;
	/* A tail with the wrong file_type is no tail at all. */
	e->blk[BS - 5] = 0xdd;
	assert_false(ext4_dirent_tail_present(e->blk, BS));
	assert_int_equal(ext4_dirblock_csum_verify(&e->fs, seed, e->blk, BS), -1);
}

static void expect_bad(struct env *e, size_t len, size_t want_off, const char *want)
{
	char why[96] = "";
	size_t bad = (size_t)-1;

	assert_int_equal(walk(&e->fs, e->blk, len, why, sizeof(why), &bad), -1);
	assert_int_equal(bad, want_off);
	assert_non_null(strstr(why, want));
}

static void test_rec_len_zero(void **state)
{
	struct env *e = *state;

	put_le16(e->blk + 48 + 4, 0); /* file_number_2 */
	expect_bad(e, BS - 12, 48, "smaller than minimal");
}

static void test_rec_len_past_block(void **state)
{
	struct env *e = *state;

	put_le16(e->blk + 144 + 4, 0x364 + 16); /* the last entry, past the tail */
	expect_bad(e, BS - 12, 144, "past the block end");
}

static void test_rec_len_unaligned(void **state)
{
	struct env *e = *state;

	put_le16(e->blk + 24 + 4, 26);
	expect_bad(e, BS - 12, 24, "multiple of 4");
}

static void test_name_len_too_big(void **state)
{
	struct env *e = *state;

	e->blk[24 + 6] = 17; /* 17 + 8 > rec_len 24 */
	expect_bad(e, BS - 12, 24, "too small for name_len");
}

static void test_too_close_to_end(void **state)
{
	struct env *e = *state;

	/* The last entry stops 8 bytes short: no room for another entry. */
	put_le16(e->blk + 144 + 4, 0x364 - 8);
	expect_bad(e, BS - 12, 144, "too close to block end");
}

static void test_inode_out_of_range(void **state)
{
	struct env *e = *state;

	put_le32(e->blk + 24, 2049);
	expect_bad(e, BS - 12, 24, "out of range");
}

static void test_no_filetype(void **state)
{
	struct env *e = *state;
	struct ext4_dirent de;
	char why[96];

	/* Without filetype, name_len is 16 bits: file_type 1 makes it 0x10d. */
	e->fs.sb.feature_incompat = 0;
	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, BS - 12, 24, &de, why, sizeof(why)),
			 FSIMG_ECORRUPT);
	e->blk[24 + 7] = 0;
	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, BS - 12, 24, &de, why, sizeof(why)), 0);
	assert_int_equal(de.name_len, 13);
	assert_int_equal(de.file_type, 0);
}

static void test_truncated_header(void **state)
{
	struct env *e = *state;
	struct ext4_dirent de;
	char why[96];

	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, 8, 0, &de, why, sizeof(why)), FSIMG_ECORRUPT);
	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, 24, 20, &de, why, sizeof(why)), FSIMG_ECORRUPT);
	assert_int_equal(ext4_dirent_parse(&e->fs, e->blk, 24, 30, &de, why, sizeof(why)), FSIMG_ECORRUPT);
}

/* The two inline regions: i_block after the parent, then system.data. */
static void test_inline_regions(void **state)
{
	struct env *e = *state;
	uint8_t data[60 + 16];
	struct ext4_dirent de;
	struct cur pc;
	char why[96];
	size_t bad;

	memset(data, 0, sizeof(data));
	memcpy(data, inline_iblock, sizeof(inline_iblock));
	/* system.data: one entry "ccc" (22) covering its 16 bytes, as the kernel writes it. */
	put_le32(data + 60, 22);
	put_le16(data + 64, 16);
	data[66] = 3;
	data[67] = EXT4_FT_REG_FILE;
	memcpy(data + 68, "ccc", 3);

	pc = cur_init(data, sizeof(data));
	assert_int_equal(cur_le32(&pc, 0), 2); /* the parent */
	assert_int_equal(walk(&e->fs, data + 4, 56, why, sizeof(why), &bad), 2);
	assert_int_equal(ext4_dirent_parse(&e->fs, data + 4, 56, 12, &de, why, sizeof(why)), 0);
	assert_int_equal(de.inode, 21);
	assert_int_equal(de.rec_len, 44);
	assert_memory_equal(de.name, "bb", 2);
	assert_int_equal(walk(&e->fs, data + 60, 16, why, sizeof(why), &bad), 1);

	/* An entry crossing from i_block into system.data is corrupt. */
	put_le16(data + 4 + 12 + 4, 48);
	assert_int_equal(walk(&e->fs, data + 4, 56, why, sizeof(why), &bad), -1);
	assert_int_equal(bad, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_csum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_len_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_len_past_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec_len_unaligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_len_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_close_to_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_filetype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_regions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
