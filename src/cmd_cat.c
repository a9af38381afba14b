/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg cat: a file's bytes on stdout, streamed in large chunks so files of
 * many GiB (mostly holes, often) cost neither memory nor per-block calls.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"

enum { OPT_RAW = CLI_OPT_LONG };

static const struct cli_opt cat_opts[] = {
	{ OPT_RAW, "raw", NULL, "on-disk bytes under unwritten extents, not zeros" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd cat_cmd = {
	"cat", "[--raw] [-b SUPERBLOCK] [-B BLOCKSIZE] IMAGE FILE",
	"Write the contents of FILE (a symlink: its target) to standard output.",
	cat_opts, CLI_WANT_SB, 2, 2,
};

#define CAT_CHUNK (1u << 20)

struct cat_ctx {
	bool raw;
};

static int cat_opt(void *vctx, int id, const char *arg)
{
	struct cat_ctx *ctx = vctx;

	(void)arg;
	if (id == OPT_RAW) {
		ctx->raw = true;
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* Where stdout goes, and whether holes may be left as holes there. */
struct sink {
	int fd;
	bool sparse;     /* a regular file we may seek in */
	off_t pending;   /* zero bytes skipped but not yet materialised */
	bool epipe;
	int err;         /* errno of a failed write */
};

static void sink_init(struct sink *s)
{
	struct stat st;
	int fl;

	memset(s, 0, sizeof(*s));
	s->fd = STDOUT_FILENO;
	fl = fcntl(s->fd, F_GETFL);
	/* O_APPEND ignores our seeks: a skipped hole would vanish. */
	s->sparse = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) && fl >= 0 && !(fl & O_APPEND) &&
		    lseek(s->fd, 0, SEEK_CUR) >= 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int sink_write(struct sink *s, const unsigned char *p, size_t n)
{
	if (s->sparse && all_zero(p, n)) {
		s->pending += (off_t)n;
		return 0;
	}
	if (s->pending) {
		if (lseek(s->fd, s->pending, SEEK_CUR) < 0) {
			s->err = errno;
			return -1;
		}
		s->pending = 0;
	}
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno == EPIPE)
				s->epipe = true;
			else
				s->err = errno;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A trailing hole still has to make the file as long as it should be. */
static int sink_finish(struct sink *s)
{
	off_t end;

	if (!s->pending)
		return 0;
	end = lseek(s->fd, s->pending, SEEK_CUR);
	if (end < 0 || ftruncate(s->fd, end) < 0) {
		s->err = errno;
		return -1;
	}
	s->pending = 0;
	return 0;
}

static int cat_regular(struct cli_image *img, const char *file,
		       const struct fsimg_stat *st, bool raw)
{
	struct sink s;
	fsimg_file *f;
	unsigned char *buf;
	uint64_t off = 0;
	int err, status = 0;

	err = fsimg_file_open_ino(&f, img->fs, st->ino, raw ? FSIMG_READ_RAW : 0);
	if (err < 0) {
		cli_file_error(img, file, "%s", cli_errmsg(img, err));
		return CLI_EXIT_ERROR;
	}
	buf = malloc(CAT_CHUNK);
	if (!buf) {
		fsimg_file_close(f);
		cli_error(img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	sink_init(&s);
	for (;;) {
		int64_t n = fsimg_file_read(f, buf, CAT_CHUNK, off);

		if (n < 0) {
			cli_file_error(img, file, "at byte %llu: %s", (unsigned long long)off,
				       cli_errmsg(img, (int)n));
			status = CLI_EXIT_ERROR;
			break;
		}
		if (n == 0)
			break;
		if (sink_write(&s, buf, (size_t)n) < 0)
			break;
		off += (uint64_t)n;
	}
	if (!s.epipe && !s.err)
		sink_finish(&s);
	if (s.err) {
		fprintf(stderr, "fsimg: write error: %s\n", cli_strerror(s.err));
		status = CLI_EXIT_ERROR;
	}
	free(buf);
	fsimg_file_close(f);
	return status;
}

int cmd_cat(int argc, char **argv)
{
	struct cli_common common;
	struct cat_ctx ctx = { false };
	struct cli_image img;
	struct fsimg_stat st;
	const char *file;
	int first, status;

	status = cli_parse(&common, &cat_cmd, argc, argv, cat_opt, &ctx, &first);
	if (status >= 0)
		return status;
	status = cli_open(&img, &common, argv[first]);
	if (status)
		return status;
	file = argv[first + 1];
	status = cli_lookup(&img, file, &st);
	if (status)
		return cli_close(&img, status);
	switch (st.type) {
	case FSIMG_FT_REG:
		status = cat_regular(&img, file, &st, ctx.raw);
		break;
	case FSIMG_FT_SYMLINK: {
		/* A symlink's target is at most a block (ext4), 1 KiB (XFS). */
		size_t len = (img.info.block_size > 4096 ? img.info.block_size : 4096) + 1;
		char *t = malloc(len);
		int n;

		if (!t) {
			cli_error(&img, "out of memory");
			status = CLI_EXIT_ERROR;
			break;
		}
		n = fsimg_readlink(t, len, img.fs, st.ino);
		if (n < 0) {
			cli_file_error(&img, file, "%s", cli_errmsg(&img, n));
			status = CLI_EXIT_ERROR;
		} else {
			fwrite(t, 1, (size_t)n, stdout);
		}
		free(t);
		break;
	}
	case FSIMG_FT_DIR:
		cli_file_error(&img, file, "is a directory");
		status = CLI_EXIT_ERROR;
		break;
	default:
		cli_file_error(&img, file, "not a regular file (%s)", cli_type_name((uint16_t)st.mode));
		status = CLI_EXIT_ERROR;
		break;
	}
	return cli_close(&img, status);
}
