/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A BUI finished as xfs_bui_item_recover does: one extent mapped into (or
 * unmapped from) an inode's fork by xfs_bmap_finish_one. A map is
 * xfs_bmapi_remap: the extent goes into a hole of the fork
 * (xfs_bmap_add_extent_hole_real, merged with a neighbour that continues it
 * in file offset, disk block and state, up to the largest extent length),
 * di_nblocks grows by its length, and the inode is logged with its core
 * (xfs_trans_log_inode: the change counter bumped once in the transaction)
 * and its extents. On an rmapbt filesystem the map also queues its rmap
 * update (xfs_rmap_map_extent), finished with the captured work. An unmap
 * (the remap's other half) takes the range out of the extent holding it
 * (unmap below). A map into a fork in btree form edits a leaf (btree_map).
 * An unmap from a fork in btree form edits its leaf (btree_unmap). A map
 * into an extents-form fork without room for one more extent turns it into
 * a btree of one leaf (to_btree),
 * an unmap splitting an extent of such a fork too. The bmbt's blocks are
 * read, made and split by bmbt.c.
 * Refused: attribute forks, realtime files, and an inode failing its
 * checksum (xfs_iget's xfs_dinode_verify fails the kernel's mount there).
 * With quota accounting on, the inode's dquots are attached (dquot_fin.c)
 * and nothing charged (6.1 charges the remap's own transaction, not the
 * deferred map: xfs_bmap_del_extent_real). On an NREXT64 inode (large
 * extent counters) the count is di_big_nextents.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/bmbt.h"
#include "xlog/intent.h"
#include "xlog/rmap.h"

#define BMAP_MAP 1u
#define BMAP_UNMAP 2u
#define BMBT_MAX_FORK 2048u /* more than the largest inode's literal area (XFS_DINODE_MAX_SIZE) */

/* The inode at ioff of block ib: logged already by this checkpoint (in f->ino). */
static bool logged(const struct fin *f, const struct blk *ib, uint32_t ioff)
{
	return xlog_fin_ino_find(f, (size_t)(ib - f->blk), ioff) < f->nino;
}

/*
 * After the fork changed: the change counter bumped once (xfs_trans_log_inode) unless the
 * transaction's first log of the inode was its btree root's alone (bump false: an unmap's
 * key update or rebalance in the root, XFS_ILOG_DBROOT; i_version goes up only at the
 * transaction's first log, and only when that one is XFS_ILOG_CORE), the extent's
 * rmap update queued on an rmapbt filesystem (xfs_rmap_map_extent or _unmap_extent, the
 * _SHARED type for a reflink inode), and the inode logged; broot: its btree root with it
 * (XFS_ILOG_DBROOT: a leaf's first record changed, xfs_btree_update_keys logs the root's key
 * whatever its value, or the fork became a btree).
 */
static int inode_done_root(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino,
			   struct intent_defer *dq, const struct bext *e, bool map, bool broot, bool bump)
{
	xfs_fs *fs = f->log->fs;
	bool reflink = (get_be64(d + DI_FLAGS2) & XFS_DIFLAG2_REFLINK) != 0;
	size_t k;
	int err;

	if (bump)
		put_be64(d + DI_CHANGECOUNT, get_be64(d + DI_CHANGECOUNT) + 1);
	ib->dirty = true;
	if (fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) {
		struct intent_work w = { (uint32_t)(e->fsb >> fs->sb.agblklog),
					 (uint32_t)(e->fsb & ((1ull << fs->sb.agblklog) - 1)), e->len,
					 e->unwritten ? RMAP_F_UNWRITTEN : 0,
					 map ? (reflink ? RMAP_MAP_SHARED : RMAP_MAP) : (reflink ? RMAP_UNMAP_SHARED : RMAP_UNMAP),
					 ino, e->off };
		if ((err = xlog_intent_defer(f, dq, &w)))
			return err;
		/* the inode is held across the capture (xfs_defer_ops_capture): the roll before
		 * the update is finished relogs it (xfs_defer_trans_roll), a change counter bump */
		put_be64(d + DI_CHANGECOUNT, get_be64(d + DI_CHANGECOUNT) + 1);
	}
	/* logged once per checkpoint: the writeback stamps it */
	if ((err = xlog_fin_ino_add(f, (size_t)(ib - f->blk), ioff, &k)))
		return err;
	f->ino[k].broot |= broot;
	return 0;
}

static int inode_done(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino, struct intent_defer *dq,
		      const struct bext *e, bool map)
{
	return inode_done_root(f, ib, d, ioff, ino, dq, e, map, false, true);
}


/* xfs_bmbt_alloc_block / xfs_bmap_extents_to_btree's new block near agbno of AG ag for inode
 * ino's bmbt. Both then charge the inode's dquots a block (XFS_TRANS_DQ_BCOUNT +1; dquot_fin.c
 * refuses a timer it would start from the wall clock). */
static int bmbt_alloc(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t ino, uint32_t *bno)
{
	int err = xlog_fin_alloc_near_flags(f, ag, agbno, ino, RMAP_F_BMBT, bno);

	return err ? err : xlog_fin_dquot_ino(f, ino, 1);
}

/*
 * xfs_bmap_extents_to_btree (6.1) once the fork holds one extent more than its room: one
 * block allocated (xfs_alloc_vextent, XFS_ALLOCTYPE_START_BNO at the inode's block, the
 * transaction having no first block yet: near it in the inode's AG, XFS_AG_RESV_NONE, no
 * minleft), its rmap record the inode's bmbt block's (xfs_rmap_ino_bmbt_owner), di_nblocks
 * up by one; the block made a leaf (xfs_btree_init_block_int: level 0, no siblings, its
 * address and owner) of every extent (recs, n of them); the root in the inode at level 1
 * with one key (the first extent's offset) and pointer. On disk (xfs_iflush_fork,
 * xfs_bmbt_to_bmdr) those go over the fork's bytes as the inode's buffer has them, which
 * this finish has not written: the rest of the fork is the inode's as recovery left it.
 * The inode's root is logged (XFS_ILOG_DBROOT). A refused allocation refuses (anear.c).
 */
static int to_btree(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino, uint32_t forksz,
		    const uint8_t *recs, uint32_t n)
{
	xfs_fs *fs = f->log->fs;
	uint8_t *fork = d + fs->lit_off, *old;
	uint32_t hdr = LB_HDR(fs), maxr = forksz >= 4 ? (forksz - 4) / 16 : 0, bno, nforce0;
	uint64_t ilog = fs->sb.agblklog + fs->sb.inopblog;
	uint32_t ag = (uint32_t)(ino >> ilog), agbno = (uint32_t)((ino & ((1ull << ilog) - 1)) >> fs->sb.inopblog);
	struct bext first;
	struct blk *b;
	int err;

	if (maxr == 0 || n == 0 || hdr + (size_t)n * BMBT_REC > fs->blocksize || fs->lit_off + (size_t)forksz > fs->sb.inodesize)
		return xlog_fin_refuse(f, "inode %llu: %u extents do not fit a bmbt leaf", (unsigned long long)ino, n);
	XFIN_COUNT(f, XFC_BMBT_EXTENTS_TO_BTREE);
	nforce0 = f->nforce;
	if ((err = bmbt_alloc(f, ag, agbno, ino, &bno)))
		return err;
	if ((err = xlog_fin_get_buf(f, xlog_ag_daddr(fs, ag, bno), fs->blocksize / XLOG_BBSIZE, K_BMBT, nforce0, &b)))
		return err;
	xlog_bmbt_leaf_init(fs, b, ino);
	put_be16(b->b + 6, (uint16_t)n);
	memcpy(b->b + hdr, recs, (size_t)n * BMBT_REC);
	b->dirty = true;
	xlog_fin_log_range(f, b, 0, hdr + (uint32_t)n * BMBT_REC - 1); /* XFS_BB_ALL_BITS, records 1 to n */
	/* the fork's bytes as the inode's buffer holds them, then the root over them */
	if (!(old = malloc((size_t)ib->bbs * XLOG_BBSIZE)))
		return FSIMG_ENOMEM;
	if ((err = xlog_ovl_read(f->o, f->log, old, ib->daddr, ib->bbs)) == 0)
		memcpy(fork, old + ioff + fs->lit_off, forksz);
	free(old);
	if (err)
		return err;
	bext_get(&first, recs);
	put_be16(fork, 1);
	put_be16(fork + 2, 1);
	put_be64(fork + 4, first.off);
	put_be64(fork + 4 + 8 * (size_t)maxr, ((uint64_t)ag << fs->sb.agblklog) | bno);
	d[DI_FORMAT] = XFS_DINODE_FMT_BTREE;
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) + 1);
	return 0;
}

