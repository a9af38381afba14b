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
	fsimg_inum_t ino;        /* loaded for; 0: not loaded */
	struct fsimg_stat inode;
	struct fsimg_run *runs;
	size_t n, cap;
	bool truncated;
	char err[200];
	uint64_t written, unwritten, holes, meta;
	struct list list;
	/* the table's runs are read CHUNK at a time as the cursor nears the end */
	fsimg_map *map;
	bool done;
	/* the bar and the counts: one streaming pass over all runs, per width */
	chtype *cells;
	int ncells;
	fsimg_inum_t cells_ino;
};

#define CHUNK 1000

static int ext_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct extents));
	return *state ? 0 : -1;
}

static void ext_free(void *state)
{
	struct extents *e = state;

	if (e) {
		fsimg_map_close(e->map);
		free(e->runs);
		free(e->cells);
	}
	free(e);
}

static void ext_reset(struct app *a, void *state)
{
	struct extents *e = state;

	(void)a;
	fsimg_map_close(e->map);
	e->map = NULL;
	e->ino = 0;
	e->cells_ino = 0;
}

/* Reads up to want more runs into the table. */
static void ext_more(struct app *a, struct extents *e, size_t want)
{
	struct fsimg_run run;
	int r = 0;

	while (e->map && want--) {
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
		r = fsimg_map_next(e->map, &run);
		if (r <= 0)
			break;
		e->runs[e->n++] = run;
	}
	if (r < 0)
		snprintf(e->err, sizeof(e->err), "mapping: %s", fsimg_fs_errmsg(a->fs));
	if (r <= 0 || e->truncated) {
		e->done = true;
		fsimg_map_close(e->map);
		e->map = NULL;
	}
	list_set(&e->list, e->n);
}

static void ext_load(struct app *a, struct extents *e)
{
	int r;

	if (e->ino == a->cur_ino)
		return;
	fsimg_map_close(e->map);
	e->map = NULL;
	e->ino = a->cur_ino;
	e->n = 0;
	e->done = false;
	e->truncated = false;
	e->err[0] = '\0';
	e->cells_ino = 0;
	memset(&e->list, 0, sizeof(e->list));
	r = fsimg_stat(&e->inode, a->fs, e->ino);
	if (r < 0) {
		snprintf(e->err, sizeof(e->err), "inode %llu: %s", (unsigned long long)e->ino,
			 fsimg_fs_errmsg(a->fs));
		e->done = true;
		return;
	}
	r = fsimg_map_open_fork(&e->map, a->fs, e->ino, FSIMG_FORK_DATA, FSIMG_MAP_TREE);
	if (r < 0) {
		snprintf(e->err, sizeof(e->err), "no extent map: %s",
			 fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) : fsimg_strerror(r));
		e->map = NULL;
		e->done = true;
		return;
	}
	ext_more(a, e, CHUNK);
}

static void ext_enter(struct app *a, void *state)
{
	ext_load(a, state);
}

/*
 * The bar: one pass over every run (not kept), each cell a slice of the
 * file marked by what backs it; unwritten wins over written over hole.
 * The counts of the summary line come from the same pass.
 */
#define CELL_W 1u
#define CELL_U 2u
#define CELL_I 4u

