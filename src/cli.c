/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared command-line machinery: see cli.h.
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
	printf("\nFILE is a path from the root (\"/a/b\") or \"#N\" for inode N.\n"
	       "Exit status: 0 success, 8 operational error, 16 usage error.\n");
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

void cli_error(const struct cli_image *img, const char *fmt, ...)
{
	va_list ap;

	fputs("fsimg: ", stderr);
	put_err_text(img->path);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_file_error(const struct cli_image *img, const char *file, const char *fmt, ...)
{
	va_list ap;

	fputs("fsimg: ", stderr);
	put_err_text(img->path);
	fputs(": ", stderr);
	put_err_text(file);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_errmsg(const struct cli_image *img, int err)
{
	const char *m = img && img->fs ? fsimg_fs_errmsg(img->fs) : "";

	/* The handle keeps its last message; only trust it for errors that set one. */
	if (m[0] && err != FSIMG_ENOENT && err != FSIMG_ENOTDIR && err != FSIMG_ENOMEM)
		return m;
	return fsimg_strerror(err);
}

/* ---------------------------------------------------------- the image */

static void notice_cb(void *ctx, int err, const char *msg)
{
	struct cli_image *img = ctx;

	if (err != FSIMG_ECSUM)
		img->other_notices++;
	if (img->common->verbose) {
		fputs("fsimg: warning: ", stderr);
		put_err_text(msg);
		fputc('\n', stderr);
	}
}

const char *cli_strerror(int errnum)
{
	switch (errnum) {
	case ENOENT: return "no such file or directory";
	case EACCES: return "permission denied";
	case EISDIR: return "is a directory";
	case ENOTDIR: return "not a directory";
	case ENOMEM: return "out of memory";
	case EIO: return "input/output error";
	case ENOSPC: return "no space left on device";
	default: return strerror(errnum);
	}
}

/* io_open_file says little about why; ask the system for the errno text. */
static void explain_open_failure(struct cli_image *img, int err)
{
	struct stat st;

	if (stat(img->path, &st) < 0) {
		cli_error(img, "%s", cli_strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_error(img, "is a directory");
		return;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		cli_error(img, "not a regular file or block device");
		return;
	}
	{
		int fd = open(img->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			cli_error(img, "%s", cli_strerror(errno));
			return;
		}
		close(fd);
	}
	cli_error(img, "%s", fsimg_strerror(err));
}

static void close_all(struct cli_image *img)
{
	fsimg_fs_close(img->fs);
	fsimg_recovery_free(img->replay);
	fsimg_io_close(img->journal_io);
	fsimg_io_close(img->io);
	img->fs = NULL;
	img->replay = NULL;
	img->journal_io = NULL;
	img->io = NULL;
}

/* The one line that says the image is seen as after recovery. */
static void say_replayed(struct cli_image *img)
{
	const struct fsimg_recovery_stats *st = &img->replay_stats;

	if (st->log_error) {
		cli_error(img, "warning: the %s is corrupt (%s); nothing replayed, as the kernel would",
			  st->log, fsimg_strerror(st->log_error));
		return;
	}
	cli_error(img, "%s replayed in memory: %llu transaction%s, %llu block%s, %llu revoked", st->log,
		  (unsigned long long)st->transactions, st->transactions == 1 ? "" : "s",
		  (unsigned long long)st->blocks, st->blocks == 1 ? "" : "s",
		  (unsigned long long)st->revoked);
	if (st->csum_skipped)
		cli_error(img, "warning: %llu logged block%s skipped for a bad data checksum",
			  (unsigned long long)st->csum_skipped, st->csum_skipped == 1 ? "" : "s");
	if (st->extra_replayed)
		cli_error(img, "%s replayed in memory: %llu (%llu block%s written)", st->extra,
			  (unsigned long long)st->extra_replayed, (unsigned long long)st->extra_made,
			  st->extra_made == 1 ? "" : "s");
	else if (st->unreplayed)
		cli_error(img, "%s holds %llu block%s that fsimg does not replay: %s",
			  st->unreplayed_where ? st->unreplayed_where : "the log",
			  (unsigned long long)st->unreplayed, st->unreplayed == 1 ? "" : "s",
			  st->unreplayed_why ? st->unreplayed_why : "unknown");
}

int cli_open(struct cli_image *img, const struct cli_common *c, const char *path)
{
	return cli_open_cache(img, c, path, CLI_CACHE_CHUNKS);
}

int cli_open_cache(struct cli_image *img, const struct cli_common *c, const char *path,
		   unsigned nchunks)
{
	char why[256] = "";
	uint64_t need, have;
	fsimg_io *raw;
	int err;

	memset(img, 0, sizeof(*img));
	img->path = path;
	img->common = c;
	/*
	 * CLI_CACHE_CHUNKS chunks of 16 KiB (16 MiB): whole-filesystem walks
	 * read inodes and directory blocks one at a time; the cache makes that
	 * a few thousand reads instead of one per record.
	 */
	err = cli_open_source(&raw, &img->bare, img);
	if (err)
		return err;
	/* fsimg-hooks only: the image at an offset inside a bigger file. */
	err = hook_wrap_image(&raw);
	if (err < 0) {
		fsimg_io_close(raw);
		cli_error(img, "%s", fsimg_strerror(err));
		return CLI_EXIT_ERROR;
	}
	if (nchunks == 0) {
		img->io = raw;
	} else {
		err = fsimg_io_open_cache(&img->io, raw, CLI_CACHE_CHUNK, nchunks);
		if (err < 0) {
			fsimg_io_close(raw);
			cli_error(img, "%s", fsimg_strerror(err));
			return CLI_EXIT_ERROR;
		}
	}
	if (c->journal) {
		err = fsimg_io_open_file(&img->journal_io, c->journal);
		if (err < 0) {
			struct cli_image jimg = *img;
			jimg.path = c->journal;
			explain_open_failure(&jimg, err);
			close_all(img);
			return CLI_EXIT_ERROR;
		}
	}
	if (c->superblock || c->blocksize) {
		/* A chosen copy (e2fsck -b): read as stored; backups carry no needs_recovery. */
		err = fsimg_fs_open_sb(&img->fs, img->io, 0, c->superblock, c->blocksize, why,
				       sizeof(why));
	} else {
		err = fsimg_fs_open_recovered(&img->fs, &img->replay, img->io, img->journal_io,
					      c->no_replay ? FSIMG_OPEN_NO_REPLAY : 0, why, sizeof(why));
	}
	if (err < 0 && !c->no_replay && !c->superblock && !c->blocksize) {
		/*
		 * The filesystem may be readable even when its journal cannot be
		 * replayed (external journal not given, corrupt journal
		 * superblock): show the on-disk state and say why, as a user
		 * inspecting a damaged image wants more than an error.
		 */
		char raw_why[sizeof(why)] = "";
		int raw_err = fsimg_fs_open_recovered(&img->fs, &img->replay, img->io, img->journal_io,
						      FSIMG_OPEN_NO_REPLAY, raw_why, sizeof(raw_why));
		if (raw_err == 0) {
			if (strstr(why, "no internal journal") && !c->journal)
				cli_error(img, "warning: the image needs recovery and its journal is on an "
					  "external device (give it with -j); showing the on-disk state");
			else
				cli_error(img, "warning: the journal cannot be replayed (%s); showing the "
					  "on-disk state", why[0] ? why : fsimg_strerror(err));
			img->replay_failed = true;
			err = 0;
		}
	}
	if (err < 0) {
		if (fsimg_image_error(img->io))
			cli_error(img, "%s", fsimg_image_error(img->io));
		else if (err != FSIMG_ENOFS || !cli_explain_disk(img, img->io))
			cli_error(img, "%s", why[0] ? why : fsimg_strerror(err));
		close_all(img);
		return CLI_EXIT_ERROR;
	}
	err = fsimg_fs_info(&img->info, img->fs);
	if (err < 0) {
		cli_error(img, "%s", cli_errmsg(img, err));
		close_all(img);
		return CLI_EXIT_ERROR;
	}
	fsimg_fs_set_notice(img->fs, notice_cb, img);
	if (img->info.needs_recovery && !img->replay && !img->replay_failed && !c->no_replay &&
	    !c->superblock && !c->blocksize)
		/* A backend with no recovery yet (XFS's log): say that what is shown is stale. */
		cli_error(img, "warning: the %s log needs recovery, which fsimg does not replay for %s "
			  "yet; showing the on-disk state", img->info.type, img->info.type);
	if (fsimg_fs_primary_error(img->fs))
		cli_error(img, "warning: the primary superblock is unusable (%s); reading through the "
			  "backup at block %llu", fsimg_fs_primary_error(img->fs),
			  (unsigned long long)fsimg_fs_sb_block(img->fs));
	/* The superblock was checked before the callback could be set. */
	if (c->verbose && img->info.super_csum == FSIMG_CSUM_BAD)
		fprintf(stderr, "fsimg: warning: superblock checksum does not match (0x%08x stored)\n",
			img->info.super_csum_stored);

	/*
	 * A truncated image fails somewhere in the middle of a walk otherwise;
	 * say so once, as e2fsck does when the device is shorter than the
	 * filesystem.
	 */
	have = fsimg_io_size(img->io);
	need = img->info.blocks * (uint64_t)img->info.block_size;
	if (img->info.blocks > UINT64_MAX / img->info.block_size || have < need) {
		cli_error(img, "image is truncated: %llu bytes, the filesystem needs %llu",
			  (unsigned long long)have, (unsigned long long)need);
		close_all(img);
		return CLI_EXIT_ERROR;
	}
	if (img->replay) {
		fsimg_recovery_stats(&img->replay_stats, img->replay);
		say_replayed(img);
	}
	return 0;
}

void cli_json_replayed(struct jw *w, const struct cli_image *img)
{
	const struct fsimg_recovery_stats *st = &img->replay_stats;

	if (!img->replay) {
		jw_null(w, "replayed");
		return;
	}
	jw_obj_begin(w, "replayed");
	jw_u64(w, "transactions", st->transactions);
	jw_u64(w, "blocks", st->blocks);
	jw_u64(w, "revoked", st->revoked);
	jw_u64(w, "revoke_records", st->revoke_records);
	jw_u64(w, "csum_skipped", st->csum_skipped);
	/* The keys of the documented schema (jbd2's words: fast commits, the journal). */
	jw_u64(w, "fast_commit_blocks", st->extra_blocks);
	jw_u64(w, "fast_commits_replayed", st->extra_replayed);
	jw_bool(w, "journal_corrupt", st->log_error != 0);
	jw_obj_end(w);
}

bool cli_output_failed(void)
{
	return ferror(stdout) != 0;
}

void cli_stdout_init(void)
{
	/*
	 * stdio's default 4 KiB costs a syscall every few dozen lines; a flush
	 * per JSON record costs 4x the whole dump. Records are whole lines in a
	 * large buffer; a terminal keeps line buffering.
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 18);
}

int cli_close(struct cli_image *img, int status)
{
	uint64_t ncsum;

	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A reader that went away (head) is not our failure. */
		if (errno != EPIPE) {
			fprintf(stderr, "fsimg: write error: %s\n", cli_strerror(errno));
			if (status == CLI_EXIT_OK)
				status = CLI_EXIT_ERROR;
		}
	}
	if (img->fs) {
		ncsum = fsimg_fs_csum_errors(img->fs);
		if (!img->common->verbose && ncsum)
			fprintf(stderr, "fsimg: warning: %llu checksum mismatch%s (use -v to list them)\n",
				(unsigned long long)ncsum, ncsum == 1 ? "" : "es");
		if (!img->common->verbose && img->other_notices)
			fprintf(stderr, "fsimg: warning: %llu other problem%s noticed (use -v to list them)\n",
				(unsigned long long)img->other_notices,
				img->other_notices == 1 ? "" : "s");
	}
	close_all(img);
	return status;
}

int cli_lookup(const struct cli_image *img, const char *file, struct fsimg_stat *st)
{
	fsimg_inum_t ino;
	int err;

	err = fsimg_lookup(&ino, img->fs, file);
	if (err < 0) {
		cli_file_error(img, file, "%s", cli_errmsg(img, err));
		return CLI_EXIT_ERROR;
	}
	err = fsimg_stat(st, img->fs, ino);
	if (err < 0) {
		cli_file_error(img, file, "inode %llu: %s", (unsigned long long)ino,
			       cli_errmsg(img, err));
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* ------------------------------------------------------------- bitmap */

int cli_bitmap_init(struct cli_bitmap *bm, const struct cli_image *img)
{
	const struct fsimg_fs_info *info = &img->info;
	uint64_t words;

	bm->bits = NULL;
	bm->nbits = 0;
	/*
	 * Every inode has a slot of at least 128 bytes inside the image, so
	 * inode numbers beyond size/128 are a lie we must not allocate for.
	 */
	if (info->inodes == 0 || info->max_ino == 0 ||
	    info->max_ino - 1 > fsimg_io_size(img->io) / 128) {
		cli_error(img, "inode count %llu does not fit the image",
			  (unsigned long long)info->inodes);
		return CLI_EXIT_ERROR;
	}
	words = (info->max_ino + 63) / 64;
	bm->bits = calloc(words, sizeof(uint64_t));
	if (!bm->bits) {
		cli_error(img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	bm->nbits = info->max_ino;
	return 0;
}

bool cli_bitmap_test_set(struct cli_bitmap *bm, fsimg_inum_t ino)
{
	uint64_t m;

	if (ino >= bm->nbits)
		return true;
	m = 1ull << (ino & 63);
	if (bm->bits[ino >> 6] & m)
		return true;
	bm->bits[ino >> 6] |= m;
	return false;
}

bool cli_bitmap_test(const struct cli_bitmap *bm, fsimg_inum_t ino)
{
	if (ino >= bm->nbits)
		return true;
	return (bm->bits[ino >> 6] >> (ino & 63)) & 1;
}

void cli_bitmap_free(struct cli_bitmap *bm)
{
	free(bm->bits);
	bm->bits = NULL;
	bm->nbits = 0;
}

/* --------------------------------------------------------------- paths */

static int path_reserve(struct cli_path *p, size_t need)
{
	size_t cap = p->cap ? p->cap : 256;
	char *nb;

	if (need <= p->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb)
		return FSIMG_ENOMEM;
	p->buf = nb;
	p->cap = cap;
	return 0;
}

int cli_path_push(struct cli_path *p, const char *name, size_t len, size_t *saved)
{
	if (path_reserve(p, p->len + 1 + len + 1) < 0)
		return FSIMG_ENOMEM;
	*saved = p->len;
	if (p->len == 0 || p->buf[p->len - 1] != '/')
		p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, name, len);
	p->len += len;
	p->buf[p->len] = '\0';
	return 0;
}

int cli_path_set(struct cli_path *p, const char *s, size_t len)
{
	if (path_reserve(p, len + 1) < 0)
		return FSIMG_ENOMEM;
	memcpy(p->buf, s, len);
	p->buf[len] = '\0';
	p->len = len;
	return 0;
}

void cli_path_pop(struct cli_path *p, size_t saved)
{
	p->len = saved;
	if (p->buf)
		p->buf[saved] = '\0';
}

void cli_path_free(struct cli_path *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

/* ------------------------------------------------------- types, modes */

#define S_IFMT_ 0170000

const char *cli_type_name(uint16_t mode)
{
	switch (mode & S_IFMT_) {
	case 0100000: return "file";
	case 0040000: return "dir";
	case 0120000: return "symlink";
	case 0020000: return "chr";
	case 0060000: return "blk";
	case 0010000: return "fifo";
	case 0140000: return "sock";
	default: return "unknown";
	}
}

uint16_t cli_ftype_to_mode(uint8_t ftype)
{
	static const uint16_t m[8] = { 0, 0100000, 0040000, 0020000, 0060000,
				       0010000, 0140000, 0120000 };
	return ftype < 8 ? m[ftype] : 0;
}

void cli_mode_string(char out[11], uint16_t mode)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	switch (mode & S_IFMT_) {
	case 0100000: out[0] = '-'; break;
	case 0040000: out[0] = 'd'; break;
	case 0120000: out[0] = 'l'; break;
	case 0020000: out[0] = 'c'; break;
	case 0060000: out[0] = 'b'; break;
	case 0010000: out[0] = 'p'; break;
	case 0140000: out[0] = 's'; break;
	default: out[0] = '?'; break;
	}
	for (i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		out[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		out[6] = (mode & 0010) ? 's' : 'S';
	if (mode & 01000)
		out[9] = (mode & 0001) ? 't' : 'T';
	out[10] = '\0';
}

/* ------------------------------------------------------------- output */

void cli_put_u64(FILE *f, uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(b + i, 1, sizeof(b) - (size_t)i, f);
}

size_t cli_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)   /* overlong */
			return 0;
		if (c == 0xed && s[1] >= 0xa0)  /* surrogates */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)   /* overlong */
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)  /* past U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

const char cli_hexd[] = "0123456789abcdef";

void cli_put_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;

	while (i < len) {
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = cli_utf8_len(p + i, len - i)) > 0) {
			i += k;
			continue;
		}
		fwrite_unlocked(p + run, 1, i - run, f);
		if (c == '\\') {
			fputs_unlocked("\\\\", f);
		} else {
			char e[4] = { '\\', 'x', cli_hexd[c >> 4], cli_hexd[c & 15] };
			fwrite_unlocked(e, 1, 4, f);
		}
		run = ++i;
	}
	fwrite_unlocked(p + run, 1, i - run, f);
}
