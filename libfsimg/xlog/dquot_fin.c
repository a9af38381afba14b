/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dquots the mount's finish changes when quota accounting is on.
 *
 * Linux 6.1's xfs_mountfs turns quotas on before xfs_log_mount_finish when
 * the superblock accounts them and no quotacheck is needed (xfs_qm_newmount
 * calls xfs_qm_mount_quotas then; offline, the mount's options are taken to
 * be the accounting the superblock records, as dquot.c does for log
 * replay). Every inode the finish touches gets its dquots attached first
 * (xfs_qm_dqattach, no allocation: a dquot whose quota file block is a hole
 * fails the attach, so that is refused); freeing an unlinked inode charges
 * them (xfs_trans_mod_dquot_byino): ICOUNT -1 in xfs_inactive_ifree, BCOUNT
 * -1 per block the truncate and the attribute fork's removal free
 * (xfs_bmap_del_extent_real, xfs_bmbt_free_block), di_nblocks in all,
 * charged at once: they only lower counts, and a count going down can only
 * leave a limit, so their sum commits to what the kernel's transactions one
 * by one leave. A BUI's map or unmap (xfs_bmapi_remap, __xfs_bunmapi with
 * XFS_BMAPI_REMAP) charges nothing: the reflink that queued it charged its
 * transaction. A new bmbt block it needs (xfs_bmbt_alloc_block,
 * xfs_bmap_extents_to_btree) charges BCOUNT +1 in the BUI's transaction, a
 * freed one -1 (xfs_bmbt_free_block; no BUI the finish does frees one yet).
 *
 * Each dquot keeps its running transaction's deltas (the kernel's xfs_dqtrx:
 * BCOUNT, ICOUNT, RTBCOUNT); they are committed before a later
 * transaction's change to the same dquot or at the flush, which is when
 * xfs_trans_apply_dquot_deltas would have applied them for all that the
 * dquot shows: the counts move, and on a dquot other than id 0 zero limits
 * take the id 0 dquot's (xfs_qm_adjust_dqlimits) and the timers are adjusted
 * (xfs_qm_adjust_dqtimers, xfs_qm_adjust_res_timer: over a limit with no
 * timer, one starts at the wall clock; under every limit, it is cleared).
 * A timer the commit would start from the wall clock is marked; a later
 * commit under every limit clears it as the kernel does (the time then no
 * longer shows), and one still running at the flush is refused, named: it
 * holds a time fsimg cannot know. 6.1 keeps no warning counters
 * (xfs_dquot_to_disk writes them zero). The commit logs the dquot
 * (xfs_trans_log_dquot, which also moves a dquot other than id 0 to bigtime
 * timers on a bigtime filesystem) and the AIL push writes each into its
 * block (xfs_qm_dqflush: xfs_dquot_to_disk, warning counters and pads zero;
 * on v5 the LSN of the last checkpoint that logged it and the dquot's crc32c).
 *
 * Which checkpoints log a dquot: xfs_trans_apply_dquot_deltas logs every
 * dquot in the transaction's dqinfo, changed or not, and a roll carries the
 * dqinfo and XFS_TRANS_DQ_DIRTY to the next transaction of the chain
 * (xfs_trans_dup_dqinfo): from the transaction that first changes it to the
 * chain's last, each commit logs the dquot again. A checkpoint holds the
 * dquot's item when one of its committed transactions logged it (the running
 * one's at a force comes in the next), and the AIL writes it at the start LSN
 * of the last such checkpoint (xfs_qm_dqflush: dd_lsn from li_lsn). The
 * finish charges an unlinked inode's counts all at once (above) but places its
 * dquots in the chains that change them (xlog_fin_dquot_chain): its truncates'
 * (xfs_inactive_truncate from its first unmap, the attribute fork's from its
 * first unmap), not xfs_attr_inactive's rolls before it, and
 * xfs_inactive_ifree's; a BUI's chain is not placed (a v5 force after one is
 * refused in xlog_fin_force).
 *
 * Refused, named: a quotacheck to come (an accounted type's CHKD flag clear:
 * the kernel then recomputes every dquot after the finish), a realtime
 * filesystem (the mount turns quotas off), a missing quota inode (the mount
 * would make one), a dquot block that fails its verifier, counts that would
 * go below zero.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/dquot.h"
#include "xlog/ifree.h"
#include "xlog/intent.h"

#define NULLFSINO_ UINT64_MAX
/* the dinode's owners */

static const char *type_name(uint8_t type)
{
	return type == XFS_DQTYPE_USER ? "user" : type == XFS_DQTYPE_GROUP ? "group" : "project";
}

static int type_slot(uint8_t type)
{
	return type == XFS_DQTYPE_USER ? 0 : type == XFS_DQTYPE_GROUP ? 1 : 2;
}

/*
 * The quota state the mount sets up (xfs_qm_newmount, xfs_sb_quota_from_disk), from the
 * superblock as log replay leaves it (the log may hold the one that turned quotas on).
 */
static int quota_init(struct fin *f)
{
	xfs_fs *fs = f->log->fs;
	struct fin_quota *q = &f->q;
	uint8_t sb[XLOG_BBSIZE];
	uint16_t qf;
	uint64_t u, g, p;
	int err;

	if ((err = xlog_ovl_read(f->o, f->log, sb, 0, 1)))
		return err;
	qf = get_be16(sb + offsetof(struct xfs_dsb, sb_qflags));
	q->state = 1;
	if (!(qf & (XFS_UQUOTA_ACCT | XFS_GQUOTA_ACCT | XFS_PQUOTA_ACCT)))
		return 0;
	if (get_be64(sb + offsetof(struct xfs_dsb, sb_rextents)))
		return xlog_fin_refuse(f, "quota accounting on a realtime filesystem (the mount turns it off)");
	u = get_be64(sb + offsetof(struct xfs_dsb, sb_uquotino));
	g = get_be64(sb + offsetof(struct xfs_dsb, sb_gquotino));
	p = fs->v5 ? get_be64(sb + offsetof(struct xfs_dsb, sb_pquotino)) : NULLFSINO_;
	/* XFS_QM_NEED_QUOTACHECK: v4 keeps the group or project file's flag in OQUOTA_CHKD */
	if (((qf & XFS_UQUOTA_ACCT) && !(qf & XFS_UQUOTA_CHKD)) ||
	    ((qf & XFS_GQUOTA_ACCT) && !(qf & (fs->v5 ? XFS_GQUOTA_CHKD : XFS_OQUOTA_CHKD))) ||
	    ((qf & XFS_PQUOTA_ACCT) && !(qf & (fs->v5 ? XFS_PQUOTA_CHKD : XFS_OQUOTA_CHKD))))
		return xlog_fin_refuse(f, "quota accounting is on and not checked (qflags 0x%x): a quotacheck "
				       "recomputes every dquot at mount, not done yet", qf);
	if (!fs->v5 && (qf & XFS_GQUOTA_ACCT) && (qf & XFS_PQUOTA_ACCT))
		return xlog_fin_refuse(f, "group and project quotas both on a v4 filesystem");
	if (!fs->v5 && (qf & XFS_PQUOTA_ACCT)) /* one file for the group or project quotas */
		p = g, g = NULLFSINO_;
	q->qino[0] = u;
	q->qino[1] = g;
	q->qino[2] = p;
	q->types = ((qf & XFS_UQUOTA_ACCT) ? XFS_DQTYPE_USER : 0) | ((qf & XFS_GQUOTA_ACCT) ? XFS_DQTYPE_GROUP : 0) |
		   ((qf & XFS_PQUOTA_ACCT) ? XFS_DQTYPE_PROJ : 0);
	for (uint8_t t = XFS_DQTYPE_USER; t <= XFS_DQTYPE_GROUP; t <<= 1) {
		uint64_t ino = q->qino[type_slot(t)];
		if ((q->types & t) && (ino == 0 || ino == NULLFSINO_ || !xfs_ino_ok(fs, ino)))
			return xlog_fin_refuse(f, "%s quotas are on and the %s quota inode is %llu (the mount "
					       "would make one)", type_name(t), type_name(t), (unsigned long long)ino);
	}
	q->state = 2;
	return 0;
}

/* xfs_dqblk_verify of the dquot at dq, which must be id (and the crc32c on v5). */
static bool dqblk_ok(const xfs_fs *fs, const uint8_t *dq, uint32_t id)
{
	uint8_t t = dq[XFS_DQ_TYPE], rec = t & XFS_DQTYPE_REC_MASK;
	const uint8_t *uuid = (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? fs->sb.meta_uuid
											   : fs->sb.uuid;

	if (fs->v5 && (!xfs_verify_cksum(dq, XFS_DQBLK_SIZE, XFS_DQBLK_CRC) || memcmp(dq + XFS_DQBLK_UUID, uuid, 16)))
		return false;
	if (get_be16(dq) != XFS_DQUOT_MAGIC || dq[2] != XFS_DQUOT_VERSION || (t & ~(XFS_DQTYPE_REC_MASK | XFS_DQTYPE_BIGTIME)))
		return false;
	if (rec != XFS_DQTYPE_USER && rec != XFS_DQTYPE_GROUP && rec != XFS_DQTYPE_PROJ)
		return false;
	if ((t & XFS_DQTYPE_BIGTIME) && (!fs->bigtime || id == 0))
		return false;
	return get_be32(dq + XFS_DQ_ID) == id;
}

/* The file block fblk of quota inode ino: *fsb, UINT64_MAX for a hole. 0, 1 or <0. */
static int quota_map(struct fin *f, uint8_t type, uint64_t ino, uint32_t id, uint64_t fblk, uint64_t *fsb)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ilog = fs->sb.agblklog + fs->sb.inopblog, agino = (uint32_t)(ino & ((1ull << ilog) - 1));
	uint32_t ag = (uint32_t)(ino >> ilog), agbno = agino >> fs->sb.inopblog;
	uint32_t slot = agino & ((1u << fs->sb.inopblog) - 1), fork = fs->sb.inodesize - fs->lit_off;
	uint64_t n;
	struct blk *ib;
	const uint8_t *d, *recs;
	uint8_t *own = NULL;
	struct bmbt *t;
	int err;

	*fsb = UINT64_MAX;
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), fs->blocksize / XLOG_BBSIZE, K_INODES, &ib)))
		return err;
	d = ib->b + (size_t)slot * fs->sb.inodesize;
	if (get_be16(d) != XFS_DINODE_MAGIC || (fs->v5 && !xfs_verify_cksum(d, fs->sb.inodesize,
									offsetof(struct xfs_dinode, di_crc))))
		return xlog_fin_refuse(f, "the %s quota inode %llu is not a good inode", type_name(type),
				       (unsigned long long)ino);
	if (d[DI_FORKOFF] * 8u > fork)
		return xlog_fin_refuse(f, "the %s quota inode's fork offset %u is past its literal area",
				       type_name(type), d[DI_FORKOFF]);
	if (d[DI_FORKOFF])
		fork = d[DI_FORKOFF] * 8u;
	n = xlog_di_nextents(d);
	recs = d + fs->lit_off;
	if (d[DI_FORMAT] == XFS_DINODE_FMT_BTREE) {
		if (n > UINT32_MAX)
			return xlog_fin_refuse(f, "the %s quota inode has %llu extents", type_name(type),
					       (unsigned long long)n);
		/* its bmbt's room (a struct bmbt, too large for the stack) only while it is read */
		if (!(t = malloc(sizeof *t)))
			return FSIMG_ENOMEM;
		err = xlog_fin_bmbt_read(f, recs, fork, ino, (uint32_t)n, t, &own);
		free(t);
		if (err)
			return err;
		recs = own;
	} else if (d[DI_FORMAT] != XFS_DINODE_FMT_EXTENTS || n > fork / BMBT_REC_LEN) {
		return xlog_fin_refuse(f, "the %s quota inode's data fork (format %u, %llu extents) is not read",
				       type_name(type), d[DI_FORMAT], (unsigned long long)n);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off, b;
		uint32_t len;
		xlog_fin_bmbt_rec(recs + i * BMBT_REC_LEN, &off, &b, &len);
		if (fblk >= off && fblk - off < len) {
			*fsb = b + (fblk - off);
			break;
		}
	}
	free(own);
	if (*fsb != UINT64_MAX && !xfs_fsb_range_ok(fs, *fsb, 1))
		return xlog_fin_refuse(f, "%s dquot %u: its block %llu is out of the filesystem", type_name(type), id,
				       (unsigned long long)*fsb);
	return 0;
}

