/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS on-disk layouts and constants, and nothing else (as libxfs
 * xfs_format.h and xfs_da_format.h). Every field is big-endian on disk.
 * These structs are never cast onto image bytes: they give offsets
 * (offsetof) and sizes to the cursor readers, and pin the layout with static
 * assertions. Field names follow libxfs.
 */
#ifndef FSIMG_XFS_FORMAT_H
#define FSIMG_XFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define XFS_SB_MAGIC 0x58465342u /* XFSB */
#define XFS_AGF_MAGIC 0x58414746u /* XAGF */
#define XFS_AGI_MAGIC 0x58414749u /* XAGI */
#define XFS_AGFL_MAGIC 0x5841464cu /* XAFL */
#define XFS_DINODE_MAGIC 0x494eu  /* IN */
#define XFS_BMAP_MAGIC 0x424d4150u /* BMAP */
#define XFS_BMAP_CRC_MAGIC 0x424d4133u /* BMA3 */
#define XFS_IBT_MAGIC 0x49414254u  /* IABT */
#define XFS_IBT_CRC_MAGIC 0x49414233u /* IAB3 */
#define XFS_DIR2_BLOCK_MAGIC 0x58443242u /* XD2B */
#define XFS_DIR2_DATA_MAGIC 0x58443244u  /* XD2D */
#define XFS_DIR3_BLOCK_MAGIC 0x58444233u /* XDB3 */
#define XFS_DIR3_DATA_MAGIC 0x58444433u  /* XDD3 */
#define XFS_DIR2_LEAF1_MAGIC 0xd2f1u
#define XFS_DIR2_LEAFN_MAGIC 0xd2ffu
#define XFS_DIR3_LEAF1_MAGIC 0x3df1u
#define XFS_DIR3_LEAFN_MAGIC 0x3dffu
#define XFS_DA_NODE_MAGIC 0xfebeu
#define XFS_DA3_NODE_MAGIC 0x3ebeu
#define XFS_ATTR_LEAF_MAGIC 0xfbeeu
#define XFS_ATTR3_LEAF_MAGIC 0x3beeu
#define XFS_ATTR3_RMT_MAGIC 0x5841524du /* XARM */
#define XFS_SYMLINK_MAGIC 0x58534c4du   /* XSLM */

/* sb_versionnum */
#define XFS_SB_VERSION_NUMBITS 0x000fu
#define XFS_SB_VERSION_4 4u
#define XFS_SB_VERSION_5 5u
#define XFS_SB_VERSION_ATTRBIT 0x0010u
#define XFS_SB_VERSION_NLINKBIT 0x0020u
#define XFS_SB_VERSION_QUOTABIT 0x0040u
#define XFS_SB_VERSION_ALIGNBIT 0x0080u
#define XFS_SB_VERSION_DALIGNBIT 0x0100u
#define XFS_SB_VERSION_SHAREDBIT 0x0200u
#define XFS_SB_VERSION_LOGV2BIT 0x0400u
#define XFS_SB_VERSION_SECTORBIT 0x0800u
#define XFS_SB_VERSION_EXTFLGBIT 0x1000u
#define XFS_SB_VERSION_DIRV2BIT 0x2000u
#define XFS_SB_VERSION_BORGBIT 0x4000u
#define XFS_SB_VERSION_MOREBITSBIT 0x8000u

