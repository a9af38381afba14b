/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The browser's core: the screen (a tab line, the view, the status line),
 * the key loop, go to, search, help, and the raw / replayed switch.
 *
 * The terminal is given back on every way out: q, a signal (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT set a flag the loop polls), end of input, and
 * exit() (an atexit handler). Nothing here or in the views writes to the
 * image: every read goes through the library's read-only calls.
 */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "browse_run.h"

static volatile sig_atomic_t got_signal;
static bool screen_up;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void restore_terminal(void)
{
	if (screen_up && !isendwin())
		endwin();
	screen_up = false;
}

/* ------------------------------------------------------------- helpers */

void app_message(struct app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_error = error;
}

int app_attr(const struct app *a, int color)
{
	static const int mono[NCOLORS] = {
		[C_NORMAL] = A_NORMAL, [C_TITLE] = A_BOLD, [C_STATUS] = A_REVERSE,
		[C_WRITTEN] = A_BOLD, [C_UNWRITTEN] = A_UNDERLINE, [C_HOLE] = A_DIM,
		[C_EOF] = A_STANDOUT, [C_META] = A_DIM, [C_MARK] = A_BOLD,
		[C_ERROR] = A_BOLD, [C_DIR] = A_BOLD,
	};

	if (color <= 0 || color >= NCOLORS)
		return A_NORMAL;
	if (!a->color)
		return mono[color];
	return COLOR_PAIR(color) | (color == C_TITLE || color == C_DIR ? A_BOLD : 0);
}

void *app_state(struct app *a, enum view_id v)
{
	return a->state[v];
}

void app_show(struct app *a, enum view_id v)
{
	if (v == a->view)
		return;
	if (a->nback == (int)(sizeof(a->back) / sizeof(a->back[0]))) {
		memmove(a->back, a->back + 1, sizeof(a->back) - sizeof(a->back[0]));
		a->nback--;
	}
	a->back[a->nback++] = a->view;
	a->view = v;
	if (a->views[v]->enter)
		a->views[v]->enter(a, a->state[v]);
}

void app_select_inode(struct app *a, fsimg_inum_t ino, const char *path)
{
	a->cur_ino = ino;
	snprintf(a->cur_path, sizeof(a->cur_path), "%s", path ? path : "");
}

void app_select_block(struct app *a, fsimg_pblk_t blk, uint32_t offset)
{
	a->cur_block = blk;
	a->hex_offset = offset;
}

fsimg_journal *app_raw_journal(struct app *a)
{
	int err;

	if (a->img.replay)
		return fsimg_recovery_journal(a->img.replay);
	if (a->journal_own)
		return a->journal_own;
	if (!cli_sb(&a->img) || !cli_sb(&a->img)->has_journal) {
		app_message(a, true, "this filesystem has no journal");
		return NULL;
	}
	if (!a->img.journal_io && !cli_sb(&a->img)->journal_inum) {
		app_message(a, true, "the journal is on an external device: start with -j JOURNAL");
		return NULL;
	}
	/* img.fs is the raw view whenever img.replay is NULL. */
	err = fsimg_journal_open(&a->journal_own, a->img.fs, a->img.journal_io);
	if (err == 0)
		err = fsimg_journal_scan(a->journal_own);
	if (err < 0) {
		app_message(a, true, "journal: %s", a->journal_own ? fsimg_journal_errmsg(a->journal_own)
			    : fsimg_strerror(err));
		fsimg_journal_close(a->journal_own);
		a->journal_own = NULL;
		return NULL;
	}
	return a->journal_own;
}

/* -------------------------------------------------------------- prompt */

bool app_prompt(struct app *a, const char *label, char *buf, size_t len)
{
	size_t n = 0;
	int ch;

	buf[0] = '\0';
	curs_set(1);
	for (;;) {
		int y = a->rows - 1;

		clear_line(y, 0, a->cols, app_attr(a, C_STATUS));
		put_text(y, 0, a->cols - 1, label, strlen(label), app_attr(a, C_STATUS));
		put_text(y, (int)strlen(label), a->cols - 1 - (int)strlen(label), buf, n,
			 app_attr(a, C_STATUS));
		refresh();
		ch = getch();
		if (got_signal) {
			curs_set(0);
			return false;
		}
		if (ch == ERR)
			continue;
		if (ch == 27 || ch == 7) { /* Escape, ^G */
			curs_set(0);
			return false;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (n > 0)
				buf[--n] = '\0';
			continue;
		}
		if (ch == KEY_RESIZE) {
			getmaxyx(stdscr, a->rows, a->cols);
			app_redraw(a);
			continue;
		}
		if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && n + 1 < len) {
			buf[n++] = (char)ch;
			buf[n] = '\0';
		}
	}
	curs_set(0);
	return true;
}

