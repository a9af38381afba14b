/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS backend's internal interface: what a filesystem-neutral front
 * wraps. Everything reads through an fsimg_io source and the bounds-checked
 * cursor; nothing writes. Calls return 0 (or a count, or 1/0 for iterators)
 * and negative FSIMG_E* codes with the reason in xfs->errmsg. A bad v5 CRC
 * on a structure that still parses is a finding: it goes to the notice
 * callback, is counted in xfs->findings, and reading goes on.
 *
 * Address spaces (xfs_types.h): an fsb is agno << agblklog | agbno, what
 * inodes and xfs_db's "startblock" hold; a linear block is byte offset /
 * block size = agno * agblocks + agbno; an ino is
 * agno << (agblklog + inopblog) | agbno << inopblog | slot.
 */
#ifndef FSIMG_XFS_XFS_H
#define FSIMG_XFS_XFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"
#include "core/cursor.h"
#include "xfs/format.h"

#define XFS_HIDDEN __attribute__((visibility("hidden")))

/* Big-endian reads of a named field of an on-disk struct. */
#define CUR_BE16(c, base, type, field) cur_be16((c), (base) + offsetof(type, field))
#define CUR_BE32(c, base, type, field) cur_be32((c), (base) + offsetof(type, field))
#define CUR_BE64(c, base, type, field) cur_be64((c), (base) + offsetof(type, field))

/* The superblock in host order (struct xfs_sb), filled only by xfs_sb_from_disk. */
struct xfs_sb {
	uint32_t magicnum, blocksize;
	uint64_t dblocks, rblocks, rextents;
	uint8_t uuid[16];
	uint64_t logstart, rootino, rbmino, rsumino;
	uint32_t rextsize, agblocks, agcount, rbmblocks, logblocks;
	uint16_t versionnum, sectsize, inodesize, inopblock;
	char fname[13]; /* NUL-terminated label */
	uint8_t blocklog, sectlog, inodelog, inopblog, agblklog, rextslog, inprogress, imax_pct;
	uint64_t icount, ifree, fdblocks, frextents, uquotino, gquotino, pquotino;
	uint16_t qflags;
	uint8_t flags, shared_vn;
	uint32_t inoalignmt, unit, width;
	uint8_t dirblklog, logsectlog;
	uint16_t logsectsize;
	uint32_t logsunit, features2, bad_features2;
	uint32_t features_compat, features_ro_compat, features_incompat, features_log_incompat;
	uint32_t crc, spino_align;
	uint64_t lsn;
	uint8_t meta_uuid[16];
};

struct xfs_agf_info {
	uint32_t seqno, length;
	uint32_t bno_root, cnt_root, rmap_root, bno_level, cnt_level, rmap_level;
	uint32_t flfirst, fllast, flcount, freeblks, longest, btreeblks;
	uint32_t rmap_blocks, refcount_blocks, refcount_root, refcount_level;
	bool crc_ok;
};

struct xfs_agi_info {
	uint32_t seqno, length, count, root, level, freecount, newino, dirino;
	uint32_t free_root, free_level, iblocks, fblocks;
	uint32_t unlinked[XFS_AGI_UNLINKED_BUCKETS];
	bool crc_ok;
};

#define XFS_IBLOCK_RUNS 32

typedef struct xfs_fs {
	fsimg_io *io;
	/* for blocks a walk reads once (directory data): the read cache's inner
	 * source, or io itself when it is no cache; filling the cache with them
	 * cost four times their bytes in copies and fresh pages */
	fsimg_io *io_once;
	uint64_t io_size;
	struct xfs_sb sb;
	bool v5, ftype, sparse_inodes, nrext64, bigtime;
	uint32_t blocksize;
	uint32_t dirblksize;  /* directory block, bytes */
	uint32_t dir_fsbs;    /* filesystem blocks per directory block */
	uint32_t inode_size;
	uint32_t lit_off;     /* the dinode core's size: where the forks begin */
	fsimg_notice_fn notice;
	void *notice_ctx;
	uint64_t findings;    /* checksum and structure findings met while reading on */
	/*
	 * > 0 while a walk of the handle's own (xfs_quiet_begin/end) reads what
	 * a caller's walk meets again later: xfs_error and xfs_finding then keep
	 * errmsg, findings and the notice callback as they were.
	 */
	unsigned quiet;
	struct xfs_iblock_run {
		uint8_t *buf;
		uint64_t linear;  /* its first linear block + 1; 0: nothing */
		uint32_t count;   /* blocks in the run */
		uint64_t used;    /* tick of the last use */
		uint64_t crc_ok;  /* crc_known: bit i, inode i of the run has a good CRC */
		bool crc_known;   /* checked by the read-ahead thread (iahead.c) */
	} iblock[XFS_IBLOCK_RUNS]; /* the last inode chunks read (inode.c iblock_get) */
	uint64_t iblock_tick;
	unsigned iblock_last;     /* the run the last inode came from */
	uint64_t iblock_gen;      /* moves on when a run is replaced or forgotten */
	struct xfs_iahead *iahead; /* inode chunks read ahead on a thread, or NULL */
	bool iahead_ok;           /* a tree walk is on: read ahead once it is long */
	bool iahead_tried;
	uint32_t iblock_misses;
	char errmsg[256];
} xfs_fs;

