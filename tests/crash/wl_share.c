/*
 * The share workload: shared-domain refcount updates and bmbt inserts left
 * pending at the cut where they change the trees' shape.
 *
 * Setup (before the storm, one op a file):
 *  - SHARE_BASES base files in d0 (one AG), OPS / SHARE_BASES stripes of
 *    four blocks each, written and fsync'd;
 *  - a mirror of each base: blocks 0-2 of every stripe cloned into it at the
 *    same offset (FICLONERANGE), block 3 left out.  The base's blocks get
 *    refcount records {4k, 3, 2}, one a stripe with a one-block gap between:
 *    OPS records made in ascending order, so every refcount btree leaf but
 *    the last is full (xfs_btree_make_block_unfull: a leaf that fills shifts
 *    into its left sibling until that one is full, then splits);
 *  - SHARE_SPARSE sparse files (d1-d3) of 10.5 bmbt leaves' worth (5.5 at 4 KiB) of
 *    one-block extents at even offsets, written O_DIRECT one at a time:
 *    a data fork in btree form, its leaves full the same way;
 *  - SHARE_S21 sparse files of 21 one-block extents: a v5 inode of 512
 *    bytes holds 21 extents in its data fork, so one more makes it a btree
 *    (xfs_bmap_extents_to_btree);
 *  - a syncfs.
 * The storm (SHARE_WORKERS processes at nice 10, storm_cutter's syncfs loop
 * beside them, the power cut 50-500 ms in, while each worker still has leaves of
 * its own that are full) clones a stripe's middle block (a CUI increase
 * that splits the record at both ends: two records more in a full leaf, a
 * refcount btree split) into a hole of a 21-extent file (a map BUI that
 * turns the fork into a btree) or into a hole in a full bmbt leaf of a
 * sparse file (a bmbt split), each worker into its own leaves in turn
 * (every other leaf: a full leaf next to one with room shifts into it
 * rather than split), so that the first insert into each, the one that
 * splits it, is what the cut interrupts.  One op in four, and every op once the worker's full leaves
 * are used up, is another shape: a stripe's gap block cloned elsewhere
 * (the increase merges the record with both neighbours), a mirror's stripe
 * replaced by another base's blocks (an unmap BUI, a CUI decrease that
 * splits or merges what earlier clones left), a random range of a base
 * appended to a sink file.
 *
 * sharemerge (branch xrows7): the bases and mirrors only, then the storm's
 * workers clone each its own stripes' gap blocks into the mirror at the
 * same offset, in an order spread over the file: the gap block's refcount
 * record {4k+3, 1, 2} joins {4k, 3, 2} and {4k+4, 3, 2}
 * (xfs_refcount_merge_center_extents), the mirror's new mapping joins the
 * stripe's extents on both sides (xfs_bmap_add_extent_hole_real's
 * LEFT_CONTIG | RIGHT_CONTIG: a bmbt record deleted) and so does its rmap
 * record (xfs_rmap_map_shared).  A mirror holds OPS / SHARE_BASES extents:
 * with 1 KiB blocks past 20 full bmbt leaves (about 1200) its fork is two
 * levels under the inode's root.
 *
 * sharegrow (branch xrows7): share with SHARE_S21_GROW 21-extent files, and
 * every storm op that has one left clones a stripe's middle block into the
 * worker's next one: each map BUI left pending turns a fork into a btree in
 * the finish (xfs_bmap_extents_to_btree: a new bmbt block, charged to the
 * inode's dquots on a quota filesystem, XFS_TRANS_DQ_BCOUNT +1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

#define SHARE_BASES 4u
#define SHARE_SPARSE 8u
#define SHARE_S21 8u
#define SHARE_S21_GROW 96u
#define SHARE_IROOT 48u /* at most; as many as 60 MiB of their blocks hold */
#define IROOT_RECS ((512u - 176u - 4u) / 16u)
#define SHARE_WORKERS 4u
#define S21_EXTENTS 21u

