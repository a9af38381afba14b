/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS log recovery plan: what the kernel's two recovery passes
 * (xlog_do_log_recovery) would write to the data device, computed in memory
 * over the read-only image, as an ordered list of byte writes an overlay can
 * show or a replay can apply; and what recovery would leave to finish
 * (intents without their done items), by name.
 */
#ifndef FSIMG_XLOG_PLAN_H
#define FSIMG_XLOG_PLAN_H

#include "xlog/xlog.h"

/* ovl.c: a sparse sector overlay of the data device: what recovery has written. */
struct xlog_ovl_page;
struct xlog_ovl_slab;
#define XLOG_OVL_FULL_PAGES 8u
struct xlog_ovl {
	struct xlog_ovl_page **hash; /* nbuckets (a power of two) chains */
	size_t nbuckets;
	uint64_t npages;
	uint64_t nsec, max_sec;      /* sectors written; at most max_sec in pages */
	struct xlog_ovl_slab *slabs; /* where the pages live */
	bool pread;                  /* device reads by fsimg_io_pread (safe beside other threads) */
	/* the last range xlog_ovl_full found written whole, and its pages: the inode items of
	 * one cluster come one after the other (full_bbs 0: none) */
	uint64_t full_daddr;
	uint32_t full_bbs;
	struct xlog_ovl_page *full_pg[XLOG_OVL_FULL_PAGES];
};
/* A run of consecutive sectors recovery writes; their bytes are in the plan's overlay. */
struct xlog_write {
	uint64_t off;     /* byte offset on the data device */
	uint32_t len;
};

#define XLOG_PENDING_EXTS 16u /* an intent's extents kept for its finish (intent.c) */

struct xlog_pending {
	uint16_t type;    /* XFS_LI_EFI, RUI, CUI, BUI, ATTRI, XMI */
	uint64_t id;
	uint64_t lsn;
	uint32_t nextents;                    /* the intent's, all of them */
	struct xlog_ext ext[XLOG_PENDING_EXTS]; /* the first XLOG_PENDING_EXTS */
	char what[512];   /* "efi 0x... (2 extents: ...)", or an unlinked inode and why it stays pending */
	uint16_t why;     /* where in what the finish's reason for refusing it begins; 0: none */
	/* XFS_LI_IUNLINK: where the AGI's list named it (the AG inode number as found, which
	 * may be out of the AG) and what the walk found there (XLOG_IUNL_*) */
	uint32_t ag, agino, bucket;
	uint8_t iunl;
};
#define XLOG_IUNL_OK 0u    /* read; its di_next_unlinked followed */
#define XLOG_IUNL_RANGE 1u /* not a block of the AG past its headers: xfs_iget fails on it */
#define XLOG_IUNL_LOOP 2u  /* named earlier on the same chain */
#define XLOG_IUNL_MORE 3u  /* past UNLINKED_MAX inodes: not walked further */

/* A block an earlier finish of the mount (the intents') wrote through the overlay, as it
 * was before: a later finish that invalidates its buffer (a btree block freed, an inode
 * chunk freed) leaves it so, as the kernel never writes a stale buffer. */
struct xlog_fin_prev {
	uint64_t daddr;
	uint32_t bbs;
	uint8_t *b;
};

struct xlog_plan {
	struct xlog_ovl ovl;        /* every sector recovery writes, with its bytes */
	struct xlog_write *writes;  /* the same as runs: ascending offsets, not overlapping */
	size_t nwrites;
	struct xlog_pending *pending;
	size_t npending, cappending;
	uint64_t replayed;     /* items applied */
	uint64_t skipped_lsn;  /* buffers and inodes already newer on disk */
	uint64_t cancelled;    /* buffer/inode items skipped as cancelled */
	struct xlog_walk_stats stats;
	struct xlog_fin_prev *fin_prev; /* the intents' finish's blocks before it */
	size_t nfin_prev;
};

/* Builds the plan of a dirty log (after xlog_find_tail); a clean log gives
 * an empty plan. 0 or <0 with the reason in log->errmsg. */
int xlog_plan_build(struct xlog_plan **out, xlog *log) XFS_HIDDEN;
void xlog_plan_free(struct xlog_plan *plan) XFS_HIDDEN;

/* ---------------------------------------------------------------- internal */

