/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg browse: the ncurses browser. core.c owns the screen, the key loop,
 * the status line and the two filesystem views (raw / replayed); each view
 * lives in its own view_NAME.c and keeps its state in a struct it allocates.
 * list.c is the one scrolling list all views use: it asks for rows only as
 * they are drawn, so a huge directory or extent map is never laid out whole.
 */
#ifndef FSIMG_BROWSE_H
#define FSIMG_BROWSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cli_jbd2.h"
#include "fsimg/check.h"

enum view_id {
	V_TREE = 0,
	V_INODE,
	V_EXTENTS,
	V_JOURNAL,
	V_GROUPS,
	V_HEX,
	V_PROBLEMS,
	NVIEWS
};

/* Colour pairs (attributes only when colours are off). */
enum {
	C_NORMAL = 0,
	C_TITLE,
	C_STATUS,
	C_WRITTEN,
	C_UNWRITTEN,
	C_HOLE,
	C_EOF,
	C_META,
	C_MARK,
	C_ERROR,
	C_DIR,
	NCOLORS
};

struct app;

/* A scrolling list: the view says how many rows and draws one on demand. */
struct list {
	uint64_t count;
	uint64_t cur, top;
};

struct view {
	const char *name;
	int (*init)(struct app *a, void **state);
	void (*free)(void *state);
	/* The filesystem changed (raw / replayed toggled): drop what was read. */
	void (*reset)(struct app *a, void *state);
	/* Called when the view is shown, to load what the current selection needs. */
	void (*enter)(struct app *a, void *state);
	void (*draw)(struct app *a, void *state, int y, int h, int w);
	/* Returns true when the key was used. */
	bool (*key)(struct app *a, void *state, int ch);
	struct list *(*list)(void *state);
	/* The text of row i for '/' search; false when there is none. */
	bool (*row_text)(struct app *a, void *state, uint64_t i, char *buf, size_t len);
};

/* A block's owner, as go to, the journal and hex views name it. */
enum owner_kind {
	OWN_UNKNOWN = 0,  /* not found in any inode: free or leaked */
	OWN_OUTSIDE,      /* past the end of the filesystem */
	OWN_BOOT,         /* block 0 before the superblock (1 KiB blocks) */
	OWN_SUPER,
	OWN_GDT,
	OWN_RESERVED_GDT,
	OWN_BLOCK_BITMAP,
	OWN_INODE_BITMAP,
	OWN_INODE_TABLE,
	OWN_DATA,         /* a data block of ino at lblk */
	OWN_TREE          /* an extent tree / indirect block of ino */
};

struct owner {
	enum owner_kind kind;
	fsimg_group_t group;
	fsimg_ino_t ino;         /* DATA, TREE; INODE_TABLE: first inode of the block */
	fsimg_lblk_t lblk;
	int level;               /* TREE */
	bool unwritten;          /* DATA */
};

struct app {
	struct cli_image img;
	const char *path;
	/* The filesystem shown: img.fs (as cli_open opened it) or other_fs. */
	fsimg_fs *fs;
	struct fsimg_fs_info info; /* of fs */
	const struct fsimg_super *sb; /* of fs when it is ext2/3/4: the views about ext4 */
	bool needs_recovery;     /* the image on disk needs recovery */
	bool replayed;           /* fs is the replayed view */
	fsimg_fs *other_fs;      /* the other view, opened on the first 'r' */
	fsimg_recovery *other_replay;
	bool other_is_replayed;
	/* journal of the raw image, opened on demand by the journal view */
	fsimg_fs *raw_fs_own;    /* a raw fs this module opened for it */
	fsimg_journal *journal_own;

	const struct view *views[NVIEWS];
	void *state[NVIEWS];
	enum view_id view;
	enum view_id back[32];   /* Backspace: where we came from */
	int nback;

	/* The selection views share. */
	fsimg_inum_t cur_ino;
	char cur_path[1024];     /* "" when not known */
	fsimg_pblk_t cur_block;
	uint32_t hex_offset;     /* byte in cur_block to put the hex cursor on */

	/* path_of's last answers: a transaction's blocks often share an inode */
	struct {
		fsimg_inum_t ino;
		char path[512];
	} pcache[16];
	unsigned pcache_next;

	char msg[256];           /* one-line message in the status line */
	bool msg_error;
	bool color;
	int rows, cols;
	char search[128];
	bool quit;
};

extern const struct view view_tree, view_inode, view_extents, view_journal,
	view_groups, view_hex, view_problems;

/* core.c */
void app_message(struct app *a, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void app_show(struct app *a, enum view_id v);
/* Selects inode ino (path may be NULL) for the inode and extent views. */
void app_select_inode(struct app *a, fsimg_inum_t ino, const char *path);
void app_select_block(struct app *a, fsimg_pblk_t blk, uint32_t offset);
/* Prompts on the bottom line; false when cancelled (Escape). */
bool app_prompt(struct app *a, const char *label, char *buf, size_t len);
int app_attr(const struct app *a, int color);
/* The raw (not replayed) journal of the image, or NULL with a message. */
fsimg_journal *app_raw_journal(struct app *a);
void app_redraw(struct app *a);
void *app_state(struct app *a, enum view_id v);

/* draw.c: text on the screen, UTF-8 aware, escaping what cannot be shown */
void put_text(int y, int x, int maxw, const char *s, size_t len, int attr);
void put_fmt(int y, int x, int maxw, int attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void clear_line(int y, int x, int w, int attr);
/* A one-line bar of w cells, filled to used/total. */
void put_bar(int y, int x, int w, uint64_t used, uint64_t total, int attr);

/* list.c */
void list_set(struct list *l, uint64_t count);
/* Handles the movement keys; true when used. h is the visible height. */
bool list_key(struct list *l, int ch, int h);
void list_fit(struct list *l, int h);
void list_draw(struct app *a, struct list *l, int y, int h, int w,
	       void (*row)(struct app *a, void *st, uint64_t i, int y, int w, bool cur), void *st);
/* Finds the next row (after cur, wrapping) containing the text; true when found. */
bool list_search(struct app *a, const struct view *v, void *st, const char *text);

/* owner.c: which inode or metadata owns blocks; one pass over the inodes */
/* Fills owners[i] for blocks[i] (any order); returns 0 or a library error. */
int owner_lookup(struct app *a, const fsimg_pblk_t *blocks, struct owner *owners, size_t n);
/* Metadata only (no inode scan): true when blk is static metadata. */
bool owner_meta(struct app *a, fsimg_pblk_t blk, struct owner *o);
void owner_text(struct app *a, const struct owner *o, char *buf, size_t len);
/* The path of ino found by walking the tree (bounded); false when not found. */
bool path_of(struct app *a, fsimg_inum_t ino, char *buf, size_t len);

/* view_problems.c: did the last fsck report this inode? */
bool problems_has_inode(struct app *a, fsimg_ino_t ino);

/* Shared words. */
const char *run_state_word(const struct fsimg_run *r);
const char *csum_word(enum fsimg_csum_state s);
const char *jtrans_state_word(enum fsimg_jtrans_state s);

#endif /* FSIMG_BROWSE_H */
