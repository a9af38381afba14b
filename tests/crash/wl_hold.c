/*
 * The holdmix workload (branch xrows8): OPS inodes of shapes the unlinked
 * workload does not make, each left on an AGI unlinked list at the cut for
 * the mount's xfs_inactive to finish:
 *   dir      a directory given 8-1500 entries of 40-byte names (block, leaf
 *            or node form), emptied again, opened, rmdir'd and held open
 *            (the removals shrink it back to short form as they go,
 *            xfs_dir2_block_to_sf: the rows show the mount has none of its
 *            blocks to truncate, only the inode to free)
 *   tmpfile  two O_TMPFILE files written a block each in turn with O_DIRECT
 *            (20-320 blocks: their extents interleave, a fork in extents or
 *            btree form), never linked, held open
 *   sparse   a file written with O_DIRECT one block every 2-5 blocks (30-430
 *            blocks: hundreds of extents, a bmbt with leaves under the
 *            inode's root), fsync'd, unlinked and held open
 * then a syncfs puts the last unlinks in the log and the power is cut.
 * holdmixmany: up to HOLDMIXMANY_MAX ops instead of HOLDMIX_MAX (the descriptor limit
 * raised): more than 64 unlinked inodes of these shapes.
 * holdmixq (branch xquota): holdmixmany with each held inode given its own owner, group
 * and project id (uid and gid 0 or 1000-1003, project 0-4) before its unlink, so that on
 * a quota mount the finish's truncates change different dquots from inode to inode
 * between its log forces.
 * holdshare (session 19): holdmixmany with a fourth shape on a reflink filesystem:
 *   shared   a sparse file (as above) cloned whole (FICLONE) into a second one, then
 *            unlinked and held open; every other time the clone too (both reflinked
 *            inodes on the unlinked lists: the mount's truncates take the refcount
 *            decreases, the first leaving refcount 1, the second freeing the blocks),
 *            else the clone stays linked
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

#define HOLDMIX_MAX 30
#define HOLDMIXMANY_MAX 150 /* holdmixmany (branch x65): up to 300 inodes held */

static int holdmix_fd[2 * HOLDMIXMANY_MAX];
static int holdmix_n;
static int holdmix_owners; /* holdmixq */
static int holdmix_share;  /* holdshare */

/* holdmixq: fd's inode given an owner, group and project (before it is unlinked: an
 * O_TMPFILE one never linked) */
static int owners(int fd)
{
	unsigned uid, gid;
	struct fsxattr fa;

	if (!holdmix_owners) /* (holdmix and holdmixmany draw nothing here) */
		return 0;
	uid = below(3) ? 1000 + below(4) : 0;
	gid = below(3) ? 1000 + below(4) : 0;
	if (fchown(fd, uid, gid) != 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa) != 0)
		return -1;
	fa.fsx_projid = below(5);
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) != 0 ? -1 : 0;
}

/* keep FD open to the cut (not hold(): that closes all but the last 16) */
static void keep(int op, int fd, const char *what)
{
	struct stat st;

	holdmix_fd[holdmix_n++] = fd;
	record("hold %d %llu %s", op, fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0ull, what);
}

