/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS superblock: from disk, geometry rules, features as names, the
 * filesystem handle, and the address checks every other file relies on.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/io.h"
#include "xfs/xfs.h"

int xfs_error(xfs_fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	if (fs->quiet)
		return err;
	va_start(ap, fmt);
	errbuf_vfail(fs->errmsg, sizeof(fs->errmsg), err, fmt, ap);
	va_end(ap);
	return err;
}

void xfs_finding(xfs_fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	if (fs->quiet)
		return;
	fs->findings++;
	va_start(ap, fmt);
	notice_vsend(fs->notice, fs->notice_ctx, err, fmt, ap);
	va_end(ap);
}

void xfs_fs_set_notice(xfs_fs *fs, fsimg_notice_fn fn, void *ctx)
{
	fs->notice = fn;
	fs->notice_ctx = ctx;
}

int xfs_verify_cksum(const void *buf, size_t len, size_t crc_off)
{
	static const uint8_t zero[4];
	const uint8_t *b = buf;
	uint32_t crc;

	if (crc_off + 4 > len)
		return 0;
	/* xfs_start_cksum_safe: the crc field counts as zero; stored as ~crc, little-endian. */
	if (len <= 2048) {
		/*
		 * An inode or a sector: one pass over a copy with the field zeroed
		 * runs three streams side by side over all of it, where the part
		 * before the field (100 bytes of an inode) went one at a time.
		 */
		uint64_t words[2048 / 8]; /* 8-byte aligned: the crc loop starts at once */
		uint8_t *tmp = (uint8_t *)words;

		memcpy(tmp, b, len);
		memset(tmp + crc_off, 0, 4);
		return get_le32(b + crc_off) == ~fsimg_crc32c(~0u, tmp, len);
	}
	crc = fsimg_crc32c(~0u, b, crc_off);
	crc = fsimg_crc32c(crc, zero, 4);
	crc = fsimg_crc32c(crc, b + crc_off + 4, len - crc_off - 4);
	crc = ~crc;
	return get_le32(b + crc_off) == crc;
}

int xfs_sb_from_disk(struct xfs_sb *sb, const void *buf, size_t len)
{
	struct cur c = cur_init(buf, len);
#define B16(f) CUR_BE16(&c, 0, struct xfs_dsb, sb_##f)
#define B32(f) CUR_BE32(&c, 0, struct xfs_dsb, sb_##f)
#define B64(f) CUR_BE64(&c, 0, struct xfs_dsb, sb_##f)
#define U8(f) CUR_U8(&c, 0, struct xfs_dsb, sb_##f)

	memset(sb, 0, sizeof(*sb));
	if (len < sizeof(struct xfs_dsb))
		return FSIMG_EIO;
	sb->magicnum = B32(magicnum);
	sb->blocksize = B32(blocksize);
	sb->dblocks = B64(dblocks);
	sb->rblocks = B64(rblocks);
	sb->rextents = B64(rextents);
	cur_bytes(&c, offsetof(struct xfs_dsb, sb_uuid), sb->uuid, 16);
	sb->logstart = B64(logstart);
	sb->rootino = B64(rootino);
	sb->rbmino = B64(rbmino);
	sb->rsumino = B64(rsumino);
	sb->rextsize = B32(rextsize);
	sb->agblocks = B32(agblocks);
	sb->agcount = B32(agcount);
	sb->rbmblocks = B32(rbmblocks);
	sb->logblocks = B32(logblocks);
	sb->versionnum = B16(versionnum);
	sb->sectsize = B16(sectsize);
	sb->inodesize = B16(inodesize);
	sb->inopblock = B16(inopblock);
	cur_bytes(&c, offsetof(struct xfs_dsb, sb_fname), sb->fname, 12);
	sb->fname[12] = 0;
	sb->blocklog = U8(blocklog);
	sb->sectlog = U8(sectlog);
	sb->inodelog = U8(inodelog);
	sb->inopblog = U8(inopblog);
	sb->agblklog = U8(agblklog);
	sb->rextslog = U8(rextslog);
	sb->inprogress = U8(inprogress);
	sb->imax_pct = U8(imax_pct);
	sb->icount = B64(icount);
	sb->ifree = B64(ifree);
	sb->fdblocks = B64(fdblocks);
	sb->frextents = B64(frextents);
	sb->uquotino = B64(uquotino);
	sb->gquotino = B64(gquotino);
	sb->qflags = B16(qflags);
	sb->flags = U8(flags);
	sb->shared_vn = U8(shared_vn);
	sb->inoalignmt = B32(inoalignmt);
	sb->unit = B32(unit);
	sb->width = B32(width);
	sb->dirblklog = U8(dirblklog);
	sb->logsectlog = U8(logsectlog);
	sb->logsectsize = B16(logsectsize);
	sb->logsunit = B32(logsunit);
	sb->features2 = B32(features2);
	sb->bad_features2 = B32(bad_features2);
	sb->features_compat = B32(features_compat);
	sb->features_ro_compat = B32(features_ro_compat);
	sb->features_incompat = B32(features_incompat);
	sb->features_log_incompat = B32(features_log_incompat);
	sb->crc = B32(crc);
	sb->spino_align = B32(spino_align);
	sb->pquotino = B64(pquotino);
	sb->lsn = B64(lsn);
	cur_bytes(&c, offsetof(struct xfs_dsb, sb_meta_uuid), sb->meta_uuid, 16);
#undef B16
#undef B32
#undef B64
#undef U8
	return c.err ? FSIMG_EIO : 0;
}

