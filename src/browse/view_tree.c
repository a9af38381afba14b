/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tree view: the directory tree as a flat list of visible rows, each
 * directory expanded in place. A directory is read CHUNK entries at a time
 * (a "more" row loads the next ones), and an entry's inode is read only when
 * its row is drawn, so a huge directory costs what the screen shows.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

#define CHUNK 2000
#define MAX_NODES 1000000

#define MARK_UNWRITTEN 0x1u
#define MARK_PAST_EOF  0x2u
#define MARK_BAD       0x4u   /* the inode or its mapping could not be read */

struct node {
	fsimg_inum_t ino;
	uint8_t ftype;
	uint16_t depth;
	bool expanded;
	bool more;               /* the "more entries" row of its parent */
	uint64_t skip;           /* more: entries of the parent already listed */
	bool info;               /* the fields below are filled */
	uint32_t mode;
	uint64_t size;
	unsigned marks;
	uint8_t name_len;
	char name[FSIMG_NAME_MAX + 1];
};

struct tree {
	struct node *n;
	size_t count, cap;
	struct list list;
	char err[200];
};

static int tree_reserve(struct tree *t, size_t more)
{
	size_t cap;
	struct node *nn;

	if (t->count + more <= t->cap)
		return 0;
	if (t->count + more > MAX_NODES)
		return FSIMG_ENOMEM;
	cap = t->cap ? t->cap : 256;
	while (cap < t->count + more)
		cap *= 2;
	nn = realloc(t->n, cap * sizeof(*nn));
	if (!nn)
		return FSIMG_ENOMEM;
	t->n = nn;
	t->cap = cap;
	return 0;
}

/* Reads entries [skip, skip + CHUNK) of the directory at row idx into rows after at. */
static int load_chunk(struct app *a, struct tree *t, size_t idx, size_t at, uint64_t skip)
{
	struct fsimg_entry ent;
	fsimg_readdir *d;
	uint64_t seen = 0, got = 0;
	uint16_t depth = (uint16_t)(t->n[idx].depth + 1);
	fsimg_inum_t dino = t->n[idx].ino;
	int r, err;

	err = fsimg_readdir_open(&d, a->fs, dino);
	if (err < 0) {
		app_message(a, true, "%s", fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) :
			    fsimg_strerror(err));
		return err;
	}
	while ((r = fsimg_readdir_next(d, &ent)) > 0) {
		struct node *nd;

		if ((ent.name_len == 1 && ent.name[0] == '.') ||
		    (ent.name_len == 2 && ent.name[0] == '.' && ent.name[1] == '.'))
			continue;
		if (seen++ < skip)
			continue;
		if ((err = tree_reserve(t, 2)) < 0)
			break;
		memmove(&t->n[at + 1], &t->n[at], (t->count - at) * sizeof(*t->n));
		t->count++;
		nd = &t->n[at];
		memset(nd, 0, sizeof(*nd));
		if (got == CHUNK) {
			nd->more = true;
			nd->skip = skip + got;
			nd->depth = depth;
			nd->ino = dino;
			break;
		}
		nd->ino = ent.ino;
		nd->ftype = (uint8_t)ent.type;
		nd->depth = depth;
		nd->name_len = (uint8_t)ent.name_len;
		memcpy(nd->name, ent.name, ent.name_len);
		nd->name[ent.name_len] = '\0';
		at++;
		got++;
	}
	fsimg_readdir_close(d);
	if (r < 0) {
		app_message(a, true, "%s", fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) :
			    fsimg_strerror(r));
		err = r;
	}
	list_set(&t->list, t->count);
	return err;
}

static void collapse(struct tree *t, size_t idx)
{
	size_t end = idx + 1;

	while (end < t->count && t->n[end].depth > t->n[idx].depth)
		end++;
	memmove(&t->n[idx + 1], &t->n[end], (t->count - end) * sizeof(*t->n));
	t->count -= end - (idx + 1);
	t->n[idx].expanded = false;
	list_set(&t->list, t->count);
}

static void expand(struct app *a, struct tree *t, size_t idx)
{
	if (t->n[idx].expanded || t->n[idx].more || t->n[idx].ftype != 2)
		return;
	t->n[idx].expanded = true;
	load_chunk(a, t, idx, idx + 1, 0);
}

