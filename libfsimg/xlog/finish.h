/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount's work after log recovery (ifree.c, afree.c), shared: the
 * blocks a finish reads through the recovery overlay, changes in memory and
 * writes back at the end, stamped as the AIL push writes them; and its
 * refusal, which leaves everything pending with a reason.
 */
#ifndef FSIMG_XLOG_FINISH_H
#define FSIMG_XLOG_FINISH_H

#include "core/cursor.h"
#include "xlog/plan.h"

/* blocks held while finishing: f->blk is reserved for FIN_BLKS entries (address space, its
 * pages touched as blocks come: xlog_fin_blk_alloc) and their contents are bounded at
 * FIN_HELD_BYTES (an inode cluster's commit copy may double that): a crafted image asking
 * for more is refused, a busy filesystem's thousands of unlinked inodes are not */
#define FIN_BLKS 65536u
#define FIN_HELD_BYTES (256ull << 20)
/* inodes a finish logs (f->ino, grown as they come): each is in one of the FIN_BLKS blocks
 * held, so a crafted image cannot ask for more room than that bounds; the number of
 * unlinked inodes is bounded instead by the CIL's space (xlog_fin_commit) */
#define FIN_INODES_MAX 65536u

/* the dirty bitmap's words for the largest block (64 KiB: 512 chunks of 128 bytes) */
#define FIN_LMAP_WORDS 16u

enum kind { K_AGI, K_AGF, K_BTREE, K_INODES, K_AGFL, K_BMBT /* a long-form (bmbt) block */,
	    K_DQUOT /* a quota file's block of dquots (dquot_fin.c) */,
	    K_ATTR /* an attribute tree's leaf or node, invalidated (ifree_attr.c) */ };

struct blk {
	uint64_t daddr;
	uint32_t bbs;
	enum kind kind;
	bool dirty;
	bool stale;  /* its buffer invalidated (a btree block freed, an inode chunk freed): never written */
	uint8_t *b;
	/* the checkpoints (force.c): its bytes at the last commit, the checkpoint that logged it
	 * last (FIN_CP_*) and, written, that one's start LSN */
	uint8_t *snap;
	uint8_t cp;
	bool was_stale;
	uint64_t lsn;
	uint32_t wforce; /* written: the force (f->nforce before it) whose checkpoint it was in */
	/* the ranges the transactions logged (xfs_trans_log_buf), as the buffer log item's
	 * dirty bitmap holds them: a bit per 128-byte chunk (XFS_BLF_CHUNK), kept until the
	 * AIL writes the buffer back (after the finish here), cleared by an invalidation
	 * (xfs_trans_binval); tx_logged: logged in the running transaction */
	uint32_t lmap[FIN_LMAP_WORDS];
	bool tx_logged;
	/* an inode cluster logged as a buffer (a di_next_unlinked, xfs_iunlink_log_dinode) by a
	 * commit of the running checkpoint: its buffer item is there besides its inodes' */
	bool ibuf;
	/* the map as the last commit that logged it formatted it (xlog_cil_insert_format_items):
	 * what a checkpoint holds of it, whatever the running transaction logged since */
	uint32_t cp_lmap[FIN_LMAP_WORDS];
	/* the index (ifree.c): the next block of its hash chain (1 + its index, 0 none) */
	uint32_t hnext;
	/* watched (force.c): got, logged or staled in the pending entry being finished (unit),
	 * so a commit looks at it; the others keep their bytes and state until got again */
	bool watched;
	uint32_t unit;
	/* its share of the running checkpoint's bytes as last counted (force.c, cp_bytes): a
	 * buffer's, and an inode cluster's (kept on its first block held) */
	uint32_t cp_bb, icl_part;
	/* its first inode in f->ino (1 + the index, 0 none; the rest chained by fin_ino.next) */
	uint32_t ino1;
	/* its buffer item's place in the running checkpoint (cil.c): the order ids (commits
	 * into it, from 1) of the commits that first and last logged it; 0: not in it */
	uint32_t c_first, c_last;
};
enum { FIN_CP_NONE, FIN_CP_RUNNING /* logged since the last force */, FIN_CP_WRITTEN /* by a force */ };

/* extents freed in one finish, remembered as busy (a list grown as they come) */
#define FIN_BUSY_MAX 32768u
/* struct xfs_extent_busy: tx, the finish's transaction that freed it (its busy extent clears
 * with the checkpoint that holds that transaction); len 0 once out of the tree (reused);
 * its node in its AG's rbtree (busy.c): children and parent as 1 + their index in f->busy,
 * 0 none, and the colour */
struct fin_busy {
	uint32_t ag, bno, len, tx;
	uint32_t rb_child[2], rb_parent;
	bool rb_red;
};
/* the items one deferred op holds (each kind's max_items in Linux 6.1:
 * XFS_EFI_MAX_FAST_EXTENTS, XFS_RUI_MAX_FAST_EXTENTS, XFS_CUI_MAX_FAST_EXTENTS) */
#define FIN_DEFER_OP_ITEMS 16u
#define FIN_AGFLQ_MAX 64u /* AGFL blocks whose frees a shrink deferred, not yet freed */
struct fin_agflq { uint32_t ag, bno; };
/* An AGFL block freed (xfs_free_agfl_block) with no buffer the finish holds: its invalidated
 * buffer, pinned in the CIL once tx commits, until a force (force.c, xlog_fin_buf_lock) */
struct fin_pinned { uint32_t ag, bno, tx; };

