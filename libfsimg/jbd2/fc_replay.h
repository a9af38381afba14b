/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fast-commit replay's state, shared by fc_replay.c (extents, inodes, bitmaps) and fc_names.c (names). */
#ifndef FSIMG_JBD2_FC_REPLAY_H
#define FSIMG_JBD2_FC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "ext4/ext4.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"


#define FCR_MAX_BYTES (64u << 20)     /* made blocks kept in memory */
#define FCR_MAX_EXTENTS 65536u        /* per inode */
#define FCR_MAX_INODES 4096u
#define FCR_MAX_TAKEN 65536u          /* new directory blocks */
#define FCR_MAX_REGIONS (1u << 20)    /* ADD_RANGE tags remembered for the allocator */
#define DI(f) offsetof(struct ext4_dinode, f)
#define GDO(f) offsetof(struct ext4_dgroup_desc, f)

/* Unchecked reads (get_le16/32, core/cursor.h): every offset is inside a block or record by construction. */

struct fcr_ext {
	uint32_t lblk, len;
	uint64_t pblk;
	bool unwritten;
};

struct fcr_inode {
	uint32_t ino;
	uint64_t rec_blk;            /* inode table block and offset of the record */
	size_t rec_off;
	struct fcr_ext *ext;         /* the map now: sorted, not overlapping */
	size_t n, cap;
	struct fcr_ext *old;         /* the map after the jbd2 replay */
	size_t nold;
	uint64_t *tree;              /* the old tree's blocks */
	size_t ntree;
	bool was_used;               /* in use after the jbd2 replay */
	bool was_dir;
	bool has_tree;               /* extent-mapped (else the map is not touched) */
	bool map_touched;            /* the tree is rewritten at the end */
	bool evicted;                /* its last link went: freed as the kernel's iput does */
	bool map_freed;              /* a block map freed (fc_bmap.c): old and tree list its blocks */
	bool bmap_loaded;            /* a block-mapped directory's map read into ext, old and tree */
};

struct fcr_region {
	uint64_t pblk;
	uint32_t len;
};

struct fcr_blk {
	uint64_t blk;
	uint8_t *data;
};

struct fcr {
	struct fsimg_plan *p;
	struct fsimg_journal *j;
	struct fsimg_fs *fs;
	uint32_t bs;
	unsigned cbits;              /* log2 of blocks per cluster (bigalloc), else 0 */
	struct fcr_blk *b;           /* sorted by blk */
	size_t nb, bcap;
	struct fcr_inode *in;
	size_t nin;
	struct fcr_region *regions;  /* every ADD_RANGE's blocks: not for new blocks */
	size_t nregions, rcap;
	uint64_t *taken;             /* blocks this replay allocated (FCR_MAX_TAKEN) */
	size_t ntaken;
	char *why;                   /* the plan's fc_why buffer */
	size_t whylen;
};

static inline uint64_t gd_u64(const struct fcr *r, const uint8_t *d, size_t lo_off, size_t lo_size, size_t hi_off)
{
	uint64_t v = lo_size == 4 ? get_le32(d + lo_off) : get_le16(d + lo_off);

	if (r->fs->sb.desc_size >= 64)
		v |= (uint64_t)(lo_size == 4 ? get_le32(d + hi_off) : get_le16(d + hi_off)) << (lo_size * 8);
	return v;
}

