/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext4 backend's ops table: the neutral calls of fsimg/fsimg.h in terms
 * of the raw-inode calls of fsimg/ext4.h. The last inode read is kept in the
 * handle, so that a caller who stats an inode and then maps or reads it
 * (every walk does) parses and checksums it once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"
#include "jbd2/jbd2.h"

/* The inode through the one-entry cache; ERANGE for numbers past 32 bits. */
static int ext4_inode_get(const struct fsimg_inode **out, struct fsimg_fs *fs, fsimg_inum_t ino)
{
	int err;

	if (ino > UINT32_MAX)
		return fs_error(fs, FSIMG_ERANGE, "inode %llu out of range (1..%u)",
				(unsigned long long)ino, fs->sb.inodes_count);
	if (!fs->icache_valid || fs->icache.ino != ino) {
		fs->icache_valid = false;
		err = fsimg_inode_read(&fs->icache, fs, (fsimg_ino_t)ino);
		if (err < 0)
			return err;
		fs->icache_valid = true;
	}
	*out = &fs->icache;
	return 0;
}

/* ----------------------------------------------------------------- info */

static void feature_names(struct fsimg_fs *fs, struct fsimg_fs_info *out)
{
	const uint32_t words[3] = { fs->sb.feature_compat, fs->sb.feature_incompat,
				    fs->sb.feature_ro_compat };
	static const int kinds[3] = { FSIMG_FEATURE_COMPAT, FSIMG_FEATURE_INCOMPAT,
				      FSIMG_FEATURE_RO_COMPAT };
	static const char *const prefix[3] = { "FEATURE_C", "FEATURE_I", "FEATURE_R" };
	size_t n = 0;

	for (int k = 0; k < 3; k++) {
		for (unsigned bit = 0; bit < 32; bit++) {
			const char *name;

			if (!(words[k] & (1u << bit)))
				continue;
			name = fsimg_ext4_feature_name(kinds[k], bit);
			if (!name) {
				/* e2p's spelling for bits it has no name for. */
				snprintf(fs->feat_unknown[n], sizeof(fs->feat_unknown[n]), "%s%u",
					 prefix[k], bit);
				name = fs->feat_unknown[n];
			}
			fs->feat_names[n++] = name;
		}
	}
	out->features = fs->feat_names;
	out->nfeatures = n;
}

static int ext4_info(struct fsimg_fs_info *out, fsimg_fs *fs)
{
	const struct fsimg_super *sb = &fs->sb;

	out->type = ext4_fs_type(fs);
	out->backend = "ext4";
	out->block_size = sb->block_size;
	out->blocks = sb->blocks_count;
	out->free_blocks = sb->free_blocks_count;
	out->inodes = sb->inodes_count;
	out->free_inodes = sb->free_inodes_count;
	out->root_ino = FSIMG_ROOT_INO;
	out->max_ino = (fsimg_inum_t)sb->inodes_count + 1;
	out->inode_size = sb->inode_size;
	memcpy(out->uuid, sb->uuid, sizeof(out->uuid));
	snprintf(out->label, sizeof(out->label), "%s", sb->volume_name);
	feature_names(fs, out);
	/* ext4 maps data only: xattrs live in the inode, a block or EA inodes. */
	out->forks = 1u << FSIMG_FORK_DATA;
	out->block_extras = 0;
	out->has_log = sb->has_journal;
	out->needs_recovery = sb->needs_recovery;
	out->super_csum = sb->csum_state;
	out->super_csum_stored = sb->checksum;
	out->group_name = "group";
	out->groups = sb->group_count;
	out->group_blocks = sb->blocks_per_group;
	return 0;
}

/* ---------------------------------------------------------------- inodes */

/* i_flags by the names the kernel's EXT4_*_FL carry (lsattr's long words). */
static const char *const iflag_names[32] = {
	"secrm", "unrm", "compr", "sync", "immutable", "append", "nodump", "noatime",
	"dirty", "comprblk", "nocompr", "encrypt", "index", "imagic", "journal_data", "notail",
	"dirsync", "topdir", "huge_file", "extents", "verity", "ea_inode", NULL, NULL,
	NULL, "dax", NULL, NULL, "inline_data", "projinherit", "casefold", NULL,
};

static struct fsimg_time ext4_time(uint32_t lo, uint32_t extra)
{
	struct fsimg_time t;

	/* The kernel's ext4_decode_extra_time: two epoch bits, then nanoseconds. */
	t.sec = (int32_t)lo + ((int64_t)(extra & 3) << 32);
	t.nsec = extra >> 2;
	return t;
}

