/*
 * Inodes: ext4_inode_from_disk on inline records (i_extra_isize past the
 * record, unaligned, exact; huge_file units), the metadata_csum inode
 * checksum, fsimg_inode_read / fsimg_inode_in_use over a memory image, and
 * in-inode extended attributes with hostile offsets and sizes.
 */
#include "fixture.h"

#include "ext4/ext4.h"

#define DI(field) offsetof(struct ext4_dinode, field)
#define XE(field) offsetof(struct ext4_dxattr_entry, field)

static void stub_fs(struct fsimg_fs *fs, unsigned log_block_size)
{
	memset(fs, 0, sizeof(*fs));
	fs->be = &fsimg_backend_ext4;
	fs->log_block_size = log_block_size;
	fs->block_size = 1u << log_block_size;
	fs->sb.block_size = fs->block_size;
	fs->sb.log_block_size = log_block_size - 10;
	fs->sb.inode_size = 256;
}

static void mk_inode(uint8_t *raw, size_t len, uint16_t extra)
{
	size_t i;

	memset(raw, 0, len);
	put_le16(raw + DI(i_mode), 0x81a4); /* regular, 0644 */
	put_le16(raw + DI(i_uid), 0x1234);
	put_le16(raw + DI(l_i_uid_high), 0x0001);
	put_le16(raw + DI(i_gid), 0x5678);
	put_le16(raw + DI(l_i_gid_high), 0x0002);
	put_le32(raw + DI(i_size_lo), 0x89abcdefu);
	put_le32(raw + DI(i_size_high), 0x3);
	put_le32(raw + DI(i_atime), 1000);
	put_le32(raw + DI(i_ctime), 1001);
	put_le32(raw + DI(i_mtime), 1002);
	put_le16(raw + DI(i_links_count), 1);
	put_le32(raw + DI(i_blocks_lo), 8);
	put_le16(raw + DI(l_i_blocks_high), 1);
	put_le32(raw + DI(i_flags), EXT4_EXTENTS_FL);
	put_le32(raw + DI(l_i_version), 77);
	for (i = 0; i < 60; i++)
		raw[DI(i_block) + i] = (uint8_t)(i + 1);
	put_le32(raw + DI(i_generation), 0xdeadbeefu);
	put_le32(raw + DI(i_file_acl_lo), 500);
	put_le16(raw + DI(l_i_file_acl_high), 1);
	put_le16(raw + DI(l_i_checksum_lo), 0x1111);
	if (len > EXT4_GOOD_OLD_INODE_SIZE) {
		put_le16(raw + DI(i_extra_isize), extra);
		put_le16(raw + DI(i_checksum_hi), 0x2222);
		put_le32(raw + DI(i_ctime_extra), 11);
		put_le32(raw + DI(i_mtime_extra), 12);
		put_le32(raw + DI(i_atime_extra), 13);
		put_le32(raw + DI(i_crtime), 2000);
		put_le32(raw + DI(i_crtime_extra), 14);
		put_le32(raw + DI(i_version_hi), 78);
		put_le32(raw + DI(i_projid), 42);
	}
}

static void test_from_disk_fields(void **state)
{
	struct fsimg_fs fs;
	struct fsimg_inode in;
	uint8_t raw[256];
	size_t i;

	(void)state;
	stub_fs(&fs, 10);
	mk_inode(raw, sizeof(raw), 32);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.ino, 12);
	assert_int_equal(in.mode, 0x81a4);
	assert_int_equal(in.uid, 0x11234);
	assert_int_equal(in.gid, 0x25678);
	assert_true(in.size == 0x389abcdefull);
	assert_int_equal(in.links_count, 1);
	assert_int_equal(in.flags, EXT4_EXTENTS_FL);
	assert_int_equal(in.generation, 0xdeadbeefu);
	assert_int_equal(in.version, 77);
	assert_int_equal(in.inode_size, 256);
	for (i = 0; i < 60; i++)
		assert_int_equal(in.i_block[i], i + 1);
	/* The acl high half needs 64bit. */
	assert_true(in.file_acl == 500);
	fs.sb.feature_incompat = EXT4_FEATURE_INCOMPAT_64BIT;
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_true(in.file_acl == (1ull << 32) + 500);

	assert_int_equal(in.extra_isize, 32);
	assert_int_equal(in.checksum, 0x22221111u);
	assert_int_equal(in.ctime_extra, 11);
	assert_int_equal(in.mtime_extra, 12);
	assert_int_equal(in.atime_extra, 13);
	assert_int_equal(in.crtime, 2000);
	assert_int_equal(in.crtime_extra, 14);
	assert_int_equal(in.projid, 42);
}

