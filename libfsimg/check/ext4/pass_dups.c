/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 4: blocks claimed more than once (e2fsck's passes 1B to 1D). Only
 * when pass 1 or 2 marked some: a second look at the group metadata layout
 * and at the mapping of every inode in use records an owner for each
 * multiply-claimed block (inode 0 standing for the filesystem's metadata),
 * then each inode involved is reported once with the blocks it shares and
 * every other owner of them. The owner list is bounded (OWNERS_MAX
 * entries); past it the report says what it saw.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "check/ext4/e4check.h"

#define OWNERS_MAX (1u << 18)
/* Owners named in one report, and owners looked at per shared block. */
#define NAMES_MAX 8
#define PER_BLOCK_MAX 16
#define EXT2_RESIZE_INO 7u

struct owner {
	fsimg_pblk_t blk;
	fsimg_ino_t ino;   /* 0: filesystem metadata */
};

struct dups {
	struct check_ctx *c;
	struct owner *by_blk, *by_ino;
	size_t n;
	bool truncated;
};

static void add_range(struct dups *d, fsimg_pblk_t blk, uint64_t len, fsimg_ino_t ino)
{
	struct check_ctx *c = d->c;
	uint64_t i;

	if (!fs_pblk_range_ok(c->fs, blk, len))
		return;
	for (i = 0; i < len; i++) {
		if (!bit_test(c->blk_multi, blk + i))
			continue;
		if (d->n == OWNERS_MAX) {
			d->truncated = true;
			return;
		}
		d->by_blk[d->n].blk = blk + i;
		d->by_blk[d->n].ino = ino;
		d->n++;
	}
}

/* The same ranges pass 1 claims: superblocks, descriptors, bitmaps, inode tables. */
static void add_metadata(struct dups *d)
{
	struct check_ctx *c = d->c;
	struct fsimg_group g;
	fsimg_group_t i;

	for (i = 0; i < e4(c)->sb->group_count && !d->truncated; i++) {
		if (fsimg_ext4_group_get(&g, c->fs, i) < 0)
			continue;
		if (g.has_super)
			add_range(d, g.super_block, 1, 0);
		if (g.gdt_block)
			add_range(d, g.gdt_block, (uint64_t)g.gdt_count + g.reserved_gdt, 0);
		add_range(d, g.block_bitmap, 1, 0);
		add_range(d, g.inode_bitmap, 1, 0);
		add_range(d, g.inode_table, e4(c)->sb->inode_table_blocks, 0);
	}
}

/* The blocks pass 2 claimed for ino, again, keeping those marked multiply claimed. */
static void add_inode(struct dups *d, fsimg_ino_t ino)
{
	struct check_ctx *c = d->c;
	struct fsimg_inode in;
	struct fsimg_run run;
	fsimg_map *m;

	if (fsimg_inode_read(&in, c->fs, ino) < 0)
		return;
	if (in.file_acl)
		add_range(d, in.file_acl, 1, ino);
	if (fsimg_map_open(&m, c->fs, &in, FSIMG_MAP_TREE) < 0)
		return;
	while (!d->truncated && fsimg_map_next(m, &run) > 0) {
		if (run.type == FSIMG_RUN_META) {
			/* the resize inode owns only its double indirect block (pass 2) */
			if (ino != EXT2_RESIZE_INO || run.level == 2)
				add_range(d, run.pblk, 1, ino);
		} else if ((run.type == FSIMG_RUN_MAPPED || run.type == FSIMG_RUN_UNWRITTEN) &&
			   ino != EXT2_RESIZE_INO) {
			add_range(d, run.pblk, run.len, ino);
		}
	}
	fsimg_map_close(m);
}

static int cmp_blk(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->blk != y->blk)
		return x->blk < y->blk ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_ino(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* The first entry of block blk in by_blk (sorted), or n. */
static size_t find_blk(const struct dups *d, fsimg_pblk_t blk)
{
	return ARRAY_LOWER_BOUND(d->by_blk, d->n, blk, blk);
}

/* A small set of owner names for one report. */
struct names {
	fsimg_ino_t ino[NAMES_MAX];
	unsigned n;
	uint64_t more;
};

static void names_add(struct names *s, fsimg_ino_t ino)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return;
	if (s->n < NAMES_MAX)
		s->ino[s->n++] = ino;
	else
		s->more++;
}

static void names_render(const struct names *s, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < s->n && off < len; i++) {
		int w;

		if (s->ino[i] == 0)
			w = snprintf(buf + off, len - off, "%sfilesystem metadata", i ? ", " : "");
		else
			w = snprintf(buf + off, len - off, "%sinode %u", i ? ", " : "", s->ino[i]);
		if (w < 0)
			return;
		off += (size_t)w;
	}
	if (s->more && off < len)
		snprintf(buf + off, len - off, " and others");
}

/* Adds the owners of one block other than self (self too when it maps the block twice). */
static void other_owners(const struct dups *d, fsimg_pblk_t blk, fsimg_ino_t self,
			 struct names *s)
{
	size_t i = find_blk(d, blk), seen = 0;
	unsigned selfs = 0;

	for (; i < d->n && d->by_blk[i].blk == blk && seen < PER_BLOCK_MAX; i++, seen++) {
		if (d->by_blk[i].ino == self) {
			if (++selfs == 2)
				names_add(s, self);
			continue;
		}
		names_add(s, d->by_blk[i].ino);
	}
}

static void report_owners(struct dups *d)
{
	struct check_ctx *c = d->c;
	size_t i = 0;
	char detail[256];

	while (i < d->n) {
		fsimg_ino_t ino = d->by_ino[i].ino;
		struct names s = { { 0 }, 0, 0 };
		fsimg_pblk_t first = d->by_ino[i].blk, prev = 0;
		uint64_t count = 0;
		struct fsimg_problem_ctx p;

		for (; i < d->n && d->by_ino[i].ino == ino; i++) {
			fsimg_pblk_t b = d->by_ino[i].blk;

			if (count && b == prev)
				continue; /* mapped twice by ino: other_owners names it */
			prev = b;
			count++;
			other_owners(d, b, ino, &s);
		}
		/* Metadata overlapping metadata is pass 1's finding. */
		if (s.n == 0)
			continue;
		names_render(&s, detail, sizeof(detail));
		if (ino == 0) {
			p = pctx_none();
			PCTX_SET(p, block, FSIMG_PF_BLOCK, first);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, count);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
			check_report(c, PR_BLOCKS_SHARED_METADATA, &p);
		} else {
			p = pctx_inode(ino);
			PCTX_SET(p, block, FSIMG_PF_BLOCK, first);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, count);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
			check_report(c, PR_BLOCKS_SHARED, &p);
		}
	}
}

