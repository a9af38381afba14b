/*
 * The crash harness's guest program (built -static, run as part of the
 * initramfs).  Two jobs:
 *
 *   workload run DIR SEED OPS CUT KIND   seeded file operations under DIR;
 *        after op CUT (1-based; 0: never) it cuts the power with
 *        sysrq 'b'.  KIND intent and unlinked are for XFS: fragmented
 *        files cloned (FICLONE / FICLONERANGE) and truncated, syncfs; files
 *        unlinked while open and O_TMPFILE files, still open at the cut.
 *        After op CUT, intent goes on in a storm: a child process forces the
 *        log (syncfs) in a loop while this one keeps cloning, overwriting
 *        (copy on write) and truncating, until the child cuts the power a
 *        seeded 50-1550 ms later, so that intents (EFI, RUI, CUI, BUI) are
 *        in the log without their done items.  Every op, every path it touches and every fsync that
 *        succeeded is written as a record line to stdout (the harness points
 *        it at a second serial port and drains it before the cut).
 *   workload drain TTY                   wait until TTY has sent its output.
 *   workload summary DIR                 (summary.c) one JSON line per path under DIR
 *        (lstat, FIEMAP, crc32 of the contents): the kernel's view of a
 *        recovered filesystem, for the host to compare fsimg against.
 *
 * Records ("@@" first so the host can tell them from anything else):
 *   @@ start SEED OPS CUT KIND
 *   @@ op N KIND ARGS...             before op N runs
 *   @@ touch N INO PATH               op N may change inode INO / name PATH
 *   @@ op N mkdir|many|frag ...     the tree workload's own ops
 *   @@ op N names|unname ...         the names workload's own ops
 *   @@ casefold dN                    names, tree: dN made casefolded (chattr +F)
 *   @@ rc N RC ERRNO                  op N finished
 *   @@ fsync N PATH INO SIZE CRC32    fsync of PATH returned 0; SIZE bytes with
 *                                     that crc32 (zlib's) are durable
 *   @@ cut N                          power cut follows (intent: the storm)
 *   @@ hold N INO PATH                op N left INO open and unlinked
 *   @@ end N                          ran out of ops (power cut follows)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

#define NDIRS 4
#define MAXFILES 48
#define MAXFILESIZE (768u * 1024u)
#define BIG 4096

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: the same sequence for a seed on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* crc32 of the first LEN bytes of FD (LEN < 0: all of it); -1 on error */
int crc_fd(int fd, long long len, uint32_t *crc, long long *got)
{
	static unsigned char buf[65536];
	long long off = 0;
	uint32_t c = 0;

	for (;;) {
		size_t want = sizeof(buf);
		if (len >= 0 && (long long)want > len - off)
			want = (size_t)(len - off);
		if (want == 0)
			break;
		ssize_t n = pread(fd, buf, want, off);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		c = crc32_update(c, buf, (size_t)n);
		off += n;
	}
	*crc = c;
	*got = off;
	return 0;
}

static FILE *rec;

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("@@ ", rec);
	vfprintf(rec, fmt, ap);
	fputc('\n', rec);
	va_end(ap);
	fflush(rec);
}

/* wait until the serial port has sent everything: the cut must not eat records */
static void drain(void)
{
	fflush(rec);
	tcdrain(fileno(rec));
}

static void power_cut(void)
{
	int fd;

	drain();
	/* only inside the harness's guest: never reboot the machine it was tried on */
	if (!getenv("FSIMG_CRASH_GUEST")) {
		fprintf(stderr, "workload: not in the crash guest: no power cut\n");
		exit(0);
	}
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "b", 1) != 1)
			perror("sysrq");
	}
	for (;;)
		pause();
}

/* ---- the namespace the workload keeps ---- */

static const char *root;
static char files[MAXFILES][200]; /* relative paths; "" = free slot */
static int nfiles;

static int pick_file(void)
{
	if (nfiles == 0)
		return -1;
	int k = (int)below((uint32_t)nfiles);
	for (int i = 0; i < MAXFILES; i++)
		if (files[i][0] && k-- == 0)
			return i;
	return -1;
}

