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

#ifndef FS_CASEFOLD_FL
#define FS_CASEFOLD_FL 0x40000000
#endif

/* the directory rel is casefolded (chattr +F) */
static int casefolded(const char *rel)
{
	char p[256];
	int fd, fl = 0;

	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &fl) != 0)
		fl = 0;
	close(fd);
	return (fl & FS_CASEFOLD_FL) != 0;
}

/* chattr +F on the empty top directories when the filesystem has casefold (mke2fs -O casefold) */
static void names_casefold_top(void)
{
	char p[256];

	for (int d = 0; d < NDIRS; d++) {
		int fd, fl = 0;

		snprintf(p, sizeof(p), "%s/d%d", root, d);
		fd = open(p, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		if (ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0) {
			fl |= FS_CASEFOLD_FL;
			if (ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0)
				record("casefold d%d", d);
		}
		close(fd);
	}
}

/* the burst's end: fsync fd (the last file written, rel) unless the burst failed, close it; rc */
static int sync_last(int op, const char *rel, int fd, int rc)
{
	if (fd >= 0) {
		if (!rc && do_fsync(op, rel, fd) != 0)
			rc = -1;
		close(fd);
	}
	return rc;
}

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

/*
 * n new empty files in dirs[d], the last fsync'd: names of some length, or
 * (lng) of about 200 bytes; mixed case in a casefolded directory (its
 * hashes fold them)
 */
static int burst(int op, int d, int n, int lng)
{
	char p[300], rel[260];
	int fd = -1, rc = 0, ci = casefolded(dirs[d]);
	static unsigned serial;

	record("op %d many %s %d", op, dirs[d], n);
	touch(op, dirs[d]);
	for (int i = 0; i < n && !rc; i++) {
		if (lng)
			snprintf(rel, sizeof(rel), "%.20s/%08x-%u-%0180u", dirs[d], (unsigned)rnd(), serial, serial);
		else
			snprintf(rel, sizeof(rel),
				 ci ? "%.159s/Name-With-Some-Length-%08X-%u" : "%.159s/name-with-some-length-%08x-%u",
				 dirs[d], (unsigned)rnd(), serial);
		serial++;
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		if (fd >= 0)
			close(fd);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			rc = errno ? errno : -1;
	}
	return sync_last(op, rel, fd, rc);
}

/* many names in one directory (the first of the list half the time: it grows big) */
static int tree_many(int op)
{
	int d = below(2) ? 0 : (int)below((uint32_t)ndirs);

	return burst(op, d, 8 + (int)below(56), 0);
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
	return sync_last(op, rel, fd, rc);
}

/* the tree workload's op for a draw t of 0-9: 1 with *rc set, 0 for a mixed op */
static int tree_op(int op, int t, int *rc)
{
	if (t <= 1)
		*rc = tree_mkdir(op);
	else if (t <= 3)
		*rc = tree_many(op);
	else if (t == 4)
		*rc = tree_frag(op);
	else
		return 0;
	return 1;
}

/* the tree-like workloads: own ops (own) between mixed ones */
static int run_own(int ops, int cut, int (*own)(int op, int t, int *rc))
{
	const unsigned w[K_NKINDS] = { 3, 2, 1, 1, 1, 1, 0, 3, 2, 1, 2, 1, 2, 0 };

	for (int d = 0; d < NDIRS; d++)
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "d%d", d);
	for (int op = 1; op <= ops; op++) {
		int rc = 0, fd = -1, t = (int)below(10);
		const char *rel = NULL;

		errno = 0;
		if (!own(op, t, &rc))
			fd = one_op(op, pick_kind(w), &rc, &rel);
		op_done(op, cut, fd, rel, rc);
	}
	record("end %d", ops);
	power_cut();
	return 0;
}

/* ---- the names workload: short names added to and removed from small
 * directories (with inline_data they stay in the inode, then in its xattr
 * space, then move to a block), each change fsync'd through a file; new
 * directories as in tree ---- */
#define MAXNAMES 512
static char names[MAXNAMES][200];
static char aliases[MAXNAMES][200]; /* how names_del spells each name in its unlink */
static int nnames;

/*
 * names8: names outside ASCII (2-, 3- and 4-byte UTF-8: hashed with their
 * high bytes, signed or unsigned as the superblock says) and, in a
 * casefolded directory, unlinked by another spelling that folds the same:
 * other case, decomposed accents (NFD), the Angstrom sign, final sigma.
 */
static int utf8_names;
static const char *const utf8_name[][2] = {
	{ "Stra\xc3\x9f" "e", "STRA\xc3\x9f" "E" },
	{ "\xce\xa3\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x82",
	  "\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3" },
	{ "Caf\xc3\xa9", "cafe\xcc\x81" },
	{ "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
	  "\xd0\xbc\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac" },
	{ "\xc3\x85ngstr\xc3\xb6m", "\xe2\x84\xab" "NGSTRO\xcc\x88M" },
	{ "\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x80X" },
};

