/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS inode cores: every inode of every inode chunk the inobt records,
 * judged as xfs_repair's phase 3 does (repair/dinode.c process_dinode_int,
 * with the kernel's xfs_dinode_verify rules): magic, version, CRC and self
 * identification, the inobt's free mask against the mode, the forks'
 * formats against the file type, sizes, flags, extent size hints,
 * timestamps, di_next_unlinked, and the extent and block counts against
 * what the forks hold (pass_forks.c). Inodes in use go to the table in
 * inode order; directories are walked later (pass_dirs.c), attribute forks
 * and symlinks here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/array.h"
#include "check/xfs/xpass.h"
#include "fs/front.h"

#define XFS_DIFLAG_ANY 0x7fffu
#define XFS_DIFLAG2_ANY 0x1fULL
#define XFS_MAX_EXTLEN ((1u << 21) - 1)
#define NULLAGINO 0xffffffffu

static int table_add(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	if (xp->n == xp->cap) {
		size_t ncap = xp->cap ? xp->cap * 2 : 1024;
		struct xp_ino *t;

		if (xp->n >= XP_MAX_INODES)
			return FSIMG_ENOMEM;
		t = realloc(xp->ino, ncap * sizeof(*t));
		if (!t)
			return FSIMG_ENOMEM;
		xp->ino = t;
		xp->cap = ncap;
	}
	xp->ino[xp->n++] = (struct xp_ino){ .ino = ip->ino, .nlink = ip->nlink, .namer = XP_NONE,
					     .dotdot = XP_NONE, .mode = ip->mode };
	return 0;
}

uint32_t xp_find(const struct xp_ctx *xp, uint64_t ino)
{
	size_t lo = ARRAY_LOWER_BOUND(xp->ino, xp->n, ino, ino);

	return lo < xp->n && xp->ino[lo].ino == ino ? (uint32_t)lo : XP_NONE;
}

void xp_report(struct xp_ctx *xp, enum problem_id id, uint64_t ino, const char *detail,
	       uint64_t found, uint64_t expected)
{
	struct fsimg_problem_ctx p = pctx_inode(ino);

	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, expected);
	if (detail)
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(xp->c, id, &p);
}

/* libxfs xfs_inode_validate_extsize; NULL when the hint is valid. */
static const char *extsize_why(const xfs_fs *x, const struct xfs_inode *ip)
{
	bool rt = ip->flags & XFS_DIFLAG_REALTIME, hint = ip->flags & XFS_DIFLAG_EXTSIZE;
	bool inherit = ip->flags & XFS_DIFLAG_EXTSZINHERIT;
	uint64_t unit = rt ? x->sb.rextsize : 1;

	if ((hint || inherit) && !S_ISDIR(ip->mode) && !S_ISREG(ip->mode))
		return "a hint on neither a file nor a directory";
	if (hint && !S_ISREG(ip->mode))
		return "the extsize flag on a non-file";
	if (inherit && !S_ISDIR(ip->mode))
		return "the extszinherit flag on a non-directory";
	if ((hint || inherit) && ip->extsize == 0)
		return "a hint flag with no size";
	if (!hint && !inherit && ip->extsize)
		return "a size without a hint flag";
	if (unit && ip->extsize % unit)
		return "not a multiple of the realtime extent";
	if (ip->extsize > XFS_MAX_EXTLEN)
		return "above the largest extent";
	if (!rt && ip->extsize > x->sb.agblocks / 2)
		return "above half an AG";
	return NULL;
}

/* libxfs xfs_inode_validate_cowextsize. */
static const char *cowextsize_why(const struct xp_ctx *xp, const struct xfs_inode *ip)
{
	bool hint = ip->flags2 & XFS_DIFLAG2_COWEXTSIZE;

	if (hint && !xp->reflink)
		return "a hint on a filesystem without reflink";
	if (hint && !S_ISDIR(ip->mode) && !S_ISREG(ip->mode))
		return "a hint on neither a file nor a directory";
	if (hint && ip->cowextsize == 0)
		return "a hint flag with no size";
	if (!hint && ip->cowextsize)
		return "a size without the cowextsize flag";
	if (hint && (ip->flags & XFS_DIFLAG_REALTIME))
		return "a hint on a realtime file";
	if (ip->cowextsize > XFS_MAX_EXTLEN)
		return "above the largest extent";
	if (ip->cowextsize > xp->x->sb.agblocks / 2)
		return "above half an AG";
	return NULL;
}

