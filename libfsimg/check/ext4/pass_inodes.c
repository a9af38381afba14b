/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passes 2 and 3: every inode of every initialised inode table, read in large
 * sequential chunks, a block group per unit of check_parallel (so threads
 * check groups side by side and report as one thread would), and the mapping of every inode in use (extent tree or
 * block map, through the one mapping iterator), claiming each data and tree
 * block. Alongside the structure, the state of data: written blocks past
 * EOF, sizes ending in unwritten extents, preallocation, and (with
 * FSIMG_CHECK_SCAN_DATA) unwritten blocks that hold non-zero bytes.
 *
 * "In use" is e2fsck's: a reserved inode (below s_first_ino, or one the
 * superblock names as a quota or the orphan file) always, any other inode
 * when its link count is not zero.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/pass_inodes.h"


/*
 * An orphan is pending: the kernel (and e2fsck, before its passes) finish
 * the deletion or truncation, so its dtime (the next orphan), a link count
 * of 0, and blocks past EOF are not findings.
 */
bool p2_is_orphan(const struct pass2 *p2, fsimg_ino_t ino)
{
	return p2->orphans && bit_test(p2->orphans, ino);
}

const char *p2_type_name(uint16_t mode)
{
	switch (mode & S_IFMT_) {
	case S_IFDIR_:
		return "directory";
	case S_IFLNK_:
		return "symlink";
	case S_IFCHR_:
		return "character device";
	case S_IFBLK_:
		return "block device";
	case S_IFIFO_:
		return "fifo";
	case S_IFSOCK_:
		return "socket";
	default:
		return "regular file";
	}
}

static bool buf_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/*
 * --scan-data: reads the blocks under one unwritten run in bounded chunks
 * and counts those holding any non-zero byte (UNWRITTEN reads as zeros).
 */
static void scan_unwritten(struct pass2 *p2, const struct fsimg_run *run, struct walk *w)
{
	fsimg_fs *fs = p2->fs;
	uint32_t bs = fs->block_size;
	uint64_t per = SCAN_CHUNK / bs, done = 0;

	if (!p2->scan_buf) {
		p2->scan_buf = malloc(SCAN_CHUNK);
		if (!p2->scan_buf)
			return;
	}
	while (done < run->len) {
		uint64_t n = run->len - done < per ? run->len - done : per, i;

		if (fs_read_blocks(fs, run->pblk + done, n, p2->scan_buf) < 0)
			return;
		for (i = 0; i < n; i++) {
			if (buf_zero(p2->scan_buf + i * bs, bs))
				continue;
			if (w->nonzero++ == 0) {
				w->nz_lblk = run->lblk + done + i;
				w->nz_pblk = run->pblk + done + i;
			}
		}
		done += n;
	}
}

/* Counts a data run for i_blocks: clusters not already counted for the previous block. */
static void count_data(struct pass2 *p2, struct walk *w, fsimg_pblk_t pblk, uint64_t len)
{
	uint64_t first, last;

	if (!p2->cluster_bits) {
		w->units += len;
		return;
	}
	first = pblk >> p2->cluster_bits;
	last = (pblk + len - 1) >> p2->cluster_bits;
	w->units += last - first + 1;
	if (w->have_cluster && w->last_cluster == first)
		w->units--;
	w->last_cluster = last;
	w->have_cluster = true;
}

/* e2fsprogs' lower bound on an extent node's eh_max (the kernel has none): node in detail. */
static void check_ext_max(struct pass2 *p2, const struct fsimg_inode *in, size_t len, unsigned max,
			  const char *node)
{
	struct fsimg_problem_ctx p;

	if (!ext4_ext_max_short(len, max))
		return;
	p = pctx_inode(in->ino);
	PCTX_SET(p, found, FSIMG_PF_FOUND, max);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, (len - 12) / 12 - 2);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, node);
	check_report(p2->c, PR_EXTENT_MAX_SHORT, &p);
}

