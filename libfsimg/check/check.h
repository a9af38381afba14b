/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checker internals: the one context every pass works on (no globals), the
 * problem ids generated from problems.def, and the state passes hand to each
 * other. Memory grows as bitmaps with the filesystem's size, never as heap
 * objects per inode.
 */
#ifndef FSIMG_CHECK_CHECK_H
#define FSIMG_CHECK_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "fsimg/check.h"
#include "ext4/ext4.h"

/* Problem ids, from the one list. */
enum problem_id {
#define PROBLEM(id, code, sev, st, msg, expl) PR_##id,
#include "check/problems.def"
#undef PROBLEM
	PR__COUNT
};

struct check_ctx {
	fsimg_fs *fs;
	const struct fsimg_super *sb;
	struct fsimg_check_opts opts;
	struct fsimg_check_summary sum;

	/* pass 1 → all: blocks claimed by metadata or inodes, one bit per block */
	uint8_t *blk_claimed;
	/* blocks claimed more than once (pass 4 names every owner) */
	uint8_t *blk_multi;
	uint64_t nr_multi;

	/* pass 2 → 5, 6: per inode */
	uint8_t *ino_inuse;          /* in use by the inode table's content */
	uint8_t *ino_isdir;
	uint8_t *ino_bad;            /* too broken to follow (no dir walk into it) */
	uint16_t *ino_refs;          /* directory entries naming it (pass 5), saturating */
	fsimg_ino_t *dir_parent;     /* ".." of each directory (pass 5), 0 unknown */

	/*
	 * pass 2 → 6: inodes on the orphan chain (NULL: none). A deleted one
	 * (link count 0) keeps its inode and blocks until the kernel or e2fsck
	 * releases them, so pass 6 counts them in use.
	 */
	uint8_t *ino_orphan;
};

/* One report: renders, counts by severity, calls the caller's callback. */
void check_report(struct check_ctx *c, enum problem_id id, const struct fsimg_problem_ctx *pctx)
	__attribute__((visibility("hidden")));
/* Progress of the current pass. */
void check_progress(struct check_ctx *c, int pass, const char *name, uint64_t done, uint64_t total)
	__attribute__((visibility("hidden")));

/* Small builders for a problem context: PCTX_INODE(ino), then add fields. */
static inline struct fsimg_problem_ctx pctx_inode(fsimg_ino_t ino)
{
	struct fsimg_problem_ctx p = { 0 };
	p.has = FSIMG_PF_INODE;
	p.inode = ino;
	return p;
}
static inline struct fsimg_problem_ctx pctx_group(fsimg_group_t g)
{
	struct fsimg_problem_ctx p = { 0 };
	p.has = FSIMG_PF_GROUP;
	p.group = g;
	return p;
}
static inline struct fsimg_problem_ctx pctx_none(void)
{
	struct fsimg_problem_ctx p = { 0 };
	return p;
}
#define PCTX_SET(p, field, flag, value) ((p).field = (value), (p).has |= (flag))

/* Bitmaps. */
static inline bool bit_test(const uint8_t *map, uint64_t n)
{
	return (map[n >> 3] >> (n & 7)) & 1;
}
static inline void bit_set(uint8_t *map, uint64_t n)
{
	map[n >> 3] |= (uint8_t)(1u << (n & 7));
}

/*
 * Claims [start, start+len) for an owner: marks blk_claimed, and blk_multi
 * for blocks already claimed. The range must have passed fs_pblk_range_ok.
 * Returns how many blocks were already claimed.
 */
uint64_t check_claim(struct check_ctx *c, fsimg_pblk_t start, uint64_t len)
	__attribute__((visibility("hidden")));

/* The passes, in order. Each returns 0, or <0 when the check cannot go on. */
#define CHECK_HIDDEN __attribute__((visibility("hidden")))
CHECK_HIDDEN int check_pass_super(struct check_ctx *c);   /* 1: superblock, groups, metadata layout */
CHECK_HIDDEN int check_pass_inodes(struct check_ctx *c);  /* 2+3: inodes, extent trees, data state */
CHECK_HIDDEN int check_pass_dups(struct check_ctx *c);    /* 4: blocks claimed twice, every owner */
CHECK_HIDDEN int check_pass_dirs(struct check_ctx *c);    /* 5: directories, connectivity, links */
CHECK_HIDDEN int check_pass_bitmaps(struct check_ctx *c); /* 6: bitmaps and summary counts */
CHECK_HIDDEN int check_pass_journal(struct check_ctx *c); /* 7: journal and what the crash left */

/* Parts of passes kept in their own files. */
CHECK_HIDDEN void check_quota_inodes(struct check_ctx *c);         /* pass 1: pass_quota.c */
CHECK_HIDDEN void check_journal_inode_backup(struct check_ctx *c); /* pass 1: pass_journal.c */
/*
 * Pass 2, per inode in use (pass_xattr.c): i_file_acl against the features,
 * the xattrs in the inode body. False when the xattr block is not the
 * inode's to claim (no ext_attr feature).
 */
CHECK_HIDDEN bool check_xattr_inode(struct check_ctx *c, const struct fsimg_inode *in,
				    const uint8_t *raw);
/* Pass 2 (pass_xattr.c): an xattr block, once, when the first inode names it. */
CHECK_HIDDEN void check_xattr_block(struct check_ctx *c, fsimg_ino_t ino, fsimg_pblk_t blk);

#endif /* FSIMG_CHECK_CHECK_H */