/* repair/dinode.c's di_flags and di_flags2 rules. */
static void check_flags(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	xfs_fs *x = xp->x;
	uint16_t f = ip->flags;
	uint64_t f2 = ip->flags2;
	const char *why = NULL;

	if (f & ~XFS_DIFLAG_ANY)
		why = "unknown bits";
	else if ((f & XFS_DIFLAG_REALTIME) && !xfs_has_realtime(x))
		why = "realtime without a realtime device";
	else if ((f & XFS_DIFLAG_NEWRTBM) && ip->ino != x->sb.rbmino)
		why = "newrtbm on an inode other than the realtime bitmap";
	else if ((f & (XFS_DIFLAG_RTINHERIT | XFS_DIFLAG_EXTSZINHERIT | XFS_DIFLAG_PROJINHERIT |
		       XFS_DIFLAG_NOSYMLINKS)) && !S_ISDIR(ip->mode))
		why = "directory flags on a non-directory";
	else if ((f & (XFS_DIFLAG_REALTIME | XFS_DIFLAG_EXTSIZE)) && !S_ISREG(ip->mode))
		why = "file flags on a non-file";
	if (why)
		xp_report(xp, PR_XFS_INODE_FLAGS, ip->ino, why, f, 0);
	why = NULL;
	if (ip->version < 3)
		goto hints;
	if (f2 & ~XFS_DIFLAG2_ANY)
		why = "unknown bits";
	else if ((f2 & XFS_DIFLAG2_REFLINK) && !xp->reflink)
		why = "reflink on a filesystem without reflink";
	else if ((f2 & XFS_DIFLAG2_REFLINK) && !S_ISREG(ip->mode))
		why = "reflink on a non-file";
	else if ((f2 & XFS_DIFLAG2_REFLINK) && (f & (XFS_DIFLAG_REALTIME | XFS_DIFLAG_RTINHERIT)))
		why = "reflink on a realtime inode";
	else if ((f2 & XFS_DIFLAG2_DAX) && !S_ISREG(ip->mode) && !S_ISDIR(ip->mode))
		why = "dax on neither a file nor a directory";
	else if ((f2 & XFS_DIFLAG2_BIGTIME) && !x->bigtime)
		why = "bigtime timestamps on a filesystem without bigtime";
	else if ((f2 & XFS_DIFLAG2_NREXT64) && !x->nrext64)
		why = "64-bit extent counters on a filesystem without nrext64";
	if (why)
		xp_report(xp, PR_XFS_INODE_FLAGS2, ip->ino, why, f2, 0);
	why = cowextsize_why(xp, ip);
	if (why)
		xp_report(xp, PR_XFS_INODE_COWEXTSIZE, ip->ino, why, ip->cowextsize, 0);
hints:
	why = extsize_why(x, ip);
	if (why)
		xp_report(xp, PR_XFS_INODE_EXTSIZE, ip->ino, why, ip->extsize, 0);
}

/* Non-bigtime timestamps keep nanoseconds in their low word (xfs_repair check_nsec). */
static void check_times(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	static const char *const names[] = { "access", "modification", "change", "creation" };
	const struct xfs_timestamp *t[] = { &ip->atime, &ip->mtime, &ip->ctime, &ip->crtime };

	if (ip->flags2 & XFS_DIFLAG2_BIGTIME)
		return;
	for (unsigned i = 0; i < (ip->version == 3 ? 4u : 3u); i++)
		if (t[i]->nsec >= 1000000000u)
			xp_report(xp, PR_XFS_INODE_TIMESTAMP, ip->ino, names[i], t[i]->nsec, 0);
}

/*
 * The formats by file type: the reader's rules (xfs_inode_fork_rule), strict
 * as xfs_repair's process_dinode_int, in the checker's words and ids.
 */
