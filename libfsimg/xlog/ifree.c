/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the kernel's mount does with the inodes left on the AGI unlinked
 * lists (files unlinked while open), once the log is replayed:
 * xlog_recover_process_iunlinks walks each AG's buckets in order and each
 * chain from its head; each inode is inactivated (xfs_inactive) and freed
 * (xfs_inactive_ifree -> xfs_ifree: xfs_difree in the inobt and finobt,
 * xfs_iunlink_remove, the core reset and di_gen bumped). The transactions
 * go to the CIL and reach the log as one checkpoint written at the head
 * recovery left (xfs_log_mount_finish forces the log); the AIL push then
 * writes every logged buffer and inode stamped with that checkpoint's start
 * LSN and re-checksummed.
 *
 * The order: each inode inactivated whole before the next, in the order
 * recovery queued them (AG, bucket, chain). Linux 6.1 queues each on its
 * CPU's inodegc list (the harness's VM has one CPU) and the worker runs one
 * jiffy after the last queueing (mod_delayed_work_on, delay 1), taking the
 * list last-in first-out (llist_del_all); which inodes share a batch is
 * timing (each xfs_iget may wait for its cluster's read). Only the free
 * space btrees, the AGFL and, on an rmapbt filesystem, the unused slots of
 * rmapbt leaves record the order (the inobt and finobt edits, counts and
 * buckets, the live rmap records come out the same in any order); this order matched
 * the kernel block for block on every crash row with several inodes in one
 * AG (7 rows of tests/crash/RESULTS.md, xfs-v4-4k-unlinked among them).
 * Where the kernel batched otherwise, the free extents are the same sets
 * and only those btrees' shape differs (tests/crash/xfscmp.py's
 * "agrees-equivalent"; g36x-nosparse-ext-1k-rmap-ichunkdrop's 55 chunk frees
 * in last-in first-out batches give the kernel's rmapbt leaf).
 *
 * Only what is reproduced exactly is done: regular files with no
 * attribute fork, one in local form or an empty one in extents form
 * (xfs_attr_inactive: the fork removed
 * in a transaction of its own after the truncate, nothing freed) or one
 * with blocks (ifree_attr.c: its tree walked, its blocks freed after the
 * data fork's), whose
 * data fork is in extents form or a btree of any number of leaves under a
 * root at level 1 in the inode (ifree_fork.c: its joins as the truncate
 * deletes from the end; a reflink inode's too); a reflink inode's extents through
 * the refcount decrease (refc.c);
 * remote symlinks (xfs_inactive_symlink_rmt: the size zeroed, the 1 or 2 extents of
 * the target unmapped and freed as a truncate's one round, in one transaction whose
 * commit finishes the frees; the blocks' buffers invalidated, never written);
 * inode btree edits within a leaf at any depth (ifree_ibt.c: an update, an
 * insert into a leaf with room, a removal that leaves the leaf at least half
 * full, the parents' keys logged as xfs_btree_update_keys does), and the
 * chunk freed with its last inode (xfs_ifree_cluster: its inode buffers
 * stale, so the chunk's inode blocks are not written). On anything else the
 * entries stay pending, one of them saying why, and nothing is written.
 *
 * di_changecount: xfs_trans_log_inode bumps i_version once per
 * transaction that logs the inode (always, since every log here is
 * XFS_ILOG_CORE). A file with a size or extents is truncated first
 * (xfs_inactive_truncate): its first transaction logs the size (one bump);
 * each round of __xfs_bunmapi is followed by xfs_defer_finish, whose rolls
 * relog the held inode before committing (xfs_defer_trans_roll): the roll
 * into the free's transaction finds it logged already, the roll out of it
 * logs it (a bump), and the next round's unmap logs it in a fresh
 * transaction (a bump); the end of xfs_itruncate_extents_flags logs it in
 * a fresh one (a bump); an attribute fork's removal one (with blocks:
 * one per block of its tree, the truncate's, and the last one);
 * xfs_ifree's
 * transaction one more. So, before the attribute fork's, 3 bumps
 * without extents, 2 * rounds + 2 with; 1 without a truncate. In general
 * each round's transactions count (xlog_fin_truncate_extents): the unmap, a
 * reflink inode's refcount decreases, one per intent of frees; but the
 * bump comes only with the transaction's first log of the inode, and only
 * when that one logs the core: a later round's unmap whose bmbt delete
 * first logs the root in the inode alone (a leaf taking a record from its
 * left sibling updates its key there: XFS_ILOG_DBROOT) bumps nothing
 * (bmbt nobump: xb-1k-rmap-remapdeep-b, 31 of 76 rounds).
 * v4 inodes have no change counter: the single flush bumps di_flushiter.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"
#include "xlog/intent.h"

#define NULLAGINO 0xffffffffu
#define S_IFMT_ 0170000u
#define S_IFREG_ 0100000u
#define S_IFDIR_ 0040000u
#define S_IFLNK_ 0120000u
#define S_IFCHR_ 0020000u
#define S_IFBLK_ 0060000u
#define S_IFIFO_ 0010000u
#define S_IFSOCK_ 0140000u

/* the AGF's stamps */
#define AGF_LSN 208u
#define AGF_CRC 216u
#define AGFL_LSN 24u
/* the short-form btree block header */
#define SB_LSN 24u
#define SB_CRC 52u

/* A refusal: the reason goes after the entry's name; the finish is abandoned. */
int xlog_fin_refuse(struct fin *f, const char *fmt, ...)
{
	size_t used = strlen(f->why);
	char r[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r, sizeof r, fmt, ap);
	va_end(ap);
	if (used < f->whylen)
		snprintf(f->why + used, f->whylen - used, ": %s", r);
	/* where the reason begins, for fsimg_recovery_pending_why */
	if (f->why_at && used + 2 < f->whylen)
		*f->why_at = (uint16_t)(used + 2);
	f->refused = true;
	return 1;
}

int xlog_fin_agf(struct fin *f, uint32_t ag, struct blk **out)
{
	uint32_t ss = f->log->fs->sb.sectsize;
	int err;

	if ((err = xlog_fin_get(f, xlog_ag_daddr(f->log->fs, ag, 0) + ss / XLOG_BBSIZE, ss / XLOG_BBSIZE, K_AGF, out)))
		return err;
	return get_be32((*out)->b) == XFS_AGF_MAGIC ? 0 : xlog_fin_refuse(f, "AG %u has no AGF", ag);
}


/*
 * xfs_ifree_cluster: the freed chunk's inode cluster buffers are marked
 * stale in the transaction, with every in-memory inode of the chunk, so the
 * AIL push after the checkpoint writes none of them: the chunk's blocks keep
 * what log recovery left, and the inodes this finish freed there earlier
 * are not written either.
 */
static void ichunk_stale(struct fin *f, uint32_t ag, uint32_t sagbno, uint16_t hole)
{
	xfs_fs *fs = f->log->fs;
	uint64_t lo = xlog_ag_daddr(fs, ag, sagbno);
	uint64_t hi = lo + (uint64_t)(INODES_PER_CHUNK / fs->sb.inopblock) * (fs->blocksize / XLOG_BBSIZE);
	uint32_t over[512];
	size_t k = 0, n = xlog_fin_over(f, lo, hi, over, 512), gone = 0;

	xlog_fin_ichunk_istale(f, lo, hole);
	for (size_t j = 0; j < n && j < 512; j++) {
		struct blk *b = &f->blk[over[j]];
		if (b->kind == K_INODES && b->daddr >= lo) {
			b->dirty = false;
			b->stale = true;
			xlog_fin_watch(f, b);
		}
	}
	/* the inodes dropped stay in the CIL as their last commit formatted them, the one freed
	 * now with its core (xfs_ifree_mark_inode_stale; force.c, xlog_fin_ino_gone) */
	for (size_t j = 0; j < n && j < 512; j++)
		for (uint32_t c = f->blk[over[j]].ino1; c; c = f->ino[c - 1].next)
			gone += !f->blk[f->ino[c - 1].blk].dirty;
	for (size_t i = 0; gone && i < f->nino; i++)
		if (f->blk[f->ino[i].blk].dirty)
			f->ino[k++] = f->ino[i];
		else
			xlog_fin_ino_gone(f, i);
	if (gone) {
		f->nino = k;
		for (size_t j = 0; j < n && j < 512; j++)
			f->blk[over[j]].ino1 = 0;
		xlog_fin_ino_relink(f);
	}
	xlog_fin_ichunk_sized(f); /* (ifree_ibt.c) */
}

#define XFS_SYMLINK_MAXLEN 1024u
#define XFS_SYMLINK_HDR 56u /* struct xfs_dsymlink_hdr, on v5 at the start of each block */

/*
 * xfs_inactive_symlink: the target's length di_size must be 1 to XFS_SYMLINK_MAXLEN, checked
 * before the fork's format is looked at (a local symlink's too), else -EFSCORRUPTED: 6.1's
 * inactivation stops there and the inode stays allocated on its unlinked list (a size of 0
 * fails xfs_dinode_verify earlier, when xfs_iget reads it: ifree_iget.c clears the bucket).
 * Not what a free models. 0 or 1.
 */
static int symlink_len_check(struct fin *f, const uint8_t *d, bool local)
{
	uint64_t size = get_be64(d + DI_SIZE);

	if (size == 0 || size > XFS_SYMLINK_MAXLEN)
		return xlog_fin_refuse(f, "a %s symlink of %llu bytes (xfs_inactive_symlink: corrupt)",
				       local ? "local" : "remote", (unsigned long long)size);
	return 0;
}

/*
 * xfs_inactive_symlink of a remote symlink (its target in blocks, its length checked):
 * xfs_inactive_symlink_rmt maps the blocks xfs_symlink_blocks gives (the target over
 * blocks of the block size less the v5 header) with xfs_bmapi_read and unmaps them in one
 * xfs_bunmapi (1 or 2 extents: XFS_SYMLINK_MAPS). Taken only when the fork is what
 * xfs_symlink writes: written extents from offset 0, end to end over exactly those blocks.
 */
static int symlink_rmt_check(struct fin *f, const uint8_t *d, const uint8_t *recs, uint32_t nexts)
{
	xfs_fs *fs = f->log->fs;
	uint64_t size = get_be64(d + DI_SIZE), next = 0, off, fsb;
	uint32_t room = fs->blocksize - (fs->v5 ? XFS_SYMLINK_HDR : 0), len;

	XFIN_COUNT(f, XFC_IFREE_SYMLINK_RMT);
	if (nexts == 0 || nexts > 2)
		return xlog_fin_refuse(f, "a remote symlink in %u extents", nexts);
	for (uint32_t i = 0; i < nexts; i++) {
		xlog_fin_bmbt_rec(recs + (size_t)i * BMBT_REC_LEN, &off, &fsb, &len);
		if (off != next || (recs[(size_t)i * BMBT_REC_LEN] >> 7))
			return xlog_fin_refuse(f, "a remote symlink whose extent %u is not what xfs_symlink writes", i);
		next = off + len;
	}
	if (next != (size + room - 1) / room)
		return xlog_fin_refuse(f, "a remote symlink of %llu bytes mapping %llu blocks", (unsigned long long)size,
				       (unsigned long long)next);
	return 0;
}

/* One inode, the head of its bucket's chain: xfs_inactive then xfs_ifree; t and a the
 * room its data and attribute forks' bmbts are read into (ifree_one's). */
static int ifree_inode(struct fin *f, uint32_t ag, uint32_t bucket, uint32_t agino, uint32_t *next, struct bmbt *t,
		       struct afork *a)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, ss = fs->sb.sectsize, isize = fs->sb.inodesize;
	uint32_t agbno = agino >> fs->sb.inopblog, slot = agino & ((1u << fs->sb.inopblog) - 1);
	uint64_t ino = ((uint64_t)ag << (fs->sb.agblklog + fs->sb.inopblog)) | agino;
	struct blk *agi, *ib;
	uint8_t *d, rec[INOBT_REC_LEN];
	uint16_t mode, fmt;
	uint32_t nexts;
	uint32_t fork = isize - fs->lit_off, ntx, q0, q1, antx;
	uint64_t nblocks;
	struct bmbt *tp = NULL;
	const uint8_t *recs;
	uint8_t *own = NULL;
	bool truncate, reflink, big, deleted, attr, local, dev, symlink;
	int err;

	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, 0) + 2 * (ss / XLOG_BBSIZE), ss / XLOG_BBSIZE, K_AGI, &agi)))
		return err;
	if (get_be32(agi->b + AGI_UNLINKED + 4 * bucket) != agino)
		return xlog_fin_refuse(f, "bucket head is not agino %llu", (unsigned long long)agino);
	/* xfs_iget's xfs_verify_ino: a block of the AG past its headers, the last AG as long
	 * as sb_dblocks leaves it */
	if (!xfs_verify_agbno(fs, ag, agbno))
		return xlog_fin_refuse(f, "agino %llu is out of the AG", (unsigned long long)agino);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), bs / XLOG_BBSIZE, K_INODES, &ib)))
		return err;
	d = ib->b + (size_t)slot * isize;
	recs = d + fs->lit_off;
	mode = get_be16(d + DI_MODE);
	if (get_be16(d) != XFS_DINODE_MAGIC || d[DI_VERSION] != (fs->v5 ? 3 : 2))
		return xlog_fin_refuse(f, "not a v%d inode", fs->v5 ? 3 : 2);
	/* xfs_iget's xfs_dinode_verify: a v3 inode's checksum (read as recovery left it: the
	 * finish changes an inode only when it frees it, after this) */
	if (fs->v5 && !xfs_verify_cksum(d, isize, offsetof(struct xfs_dinode, di_crc)))
		return xlog_fin_refuse(f, "the inode fails its checksum");
	/* a directory (emptied by rmdir) or symlink with its data fork local, or a FIFO, device or
	 * socket (XFS_DINODE_FMT_DEV: di_rdev): nothing freed (xfs_inactive truncates regular files
	 * only, xfs_inactive_symlink returns at once for a local one) */
	fmt = mode & S_IFMT_;
	dev = (fmt == S_IFCHR_ || fmt == S_IFBLK_ || fmt == S_IFIFO_ || fmt == S_IFSOCK_) &&
	      d[DI_FORMAT] == XFS_DINODE_FMT_DEV;
	local = ((fmt == S_IFDIR_ || fmt == S_IFLNK_) && d[DI_FORMAT] == XFS_DINODE_FMT_LOCAL) || dev;
	symlink = fmt == S_IFLNK_ && d[DI_FORMAT] == XFS_DINODE_FMT_EXTENTS; /* a remote symlink */
	if (fmt != S_IFREG_ && !local && !symlink)
		return xlog_fin_refuse(f, "freeing a file of mode %o in data fork format %u is not done yet",
				       (unsigned)mode, d[DI_FORMAT]);
	if (get_be32(d + DI_NLINK) != 0)
		return xlog_fin_refuse(f, "its link count is %llu", (unsigned long long)get_be32(d + DI_NLINK));
	/* nrext64 (xfs_dinode's unions): the data fork's count is 64-bit at 24, the attr fork's 32-bit at 76 */
	big = xlog_di_nrext64(d);
	if (d[DI_FORMAT] != XFS_DINODE_FMT_EXTENTS && d[DI_FORMAT] != XFS_DINODE_FMT_BTREE && !local)
		return xlog_fin_refuse(f, "inactivating its data fork of format %u is not done yet", d[DI_FORMAT]);
	/* an attribute fork in local form, or in extents or btree form (6.1 gives new inodes an
	 * empty one when the filesystem has the attr feature and an LSM is built in):
	 * xfs_attr_inactive frees its blocks (ifree_attr.c) and removes the fork */
	attr = d[DI_FORKOFF] != 0;
	if (!attr && (get_be16(d + DI_ANEXTENTS) || (big && get_be32(d + DI_NEXTENTS))))
		return xlog_fin_refuse(f, "it has attribute extents and no attribute fork");
	if (attr && d[DI_AFORMAT] != XFS_DINODE_FMT_LOCAL && d[DI_AFORMAT] != XFS_DINODE_FMT_EXTENTS &&
	    d[DI_AFORMAT] != XFS_DINODE_FMT_BTREE)
		return xlog_fin_refuse(f, "inactivating its attribute fork of format %u is not done yet", d[DI_AFORMAT]);
	if (attr && d[DI_FORKOFF] * 8u >= fork)
		return xlog_fin_refuse(f, "its fork offset %u is past its literal area", d[DI_FORKOFF]);
	if (attr)
		fork = d[DI_FORKOFF] * 8u; /* XFS_DFORK_DSIZE: the data fork's room */
	if (big && get_be64(d + DI_BIG_NEXTENTS) > UINT32_MAX)
		return xlog_fin_refuse(f, "%llu extents", (unsigned long long)get_be64(d + DI_BIG_NEXTENTS));
	reflink = fs->v5 && (get_be64(d + DI_FLAGS2) & XFS_DIFLAG2_REFLINK);
	if (get_be16(d + DI_FLAGS) & XFS_DIFLAG_REALTIME)
		return xlog_fin_refuse(f, "freeing realtime blocks is not done yet");
	if (get_be32(d + DI_DMEVMASK) || get_be16(d + DI_DMSTATE))
		return xlog_fin_refuse(f, "it has DMAPI fields set");
	if (fs->v5 && get_be64(d + DI_INO) != ino)
		return xlog_fin_refuse(f, "the inode says it is %llu", (unsigned long long)get_be64(d + DI_INO));
	*next = get_be32(d + DI_NEXT_UNLINKED);
	/* xfs_qm_dqattach, then its dquots charged: every block it holds (the truncate's and the
	 * attribute fork's, bmbt blocks too) and the inode (dquot_fin.c) */
	if (get_be64(d + DI_NBLOCKS) > INT64_MAX)
		return xlog_fin_refuse(f, "it holds %llu blocks", (unsigned long long)get_be64(d + DI_NBLOCKS));
	if ((err = xlog_fin_dquot_mod(f, d, ino, -(int64_t)get_be64(d + DI_NBLOCKS), -1, true)))
		return err;
	if (fmt == S_IFLNK_ && (err = symlink_len_check(f, d, local)))
		return err;

	/* the attribute fork's blocks (freed after the data fork's), its tree walked first */
	memset(a, 0, sizeof *a);
	if (attr && d[DI_AFORMAT] != XFS_DINODE_FMT_LOCAL && (err = xlog_fin_attr_read(f, d, ino, a)))
		return err;
	nblocks = get_be64(d + DI_NBLOCKS);
	if (a->blocks > nblocks) {
		free(a->own);
		free(a->da);
		return xlog_fin_refuse(f, "its attribute fork holds %llu blocks, its core says %llu",
				       (unsigned long long)a->blocks, (unsigned long long)nblocks);
	}
	nblocks -= a->blocks;

	/* xfs_inactive_truncate: the data fork's extents freed */
	nexts = big ? (uint32_t)get_be64(d + DI_BIG_NEXTENTS) : get_be32(d + DI_NEXTENTS);
	if (local && (nexts || nblocks))
		err = xlog_fin_refuse(f, "its local data fork says %u extents, %llu blocks", nexts,
				      (unsigned long long)nblocks);
	else if (local)
		ntx = 0;
	else if (d[DI_FORMAT] == XFS_DINODE_FMT_BTREE && !(err = xlog_fin_bmbt_read(f, d + fs->lit_off, fork, ino,
										   nexts, t, &own))) {
		recs = own;
		tp = t;
	} else if (d[DI_FORMAT] != XFS_DINODE_FMT_BTREE && nexts > fork / BMBT_REC_LEN)
		err = xlog_fin_refuse(f, "%u extents do not fit its fork", nexts);
	else if (symlink)
		err = symlink_rmt_check(f, d, recs, nexts);
	if (!local && !err) {
		/* the truncate logs the inode in its transactions (force.c sizes it in extents
		 * form; a remote symlink's one transaction, xfs_inactive_symlink_rmt, is not) */
		f->trunc_blk = (size_t)(ib - f->blk);
		f->trunc_off = slot * isize;
		f->cp_trunc = false;
		f->cp_trunc_unsized = NULL;
		if (symlink)
			xlog_fin_cp_trunc(f, "a remote symlink's inactivation", false, 0);
		err = xlog_fin_truncate_extents(f, recs, nexts, nblocks, reflink, ino, tp, fork / BMBT_REC_LEN, 0,
						&ntx);
		free(own);
	} else if (!err && a->n) {
		/* a local data fork: the attribute fork's truncate is the first to log the inode */
		f->trunc_blk = (size_t)(ib - f->blk);
		f->trunc_off = slot * isize;
		f->cp_trunc = false;
		f->cp_trunc_unsized = NULL;
	}
	/* xfs_attr_inactive: the attribute fork's blocks freed (one transaction without) */
	if (err || (err = xlog_fin_attr_inactive(f, a, ino, &antx))) {
		free(a->own);
		free(a->da);
		return err;
	}
	/* less its truncate's unmaps that logged the attribute fork's root first (ABROOT) */
	antx = !attr ? 0 : a->n ? a->rolls + antx + 1 - (a->btree ? a->t.nobump : 0) : 1;
	/* the end of xfs_itruncate_extents_flags logs the core once more; xfs_attr_inactive's
	 * last transaction removes the attribute fork (xfs_attr_fork_remove: XFS_ILOG_CORE), so
	 * the inode item is its format and core: no attribute fork to format, and the data
	 * fork, truncated before, has no extents (xfs_inode_item_format_data_fork formats none;
	 * a local one was not logged by this mount) */
	if (!local || a->n)
		xlog_fin_cp_trunc(f, NULL, false, 0);

	/* xfs_difree: inobt, AGI counts, finobt (the AGFL frees their block frees defer: q0..q1
	 * from the inobt's, then the finobt's after the chunk's free is queued) */
	q0 = f->nagflq;
	xlog_fin_tx(f); /* xfs_inactive_ifree's transaction */
	xlog_fin_dquot_chain(f, ino); /* its ICOUNT charge (dquot_fin.c) */
	if ((err = xlog_fin_difree_inobt(f, ag, agi, agino, rec, &deleted)))
		return err;
	q1 = f->nagflq;
	if (fs->v5 && (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT) &&
	    (err = xlog_fin_difree_finobt(f, ag, agi, agino, rec, deleted)))
		return err;
	/* xfs_iunlink_remove of the bucket's head */
	put_be32(agi->b + AGI_UNLINKED + 4 * bucket, *next);
	agi->dirty = true;
	xlog_fin_log_at(f, agi, agi->b + AGI_UNLINKED + 4 * bucket, 4); /* xfs_iunlink_update_bucket */

	/* xfs_inactive_truncate, xfs_ifree, as xfs_inode_to_disk writes the core at the flush */
	truncate = !local && (get_be64(d + DI_SIZE) != 0 || nexts != 0);
	XFIN_COUNT(f, XFC_IFREE);
	put_be16(d + DI_MODE, 0);
	d[DI_FORMAT] = XFS_DINODE_FMT_EXTENTS; /* the btree root's bytes stay: the flush copies no extent */
	/* xfs_ifree leaves the size: a local fork's bytes stay, the flush copies none (as it
	 * copies no di_rdev); a special file's in-core size is 0 (xfs_iformat_data_fork) */
	if (!local || dev)
		put_be64(d + DI_SIZE, 0);
	put_be64(d + DI_NBLOCKS, 0);
	put_be32(d + DI_NEXTENTS, 0);
	put_be16(d + DI_ANEXTENTS, 0);
	if (big)
		put_be64(d + DI_BIG_NEXTENTS, 0);
	put_be16(d + DI_FLAGS, 0);
	d[DI_FORKOFF] = 0; /* the attribute fork's bytes stay: the flush copies no attribute fork */
	d[DI_AFORMAT] = XFS_DINODE_FMT_EXTENTS;
	put_be32(d + DI_GEN, get_be32(d + DI_GEN) + 1);
	put_be32(d + DI_NEXT_UNLINKED, NULLAGINO);
	if (fs->v5) {
		/* a remote symlink's one transaction (xfs_inactive_symlink_rmt) commits its deferred
		 * frees with xfs_trans_commit: no roll after the last, no final log in a fresh one */
		put_be64(d + DI_CHANGECOUNT, get_be64(d + DI_CHANGECOUNT) +
						     (symlink ? ntx : !truncate ? 1 : nexts ? ntx + 2 - (tp ? tp->nobump : 0) : 3) +
						     antx);
		put_be64(d + DI_FLAGS2, (fs->bigtime ? XFS_DIFLAG2_BIGTIME : 0) |
					(fs->nrext64 ? XFS_DIFLAG2_NREXT64 : 0));
		memset(d + DI_PAD2, 0, 12);
	} else {
		uint16_t fi = get_be16(d + DI_FLUSHITER) + 1;
		put_be16(d + DI_FLUSHITER, fi == DI_MAX_FLUSH ? 0 : fi);
	}
	ib->dirty = true;
	if ((err = xlog_fin_ino_add(f, (size_t)(ib - f->blk), slot * isize, NULL)))
		return err;
	/* xfs_iunlink_remove's xfs_iunlink_log_inode: an inode with a successor on its chain has
	 * its di_next_unlinked logged in its cluster buffer at the commit (the precommit
	 * xfs_iunlink_log_dinode: xfs_trans_inode_buf, xfs_trans_log_buf of the field's chunk),
	 * unless xfs_ifree_cluster staled that buffer in this transaction (deleted). Kernel row
	 * x65-4k-minlog-ichunkmany-cross: its first checkpoint's 108 cluster buffers of 16 KiB
	 * carry a chunk for each of their 32 inodes, 249512 of its 700636 bytes */
	if (!deleted && *next != NULLAGINO)
		xlog_fin_log_at(f, ib, d + DI_NEXT_UNLINKED, 4);
	if (!deleted)
		return xlog_fin_agfl_frees(f, q0, NULL);
	/* xfs_ifree_cluster in the transaction, then its deferred work in queue order: the
	 * inobt's AGFL frees, the chunk's blocks, the finobt's AGFL frees. A force in that work
	 * checkpoints the staled clusters with the transaction that staled them */
	ichunk_stale(f, ag, get_be32(rec) >> fs->sb.inopblog, fs->sparse_inodes ? get_be16(rec + 4) : 0);
	if ((err = xlog_fin_agfl_frees_to(f, q0, q1, NULL)) || (err = xlog_fin_ichunk_free(f, ag, rec, &ntx)))
		return err;
	return xlog_fin_agfl_frees(f, q0, NULL);
}