static void test_extra_isize(void **state)
{
	struct fsimg_fs fs;
	struct fsimg_inode in;
	uint8_t raw[256];

	(void)state;
	stub_fs(&fs, 10);

	/* Past the record: ignored, no extra field is read. */
	mk_inode(raw, sizeof(raw), 132);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.extra_isize, 0);
	assert_int_equal(in.checksum, 0x1111);
	assert_int_equal(in.crtime, 0);
	assert_int_equal(in.projid, 0);

	/* Not a multiple of 4: ignored likewise. */
	mk_inode(raw, sizeof(raw), 30);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.extra_isize, 0);
	assert_int_equal(in.ctime_extra, 0);
	mk_inode(raw, sizeof(raw), 7);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.extra_isize, 0);

	/* Exactly the whole record. */
	mk_inode(raw, sizeof(raw), 128);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.extra_isize, 128);
	assert_int_equal(in.projid, 42);

	/* Each field only once it is covered. */
	mk_inode(raw, sizeof(raw), 4);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.checksum, 0x22221111u);
	assert_int_equal(in.ctime_extra, 0);
	mk_inode(raw, sizeof(raw), 8);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.ctime_extra, 11);
	assert_int_equal(in.mtime_extra, 0);
	mk_inode(raw, sizeof(raw), 28);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_int_equal(in.crtime_extra, 14);
	assert_int_equal(in.projid, 0);

	/* A 128-byte record has no extra part at all. */
	mk_inode(raw, 128, 0);
	put_le16(raw + DI(i_extra_isize), 32); /* beyond the record: never read */
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, 128), 0);
	assert_int_equal(in.extra_isize, 0);
	assert_int_equal(in.checksum, 0x1111);

	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, 127), FSIMG_ECORRUPT);
}

static void test_huge_file_units(void **state)
{
	struct fsimg_fs fs;
	struct fsimg_inode in;
	uint8_t raw[256];

	(void)state;
	stub_fs(&fs, 12);
	mk_inode(raw, sizeof(raw), 32);

	/* Without huge_file: i_blocks_lo alone, in 512-byte units. */
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_true(in.blocks == 8);
	assert_true(in.blocks_raw == (1ull << 32) + 8);

	fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_HUGE_FILE;
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_true(in.blocks == (1ull << 32) + 8);

	/* HUGE_FILE_FL: counted in filesystem blocks (4 KiB = 8 sectors). */
	put_le32(raw + DI(i_flags), EXT4_EXTENTS_FL | EXT4_HUGE_FILE_FL);
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_true(in.blocks == ((1ull << 32) + 8) * 8);
	assert_true(in.blocks_raw == (1ull << 32) + 8);

	stub_fs(&fs, 10);
	fs.sb.feature_ro_compat = EXT4_FEATURE_RO_COMPAT_HUGE_FILE;
	assert_int_equal(ext4_inode_from_disk(&in, &fs, 12, raw, sizeof(raw)), 0);
	assert_true(in.blocks == ((1ull << 32) + 8) * 2);
}

/* ---------------------------------------------------------- checksums */

/* The checksum as the kernel computes it, written independently of inode.c. */
static uint32_t ref_inode_csum(uint32_t fs_seed, uint32_t ino, const uint8_t *raw, size_t len,
			       bool full)
{
	uint8_t copy[1024], le[4];
	uint32_t crc;

	memcpy(copy, raw, len);
	put_le16(copy + DI(l_i_checksum_lo), 0);
	if (full)
		put_le16(copy + DI(i_checksum_hi), 0);
	put_le32(le, ino);
	crc = fsimg_crc32c(fs_seed, le, 4);
	memcpy(le, raw + DI(i_generation), 4);
	crc = fsimg_crc32c(crc, le, 4);
	crc = fsimg_crc32c(crc, copy, len);
	return full ? crc : crc & 0xFFFF;
}

