/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ext2/3/4 on-disk layouts and constants, and nothing else (like libxfs
 * xfs_format.h). All fields are little-endian on disk. These structs are
 * never cast onto image bytes: they give offsets (offsetof) and sizes to the
 * cursor readers in the *_from_disk() functions, and pin the layout with
 * static assertions. Field names follow the kernel's fs/ext4/ext4.h.
 */
#ifndef FSIMG_EXT4_FORMAT_H
#define FSIMG_EXT4_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define EXT4_SUPER_OFFSET 1024u
#define EXT4_SUPER_SIZE 1024u
#define EXT4_SUPER_MAGIC 0xEF53u

#define EXT4_MIN_BLOCK_LOG 10u     /* 1 KiB */
#define EXT4_MAX_BLOCK_LOG 16u     /* 64 KiB */
#define EXT4_MAX_CLUSTER_LOG 29u   /* e2fsprogs' bound on log_cluster_size */
#define EXT4_GOOD_OLD_INODE_SIZE 128u
#define EXT4_GOOD_OLD_FIRST_INO 11u
#define EXT4_GOOD_OLD_REV 0u
#define EXT4_DYNAMIC_REV 1u
#define EXT4_MIN_DESC_SIZE 32u
#define EXT4_MIN_DESC_SIZE_64BIT 64u
#define EXT4_MAX_DESC_SIZE 1024u   /* EXT2_MIN_BLOCK_SIZE, as e2fsprogs bounds it */

#define EXT4_BAD_INO 1u
#define EXT4_ROOT_INO 2u
#define EXT4_USR_QUOTA_INO 3u
#define EXT4_GRP_QUOTA_INO 4u
#define EXT4_BOOT_LOADER_INO 5u
#define EXT4_UNDEL_DIR_INO 6u
#define EXT4_RESIZE_INO 7u
#define EXT4_JOURNAL_INO 8u
#define EXT4_EXCLUDE_INO 9u
#define EXT4_REPLICA_INO 10u

/* s_state */
#define EXT4_VALID_FS 0x0001u
#define EXT4_ERROR_FS 0x0002u
#define EXT4_ORPHAN_FS 0x0004u
#define EXT4_FC_REPLAY 0x0020u

/* s_flags */
#define EXT2_FLAGS_SIGNED_HASH 0x0001u
#define EXT2_FLAGS_UNSIGNED_HASH 0x0002u
#define EXT2_FLAGS_TEST_FILESYS 0x0004u

/* s_creator_os */
#define EXT4_OS_LINUX 0u
#define EXT4_OS_HURD 1u

/* s_jnl_backup_type: s_jnl_blocks holds a copy of the journal inode's i_block and size */
#define EXT3_JNL_BACKUP_BLOCKS 1u

/* s_checksum_type */
#define EXT4_CRC32C_CHKSUM 1u

/* Feature bits (names in super.c's table, spelled as e2fsprogs does). */
#define EXT4_FEATURE_COMPAT_DIR_PREALLOC 0x0001u
#define EXT4_FEATURE_COMPAT_IMAGIC_INODES 0x0002u
#define EXT4_FEATURE_COMPAT_HAS_JOURNAL 0x0004u
#define EXT4_FEATURE_COMPAT_EXT_ATTR 0x0008u
#define EXT4_FEATURE_COMPAT_RESIZE_INODE 0x0010u
#define EXT4_FEATURE_COMPAT_DIR_INDEX 0x0020u
#define EXT4_FEATURE_COMPAT_LAZY_BG 0x0040u
#define EXT4_FEATURE_COMPAT_EXCLUDE_BITMAP 0x0100u
#define EXT4_FEATURE_COMPAT_SPARSE_SUPER2 0x0200u
#define EXT4_FEATURE_COMPAT_FAST_COMMIT 0x0400u
#define EXT4_FEATURE_COMPAT_STABLE_INODES 0x0800u
#define EXT4_FEATURE_COMPAT_ORPHAN_FILE 0x1000u