static int ext4_stat(struct fsimg_stat *out, fsimg_fs *fs, fsimg_inum_t ino)
{
	const struct fsimg_inode *in = NULL;
	int err = ext4_inode_get(&in, fs, ino);

	if (err < 0)
		return err;
	out->ino = in->ino;
	out->mode = in->mode;
	out->type = fsimg_mode_ftype(in->mode);
	out->uid = in->uid;
	out->gid = in->gid;
	out->links = in->links_count;
	out->size = in->size;
	out->blocks = in->blocks;
	out->atime = ext4_time(in->atime, in->atime_extra);
	out->mtime = ext4_time(in->mtime, in->mtime_extra);
	out->ctime = ext4_time(in->ctime, in->ctime_extra);
	if (in->crtime || in->crtime_extra)
		out->crtime = ext4_time(in->crtime, in->crtime_extra);
	if (out->type == FSIMG_FT_CHR || out->type == FSIMG_FT_BLK) {
		/* Old encoding in i_block[0], new (huge) in i_block[1], as the kernel reads them. */
		uint32_t old = in->i_block[0] | (uint32_t)in->i_block[1] << 8;
		uint32_t dev = in->i_block[4] | (uint32_t)in->i_block[5] << 8 |
			       (uint32_t)in->i_block[6] << 16 | (uint32_t)in->i_block[7] << 24;

		if (old) {
			out->rdev_major = (old >> 8) & 0xff;
			out->rdev_minor = old & 0xff;
		} else {
			out->rdev_major = (dev & 0xfff00) >> 8;
			out->rdev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
		}
	}
	out->generation = in->generation;
	out->raw_flags = in->flags;
	for (uint32_t left = in->flags; left; left &= left - 1) {
		unsigned bit = (unsigned)__builtin_ctz(left);

		if (iflag_names[bit])
			out->flags[out->nflags++] = iflag_names[bit];
		else
			out->unknown_flags |= 1u << bit;
	}
	out->csum_state = in->csum_state;
	return 0;
}

static int ext4_readlink(char *buf, size_t buflen, fsimg_fs *fs, fsimg_inum_t ino)
{
	const struct fsimg_inode *in = NULL;
	int err = ext4_inode_get(&in, fs, ino);

	if (err < 0)
		return err;
	return fsimg_symlink_read(buf, buflen, fs, in);
}

static int ext4_lookup(fsimg_inum_t *out, fsimg_fs *fs, const char *path)
{
	fsimg_ino_t ino;
	int err = fsimg_path_lookup(&ino, fs, path);

	if (err < 0)
		return err;
	*out = ino;
	return 0;
}

/*
 * In-use inodes, group by group: the inode bitmap read once per group; with
 * group checksums an INODE_UNINIT group and the unused tail of an inode
 * table (itable_unused) hold none, as e2fsck reads them. A group whose
 * descriptor cannot be read is an error (next goes on with the next group);
 * one whose bitmap cannot be read is skipped.
 */
struct fsimg_inodes {
	struct fsimg_fs *fs;         /* first: the front finds the ops through it */
	fsimg_group_t g;
	uint64_t ino, last;          /* the rest of the current group */
	bool csum;
	uint8_t *bitmap;
};

static int ext4_inodes_open(fsimg_inodes **out, fsimg_fs *fs)
{
	struct fsimg_inodes *it = calloc(1, sizeof(*it));

	if (!it || !(it->bitmap = fs_block_alloc(fs))) {
		free(it);
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	}
	it->fs = fs;
	it->csum = fs->metadata_csum || fs->gdt_csum;
	*out = it;
	return 0;
}

/* Loads group it->g; 1 when it has inodes to offer, 0 to skip it, <0. */
static int inodes_group(struct fsimg_inodes *it, uint64_t first)
{
	struct fsimg_fs *fs = it->fs;
	const struct fsimg_super *sb = &fs->sb;
	struct fsimg_group gd;
	uint64_t last = first + sb->inodes_per_group - 1;
	int err;

	if (last > sb->inodes_count)
		last = sb->inodes_count;
	err = fsimg_ext4_group_get(&gd, fs, it->g);
	if (err < 0) {
		char msg[sizeof(fs->errmsg)];

		snprintf(msg, sizeof(msg), "%s", fsimg_fs_errmsg(fs)[0] ? fsimg_fs_errmsg(fs) :
			 fsimg_strerror(err));
		return fs_error(fs, err, "group %u: %s", it->g, msg);
	}
	if (it->csum && (gd.flags & FSIMG_BG_INODE_UNINIT))
		return 0;
	if (it->csum && gd.itable_unused < sb->inodes_per_group &&
	    last > first + (sb->inodes_per_group - gd.itable_unused) - 1)
		last = first + (sb->inodes_per_group - gd.itable_unused) - 1;
	if (!fs_pblk_ok(fs, gd.inode_bitmap) || fs_read_block(fs, gd.inode_bitmap, it->bitmap) < 0)
		return 0;
	it->ino = first;
	it->last = last;
	return 1;
}

