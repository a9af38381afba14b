/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block-mapped (non-extent) inodes in the fast-commit replay:
 *  - a directory's block map is read once (fcr_bmap_load) so the name tags
 *    find and change its entries in the blocks it has, as the kernel's
 *    ext4_bread through ext4_ind_map_blocks does; a name that needs a new
 *    block gets it as ext4_ind_map_blocks allocates one (fcr_bmap_append),
 *    in i_block or through the single, double or triple indirect branch;
 *  - a file, directory or symlink whose last link went is truncated to
 *    nothing as the kernel's eviction does (ext4_ind_truncate: every data
 *    block and every indirect block freed, i_block cleared, i_blocks 0)
 *    before the inode itself is freed (fcr_free_bmap).
 * The data blocks go to the inode's old map and the indirect blocks to its
 * tree list, which fc_replay.c's finish frees in the bitmaps with the rest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "jbd2/fc_replay.h"

#define MAX_BMAP_BLOCKS (1u << 24)

struct bwalk {
	struct fcr *r;
	struct fcr_inode *in;
	struct fcr_ext **ext;        /* the runs found, in logical order */
	size_t *n, cap;
	uint8_t *buf[3];
	size_t tcap;
	uint64_t seen;
};

static int push_data(struct bwalk *w, uint64_t lblk, uint64_t pblk)
{
	struct fcr_ext *last = *w->n ? &(*w->ext)[*w->n - 1] : NULL;

	if (lblk >= 1ull << 32)
		return fcr_stop(w->r, FSIMG_ECORRUPT, "inode %u: a block map past 2^32 blocks", w->in->ino);
	if (last && last->pblk + last->len == pblk && last->lblk + last->len == lblk && last->len < 32768) {
		last->len++;
		return 0;
	}
	if (fcr_ext_push(w->ext, w->n, &w->cap, (struct fcr_ext){ .lblk = (uint32_t)lblk, .len = 1, .pblk = pblk }) < 0)
		return fcr_stop(w->r, FSIMG_ENOMEM, "inode %u: too many runs in its block map", w->in->ino);
	return 0;
}

static int push_tree(struct bwalk *w, uint64_t pblk)
{
	struct fcr_inode *in = w->in;

	if (in->ntree == w->tcap) {
		size_t c = w->tcap ? w->tcap * 2 : 16;
		uint64_t *nt = in->ntree >= FCR_MAX_EXTENTS ? NULL : realloc(in->tree, c * sizeof(*nt));

		if (!nt)
			return fcr_stop(w->r, FSIMG_ENOMEM, "inode %u: too many indirect blocks", in->ino);
		in->tree = nt;
		w->tcap = c;
	}
	in->tree[in->ntree++] = pblk;
	return 0;
}

/* blk holds pointers `level` levels above the data (0: blk is data at lblk). */
static int walk(struct bwalk *w, uint64_t blk, unsigned level, uint64_t lblk)
{
	struct fcr *r = w->r;
	uint64_t per = r->bs / 4, span = 1;
	int err;

	if (!blk)
		return 0;
	if (!fs_pblk_ok(r->fs, blk))
		return fcr_stop(r, FSIMG_ECORRUPT, "inode %u: a block map entry %llu outside the filesystem",
				w->in->ino, (unsigned long long)blk);
	if (++w->seen > MAX_BMAP_BLOCKS)
		return fcr_stop(r, FSIMG_ENOMEM, "inode %u: too many blocks in its block map", w->in->ino);
	if (!level)
		return push_data(w, lblk, blk);
	for (unsigned l = 1; l < level; l++)
		span *= per;
	err = push_tree(w, blk);
	if (!err)
		err = fcr_read_block(r, blk, w->buf[level - 1]);
	for (uint64_t k = 0; !err && k < per; k++)
		err = walk(w, get_le32(w->buf[level - 1] + 4 * k), level - 1, lblk + k * span);
	return err;
}

/* The map of raw's i_block: data runs into *ext / *n, indirect blocks onto in->tree. */
static int load(struct fcr *r, struct fcr_inode *in, const uint8_t *raw, struct fcr_ext **ext, size_t *n)
{
	struct bwalk w = { .r = r, .in = in, .ext = ext, .n = n, .cap = *n, .tcap = in->ntree };
	uint64_t per = r->bs / 4;
	const uint64_t base[3] = { 12, 12 + per, 12 + per + per * per };
	int err = 0;

	for (unsigned l = 0; l < 3; l++) {
		w.buf[l] = malloc(r->bs);
		if (!w.buf[l])
			err = fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	}
	/* i_block[0..11] direct, [12] single, [13] double, [14] triple indirect */
	for (unsigned k = 0; k < 15 && !err; k++)
		err = walk(&w, get_le32(raw + DI(i_block) + 4 * k), k < 12 ? 0 : k - 11, k < 12 ? k : base[k - 12]);
	for (unsigned l = 0; l < 3; l++)
		free(w.buf[l]);
	return err;
}

int fcr_bmap_load(struct fcr *r, struct fcr_inode *in, const uint8_t *raw)
{
	int err = load(r, in, raw, &in->ext, &in->n);

	in->cap = in->n;
	in->bmap_loaded = !err;
	return err;
}

