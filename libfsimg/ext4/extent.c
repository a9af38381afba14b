/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The extent tree: the node verifier (the kernel's __ext4_ext_check) and a
 * walker that yields leaf extents in logical order, with the index and leaf
 * blocks as META runs when asked. The walk keeps an explicit stack (depth is
 * at most 5, no recursion), one block buffer per level, and a bound on the
 * nodes it visits, so a crafted tree cannot loop or grow without end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define EXT_HDR_SIZE sizeof(struct ext4_dextent_header)
#define EXT_ENTRY_SIZE sizeof(struct ext4_dextent)
/* A walk visits at most this many tree blocks, whatever the image claims. */
#define EXT_MAX_NODES (1u << 24)

int ext4_ext_node_check(struct fsimg_fs *fs, const uint8_t *node, size_t len, int want_depth,
			struct ext4_node_info *info, const char **why)
{
	struct cur c = cur_init(node, len);
	uint16_t magic, entries, max, depth;
	bool mismatch = false;
	size_t fit;
	const char *msg;

	(void)fs;
	if (!node || len < EXT_HDR_SIZE) {
		msg = "node too short for an extent header";
		goto corrupt;
	}
	magic = CUR_LE16(&c, 0, struct ext4_dextent_header, eh_magic);
	entries = CUR_LE16(&c, 0, struct ext4_dextent_header, eh_entries);
	max = CUR_LE16(&c, 0, struct ext4_dextent_header, eh_max);
	depth = CUR_LE16(&c, 0, struct ext4_dextent_header, eh_depth);

	if (magic != EXT4_EXT_MAGIC) {
		msg = "invalid magic";
		goto corrupt;
	}
	/*
	 * Below the root a node is read as the level it sits at, as libext2fs
	 * descends (by the root's depth; it never compares a child's eh_depth):
	 * a stored eh_depth that differs is reported (the kernel's
	 * __ext4_ext_check refuses the node), not followed. The walk's depth
	 * stays bounded by the root's.
	 */
	if (want_depth >= 0 && depth != (unsigned)want_depth) {
		mismatch = true;
		depth = (uint16_t)want_depth;
	}
	/* an emptied root is read as empty at any depth (see below) */
	if (depth > EXT4_EXT_READ_DEPTH && !(want_depth < 0 && entries == 0)) {
		msg = "too large eh_depth";
		goto corrupt;
	}
	if (max == 0) {
		msg = "invalid eh_max";
		goto corrupt;
	}
	/*
	 * eh_max must fit the node (4 in i_block, (block_size - 12) / 12 in a
	 * block). A smaller eh_max is the kernel's to read (ext4_ext_max_short
	 * is e2fsprogs' stricter rule, for the checker to report).
	 */
	fit = (len - EXT_HDR_SIZE) / EXT_ENTRY_SIZE;
	if (max > fit) {
		msg = "too large eh_max";
		goto corrupt;
	}
	if (entries > max) {
		msg = "invalid eh_entries";
		goto corrupt;
	}
	/*
	 * An index node below the root holds something. An emptied root of
	 * depth > 0 (the kernel refuses it) is read as holding nothing, as
	 * e2fsprogs reads it (e2fsck only offers to shorten the tree); the
	 * checker warns.
	 */
	if (entries == 0 && depth > 0 && want_depth >= 0) {
		msg = "eh_entries is 0 but eh_depth is > 0";
		goto corrupt;
	}
	if (info) {
		info->entries = entries;
		info->max = max;
		info->depth = depth;
		info->depth_mismatch = mismatch;
	}
	return 0;

corrupt:
	if (why)
		*why = msg;
	return FSIMG_ECORRUPT;
}

/*
 * ext2fs_extent_header_verify refuses an eh_max more than two entries short
 * of what the node holds (room it keeps for a checksum tail); the kernel's
 * __ext4_ext_check only bounds it from above.
 */
bool ext4_ext_max_short(size_t len, unsigned max)
{
	size_t fit = len < EXT_HDR_SIZE ? 0 : (len - EXT_HDR_SIZE) / EXT_ENTRY_SIZE;

	return fit > 2 && max < fit - 2;
}

struct ext_level {
	uint8_t *buf;       /* the node: a copy of i_block at the root, a block below */
	size_t len;
	fsimg_pblk_t blk;   /* 0 at the root (it lives in the inode) */
	uint16_t entries, max, depth;
	uint16_t pos;       /* next entry to take */
	uint32_t prev_idx;  /* ei_block of the previous index entry taken */
};

struct ext4_ext_walk {
	struct fsimg_fs *fs;
	fsimg_ino_t ino;
	uint32_t csum_seed;
	bool verify_csum;
	int sp;                                 /* stack top, -1 when done */
	struct ext_level lv[EXT4_EXT_READ_DEPTH + 1];
	uint8_t root[EXT4_N_BLOCKS * 4];
	uint64_t next_lblk;                     /* end of the previous extent */
	uint64_t nodes, node_limit;
};

static const char *node_name(const struct ext_level *lv, char *buf, size_t len)
{
	if (lv->blk == 0)
		return "i_block";
	snprintf(buf, len, "block %llu", (unsigned long long)lv->blk);
	return buf;
}

int ext4_ext_walk_open(struct ext4_ext_walk **out, struct fsimg_fs *fs,
		       const struct fsimg_inode *inode)
{
	struct ext4_ext_walk *w;
	struct ext4_node_info info;
	const char *why = "";

	*out = NULL;
	/*
	 * The handle's spare walker, with its node buffers (a walk over every
	 * inode opens one after another); else malloc and clear, not calloc:
	 * glibc's calloc bypasses the thread cache.
	 */
	w = fs->ext_spare;
	fs->ext_spare = NULL;
	if (w) {
		/*
		 * Only what this walk reads before it sets it: the levels below
		 * the root keep their buffers, and push_child sets every other
		 * field of a level it enters (clearing all 17 levels per inode
		 * was a tenth of fsck's time).
		 */
		w->csum_seed = 0;
		w->next_lblk = 0;
		w->nodes = 0;
		memset(&w->lv[0], 0, sizeof(w->lv[0]));
	} else {
		w = malloc(sizeof(*w));
		if (!w)
			return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", inode->ino);
		memset(w, 0, sizeof(*w));
	}
	w->fs = fs;
	w->ino = inode->ino;
	memcpy(w->root, inode->i_block, sizeof(w->root));
	if (ext4_ext_node_check(fs, w->root, sizeof(w->root), -1, &info, &why) < 0) {
		ext4_ext_walk_free(w);
		return fs_error(fs, FSIMG_ECORRUPT, "inode %u: extent tree root in i_block: %s",
				inode->ino, why);
	}
	w->lv[0].buf = w->root;
	w->lv[0].len = sizeof(w->root);
	w->lv[0].entries = info.entries;
	w->lv[0].max = info.max;
	w->lv[0].depth = info.depth;
	w->sp = 0;
	w->verify_csum = fs->metadata_csum && !(fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY);
	if (w->verify_csum)
		w->csum_seed = ext4_inode_csum_seed(fs, inode->ino, inode->generation);
	w->node_limit = fs->sb.blocks_count < EXT_MAX_NODES ? fs->sb.blocks_count : EXT_MAX_NODES;
	*out = w;
	return 0;
}

void ext4_ext_walk_free(struct ext4_ext_walk *w)
{
	int i;

	if (!w)
		return;
	for (i = 1; i <= (int)EXT4_EXT_READ_DEPTH; i++)
		free(w->lv[i].buf);
	free(w);
}

void ext4_ext_walk_close(struct ext4_ext_walk *w)
{
	if (!w)
		return;
	if (!w->fs->ext_spare)
		w->fs->ext_spare = w;
	else
		ext4_ext_walk_free(w);
}

/*
 * Under metadata_csum a tree block ends its eh_max entries with a 4-byte
 * tail: crc32c(inode seed, the block up to the tail). A mismatch is a
 * notice, not a reason to stop reading.
 */
static enum fsimg_csum_state node_csum(struct ext4_ext_walk *w, const struct ext_level *lv)
{
	size_t tail = EXT_HDR_SIZE + (size_t)lv->max * EXT_ENTRY_SIZE;
	struct cur c = cur_init(lv->buf, lv->len);
	uint32_t stored, calc;

	if (!w->verify_csum)
		return FSIMG_CSUM_NONE;
	stored = cur_le32(&c, tail);
	if (c.err) {
		fs_notice(w->fs, FSIMG_ECSUM, "inode %u: extent block %llu has no room for its checksum",
			  w->ino, (unsigned long long)lv->blk);
		return FSIMG_CSUM_BAD;
	}
	calc = ext4_csum(w->fs, w->csum_seed, lv->buf, tail);
	if (calc == stored)
		return FSIMG_CSUM_OK;
	fs_notice(w->fs, FSIMG_ECSUM,
		  "inode %u: extent block %llu checksum does not match (0x%08x stored, 0x%08x computed)",
		  w->ino, (unsigned long long)lv->blk, stored, calc);
	return FSIMG_CSUM_BAD;
}

/* Descends into the child of an index entry; fills a META run. */
static int push_child(struct ext4_ext_walk *w, struct ext_level *parent, uint32_t ei_block,
		      fsimg_pblk_t child, struct fsimg_run *run)
{
	struct fsimg_fs *fs = w->fs;
	struct ext_level *lv = &w->lv[w->sp + 1];
	struct ext4_node_info info;
	const char *why = "";
	char name[32];
	int err;

	if (!fs_pblk_ok(fs, child))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent index for logical block %u in %s points to block %llu, outside the filesystem",
				w->ino, ei_block, node_name(parent, name, sizeof(name)),
				(unsigned long long)child);
	if (++w->nodes > w->node_limit)
		return fs_error(fs, FSIMG_ELOOP, "inode %u: extent tree has more than %llu blocks",
				w->ino, (unsigned long long)w->node_limit);
	if (!lv->buf) {
		lv->buf = fs_block_alloc(fs);
		if (!lv->buf)
			return fs_error(fs, FSIMG_ENOMEM, "inode %u: out of memory", w->ino);
	}
	lv->len = fs->block_size;
	err = fs_read_block(fs, child, lv->buf);
	if (err < 0)
		return err;
	lv->blk = child;
	/* A child one level down: a block pointing at itself or an ancestor fails here. */
	if (ext4_ext_node_check(fs, lv->buf, lv->len, parent->depth - 1, &info, &why) < 0)
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent tree block %llu (logical block %u, depth %u): %s",
				w->ino, (unsigned long long)child, ei_block, parent->depth - 1u, why);
	/*
	 * ext4_valid_extent_entries: a node's first entry starts where the
	 * index naming it says (lookups descend by that key).
	 */
	if (info.entries > 0) {
		struct cur c = cur_init(lv->buf, lv->len);
		/* ee_block and ei_block both open an entry */
		uint32_t first = CUR_LE32(&c, EXT_HDR_SIZE, struct ext4_dextent, ee_block);

		if (first != ei_block)
			return fs_error(fs, FSIMG_ECORRUPT,
					"inode %u: extent tree block %llu (depth %u) starts at logical block %u, but the index in %s says %u",
					w->ino, (unsigned long long)child, info.depth, first,
					node_name(parent, name, sizeof(name)), ei_block);
	}
	lv->entries = info.entries;
	lv->max = info.max;
	lv->depth = info.depth;
	lv->pos = 0;
	lv->prev_idx = 0;
	w->sp++;

	memset(run, 0, sizeof(*run));
	run->type = FSIMG_RUN_META;
	run->lblk = ei_block;
	run->len = 1;
	run->pblk = child;
	run->level = info.depth;
	run->entries = info.entries;
	run->max = info.max;
	run->csum_state = node_csum(w, lv);
	if (info.depth_mismatch)
		run->flags |= FSIMG_RUN_DEPTH_MISMATCH;
	return 0;
}

