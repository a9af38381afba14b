/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg extents: the runs the mapping iterator gives for files, one row per
 * on-disk extent, as text or JSON Lines; --all walks the whole filesystem.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

enum { OPT_ALL = CLI_OPT_LONG };

static const struct cli_opt extents_opts[] = {
	{ OPT_ALL, "all", NULL, "every in-use inode with a data mapping" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd extents_cmd = {
	"extents", "[-v] [--json] [--all] [-b SUPERBLOCK] [-B BLOCKSIZE] IMAGE [FILE...]",
	"Show the extent map of each FILE (or of every inode with --all).\n"
	"-v adds the mapping tree's own blocks (index/leaf, ind/dind/tind).",
	extents_opts, CLI_WANT_JSON | CLI_WANT_SB, 1, -1,
};

struct ext_ctx {
	struct cli_image img;
	const struct cli_common *common;
	bool all;
	int status;
	struct jw jw;
	/* Runs of the current file; reused from file to file. */
	struct fsimg_run *runs;
	size_t nruns, cap;
	struct cli_path path;
	struct cli_bitmap visited;
	bool first_text;
	struct cli_out *out;    /* stdout through a buffer of our own */
};

static int ext_opt(void *vctx, int id, const char *arg)
{
	struct ext_ctx *ctx = vctx;

	(void)arg;
	if (id == OPT_ALL) {
		ctx->all = true;
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* Collects the runs of one fork of an inode; returns 0 or a library error. */
static int collect_fork(struct ext_ctx *ctx, fsimg_inum_t ino, enum fsimg_fork fork)
{
	fsimg_map *map;
	struct fsimg_run run;
	int err;

	err = fsimg_map_open_fork(&map, ctx->img.fs, ino, fork,
				  ctx->common->verbose ? FSIMG_MAP_TREE : 0);
	if (err < 0)
		return err;
	while ((err = fsimg_map_next(map, &run)) > 0) {
		if (run.type == FSIMG_RUN_HOLE)
			continue;
		if (ctx->nruns == ctx->cap) {
			size_t cap = ctx->cap ? ctx->cap * 2 : 64;
			struct fsimg_run *nr = realloc(ctx->runs, cap * sizeof(*nr));
			if (!nr) {
				err = FSIMG_ENOMEM;
				break;
			}
			ctx->runs = nr;
			ctx->cap = cap;
		}
		ctx->runs[ctx->nruns++] = run;
	}
	fsimg_map_close(map);
	return err < 0 ? err : 0;
}

/* The runs of every fork the filesystem has, the data fork's first. */
static int collect(struct ext_ctx *ctx, fsimg_inum_t ino)
{
	static const enum fsimg_fork forks[] = { FSIMG_FORK_DATA, FSIMG_FORK_ATTR, FSIMG_FORK_COW };
	int err = 0;

	ctx->nruns = 0;
	for (size_t i = 0; i < sizeof(forks) / sizeof(forks[0]) && err == 0; i++)
		if (ctx->img.info.forks & (1u << forks[i]))
			err = collect_fork(ctx, ino, forks[i]);
	return err;
}

/* The backend's own numbers for the run's first block (XFS: fsb, agno, agbno). */
static int run_extras(struct ext_ctx *ctx, const struct fsimg_run *r, struct fsimg_block_extra *ex)
{
	int n;

	if (!ctx->img.info.block_extras || r->type == FSIMG_RUN_HOLE || r->type == FSIMG_RUN_INLINE)
		return 0;
	n = fsimg_block_extras(ex, FSIMG_BLOCK_EXTRA_MAX, ctx->img.fs, r->pblk);
	return n < 0 ? 0 : n > FSIMG_BLOCK_EXTRA_MAX ? FSIMG_BLOCK_EXTRA_MAX : n;
}

static const char *meta_name(const struct fsimg_run *r)
{
	return r->kind ? r->kind : "tree";
}

static const char *fork_name(enum fsimg_fork fork)
{
	return fork == FSIMG_FORK_ATTR ? "attr" : fork == FSIMG_FORK_COW ? "cow" : "data";
}

static const char *csum_word(enum fsimg_csum_state s)
{
	return s == FSIMG_CSUM_OK ? "ok" : s == FSIMG_CSUM_BAD ? "bad" : "-";
}

/* A string left-aligned in a field of width w (printf's %-ws). */
static void out_pad(struct cli_out *o, const char *s, size_t w)
{
	size_t n = strlen(s);

	cli_out_put(o, s, n);
	for (; n < w; n++)
		cli_out_put(o, " ", 1);
}

static void print_text(struct ext_ctx *ctx, const char *name, size_t name_len,
		       const struct fsimg_stat *st)
{
	struct cli_out *o = ctx->out;
	struct fsimg_block_extra ex[FSIMG_BLOCK_EXTRA_MAX];
	size_t i, ndata = 0;
	int nex;

	for (i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type != FSIMG_RUN_META)
			ndata++;
	if (!ctx->first_text)
		cli_out_put(o, "\n", 1);
	ctx->first_text = false;
	if (name) {
		cli_out_text(o, name, name_len);
	} else {
		cli_out_put(o, "#", 1);
		cli_out_u64(o, st->ino);
	}
	cli_out_str(o, ": inode ");
	cli_out_u64(o, st->ino);
	cli_out_str(o, ", size ");
	cli_out_u64(o, st->size);
	cli_out_str(o, ", ");
	cli_out_u64(o, ndata);
	cli_out_str(o, ndata == 1 ? " extent\n" : " extents\n");
	if (ctx->nruns == 0)
		return;
	cli_out_str(o, "      LOGICAL     PHYSICAL     LENGTH  STATE      EOF\n");
	for (i = 0; i < ctx->nruns; i++) {
		const struct fsimg_run *r = &ctx->runs[i];
		const char *state;
		bool eof = r->flags & FSIMG_RUN_BEYOND_EOF;

		cli_out_u64w(o, r->lblk, 13);
		if (r->type == FSIMG_RUN_INLINE)
			cli_out_str(o, "            -");
		else
			cli_out_u64w(o, r->pblk, 13);
		cli_out_u64w(o, r->type == FSIMG_RUN_META ? 1 : r->len, 11);
		switch (r->type) {
		case FSIMG_RUN_MAPPED: state = "written"; break;
		case FSIMG_RUN_UNWRITTEN: state = "unwritten"; break;
		case FSIMG_RUN_INLINE: state = "inline"; break;
		case FSIMG_RUN_META: state = meta_name(r); break;
		default: state = "hole"; break;
		}
		cli_out_str(o, "  ");
		if (r->type == FSIMG_RUN_META) {
			out_pad(o, state, 9);
			cli_out_str(o, "          level ");
			if (r->level < 0)
				cli_out_str(o, "-");
			cli_out_u64(o, r->level < 0 ? -(uint64_t)r->level : (uint64_t)r->level);
			if (r->flags & FSIMG_RUN_COUNTED) {
				cli_out_str(o, ", entries ");
				cli_out_u64(o, r->entries);
				cli_out_str(o, "/");
				cli_out_u64(o, r->max);
			}
			cli_out_str(o, ", csum ");
			cli_out_str(o, csum_word(r->csum_state));
		} else if (eof || r->fork != FSIMG_FORK_DATA) {
			out_pad(o, state, 9);
			cli_out_str(o, eof ? "  beyond" : "  -");
		} else {
			cli_out_str(o, state);
		}
		if (r->fork != FSIMG_FORK_DATA) {
			cli_out_str(o, "  fork ");
			cli_out_str(o, fork_name(r->fork));
		}
		nex = run_extras(ctx, r, ex);
		for (int k = 0; k < nex; k++) {
			cli_out_str(o, "  ");
			cli_out_str(o, ex[k].name);
			cli_out_str(o, " ");
			cli_out_u64(o, ex[k].value);
		}
		cli_out_put(o, "\n", 1);
	}
}

static void print_json(struct ext_ctx *ctx, const char *path, size_t path_len,
		       const struct fsimg_stat *st)
{
	struct jw *w = &ctx->jw;
	struct fsimg_block_extra ex[FSIMG_BLOCK_EXTRA_MAX];
	bool is_inline = false;
	size_t i;
	int nex;

	for (i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type == FSIMG_RUN_INLINE)
			is_inline = true;
	jw_obj_begin(w, NULL);
	jw_u64(w, "inode", st->ino);
	if (path)
		jw_strn(w, "path", path, path_len);
	jw_u64(w, "size", st->size);
	jw_bool(w, "inline", is_inline);
	jw_arr_begin(w, "extents");
	for (i = 0; i < ctx->nruns; i++) {
		const struct fsimg_run *r = &ctx->runs[i];

		if (r->type != FSIMG_RUN_MAPPED && r->type != FSIMG_RUN_UNWRITTEN)
			continue;
		jw_obj_begin(w, NULL);
		jw_u64(w, "logical", r->lblk);
		jw_u64(w, "physical", r->pblk);
		jw_u64(w, "length", r->len);
		jw_bool(w, "unwritten", r->type == FSIMG_RUN_UNWRITTEN);
		jw_bool(w, "beyond_eof", r->flags & FSIMG_RUN_BEYOND_EOF);
		if (r->fork != FSIMG_FORK_DATA)
			jw_str(w, "fork", fork_name(r->fork));
		nex = run_extras(ctx, r, ex);
		for (int k = 0; k < nex; k++)
			jw_u64(w, ex[k].name, ex[k].value);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (is_inline) {
		for (i = 0; i < ctx->nruns; i++)
			if (ctx->runs[i].type == FSIMG_RUN_INLINE)
				jw_u64(w, "inline_size", ctx->runs[i].len);
	}
	if (ctx->common->verbose) {
		jw_arr_begin(w, "tree");
		for (i = 0; i < ctx->nruns; i++) {
			const struct fsimg_run *r = &ctx->runs[i];

			if (r->type != FSIMG_RUN_META)
				continue;
			jw_obj_begin(w, NULL);
			jw_str(w, "kind", meta_name(r));
			jw_i64(w, "level", r->level);
			jw_u64(w, "block", r->pblk);
			jw_u64(w, "logical", r->lblk);
			if (r->flags & FSIMG_RUN_COUNTED) {
				jw_u64(w, "entries", r->entries);
				jw_u64(w, "max", r->max);
			} else {
				jw_null(w, "entries");
				jw_null(w, "max");
			}
			if (r->csum_state == FSIMG_CSUM_NONE)
				jw_null(w, "csum_ok");
			else
				jw_bool(w, "csum_ok", r->csum_state == FSIMG_CSUM_OK);
			if (r->fork != FSIMG_FORK_DATA)
				jw_str(w, "fork", fork_name(r->fork));
			nex = run_extras(ctx, r, ex);
			for (int k = 0; k < nex; k++)
				jw_u64(w, ex[k].name, ex[k].value);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_record_end(w);
}

/*
 * Does the inode have a data mapping worth listing in --all? A symlink
 * whose target is kept in the inode (ext4's fast symlinks) has none.
 */
static bool has_data(const struct ext_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type == FSIMG_RUN_INLINE && (ctx->runs[i].flags & FSIMG_RUN_TARGET))
			return false;
	for (size_t i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type != FSIMG_RUN_META)
			return true;
	return false;
}

/*
 * Shows one inode. name is how the user or the walk named it (NULL: by
 * number only). In --all mode inodes without data are skipped.
 */
static void show(struct ext_ctx *ctx, const char *name, size_t name_len,
		 const struct fsimg_stat *st)
{
	int err = collect(ctx, st->ino);

	if (err < 0) {
		char num[24];

		if (!name) {
			snprintf(num, sizeof(num), "#%llu", (unsigned long long)st->ino);
			name = num;
		}
		cli_file_error(&ctx->img, name, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	if (ctx->all && !has_data(ctx))
		return;
	if (ctx->common->json)
		print_json(ctx, name, name_len, st);
	else {
		print_text(ctx, name, name_len, st);
		cli_out_record_end(ctx->out);
	}
}

static void walk(struct ext_ctx *ctx, fsimg_inum_t dir_ino, int depth)
{
	struct fsimg_entry ent;
	struct fsimg_stat st;
	fsimg_readdir *d;
	size_t saved;
	int err;

	if (depth >= CLI_MAX_DEPTH) {
		cli_file_error(&ctx->img, ctx->path.buf, "directories nested too deep (limit %d)",
			       CLI_MAX_DEPTH);
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	err = fsimg_readdir_open(&d, ctx->img.fs, dir_ino);
	if (err < 0) {
		cli_file_error(&ctx->img, ctx->path.buf, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while (!cli_output_failed() && (err = fsimg_readdir_next(d, &ent)) > 0) {
		if ((ent.name_len == 1 && ent.name[0] == '.') ||
		    (ent.name_len == 2 && ent.name[0] == '.' && ent.name[1] == '.'))
			continue;
		if (cli_bitmap_test_set(&ctx->visited, ent.ino))
			continue;
		if (cli_path_push(&ctx->path, ent.name, ent.name_len, &saved) < 0) {
			err = FSIMG_ENOMEM;
			break;
		}
		err = fsimg_stat(&st, ctx->img.fs, ent.ino);
		if (err < 0) {
			cli_file_error(&ctx->img, ctx->path.buf, "inode %llu: %s",
				       (unsigned long long)ent.ino, cli_errmsg(&ctx->img, err));
			ctx->status = CLI_EXIT_ERROR;
		} else {
			show(ctx, ctx->path.buf, ctx->path.len, &st);
			if (st.type == FSIMG_FT_DIR)
				walk(ctx, ent.ino, depth + 1);
		}
		cli_path_pop(&ctx->path, saved);
	}
	if (err < 0) {
		cli_file_error(&ctx->img, ctx->path.buf, "%s",
			       cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	}
	fsimg_readdir_close(d);
}

/* Every in-use inode the tree walk did not reach, in inode order. */
static void sweep(struct ext_ctx *ctx)
{
	struct fsimg_stat st;
	fsimg_inodes *it;
	fsimg_inum_t ino;
	int r;

	r = fsimg_inodes_open(&it, ctx->img.fs);
	if (r < 0) {
		cli_error(&ctx->img, "%s", cli_errmsg(&ctx->img, r));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while (!cli_output_failed() && (r = fsimg_inodes_next(it, &ino)) != 0) {
		if (r < 0) {
			/* A part of the inode space could not be read; the rest can. */
			cli_error(&ctx->img, "%s", cli_errmsg(&ctx->img, r));
			ctx->status = CLI_EXIT_ERROR;
			continue;
		}
		if (cli_bitmap_test(&ctx->visited, ino))
			continue;
		r = fsimg_stat(&st, ctx->img.fs, ino);
		if (r < 0) {
			char num[24];
			snprintf(num, sizeof(num), "#%llu", (unsigned long long)ino);
			cli_file_error(&ctx->img, num, "%s", cli_errmsg(&ctx->img, r));
			ctx->status = CLI_EXIT_ERROR;
			continue;
		}
		show(ctx, NULL, 0, &st);
	}
	fsimg_inodes_close(it);
}

static void run_all(struct ext_ctx *ctx)
{
	fsimg_inum_t root_ino = ctx->img.info.root_ino;
	struct fsimg_stat root;
	int err;

	if (cli_bitmap_init(&ctx->visited, &ctx->img)) {
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	cli_bitmap_test_set(&ctx->visited, root_ino);
	if (cli_path_set(&ctx->path, "/", 1) < 0) {
		cli_error(&ctx->img, "out of memory");
		ctx->status = CLI_EXIT_ERROR;
		cli_bitmap_free(&ctx->visited);
		return;
	}
	err = fsimg_stat(&root, ctx->img.fs, root_ino);
	if (err < 0) {
		cli_file_error(&ctx->img, "/", "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	} else {
		show(ctx, "/", 1, &root);
		walk(ctx, root_ino, 0);
	}
	sweep(ctx);
	cli_bitmap_free(&ctx->visited);
}

int cmd_extents(int argc, char **argv)
{
	static struct cli_out out;   /* text rows and JSON records */
	struct cli_common common;
	struct ext_ctx ctx;
	int first, status, i;

	memset(&ctx, 0, sizeof(ctx));
	status = cli_parse(&common, &extents_cmd, argc, argv, ext_opt, &ctx, &first);
	if (status >= 0)
		return status;
	if (!ctx.all && first + 1 >= argc) {
		cli_usage_error(&extents_cmd, "give FILE arguments or --all");
		return CLI_EXIT_USAGE;
	}
	ctx.common = &common;
	ctx.first_text = true;
	cli_stdout_init();
	cli_out_init(&out, stdout);
	ctx.out = &out;
	status = cli_open(&ctx.img, &common, argv[first]);
	if (status)
		return status;
	jw_init_direct(&ctx.jw, &out);
	for (i = first + 1; i < argc && !cli_output_failed(); i++) {
		struct fsimg_stat st;

		if (cli_lookup(&ctx.img, argv[i], &st)) {
			ctx.status = CLI_EXIT_ERROR;
			continue;
		}
		if (common.json) {
			/* JSON carries a path from the root; "#N" names no path. */
			size_t saved;
			const char *a = argv[i];

			cli_path_pop(&ctx.path, 0);
			while (*a == '/')
				a++;
			if (argv[i][0] == '#') {
				show(&ctx, NULL, 0, &st);
			} else if (cli_path_push(&ctx.path, a, strlen(a), &saved) == 0) {
				show(&ctx, ctx.path.buf, ctx.path.len, &st);
			}
			cli_path_pop(&ctx.path, 0);
		} else {
			show(&ctx, argv[i], strlen(argv[i]), &st);
		}
	}
	if (ctx.all)
		run_all(&ctx);
	cli_out_flush(ctx.out);
	free(ctx.runs);
	cli_path_free(&ctx.path);
	return cli_close(&ctx.img, ctx.status);
}
