/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What pass_dirs.c (entries, shortform, the walk) and pass_dirs_blocks.c
 * (block, leaf and node directories' blocks) share about the directory being
 * checked: its entries' hashes and addresses, to hold against the hash
 * index, and the bestfree lengths of its data blocks, to hold against the
 * leaf's or free index's bests.
 */
#ifndef FSIMG_CHECK_XFS_XDIR_H
#define FSIMG_CHECK_XFS_XDIR_H

#include "check/xfs/xpass.h"

#define XFS_DIR2_FREE_MAGIC 0x58443246u /* XD2F */
#define XFS_DIR3_FREE_MAGIC 0x58444633u /* XDF3 */
#define XFS_DIR2_NULL_DATAPTR 0u
#define XFS_DIR2_NULL_BEST 0xffffu

/* A data entry as the hash index should name it: hash and address (byte offset / 8). */
struct xd_hent {
	uint32_t hash;
	uint32_t addr;
};

struct xd_dir {
	struct xp_ctx *xp;
	const struct xfs_inode *ip;
	uint32_t self;            /* the directory's table index */
	struct xfs_bmap bm;
	bool saw_dot, saw_dotdot;
	/* entries of the data blocks; leaf entries of the hash index */
	struct xd_hent *data, *leaf;
	size_t ndata, nleaf, capdata, capleaf;
	/* bestfree[0].length per data block (XFS_DIR2_NULL_BEST: no block) */
	uint16_t *best;
	size_t nbest;
	/* node form: each leaf (level 0) or node block's sibling pointers, in block order */
	struct xd_sib { uint32_t lblk, forw, back, lasthash; uint16_t level; } *sib;
	size_t nsib, capsib;
	/* node form: the node entries (hash, child), to hold against the children's last hashes */
	struct xd_nent { uint32_t lblk, hash, before; uint16_t level; } *nent;
	size_t nnent, capnent;
	bool oom;
	/* names seen (hash-sorted later) for duplicates: offsets into pool */
	char *pool;
	size_t npool, cappool;
	struct xd_name { uint32_t hash, off; uint8_t len; } *names;
	size_t nnames, capnames;
};

/* Reports a directory problem with a detail text. */
XP_HIDDEN void xd_report(struct xd_dir *d, enum problem_id id, uint64_t ino, const char *detail,
			 uint64_t found, uint64_t expected);
/* One entry found (name, target, ftype or -1 without the ftype feature). */
XP_HIDDEN void xd_entry(struct xd_dir *d, const uint8_t *name, unsigned namelen, uint64_t ino,
			int ftype);
/* Appends to a growing array (the directory's own bound: its size). */
XP_HIDDEN bool xd_push(struct xd_dir *d, struct xd_hent **arr, size_t *n, size_t *cap,
		       uint32_t hash, uint32_t addr);
/* Block, leaf and node directories (pass_dirs_blocks.c). */
XP_HIDDEN void xd_check_blocks(struct xd_dir *d);

#endif /* FSIMG_CHECK_XFS_XDIR_H */
