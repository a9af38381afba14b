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
	"extents", "[-v] [--json] [--all] IMAGE [FILE...]",
	"Show the extent map of each FILE (or of every inode with --all).\n"
	"-v adds the mapping tree's own blocks (index/leaf, ind/dind/tind).",
	extents_opts, CLI_WANT_JSON, 1, -1,
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

/* Collects the runs of one inode; returns 0 or a library error. */
static int collect(struct ext_ctx *ctx, const struct fsimg_inode *inode)
{
	fsimg_map *map;
	struct fsimg_run run;
	int err;

	ctx->nruns = 0;
	err = fsimg_map_open(&map, ctx->img.fs, inode, ctx->common->verbose ? FSIMG_MAP_TREE : 0);
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

static const char *meta_name(const struct fsimg_inode *inode, const struct fsimg_run *r)
{
	static const char *const bm[] = { "ind", "ind", "dind", "tind" };

	if (inode->flags & FSIMG_INODE_EXTENTS_FL)
		return r->level == 0 ? "leaf" : "index";
	return r->level >= 1 && r->level <= 3 ? bm[r->level] : "ind";
}

static const char *csum_word(enum fsimg_csum_state s)
{
	return s == FSIMG_CSUM_OK ? "ok" : s == FSIMG_CSUM_BAD ? "bad" : "-";
}

/* Right-aligned number in a field of width w. */
static void put_num(FILE *f, uint64_t v, int w)
{
	char b[24];
	int i = sizeof(b), n;

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (n = (int)sizeof(b) - i; n < w; n++)
		putc_unlocked(' ', f);
	fwrite_unlocked(b + i, 1, sizeof(b) - (size_t)i, f);
}

static void print_text(struct ext_ctx *ctx, const char *name, size_t name_len,
		       const struct fsimg_inode *inode)
{
	FILE *f = stdout;
	size_t i, ndata = 0;

	for (i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type != FSIMG_RUN_META)
			ndata++;
	if (!ctx->first_text)
		putc_unlocked('\n', f);
	ctx->first_text = false;
	if (name) {
		cli_put_text(f, name, name_len);
	} else {
		putc_unlocked('#', f);
		cli_put_u64(f, inode->ino);
	}
	fputs_unlocked(": inode ", f);
	cli_put_u64(f, inode->ino);
	fputs_unlocked(", size ", f);
	cli_put_u64(f, inode->size);
	fputs_unlocked(", ", f);
	cli_put_u64(f, ndata);
	fputs_unlocked(ndata == 1 ? " extent\n" : " extents\n", f);
	if (ctx->nruns == 0)
		return;
	fputs_unlocked("      LOGICAL     PHYSICAL     LENGTH  STATE      EOF\n", f);
	for (i = 0; i < ctx->nruns; i++) {
		const struct fsimg_run *r = &ctx->runs[i];
		const char *state;
		bool eof = r->flags & FSIMG_RUN_BEYOND_EOF;

		put_num(f, r->lblk, 13);
		if (r->type == FSIMG_RUN_INLINE)
			fputs_unlocked("            -", f);
		else
			put_num(f, r->pblk, 13);
		put_num(f, r->type == FSIMG_RUN_META ? 1 : r->len, 11);
		switch (r->type) {
		case FSIMG_RUN_MAPPED: state = "written"; break;
		case FSIMG_RUN_UNWRITTEN: state = "unwritten"; break;
		case FSIMG_RUN_INLINE: state = "inline"; break;
		case FSIMG_RUN_META: state = meta_name(inode, r); break;
		default: state = "hole"; break;
		}
		fputs_unlocked("  ", f);
		if (r->type == FSIMG_RUN_META) {
			fprintf(f, "%-9s  %-6s  level %d", state, "", r->level);
			if (inode->flags & FSIMG_INODE_EXTENTS_FL)
				fprintf(f, ", entries %u/%u", r->entries, r->max);
			fprintf(f, ", csum %s\n", csum_word(r->csum_state));
		} else if (eof) {
			fprintf(f, "%-9s  beyond\n", state);
		} else {
			fputs_unlocked(state, f);
			putc_unlocked('\n', f);
		}
	}
}

static void print_json(struct ext_ctx *ctx, const char *path, size_t path_len,
		       const struct fsimg_inode *inode)
{
	struct jw *w = &ctx->jw;
	bool is_inline = false;
	size_t i;

	for (i = 0; i < ctx->nruns; i++)
		if (ctx->runs[i].type == FSIMG_RUN_INLINE)
			is_inline = true;
	jw_obj_begin(w, NULL);
	jw_u64(w, "inode", inode->ino);
	if (path)
		jw_strn(w, "path", path, path_len);
	jw_u64(w, "size", inode->size);
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
			jw_str(w, "kind", meta_name(inode, r));
			jw_i64(w, "level", r->level);
			jw_u64(w, "block", r->pblk);
			jw_u64(w, "logical", r->lblk);
			if (inode->flags & FSIMG_INODE_EXTENTS_FL) {
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
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_record_end(w);
}

/*
 * Does the inode have a data mapping worth listing in --all? A fast
 * symlink keeps its target in i_block: no blocks, no inline data.
 */
static bool has_data(const struct ext_ctx *ctx, const struct fsimg_inode *inode)
{
	if ((inode->mode & 0170000) == 0120000 && !(inode->flags & FSIMG_INODE_INLINE_DATA_FL))
		for (size_t i = 0; i < ctx->nruns; i++)
			if (ctx->runs[i].type == FSIMG_RUN_INLINE)
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
		 const struct fsimg_inode *inode)
{
	int err = collect(ctx, inode);

	if (err < 0) {
		char num[16];

		if (!name) {
			snprintf(num, sizeof(num), "#%u", inode->ino);
			name = num;
		}
		cli_file_error(&ctx->img, name, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	if (ctx->all && !has_data(ctx, inode))
		return;
	if (ctx->common->json)
		print_json(ctx, name, name_len, inode);
	else
		print_text(ctx, name, name_len, inode);
}

static void walk(struct ext_ctx *ctx, fsimg_ino_t dir_ino, int depth)
{
	struct fsimg_dirent ent;
	struct fsimg_inode inode;
	fsimg_dir *d;
	size_t saved;
	int err;

	if (depth >= CLI_MAX_DEPTH) {
		cli_file_error(&ctx->img, ctx->path.buf, "directories nested too deep (limit %d)",
			       CLI_MAX_DEPTH);
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	err = fsimg_dir_open(&d, ctx->img.fs, dir_ino);
	if (err < 0) {
		cli_file_error(&ctx->img, ctx->path.buf, "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	while (!cli_output_failed() && (err = fsimg_dir_next(d, &ent)) > 0) {
		if ((ent.name_len == 1 && ent.name[0] == '.') ||
		    (ent.name_len == 2 && ent.name[0] == '.' && ent.name[1] == '.'))
			continue;
		if (cli_bitmap_test_set(&ctx->visited, ent.ino))
			continue;
		if (cli_path_push(&ctx->path, ent.name, ent.name_len, &saved) < 0) {
			err = FSIMG_ENOMEM;
			break;
		}
		err = fsimg_inode_read(&inode, ctx->img.fs, ent.ino);
		if (err < 0) {
			cli_file_error(&ctx->img, ctx->path.buf, "inode %u: %s", ent.ino,
				       cli_errmsg(&ctx->img, err));
			ctx->status = CLI_EXIT_ERROR;
		} else {
			show(ctx, ctx->path.buf, ctx->path.len, &inode);
			if ((inode.mode & 0170000) == 0040000)
				walk(ctx, ent.ino, depth + 1);
		}
		cli_path_pop(&ctx->path, saved);
	}
	if (err < 0) {
		cli_file_error(&ctx->img, ctx->path.buf, "%s",
			       cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	}
	fsimg_dir_close(d);
}

static bool group_csum(const struct cli_image *img)
{
	return fsimg_fs_has_feature(img->fs, "metadata_csum") == 1 ||
	       fsimg_fs_has_feature(img->fs, "uninit_bg") == 1;
}

/* Every in-use inode the tree walk did not reach, in inode order. */
static void sweep(struct ext_ctx *ctx)
{
	const struct fsimg_super *sb = ctx->img.sb;
	bool csum = group_csum(&ctx->img);
	struct fsimg_inode inode;

	for (fsimg_group_t g = 0; g < sb->group_count && !cli_output_failed(); g++) {
		struct fsimg_group gd;
		uint64_t first = (uint64_t)g * sb->inodes_per_group + 1;
		uint64_t last = first + sb->inodes_per_group - 1;
		int err;

		if (first > sb->inodes_count)
			break;
		if (last > sb->inodes_count)
			last = sb->inodes_count;
		err = fsimg_ext4_group_get(&gd, ctx->img.fs, g);
		if (err < 0) {
			cli_error(&ctx->img, "group %u: %s", g, cli_errmsg(&ctx->img, err));
			ctx->status = CLI_EXIT_ERROR;
			continue;
		}
		/* With group checksums, uninitialised inode tables hold nothing in use. */
		if (csum && (gd.flags & FSIMG_BG_INODE_UNINIT))
			continue;
		if (csum && gd.itable_unused < sb->inodes_per_group &&
		    last > first + (sb->inodes_per_group - gd.itable_unused) - 1)
			last = first + (sb->inodes_per_group - gd.itable_unused) - 1;
		for (uint64_t ino = first; ino <= last; ino++) {
			if (cli_bitmap_test(&ctx->visited, (fsimg_ino_t)ino))
				continue;
			if (fsimg_inode_in_use(ctx->img.fs, (fsimg_ino_t)ino) != 1)
				continue;
			err = fsimg_inode_read(&inode, ctx->img.fs, (fsimg_ino_t)ino);
			if (err < 0) {
				char num[16];
				snprintf(num, sizeof(num), "#%llu", (unsigned long long)ino);
				cli_file_error(&ctx->img, num, "%s", cli_errmsg(&ctx->img, err));
				ctx->status = CLI_EXIT_ERROR;
				continue;
			}
			show(ctx, NULL, 0, &inode);
		}
	}
}

static void run_all(struct ext_ctx *ctx)
{
	struct fsimg_inode root;
	int err;

	if (cli_bitmap_init(&ctx->visited, &ctx->img)) {
		ctx->status = CLI_EXIT_ERROR;
		return;
	}
	cli_bitmap_test_set(&ctx->visited, FSIMG_ROOT_INO);
	if (cli_path_set(&ctx->path, "/", 1) < 0) {
		cli_error(&ctx->img, "out of memory");
		ctx->status = CLI_EXIT_ERROR;
		cli_bitmap_free(&ctx->visited);
		return;
	}
	err = fsimg_inode_read(&root, ctx->img.fs, FSIMG_ROOT_INO);
	if (err < 0) {
		cli_file_error(&ctx->img, "/", "%s", cli_errmsg(&ctx->img, err));
		ctx->status = CLI_EXIT_ERROR;
	} else {
		show(ctx, "/", 1, &root);
		walk(ctx, FSIMG_ROOT_INO, 0);
	}
	sweep(ctx);
	cli_bitmap_free(&ctx->visited);
}

int cmd_extents(int argc, char **argv)
{
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
	status = cli_open(&ctx.img, &common, argv[first]);
	if (status)
		return status;
	jw_init(&ctx.jw, stdout);
	for (i = first + 1; i < argc && !cli_output_failed(); i++) {
		struct fsimg_inode inode;

		if (cli_lookup(&ctx.img, argv[i], &inode)) {
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
				show(&ctx, NULL, 0, &inode);
			} else if (cli_path_push(&ctx.path, a, strlen(a), &saved) == 0) {
				show(&ctx, ctx.path.buf, ctx.path.len, &inode);
			}
			cli_path_pop(&ctx.path, 0);
		} else {
			show(&ctx, argv[i], strlen(argv[i]), &inode);
		}
	}
	if (ctx.all)
		run_all(&ctx);
	free(ctx.runs);
	cli_path_free(&ctx.path);
	return cli_close(&ctx.img, ctx.status);
}