/* The dquots the finish changes (dquot_fin.c), with quota accounting on. */
#define FIN_DQUOTS_MAX 192u
enum { FIN_DQ_BCOUNT, FIN_DQ_ICOUNT, FIN_DQ_RTBCOUNT, FIN_DQ_NRES }; /* the dquot's resources */
struct fin_dquot {
	uint8_t type;       /* XFS_DQTYPE_USER, _GROUP or _PROJ */
	uint32_t id;
	size_t blk;         /* its block in f->blk (K_DQUOT) */
	uint32_t off;       /* its struct xfs_dqblk's offset there */
	/* the xfs_dqtrx of transaction tx, not committed yet (pending): qt_bcount_delta,
	 * qt_icount_delta, qt_rtbcount_delta */
	int64_t delta[FIN_DQ_NRES];
	uint32_t tx;
	bool pending;
	bool logged;        /* changed by a committed transaction since the last flush */
	uint8_t wall;       /* resources (1 << FIN_DQ_*) whose timer a commit started at the wall clock */
	/* its item in the CIL (dquot_fin.c, xlog_fin_dquot_chain): chain, in the running
	 * transaction chain's dqinfo (logged at each of its commits); cp, logged by a committed
	 * transaction of the running checkpoint; lsn, the start LSN of the last forced
	 * checkpoint that logged it (0: none) */
	bool chain, cp;
	uint64_t lsn;
	uint32_t c_first, c_last; /* its item's place in the running checkpoint (cil.c) */
};
/* An inode's attached dquots (xfs_qm_dqattach): indices into dq, UINT16_MAX for none. */
struct fin_dqattach {
	uint64_t ino;
	uint16_t dq[3];
};
struct fin_quota {
	int state;          /* 0 not read yet, 1 no quota accounting, 2 accounting on */
	uint8_t types;      /* the dquot types accounted */
	bool bui;           /* a BUI's transaction changed a dquot (not placed in checkpoints) */
	uint64_t qino[3];   /* the user, group and project quota inodes */
	uint32_t ndq;
	struct fin_dquot dq[FIN_DQUOTS_MAX];
	uint32_t natt, att_cap;
	struct fin_dqattach *att; /* grown as inodes come, up to FIN_INODES_MAX (dquot_fin.c) */
};

struct fin {
	xlog *log;
	struct xlog_ovl *o;
	struct blk *blk;
	size_t nblk;
	/* inodes logged (freed, or their forks changed), for the stamps; broot: a data fork in
	 * btree form whose root was logged too (XFS_ILOG_DBROOT) */
	struct fin_ino {
		size_t blk;
		uint32_t off;
		bool broot;
		uint8_t cp;
		uint64_t lsn;
		uint32_t next;  /* the next inode of its block (1 + its index, 0 none) */
		uint32_t bytes; /* its share of the running checkpoint's bytes as last counted */
		uint32_t c_first, c_last; /* its item's place in the running checkpoint (cil.c) */
	} *ino;
	size_t nino, ino_cap;
	/* the index of f->blk (ifree.c): hash chains' first blocks by daddr / FIN_HASH_BBS (1 + the
	 * index, 0 none), hmask + 1 of them; the largest block held; the bytes held */
	uint32_t *hhead, hmask, max_bbs;
	uint64_t held;
	/* force.c: the watched blocks (indices), the pending entry being finished (counted up as
	 * each begins), and the running checkpoint's bytes as last counted (cp_bytes): of buffers,
	 * inode clusters, inodes */
	uint32_t *watch;
	size_t nwatch, watch_cap;
	uint32_t unit;
	uint64_t sum_buf, sum_icl, sum_ino;
	char *why;          /* the pending entry being finished: its reason on refusal */
	size_t whylen;
	uint16_t *why_at;   /* that entry's xlog_pending.why (NULL: none to keep) */
	bool refused;
	struct fin_busy *busy; /* the extents freed so far (nbusy past the max: too many, or no memory) */
	uint32_t busy_cap;     /* busy's room */
	uint32_t nbusy;
	uint32_t busy_root; /* the root of one AG's rbtree of them, as last found (busy.c) */
	bool busy_twice;    /* two started at one block (refused: the kernel's insert spins) */
	struct fin_agflq agflq[FIN_AGFLQ_MAX]; /* xfs_defer_agfl_block's queue, in queue order */
	uint32_t nagflq;
	uint32_t tx;        /* the running transaction: every one before it is committed to the CIL */
	struct fin_pinned *pinned; /* (force.c) npinned past FIN_BUSY_MAX: too many, or no memory */
	uint32_t npinned, pinned_cap;
	const struct xlog_fin_prev *prev; /* blocks an earlier finish wrote, as they were before it */
	size_t nprev;
	uint32_t nforce;    /* log forces (checkpoints) in the middle of this finish */
	/* force.c: the running checkpoint's start LSN (0: not placed yet), the done items' bytes
	 * of its committed transactions and of the running one; cp_sized: its transactions log
	 * only what force.c sizes (buffers, inodes, done items), else a v5 force is refused */
	uint64_t cp_lsn, cp_done, tx_done;
	bool cp_sized, cp_lost;
	/* force.c: the CIL's space (xlog_cil_insert_items' ctx->space_used) crossed
	 * XLOG_CIL_SPACE_LIMIT at a commit of the running checkpoint: cil_over, with the bytes
	 * then; a background push is queued (xlog_cil_push_background) */
	bool cil_over;
	uint64_t cil_bytes;
	/* the bytes of inode items in the CIL context that f->ino no longer holds (a freed
	 * chunk's inodes, xlog_fin_ino_gone) */
	uint64_t cil_gone;
	/* the running checkpoint's stale inode cluster buffers of freed chunks of which the
	 * finish holds no block (xfs_ifree_cluster stales every allocated cluster): their
	 * formats' bytes */
	uint64_t cp_istale;
	const char *cp_unsized; /* what the unsized transactions log (NULL: the unlinked inodes') */
	/* the inode being truncated (force.c, xlog_fin_cp_trunc): its slot (trunc_blk, trunc_off);
	 * logged by the running transaction (tx_trunc) and by the running checkpoint (cp_trunc),
	 * as the last commit that logged it formatted it (xlog_cil_insert_format_items): its data
	 * fork's extents, or in btree form (*_btree) the records of its root (*_n), which is
	 * formatted once trunc_broot is set (XFS_ILOG_DBROOT logged since the truncate began:
	 * ili_fields keeps it until the inode is flushed, after the finish); *_unsized: an
	 * attribute fork, a symlink or a bmbt delete not sized, for the rest of the checkpoint */
	size_t trunc_blk;
	uint32_t trunc_off, tx_trunc_n, cp_trunc_n;
	bool tx_trunc, cp_trunc, tx_trunc_btree, cp_trunc_btree, trunc_broot, cp_trunc_broot;
	const char *tx_trunc_unsized, *cp_trunc_unsized;
	/* the running transaction finishes an intent a committed one logged (a truncate's free,
	 * rmap or refcount intent): its done item not sized, a v5 force there is refused */
	const char *tx_intent;
	/* refc.c: where a refcount btree block the running decrease gives back is queued
	 * (refc_bt.c; NULL: freed at once) */
	const struct refc_sink *refc_bfree;
	struct fin_quota q;
	/* rmap.c: the intents of a chain of deferred work (a truncate round's, logged by its
	 * unmap; a CoW leftover's; the work finishing them queued) not finished yet, in queue
	 * order (xlog_fin_dfp_queue, _queue_head): their bytes, the transaction that logged
	 * them, and whether a force wrote them in a checkpoint without their done items
	 * (alone) */
#define FIN_DFP_MAX 64u
	struct fin_dfp {
		uint32_t ibytes, dbytes, tx;
		bool alone;
		uint32_t c; /* the order id of its transaction's commit (cil.c) */
		bool here;  /* made alone by the running checkpoint's close */
	} dfp[FIN_DFP_MAX];
	uint32_t ndfp;
	/* cil.c: the commits into the running checkpoint (the last one's order id,
	 * xlog_cil_insert_items' ctx->order_id), the truncating inode's place in it, and the
	 * items logged once (done items, the stale clusters of freed chunks not held, the freed
	 * inodes' items), the running transaction's with c_last 0 */
	uint32_t cord, trunc_c_first, trunc_c_last;
	struct fin_one {
		uint32_t c_first, c_last;
		uint8_t kind, nreg;
		uint32_t reg[3];
	} *one;
	uint32_t none, one_cap, one_run; /* one_run: the first the running transaction logged */
	bool one_over;
};

