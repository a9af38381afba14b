/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: read-only parsing of filesystem images.
 *
 * This header is filesystem-neutral: open by probing, what the filesystem
 * is (fsimg_fs_info), inodes (fsimg_stat), directories, paths, the mapping
 * iterator and file data, the same calls for every backend. What only one
 * filesystem has (ext4's superblock, groups and raw inodes; its jbd2
 * journal; the checker) is in fsimg/ext4.h, fsimg/journal.h, fsimg/check.h.
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
typedef uint64_t fsimg_inum_t;  /* inode number, any filesystem (XFS: 64 bits) */

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
	 * A file descriptor for probing (libblkid), or -1 (NULL: none, the
	 * same as a function returning -1). Never a way to the
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
 * Opens the filesystem on io (which stays owned by the caller and must
 * outlive the handle): each backend's magic check first (ext2/3/4, then the
 * others), then libblkid to name what no backend reads. Fails with
 * FSIMG_ENOFS / FSIMG_EUNSUPP (the name of the filesystem or its unknown
 * incompat bits in errbuf) or FSIMG_ECORRUPT when the superblock (or what
 * the backend needs at open, such as ext4's group descriptors) cannot be
 * used.
 */
FSIMG_API int fsimg_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags,
			    char *errbuf, size_t errlen);
/*
 * fsimg_fs_open through a chosen superblock copy (e2fsck -b, debugfs -s),
 * ext2/3/4 only for now (the copy is looked for as ext4 keeps it):
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

/* What the filesystem is, in words every backend shares. */
#define FSIMG_LABEL_MAX 255

struct fsimg_fs_info {
	const char *type;            /* "ext2", "ext3", "ext4" (judged as blkid does), "xfs" */
	const char *backend;         /* the backend that reads it: "ext4", "xfs" */
	uint32_t block_size;         /* bytes */
	uint64_t blocks;             /* size of the filesystem in blocks */
	uint64_t free_blocks;        /* as the superblock counts them */
	uint64_t inodes;             /* inodes allocated or allocatable */
	uint64_t free_inodes;
	fsimg_inum_t root_ino;
	fsimg_inum_t max_ino;        /* every inode number is below this */
	uint32_t inode_size;         /* bytes of one on-disk inode */
	uint8_t uuid[16];
	char label[FSIMG_LABEL_MAX + 1]; /* NUL-terminated, "" when none */
	/* feature names as the filesystem's own tools spell them; owned by the handle */
	const char *const *features;
	size_t nfeatures;
	unsigned forks;              /* the forks inodes may have: 1u << FSIMG_FORK_* */
	unsigned block_extras;       /* numbers fsimg_block_extras gives per block */
	int has_log;                 /* a journal (ext4) or log (xfs) */
	int needs_recovery;          /* the journal/log holds what was not written back */
	enum fsimg_csum_state super_csum; /* the primary superblock's checksum */
	uint32_t super_csum_stored;
	/* Allocation groups: ext2/3/4's block groups, XFS's allocation groups. */
	const char *group_name;      /* "group", "ag" */
	uint64_t groups;             /* how many */
	uint64_t group_blocks;       /* blocks in each but perhaps the last */
	/* XFS's log (0 elsewhere): inside the data device, or on a device of its own. */
	int log_internal;
	uint64_t log_start;          /* an internal log's first linear block */
	uint64_t log_blocks;         /* its length in blocks (the superblock's, external too) */
	int realtime;                /* a realtime device belongs to it (named, never read) */
};

FSIMG_API int fsimg_fs_info(struct fsimg_fs_info *out, fsimg_fs *fs);
/* The filesystem's type name, as in fsimg_fs_info. */
FSIMG_API const char *fsimg_fs_type(const fsimg_fs *fs);
/* Test a feature by name; returns 1, 0, or FSIMG_EINVAL for a name the backend does not know. */
FSIMG_API int fsimg_fs_has_feature(const fsimg_fs *fs, const char *name);

