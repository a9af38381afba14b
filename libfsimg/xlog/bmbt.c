/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bmbt block operations of a BUI's map or unmap (intent_bmap.c) in a
 * data fork in btree form of any height, following 6.1's
 * libxfs/xfs_btree.c with a cursor of levels (struct bcur, the root in the
 * inode its top): the lookup down the tree (xfs_btree_lookup), a block
 * read and checked at its level, keys updated up the path
 * (xfs_btree_update_keys), a new block made (xfs_btree_init_block_int),
 * and an insert (xfs_btree_insert) whose full blocks are made room in
 * (xfs_btree_make_block_unfull: rshift, lshift, split, a new level above
 * a full root, xfs_btree_new_iroot).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/bmbt.h"
#include "xlog/dinode.h"
#include "xlog/finish.h"

/*
 * A new bmbt leaf (xfs_btree_init_block_int): level 0, no records, no siblings; on v5 its
 * address, the filesystem's uuid and its owner; bb_lsn and bb_pad zero, the crc the write's.
 * The header alone is written over the buffer xfs_trans_get_buf gave (xfs_btree_get_buf_block)
 * and the whole buffer goes to disk, so past the records are the buffer's bytes, as
 * xlog_fin_get_buf gives them: zeroes for a block never cached or whose invalidated buffer a
 * completed checkpoint released (a block freed by a truncate comes back only once its busy
 * extent is cleared, with that buffer gone), the old bytes for a block xfs_free_agfl_block
 * invalidated (free and not busy) whose buffer is still held or pinned (xfs_buf_lock forces
 * the log and waits: anear.c).
 */