/* force.c: the running transaction committed: the blocks it logged (xlog_fin_log_range),
 * changed or staled and the inodes whose bytes it changed are the running checkpoint's,
 * its done items too. A commit into a checkpoint whose CIL space an earlier commit took
 * to XLOG_CIL_SPACE_LIMIT is refused (f->refused, the running entry's reason). */
void xlog_fin_commit(struct fin *f) XFS_HIDDEN;

/* force.c: xfs_trans_log_buf(tp, bp, first, last) of block b in the running transaction:
 * the chunks of bytes first to last (inclusive, bounded by the block) logged, whatever
 * their bytes now hold (a range whose change nets to nothing is logged all the same). */
void xlog_fin_log_range(struct fin *f, struct blk *b, uint32_t first, uint32_t last) XFS_HIDDEN;
/* The same for the len bytes at p inside block b (nothing for len 0). */
static inline void xlog_fin_log_at(struct fin *f, struct blk *b, const uint8_t *p, size_t len)
{
	if (len)
		xlog_fin_log_range(f, b, (uint32_t)(p - b->b), (uint32_t)(p - b->b + len - 1));
}
/* A long-form (bmbt) block's entries first to last (0-based, inclusive) logged: a leaf's
 * records (xfs_btree_log_recs), a node's keys and pointers (xfs_btree_log_keys and
 * _log_ptrs); hdr the header's length, maxrecs a node's entries. */
static inline void xlog_fin_log_lents(struct fin *f, struct blk *b, uint32_t hdr, uint32_t maxrecs, int64_t first,
				      int64_t last)
{
	uint32_t a = (uint32_t)first, z = (uint32_t)last;

	if (first < 0 || last < first || last >= UINT16_MAX)
		return;
	if (get_be16(b->b + 4) == 0) {
		xlog_fin_log_range(f, b, hdr + 16u * a, hdr + 16u * z + 15u);
		return;
	}
	xlog_fin_log_range(f, b, hdr + 8u * a, hdr + 8u * z + 7u);
	xlog_fin_log_range(f, b, hdr + 8u * (maxrecs + a), hdr + 8u * (maxrecs + z) + 7u);
}

/* The running transaction committed (a roll, the next deferred op's or a new one's start):
 * its busy extents go with it to the CIL, where a log force checkpoints them. */
static inline void xlog_fin_tx(struct fin *f)
{
	xlog_fin_commit(f);
	f->tx++;
}

/* force.c: the inode chunk at daddr lo freed (holemask hole, 0 when not sparse): its
 * allocated clusters staled (xfs_ifree_cluster), those the finish holds no block of counted
 * in f->cp_istale. */
void xlog_fin_ichunk_istale(struct fin *f, uint64_t lo, uint16_t hole) XFS_HIDDEN;
/* force.c: the basic blocks of an inode cluster buffer (xfs_ialloc_setup_geometry). */
uint32_t xlog_fin_icluster_bbs(const xfs_fs *fs) XFS_HIDDEN;

