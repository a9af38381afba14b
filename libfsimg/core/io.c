/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read-only byte sources behind fsimg_io: a file read with pread (never opened
 * for writing), a caller's memory buffer (fuzzing, unit tests), or any
 * caller-supplied vtable (the journal overlay stacks on this). Both built-in
 * sources offer the thread-safe pread op (fsimg.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#include "core/io.h"

struct file_src {
	int fd;
	uint64_t size;
};

int io_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

uint8_t *io_batch_alloc(uint32_t bs)
{
	void *p;

	return posix_memalign(&p, 4096, io_batch_blocks(bs) * bs) == 0 ? p : NULL;
}

/* len bytes at off from a file of size bytes: 0, or FSIMG_EIO for a short read or one past size. */
static int io_pread_all(int fd, uint64_t size, void *buf, size_t len, uint64_t off)
{
	if (off > size || len > size - off)
		return FSIMG_EIO;
	return io_pread_full(fd, buf, len, off) < 0 ? FSIMG_EIO : 0;
}

static int file_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct file_src *f = priv;

	return io_pread_all(f->fd, f->size, buf, len, off);
}

static uint64_t file_size(void *priv)
{
	return ((struct file_src *)priv)->size;
}

static int file_fd(void *priv)
{
	return ((struct file_src *)priv)->fd;
}

static void file_close(void *priv)
{
	struct file_src *f = priv;
	close(f->fd);
	free(f);
}

/* pread(2) shares no cursor: file_read is safe from several threads as it is. */
static const struct fsimg_io_ops file_ops = { file_read, file_size, file_fd, file_close, file_read };

int fsimg_io_open_file(fsimg_io **out, const char *path)
{
	struct file_src *f;
	struct stat st;
	int fd, err;

	if (!out || !path)
		return FSIMG_EINVAL;
	*out = NULL;
	/*
	 * O_NONBLOCK, then the type: a FIFO with no writer (or a terminal)
	 * would block a plain open() for ever, and holds no image anyway.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? FSIMG_ENOENT : FSIMG_EIO;
	if (fstat(fd, &st) < 0)
		goto fail_io;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		return FSIMG_EINVAL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail_io;
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return FSIMG_ENOMEM;
	}
	f->fd = fd;
	if (S_ISREG(st.st_mode)) {
		f->size = (uint64_t)st.st_size;
#ifdef BLKGETSIZE64
	} else if (S_ISBLK(st.st_mode)) {
		uint64_t sz = 0;
		if (ioctl(fd, BLKGETSIZE64, &sz) < 0) {
			free(f);
			goto fail_io;
		}
		f->size = sz;
#endif
	} else {
		free(f);
		close(fd);
		return FSIMG_EINVAL;
	}
	err = fsimg_io_open_ops(out, &file_ops, f);
	if (err < 0)
		file_close(f);
	return err;
fail_io:
	close(fd);
	return FSIMG_EIO;
}

struct mem_src {
	const uint8_t *buf;
	size_t len;
};

static int mem_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct mem_src *m = priv;

	if (off > m->len || len > m->len - off)
		return FSIMG_EIO;
	/* len 0 (fsimg_io_pread's "is there one?") may come with no buffer at all */
	if (len)
		memcpy(buf, m->buf + off, len);
	return 0;
}

static uint64_t mem_size(void *priv)
{
	return ((struct mem_src *)priv)->len;
}

static void mem_close(void *priv)
{
	free(priv);
}

/* A copy from a buffer nobody writes: mem_read is safe from several threads. */
static const struct fsimg_io_ops mem_ops = { mem_read, mem_size, NULL, mem_close, mem_read };

int fsimg_io_open_mem(fsimg_io **out, const void *buf, size_t len)
{
	struct mem_src *m;
	int err;

	if (!out || (!buf && len))
		return FSIMG_EINVAL;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return FSIMG_ENOMEM;
	m->buf = buf;
	m->len = len;
	err = fsimg_io_open_ops(out, &mem_ops, m);
	if (err < 0)
		free(m);
	return err;
}

int fsimg_io_open_ops(fsimg_io **out, const struct fsimg_io_ops *ops, void *priv)
{
	fsimg_io *io;

	if (!out || !ops || !ops->read || !ops->size)
		return FSIMG_EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return FSIMG_ENOMEM;
	io->ops = *ops;
	io->priv = priv;
	*out = io;
	return 0;
}

int fsimg_io_read(fsimg_io *io, void *buf, size_t len, uint64_t off)
{
	if (!io || (!buf && len))
		return FSIMG_EINVAL;
	if (len == 0)
		return 0;
	return io->ops.read(io->priv, buf, len, off);
}

int fsimg_io_pread(fsimg_io *io, void *buf, size_t len, uint64_t off)
{
	if (!io || (!buf && len))
		return FSIMG_EINVAL;
	if (!io->ops.pread)
		return FSIMG_ENOTSUP_OP;
	/* len 0 goes to the op too: a wrapper's answer is its inner source's. */
	return io->ops.pread(io->priv, buf, len, off);
}

uint64_t fsimg_io_size(const fsimg_io *io)
{
	return io ? io->ops.size(io->priv) : 0;
}

int fsimg_io_fd(const fsimg_io *io)
{
	return io && io->ops.fd ? io->ops.fd(io->priv) : -1;
}

void fsimg_io_close(fsimg_io *io)
{
	if (!io)
		return;
	if (io->ops.close)
		io->ops.close(io->priv);
	free(io);
}
