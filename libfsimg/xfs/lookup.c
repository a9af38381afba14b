/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution on XFS: fs/path.h's walk (the rules, the symlink bound:
 * as on ext4) over XFS's directories, inodes and symlinks.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fs/path.h"
#include "xfs/xfs.h"

struct walk_ctx {
	fsimg_fs *fs;                /* NULL: messages stay in x->errmsg */
	xfs_fs *x;
	struct xfs_inode ip;         /* the last inode ftype read: readlink's */
	bool have_ip;
};

/* The backend's message becomes the handle's. */
static int walk_err(struct walk_ctx *w, int err)
{
	return w->fs ? fs_error(w->fs, err, "%s", w->x->errmsg[0] ? w->x->errmsg : fsimg_strerror(err))
		     : err;
}

static void walk_release(struct walk_ctx *w)
{
	if (w->have_ip)
		xfs_inode_release(&w->ip);
	w->have_ip = false;
}

/* Reads ino into w->ip (the previous one released). */
static int walk_read(struct walk_ctx *w, uint64_t ino)
{
	int err;

	walk_release(w);
	if (!xfs_ino_ok(w->x, ino))
		return xfs_error(w->x, FSIMG_ERANGE, "inode %llu is not a valid inode number",
				 (unsigned long long)ino);
	err = xfs_inode_read(&w->ip, w->x, ino);
	if (err < 0) {
		xfs_inode_release(&w->ip); /* a failed read may hold the raw bytes */
		return err;
	}
	w->have_ip = true;
	return 0;
}

static int walk_dir_lookup(void *c, uint64_t *out, uint64_t dir, const char *name, size_t len)
{
	struct walk_ctx *w = c;
	int err = walk_read(w, dir);

	if (err < 0)
		return walk_err(w, err);
	if ((w->ip.mode & 0170000) != 0040000)
		return FSIMG_ENOTDIR;
	err = xfs_dir_lookup(out, w->x, &w->ip, name, len);
	return err == FSIMG_ENOENT || err == 0 ? err : walk_err(w, err);
}

static int walk_ftype(void *c, uint64_t ino)
{
	struct walk_ctx *w = c;
	int err = walk_read(w, ino);

	return err < 0 ? walk_err(w, err) : (int)fsimg_mode_ftype(w->ip.mode);
}

static int walk_readlink(void *c, char *buf, size_t buflen, uint64_t ino)
{
	struct walk_ctx *w = c;
	int n;

	(void)ino; /* ftype read it just before */
	n = xfs_symlink_read(buf, buflen, w->x, &w->ip);
	return n < 0 ? walk_err(w, n) : n;
}

static int walk_ino_ok(void *c, const char *path, uint64_t ino)
{
	struct walk_ctx *w = c;

	if (xfs_ino_ok(w->x, ino))
		return 0;
	if (w->fs)
		return fs_error(w->fs, FSIMG_ENOENT, "%s: no such inode", path);
	return xfs_error(w->x, FSIMG_ENOENT, "%s: no such inode", path);
}

int xfs_lookup(uint64_t *out, fsimg_fs *fs, xfs_fs *x, const char *path)
{
	const struct path_ops ops = { walk_dir_lookup, walk_ftype, walk_readlink,
				      XFS_SYMLINK_MAXLEN + 1 };
	struct walk_ctx w = { fs, x, { 0 }, false };
	int err;

	x->errmsg[0] = '\0';
	err = path_walk(out, fs, &ops, &w, x->sb.rootino, path, walk_ino_ok);
	walk_release(&w);
	if (err < 0 && !fs && !x->errmsg[0])
		xfs_error(x, err, "%s: %s", path, fsimg_strerror(err));
	return err;
}

int xfs_path_lookup(uint64_t *ino, xfs_fs *fs, const char *path)
{
	return xfs_lookup(ino, NULL, fs, path);
}
