/*
 * Superblock: ext4_super_from_disk on an inline fixture (valid, truncated,
 * each geometry check's max+1), fsimg_fs_open over a memory image (a lying
 * block count must fail fast, unknown incompat bits are named), feature
 * names, the ext2/3/4 rule and where superblock backups live.
 */
#include "fixture.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ext4/ext4.h"

#define SBO(field) offsetof(struct ext4_dsuper, field)
#define BS 1024u
#define IMG_BLOCKS 64u

/*
 * A 64 KiB ext2 of 1 KiB blocks, one group: superblock in block 1, the group
 * descriptor in block 2, bitmaps in 3 and 4, a 2-block inode table at 5.
 */
static void mk_sb(uint8_t *raw)
{
	memset(raw, 0, EXT4_SUPER_SIZE);
	put_le32(raw + SBO(s_inodes_count), 16);
	put_le32(raw + SBO(s_blocks_count_lo), IMG_BLOCKS);
	put_le32(raw + SBO(s_free_blocks_count_lo), 50);
	put_le32(raw + SBO(s_free_inodes_count), 5);
	put_le32(raw + SBO(s_first_data_block), 1);
	put_le32(raw + SBO(s_log_block_size), 0);
	put_le32(raw + SBO(s_log_cluster_size), 0);
	put_le32(raw + SBO(s_blocks_per_group), 8192);
	put_le32(raw + SBO(s_clusters_per_group), 8192);
	put_le32(raw + SBO(s_inodes_per_group), 16);
	put_le16(raw + SBO(s_magic), EXT4_SUPER_MAGIC);
	put_le16(raw + SBO(s_state), EXT4_VALID_FS);
	put_le32(raw + SBO(s_rev_level), EXT4_DYNAMIC_REV);
	put_le32(raw + SBO(s_first_ino), 11);
	put_le16(raw + SBO(s_inode_size), 128);
	memcpy(raw + SBO(s_uuid), "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
	memcpy(raw + SBO(s_volume_name), "fixture-volume-x", 16); /* exactly 16, no NUL */
	put_le32(raw + SBO(s_hash_seed) + 12, 0xcafef00du);
	put_le16(raw + SBO(s_desc_size), 0);
}

static int parse(struct fsimg_super *sb, const uint8_t *raw, size_t len, char *why, size_t wl)
{
	why[0] = '\0';
	return ext4_super_from_disk(sb, raw, len, why, wl);
}

static void test_valid(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.block_size, 1024);
	assert_int_equal(sb.cluster_size, 1024);
	assert_true(sb.blocks_count == IMG_BLOCKS);
	assert_int_equal(sb.group_count, 1);
	assert_int_equal(sb.desc_size, 32);
	assert_int_equal(sb.desc_per_block, 32);
	assert_int_equal(sb.gdt_blocks, 1);
	assert_int_equal(sb.inode_table_blocks, 2);
	assert_int_equal(sb.inode_size, 128);
	assert_int_equal(sb.first_ino, 11);
	assert_int_equal(sb.hash_seed[3], 0xcafef00du);
	assert_string_equal(sb.volume_name, "fixture-volume-x");
	assert_int_equal(sb.csum_state, FSIMG_CSUM_NONE);
	assert_false(sb.has_journal);
	assert_false(sb.needs_recovery);
}

static void test_hi_halves_only_with_64bit(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	put_le32(raw + SBO(s_blocks_count_hi), 1);
	put_le32(raw + SBO(s_free_blocks_count_hi), 1);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_true(sb.blocks_count == IMG_BLOCKS);
	assert_true(sb.free_blocks_count == 50);

	put_le32(raw + SBO(s_feature_incompat), EXT4_FEATURE_INCOMPAT_64BIT);
	put_le16(raw + SBO(s_desc_size), 64);
	put_le32(raw + SBO(s_inodes_count), 16);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_true(sb.blocks_count == (1ull << 32) + IMG_BLOCKS);
	assert_true(sb.free_blocks_count == (1ull << 32) + 50);
	assert_int_equal(sb.desc_size, 64);
	assert_int_equal(sb.desc_per_block, 16);
}

