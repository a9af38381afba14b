/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg replay --json: the plan and the outcome as JSON Lines, for both
 * paths (cmd_replay.c's jbd2 journal, replay_log.c's log of items). The
 * records that only one path knows (the journal's superblock or the log's
 * head and tail, the plan's counts, its writes) are written there; this
 * file holds the records every replay writes: the first ("replay": where
 * it writes), the written ranges, the last ("end": what happened).
 *
 * The lists are bounded (RJ_MAX records each; past it, counted only and
 * flagged in the end record), so that a huge log keeps the output small
 * enough to read; the totals are always there.
 */
#include "config.h"

#include <string.h>

#include "replay.h"
#include "testhooks.h"
#include "wimg.h"

/* Records listed per list: the written ranges, the plan's writes. */
#define RJ_MAX 100000u

void rj_init(struct rj *j)
{
	memset(j, 0, sizeof(*j));
	jw_init(&j->w, stdout);
	j->max = hook_json_max(RJ_MAX);
}

static const char *mode_name(const struct replay_dest *d)
{
	return d->dry_run ? "plan" : d->out ? "output" : "in_place";
}

void rj_head(struct rj *j, const struct rp *r, const struct replay_dest *d, const char *log_undo,
	     bool needs_recovery)
{
	struct jw *w = &j->w;
	bool writes = !d->dry_run && needs_recovery;

	j->needs_recovery = needs_recovery;
	jw_obj_begin(w, NULL);
	jw_str(w, "record", "replay");
	jw_str(w, "image", r->img.path);
	jw_str(w, "fs_type", r->img.info.type);
	jw_str(w, "log", r->log);
	jw_str(w, "external", r->img.journal_io ? r->img.common->journal : NULL);
	jw_str(w, "mode", mode_name(d));
	jw_bool(w, "needs_recovery", needs_recovery);
	jw_str(w, "output", writes ? d->out : NULL);
	jw_str(w, "undo", writes ? d->undo : NULL);
	jw_str(w, "log_output", writes && j->log_device ? d->log_out : NULL);
	jw_str(w, "log_undo", writes && j->log_device && d->undo ? log_undo : NULL);
	jw_u64(w, "block_size", r->bs);
	jw_obj_end(w);
	jw_record_end(w);
	j->head_done = true;
}

bool rj_write_listed(struct rj *j)
{
	if (j->writes++ >= j->max)
		return false;
	j->writes_listed++;
	return true;
}

void rj_ranges(struct rj *j, const struct rp *r, const char *device)
{
	struct jw *w = &j->w;

	for (size_t i = 0, k; i < r->ncand; i += k) {
		for (k = 1; i + k < r->ncand && r->cand[i + k] == r->cand[i] + k; k++)
			;
		if (j->ranges++ >= j->max || cli_output_failed())
			continue;
		j->ranges_listed++;
		jw_obj_begin(w, NULL);
		jw_str(w, "record", "range");
		jw_str(w, "device", device);
		jw_u64(w, "start", r->cand[i]);
		jw_u64(w, "count", k);
		jw_u64(w, "block_size", r->bs);
		jw_obj_end(w);
		jw_record_end(w);
	}
}

static const char *status_name(const struct rj *j, const struct replay_dest *d, int status)
{
	switch (status) {
	case CLI_EXIT_OK:
		return !j->needs_recovery ? "clean" : d->dry_run ? "planned" : "replayed";
	case CLI_EXIT_REFUSED:
		return "refused";
	default:
		return "error";
	}
}

void rj_end(struct rj *j, const struct rp *r, const struct replay_dest *d, int status)
{
	struct jw *w = &j->w;
	bool written = status == CLI_EXIT_OK && !d->dry_run && j->needs_recovery;

	if (!j->head_done || j->end_done)
		return;
	j->end_done = true;
	jw_obj_begin(w, NULL);
	jw_str(w, "record", "end");
	jw_str(w, "status", status_name(j, d, status));
	jw_i64(w, "exit", status);
	jw_bool(w, "written", written);
	/* an error after the first write: IMAGE (in place) or OUT holds part of the replay */
	jw_bool(w, "partial", !written && !d->dry_run && wimg_writes_done() > 0);
	jw_u64(w, "blocks", r ? r->ncand : 0);
	if (j->log_device)
		jw_u64(w, "log_sectors", j->log_sectors);
	else
		jw_null(w, "log_sectors");
	jw_u64(w, "writes", j->writes);
	jw_bool(w, "writes_truncated", j->writes_listed < j->writes);
	jw_u64(w, "ranges", j->ranges);
	jw_bool(w, "ranges_truncated", j->ranges_listed < j->ranges);
	jw_str(w, "refused", j->refused[0] ? j->refused : NULL);
	jw_obj_end(w);
	jw_record_end(w);
}
