/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg replay's parts shared by the jbd2 path (cmd_replay.c) and the
 * path of a log of items through the neutral recovery interface
 * (replay_log.c): the candidate blocks, their writing to a copy or in
 * place with an undo file.
 */
#ifndef FSIMG_REPLAY_H
#define FSIMG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* Everything one run needs. */
struct rp {
	struct cli_image img;
	struct fsimg_journal *j;    /* jbd2 only */
	struct fsimg_plan *plan;    /* jbd2 only */
	const struct fsimg_plan_stats *st; /* jbd2 only */
	uint64_t in_log;            /* planned blocks inside the log itself (jbd2: JOURNAL_LOGS_ITSELF) */
	fsimg_io *view;             /* the overlay: the image after recovery */
	const char *log;            /* "journal", "log" */
	uint64_t transactions;
	uint8_t uuid[16];           /* the filesystem's, for the undo file */
	uint32_t bs;
	uint64_t size;
	uint64_t *cand;             /* blocks that may change, sorted, unique */
	size_t ncand;
	uint8_t *is_late;           /* per cand: one of late */
	uint64_t *late;             /* blocks written after the rest is on disk, in this order */
	size_t nlate;
	uint64_t late_super[2];     /* jbd2's late: its journal superblock, its superblock */
	uint64_t sb_block, jsb_block; /* jbd2: jsb_block UINT64_MAX when external */
	struct replay_early *early; /* -o's copy, started before the plan (replay_copy.c) */
	struct rj *json;            /* --json's records (replay_json.c), or NULL: text */
};

/* Marks the late blocks among the candidates (r->is_late): 0 or an exit status. */
int replay_mark_late(struct rp *r);
/* -o OUT: the source copied, every candidate written over it from the view. */
int replay_write_copy(struct rp *r, const char *out, bool force);
/* --in-place: the undo file, the candidates, fsync, the late blocks, fsync. */
int replay_in_place(struct rp *r, const char *undo_path);
/*
 * replay_copy.c: the source's bytes into ofd (a bare image's data segments,
 * holes kept when sparse; a container read through), 0 or -errno; buf is
 * io_batch_alloc's.
 */
int replay_copy(struct rp *r, int sfd, int ofd, bool sparse, uint8_t *buf);
/*
 * -o into a new file: starts copying the source, in a thread, into an
 * unnamed file in OUT's directory (r->early), before the plan is made;
 * does nothing (the copy is made after the plan) for an OUT that exists,
 * a container or a partition, or where that cannot be done. r->size set.
 */
void replay_copy_start(struct rp *r, const char *out);
/* Stops and drops the early copy, if any: nothing is left behind. */
void replay_copy_abort(struct rp *r);
/* Waits for the early copy, has write_blocks write over it, names it OUT: an exit status. */
int replay_copy_finish(struct rp *r, const char *out,
		       int (*write_blocks)(struct rp *r, int ofd, const char *out, uint8_t *buf));
/* PATH.fsimg-undo, --undo's default (malloc'd), or NULL with the error said. */
char *replay_undo_default(struct cli_image *img, const char *path);
/* Where replay_log writes: undo set for --in-place; the log_ ones for an external XFS log. */
struct replay_dest {
	const char *out, *undo;
	const char *log_out, *log_undo;
	bool force, dry_run;
};
/* XFS (replay_log.c): the whole command after cli_open. */
int replay_log(struct rp *r, const struct replay_dest *d);

/*
 * --json (replay_json.c): JSON Lines on stdout, a "replay" record, the
 * journal's or log's record (as `journal --json` writes it), a "plan"
 * record, the plan's writes and the written ranges (each list bounded:
 * past max records only counted), an "end" record with the outcome.
 */
struct rj {
	struct jw w;
	size_t max;                 /* records listed per list */
	uint64_t writes, writes_listed;
	uint64_t ranges, ranges_listed;
	bool needs_recovery;
	bool head_done, end_done;
	uint64_t log_sectors;       /* an external XFS log device's sectors written */
	bool log_device;            /* an external XFS log device is written (set before rj_head) */
	char refused[1100];         /* the refusal's words, as on stderr, or "" */
};
void rj_init(struct rj *j);
/* The "replay" record: where the run writes, whether there is anything to replay. */
void rj_head(struct rj *j, const struct rp *r, const struct replay_dest *d, const char *log_undo,
	     bool needs_recovery);
/* Whether the next record of the plan's writes is listed (counted either way). */
bool rj_write_listed(struct rj *j);
/* The "range" records of r's candidates: runs of blocks of r->bs bytes on device. */
void rj_ranges(struct rj *j, const struct rp *r, const char *device);
/* The "end" record, once, for exit status status; r: the filesystem's blocks (or NULL). */
void rj_end(struct rj *j, const struct rp *r, const struct replay_dest *d, int status);

#endif /* FSIMG_REPLAY_H */
