/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal view: the transactions of the log as on disk (the raw
 * journal, also when the filesystem is shown replayed), and on Enter the
 * blocks one transaction logs, each with the file or metadata it belongs to
 * and its revoke records.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

#define MAX_SHOWN 100000

struct jrow {
	bool revoke;
	fsimg_pblk_t fs_block;
	uint32_t journal_block;
	bool escaped;
	enum fsimg_csum_state csum;
	char owner[160];
};

struct jview {
	fsimg_journal *j;
	bool loaded;
	struct fsimg_journal_scan_info info;
	struct list tlist;
	/* blocks of one transaction */
	bool blocks;
	size_t trans;
	struct fsimg_jtrans t;
	struct jrow *rows;
	size_t nrows;
	struct list blist;
};

static int jv_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct jview));
	return *state ? 0 : -1;
}

static void jv_free(void *state)
{
	struct jview *v = state;

	if (v)
		free(v->rows);
	free(v);
}

static void jv_reset(struct app *a, void *state)
{
	struct jview *v = state;

	(void)a;
	/* the journal stays (it is the raw one); the owners depend on the view */
	v->blocks = false;
}

static void jv_load(struct app *a, struct jview *v)
{
	if (v->loaded)
		return;
	v->loaded = true;
	v->j = app_raw_journal(a);
	if (!v->j)
		return;
	if (fsimg_journal_scan(v->j) < 0 || fsimg_journal_scan_info(&v->info, v->j) < 0) {
		app_message(a, true, "journal scan: %s", fsimg_journal_errmsg(v->j));
		v->j = NULL;
		return;
	}
	list_set(&v->tlist, fsimg_journal_trans_count(v->j));
}

static void jv_enter(struct app *a, void *state)
{
	jv_load(a, state);
}

static void open_blocks(struct app *a, struct jview *v, size_t ti)
{
	fsimg_pblk_t *blks;
	struct owner *own;
	size_t i, n;

	if (fsimg_journal_trans(&v->t, v->j, ti) < 0)
		return;
	n = (size_t)v->t.nblocks + v->t.nrevokes;
	if (n > MAX_SHOWN)
		n = MAX_SHOWN;
	free(v->rows);
	v->rows = calloc(n ? n : 1, sizeof(*v->rows));
	blks = calloc(n ? n : 1, sizeof(*blks));
	own = calloc(n ? n : 1, sizeof(*own));
	if (!v->rows || !blks || !own) {
		free(blks);
		free(own);
		free(v->rows);
		v->rows = NULL;
		app_message(a, true, "out of memory");
		return;
	}
	v->nrows = 0;
	for (i = 0; i < v->t.nblocks && v->nrows < n; i++) {
		struct fsimg_jblock b;
		struct jrow *r = &v->rows[v->nrows];

		if (fsimg_journal_trans_block(&b, v->j, ti, i) < 0)
			break;
		r->fs_block = b.fs_block;
		r->journal_block = b.journal_block;
		r->escaped = b.escaped;
		r->csum = b.csum;
		blks[v->nrows++] = b.fs_block;
	}
	for (i = 0; i < v->t.nrevokes && v->nrows < n; i++) {
		struct fsimg_jrevoke rv;
		struct jrow *r = &v->rows[v->nrows];

		if (fsimg_journal_trans_revoke(&rv, v->j, ti, i) < 0)
			break;
		r->revoke = true;
		r->fs_block = rv.fs_block;
		r->journal_block = rv.journal_block;
		blks[v->nrows++] = rv.fs_block;
	}
	app_message(a, false, "looking up the owners of %zu blocks...", v->nrows);
	app_redraw(a);
	if (owner_lookup(a, blks, own, v->nrows) == 0)
		for (i = 0; i < v->nrows; i++)
			owner_text(a, &own[i], v->rows[i].owner, sizeof(v->rows[i].owner));
	a->msg[0] = '\0';
	free(blks);
	free(own);
	v->trans = ti;
	v->blocks = true;
	memset(&v->blist, 0, sizeof(v->blist));
	list_set(&v->blist, v->nrows);
}

static void trans_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct jview *v = st;
	struct fsimg_jtrans t;
	int base = cur ? A_REVERSE : 0;
	const char *csum = "-";

	if (fsimg_journal_trans(&t, v->j, (size_t)i) < 0)
		return;
	if (t.commit_csum == FSIMG_CSUM_BAD || t.desc_csum == FSIMG_CSUM_BAD || t.bad_data_csums)
		csum = "BAD";
	else if (t.commit_csum == FSIMG_CSUM_OK || t.desc_csum == FSIMG_CSUM_OK)
		csum = "ok";
	put_fmt(y, 1, w - 1, base | (t.state == FSIMG_JTRANS_COMMITTED ? 0 : app_attr(a, C_UNWRITTEN)),
		"%10u  %-12s %8u %8u  %-5s %10u %10s", t.sequence, jtrans_state_word(t.state), t.nblocks,
		t.nrevokes, csum, t.first_block, t.has_commit ? "" : "-");
	if (t.has_commit)
		put_fmt(y, 1 + 63, w - 64, base, "%10u", t.commit_block);
}

