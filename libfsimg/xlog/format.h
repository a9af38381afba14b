/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS log's on-disk layouts and constants, and nothing else (as libxfs
 * xfs_log_format.h). Two byte orders live here: record headers and op
 * headers are big-endian, while everything the kernel copies out of its
 * in-core log items (the transaction header, every *_log_format struct and
 * the logged dinode) is in the byte order of the host that wrote the log,
 * which the record header's h_fmt names. The structs are never cast onto
 * image bytes: they give offsets and sizes to the cursor readers.
 */
#ifndef FSIMG_XLOG_FORMAT_H
#define FSIMG_XLOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define XLOG_BBSHIFT 9
#define XLOG_BBSIZE 512u
#define XLOG_HEADER_MAGIC_NUM 0xFEEDbabeu
#define XLOG_VERSION_1 1u
#define XLOG_VERSION_2 2u
#define XLOG_VERSION_OKBITS (XLOG_VERSION_1 | XLOG_VERSION_2)
#define XLOG_HEADER_CYCLE_SIZE (32u * 1024) /* data bytes one header's cycle words cover */
#define XLOG_CYCLE_WORDS (XLOG_HEADER_CYCLE_SIZE / XLOG_BBSIZE) /* 64 */
#define XLOG_BIG_RECORD_BSIZE (32u * 1024)
#define XLOG_MAX_RECORD_BSIZE (256u * 1024)
#define XLOG_MAX_ICLOGS 8u
#define XLOG_MIN_RECORD_BSIZE (16u * 1024)
#define XFS_MIN_LOG_BLOCKS 512u /* filesystem blocks (xfs_format.h) */

/* h_fmt: the byte order of the items inside the record. */
#define XLOG_FMT_UNKNOWN 0u
#define XLOG_FMT_LINUX_LE 1u
#define XLOG_FMT_LINUX_BE 2u
#define XLOG_FMT_IRIX_BE 3u

/* oh_clientid */
#define XFS_TRANSACTION 0x69u
#define XFS_LOG 0xaau

/* oh_flags */
#define XLOG_START_TRANS 0x01u
#define XLOG_COMMIT_TRANS 0x02u
#define XLOG_CONTINUE_TRANS 0x04u
#define XLOG_WAS_CONT_TRANS 0x08u
#define XLOG_END_TRANS 0x10u
#define XLOG_UNMOUNT_TRANS 0x20u

#define XLOG_UNMOUNT_TYPE 0x556eu

/* xlog_rec_header: one 512-byte sector, big-endian. */
struct xlog_drec_header {
	uint32_t h_magicno;
	uint32_t h_cycle;
	uint32_t h_version;
	uint32_t h_len;        /* data bytes after the header sectors */
	uint64_t h_lsn;
	uint64_t h_tail_lsn;
	uint32_t h_crc;        /* little-endian crc32c */
	uint32_t h_prev_block;
	uint32_t h_num_logops;
	uint32_t h_cycle_data[XLOG_CYCLE_WORDS]; /* the words the cycle stamps replaced */
	uint32_t h_fmt;
	uint8_t h_fs_uuid[16];
	uint32_t h_size;       /* iclog size */
};
_Static_assert(offsetof(struct xlog_drec_header, h_crc) == 32, "h_crc");
_Static_assert(offsetof(struct xlog_drec_header, h_cycle_data) == 44, "h_cycle_data");
_Static_assert(offsetof(struct xlog_drec_header, h_size) == 320, "h_size");
/* The crc covers sizeof(struct xlog_rec_header) as the kernel compiles it: 328. */
#define XLOG_REC_HEADER_CRC_SIZE 328u

/* xlog_rec_ext_header: the following header sectors of a v2 record > 32 KiB. */
struct xlog_drec_ext_header {
	uint32_t xh_cycle;
	uint32_t xh_cycle_data[XLOG_CYCLE_WORDS];
};
_Static_assert(sizeof(struct xlog_drec_ext_header) == 260, "ext header");

/* xlog_op_header: 12 bytes, big-endian. */
struct xlog_dop_header {
	uint32_t oh_tid;
	uint32_t oh_len;
	uint8_t oh_clientid;
	uint8_t oh_flags;
	uint16_t oh_res2;
};
_Static_assert(sizeof(struct xlog_dop_header) == 12, "op header");

/* Host-order from here on. */
#define XFS_TRANS_HEADER_MAGIC 0x5452414eu /* TRAN */
struct xfs_dtrans_header {
	uint32_t th_magic;
	uint32_t th_type;
	int32_t th_tid;
	uint32_t th_num_items;
};
_Static_assert(sizeof(struct xfs_dtrans_header) == 16, "trans header");