/* a short-named empty file in dirs[d] (longer, mixed-case names in a casefolded one), recorded; its fd or -1 */
static int names_new(int op, int d, char *rel, size_t n)
{
	char p[256];
	static unsigned serial;
	int fd;

	int ci = casefolded(dirs[d]);
	const char *const *u8 = utf8_name[serial % (sizeof(utf8_name) / sizeof(utf8_name[0]))];

	if (utf8_names)
		snprintf(rel, n, "%s/%s-%u", dirs[d], u8[0], serial);
	else if (ci)
		snprintf(rel, n, "%s/Name-%s-%u", dirs[d], serial % 2 ? "UPPER" : "lower", serial);
	else
		snprintf(rel, n, "%s/n%u", dirs[d], serial);
	touch(op, rel);
	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd >= 0 && nnames < MAXNAMES) {
		snprintf(names[nnames], sizeof(names[0]), "%s", rel);
		if (utf8_names && ci)
			snprintf(aliases[nnames], sizeof(aliases[0]), "%s/%s-%u", dirs[d], u8[1], serial);
		else
			snprintf(aliases[nnames], sizeof(aliases[0]), "%s", rel);
		nnames++;
	}
	serial++;
	return fd;
}

/* 1-5 new names in one directory (the newest half the time: it fills up), the last fsync'd */
static int names_add(int op)
{
	char rel[200];
	int d = below(2) ? ndirs - 1 : (int)below((uint32_t)ndirs), n = 1 + (int)below(5), fd = -1, rc = 0;

	record("op %d names %s %d", op, dirs[d], n);
	touch(op, dirs[d]);
	for (int i = 0; i < n && !rc; i++) {
		if (fd >= 0)
			close(fd);
		fd = names_new(op, d, rel, sizeof(rel));
		if (fd < 0)
			rc = errno ? errno : -1;
	}
	return sync_last(op, rel, fd, rc);
}

/* one of those names unlinked, then a new name in the same directory fsync'd */
static int names_del(int op)
{
	char p[256], rel[200], dir[200], *slash;
	int k, d, fd, rc = 0;

	if (!nnames)
		return names_add(op);
	k = (int)below((uint32_t)nnames);
	snprintf(dir, sizeof(dir), "%s", names[k]);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	for (d = 0; d < ndirs && strcmp(dirs[d], dir); d++)
		;
	if (d == ndirs)
		d = 0;
	record("op %d unname %s", op, names[k]);
	touch(op, names[k]);
	touch(op, dirs[d]);
	abs_path(p, sizeof(p), aliases[k]);
	if (unlink(p) != 0)
		rc = errno ? errno : -1;
	memmove(names[k], names[k + 1], (size_t)(nnames - k - 1) * sizeof(names[0]));
	memmove(aliases[k], aliases[k + 1], (size_t)(nnames - k - 1) * sizeof(aliases[0]));
	nnames--;
	fd = names_new(op, d, rel, sizeof(rel));
	if (fd < 0)
		return rc ? rc : (errno ? errno : -1);
	return sync_last(op, rel, fd, rc);
}

/* the names workload's op for a draw t of 0-9: 1 with *rc set, 0 for a mixed op */
static int names_op(int op, int t, int *rc)
{
	if (t <= 1)
		*rc = tree_mkdir(op);
	else if (t <= 5)
		*rc = names_add(op);
	else if (t <= 7)
		*rc = names_del(op);
	else
		return 0;
	return 1;
}

int run_tree(int ops, int cut)
{
	names_casefold_top();
	return run_own(ops, cut, tree_op);
}

int run_names(int ops, int cut)
{
	names_casefold_top();
	return run_own(ops, cut, names_op);
}

/* the names workload with names outside ASCII (names8) */
int run_names8(int ops, int cut)
{
	utf8_names = 1;
	return run_names(ops, cut);
}

/* the dirs workload's op: bursts of names, names added and removed; never a mixed op */
static int dirs_op(int op, int t, int *rc)
{
	if (t <= 3)
		*rc = tree_many(op);
	else if (t <= 7)
		*rc = names_add(op);
	else
		*rc = names_del(op);
	return 1;
}

/*
 * dirs: names only (names8's and tree's bursts) in the four top directories,
 * no file data at all, so that directories grow by many blocks through fast
 * commits; on a block-mapped filesystem that is a block map growing past
 * i_block into its indirect block (Linux 6.1 cannot replay ranges of a
 * block-mapped file, which any data write would log)
 */
int run_dirs(int ops, int cut)
{
	utf8_names = 1;
	names_casefold_top();
	return run_own(ops, cut, dirs_op);
}

/*
 * bigdir: bursts of 8-20 long names (about 200 bytes: three or four to a
 * 1 KiB block) into d0 alone, each burst's last file fsync'd, and now and
 * then a few short names added elsewhere (names_add), so that one
 * directory grows by hundreds of blocks; on a block-mapped filesystem with
 * 1 KiB blocks it passes i_block and the single indirect block (268
 * blocks) into its double-indirect branch after about 110 ops (bursts small
 * enough that a burst's fast commit fits the area of a 1 KiB journal)
 */
static int bigdir_op(int op, int t, int *rc)
{
	if (t <= 7)
		*rc = burst(op, 0, 8 + (int)below(13), 1);
	else
		*rc = names_add(op);
	return 1;
}

int run_bigdir(int ops, int cut)
{
	return run_own(ops, cut, bigdir_op);
}
