/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsck --baseline: an earlier fsck --json report to compare with (baseline.c). */
#ifndef FSIMG_BASELINE_H
#define FSIMG_BASELINE_H

#include <stdbool.h>

#include "fsimg/check.h"

struct baseline;
struct json_object;

/*
 * Reads and parses REPORT. On failure prints one line ("fsimg: REPORT:
 * not valid JSON at line L, column C (byte B): why", or what is missing)
 * and returns CLI_EXIT_ERROR.
 */
int baseline_load(struct baseline **out, const char *path);
/* True when the report had p (and marks that copy of it as seen again). */
bool baseline_take(struct baseline *b, const struct fsimg_problem *p);
/* Calls fn for each problem of the report not seen again, in the report's order. */
typedef void (*baseline_gone_fn)(void *ctx, struct json_object *problem);
int baseline_each_gone(const struct baseline *b, baseline_gone_fn fn, void *ctx);
void baseline_free(struct baseline *b);

#endif /* FSIMG_BASELINE_H */
