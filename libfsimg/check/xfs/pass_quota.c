/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The quota files (xfs_repair's process_quota_inode and quotacheck.c).
 * Every dquot of a quota file's blocks is checked as xfs_repair's read does
 * (v5 CRC and UUID, then libxfs xfs_dquot_verify: magic, version, type,
 * the id its place in the file gives, bigtime, soft limits past without a
 * timer). Where the superblock says quotacheck ran for the type (its CHKD
 * flag), the inode pass sums each in-use inode's blocks and itself per
 * user, group and project id, and each dquot's counts are compared with the
 * sums, and every id that owns something needs its dquot.
 *
 * The sums are an id → count map (check/idmap.h) shared by the inode pass's
 * threads: memory grows with the ids met (a few slots each), not with the
 * inodes, and stops at a bound; past it (or out of memory) the counts are
 * not compared, as xfs_repair gives up quotacheck when it runs out.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/idmap.h"
#include "check/xfs/xpass.h"
#include "core/array.h"
#include "core/cursor.h"

#define NULLFSINO UINT64_MAX
/* the map's keys: (type * 4 + what + 1) << 32 | id, never 0 */
enum { K_BCOUNT, K_RTBCOUNT, K_ICOUNT, K_ONDISK };
/* at most this many keys (16 bytes a slot, half full at most): 64 MiB */
#define XQ_MAX_KEYS (UINT32_C(1) << 21)

struct xq {
	struct idmap *m;
	uint64_t ino[3];   /* the quota file per type (user, group, project); 0: none */
	uint8_t type[3];   /* its XFS_DQTYPE_* */
	bool count[3];     /* quotacheck ran for the type: counts are compared */
	bool any_count;
};

static const char *const type_name[3] = { "user", "group", "project" };

static uint64_t key(unsigned t, unsigned what, uint32_t id)
{
	return (uint64_t)(t * 4 + what + 1) << 32 | id;
}

int xq_setup(struct xp_ctx *xp)
{
	static const uint16_t chkd[3] = { XFS_UQUOTA_CHKD, XFS_GQUOTA_CHKD, XFS_PQUOTA_CHKD };
	const struct xfs_sb *sb = &xp->x->sb;
	uint16_t qf = sb->qflags;
	struct xq *q;

	xp->q = NULL;
	if (!(sb->versionnum & XFS_SB_VERSION_QUOTABIT))
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return FSIMG_ENOMEM;
	q->type[0] = XFS_DQTYPE_USER;
	q->type[1] = XFS_DQTYPE_GROUP;
	q->type[2] = XFS_DQTYPE_PROJ;
	q->ino[0] = sb->uquotino;
	if (xp->x->v5) {
		q->ino[1] = sb->gquotino;
		q->ino[2] = sb->pquotino;
	} else {
		/* v4 (xfs_sb_quota_from_disk): one file for group or project, checked by OQUOTA_CHKD */
		bool proj = qf & XFS_PQUOTA_ACCT;

		q->ino[proj ? 2 : 1] = sb->gquotino;
		if (qf & XFS_OQUOTA_CHKD)
			qf |= proj ? XFS_PQUOTA_CHKD : XFS_GQUOTA_CHKD;
	}
	for (unsigned t = 0; t < 3; t++) {
		if (q->ino[t] == NULLFSINO)
			q->ino[t] = 0;
		q->count[t] = q->ino[t] && (qf & chkd[t]);
		q->any_count |= q->count[t];
	}
	if (q->any_count) {
		q->m = idmap_new(XQ_MAX_KEYS);
		if (!q->m) {
			free(q);
			return FSIMG_ENOMEM;
		}
	}
	xp->q = q;
	return 0;
}

void xq_free(struct xp_ctx *xp)
{
	if (xp->q)
		idmap_free(xp->q->m);
	free(xp->q);
	xp->q = NULL;
}

/* The realtime blocks of a realtime file: its data fork's extents (qc_count_rtblocks). */
static uint64_t rt_blocks(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	struct xfs_bmap bm;
	uint64_t n = 0;

	if (xfs_bmap_load(&bm, xp->x, ip, XFS_DATA_FORK) == 0)
		for (size_t i = 0; i < bm.n; i++)
			n += bm.rec[i].blockcount;
	xfs_bmap_free(&bm);
	return n;
}

void xq_account(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	const struct xq *q = xp->q;
	uint32_t id[3];
	uint64_t rt = 0;

	if (!q || !q->m)
		return;
	if (ip->ino == q->ino[0] || ip->ino == q->ino[1] || ip->ino == q->ino[2])
		return;
	if (ip->flags & XFS_DIFLAG_REALTIME)
		rt = rt_blocks(xp, ip);
	id[0] = ip->uid;
	id[1] = ip->gid;
	id[2] = ip->version == 1 ? 0 : ip->projid;
	for (unsigned t = 0; t < 3; t++) {
		if (!q->count[t])
			continue;
		idmap_put(q->m, key(t, K_BCOUNT, id[t]), ip->nblocks - rt, false);
		if (rt)
			idmap_put(q->m, key(t, K_RTBCOUNT, id[t]), rt, false);
		idmap_put(q->m, key(t, K_ICOUNT, id[t]), 1, false);
	}
}

/*
 * One dquot as xfs_repair reads it (process_quota_inode, xfs_dquot_verify):
 * NULL when sound, else what is wrong.
 */
static const char *dquot_why(const struct xp_ctx *xp, const uint8_t *d, uint32_t dqid, uint8_t want)
{
	const xfs_fs *x = xp->x;
	uint8_t type = d[3];
	uint32_t id = get_be32(d + 4);
	bool bigtime = x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_BIGTIME;

	if (x->v5) {
		if (!xfs_verify_cksum(d, XFS_DQBLK_SIZE, XFS_DQBLK_CRC))
			return "bad CRC";
		if (memcmp(d + XFS_DQBLK_UUID,
			   (x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? x->sb.meta_uuid
											: x->sb.uuid,
			   16))
			return "another filesystem's UUID";
	}
	if (get_be16(d) != XFS_DQUOT_MAGIC)
		return "bad magic";
	if (d[2] != XFS_DQUOT_VERSION)
		return "bad version";
	if (type & ~(XFS_DQTYPE_REC_MASK | XFS_DQTYPE_BIGTIME))
		return "unknown type flags";
	if ((type & XFS_DQTYPE_REC_MASK) != want)
		return "another quota type";
	if ((type & XFS_DQTYPE_BIGTIME) && (!bigtime || id == 0))
		return id ? "bigtime timers without the bigtime feature" : "bigtime timers on the default dquot";
	if (id != dqid)
		return "an id other than its place in the file";
	if (id == 0)
		return NULL;
	/* a soft limit passed starts its timer */
	if (get_be64(d + 16) && get_be64(d + 40) > get_be64(d + 16) && !get_be32(d + 60))
		return "over its block soft limit without a timer";
	if (get_be64(d + 32) && get_be64(d + 48) > get_be64(d + 32) && !get_be32(d + 56))
		return "over its inode soft limit without a timer";
	if (get_be64(d + 80) && get_be64(d + 88) > get_be64(d + 80) && !get_be32(d + 96))
		return "over its realtime block soft limit without a timer";
	return NULL;
}

/* One dquot's counts against the sums (qc_check_dquot). */
static void dquot_counts(struct xp_ctx *xp, unsigned t, const uint8_t *d)
{
	static const struct {
		unsigned k, off;
		const char *name;
	} f[] = { { K_BCOUNT, 40, "bcount" }, { K_RTBCOUNT, 88, "rtbcount" }, { K_ICOUNT, 48, "icount" } };
	struct xq *q = xp->q;
	uint32_t id = get_be32(d + 4);
	char what[64];

	for (unsigned i = 0; i < 3; i++) {
		uint64_t v = 0, ondisk = get_be64(d + f[i].off);

		if (idmap_get(q->m, key(t, f[i].k, id), &v) < 0)
			return;
		if (ondisk != v) {
			snprintf(what, sizeof(what), "%s id %u %s", type_name[t], id, f[i].name);
			xp_report(xp, PR_XFS_DQUOT_COUNT, q->ino[t], what, ondisk, v);
		}
	}
	idmap_put(q->m, key(t, K_ONDISK, id), 1, true);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The ids that own something and have no dquot (quotacheck_verify's last loop), in id order. */
static void missing(struct xp_ctx *xp, unsigned t)
{
	struct xq *q = xp->q;
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0;
	char what[96];

	for (size_t i = 0; i < q->m->cap; i++) {
		uint64_t k = q->m->s[i].key, v;

		if (k >> 32 != (uint64_t)(t * 4 + K_ICOUNT + 1) ||
		    idmap_get(q->m, key(t, K_ONDISK, (uint32_t)k), &v) != 0)
			continue;
		if (!array_grow((void **)&ids, &cap, n + 1, sizeof(*ids)))
			break;
		ids[n++] = (uint32_t)k;
	}
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		uint64_t b = 0, ic = 0;

		idmap_get(q->m, key(t, K_BCOUNT, ids[i]), &b);
		idmap_get(q->m, key(t, K_ICOUNT, ids[i]), &ic);
		snprintf(what, sizeof(what), "%s id %u (%llu blocks, %llu inodes)", type_name[t], ids[i],
			 (unsigned long long)b, (unsigned long long)ic);
		xp_report(xp, PR_XFS_DQUOT_MISSING, q->ino[t], what, 0, 0);
	}
	free(ids);
}

/* One quota file: every dquot of its blocks; the counts when quotacheck ran. */
static int verify_file(struct xp_ctx *xp, unsigned t, uint8_t *blk)
{
	struct xq *q = xp->q;
	xfs_fs *x = xp->x;
	uint32_t per = x->blocksize / XFS_DQBLK_SIZE, idx = xp_find(xp, q->ino[t]);
	bool counts = q->count[t] && q->m && !q->m->overflow;
	struct xfs_inode ip;
	struct xfs_bmap bm;
	char why[96];
	int ret;

	/* a quota file not in use or broken is reported by the other passes: xfs_repair calls it lost */
	if (idx == XP_NONE || (xp->ino[idx].flags & XP_BAD) || !S_ISREG(xp->ino[idx].mode))
		return 0;
	memset(&bm, 0, sizeof(bm));
	memset(&ip, 0, sizeof(ip));
	ret = xfs_inode_read(&ip, x, q->ino[t]);
	if (ret == 0)
		ret = xfs_bmap_load(&bm, x, &ip, XFS_DATA_FORK);
	if (ret == FSIMG_ENOMEM)
		goto out;
	if (ret) {
		ret = 0;
		goto out; /* the fork's damage is the inode pass's to report */
	}
	for (size_t r = 0; r < bm.n; r++) {
		const struct xfs_irec *e = &bm.rec[r];

		/* an extent outside the filesystem is the fork pass's to report: its blocks are not read */
		if (!xfs_fsb_range_ok(x, e->startblock, e->blockcount)) {
			counts = false;
			continue;
		}
		for (uint32_t b = 0; b < e->blockcount; b++) {
			uint64_t lblk = e->startoff + b, dqid = lblk * per;
			bool bad = false;

			if (dqid > UINT32_MAX)
				break;
			if (xfs_read_fsb(x, blk, e->startblock + b, 1)) {
				snprintf(why, sizeof(why), "block %llu cannot be read", (unsigned long long)lblk);
				xp_report(xp, PR_XFS_DQUOT, q->ino[t], why, dqid, 0);
				counts = false;
				break; /* one report an extent */
			}
			for (uint32_t i = 0; i < per && dqid + i <= UINT32_MAX; i++) {
				const char *w = dquot_why(xp, blk + (size_t)i * XFS_DQBLK_SIZE, (uint32_t)(dqid + i),
							  q->type[t]);

				if (w) {
					xp_report(xp, PR_XFS_DQUOT, q->ino[t], w, dqid + i, 0);
					bad = true;
				}
			}
			/* xfs_repair's quotacheck reads the block through the verifier: a bad one ends it */
			if (bad)
				counts = false;
			for (uint32_t i = 0; counts && i < per && dqid + i <= UINT32_MAX; i++)
				dquot_counts(xp, t, blk + (size_t)i * XFS_DQBLK_SIZE);
		}
	}
	if (counts)
		missing(xp, t);
out:
	xfs_bmap_free(&bm);
	xfs_inode_release(&ip);
	return ret;
}

int xq_verify(struct xp_ctx *xp)
{
	uint8_t *blk;
	int ret = 0;

	if (!xp->q)
		return 0;
	blk = malloc(xp->x->blocksize);
	if (!blk)
		return FSIMG_ENOMEM;
	for (unsigned t = 0; t < 3 && !ret; t++)
		if (xp->q->ino[t])
			ret = verify_file(xp, t, blk);
	free(blk);
	return ret;
}
