/*
 * The I/O table's thread-safe read (fsimg_io_pread): the built-in sources
 * give the bytes fsimg_io_read gives, a read cache passes it to its inner
 * source (or says it has none), a caller's table without one says so; and
 * several threads reading at once through it get their own bytes. And
 * core/dl.c, which opens the container libraries when an image needs them:
 * a missing library or symbol is one line naming it, remembered.
 */
#include "fixture.h"

#include <string.h>

#include "core/dl.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define IMG_LEN (256u * 1024u)

static uint8_t img[IMG_LEN];

static void fill(void)
{
	for (size_t i = 0; i < IMG_LEN; i++)
		img[i] = (uint8_t)(i * 7 + (i >> 10));
}

static void same_bytes(fsimg_io *io)
{
	uint8_t a[3000], b[3000];

	assert_int_equal(fsimg_io_pread(io, NULL, 0, 0), 0);
	assert_int_equal(fsimg_io_read(io, a, sizeof(a), 12345), 0);
	assert_int_equal(fsimg_io_pread(io, b, sizeof(b), 12345), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(b, img + 12345, sizeof(b));
	/* Past the end: an error, as for fsimg_io_read. */
	assert_int_equal(fsimg_io_pread(io, b, 2, IMG_LEN - 1), FSIMG_EIO);
	assert_int_equal(fsimg_io_pread(io, b, 1, UINT64_MAX), FSIMG_EIO);
}

static void test_mem(void **state)
{
	fsimg_io *io;

	(void)state;
	fill();
	assert_int_equal(fsimg_io_open_mem(&io, img, IMG_LEN), 0);
	same_bytes(io);
	fsimg_io_close(io);
}

/* img in a file (already unlinked), opened as a file source. */
static fsimg_io *file_source(void)
{
	char path[] = "/tmp/fsimg-test-io.XXXXXX";
	fsimg_io *raw;
	int fd;

	fill();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, IMG_LEN), (ssize_t)IMG_LEN);
	close(fd);
	assert_int_equal(fsimg_io_open_file(&raw, path), 0);
	unlink(path);
	return raw;
}

static void test_file_and_cache(void **state)
{
	fsimg_io *raw = file_source(), *cached;

	(void)state;
	same_bytes(raw);
	assert_int_equal(fsimg_io_open_cache(&cached, raw, 16384, 16), 0);
	same_bytes(cached);
	fsimg_io_close(cached);
}

/* A caller's table with only read: no pread, and a cache over it has none either. */
static int only_read(void *priv, void *buf, size_t len, uint64_t off)
{
	(void)priv;
	if (off > IMG_LEN || len > IMG_LEN - off)
		return FSIMG_EIO;
	memcpy(buf, img + off, len);
	return 0;
}

static uint64_t only_size(void *priv)
{
	(void)priv;
	return IMG_LEN;
}

static void test_no_pread(void **state)
{
	static const struct fsimg_io_ops ops = { only_read, only_size, NULL, NULL, NULL };
	fsimg_io *io, *cached;
	uint8_t b[16];

	(void)state;
	assert_int_equal(fsimg_io_open_ops(&io, &ops, NULL), 0);
	assert_int_equal(fsimg_io_pread(io, NULL, 0, 0), FSIMG_ENOTSUP_OP);
	assert_int_equal(fsimg_io_pread(io, b, sizeof(b), 0), FSIMG_ENOTSUP_OP);
	assert_int_equal(fsimg_io_open_cache(&cached, io, 16384, 16), 0);
	assert_int_equal(fsimg_io_pread(cached, NULL, 0, 0), FSIMG_ENOTSUP_OP);
	assert_int_equal(fsimg_io_pread(cached, b, sizeof(b), 0), FSIMG_ENOTSUP_OP);
	assert_int_equal(fsimg_io_pread(NULL, b, sizeof(b), 0), FSIMG_EINVAL);
	fsimg_io_close(cached);
}

struct reader {
	fsimg_io *io;
	unsigned seed;
	int bad;
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[4096];

	for (unsigned i = 0; i < 2000; i++) {
		uint64_t off = (uint64_t)((r->seed * 2654435761u + i * 40503u) % (IMG_LEN - sizeof(buf)));

		if (fsimg_io_pread(r->io, buf, sizeof(buf), off) != 0 ||
		    memcmp(buf, img + off, sizeof(buf)) != 0)
			r->bad++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct reader r[4];
	pthread_t th[4];
	fsimg_io *raw = file_source(), *cached;

	(void)state;
	assert_int_equal(fsimg_io_open_cache(&cached, raw, 16384, 16), 0);
	for (unsigned i = 0; i < 4; i++) {
		r[i] = (struct reader){ cached, i + 1, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, reader_run, &r[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].bad, 0);
	}
	fsimg_io_close(cached);
}

static void test_dl_load(void **state)
{
	static struct { size_t (*strlen)(const char *); } fn;
	static const struct dl_sym ok_syms[] = { { "strlen", &fn.strlen } };
	static const struct dl_sym bad_syms[] = { { "fsimg_no_such_symbol", &fn.strlen } };
	struct dl_lib ok = { "libc.so.6", "tests", ok_syms, 1, 0, "" };
	struct dl_lib nolib = { "libfsimg-no-such-library.so.9", "XYZ images", ok_syms, 1, 0, "" };
	struct dl_lib nosym = { "libc.so.6", "XYZ images", bad_syms, 1, 0, "" };
	char why[256];

	(void)state;
	assert_int_equal(dl_load(&ok, why, sizeof(why)), 0);
	assert_int_equal(fn.strlen("abc"), 3);
	assert_int_equal(dl_load(&nolib, why, sizeof(why)), FSIMG_EUNSUPP);
	assert_non_null(strstr(why, "XYZ images need libfsimg-no-such-library.so.9, which cannot be loaded"));
	assert_null(strchr(why, '\n'));
	why[0] = '\0';
	assert_int_equal(dl_load(&nolib, why, sizeof(why)), FSIMG_EUNSUPP); /* remembered */
	assert_non_null(strstr(why, "libfsimg-no-such-library.so.9"));
	assert_int_equal(dl_load(&nosym, why, sizeof(why)), FSIMG_EUNSUPP);
	assert_string_equal(why, "XYZ images need libc.so.6, which lacks fsimg_no_such_symbol");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_file_and_cache),
		cmocka_unit_test(test_no_pread),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_dl_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
