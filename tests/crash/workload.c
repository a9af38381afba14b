/*
 * The crash harness's guest program (built -static, run as part of the
 * initramfs).  Two jobs:
 *
 *   workload run DIR SEED OPS CUT KIND   seeded file operations under DIR;
 *        after op CUT (1-based; 0: never) it cuts the power with
 *        sysrq 'b'.  KIND intent, unlinked and quota are for XFS: fragmented
 *        files cloned (FICLONE / FICLONERANGE) and truncated, syncfs; files
 *        unlinked while open and O_TMPFILE files, still open at the cut;
 *        quota (mount usrquota,grpquota,prjquota): owners and project ids
 *        changed, limits set, enforcement off and on.
 *        After op CUT, intent goes on in a storm: a child process forces the
 *        log (syncfs) in a loop while this one keeps cloning, overwriting
 *        (copy on write) and truncating, until the child cuts the power a
 *        seeded 50-1550 ms later, so that intents (EFI, RUI, CUI, BUI) are
 *        in the log without their done items.  KIND convert is intent with
 *        preallocations written into (unwritten extents converted).  Every op, every path it touches and every fsync that
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
#include <errno.h>
#include <fcntl.h>
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

static uint64_t rng_state;

uint64_t rnd(void)
{
	/* xorshift64*: the same sequence for a seed on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* a forked worker's own sequence (wl_share.c): the state mixed with W, never 0 */
void rnd_reseed(uint64_t w)
{
	rng_state ^= w * 0xD1B54A32D192ED03ull;
	if (!rng_state)
		rng_state = 1;
}

uint32_t below(uint32_t n)
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

void record(const char *fmt, ...)
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
void drain(void)
{
	fflush(rec);
	tcdrain(fileno(rec));
}

void power_cut(void)
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

const char *root;
char files[MAXFILES][200]; /* relative paths; "" = free slot */
/* The end of a workload that syncs and then cuts: syncfs through dfd (an open directory
 * of the filesystem, or -1: rc says the open failed), dfd closed, the result and the cut
 * recorded, the power cut. */
int syncfs_cut(int op, int dfd, int rc)
{
	if (dfd >= 0 && syncfs(dfd) != 0)
		rc = -1;
	if (dfd >= 0)
		close(dfd);
	record("rc %d %d", op, rc);
	record("cut %d", op);
	power_cut();
	return 0;
}

int nfiles;

int pick_file(void)
{
	if (nfiles == 0)
		return -1;
	int k = (int)below((uint32_t)nfiles);
	for (int i = 0; i < MAXFILES; i++)
		if (files[i][0] && k-- == 0)
			return i;
	return -1;
}

int free_slot(void)
{
	for (int i = 0; i < MAXFILES; i++)
		if (!files[i][0])
			return i;
	return -1;
}

/* the tree workload's directories (relative paths); the others use d0..d3 only */
char dirs[MAXDIRS][160];
int ndirs;

void new_name(char *out, size_t n)
{
	static unsigned serial;
	if (ndirs)
		snprintf(out, n, "%s/f%u", dirs[below((uint32_t)ndirs)], serial++);
	else
		snprintf(out, n, "d%u/f%u", below(NDIRS), serial++);
}

void abs_path(char *out, size_t n, const char *rel)
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
int drain_each;

void touch(int op, const char *rel)
{
	record("touch %d %llu %s", op, ino_of(rel), rel);
	if (drain_each)
		drain();
}

/* descriptors of unlinked files kept open to the cut (AGI unlinked lists) */
#define MAXHELD 16
static int held[MAXHELD];
static int nheld;

void hold(int op, int fd, const char *rel)
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

unsigned char *buf;

