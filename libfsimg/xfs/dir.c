/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Version 2 directories in their four forms. Shortform lives in the inode;
 * block, leaf and node directories keep every entry in data blocks below
 * XFS_DIR2_LEAF_OFFSET (the leaf and free-index blocks above it only index
 * them), so the iterator reads those data blocks in file order and names the
 * form from the fork's last block as the kernel does (xfs_dir2_format).
 * Lookup is a scan: an offline reader can afford it, and it does not trust
 * hash indexes that a damaged image may have wrong.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xfs/xfs.h"

struct xfs_dir {
	xfs_fs *fs;
	const struct xfs_inode *ip;
	enum xfs_dir_form form;
	/* shortform */
	size_t sf_off, sf_len, sf_pos;
	unsigned sf_count, sf_idx, dots;
	bool sf_i8;
	uint64_t sf_parent;
	/* block, leaf, node */
	struct xfs_bmap bm;
	uint8_t *blk;
	uint64_t next_lblk, leaf_lblk, cur_lblk;
	size_t pos, end; /* inside blk; pos >= end: read the next block */
};

const char *xfs_dir_form_name(enum xfs_dir_form f)
{
	static const char *const names[] = { "shortform", "block", "leaf", "node" };

	return (unsigned)f < 4 ? names[f] : "?";
}

enum xfs_dir_form xfs_dir_form(const xfs_dir *d)
{
	return d->form;
}

static int sf_open(struct xfs_dir *d)
{
	xfs_fs *fs = d->fs;
	size_t size;
	struct cur c;

	xfs_inode_fork(&d->sf_off, &size, fs, d->ip, XFS_DATA_FORK);
	d->sf_len = d->ip->size < size ? (size_t)d->ip->size : size;
	c = cur_init(d->ip->raw + d->sf_off, d->sf_len);
	d->sf_count = cur_u8(&c, 0);
	d->sf_i8 = cur_u8(&c, 1) != 0;
	d->sf_parent = d->sf_i8 ? cur_be64(&c, 2) : cur_be32(&c, 2);
	d->sf_pos = d->sf_i8 ? XFS_DIR2_SF_HDR_SIZE_8 : XFS_DIR2_SF_HDR_SIZE_4;
	if (c.err)
		return xfs_error(fs, FSIMG_ECORRUPT, "directory %llu: shortform header past the fork",
				 (unsigned long long)d->ip->ino);
	return 0;
}

static int sf_next(struct xfs_dir *d, struct xfs_dirent *ent)
{
	xfs_fs *fs = d->fs;
	struct cur c = cur_init(d->ip->raw + d->sf_off, d->sf_len);
	size_t p = d->sf_pos;
	uint8_t namelen;

	if (d->sf_idx >= d->sf_count) {
		if (p != d->sf_len)
			xfs_finding(fs, FSIMG_ECORRUPT, "directory %llu: shortform size %zu, entries end at %zu",
				    (unsigned long long)d->ip->ino, d->sf_len, p);
		return 0;
	}
	namelen = cur_u8(&c, p);
	/* namelen, offset (2 bytes), name, ftype, inumber */
	cur_bytes(&c, p + 3, ent->name, namelen);
	ent->namelen = namelen;
	ent->name[namelen] = 0;
	p += 3 + namelen;
	ent->ftype = fs->ftype ? cur_u8(&c, p++) : XFS_DIR3_FT_UNKNOWN;
	ent->ino = d->sf_i8 ? cur_be64(&c, p) : cur_be32(&c, p);
	p += d->sf_i8 ? 8 : 4;
	if (c.err || namelen == 0)
		return xfs_error(fs, FSIMG_ECORRUPT, "directory %llu: shortform entry %u runs past the fork",
				 (unsigned long long)d->ip->ino, d->sf_idx);
	d->sf_pos = p;
	d->sf_idx++;
	return 1;
}

