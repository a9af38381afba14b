/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bad block list (inode 1's blocks), as e2fsck pass 1 reads it before
 * the inode scan: the blocks it names are bad; an indirect block of inode 1
 * that the list names is one e2fsck will not trust (PR_1_BBINODE_BAD_METABLOCK);
 * an inode whose inode table block is on the list is not read at all, but
 * counted in use (ext2fs_get_next_inode's EXT2_ET_BAD_BLOCK_IN_INODE_TABLE):
 * inode 1 itself there is PR_1_BADBLOCKS_IN_BADBLOCKS, and an entry naming
 * another is PR_2_BB_INODE.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"

#define BAD_INO 1u
/* Bad blocks kept: the list of a real disk is short; a crafted one is cut here. */
#define BB_MAX 65536u
#define BB_META_MAX 4096u

struct bb_run {
	uint64_t start, len;
};

struct badblocks {
	struct bb_run *runs;        /* data runs of inode 1, by physical start */
	size_t n;
};

static int run_cmp(const void *a, const void *b)
{
	const struct bb_run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool bb_has(const struct badblocks *bb, uint64_t blk)
{
	size_t lo = 0, hi = bb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (blk < bb->runs[mid].start)
			hi = mid;
		else if (blk - bb->runs[mid].start >= bb->runs[mid].len)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void check_badblocks_load(struct check_ctx *c)
{
	struct fsimg_inode in;
	struct fsimg_run run;
	struct badblocks *bb;
	fsimg_map *m = NULL;
	uint64_t meta[BB_META_MAX];
	size_t nmeta = 0, cap = 0;

	if (fsimg_inode_read(&in, c->fs, BAD_INO) < 0 || in.blocks == 0 ||
	    fsimg_map_open(&m, c->fs, &in, FSIMG_MAP_TREE) < 0)
		return;
	bb = calloc(1, sizeof(*bb));
	if (!bb)
		goto out;
	while (fsimg_map_next(m, &run) > 0) {
		if (run.type == FSIMG_RUN_META) {
			if (nmeta < BB_META_MAX)
				meta[nmeta++] = run.pblk;
			continue;
		}
		if (run.type != FSIMG_RUN_MAPPED && run.type != FSIMG_RUN_UNWRITTEN)
			continue;
		if (bb->n == cap) {
			struct bb_run *r;

			if (cap >= BB_MAX)
				break;
			cap = cap ? cap * 2 : 64;
			r = realloc(bb->runs, cap * sizeof(*r));
			if (!r)
				break;
			bb->runs = r;
		}
		bb->runs[bb->n].start = run.pblk;
		bb->runs[bb->n].len = run.len;
		bb->n++;
	}
	if (bb->n == 0) {
		free(bb->runs);
		free(bb);
		goto out;
	}
	qsort(bb->runs, bb->n, sizeof(*bb->runs), run_cmp);
	e4(c)->bad = bb;
	for (size_t i = 0; i < nmeta; i++) {
		if (bb_has(bb, meta[i])) {
			struct fsimg_problem_ctx p = pctx_inode(BAD_INO);

			PCTX_SET(p, block, FSIMG_PF_BLOCK, meta[i]);
			check_report(c, PR_BADBLOCKS_META, &p);
		}
	}
out:
	fsimg_map_close(m);
}

bool check_inode_in_bad_block(const struct check_ctx *c, fsimg_ino_t ino)
{
	const struct badblocks *bb = e4(c)->bad;
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_group g;
	uint64_t idx;

	if (!bb || ino == 0 || ino > sb->inodes_count || sb->inodes_per_group == 0)
		return false;
	if (fsimg_ext4_group_get(&g, c->fs, (ino - 1) / sb->inodes_per_group) < 0)
		return false;
	idx = (ino - 1) % sb->inodes_per_group;
	return bb_has(bb, g.inode_table + idx * sb->inode_size / c->fs->block_size);
}

void check_badblocks_free(struct check_ctx *c)
{
	struct badblocks *bb = e4(c)->bad;

	if (bb) {
		free(bb->runs);
		free(bb);
		e4(c)->bad = NULL;
	}
}