/*
 * xfs_bmap_finish_one's unmap: __xfs_bunmapi(XFS_BMAPI_REMAP) of the range, which one
 * extent of the fork (at, e) holds; xfs_bmap_del_extent_real removes it whole, trims
 * either end or splits the extent in two, di_nblocks drops by its length; the blocks are
 * not freed (the remap moves them), the rmap record goes; a split in a full fork turns it
 * into a btree (to_btree). A hole or a range over more than one extent is refused.
 */
static int unmap(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino, struct intent_defer *dq,
		 uint8_t *fork, uint32_t n, uint32_t forksz, uint32_t at, struct bext e, const struct bext *want)
{
	struct bext del = *want, rest;
	uint64_t end = e.off + e.len, dend = want->off + want->len;

	if (at == 0 || e.off + e.len <= want->off)
		return xlog_fin_refuse(f, "inode %llu: unmapping offset %llu, a hole (not done)", (unsigned long long)ino,
				       (unsigned long long)want->off);
	if (dend > end)
		return xlog_fin_refuse(f, "inode %llu: unmapping %llu+%u over more than one extent (not done)",
				       (unsigned long long)ino, (unsigned long long)want->off, want->len);
	if (get_be64(d + DI_NBLOCKS) < want->len)
		return xlog_fin_refuse(f, "inode %llu: %llu blocks, %u unmapped", (unsigned long long)ino,
				       (unsigned long long)get_be64(d + DI_NBLOCKS), want->len);
	/* the fork's blocks and state, whatever the BUI names */
	del.fsb = e.fsb + (want->off - e.off);
	del.unwritten = e.unwritten;
	at--;
	if (e.off == want->off && end == dend) {
		memmove(fork + (size_t)at * BMBT_REC, fork + (size_t)(at + 1) * BMBT_REC, (size_t)(n - at - 1) * BMBT_REC);
		n--;
	} else if (e.off == want->off) {
		e.off = dend, e.fsb = del.fsb + del.len, e.len -= del.len;
		bext_put(fork + (size_t)at * BMBT_REC, &e);
	} else if (end == dend) {
		e.len -= del.len;
		bext_put(fork + (size_t)at * BMBT_REC, &e);
	} else if (n + 1 > forksz / BMBT_REC) { /* the extents in order into a new leaf (__xfs_bunmapi) */
		uint8_t recs[(BMBT_MAX_FORK / BMBT_REC + 1) * BMBT_REC];
		int err;
		rest = (struct bext){ dend, del.fsb + del.len, (uint32_t)(end - dend), e.unwritten };
		e.len = (uint32_t)(want->off - e.off);
		memcpy(recs, fork, (size_t)at * BMBT_REC);
		bext_put(recs + (size_t)at * BMBT_REC, &e);
		bext_put(recs + (size_t)(at + 1) * BMBT_REC, &rest);
		memcpy(recs + (size_t)(at + 2) * BMBT_REC, fork + (size_t)(at + 1) * BMBT_REC, (size_t)(n - at - 1) * BMBT_REC);
		if ((err = to_btree(f, ib, d, ioff, ino, forksz, recs, n + 1)))
			return err;
		xlog_di_set_nextents(d, n + 1);
		put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) - del.len);
		return inode_done_root(f, ib, d, ioff, ino, dq, &del, false, true, true);
	} else {
		rest = (struct bext){ dend, del.fsb + del.len, (uint32_t)(end - dend), e.unwritten };
		e.len = (uint32_t)(want->off - e.off);
		bext_put(fork + (size_t)at * BMBT_REC, &e);
		memmove(fork + (size_t)(at + 2) * BMBT_REC, fork + (size_t)(at + 1) * BMBT_REC, (size_t)(n - at - 1) * BMBT_REC);
		bext_put(fork + (size_t)(at + 1) * BMBT_REC, &rest);
		n++;
	}
	xlog_di_set_nextents(d, n);
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) - del.len);
	return inode_done(f, ib, d, ioff, ino, dq, &del, false);
}


