/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An unlinked list the kernel cannot walk. Linux 6.1.192 (the 6.1 stable tree carries
 * the 6.2-6.6 unlinked list rework: xlog_recover_iunlink_bucket, xfs_iunlink_reload_next,
 * and "xfs: collect errors from inodegc for unlinked inode recovery") walks each bucket
 * of each AGI (xlog_recover_iunlink_ag) from its head:
 *
 *   xfs_iget(agino) each entry (flags 0); on success the inode's i_next_unlinked (read
 *   from its di_next_unlinked) is the next entry, and the entry before it is released
 *   and its inactivation flushed (xfs_inodegc_flush), so each inode is freed whole, in
 *   chain order, with the next one already in the cache;
 *   an xfs_iget that fails ends the walk (break); the entry before it, if any, is then
 *   released and flushed; any error (the iget's, or an inactivation's collected by the
 *   flush) makes xlog_recover_iunlink_ag call xlog_recover_clear_agi_bucket: a
 *   transaction of its own (tr_clearagi) that sets agi_unlinked[bucket] to NULLAGINO and
 *   logs those 4 bytes (xfs_trans_log_buf), committed to the CIL like the frees before
 *   it, so the AGI reaches the disk through the checkpoint the mount's force writes,
 *   stamped with its LSN on v5. The rest of the chain is left as it is: leaked.
 *
 * Before any of it the AGI itself is read (xfs_read_agi), through xfs_agi_verify, which
 * checks each bucket with xfs_verify_ino, as if the agino were an inode number: its high
 * bits an AG that exists, the rest an agino of that AG's inode range (iunl_agi_check). An
 * AGI that fails is never used (replayed, its write verifier fails the recovery: "AG 0
 * bucket 60 set to 16776764" in tests/crash/RESULTS.md); refused. One that passes may
 * still name no inode of its own AG: a bucket of AG 0 holding (1 << agino bits) | 318
 * passed, and xfs_iget read AG 1's inode 318 (free: the bucket cleared; run on the real
 * kernel, same place).
 *
 * What makes the xfs_iget fail (no XFS_IGET_UNTRUSTED: no inode btree lookup):
 *   - XFS_AGINO_TO_INO ORs the AG number into an agino's high bits: past the last AG,
 *     xfs_iget fails (-EINVAL); else it reads that AG's inode, checked as below (read
 *     fine, it is refused: freeing it through another AG's bucket is not done);
 *   - a block past the AG (xfs_imap: past sb_agblocks, or its cluster past sb_dblocks,
 *     the last AG being shorter: -EINVAL), or in the AG's header blocks, read as an
 *     inode cluster whose first "inode" is the superblock or an AG header: the verifier
 *     fails (below). So every agino outside the AG's blocks past its headers fails
 *     (plan.c: XLOG_IUNL_RANGE, where the walk stops);
 *   - the inode cluster buffer's read verifier (xfs_inode_buf_verify), over every inode
 *     of the cluster, not just this one: magic, version, di_next_unlinked NULLAGINO or
 *     an agino of the AG's inode range (xfs_verify_agino_or_null). A garbage
 *     di_next_unlinked is thus caught when the inode itself (or a neighbour of its
 *     cluster) is read, before any free: the bucket is cleared with that inode on it.
 *     Unless log recovery wrote into that cluster: it read it through the same verifier
 *     and failed the mount there ("metadata I/O error in xlog_recover_items_pass2" on
 *     a real kernel, tests/crash/RESULTS.md); refused;
 *   - xfs_dinode_verify in xfs_inode_from_disk: on v5 the inode's crc, di_ino, uuid; a
 *     size with its top bit set, a mode of no file type, a symlink or directory of 0
 *     bytes, more extents than blocks, reflink flags without reflink or off a regular
 *     file or with realtime, bigtime without bigtime (its checks of fork formats, fork
 *     offsets and extent size hints are not modelled here: ifree.c refuses the fork
 *     formats and offsets it does not know, not the hints it does not read);
 *   - xfs_iget_check_free_state: mode 0 (a free inode) is -ENOENT.
 * The ASSERTs on i_nlink == 0 and i_mode != 0 are DEBUG only (Debian's 6.1 has neither
 * CONFIG_XFS_DEBUG nor CONFIG_XFS_WARN): an inode with links is read, not freed
 * (xfs_inode_needs_inactive), and stays on the list; ifree.c refuses it.
 *
 * So a bad head: nothing freed in that bucket, the bucket cleared (done here). A bad
 * entry after a good one: the good one's free runs after the failed iget, and its
 * xfs_iunlink_remove finds its next not cached (xfs_iunlink_update_backref: -ENOLINK),
 * reloads it with an untrusted xfs_iget (xfs_iunlink_reload_next), which fails the same
 * way: xfs_ifree fails, xfs_inactive_ifree shuts the filesystem down and cancels its
 * dirty transaction. Not modelled: refused, naming the entry. A loop (a chain that comes
 * back to an inode) is refused too: back at the inode still held, xfs_iget takes it
 * again and the walk never ends; back at one freed, whether it is still cached when its
 * predecessor's free looks it up depends on the background reclaim's timing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"

