/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bmbt block operations of a BUI's map or unmap (intent_bmap.c) in a
 * data fork in btree form, following 6.1's libxfs/xfs_btree.c: a leaf
 * read and checked, the lookup down the inode's root (xfs_bmbt_lookup_eq),
 * a new block made (xfs_btree_init_block_int), and a full leaf made room
 * in (xfs_btree_make_block_unfull: rshift, lshift, split).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/bmbt.h"
#include "xlog/dinode.h"

/* A new bmbt leaf (xfs_btree_init_block_int): level 0, no records, no siblings; on v5 its
 * address, the filesystem's uuid and its owner. */
void xlog_bmbt_leaf_init(const xfs_fs *fs, struct blk *b, uint64_t ino)
{
	memset(b->b, 0, fs->blocksize);
	put_be32(b->b, fs->v5 ? BMAP_CRC_MAGIC : BMAP_MAGIC);
	put_be64(b->b + 8, UINT64_MAX);
	put_be64(b->b + 16, UINT64_MAX);
	if (fs->v5) {
		put_be64(b->b + 24, b->daddr);
		memcpy(b->b + 40, (fs->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? fs->sb.meta_uuid : fs->sb.uuid,
		       16);
		put_be64(b->b + 56, ino);
	}
}

/* One bmbt leaf under the inode's root: magic, level 0, its count within the block and
 * at least one, its address and owner (v5). */
int xlog_bmbt_leaf(struct fin *f, uint64_t fsb, uint64_t ino, struct blk **b)
{
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, ag = (uint32_t)(fsb >> aglog), agbno = (uint32_t)(fsb & ((1ull << aglog) - 1));
	uint32_t n;
	int err;

	if (ag >= fs->sb.agcount || agbno == 0 || agbno >= fs->sb.agblocks)
		return xlog_fin_refuse(f, "inode %llu: its bmbt pointer %llu is out of the filesystem",
				       (unsigned long long)ino, (unsigned long long)fsb);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), fs->blocksize / XLOG_BBSIZE, K_BMBT, b)))
		return err;
	n = get_be16((*b)->b + 6);
	if (get_be32((*b)->b) != (fs->v5 ? BMAP_CRC_MAGIC : BMAP_MAGIC) || get_be16((*b)->b + 4) != 0 || n == 0 ||
	    n > (fs->blocksize - LB_HDR(fs)) / BMBT_REC ||
	    (fs->v5 && (get_be64((*b)->b + 24) != (*b)->daddr || get_be64((*b)->b + 56) != ino)))
		return xlog_fin_refuse(f, "inode %llu: its bmbt leaf %llu is not what it should be",
				       (unsigned long long)ino, (unsigned long long)fsb);
	return 0;
}

/* The inode's data fork root (level 1 over leaves: else refused, named) and the leaf whose
 * key is the last at or before off (else the first, xfs_bmbt_lookup's descent): its
 * index *ri in the root; in the leaf (its extents checked in order) *at the first record
 * past off (*next, when there is one), *prev the one before it. 0, 1 or <0. */
int xlog_bmbt_root_leaf(struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz, uint64_t off, uint32_t *ri,
		     struct blk **b, uint32_t *at, struct bext *prev, struct bext *next)
{
	xfs_fs *fs = f->log->fs;
	const uint8_t *root = d + fs->lit_off;
	uint32_t maxr = forksz >= 4 ? (forksz - 4) / 16 : 0, nr = get_be16(root + 2), i, n, k;
	int err;

	if (get_be16(root) != 1 || nr == 0 || nr > maxr || fs->lit_off + 4 + 16 * (size_t)maxr > fs->sb.inodesize)
		return xlog_fin_refuse(f, "inode %llu: a data fork btree of %u levels and %u root records (not done yet)",
				       (unsigned long long)ino, get_be16(root), nr);
	for (i = 0; i + 1 < nr && get_be64(root + 4 + 8 * (size_t)(i + 1)) <= off; i++)
		;
	*ri = i;
	if ((err = xlog_bmbt_leaf(f, get_be64(root + 4 + 8 * (size_t)maxr + 8 * (size_t)i), ino, b)))
		return err;
	n = get_be16((*b)->b + 6);
	*prev = *next = (struct bext){ 0 };
	for (k = 0; k < n; k++) {
		bext_get(next, (*b)->b + LB_HDR(fs) + (size_t)k * BMBT_REC);
		if (next->len == 0 || (k && next->off < prev->off + prev->len))
			return xlog_fin_refuse(f, "inode %llu: its bmbt leaf's extents are not in order", (unsigned long long)ino);
		if (next->off > off)
			break;
		*prev = *next;
	}
	*at = k;
	return 0;
}