/* One inode freed, the room for its forks' bmbts (two struct bmbt, too large for the
 * stack) allocated here and released when it is done. */
static int ifree_one(struct fin *f, uint32_t ag, uint32_t bucket, uint32_t agino, uint32_t *next)
{
	struct bmbt *t = malloc(sizeof *t);
	struct afork *a = malloc(sizeof *a);
	int err = FSIMG_ENOMEM;

	if (t && a)
		err = ifree_inode(f, ag, bucket, agino, next, t, a);
	free(t);
	free(a);
	return err;
}

static void set_crc(uint8_t *b, size_t len, size_t off)
{
	put_le32(b + off, 0);
	put_le32(b + off, ~fsimg_crc32c(~0u, b, len));
}

/* The AIL push after the checkpoint: every logged buffer and inode written with its LSN. */
int xlog_fin_writeback(struct fin *f, uint64_t lsn0)
{
	uint64_t lsn = f->cp_lsn ? f->cp_lsn : lsn0; /* the last checkpoint's (force.c) */
	xfs_fs *fs = f->log->fs;
	int err;

	if (f->nagflq)
		return xlog_fin_refuse(f, "%u deferred AGFL frees left unfinished", f->nagflq);
	/* the last transaction committed (xfs_trans_commit): what it logged is the running
	 * checkpoint's, also a block or inode an earlier force wrote */
	xlog_fin_commit(f);
	if (f->refused)
		return 1;
	if ((err = xlog_fin_dquot_flush(f, lsn)))
		return err;

	for (size_t i = 0; fs->v5 && i < f->nino; i++) {
		uint8_t *d = f->blk[f->ino[i].blk].b + f->ino[i].off;
		put_be64(d + DI_LSN, xlog_fin_ino_lsn(f, i, lsn));
		set_crc(d, fs->sb.inodesize, DI_CRC);
	}
	for (size_t i = 0; i < f->nblk; i++) {
		struct blk *b = &f->blk[i];
		if (b->stale && !b->dirty) {
			/* the older checkpoint's version of it is not written either */
			for (size_t k = 0; k < f->nprev; k++)
				if (f->prev[k].daddr == b->daddr && f->prev[k].bbs == b->bbs &&
				    (err = xlog_ovl_write(f->o, f->log, f->prev[k].b, b->daddr, b->bbs)))
					return err;
			continue;
		}
		if (!b->dirty)
			continue;
		uint64_t bl = xlog_fin_blk_lsn(f, b, lsn);
		if (fs->v5 && b->kind == K_AGF) {
			put_be64(b->b + AGF_LSN, bl);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, AGF_CRC);
		} else if (fs->v5 && b->kind == K_AGI) {
			put_be64(b->b + AGI_LSN, bl);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, AGI_CRC);
		} else if (fs->v5 && b->kind == K_AGFL) {
			put_be64(b->b + AGFL_LSN, bl);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, XFS_AGFL_CRC_OFF);
		} else if (fs->v5 && b->kind == K_BMBT) {
			put_be64(b->b + LB_LSN, bl);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, LB_CRC);
		} else if (fs->v5 && b->kind == K_BTREE) {
			put_be64(b->b + SB_LSN, bl);
			set_crc(b->b, (size_t)b->bbs * XLOG_BBSIZE, SB_CRC);
		}
		if ((err = xlog_ovl_write(f->o, f->log, b->b, b->daddr, b->bbs)))
			return err;
	}
	f->log->fin_max_lsn = lsn;
	return 0;
}