#define NULLAGINO 0xffffffffu

/* The inode cluster geometry (xfs_ialloc_setup_geometry): blocks per cluster, and the
 * chunk alignment mask of a filesystem with inode alignment (0: none). */
static void iunl_cluster_geo(const xfs_fs *fs, uint32_t *bpc, uint32_t *align, uint32_t *mask)
{
	bool has_align = (fs->sb.versionnum & XFS_SB_VERSION_ALIGNBIT) != 0;

	/* the cluster's length as xfs_ialloc_setup_geometry makes it (force.c) */
	*bpc = xlog_fin_icluster_bbs(fs) * XLOG_BBSIZE / fs->blocksize;
	/* xfs_ialloc_cluster_alignment, and inoalign_mask */
	*align = has_align && fs->sb.inoalignmt >= *bpc ? fs->sb.inoalignmt : 1;
	*mask = has_align && fs->sb.inoalignmt >= *bpc ? fs->sb.inoalignmt - 1 : 0;
}

/* xfs_verify_agino_or_null: NULLAGINO, or an agino of the AG's inode range
 * (xfs_agino_range: the first cluster-aligned block past the AGFL to the last aligned one). */
static bool iunl_agino_ok(const xfs_fs *fs, uint32_t ag, uint32_t agino)
{
	uint32_t bpc, align, mask, agfl = 3u * fs->sb.sectsize / fs->blocksize;
	uint64_t first, last;

	if (agino == NULLAGINO)
		return true;
	iunl_cluster_geo(fs, &bpc, &align, &mask);
	first = ((uint64_t)(agfl + 1 + align - 1) / align * align) << fs->sb.inopblog;
	last = ((uint64_t)xfs_ag_length(fs, ag) / align * align) << fs->sb.inopblog;
	return agino >= first && agino < last;
}

/* xfs_agi_verify's test of the buckets (xfs_verify_ino of each, as an inode number): an
 * AGI that fails it is never used by the kernel, refused naming the bucket. 0 or 1. */
static int iunl_agi_check(struct fin *f, uint32_t ag, const uint8_t *agi)
{
	xfs_fs *fs = f->log->fs;
	uint32_t inolog = fs->sb.agblklog + fs->sb.inopblog;

	for (uint32_t k = 0; k < XFS_AGI_UNLINKED_BUCKETS; k++) {
		uint32_t v = get_be32(agi + AGI_UNLINKED + 4 * k);
		if (v == NULLAGINO)
			continue;
		if ((v >> inolog) >= fs->sb.agcount || !iunl_agino_ok(fs, v >> inolog, v & ((1u << inolog) - 1)))
			return xlog_fin_refuse(f, "AG %u's AGI fails its verifier: bucket %u holds agino %u "
						  "(xfs_agi_verify, xfs_verify_ino; the kernel cannot use this AGI)",
					       ag, k, v);
	}
	return 0;
}

/* xfs_dinode_verify's checks past the v5 ones that are modelled (into why, else left ""),
 * then xfs_iget_check_free_state's; the fork checks past the counts are not. */