static unsigned nstripe, nsparse;
static unsigned leaf_refc, leaf_bmbt;
static bool merge_only; /* sharemerge */
static bool grow; /* sharegrow */
static bool unmap_only; /* shareunmap */
static bool iroot; /* shareiroot */
static unsigned ns21 = SHARE_S21, nsparse_files = SHARE_SPARSE;

static void base_name(char *out, size_t n, unsigned b) { snprintf(out, n, "d0/base%u", b); }
static void mirror_name(char *out, size_t n, unsigned b) { snprintf(out, n, "d0/mirror%u", b); }
static void sparse_name(char *out, size_t n, unsigned j) { snprintf(out, n, "d%u/sparse%u", 1 + j % 3, j); }
static void s21_name(char *out, size_t n, unsigned j) { snprintf(out, n, "d%u/s21x%u", 1 + j % 3, j); }
static void sink_name(char *out, size_t n, unsigned w) { snprintf(out, n, "d%u/sink%u", w % NDIRS, w); }

/* FICLONERANGE of LEN blocks from block SOFF of SRC to block DOFF of DST (relative paths) */
static int clone_blocks(const char *src, const char *dst, unsigned soff, unsigned len, unsigned doff)
{
	struct file_clone_range r;
	char p[256], q[256];
	int sfd, dfd, rc = 0;

	abs_path(p, sizeof(p), src);
	abs_path(q, sizeof(q), dst);
	sfd = open(p, O_RDONLY);
	dfd = open(q, O_RDWR | O_CREAT, 0644);
	memset(&r, 0, sizeof(r));
	r.src_fd = sfd;
	r.src_offset = (uint64_t)soff * blksz;
	r.src_length = (uint64_t)len * blksz;
	r.dest_offset = (uint64_t)doff * blksz;
	if (sfd < 0 || dfd < 0 || ioctl(dfd, FICLONERANGE, &r) != 0)
		rc = errno ? errno : -1;
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* storm op N: LEN blocks of SRC from block SOFF cloned to block DOFF of DST, recorded */
static int clone_op(int n, const char *src, const char *dst, unsigned soff, unsigned len, unsigned doff)
{
	int rc;

	record("op %d clonerange %s %s %llu %llu %llu", n, src, dst, (unsigned long long)soff * blksz,
	       (unsigned long long)len * blksz, (unsigned long long)doff * blksz);
	touch(n, dst);
	rc = clone_blocks(src, dst, soff, len, doff);
	record("rc %d %d", n, rc);
	return rc;
}

/* LEN bytes of a base's contents: each block 8 seeded bytes, the rest a pattern (the bases
 * of -n 16000 are 64 MiB at 1 KiB blocks: their images stay small enough to keep as
 * fixtures once xz'd) */
static void fill_stamped(size_t len)
{
	memset(buf, 0x5a, len);
	for (size_t i = 0; i + 8 <= len; i += blksz) {
		uint64_t v = rnd();
		memcpy(buf + i, &v, 8);
	}
}

/* a base: NB blocks written (buffered) and fsync'd */
static int write_base(int op, const char *rel, unsigned nb)
{
	size_t chunk = 16 * BIG * 8, len = (size_t)nb * blksz, done = 0;
	char p[256];
	int fd, rc = 0;

	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return -1;
	while (done < len && !rc) {
		size_t n = len - done < chunk ? len - done : chunk;
		fill_stamped(n);
		if (pwrite(fd, buf, n, (off_t)done) != (ssize_t)n)
			rc = -1;
		done += n;
	}
	if (!rc && do_fsync(op, rel, fd) != 0)
		rc = -1;
	close(fd);
	return rc;
}

/* a sparse file: NB one-block extents at even offsets, O_DIRECT (each its own allocation) */
static int write_sparse(const char *rel, unsigned nb)
{
	char p[256];
	int fd, rc = 0;

	abs_path(p, sizeof(p), rel);
	fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
	if (fd < 0)
		return -1;
	for (unsigned b = 0; b < nb && !rc; b++) {
		/* shareiroot's 60 MiB stamped, as the bases: its images xz small */
		if (iroot)
			fill_stamped(blksz);
		else
			fill(blksz);
		if (pwrite(fd, buf, blksz, (off_t)2 * b * blksz) != (ssize_t)blksz)
			rc = -1;
	}
	close(fd);
	return rc;
}

static int setup(int *opp)
{
	char rel[64], src[64];
	int op = *opp, rc;
	unsigned b, j, k;

	for (b = 0; b < SHARE_BASES; b++, op++) {
		base_name(rel, sizeof(rel), b);
		record("op %d create %s %u", op, rel, nstripe * 4);
		touch(op, rel);
		rc = write_base(op, rel, nstripe * 4);
		record("rc %d %d", op, rc);
	}
	for (b = 0; b < SHARE_BASES; b++, op++) {
		base_name(src, sizeof(src), b);
		mirror_name(rel, sizeof(rel), b);
		record("op %d stripes %s %s %u", op, src, rel, nstripe);
		touch(op, rel);
		rc = 0;
		for (k = 0; k < nstripe && !rc; k++)
			rc = clone_blocks(src, rel, 4 * k, 3, 4 * k);
		record("rc %d %d", op, rc);
	}
	for (j = 0; !merge_only && !unmap_only && j < nsparse_files + ns21; j++, op++) {
		unsigned nb = j < nsparse_files ? nsparse : S21_EXTENTS;
		if (j < nsparse_files)
			sparse_name(rel, sizeof(rel), j);
		else
			s21_name(rel, sizeof(rel), j - nsparse_files);
		record("op %d sparse %s %u", op, rel, nb);
		touch(op, rel);
		rc = write_sparse(rel, nb);
		record("rc %d %d", op, rc);
	}
	*opp = op;
	return 0;
}

/* a worker's view: its next leaves not split yet (refcount: stripe regions, bmbt: sparse files'
 * leaves, a 21-extent file) and its sink's end */
struct share_worker {
	unsigned w, refc_next, bmbt_next, s21_next, sink_off;
	bool used_up; /* no full leaf of its own left, either tree */
};

/* a stripe in worker W's next full refcount leaf (any stripe when none is left): every leaf but
 * the last held leaf_refc records in stripe order after the setup.  Every other leaf only, so
 * that the leaf is split while both neighbours are still full (xfs_btree_make_block_unfull
 * shifts a record into a sibling with room rather than split); the last full one, whose right
 * sibling has room, left out. */
static unsigned fresh_stripe(struct share_worker *s, bool *fresh)
{
	unsigned total = SHARE_BASES * nstripe, regions = total / leaf_refc - 1;
	unsigned q = s->w + SHARE_WORKERS * s->refc_next;

	*fresh = 2 * q < regions;
	if (!*fresh)
		return below(total);
	s->refc_next++;
	return 2 * q * leaf_refc + leaf_refc / 4 + below(leaf_refc / 2);
}

/* a hole (odd offset) in worker W's next full bmbt leaf of a sparse file (*J), or any hole;
 * every other leaf and the last full one left out as above */
static unsigned fresh_hole(struct share_worker *s, unsigned *j, bool *fresh)
{
	unsigned regions = nsparse / leaf_bmbt - 1;
	unsigned p = s->w + SHARE_WORKERS * s->bmbt_next, r = 2 * (p / nsparse_files);

	*fresh = r < regions;
	if (!*fresh) {
		*j = below(nsparse_files);
		return 2 * below(nsparse - 1) + 1;
	}
	s->bmbt_next++;
	*j = p % nsparse_files;
	return 2 * (r * leaf_bmbt + leaf_bmbt / 4 + below(leaf_bmbt / 2)) + 1;
}

/* sharemerge: worker W's I-th stripe (its own, a step of 7919 through them: far apart in the
 * file) has its gap block cloned into the mirror at the same offset */
static int merge_op(struct share_worker *s, int n, unsigned i)
{
	unsigned per = SHARE_BASES * nstripe / SHARE_WORKERS, g, b, k;
	char src[64], dst[64];

	g = s->w + SHARE_WORKERS * (unsigned)(((unsigned long long)i * 7919u + s->w * 131u) % per);
	b = g / nstripe;
	k = g % nstripe;
	base_name(src, sizeof(src), b);
	mirror_name(dst, sizeof(dst), b);
	return clone_op(n, src, dst, 4 * k + 3, 1, 4 * k + 3);
}

/* shareunmap: a mirror's stripes (LEN of them from a random one) replaced by another base's, or
 * one op in four a whole base cloned into worker W's next new file */
static int unmap_op(struct share_worker *s, int n)
{
	unsigned m = below(SHARE_BASES), b = (m + 1 + below(SHARE_BASES - 1)) % SHARE_BASES;
	unsigned k = below(nstripe), nk = 1 + below(4), soff, doff, len;
	char src[64], dst[64];

	base_name(src, sizeof(src), b);
	if (below(4) == 0) {
		snprintf(dst, sizeof(dst), "d%u/whole%u.%u", 1 + s->w % 3, s->w, s->sink_off++);
		soff = 0;
		doff = 0;
		len = 4 * nstripe;
	} else {
		mirror_name(dst, sizeof(dst), m);
		if (k + nk > nstripe)
			nk = nstripe - k;
		soff = 4 * below(nstripe - nk + 1) + below(2);
		doff = 4 * k;
		len = 4 * nk - 1; /* the last stripe's gap left out, a hole inside where nk > 1 */
	}
	return clone_op(n, src, dst, soff, len, doff);
}

static int share_op(struct share_worker *s, int n)
{
	char src[64], dst[64];
	unsigned j = s->w + SHARE_WORKERS * s->s21_next, g, b, k, soff, len = 1, doff;
	bool fresh_refc, fresh_bmbt = false;

	if (iroot && !s->used_up) {
		/* shareiroot: a stripe's middle block into any hole of the worker's next file */
		unsigned f = s->w + SHARE_WORKERS * s->bmbt_next++;
		if (f < nsparse_files) {
			g = fresh_stripe(s, &fresh_refc);
			base_name(src, sizeof(src), g / nstripe);
			sparse_name(dst, sizeof(dst), f);
			return clone_op(n, src, dst, 4 * (g % nstripe) + 1, 1, 2 * below(nsparse - 1) + 1);
		}
		s->used_up = true;
	}
	if (s->used_up || (!grow && below(4) == 0)) {
		/* once its full leaves are split (and one op in four before): the other shapes */
		unsigned r = below(100);
		g = below(SHARE_BASES * nstripe);
		b = g / nstripe;
		k = g % nstripe;
		base_name(src, sizeof(src), b);
		if (r < 35) {
			/* a stripe's gap block, maybe on into the next stripe: the increase merges */
			soff = 4 * k + 3;
			len = 1 + (k + 1 < nstripe ? below(4) : 0);
			sink_name(dst, sizeof(dst), s->w);
			doff = s->sink_off;
		} else if (r < 70) {
			/* a mirror's stripe replaced by another base's blocks: an unmap, a decrease
			 * of what earlier clones split or merged */
			unsigned m = below(SHARE_BASES);
			mirror_name(dst, sizeof(dst), m);
			doff = 4 * below(nstripe);
			len = 3;
			soff = 4 * k + below(2);
			if (m == b)
				base_name(src, sizeof(src), (b + 1) % SHARE_BASES);
		} else {
			/* a random range of a base appended to the sink */
			soff = below(4 * nstripe - 8);
			len = 1 + below(8);
			sink_name(dst, sizeof(dst), s->w);
			doff = s->sink_off;
		}
		if (strstr(dst, "sink"))
			s->sink_off = doff + len + below(2); /* a hole between, now and then */
	} else {
		/* a stripe's middle block (the record split at both ends: two records more in
		 * its leaf) into a hole: a 21-extent file's, else one in a sparse file's full leaf */
		g = fresh_stripe(s, &fresh_refc);
		b = g / nstripe;
		k = g % nstripe;
		base_name(src, sizeof(src), b);
		soff = 4 * k + 1;
		if (j < ns21 && (grow || below(2))) {
			s->s21_next++;
			s21_name(dst, sizeof(dst), j);
			doff = 2 * below(S21_EXTENTS - 1) + 1;
			fresh_bmbt = true;
		} else {
			doff = fresh_hole(s, &j, &fresh_bmbt);
			sparse_name(dst, sizeof(dst), j);
		}
		s->used_up = !fresh_refc && !fresh_bmbt;
	}
	return clone_op(n, src, dst, soff, len, doff);
}

int run_share(int ops, int cut, char variant)
{
	int op = 1, dfd, rc = 0;
	pid_t pid;
	struct share_worker s;

	(void)cut;
	merge_only = variant == 'm';
	grow = variant == 'g';
	unmap_only = variant == 'u';
	iroot = variant == 'i';
	ns21 = grow ? SHARE_S21_GROW : iroot ? 0 : SHARE_S21;
	nsparse_files = SHARE_SPARSE;
	leaf_refc = (blksz - 56) / 12; /* xfs_refcountbt_maxrecs (short-form CRC block, 12-byte records) */
	leaf_bmbt = (blksz - 72) / 16; /* xfs_bmbt_maxrecs (long-form CRC block, 16-byte records) */
	nstripe = (ops > 0 ? (unsigned)ops : 1000u) / SHARE_BASES;
	if (nstripe < 8)
		nstripe = 8;
	/* 10.5 bmbt leaves (5.5 at 4 KiB blocks: 251 records a leaf, the writes add up) */
	nsparse = (blksz <= 1024 ? 10 : 5) * leaf_bmbt + leaf_bmbt / 2;
	if (iroot) {
		nsparse = IROOT_RECS * leaf_bmbt;
		nsparse_files = (60u << 20) / blksz / nsparse;
		if (nsparse_files > SHARE_IROOT)
			nsparse_files = SHARE_IROOT;
		if (nsparse_files < 2)
			nsparse_files = 2;
	}
	setup(&op);
	record("op %d syncfs", op);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || syncfs(dfd) != 0)
		rc = -1;
	if (dfd >= 0)
		close(dfd);
	record("rc %d %d", op, rc);
	record("cut %d", op);
	pid = storm_cutter_ms(op, 50 + below(450));
	memset(&s, 0, sizeof(s));
	/* the workers: the parent is worker 0; each its own random sequence and op numbers */
	for (unsigned w = 1; pid > 0 && w < SHARE_WORKERS; w++) {
		if (fork() == 0) {
			s.w = w;
			break;
		}
	}
	rnd_reseed(s.w + 1);
	/* the syncfs loop (not niced) gets the CPU before the workers: the guest has one, and a
	 * checkpoint that falls while a worker waits inside its chain (a buffer lock another
	 * holds) is what leaves the chain's intents without their done items */
	if (nice(10) == -1)
		record("nice %d failed %d", (int)s.w, errno);
	for (int i = 0; pid > 0 && i < 100000; i++) {
		int n = op + 1 + (int)s.w + (int)SHARE_WORKERS * i;
		if (merge_only)
			merge_op(&s, n, (unsigned)i);
		else if (unmap_only)
			unmap_op(&s, n);
		else
			share_op(&s, n);
	}
	power_cut(); /* the child could not */
	return 0;
}
