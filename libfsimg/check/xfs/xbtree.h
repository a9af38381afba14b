/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AG btree walker (pass_btrees.c) the AG pass drives: one walk per
 * tree, every block claimed once (a block met again ends that branch), the
 * header of every block checked, each record handed to the tree's own
 * callback in key order. Private to pass_ag.c and pass_btrees.c.
 */
#ifndef FSIMG_CHECK_XFS_XBTREE_H
#define FSIMG_CHECK_XFS_XBTREE_H

#include "check/xfs/xcheck.h"

#define XC_MAXLEVELS 9u
#define XC_NULLAGBLOCK 0xffffffffu
#define XC_KEYMAX 40u
/* a refcount record's start block: the CoW staging domain's bit */
#define XFS_REFC_COWFLAG (1u << 31)

struct xc_bt;

struct xc_bt_type {
	const char *name;                /* "bnobt" ... for messages */
	uint32_t magic, crc_magic;
	enum xc_owner owner;
	unsigned rec_len, key_len;       /* key_len: one key (rmap nodes hold two a pointer) */
	bool overlapping;                /* nodes hold low and high keys (rmapbt) */
	/* the low key of a record, into key (key_len bytes) */
	void (*rec_key)(uint8_t *key, const uint8_t *rec);
	/* <0, 0, >0: the order of two keys */
	int (*key_cmp)(const uint8_t *a, const uint8_t *b);
	/* one leaf record, in tree order */
	void (*rec)(struct xc_bt *bt, const uint8_t *rec, uint32_t bno);
	/* overlapping trees: the high key of a record (its last block, and offset) */
	void (*rec_high_key)(uint8_t *key, const uint8_t *rec);
	/* xfs_repair -n searches the tree by key: keys that misdirect a search are errors */
	bool looked_up;
};

struct xc_bt {
	struct check_ctx *c;
	struct xcheck *x;
	const struct xc_bt_type *t;
	uint32_t agno, aglen;
	unsigned maxrecs[2], minrecs[2]; /* leaf, node */
	uint8_t *buf[XC_MAXLEVELS];
	uint32_t prev[XC_MAXLEVELS], prev_right[XC_MAXLEVELS];
	uint8_t first_key[XC_MAXLEVELS][XC_KEYMAX]; /* of the last block seen at a level */
	/* overlapping trees: the high key the parent holds for the block being walked at a level */
	uint8_t high_bound[XC_MAXLEVELS][XC_KEYMAX];
	bool has_bound[XC_MAXLEVELS];
	uint64_t blocks, nonroot_blocks;
	bool bad;                        /* a block was skipped: counts are not the tree's */
	bool key_odd;                    /* a node key out of order or not its child's first */
	void *arg;                       /* the tree's record state */
};

/* Walks the tree rooted at root with levels levels; 0, or FSIMG_ENOMEM. */
int xc_bt_walk(struct xc_bt *bt, struct check_ctx *c, uint32_t agno, const struct xc_bt_type *t,
	       uint32_t root, uint32_t levels, void *arg) __attribute__((visibility("hidden")));
void xc_bt_free(struct xc_bt *bt) __attribute__((visibility("hidden")));
/* One problem of the tree's: id, the block, found, then ": detail" after the tree's name. */
void xc_bt_report(struct xc_bt *bt, enum problem_id id, uint32_t bno, uint64_t found, const char *fmt, ...)
	__attribute__((visibility("hidden"), format(printf, 5, 6)));
/* The short-form btree block header's length (v5: with its CRC fields). */
unsigned xc_bt_hdr_len(const struct xcheck *x) __attribute__((visibility("hidden")));
/*
 * pass_btlookup.c: every record of a tree whose node keys are odd looked up
 * as xfs_repair -n does (xfs_btree_lookup LE, and on reflink filesystems the
 * rmapbt's range query after it); records it cannot find are
 * XFS_BTREE_KEY_LOOKUP.
 */
void xc_bt_lookups(struct xc_bt *bt, uint32_t root, unsigned levels) __attribute__((visibility("hidden")));
/* A record's problem: AG, the tree's name, the block, the text. */
void xc_bt_rec_bad(struct xc_bt *bt, uint32_t bno, const char *fmt, ...)
	__attribute__((visibility("hidden"), format(printf, 3, 4)));
/* Is agbno a block of AG agno past its headers (xfs_verify_agbno)? */
bool xc_agbno_ok(const struct xcheck *x, uint32_t agno, uint32_t agbno)
	__attribute__((visibility("hidden")));
/* The first block after the AG headers (the AGFL's block + 1). */
uint32_t xc_ag_first_free(const struct xcheck *x) __attribute__((visibility("hidden")));

#endif /* FSIMG_CHECK_XFS_XBTREE_H */
