/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The legacy ext2/ext3 block map: 12 direct pointers in i_block, then an
 * indirect, a double and a triple indirect block. The walk yields physically
 * contiguous blocks merged into one MAPPED run, skips zero pointers (holes)
 * without visiting each logical block under them, and reports the indirect
 * blocks as META runs (level 1, 2, 3) just before the first data run they
 * cover. Memory is one block buffer per level; the number of indirect blocks
 * visited is bounded by the filesystem's size.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

/*
 * Indirect blocks met while a run is still growing wait here, since the run
 * they lead to is not finished yet. When the queue fills the run is cut
 * there; with the usual layout (an indirect block sits between the data it
 * maps) runs break at indirect blocks anyway.
 */
#define BM_META_WAIT 16

struct bm_level {
	uint8_t *buf;
	fsimg_pblk_t blk;
	int level;          /* 1 ind, 2 dind, 3 tind */
	uint32_t pos;       /* next pointer to take */
	uint64_t base;      /* logical block of pointer 0's first block */
	uint64_t span;      /* logical blocks under each pointer */
};

struct bm_meta {
	struct fsimg_run run;
	bool assigned;      /* the pending run covers its first data block */
};

struct ext4_bmap_walk {
	struct fsimg_fs *fs;
	fsimg_ino_t ino;
	uint32_t apb;                  /* block pointers per block */
	uint32_t root[EXT4_N_BLOCKS];
	unsigned root_pos;
	int sp;                        /* top of lv[], -1 at i_block */
	struct bm_level lv[3];
	uint64_t metas_seen, meta_limit;

	struct fsimg_run run;          /* the run being merged */
	bool have_run;
	struct bm_meta q[BM_META_WAIT];
	unsigned qn;

	struct fsimg_run out[BM_META_WAIT + 2];
	unsigned out_head, out_count;
	bool done;
	int err;
};

enum bm_step { BM_END, BM_DATA, BM_META };

int ext4_bmap_walk_open(struct ext4_bmap_walk **out, struct fsimg_fs *fs,
			const struct fsimg_inode *inode)
{
	struct ext4_bmap_walk *w;
	struct cur c = cur_init(inode->i_block, sizeof(inode->i_block));
	unsigned i;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", inode->ino);
	w->fs = fs;
	w->ino = inode->ino;
	w->apb = fs->block_size / 4;
	for (i = 0; i < EXT4_N_BLOCKS; i++)
		w->root[i] = cur_le32(&c, 4 * i);
	w->sp = -1;
	w->meta_limit = fs->sb.blocks_count;
	*out = w;
	return 0;
}

void ext4_bmap_walk_close(struct ext4_bmap_walk *w)
{
	int i;

	if (!w)
		return;
	for (i = 0; i < 3; i++)
		free(w->lv[i].buf);
	free(w);
}

/* Reads an indirect block onto the stack and describes it as a META run. */
static int enter(struct ext4_bmap_walk *w, int level, fsimg_pblk_t blk, uint64_t base,
		 struct fsimg_run *meta)
{
	struct fsimg_fs *fs = w->fs;
	struct bm_level *lv = &w->lv[w->sp + 1];
	uint64_t span = 1;
	int i, err;

	if (!fs_pblk_ok(fs, blk))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: level %d indirect block %llu (logical block %llu) is outside the filesystem",
				w->ino, level, (unsigned long long)blk, (unsigned long long)base);
	if (++w->metas_seen > w->meta_limit)
		return fs_error(fs, FSIMG_ELOOP, "inode %u: more indirect blocks than the filesystem holds",
				w->ino);
	if (!lv->buf) {
		lv->buf = fs_block_alloc(fs);
		if (!lv->buf)
			return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", w->ino);
	}
	err = fs_read_block(fs, blk, lv->buf);
	if (err < 0)
		return err;
	for (i = 1; i < level; i++)
		span *= w->apb;
	lv->blk = blk;
	lv->level = level;
	lv->pos = 0;
	lv->base = base;
	lv->span = span;
	w->sp++;

	memset(meta, 0, sizeof(*meta));
	meta->type = FSIMG_RUN_META;
	meta->lblk = base;
	meta->len = 1;
	meta->pblk = blk;
	meta->level = level;
	meta->csum_state = FSIMG_CSUM_NONE;
	return 0;
}

