/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mapping iterator: what backs each range of a file. It picks the
 * producer for the inode (extent tree, legacy block map, inline data) and
 * turns its data runs into the public run stream: HOLE runs for the gaps up
 * to the block holding i_size, BEYOND_EOF on runs past it, LAST on the last
 * data run (one run of lookahead), META runs only when asked.
 *
 * Order: for each data run, the HOLE before it (if any), then the META runs
 * of the tree blocks that lead to it, then the run itself.
 *
 * A fast symlink keeps its target in i_block: it maps as one INLINE run of
 * i_size bytes, like inline data, so that readers need no special case.
 * Devices, fifos and sockets have no data: no runs at all.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define S_IFMT_ 0xF000u
#define S_IFIFO_ 0x1000u
#define S_IFCHR_ 0x2000u
#define S_IFBLK_ 0x6000u
#define S_IFLNK_ 0xA000u
#define S_IFSOCK_ 0xC000u

/*
 * META runs met after a data run wait here until the next data run (or the
 * end) tells whether that run was the last. Only a crafted tree (a long
 * chain of empty leaves or zeroed indirect blocks) fills this; past it the
 * held run goes out without its LAST verdict.
 */
#define MAP_META_WAIT 64

enum map_kind { MAP_NONE, MAP_INLINE, MAP_EXTENT, MAP_BMAP };

struct fsimg_map {
	struct fsimg_fs *fs;
	fsimg_ino_t ino;
	unsigned flags;
	enum map_kind kind;
	struct ext4_ext_walk *ext;
	struct ext4_bmap_walk *bmap;
	uint64_t eof_lblk;        /* blocks needed to hold i_size */
	uint64_t covered;         /* end of the last data run taken */

	struct fsimg_run held;    /* the last data run, waiting for its LAST verdict */
	bool have_held;
	unsigned nmetas;
	unsigned out_head, out_count;

	bool src_done, done;
	int err;

	/*
	 * Last, and not cleared at open (6 KiB; opened once per inode by whole-
	 * filesystem walks): only the first nmetas / out_count entries are read.
	 */
	struct fsimg_run metas[MAP_META_WAIT];
	struct fsimg_run out[MAP_META_WAIT + 4]; /* runs ready to hand out, FIFO */
};

bool ext4_is_fast_symlink(const struct fsimg_fs *fs, const struct fsimg_inode *inode)
{
	uint64_t ea_blocks;

	if ((inode->mode & S_IFMT_) != S_IFLNK_)
		return false;
	if (inode->flags & EXT4_INLINE_DATA_FL)
		return false;
	/*
	 * With ea_inode, i_blocks also counts the blocks of the inode's xattr
	 * values held in EA inodes: judge by size (the kernel's
	 * ext4_inode_is_fast_symlink, and e2fsprogs since ae7370a5).
	 */
	if ((fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_EA_INODE) ||
	    (inode->flags & EXT4_EA_INODE_FL))
		return inode->size && inode->size < EXT4_FAST_SYMLINK_MAX;
	/* ext4_inode_is_fast_symlink: no blocks but an xattr block's cluster. */
	ea_blocks = inode->file_acl ? fs->sb.cluster_size >> 9 : 0;
	return inode->blocks == ea_blocks;
}

static void out_push(struct fsimg_map *m, const struct fsimg_run *run)
{
	unsigned n = (unsigned)(sizeof(m->out) / sizeof(m->out[0]));

	/* The callers never push more than the queue holds: see map_next. */
	m->out[(m->out_head + m->out_count) % n] = *run;
	m->out_count++;
}

static void push_hole(struct fsimg_map *m, uint64_t start, uint64_t end)
{
	struct fsimg_run hole;

	if (end > m->eof_lblk)
		end = m->eof_lblk; /* no holes past EOF */
	if (start >= end)
		return;
	memset(&hole, 0, sizeof(hole));
	hole.type = FSIMG_RUN_HOLE;
	hole.lblk = start;
	hole.len = end - start;
	out_push(m, &hole);
}

static void push_metas(struct fsimg_map *m)
{
	unsigned i;

	for (i = 0; i < m->nmetas; i++)
		out_push(m, &m->metas[i]);
	m->nmetas = 0;
}

