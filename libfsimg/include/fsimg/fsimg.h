/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: read-only parsing of filesystem images (ext2/3/4 first).
 *
 * Conventions (see libfsimg(3)):
 *  - Functions return 0 (or a positive count where documented) on success and
 *    a negative FSIMG_E* code on failure. fsimg_strerror() gives the text,
 *    fsimg_fs_errmsg() the last detailed message kept by a filesystem handle.
 *  - Handles are opaque; results are plain structs in host byte order.
 *  - Out parameters come first.
 *  - The library never writes to an image, never prints and never exits.
 */
#ifndef FSIMG_FSIMG_H
#define FSIMG_FSIMG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define FSIMG_API __attribute__((visibility("default")))
#else
#define FSIMG_API
#endif

/* ---------------------------------------------------------------- errors */

enum fsimg_error {
	FSIMG_OK = 0,
	FSIMG_ECORRUPT = -1,   /* a structure is not valid */
	FSIMG_ECSUM = -2,      /* a checksum does not match */
	FSIMG_EUNSUPP = -3,    /* a feature or filesystem we do not read */
	FSIMG_EIO = -4,        /* the source could not be read (short read) */
	FSIMG_ENOMEM = -5,     /* out of memory, or a bound on memory was hit */
	FSIMG_EINVAL = -6,     /* a bad argument from the caller */
	FSIMG_ENOENT = -7,     /* no such file or directory */
	FSIMG_ENOTDIR = -8,    /* a path component is not a directory */
	FSIMG_ENOFS = -9,      /* no filesystem found at all */
	FSIMG_ELOOP = -10,     /* a walk exceeded its bound (loop or too deep) */
	FSIMG_ERANGE = -11,    /* a number is out of its valid range */
	FSIMG_ENOTSUP_OP = -12 /* the operation does not apply (e.g. not a regular file) */
};

FSIMG_API const char *fsimg_strerror(int err);

/* Address spaces, named apart so that signatures say which is meant. */
typedef uint64_t fsimg_pblk_t;  /* physical block number in the filesystem */
typedef uint64_t fsimg_lblk_t;  /* logical block number inside a file */
typedef uint32_t fsimg_ino_t;   /* inode number, 1-based */
typedef uint32_t fsimg_group_t; /* block group number */

/* ------------------------------------------------------------------- I/O */

/*
 * A read-only byte source. Backends: a file (pread), a caller's memory buffer
 * (for fuzzing), a read cache, the journal overlay. fsimg_io_read returns 0
 * when all len bytes were read, FSIMG_EIO on a short read or error.
 */
typedef struct fsimg_io fsimg_io;

struct fsimg_io_ops {
	int (*read)(void *priv, void *buf, size_t len, uint64_t off);
	uint64_t (*size)(void *priv);
	/*
	 * A file descriptor for probing (libblkid), or -1. Never a way to the
	 * source's bytes: a source at an offset in its file (a partition, a
	 * container) has other bytes there. Read through read or pread.
	 */
	int (*fd)(void *priv);
	void (*close)(void *priv);
	/*
	 * Optional (NULL: none). The same bytes as read, at the same offsets,
	 * but safe to call from several threads at once (no shared cursor,
	 * no shared buffer) and uncached: for the scans that read many blocks
	 * once, in parallel (the journal's data checksums, the checker's inode
	 * tables). A wrapper at an offset adds its offset, as read does.
	 * Called with len 0 to ask whether it works: 0, or FSIMG_ENOTSUP_OP
	 * (a wrapper over a source without one).
	 */
	int (*pread)(void *priv, void *buf, size_t len, uint64_t off);
};

FSIMG_API int fsimg_io_open_file(fsimg_io **out, const char *path);
FSIMG_API int fsimg_io_open_mem(fsimg_io **out, const void *buf, size_t len);
FSIMG_API int fsimg_io_open_ops(fsimg_io **out, const struct fsimg_io_ops *ops, void *priv);
/*
 * A bounded read cache over inner (which it then owns and closes): aligned
 * chunks of chunk_size bytes (a power of two, 512 B .. 16 MiB), nchunks of
 * them at most, least recently used replaced. For walks over a whole
 * filesystem, which read many small records.
 */
FSIMG_API int fsimg_io_open_cache(fsimg_io **out, fsimg_io *inner, size_t chunk_size,
				  unsigned nchunks);