static void store_csum(uint8_t *raw, uint32_t csum, bool full)
{
	put_le16(raw + DI(l_i_checksum_lo), (uint16_t)csum);
	if (full)
		put_le16(raw + DI(i_checksum_hi), (uint16_t)(csum >> 16));
}

static void test_inode_csum(void **state)
{
	struct fsimg_fs fs;
	uint8_t raw[256];
	uint32_t csum;

	(void)state;
	stub_fs(&fs, 10);
	fs.metadata_csum = true;
	fs.csum_seed = 0x12345678u;

	mk_inode(raw, sizeof(raw), 32);
	csum = ref_inode_csum(fs.csum_seed, 12, raw, sizeof(raw), true);
	store_csum(raw, csum, true);
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
	/* The seed binds the inode number. */
	assert_false(ext4_inode_csum_ok(&fs, 13, raw, sizeof(raw)));
	raw[DI(i_size_lo)] ^= 1;
	assert_false(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
	raw[DI(i_size_lo)] ^= 1;
	raw[255] ^= 0x80; /* the checksum covers the whole record, not just the core */
	assert_false(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
	raw[255] ^= 0x80;
	store_csum(raw, csum ^ 0x10000, true); /* the high half counts */
	assert_false(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));

	/* extra_isize 0: i_checksum_hi is inode data, 16 bits compare. */
	mk_inode(raw, sizeof(raw), 0);
	csum = ref_inode_csum(fs.csum_seed, 12, raw, sizeof(raw), false);
	store_csum(raw, csum, false);
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
	raw[DI(i_checksum_hi)] ^= 1;
	assert_false(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));

	/* extra_isize 6, unusable (not a multiple of 4) but reaching past i_checksum_hi: the high
	 * half is summed and compared, as e2fsprogs' ext2fs_inode_csum_verify does (the kernel
	 * refuses the inode for its i_extra_isize before it looks at the sum) */
	mk_inode(raw, sizeof(raw), 6);
	csum = ref_inode_csum(fs.csum_seed, 12, raw, sizeof(raw), true);
	store_csum(raw, csum, true);
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
	store_csum(raw, csum ^ 0x10000, true);
	assert_false(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));

	/* 128-byte records: low 16 bits. */
	mk_inode(raw, 128, 0);
	csum = ref_inode_csum(fs.csum_seed, 12, raw, 128, false);
	store_csum(raw, csum, false);
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, 128));

	/* A never-written inode (all zeros) passes, as in e2fsprogs. */
	memset(raw, 0, sizeof(raw));
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));

	/* No metadata_csum: nothing to verify. */
	fs.metadata_csum = false;
	raw[0] = 1;
	assert_true(ext4_inode_csum_ok(&fs, 12, raw, sizeof(raw)));
}

static void test_inode_csum_seed(void **state)
{
	struct fsimg_fs fs;
	uint8_t le[4];
	uint32_t want;

	(void)state;
	stub_fs(&fs, 10);
	fs.csum_seed = 0xabcdef01u;
	put_le32(le, 99);
	want = fsimg_crc32c(fs.csum_seed, le, 4);
	put_le32(le, 7);
	want = fsimg_crc32c(want, le, 4);
	assert_int_equal(ext4_inode_csum_seed(&fs, 99, 7), want);
}

/* ------------------------------------------- over a memory filesystem */

#define BS 1024u
#define IMG_BLOCKS 64u
#define ITABLE 5u

struct notes {
	int csum;
	int corrupt;
};

static void count_notice(void *ctx, int err, const char *msg)
{
	struct notes *n = ctx;

	(void)msg;
	if (err == FSIMG_ECSUM)
		n->csum++;
	else
		n->corrupt++;
}

