/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS checker's file-level passes (issue 14): inode cores, forks,
 * directories, attributes, symlinks, quota inodes, connectivity and link
 * counts, and what a crash left in file data. They run after the AG and
 * btree passes (check_xfs.c) and share one table of the inodes in use, in
 * inode order: the memory grows with the inodes in use (one small record
 * each, one array) and with the filesystem's blocks (the framework's claim
 * maps, xc_claim), never as a heap object per inode.
 */
#ifndef FSIMG_CHECK_XFS_XPASS_H
#define FSIMG_CHECK_XFS_XPASS_H

#include <stdbool.h>
#include <stdint.h>

#include "check/xfs/xcheck.h"

#define XP_HIDDEN __attribute__((visibility("hidden")))

/* One inode in use. Indexes into the table stand for inodes (u32: bounded by XP_MAX_INODES). */
struct xp_ino {
	uint64_t ino;
	uint32_t nlink;
	uint32_t refs;    /* links found: entries naming it, "." and subdirectories' ".." */
	uint32_t namer;   /* the first directory naming it (an index), XP_NONE */
	uint32_t dotdot;  /* a directory's "..": an inode number's index, XP_NONE */
	uint16_t mode;
	uint8_t flags;    /* XP_* */
	uint8_t conn;     /* pass_links' state */
};
#define XP_NONE UINT32_MAX
#define XP_MAX_INODES (UINT32_C(1) << 30)
#define XP_BAD 0x1u       /* too broken to follow (no directory walk into it) */
#define XP_UNLINKED 0x2u  /* on an AGI unlinked list */
#define XP_NAMED2 0x4u    /* a directory named by a second directory */
#define XP_META 0x8u      /* a metadata inode (quota, realtime): never named */
#define XP_NEXT_UNL 0x10u /* di_next_unlinked is not NULLAGINO */

struct xp_ctx {
	struct check_ctx *c;
	xfs_fs *x;
	struct xp_ino *ino;
	size_t n, cap;
	bool reflink;
	uint8_t *buf;     /* one directory block (dirblksize) */
	struct xq *q;     /* pass_quota.c's sums, shared by the threads; NULL without quota */
};

/* The index of ino in the table, or XP_NONE. */
XP_HIDDEN uint32_t xp_find(const struct xp_ctx *xp, uint64_t ino);
/* Reports a problem about inode ino with detail text (may be NULL) and found/expected values. */
XP_HIDDEN void xp_report(struct xp_ctx *xp, enum problem_id id, uint64_t ino, const char *detail,
			 uint64_t found, uint64_t expected);

/* pass_inodes.c: every inode of every chunk; fills the table. */
XP_HIDDEN int xp_pass_inodes(struct xp_ctx *xp);
/*
 * pass_forks.c: one fork of an inode read by pass_inodes: records, bmbt
 * blocks, claims; *nrecs and *nblocks get what the fork holds. Crash
 * diagnostics on a regular file's data fork.
 */
XP_HIDDEN void xp_check_fork(struct xp_ctx *xp, const struct xfs_inode *ip, enum xfs_fork fork,
			     uint64_t *nrecs, uint64_t *nblocks);
/* pass_attr.c: the attribute fork's structure. */
XP_HIDDEN void xp_check_attrs(struct xp_ctx *xp, const struct xfs_inode *ip);
/* pass_attr.c: a symlink's target. */
XP_HIDDEN void xp_check_symlink(struct xp_ctx *xp, const struct xfs_inode *ip);
/* pass_dirs.c: every directory in the table, entries counted into refs. */
XP_HIDDEN int xp_pass_dirs(struct xp_ctx *xp);
/* pass_links.c: connectivity from the root, link counts, unlinked lists. */
XP_HIDDEN int xp_pass_links(struct xp_ctx *xp);

/*
 * pass_quota.c: the quota files. xq_setup before the inode pass (NULL q
 * without quota), xq_account per inode in use (from its threads), xq_verify
 * after it: every dquot, and its counts against the sums.
 */
XP_HIDDEN int xq_setup(struct xp_ctx *xp);
XP_HIDDEN void xq_account(struct xp_ctx *xp, const struct xfs_inode *ip);
XP_HIDDEN int xq_verify(struct xp_ctx *xp);
XP_HIDDEN void xq_free(struct xp_ctx *xp);

/* The XFS name hash (xfs_da_hashname). */
XP_HIDDEN uint32_t xp_da_hashname(const uint8_t *name, size_t len);

/* The file-level passes (xp_run.c), between the AG and space passes: inodes, directories, links. */
XP_HIDDEN int xc_pass_files(struct check_ctx *c);
/* What the crash left in the log (pass_crashlog.c): pending intents, uncommitted transactions. */
XP_HIDDEN int xc_pass_crashlog(struct check_ctx *c);

#endif /* FSIMG_CHECK_XFS_XPASS_H */