static void walk_run(struct pass2 *p2, const struct fsimg_inode *in, const struct fsimg_run *run,
		     struct walk *w)
{
	struct check_ctx *c = p2->c;
	struct fsimg_problem_ctx p;
	uint16_t fmt = in->mode & S_IFMT_;
	uint64_t end;

	switch (run->type) {
	case FSIMG_RUN_META:
		if (!fs_pblk_range_ok(p2->fs, run->pblk, 1))
			return;
		if (run->csum_state == FSIMG_CSUM_BAD) {
			/* metadata_csum: the tail of every extent block covers the node. */
			p = pctx_inode(in->ino);
			PCTX_SET(p, block, FSIMG_PF_BLOCK, run->pblk);
			PCTX_SET(p, lblk, FSIMG_PF_LBLK, run->lblk);
			check_report(c, PR_EXTENT_BLOCK_CSUM, &p);
		}
		if (run->flags & FSIMG_RUN_DEPTH_MISMATCH) {
			p = pctx_inode(in->ino);
			PCTX_SET(p, block, FSIMG_PF_BLOCK, run->pblk);
			PCTX_SET(p, lblk, FSIMG_PF_LBLK, run->lblk);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, (uint64_t)run->level);
			check_report(c, PR_EXTENT_DEPTH_MISMATCH, &p);
		}
		if (in->flags & EXT4_EXTENTS_FL) {
			char node[32];

			snprintf(node, sizeof(node), "block %llu", (unsigned long long)run->pblk);
			check_ext_max(p2, in, p2->fs->block_size, run->max, node);
		}
		/*
		 * The resize inode's indirect blocks point at the reserved GDT
		 * blocks, which pass 1 claimed: only its double indirect block
		 * is its own (e2fsck does the same).
		 */
		if (in->ino == EXT2_RESIZE_INO && run->level != 2) {
			w->units++;
			return;
		}
		/* A tree block counts as a whole cluster for i_blocks. */
		w->units++;
		check_claim(c, run->pblk, 1);
		return;
	case FSIMG_RUN_MAPPED:
	case FSIMG_RUN_UNWRITTEN:
		break;
	default:
		return;
	}

	/* The iterator checked the physical range; be safe anyway. */
	if (!fs_pblk_range_ok(p2->fs, run->pblk, run->len))
		return;
	end = run->lblk + run->len; /* <= 2^32, checked by the iterator */
	/* bigalloc: a block's offset in its logical and its physical cluster agree (e2fsck, once per inode) */
	if (p2->cluster_bits && !w->misaligned &&
	    ((run->lblk ^ run->pblk) & ((UINT64_C(1) << p2->cluster_bits) - 1))) {
		w->misaligned = true;
		p = pctx_inode(in->ino);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, run->lblk);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, run->pblk);
		check_report(c, PR_EXTENT_CLUSTER_MISALIGNED, &p);
	}
	if (in->ino == EXT2_RESIZE_INO) {
		w->units += run->len;
	} else {
		count_data(p2, w, run->pblk, run->len);
		check_claim(c, run->pblk, run->len);
	}

	if (run->lblk == 0)
		w->block0 = run->pblk;
	if ((int64_t)end - 1 > w->last_any)
		w->last_any = (int64_t)end - 1;

	if (run->type == FSIMG_RUN_MAPPED) {
		w->last_written = (int64_t)end - 1;
		w->unwritten_in_tail = 0;
		return;
	}

	/* Unwritten: legal only in regular files (the kernel's rule). */
	if (fmt != S_IFREG_ && !w->reported_nonreg) {
		w->reported_nonreg = true;
		p = pctx_inode(in->ino);
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, run->lblk);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, run->len);
		if (fmt == S_IFDIR_) {
			check_report(c, PR_EXTENT_UNWRITTEN_DIR, &p);
		} else {
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, p2_type_name(in->mode));
			check_report(c, PR_EXTENT_UNWRITTEN_NONREG, &p);
		}
	}
	if (end > w->eof_lblk)
		w->prealloc += end - (run->lblk > w->eof_lblk ? run->lblk : w->eof_lblk);
	if (run->lblk < w->eof_lblk) {
		w->unwritten_in_tail += (end < w->eof_lblk ? end : w->eof_lblk) - run->lblk;
		if (end >= w->eof_lblk && w->eof_lblk > 0) {
			w->eof_in_unwritten = true;
			w->eof_run = *run;
		}
	}
	if ((c->opts.flags & FSIMG_CHECK_SCAN_DATA) && in->ino != EXT2_RESIZE_INO)
		scan_unwritten(p2, run, w);
}