/* --------------------------------------------------------------- go to */

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	v = strtoull(s, &end, 0);
	if (*end)
		return false;
	*out = v;
	return true;
}

static void go_to(struct app *a, const char *where)
{
	uint64_t n;

	while (*where == ' ')
		where++;
	if (!*where)
		return;
	if (where[0] == '#') {
		if (!parse_u64(where + 1, &n) || n == 0 || n >= a->info.max_ino) {
			app_message(a, true, "no inode %s (1..%llu)", where + 1,
				    (unsigned long long)a->info.max_ino - 1);
			return;
		}
		{
			char p[1024] = "";
			path_of(a, n, p, sizeof(p));
			app_select_inode(a, n, p);
		}
		app_show(a, V_INODE);
		return;
	}
	if (where[0] == '/') {
		fsimg_inum_t ino;
		int err = fsimg_lookup(&ino, a->fs, where);

		if (err < 0) {
			app_message(a, true, "%s: %s", where, fsimg_strerror(err));
			return;
		}
		app_select_inode(a, ino, where);
		app_show(a, V_INODE);
		return;
	}
	if ((where[0] == 'b' || where[0] == 'B') && where[1])
		where++;
	if (!parse_u64(where, &n)) {
		app_message(a, true, "go to: a path (/a/b), an inode (#12) or a block number");
		return;
	}
	if (n >= a->info.blocks) {
		app_message(a, true, "block %llu is past the end (%llu blocks)",
			    (unsigned long long)n, (unsigned long long)a->info.blocks);
		return;
	}
	app_select_block(a, n, 0);
	if (a->view == V_HEX)
		a->views[V_HEX]->enter(a, a->state[V_HEX]);
	else
		app_show(a, V_HEX);
}

/* ---------------------------------------------------------------- help */

static const char *const help_lines[] = {
	"Everywhere",
	"  Tab, Shift-Tab   next / previous view        1-7   view by number",
	"  Up/Down, k/j     move             PgUp/PgDn, Space   page",
	"  Home/End, G      first / last row        Backspace   back to the last view",
	"  g                go to: /path, #inode, or a block number (names its owner)",
	"  /                search the rows of this view       n   next match",
	"  r                raw / journal-replayed view (when the image needs recovery)",
	"  F                run fsck and show the problems      ^L  redraw",
	"  ?                this help                           q   quit",
	"Tree (1)",
	"  Enter            directory: expand/collapse; file: its extent map",
	"  Right/l  Left/h  expand; collapse or go to the parent",
	"  i  e  x          inode, extent map, hex of the first block",
	"Inode (2)          e extent map, x hex of the inode in its table",
	"Extent map (3)     Enter hex of the run's first block, i inode",
	"Journal (4)        Enter the blocks of a transaction (with owners), then",
	"                   Enter hex of the block, Backspace/h the transactions",
	"Groups (5)         Enter hex of the group's first block, b block bitmap",
	"Hex (6)            arrows/hjkl move the cursor, PgUp/PgDn (or [ ]) block",
	"                   before/after, Enter the owning inode",
	"Problems (7)       f run fsck, Enter the inode or block of a finding",
};

static void show_help(struct app *a)
{
	size_t n = sizeof(help_lines) / sizeof(help_lines[0]), i;
	int top = 0, ch;

	for (;;) {
		int h = a->rows - 2;

		erase();
		clear_line(0, 0, a->cols, app_attr(a, C_TITLE));
		put_fmt(0, 0, a->cols, app_attr(a, C_TITLE), "fsimg browse: keys (any other key closes)");
		for (i = 0; (int)i < h && (size_t)top + i < n; i++) {
			const char *l = help_lines[(size_t)top + i];
			put_text((int)i + 1, 1, a->cols - 1, l, strlen(l),
				 l[0] != ' ' ? app_attr(a, C_TITLE) : (int)A_NORMAL);
		}
		clear_line(a->rows - 1, 0, a->cols, app_attr(a, C_STATUS));
		put_fmt(a->rows - 1, 0, a->cols, app_attr(a, C_STATUS), " help  %s",
			(size_t)top + (size_t)h < n ? "(Down for more)" : "");
		refresh();
		ch = getch();
		if (got_signal)
			return;
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			getmaxyx(stdscr, a->rows, a->cols);
			continue;
		}
		if ((ch == KEY_DOWN || ch == 'j' || ch == ' ') && (size_t)top + (size_t)h < n) {
			top++;
			continue;
		}
		if ((ch == KEY_UP || ch == 'k') && top > 0) {
			top--;
			continue;
		}
		return;
	}
}

/* ------------------------------------------------------ raw / replayed */

