/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared command-line machinery (cli.h): options and --help from one table,
 * and the one-line errors. Opening an image is in cli_image.c, the small
 * shared tools in cli_util.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsimg/image.h"
#include "testhooks.h"

/* ------------------------------------------------------------- options */

enum {
	OPT_JSON = CLI_OPT_LONG + 0x1000,
	OPT_NO_REPLAY,
	OPT_PARTITION,
};

static const struct cli_opt common_opts[] = {
	{ 'h', "help", NULL, "show this help and exit" },
	{ 'v', "verbose", NULL, "more detail; list every checksum warning" },
	{ OPT_JSON, "json", NULL, "JSON output" },
	{ 'j', "journal", "EXTERNAL_JOURNAL", "the external journal device (or file) of IMAGE" },
	{ OPT_NO_REPLAY, "no-replay", NULL, "show the on-disk state, not the journal replayed in memory" },
	{ OPT_PARTITION, "partition", "N", "read partition N of a disk image (as IMAGE@N)" },
	{ 'b', NULL, "SUPERBLOCK", "read through the superblock copy at this block (on-disk state)" },
	{ 'B', NULL, "BLOCKSIZE", "the block size of -b, or of the backups searched for a bad primary" },
	{ 0, NULL, NULL, NULL },
};

static bool common_wanted(const struct cli_cmd *cmd, const struct cli_opt *o)
{
	if (o->id == OPT_JSON)
		return cmd->want & CLI_WANT_JSON;
	if (o->id == 'j')
		return !(cmd->want & CLI_NO_JOURNAL_OPTS);
	if (o->id == OPT_NO_REPLAY)
		return !(cmd->want & (CLI_RAW | CLI_NO_JOURNAL_OPTS));
	if (o->id == OPT_PARTITION)
		return !(cmd->want & CLI_NO_JOURNAL_OPTS);
	if (o->id == 'b' || o->id == 'B')
		return cmd->want & CLI_WANT_SB;
	return true;
}

static size_t opts_count(const struct cli_opt *o)
{
	size_t n = 0;

	while (o && o[n].id)
		n++;
	return n;
}

static void print_opt(FILE *f, const struct cli_opt *o)
{
	char left[64];
	int n = 0;

	if (o->id < CLI_OPT_LONG)
		n = snprintf(left, sizeof(left), "-%c%s", o->id, o->long_name ? ", " : "");
	else
		n = snprintf(left, sizeof(left), "    ");
	if (o->long_name && n >= 0 && (size_t)n < sizeof(left))
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->long_name,
			 o->arg_name ? "=" : "", o->arg_name ? o->arg_name : "");
	else if (o->arg_name && n >= 0 && (size_t)n < sizeof(left))
		snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg_name);
	fprintf(f, "  %-22s %s\n", left, o->help);
}

size_t cli_opts(const struct cli_cmd *cmd, const struct cli_opt **out, size_t max)
{
	const struct cli_opt *o;
	size_t n = 0;

	for (o = cmd->opts; o && o->id; o++)
		if (n < max)
			out[n++] = o;
	for (o = common_opts; o->id; o++)
		if (common_wanted(cmd, o) && n < max)
			out[n++] = o;
	return n;
}

static void print_help(const struct cli_cmd *cmd)
{
	const struct cli_opt *o[CLI_MAX_OPTS];
	size_t i, n = cli_opts(cmd, o, CLI_MAX_OPTS);

	printf("Usage: fsimg %s %s\n%s\n\nOptions:\n", cmd->name, cmd->synopsis, cmd->summary);
	for (i = 0; i < n; i++)
		print_opt(stdout, o[i]);
	putchar('\n');
	/* FILE the positional argument (replay's --undo FILE is not one) */
	if (strstr(cmd->synopsis, "IMAGE FILE") || strstr(cmd->synopsis, "IMAGE [FILE"))
		printf("FILE is a path from the root (\"/a/b\") or \"#N\" for inode N.\n");
	if (cmd->want & CLI_FSCK_EXIT)
		printf("Exit status (as fsck(8)): 0 no errors found, 4 errors found (left uncorrected),\n"
		       "8 operational error, 16 usage error.\n");
	else if (cmd->want & CLI_REFUSED_EXIT)
		printf("Exit status (as fsck(8)): 0 success, 4 refused (left undone, nothing written),\n"
		       "8 operational error, 16 usage error.\n");
	else
		printf("Exit status: 0 success, 8 operational error, 16 usage error.\n");
}

int cli_take_logdev(struct cli_common *c, const struct cli_cmd *cmd, const char *logdev)
{
	if (!logdev)
		return 0;
	if (c->journal && strcmp(c->journal, logdev)) {
		cli_usage_error(cmd, "-j and -l name the same external log: give one");
		return CLI_EXIT_USAGE;
	}
	c->journal = logdev;
	return 0;
}

void cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fsimg %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: fsimg %s %s\nTry 'fsimg %s --help' for more information.\n",
		cmd->name, cmd->synopsis, cmd->name);
}

