/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS superblocks, as xfs_repair's phases 1 and 2 see them: the primary's
 * checksum, the geometry rules of repair/sb.c's verify_sb beyond those the
 * reader checked at open, its features, the bytes past its last field;
 * then every secondary: itself valid, its geometry and v5 features the
 * primary's, its unused fields zero. A secondary found bad makes the AG
 * pass skip that AG's btrees, as xfs_repair -n does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xcheck.h"
#include "core/io.h"

#define XFS_MAX_LOG_BLOCKS (1024u * 1024u)
#define XFS_MAX_LOG_BYTES ((uint64_t)2 * 1024 * 1024 * 1024 - 512 * 1024 * 4)
#define XFS_MIN_RTEXTSIZE (4u * 1024u)
#define XFS_MAX_RTEXTSIZE (1024u * 1024u * 1024u)
#define XFS_INODE_BIG_CLUSTER_SIZE 8192u
#define XFS_DINODE_MIN_SIZE 256u

/* The v4 version bits this checker knows (xfs_sb_good_v4_features). */
#define V4_KNOWN 0xfff0u
#define V2_KNOWN (XFS_SB_VERSION2_LAZYSBCOUNTBIT | XFS_SB_VERSION2_ATTR2BIT | \
		  XFS_SB_VERSION2_PARENTBIT | XFS_SB_VERSION2_PROJID32BIT | \
		  XFS_SB_VERSION2_CRCBIT | XFS_SB_VERSION2_FTYPE)

static bool has_bit(const struct xfs_sb *sb, unsigned bit)
{
	return (sb->versionnum & bit) != 0;
}
static bool is_v5(const struct xfs_sb *sb)
{
	return (sb->versionnum & XFS_SB_VERSION_NUMBITS) == XFS_SB_VERSION_5;
}
/* v5 implies these v4 bits (xfs_sb_version_has*). */
static bool has_align(const struct xfs_sb *sb)
{
	return is_v5(sb) || has_bit(sb, XFS_SB_VERSION_ALIGNBIT);
}
/* a plain bit test, on v5 too (mkfs leaves logsectsize 0 without it) */
static bool has_sector(const struct xfs_sb *sb)
{
	return has_bit(sb, XFS_SB_VERSION_SECTORBIT);
}
static bool has_morebits(const struct xfs_sb *sb)
{
	return is_v5(sb) || has_bit(sb, XFS_SB_VERSION_MOREBITSBIT);
}
static bool has_logv2(const struct xfs_sb *sb)
{
	return is_v5(sb) || has_bit(sb, XFS_SB_VERSION_LOGV2BIT);
}

/* repair/sb.c's sb_validate_ino_align. */
static bool ino_align_ok(const struct xfs_sb *sb)
{
	uint32_t align;

	if (!has_align(sb))
		return true;
	align = XFS_INODE_BIG_CLUSTER_SIZE >> sb->blocklog;
	if (align == sb->inoalignmt)
		return true;
	if (!is_v5(sb))
		return false;
	align = (uint32_t)((uint64_t)XFS_INODE_BIG_CLUSTER_SIZE * sb->inodesize / XFS_DINODE_MIN_SIZE >>
			   sb->blocklog);
	if (align == sb->inoalignmt)
		return true;
	if (sb->features_incompat & XFS_SB_FEAT_INCOMPAT_SPINODES) {
		if (align != sb->spino_align)
			return false;
		align = (uint32_t)((uint64_t)sb->inodesize * XFS_INODES_PER_CHUNK >> sb->blocklog);
		if (align == sb->inoalignmt)
			return true;
	}
	return false;
}

/*
 * The rules of repair/sb.c's verify_sb (and the reader's xfs_sb_check at
 * open): NULL when sb passes, else the first rule it breaks.
 */
