/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jbd2 on-disk layouts and constants only (kernel include/linux/jbd2.h).
 * Everything here is BIG-endian on disk: read it with cur_be32() and
 * friends through offsetof(), never by casting image bytes to these types.
 * The structs exist to pin offsets and sizes.
 */
#ifndef FSIMG_JBD2_FORMAT_H
#define FSIMG_JBD2_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define JBD2_MAGIC_NUMBER 0xC03B3998u

/* h_blocktype */
#define JBD2_DESCRIPTOR_BLOCK 1u
#define JBD2_COMMIT_BLOCK 2u
#define JBD2_SUPERBLOCK_V1 3u
#define JBD2_SUPERBLOCK_V2 4u
#define JBD2_REVOKE_BLOCK 5u
#define JBD2_FC_BLOCK 6u /* in-memory only in the kernel; never in the log */

/* Every log block except data and fast-commit blocks starts with this. */
struct jbd2_dheader {
	uint32_t h_magic;
	uint32_t h_blocktype;
	uint32_t h_sequence;
};
_Static_assert(sizeof(struct jbd2_dheader) == 12, "journal_header_t is 12 bytes");

/* Commit block checksum types (h_chksum_type, s_checksum_type). */
#define JBD2_CRC32_CHKSUM 1u
#define JBD2_MD5_CHKSUM 2u
#define JBD2_SHA1_CHKSUM 3u
#define JBD2_CRC32C_CHKSUM 4u
#define JBD2_CRC32_CHKSUM_SIZE 4u
#define JBD2_CHECKSUM_BYTES (32 / sizeof(uint32_t))

struct jbd2_dcommit {
	struct jbd2_dheader h;
	uint8_t h_chksum_type;
	uint8_t h_chksum_size;
	uint8_t h_padding[2];
	uint32_t h_chksum[JBD2_CHECKSUM_BYTES];
	uint64_t h_commit_sec;
	uint32_t h_commit_nsec;
	uint32_t h_pad_tail; /* the kernel's struct is padded to 8 bytes */
};
_Static_assert(offsetof(struct jbd2_dcommit, h_chksum) == 16, "h_chksum at 16");
_Static_assert(offsetof(struct jbd2_dcommit, h_commit_sec) == 48, "h_commit_sec at 48");
_Static_assert(offsetof(struct jbd2_dcommit, h_commit_nsec) == 56, "h_commit_nsec at 56");
/* sizeof(struct commit_header) in the kernel: the partial-commit checksum covers this much. */
#define JBD2_COMMIT_HEADER_SIZE 64u
_Static_assert(sizeof(struct jbd2_dcommit) == JBD2_COMMIT_HEADER_SIZE, "commit_header is 64 bytes");

/* Descriptor block tags. Flags are the low 16 bits at offset 6 in both forms. */
struct jbd2_dtag3 { /* csum v3: always 16 bytes */
	uint32_t t_blocknr;
	uint32_t t_flags;
	uint32_t t_blocknr_high;
	uint32_t t_checksum;
};
_Static_assert(sizeof(struct jbd2_dtag3) == 16, "journal_block_tag3_t is 16 bytes");

struct jbd2_dtag { /* 8, 10, 12 or 14 bytes of it are used: see jbd2_tag_bytes() */
	uint32_t t_blocknr;
	uint16_t t_checksum; /* csum v2: low 16 bits of the crc32c */
	uint16_t t_flags;
	uint32_t t_blocknr_high; /* only with the 64bit feature */
};
_Static_assert(sizeof(struct jbd2_dtag) == 12, "journal_block_tag_t is 12 bytes");
#define JBD2_TAG_FLAGS_OFFSET 6u
#define JBD2_TAG_UUID_SIZE 16u

/* Tag flags. */
#define JBD2_FLAG_ESCAPE 1u    /* block's first 4 bytes were the magic */
#define JBD2_FLAG_SAME_UUID 2u /* no 16-byte UUID follows this tag */
#define JBD2_FLAG_DELETED 4u   /* unused */
#define JBD2_FLAG_LAST_TAG 8u  /* last tag of this descriptor */

/* Descriptor and revoke blocks end with this when csum v2/v3 is on. */
struct jbd2_dtail {
	uint32_t t_checksum;
};
_Static_assert(sizeof(struct jbd2_dtail) == 4, "block tail is 4 bytes");

struct jbd2_drevoke_header {
	struct jbd2_dheader r_header;
	uint32_t r_count; /* bytes used in the block, header included */
};
_Static_assert(sizeof(struct jbd2_drevoke_header) == 16, "revoke header is 16 bytes");

#define JBD2_USERS_MAX 48
#define JBD2_USERS_SIZE (16 * JBD2_USERS_MAX)