static bool check_formats(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	const char *why = NULL;
	bool attr;
	enum xfs_fork_rule rule = xfs_inode_fork_rule(&attr, xp->x, ip, true);

	switch (rule) {
	case XFS_FORK_OK: return true;
	case XFS_FORK_FORKOFF_PAST:
		xp_report(xp, PR_XFS_INODE_FORKOFF, ip->ino, "past the literal area", ip->forkoff, 0);
		return false;
	case XFS_FORK_BAD_TYPE:
		xp_report(xp, PR_XFS_INODE_MODE, ip->ino, NULL, ip->mode, 0);
		return false;
	case XFS_FORK_SPECIAL_NOT_DEV: why = "a special file's fork is a device"; break;
	case XFS_FORK_REG_LOCAL: why = "a regular file cannot be local"; break;
	case XFS_FORK_LOCAL_EXTENTS: why = "a local fork holds no extents"; break;
	case XFS_FORK_TOO_MANY_EXTENTS: why = "more extents than the fork holds"; break;
	case XFS_FORK_BTREE_FITS: why = "a btree for extents that fit in the inode"; break;
	case XFS_FORK_UNKNOWN_FORMAT: why = "unknown format"; break;
	/* the kernel lets a fresh inode have 0 here; xfs_repair wants extents in one in use */
	case XFS_FORK_NO_ATTR_FORK_FORMAT: why = "no attribute fork, but a format other than extents"; break;
	case XFS_FORK_NO_ATTR_FORK_EXTENTS: why = "no attribute fork, but extents"; break;
	}
	if (attr || rule == XFS_FORK_NO_ATTR_FORK_FORMAT || rule == XFS_FORK_NO_ATTR_FORK_EXTENTS)
		xp_report(xp, PR_XFS_INODE_AFORMAT, ip->ino, why, ip->aformat, 0);
	else
		xp_report(xp, PR_XFS_INODE_FORMAT, ip->ino, why, ip->format, 0);
	return false;
}

/* Sizes by type (xfs_inode_size_rule, strict), in the checker's words. */
static void check_size(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	size_t room;
	char why[96];

	why[0] = 0;
	switch (xfs_inode_size_rule(&room, xp->x, ip, true)) {
	case XFS_SIZE_OK: return;
	case XFS_SIZE_SYMLINK:
		snprintf(why, sizeof(why), "a symlink holds 1 to %u bytes", XFS_SYMLINK_MAXLEN);
		break;
	case XFS_SIZE_LOCAL_ROOM:
		snprintf(why, sizeof(why), "more than the %zu bytes of its local fork", room);
		break;
	case XFS_SIZE_SPECIAL: snprintf(why, sizeof(why), "a special file has no size"); break;
	case XFS_SIZE_63BIT: snprintf(why, sizeof(why), "above 2^63"); break;
	case XFS_SIZE_DIR: snprintf(why, sizeof(why), "a directory's data ends below 32 GiB"); break;
	}
	xp_report(xp, PR_XFS_INODE_SIZE, ip->ino, why, ip->size, 0);
}

static void check_in_use(struct xp_ctx *xp, struct xfs_inode *ip)
{
	xfs_fs *x = xp->x;
	uint64_t drecs = 0, dblocks = 0, arecs = 0, ablocks = 0;
	uint32_t agino_max = (uint32_t)1 << (x->sb.agblklog + x->sb.inopblog);

	check_flags(xp, ip);
	check_times(xp, ip);
	if (ip->next_unlinked != NULLAGINO &&
	    (ip->next_unlinked >= agino_max || (ip->next_unlinked >> x->sb.inopblog) == 0))
		xp_report(xp, PR_XFS_INODE_NEXT_UNLINKED, ip->ino, "not an inode of its AG",
			  ip->next_unlinked, 0);
	else if (ip->next_unlinked != NULLAGINO && xp->n)
		xp->ino[xp->n - 1].flags |= XP_NEXT_UNL;
	if (!check_formats(xp, ip)) {
		if (xp->n)
			xp->ino[xp->n - 1].flags |= XP_BAD;
		return;
	}
	check_size(xp, ip);
	if (ip->format == XFS_DINODE_FMT_DEV) {
		if (ip->nextents)
			xp_report(xp, PR_XFS_INODE_DEVICE, ip->ino, "extents", ip->nextents, 0);
	} else if (ip->format != XFS_DINODE_FMT_LOCAL) {
		xp_check_fork(xp, ip, XFS_DATA_FORK, &drecs, &dblocks);
		if (drecs != ip->nextents)
			xp_report(xp, PR_XFS_INODE_NEXTENTS, ip->ino, NULL, ip->nextents, drecs);
	}
	if (ip->forkoff && ip->aformat != XFS_DINODE_FMT_LOCAL) {
		xp_check_fork(xp, ip, XFS_ATTR_FORK, &arecs, &ablocks);
		if (arecs != ip->anextents)
			xp_report(xp, PR_XFS_INODE_ANEXTENTS, ip->ino, NULL, ip->anextents, arecs);
	}
	/* a realtime file's data blocks are on the realtime device, also counted */
	if (!(ip->flags & XFS_DIFLAG_REALTIME) && dblocks + ablocks != ip->nblocks)
		xp_report(xp, PR_XFS_INODE_NBLOCKS, ip->ino, NULL, ip->nblocks, dblocks + ablocks);
	if (ip->forkoff)
		xp_check_attrs(xp, ip);
	if (S_ISLNK(ip->mode))
		xp_check_symlink(xp, ip);
}

