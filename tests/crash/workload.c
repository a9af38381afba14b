/*
 * The crash harness's guest program (built -static, run as part of the
 * initramfs).  Two jobs:
 *
 *   workload run DIR SEED OPS CUT KIND   seeded file operations under DIR;
 *        after op CUT (1-based; 0: never) it cuts the power with
 *        sysrq 'b'.  Every op, every path it touches and every fsync that
 *        succeeded is written as a record line to stdout (the harness points
 *        it at a second serial port and drains it before the cut).
 *   workload drain TTY                   wait until TTY has sent its output.
 *   workload summary DIR                 one JSON line per path under DIR
 *        (lstat, FIEMAP, crc32 of the contents): the kernel's view of a
 *        recovered filesystem, for the host to compare fsimg against.
 *
 * Records ("@@" first so the host can tell them from anything else):
 *   @@ start SEED OPS CUT KIND
 *   @@ op N KIND ARGS...             before op N runs
 *   @@ touch N INO PATH               op N may change inode INO / name PATH
 *   @@ op N mkdir|many|frag ...     the tree workload's own ops
 *   @@ rc N RC ERRNO                  op N finished
 *   @@ fsync N PATH INO SIZE CRC32    fsync of PATH returned 0; SIZE bytes with
 *                                     that crc32 (zlib's) are durable
 *   @@ cut N                          power cut follows
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
static int crc_fd(int fd, long long len, uint32_t *crc, long long *got)
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

static void touch(int op, const char *rel)
{
	record("touch %d %llu %s", op, ino_of(rel), rel);
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

enum kind { K_APPEND, K_OVERWRITE, K_FALLOC, K_KEEPSIZE, K_PUNCH, K_ZERO, K_DIRECT,
	    K_CREATE, K_RENAME, K_LINK, K_UNLINK, K_TRUNCATE, K_FSYNC, K_PAUSE, K_NKINDS };
static const char *kind_name[] = { "append", "overwrite", "fallocate", "keepsize", "punch",
	"zero", "direct", "create", "rename", "link", "unlink", "truncate", "fsync", "pause" };

/* weights per workload kind, in enum order */
static const unsigned weights_data[K_NKINDS] = { 6, 6, 2, 2, 3, 2, 3, 2, 0, 0, 0, 2, 3, 1 };
static const unsigned weights_meta[K_NKINDS] = { 2, 1, 0, 0, 0, 0, 0, 8, 6, 4, 5, 2, 3, 1 };
static const unsigned weights_mixed[K_NKINDS] = { 4, 4, 2, 2, 2, 2, 2, 4, 3, 2, 2, 2, 3, 1 };

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
		power_cut();
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

	record("op %d many %s %d", op, dirs[d], n);
	touch(op, dirs[d]);
	for (int i = 0; i < n && !rc; i++) {
		snprintf(rel, sizeof(rel), "%s/name-with-some-length-%08x-%u", dirs[d], (unsigned)rnd(), serial++);
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

static int run_tree(int ops, int cut)
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
	if (posix_memalign((void **)&buf, 4096, 16 * BIG * 8) != 0)
		return 1;
	record("start %llu %d %d %s", seed, ops, cut, kind);
	for (int d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%d", root, d);
		mkdir(p, 0755);
	}
	if (!strcmp(kind, "tree"))
		return run_tree(ops, cut);
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

/* ---- summary: the kernel's view, one JSON line per path ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void fiemap_json(int fd)
{
	enum { N = 256 };
	static char fbuf[sizeof(struct fiemap) + N * sizeof(struct fiemap_extent)];
	struct fiemap *fm = (struct fiemap *)fbuf;
	unsigned long long start = 0;
	int first = 1, last = 0;

	printf(",\"fiemap\":[");
	while (!last) {
		memset(fbuf, 0, sizeof(fbuf));
		fm->fm_start = start;
		fm->fm_length = ~0ull - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
			printf("],\"fiemap_errno\":%d", errno);
			return;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			printf("%s[%llu,%llu,%llu,%u]", first ? "" : ",",
			       (unsigned long long)e->fe_logical, (unsigned long long)e->fe_physical,
			       (unsigned long long)e->fe_length, e->fe_flags);
			first = 0;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
	}
	printf("]");
}

static int summarise(const char *path, const char *rel, int depth)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		printf("{\"path\":");
		json_str(rel);
		printf(",\"errno\":%d}\n", errno);
		return 1;
	}
	printf("{\"path\":");
	json_str(rel);
	printf(",\"inode\":%llu,\"mode\":%u,\"links\":%lu,\"size\":%lld,\"blocks512\":%lld",
	       (unsigned long long)st.st_ino, (unsigned)st.st_mode, (unsigned long)st.st_nlink,
	       (long long)st.st_size, (long long)st.st_blocks);
	if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY);
		uint32_t crc;
		long long got;
		if (fd >= 0 && crc_fd(fd, -1, &crc, &got) == 0)
			printf(",\"crc32\":%u,\"read\":%lld", crc, got);
		else
			printf(",\"read_errno\":%d", errno);
		if (fd >= 0) {
			fiemap_json(fd);
			close(fd);
		}
	} else if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(path, t, sizeof(t) - 1);
		if (n >= 0) {
			t[n] = 0;
			printf(",\"target\":");
			json_str(t);
		}
	}
	printf("}\n");
	if (S_ISDIR(st.st_mode) && depth < 64) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *nm = names[i]->d_name;
			if (strcmp(nm, ".") && strcmp(nm, "..")) {
				char sub[4096], subrel[4096];
				snprintf(sub, sizeof(sub), "%s/%s", path, nm);
				snprintf(subrel, sizeof(subrel), "%s/%s", strcmp(rel, "/") ? rel : "", nm);
				summarise(sub, subrel, depth + 1);
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
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
