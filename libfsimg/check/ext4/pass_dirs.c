/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5: directories, connectivity and link counts (e2fsck passes 2, 3, 4).
 *
 * Every in-use directory is walked block by block with the block-level
 * parsers of ext4/dir.c and ext4/htree.c rather than through fsimg_dir_*,
 * which stops at the first damaged entry: a checker reports each problem and
 * goes on with the next block. Blocks are found only through the mapping
 * iterator.
 *
 * Nothing here reads an inode for an entry: pass 2 left each inode's file
 * type and link count in c->ino_info, and each entry naming an inode counts
 * down its counter ("." and ".." included); the few counts that leave the
 * byte's range live in a small hash table. Per directory (a table sorted by
 * inode number, from pass 2's directory bitmap): its "..", and the directory
 * whose entry first named it. Connectivity follows those names upwards from
 * every directory to the root, with a bound and a visited mark; link counts
 * compare i_links_count with the entries counted, as e2fsck pass 4 does,
 * reading only the inodes whose counter did not come out even.
 *
 * This file holds the pass, its per-inode tables and the walk of each
 * directory's blocks; entries are checked in pass_dirs_entries.c, htree
 * indexes in pass_dirs_htree.c, connectivity and link counts in
 * pass_dirs_links.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "check/ext4/e4check.h"
#include "check/ext4/pass_dirs.h"

struct dinfo *dirs_find(struct dirs_state *s, fsimg_ino_t ino)
{
	size_t lo = ARRAY_LOWER_BOUND(s->dirs, s->ndirs, ino, ino);

	return lo < s->ndirs && s->dirs[lo].ino == ino ? &s->dirs[lo] : NULL;
}

struct cnt_slot *dirs_cnt_slot(struct dirs_state *s, fsimg_ino_t ino)
{
	size_t mask = s->cnt_cap - 1, i = (size_t)((ino * 0x9E3779B1u) & mask);

	while (s->cnt[i].ino && s->cnt[i].ino != ino)
		i = (i + 1) & mask;
	return &s->cnt[i];
}

static int cnt_grow(struct dirs_state *s)
{
	struct cnt_slot *old = s->cnt;
	size_t cap = s->cnt_cap;

	s->cnt_cap = cap ? cap * 2 : 1024;
	s->cnt = calloc(s->cnt_cap, sizeof(*s->cnt));
	if (!s->cnt) {
		s->cnt = old;
		s->cnt_cap = cap;
		return FSIMG_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		if (old[i].ino)
			*dirs_cnt_slot(s, old[i].ino) = old[i];
	free(old);
	return 0;
}

/*
 * One more entry names ino. The counter counts down in its two bits; past
 * their end the count moves to the side table (a count pass 2 could not
 * store starts from the inode's own i_links_count, read once).
 */
void dirs_ref_inc(struct dirs_state *s, fsimg_ino_t ino)
{
	struct check_ctx *c = s->c;
	unsigned cnt = ino_cnt(c, ino);
	struct cnt_slot *e;

	if (!inuse(s, ino))
		return; /* not counted: only inodes in use have their links checked */
	if (cnt > INO_CNT_EVEN) {
		ino_cnt_set(c, ino, cnt - 1);
		return;
	}
	if (s->ncnt + 1 > s->cnt_cap / 2 && cnt_grow(s) < 0)
		return; /* out of memory: this entry goes uncounted */
	e = dirs_cnt_slot(s, ino);
	if (!e->ino) {
		struct fsimg_inode in;

		e->ino = ino;
		if (cnt == INO_CNT_EVEN)
			e->delta = 0;
		else
			e->delta = fsimg_inode_read(&in, s->fs, ino) == 0 ? in.links_count : 0;
		s->ncnt++;
		ino_cnt_set(c, ino, INO_CNT_ESC);
	}
	if (e->delta > INT32_MIN)
		e->delta--;
}

/* ------------------------------------------------------- directories */

static void check_leaf_block(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk)
{
	size_t end = s->bs;
	bool root = d->indexed && lblk == 0;

	if (d->lo && d->kind[lblk] == BLK_NONE) {
		struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "block not referenced by the htree");
		check_report(s->c, PR_DX_BAD_BLOCK, &p);
	}
	/* metadata_csum: leaf blocks end with a dirent tail (the dx root has a dx tail instead). */
	if (s->csum && !root) {
		int ok = ext4_dirblock_csum_verify(s->fs, d->seed, s->blk, s->bs);

		if (ok < 0) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			check_report(s->c, PR_DIRBLOCK_NO_CSUM, &p);
		} else {
			end = s->bs - DIRENT_TAIL_LEN;
			if (ok == 0) {
				struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

				check_report(s->c, PR_DIRBLOCK_BAD_CSUM, &p);
			}
		}
	}
	if (root) {
		/* Only "." and "..": the rest of the block is the index. */
		struct ext4_dirent de;
		char why[96];
		size_t off = 0;

		while (d->nent < 2 && off < end &&
		       ext4_dirent_parse(s->fs, s->blk, end, off, &de, why, sizeof(why)) == 0) {
			dirs_check_entry(s, d, 0, d->nent++, &de);
			off += de.rec_len;
		}
		return;
	}
	dirs_walk_entries(s, d, lblk, s->blk, end, lblk == 0);
}