static void switch_fs(struct app *a)
{
	fsimg_fs *fs;
	fsimg_recovery *rep;
	char why[256] = "";
	int err, v;

	if (a->img.replay_failed) {
		app_message(a, true, "the journal cannot be replayed: only the on-disk state can be shown");
		return;
	}
	if (!a->needs_recovery) {
		app_message(a, false, "the image does not need recovery: raw and replayed are the same");
		return;
	}
	if (!a->other_fs) {
		bool to_replayed = !a->replayed;

		err = fsimg_fs_open_recovered(&fs, &rep, a->img.io, a->img.journal_io,
					      to_replayed ? 0 : FSIMG_OPEN_NO_REPLAY, why, sizeof(why));
		if (err == 0 && to_replayed && !rep) {
			fsimg_fs_close(fs);
			err = FSIMG_ECORRUPT;
			snprintf(why, sizeof(why), "nothing to replay");
		}
		if (err < 0) {
			app_message(a, true, "cannot open the %s view: %s",
				    to_replayed ? "replayed" : "raw", why[0] ? why : fsimg_strerror(err));
			return;
		}
		a->other_fs = fs;
		a->other_replay = rep;
		a->other_is_replayed = to_replayed;
	}
	if (a->fs == a->img.fs) {
		a->fs = a->other_fs;
		a->replayed = a->other_is_replayed;
	} else {
		a->fs = a->img.fs;
		a->replayed = !a->other_is_replayed;
	}
	a->sb = fsimg_ext4_super(a->fs);
	fsimg_fs_info(&a->info, a->fs);
	memset(a->pcache, 0, sizeof(a->pcache));
	for (v = 0; v < NVIEWS; v++)
		if (a->views[v]->reset)
			a->views[v]->reset(a, a->state[v]);
	if (a->views[a->view]->enter)
		a->views[a->view]->enter(a, a->state[a->view]);
	app_message(a, false, "now showing the %s",
		    a->replayed ? "filesystem after journal replay (in memory)" : "on-disk state (raw)");
}

/* ---------------------------------------------------------------- draw */

static const char *mode_word(const struct app *a)
{
	if (!a->needs_recovery)
		return "clean";
	return a->replayed ? "replayed" : "raw";
}

void app_redraw(struct app *a)
{
	const struct view *v = a->views[a->view];
	int x = 0, i, h = a->rows - 2;
	char st[512];

	erase();
	clear_line(0, 0, a->cols, app_attr(a, C_TITLE));
	for (i = 0; i < NVIEWS && x < a->cols; i++) {
		char t[32];
		int n = snprintf(t, sizeof(t), " %d:%s ", i + 1, a->views[i]->name);

		put_text(0, x, a->cols - x, t, strlen(t),
			 i == (int)a->view ? (int)(A_REVERSE | A_BOLD) : app_attr(a, C_TITLE));
		x += n;
	}
	if (h > 0)
		v->draw(a, a->state[a->view], 1, h, a->cols);
	clear_line(a->rows - 1, 0, a->cols, app_attr(a, C_STATUS));
	{
		/* a long path gives way to its last component, and a message to the key hint */
		const char *name = a->path, *slash = strrchr(a->path, '/');

		if (slash && slash[1] && (int)strlen(a->path) > a->cols / 3)
			name = slash + 1;
		snprintf(st, sizeof(st), " %s | %s | %s | %s", name, v->name, mode_word(a),
			 a->msg[0] ? "" : "?:help q:quit ");
	}
	put_text(a->rows - 1, 0, a->cols, st, strlen(st), app_attr(a, C_STATUS));
	if (a->msg[0] && (int)(strlen(st) + strlen(a->msg)) > a->cols && a->rows > 3) {
		/* too long for the status line: the line above it, over the view */
		clear_line(a->rows - 2, 0, a->cols, a->msg_error ? app_attr(a, C_ERROR) | (int)A_REVERSE :
			   app_attr(a, C_STATUS));
		put_text(a->rows - 2, 0, a->cols, a->msg, strlen(a->msg),
			 a->msg_error ? app_attr(a, C_ERROR) | (int)A_REVERSE : app_attr(a, C_STATUS));
	} else if (a->msg[0]) {
		int off = (int)strlen(st) < a->cols ? (int)strlen(st) : a->cols;
		put_text(a->rows - 1, off, a->cols - off, a->msg, strlen(a->msg),
			 a->msg_error ? app_attr(a, C_ERROR) | (int)A_REVERSE : app_attr(a, C_STATUS));
	}
	refresh();
}

/* ------------------------------------------------------------ the loop */

