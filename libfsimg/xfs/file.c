/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File data through the data fork's extents (holes and unwritten extents
 * read as zeros, cut at di_size) and symlink targets, local or remote.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xfs/xfs.h"

struct xfs_file {
	xfs_fs *fs;
	const struct xfs_inode *ip;
	struct xfs_bmap bm;
	unsigned flags;
	bool local;
};

int xfs_file_open(xfs_file **out, xfs_fs *fs, const struct xfs_inode *ip, unsigned flags)
{
	struct xfs_file *f;
	int ret;

	*out = NULL;
	if (!S_ISREG(ip->mode) && !S_ISDIR(ip->mode))
		return xfs_error(fs, FSIMG_ENOTSUP_OP, "inode %llu: not a regular file or directory",
				 (unsigned long long)ip->ino);
	if (ip->flags & XFS_DIFLAG_REALTIME)
		return xfs_error(fs, FSIMG_EUNSUPP, "inode %llu: data on the realtime device is not read",
				 (unsigned long long)ip->ino);
	f = calloc(1, sizeof(*f));
	if (!f)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	f->fs = fs;
	f->ip = ip;
	f->flags = flags;
	f->local = ip->format == XFS_DINODE_FMT_LOCAL;
	if (!f->local) {
		ret = xfs_bmap_load(&f->bm, fs, ip, XFS_DATA_FORK);
		if (ret) {
			free(f);
			return ret;
		}
	}
	*out = f;
	return 0;
}

/* The first record's start after lblk (binary search), or UINT64_MAX. */
static uint64_t next_start(const struct xfs_bmap *bm, uint64_t lblk)
{
	size_t lo = 0, hi = bm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bm->rec[mid].startoff > lblk)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < bm->n ? bm->rec[lo].startoff : UINT64_MAX;
}

int64_t xfs_file_read(xfs_file *f, void *buf, size_t len, uint64_t off)
{
	xfs_fs *fs = f->fs;
	uint64_t size = f->ip->size, bs = fs->blocksize;
	uint8_t *p = buf;
	size_t done = 0;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > INT64_MAX)
		len = INT64_MAX;
	if (f->local) {
		size_t foff, fsize;

		xfs_inode_fork(&foff, &fsize, fs, f->ip, XFS_DATA_FORK);
		if (off + len > fsize)
			return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: local data past its fork",
					 (unsigned long long)f->ip->ino);
		memcpy(p, f->ip->raw + foff + off, len);
		return (int64_t)len;
	}
	while (done < len) {
		uint64_t pos = off + done, lblk = pos >> fs->sb.blocklog, in_blk = pos & (bs - 1);
		const struct xfs_irec *r = xfs_bmap_lookup(&f->bm, lblk);
		size_t n;

		if (!r || (r->unwritten && !(f->flags & XFS_READ_RAW))) {
			/* zeros to the next extent (or the end) */
			uint64_t end_blk = r ? r->startoff + r->blockcount : next_start(&f->bm, lblk);
			uint64_t zeros = UINT64_MAX; /* bytes up to end_blk, counted in blocks first */

			if (end_blk - lblk <= (UINT64_MAX >> fs->sb.blocklog))
				zeros = ((end_blk - lblk) << fs->sb.blocklog) - in_blk;
			n = len - done;
			if (zeros < n)
				n = (size_t)zeros;
			memset(p + done, 0, n);
			done += n;
			continue;
		}
		{
			uint64_t in = lblk - r->startoff, nblk = r->blockcount - in;
			uint64_t avail = (nblk << fs->sb.blocklog) - in_blk;
			uint64_t byte = (xfs_fsb_to_linear(fs, r->startblock + in) << fs->sb.blocklog) + in_blk;

			n = len - done;
			if (avail < n)
				n = (size_t)avail;
			if (fsimg_io_read(fs->io, p + done, n, byte)) {
				return xfs_error(fs, FSIMG_EIO,
						 "inode %llu: cannot read %zu bytes at byte %llu: image truncated?",
						 (unsigned long long)f->ip->ino, n, (unsigned long long)byte);
			}
			done += n;
		}
	}
	return (int64_t)done;
}

void xfs_file_close(xfs_file *f)
{
	if (!f)
		return;
	xfs_bmap_free(&f->bm);
	free(f);
}

int xfs_symlink_read(char *buf, size_t buflen, xfs_fs *fs, const struct xfs_inode *ip)
{
	size_t len = (size_t)ip->size, off, size;
	struct xfs_bmap bm;
	uint8_t *blk;
	size_t got = 0, space = fs->v5 ? fs->blocksize - sizeof(struct xfs_dsymlink_hdr) : fs->blocksize;
	int ret = 0;

	if (!S_ISLNK(ip->mode))
		return xfs_error(fs, FSIMG_ENOTSUP_OP, "inode %llu: not a symlink",
				 (unsigned long long)ip->ino);
	if (len == 0 || len > XFS_SYMLINK_MAXLEN || buflen < len + 1)
		return xfs_error(fs, len > XFS_SYMLINK_MAXLEN ? FSIMG_ECORRUPT : FSIMG_EINVAL,
				 "inode %llu: symlink of %zu bytes", (unsigned long long)ip->ino, len);
	if (ip->format == XFS_DINODE_FMT_LOCAL) {
		xfs_inode_fork(&off, &size, fs, ip, XFS_DATA_FORK);
		memcpy(buf, ip->raw + off, len);
		buf[len] = 0;
		return (int)len;
	}
	ret = xfs_bmap_load(&bm, fs, ip, XFS_DATA_FORK);
	if (ret)
		return ret;
	blk = malloc(fs->blocksize);
	if (!blk) {
		xfs_bmap_free(&bm);
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	}
	for (uint64_t lblk = 0; !ret && got < len; lblk++) {
		size_t n = len - got < space ? len - got : space, hdr = 0;

		ret = xfs_bmap_read(fs, &bm, blk, lblk, 1);
		if (ret)
			break;
		if (fs->v5) {
			/* xfs_symlink_verify: magic, offset, bytes, owner; then the CRC */
			struct cur c = cur_init(blk, fs->blocksize);

			hdr = sizeof(struct xfs_dsymlink_hdr);
			if (CUR_BE32(&c, 0, struct xfs_dsymlink_hdr, sl_magic) != XFS_SYMLINK_MAGIC ||
			    CUR_BE32(&c, 0, struct xfs_dsymlink_hdr, sl_offset) != got ||
			    CUR_BE32(&c, 0, struct xfs_dsymlink_hdr, sl_bytes) != n) {
				ret = xfs_error(fs, FSIMG_ECORRUPT,
						"inode %llu: remote symlink block %llu has no valid header",
						(unsigned long long)ip->ino, (unsigned long long)lblk);
				break;
			}
			if (CUR_BE64(&c, 0, struct xfs_dsymlink_hdr, sl_owner) != ip->ino)
				xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: remote symlink block: wrong owner",
					    (unsigned long long)ip->ino);
			if (!xfs_verify_cksum(blk, fs->blocksize, XFS_RMT_CRC_OFF))
				xfs_finding(fs, FSIMG_ECSUM, "inode %llu: remote symlink block: bad CRC",
					    (unsigned long long)ip->ino);
		}
		memcpy(buf + got, blk + hdr, n);
		got += n;
	}
	free(blk);
	xfs_bmap_free(&bm);
	if (ret)
		return ret;
	buf[len] = 0;
	return (int)len;
}