/* sb_qflags, and the dquot records of the quota files (xfs_format.h, xfs_quota.h) */
#define XFS_UQUOTA_ACCT 0x0001u
#define XFS_UQUOTA_CHKD 0x0004u
#define XFS_PQUOTA_ACCT 0x0008u
#define XFS_OQUOTA_CHKD 0x0020u   /* v4: the group or project file, by which is accounted */
#define XFS_GQUOTA_ACCT 0x0040u
#define XFS_GQUOTA_CHKD 0x0100u
#define XFS_PQUOTA_CHKD 0x0400u
#define XFS_DQTYPE_USER 0x01u
#define XFS_DQTYPE_PROJ 0x02u
#define XFS_DQTYPE_GROUP 0x04u
#define XFS_DQTYPE_REC_MASK 0x07u
#define XFS_DQTYPE_BIGTIME 0x80u
#define XFS_DQUOT_MAGIC 0x4451u   /* "DQ" */
#define XFS_DQUOT_VERSION 1u
#define XFS_DQBLK_SIZE 136u       /* struct xfs_dqblk: the dquot, fill, crc, lsn, uuid */
#define XFS_DQBLK_CRC 108u
#define XFS_DQBLK_UUID 120u
#define XFS_DQBLK_LSN 112u
/* struct xfs_disk_dquot's fields (offsets) */
#define XFS_DQ_TYPE 3u
#define XFS_DQ_ID 4u
#define XFS_DQ_BLK_HARD 8u
#define XFS_DQ_BLK_SOFT 16u
#define XFS_DQ_INO_HARD 24u
#define XFS_DQ_INO_SOFT 32u
#define XFS_DQ_BCOUNT 40u
#define XFS_DQ_ICOUNT 48u
#define XFS_DQ_ITIMER 56u
#define XFS_DQ_BTIMER 60u
#define XFS_DQ_IWARNS 64u
#define XFS_DQ_BWARNS 66u
#define XFS_DQ_PAD0 68u
#define XFS_DQ_RTB_HARD 72u
#define XFS_DQ_RTB_SOFT 80u
#define XFS_DQ_RTBCOUNT 88u
#define XFS_DQ_RTBTIMER 96u
#define XFS_DQ_RTBWARNS 100u
#define XFS_DQ_PAD 102u

/* sb_features2 */
#define XFS_SB_VERSION2_LAZYSBCOUNTBIT 0x00000002u
#define XFS_SB_VERSION2_ATTR2BIT 0x00000008u
#define XFS_SB_VERSION2_PARENTBIT 0x00000010u
#define XFS_SB_VERSION2_PROJID32BIT 0x00000080u
#define XFS_SB_VERSION2_CRCBIT 0x00000100u
#define XFS_SB_VERSION2_FTYPE 0x00000200u

#define XFS_SB_FEAT_RO_COMPAT_FINOBT (1u << 0)
#define XFS_SB_FEAT_RO_COMPAT_RMAPBT (1u << 1)
#define XFS_SB_FEAT_RO_COMPAT_REFLINK (1u << 2)
#define XFS_SB_FEAT_RO_COMPAT_INOBTCNT (1u << 3)
#define XFS_SB_FEAT_RO_COMPAT_ALL 0xfu

#define XFS_SB_FEAT_INCOMPAT_FTYPE (1u << 0)
#define XFS_SB_FEAT_INCOMPAT_SPINODES (1u << 1)
#define XFS_SB_FEAT_INCOMPAT_META_UUID (1u << 2)
#define XFS_SB_FEAT_INCOMPAT_BIGTIME (1u << 3)
#define XFS_SB_FEAT_INCOMPAT_NEEDSREPAIR (1u << 4)
#define XFS_SB_FEAT_INCOMPAT_NREXT64 (1u << 5)
#define XFS_SB_FEAT_INCOMPAT_ALL 0x3fu

#define XFS_SB_FEAT_INCOMPAT_LOG_XATTRS (1u << 0)

#define XFS_MIN_BLOCKSIZE_LOG 9u
#define XFS_MAX_BLOCKSIZE_LOG 16u
#define XFS_MIN_SECTORSIZE_LOG 9u
#define XFS_MAX_SECTORSIZE_LOG 15u
#define XFS_DINODE_MIN_LOG 8u
#define XFS_DINODE_MAX_LOG 11u
#define XFS_MAX_DIRBLKSIZE_LOG 16u
#define XFS_INODES_PER_CHUNK 64u
#define XFS_INODES_PER_HOLEMASK_BIT 4u
#define XFS_BBSHIFT 9u