/* xfs_qm_dqget without allocation: the dquot of type and id, read once (its block verified
 * as a whole); *out NULL when its block is a hole (refused when must). 0, 1 or <0. */
static int dquot_get(struct fin *f, uint8_t type, uint32_t id, bool must, struct fin_dquot **out)
{
	xfs_fs *fs = f->log->fs;
	struct fin_quota *q = &f->q;
	uint32_t per = fs->blocksize / XFS_DQBLK_SIZE, bbs = fs->blocksize / XLOG_BBSIZE, first;
	size_t nblk;
	uint64_t fsb;
	struct blk *b;
	int err;

	for (uint32_t i = 0; i < q->ndq; i++)
		if (q->dq[i].type == type && q->dq[i].id == id) {
			*out = &q->dq[i];
			return 0;
		}
	if (q->ndq == FIN_DQUOTS_MAX)
		return xlog_fin_refuse(f, "more than %u dquots to change", FIN_DQUOTS_MAX);
	*out = NULL;
	if ((err = quota_map(f, type, q->qino[type_slot(type)], id, id / per, &fsb)))
		return err;
	if (fsb == UINT64_MAX)
		return !must ? 0 : xlog_fin_refuse(f, "%s dquot %u is not on disk yet (xfs_qm_dqread would "
						   "allocate it): not done yet", type_name(type), id);
	nblk = f->nblk;
	if ((err = xlog_fin_get_new(f, xlog_ag_daddr(fs, xfs_fsb_agno(fs, fsb), xfs_fsb_agbno(fs, fsb)), bbs, K_DQUOT,
				    &b)))
		return err;
	/* xfs_dquot_buf_verify when it is read: the ids rise from the block's first one */
	first = get_be32(b->b + XFS_DQ_ID);
	for (uint32_t i = 0; f->nblk > nblk && i < per; i++) {
		const uint8_t *dq = b->b + (size_t)i * XFS_DQBLK_SIZE;
		if (!dqblk_ok(fs, dq, first + i))
			return xlog_fin_refuse(f, "the %s quota block %llu fails its verifier at dquot %u",
					       type_name(type), (unsigned long long)fsb, i);
	}
	if (first != id - id % per || (b->b[(size_t)(id % per) * XFS_DQBLK_SIZE + XFS_DQ_TYPE] & XFS_DQTYPE_REC_MASK) != type)
		return xlog_fin_refuse(f, "the %s quota block %llu does not hold %s dquot %u", type_name(type),
				       (unsigned long long)fsb, type_name(type), id);
	*out = &q->dq[q->ndq++];
	memset(*out, 0, sizeof **out);
	(*out)->type = type;
	(*out)->id = id;
	(*out)->blk = (size_t)(b - f->blk);
	(*out)->off = (id % per) * XFS_DQBLK_SIZE;
	return 0;
}

