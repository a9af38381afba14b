/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution shared by the backends: "/a/b/c" from the root (a
 * relative path too: there is no current directory), "#N" or "<N>"
 * (debugfs' spelling) for inode N, either optionally followed by "/rest"
 * resolved from that inode. Each component is looked up in its directory's
 * own entries, "." and ".." included. A symlink met before the last
 * component is followed (relative to its directory, or from the root when
 * absolute), at most PATH_MAX_SYMLINK_FOLLOW times; the last component is
 * not followed unless a slash comes after it (POSIX). The backend gives
 * the three questions a walk asks; errors go to the handle (fs_error).
 */
#ifndef FSIMG_FS_PATH_H
#define FSIMG_FS_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "fs/front.h"

#define PATH_MAX_SYMLINK_FOLLOW 40   /* Linux's MAXSYMLINKS */
#define PATH_MAX_DEPTH 4096          /* components walked, symlinks' included */

struct path_ops {
	/* name in directory dir: 0 and *out, FSIMG_ENOENT, FSIMG_ENOTDIR (dir is none), <0 */
	int (*dir_lookup)(void *ctx, uint64_t *out, uint64_t dir, const char *name, size_t len);
	/* The type of inode ino (enum fsimg_ftype), or <0 with the handle's message set. */
	int (*ftype)(void *ctx, uint64_t ino);
	/* A symlink's target, NUL-terminated in buf[0..buflen): its length, or <0. */
	int (*readlink)(void *ctx, char *buf, size_t buflen, uint64_t ino);
	size_t link_max;                 /* buffer for a target: its longest + 1 */
};

/*
 * "#N" / "<N>" at path[0]: the number (at most max) and where the rest
 * starts. 0, or FSIMG_EINVAL / FSIMG_ERANGE with the handle's message set.
 * The backend checks that the inode exists.
 */
FSIMG_HIDDEN int path_parse_ino(fsimg_fs *fs, const char *path, uint64_t max, uint64_t *ino,
				const char **rest);

/* Walks path from root (or from "#N"'s inode, checked by ino_ok when not NULL). */
FSIMG_HIDDEN int path_walk(uint64_t *out, fsimg_fs *fs, const struct path_ops *ops, void *ctx,
			   uint64_t root, const char *path,
			   int (*ino_ok)(void *ctx, const char *path, uint64_t ino));

#endif /* FSIMG_FS_PATH_H */
