/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the bash completion (completion/fsimg) asks fsimg itself: each
 * command's options, from the table --help prints, and the names inside an
 * image. Hidden: "fsimg __complete ..." is for the completion script only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

/* ------------------------------------------------------------ options */

/*
 * The positional words of a synopsis, in order: "[-l] [--json] IMAGE [FILE]"
 * gives IMAGE and FILE; option groups ("[-C FD]", "(-o OUT | -n)") are skipped.
 */
static void print_positionals(const char *syn)
{
	const char *p = syn;

	while (*p) {
		const char *start;
		int depth;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '(' || (*p == '[' && p[1] == '-')) {
			/* an option group, possibly nested: skip to its close */
			for (depth = 0; *p; p++) {
				if (*p == '(' || *p == '[')
					depth++;
				else if ((*p == ')' || *p == ']') && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		if (*p == '[')
			p++;
		start = p;
		while (*p && *p != ' ' && *p != ']')
			p++;
		if (p > start)
			printf("=%.*s\n", (int)(p - start), start);
		while (*p == ']')
			p++;
	}
}

int cli_complete_options(const struct cli_cmd *cmd)
{
	const struct cli_opt *o[CLI_MAX_OPTS];
	size_t i, n = cli_opts(cmd, o, CLI_MAX_OPTS);

	for (i = 0; i < n; i++) {
		const char *arg = o[i]->arg_name;

		if (o[i]->id < CLI_OPT_LONG)
			printf("-%c%s%s\n", o[i]->id, arg ? "\t" : "", arg ? arg : "");
		if (o[i]->long_name)
			printf("--%s%s%s\n", o[i]->long_name, arg ? "\t" : "", arg ? arg : "");
	}
	print_positionals(cmd->synopsis);
	return fflush(stdout) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* --------------------------------------------------------------- paths */

static const struct cli_cmd path_cmd = {
	"__complete path", "[-j EXTERNAL_JOURNAL] [--no-replay] IMAGE PREFIX",
	"List the names inside IMAGE that complete PREFIX (for the shell completion).",
	NULL, 0, 2, 2,
};

/* Names that would not survive a line of output or a shell word list. */
static bool printable_name(const struct fsimg_entry *d)
{
	for (size_t i = 0; i < d->name_len; i++)
		if ((unsigned char)d->name[i] < 0x20)
			return false;
	return true;
}

/*
 * "fsimg __complete path IMAGE /d": the entries of IMAGE's root starting
 * with "d", one per line, as "/dir/" for directories and "/dev" otherwise.
 * A directory part that does not resolve lists nothing. Read-only, like
 * every command but replay and undo.
 */
int cli_complete_path(int argc, char **argv)
{
	struct cli_common common;
	struct cli_image img;
	struct fsimg_stat st;
	struct fsimg_entry d;
	const char *prefix, *base, *slash;
	fsimg_inum_t ino;
	fsimg_readdir *dir;
	char *dirpath;
	size_t dlen, blen;
	int first, status, err;

	status = cli_parse(&common, &path_cmd, argc, argv, NULL, NULL, &first);
	if (status >= 0)
		return status;
	prefix = argv[first + 1];
	if (!prefix[0])
		prefix = "/";            /* FILE is written from the root */
	if (prefix[0] == '#')
		return CLI_EXIT_OK;      /* "#N" names an inode: nothing to list */
	slash = strrchr(prefix, '/');
	base = slash ? slash + 1 : prefix;
	blen = strlen(base);
	dlen = slash ? (size_t)(slash - prefix) + 1 : 0;
	dirpath = malloc(dlen + 2);
	if (!dirpath)
		return CLI_EXIT_ERROR;
	if (dlen)
		memcpy(dirpath, prefix, dlen);
	else
		dirpath[dlen++] = '/';   /* "d" is looked up from the root, as "a/b" is */
	dirpath[dlen] = '\0';

	status = cli_open(&img, &common, argv[first]);
	if (status) {
		free(dirpath);
		return status;
	}
	err = fsimg_lookup(&ino, img.fs, dirpath);
	if (err == 0)
		err = fsimg_stat(&st, img.fs, ino);
	if (err == 0 && st.type == FSIMG_FT_DIR && fsimg_readdir_open(&dir, img.fs, ino) == 0) {
		while (fsimg_readdir_next(dir, &d) > 0 && !cli_output_failed()) {
			bool is_dir;

			if (d.name_len < blen || memcmp(d.name, base, blen) != 0 || !printable_name(&d))
				continue;
			if (!strcmp(d.name, ".") || !strcmp(d.name, ".."))
				continue;
			is_dir = d.type == FSIMG_FT_DIR;
			if (d.type == FSIMG_FT_UNKNOWN && fsimg_stat(&st, img.fs, d.ino) == 0)
				is_dir = st.type == FSIMG_FT_DIR;
			/* what the user typed before the name, then the name */
			fwrite(prefix, 1, (size_t)(base - prefix), stdout);
			fwrite(d.name, 1, d.name_len, stdout);
			fputs(is_dir ? "/\n" : "\n", stdout);
		}
		fsimg_readdir_close(dir);
	}
	free(dirpath);
	/* a completion never warns: the shell shows nothing of stderr anyway */
	return cli_close(&img, CLI_EXIT_OK);
}
