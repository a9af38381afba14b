/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The extent map of the selected inode: the mapping iterator's runs as a
 * table (holes and tree blocks included) and a one-line bar across the
 * screen, one cell per slice of the file, coloured by what backs it.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

#define MAX_RUNS 200000

struct extents {
	fsimg_ino_t ino;         /* loaded for; 0: not loaded */
	struct fsimg_inode inode;
	struct fsimg_run *runs;
	size_t n, cap;
	bool truncated;
	char err[200];
	uint64_t written, unwritten, holes, meta;
	struct list list;
};

static int ext_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct extents));
	return *state ? 0 : -1;
}

static void ext_free(void *state)
{
	struct extents *e = state;

	if (e)
		free(e->runs);
	free(e);
}

static void ext_reset(struct app *a, void *state)
{
	(void)a;
	((struct extents *)state)->ino = 0;
}

static void ext_load(struct app *a, struct extents *e)
{
	struct fsimg_run run;
	fsimg_map *map;
	int r;

	if (e->ino == a->cur_ino)
		return;
	e->ino = a->cur_ino;
	e->n = 0;
	e->truncated = false;
	e->err[0] = '\0';
	e->written = e->unwritten = e->holes = e->meta = 0;
	memset(&e->list, 0, sizeof(e->list));
	r = fsimg_inode_read(&e->inode, a->fs, e->ino);
	if (r < 0) {
		snprintf(e->err, sizeof(e->err), "inode %u: %s", e->ino, fsimg_fs_errmsg(a->fs));
		return;
	}
	r = fsimg_map_open(&map, a->fs, &e->inode, FSIMG_MAP_TREE);
	if (r < 0) {
		snprintf(e->err, sizeof(e->err), "no extent map: %s",
			 fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) : fsimg_strerror(r));
		return;
	}
	while ((r = fsimg_map_next(map, &run)) > 0) {
		if (e->n == MAX_RUNS) {
			e->truncated = true;
			break;
		}
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 64;
			struct fsimg_run *nr = realloc(e->runs, cap * sizeof(*nr));
			if (!nr) {
				e->truncated = true;
				break;
			}
			e->runs = nr;
			e->cap = cap;
		}
		e->runs[e->n++] = run;
		switch (run.type) {
		case FSIMG_RUN_MAPPED: e->written++; break;
		case FSIMG_RUN_UNWRITTEN: e->unwritten++; break;
		case FSIMG_RUN_HOLE: e->holes++; break;
		case FSIMG_RUN_META: e->meta++; break;
		default: break;
		}
	}
	if (r < 0)
		snprintf(e->err, sizeof(e->err), "mapping: %s", fsimg_fs_errmsg(a->fs));
	fsimg_map_close(map);
	list_set(&e->list, e->n);
}

static void ext_enter(struct app *a, void *state)
{
	ext_load(a, state);
}

/* One cell of the bar: what backs most of the blocks [lo, hi), by priority. */
static void bar_cell(struct app *a, const struct extents *e, uint64_t lo, uint64_t hi,
		     uint64_t eof_blk, chtype *out)
{
	bool w = false, u = false, in = false;
	size_t i, lo_i = 0, hi_i = e->n;

	/* data runs come in logical order (tree blocks carry the lblk they cover) */
	while (lo_i < hi_i) {
		size_t mid = lo_i + (hi_i - lo_i) / 2;
		if (e->runs[mid].lblk + (e->runs[mid].type == FSIMG_RUN_META ? 1 : e->runs[mid].len) <= lo)
			lo_i = mid + 1;
		else
			hi_i = mid;
	}
	for (i = lo_i > 0 ? lo_i - 1 : 0; i < e->n; i++) {
		const struct fsimg_run *r = &e->runs[i];
		if (r->lblk >= hi && r->type != FSIMG_RUN_META)
			break;
		if (r->type == FSIMG_RUN_META || r->type == FSIMG_RUN_HOLE)
			continue;
		if (r->type == FSIMG_RUN_INLINE) {
			in = true;
			continue;
		}
		if (r->lblk < hi && r->lblk + r->len > lo) {
			if (r->type == FSIMG_RUN_MAPPED)
				w = true;
			else
				u = true;
		}
	}
	if (lo >= eof_blk && (w || u))
		*out = (chtype)(w ? 'W' : 'p') | (chtype)app_attr(a, C_EOF);
	else if (u)
		*out = (chtype)'~' | (chtype)app_attr(a, C_UNWRITTEN);
	else if (w)
		*out = (chtype)'#' | (chtype)app_attr(a, C_WRITTEN);
	else if (in)
		*out = (chtype)'i' | (chtype)app_attr(a, C_META);
	else
		*out = (chtype)'.' | (chtype)app_attr(a, C_HOLE);
}