static void tree_load_root(struct app *a, struct tree *t)
{
	t->count = 0;
	memset(&t->list, 0, sizeof(t->list));
	if (tree_reserve(t, 1) < 0)
		return;
	memset(&t->n[0], 0, sizeof(t->n[0]));
	t->n[0].ino = a->info.root_ino;
	t->n[0].ftype = 2;
	t->n[0].name[0] = '/';
	t->n[0].name_len = 1;
	t->count = 1;
	list_set(&t->list, 1);
	expand(a, t, 0);
}

static int tree_init(struct app *a, void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	*state = t;
	tree_load_root(a, t);
	return 0;
}

static void tree_free(void *state)
{
	struct tree *t = state;

	if (!t)
		return;
	free(t->n);
	free(t);
}

static void tree_reset(struct app *a, void *state)
{
	tree_load_root(a, state);
}

/* The path of row idx, from the rows above it. */
static void node_path(struct tree *t, size_t idx, char *buf, size_t len)
{
	size_t chain[256], nc = 0, i;
	uint16_t depth = t->n[idx].depth;
	size_t pos = 0;

	if (idx == 0) {
		snprintf(buf, len, "/");
		return;
	}
	chain[nc++] = idx;
	for (i = idx; i-- > 0 && depth > 1 && nc < 256;)
		if (t->n[i].depth == depth - 1) {
			chain[nc++] = i;
			depth--;
		}
	buf[0] = '\0';
	while (nc--) {
		const struct node *n = &t->n[chain[nc]];
		if (pos + 1 + n->name_len + 1 > len)
			break;
		buf[pos++] = '/';
		memcpy(buf + pos, n->name, n->name_len);
		pos += n->name_len;
		buf[pos] = '\0';
	}
}

static void node_info(struct app *a, struct node *n)
{
	struct fsimg_stat st;
	struct fsimg_run run;
	fsimg_map *map;
	int r;

	if (n->info || n->more)
		return;
	n->info = true;
	if (fsimg_stat(&st, a->fs, n->ino) < 0) {
		n->marks |= MARK_BAD;
		return;
	}
	n->mode = st.mode;
	n->size = st.size;
	if (fsimg_map_open_fork(&map, a->fs, n->ino, FSIMG_FORK_DATA, 0) < 0) {
		/* devices, fifos and fast symlinks have no mapping: nothing to mark */
		return;
	}
	while ((r = fsimg_map_next(map, &run)) > 0) {
		if (run.type == FSIMG_RUN_UNWRITTEN)
			n->marks |= MARK_UNWRITTEN;
		if ((run.flags & FSIMG_RUN_BEYOND_EOF) && run.type != FSIMG_RUN_HOLE)
			n->marks |= MARK_PAST_EOF;
	}
	if (r < 0)
		n->marks |= MARK_BAD;
	fsimg_map_close(map);
}

static const char *ftype_word(uint8_t t)
{
	static const char *const w[] = { "?", "file", "dir", "chr", "blk", "fifo", "sock", "link" };
	return t < 8 ? w[t] : "?";
}

static void tree_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct tree *t = st;
	struct node *n = &t->n[i];
	int base = cur ? A_REVERSE : 0;
	int x = 1 + 2 * (n->depth < 30 ? n->depth : 30);
	int namew = w - x - 40;
	char marks[8];
	size_t m = 0;

	if (n->more) {
		put_fmt(y, x, w - x, base | A_DIM, "... more entries (Enter: next %d)", CHUNK);
		return;
	}
	node_info(a, n);
	if (n->ftype == 2)
		put_text(y, x, 4, n->expanded ? "[-] " : "[+] ", 4, base);
	else
		put_text(y, x, 4, "    ", 4, base);
	x += 4;
	namew -= 4;
	if (namew < 8)
		namew = 8;
	put_text(y, x, namew, n->name, n->name_len,
		 base | (n->ftype == 2 ? app_attr(a, C_DIR) : 0));
	if (n->marks & MARK_UNWRITTEN)
		marks[m++] = 'U';
	if (n->marks & MARK_PAST_EOF)
		marks[m++] = 'E';
	if ((n->marks & MARK_BAD) || problems_has_inode(a, n->ino))
		marks[m++] = '!';
	marks[m] = '\0';
	put_fmt(y, w - 38, 38, base, "%-5s %12llu %9llu%s", ftype_word(n->ftype),
		(unsigned long long)n->size, (unsigned long long)n->ino, "");
	put_text(y, w - 4, 4, marks, m, base | app_attr(a, C_MARK));
}