/*
 * One group of 1 KiB blocks with metadata_csum: 16 inodes of 256 bytes in a
 * 4-block table at block 5; inodes 1..11 marked in use in the bitmap.
 */
static uint8_t *mk_image(uint16_t bg_flags)
{
	uint8_t *img = calloc(IMG_BLOCKS, BS);
	uint8_t *sb = img + EXT4_SUPER_OFFSET, *gd = img + 2 * BS;
	uint8_t le[4];
	uint32_t seed, crc;
	unsigned ino;

	assert_non_null(img);
	put_le32(sb + offsetof(struct ext4_dsuper, s_inodes_count), 16);
	put_le32(sb + offsetof(struct ext4_dsuper, s_blocks_count_lo), IMG_BLOCKS);
	put_le32(sb + offsetof(struct ext4_dsuper, s_first_data_block), 1);
	put_le32(sb + offsetof(struct ext4_dsuper, s_blocks_per_group), 8192);
	put_le32(sb + offsetof(struct ext4_dsuper, s_clusters_per_group), 8192);
	put_le32(sb + offsetof(struct ext4_dsuper, s_inodes_per_group), 16);
	put_le16(sb + offsetof(struct ext4_dsuper, s_magic), EXT4_SUPER_MAGIC);
	put_le32(sb + offsetof(struct ext4_dsuper, s_rev_level), 1);
	put_le32(sb + offsetof(struct ext4_dsuper, s_first_ino), 11);
	put_le16(sb + offsetof(struct ext4_dsuper, s_inode_size), 256);
	put_le32(sb + offsetof(struct ext4_dsuper, s_feature_ro_compat),
		 EXT4_FEATURE_RO_COMPAT_METADATA_CSUM | EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE);
	sb[offsetof(struct ext4_dsuper, s_checksum_type)] = EXT4_CRC32C_CHKSUM;
	memcpy(sb + offsetof(struct ext4_dsuper, s_uuid), "0123456789abcdef", 16);
	put_le32(sb + offsetof(struct ext4_dsuper, s_checksum),
		 fsimg_crc32c(~0u, sb, offsetof(struct ext4_dsuper, s_checksum)));
	seed = fsimg_crc32c(~0u, "0123456789abcdef", 16);

	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_block_bitmap_lo), 3);
	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_inode_bitmap_lo), 4);
	put_le32(gd + offsetof(struct ext4_dgroup_desc, bg_inode_table_lo), ITABLE);
	put_le16(gd + offsetof(struct ext4_dgroup_desc, bg_flags), bg_flags);
	put_le32(le, 0);
	crc = fsimg_crc32c(fsimg_crc32c(seed, le, 4), gd, 32);
	put_le16(gd + offsetof(struct ext4_dgroup_desc, bg_checksum), (uint16_t)crc);

	img[4 * BS] = 0xff;     /* inodes 1..8 */
	img[4 * BS + 1] = 0x07; /* 9..11 */

	for (ino = 2; ino <= 16; ino += 9) { /* 2 and 11 */
		uint8_t *raw = img + ITABLE * BS + (ino - 1) * 256;

		mk_inode(raw, 256, 32);
		store_csum(raw, ref_inode_csum(seed, ino, raw, 256, true), true);
	}
	return img;
}