static const char *sb_rules(const struct xfs_sb *sb, bool primary)
{
	char why[128];

	if (xfs_sb_check(sb, why, sizeof(why)) < 0)
		return sb->magicnum != XFS_SB_MAGIC ? "bad magic number" : "geometry is not valid";
	if (primary && sb->inprogress)
		return "mkfs did not finish (inprogress set)";
	if (sb->logsunit > XLOG_MAX_RECORD_BSIZE)
		return "log stripe unit too large";
	if (is_v5(sb) && (sb->logblocks == 0 || sb->logblocks > XFS_MAX_LOG_BLOCKS ||
			  ((uint64_t)sb->logblocks << sb->blocklog) > XFS_MAX_LOG_BYTES))
		return "log size out of range";
	if (sb->logsunit > 1 && sb->logsunit % sb->blocksize)
		return "log stripe unit not a multiple of the block size";
	if (has_sector(sb) && (sb->logsectsize == 0 || sb->logsectlog < XFS_MIN_SECTORSIZE_LOG ||
			       sb->logsectlog > XFS_MAX_SECTORSIZE_LOG ||
			       sb->logsectsize != (1u << sb->logsectlog)))
		return "bad log sector size";
	if ((uint64_t)sb->rextsize * sb->blocksize > XFS_MAX_RTEXTSIZE ||
	    (uint64_t)sb->rextsize * sb->blocksize < XFS_MIN_RTEXTSIZE)
		return "bad realtime extent size";
	if (sb->rblocks == 0 && (sb->rextents || sb->rbmblocks || sb->rextslog || sb->frextents))
		return "realtime fields without a realtime device";
	if (sb->rblocks && (sb->rextsize == 0 || sb->rblocks / sb->rextsize != sb->rextents))
		return "realtime extent count does not match its size";
	if (!ino_align_ok(sb))
		return "bad inode alignment";
	if (has_bit(sb, XFS_SB_VERSION_DALIGNBIT)) {
		if ((!sb->unit && sb->width) || (sb->unit && sb->agblocks % sb->unit))
			return "bad stripe unit";
		if ((sb->unit && !sb->width) || (sb->width && sb->unit && sb->width % sb->unit))
			return "bad stripe width";
	} else if (sb->unit || sb->width) {
		return "stripe unit or width without the dalign feature";
	}
	return NULL;
}

/* The bytes of the sector a superblock of these features uses (secondary_sb_whack). */
static size_t sb_used(const struct xfs_sb *sb)
{
	if (is_v5(sb) && (sb->features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID))
		return sizeof(struct xfs_dsb);
	if (is_v5(sb))
		return offsetof(struct xfs_dsb, sb_meta_uuid);
	if (has_morebits(sb))
		return offsetof(struct xfs_dsb, sb_features_compat);
	if (has_logv2(sb))
		return offsetof(struct xfs_dsb, sb_features2);
	if (has_sector(sb))
		return offsetof(struct xfs_dsb, sb_logsunit);
	return offsetof(struct xfs_dsb, sb_logsectlog);
}

static void report(struct check_ctx *c, enum problem_id id, uint32_t agno, const char *detail)
{
	struct fsimg_problem_ctx p = pctx_group(agno);

	if (detail)
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(c, id, &p);
}

static void report_field(struct check_ctx *c, uint32_t agno, const char *field, uint64_t found,
			 uint64_t expected)
{
	struct fsimg_problem_ctx p = pctx_group(agno);

	PCTX_SET(p, detail, FSIMG_PF_DETAIL, field);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, expected);
	check_report(c, PR_XFS_SB_FIELD, &p);
}

/*
 * libxfs's xfs_sb_good_version, which repair's verify_sb applies to every
 * copy: no version or features2 bits it does not know (the shared bit and
 * the parent bit are unknown to it; crc only on v5), v2 directories and
 * unwritten extents, and on v5 the v4 bits v5 implies.
 */
static bool good_version(const struct xfs_sb *sb)
{
	const uint32_t ok = (V4_KNOWN & ~XFS_SB_VERSION_SHAREDBIT) | XFS_SB_VERSION_NUMBITS;
	const uint32_t ok2 = XFS_SB_VERSION2_LAZYSBCOUNTBIT | XFS_SB_VERSION2_ATTR2BIT |
			     XFS_SB_VERSION2_PROJID32BIT | XFS_SB_VERSION2_FTYPE;
	const uint32_t v5_vers = XFS_SB_VERSION_NLINKBIT | XFS_SB_VERSION_ALIGNBIT | XFS_SB_VERSION_LOGV2BIT |
				 XFS_SB_VERSION_EXTFLGBIT | XFS_SB_VERSION_DIRV2BIT |
				 XFS_SB_VERSION_MOREBITSBIT;
	const uint32_t v5_feat = XFS_SB_VERSION2_LAZYSBCOUNTBIT | XFS_SB_VERSION2_ATTR2BIT |
				 XFS_SB_VERSION2_PROJID32BIT | XFS_SB_VERSION2_CRCBIT;

	if (sb->versionnum & ~ok)
		return false;
	if (is_v5(sb))
		return !(sb->features2 & ~(ok2 | XFS_SB_VERSION2_CRCBIT)) &&
		       (sb->versionnum & v5_vers) == v5_vers && (sb->features2 & v5_feat) == v5_feat;
	if (has_bit(sb, XFS_SB_VERSION_MOREBITSBIT) && (sb->features2 & ~ok2))
		return false;
	return has_bit(sb, XFS_SB_VERSION_DIRV2BIT) && has_bit(sb, XFS_SB_VERSION_EXTFLGBIT);
}

