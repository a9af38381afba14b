/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quota usage (issue 15): per user, group and project, the space and inodes
 * the filesystem's inodes use, added up during the inode pass, against what
 * the quota files record (e2fsck's quota_data_add / quota_data_inodes in
 * pass 1, quota_compare_and_update at its end: PR_6_UPDATE_QUOTAS).
 *
 * Charged, as e2fsck does: the root inode and every inode in use from
 * s_first_ino on, except the project quota file, the orphan file and xattr
 * inodes; space is the clusters the inode owns (data, mapping blocks, its
 * xattr block) times the cluster size, inodes one each. On ea_inode
 * filesystems each xattr inode's value is charged to the inodes naming it,
 * its size in clusters and one inode (pass_ea_inode.c, after pass 2; an xattr
 * block's values to every inode sharing it), as e2fsck does.
 *
 * The quota files are the kernel's v2 format (quotaio_v2.h, quotaio_tree.c
 * in e2fsprogs): a header (magic per type, version 0 or 1), an info block,
 * then a radix tree of 1 KiB blocks, four levels of 256 references indexed
 * by the id's bytes, whose last level names data blocks of fixed-size
 * entries (48 bytes in version 0, 72 in version 1).
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "core/cursor.h"

#define QT_NTYPES 3
#define QT_BLKSIZE 1024u
#define QT_TREEOFF 1u
#define QT_TREEDEPTH 4
#define QT_DQDBHEADER 16u
#define V2_DQINFOOFF 8u
/* Ids kept per type: past this (a fuzzed image) the type is not compared. */
#define QU_MAX_IDS (1u << 20)
/* Mismatching ids reported per type; the rest are counted in one line. */
#define QU_MAX_REPORTS 16u

static const uint32_t quota_magic[QT_NTYPES] = { 0xd9c01f11u, 0xd9c01927u, 0xd9c03f14u };
static const char *const quota_name[QT_NTYPES] = { "user", "group", "project" };

struct qu_entry {
	uint32_t id;
	bool used;
	bool seen;      /* named by the quota file */
	uint64_t space; /* bytes */
	uint64_t inodes;
};

struct qu_table {
	struct qu_entry *e;
	size_t cap, n;  /* cap: 0 or a power of two */
	bool overflow;  /* too many ids, or no memory: not compared */
};

struct quota_usage {
	pthread_mutex_t mu;
	uint32_t qino[QT_NTYPES]; /* 0: the type is not checked */
	struct qu_table t[QT_NTYPES];
	uint32_t first_ino, prj_ino, orphan_ino;
	uint64_t cluster_size;
};

static size_t qu_hash(uint32_t id, size_t cap)
{
	uint32_t h = id * 0x9e3779b1u;

	return (size_t)(h ^ (h >> 15)) & (cap - 1);
}

static struct qu_entry *qu_find(const struct qu_table *t, uint32_t id)
{
	if (t->cap == 0)
		return NULL;
	for (size_t i = qu_hash(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (!t->e[i].used)
			return NULL;
		if (t->e[i].id == id)
			return &t->e[i];
	}
}

static bool qu_grow(struct qu_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct qu_entry *e = calloc(cap, sizeof(*e));

	if (!e)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->e[i].used)
			continue;
		for (j = qu_hash(t->e[i].id, cap); e[j].used; j = (j + 1) & (cap - 1))
			;
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->cap = cap;
	return true;
}

/* The entry of id, added when absent; NULL when the table overflows. */
static struct qu_entry *qu_get(struct qu_table *t, uint32_t id)
{
	struct qu_entry *q = qu_find(t, id);
	size_t i;

	if (q || t->overflow)
		return q;
	if ((t->n + 1) * 2 > t->cap) {
		if (t->n >= QU_MAX_IDS || !qu_grow(t)) {
			t->overflow = true;
			return NULL;
		}
	}
	for (i = qu_hash(id, t->cap); t->e[i].used; i = (i + 1) & (t->cap - 1))
		;
	t->e[i].used = true;
	t->e[i].id = id;
	t->n++;
	return &t->e[i];
}

void check_quota_usage_start(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct quota_usage *qu;
	bool any = false;

	if (e4(c)->quota || !(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_QUOTA))
		return;
	qu = calloc(1, sizeof(*qu));
	if (!qu)
		return;
	for (int t = 0; t < QT_NTYPES; t++) {
		qu->qino[t] = ext4_sb_inode(sb, (enum ext4_sb_inode)(EXT4_SBINO_USR_QUOTA + t));
		any |= qu->qino[t] != 0;
	}
	if (!any || pthread_mutex_init(&qu->mu, NULL) != 0) {
		free(qu);
		return;
	}
	qu->first_ino = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;
	qu->prj_ino = ext4_sb_inode(sb, EXT4_SBINO_PRJ_QUOTA);
	qu->orphan_ino = ext4_sb_inode(sb, EXT4_SBINO_ORPHAN_FILE);
	qu->cluster_size = sb->cluster_size;
	e4(c)->quota = qu;
}

