/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg extents: the runs the mapping iterator gives for files, one row per
 * on-disk extent, as text or JSON Lines; --all walks the whole filesystem.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_pipe.h"
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

/* A run with the backend's numbers for its first block (XFS: fsb, agno, agbno). */
struct ext_run {
	struct fsimg_run r;
	int nex;
	struct fsimg_block_extra ex[FSIMG_BLOCK_EXTRA_MAX];
};

/* One inode to show: what the walk found, what the writer formats. */
struct ext_item {
	const char *name;       /* NULL: by number only */
	size_t name_len;
	uint64_t ino, size;
	const struct ext_run *runs;
	size_t nruns;
};

/*
 * An item in the pipe (--all on more than one CPU): this header, nruns
 * struct ext_run, then the name's bytes. The walk makes them; the writer
 * thread formats them, and owns out, jw and first_text while the pipe runs.
 */
struct ext_rec {
	uint64_t ino, size;
	uint32_t nruns;
	uint32_t name_len;      /* UINT32_MAX: no name */
};

struct ext_ctx {
	struct cli_image img;
	const struct cli_common *common;
	bool all;
	int status;
	struct jw jw;
	/* Runs of the current file; reused from file to file. */
	struct ext_run *runs;
	size_t nruns, cap;
	struct cli_path path;
	struct cli_bitmap visited;
	bool first_text;
	struct cli_out *out;    /* stdout through a buffer of our own */
	struct cli_pipe pipe;   /* pipe.threaded: items go to the writer thread */
};

/* Before an error line: every item before it written, as without the pipe. */
static void sync_out(struct ext_ctx *ctx)
{
	cli_pipe_drain(&ctx->pipe);
}

static bool out_failed(struct ext_ctx *ctx)
{
	return ctx->pipe.threaded ? cli_pipe_failed(&ctx->pipe) : cli_output_failed();
}

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

/* The backend's own numbers for the run's first block (XFS: fsb, agno, agbno). */
static int run_extras(struct ext_ctx *ctx, const struct fsimg_run *r, struct fsimg_block_extra *ex)
{
	int n;

	if (!ctx->img.info.block_extras || r->type == FSIMG_RUN_HOLE || r->type == FSIMG_RUN_INLINE)
		return 0;
	n = fsimg_block_extras(ex, FSIMG_BLOCK_EXTRA_MAX, ctx->img.fs, r->pblk);
	return n < 0 ? 0 : n > FSIMG_BLOCK_EXTRA_MAX ? FSIMG_BLOCK_EXTRA_MAX : n;
}

/* Collects the runs of one fork of an inode; returns 0 or a library error. */
static int collect_fork(struct ext_ctx *ctx, fsimg_inum_t ino, enum fsimg_fork fork)
{
	fsimg_map *map;
	struct fsimg_run run;
	struct ext_run *er;
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
			struct ext_run *nr = realloc(ctx->runs, cap * sizeof(*nr));
			if (!nr) {
				err = FSIMG_ENOMEM;
				break;
			}
			ctx->runs = nr;
			ctx->cap = cap;
		}
		er = &ctx->runs[ctx->nruns++];
		er->r = run;
		er->nex = run_extras(ctx, &run, er->ex);
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

static void print_text(struct ext_ctx *ctx, const struct ext_item *it)
{
	struct cli_out *o = ctx->out;
	const char *name = it->name;
	size_t i, ndata = 0;

	for (i = 0; i < it->nruns; i++)
		if (it->runs[i].r.type != FSIMG_RUN_META)
			ndata++;
	if (!ctx->first_text)
		cli_out_put(o, "\n", 1);
	ctx->first_text = false;
	if (name) {
		cli_out_text(o, name, it->name_len);
	} else {
		cli_out_put(o, "#", 1);
		cli_out_u64(o, it->ino);
	}
	cli_out_str(o, ": inode ");
	cli_out_u64(o, it->ino);
	cli_out_str(o, ", size ");
	cli_out_u64(o, it->size);
	cli_out_str(o, ", ");
	cli_out_u64(o, ndata);
	cli_out_str(o, ndata == 1 ? " extent\n" : " extents\n");
	if (it->nruns == 0)
		return;
	cli_out_str(o, "      LOGICAL     PHYSICAL     LENGTH  STATE      EOF\n");
	for (i = 0; i < it->nruns; i++) {
		const struct ext_run *er = &it->runs[i];
		const struct fsimg_run *r = &er->r;
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
		for (int k = 0; k < er->nex; k++) {
			cli_out_str(o, "  ");
			cli_out_str(o, er->ex[k].name);
			cli_out_str(o, " ");
			cli_out_u64(o, er->ex[k].value);
		}
		cli_out_put(o, "\n", 1);
	}
}

