/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extended attributes: shortform in the inode, leaf blocks, node (dabtree)
 * forks, and remote values in blocks of their own (on v5 each block carries
 * a header with owner, offset and CRC). Attribute blocks are filesystem
 * blocks. The node walk is bounded by XFS_DA_NODE_MAXDEPTH, levels that must
 * decrease, and a budget of the fork's mapped blocks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xfs/xfs.h"

const char *xfs_attr_namespace(uint8_t flags)
{
	if (flags & XFS_ATTR_PARENT)
		return "parent";
	if (flags & XFS_ATTR_SECURE)
		return "secure";
	if (flags & XFS_ATTR_ROOT)
		return "trusted";
	return "user";
}

struct awalk {
	xfs_fs *fs;
	const struct xfs_inode *ip;
	struct xfs_bmap bm;
	uint8_t *value; /* XFS_XATTR_SIZE_MAX bytes */
	uint8_t *rblk;  /* one block for remote values */
	uint64_t budget;
	xfs_attr_fn fn;
	void *ctx;
};

static int walk_sf(struct awalk *w)
{
	xfs_fs *fs = w->fs;
	size_t off, size, p = XFS_ATTR_SF_HDR_SIZE;
	struct cur c;
	unsigned count;

	xfs_inode_fork(&off, &size, fs, w->ip, XFS_ATTR_FORK);
	c = cur_init(w->ip->raw + off, size);
	if (cur_be16(&c, 0) < size)
		c.len = cur_be16(&c, 0); /* totsize bounds the entries */
	count = cur_u8(&c, 2);
	for (unsigned i = 0; i < count; i++) {
		struct xfs_attr a = { 0 };
		const uint8_t *nv;
		int ret;

		a.namelen = cur_u8(&c, p);
		a.valuelen = cur_u8(&c, p + 1);
		a.flags = cur_u8(&c, p + 2);
		nv = cur_ptr(&c, p + 3, (size_t)a.namelen + a.valuelen);
		if (!nv || c.err)
			return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: shortform attribute %u past the fork",
					 (unsigned long long)w->ip->ino, i);
		memcpy(a.name, nv, a.namelen);
		a.value = nv + a.namelen;
		p += 3 + (size_t)a.namelen + a.valuelen;
		ret = w->fn(w->ctx, &a);
		if (ret)
			return ret;
	}
	return 0;
}

/* Reads a remote value of valuelen bytes from attr-fork block blk into w->value. */
static int read_remote(struct awalk *w, uint32_t blk, uint32_t valuelen)
{
	xfs_fs *fs = w->fs;
	size_t hdr = fs->v5 ? sizeof(struct xfs_attr3_rmt_hdr) : 0, space = fs->blocksize - hdr;
	size_t got = 0;

	for (uint64_t l = blk; got < valuelen; l++) {
		size_t n = valuelen - got < space ? valuelen - got : space;
		int ret = xfs_bmap_read(fs, &w->bm, w->rblk, l, 1);

		if (ret)
			return ret;
		if (fs->v5) {
			struct cur c = cur_init(w->rblk, fs->blocksize);

			if (CUR_BE32(&c, 0, struct xfs_attr3_rmt_hdr, rm_magic) != XFS_ATTR3_RMT_MAGIC ||
			    CUR_BE32(&c, 0, struct xfs_attr3_rmt_hdr, rm_offset) != got ||
			    CUR_BE32(&c, 0, struct xfs_attr3_rmt_hdr, rm_bytes) != n)
				return xfs_error(fs, FSIMG_ECORRUPT,
						 "inode %llu: remote attribute block %llu: bad header",
						 (unsigned long long)w->ip->ino, (unsigned long long)l);
			if (CUR_BE64(&c, 0, struct xfs_attr3_rmt_hdr, rm_owner) != w->ip->ino)
				xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: remote attribute block %llu: wrong owner",
					    (unsigned long long)w->ip->ino, (unsigned long long)l);
			if (!xfs_verify_cksum(w->rblk, fs->blocksize, XFS_RMT_CRC_OFF))
				xfs_finding(fs, FSIMG_ECSUM, "inode %llu: remote attribute block %llu: bad CRC",
					    (unsigned long long)w->ip->ino, (unsigned long long)l);
		}
		memcpy(w->value + got, w->rblk + hdr, n);
		got += n;
	}
	return 0;
}