/* One step of the walk: the next mapped block, or the next indirect block. */
static int step(struct ext4_bmap_walk *w, uint64_t *lblk, fsimg_pblk_t *pblk,
		struct fsimg_run *meta)
{
	struct fsimg_fs *fs = w->fs;
	uint64_t l;
	uint32_t p;
	int err;

	for (;;) {
		if (w->sp < 0) {
			unsigned i = w->root_pos;
			uint64_t base = EXT4_NDIR_BLOCKS;
			int level, k;

			if (i >= EXT4_N_BLOCKS)
				return BM_END;
			w->root_pos++;
			p = w->root[i];
			if (p == 0)
				continue;
			if (i < EXT4_NDIR_BLOCKS) {
				l = i;
				goto data;
			}
			/* ind covers from 12, dind after apb more, tind after apb^2 more */
			level = (int)(i - EXT4_IND_BLOCK) + 1;
			for (k = 1; k < level; k++) {
				uint64_t span = 1;
				int j;

				for (j = 0; j < k; j++)
					span *= w->apb;
				base += span;
			}
			err = enter(w, level, p, base, meta);
			return err < 0 ? err : BM_META;
		} else {
			struct bm_level *lv = &w->lv[w->sp];
			struct cur c;

			if (lv->pos >= w->apb) {
				w->sp--;
				continue;
			}
			c = cur_init(lv->buf, fs->block_size);
			p = cur_le32(&c, 4 * (size_t)lv->pos);
			l = lv->base + lv->pos * lv->span;
			lv->pos++;
			if (p == 0)
				continue; /* a hole, the whole subtree under it */
			if (lv->level == 1)
				goto data;
			err = enter(w, lv->level - 1, p, l, meta);
			return err < 0 ? err : BM_META;
		}
	}

data:
	if (!fs_pblk_ok(fs, p))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: block %u at logical block %llu is outside the filesystem",
				w->ino, p, (unsigned long long)l);
	*lblk = l;
	*pblk = p;
	return BM_DATA;
}

static void out_push(struct ext4_bmap_walk *w, const struct fsimg_run *run)
{
	unsigned n = (unsigned)(sizeof(w->out) / sizeof(w->out[0]));

	w->out[(w->out_head + w->out_count) % n] = *run;
	w->out_count++;
}

/* The pending run goes out after the indirect blocks leading to it. */
static void flush_run(struct ext4_bmap_walk *w)
{
	unsigned i, keep = 0;

	for (i = 0; i < w->qn; i++) {
		if (w->q[i].assigned)
			out_push(w, &w->q[i].run);
		else
			w->q[keep++] = w->q[i];
	}
	w->qn = keep;
	if (w->have_run)
		out_push(w, &w->run);
	w->have_run = false;
}

static void assign_waiting(struct ext4_bmap_walk *w)
{
	unsigned i;

	for (i = 0; i < w->qn; i++)
		w->q[i].assigned = true;
}

int ext4_bmap_walk_next(struct ext4_bmap_walk *w, struct fsimg_run *run)
{
	for (;;) {
		struct fsimg_run meta;
		fsimg_pblk_t pblk = 0;
		uint64_t lblk = 0;
		int s;

		if (w->out_count) {
			unsigned n = (unsigned)(sizeof(w->out) / sizeof(w->out[0]));

			*run = w->out[w->out_head];
			w->out_head = (w->out_head + 1) % n;
			w->out_count--;
			return 1;
		}
		if (w->done)
			return w->err;

		s = step(w, &lblk, &pblk, &meta);
		if (s < 0) {
			w->err = s;
			w->done = true;
			return s;
		}
		switch (s) {
		case BM_END:
			/* Indirect blocks with no data under them come last. */
			flush_run(w);
			assign_waiting(w);
			flush_run(w);
			w->done = true;
			break;
		case BM_META:
			if (w->qn == BM_META_WAIT) {
				flush_run(w);
				assign_waiting(w);
				flush_run(w);
			}
			w->q[w->qn].run = meta;
			w->q[w->qn].assigned = false;
			w->qn++;
			break;
		case BM_DATA:
			if (w->have_run && lblk == w->run.lblk + w->run.len &&
			    pblk == w->run.pblk + w->run.len) {
				w->run.len++;
			} else {
				flush_run(w);
				memset(&w->run, 0, sizeof(w->run));
				w->run.type = FSIMG_RUN_MAPPED;
				w->run.lblk = lblk;
				w->run.pblk = pblk;
				w->run.len = 1;
				w->have_run = true;
			}
			assign_waiting(w);
			break;
		}
	}
}
