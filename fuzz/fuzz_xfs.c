/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the XFS backend (libfsimg/xfs, reached directly until the
 * neutral front exists): open, every AG's headers and secondary superblock,
 * then every allocated inode from the inode btrees: its forks through the
 * mapping iterator, its directory entries, attributes, file data and
 * symlink target; a few path lookups. FUZZ_OPT_EXTRA reads files raw.
 * The option byte's checksum bit is ext4's (fixcsum.c) and does nothing
 * useful here; XFS CRC mismatches are findings the reader goes past.
 */
#include "fuzz.h"
#include "xfs/xfs.h"

#include <sys/stat.h>

struct fz {
	xfs_fs *fs;
	unsigned opts;
	uint64_t inodes, budget;
};

static int fz_attr(void *ctx, const struct xfs_attr *a)
{
	(void)ctx;
	fuzz_use(a->name, a->namelen);
	if (a->valuelen)
		fuzz_use(a->value, a->valuelen);
	return 0;
}

static void fz_file(struct fz *z, const struct xfs_inode *ip)
{
	static uint8_t buf[65536];
	xfs_file *f;
	uint64_t off = 0;
	int64_t got;

	if (xfs_file_open(&f, z->fs, ip, (z->opts & FUZZ_OPT_EXTRA) ? XFS_READ_RAW : 0))
		return;
	/* an odd length so reads straddle block ends */
	while (z->budget && (got = xfs_file_read(f, buf, sizeof(buf) - 1, off)) > 0) {
		fuzz_use(buf, (size_t)got);
		off += (uint64_t)got;
		z->budget = (uint64_t)got >= z->budget ? 0 : z->budget - (uint64_t)got;
	}
	(void)xfs_file_read(f, buf, 16, ip->size + 12345);
	(void)xfs_file_read(f, buf, 16, UINT64_MAX - 8);
	xfs_file_close(f);
}

static int fz_inode(void *ctx, uint64_t ino)
{
	struct fz *z = ctx;
	struct xfs_inode ip;

	if (++z->inodes > FUZZ_MAX_INODES)
		return 1;
	if (xfs_inode_read(&ip, z->fs, ino) == 0) {
		for (int fork = XFS_DATA_FORK; fork <= XFS_COW_FORK; fork++) {
			struct xfs_run r;
			unsigned n = 0;
			xfs_map *m;

			if (xfs_map_open(&m, z->fs, &ip, fork, XFS_MAP_TREE))
				continue;
			while (n++ < FUZZ_MAX_RUNS && xfs_map_next(m, &r) > 0)
				fuzz_use(&r, sizeof(r));
			xfs_map_close(m);
		}
		if (S_ISDIR(ip.mode)) {
			struct xfs_dirent e;
			unsigned n = 0;
			xfs_dir *d;

			if (!xfs_dir_open(&d, z->fs, &ip)) {
				while (n++ < FUZZ_MAX_DIRENTS && xfs_dir_next(d, &e) > 0)
					fuzz_use(e.name, e.namelen);
				xfs_dir_close(d);
			}
		} else if (S_ISLNK(ip.mode)) {
			char target[XFS_SYMLINK_MAXLEN + 1];

			(void)xfs_symlink_read(target, sizeof(target), z->fs, &ip);
		} else if (S_ISREG(ip.mode)) {
			fz_file(z, &ip);
		} else if (S_ISCHR(ip.mode) || S_ISBLK(ip.mode)) {
			uint32_t major, minor;

			xfs_inode_rdev(&major, &minor, z->fs, &ip);
		}
		(void)xfs_attr_walk(z->fs, &ip, fz_attr, z);
	}
	xfs_inode_release(&ip);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct fz z = { .budget = FUZZ_MAX_READ };
	const char *names[40];
	xfs_fs *fs;
	uint64_t ino;

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	z.opts = in.opts;
	if (xfs_fs_open(&fs, in.io) == 0) {
		z.fs = fs;
		(void)xfs_sb_features(names, 40, &fs->sb);
		for (uint32_t agno = 0; agno < fs->sb.agcount && agno < 64; agno++) {
			struct xfs_sb sb;
			struct xfs_agf_info agf;
			struct xfs_agi_info agi;
			uint32_t fl[64];

			(void)xfs_sb_read_ag(&sb, fs, agno);
			(void)xfs_agf_read(&agf, fs, agno);
			(void)xfs_agi_read(&agi, fs, agno);
			(void)xfs_agfl_read(fl, 64, fs, agno);
		}
		(void)xfs_inode_walk(fs, fz_inode, &z);
		(void)xfs_path_lookup(&ino, fs, "/a/b/c");
		(void)xfs_path_lookup(&ino, fs, "/lost+found");
	}
	xfs_fs_close(fs);
	fuzz_input_close(&in);
	return 0;
}
