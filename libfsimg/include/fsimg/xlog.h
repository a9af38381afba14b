/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: the log of an XFS filesystem as it is on disk, for listing.
 *
 *   fsimg_xlog_open()   the log of an XFS handle: internal (from the
 *                       superblock) or on an external log device; finds
 *                       head and tail as the kernel's xlog_find_tail does
 *                       (torn writes at the head cut, the unmount record)
 *   fsimg_xlog_info()   where the log is, its size, head, tail, clean or not
 *   fsimg_xlog_walk()   every committed transaction from tail to head, in
 *                       commit order, as the kernel's recovery reassembles
 *                       them; its items are decoded by index inside the
 *                       callback (fsimg_xlog_trans_item, _item_extent)
 *
 * Nothing writes. Recovery of the log (planning and applying it) goes
 * through the neutral fsimg_recovery_* calls of fsimg/fsimg.h.
 *
 * Ownership: a log borrows its fs and its log device. Block numbers are log
 * basic blocks (512 bytes) from the log's start, as the kernel's head and
 * tail blocks and an LSN's block half; an LSN is cycle << 32 | block.
 */
#ifndef FSIMG_XLOG_H
#define FSIMG_XLOG_H

#include "fsimg/fsimg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fsimg_xlog fsimg_xlog;
typedef struct fsimg_xlog_trans fsimg_xlog_trans;

#define FSIMG_XLOG_LSN_CYCLE(lsn) ((uint32_t)((lsn) >> 32))
#define FSIMG_XLOG_LSN_BLOCK(lsn) ((uint32_t)(lsn))

struct fsimg_xlog_info {
	int external;             /* on a log device of its own */
	uint64_t fs_block;        /* internal: sb_logstart (an fsb), else 0 */
	uint64_t daddr;           /* the log's first 512-byte sector on its device */
	uint32_t fs_blocks;       /* sb_logblocks */
	uint32_t block_size;      /* the filesystem's block size */
	uint32_t basic_blocks;    /* the log's length in 512-byte basic blocks */
	int version;              /* 2 with the logv2 bit (always on v5), else 1 */
	int crc;                  /* v5: a record whose CRC fails is corruption */
	uint32_t sector_size;     /* the log's sector size, bytes */
	uint32_t stripe_unit;     /* sb_logsunit, bytes (0 or 1: none) */
	uint32_t head_cycle, head_block; /* where the next write would go */
	uint32_t tail_cycle, tail_block; /* the first record recovery replays */
	uint32_t last_record;     /* block of the last good record header */
	uint64_t last_lsn;        /* its LSN */
	int clean;                /* the last record is an unmount record */
	int zeroed;               /* never written (cycle 0 at block 0) */
	int torn;                 /* a torn write at the head was cut */
	uint32_t torn_block;      /* the head before the cut, when torn */
	int tail_moved;           /* the tail moved past bad records just ahead of the head */
	uint32_t tail_was;        /* the tail before it moved */
	int refused;              /* a record whose CRC fails between tail and head, too far
				     from the head: the kernel refuses the mount */
	uint32_t bad_block;       /* that record, when refused */
};

/* Counts of one walk (fsimg_xlog_walk). */
struct fsimg_xlog_stats {
	uint64_t records, ops, transactions, items, bytes;
	uint64_t unmount_records;
	uint64_t incomplete;      /* transactions still open at the head: not recovered */
	uint64_t crc_mismatch;    /* records whose CRC fails (tolerated on v4, as the kernel does) */
	uint32_t header_sectors;  /* of the records' headers (more than 1 above 32 KiB logbsize) */
	uint32_t iclog_size;      /* h_size of the records, bytes */
};

struct fsimg_xlog_trans_info {
	uint32_t tid;
	uint64_t lsn;             /* the record holding its start */
	uint64_t commit_lsn;      /* the record holding its commit */
	uint32_t th_type;         /* the transaction header's type (0 on a CIL checkpoint) */
	uint32_t th_num_items;    /* items the header announces */
	size_t nitems;            /* items held */
};

/* Item types (XFS_LI_*), as fsimg_xlog_item.type holds them. */
#define FSIMG_XLOG_EFI 0x1236u
#define FSIMG_XLOG_EFD 0x1237u
#define FSIMG_XLOG_IUNLINK 0x1238u
#define FSIMG_XLOG_INODE 0x123bu
#define FSIMG_XLOG_BUF 0x123cu
#define FSIMG_XLOG_DQUOT 0x123du
#define FSIMG_XLOG_QUOTAOFF 0x123eu
#define FSIMG_XLOG_ICREATE 0x123fu
#define FSIMG_XLOG_RUI 0x1240u
#define FSIMG_XLOG_RUD 0x1241u
#define FSIMG_XLOG_CUI 0x1242u
#define FSIMG_XLOG_CUD 0x1243u
#define FSIMG_XLOG_BUI 0x1244u
#define FSIMG_XLOG_BUD 0x1245u
#define FSIMG_XLOG_ATTRI 0x1246u
#define FSIMG_XLOG_ATTRD 0x1247u
#define FSIMG_XLOG_XMI 0x1248u
#define FSIMG_XLOG_XMD 0x1249u