#define EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT4_FEATURE_RO_COMPAT_LARGE_FILE 0x0002u
#define EXT4_FEATURE_RO_COMPAT_BTREE_DIR 0x0004u
#define EXT4_FEATURE_RO_COMPAT_HUGE_FILE 0x0008u
#define EXT4_FEATURE_RO_COMPAT_GDT_CSUM 0x0010u
#define EXT4_FEATURE_RO_COMPAT_DIR_NLINK 0x0020u
#define EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE 0x0040u
#define EXT4_FEATURE_RO_COMPAT_HAS_SNAPSHOT 0x0080u
#define EXT4_FEATURE_RO_COMPAT_QUOTA 0x0100u
#define EXT4_FEATURE_RO_COMPAT_BIGALLOC 0x0200u
#define EXT4_FEATURE_RO_COMPAT_METADATA_CSUM 0x0400u
#define EXT4_FEATURE_RO_COMPAT_REPLICA 0x0800u
#define EXT4_FEATURE_RO_COMPAT_READONLY 0x1000u
#define EXT4_FEATURE_RO_COMPAT_PROJECT 0x2000u
#define EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS 0x4000u
#define EXT4_FEATURE_RO_COMPAT_VERITY 0x8000u
#define EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT 0x10000u

#define EXT4_FEATURE_INCOMPAT_COMPRESSION 0x0001u
#define EXT4_FEATURE_INCOMPAT_FILETYPE 0x0002u
#define EXT4_FEATURE_INCOMPAT_RECOVER 0x0004u
#define EXT4_FEATURE_INCOMPAT_JOURNAL_DEV 0x0008u
#define EXT4_FEATURE_INCOMPAT_META_BG 0x0010u
#define EXT4_FEATURE_INCOMPAT_EXTENTS 0x0040u
#define EXT4_FEATURE_INCOMPAT_64BIT 0x0080u
#define EXT4_FEATURE_INCOMPAT_MMP 0x0100u
#define EXT4_FEATURE_INCOMPAT_FLEX_BG 0x0200u
#define EXT4_FEATURE_INCOMPAT_EA_INODE 0x0400u
#define EXT4_FEATURE_INCOMPAT_DIRDATA 0x1000u
#define EXT4_FEATURE_INCOMPAT_CSUM_SEED 0x2000u
#define EXT4_FEATURE_INCOMPAT_LARGEDIR 0x4000u
#define EXT4_FEATURE_INCOMPAT_INLINE_DATA 0x8000u
#define EXT4_FEATURE_INCOMPAT_ENCRYPT 0x10000u
#define EXT4_FEATURE_INCOMPAT_CASEFOLD 0x20000u

/* INCOMPAT bits that fsimg can read; any other set bit refuses the open. */
#define EXT4_FEATURE_INCOMPAT_SUPP                                             \
	(EXT4_FEATURE_INCOMPAT_FILETYPE | EXT4_FEATURE_INCOMPAT_RECOVER |      \
	 EXT4_FEATURE_INCOMPAT_META_BG | EXT4_FEATURE_INCOMPAT_EXTENTS |       \
	 EXT4_FEATURE_INCOMPAT_64BIT | EXT4_FEATURE_INCOMPAT_MMP |             \
	 EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_EA_INODE |      \
	 EXT4_FEATURE_INCOMPAT_CSUM_SEED | EXT4_FEATURE_INCOMPAT_LARGEDIR |    \
	 EXT4_FEATURE_INCOMPAT_INLINE_DATA | EXT4_FEATURE_INCOMPAT_ENCRYPT |   \
	 EXT4_FEATURE_INCOMPAT_CASEFOLD)