static int hold_dir(int op, const char *rel)
{
	unsigned n = 8 + below(1493);
	char p[256], e[320];
	int fd, rc = 0;

	abs_path(p, sizeof(p), rel);
	if (mkdir(p, 0755) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		snprintf(e, sizeof(e), "%s/entry%05u-%s", p, i, "abcdefghijklmnopqrstuvwxyz012");
		if ((fd = open(e, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0)
			return -1;
		close(fd);
	}
	record("op %d holdmix dir %s %u", op, rel, n);
	for (unsigned i = 0; i < n; i++) {
		snprintf(e, sizeof(e), "%s/entry%05u-%s", p, i, "abcdefghijklmnopqrstuvwxyz012");
		rc |= unlink(e);
	}
	fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || rc != 0 || owners(fd) != 0 || rmdir(p) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	keep(op, fd, rel);
	return 0;
}

static int hold_tmpfiles(int op, const char *dir)
{
	unsigned nb = 20 + below(301);
	char p[256];
	int fd, fd2, rc = 0;

	abs_path(p, sizeof(p), dir);
	fd = open(p, O_TMPFILE | O_RDWR | O_DIRECT, 0600);
	fd2 = fd < 0 ? -1 : open(p, O_TMPFILE | O_RDWR | O_DIRECT, 0600);
	record("op %d holdmix tmpfile %s %u", op, dir, nb);
	if (fd < 0 || fd2 < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = owners(fd) | owners(fd2);
	for (unsigned b = 0; b < nb && !rc; b++) {
		fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz ||
		    pwrite(fd2, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	keep(op, fd, "(tmpfile)");
	keep(op, fd2, "(tmpfile)");
	return rc;
}

static int hold_sparse(int op, const char *rel)
{
	unsigned nb = 30 + below(401), stride = 2 + below(4);
	char p[256];
	int fd, rc = 0;

	abs_path(p, sizeof(p), rel);
	record("op %d holdmix sparse %s %u %u", op, rel, nb, stride);
	touch(op, rel);
	if ((fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644)) < 0)
		return -1;
	rc = owners(fd);
	for (unsigned b = 0; b < nb && !rc; b++) {
		fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)b * stride * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	if (rc != 0 || fsync(fd) != 0 || unlink(p) != 0) {
		close(fd);
		return -1;
	}
	keep(op, fd, rel);
	return 0;
}

/* holdshare's shared shape: the sparse file rel cloned into rel + "c" before its unlink */
static int hold_shared(int op, const char *rel)
{
	unsigned nb = 30 + below(401), stride = 2 + below(4), both = below(2);
	char p[256], c[256], crel[72];
	int fd, cfd, rc = 0;

	snprintf(crel, sizeof(crel), "%sc", rel);
	abs_path(p, sizeof(p), rel);
	abs_path(c, sizeof(c), crel);
	record("op %d holdmix shared %s %u %u %u", op, rel, nb, stride, both);
	touch(op, rel);
	touch(op, crel);
	if ((fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644)) < 0)
		return -1;
	for (unsigned b = 0; b < nb && !rc; b++) {
		fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)b * stride * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	if (rc != 0 || fsync(fd) != 0 || (cfd = open(c, O_RDWR | O_CREAT | O_EXCL, 0644)) < 0) {
		close(fd);
		return -1;
	}
	if (ioctl(cfd, FICLONE, fd) != 0 || fsync(cfd) != 0 || unlink(p) != 0 || (both && unlink(c) != 0)) {
		close(cfd);
		close(fd);
		return -1;
	}
	keep(op, fd, rel);
	if (both)
		keep(op, cfd, crel);
	else
		close(cfd);
	return 0;
}

int run_holdmix(int ops, int cut, int many)
{
	char rel[64];
	int op, rc = 0, dfd;
	struct rlimit rl = { 2 * HOLDMIXMANY_MAX + 64, 2 * HOLDMIXMANY_MAX + 64 };

	(void)cut;
	holdmix_owners = many == 2;
	holdmix_share = many == 3;
	if (ops > (many ? HOLDMIXMANY_MAX : HOLDMIX_MAX))
		ops = many ? HOLDMIXMANY_MAX : HOLDMIX_MAX;
	if (many && setrlimit(RLIMIT_NOFILE, &rl) != 0)
		record("setrlimit failed");
	for (op = 1; op <= ops; op++) {
		unsigned w = below(holdmix_share ? 4 : 3);
		int r;
		snprintf(rel, sizeof(rel), "d%u/h%d", w % 3, op);
		r = w == 0 ? hold_dir(op, rel) : w == 1 ? hold_tmpfiles(op, "d1") : w == 2 ? hold_sparse(op, rel)
										  : hold_shared(op, rel);
		record("rc %d %d", op, r);
	}
	record("op %d syncfs", op);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	return syncfs_cut(op, dfd, rc);
}

/*
 * The fragdrop workload (branch xrows8): OPS - 1 files in d0 of one block
 * each, written with O_DIRECT and fsync'd (their blocks follow one another
 * on disk), every other one unlinked for good (one-block holes: with OPS
 * over 250 and 1 KiB blocks the by-block and by-size trees have two levels),
 * a syncfs, then up to 60 of the others from the middle on unlinked and held
 * open.  At mount each held file's truncate frees a block between two free
 * ones (xfs_free_ag_extent joins three extents in one: a record deleted from
 * each tree), so the trees' leaves fall under their minimum, borrow or join,
 * and a root left with one child is killed.
 */
int run_fragdrop(int ops, int cut)
{
	char p[256], rel[64];
	int op, rc = 0, dfd, nheld = 0;

	(void)cut;
	for (op = 1; op < ops; op++) {
		int fd;
		snprintf(rel, sizeof(rel), "d0/b%d", op);
		abs_path(p, sizeof(p), rel);
		record("op %d create %s", op, rel);
		touch(op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
		fill(blksz);
		if (fd < 0 || pwrite(fd, buf, blksz, 0) != (ssize_t)blksz || do_fsync(op, rel, fd) != 0)
			rc = -1;
		if (fd >= 0)
			close(fd);
		record("rc %d %d", op, fd < 0 ? -1 : 0);
	}
	/* the fsync'd files unlinked: each named to compare.py (an op's touch) */
	record("op %d fragdrop", op);
	for (int i = 1; i < ops; i++) {
		snprintf(rel, sizeof(rel), "d0/b%d", i);
		touch(op, rel);
	}
	for (int i = 1; i < ops; i += 2) {
		snprintf(rel, sizeof(rel), "d0/b%d", i);
		abs_path(p, sizeof(p), rel);
		rc |= unlink(p);
	}
	/* 6.1 inactivates unlinked inodes in the background (xfs_inodegc_worker), which syncfs
	 * does not wait for: time for it, so that the holes are made before the holds */
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || syncfs(dfd) != 0)
		rc = -1;
	sleep(3);
	if (dfd >= 0 && syncfs(dfd) != 0)
		rc = -1;
	for (int i = 2 + 2 * (int)below((unsigned)ops / 4 + 1); i < ops && dfd >= 0 && nheld < 60; i += 2) {
		int fd;
		snprintf(rel, sizeof(rel), "d0/b%d", i);
		abs_path(p, sizeof(p), rel);
		if ((fd = open(p, O_RDWR)) < 0 || unlink(p) != 0) {
			if (fd >= 0)
				close(fd);
			rc = -1;
			continue;
		}
		nheld++;
		keep(op, fd, rel);
	}
	return syncfs_cut(op, dfd, rc);
}
