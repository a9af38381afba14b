/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS backend's ops table: the neutral calls of fsimg/fsimg.h in terms
 * of xfs.h. The handle is the front's (front_fs_alloc) with the xfs_fs and
 * a one-inode cache behind it; every iterator handle starts with the front
 * handle, as fs/front.h asks. Log recovery is xlog/recovery.c's; the log's
 * state for info comes from xlog_find_tail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "fs/front.h"
#include "xfs/xfs.h"
#include "xlog/recovery.h"
#include "xlog/xlog.h"

#define XFS_FEATURES_MAX 48
#define XFS_INODES_MAX (1u << 26) /* memory bound on the inode iterator's list */

struct xfs_priv {
	xfs_fs *x;
	struct xfs_inode icache;     /* its raw bytes a view into the chunk cache */
	uint64_t icache_gen;         /* the chunk cache's generation the view belongs to */
	bool icache_valid;
	struct fsimg_map *spare_map; /* a closed map handle kept for the next open */
	/* the internal log as log_dirty found it (xlog_find_tail_deferred gave log_found_err),
	 * kept for the recovery plan that follows a dirty answer: it takes it over */
	xlog *log_found;
	int log_found_err;
	const char *features[XFS_FEATURES_MAX];
};

static void map_free(struct fsimg_map *m);

static struct xfs_priv *priv_of(const fsimg_fs *fs)
{
	return front_fs_priv(fs);
}

xfs_fs *xfs_of_fs(const fsimg_fs *fs)
{
	if (front_fs_backend(fs) != &fsimg_backend_xfs || !priv_of(fs))
		return NULL;
	return priv_of(fs)->x;
}

/* The backend's messages become the handle's. */
static int xerr(fsimg_fs *fs, int err)
{
	const char *msg = priv_of(fs)->x->errmsg;

	return fs_error(fs, err, "%s", msg[0] ? msg : fsimg_strerror(err));
}

static void notice_fwd(void *ctx, int err, const char *msg)
{
	fs_notice(ctx, err, "%s", msg);
}

static int xfsb_match(fsimg_io *io)
{
	uint8_t magic[4];

	if (fsimg_io_size(io) < 512 || fsimg_io_read(io, magic, sizeof(magic), 0) < 0)
		return 0;
	return memcmp(magic, "XFSB", 4) == 0;
}

static const char *xfsb_probe_name(fsimg_io *io)
{
	return xfsb_match(io) ? "xfs" : NULL;
}

static void xfsb_close(fsimg_fs *fs)
{
	struct xfs_priv *p = priv_of(fs);

	if (p) {
		map_free(p->spare_map);
		xlog_close(p->log_found);
		xfs_fs_close(p->x);
		free(p);
	}
	front_fs_free(fs);
}

static int xfsb_open(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf, size_t errlen)
{
	struct xfs_priv *p = calloc(1, sizeof(*p));
	fsimg_fs *fs;
	int err;

	*out = NULL;
	if (!p)
		return errbuf_fail(errbuf, errlen, FSIMG_ENOMEM, "out of memory");
	err = xfs_fs_open(&p->x, io);
	if (err < 0) {
		errbuf_fail(errbuf, errlen, err, "%s",
				p->x && p->x->errmsg[0] ? p->x->errmsg : fsimg_strerror(err));
		xfs_fs_close(p->x);
		free(p);
		return err;
	}
	fs = front_fs_alloc(&fsimg_backend_xfs, io, flags, p);
	if (!fs) {
		xfs_fs_close(p->x);
		free(p);
		return errbuf_fail(errbuf, errlen, FSIMG_ENOMEM, "out of memory");
	}
	xfs_fs_set_notice(p->x, notice_fwd, fs);
	*out = fs;
	return 0;
}