int xlog_mount_finish(xlog *log, struct xlog_ovl *o, struct xlog_plan *p)
{
	struct xlog_pending *cow = NULL;
	struct fin f;
	size_t i;
	bool cleared = false;
	int err = 0;

	for (i = 0; i < p->npending; i++) {
		if (p->pending[i].type == XLOG_PENDING_COW) {
			cow = &p->pending[i];
		} else if (p->pending[i].type != XFS_LI_IUNLINK) {
			/* an intent xlog_intents_finish refused, its reason on it: the rest of the
			 * mount's work stays pending behind it (all or nothing) */
			return 0;
		}
	}
	if (p->npending == 0)
		return 0;
	memset(&f, 0, sizeof f);
	f.log = log;
	f.o = o;
	/* the unlinked inodes' transactions log what force.c sizes: buffers (stale ones as
	 * cancelled), inodes, the truncating inode, the AGFL frees' intents, a truncate round's
	 * intents a force parts from their done items (rmap.c); on an rmapbt filesystem too,
	 * but in a truncate of a fork in btree form (afree.c, xlog_fin_force) */
	f.cp_sized = true;
	f.prev = p->fin_prev;
	f.nprev = p->nfin_prev;
	if (!(f.blk = xlog_fin_blk_alloc()))
		return FSIMG_ENOMEM;
	/* the pending entries are in xlog_recover_process_iunlinks' order: AG, bucket, chain;
	 * each is read as xfs_iget would (ifree_iget.c): a head it cannot read has its bucket
	 * cleared and the rest of its chain left (leaked), as xlog_recover_clear_agi_bucket */
	for (i = 0; i < p->npending && !err && !f.refused; i++) {
		const struct xlog_pending *e = &p->pending[i];
		uint32_t ag = e->ag, agino = e->agino, next;
		bool head;
		if (e->type != XFS_LI_IUNLINK)
			continue;
		head = i == 0 || p->pending[i - 1].type != XFS_LI_IUNLINK || p->pending[i - 1].ag != ag ||
		       p->pending[i - 1].bucket != e->bucket;
		if (head)
			cleared = false;
		if (cleared)
			continue;
		f.why = p->pending[i].what;
		f.whylen = sizeof p->pending[i].what;
		f.unit++;
		f.why_at = &p->pending[i].why;
		err = xlog_fin_iunl_check(&f, e, head);
		cleared = err == 2;
		if (!err)
			err = ifree_one(&f, ag, agino % XFS_AGI_UNLINKED_BUCKETS, agino, &next);
		if (err > 0)
			err = 0;
	}
	/* the CoW leftovers' transactions log what force.c sizes too (cow.c: their intents
	 * queued as a truncate round's) */
	if (cow && !err && !f.refused) {
		f.why = cow->what;
		f.whylen = sizeof cow->what;
		f.unit++;
		f.why_at = &cow->why;
		err = xlog_fin_cow(&f);
		if (err > 0)
			err = 0;
	}
	if (!err && !f.refused)
		err = xlog_fin_writeback(&f, log->fin_next_lsn ? log->fin_next_lsn :
					 XLOG_LSN(log->ends.head_cycle, log->ends.head_blk));
	if (err > 0)
		err = 0; /* refused: the reason is on the entry */
	if (!err && !f.refused)
		p->npending = 0;
	xlog_fin_release(&f);
	return err;
}
