/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS log's internal interface: what a filesystem-neutral recovery
 * interface wraps. It reads the log (internal, located from the superblock,
 * or on a second fsimg_io), finds head and tail as the kernel's
 * xlog_find_tail does, walks the records from tail to head reassembling
 * transactions as xlog_do_recovery_pass does, and decodes the items. Nothing
 * writes. Calls return 0 (or a count) and negative FSIMG_E* codes with the
 * reason in log->errmsg.
 *
 * Block numbers are log basic blocks (512 bytes) from the log's start, as
 * the kernel's head_blk / tail_blk and an LSN's block half.
 */
#ifndef FSIMG_XLOG_XLOG_H
#define FSIMG_XLOG_XLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xfs/xfs.h"
#include "xlog/format.h"
#include "xlog/trace.h"

#define XLOG_LSN(cycle, blk) (((uint64_t)(cycle) << 32) | (uint32_t)(blk))
#define XLOG_LSN_CYCLE(lsn) ((uint32_t)((lsn) >> 32))
#define XLOG_LSN_BLOCK(lsn) ((uint32_t)(lsn))

/* Where the log is and what it is made of. */
struct xlog_geom {
	uint64_t dev_off;    /* byte offset of log block 0 on its device */
	uint64_t daddr;      /* the same in 512-byte units (xfs_logprint's daddr) */
	uint32_t bbs;        /* length in basic blocks (l_logBBsize) */
	bool external;
	bool v2;             /* the superblock's logv2 bit (v5 always) */
	bool crc;            /* a v5 filesystem: record CRC failures are corruption */
	uint32_t sunit;      /* sb_logsunit, bytes */
	uint32_t sectbbs;    /* the log's sector size in basic blocks */
};

/* The outcome of xlog_find_tail. */
struct xlog_ends {
	uint32_t head_blk, head_cycle; /* where the next write would go */
	uint32_t tail_blk, tail_cycle; /* the first record recovery replays */
	uint32_t last_rec_blk;         /* the last good record header before the head */
	uint64_t last_lsn;             /* its h_lsn */
	bool clean;                    /* the last record is an unmount record */
	bool zeroed;                   /* a log never written (cycle 0 at block 0) */
	bool torn;                     /* a torn write at the head was cut */
	uint32_t torn_blk;             /* the original head, when torn */
	bool tail_moved;               /* xlog_verify_tail moved the tail past bad records */
	uint32_t tail_was;             /* the tail before it moved */
	bool refused;                  /* xlog_verify_tail: the kernel refuses the mount */
	uint32_t bad_blk;              /* the record whose CRC fails, when refused */
};

/* One region of an item, as reassembled from op payloads (owned by the item). */
struct xlog_region {
	uint8_t *p;
	uint32_t len;
};

struct xlog_item {
	uint32_t total;           /* regions announced by the format region's size */
	uint32_t cnt;             /* regions held */
	struct xlog_region *reg;  /* reg[0] is the format structure */
};

/* A committed transaction (xlog_recover). */
struct xlog_trans {
	uint32_t tid;
	uint64_t lsn;             /* r_lsn: the record holding its start op */
	uint64_t commit_lsn;      /* the record holding its commit op */
	uint32_t th_type, th_num_items;
	uint8_t theader[16];
	uint32_t theader_len;
	struct xlog_item *items;
	size_t nitems, cap;
	uint64_t mem;             /* its regions' bytes counted in log->mem (record.c) */
	struct xlog_trans *next;  /* in-flight hash chain */
	struct xlog_chunk *chunks; /* where its regions live (record.c), newest first */
	struct xlog_chunk_pool *pool; /* its walk's spare chunks (record.c), or NULL */
};

/* Counts of one walk. */
struct xlog_walk_stats {
	uint64_t records, ops, transactions, items, bytes;
	uint64_t unmount_records;
	uint64_t incomplete;      /* transactions open at the head (not replayed) */
	uint64_t crc_mismatch;    /* records whose CRC differs (tolerated when not v5) */
};

