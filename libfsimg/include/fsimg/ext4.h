/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: what only ext2/3/4 has. The superblock as e2fsprogs shows it,
 * block groups, the raw inode with its i_block, the ext4 mapping and data
 * readers that start from a raw inode (for callers that already hold one:
 * the checker, the journal), ext4 directory entries with their block and
 * offset, and the directory hash. Views about ext4 alone use this header;
 * everything else uses the neutral calls of fsimg/fsimg.h. Calls here fail
 * (FSIMG_ENOTSUP_OP, or NULL) on a handle of another filesystem.
 */
#ifndef FSIMG_EXT4_H
#define FSIMG_EXT4_H

#include "fsimg/fsimg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t fsimg_ino_t;   /* ext2/3/4 inode number, 1-based */
typedef uint32_t fsimg_group_t; /* block group number */

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

/* The superblock of an ext2/3/4 handle; NULL for another filesystem. */
FSIMG_API const struct fsimg_super *fsimg_ext4_super(const fsimg_fs *fs);

/* Feature names as e2fsprogs spells them ("has_journal", "metadata_csum"...). */
enum fsimg_feature_kind {
	FSIMG_FEATURE_COMPAT = 0,
	FSIMG_FEATURE_INCOMPAT = 1,
	FSIMG_FEATURE_RO_COMPAT = 2
};
/* The name of one bit, or NULL when the bit is unknown. */
FSIMG_API const char *fsimg_ext4_feature_name(int kind, unsigned bit);

/* Superblock backups: fills up to max group numbers holding a backup. */
FSIMG_API int fsimg_ext4_backup_groups(const fsimg_fs *fs, fsimg_group_t *groups, int max);

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

FSIMG_API int fsimg_ext4_group_get(struct fsimg_group *out, fsimg_fs *fs, fsimg_group_t group);

/* ---------------------------------------------------------------- inodes */

#define FSIMG_ROOT_INO 2u

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

/* The ext4 entry points of the iterators of fsimg/fsimg.h, from a raw inode. */
FSIMG_API int fsimg_map_open(fsimg_map **out, fsimg_fs *fs,
			     const struct fsimg_inode *inode, unsigned flags);
FSIMG_API int fsimg_file_open(fsimg_file **out, fsimg_fs *fs,
			      const struct fsimg_inode *inode, unsigned flags);

/* ------------------------------------------------- directories (ext4 entries) */

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

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_EXT4_H */