struct ext4_dsuper {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count_lo;
	uint32_t s_r_blocks_count_lo;
	uint32_t s_free_blocks_count_lo;
	uint32_t s_free_inodes_count;     /* 0x10 */
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_cluster_size;
	uint32_t s_blocks_per_group;      /* 0x20 */
	uint32_t s_clusters_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;                 /* 0x30 */
	uint16_t s_mnt_count;
	uint16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;             /* 0x40 */
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;            /* 0x50 */
	uint16_t s_def_resgid;
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;      /* 0x60 */
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];               /* 0x68 */
	char s_volume_name[16];           /* 0x78 */
	char s_last_mounted[64];          /* 0x88 */
	uint32_t s_algorithm_usage_bitmap; /* 0xC8 */
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];       /* 0xD0 */
	uint32_t s_journal_inum;          /* 0xE0 */
	uint32_t s_journal_dev;
	uint32_t s_last_orphan;
	uint32_t s_hash_seed[4];          /* 0xEC */
	uint8_t s_def_hash_version;       /* 0xFC */
	uint8_t s_jnl_backup_type;
	uint16_t s_desc_size;
	uint32_t s_default_mount_opts;    /* 0x100 */
	uint32_t s_first_meta_bg;
	uint32_t s_mkfs_time;
	uint32_t s_jnl_blocks[17];        /* 0x10C */
	uint32_t s_blocks_count_hi;       /* 0x150 */
	uint32_t s_r_blocks_count_hi;
	uint32_t s_free_blocks_count_hi;
	uint16_t s_min_extra_isize;
	uint16_t s_want_extra_isize;
	uint32_t s_flags;                 /* 0x160 */
	uint16_t s_raid_stride;
	uint16_t s_mmp_update_interval;
	uint64_t s_mmp_block;
	uint32_t s_raid_stripe_width;     /* 0x170 */
	uint8_t s_log_groups_per_flex;
	uint8_t s_checksum_type;
	uint8_t s_encryption_level;
	uint8_t s_reserved_pad;
	uint64_t s_kbytes_written;        /* 0x178 */
	uint32_t s_snapshot_inum;         /* 0x180 */
	uint32_t s_snapshot_id;
	uint64_t s_snapshot_r_blocks_count;
	uint32_t s_snapshot_list;         /* 0x190 */
	uint32_t s_error_count;
	uint32_t s_first_error_time;
	uint32_t s_first_error_ino;
	uint64_t s_first_error_block;     /* 0x1A0 */
	uint8_t s_first_error_func[32];
	uint32_t s_first_error_line;      /* 0x1C8 */
	uint32_t s_last_error_time;
	uint32_t s_last_error_ino;        /* 0x1D0 */
	uint32_t s_last_error_line;
	uint64_t s_last_error_block;
	uint8_t s_last_error_func[32];    /* 0x1E0 */
	uint8_t s_mount_opts[64];         /* 0x200 */
	uint32_t s_usr_quota_inum;        /* 0x240 */
	uint32_t s_grp_quota_inum;
	uint32_t s_overhead_clusters;
	uint32_t s_backup_bgs[2];
	uint8_t s_encrypt_algos[4];
	uint8_t s_encrypt_pw_salt[16];
	uint32_t s_lpf_ino;               /* 0x268 */
	uint32_t s_prj_quota_inum;
	uint32_t s_checksum_seed;         /* 0x270 */
	uint8_t s_wtime_hi;
	uint8_t s_mtime_hi;
	uint8_t s_mkfs_time_hi;
	uint8_t s_lastcheck_hi;
	uint8_t s_first_error_time_hi;
	uint8_t s_last_error_time_hi;
	uint8_t s_first_error_errcode;
	uint8_t s_last_error_errcode;
	uint16_t s_encoding;              /* 0x27C */
	uint16_t s_encoding_flags;
	uint32_t s_orphan_file_inum;      /* 0x280 */
	uint32_t s_reserved[94];
	uint32_t s_checksum;              /* 0x3FC */
};
_Static_assert(sizeof(struct ext4_dsuper) == 1024, "ext4 superblock is 1024 bytes");
_Static_assert(offsetof(struct ext4_dsuper, s_hash_seed) == 0xEC, "s_hash_seed");
_Static_assert(offsetof(struct ext4_dsuper, s_blocks_count_hi) == 0x150, "s_blocks_count_hi");
_Static_assert(offsetof(struct ext4_dsuper, s_checksum_seed) == 0x270, "s_checksum_seed");
_Static_assert(offsetof(struct ext4_dsuper, s_checksum) == 0x3FC, "s_checksum");