typedef struct xlog {
	xfs_fs *fs;
	fsimg_io *io;             /* the device holding the log */
	struct xlog_geom geom;
	struct xlog_ends ends;
	bool le;                  /* items in little-endian order (h_fmt) */
	uint32_t hblks, h_size;   /* header sectors per record and iclog size (from the tail) */
	/* The last walk whose records' non-zero CRCs all matched (xlog_verify_tail's pass, or
	 * the plan's first walk, record.c): a later walk from the same block with the same
	 * record framing meets the same records, and need not sum those again (valid: set). */
	struct {
		bool valid;
		uint32_t start, dist, hblks, h_size;
	} crc_ok;
	/* xlog_find_tail_deferred: xlog_verify_tail's pass left to the walk that follows */
	struct {
		bool pending;
		uint32_t head, hsize;
	} vtail;
	bool crc_bad_seen;        /* a walk met a non-zero h_crc that does not match */
	uint64_t mem;             /* bytes held by in-flight transactions */
	uint64_t mem_max;
	/* the mount's checkpoints after recovery (intent.c, ifree.c): where the next one starts
	 * (0: at the head) and the last LSN one stamped on metadata (0: none) */
	uint64_t fin_next_lsn, fin_max_lsn;
	struct xfin_trace fin_count; /* the finish paths they took (trace.h) */
	char errmsg[256];
} xlog;

/* ------------------------------------------------------------ log.c */

/* Opens the log of fs: internal (from the superblock) when logdev is NULL,
 * else the external log device (which must outlive the handle). Reads
 * nothing beyond the geometry; xlog_find_tail fills log->ends. */
int xlog_open(xlog **out, xfs_fs *fs, fsimg_io *logdev) XFS_HIDDEN;
void xlog_close(xlog *log) XFS_HIDDEN;
/* Reads n basic blocks at blk (wrapping at the log's end) into buf. */
int xlog_bread(xlog *log, void *buf, uint32_t blk, uint32_t n) XFS_HIDDEN;
/* The kernel's xlog_find_head / xlog_find_tail / xlog_verify_head /
 * xlog_verify_tail and the unmount record check; fills log->ends. A record
 * whose CRC fails too far from the head: FSIMG_ECSUM with ends.refused set
 * (and the rest of ends filled, for listing), as the kernel fails the mount. */
int xlog_find_tail(xlog *log) XFS_HIDDEN;
/*
 * The same without xlog_verify_tail's CRC pass from the tail to the head
 * (log->vtail.pending says it was left), for a caller that walks the log
 * from the tail with CRCs checked next: when that walk ends without an
 * error and without log->crc_bad_seen, the pass would have found no bad
 * record and changed nothing. Otherwise the caller undoes what it made and
 * calls xlog_verify_tail, which runs the pass as xlog_find_tail would have
 * (its result is xlog_find_tail's), before walking again.
 */
int xlog_find_tail_deferred(xlog *log) XFS_HIDDEN;
int xlog_verify_tail(xlog *log) XFS_HIDDEN;
int xlog_error(xlog *log, int err, const char *fmt, ...) XFS_HIDDEN
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ record.c */

/* Header sectors of a record with this header (xlog_logrec_hblks). */
uint32_t xlog_rec_hblks(const xlog *log, const uint8_t *rhead) XFS_HIDDEN;
/* xlog_valid_rec_header: magic, version, 0 < h_len <= bufsize. */
int xlog_rec_valid(xlog *log, const uint8_t *rhead, uint32_t blk, uint32_t bufsize) XFS_HIDDEN;
/* The record's crc32c as the kernel computes it (xlog_cksum) over header
 * sectors hdr (hblks of them) and data (h_len bytes, still packed). */
uint32_t xlog_rec_cksum(const uint8_t *hdr, const uint8_t *data, uint32_t h_len) XFS_HIDDEN;

/*
 * Walks records from start_blk to end_blk as xlog_do_recovery_pass.
 * crc_only: the XLOG_RECOVER_CRCPASS (records checked, nothing parsed);
 * *first_bad gets the block of the first record whose CRC fails (or ~0).
 * Otherwise fn is called for every committed transaction in commit order
 * (the transaction is freed after; fn returning non-zero stops the walk).
 */