static void test_inode_read(void **state)
{
	uint8_t *img = mk_image(0);
	struct notes notes = { 0, 0 };
	struct fsimg_inode in;
	fsimg_fs *fs;
	fsimg_io *io;
	char err[256];

	(void)state;
	assert_int_equal(fsimg_io_open_mem(&io, img, IMG_BLOCKS * BS), 0);
	assert_int_equal(fsimg_fs_open(&fs, io, 0, err, sizeof(err)), 0);
	assert_int_equal(fsimg_fs_csum_errors(fs), 0);
	fsimg_fs_set_notice(fs, count_notice, &notes);

	assert_int_equal(fsimg_inode_read(&in, fs, 2), 0);
	assert_int_equal(in.csum_state, FSIMG_CSUM_OK);
	assert_int_equal(in.mode, 0x81a4);
	assert_int_equal(fsimg_inode_read(&in, fs, 11), 0);
	assert_int_equal(in.csum_state, FSIMG_CSUM_OK);
	assert_int_equal(fsimg_inode_read(&in, fs, 12), 0); /* zeroed: passes */
	assert_int_equal(in.csum_state, FSIMG_CSUM_OK);
	assert_int_equal(notes.csum, 0);

	assert_int_equal(fsimg_inode_read(&in, fs, 0), FSIMG_ERANGE);
	assert_int_equal(fsimg_inode_read(&in, fs, 17), FSIMG_ERANGE);

	/* A bad checksum is reported, never fatal. */
	img[ITABLE * BS + 10 * 256 + DI(i_mtime)] ^= 1;
	assert_int_equal(fsimg_inode_read(&in, fs, 11), 0);
	assert_int_equal(in.csum_state, FSIMG_CSUM_BAD);
	assert_int_equal(notes.csum, 1);
	assert_int_equal(fsimg_fs_csum_errors(fs), 1);

	/* An unusable i_extra_isize is noted. */
	put_le16(img + ITABLE * BS + 10 * 256 + DI(i_extra_isize), 130);
	assert_int_equal(fsimg_inode_read(&in, fs, 11), 0);
	assert_int_equal(in.extra_isize, 0);
	assert_int_equal(notes.corrupt, 1);

	assert_int_equal(fsimg_inode_in_use(fs, 2), 1);
	assert_int_equal(fsimg_inode_in_use(fs, 11), 1);
	assert_int_equal(fsimg_inode_in_use(fs, 12), 0);
	assert_int_equal(fsimg_inode_in_use(fs, 16), 0);
	assert_int_equal(fsimg_inode_in_use(fs, 0), FSIMG_ERANGE);
	assert_int_equal(fsimg_inode_in_use(fs, 17), FSIMG_ERANGE);

	/* An inode table pointing outside the filesystem is refused. */
	put_le32(img + 2 * BS + offsetof(struct ext4_dgroup_desc, bg_inode_table_lo), IMG_BLOCKS - 2);
	fsimg_fs_close(fs);
	assert_int_equal(fsimg_fs_open(&fs, io, FSIMG_OPEN_NO_CSUM_VERIFY, err, sizeof(err)), 0);
	assert_int_equal(fsimg_inode_read(&in, fs, 2), FSIMG_ECORRUPT);

	fsimg_fs_close(fs);
	fsimg_io_close(io);
	free(img);
}

/*
 * The neutral calls over the same filesystem: what fsimg_stat and
 * fsimg_inodes say must be what the bytes written above say.
 */
