/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scrolling list under every view: a count, a cursor and the first row
 * shown. Rows are drawn through a callback, so a view need only produce the
 * rows on the screen.
 */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "browse.h"

void list_set(struct list *l, uint64_t count)
{
	l->count = count;
	if (l->cur >= count)
		l->cur = count ? count - 1 : 0;
	if (l->top > l->cur)
		l->top = l->cur;
}

void list_fit(struct list *l, int h)
{
	if (h <= 0)
		return;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + (uint64_t)h)
		l->top = l->cur - (uint64_t)h + 1;
}

bool list_key(struct list *l, int ch, int h)
{
	uint64_t page = h > 1 ? (uint64_t)h - 1 : 1;

	if (l->count == 0)
		return false;
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (l->cur > 0)
			l->cur--;
		break;
	case KEY_DOWN:
	case 'j':
		if (l->cur + 1 < l->count)
			l->cur++;
		break;
	case KEY_PPAGE:
		l->cur = l->cur > page ? l->cur - page : 0;
		break;
	case KEY_NPAGE:
	case ' ':
		l->cur = l->cur + page < l->count ? l->cur + page : l->count - 1;
		break;
	case KEY_HOME:
		l->cur = 0;
		break;
	case KEY_END:
	case 'G':
		l->cur = l->count - 1;
		break;
	default:
		return false;
	}
	list_fit(l, h);
	return true;
}

void list_draw(struct app *a, struct list *l, int y, int h, int w,
	       void (*row)(struct app *a, void *st, uint64_t i, int y, int w, bool cur), void *st)
{
	int r;

	list_fit(l, h);
	for (r = 0; r < h; r++) {
		uint64_t i = l->top + (uint64_t)r;

		clear_line(y + r, 0, w, A_NORMAL);
		if (i >= l->count)
			continue;
		if (i == l->cur)
			clear_line(y + r, 0, w, A_REVERSE);
		row(a, st, i, y + r, w, i == l->cur);
	}
}

bool list_search(struct app *a, const struct view *v, void *st, const char *text)
{
	struct list *l = v->list ? v->list(st) : NULL;
	char buf[512];
	uint64_t n, i;

	if (!l || !v->row_text || !l->count || !text[0])
		return false;
	for (n = 1; n <= l->count; n++) {
		i = (l->cur + n) % l->count;
		if (v->row_text(a, st, i, buf, sizeof(buf)) && strstr(buf, text)) {
			l->cur = i;
			return true;
		}
	}
	return false;
}