/* The resources' counters, limits and timers in a dquot (struct xfs_disk_dquot). */
static const struct {
	uint32_t count, soft, hard, timer;
	const char *what;
} res_off[FIN_DQ_NRES] = {
	[FIN_DQ_BCOUNT] = { XFS_DQ_BCOUNT, XFS_DQ_BLK_SOFT, XFS_DQ_BLK_HARD, XFS_DQ_BTIMER, "block" },
	[FIN_DQ_ICOUNT] = { XFS_DQ_ICOUNT, XFS_DQ_INO_SOFT, XFS_DQ_INO_HARD, XFS_DQ_ITIMER, "inode" },
	[FIN_DQ_RTBCOUNT] = { XFS_DQ_RTBCOUNT, XFS_DQ_RTB_SOFT, XFS_DQ_RTB_HARD, XFS_DQ_RTBTIMER, "realtime block" },
};

/* A count plus its delta, refused below zero (and past the 64-bit counter). */
static int count_add(struct fin *f, const struct fin_dquot *dq, uint8_t *p, int64_t delta, const char *what)
{
	uint64_t c = get_be64(p), down = 0 - (uint64_t)delta; /* -delta, INT64_MIN too */

	if (delta < 0 && c < down)
		return xlog_fin_refuse(f, "%s dquot %u: its %s count %llu would go below zero", type_name(dq->type),
				       dq->id, what, (unsigned long long)c);
	if (delta > 0 && c > UINT64_MAX - (uint64_t)delta)
		return xlog_fin_refuse(f, "%s dquot %u: its %s count %llu would wrap", type_name(dq->type), dq->id,
				       what, (unsigned long long)c);
	put_be64(p, c + (uint64_t)delta);
	return 0;
}