/* The superblock (struct xfs_dsb). */
struct xfs_dsb {
	uint32_t sb_magicnum;
	uint32_t sb_blocksize;
	uint64_t sb_dblocks;
	uint64_t sb_rblocks;
	uint64_t sb_rextents;
	uint8_t sb_uuid[16];
	uint64_t sb_logstart;
	uint64_t sb_rootino;
	uint64_t sb_rbmino;
	uint64_t sb_rsumino;
	uint32_t sb_rextsize;
	uint32_t sb_agblocks;
	uint32_t sb_agcount;
	uint32_t sb_rbmblocks;
	uint32_t sb_logblocks;
	uint16_t sb_versionnum;
	uint16_t sb_sectsize;
	uint16_t sb_inodesize;
	uint16_t sb_inopblock;
	char sb_fname[12];
	uint8_t sb_blocklog;
	uint8_t sb_sectlog;
	uint8_t sb_inodelog;
	uint8_t sb_inopblog;
	uint8_t sb_agblklog;
	uint8_t sb_rextslog;
	uint8_t sb_inprogress;
	uint8_t sb_imax_pct;
	uint64_t sb_icount;
	uint64_t sb_ifree;
	uint64_t sb_fdblocks;
	uint64_t sb_frextents;
	uint64_t sb_uquotino;
	uint64_t sb_gquotino;
	uint16_t sb_qflags;
	uint8_t sb_flags;
	uint8_t sb_shared_vn;
	uint32_t sb_inoalignmt;
	uint32_t sb_unit;
	uint32_t sb_width;
	uint8_t sb_dirblklog;
	uint8_t sb_logsectlog;
	uint16_t sb_logsectsize;
	uint32_t sb_logsunit;
	uint32_t sb_features2;
	uint32_t sb_bad_features2;
	uint32_t sb_features_compat;
	uint32_t sb_features_ro_compat;
	uint32_t sb_features_incompat;
	uint32_t sb_features_log_incompat;
	uint32_t sb_crc;
	uint32_t sb_spino_align;
	uint64_t sb_pquotino;
	uint64_t sb_lsn;
	uint8_t sb_meta_uuid[16];
};
_Static_assert(sizeof(struct xfs_dsb) == 264, "xfs_dsb");
_Static_assert(offsetof(struct xfs_dsb, sb_crc) == 224, "sb_crc");
_Static_assert(offsetof(struct xfs_dsb, sb_icount) == 128, "sb_icount");

/* AG headers: superblock copy, AGF, AGI, AGFL in sectors 0..3 of each AG. */
#define XFS_BTNUM_AGF 3u /* bno, cnt, rmap roots in the AGF */
struct xfs_agf {
	uint32_t agf_magicnum;
	uint32_t agf_versionnum;
	uint32_t agf_seqno;
	uint32_t agf_length;
	uint32_t agf_roots[XFS_BTNUM_AGF];
	uint32_t agf_levels[XFS_BTNUM_AGF];
	uint32_t agf_flfirst;
	uint32_t agf_fllast;
	uint32_t agf_flcount;
	uint32_t agf_freeblks;
	uint32_t agf_longest;
	uint32_t agf_btreeblks;
	uint8_t agf_uuid[16];
	uint32_t agf_rmap_blocks;
	uint32_t agf_refcount_blocks;
	uint32_t agf_refcount_root;
	uint32_t agf_refcount_level;
	uint64_t agf_spare64[14];
	uint64_t agf_lsn;
	uint32_t agf_crc;
	uint32_t agf_spare2;
};
_Static_assert(sizeof(struct xfs_agf) == 224, "xfs_agf");
_Static_assert(offsetof(struct xfs_agf, agf_crc) == 216, "agf_crc");

#define XFS_AGI_UNLINKED_BUCKETS 64u
struct xfs_agi {
	uint32_t agi_magicnum;
	uint32_t agi_versionnum;
	uint32_t agi_seqno;
	uint32_t agi_length;
	uint32_t agi_count;
	uint32_t agi_root;
	uint32_t agi_level;
	uint32_t agi_freecount;
	uint32_t agi_newino;
	uint32_t agi_dirino;
	uint32_t agi_unlinked[XFS_AGI_UNLINKED_BUCKETS];
	uint8_t agi_uuid[16];
	uint32_t agi_crc;
	uint32_t agi_pad32;
	uint64_t agi_lsn;
	uint32_t agi_free_root;
	uint32_t agi_free_level;
	uint32_t agi_iblocks;
	uint32_t agi_fblocks;
};
_Static_assert(sizeof(struct xfs_agi) == 344, "xfs_agi");
_Static_assert(offsetof(struct xfs_agi, agi_crc) == 312, "agi_crc");