void xlog_bmbt_leaf_init(const xfs_fs *fs, struct blk *b, uint64_t ino)
{
	memset(b->b, 0, LB_HDR(fs));
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

/* The root's level and records (at d + lit_off, forksz bytes: maxr entries), checked:
 * a level of 1 up to BMBT_MAXLEVELS - 1 and 1 to maxr records. */
int xlog_bcur_init(struct bcur *c, struct fin *f, uint8_t *d, uint64_t ino, uint32_t forksz)
{
	xfs_fs *fs = f->log->fs;
	uint8_t *root = d + fs->lit_off;
	uint32_t lvl = get_be16(root), nr = get_be16(root + 2);

	memset(c, 0, sizeof *c);
	c->f = f;
	c->d = d;
	c->ino = ino;
	c->hdr = LB_HDR(fs);
	c->maxr = forksz >= 4 ? (forksz - 4) / 16 : 0;
	c->maxrecs = (fs->blocksize - c->hdr) / BMBT_REC;
	c->firstblock = UINT64_MAX;
	if (lvl == 0 || lvl >= BMBT_MAXLEVELS || nr == 0 || nr > c->maxr ||
	    fs->lit_off + 4 + 16 * (size_t)c->maxr > fs->sb.inodesize)
		return xlog_fin_refuse(f, "inode %llu: a data fork btree of %u levels and %u root records",
				       (unsigned long long)ino, lvl, nr);
	c->nlev = lvl + 1;
	return 0;
}

static uint8_t *bcur_root(const struct bcur *c)
{
	return c->d + c->f->log->fs->lit_off;
}

/* The root in the inode changed (logged with XFS_ILOG_DBROOT). */
static void bcur_root_logged(struct bcur *c)
{
	c->broot = true;
	if (c->first == BCUR_LOG_NONE)
		c->first = BCUR_LOG_ROOT;
}

/* Level l's block header (the root's bmdr header is its first four bytes). */
uint32_t xlog_bcur_nrecs(const struct bcur *c, uint32_t l)
{
	return l + 1 == c->nlev ? get_be16(bcur_root(c) + 2) : get_be16(c->b[l]->b + 6);
}

static void bcur_set_nrecs(struct bcur *c, uint32_t l, uint32_t n)
{
	if (l + 1 == c->nlev) {
		put_be16(bcur_root(c) + 2, (uint16_t)n);
		bcur_root_logged(c);
	} else {
		put_be16(c->b[l]->b + 6, (uint16_t)n);
		c->b[l]->dirty = true;
		xlog_fin_log_range(c->f, c->b[l], 0, c->hdr - 1); /* xfs_btree_log_block */
	}
}

static uint32_t bcur_max(const struct bcur *c, uint32_t l)
{
	return l + 1 == c->nlev ? c->maxr : c->maxrecs;
}

/* Entry i of level l: a leaf's record, a node's (or the root's) key; its pointer. */
uint8_t *xlog_bcur_rec(const struct bcur *c, uint32_t l, uint32_t i)
{
	if (l + 1 == c->nlev)
		return bcur_root(c) + 4 + 8 * (size_t)i;
	return c->b[l]->b + c->hdr + (size_t)i * (l ? 8 : BMBT_REC);
}

static uint8_t *bcur_ptr(const struct bcur *c, uint32_t l, uint32_t i)
{
	if (l + 1 == c->nlev)
		return bcur_root(c) + 4 + 8 * (size_t)c->maxr + 8 * (size_t)i;
	return c->b[l]->b + c->hdr + 8 * (size_t)c->maxrecs + 8 * (size_t)i;
}

/* The block at fsb as level l of the inode's bmbt: magic, level, a count within the block
 * and at least one, its address and owner (v5), and each sibling null or a block of the
 * filesystem other than itself (xfs_btree_check_lblock_siblings: the read verifier fails
 * the mount there, and a log that gave the block such a sibling fails the replay's write). */
static int bcur_read(struct bcur *c, uint32_t l, uint64_t fsb, struct blk **b)
{
	struct fin *f = c->f;
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog, ag = (uint32_t)(fsb >> aglog), agbno = (uint32_t)(fsb & ((1ull << aglog) - 1));
	uint32_t n;
	int err;

	/* xfs_verify_fsbno: within its AG's length, the last AG's (xfs_ag_block_count) shorter */
	if (agbno == 0 || !xfs_fsb_range_ok(fs, fsb, 1))
		return xlog_fin_refuse(f, "inode %llu: its bmbt pointer %llu is out of the filesystem",
				       (unsigned long long)c->ino, (unsigned long long)fsb);
	if ((err = xlog_fin_get(f, xlog_ag_daddr(fs, ag, agbno), fs->blocksize / XLOG_BBSIZE, K_BMBT, b)))
		return err;
	n = get_be16((*b)->b + 6);
	if (get_be32((*b)->b) != (fs->v5 ? BMAP_CRC_MAGIC : BMAP_MAGIC) || get_be16((*b)->b + 4) != l || n == 0 ||
	    n > c->maxrecs || (fs->v5 && (get_be64((*b)->b + 24) != (*b)->daddr || get_be64((*b)->b + 56) != c->ino)))
		return xlog_fin_refuse(f, "inode %llu: its bmbt block %llu (level %u) is not what it should be",
				       (unsigned long long)c->ino, (unsigned long long)fsb, l);
	for (int s = 0; s < 2; s++) {
		uint64_t sib = get_be64((*b)->b + 8 + 8 * s), sbno = sib & ((1ull << aglog) - 1);
		if (sib != UINT64_MAX && (sib == fsb || sbno == 0 || !xfs_fsb_range_ok(fs, sib, 1)))
			return xlog_fin_refuse(f, "inode %llu: its bmbt block %llu has a bad %s sibling %llu",
					       (unsigned long long)c->ino, (unsigned long long)fsb,
					       s ? "right" : "left", (unsigned long long)sib);
	}
	return 0;
}

/* The block below entry ptr[l] of level l, read into level l - 1. */
static int bcur_down(struct bcur *c, uint32_t l)
{
	return bcur_read(c, l - 1, get_be64(bcur_ptr(c, l, c->ptr[l])), &c->b[l - 1]);
}

/*
 * xfs_btree_lookup(XFS_LOOKUP_LE) of off: at each level the last key at or before off
 * (else the first); in the leaf (its extents checked in order) ptr[0] the first record
 * past off, *prev the one before it and *next that one (zero when there is none).
 */
int xlog_bcur_lookup(struct bcur *c, uint64_t off, struct bext *prev, struct bext *next)
{
	uint32_t l, i, n;
	int err;

	for (l = c->nlev - 1; l > 0; l--) {
		n = xlog_bcur_nrecs(c, l);
		for (i = 0; i + 1 < n && get_be64(xlog_bcur_rec(c, l, i + 1)) <= off; i++)
			;
		c->ptr[l] = i;
		if ((err = bcur_down(c, l)))
			return err;
	}
	n = xlog_bcur_nrecs(c, 0);
	*prev = *next = (struct bext){ 0 };
	for (i = 0; i < n; i++) {
		bext_get(next, xlog_bcur_rec(c, 0, i));
		if (next->len == 0 || (i && next->off < prev->off + prev->len))
			return xlog_fin_refuse(c->f, "inode %llu: its bmbt leaf's extents are not in order",
					       (unsigned long long)c->ino);
		if (next->off > off)
			break;
		*prev = *next;
	}
	if (i == n)
		*next = (struct bext){ 0 };
	c->ptr[0] = i;
	return 0;
}

/* The first key of level l's block (a leaf's first record's offset). */
static uint64_t bcur_first_key(const struct bcur *c, uint32_t l)
{
	struct bext e;

	if (l)
		return get_be64(xlog_bcur_rec(c, l, 0));
	bext_get(&e, xlog_bcur_rec(c, 0, 0));
	return e.off;
}

/* xfs_btree_update_keys: level l's first key into its parent's entry, on up while the
 * entry is its block's first; the root's keys logged (XFS_ILOG_DBROOT) when reached. */
void xlog_bcur_update_keys(struct bcur *c, uint32_t l)
{
	uint64_t key = bcur_first_key(c, l);

	for (l++; l < c->nlev; l++) {
		put_be64(xlog_bcur_rec(c, l, c->ptr[l]), key);
		if (l + 1 == c->nlev)
			bcur_root_logged(c);
		else
			c->b[l]->dirty = true;
		xlog_fin_log_at(c->f, c->b[l], xlog_bcur_rec(c, l, c->ptr[l]), l + 1 < c->nlev ? 8 : 0);
		if (c->ptr[l] != 0)
			break;
	}
}

/* xfs_btree_increment (dir 1) at level l past its block's last entry, or
 * xfs_btree_decrement (dir -1) before its first: the next or previous block of that level
 * and the path to it (a level above stepped on, down its first or last entries); *none
 * when there is none (the cursor left as it was). 0, 1 or <0. */
static int bcur_step_block(struct bcur *c, uint32_t l, int dir, bool *none)
{
	uint32_t k = l + 1;
	int err;

	while (k < c->nlev && (dir > 0 ? c->ptr[k] + 1 >= xlog_bcur_nrecs(c, k) : c->ptr[k] == 0))
		k++;
	*none = k == c->nlev;
	if (*none)
		return 0;
	c->ptr[k] += dir > 0 ? 1 : UINT32_MAX;
	for (; k > l; k--) {
		if ((err = bcur_down(c, k)))
			return err;
		c->ptr[k - 1] = dir > 0 ? 0 : xlog_bcur_nrecs(c, k - 1) - 1;
	}
	return 0;
}

int xlog_bcur_next_block(struct bcur *c, uint32_t l, bool *none)
{
	return bcur_step_block(c, l, 1, none);
}

/* n entries of level l (records, or keys with their pointers) moved from index s of block
 * from to index t of block to (the same or another). */
static void bcur_move(struct bcur *c, uint32_t l, uint8_t *from, uint32_t s, uint8_t *to, uint32_t t, uint32_t n)
{
	if (l == 0) {
		memmove(to + c->hdr + (size_t)t * BMBT_REC, from + c->hdr + (size_t)s * BMBT_REC, (size_t)n * BMBT_REC);
		return;
	}
	memmove(to + c->hdr + 8 * (size_t)t, from + c->hdr + 8 * (size_t)s, 8 * (size_t)n);
	memmove(to + c->hdr + 8 * (size_t)(c->maxrecs + t), from + c->hdr + 8 * (size_t)(c->maxrecs + s), 8 * (size_t)n);
}

/* Level l's block address (its parent's pointer to it). */
static uint64_t bcur_self(const struct bcur *c, uint32_t l)
{
	return get_be64(bcur_ptr(c, l + 1, c->ptr[l + 1]));
}

/* xfs_bmbt_alloc_block: a block near the transaction's first one, else near fsb (6.1's
 * XFS_ALLOCTYPE_NEAR_BNO or START_BNO, both near it in its AG here), made a block of
 * level l for the inode; di_nblocks up by one (its dquot charge with the allocation). */
static int bcur_alloc(struct bcur *c, uint64_t fsb, uint32_t l, uint64_t *nfsb, struct blk **nb)
{
	xfs_fs *fs = c->f->log->fs;
	uint32_t aglog = fs->sb.agblklog, bno;
	uint64_t near = c->firstblock != UINT64_MAX ? c->firstblock : fsb;
	uint32_t nforce0 = c->f->nforce;
	int err;

	if ((near >> aglog) >= fs->sb.agcount)
		return xlog_fin_refuse(c->f, "inode %llu: its bmbt pointer %llu is out of the filesystem",
				       (unsigned long long)c->ino, (unsigned long long)near);
	if ((err = xlog_bmbt_alloc(c->f, (uint32_t)(near >> aglog), (uint32_t)(near & ((1ull << aglog) - 1)), c->ino,
				   &bno)))
		return err;
	*nfsb = (near >> aglog << aglog) | bno;
	if (c->firstblock == UINT64_MAX)
		c->firstblock = *nfsb;
	if (c->first == BCUR_LOG_NONE)
		c->first = BCUR_LOG_CORE;
	if ((err = xlog_fin_get_buf(c->f, xlog_ag_daddr(fs, (uint32_t)(near >> aglog), bno), fs->blocksize / XLOG_BBSIZE,
				    K_BMBT, nforce0, nb)))
		return err;
	xlog_bmbt_leaf_init(fs, *nb, c->ino);
	put_be16((*nb)->b + 4, (uint16_t)l);
	(*nb)->dirty = true;
	xlog_fin_log_range(c->f, *nb, 0, c->hdr - 1); /* its callers log XFS_BB_ALL_BITS */
	put_be64(c->d + DI_NBLOCKS, get_be64(c->d + DI_NBLOCKS) + 1);
	return 0;
}

/*
 * xfs_btree_rshift at level l (a block, full): unless the insert goes at or past its last
 * entry, a right sibling with room takes that entry at its front, and its keys follow up
 * its own path (a duplicate cursor stepped on, xfs_btree_increment). *done: shifted.
 */
static int bcur_rshift(struct bcur *c, uint32_t l, bool *done)
{
	uint32_t lrecs = xlog_bcur_nrecs(c, l), rrecs;
	uint64_t sib = get_be64(c->b[l]->b + 16);
	struct bcur t = *c;
	bool none;
	int err;

	*done = false;
	if (sib == UINT64_MAX || c->ptr[l] + 1 >= lrecs)
		return 0;
	t.ptr[l] = lrecs - 1;
	if ((err = xlog_bcur_next_block(&t, l, &none)))
		return err;
	if (none || get_be64(bcur_ptr(&t, l + 1, t.ptr[l + 1])) != sib)
		return xlog_fin_refuse(c->f, "inode %llu: its bmbt block's right sibling is not the next block",
				       (unsigned long long)c->ino);
	if ((rrecs = xlog_bcur_nrecs(&t, l)) == c->maxrecs)
		return 0;
	bcur_move(c, l, t.b[l]->b, 0, t.b[l]->b, 1, rrecs);
	bcur_move(c, l, c->b[l]->b, lrecs - 1, t.b[l]->b, 0, 1);
	bcur_set_nrecs(c, l, lrecs - 1);
	bcur_set_nrecs(&t, l, rrecs + 1);
	xlog_fin_log_lents(c->f, t.b[l], c->hdr, c->maxrecs, 0, rrecs);
	xlog_bcur_update_keys(&t, l);
	xlog_bcur_merge(c, &t);
	XFIN_COUNT(c->f, XFC_BMBT_RSHIFT);
	*done = true;
	return 0;
}

/* xfs_btree_lshift at level l: unless the insert goes at the front, a left sibling with
 * room takes the first entry; this block's keys follow, the cursor slides left one. */
static int bcur_lshift(struct bcur *c, uint32_t l, bool *done)
{
	uint32_t rrecs = xlog_bcur_nrecs(c, l), lrecs;
	uint64_t sib = get_be64(c->b[l]->b + 8);
	struct blk *lb;
	int err;

	*done = false;
	if (sib == UINT64_MAX || c->ptr[l] == 0)
		return 0;
	if ((err = bcur_read(c, l, sib, &lb)))
		return err;
	if ((lrecs = get_be16(lb->b + 6)) == c->maxrecs)
		return 0;
	bcur_move(c, l, c->b[l]->b, 0, lb->b, lrecs, 1);
	bcur_move(c, l, c->b[l]->b, 1, c->b[l]->b, 0, rrecs - 1);
	put_be16(lb->b + 6, (uint16_t)(lrecs + 1));
	lb->dirty = true;
	xlog_fin_log_range(c->f, lb, 0, c->hdr - 1);
	xlog_fin_log_lents(c->f, lb, c->hdr, c->maxrecs, lrecs, lrecs);
	xlog_fin_log_lents(c->f, c->b[l], c->hdr, c->maxrecs, 0, (int64_t)rrecs - 2);
	bcur_set_nrecs(c, l, rrecs - 1);
	xlog_bcur_update_keys(c, l);
	c->ptr[l]--;
	XFIN_COUNT(c->f, XFC_BMBT_LSHIFT);
	*done = true;
	return 0;
}

/*
 * __xfs_btree_split at level l: a new block (bcur_alloc near this one) takes the upper
 * half (the odd entry to the right when the insert goes in the lower half), the sibling
 * links (and the old right sibling's left link) follow; the cursor moves right when the
 * insert lies past the left's end + 1. *key and *fsb: the new block's first key and
 * address for the level above, *n the cursor that inserts them (xfs_btree_dup_cursor,
 * its entry above stepped on).
 */
static int bcur_split(struct bcur *c, uint32_t l, uint64_t *key, uint64_t *fsb, struct bcur *n)
{
	uint32_t lrecs = xlog_bcur_nrecs(c, l), rrecs;
	uint64_t self = bcur_self(c, l), sib;
	struct blk *r, *s;
	int err;

	XFIN_COUNT(c->f, XFC_BMBT_SPLIT);
	if ((err = bcur_alloc(c, self, l, fsb, &r)))
		return err;
	rrecs = lrecs / 2;
	if ((lrecs & 1) && c->ptr[l] + 1 <= rrecs + 1)
		rrecs++;
	bcur_move(c, l, c->b[l]->b, lrecs - rrecs, r->b, 0, rrecs);
	xlog_fin_log_lents(c->f, r, c->hdr, c->maxrecs, 0, (int64_t)rrecs - 1);
	lrecs -= rrecs;
	put_be16(r->b + 6, (uint16_t)rrecs);
	bcur_set_nrecs(c, l, lrecs);
	sib = get_be64(c->b[l]->b + 16);
	put_be64(r->b + 16, sib);
	put_be64(r->b + 8, self);
	put_be64(c->b[l]->b + 16, *fsb);
	if (sib != UINT64_MAX) {
		if ((err = bcur_read(c, l, sib, &s)))
			return err;
		put_be64(s->b + 8, *fsb);
		s->dirty = true;
		xlog_fin_log_range(c->f, s, 8, 15);
	}
	*key = l ? get_be64(r->b + c->hdr) : (get_be64(r->b + c->hdr) >> 9) & ((1ull << 54) - 1);
	if (c->ptr[l] + 1 > lrecs + 1) {
		c->b[l] = r;
		c->ptr[l] -= lrecs;
	}
	*n = *c;
	n->ptr[l + 1]++;
	return 0;
}

/*
 * xfs_btree_new_iroot: the inode's full root copied into a new block (bcur_alloc near
 * the transaction's first block, else near the root's first pointer) of its level, the
 * root one level up with that block its only entry (its key the first); the cursor's
 * root level becomes that block. The root's other slots keep their bytes (xfs_bmbt_to_bmdr
 * writes only the entries in use).
 */
static int bcur_new_iroot(struct bcur *c)
{
	uint32_t l = c->nlev - 1, nr = xlog_bcur_nrecs(c, l);
	uint8_t *root = bcur_root(c);
	struct blk *nb;
	uint64_t fsb;
	int err;

	if (c->nlev + 1 > BMBT_MAXLEVELS || nr > c->maxrecs)
		return xlog_fin_refuse(c->f, "inode %llu: a bmbt of %u levels", (unsigned long long)c->ino, c->nlev + 1);
	XFIN_COUNT(c->f, XFC_BMBT_NEW_IROOT);
	if ((err = bcur_alloc(c, get_be64(bcur_ptr(c, l, 0)), l, &fsb, &nb)))
		return err;
	put_be16(nb->b + 6, (uint16_t)nr);
	memcpy(nb->b + c->hdr, root + 4, 8 * (size_t)nr);
	memcpy(nb->b + c->hdr + 8 * (size_t)c->maxrecs, bcur_ptr(c, l, 0), 8 * (size_t)nr);
	xlog_fin_log_lents(c->f, nb, c->hdr, c->maxrecs, 0, (int64_t)nr - 1);
	put_be64(bcur_ptr(c, l, 0), fsb);
	put_be16(root, (uint16_t)(l + 1));
	put_be16(root + 2, 1);
	c->nlev++;
	c->b[l] = nb;
	c->ptr[l + 1] = 0;
	bcur_root_logged(c);
	return 0;
}

/* Entry idx of level l (n of them) made room for and set: a leaf's record rec, else key
 * and pointer. */
static void bcur_put(struct bcur *c, uint32_t l, uint32_t idx, uint32_t n, const uint8_t *rec, uint64_t key,
		     uint64_t fsb)
{
	if (l + 1 == c->nlev) {
		memmove(xlog_bcur_rec(c, l, idx + 1), xlog_bcur_rec(c, l, idx), 8 * (size_t)(n - idx));
		memmove(bcur_ptr(c, l, idx + 1), bcur_ptr(c, l, idx), 8 * (size_t)(n - idx));
	} else {
		bcur_move(c, l, c->b[l]->b, idx, c->b[l]->b, idx + 1, n - idx);
	}
	if (l == 0) {
		memcpy(xlog_bcur_rec(c, 0, idx), rec, BMBT_REC);
	} else {
		put_be64(xlog_bcur_rec(c, l, idx), key);
		put_be64(bcur_ptr(c, l, idx), fsb);
	}
	bcur_set_nrecs(c, l, n + 1);
	if (l + 1 < c->nlev)
		xlog_fin_log_lents(c->f, c->b[l], c->hdr, c->maxrecs, idx, n); /* xfs_btree_insrec */
}

/*
 * xfs_btree_insert of e at the cursor's leaf entry: xfs_btree_insrec at each level, a
 * full block made room in by xfs_btree_make_block_unfull (the root in the inode: a new
 * level, xfs_btree_new_iroot, when it has no room for another entry; else rshift, lshift,
 * split); an insert at a block's front updates the keys above it; a split's new block
 * goes into the level above. The cursor's path is spent.
 */
int xlog_bcur_insert(struct bcur *c, const struct bext *e)
{
	uint8_t rec[BMBT_REC];
	uint64_t key = 0, fsb = 0;
	struct bcur cur = *c, n;
	int err;

	bext_put(rec, e);
	for (uint32_t l = 0;; l++) {
		uint32_t optr = cur.ptr[l];
		bool split = false, done = false;
		uint64_t nkey = 0, nfsb = 0;

		if (xlog_bcur_nrecs(&cur, l) >= bcur_max(&cur, l)) {
			if (l + 1 == cur.nlev) {
				if ((err = bcur_new_iroot(&cur)))
					return err;
			} else {
				if ((err = bcur_rshift(&cur, l, &done)) || (!done && (err = bcur_lshift(&cur, l, &done))))
					return err;
				if (!done) {
					if ((err = bcur_split(&cur, l, &nkey, &nfsb, &n)))
						return err;
					split = true;
				}
			}
		}
		bcur_put(&cur, l, cur.ptr[l], xlog_bcur_nrecs(&cur, l), rec, key, fsb);
		if (optr == 0)
			xlog_bcur_update_keys(&cur, l);
		if (!split)
			break;
		xlog_bcur_merge(&n, &cur);
		n.firstblock = cur.firstblock;
		cur = n;
		key = nkey;
		fsb = nfsb;
	}
	xlog_bcur_merge(c, &cur);
	c->firstblock = cur.firstblock;
	c->nlev = cur.nlev;
	return 0;
}

/*
 * xfs_btree_delrec's rebalance of level l's block of the cursor, left under its minimum
 * by a delete (not the root's): the right sibling gives its first entry when it has more
 * than the minimum (xfs_btree_lshift on a cursor at its last entry; its keys follow),
 * else the left sibling its last (xfs_btree_rshift on a cursor at its first; this block's
 * keys follow). With check, nothing is changed: *done says whether one would be. A join
 * is left to the caller (*done false). 0, 1 or <0.
 */
int xlog_bcur_rebalance(struct bcur *c, uint32_t l, bool check, bool *done)
{
	uint32_t min = c->maxrecs / 2;
	struct bcur t;
	bool none;
	int err;

	*done = false;
	for (int dir = 1; dir >= -1 && !*done; dir -= 2) {
		if (get_be64(c->b[l]->b + (dir > 0 ? 16 : 8)) == UINT64_MAX)
			continue;
		t = *c;
		if ((err = bcur_step_block(&t, l, dir, &none)))
			return err;
		if (none || xlog_bcur_nrecs(&t, l) - 1 < min)
			continue;
		if (check) {
			*done = true;
			return 0;
		}
		t.ptr[l] = dir > 0 ? xlog_bcur_nrecs(&t, l) - 1 : 0;
		if ((err = dir > 0 ? bcur_lshift(&t, l, done) : bcur_rshift(&t, l, done)))
			return err;
		xlog_bcur_merge(c, &t);
	}
	return 0;
}