struct jbd2_dsuper {
	struct jbd2_dheader s_header;
	/* 0x000C: static information describing the journal (v1) */
	uint32_t s_blocksize;
	uint32_t s_maxlen;
	uint32_t s_first;
	/* 0x0018: dynamic information describing the current log state */
	uint32_t s_sequence;
	uint32_t s_start;
	/* 0x0020 */
	uint32_t s_errno; /* signed on disk */
	/* 0x0024: v2 only from here */
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	/* 0x0030 */
	uint8_t s_uuid[16];
	/* 0x0040 */
	uint32_t s_nr_users;
	uint32_t s_dynsuper;
	/* 0x0048 */
	uint32_t s_max_transaction;
	uint32_t s_max_trans_data;
	/* 0x0050 */
	uint8_t s_checksum_type;
	uint8_t s_padding2[3];
	/* 0x0054 */
	uint32_t s_num_fc_blks;
	uint32_t s_head;
	/* 0x005C */
	uint32_t s_padding[40];
	uint32_t s_checksum; /* crc32c(~0, superblock with this field zeroed) */
	/* 0x0100 */
	uint8_t s_users[JBD2_USERS_SIZE];
};
_Static_assert(offsetof(struct jbd2_dsuper, s_num_fc_blks) == 0x54, "s_num_fc_blks at 0x54");
_Static_assert(offsetof(struct jbd2_dsuper, s_checksum) == 0xFC, "s_checksum at 0xFC");
_Static_assert(offsetof(struct jbd2_dsuper, s_users) == 0x100, "s_users at 0x100");
_Static_assert(sizeof(struct jbd2_dsuper) == 1024, "journal superblock is 1024 bytes");
#define JBD2_SUPER_SIZE 1024u

/* Feature bits (v2 superblocks only; a v1 superblock has none). */
#define JBD2_FEATURE_COMPAT_CHECKSUM 0x00000001u /* v1 transaction crc32 in commit */
#define JBD2_FEATURE_INCOMPAT_REVOKE 0x00000001u
#define JBD2_FEATURE_INCOMPAT_64BIT 0x00000002u
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT 0x00000004u
#define JBD2_FEATURE_INCOMPAT_CSUM_V2 0x00000008u
#define JBD2_FEATURE_INCOMPAT_CSUM_V3 0x00000010u
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT 0x00000020u
#define JBD2_KNOWN_COMPAT_FEATURES JBD2_FEATURE_COMPAT_CHECKSUM
#define JBD2_KNOWN_ROCOMPAT_FEATURES 0u
#define JBD2_KNOWN_INCOMPAT_FEATURES                                              \
	(JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT |             \
	 JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT | JBD2_FEATURE_INCOMPAT_CSUM_V2 |     \
	 JBD2_FEATURE_INCOMPAT_CSUM_V3 | JBD2_FEATURE_INCOMPAT_FAST_COMMIT)

#define JBD2_MIN_JOURNAL_BLOCKS 1024u
#define JBD2_DEFAULT_FAST_COMMIT_BLOCKS 256u

/* Fast-commit area (ext4 fs/ext4/fast_commit.h): little-endian TLVs. */
struct ext4_dfc_tl {
	uint16_t fc_tag;
	uint16_t fc_len;
};
_Static_assert(sizeof(struct ext4_dfc_tl) == 4, "ext4_fc_tl is 4 bytes");
#define EXT4_FC_TAG_ADD_RANGE 0x0001u
#define EXT4_FC_TAG_DEL_RANGE 0x0002u
#define EXT4_FC_TAG_CREAT 0x0003u
#define EXT4_FC_TAG_LINK 0x0004u
#define EXT4_FC_TAG_UNLINK 0x0005u
#define EXT4_FC_TAG_INODE 0x0006u
#define EXT4_FC_TAG_PAD 0x0007u
#define EXT4_FC_TAG_TAIL 0x0008u
#define EXT4_FC_TAG_HEAD 0x0009u
/* HEAD value: le32 fc_features, le32 fc_tid. TAIL value: le32 fc_tid, le32 fc_crc. */
#define EXT4_FC_HEAD_SIZE 8u
#define EXT4_FC_TAIL_SIZE 8u
#define EXT4_FC_TAIL_CRC_OFFSET 4u       /* the crc covers the TAIL's tag, length and tid */
#define EXT4_FC_ADD_RANGE_SIZE 16u       /* le32 fc_ino + a 12-byte ext4_extent */
#define EXT4_FC_DEL_RANGE_SIZE 12u       /* le32 fc_ino, fc_lblk, fc_len */
#define EXT4_FC_DENTRY_INFO_SIZE 8u      /* le32 fc_parent_ino, fc_ino, then the name */
#define EXT4_FC_INODE_HDR_SIZE 4u        /* le32 fc_ino, then the raw inode */
#define EXT4_FC_SUPPORTED_FEATURES 0u    /* HEAD fc_features a kernel replays */
#define EXT4_FC_NAME_LEN 255u
#define EXT4_FC_GOOD_OLD_INODE_SIZE 128u

#endif /* FSIMG_JBD2_FORMAT_H */
