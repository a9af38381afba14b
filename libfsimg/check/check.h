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

struct check_sink;

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

	/* pass 2 → 4, 5, 6: per inode, one bit each */
	uint8_t *ino_inuse;          /* in use by the inode table's content */
	uint8_t *ino_isdir;
	uint8_t *ino_bad;            /* too broken to follow (no dir walk into it) */
	/*
	 * pass 2 → 5: four bits per inode (two a byte), so pass 5 reads no inode
	 * for a directory entry: its kind (INO_KIND_*), and a counter of
	 * i_links_count less the entries naming it so far (INO_CNT_*). Pass 5
	 * keeps counts that leave the two bits on the side.
	 */
	uint8_t *ino_info;

	/* Set in pass 2's worker threads: reports are kept there, in order, for the driver. */
	struct check_sink *sink;

	/*
	 * pass 2 → 6: orphans, on the s_last_orphan chain or in the orphan
	 * file (NULL: none). A deleted one
	 * (link count 0) keeps its inode and blocks until the kernel or e2fsck
	 * releases them, so pass 6 counts them in use.
	 */
	uint8_t *ino_orphan;

	/* pass 2 → quota usage pass: per-id usage (pass_quota_usage.c; NULL: not checked) */
	struct quota_usage *quota;
	/* pass 2 → 5: encryption policies by inode (pass_rules.c; NULL: no encrypt feature) */
	struct idmap *encpol;
	/* pass 2: references to each xattr block (pass_xattr.c compares h_refcount) */
	struct idmap *xattr_refs;
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

static inline unsigned ino_nibble(const struct check_ctx *c, fsimg_ino_t ino)
{
	return (c->ino_info[ino >> 1] >> ((ino & 1) * 4)) & 0xFu;
}
static inline unsigned ino_kind(const struct check_ctx *c, fsimg_ino_t ino)
{
	return ino_nibble(c, ino) & 3u;
}
static inline unsigned ino_cnt(const struct check_ctx *c, fsimg_ino_t ino)
{
	return ino_nibble(c, ino) >> 2;
}
/* Not for pass 2's threads (check_note_inode is). */
static inline void ino_cnt_set(struct check_ctx *c, fsimg_ino_t ino, unsigned cnt)
{
	unsigned sh = (ino & 1) * 4;

	c->ino_info[ino >> 1] = (uint8_t)((c->ino_info[ino >> 1] & ~(0xCu << sh)) | (cnt << (sh + 2)));
}

/*
 * Pass 2 (or pass 5 when pass 2 could not read the tables) records what the
 * later passes need of an inode in use: its bits and its info byte.
 */
void check_note_inode(struct check_ctx *c, fsimg_ino_t ino, uint16_t mode, uint16_t links)
	__attribute__((visibility("hidden")));

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
/* For maps pass 2's threads share: neighbouring bits may belong to another thread. */
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
 * for blocks already claimed. The range must have passed fs_pblk_range_ok.
 * Returns how many blocks were already claimed. Safe from pass 2's threads.
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

/* The passes, in order. Each returns 0, or <0 when the check cannot go on. */
#define CHECK_HIDDEN __attribute__((visibility("hidden")))
CHECK_HIDDEN int check_pass_super(struct check_ctx *c);   /* 1: superblock, groups, metadata layout */
CHECK_HIDDEN int check_pass_inodes(struct check_ctx *c);  /* 2+3: inodes, extent trees, data state */
CHECK_HIDDEN int check_pass_dups(struct check_ctx *c);    /* 4: blocks claimed twice, every owner */
CHECK_HIDDEN int check_pass_dirs(struct check_ctx *c);    /* 5: directories, connectivity, links */
CHECK_HIDDEN int check_pass_ea_inodes(struct check_ctx *c); /* 5b: ea_inode references and counts */
/* An xattr entry's hash over its name and (value not NULL) its padded value words. */
CHECK_HIDDEN uint32_t check_xattr_hash(const uint8_t *e, const uint8_t *value, bool is_signed);
CHECK_HIDDEN int check_pass_bitmaps(struct check_ctx *c); /* 6: bitmaps and summary counts */
CHECK_HIDDEN int check_pass_journal(struct check_ctx *c); /* 7: journal and what the crash left */