/* fintab.c: the inode at off in held block blk logged by the finish: its slot in f->ino
 * (*k), added when it has none yet; k NULL: added (an inode freed, never logged before
 * here). 0, 1 (refused: more than FIN_INODES_MAX) or <0. */
int xlog_fin_ino_add(struct fin *f, size_t blk, uint32_t off, size_t *k) XFS_HIDDEN;

/* force.c: f->ino[i] about to be dropped (its chunk freed, xfs_ifree_cluster: its cluster
 * buffer stale, the inode items the CIL holds stay there): its bytes kept in f->cil_gone
 * (the running checkpoint's, cp_bytes) when the running checkpoint logged it or the running
 * transaction changed it. */
void xlog_fin_ino_gone(struct fin *f, size_t i) XFS_HIDDEN;

/* fintab.c: f->blk reserved for FIN_BLKS blocks, zeroed, or NULL; let go by xlog_fin_release
 * (xlog_fin_blk_free). */
struct blk *xlog_fin_blk_alloc(void) XFS_HIDDEN;
void xlog_fin_blk_free(struct blk *b) XFS_HIDDEN;
/* fintab.c: the held blocks overlapping daddr lo to hi (exclusive): their indices into out,
 * ascending, at most max of them; how many there are (held blocks never overlap, so a range
 * of n basic blocks has at most n + 1). */
size_t xlog_fin_over(const struct fin *f, uint64_t lo, uint64_t hi, uint32_t *out, size_t max) XFS_HIDDEN;
/* fintab.c: the block held that starts at daddr, or NULL. */
struct blk *xlog_fin_at(struct fin *f, uint64_t daddr) XFS_HIDDEN;
/* force.c: block b got, logged or staled by the running transaction: looked at by the next
 * commit (and by every one while the same pending entry is finished). */
void xlog_fin_watch(struct fin *f, struct blk *b) XFS_HIDDEN;
/* fintab.c: the inodes' chains by block rebuilt (f->ino compacted; the blocks left with no
 * inode the caller's to clear). */
void xlog_fin_ino_relink(struct fin *f) XFS_HIDDEN;
/* fintab.c: the slot in f->ino of the inode at off in held block blk, f->nino when none. */
size_t xlog_fin_ino_find(const struct fin *f, size_t blk, uint32_t off) XFS_HIDDEN;

/* A refusal: the reason goes after the pending entry's name; returns 1. */
int xlog_fin_refuse(struct fin *f, const char *fmt, ...) XFS_HIDDEN __attribute__((format(printf, 2, 3)));
/* The block at daddr as the finish leaves it so far: 0, 1 (refused) or <0. Read first, a v5
 * block (but an inode cluster) is refused unless its checksum is right, as the kernel's read
 * verifiers fail the mount there; the finish would write it back with a good one. */
int xlog_fin_get(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, struct blk **out) XFS_HIDDEN;
/* The same read without the verifier (the caller checks what it needs). */
int xlog_fin_get_new(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, struct blk **out) XFS_HIDDEN;
/* A block about to be made anew as a block of this kind (xfs_trans_get_buf, as
 * xfs_btree_get_buf_block calls it: no read, no verifier): its bytes those of the buffer the
 * kernel's cache gives. A block freed in this finish (its buffer invalidated) is taken back
 * whatever kind it was, its old bytes kept while the stale buffer is still cached (held by
 * the transaction that freed it, or pinned and waited for: nforce0 is f->nforce when the
 * allocation that gave the block began, its forces waited on this buffer), zeroed once a
 * force's checkpoint unpinned and released it; any other block is zeroed (not cached).
 * 0, 1 (refused: a block in use of another kind, or one partly over a freed one) or <0. */
int xlog_fin_get_buf(struct fin *f, uint64_t daddr, uint32_t bbs, enum kind kind, uint32_t nforce0,
		     struct blk **out) XFS_HIDDEN;
/* AG ag's AGF through xlog_fin_get, refused when it is not one. 0, 1 or <0. */
int xlog_fin_agf(struct fin *f, uint32_t ag, struct blk **out) XFS_HIDDEN;

static inline uint64_t xlog_ag_daddr(const xfs_fs *fs, uint32_t ag, uint32_t agbno)
{
	return ((uint64_t)ag * fs->sb.agblocks + agbno) * (fs->blocksize / XLOG_BBSIZE);
}

/* afree.c: xfs_free_extent of [agbno, agbno + len) in AG ag (xfs_free_ag_extent), the AGFL
 * left as it is (refused when xfs_alloc_fix_freelist would change it). 0, 1 or <0. */
int xlog_fin_free_extent(struct fin *f, uint32_t ag, uint32_t agbno, uint32_t len) XFS_HIDDEN;
/* afree.c: xfs_alloc_get_freelist (*bno the AGFL's first block, NULLAGBLOCK when it is empty)
 * and xfs_alloc_put_freelist of AG ag whose AGF is agf; btreeblk: the AGF's btreeblks
 * follows. 0, 1 or <0. */
int xlog_fin_agfl_get(struct fin *f, uint32_t ag, struct blk *agf, bool btreeblk, uint32_t *bno) XFS_HIDDEN;
int xlog_fin_agfl_put(struct fin *f, uint32_t ag, struct blk *agf, bool btreeblk, uint32_t bno) XFS_HIDDEN;
/* The same for a free that names its owner (XFS_RMAP_OWN_*, or an inode with the file
 * offset and rmap flags): on an rmapbt filesystem its record is removed first. */
int xlog_fin_free_owned(struct fin *f, uint32_t ag, uint32_t agbno, uint32_t len, uint64_t owner, uint64_t off,
			uint32_t flags) XFS_HIDDEN;
