/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing to images: see wimg.h. The undo file is in undofile.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "cli.h"
#include "testhooks.h"
#include "wimg.h"

void wimg_say(const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vsay(path, NULL, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------- mount check */

/* Is the loop device maj:min backed by the file (dev, ino) or path? */
static bool loop_backs(dev_t loopdev, const struct stat *st, const char *real)
{
	char sys[128], back[PATH_MAX + 16];
	struct stat bst;
	FILE *f;
	size_t n;

	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/loop/backing_file",
		 major(loopdev), minor(loopdev));
	f = fopen(sys, "re");
	if (!f)
		return false;
	n = fread(back, 1, sizeof(back) - 1, f);
	fclose(f);
	back[n] = '\0';
	while (n && back[n - 1] == '\n')
		back[--n] = '\0';
	if (stat(back, &bst) == 0 && bst.st_dev == st->st_dev && bst.st_ino == st->st_ino)
		return true;
	return real && strcmp(back, real) == 0;
}

int wimg_check_not_mounted(const char *path)
{
	struct libmnt_table *tb;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	struct stat st;
	char *real;
	int found = 0;

	if (stat(path, &st) < 0)
		return 0; /* the open that follows says why */
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return 0;
	tb = mnt_new_table();
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !itr || mnt_table_parse_mtab(tb, NULL) != 0) {
		mnt_free_iter(itr);
		mnt_unref_table(tb);
		wimg_say(path, "cannot read the mount table; refusing to write");
		return -1;
	}
	real = realpath(path, NULL);
	while (!found && mnt_table_next_fs(tb, itr, &fs) == 0) {
		dev_t d = mnt_fs_get_devno(fs);
		const char *src = mnt_fs_get_srcpath(fs);
		struct stat sst;

		if (!d && src && stat(src, &sst) == 0 && S_ISBLK(sst.st_mode))
			d = sst.st_rdev;
		if (!d)
			continue;
		if (S_ISBLK(st.st_mode) && d == st.st_rdev) {
			wimg_say(path, "is mounted on %s; refusing to write", mnt_fs_get_target(fs));
			found = 1;
		} else if (S_ISREG(st.st_mode) && loop_backs(d, &st, real)) {
			wimg_say(path, "is used by the loop device %u:%u mounted on %s; refusing to write",
			    major(d), minor(d), mnt_fs_get_target(fs));
			found = 1;
		}
	}
	free(real);
	mnt_free_iter(itr);
	mnt_unref_table(tb);
	return found;
}

int wimg_open_rw(const char *path, const char *what)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		wimg_say(path, "%s", cli_strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		wimg_say(path, "not a regular file or block device");
		return -1;
	}
	/* root may write anything; a file nobody may write is read-only all the same. */
	if (S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
		wimg_say(path, "cannot %s: the file is read-only (mode %04o)", what,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (wimg_check_not_mounted(path) != 0)
		return -1;
	/* O_NONBLOCK and the type again: the path may have been replaced since stat. */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
	if (fd >= 0 && (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) ||
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)) {
		wimg_say(path, "not a regular file or block device");
		close(fd);
		return -1;
	}
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			wimg_say(path, "cannot %s: the image is read-only (%s)", what, cli_strerror(errno));
		else if (errno == EBUSY)
			wimg_say(path, "cannot %s: the device is busy (mounted?)", what);
		else
			wimg_say(path, "cannot %s: %s", what, cli_strerror(errno));
		return -1;
	}
	return fd;
}

int64_t wimg_fd_size(int fd)
{
	struct stat st;
	uint64_t sz;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz) < 0)
			return -1;
		return (int64_t)sz;
	}
	return st.st_size;
}

/* ---------------------------------------------------------- block writes */

static uint64_t writes_done;

uint64_t wimg_writes_done(void)
{
	return writes_done;
}

int wimg_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, p + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		done += (size_t)n;
	}
	return 0;
}

int wimg_pwrite_block(int fd, const void *buf, size_t len, uint64_t off)
{
	int err = hook_before_write(writes_done);

	if (err == 0)
		err = wimg_pwrite_full(fd, buf, len, off);
	if (err == 0)
		writes_done++;
	return err;
}

void wimg_start_writeback(int fd, uint64_t off, uint64_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
	/* Advisory: the fsync that follows is what guarantees anything. */
	(void)sync_file_range(fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
	(void)off;
	(void)len;
#endif
}

int wimg_pwrite_blocks(int fd, const void *buf, size_t nblocks, size_t bs, uint64_t off)
{
	const char *p = buf;
	int err;

	/* The hooks count and delay blocks: then one call per block, as they expect. */
	if (hook_writes_one_by_one()) {
		for (size_t i = 0; i < nblocks; i++) {
			err = wimg_pwrite_block(fd, p + i * bs, bs, off + i * bs);
			if (err < 0)
				return err;
		}
		return 0;
	}
	err = wimg_pwrite_full(fd, buf, nblocks * bs, off);
	if (err == 0)
		writes_done += nblocks;
	return err;
}