/*
 * e2fsck's largest files (PR_1_TOOBIG_DIR, PR_1_TOOBIG_REG), once per inode:
 * without large_dir a directory whose i_size_high is 0 ends by logical block
 * 2^21 / (block size in KiB) (an extent may end there, a block map's block
 * index may reach it); a block-mapped directory or regular file counts fewer
 * than 2^31 / (block size in KiB) block pointers, its indirect blocks with
 * its data (extent-mapped files are bounded by their extents instead).
 * Runs from the iterator are checked at their first and last block.
 */
static void check_toobig(struct pass2 *p2, const struct fsimg_inode *in, const struct fsimg_run *run,
			 struct walk *w)
{
	const struct fsimg_super *sb = e4(p2->c)->sb;
	unsigned shift = p2->fs->log_block_size - 10;
	uint16_t fmt = in->mode & S_IFMT_;
	bool extents = (in->flags & EXT4_EXTENTS_FL) != 0;
	uint64_t dir_max = UINT64_C(1) << (21 - shift), ptr_max = UINT64_C(1) << (31 - shift);
	struct fsimg_problem_ctx p;

	if (w->toobig || (fmt != S_IFDIR_ && fmt != S_IFREG_))
		return;
	if (!extents)
		w->mapped += run->type == FSIMG_RUN_META ? 1 : run->len;
	p = pctx_inode(in->ino);
	if (fmt == S_IFDIR_ && run->type != FSIMG_RUN_META && !(in->size >> 32) &&
	    !(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_LARGEDIR) &&
	    (extents ? run->lblk + run->len > dir_max : run->lblk + run->len - 1 > dir_max)) {
		PCTX_SET(p, lblk, FSIMG_PF_LBLK, run->lblk + run->len - 1);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, dir_max);
		check_report(p2->c, PR_INODE_DIR_TOOBIG, &p);
		w->toobig = true;
	} else if (!extents && w->mapped + 1 >= ptr_max) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, w->mapped);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, ptr_max - 1);
		check_report(p2->c, fmt == S_IFDIR_ ? PR_INODE_DIR_TOOBIG : PR_INODE_REG_TOOBIG, &p);
		w->toobig = true;
	}
}

