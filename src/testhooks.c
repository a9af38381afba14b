/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test suite's hooks: see testhooks.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "testhooks.h"

#ifdef FSIMG_TEST_HOOKS

/* A non-negative decimal, or -1 when unset or not one. */
static long long env_num(const char *name)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}

bool hook_writes_one_by_one(void)
{
	return env_num("FSIMG_TEST_FAIL_AFTER_WRITES") >= 0 || env_num("FSIMG_TEST_SLOW_WRITES") > 0;
}

int hook_before_write(uint64_t writes_done)
{
	long long fail_after = env_num("FSIMG_TEST_FAIL_AFTER_WRITES");
	long long slow = env_num("FSIMG_TEST_SLOW_WRITES");

	if (slow > 0) {
		struct timespec ts = { (time_t)(slow / 1000), (long)(slow % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return fail_after >= 0 && writes_done >= (uint64_t)fail_after ? -EIO : 0;
}

/* --------------------------------------------------- an offset source */

struct offset_src {
	fsimg_io *inner;
	uint64_t offset;
};

static int offset_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct offset_src *o = priv;

	if (off > UINT64_MAX - o->offset)
		return FSIMG_EIO;
	return fsimg_io_read(o->inner, buf, len, o->offset + off);
}

static int offset_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct offset_src *o = priv;

	if (off > UINT64_MAX - o->offset)
		return FSIMG_EIO;
	return fsimg_io_pread(o->inner, buf, len, o->offset + off);
}

static uint64_t offset_size(void *priv)
{
	struct offset_src *o = priv;
	uint64_t size = fsimg_io_size(o->inner);

	return size > o->offset ? size - o->offset : 0;
}

/*
 * The file's descriptor, as a partition backend might hand it out for
 * probing: its bytes are not the source's. Whatever reads the image's data
 * through it reads the wrong place.
 */
static int offset_fd(void *priv)
{
	return fsimg_io_fd(((struct offset_src *)priv)->inner);
}

static void offset_close(void *priv)
{
	struct offset_src *o = priv;

	fsimg_io_close(o->inner);
	free(o);
}

static const struct fsimg_io_ops offset_ops = {
	offset_read, offset_size, offset_fd, offset_close, offset_pread,
};

int hook_wrap_image(fsimg_io **io)
{
	long long offset = env_num("FSIMG_TEST_IMAGE_OFFSET");
	struct offset_src *o;
	fsimg_io *wrapped;
	int err;

	if (offset <= 0)
		return 0;
	o = calloc(1, sizeof(*o));
	if (!o) {
		fsimg_io_close(*io);
		*io = NULL;
		return FSIMG_ENOMEM;
	}
	o->inner = *io;
	o->offset = (uint64_t)offset;
	err = fsimg_io_open_ops(&wrapped, &offset_ops, o);
	if (err < 0) {
		offset_close(o);
		*io = NULL;
		return err;
	}
	*io = wrapped;
	return 0;
}

size_t hook_json_max(size_t dflt)
{
	long long v = env_num("FSIMG_TEST_JSON_MAX");

	return v >= 0 ? (size_t)v : dflt;
}

#else /* the installed command: no hooks */

size_t hook_json_max(size_t dflt)
{
	return dflt;
}

bool hook_writes_one_by_one(void)
{
	return false;
}

int hook_before_write(uint64_t writes_done)
{
	(void)writes_done;
	return 0;
}

int hook_wrap_image(fsimg_io **io)
{
	(void)io;
	return 0;
}

#endif