/* ------------------------------------------------------------ super.c */

/* Parses a superblock sector (>= 264 bytes): 0 or FSIMG_EIO when too short. */
int xfs_sb_from_disk(struct xfs_sb *sb, const void *buf, size_t len) XFS_HIDDEN;
/* The geometry rules of libxfs xfs_validate_sb_common: 0, or FSIMG_ECORRUPT
 * / FSIMG_EUNSUPP with the broken rule in why. */
int xfs_sb_check(const struct xfs_sb *sb, char *why, size_t whylen) XFS_HIDDEN;
/* Names of the features set (crc, finobt, ftype, ...) into names[0..cap); returns how many. */
size_t xfs_sb_features(const char **names, size_t cap, const struct xfs_sb *sb) XFS_HIDDEN;
/* Is feature name (one of xfs_sb_features' names, any case) set? 1, 0, FSIMG_EINVAL when unknown. */
int xfs_sb_has_feature(const struct xfs_sb *sb, const char *name) XFS_HIDDEN;
/* Checks the crc32c of a v5 metadata buffer whose crc sits at crc_off: 1 good, 0 bad. */
int xfs_verify_cksum(const void *buf, size_t len, size_t crc_off) XFS_HIDDEN;

/* Opens the filesystem on io (which must outlive it): primary superblock read
 * and checked. On failure *out may still be set so that its errmsg can be
 * read: close it either way (xfs_fs_close takes NULL). A handle is used by
 * one thread at a time. */
int xfs_fs_open(xfs_fs **out, fsimg_io *io) XFS_HIDDEN;
void xfs_fs_close(xfs_fs *fs) XFS_HIDDEN;
/* The XFS handle behind a front handle (the checker's way in); NULL for another backend's. */
xfs_fs *xfs_of_fs(const fsimg_fs *fs) XFS_HIDDEN;
void xfs_fs_set_notice(xfs_fs *fs, fsimg_notice_fn fn, void *ctx) XFS_HIDDEN;
/* Reads the superblock copy at the start of AG agno; 0 or <0. */
int xfs_sb_read_ag(struct xfs_sb *out, xfs_fs *fs, uint32_t agno) XFS_HIDDEN;
/* Does a realtime device belong to this filesystem? (detected, never read) */
bool xfs_has_realtime(const xfs_fs *fs) XFS_HIDDEN;
/* Is the log internal (sb_logstart != 0)? Its first linear block and length in blocks. */
bool xfs_log_internal(const xfs_fs *fs, uint64_t *linear, uint32_t *blocks) XFS_HIDDEN;

/* Sets fs->errmsg and returns err. */
int xfs_error(xfs_fs *fs, int err, const char *fmt, ...) XFS_HIDDEN
	__attribute__((format(printf, 3, 4)));
/* A finding: counted, sent to the notice callback; reading goes on. */
void xfs_finding(xfs_fs *fs, int err, const char *fmt, ...) XFS_HIDDEN
	__attribute__((format(printf, 3, 4)));
/* Starts and ends a quiet stretch (fs->quiet); they nest. */
static inline void xfs_quiet_begin(xfs_fs *fs) { fs->quiet++; }
static inline void xfs_quiet_end(xfs_fs *fs) { fs->quiet--; }

/* ------------------------------------------------------------ addresses */

