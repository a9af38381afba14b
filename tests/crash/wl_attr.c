/*
 * The attr workload (XFS): files whose attribute forks have blocks,
 * unlinked while held open, so that the kernel's mount frees them after log
 * recovery (xfs_inactive -> xfs_attr_inactive: the attribute tree walked,
 * the fork's blocks freed, the fork removed).  OPS - 1 files in d0, each with
 * 0-3 blocks of data and, by its number, one shape of attribute fork:
 *   0  one value of several KiB (a leaf and remote value blocks)
 *   1  a value of about a block and a few small ones (a leaf, a remote value)
 *   2  many names with short values (a node block over several leaves)
 *   3  many names, one in four with a remote value (node, leaves, values)
 *   4, 5  two files given values of one to two blocks in turn, so that
 *      their attribute blocks interleave: many extents, a fork that outgrows
 *      the inode (an attribute fork in btree form)
 * then a syncfs; every file is unlinked and held open, one in eight left
 * linked (its inode written with the chunk), and a syncfs puts the unlinks
 * in the log before the power cut.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "workload.h"

#define ATTR_HELD 48
#define ATTR_SHAPES 6

/* xattr "user.<tag><n>" of len seeded bytes on fd: 0 or -1 */
static int set_attr(int fd, const char *tag, int n, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "user.%s%03d", tag, n);
	fill(len);
	return fsetxattr(fd, name, buf, len, 0);
}

/* the shape's xattrs on fd (file number i); shapes 4 and 5 are set by interleave() */
static int shape_attrs(int fd, int i)
{
	int rc = 0, names;

	switch (i % ATTR_SHAPES) {
	case 0:
		rc |= set_attr(fd, "big", 0, 2 * blksz + below(4 * blksz));
		break;
	case 1:
		rc |= set_attr(fd, "blk", 0, blksz - 100 + below(200));
		for (int k = 0; k < 3; k++)
			rc |= set_attr(fd, "small", k, 8 + below(40));
		break;
	case 2:
	case 3:
		names = 40 + (int)below(80);
		for (int k = 0; k < names && !rc; k++)
			rc |= set_attr(fd, "name-with-some-length-", k,
				       i % ATTR_SHAPES == 3 && k % 4 == 0 ? blksz + below(blksz) : 32 + below(200));
		break;
	}
	return rc;
}

/* files a and b (open) get values of one to two blocks in turn */
static int interleave(int fa, int fb)
{
	int rc = 0, n = 30 + (int)below(20);

	for (int k = 0; k < n && !rc; k++) {
		rc |= set_attr(fa, "frag", k, blksz + below(blksz));
		rc |= set_attr(fb, "frag", k, blksz + below(blksz));
	}
	return rc;
}

int run_attr(int ops, int cut)
{
	int nheld_fd = 0, op, rc, prev = -1;
	char p[256], rel[64];
	struct stat st;

	(void)cut;
	for (op = 1; op < ops; op++) {
		int fd;
		size_t len = below(4) * (size_t)blksz;
		snprintf(rel, sizeof(rel), "d0/x%d", op);
		abs_path(p, sizeof(p), rel);
		record("op %d create %s", op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		rc = fd < 0 ? -1 : 0;
		if (fd >= 0 && len) {
			fill(len);
			if (pwrite(fd, buf, len, 0) != (ssize_t)len)
				rc = -1;
		}
		if (fd >= 0 && shape_attrs(fd, op) != 0)
			rc = -1;
		if (fd >= 0 && op % ATTR_SHAPES == 4) {
			prev = fd; /* shape 4 waits for its partner */
			fd = -1;
		} else if (fd >= 0 && op % ATTR_SHAPES == 5 && prev >= 0) {
			if (interleave(prev, fd) != 0)
				rc = -1;
			close(prev);
			prev = -1;
		}
		touch(op, rel);
		if (fd >= 0)
			close(fd);
		record("rc %d %d", op, rc);
	}
	if (prev >= 0)
		close(prev);
	record("op %d syncfs", op);
	rc = 0;
	{
		int dfd = open(root, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || syncfs(dfd) != 0)
			rc = -1;
		for (int i = 1; i < ops && dfd >= 0; i++) {
			int fd;
			snprintf(rel, sizeof(rel), "d0/x%d", i);
			abs_path(p, sizeof(p), rel);
			if (nheld_fd == ATTR_HELD || i % 8 == 7 || (fd = open(p, O_RDWR)) < 0)
				continue;
			if (fstat(fd, &st) != 0 || unlink(p) != 0) {
				close(fd);
				continue;
			}
			nheld_fd++; /* fd stays open to the cut */
			record("hold %d %llu %s", op, (unsigned long long)st.st_ino, rel);
		}
		return syncfs_cut(op, dfd, rc);
	}
}