struct xfs_agfl {
	uint32_t agfl_magicnum;
	uint32_t agfl_seqno;
	uint8_t agfl_uuid[16];
	uint64_t agfl_lsn;
	uint32_t agfl_crc;
	/* agfl_bno[] follows; a v4 AGFL is nothing but the array */
} __attribute__((packed));
_Static_assert(sizeof(struct xfs_agfl) == 36, "xfs_agfl");
#define XFS_AGFL_CRC_OFF 32u
#define XFS_AGFL_HDR_SIZE 36u

/* Short-form btree block header (AG btrees: inobt, finobt, bno, cnt, rmap). */
struct xfs_btree_sblock {
	uint32_t bb_magic;
	uint16_t bb_level;
	uint16_t bb_numrecs;
	uint32_t bb_leftsib;
	uint32_t bb_rightsib;
	/* v5 */
	uint64_t bb_blkno;
	uint64_t bb_lsn;
	uint8_t bb_uuid[16];
	uint32_t bb_owner;
	uint32_t bb_crc;
};
_Static_assert(sizeof(struct xfs_btree_sblock) == 56, "sblock");
#define XFS_BTREE_SBLOCK_LEN 16u
#define XFS_BTREE_SBLOCK_CRC_LEN 56u
#define XFS_BTREE_SBLOCK_CRC_OFF 52u

/* Long-form btree block header (bmbt). */
struct xfs_btree_lblock {
	uint32_t bb_magic;
	uint16_t bb_level;
	uint16_t bb_numrecs;
	uint64_t bb_leftsib;
	uint64_t bb_rightsib;
	/* v5 */
	uint64_t bb_blkno;
	uint64_t bb_lsn;
	uint8_t bb_uuid[16];
	uint64_t bb_owner;
	uint32_t bb_crc;
	uint32_t bb_pad;
};
_Static_assert(sizeof(struct xfs_btree_lblock) == 72, "lblock");
#define XFS_BTREE_LBLOCK_LEN 24u
#define XFS_BTREE_LBLOCK_CRC_LEN 72u
#define XFS_BTREE_LBLOCK_CRC_OFF 64u

/* inobt record: 16 bytes; sparse chunks split ir_freecount into holemask, count, freecount. */
struct xfs_inobt_rec {
	uint32_t ir_startino;
	uint16_t ir_holemask;
	uint8_t ir_count;
	uint8_t ir_freecount;
	uint64_t ir_free;
};
_Static_assert(sizeof(struct xfs_inobt_rec) == 16, "inobt rec");

/* The inode: v1/v2 core is 100 bytes, v3 176 (struct xfs_dinode). */
struct xfs_dinode {
	uint16_t di_magic;
	uint16_t di_mode;
	uint8_t di_version;
	uint8_t di_format;
	uint16_t di_onlink;
	uint32_t di_uid;
	uint32_t di_gid;
	uint32_t di_nlink;
	uint16_t di_projid_lo;
	uint16_t di_projid_hi;
	uint64_t di_big_nextents; /* NREXT64; di_v3_pad, or v2 pad + di_flushiter */
	uint64_t di_atime;
	uint64_t di_mtime;
	uint64_t di_ctime;
	uint64_t di_size;
	uint64_t di_nblocks;
	uint32_t di_extsize;
	uint32_t di_nextents; /* NREXT64: di_big_anextents */
	uint16_t di_anextents; /* NREXT64: padding */
	uint8_t di_forkoff;
	int8_t di_aformat;
	uint32_t di_dmevmask;
	uint16_t di_dmstate;
	uint16_t di_flags;
	uint32_t di_gen;
	uint32_t di_next_unlinked;
	/* v3 */
	uint32_t di_crc;
	uint64_t di_changecount;
	uint64_t di_lsn;
	uint64_t di_flags2;
	uint32_t di_cowextsize;
	uint8_t di_pad2[12];
	uint64_t di_crtime;
	uint64_t di_ino;
	uint8_t di_uuid[16];
} __attribute__((packed));
_Static_assert(sizeof(struct xfs_dinode) == 176, "xfs_dinode");
_Static_assert(offsetof(struct xfs_dinode, di_crc) == 100, "di_crc");
_Static_assert(offsetof(struct xfs_dinode, di_nextents) == 76, "di_nextents");
_Static_assert(offsetof(struct xfs_dinode, di_forkoff) == 82, "di_forkoff");
#define XFS_DINODE_V2_SIZE 100u
#define XFS_DINODE_V3_SIZE 176u