/*
 * xfs_qm_adjust_res_timer of resource r (its limits already filled in): over a limit with no
 * timer, xfs_dquot_set_timeout(now + grace) starts one, which fsimg cannot know: a nonzero
 * stand-in, marked in dq->wall; under every limit the timer is cleared, and so is the mark.
 */
static void res_timer(struct fin_dquot *dq, uint8_t *p, int r)
{
	uint64_t c = get_be64(p + res_off[r].count), s = get_be64(p + res_off[r].soft);
	uint64_t h = get_be64(p + res_off[r].hard);

	if ((s && c > s) || (h && c > h)) {
		if (get_be32(p + res_off[r].timer) == 0) {
			put_be32(p + res_off[r].timer, 1);
			dq->wall |= (uint8_t)(1u << r);
		}
	} else {
		put_be32(p + res_off[r].timer, 0);
		dq->wall &= (uint8_t)~(1u << r);
	}
}

/*
 * xfs_trans_apply_dquot_deltas for one dquot of a committed transaction: its counts moved,
 * then (not id 0) xfs_qm_adjust_dqlimits and xfs_qm_adjust_dqtimers, then
 * xfs_trans_log_dquot. The transaction's other dquots do not matter to this one: the
 * default limits are the id 0 dquot's limits, which no count change moves.
 */
