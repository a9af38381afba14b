/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg checker: a read-only consistency check of an ext2/3/4 or XFS
 * filesystem (structure, and the unwritten/written state of data),
 * reporting problems with stable ids. It never repairs and never writes.
 *
 * Open the filesystem as usual (through fsimg_fs_open_recovered to check the
 * post-recovery state), then call fsimg_check_run(). Every problem found is
 * passed to the report callback as it is found; the summary counts them.
 */
#ifndef FSIMG_CHECK_H
#define FSIMG_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"
#include "fsimg/journal.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fsimg_severity {
	FSIMG_SEV_INFO = 0,
	FSIMG_SEV_WARNING = 1,
	FSIMG_SEV_ERROR = 2
};

/* Which structure a problem concerns. */
enum fsimg_structure {
	FSIMG_ST_SUPER = 0,
	FSIMG_ST_GROUP,
	FSIMG_ST_INODE,
	FSIMG_ST_EXTENT,
	FSIMG_ST_BLOCK,
	FSIMG_ST_DIR,
	FSIMG_ST_BITMAP,
	FSIMG_ST_JOURNAL,
	FSIMG_ST_DATA
};

/* Fields a problem may carry; `has` says which are set (FSIMG_PF_*). */
#define FSIMG_PF_INODE    0x01u
#define FSIMG_PF_BLOCK    0x02u
#define FSIMG_PF_LBLK     0x04u
#define FSIMG_PF_LENGTH   0x08u
#define FSIMG_PF_GROUP    0x10u
#define FSIMG_PF_EXPECTED 0x20u
#define FSIMG_PF_FOUND    0x40u
#define FSIMG_PF_DETAIL   0x80u

struct fsimg_problem_ctx {
	unsigned has;
	fsimg_inum_t inode;          /* the filesystem's own number (XFS: 64 bits) */
	fsimg_pblk_t block;
	fsimg_lblk_t lblk;
	uint64_t length;
	fsimg_group_t group;
	uint64_t expected;
	uint64_t found;
	const char *detail;  /* a short free text (a name, a feature...) */
};

/* One entry of the problem table (generated from problems.def). */
struct fsimg_problem_def {
	int code;                    /* stable number, never reused */
	const char *id;              /* stable name, e.g. "EXTENT_OVERLAP" */
	enum fsimg_severity severity;
	enum fsimg_structure structure;
	const char *message;         /* template with {inode} {block} {lblk} {length}
					{group} {expected} {found} {detail} */
	const char *explanation;     /* one line on what it means, for fsimg-fsck(1) */
};

/* A problem as reported. */
struct fsimg_problem {
	const struct fsimg_problem_def *def;
	struct fsimg_problem_ctx ctx;
	const char *message;         /* rendered; valid during the callback only */
};

typedef void (*fsimg_check_report_fn)(void *ctx, const struct fsimg_problem *p);
/* Progress: done out of total units of the current pass (for a progress bar). */
typedef void (*fsimg_check_progress_fn)(void *ctx, int pass, const char *pass_name,
					uint64_t done, uint64_t total);

#define FSIMG_CHECK_SCAN_DATA 0x1u   /* read blocks under unwritten extents */
/* The caller could not replay the journal of an image needing recovery: fs is the on-disk state. */
#define FSIMG_CHECK_REPLAY_FAILED 0x2u
/* raw_journal is a journal that needed no recovery (an external one given by the caller), not replayed */
#define FSIMG_CHECK_JOURNAL_AS_IS 0x4u
/* XFS with log_io: fs is the state after its external log was replayed with nothing left pending. */
#define FSIMG_CHECK_LOG_REPLAYED 0x8u

struct fsimg_check_opts {
	unsigned flags;
	fsimg_check_report_fn report;
	void *report_ctx;
	fsimg_check_progress_fn progress;
	void *progress_ctx;
	/*
	 * The journal as it was before recovery (from fsimg_recovery_journal), so
	 * the journal pass can speak of transactions the crash left; NULL lets
	 * the checker open the journal of fs itself.
	 */
	fsimg_journal *raw_journal;
	/*
	 * Threads for the inode pass: 0 as many as the machine has cores (at
	 * most 8), 1 none. The problems and their order do not depend on it;
	 * report and progress are called one at a time, in order, but with
	 * more than one thread not always from the caller's thread.
	 */
	int threads;
	/*
	 * XFS: the external log device (-l LOGDEV), as given to recovery, so the
	 * log pass reads the log the crash left there; NULL for an internal log.
	 */
	fsimg_io *log_io;
};

struct fsimg_check_summary {
	uint64_t errors, warnings, infos;
	uint64_t inodes_checked;
	uint64_t blocks_checked;     /* blocks of data and metadata accounted for */
	uint64_t prealloc_blocks;    /* unwritten blocks past EOF, all inodes */
	uint64_t prealloc_inodes;
	uint64_t unwritten_nonzero_blocks; /* with FSIMG_CHECK_SCAN_DATA */
	int aborted;                 /* the check could not go on (error code in fsimg_check_run) */
};

FSIMG_API int fsimg_check_run(struct fsimg_check_summary *out, fsimg_fs *fs,
			      const struct fsimg_check_opts *opts);

/* The whole problem table, in code order. */
FSIMG_API const struct fsimg_problem_def *fsimg_problem_table(size_t *count);
FSIMG_API const struct fsimg_problem_def *fsimg_problem_by_id(const char *id);
FSIMG_API const char *fsimg_severity_name(enum fsimg_severity s);
FSIMG_API const char *fsimg_structure_name(enum fsimg_structure s);
/* Renders def->message with ctx into buf; returns the length it needed. Its fields:
 * {inode} {block} {lblk} {length} {group} {expected} {found} {detail}, and {found_lsn}
 * {expected_lsn} (an XFS log sequence number shown as cycle:block); "?" where ctx has none. */
FSIMG_API size_t fsimg_problem_format(char *buf, size_t len, const struct fsimg_problem_def *def,
				      const struct fsimg_problem_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* FSIMG_CHECK_H */