/* di_format / di_aformat */
#define XFS_DINODE_FMT_DEV 0
#define XFS_DINODE_FMT_LOCAL 1
#define XFS_DINODE_FMT_EXTENTS 2
#define XFS_DINODE_FMT_BTREE 3
#define XFS_DINODE_FMT_UUID 4

/* di_flags */
#define XFS_DIFLAG_REALTIME 0x0001u
#define XFS_DIFLAG_PREALLOC 0x0002u
#define XFS_DIFLAG_NEWRTBM 0x0004u
#define XFS_DIFLAG_IMMUTABLE 0x0008u
#define XFS_DIFLAG_APPEND 0x0010u
#define XFS_DIFLAG_SYNC 0x0020u
#define XFS_DIFLAG_NOATIME 0x0040u
#define XFS_DIFLAG_NODUMP 0x0080u
#define XFS_DIFLAG_RTINHERIT 0x0100u
#define XFS_DIFLAG_PROJINHERIT 0x0200u
#define XFS_DIFLAG_NOSYMLINKS 0x0400u
#define XFS_DIFLAG_EXTSIZE 0x0800u
#define XFS_DIFLAG_EXTSZINHERIT 0x1000u
#define XFS_DIFLAG_NODEFRAG 0x2000u
#define XFS_DIFLAG_FILESTREAM 0x4000u
/* di_flags2 */
#define XFS_DIFLAG2_DAX 0x1u
#define XFS_DIFLAG2_REFLINK 0x2u
#define XFS_DIFLAG2_COWEXTSIZE 0x4u
#define XFS_DIFLAG2_BIGTIME 0x8u
#define XFS_DIFLAG2_NREXT64 0x10u

#define XFS_BIGTIME_EPOCH_OFFSET 2147483648LL /* bigtime counts ns from 1901-12-13 */

/* Extent records (bmbt_rec): 128 bits, flag | startoff:54 | startblock:52 | blockcount:21. */
#define XFS_BMBT_REC_SIZE 16u
#define XFS_BMBT_STARTOFF_BITS 54u
#define XFS_BMBT_STARTBLOCK_BITS 52u
#define XFS_BMBT_BLOCKCOUNT_BITS 21u
#define XFS_BMAP_MAX_LEVELS 10u /* ceiling over every extent-counter size */

/* The root of a bmbt in an inode fork (struct xfs_bmdr_block): keys then ptrs, 8 bytes each. */
struct xfs_bmdr_block {
	uint16_t bb_level;
	uint16_t bb_numrecs;
};
_Static_assert(sizeof(struct xfs_bmdr_block) == 4, "bmdr");

/* Directory and attribute btree headers (xfs_da_format.h). */
struct xfs_da_blkinfo {
	uint32_t forw;
	uint32_t back;
	uint16_t magic;
	uint16_t pad;
};
_Static_assert(sizeof(struct xfs_da_blkinfo) == 12, "da_blkinfo");
struct xfs_da3_blkinfo {
	struct xfs_da_blkinfo hdr;
	uint32_t crc;
	uint64_t blkno;
	uint64_t lsn;
	uint8_t uuid[16];
	uint64_t owner;
} __attribute__((packed));
_Static_assert(sizeof(struct xfs_da3_blkinfo) == 56, "da3_blkinfo");
#define XFS_DA3_CRC_OFF 12u
#define XFS_DA_NODE_HDR_SIZE 16u  /* blkinfo, count, level */
#define XFS_DA3_NODE_HDR_SIZE 64u /* da3 blkinfo, count, level, pad */
#define XFS_DA_NODE_ENTRY_SIZE 8u /* hashval, before */
#define XFS_DA_NODE_MAXDEPTH 5u

