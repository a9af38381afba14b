/*
 * The ichunkdrop workload (branch xrows8): whole inode chunks freed by the
 * mount, so that its inobt and finobt deletes join, shift and collapse
 * leaves.  OPS - 1 empty files are created in d0 and a syncfs writes them:
 * with 1 KiB blocks an inobt or finobt leaf holds 60 records and the runtime
 * splits leave them about half full, so 67 chunks make two-level trees.
 * Then, in every chunk that holds 64 of these files and is chosen to drop,
 * 63 files are unlinked for good (the chunk stays allocated: a finobt record
 * with 63 free inodes) and a syncfs; the 64th, the keeper, is unlinked and
 * held open to the cut.  At mount xfs_inactive frees each keeper, the chunk
 * is then free whole and xfs_difree_inode_chunk deletes its inobt record
 * and xfs_difree_finobt its finobt record (xfs_btree_delete: a leaf under
 * its minimum borrows from a sibling, xfs_btree_lshift / rshift, or joins
 * it, and a root left with one child is killed).  The keepers sit in one
 * or two AGI unlinked buckets (their inode numbers modulo 64 chosen so), so
 * the mount walks lists dozens of inodes long.  At most 60 chunks are
 * dropped: fsimg finishes up to 64 unlinked inodes (more stay pending).
 *   ichunkdrop   the first 60 full chunks dropped: with OPS 6500 (100
 *                chunks) the left leaves underflow and borrow from their
 *                right siblings (xfs_btree_lshift) until they join
 *   ichunkdropx  the last 60 full chunks dropped: the right leaves borrow
 *                from their left siblings (xfs_btree_rshift)
 * The full chunks not dropped lose one file each for good: their finobt
 * records stay, so the finobt's leaves borrow from them too.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

#define IDROP_FILES 9000
#define IDROP_HELD 60 /* fsimg finishes at most 64 unlinked inodes (FIN_INODES_MAX) */

static unsigned long long idrop_ino[IDROP_FILES];
static int idrop_first[IDROP_FILES / 64 + 1];

/* the files numbered 1..n-1 in chunk ch */
static int chunk_count(int n, unsigned long long ch)
{
	int c = 0;

	for (int i = 1; i < n; i++)
		c += idrop_ino[i] && idrop_ino[i] >> 6 == ch;
	return c;
}

/* files d0/c1..c(ops-1), empty, their inode numbers in idrop_ino; each op recorded when
 * rec (ichunkdrop's ops are, ichunkhold's one line says how many); returns ops */