/* Walks the mapping of an inode in use, claiming its blocks. */
static void walk_mapping(struct pass2 *p2, const struct fsimg_inode *in, struct walk *w)
{
	struct check_ctx *c = p2->c;
	fsimg_fs *fs = p2->fs;
	struct fsimg_problem_ctx p;
	struct fsimg_run run;
	fsimg_map *m = NULL;
	bool extents = (in->flags & EXT4_EXTENTS_FL) != 0;
	int err;

	err = fsimg_map_open(&m, fs, in, FSIMG_MAP_TREE);
	if (err < 0) {
		if (err == FSIMG_ENOMEM) {
			w->failed = true;
			return;
		}
		p = pctx_inode(in->ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, fsimg_fs_errmsg(fs));
		if ((in->mode & S_IFMT_) == S_IFLNK_ && !(in->flags & EXT4_INLINE_DATA_FL) &&
		    !extents)
			check_report(c, PR_INODE_BAD_SYMLINK, &p);
		else if (in->flags & EXT4_INLINE_DATA_FL)
			check_report(c, PR_INODE_BAD_INLINE, &p);
		else
			check_report(c, extents ? PR_EXTENT_ROOT_CORRUPT : PR_BLOCKMAP_CORRUPT, &p);
		w->failed = true;
		return;
	}
	if (extents && !(in->flags & EXT4_INLINE_DATA_FL)) {
		check_ext_max(p2, in, sizeof(in->i_block), (unsigned)(in->i_block[4] | in->i_block[5] << 8),
			      "i_block");
		/* eh_entries 0, eh_depth > 0: read as empty (e2fsck: could be shorter) */
		if (!(in->i_block[2] | in->i_block[3]) && (in->i_block[6] | in->i_block[7])) {
			p = pctx_inode(in->ino);
			PCTX_SET(p, found, FSIMG_PF_FOUND, (unsigned)(in->i_block[6] | in->i_block[7] << 8));
			check_report(c, PR_EXTENT_ROOT_EMPTY_INDEX, &p);
		}
		/* read as e2fsprogs reads it; the kernel stops at its depth limit */
		if ((unsigned)(in->i_block[6] | in->i_block[7] << 8) > EXT4_EXT_MAX_DEPTH) {
			p = pctx_inode(in->ino);
			PCTX_SET(p, found, FSIMG_PF_FOUND, (unsigned)(in->i_block[6] | in->i_block[7] << 8));
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, EXT4_EXT_MAX_DEPTH);
			check_report(c, PR_EXTENT_TREE_TOO_DEEP, &p);
		}
	}
	while ((err = fsimg_map_next(m, &run)) > 0) {
		if (run.type == FSIMG_RUN_META || run.type == FSIMG_RUN_MAPPED || run.type == FSIMG_RUN_UNWRITTEN)
			check_toobig(p2, in, &run, w);
		walk_run(p2, in, &run, w);
	}
	if (err < 0) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, fsimg_fs_errmsg(fs));
		if (err != FSIMG_ENOMEM)
			check_report(c, extents ? PR_EXTENT_TREE_CORRUPT : PR_BLOCKMAP_CORRUPT, &p);
		w->failed = true;
	}
	fsimg_map_close(m);
}

/*
 * Claims an inode's xattr block once: inodes may share one (h_refcount).
 * One outside the filesystem only marks the inode bad in e2fsck's pass 1
 * (check_ext_attr), which pass 2 acts on when an entry names the inode: never
 * for a reserved one (no name), so it is not reported there.
 */
static void claim_xattr_block(struct pass2 *p2, const struct fsimg_inode *in, struct walk *w,
			      bool reserved)
{
	struct check_ctx *c = p2->c;
	fsimg_fs *fs = p2->fs;
	struct fsimg_problem_ctx p;

	if (!in->file_acl)
		return;
	if (!fs_pblk_ok(fs, in->file_acl)) {
		/*
		 * e2fsck's check_ext_attr marks the inode bad (pass 2 judges it
		 * where a directory names it, never a reserved one) and
		 * check_blocks goes on to hold i_blocks against the blocks
		 * without it.
		 */
		if (!reserved) {
			p = pctx_inode(in->ino);
			PCTX_SET(p, block, FSIMG_PF_BLOCK, in->file_acl);
			check_report(c, PR_INODE_BAD_XATTR_BLOCK, &p);
			w->failed = true;
		}
		return;
	}
	w->units++; /* one cluster, whatever the cluster size */
	check_xattr_ref(c, in->file_acl);
	if (p2->ea_seen && !bit_test_and_set_shared(p2->ea_seen, in->file_acl))
		check_claim(c, in->file_acl, 1);
}

static bool iblock_empty(const struct fsimg_inode *in)
{
	return buf_zero(in->i_block, sizeof(in->i_block));
}