static int take_extent(struct ext4_ext_walk *w, struct ext_level *lv, struct cur *c, size_t off,
		       struct fsimg_run *run)
{
	struct fsimg_fs *fs = w->fs;
	uint32_t ee_block = CUR_LE32(c, off, struct ext4_dextent, ee_block);
	uint16_t ee_len = CUR_LE16(c, off, struct ext4_dextent, ee_len);
	fsimg_pblk_t pblk = CUR_LE32(c, off, struct ext4_dextent, ee_start_lo) |
			    ((fsimg_pblk_t)CUR_LE16(c, off, struct ext4_dextent, ee_start_hi) << 32);
	bool unwritten = ee_len > EXT4_EXT_INIT_MAX_LEN;
	uint64_t len = unwritten ? ee_len - EXT4_EXT_INIT_MAX_LEN : ee_len;
	char name[32];

	if (len == 0)
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent at logical block %u in %s has length 0",
				w->ino, ee_block, node_name(lv, name, sizeof(name)));
	/*
	 * Logical blocks are 32-bit and ext4_valid_extent refuses an end that
	 * wraps to 0: the last block an extent may map is 2^32 - 2.
	 */
	if ((uint64_t)ee_block + len >= (1ull << 32))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent at logical block %u (+%llu) in %s ends at or past 2^32",
				w->ino, ee_block, (unsigned long long)len,
				node_name(lv, name, sizeof(name)));
	if (ee_block < w->next_lblk)
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent at logical block %u in %s starts before the previous one ends (%llu)",
				w->ino, ee_block, node_name(lv, name, sizeof(name)),
				(unsigned long long)w->next_lblk);
	if (!fs_pblk_range_ok(fs, pblk, len))
		return fs_error(fs, FSIMG_ECORRUPT,
				"inode %u: extent at logical block %u in %s maps blocks %llu+%llu, outside the filesystem",
				w->ino, ee_block, node_name(lv, name, sizeof(name)),
				(unsigned long long)pblk, (unsigned long long)len);
	w->next_lblk = (uint64_t)ee_block + len;

	memset(run, 0, sizeof(*run));
	run->type = unwritten ? FSIMG_RUN_UNWRITTEN : FSIMG_RUN_MAPPED;
	run->lblk = ee_block;
	run->len = len;
	run->pblk = pblk;
	return 0;
}