static void test_truncated(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	assert_int_equal(parse(&sb, raw, sizeof(raw) - 1, why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "truncated"));
	assert_int_equal(parse(&sb, raw, 0, why, sizeof(why)), FSIMG_ECORRUPT);
	assert_int_equal(ext4_super_from_disk(&sb, NULL, 0, why, sizeof(why)), FSIMG_ECORRUPT);
}

/* Sets one 32-bit field, parses, expects a refusal whose reason names what. */
static void expect_bad32(size_t off, uint32_t val, const char *what)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	mk_sb(raw);
	put_le32(raw + off, val);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	if (!strstr(why, what))
		fail_msg("reason \"%s\" does not mention \"%s\"", why, what);
}

static void test_bad_magic(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	put_le16(raw + SBO(s_magic), 0xEF54);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "magic"));
}

static void test_geometry_bounds(void **state)
{
	(void)state;
	expect_bad32(SBO(s_log_block_size), 7, "log_block_size");
	expect_bad32(SBO(s_log_cluster_size), 1, "log_cluster_size");
	expect_bad32(SBO(s_inodes_per_group), 0, "inodes_per_group");
	expect_bad32(SBO(s_inodes_per_group), 8 * BS + 1, "inodes_per_group");
	expect_bad32(SBO(s_clusters_per_group), 0, "clusters_per_group");
	expect_bad32(SBO(s_clusters_per_group), 8 * BS + 1, "clusters_per_group");
	expect_bad32(SBO(s_blocks_per_group), 0, "blocks_per_group");
	expect_bad32(SBO(s_blocks_per_group), 4096, "blocks_per_group");
	expect_bad32(SBO(s_blocks_count_lo), 1, "blocks_count");
	expect_bad32(SBO(s_first_data_block), IMG_BLOCKS, "first_data_block");
	expect_bad32(SBO(s_inodes_count), 17, "inodes_count");
	expect_bad32(SBO(s_first_ino), 10, "first_ino");
	expect_bad32(SBO(s_first_ino), 17, "first_ino");
	expect_bad32(SBO(s_rev_level), 2, "revision");
}

static void test_inode_size(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];
	static const uint16_t bad[] = { 0, 64, 127, 129, 192, 2048 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mk_sb(raw);
		put_le16(raw + SBO(s_inode_size), bad[i]);
		assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
		assert_non_null(strstr(why, "inode_size"));
	}
	mk_sb(raw);
	put_le16(raw + SBO(s_inode_size), 1024);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.inode_table_blocks, 16);

	/* Revision 0: 128-byte inodes and first inode 11, whatever the fields hold. */
	mk_sb(raw);
	put_le32(raw + SBO(s_rev_level), 0);
	put_le16(raw + SBO(s_inode_size), 0);
	put_le32(raw + SBO(s_first_ino), 0);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.inode_size, 128);
	assert_int_equal(sb.first_ino, 11);
}

static void test_inode_table_must_fit(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	/* 8 blocks per group cannot hold 64 inodes of 256 bytes (16 blocks). */
	mk_sb(raw);
	put_le32(raw + SBO(s_blocks_per_group), 8);
	put_le32(raw + SBO(s_clusters_per_group), 8);
	put_le32(raw + SBO(s_inodes_per_group), 64);
	put_le16(raw + SBO(s_inode_size), 256);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "inode table"));
}

static void test_desc_size(void **state)
{
	static const uint16_t bad[] = { 0, 32, 48, 96, 2048 };
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mk_sb(raw);
		put_le32(raw + SBO(s_feature_incompat), EXT4_FEATURE_INCOMPAT_64BIT);
		put_le16(raw + SBO(s_desc_size), bad[i]);
		assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
		assert_non_null(strstr(why, "desc_size"));
	}
	/* Without 64bit the field is ignored: descriptors are 32 bytes. */
	mk_sb(raw);
	put_le16(raw + SBO(s_desc_size), 48);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.desc_size, 32);
}