static int ext4_inodes_next(fsimg_inodes *it, fsimg_inum_t *ino)
{
	const struct fsimg_super *sb = &it->fs->sb;

	for (;;) {
		while (it->ino && it->ino <= it->last) {
			/* inodes_per_group <= 8 * block_size, checked with the superblock. */
			uint32_t index = (uint32_t)((it->ino - 1) % sb->inodes_per_group);
			uint64_t cur = it->ino++;

			if ((it->bitmap[index >> 3] >> (index & 7)) & 1) {
				*ino = cur;
				return 1;
			}
		}
		it->ino = it->last = 0;
		while (it->g < sb->group_count) {
			uint64_t first = (uint64_t)it->g * sb->inodes_per_group + 1;
			int r;

			if (first > sb->inodes_count) {
				it->g = sb->group_count;
				break;
			}
			r = inodes_group(it, first);
			it->g++;
			if (r < 0)
				return r;
			if (r > 0)
				break;
		}
		if (!it->ino)
			return 0;
	}
}

static void ext4_inodes_close(fsimg_inodes *it)
{
	free(it->bitmap);
	free(it);
}

/* ----------------------------------------------------------- directories */

struct fsimg_readdir {
	struct fsimg_fs *fs;         /* first: the front finds the ops through it */
	fsimg_dir *dir;
	struct fsimg_dirent de;
};

static int ext4_readdir_open(fsimg_readdir **out, fsimg_fs *fs, fsimg_inum_t dir)
{
	struct fsimg_readdir *d;
	int err;

	if (dir > UINT32_MAX)
		return fs_error(fs, FSIMG_ERANGE, "inode %llu out of range (1..%u)",
				(unsigned long long)dir, fs->sb.inodes_count);
	d = malloc(sizeof(*d));
	if (!d)
		return fs_error(fs, FSIMG_ENOMEM, "out of memory");
	d->fs = fs;
	err = fsimg_dir_open(&d->dir, fs, (fsimg_ino_t)dir);
	if (err < 0) {
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

static int ext4_readdir_next(fsimg_readdir *d, struct fsimg_entry *ent)
{
	int r = fsimg_dir_next(d->dir, &d->de);

	if (r <= 0)
		return r;
	ent->ino = d->de.ino;
	/* file_type 1..7 is FSIMG_FT_* by design; anything else says nothing. */
	ent->type = d->de.file_type <= 7 ? (enum fsimg_ftype)d->de.file_type : FSIMG_FT_UNKNOWN;
	ent->name_len = d->de.name_len;
	memcpy(ent->name, d->de.name, d->de.name_len);
	ent->name[d->de.name_len] = '\0';
	return 1;
}

static void ext4_readdir_close(fsimg_readdir *d)
{
	fsimg_dir_close(d->dir);
	free(d);
}

/* ------------------------------------------------------- maps and files */

static int ext4_map_open_fork(fsimg_map **out, fsimg_fs *fs, fsimg_inum_t ino,
			      enum fsimg_fork fork, unsigned flags)
{
	const struct fsimg_inode *in = NULL;
	int err = ext4_inode_get(&in, fs, ino);

	if (err < 0)
		return err;
	if (fork == FSIMG_FORK_DATA)
		return fsimg_map_open(out, fs, in, flags);
	/*
	 * ext4 has no copy-on-write fork, and its xattrs live in the inode, an
	 * xattr block or EA inodes, none of them a mapping of the inode's own.
	 */
	return ext4_map_open_empty(out, fs, in->ino);
}

static int ext4_file_open_ino(fsimg_file **out, fsimg_fs *fs, fsimg_inum_t ino, unsigned flags)
{
	const struct fsimg_inode *in = NULL;
	int err = ext4_inode_get(&in, fs, ino);

	if (err < 0)
		return err;
	return fsimg_file_open(out, fs, in, flags);
}

const struct fsimg_backend fsimg_backend_ext4 = {
	.name = "ext4",
	.match = ext4_fs_match,
	.probe_name = ext4_probe_name,
	.open = ext4_fs_open,
	.rescue = ext4_fs_rescue,
	.close = ext4_fs_close,
	.info = ext4_info,
	.type = ext4_fs_type,
	.has_feature = ext4_has_feature_named,
	.stat = ext4_stat,
	.readlink = ext4_readlink,
	.lookup = ext4_lookup,
	.inodes_open = ext4_inodes_open,
	.inodes_next = ext4_inodes_next,
	.inodes_close = ext4_inodes_close,
	.readdir_open = ext4_readdir_open,
	.readdir_next = ext4_readdir_next,
	.readdir_close = ext4_readdir_close,
	.map_open = ext4_map_open_fork,
	.map_next = ext4_map_next,
	.map_close = ext4_map_close,
	.recovery_plan = jbd2_recovery_plan,
	.file_open = ext4_file_open_ino,
	.file_read = ext4_file_read,
	.file_close = ext4_file_close,
};