static int add_opt(struct option *lo, size_t *nlo, char *so, size_t *nso,
		   const struct cli_opt *o)
{
	if (o->id < CLI_OPT_LONG) {
		so[(*nso)++] = (char)o->id;
		if (o->arg_name)
			so[(*nso)++] = ':';
	}
	if (o->long_name) {
		lo[*nlo].name = o->long_name;
		lo[*nlo].has_arg = o->arg_name ? required_argument : no_argument;
		lo[*nlo].flag = NULL;
		lo[*nlo].val = o->id;
		(*nlo)++;
	}
	return 0;
}

int cli_parse(struct cli_common *c, const struct cli_cmd *cmd, int argc, char **argv,
	      cli_opt_fn fn, void *ctx, int *first)
{
	size_t n = opts_count(cmd->opts) + opts_count(common_opts);
	struct option *lo = calloc(n + 1, sizeof(*lo));
	char *so = calloc(2 * n + 3, 1);
	const struct cli_opt *o;
	size_t nlo = 0, nso = 0;
	int opt, status = -1, npos;

	memset(c, 0, sizeof(*c));
	if (argc == 2 && !strcmp(argv[1], CLI_COMPLETE_OPTIONS)) {
		free(lo);
		free(so);
		return cli_complete_options(cmd);
	}
	if (!lo || !so) {
		free(lo);
		free(so);
		fprintf(stderr, "fsimg: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	/* '+': stop at the first non-option, as POSIX asks; ':' for our own messages. */
	if (!(cmd->want & CLI_PERMUTE))
		so[nso++] = '+';
	so[nso++] = ':';
	for (o = cmd->opts; o && o->id; o++)
		add_opt(lo, &nlo, so, &nso, o);
	for (o = common_opts; o->id; o++)
		if (common_wanted(cmd, o))
			add_opt(lo, &nlo, so, &nso, o);

	optind = 1;
	opterr = 0;
	while (status < 0 && (opt = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (opt) {
		case 'h':
			print_help(cmd);
			status = CLI_EXIT_OK;
			break;
		case 'v':
			c->verbose++;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case 'j':
			c->journal = optarg;
			break;
		case OPT_NO_REPLAY:
			c->no_replay = true;
			break;
		case OPT_PARTITION: {
			char *end;
			unsigned long pn = strtoul(optarg, &end, 10);

			if (!optarg[0] || *end || pn == 0 || pn > 4096) {
				cli_usage_error(cmd, "--partition takes a partition number from 1");
				status = CLI_EXIT_USAGE;
			}
			c->partition = (unsigned)pn;
			break;
		}
		case 'b':
		case 'B': {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v == 0 || optarg[0] == '-' ||
			    (opt == 'B' && (v < 1024 || v > 65536 || (v & (v - 1))))) {
				cli_usage_error(cmd, opt == 'b' ? "-b: not a block number: %s"
								: "-B: not a block size (1024 to 65536, a power of two): %s",
						optarg);
				status = CLI_EXIT_USAGE;
			} else if (opt == 'b') {
				c->superblock = v;
			} else {
				c->blocksize = (uint32_t)v;
			}
			break;
		}
		case ':':
			cli_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
			status = CLI_EXIT_USAGE;
			break;
		case '?':
			if (optopt && optopt < CLI_OPT_LONG)
				cli_usage_error(cmd, "unknown option '-%c'", optopt);
			else
				cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			status = CLI_EXIT_USAGE;
			break;
		default: {
			int r = fn ? fn(ctx, opt, optarg) : CLI_EXIT_USAGE;
			if (r)
				status = r;
			break;
		}
		}
	}
	free(lo);
	free(so);
	if (cmd->want & CLI_RAW)
		c->no_replay = true;
	if (status >= 0)
		return status;
	npos = argc - optind;
	if (npos < cmd->min_args) {
		cli_usage_error(cmd, npos == 0 ? "missing IMAGE" : "missing argument");
		return CLI_EXIT_USAGE;
	}
	if (cmd->max_args >= 0 && npos > cmd->max_args) {
		cli_usage_error(cmd, "too many arguments");
		return CLI_EXIT_USAGE;
	}
	*first = optind;
	return -1;
}

/* --------------------------------------------------------------- errors */

static void put_err_text(const char *s)
{
	cli_put_text(stderr, s, strlen(s));
}

void cli_vsay(const char *path, const char *file, const char *fmt, va_list ap)
{
	fputs("fsimg: ", stderr);
	put_err_text(path);
	fputs(": ", stderr);
	if (file) {
		put_err_text(file);
		fputs(": ", stderr);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const struct cli_image *img, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vsay(img->path, NULL, fmt, ap);
	va_end(ap);
}

void cli_file_error(const struct cli_image *img, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vsay(img->path, file, fmt, ap);
	va_end(ap);
}

const char *cli_errmsg(const struct cli_image *img, int err)
{
	const char *m = img && img->fs ? fsimg_fs_errmsg(img->fs) : "";

	/* The handle keeps its last message; only trust it for errors that set one. */
	if (m[0] && err != FSIMG_ENOENT && err != FSIMG_ENOTDIR && err != FSIMG_ENOMEM)
		return m;
	return fsimg_strerror(err);
}
