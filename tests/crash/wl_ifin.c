/*
 * The ifinobt workload (branch xnear): OPS - 1 empty files created in d0, a
 * syncfs, then one file from each inode chunk but d0's own unlinked and held
 * open (up to IFIN_HELD chunks), a syncfs, the power cut.  The chunks were
 * full, so freeing each held inode at mount (xfs_difree_finobt) inserts a
 * finobt record; with 1 KiB blocks a finobt leaf holds 60, so the inserts
 * split it and grow a new root, each new block allocated near the old one
 * (xfs_inobt_alloc_block: xfs_alloc_ag_vextent_near).  The files are empty,
 * so the frees leave no busy extents behind them.  ifinobtx (more): past the
 * held chunks, one file of every other chunk is unlinked for good before
 * the holds, so the finobt has two levels of runtime-split leaves at the cut
 * and the mount's inserts split a leaf under a node.
 *
 * ifinobtd (branch xrows7): each file gets one block of data, fsync'd as it
 * is made, so that the data lies beside its inode chunk and the first
 * files' blocks fill the free space between the AG's btree roots and the
 * first chunk.  The mount's xfs_inactive truncates each held file (its
 * block freed: a busy extent, xfs_extent_busy_insert) before
 * xfs_inactive_ifree inserts its finobt record, so the near allocation of
 * the split's new block (xfs_inobt_alloc_block near the old leaf, at the
 * AG's start) meets those busy blocks first (xfs_extent_busy_trim in
 * xfs_alloc_compute_aligned).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

#define IFIN_HELD 64
int run_ifinobt(int ops, int cut, int more)
{
	unsigned long long dchunk, held[IFIN_HELD];
	int nheld = 0, op, rc;
	char p[256], rel[64];
	struct stat st;

	(void)cut;
	abs_path(p, sizeof(p), "d0");
	if (stat(p, &st) != 0)
		return 1;
	dchunk = (unsigned long long)st.st_ino >> 6;
	for (op = 1; op < ops; op++) {
		int fd;
		snprintf(rel, sizeof(rel), "d0/c%d", op);
		abs_path(p, sizeof(p), rel);
		record("op %d create %s", op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		rc = fd < 0 ? -1 : 0;
		touch(op, rel);
		if (fd >= 0 && more == 2) {
			fill(blksz);
			if (pwrite(fd, buf, blksz, 0) != (ssize_t)blksz || do_fsync(op, rel, fd) != 0)
				rc = -1;
		}
		if (fd >= 0)
			close(fd);
		record("rc %d %d", op, rc);
	}
	record("op %d syncfs", op);
	rc = 0;
	{
		int dfd = open(root, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || syncfs(dfd) != 0)
			rc = -1;
		/* ifinobtx: from the chunk IFIN_HELD + 2 on, one file of each unlinked for good */
		for (int i = 64 * (IFIN_HELD + 2); more == 1 && i < ops && dfd >= 0; i += 64) {
			snprintf(rel, sizeof(rel), "d0/c%d", i);
			abs_path(p, sizeof(p), rel);
			record("unlink %d %s %d", op, rel, unlink(p));
		}
		if (more == 1 && dfd >= 0 && syncfs(dfd) != 0)
			rc = -1;
		for (int i = 1; i < ops && dfd >= 0 && nheld < IFIN_HELD; i++) {
			unsigned long long ch;
			bool seen = false;
			int fd;
			snprintf(rel, sizeof(rel), "d0/c%d", i);
			abs_path(p, sizeof(p), rel);
			if ((fd = open(p, O_RDWR)) < 0)
				continue;
			ch = fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino >> 6 : dchunk;
			for (int k = 0; k < nheld; k++)
				seen |= held[k] == ch;
			/* ifinobtd's files were fsync'd: the unlink named to compare.py (an op's touch) */
			if (!(ch == dchunk || seen) && more == 2) {
				record("op %d unlink %s", op, rel);
				touch(op, rel);
			}
			if (ch == dchunk || seen || unlink(p) != 0) {
				close(fd);
				continue;
			}
			held[nheld++] = ch; /* fd stays open to the cut */
			record("hold %d %llu %s", op, (unsigned long long)st.st_ino, rel);
		}
		return syncfs_cut(op, dfd, rc);
	}
}
