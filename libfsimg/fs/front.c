/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The front: open by probing, the handle's head (errors, notices), and the
 * neutral calls, each one dispatch through the backend's ops table. See
 * fs/front.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/probe.h"
#include "fs/front.h"
/* struct fsimg_fs: its head is the front's (ext4's fields follow it). */
#include "ext4/ext4.h"

/*
 * In the order their magic is checked: ext2/3/4 first, as before there was
 * a table (its magic is at 1080; XFS's "XFSB" at 0).
 */
static const struct fsimg_backend *const backends[] = {
	&fsimg_backend_ext4,
	&fsimg_backend_xfs,
};

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* Every backend iterator handle starts with its fsimg_fs pointer. */
static const struct fsimg_backend *handle_be(const void *h)
{
	const struct fsimg_fs *fs = *(struct fsimg_fs *const *)h;

	return fs->be;
}

/* --------------------------------------------------------------- handle */

int fs_error(struct fsimg_fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	if (fs) {
		va_start(ap, fmt);
		errbuf_vfail(fs->errmsg, sizeof(fs->errmsg), err, fmt, ap);
		va_end(ap);
	}
	return err;
}

void fs_notice(struct fsimg_fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	if (err == FSIMG_ECSUM)
		fs->csum_errors++;
	va_start(ap, fmt);
	notice_vsend(fs->notice, fs->notice_ctx, err, fmt, ap);
	va_end(ap);
}

fsimg_fs *front_fs_alloc(const struct fsimg_backend *be, fsimg_io *io, unsigned flags, void *priv)
{
	struct fsimg_fs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->be = be;
	fs->be_priv = priv;
	fs->io = io;
	fs->flags = flags;
	return fs;
}

void front_fs_free(fsimg_fs *fs)
{
	free(fs);
}

void *front_fs_priv(const fsimg_fs *fs)
{
	return fs ? fs->be_priv : NULL;
}

bool front_fs_log_replayed(const fsimg_fs *fs)
{
	return fs && fs->log_replayed;
}

const struct fsimg_backend *front_fs_backend(const fsimg_fs *fs)
{
	return fs ? fs->be : NULL;
}

fsimg_io *front_fs_io(const fsimg_fs *fs)
{
	return fs ? fs->io : NULL;
}

int fsimg_probe(char *name, size_t namelen, fsimg_io *io)
{
	size_t i;

	if (!name || namelen == 0 || !io)
		return FSIMG_EINVAL;
	for (i = 0; i < N_BACKENDS; i++) {
		const char *type = backends[i]->probe_name ? backends[i]->probe_name(io) : NULL;

		if (!type)
			continue;
		if ((size_t)snprintf(name, namelen, "%s", type) >= namelen)
			return FSIMG_ERANGE;
		return 0;
	}
	return core_blkid_probe(name, namelen, io);
}

int fsimg_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf, size_t errlen)
{
	char name[64];
	size_t i;
	int err;

	if (!out || !io)
		return errbuf_fail(errbuf, errlen, FSIMG_EINVAL, "invalid argument");
	*out = NULL;
	for (i = 0; i < N_BACKENDS; i++) {
		if (backends[i]->match(io) != 1)
			continue;
		err = backends[i]->open(out, io, flags, errbuf, errlen);
		if (err == 0)
			(*out)->be = backends[i];
		return err;
	}
	for (i = 0; i < N_BACKENDS; i++) {
		if (backends[i]->rescue && backends[i]->rescue(out, io, flags) == 0) {
			(*out)->be = backends[i];
			return 0;
		}
	}
	/* No backend's magic: libblkid names what we do not read. */
	if (fsimg_probe(name, sizeof(name), io) == 0)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "unsupported filesystem: %s", name);
	return errbuf_fail(errbuf, errlen, FSIMG_ENOFS, "no filesystem found");
}

void fsimg_fs_close(fsimg_fs *fs)
{
	if (fs)
		fs->be->close(fs);
}

const char *fsimg_fs_errmsg(const fsimg_fs *fs)
{
	return fs && fs->errmsg[0] ? fs->errmsg : "";
}

fsimg_io *fsimg_fs_io(const fsimg_fs *fs)
{
	return fs ? fs->io : NULL;
}

void fsimg_fs_set_notice(fsimg_fs *fs, fsimg_notice_fn fn, void *ctx)
{
	if (!fs)
		return;
	fs->notice = fn;
	fs->notice_ctx = ctx;
}

uint64_t fsimg_fs_csum_errors(const fsimg_fs *fs)
{
	return fs ? fs->csum_errors : 0;
}

/* ------------------------------------------------------- neutral calls */

int fsimg_fs_info(struct fsimg_fs_info *out, fsimg_fs *fs)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	return fs->be->info(out, fs);
}

const char *fsimg_fs_type(const fsimg_fs *fs)
{
	return fs ? fs->be->type(fs) : NULL;
}

int fsimg_fs_has_feature(const fsimg_fs *fs, const char *name)
{
	if (!fs || !name)
		return FSIMG_EINVAL;
	return fs->be->has_feature(fs, name);
}

