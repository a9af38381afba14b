/*
 * Workloads shaped like real users' machines (branch xcrash5):
 *   editor   files saved as editors save them: the new contents written to a
 *            temporary name beside the file, fsync'd, renamed over it, the
 *            directory fsync'd (the careful way); or renamed without any
 *            fsync; or with a backup (the old file linked to NAME~ first);
 *            or truncated and rewritten in place and fsync'd.
 *   untar    directory trees unpacked (nested directories, many small files,
 *            a few larger ones, symlinks): plainly, the dpkg way (each file
 *            written as NAME.dpkg-new, fsync'd, renamed), or followed by a
 *            syncfs; and earlier trees removed whole (rm -rf).
 *   seq      large files written sequentially in 512 KiB chunks (buffered or
 *            O_DIRECT), some fsync'd at the end, appended to, truncated and
 *            unlinked (many extents freed at once); meant to be cut by time
 *            in the middle of a write.
 * Each op records what it may change (touch) before it changes it, and
 * fsync records only for bytes a completed fsync made durable.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "workload.h"

#define ED_FILES 24

static int write_all(int fd, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n = len - done > 16 * BIG * 8 ? 16 * BIG * 8 : len - done;
		fill(n);
		if (write(fd, buf, n) != (ssize_t)n)
			return -1;
		done += n;
	}
	return 0;
}

static int fsync_dir_of(const char *rel)
{
	char p[256], *s;
	int dfd, rc;

	abs_path(p, sizeof(p), rel);
	s = strrchr(p, '/');
	if (s)
		*s = 0;
	dfd = open(p, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return -1;
	rc = fsync(dfd);
	close(dfd);
	return rc;
}

static size_t edit_size(void)
{
	unsigned r = below(10);

	return r < 6 ? 1 + below(8192) : r < 9 ? 8192 + below(56 * 1024) : 65536 + below(192 * 1024);
}

static int edit_one(int op)
{
	static unsigned serial;
	char tgt[200], tmp[200], bak[210], p[256], q[256];
	unsigned t = below(ED_FILES), style = below(8);
	size_t len = edit_size();
	int fd, rc = 0;

	snprintf(tgt, sizeof(tgt), "d%u/e%u.txt", t % NDIRS, t);
	if (style == 7) { /* in place: O_TRUNC, write, fsync */
		record("op %d editinplace %s %zu", op, tgt, len);
		touch(op, tgt);
		abs_path(p, sizeof(p), tgt);
		fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write_all(fd, len) != 0)
			rc = -1;
		if (fd >= 0 && !rc && do_fsync(op, tgt, fd) != 0)
			rc = -1;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "d%u/.e%u.txt.%u.tmp", t % NDIRS, t, serial++);
	record("op %d edit %s %s %zu %u", op, tmp, tgt, len, style);
	touch(op, tmp);
	touch(op, tgt);
	abs_path(p, sizeof(p), tmp);
	abs_path(q, sizeof(q), tgt);
	if (style == 6) { /* a backup: the old file's name~ (its previous backup gone) */
		char b[256];
		snprintf(bak, sizeof(bak), "%s~", tgt);
		touch(op, bak);
		abs_path(b, sizeof(b), bak);
		unlink(b);
		if (link(q, b) != 0 && errno != ENOENT)
			rc = -1;
	}
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write_all(fd, len) != 0)
		rc = -1;
	if (fd >= 0 && style != 5 && fsync(fd) != 0)
		rc = -1;
	if (fd >= 0 && rename(p, q) != 0)
		rc = -1;
	if (!rc && style != 5) {
		if (fsync_dir_of(tgt) != 0 || do_fsync(op, tgt, fd) != 0)
			rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int run_editor(int ops, int cut)
{
	for (int op = 1; op <= ops; op++) {
		errno = 0;
		op_done(op, cut, -1, NULL, edit_one(op));
	}
	record("end %d", ops);
	power_cut();
	return 0;
}

/* untar: trees d<k>/t<n>, their removal */
#define MAXTREES 24
static char trees[MAXTREES][64];
static int ntrees;

static int untar_file(int op, const char *rel, size_t len, int dpkg)
{
	char p[256], q[256], tmp[256];
	int fd, rc = 0;

	if (!dpkg) {
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write_all(fd, len) != 0)
			rc = -1;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s.dpkg-new", rel);
	touch(op, tmp);
	touch(op, rel);
	abs_path(p, sizeof(p), tmp);
	abs_path(q, sizeof(q), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write_all(fd, len) != 0 || fsync(fd) != 0 || rename(p, q) != 0)
		rc = -1;
	if (!rc && do_fsync(op, rel, fd) != 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

static int untar_one(int op)
{
	char top[64], dir[200], rel[230], p[256];
	unsigned nfilesz = 20 + below(100), ndir = 1, style = below(3);
	char sub[12][200];
	int rc = 0;
	static unsigned serial;

	if (ntrees == MAXTREES)
		return -1;
	snprintf(top, sizeof(top), "d%u/t%u", below(NDIRS), serial++);
	record("op %d untar %s %u %u", op, top, nfilesz, style);
	touch(op, top);
	abs_path(p, sizeof(p), top);
	if (mkdir(p, 0755) != 0)
		return -1;
	snprintf(trees[ntrees++], sizeof(trees[0]), "%s", top);
	snprintf(sub[0], sizeof(sub[0]), "%s", top);
	for (unsigned i = 0; i < nfilesz && !rc; i++) {
		unsigned r = below(20);
		if (r == 0 && ndir < 12) { /* a new directory under one of the tree's */
			snprintf(dir, sizeof(dir), "%s/s%u", sub[below(ndir)], i);
			if (strlen(dir) > 150)
				continue;
			touch(op, dir);
			abs_path(p, sizeof(p), dir);
			if (mkdir(p, 0755) != 0)
				rc = -1;
			snprintf(sub[ndir++], sizeof(sub[0]), "%s", dir);
		} else if (r == 1) { /* a symlink to a sibling */
			char t[32];
			snprintf(rel, sizeof(rel), "%s/l%u", sub[below(ndir)], i);
			snprintf(t, sizeof(t), "f%u", below(i + 1));
			touch(op, rel);
			abs_path(p, sizeof(p), rel);
			if (symlink(t, p) != 0)
				rc = -1;
		} else {
			unsigned s = below(10);
			size_t len = s < 6 ? below(2048) : s < 9 ? 2048 + below(14 * 1024) :
				     16384 + below(184 * 1024);
			snprintf(rel, sizeof(rel), "%s/f%u", sub[below(ndir)], i);
			rc = untar_file(op, rel, len, style == 1);
		}
	}
	if (!rc && style == 2) {
		int dfd = open(root, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || syncfs(dfd) != 0)
			rc = -1;
		if (dfd >= 0)
			close(dfd);
	}
	return rc;
}

/* rm -rf REL (relative to root), touching each name first */
static int remove_tree(int op, const char *rel, int depth)
{
	char p[256], c[256];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (depth > 16)
		return -1;
	abs_path(p, sizeof(p), rel);
	d = opendir(p);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(c, sizeof(c), "%s/%s", rel, e->d_name) >= 200)
			continue;
		touch(op, c);
		abs_path(p, sizeof(p), c);
		if (lstat(p, &st) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc |= remove_tree(op, c, depth + 1);
		else if (unlink(p) != 0)
			rc = -1;
	}
	closedir(d);
	abs_path(p, sizeof(p), rel);
	if (rmdir(p) != 0)
		rc = -1;
	return rc;
}

int run_untar(int ops, int cut)
{
	for (int op = 1; op <= ops; op++) {
		int rc;
		errno = 0;
		if (ntrees > 1 && below(3) == 0) {
			int k = (int)below((uint32_t)ntrees);
			record("op %d rmtree %s", op, trees[k]);
			touch(op, trees[k]);
			rc = remove_tree(op, trees[k], 0);
			memmove(trees[k], trees[k + 1], (size_t)(ntrees - k - 1) * sizeof(trees[0]));
			ntrees--;
		} else {
			rc = untar_one(op);
		}
		op_done(op, cut, -1, NULL, rc);
	}
	record("end %d", ops);
	power_cut();
	return 0;
}

/* seq: big files d<k>/big<n> */
#define MAXBIG 16
static char bigs[MAXBIG][32];
static long long bigsize[MAXBIG];
static int nbig;

static long long room(void)
{
	struct statvfs v;
	long long inuse = 0;

	if (statvfs(root, &v) != 0)
		return 0;
	for (int k = 0; k < nbig; k++)
		inuse += bigsize[k];
	/* keep half of the filesystem free, and the big files at most 192 MiB
	 * in all: the images are sparse, the host keeps two or three per row */
	long long total = (long long)v.f_blocks * (long long)v.f_frsize;
	long long avail = (long long)v.f_bavail * (long long)v.f_frsize;
	long long r = avail - total / 2, cap = (192ll << 20) - inuse;
	return r < cap ? r : cap;
}

static int seq_write(int op, int k, long long off, long long len, int direct, int sync)
{
	char p[256];
	int fd, rc = 0;
	long long done = 0;
	const size_t chunk = 16 * BIG * 8;

	record("op %d seqwrite %s %lld %lld %d %d", op, bigs[k], off, len, direct, sync);
	touch(op, bigs[k]);
	abs_path(p, sizeof(p), bigs[k]);
	fd = open(p, O_RDWR | O_CREAT | (direct ? O_DIRECT : 0), 0644);
	if (fd < 0)
		return -1;
	while (done < len) {
		size_t n = len - done > (long long)chunk ? chunk : (size_t)(len - done);
		fill(n);
		if (pwrite(fd, buf, n, off + done) != (ssize_t)n) {
			rc = -1;
			break;
		}
		done += (long long)n;
	}
	if (off + done > bigsize[k])
		bigsize[k] = off + done;
	if (!rc && sync && do_fsync(op, bigs[k], fd) != 0)
		rc = -1;
	close(fd);
	return rc;
}

static int seq_one(int op)
{
	static unsigned serial;
	unsigned r = below(10);
	const long long chunk = 16 * BIG * 8;
	char p[256];

	if (nbig && r == 0) { /* unlink one: its extents freed */
		int k = (int)below((uint32_t)nbig);
		record("op %d unlink %s", op, bigs[k]);
		touch(op, bigs[k]);
		abs_path(p, sizeof(p), bigs[k]);
		int rc = unlink(p) != 0 ? -1 : 0;
		memmove(bigs[k], bigs[k + 1], (size_t)(nbig - k - 1) * sizeof(bigs[0]));
		memmove(&bigsize[k], &bigsize[k + 1], (size_t)(nbig - k - 1) * sizeof(bigsize[0]));
		nbig--;
		return rc;
	}
	if (nbig && r == 1) { /* truncate one shorter */
		int k = (int)below((uint32_t)nbig);
		long long to = (long long)below((uint32_t)(bigsize[k] / 4096 + 1)) * 4096;
		record("op %d truncate %s %lld", op, bigs[k], to);
		touch(op, bigs[k]);
		abs_path(p, sizeof(p), bigs[k]);
		if (truncate(p, to) != 0)
			return -1;
		bigsize[k] = to;
		return 0;
	}
	long long len = (long long)(1 + below(r < 5 ? 64 : 16)) * chunk;
	if (len > room())
		len = room() > chunk ? room() / chunk * chunk : 0;
	if (!len)
		return 0;
	if (nbig && (r < 5 || nbig == MAXBIG)) { /* append */
		int k = (int)below((uint32_t)nbig);
		return seq_write(op, k, bigsize[k], len, below(4) == 0, below(2) == 0);
	}
	snprintf(bigs[nbig], sizeof(bigs[0]), "d%u/big%u", below(NDIRS), serial++);
	bigsize[nbig] = 0;
	nbig++;
	return seq_write(op, nbig - 1, 0, len, below(4) == 0, below(2) == 0);
}

int run_seq(int ops, int cut)
{
	for (int op = 1; op <= ops; op++) {
		errno = 0;
		op_done(op, cut, -1, NULL, seq_one(op));
	}
	record("end %d", ops);
	power_cut();
	return 0;
}
