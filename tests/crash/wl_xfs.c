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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
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
/* K_INTERLEAVE's least blocks: 150, or 1300 for remapdeep (one-block extents enough for a
 * data fork bmbt two levels under its root on 1 KiB blocks: more than 20 full leaves of 59
 * records; files up to 1.5 MiB) */
unsigned interleave_min = 150;

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
	case K_INTERLEAVE: {
		/* a new file and a scratch one written a block each in turn,
		 * O_DIRECT (each block allocated at once, near its file's
		 * last: the two files' blocks alternate on disk), then the
		 * scratch one unlinked: free space in hundreds of one-block
		 * extents between the new file's blocks */
		unsigned deep = interleave_min > 150, nb = interleave_min + below(deep ? 200 : 150), b;
		int fd2;
		slot = free_slot();
		if (nb * blksz > (deep ? 2 : 1) * MAXFILESIZE)
			nb = (deep ? 2 : 1) * MAXFILESIZE / blksz;
		new_name(files[slot], sizeof(files[slot]));
		rel = files[slot];
		*relp = rel;
		record("op %d interleave %s %u", op, rel, nb);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		abs_path(q, sizeof(q), rel);
		q[strlen(q) - 1] = 'x'; /* fN -> fx: a name no other op makes */
		fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
		fd2 = fd < 0 ? -1 : open(q, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
		if (fd < 0 || fd2 < 0) {
			if (fd >= 0)
				close(fd);
			fd = -1;
			*rc = -1;
			files[slot][0] = 0;
			*relp = NULL;
			break;
		}
		nfiles++;
		for (b = 0; b < nb && !*rc; b++) {
			fill(blksz);
			if (pwrite(fd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz ||
			    pwrite(fd2, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
				*rc = -1;
		}
		close(fd2);
		unlink(q);
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
pid_t storm_cutter(int op)
{
	return storm_cutter_ms(op, 50 + below(1500));
}

/* the same with the cut MS ms after the storm's start */
pid_t storm_cutter_ms(int op, unsigned ms)
{
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
	return pid;
}

void storm(int op)
{
	pid_t pid = storm_cutter(op);

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

/*
 * The ichunk workload: OPS - 1 files created in d0 (a third empty, the rest
 * with 1-3 blocks of data), each op one file, the last op a syncfs; then
 * every file whose inode lies outside d0's inode chunk is unlinked and held
 * open (up to ICHUNK_HELD), the others stay linked, and a syncfs puts the
 * unlinks in the log before the power cut.  After the kernel's log recovery
 * those inode chunks hold only unlinked inodes: freeing the last inode of
 * each frees its chunk (xfs_difree_inobt, xfs_ifree_cluster).  ichunkx
 * (xattrs set): half the files also get a small xattr, an attribute fork in
 * local form that xfs_attr_inactive removes before the inode is freed, and
 * one op in ten makes an empty directory, one a short symlink (local data
 * forks: xfs_inactive frees nothing), held through O_PATH descriptors; one
 * file in ten stays linked, so the chunks stay and the freed inodes' cores
 * are written (checked block for block).
 */
#define ICHUNK_HELD 64
int run_ichunk(int ops, int cut, int xattrs)
{
	return run_ichunk_held(ops, cut, xattrs, ICHUNK_HELD);
}

/* ichunkmany (branch x65): ichunk holding every file outside d0's chunk open, hundreds to
 * thousands (the descriptor limit raised to fit): more unlinked inodes than the 64 fsimg
 * once finished at most, and with a small log (-l size=) enough of them for the mount's
 * inactivations to take the CIL past XLOG_CIL_SPACE_LIMIT (a background push) */
int run_ichunk_held(int ops, int cut, int xattrs, int maxheld)
{
	int nheld_fd = 0, op, rc;
	unsigned long long dchunk;
	char p[256], rel[64];
	struct stat st;
	struct rlimit rl = { (rlim_t)maxheld + 64, (rlim_t)maxheld + 64 };

	(void)cut;
	if (maxheld > ICHUNK_HELD && setrlimit(RLIMIT_NOFILE, &rl) != 0)
		record("setrlimit failed %d", errno);
	abs_path(p, sizeof(p), "d0");
	if (stat(p, &st) != 0)
		return 1;
	dchunk = (unsigned long long)st.st_ino >> 6;
	for (op = 1; op < ops; op++) {
		int fd;
		size_t len = below(3) == 0 ? 0 : (1 + below(3)) * (size_t)blksz;
		snprintf(rel, sizeof(rel), "d0/c%d", op);
		abs_path(p, sizeof(p), rel);
		/* ichunkx: one op in ten an empty directory, one a short symlink (local data forks) */
		if (xattrs && (op % 10 == 3 || op % 10 == 7)) {
			record("op %d %s %s", op, op % 10 == 3 ? "mkdir" : "symlink", rel);
			rc = op % 10 == 3 ? mkdir(p, 0755) : symlink("ichunk-target", p);
			touch(op, rel);
			record("rc %d %d", op, rc);
			continue;
		}
		record("op %d create %s", op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		rc = fd < 0 ? -1 : 0;
		if (fd >= 0 && len) {
			fill(len);
			if (pwrite(fd, buf, len, 0) != (ssize_t)len)
				rc = -1;
		}
		/* ichunkx: half the files get a small xattr (an attribute fork in local form) */
		if (fd >= 0 && xattrs && below(2) == 0) {
			fill(16);
			if (fsetxattr(fd, "user.ichunk", buf, 8 + below(9), 0) != 0)
				rc = -1;
		}
		touch(op, rel);
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
		for (int i = 1; i < ops && dfd >= 0; i++) {
			int fd;
			snprintf(rel, sizeof(rel), "d0/c%d", i);
			abs_path(p, sizeof(p), rel);
			/* ichunkx holds directories and symlinks too (O_PATH keeps the inode) and leaves
			 * one file in ten linked, so that the chunks stay and the freed inodes are written */
			if (nheld_fd == maxheld || (xattrs && i % 10 == 9) ||
			    (fd = open(p, xattrs ? O_PATH | O_NOFOLLOW : O_RDWR)) < 0)
				continue;
			if (fstat(fd, &st) != 0 || (unsigned long long)st.st_ino >> 6 == dchunk ||
			    unlinkat(AT_FDCWD, p, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0) {
				close(fd);
				continue;
			}
			nheld_fd++; /* fd stays open to the cut */
			record("hold %d %llu %s", op, (unsigned long long)st.st_ino, rel);
		}
		return syncfs_cut(op, dfd, rc);
	}
}