static int create_files(int ops, int rec)
{
	char p[256], rel[64];
	int op;

	for (op = 1; op < ops; op++) {
		struct stat st;
		int fd;
		snprintf(rel, sizeof(rel), "d0/c%d", op);
		abs_path(p, sizeof(p), rel);
		if (rec)
			record("op %d create %s", op, rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
		touch(op, rel);
		if (fd >= 0 && fstat(fd, &st) == 0)
			idrop_ino[op] = (unsigned long long)st.st_ino;
		if (fd >= 0)
			close(fd);
		if (rec)
			record("rc %d %d", op, fd < 0 ? -1 : 0);
	}
	return op;
}

/* unlinks the files from..ops-1 of chunk ch but the keeper; -1 if an unlink failed */
static int drop_chunk(int from, int ops, int keeper, unsigned long long ch)
{
	char p[256], rel[64];
	int rc = 0;

	for (int j = from; j < ops; j++) {
		if (j == keeper || !idrop_ino[j] || idrop_ino[j] >> 6 != ch)
			continue;
		snprintf(rel, sizeof(rel), "d0/c%d", j);
		abs_path(p, sizeof(p), rel);
		if (unlink(p) != 0)
			rc = -1;
		idrop_ino[j] = 0;
	}
	return rc;
}

/* d0/c<i> opened and unlinked, its fd left open to the cut (the mount finds it on an AGI
 * unlinked list); -1 if either fails */
static int hold_file(int op, int i, unsigned long long ino)
{
	char p[256], rel[64];
	int fd;

	snprintf(rel, sizeof(rel), "d0/c%d", i);
	abs_path(p, sizeof(p), rel);
	if ((fd = open(p, O_RDWR)) < 0 || unlink(p) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	record("hold %d %llu %s", op, ino, rel);
	return 0;
}

int run_ichunkdrop(int ops, int cut, int some)
{
	/* the keepers' buckets: one in two rows puts them all in one bucket */
	unsigned b0 = below(64), b1 = below(2) ? b0 : below(64);
	char p[256], rel[64];
	int op, rc = 0, dfd, nheld = 0, nfull = 0;

	(void)cut;
	if (ops > IDROP_FILES)
		ops = IDROP_FILES;
	op = create_files(ops, 1);
	record("op %d ichunkdrop buckets %u %u", op, b0, b1);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || syncfs(dfd) != 0)
		rc = -1;
	/* the full chunks (all 64 inodes our files), by their first file */
	for (int i = 1; i < ops && dfd >= 0; i++) {
		unsigned long long ch = idrop_ino[i] >> 6;
		int first = idrop_ino[i] != 0;
		for (int j = 1; j < i && first; j++)
			first = idrop_ino[j] >> 6 != ch;
		if (first && chunk_count(ops, ch) == 64)
			idrop_first[nfull++] = i;
	}
	/* ichunkdrop: the first IDROP_HELD, ichunkdropx: the last */
	for (int k = some && nfull > IDROP_HELD ? nfull - IDROP_HELD : 0; k < nfull && nheld < IDROP_HELD; k++) {
		int i = idrop_first[k], keeper = 0;
		unsigned long long ch = idrop_ino[i] >> 6;
		/* the keeper: the chunk's file in bucket b0 or b1 (a chunk holds one of each) */
		for (int j = i; j < ops && !keeper; j++)
			if (idrop_ino[j] >> 6 == ch && idrop_ino[j] % 64 == (ch & 1 ? b1 : b0))
				keeper = j;
		if (!keeper)
			continue;
		record("drop %d chunk %llu keeper c%d", op, ch, keeper);
		if (drop_chunk(i, ops, keeper, ch))
			rc = -1;
		idrop_ino[keeper] |= 1ull << 63; /* kept for the hold below */
		nheld++;
	}
	/* the full chunks not dropped lose one file each: finobt records that stay, siblings the
	 * dropped chunks' finobt leaves borrow from */
	for (int k = 0; k < nfull && dfd >= 0; k++) {
		int i = idrop_first[k];
		if (!idrop_ino[i] || idrop_ino[i] >> 63)
			continue;
		snprintf(rel, sizeof(rel), "d0/c%d", i);
		abs_path(p, sizeof(p), rel);
		record("lend %d %s %d", op, rel, unlink(p));
		idrop_ino[i] = 0;
	}
	if (dfd >= 0 && syncfs(dfd) != 0)
		rc = -1;
	nheld = 0;
	for (int i = 1; i < ops && dfd >= 0; i++) {
		if (!(idrop_ino[i] >> 63))
			continue;
		if (hold_file(op, i, idrop_ino[i] & ~(1ull << 63)))
			rc = -1;
		else
			nheld++;
	}
	record("ichunkdrop %d held %d", op, nheld);
	return syncfs_cut(op, dfd, rc);
}

/*
 * The ichunkhold workload (branch xnoticed): a force of the mount's finish
 * after whole inode chunks are freed, in the same checkpoint.  OPS - 1 empty
 * files in d0 and a syncfs; in up to IHOLD_CHUNKS full chunks 63 files are
 * unlinked for good and a syncfs; then IHOLD_SPARSE files in d0 written
 * with O_DIRECT one block every 2-5 blocks (hundreds of extents: a bmbt
 * fork, as holdmix's sparse files), fsync'd, unlinked and held open; last
 * the chunks' keepers, each its chunk's first inode (AGI bucket 0),
 * unlinked and held open: the mount walks bucket 0 first and its chain from
 * the last unlinked, so it frees the chunks (xfs_ifree_cluster invalidates
 * their clusters) before the sparse files' truncates, whose busy blocks
 * coming back through the AGFL force the log with the clusters in the
 * checkpoint (1 KiB blocks and the rmapbt make such forces likely).
 */
#define IHOLD_CHUNKS 3
#define IHOLD_SPARSE 12

int run_ichunkhold(int ops, int cut)
{
	int keeper[IHOLD_CHUNKS], nkeep = 0, op, rc = 0, dfd;
	char p[256], rel[64];

	(void)cut;
	if (ops > IDROP_FILES)
		ops = IDROP_FILES;
	op = create_files(ops, 0);
	record("op %d ichunkhold created %d", op, ops - 1);
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || syncfs(dfd) != 0)
		rc = -1;
	/* full chunks whose first inode is one of our files: that file the keeper */
	for (int i = 1; i < ops && nkeep < IHOLD_CHUNKS && dfd >= 0; i++) {
		unsigned long long ch = idrop_ino[i] >> 6;
		if (!idrop_ino[i] || idrop_ino[i] % 64 || chunk_count(ops, ch) != 64)
			continue;
		record("drop %d chunk %llu keeper c%d", op, ch, i);
		if (drop_chunk(1, ops, i, ch))
			rc = -1;
		keeper[nkeep++] = i;
	}
	if (dfd >= 0 && syncfs(dfd) != 0)
		rc = -1;
	for (int s = 0; s < IHOLD_SPARSE && dfd >= 0; s++, op++) {
		unsigned nb = 100 + below(331), stride = 2 + below(4);
		int fd;
		snprintf(rel, sizeof(rel), "d0/s%d", s);
		abs_path(p, sizeof(p), rel);
		record("op %d ichunkhold sparse %s %u %u", op, rel, nb, stride);
		touch(op, rel);
		if ((fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644)) < 0) {
			rc = -1;
			continue;
		}
		for (unsigned b = 0; b < nb && rc == 0; b++) {
			fill(blksz);
			if (pwrite(fd, buf, blksz, (off_t)b * stride * blksz) != (ssize_t)blksz)
				rc = -1;
		}
		if (fsync(fd) != 0 || unlink(p) != 0)
			rc = -1;
		/* fd stays open to the cut */
	}
	for (int k = 0; k < nkeep && dfd >= 0; k++) {
		if (hold_file(op, keeper[k], idrop_ino[keeper[k]]))
			rc = -1;
	}
	record("ichunkhold %d chunks %d", op, nkeep);
	return syncfs_cut(op, dfd, rc);
}
