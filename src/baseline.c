/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsck --baseline REPORT.json: an earlier "fsimg fsck --json" report, read
 * with json-c's parser, so that a check prints only what changed since.
 *
 * A problem is the same problem when its id, its message and its context
 * fields (inode, block, lblk, length, group) are all equal: the message
 * carries the counts a detector found, so a count that changed is a new
 * problem and the old one is gone. A report may hold the same problem twice;
 * each copy matches one.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "baseline.h"
#include "cli.h"

/* fsck reports are one line of our own output; anything near this is not one. */
#define REPORT_MAX ((size_t)1 << 30)

static const char *const ctx_fields[] = { "inode", "block", "lblk", "length", "group" };
#define NFIELDS (sizeof(ctx_fields) / sizeof(ctx_fields[0]))

struct entry {
	char *key;
	struct json_object *problem;   /* as the report has it */
	size_t idx;                    /* its place in the report */
	bool taken;
};

struct baseline {
	struct entry *v;
	size_t n;
	struct json_object *root;
};

/* "ID\nmessage\nfield=value..." from the parts a problem is compared by. */
static char *make_key(const char *id, const char *msg, const bool has[NFIELDS],
		      const uint64_t val[NFIELDS])
{
	size_t len = strlen(id) + strlen(msg) + 3 + NFIELDS * 32;
	char *k = malloc(len), *p;

	if (!k)
		return NULL;
	p = k + snprintf(k, len, "%s\n%s\n", id, msg);
	for (size_t i = 0; i < NFIELDS; i++)
		if (has[i])
			p += snprintf(p, len - (size_t)(p - k), "%s=%" PRIu64 ";", ctx_fields[i], val[i]);
	return k;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].key);
	free(b->v);
	json_object_put(b->root);
	free(b);
}

/* "fsimg: REPORT: why", as for an image that cannot be read */
static int refuse(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(const char *path, const char *fmt, ...)
{
	struct cli_image report = { .path = path };
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cli_error(&report, "%s", why);
	return CLI_EXIT_ERROR;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t n;

	if (!f)
		return refuse(path, "%s", cli_strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > REPORT_MAX) {
		fclose(f);
		return refuse(path, "not a report file (a regular file under 1 GiB)");
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return refuse(path, "out of memory");
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return refuse(path, "%s", cli_strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The parser's position as "line L, column C (byte B)"; both count from 1. */
static int refuse_at(const char *path, const char *buf, size_t off, const char *why)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return refuse(path, "not valid JSON at line %zu, column %zu (byte %zu): %s",
		      line, col, off + 1, why);
}

static int parse(const char *path, const char *buf, size_t len, struct json_object **out)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	struct json_object *o;
	size_t end;

	if (!tok)
		return refuse(path, "out of memory");
	/* our own output is strict JSON: no trailing commas, no single quotes */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o) {
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			return refuse_at(path, buf, len, "the report ends early");
		return refuse_at(path, buf, end < len ? end : len, json_tokener_error_desc(jerr));
	}
	while (end < len && (buf[end] == ' ' || buf[end] == '\n' || buf[end] == '\t' ||
			     buf[end] == '\r'))
		end++;
	if (end < len) {
		json_object_put(o);
		return refuse_at(path, buf, end, "data after the report");
	}
	*out = o;
	return 0;
}

/* One problem of the report: its key, or a refusal naming what is wrong. */
static int entry_from(const char *path, size_t i, struct json_object *p, struct entry *e)
{
	struct json_object *id, *msg, *f;
	bool has[NFIELDS] = { false };
	uint64_t val[NFIELDS] = { 0 };

	if (!json_object_is_type(p, json_type_object) ||
	    !json_object_object_get_ex(p, "id", &id) || !json_object_is_type(id, json_type_string) ||
	    !json_object_object_get_ex(p, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string))
		return refuse(path, "not an fsck --json report: problems[%zu] is not an object "
			      "with an \"id\" and a \"message\"", i);
	for (size_t k = 0; k < NFIELDS; k++) {
		if (!json_object_object_get_ex(p, ctx_fields[k], &f))
			continue;
		if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)
			return refuse(path, "not an fsck --json report: problems[%zu].%s is not a "
				      "number", i, ctx_fields[k]);
		has[k] = true;
		val[k] = json_object_get_uint64(f);
	}
	e->key = make_key(json_object_get_string(id), json_object_get_string(msg), has, val);
	if (!e->key)
		return refuse(path, "out of memory");
	e->problem = p;
	e->idx = i;
	return 0;
}