/* The inode through the one-entry cache. */
static int inode_get(const struct xfs_inode **out, fsimg_fs *fs, fsimg_inum_t ino)
{
	struct xfs_priv *p = priv_of(fs);
	int err;

	/* stat and the maps of one inode come one after another: one read, no copy */
	if (!p->icache_valid || p->icache.ino != ino || p->icache_gen != p->x->iblock_gen) {
		p->icache_valid = false;
		if (!xfs_ino_ok(p->x, ino))
			return fs_error(fs, FSIMG_ERANGE, "inode %llu is not a valid inode number",
					(unsigned long long)ino);
		err = xfs_inode_read_view(&p->icache, p->x, ino);
		if (err < 0)
			return xerr(fs, err);
		p->icache_gen = p->x->iblock_gen;
		p->icache_valid = true;
	}
	*out = &p->icache;
	return 0;
}

/* Reads inode ino into an iterator's own struct (it outlives the cache entry). */
static int inode_own(struct xfs_inode *ip, fsimg_fs *fs, fsimg_inum_t ino)
{
	xfs_fs *x = priv_of(fs)->x;
	int err;

	if (!xfs_ino_ok(x, ino))
		return fs_error(fs, FSIMG_ERANGE, "inode %llu is not a valid inode number",
				(unsigned long long)ino);
	err = xfs_inode_read(ip, x, ino);
	if (err < 0) {
		xfs_inode_release(ip); /* a failed read may hold the raw bytes */
		return xerr(fs, err);
	}
	return 0;
}

/* ----------------------------------------------------------------- info */

static const char *xfsb_type(const fsimg_fs *fs)
{
	(void)fs;
	return "xfs";
}

/*
 * Is the internal log clean? 1 dirty, 0 clean or not known (an external log).
 * The log as found is kept: a dirty answer is followed by the recovery plan,
 * which would otherwise find head and tail again (xfsb_recovery_plan).
 */
static int log_dirty(struct xfs_priv *p)
{
	xlog *log = NULL;
	uint64_t start;
	uint32_t blocks;

	if (!xfs_log_internal(p->x, &start, &blocks))
		return 0;
	/*
	 * a log the kernel refuses (xlog_verify_tail) is still dirty: its recovery says why.
	 * Whether it is dirty is known before that CRC pass from the tail to the head,
	 * which would read the whole live log (a recovery makes it, or its plan's walk).
	 */
	if (!p->log_found) {
		if (xlog_open(&log, p->x, NULL) < 0)
			return 0;
		p->log_found_err = xlog_find_tail_deferred(log);
		p->log_found = log;
	}
	log = p->log_found;
	if (p->log_found_err < 0 && !log->ends.refused)
		return 0;
	return !log->ends.clean && !log->ends.zeroed;
}

/* AGs, the log's place, the realtime device. */
static void xfsb_info_geometry(struct fsimg_fs_info *out, xfs_fs *x)
{
	uint32_t log_blocks;

	out->group_name = "ag";
	out->groups = x->sb.agcount;
	out->group_blocks = x->sb.agblocks;
	out->log_internal = xfs_log_internal(x, &out->log_start, &log_blocks);
	out->log_blocks = log_blocks;
	out->realtime = xfs_has_realtime(x);
}