/* ---------------------------------------------------------------- inodes */

enum fsimg_ftype {
	FSIMG_FT_UNKNOWN = 0,
	FSIMG_FT_REG = 1,
	FSIMG_FT_DIR = 2,
	FSIMG_FT_CHR = 3,
	FSIMG_FT_BLK = 4,
	FSIMG_FT_FIFO = 5,
	FSIMG_FT_SOCK = 6,
	FSIMG_FT_SYMLINK = 7
};

struct fsimg_time {
	int64_t sec;
	uint32_t nsec;
};

#define FSIMG_STAT_MAX_FLAGS 32

struct fsimg_stat {
	fsimg_inum_t ino;
	enum fsimg_ftype type;       /* from the mode */
	uint32_t mode;               /* S_IF* type bits and permissions */
	uint32_t uid, gid;
	uint64_t links;
	uint64_t size;
	uint64_t blocks;             /* space used, in 512-byte units */
	struct fsimg_time atime, mtime, ctime, crtime; /* crtime: 0 when not kept */
	uint32_t rdev_major, rdev_minor; /* devices */
	uint64_t generation;
	uint64_t raw_flags;          /* the backend's inode flags as stored */
	uint64_t unknown_flags;      /* set bits of raw_flags with no name */
	enum fsimg_csum_state csum_state;
	unsigned nflags;
	const char *flags[FSIMG_STAT_MAX_FLAGS]; /* the known ones by name (static); nflags of them */
};

/* The ftype of an S_IF* mode. */
FSIMG_API enum fsimg_ftype fsimg_mode_ftype(uint32_t mode);
/* Reads inode ino. A bad checksum is noted (csum_state) but not fatal. */
FSIMG_API int fsimg_stat(struct fsimg_stat *out, fsimg_fs *fs, fsimg_inum_t ino);
/* A symlink's target, NUL-terminated; returns its length. */
FSIMG_API int fsimg_readlink(char *buf, size_t buflen, fsimg_fs *fs, fsimg_inum_t ino);

/*
 * Every inode in use, in increasing number; 1 and *ino, 0 at the end, <0 on
 * an error that skips a part of the inode space (message in
 * fsimg_fs_errmsg; calling next again goes on after it).
 */
typedef struct fsimg_inodes fsimg_inodes;
FSIMG_API int fsimg_inodes_open(fsimg_inodes **out, fsimg_fs *fs);
FSIMG_API int fsimg_inodes_next(fsimg_inodes *it, fsimg_inum_t *ino);
FSIMG_API void fsimg_inodes_close(fsimg_inodes *it);

/* ------------------------------------------------------------ directories */

#define FSIMG_NAME_MAX 255

struct fsimg_entry {
	fsimg_inum_t ino;
	enum fsimg_ftype type;       /* from the entry itself; FSIMG_FT_UNKNOWN when it keeps none */
	uint16_t name_len;
	char name[FSIMG_NAME_MAX + 1]; /* NUL-terminated; may hold any byte but NUL and '/' */
};

/* Live entries, "." and ".." included, in on-disk order. */
typedef struct fsimg_readdir fsimg_readdir;
FSIMG_API int fsimg_readdir_open(fsimg_readdir **out, fsimg_fs *fs, fsimg_inum_t dir);
/* 1 and an entry, 0 at the end, <0 on corruption. */
FSIMG_API int fsimg_readdir_next(fsimg_readdir *d, struct fsimg_entry *ent);
FSIMG_API void fsimg_readdir_close(fsimg_readdir *d);

/*
 * Resolves "/a/b/c" (or "a/b/c") from the root, or "#N" for inode N.
 * Symlinks in the middle of a path are followed (bounded); the last
 * component is not.
 */
FSIMG_API int fsimg_lookup(fsimg_inum_t *out, fsimg_fs *fs, const char *path);

/* ------------------------------------------------------- mapping iterator */