/* Group descriptor: 32 bytes, or s_desc_size (>= 64) with the 64bit feature. */
struct ext4_dgroup_desc {
	uint32_t bg_block_bitmap_lo;
	uint32_t bg_inode_bitmap_lo;
	uint32_t bg_inode_table_lo;
	uint16_t bg_free_blocks_count_lo;
	uint16_t bg_free_inodes_count_lo;
	uint16_t bg_used_dirs_count_lo;   /* 0x10 */
	uint16_t bg_flags;
	uint32_t bg_exclude_bitmap_lo;
	uint16_t bg_block_bitmap_csum_lo;
	uint16_t bg_inode_bitmap_csum_lo;
	uint16_t bg_itable_unused_lo;
	uint16_t bg_checksum;             /* 0x1E */
	/* 64bit only from here */
	uint32_t bg_block_bitmap_hi;      /* 0x20 */
	uint32_t bg_inode_bitmap_hi;
	uint32_t bg_inode_table_hi;
	uint16_t bg_free_blocks_count_hi;
	uint16_t bg_free_inodes_count_hi;
	uint16_t bg_used_dirs_count_hi;   /* 0x30 */
	uint16_t bg_itable_unused_hi;
	uint32_t bg_exclude_bitmap_hi;
	uint16_t bg_block_bitmap_csum_hi;
	uint16_t bg_inode_bitmap_csum_hi;
	uint32_t bg_reserved;
};
_Static_assert(sizeof(struct ext4_dgroup_desc) == 64, "ext4 group descriptor is 64 bytes");
_Static_assert(offsetof(struct ext4_dgroup_desc, bg_checksum) == 0x1E, "bg_checksum");

#define EXT4_BG_INODE_UNINIT 0x0001u
#define EXT4_BG_BLOCK_UNINIT 0x0002u
#define EXT4_BG_INODE_ZEROED 0x0004u

/* Inode. The first 128 bytes always; the rest when i_extra_isize covers it. */
#define EXT4_N_BLOCKS 15u
#define EXT4_NDIR_BLOCKS 12u
#define EXT4_IND_BLOCK 12u
#define EXT4_DIND_BLOCK 13u
#define EXT4_TIND_BLOCK 14u

struct ext4_dinode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size_lo;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;                 /* 0x10 */
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks_lo;
	uint32_t i_flags;                 /* 0x20 */
	uint32_t l_i_version;             /* osd1 */
	uint32_t i_block[EXT4_N_BLOCKS];  /* 0x28 */
	uint32_t i_generation;            /* 0x64 */
	uint32_t i_file_acl_lo;
	uint32_t i_size_high;             /* 0x6C */
	uint32_t i_obso_faddr;
	/* osd2, Linux layout */
	uint16_t l_i_blocks_high;         /* 0x74 */
	uint16_t l_i_file_acl_high;
	uint16_t l_i_uid_high;
	uint16_t l_i_gid_high;
	uint16_t l_i_checksum_lo;         /* 0x7C */
	uint16_t l_i_reserved;
	/* large inodes */
	uint16_t i_extra_isize;           /* 0x80 */
	uint16_t i_checksum_hi;
	uint32_t i_ctime_extra;
	uint32_t i_mtime_extra;
	uint32_t i_atime_extra;
	uint32_t i_crtime;                /* 0x90 */
	uint32_t i_crtime_extra;
	uint32_t i_version_hi;
	uint32_t i_projid;                /* 0x9C */
};
_Static_assert(sizeof(struct ext4_dinode) == 160, "ext4 inode core is 160 bytes");
_Static_assert(offsetof(struct ext4_dinode, i_block) == 0x28, "i_block");
_Static_assert(offsetof(struct ext4_dinode, i_extra_isize) == 0x80, "i_extra_isize");

