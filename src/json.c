/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON writer of every --json output, on json-c: see cli.h. A record is
 * a json-c object tree, serialized plain (no spaces, "/" unescaped) when its
 * outermost container closes; streamed containers only write brackets,
 * commas and keys around such records.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "cli.h"

#define JW_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Keys are literals that outlive the record, and each is added once. */
#define JW_ADD (JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jw_init_direct(struct jw *w, struct cli_out *o)
{
	jw_init(w, o->f);
	w->dout = o;
}

/*
 * Everything the writer writes goes through out(). The direct writer appends
 * to its cli_out, which hands stdio ~32 KiB at a time: a key and a value
 * were four stdio calls, whose per-call cost was a quarter of a
 * whole-filesystem dump, and a call per record still a tenth.
 */
static inline void out(struct jw *w, const char *s, size_t n)
{
	if (w->dout)
		cli_out_put(w->dout, s, n);
	else
		fwrite_unlocked(s, 1, n, w->f);
}

static inline void outc(struct jw *w, char c)
{
	struct cli_out *o = w->dout;

	if (!o)
		fputc_unlocked(c, w->f);
	else if (o->n < sizeof(o->b))
		o->b[o->n++] = c;
	else
		cli_out_put_slow(o, &c, 1);
}

static void outs(struct jw *w, const char *s)
{
	out(w, s, strlen(s));
}

static void out_u64(struct jw *w, uint64_t v)
{
	char b[20];

	if (w->dout) {
		cli_out_u64(w->dout, v);
		return;
	}
	fwrite_unlocked(b, 1, (size_t)(cli_fmt_u64(b, v) - b), w->f);
}

/* ----------------------------------------------------------- strings */

/*
 * Writes s as the schema's JSON string: json-c copies string bytes through
 * as they are and writes \b and \f by name, but fsimg's schema has always
 * written invalid UTF-8 bytes as \u00NN (so a name from a damaged directory
 * still parses) and every control byte but \n, \t and \r as \u00NN.
 */
static void escape_str(const unsigned char *p, size_t len,
		       void (*put)(void *sink, const char *s, size_t n), void *sink)
{
	size_t i = 0, run = 0, k;

	put(sink, "\"", 1);
	while (i < len) {
		unsigned c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = cli_utf8_len(p + i, len - i)) > 0) {
			i += k;
			continue;
		}
		put(sink, (const char *)p + run, i - run);
		switch (c) {
		case '"': put(sink, "\\\"", 2); break;
		case '\\': put(sink, "\\\\", 2); break;
		case '\n': put(sink, "\\n", 2); break;
		case '\t': put(sink, "\\t", 2); break;
		case '\r': put(sink, "\\r", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', cli_hexd[c >> 4], cli_hexd[c & 15] };
			put(sink, e, 6);
			break;
		}
		}
		run = ++i;
	}
	put(sink, (const char *)p + run, i - run);
	put(sink, "\"", 1);
}

static void put_pb(void *sink, const char *s, size_t n)
{
	printbuf_memappend(sink, s, (int)n);
}

static void put_jw(void *sink, const char *s, size_t n)
{
	out(sink, s, n);
}

/* json-c's serializer for the strings whose bytes need the schema's escaping. */
static int put_escaped(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags;
	escape_str((const unsigned char *)json_object_get_string(jso),
		   (size_t)json_object_get_string_len(jso), put_pb, pb);
	return 0;
}

/* Would json-c's own escaping differ from the schema's for these bytes? */
static bool needs_own_escaping(const unsigned char *p, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		unsigned c = p[i];
		if (c == '\b' || c == '\f')
			return true;
		if (c >= 0x80) {
			k = cli_utf8_len(p + i, len - i);
			if (!k)
				return true;
			i += k;
			continue;
		}
		i++;
	}
	return false;
}

static struct json_object *new_string(const char *s, size_t len)
{
	struct json_object *o;

	if (len > INT32_MAX)
		len = INT32_MAX;
	o = json_object_new_string_len(s, (int)len);
	if (o && needs_own_escaping((const unsigned char *)s, len))
		json_object_set_serializer(o, put_escaped, NULL, NULL);
	return o;
}

/* ------------------------------------------------------------ values */

/* Serializes o (a whole record or a scalar in a streamed container) and drops it. */
static void emit(struct jw *w, struct json_object *o)
{
	size_t len = 0;
	const char *s;

	if (!o) {
		outs(w, "null");
		return;
	}
	s = json_object_to_json_string_length(o, JW_FLAGS, &len);
	if (s)
		out(w, s, len);
	json_object_put(o);
}