static int free_slot(void)
{
	for (int i = 0; i < MAXFILES; i++)
		if (!files[i][0])
			return i;
	return -1;
}

/* the tree workload's directories (relative paths); the others use d0..d3 only */
#define MAXDIRS 40
static char dirs[MAXDIRS][160];
static int ndirs;

static void new_name(char *out, size_t n)
{
	static unsigned serial;
	if (ndirs)
		snprintf(out, n, "%s/f%u", dirs[below((uint32_t)ndirs)], serial++);
	else
		snprintf(out, n, "d%u/f%u", below(NDIRS), serial++);
}

static void abs_path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static unsigned long long ino_of(const char *rel)
{
	char p[256];
	struct stat st;
	abs_path(p, sizeof(p), rel);
	return lstat(p, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* set in the intent workload's storm: every op's records leave before it
 * starts, so that the power cut (from the other process) cannot hide an op
 * that changed a file */
static int drain_each;

static void touch(int op, const char *rel)
{
	record("touch %d %llu %s", op, ino_of(rel), rel);
	if (drain_each)
		drain();
}

/* descriptors of unlinked files kept open to the cut (AGI unlinked lists) */
#define MAXHELD 16
static int held[MAXHELD];
static int nheld;

static void hold(int op, int fd, const char *rel)
{
	struct stat st;

	if (nheld == MAXHELD) {
		close(held[0]);
		memmove(held, held + 1, (MAXHELD - 1) * sizeof(held[0]));
		nheld--;
	}
	held[nheld++] = fd;
	record("hold %d %llu %s", op, fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0ull, rel);
}

static unsigned char *buf;

static void fill(size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd();
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

static int do_fsync(int op, const char *rel, int fd)
{
	struct stat st;
	uint32_t crc;
	long long got;

	char p[256];
	int rfd, err;

	if (fsync(fd) != 0) {
		record("fsyncfail %d %s %d", op, rel, errno);
		return -1;
	}
	/* read back through a buffered fd: FD may be O_DIRECT */
	abs_path(p, sizeof(p), rel);
	rfd = open(p, O_RDONLY);
	if (rfd < 0)
		return -1;
	err = fstat(rfd, &st) != 0 || crc_fd(rfd, st.st_size, &crc, &got) != 0;
	close(rfd);
	if (err)
		return -1;
	record("fsync %d %s %llu %lld %u", op, rel, (unsigned long long)st.st_ino, got, crc);
	return 0;
}

/* the kinds after K_PAUSE only have weight in the XFS workloads (intent,
 * unlinked): the older workloads draw the same numbers for a seed as before */
enum kind { K_APPEND, K_OVERWRITE, K_FALLOC, K_KEEPSIZE, K_PUNCH, K_ZERO, K_DIRECT,
	    K_CREATE, K_RENAME, K_LINK, K_UNLINK, K_TRUNCATE, K_FSYNC, K_PAUSE,
	    K_FRAG, K_CLONE, K_SYNCFS, K_HOLDUNLINK, K_TMPFILE, K_NKINDS };
static const char *kind_name[] = { "append", "overwrite", "fallocate", "keepsize", "punch",
	"zero", "direct", "create", "rename", "link", "unlink", "truncate", "fsync", "pause",
	"frag", "clone", "syncfs", "holdunlink", "tmpfile" };

/* weights per workload kind, in enum order */
static const unsigned weights_data[K_NKINDS] = { 6, 6, 2, 2, 3, 2, 3, 2, 0, 0, 0, 2, 3, 1 };
static const unsigned weights_meta[K_NKINDS] = { 2, 1, 0, 0, 0, 0, 0, 8, 6, 4, 5, 2, 3, 1 };
static const unsigned weights_mixed[K_NKINDS] = { 4, 4, 2, 2, 2, 2, 2, 4, 3, 2, 2, 2, 3, 1 };
static const unsigned weights_intent[K_NKINDS] = { 2, 4, 1, 0, 2, 0, 1, 2, 0, 0, 2, 4, 2, 0,
						   4, 6, 2, 0, 0 };
static const unsigned weights_unlinked[K_NKINDS] = { 3, 2, 1, 1, 1, 0, 1, 4, 1, 1, 2, 2, 2, 0,
						     1, 1, 2, 5, 3 };
/* the storm after the cut op of the intent workload */
static const unsigned weights_storm[K_NKINDS] = { 1, 4, 0, 0, 2, 0, 0, 0, 0, 0, 1, 5, 0, 0,
						  2, 5, 0, 0, 0 };

static int fsync_after;   /* percent of data ops followed by an fsync */
static unsigned blksz = 4096;

static enum kind pick_kind(const unsigned *w)
{
	unsigned total = 0;
	for (int k = 0; k < K_NKINDS; k++)
		total += w[k];
	unsigned r = below(total);
	for (int k = 0; k < K_NKINDS; k++) {
		if (r < w[k])
			return (enum kind)k;
		r -= w[k];
	}
	return K_APPEND;
}

static off_t cur_size(const char *rel)
{
	char p[256];
	struct stat st;
	abs_path(p, sizeof(p), rel);
	return stat(p, &st) == 0 ? st.st_size : 0;
}

/* one op; returns the fd of the file written (for an fsync after), or -1 */
static int one_op(int op, enum kind k, int *rc, const char **relp)
{
	char p[256], q[256];
	int slot = pick_file(), fd = -1;
	const char *rel = slot >= 0 ? files[slot] : NULL;
	off_t size = rel ? cur_size(rel) : 0;
	off_t off;
	size_t len;

	*rc = 0;
	*relp = rel;
	if (!rel && k != K_CREATE && k != K_PAUSE)
		k = K_CREATE;
	if (k == K_CREATE && nfiles >= MAXFILES)
		k = K_UNLINK;
	/* (only the XFS workloads draw these) */
	if ((k == K_FRAG || k == K_CLONE || k == K_TMPFILE) && nfiles >= MAXFILES)
		k = K_UNLINK;
	switch (k) {
	case K_APPEND:
	case K_OVERWRITE:
		len = 1 + below(k == K_APPEND ? 3 * BIG * 8 : BIG * 8);
		if (size + (off_t)len > MAXFILESIZE)
			k = K_OVERWRITE;
		off = k == K_APPEND ? size : (off_t)below((uint32_t)(size + BIG));
		if (off + (off_t)len > MAXFILESIZE)
			off = MAXFILESIZE - (off_t)len;
		record("op %d %s %s %lld %zu", op, kind_name[k], rel, (long long)off, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		fill(len);
		if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
			*rc = -1;
		break;
	case K_FALLOC:
	case K_KEEPSIZE:
	case K_PUNCH:
	case K_ZERO: {
		int mode = k == K_FALLOC ? 0 : k == K_KEEPSIZE ? FALLOC_FL_KEEP_SIZE
			 : k == K_PUNCH ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			 : FALLOC_FL_ZERO_RANGE | (below(2) ? FALLOC_FL_KEEP_SIZE : 0);
		off = (off_t)below((uint32_t)(size + 4 * BIG));
		if (below(2))
			off &= ~(off_t)(blksz - 1);
		len = 1 + below(16 * BIG);
		if (off + (off_t)len > MAXFILESIZE)
			off = MAXFILESIZE - (off_t)len;
		record("op %d %s %s %lld %zu %d", op, kind_name[k], rel, (long long)off, len, mode);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || fallocate(fd, mode, off, (off_t)len) != 0)
			*rc = -1;
		break;
	}
	case K_DIRECT: {
		len = (size_t)(1 + below(8)) * BIG;
		off = (off_t)below((uint32_t)(size / BIG + 2)) * BIG;
		if (off + (off_t)len > MAXFILESIZE)
			off = 0;
		record("op %d %s %s %lld %zu", op, kind_name[k], rel, (long long)off, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR | O_DIRECT);
		fill(len);
		if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
			*rc = -1;
		break;
	}
	case K_CREATE:
		slot = free_slot();
		new_name(files[slot], sizeof(files[slot]));
		rel = files[slot];
		*relp = rel;
		len = below(3) ? below(4 * BIG * 4) : 0;
		record("op %d create %s %zu", op, rel, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600 + 044 * below(2));
		if (fd < 0) {
			*rc = -1;
			files[slot][0] = 0;
			*relp = NULL;
			break;
		}
		nfiles++;
		fill(len);
		if (len && pwrite(fd, buf, len, 0) != (ssize_t)len)
			*rc = -1;
		break;
	case K_RENAME: {
		/* to a new name, or over another file */
		int over = below(3) == 0 ? pick_file() : -1;
		char to[200];
		if (over == slot)
			over = -1;
		if (over >= 0)
			snprintf(to, sizeof(to), "%s", files[over]);
		else
			new_name(to, sizeof(to));
		record("op %d rename %s %s", op, rel, to);
		touch(op, rel);
		touch(op, to);
		abs_path(p, sizeof(p), rel);
		abs_path(q, sizeof(q), to);
		if (rename(p, q) != 0) {
			*rc = -1;
			break;
		}
		if (over >= 0) {
			files[over][0] = 0;
			nfiles--;
		}
		snprintf(files[slot], sizeof(files[slot]), "%s", to);
		*relp = files[slot];
		break;
	}
	case K_LINK: {
		int s = free_slot();
		if (s < 0) {
			k = K_PAUSE;
			goto pause;
		}
		new_name(files[s], sizeof(files[s]));
		record("op %d link %s %s", op, rel, files[s]);
		touch(op, rel);
		touch(op, files[s]);
		abs_path(p, sizeof(p), rel);
		abs_path(q, sizeof(q), files[s]);
		if (link(p, q) != 0) {
			*rc = -1;
			files[s][0] = 0;
		} else {
			nfiles++;
		}
		break;
	}
	case K_UNLINK:
		record("op %d unlink %s", op, rel);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		if (unlink(p) != 0)
			*rc = -1;
		files[slot][0] = 0;
		nfiles--;
		*relp = NULL;
		break;
	case K_TRUNCATE:
		off = below(3) ? (off_t)below((uint32_t)size + 1) : size + (off_t)below(8 * BIG);
		record("op %d truncate %s %lld", op, rel, (long long)off);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || ftruncate(fd, off) != 0)
			*rc = -1;
		break;
	case K_FSYNC:
		record("op %d fsync %s", op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || do_fsync(op, rel, fd) != 0)
			*rc = -1;
		close(fd);
		fd = -1;
		break;
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
	case K_PAUSE:
pause:
		len = 100 + below(2000);
		record("op %d pause %zu", op, len);
		usleep((useconds_t)len * 1000);
		break;
	default:
		break;
	}
	if (*rc)
		*rc = errno ? errno : -1;
	return fd;
}

/* the intent workload after its cut op: a child forces the log in a loop and
 * cuts the power MS ms later, while this process keeps changing shared and
 * fragmented files; never returns */
static void storm(int op)
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
		int fd = one_op(n, pick_kind(weights_storm), &rc, &rel);
		record("rc %d %d", n, rc);
		if (fd >= 0)
			close(fd);
	}
	power_cut(); /* the child could not */
}