static int xfsb_info(struct fsimg_fs_info *out, fsimg_fs *fs)
{
	struct xfs_priv *p = priv_of(fs);
	const struct xfs_sb *sb = &p->x->sb;

	out->type = "xfs";
	out->backend = "xfs";
	out->block_size = sb->blocksize;
	out->blocks = sb->dblocks;
	out->free_blocks = sb->fdblocks;
	out->inodes = sb->icount;
	out->free_inodes = sb->ifree;
	out->root_ino = sb->rootino;
	/* ino = agno << (agblklog + inopblog) | ...: every number is below this */
	if ((unsigned)sb->agblklog + sb->inopblog < 56)
		out->max_ino = (fsimg_inum_t)sb->agcount << (sb->agblklog + sb->inopblog);
	else
		out->max_ino = UINT64_MAX;
	out->inode_size = sb->inodesize;
	memcpy(out->uuid, sb->uuid, sizeof(out->uuid));
	snprintf(out->label, sizeof(out->label), "%s", sb->fname);
	out->nfeatures = xfs_sb_features(p->features, XFS_FEATURES_MAX, sb);
	out->features = p->features;
	out->forks = 1u << FSIMG_FORK_DATA | 1u << FSIMG_FORK_ATTR | 1u << FSIMG_FORK_COW;
	out->block_extras = 3;
	out->has_log = 1;
	/* a recovered view's log is the clean one recovery wrote: not read again */
	out->needs_recovery = front_fs_log_replayed(fs) ? 0 : log_dirty(p);
	xfsb_info_geometry(out, p->x);
	if (p->x->v5) {
		/* sectsize was bounded (512 .. 32768) when the superblock was checked */
		uint8_t *raw = malloc(sb->sectsize);

		out->super_csum = FSIMG_CSUM_OK;
		if (raw && fsimg_io_read(fsimg_fs_io(fs), raw, sb->sectsize, 0) == 0 &&
		    !xfs_verify_cksum(raw, sb->sectsize, offsetof(struct xfs_dsb, sb_crc)))
			out->super_csum = FSIMG_CSUM_BAD;
		free(raw);
		out->super_csum_stored = sb->crc;
	}
	return 0;
}

static int xfsb_has_feature(const fsimg_fs *fs, const char *name)
{
	return xfs_sb_has_feature(&priv_of(fs)->x->sb, name);
}

/* ---------------------------------------------------------------- inodes */

static struct fsimg_time xtime(struct xfs_timestamp t)
{
	struct fsimg_time r = { t.sec, t.nsec };

	return r;
}

static int xfsb_stat(struct fsimg_stat *out, fsimg_fs *fs, fsimg_inum_t ino)
{
	const struct xfs_inode *ip = NULL;
	xfs_fs *x = priv_of(fs)->x;
	int err = inode_get(&ip, fs, ino);
	const char *names[FSIMG_STAT_MAX_FLAGS];

	if (err < 0)
		return err;
	out->ino = ip->ino;
	out->mode = ip->mode;
	out->type = fsimg_mode_ftype(ip->mode);
	out->uid = ip->uid;
	out->gid = ip->gid;
	out->links = ip->nlink;
	out->size = ip->size;
	out->blocks = ip->nblocks * (x->blocksize / 512);
	out->atime = xtime(ip->atime);
	out->mtime = xtime(ip->mtime);
	out->ctime = xtime(ip->ctime);
	if (ip->version >= 3)
		out->crtime = xtime(ip->crtime);
	if (out->type == FSIMG_FT_CHR || out->type == FSIMG_FT_BLK)
		xfs_inode_rdev(&out->rdev_major, &out->rdev_minor, x, ip);
	out->generation = ip->gen;
	/* di_flags in the low 16 bits, di_flags2 above */
	out->raw_flags = ip->flags | ip->flags2 << 16;
	out->nflags = (unsigned)xfs_inode_flag_names(names, FSIMG_STAT_MAX_FLAGS, ip);
	for (unsigned i = 0; i < out->nflags; i++)
		out->flags[i] = names[i];
	out->csum_state = ip->version < 3 ? FSIMG_CSUM_NONE
		: ip->crc_ok ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	return 0;
}

static int xfsb_readlink(char *buf, size_t buflen, fsimg_fs *fs, fsimg_inum_t ino)
{
	const struct xfs_inode *ip = NULL;
	int err = inode_get(&ip, fs, ino);

	if (err < 0)
		return err;
	if ((ip->mode & 0170000) != 0120000)
		return fs_error(fs, FSIMG_EINVAL, "inode %llu is not a symlink",
				(unsigned long long)ino);
	err = xfs_symlink_read(buf, buflen, priv_of(fs)->x, ip);
	return err < 0 ? xerr(fs, err) : err;
}