static void check_block_dir(struct dirs_state *s, struct dwalk *d)
{
	fsimg_map *map = NULL;
	struct fsimg_run run;
	fsimg_lblk_t next = 0, l;
	uint64_t i, got;
	int err;

	if (d->indexed)
		dirs_dx_check(s, d);

	if (fsimg_map_open(&map, s->fs, &d->inode, 0) < 0) {
		dirs_dx_finish(s, d); /* no leaves read: frees only */
		return; /* pass 2 reports broken mappings */
	}
	while ((err = fsimg_map_next(map, &run)) == 1) {
		/* i_size against the blocks (past it, or short of it) is pass 2's. */
		if (run.lblk >= d->nblocks)
			break;
		if (run.type != FSIMG_RUN_MAPPED)
			continue; /* holes (reported below); unwritten: pass 2 */
		/* A hole between blocks (e2fsck PR_2_DIRECTORY_HOLE, there per block). */
		if (run.lblk > next) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, next);

			PCTX_SET(p, length, FSIMG_PF_LENGTH, run.lblk - next);
			check_report(s->c, PR_DIR_HOLE, &p);
		}
		for (i = 0; i < run.len && run.lblk + i < d->nblocks; i += got) {
			uint64_t want = run.len - i, j;

			/* Whole blocks of the run at once, as many as the buffer holds. */
			if (want > d->nblocks - run.lblk - i)
				want = d->nblocks - run.lblk - i;
			if (want > DIRBUF_BYTES / s->bs)
				want = DIRBUF_BYTES / s->bs;
			got = want;
			if (fs_read_blocks(s->fs, run.pblk + i, want, s->dirbuf) < 0) {
				/* one at a time, so a bad block costs only itself */
				got = 1;
				if (fs_read_block(s->fs, run.pblk + i, s->dirbuf) < 0)
					continue;
			}
			for (j = 0; j < got; j++) {
				l = run.lblk + (fsimg_lblk_t)(i + j);
				if (d->kind && d->kind[l] == BLK_NODE && l != 0)
					continue; /* checked by dx_walk */
				s->blk = s->dirbuf + j * s->bs;
				check_leaf_block(s, d, l);
			}
		}
		next = run.lblk + (fsimg_lblk_t)i;
	}
	fsimg_map_close(map);
	if (d->nent < 2) {
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "no entries");
		check_report(s->c, d->nent == 0 ? PR_DIR_NO_DOT : PR_DIR_NO_DOTDOT, &p);
	}
	dirs_dx_finish(s, d);
}

