/*
 * The crash workload "age": an aged filesystem before the mixed ops.  Before
 * its start record (a time cut counts from there) it fills the filesystem to
 * AGE_PCT % of its blocks with small files (1-12 KiB, written) and medium
 * ones (16-512 KiB, fallocated in chunks with a few blocks written),
 * several open at once and grown in turn, so that their extents interleave;
 * every 16th file gets extended attributes (one of them a hundred names,
 * some values larger than a block: remote values); most go into one
 * directory (a0: node / btree form), the rest into a1..a3.  Then a syncfs,
 * every other file unlinked (the free space in thousands of short extents:
 * free space, inode and rmap btrees of several leaves), a syncfs.  The ops
 * (agemany: most files small, up to 16000 of them, for free space, inode
 * and rmap btrees of two or three levels; no xattrs) after it are the mixed workload's with fragmented files, clones,
 * unlinked-while-open files and the churn op among the aged files: unlink
 * one, unlink a run of them held open (whole inode chunks freed at the cut),
 * create one, set or remove an xattr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "workload.h"

#define AGE_PCT 80
#define AGE_MAX 16000 /* aged files at most (age: 12000) */
#define AGE_OPEN 6    /* files grown in turn */

/* aged file i is "a<d>/g<i>"; alive[i] while it exists */
static unsigned char alive[AGE_MAX];
static unsigned char adir[AGE_MAX];
static unsigned naged, serial, age_max = 12000;
/* agemany: one file in ten medium, 16-256 KiB: three to four times the
 * files; no xattrs (the churn's xattr ops create files instead) */
static int many;

static void aged_name(char *out, size_t n, unsigned i)
{
	snprintf(out, n, "a%u/g%u", adir[i], i);
}

static int used_pct(void)
{
	struct statvfs sv;
	if (statvfs(root, &sv) != 0 || sv.f_blocks == 0)
		return 100;
	return (int)((sv.f_blocks - sv.f_bfree) * 100 / sv.f_blocks);
}

static void add_xattrs(const char *p, unsigned n)
{
	char name[32];
	for (unsigned j = 0; j < n; j++) {
		size_t len = below(4) ? 8 + below(200) : 1500 + below(6000);
		fill(len);
		snprintf(name, sizeof(name), "user.a%u", j);
		(void)setxattr(p, name, buf, len, 0);
	}
}

/* one aged file in the making */
struct growing {
	int fd;
	unsigned idx;
	off_t at, size;
	int medium;
};

static void grow_step(struct growing *g)
{
	char p[256], rel[64];

	if (g->fd < 0) {
		if (naged >= age_max)
			return;
		g->idx = naged++;
		adir[g->idx] = (unsigned char)(below(3) ? 0 : 1 + below(3));
		aged_name(rel, sizeof(rel), g->idx);
		abs_path(p, sizeof(p), rel);
		g->fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (g->fd < 0)
			return;
		alive[g->idx] = 1;
		g->medium = below(10) < (many ? 1 : 3);
		g->size = g->medium ? (off_t)(16 + below(many ? 240 : 496)) * 1024 : (off_t)(1 + below(12)) * 1024;
		g->at = 0;
		if (!many && g->idx % 16 == 0)
			add_xattrs(p, g->idx % 256 == 0 ? 100 : 1 + below(6));
	}
	if (g->medium) {
		/* a chunk fallocated, one block of it written */
		off_t len = (off_t)(16 + below(112)) * 1024;
		if (len > g->size - g->at)
			len = g->size - g->at;
		if (fallocate(g->fd, 0, g->at, len) == 0 && len >= (off_t)blksz) {
			fill(blksz);
			(void)pwrite(g->fd, buf, blksz, g->at + (off_t)below((uint32_t)(len / blksz)) * blksz);
		}
		g->at += len;
	} else {
		size_t len = (size_t)(g->size - g->at);
		if (len > 4096 && below(2))
			len = 4096;
		fill(len);
		(void)pwrite(g->fd, buf, len, g->at);
		g->at += (off_t)len;
	}
	if (g->at >= g->size) {
		close(g->fd);
		g->fd = -1;
	}
}