static void handle_key(struct app *a, int ch)
{
	const struct view *v = a->views[a->view];
	void *st = a->state[a->view];
	char buf[256];

	if (v->key && v->key(a, st, ch))
		return;
	if (v->list && list_key(v->list(st), ch, a->rows - 3))
		return;
	switch (ch) {
	case 'q':
	case 'Q':
		a->quit = true;
		break;
	case '\t':
		a->nback = 0;
		app_show(a, (enum view_id)((a->view + 1) % NVIEWS));
		break;
	case KEY_BTAB:
		a->nback = 0;
		app_show(a, (enum view_id)((a->view + NVIEWS - 1) % NVIEWS));
		break;
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		app_show(a, (enum view_id)(ch - '1'));
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (a->nback > 0) {
			a->view = a->back[--a->nback];
			if (a->views[a->view]->enter)
				a->views[a->view]->enter(a, a->state[a->view]);
		}
		break;
	case '?':
	case KEY_F(1):
		show_help(a);
		break;
	case 'r':
		switch_fs(a);
		break;
	case 'g':
		if (app_prompt(a, "go to (/path, #inode, block): ", buf, sizeof(buf)))
			go_to(a, buf);
		break;
	case '/':
		if (!app_prompt(a, "search: ", a->search, sizeof(a->search)) || !a->search[0])
			break;
		/* fall through */
	case 'n':
		if (!a->search[0])
			app_message(a, false, "no search yet: press /");
		else if (!list_search(a, v, st, a->search))
			app_message(a, true, "not found: %s", a->search);
		break;
	case 'F':
		app_show(a, V_PROBLEMS);
		a->views[V_PROBLEMS]->key(a, a->state[V_PROBLEMS], 'f');
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

static void setup_colors(struct app *a)
{
	const char *nc = getenv("NO_COLOR");

	a->color = false;
	/* no-color.org: present and not empty disables colour */
	if ((nc && nc[0]) || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(C_TITLE, COLOR_CYAN, -1);
	init_pair(C_STATUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(C_WRITTEN, COLOR_GREEN, -1);
	init_pair(C_UNWRITTEN, COLOR_YELLOW, -1);
	init_pair(C_HOLE, COLOR_BLUE, -1);
	init_pair(C_EOF, COLOR_MAGENTA, -1);
	init_pair(C_META, COLOR_CYAN, -1);
	init_pair(C_MARK, COLOR_YELLOW, -1);
	init_pair(C_ERROR, COLOR_RED, -1);
	init_pair(C_DIR, COLOR_BLUE, -1);
	a->color = true;
}

int browse_run(struct cli_image *img, const char *path)
{
	static const struct view *const all[NVIEWS] = {
		&view_tree, &view_inode, &view_extents, &view_journal,
		&view_groups, &view_hex, &view_problems,
	};
	struct sigaction sa;
	struct app *a;
	int i, status = CLI_EXIT_OK;

	a = calloc(1, sizeof(*a));
	if (!a) {
		cli_error(img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	a->img = *img;
	a->path = path;
	a->fs = a->img.fs;
	a->sb = cli_sb(&a->img);
	a->info = a->img.info;
	a->replayed = a->img.replay != NULL;
	a->needs_recovery = a->replayed || (a->info.needs_recovery && !a->img.replay_failed);
	a->cur_ino = a->info.root_ino;
	snprintf(a->cur_path, sizeof(a->cur_path), "/");
	for (i = 0; i < NVIEWS; i++) {
		a->views[i] = all[i];
		if (all[i]->init && all[i]->init(a, &a->state[i]) < 0) {
			cli_error(img, "out of memory");
			status = CLI_EXIT_ERROR;
			goto out;
		}
	}
	if (a->img.replay_failed)
		app_message(a, true, "the journal cannot be replayed: showing the on-disk state");

	setlocale(LC_ALL, "");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	atexit(restore_terminal);
	if (!newterm(NULL, stdout, stdin)) {
		cli_error(img, "cannot start the terminal (is TERM set?)");
		status = CLI_EXIT_ERROR;
		goto out;
	}
	screen_up = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(50);
	timeout(250);
	setup_colors(a);
	getmaxyx(stdscr, a->rows, a->cols);
	if (a->views[a->view]->enter)
		a->views[a->view]->enter(a, a->state[a->view]);

	while (!a->quit && !got_signal) {
		int ch;

		app_redraw(a);
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			getmaxyx(stdscr, a->rows, a->cols);
			continue;
		}
		a->msg[0] = '\0';
		if (ch == '\r')
			ch = '\n';
		if (ch == KEY_ENTER)
			ch = '\n';
		handle_key(a, ch);
	}
	restore_terminal();
	if (got_signal)
		status = 128 + got_signal;
out:
	for (i = 0; i < NVIEWS; i++)
		if (a->views[i] && a->views[i]->free)
			a->views[i]->free(a->state[i]);
	fsimg_journal_close(a->journal_own);
	fsimg_fs_close(a->other_fs);
	fsimg_recovery_free(a->other_replay);
	*img = a->img;
	free(a);
	return status;
}