/* Features of the primary this checker does not know, or that contradict each other. */
static void primary_features(struct check_ctx *c, const struct xfs_sb *sb)
{
	char msg[128] = "";

	if (is_v5(sb)) {
		if (sb->features_ro_compat & ~XFS_SB_FEAT_RO_COMPAT_ALL)
			snprintf(msg, sizeof(msg), "unknown read-only compatible features %#x",
				 sb->features_ro_compat & ~XFS_SB_FEAT_RO_COMPAT_ALL);
		else if (sb->features_incompat & XFS_SB_FEAT_INCOMPAT_NEEDSREPAIR)
			snprintf(msg, sizeof(msg), "the needsrepair feature is set");
		else if (!(sb->features2 & XFS_SB_VERSION2_CRCBIT))
			snprintf(msg, sizeof(msg), "v5 without the crc bit in features2");
		else if (!has_bit(sb, XFS_SB_VERSION_MOREBITSBIT))
			snprintf(msg, sizeof(msg), "v5 without the morebits version bit");
	} else if (sb->versionnum & ~(V4_KNOWN | XFS_SB_VERSION_NUMBITS)) {
		snprintf(msg, sizeof(msg), "unknown version bits %#x", sb->versionnum);
	} else if (!has_bit(sb, XFS_SB_VERSION_EXTFLGBIT)) {
		snprintf(msg, sizeof(msg), "v4 without unwritten extents (the extflg version bit)");
	} else if (sb->features2 & XFS_SB_VERSION2_CRCBIT) {
		snprintf(msg, sizeof(msg), "v4 with the crc bit in features2");
	}
	if (!msg[0] && has_morebits(sb) && (sb->features2 & ~V2_KNOWN))
		snprintf(msg, sizeof(msg), "unknown features2 bits %#x", sb->features2 & ~V2_KNOWN);
	/* a zero bad_features2 is the old kernels' (repair's phase 1 ORs a non-zero one in) */
	if (!msg[0] && sb->bad_features2 && sb->features2 != sb->bad_features2)
		snprintf(msg, sizeof(msg), "features2 %#x differs from bad_features2 %#x",
			 sb->features2, sb->bad_features2);
	if (!msg[0] && !has_morebits(sb) && sb->features2)
		snprintf(msg, sizeof(msg), "features2 set without the morebits version bit");
	if (msg[0])
		report(c, PR_XFS_SB_FEATURES, 0, msg);
}

/* The fields every copy must share (repair's get_sb_geometry); NULL when they match. */
static const char *geometry_differs(const struct xfs_sb *a, const struct xfs_sb *b)
{
#define SAME(f) if (a->f != b->f) return #f
	SAME(blocksize);
	SAME(dblocks);
	SAME(rblocks);
	SAME(rextents);
	SAME(logstart);
	SAME(rextsize);
	SAME(agblocks);
	SAME(agcount);
	SAME(rbmblocks);
	SAME(logblocks);
	SAME(sectsize);
	SAME(inodesize);
#undef SAME
	if (has_align(a) != has_align(b))
		return "inode alignment bit";
	if (has_bit(a, XFS_SB_VERSION_DALIGNBIT) != has_bit(b, XFS_SB_VERSION_DALIGNBIT))
		return "stripe alignment bit";
	return NULL;
}

/*
 * secondary_sb_whack's rules, for every copy: bytes past the last field,
 * sb_flags, secondaries' quota fields, alignment fields without their bits.
 * Returns true when the copy is bad enough for xfs_repair to reset it.
 */
