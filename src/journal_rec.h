/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records of `journal --json` that say where a journal or log is and
 * where it starts and ends: `replay --json` writes the same records, from
 * the same code.
 */
#ifndef FSIMG_JOURNAL_REC_H
#define FSIMG_JOURNAL_REC_H

#include "cli.h"

/* Forward declared: a command writing the records includes its backend's header. */
struct fsimg_journal_super;
struct fsimg_journal_scan_info;
struct fsimg_xlog_info;

/* jbd2: the "superblock" record (cmd_journal.c). */
void journal_super_json(struct jw *w, const struct cli_image *img, const struct fsimg_journal_super *js,
			const struct fsimg_journal_scan_info *si);
/* XFS: the "log" record (journal_xfs.c); logdev: the external log's path, or NULL. */
void journal_xfs_log_json(struct jw *w, const struct cli_image *img, const char *logdev,
			  const struct fsimg_xlog_info *li);

#endif /* FSIMG_JOURNAL_REC_H */