/* One inode record of an initialised inode table. */
/*
 * The reserved inodes whose i_size e2fsck's pass 1 judges (it runs
 * check_blocks on them): below s_first_ino but the bad blocks inode, the
 * reserved quota inodes 3 and 4 unless the superblock names them with
 * quota, and inode 8 unless it is the journal.
 */
static bool reserved_sized(const struct fsimg_super *sb, fsimg_ino_t ino)
{
	uint32_t first = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;

	if (ino == EXT2_BAD_INO || ino == FSIMG_ROOT_INO || ino >= first)
		return false;
	if (ino == 3 || ino == 4)
		return (sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_QUOTA) &&
		       ext4_sb_inode_role(sb, ino) != EXT4_SBINO_NONE;
	if (ino == 8)
		return sb->journal_inum == 8;
	return true;
}

/*
 * e2fsck's low_dtime_check: a dtime below s_inodes_count names the next
 * orphan, unless the superblock's write, mount or mkfs time is that low
 * (a clock at the epoch). Returns the bound, or 0 when not checked.
 */
static uint32_t low_dtime_bound(struct check_ctx *c)
{
	const uint8_t *raw = c->fs->raw_sb;
	const uint32_t n = e4(c)->sb->inodes_count;
	/* s_mtime, s_wtime, s_mkfs_time and their high bytes */
	const size_t lo[3] = { 0x2C, 0x30, 0x108 }, hi[3] = { 0x275, 0x274, 0x276 };

	for (int i = 0; i < 3; i++) {
		uint64_t t = get_le32(raw + lo[i]) | (uint64_t)raw[hi[i]] << 32;

		if (t && t < n)
			return 0;
	}
	return n;
}

