/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reverse-mapping btree as the mount's finish edits it (rmap_bt.c: the
 * records and the overlapping btree's keys; rmap.c: xfs_rmap_map, _unmap
 * and their _shared variants, as xfs_rmap_finish_one runs them).
 */
#ifndef FSIMG_XLOG_RMAP_H
#define FSIMG_XLOG_RMAP_H

#include "xlog/agbt.h"

/* Owners that are not inodes (XFS_RMAP_OWN_*), as 64-bit values. */
#define RMAP_OWN_NULL ((uint64_t)-1)    /* no rmap update at all */
#define RMAP_OWN_UNKNOWN ((uint64_t)-2) /* EFI recovery: any owner */
#define RMAP_OWN_FS ((uint64_t)-3)
#define RMAP_OWN_AG ((uint64_t)-5)
#define RMAP_OWN_INODES ((uint64_t)-7)
#define RMAP_OWN_COW ((uint64_t)-9)
#define RMAP_OWN_MIN ((uint64_t)-10)
#define RMAP_NON_INODE(o) ((uint64_t)(o) >= RMAP_OWN_MIN)

/* A record's flags (XFS_RMAP_ATTR_FORK, _BMBT_BLOCK, _UNWRITTEN). */
#define RMAP_F_ATTR 1u
#define RMAP_F_BMBT 2u
#define RMAP_F_UNWRITTEN 4u

/* The update types: the RUI's (XFS_RMAP_EXTENT_*). */
enum {
	RMAP_MAP = 1,
	RMAP_MAP_SHARED,
	RMAP_UNMAP,
	RMAP_UNMAP_SHARED,
	RMAP_CONVERT,
	RMAP_CONVERT_SHARED,
	RMAP_ALLOC,
	RMAP_FREE
};

/* A record (struct xfs_rmap_irec): off without the flags. */
struct rrec {
	uint32_t start, len;
	uint64_t owner, off;
	uint32_t flags;
};

/* An rmapbt cursor: the btree of one AG (agbt.h) and its AGF. */
struct rcur {
	struct fin *f;
	uint32_t ag;
	struct blk *agf;
	struct agbt_cur bt;
};

/* rmap_bt.c */
int xlog_rmap_cur(struct fin *f, uint32_t ag, struct rcur *c) XFS_HIDDEN;
/* xfs_rmap_lookup_le / _eq of the key (start, owner, off): *stat 1 when found. 0, 1, <0. */
int xlog_rmap_lookup(struct rcur *c, bool eq, uint32_t start, uint64_t owner, uint64_t off, int *stat)
	XFS_HIDDEN;
int xlog_rmap_get(struct rcur *c, struct rrec *r, int *stat) XFS_HIDDEN;
int xlog_rmap_step(struct rcur *c, int dir, int *stat) XFS_HIDDEN; /* increment (1) or decrement (-1) */
int xlog_rmap_update(struct rcur *c, const struct rrec *r) XFS_HIDDEN;
int xlog_rmap_delete_here(struct rcur *c) XFS_HIDDEN;
int xlog_rmap_insert_here(struct rcur *c, const struct rrec *r) XFS_HIDDEN;
/* xfs_rmap_query_range with a point key: the first record (in key order) whose key range
 * holds it and that match accepts. *stat 1 when one did. 0, 1, <0. */
int xlog_rmap_query_point(struct rcur *c, uint32_t start, uint64_t owner, uint64_t off,
			  bool (*match)(const struct rrec *, const void *), const void *arg, struct rrec *out,
			  int *stat) XFS_HIDDEN;

/* rmap.c: one deferred rmap update (xfs_rmap_finish_one) of [bno, bno + len) in AG ag for
 * owner at file offset off with flags (RMAP_F_ATTR, RMAP_F_BMBT; RMAP_F_UNWRITTEN: the
 * extent's state). 0, 1 (refused) or <0. */
int xlog_fin_rmap(struct fin *f, int type, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
		  uint32_t flags) XFS_HIDDEN;
/* xfs_rmap_alloc inside xfs_alloc_ag_vextent (blocks for a non-inode owner such as
 * XFS_RMAP_OWN_AG), where the AGFL is being fixed. */
int xlog_fin_rmap_alloc(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner) XFS_HIDDEN;
/* The same for an inode's bmbt block (owner the inode, offset 0, flags RMAP_F_BMBT and
 * RMAP_F_ATTR for the attribute fork's: xfs_rmap_ino_bmbt_owner). */
int xlog_fin_rmap_alloc_flags(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner,
			      uint32_t flags) XFS_HIDDEN;
/* The same inside a free (xfs_free_ag_extent -> xfs_rmap_free: an unmap), where the AGFL
 * was fixed already. */
int xlog_fin_rmap_free(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len, uint64_t owner, uint64_t off,
		       uint32_t flags) XFS_HIDDEN;

/* rmap.c: an intent the running transaction logs for deferred work (a truncate round's
 * rmap unmap and frees, a CoW leftover's rmap, refcount and free: xfs_defer_create_intents)
 * of n extents, the intent and its done item sized; finished in queue order, each in the
 * transaction that logs its done item (xlog_fin_dfp_done). _queue_head: work a finished
 * item queued, which xfs_defer_finish_noroll puts before the rest. 0 or 1 (refused: more
 * than FIN_DFP_MAX). */
enum fin_dfp_kind { DFP_EFI, DFP_RUI, DFP_CUI };
int xlog_fin_dfp_queue(struct fin *f, enum fin_dfp_kind kind, uint32_t n) XFS_HIDDEN;
int xlog_fin_dfp_queue_head(struct fin *f, enum fin_dfp_kind kind, uint32_t n) XFS_HIDDEN;
void xlog_fin_dfp_done(struct fin *f) XFS_HIDDEN;
/* A force writing the running checkpoint: the bytes of the intents its committed
 * transactions logged whose done items it does not hold (they go in it alone, their done
 * items into a later one), marked so. */
uint64_t xlog_fin_dfp_alone(struct fin *f) XFS_HIDDEN;

#endif /* FSIMG_XLOG_RMAP_H */