int baseline_load(struct baseline **out, const char *path)
{
	struct baseline *b;
	struct json_object *probs;
	char *buf = NULL;
	size_t len = 0, n;
	int status;

	*out = NULL;
	status = read_all(path, &buf, &len);
	if (status)
		return status;
	b = calloc(1, sizeof(*b));
	if (!b) {
		free(buf);
		return refuse(path, "out of memory");
	}
	status = parse(path, buf, len, &b->root);
	free(buf);
	if (status)
		goto fail;
	if (!json_object_is_type(b->root, json_type_object) ||
	    !json_object_object_get_ex(b->root, "problems", &probs) ||
	    !json_object_is_type(probs, json_type_array)) {
		status = refuse(path, "not an fsck --json report: no \"problems\" array");
		goto fail;
	}
	n = json_object_array_length(probs);
	b->v = calloc(n ? n : 1, sizeof(*b->v));
	if (!b->v) {
		status = refuse(path, "out of memory");
		goto fail;
	}
	for (b->n = 0; b->n < n; b->n++) {
		status = entry_from(path, b->n, json_object_array_get_idx(probs, b->n), &b->v[b->n]);
		if (status)
			goto fail;
	}
	qsort(b->v, b->n, sizeof(*b->v), entry_cmp);
	*out = b;
	return 0;
fail:
	baseline_free(b);
	return status;
}

bool baseline_take(struct baseline *b, const struct fsimg_problem *p)
{
	static const unsigned flag[NFIELDS] = { FSIMG_PF_INODE, FSIMG_PF_BLOCK, FSIMG_PF_LBLK,
						FSIMG_PF_LENGTH, FSIMG_PF_GROUP };
	const struct fsimg_problem_ctx *pc = &p->ctx;
	const uint64_t val[NFIELDS] = { pc->inode, pc->block, pc->lblk, pc->length, pc->group };
	bool has[NFIELDS];
	struct entry key;
	size_t lo = 0, hi = b->n;
	bool found = false;

	for (size_t k = 0; k < NFIELDS; k++)
		has[k] = (pc->has & flag[k]) != 0;
	key.key = make_key(p->def->id, p->message, has, val);
	if (!key.key)
		return false;            /* out of memory: count it as new, the safe side */
	/* the first entry not below the key, then the first copy still untaken */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (entry_cmp(&b->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < b->n && entry_cmp(&b->v[lo], &key) == 0; lo++)
		if (!b->v[lo].taken) {
			b->v[lo].taken = found = true;
			break;
		}
	free(key.key);
	return found;
}

static int idx_cmp(const void *a, const void *b)
{
	size_t x = (*(const struct entry *const *)a)->idx, y = (*(const struct entry *const *)b)->idx;

	return x < y ? -1 : x > y;
}

int baseline_each_gone(const struct baseline *b, baseline_gone_fn fn, void *ctx)
{
	const struct entry **gone = malloc((b->n ? b->n : 1) * sizeof(*gone));
	size_t n = 0;

	if (!gone)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if (!b->v[i].taken)
			gone[n++] = &b->v[i];
	/* in the order the report had them */
	qsort(gone, n, sizeof(*gone), idx_cmp);
	for (size_t i = 0; i < n; i++)
		fn(ctx, gone[i]->problem);
	free(gone);
	return 0;
}