#define XFS_LI_EFI 0x1236u
#define XFS_LI_EFD 0x1237u
#define XFS_LI_IUNLINK 0x1238u
#define XFS_LI_INODE 0x123bu
#define XFS_LI_BUF 0x123cu
#define XFS_LI_DQUOT 0x123du
#define XFS_LI_QUOTAOFF 0x123eu
#define XFS_LI_ICREATE 0x123fu
#define XFS_LI_RUI 0x1240u
#define XFS_LI_RUD 0x1241u
#define XFS_LI_CUI 0x1242u
#define XFS_LI_CUD 0x1243u
#define XFS_LI_BUI 0x1244u
#define XFS_LI_BUD 0x1245u
#define XFS_LI_ATTRI 0x1246u
#define XFS_LI_ATTRD 0x1247u
#define XFS_LI_XMI 0x1248u
#define XFS_LI_XMD 0x1249u

/* xlog_recover_add_to_trans: regions in one item (XFS_MAX_BLOCKSIZE / XFS_BLF_CHUNK / 2 + 1). */
#define XLOG_MAX_REGIONS_IN_ITEM 257u

/* xfs_buf_log_format */
struct xfs_dbuf_log_format {
	uint16_t blf_type;
	uint16_t blf_size;     /* regions in the item, this one included */
	uint16_t blf_flags;
	uint16_t blf_len;      /* basic blocks */
	int64_t blf_blkno;     /* daddr */
	uint32_t blf_map_size; /* words of the dirty bitmap */
	uint32_t blf_data_map[17];
};
_Static_assert(offsetof(struct xfs_dbuf_log_format, blf_map_size) == 16, "blf_map_size");
_Static_assert(offsetof(struct xfs_dbuf_log_format, blf_data_map) == 20, "blf_data_map");
#define XFS_BLF_CHUNK 128u
#define XFS_BLF_SHIFT 7
#define XFS_BLF_DATAMAP_SIZE 17u /* (65536 / 128) / 32 + 1 */
#define XFS_BLF_INODE_BUF 0x01u
#define XFS_BLF_CANCEL 0x02u
#define XFS_BLF_UDQUOT_BUF 0x04u
#define XFS_BLF_PDQUOT_BUF 0x08u
#define XFS_BLF_GDQUOT_BUF 0x10u
#define XFS_BLF_DQUOT_BUFS (XFS_BLF_UDQUOT_BUF | XFS_BLF_PDQUOT_BUF | XFS_BLF_GDQUOT_BUF)
#define XFS_BLFT_SHIFT 11
#define XFS_BLFT_MASK (0x1fu << XFS_BLFT_SHIFT)

/* xfs_inode_log_format (64-bit layout) and its packed 32-bit twin. */
struct xfs_dinode_log_format {
	uint16_t ilf_type;
	uint16_t ilf_size;
	uint32_t ilf_fields;
	uint16_t ilf_asize;
	uint16_t ilf_dsize;
	uint32_t ilf_pad;
	uint64_t ilf_ino;
	uint8_t ilf_u[16];     /* rdev (uint32) or the unused uuid */
	int64_t ilf_blkno;
	int32_t ilf_len;
	int32_t ilf_boffset;
};
_Static_assert(sizeof(struct xfs_dinode_log_format) == 56, "inode log format");
#define XFS_INODE_LOG_FORMAT_32_SIZE 52u
/* The 32-bit layout has no ilf_pad: ino at 12, u at 20, blkno at 36, len 44, boffset 48. */
#define XFS_ILF32_INO 12u
#define XFS_ILF32_U 20u
#define XFS_ILF32_BLKNO 36u
#define XFS_ILF32_LEN 44u
#define XFS_ILF32_BOFFSET 48u

#define XFS_ILOG_CORE 0x001u
#define XFS_ILOG_DDATA 0x002u
#define XFS_ILOG_DEXT 0x004u
#define XFS_ILOG_DBROOT 0x008u
#define XFS_ILOG_DEV 0x010u
#define XFS_ILOG_UUID 0x020u
#define XFS_ILOG_ADATA 0x040u
#define XFS_ILOG_AEXT 0x080u
#define XFS_ILOG_ABROOT 0x100u
#define XFS_ILOG_DOWNER 0x200u
#define XFS_ILOG_AOWNER 0x400u
#define XFS_ILOG_TIMESTAMP 0x4000u
#define XFS_ILOG_IVERSION 0x8000u
#define XFS_ILOG_DFORK (XFS_ILOG_DDATA | XFS_ILOG_DEXT | XFS_ILOG_DBROOT)
#define XFS_ILOG_AFORK (XFS_ILOG_ADATA | XFS_ILOG_AEXT | XFS_ILOG_ABROOT)

