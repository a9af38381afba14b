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
 * While recovery leaves something pending (intents without done items,
 * inodes on the AGI unlinked lists, leftover CoW staging extents), replay refuses and names them: the
 * log-replayed image with a clean log would lose what the kernel's mount
 * finishes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

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

/* The blocks of the write list: r->cand (sorted, unique) and r->late (in the order last written). */
static int build_blocks(struct rp *r, const fsimg_recovery *rec)
{
	size_t n = fsimg_recovery_write_count(rec), total = 0, nt = 0, k = 0;
	uint64_t nblocks = r->size / r->bs;
	struct fsimg_recovery_write w;
	struct touch *t = NULL;

	for (size_t i = 0; i < n; i++) {
		if (fsimg_recovery_write(&w, rec, i) < 0 || w.len == 0 || w.off / r->bs >= nblocks)
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

		if (fsimg_recovery_write(&w, rec, i) < 0 || w.len == 0 || w.off / r->bs >= nblocks)
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
		printf("  bytes %llu+%llu (daddr %llu): %s\n", (unsigned long long)w.off,
		       (unsigned long long)w.len, (unsigned long long)(w.off / 512), kind_name(w.kind));
	}
}

/* Refuses, naming what is pending: the kernel's mount would finish it, a clean copy would lose it. */
static int refuse_pending(struct rp *r, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st)
{
	const char *what;

	cli_error(&r->img, "refusing to replay: after the log, recovery leaves %llu thing%s pending that the "
			   "kernel finishes at mount and fsimg does not yet; a copy with a clean log would lose "
			   "%s; IMAGE is untouched and nothing is written (let the kernel recover it):",
		  (unsigned long long)st->pending, st->pending == 1 ? "" : "s",
		  st->pending == 1 ? "it" : "them");
	for (size_t i = 0; i < st->pending; i++)
		if ((what = fsimg_recovery_pending(rec, i)))
			cli_error(&r->img, "  pending: %s", what);
	return CLI_EXIT_ERROR;
}

int replay_log(struct rp *r, const char *out, bool force, const char *undo, bool dry_run)
{
	struct fsimg_recovery_stats st;
	fsimg_recovery *rec = NULL;
	int err, status = CLI_EXIT_ERROR;

	r->bs = r->img.info.block_size;
	r->size = fsimg_io_size(r->img.io);
	r->log = "log";
	memcpy(r->uuid, r->img.info.uuid, 16);
	if (r->img.journal_io) {
		cli_error(&r->img, "replay does not write an external %s log yet (its unmount record goes to "
				   "the log device); IMAGE is untouched", r->img.info.type);
		return CLI_EXIT_ERROR;
	}
	/* the copy needs no plan: it runs while the plan is made */
	if (out && !dry_run && r->img.info.needs_recovery)
		replay_copy_start(r, out);
	/* planned before the clean test: an external log is only known to be one by opening it */
	err = fsimg_recovery_plan(&rec, r->img.fs, NULL, 0);
	if (err < 0) {
		replay_copy_abort(r);
		cli_error(&r->img, "%s", cli_errmsg(&r->img, err));
		return CLI_EXIT_ERROR;
	}
	if (!r->img.info.needs_recovery) {
		/* As the kernel: a clean log is left alone, and no copy is made. */
		printf("%s: nothing to replay (the log is clean)\n", r->img.path);
		fsimg_recovery_free(rec);
		return CLI_EXIT_OK;
	}
	fsimg_recovery_stats(&st, rec);
	r->transactions = st.transactions;
	if (st.pending && !dry_run) {
		status = refuse_pending(r, rec, &st);
		goto out;
	}
	err = fsimg_recovery_apply(&r->view, r->img.io, rec, 0);
	if (err < 0) {
		cli_error(&r->img, "log recovery: %s", fsimg_strerror(err));
		goto out;
	}
	status = build_blocks(r, rec);
	if (status)
		goto out;
	if (dry_run) {
		print_plan(r, rec, &st);
		status = CLI_EXIT_OK;
	} else if (out) {
		status = replay_write_copy(r, out, force);
	} else {
		status = replay_in_place(r, undo);
	}
out:
	replay_copy_abort(r);
	fsimg_io_close(r->view);
	r->view = NULL;
	free(r->cand);
	free(r->is_late);
	free(r->late);
	fsimg_recovery_free(rec);
	return status;
}