FSIMG_API int fsimg_io_read(fsimg_io *io, void *buf, size_t len, uint64_t off);
/*
 * The source's bytes as fsimg_io_read gives them, through its pread op:
 * safe from several threads at once, and past any read cache (a cache
 * passes it to its inner source). FSIMG_ENOTSUP_OP when the source has no
 * pread (then serialise fsimg_io_read); a call with len 0 asks which.
 */
FSIMG_API int fsimg_io_pread(fsimg_io *io, void *buf, size_t len, uint64_t off);
/* A file descriptor for probing (libblkid), or -1: not for reading the source's bytes. */
FSIMG_API int fsimg_io_fd(const fsimg_io *io);
FSIMG_API uint64_t fsimg_io_size(const fsimg_io *io);
FSIMG_API void fsimg_io_close(fsimg_io *io);

/* -------------------------------------------------------------- probing */

/*
 * Names what the source holds: "ext2", "ext3", "ext4", "jbd" (an external
 * journal device), or whatever libblkid calls it ("xfs", "btrfs", "vfat"...).
 * Returns 0 and fills name, or FSIMG_ENOFS when nothing is recognised.
 */
FSIMG_API int fsimg_probe(char *name, size_t namelen, fsimg_io *io);

/* ----------------------------------------------------------- filesystem */

typedef struct fsimg_fs fsimg_fs;

enum fsimg_csum_state {
	FSIMG_CSUM_NONE = 0, /* no checksum for this structure under these features */
	FSIMG_CSUM_OK = 1,
	FSIMG_CSUM_BAD = 2
};

/* Open flags. */
#define FSIMG_OPEN_NO_CSUM_VERIFY 0x1u /* skip checksum verification */

/*
 * Opens an ext2/3/4 filesystem on io (which stays owned by the caller and
 * must outlive the handle). Fails with FSIMG_ENOFS / FSIMG_EUNSUPP (with the
 * name of the filesystem or unknown incompat bits in fsimg_fs_errmsg of the
 * partially opened handle, or in errbuf when out is not filled) or
 * FSIMG_ECORRUPT when the superblock or group descriptors cannot be used.
 */
FSIMG_API int fsimg_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags,
			    char *errbuf, size_t errlen);
/*
 * fsimg_fs_open through a chosen superblock copy (e2fsck -b, debugfs -s):
 * superblock is its block number in block_size units, and its group
 * descriptors are the copy after it; block_size 0 tries 1 KiB to 64 KiB.
 * With superblock 0, the primary, and when the primary is unusable (no
 * magic, a structure fsimg refuses) the first backup e2fsck would take
 * (block_size, when not 0, limits the search to that size): see
 * fsimg_fs_primary_error. A backup's descriptors may be stale, so, as
 * e2fsprogs does, their uninit flags and bg_itable_unused are not trusted.
 */
FSIMG_API int fsimg_fs_open_sb(fsimg_fs **out, fsimg_io *io, unsigned flags, uint64_t superblock,
			       uint32_t block_size, char *errbuf, size_t errlen);
/* The superblock copy in use: 0 the primary (byte 1024), else its block number. */
FSIMG_API uint64_t fsimg_fs_sb_block(const fsimg_fs *fs);
/* Why the primary superblock was not used when a backup was taken for it; NULL otherwise. */
FSIMG_API const char *fsimg_fs_primary_error(const fsimg_fs *fs);
FSIMG_API void fsimg_fs_close(fsimg_fs *fs);
/* The last error message with context ("inode 12: extent depth 7 > 5"). */
FSIMG_API const char *fsimg_fs_errmsg(const fsimg_fs *fs);
FSIMG_API fsimg_io *fsimg_fs_io(const fsimg_fs *fs);

/*
 * Non-fatal findings met while reading (bad checksums, recoverable oddities)
 * are passed to a notice callback when one is set, and always counted.
 */
typedef void (*fsimg_notice_fn)(void *ctx, int err, const char *msg);
FSIMG_API void fsimg_fs_set_notice(fsimg_fs *fs, fsimg_notice_fn fn, void *ctx);
FSIMG_API uint64_t fsimg_fs_csum_errors(const fsimg_fs *fs);

