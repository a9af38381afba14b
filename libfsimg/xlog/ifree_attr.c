/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attribute fork of an unlinked inode removed as xfs_attr_inactive
 * (Linux 6.1) does it when the fork has blocks: xfs_attr3_root_inactive
 * walks the attribute tree from block 0 depth first (a single leaf, or
 * node blocks over leaves), each leaf's remote values made stale in the
 * buffer cache (xfs_attr3_rmt_stale: nothing logged, nothing written),
 * each block invalidated (xfs_trans_binval) and the transaction rolled
 * (xfs_trans_roll_inode) after each child and after the root; then
 * xfs_itruncate_extents(XFS_ATTR_FORK) frees every block of the fork, the
 * value blocks among them, as the data fork's truncate does (ifree_fork.c:
 * rounds of two extents from the end, their rmap records with the attribute
 * fork's flag, a bmbt's leaves joined and freed), and xfs_attr_fork_remove
 * drops the fork in the transaction that ends the truncate.
 *
 * Nothing the walk touches reaches the disk: the invalidated blocks keep
 * what log recovery left there and are freed by the truncate. What the walk
 * decides is the number of transactions, which a v5 inode's di_changecount
 * counts (one bump per transaction that logs the inode): one per block of
 * the tree, then the truncate's (its unmaps and intents), then the last one.
 * Where the kernel would fail (a block that is not a leaf or node of this
 * inode, a tree deeper than XFS_DA_NODE_MAXDEPTH, a remote value over a
 * hole) fsimg refuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"
#include "xlog/intent.h"

#define DA_MAGIC 8u       /* xfs_da_blkinfo's magic */
#define DA3_BLKNO 16u     /* xfs_da3_blkinfo's blkno and owner */
#define DA3_OWNER 48u
#define ATTR_LOCAL_FLAG 1u /* XFS_ATTR_LOCAL */
#define RMT3_HDR 56u      /* struct xfs_attr3_rmt_hdr: a v5 remote value block's header */
#define XATTR_SIZE_MAX 65536u

/* The fork's block at attribute-fork offset dablk, or UINT64_MAX for a hole. */
static uint64_t afork_map(const struct afork *a, uint64_t dablk)
{
	uint64_t off, fsb;
	uint32_t len;

	for (uint32_t i = 0; i < a->n; i++) {
		xlog_fin_bmbt_rec(a->recs + (size_t)i * BMBT_REC_LEN, &off, &fsb, &len);
		if (dablk >= off && dablk - off < len)
			return fsb + (dablk - off);
	}
	return UINT64_MAX;
}

struct awalk {
	struct fin *f;
	struct afork *a;
	uint64_t ino;
	uint32_t rolls;
};

/* xfs_da3_node_read of attribute block dablk into b (a block's bytes); *daddr where it is. */
static int da_read(struct awalk *w, uint32_t dablk, uint8_t *b, uint64_t *daddr_out)
{
	xfs_fs *fs = w->f->log->fs;
	uint64_t fsb = afork_map(w->a, dablk), daddr;
	uint32_t aglog = fs->sb.agblklog, ag, agbno;
	bool leaf, node;
	int err;

	if (fsb == UINT64_MAX)
		return xlog_fin_refuse(w->f, "its attribute block %u is a hole", dablk);
	ag = (uint32_t)(fsb >> aglog);
	agbno = (uint32_t)(fsb & ((1ull << aglog) - 1));
	/* xfs_bmap_validate_extent's xfs_verify_fsbno: past the AG's headers, inside its length */
	if (ag >= fs->sb.agcount || !xfs_verify_agbno(fs, ag, agbno))
		return xlog_fin_refuse(w->f, "its attribute block %u is out of the filesystem", dablk);
	daddr = *daddr_out = xlog_ag_daddr(fs, ag, agbno);
	if ((err = xlog_ovl_read(w->f->o, w->f->log, b, daddr, fs->blocksize / XLOG_BBSIZE)))
		return err == FSIMG_ECORRUPT ? xlog_fin_refuse(w->f, "its attribute block %u is past the device", dablk)
					     : err;
	leaf = get_be16(b + DA_MAGIC) == (fs->v5 ? XFS_ATTR3_LEAF_MAGIC : XFS_ATTR_LEAF_MAGIC);
	node = get_be16(b + DA_MAGIC) == (fs->v5 ? XFS_DA3_NODE_MAGIC : XFS_DA_NODE_MAGIC);
	if ((!leaf && !node) || (fs->v5 && (get_be64(b + DA3_BLKNO) != daddr || get_be64(b + DA3_OWNER) != w->ino)))
		return xlog_fin_refuse(w->f, "its attribute block %u is not a leaf or node of it", dablk);
	/* the read verifier's checksum (xfs_attr3_leaf_read_verify, xfs_da3_node_read_verify) */
	if (fs->v5 && !xfs_verify_cksum(b, fs->blocksize, XFS_DA3_CRC_OFF))
		return xlog_fin_refuse(w->f, "its attribute block %u fails its checksum", dablk);
	return 0;
}