void age_fill(int agemany)
{
	struct growing g[AGE_OPEN];
	char p[256], rel[64];
	unsigned steps = 0;

	if (agemany)
		many = 1, age_max = AGE_MAX;
	serial = age_max; /* the churn's new files: a0/n<serial> */
	for (unsigned d = 0; d < 4; d++) {
		snprintf(p, sizeof(p), "%s/a%u", root, d);
		mkdir(p, 0755);
	}
	for (int i = 0; i < AGE_OPEN; i++)
		g[i].fd = -1;
	while (naged < age_max) {
		if (++steps % 32 == 0 && used_pct() >= AGE_PCT)
			break;
		grow_step(&g[below(AGE_OPEN)]);
	}
	for (int i = 0; i < AGE_OPEN; i++)
		if (g[i].fd >= 0)
			close(g[i].fd);
	sync();
	for (unsigned i = 0; i < naged; i += 2) {
		if (!alive[i])
			continue;
		aged_name(rel, sizeof(rel), i);
		abs_path(p, sizeof(p), rel);
		unlink(p);
		alive[i] = 0;
	}
	sync();
}

/* an aged file still there, from a random start; AGE_MAX when none */
static unsigned pick_aged(void)
{
	if (naged == 0)
		return AGE_MAX;
	unsigned s = below(naged);
	for (unsigned k = 0; k < naged; k++) {
		unsigned i = (s + k) % naged;
		if (alive[i])
			return i;
	}
	return AGE_MAX;
}

/* churn among the aged files */
int age_op(int op, int *rc)
{
	char p[256], rel[64];
	unsigned i = pick_aged(), t = below(10);
	int fd;

	if (i == AGE_MAX)
		t = 9;
	aged_name(rel, sizeof(rel), i == AGE_MAX ? 0 : i);
	abs_path(p, sizeof(p), rel);
	if (t < 3) {
		record("op %d churn unlink %s", op, rel);
		touch(op, rel);
		if (unlink(p) != 0)
			*rc = -1;
		alive[i] = 0;
	} else if (t < 5) {
		/* a run of aged files, each opened, unlinked and held to the cut */
		unsigned n = 4 + below(28);
		record("op %d churn holdrun %s %u", op, rel, n);
		for (unsigned k = i; k < naged && n; k++) {
			if (!alive[k])
				continue;
			n--;
			aged_name(rel, sizeof(rel), k);
			abs_path(p, sizeof(p), rel);
			touch(op, rel);
			fd = open(p, O_RDONLY);
			if (fd < 0 || unlink(p) != 0) {
				*rc = -1;
				if (fd >= 0)
					close(fd);
				break;
			}
			alive[k] = 0;
			hold(op, fd, rel);
		}
	} else if (t < 8 && !many) {
		record("op %d churn xattr %s", op, rel);
		touch(op, rel);
		if (below(3) == 0) {
			char name[32];
			snprintf(name, sizeof(name), "user.a%u", below(8));
			if (removexattr(p, name) != 0 && errno != ENODATA)
				*rc = -1;
		} else {
			add_xattrs(p, 1 + below(3));
		}
	} else {
		/* a new small file among the aged ones (a0 grows again) */
		size_t len = (1 + below(12)) * 1024;
		snprintf(rel, sizeof(rel), "a0/n%u", serial++);
		abs_path(p, sizeof(p), rel);
		record("op %d churn create %s %zu", op, rel, len);
		touch(op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			*rc = -1;
			return -1;
		}
		fill(len);
		if (pwrite(fd, buf, len, 0) != (ssize_t)len)
			*rc = -1;
		close(fd);
	}
	return -1;
}