/* the intent workload: a storm of log forces after the cut op */
static int storm_at_cut;

/* after op N: its result, maybe an fsync of the file it wrote, the cut when N is the cut */
static void op_done(int op, int cut, int fd, const char *rel, int rc)
{
	record("rc %d %d", op, rc);
	if (fd >= 0 && rel && rc == 0 && (int)below(100) < fsync_after)
		do_fsync(op, rel, fd);
	if (fd >= 0)
		close(fd);
	if (op == cut) {
		record("cut %d", op);
		if (storm_at_cut)
			storm(op);
		power_cut();
	}
}

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
	snprintf(rel, sizeof(rel), "%s/s%u", dirs[parent], serial++);
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

	int ci = casefolded(dirs[d]); /* mixed case in a casefolded directory: its hashes fold them */

	record("op %d many %s %d", op, dirs[d], n);
	touch(op, dirs[d]);
	for (int i = 0; i < n && !rc; i++) {
		snprintf(rel, sizeof(rel), ci ? "%s/Name-With-Some-Length-%08X-%u" : "%s/name-with-some-length-%08x-%u",
			 dirs[d], (unsigned)rnd(), serial++);
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
static int nnames;

/* a short-named empty file in dirs[d] (longer, mixed-case names in a casefolded one), recorded; its fd or -1 */
static int names_new(int op, int d, char *rel, size_t n)
{
	char p[256];
	static unsigned serial;
	int fd;

	if (casefolded(dirs[d]))
		snprintf(rel, n, "%s/Name-%s-%u", dirs[d], serial % 2 ? "UPPER" : "lower", serial);
	else
		snprintf(rel, n, "%s/n%u", dirs[d], serial);
	serial++;
	touch(op, rel);
	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd >= 0 && nnames < MAXNAMES)
		snprintf(names[nnames++], sizeof(names[0]), "%s", rel);
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
	if (fd >= 0) {
		if (!rc && do_fsync(op, rel, fd) != 0)
			rc = -1;
		close(fd);
	}
	return rc;
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
	abs_path(p, sizeof(p), names[k]);
	if (unlink(p) != 0)
		rc = errno ? errno : -1;
	memmove(names[k], names[k + 1], (size_t)(nnames - k - 1) * sizeof(names[0]));
	nnames--;
	fd = names_new(op, d, rel, sizeof(rel));
	if (fd < 0)
		return rc ? rc : (errno ? errno : -1);
	if (!rc && do_fsync(op, rel, fd) != 0)
		rc = -1;
	close(fd);
	return rc;
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

static int run(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: workload run DIR SEED OPS CUT KIND [BLOCKSIZE]\n");
		return 2;
	}
	root = argv[2];
	unsigned long long seed = strtoull(argv[3], NULL, 0);
	int ops = atoi(argv[4]), cut = atoi(argv[5]);
	const char *kind = argv[6];
	const unsigned *w = weights_mixed;
	char p[256];

	if (argc > 7)
		blksz = (unsigned)atoi(argv[7]);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	fsync_after = 30;
	if (!strcmp(kind, "data"))
		w = weights_data;
	else if (!strcmp(kind, "meta"))
		w = weights_meta;
	else if (!strcmp(kind, "fsync"))
		fsync_after = 100;
	else if (!strcmp(kind, "intent"))
		w = weights_intent, storm_at_cut = 1;
	else if (!strcmp(kind, "unlinked"))
		w = weights_unlinked;
	if (posix_memalign((void **)&buf, 4096, 16 * BIG * 8) != 0)
		return 1;
	record("start %llu %d %d %s", seed, ops, cut, kind);
	for (int d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%d", root, d);
		mkdir(p, 0755);
	}
	if (!strcmp(kind, "tree")) {
		names_casefold_top();
		return run_own(ops, cut, tree_op);
	}
	if (!strcmp(kind, "names")) {
		names_casefold_top();
		return run_own(ops, cut, names_op);
	}
	for (int op = 1; op <= ops; op++) {
		int rc;
		const char *rel;
		enum kind k = pick_kind(w);
		errno = 0;
		int fd = one_op(op, k, &rc, &rel);
		op_done(op, cut, fd, rel, rc);
	}
	record("end %d", ops);
	power_cut();
	return 0;
}

int main(int argc, char **argv)
{
	crc_init();
	rec = stdout;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return run(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "summary"))
		return summarise(argv[2], "/", 0);
	if (argc >= 3 && !strcmp(argv[1], "drain")) {
		/* the init script's last records must leave before the power goes */
		int fd = open(argv[2], O_WRONLY | O_NOCTTY);
		return fd >= 0 && tcdrain(fd) == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: workload run DIR SEED OPS CUT KIND [BLOCKSIZE] | workload summary DIR\n");
	return 2;
}