/* The superblock, host order. */
struct fsimg_super {
	uint32_t inodes_count;
	uint64_t blocks_count;
	uint64_t r_blocks_count;
	uint64_t free_blocks_count;
	uint32_t free_inodes_count;
	uint32_t first_data_block;
	uint32_t log_block_size;
	uint32_t log_cluster_size;
	uint32_t block_size;         /* bytes */
	uint32_t cluster_size;       /* bytes */
	uint32_t blocks_per_group;
	uint32_t clusters_per_group;
	uint32_t inodes_per_group;
	uint32_t mtime, wtime;
	uint16_t mnt_count;
	int16_t max_mnt_count;
	uint16_t magic;
	uint16_t state;
	uint16_t errors;
	uint16_t minor_rev_level;
	uint32_t lastcheck, checkinterval;
	uint32_t creator_os;
	uint32_t rev_level;
	uint16_t def_resuid, def_resgid;
	uint32_t first_ino;
	uint16_t inode_size;
	uint16_t block_group_nr;
	uint32_t feature_compat, feature_incompat, feature_ro_compat;
	uint8_t uuid[16];
	char volume_name[17];        /* NUL-terminated */
	char last_mounted[65];       /* NUL-terminated */
	uint32_t algorithm_usage_bitmap;
	uint8_t prealloc_blocks, prealloc_dir_blocks;
	uint16_t reserved_gdt_blocks;
	uint8_t journal_uuid[16];
	uint32_t journal_inum;
	uint32_t journal_dev;
	uint32_t last_orphan;
	uint32_t hash_seed[4];
	uint8_t def_hash_version;
	uint8_t jnl_backup_type;
	uint16_t desc_size;          /* effective: 32 unless 64bit */
	uint32_t default_mount_opts;
	uint32_t first_meta_bg;
	uint32_t mkfs_time;
	uint32_t jnl_blocks[17];
	uint16_t min_extra_isize, want_extra_isize;
	uint32_t flags;
	uint16_t raid_stride;
	uint16_t mmp_update_interval;
	uint64_t mmp_block;
	uint32_t raid_stripe_width;
	uint8_t log_groups_per_flex;
	uint8_t checksum_type;
	uint64_t kbytes_written;
	uint32_t snapshot_inum;
	uint32_t error_count;
	uint32_t first_error_time, last_error_time;
	uint32_t usr_quota_inum, grp_quota_inum, prj_quota_inum;
	uint32_t overhead_clusters;
	uint32_t backup_bgs[2];
	uint8_t encrypt_algos[4];
	uint32_t lpf_ino;
	uint32_t checksum_seed;
	uint16_t encoding, encoding_flags;
	uint32_t orphan_file_inum;
	uint32_t checksum;
	enum fsimg_csum_state csum_state;

	/* derived */
	uint32_t group_count;
	uint32_t desc_per_block;
	uint32_t gdt_blocks;         /* blocks of group descriptors (non meta_bg) */
	uint32_t inode_table_blocks; /* per group */
	int has_journal;
	int needs_recovery;
};

FSIMG_API const struct fsimg_super *fsimg_fs_super(const fsimg_fs *fs);

/* Feature names as e2fsprogs spells them ("has_journal", "metadata_csum"...). */
enum fsimg_feature_kind {
	FSIMG_FEATURE_COMPAT = 0,
	FSIMG_FEATURE_INCOMPAT = 1,
	FSIMG_FEATURE_RO_COMPAT = 2
};
/* The name of one bit, or NULL when the bit is unknown. */
FSIMG_API const char *fsimg_feature_name(int kind, unsigned bit);
/* Test a feature by name; returns 1, 0, or FSIMG_EINVAL for an unknown name. */
FSIMG_API int fsimg_fs_has_feature(const fsimg_fs *fs, const char *name);
/* "ext2", "ext3" or "ext4", judged as blkid does. */
FSIMG_API const char *fsimg_fs_type(const fsimg_fs *fs);

/* Superblock backups: fills up to max group numbers holding a backup. */
FSIMG_API int fsimg_fs_backup_groups(const fsimg_fs *fs, fsimg_group_t *groups, int max);

/* ---------------------------------------------------------------- groups */

#define FSIMG_BG_INODE_UNINIT 0x0001
#define FSIMG_BG_BLOCK_UNINIT 0x0002
#define FSIMG_BG_INODE_ZEROED 0x0004

