/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checker's framework, shared by every filesystem's passes: the one
 * context every pass works on (no globals), the problem ids generated from
 * problems.def, reporting, the worker threads, and the claim and inode
 * bitmaps, sized from the neutral fsimg_fs_info. What one filesystem's
 * passes keep for each other hangs off be (check/ext4/e4check.h,
 * check/xfs/xcheck.h). Memory grows as bitmaps with the filesystem's size,
 * never as heap objects per inode.
 */
#ifndef FSIMG_CHECK_CHECK_H
#define FSIMG_CHECK_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "fsimg/check.h"

/* Problem ids, from the one list. */
enum problem_id {
#define PROBLEM(id, code, sev, st, msg, expl) PR_##id,
#include "check/problems.def"
#undef PROBLEM
	PR__COUNT
};

struct check_sink;

struct check_ctx {
	fsimg_fs *fs;
	struct fsimg_fs_info info;   /* what the filesystem is (fsimg_fs_info) */
	struct fsimg_check_opts opts;
	struct fsimg_check_summary sum;

	/*
	 * Blocks: [first_block, nblocks) in the backend's own numbering of
	 * the device (ext4: physical blocks; XFS: linear blocks, agno *
	 * agblocks + agbno). Inodes: numbers below max_ino.
	 */
	uint64_t first_block, nblocks;
	fsimg_inum_t max_ino;

	/* claims by metadata or inodes, one bit per block */
	uint8_t *blk_claimed;
	/* blocks claimed more than once (a later pass names every owner) */
	uint8_t *blk_multi;
	uint64_t nr_multi;

	/* per inode, one bit each */
	uint8_t *ino_inuse;          /* in use by the inode table's content */
	uint8_t *ino_isdir;
	uint8_t *ino_bad;            /* too broken to follow (no dir walk into it) */
	/*
	 * Four bits per inode (two a byte), so the directory pass reads no
	 * inode for a directory entry: its kind (INO_KIND_*), and a counter of
	 * its link count less the entries naming it so far (INO_CNT_*). The
	 * directory pass keeps counts that leave the two bits on the side.
	 */
	uint8_t *ino_info;

	/* Set in check_parallel's worker threads: reports are kept there, in order, for the driver. */
	struct check_sink *sink;

	/* The backend's own state (shared by the threads' copies of the context). */
	void *be;
};

/* Kinds: the common file types; any other is read from the inode when needed. */
#define INO_KIND_REG 0u
#define INO_KIND_DIR 1u
#define INO_KIND_SYMLINK 2u
#define INO_KIND_OTHER 3u
/* Counter: links less entries, plus INO_CNT_EVEN (0..2); INO_CNT_ESC: not here. */
#define INO_CNT_ESC 0u
#define INO_CNT_EVEN 1u
#define INO_CNT_MAX 3u

static inline unsigned ino_nibble(const struct check_ctx *c, fsimg_inum_t ino)
{
	return (c->ino_info[ino >> 1] >> ((ino & 1) * 4)) & 0xFu;
}
static inline unsigned ino_kind(const struct check_ctx *c, fsimg_inum_t ino)
{
	return ino_nibble(c, ino) & 3u;
}
static inline unsigned ino_cnt(const struct check_ctx *c, fsimg_inum_t ino)
{
	return ino_nibble(c, ino) >> 2;
}
/* Not for check_parallel's threads (check_note_inode is). */
static inline void ino_cnt_set(struct check_ctx *c, fsimg_inum_t ino, unsigned cnt)
{
	unsigned sh = (ino & 1) * 4;

	c->ino_info[ino >> 1] = (uint8_t)((c->ino_info[ino >> 1] & ~(0xCu << sh)) | (cnt << (sh + 2)));
}

/*
 * The inode pass (or a later one when it could not read the tables) records
 * what the later passes need of an inode in use: its bits and its info byte.
 * Safe from check_parallel's threads.
 */
void check_note_inode(struct check_ctx *c, fsimg_inum_t ino, uint16_t mode, uint16_t links)
	__attribute__((visibility("hidden")));

/* One report: renders, counts by severity, calls the caller's callback. */
void check_report(struct check_ctx *c, enum problem_id id, const struct fsimg_problem_ctx *pctx)
	__attribute__((visibility("hidden")));
/* Progress of the current pass. */
void check_progress(struct check_ctx *c, int pass, const char *name, uint64_t done, uint64_t total)
	__attribute__((visibility("hidden")));

/* Small builders for a problem context: PCTX_INODE(ino), then add fields. */
static inline struct fsimg_problem_ctx pctx_inode(fsimg_inum_t ino)
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
/* For maps check_parallel's threads share: neighbouring bits may belong to another thread. */
static inline void bit_set_shared(uint8_t *map, uint64_t n)
{
	__atomic_fetch_or(&map[n >> 3], (uint8_t)(1u << (n & 7)), __ATOMIC_RELAXED);
}
static inline bool bit_test_and_set_shared(uint8_t *map, uint64_t n)
{
	uint8_t m = (uint8_t)(1u << (n & 7));

	return (__atomic_fetch_or(&map[n >> 3], m, __ATOMIC_RELAXED) & m) != 0;
}

/*
 * Claims [start, start+len) for an owner: marks blk_claimed, and blk_multi
 * for blocks already claimed. A range outside [first_block, nblocks) claims
 * nothing (the caller reports it). Returns how many blocks were already
 * claimed. Safe from check_parallel's threads.
 */
uint64_t check_claim(struct check_ctx *c, fsimg_pblk_t start, uint64_t len)
	__attribute__((visibility("hidden")));

/*
 * Runs ops->unit for units 0 .. nunits-1 over c->opts.threads threads (0: one
 * per core), on per-thread copies of c whose reports are kept and passed
 * on in unit order: the output is the same for any number of threads.
 * init (may fail: <0) and fini (also after a failed init) run once per
 * thread on its tls (tls_size bytes, zeroed); done runs on c, in unit
 * order, after a unit's reports (progress). Callbacks must not keep
 * pointers into their thread's copy. With one thread, the units run on c.
 * Counts in c->sum and c->nr_multi are added up; maps are shared, so units
 * set their bits with bit_set_shared.
 */
struct check_par_ops {
	size_t tls_size;
	int (*init)(struct check_ctx *tc, void *tls, void *arg);
	void (*unit)(struct check_ctx *tc, void *tls, uint64_t unit, void *arg);
	void (*done)(struct check_ctx *c, uint64_t unit, void *arg);
	void (*fini)(struct check_ctx *tc, void *tls, void *arg);
};
int check_parallel(struct check_ctx *c, uint64_t nunits, const struct check_par_ops *ops, void *arg)
	__attribute__((visibility("hidden")));
/* Keeps a report of a worker's unit (check_report does, when c->sink is set). */
void check_sink_add(struct check_sink *s, enum problem_id id, const struct fsimg_problem_ctx *pctx)
	__attribute__((visibility("hidden")));

/* The backends' checks (check/ext4/, check/xfs/): run after the context is allocated. */
#define CHECK_HIDDEN __attribute__((visibility("hidden")))
CHECK_HIDDEN int check_ext4_run(struct check_ctx *c);
CHECK_HIDDEN int check_xfs_run(struct check_ctx *c);

#endif /* FSIMG_CHECK_CHECK_H */
