/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text on the screen. Names from an image may hold any byte: valid UTF-8 is
 * shown as such (ncursesw, wcwidth for the columns it takes), anything else
 * (invalid sequences, control characters) as \xNN, as the other commands
 * print it.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "browse.h"

void clear_line(int y, int x, int w, int attr)
{
	int i;

	attrset(attr);
	for (i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}

/* Writes up to maxw columns; returns the columns used. */
static int put_wc(wchar_t wc, int *col, int maxw)
{
	int cw = wcwidth(wc);

	if (cw < 0)
		return -1;
	if (*col + cw > maxw)
		return 0;
	addnwstr(&wc, 1);
	*col += cw;
	return 1;
}

void put_text(int y, int x, int maxw, const char *s, size_t len, int attr)
{
	mbstate_t st;
	size_t i = 0;
	int col = 0;

	if (maxw <= 0)
		return;
	memset(&st, 0, sizeof(st));
	attrset(attr);
	move(y, x);
	while (i < len && col < maxw) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + i, len - i, &st);
		int r = -1;

		if (n != (size_t)-1 && n != (size_t)-2 && n != 0 && wc >= 0x20 && wc != 0x7f &&
		    !(wc >= 0x80 && wc < 0xa0) && wc != '\\')
			r = put_wc(wc, &col, maxw);
		if (r == 0)
			break;
		if (r < 0) {
			char esc[8];
			unsigned char c = (unsigned char)s[i];

			memset(&st, 0, sizeof(st));
			if (c == '\\')
				snprintf(esc, sizeof(esc), "\\\\");
			else
				snprintf(esc, sizeof(esc), "\\x%02x", c);
			if (col + (int)strlen(esc) > maxw)
				break;
			addstr(esc);
			col += (int)strlen(esc);
			n = 1;
		}
		i += n;
	}
	attrset(A_NORMAL);
}

void put_fmt(int y, int x, int maxw, int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put_text(y, x, maxw, buf, strlen(buf), attr);
}

void put_bar(int y, int x, int w, uint64_t used, uint64_t total, int attr)
{
	uint64_t fill = total ? (used >= total ? (uint64_t)w : used * (uint64_t)w / total) : 0;
	int i;

	if (w <= 0)
		return;
	move(y, x);
	for (i = 0; i < w; i++) {
		attrset((uint64_t)i < fill ? attr : (int)A_NORMAL);
		addch((uint64_t)i < fill ? '#' : '.');
	}
	attrset(A_NORMAL);
}