/* The comma and key of a value at a streamed level. */
static void stream_key(struct jw *w, const char *key)
{
	uint64_t bit = 1ull << (w->sdepth & 63);

	if (w->need_comma & bit)
		outc(w, ',');
	w->need_comma |= bit;
	if (key && w->dout) {
		/* ,"key": in place: the extents dump writes ten keys per extent */
		struct cli_out *o = w->dout;
		size_t n = strlen(key);

		if (n + 3 <= sizeof(o->b) - o->n) {
			char *d = o->b + o->n;

			*d++ = '"';
			memcpy(d, key, n);
			d[n] = '"';
			d[n + 1] = ':';
			o->n += n + 3;
			return;
		}
	}
	if (key) {
		outc(w, '"');
		outs(w, key);
		out(w, "\":", 2);
	}
}

/*
 * Places value o (NULL: JSON null) under key in the open built container,
 * or writes it out at a streamed level. Takes o's reference.
 */
static void add(struct jw *w, const char *key, struct json_object *o)
{
	struct json_object *top;

	if (w->overflow) {
		json_object_put(o);
		return;
	}
	if (w->depth == 0) {
		stream_key(w, key);
		emit(w, o);
		return;
	}
	top = w->stack[w->depth - 1];
	if (w->stack_is_arr[w->depth - 1])
		json_object_array_add(top, o);
	else if (json_object_object_add_ex(top, key ? key : "", o, JW_ADD) < 0)
		json_object_put(o);
}

static void open_stream(struct jw *w, const char *key, char bracket);

static void open_built(struct jw *w, const char *key, bool is_arr)
{
	struct json_object *o;

	if (w->dout) {
		open_stream(w, key, is_arr ? '[' : '{');
		return;
	}
	if (w->overflow || w->depth == JW_MAX_DEPTH) {
		w->overflow++;
		return;
	}
	o = is_arr ? json_object_new_array() : json_object_new_object();
	if (w->depth == 0)
		stream_key(w, key);   /* the record's key, written before its value */
	else
		add(w, key, json_object_get(o));
	w->stack[w->depth] = o;
	w->stack_is_arr[w->depth] = is_arr;
	w->depth++;
}

static void close_container(struct jw *w, char bracket)
{
	struct json_object *o;

	if (w->overflow) {
		w->overflow--;
		return;
	}
	if (w->depth == 0) {
		/* a streamed container */
		outc(w, bracket);
		if (w->sdepth > 0)
			w->sdepth--;
		return;
	}
	o = w->stack[--w->depth];
	if (w->depth == 0)
		emit(w, o);            /* the record is whole */
	else
		json_object_put(o);    /* the parent keeps its own reference */
}

static void open_stream(struct jw *w, const char *key, char bracket)
{
	if (w->depth > 0) {
		/* inside a record everything is built */
		open_built(w, key, bracket == '[');
		return;
	}
	stream_key(w, key);
	outc(w, bracket);
	w->sdepth++;
	w->need_comma &= ~(1ull << (w->sdepth & 63));
}

void jw_stream_obj_begin(struct jw *w, const char *key)
{
	open_stream(w, key, '{');
}

void jw_stream_arr_begin(struct jw *w, const char *key)
{
	open_stream(w, key, '[');
}

void jw_obj_begin(struct jw *w, const char *key)
{
	open_built(w, key, false);
}

void jw_obj_end(struct jw *w)
{
	close_container(w, '}');
}

void jw_arr_begin(struct jw *w, const char *key)
{
	open_built(w, key, true);
}

void jw_arr_end(struct jw *w)
{
	close_container(w, ']');
}

void jw_strn(struct jw *w, const char *key, const char *s, size_t len)
{
	if (w->dout) {
		stream_key(w, key);
		escape_str((const unsigned char *)s, len, put_jw, w);
		return;
	}
	add(w, key, new_string(s, len));
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	if (!s) {
		jw_null(w, key);
		return;
	}
	jw_strn(w, key, s, strlen(s));
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	if (w->dout) {
		stream_key(w, key);
		out_u64(w, v);
		return;
	}
	add(w, key, json_object_new_uint64(v));
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	if (w->dout) {
		stream_key(w, key);
		if (v < 0) {
			outc(w, '-');
			out_u64(w, (uint64_t)0 - (uint64_t)v);
		} else {
			out_u64(w, (uint64_t)v);
		}
		return;
	}
	add(w, key, json_object_new_int64(v));
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	if (w->dout) {
		stream_key(w, key);
		outs(w, v ? "true" : "false");
		return;
	}
	add(w, key, json_object_new_boolean(v));
}

void jw_null(struct jw *w, const char *key)
{
	if (w->dout) {
		stream_key(w, key);
		outs(w, "null");
		return;
	}
	add(w, key, NULL);
}

void jw_json(struct jw *w, const char *key, struct json_object *o)
{
	if (w->dout) {
		stream_key(w, key);
		emit(w, json_object_get(o));
		return;
	}
	add(w, key, json_object_get(o));
}

void jw_record_end(struct jw *w)
{
	/* A record left open (an error path) is closed so the line stays valid JSON. */
	while (w->overflow)
		close_container(w, 0);
	while (w->depth > 0)
		close_container(w, 0);
	outc(w, '\n');
	if (w->dout)
		cli_out_record_end(w->dout);
	w->sdepth = 0;
	w->need_comma = 0;
}