/* xfs_attr3_leaf_inactive: each remote value's blocks looked up (xfs_attr3_rmt_stale), which
 * fails on a hole; nothing else. */
static int leaf_inactive(struct awalk *w, uint32_t dablk, const uint8_t *b)
{
	xfs_fs *fs = w->f->log->fs;
	uint32_t bs = fs->blocksize, hdr = fs->v5 ? XFS_ATTR3_LEAF_HDR_SIZE : XFS_ATTR_LEAF_HDR_SIZE;
	uint32_t count = get_be16(b + (fs->v5 ? 56 : 12));
	uint32_t per = fs->v5 ? bs - RMT3_HDR : bs;

	if (count > (bs - hdr) / XFS_ATTR_LEAF_ENTRY_SIZE)
		return xlog_fin_refuse(w->f, "its attribute leaf %u holds %u entries", dablk, count);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = b + hdr + (size_t)i * XFS_ATTR_LEAF_ENTRY_SIZE;
		uint32_t nameidx = get_be16(e + 4), vblk, vlen;
		if (!nameidx || (e[6] & ATTR_LOCAL_FLAG))
			continue;
		if (nameidx < hdr || nameidx + 8u > bs)
			return xlog_fin_refuse(w->f, "its attribute leaf %u's entry %u is out of the block", dablk, i);
		vblk = get_be32(b + nameidx);
		vlen = get_be32(b + nameidx + 4);
		if (!vblk)
			continue;
		if (vlen > XATTR_SIZE_MAX)
			return xlog_fin_refuse(w->f, "its attribute value of %u bytes", vlen);
		for (uint32_t k = 0; k < (vlen + per - 1) / per; k++)
			if (afork_map(w->a, (uint64_t)vblk + k) == UINT64_MAX)
				return xlog_fin_refuse(w->f, "its remote attribute value at %u is a hole", vblk + k);
	}
	return 0;
}

/* xfs_attr3_node_inactive (level: the node's depth, 1 at the root) or the leaf's, for the
 * block at dablk; each block counts one transaction (the roll after its invalidation). */
static int da_inactive(struct awalk *w, uint32_t dablk, uint32_t level)
{
	xfs_fs *fs = w->f->log->fs;
	uint32_t bs = fs->blocksize, hdr = fs->v5 ? XFS_DA3_NODE_HDR_SIZE : XFS_DA_NODE_HDR_SIZE, count;
	uint64_t daddr = 0;
	uint8_t *b;
	int err;

	if (++w->rolls > w->a->blocks)
		return xlog_fin_refuse(w->f, "its attribute tree has more blocks than its fork");
	if (!(b = malloc(bs)))
		return FSIMG_ENOMEM;
	if ((err = da_read(w, dablk, b, &daddr)))
		goto out;
	if (get_be16(b + DA_MAGIC) == (fs->v5 ? XFS_ATTR3_LEAF_MAGIC : XFS_ATTR_LEAF_MAGIC)) {
		err = leaf_inactive(w, dablk, b);
		goto inval;
	}
	count = get_be16(b + (fs->v5 ? 56 : 12));
	if (level > XFS_DA_NODE_MAXDEPTH || count == 0 || count > (bs - hdr) / XFS_DA_NODE_ENTRY_SIZE) {
		err = xlog_fin_refuse(w->f, "its attribute node %u at depth %u holds %u entries", dablk, level, count);
		goto out;
	}
	for (uint32_t i = 0; i < count && !err; i++)
		err = da_inactive(w, get_be32(b + hdr + (size_t)i * XFS_DA_NODE_ENTRY_SIZE + 4), level + 1);
inval:
	/* invalidated after its children (xfs_attr3_node_inactive: each child once walked; the
	 * root last, xfs_attr3_root_inactive) */
	if (!err)
		w->a->da[w->a->nda++] = daddr;
out:
	free(b);
	return err;
}