static void check_inode(struct pass2 *p2, fsimg_ino_t ino, const uint8_t *raw)
{
	struct check_ctx *c = p2->c;
	fsimg_fs *fs = p2->fs;
	uint16_t isz = e4(c)->sb->inode_size;
	struct fsimg_inode in;
	struct fsimg_problem_ctx p;
	struct walk w;
	uint16_t mode = (uint16_t)(raw[0] | raw[1] << 8);
	uint16_t links = (uint16_t)(raw[26] | raw[27] << 8);
	/* the superblock's quota and orphan file inodes are reserved ones too (e2fsck pass 1) */
	bool reserved = ino < p2->first_ino ? ino != FSIMG_ROOT_INO :
					      ext4_sb_inode_nameless(e4(c)->sb, ino);
	bool special;

	/*
	 * e2fsck's PR_1_LOW_DTIME, on every inode; an in-use one is
	 * INODE_DTIME_SET's, but for the reserved ones, whose dtime nothing
	 * else looks at (pass 1 takes the low dtime of an in-use resize or
	 * journal inode for an orphan link too)
	 */
	if ((links == 0 || reserved) && p2->low_dtime) {
		uint32_t dtime = get_le32(raw + 20);

		if (dtime && dtime < p2->low_dtime && !p2_is_orphan(p2, ino)) {
			p = pctx_inode(ino);
			PCTX_SET(p, found, FSIMG_PF_FOUND, dtime);
			check_report(c, PR_INODE_LOW_DTIME, &p);
		}
	}
	/* Unused and never used: nothing more to check (the fast path of the scan). */
	if (!reserved && links == 0 && mode == 0)
		return;
	/*
	 * In a block the bad block list names: e2fsck does not read it, and
	 * counts it in use (its entries are PR_2_BB_INODE, its links unchecked).
	 */
	if (e4(c)->bad && check_inode_in_bad_block(c, ino)) {
		if (ino == EXT2_BAD_INO) {
			p = pctx_inode(ino);
			check_report(c, PR_BADBLOCKS_SELF, &p);
		}
		check_note_inode(c, ino, mode, links);
		bit_set_shared(c->ino_bad, ino);
		return;
	}
	if (ext4_inode_from_disk(&in, fs, ino, raw, isz) < 0)
		return;
	if (fs->metadata_csum && !(fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY) &&
	    !ext4_inode_csum_ok(fs, ino, raw, isz)) {
		p = pctx_inode(ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, in.checksum);
		check_report(c, PR_INODE_CSUM, &p);
	}

	if (!reserved && links == 0) {
		/* Deleted: a mode without a dtime is a deletion left half done. */
		if (in.dtime == 0 && ino != FSIMG_ROOT_INO && !p2_is_orphan(p2, ino)) {
			p = pctx_inode(ino);
			check_report(c, PR_INODE_ZERO_DTIME, &p);
		}
		/* A deleted orphan owns its blocks until released (pass 6 counts it in use). */
		if (p2_is_orphan(p2, ino) && in.mode != 0) {
			memset(&w, 0, sizeof(w));
			w.last_written = -1;
			w.last_any = -1;
			claim_xattr_block(p2, &in, &w, false);
			walk_mapping(p2, &in, &w);
		}
		return;
	}

	c->sum.inodes_checked++;
	check_note_inode(c, ino, in.mode, in.links_count);

	memset(&w, 0, sizeof(w));
	w.last_written = -1;
	w.last_any = -1;
	w.eof_lblk = (in.size >> fs->log_block_size) + ((in.size & (fs->block_size - 1)) != 0);

	inode_check_extra_isize(p2, &in, raw, reserved);
	inode_check_flags(p2, &in, reserved);
	check_inode_rules(c, &in, raw, reserved);
	if (reserved) {
		check_reserved_mode(c, &in);
		if (reserved_sized(e4(c)->sb, ino) && (in.mode & S_IFMT_) != S_IFLNK_ &&
		    (in.mode & S_IFMT_) != S_IFDIR_)
			inode_check_max_size(p2, &in);
		/* Reserved inodes without content (mode 0, nothing mapped) are fine. */
		if (in.mode == 0 && in.blocks == 0 && in.file_acl == 0 && iblock_empty(&in))
			return;
		/*
		 * e2fsck walks a reserved inode's blocks only when its mode is a
		 * regular file, directory or symlink (ext2fs_inode_has_valid_blocks2;
		 * the bad blocks inode apart): other blocks are neither claimed nor
		 * counted (a resize inode without the feature: RESIZE_INODE_NOT_CLEAR).
		 */
		if (ino != EXT2_BAD_INO && (in.mode & S_IFMT_) != S_IFREG_ &&
		    (in.mode & S_IFMT_) != S_IFDIR_ && (in.mode & S_IFMT_) != S_IFLNK_) {
			if (check_xattr_inode(c, &in, raw))
				claim_xattr_block(p2, &in, &w, true);
			inode_check_iblocks(p2, &in, &w);
			return;
		}
		if (check_xattr_inode(c, &in, raw))
			claim_xattr_block(p2, &in, &w, true);
		walk_mapping(p2, &in, &w);
		/* e2fsck walks the bad block list for its blocks only, not its i_blocks */
		if (!w.failed && ino != EXT2_BAD_INO)
			inode_check_iblocks(p2, &in, &w);
		return;
	}

	special = !inode_check_mode(p2, &in);
	check_inode_fields(c, &in, raw);
	inode_check_really_dir(p2, &in, raw);
	if (special)
		bit_set_shared(c->ino_bad, ino);
	if (in.dtime && !p2_is_orphan(p2, ino)) {
		p = pctx_inode(ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, in.dtime);
		check_report(c, PR_INODE_DTIME_SET, &p);
	}

	/* e2fsck: an inline-data inode (with the feature) carries a system.data xattr. */
	if ((in.flags & EXT4_INLINE_DATA_FL) &&
	    (e4(c)->sb->feature_incompat & EXT4_FEATURE_INCOMPAT_INLINE_DATA)) {
		const uint8_t *value;
		size_t value_len;

		if (ext4_xattr_ibody_get_e2fs(raw, isz, EXT4_XATTR_INDEX_SYSTEM, "data", &value,
					      &value_len) < 0) {
			p = pctx_inode(ino);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "no valid system.data attribute");
			check_report(c, PR_INODE_BAD_INLINE, &p);
		} else if ((in.mode & S_IFMT_) == S_IFLNK_ &&
			   in.size != sizeof(in.i_block) + (uint64_t)value_len) {
			/*
			 * e2fsck_pass1_check_symlink: an inline target is all of
			 * i_block and the system.data value, exactly i_size bytes
			 * (ext2fs_inline_data_size); any other size is invalid.
			 */
			p = pctx_inode(ino);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL,
				 "an inline target whose i_size is not 60 bytes plus its system.data value");
			check_report(c, PR_INODE_BAD_SYMLINK, &p);
			bit_set_shared(c->ino_bad, ino);
		}
	}
	if (check_xattr_inode(c, &in, raw))
		claim_xattr_block(p2, &in, &w, false);
	walk_mapping(p2, &in, &w);
	check_quota_usage_add(c, &in, w.units);
	if (w.failed) {
		bit_set_shared(c->ino_bad, ino);
		return;
	}
	if ((in.mode & S_IFMT_) == S_IFLNK_)
		inode_check_symlink(p2, &in, &w);
	inode_check_iblocks(p2, &in, &w);
	inode_check_size(p2, &in, &w);
	inode_check_data_state(p2, &in, &w);
}