/*
 * The one question every consumer asks: what backs this range of the file?
 * The iterator returns runs in logical order: one per on-disk extent (never
 * merged, never split), merged runs of physically contiguous blocks for
 * legacy block maps, HOLE runs for the gaps (up to the block that holds
 * i_size), and one INLINE run for inline (local) data. With FSIMG_MAP_TREE,
 * the tree's own blocks (extent index/leaf blocks, indirect blocks, bmbt
 * blocks) come as META runs just before the first data run they cover.
 *
 * Physical blocks are linear (byte offset / block size) on every backend;
 * what a backend numbers its own way (XFS: fsb, agno, agbno) comes from
 * fsimg_block_extras.
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
#define FSIMG_RUN_COUNTED    0x4u /* META: entries and max are the node's */
#define FSIMG_RUN_TARGET     0x8u /* INLINE: a symlink's target kept in the inode, not data */
#define FSIMG_RUN_DEPTH_MISMATCH 0x10u /* META (ext4): the node's eh_depth is not its level; read by its level */

/* The fork a run belongs to (XFS's; ext4 has a data fork and one xattr block). */
enum fsimg_fork {
	FSIMG_FORK_DATA = 0,
	FSIMG_FORK_ATTR = 1,
	FSIMG_FORK_COW = 2
};

struct fsimg_run {
	enum fsimg_run_type type;
	unsigned flags;
	enum fsimg_fork fork;
	fsimg_lblk_t lblk;   /* first logical block (META: first block covered) */
	uint64_t len;        /* blocks (INLINE: bytes of inline data) */
	fsimg_pblk_t pblk;   /* first physical block (HOLE/INLINE: 0) */
	/* META runs only */
	const char *kind;    /* the tree block: "index", "leaf", "ind", "dind", "tind" (static) */
	int level;           /* extent tree: depth of the node (leaf 0); map: 1 ind, 2 dind, 3 tind */
	uint16_t entries;    /* extent node: eh_entries */
	uint16_t max;        /* extent node: eh_max */
	enum fsimg_csum_state csum_state;
};

/*
 * A backend's own numbers for a physical block, by name (XFS: "fsb", its
 * AG encoding, "agno", "agbno"); ext4 has none. Fills up to max of them and
 * returns how many (0 when the backend keeps no numbers of its own).
 * fsimg_fs_info's block_extras says how many a block has, so that a caller
 * asks only when there are some.
 */
struct fsimg_block_extra {
	const char *name;    /* static string */
	uint64_t value;
};
#define FSIMG_BLOCK_EXTRA_MAX 4
FSIMG_API int fsimg_block_extras(struct fsimg_block_extra *out, size_t max, fsimg_fs *fs,
				 fsimg_pblk_t pblk);

#define FSIMG_MAP_TREE 0x1u   /* also return META runs */

typedef struct fsimg_map fsimg_map;

/*
 * The runs of one fork of inode ino. A fork the inode lacks (or that the
 * filesystem does not have) has no runs. Iterate with fsimg_map_next.
 */
FSIMG_API int fsimg_map_open_fork(fsimg_map **out, fsimg_fs *fs, fsimg_inum_t ino,
				  enum fsimg_fork fork, unsigned flags);
/* 1 and a run, 0 at the end, or <0 on corruption (message in fsimg_fs_errmsg). */
FSIMG_API int fsimg_map_next(fsimg_map *map, struct fsimg_run *run);
FSIMG_API void fsimg_map_close(fsimg_map *map);

/* Reads file data through the mapping: holes and unwritten runs read as
 * zeros (FSIMG_READ_RAW: the on-disk bytes under unwritten runs instead);
 * reads stop at i_size. Returns the number of bytes read (0 at EOF). */
#define FSIMG_READ_RAW 0x1u
typedef struct fsimg_file fsimg_file;
/* The data of inode ino (a regular file, a directory or a symlink). */
FSIMG_API int fsimg_file_open_ino(fsimg_file **out, fsimg_fs *fs, fsimg_inum_t ino,
				  unsigned flags);
