/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg ls: directory listings sorted bytewise per directory, recursive
 * like ls -R, as text or JSON Lines. Each recursion level keeps one entry
 * vector and one name pool, reused from directory to directory, so a walk
 * over a large tree does not allocate per entry.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

static const struct cli_opt ls_opts[] = {
	{ 'l', NULL, NULL, "long format: inode, mode, links, size, name" },
	{ 'R', "recursive", NULL, "list subdirectories recursively" },
	{ 'a', "all", NULL, "include \".\" and \"..\"" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd ls_cmd = {
	"ls", "[-l] [-R] [-a] [--json] [-b SUPERBLOCK] [-B BLOCKSIZE] IMAGE [FILE]",
	"List the directory FILE (default \"/\"), sorted by name.",
	ls_opts, CLI_WANT_JSON | CLI_WANT_SB, 1, 2,
};

#define S_IFMT_ 0170000
#define S_IFDIR_ 0040000
#define S_IFLNK_ 0120000

struct ls_ent {
	size_t name_off;
	uint8_t name_len;
	uint8_t ftype;        /* from the directory entry */
	bool have_inode;      /* mode/links/size below are valid */
	bool bad;             /* the inode could not be read */
	fsimg_inum_t ino;
	uint32_t mode;
	uint64_t links;
	uint64_t size;
};

struct ls_level {
	struct ls_ent *ents;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
};

struct ls_ctx {
	struct cli_image img;
	const struct cli_common *common;
	bool longfmt, recursive, all;
	bool need_inode;      /* -l or --json */
	int status;
	bool first_dir;
	struct jw jw;
	struct cli_out *out;  /* --json: the direct writer's buffer */
	struct cli_path path;
	struct cli_bitmap visited;
	struct ls_level *levels;
	size_t nlevels;
	char *target;         /* symlink target buffer, block_size + 1 */
	size_t target_len;
};

static int ls_opt(void *vctx, int id, const char *arg)
{
	struct ls_ctx *ctx = vctx;

	(void)arg;
	switch (id) {
	case 'l': ctx->longfmt = true; return 0;
	case 'R': ctx->recursive = true; return 0;
	case 'a': ctx->all = true; return 0;
	default: return CLI_EXIT_USAGE;
	}
}

static bool is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static int cmp_ent(const void *a, const void *b, void *pool)
{
	const struct ls_ent *x = a, *y = b;
	const char *p = pool;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(p + x->name_off, p + y->name_off, n);

	if (c)
		return c;
	return (int)x->name_len - (int)y->name_len;
}

static struct ls_level *get_level(struct ls_ctx *ctx, size_t depth)
{
	if (depth >= ctx->nlevels) {
		size_t n = depth + 8;
		struct ls_level *nl = realloc(ctx->levels, n * sizeof(*nl));
		if (!nl)
			return NULL;
		memset(nl + ctx->nlevels, 0, (n - ctx->nlevels) * sizeof(*nl));
		ctx->levels = nl;
		ctx->nlevels = n;
	}
	return &ctx->levels[depth];
}

static int level_add(struct ls_level *lv, const struct fsimg_entry *d)
{
	struct ls_ent *e;

	if (lv->n == lv->cap) {
		size_t cap = lv->cap ? lv->cap * 2 : 256;
		struct ls_ent *ne = realloc(lv->ents, cap * sizeof(*ne));
		if (!ne)
			return FSIMG_ENOMEM;
		lv->ents = ne;
		lv->cap = cap;
	}
	if (lv->plen + d->name_len > lv->pcap) {
		size_t cap = lv->pcap ? lv->pcap * 2 : 8192;
		char *np;
		while (cap < lv->plen + d->name_len)
			cap *= 2;
		np = realloc(lv->pool, cap);
		if (!np)
			return FSIMG_ENOMEM;
		lv->pool = np;
		lv->pcap = cap;
	}
	e = &lv->ents[lv->n++];
	memset(e, 0, sizeof(*e));
	e->name_off = lv->plen;
	e->name_len = (uint8_t)d->name_len;
	e->ftype = (uint8_t)d->type;
	e->ino = d->ino;
	memcpy(lv->pool + lv->plen, d->name, d->name_len);
	lv->plen += d->name_len;
	return 0;
}

/* Reads the entry's inode; on failure reports it with its path. */
static void load_inode(struct ls_ctx *ctx, struct ls_ent *e, const char *name)
{
	struct fsimg_stat st;
	size_t saved;
	int err;

	if (e->have_inode || e->bad)
		return;
	err = fsimg_stat(&st, ctx->img.fs, e->ino);
	if (err < 0) {
		e->bad = true;
		ctx->status = CLI_EXIT_ERROR;
		if (cli_path_push(&ctx->path, name, e->name_len, &saved) == 0) {
			cli_file_error(&ctx->img, ctx->path.buf, "inode %llu: %s",
				       (unsigned long long)e->ino, cli_errmsg(&ctx->img, err));
			cli_path_pop(&ctx->path, saved);
		}
		return;
	}
	e->have_inode = true;
	e->mode = st.mode;
	e->links = st.links;
	e->size = st.size;
}

static bool ent_is_dir(struct ls_ctx *ctx, struct ls_ent *e, const char *name)
{
	if (e->have_inode)
		return (e->mode & S_IFMT_) == S_IFDIR_;
	if (e->ftype && e->ftype != 2)
		return false;
	/*
	 * The inode decides: an entry may claim a directory whose inode is a
	 * socket (corrupt images), and ext2 without filetype says nothing.
	 */
	load_inode(ctx, e, name);
	return e->have_inode && (e->mode & S_IFMT_) == S_IFDIR_;
}

/* The symlink target of e into ctx->target; returns its length or -1. */
static int read_target(struct ls_ctx *ctx, const struct ls_ent *e, const char *name)
{
	size_t saved;
	int n;

	n = fsimg_readlink(ctx->target, ctx->target_len, ctx->img.fs, e->ino);
	if (n < 0) {
		ctx->status = CLI_EXIT_ERROR;
		if (cli_path_push(&ctx->path, name, e->name_len, &saved) == 0) {
			cli_file_error(&ctx->img, ctx->path.buf, "symlink target: %s",
				       cli_errmsg(&ctx->img, n));
			cli_path_pop(&ctx->path, saved);
		}
		return -1;
	}
	return n;
}

static int num_width(uint64_t v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static void put_padded(FILE *f, uint64_t v, int w)
{
	for (int n = num_width(v); n < w; n++)
		putc_unlocked(' ', f);
	cli_put_u64(f, v);
}

struct widths {
	int ino, links, size;
};

/* full_path: ctx->path already names the entry, not its directory. */
static void print_entry(struct ls_ctx *ctx, const struct ls_ent *e, const char *name,
			size_t name_len, const struct widths *w, bool full_path)
{
	FILE *f = stdout;
	int tlen = -1;

	if (e->bad)
		return;
	if (ctx->need_inode && (e->mode & S_IFMT_) == S_IFLNK_)
		tlen = read_target(ctx, e, name);
	if (ctx->common->json) {
		struct jw *j = &ctx->jw;
		size_t saved;

		jw_obj_begin(j, NULL);
		if (full_path) {
			jw_strn(j, "path", ctx->path.buf, ctx->path.len);
		} else if (cli_path_push(&ctx->path, name, name_len, &saved) == 0) {
			jw_strn(j, "path", ctx->path.buf, ctx->path.len);
			cli_path_pop(&ctx->path, saved);
		}
		jw_strn(j, "name", name, name_len);
		jw_u64(j, "inode", e->ino);
		jw_str(j, "type", cli_type_name((uint16_t)e->mode));
		jw_u64(j, "mode", e->mode);
		jw_u64(j, "links", e->links);
		jw_u64(j, "size", e->size);
		if (tlen >= 0)
			jw_strn(j, "target", ctx->target, (size_t)tlen);
		jw_obj_end(j);
		jw_record_end(j);
		return;
	}
	if (ctx->longfmt) {
		char mode[11];

		put_padded(f, e->ino, w->ino);
		putc_unlocked(' ', f);
		cli_mode_string(mode, (uint16_t)e->mode);
		fputs_unlocked(mode, f);
		putc_unlocked(' ', f);
		put_padded(f, e->links, w->links);
		putc_unlocked(' ', f);
		put_padded(f, e->size, w->size);
		putc_unlocked(' ', f);
	}
	cli_put_text(f, name, name_len);
	if (tlen >= 0) {
		fputs_unlocked(" -> ", f);
		cli_put_text(f, ctx->target, (size_t)tlen);
	}
	putc_unlocked('\n', f);
}

static void print_header(struct ls_ctx *ctx)
{
	if (ctx->common->json || !ctx->recursive)
		return;
	if (!ctx->first_dir)
		putc_unlocked('\n', stdout);
	ctx->first_dir = false;
	cli_put_text(stdout, ctx->path.buf, ctx->path.len);
	fputs_unlocked(":\n", stdout);
}

/* Lists the directory whose path is in ctx->path; recurses with -R. */
static void list_dir(struct ls_ctx *ctx, fsimg_inum_t dir_ino, size_t depth)
{
	struct fsimg_entry d;
	struct ls_level *lv;
	struct widths w = { 1, 1, 1 };
	fsimg_readdir *dir;
	size_t i, n;
	int err;

	if (cli_too_deep(&ctx->img, NULL, ctx->path.buf, depth)) {
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	lv = get_level(ctx, depth);
	if (!lv) {
		cli_error(&ctx->img, "out of memory");
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	lv->n = 0;
	lv->plen = 0;
	err = fsimg_readdir_open(&dir, ctx->img.fs, dir_ino);
	if (err < 0) {
		cli_file_error(&ctx->img, ctx->path.buf, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while ((err = fsimg_readdir_next(dir, &d)) > 0) {
		if (!ctx->all && is_dot(d.name, d.name_len))
			continue;
		err = level_add(lv, &d);
		if (err < 0)
			break;
	}
	fsimg_readdir_close(dir);
	print_header(ctx);
	if (err < 0) {
		/* List what was read before the damage, then say where it was. */
		cli_file_error(&ctx->img, ctx->path.buf, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	}
	if (lv->n > 1)
		qsort_r(lv->ents, lv->n, sizeof(*lv->ents), cmp_ent, lv->pool);

	n = lv->n;
	if (ctx->need_inode) {
		for (i = 0; i < n; i++) {
			struct ls_ent *e = &lv->ents[i];

			load_inode(ctx, e, lv->pool + e->name_off);
			if (!e->have_inode)
				continue;
			if (num_width(e->ino) > w.ino)
				w.ino = num_width(e->ino);
			if (num_width(e->links) > w.links)
				w.links = num_width(e->links);
			if (num_width(e->size) > w.size)
				w.size = num_width(e->size);
		}
	}
	for (i = 0; i < n && !cli_output_failed(); i++) {
		struct ls_ent *e = &lv->ents[i];
		print_entry(ctx, e, lv->pool + e->name_off, e->name_len, &w, false);
	}
	if (!ctx->recursive)
		return;
	for (i = 0; i < n && !cli_output_failed(); i++) {
		/* The recursion below may move ctx->levels: look it up again. */
		struct ls_ent *e = &ctx->levels[depth].ents[i];
		const char *name = ctx->levels[depth].pool + e->name_off;
		size_t saved;

		if (is_dot(name, e->name_len) || !ent_is_dir(ctx, e, name))
			continue;
		/* A directory met twice (a hard-linked dir, a loop) is walked once. */
		if (cli_bitmap_test_set(&ctx->visited, e->ino))
			continue;
		if (cli_path_push(&ctx->path, name, e->name_len, &saved) < 0) {
			cli_error(&ctx->img, "out of memory");
			ctx->status = CLI_EXIT_ERROR;
			return;
		}
		list_dir(ctx, e->ino, depth + 1);
		cli_path_pop(&ctx->path, saved);
	}
}

/*
 * FILE is not a directory: one entry. Text names it as the user did;
 * JSON gives its path (in ctx->path) and last component.
 */
static void list_one(struct ls_ctx *ctx, const char *file, const struct fsimg_stat *st)
{
	struct ls_ent e;
	struct widths w = { 1, 1, 1 };
	const char *name = strrchr(ctx->path.buf, '/');

	memset(&e, 0, sizeof(e));
	e.ino = st->ino;
	e.mode = st->mode;
	e.links = st->links;
	e.size = st->size;
	e.have_inode = true;
	name = name ? name + 1 : ctx->path.buf;
	if (ctx->common->json)
		print_entry(ctx, &e, name, strlen(name), &w, true);
	else
		print_entry(ctx, &e, file, strlen(file), &w, false);
}

int cmd_ls(int argc, char **argv)
{
	struct cli_common common;
	struct ls_ctx ctx;
	struct fsimg_stat st;
	static struct cli_out out;   /* --json records */
	const char *file;
	int first, status;
	size_t saved, i;

	memset(&ctx, 0, sizeof(ctx));
	status = cli_parse(&common, &ls_cmd, argc, argv, ls_opt, &ctx, &first);
	if (status >= 0)
		return status;
	ctx.common = &common;
	ctx.need_inode = ctx.longfmt || common.json;
	ctx.first_dir = true;
	file = first + 1 < argc ? argv[first + 1] : "/";
	cli_stdout_init();
	status = cli_open(&ctx.img, &common, argv[first]);
	if (status)
		return status;
	/* --json through the direct writer: json-c's object per value was
	 * four fifths of `ls -R --json` (the records are the same bytes). */
	if (common.json) {
		cli_out_init(&out, stdout);
		ctx.out = &out;
		jw_init_direct(&ctx.jw, &out);
	} else {
		jw_init(&ctx.jw, stdout);
	}
	/* A symlink's target is at most a block (ext4), 1 KiB (XFS). */
	ctx.target_len = (ctx.img.info.block_size > 4096 ? ctx.img.info.block_size : 4096) + 1;
	ctx.target = malloc(ctx.target_len);
	if (!ctx.target) {
		cli_error(&ctx.img, "out of memory");
		return cli_close(&ctx.img, CLI_EXIT_ERROR);
	}
	if (cli_lookup(&ctx.img, file, &st)) {
		ctx.status = CLI_EXIT_ERROR;
		goto out;
	}

	/* The path printed: "/a/b" from the root, or "#N" as given. */
	if (file[0] == '#') {
		if (cli_path_set(&ctx.path, file, strlen(file)) < 0)
			goto oom;
	} else {
		const char *p = file;
		while (*p == '/')
			p++;
		if (cli_path_push(&ctx.path, p, strlen(p), &saved) < 0)
			goto oom;
		/* "a/b/" names the directory "a/b". */
		while (ctx.path.len > 1 && ctx.path.buf[ctx.path.len - 1] == '/')
			ctx.path.buf[--ctx.path.len] = '\0';
	}

	if (st.type != FSIMG_FT_DIR) {
		list_one(&ctx, file, &st);
		goto out;
	}
	if (ctx.recursive) {
		if (cli_bitmap_init(&ctx.visited, &ctx.img)) {
			ctx.status = CLI_EXIT_ERROR;
			goto out;
		}
		cli_bitmap_test_set(&ctx.visited, st.ino);
	}
	list_dir(&ctx, st.ino, 0);
	goto out;
oom:
	cli_error(&ctx.img, "out of memory");
	ctx.status = CLI_EXIT_ERROR;
out:
	for (i = 0; i < ctx.nlevels; i++) {
		free(ctx.levels[i].ents);
		free(ctx.levels[i].pool);
	}
	free(ctx.levels);
	free(ctx.target);
	if (ctx.out)
		cli_out_flush(ctx.out);
	cli_bitmap_free(&ctx.visited);
	cli_path_free(&ctx.path);
	return cli_close(&ctx.img, ctx.status);
}
