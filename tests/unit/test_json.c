/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON writer (src/json.c): the json-c path and the direct path of the
 * extents dump write the same bytes, and what they write parses back (with
 * json-c's tokener) to the strings that went in, invalid UTF-8 included.
 * The text helpers (cli_util.c): cli_fmt_u64 writes what printf's %llu
 * does, and the buffered writer (cli_out) the same bytes as stdio's path.
 */
#include "fixture.h"

#include <stdio.h>

#include <json-c/json.h>

#include "cli.h"

/* Names a damaged directory can hold: control bytes, quotes, invalid UTF-8. */
static const char *const names[] = {
	"plain", "a/b", "q\"uote", "back\\slash", "tab\tnl\ncr\r", "bs\bff\f",
	"ctl\x01\x1f\x7f", "bad\xff\xfe", "utf\xc3\xa9", "sur\xed\xa0\x80", "", "trunc\xe2\x82",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* A record shaped like the extents dump's and an envelope like fsck's. */
static void write_records(struct jw *w, bool stream)
{
	for (size_t i = 0; i < NNAMES; i++) {
		jw_obj_begin(w, NULL);
		jw_u64(w, "inode", i);
		jw_str(w, "path", names[i]);
		jw_u64(w, "size", UINT64_MAX);
		jw_i64(w, "level", -(int64_t)i - 1);
		jw_bool(w, "inline", i & 1);
		jw_null(w, "none");
		jw_arr_begin(w, "extents");
		for (size_t k = 0; k < i % 3; k++) {
			jw_obj_begin(w, NULL);
			jw_u64(w, "logical", k);
			jw_bool(w, "unwritten", false);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_arr_begin(w, "empty");
		jw_arr_end(w);
		jw_obj_begin(w, "obj");
		jw_obj_end(w);
		jw_obj_end(w);
		jw_record_end(w);
	}
	if (stream)
		jw_stream_obj_begin(w, NULL);
	else
		jw_obj_begin(w, NULL);
	jw_str(w, "image", names[4]);
	jw_null(w, "replayed");
	if (stream)
		jw_stream_arr_begin(w, "problems");
	else
		jw_arr_begin(w, "problems");
	for (size_t i = 0; i < 3; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "id", names[i + 5]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_begin(w, "summary");
	jw_u64(w, "errors", 3);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_record_end(w);
}

static char *render(bool direct, bool stream, size_t *len)
{
	static struct cli_out o;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct jw w;

	assert_non_null(f);
	cli_out_init(&o, f);
	if (direct)
		jw_init_direct(&w, &o);
	else
		jw_init(&w, f);
	write_records(&w, stream);
	cli_out_flush(&o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_paths_agree(void **state)
{
	size_t la, lb, lc;
	char *a = render(false, false, &la), *b = render(true, false, &lb);
	char *c = render(false, true, &lc);

	(void)state;
	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	/* a streamed envelope writes what a built one does */
	assert_int_equal(la, lc);
	assert_memory_equal(a, c, la);
	/* the schema's escapes, not json-c's own */
	assert_non_null(strstr(a, "\"bs\\u0008ff\\u000c\""));
	assert_non_null(strstr(a, "\"bad\\u00ff\\u00fe\""));
	assert_non_null(strstr(a, "\"a/b\""));
	assert_non_null(strstr(a, "\"utf\xc3\xa9\""));
	assert_non_null(strstr(a, "\"size\":18446744073709551615,"));
	free(a);
	free(b);
	free(c);
}

/* Invalid UTF-8 byte b reads back as U+00bb, valid text as itself. */
static void expect_decoded(const char *in, const char *got, size_t glen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = strlen(in), o = 0, k;

	while (i < n) {
		k = cli_utf8_len(p + i, n - i);
		if (k) {
			assert_true(o + k <= glen);
			assert_memory_equal(got + o, in + i, k);
			i += k;
			o += k;
		} else {
			char u[2] = { (char)(0xc0 | (p[i] >> 6)), (char)(0x80 | (p[i] & 0x3f)) };
			assert_true(o + 2 <= glen);
			assert_memory_equal(got + o, u, 2);
			i++;
			o += 2;
		}
	}
	assert_int_equal(o, glen);
}

static void test_parses_back(void **state)
{
	size_t len;
	char *a = render(false, false, &len), *line = a;

	(void)state;
	for (size_t i = 0; i < NNAMES; i++) {
		char *nl = strchr(line, '\n');
		struct json_object *o, *path;

		assert_non_null(nl);
		*nl = '\0';
		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(json_object_object_get_ex(o, "path", &path));
		expect_decoded(names[i], json_object_get_string(path),
			       (size_t)json_object_get_string_len(path));
		json_object_put(o);
		line = nl + 1;
	}
	free(a);
}

static void test_fmt_u64_as_printf(void **state)
{
	uint64_t v = 1;

	(void)state;
	for (int i = 0; i < 4000; i++) {
		/* every power of ten and its neighbours, then a pseudo-random walk */
		uint64_t vals[3] = { v - 1, v, v + 1 };

		for (int k = 0; k < 3; k++) {
			char want[32], got[24];
			char *end = cli_fmt_u64(got, vals[k]);

			snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[k]);
			assert_int_equal((size_t)(end - got), strlen(want));
			assert_memory_equal(got, want, strlen(want));
		}
		v = i < 19 ? v * 10 : v * 6364136223846793005ull + 1442695040888963407ull;
	}
}

/* cli_put_text's rule one byte at a time, as it was written before the word-wide scan. */
static size_t text_reference(char *out, const unsigned char *p, size_t len)
{
	size_t i = 0, n = 0, k;

	while (i < len) {
		unsigned c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[n++] = (char)c;
			i++;
		} else if (c >= 0x80 && (k = cli_utf8_len(p + i, len - i)) > 0) {
			memcpy(out + n, p + i, k);
			n += k;
			i += k;
		} else if (c == '\\') {
			out[n++] = '\\';
			out[n++] = '\\';
			i++;
		} else {
			n += (size_t)sprintf(out + n, "\\x%02x", c);
			i++;
		}
	}
	return n;
}

static void test_text_escape_words(void **state)
{
	/* bytes at and around every edge of the rule, and pieces of UTF-8 */
	static const unsigned char pool[] = { 'a', 'Z', '/', ' ', '~', 0x1f, 0x20, 0x7e, 0x7f, '\\',
					      0x00, 0x0a, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac,
					      0xf0, 0x9f, 0x98, 0x80, 0xff, 0x5b, 0x5d };
	unsigned rnd = 7;

	(void)state;
	for (int t = 0; t < 20000; t++) {
		unsigned char s[64];
		char want[64 * 4 + 1], *got = NULL;
		size_t len, wlen, glen;
		FILE *f;

		rnd = rnd * 1103515245u + 12345u;
		len = (rnd >> 16) % 64;
		for (size_t i = 0; i < len; i++) {
			rnd = rnd * 1103515245u + 12345u;
			/* mostly plain letters, so that whole plain words occur */
			s[i] = (rnd >> 16) % 4 ? (unsigned char)('a' + (rnd >> 20) % 26)
					       : pool[(rnd >> 18) % sizeof(pool)];
		}
		wlen = text_reference(want, s, len);
		f = open_memstream(&got, &glen);
		assert_non_null(f);
		cli_put_text(f, (const char *)s, len);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, wlen);
		free(got);
	}
}

static void test_out_as_stdio(void **state)
{
	static struct cli_out o;
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
	static char big[70000];

	(void)state;
	assert_non_null(fa);
	assert_non_null(fb);
	memset(big, 'x', sizeof(big));
	cli_out_init(&o, fb);
	for (int round = 0; round < 300; round++) {
		for (size_t i = 0; i < NNAMES; i++) {
			char num[32];

			cli_put_text(fa, names[i], strlen(names[i]));
			cli_out_text(&o, names[i], strlen(names[i]));
			snprintf(num, sizeof(num), "%13llu|%llu\n", (unsigned long long)round * 977 * i,
				 (unsigned long long)i);
			fputs(num, fa);
			cli_out_u64w(&o, (uint64_t)round * 977 * i, 13);
			cli_out_str(&o, "|");
			cli_out_u64(&o, i);
			cli_out_str(&o, "\n");
		}
		if (round == 150) {
			/* larger than the buffer: written through */
			fwrite(big, 1, sizeof(big), fa);
			cli_out_put(&o, big, sizeof(big));
		}
		cli_out_record_end(&o);
	}
	cli_out_flush(&o);
	assert_int_equal(fclose(fa), 0);
	assert_int_equal(fclose(fb), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_parses_back),
		cmocka_unit_test(test_fmt_u64_as_printf),
		cmocka_unit_test(test_out_as_stdio),
		cmocka_unit_test(test_text_escape_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