FSIMG_API int64_t fsimg_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off);
FSIMG_API void fsimg_file_close(fsimg_file *f);

/* -------------------------------------------------------------- recovery */

/*
 * What recovery would do to a filesystem whose journal (ext3/4: jbd2) or
 * log (XFS) holds what was not written back: a plan, its figures, the byte
 * ranges it writes in the order a writer that must survive a crash writes
 * them, and the plan applied virtually (an overlay over the read-only
 * source, nothing written). The plan's backend is the filesystem's;
 * journal-specific detail is in fsimg/journal.h.
 */
typedef struct fsimg_recovery fsimg_recovery;

struct fsimg_recovery_stats {
	const char *log;             /* how the filesystem names its log: "journal" (jbd2), "log" (XFS) */
	uint64_t transactions;       /* transactions replayed */
	uint64_t blocks;             /* distinct filesystem blocks written from the log */
	uint64_t revoked;            /* logged copies a later revoke (cancel) record suppressed */
	uint64_t revoke_records;     /* revoke (cancel) records in replayed transactions */
	uint64_t csum_skipped;       /* logged copies skipped for a bad checksum */
	const char *extra;           /* what the log holds beside transactions ("fast commits"), or NULL */
	uint64_t extra_blocks;       /* log blocks that hold them */
	uint64_t extra_replayed;     /* how many of them are replayed */
	uint64_t extra_made;         /* filesystem blocks their replay writes */
	uint64_t unreplayed;         /* log blocks whose changes fsimg does not replay */
	const char *unreplayed_where; /* where they are ("fast-commit area"), or NULL */
	const char *unreplayed_why;  /* why not, or NULL */
	int log_error;               /* an FSIMG_E* code when the log is corrupt: then nothing is replayed, as the kernel would */
	/* A log of items (XFS): what its replay did, item by item. */
	int by_items;                /* 1 when the four counts below are the log's */
	uint64_t items;              /* items replayed (buffers, inodes, icreates) */
	uint64_t skipped_lsn;        /* items skipped: the block on disk is as new or newer (v5 LSN, v4 flush counter) */
	uint64_t cancelled;          /* buffer and inode items a cancelled buffer suppressed */
	uint64_t pending;            /* what recovery leaves for the kernel's mount to finish (fsimg_recovery_pending) */
};

enum fsimg_recovery_write_kind {
	FSIMG_RECOVERY_LOGGED = 0,     /* a block from the log */
	FSIMG_RECOVERY_LOG_SUPER = 1,  /* the log's own superblock, reset */
	FSIMG_RECOVERY_SUPER = 2,      /* the filesystem superblock's block, recovery flag cleared */
	FSIMG_RECOVERY_LOG_CLEAN = 3   /* the log made clean (XFS: stale blocks cleared ahead of the head, an unmount record) */
};

/* Which device a write goes to. */
#define FSIMG_RECOVERY_DEV_FS 0u       /* the filesystem's (the source it was opened on) */
#define FSIMG_RECOVERY_DEV_LOG 1u      /* the external log device (XFS -l LOGDEV): its clean log */

struct fsimg_recovery_write {
	uint64_t off;                /* bytes, on the device named by device */
	uint64_t len;
	enum fsimg_recovery_write_kind kind;
	unsigned device;             /* FSIMG_RECOVERY_DEV_* */
};

/*
 * Plans the recovery of fs's journal or log (external: its device, when
 * apart; else NULL). FSIMG_ENOTSUP_OP when the backend recovers nothing.
 */
#define FSIMG_RECOVERY_IGNORE_CSUM 0x1u /* replay logged copies whose checksum fails */
FSIMG_API int fsimg_recovery_plan(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external,
				  unsigned flags);
