/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which paths the mount's work after log recovery took (intent.c, ifree.c
 * and what they call): one counter per kernel path the finish models, named
 * after the kernel function ("bmbt.split" for xfs_btree_split on a bmbt,
 * "refcbt.center_merge" for xfs_refcount_merge_center_extents, "busy.trim"
 * for xfs_extent_busy_trim, "log.force" for xfs_log_force). A finish counts
 * what it walked, a refused one up to its refusal: the counters say which
 * modelled code a replay reached (a crash row's, a fixture's) without a
 * debugger. Counting is one line at each path (XFIN_COUNT).
 */
#ifndef FSIMG_XLOG_TRACE_H
#define FSIMG_XLOG_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "xfs/xfs.h"

/* A short-form AG btree's structural edits (agbt.c, agbt_del.c: xfs_btree.c's), in this order. */
enum xfc_op { XFC_OP_SPLIT, XFC_OP_NEW_ROOT, XFC_OP_LSHIFT, XFC_OP_RSHIFT, XFC_OP_JOIN, XFC_OP_KILL_ROOT,
	      XFC_NOPS };
#define XFC_AGBT(X, P, n)                                                                                              \
	X(P##_SPLIT, n ".split") /* xfs_btree_split */                                                                 \
	X(P##_NEW_ROOT, n ".new_root") /* xfs_btree_new_root */                                                        \
	X(P##_LSHIFT, n ".lshift") /* xfs_btree_lshift */                                                              \
	X(P##_RSHIFT, n ".rshift") /* xfs_btree_rshift */                                                              \
	X(P##_JOIN, n ".join") /* xfs_btree_delrec's join of two siblings */                                           \
	X(P##_KILL_ROOT, n ".kill_root") /* xfs_btree_kill_root */

/* Every path: its enum name and the name shown. */
#define XFC_LIST(X)                                                                                                    \
	XFC_AGBT(X, XFC_BNOBT, "bnobt")                                                                                \
	XFC_AGBT(X, XFC_CNTBT, "cntbt")                                                                                \
	XFC_AGBT(X, XFC_RMAPBT, "rmapbt")                                                                              \
	XFC_AGBT(X, XFC_REFCBT, "refcbt")                                                                              \
	XFC_AGBT(X, XFC_INOBT, "inobt")                                                                                \
	XFC_AGBT(X, XFC_FINOBT, "finobt")                                                                              \
	/* an inode's bmbt (bmbt.c, intent_bmap.c) */                                                                  \
	X(XFC_BMBT_SPLIT, "bmbt.split")                    /* __xfs_btree_split */                                     \
	X(XFC_BMBT_NEW_IROOT, "bmbt.new_iroot")            /* xfs_btree_new_iroot */                                   \
	X(XFC_BMBT_LSHIFT, "bmbt.lshift")                  /* xfs_btree_lshift */                                      \
	X(XFC_BMBT_RSHIFT, "bmbt.rshift")                  /* xfs_btree_rshift */                                      \
	X(XFC_BMBT_EXTENTS_TO_BTREE, "bmbt.extents_to_btree") /* xfs_bmap_extents_to_btree */                          \
	X(XFC_BMBT_BTREE_TO_EXTENTS, "bmbt.btree_to_extents") /* xfs_bmap_btree_to_extents */                          \
	X(XFC_BMBT_JOIN, "bmbt.join")                      /* xfs_btree_delrec joining a truncate's leaf */            \
	/* the recovered intents (intent.c) */                                                                         \
	X(XFC_EFI, "efi.recover")                          /* xfs_efi_item_recover */                                  \
	X(XFC_RUI, "rui.recover")                          /* xfs_rui_item_recover */                                  \
	X(XFC_CUI, "cui.recover")                          /* xfs_cui_item_recover */                                  \
	X(XFC_BUI, "bui.recover")                          /* xfs_bui_item_recover */                                  \
	X(XFC_CUI_REQUEUE, "cui.requeue")                  /* out of log reservation: the rest requeued */    \
	X(XFC_CUI_ROLL, "cui.roll")                        /* a requeued one rolling its transaction (-EAGAIN) */      \
	X(XFC_BMAP_MAP, "bmap.map")                        /* xfs_bmap_finish_one: xfs_bmapi_remap */                  \
	X(XFC_BMAP_UNMAP, "bmap.unmap")                    /* xfs_bmap_finish_one: __xfs_bunmapi */                    \
	/* the refcount records (refc.c, intent_refc.c) */                                                             \
	X(XFC_REFC_SPLIT_EXTENT, "refcbt.split_extent")    /* xfs_refcount_split_extent */                             \
	X(XFC_REFC_CENTER_MERGE, "refcbt.center_merge")    /* xfs_refcount_merge_center_extents */                     \
	X(XFC_REFC_LEFT_MERGE, "refcbt.left_merge")        /* xfs_refcount_merge_left_extent */                        \
	X(XFC_REFC_RIGHT_MERGE, "refcbt.right_merge")      /* xfs_refcount_merge_right_extent */                       \
	X(XFC_REFC_COW, "refcbt.cow_adjust")               /* xfs_refcount_adjust_cow */                               \
	/* the rmap records (rmap.c) */                                                                                \
	X(XFC_RMAP_MAP, "rmap.map")                        /* xfs_rmap_map */                                          \
	X(XFC_RMAP_UNMAP, "rmap.unmap")                    /* xfs_rmap_unmap */                                        \
	X(XFC_RMAP_CONVERT, "rmap.convert")                /* xfs_rmap_convert */                                      \
	X(XFC_RMAP_MAP_SHARED, "rmap.map_shared")          /* xfs_rmap_map_shared */                                   \
	X(XFC_RMAP_UNMAP_SHARED, "rmap.unmap_shared")      /* xfs_rmap_unmap_shared */                                 \
	X(XFC_RMAP_CONVERT_SHARED, "rmap.convert_shared")  /* xfs_rmap_convert_shared */                               \
	/* free space (afree.c, anear.c) */                                                                            \
	X(XFC_FREE_AG_EXTENT, "alloc.free_ag_extent")      /* xfs_free_ag_extent */                                    \
	X(XFC_ALLOC_NEAR, "alloc.vextent_near")            /* xfs_alloc_ag_vextent_near */                             \
	X(XFC_AGFL_REFILL, "agfl.refill")                  /* xfs_alloc_fix_freelist: xfs_alloc_ag_vextent_size */     \
	X(XFC_AGFL_SHRINK, "agfl.shrink")                  /* xfs_alloc_fix_freelist: xfs_defer_agfl_block */          \
	X(XFC_AGFL_FREE, "agfl.free")                      /* xfs_agfl_free_finish_item */                             \
	X(XFC_BUSY_INSERT, "busy.insert")                  /* xfs_extent_busy_insert */                                \
	X(XFC_BUSY_REUSE, "busy.reuse")                    /* xfs_extent_busy_reuse */                                 \
	X(XFC_BUSY_TRIM, "busy.trim")                      /* xfs_extent_busy_trim, when it trimmed */                 \
	X(XFC_BUSY_FLUSH, "busy.flush")                    /* xfs_extent_busy_flush */                                 \
	X(XFC_LOG_FORCE, "log.force")                      /* xfs_log_force in the finish (a refused one too) */     \
	X(XFC_BUF_REGET, "buf.reget")                      /* xfs_trans_get_buf of a block freed in the finish */   \
	X(XFC_BUF_REGET_GONE, "buf.reget_gone")            /* the same, its stale buffer released: zeroed */       \
	/* quota (dquot_fin.c) */                                                                                      \
	X(XFC_DQUOT_MOD, "dquot.mod")                      /* xfs_trans_mod_dquot */                                   \
	X(XFC_DQUOT_FLUSH, "dquot.flush")                  /* xfs_qm_dqflush */                                        \
	/* the unlinked inodes (ifree*.c) and the CoW leftovers (cow.c) */                                             \
	X(XFC_IFREE, "ifree.inode")                        /* xfs_inactive, xfs_ifree */                               \
	X(XFC_IFREE_TRUNCATE, "ifree.truncate")            /* xfs_itruncate_extents of extents */                      \
	X(XFC_IFREE_SYMLINK_RMT, "ifree.symlink_rmt")      /* xfs_inactive_symlink_rmt */                              \
	X(XFC_IFREE_ATTR, "ifree.attr_inactive")           /* xfs_attr_inactive of blocks */                           \
	X(XFC_IFREE_CHUNK, "ifree.chunk")                  /* xfs_difree_inode_chunk */                                \
	X(XFC_IFREE_BUCKET_CLEAR, "ifree.bucket_clear")    /* xlog_recover_clear_agi_bucket */                         \
	X(XFC_COW_RECOVER, "cow.recover")                  /* xfs_reflink_recover_cow's frees */

#define XFC_ENUM(e, n) e,
enum xfc { XFC_LIST(XFC_ENUM) XFC_NR };
#undef XFC_ENUM

/* The counters of one recovery (xlog.h's log->fin_count). */
struct xfin_trace {
	uint64_t n[XFC_NR];
};

/* One more of path c on the finish f (a struct fin *: its log holds the counters). */
#define XFIN_COUNT(f, c)                                                                                               \
	do {                                                                                                           \
		enum xfc xfc_ = (c);                                                                                   \
		if ((unsigned)xfc_ < XFC_NR)                                                                           \
			(f)->log->fin_count.n[xfc_]++;                                                                 \
	} while (0)

/* A short-form AG btree's edit op on the tree named btname (its agbt_ops name); XFC_NR
 * (counted nowhere) for a name not known. */
enum xfc xlog_trace_agbt(const char *btname, enum xfc_op op) XFS_HIDDEN;
/* Path c's name ("bmbt.split"), NULL past the end. */
const char *xlog_trace_name(enum xfc c) XFS_HIDDEN;
/* The i-th path taken (its counter not 0) of t, its count in *n; NULL past the end. */
const char *xlog_trace_taken(const struct xfin_trace *t, size_t i, uint64_t *n) XFS_HIDDEN;

#endif /* FSIMG_XLOG_TRACE_H */
