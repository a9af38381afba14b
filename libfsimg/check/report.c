/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The problem table (generated from problems.def), rendering of a problem's
 * message template, and the one reporting path every pass goes through.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/check.h"

static const struct fsimg_problem_def problem_table[] = {
#define PROBLEM(id, code, sev, st, msg, expl) { code, #id, sev, st, msg, expl },
#include "check/problems.def"
#undef PROBLEM
};

/* An empty table still needs a valid array for the count below. */
#define PROBLEM_COUNT ((size_t)PR__COUNT)

FSIMG_API const struct fsimg_problem_def *fsimg_problem_table(size_t *count)
{
	if (count)
		*count = PROBLEM_COUNT;
	return problem_table;
}

FSIMG_API const struct fsimg_problem_def *fsimg_problem_by_id(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < PROBLEM_COUNT; i++)
		if (strcmp(problem_table[i].id, id) == 0)
			return &problem_table[i];
	return NULL;
}

FSIMG_API const char *fsimg_severity_name(enum fsimg_severity s)
{
	switch (s) {
	case FSIMG_SEV_INFO: return "info";
	case FSIMG_SEV_WARNING: return "warning";
	case FSIMG_SEV_ERROR: return "error";
	}
	return "?";
}

FSIMG_API const char *fsimg_structure_name(enum fsimg_structure s)
{
	switch (s) {
	case FSIMG_ST_SUPER: return "superblock";
	case FSIMG_ST_GROUP: return "group";
	case FSIMG_ST_INODE: return "inode";
	case FSIMG_ST_EXTENT: return "extent";
	case FSIMG_ST_BLOCK: return "block";
	case FSIMG_ST_DIR: return "directory";
	case FSIMG_ST_BITMAP: return "bitmap";
	case FSIMG_ST_JOURNAL: return "journal";
	case FSIMG_ST_DATA: return "data";
	}
	return "?";
}

/* Appends s (n bytes) to buf, counting what it would need past len. */
static void put(char *buf, size_t len, size_t *pos, const char *s, size_t n)
{
	if (*pos < len) {
		size_t room = len - 1 - *pos;
		memcpy(buf + *pos, s, n < room ? n : room);
	}
	*pos += n;
}

FSIMG_API size_t fsimg_problem_format(char *buf, size_t len, const struct fsimg_problem_def *def,
				      const struct fsimg_problem_ctx *ctx)
{
	static const struct {
		const char *name;
		unsigned flag;
		bool lsn; /* an XFS log sequence number, shown as cycle:block */
	} fields[] = {
		{ "inode", FSIMG_PF_INODE, false }, { "block", FSIMG_PF_BLOCK, false },
		{ "lblk", FSIMG_PF_LBLK, false }, { "length", FSIMG_PF_LENGTH, false },
		{ "group", FSIMG_PF_GROUP, false }, { "expected", FSIMG_PF_EXPECTED, false },
		{ "found", FSIMG_PF_FOUND, false }, { "detail", FSIMG_PF_DETAIL, false },
		{ "found_lsn", FSIMG_PF_FOUND, true }, { "expected_lsn", FSIMG_PF_EXPECTED, true },
	};
	size_t pos = 0;
	const char *t = def && def->message ? def->message : "";

	while (*t) {
		const char *open = strchr(t, '{');
		if (!open) {
			put(buf, len, &pos, t, strlen(t));
			break;
		}
		put(buf, len, &pos, t, (size_t)(open - t));
		const char *close = strchr(open, '}');
		if (!close) {
			put(buf, len, &pos, open, strlen(open));
			break;
		}
		size_t nlen = (size_t)(close - open - 1);
		char num[32];
		const char *val = "?";
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (strlen(fields[i].name) != nlen || memcmp(fields[i].name, open + 1, nlen))
				continue;
			if (!ctx || !(ctx->has & fields[i].flag))
				break;
			uint64_t v = 0;
			switch (fields[i].flag) {
			case FSIMG_PF_INODE: v = ctx->inode; break;
			case FSIMG_PF_BLOCK: v = ctx->block; break;
			case FSIMG_PF_LBLK: v = ctx->lblk; break;
			case FSIMG_PF_LENGTH: v = ctx->length; break;
			case FSIMG_PF_GROUP: v = ctx->group; break;
			case FSIMG_PF_EXPECTED: v = ctx->expected; break;
			case FSIMG_PF_FOUND: v = ctx->found; break;
			case FSIMG_PF_DETAIL:
				val = ctx->detail ? ctx->detail : "?";
				break;
			}
			if (fields[i].lsn) {
				snprintf(num, sizeof(num), "%" PRIu32 ":%" PRIu32, (uint32_t)(v >> 32), (uint32_t)v);
				val = num;
			} else if (fields[i].flag != FSIMG_PF_DETAIL) {
				snprintf(num, sizeof(num), "%" PRIu64, v);
				val = num;
			}
			break;
		}
		put(buf, len, &pos, val, strlen(val));
		t = close + 1;
	}
	if (len)
		buf[pos < len ? pos : len - 1] = '\0';
	return pos;
}

void check_report(struct check_ctx *c, enum problem_id id, const struct fsimg_problem_ctx *pctx)
{
	if ((size_t)id >= PROBLEM_COUNT)
		return;
	const struct fsimg_problem_def *def = &problem_table[id];
	struct fsimg_problem_ctx empty = { 0 };
	char msg[512];
	struct fsimg_problem p;

	if (!pctx)
		pctx = &empty;
	if (c->sink) {
		check_sink_add(c->sink, id, pctx);
		return;
	}
	fsimg_problem_format(msg, sizeof(msg), def, pctx);
	switch (def->severity) {
	case FSIMG_SEV_ERROR: c->sum.errors++; break;
	case FSIMG_SEV_WARNING: c->sum.warnings++; break;
	case FSIMG_SEV_INFO: c->sum.infos++; break;
	}
	if (!c->opts.report)
		return;
	p.def = def;
	p.ctx = *pctx;
	p.message = msg;
	c->opts.report(c->opts.report_ctx, &p);
}

void check_progress(struct check_ctx *c, int pass, const char *name, uint64_t done, uint64_t total)
{
	/* A worker thread's progress is told by check_parallel's done, in order. */
	if (c->opts.progress && !c->sink)
		c->opts.progress(c->opts.progress_ctx, pass, name, done, total);
}
