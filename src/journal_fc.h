/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg journal on ext4: the fast-commit area (journal_fc.c), judged as
 * the kernel's recovery scan judges it, and its tags listed.
 */
#ifndef FSIMG_JOURNAL_FC_H
#define FSIMG_JOURNAL_FC_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_jbd2.h"

/* The area's state for --json ("valid", "stale", ...). */
const char *journal_fc_state_name(enum fsimg_fc_state s);
/*
 * Whether fsimg replays the valid fast commits: NULL when it does, else
 * why not, copied into buf (the recovery plan that says so is freed).
 */
const char *journal_fc_unreplayed(fsimg_journal *j, char *buf, size_t len);
/* The rest of the "Fast commits:" line, in words. */
void journal_fc_state_text(const struct fsimg_journal_scan_info *si, const char *unreplayed);
/*
 * The area's tags in log order with their values, text or JSON records:
 * all of them (all), or the valid ones.
 */
void journal_fc_list(struct jw *w, fsimg_journal *j, const struct fsimg_journal_scan_info *si, bool json,
		     bool all);

#endif /* FSIMG_JOURNAL_FC_H */
