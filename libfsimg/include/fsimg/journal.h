/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: the jbd2 journal of an ext3/ext4 filesystem, its recovery
 * planned once, and the plan applied virtually as an I/O overlay.
 *
 *   fsimg_journal_open()   internal journal (through the journal inode's
 *                          mapping) or an external journal device
 *   fsimg_journal_scan()   walks the log the kernel's way (fs/jbd2/recovery.c
 *                          PASS_SCAN); transactions, their blocks and revokes
 *                          are then readable by index
 *   fsimg_plan_create()    revoke + replay passes as data: an ordered map
 *                          fs block -> (journal block, sequence, escaped)
 *   fsimg_io_open_overlay() a read-only fsimg_io presenting the image as it
 *                          is after recovery, reading logged blocks from the
 *                          journal on demand
 *   fsimg_recovery_journal() the journal behind a neutral fsimg_recovery
 *                          (fsimg/fsimg.h: fsimg_recovery_plan and
 *                          fsimg_fs_open_recovered do all of the above)
 *
 * Ownership: a journal borrows its fs and external io; a plan borrows its
 * journal; an overlay borrows its base io and plan. Close in reverse order.
 */
#ifndef FSIMG_JOURNAL_H
#define FSIMG_JOURNAL_H

#include "fsimg/fsimg.h"
/* jbd2 is the journal of ext3/4: journal and replay calls take ext4 handles. */
#include "fsimg/ext4.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fsimg_journal fsimg_journal;
typedef struct fsimg_plan fsimg_plan;

/* ------------------------------------------------------------ superblock */

/* jbd2 feature bits as in struct fsimg_journal_super.feature_* */
#define FSIMG_JFEATURE_COMPAT_CHECKSUM 0x00000001u
#define FSIMG_JFEATURE_INCOMPAT_REVOKE 0x00000001u
#define FSIMG_JFEATURE_INCOMPAT_64BIT 0x00000002u
#define FSIMG_JFEATURE_INCOMPAT_ASYNC_COMMIT 0x00000004u
#define FSIMG_JFEATURE_INCOMPAT_CSUM_V2 0x00000008u
#define FSIMG_JFEATURE_INCOMPAT_CSUM_V3 0x00000010u
#define FSIMG_JFEATURE_INCOMPAT_FAST_COMMIT 0x00000020u

struct fsimg_journal_super {
	/* as on disk, host order (a v1 superblock reads as no features) */
	uint32_t blocktype;          /* 3: v1, 4: v2 */
	int version;                 /* 1 or 2 */
	uint32_t blocksize;
	uint32_t maxlen;             /* s_maxlen: journal length in blocks */
	uint32_t first;              /* s_first: first log block */
	uint32_t sequence;           /* s_sequence: first transaction expected */
	uint32_t start;              /* s_start: first log block, 0 = clean */
	int32_t errno_;              /* s_errno */
	uint32_t feature_compat, feature_incompat, feature_ro_compat;
	uint8_t uuid[16];
	uint32_t nr_users;
	uint32_t dynsuper;
	uint32_t max_transaction, max_trans_data;
	uint8_t checksum_type;       /* 4: crc32c */
	uint32_t num_fc_blks;        /* as stored (0 means the default when fast_commit) */
	uint32_t head;               /* s_head (newer kernels) */
	uint32_t checksum;
	enum fsimg_csum_state csum_state;
	uint8_t users[48][16];       /* the first min(nr_users, 48) are meaningful */

	/* derived */
	int external;                /* on a journal device, not in an inode */
	uint64_t total_len;          /* journal blocks that can be read (inode size / device length) */
	uint32_t last;               /* end (exclusive) of the main log: the wrap point */
	uint32_t fc_first;           /* fast-commit area [fc_first, fc_last), 0 when none */
	uint32_t fc_last;
	int tag_bytes;               /* 8, 10, 12, 14 or 16 */
	int csum_version;            /* 0 none, 1 (compat crc32), 2 or 3 */
	int needs_recovery;          /* start != 0 */
	/* external: the journal device's own ext4 superblock checksum (NONE without metadata_csum) */
	enum fsimg_csum_state dev_csum_state;
};

/* A journal feature bit's name as e2fsprogs spells it ("journal_64bit"), or NULL. */
FSIMG_API const char *fsimg_journal_feature_name(int kind, unsigned bit);