static void print_json(struct ext_ctx *ctx, const struct ext_item *it)
{
	struct jw *w = &ctx->jw;
	bool is_inline = false;
	size_t i;

	for (i = 0; i < it->nruns; i++)
		if (it->runs[i].r.type == FSIMG_RUN_INLINE)
			is_inline = true;
	jw_obj_begin(w, NULL);
	jw_u64(w, "inode", it->ino);
	if (it->name)
		jw_strn(w, "path", it->name, it->name_len);
	jw_u64(w, "size", it->size);
	jw_bool(w, "inline", is_inline);
	jw_arr_begin(w, "extents");
	for (i = 0; i < it->nruns; i++) {
		const struct ext_run *er = &it->runs[i];
		const struct fsimg_run *r = &er->r;

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
		for (int k = 0; k < er->nex; k++)
			jw_u64(w, er->ex[k].name, er->ex[k].value);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (is_inline) {
		for (i = 0; i < it->nruns; i++)
			if (it->runs[i].r.type == FSIMG_RUN_INLINE)
				jw_u64(w, "inline_size", it->runs[i].r.len);
	}
	if (ctx->common->verbose) {
		jw_arr_begin(w, "tree");
		for (i = 0; i < it->nruns; i++) {
			const struct ext_run *er = &it->runs[i];
			const struct fsimg_run *r = &er->r;

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
			for (int k = 0; k < er->nex; k++)
				jw_u64(w, er->ex[k].name, er->ex[k].value);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_record_end(w);
}

static void print_item(struct ext_ctx *ctx, const struct ext_item *it)
{
	if (ctx->common->json) {
		print_json(ctx, it);
	} else {
		print_text(ctx, it);
		cli_out_record_end(ctx->out);
	}
}

/* The writer thread: the items of one batch, formatted in order. */
static void pipe_consume(void *vctx, const char *b, size_t len)
{
	struct ext_ctx *ctx = vctx;
	size_t off = 0;

	while (off < len) {
		const struct ext_rec *rec = (const void *)(b + off);
		struct ext_item it;
		size_t n = sizeof(*rec) + rec->nruns * sizeof(struct ext_run);

		it.ino = rec->ino;
		it.size = rec->size;
		it.runs = (const void *)(rec + 1);
		it.nruns = rec->nruns;
		it.name = rec->name_len == UINT32_MAX ? NULL : b + off + n;
		it.name_len = rec->name_len == UINT32_MAX ? 0 : rec->name_len;
		n += it.name_len;
		off += (n + 7) & ~(size_t)7;
		print_item(ctx, &it);
	}
}

/*
 * Hands the item to the writer thread. false: it is larger than a batch
 * (a file of thousands of extents); the caller writes it after a drain.
 */
static bool pipe_item(struct ext_ctx *ctx, const struct ext_item *it)
{
	size_t runs = it->nruns * sizeof(struct ext_run);
	size_t n = sizeof(struct ext_rec) + runs + it->name_len;
	struct ext_rec *rec;
	char *p;

	if (it->nruns > UINT32_MAX || it->name_len >= UINT32_MAX ||
	    !(rec = cli_pipe_reserve(&ctx->pipe, n))) {
		sync_out(ctx);
		return false;
	}
	rec->ino = it->ino;
	rec->size = it->size;
	rec->nruns = (uint32_t)it->nruns;
	rec->name_len = it->name ? (uint32_t)it->name_len : UINT32_MAX;
	p = (char *)(rec + 1);
	if (runs)
		memcpy(p, it->runs, runs);
	if (it->name && it->name_len)
		memcpy(p + runs, it->name, it->name_len);
	cli_pipe_commit(&ctx->pipe, n);
	return true;
}

/*
 * Does the inode have a data mapping worth listing in --all? A symlink
 * whose target is kept in the inode (ext4's fast symlinks) has none.
 */
static bool has_data(const struct ext_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].r.type == FSIMG_RUN_INLINE &&
		    (ctx->runs[i].r.flags & FSIMG_RUN_TARGET))
			return false;
	for (size_t i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].r.type != FSIMG_RUN_META)
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
	struct ext_item it;

	if (err < 0) {
		char num[24];

		sync_out(ctx);
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
	it.name = name;
	it.name_len = name_len;
	it.ino = st->ino;
	it.size = st->size;
	it.runs = ctx->runs;
	it.nruns = ctx->nruns;
	if (ctx->pipe.threaded && pipe_item(ctx, &it))
		return;
	print_item(ctx, &it);
}

static void walk(struct ext_ctx *ctx, fsimg_inum_t dir_ino, size_t depth)
{
	struct fsimg_entry ent;
	struct fsimg_stat st;
	fsimg_readdir *d;
	size_t saved;
	int err;

	if (cli_too_deep(&ctx->img, &ctx->pipe, ctx->path.buf, depth)) {
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	err = fsimg_readdir_open(&d, ctx->img.fs, dir_ino);
	if (err < 0) {
		sync_out(ctx);
		cli_file_error(&ctx->img, ctx->path.buf, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while (!out_failed(ctx) && (err = fsimg_readdir_next(d, &ent)) > 0) {
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
			sync_out(ctx);
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
		sync_out(ctx);
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
		sync_out(ctx);
		cli_error(&ctx->img, "%s", cli_errmsg(&ctx->img, r));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while (!out_failed(ctx) && (r = fsimg_inodes_next(it, &ino)) != 0) {
		if (r < 0) {
			/* A part of the inode space could not be read; the rest can. */
			sync_out(ctx);
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
			sync_out(ctx);
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
	/*
	 * The walk on this thread, the output formatted on another: on two CPUs
	 * the dump takes the longer of the two, not their sum. A terminal is
	 * written record by record, as it comes, on this thread; so is -v's
	 * output, whose warnings the library sends to stderr as it reads.
	 */
	if (!ctx->out->tty && !ctx->common->verbose)
		cli_pipe_start(&ctx->pipe, pipe_consume, ctx);
	err = fsimg_stat(&root, ctx->img.fs, root_ino);
	if (err < 0) {
		cli_file_error(&ctx->img, "/", "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	} else {
		show(ctx, "/", 1, &root);
		walk(ctx, root_ino, 0);
	}
	sweep(ctx);
	cli_pipe_stop(&ctx->pipe);
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
