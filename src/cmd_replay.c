/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg replay: the journal's recovery, planned by the library, written out
 * for real: to a new file (-o OUT, IMAGE untouched), or in place after an
 * undo file holding the old contents of every block it will write
 * (--in-place), or only printed (-n).
 *
 * What is written is the overlay's view (fsimg_io_open_overlay) of exactly
 * the blocks recovery writes: the planned blocks, the superblock
 * (needs_recovery cleared) and the internal journal's superblock (s_start 0,
 * new sequence); with -o, over a copy of the image's data.
 * In place, the planned blocks go first and the two superblocks last (see
 * in_place() for the fsyncs), so a crash leaves needs_recovery set and the
 * journal intact, or the replay complete: a re-run completes the replay,
 * and `fsimg undo` restores the original.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_jbd2.h"
#include "cmds.h"
#include "journal_rec.h"
#include "replay.h"
#include "core/io.h"
#include "wimg.h"

enum { OPT_IN_PLACE = CLI_OPT_LONG, OPT_UNDO, OPT_FORCE, OPT_LOG_OUT, OPT_LOG_UNDO };

static const struct cli_opt replay_opts[] = {
	{ 'o', "output", "OUT", "write the replayed image to OUT (IMAGE is untouched)" },
	{ 'n', "dry-run", NULL, "print the replay plan; write nothing" },
	{ OPT_IN_PLACE, "in-place", NULL, "replay into IMAGE itself, after writing an undo file" },
	{ OPT_UNDO, "undo", "FILE", "undo file for --in-place (default IMAGE.fsimg-undo)" },
	{ 'f', "force", NULL, "overwrite an existing OUT (and LOGOUT)" },
	{ 'l', "logdev", "LOGDEV", "the external log device (or file) of an XFS IMAGE (as -j)" },
	{ OPT_LOG_OUT, "log-out", "LOGOUT", "with -o and an external XFS log: write OUT's log, made clean, "
					    "to LOGOUT (LOGDEV is untouched)" },
	{ OPT_LOG_UNDO, "log-undo", "FILE", "with --in-place and an external XFS log: the log device's undo "
					    "file (default LOGDEV.fsimg-undo)" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd replay_cmd = {
	"replay", "[-v] [--json] [-j EXTERNAL_JOURNAL | -l LOGDEV] (-o OUT [--log-out LOGOUT] [-f] | --in-place "
	"[--undo FILE] [--log-undo FILE] | -n) IMAGE",
	"Replay the journal of IMAGE as e2fsck -E journal_only would (XFS: its log, as the kernel's "
	"mount and unmount would), into OUT or in place. With -v (XFS): also the kernel paths that the "
	"mount's work after the log (intents finished, unlinked inodes freed) took, as fsimg models them. "
	"Where that work is left pending (one line says which and why), nothing is written: exit 4. "
	"With --json: the plan and the outcome as JSON Lines.",
	replay_opts, CLI_RAW | CLI_PERMUTE | CLI_REFUSED_EXIT | CLI_WANT_JSON, 1, 1,
};

struct replay_ctx {
	const char *out;
	const char *undo;
	const char *logdev, *log_out, *log_undo;
	bool dry_run, in_place, force;
};

static int replay_opt(void *vctx, int id, const char *arg)
{
	struct replay_ctx *ctx = vctx;

	switch (id) {
	case 'o': ctx->out = arg; return 0;
	case 'n': ctx->dry_run = true; return 0;
	case OPT_IN_PLACE: ctx->in_place = true; return 0;
	case OPT_UNDO: ctx->undo = arg; return 0;
	case 'f': ctx->force = true; return 0;
	case 'l': ctx->logdev = arg; return 0;
	case OPT_LOG_OUT: ctx->log_out = arg; return 0;
	case OPT_LOG_UNDO: ctx->log_undo = arg; return 0;
	default: return CLI_EXIT_USAGE;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int replay_mark_late(struct rp *r)
{
	r->is_late = calloc(r->ncand ? r->ncand : 1, 1);
	if (!r->is_late) {
		cli_error(&r->img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	for (size_t s = 0; s < r->nlate; s++) {
		uint64_t *c = bsearch(&r->late[s], r->cand, r->ncand, sizeof(*r->cand), cmp_u64);

		if (c)
			r->is_late[c - r->cand] = 1;
	}
	return 0;
}

/*
 * The blocks recovery writes, from the library's write list (the journal
 * superblock where the journal was read from, backup or inode), sorted,
 * those past the end of the image left out.
 */
static int build_candidates(struct rp *r)
{
	size_t n = fsimg_plan_write_count(r->plan), k = 0;
	struct fsimg_plan_write w;

	r->sb_block = r->jsb_block = UINT64_MAX;
	r->late = r->late_super;
	r->cand = malloc((n ? n : 1) * sizeof(*r->cand));
	if (!r->cand) {
		cli_error(&r->img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		if (fsimg_plan_write(&w, r->plan, i) < 0)
			continue;
		if (w.kind == FSIMG_PLAN_WRITE_SUPER)
			r->sb_block = w.block;
		else if (w.kind == FSIMG_PLAN_WRITE_JOURNAL_SUPER)
			r->jsb_block = w.block;
		if (w.block < r->size / r->bs)
			r->cand[k++] = w.block;
	}
	qsort(r->cand, k, sizeof(*r->cand), cmp_u64);
	r->ncand = k;
	/* the journal superblock (s_start 0), then the superblock (needs_recovery cleared) */
	if (r->jsb_block < r->size / r->bs)
		r->late[r->nlate++] = r->jsb_block;
	if (r->sb_block < r->size / r->bs)
		r->late[r->nlate++] = r->sb_block;
	return replay_mark_late(r);
}

/* ------------------------------------------------------------------ -n */

static int print_plan(struct rp *r)
{
	const struct fsimg_plan_stats *st = r->st;
	size_t n = fsimg_plan_count(r->plan);
	struct fsimg_plan_entry e;

	printf("Replay plan for ");
	cli_put_text(stdout, r->img.path, strlen(r->img.path));
	printf(": %llu transaction%s, %llu block%s (%llu logged copies written), %llu revoked\n",
	       (unsigned long long)st->transactions, st->transactions == 1 ? "" : "s",
	       (unsigned long long)st->blocks, st->blocks == 1 ? "" : "s",
	       (unsigned long long)st->replays, (unsigned long long)st->revoked);
	if (st->csum_skipped)
		printf("Skipped for a bad data checksum: %llu\n", (unsigned long long)st->csum_skipped);
	if (st->out_of_range)
		printf("Skipped, outside the filesystem: %llu\n", (unsigned long long)st->out_of_range);
	if (st->in_journal)
		printf("Inside the journal itself (JOURNAL_LOGS_ITSELF): %llu; --in-place reads every block before writing\n",
		       (unsigned long long)st->in_journal);
	if (st->fc_replayed)
		printf("Fast commits replayed: %llu (%llu block%s of the area), %llu block%s written by them\n",
		       (unsigned long long)st->fc_replayed, (unsigned long long)st->fc_blocks,
		       st->fc_blocks == 1 ? "" : "s", (unsigned long long)st->fc_made, st->fc_made == 1 ? "" : "s");
	else if (st->fc_commits)
		printf("fast-commit area holds %llu valid fast commit%s (%llu block%s) that fsimg does not replay: %s\n",
		       (unsigned long long)st->fc_commits, st->fc_commits == 1 ? "" : "s",
		       (unsigned long long)st->fc_blocks, st->fc_blocks == 1 ? "" : "s",
		       st->fc_why ? st->fc_why : "unknown");
	if (st->kernel_error)
		printf("The journal is corrupt (%s): nothing is replayed, as the kernel would do\n",
		       fsimg_strerror(st->kernel_error));
	for (size_t i = 0; i < n && !cli_output_failed(); i++) {
		if (fsimg_plan_entry(&e, r->plan, i) < 0)
			break;
		if (e.journal_block == UINT32_MAX) {
			printf("  fs block %llu <- made by the fast-commit replay (transaction %u)\n",
			       (unsigned long long)e.fs_block, e.sequence);
			continue;
		}
		printf("  fs block %llu <- journal block %u (transaction %u)%s\n",
		       (unsigned long long)e.fs_block, e.journal_block, e.sequence,
		       e.escaped ? ", escaped" : "");
	}
	printf("  superblock (block %llu): clear needs_recovery%s\n", (unsigned long long)r->sb_block,
	       st->recovery_error ? ", mark not clean (recovery reported errors)" : "");
	if (r->jsb_block != UINT64_MAX)
		printf("  journal superblock (block %llu): s_start 0, s_sequence %u\n",
		       (unsigned long long)r->jsb_block, st->new_sequence);
	else if (r->img.journal_io)
		printf("  external journal superblock: not written (s_start 0, s_sequence %u would be)\n",
		       st->new_sequence);
	else
		printf("  journal superblock (in the superblock's block): s_start 0, s_sequence %u\n",
		       st->new_sequence);
	return CLI_EXIT_OK;
}

/*
 * --json: the journal's superblock record (as `journal --json` writes it),
 * the "plan" record (what print_plan says), one "block" record per planned
 * block (bounded), the written ranges.
 */
static void plan_json(struct rp *r)
{
	const struct fsimg_plan_stats *st = r->st;
	struct fsimg_journal_scan_info si;
	struct fsimg_plan_entry e;
	struct jw *w = &r->json->w;
	size_t n = fsimg_plan_count(r->plan);
	bool have_si = fsimg_journal_scan_info(&si, r->j) == 0;

	if (have_si)
		journal_super_json(w, &r->img, fsimg_journal_super(r->j), &si);
	jw_obj_begin(w, NULL);
	jw_str(w, "record", "plan");
	jw_u64(w, "transactions", st->transactions);
	jw_u64(w, "blocks", st->blocks);
	jw_u64(w, "replays", st->replays);
	jw_u64(w, "revoked", st->revoked);
	jw_u64(w, "revoke_records", st->revoke_records);
	jw_u64(w, "csum_skipped", st->csum_skipped);
	jw_u64(w, "out_of_range", st->out_of_range);
	jw_u64(w, "in_journal", st->in_journal);
	jw_u64(w, "fast_commits_valid", st->fc_commits);
	jw_u64(w, "fast_commit_blocks", st->fc_blocks);
	jw_u64(w, "fast_commits_replayed", st->fc_replayed);
	jw_u64(w, "fast_commit_blocks_made", st->fc_made);
	jw_str(w, "fast_commits_unreplayed_why", st->fc_commits && !st->fc_replayed ?
		(st->fc_why ? st->fc_why : "unknown") : NULL);
	jw_str(w, "journal_corrupt", st->kernel_error ? fsimg_strerror(st->kernel_error) : NULL);
	jw_bool(w, "mark_not_clean", st->recovery_error != 0);
	if (have_si && si.end != FSIMG_JEND_CLEAN)
		jw_u64(w, "end_block", si.end_block);
	else
		jw_null(w, "end_block");
	if (have_si)
		jw_u64(w, "end_sequence", si.end_sequence);
	else
		jw_null(w, "end_sequence");
	jw_u64(w, "superblock", r->sb_block);
	if (r->jsb_block != UINT64_MAX)
		jw_u64(w, "journal_superblock", r->jsb_block);
	else
		jw_null(w, "journal_superblock");
	jw_u64(w, "new_sequence", st->new_sequence);
	jw_obj_end(w);
	jw_record_end(w);
	for (size_t i = 0; i < n && !cli_output_failed() && rj_write_listed(r->json); i++) {
		if (fsimg_plan_entry(&e, r->plan, i) < 0)
			break;
		jw_obj_begin(w, NULL);
		jw_str(w, "record", "block");
		jw_u64(w, "fs_block", e.fs_block);
		if (e.journal_block == UINT32_MAX)
			jw_null(w, "journal_block");
		else
			jw_u64(w, "journal_block", e.journal_block);
		jw_u64(w, "sequence", e.sequence);
		jw_bool(w, "escaped", e.escaped != 0);
		jw_bool(w, "fast_commit", e.journal_block == UINT32_MAX);
		jw_obj_end(w);
		jw_record_end(w);
	}
	/* past the bound: counted, not listed */
	if (n > r->json->writes)
		r->json->writes = n;
	rj_ranges(r->json, r, "fs");
}

/* --------------------------------------------------------- block runs */

/*
 * How many candidates from i on (at most max) are consecutive blocks, none
 * a superblock when no_super: one read and one write serve them.
 */
static size_t cand_run(const struct rp *r, size_t i, size_t max, bool no_super)
{
	size_t k = 0;

	while (k < max && i + k < r->ncand && r->cand[i + k] == r->cand[i] + k &&
	       !(no_super && r->is_late[i + k]))
		k++;
	return k;
}

/* ------------------------------------------------------------------ -o */

/*
 * -o: the source copied as it is, then every block that may change written
 * over it from the overlay, in runs. OUT is not fsynced: nothing depends on
 * its reaching the disk in an order, and a crash can only lose the copy,
 * never the source (like cp(1); sync(1) it if it must survive one).
 */
/* Every candidate block, in runs, from the view over what ofd holds. */
static int write_candidates(struct rp *r, int ofd, const char *out, uint8_t *buf)
{
	size_t batch = io_batch_blocks(r->bs);

	for (size_t i = 0, k; i < r->ncand; i += k) {
		uint64_t off = r->cand[i] * r->bs;
		int err;

		k = cand_run(r, i, batch, false);
		err = fsimg_io_read(r->view, buf, k * r->bs, off);
		if (err < 0) {
			cli_error(&r->img, "reading block %llu: %s", (unsigned long long)r->cand[i],
				  cli_errmsg(&r->img, err));
			return CLI_EXIT_ERROR;
		}
		err = wimg_pwrite_blocks(ofd, buf, k, r->bs, off);
		if (err < 0) {
			cli_error(&r->img, "%s: %s", out, cli_strerror(-err));
			return CLI_EXIT_ERROR;
		}
	}
	return CLI_EXIT_OK;
}

int replay_write_copy(struct rp *r, const char *out, bool force)
{
	struct stat ist, ost;
	uint8_t *buf = NULL;
	int ofd = -1, sfd = -1, status = CLI_EXIT_ERROR, err;
	bool sparse;

	/* the copy started before the plan (replay_copy_start) */
	if (r->early)
		return replay_copy_finish(r, out, write_candidates);
	/* O_NONBLOCK: a FIFO as OUT is refused below, not waited on. */
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | (force ? 0 : O_EXCL);

	if (stat(r->img.path, &ist) == 0 && stat(out, &ost) == 0) {
		if (ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
			cli_error(&r->img, "OUT is IMAGE itself; use --in-place");
			return CLI_EXIT_USAGE;
		}
		if (!force) {
			cli_error(&r->img, "%s exists; use -f to overwrite it", out);
			return CLI_EXIT_ERROR;
		}
		if (S_ISBLK(ost.st_mode) && wimg_check_not_mounted(out) != 0)
			return CLI_EXIT_ERROR;
	}
	sfd = r->img.bare ? open(r->img.path, O_RDONLY | O_CLOEXEC) : -1;
	if (sfd < 0 && r->img.bare) {
		cli_error(&r->img, "%s", cli_strerror(errno));
		return CLI_EXIT_ERROR;
	}
	ofd = open(out, flags, 0666);
	if (ofd < 0) {
		/* ENXIO: a FIFO without a reader. */
		cli_error(&r->img, "%s: %s", out, errno == ENXIO ? "not a regular file or block device"
								: cli_strerror(errno));
		if (sfd >= 0)
			close(sfd);
		return CLI_EXIT_ERROR;
	}
	if (fstat(ofd, &ost) < 0 || fcntl(ofd, F_SETFL, fcntl(ofd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail_errno;
	if (!S_ISREG(ost.st_mode) && !S_ISBLK(ost.st_mode)) {
		cli_error(&r->img, "%s: not a regular file or block device", out);
		goto out;
	}
	sparse = S_ISREG(ost.st_mode);
	/*
	 * Only an existing OUT (-f) is emptied: ext4 flushes a file truncated
	 * to 0 when it is closed (auto_da_alloc), which a new one need not pay.
	 */
	if (sparse && ost.st_size != 0 && ftruncate(ofd, 0) < 0)
		goto fail_errno;
	buf = io_batch_alloc(r->bs);
	if (!buf) {
		cli_error(&r->img, "out of memory");
		goto out;
	}
	err = replay_copy(r, sfd, ofd, sparse, buf);
	if (err < 0) {
		cli_error(&r->img, "copying to %s: %s", out, cli_strerror(-err));
		goto out;
	}
	if (sparse && ftruncate(ofd, (off_t)r->size) < 0)
		goto fail_errno;
	status = write_candidates(r, ofd, out, buf);
	goto out;
fail_errno:
	cli_error(&r->img, "%s: %s", out, cli_strerror(errno));
out:
	free(buf);
	if (sfd >= 0)
		close(sfd);
	if (close(ofd) < 0 && status == CLI_EXIT_OK) {
		cli_error(&r->img, "%s: %s", out, cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	return status;
}

/* ------------------------------------------------------------ in place */

/* The most read ahead for a plan that logs blocks inside the journal. */
#define READ_AHEAD_MAX_BYTES (256u << 20)

/*
 * Every candidate's replayed contents, in cand order, into *out (the
 * caller frees it). CLI_EXIT_ERROR, with the reason said, when the plan is
 * too big to hold or a block cannot be read.
 */
static int read_ahead(struct rp *r, uint8_t **out)
{
	uint8_t *all;

	*out = NULL;
	if (r->ncand > READ_AHEAD_MAX_BYTES / r->bs) {
		cli_error(&r->img, "refusing --in-place: %llu planned blocks lie inside the journal itself, and "
				   "the %llu blocks to write are too many to read before writing; IMAGE is "
				   "untouched (use -o OUT)", (unsigned long long)r->in_log,
			  (unsigned long long)r->ncand);
		return CLI_EXIT_ERROR;
	}
	all = malloc(r->ncand ? r->ncand * r->bs : 1);
	if (!all) {
		cli_error(&r->img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0, k; i < r->ncand; i += k) {
		k = cand_run(r, i, r->ncand, false);
		if (fsimg_io_read(r->view, all + i * r->bs, k * r->bs, r->cand[i] * r->bs) < 0) {
			cli_error(&r->img, "cannot read the replayed block %llu", (unsigned long long)r->cand[i]);
			free(all);
			return CLI_EXIT_ERROR;
		}
	}
	*out = all;
	return 0;
}

/*
 * --in-place. Durability is ordered by three fsyncs, no more:
 *  1. the undo file, complete (records, trailer, header), with its
 *     directory, before any block of the image is written;
 *  2. the planned blocks, before either superblock: until then
 *     needs_recovery is set and the journal intact, so a crash leaves an
 *     image that a re-run replays again (replay is idempotent);
 *  3. the journal superblock (s_start 0) then the superblock
 *     (needs_recovery cleared), written together and fsynced once: should
 *     a crash persist only one of them, either state is consistent, as the
 *     blocks are already on disk: s_start 0 with needs_recovery set is an
 *     empty journal to e2fsck and the kernel, and needs_recovery clear
 *     with a non-empty journal makes the kernel wipe the journal at mount.
 *     Written in that order, a kill (no crash: the page cache survives)
 *     between them leaves the first state, which a re-run completes.
 * The last fsync is what lets the command say the replay is done.
 */
int replay_in_place(struct rp *r, const char *undo_path)
{
	struct undo_writer uw = { .fd = -1 };
	struct undo_header h;
	uint8_t *buf = NULL, *after = NULL, *last = NULL, *ahead = NULL;
	size_t batch = io_batch_blocks(r->bs);
	int fd, err, status = CLI_EXIT_ERROR;

	if (!r->img.bare) {
		cli_error(&r->img, "--in-place writes only a bare filesystem image, not a container or "
				   "a partition; write a bare copy with -o OUT");
		return CLI_EXIT_ERROR;
	}
	if (r->img.journal_io && r->j) {
		cli_error(&r->img, "--in-place with an external journal is not supported yet "
				   "(its superblock would need writing too); use -o OUT");
		return CLI_EXIT_ERROR;
	}
	/*
	 * Planned blocks inside the journal itself overwrite log blocks that
	 * later copies may be read from: every block is then read before any
	 * is written, so that the result is -o's (bounded; else refused).
	 */
	if (r->in_log) {
		status = read_ahead(r, &ahead);
		if (status)
			return status;
		status = CLI_EXIT_ERROR;
	}
	fd = wimg_open_rw(r->img.path, "replay in place");
	if (fd < 0)
		return CLI_EXIT_ERROR;
	if (wimg_fd_size(fd) != (int64_t)r->size) {
		cli_error(&r->img, "the image changed size while being read");
		goto out;
	}
	buf = io_batch_alloc(r->bs);
	after = io_batch_alloc(r->bs);
	last = malloc(r->nlate ? r->nlate * (size_t)r->bs : 1);
	if (!buf || !after || !last) {
		cli_error(&r->img, "out of memory");
		goto out;
	}
	/* The blocks that end the recovery (superblocks, the log's), read before anything is written. */
	for (size_t s = 0; s < r->nlate; s++) {
		if (fsimg_io_read(r->view, last + s * r->bs, r->bs, r->late[s] * r->bs) < 0) {
			cli_error(&r->img, "cannot read block %llu", (unsigned long long)r->late[s]);
			goto out;
		}
	}
	/*
	 * Every block that will be written (as e2fsck writes every planned
	 * block, changed or not) keeps its old contents in the undo file, with
	 * the checksum of what the replay writes over them, by which undo tells
	 * an image changed since; the image is read, in runs, before anything
	 * is written to it.
	 */
	memset(&h, 0, sizeof(h));
	h.block_size = r->bs;
	h.image_size = r->size;
	memcpy(h.uuid, r->uuid, 16);
	h.nrecords = r->ncand;
	if (undo_create(&uw, undo_path, &h) < 0)
		goto out;
	for (size_t i = 0, k; i < r->ncand; i += k) {
		k = cand_run(r, i, batch, false);
		if (fsimg_io_read(r->img.io, buf, k * r->bs, r->cand[i] * r->bs) < 0 ||
		    fsimg_io_read(r->view, after, k * r->bs, r->cand[i] * r->bs) < 0) {
			cli_error(&r->img, "cannot read block %llu", (unsigned long long)r->cand[i]);
			undo_abort(&uw);
			goto out;
		}
		for (size_t m = 0; m < k; m++) {
			if (undo_add(&uw, r->cand[i + m], buf + m * r->bs, after + m * r->bs) < 0) {
				undo_abort(&uw);
				goto out;
			}
		}
	}
	if (undo_finish(&uw) < 0) {
		undo_abort(&uw);
		goto out;
	}

	/* Planned blocks first, in runs; the superblocks, which end the recovery, last. */
	for (size_t i = 0, k; i < r->ncand; i += k) {
		uint64_t off = r->cand[i] * r->bs;

		k = cand_run(r, i, batch, true);
		if (k == 0) {
			k = 1;
			continue;
		}
		err = ahead ? 0 : fsimg_io_read(r->view, buf, k * r->bs, off);
		if (err < 0) {
			cli_error(&r->img, "cannot read the replayed block %llu", (unsigned long long)r->cand[i]);
			goto partial;
		}
		err = wimg_pwrite_blocks(fd, ahead ? ahead + i * r->bs : buf, k, r->bs, off);
		if (err < 0)
			goto write_failed;
		wimg_start_writeback(fd, off, k * r->bs);
	}
	if (fsync(fd) < 0) {
		err = -errno;
		goto write_failed;
	}
	for (size_t s = 0; s < r->nlate; s++) {
		err = wimg_pwrite_block(fd, last + s * r->bs, r->bs, r->late[s] * r->bs);
		if (err < 0)
			goto write_failed;
	}
	if (fsync(fd) < 0) {
		err = -errno;
		goto write_failed;
	}
	if (!r->json)
		printf("%s: %s replayed: %llu transaction%s, %llu block%s written; undo file %s\n",
		       r->img.path, r->log, (unsigned long long)r->transactions, r->transactions == 1 ? "" : "s",
		       (unsigned long long)r->ncand, r->ncand == 1 ? "" : "s", undo_path);
	status = CLI_EXIT_OK;
	goto out;
write_failed:
	cli_error(&r->img, "write failed after %llu blocks: %s", (unsigned long long)wimg_writes_done(),
		  cli_strerror(-err));
partial:
	if (ahead) /* log blocks may be overwritten already: a re-run would read them */
		fprintf(stderr, "fsimg: the image is partly replayed; restore it with 'fsimg undo %s %s'\n",
			undo_path, r->img.path);
	else
		fprintf(stderr, "fsimg: the image is partly replayed; restore it with 'fsimg undo %s %s', "
				"or complete the replay by running it again with another --undo file\n",
			undo_path, r->img.path);
out:
	if (close(fd) < 0 && status == CLI_EXIT_OK) {
		cli_error(&r->img, "%s", cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	free(buf);
	free(after);
	free(ahead);
	free(last);
	return status;
}

/* ---------------------------------------------------------------- main */

char *replay_undo_default(struct cli_image *img, const char *path)
{
	size_t n = strlen(path) + sizeof(".fsimg-undo");
	char *p = malloc(n);

	if (!p)
		cli_error(img, "out of memory");
	else
		snprintf(p, n, "%s.fsimg-undo", path);
	return p;
}

int cmd_replay(int argc, char **argv)
{
	struct cli_common common;
	struct replay_ctx ctx = { 0 };
	struct fsimg_plan_stats pst;
	struct replay_dest d;
	struct rp r;
	struct rj rj;
	char *undo_default = NULL;
	int first, status, err, modes;

	status = cli_parse(&common, &replay_cmd, argc, argv, replay_opt, &ctx, &first);
	if (status >= 0)
		return status;
	modes = (ctx.out != NULL) + ctx.in_place;
	if (modes > 1 || (modes == 0 && !ctx.dry_run)) {
		cli_usage_error(&replay_cmd, modes ? "-o and --in-place exclude each other"
						   : "say where: -o OUT, --in-place or -n");
		return CLI_EXIT_USAGE;
	}
	if ((ctx.undo || ctx.log_undo) && !ctx.in_place) {
		cli_usage_error(&replay_cmd, ctx.undo ? "--undo goes with --in-place" : "--log-undo goes with --in-place");
		return CLI_EXIT_USAGE;
	}
	if (ctx.log_out && !ctx.out) {
		cli_usage_error(&replay_cmd, "--log-out goes with -o");
		return CLI_EXIT_USAGE;
	}
	if (cli_take_logdev(&common, &replay_cmd, ctx.logdev))
		return CLI_EXIT_USAGE;
	if ((ctx.log_out || ctx.log_undo) && !common.journal) {
		cli_usage_error(&replay_cmd, ctx.log_out ? "--log-out is for an external log: give it with -l LOGDEV"
							 : "--log-undo is for an external log: give it with -l LOGDEV");
		return CLI_EXIT_USAGE;
	}
	cli_stdout_init();
	memset(&r, 0, sizeof(r));
	status = cli_open(&r.img, &common, argv[first]);
	if (status)
		return status;
	if (ctx.in_place && !ctx.undo) {
		undo_default = replay_undo_default(&r.img, r.img.path);
		if (!undo_default)
			return cli_close(&r.img, CLI_EXIT_ERROR);
		ctx.undo = undo_default;
	}
	d = (struct replay_dest){ ctx.out, ctx.in_place ? ctx.undo : NULL, ctx.log_out, ctx.log_undo,
				  ctx.force, ctx.dry_run };
	if (common.json) {
		rj_init(&rj);
		r.json = &rj;
	}
	if (!cli_sb(&r.img)) {
		/* A log of items (XFS): through the neutral recovery interface. */
		status = replay_log(&r, &d);
		free(undo_default);
		return cli_close(&r.img, status);
	}
	if (ctx.log_out || ctx.log_undo) {
		cli_error(&r.img, "--log-out and --log-undo are for an external XFS log; an external journal is "
				  "written by neither");
		free(undo_default);
		return cli_close(&r.img, CLI_EXIT_USAGE);
	}
	r.bs = cli_sb(&r.img)->block_size;
	memcpy(r.uuid, cli_sb(&r.img)->uuid, 16);
	r.log = "journal";
	r.size = fsimg_io_size(r.img.io);
	if (r.json)
		rj_head(r.json, &r, &d, NULL, cli_sb(&r.img)->needs_recovery);
	if (!cli_sb(&r.img)->needs_recovery) {
		/* Like e2fsck: a clean image is left alone, and no copy is made. */
		if (r.json)
			rj_end(r.json, &r, &d, CLI_EXIT_OK);
		else
			printf("%s: nothing to replay (needs_recovery is not set)\n", r.img.path);
		free(undo_default);
		return cli_close(&r.img, CLI_EXIT_OK);
	}
	if (ctx.out && !ctx.dry_run)
		replay_copy_start(&r, ctx.out);
	status = cli_journal_open(&r.j, &r.img);
	if (status) {
		replay_copy_abort(&r);
		if (r.json)
			rj_end(r.json, NULL, &d, status);
		free(undo_default);
		return cli_close(&r.img, status);
	}
	err = fsimg_plan_create(&r.plan, r.j, 0);
	if (err == 0)
		err = fsimg_io_open_overlay(&r.view, r.img.io, r.plan, 0);
	if (err < 0) {
		cli_error(&r.img, "journal recovery: %s", fsimg_journal_errmsg(r.j)[0] ?
			  fsimg_journal_errmsg(r.j) : fsimg_strerror(err));
		status = CLI_EXIT_ERROR;
		goto out;
	}
	fsimg_plan_stats(&pst, r.plan);
	r.st = &pst;
	r.in_log = pst.in_journal;
	r.transactions = pst.transactions;
	status = build_candidates(&r);
	if (status)
		goto out;
	if (r.json)
		plan_json(&r);
	if (ctx.dry_run) {
		status = r.json ? CLI_EXIT_OK : print_plan(&r);
		goto out;
	}
	if (pst.kernel_error)
		cli_error(&r.img, "warning: the journal is corrupt (%s); nothing replayed (the kernel's recovery fails too)",
			  fsimg_strerror(pst.kernel_error));
	/*
	 * Valid fast commits (as the kernel's scan judges them) come after the
	 * last full commit; when fsimg does not replay them (fc_why), an
	 * in-place replay would reset the journal, after which nothing can:
	 * refuse that.
	 */
	if (pst.fc_commits && !pst.fc_replayed && ctx.in_place) {
		char text[sizeof rj.refused];

		snprintf(text, sizeof text, "refusing --in-place: the fast-commit area holds %llu valid fast "
			 "commit%s, which fsimg does not replay (%s) and resetting the journal would lose; "
			 "IMAGE is untouched (use -o OUT, or let the kernel recover it)",
			 (unsigned long long)pst.fc_commits, pst.fc_commits == 1 ? "" : "s",
			 pst.fc_why ? pst.fc_why : "unknown");
		cli_error(&r.img, "%s", text);
		if (r.json)
			snprintf(r.json->refused, sizeof r.json->refused, "%s", text);
		status = CLI_EXIT_REFUSED;
		goto out;
	}
	if (pst.in_journal)
		cli_error(&r.img, "warning: %llu planned block%s lie inside the journal itself, which no kernel "
				  "logs (JOURNAL_LOGS_ITSELF); the kernel's result could differ",
			  (unsigned long long)pst.in_journal, pst.in_journal == 1 ? "" : "s");
	if (pst.fc_commits && !pst.fc_replayed)
		cli_error(&r.img, "WARNING: the fast-commit area holds %llu valid fast commit%s (%llu block%s) "
				  "that fsimg does not replay (%s): OUT lacks what they changed",
			  (unsigned long long)pst.fc_commits, pst.fc_commits == 1 ? "" : "s",
			  (unsigned long long)pst.fc_blocks, pst.fc_blocks == 1 ? "" : "s",
			  pst.fc_why ? pst.fc_why : "unknown");
	if (ctx.out) {
		status = replay_write_copy(&r, ctx.out, ctx.force);
	} else {
		status = replay_in_place(&r, ctx.undo);
	}
out:
	replay_copy_abort(&r);
	if (r.json)
		rj_end(r.json, &r, &d, status);
	free(undo_default);
	free(r.cand);
	free(r.is_late);
	fsimg_io_close(r.view);
	fsimg_plan_free(r.plan);
	fsimg_journal_close(r.j);
	return cli_close(&r.img, status);
}