JBD2_HIDDEN int fcr_stop(struct fcr *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
JBD2_HIDDEN uint8_t *fcr_get(struct fcr *r, uint64_t blk);
/* fs block blk as the jbd2 replay and the tags so far leave it, into buf */
JBD2_HIDDEN int fcr_read_block(struct fcr *r, uint64_t blk, uint8_t *buf);
/* fc_bmap.c: a block-mapped directory's map read (ext); a block-mapped file truncated to nothing */
JBD2_HIDDEN int fcr_bmap_load(struct fcr *r, struct fcr_inode *in, const uint8_t *raw);
JBD2_HIDDEN int fcr_free_bmap(struct fcr *r, struct fcr_inode *in, uint8_t *raw);
/* ext4_ind_map_blocks giving block-mapped directory dir its new block lblk (direct or
 * single indirect; igoal: ext4_inode_to_goal_block); the map and i_blocks updated */
JBD2_HIDDEN int fcr_bmap_append(struct fcr *r, struct fcr_inode *dir, uint32_t lblk, uint64_t igoal, uint64_t *pblk);
JBD2_HIDDEN uint8_t *fcr_raw(struct fcr *r, struct fcr_inode *in);
/* ext4_iget's test: an inode the kernel can open (mode and links) */
JBD2_HIDDEN bool fcr_in_use(struct fcr *r, struct fcr_inode *in);
/* fc_finish.c: after the last tag, trees, i_blocks, checksums, bitmaps and counts */
JBD2_HIDDEN int fcr_finish(struct fcr *r);
JBD2_HIDDEN struct fcr_inode *fcr_inode(struct fcr *r, uint32_t ino);
JBD2_HIDDEN int fcr_punch(struct fcr *r, struct fcr_inode *in, uint64_t a, uint64_t b);
JBD2_HIDDEN int fcr_ext_push(struct fcr_ext **a, size_t *n, size_t *cap, struct fcr_ext e);

/* fc_tree.c: an inode's extent tree written anew from its final map. */
JBD2_HIDDEN void fcr_coalesce(struct fcr_inode *in);
JBD2_HIDDEN int fcr_split_long(struct fcr *r, struct fcr_inode *in);
JBD2_HIDDEN int fcr_write_tree(struct fcr *r, struct fcr_inode *in, size_t *used);
JBD2_HIDDEN size_t fcr_tree_blocks(const struct fcr *r, const struct fcr_inode *in);
JBD2_HIDDEN int fcr_grow_tree(struct fcr *r, struct fcr_inode *in, size_t want, int64_t *delta,
			      bool *touched);
/* Group g's descriptor, writable (in a made block). */
JBD2_HIDDEN uint8_t *fcr_gd(struct fcr *r, fsimg_group_t g);
/* fc_groups.c: block and inode bitmaps with the counts and checksums they carry */
JBD2_HIDDEN int fcr_mark(struct fcr *r, uint64_t blk, uint64_t len, bool on, int64_t *delta, bool *touched);
JBD2_HIDDEN int fcr_fix_groups(struct fcr *r, const int64_t *delta, const bool *touched);
JBD2_HIDDEN int fcr_mark_inode(struct fcr *r, struct fcr_inode *in, bool on);
/* A free block (the first at or after goal, wrapping; with bigalloc a free cluster's first), marked used. */
JBD2_HIDDEN int fcr_alloc(struct fcr *r, uint64_t goal, uint64_t *out, int64_t *delta, bool *touched);
/*
 * A new block for a directory, as ext4_mb_new_blocks_simple takes one in a
 * replay: the first free at or after goal, to the end of the filesystem, not
 * named by any ADD_RANGE of the log (with bigalloc: the first block of the
 * first free cluster whose first block is not named); the caller maps it
 * (finish marks it).
 */
JBD2_HIDDEN int fcr_new_block(struct fcr *r, uint64_t goal, uint64_t *out);
/* ext4_map_blocks giving directory dir its new block lblk in a replay (block map, extents, bigalloc) */
JBD2_HIDDEN int fcr_dir_new_block(struct fcr *r, struct fcr_inode *dir, uint32_t lblk, uint64_t *pblk);
/* A name a tag adds or removes. */
struct fcr_name {
	const uint8_t *name;
	uint32_t nlen;
	uint32_t ino;
	uint8_t ftype;
	uint32_t found_ino;          /* UNLINK: the entry's inode */
	bool ci;                     /* in a casefolded directory: matched and hashed casefolded (ASCII only) */
};

/* ext4_match: 1 the entry's name is op's, 0 not, < 0 stop (a casefold fsimg cannot do) */
JBD2_HIDDEN int fcr_name_eq(struct fcr *r, const struct fcr_name *op, const uint8_t *name, unsigned len);
/* the directory is casefolded (the kernel matches and hashes its names casefolded) */
JBD2_HIDDEN bool fcr_dir_ci(struct fcr *r, struct fcr_inode *dir);

/* fc_dirs.c: directory blocks as ext4_add_entry and ext4_init_new_dir leave them. */
JBD2_HIDDEN bool fcr_dir_has_tail(const struct fcr *r, const uint8_t *b);
JBD2_HIDDEN void fcr_dir_csum(struct fcr *r, struct fcr_inode *dir, uint8_t *b);
/* ext4_check_dir_entry's test of the entry at off (end: where entries stop) */
JBD2_HIDDEN int fcr_dir_bad_entry(struct fcr *r, struct fcr_inode *dir, size_t off, size_t end, const uint8_t *de);
/* 1 added, 2 the name was there (-EEXIST), 0 no room in b, < 0 stop */
JBD2_HIDDEN int fcr_dir_add_to_block(struct fcr *r, struct fcr_inode *dir, uint8_t *b, const struct fcr_name *op);
/* ext4_find_dest_de + ext4_insert_dentry over entries in b[0, end), no checksum: 1, 2 (-EEXIST), 0 no room */
JBD2_HIDDEN int fcr_dir_add_to_buf(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t end,
				   const struct fcr_name *op);
/* ext4_generic_delete_entry of op's name in b[0, end): 1 found (op->found_ino set), 0 not, < 0 stop */
JBD2_HIDDEN int fcr_dir_del_in_buf(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t end, struct fcr_name *op);
/* ext4_append: dir's next block, allocated, zeroed and mapped; i_size grows by a block */
JBD2_HIDDEN int fcr_dir_append(struct fcr *r, struct fcr_inode *dir, uint32_t *lblk, uint8_t **out);
JBD2_HIDDEN void fcr_dir_init_tail(struct fcr *r, uint8_t *b);
/* ext4_init_dot_dotdot: "." (12 bytes) and ".." (dotdot_len bytes) at the start of b */
JBD2_HIDDEN void fcr_dir_dots(uint8_t *b, uint32_t ino, uint32_t parent, uint16_t dotdot_len, uint8_t ftype_dir);
/* fc_inline.c: directories with inline data (ext4_try_add_inline_entry, ext4_delete_inline_entry) */
/* 1 the inode has inline data the kernel sees (INLINE_DATA_FL and a "system.data" xattr), 0 not */
JBD2_HIDDEN bool fcr_has_inline(struct fcr *r, const uint8_t *raw);
/* 1 added, 2 the name was there, 3 converted to a block (go on with fcr_dir_add), < 0 stop */
JBD2_HIDDEN int fcr_inline_add(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op);
/* 1 found (op->found_ino), 0 not, < 0 stop */
JBD2_HIDDEN int fcr_inline_unlink(struct fcr *r, struct fcr_inode *dir, struct fcr_name *op);
/* ext4_try_create_inline_dir: 1 made inline, 0 the inode has no inline data (a block is needed), < 0 stop */
JBD2_HIDDEN int fcr_inline_new_dir(struct fcr *r, struct fcr_inode *in, uint32_t parent);
/* ext4_add_entry: 1 added, 2 the name was there, < 0 stop */
JBD2_HIDDEN int fcr_dir_add(struct fcr *r, struct fcr_inode *dir, const struct fcr_name *op);
/* ext4_init_new_dir: the first block with "." and "..", i_size one block, 2 links */
JBD2_HIDDEN int fcr_init_new_dir(struct fcr *r, struct fcr_inode *in, uint32_t parent, uint8_t ftype_dir);
/* CREAT, LINK, UNLINK (fc_names.c) */
JBD2_HIDDEN int fcr_dentry(struct fcr *r, uint16_t tag, const uint8_t *v, uint32_t len);

#endif /* FSIMG_JBD2_FC_REPLAY_H */
