/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening an image for a command (cli.h): the source (source.c), the
 * filesystem over the journal or log replayed in memory, the one line that
 * says so, the checksum summary at the end, and FILE arguments.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsimg/image.h"
#include "testhooks.h"

static void notice_cb(void *ctx, int err, const char *msg)
{
	struct cli_image *img = ctx;

	if (err != FSIMG_ECSUM)
		img->other_notices++;
	if (img->common->verbose) {
		fputs("fsimg: warning: ", stderr);
		cli_put_text(stderr, msg, strlen(msg));
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

/* The most pending things named one per line; the rest counted. */
#define PENDING_LINES 16

/* The pending item the finish refused, with its reason; npending when none carries one. */
static size_t pending_refused(const fsimg_recovery *rec, uint64_t npending, const char **why)
{
	for (size_t i = 0; i < npending; i++)
		if ((*why = fsimg_recovery_pending_why(rec, i)))
			return i;
	*why = NULL;
	return (size_t)npending;
}

void cli_pending_text(char *buf, size_t len, const fsimg_recovery *rec, uint64_t npending)
{
	const char *why, *what;
	size_t i = pending_refused(rec, npending, &why);
	int n = snprintf(buf, len, "%llu thing%s left pending for the kernel's mount; ",
			 (unsigned long long)npending, npending == 1 ? "" : "s");

	if (n < 0 || (size_t)n >= len)
		return;
	if (why && (what = fsimg_recovery_pending(rec, i)) && why >= what + 2)
		snprintf(buf + n, len - (size_t)n, "fsimg cannot finish %.*s: %s", (int)(why - what - 2), what,
			 why);
	else
		snprintf(buf + n, len - (size_t)n, "fsimg does not finish %s (the first: %s)",
			 npending == 1 ? "it" : "them",
			 (what = fsimg_recovery_pending(rec, 0)) ? what : "?");
}

/*
 * A log of items (XFS): the line, then what the kernel's mount would
 * finish after the log replay and fsimg does not: the view stops there.
 */
static void say_replayed_items(struct cli_image *img)
{
	const struct fsimg_recovery_stats *st = &img->replay_stats;
	const char *what;
	char text[1024];

	cli_error(img, "%s replayed in memory: %llu transaction%s, %llu item%s, %llu skipped (already "
		  "newer on disk), %llu cancelled", st->log,
		  (unsigned long long)st->transactions, st->transactions == 1 ? "" : "s",
		  (unsigned long long)st->items, st->items == 1 ? "" : "s",
		  (unsigned long long)st->skipped_lsn, (unsigned long long)st->cancelled);
	if (!st->pending)
		return;
	cli_pending_text(text, sizeof text, img->replay, st->pending);
	cli_error(img, "warning: showing the %s replayed, not the filesystem as the kernel's mount leaves it "
		  "(fsimg replay refuses it): %s", st->log, text);
	for (size_t i = 0; i < st->pending && i < PENDING_LINES; i++)
		if ((what = fsimg_recovery_pending(img->replay, i)))
			cli_error(img, "  pending: %s", what);
	if (st->pending > PENDING_LINES)
		cli_error(img, "  and %llu more pending", (unsigned long long)(st->pending - PENDING_LINES));
}

/* The one line that says the image is seen as after recovery. */
static void say_replayed(struct cli_image *img)
{
	const struct fsimg_recovery_stats *st = &img->replay_stats;

	if (st->log_error) {
		cli_error(img, "warning: the %s is corrupt (%s); nothing replayed (the kernel's recovery fails too)",
			  st->log, fsimg_strerror(st->log_error));
		return;
	}
	if (st->by_items) {
		say_replayed_items(img);
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
				cli_error(img, "warning: the %s cannot be replayed (%s); showing the "
					  "on-disk state", strcmp(fsimg_fs_type(img->fs), "xfs") ? "journal" : "log",
					  why[0] ? why : fsimg_strerror(err));
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
	/* an XFS log on its own device: dirty or not is unknown without it */
	if (img->info.log_blocks && !img->info.log_internal && !img->journal_io && !c->no_replay &&
	    !c->superblock && !c->blocksize)
		cli_error(img, "warning: the log is on an external device, not given (-j LOGDEV): "
			  "showing the on-disk state, without what the log may hold");
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
	/* fsck reads on as e2fsck does (SUPER_FS_SIZE_WRONG), on ext2/3/4 */
	if (img->info.blocks > UINT64_MAX / img->info.block_size ||
	    (have < need && !(c->short_ok && strncmp(img->info.type, "ext", 3) == 0))) {
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

void cli_json_refusal(struct jw *w, const fsimg_recovery *rec, uint64_t npending)
{
	const char *why, *what;
	size_t i = pending_refused(rec, npending, &why);

	if (!npending) {
		jw_null(w, "refusal");
		return;
	}
	if (!why)
		i = 0;
	what = fsimg_recovery_pending(rec, i);
	jw_obj_begin(w, "refusal");
	jw_u64(w, "pending", npending);
	if (what)
		jw_strn(w, "item", what, why && why >= what + 2 ? (size_t)(why - what - 2) : strlen(what));
	else
		jw_null(w, "item");
	jw_u64(w, "index", i);
	if (why)
		jw_str(w, "why", why);
	else
		jw_null(w, "why");
	jw_obj_end(w);
}

void cli_json_log_items(struct jw *w, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st)
{
	const char *what;
	uint64_t n;

	jw_u64(w, "items", st->items);
	jw_u64(w, "skipped_lsn", st->skipped_lsn);
	jw_u64(w, "cancelled", st->cancelled);
	jw_arr_begin(w, "pending");
	for (size_t i = 0; i < st->pending; i++)
		if ((what = fsimg_recovery_pending(rec, i)))
			jw_str(w, NULL, what);
	jw_arr_end(w);
	cli_json_refusal(w, rec, st->pending);
	/* the kernel paths the mount's work after the log took, as fsimg models them */
	jw_arr_begin(w, "finish_paths");
	for (size_t i = 0; (what = fsimg_recovery_path(rec, i, &n)); i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "path", what);
		jw_u64(w, "count", n);
		jw_obj_end(w);
	}
	jw_arr_end(w);
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
	if (st->by_items)
		cli_json_log_items(w, img->replay, st);
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
	static char buf[1 << 18]; /* glibc ignores the size when given no buffer */

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
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