/* Reads one group's initialised inode table in chunks and checks each record. */
static int scan_group(struct pass2 *p2, fsimg_group_t g)
{
	uint8_t *buf = p2->buf;
	size_t buflen = p2->buflen;
	struct check_ctx *c = p2->c;
	fsimg_fs *fs = p2->fs;
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_group grp;
	bool csum = fs->metadata_csum || fs->gdt_csum;
	uint32_t ipg = sb->inodes_per_group, n = ipg, isz = sb->inode_size, i;
	uint64_t bytes, blocks, done = 0, per = buflen / fs->block_size;

	if (fsimg_ext4_group_get(&grp, fs, g) < 0)
		return 0;
	/* As e2fsck: with group checksums, INODE_UNINIT tables and the unused tail are not read. */
	if (csum && (grp.flags & FSIMG_BG_INODE_UNINIT))
		return 0;
	if (csum && grp.itable_unused <= ipg)
		n = ipg - grp.itable_unused;
	if (n == 0)
		return 0;
	/* An inode table outside the filesystem is pass 1's finding. */
	if (!fs_pblk_range_ok(fs, grp.inode_table, sb->inode_table_blocks))
		return 0;
	bytes = (uint64_t)n * isz;
	blocks = (bytes + fs->block_size - 1) / fs->block_size;
	if (blocks > sb->inode_table_blocks)
		blocks = sb->inode_table_blocks;
	i = 0;
	while (done < blocks && i < n) {
		uint64_t k = blocks - done < per ? blocks - done : per;
		uint64_t in_chunk = k * fs->block_size / isz, j;

		if (fs_read_blocks(fs, grp.inode_table + done, k, buf) < 0)
			return 0; /* unreadable: nothing of it can be judged */
		for (j = 0; j < in_chunk && i < n; j++, i++) {
			uint64_t ino = (uint64_t)g * ipg + i + 1;

			/* s_inodes_count short of the groups' tables is pass 1's finding */
			if (ino > sb->inodes_count)
				return 0;
			check_inode(p2, (fsimg_ino_t)ino, buf + j * isz);
		}
		done += k;
	}
	return 0;
}

/*
 * The orphan list: s_last_orphan, then each inode's i_dtime names the next
 * (inodes deleted or truncated while open; the kernel finishes them at
 * mount, e2fsck -n leaves them). Noted as an info with its length; the walk
 * stops at inode 0, an inode out of range, or ORPHAN_MAX steps (a loop).
 */