static inline uint32_t xfs_fsb_agno(const xfs_fs *fs, uint64_t fsb)
{
	return (uint32_t)(fsb >> fs->sb.agblklog);
}
static inline uint32_t xfs_fsb_agbno(const xfs_fs *fs, uint64_t fsb)
{
	return (uint32_t)(fsb & ((1ULL << fs->sb.agblklog) - 1));
}
static inline uint64_t xfs_fsb_to_linear(const xfs_fs *fs, uint64_t fsb)
{
	return (uint64_t)xfs_fsb_agno(fs, fsb) * fs->sb.agblocks + xfs_fsb_agbno(fs, fsb);
}
static inline uint64_t xfs_agb_to_fsb(const xfs_fs *fs, uint32_t agno, uint32_t agbno)
{
	return ((uint64_t)agno << fs->sb.agblklog) | agbno;
}
/* Is [fsb, fsb + len) inside one AG and inside the data device (xfs_verify_fsbext)? */
bool xfs_fsb_range_ok(const xfs_fs *fs, uint64_t fsb, uint64_t len) XFS_HIDDEN;
/* The length of AG agno: sb_agblocks, the last AG what sb_dblocks leaves (xfs_ag_block_count). */
uint32_t xfs_ag_length(const xfs_fs *fs, uint32_t agno) XFS_HIDDEN;
/* Is agbno a block of AG agno past its headers, as a btree pointer must be (xfs_verify_agbno)? */
bool xfs_verify_agbno(const xfs_fs *fs, uint32_t agno, uint32_t agbno) XFS_HIDDEN;
/* Is [agbno, agbno + len) such blocks, without wrapping (xfs_verify_agbext)? */
bool xfs_verify_agbext(const xfs_fs *fs, uint32_t agno, uint32_t agbno, uint32_t len) XFS_HIDDEN;
/* Is ino a possible inode number (its AG, block and slot exist)? */
bool xfs_ino_ok(const xfs_fs *fs, uint64_t ino) XFS_HIDDEN;
/* Reads count blocks at fsb (checked with xfs_fsb_range_ok). */
int xfs_read_fsb(xfs_fs *fs, void *buf, uint64_t fsb, uint32_t count) XFS_HIDDEN;
/* The same from io (fs->io or fs->io_once). */
int xfs_read_fsb_io(xfs_fs *fs, fsimg_io *io, void *buf, uint64_t fsb, uint32_t count) XFS_HIDDEN;

/* ------------------------------------------------------------ ag.c */

int xfs_agf_read(struct xfs_agf_info *out, xfs_fs *fs, uint32_t agno) XFS_HIDDEN;
int xfs_agi_read(struct xfs_agi_info *out, xfs_fs *fs, uint32_t agno) XFS_HIDDEN;
/* The AGFL's live entries (flfirst..fllast, wrapping) into bnos[0..cap); returns how many, or <0. */
int xfs_agfl_read(uint32_t *bnos, size_t cap, xfs_fs *fs, uint32_t agno) XFS_HIDDEN;

/* Calls fn for every allocated inode, AG by AG in inobt order (sparse chunks'
 * holes skipped); fn returning non-zero stops the walk with that value. */
typedef int (*xfs_inode_walk_fn)(void *ctx, uint64_t ino);
int xfs_inode_walk(xfs_fs *fs, xfs_inode_walk_fn fn, void *ctx) XFS_HIDDEN;
/* The same over every inode of every chunk of AG agno (sparse holes
 * skipped), isfree from the inobt record's free mask: the checker's walk. */
typedef int (*xfs_inode_walk_all_fn)(void *ctx, uint64_t ino, bool isfree);
int xfs_inode_walk_all(xfs_fs *fs, uint32_t agno, xfs_inode_walk_all_fn fn, void *ctx) XFS_HIDDEN;

/* ------------------------------------------------------------ inode.c */

enum xfs_fork { XFS_DATA_FORK = 0, XFS_ATTR_FORK = 1, XFS_COW_FORK = 2 };

struct xfs_timestamp {
	int64_t sec;
	uint32_t nsec;
};

struct xfs_inode {
	uint64_t ino;
	uint16_t mode;
	uint8_t version, format, aformat;
	uint32_t uid, gid, nlink, projid;
	struct xfs_timestamp atime, mtime, ctime, crtime;
	uint64_t size, nblocks;
	uint32_t extsize, cowextsize, gen, next_unlinked;
	uint64_t nextents, anextents;
	uint8_t forkoff;
	uint16_t flags;
	uint64_t flags2;
	bool crc_ok;       /* v3 only; true on v2 */
	uint8_t *raw;      /* the inode's bytes (fs->inode_size): owned, but by the
			    * caller after xfs_inode_read_into */
};