static void test_bigalloc_clusters(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	put_le32(raw + SBO(s_feature_ro_compat), EXT4_FEATURE_RO_COMPAT_BIGALLOC);
	put_le32(raw + SBO(s_first_data_block), 0);
	put_le32(raw + SBO(s_log_cluster_size), 4); /* 16 KiB clusters */
	put_le32(raw + SBO(s_clusters_per_group), 8192);
	put_le32(raw + SBO(s_blocks_per_group), 8192 * 16);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.cluster_size, 16384);
	assert_int_equal(sb.blocks_per_group, 131072);

	put_le32(raw + SBO(s_blocks_per_group), 8192);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "blocks_per_group"));
}

static void test_group_count_overflow(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	put_le32(raw + SBO(s_feature_incompat), EXT4_FEATURE_INCOMPAT_64BIT);
	put_le16(raw + SBO(s_desc_size), 64);
	put_le32(raw + SBO(s_blocks_count_lo), 0xffffffffu);
	put_le32(raw + SBO(s_blocks_count_hi), 0xffffffffu);
	put_le32(raw + SBO(s_blocks_per_group), 8);
	put_le32(raw + SBO(s_clusters_per_group), 8);
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "overflow"));
}

static void test_metadata_csum(void **state)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_super sb;
	char why[200];

	(void)state;
	mk_sb(raw);
	put_le32(raw + SBO(s_feature_ro_compat), EXT4_FEATURE_RO_COMPAT_METADATA_CSUM);
	raw[SBO(s_checksum_type)] = EXT4_CRC32C_CHKSUM;
	put_le32(raw + SBO(s_checksum), fsimg_crc32c(~0u, raw, SBO(s_checksum)));
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.csum_state, FSIMG_CSUM_OK);
	assert_int_equal(ext4_super_csum(raw), sb.checksum);

	raw[SBO(s_volume_name)] ^= 1;
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), 0);
	assert_int_equal(sb.csum_state, FSIMG_CSUM_BAD);

	raw[SBO(s_checksum_type)] = 2;
	assert_int_equal(parse(&sb, raw, sizeof(raw), why, sizeof(why)), FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "checksum type"));
}

/* ------------------------------------------------- through fsimg_fs_open */

static uint8_t *mk_image(void)
{
	uint8_t *img = calloc(IMG_BLOCKS, BS);
	uint8_t *gd;

	assert_non_null(img);
	mk_sb(img + EXT4_SUPER_OFFSET);
	gd = img + 2 * BS;
	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_block_bitmap_lo), 3);
	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_inode_bitmap_lo), 4);
	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_inode_table_lo), 5);
	put_le16(gd + offsetof(struct ext4_dgroup_desc, bg_free_blocks_count_lo), 50);
	put_le16(gd + offsetof(struct ext4_dgroup_desc, bg_free_inodes_count_lo), 5);
	put_le16(gd + offsetof(struct ext4_dgroup_desc, bg_used_dirs_count_lo), 2);
	return img;
}

static int open_img(fsimg_fs **fs, fsimg_io **io, const uint8_t *img, size_t len,
		    char *errbuf, size_t errlen)
{
	assert_int_equal(fsimg_io_open_mem(io, img, len), 0);
	errbuf[0] = '\0';
	return fsimg_fs_open(fs, *io, 0, errbuf, errlen);
}

static void test_open_memory_image(void **state)
{
	uint8_t *img = mk_image();
	struct fsimg_group g;
	fsimg_fs *fs;
	fsimg_io *io;
	char err[256];

	(void)state;
	assert_int_equal(open_img(&fs, &io, img, IMG_BLOCKS * BS, err, sizeof(err)), 0);
	assert_string_equal(fsimg_fs_type(fs), "ext2");
	assert_int_equal(fsimg_ext4_group_get(&g, fs, 0), 0);
	assert_true(g.first_block == 1 && g.last_block == IMG_BLOCKS - 1);
	assert_true(g.has_super && g.super_block == 1);
	assert_true(g.gdt_block == 2 && g.gdt_count == 1 && g.reserved_gdt == 0);
	assert_true(g.block_bitmap == 3 && g.inode_bitmap == 4 && g.inode_table == 5);
	assert_int_equal(g.free_blocks_count, 50);
	assert_int_equal(g.used_dirs_count, 2);
	assert_int_equal(g.csum_state, FSIMG_CSUM_NONE);
	assert_int_equal(fsimg_ext4_group_get(&g, fs, 1), FSIMG_ERANGE);
	fsimg_fs_close(fs);
	fsimg_io_close(io);
	free(img);
}