/* The cursor's leaf losing one record: below half full beside siblings that neither can
 * give it an entry (a join in xfs_btree_delrec, not done yet) is refused; *rebal: a
 * sibling gives one (xlog_bcur_rebalance after the delete). A lone leaf under a root at
 * level 1 stays under its minimum (xfs_btree_kill_iroot does nothing at that level).
 * 0, 1 or <0. */
static int leaf_loses(struct fin *f, struct bcur *c, uint64_t ino, bool *rebal)
{
	bool lone = c->nlev == 2 && xlog_bcur_nrecs(c, 1) == 1;
	int err;

	*rebal = false;
	if (lone || xlog_bcur_nrecs(c, 0) - 1 >= c->maxrecs / 2)
		return 0;
	if ((err = xlog_bcur_rebalance(c, 0, true, rebal)))
		return err;
	if (!*rebal)
		return xlog_fin_refuse(f, "inode %llu: its bmbt leaf would join a sibling (a rebalance, not done yet)",
				       (unsigned long long)ino);
	return 0;
}

/* Whether nexts extents go back to extents form (xfs_bmap_wants_extents: no more than the
 * fork holds), and if so that the bmbt is one leaf under a root at level 1 (the kernel
 * asserts it; else refused). 0 (*to set), 1 or <0. */