void check_quota_usage_add(struct check_ctx *c, const struct fsimg_inode *in, uint64_t clusters)
{
	check_quota_usage_charge(c, in, clusters, 1);
}

void check_quota_usage_charge(struct check_ctx *c, const struct fsimg_inode *in, uint64_t clusters,
			      uint64_t inodes)
{
	struct quota_usage *qu = e4(c)->quota;
	uint32_t ids[QT_NTYPES];

	if (!qu)
		return;
	if (in->ino == qu->prj_ino || in->ino == qu->orphan_ino ||
	    (in->ino != FSIMG_ROOT_INO && in->ino < qu->first_ino) || (in->flags & EXT4_EA_INODE_FL))
		return;
	ids[0] = in->uid;
	ids[1] = in->gid;
	ids[2] = in->projid;
	pthread_mutex_lock(&qu->mu);
	for (int t = 0; t < QT_NTYPES; t++) {
		struct qu_entry *q;

		if (!qu->qino[t] || !(q = qu_get(&qu->t[t], ids[t])))
			continue;
		q->space += clusters * qu->cluster_size;
		q->inodes += inodes;
	}
	pthread_mutex_unlock(&qu->mu);
}

/* One quota file's reading state. */
struct qfile {
	struct check_ctx *c;
	int type;
	fsimg_file *f;
	uint32_t ino;
	uint32_t blocks;      /* dqi_blocks */
	unsigned entry_size;
	uint8_t *visited;     /* one bit per quota block */
	uint8_t buf[QT_BLKSIZE];
	unsigned reported;
	uint64_t mismatches;
	const char *fault;    /* the file cannot be read as e2fsck would */
};

static void report_usage(struct qfile *qf, uint32_t id, uint64_t space, uint64_t inodes,
			 uint64_t rspace, uint64_t rinodes, bool recorded)
{
	struct fsimg_problem_ctx p;
	char detail[192];

	qf->mismatches++;
	if (++qf->reported > QU_MAX_REPORTS)
		return;
	if (recorded)
		snprintf(detail, sizeof(detail),
			 "%s quota, id %" PRIu32 ": %" PRIu64 " bytes in %" PRIu64
			 " inodes counted, the file records %" PRIu64 " bytes in %" PRIu64 " inodes",
			 quota_name[qf->type], id, space, inodes, rspace, rinodes);
	else
		snprintf(detail, sizeof(detail),
			 "%s quota, id %" PRIu32 ": %" PRIu64 " bytes in %" PRIu64
			 " inodes counted, the file has no entry",
			 quota_name[qf->type], id, space, inodes);
	p = pctx_inode(qf->ino);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(qf->c, PR_QUOTA_USAGE_WRONG, &p);
}

static bool read_qblk(struct qfile *qf, uint32_t blk)
{
	int64_t n = fsimg_file_read(qf->f, qf->buf, QT_BLKSIZE, (uint64_t)blk * QT_BLKSIZE);

	if (n < 0)
		return false;
	/* past EOF reads as zeros, as e2fsck's read_blk */
	memset(qf->buf + n, 0, QT_BLKSIZE - (size_t)n);
	return true;
}

static bool entry_unused(const uint8_t *e, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		if (e[i])
			return false;
	return true;
}

static void scan_data_block(struct qfile *qf, struct qu_table *t)
{
	unsigned per = (QT_BLKSIZE - QT_DQDBHEADER) / qf->entry_size;

	for (unsigned i = 0; i < per; i++) {
		const uint8_t *e = qf->buf + QT_DQDBHEADER + i * qf->entry_size;
		uint32_t id = get_le32(e);
		uint64_t rspace, rinodes, space = 0, inodes = 0;
		struct qu_entry *q;

		if (entry_unused(e, qf->entry_size))
			continue;
		if (qf->entry_size == 48) { /* v2r0 */
			rinodes = get_le32(e + 12);
			rspace = get_le64(e + 24);
		} else {                    /* v2r1 */
			rinodes = get_le64(e + 24);
			rspace = get_le64(e + 48);
		}
		q = qu_find(t, id);
		if (q) {
			q->seen = true;
			space = q->space;
			inodes = q->inodes;
		}
		if (space != rspace || inodes != rinodes)
			report_usage(qf, id, space, inodes, rspace, rinodes, true);
	}
}