/* Directory v2 geometry: data blocks below 32 GiB, leaf blocks from 32 GiB, free index from 64 GiB. */
#define XFS_DIR2_DATA_ALIGN 8u
#define XFS_DIR2_LEAF_OFFSET (1ULL << 35)
#define XFS_DIR2_FREE_OFFSET (2ULL << 35)
#define XFS_DIR2_DATA_FREE_TAG 0xffffu
#define XFS_DIR2_DATA_HDR_SIZE 16u  /* magic, bestfree[3] */
#define XFS_DIR3_DATA_HDR_SIZE 64u  /* dir3 blk hdr (48), bestfree[3], pad */
#define XFS_DIR3_DATA_CRC_OFF 4u
#define XFS_DIR3_BLK_HDR_OWNER_OFF 40u
#define XFS_DIR3_BLK_HDR_BLKNO_OFF 8u
#define XFS_DIR2_BLOCK_TAIL_SIZE 8u /* count, stale */
#define XFS_DIR2_LEAF_ENTRY_SIZE 8u /* hashval, address */
/* Short-form header: count, i8count, parent (4 or 8 bytes). */
#define XFS_DIR2_SF_HDR_SIZE_4 6u
#define XFS_DIR2_SF_HDR_SIZE_8 10u

#define XFS_DIR3_FT_UNKNOWN 0
#define XFS_DIR3_FT_REG_FILE 1
#define XFS_DIR3_FT_DIR 2
#define XFS_DIR3_FT_CHRDEV 3
#define XFS_DIR3_FT_BLKDEV 4
#define XFS_DIR3_FT_FIFO 5
#define XFS_DIR3_FT_SOCK 6
#define XFS_DIR3_FT_SYMLINK 7
#define XFS_DIR3_FT_WHT 8
#define XFS_DIR3_FT_MAX 9

/* Attribute forks. */
#define XFS_ATTR_SF_HDR_SIZE 4u /* totsize, count, padding */
#define XFS_ATTR_LEAF_HDR_SIZE 32u
#define XFS_ATTR3_LEAF_HDR_SIZE 80u
#define XFS_ATTR_LEAF_ENTRY_SIZE 8u /* hashval, nameidx, flags, pad */
#define XFS_ATTR_LOCAL 0x01u
#define XFS_ATTR_ROOT 0x02u
#define XFS_ATTR_SECURE 0x04u
#define XFS_ATTR_PARENT 0x08u
#define XFS_ATTR_INCOMPLETE 0x80u
#define XFS_XATTR_SIZE_MAX (1u << 16)

/* Remote attribute value and symlink blocks: a v5 header per filesystem block. */
struct xfs_attr3_rmt_hdr {
	uint32_t rm_magic;
	uint32_t rm_offset;
	uint32_t rm_bytes;
	uint32_t rm_crc;
	uint8_t rm_uuid[16];
	uint64_t rm_owner;
	uint64_t rm_blkno;
	uint64_t rm_lsn;
};
_Static_assert(sizeof(struct xfs_attr3_rmt_hdr) == 56, "rmt hdr");
struct xfs_dsymlink_hdr {
	uint32_t sl_magic;
	uint32_t sl_offset;
	uint32_t sl_bytes;
	uint32_t sl_crc;
	uint8_t sl_uuid[16];
	uint64_t sl_owner;
	uint64_t sl_blkno;
	uint64_t sl_lsn;
};
_Static_assert(sizeof(struct xfs_dsymlink_hdr) == 56, "symlink hdr");
#define XFS_RMT_CRC_OFF 12u
#define XFS_SYMLINK_MAXLEN 1024u

#endif /* FSIMG_XFS_FORMAT_H */