static int wants_extents(struct fin *f, const struct bcur *c, uint64_t ino, uint64_t nexts, uint32_t forksz, bool *to)
{
	*to = nexts <= forksz / BMBT_REC;
	if (*to && (c->nlev != 2 || xlog_bcur_nrecs(c, 1) != 1))
		return xlog_fin_refuse(f, "inode %llu: %llu extents fit its fork but its bmbt has %u levels and %u "
				       "root records (not done)", (unsigned long long)ino, (unsigned long long)nexts,
				       c->nlev - 1, xlog_bcur_nrecs(c, c->nlev - 1));
	return 0;
}

/*
 * xfs_bmap_btree_to_extents (6.1, from __xfs_bunmapi and xfs_bmapi_remap) once the fork's
 * extents fit it: the lone leaf's records copied into the fork (xfs_iextents_copy at the
 * flush: the rest of the fork's bytes stay as they were), the leaf's buffer invalidated
 * (xfs_trans_binval: never written), its free queued with its rmap owner into *w
 * (xfs_free_extent_later, after the extent's own rmap update), di_nblocks and the dquots'
 * block count down by one (XFS_TRANS_DQ_BCOUNT -1).
 */
static int to_extents(struct fin *f, struct bcur *c, uint8_t *d, uint64_t ino, struct intent_work *w)
{
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, n = xlog_bcur_nrecs(c, 0);
	uint64_t fsb = get_be64(d + fs->lit_off + 4 + 8 * (size_t)c->maxr);
	int err;

	if ((fsb >> aglog) >= fs->sb.agcount)
		return xlog_fin_refuse(f, "inode %llu: its bmbt pointer %llu is out of the filesystem",
				       (unsigned long long)ino, (unsigned long long)fsb);
	XFIN_COUNT(f, XFC_BMBT_BTREE_TO_EXTENTS);
	if ((err = xlog_fin_dquot_ino(f, ino, -1)))
		return err;
	memmove(d + fs->lit_off, xlog_bcur_rec(c, 0, 0), (size_t)n * BMBT_REC);
	d[DI_FORMAT] = XFS_DINODE_FMT_EXTENTS;
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) - 1);
	c->b[0]->stale = true;
	*w = (struct intent_work){ .ag = (uint32_t)(fsb >> aglog), .agbno = (uint32_t)(fsb & ((1ull << aglog) - 1)),
				   .len = 1, .rflags = RMAP_F_BMBT, .owner = ino };
	return 0;
}

/* Record k of the cursor's leaf set to e; its keys up the path when it is the first
 * (xfs_bmbt_update: xfs_btree_update_keys whatever the value). */
static void leaf_update(struct bcur *c, uint32_t k, const struct bext *e)
{
	bext_put(xlog_bcur_rec(c, 0, k), e);
	c->b[0]->dirty = true;
	xlog_fin_log_lents(c->f, c->b[0], c->hdr, c->maxrecs, k, k);
	c->ptr[0] = k;
	if (k == 0)
		xlog_bcur_update_keys(c, 0);
}

/* Record k of the cursor's leaf of n deleted (xfs_btree_delrec without a rebalance). */
static void leaf_delete(struct bcur *c, uint32_t k, uint32_t n)
{
	uint8_t *b = c->b[0]->b;

	memmove(xlog_bcur_rec(c, 0, k), xlog_bcur_rec(c, 0, k + 1), (size_t)(n - k - 1) * BMBT_REC);
	put_be16(b + 6, (uint16_t)(n - 1));
	c->b[0]->dirty = true;
	xlog_fin_log_range(c->f, c->b[0], 0, c->hdr - 1);
	xlog_fin_log_lents(c->f, c->b[0], c->hdr, c->maxrecs, k, (int64_t)n - 2);
	c->ptr[0] = k;
	if (k == 0)
		xlog_bcur_update_keys(c, 0);
}