static bool sb_whack(struct check_ctx *c, const struct xfs_sb *sb, const uint8_t *buf,
		     uint32_t sectsize, uint32_t agno)
{
	bool zeroed = false, bad = false;

	for (size_t i = sb_used(sb); i < sectsize; i++)
		if (buf[i]) {
			char msg[96];

			snprintf(msg, sizeof(msg), "unused bytes past the last field are not zero (byte %zu)", i);
			report(c, agno ? PR_XFS_SB_SECONDARY : PR_XFS_SB_GEOMETRY, agno, msg);
			zeroed = true;
			break;
		}
	/* fields a zeroing would have reset are not reported again */
	if (zeroed)
		return false;
	if (sb->flags) {
		report_field(c, agno, "sb_flags", sb->flags, 0);
		bad = true;
	}
	if (agno && sb->inprogress == 1) {
		static const char *const names[] = { "sb_uquotino", "sb_gquotino", "sb_pquotino" };
		uint64_t v[] = { sb->uquotino, sb->gquotino, is_v5(sb) ? sb->pquotino : UINT64_MAX };

		for (int i = 0; i < 3; i++)
			if (v[i] != UINT64_MAX && v[i] != 0) {
				report_field(c, agno, names[i], v[i], 0);
				bad = true;
			}
		if (sb->qflags) {
			report_field(c, agno, "sb_qflags", sb->qflags, 0);
			bad = true;
		}
	}
	if (!has_align(sb) && sb->inoalignmt) {
		report_field(c, agno, "sb_inoalignmt", sb->inoalignmt, 0);
		bad = true;
	}
	if (!has_bit(sb, XFS_SB_VERSION_DALIGNBIT) && (sb->unit || sb->width)) {
		report_field(c, agno, "sb_unit", sb->unit, 0);
		bad = true;
	}
	if (!has_sector(sb) && (sb->sectsize != 512 || sb->sectlog != 9 || sb->logsectsize ||
				sb->logsectlog)) {
		report_field(c, agno, "sb_sectsize", sb->sectsize, 512);
		bad = true;
	}
	return bad;
}

/* A secondary against the primary; true when xfs_repair would reset it. */
static bool check_secondary(struct check_ctx *c, uint8_t *buf, uint32_t agno)
{
	struct xcheck *x = xc(c);
	const struct xfs_sb *p = x->sb;
	struct xfs_sb sb;
	const char *why;
	char msg[128];
	bool bad = false;

	xfs_sb_from_disk(&sb, buf, x->sb->sectsize);
	if (sb.magicnum == XFS_SB_MAGIC && is_v5(&sb) && sb.sectsize == p->sectsize &&
	    !xfs_verify_cksum(buf, p->sectsize, offsetof(struct xfs_dsb, sb_crc))) {
		report(c, PR_XFS_SB_CRC, agno, NULL);
		bad = true;
	}
	why = sb_rules(&sb, false);
	if (!why && !good_version(&sb))
		why = "bad or unsupported version";
	if (why) {
		snprintf(msg, sizeof(msg), "not a valid superblock: %s", why);
		report(c, PR_XFS_SB_SECONDARY, agno, msg);
		return true;
	}
	why = geometry_differs(p, &sb);
	if (why) {
		snprintf(msg, sizeof(msg), "%s differs from the primary's", why);
		report(c, PR_XFS_SB_SECONDARY, agno, msg);
		bad = true;
	}
	if (is_v5(p)) {
		why = p->features_compat != sb.features_compat ? "compat features"
		      : (p->features_incompat ^ sb.features_incompat) & ~XFS_SB_FEAT_INCOMPAT_NEEDSREPAIR
			      ? "incompat features"
		      : p->features_ro_compat != sb.features_ro_compat ? "read-only compat features"
								       : NULL;
		if (why) {
			snprintf(msg, sizeof(msg), "%s differ from the primary's", why);
			report(c, PR_XFS_SB_SECONDARY, agno, msg);
		}
	}
	/*
	 * Other version and features2 bits may differ from the primary's (the
	 * kernel sets attr, attr2 and quota in the primary alone): repair's
	 * compare_sb takes only the alignment bits from them (geometry_differs),
	 * and what they say of the fields past them is sb_whack's.
	 */
	return sb_whack(c, &sb, buf, p->sectsize, agno) || bad;
}