/*
 * A superblock claiming 2^40 blocks (1 PiB of 1 KiB blocks: 2^27 groups,
 * 8 GiB of descriptors) over a 64 KiB buffer. Run in a child with a 256 MiB address
 * space limit: a descriptor table allocated before checking the source
 * would turn into ENOMEM instead of the corruption we want.
 */
static void test_lying_block_count_fails_fast(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 256u << 20, 256u << 20 };
		uint8_t *img = mk_image();
		uint8_t *raw = img + EXT4_SUPER_OFFSET;
		fsimg_fs *fs = NULL;
		fsimg_io *io;
		char err[256] = "";
		int rc;

		setrlimit(RLIMIT_AS, &rl);
		put_le32(raw + SBO(s_feature_incompat), EXT4_FEATURE_INCOMPAT_64BIT);
		put_le16(raw + SBO(s_desc_size), 64);
		put_le32(raw + SBO(s_blocks_count_lo), 0);
		put_le32(raw + SBO(s_blocks_count_hi), 1u << 8);
		if (fsimg_io_open_mem(&io, img, IMG_BLOCKS * BS) != 0)
			_exit(10);
		rc = fsimg_fs_open(&fs, io, 0, err, sizeof(err));
		if (rc != FSIMG_ECORRUPT || fs != NULL)
			_exit(11);
		if (!strstr(err, "group descriptors past end of image"))
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_unknown_incompat_named(void **state)
{
	uint8_t *img = mk_image();
	uint8_t *raw = img + EXT4_SUPER_OFFSET;
	fsimg_fs *fs = NULL;
	fsimg_io *io;
	char err[256];

	(void)state;
	put_le32(raw + SBO(s_feature_incompat), 0x80000000u);
	assert_int_equal(open_img(&fs, &io, img, IMG_BLOCKS * BS, err, sizeof(err)), FSIMG_EUNSUPP);
	assert_null(fs);
	assert_non_null(strstr(err, "bit 31"));
	fsimg_io_close(io);

	put_le32(raw + SBO(s_feature_incompat), EXT4_FEATURE_INCOMPAT_COMPRESSION);
	assert_int_equal(open_img(&fs, &io, img, IMG_BLOCKS * BS, err, sizeof(err)), FSIMG_EUNSUPP);
	assert_non_null(strstr(err, "compression"));
	fsimg_io_close(io);
	free(img);
}

static void test_bad_superblock_through_open(void **state)
{
	uint8_t *img = mk_image();
	fsimg_fs *fs = NULL;
	fsimg_io *io;
	char err[256];

	(void)state;
	put_le32(img + EXT4_SUPER_OFFSET + SBO(s_log_block_size), 7);
	assert_int_equal(open_img(&fs, &io, img, IMG_BLOCKS * BS, err, sizeof(err)), FSIMG_ECORRUPT);
	assert_non_null(strstr(err, "log_block_size"));
	fsimg_io_close(io);

	/* Too short to hold a superblock at all. */
	assert_int_equal(open_img(&fs, &io, img, 1500, err, sizeof(err)), FSIMG_ENOFS);
	fsimg_io_close(io);
	free(img);
}

/* --------------------------------------------- names, types and backups */

