/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xfsdump: a test program over the XFS backend's internal interface (no
 * front yet). Output is shaped like xfs_db's where xfs_db is the oracle.
 *
 *   xfsdump IMAGE info           superblock fields as xfs_db "sb 0" "print"; "# " lines are ours
 *   xfsdump IMAGE ls             every path from the root: path ino type mode links size
 *   xfsdump IMAGE cat PATH       file bytes (symlink: its target)
 *   xfsdump IMAGE extract DIR    directories, files and symlinks written under DIR
 *   xfsdump IMAGE inodes         every allocated inode number
 *   xfsdump IMAGE bmap           per inode: "inode N", then xfs_db bmap / bmap -a lines
 *   xfsdump IMAGE runs PATH...   the mapping iterator's runs, every fork
 *   xfsdump IMAGE attr PATH      attributes: namespace name valuelen remote
 *   xfsdump IMAGE getattr PATH NAME   one attribute's value bytes
 *   xfsdump IMAGE form PATH      a directory's form
 *   xfsdump IMAGE ags            AG headers and secondary superblocks
 *   xfsdump IMAGE walk           every inode: forks, dirs, attrs, file data, symlinks
 *
 * Exit 0, or 8 with one line on stderr. Findings go to stderr as "finding: ...".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xfs/xfs.h"

static int quiet_findings;
static const char *extract_root; /* "extract DIR": ls also writes the tree there */
static int cat_inode(xfs_fs *fs, struct xfs_inode *ip, FILE *out);

static void notice(void *ctx, int err, const char *msg)
{
	(void)ctx;
	(void)err;
	if (!quiet_findings)
		fprintf(stderr, "finding: %s\n", msg);
}

static int fail(xfs_fs *fs, int err)
{
	fprintf(stderr, "xfsdump: %s (%s)\n", fs ? fs->errmsg : "", fsimg_strerror(err));
	return 8;
}