static void test_neutral_stat_and_inodes(void **state)
{
	uint8_t *img = mk_image(0);
	struct fsimg_fs_info info;
	struct fsimg_stat st;
	fsimg_inodes *it;
	fsimg_inum_t ino, want;
	fsimg_fs *fs;
	fsimg_io *io;
	char err[256];
	int r;

	(void)state;
	assert_int_equal(fsimg_io_open_mem(&io, img, IMG_BLOCKS * BS), 0);
	assert_int_equal(fsimg_fs_open(&fs, io, 0, err, sizeof(err)), 0);

	assert_int_equal(fsimg_fs_info(&info, fs), 0);
	assert_string_equal(info.backend, "ext4");
	assert_string_equal(info.type, fsimg_fs_type(fs));
	assert_int_equal(info.block_size, BS);
	assert_int_equal(info.blocks, IMG_BLOCKS);
	assert_int_equal(info.inodes, 16);
	assert_int_equal(info.max_ino, 17);
	assert_int_equal(info.root_ino, 2);
	assert_int_equal(info.inode_size, 256);
	assert_memory_equal(info.uuid, "0123456789abcdef", 16);
	assert_int_equal(info.forks, 1u << FSIMG_FORK_DATA);
	assert_int_equal(info.block_extras, 0);
	assert_int_equal(info.nfeatures, 2);
	assert_string_equal(info.features[0], "extra_isize");
	assert_string_equal(info.features[1], "metadata_csum");
	assert_int_equal(info.super_csum, FSIMG_CSUM_OK);

	assert_int_equal(fsimg_stat(&st, fs, 11), 0);
	assert_int_equal(st.ino, 11);
	assert_int_equal(st.type, FSIMG_FT_REG);
	assert_int_equal(st.mode, 0x81a4);
	assert_int_equal(st.uid, 0x11234);
	assert_int_equal(st.gid, 0x25678);
	assert_int_equal(st.size, 0x389abcdefull);
	assert_int_equal(st.links, 1);
	/* The kernel's ext4_decode_extra_time: 2 epoch bits, then nanoseconds. */
	assert_int_equal(st.atime.sec, 1000 + (1ll << 32)); /* extra 13: epoch 1, 3 ns */
	assert_int_equal(st.atime.nsec, 3);
	assert_int_equal(st.ctime.sec, 1001 + (3ll << 32)); /* extra 11: epoch 3, 2 ns */
	assert_int_equal(st.ctime.nsec, 2);
	assert_int_equal(st.mtime.sec, 1002);               /* extra 12: epoch 0, 3 ns */
	assert_int_equal(st.mtime.nsec, 3);
	assert_int_equal(st.crtime.sec, 2000 + (2ll << 32)); /* extra 14: epoch 2, 3 ns */
	assert_int_equal(st.crtime.nsec, 3);
	assert_int_equal(st.generation, 0xdeadbeefu);
	assert_int_equal(st.raw_flags, EXT4_EXTENTS_FL);
	assert_int_equal(st.nflags, 1);
	assert_string_equal(st.flags[0], "extents");
	assert_int_equal(st.unknown_flags, 0);
	assert_int_equal(st.csum_state, FSIMG_CSUM_OK);
	/* 64-bit numbers an ext4 inode cannot have are out of range, not truncated. */
	assert_int_equal(fsimg_stat(&st, fs, (1ull << 32) + 11), FSIMG_ERANGE);
	assert_int_equal(fsimg_stat(&st, fs, 17), FSIMG_ERANGE);

	/* In use per the bitmap: 1..11, in order. */
	assert_int_equal(fsimg_inodes_open(&it, fs), 0);
	for (want = 1; (r = fsimg_inodes_next(it, &ino)) == 1; want++)
		assert_int_equal(ino, want);
	assert_int_equal(r, 0);
	assert_int_equal(want, 12);
	fsimg_inodes_close(it);

	/* ext4 has no attr or cow fork: no runs, not an error. */
	{
		struct fsimg_run run;
		fsimg_map *m;

		assert_int_equal(fsimg_map_open_fork(&m, fs, 11, FSIMG_FORK_COW, 0), 0);
		assert_int_equal(fsimg_map_next(m, &run), 0);
		fsimg_map_close(m);
		assert_int_equal(fsimg_map_open_fork(&m, fs, 11, (enum fsimg_fork)7, 0), FSIMG_EINVAL);
	}
	{
		struct fsimg_block_extra ex[FSIMG_BLOCK_EXTRA_MAX];
		assert_int_equal(fsimg_block_extras(ex, FSIMG_BLOCK_EXTRA_MAX, fs, 10), 0);
	}

	fsimg_fs_close(fs);
	fsimg_io_close(io);
	free(img);
}

/* A group whose descriptor says INODE_UNINIT offers no inode to the sweep. */
static void test_neutral_inodes_uninit(void **state)
{
	uint8_t *img = mk_image(EXT4_BG_INODE_UNINIT);
	fsimg_inodes *it;
	fsimg_inum_t ino;
	fsimg_fs *fs;
	fsimg_io *io;
	char err[256];

	(void)state;
	assert_int_equal(fsimg_io_open_mem(&io, img, IMG_BLOCKS * BS), 0);
	assert_int_equal(fsimg_fs_open(&fs, io, FSIMG_OPEN_NO_CSUM_VERIFY, err, sizeof(err)), 0);
	assert_int_equal(fsimg_inodes_open(&it, fs), 0);
	assert_int_equal(fsimg_inodes_next(it, &ino), 0);
	fsimg_inodes_close(it);
	fsimg_fs_close(fs);
	fsimg_io_close(io);
	free(img);
}

