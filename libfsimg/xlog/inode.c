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


/*
 * The logged core's fields (host order of the log's writer) stored big-endian at the same
 * offsets, field by field and with the byte order fixed per call (le is a constant in each
 * of the two inlined copies below): every inode item goes through here.
 */
#define R16(o) (le ? get_le16(s + (o)) : get_be16(s + (o)))
#define R32(o) (le ? get_le32(s + (o)) : get_be32(s + (o)))
#define R64(o) (le ? get_le64(s + (o)) : get_be64(s + (o)))
#define SW16(o) put_be16(d + (o), R16(o))
#define SW32(o) put_be32(d + (o), R32(o))
#define SW64(o) put_be64(d + (o), R64(o))
/* xfs_log_dinode_to_disk_ts: bigtime is one 64-bit count, else two 32-bit halves. */
#define TS(o)                          \
	do {                           \
		if (bigtime) {         \
			SW64(o);       \
		} else {               \
			SW32(o);       \
			SW32((o) + 4); \
		}                      \
	} while (0)

static inline __attribute__((always_inline)) void dinode_to_disk(uint8_t *d, const uint8_t *s,
								  uint64_t lsn, bool le)
{
	uint8_t version = s[4];
	uint64_t flags2 = version >= 3 ? R64(120) : 0;
	bool bigtime = flags2 & XFS_DIFLAG2_BIGTIME;

	SW16(0);                /* magic */
	SW16(2);                /* mode */
	d[4] = s[4];            /* version */
	d[5] = s[5];            /* format */
	d[6] = d[7] = 0;        /* di_onlink */
	SW32(8);                /* uid */
	SW32(12);               /* gid */
	SW32(16);               /* nlink */
	SW16(20);               /* projid_lo */
	SW16(22);               /* projid_hi */
	TS(32);                 /* atime */
	TS(40);                 /* mtime */
	TS(48);                 /* ctime */
	SW64(56);               /* size */
	SW64(64);               /* nblocks */
	SW32(72);               /* extsize */
	SW32(76);               /* nextents */
	SW16(80);               /* anextents */
	d[82] = s[82];          /* forkoff */
	d[83] = s[83];          /* aformat */
	SW32(84);               /* dmevmask */
	SW16(88);               /* dmstate */
	SW16(90);               /* flags */
	SW32(92);               /* gen */
	if (version >= 3) {
		if (flags2 & XFS_DIFLAG2_NREXT64)
			SW64(24);       /* big nextents */
		else
			memset(d + 24, 0, 8);
		SW64(104);      /* changecount */
		put_be64(d + 112, lsn);
		SW64(120);      /* flags2 */
		SW32(128);      /* cowextsize */
		memset(d + 132, 0, 12);
		TS(144);        /* crtime */
		SW64(152);      /* ino */
		memcpy(d + 160, s + 160, 16); /* uuid */
	} else {
		memset(d + 24, 0, 6);
		SW16(30);       /* flushiter */
	}
}

#undef TS
#undef SW64
#undef SW32
#undef SW16
#undef R64
#undef R32
#undef R16

static void log_dinode_to_disk(const xlog *log, uint8_t *d, const uint8_t *s, uint64_t lsn)
{
	if (log->le)
		dinode_to_disk(d, s, lsn, true);
	else
		dinode_to_disk(d, s, lsn, false);
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