static unsigned log2_ceil(uint64_t v)
{
	unsigned l = 0;

	while ((1ULL << l) < v && l < 63)
		l++;
	return l;
}

static bool sb_v5(const struct xfs_sb *sb)
{
	return (sb->versionnum & XFS_SB_VERSION_NUMBITS) == XFS_SB_VERSION_5;
}

int xfs_sb_check(const struct xfs_sb *sb, char *why, size_t whylen)
{
	unsigned ver = sb->versionnum & XFS_SB_VERSION_NUMBITS;
	int err = FSIMG_ECORRUPT;
	const char *reason;
	uint64_t agblocks = sb->agblocks;

	if (sb->magicnum != XFS_SB_MAGIC) {
		reason = "bad magic number";
		goto bad;
	}
	if (ver != XFS_SB_VERSION_4 && ver != XFS_SB_VERSION_5) {
		reason = "superblock version neither 4 nor 5";
		err = FSIMG_EUNSUPP;
		goto bad;
	}
	if (ver == XFS_SB_VERSION_4 && !(sb->versionnum & XFS_SB_VERSION_DIRV2BIT)) {
		reason = "v4 filesystem without version 2 directories";
		err = FSIMG_EUNSUPP;
		goto bad;
	}
	if (ver == XFS_SB_VERSION_5 && (sb->features_incompat & ~XFS_SB_FEAT_INCOMPAT_ALL)) {
		reason = "unknown incompatible feature";
		err = FSIMG_EUNSUPP;
		goto bad;
	}
	if (sb->sectlog < XFS_MIN_SECTORSIZE_LOG || sb->sectlog > XFS_MAX_SECTORSIZE_LOG ||
	    sb->sectsize != (1u << sb->sectlog)) {
		reason = "bad sector size";
		goto bad;
	}
	if (sb->blocklog < XFS_MIN_BLOCKSIZE_LOG || sb->blocklog > XFS_MAX_BLOCKSIZE_LOG ||
	    sb->blocksize != (1u << sb->blocklog) || sb->blocksize < sb->sectsize) {
		reason = "bad block size";
		goto bad;
	}
	if (sb->inodelog < XFS_DINODE_MIN_LOG || sb->inodelog > XFS_DINODE_MAX_LOG ||
	    sb->inodesize != (1u << sb->inodelog) || sb->inodesize > sb->blocksize ||
	    (ver == XFS_SB_VERSION_5 && sb->inodesize < 512)) {
		reason = "bad inode size";
		goto bad;
	}
	if (sb->inopblock != sb->blocksize / sb->inodesize ||
	    sb->inopblog != sb->blocklog - sb->inodelog) {
		reason = "inodes per block do not match the block and inode sizes";
		goto bad;
	}
	if (agblocks < 64 || sb->agblklog != log2_ceil(agblocks) || sb->agblklog > 31) {
		reason = "bad AG size";
		goto bad;
	}
	if (sb->agcount == 0 || sb->dblocks == 0 ||
	    sb->dblocks > (uint64_t)sb->agcount * agblocks ||
	    sb->dblocks < (uint64_t)(sb->agcount - 1) * agblocks + 64) {
		reason = "data blocks do not match the AG count and size";
		goto bad;
	}
	if (sb->blocklog + sb->dirblklog > XFS_MAX_DIRBLKSIZE_LOG) {
		reason = "directory block larger than 64 KiB";
		goto bad;
	}
	if ((uint64_t)sb->agblklog + sb->inopblog + log2_ceil(sb->agcount) > 64) {
		reason = "inode numbers wider than 64 bits";
		goto bad;
	}
	if (sb->imax_pct > 100) {
		reason = "imax_pct above 100";
		goto bad;
	}
	if (sb->logstart && (sb->logblocks == 0 ||
			     (sb->logstart >> sb->agblklog) >= sb->agcount ||
			     (sb->logstart & ((1ULL << sb->agblklog) - 1)) + sb->logblocks > agblocks)) {
		reason = "internal log outside its AG";
		goto bad;
	}
	return 0;
bad:
	if (why)
		snprintf(why, whylen, "%s", reason);
	return err;
}

