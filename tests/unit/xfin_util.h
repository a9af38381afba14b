/* Helpers the finish's unit tests share over xfin_fixture.h (test_xrefc, test_xcow,
 * test_xnear): a fixture held on the heap (struct xfin is large: the finish's busy list
 * and dquots), and an AG block of the image as the test writes it. */
#ifndef FSIMG_TEST_XFIN_UTIL_H
#define FSIMG_TEST_XFIN_UTIL_H
#include "xfin_fixture.h"

/* xfin_open on a fixture of its own */
static inline struct xfin *xfin_new(uint32_t nblocks, uint32_t bs, uint8_t agblklog, bool v5)
{
	struct xfin *x = calloc(1, sizeof *x);

	assert_non_null(x);
	xfin_open(x, nblocks, bs, agblklog, v5);
	return x;
}

static inline void xfin_free(struct xfin *x)
{
	xfin_close(x);
	free(x);
}

/* AG 0's block agbno in the image (before the finish: what the test wrote) */
static inline uint8_t *xfin_blk(struct xfin *x, uint32_t agbno)
{
	return x->img + (size_t)agbno * x->fs.blocksize;
}
#endif