/*
 * __xfs_bunmapi(XFS_BMAPI_REMAP) of a range that one extent of a data fork in btree form
 * holds: xfs_bmap_del_extent_real with a cursor on its leaf (bmbt.c's, a tree of any
 * height). The whole extent goes (xfs_btree_delete: a leaf left under its minimum beside
 * others takes an entry from a sibling, xfs_btree_delrec, a join refused; a fork whose
 * extents then fit the inode goes back to extents form, to_extents), its front is trimmed or its end (xfs_bmbt_update: the
 * leaf's first record moves the keys above, xfs_btree_update_keys), or it is split in two:
 * the first half updated, the cursor stepped on (xfs_btree_increment: the next record,
 * or the next leaf's first when the extent was its leaf's last) and the second half
 * inserted there (xfs_btree_insert: shifts, splits, a new level). A hole or a range past
 * the extent is refused as in extents form.
 */
static int btree_unmap(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino, struct intent_defer *dq,
		       uint32_t forksz, const struct bext *want)
{
	uint64_t nexts = xlog_di_nextents(d), dend = want->off + want->len;
	struct bext e = { 0 }, p = { 0 }, del = *want, rest;
	struct intent_work fw;
	struct bcur c;
	uint32_t n, k;
	bool none, rebal, toext = false;
	int err;

	if ((err = xlog_bcur_init(&c, f, d, ino, forksz)) || (err = xlog_bcur_lookup(&c, want->off, &p, &e)))
		return err;
	n = xlog_bcur_nrecs(&c, 0);
	if (c.ptr[0] == 0 || p.off + p.len <= want->off)
		return xlog_fin_refuse(f, "inode %llu: unmapping offset %llu, a hole (not done)", (unsigned long long)ino,
				       (unsigned long long)want->off);
	if (dend > p.off + p.len)
		return xlog_fin_refuse(f, "inode %llu: unmapping %llu+%u over more than one extent (not done)",
				       (unsigned long long)ino, (unsigned long long)want->off, want->len);
	if (get_be64(d + DI_NBLOCKS) < want->len)
		return xlog_fin_refuse(f, "inode %llu: %llu blocks, %u unmapped", (unsigned long long)ino,
				       (unsigned long long)get_be64(d + DI_NBLOCKS), want->len);
	e = p;
	k = c.ptr[0] - 1;
	del.fsb = e.fsb + (want->off - e.off);
	del.unwritten = e.unwritten;
	if (e.off == want->off && e.off + e.len == dend) {
		if ((err = leaf_loses(f, &c, ino, &rebal)) || (err = wants_extents(f, &c, ino, nexts - 1, forksz, &toext)))
			return err;
		leaf_delete(&c, k, n);
		if (rebal && (err = xlog_bcur_rebalance(&c, 0, false, &rebal)))
			return err;
		nexts--;
		if (toext && (err = to_extents(f, &c, d, ino, &fw)))
			return err;
	} else if (e.off == want->off) {
		e.off = dend, e.fsb = del.fsb + del.len, e.len -= del.len;
		leaf_update(&c, k, &e);
	} else if (e.off + e.len == dend) {
		e.len -= del.len;
		leaf_update(&c, k, &e);
	} else {
		rest = (struct bext){ dend, del.fsb + del.len, (uint32_t)(e.off + e.len - dend), e.unwritten };
		e.len = (uint32_t)(want->off - e.off);
		leaf_update(&c, k, &e);
		c.ptr[0] = k + 1;
		if (k + 1 == n && (err = xlog_bcur_next_block(&c, 0, &none)))
			return err;
		if ((err = xlog_bcur_insert(&c, &rest)))
			return err;
		nexts++;
	}
	xlog_di_set_nextents(d, nexts);
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) - del.len);
	if ((err = inode_done_root(f, ib, d, ioff, ino, dq, &del, false, c.broot && !toext, c.first != BCUR_LOG_ROOT)))
		return err;
	return toext ? xlog_intent_defer(f, dq, &fw) : 0;
}

/*
 * xfs_bmapi_remap into a data fork in btree form (a root in the inode over
 * a tree of any height, bmbt.c's cursor): xfs_bmbt_lookup_eq goes down the
 * last key at or before the offset at each level (else the first) to a
 * leaf, and xfs_bmap_add_extent_hole_real's four cases edit it: a merge
 * updates a record (at a leaf's front the keys above follow,
 * xfs_btree_update_keys), a merge of both deletes the right record
 * (rebalanced as an unmap's delete, a join refused; the fork back in
 * extents form when its extents fit it), an extent that the next leaf's first continues goes
 * into that record (its keys follow up its own path), and a new extent is
 * inserted (xfs_btree_insert: a full leaf shifts or splits, a full block
 * above likewise, a full root in the inode grows a level). An extent
 * joining two leaves' extents is refused, named.
 */
