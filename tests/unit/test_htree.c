/*
 * Directory hash and dx block parsing.
 *
 * The hash vectors are e2fsprogs 1.47.0's own answers:
 *   debugfs -R "dx_hash -h V [-s 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0] NAME" any.img
 * for V = 0..5 (legacy, half_md4, tea, then their unsigned forms).
 */
#include "fixture.h"

#include "ext4/ext4.h"

#define BS 1024u

#define N255                                                                                   \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"

struct vec {
	int seeded;
	int version;
	const char *name;
	size_t len;
	uint32_t hash, minor;
};

static const struct vec vectors[] = {
	{ 0, 0, "f1", 2, 0xf00894ecu, 0x00000000u },
	{ 0, 0, "hello", 5, 0x32252546u, 0x00000000u },
	{ 0, 0, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0xd818063eu, 0x00000000u },
	{ 0, 0, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x8be22c02u, 0x00000000u },
	{ 0, 0, "0123456789abcdef", 16, 0x415c16feu, 0x00000000u },
	{ 0, 0, N255, 255, 0x88e1750au, 0x00000000u },
	{ 0, 0, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x70d7b7fcu, 0x00000000u },
	{ 0, 0, "\xff\x80\x7f", 3, 0xb6a1b8ccu, 0x00000000u },
	{ 0, 1, "f1", 2, 0x811b338eu, 0x30d846beu },
	{ 0, 1, "hello", 5, 0x1746da32u, 0x420013b5u },
	{ 0, 1, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x616d4e38u, 0x696205e8u },
	{ 0, 1, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x19643b1au, 0xdde3a0bfu },
	{ 0, 1, "0123456789abcdef", 16, 0x8cb502b6u, 0x5acf4f33u },
	{ 0, 1, N255, 255, 0xc0f8fde8u, 0xa0c44aeau },
	{ 0, 1, "\xc3\xa9" "t" "\xc3\xa9", 5, 0xa69a4d3au, 0x22bac128u },
	{ 0, 1, "\xff\x80\x7f", 3, 0x337ff96au, 0x4ecd4ac0u },
	{ 0, 2, "f1", 2, 0xfef55bb8u, 0x9e5bf67fu },
	{ 0, 2, "hello", 5, 0x6f5bb1a8u, 0x231917c2u },
	{ 0, 2, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x8495b0f4u, 0x6d48c79cu },
	{ 0, 2, "abcdefghijklmnopqrstuvwxyz012345", 32, 0xe78c76dcu, 0x94dd872bu },
	{ 0, 2, "0123456789abcdef", 16, 0x5a0788b2u, 0xefa4e711u },
	{ 0, 2, N255, 255, 0x04156e7cu, 0x5ae99ecau },
	{ 0, 2, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x04d337a6u, 0x0615a017u },
	{ 0, 2, "\xff\x80\x7f", 3, 0x6ba38152u, 0x1fed68fcu },
	{ 0, 3, "f1", 2, 0xf00894ecu, 0x00000000u },
	{ 0, 3, "hello", 5, 0x32252546u, 0x00000000u },
	{ 0, 3, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0xd818063eu, 0x00000000u },
	{ 0, 3, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x8be22c02u, 0x00000000u },
	{ 0, 3, "0123456789abcdef", 16, 0x415c16feu, 0x00000000u },
	{ 0, 3, N255, 255, 0x88e1750au, 0x00000000u },
	{ 0, 3, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x40d0f40cu, 0x00000000u },
	{ 0, 3, "\xff\x80\x7f", 3, 0xb32a9eccu, 0x00000000u },
	{ 0, 4, "f1", 2, 0x811b338eu, 0x30d846beu },
	{ 0, 4, "hello", 5, 0x1746da32u, 0x420013b5u },
	{ 0, 4, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x616d4e38u, 0x696205e8u },
	{ 0, 4, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x19643b1au, 0xdde3a0bfu },
	{ 0, 4, "0123456789abcdef", 16, 0x8cb502b6u, 0x5acf4f33u },
	{ 0, 4, N255, 255, 0xc0f8fde8u, 0xa0c44aeau },
	{ 0, 4, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x3eb35f16u, 0x634a9ed3u },
	{ 0, 4, "\xff\x80\x7f", 3, 0xf435ce8cu, 0x2d0b3c11u },
	{ 0, 5, "f1", 2, 0xfef55bb8u, 0x9e5bf67fu },
	{ 0, 5, "hello", 5, 0x6f5bb1a8u, 0x231917c2u },
	{ 0, 5, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x8495b0f4u, 0x6d48c79cu },
	{ 0, 5, "abcdefghijklmnopqrstuvwxyz012345", 32, 0xe78c76dcu, 0x94dd872bu },
	{ 0, 5, "0123456789abcdef", 16, 0x5a0788b2u, 0xefa4e711u },
	{ 0, 5, N255, 255, 0x04156e7cu, 0x5ae99ecau },
	{ 0, 5, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x2ed2feacu, 0x3a9221a3u },
	{ 0, 5, "\xff\x80\x7f", 3, 0x4907e268u, 0xdc81d4b9u },
	{ 1, 0, "f1", 2, 0xf00894ecu, 0x00000000u },
	{ 1, 0, "hello", 5, 0x32252546u, 0x00000000u },
	{ 1, 0, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0xd818063eu, 0x00000000u },
	{ 1, 0, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x8be22c02u, 0x00000000u },
	{ 1, 0, "0123456789abcdef", 16, 0x415c16feu, 0x00000000u },
	{ 1, 0, N255, 255, 0x88e1750au, 0x00000000u },
	{ 1, 0, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x70d7b7fcu, 0x00000000u },
	{ 1, 0, "\xff\x80\x7f", 3, 0xb6a1b8ccu, 0x00000000u },
	{ 1, 1, "f1", 2, 0x6e95efb6u, 0xeee2a4afu },
	{ 1, 1, "hello", 5, 0x232245acu, 0xe1acc8deu },
	{ 1, 1, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x754c5b60u, 0xc1e6c13cu },
	{ 1, 1, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x7d34baf4u, 0xc44e4d6eu },
	{ 1, 1, "0123456789abcdef", 16, 0x2592ddd6u, 0x3e5fcad3u },
	{ 1, 1, N255, 255, 0x6e201b2au, 0x79895d47u },
	{ 1, 1, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x4c866b76u, 0xf3d0bce4u },
	{ 1, 1, "\xff\x80\x7f", 3, 0x80dc96bau, 0x42191091u },
	{ 1, 2, "f1", 2, 0x0bd56f98u, 0x3c976cacu },
	{ 1, 2, "hello", 5, 0xf9a4dcd0u, 0xd0d3e919u },
	{ 1, 2, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x827a3adcu, 0x338004d5u },
	{ 1, 2, "abcdefghijklmnopqrstuvwxyz012345", 32, 0xf323c1a8u, 0x7fe0906eu },
	{ 1, 2, "0123456789abcdef", 16, 0xa7ba1462u, 0x970d1d63u },
	{ 1, 2, N255, 255, 0x343a8032u, 0x95edb4ffu },
	{ 1, 2, "\xc3\xa9" "t" "\xc3\xa9", 5, 0xfaf03178u, 0x2cf98bceu },
	{ 1, 2, "\xff\x80\x7f", 3, 0x28e68baau, 0x7b720490u },
	{ 1, 3, "f1", 2, 0xf00894ecu, 0x00000000u },
	{ 1, 3, "hello", 5, 0x32252546u, 0x00000000u },
	{ 1, 3, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0xd818063eu, 0x00000000u },
	{ 1, 3, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x8be22c02u, 0x00000000u },
	{ 1, 3, "0123456789abcdef", 16, 0x415c16feu, 0x00000000u },
	{ 1, 3, N255, 255, 0x88e1750au, 0x00000000u },
	{ 1, 3, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x40d0f40cu, 0x00000000u },
	{ 1, 3, "\xff\x80\x7f", 3, 0xb32a9eccu, 0x00000000u },
	{ 1, 4, "f1", 2, 0x6e95efb6u, 0xeee2a4afu },
	{ 1, 4, "hello", 5, 0x232245acu, 0xe1acc8deu },
	{ 1, 4, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x754c5b60u, 0xc1e6c13cu },
	{ 1, 4, "abcdefghijklmnopqrstuvwxyz012345", 32, 0x7d34baf4u, 0xc44e4d6eu },
	{ 1, 4, "0123456789abcdef", 16, 0x2592ddd6u, 0x3e5fcad3u },
	{ 1, 4, N255, 255, 0x6e201b2au, 0x79895d47u },
	{ 1, 4, "\xc3\xa9" "t" "\xc3\xa9", 5, 0xb7fa0ce0u, 0x952e6a70u },
	{ 1, 4, "\xff\x80\x7f", 3, 0x23335b58u, 0xf4904481u },
	{ 1, 5, "f1", 2, 0x0bd56f98u, 0x3c976cacu },
	{ 1, 5, "hello", 5, 0xf9a4dcd0u, 0xd0d3e919u },
	{ 1, 5, "a_much_longer_file_name_that_spans_more_than_32_bytes_xyz", 57, 0x827a3adcu, 0x338004d5u },
	{ 1, 5, "abcdefghijklmnopqrstuvwxyz012345", 32, 0xf323c1a8u, 0x7fe0906eu },
	{ 1, 5, "0123456789abcdef", 16, 0xa7ba1462u, 0x970d1d63u },
	{ 1, 5, N255, 255, 0x343a8032u, 0x95edb4ffu },
	{ 1, 5, "\xc3\xa9" "t" "\xc3\xa9", 5, 0x08974cb2u, 0x15360b09u },
	{ 1, 5, "\xff\x80\x7f", 3, 0xd88feeceu, 0x7fdb65a3u },
};

