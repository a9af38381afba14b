/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ext4 internals shared by the files of libfsimg/ext4: the filesystem handle,
 * bounded block reads, error and notice helpers, range predicates, and the
 * entry points one structure family offers the others.
 */
#ifndef FSIMG_EXT4_EXT4_H
#define FSIMG_EXT4_EXT4_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"
#include "core/cursor.h"
#include "ext4/format.h"

#define FSIMG_HIDDEN __attribute__((visibility("hidden")))

/* Walk bounds: a crafted image must not make a walk loop or grow without end. */
#define FSIMG_MAX_SYMLINK_FOLLOW 40
#define FSIMG_MAX_PATH_DEPTH 4096
#define FSIMG_MAX_DIR_BLOCKS (1u << 26)     /* largedir: 2^32 bytes / 64 B blocks */

struct fsimg_fs {
	fsimg_io *io;
	unsigned flags;
	struct fsimg_super sb;
	uint8_t raw_sb[EXT4_SUPER_SIZE];
	uint32_t block_size;
	unsigned log_block_size;     /* 10 .. 16 */
	uint64_t io_blocks;          /* whole blocks the source holds */

	/* group descriptors as on disk, desc_size bytes each, group_count of them */
	uint8_t *gdt;
	size_t gdt_len;
	uint8_t *gd_csum_state;      /* per group: enum fsimg_csum_state */

	/* checksums */
	bool metadata_csum;
	bool gdt_csum;               /* uninit_bg (crc16), without metadata_csum */
	uint32_t csum_seed;          /* crc32c(~0, uuid) or s_checksum_seed */

	/* errors and notices */
	char errmsg[256];
	fsimg_notice_fn notice;
	void *notice_ctx;
	uint64_t csum_errors;
};

/* Sets fs->errmsg from fmt and returns err (so: return fs_error(fs, ...)). */
FSIMG_HIDDEN int fs_error(struct fsimg_fs *fs, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A non-fatal finding: counted (checksums), passed to the notice callback. */
FSIMG_HIDDEN void fs_notice(struct fsimg_fs *fs, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Range predicates, in one place. Each includes the start + len overflow check. */
static inline bool fs_pblk_ok(const struct fsimg_fs *fs, fsimg_pblk_t blk)
{
	return blk >= fs->sb.first_data_block && blk < fs->sb.blocks_count;
}
static inline bool fs_pblk_range_ok(const struct fsimg_fs *fs, fsimg_pblk_t start, uint64_t len)
{
	return len > 0 && start + len > start && start >= fs->sb.first_data_block &&
	       start + len <= fs->sb.blocks_count;
}
static inline bool fs_ino_ok(const struct fsimg_fs *fs, fsimg_ino_t ino)
{
	return ino >= 1 && ino <= fs->sb.inodes_count;
}

/* Reads count whole blocks; FSIMG_ERANGE outside the filesystem, FSIMG_EIO past the source. */
FSIMG_HIDDEN int fs_read_blocks(struct fsimg_fs *fs, fsimg_pblk_t blk, uint64_t count, void *buf);
static inline int fs_read_block(struct fsimg_fs *fs, fsimg_pblk_t blk, void *buf)
{
	return fs_read_blocks(fs, blk, 1, buf);
}

/* A block-sized buffer; NULL when out of memory. Free with free(). */
FSIMG_HIDDEN void *fs_block_alloc(const struct fsimg_fs *fs);

/* Checksums (core/crc.c) and the metadata_csum form: crc32c(seed, ...). */
FSIMG_HIDDEN uint32_t ext4_csum(const struct fsimg_fs *fs, uint32_t seed, const void *buf, size_t len);

/* super.c */
FSIMG_HIDDEN int ext4_super_from_disk(struct fsimg_super *sb, const uint8_t *raw, size_t len,
				      char *why, size_t whylen);
FSIMG_HIDDEN bool ext4_group_has_super(const struct fsimg_super *sb, fsimg_group_t g);
FSIMG_HIDDEN uint32_t ext4_super_csum(const uint8_t *raw);

/* group.c */
FSIMG_HIDDEN int ext4_gdt_load(struct fsimg_fs *fs);
/* The group holding inode ino and its index in that group. */
static inline fsimg_group_t ext4_ino_group(const struct fsimg_fs *fs, fsimg_ino_t ino)
{
	return (ino - 1) / fs->sb.inodes_per_group;
}

/* inode.c: the raw on-disk record (inode_size bytes) of ino, and its location. */
FSIMG_HIDDEN int ext4_inode_read_raw(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t *buf, size_t buflen);
FSIMG_HIDDEN int ext4_inode_from_disk(struct fsimg_inode *out, const struct fsimg_fs *fs,
				      fsimg_ino_t ino, const uint8_t *raw, size_t len);
FSIMG_HIDDEN bool ext4_inode_csum_ok(const struct fsimg_fs *fs, fsimg_ino_t ino,
				     const uint8_t *raw, size_t len);
/* The per-inode checksum seed: crc32c(crc32c(fs seed, ino), generation). */
FSIMG_HIDDEN uint32_t ext4_inode_csum_seed(const struct fsimg_fs *fs, fsimg_ino_t ino, uint32_t gen);

/* xattr.c: a value in the inode body ("system.data" for inline data). */
FSIMG_HIDDEN int ext4_xattr_ibody_get(const struct fsimg_fs *fs, const uint8_t *raw, size_t len,
				      unsigned name_index, const char *name,
				      const uint8_t **value, size_t *value_len);

/* extent.c: checks one extent tree node (a block or i_block) the kernel's way. */
struct ext4_node_info {
	uint16_t entries, max, depth;
};
FSIMG_HIDDEN int ext4_ext_node_check(struct fsimg_fs *fs, const uint8_t *node, size_t len,
				     int want_depth, struct ext4_node_info *info, const char **why);

/* inline.c: size of the inline data (i_block part + system.data) and a copy of it. */
FSIMG_HIDDEN int ext4_inline_get(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t **data, size_t *len);

#endif /* FSIMG_EXT4_EXT4_H */