/* xfs_alloc_min_freelist before any AG exists (each tree at one level), as xfsprogs 6.1 counts it. */
static unsigned min_freelist(const struct xcheck *x, bool rmap)
{
	unsigned alloc = xfs_alloc_maxlevels(x->x);
	unsigned n = 2 * (alloc < 2 ? alloc : 2);

	if (rmap) {
		unsigned r = xfs_rmap_maxlevels(x->x);

		n += r < 2 ? r : 2;
	}
	return n;
}

/* libxfs_ialloc_calc_rootino: where mkfs puts the root directory's chunk. */
static uint64_t calc_rootino(const struct xcheck *x)
{
	const struct xfs_sb *sb = x->sb;
	uint32_t inoalign_mask = 0;
	uint64_t first = (4u * sb->sectsize + sb->blocksize - 1) / sb->blocksize;
	bool rmap = x->x->v5 && (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT);

	first += 3;                    /* bnobt, cntbt and inobt roots */
	first += min_freelist(x, rmap); /* the initial free list */
	if (x->x->v5 && (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT))
		first++;
	if (rmap)
		first++;
	if (x->x->v5 && (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK))
		first++;
	if (sb->logstart && (sb->logstart >> sb->agblklog) == 0)
		first += sb->logblocks;
	if (has_align(sb) && sb->inoalignmt)
		inoalign_mask = sb->inoalignmt - 1;
	if (has_bit(sb, XFS_SB_VERSION_DALIGNBIT) && sb->unit && inoalign_mask &&
	    !(sb->unit & inoalign_mask))
		first = (first + sb->unit - 1) / sb->unit * sb->unit;
	else if (has_align(sb) && sb->inoalignmt > 1)
		first = (first + sb->inoalignmt - 1) / sb->inoalignmt * sb->inoalignmt;
	return first << sb->inopblog;
}

/* The fixed inodes (xfs_repair's calc_mkfs and validate_sb_ino). */
static void fixed_inodes(struct check_ctx *c, const struct xfs_sb *sb)
{
	uint64_t root = calc_rootino(xc(c));
	static const char *const names[] = { "root inode", "realtime bitmap inode",
					     "realtime summary inode" };
	uint64_t v[] = { sb->rootino, sb->rbmino, sb->rsumino };

	for (int i = 0; i < 3; i++)
		if (v[i] != root + (uint64_t)i) {
			struct fsimg_problem_ctx p = pctx_group(0);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, names[i]);
			PCTX_SET(p, found, FSIMG_PF_FOUND, v[i]);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, root + (uint64_t)i);
			check_report(c, PR_XFS_SB_INODE, &p);
		}
}

int xc_pass_sb(struct check_ctx *c)
{
	struct xcheck *x = xc(c);
	const struct xfs_sb *sb = x->sb;
	uint8_t *buf = malloc(sb->sectsize);
	const char *why;
	char msg[128];

	if (!buf)
		return FSIMG_ENOMEM;
	check_progress(c, 1, "superblocks", 0, sb->agcount);
	if (fsimg_io_read(x->x->io, buf, sb->sectsize, 0) == 0) {
		if (x->x->v5 && !xfs_verify_cksum(buf, sb->sectsize, offsetof(struct xfs_dsb, sb_crc)))
			report(c, PR_XFS_SB_CRC, 0, NULL);
		why = sb_rules(sb, true);
		if (why) {
			snprintf(msg, sizeof(msg), "%s", why);
			report(c, PR_XFS_SB_GEOMETRY, 0, msg);
		}
		primary_features(c, sb);
		fixed_inodes(c, sb);
		if (sb->shared_vn)
			report_field(c, 0, "sb_shared_vn", sb->shared_vn, 0);
		sb_whack(c, sb, buf, sb->sectsize, 0);
	}
	for (uint32_t agno = 1; agno < sb->agcount; agno++) {
		uint64_t off = ((uint64_t)agno * sb->agblocks) << sb->blocklog;

		if (fsimg_io_read(x->x->io, buf, sb->sectsize, off) < 0 || check_secondary(c, buf, agno))
			bit_set(x->ag_skip, agno);
		check_progress(c, 1, "superblocks", agno + 1, sb->agcount);
	}
	free(buf);
	return 0;
}
