/*
 * The crash workload's data ops: writes (buffered, appending or over the
 * file, O_DIRECT), fallocate (plain, KEEP_SIZE, punch, zero range),
 * truncate, fsync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

/* append, overwrite, fallocate, keepsize, punch, zero, direct, truncate, fsync */
int data_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	    const char **relp)
{
	char p[256];
	int fd = -1;
	off_t off;
	size_t len;

	(void)slot, (void)relp;
	switch (k) {
	case K_APPEND:
	case K_OVERWRITE:
		len = 1 + below(k == K_APPEND ? 3 * BIG * 8 : BIG * 8);
		if (size + (off_t)len > MAXFILESIZE)
			k = K_OVERWRITE;
		off = k == K_APPEND ? size : (off_t)below((uint32_t)(size + BIG));
		if (off + (off_t)len > MAXFILESIZE)
			off = MAXFILESIZE - (off_t)len;
		record("op %d %s %s %lld %zu", op, kind_name[k], rel, (long long)off, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		fill(len);
		if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
			*rc = -1;
		break;
	case K_FALLOC:
	case K_KEEPSIZE:
	case K_PUNCH:
	case K_ZERO: {
		int mode = k == K_FALLOC ? 0 : k == K_KEEPSIZE ? FALLOC_FL_KEEP_SIZE
			 : k == K_PUNCH ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			 : FALLOC_FL_ZERO_RANGE | (below(2) ? FALLOC_FL_KEEP_SIZE : 0);
		off = (off_t)below((uint32_t)(size + 4 * BIG));
		if (below(2))
			off &= ~(off_t)(blksz - 1);
		len = 1 + below(16 * BIG);
		if (off + (off_t)len > MAXFILESIZE)
			off = MAXFILESIZE - (off_t)len;
		record("op %d %s %s %lld %zu %d", op, kind_name[k], rel, (long long)off, len, mode);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || fallocate(fd, mode, off, (off_t)len) != 0)
			*rc = -1;
		break;
	}
	case K_DIRECT: {
		len = (size_t)(1 + below(8)) * BIG;
		off = (off_t)below((uint32_t)(size / BIG + 2)) * BIG;
		if (off + (off_t)len > MAXFILESIZE)
			off = 0;
		record("op %d %s %s %lld %zu", op, kind_name[k], rel, (long long)off, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR | O_DIRECT);
		fill(len);
		if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
			*rc = -1;
		break;
	}
	case K_TRUNCATE:
		off = below(3) ? (off_t)below((uint32_t)size + 1) : size + (off_t)below(8 * BIG);
		record("op %d truncate %s %lld", op, rel, (long long)off);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || ftruncate(fd, off) != 0)
			*rc = -1;
		break;
	case K_FSYNC:
		record("op %d fsync %s", op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || do_fsync(op, rel, fd) != 0)
			*rc = -1;
		close(fd);
		fd = -1;
		break;
	default:
		break;
	}
	return fd;
}