static int btree_map(struct fin *f, struct blk *ib, uint8_t *d, uint32_t ioff, uint64_t ino, struct intent_defer *dq,
		     uint32_t forksz, const struct bext *nw)
{
	uint64_t nexts = xlog_di_nextents(d);
	struct bext l = { 0 }, r = { 0 };
	bool left, right, hasr, nextleaf = false, none, leftmost = true, rebal, toext = false;
	struct intent_work fw;
	struct bcur c, t;
	uint32_t n, at;
	int err;

	if ((err = xlog_bcur_init(&c, f, d, ino, forksz)) || (err = xlog_bcur_lookup(&c, nw->off, &l, &r)))
		return err;
	n = xlog_bcur_nrecs(&c, 0);
	at = c.ptr[0];
	for (uint32_t k = 1; k < c.nlev; k++)
		leftmost &= c.ptr[k] == 0;
	if (at == 0 && !leftmost)
		return xlog_fin_refuse(f, "inode %llu: offset %llu before its bmbt leaf's key", (unsigned long long)ino,
				       (unsigned long long)nw->off);
	hasr = at < n;
	if (!hasr) { /* the next leaf's first extent */
		t = c;
		if ((err = xlog_bcur_next_block(&t, 0, &none)))
			return err;
		if (!none) {
			bext_get(&r, xlog_bcur_rec(&t, 0, 0));
			hasr = nextleaf = true;
		}
	}
	if (at && l.off + l.len > nw->off)
		return xlog_fin_refuse(f, "inode %llu: offset %llu is mapped already", (unsigned long long)ino,
				       (unsigned long long)nw->off);
	if (hasr && nw->off + nw->len > r.off)
		return xlog_fin_refuse(f, "inode %llu: offset %llu+%u is not a hole", (unsigned long long)ino,
				       (unsigned long long)nw->off, nw->len);
	left = at > 0 && bext_contig(&l, nw);
	right = hasr && bext_contig(nw, &r);
	if (left && right && (uint64_t)l.len + nw->len + r.len > MAXEXTLEN)
		right = false;
	if (left && right && nextleaf)
		return xlog_fin_refuse(f, "inode %llu: the extent joins two bmbt leaves' extents (not done yet)",
				       (unsigned long long)ino);
	if (left && right) { /* the left record updated, the right one deleted (in either order) */
		if ((err = leaf_loses(f, &c, ino, &rebal)) || (err = wants_extents(f, &c, ino, nexts - 1, forksz, &toext)))
			return err;
		l.len += nw->len + r.len;
		leaf_update(&c, at - 1, &l);
		leaf_delete(&c, at, n);
		if (rebal && (err = xlog_bcur_rebalance(&c, 0, false, &rebal)))
			return err;
		nexts--;
		if (toext && (err = to_extents(f, &c, d, ino, &fw)))
			return err;
	} else if (left) {
		l.len += nw->len;
		leaf_update(&c, at - 1, &l);
	} else if (right) {
		r.off = nw->off;
		r.fsb = nw->fsb;
		r.len += nw->len;
		if (nextleaf) {
			leaf_update(&t, 0, &r);
			xlog_bcur_merge(&c, &t);
		} else {
			leaf_update(&c, at, &r);
		}
	} else {
		if ((err = xlog_bcur_insert(&c, nw)))
			return err;
		nexts++;
	}
	xlog_di_set_nextents(d, nexts);
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) + nw->len);
	/* xfs_bmapi_remap logs the core before it edits the btree */
	if ((err = inode_done_root(f, ib, d, ioff, ino, dq, nw, true, c.broot && !toext, true)))
		return err;
	return toext ? xlog_intent_defer(f, dq, &fw) : 0;
}

/* bmbt_alloc for the block operations of bmbt.c (their splits). */
int xlog_bmbt_alloc(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t ino, uint32_t *bno)
{
	return bmbt_alloc(f, ag, agbno, ino, bno);
}