/* Reads and checks inode ino: magic, version, formats against the mode, fork
 * offsets; a bad v3 CRC or a v3 di_ino that differs is a finding. */
int xfs_inode_read(struct xfs_inode *out, xfs_fs *fs, uint64_t ino) XFS_HIDDEN;
/* The same into the caller's buffer of fs->inode_size bytes, which out->raw
 * then points to (not owned: no xfs_inode_release). A walk reuses one buffer
 * instead of a malloc per inode. */
int xfs_inode_read_into(struct xfs_inode *out, xfs_fs *fs, uint64_t ino, uint8_t *raw) XFS_HIDDEN;
/* The same without a copy: out->raw points into the inode chunk cache, read
 * only, and is valid while fs->iblock_gen stays what it was after the call
 * (any inode read that brings in another chunk moves it on). */
int xfs_inode_read_view(struct xfs_inode *out, xfs_fs *fs, uint64_t ino) XFS_HIDDEN;
void xfs_inode_release(struct xfs_inode *ip) XFS_HIDDEN;
/* Drops the inode chunks kept by xfs_inode_read (the bytes under fs changed). */
void xfs_inode_cache_forget(xfs_fs *fs) XFS_HIDDEN;
/* xfs_rmapbt_diff_two_keys: two rmapbt keys (startblock, owner, offset) in order, the
 * offset's flag bits (attr fork, bmbt, unwritten) ignored. <0, 0, >0. */
static inline int xfs_rmap_key_cmp(const uint8_t *a, const uint8_t *b)
{
	const uint64_t off_mask = (UINT64_C(1) << 54) - 1;
	uint64_t x, y;

	if (get_be32(a) != get_be32(b))
		return get_be32(a) < get_be32(b) ? -1 : 1;
	x = get_be64(a + 4);
	y = get_be64(b + 4);
	if (x != y)
		return x < y ? -1 : 1;
	x = get_be64(a + 12) & off_mask;
	y = get_be64(b + 12) & off_mask;
	return x < y ? -1 : x > y;
}
/* xfs_btree_compute_maxlevels: the most levels a short-form btree whose leaves and nodes
 * hold at least leafmin and nodemin records needs for `records`, at most cap (also what
 * degenerate minimums give). */
static inline unsigned xfs_btree_maxlevels(uint32_t leafmin, uint32_t nodemin, uint64_t records, unsigned cap)
{
	uint64_t blocks;
	unsigned level = 1;

	if (leafmin < 2 || nodemin < 2)
		return cap;
	blocks = (records + leafmin - 1) / leafmin;
	while (blocks > 1 && level < cap) {
		blocks = (blocks + nodemin - 1) / nodemin;
		level++;
	}
	return level;
}
/* The bytes of a short-form btree block past its header (v4 or v5). */
static inline uint32_t xfs_sblock_space(const xfs_fs *fs)
{
	return fs->sb.blocksize - (fs->v5 ? XFS_BTREE_SBLOCK_CRC_LEN : XFS_BTREE_SBLOCK_LEN);
}
/* m_alloc_maxlevels (xfs_alloc_compute_maxlevels): the free-space btrees' most levels. */
static inline unsigned xfs_alloc_maxlevels(const xfs_fs *fs)
{
	uint32_t avail = xfs_sblock_space(fs);

	return xfs_btree_maxlevels(avail / 8 / 2, avail / 12 / 2, ((uint64_t)fs->sb.agblocks + 1) / 2, 9);
}
/* m_rmap_maxlevels (xfs_rmapbt_compute_maxlevels): one record per AG block without reflink;
 * with it, the height of a tree filling the AG (xfs_btree_space_to_height). */
