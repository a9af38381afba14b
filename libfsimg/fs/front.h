/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The front: fsimg_fs_open probes, picks a backend and dispatches every
 * neutral call of fsimg/fsimg.h through the backend's ops table. A backend
 * is a folder (ext4/, xfs/) that fills one struct fsimg_backend and adds
 * itself to the table in fs/front.c; nothing in src/ changes when one is
 * added.
 *
 * The handle: every backend's fsimg_fs is a struct fsimg_fs whose head
 * (be, be_priv, io, flags, errmsg, notice, csum_errors) the front owns;
 * front_fs_alloc makes one for a backend that keeps its state elsewhere
 * (be_priv). The iterator handles a backend returns (fsimg_map, fsimg_file,
 * fsimg_readdir, fsimg_inodes) are the backend's own structs, each starting
 * with its fsimg_fs pointer: that is how the front finds the ops of a
 * handle it is given.
 */
#ifndef FSIMG_FS_FRONT_H
#define FSIMG_FS_FRONT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"

#ifndef FSIMG_HIDDEN
#define FSIMG_HIDDEN __attribute__((visibility("hidden")))
#endif

struct fsimg_backend {
	const char *name;            /* "ext4", "xfs" */
	/* Does io hold this backend's magic? 1 yes, 0 no; reads only what it needs. */
	int (*match)(fsimg_io *io);
	/* fsimg_probe's name for what io holds when it is this backend's ("ext3", "jbd"), or NULL. */
	const char *(*probe_name)(fsimg_io *io);
	/* Opens; on failure nothing is left and errbuf says why. Sets (*out)->be itself or not: the front does. */
	int (*open)(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf, size_t errlen);
	/*
	 * May be NULL. When no backend's magic is where it belongs: open from a
	 * copy found elsewhere (ext4's backup superblocks, as e2fsck does).
	 */
	int (*rescue)(fsimg_fs **out, fsimg_io *io, unsigned flags);
	void (*close)(fsimg_fs *fs);  /* frees the handle too */

	int (*info)(struct fsimg_fs_info *out, fsimg_fs *fs);
	const char *(*type)(const fsimg_fs *fs);
	int (*has_feature)(const fsimg_fs *fs, const char *name);

	int (*stat)(struct fsimg_stat *out, fsimg_fs *fs, fsimg_inum_t ino);
	int (*readlink)(char *buf, size_t buflen, fsimg_fs *fs, fsimg_inum_t ino);
	int (*lookup)(fsimg_inum_t *out, fsimg_fs *fs, const char *path);

	int (*inodes_open)(fsimg_inodes **out, fsimg_fs *fs);
	int (*inodes_next)(fsimg_inodes *it, fsimg_inum_t *ino);
	void (*inodes_close)(fsimg_inodes *it);

	int (*readdir_open)(fsimg_readdir **out, fsimg_fs *fs, fsimg_inum_t dir);
	int (*readdir_next)(fsimg_readdir *d, struct fsimg_entry *ent);
	void (*readdir_close)(fsimg_readdir *d);

	int (*map_open)(fsimg_map **out, fsimg_fs *fs, fsimg_inum_t ino, enum fsimg_fork fork,
			unsigned flags);
	int (*map_next)(fsimg_map *m, struct fsimg_run *run);
	void (*map_close)(fsimg_map *m);

	/* May be NULL: no numbers of the backend's own. */
	int (*block_extras)(struct fsimg_block_extra *out, size_t max, fsimg_fs *fs, fsimg_pblk_t pblk);

	/*
	 * Plans the recovery of the journal or log (NULL: the backend recovers
	 * nothing). On failure errbuf says why, in the log's own words.
	 */
	int (*recovery_plan)(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external, unsigned flags,
			     char *errbuf, size_t errlen);

	int (*file_open)(fsimg_file **out, fsimg_fs *fs, fsimg_inum_t ino, unsigned flags);
	int64_t (*file_read)(fsimg_file *f, void *buf, size_t len, uint64_t off);
	void (*file_close)(fsimg_file *f);
};

/*
 * A recovery plan: the backend's struct starts with this head. The front
 * owns raw_fs and view (fsimg_fs_open_recovered's) and frees them around
 * ops->free.
 */
struct fsimg_recovery_ops {
	int (*stats)(struct fsimg_recovery_stats *out, const fsimg_recovery *r);
	size_t (*write_count)(const fsimg_recovery *r);
	int (*write)(struct fsimg_recovery_write *out, const fsimg_recovery *r, size_t i);
	/* fs_io: what the filesystem was read through (base, or a cache over it) */
	int (*apply)(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io, const fsimg_recovery *r,
		     unsigned flags);
	void (*free)(fsimg_recovery *r);
	/* May be NULL: nothing is ever left pending. */
	const char *(*pending)(const fsimg_recovery *r, size_t i);
	/* May be NULL: no modelled paths to count. */
	const char *(*path)(const fsimg_recovery *r, size_t i, uint64_t *count);
	/* May be NULL: nothing pending ever carries a reason. */
	const char *(*pending_why)(const fsimg_recovery *r, size_t i);
};

struct fsimg_recovery {
	const struct fsimg_recovery_ops *ops;
	fsimg_fs *raw_fs;            /* the on-disk filesystem, when the front opened it */
	fsimg_io *view;              /* the plan applied, when the front opened it */
};

/* The backends, in the order their magic is checked. */
extern const struct fsimg_backend fsimg_backend_ext4 FSIMG_HIDDEN;
extern const struct fsimg_backend fsimg_backend_xfs FSIMG_HIDDEN;

/* For a backend whose state is not a struct fsimg_fs: a zeroed handle with its head set. */
FSIMG_HIDDEN fsimg_fs *front_fs_alloc(const struct fsimg_backend *be, fsimg_io *io,
				      unsigned flags, void *priv);
/* Frees what front_fs_alloc made (not priv). */
FSIMG_HIDDEN void front_fs_free(fsimg_fs *fs);
FSIMG_HIDDEN void *front_fs_priv(const fsimg_fs *fs);
/* Is fs a recovery's view with nothing left pending, its log known clean (a backend that
 * must read its log to know need not)? */
FSIMG_HIDDEN bool front_fs_log_replayed(const fsimg_fs *fs);
/* The backend a handle belongs to. */
FSIMG_HIDDEN const struct fsimg_backend *front_fs_backend(const fsimg_fs *fs);
/* The source a handle reads (a check_parallel worker's handle: its own locked copy). */
FSIMG_HIDDEN fsimg_io *front_fs_io(const fsimg_fs *fs);

/* Sets the handle's message from fmt and returns err (so: return fs_error(fs, ...)). */
FSIMG_HIDDEN int fs_error(fsimg_fs *fs, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A non-fatal finding: counted (checksums), passed to the notice callback. */
FSIMG_HIDDEN void fs_notice(fsimg_fs *fs, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* FSIMG_FS_FRONT_H */