static void tree_draw(struct app *a, void *state, int y, int h, int w)
{
	struct tree *t = state;

	/* the row under the cursor is the selection the other views show */
	if (t->count && !t->n[t->list.cur].more && t->n[t->list.cur].ino != a->cur_ino) {
		char path[1024];
		node_path(t, t->list.cur, path, sizeof(path));
		app_select_inode(a, t->n[t->list.cur].ino, path);
	}
	clear_line(y, 0, w, app_attr(a, C_TITLE));
	put_fmt(y, 1, w - 40, app_attr(a, C_TITLE), "NAME");
	put_fmt(y, w - 38, 38, app_attr(a, C_TITLE), "%-5s %12s %9s %s", "TYPE", "SIZE", "INODE", "MARK");
	if (h > 2) {
		clear_line(y + h - 1, 0, w, A_DIM);
		put_fmt(y + h - 1, 1, w - 1, A_DIM,
			"%zu rows   U unwritten extents, E blocks past EOF, ! problems   Enter open, e/i/x", t->count);
	}
	list_draw(a, &t->list, y + 1, h - 2, w, tree_row, t);
}

static void open_row(struct app *a, struct tree *t, enum view_id v)
{
	struct node *n;
	char path[1024];

	if (!t->count)
		return;
	n = &t->n[t->list.cur];
	if (n->more)
		return;
	node_path(t, t->list.cur, path, sizeof(path));
	app_select_inode(a, n->ino, path);
	app_show(a, v);
}

static bool tree_key(struct app *a, void *state, int ch)
{
	struct tree *t = state;
	size_t cur = t->list.cur;
	struct node *n;

	if (!t->count)
		return false;
	n = &t->n[cur];
	switch (ch) {
	case '\n':
		if (n->more) {
			fsimg_inum_t dino = n->ino;
			uint64_t skip = n->skip;
			size_t pi = cur;

			while (pi > 0 && !(t->n[pi].ino == dino && t->n[pi].ftype == 2 &&
					   t->n[pi].depth + 1 == n->depth))
				pi--;
			memmove(&t->n[cur], &t->n[cur + 1], (t->count - cur - 1) * sizeof(*t->n));
			t->count--;
			load_chunk(a, t, pi, cur, skip);
			return true;
		}
		if (n->ftype == 2) {
			if (n->expanded)
				collapse(t, cur);
			else
				expand(a, t, cur);
			return true;
		}
		open_row(a, t, V_EXTENTS);
		return true;
	case KEY_RIGHT:
	case 'l':
		expand(a, t, cur);
		return true;
	case KEY_LEFT:
	case 'h':
		if (n->expanded && n->ftype == 2) {
			collapse(t, cur);
		} else {
			size_t i = cur;
			while (i > 0 && t->n[i].depth >= n->depth)
				i--;
			t->list.cur = i;
		}
		return true;
	case 'i':
		open_row(a, t, V_INODE);
		return true;
	case 'e':
		open_row(a, t, V_EXTENTS);
		return true;
	case 'x':
		open_row(a, t, V_EXTENTS);
		a->views[V_EXTENTS]->key(a, app_state(a, V_EXTENTS), 'x');
		return true;
	}
	return false;
}

static struct list *tree_list(void *state)
{
	return &((struct tree *)state)->list;
}

static bool tree_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	struct tree *t = state;

	(void)a;
	if (i >= t->count || t->n[i].more)
		return false;
	snprintf(buf, len, "%s", t->n[i].name);
	return true;
}

const struct view view_tree = {
	.name = "Tree",
	.init = tree_init,
	.free = tree_free,
	.reset = tree_reset,
	.draw = tree_draw,
	.key = tree_key,
	.list = tree_list,
	.row_text = tree_row_text,
};