static inline unsigned xfs_rmap_maxlevels(const xfs_fs *fs)
{
	uint32_t avail = xfs_sblock_space(fs), leafmin = avail / 24 / 2, nodemin = avail / 44 / 2;
	uint64_t node_blocks = nodemin, left = fs->sb.agblocks ? fs->sb.agblocks - 1u : 0;
	unsigned height = 1;

	if (!(fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK))
		return xfs_btree_maxlevels(leafmin, nodemin, fs->sb.agblocks, 9);
	if (nodemin < 2)
		return 9;
	while (node_blocks < left && height < 9) {
		left -= node_blocks;
		node_blocks *= nodemin;
		height++;
	}
	return height;
}
/* The linear block holding inode ino (a valid number). */
static inline uint64_t xfs_ino_to_linear(const xfs_fs *fs, uint64_t ino)
{
	unsigned shift = fs->sb.agblklog + fs->sb.inopblog;
	uint64_t agino = ino & ((1ULL << shift) - 1);

	return xfs_fsb_to_linear(fs, xfs_agb_to_fsb(fs, (uint32_t)(ino >> shift),
						    (uint32_t)(agino >> fs->sb.inopblog)));
}
/* The inode chunk around linear block linear: its first block and length in
 * blocks (aligned as chunks are, cut at the AG's end). */
void xfs_ichunk_span(const xfs_fs *fs, uint64_t linear, uint64_t *first, uint32_t *run) XFS_HIDDEN;
/* Bytes of a whole chunk's blocks: the size of the chunk cache's buffers. */
size_t xfs_ichunk_bytes(const xfs_fs *fs) XFS_HIDDEN;

/* ------------------------------------------------------------ iahead.c */

/*
 * Inode chunks read ahead on a second thread during a tree walk (the front
 * sets iahead_ok when a directory is listed; inode.c starts it after a few
 * chunk reads). Start does nothing on one CPU, without a thread-safe pread,
 * or without memory; stop joins the thread (xfs_fs_close, a cache forget).
 */
void xfs_iahead_start(xfs_fs *fs) XFS_HIDDEN;
void xfs_iahead_stop(xfs_fs *fs) XFS_HIDDEN;
/* The chunk (first, run) if it was read ahead: swaps *buf with its buffer,
 * its inodes' CRC results in *crc_ok; false: read it yourself. */
bool xfs_iahead_take(xfs_fs *fs, uint64_t first, uint32_t run, uint8_t **buf,
		     uint64_t *crc_ok) XFS_HIDDEN;
/* The walk took chunk first: read the next few of its AG ahead. */
void xfs_iahead_after(xfs_fs *fs, uint64_t first) XFS_HIDDEN;
/* The fork's bytes inside the inode (literal area): offset into ip->raw and size; 0 or FSIMG_ENOENT (no attr fork). */
int xfs_inode_fork(size_t *off, size_t *size, const xfs_fs *fs, const struct xfs_inode *ip,
		   enum xfs_fork fork) XFS_HIDDEN;
/* The fork layout and size rules by file type (xfs_dinode_verify_fork; strict:
 * xfs_repair's too): the first rule broken, and whether in the attribute fork. */
enum xfs_fork_rule {
	XFS_FORK_OK,
	XFS_FORK_FORKOFF_PAST,         /* di_forkoff past the literal area */
	XFS_FORK_BAD_TYPE,             /* the mode's type is none XFS knows */
	XFS_FORK_SPECIAL_NOT_DEV,      /* a special file's data fork not a device */
	XFS_FORK_REG_LOCAL,            /* a regular file's data fork local */
	XFS_FORK_LOCAL_EXTENTS,        /* a local fork with an extent count */
	XFS_FORK_TOO_MANY_EXTENTS,     /* more extents than the fork's bytes hold */
	XFS_FORK_BTREE_FITS,           /* strict: a btree for extents that fit */
	XFS_FORK_UNKNOWN_FORMAT,
	XFS_FORK_NO_ATTR_FORK_FORMAT,  /* no attr fork, aformat not extents (strict: not 0 either) */
	XFS_FORK_NO_ATTR_FORK_EXTENTS, /* no attr fork, anextents set */
};
enum xfs_fork_rule xfs_inode_fork_rule(bool *attr, const xfs_fs *fs, const struct xfs_inode *ip,
				       bool strict) XFS_HIDDEN;
