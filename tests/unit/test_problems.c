/*
 * The problem table: ids and codes unique, codes in the family ranges of
 * the fragment defining them, every template field known, and the
 * rendering of each field (unset and unknown fields render as "?").
 */
#include "fixture.h"

#include <stdio.h>
#include <string.h>

#include "check/check.h"

struct frag_entry {
	const char *id;
	int code;
};

/* Each fragment on its own, to check its codes against its families. */
static const struct frag_entry frag_super[] = {
#define PROBLEM(id, code, sev, st, msg, expl) { #id, code },
#include "check/problems_super.def"
#undef PROBLEM
	{ NULL, 0 }
};
static const struct frag_entry frag_inode[] = {
#define PROBLEM(id, code, sev, st, msg, expl) { #id, code },
#include "check/problems_inode.def"
#undef PROBLEM
	{ NULL, 0 }
};
static const struct frag_entry frag_dir[] = {
#define PROBLEM(id, code, sev, st, msg, expl) { #id, code },
#include "check/problems_dir.def"
#undef PROBLEM
	{ NULL, 0 }
};

static void check_frag(const struct frag_entry *f, const char *families)
{
	for (; f->id; f++) {
		int fam = f->code / 1000;
		char d = (char)('0' + fam);

		if (f->code < 1000 || f->code > 8999 || !strchr(families, d))
			fail_msg("%s: code %d outside the families %sxxx of its fragment", f->id,
				 f->code, families);
	}
}

static void test_ranges(void **state)
{
	(void)state;
	check_frag(frag_super, "167");
	check_frag(frag_inode, "2348");
	check_frag(frag_dir, "5");
}

static void test_unique(void **state)
{
	size_t n;
	const struct fsimg_problem_def *t = fsimg_problem_table(&n);

	(void)state;
	assert_int_equal(n, (size_t)PR__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].id);
		assert_non_null(t[i].message);
		assert_non_null(t[i].explanation);
		assert_true(t[i].severity <= FSIMG_SEV_ERROR);
		assert_string_not_equal(fsimg_structure_name(t[i].structure), "?");
		assert_ptr_equal(fsimg_problem_by_id(t[i].id), &t[i]);
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(t[i].id, t[j].id) == 0)
				fail_msg("id %s twice", t[i].id);
			if (t[i].code == t[j].code)
				fail_msg("code %d twice (%s, %s)", t[i].code, t[i].id, t[j].id);
		}
		for (const char *c = t[i].id; *c; c++)
			if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
				fail_msg("id %s: not UPPER_SNAKE", t[i].id);
	}
	assert_null(fsimg_problem_by_id("NO_SUCH_PROBLEM"));
	assert_null(fsimg_problem_by_id(NULL));
}

/* Every {field} of every template is one of the ten known fields. */
static void test_fields_known(void **state)
{
	static const char *const known[] = { "inode", "block", "lblk", "length", "group",
					     "expected", "found", "detail", "found_lsn", "expected_lsn" };
	size_t n;
	const struct fsimg_problem_def *t = fsimg_problem_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *s = t[i].message;
		while ((s = strchr(s, '{'))) {
			const char *e = strchr(s, '}');
			bool ok = false;
			if (!e)
				fail_msg("%s: unclosed {", t[i].id);
			for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
				if (strlen(known[k]) == (size_t)(e - s - 1) &&
				    !memcmp(known[k], s + 1, (size_t)(e - s - 1)))
					ok = true;
			if (!ok)
				fail_msg("%s: unknown field in \"%s\"", t[i].id, t[i].message);
			s = e + 1;
		}
	}
}

static void test_format(void **state)
{
	struct fsimg_problem_def d = { 1, "X", FSIMG_SEV_ERROR, FSIMG_ST_INODE,
		"i={inode} b={block} l={lblk} n={length} g={group} e={expected} f={found} "
		"d={detail} u={unknown}", "x" };
	struct fsimg_problem_ctx p = pctx_inode(12);
	char buf[256], small[8];
	size_t need;

	(void)state;
	fsimg_problem_format(buf, sizeof(buf), &d, &p);
	assert_string_equal(buf, "i=12 b=? l=? n=? g=? e=? f=? d=? u=?");
	PCTX_SET(p, block, FSIMG_PF_BLOCK, UINT64_C(1) << 40);
	PCTX_SET(p, lblk, FSIMG_PF_LBLK, 7);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, 3);
	PCTX_SET(p, group, FSIMG_PF_GROUP, 0);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, 5);
	PCTX_SET(p, found, FSIMG_PF_FOUND, 6);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, "name");
	need = fsimg_problem_format(buf, sizeof(buf), &d, &p);
	assert_string_equal(buf, "i=12 b=1099511627776 l=7 n=3 g=0 e=5 f=6 d=name u=?");
	assert_int_equal(need, strlen(buf));
	/* truncation: NUL-terminated, returns the length needed */
	assert_int_equal(fsimg_problem_format(small, sizeof(small), &d, &p), need);
	assert_string_equal(small, "i=12 b=");
	/* an XFS log sequence number, cycle << 32 | block, as cycle:block */
	d.message = "{found_lsn} past {expected_lsn}";
	PCTX_SET(p, found, FSIMG_PF_FOUND, UINT64_C(1) << 32 | 4095);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, UINT64_C(9) << 32 | 97);
	fsimg_problem_format(buf, sizeof(buf), &d, &p);
	assert_string_equal(buf, "1:4095 past 9:97");
	assert_string_equal(fsimg_severity_name(FSIMG_SEV_WARNING), "warning");
	assert_string_equal(fsimg_severity_name(FSIMG_SEV_INFO), "info");
	assert_string_equal(fsimg_severity_name(FSIMG_SEV_ERROR), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_fields_known),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