/* Finds and reads the next data block at or after next_lblk; 1, 0 at the last, <0. */
static int next_block(struct xfs_dir *d)
{
	xfs_fs *fs = d->fs;
	unsigned long long ino = (unsigned long long)d->ip->ino;

	for (;;) {
		uint64_t l = d->next_lblk;
		const struct xfs_irec *r = NULL;
		bool is_block = d->form == XFS_DIR_BLOCK;
		struct cur c;
		uint32_t magic;
		int ret;

		/* the first record ending past l */
		for (size_t lo = 0, hi = d->bm.n; lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;

			if (d->bm.rec[mid].startoff + d->bm.rec[mid].blockcount <= l) {
				lo = mid + 1;
			} else {
				r = &d->bm.rec[mid];
				hi = mid;
			}
		}
		if (!r)
			return 0;
		if (r->startoff > l)
			l = r->startoff & ~(uint64_t)(fs->dir_fsbs - 1);
		if (l < d->next_lblk)
			l = d->next_lblk;
		if (l >= d->leaf_lblk)
			return 0;
		d->next_lblk = l + fs->dir_fsbs;
		d->cur_lblk = l;
		ret = xfs_bmap_read_once(fs, &d->bm, d->blk, l, fs->dir_fsbs);
		if (ret == FSIMG_ECORRUPT) {
			xfs_finding(fs, ret, "directory %llu: data block %llu: %s", ino,
				    (unsigned long long)l, fs->errmsg);
			continue;
		}
		if (ret)
			return ret;
		c = cur_init(d->blk, fs->dirblksize);
		magic = cur_be32(&c, 0);
		if (magic != (fs->v5 ? (is_block ? XFS_DIR3_BLOCK_MAGIC : XFS_DIR3_DATA_MAGIC)
				     : (is_block ? XFS_DIR2_BLOCK_MAGIC : XFS_DIR2_DATA_MAGIC))) {
			xfs_finding(fs, FSIMG_ECORRUPT, "directory %llu: data block %llu: bad magic %#x",
				    ino, (unsigned long long)l, magic);
			continue;
		}
		if (fs->v5) {
			if (!xfs_verify_cksum(d->blk, fs->dirblksize, XFS_DIR3_DATA_CRC_OFF))
				xfs_finding(fs, FSIMG_ECSUM, "directory %llu: data block %llu: bad CRC", ino,
					    (unsigned long long)l);
			if (cur_be64(&c, XFS_DIR3_BLK_HDR_OWNER_OFF) != d->ip->ino)
				xfs_finding(fs, FSIMG_ECORRUPT, "directory %llu: data block %llu: wrong owner",
					    ino, (unsigned long long)l);
		}
		d->pos = fs->v5 ? XFS_DIR3_DATA_HDR_SIZE : XFS_DIR2_DATA_HDR_SIZE;
		d->end = fs->dirblksize;
		if (is_block) {
			/* the block tail (count, stale) and count leaf entries end the block */
			uint32_t count = cur_be32(&c, fs->dirblksize - XFS_DIR2_BLOCK_TAIL_SIZE);
			uint64_t tail = XFS_DIR2_BLOCK_TAIL_SIZE + (uint64_t)count * XFS_DIR2_LEAF_ENTRY_SIZE;

			if (tail > fs->dirblksize - d->pos) {
				xfs_finding(fs, FSIMG_ECORRUPT, "directory %llu: block tail counts %u leaf entries",
					    ino, count);
				continue;
			}
			d->end = fs->dirblksize - (size_t)tail;
		}
		return 1;
	}
}

static int data_next(struct xfs_dir *d, struct xfs_dirent *ent)
{
	xfs_fs *fs = d->fs;
	size_t ftype = fs->ftype ? 1 : 0;

	for (;;) {
		struct cur c;
		size_t p = d->pos, size;
		uint8_t namelen = 0;

		if (p >= d->end) {
			int ret = next_block(d);

			if (ret <= 0)
				return ret;
			continue;
		}
		c = cur_init(d->blk, d->end);
		if (cur_be16(&c, p) == XFS_DIR2_DATA_FREE_TAG) {
			size = cur_be16(&c, p + 2);
		} else {
			/* inumber, namelen, name, ftype, tag; 8-byte aligned */
			namelen = cur_u8(&c, p + 8);
			size = (8 + 1 + namelen + ftype + 2 + 7) & ~(size_t)7;
			if (namelen == 0)
				size = 0;
		}
		if (size < 8 || size % 8 || size > d->end - p) {
			xfs_finding(fs, FSIMG_ECORRUPT,
				    "directory %llu: data block %llu: bad entry at offset %zu, rest of block skipped",
				    (unsigned long long)d->ip->ino, (unsigned long long)d->cur_lblk, p);
			d->pos = d->end;
			continue;
		}
		d->pos = p + size;
		if (cur_be16(&c, p) == XFS_DIR2_DATA_FREE_TAG)
			continue;
		if (cur_be16(&c, p + size - 2) != p)
			xfs_finding(fs, FSIMG_ECORRUPT, "directory %llu: entry at offset %zu tagged %u",
				    (unsigned long long)d->ip->ino, p, cur_be16(&c, p + size - 2));
		ent->ino = cur_be64(&c, p);
		ent->namelen = namelen;
		cur_bytes(&c, p + 9, ent->name, namelen);
		ent->name[namelen] = 0;
		ent->ftype = ftype ? cur_u8(&c, p + 9 + namelen) : XFS_DIR3_FT_UNKNOWN;
		return 1;
	}
}