static void dinode_why(const xfs_fs *fs, const uint8_t *d, char *why, size_t len)
{
	uint16_t mode = get_be16(d + DI_MODE), fmt = mode & 0170000u;
	uint64_t flags2 = d[DI_VERSION] >= 3 ? get_be64(d + DI_FLAGS2) : 0;
	bool reflink_fs = (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) != 0;
	uint64_t size = get_be64(d + DI_SIZE), nblocks = get_be64(d + DI_NBLOCKS);
	uint64_t aext = xlog_di_nrext64(d) ? get_be32(d + DI_NEXTENTS) : get_be16(d + DI_ANEXTENTS);
	bool ftype = fmt == 0100000u || fmt == 0040000u || fmt == 0120000u || fmt == 0020000u ||
		     fmt == 0060000u || fmt == 0010000u || fmt == 0140000u; /* xfs_mode_to_ftype */

	if (size >> 63)
		snprintf(why, len, "its size %#llx is negative (xfs_dinode_verify)", (unsigned long long)size);
	else if (mode && !ftype)
		snprintf(why, len, "its mode %o is no file type (xfs_dinode_verify)", mode);
	else if ((fmt == 0120000u || fmt == 0040000u) && size == 0)
		snprintf(why, len, "a %s of 0 bytes (xfs_dinode_verify)", fmt == 0120000u ? "symlink" : "directory");
	else if (mode && xlog_di_nextents(d) + aext > nblocks)
		snprintf(why, len, "%llu extents over %llu blocks (xfs_dinode_verify)",
			 (unsigned long long)(xlog_di_nextents(d) + aext), (unsigned long long)nblocks);
	/* a v3 inode's flags2 */
	else if ((flags2 & (XFS_DIFLAG2_REFLINK | XFS_DIFLAG2_COWEXTSIZE)) && !reflink_fs)
		snprintf(why, len, "reflink flags without reflink (xfs_dinode_verify)");
	else if ((flags2 & XFS_DIFLAG2_REFLINK) && fmt != 0100000u)
		snprintf(why, len, "the reflink flag on mode %o (xfs_dinode_verify)", mode);
	else if ((flags2 & XFS_DIFLAG2_REFLINK) && (get_be16(d + DI_FLAGS) & XFS_DIFLAG_REALTIME))
		snprintf(why, len, "reflink and realtime flags (xfs_dinode_verify)");
	else if ((flags2 & XFS_DIFLAG2_BIGTIME) && !fs->bigtime)
		snprintf(why, len, "the bigtime flag without bigtime (xfs_dinode_verify)");
	else if (mode == 0)
		snprintf(why, len, "it is free, mode 0 (xfs_iget_check_free_state: -ENOENT)");
}

/* Why the kernel's xfs_iget of agino (from AG ag's list) fails (into why), or "" when it
 * reads it. 0, 1 (refused: not decidable here, or read from another AG) or <0. */