struct fsimg_group {
	fsimg_group_t group;
	fsimg_pblk_t block_bitmap;
	fsimg_pblk_t inode_bitmap;
	fsimg_pblk_t inode_table;
	uint32_t free_blocks_count;
	uint32_t free_inodes_count;
	uint32_t used_dirs_count;
	uint32_t itable_unused;
	uint16_t flags;
	uint32_t exclude_bitmap;
	uint32_t block_bitmap_csum;
	uint32_t inode_bitmap_csum;
	uint16_t checksum;
	enum fsimg_csum_state csum_state;
	/* layout, derived */
	fsimg_pblk_t first_block;
	fsimg_pblk_t last_block;
	int has_super;               /* superblock (or backup) in this group */
	fsimg_pblk_t super_block;    /* its block when has_super */
	fsimg_pblk_t gdt_block;      /* first GDT block here (0 when none) */
	uint32_t gdt_count;          /* GDT blocks here */
	uint32_t reserved_gdt;       /* reserved GDT blocks here */
};

FSIMG_API int fsimg_group_get(struct fsimg_group *out, fsimg_fs *fs, fsimg_group_t group);

/* ---------------------------------------------------------------- inodes */

#define FSIMG_ROOT_INO 2

/* i_flags bits commonly needed */
#define FSIMG_INODE_INDEX_FL       0x00001000u
#define FSIMG_INODE_HUGE_FILE_FL   0x00040000u
#define FSIMG_INODE_EXTENTS_FL     0x00080000u
#define FSIMG_INODE_EA_INODE_FL    0x00200000u
#define FSIMG_INODE_INLINE_DATA_FL 0x10000000u

struct fsimg_inode {
	fsimg_ino_t ino;
	uint16_t mode;
	uint32_t uid, gid;
	uint64_t size;
	uint32_t atime, ctime, mtime, dtime, crtime;
	uint32_t atime_extra, ctime_extra, mtime_extra, crtime_extra;
	uint16_t links_count;
	uint64_t blocks;             /* i_blocks in 512-byte units (huge_file resolved) */
	uint64_t blocks_raw;         /* i_blocks as stored (lo + hi) */
	uint32_t flags;
	uint32_t generation;
	uint64_t file_acl;
	uint32_t projid;
	uint16_t extra_isize;
	uint32_t version;            /* osd1 l_i_version (+ hi) */
	uint8_t i_block[60];         /* raw i_block bytes, as on disk */
	uint32_t checksum;
	enum fsimg_csum_state csum_state;
	uint16_t inode_size;         /* on-disk size of this inode record */
};

/* File type of a mode, as in the directory entry file_type (1..7), 0 unknown. */
FSIMG_API int fsimg_mode_to_ftype(uint16_t mode);
/* Reads an inode. A bad checksum is noted (csum_state) but not fatal. */
FSIMG_API int fsimg_inode_read(struct fsimg_inode *out, fsimg_fs *fs, fsimg_ino_t ino);
/* Is the inode marked in use by its group's inode bitmap? 1, 0 or <0 error. */
FSIMG_API int fsimg_inode_in_use(fsimg_fs *fs, fsimg_ino_t ino);
/* Symlink target (fast, slow or inline), NUL-terminated; returns its length. */
FSIMG_API int fsimg_symlink_read(char *buf, size_t buflen, fsimg_fs *fs,
				 const struct fsimg_inode *inode);

/* ------------------------------------------------------- mapping iterator */

/*
 * The one question every consumer asks: what backs this range of the file?
 * The iterator returns runs in logical order: one per on-disk extent (never
 * merged, never split), merged runs of physically contiguous blocks for
 * legacy block maps, HOLE runs for the gaps (up to the block that holds
 * i_size), and one INLINE run for inline data. With FSIMG_MAP_TREE, the
 * tree's own blocks (extent index/leaf blocks, indirect blocks) come as META
 * runs just before the first data run they cover.
 */
enum fsimg_run_type {
	FSIMG_RUN_HOLE = 0,
	FSIMG_RUN_UNWRITTEN = 1,
	FSIMG_RUN_MAPPED = 2,
	FSIMG_RUN_INLINE = 3,
	FSIMG_RUN_META = 4
};

