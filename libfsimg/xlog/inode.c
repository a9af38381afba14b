/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inode items replayed into their cluster buffer, as the kernel's
 * xlog_recover_inode_commit_pass2: the v5 LSN and v4 di_flushiter rules,
 * the logged core (host order) converted to the big-endian dinode
 * (xfs_log_dinode_to_disk), di_next_unlinked kept from the buffer, the data
 * and attr forks copied in local/extents form or converted from the in-core
 * btree root (xfs_bmbt_to_bmdr), and the v5 CRC recomputed.
 */
#include "config.h"

#include <string.h>

#include "xlog/plan.h"

static void put16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)(v >> 8);
	d[1] = (uint8_t)v;
}

static void put64(uint8_t *d, uint64_t v)
{
	put_be32(d, (uint32_t)(v >> 32));
	put_be32(d + 4, (uint32_t)v);
}

/* A field of the logged core (host order) stored big-endian at the same offset. */
static void sw(const xlog *log, uint8_t *d, const uint8_t *s, size_t off, unsigned size)
{
	switch (size) {
	case 1: d[off] = s[off]; break;
	case 2: put16(d + off, xlog_r16(log, s + off)); break;
	case 4: put_be32(d + off, xlog_r32(log, s + off)); break;
	default: put64(d + off, xlog_r64(log, s + off)); break;
	}
}

/* xfs_log_dinode_to_disk_ts: bigtime is one 64-bit count, else two 32-bit halves. */
static void ts(const xlog *log, uint8_t *d, const uint8_t *s, size_t off, bool bigtime)
{
	if (bigtime) {
		sw(log, d, s, off, 8);
	} else {
		sw(log, d, s, off, 4);
		sw(log, d, s, off + 4, 4);
	}
}

static void log_dinode_to_disk(const xlog *log, uint8_t *d, const uint8_t *s, uint64_t lsn)
{
	static const struct { uint8_t off, size; } f[] = {
		{ 0, 2 }, { 2, 2 }, { 4, 1 }, { 5, 1 }, { 8, 4 }, { 12, 4 }, { 16, 4 }, { 20, 2 },
		{ 22, 2 }, { 56, 8 }, { 64, 8 }, { 72, 4 }, { 76, 4 }, { 80, 2 }, { 82, 1 },
		{ 83, 1 }, { 84, 4 }, { 88, 2 }, { 90, 2 }, { 92, 4 },
	};
	uint8_t version = s[4];
	uint64_t flags2 = version >= 3 ? xlog_r64(log, s + 120) : 0;
	bool bigtime = flags2 & XFS_DIFLAG2_BIGTIME;
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		sw(log, d, s, f[i].off, f[i].size);
	d[6] = d[7] = 0; /* di_onlink */
	ts(log, d, s, 32, bigtime);
	ts(log, d, s, 40, bigtime);
	ts(log, d, s, 48, bigtime);
	if (version >= 3) {
		if (flags2 & XFS_DIFLAG2_NREXT64)
			sw(log, d, s, 24, 8);
		else
			memset(d + 24, 0, 8);
		sw(log, d, s, 104, 8);
		put64(d + 112, lsn);
		sw(log, d, s, 120, 8);
		sw(log, d, s, 128, 4);
		memset(d + 132, 0, 12);
		ts(log, d, s, 144, bigtime);
		sw(log, d, s, 152, 8);
		memcpy(d + 160, s + 160, 16);
	} else {
		memset(d + 24, 0, 6);
		sw(log, d, s, 30, 2);
	}
}

/* xfs_bmbt_to_bmdr: the in-core root block (a long btree block) to the fork's bmdr. */
static int bmbt_to_bmdr(xlog *log, const uint8_t *r, uint32_t rlen, uint8_t *d, uint32_t dlen)
{
	uint32_t hdr = log->fs->v5 ? 72 : 24, rmax, dmax, n;

	if (rlen < hdr || dlen < 4)
		return xlog_error(log, FSIMG_ECORRUPT, "btree root of %u bytes in an inode item", rlen);
	rmax = (rlen - hdr) / 16;
	dmax = (dlen - 4) / 16;
	n = get_be16(r + 6); /* bb_numrecs, big-endian in core */
	if (n > rmax || n > dmax)
		return xlog_error(log, FSIMG_ECORRUPT, "btree root with %u records in %u bytes", n, dlen);
	d[0] = r[4];
	d[1] = r[5];
	d[2] = r[6];
	d[3] = r[7];
	memcpy(d + 4, r + hdr, (size_t)n * 8);
	memcpy(d + 4 + (size_t)dmax * 8, r + hdr + (size_t)rmax * 8, (size_t)n * 8);
	return 0;
}

static int copy_fork(xlog *log, uint32_t fields, const struct xlog_region *src, uint8_t *dst,
		     uint32_t room, uint32_t data_bits, uint32_t broot_bit)
{
	if (!(fields & data_bits))
		return 0;
	if (fields & broot_bit)
		return bmbt_to_bmdr(log, src->p, src->len, dst, room);
	if (src->len > room)
		return xlog_error(log, FSIMG_ECORRUPT, "inode fork of %u bytes in %u", src->len, room);
	memcpy(dst, src->p, src->len);
	return 0;
}