typedef int (*xlog_trans_fn)(void *ctx, const struct xlog_trans *t);
int xlog_walk_range(xlog *log, uint32_t start_blk, uint32_t end_blk, bool crc_only,
		    uint32_t *first_bad, xlog_trans_fn fn, void *ctx, struct xlog_walk_stats *st)
	XFS_HIDDEN;
/* The walk over the live log: tail to head (after xlog_find_tail). */
int xlog_walk(xlog *log, xlog_trans_fn fn, void *ctx, struct xlog_walk_stats *st) XFS_HIDDEN;
/* The same, each committed transaction given to take, which owns it from the call on
 * (xlog_trans_release frees it; it no longer counts in log->mem). */
typedef int (*xlog_trans_take_fn)(void *ctx, struct xlog_trans *t);
int xlog_walk_take(xlog *log, xlog_trans_take_fn take, void *ctx, struct xlog_walk_stats *st) XFS_HIDDEN;
void xlog_trans_release(struct xlog_trans *t) XFS_HIDDEN;

/* ------------------------------------------------------------ item.c */

/* Host-order reads of item bytes in the log's item byte order (inline: the inode replay
 * converts a few dozen fields of every logged inode). */
static inline uint16_t xlog_r16(const xlog *log, const uint8_t *p)
{
	return log->le ? get_le16(p) : get_be16(p);
}
static inline uint32_t xlog_r32(const xlog *log, const uint8_t *p)
{
	return log->le ? get_le32(p) : get_be32(p);
}
static inline uint64_t xlog_r64(const xlog *log, const uint8_t *p)
{
	return log->le ? get_le64(p) : get_be64(p);
}

/* One extent named by an intent or done item. */
struct xlog_ext {
	uint64_t startblock;      /* fsb */
	uint64_t len;
	uint64_t owner, startoff; /* RUI/BUI */
	uint32_t flags;           /* me_flags / pe_flags */
};

/* An item decoded: what it is and what it touches. */
struct xlog_item_info {
	uint16_t type;            /* XFS_LI_* */
	const char *name;         /* "buf", "inode", "efi", ... */
	uint32_t nregions;
	/* buf, inode, dquot: the buffer on the data device */
	int64_t blkno;            /* daddr */
	uint32_t bblen;           /* basic blocks */
	uint16_t flags;           /* blf_flags */
	uint32_t map_size;        /* buf: words of the dirty bitmap */
	uint32_t map[XFS_BLF_DATAMAP_SIZE];
	/* inode */
	uint64_t ino;
	uint32_t fields;          /* ilf_fields */
	uint16_t dsize, asize;
	int32_t boffset;
	bool fmt32;               /* the packed 32-bit inode log format */
	/* dquot */
	uint32_t dq_id;
	/* quotaoff */
	uint32_t qflags;
	/* icreate */
	uint32_t agno, agbno, count, isize, length, gen;
	/* intents and done items */
	uint64_t id;              /* the intent's id (done items: the intent they finish) */
	uint32_t nextents;
	uint32_t ext_size;        /* bytes per extent record (efi/efd 12 or 16) */
	/* attri */
	uint32_t op_flags, name_len, value_len, attr_filter;
	/* xmi */
	uint64_t ino2;
};

/* Decodes and checks an item: its format region's size against what it
 * says, region counts, extents inside the region. An unknown type is
 * FSIMG_EUNSUPP naming it. */
int xlog_item_decode(struct xlog_item_info *out, xlog *log, const struct xlog_item *it) XFS_HIDDEN;
/* Extent i (< info->nextents) of an intent or done item. */
void xlog_item_extent(struct xlog_ext *out, const xlog *log, const struct xlog_item *it,
		      const struct xlog_item_info *info, uint32_t i) XFS_HIDDEN;
/* "XFS_LI_BUF"-style name of a type, or NULL when unknown. */
const char *xlog_item_type_name(uint16_t type) XFS_HIDDEN;
/* Is this item type an intent (whose done item may be missing)? */
bool xlog_item_is_intent(uint16_t type) XFS_HIDDEN;
/* The done type that finishes an intent type (0 when none). */
uint16_t xlog_item_done_of(uint16_t intent_type) XFS_HIDDEN;

#endif /* FSIMG_XLOG_XLOG_H */