static int dq_commit(struct fin *f, struct fin_dquot *dq)
{
	static const uint32_t lim[6] = { XFS_DQ_BLK_HARD, XFS_DQ_BLK_SOFT, XFS_DQ_INO_HARD, XFS_DQ_INO_SOFT,
					 XFS_DQ_RTB_HARD, XFS_DQ_RTB_SOFT };
	xfs_fs *fs = f->log->fs;
	uint8_t *p;
	int err;

	if (!dq->pending)
		return 0;
	dq->pending = false;
	p = f->blk[dq->blk].b + dq->off;
	for (int r = 0; r < FIN_DQ_NRES; r++)
		if ((err = count_add(f, dq, p + res_off[r].count, dq->delta[r], res_off[r].what)))
			return err;
	memset(dq->delta, 0, sizeof dq->delta);
	if (dq->id) {
		struct fin_dquot *def = NULL;
		bool looked = false;
		/* zero limits take the id 0 dquot's (xfs_qm_set_defquota read them at mount; none
		 * when it is not on disk) */
		for (int k = 0; k < 6; k++) {
			if (get_be64(p + lim[k]))
				continue;
			if (!looked && (err = dquot_get(f, dq->type, 0, false, &def)))
				return err;
			looked = true;
			if (def)
				put_be64(p + lim[k], get_be64(f->blk[def->blk].b + def->off + lim[k]));
		}
		for (int r = 0; r < FIN_DQ_NRES; r++)
			res_timer(dq, p, r);
		/* xfs_trans_log_dquot: bigtime timers from now on (xfs_dq_unix_to_bigtime) */
		if (fs->bigtime && !(p[XFS_DQ_TYPE] & XFS_DQTYPE_BIGTIME)) {
			p[XFS_DQ_TYPE] |= XFS_DQTYPE_BIGTIME;
			for (int r = 0; r < FIN_DQ_NRES; r++) {
				uint64_t t = get_be32(p + res_off[r].timer);
				if (t)
					put_be32(p + res_off[r].timer, (uint32_t)((t + 3) >> 2));
			}
		}
	}
	dq->logged = true;
	return 0;
}