/*
 * Opens the journal of fs: the internal one (s_journal_inum, found through
 * the inode's mapping) when external is NULL, else the journal device held
 * by external (its ext4 journal_dev superblock's UUID must equal the
 * filesystem's s_journal_uuid). Validates the journal superblock (magic,
 * version, block size, s_first/s_maxlen against the journal's real length,
 * features, checksum). A bad superblock checksum is kept in csum_state and
 * is not fatal. fs and external must outlive the journal.
 */
FSIMG_API int fsimg_journal_open(fsimg_journal **out, fsimg_fs *fs, fsimg_io *external);
FSIMG_API void fsimg_journal_close(fsimg_journal *j);
FSIMG_API const struct fsimg_journal_super *fsimg_journal_super(const fsimg_journal *j);
/* The last detailed message ("journal block 912: ..."), or "". */
FSIMG_API const char *fsimg_journal_errmsg(const fsimg_journal *j);

/* ------------------------------------------------------------------ scan */

/* Why the log ended. */
enum fsimg_jend {
	FSIMG_JEND_CLEAN = 0,        /* s_start == 0: nothing to recover */
	FSIMG_JEND_BAD_MAGIC = 1,    /* a block without the jbd2 magic */
	FSIMG_JEND_SEQUENCE = 2,     /* a block of another transaction */
	FSIMG_JEND_BLOCKTYPE = 3,    /* an unknown block type */
	FSIMG_JEND_COMMIT_CSUM = 4,  /* a commit block whose checksum fails */
	FSIMG_JEND_STALE = 5,        /* a bad checksum in a commit older than the last: stale log, clean end */
	FSIMG_JEND_WRAPPED = 6,      /* the walk covered the whole log (bound) */
	FSIMG_JEND_ERROR = 7         /* the kernel would refuse to recover (see kernel_error) */
};

enum fsimg_jtrans_state {
	FSIMG_JTRANS_COMMITTED = 0,  /* has a valid commit block: replayed */
	FSIMG_JTRANS_UNCOMMITTED = 1,/* the tail without a commit block: not replayed */
	FSIMG_JTRANS_BAD_COMMIT = 2, /* commit checksum failed: not replayed */
	FSIMG_JTRANS_BEYOND_END = 3  /* committed, but after the end of recovery (async_commit) */
};

struct fsimg_jtrans {
	uint32_t sequence;
	enum fsimg_jtrans_state state;
	uint32_t first_block;        /* journal block of its first descriptor/revoke/commit */
	uint32_t commit_block;       /* journal block of its commit (when has_commit) */
	int has_commit;
	uint64_t commit_sec;         /* as stored: debugfs writes garbage in the high half */
	uint32_t commit_nsec;
	enum fsimg_csum_state commit_csum;
	enum fsimg_csum_state desc_csum; /* BAD when any descriptor/revoke tail failed */
	uint32_t nblocks;            /* data blocks (tags) */
	uint32_t nrevokes;           /* revoke records */
	uint32_t bad_data_csums;
};

struct fsimg_jblock {
	fsimg_pblk_t fs_block;       /* where it lands */
	uint32_t journal_block;      /* where its copy is in the log */
	uint32_t desc_block;         /* the descriptor naming it */
	uint16_t flags;              /* tag flags (16 bits on disk) */
	uint8_t escaped;             /* the copy's first 4 bytes must be restored to the magic */
	uint8_t in_journal;          /* it names a block of the (internal) journal itself */
	enum fsimg_csum_state csum;  /* data block checksum (csum v2/v3) */
};

struct fsimg_jrevoke {
	fsimg_pblk_t fs_block;
	uint32_t journal_block;      /* the revoke block holding the record */
};

/*
 * The fast-commit area as the kernel's recovery scan judges it
 * (fc_do_one_pass + ext4_fc_replay_scan), against the first transaction
 * not replayed (end_sequence): only fast commits made after the last full
 * commit count.
 */
enum fsimg_fc_state {
	FSIMG_FC_NONE = 0,           /* no fast-commit area, or not reached (clean log, recovery fails before) */
	FSIMG_FC_EMPTY = 1,          /* the area does not start with a HEAD tag: no fast commits */
	FSIMG_FC_STALE = 2,          /* a HEAD of another transaction: left from before the last full commit */
	FSIMG_FC_VALID = 3,          /* fast commits with the expected tid and a good TAIL crc: the kernel replays them */
	FSIMG_FC_NO_TAIL = 4,        /* a HEAD with the expected tid but no TAIL before the scan ends: nothing to replay */
	FSIMG_FC_BAD = 5             /* the kernel fails recovery on it (a bad first TAIL, bad tag, unknown features) */
};