/* Inline directories: the parent's number, then two regions of entries (i_block, system.data). */
static void check_inline_dir(struct dirs_state *s, struct dwalk *d)
{
	struct check_ctx *c = s->c;
	uint8_t *data = NULL;
	size_t len = 0, r1;
	fsimg_ino_t parent;

	/* Unusable inline data is pass 2's finding (INODE_BAD_INLINE). */
	if (ext4_inline_get(s->fs, d->inode.ino, &data, &len) < 0 || len < EXT4_INLINE_DOTDOT_SIZE) {
		free(data);
		return;
	}
	parent = get_le32(data);
	/* "." is implied, ".." is the stored number (ext2fs_inline_data_dir_iterate). */
	dirs_ref_inc(s, d->inode.ino);
	if (parent >= 1 && parent <= s->sb->inodes_count) {
		if (dirs_find(s, d->inode.ino))
			dirs_find(s, d->inode.ino)->parent = parent;
		dirs_ref_inc(s, parent);
	} else {
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "parent out of range");
		check_report(c, PR_DIR_NO_DOTDOT, &p);
	}
	r1 = len < EXT4_MIN_INLINE_DATA_SIZE ? len : EXT4_MIN_INLINE_DATA_SIZE;
	d->nent = 2;
	dirs_walk_entries(s, d, 0, data + EXT4_INLINE_DOTDOT_SIZE, r1 - EXT4_INLINE_DOTDOT_SIZE, false);
	if (len > EXT4_MIN_INLINE_DATA_SIZE)
		dirs_walk_entries(s, d, 0, data + EXT4_MIN_INLINE_DATA_SIZE, len - EXT4_MIN_INLINE_DATA_SIZE, false);
	free(data);
}

static void check_dir(struct dirs_state *s, fsimg_ino_t ino)
{
	struct dwalk d;
	uint64_t nb;

	memset(&d, 0, sizeof(d));
	d.hash_version = -1;
	if (fsimg_inode_read(&d.inode, s->fs, ino) < 0)
		return;
	if ((d.inode.mode & S_IFMT_) != S_IFDIR_)
		return;
	if (s->csum)
		d.seed = ext4_inode_csum_seed(s->fs, ino, d.inode.generation);
	if (d.inode.flags & FSIMG_INODE_INLINE_DATA_FL) {
		check_inline_dir(s, &d);
		return;
	}
	nb = d.inode.size / s->bs + (d.inode.size % s->bs != 0);
	d.nblocks = nb < FSIMG_MAX_DIR_BLOCKS ? nb : FSIMG_MAX_DIR_BLOCKS;
	d.indexed = (d.inode.flags & FSIMG_INODE_INDEX_FL) &&
		    (s->sb->feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX);
	check_block_dir(s, &d);
}

/*
 * The in-use bitmaps and info bytes: pass 2's when it filled them (it marks
 * the reserved inodes in use always, so inode 1 tells), otherwise this
 * pass's own by e2fsck pass 1's rule: in use is a non-zero link count.
 */
static void own_scan(struct dirs_state *s)
{
	struct check_ctx *c = s->c;
	struct fsimg_inode inode;
	fsimg_ino_t ino;

	if (bit_test(c->ino_inuse, 1))
		return;
	for (ino = 1; ino <= s->sb->inodes_count; ino++) {
		if (fsimg_inode_read(&inode, s->fs, ino) < 0)
			continue;
		if (ino >= s->sb->first_ino && inode.links_count == 0)
			continue;
		check_note_inode(c, ino, inode.mode, inode.links_count);
	}
}

/* The directory table, in inode order, from the directory bitmap. */
static int dirs_collect(struct dirs_state *s)
{
	const uint8_t *map = s->c->ino_isdir;
	uint64_t n = 0, bytes = (uint64_t)s->sb->inodes_count / 8 + 1;
	fsimg_ino_t ino;

	for (uint64_t i = 0; i < bytes; i++)
		n += (uint64_t)__builtin_popcount(map[i]);
	s->dirs = calloc(n ? (size_t)n : 1, sizeof(*s->dirs));
	if (!s->dirs)
		return FSIMG_ENOMEM;
	for (ino = 1; ino <= s->sb->inodes_count && s->ndirs < n; ino++)
		if (bit_test(map, ino))
			s->dirs[s->ndirs++].ino = ino;
	return 0;
}