static void draw_bar(struct app *a, struct extents *e, int y, int w)
{
	uint64_t bs = a->sb->block_size ? a->sb->block_size : 4096;
	uint64_t eof_blk = (e->inode.size + bs - 1) / bs, total = eof_blk;
	size_t i;
	int c;

	for (i = 0; i < e->n; i++)
		if (e->runs[i].type != FSIMG_RUN_META && e->runs[i].type != FSIMG_RUN_INLINE &&
		    e->runs[i].lblk + e->runs[i].len > total)
			total = e->runs[i].lblk + e->runs[i].len;
	if (w <= 2)
		return;
	w -= 2;
	mvaddch(y, 0, '[');
	for (c = 0; c < w; c++) {
		chtype ch = ' ';
		uint64_t lo = total ? (uint64_t)c * total / (uint64_t)w : 0;
		uint64_t hi = total ? ((uint64_t)c + 1) * total / (uint64_t)w : 0;

		if (hi <= lo)
			hi = lo + 1;
		if (total)
			bar_cell(a, e, lo, hi, eof_blk, &ch);
		mvaddch(y, 1 + c, ch);
	}
	mvaddch(y, 1 + w, ']');
}

static void ext_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct extents *e = st;
	const struct fsimg_run *r = &e->runs[i];
	int base = cur ? A_REVERSE : 0;
	int col = r->type == FSIMG_RUN_MAPPED ? C_WRITTEN : r->type == FSIMG_RUN_UNWRITTEN ? C_UNWRITTEN :
		  r->type == FSIMG_RUN_HOLE ? C_HOLE : C_META;
	char phys[24];

	if (r->type == FSIMG_RUN_HOLE || r->type == FSIMG_RUN_INLINE)
		snprintf(phys, sizeof(phys), "-");
	else
		snprintf(phys, sizeof(phys), "%llu", (unsigned long long)r->pblk);
	if (r->type == FSIMG_RUN_META) {
		put_fmt(y, 1, w - 1, base | app_attr(a, col),
			"%12llu %12s %10d  %-9s level %d, entries %u/%u, csum %s",
			(unsigned long long)r->lblk, phys, 1, "tree", r->level, r->entries, r->max,
			csum_word(r->csum_state));
		return;
	}
	put_fmt(y, 1, w - 1, base | app_attr(a, col), "%12llu %12s %10llu  %-9s %s",
		(unsigned long long)r->lblk, phys, (unsigned long long)r->len, run_state_word(r),
		(r->flags & FSIMG_RUN_BEYOND_EOF) ? "beyond EOF" : "");
}

static void ext_draw(struct app *a, void *state, int y, int h, int w)
{
	struct extents *e = state;
	uint64_t bs = a->sb->block_size;

	ext_load(a, e);
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "inode %u %s  size %llu (%llu blocks)", e->ino,
		a->cur_path, (unsigned long long)e->inode.size,
		(unsigned long long)(bs ? (e->inode.size + bs - 1) / bs : 0));
	if (e->err[0]) {
		put_fmt(y + 1, 1, w - 1, app_attr(a, C_ERROR), "%s", e->err);
		if (!e->n)
			return;
	} else {
		put_fmt(y + 1, 1, w - 1, A_NORMAL,
			"%zu runs%s: %llu written, %llu unwritten, %llu holes, %llu tree blocks",
			e->n, e->truncated ? " (first ones only)" : "", (unsigned long long)e->written,
			(unsigned long long)e->unwritten, (unsigned long long)e->holes,
			(unsigned long long)e->meta);
	}
	if (h < 6)
		return;
	draw_bar(a, e, y + 2, w);
	put_fmt(y + 3, 1, w - 1, A_DIM,
		"# written  ~ unwritten  . hole  p unwritten past EOF  W written past EOF  i inline");
	clear_line(y + 4, 0, w, app_attr(a, C_TITLE));
	put_fmt(y + 4, 1, w - 1, app_attr(a, C_TITLE), "%12s %12s %10s  %-9s %s", "LOGICAL",
		"PHYSICAL", "LENGTH", "STATE", "EOF");
	list_draw(a, &e->list, y + 5, h - 5, w, ext_row, e);
}

static bool ext_key(struct app *a, void *state, int ch)
{
	struct extents *e = state;
	size_t i;

	ext_load(a, e);
	switch (ch) {
	case '\n':
		if (e->n && e->runs[e->list.cur].type != FSIMG_RUN_HOLE &&
		    e->runs[e->list.cur].type != FSIMG_RUN_INLINE) {
			app_select_block(a, e->runs[e->list.cur].pblk, 0);
			app_show(a, V_HEX);
		}
		return true;
	case 'x':
		for (i = 0; i < e->n; i++)
			if (e->runs[i].type == FSIMG_RUN_MAPPED || e->runs[i].type == FSIMG_RUN_UNWRITTEN) {
				app_select_block(a, e->runs[i].pblk, 0);
				app_show(a, V_HEX);
				return true;
			}
		app_message(a, false, "inode %u has no data block", e->ino);
		return true;
	case 'i':
		app_show(a, V_INODE);
		return true;
	}
	return false;
}

static struct list *ext_list(void *state)
{
	return &((struct extents *)state)->list;
}

static bool ext_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	struct extents *e = state;

	(void)a;
	if (i >= e->n)
		return false;
	snprintf(buf, len, "%llu %llu %llu %s", (unsigned long long)e->runs[i].lblk,
		 (unsigned long long)e->runs[i].pblk, (unsigned long long)e->runs[i].len,
		 run_state_word(&e->runs[i]));
	return true;
}

const struct view view_extents = {
	.name = "Extents",
	.init = ext_init,
	.free = ext_free,
	.reset = ext_reset,
	.enter = ext_enter,
	.draw = ext_draw,
	.key = ext_key,
	.list = ext_list,
	.row_text = ext_row_text,
};
