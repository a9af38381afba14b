/*
 * The crash workload's XFS ops (workloads intent and unlinked): fragmented
 * files, clones (FICLONE / FICLONERANGE, copy on write), syncfs, files
 * unlinked while open and O_TMPFILE files kept open to the cut, and the
 * intent workload's storm after its cut op.
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

/* the storm after the cut op of the intent workload */
static const unsigned weights_storm[K_NKINDS] = { 1, 4, 0, 0, 2, 0, 0, 0, 0, 0, 1, 5, 0, 0,
						  2, 5, 0, 0, 0 };
/* the convert workload's storm: preallocations (unwritten extents), then
 * buffered and O_DIRECT writes into their middles, whose conversion to
 * written splits the extent (a BUI-less bmap change with an RUI convert on
 * rmapbt), between fragmented files and clones */
static const unsigned weights_storm_convert[K_NKINDS] = { 1, 5, 3, 3, 1, 0, 5, 0, 0, 0, 0, 1, 0, 0,
							  1, 1, 0, 0, 0 };
int storm_convert;

/* frag, clone, syncfs, holdunlink, tmpfile */
int xfs_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	   const char **relp)
{
	char p[256], q[256];
	int fd = -1;
	size_t len;

	switch (k) {
	case K_FRAG: {
		/* a new file written one block in two, then the blocks between,
		 * O_DIRECT: each block its own allocation, many extents */
		unsigned nb = 8 + below(56), b;
		slot = free_slot();
		if (nb * blksz > MAXFILESIZE)
			nb = MAXFILESIZE / blksz;
		new_name(files[slot], sizeof(files[slot]));
		rel = files[slot];
		*relp = rel;
		record("op %d frag %s %u", op, rel, nb);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
		if (fd < 0) {
			*rc = -1;
			files[slot][0] = 0;
			*relp = NULL;
			break;
		}
		nfiles++;
		for (int pass = 0; pass < 2 && !*rc; pass++)
			for (b = (unsigned)pass; b < nb && !*rc; b += 2) {
				fill(blksz);
				if (pwrite(fd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
					*rc = -1;
			}
		break;
	}
	case K_CLONE: {
		/* FICLONERANGE of whole blocks into another file, or FICLONE of
		 * all of REL into a new one (EOPNOTSUPP without reflink) */
		int dst = below(2) ? pick_file() : -1, sfd;
		if (dst == slot)
			dst = -1;
		if (dst >= 0 && size >= (off_t)blksz) {
			struct file_clone_range r;
			off_t dsize = cur_size(files[dst]);
			memset(&r, 0, sizeof(r));
			r.src_offset = (uint64_t)below((uint32_t)(size / blksz)) * blksz;
			r.src_length = (uint64_t)(1 + below(16)) * blksz;
			if (r.src_offset + r.src_length > (uint64_t)size)
				r.src_length = ((uint64_t)size - r.src_offset) / blksz * blksz;
			r.dest_offset = (uint64_t)below((uint32_t)(dsize / blksz + 2)) * blksz;
			if (r.dest_offset + r.src_length > MAXFILESIZE)
				r.dest_offset = 0;
			record("op %d clonerange %s %s %llu %llu %llu", op, rel, files[dst],
			       (unsigned long long)r.src_offset, (unsigned long long)r.src_length,
			       (unsigned long long)r.dest_offset);
			touch(op, files[dst]);
			abs_path(p, sizeof(p), rel);
			abs_path(q, sizeof(q), files[dst]);
			*relp = files[dst];
			sfd = open(p, O_RDONLY);
			fd = open(q, O_RDWR);
			r.src_fd = sfd;
			if (sfd < 0 || fd < 0 || ioctl(fd, FICLONERANGE, &r) != 0)
				*rc = -1;
		} else {
			int s = free_slot();
			new_name(files[s], sizeof(files[s]));
			record("op %d clone %s %s", op, rel, files[s]);
			touch(op, files[s]);
			abs_path(p, sizeof(p), rel);
			abs_path(q, sizeof(q), files[s]);
			sfd = open(p, O_RDONLY);
			fd = open(q, O_RDWR | O_CREAT | O_EXCL, 0644);
			if (fd < 0) {
				files[s][0] = 0;
				*relp = NULL;
				*rc = -1;
			} else {
				nfiles++;
				*relp = files[s];
				if (sfd < 0 || ioctl(fd, FICLONE, sfd) != 0)
					*rc = -1;
			}
		}
		if (sfd >= 0) {
			int e = errno;
			close(sfd);
			errno = e;
		}
		break;
	}
	case K_SYNCFS: {
		int dfd = open(root, O_RDONLY | O_DIRECTORY);
		record("op %d syncfs", op);
		if (dfd < 0 || syncfs(dfd) != 0)
			*rc = -1;
		if (dfd >= 0)
			close(dfd);
		break;
	}
	case K_HOLDUNLINK: {
		/* append, unlink, keep it open; its fsync puts the unlink in the log */
		int hfd;
		record("op %d holdunlink %s", op, rel);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		hfd = open(p, O_RDWR);
		if (hfd < 0) {
			*rc = -1;
			break;
		}
		len = 1 + below(BIG * 8);
		fill(len);
		if (pwrite(hfd, buf, len, size) != (ssize_t)len || unlink(p) != 0) {
			*rc = -1;
			close(hfd);
			break;
		}
		files[slot][0] = 0;
		nfiles--;
		*relp = NULL;
		hold(op, hfd, rel);
		if (fsync(hfd) != 0)
			*rc = -1;
		break;
	}
	case K_TMPFILE: {
		/* O_TMPFILE with data, fsync'd: kept open, or linked in (a third) */
		int s = below(3) == 0 ? free_slot() : -1;
		char dir[16];
		snprintf(dir, sizeof(dir), "d%u", below(NDIRS));
		len = below(BIG * 8);
		if (s >= 0) {
			new_name(files[s], sizeof(files[s]));
			snprintf(dir, sizeof(dir), "%.*s", (int)(strchr(files[s], '/') - files[s]), files[s]);
		}
		record("op %d tmpfile %s %zu %s", op, dir, len, s >= 0 ? files[s] : "-");
		if (s >= 0)
			touch(op, files[s]);
		abs_path(p, sizeof(p), dir);
		fd = open(p, O_TMPFILE | O_RDWR, 0600);
		fill(len);
		if (fd < 0 || (len && pwrite(fd, buf, len, 0) != (ssize_t)len) || fsync(fd) != 0) {
			*rc = -1;
			if (s >= 0)
				files[s][0] = 0;
			break;
		}
		if (s < 0) {
			hold(op, fd, "-");
			fd = -1;
			break;
		}
		snprintf(q, sizeof(q), "/proc/self/fd/%d", fd);
		abs_path(p, sizeof(p), files[s]);
		if (linkat(AT_FDCWD, q, AT_FDCWD, p, AT_SYMLINK_FOLLOW) != 0) {
			*rc = -1;
			files[s][0] = 0;
			break;
		}
		nfiles++;
		*relp = files[s];
		break;
	}
	default:
		break;
	}
	return fd;
}

/* the intent workload after its cut op: a child forces the log in a loop and
 * cuts the power MS ms later, while this process keeps changing shared and
 * fragmented files; never returns */
void storm(int op)
{
	unsigned ms = 50 + below(1500);
	int rfd = open(root, O_RDONLY | O_DIRECTORY);
	pid_t pid;

	record("storm %d %u", op, ms);
	drain();
	pid = fork();
	if (pid == 0) {
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			if (rfd >= 0)
				syncfs(rfd);
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= (long)ms)
				power_cut();
		}
	}
	drain_each = 1;
	for (int n = op + 1; pid > 0 && n < op + 100000; n++) {
		int rc;
		const char *rel;
		errno = 0;
		int fd = one_op(n, pick_kind(storm_convert ? weights_storm_convert : weights_storm), &rc, &rel);
		record("rc %d %d", n, rc);
		if (fd >= 0)
			close(fd);
	}
	power_cut(); /* the child could not */
}