int check_pass_dirs(struct check_ctx *c)
{
	struct dirs_state s;
	const struct fsimg_super *sb = e4(c)->sb ? e4(c)->sb : fsimg_ext4_super(c->fs);
	size_t k;
	fsimg_ino_t ino;
	int err = FSIMG_ENOMEM;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.fs = c->fs;
	s.sb = sb;
	s.bs = sb->block_size;
	s.filetype = sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE;
	s.csum = c->fs->metadata_csum && !(c->fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY);

	if (sb->inodes_count == 0 || !c->ino_inuse || !c->ino_isdir || !c->ino_info)
		return 0;
	s.names = malloc((size_t)(s.bs / 12 + 1) * sizeof(*s.names));
	s.dirbuf = malloc(DIRBUF_BYTES > s.bs ? DIRBUF_BYTES : s.bs);
	s.blk = s.dirbuf;
	s.dxbuf = malloc((size_t)(EXT4_HTREE_LEVEL + 1) * s.bs);
	if (!s.names || !s.dirbuf || !s.dxbuf)
		goto out;
	own_scan(&s);
	err = dirs_collect(&s);
	if (err < 0)
		goto out;
	err = FSIMG_ENOMEM;

	/* The root is an in-use directory (e2fsck pass 3 PR_3_NO_ROOT_INODE). */
	if (!inuse(&s, FSIMG_ROOT_INO) || !isdir(&s, FSIMG_ROOT_INO) || isbad(&s, FSIMG_ROOT_INO)) {
		struct fsimg_problem_ctx p = pctx_inode(FSIMG_ROOT_INO);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL,
			 !inuse(&s, FSIMG_ROOT_INO) ? "not in use" :
			 !isdir(&s, FSIMG_ROOT_INO) ? "wrong type" : "unusable");
		check_report(c, PR_ROOT_NOT_DIR, &p);
	}

	for (k = 0; k < s.ndirs; k++) {
		ino = s.dirs[k].ino;
		if (inuse(&s, ino) && !isbad(&s, ino))
			check_dir(&s, ino);
		if ((k & 0xFF) == 0)
			check_progress(c, 5, "directories", k, s.ndirs);
	}

	/* Connectivity and ".." (e2fsck pass 3). */
	for (k = 0; k < s.ndirs; k++) {
		struct dinfo *d = &s.dirs[k];

		ino = d->ino;
		if (!inuse(&s, ino) || isbad(&s, ino))
			continue;
		if (ino == FSIMG_ROOT_INO) {
			if (d->parent && d->parent != FSIMG_ROOT_INO) {
				struct fsimg_problem_ctx p = pctx_inode(ino);

				PCTX_SET(p, found, FSIMG_PF_FOUND, d->parent);
				PCTX_SET(p, expected, FSIMG_PF_EXPECTED, FSIMG_ROOT_INO);
				check_report(c, PR_DIR_DOTDOT_MISMATCH, &p);
			}
			continue;
		}
		dirs_check_connected(&s, ino);
		if (d->named_by && d->parent && d->parent != d->named_by) {
			struct fsimg_problem_ctx p = pctx_inode(ino);

			PCTX_SET(p, found, FSIMG_PF_FOUND, d->parent);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, d->named_by);
			check_report(c, PR_DIR_DOTDOT_MISMATCH, &p);
		}
	}
	check_progress(c, 5, "directories", s.ndirs, s.ndirs);
	if (inuse(&s, FSIMG_ROOT_INO) && isdir(&s, FSIMG_ROOT_INO) && !isbad(&s, FSIMG_ROOT_INO))
		dirs_check_lost_found(&s);

	/*
	 * Link counts (e2fsck pass 4): the root and every inode past the
	 * reserved ones, but for those the superblock names (no entry names them).
	 */
	for (ino = 1; ino <= sb->inodes_count; ino++) {
		if ((ino != FSIMG_ROOT_INO && ino < sb->first_ino) || ext4_sb_inode_nameless(sb, ino))
			continue;
		if (!inuse(&s, ino) || isbad(&s, ino))
			continue;
		dirs_check_links(&s, ino);
	}
	err = 0;
out:
	free(s.dirs);
	free(s.cnt);
	free(s.names);
	free(s.dirbuf);
	free(s.dxbuf);
	return err;
}