enum fsimg_ftype fsimg_mode_ftype(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return FSIMG_FT_REG;
	case 0040000: return FSIMG_FT_DIR;
	case 0020000: return FSIMG_FT_CHR;
	case 0060000: return FSIMG_FT_BLK;
	case 0010000: return FSIMG_FT_FIFO;
	case 0140000: return FSIMG_FT_SOCK;
	case 0120000: return FSIMG_FT_SYMLINK;
	default: return FSIMG_FT_UNKNOWN;
	}
}

int fsimg_stat(struct fsimg_stat *out, fsimg_fs *fs, fsimg_inum_t ino)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	/* Only the first nflags names are defined: a walk stats every inode. */
	memset(out, 0, offsetof(struct fsimg_stat, flags));
	return fs->be->stat(out, fs, ino);
}

int fsimg_readlink(char *buf, size_t buflen, fsimg_fs *fs, fsimg_inum_t ino)
{
	if (!buf || !buflen || !fs)
		return FSIMG_EINVAL;
	return fs->be->readlink(buf, buflen, fs, ino);
}

int fsimg_lookup(fsimg_inum_t *out, fsimg_fs *fs, const char *path)
{
	if (!out || !fs || !path)
		return FSIMG_EINVAL;
	return fs->be->lookup(out, fs, path);
}

int fsimg_inodes_open(fsimg_inodes **out, fsimg_fs *fs)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	return fs->be->inodes_open(out, fs);
}

int fsimg_inodes_next(fsimg_inodes *it, fsimg_inum_t *ino)
{
	if (!it || !ino)
		return FSIMG_EINVAL;
	return handle_be(it)->inodes_next(it, ino);
}

void fsimg_inodes_close(fsimg_inodes *it)
{
	if (it)
		handle_be(it)->inodes_close(it);
}

int fsimg_readdir_open(fsimg_readdir **out, fsimg_fs *fs, fsimg_inum_t dir)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	return fs->be->readdir_open(out, fs, dir);
}

int fsimg_readdir_next(fsimg_readdir *d, struct fsimg_entry *ent)
{
	if (!d || !ent)
		return FSIMG_EINVAL;
	return handle_be(d)->readdir_next(d, ent);
}

void fsimg_readdir_close(fsimg_readdir *d)
{
	if (d)
		handle_be(d)->readdir_close(d);
}

int fsimg_map_open_fork(fsimg_map **out, fsimg_fs *fs, fsimg_inum_t ino, enum fsimg_fork fork,
			unsigned flags)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	if (fork != FSIMG_FORK_DATA && fork != FSIMG_FORK_ATTR && fork != FSIMG_FORK_COW)
		return fs_error(fs, FSIMG_EINVAL, "unknown fork %d", (int)fork);
	return fs->be->map_open(out, fs, ino, fork, flags);
}

int fsimg_map_next(fsimg_map *m, struct fsimg_run *run)
{
	if (!m || !run)
		return FSIMG_EINVAL;
	return handle_be(m)->map_next(m, run);
}

void fsimg_map_close(fsimg_map *m)
{
	if (m)
		handle_be(m)->map_close(m);
}

/* ------------------------------------------------------------- recovery */

int fsimg_recovery_plan(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external, unsigned flags)
{
	char why[256];
	int err;

	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	if (flags & ~FSIMG_RECOVERY_IGNORE_CSUM)
		return fs_error(fs, FSIMG_EINVAL, "unknown recovery flags 0x%x", flags);
	if (!fs->be->recovery_plan)
		return fs_error(fs, FSIMG_ENOTSUP_OP, "%s: no recovery", fs->be->name);
	why[0] = '\0';
	err = fs->be->recovery_plan(out, fs, external, flags, why, sizeof(why));
	if (err < 0 && why[0])
		fs_error(fs, err, "%s", why);
	return err;
}

int fsimg_recovery_stats(struct fsimg_recovery_stats *out, const fsimg_recovery *r)
{
	if (!out || !r)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	return r->ops->stats(out, r);
}

size_t fsimg_recovery_write_count(const fsimg_recovery *r)
{
	return r ? r->ops->write_count(r) : 0;
}

int fsimg_recovery_write(struct fsimg_recovery_write *out, const fsimg_recovery *r, size_t i)
{
	if (!out || !r)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	return r->ops->write(out, r, i);
}

int fsimg_recovery_apply(fsimg_io **out, fsimg_io *base, const fsimg_recovery *r, unsigned flags)
{
	if (!out || !base || !r)
		return FSIMG_EINVAL;
	*out = NULL;
	if (flags & ~(FSIMG_RECOVERY_BLOCKS_ONLY | FSIMG_RECOVERY_LOG_DEVICE))
		return FSIMG_EINVAL;
	return r->ops->apply(out, base, base, r, flags);
}

const char *fsimg_recovery_pending(const fsimg_recovery *r, size_t i)
{
	return r && r->ops->pending ? r->ops->pending(r, i) : NULL;
}