/* xfs_trans_mod_dquot of dq's resource r by delta in the running transaction: a change in
 * an earlier, committed transaction is applied first. Zero changes nothing (the kernel
 * returns before taking a dqtrx). */
static int dq_mod(struct fin *f, struct fin_dquot *dq, int r, int64_t delta)
{
	int err;

	if (delta == 0)
		return 0;
	if (dq->pending && dq->tx != f->tx && (err = dq_commit(f, dq)))
		return err;
	if ((delta > 0 && dq->delta[r] > INT64_MAX - delta) || (delta < 0 && dq->delta[r] < INT64_MIN - delta))
		return xlog_fin_refuse(f, "%s dquot %u: a %s delta out of range", type_name(dq->type), dq->id,
				       res_off[r].what);
	XFIN_COUNT(f, XFC_DQUOT_MOD);
	dq->delta[r] += delta;
	dq->tx = f->tx;
	dq->pending = true;
	return 0;
}

/* The attachment of inode ino (xfs_qm_dqattach keeps the dquots in the incore inode). */
static struct fin_dqattach *attached(struct fin_quota *q, uint64_t ino)
{
	for (uint32_t i = 0; i < q->natt; i++)
		if (q->att[i].ino == ino)
			return &q->att[i];
	return NULL;
}

int xlog_fin_dquot_mod(struct fin *f, const uint8_t *d, uint64_t ino, int64_t blocks, int64_t inodes, bool log)
{
	struct fin_quota *q = &f->q;
	struct fin_dqattach *a;
	uint32_t ids[3];
	int err;

	if (q->state == 0 && (err = quota_init(f)))
		return err;
	if (q->state != 2)
		return 0;
	/* xfs_is_quota_inode: the quota files charge nobody */
	if (ino == q->qino[0] || ino == q->qino[1] || ino == q->qino[2])
		return 0;
	if (!(a = attached(q, ino))) {
		if (q->natt == q->att_cap) {
			uint32_t cap = q->att_cap ? 2 * q->att_cap : 64;
			struct fin_dqattach *n;
			if (q->att_cap >= FIN_INODES_MAX)
				return xlog_fin_refuse(f, "more than %u inodes with dquots attached", FIN_INODES_MAX);
			if (!(n = realloc(q->att, (size_t)cap * sizeof *n)))
				return FSIMG_ENOMEM;
			q->att = n;
			q->att_cap = cap;
		}
		a = &q->att[q->natt++];
		a->ino = ino;
	}
	ids[0] = get_be32(d + DI_UID);
	ids[1] = get_be32(d + DI_GID);
	ids[2] = (uint32_t)get_be16(d + DI_PROJID_HI) << 16 | get_be16(d + DI_PROJID_LO);
	for (uint8_t t = XFS_DQTYPE_USER; t <= XFS_DQTYPE_GROUP; t <<= 1) {
		struct fin_dquot *dq;
		a->dq[type_slot(t)] = UINT16_MAX;
		if (!(q->types & t))
			continue;
		if ((err = dquot_get(f, t, ids[type_slot(t)], true, &dq)))
			return err;
		a->dq[type_slot(t)] = (uint16_t)(dq - q->dq);
		if (log && ((err = dq_mod(f, dq, FIN_DQ_BCOUNT, blocks)) || (err = dq_mod(f, dq, FIN_DQ_ICOUNT, inodes))))
			return err;
	}
	return 0;
}

int xlog_fin_dquot_ino(struct fin *f, uint64_t ino, int64_t blocks)
{
	struct fin_quota *q = &f->q;
	struct fin_dqattach *a;
	int err;

	if (q->state != 2 || ino == q->qino[0] || ino == q->qino[1] || ino == q->qino[2])
		return 0;
	if (!(a = attached(q, ino)))
		return xlog_fin_refuse(f, "inode %llu: charged with no dquots attached", (unsigned long long)ino);
	q->bui = true;
	for (int k = 0; k < 3; k++) {
		if (a->dq[k] == UINT16_MAX)
			continue;
		if ((err = dq_mod(f, &q->dq[a->dq[k]], FIN_DQ_BCOUNT, blocks)))
			return err;
		q->dq[a->dq[k]].chain = true;
	}
	return 0;
}