static void bar_compute(struct app *a, struct extents *e, int w)
{
	uint64_t bs = a->info.block_size ? a->info.block_size : 4096;
	uint64_t eof_blk = (e->inode.size + bs - 1) / bs, total = eof_blk;
	struct fsimg_run run;
	unsigned char *f;
	fsimg_map *map;
	int c, pass;

	e->written = e->unwritten = e->holes = e->meta = 0;
	free(e->cells);
	e->cells = calloc((size_t)w, sizeof(*e->cells));
	f = calloc((size_t)w, 1);
	e->ncells = e->cells && f ? w : 0;
	e->cells_ino = e->ino;
	/* pass 0 finds the file's extent in blocks, pass 1 marks the cells */
	for (pass = 0; pass < 2 && e->ncells; pass++) {
		if (fsimg_map_open_fork(&map, a->fs, e->ino, FSIMG_FORK_DATA, FSIMG_MAP_TREE) < 0)
			break;
		while (fsimg_map_next(map, &run) > 0) {
			uint64_t lo, hi;

			if (pass == 0) {
				switch (run.type) {
				case FSIMG_RUN_MAPPED: e->written++; break;
				case FSIMG_RUN_UNWRITTEN: e->unwritten++; break;
				case FSIMG_RUN_HOLE: e->holes++; break;
				case FSIMG_RUN_META: e->meta++; break;
				default: break;
				}
				if (run.type != FSIMG_RUN_META && run.type != FSIMG_RUN_INLINE &&
				    run.lblk + run.len > total)
					total = run.lblk + run.len;
				continue;
			}
			if (run.type == FSIMG_RUN_INLINE) {
				f[0] |= CELL_I;
				continue;
			}
			if (run.type != FSIMG_RUN_MAPPED && run.type != FSIMG_RUN_UNWRITTEN)
				continue;
			lo = run.lblk * (uint64_t)w / total;
			hi = (run.lblk + run.len) * (uint64_t)w / total;
			if (hi <= lo)
				hi = lo + 1;
			for (; lo < hi && lo < (uint64_t)w; lo++)
				f[lo] |= run.type == FSIMG_RUN_MAPPED ? CELL_W : CELL_U;
		}
		fsimg_map_close(map);
		if (total == 0)
			break;
	}
	for (c = 0; c < e->ncells; c++) {
		uint64_t lo = total ? (uint64_t)c * total / (uint64_t)w : 0;
		chtype ch;

		if (lo >= eof_blk && (f[c] & (CELL_W | CELL_U)))
			ch = (chtype)(f[c] & CELL_W ? 'W' : 'p') | (chtype)app_attr(a, C_EOF);
		else if (f[c] & CELL_U)
			ch = (chtype)'~' | (chtype)app_attr(a, C_UNWRITTEN);
		else if (f[c] & CELL_W)
			ch = (chtype)'#' | (chtype)app_attr(a, C_WRITTEN);
		else if (f[c] & CELL_I)
			ch = (chtype)'i' | (chtype)app_attr(a, C_META);
		else
			ch = (chtype)'.' | (chtype)app_attr(a, C_HOLE);
		e->cells[c] = total ? ch : ' ';
	}
	free(f);
}

static void draw_bar(struct app *a, struct extents *e, int y, int w)
{
	int c;

	if (w <= 2)
		return;
	if (e->cells_ino != e->ino || e->ncells != w - 2)
		bar_compute(a, e, w - 2);
	mvaddch(y, 0, '[');
	for (c = 0; c < e->ncells; c++)
		mvaddch(y, 1 + c, e->cells[c]);
	mvaddch(y, w - 1, ']');
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
	uint64_t bs = a->info.block_size;

	ext_load(a, e);
	if (!e->done && e->list.cur + (uint64_t)h >= e->n)
		ext_more(a, e, CHUNK);
	if (h >= 6 && !e->err[0])
		draw_bar(a, e, y + 2, w);
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "inode %llu %s  size %llu (%llu blocks)",
		(unsigned long long)e->ino,
		a->cur_path, (unsigned long long)e->inode.size,
		(unsigned long long)(bs ? (e->inode.size + bs - 1) / bs : 0));
	if (e->err[0]) {
		put_fmt(y + 1, 1, w - 1, app_attr(a, C_ERROR), "%s", e->err);
		if (!e->n)
			return;
	} else {
		put_fmt(y + 1, 1, w - 1, A_NORMAL,
			"%llu runs: %llu written, %llu unwritten, %llu holes, %llu tree blocks%s",
			(unsigned long long)(e->written + e->unwritten + e->holes + e->meta),
			(unsigned long long)e->written, (unsigned long long)e->unwritten,
			(unsigned long long)e->holes, (unsigned long long)e->meta,
			e->truncated ? " (table: the first ones only)" : !e->done ? " (more as you scroll)" : "");
	}
	if (h < 6)
		return;
	if (e->err[0])
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
	case KEY_END:
	case 'G':
		/* the last row: read the rest (bounded by MAX_RUNS); the list moves */
		ext_more(a, e, MAX_RUNS);
		return false;
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
		app_message(a, false, "inode %llu has no data block", (unsigned long long)e->ino);
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
