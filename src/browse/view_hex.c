/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hex view: any block of the filesystem as shown (raw, or through the
 * journal overlay when replayed), 16 bytes a row, with the block's owner
 * and the on-disk field under the cursor named (fields.c).
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "fields.h"

#define WIN 256

struct hex {
	bool loaded;
	fsimg_pblk_t blk;
	uint8_t *buf;
	uint32_t bs;
	int err;
	struct owner own;
	uint16_t owner_mode;
	char owner[256];
	uint32_t cur;            /* byte under the cursor */
	/* owners of the blocks around the last one looked up: one inode scan
	 * serves a walk with PgUp/PgDn through them */
	fsimg_pblk_t win_start;
	size_t win_n;
	struct owner win[WIN];
	struct list list;        /* rows of 16 bytes */
};

static int hex_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct hex));
	return *state ? 0 : -1;
}

static void hex_free(void *state)
{
	struct hex *h = state;

	if (h)
		free(h->buf);
	free(h);
}

static void hex_reset(struct app *a, void *state)
{
	(void)a;
	((struct hex *)state)->loaded = false;
	((struct hex *)state)->win_n = 0;
}

static void hex_load(struct app *a, struct hex *h)
{
	uint32_t bs = a->info.block_size;
	uint8_t *nb;

	if (h->loaded && h->blk == a->cur_block)
		return;
	h->loaded = true;
	h->blk = a->cur_block;
	h->cur = a->hex_offset < bs ? a->hex_offset : 0;
	h->owner[0] = '\0';
	h->owner_mode = 0;
	nb = realloc(h->buf, bs);
	if (!nb) {
		h->err = FSIMG_ENOMEM;
		return;
	}
	h->buf = nb;
	h->bs = bs;
	h->err = h->blk < a->info.blocks ?
		 fsimg_io_read(fsimg_fs_io(a->fs), h->buf, bs, h->blk * (uint64_t)bs) : FSIMG_ERANGE;
	memset(&h->list, 0, sizeof(h->list));
	list_set(&h->list, h->err < 0 ? 0 : bs / 16);
	h->list.cur = h->cur / 16;
	/* Owners are found through ext4's groups; other filesystems show none yet. */
	memset(&h->own, 0, sizeof(h->own));
	if (a->sb && !owner_meta(a, h->blk, &h->own)) {
		if (h->win_n == 0 || h->blk < h->win_start || h->blk - h->win_start >= h->win_n) {
			fsimg_pblk_t blks[WIN];
			size_t i;

			h->win_start = h->blk > WIN / 2 ? h->blk - WIN / 2 : 0;
			for (i = 0; i < WIN && h->win_start + i < a->info.blocks; i++)
				blks[i] = h->win_start + i;
			app_message(a, false, "looking up the owner of block %llu...",
				    (unsigned long long)h->blk);
			app_redraw(a);
			a->msg[0] = '\0';
			h->win_n = owner_lookup(a, blks, h->win, i) < 0 ? 0 : i;
		}
		if (h->win_n && h->blk >= h->win_start && h->blk - h->win_start < h->win_n)
			h->own = h->win[h->blk - h->win_start];
		else
			memset(&h->own, 0, sizeof(h->own));
	}
	if (h->own.kind == OWN_DATA) {
		struct fsimg_stat st;
		if (fsimg_stat(&st, a->fs, h->own.ino) == 0)
			h->owner_mode = (uint16_t)st.mode;
	}
	if (a->sb)
		owner_text(a, &h->own, h->owner, sizeof(h->owner));
}

static void hex_enter(struct app *a, void *state)
{
	hex_load(a, state);
}