int xlog_inode_replay(xlog *log, const struct xlog_item *it, const struct xlog_item_info *o,
		      uint8_t *buf, uint64_t lsn, bool *skipped)
{
	xfs_fs *fs = log->fs;
	uint8_t *dip = buf + o->boffset;
	const uint8_t *ld;
	struct cur c;
	uint32_t isize = fs->inode_size, core = fs->lit_off, lcore, dsize, forkoff, idx;
	uint16_t mode;
	int err;

	*skipped = false;
	if ((uint64_t)o->boffset + isize > (uint64_t)o->bblen * XLOG_BBSIZE)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: offset %d past its buffer",
				  (unsigned long long)o->ino, o->boffset);
	if (it->cnt < 2)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item without its core",
				  (unsigned long long)o->ino);
	c = cur_init(dip, isize);
	if (cur_be16(&c, 0) != XFS_DINODE_MAGIC)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx: no inode magic in its buffer at daddr %lld",
				  (unsigned long long)o->ino, (long long)o->blkno);
	ld = it->reg[1].p;
	lcore = fs->v5 ? XFS_LOG_DINODE_V3_SIZE : XFS_LOG_DINODE_NEXT_UNLINKED_OFF;
	if (it->reg[1].len < lcore || xlog_r16(log, ld) != XFS_DINODE_MAGIC)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: bad logged core",
				  (unsigned long long)o->ino);
	/* v3 inodes on v5 only (xfs_dinode_good_version): a v3 core is longer than a v4 log holds */
	if ((ld[4] >= 3) != fs->v5)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: logged inode version %u on a %s filesystem",
				  (unsigned long long)o->ino, ld[4], fs->v5 ? "v5" : "v4");
	if (dip[4] >= 3) {
		uint64_t dlsn = cur_be64(&c, XFS_LOG_DINODE_LSN_OFF);
		/* strictly newer: checkpoints can share a start LSN */
		if (dlsn && dlsn != UINT64_MAX && dlsn > lsn) {
			*skipped = true;
			return 0;
		}
	}
	if (!fs->v5) {
		uint16_t lf = xlog_r16(log, ld + XFS_LOG_DINODE_FLUSHITER_OFF);
		uint16_t df = cur_be16(&c, XFS_LOG_DINODE_FLUSHITER_OFF);
		if (lf < df && !(df == 0xffff && lf < 0x8000)) {
			*skipped = true;
			return 0;
		}
	}
	mode = xlog_r16(log, ld + 2);
	if (((mode & 0170000) == 0100000 && ld[5] != XFS_DINODE_FMT_EXTENTS &&
	     ld[5] != XFS_DINODE_FMT_BTREE) ||
	    ((mode & 0170000) == 0040000 && ld[5] != XFS_DINODE_FMT_EXTENTS &&
	     ld[5] != XFS_DINODE_FMT_BTREE && ld[5] != XFS_DINODE_FMT_LOCAL))
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: mode %o with fork format %u",
				  (unsigned long long)o->ino, mode, ld[5]);
	forkoff = (uint32_t)ld[82] * 8;
	if (core + forkoff > isize)
		return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: fork offset %u past the inode",
				  (unsigned long long)o->ino, forkoff);
	if (it->reg[1].len > lcore && it->reg[1].len <= isize)
		memcpy(dip + lcore, ld + lcore, it->reg[1].len - lcore);
	log_dinode_to_disk(log, dip, ld, lsn);
	if (!fs->v5)
		put16(dip + XFS_LOG_DINODE_FLUSHITER_OFF, 0);
	if (o->fields & XFS_ILOG_DEV) {
		const uint8_t *rdev = it->reg[0].p + (o->fmt32 ? XFS_ILF32_U : 24);
		put_be32(dip + core, xlog_r32(log, rdev));
	}
	dsize = forkoff ? forkoff : isize - core;
	idx = 2;
	if (o->fields & XFS_ILOG_DFORK) {
		if (it->cnt <= idx)
			return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: data fork region missing",
					  (unsigned long long)o->ino);
		if ((err = copy_fork(log, o->fields, &it->reg[idx], dip + core, dsize, XFS_ILOG_DFORK,
				     XFS_ILOG_DBROOT)))
			return err;
		idx++;
	}
	if (o->fields & XFS_ILOG_AFORK) {
		if (it->cnt <= idx || !forkoff)
			return xlog_error(log, FSIMG_ECORRUPT, "inode %#llx item: attr fork region missing",
					  (unsigned long long)o->ino);
		if ((err = copy_fork(log, o->fields, &it->reg[idx], dip + core + forkoff,
				     isize - core - forkoff, XFS_ILOG_AFORK, XFS_ILOG_ABROOT)))
			return err;
	}
	if (fs->v5) {
		/* xfs_dinode_calc_crc */
		uint32_t crc;
		put_be32(dip + 100, 0);
		crc = ~fsimg_crc32c(~0u, dip, isize);
		put_le32(dip + 100, crc);
	}
	return 0;
}