int check_pass_dups(struct check_ctx *c)
{
	struct dups d;
	fsimg_ino_t ino;

	/* shared_blocks (e2fsck -E unshare_blocks' opposite): sharing is the design. */
	if (c->nr_multi == 0 || (e4(c)->sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS))
		return 0;
	memset(&d, 0, sizeof(d));
	d.c = c;
	d.by_blk = malloc(OWNERS_MAX * sizeof(*d.by_blk));
	d.by_ino = malloc(OWNERS_MAX * sizeof(*d.by_ino));
	if (!d.by_blk || !d.by_ino) {
		free(d.by_blk);
		free(d.by_ino);
		return FSIMG_ENOMEM;
	}
	check_progress(c, 4, "multiply-claimed blocks", 0, e4(c)->sb->inodes_count);
	add_metadata(&d);
	for (ino = 1; ino <= e4(c)->sb->inodes_count && !d.truncated; ino++) {
		if (bit_test(c->ino_inuse, ino))
			add_inode(&d, ino);
	}
	qsort(d.by_blk, d.n, sizeof(*d.by_blk), cmp_blk);
	memcpy(d.by_ino, d.by_blk, d.n * sizeof(*d.by_ino));
	qsort(d.by_ino, d.n, sizeof(*d.by_ino), cmp_ino);
	report_owners(&d);
	check_progress(c, 4, "multiply-claimed blocks", e4(c)->sb->inodes_count, e4(c)->sb->inodes_count);
	free(d.by_blk);
	free(d.by_ino);
	return 0;
}