struct fsimg_journal_scan_info {
	enum fsimg_jend end;
	uint32_t end_block;          /* journal block where the walk stopped */
	uint32_t start_sequence;     /* s_sequence */
	uint32_t end_sequence;       /* first transaction not replayed (kernel end_transaction) */
	uint32_t failed_commit;      /* j_failed_commit, when has_failed_commit */
	int has_failed_commit;
	int kernel_error;            /* <0: the kernel (and e2fsck) would fail recovery: FSIMG_ECSUM/ECORRUPT/EUNSUPP/EIO */
	uint64_t transactions;
	uint64_t blocks, revokes;
	uint64_t blocks_in_journal;  /* logged blocks naming a block of the journal itself (no kernel logs one) */
	fsimg_pblk_t first_in_journal; /* the first of them in log order */
	uint64_t fc_tags;            /* fast-commit tags that parse, valid or not (listed by fsimg_journal_fc_tag) */
	uint64_t fc_blocks;          /* fast-commit blocks holding them */
	enum fsimg_fc_state fc_state;
	uint32_t fc_tid;             /* the tid fast commits must carry (end_sequence) */
	uint64_t fc_commits;         /* valid fast commits (TAILs with that tid and a good crc) */
	uint64_t fc_valid_tags;      /* tags in them, HEAD and TAILs included (kernel fc_replay_num_tags) */
	uint64_t fc_valid_blocks;    /* fast-commit blocks up to the last valid TAIL */
};

/*
 * Walks the log from s_start/s_sequence (only once; later calls return the
 * same result). Returns 0 even when the log ends early or is corrupt: that
 * is in the scan info. Fails only on I/O errors reading the journal
 * superblock area or memory.
 */
FSIMG_API int fsimg_journal_scan(fsimg_journal *j);
FSIMG_API int fsimg_journal_scan_info(struct fsimg_journal_scan_info *out, fsimg_journal *j);
FSIMG_API size_t fsimg_journal_trans_count(const fsimg_journal *j);
FSIMG_API int fsimg_journal_trans(struct fsimg_jtrans *out, const fsimg_journal *j, size_t i);
FSIMG_API int fsimg_journal_trans_block(struct fsimg_jblock *out, const fsimg_journal *j,
					size_t trans, size_t i);
FSIMG_API int fsimg_journal_trans_revoke(struct fsimg_jrevoke *out, const fsimg_journal *j,
					 size_t trans, size_t i);
/* Reads journal block jblk (bs bytes), bounded by the journal's length. */
FSIMG_API int fsimg_journal_read_block(fsimg_journal *j, void *buf, uint32_t jblk);

/* Fast-commit tags (little-endian TLVs in the fast-commit area), listed only. */
struct fsimg_fc_tag {
	uint16_t tag;
	uint16_t len;
	uint32_t journal_block;
	uint32_t offset;             /* in that block */
	const char *name;            /* "add_range", "head", ...; "unknown" */
};
FSIMG_API int fsimg_journal_fc_tag(struct fsimg_fc_tag *out, fsimg_journal *j, size_t i);

/* ------------------------------------------------------------------ plan */

struct fsimg_plan_entry {
	fsimg_pblk_t fs_block;
	uint32_t journal_block;
	uint32_t sequence;           /* transaction of the copy that wins */
	int escaped;
};