static void test_inode_uninit_group(void **state)
{
	uint8_t *img = mk_image(EXT4_BG_INODE_UNINIT);
	fsimg_fs *fs;
	fsimg_io *io;
	char err[256];

	(void)state;
	assert_int_equal(fsimg_io_open_mem(&io, img, IMG_BLOCKS * BS), 0);
	assert_int_equal(fsimg_fs_open(&fs, io, 0, err, sizeof(err)), 0);
	assert_int_equal(fsimg_fs_csum_errors(fs), 0);
	assert_int_equal(fsimg_inode_in_use(fs, 2), 0);
	fsimg_fs_close(fs);
	fsimg_io_close(io);
	free(img);
}

static void test_mode_to_ftype(void **state)
{
	(void)state;
	assert_int_equal(fsimg_mode_to_ftype(0100644), EXT4_FT_REG_FILE);
	assert_int_equal(fsimg_mode_to_ftype(040755), EXT4_FT_DIR);
	assert_int_equal(fsimg_mode_to_ftype(020600), EXT4_FT_CHRDEV);
	assert_int_equal(fsimg_mode_to_ftype(060600), EXT4_FT_BLKDEV);
	assert_int_equal(fsimg_mode_to_ftype(010600), EXT4_FT_FIFO);
	assert_int_equal(fsimg_mode_to_ftype(0140755), EXT4_FT_SOCK);
	assert_int_equal(fsimg_mode_to_ftype(0120777), EXT4_FT_SYMLINK);
	assert_int_equal(fsimg_mode_to_ftype(0), EXT4_FT_UNKNOWN);
	assert_int_equal(fsimg_mode_to_ftype(0170000), EXT4_FT_UNKNOWN);
}

/* ------------------------------------------------------ in-inode xattrs */

#define EA_START (EXT4_GOOD_OLD_INODE_SIZE + 32)
#define EA_FIRST (EA_START + 4)

/* Entry i at off: name, index, value offset (from the first entry) and size. */
static size_t put_entry(uint8_t *raw, size_t off, uint8_t index, const char *name,
			uint16_t value_offs, uint32_t value_size)
{
	size_t n = strlen(name);

	raw[off + XE(e_name_len)] = (uint8_t)n;
	raw[off + XE(e_name_index)] = index;
	put_le16(raw + off + XE(e_value_offs), value_offs);
	put_le32(raw + off + XE(e_value_inum), 0);
	put_le32(raw + off + XE(e_value_size), value_size);
	memcpy(raw + off + sizeof(struct ext4_dxattr_entry), name, n);
	return off + EXT4_XATTR_LEN(n);
}

/* Two entries ("system.data" = 10 bytes, "user.foo" = "bar"), then the end marker. */
static void mk_ea_inode(uint8_t *raw)
{
	size_t off;

	mk_inode(raw, 256, 32);
	put_le32(raw + EA_START, EXT4_XATTR_MAGIC);
	off = put_entry(raw, EA_FIRST, EXT4_XATTR_INDEX_SYSTEM, "data", 60, 10);
	off = put_entry(raw, off, 1, "foo", 72, 3);
	put_le32(raw + off, 0);
	memcpy(raw + EA_FIRST + 60, "0123456789", 10);
	memcpy(raw + EA_FIRST + 72, "bar", 3);
}

static int ea_get(const uint8_t *raw, size_t len, unsigned index, const char *name,
		  const uint8_t **v, size_t *vl)
{
	struct fsimg_fs fs;

	stub_fs(&fs, 10);
	return ext4_xattr_ibody_get(&fs, raw, len, index, name, v, vl);
}

static void test_xattr_found(void **state)
{
	uint8_t raw[256];
	const uint8_t *v;
	size_t vl;

	(void)state;
	mk_ea_inode(raw);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), 0);
	assert_int_equal(vl, 10);
	assert_memory_equal(v, "0123456789", 10);
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), 0);
	assert_int_equal(vl, 3);
	assert_memory_equal(v, "bar", 3);

	/* Index and name both have to match. */
	assert_int_equal(ea_get(raw, 256, 1, "data", &v, &vl), FSIMG_ENOENT);
	assert_int_equal(ea_get(raw, 256, 1, "fo", &v, &vl), FSIMG_ENOENT);
	assert_int_equal(ea_get(raw, 256, 1, "fooo", &v, &vl), FSIMG_ENOENT);
	assert_null(v);
	assert_int_equal(vl, 0);
}