static void test_feature_names(void **state)
{
	(void)state;
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_COMPAT, 2), "has_journal");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_COMPAT, 8), "snapshot_bitmap");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_COMPAT, 12), "orphan_file");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_RO_COMPAT, 4), "uninit_bg");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_RO_COMPAT, 12), "read-only");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_RO_COMPAT, 16), "orphan_present");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 2), "needs_recovery");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 6), "extent");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 13), "metadata_csum_seed");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 14), "large_dir");
	assert_string_equal(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 17), "casefold");
	assert_null(fsimg_ext4_feature_name(FSIMG_FEATURE_COMPAT, 7));
	assert_null(fsimg_ext4_feature_name(FSIMG_FEATURE_RO_COMPAT, 2)); /* btree_dir: no e2fsprogs name */
	assert_null(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 31));
	assert_null(fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, 32));
	assert_null(fsimg_ext4_feature_name(7, 0));
}

static void test_has_feature_by_name(void **state)
{
	struct fsimg_fs fs;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	fs.be = &fsimg_backend_ext4;
	fs.sb.feature_incompat = EXT4_FEATURE_INCOMPAT_EXTENTS;
	fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_GDT_CSUM;
	assert_int_equal(fsimg_fs_has_feature(&fs, "extent"), 1);
	assert_int_equal(fsimg_fs_has_feature(&fs, "extents"), 1);
	assert_int_equal(fsimg_fs_has_feature(&fs, "uninit_groups"), 1);
	assert_int_equal(fsimg_fs_has_feature(&fs, "has_journal"), 0);
	assert_int_equal(fsimg_fs_has_feature(&fs, "64bit"), 0);
	assert_int_equal(fsimg_fs_has_feature(&fs, "no_such_feature"), FSIMG_EINVAL);
	assert_int_equal(fsimg_fs_has_feature(NULL, "extent"), FSIMG_EINVAL);
}

static void test_fs_type_rule(void **state)
{
	(void)state;
	assert_string_equal(ext4_type_name(0, EXT4_FEATURE_INCOMPAT_FILETYPE,
					   EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER), "ext2");
	assert_string_equal(ext4_type_name(EXT4_FEATURE_COMPAT_HAS_JOURNAL,
					   EXT4_FEATURE_INCOMPAT_FILETYPE | EXT4_FEATURE_INCOMPAT_RECOVER |
						   EXT4_FEATURE_INCOMPAT_META_BG,
					   EXT4_FEATURE_RO_COMPAT_LARGE_FILE | EXT4_FEATURE_RO_COMPAT_BTREE_DIR),
			    "ext3");
	assert_string_equal(ext4_type_name(0, EXT4_FEATURE_INCOMPAT_EXTENTS, 0), "ext4");
	assert_string_equal(ext4_type_name(EXT4_FEATURE_COMPAT_HAS_JOURNAL, 0,
					   EXT4_FEATURE_RO_COMPAT_HUGE_FILE), "ext4");
	/* Compat bits never make it ext4. */
	assert_string_equal(ext4_type_name(0xffffffffu & ~EXT4_FEATURE_COMPAT_HAS_JOURNAL, 0, 0),
			    "ext2");
}

static void test_backup_groups(void **state)
{
	struct fsimg_fs fs;
	fsimg_group_t g[32];
	static const fsimg_group_t sparse[] = { 1, 3, 5, 7, 9, 25, 27, 49, 81, 125, 243, 343 };
	int n, i;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	fs.sb.group_count = 400;
	fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER;
	n = fsimg_ext4_backup_groups(&fs, g, 32);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		assert_int_equal(g[i], sparse[i]);
		assert_true(ext4_group_has_super(&fs.sb, g[i]));
	}
	assert_true(ext4_group_has_super(&fs.sb, 0));
	assert_false(ext4_group_has_super(&fs.sb, 2));
	assert_false(ext4_group_has_super(&fs.sb, 15));
	assert_false(ext4_group_has_super(&fs.sb, 45));
	assert_int_equal(fsimg_ext4_backup_groups(&fs, g, 3), 3);

	fs.sb.feature_compat = EXT4_FEATURE_COMPAT_SPARSE_SUPER2;
	fs.sb.backup_bgs[0] = 399;
	fs.sb.backup_bgs[1] = 1;
	n = fsimg_ext4_backup_groups(&fs, g, 32);
	assert_int_equal(n, 2);
	assert_int_equal(g[0], 1);
	assert_int_equal(g[1], 399);
	assert_false(ext4_group_has_super(&fs.sb, 3));
	assert_true(ext4_group_has_super(&fs.sb, 399));

	fs.sb.feature_compat = 0;
	fs.sb.feature_ro_compat = 0;
	n = fsimg_ext4_backup_groups(&fs, g, 32);
	assert_int_equal(n, 32);
	assert_int_equal(g[31], 32);
	assert_true(ext4_group_has_super(&fs.sb, 2));

	fs.sb.group_count = 1;
	assert_int_equal(fsimg_ext4_backup_groups(&fs, g, 32), 0);
	assert_int_equal(fsimg_ext4_backup_groups(&fs, NULL, 1), FSIMG_EINVAL);
}