static int walk_leaf(struct awalk *w, const uint8_t *b, uint64_t lblk)
{
	xfs_fs *fs = w->fs;
	struct cur c = cur_init(b, fs->blocksize);
	size_t hdr = fs->v5 ? XFS_ATTR3_LEAF_HDR_SIZE : XFS_ATTR_LEAF_HDR_SIZE;
	uint16_t count = cur_be16(&c, fs->v5 ? 56 : 12);
	unsigned long long ino = (unsigned long long)w->ip->ino;

	if (hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE > fs->blocksize)
		return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: attribute leaf %llu counts %u entries",
				 ino, (unsigned long long)lblk, count);
	for (unsigned i = 0; i < count; i++) {
		size_t e = hdr + (size_t)i * XFS_ATTR_LEAF_ENTRY_SIZE;
		size_t idx = cur_be16(&c, e + 4);
		struct xfs_attr a = { 0 };
		int ret;

		a.flags = cur_u8(&c, e + 6);
		if (a.flags & XFS_ATTR_INCOMPLETE)
			continue; /* a set or remove that never finished */
		if (a.flags & XFS_ATTR_LOCAL) {
			/* valuelen, namelen, name, value */
			const uint8_t *nv;

			a.valuelen = cur_be16(&c, idx);
			a.namelen = cur_u8(&c, idx + 2);
			nv = cur_ptr(&c, idx + 3, (size_t)a.namelen + a.valuelen);
			if (!nv) {
				xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: attribute leaf %llu entry %u past the block",
					    ino, (unsigned long long)lblk, i);
				continue;
			}
			memcpy(a.name, nv, a.namelen);
			a.value = nv + a.namelen;
		} else {
			/* valueblk, valuelen, namelen, name */
			uint32_t vblk = cur_be32(&c, idx);
			const uint8_t *nm;

			a.remote = true;
			a.valuelen = cur_be32(&c, idx + 4);
			a.namelen = cur_u8(&c, idx + 8);
			nm = cur_ptr(&c, idx + 9, a.namelen);
			if (!nm || a.valuelen > XFS_XATTR_SIZE_MAX) {
				xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: attribute leaf %llu entry %u is bad",
					    ino, (unsigned long long)lblk, i);
				continue;
			}
			memcpy(a.name, nm, a.namelen);
			ret = read_remote(w, vblk, a.valuelen);
			if (ret) {
				xfs_finding(fs, ret, "%s", fs->errmsg);
				continue;
			}
			a.value = w->value;
		}
		ret = w->fn(w->ctx, &a);
		if (ret)
			return ret;
	}
	return 0;
}

/* One dabtree block at attr-fork block lblk, expected at level (leaves are 0; -1: either). */
static int walk_block(struct awalk *w, uint64_t lblk, int level, unsigned depth)
{
	xfs_fs *fs = w->fs;
	unsigned long long ino = (unsigned long long)w->ip->ino;
	uint8_t *b;
	struct cur c;
	uint16_t magic;
	int ret;

	if (depth > XFS_DA_NODE_MAXDEPTH || w->budget-- == 0)
		return xfs_error(fs, FSIMG_ELOOP, "inode %llu: attribute tree too deep or looping", ino);
	b = malloc(fs->blocksize);
	if (!b)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	ret = xfs_bmap_read(fs, &w->bm, b, lblk, 1);
	if (ret)
		goto out;
	c = cur_init(b, fs->blocksize);
	magic = cur_be16(&c, 8);
	if (fs->v5) {
		if (!xfs_verify_cksum(b, fs->blocksize, XFS_DA3_CRC_OFF))
			xfs_finding(fs, FSIMG_ECSUM, "inode %llu: attribute block %llu: bad CRC", ino,
				    (unsigned long long)lblk);
		if (cur_be64(&c, offsetof(struct xfs_da3_blkinfo, owner)) != w->ip->ino)
			xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: attribute block %llu: wrong owner", ino,
				    (unsigned long long)lblk);
	}
	if (magic == (fs->v5 ? XFS_ATTR3_LEAF_MAGIC : XFS_ATTR_LEAF_MAGIC) && level <= 0) {
		ret = walk_leaf(w, b, lblk);
	} else if (magic == (fs->v5 ? XFS_DA3_NODE_MAGIC : XFS_DA_NODE_MAGIC)) {
		size_t hdr = fs->v5 ? XFS_DA3_NODE_HDR_SIZE : XFS_DA_NODE_HDR_SIZE;
		uint16_t count = cur_be16(&c, hdr - (fs->v5 ? 8 : 4));
		uint16_t nlevel = cur_be16(&c, hdr - (fs->v5 ? 6 : 2));

		if (nlevel == 0 || (level >= 0 && nlevel != level) ||
		    hdr + (size_t)count * XFS_DA_NODE_ENTRY_SIZE > fs->blocksize) {
			ret = xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: attribute node %llu: level %u, %u entries",
					ino, (unsigned long long)lblk, nlevel, count);
			goto out;
		}
		for (unsigned i = 0; !ret && i < count; i++)
			ret = walk_block(w, cur_be32(&c, hdr + (size_t)i * XFS_DA_NODE_ENTRY_SIZE + 4),
					 nlevel - 1, depth + 1);
	} else {
		ret = xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: attribute block %llu: bad magic %#x", ino,
				(unsigned long long)lblk, magic);
	}
out:
	free(b);
	return ret;
}

int xfs_attr_walk(xfs_fs *fs, const struct xfs_inode *ip, xfs_attr_fn fn, void *ctx)
{
	struct awalk w = { .fs = fs, .ip = ip, .fn = fn, .ctx = ctx };
	int ret;

	if (!ip->forkoff)
		return 0;
	if (ip->aformat == XFS_DINODE_FMT_LOCAL)
		return walk_sf(&w);
	ret = xfs_bmap_load(&w.bm, fs, ip, XFS_ATTR_FORK);
	if (ret)
		return ret;
	if (w.bm.n == 0)
		return 0;
	for (size_t i = 0; i < w.bm.n; i++)
		w.budget += w.bm.rec[i].blockcount;
	w.value = malloc(XFS_XATTR_SIZE_MAX);
	w.rblk = malloc(fs->blocksize);
	if (!w.value || !w.rblk)
		ret = xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	else
		ret = walk_block(&w, 0, -1, 0);
	free(w.value);
	free(w.rblk);
	xfs_bmap_free(&w.bm);
	return ret;
}