/* xfs_alloc_fix_freelist: an AGFL too long shrunk (its first blocks taken off, their frees
 * queued on f->agflq as xfs_defer_agfl_block defers them), a short one refilled (blocks
 * from the by-size tree, busy extents trimmed off, their rmap XFS_RMAP_OWN_AG); *agf the
 * AGF. 0, 1 or <0. */
int xlog_fin_fix_freelist(struct fin *f, uint32_t ag, struct blk **agf) XFS_HIDDEN;
struct agbt_cur;
/* afree.c: xfs_alloc_fixup_trees: the free extent fbno+flen, on which the by-size cursor cc
 * stands, loses rbno+rlen (inside it) in both trees (bc: a by-block cursor of the same AG,
 * looked up here): the record shortened, split in two or removed. 0, 1 or <0. */
int xlog_fin_alloc_fixup(struct fin *f, struct agbt_cur *cc, struct agbt_cur *bc, uint32_t fbno, uint32_t flen,
			 uint32_t rbno, uint32_t rlen) XFS_HIDDEN;
/* afree.c: the deferred AGFL frees queued at [from, to) of f->agflq finished in queue order
 * (xfs_agfl_free_finish_item: xfs_free_ag_extent of the one block with XFS_RMAP_OINFO_AG,
 * no fix_freelist, not busy) and taken off the queue, their EFI and EFD logged in the
 * running transaction. 0, 1 or <0. */
int xlog_fin_agfl_free_range(struct fin *f, uint32_t from, uint32_t to) XFS_HIDDEN;
/* force.c: an EFI or EFD of n extents (xfs_efi_log_format, xfs_efd_log_format: a 16-byte
 * header and a struct xfs_extent_64 each) in the running transaction's share of the
 * checkpoint, behind its op header. */
void xlog_fin_cp_efx(struct fin *f, uint32_t n) XFS_HIDDEN;
/* afree.c: xlog_fin_agfl_free_range without the intents' bytes (the caller logs them). */
int xlog_fin_agfl_free_blocks(struct fin *f, uint32_t from, uint32_t to) XFS_HIDDEN;
/* The AGFL frees queued at [mark, end): the work a finished deferred item queued runs
 * before the items queued after it (xfs_defer_finish_noroll), up to
 * XFS_EFI_MAX_FAST_EXTENTS in each transaction of the chain (*ntx counts them when set). */
static inline int xlog_fin_agfl_frees_to(struct fin *f, uint32_t mark, uint32_t end, uint32_t *ntx)
{
	int err = 0;

	while (mark < end && !err) {
		uint32_t n = end - mark < FIN_DEFER_OP_ITEMS ? end - mark : FIN_DEFER_OP_ITEMS;
		if (ntx)
			(*ntx)++;
		/* xfs_defer_create_intent: one EFI for the transaction's deferred AGFL frees, logged
		 * by the transaction that deferred them; its EFD by the one that frees them */
		xlog_fin_cp_efx(f, n);
		xlog_fin_tx(f); /* each transaction of the chain */
		err = xlog_fin_agfl_free_blocks(f, mark, mark + n);
		xlog_fin_cp_efx(f, n);
		end -= n;
	}
	return err;
}
/* Every AGFL free queued since mark (f->nagflq then). */
static inline int xlog_fin_agfl_frees(struct fin *f, uint32_t mark, uint32_t *ntx)
{
	return xlog_fin_agfl_frees_to(f, mark, f->nagflq, ntx);
}
/* busy.c: the busy extents, in a list and in each AG's rbtree as 6.1 keeps them:
 * xfs_extent_busy_insert (in the running transaction); _reuse of block bno met again as a
 * buffer (alloc: a btree's from the AGFL, which takes it out of the busy extent,
 * xfs_extent_busy_reuse; else an AGFL block freed): freed in a committed transaction, its
 * stale buffer is pinned and the kernel forces the log there (xlog_fin_force); _clear: the
 * committed transactions' cleared at a force's checkpoint completion (xlog_cil_committed:
 * xfs_extent_busy_sort, xfs_extent_busy_clear), the running one's kept. _reuse, _clear: 0,
 * 1 (refused: too many busy extents, two at one block) or <0. */
void xlog_fin_busy_insert(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len) XFS_HIDDEN;
int xlog_fin_busy_reuse(struct fin *f, uint32_t ag, uint32_t bno, bool alloc) XFS_HIDDEN;
int xlog_fin_busy_clear(struct fin *f) XFS_HIDDEN;
/* afree.c: a log force in the middle of the finish (xfs_log_force): the committed
 * transactions checkpointed (xlog_fin_cp_close), their busy extents cleared when it
 * completes (xlog_cil_committed -> xfs_extent_busy_clear); the running transaction's stay.
 * The blocks logged after it carry the next checkpoint's LSN. On v5 refused where the
 * checkpoint's length is not modelled (f->cp_sized false, quota accounting on). why: what
 * forced it. 0, 1 or <0. */
int xlog_fin_force(struct fin *f, const char *why) XFS_HIDDEN;
/* afree.c: xfs_extent_busy_flush of AG ag, where what (the AGFL refill, a near allocation)
 * found only busy extents: the log forced (xlog_fin_force), after which 6.1 waits until a
 * busy extent of the AG clears; only a committed transaction's can (the running one's would
 * be waited on for ever: refused). 0 (search again) or 1. */
int xlog_fin_busy_flush(struct fin *f, uint32_t ag, const char *what) XFS_HIDDEN;