static void note_orphans(struct check_ctx *c, struct pass2_shared *sh)
{
	fsimg_ino_t ino = e4(c)->sb->last_orphan;
	struct fsimg_problem_ctx p;
	struct fsimg_inode in;
	uint64_t n = 0;

	if (ino == 0)
		return;
	sh->orphans = calloc(1, (size_t)e4(c)->sb->inodes_count / 8 + 1);
	p = pctx_inode(ino);
	while (ino && n < ORPHAN_MAX) {
		check_orphan_link(c, ino, n == 0);
		if (!fs_ino_ok(c->fs, ino))
			break;
		n++;
		if (sh->orphans)
			bit_set(sh->orphans, ino);
		if (fsimg_inode_read(&in, c->fs, ino) < 0)
			break;
		ino = in.dtime;
	}
	PCTX_SET(p, found, FSIMG_PF_FOUND, n);
	check_report(c, PR_INODE_ORPHAN_LIST, &p);
}

static int p2_init(struct check_ctx *tc, void *tls, void *arg)
{
	struct pass2 *p2 = tls;
	const struct pass2_shared *sh = arg;

	p2->c = tc;
	p2->fs = tc->fs;
	p2->first_ino = sh->first_ino;
	p2->cluster_bits = sh->cluster_bits;
	p2->ea_seen = sh->ea_seen;
	p2->orphans = sh->orphans;
	p2->low_dtime = sh->low_dtime;
	p2->buflen = sh->buflen;
	p2->buf = malloc(sh->buflen);
	return p2->buf ? 0 : FSIMG_ENOMEM;
}

static void p2_unit(struct check_ctx *tc, void *tls, uint64_t g, void *arg)
{
	(void)tc;
	(void)arg;
	scan_group(tls, (fsimg_group_t)g);
}

static void p2_done(struct check_ctx *c, uint64_t g, void *arg)
{
	(void)arg;
	check_progress(c, 2, "inodes", g + 1, e4(c)->sb->group_count);
}

static void p2_fini(struct check_ctx *tc, void *tls, void *arg)
{
	struct pass2 *p2 = tls;

	(void)tc;
	(void)arg;
	free(p2->buf);
	free(p2->scan_buf);
}

int check_pass_inodes(struct check_ctx *c)
{
	static const struct check_par_ops ops = {
		sizeof(struct pass2), p2_init, p2_unit, p2_done, p2_fini,
	};
	fsimg_fs *fs = c->fs;
	const struct fsimg_super *sb = e4(c)->sb;
	struct pass2_shared sh;
	int err;

	memset(&sh, 0, sizeof(sh));
	sh.first_ino = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;
	sh.low_dtime = low_dtime_bound(c);
	while ((1ull << sh.cluster_bits) * sb->block_size < sb->cluster_size && sh.cluster_bits < 32)
		sh.cluster_bits++;
	sh.buflen = ITABLE_CHUNK < fs->block_size ? fs->block_size : ITABLE_CHUNK;
	/* untouched pages of it cost nothing: only xattr blocks' bits are set */
	sh.ea_seen = calloc(1, (size_t)((sb->blocks_count + 7) / 8));
	if (!sh.ea_seen)
		return FSIMG_ENOMEM;
	note_orphans(c, &sh);
	check_orphan_file(c, &sh.orphans);
	check_quota_usage_start(c);
	check_enc_start(c);
	check_xattr_refs_start(c);
	check_badblocks_load(c);
	err = check_parallel(c, sb->group_count, &ops, &sh);
	if (err == 0)
		check_xattr_blocks(c, sh.ea_seen);
	e4(c)->ino_orphan = sh.orphans; /* pass 6's; freed with the context */
	free(sh.ea_seen);
	return err;
}