void fill(size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd();
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

int do_fsync(int op, const char *rel, int fd)
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

const char *kind_name[K_NKINDS] = { "append", "overwrite", "fallocate", "keepsize", "punch",
	"zero", "direct", "create", "rename", "link", "unlink", "truncate", "fsync", "pause",
	"frag", "clone", "syncfs", "holdunlink", "tmpfile", "chown", "projid", "qlimit", "qenforce", "churn",
	"interleave", "holdspecial" };

/* weights per workload kind, in enum order */
static const unsigned weights_data[K_NKINDS] = { 6, 6, 2, 2, 3, 2, 3, 2, 0, 0, 0, 2, 3, 1 };
static const unsigned weights_meta[K_NKINDS] = { 2, 1, 0, 0, 0, 0, 0, 8, 6, 4, 5, 2, 3, 1 };
static const unsigned weights_mixed[K_NKINDS] = { 4, 4, 2, 2, 2, 2, 2, 4, 3, 2, 2, 2, 3, 1 };
static const unsigned weights_intent[K_NKINDS] = { 2, 4, 1, 0, 2, 0, 1, 2, 0, 0, 2, 4, 2, 0,
						   4, 6, 2, 0, 0 };
/* fragfree: free space in hundreds of one-block extents (interleave), files unlinked,
 * truncated, punched, and unlinked while open (freed by the mount after recovery, their
 * blocks between the holes); the intent storm at the cut leaves frees pending over it */
static const unsigned weights_fragfree[K_NKINDS] = { 4, 1, 0, 0, 2, 0, 2, 1, 0, 0, 1, 2, 0, 0,
						     1, 0, 1, 3, 0, 0, 0, 0, 0, 0, 3 };
/* convert: unwritten extents written into, between intent ops (its storm: wl_xfs.c) */
static const unsigned weights_convert[K_NKINDS] = { 2, 4, 3, 3, 1, 1, 4, 2, 0, 0, 1, 2, 2, 0,
						    3, 3, 1, 0, 0 };
static const unsigned weights_unlinked[K_NKINDS] = { 3, 2, 1, 1, 1, 0, 1, 4, 1, 1, 2, 2, 2, 0,
						     1, 1, 2, 5, 3 };
/* quota: the mixed workload's ops (no pauses) with owners, project ids,
 * limits and enforcement changed */
static const unsigned weights_quota[K_NKINDS] = { 4, 3, 1, 1, 1, 1, 1, 4, 2, 1, 2, 2, 2, 0,
						  0, 0, 1, 0, 0, 5, 3, 2, 1 };

/* qunlinked: quota's owners and project ids over the unlinked workload's files held open
 * (no limit or enforcement changes: quota_soft_limits sets soft limits first) */
static const unsigned weights_qunlinked[K_NKINDS] = { 4, 2, 1, 1, 1, 0, 1, 4, 1, 1, 2, 2, 2, 0,
						      1, 0, 1, 5, 3, 5, 3, 0, 0 };
/* remapfrag: hundreds-of-extent files (interleave: bmbt forks of several leaves) and
 * short ones (frag), with ranges of whole blocks cloned into them (each remap an unmap
 * and a map BUI of one extent); the intent storm at the cut leaves BUIs pending */
static const unsigned weights_remapfrag[K_NKINDS] = { 1, 2, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0,
						      1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 3 };

/* age: after filling and thinning out, mixed ops with fragmented files,
 * clones, unlinked-while-open files and churn among the aged files */
static const unsigned weights_age[K_NKINDS] = { 3, 3, 2, 1, 2, 1, 1, 3, 2, 1, 2, 2, 2, 0,
						2, 1, 1, 2, 1, 0, 0, 0, 0, 6 };

/* unlinkedsp: unlinked's ops with special files, short symlinks and empty directories
 * held open and unlinked (wl_xv4.c); efitrunc: interleaved files only, then its storm */
static const unsigned weights_unlinkedsp[K_NKINDS] = { 3, 2, 1, 1, 1, 0, 1, 4, 1, 1, 2, 2, 2, 0,
						       1, 1, 2, 3, 2, 0, 0, 0, 0, 0, 0, 6 };
static const unsigned weights_efitrunc[K_NKINDS] = { 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
						     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
static int efitrunc;

static int fsync_after;   /* percent of data ops followed by an fsync */
unsigned blksz = 4096;

enum kind pick_kind(const unsigned *w)
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

off_t cur_size(const char *rel)
{
	char p[256];
	struct stat st;
	abs_path(p, sizeof(p), rel);
	return stat(p, &st) == 0 ? st.st_size : 0;
}

/* one op, by its family; returns the fd of the file written (for an fsync after), or -1 */
int one_op(int op, enum kind k, int *rc, const char **relp)
{
	int slot = pick_file(), fd = -1;
	const char *rel = slot >= 0 ? files[slot] : NULL;
	off_t size = rel ? cur_size(rel) : 0;

	*rc = 0;
	*relp = rel;
	if (!rel && k != K_CREATE && k != K_PAUSE)
		k = K_CREATE;
	if (k == K_CREATE && nfiles >= MAXFILES)
		k = K_UNLINK;
	/* (only the XFS workloads draw these) */
	if ((k == K_FRAG || k == K_CLONE || k == K_TMPFILE || k == K_INTERLEAVE) && nfiles >= MAXFILES)
		k = K_UNLINK;
	switch (k) {
	case K_APPEND:
	case K_OVERWRITE:
	case K_FALLOC:
	case K_KEEPSIZE:
	case K_PUNCH:
	case K_ZERO:
	case K_DIRECT:
	case K_TRUNCATE:
	case K_FSYNC:
		fd = data_op(op, k, slot, rel, size, rc, relp);
		break;
	case K_CREATE:
	case K_RENAME:
	case K_LINK:
	case K_UNLINK:
	case K_PAUSE:
		fd = meta_op(op, k, slot, rel, size, rc, relp);
		break;
	case K_FRAG:
	case K_CLONE:
	case K_SYNCFS:
	case K_HOLDUNLINK:
	case K_TMPFILE:
	case K_INTERLEAVE:
		fd = xfs_op(op, k, slot, rel, size, rc, relp);
		break;
	case K_HOLDSPECIAL:
		*relp = NULL;
		fd = special_op(op, rc);
		break;
	case K_CHOWN:
	case K_PROJID:
	case K_QLIMIT:
	case K_QENFORCE:
		fd = quota_op(op, k, slot, rel, size, rc, relp);
		break;
	case K_CHURN:
		*relp = NULL;
		fd = age_op(op, rc);
		break;
	default:
		break;
	}
	if (*rc)
		*rc = errno ? errno : -1;
	return fd;
}


/* the intent workload: a storm of log forces after the cut op */
static int storm_at_cut;

/* after op N: its result, maybe an fsync of the file it wrote, the cut when N is the cut */
void op_done(int op, int cut, int fd, const char *rel, int rc)
{
	record("rc %d %d", op, rc);
	if (fd >= 0 && rel && rc == 0 && (int)below(100) < fsync_after)
		do_fsync(op, rel, fd);
	if (fd >= 0)
		close(fd);
	if (op == cut) {
		record("cut %d", op);
		if (efitrunc)
			efitrunc_storm(op);
		if (storm_at_cut)
			storm(op);
		power_cut();
	}
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
	else if (!strcmp(kind, "convert"))
		w = weights_convert, storm_at_cut = storm_convert = 1;
	else if (!strcmp(kind, "unlinked"))
		w = weights_unlinked;
	else if (!strcmp(kind, "fragfree"))
		w = weights_fragfree, storm_at_cut = 1, fsync_after = 100;
	else if (!strcmp(kind, "quota"))
		w = weights_quota;
	else if (!strcmp(kind, "qunlinked"))
		w = weights_qunlinked;
	else if (!strcmp(kind, "unlinkedsp"))
		w = weights_unlinkedsp;
	else if (!strcmp(kind, "unlinkedsym"))
		w = weights_unlinkedsp, long_symlinks = 1;
	else if (!strcmp(kind, "efitrunc"))
		w = weights_efitrunc, efitrunc = 1, fsync_after = 0;
	else if (!strcmp(kind, "remapfrag"))
		w = weights_remapfrag, storm_at_cut = 1;
	else if (!strcmp(kind, "remapdeep")) /* remapfrag with bmbt forks two levels under the root */
		w = weights_remapfrag, storm_at_cut = 1, interleave_min = 1300;
	if (posix_memalign((void **)&buf, 4096, 16 * BIG * 8) != 0)
		return 1;
	if (!strcmp(kind, "age") || !strcmp(kind, "agemany")) {
		w = weights_age;
		age_fill(!strcmp(kind, "agemany")); /* before the start record: a time cut counts from it */
	}
	if (!strcmp(kind, "qunlinked"))
		quota_soft_limits(); /* before the start record: its records are not ops */
	record("start %llu %d %d %s", seed, ops, cut, kind);
	for (int d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "%s/d%d", root, d);
		mkdir(p, 0755);
	}
	if (!strcmp(kind, "tree"))
		return run_tree(ops, cut);
	if (!strcmp(kind, "names"))
		return run_names(ops, cut);
	if (!strcmp(kind, "names8"))
		return run_names8(ops, cut);
	if (!strcmp(kind, "dirs"))
		return run_dirs(ops, cut);
	if (!strcmp(kind, "bigdir"))
		return run_bigdir(ops, cut);
	if (!strcmp(kind, "ichunk") || !strcmp(kind, "ichunkx"))
		return run_ichunk(ops, cut, kind[6] == 'x');
	if (!strcmp(kind, "ichunkmany"))
		return run_ichunk_held(ops, cut, 0, ops);
	if (!strcmp(kind, "ifinobt") || !strcmp(kind, "ifinobtx") || !strcmp(kind, "ifinobtd"))
		return run_ifinobt(ops, cut, kind[7] == 'x' ? 1 : kind[7] == 'd' ? 2 : 0);
	if (!strcmp(kind, "ichunkdrop") || !strcmp(kind, "ichunkdropx"))
		return run_ichunkdrop(ops, cut, kind[10] == 'x');
	if (!strcmp(kind, "ichunkhold"))
		return run_ichunkhold(ops, cut);
	if (!strcmp(kind, "holdmix") || !strcmp(kind, "holdmixmany") || !strcmp(kind, "holdmixq"))
		return run_holdmix(ops, cut, kind[7] == 'm' ? 1 : kind[7] == 'q' ? 2 : 0);
	if (!strcmp(kind, "holdshare"))
		return run_holdmix(ops, cut, 3);
	if (!strcmp(kind, "fragdrop"))
		return run_fragdrop(ops, cut);
	if (!strcmp(kind, "attr"))
		return run_attr(ops, cut);
	if (!strcmp(kind, "convshare"))
		return run_convshare(ops, cut);
	if (!strcmp(kind, "cow") || !strcmp(kind, "cowcut"))
		return run_cow(ops, cut, kind[3] == 'c');
	if (!strcmp(kind, "editor"))
		return run_editor(ops, cut);
	if (!strcmp(kind, "untar"))
		return run_untar(ops, cut);
	if (!strcmp(kind, "seq"))
		return run_seq(ops, cut);
	if (!strcmp(kind, "share") || !strcmp(kind, "sharemerge") || !strcmp(kind, "sharegrow") ||
	    !strcmp(kind, "shareunmap") || !strcmp(kind, "shareiroot"))
		return run_share(ops, cut, kind[5]);
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