/* fs/path.h's rules, as on ext4 (xfs/lookup.c). */
static int xfsb_lookup(fsimg_inum_t *out, fsimg_fs *fs, const char *path)
{
	uint64_t ino;
	int err = xfs_lookup(&ino, fs, priv_of(fs)->x, path);

	if (err == 0)
		*out = ino;
	return err;
}

/* The allocated inodes, gathered by one xfs_inode_walk (inobt order is increasing). */
struct fsimg_inodes {
	fsimg_fs *fs;                /* first: the front finds the ops through it */
	uint64_t *ino;
	size_t n, cap, pos;
	int err;
};

static int inodes_add(void *ctx, uint64_t ino)
{
	struct fsimg_inodes *it = ctx;

	if (it->n == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 256;
		uint64_t *ni;

		if (ncap > XFS_INODES_MAX)
			return FSIMG_ERANGE;
		ni = realloc(it->ino, ncap * sizeof(*ni));
		if (!ni)
			return FSIMG_ENOMEM;
		it->ino = ni;
		it->cap = ncap;
	}
	it->ino[it->n++] = ino;
	return 0;
}

static int xfsb_inodes_open(fsimg_inodes **out, fsimg_fs *fs)
{
	struct fsimg_inodes *it = calloc(1, sizeof(*it));
	int err;

	if (!it)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	it->fs = fs;
	err = xfs_inode_walk(priv_of(fs)->x, inodes_add, it);
	if (err == FSIMG_ERANGE)
		fs_error(fs, err, "more than %u inodes: the rest not listed", XFS_INODES_MAX);
	else if (err < 0)
		xerr(fs, err);
	/* What was gathered is offered; the error comes after it. */
	it->err = err < 0 ? err : 0;
	*out = it;
	return 0;
}

static int xfsb_inodes_next(fsimg_inodes *it, fsimg_inum_t *ino)
{
	int err;

	if (it->pos < it->n) {
		*ino = it->ino[it->pos++];
		return 1;
	}
	err = it->err;
	it->err = 0;
	return err;
}

static void xfsb_inodes_close(fsimg_inodes *it)
{
	free(it->ino);
	free(it);
}

/* ----------------------------------------------------------- directories */

struct fsimg_readdir {
	fsimg_fs *fs;                /* first: the front finds the ops through it */
	xfs_dir *dir;
	struct xfs_inode ip;
	struct xfs_dirent de;
};