/* One record in at index k of a leaf of n records (room for one more). */
void xlog_bmbt_leaf_put(uint8_t *recs, uint32_t n, uint32_t k, const struct bext *e)
{
	memmove(recs + (size_t)(k + 1) * BMBT_REC, recs + (size_t)k * BMBT_REC, (size_t)(n - k) * BMBT_REC);
	bext_put(recs + (size_t)k * BMBT_REC, e);
}

/* A leaf's first record's offset, the key its root entry k holds (xfs_btree_update_keys). */
void xlog_bmbt_root_key(uint8_t *root, uint32_t k, const uint8_t *leaf, uint32_t hdr)
{
	struct bext e;

	bext_get(&e, leaf + hdr);
	put_be64(root + 4 + 8 * (size_t)k, e.off);
}

/*
 * xfs_btree_insrec of nw at index at of the full leaf b (entry i of a level-1 root of nr
 * entries over maxr) by xfs_btree_make_block_unfull: first xfs_btree_rshift (a right
 * sibling with room takes the leaf's last record, unless the insert goes at or past it;
 * the sibling's root key follows), then xfs_btree_lshift (a left sibling with room takes
 * the first record, unless the insert goes at the front; the cursor slides left one), then
 * __xfs_btree_split: a block from xfs_bmbt_alloc_block (the transaction has no first
 * block: XFS_ALLOCTYPE_START_BNO at the leaf, near it in its AG; its rmap the inode's bmbt
 * block's; di_nblocks up by one) takes the leaf's upper half (the odd record to the right
 * when the insert goes in the lower half), the sibling links (and the old right
 * sibling's left link) follow, the record goes left unless the cursor lies past the
 * left's end + 1, and the new block's key and pointer go into the root after the leaf's
 * (xfs_iroot_realloc: a root with no room would need a new level, refused). A front
 * insert moves the leaf's key. The root is logged in every case. 0, 1 or <0.
 */