int ext4_ext_walk_next(struct ext4_ext_walk *w, struct fsimg_run *run)
{
	struct fsimg_fs *fs = w->fs;

	while (w->sp >= 0) {
		struct ext_level *lv = &w->lv[w->sp];
		struct cur c = cur_init(lv->buf, lv->len);
		size_t off;
		uint32_t ei_block;
		fsimg_pblk_t child;
		char name[32];
		int err;

		if (lv->pos >= lv->entries) {
			w->sp--;
			continue;
		}
		/* entries <= eh_max <= what fits in the node: checked when it was read */
		off = EXT_HDR_SIZE + (size_t)lv->pos * EXT_ENTRY_SIZE;
		lv->pos++;
		if (lv->depth == 0) {
			err = take_extent(w, lv, &c, off, run);
			if (err < 0)
				w->sp = -1;
			return err < 0 ? err : 1;
		}

		ei_block = CUR_LE32(&c, off, struct ext4_dextent_idx, ei_block);
		child = CUR_LE32(&c, off, struct ext4_dextent_idx, ei_leaf_lo) |
			((fsimg_pblk_t)CUR_LE16(&c, off, struct ext4_dextent_idx, ei_leaf_hi) << 32);
		/* Index entries must increase, as the kernel's lookups assume. */
		if (lv->pos > 1 && ei_block <= lv->prev_idx) {
			w->sp = -1;
			return fs_error(fs, FSIMG_ECORRUPT,
					"inode %u: extent index for logical block %u in %s is not after the previous one (%u)",
					w->ino, ei_block, node_name(lv, name, sizeof(name)),
					lv->prev_idx);
		}
		lv->prev_idx = ei_block;
		err = push_child(w, lv, ei_block, child, run);
		if (err < 0) {
			w->sp = -1;
			return err;
		}
		return 1; /* a META run; map.c drops it unless asked */
	}
	return 0;
}
