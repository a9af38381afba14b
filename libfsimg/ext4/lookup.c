/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution on ext2/3/4: fs/path.h's walk (the rules are there) over
 * ext4's directory lookup (htree or linear), inodes and symlinks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"
#include "fs/path.h"

struct walk_ctx {
	struct fsimg_fs *fs;
	struct fsimg_inode inode;     /* the last inode ftype read: readlink's */
};

static int walk_dir_lookup(void *c, uint64_t *out, uint64_t dir, const char *name, size_t len)
{
	struct walk_ctx *w = c;
	fsimg_ino_t next;
	int err = fsimg_dir_lookup(&next, w->fs, (fsimg_ino_t)dir, name, len);

	if (err == 0)
		*out = next;
	return err;
}

static int walk_ftype(void *c, uint64_t ino)
{
	struct walk_ctx *w = c;
	int err = fsimg_inode_read(&w->inode, w->fs, (fsimg_ino_t)ino);

	return err < 0 ? err : (int)fsimg_mode_ftype(w->inode.mode);
}

static int walk_readlink(void *c, char *buf, size_t buflen, uint64_t ino)
{
	struct walk_ctx *w = c;

	(void)ino; /* ftype read it just before */
	return fsimg_symlink_read(buf, buflen, w->fs, &w->inode);
}

static int walk_ino_ok(void *c, const char *path, uint64_t ino)
{
	struct walk_ctx *w = c;

	if (ino > UINT32_MAX)
		return fs_error(w->fs, FSIMG_ERANGE, "'%s': inode number out of range", path);
	if (!fs_ino_ok(w->fs, (fsimg_ino_t)ino))
		return fs_error(w->fs, FSIMG_ERANGE, "'%s': inode %llu out of range (1..%u)", path,
				(unsigned long long)ino, w->fs->sb.inodes_count);
	return 0;
}

int fsimg_path_lookup(fsimg_ino_t *out, fsimg_fs *fs, const char *path)
{
	struct path_ops ops = { walk_dir_lookup, walk_ftype, walk_readlink, 0 };
	struct walk_ctx w;
	uint64_t ino;
	int err;

	if (!out || !fs || !path)
		return FSIMG_EINVAL;
	*out = 0;
	w.fs = fs;
	ops.link_max = (size_t)fs->block_size + 1;
	err = path_walk(&ino, fs, &ops, &w, EXT4_ROOT_INO, path, walk_ino_ok);
	if (err == 0)
		*out = (fsimg_ino_t)ino;
	return err;
}