const char *fsimg_recovery_pending_why(const fsimg_recovery *r, size_t i)
{
	return r && r->ops->pending_why ? r->ops->pending_why(r, i) : NULL;
}

const char *fsimg_recovery_path(const fsimg_recovery *r, size_t i, uint64_t *count)
{
	uint64_t n = 0;
	const char *name = r && r->ops->path ? r->ops->path(r, i, &n) : NULL;

	if (count)
		*count = name ? n : 0;
	return name;
}

void fsimg_recovery_free(fsimg_recovery *r)
{
	fsimg_fs *raw;

	if (!r)
		return;
	raw = r->raw_fs;
	fsimg_io_close(r->view);
	r->ops->free(r);
	fsimg_fs_close(raw);
}

/*
 * The plan applied, for a filesystem opened on base. When base is a read
 * cache the overlay goes under a cache of the same geometry instead (over
 * base's own source), so that the many small reads of a whole-filesystem
 * walk hit the cache without a plan lookup each.
 */
static int apply_under_cache(fsimg_io **out, fsimg_io *base, const fsimg_recovery *r)
{
	fsimg_io *inner, *ov;
	size_t chunk;
	unsigned nchunks;
	int err;

	if (!io_cache_geometry(base, &inner, &chunk, &nchunks))
		return r->ops->apply(out, base, base, r, 0);
	err = r->ops->apply(&ov, inner, base, r, 0);
	if (err < 0)
		return err;
	err = fsimg_io_open_cache(out, ov, chunk, nchunks);
	if (err < 0)
		fsimg_io_close(ov);
	return err;
}

int fsimg_fs_open_recovered(fsimg_fs **out, fsimg_recovery **rec, fsimg_io *base, fsimg_io *external,
			    unsigned flags, char *errbuf, size_t errlen)
{
	struct fsimg_fs_info info;
	struct fsimg_recovery_stats info_st;
	fsimg_recovery *r = NULL;
	fsimg_fs *fs;
	unsigned fsflags = flags & ~FSIMG_OPEN_NO_REPLAY;
	bool ext_log;
	int err;

	if (!out || !rec || !base)
		return FSIMG_EINVAL;
	*out = NULL;
	*rec = NULL;
	err = fsimg_fs_open(&fs, base, fsflags, errbuf, errlen);
	if (err < 0)
		return err;
	if ((flags & FSIMG_OPEN_NO_REPLAY) || fsimg_fs_info(&info, fs) < 0 || !fs->be->recovery_plan) {
		*out = fs;
		return 0;
	}
	/*
	 * An XFS log on a device of its own is known dirty only by reading it
	 * (the superblock says nothing): given that device, plan, and keep the
	 * plan when the log held transactions.
	 */
	ext_log = external && info.log_blocks && !info.log_internal;
	if (!info.needs_recovery && !ext_log) {
		*out = fs;
		return 0;
	}
	err = fs->be->recovery_plan(&r, fs, external, 0, errbuf, errlen);
	if (err < 0) {
		fsimg_fs_close(fs);
		return err;
	}
	if (!info.needs_recovery) {
		struct fsimg_recovery_stats st;

		if (fsimg_recovery_stats(&st, r) == 0 && !st.transactions && !st.blocks && !st.pending &&
		    !st.log_error) {
			fsimg_recovery_free(r); /* a clean external log: nothing to replay */
			*out = fs;
			return 0;
		}
	}
	r->raw_fs = fs;
	err = apply_under_cache(&r->view, base, r);
	if (err < 0) {
		struct fsimg_recovery_stats st;

		if (errbuf && errlen && fsimg_recovery_stats(&st, r) == 0)
			snprintf(errbuf, errlen, "%s recovery: %s", st.log, fsimg_strerror(err));
		goto fail;
	}
	err = fsimg_fs_open(out, r->view, fsflags, errbuf, errlen);
	if (err < 0)
		goto fail;
	if (fsimg_recovery_stats(&info_st, r) == 0 && !info_st.pending)
		(*out)->log_replayed = true;
	*rec = r;
	return 0;
fail:
	fsimg_recovery_free(r);
	return err;
}

int fsimg_block_extras(struct fsimg_block_extra *out, size_t max, fsimg_fs *fs, fsimg_pblk_t pblk)
{
	if (!fs || (!out && max))
		return FSIMG_EINVAL;
	if (!fs->be->block_extras)
		return 0;
	return fs->be->block_extras(out, max, fs, pblk);
}

int fsimg_file_open_ino(fsimg_file **out, fsimg_fs *fs, fsimg_inum_t ino, unsigned flags)
{
	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	return fs->be->file_open(out, fs, ino, flags);
}

int64_t fsimg_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off)
{
	if (!f || (!buf && len))
		return FSIMG_EINVAL;
	return handle_be(f)->file_read(f, buf, len, off);
}

void fsimg_file_close(fsimg_file *f)
{
	if (f)
		handle_be(f)->file_close(f);
}
