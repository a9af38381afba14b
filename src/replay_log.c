/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg replay for a log of items (XFS), through the library's neutral
 * recovery interface: the plan's write list (byte ranges) becomes the
 * candidate blocks, the view (fsimg_recovery_apply) their contents, and
 * cmd_replay.c's -o and --in-place write them. The writes that end the
 * recovery (the superblock, the log's stale blocks and its unmount record)
 * are late: written after the rest is on disk, the unmount record last, so
 * that a crash before it leaves a dirty log that the kernel or a re-run
 * replays again (log replay is idempotent: v5 blocks already written carry
 * the LSN that makes it skip them).
 *
 * An external log (-l LOGDEV) is made clean on its own device: with -o
 * into a copy of it (--log-out LOGOUT, LOGDEV untouched), in place under an
 * undo file of its own (--log-undo); the data device is written first, the
 * log last, so that until the unmount record is on the log device a mount
 * or a re-run replays the log again.
 *
 * While recovery leaves something pending (intents without done items,
 * inodes on the AGI unlinked lists, leftover CoW staging extents), replay refuses and names them: the
 * log-replayed image with a clean log would lose what the kernel's mount
 * finishes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsimg/xlog.h"
#include "journal_rec.h"
#include "replay.h"

/* The log's basic block: the unit of its writes. */
#define LOG_BB 512u

struct touch {
	uint64_t block;
	size_t seq;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_touch_block(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_touch_seq(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The blocks of the write list that go to device dev: r->cand (sorted,
 * unique) and r->late (in the order last written).
 */
static int build_blocks(struct rp *r, const fsimg_recovery *rec, unsigned dev)
{
	size_t n = fsimg_recovery_write_count(rec), total = 0, nt = 0, k = 0;
	uint64_t nblocks = r->size / r->bs;
	struct fsimg_recovery_write w;
	struct touch *t = NULL;

	for (size_t i = 0; i < n; i++) {
		if (fsimg_recovery_write(&w, rec, i) < 0 || w.len == 0 || w.off / r->bs >= nblocks ||
		    w.device != dev)
			continue;
		total += (size_t)((w.off + w.len - 1) / r->bs - w.off / r->bs + 1);
	}
	r->cand = malloc((total ? total : 1) * sizeof(*r->cand));
	t = malloc((total ? total : 1) * sizeof(*t));
	if (!r->cand || !t) {
		free(t);
		cli_error(&r->img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t b, e;

		if (fsimg_recovery_write(&w, rec, i) < 0 || w.len == 0 || w.off / r->bs >= nblocks ||
		    w.device != dev)
			continue;
		e = (w.off + w.len - 1) / r->bs;
		for (b = w.off / r->bs; b <= e && b < nblocks; b++) {
			r->cand[k++] = b;
			if (w.kind != FSIMG_RECOVERY_LOGGED)
				t[nt++] = (struct touch){ b, nt };
		}
	}
	qsort(r->cand, k, sizeof(*r->cand), cmp_u64);
	r->ncand = 0;
	for (size_t i = 0; i < k; i++)
		if (r->ncand == 0 || r->cand[r->ncand - 1] != r->cand[i])
			r->cand[r->ncand++] = r->cand[i];
	/* a block written by several late writes goes where the last one is */
	qsort(t, nt, sizeof(*t), cmp_touch_block);
	k = 0;
	for (size_t i = 0; i < nt; i++) {
		if (k && t[k - 1].block == t[i].block)
			k--;
		t[k++] = t[i];
	}
	qsort(t, k, sizeof(*t), cmp_touch_seq);
	r->late = malloc((k ? k : 1) * sizeof(*r->late));
	if (!r->late) {
		free(t);
		cli_error(&r->img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; i < k; i++)
		r->late[i] = t[i].block;
	r->nlate = k;
	free(t);
	return replay_mark_late(r);
}

static const char *kind_name(enum fsimg_recovery_write_kind kind)
{
	switch (kind) {
	case FSIMG_RECOVERY_LOGGED: return "replayed from the log";
	case FSIMG_RECOVERY_SUPER: return "superblock as mount and unmount leave it";
	case FSIMG_RECOVERY_LOG_SUPER: return "log superblock";
	case FSIMG_RECOVERY_LOG_CLEAN: return "the log made clean";
	}
	return "?";
}

static void print_stats(FILE *f, const struct fsimg_recovery_stats *st)
{
	fprintf(f, "%llu transaction%s, %llu item%s, %llu skipped (already newer on disk), %llu cancelled",
		(unsigned long long)st->transactions, st->transactions == 1 ? "" : "s",
		(unsigned long long)st->items, st->items == 1 ? "" : "s",
		(unsigned long long)st->skipped_lsn, (unsigned long long)st->cancelled);
}

static void print_plan(struct rp *r, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st)
{
	size_t n = fsimg_recovery_write_count(rec);
	struct fsimg_recovery_write w;
	const char *what;

	printf("Replay plan for ");
	cli_put_text(stdout, r->img.path, strlen(r->img.path));
	printf(": ");
	print_stats(stdout, st);
	printf("; %llu block%s written\n", (unsigned long long)r->ncand, r->ncand == 1 ? "" : "s");
	for (size_t i = 0; i < st->pending; i++)
		if ((what = fsimg_recovery_pending(rec, i)))
			printf("  pending (not replayed: the kernel finishes it at mount): %s\n", what);
	for (size_t i = 0; i < n && !cli_output_failed(); i++) {
		if (fsimg_recovery_write(&w, rec, i) < 0)
			break;
		printf("  bytes %llu+%llu (daddr %llu%s): %s\n", (unsigned long long)w.off,
		       (unsigned long long)w.len, (unsigned long long)(w.off / 512),
		       w.device == FSIMG_RECOVERY_DEV_LOG ? " of the log device" : "", kind_name(w.kind));
	}
}

static const char *kind_key(enum fsimg_recovery_write_kind kind)
{
	switch (kind) {
	case FSIMG_RECOVERY_LOGGED: return "logged";
	case FSIMG_RECOVERY_SUPER: return "super";
	case FSIMG_RECOVERY_LOG_SUPER: return "log_super";
	case FSIMG_RECOVERY_LOG_CLEAN: return "log_clean";
	}
	return "unknown";
}

/* The count of the finish paths named in names (NULL-terminated). */
static uint64_t paths_count(const fsimg_recovery *rec, const char *const *names)
{
	const char *name;
	uint64_t n, sum = 0;

	for (size_t i = 0; (name = fsimg_recovery_path(rec, i, &n)); i++)
		for (const char *const *p = names; *p; p++)
			if (!strcmp(name, *p))
				sum += n;
	return sum;
}

/* --json: the "plan" record, what print_stats says and what the mount's finish did. */
static void plan_json(struct rp *r, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st)
{
	static const char *const intents[] = { "efi.recover", "rui.recover", "cui.recover", "bui.recover", NULL };
	static const char *const ifree[] = { "ifree.inode", NULL };
	static const char *const cow[] = { "cow.recover", NULL };
	struct jw *w = &r->json->w;

	jw_obj_begin(w, NULL);
	jw_str(w, "record", "plan");
	jw_u64(w, "transactions", st->transactions);
	cli_json_log_items(w, rec, st);
	jw_u64(w, "intents_finished", paths_count(rec, intents));
	jw_u64(w, "unlinked_inodes_freed", paths_count(rec, ifree));
	jw_u64(w, "cow_extents_freed", paths_count(rec, cow));
	jw_obj_end(w);
	jw_record_end(w);
}

/* --json: one "write" record per write of the plan (bounded), then the ranges written. */
static void writes_json(struct rp *r, const fsimg_recovery *rec, const struct rp *lr)
{
	size_t n = fsimg_recovery_write_count(rec);
	struct fsimg_recovery_write w;
	struct jw *jw = &r->json->w;

	for (size_t i = 0; i < n && !cli_output_failed() && rj_write_listed(r->json); i++) {
		if (fsimg_recovery_write(&w, rec, i) < 0)
			break;
		jw_obj_begin(jw, NULL);
		jw_str(jw, "record", "write");
		jw_str(jw, "device", w.device == FSIMG_RECOVERY_DEV_LOG ? "log" : "fs");
		jw_u64(jw, "offset", w.off);
		jw_u64(jw, "len", w.len);
		jw_u64(jw, "daddr", w.off / 512);
		jw_str(jw, "kind", kind_key(w.kind));
		jw_obj_end(jw);
		jw_record_end(jw);
	}
	/* past the bound: counted, not listed */
	if (n > r->json->writes)
		r->json->writes = n;
	rj_ranges(r->json, r, "fs");
	if (r->json->log_device) {
		rj_ranges(r->json, lr, "log");
		r->json->log_sectors = lr->ncand;
	}
}

/* -v: the kernel paths the mount's work after the log took (intents finished, unlinked inodes
 * freed), as fsimg models them, with how often; a refused finish's up to its refusal. */
static void print_paths(const fsimg_recovery *rec)
{
	const char *name;
	uint64_t n;

	for (size_t i = 0; (name = fsimg_recovery_path(rec, i, &n)); i++)
		printf("finish path %s: %llu\n", name, (unsigned long long)n);
}

/*
 * Refuses, in one line saying what fsimg cannot finish and why, then naming
 * each thing pending: the kernel's mount would finish them, a copy with a
 * clean log would lose them. CLI_EXIT_REFUSED.
 */
static int refuse_pending(struct rp *r, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st)
{
	const char *what;
	char text[1024];

	cli_pending_text(text, sizeof text, rec, st->pending);
	if (r->json)
		snprintf(r->json->refused, sizeof r->json->refused, "%s", text);
	cli_error(&r->img, "refusing to replay, nothing written (IMAGE untouched; mounting it lets the kernel "
			   "recover it): %s", text);
	for (size_t i = 0; i < st->pending; i++)
		if ((what = fsimg_recovery_pending(rec, i)))
			cli_error(&r->img, "  pending: %s", what);
	return CLI_EXIT_REFUSED;
}

/*
 * An external log device as a source of its own for cmd_replay.c's
 * writers: its path and io, 512-byte blocks, its view and the clean log's
 * blocks (all late: the stale blocks, then the unmount record last).
 */
static int log_rp(struct rp *lr, const struct rp *r, const fsimg_recovery *rec)
{
	int err;

	memset(lr, 0, sizeof(*lr));
	lr->img = r->img;
	lr->img.path = r->img.common->journal;
	lr->img.io = r->img.journal_io;
	lr->img.journal_io = NULL;
	lr->img.bare = true;
	lr->log = r->log;
	lr->json = r->json;
	lr->transactions = r->transactions;
	memcpy(lr->uuid, r->uuid, 16);
	lr->bs = LOG_BB;
	lr->size = fsimg_io_size(lr->img.io);
	err = fsimg_recovery_apply(&lr->view, lr->img.io, rec, FSIMG_RECOVERY_LOG_DEVICE);
	if (err < 0) {
		cli_error(&lr->img, "log recovery: %s", fsimg_strerror(err));
		return CLI_EXIT_ERROR;
	}
	return build_blocks(lr, rec, FSIMG_RECOVERY_DEV_LOG);
}

static void rp_free_blocks(struct rp *r)
{
	fsimg_io_close(r->view);
	r->view = NULL;
	free(r->cand);
	free(r->is_late);
	free(r->late);
	r->cand = r->late = NULL;
	r->is_late = NULL;
}

/*
 * The log's ends, as the kernel's mount finds them: whether an external
 * log is dirty (the superblock does not say, its log being elsewhere), and
 * --json's "log" record. 0, or an exit status (said when say).
 */
static int log_info(struct rp *r, struct fsimg_xlog_info *li, bool say)
{
	fsimg_xlog *log = NULL;
	char why[256] = "";
	int err = fsimg_xlog_open(&log, r->img.fs, r->img.journal_io, why, sizeof why);

	if (err < 0) {
		if (say)
			cli_error(&r->img, "log: %s", why[0] ? why : fsimg_strerror(err));
		return CLI_EXIT_ERROR;
	}
	fsimg_xlog_info(li, log);
	fsimg_xlog_close(log);
	return 0;
}

/* Is LOGOUT one -o may write, before OUT is: 0, or an exit status (said). */
static int log_out_ok(struct rp *r, const struct replay_dest *d)
{
	struct stat a, b;

	if (stat(d->log_out, &a) != 0)
		return 0;
	if ((stat(r->img.common->journal, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) ||
	    (stat(r->img.path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) ||
	    (stat(d->out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
		cli_error(&r->img, "LOGOUT %s is LOGDEV, IMAGE or OUT; --in-place replays into LOGDEV", d->log_out);
		return CLI_EXIT_USAGE;
	}
	if (!d->force) {
		cli_error(&r->img, "%s exists; use -f to overwrite it", d->log_out);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/*
 * --in-place: the log device's undo file is one undo_create will make (it
 * never overwrites one), checked before the filesystem is written: 0, or
 * an exit status (said).
 */
static int log_undo_ok(struct rp *r, const struct replay_dest *d)
{
	char *def = d->log_undo ? NULL : replay_undo_default(&r->img, r->img.common->journal);
	const char *path = d->log_undo ? d->log_undo : def;
	struct stat st;
	int status = 0;

	if (!path)
		return CLI_EXIT_ERROR;
	if (strcmp(path, d->undo) == 0) {
		cli_error(&r->img, "the log device's undo file is the filesystem's (%s): give another with "
				   "--log-undo", path);
		status = CLI_EXIT_USAGE;
	} else if (lstat(path, &st) == 0) {
		cli_error(&r->img, "%s exists; refusing to overwrite an undo file (give another with --log-undo)",
			  path);
		status = CLI_EXIT_ERROR;
	}
	free(def);
	return status;
}

int replay_log(struct rp *r, const struct replay_dest *d)
{
	struct fsimg_recovery_stats st;
	struct fsimg_xlog_info li;
	fsimg_recovery *rec = NULL;
	struct rp lr;
	bool ext = r->img.journal_io != NULL, dirty = r->img.info.needs_recovery, have_li = false;
	char *log_undo = NULL;
	int err, status = CLI_EXIT_ERROR;

	memset(&lr, 0, sizeof(lr));
	r->bs = r->img.info.block_size;
	r->size = fsimg_io_size(r->img.io);
	r->log = "log";
	memcpy(r->uuid, r->img.info.uuid, 16);
	if (ext || r->json) {
		status = log_info(r, &li, ext);
		if (status && ext)
			return status;
		have_li = status == 0;
		if (ext)
			dirty = !li.clean && !li.zeroed;
	}
	if (r->json) {
		if (ext && d->undo && !d->log_undo)
			log_undo = replay_undo_default(&r->img, r->img.common->journal);
		r->json->log_device = ext;
		rj_head(r->json, r, d, d->log_undo ? d->log_undo : log_undo, dirty);
		if (have_li)
			journal_xfs_log_json(&r->json->w, &r->img, r->img.common->journal, &li);
	}
	if (ext && dirty && d->out && !d->dry_run && !d->log_out) {
		/* OUT with LOGDEV's dirty log would be replayed again by a mount: its clean log goes apart */
		cli_error(&r->img, "the log is on an external device: give --log-out LOGOUT, the file or device "
				   "that receives OUT's log made clean; IMAGE and LOGDEV are untouched");
		status = CLI_EXIT_USAGE;
		goto out;
	}
	if (ext && dirty && d->out && !d->dry_run && (status = log_out_ok(r, d)))
		goto out;
	if (ext && dirty && d->undo && (status = log_undo_ok(r, d)))
		goto out;
	status = CLI_EXIT_ERROR;
	/* the copy needs no plan: it runs while the plan is made */
	if (d->out && !d->dry_run && dirty)
		replay_copy_start(r, d->out);
	/* planned before the clean test: an external log is only known to be one by opening it */
	err = fsimg_recovery_plan(&rec, r->img.fs, r->img.journal_io, 0);
	if (err < 0) {
		cli_error(&r->img, "%s", cli_errmsg(&r->img, err));
		goto out;
	}
	if (!dirty) {
		/* As the kernel: a clean log is left alone, and no copy is made. */
		if (!r->json)
			printf("%s: nothing to replay (the log is clean)\n", r->img.path);
		status = CLI_EXIT_OK;
		goto out;
	}
	fsimg_recovery_stats(&st, rec);
	r->transactions = st.transactions;
	if (r->json)
		plan_json(r, rec, &st);
	else if (r->img.common->verbose)
		print_paths(rec);
	if (st.pending && !d->dry_run) {
		status = refuse_pending(r, rec, &st);
		goto out;
	}
	err = fsimg_recovery_apply(&r->view, r->img.io, rec, 0);
	if (err < 0) {
		cli_error(&r->img, "log recovery: %s", fsimg_strerror(err));
		goto out;
	}
	status = build_blocks(r, rec, FSIMG_RECOVERY_DEV_FS);
	if (status == 0 && ext && !st.pending)
		status = log_rp(&lr, r, rec);
	if (status)
		goto out;
	if (r->json)
		writes_json(r, rec, &lr);
	if (d->dry_run) {
		if (!r->json)
			print_plan(r, rec, &st);
		if (ext && !r->json)
			printf("  the log device %s: %llu sector%s written\n", lr.img.path,
			       (unsigned long long)lr.ncand, lr.ncand == 1 ? "" : "s");
		status = CLI_EXIT_OK;
		if (st.pending) {
			char text[1024];

			cli_pending_text(text, sizeof text, rec, st.pending);
			if (r->json)
				snprintf(r->json->refused, sizeof r->json->refused, "%s", text);
			else
				printf("Refused: replay would write nothing: %s\n", text);
			status = CLI_EXIT_REFUSED;
		}
	} else if (d->out) {
		status = replay_write_copy(r, d->out, d->force);
		/* the data device first: LOGOUT's clean log is what says it is complete */
		if (status == 0 && ext) {
			status = replay_write_copy(&lr, d->log_out, d->force);
			if (status)
				fprintf(stderr, "fsimg: %s has the replayed filesystem, but its log was not written "
						"clean to %s: run the replay again (-f)\n", d->out, d->log_out);
		}
	} else {
		status = replay_in_place(r, d->undo);
		/*
		 * The log last, under its own undo file: until its unmount record
		 * is written the log stays dirty, and a re-run (or the kernel)
		 * replays it again over the blocks already written.
		 */
		if (status == 0 && ext) {
			if (!d->log_undo && !log_undo)
				log_undo = replay_undo_default(&r->img, r->img.common->journal);
			status = d->log_undo || log_undo ? replay_in_place(&lr, d->log_undo ? d->log_undo : log_undo)
							 : CLI_EXIT_ERROR;
			if (status)
				fprintf(stderr, "fsimg: the log device was not made clean: the filesystem is replayed "
						"but its log is still dirty; run the replay again (another --undo "
						"file), or restore it with 'fsimg undo %s %s'\n", d->undo, r->img.path);
		}
	}
out:
	replay_copy_abort(r);
	if (r->json)
		rj_end(r->json, r, d, status);
	rp_free_blocks(r);
	rp_free_blocks(&lr);
	free(log_undo);
	fsimg_recovery_free(rec);
	return status;
}