/* xfs_log_dinode: the inode core as logged (host order). Offsets used. */
#define XFS_LOG_DINODE_MAGIC_OFF 0u
#define XFS_LOG_DINODE_MODE_OFF 2u
#define XFS_LOG_DINODE_VERSION_OFF 4u
#define XFS_LOG_DINODE_FORMAT_OFF 5u
#define XFS_LOG_DINODE_FLUSHITER_OFF 30u
#define XFS_LOG_DINODE_SIZE_OFF 56u
#define XFS_LOG_DINODE_NEXT_UNLINKED_OFF 96u /* the v2 core ends here */
#define XFS_LOG_DINODE_V3_SIZE 176u
#define XFS_LOG_DINODE_LSN_OFF 112u
#define XFS_LOG_DINODE_INO_OFF 152u

/* xfs_dq_logformat */
struct xfs_ddq_logformat {
	uint16_t qlf_type;
	uint16_t qlf_size;
	uint32_t qlf_id;
	int64_t qlf_blkno;
	int32_t qlf_len;
	uint32_t qlf_boffset;
};
_Static_assert(sizeof(struct xfs_ddq_logformat) == 24, "dq logformat");

/* xfs_qoff_logformat */
struct xfs_dqoff_logformat {
	uint16_t qf_type;
	uint16_t qf_size;
	uint32_t qf_flags;
	uint8_t qf_pad[12];
};
_Static_assert(sizeof(struct xfs_dqoff_logformat) == 20, "qoff logformat");

/* xfs_icreate_log: its fields after the type and size are big-endian. */
struct xfs_dicreate_log {
	uint16_t icl_type;
	uint16_t icl_size;
	uint32_t icl_ag;
	uint32_t icl_agbno;
	uint32_t icl_count;
	uint32_t icl_isize;
	uint32_t icl_length;
	uint32_t icl_gen;
};
_Static_assert(sizeof(struct xfs_dicreate_log) == 28, "icreate log");

/* EFI/EFD: a 16-byte head, then extents of 12 (packed 32-bit) or 16 bytes. */
struct xfs_defi_log_format {
	uint16_t efi_type;
	uint16_t efi_size;
	uint32_t efi_nextents;
	uint64_t efi_id;
};
_Static_assert(sizeof(struct xfs_defi_log_format) == 16, "efi head");
#define XFS_EXTENT_32_SIZE 12u
#define XFS_EXTENT_64_SIZE 16u

/* RUI/BUI extents (xfs_map_extent), CUI extents (xfs_phys_extent). */
struct xfs_dmap_extent {
	uint64_t me_owner;
	uint64_t me_startblock;
	uint64_t me_startoff;
	uint32_t me_len;
	uint32_t me_flags;
};
_Static_assert(sizeof(struct xfs_dmap_extent) == 32, "map extent");
struct xfs_dphys_extent {
	uint64_t pe_startblock;
	uint32_t pe_len;
	uint32_t pe_flags;
};
_Static_assert(sizeof(struct xfs_dphys_extent) == 16, "phys extent");
#define XFS_RMAP_EXTENT_TYPE_MASK 0xffu
#define XFS_RMAP_EXTENT_ATTR_FORK (1u << 31)
#define XFS_RMAP_EXTENT_BMBT_BLOCK (1u << 30)
#define XFS_RMAP_EXTENT_UNWRITTEN (1u << 29)
#define XFS_BMAP_EXTENT_ATTR_FORK (1u << 31)
#define XFS_BMAP_EXTENT_UNWRITTEN (1u << 30)

/* The done items (RUD, CUD, BUD, ATTRD, XMD): type, size, pad, the intent's id. */
struct xfs_ddone_log_format {
	uint16_t d_type;
	uint16_t d_size;
	uint32_t d_pad;
	uint64_t d_intent_id;
};
_Static_assert(sizeof(struct xfs_ddone_log_format) == 16, "done item");

/* xfs_attri_log_format */
struct xfs_dattri_log_format {
	uint16_t alfi_type;
	uint16_t alfi_size;
	uint32_t alfi_pad;
	uint64_t alfi_id;
	uint64_t alfi_ino;
	uint32_t alfi_op_flags;
	uint32_t alfi_name_len;
	uint32_t alfi_value_len;
	uint32_t alfi_attr_filter;
};
_Static_assert(sizeof(struct xfs_dattri_log_format) == 40, "attri");

/* xfs_xmi_log_format (exchange-range intent, Linux 6.10) */
struct xfs_dxmi_log_format {
	uint16_t xmi_type;
	uint16_t xmi_size;
	uint32_t xmi_pad;
	uint64_t xmi_id;
	uint64_t xmi_inode1;
	uint64_t xmi_inode2;
	uint32_t xmi_igen1;
	uint32_t xmi_igen2;
	uint64_t xmi_startoff1;
	uint64_t xmi_startoff2;
	uint64_t xmi_blockcount;
	uint64_t xmi_flags;
	int64_t xmi_isize1;
	int64_t xmi_isize2;
};
_Static_assert(sizeof(struct xfs_dxmi_log_format) == 88, "xmi");

#endif /* FSIMG_XLOG_FORMAT_H */