/* The metadata inodes the superblock names (never in a directory). */
static const char *meta_name(const xfs_fs *x, uint64_t ino)
{
	if (ino == x->sb.uquotino)
		return "user quota";
	if (ino == x->sb.gquotino)
		return "group quota";
	if (ino == x->sb.pquotino && x->v5)
		return "project quota";
	if (ino == x->sb.rbmino)
		return "realtime bitmap";
	if (ino == x->sb.rsumino)
		return "realtime summary";
	return NULL;
}

static int one_inode(void *arg, uint64_t ino, bool isfree)
{
	struct xp_ctx *xp = arg;
	xfs_fs *x = xp->x;
	struct xfs_inode ip;
	struct cur c;
	uint16_t magic;
	uint8_t version;
	int ret;

	ret = xfs_inode_read(&ip, x, ino);
	if (ret == FSIMG_ENOMEM) {
		xfs_inode_release(&ip);
		return ret;
	}
	if (!ip.raw || ret == FSIMG_EIO || ret == FSIMG_ERANGE) {
		xp_report(xp, PR_XFS_INODE_UNREADABLE, ino, x->errmsg, 0, 0);
		xfs_inode_release(&ip);
		return 0;
	}
	xp->c->sum.inodes_checked++;
	c = cur_init(ip.raw, x->inode_size);
	magic = cur_be16(&c, offsetof(struct xfs_dinode, di_magic));
	version = cur_u8(&c, offsetof(struct xfs_dinode, di_version));
	if (magic != XFS_DINODE_MAGIC) {
		xp_report(xp, PR_XFS_INODE_MAGIC, ino, NULL, magic, XFS_DINODE_MAGIC);
		goto out;
	}
	if (x->v5 ? version != 3 : (version != 1 && version != 2)) {
		xp_report(xp, PR_XFS_INODE_VERSION, ino, x->v5 ? "3 on a v5 filesystem" : "1 or 2 on v4",
			  version, 0);
		goto out;
	}
	if (version == 3) {
		if (!xfs_verify_cksum(ip.raw, x->inode_size, offsetof(struct xfs_dinode, di_crc)))
			xp_report(xp, PR_XFS_INODE_CRC, ino, NULL,
				  cur_le32(&c, offsetof(struct xfs_dinode, di_crc)), 0);
		if (cur_be64(&c, offsetof(struct xfs_dinode, di_ino)) != ino)
			xp_report(xp, PR_XFS_INODE_SELF, ino, "inode",
				  cur_be64(&c, offsetof(struct xfs_dinode, di_ino)), ino);
		if (memcmp(ip.raw + offsetof(struct xfs_dinode, di_uuid),
			   (x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? x->sb.meta_uuid
										      : x->sb.uuid,
			   16))
			xp_report(xp, PR_XFS_INODE_SELF, ino, "another filesystem's UUID", 0, 0);
	}
	ip.mode = cur_be16(&c, offsetof(struct xfs_dinode, di_mode));
	if (version >= 2 && cur_be16(&c, offsetof(struct xfs_dinode, di_onlink)))
		xp_report(xp, PR_XFS_INODE_OBSOLETE, ino, "16-bit link count",
			  cur_be16(&c, offsetof(struct xfs_dinode, di_onlink)), 0);
	if (isfree) {
		if (ip.mode)
			xp_report(xp, PR_XFS_INODE_FREE_IN_USE, ino, NULL, ip.mode, 0);
		goto out;
	}
	if (!ip.mode) {
		xp_report(xp, PR_XFS_INODE_USED_BUT_FREE, ino, NULL, 0, 0);
		goto out;
	}
	if (table_add(xp, &ip)) {
		xfs_inode_release(&ip);
		return FSIMG_ENOMEM;
	}
	{
		const char *meta = meta_name(x, ino);

		if (meta) {
			xp->ino[xp->n - 1].flags |= XP_META;
			if (!S_ISREG(ip.mode)) {
				xp_report(xp, PR_XFS_INODE_METADATA, ino, meta, ip.mode, 0);
				xp->ino[xp->n - 1].flags |= XP_BAD;
			} else if (strstr(meta, "quota") && ip.size) {
				/* xfs_repair: the size of a quota inode is 0 */
				xp_report(xp, PR_XFS_INODE_SIZE, ino, "a quota file's size is 0", ip.size, 0);
			}
		}
	}
	check_in_use(xp, &ip);
	xq_account(xp, &ip);
out:
	xfs_inode_release(&ip);
	return 0;
}

static void notice_drop(void *ctx, int err, const char *msg)
{
	(void)ctx, (void)err, (void)msg;
}

/*
 * Threads over AGs (check_parallel): each thread has its own XFS handle on
 * its copy of the source and its own table; an AG's table is kept in seg[]
 * and the tables are joined in AG order, so the table stays in inode order.
 */
struct iseg {
	struct xp_ino *ino;
	size_t n;
};
struct iarg {
	struct xp_ctx *xp;
	struct iseg *seg;
	bool oom;
};
struct itls {
	struct xp_ctx txp;
	xfs_fs *x;
};

static int inodes_init(struct check_ctx *tc, void *tls, void *arg)
{
	struct itls *t = tls;
	struct iarg *a = arg;
	int ret = xfs_fs_open(&t->x, front_fs_io(tc->fs));

	if (ret) {
		xfs_fs_close(t->x);
		t->x = NULL;
		return ret;
	}
	xfs_fs_set_notice(t->x, notice_drop, NULL);
	t->txp = (struct xp_ctx){ .c = tc, .x = t->x, .reflink = a->xp->reflink, .q = a->xp->q };
	t->txp.buf = malloc(t->x->dirblksize > t->x->blocksize ? t->x->dirblksize : t->x->blocksize);
	return t->txp.buf ? 0 : FSIMG_ENOMEM;
}

static void inodes_unit(struct check_ctx *tc, void *tls, uint64_t agno, void *arg)
{
	struct itls *t = tls;
	struct iarg *a = arg;

	t->txp.c = tc;
	t->txp.ino = NULL;
	t->txp.n = t->txp.cap = 0;
	if (xfs_inode_walk_all(t->x, (uint32_t)agno, one_inode, &t->txp) == FSIMG_ENOMEM)
		a->oom = true;
	a->seg[agno] = (struct iseg){ t->txp.ino, t->txp.n };
}

static void inodes_done(struct check_ctx *c, uint64_t agno, void *arg)
{
	struct iarg *a = arg;

	check_progress(c, 3, "inodes", agno + 1, a->xp->x->sb.agcount);
}

static void inodes_fini(struct check_ctx *tc, void *tls, void *arg)
{
	struct itls *t = tls;

	(void)tc, (void)arg;
	free(t->txp.buf);
	xfs_fs_close(t->x);
}

int xp_pass_inodes(struct xp_ctx *xp)
{
	static const struct check_par_ops ops = { sizeof(struct itls), inodes_init, inodes_unit,
						  inodes_done, inodes_fini };
	uint32_t agcount = xp->x->sb.agcount;
	struct iarg a = { .xp = xp };
	size_t total = 0;
	int ret;

	a.seg = calloc(agcount, sizeof(*a.seg));
	if (!a.seg)
		return FSIMG_ENOMEM;
	ret = check_parallel(xp->c, agcount, &ops, &a);
	for (uint32_t g = 0; g < agcount; g++)
		total += a.seg[g].n;
	if (!ret && !a.oom && total) {
		xp->ino = malloc(total * sizeof(*xp->ino));
		if (!xp->ino)
			ret = FSIMG_ENOMEM;
	}
	for (uint32_t g = 0; g < agcount; g++) {
		if (xp->ino && a.seg[g].n)
			memcpy(xp->ino + xp->n, a.seg[g].ino, a.seg[g].n * sizeof(*xp->ino));
		if (xp->ino)
			xp->n += a.seg[g].n;
		free(a.seg[g].ino);
	}
	xp->cap = xp->n;
	free(a.seg);
	if (a.oom)
		return FSIMG_ENOMEM;
	return ret == FSIMG_ENOMEM ? ret : 0;
}
