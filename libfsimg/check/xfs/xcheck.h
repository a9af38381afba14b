/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XFS passes: what they share beyond the framework (check/check.h).
 * Their state hangs off the context's be pointer as a struct xcheck.
 *
 * Blocks in the framework's claim maps are linear blocks (agno * agblocks +
 * agbno, xfs.h), below sb.dblocks; inode numbers are XFS's own (the inode
 * maps are sized by fsimg_fs_info's max_ino). Every owner claims its blocks
 * through xc_claim, which keeps the first owner's kind per block so that
 * an overlap names both owners.
 */
#ifndef FSIMG_CHECK_XFS_XCHECK_H
#define FSIMG_CHECK_XFS_XCHECK_H

#include "check/check.h"
#include "xfs/xfs.h"
#include "xlog/xlog.h"

/* Who owns a block (one byte a block in xcheck.owner; 0: nobody yet). */
enum xc_owner {
	XO_NONE = 0,
	XO_AGHDR,      /* superblock, AGF, AGI, AGFL sectors */
	XO_AGFL,       /* a block on the AG free list */
	XO_BNOBT,
	XO_CNTBT,
	XO_INOBT,
	XO_FINOBT,
	XO_RMAPBT,
	XO_REFCBT,
	XO_INODES,     /* an inode chunk */
	XO_LOG,        /* the internal log */
	XO_DATA,       /* a file's data fork */
	XO_ATTR,       /* a file's attr fork */
	XO_BMBT,       /* a file's bmbt block */
	XO_COW,        /* a CoW staging extent */
	XO_META,       /* another metadata file (realtime bitmap, quota...) */
	XO__COUNT
};
/* "bnobt", "data of inode" ...: the owner's name for messages. */
const char *xc_owner_name(enum xc_owner o) __attribute__((visibility("hidden")));

struct xcheck {
	xfs_fs *x;                   /* the backend's handle: one thread at a time */
	const struct xfs_sb *sb;     /* the primary superblock (x->sb) */
	uint8_t *owner;              /* per linear block: the first claimer's enum xc_owner */
	uint8_t *freesp;             /* per linear block: in the by-block free space btree */
	uint8_t *rmap_file;          /* per linear block: an rmap record names an inode (rmapbt only) */
	uint8_t *rmap_unwritten;     /* per linear block: its inode rmap record is unwritten (rmapbt only) */
	uint8_t *file_unwritten;     /* per linear block: a file maps it unwritten (rmapbt only) */
	uint8_t *shared;             /* per linear block: the refcount btree counts 2 or more owners (reflink only) */
	/*
	 * Reflink only: per linear block, the files' data fork mappings of it
	 * (xc_claim, saturating at 255); per AG, the refcount btree's shared
	 * records (the AG pass); refc_suspect: some AG's refcount btree had a
	 * bad record or block, so the counts are not compared (pass_refc.c).
	 */
	uint8_t *refc_seen;
	struct xc_refc_list *refc;
	bool refc_suspect;
	/*
	 * rmapbt only, per AG: sums of a hash of (block, inode, fork, bmbt,
	 * file offset, unwritten) over every block an inode's reverse
	 * mapping names ([2 * agno]) and every block a file maps
	 * ([2 * agno + 1]): equal when the records name exactly the files'
	 * mappings (xc_rmap_fold); rmap_sum_ok: the AG's rmap leaves were read.
	 */
	uint64_t *rmap_sum;
	uint8_t *rmap_sum_ok;
	/*
	 * rmapbt with reflink, per AG: the records naming an inode, sorted by
	 * owner, fork and start block once the AG's leaves were read (ready);
	 * each file mapping is looked up there instead of summed, and
	 * rmap_missing counts those no record covers (pass_rmap.c).
	 */
	struct xc_rrecs *rmap_recs;
	uint64_t *rmap_missing;
	uint8_t *ag_skip;            /* per AG: headers xfs_repair would reset, btrees not walked */
	/*
	 * Per inode number (below c->max_ino), from the inode btrees: the
	 * inode lies in a chunk (not in a sparse hole), and the chunk's free
	 * mask says it is free. Set by the AG pass, for the inode passes.
	 */
	uint8_t *ino_chunk, *ino_free;
	/* what the AG pass counted, for the summary counters */
	uint64_t cnt_icount, cnt_ifree, cnt_fdblocks;
	bool ag_bad;                 /* some AG was skipped or could not be read */
	/* set by the inode passes once every file block is claimed: the space pass checks leaks */
	bool files_done;
	/* the highest v5 metadata LSN met (xc_note_lsn), checked against the log's head at the end */
	uint64_t max_lsn;
	uint32_t max_lsn_agno;
	const char *max_lsn_what;
};

static inline struct xcheck *xc(const struct check_ctx *c)
{
	return (struct xcheck *)c->be;
}

static inline uint64_t xc_linear(const struct xcheck *x, uint32_t agno, uint32_t agbno)
{
	return (uint64_t)agno * x->sb->agblocks + agbno;
}

/* The uuid v5 metadata carries (sb_meta_uuid with the meta_uuid feature). */
static inline const uint8_t *xc_meta_uuid(const struct xcheck *x)
{
	return x->x->v5 && (x->sb->features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID)
		       ? x->sb->meta_uuid
		       : x->sb->uuid;
}

/*
 * Notes a v5 metadata LSN (cycle << 32 | block) met in AG agno, in a `what`
 * (a static name). LSNs compare as signed 64-bit numbers, as xfs_lsn_t does.
 */