enum xfs_size_rule {
	XFS_SIZE_OK,
	XFS_SIZE_SYMLINK,    /* a symlink's length outside 1..XFS_SYMLINK_MAXLEN */
	XFS_SIZE_LOCAL_ROOM, /* a local data fork larger than its room (*room) */
	XFS_SIZE_SPECIAL,    /* strict: a special file with a size */
	XFS_SIZE_63BIT,      /* above 2^63 */
	XFS_SIZE_DIR,        /* strict: a directory's data past XFS_DIR2_LEAF_OFFSET */
};
enum xfs_size_rule xfs_inode_size_rule(size_t *room, const xfs_fs *fs, const struct xfs_inode *ip,
				       bool strict) XFS_HIDDEN;
/* A device node's major and minor (XFS's 14/18-bit sysv encoding). */
void xfs_inode_rdev(uint32_t *major, uint32_t *minor, const xfs_fs *fs, const struct xfs_inode *ip) XFS_HIDDEN;
/* d_type of the mode (XFS_DIR3_FT_*). */
int xfs_mode_to_ftype(uint16_t mode) XFS_HIDDEN;
/* Names of di_flags / di_flags2 bits set into names[0..cap); returns how many. */
size_t xfs_inode_flag_names(const char **names, size_t cap, const struct xfs_inode *ip) XFS_HIDDEN;

/* ------------------------------------------------------------ bmap.c */

/* One extent record (xfs_bmbt_irec), file offset and length in blocks. */
struct xfs_irec {
	uint64_t startoff;
	uint64_t startblock; /* fsb */
	uint32_t blockcount;
	bool unwritten;
};

/* A bmbt node or leaf block met while loading a btree fork (for META runs). */
struct xfs_bmbt_node {
	uint64_t fsb;
	uint64_t first_off; /* the first file offset it covers */
	uint16_t level, numrecs;
	bool crc_ok;
};

/* A fork's extent list, in file-offset order, overlapping records dropped (as findings). */
struct xfs_bmap {
	struct xfs_irec *rec;
	size_t n;
	struct xfs_bmbt_node *node;
	size_t nnodes;
	int format;
};

#define XFS_BMAP_MAX_RECS (1u << 21)  /* memory bound: 2 Mi records per fork */
#define XFS_BMAP_MAX_NODES (1u << 16)

/* Decodes a 16-byte bmbt record. */
void xfs_bmbt_rec_decode(struct xfs_irec *irec, const uint8_t *rec) XFS_HIDDEN;
/* Loads the extents of a fork (extents or btree format; local and dev give n = 0). */
int xfs_bmap_load(struct xfs_bmap *bm, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork)
	XFS_HIDDEN;
void xfs_bmap_free(struct xfs_bmap *bm) XFS_HIDDEN;
/* The record holding logical block lblk, or NULL (a hole). */
const struct xfs_irec *xfs_bmap_lookup(const struct xfs_bmap *bm, uint64_t lblk) XFS_HIDDEN;
/* Reads count logical blocks of a fork that must all be mapped (metadata: dir, attr, symlink). */
int xfs_bmap_read(xfs_fs *fs, const struct xfs_bmap *bm, void *buf, uint64_t lblk, uint32_t count)
	XFS_HIDDEN;
/* The same past the read cache (fs->io_once), for blocks a walk meets once. */
int xfs_bmap_read_once(xfs_fs *fs, const struct xfs_bmap *bm, void *buf, uint64_t lblk,
		       uint32_t count) XFS_HIDDEN;

/*
 * The mapping iterator, as the ext4 one: runs in logical order, one per
 * on-disk extent (never merged, never split), HOLE runs for the gaps up to
 * the block holding i_size (data fork), one INLINE run for a local fork
 * (length in bytes). physical is the linear block; fsb, agno, agbno XFS's
 * own. With XFS_MAP_TREE, bmbt blocks come as META runs first.
 * FSIMG_RUN_BEYOND_EOF marks data-fork runs of files and symlinks starting at
 * or past the block wholly past di_size; never a directory's (its leaf and
 * free-index blocks live above 32 GiB by design).
 */
struct xfs_run {
	enum fsimg_run_type type;
	unsigned flags; /* FSIMG_RUN_BEYOND_EOF, FSIMG_RUN_LAST */
	enum xfs_fork fork;
	uint64_t logical, length;
	uint64_t physical, fsb;
	uint32_t agno, agbno;
	int level; /* META only */
	bool crc_ok; /* META only */
};
#define XFS_MAP_TREE 0x1u

typedef struct xfs_map xfs_map;
int xfs_map_open(xfs_map **out, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork,
		 unsigned flags) XFS_HIDDEN;
