/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing to images: see wimg.h. The undo file layout (all integers
 * little-endian, checksums crc32c seeded with 0xffffffff and not inverted,
 * as ext4 metadata_csum computes them) is documented in fsimg-undo(1):
 *
 *   header, 64 bytes:
 *     0  magic "fsimgUND"      8  version (1)     12 header size (64)
 *     16 block size            20 flags (0)       24 image size in bytes
 *     32 filesystem UUID (16)  48 record count    56 reserved (0)
 *     60 crc32c of bytes 0..59
 *   records, each 16 + block size bytes:
 *     0  block number          8  crc32c of bytes 0..7 then the data
 *     12 reserved (0)          16 the block's old contents
 *   trailer, 32 bytes, written after the records (then the header again,
 *   with the final record count, and one fsync of it all):
 *     0  magic "fsimgEND"      8  record count
 *     16 crc32c of the record checksums in order (4 bytes each)
 *     20 reserved (0, 8 bytes) 28 crc32c of bytes 0..27
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
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "cli.h"
#include "wimg.h"

static void say(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const char *path, const char *fmt, ...)
{
	va_list ap;

	fputs("fsimg: ", stderr);
	cli_put_text(stderr, path, strlen(path));
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
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
		say(path, "cannot read the mount table; refusing to write");
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
			say(path, "is mounted on %s; refusing to write", mnt_fs_get_target(fs));
			found = 1;
		} else if (S_ISREG(st.st_mode) && loop_backs(d, &st, real)) {
			say(path, "is used by the loop device %u:%u mounted on %s; refusing to write",
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
		say(path, "%s", cli_strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		say(path, "not a regular file or block device");
		return -1;
	}
	/* root may write anything; a file nobody may write is read-only all the same. */
	if (S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
		say(path, "cannot %s: the file is read-only (mode %04o)", what,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (wimg_check_not_mounted(path) != 0)
		return -1;
	/* O_NONBLOCK and the type again: the path may have been replaced since stat. */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
	if (fd >= 0 && (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) ||
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)) {
		say(path, "not a regular file or block device");
		close(fd);
		return -1;
	}
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			say(path, "cannot %s: the image is read-only (%s)", what, cli_strerror(errno));
		else if (errno == EBUSY)
			say(path, "cannot %s: the device is busy (mounted?)", what);
		else
			say(path, "cannot %s: %s", what, cli_strerror(errno));
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

/* ----------------------------------------------------------- fault hooks */

static uint64_t writes_done;

uint64_t wimg_writes_done(void)
{
	return writes_done;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
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

#ifdef FSIMG_TEST_HOOKS
/*
 * Only in src/fsimg-faults, the check-only build (src/local.am): the
 * installed command reads no environment on its write path.
 */
static long env_num(const char *name)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}

static bool hooks_set(void)
{
	return env_num("FSIMG_TEST_FAIL_AFTER_WRITES") >= 0 || env_num("FSIMG_TEST_SLOW_WRITES") > 0;
}

/* 0 to go on with the write, or the error the hook injects. */
static int hooks_before_write(void)
{
	long fail_after = env_num("FSIMG_TEST_FAIL_AFTER_WRITES");
	long slow = env_num("FSIMG_TEST_SLOW_WRITES");

	if (slow > 0) {
		struct timespec ts = { slow / 1000, (slow % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return fail_after >= 0 && writes_done >= (uint64_t)fail_after ? -EIO : 0;
}
#else
static bool hooks_set(void)
{
	return false;
}

static int hooks_before_write(void)
{
	return 0;
}
#endif

int wimg_pwrite_block(int fd, const void *buf, size_t len, uint64_t off)
{
	int err = hooks_before_write();

	if (err == 0)
		err = pwrite_all(fd, buf, len, off);
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
	if (hooks_set()) {
		for (size_t i = 0; i < nblocks; i++) {
			err = wimg_pwrite_block(fd, p + i * bs, bs, off + i * bs);
			if (err < 0)
				return err;
		}
		return 0;
	}
	err = pwrite_all(fd, buf, nblocks * bs, off);
	if (err == 0)
		writes_done += nblocks;
	return err;
}

/* ------------------------------------------------------------- undo file */

/* Records are gathered and written this many bytes at a time. */
#define UNDO_BUF_BYTES (1u << 20)

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0 && errno != EINVAL)
			err = -errno;
		close(fd);
	}
	free(copy);
	return err;
}

static void header_bytes(uint8_t b[UNDO_HEADER_SIZE], const struct undo_header *h)
{
	memset(b, 0, UNDO_HEADER_SIZE);
	memcpy(b, UNDO_MAGIC, 8);
	put32(b + 8, UNDO_VERSION);
	put32(b + 12, UNDO_HEADER_SIZE);
	put32(b + 16, h->block_size);
	put32(b + 20, 0);
	put64(b + 24, h->image_size);
	memcpy(b + 32, h->uuid, 16);
	put64(b + 48, h->nrecords);
	put32(b + 60, fsimg_crc32c(~0u, b, 60));
}

int undo_create(struct undo_writer *w, const char *path, const struct undo_header *h)
{
	uint8_t b[UNDO_HEADER_SIZE];
	int err;

	memset(w, 0, sizeof(*w));
	w->path = path;
	w->h = *h;
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		if (errno == EEXIST)
			say(path, "undo file exists; restore it with 'fsimg undo' or remove it, "
				  "or give another with --undo FILE");
		else
			say(path, "cannot create the undo file: %s", cli_strerror(errno));
		return -1;
	}
	w->bufcap = UNDO_BUF_BYTES > UNDO_RECORD_HEAD + h->block_size ? UNDO_BUF_BYTES
								     : UNDO_RECORD_HEAD + h->block_size;
	/* Page-aligned: the kernel copies from an unaligned buffer much more slowly. */
	if (posix_memalign((void **)&w->buf, 4096, w->bufcap) != 0)
		w->buf = NULL;
	if (!w->buf) {
		say(path, "out of memory");
		undo_abort(w);
		return -1;
	}
	header_bytes(b, h);
	err = write_all(w->fd, b, sizeof(b));
	if (err < 0) {
		say(path, "cannot write the undo file: %s", cli_strerror(-err));
		undo_abort(w);
		return -1;
	}
	w->off = sizeof(b);
	return 0;
}

static int undo_flush(struct undo_writer *w)
{
	int err = write_all(w->fd, w->buf, w->buflen);

	if (err == 0)
		wimg_start_writeback(w->fd, w->off, w->buflen);
	w->off += w->buflen;
	w->buflen = 0;
	if (err < 0)
		say(w->path, "cannot write the undo file: %s", cli_strerror(-err));
	return err < 0 ? -1 : 0;
}

int undo_add(struct undo_writer *w, uint64_t block, const void *data)
{
	uint8_t *head, c[4];
	uint32_t crc;

	if (w->buflen + UNDO_RECORD_HEAD + w->h.block_size > w->bufcap && undo_flush(w) < 0)
		return -1;
	head = w->buf + w->buflen;
	memset(head, 0, UNDO_RECORD_HEAD);
	put64(head, block);
	crc = fsimg_crc32c(fsimg_crc32c(~0u, head, 8), data, w->h.block_size);
	put32(head + 8, crc);
	put32(c, crc);
	w->chain = fsimg_crc32c(w->chain, c, 4);
	memcpy(head + UNDO_RECORD_HEAD, data, w->h.block_size);
	w->buflen += UNDO_RECORD_HEAD + w->h.block_size;
	w->written++;
	return 0;
}

int undo_finish(struct undo_writer *w)
{
	uint8_t t[UNDO_TRAILER_SIZE], b[UNDO_HEADER_SIZE];
	int err = 0;

	if (undo_flush(w) < 0)
		return -1;
	/*
	 * Records, trailer and the header with the final count, then one fsync:
	 * the image is written only after it returns, so a crash before that
	 * leaves the image as it was, whatever part of this file reached the
	 * disk; and a file whose trailer reached the disk ahead of some record
	 * fails `fsimg undo`'s record checksums and chain, never restores
	 * garbage.
	 */
	memset(t, 0, sizeof(t));
	memcpy(t, UNDO_END_MAGIC, 8);
	put64(t + 8, w->written);
	put32(t + 16, w->chain);
	put32(t + 28, fsimg_crc32c(~0u, t, 28));
	err = write_all(w->fd, t, sizeof(t));
	if (err == 0 && w->written != w->h.nrecords) {
		w->h.nrecords = w->written;
		header_bytes(b, &w->h);
		ssize_t n = pwrite(w->fd, b, sizeof(b), 0);
		if (n != (ssize_t)sizeof(b))
			err = n < 0 ? -errno : -EIO;
	}
	if (err == 0 && fsync(w->fd) < 0)
		err = -errno;
	if (err == 0)
		err = fsync_dir_of(w->path);
	if (err < 0) {
		say(w->path, "cannot write the undo file: %s", cli_strerror(-err));
		return -1;
	}
	close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	return 0;
}

void undo_abort(struct undo_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->path);
	}
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}