int xlog_intent_bmap(struct fin *f, const struct xlog_ext *x, struct intent_defer *dq)
{
	xfs_fs *fs = f->log->fs;
	uint32_t type = x->flags & 0xffu, bs = fs->blocksize, isize = fs->sb.inodesize;
	uint64_t ino = x->owner, ilog = fs->sb.agblklog + fs->sb.inopblog;
	uint32_t ag = (uint32_t)(ino >> ilog), agino = (uint32_t)(ino & ((1ull << ilog) - 1));
	uint32_t agbno = agino >> fs->sb.inopblog, slot = agino & ((1u << fs->sb.inopblog) - 1);
	uint32_t n, cap, at, forksz;
	struct bext ex[2], nw;
	bool left = false, right = false;
	struct blk *ib;
	uint8_t *d, *fork;
	int err;

	if (type != BMAP_MAP && type != BMAP_UNMAP)
		return xlog_fin_refuse(f, "bmap update type %u unknown", type);
	XFIN_COUNT(f, type == BMAP_MAP ? XFC_BMAP_MAP : XFC_BMAP_UNMAP);
	if (x->flags & XFS_BMAP_EXTENT_ATTR_FORK)
		return xlog_fin_refuse(f, "mapping into an attribute fork is not done yet");
	/* xfs_bui_validate's xfs_verify_ino: its block past the AG's headers, inside its length */
	if (ag >= fs->sb.agcount || !xfs_verify_agbno(fs, ag, agbno))
		return xlog_fin_refuse(f, "inode %llu out of the filesystem", (unsigned long long)ino);
	/* xfs_bui_validate's xfs_verify_fsbext: inside one AG (the last as long as sb_dblocks
	 * leaves it); its rule against the AG's headers is not applied here */
	if (x->len == 0 || x->len > MAXEXTLEN || (x->startblock >> fs->sb.agblklog) >= fs->sb.agcount ||
	    !xfs_fsb_range_ok(fs, x->startblock, x->len) ||
	    x->startoff >= (1ull << 54) - MAXEXTLEN)
		return xlog_fin_refuse(f, "extent fsb %llu+%llu at offset %llu is not what it should be",
				       (unsigned long long)x->startblock, (unsigned long long)x->len,
				       (unsigned long long)x->startoff);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), bs / XLOG_BBSIZE, K_INODES, &ib)))
		return err;
	d = ib->b + (size_t)slot * isize;
	if (get_be16(d) != XFS_DINODE_MAGIC || d[DI_VERSION] != 3 || get_be64(d + DI_INO) != ino)
		return xlog_fin_refuse(f, "inode %llu is not a v3 inode of that number", (unsigned long long)ino);
	/* xfs_iget's xfs_dinode_verify: its checksum, when this finish has not logged it yet (the
	 * kernel then reads it from disk; an inode logged here stays in its cache) */
	if (!logged(f, ib, slot * isize) && !xfs_verify_cksum(d, isize, offsetof(struct xfs_dinode, di_crc)))
		return xlog_fin_refuse(f, "inode %llu fails its checksum", (unsigned long long)ino);
	if (d[DI_FORMAT] != XFS_DINODE_FMT_EXTENTS && d[DI_FORMAT] != XFS_DINODE_FMT_BTREE)
		return xlog_fin_refuse(f, "inode %llu: %s a data fork of format %u (not done yet)", (unsigned long long)ino,
				       type == BMAP_MAP ? "mapping into" : "unmapping from", d[DI_FORMAT]);
	if (get_be16(d + DI_FLAGS) & XFS_DIFLAG_REALTIME)
		return xlog_fin_refuse(f, "inode %llu: a realtime file (not done yet)", (unsigned long long)ino);
	/* xlog_recover_iget's xfs_qm_dqattach (a dquot not on disk fails it); the remap and the
	 * XFS_BMAPI_REMAP unmap charge no dquot (the reflink's own transaction did) */
	if ((err = xlog_fin_dquot_mod(f, d, ino, 0, 0, false)))
		return err;
	if (d[DI_FORMAT] == XFS_DINODE_FMT_BTREE) {
		nw = (struct bext){ x->startoff, x->startblock, (uint32_t)x->len,
				    (x->flags & XFS_BMAP_EXTENT_UNWRITTEN) != 0 };
		cap = d[DI_FORKOFF] ? (uint32_t)d[DI_FORKOFF] * 8 : isize - fs->lit_off;
		if (type == BMAP_UNMAP)
			return btree_unmap(f, ib, d, slot * isize, ino, dq, cap, &nw);
		return btree_map(f, ib, d, slot * isize, ino, dq, cap, &nw);
	}

	/* the data fork: its extents, bounded by the fork's room */
	forksz = d[DI_FORKOFF] ? (uint32_t)d[DI_FORKOFF] * 8 : isize - fs->lit_off;
	cap = forksz / BMBT_REC;
	if (forksz > BMBT_MAX_FORK)
		return xlog_fin_refuse(f, "inode %llu: a data fork of %u bytes", (unsigned long long)ino, forksz);
	if (xlog_di_nextents(d) > cap)
		return xlog_fin_refuse(f, "inode %llu: %llu extents do not fit its fork", (unsigned long long)ino,
				       (unsigned long long)xlog_di_nextents(d));
	n = (uint32_t)xlog_di_nextents(d);
	if ( fs->lit_off + (size_t)cap * BMBT_REC > isize)
		return xlog_fin_refuse(f, "inode %llu: %u extents do not fit its fork", (unsigned long long)ino, n);
	fork = d + fs->lit_off;
	nw.off = x->startoff;
	nw.fsb = x->startblock;
	nw.len = (uint32_t)x->len;
	nw.unwritten = (x->flags & XFS_BMAP_EXTENT_UNWRITTEN) != 0;
	/* the hole it goes into: the extents before it end at or before it, the next starts after */
	for (at = 0; at < n; at++) {
		bext_get(&ex[1], fork + (size_t)at * BMBT_REC);
		if (at && ex[1].off < ex[0].off + ex[0].len)
			return xlog_fin_refuse(f, "inode %llu: its extents overlap", (unsigned long long)ino);
		if (ex[1].len == 0)
			return xlog_fin_refuse(f, "inode %llu: an extent of length 0", (unsigned long long)ino);
		if (ex[1].off > nw.off)
			break;
		ex[0] = ex[1];
	}
	if (type == BMAP_UNMAP)
		return unmap(f, ib, d, slot * isize, ino, dq, fork, n, forksz, at, ex[0], &nw);
	if (at && ex[0].off + ex[0].len > nw.off)
		return xlog_fin_refuse(f, "inode %llu: offset %llu is mapped already", (unsigned long long)ino,
				       (unsigned long long)nw.off);
	if (at < n && nw.off + nw.len > ex[1].off)
		return xlog_fin_refuse(f, "inode %llu: offset %llu+%u is not a hole", (unsigned long long)ino,
				       (unsigned long long)nw.off, nw.len);
	/* xfs_bmap_add_extent_hole_real's four cases */
	left = at > 0 && bext_contig(&ex[0], &nw);
	right = at < n && bext_contig(&nw, &ex[1]);
	if (left && right && (uint64_t)ex[0].len + nw.len + ex[1].len > MAXEXTLEN)
		right = false;
	if (left && right) {
		ex[0].len += nw.len + ex[1].len;
		bext_put(fork + (size_t)(at - 1) * BMBT_REC, &ex[0]);
		memmove(fork + (size_t)at * BMBT_REC, fork + (size_t)(at + 1) * BMBT_REC, (size_t)(n - at - 1) * BMBT_REC);
		n--;
	} else if (left) {
		ex[0].len += nw.len;
		bext_put(fork + (size_t)(at - 1) * BMBT_REC, &ex[0]);
	} else if (right) {
		ex[1].off = nw.off;
		ex[1].fsb = nw.fsb;
		ex[1].len += nw.len;
		bext_put(fork + (size_t)at * BMBT_REC, &ex[1]);
	} else if (n + 1 > cap) { /* the extents in order into a new leaf */
		uint8_t recs[(BMBT_MAX_FORK / BMBT_REC + 1) * BMBT_REC];
		if (n + 1 > sizeof recs / BMBT_REC)
			return xlog_fin_refuse(f, "inode %llu: %u extents in its fork", (unsigned long long)ino, n);
		memcpy(recs, fork, (size_t)at * BMBT_REC);
		bext_put(recs + (size_t)at * BMBT_REC, &nw);
		memcpy(recs + (size_t)(at + 1) * BMBT_REC, fork + (size_t)at * BMBT_REC, (size_t)(n - at) * BMBT_REC);
		if ((err = to_btree(f, ib, d, slot * isize, ino, forksz, recs, n + 1)))
			return err;
		xlog_di_set_nextents(d, n + 1);
		put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) + nw.len);
		return inode_done_root(f, ib, d, slot * isize, ino, dq, &nw, true, true, true);
	} else {
		memmove(fork + (size_t)(at + 1) * BMBT_REC, fork + (size_t)at * BMBT_REC, (size_t)(n - at) * BMBT_REC);
		bext_put(fork + (size_t)at * BMBT_REC, &nw);
		n++;
	}
	xlog_di_set_nextents(d, n);
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) + nw.len);
	return inode_done(f, ib, d, slot * isize, ino, dq, &nw, true);
}