/* Empty, holding at most max_sec sectors. */
void xlog_ovl_init(struct xlog_ovl *o, uint64_t max_sec) XFS_HIDDEN;
void xlog_ovl_free(struct xlog_ovl *o) XFS_HIDDEN;
/* Reads [daddr, daddr + bbs) as recovery sees it now (overlay over the device). */
int xlog_ovl_read(struct xlog_ovl *o, xlog *log, uint8_t *buf, uint64_t daddr, uint32_t bbs)
	XFS_HIDDEN;
int xlog_ovl_write(struct xlog_ovl *o, xlog *log, const uint8_t *buf, uint64_t daddr, uint32_t bbs)
	XFS_HIDDEN;
/*
 * [daddr, daddr + bbs) read from the device straight into new overlay pages, all of them
 * written, in one piece of memory to change in place: only when the range is whole pages
 * (a few) and recovery has written none of them yet, else NULL (then read and write it).
 * xlog_ovl_unclaim, right after, takes the pages back (nothing written after all).
 */
uint8_t *xlog_ovl_claim(struct xlog_ovl *o, xlog *log, uint64_t daddr, uint32_t bbs) XFS_HIDDEN;
void xlog_ovl_unclaim(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs) XFS_HIDDEN;
/* Whether recovery has written every sector of [daddr, daddr + bbs), remembering the last
 * range found whole (with its pages, for xlog_ovl_written on its sectors). */
bool xlog_ovl_full(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs) XFS_HIDDEN;
/* The bytes of [daddr, daddr + bbs) in place, to change as recovery writes them: only when
 * recovery has written every one of those sectors and they lie in one page, else NULL. */
uint8_t *xlog_ovl_written(struct xlog_ovl *o, uint64_t daddr, uint32_t bbs) XFS_HIDDEN;
/* The bytes of the overlay page holding daddr: XLOG_OVL_PAGE_SECS sectors from the one
 * at a multiple of it, for sectors the write list names (written); NULL when none is. */
#define XLOG_OVL_PAGE_SECS 8u
const uint8_t *xlog_ovl_page(const struct xlog_ovl *o, uint64_t daddr) XFS_HIDDEN;
/* The written sector daddr, or NULL when recovery has not written it. */
const uint8_t *xlog_ovl_sector(const struct xlog_ovl *o, uint64_t daddr) XFS_HIDDEN;
/* Every written sector's daddr into out (o->nsec of them), ascending; *count of them. 0 or
 * FSIMG_ENOMEM. */
int xlog_ovl_daddrs(const struct xlog_ovl *o, uint64_t *out, size_t *count) XFS_HIDDEN;

/* A new pending entry at the end of p's list (zeroed), or NULL when out of memory or past
 * log->mem_max (the reason then in log->errmsg). */
struct xlog_pending *xlog_pending_new(xlog *log, struct xlog_plan *p) XFS_HIDDEN;

/* Not a log item: the CoW staging extents the refcount btrees keep after replay. */
#define XLOG_PENDING_COW 0u
/* Not a log item: an AG header whose LSN is ahead of the log's head (the mount fails). */
#define XLOG_PENDING_LSN 1u

/* cow.c: the CoW staging extents left in the refcount btrees as recovery sees them
 * (xfs_refcount_recover_cow_leftovers frees them at mount), as one pending entry. */
int xlog_cow_leftovers(xlog *log, struct xlog_ovl *o, struct xlog_plan *p) XFS_HIDDEN;

/* intent.c: the intents left pending finished as xlog_recover_process_intents finishes them,
 * in log order, in one checkpoint at the head; done only when every one is exact, else each
 * stays pending (the first that could not be done saying why). 0 or <0. */
int xlog_intents_finish(xlog *log, struct xlog_ovl *o, struct xlog_plan *p) XFS_HIDDEN;

/* ifree.c: what the kernel's mount finishes after the log, done as it does it when that is
 * all that is pending and each step is exact: the inodes left on the AGI unlinked lists
 * freed, or the leftover CoW staging extents freed. Else everything stays pending, the
 * entry that could not be done saying why. */
int xlog_mount_finish(xlog *log, struct xlog_ovl *o, struct xlog_plan *p) XFS_HIDDEN;

/* inode.c: xlog_recover_inode_commit_pass2 on buffer buf of the inode's cluster. */
int xlog_inode_replay(xlog *log, const struct xlog_item *it, const struct xlog_item_info *info,
		      uint8_t *buf, uint64_t lsn, bool *skipped) XFS_HIDDEN;

#endif /* FSIMG_XLOG_PLAN_H */