int xlog_bmbt_leaf_unfull(struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz, uint32_t i, struct blk *b,
		       uint32_t at, const struct bext *nw)
{
	xfs_fs *fs = f->log->fs;
	uint8_t *root = d + fs->lit_off;
	uint32_t maxr = (forksz - 4) / 16, nr = get_be16(root + 2), hdr = LB_HDR(fs);
	uint32_t lrecs = (fs->blocksize - hdr) / BMBT_REC, ptr = at + 1, rrecs, sn, bno;
	uint64_t self = get_be64(root + 4 + 8 * (size_t)maxr + 8 * (size_t)i), sib, rfsb;
	struct blk *s, *r;
	struct bext e;
	int err;

	sib = get_be64(b->b + 16);
	if (sib != UINT64_MAX && ptr < lrecs) { /* xfs_btree_rshift */
		if (i + 1 >= nr || get_be64(root + 4 + 8 * (size_t)maxr + 8 * (size_t)(i + 1)) != sib)
			return xlog_fin_refuse(f, "inode %llu: its bmbt leaf's right sibling is not the root's next",
					       (unsigned long long)ino);
		if ((err = xlog_bmbt_leaf(f, sib, ino, &s)))
			return err;
		if ((sn = get_be16(s->b + 6)) < lrecs) {
			bext_get(&e, b->b + hdr + (size_t)(lrecs - 1) * BMBT_REC);
			xlog_bmbt_leaf_put(s->b + hdr, sn, 0, &e);
			put_be16(s->b + 6, (uint16_t)(sn + 1));
			xlog_bmbt_root_key(root, i + 1, s->b, hdr);
			xlog_bmbt_leaf_put(b->b + hdr, lrecs - 1, at, nw);
			s->dirty = b->dirty = true;
			if (at == 0)
				xlog_bmbt_root_key(root, i, b->b, hdr);
			return 0;
		}
	}
	sib = get_be64(b->b + 8);
	if (sib != UINT64_MAX && ptr > 1) { /* xfs_btree_lshift */
		if (i == 0 || get_be64(root + 4 + 8 * (size_t)maxr + 8 * (size_t)(i - 1)) != sib)
			return xlog_fin_refuse(f, "inode %llu: its bmbt leaf's left sibling is not the root's previous",
					       (unsigned long long)ino);
		if ((err = xlog_bmbt_leaf(f, sib, ino, &s)))
			return err;
		if ((sn = get_be16(s->b + 6)) < lrecs) {
			memcpy(s->b + hdr + (size_t)sn * BMBT_REC, b->b + hdr, BMBT_REC);
			put_be16(s->b + 6, (uint16_t)(sn + 1));
			memmove(b->b + hdr, b->b + hdr + BMBT_REC, (size_t)(lrecs - 1) * BMBT_REC);
			xlog_bmbt_leaf_put(b->b + hdr, lrecs - 1, at - 1, nw);
			xlog_bmbt_root_key(root, i, b->b, hdr);
			s->dirty = b->dirty = true;
			return 0;
		}
	}
	/* __xfs_btree_split */
	if (nr >= maxr)
		return xlog_fin_refuse(f, "inode %llu: its bmbt root is full (a new level, not done yet)",
				       (unsigned long long)ino);
	if ((self >> fs->sb.agblklog) >= fs->sb.agcount)
		return xlog_fin_refuse(f, "inode %llu: its bmbt pointer %llu is out of the filesystem",
				       (unsigned long long)ino, (unsigned long long)self);
	if ((err = xlog_bmbt_alloc(f, (uint32_t)(self >> fs->sb.agblklog), (uint32_t)(self & ((1ull << fs->sb.agblklog) - 1)),
			      ino, &bno)))
		return err;
	rfsb = (self >> fs->sb.agblklog << fs->sb.agblklog) | bno;
	if ((err = xlog_fin_get_new(f, xlog_ag_daddr(fs, (uint32_t)(self >> fs->sb.agblklog), bno),
				    fs->blocksize / XLOG_BBSIZE, K_BMBT, &r)))
		return err;
	xlog_bmbt_leaf_init(fs, r, ino);
	rrecs = lrecs / 2;
	if ((lrecs & 1) && ptr <= rrecs + 1)
		rrecs++;
	memcpy(r->b + hdr, b->b + hdr + (size_t)(lrecs - rrecs) * BMBT_REC, (size_t)rrecs * BMBT_REC);
	lrecs -= rrecs;
	sib = get_be64(b->b + 16);
	put_be64(r->b + 16, sib);
	put_be64(r->b + 8, self);
	put_be64(b->b + 16, rfsb);
	if (sib != UINT64_MAX) {
		if ((err = xlog_bmbt_leaf(f, sib, ino, &s)))
			return err;
		put_be64(s->b + 8, rfsb);
		s->dirty = true;
	}
	if (ptr > lrecs + 1)
		xlog_bmbt_leaf_put(r->b + hdr, rrecs++, ptr - lrecs - 1, nw);
	else
		xlog_bmbt_leaf_put(b->b + hdr, lrecs++, at, nw);
	put_be16(b->b + 6, (uint16_t)lrecs);
	put_be16(r->b + 6, (uint16_t)rrecs);
	r->dirty = b->dirty = true;
	if (at == 0)
		xlog_bmbt_root_key(root, i, b->b, hdr);
	/* the new block's key and pointer after the leaf's in the root */
	memmove(root + 4 + 8 * (size_t)(i + 2), root + 4 + 8 * (size_t)(i + 1), 8 * (size_t)(nr - i - 1));
	memmove(root + 4 + 8 * (size_t)maxr + 8 * (size_t)(i + 2), root + 4 + 8 * (size_t)maxr + 8 * (size_t)(i + 1),
		8 * (size_t)(nr - i - 1));
	xlog_bmbt_root_key(root, i + 1, r->b, hdr);
	put_be64(root + 4 + 8 * (size_t)maxr + 8 * (size_t)(i + 1), rfsb);
	put_be16(root + 2, (uint16_t)(nr + 1));
	put_be64(d + DI_NBLOCKS, get_be64(d + DI_NBLOCKS) + 1);
	return 0;
}