/* The seed as debugfs -s stores it: the UUID's bytes, read as little-endian words. */
static const uint8_t seed_uuid[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
				       0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

static void test_hash_vectors(void **state)
{
	struct cur c = cur_init(seed_uuid, sizeof(seed_uuid));
	uint32_t seed[4], hash, minor;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		seed[i] = cur_le32(&c, i * 4);
	assert_int_equal(sizeof(N255) - 1, 255);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];

		hash = minor = 0xdeadbeef;
		assert_int_equal(fsimg_dirhash(&hash, &minor, v->version, v->seeded ? seed : NULL,
					       v->name, v->len), 0);
		if (hash != v->hash || minor != v->minor)
			fail_msg("vector %zu (version %d, seed %d, len %zu): 0x%08x/0x%08x, want 0x%08x/0x%08x",
				 i, v->version, v->seeded, v->len, hash, minor, v->hash, v->minor);
	}
}

static void test_hash_seed_and_versions(void **state)
{
	static const uint32_t zero[4] = { 0, 0, 0, 0 };
	static const uint32_t dflt[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
	uint32_t h1, h2, h3, m1, m2, m3;
	int v;

	(void)state;
	/* An all-zero seed and no seed both mean the default constants. */
	for (v = 0; v <= 5; v++) {
		assert_int_equal(fsimg_dirhash(&h1, &m1, v, NULL, "hello", 5), 0);
		assert_int_equal(fsimg_dirhash(&h2, &m2, v, zero, "hello", 5), 0);
		assert_int_equal(fsimg_dirhash(&h3, &m3, v, dflt, "hello", 5), 0);
		assert_int_equal(h1, h2);
		assert_int_equal(h1, h3);
		assert_int_equal(m1, m2);
		assert_int_equal(m1, m3);
	}
	/* An empty name runs no transform: the seed words themselves, bit 0 cleared. */
	assert_int_equal(fsimg_dirhash(&h1, &m1, EXT4_HASH_HALF_MD4, NULL, NULL, 0), 0);
	assert_int_equal(h1, 0xefcdab88u);
	assert_int_equal(m1, 0x98badcfeu);
	assert_int_equal(fsimg_dirhash(&h1, &m1, EXT4_HASH_TEA, NULL, "", 0), 0);
	assert_int_equal(h1, 0x67452300u);
	assert_int_equal(m1, 0xefcdab89u);
	/* minor may be left out. */
	assert_int_equal(fsimg_dirhash(&h1, NULL, EXT4_HASH_TEA, NULL, "x", 1), 0);

	assert_int_equal(fsimg_dirhash(&h1, &m1, EXT4_HASH_SIPHASH, NULL, "x", 1), FSIMG_EUNSUPP);
	assert_int_equal(fsimg_dirhash(&h1, &m1, 7, NULL, "x", 1), FSIMG_EINVAL);
	assert_int_equal(fsimg_dirhash(&h1, &m1, -1, NULL, "x", 1), FSIMG_EINVAL);
	assert_int_equal(fsimg_dirhash(NULL, &m1, 1, NULL, "x", 1), FSIMG_EINVAL);
	assert_int_equal(fsimg_dirhash(&h1, &m1, 1, NULL, NULL, 3), FSIMG_EINVAL);
}

/*
 * The dx root of a 12000-entry directory (inode 2, generation 0) made by
 * mke2fs -d + e2fsck -fD, 1 KiB blocks, metadata_csum, UUID
 * 520bcb96-23db-4877-9147-aa464c1c372c: the first 48 bytes and the dx tail
 * at 32 + 123 * 8 (the bytes between are not covered by the checksum).
 */
static const uint8_t root_uuid[16] = { 0x52, 0x0b, 0xcb, 0x96, 0x23, 0xdb, 0x48, 0x77,
				       0x91, 0x47, 0xaa, 0x46, 0x4c, 0x1c, 0x37, 0x2c };
static const uint8_t root_head[48] = {
	0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x02, 0x2e, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xf4, 0x03, 0x02, 0x02, 0x2e, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00,
	0x7b, 0x00, 0x02, 0x00, 0xe7, 0x00, 0x00, 0x00, 0x28, 0x90, 0x22, 0x8d, 0xe8, 0x00, 0x00, 0x00,
};
static const uint8_t root_tail[8] = { 0x00, 0x00, 0x00, 0x00, 0x13, 0x02, 0x4c, 0x43 };

struct env {
	struct fsimg_fs fs;
	uint8_t blk[BS];
	struct ext4_dx_info info;
	struct ext4_dx_node node;
	char why[160];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->fs.be = &fsimg_backend_ext4;
	e->fs.block_size = BS;
	e->fs.log_block_size = 10;
	e->fs.sb.block_size = BS;
	e->fs.sb.inodes_count = 16384;
	e->fs.sb.feature_compat = EXT4_FEATURE_COMPAT_DIR_INDEX;
	e->fs.sb.feature_incompat = EXT4_FEATURE_INCOMPAT_FILETYPE;
	e->fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;
	e->fs.metadata_csum = true;
	e->fs.csum_seed = fsimg_crc32c(~0u, root_uuid, sizeof(root_uuid));
	memcpy(e->blk, root_head, sizeof(root_head));
	memcpy(e->blk + 32 + 123 * 8, root_tail, sizeof(root_tail));
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int root_parse(struct env *e)
{
	e->why[0] = '\0';
	return ext4_dx_root_parse(&e->fs, e->blk, BS, &e->info, &e->node, e->why, sizeof(e->why));
}

static void test_root_real(void **state)
{
	struct env *e = *state;
	uint32_t seed = ext4_inode_csum_seed(&e->fs, 2, 0);
	uint32_t hash, block;

	assert_int_equal(root_parse(e), 0);
	assert_int_equal(e->info.hash_version, EXT4_HASH_HALF_MD4);
	assert_int_equal(e->info.indirect_levels, 1);
	assert_int_equal(e->node.count_offset, 32);
	assert_int_equal(e->node.limit, 123);
	assert_int_equal(e->node.count, 2);
	ext4_dx_entry(e->blk, BS, &e->node, 0, &hash, &block);
	assert_int_equal(hash, 0);
	assert_int_equal(block, 231);
	ext4_dx_entry(e->blk, BS, &e->node, 1, &hash, &block);
	assert_int_equal(hash, 0x8d229028u);
	assert_int_equal(block, 232);

	assert_int_equal(ext4_dx_csum_verify(&e->fs, seed, e->blk, BS, &e->node), 1);
	/* Bytes past count entries are not covered; the entries are. */
	e->blk[60] ^= 0xff;
	assert_int_equal(ext4_dx_csum_verify(&e->fs, seed, e->blk, BS, &e->node), 1);
	e->blk[40] ^= 0x01;
	assert_int_equal(ext4_dx_csum_verify(&e->fs, seed, e->blk, BS, &e->node), 0);
}

static void test_root_levels(void **state)
{
	struct env *e = *state;

	e->blk[24 + 6] = 3;
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	assert_non_null(strstr(e->why, "indirect_levels 3"));
	e->fs.sb.feature_incompat |= EXT4_FEATURE_INCOMPAT_LARGEDIR;
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	/* Two levels below the root only with largedir. */
	e->blk[24 + 6] = 2;
	assert_int_equal(root_parse(e), 0);
	e->fs.sb.feature_incompat &= ~EXT4_FEATURE_INCOMPAT_LARGEDIR;
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
}

static void test_root_count_limit(void **state)
{
	struct env *e = *state;

	put_le16(e->blk + 34, 124); /* count > limit 123 */
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	assert_non_null(strstr(e->why, "beyond limit"));
	put_le16(e->blk + 34, 0);
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	put_le16(e->blk + 34, 2);

	/* (1024 - 32 - 8) / 8 = 123 entries fit beside the dx tail; 124 without it. */
	put_le16(e->blk + 32, 124);
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	assert_non_null(strstr(e->why, "larger than the block holds"));
	e->fs.metadata_csum = false;
	e->fs.sb.feature_ro_compat = 0;
	assert_int_equal(root_parse(e), 0);
	put_le16(e->blk + 32, 125);
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	put_le16(e->blk + 32, 0xffff);
	put_le16(e->blk + 34, 0xfffe);
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
}

static void test_root_shape(void **state)
{
	struct env *e = *state;

	e->blk[24 + 5] = 9; /* info_length */
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	e->blk[24 + 5] = 8;
	e->blk[24 + 4] = 7; /* hash_version */
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	e->blk[24 + 4] = 1;
	e->blk[24] = 1; /* reserved_zero */
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	e->blk[24] = 0;
	put_le16(e->blk + 16, 1000); /* ".." does not reach the block end */
	assert_int_equal(root_parse(e), FSIMG_ECORRUPT);
	put_le16(e->blk + 16, 1012);
	assert_int_equal(root_parse(e), 0);
	/* A block of the wrong size is refused outright. */
	assert_int_equal(ext4_dx_root_parse(&e->fs, e->blk, 512, &e->info, &e->node, e->why,
					    sizeof(e->why)), FSIMG_ECORRUPT);
}

static void test_node(void **state)
{
	struct env *e = *state;
	uint32_t hash, block;

	memset(e->blk, 0, BS);
	put_le16(e->blk + 4, BS);          /* the fake entry's rec_len */
	put_le16(e->blk + 8, 126);         /* (1024 - 8 - 8) / 8 */
	put_le16(e->blk + 10, 2);
	put_le32(e->blk + 12, 0xf0000005); /* the top four bits are not the block */
	put_le32(e->blk + 16, 0x1000);
	put_le32(e->blk + 20, 6);
	assert_int_equal(ext4_dx_node_parse(&e->fs, e->blk, BS, &e->node, e->why, sizeof(e->why)), 0);
	assert_int_equal(e->node.count_offset, 8);
	ext4_dx_entry(e->blk, BS, &e->node, 0, &hash, &block);
	assert_int_equal(block, 5);
	ext4_dx_entry(e->blk, BS, &e->node, 1, &hash, &block);
	assert_int_equal(hash, 0x1000);
	assert_int_equal(block, 6);

	put_le16(e->blk + 8, 127);
	assert_int_equal(ext4_dx_node_parse(&e->fs, e->blk, BS, &e->node, e->why, sizeof(e->why)),
			 FSIMG_ECORRUPT);
	put_le16(e->blk + 8, 126);
	put_le16(e->blk + 4, BS - 12);
	assert_int_equal(ext4_dx_node_parse(&e->fs, e->blk, BS, &e->node, e->why, sizeof(e->why)),
			 FSIMG_ECORRUPT);
	put_le16(e->blk + 4, BS);
	put_le32(e->blk, 7); /* a live inode: a leaf, not a node */
	assert_int_equal(ext4_dx_node_parse(&e->fs, e->blk, BS, &e->node, e->why, sizeof(e->why)),
			 FSIMG_ECORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_seed_and_versions),
		cmocka_unit_test_setup_teardown(test_root_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_count_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
