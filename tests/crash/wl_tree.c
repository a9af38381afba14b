/*
 * The crash workload's tree workload (run.sh -w tree).
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

/* ---- the tree workload: new directories (nested), many names in one
 * directory (it grows past a block, becomes hashed, splits leaves), files
 * fragmented into hundreds of extents (deeper extent trees), between the
 * mixed workload's file ops; each burst ends in an fsync ---- */

/* a new directory and a first file in it, fsync'd (the kernel does a full commit for an fsync of a directory) */
static int tree_mkdir(int op)
{
	char p[256], rel[160], frel[200];
	int parent = (int)below((uint32_t)ndirs), fd, rc = 0;
	size_t len = 1 + below(3 * BIG);
	static unsigned serial;

	if (ndirs >= MAXDIRS || strlen(dirs[parent]) > 120)
		parent = 0;
	snprintf(rel, sizeof(rel), "%.120s/s%u", dirs[parent], serial++);
	record("op %d mkdir %s", op, rel);
	touch(op, dirs[parent]);
	abs_path(p, sizeof(p), rel);
	if (mkdir(p, 0700 + 055 * below(2)) != 0)
		return errno ? errno : -1;
	if (ndirs < MAXDIRS)
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s", rel);
	snprintf(frel, sizeof(frel), "%s/first", rel);
	touch(op, frel);
	abs_path(p, sizeof(p), frel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	fill(len);
	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len || do_fsync(op, frel, fd) != 0)
		rc = errno ? errno : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* many names in one directory (the first of the list half the time: it grows big) */
static int tree_many(int op)
{
	char p[256], rel[200];
	int d = below(2) ? 0 : (int)below((uint32_t)ndirs), n = 8 + (int)below(56), fd = -1, rc = 0;
	static unsigned serial;

	record("op %d many %s %d", op, dirs[d], n);
	touch(op, dirs[d]);
	for (int i = 0; i < n && !rc; i++) {
		snprintf(rel, sizeof(rel), "%.159s/name-with-some-length-%08x-%u", dirs[d], (unsigned)rnd(), serial++);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		if (fd >= 0)
			close(fd);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			rc = errno ? errno : -1;
	}
	if (fd >= 0) {
		if (!rc && do_fsync(op, rel, fd) != 0)
			rc = -1;
		close(fd);
	}
	return rc;
}

/* a new file written one block in two: as many extents as blocks */
static int tree_frag(int op)
{
	char p[256], rel[200];
	int fd, rc = 0, n = 20 + (int)below(blksz == 1024 ? 420 : 1600);

	new_name(rel, sizeof(rel));
	record("op %d frag %s %d", op, rel, n);
	touch(op, rel);
	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return errno ? errno : -1;
	fill(blksz);
	for (int i = 0; i < n && !rc; i++)
		if (pwrite(fd, buf, blksz, (off_t)2 * i * blksz) != (ssize_t)blksz)
			rc = errno ? errno : -1;
	if (!rc && do_fsync(op, rel, fd) != 0)
		rc = -1;
	close(fd);
	return rc;
}

int run_tree(int ops, int cut)
{
	const unsigned w[K_NKINDS] = { 3, 2, 1, 1, 1, 1, 0, 3, 2, 1, 2, 1, 2, 0 };

	for (int d = 0; d < NDIRS; d++)
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "d%d", d);
	for (int op = 1; op <= ops; op++) {
		int rc = 0, fd = -1, t = (int)below(10);
		const char *rel = NULL;

		errno = 0;
		if (t <= 1)
			rc = tree_mkdir(op);
		else if (t <= 3)
			rc = tree_many(op);
		else if (t == 4)
			rc = tree_frag(op);
		else
			fd = one_op(op, pick_kind(w), &rc, &rel);
		op_done(op, cut, fd, rel, rc);
	}
	record("end %d", ops);
	power_cut();
	return 0;
}