/* The feature bits fsimg names, in the order info lists them. */
static const struct xfs_feature {
	int word; /* 0 versionnum, 1 features2, 2 ro_compat, 3 incompat, 4 log_incompat */
	uint32_t bit;
	const char *name;
} xfs_feature_tab[] = {
	{ 0, XFS_SB_VERSION_ATTRBIT, "attr" },
	{ 0, XFS_SB_VERSION_NLINKBIT, "nlink" },
	{ 0, XFS_SB_VERSION_QUOTABIT, "quota" },
	{ 0, XFS_SB_VERSION_ALIGNBIT, "align" },
	{ 0, XFS_SB_VERSION_DALIGNBIT, "dalign" },
	{ 0, XFS_SB_VERSION_LOGV2BIT, "logv2" },
	{ 0, XFS_SB_VERSION_SECTORBIT, "sector" },
	{ 0, XFS_SB_VERSION_EXTFLGBIT, "extflg" },
	{ 0, XFS_SB_VERSION_DIRV2BIT, "dirv2" },
	{ 0, XFS_SB_VERSION_BORGBIT, "asciici" },
	{ 1, XFS_SB_VERSION2_LAZYSBCOUNTBIT, "lazycount" },
	{ 1, XFS_SB_VERSION2_ATTR2BIT, "attr2" },
	{ 1, XFS_SB_VERSION2_PARENTBIT, "parent" },
	{ 1, XFS_SB_VERSION2_PROJID32BIT, "projid32bit" },
	{ 1, XFS_SB_VERSION2_CRCBIT, "crc" },
	{ 1, XFS_SB_VERSION2_FTYPE, "ftype" },
	{ 2, XFS_SB_FEAT_RO_COMPAT_FINOBT, "finobt" },
	{ 2, XFS_SB_FEAT_RO_COMPAT_RMAPBT, "rmapbt" },
	{ 2, XFS_SB_FEAT_RO_COMPAT_REFLINK, "reflink" },
	{ 2, XFS_SB_FEAT_RO_COMPAT_INOBTCNT, "inobtcount" },
	{ 3, XFS_SB_FEAT_INCOMPAT_FTYPE, "ftype" },
	{ 3, XFS_SB_FEAT_INCOMPAT_SPINODES, "sparse" },
	{ 3, XFS_SB_FEAT_INCOMPAT_META_UUID, "meta_uuid" },
	{ 3, XFS_SB_FEAT_INCOMPAT_BIGTIME, "bigtime" },
	{ 3, XFS_SB_FEAT_INCOMPAT_NEEDSREPAIR, "needsrepair" },
	{ 3, XFS_SB_FEAT_INCOMPAT_NREXT64, "nrext64" },
	{ 4, XFS_SB_FEAT_INCOMPAT_LOG_XATTRS, "log_xattrs" },
};