void xlog_fin_dquot_chain(struct fin *f, uint64_t ino)
{
	struct fin_quota *q = &f->q;
	struct fin_dqattach *a;

	if (q->state != 2)
		return;
	for (uint32_t i = 0; i < q->ndq; i++)
		q->dq[i].chain = false;
	if (ino == NULLFSINO_ || !(a = attached(q, ino)))
		return;
	for (int k = 0; k < 3; k++)
		if (a->dq[k] != UINT16_MAX)
			q->dq[a->dq[k]].chain = true;
}

void xlog_fin_dquot_commit(struct fin *f)
{
	for (uint32_t i = 0; i < f->q.ndq; i++) {
		struct fin_dquot *dq = &f->q.dq[i];
		if (!dq->chain)
			continue;
		if (!dq->cp)
			dq->c_first = f->cord;
		dq->c_last = f->cord;
		dq->cp = true;
	}
}

void xlog_fin_dquot_cp_close(struct fin *f, uint64_t lsn)
{
	for (uint32_t i = 0; i < f->q.ndq; i++)
		if (f->q.dq[i].cp) {
			f->q.dq[i].cp = false;
			f->q.dq[i].c_first = f->q.dq[i].c_last = 0;
			f->q.dq[i].lsn = lsn;
		}
}

uint64_t xlog_fin_dquot_log_bytes(const struct fin *f)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < f->q.ndq; i++)
		n += f->q.dq[i].cp;
	/* xfs_qm_dquot_logitem_format: a struct xfs_dq_logformat (24 bytes) and a struct
	 * xfs_disk_dquot, each behind a 12-byte struct xlog_op_header */
	return n * (12u + 24u + 12u + XFS_DISK_DQUOT_SIZE);
}

int xlog_fin_dquot_flush(struct fin *f, uint64_t lsn)
{
	xfs_fs *fs = f->log->fs;
	struct fin_quota *q = &f->q;
	int err;

	for (uint32_t i = 0; i < q->ndq; i++) {
		struct fin_dquot *dq = &q->dq[i];
		struct blk *b;
		uint8_t *p;
		/* every transaction is committed by the checkpoint the AIL push follows */
		if ((err = dq_commit(f, dq)))
			return err;
		if (!dq->logged)
			continue;
		for (int r = 0; r < FIN_DQ_NRES; r++)
			if (dq->wall & (1u << r))
				return xlog_fin_refuse(f, "%s dquot %u is over its %s limit with no timer (the kernel "
						       "starts one at the wall clock)", type_name(dq->type), dq->id,
						       res_off[r].what);
		XFIN_COUNT(f, XFC_DQUOT_FLUSH);
		b = &f->blk[dq->blk];
		p = b->b + dq->off;
		/* xfs_dquot_to_disk: no warning counters, pads zero */
		put_be16(p + XFS_DQ_IWARNS, 0);
		put_be16(p + XFS_DQ_BWARNS, 0);
		put_be16(p + XFS_DQ_RTBWARNS, 0);
		put_be32(p + XFS_DQ_PAD0, 0);
		put_be16(p + XFS_DQ_PAD, 0);
		if (fs->v5) {
			/* li_lsn: the last checkpoint that logged it (lsn when the last one did) */
			put_be64(p + XFS_DQBLK_LSN, dq->cp || !dq->lsn ? lsn : dq->lsn);
			put_le32(p + XFS_DQBLK_CRC, 0);
			put_le32(p + XFS_DQBLK_CRC, ~fsimg_crc32c(~0u, p, XFS_DQBLK_SIZE));
		}
		b->dirty = true;
		/* written: a later checkpoint's flush starts from what is in the block now */
		dq->logged = false;
	}
	return 0;
}