int fcr_free_bmap(struct fcr *r, struct fcr_inode *in, uint8_t *raw)
{
	if (!in->bmap_loaded) {
		int err = load(r, in, raw, &in->old, &in->nold);

		if (err)
			return err;
	}
	memset(raw + DI(i_block), 0, 60);
	put_le32(raw + DI(i_blocks_lo), 0);
	put_le16(raw + DI(l_i_blocks_high), 0);
	put_le32(raw + DI(i_size_lo), 0);
	put_le32(raw + DI(i_size_high), 0);
	in->map_freed = true;
	return 0;
}

/* dir's (i_block or indirect block) pointer k, read from p */
static uint64_t near(const uint8_t *p, uint32_t k, uint64_t fallback)
{
	while (k--)
		if (get_le32(p + 4 * k))
			return get_le32(p + 4 * k);
	return fallback;
}

static int add_blocks(struct fcr *r, struct fcr_inode *dir, unsigned n)
{
	uint8_t *raw = fcr_raw(r, dir);
	uint64_t b;

	if (!raw)
		return FSIMG_ECORRUPT;
	b = (uint64_t)get_le16(raw + DI(l_i_blocks_high)) << 32 | get_le32(raw + DI(i_blocks_lo));
	b += (uint64_t)n * (get_le32(raw + DI(i_flags)) & EXT4_HUGE_FILE_FL ? 1 : r->bs / 512);
	put_le32(raw + DI(i_blocks_lo), (uint32_t)b);
	put_le16(raw + DI(l_i_blocks_high), (uint16_t)(b >> 32));
	return 0;
}

/* pointer k of block blk (0: the inode's i_block), writable; NULL with r->why set */
static uint8_t *slot(struct fcr *r, struct fcr_inode *dir, uint64_t blk, uint32_t k)
{
	uint8_t *p = blk ? fcr_get(r, blk) : fcr_raw(r, dir);

	return p ? p + (blk ? 0 : DI(i_block)) + 4 * (size_t)k : NULL;
}

/*
 * ext4_ind_map_blocks allocating lblk: ext4_block_to_path's offsets, the
 * branch followed while its pointers are there (ext4_get_branch), the goal
 * from the slot where it stops (ext4_find_near: the nearest pointer before
 * it in that block, else that indirect block, else the inode's group), then
 * ext4_alloc_branch: the missing indirect blocks top down, each the goal of
 * the next, the data block last; every block adds to i_blocks.
 */
int fcr_bmap_append(struct fcr *r, struct fcr_inode *dir, uint32_t lblk, uint64_t igoal, uint64_t *pblk)
{
	uint64_t per = r->bs / 4, l = lblk, parent = 0, goal, nb = 0;
	uint32_t off[4];
	unsigned depth, i;
	uint8_t *p;
	int err;

	if (!dir->bmap_loaded)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u: its block map was not read", dir->ino);
	if (l < 12) {
		off[0] = (uint32_t)l;
		depth = 1;
	} else if ((l -= 12) < per) {
		off[0] = 12, off[1] = (uint32_t)l;
		depth = 2;
	} else if ((l -= per) < per * per) {
		off[0] = 13, off[1] = (uint32_t)(l / per), off[2] = (uint32_t)(l % per);
		depth = 3;
	} else if ((l -= per * per) < per * per * per) {
		off[0] = 14, off[1] = (uint32_t)(l / (per * per)), off[2] = (uint32_t)(l / per % per);
		off[3] = (uint32_t)(l % per);
		depth = 4;
	} else {
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: block %u is past a block map's reach", dir->ino, lblk);
	}
	for (i = 0; i + 1 < depth; i++) {
		uint64_t next;

		p = slot(r, dir, parent, off[i]);
		if (!p)
			return FSIMG_ECORRUPT;
		next = get_le32(p);
		if (!next)
			break;
		if (!fs_pblk_ok(r->fs, next))
			return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: an indirect block %llu outside the filesystem",
					dir->ino, (unsigned long long)next);
		parent = next;
	}
	p = slot(r, dir, parent, 0);
	if (!p)
		return FSIMG_ECORRUPT;
	goal = near(p, off[i], parent ? parent : igoal);
	for (; i < depth; i++) {
		uint64_t *nt;

		err = fcr_new_block(r, goal, &nb);
		if (err)
			return err;
		if (i + 1 < depth) {
			/* an indirect block: zeroed, kept in the tree list so a later free finds it */
			nt = realloc(dir->tree, (dir->ntree + 1) * sizeof(*nt));
			if (!nt)
				return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
			dir->tree = nt;
			dir->tree[dir->ntree++] = nb;
			p = fcr_get(r, nb);
			if (!p)
				return FSIMG_ECORRUPT;
			memset(p, 0, r->bs);
		}
		p = slot(r, dir, parent, off[i]);
		if (!p)
			return FSIMG_ECORRUPT;
		put_le32(p, (uint32_t)nb);
		err = add_blocks(r, dir, 1);
		if (err)
			return err;
		parent = nb;
		goal = nb;
	}
	*pblk = nb;
	return 0;
}