#define FSIMG_RUN_BEYOND_EOF 0x1u /* starts at or past the first block wholly past i_size */
#define FSIMG_RUN_LAST       0x2u /* the last data run of the file */

struct fsimg_run {
	enum fsimg_run_type type;
	unsigned flags;
	fsimg_lblk_t lblk;   /* first logical block (META: first block covered) */
	uint64_t len;        /* blocks (INLINE: bytes of inline data) */
	fsimg_pblk_t pblk;   /* first physical block (HOLE/INLINE: 0) */
	/* META runs only */
	int level;           /* extent tree: depth of the node (leaf 0); map: 1 ind, 2 dind, 3 tind */
	uint16_t entries;    /* extent node: eh_entries */
	uint16_t max;        /* extent node: eh_max */
	enum fsimg_csum_state csum_state;
};

#define FSIMG_MAP_TREE 0x1u   /* also return META runs */

typedef struct fsimg_map fsimg_map;

FSIMG_API int fsimg_map_open(fsimg_map **out, fsimg_fs *fs,
			     const struct fsimg_inode *inode, unsigned flags);
/* 1 and a run, 0 at the end, or <0 on corruption (message in fsimg_fs_errmsg). */
FSIMG_API int fsimg_map_next(fsimg_map *map, struct fsimg_run *run);
FSIMG_API void fsimg_map_close(fsimg_map *map);

/* Reads file data through the mapping: holes and unwritten runs read as
 * zeros (FSIMG_READ_RAW: the on-disk bytes under unwritten runs instead);
 * reads stop at i_size. Returns the number of bytes read (0 at EOF). */
#define FSIMG_READ_RAW 0x1u
typedef struct fsimg_file fsimg_file;
FSIMG_API int fsimg_file_open(fsimg_file **out, fsimg_fs *fs,
			      const struct fsimg_inode *inode, unsigned flags);
FSIMG_API int64_t fsimg_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off);
FSIMG_API void fsimg_file_close(fsimg_file *f);

/* ------------------------------------------------------------ directories */

#define FSIMG_NAME_MAX 255

struct fsimg_dirent {
	fsimg_ino_t ino;
	uint8_t file_type;           /* 0 unknown, 1 reg, 2 dir, 3 chr, 4 blk, 5 fifo, 6 sock, 7 symlink */
	uint8_t name_len;
	char name[FSIMG_NAME_MAX + 1]; /* NUL-terminated; may hold any byte but NUL and '/' */
	fsimg_lblk_t lblk;           /* directory block holding it */
	uint32_t offset;             /* byte offset inside that block */
};

typedef struct fsimg_dir fsimg_dir;

/* Iterates live entries (inode != 0), "." and ".." included, in on-disk order. */
FSIMG_API int fsimg_dir_open(fsimg_dir **out, fsimg_fs *fs, fsimg_ino_t dir);
/* 1 and an entry, 0 at the end, <0 on corruption. */
FSIMG_API int fsimg_dir_next(fsimg_dir *d, struct fsimg_dirent *ent);
FSIMG_API void fsimg_dir_close(fsimg_dir *d);

/* Looks up one name in a directory (through the htree when indexed). */
FSIMG_API int fsimg_dir_lookup(fsimg_ino_t *out, fsimg_fs *fs, fsimg_ino_t dir,
			       const char *name, size_t name_len);
/*
 * Resolves "/a/b/c" from the root (or "#N" for inode N). Symlinks in the
 * middle of a path are followed (bounded); the last component is not.
 */
FSIMG_API int fsimg_path_lookup(fsimg_ino_t *out, fsimg_fs *fs, const char *path);

/* The ext4 directory hash (legacy, half_md4, tea; signed and unsigned). */
FSIMG_API int fsimg_dirhash(uint32_t *hash, uint32_t *minor_hash, int version,
			    const uint32_t seed[4], const char *name, size_t len);

/* -------------------------------------------------------------- checksums */

FSIMG_API uint32_t fsimg_crc32c(uint32_t crc, const void *buf, size_t len);
FSIMG_API uint16_t fsimg_crc16(uint16_t crc, const void *buf, size_t len);
/* Which crc32c implementation is in use: "sse4.2" or "slice8". */
FSIMG_API const char *fsimg_crc32c_impl(void);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_FSIMG_H */