struct fsimg_plan_stats {
	uint64_t transactions;       /* transactions replayed */
	uint64_t blocks;             /* distinct filesystem blocks in the plan */
	uint64_t replays;            /* logged copies written (kernel nr_replays) */
	uint64_t revoked;            /* logged copies skipped by a revoke (nr_revoke_hits) */
	uint64_t revoke_records;     /* records in replayed transactions */
	uint64_t csum_skipped;       /* copies skipped for a bad data checksum */
	uint64_t out_of_range;       /* copies naming a block outside the filesystem */
	uint64_t in_journal;         /* planned blocks inside the journal itself: replaying them
					overwrites log blocks, so every copy must be read first */
	uint64_t fc_blocks;          /* blocks of valid fast commits (fc_valid_blocks) */
	uint64_t fc_commits;         /* valid fast commits (fc_commits) */
	int kernel_error;            /* as in the scan info; then nothing is replayed */
	int recovery_error;          /* e2fsck would report an error (a block skipped for its checksum) */
	/* the journal superblock after recovery, as e2fsck writes it */
	uint32_t new_start;          /* 0 */
	uint32_t new_sequence;
	int32_t new_errno;
	/*
	 * Fast-commit replay (jbd2/fc_replay.c): fc_replayed is fc_commits when
	 * the fast commits went into the plan (fc_made blocks written by it), 0
	 * when they did not, fc_why then saying why (NULL: none valid). Valid
	 * while the plan lives.
	 */
	uint64_t fc_replayed;
	uint64_t fc_made;
	const char *fc_why;
};

/* Flags for fsimg_plan_create. */
#define FSIMG_PLAN_IGNORE_CSUM 0x1u /* replay blocks whose data checksum fails */

FSIMG_API int fsimg_plan_create(fsimg_plan **out, fsimg_journal *j, unsigned flags);
FSIMG_API void fsimg_plan_free(fsimg_plan *plan);
FSIMG_API int fsimg_plan_stats(struct fsimg_plan_stats *out, const fsimg_plan *plan);
/* Entries ordered by fs_block. */
FSIMG_API size_t fsimg_plan_count(const fsimg_plan *plan);
FSIMG_API int fsimg_plan_entry(struct fsimg_plan_entry *out, const fsimg_plan *plan, size_t i);
/* 1 and the entry when blk is planned, 0 when not. */
FSIMG_API int fsimg_plan_lookup(struct fsimg_plan_entry *out, const fsimg_plan *plan,
				fsimg_pblk_t blk);
/* The post-recovery contents of planned entry i (journal copy, magic restored). */
FSIMG_API int fsimg_plan_read_entry(void *buf, size_t buflen, const fsimg_plan *plan, size_t i);
FSIMG_API fsimg_journal *fsimg_plan_journal(const fsimg_plan *plan);

/*
 * Every block recovery writes to the filesystem's device, once each, in the
 * order a writer that must survive a crash writes them: the planned blocks
 * (ascending), then the internal journal's superblock (s_start 0, the new
 * s_sequence), then the block holding the ext4 superblock (needs_recovery
 * cleared) last. Their contents are the overlay's (fsimg_io_open_overlay
 * without flags). The journal superblock is where the journal was read
 * from: through its inode, or its superblock backup (s_jnl_blocks) when the
 * inode cannot be used; an external journal's is not listed.
 */
enum fsimg_plan_write_kind {
	FSIMG_PLAN_WRITE_LOGGED = 0,        /* a planned block: its logged copy */
	FSIMG_PLAN_WRITE_JOURNAL_SUPER = 1, /* the internal journal's superblock */
	FSIMG_PLAN_WRITE_SUPER = 2          /* the ext4 superblock's block */
};
struct fsimg_plan_write {
	fsimg_pblk_t block;
	enum fsimg_plan_write_kind kind;
};
FSIMG_API size_t fsimg_plan_write_count(const fsimg_plan *plan);
FSIMG_API int fsimg_plan_write(struct fsimg_plan_write *out, const fsimg_plan *plan, size_t i);

/* --------------------------------------------------------------- overlay */

/*
 * Overlay flags. By default the overlay presents what `e2fsck -E
 * journal_only` leaves behind: the planned blocks, the ext4 superblock with
 * needs_recovery cleared (and its checksum redone), and the internal
 * journal's superblock reset (s_start 0, s_sequence new). It does not
 * stamp s_wtime nor add to s_kbytes_written.
 */
#define FSIMG_OVERLAY_BLOCKS_ONLY 0x1u /* only the planned blocks, no superblock updates */

FSIMG_API int fsimg_io_open_overlay(fsimg_io **out, fsimg_io *base, const fsimg_plan *plan,
				    unsigned flags);

/* ------------------------------------------------------ jbd2 recovery */

/* The journal and plan behind a recovery of an ext3/4 filesystem; NULL for another log. */
FSIMG_API fsimg_journal *fsimg_recovery_journal(const fsimg_recovery *r);
FSIMG_API const fsimg_plan *fsimg_recovery_jbd2_plan(const fsimg_recovery *r);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_JOURNAL_H */