int xlog_fin_attr_read(struct fin *f, const uint8_t *d, uint64_t ino, struct afork *a)
{
	xfs_fs *fs = f->log->fs;
	uint32_t fo = d[DI_FORKOFF] * 8u, asize = fs->sb.inodesize - fs->lit_off - fo, len;
	const uint8_t *root = d + fs->lit_off + fo;
	bool big = xlog_di_nrext64(d);
	uint64_t off, fsb;
	struct awalk w = { f, a, ino, 0 };
	int err;

	memset(a, 0, sizeof *a);
	a->n = big ? get_be32(d + DI_NEXTENTS) : get_be16(d + DI_ANEXTENTS);
	a->maxext = asize / BMBT_REC_LEN;
	if (a->n == 0)
		return 0;
	if (d[DI_AFORMAT] == XFS_DINODE_FMT_BTREE) {
		if ((err = xlog_fin_bmbt_read(f, root, asize, ino, a->n, &a->t, &a->own)))
			return err;
		a->recs = a->own;
		a->btree = true;
		a->blocks = a->t.nleaf + a->t.nnode;
	} else if (d[DI_AFORMAT] == XFS_DINODE_FMT_EXTENTS) {
		if (a->n > a->maxext)
			return xlog_fin_refuse(f, "%u attribute extents do not fit its fork", a->n);
		a->recs = root;
	} else {
		return xlog_fin_refuse(f, "its attribute fork of format %u has %u extents", d[DI_AFORMAT], a->n);
	}
	for (uint32_t i = 0; i < a->n; i++) {
		xlog_fin_bmbt_rec(a->recs + (size_t)i * BMBT_REC_LEN, &off, &fsb, &len);
		a->blocks += len;
	}
	/* xfs_attr3_root_inactive: the tree from block 0, one transaction a block (at most
	 * a->blocks, da_inactive) */
	if (!(a->da = malloc((size_t)a->blocks * sizeof *a->da + 1)))
		err = FSIMG_ENOMEM;
	else
		err = da_inactive(&w, 0, 1);
	if (err) {
		free(a->own);
		free(a->da);
		a->own = NULL;
		a->da = NULL;
		return err;
	}
	a->rolls = w.rolls;
	return 0;
}

int xlog_fin_attr_inactive(struct fin *f, struct afork *a, uint64_t ino, uint32_t *ntx)
{
	xfs_fs *fs = f->log->fs;
	int err = 0;

	*ntx = 0;
	if (a->n == 0)
		return 0;
	XFIN_COUNT(f, XFC_IFREE_ATTR);
	/* xfs_attr3_node_inactive, xfs_attr3_root_inactive: each block of the tree invalidated
	 * (xfs_trans_binval: a cancelled buffer in the checkpoint, its format alone) and the
	 * transaction rolled; the roll logs the inode's core (xfs_trans_roll_inode) */
	for (uint32_t i = 0; i < a->nda && !err; i++) {
		struct blk *b;
		/* read and checked by the walk (da_read) */
		if (!(err = xlog_fin_get_new(f, a->da[i], fs->blocksize / XLOG_BBSIZE, K_ATTR, &b))) {
			b->dirty = false;
			b->stale = true;
			xlog_fin_tx(f);
			xlog_fin_dquot_chain(f, UINT64_MAX); /* xfs_attr_inactive's own chain */
		}
	}
	free(a->da);
	a->da = NULL;
	if (err) {
		free(a->own);
		a->own = NULL;
		return err;
	}
	/* xfs_bmap_del_extent_real: no refcount decrease in the attribute fork, its rmap
	 * unmaps never the shared kind (xfs_rmap_unmap_extent) */
	err = xlog_fin_truncate_extents(f, a->recs, a->n, a->blocks, false, ino, a->btree ? &a->t : NULL, a->maxext,
					RMAP_F_ATTR, ntx);
	free(a->own);
	a->own = NULL;
	return err;
}