static inline void xc_note_lsn(struct xcheck *x, uint32_t agno, const char *what, uint64_t lsn)
{
	if ((int64_t)lsn > (int64_t)x->max_lsn) {
		x->max_lsn = lsn;
		x->max_lsn_agno = agno;
		x->max_lsn_what = what;
	}
}

/* The blocks of AG agno (the last may be shorter). */
static inline uint32_t xc_ag_blocks(const struct xcheck *x, uint32_t agno)
{
	uint64_t start = (uint64_t)agno * x->sb->agblocks;

	if (agno + 1 < x->sb->agcount)
		return x->sb->agblocks;
	return start < x->sb->dblocks ? (uint32_t)(x->sb->dblocks - start) : 0;
}

/*
 * Claims [agbno, agbno + len) of AG agno for owner (ino: the inode, for
 * the file kinds; 0 otherwise). The range must be inside the AG (callers
 * report ranges that are not). A block claimed before is reported as
 * XFS_BLOCK_MULTI naming both owners, unless both are files' data, shared
 * is true and the refcount btree says the block is shared (reflink); a block the free
 * space btrees list is reported as XFS_BLOCK_FREE_USED. Returns how many
 * blocks were already claimed. Safe from check_parallel's threads (the
 * free space map is only read after the AG pass).
 */
uint64_t xc_claim(struct check_ctx *c, uint32_t agno, uint32_t agbno, uint32_t len,
		  enum xc_owner owner, uint64_t ino, bool shared) __attribute__((visibility("hidden")));
/* Adds [agbno, agbno + len) of AG agno, mapped by inode owner at file offset off, to side 0
 * (the reverse mappings) or 1 (the files) of xcheck.rmap_sum. Safe from threads. */
#define XC_RMAP_ATTR 0x1u
#define XC_RMAP_BMBT 0x2u       /* a bmbt block: no offset */
#define XC_RMAP_UNWRITTEN 0x4u
void xc_rmap_fold(struct xcheck *x, unsigned side, uint32_t agno, uint32_t agbno, uint32_t len,
		  uint64_t owner, unsigned flags, uint64_t off) __attribute__((visibility("hidden")));
/* One inode's reverse mapping record as the rmapbt holds it (off: with its flag bits). */
struct xc_rrec {
	uint64_t owner, off;
	uint32_t start, len;
};
struct xc_rrecs {
	struct xc_rrec *v;
	size_t n, cap;
	bool ready;
};
/* Does a record of AG agno's rmapbt cover this file mapping (rmap_is_good)? Safe from threads. */
bool xc_rmap_covered(const struct xcheck *x, uint32_t agno, uint32_t agbno, uint32_t len,
		     uint64_t owner, unsigned flags, uint64_t off) __attribute__((visibility("hidden")));
void xc_rmap_recs_free(struct xcheck *x) __attribute__((visibility("hidden")));
/* The same for an fsb range (an inode's extent: agno << agblklog | agbno). */
/* Opens the log as recovery read it: internal, or the external opts.log_io. */
int xc_log_open(xlog **out, struct check_ctx *c) XFS_HIDDEN;
/*
 * Is the log dirty for the mount after this check (what it finishes is
 * pending)? An internal log recovery finished is reset in the checked
 * state; an external one is not rewritten, so a complete replay counts as
 * clean.
 */
bool xc_log_dirty(struct check_ctx *c) XFS_HIDDEN;
uint64_t xc_claim_fsb(struct check_ctx *c, uint64_t fsb, uint32_t len, enum xc_owner owner,
		      uint64_t ino, bool shared) __attribute__((visibility("hidden")));

/* A refcount btree record of the shared domain: blocks [start, start + len) of an AG mapped nr times. */
struct xc_refc {
	uint32_t start, len, nr;
};
struct xc_refc_list {
	struct xc_refc *v;
	size_t n, cap;
};
/* Keeps a shared record of AG agno's refcount btree (the AG pass; one thread per AG); false when out of memory. */
XFS_HIDDEN bool xc_refc_add(struct xcheck *x, uint32_t agno, uint32_t start, uint32_t len, uint32_t nr);
/*
 * Compares the refcount btrees' shared records with the files' data fork
 * mappings counted per block, as xfs_repair's phase 4 check_refcounts does
 * (the space pass, once every file block is claimed).
 */
XFS_HIDDEN void xc_refc_compare(struct check_ctx *c);

/* The passes, in order (check_xfs.c runs them). Each returns 0, or <0 when the check cannot go on. */
#define XC_HIDDEN __attribute__((visibility("hidden")))
XC_HIDDEN int xc_pass_sb(struct check_ctx *c);      /* superblocks: primary, secondaries */
XC_HIDDEN int xc_pass_ag(struct check_ctx *c);      /* AG headers, free list, btrees, chunks */
XC_HIDDEN int xc_pass_space(struct check_ctx *c);   /* free vs owned, summary counters */

/* The AG pass's rmapbt walk (pass_rmap.c): its blocks and whether the walk skipped any. */
struct xc_rmap_count {
	uint64_t blocks, nonroot_blocks;
	bool bad;
};
XC_HIDDEN int xc_rmap_walk(struct check_ctx *c, uint32_t agno, uint32_t root, uint32_t levels,
			   struct xc_rmap_count *out);

#endif /* FSIMG_CHECK_XFS_XCHECK_H */
