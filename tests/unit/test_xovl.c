/*
 * The XFS log plan's sector overlay (libfsimg/xlog/ovl.c): the range
 * xlog_ovl_full remembers (the last inode cluster found written whole, with
 * its pages) answers xlog_ovl_written only inside that range and is
 * forgotten when xlog_ovl_unclaim takes pages back or the overlay is freed.
 * And the view (recovery_view.c): where the writes the mount and unmount add
 * after the plan's overlap, the last one's bytes win, sector by sector.
 */
#include "tests/unit/xfin_fixture.h"
/* recovery_int.h's struct fin (a write the mount adds) is not finish.h's: renamed here */
#define fin xrec_fin
#include "xlog/recovery_int.h"
#undef fin

static void test_full_claimed(void **state)
{
	struct xfin x;
	uint8_t *b;

	(void)state;
	memset(&x, 0, sizeof x); /* (xfin_open sets only what it needs) */
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
	memset(&x, 0, sizeof x); /* (xfin_open sets only what it needs) */
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

static void fin_set(struct xrec *xr, uint64_t sec, uint32_t nsec, uint8_t *bytes, uint8_t v, unsigned dev)
{
	struct xrec_fin *f = &xr->xrec_fin[xr->nfin++];

	memset(bytes, v, (size_t)nsec * 512);
	*f = (struct xrec_fin){ sec * 512, nsec * 512, bytes, 0, FSIMG_RECOVERY_LOG_CLEAN, dev };
}

static void test_view_fins_overlap(void **state)
{
	static uint8_t a[1024], b[3072], c[1024], d[4096], e[4096], base[16 * 512], got[16 * 512];
	/* what each sector reads: the last fin written over it, or the base (0x00) */
	static const uint8_t want[16] = { 0x11, 0x11, 0, 0, 0x44, 0x44, 0x44, 0x44,
					  0x44, 0x44, 0x44, 0x44, 0x33, 0x33, 0x22, 0x22 };
	struct xrec *xr = calloc(1, sizeof *xr);
	struct xlog_plan *p = calloc(1, sizeof *p);
	xlog *log = calloc(1, sizeof *log);
	fsimg_io *io, *v;

	(void)state;
	assert_non_null(xr);
	assert_non_null(p);
	assert_non_null(log);
	xlog_ovl_init(&p->ovl, 1024);
	xr->plan = p;
	xr->log = log;
	fin_set(xr, 0, 2, a, 0x11, FSIMG_RECOVERY_DEV_FS);
	fin_set(xr, 10, 6, b, 0x22, FSIMG_RECOVERY_DEV_FS);  /* 10..15 */
	fin_set(xr, 12, 2, c, 0x33, FSIMG_RECOVERY_DEV_FS);  /* inside the last, later: wins */
	fin_set(xr, 4, 8, d, 0x44, FSIMG_RECOVERY_DEV_FS);   /* 4..11, over 10 and 11 too */
	fin_set(xr, 2, 8, e, 0x55, FSIMG_RECOVERY_DEV_LOG);  /* the log device's: not this view's */
	assert_int_equal(fsimg_io_open_mem(&io, base, sizeof base), 0);
	assert_int_equal(xrec_apply(&v, io, io, &xr->head, 0), 0);
	assert_int_equal(fsimg_io_read(v, got, sizeof got, 0), 0);
	for (unsigned s = 0; s < 16; s++) {
		assert_int_equal(got[s * 512], want[s]);
		assert_int_equal(got[s * 512 + 511], want[s]);
	}
	/* a read starting inside a sector, across the pieces' ends */
	assert_int_equal(fsimg_io_read(v, got, 3 * 512, 11 * 512 + 100), 0);
	assert_int_equal(got[0], 0x44);
	assert_int_equal(got[411], 0x44);
	assert_int_equal(got[412], 0x33);
	assert_int_equal(got[3 * 512 - 1], 0x22);
	fsimg_io_close(v);
	fsimg_io_close(io);
	xlog_ovl_free(&p->ovl);
	free(log);
	free(p);
	free(xr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_claimed),
		cmocka_unit_test(test_full_partial),
		cmocka_unit_test(test_view_fins_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
