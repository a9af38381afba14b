/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Freeing the inodes left on the AGI unlinked lists (ifree.c), in parts:
 * the inode btrees' edits (ifree_ibt.c) and the data fork's truncate
 * (ifree_fork.c).
 */
#ifndef FSIMG_XLOG_IFREE_H
#define FSIMG_XLOG_IFREE_H

#include "xlog/dinode.h"
#include "xlog/rmap.h"

#define INOBT_REC_LEN 16u
#define INODES_PER_CHUNK 64u
#define BMBT_REC_LEN 16u

/* the AGI fields used (struct xfs_agi) */
#define AGI_COUNT 16u
#define AGI_ROOT 20u
#define AGI_LEVEL 24u
#define AGI_FREECOUNT 28u
#define AGI_UNLINKED 40u
#define AGI_CRC 312u
#define AGI_LSN 320u
#define AGI_FREE_ROOT 328u
#define AGI_FREE_LEVEL 332u

/* ifree_ibt.c: xfs_difree_inobt, the inobt record of agino set free and the AGI's counts;
 * rec gets the record after; *deleted: the chunk is now free and its record removed (the
 * caller frees the chunk). 0, 1 (refused) or <0. */
int xlog_fin_difree_inobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino,
			  uint8_t rec[INOBT_REC_LEN], bool *deleted) XFS_HIDDEN;
/* xfs_difree_finobt: the finobt record updated (removed when deleted), or inserted when
 * its chunk had no free inode. 0, 1 (refused) or <0. */
int xlog_fin_difree_finobt(struct fin *f, uint32_t ag, struct blk *agi, uint32_t agino,
			   const uint8_t rec[INOBT_REC_LEN], bool deleted) XFS_HIDDEN;
/* xfs_difree_inode_chunk: the freed chunk's blocks (inobt record rec) freed as the ifree
 * transaction's deferred frees finish them; *ntx counts the transactions. 0, 1 or <0. */
int xlog_fin_ichunk_free(struct fin *f, uint32_t ag, const uint8_t rec[INOBT_REC_LEN], uint32_t *ntx) XFS_HIDDEN;
/* The freed chunk's clusters staled in the running checkpoint: a force after is sized again. */
void xlog_fin_ichunk_sized(struct fin *f) XFS_HIDDEN;

/* A data fork's bmbt as the truncate sees it: the root in the inode over nleaf leaves
 * (left to right), each leaf's block and record count, a block's min and max; with the
 * root at level 2, the nnode blocks of level 1 between (each over ncnt[] of the leaves in
 * order), rootmax the root's room; nnode 0: the root at level 1. freed[]: the blocks the
 * last delete freed (nfreed), in the order xfs_btree_delrec frees them. */
#define BMBT_LEAVES_MAX 1280u /* leaves read, more refused (a root at level 2 over 20 blocks of 1 KiB: 1180) */
#define BMBT_NODES_MAX 128u   /* more than an inode root's pointers (a 2 KiB inode's: 127) */
struct bmbt {
	uint32_t nleaf, minrecs, maxrecs;
	uint64_t leaf[BMBT_LEAVES_MAX];
	uint32_t cnt[BMBT_LEAVES_MAX];
	uint32_t nnode, rootmax;
	uint64_t node[BMBT_NODES_MAX];
	uint32_t ncnt[BMBT_NODES_MAX];
	uint64_t freed[3];
	uint32_t nfreed;
	uint8_t ilog;     /* how the last delete first logged the inode (BMBT_ILOG_*) */
	uint32_t nobump;  /* the truncate's unmaps whose first log was ROOT (not the data fork's first) */
};
#define BMBT_ILOG_NONE 0u /* not at all (the unmap logs the core at its end) */
#define BMBT_ILOG_CORE 1u /* the core first: a joined block's free (xfs_bmbt_free_block) */
#define BMBT_ILOG_ROOT 2u /* the root in the inode first (XFS_ILOG_DBROOT: a key updated) */

/* ifree_fork.c: xfs_btree_delete of the bmbt's last record (t may be NULL or empty); the
 * first block it frees (all in t->freed), else UINT64_MAX. */
