/*
 * The cow workloads: copy-on-write staging extents left at the cut.  Each
 * op writes a new file (buffered, fsync'd), clones it whole (FICLONE) and
 * overwrites about half its blocks in the clone or the original one block
 * at a time, then fsyncs the file written.  The overwrite of a shared block
 * reserves CoW blocks rounded to the cowextsize hint (32 blocks by
 * default); writeback allocates all of them (CUI ALLOC_COW, staging records
 * in the refcount btree's CoW domain) and the I/O completion remaps only the
 * blocks written (CUI FREE_COW of those): the rest stay staged in the CoW
 * fork until the inode is reclaimed or the blockgc worker runs, minutes
 * later.  A power cut leaves them to the next mount's
 * xfs_reflink_recover_cow.  Overwriting every other block splits the shared
 * records one by one: hundreds of refcount records, a refcount btree of
 * several levels at 1 KiB blocks.  KIND cow ends in a syncfs and the cut;
 * cowcut cuts while a child overwrites and fsyncs clones (50-1500 ms after
 * the last op, a syncfs loop beside it): CUIs of staging and remapping in
 * the log without their done items.
 *
 * convshare: written files cloned (both inodes reflinked), each then given an
 * unwritten range past its data (fallocate); the storm writes O_DIRECT into
 * those ranges a block at a time, each write's completion converting an
 * unwritten extent of a reflinked inode (xfs_bmap_add_extent_unwritten_real:
 * an RUI CONVERT_SHARED on an rmap filesystem), fsyncs now and then, four
 * processes at nice 10 while syncfs loops, the power cut 50-500 ms in: the
 * conversions' RUIs left to the mount.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "workload.h"

#define COW_MAXBLOCKS 160u
#define CONV_BLOCKS 256u /* each convshare file's unwritten range */
#define CONV_WORKERS 4u

/* two free slots named for new files (*S1, *S2); -1 when there are not two */
static int new_pair(int *s1, int *s2)
{
	*s1 = free_slot();
	if (*s1 < 0)
		return -1;
	new_name(files[*s1], sizeof(files[*s1]));
	*s2 = free_slot();
	if (*s2 < 0 || *s2 == *s1) {
		files[*s1][0] = 0;
		return -1;
	}
	new_name(files[*s2], sizeof(files[*s2]));
	return 0;
}

/* one new file of NB blocks, its clone, every other block (from a random
 * start) of one of them overwritten, that one fsync'd; 0 or -1 */