FSIMG_API int fsimg_recovery_stats(struct fsimg_recovery_stats *out, const fsimg_recovery *r);
/* The writes, in order; their bytes are those of fsimg_recovery_apply's view. */
FSIMG_API size_t fsimg_recovery_write_count(const fsimg_recovery *r);
FSIMG_API int fsimg_recovery_write(struct fsimg_recovery_write *out, const fsimg_recovery *r,
				   size_t i);
/*
 * The image after recovery, read-only, over base (the source the
 * filesystem was opened on); flags: FSIMG_RECOVERY_BLOCKS_ONLY leaves the
 * superblocks as they are; FSIMG_RECOVERY_LOG_DEVICE gives instead the
 * external log device after recovery (base: that device), its log made
 * clean (the writes of device FSIMG_RECOVERY_DEV_LOG; FSIMG_ENOTSUP_OP for
 * a journal whose recovery writes none). Closed with fsimg_io_close,
 * before r is freed.
 */
#define FSIMG_RECOVERY_BLOCKS_ONLY 0x1u
#define FSIMG_RECOVERY_LOG_DEVICE 0x2u
FSIMG_API int fsimg_recovery_apply(fsimg_io **out, fsimg_io *base, const fsimg_recovery *r,
				   unsigned flags);
FSIMG_API void fsimg_recovery_free(fsimg_recovery *r);
/*
 * What recovery leaves for the kernel's mount to finish and fsimg does not
 * do (XFS: intents without their done item, inodes left on the AGI unlinked
 * lists), item i of stats.pending, in words ("unlinked inode 262273 (ag 1
 * bucket 1)", "efi 0x... 2 extents, first fsb ..."); NULL past the end. While
 * any is pending the view is the log replayed, its log still dirty, and the
 * write list is empty: a replay would lose them.
 */
FSIMG_API const char *fsimg_recovery_pending(const fsimg_recovery *r, size_t i);
/*
 * Why the mount's work after the log was refused at pending item i: the
 * reason that ends fsimg_recovery_pending's text, after its ": " (a pointer
 * into that text, valid as long as it is); NULL for an item that carries
 * none (left pending because the finish stopped at another, or never began).
 */
FSIMG_API const char *fsimg_recovery_pending_why(const fsimg_recovery *r, size_t i);
/*
 * Which of the kernel paths that fsimg models for the mount's work after the
 * log (XFS: the recovered intents finished, the unlinked inodes freed) the
 * recovery took: the i-th path taken, by name ("bmbt.split",
 * "refcbt.center_merge", "busy.trim", "log.force"; fsimg-replay(1) lists
 * them), how many times into *count; NULL past the end (always, for a
 * journal: ext3/4 recovery has no such work). A finish that was refused
 * counts what it went through before its refusal.
 */
FSIMG_API const char *fsimg_recovery_path(const fsimg_recovery *r, size_t i, uint64_t *count);

/*
 * Opens the filesystem on base; when it needs recovery and
 * FSIMG_OPEN_NO_REPLAY is not in flags, plans it and opens the filesystem
 * again over the plan applied. *rec is NULL when nothing was replayed;
 * otherwise it holds the plan, the on-disk filesystem it was made from and
 * the view, and is freed with fsimg_recovery_free after fsimg_fs_close.
 */
#define FSIMG_OPEN_NO_REPLAY 0x100u
FSIMG_API int fsimg_fs_open_recovered(fsimg_fs **out, fsimg_recovery **rec, fsimg_io *base,
				      fsimg_io *external, unsigned flags, char *errbuf,
				      size_t errlen);

/* -------------------------------------------------------------- checksums */

FSIMG_API uint32_t fsimg_crc32c(uint32_t crc, const void *buf, size_t len);
FSIMG_API uint16_t fsimg_crc16(uint16_t crc, const void *buf, size_t len);
/* Which crc32c implementation is in use: "sse4.2" or "slice8". */
FSIMG_API const char *fsimg_crc32c_impl(void);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_FSIMG_H */