size_t xfs_sb_features(const char **names, size_t cap, const struct xfs_sb *sb)
{
	bool v5 = sb_v5(sb);
	uint32_t words[5] = { sb->versionnum, 0, 0, 0, 0 };
	size_t n = 0;

	if (sb->versionnum & XFS_SB_VERSION_MOREBITSBIT)
		words[1] = sb->features2;
	if (v5) {
		/* v5 implies what v4 flagged: report crc once, then the v5 words. */
		words[0] = 0;
		words[1] &= ~(XFS_SB_VERSION2_CRCBIT | XFS_SB_VERSION2_FTYPE);
		words[2] = sb->features_ro_compat;
		words[3] = sb->features_incompat;
		words[4] = sb->features_log_incompat;
		if (n < cap)
			names[n] = "crc";
		n++;
	}
	for (size_t i = 0; i < sizeof(xfs_feature_tab) / sizeof(xfs_feature_tab[0]); i++) {
		if (!(words[xfs_feature_tab[i].word] & xfs_feature_tab[i].bit))
			continue;
		if (n < cap)
			names[n] = xfs_feature_tab[i].name;
		n++;
	}
	return n < cap ? n : cap;
}

int xfs_sb_has_feature(const struct xfs_sb *sb, const char *name)
{
	const char *names[sizeof(xfs_feature_tab) / sizeof(xfs_feature_tab[0]) + 1];
	size_t n = xfs_sb_features(names, sizeof(names) / sizeof(names[0]), sb);
	bool known = strcasecmp(name, "crc") == 0;

	for (size_t i = 0; i < sizeof(xfs_feature_tab) / sizeof(xfs_feature_tab[0]); i++)
		known = known || strcasecmp(name, xfs_feature_tab[i].name) == 0;
	if (!known)
		return FSIMG_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return 1;
	return 0;
}

bool xfs_fsb_range_ok(const xfs_fs *fs, uint64_t fsb, uint64_t len)
{
	uint32_t agno = xfs_fsb_agno(fs, fsb);
	uint64_t agbno = xfs_fsb_agbno(fs, fsb);
	uint64_t aglen;

	/* the AG number is 32 bits (XFS_FSB_TO_AGNO): the kernel and xfs_repair ignore bits above it */
	if (len == 0 || agno >= fs->sb.agcount)
		return false;
	aglen = xfs_ag_length(fs, agno);
	return agbno < aglen && len <= aglen - agbno;
}

uint32_t xfs_ag_length(const xfs_fs *fs, uint32_t agno)
{
	/* xfs_sb_check holds sb_dblocks within the last AG, so the difference fits 32 bits */
	return agno + 1 == fs->sb.agcount ? (uint32_t)(fs->sb.dblocks - (uint64_t)agno * fs->sb.agblocks)
					  : fs->sb.agblocks;
}

bool xfs_verify_agbno(const xfs_fs *fs, uint32_t agno, uint32_t agbno)
{
	/* XFS_AGFL_BLOCK: the block holding the AGFL, the last of the AG's header sectors */
	uint32_t agfl_block = fs->blocksize ? 3u * fs->sb.sectsize / fs->blocksize : 0;

	return agbno < xfs_ag_length(fs, agno) && agbno > agfl_block;
}