static int cow_one(int op)
{
	char p[256], q[256];
	int s1, s2, fd = -1, cfd = -1, rc = 0, wfd;
	unsigned nb = 16 + below(COW_MAXBLOCKS - 16), b;
	const char *wrel;

	if (nb * blksz > MAXFILESIZE)
		nb = MAXFILESIZE / blksz;
	if (new_pair(&s1, &s2) != 0)
		return -1;
	record("op %d cow %s %s %u", op, files[s1], files[s2], nb);
	touch(op, files[s1]);
	touch(op, files[s2]);
	abs_path(p, sizeof(p), files[s1]);
	abs_path(q, sizeof(q), files[s2]);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	cfd = fd < 0 ? -1 : open(q, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || cfd < 0) {
		if (fd >= 0)
			close(fd);
		files[s2][0] = 0;
		if (fd < 0)
			files[s1][0] = 0;
		return -1;
	}
	nfiles += 2;
	for (b = 0; b < nb && !rc; b++) {
		fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	if (!rc && do_fsync(op, files[s1], fd) != 0)
		rc = -1;
	if (!rc && ioctl(cfd, FICLONE, fd) != 0)
		rc = -1;
	/* the overwrites: in the clone or the original, every other block */
	wfd = below(2) ? cfd : fd;
	wrel = wfd == cfd ? files[s2] : files[s1];
	for (b = below(2); b < nb && !rc; b += 2) {
		fill(blksz);
		if (pwrite(wfd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	if (!rc && do_fsync(op, wrel, wfd) != 0)
		rc = -1;
	close(fd);
	close(cfd);
	return rc;
}

/* cowcut's last op: shared blocks of the files so far overwritten a few at a
 * time and fsync'd, new clones made, until the child cuts the power */
static void cow_storm(int op)
{
	pid_t pid = storm_cutter(op);

	for (int n = op + 1; pid > 0 && n < op + 100000; n++) {
		int slot = pick_file(), fd, rc = 0;
		char p[256];
		off_t size;

		if (below(4) == 0 || slot < 0) {
			record("rc %d %d", n, cow_one(n));
			continue;
		}
		size = cur_size(files[slot]);
		if (size < (off_t)blksz)
			continue;
		record("op %d cowover %s", n, files[slot]);
		touch(n, files[slot]);
		abs_path(p, sizeof(p), files[slot]);
		fd = open(p, O_RDWR);
		for (unsigned i = 0, k = 1 + below(8); fd >= 0 && i < k && !rc; i++) {
			fill(blksz);
			if (pwrite(fd, buf, blksz, (off_t)below((uint32_t)(size / blksz)) * blksz) != (ssize_t)blksz)
				rc = -1;
		}
		if (fd < 0)
			rc = -1;
		else if (!rc && below(2))
			do_fsync(n, files[slot], fd);
		if (fd >= 0)
			close(fd);
		record("rc %d %d", n, rc);
	}
	power_cut(); /* the child could not */
}

/* convshare's files: NB blocks written and fsync'd, cloned, both given CONV_BLOCKS unwritten
 * blocks past their data */
static int conv_one(int op)
{
	char p[256], q[256];
	int s1, s2, fd, cfd, rc = 0;
	unsigned nb = 8 + below(56), b;

	if (new_pair(&s1, &s2) != 0)
		return -1;
	record("op %d convshare %s %s %u %u", op, files[s1], files[s2], nb, CONV_BLOCKS);
	touch(op, files[s1]);
	touch(op, files[s2]);
	abs_path(p, sizeof(p), files[s1]);
	abs_path(q, sizeof(q), files[s2]);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	cfd = open(q, O_RDWR | O_CREAT | O_EXCL, 0644);
	nfiles += 2;
	for (b = 0; fd >= 0 && b < nb && !rc; b++) {
		fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)b * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	/* (fsync'd last: a record's size is the file's, its unwritten range included) */
	if (fd < 0 || cfd < 0 || rc || ioctl(cfd, FICLONE, fd) != 0 ||
	    fallocate(fd, 0, (off_t)nb * blksz, (off_t)CONV_BLOCKS * blksz) != 0 ||
	    fallocate(cfd, 0, (off_t)nb * blksz, (off_t)CONV_BLOCKS * blksz) != 0 ||
	    do_fsync(op, files[s1], fd) != 0 || do_fsync(op, files[s2], cfd) != 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	return rc;
}

/* convshare's storm: O_DIRECT blocks into the files' unwritten ranges until the cut, by
 * CONV_WORKERS processes (nice 10, the syncfs loop beside them not), each its own random
 * sequence and op numbers */
static void conv_storm(int op)
{
	pid_t pid = storm_cutter_ms(op, 50 + below(450));
	unsigned w = 0;

	for (unsigned k = 1; pid > 0 && k < CONV_WORKERS; k++) {
		if (fork() == 0) {
			w = k;
			break;
		}
	}
	rnd_reseed(w + 1);
	if (nice(10) == -1)
		record("nice %u failed %d", w, errno);
	for (int i = 0; pid > 0 && i < 100000; i++) {
		int n = op + 1 + (int)w + (int)CONV_WORKERS * i;
		int slot = pick_file(), fd, rc = 0;
		char p[256];
		off_t size;

		/* a worker writes its own files only: an fsync's record (the bytes read back) must
		 * not take in another's write still in flight */
		for (unsigned t = 0; slot >= 0 && (unsigned)slot % CONV_WORKERS != w && t < 64; t++)
			slot = pick_file();
		if (slot < 0)
			break;
		if ((unsigned)slot % CONV_WORKERS != w)
			continue;
		size = cur_size(files[slot]);
		if (size < (off_t)CONV_BLOCKS * blksz)
			continue;
		record("op %d convwrite %s", n, files[slot]);
		touch(n, files[slot]);
		abs_path(p, sizeof(p), files[slot]);
		fd = open(p, O_RDWR | O_DIRECT);
		for (unsigned j = 0, k = 1 + below(8); fd >= 0 && j < k && !rc; j++) {
			off_t at = size - (off_t)(1 + below(CONV_BLOCKS)) * blksz;
			fill(blksz);
			if (pwrite(fd, buf, blksz, at) != (ssize_t)blksz)
				rc = -1;
		}
		if (fd < 0)
			rc = -1;
		else if (!rc && below(4) == 0)
			do_fsync(n, files[slot], fd);
		if (fd >= 0)
			close(fd);
		record("rc %d %d", n, rc);
	}
	power_cut(); /* the child could not */
}

int run_convshare(int ops, int cut)
{
	int op, dfd;

	(void)cut;
	for (op = 1; op < ops; op += 2) {
		errno = 0;
		record("rc %d %d", op, conv_one(op));
	}
	record("op %d syncfs", op);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	record("rc %d %d", op, dfd >= 0 && syncfs(dfd) == 0 ? 0 : -1);
	if (dfd >= 0)
		close(dfd);
	record("cut %d", op);
	conv_storm(op);
	return 0;
}

int run_cow(int ops, int cut, int storm_last)
{
	int op, rc;

	(void)cut;
	for (op = 1; op < ops; op++) {
		errno = 0;
		rc = cow_one(op);
		record("rc %d %d", op, rc);
	}
	if (storm_last)
		cow_storm(op);
	record("op %d syncfs", op);
	{
		int dfd = open(root, O_RDONLY | O_DIRECTORY);
		return syncfs_cut(op, dfd, dfd >= 0 ? 0 : -1);
	}
}