/* i_flags */
#define EXT4_SECRM_FL 0x00000001u
#define EXT4_UNRM_FL 0x00000002u
#define EXT4_COMPR_FL 0x00000004u
#define EXT4_SYNC_FL 0x00000008u
#define EXT4_IMMUTABLE_FL 0x00000010u
#define EXT4_APPEND_FL 0x00000020u
#define EXT4_NODUMP_FL 0x00000040u
#define EXT4_NOATIME_FL 0x00000080u
#define EXT4_DIRTY_FL 0x00000100u
#define EXT4_COMPRBLK_FL 0x00000200u
#define EXT4_NOCOMPR_FL 0x00000400u
#define EXT4_ENCRYPT_FL 0x00000800u
#define EXT4_INDEX_FL 0x00001000u
#define EXT4_IMAGIC_FL 0x00002000u
#define EXT4_JOURNAL_DATA_FL 0x00004000u
#define EXT4_NOTAIL_FL 0x00008000u
#define EXT4_DIRSYNC_FL 0x00010000u
#define EXT4_TOPDIR_FL 0x00020000u
#define EXT4_HUGE_FILE_FL 0x00040000u
#define EXT4_EXTENTS_FL 0x00080000u
#define EXT4_VERITY_FL 0x00100000u
#define EXT4_EA_INODE_FL 0x00200000u
#define EXT4_DAX_FL 0x02000000u
#define EXT4_INLINE_DATA_FL 0x10000000u
#define EXT4_PROJINHERIT_FL 0x20000000u
#define EXT4_CASEFOLD_FL 0x40000000u

/* Extent tree. */
#define EXT4_EXT_MAGIC 0xF30Au
#define EXT4_EXT_MAX_DEPTH 5u
/*
 * Trees deeper than the kernel's limit are still read, as e2fsprogs reads
 * them (e2fsck only offers to make them shallower); the checker warns.
 */
#define EXT4_EXT_READ_DEPTH 16u
#define EXT4_EXT_INIT_MAX_LEN 32768u     /* ee_len <= this: written */
#define EXT4_EXT_UNWRITTEN_MAX_LEN 32767u

struct ext4_dextent_header {
	uint16_t eh_magic;
	uint16_t eh_entries;
	uint16_t eh_max;
	uint16_t eh_depth;
	uint32_t eh_generation;
};
struct ext4_dextent_idx {
	uint32_t ei_block;
	uint32_t ei_leaf_lo;
	uint16_t ei_leaf_hi;
	uint16_t ei_unused;
};
struct ext4_dextent {
	uint32_t ee_block;
	uint16_t ee_len;
	uint16_t ee_start_hi;
	uint32_t ee_start_lo;
};
struct ext4_dextent_tail {
	uint32_t et_checksum;
};
_Static_assert(sizeof(struct ext4_dextent_header) == 12, "extent header");
_Static_assert(sizeof(struct ext4_dextent_idx) == 12, "extent index");
_Static_assert(sizeof(struct ext4_dextent) == 12, "extent");

/* Directories. */
#define EXT4_DIR_ENTRY_HEADER 8u
#define EXT4_DIR_ROUND 4u
#define EXT4_DIR_REC_LEN(name_len) (((name_len) + 8u + 3u) & ~3u)
#define EXT4_MAX_REC_LEN ((1u << 16) - 1u)

struct ext4_ddir_entry_2 {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;
	/* name follows */
};
_Static_assert(sizeof(struct ext4_ddir_entry_2) == 8, "dirent header");

#define EXT4_FT_UNKNOWN 0u
#define EXT4_FT_REG_FILE 1u
#define EXT4_FT_DIR 2u
#define EXT4_FT_CHRDEV 3u
#define EXT4_FT_BLKDEV 4u
#define EXT4_FT_FIFO 5u
#define EXT4_FT_SOCK 6u
#define EXT4_FT_SYMLINK 7u
#define EXT4_FT_MAX 8u
#define EXT4_FT_DIR_CSUM 0xDEu