/* e2fsck's report_tree, with every block visited once (also tree nodes). */
static void scan_tree(struct qfile *qf, struct qu_table *t, uint32_t blk, int depth)
{
	uint32_t refs[QT_BLKSIZE / 4];

	if (qf->fault)
		return;
	if (blk >= qf->blocks) {
		qf->fault = "a reference past dqi_blocks";
		return;
	}
	if (bit_test(qf->visited, blk))
		return;
	bit_set(qf->visited, blk);
	if (!read_qblk(qf, blk)) {
		qf->fault = "a block cannot be read";
		return;
	}
	if (depth == QT_TREEDEPTH) {
		scan_data_block(qf, t);
		return;
	}
	for (unsigned i = 0; i < QT_BLKSIZE / 4; i++)
		refs[i] = get_le32(qf->buf + 4 * i);
	for (unsigned i = 0; i < QT_BLKSIZE / 4 && !qf->fault; i++)
		if (refs[i])
			scan_tree(qf, t, refs[i], depth + 1);
}

/* Header and info block, as v2_check_file and v2_init_io accept them. */
static const char *open_qfile(struct qfile *qf)
{
	struct fsimg_inode in;
	uint32_t version, free_blk, free_entry;

	if (fsimg_inode_read(&in, qf->c->fs, qf->ino) < 0)
		return "its inode cannot be read";
	if (fsimg_file_open(&qf->f, qf->c->fs, &in, 0) < 0)
		return "its data cannot be read";
	if (!read_qblk(qf, 0))
		return "its first block cannot be read";
	/*
	 * e2fsck (v2_check_file) refuses only the magic stored big-endian; any
	 * other is read on as long as the version is known (the kernel is
	 * stricter and refuses to turn quota on).
	 */
	if (get_be32(qf->buf) == quota_magic[qf->type] && get_le32(qf->buf) != quota_magic[qf->type])
		return "magic in the wrong byte order";
	version = get_le32(qf->buf + 4);
	if (version > 1)
		return "unknown version";
	qf->entry_size = version == 0 ? 48 : 72;
	qf->blocks = get_le32(qf->buf + V2_DQINFOOFF + 12);
	free_blk = get_le32(qf->buf + V2_DQINFOOFF + 16);
	free_entry = get_le32(qf->buf + V2_DQINFOOFF + 20);
	if (in.size > (UINT64_C(1) << 31) || qf->blocks > (in.size + QT_BLKSIZE - 1) / QT_BLKSIZE)
		return "dqi_blocks past the file's size";
	if (free_blk >= qf->blocks || free_entry >= qf->blocks)
		return "dqi_free_blk or dqi_free_entry past dqi_blocks";
	qf->visited = calloc(1, qf->blocks / 8 + 1);
	return qf->visited ? NULL : "no memory";
}

static void compare_type(struct check_ctx *c, struct quota_usage *qu, int type)
{
	struct qu_table *t = &qu->t[type];
	struct qfile *qf = calloc(1, sizeof(*qf));

	if (!qf)
		return;
	qf->c = c;
	qf->type = type;
	qf->ino = qu->qino[type];
	qf->fault = open_qfile(qf);
	if (!qf->fault)
		scan_tree(qf, t, QT_TREEOFF, 0);
	if (qf->fault) {
		struct fsimg_problem_ctx p = pctx_inode(qf->ino);
		char detail[128];

		snprintf(detail, sizeof(detail), "%s quota file: %s", quota_name[type], qf->fault);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
		check_report(c, PR_QUOTA_FILE_BAD, &p);
	} else {
		/* ids in use the file does not name */
		for (size_t i = 0; i < t->cap; i++)
			if (t->e[i].used && !t->e[i].seen)
				report_usage(qf, t->e[i].id, t->e[i].space, t->e[i].inodes, 0, 0, false);
		if (qf->reported > QU_MAX_REPORTS) {
			struct fsimg_problem_ctx p = pctx_inode(qf->ino);
			char detail[128];

			snprintf(detail, sizeof(detail), "%s quota: %" PRIu64 " ids in all",
				 quota_name[type], qf->mismatches);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
			check_report(c, PR_QUOTA_USAGE_WRONG, &p);
		}
	}
	if (qf->f)
		fsimg_file_close(qf->f);
	free(qf->visited);
	free(qf);
}

int check_pass_quota_usage(struct check_ctx *c)
{
	struct quota_usage *qu = e4(c)->quota;

	if (!qu)
		return 0;
	for (int t = 0; t < QT_NTYPES; t++)
		if (qu->qino[t] && !qu->t[t].overflow)
			compare_type(c, qu, t);
	return 0;
}

void check_quota_usage_free(struct check_ctx *c)
{
	struct quota_usage *qu = e4(c)->quota;

	if (!qu)
		return;
	for (int t = 0; t < QT_NTYPES; t++)
		free(qu->t[t].e);
	pthread_mutex_destroy(&qu->mu);
	free(qu);
	e4(c)->quota = NULL;
}