int fsimg_map_open(fsimg_map **out, fsimg_fs *fs, const struct fsimg_inode *inode, unsigned flags)
{
	struct fsimg_map *m;
	uint16_t fmt;
	int err = 0;

	if (!out || !fs || !inode)
		return FSIMG_EINVAL;
	*out = NULL;
	if (flags & ~FSIMG_MAP_TREE)
		return fs_error(fs, FSIMG_EINVAL, "unknown map flags 0x%x", flags);
	/* The handle's spare: a walk over every inode opens one map after another. */
	m = fs->map_spare ? fs->map_spare : malloc(sizeof(*m));
	fs->map_spare = NULL;
	if (!m)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	memset(m, 0, offsetof(struct fsimg_map, metas));
	m->fs = fs;
	m->ino = inode->ino;
	m->flags = flags;
	m->eof_lblk = (inode->size >> fs->log_block_size) +
		      ((inode->size & (fs->block_size - 1)) != 0);

	fmt = inode->mode & S_IFMT_;
	if (fmt == S_IFCHR_ || fmt == S_IFBLK_ || fmt == S_IFIFO_ || fmt == S_IFSOCK_) {
		/* i_block holds a device number or nothing: no data. */
		m->kind = MAP_NONE;
	} else if (inode->flags & EXT4_INLINE_DATA_FL) {
		struct fsimg_run run;
		uint8_t *data = NULL;
		size_t len = 0;

		err = ext4_inline_get(fs, inode->ino, &data, &len);
		free(data);
		if (err < 0)
			goto fail;
		m->kind = MAP_INLINE;
		memset(&run, 0, sizeof(run));
		run.type = FSIMG_RUN_INLINE;
		run.len = len;
		run.flags = FSIMG_RUN_LAST;
		out_push(m, &run);
	} else if (ext4_is_fast_symlink(fs, inode)) {
		struct fsimg_run run;

		if (inode->size >= EXT4_FAST_SYMLINK_MAX) {
			err = fs_error(fs, FSIMG_ECORRUPT,
				       "inode %u: fast symlink of %llu bytes does not fit i_block",
				       inode->ino, (unsigned long long)inode->size);
			goto fail;
		}
		m->kind = MAP_INLINE;
		memset(&run, 0, sizeof(run));
		run.type = FSIMG_RUN_INLINE;
		run.len = inode->size;
		run.flags = FSIMG_RUN_LAST | FSIMG_RUN_TARGET;
		out_push(m, &run);
	} else if (inode->flags & EXT4_EXTENTS_FL) {
		m->kind = MAP_EXTENT;
		err = ext4_ext_walk_open(&m->ext, fs, inode);
		if (err < 0)
			goto fail;
	} else {
		m->kind = MAP_BMAP;
		err = ext4_bmap_walk_open(&m->bmap, fs, inode);
		if (err < 0)
			goto fail;
	}
	if (m->kind == MAP_NONE || m->kind == MAP_INLINE)
		m->src_done = m->done = true;
	*out = m;
	return 0;

fail:
	ext4_map_close(m);
	return err;
}

int ext4_map_open_empty(fsimg_map **out, struct fsimg_fs *fs, fsimg_ino_t ino)
{
	struct fsimg_map *m = fs->map_spare ? fs->map_spare : malloc(sizeof(*m));

	fs->map_spare = NULL;
	if (!m)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	memset(m, 0, offsetof(struct fsimg_map, metas));
	m->fs = fs;
	m->ino = ino;
	m->kind = MAP_NONE;
	m->src_done = m->done = true;
	*out = m;
	return 0;
}

static int src_next(struct fsimg_map *m, struct fsimg_run *run)
{
	if (m->kind == MAP_EXTENT)
		return ext4_ext_walk_next(m->ext, run);
	if (m->kind == MAP_BMAP)
		return ext4_bmap_walk_next(m->bmap, run);
	return 0;
}

int ext4_map_next(fsimg_map *m, struct fsimg_run *run)
{
	struct fsimg_run r;
	int err;

	if (!m || !run)
		return FSIMG_EINVAL;
	for (;;) {
		if (m->out_count) {
			unsigned n = (unsigned)(sizeof(m->out) / sizeof(m->out[0]));

			*run = m->out[m->out_head];
			m->out_head = (m->out_head + 1) % n;
			m->out_count--;
			return 1;
		}
		if (m->done)
			return m->err;
		if (m->src_done) {
			/* The end: the held run was the last; then the tail hole. */
			m->done = true;
			if (m->have_held) {
				m->held.flags |= FSIMG_RUN_LAST;
				out_push(m, &m->held);
				m->have_held = false;
			}
			push_hole(m, m->covered, m->eof_lblk);
			push_metas(m);
			continue;
		}

		err = src_next(m, &r);
		if (err < 0) {
			/* Sticky: a walk that failed does not resume. */
			m->err = err;
			m->done = true;
			m->out_count = 0;
			return err;
		}
		if (err == 0) {
			m->src_done = true;
			continue;
		}
		if (r.type == FSIMG_RUN_META) {
			static const char *const bm[] = { "ind", "ind", "dind", "tind" };

			if (!(m->flags & FSIMG_MAP_TREE))
				continue;
			if (m->kind == MAP_EXTENT) {
				r.kind = r.level == 0 ? "leaf" : "index";
				r.flags |= FSIMG_RUN_COUNTED;
			} else {
				r.kind = r.level >= 1 && r.level <= 3 ? bm[r.level] : "ind";
			}
			if (m->nmetas == MAP_META_WAIT) {
				if (m->have_held) {
					out_push(m, &m->held);
					m->have_held = false;
				}
				push_metas(m);
			}
			m->metas[m->nmetas++] = r;
			continue;
		}

		/* A data run: the held one was not the last. */
		r.flags = r.lblk >= m->eof_lblk ? FSIMG_RUN_BEYOND_EOF : 0;
		if (m->have_held)
			out_push(m, &m->held);
		push_hole(m, m->covered, r.lblk);
		push_metas(m);
		m->held = r;
		m->have_held = true;
		m->covered = r.lblk + r.len;
	}
}

void ext4_map_close(fsimg_map *m)
{
	if (!m)
		return;
	ext4_ext_walk_close(m->ext);
	ext4_bmap_walk_close(m->bmap);
	if (!m->fs->map_spare)
		m->fs->map_spare = m;
	else
		free(m);
}