/* The 12-byte fake dirent at the end of a leaf block under metadata_csum. */
struct ext4_ddir_entry_tail {
	uint32_t det_reserved_zero1; /* 0 */
	uint16_t det_rec_len;        /* 12 */
	uint8_t det_reserved_zero2;  /* 0 */
	uint8_t det_reserved_ft;     /* 0xDE */
	uint32_t det_checksum;
};
_Static_assert(sizeof(struct ext4_ddir_entry_tail) == 12, "dirent tail");

/* htree (dx). The root lives in block 0 after the "." and ".." entries. */
struct ext4_ddx_root_info {
	uint32_t reserved_zero;
	uint8_t hash_version;
	uint8_t info_length;         /* 8 */
	uint8_t indirect_levels;
	uint8_t unused_flags;
};
struct ext4_ddx_countlimit {
	uint16_t limit;
	uint16_t count;
};
struct ext4_ddx_entry {
	uint32_t hash;
	uint32_t block;
};
struct ext4_ddx_tail {
	uint32_t dt_reserved;
	uint32_t dt_checksum;
};
#define EXT4_DX_ROOT_INFO_OFFSET 24u /* after "." (12) and ".." header (12) */
#define EXT4_HTREE_LEVEL_COMPAT 2u
#define EXT4_HTREE_LEVEL 3u          /* with largedir */

/* dx hash versions */
#define EXT4_HASH_LEGACY 0u
#define EXT4_HASH_HALF_MD4 1u
#define EXT4_HASH_TEA 2u
#define EXT4_HASH_LEGACY_UNSIGNED 3u
#define EXT4_HASH_HALF_MD4_UNSIGNED 4u
#define EXT4_HASH_TEA_UNSIGNED 5u
#define EXT4_HASH_SIPHASH 6u

/* Extended attributes. */
#define EXT4_XATTR_MAGIC 0xEA020000u
#define EXT4_XATTR_INDEX_SYSTEM 7u
#define EXT4_XATTR_ROUND 3u
#define EXT4_XATTR_LEN(name_len) (((name_len) + EXT4_XATTR_ROUND + 16u) & ~EXT4_XATTR_ROUND)
#define EXT4_XATTR_SIZE(size) (((size) + EXT4_XATTR_ROUND) & ~EXT4_XATTR_ROUND)

struct ext4_dxattr_header {          /* at the start of an xattr block */
	uint32_t h_magic;
	uint32_t h_refcount;
	uint32_t h_blocks;
	uint32_t h_hash;
	uint32_t h_checksum;
	uint32_t h_reserved[3];
};
struct ext4_dxattr_entry {
	uint8_t e_name_len;
	uint8_t e_name_index;
	uint16_t e_value_offs;
	uint32_t e_value_inum;
	uint32_t e_value_size;
	uint32_t e_hash;
	/* name follows */
};
_Static_assert(sizeof(struct ext4_dxattr_header) == 32, "xattr header");
_Static_assert(sizeof(struct ext4_dxattr_entry) == 16, "xattr entry");

/* Inline data: i_block holds the first 60 bytes, "system.data" the rest. */
#define EXT4_MIN_INLINE_DATA_SIZE 60u
#define EXT4_INLINE_DOTDOT_SIZE 4u

/*
 * The orphan file (orphan_file): each block holds __le32 inode numbers of
 * orphans (0: a free slot), (block_size - 8) / 4 of them, then this tail.
 */
#define EXT4_ORPHAN_BLOCK_MAGIC 0x0B10CA04u
struct ext4_dorphan_block_tail {
	uint32_t ob_magic;
	uint32_t ob_checksum;        /* metadata_csum: see check/pass_orphan.c */
};
_Static_assert(sizeof(struct ext4_dorphan_block_tail) == 8, "orphan block tail");

/* Symlinks shorter than this live in i_block (fast symlinks). */
#define EXT4_FAST_SYMLINK_MAX 60u

#endif /* FSIMG_EXT4_FORMAT_H */