int undo_open_verified(int *out, struct undo_header *h, const char *path)
{
	uint8_t b[UNDO_HEADER_SIZE], t[UNDO_TRAILER_SIZE], head[UNDO_RECORD_HEAD], c[4];
	uint8_t *data = NULL;
	struct stat st;
	uint64_t rec, off, expect;
	uint32_t chain = 0;
	int fd;

	/* O_NONBLOCK: a FIFO without a writer must be refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		say(path, "%s", cli_strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		say(path, "not a regular file");
		goto bad_nomsg;
	}
	if ((uint64_t)st.st_size < UNDO_HEADER_SIZE || read_full(fd, b, sizeof(b), 0) < 0 ||
	    memcmp(b, UNDO_MAGIC, 8) != 0) {
		say(path, "not an fsimg undo file");
		goto bad_nomsg;
	}
	if (get32(b + 8) != UNDO_VERSION || get32(b + 12) != UNDO_HEADER_SIZE) {
		say(path, "undo file version %u is not supported", get32(b + 8));
		goto bad_nomsg;
	}
	if (get32(b + 60) != fsimg_crc32c(~0u, b, 60)) {
		say(path, "undo file header is corrupt (checksum)");
		goto bad_nomsg;
	}
	h->block_size = get32(b + 16);
	h->image_size = get64(b + 24);
	memcpy(h->uuid, b + 32, 16);
	h->nrecords = get64(b + 48);
	if (h->block_size < 1024 || h->block_size > 65536 || (h->block_size & (h->block_size - 1))) {
		say(path, "undo file header is corrupt (block size %u)", h->block_size);
		goto bad_nomsg;
	}
	if (h->nrecords > ((uint64_t)st.st_size) / (UNDO_RECORD_HEAD + h->block_size)) {
		say(path, "undo file is incomplete: it announces %llu records",
		    (unsigned long long)h->nrecords);
		goto bad_nomsg;
	}
	expect = UNDO_HEADER_SIZE + h->nrecords * (UNDO_RECORD_HEAD + h->block_size) + UNDO_TRAILER_SIZE;
	if ((uint64_t)st.st_size != expect) {
		say(path, "undo file is incomplete (%llu bytes, a complete one has %llu)",
		    (unsigned long long)st.st_size, (unsigned long long)expect);
		goto bad_nomsg;
	}
	data = malloc(h->block_size);
	if (!data) {
		say(path, "out of memory");
		goto bad_nomsg;
	}
	off = UNDO_HEADER_SIZE;
	for (rec = 0; rec < h->nrecords; rec++) {
		uint64_t blk;
		if (read_full(fd, head, sizeof(head), off) < 0 ||
		    read_full(fd, data, h->block_size, off + UNDO_RECORD_HEAD) < 0) {
			say(path, "cannot read undo record %llu", (unsigned long long)rec);
			goto bad_nomsg;
		}
		blk = get64(head);
		if (get32(head + 8) != fsimg_crc32c(fsimg_crc32c(~0u, head, 8), data, h->block_size)) {
			say(path, "undo record %llu (block %llu) is corrupt (checksum)",
			    (unsigned long long)rec, (unsigned long long)blk);
			goto bad_nomsg;
		}
		if (blk >= h->image_size / h->block_size) {
			say(path, "undo record %llu names block %llu, past the image",
			    (unsigned long long)rec, (unsigned long long)blk);
			goto bad_nomsg;
		}
		memcpy(c, head + 8, 4);
		chain = fsimg_crc32c(chain, c, 4);
		off += UNDO_RECORD_HEAD + h->block_size;
	}
	if (read_full(fd, t, sizeof(t), off) < 0 || memcmp(t, UNDO_END_MAGIC, 8) != 0 ||
	    get32(t + 28) != fsimg_crc32c(~0u, t, 28)) {
		say(path, "undo file is incomplete (no valid completion marker)");
		goto bad_nomsg;
	}
	if (get64(t + 8) != h->nrecords || get32(t + 16) != chain) {
		say(path, "undo file is corrupt (its completion marker does not match its records)");
		goto bad_nomsg;
	}
	free(data);
	*out = fd;
	return 0;
bad_nomsg:
	free(data);
	close(fd);
	return -1;
}

int wimg_read_identity(int fd, uint32_t *block_size, uint8_t uuid[16])
{
	uint8_t sb[1024];
	uint32_t log;

	if (read_full(fd, sb, sizeof(sb), 1024) < 0)
		return -1;
	if (sb[56] != 0x53 || sb[57] != 0xef)
		return -1;
	log = get32(sb + 24);
	if (log > 6)
		return -1;
	*block_size = 1024u << log;
	memcpy(uuid, sb + 0x68, 16);
	return 0;
}