/* The inodes the superblock owns: one table, looked up by role and by number. */
static void test_sb_inodes(void **state)
{
	struct fsimg_super sb;

	(void)state;
	memset(&sb, 0, sizeof(sb));
	sb.first_ino = 11;
	sb.journal_inum = 8;
	sb.usr_quota_inum = 3;
	sb.grp_quota_inum = 4;
	sb.prj_quota_inum = 12;
	sb.orphan_file_inum = 13;
	assert_int_equal(ext4_sb_inode(&sb, EXT4_SBINO_ORPHAN_FILE), 13);
	assert_int_equal(ext4_sb_inode(&sb, EXT4_SBINO_NONE), 0);
	assert_int_equal(ext4_sb_inode(&sb, EXT4_SBINO__COUNT), 0);
	assert_int_equal(ext4_sb_inode_role(&sb, 8), EXT4_SBINO_JOURNAL);
	assert_int_equal(ext4_sb_inode_role(&sb, 12), EXT4_SBINO_PRJ_QUOTA);
	assert_int_equal(ext4_sb_inode_role(&sb, 13), EXT4_SBINO_ORPHAN_FILE);
	assert_int_equal(ext4_sb_inode_role(&sb, 14), EXT4_SBINO_NONE);
	assert_int_equal(ext4_sb_inode_role(&sb, 0), EXT4_SBINO_NONE);
	assert_string_equal(ext4_sb_inode_name(EXT4_SBINO_PRJ_QUOTA), "project quota");
	/* nameless: the quota and orphan file inodes past the reserved ones */
	assert_true(ext4_sb_inode_nameless(&sb, 12));
	assert_true(ext4_sb_inode_nameless(&sb, 13));
	assert_false(ext4_sb_inode_nameless(&sb, 14));
	assert_false(ext4_sb_inode_nameless(&sb, 3)); /* reserved by number already */
	/* a journal past s_first_ino (an old visible one) has a name */
	sb.journal_inum = 15;
	assert_false(ext4_sb_inode_nameless(&sb, 15));
	/* a quota field naming the root leaves the root the root */
	sb.usr_quota_inum = 2;
	assert_false(ext4_sb_inode_nameless(&sb, 2));
	/* no field set: nothing is owned, not even inode 0 */
	memset(&sb, 0, sizeof(sb));
	sb.first_ino = 11;
	assert_false(ext4_sb_inode_nameless(&sb, 0));
	assert_false(ext4_sb_inode_nameless(&sb, 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_sb_inodes),
		cmocka_unit_test(test_hi_halves_only_with_64bit),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_geometry_bounds),
		cmocka_unit_test(test_inode_size),
		cmocka_unit_test(test_inode_table_must_fit),
		cmocka_unit_test(test_desc_size),
		cmocka_unit_test(test_bigalloc_clusters),
		cmocka_unit_test(test_group_count_overflow),
		cmocka_unit_test(test_metadata_csum),
		cmocka_unit_test(test_open_memory_image),
		cmocka_unit_test(test_lying_block_count_fails_fast),
		cmocka_unit_test(test_unknown_incompat_named),
		cmocka_unit_test(test_bad_superblock_through_open),
		cmocka_unit_test(test_feature_names),
		cmocka_unit_test(test_has_feature_by_name),
		cmocka_unit_test(test_fs_type_rule),
		cmocka_unit_test(test_backup_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
