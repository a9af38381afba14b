/*
 * The XFS log plan's sector overlay (libfsimg/xlog/ovl.c): the range
 * xlog_ovl_full remembers (the last inode cluster found written whole, with
 * its pages) answers xlog_ovl_written only inside that range and is
 * forgotten when xlog_ovl_unclaim takes pages back or the overlay is freed.
 * And the view (recovery_view.c): where the writes the mount and unmount add
 * after the plan's overlap, the last one's bytes win, sector by sector.
 * And the lazy inode clusters: decided when their items come, applied when read.
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


/* An inode item of a v5 log (little-endian): its format region and a log dinode of version
 * 3 with no forks logged. */
struct ino_item {
	uint8_t fmt[56], core[176];
	struct xlog_region reg[2];
	struct xlog_item it;
	struct xlog_item_info info;
};

static void ino_item(struct ino_item *t, uint64_t daddr, uint32_t bbs, int32_t boffset, uint32_t gen)
{
	memset(t, 0, sizeof *t);
	t->core[0] = 0x4e, t->core[1] = 0x49; /* IN, little-endian */
	t->core[4] = 3;
	memcpy(t->core + 92, &gen, 4);
	t->reg[0] = (struct xlog_region){ t->fmt, sizeof t->fmt };
	t->reg[1] = (struct xlog_region){ t->core, sizeof t->core };
	t->it = (struct xlog_item){ 2, 2, t->reg };
	t->info.type = XFS_LI_INODE;
	t->info.name = "inode";
	t->info.nregions = 2;
	t->info.blkno = (int64_t)daddr;
	t->info.bblen = bbs;
	t->info.boffset = boffset;
	t->info.ino = 100;
}

/*
 * An inode item on a cluster recovery has not written is decided at once
 * and applied only when the cluster is read: its pages are written (for
 * the write list) with no bytes; a later item on the same inode is decided
 * on the inode as the earlier one left it (its LSN: skipped when older); the
 * cluster read (xlog_ovl_lazy_read, or made by xlog_ovl_written) is the
 * device's bytes with the applied items, as xlog_inode_replay makes them.
 */
static void test_lazy_inode(void **state)
{
	struct xfin *x;
	struct ino_item a, b, c;
	const struct xlog_ovl_lazy *lz;
	uint8_t want[16 * 512], got[16 * 512];
	const uint8_t *w;
	bool done, skipped;

	(void)state;
	x = xfin_new(16, 4096, 4, true);
	x->fs.inode_size = 512;
	x->fs.lit_off = 176;
	x->log.le = true;
	x->log.mem_max = 1u << 20;
	/* a cluster of 16 sectors at 32: inodes of version 3, di_lsn 0 */
	for (unsigned i = 0; i < 16; i++) {
		x->img[(32 + i) * 512] = 'I', x->img[(32 + i) * 512 + 1] = 'N';
		x->img[(32 + i) * 512 + 4] = 3;
		x->img[(32 + i) * 512 + 300] = (uint8_t)i; /* past the core: left as it is */
	}
	memcpy(want, x->img + 32 * 512, sizeof want);
	ino_item(&a, 32, 16, 2 * 512, 7);
	assert_int_equal(xlog_inode_replay(&x->log, &a.it, &a.info, want, 100, &skipped), 0);
	assert_false(skipped);

	assert_int_equal(xlog_ovl_inode(&x->o, &x->log, &a.it, &a.info, 100, &done, &skipped), 0);
	assert_true(done);
	assert_false(skipped);
	assert_null(xlog_ovl_page(&x->o, 32, &lz));
	assert_non_null(lz);
	assert_int_equal(x->o.nsec, 16);
	/* the same inode again, from an older checkpoint: its di_lsn is 100 now */
	ino_item(&b, 32, 16, 2 * 512, 9);
	assert_int_equal(xlog_ovl_inode(&x->o, &x->log, &b.it, &b.info, 50, &done, &skipped), 0);
	assert_true(done);
	assert_true(skipped);
	/* another inode of the cluster: the device's di_lsn 0 */
	ino_item(&c, 32, 16, 5 * 512, 11);
	assert_int_equal(xlog_ovl_inode(&x->o, &x->log, &c.it, &c.info, 50, &done, &skipped), 0);
	assert_true(done);
	assert_false(skipped);
	assert_int_equal(xlog_inode_replay(&x->log, &c.it, &c.info, want, 50, &skipped), 0);
	assert_int_equal(x->o.nsec, 16);

	assert_int_equal(xlog_ovl_lazy_read(lz, x->io, got), 0);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(get_be64(got + 2 * 512 + 112), 100);
	assert_int_equal(got[9 * 512 + 300], 9);
	memset(got, 0, sizeof got);
	assert_int_equal(xlog_ovl_get(&x->o, x->io, got, 30, 4), 0);
	assert_memory_equal(got + 2 * 512, want, 2 * 512);
	assert_int_equal(got[0], 0);
	/* any other use of its sectors makes the cluster first */
	w = xlog_ovl_written(&x->o, 34, 1);
	assert_non_null(w);
	assert_memory_equal(w, want + 2 * 512, 512);
	assert_non_null(xlog_ovl_page(&x->o, 32, &lz));
	assert_null(lz);
	xfin_free(x);
}

/* Past the items' memory bound, or on a cluster recovery wrote another way, an inode item
 * is not taken: it is applied at once as before. */
static void test_lazy_declined(void **state)
{
	struct xfin *x;
	struct ino_item a;
	const struct xlog_ovl_lazy *lz;
	uint8_t s[8 * 512];
	bool done, skipped;

	(void)state;
	x = xfin_new(16, 4096, 4, true);
	x->fs.inode_size = 512;
	x->fs.lit_off = 176;
	x->log.le = true;
	x->log.mem_max = 1u << 20;
	x->img[32 * 512] = 'I', x->img[32 * 512 + 1] = 'N', x->img[32 * 512 + 4] = 3;
	ino_item(&a, 32, 16, 0, 7);
	x->o.lazy_max = 100;
	assert_int_equal(xlog_ovl_inode(&x->o, &x->log, &a.it, &a.info, 100, &done, &skipped), 0);
	assert_false(done);
	x->o.lazy_max = 1u << 20;
	memset(s, 0, sizeof s);
	assert_int_equal(xlog_ovl_write(&x->o, &x->log, s, 40, 1), 0);
	assert_int_equal(xlog_ovl_inode(&x->o, &x->log, &a.it, &a.info, 100, &done, &skipped), 0);
	assert_false(done);
	assert_null(xlog_ovl_page(&x->o, 32, &lz));
	assert_null(lz);
	xfin_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_claimed),
		cmocka_unit_test(test_full_partial),
		cmocka_unit_test(test_view_fins_overlap),
		cmocka_unit_test(test_lazy_inode),
		cmocka_unit_test(test_lazy_declined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