static int iunl_iget_why(struct fin *f, uint32_t ag, uint32_t agino, char *why, size_t len)
{
	xfs_fs *fs = f->log->fs;
	uint32_t bs = fs->blocksize, isize = fs->sb.inodesize, bpc, align, mask, agbno, cbno, n;
	uint32_t inolog = fs->sb.agblklog + fs->sb.inopblog, list_ag = ag, list_agino = agino;
	uint64_t daddr;
	const uint8_t *d, *uuid;
	uint8_t *b;
	int err;

	*why = 0;
	if (agino >> inolog) {
		/* XFS_AGINO_TO_INO(ag, agino): (ag << bits) | agino */
		ag |= agino >> inolog;
		agino &= (1u << inolog) - 1;
		if (ag >= fs->sb.agcount) {
			snprintf(why, len, "agino %u makes an inode number past the last AG (xfs_iget: -EINVAL)", list_agino);
			return 0;
		}
	}
	if (!xfs_verify_agbno(fs, ag, agino >> fs->sb.inopblog)) {
		snprintf(why, len, "agino %u is not in a block of AG %u past its headers (xfs_imap: -EINVAL, or the AG "
			 "headers fail the inode buffer verifier)", agino, ag);
		return 0;
	}
	iunl_cluster_geo(fs, &bpc, &align, &mask);
	agbno = agino >> fs->sb.inopblog;
	if (bpc > 1 && !mask)
		return xlog_fin_refuse(f, "its cluster is found through the inode btree (no inode alignment; not done)");
	cbno = agbno - (agbno & mask) + ((agbno & mask) / bpc) * bpc;
	if ((uint64_t)cbno + bpc > xfs_ag_length(fs, ag)) {
		snprintf(why, len, "its cluster is past the end of AG %u (xfs_imap: -EINVAL)", ag);
		return 0;
	}
	/* the cluster as recovery left it: the buffer the kernel reads (and verifies) first */
	if (!(b = malloc((size_t)bpc * bs)))
		return FSIMG_ENOMEM;
	daddr = xlog_ag_daddr(fs, ag, cbno);
	if ((err = xlog_ovl_read(f->o, f->log, b, daddr, bpc * (bs / XLOG_BBSIZE)))) {
		free(b);
		return err == FSIMG_ECORRUPT ? xlog_fin_refuse(f, "its cluster is past the device") : err;
	}
	n = bpc * fs->sb.inopblock;
	for (uint32_t i = 0; i < n && !*why; i++) {
		d = b + (size_t)i * isize;
		/* xfs_dinode_good_version: 3 on v5, 1 or 2 on v4 */
		if (get_be16(d) != XFS_DINODE_MAGIC ||
		    (fs->v5 ? d[DI_VERSION] != 3 : d[DI_VERSION] != 1 && d[DI_VERSION] != 2) ||
		    !iunl_agino_ok(fs, ag, get_be32(d + DI_NEXT_UNLINKED)))
			snprintf(why, len, "the inode cluster at daddr %llu fails its verifier at its inode %u "
				 "(magic %#x, version %u, di_next_unlinked %#x: xfs_inode_buf_verify)",
				 (unsigned long long)daddr, i, get_be16(d), d[DI_VERSION],
				 get_be32(d + DI_NEXT_UNLINKED));
	}
	/* a cluster log recovery (or the intents' finish) wrote was read or written through the
	 * same verifier then: the kernel's mount failed there, before this walk */
	for (uint32_t k = 0; *why && k < bpc * (bs / XLOG_BBSIZE); k++)
		if (xlog_ovl_sector(f->o, daddr + k)) {
			free(b);
			return xlog_fin_refuse(f, "%s; recovery wrote that cluster: the kernel's recovery fails on it "
						  "(not done)", why);
		}
	d = b + ((size_t)(agbno - cbno) * fs->sb.inopblock + (agino & (fs->sb.inopblock - 1u))) * isize;
	uuid = (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? fs->sb.meta_uuid : fs->sb.uuid;
	if (*why)
		;
	else if (fs->v5 && !xfs_verify_cksum(d, isize, offsetof(struct xfs_dinode, di_crc)))
		snprintf(why, len, "it fails its checksum (xfs_dinode_verify)");
	else if (fs->v5 && get_be64(d + DI_INO) != (((uint64_t)ag << inolog) | agino))
		snprintf(why, len, "it says it is inode %llu (xfs_dinode_verify)",
			 (unsigned long long)get_be64(d + DI_INO));
	else if (fs->v5 && memcmp(d + offsetof(struct xfs_dinode, di_uuid), uuid, 16))
		snprintf(why, len, "its uuid is not the filesystem's (xfs_dinode_verify)");
	else
		dinode_why(fs, d, why, len);
	free(b);
	if (!*why && ag != list_ag)
		return xlog_fin_refuse(f, "agino %u of AG %u's list makes inode %u of AG %u, which xfs_iget reads "
					  "(freeing it from another AG's list is not done)", list_agino, list_ag, agino, ag);
	return 0;
}

int xlog_fin_iunl_check(struct fin *f, const struct xlog_pending *e, bool head)
{
	xfs_fs *fs = f->log->fs;
	uint32_t ss = fs->sb.sectsize;
	char why[256];
	struct blk *agi;
	int err;

	if (e->iunl == XLOG_IUNL_LOOP)
		return xlog_fin_refuse(f, "the chain comes back to agino %u (a loop: the kernel's walk takes the inode "
					  "again, or finds it freed; not done)", e->agino);
	if (e->iunl == XLOG_IUNL_MORE)
		return xlog_fin_refuse(f, "more inodes on the unlinked lists than fsimg walks");
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, e->ag, 0) + 2 * (ss / XLOG_BBSIZE), ss / XLOG_BBSIZE, K_AGI,
				&agi)) ||
	    (err = iunl_agi_check(f, e->ag, agi->b)))
		return err;
	if ((err = iunl_iget_why(f, e->ag, e->agino, why, sizeof why)) || !*why)
		return err;
	if (!head)
		return xlog_fin_refuse(f, "the kernel cannot read it (%s): the inode before it on the chain is freed "
					  "first, its xfs_iunlink_remove reloads this one (xfs_iunlink_reload_next) and "
					  "fails, and xfs_inactive_ifree shuts the filesystem down (not done)", why);
	/* xlog_recover_clear_agi_bucket: a transaction of its own */
	if (get_be32(agi->b + AGI_UNLINKED + 4 * e->bucket) != e->agino)
		return xlog_fin_refuse(f, "bucket %u's head is no longer agino %u", e->bucket, e->agino);
	XFIN_COUNT(f, XFC_IFREE_BUCKET_CLEAR);
	xlog_fin_tx(f);
	xlog_fin_dquot_chain(f, UINT64_MAX);
	put_be32(agi->b + AGI_UNLINKED + 4 * e->bucket, NULLAGINO);
	agi->dirty = true;
	xlog_fin_log_at(f, agi, agi->b + AGI_UNLINKED + 4 * e->bucket, 4);
	return 2;
}