/* The sizes a checkpoint's items are formatted with (force.c sums them, cil.c lays them out). */
#define FIN_OPHDR 12u         /* struct xlog_op_header */
#define FIN_BUF_FMT 20u       /* struct xfs_buf_log_format before its dirty map */
#define FIN_INODE_FMT 56u     /* struct xfs_inode_log_format */
#define FIN_V4_LOG_DINODE 96u /* xfs_log_dinode_size without v3 inodes: up to di_next_unlinked */
#define FIN_BMBT_REC 16u      /* an extent record in the data fork */
/* a checkpoint's start op and its transaction header behind its op (struct xfs_trans_header) */
#define FIN_CP_START (FIN_OPHDR + FIN_OPHDR + 16u)
/* an intent's or an EFD's format head (xfs_{efi,efd,rui,cui,bui}_log_format before their
 * extents share xfs_efi_log_format's layout), a done item without extents
 * (xfs_{rud,cud,bud}_log_format), and each kind's extent */
#define FIN_INTENT_FMT ((uint32_t)sizeof(struct xfs_defi_log_format))
#define FIN_DONE_FMT ((uint32_t)sizeof(struct xfs_ddone_log_format))
#define FIN_EFX_EXT XFS_EXTENT_64_SIZE                        /* struct xfs_extent_64 */
#define FIN_RUI_EXT ((uint32_t)sizeof(struct xfs_dmap_extent))  /* struct xfs_map_extent */
#define FIN_CUI_EXT ((uint32_t)sizeof(struct xfs_dphys_extent)) /* struct xfs_phys_extent */

/* A log item's regions as xlog_write writes them, each with its op header: summed, and
 * listed when list is set (cil.c; lost: no memory for the list). */
struct xlog_regs {
	uint64_t sum;
	uint32_t *r;
	size_t n, cap;
	bool list, lost;
};
void xlog_regs_push(struct xlog_regs *rs, uint32_t len) XFS_HIDDEN;
static inline void xlog_regs_add(struct xlog_regs *rs, uint32_t len)
{
	rs->sum += len;
	if (rs->list)
		xlog_regs_push(rs, len);
}
/* cil.c: the items logged once, kept in the running checkpoint's list with their commit
 * (the running transaction's until it commits): a done item or an intent's format
 * (ONE_DONE, counted when its transaction commits), a stale cluster of a freed chunk or a
 * freed inode's item (counted in the checkpoint that closes next, committed or not). */
enum { FIN_ONE_DONE, FIN_ONE_STALE };
void xlog_fin_one(struct fin *f, int kind, uint32_t c_first, uint32_t c_last, const uint32_t *reg, uint32_t n) XFS_HIDDEN;
/* A done item of bytes (one region) logged by the running transaction. */
void xlog_fin_tx_done(struct fin *f, uint32_t bytes) XFS_HIDDEN;
/* cil.c: the commit's order ids given (xlog_fin_commit: the running transaction's items
 * logged once); the checkpoint's close forgets them (xlog_fin_cp_close, xlog_fin_unpin). */
void xlog_fin_one_commit(struct fin *f) XFS_HIDDEN;
void xlog_fin_one_close(struct fin *f) XFS_HIDDEN;
/* cil.c: the regions of block b's buffer item (an inode cluster's: b the cluster's block
 * that holds its share, icl_part) and of the inode d (broot: its data fork's root logged),
 * as the running checkpoint formats them; *first and *last the cluster's order ids. */
void xlog_fin_buf_regs(const struct blk *b, struct xlog_regs *rs) XFS_HIDDEN;
void xlog_fin_icluster_regs(struct fin *f, const struct blk *b, struct xlog_regs *rs, uint32_t *first,
			    uint32_t *last) XFS_HIDDEN;
void xlog_fin_inode_regs(const xfs_fs *fs, const uint8_t *d, bool broot, struct xlog_regs *rs) XFS_HIDDEN;
/* cil.c: the share of the running checkpoint's bytes of the cluster buffer holding b's block
 * counted again (f->sum_icl, on the cluster's first held block's icl_part). */
void xlog_fin_icluster_refresh(struct fin *f, const struct blk *b) XFS_HIDDEN;
/* force.c: the regions of the truncating inode's item when the running checkpoint holds it
 * (false: it does not). */
bool xlog_fin_trunc_regs(struct fin *f, struct xlog_regs *rs) XFS_HIDDEN;

/* force.c: the log geometry a checkpoint is written with (xlog_alloc_log): the iclog size,
 * its header's basic blocks, the data bytes after the header, l_iclog_roundoff. */
struct xlog_cp_geom { uint32_t h_size, hblks, ic, round; };
/* false: iclogs too small to model (under 1 KiB of data) */
bool xlog_cp_geom(const xlog *log, struct xlog_cp_geom *g) XFS_HIDDEN;
/* The LSN where the next checkpoint starts after one of content bytes (its ops and
 * regions) started at LSN start in a fresh iclog, its commit record written and its last
 * iclog switched out by a force; extra: the bytes each iclog crossing costs (0 to 12). */
uint64_t xlog_cp_end(const xlog *log, const struct xlog_cp_geom *g, uint64_t start, uint64_t content,
		     uint32_t extra) XFS_HIDDEN;
/* The running checkpoint written (a force, or the finish's end): *next where the next one
 * starts; what it logged is stamped with its start LSN (f->cp_lsn, placed first if it is
 * not). 0, 1 (refused: its length not exact on v5, longer than the log) or <0. */
int xlog_fin_cp_close(struct fin *f, uint64_t *next) XFS_HIDDEN;
/* cil.c: where the running checkpoint of bytes (its content, as cp_bytes counts it) ends
 * when its length depends on where its regions cross iclogs: its items in the CIL's order
 * (xlog_cil_push_work: by the order id of their last commit, then as they joined the CIL;
 * the items one transaction added first are in an order not modelled, so each order of
 * them is tried) written as xlog_write writes them. *end the next checkpoint's start. 0,
 * 1 (refused: the orders end in different places, or the items do not add up to bytes)
 * or <0. */
