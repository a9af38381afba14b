/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg fsck: the read-only checker. Checks the state after journal (log) recovery
 * (replayed in memory) unless --no-replay; prints one line per problem, or
 * streams them into a JSON object; exits as fsck(8) does.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "baseline.h"
#include "cli.h"
#include "cmds.h"
#include "fsimg/check.h"

enum {
	OPT_SCAN_DATA = CLI_OPT_LONG,
	OPT_LIST_PROBLEMS,
	OPT_THREADS,
	OPT_BASELINE,
};

/* The most threads --threads takes (the checker uses at most 8). */
#define THREADS_MAX 64

/*
 * No read cache: the checker reads inode tables and directory runs in large
 * pieces itself, and its scattered reads (extent and htree blocks, directory
 * inodes, bitmaps) rarely share a chunk; a cache chunk per block read copied
 * four times the bytes (and all of a cache is resident).
 */
#define FSCK_CACHE_CHUNKS 0u

/* fsck(8): errors left uncorrected. */
#define FSCK_EXIT_UNCORRECTED 4

static const struct cli_opt fsck_opts[] = {
	{ 'n', NULL, NULL, "accepted: fsimg never writes" },
	{ 'f', NULL, NULL, "accepted: fsimg always checks fully" },
	{ 'q', "quiet", NULL, "print errors only (and the summary)" },
	{ 'C', NULL, "FD", "progress: 0 a bar on stderr always; N>0 'pass done total' lines to FD" },
	{ OPT_THREADS, "threads", "N", "check with N threads (default: one per core; same output)" },
	{ OPT_SCAN_DATA, "scan-data", NULL, "read the blocks under unwritten extents" },
	{ OPT_BASELINE, "baseline", "REPORT",
	  "print only the problems new since REPORT (an earlier fsck --json) and those gone" },
	{ OPT_LIST_PROBLEMS, "list-problems", NULL, "list every problem id and exit" },
	{ 'l', "logdev", "LOGDEV", "the external log device (or file) of an XFS IMAGE (as -j)" },
	{ 'y', NULL, NULL, "refused: fsimg never repairs (use e2fsck -y)" },
	{ 'p', NULL, NULL, "refused: fsimg never repairs (use e2fsck -p)" },
	{ 'a', NULL, NULL, "refused: fsimg never repairs (use e2fsck -p)" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd fsck_cmd = {
	"fsck", "[-n] [-f] [-v] [-q] [-C FD] [--threads N] [--json] [--scan-data] [--no-replay] "
	"[-b SUPERBLOCK] [-B BLOCKSIZE] [--baseline REPORT] [-j EXTERNAL_JOURNAL] [-l LOGDEV] IMAGE",
	"Check IMAGE read-only (after replaying its journal in memory); exit as fsck(8).",
	fsck_opts, CLI_WANT_JSON | CLI_WANT_SB | CLI_FSCK_EXIT, 0, 1,
};

struct fsck_ctx {
	bool quiet;
	bool scan_data;
	bool list;
	int progress_fd;         /* -C: -1 none, 0 the bar always, >0 lines to that descriptor */
	int threads;
	const char *baseline_path;  /* --baseline */
	const char *logdev;         /* -l: an XFS external log, -j's file by its XFS name */
	struct baseline *baseline;
	uint64_t new_problems, new_errors, gone;
	const struct cli_common *common;
	struct jw jw;
	const char *path;
	/* progress */
	bool tty;
	struct timespec start;
	int last_pass;
	int last_pct;
	bool bar_shown;
};

static int fsck_opt(void *vctx, int id, const char *arg)
{
	struct fsck_ctx *ctx = vctx;

	(void)arg;
	switch (id) {
	case 'n':
	case 'f':
		return 0;
	case 'q':
		ctx->quiet = true;
		return 0;
	case OPT_SCAN_DATA:
		ctx->scan_data = true;
		return 0;
	case OPT_LIST_PROBLEMS:
		ctx->list = true;
		return 0;
	case OPT_BASELINE:
		ctx->baseline_path = arg;
		return 0;
	case 'l':
		ctx->logdev = arg;
		return 0;
	case 'C':
	case OPT_THREADS: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < (id == 'C' ? 0 : 1) ||
		    v > (id == 'C' ? INT_MAX : THREADS_MAX)) {
			fprintf(stderr, "fsimg fsck: %s: not a %s: %s\n", id == 'C' ? "-C" : "--threads",
				id == 'C' ? "file descriptor" : "thread count (1-64)", arg);
			return CLI_EXIT_USAGE;
		}
		if (id == 'C')
			ctx->progress_fd = (int)v;
		else
			ctx->threads = (int)v;
		return 0;
	}
	case 'y':
	case 'p':
	case 'a':
		fprintf(stderr, "fsimg fsck: -%c: fsimg never repairs; use e2fsck -%c to repair "
			"(fsimg fsck only reads)\n", id, id == 'y' ? 'y' : 'p');
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------------ problems */

/*
 * --list-problems: one line per problem, tab-separated: ID, code, severity
 * and message template; with -v also structure and explanation (from which
 * fsimg-fsck(1)'s list is generated). In table order.
 */
static int list_problems(bool json, bool verbose)
{
	size_t n;
	const struct fsimg_problem_def *t = fsimg_problem_table(&n);
	struct jw w;

	if (json) {
		jw_init(&w, stdout);
		jw_stream_arr_begin(&w, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (json) {
			jw_obj_begin(&w, NULL);
			jw_str(&w, "id", t[i].id);
			jw_u64(&w, "code", (uint64_t)t[i].code);
			jw_str(&w, "severity", fsimg_severity_name(t[i].severity));
			jw_str(&w, "structure", fsimg_structure_name(t[i].structure));
			jw_str(&w, "message", t[i].message);
			jw_str(&w, "explanation", t[i].explanation);
			jw_obj_end(&w);
			continue;
		}
		printf("%s\t%d\t%s\t%s", t[i].id, t[i].code, fsimg_severity_name(t[i].severity),
		       t[i].message);
		if (verbose)
			printf("\t%s\t%s", fsimg_structure_name(t[i].structure), t[i].explanation);
		putchar('\n');
	}
	if (json) {
		jw_arr_end(&w);
		jw_record_end(&w);
	}
	if (fflush(stdout) != 0)
		return CLI_EXIT_ERROR;
	return CLI_EXIT_OK;
}

static void bar_clear(struct fsck_ctx *ctx)
{
	if (ctx->bar_shown) {
		fputs("\r\033[K", stderr);
		ctx->bar_shown = false;
	}
}

/* "[new: |gone: ][severity: ]ID: message" */
static void print_problem(const char *prefix, enum fsimg_severity sev, const char *id,
			  const char *msg)
{
	fputs(prefix, stdout);
	if (sev != FSIMG_SEV_ERROR)
		printf("%s: ", fsimg_severity_name(sev));
	cli_put_text(stdout, id, strlen(id));
	fputs(": ", stdout);
	cli_put_text(stdout, msg, strlen(msg));
	putchar('\n');
}

static void report_cb(void *vctx, const struct fsimg_problem *p)
{
	struct fsck_ctx *ctx = vctx;
	const struct fsimg_problem_def *d = p->def;
	const struct fsimg_problem_ctx *pc = &p->ctx;

	if (ctx->baseline) {
		if (baseline_take(ctx->baseline, p))
			return;          /* the report had it: nothing new */
		ctx->new_problems++;
		if (d->severity == FSIMG_SEV_ERROR)
			ctx->new_errors++;
	}
	if (ctx->common->json) {
		struct jw *w = &ctx->jw;

		jw_obj_begin(w, NULL);
		jw_str(w, "id", d->id);
		jw_u64(w, "code", (uint64_t)d->code);
		jw_str(w, "severity", fsimg_severity_name(d->severity));
		jw_str(w, "message", p->message);
		if (pc->has & FSIMG_PF_INODE)
			jw_u64(w, "inode", pc->inode);
		if (pc->has & FSIMG_PF_BLOCK)
			jw_u64(w, "block", pc->block);
		if (pc->has & FSIMG_PF_LBLK)
			jw_u64(w, "lblk", pc->lblk);
		if (pc->has & FSIMG_PF_LENGTH)
			jw_u64(w, "length", pc->length);
		if (pc->has & FSIMG_PF_GROUP)
			jw_u64(w, "group", pc->group);
		jw_obj_end(w);
		return;
	}
	if (ctx->quiet && d->severity != FSIMG_SEV_ERROR)
		return;
	bar_clear(ctx);
	print_problem(ctx->baseline ? "new: " : "", d->severity, d->id, p->message);
}

/* --baseline: a problem of the report that this check did not find again. */
static void gone_cb(void *vctx, struct json_object *prob)
{
	struct fsck_ctx *ctx = vctx;
	struct json_object *id, *msg, *sev;
	enum fsimg_severity s = FSIMG_SEV_ERROR;

	ctx->gone++;
	if (ctx->common->json) {
		jw_json(&ctx->jw, NULL, prob);
		return;
	}
	json_object_object_get_ex(prob, "id", &id);
	json_object_object_get_ex(prob, "message", &msg);
	if (json_object_object_get_ex(prob, "severity", &sev)) {
		if (!strcmp(json_object_get_string(sev), "warning"))
			s = FSIMG_SEV_WARNING;
		else if (!strcmp(json_object_get_string(sev), "info"))
			s = FSIMG_SEV_INFO;
	}
	if (ctx->quiet && s != FSIMG_SEV_ERROR)
		return;
	print_problem("gone: ", s, json_object_get_string(id), json_object_get_string(msg));
}

static double elapsed(const struct fsck_ctx *ctx)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - ctx->start.tv_sec) +
	       (double)(now.tv_nsec - ctx->start.tv_nsec) / 1e9;
}

/*
 * -v: a line per pass on stdout. A bar on stderr when it is a terminal and
 * a second has passed (or from the start with -C 0); with -C N, e2fsck's
 * lines "pass done total image" on descriptor N.
 */
static void progress_cb(void *vctx, int pass, const char *name, uint64_t done, uint64_t total)
{
	struct fsck_ctx *ctx = vctx;
	int pct;

	if (pass != ctx->last_pass) {
		ctx->last_pass = pass;
		ctx->last_pct = -1;
		if (ctx->common->verbose && !ctx->common->json) {
			bar_clear(ctx);
			printf("Pass %d: %s\n", pass, name ? name : "");
			fflush(stdout);
		}
	}
	if (ctx->progress_fd > 0) {
		dprintf(ctx->progress_fd, "%d %llu %llu %s\n", pass, (unsigned long long)done,
			(unsigned long long)total, ctx->path);
		return;
	}
	if (!ctx->tty || (ctx->progress_fd < 0 && elapsed(ctx) < 1.0))
		return;
	pct = total ? (int)(done * 100 / total) : 0;
	if (pct > 100)
		pct = 100;
	if (pct == ctx->last_pct)
		return;
	ctx->last_pct = pct;
	fprintf(stderr, "\r\033[Kfsimg fsck: pass %d/7 %s: %3d%%", pass, name ? name : "", pct);
	fflush(stderr);
	ctx->bar_shown = true;
}

/* --------------------------------------------------------------- main */

int cmd_fsck(int argc, char **argv)
{
	struct cli_common common;
	struct fsck_ctx ctx;
	struct cli_image img;
	struct fsimg_check_opts opts;
	fsimg_journal *ext_journal = NULL;
	struct fsimg_check_summary sum;
	int first, status, err;

	memset(&ctx, 0, sizeof(ctx));
	ctx.progress_fd = -1;
	status = cli_parse(&common, &fsck_cmd, argc, argv, fsck_opt, &ctx, &first);
	if (status >= 0)
		return status;
	ctx.common = &common;
	if (cli_take_logdev(&common, &fsck_cmd, ctx.logdev))
		return CLI_EXIT_USAGE;
	cli_stdout_init();
	if (ctx.list) {
		if (first < argc) {
			cli_usage_error(&fsck_cmd, "--list-problems takes no IMAGE");
			return CLI_EXIT_USAGE;
		}
		return list_problems(common.json, common.verbose > 0);
	}
	if (first >= argc) {
		cli_usage_error(&fsck_cmd, "missing IMAGE");
		return CLI_EXIT_USAGE;
	}
	if (ctx.baseline_path) {
		status = baseline_load(&ctx.baseline, ctx.baseline_path);
		if (status)
			return status;
	}
	common.short_ok = true;
	status = cli_open_cache(&img, &common, argv[first], FSCK_CACHE_CHUNKS);
	if (status) {
		baseline_free(ctx.baseline);
		return status;
	}
	if (strcmp(img.info.backend, "ext4") != 0 && strcmp(img.info.backend, "xfs") != 0) {
		cli_error(&img, "fsck checks ext2/3/4 and XFS, not %s", img.info.type);
		baseline_free(ctx.baseline);
		return cli_close(&img, CLI_EXIT_ERROR);
	}

	memset(&opts, 0, sizeof(opts));
	opts.flags = ctx.scan_data ? FSIMG_CHECK_SCAN_DATA : 0;
	/* a journal that cannot be used, or whose recovery fails as the kernel's does */
	if (img.replay_failed || (img.replay && img.replay_stats.log_error))
		opts.flags |= FSIMG_CHECK_REPLAY_FAILED;
	opts.report = report_cb;
	opts.report_ctx = &ctx;
	opts.progress = progress_cb;
	opts.progress_ctx = &ctx;
	opts.threads = ctx.threads;
	ctx.path = img.path;
	if (img.replay) {
		/* the journal as the crash left it: the fs we check has it reset */
		opts.raw_journal = fsimg_recovery_journal(img.replay);
	} else if (img.journal_io && fsimg_journal_open(&ext_journal, img.fs, img.journal_io) == 0) {
		/* -j with nothing to replay: the external journal is checked as it is */
		opts.raw_journal = ext_journal;
		opts.flags |= FSIMG_CHECK_JOURNAL_AS_IS;
	}
	/* XFS: the log passes read an external log where recovery read it */
	opts.log_io = img.journal_io;
	if (img.replay && !img.replay_stats.pending)
		opts.flags |= FSIMG_CHECK_LOG_REPLAYED;
	/* -C 0 asks for the bar wherever stderr goes (e2fsck's -C 0 likewise). */
	ctx.tty = !common.json && (isatty(STDERR_FILENO) || ctx.progress_fd == 0);
	ctx.last_pass = 0;
	clock_gettime(CLOCK_MONOTONIC, &ctx.start);

	if (common.json) {
		jw_init(&ctx.jw, stdout);
		/* one object, streamed: the problems come one at a time */
		jw_stream_obj_begin(&ctx.jw, NULL);
		jw_str(&ctx.jw, "image", img.path);
		if (ctx.baseline)
			jw_str(&ctx.jw, "baseline", ctx.baseline_path);
		cli_json_replayed(&ctx.jw, &img);
		jw_stream_arr_begin(&ctx.jw, ctx.baseline ? "new" : "problems");
	} else if (img.replay && !ctx.quiet) {
		/* The counts are on stderr already (cli_open); say what is checked. */
		/* "journal" recovery on ext4, "log" recovery on XFS: the format's own word */
		printf("%s: checking the state after %s recovery; "
		       "--no-replay checks the on-disk state\n", img.path,
		       img.replay_stats.log ? img.replay_stats.log : "journal");
	}

	err = fsimg_check_run(&sum, img.fs, &opts);
	bar_clear(&ctx);
	fsimg_journal_close(ext_journal);

	if (ctx.baseline) {
		/* an aborted check did not look for everything: nothing is known gone */
		if (common.json) {
			jw_arr_end(&ctx.jw);
			jw_stream_arr_begin(&ctx.jw, "gone");
		}
		if (err >= 0 && baseline_each_gone(ctx.baseline, gone_cb, &ctx) < 0)
			err = FSIMG_ENOMEM;
	}
	if (common.json) {
		struct jw *w = &ctx.jw;

		jw_arr_end(w);
		jw_obj_begin(w, "summary");
		jw_u64(w, "errors", sum.errors);
		jw_u64(w, "warnings", sum.warnings);
		jw_u64(w, "infos", sum.infos);
		jw_u64(w, "inodes_checked", sum.inodes_checked);
		jw_u64(w, "blocks_checked", sum.blocks_checked);
		jw_u64(w, "prealloc_blocks", sum.prealloc_blocks);
		jw_u64(w, "prealloc_inodes", sum.prealloc_inodes);
		if (ctx.scan_data)
			jw_u64(w, "unwritten_nonzero_blocks", sum.unwritten_nonzero_blocks);
		if (ctx.baseline) {
			jw_u64(w, "new", ctx.new_problems);
			jw_u64(w, "new_errors", ctx.new_errors);
			jw_u64(w, "gone", ctx.gone);
		}
		jw_bool(w, "aborted", err < 0);
		jw_obj_end(w);
		jw_obj_end(w);
		jw_record_end(w);
	} else {
		cli_put_text(stdout, img.path, strlen(img.path));
		printf(": %llu error%s, %llu warning%s, %llu info%s; %llu inodes, %llu blocks checked; "
		       "preallocated past EOF: %llu blocks in %llu inodes",
		       (unsigned long long)sum.errors, sum.errors == 1 ? "" : "s",
		       (unsigned long long)sum.warnings, sum.warnings == 1 ? "" : "s",
		       (unsigned long long)sum.infos, sum.infos == 1 ? "" : "s",
		       (unsigned long long)sum.inodes_checked, (unsigned long long)sum.blocks_checked,
		       (unsigned long long)sum.prealloc_blocks, (unsigned long long)sum.prealloc_inodes);
		if (ctx.scan_data)
			printf("; unwritten holding data: %llu blocks",
			       (unsigned long long)sum.unwritten_nonzero_blocks);
		if (ctx.baseline) {
			printf("; since ");
			cli_put_text(stdout, ctx.baseline_path, strlen(ctx.baseline_path));
			printf(": %llu new (%llu error%s), %llu gone",
			       (unsigned long long)ctx.new_problems, (unsigned long long)ctx.new_errors,
			       ctx.new_errors == 1 ? "" : "s", (unsigned long long)ctx.gone);
		}
		putchar('\n');
	}
	if (err < 0) {
		cli_error(&img, "check aborted: %s", cli_errmsg(&img, err));
		status = CLI_EXIT_ERROR;
	} else if (ctx.baseline) {
		/* the question is "did this change break something?" */
		status = ctx.new_errors ? FSCK_EXIT_UNCORRECTED : CLI_EXIT_OK;
	} else {
		status = sum.errors ? FSCK_EXIT_UNCORRECTED : CLI_EXIT_OK;
	}
	baseline_free(ctx.baseline);
	return cli_close(&img, status);
}