static int xfsb_readdir_open(fsimg_readdir **out, fsimg_fs *fs, fsimg_inum_t dir)
{
	struct fsimg_readdir *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	d->fs = fs;
	/* a listing may be a tree walk: inode.c reads ahead once it is a long one */
	priv_of(fs)->x->iahead_ok = true;
	err = inode_own(&d->ip, fs, dir);
	if (err < 0) {
		free(d);
		return err;
	}
	if ((d->ip.mode & 0170000) != 0040000)
		err = fs_error(fs, FSIMG_ENOTDIR, "inode %llu is not a directory",
			       (unsigned long long)dir);
	else if ((err = xfs_dir_open(&d->dir, priv_of(fs)->x, &d->ip)) < 0)
		err = xerr(fs, err);
	if (err < 0) {
		xfs_inode_release(&d->ip);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

static int xfsb_readdir_next(fsimg_readdir *d, struct fsimg_entry *ent)
{
	int r = xfs_dir_next(d->dir, &d->de);

	if (r < 0)
		return xerr(d->fs, r);
	if (r == 0)
		return 0;
	ent->ino = d->de.ino;
	/* XFS_DIR3_FT_* 1..7 are FSIMG_FT_* by design. */
	ent->type = d->de.ftype <= 7 ? (enum fsimg_ftype)d->de.ftype : FSIMG_FT_UNKNOWN;
	ent->name_len = d->de.namelen;
	memcpy(ent->name, d->de.name, d->de.namelen);
	ent->name[d->de.namelen] = '\0';
	return 1;
}

static void xfsb_readdir_close(fsimg_readdir *d)
{
	xfs_dir_close(d->dir);
	xfs_inode_release(&d->ip);
	free(d);
}

/* ------------------------------------------------------- maps and files */

struct fsimg_map {
	fsimg_fs *fs;                /* first: the front finds the ops through it */
	xfs_map *m;
	bool symlink;
	bool v5;
	bool empty;                  /* a fork with nothing on disk: no runs, m not loaded */
};

static void map_free(struct fsimg_map *m)
{
	if (m) {
		xfs_map_close(m->m);
		free(m);
	}
}

static int xfsb_map_open(fsimg_map **out, fsimg_fs *fs, fsimg_inum_t ino, enum fsimg_fork fork,
			 unsigned flags)
{
	const struct xfs_inode *ip = NULL;
	struct fsimg_map *m;
	int err = inode_get(&ip, fs, ino);

	if (err < 0)
		return err;
	if (fork != FSIMG_FORK_DATA && fork != FSIMG_FORK_ATTR && fork != FSIMG_FORK_COW)
		return fs_error(fs, FSIMG_EINVAL, "no such fork");
	/* A walk opens and closes three maps per inode: the handle and its
	 * arrays are kept from one to the next instead of allocated anew. */
	m = priv_of(fs)->spare_map;
	priv_of(fs)->spare_map = NULL;
	if (!m && !(m = calloc(1, sizeof(*m))))
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	m->fs = fs;
	m->symlink = (ip->mode & 0170000) == 0120000 && fork == FSIMG_FORK_DATA;
	m->v5 = priv_of(fs)->x->v5;
	/*
	 * The CoW fork lives in memory only, and an inode without di_forkoff has
	 * no attribute fork: no runs, whatever the flags. A walk asks for both
	 * of every inode; loading them as maps was a fifth of the dump.
	 */
	m->empty = fork == FSIMG_FORK_COW || (fork == FSIMG_FORK_ATTR && !ip->forkoff);
	if (m->empty) {
		*out = m;
		return 0;
	}
	err = xfs_map_reopen(&m->m, priv_of(fs)->x, ip, (enum xfs_fork)fork,
			     flags & FSIMG_MAP_TREE ? XFS_MAP_TREE : 0);
	if (err < 0) {
		map_free(m);
		return xerr(fs, err);
	}
	*out = m;
	return 0;
}

static int xfsb_map_next(fsimg_map *m, struct fsimg_run *run)
{
	struct xfs_run r;
	int err;

	if (m->empty)
		return 0;
	err = xfs_map_next(m->m, &r);
	if (err < 0)
		return xerr(m->fs, err);
	if (err == 0)
		return 0;
	memset(run, 0, sizeof(*run));
	run->type = r.type;
	run->flags = r.flags;
	run->fork = (enum fsimg_fork)r.fork;
	run->lblk = r.logical;
	run->len = r.length;
	if (r.type == FSIMG_RUN_MAPPED || r.type == FSIMG_RUN_UNWRITTEN || r.type == FSIMG_RUN_META)
		run->pblk = r.physical;
	if (r.type == FSIMG_RUN_INLINE && m->symlink)
		run->flags |= FSIMG_RUN_TARGET;
	if (r.type == FSIMG_RUN_META) {
		run->kind = r.level > 0 ? "bmbt node" : "bmbt leaf";
		run->level = r.level;
		run->csum_state = !m->v5 ? FSIMG_CSUM_NONE
			: r.crc_ok ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	}
	return 1;
}

static void xfsb_map_close(fsimg_map *m)
{
	struct xfs_priv *p = priv_of(m->fs);

	if (!p->spare_map)
		p->spare_map = m;
	else
		map_free(m);
}

static int xfsb_recovery_plan(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external, unsigned flags,
			      char *errbuf, size_t errlen)
{
	struct xfs_priv *p = priv_of(fs);
	xlog *found = NULL;

	(void)flags; /* a record whose CRC fails ends the log as in the kernel: nothing to ignore */
	if (!external) {
		/* taken over: a later plan (after a replay in place wrote the log) finds it afresh */
		found = p->log_found;
		p->log_found = NULL;
	}
	return xlog_recovery_plan(out, p->x, external, found, p->log_found_err, errbuf, errlen);
}

/* fsb, agno, agbno of a linear block (agno * agblocks + agbno). */
static int xfsb_block_extras(struct fsimg_block_extra *out, size_t max, fsimg_fs *fs,
			     fsimg_pblk_t pblk)
{
	const xfs_fs *x = priv_of(fs)->x;
	uint32_t agno, agbno;
	size_t n = 0;

	if (x->sb.agblocks == 0 || pblk >= x->sb.dblocks)
		return fs_error(fs, FSIMG_ERANGE, "block %llu past the filesystem's end",
				(unsigned long long)pblk);
	agno = (uint32_t)(pblk / x->sb.agblocks);
	agbno = (uint32_t)(pblk % x->sb.agblocks);
	if (n < max)
		out[n++] = (struct fsimg_block_extra){ "fsb", xfs_agb_to_fsb(x, agno, agbno) };
	if (n < max)
		out[n++] = (struct fsimg_block_extra){ "agno", agno };
	if (n < max)
		out[n++] = (struct fsimg_block_extra){ "agbno", agbno };
	return (int)n;
}

struct fsimg_file {
	fsimg_fs *fs;                /* first: the front finds the ops through it */
	xfs_file *f;
	struct xfs_inode ip;         /* xfs_file keeps a pointer to it */
};

static int xfsb_file_open(fsimg_file **out, fsimg_fs *fs, fsimg_inum_t ino, unsigned flags)
{
	struct fsimg_file *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	f->fs = fs;
	err = inode_own(&f->ip, fs, ino);
	if (err < 0) {
		free(f);
		return err;
	}
	err = xfs_file_open(&f->f, priv_of(fs)->x, &f->ip, flags & FSIMG_READ_RAW ? XFS_READ_RAW : 0);
	if (err < 0) {
		xfs_inode_release(&f->ip);
		free(f);
		return xerr(fs, err);
	}
	*out = f;
	return 0;
}

static int64_t xfsb_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off)
{
	int64_t r = xfs_file_read(f->f, buf, len, off);

	return r < 0 ? xerr(f->fs, (int)r) : r;
}

static void xfsb_file_close(fsimg_file *f)
{
	xfs_file_close(f->f);
	xfs_inode_release(&f->ip);
	free(f);
}

const struct fsimg_backend fsimg_backend_xfs = {
	.name = "xfs",
	.match = xfsb_match,
	.probe_name = xfsb_probe_name,
	.open = xfsb_open,
	.close = xfsb_close,
	.info = xfsb_info,
	.type = xfsb_type,
	.has_feature = xfsb_has_feature,
	.stat = xfsb_stat,
	.readlink = xfsb_readlink,
	.lookup = xfsb_lookup,
	.inodes_open = xfsb_inodes_open,
	.inodes_next = xfsb_inodes_next,
	.inodes_close = xfsb_inodes_close,
	.readdir_open = xfsb_readdir_open,
	.readdir_next = xfsb_readdir_next,
	.readdir_close = xfsb_readdir_close,
	.map_open = xfsb_map_open,
	.map_next = xfsb_map_next,
	.map_close = xfsb_map_close,
	.block_extras = xfsb_block_extras,
	.recovery_plan = xfsb_recovery_plan,
	.file_open = xfsb_file_open,
	.file_read = xfsb_file_read,
	.file_close = xfsb_file_close,
};