int xlog_fin_cp_layout(struct fin *f, const struct xlog_cp_geom *g, uint64_t bytes, uint64_t *end) XFS_HIDDEN;
/* force.c: the position past an iclog of used bytes switched out (xlog_state_switch_iclogs) */
uint64_t xlog_cp_switch(const xlog *log, const struct xlog_cp_geom *g, uint64_t lsn, uint64_t used) XFS_HIDDEN;
/* The LSN the AIL push stamps on block b (inode i): its checkpoint's, or the running one's
 * (lsn when none was placed). */
uint64_t xlog_fin_blk_lsn(const struct fin *f, const struct blk *b, uint64_t lsn) XFS_HIDDEN;
uint64_t xlog_fin_ino_lsn(const struct fin *f, size_t i, uint64_t lsn) XFS_HIDDEN;
/* An AGFL block's deferred free (xfs_agfl_free_finish_item) in the running transaction's
 * share of the checkpoint: the invalidated buffer's format unless the finish holds the
 * block stale already (then the held buffer, logged again when a force wrote it); its EFI
 * and EFD, which 6.1 logs both, no whiteout, are the caller's: xlog_fin_cp_efx. */
void xlog_fin_cp_agfl_free(struct fin *f, uint32_t ag, uint32_t agbno) XFS_HIDDEN;
/* A freed block's buffer got again (xfs_trans_get_buf: an AGFL block freed, a block the AGFL
 * gives a btree): held invalidated by a committed transaction of the running checkpoint, it
 * is stale and pinned, and xfs_buf_lock forces the log (xlog_fin_force). A block with a busy
 * extent meets this in xlog_fin_busy_reuse; this one is for the frees that leave none
 * (xfs_free_agfl_block: an AGFL block freed, taken back by a refill, freed again: its
 * buffer only in f->pinned). */
int xlog_fin_buf_lock(struct fin *f, uint32_t ag, uint32_t agbno) XFS_HIDDEN;
/* The force's checkpoint done: the buffers the committed transactions invalidated unpinned. */
void xlog_fin_unpin(struct fin *f) XFS_HIDDEN;
/* The inode being truncated logged by the running transaction (xfs_bunmapi, the end of
 * xfs_itruncate_extents_flags: XFS_ILOG_CORE with XFS_ILOG_DEXT), its data fork in extents
 * form with n extents, or in btree form with n records in its root (formatted when
 * f->trunc_broot, xlog_fin_cp_trunc_broot); unsized (non-NULL): with an attribute fork, a
 * symlink's blocks or a bmbt change not sized: a v5 force of its checkpoint refused naming
 * it. */
void xlog_fin_cp_trunc(struct fin *f, const char *unsized, bool btree, uint32_t n) XFS_HIDDEN;
/* The truncating inode's root in btree form logged by the running transaction
 * (xfs_btree_log_keys, _log_ptrs, _log_block at the root level, xfs_btree_kill_iroot:
 * XFS_ILOG_DBROOT), which stays in its ili_fields: its later formats in btree form hold
 * the root (xfs_inode_item_format_data_fork). */
void xlog_fin_cp_trunc_broot(struct fin *f) XFS_HIDDEN;
/* A bmbt block freed by the running transaction (xfs_bmbt_free_block, xfs_bmap_btree_to_extents:
 * xfs_trans_binval): its buffer stale, logged as a cancelled buffer. 0, 1 or <0. */
int xlog_fin_bmbt_stale(struct fin *f, uint64_t fsb) XFS_HIDDEN;
/* bytes first to last of bmbt block fsb logged by the running transaction
 * (xfs_trans_log_buf from xfs_btree_log_recs, _log_keys, _log_ptrs, _log_block), the block
 * held as the walk read it (the finish does not change a bmbt block: each is freed by the
 * end of the truncate, never written). 0, 1 or <0. */
int xlog_fin_bmbt_logged(struct fin *f, uint64_t fsb, uint32_t first, uint32_t last) XFS_HIDDEN;
/* The commit copies freed. */
void xlog_fin_cp_free(struct fin *f) XFS_HIDDEN;
/* fintab.c: everything a finish holds (checkpoint copies, blocks, busy list) let go. */
void xlog_fin_release(struct fin *f) XFS_HIDDEN;

/* anear.c: xfs_alloc_vextent of one block (minlen = maxlen = 1, alignment 1) near agbno in
 * AG ag, XFS_ALLOCTYPE_NEAR_BNO as 6.1 does it for a new inobt, finobt or refcountbt block:
 * xfs_alloc_fix_freelist, xfs_alloc_ag_vextent_near, the block's rmap record for owner
 * (XFS_RMAP_OWN_INOBT, XFS_RMAP_OWN_REFC), the AGF's free count. *bno the block.
 * 0, 1 (refused: busy extents met, no free extent, a nearly full AG) or <0. */
int xlog_fin_alloc_near(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t owner, uint32_t *bno) XFS_HIDDEN;
/* The same for an inode's bmbt block: owner the inode, rflags its rmap flags (RMAP_F_BMBT,
 * RMAP_F_ATTR of rmap.h). */
int xlog_fin_alloc_near_flags(struct fin *f, uint32_t ag, uint32_t agbno, uint64_t owner, uint32_t rflags,
			      uint32_t *bno) XFS_HIDDEN;
/* busy.c: xfs_extent_busy_trim of 6.1: the busy extents of AG ag cut out of the free extent
 * *bno+*len as the kernel's walk down their rbtree meets them, for an allocation of minlen to
 * maxlen blocks; *len 0 when nothing usable is left; *busy when it trimmed. 0, 1 (refused:
 * too many busy extents, two at one block) or <0. */