/* Buffer item flags (blf_flags). */
#define FSIMG_XLOG_BUF_INODE 0x01u
#define FSIMG_XLOG_BUF_CANCEL 0x02u
#define FSIMG_XLOG_BUF_UDQUOT 0x04u
#define FSIMG_XLOG_BUF_PDQUOT 0x08u
#define FSIMG_XLOG_BUF_GDQUOT 0x10u

/* What an item is and what it touches; fields not of its type are 0. */
struct fsimg_xlog_item {
	uint16_t type;            /* FSIMG_XLOG_* */
	const char *name;         /* "buf", "inode", "icreate", "efi", ... */
	uint32_t regions;
	/* buf, inode, dquot: the buffer on the data device; icreate: the inode chunk */
	int has_buffer;
	uint64_t daddr;           /* 512-byte sectors */
	uint32_t bblen;           /* its length in 512-byte sectors */
	uint64_t fs_block;        /* the fsb holding daddr */
	uint32_t fs_block_offset; /* daddr's sector inside that block */
	uint32_t flags;           /* buf: blf_flags (FSIMG_XLOG_BUF_*) */
	uint32_t dirty_chunks;    /* buf: 128-byte chunks the dirty bitmap marks */
	uint32_t map_size;        /* buf: words of the dirty bitmap (at most 17) */
	uint32_t map[17];         /* buf: bit i set: bytes [128 i, 128 i + 128) of the buffer logged */
	/* inode (and attri, xmi: the inode they name) */
	uint64_t ino;
	uint32_t fields;          /* inode: ilf_fields */
	uint32_t dsize, asize;    /* inode: data and attr fork bytes logged */
	/* dquot */
	uint32_t dquot_id;
	/* quotaoff */
	uint32_t qflags;
	/* icreate: the inode chunk initialised */
	uint32_t agno, agbno, length, count, isize, gen;
	/* intents and done items */
	uint64_t id;              /* the intent's id (a done item: the intent it finishes) */
	uint32_t nextents;
	int intent;               /* an intent (efi, rui, cui, bui, attri, xmi) */
	uint16_t done_type;       /* an intent: the type of its done item */
	/* attri */
	uint32_t op_flags, name_len, value_len;
	/* xmi */
	uint64_t ino2;
};

struct fsimg_xlog_extent {
	uint64_t start_block;     /* fsb */
	uint64_t len;             /* blocks */
	uint64_t owner, start_offset; /* rui/bui: the owner and its file offset */
	uint32_t flags;           /* the record's flags word (rui, cui, bui) */
};

/*
 * Opens the log of fs (an XFS handle; FSIMG_ENOTSUP_OP otherwise), internal
 * when logdev is NULL, else the external log device, and finds its head and
 * tail. Fails with FSIMG_EINVAL when the log is external and logdev NULL,
 * FSIMG_ECORRUPT / FSIMG_ECSUM / FSIMG_EIO on a log that cannot be read;
 * errbuf gets the reason.
 */
FSIMG_API int fsimg_xlog_open(fsimg_xlog **out, fsimg_fs *fs, fsimg_io *logdev, char *errbuf,
			      size_t errlen);
FSIMG_API void fsimg_xlog_close(fsimg_xlog *log);
/* The last detailed message (after a failed walk or item call). */
FSIMG_API const char *fsimg_xlog_errmsg(const fsimg_xlog *log);
FSIMG_API int fsimg_xlog_info(struct fsimg_xlog_info *out, const fsimg_xlog *log);

/*
 * Walks the live log from tail to head and calls fn for each committed
 * transaction in commit order (the transaction is valid only during the
 * call). fn returns 0 to go on, anything else to stop the walk with that
 * value. st (may be NULL) gets the counts. 0, fn's value, or <0.
 */
typedef int (*fsimg_xlog_trans_fn)(void *ctx, const fsimg_xlog_trans *t);
FSIMG_API int fsimg_xlog_walk(fsimg_xlog *log, fsimg_xlog_trans_fn fn, void *ctx,
			      struct fsimg_xlog_stats *st);
FSIMG_API int fsimg_xlog_trans_info(struct fsimg_xlog_trans_info *out, const fsimg_xlog_trans *t);
/*
 * Item i of a transaction, decoded and checked against its own counts: 0,
 * FSIMG_EUNSUPP for a type the library does not know (named in the log's
 * message), FSIMG_ECORRUPT when its sizes overrun its regions.
 */
FSIMG_API int fsimg_xlog_trans_item(struct fsimg_xlog_item *out, const fsimg_xlog_trans *t, size_t i);
/* Extent k (< nextents) of item i, an intent or done item. */
FSIMG_API int fsimg_xlog_item_extent(struct fsimg_xlog_extent *out, const fsimg_xlog_trans *t,
				     size_t i, uint32_t k);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_XLOG_H */