uint64_t xlog_fin_bmbt_delete(struct bmbt *t) XFS_HIDDEN;
/* ifree_fork.c: one extent record (struct xfs_bmbt_rec): file offset, block, length. */
void xlog_fin_bmbt_rec(const uint8_t *r, uint64_t *off, uint64_t *fsb, uint32_t *len) XFS_HIDDEN;
/* ifree_fork.c: a fork's n extents (records at recs) truncated as xfs_itruncate_extents
 * does; t its bmbt (NULL in extents form), maxext the extents its fork holds, af the
 * fork's rmap flag (RMAP_F_ATTR for the attribute fork, else 0); *ntx the transactions.
 * 0, 1 (refused) or <0. */
int xlog_fin_truncate_extents(struct fin *f, const uint8_t *recs, uint32_t n, uint64_t nblocks, bool reflink,
			      uint64_t ino, struct bmbt *t, uint32_t maxext, uint32_t af, uint32_t *ntx) XFS_HIDDEN;
/* Frees queued in one transaction (n of them at q), finished as xfs_defer_finish does:
 * up to XFS_EFI_MAX_FAST_EXTENTS an intent, each intent's sorted by AG; *ntx counts the
 * intents' transactions. 0, 1 (refused) or <0. */
int xlog_fin_free_queue(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx) XFS_HIDDEN;
/* The same for the frees of the intent at the head of a truncate round's queue (rmap.c's
 * f->dfp: logged by the round's unmap, the round's other intents behind it), taken off the
 * queue as its done item is logged. */
int xlog_fin_free_queued(struct fin *f, struct efree *q, uint32_t n, uint32_t *ntx) XFS_HIDDEN;
/* A fork in btree form (its root at root in the inode at level 1 or 2, fork bytes its
 * room): its blocks read into *t, their n records copied into *recs (malloc'd, the
 * caller frees it). 0, 1 (refused) or <0. */
int xlog_fin_bmbt_read(struct fin *f, const uint8_t *root, uint32_t fork, uint64_t ino, uint32_t n,
		       struct bmbt *t, uint8_t **recs) XFS_HIDDEN;

/* An attribute fork with blocks as xfs_attr_inactive sees it: its n extents (records at
 * recs: in the inode, or own when read from its bmbt t), the blocks they and the bmbt
 * leaves hold, the extents the fork holds in extents form, and the transactions
 * xfs_attr3_root_inactive rolls (one per block of the attribute tree). */
struct afork {
	uint32_t n, maxext, rolls, nda;
	uint64_t *da; /* the tree's blocks (daddrs) in the order the walk invalidates them */
	uint64_t blocks;
	const uint8_t *recs;
	uint8_t *own;
	bool btree;
	struct bmbt t;
};
/* ifree_attr.c: inode d's attribute fork read and its tree walked (nothing changed); a->n
 * is 0 when it has no extents. On 0, a->own is the caller's until xlog_fin_attr_inactive.
 * 0, 1 (refused) or <0. */
int xlog_fin_attr_read(struct fin *f, const uint8_t *d, uint64_t ino, struct afork *a) XFS_HIDDEN;
/* ifree_attr.c: the fork's blocks freed (xfs_itruncate_extents of XFS_ATTR_FORK), a->own
 * freed; *ntx the truncate's transactions. 0, 1 (refused) or <0. */
int xlog_fin_attr_inactive(struct fin *f, struct afork *a, uint64_t ino, uint32_t *ntx) XFS_HIDDEN;

/* ifree_iget.c: entry e of an unlinked list (head: the first of its bucket's chain) as
 * xlog_recover_iunlink_bucket meets it: 0 (xfs_iget reads it: free it), 2 (it fails on the
 * head: the bucket cleared in a transaction of its own, the rest of the chain left), 1
 * (refused: a loop, or a failure past the head, which shuts the kernel down) or <0. */
int xlog_fin_iunl_check(struct fin *f, const struct xlog_pending *e, bool head) XFS_HIDDEN;

#endif /* FSIMG_XLOG_IFREE_H */