int xlog_fin_busy_trim(struct fin *f, uint32_t ag, uint32_t minlen, uint32_t maxlen, uint32_t *bno, uint32_t *len,
		       bool *busy) XFS_HIDDEN;
/* anear.c: xfs_refcountbt_alloc_block (refc_bt.c's): one block near xfs_refc_block (not
 * near the block split: 6.1 asks near the tree's first block), XFS_RMAP_OWN_REFC, then the
 * AGF's refcount_blocks (agf: AG ag's AGF, which xlog_fin_alloc_near fixes the AGFL
 * through). 0, 1 or <0. */
int xlog_fin_refcbt_alloc(struct fin *f, uint32_t ag, struct blk *agf, uint32_t *bno) XFS_HIDDEN;
/* anear.c: xfs_alloc_compute_diff for alignment 1 and metadata: the block of the free extent
 * freebno+freelen nearest wantbno for wantlen blocks into *newbno, and its distance. */
uint32_t xlog_alloc_compute_diff(uint32_t wantbno, uint32_t wantlen, uint32_t freebno, uint32_t freelen,
				 uint32_t *newbno) XFS_HIDDEN;

/* ifree.c: the checkpoint's blocks written back through the overlay, stamped with lsn as the
 * AIL push writes them (v5); log->fin_max_lsn set. 0 or <0. */
int xlog_fin_writeback(struct fin *f, uint64_t lsn) XFS_HIDDEN;

/* dquot_fin.c: xfs_qm_dqattach of inode d (number ino) when quota accounting is on, and
 * (log) xfs_trans_mod_dquot_byino of its dquots in the running transaction (f->tx) by blocks
 * (BCOUNT) and inodes (ICOUNT). 0, 1 (refused: a dquot not on disk, a quotacheck to come,
 * ...) or <0. */
int xlog_fin_dquot_mod(struct fin *f, const uint8_t *d, uint64_t ino, int64_t blocks, int64_t inodes,
		       bool log) XFS_HIDDEN;
/* dquot_fin.c: xfs_trans_mod_dquot_byino(XFS_TRANS_DQ_BCOUNT, blocks) of inode ino, whose
 * dquots xlog_fin_dquot_mod attached, in the running transaction: +1 for a bmbt block
 * allocated (xfs_bmbt_alloc_block, xfs_bmap_extents_to_btree), -1 for one freed
 * (xfs_bmbt_free_block). Nothing without quota accounting. 0, 1 or <0. */
int xlog_fin_dquot_ino(struct fin *f, uint64_t ino, int64_t blocks) XFS_HIDDEN;
/* dquot_fin.c: the bytes of the dquot items the checkpoint logs (xfs_qm_dquot_logitem_size:
 * every dquot a transaction of the finish changed), their op headers included. */
uint64_t xlog_fin_dquot_log_bytes(const struct fin *f) XFS_HIDDEN;
/* dquot_fin.c: every transaction's deltas committed (xfs_trans_apply_dquot_deltas: counts,
 * default limits, timers; refused where a timer started at the wall clock is left running)
 * and the logged dquots written into their blocks as xfs_qm_dqflush writes them, stamped
 * (v5) with the start LSN of the last checkpoint that logged each: lsn, the running one's,
 * or a forced one's (xlog_fin_dquot_cp_close). 0, 1 or <0. */
int xlog_fin_dquot_flush(struct fin *f, uint64_t lsn) XFS_HIDDEN;
/* dquot_fin.c: a new transaction chain starts (xfs_trans_alloc): the dquots the running one
 * carried (xfs_trans_dup_dqinfo) are no longer logged at its commits; with ino other than
 * UINT64_MAX, the chain changes inode ino's dquots from its first transaction on (the
 * running one). */
void xlog_fin_dquot_chain(struct fin *f, uint64_t ino) XFS_HIDDEN;
/* dquot_fin.c: the running transaction committed (xlog_fin_commit): the dquots its chain
 * carries are in the running checkpoint. */
void xlog_fin_dquot_commit(struct fin *f) XFS_HIDDEN;
/* dquot_fin.c: the running checkpoint closed at start LSN lsn (xlog_fin_cp_close). */
void xlog_fin_dquot_cp_close(struct fin *f, uint64_t lsn) XFS_HIDDEN;

/* A v5 short-form btree block's header, and a refcount record (xfs_refcount_rec). */
#define SBLOCK_CRC_LEN 56u
/* A v5 long-form btree block (a bmbt block): its LSN and CRC (XFS_BTREE_LBLOCK_CRC_OFF). */
#define LB_LSN 32u
#define LB_CRC 64u
#define REFC_REC_LEN 12u

/* cow.c: the CoW staging extents freed as xfs_reflink_recover_cow frees them. 0, 1 or <0. */
int xlog_fin_cow(struct fin *f) XFS_HIDDEN;

/* A free queued (xfs_free_extent_later): AG, block in the AG, length; the owner whose rmap
 * record the free removes (XFS_RMAP_OWN_NULL: none) with the rmap flags. */
struct efree { uint32_t ag, agbno, len, rflags; uint64_t owner; };

/* refc.c: the refcount decrease of a reflink inode's extent *agbno+*len in AG ag, as
 * xfs_refcount_adjust does it (a refcount btree of any height) in a transaction whose
 * refcount work so far is *tx; the frees it queues appended to out (*nout of max); what it
 * leaves for another transaction (xfs_refcount_still_have_space) in *agbno+*len.
 * 0, 1 (refused) or <0. */
struct refc_tx;
int xlog_fin_refc_decrease(struct fin *f, uint32_t ag, uint32_t *agbno, uint32_t *len, struct refc_tx *tx,
			   struct efree *out, uint32_t *nout, uint32_t max) XFS_HIDDEN;

#endif /* FSIMG_XLOG_FINISH_H */
