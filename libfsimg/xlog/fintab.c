/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The blocks a finish holds (struct fin's f->blk): read once through the
 * recovery overlay, changed in memory, written back at the end (ifree.c,
 * xlog_fin_writeback). Up to FIN_BLKS of them, their bytes bounded by
 * FIN_HELD_BYTES, found through an index by daddr (hash chains of the
 * blocks starting in each 64 KiB of the device), so a lookup costs the same
 * with thousands held as with a few; and the inodes the finish logs
 * (f->ino), chained by their block.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/ifree.h"
#include "xlog/intent.h"

#ifdef MAP_NORESERVE
#define FIN_NORESERVE MAP_NORESERVE
#else
#define FIN_NORESERVE 0
#endif

/* Where a v5 block of this kind keeps its crc32c (inode clusters: each inode its own). */
static size_t fin_crc_off(enum kind kind)
{
	switch (kind) {
	case K_AGF: return offsetof(struct xfs_agf, agf_crc);
	case K_AGI: return offsetof(struct xfs_agi, agi_crc);
	case K_AGFL: return XFS_AGFL_CRC_OFF;
	case K_BMBT: return XFS_BTREE_LBLOCK_CRC_OFF;
	default: return XFS_BTREE_SBLOCK_CRC_OFF;
	}
}

static const char *fin_kind_name(enum kind kind)
{
	static const char *const names[] = { "AGI", "AGF", "btree block", "inode cluster", "AGFL", "bmbt block",
						    "dquot block", "attribute block" };

	return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "block";
}

/* A freed block: its buffer invalidated (xfs_trans_binval) and not taken back since. */
static bool fin_freed(const struct blk *b)
{
	return b->stale && !b->dirty;
}

/*
 * The held blocks' index: chains of the blocks starting in each FIN_HASH_BBS basic blocks
 * of the device, hashed into f->hhead (grown with f->nblk), so a lookup looks at the few
 * blocks near the range asked, not at every block held.
 */
#define FIN_HASH_SHIFT 7u /* 64 KiB, the largest block */
#define FIN_HASH_MIN 1024u

static uint32_t fin_hash(const struct fin *f, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & f->hmask;
}

static void fin_hash_add(struct fin *f, size_t i)
{
	uint32_t h = fin_hash(f, f->blk[i].daddr >> FIN_HASH_SHIFT);

	f->blk[i].hnext = f->hhead[h];
	f->hhead[h] = (uint32_t)i + 1;
}

/* Room in the index for one more block: 0 or <0. */
static int fin_hash_room(struct fin *f)
{
	uint32_t n = f->hhead ? f->hmask + 1 : 0;
	uint32_t *h;

	if (f->nblk < n)
		return 0;
	n = n ? 2 * n : FIN_HASH_MIN;
	if (!(h = calloc(n, sizeof *h)))
		return FSIMG_ENOMEM;
	free(f->hhead);
	f->hhead = h;
	f->hmask = n - 1;
	for (size_t i = 0; i < f->nblk; i++)
		fin_hash_add(f, i);
	return 0;
}

size_t xlog_fin_over(const struct fin *f, uint64_t lo, uint64_t hi, uint32_t *out, size_t max)
{
	uint64_t k0 = (lo > f->max_bbs ? lo - f->max_bbs + 1 : 0) >> FIN_HASH_SHIFT, k1;
	uint32_t seen[8];
	size_t n = 0, nseen = 0;

	if (!f->hhead || hi <= lo)
		return 0;
	k1 = (hi - 1) >> FIN_HASH_SHIFT;
	for (uint64_t k = k0; k <= k1; k++) {
		uint32_t h = fin_hash(f, k);
		bool again = false;
		/* (a range wider than 8 keys: its buckets may repeat, and each block is checked
		 * against what is found already) */
		for (size_t j = 0; j < nseen; j++)
			again |= seen[j] == h;
		if (again)
			continue;
		if (nseen < 8)
			seen[nseen++] = h;
		for (uint32_t c = f->hhead[h]; c; c = f->blk[c - 1].hnext) {
			const struct blk *b = &f->blk[c - 1];
			bool dup = false;
			size_t j;
			if (!(lo < b->daddr + b->bbs && b->daddr < hi))
				continue;
			for (j = 0; nseen == 8 && j < n && j < max; j++)
				dup |= out[j] == c - 1;
			if (dup)
				continue;
			/* ascending by index (insertion) */
			for (j = n < max ? n : max; j > 0 && out[j - 1] > c - 1; j--)
				if (j < max)
					out[j] = out[j - 1];
			if (j < max)
				out[j] = c - 1;
			n++;
		}
	}
	return n;
}

struct blk *xlog_fin_at(struct fin *f, uint64_t daddr)
{
	uint32_t over[4];
	size_t n = xlog_fin_over(f, daddr, daddr + 1, over, 4);

	/* (held blocks do not overlap: one at most holds daddr) */
	return n && f->blk[over[0]].daddr == daddr ? &f->blk[over[0]] : NULL;
}

/* The block held at daddr, or the first one the range daddr+bbs overlaps; NULL none. */
static struct blk *fin_find(struct fin *f, uint64_t daddr, uint32_t bbs, bool *exact)
{
	uint32_t over[4];
	size_t n = xlog_fin_over(f, daddr, daddr + bbs, over, 4);

	*exact = false;
	for (size_t j = 0; j < n && j < 4; j++)
		if (f->blk[over[j]].daddr == daddr && f->blk[over[j]].bbs == bbs) {
			*exact = true;
			return &f->blk[over[j]];
		}
	/* (held blocks do not overlap: past 4, the first is still the least index) */
	return n ? &f->blk[over[0]] : NULL;
}

/* The refusal for a block met as another kind than the one held there (a damaged pointer to
 * an AG header or to a block in use), or over part of one. */
static int fin_two_kinds(struct fin *f, const struct blk *b, uint64_t daddr, uint32_t bbs, enum kind kind)
{
	const char *freed = fin_freed(b) ? "freed " : "";

	if (b->daddr != daddr || b->bbs != bbs)
		return xlog_fin_refuse(f, "daddr %llu met as two kinds of block (%s of %u sectors over part of %s%s at "
					  "daddr %llu)", (unsigned long long)daddr, fin_kind_name(kind), bbs, freed,
				       fin_kind_name(b->kind), (unsigned long long)b->daddr);
	return xlog_fin_refuse(f, "daddr %llu met as two kinds of block (%s%s, then %s)", (unsigned long long)daddr, freed,
			       fin_kind_name(b->kind), fin_kind_name(kind));
}

/* The block at daddr as this finish leaves it so far (read through the overlay once). */
static int fin_get(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, bool verify, struct blk **out)
{
	bool exact;
	struct blk *b = fin_find(f, daddr, bbs, &exact);
	int err;

	if (b && exact && b->kind == kind) {
		xlog_fin_watch(f, b);
		*out = b;
		return 0;
	}
	if (b)
		return fin_two_kinds(f, b, daddr, bbs, kind);
	if (f->nblk == FIN_BLKS)
		return xlog_fin_refuse(f, "more than %llu blocks to change", (unsigned long long)FIN_BLKS);
	if (f->held + (uint64_t)bbs * XLOG_BBSIZE > FIN_HELD_BYTES)
		return xlog_fin_refuse(f, "more than %llu MiB of blocks to change (%zu blocks)",
				       (unsigned long long)(FIN_HELD_BYTES >> 20), f->nblk);
	if ((err = fin_hash_room(f)))
		return err;
	b = &f->blk[f->nblk];
	memset(b, 0, sizeof *b);
	if (!(b->b = malloc((size_t)bbs * XLOG_BBSIZE)))
		return FSIMG_ENOMEM;
	if ((err = xlog_ovl_read(f->o, f->log, b->b, daddr, bbs))) {
		free(b->b);
		return err == FSIMG_ECORRUPT ? xlog_fin_refuse(f, "block %llu is past the device", (unsigned long long)daddr)
					     : err;
	}
	b->daddr = daddr;
	b->bbs = bbs;
	b->kind = kind;
	fin_hash_add(f, f->nblk);
	f->nblk++;
	f->held += (uint64_t)bbs * XLOG_BBSIZE;
	if (bbs > f->max_bbs)
		f->max_bbs = bbs;
	xlog_fin_watch(f, b);
	*out = b;
	/* the kernel reads each through its verifier: a v5 block whose crc32c is wrong fails
	 * the mount (-EFSBADCRC); written back by the finish it would carry a good one */
	if (verify && f->log->fs->v5 && kind != K_INODES && !xfs_verify_cksum(b->b, (size_t)bbs * XLOG_BBSIZE, fin_crc_off(kind)))
		return xlog_fin_refuse(f, "daddr %llu (%s) fails its checksum", (unsigned long long)daddr,
				       fin_kind_name(kind));
	return 0;
}

int xlog_fin_get(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, struct blk **out)
{
	return fin_get(f, daddr, bbs, kind, true, out);
}

int xlog_fin_get_new(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, struct blk **out)
{
	return fin_get(f, daddr, bbs, kind, false, out);
}

/*
 * xfs_trans_get_buf of a block the allocator gave (xfs_btree_get_buf_block): the buffer
 * cache's buffer of that daddr and length. A block freed earlier in this finish has a stale
 * one (xfs_buf_find_lock clears XBF_STALE and b_ops, the bytes stay) while it is cached:
 * held by the transaction that freed it (xfs_trans_buf_item_match; xfs_trans_dirty_buf
 * then cancels the invalidation), or pinned by the checkpoint that holds the freeing
 * transaction, locked until that checkpoint completes (xfs_buf_item_release keeps a stale
 * buffer locked; xfs_buf_lock forces the log and waits, holding it: xlog_fin_buf_lock). Once
 * a force's checkpoint completed without a waiter, xfs_buf_item_unpin released it and
 * xfs_buf_rele dropped a stale buffer from the cache: the get allocates a new one, zeroed
 * (xfs_buf_alloc_kmem / _pages: KM_ZERO, __GFP_ZERO without XBF_READ). So a bmbt block a
 * truncate freed may come back through the AGFL as a free space or rmap btree block (or an
 * AG btree block as a bmbt block): the same buffer, of a new kind, whose header the caller
 * writes (the owner, magic and, on v5, the LSN the checkpoint that logs it stamps).
 */
/*
 * A block of an inode chunk this finish freed (xfs_ifree_cluster staled its cluster buffer,
 * xfs_difree freed the chunk) taken back by the allocator. The cluster buffer is the
 * kernel's own, keyed by the cluster's first daddr and its length: a block elsewhere in the
 * cluster, or one shorter than the cluster, is another buffer (_xfs_buf_obj_cmp skips a
 * stale buffer of another length at the same daddr), allocated zeroed with no log force.
 * Its freed inodes were dropped from the finish with the chunk (their items stay in the
 * checkpoint that freed them). Done once that checkpoint is written (the allocator met the
 * chunk's busy extent and forced the log, or a force came between: kernel row
 * g7x-2k-rmap-reflink-holdmixmany); in the checkpoint that freed it, the stale cluster's
 * item and this block's would share the held block's bookkeeping: refused. A cluster of
 * one block is the same buffer: refused unless a force before this allocation dropped it.
 */
static int iblock_reget(struct fin *f, struct blk *b, enum kind kind, uint32_t nforce0, struct blk **out)
{
	bool same = xlog_fin_icluster_bbs(f->log->fs) == b->bbs;

	if (b->ino1)
		return xlog_fin_refuse(f, "daddr %llu, in a freed inode chunk, taken back as a %s while the finish "
					  "holds an inode there", (unsigned long long)b->daddr, fin_kind_name(kind));
	if (b->cp != FIN_CP_WRITTEN || (same && b->wforce >= nforce0))
		return xlog_fin_refuse(f, "daddr %llu, in an inode chunk freed in the running checkpoint, taken back as a "
					  "%s (not done)", (unsigned long long)b->daddr, fin_kind_name(kind));
	XFIN_COUNT(f, XFC_BUF_REGET);
	XFIN_COUNT(f, XFC_BUF_REGET_GONE);
	memset(b->b, 0, (size_t)b->bbs * XLOG_BBSIZE);
	free(b->snap);
	b->snap = NULL;
	b->ibuf = false;
	b->kind = kind;
	/* (its cluster's share counted again without it: force.c, cp_refresh) */
	xlog_fin_watch(f, b);
	*out = b;
	return 0;
}

int xlog_fin_get_buf(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, uint32_t nforce0, struct blk **out)
{
	size_t len = (size_t)bbs * XLOG_BBSIZE, n = f->nblk;
	bool exact;
	struct blk *b = fin_find(f, daddr, bbs, &exact);
	int err;

	if (b && exact && fin_freed(b) && b->kind == K_INODES)
		return iblock_reget(f, b, kind, nforce0, out);
	if (b && exact && fin_freed(b)) {
		XFIN_COUNT(f, XFC_BUF_REGET);
		/* unpinned by a force before this allocation began: gone from the cache */
		if (b->cp == FIN_CP_WRITTEN && b->was_stale && b->wforce < nforce0) {
			XFIN_COUNT(f, XFC_BUF_REGET_GONE);
			memset(b->b, 0, len);
		}
		b->kind = kind;
		xlog_fin_watch(f, b);
		*out = b;
		return 0;
	}
	/* a block in use of this kind keeps its bytes (cached); of another kind, refused */
	if ((err = fin_get(f, daddr, bbs, kind, false, out)))
		return err;
	if (f->nblk > n)
		memset((*out)->b, 0, len);
	return 0;
}

size_t xlog_fin_ino_find(const struct fin *f, size_t blk, uint32_t off)
{
	size_t i = f->nino;

	for (uint32_t c = f->blk[blk].ino1; c; c = f->ino[c - 1].next)
		if (f->ino[c - 1].off == off && c - 1 < i)
			i = c - 1;
	return i;
}

void xlog_fin_ino_relink(struct fin *f)
{
	/* (the blocks left without inodes are the caller's to clear) */
	for (size_t i = 0; i < f->nino; i++)
		f->blk[f->ino[i].blk].ino1 = 0;
	/* (each chain in descending order: xlog_fin_ino_find takes the least) */
	for (size_t i = 0; i < f->nino; i++) {
		f->ino[i].next = f->blk[f->ino[i].blk].ino1;
		f->blk[f->ino[i].blk].ino1 = (uint32_t)i + 1;
	}
}

/* The table's address space reserved whole, its pages given (zeroed) by the kernel as the
 * blocks held reach them: a finish of a few blocks costs a few pages, not FIN_BLKS entries
 * (a calloc of that size may come from the heap, cleared whole). */
struct blk *xlog_fin_blk_alloc(void)
{
	void *p = mmap(NULL, FIN_BLKS * sizeof(struct blk), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | FIN_NORESERVE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void xlog_fin_blk_free(struct blk *b)
{
	if (b)
		munmap(b, FIN_BLKS * sizeof(struct blk));
}

int xlog_fin_ino_add(struct fin *f, size_t blk, uint32_t off, size_t *k)
{
	size_t i = k ? xlog_fin_ino_find(f, blk, off) : f->nino;

	xlog_fin_watch(f, &f->blk[blk]);
	if (i < f->nino) {
		*k = i;
		return 0;
	}
	if (f->nino == f->ino_cap) {
		size_t cap = f->ino_cap ? 2 * f->ino_cap : 64;
		struct fin_ino *n;
		if (f->ino_cap >= FIN_INODES_MAX)
			return xlog_fin_refuse(f, "more than %u inodes to log", FIN_INODES_MAX);
		if (!(n = realloc(f->ino, cap * sizeof *n)))
			return FSIMG_ENOMEM;
		f->ino = n;
		f->ino_cap = cap;
	}
	if (k)
		*k = f->nino;
	f->ino[f->nino] = (struct fin_ino){ .blk = blk, .off = off, .next = f->blk[blk].ino1 };
	f->blk[blk].ino1 = (uint32_t)++f->nino;
	return 0;
}

void xlog_fin_release(struct fin *f)
{
	xlog_fin_cp_free(f);
	free(f->ino);
	free(f->q.att);
	f->ino = NULL;
	f->q.att = NULL;
	f->nino = f->ino_cap = 0;
	f->q.natt = f->q.att_cap = 0;
	for (size_t i = 0; i < f->nblk; i++)
		free(f->blk[i].b);
	xlog_fin_blk_free(f->blk);
	free(f->busy);
	free(f->hhead);
	free(f->watch);
	free(f->one);
	f->one = NULL;
	f->none = f->one_cap = f->one_run = 0;
	f->blk = NULL;
	f->busy = NULL;
	f->hhead = NULL;
	f->watch = NULL;
	f->nblk = f->nbusy = f->busy_cap = 0;
	f->nwatch = f->watch_cap = 0;
}