static void test_xattr_absent(void **state)
{
	uint8_t raw[256];
	const uint8_t *v;
	size_t vl;

	(void)state;
	mk_ea_inode(raw);
	put_le32(raw + EA_START, 0); /* no magic: no EA area */
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ENOENT);

	mk_ea_inode(raw);
	assert_int_equal(ea_get(raw, 128, 1, "foo", &v, &vl), FSIMG_ENOENT);
	put_le16(raw + DI(i_extra_isize), 200); /* past the record */
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ENOENT);
	put_le16(raw + DI(i_extra_isize), 126); /* leaves no room for the magic */
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ENOENT);
	put_le16(raw + DI(i_extra_isize), 33); /* unaligned */
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ENOENT);
}

static void test_xattr_hostile(void **state)
{
	uint8_t raw[256];
	const uint8_t *v;
	size_t vl, off;

	(void)state;
	/* Value offset past the inode. */
	mk_ea_inode(raw);
	put_le16(raw + EA_FIRST + XE(e_value_offs), 256);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), FSIMG_ECORRUPT);

	/* Value ending one byte past the inode, and a size that would wrap. */
	mk_ea_inode(raw);
	put_le32(raw + EA_FIRST + XE(e_value_size), 256 - EA_FIRST - 60 + 1);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), FSIMG_ECORRUPT);
	put_le32(raw + EA_FIRST + XE(e_value_size), 256 - EA_FIRST - 60);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), 0);
	assert_true(v + vl == raw + 256);
	put_le32(raw + EA_FIRST + XE(e_value_size), 0xffffffffu);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), FSIMG_ECORRUPT);

	/* A bad entry before the wanted one stops the walk. */
	mk_ea_inode(raw);
	put_le16(raw + EA_FIRST + XE(e_value_offs), 0xffff);
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ECORRUPT);

	/* A name running past the inode. */
	mk_ea_inode(raw);
	raw[EA_FIRST + XE(e_name_len)] = 255;
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ECORRUPT);

	/* Entries filling the record exactly, leaving no room for the end marker. */
	mk_ea_inode(raw);
	for (off = EA_FIRST; off < EA_FIRST + 64; off += 16)
		put_entry(raw, off, 2, "", 0, 0);
	off = put_entry(raw, off, 2, "twelve_bytes", 0, 0);
	assert_int_equal(off, 256);
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ECORRUPT);

	/* An entry header cut by the end of the record. */
	mk_ea_inode(raw);
	for (off = EA_FIRST; off + 16 <= 248; off += 16)
		put_entry(raw, off, 2, "", 0, 0);
	memset(raw + off, 0xff, 256 - off);
	assert_int_equal(ea_get(raw, 256, 1, "foo", &v, &vl), FSIMG_ECORRUPT);

	/* ea_inode values live elsewhere. */
	mk_ea_inode(raw);
	put_le32(raw + EA_FIRST + XE(e_value_inum), 12);
	assert_int_equal(ea_get(raw, 256, EXT4_XATTR_INDEX_SYSTEM, "data", &v, &vl), FSIMG_EUNSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_disk_fields),
		cmocka_unit_test(test_extra_isize),
		cmocka_unit_test(test_huge_file_units),
		cmocka_unit_test(test_inode_csum),
		cmocka_unit_test(test_inode_csum_seed),
		cmocka_unit_test(test_inode_read),
		cmocka_unit_test(test_inode_uninit_group),
		cmocka_unit_test(test_neutral_stat_and_inodes),
		cmocka_unit_test(test_neutral_inodes_uninit),
		cmocka_unit_test(test_mode_to_ftype),
		cmocka_unit_test(test_xattr_found),
		cmocka_unit_test(test_xattr_absent),
		cmocka_unit_test(test_xattr_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