static void uuid_str(char *s, const uint8_t *u)
{
	sprintf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int cmd_info(xfs_fs *fs)
{
	const struct xfs_sb *sb = &fs->sb;
	const char *names[40];
	char u[40];
	size_t n;
	uint64_t log;
	uint32_t logblocks;

	printf("magicnum = %#x\nblocksize = %u\ndblocks = %" PRIu64 "\nrblocks = %" PRIu64
	       "\nrextents = %" PRIu64 "\n",
	       sb->magicnum, sb->blocksize, sb->dblocks, sb->rblocks, sb->rextents);
	uuid_str(u, sb->uuid);
	printf("uuid = %s\nlogstart = %" PRIu64 "\nrootino = %" PRIu64 "\n", u, sb->logstart, sb->rootino);
	printf("rextsize = %u\nagblocks = %u\nagcount = %u\nrbmblocks = %u\nlogblocks = %u\n",
	       sb->rextsize, sb->agblocks, sb->agcount, sb->rbmblocks, sb->logblocks);
	printf("versionnum = %#x\nsectsize = %u\ninodesize = %u\ninopblock = %u\n", sb->versionnum,
	       sb->sectsize, sb->inodesize, sb->inopblock);
	printf("blocklog = %u\nsectlog = %u\ninodelog = %u\ninopblog = %u\nagblklog = %u\n",
	       sb->blocklog, sb->sectlog, sb->inodelog, sb->inopblog, sb->agblklog);
	printf("imax_pct = %u\nicount = %" PRIu64 "\nifree = %" PRIu64 "\nfdblocks = %" PRIu64 "\n",
	       sb->imax_pct, sb->icount, sb->ifree, sb->fdblocks);
	printf("inoalignmt = %u\nunit = %u\nwidth = %u\ndirblklog = %u\nlogsunit = %u\n",
	       sb->inoalignmt, sb->unit, sb->width, sb->dirblklog, sb->logsunit);
	printf("features2 = %#x\nfeatures_ro_compat = %#x\nfeatures_incompat = %#x\n", sb->features2,
	       sb->features_ro_compat, sb->features_incompat);
	if (fs->v5)
		printf("spino_align = %u\n", sb->spino_align);
	n = xfs_sb_features(names, 40, sb);
	printf("# features:");
	for (size_t i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n# label: \"%s\"\n", sb->fname);
	printf("# dirblksize: %u\n", fs->dirblksize);
	if (xfs_log_internal(fs, &log, &logblocks))
		printf("# log: internal at linear block %" PRIu64 ", %u blocks\n", log, logblocks);
	else
		printf("# log: external, %u blocks\n", logblocks);
	printf("# realtime: %s\n", xfs_has_realtime(fs) ? "present (not read)" : "none");
	return 0;
}

static char type_char(uint16_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

/* Writes directories, regular files and symlinks under extract_root. */
static void extract(xfs_fs *fs, struct xfs_inode *ip, const char *path)
{
	char *dst;
	FILE *f;

	if (asprintf(&dst, "%s%s", extract_root, path) < 0)
		return;
	if (S_ISDIR(ip->mode)) {
		mkdir(dst, 0755);
	} else if (S_ISLNK(ip->mode)) {
		char target[XFS_SYMLINK_MAXLEN + 1];

		if (xfs_symlink_read(target, sizeof(target), fs, ip) >= 0)
			symlink(target, dst);
		else
			fprintf(stderr, "xfsdump: %s: %s\n", path, fs->errmsg);
	} else if (S_ISREG(ip->mode) && (f = fopen(dst, "w"))) {
		if (cat_inode(fs, ip, f))
			fprintf(stderr, "xfsdump: %s: %s\n", path, fs->errmsg);
		fclose(f);
	}
	free(dst);
}

/* ls -R: depth-first, entries in directory order, bounded depth. */
static int ls_dir(xfs_fs *fs, uint64_t ino, const char *path, unsigned depth)
{
	struct xfs_inode dip;
	struct xfs_dirent ent;
	xfs_dir *d;
	int ret;

	if (depth > 256)
		return xfs_error(fs, FSIMG_ELOOP, "%s: too deep", path);
	ret = xfs_inode_read(&dip, fs, ino);
	if (!ret)
		ret = xfs_dir_open(&d, fs, &dip);
	if (ret) {
		xfs_inode_release(&dip);
		return ret;
	}
	while ((ret = xfs_dir_next(d, &ent)) > 0) {
		struct xfs_inode ip;
		char *sub;

		if (!strcmp(ent.name, ".") || !strcmp(ent.name, ".."))
			continue;
		if (xfs_inode_read(&ip, fs, ent.ino)) {
			fprintf(stderr, "xfsdump: %s\n", fs->errmsg);
			xfs_inode_release(&ip);
			continue;
		}
		if (asprintf(&sub, "%s/%s", path, ent.name) < 0) {
			xfs_inode_release(&ip);
			ret = FSIMG_ENOMEM;
			break;
		}
		if (extract_root) {
			extract(fs, &ip, sub);
		} else if (S_ISCHR(ip.mode) || S_ISBLK(ip.mode)) {
			uint32_t major, minor;

			xfs_inode_rdev(&major, &minor, fs, &ip);
			printf("%s %" PRIu64 " %c %04o %u %" PRIu64 " %u,%u\n", sub, ent.ino,
			       type_char(ip.mode), ip.mode & 07777, ip.nlink, ip.size, major, minor);
		} else {
			printf("%s %" PRIu64 " %c %04o %u %" PRIu64 "\n", sub, ent.ino, type_char(ip.mode),
			       ip.mode & 07777, ip.nlink, ip.size);
		}
		if (S_ISDIR(ip.mode)) {
			ret = ls_dir(fs, ent.ino, sub, depth + 1);
			if (ret)
				fprintf(stderr, "xfsdump: %s\n", fs->errmsg);
			ret = 0;
		}
		xfs_inode_release(&ip);
		free(sub);
	}
	xfs_dir_close(d);
	xfs_inode_release(&dip);
	return ret < 0 ? ret : 0;
}

static int open_path(struct xfs_inode *ip, xfs_fs *fs, const char *path)
{
	uint64_t ino;
	int ret;

	if (path[0] == '#')
		ino = strtoull(path + 1, NULL, 0);
	else if ((ret = xfs_path_lookup(&ino, fs, path)))
		return ret;
	return xfs_inode_read(ip, fs, ino);
}

static int cat_inode(xfs_fs *fs, struct xfs_inode *ip, FILE *out)
{
	static char buf[1 << 20];
	xfs_file *f;
	uint64_t off = 0;
	int64_t n;
	int ret;

	if (S_ISLNK(ip->mode)) {
		char target[XFS_SYMLINK_MAXLEN + 1];

		ret = xfs_symlink_read(target, sizeof(target), fs, ip);
		if (ret < 0)
			return ret;
		if (out)
			fwrite(target, 1, (size_t)ret, out);
		return 0;
	}
	ret = xfs_file_open(&f, fs, ip, 0);
	if (ret)
		return ret;
	while ((n = xfs_file_read(f, buf, sizeof(buf), off)) > 0) {
		if (out)
			fwrite(buf, 1, (size_t)n, out);
		off += (uint64_t)n;
	}
	xfs_file_close(f);
	return n < 0 ? (int)n : 0;
}

static int bmap_inode(void *ctx, uint64_t ino)
{
	xfs_fs *fs = ctx;
	struct xfs_inode ip;
	int ret = xfs_inode_read(&ip, fs, ino);

	printf("inode %" PRIu64 "\n", ino);
	for (int fork = XFS_DATA_FORK; !ret && fork <= XFS_ATTR_FORK; fork++) {
		struct xfs_bmap bm;

		ret = xfs_bmap_load(&bm, fs, &ip, fork);
		for (size_t i = 0; !ret && i < bm.n; i++) {
			const struct xfs_irec *r = &bm.rec[i];

			printf("%s offset %" PRIu64 " startblock %" PRIu64 " (%u/%u) count %u flag %d\n",
			       fork ? "attr" : "data", r->startoff, r->startblock,
			       xfs_fsb_agno(fs, r->startblock), xfs_fsb_agbno(fs, r->startblock),
			       r->blockcount, r->unwritten);
		}
		xfs_bmap_free(&bm);
	}
	if (ret)
		fprintf(stderr, "xfsdump: %s\n", fs->errmsg);
	xfs_inode_release(&ip);
	return 0;
}

static int print_ino(void *ctx, uint64_t ino)
{
	(void)ctx;
	printf("%" PRIu64 "\n", ino);
	return 0;
}

static int cmd_runs(xfs_fs *fs, struct xfs_inode *ip)
{
	static const char *const types[] = { "hole", "unwritten", "mapped", "inline", "meta" };

	for (int fork = XFS_DATA_FORK; fork <= XFS_COW_FORK; fork++) {
		struct xfs_run r;
		xfs_map *m;
		int ret = xfs_map_open(&m, fs, ip, fork, XFS_MAP_TREE);

		if (ret)
			return ret;
		while ((ret = xfs_map_next(m, &r)) > 0)
			printf("%" PRIu64 " %s %s logical %" PRIu64 " length %" PRIu64 " physical %" PRIu64
			       " fsb %" PRIu64 " agno %u agbno %u%s%s\n",
			       ip->ino, fork == XFS_DATA_FORK ? "data" : fork == XFS_ATTR_FORK ? "attr" : "cow",
			       types[r.type], r.logical, r.length, r.physical, r.fsb, r.agno, r.agbno,
			       r.flags & FSIMG_RUN_BEYOND_EOF ? " beyond_eof" : "",
			       r.flags & FSIMG_RUN_LAST ? " last" : "");
		xfs_map_close(m);
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct getattr {
	const char *name;
	int found;
};

static int print_attr(void *ctx, const struct xfs_attr *a)
{
	struct getattr *g = ctx;

	if (!g) {
		printf("%s %s %u %s\n", xfs_attr_namespace(a->flags), a->name, a->valuelen,
		       a->remote ? "remote" : "local");
		return 0;
	}
	if (!strcmp(g->name, a->name)) {
		fwrite(a->value, 1, a->valuelen, stdout);
		g->found = 1;
		return 1;
	}
	return 0;
}

static int cmd_ags(xfs_fs *fs)
{
	for (uint32_t agno = 0; agno < fs->sb.agcount; agno++) {
		struct xfs_agf_info agf;
		struct xfs_agi_info agi;
		struct xfs_sb sb;
		uint32_t fl[128];
		int n;

		if (xfs_sb_read_ag(&sb, fs, agno) || xfs_agf_read(&agf, fs, agno) ||
		    xfs_agi_read(&agi, fs, agno))
			return FSIMG_ECORRUPT;
		n = xfs_agfl_read(fl, 128, fs, agno);
		if (n < 0)
			return n;
		printf("ag %u length %u freeblks %u longest %u flcount %u agfl %d count %u freecount %u "
		       "root %u level %u\n",
		       agno, agf.length, agf.freeblks, agf.longest, agf.flcount, n, agi.count,
		       agi.freecount, agi.root, agi.level);
	}
	return 0;
}

/* walk: everything a reader can touch, for bad input and fuzzing. */
struct walkstat {
	xfs_fs *fs;
	uint64_t inodes, bad, bytes;
};

static int count_attr(void *ctx, const struct xfs_attr *a)
{
	(void)a;
	((struct walkstat *)ctx)->bytes++;
	return 0;
}

static int walk_inode(void *ctx, uint64_t ino)
{
	struct walkstat *w = ctx;
	xfs_fs *fs = w->fs;
	struct xfs_inode ip;
	int ret;

	w->inodes++;
	ret = xfs_inode_read(&ip, fs, ino);
	if (!ret) {
		for (int fork = XFS_DATA_FORK; fork <= XFS_COW_FORK; fork++) {
			xfs_map *m;
			struct xfs_run r;

			if (!xfs_map_open(&m, fs, &ip, fork, XFS_MAP_TREE)) {
				while (xfs_map_next(m, &r) > 0)
					;
				xfs_map_close(m);
			}
		}
		if (S_ISDIR(ip.mode)) {
			xfs_dir *d;
			struct xfs_dirent ent;

			if (!xfs_dir_open(&d, fs, &ip)) {
				while (xfs_dir_next(d, &ent) > 0)
					;
				xfs_dir_close(d);
			}
		} else if (S_ISREG(ip.mode) || S_ISLNK(ip.mode)) {
			ret = cat_inode(fs, &ip, NULL);
		}
		xfs_attr_walk(fs, &ip, count_attr, w);
	}
	if (ret)
		w->bad++;
	xfs_inode_release(&ip);
	return 0;
}

int main(int argc, char **argv)
{
	fsimg_io *io;
	xfs_fs *fs;
	struct xfs_inode ip;
	const char *cmd;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: xfsdump IMAGE info|ls|cat|inodes|bmap|runs|attr|getattr|form|ags|walk [ARGS]\n");
		return 16;
	}
	cmd = argv[2];
	quiet_findings = getenv("XFSDUMP_QUIET") != NULL;
	ret = fsimg_io_open_file(&io, argv[1]);
	if (ret) {
		fprintf(stderr, "xfsdump: %s: %s\n", argv[1], fsimg_strerror(ret));
		return 8;
	}
	ret = xfs_fs_open(&fs, io);
	if (ret) {
		ret = fail(fs, ret);
		goto out;
	}
	xfs_fs_set_notice(fs, notice, NULL);
	if (!strcmp(cmd, "info")) {
		ret = cmd_info(fs);
	} else if (!strcmp(cmd, "extract") && argc == 4) {
		extract_root = argv[3];
		ret = ls_dir(fs, fs->sb.rootino, "", 0);
	} else if (!strcmp(cmd, "ls")) {
		ret = ls_dir(fs, fs->sb.rootino, "", 0);
	} else if (!strcmp(cmd, "inodes")) {
		ret = xfs_inode_walk(fs, print_ino, NULL);
	} else if (!strcmp(cmd, "bmap")) {
		ret = xfs_inode_walk(fs, bmap_inode, fs);
	} else if (!strcmp(cmd, "ags")) {
		ret = cmd_ags(fs);
	} else if (!strcmp(cmd, "walk")) {
		struct walkstat w = { .fs = fs };

		ret = xfs_inode_walk(fs, walk_inode, &w);
		printf("inodes %" PRIu64 " unreadable %" PRIu64 " findings %" PRIu64 "\n", w.inodes, w.bad,
		       fs->findings);
	} else if (argc >= 4 && (!strcmp(cmd, "cat") || !strcmp(cmd, "attr") ||
				 !strcmp(cmd, "form") || !strcmp(cmd, "runs") ||
				 (!strcmp(cmd, "getattr") && argc == 5))) {
		for (int i = 3; i < argc && !ret; i++) {
			ret = open_path(&ip, fs, argv[i]);
			if (ret) {
				xfs_inode_release(&ip);
				break;
			}
			if (!strcmp(cmd, "cat")) {
				ret = cat_inode(fs, &ip, stdout);
				i = argc;
			} else if (!strcmp(cmd, "attr")) {
				ret = xfs_attr_walk(fs, &ip, print_attr, NULL);
			} else if (!strcmp(cmd, "getattr")) {
				struct getattr g = { argv[4], 0 };

				ret = xfs_attr_walk(fs, &ip, print_attr, &g);
				ret = ret < 0 ? ret : g.found ? 0 : xfs_error(fs, FSIMG_ENOENT, "no attribute %s", argv[4]);
				i = argc;
			} else if (!strcmp(cmd, "form")) {
				xfs_dir *d;

				ret = xfs_dir_open(&d, fs, &ip);
				if (!ret)
					printf("%s %s\n", argv[i], xfs_dir_form_name(xfs_dir_form(d)));
				xfs_dir_close(d);
			} else {
				ret = cmd_runs(fs, &ip);
			}
			xfs_inode_release(&ip);
		}
	} else {
		fprintf(stderr, "xfsdump: unknown command %s\n", cmd);
		ret = 16;
		goto out;
	}
	if (ret < 0)
		ret = fail(fs, ret);
out:
	xfs_fs_close(fs);
	fsimg_io_close(io);
	return ret;
}