/* xfs_map_open into *m, reusing its arrays when *m is not NULL (a walk opens
 * a map per fork per inode); on error *m may be set and still empty: close it. */
int xfs_map_reopen(xfs_map **m, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork,
		   unsigned flags) XFS_HIDDEN;
/* 1 and a run, 0 at the end, <0 on error. */
int xfs_map_next(xfs_map *m, struct xfs_run *run) XFS_HIDDEN;
void xfs_map_close(xfs_map *m) XFS_HIDDEN;

/* ------------------------------------------------------------ file.c */

#define XFS_READ_RAW 0x1u /* the blocks under unwritten extents as they are */
typedef struct xfs_file xfs_file;
int xfs_file_open(xfs_file **out, xfs_fs *fs, const struct xfs_inode *ip, unsigned flags) XFS_HIDDEN;
/* Bytes read (0 at i_size), holes and unwritten extents as zeros; <0 on error. */
int64_t xfs_file_read(xfs_file *f, void *buf, size_t len, uint64_t off) XFS_HIDDEN;
void xfs_file_close(xfs_file *f) XFS_HIDDEN;

/* Symlink target, local or remote (v5 blocks' headers checked and skipped),
 * NUL-terminated; returns its length or <0. */
int xfs_symlink_read(char *buf, size_t buflen, xfs_fs *fs, const struct xfs_inode *ip) XFS_HIDDEN;

/* ------------------------------------------------------------ dir.c */

enum xfs_dir_form { XFS_DIR_SHORTFORM, XFS_DIR_BLOCK, XFS_DIR_LEAF, XFS_DIR_NODE };
const char *xfs_dir_form_name(enum xfs_dir_form f) XFS_HIDDEN;

struct xfs_dirent {
	uint64_t ino;
	uint8_t ftype; /* XFS_DIR3_FT_*, UNKNOWN without the ftype feature */
	uint8_t namelen;
	char name[256]; /* NUL-terminated */
};

typedef struct xfs_dir xfs_dir;
/* Iterates a directory's entries, "." and ".." first (synthesised for shortform). */
int xfs_dir_open(xfs_dir **out, xfs_fs *fs, const struct xfs_inode *ip) XFS_HIDDEN;
int xfs_dir_next(xfs_dir *d, struct xfs_dirent *ent) XFS_HIDDEN; /* 1, 0 at end, <0 */
enum xfs_dir_form xfs_dir_form(const xfs_dir *d) XFS_HIDDEN;
void xfs_dir_close(xfs_dir *d) XFS_HIDDEN;
/* Looks name up in directory ip: 0 and *ino, FSIMG_ENOENT, <0. */
int xfs_dir_lookup(uint64_t *ino, xfs_fs *fs, const struct xfs_inode *ip, const char *name,
		   size_t namelen) XFS_HIDDEN;
/* ------------------------------------------------------------ lookup.c */

/*
 * Resolves a path as fs/path.h says ("#N", "<N>", symlinks before the last
 * component followed, at most 40): 0 and *out, or <0 with the message in
 * fs's handle (fs may be NULL: then in x->errmsg).
 */
int xfs_lookup(uint64_t *out, fsimg_fs *fs, xfs_fs *x, const char *path) XFS_HIDDEN;
/* xfs_lookup without a front handle. */
int xfs_path_lookup(uint64_t *ino, xfs_fs *fs, const char *path) XFS_HIDDEN;

/* ------------------------------------------------------------ attr.c */

struct xfs_attr {
	uint8_t flags;    /* XFS_ATTR_ROOT / SECURE / PARENT: the namespace */
	uint8_t namelen;
	bool remote;
	char name[256];   /* NUL-terminated */
	uint32_t valuelen;
	const uint8_t *value; /* valuelen bytes, valid during the callback */
};
const char *xfs_attr_namespace(uint8_t flags) XFS_HIDDEN; /* "user", "trusted", "secure", "parent" */
typedef int (*xfs_attr_fn)(void *ctx, const struct xfs_attr *a);
/* Calls fn for every complete attribute (shortform, leaf, node; remote values read);
 * fn returning non-zero stops with that value. */
int xfs_attr_walk(xfs_fs *fs, const struct xfs_inode *ip, xfs_attr_fn fn, void *ctx) XFS_HIDDEN;

#endif /* FSIMG_XFS_XFS_H */
