/*
 * The XFS log plan's sector overlay (libfsimg/xlog/ovl.c): the range
 * xlog_ovl_full remembers (the last inode cluster found written whole, with
 * its pages) answers xlog_ovl_written only inside that range and is
 * forgotten when xlog_ovl_unclaim takes pages back or the overlay is freed.
 */
#include "tests/unit/xfin_fixture.h"

static void test_full_claimed(void **state)
{
	struct xfin x;
	uint8_t *b;

	(void)state;
	xfin_open(&x, 16, 4096, 4, true);
	x.img[16 * 512 + 3 * 512] = 0xab; /* sector 19, read into the claimed pages */
	b = xlog_ovl_claim(&x.o, &x.log, 16, 16);
	assert_non_null(b);
	assert_int_equal(b[3 * 512], 0xab);
	assert_true(xlog_ovl_full(&x.o, 16, 16));
	assert_ptr_equal(xlog_ovl_written(&x.o, 19, 1), b + 3 * 512);
	assert_ptr_equal(xlog_ovl_written(&x.o, 24, 8), b + 8 * 512);
	/* past the range: not from it, and not written */
	assert_null(xlog_ovl_written(&x.o, 32, 1));
	assert_false(xlog_ovl_full(&x.o, 16, 24));
	/* taken back: neither the overlay nor what full remembered has them */
	xlog_ovl_unclaim(&x.o, 16, 16);
	assert_null(xlog_ovl_written(&x.o, 19, 1));
	assert_false(xlog_ovl_full(&x.o, 16, 16));
	xfin_close(&x);
}

static void test_full_partial(void **state)
{
	struct xfin x;
	uint8_t s[8 * 512];
	uint8_t *w;

	(void)state;
	xfin_open(&x, 16, 4096, 4, true);
	memset(s, 0x5a, sizeof s);
	/* sectors 32..39 (one page) and 41 only */
	assert_int_equal(xlog_ovl_write(&x.o, &x.log, s, 32, 8), 0);
	assert_int_equal(xlog_ovl_write(&x.o, &x.log, s, 41, 1), 0);
	assert_true(xlog_ovl_full(&x.o, 32, 8));
	assert_false(xlog_ovl_full(&x.o, 32, 16));
	assert_false(xlog_ovl_full(&x.o, 40, 2));
	/* the remembered range is 32..39 still: 41 comes from its page, 40 is not written */
	w = xlog_ovl_written(&x.o, 41, 1);
	assert_non_null(w);
	assert_int_equal(w[0], 0x5a);
	assert_null(xlog_ovl_written(&x.o, 40, 2));
	assert_non_null(xlog_ovl_written(&x.o, 36, 4));
	/* a range across two pages is never in place */
	assert_null(xlog_ovl_written(&x.o, 38, 4));
	xlog_ovl_free(&x.o);
	xlog_ovl_init(&x.o, 1024);
	assert_false(xlog_ovl_full(&x.o, 32, 8));
	assert_null(xlog_ovl_written(&x.o, 32, 1));
	xfin_close(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_claimed),
		cmocka_unit_test(test_full_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