static void block_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct jview *v = st;
	const struct jrow *r = &v->rows[i];
	int base = cur ? A_REVERSE : 0;

	if (r->revoke)
		put_fmt(y, 1, w - 1, base | app_attr(a, C_EOF), "revoke %10llu   (record in journal block %u)  %s",
			(unsigned long long)r->fs_block, r->journal_block, r->owner);
	else
		put_fmt(y, 1, w - 1, base, "%10llu <- %8u %s%-4s %s", (unsigned long long)r->fs_block,
			r->journal_block, r->escaped ? "esc " : "", csum_word(r->csum), r->owner);
}

static const char *end_word(enum fsimg_jend e)
{
	switch (e) {
	case FSIMG_JEND_CLEAN: return "clean (nothing to recover)";
	case FSIMG_JEND_BAD_MAGIC: return "a block without the jbd2 magic";
	case FSIMG_JEND_SEQUENCE: return "a block of another transaction";
	case FSIMG_JEND_BLOCKTYPE: return "an unknown block type";
	case FSIMG_JEND_COMMIT_CSUM: return "a commit whose checksum fails";
	case FSIMG_JEND_STALE: return "a stale commit";
	case FSIMG_JEND_WRAPPED: return "the whole log was walked";
	case FSIMG_JEND_ERROR: return "corrupt: the kernel would refuse to recover";
	}
	return "?";
}

static void jv_draw(struct app *a, void *state, int y, int h, int w)
{
	struct jview *v = state;

	jv_load(a, v);
	if (!v->j) {
		put_fmt(y + 1, 1, w - 1, app_attr(a, C_ERROR), "no journal to show%s%s",
			a->msg[0] ? ": " : "", a->msg);
		return;
	}
	if (v->blocks) {
		put_fmt(y, 1, w - 1, app_attr(a, C_TITLE),
			"transaction %u (%s): %u blocks, %u revokes   Enter hex, Backspace back",
			v->t.sequence, jtrans_state_word(v->t.state), v->t.nblocks, v->t.nrevokes);
		clear_line(y + 1, 0, w, app_attr(a, C_TITLE));
		put_fmt(y + 1, 1, w - 1, app_attr(a, C_TITLE), "%10s    %8s %-4s %s", "FS BLOCK", "JOURNAL",
			"CSUM", "BELONGS TO");
		list_draw(a, &v->blist, y + 2, h - 2, w, block_row, v);
		return;
	}
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "journal: %llu transactions from sequence %u; log ends: %s",
		(unsigned long long)v->info.transactions, v->info.start_sequence, end_word(v->info.end));
	clear_line(y + 1, 0, w, app_attr(a, C_TITLE));
	put_fmt(y + 1, 1, w - 1, app_attr(a, C_TITLE), "%10s  %-12s %8s %8s  %-5s %10s %10s", "SEQUENCE",
		"STATE", "BLOCKS", "REVOKES", "CSUM", "FIRST", "COMMIT");
	list_draw(a, &v->tlist, y + 2, h - 2, w, trans_row, v);
}

static bool jv_key(struct app *a, void *state, int ch)
{
	struct jview *v = state;

	jv_load(a, v);
	if (!v->j)
		return false;
	if (v->blocks) {
		switch (ch) {
		case KEY_BACKSPACE:
		case 127:
		case 8:
		case KEY_LEFT:
		case 'h':
			v->blocks = false;
			return true;
		case '\n':
			if (v->nrows) {
				app_select_block(a, v->rows[v->blist.cur].fs_block, 0);
				app_show(a, V_HEX);
			}
			return true;
		}
		return false;
	}
	if ((ch == '\n' || ch == KEY_RIGHT || ch == 'l') && v->tlist.count) {
		open_blocks(a, v, (size_t)v->tlist.cur);
		return true;
	}
	return false;
}

static struct list *jv_list(void *state)
{
	struct jview *v = state;

	return v->blocks ? &v->blist : &v->tlist;
}

static bool jv_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	struct jview *v = state;
	struct fsimg_jtrans t;

	(void)a;
	if (!v->j)
		return false;
	if (v->blocks) {
		if (i >= v->nrows)
			return false;
		snprintf(buf, len, "%llu %u %s", (unsigned long long)v->rows[i].fs_block,
			 v->rows[i].journal_block, v->rows[i].owner);
		return true;
	}
	if (fsimg_journal_trans(&t, v->j, (size_t)i) < 0)
		return false;
	snprintf(buf, len, "%u %s", t.sequence, jtrans_state_word(t.state));
	return true;
}

const struct view view_journal = {
	.name = "Journal",
	.init = jv_init,
	.free = jv_free,
	.reset = jv_reset,
	.enter = jv_enter,
	.draw = jv_draw,
	.key = jv_key,
	.list = jv_list,
	.row_text = jv_row_text,
};