bool xfs_verify_agbext(const xfs_fs *fs, uint32_t agno, uint32_t agbno, uint32_t len)
{
	return agbno + len > agbno && xfs_verify_agbno(fs, agno, agbno) &&
	       xfs_verify_agbno(fs, agno, agbno + len - 1);
}

bool xfs_ino_ok(const xfs_fs *fs, uint64_t ino)
{
	unsigned shift = fs->sb.agblklog + fs->sb.inopblog;
	uint64_t agino, agbno;

	if (shift >= 64 || (ino >> shift) >= fs->sb.agcount)
		return false;
	agino = ino & ((1ULL << shift) - 1);
	agbno = agino >> fs->sb.inopblog;
	return agbno != 0 && xfs_fsb_range_ok(fs, xfs_agb_to_fsb(fs, (uint32_t)(ino >> shift),
								     (uint32_t)agbno), 1);
}

int xfs_read_fsb(xfs_fs *fs, void *buf, uint64_t fsb, uint32_t count)
{
	return xfs_read_fsb_io(fs, fs->io, buf, fsb, count);
}

int xfs_read_fsb_io(xfs_fs *fs, fsimg_io *io, void *buf, uint64_t fsb, uint32_t count)
{
	uint64_t off;

	if (!xfs_fsb_range_ok(fs, fsb, count))
		return xfs_error(fs, FSIMG_ECORRUPT, "block %llu+%u outside the filesystem",
				 (unsigned long long)fsb, count);
	off = xfs_fsb_to_linear(fs, fsb) << fs->sb.blocklog;
	if (fsimg_io_read(io, buf, (size_t)count << fs->sb.blocklog, off))
		return xfs_error(fs, FSIMG_EIO, "cannot read block %llu (linear %llu): image truncated?",
				 (unsigned long long)fsb,
				 (unsigned long long)xfs_fsb_to_linear(fs, fsb));
	return 0;
}

/* Reads and checks the superblock sector at byte offset off. */
static int sb_read_at(struct xfs_sb *sb, bool *crc_ok, xfs_fs *fs, uint64_t off)
{
	uint8_t first[512], *sect;
	char why[128];
	int err;

	if (fsimg_io_read(fs->io, first, sizeof(first), off))
		return xfs_error(fs, FSIMG_EIO, "cannot read the superblock at byte %llu",
				 (unsigned long long)off);
	xfs_sb_from_disk(sb, first, sizeof(first));
	if (sb->magicnum != XFS_SB_MAGIC)
		return xfs_error(fs, FSIMG_ENOFS, "no XFS superblock at byte %llu (magic %#x)",
				 (unsigned long long)off, sb->magicnum);
	err = xfs_sb_check(sb, why, sizeof(why));
	if (err)
		return xfs_error(fs, err, "XFS superblock at byte %llu: %s", (unsigned long long)off, why);
	*crc_ok = true;
	if (!sb_v5(sb))
		return 0;
	sect = malloc(sb->sectsize);
	if (!sect)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	if (fsimg_io_read(fs->io, sect, sb->sectsize, off)) {
		free(sect);
		return xfs_error(fs, FSIMG_EIO, "cannot read the superblock sector at byte %llu",
				 (unsigned long long)off);
	}
	*crc_ok = xfs_verify_cksum(sect, sb->sectsize, offsetof(struct xfs_dsb, sb_crc));
	free(sect);
	return 0;
}