/* Parts of passes kept in their own files. */
CHECK_HIDDEN void check_quota_inodes(struct check_ctx *c);         /* pass 1: pass_quota.c */
/*
 * Quota usage (pass_quota_usage.c): start before pass 2's threads, add per
 * inode in use (safe from pass 2's threads), the pass compares with the
 * quota files, free with the context.
 */
CHECK_HIDDEN void check_quota_usage_start(struct check_ctx *c);
CHECK_HIDDEN void check_quota_usage_add(struct check_ctx *c, const struct fsimg_inode *in,
					uint64_t clusters);
CHECK_HIDDEN int check_pass_quota_usage(struct check_ctx *c);
/* Field and flag rules against the features (pass_rules.c): pass 1's superblock, pass 2's inodes. */
CHECK_HIDDEN void check_super_rules(struct check_ctx *c);
CHECK_HIDDEN void check_mmp(struct check_ctx *c);
/* Pass 7 (pass_rules.c): the journal superblock's checksum, v2 fields set in a v1 one. */
struct fsimg_journal_super;
CHECK_HIDDEN void check_journal_super_rules(struct check_ctx *c, const struct fsimg_journal_super *js);
/* Pass 2, per inode of the s_last_orphan chain (pass_rules.c): one the kernel refuses. */
CHECK_HIDDEN void check_orphan_link(struct check_ctx *c, fsimg_ino_t ino, bool head);
/* Encryption policies noted in pass 2 (start before its threads), read in pass 5. */
CHECK_HIDDEN void check_enc_start(struct check_ctx *c);
/* 1 and *policy for an inode with a valid context, 0 none, -1 unknown (not kept). */
CHECK_HIDDEN int check_enc_policy(const struct check_ctx *c, fsimg_ino_t ino, uint64_t *policy);
CHECK_HIDDEN void check_enc_free(struct check_ctx *c);
/* References to xattr blocks (pass_xattr.c): start before pass 2's threads, one per inode naming it. */
CHECK_HIDDEN void check_xattr_refs_start(struct check_ctx *c);
CHECK_HIDDEN void check_xattr_ref(struct check_ctx *c, fsimg_pblk_t blk);                  /* pass 1: pass_mmp.c */
CHECK_HIDDEN void check_inode_rules(struct check_ctx *c, const struct fsimg_inode *in,
				    const uint8_t *raw, bool reserved);
CHECK_HIDDEN void check_quota_usage_free(struct check_ctx *c);
CHECK_HIDDEN void check_super_fields(struct check_ctx *c);         /* pass 1: pass_super_fields.c */
/* Pass 2, per reserved inode (pass_super_fields.c): its mode. */
CHECK_HIDDEN void check_reserved_mode(struct check_ctx *c, const struct fsimg_inode *in);
/* Pass 2, per inode in use past the reserved ones (pass_super_fields.c): fields kept zero. */
CHECK_HIDDEN void check_inode_fields(struct check_ctx *c, const struct fsimg_inode *in,
				     const uint8_t *raw);
CHECK_HIDDEN void check_journal_inode_backup(struct check_ctx *c); /* pass 1: pass_journal.c */
/*
 * Pass 2, before the scan (pass_orphan.c): the orphan file's blocks and
 * entries; the orphans it names are set in *orphans (allocated if NULL).
 */
CHECK_HIDDEN void check_orphan_file(struct check_ctx *c, uint8_t **orphans);
/*
 * Pass 2, per inode in use (pass_xattr.c): i_file_acl against the features,
 * the xattrs in the inode body. False when the xattr block is not the
 * inode's to claim (no ext_attr feature).
 */
CHECK_HIDDEN bool check_xattr_inode(struct check_ctx *c, const struct fsimg_inode *in,
				    const uint8_t *raw);
/* End of pass 2 (pass_xattr.c): every xattr block named by an inode, once, in block order. */
CHECK_HIDDEN void check_xattr_blocks(struct check_ctx *c, const uint8_t *seen);

#endif /* FSIMG_CHECK_CHECK_H */