static void hex_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct hex *h = st;
	const uint8_t *p = h->buf + i * 16;
	int j, x = 10;

	(void)cur;
	clear_line(y, 0, w, A_NORMAL);
	put_fmt(y, 1, 8, A_DIM, "%06llx", (unsigned long long)(i * 16));
	for (j = 0; j < 16; j++) {
		uint32_t off = (uint32_t)(i * 16) + (uint32_t)j;
		int attr = off == h->cur ? A_REVERSE | A_BOLD : (p[j] ? 0 : A_DIM);

		if (x + 3 > w)
			break;
		put_fmt(y, x, 3, attr, "%02x", p[j]);
		x += j == 7 ? 4 : 3;
	}
	x += 1;
	for (j = 0; j < 16 && x < w; j++, x++) {
		uint32_t off = (uint32_t)(i * 16) + (uint32_t)j;
		char c = p[j] >= 0x20 && p[j] < 0x7f ? (char)p[j] : '.';
		put_text(y, x, 1, &c, 1, off == h->cur ? A_REVERSE | A_BOLD : 0);
	}
	(void)a;
}

static void hex_draw(struct app *a, void *state, int y, int hgt, int w)
{
	struct hex *h = state;
	char field[200];

	hex_load(a, h);
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "block %llu: %s", (unsigned long long)h->blk, h->owner);
	if (h->err < 0) {
		put_fmt(y + 2, 1, w - 1, app_attr(a, C_ERROR), "cannot read block %llu: %s",
			(unsigned long long)h->blk, fsimg_strerror(h->err));
		return;
	}
	field_name(field, sizeof(field), a, &h->own, h->blk, h->buf, h->bs, h->cur, h->owner_mode);
	clear_line(y + 1, 0, w, A_NORMAL);
	put_fmt(y + 1, 1, w - 1, app_attr(a, C_MARK), "offset 0x%04x (%u): %s", h->cur, h->cur,
		field[0] ? field : "-");
	h->list.cur = h->cur / 16;
	list_draw(a, &h->list, y + 2, hgt - 2, w, hex_row, h);
}

static void move_block(struct app *a, struct hex *h, int64_t d)
{
	if (d < 0 && h->blk == 0)
		return;
	if (d > 0 && h->blk + 1 >= a->info.blocks)
		return;
	app_select_block(a, (fsimg_pblk_t)((int64_t)h->blk + d), 0);
	hex_load(a, h);
}

static bool hex_key(struct app *a, void *state, int ch)
{
	struct hex *h = state;
	uint32_t page = (uint32_t)(a->rows > 6 ? a->rows - 6 : 1) * 16;

	hex_load(a, h);
	if (!h->bs)
		return false;
	switch (ch) {
	case KEY_LEFT: case 'h':
		if (h->cur > 0)
			h->cur--;
		return true;
	case KEY_RIGHT: case 'l':
		if (h->cur + 1 < h->bs)
			h->cur++;
		return true;
	case KEY_UP: case 'k':
		if (h->cur >= 16)
			h->cur -= 16;
		return true;
	case KEY_DOWN: case 'j':
		if (h->cur + 16 < h->bs)
			h->cur += 16;
		return true;
	case ' ':
		h->cur = h->cur + page < h->bs ? h->cur + page : h->bs - 1;
		return true;
	case KEY_HOME:
		h->cur = 0;
		return true;
	case KEY_END: case 'G':
		h->cur = h->bs - 1;
		return true;
	case KEY_PPAGE: case '[':
		move_block(a, h, -1);
		return true;
	case KEY_NPAGE: case ']':
		move_block(a, h, 1);
		return true;
	case '\n':
		if (h->own.kind == OWN_DATA || h->own.kind == OWN_TREE || h->own.kind == OWN_INODE_TABLE) {
			fsimg_inum_t ino = h->own.ino;
			char path[1024] = "";

			if (h->own.kind == OWN_INODE_TABLE && a->info.inode_size)
				ino += h->cur / a->info.inode_size;
			path_of(a, ino, path, sizeof(path));
			app_select_inode(a, ino, path);
			app_show(a, V_INODE);
		}
		return true;
	}
	return false;
}

static struct list *hex_list(void *state)
{
	return &((struct hex *)state)->list;
}

const struct view view_hex = {
	.name = "Hex",
	.init = hex_init,
	.free = hex_free,
	.reset = hex_reset,
	.enter = hex_enter,
	.draw = hex_draw,
	.key = hex_key,
	.list = hex_list,
	.row_text = NULL,
};