int xfs_sb_read_ag(struct xfs_sb *out, xfs_fs *fs, uint32_t agno)
{
	bool crc_ok;
	int err;

	if (agno >= fs->sb.agcount)
		return xfs_error(fs, FSIMG_EINVAL, "AG %u past the last (%u)", agno, fs->sb.agcount);
	err = sb_read_at(out, &crc_ok, fs, ((uint64_t)agno * fs->sb.agblocks) << fs->sb.blocklog);
	if (err)
		return err;
	if (!crc_ok)
		xfs_finding(fs, FSIMG_ECSUM, "AG %u superblock: bad CRC", agno);
	if (out->agcount != fs->sb.agcount || out->agblocks != fs->sb.agblocks ||
	    out->blocksize != fs->sb.blocksize || memcmp(out->uuid, fs->sb.uuid, 16) ||
	    out->versionnum != fs->sb.versionnum || out->inodesize != fs->sb.inodesize)
		xfs_finding(fs, FSIMG_ECORRUPT, "AG %u superblock differs from the primary's geometry",
			    agno);
	return 0;
}

int xfs_fs_open(xfs_fs **out, fsimg_io *io)
{
	xfs_fs *fs = calloc(1, sizeof(*fs));
	bool crc_ok;
	int err;

	*out = NULL;
	if (!fs)
		return FSIMG_ENOMEM;
	fs->io = io;
	fs->io_size = fsimg_io_size(io);
	{
		size_t chunk;
		unsigned nchunks;

		if (!io_cache_geometry(io, &fs->io_once, &chunk, &nchunks))
			fs->io_once = io;
	}
	err = sb_read_at(&fs->sb, &crc_ok, fs, 0);
	if (err) {
		*out = fs; /* the caller reads errmsg, then closes */
		return err;
	}
	fs->v5 = sb_v5(&fs->sb);
	fs->blocksize = fs->sb.blocksize;
	fs->dirblksize = fs->sb.blocksize << fs->sb.dirblklog;
	fs->dir_fsbs = 1u << fs->sb.dirblklog;
	fs->inode_size = fs->sb.inodesize;
	fs->lit_off = fs->v5 ? XFS_DINODE_V3_SIZE : XFS_DINODE_V2_SIZE;
	fs->ftype = fs->v5 ? !!(fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_FTYPE)
			   : (fs->sb.versionnum & XFS_SB_VERSION_MOREBITSBIT) &&
				     (fs->sb.features2 & XFS_SB_VERSION2_FTYPE);
	fs->sparse_inodes = fs->v5 && (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_SPINODES);
	fs->nrext64 = fs->v5 && (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_NREXT64);
	fs->bigtime = fs->v5 && (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_BIGTIME);
	*out = fs;
	if (!crc_ok)
		xfs_finding(fs, FSIMG_ECSUM, "primary superblock: bad CRC");
	if (fs->sb.dblocks > fs->io_size >> fs->sb.blocklog)
		xfs_finding(fs, FSIMG_EIO, "image is %llu bytes, the filesystem %llu blocks of %u: truncated",
			    (unsigned long long)fs->io_size, (unsigned long long)fs->sb.dblocks,
			    fs->blocksize);
	if (!xfs_ino_ok(fs, fs->sb.rootino))
		return xfs_error(fs, FSIMG_ECORRUPT, "root inode %llu is not a valid inode number",
				 (unsigned long long)fs->sb.rootino);
	return 0;
}

void xfs_fs_close(xfs_fs *fs)
{
	if (!fs)
		return;
	xfs_iahead_stop(fs);
	for (unsigned i = 0; i < XFS_IBLOCK_RUNS; i++)
		free(fs->iblock[i].buf);
	free(fs);
}

bool xfs_has_realtime(const xfs_fs *fs)
{
	return fs->sb.rblocks != 0 || fs->sb.rextents != 0;
}

bool xfs_log_internal(const xfs_fs *fs, uint64_t *linear, uint32_t *blocks)
{
	*linear = fs->sb.logstart ? xfs_fsb_to_linear(fs, fs->sb.logstart) : 0;
	*blocks = fs->sb.logblocks;
	return fs->sb.logstart != 0;
}