int xfs_dir_open(xfs_dir **out, xfs_fs *fs, const struct xfs_inode *ip)
{
	struct xfs_dir *d;
	int ret = 0;

	*out = NULL;
	if (!S_ISDIR(ip->mode))
		return xfs_error(fs, FSIMG_ENOTDIR, "inode %llu: not a directory",
				 (unsigned long long)ip->ino);
	d = calloc(1, sizeof(*d));
	if (!d)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	d->fs = fs;
	d->ip = ip;
	d->leaf_lblk = XFS_DIR2_LEAF_OFFSET >> fs->sb.blocklog;
	if (ip->format == XFS_DINODE_FMT_LOCAL) {
		d->form = XFS_DIR_SHORTFORM;
		ret = sf_open(d);
	} else {
		ret = xfs_bmap_load(&d->bm, fs, ip, XFS_DATA_FORK);
		if (!ret) {
			const struct xfs_irec *last = d->bm.n ? &d->bm.rec[d->bm.n - 1] : NULL;
			uint64_t end = last ? last->startoff + last->blockcount : 0;

			if ((end << fs->sb.blocklog) == fs->dirblksize)
				d->form = XFS_DIR_BLOCK;
			else if (end == d->leaf_lblk + fs->dir_fsbs)
				d->form = XFS_DIR_LEAF;
			else
				d->form = XFS_DIR_NODE;
			d->blk = malloc(fs->dirblksize);
			if (!d->blk)
				ret = xfs_error(fs, FSIMG_ENOMEM, "out of memory");
		}
	}
	if (ret) {
		xfs_dir_close(d);
		return ret;
	}
	*out = d;
	return 0;
}

int xfs_dir_next(xfs_dir *d, struct xfs_dirent *ent)
{
	if (d->form != XFS_DIR_SHORTFORM)
		return data_next(d, ent);
	if (d->dots < 2) {
		/* shortform keeps no "." or "..": give them as the other forms do */
		ent->ino = d->dots ? d->sf_parent : d->ip->ino;
		ent->ftype = d->fs->ftype ? XFS_DIR3_FT_DIR : XFS_DIR3_FT_UNKNOWN;
		ent->namelen = (uint8_t)(d->dots + 1);
		memcpy(ent->name, "..", ent->namelen);
		ent->name[ent->namelen] = 0;
		d->dots++;
		return 1;
	}
	return sf_next(d, ent);
}

void xfs_dir_close(xfs_dir *d)
{
	if (!d)
		return;
	xfs_bmap_free(&d->bm);
	free(d->blk);
	free(d);
}

int xfs_dir_lookup(uint64_t *ino, xfs_fs *fs, const struct xfs_inode *ip, const char *name,
		   size_t namelen)
{
	struct xfs_dirent ent;
	xfs_dir *d;
	int ret = xfs_dir_open(&d, fs, ip);

	if (ret)
		return ret;
	while ((ret = xfs_dir_next(d, &ent)) > 0)
		if (ent.namelen == namelen && !memcmp(ent.name, name, namelen)) {
			*ino = ent.ino;
			break;
		}
	xfs_dir_close(d);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return xfs_error(fs, FSIMG_ENOENT, "%.*s: no such file or directory", (int)namelen, name);
	return 0;
}
