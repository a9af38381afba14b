/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 2, before the inode scan: the orphan file (orphan_file
 * feature, s_orphan_file_inum; the kernel's fs/ext4/orphan.c). Each of its
 * blocks holds (block_size - 8) / 4 __le32 inode numbers of orphans (0: a
 * free slot), then a tail: ob_magic, and under metadata_csum ob_checksum,
 * crc32c from the orphan inode's checksum seed over the block's physical
 * number (__le64) and the entries (ext4_orphan_file_block_csum_verify).
 *
 * The kernel refuses to mount when a block is a hole or has a wrong magic
 * or checksum (ext4_init_orphan_info), and at mount finishes every orphan
 * the file names, after the s_last_orphan chain (ext4_orphan_cleanup). The
 * orphans found join the chain's in the pass's orphan map: their inodes and
 * blocks stay in use until then.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "check/ext4/e4check.h"

#define S_IFMT_ 0xF000u
#define S_IFREG_ 0x8000u
#define OB_TAIL sizeof(struct ext4_dorphan_block_tail)

struct orphan_scan {
	struct check_ctx *c;
	fsimg_ino_t ino;
	uint32_t seed;               /* the orphan inode's checksum seed */
	uint8_t **orphans;
	uint64_t entries;            /* orphans named */
	uint64_t bad_blocks;         /* blocks the kernel refuses */
	char first_bad[96];          /* the first of them, and why */
	uint64_t bad_entries;        /* numbers outside s_first_ino..s_inodes_count */
	uint32_t first_bad_entry;
	uint64_t reserved_entries;   /* reserved inodes in use (links_count > 0) */
	uint32_t first_reserved_entry;
};

static void report_bad(struct check_ctx *c, fsimg_ino_t ino, const char *detail)
{
	struct fsimg_problem_ctx p = ino ? pctx_inode(ino) : pctx_none();

	PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(c, PR_ORPHAN_FILE_BAD, &p);
}

static void note_bad_block(struct orphan_scan *o, fsimg_lblk_t lblk, const char *why)
{
	if (o->bad_blocks++ == 0)
		snprintf(o->first_bad, sizeof(o->first_bad), "block %llu %.60s",
			 (unsigned long long)lblk, why);
}

/* ext4_orphan_file_block_csum_verify */
static bool block_csum_ok(const struct orphan_scan *o, fsimg_pblk_t pblk, const uint8_t *blk)
{
	const struct fsimg_fs *fs = o->c->fs;
	size_t tail = fs->block_size - OB_TAIL;
	uint8_t le[8];
	uint32_t crc;
	struct cur cur = cur_init(blk, fs->block_size);

	put_le32(le, (uint32_t)pblk);
	put_le32(le + 4, (uint32_t)(pblk >> 32));
	crc = ext4_csum(fs, o->seed, le, sizeof(le));
	crc = ext4_csum(fs, crc, blk, tail);
	return crc == CUR_LE32(&cur, tail, struct ext4_dorphan_block_tail, ob_checksum);
}

/*
 * Whether e2fsck's release of reserved inode INO as an orphan with links
 * (release_inode_blocks, truncating) leaves it as it is: no xattr block
 * (whose reference it drops), extent-mapped (a block-mapped file's
 * all-zero indirect blocks are freed, the resize inode's among them) and
 * no block at or past the one that holds i_size's end.
 */
static bool reserved_truncate_noop(fsimg_fs *fs, const struct fsimg_inode *in)
{
	uint64_t keep = (in->size + fs->block_size - 1) / fs->block_size;
	fsimg_map *m = NULL;
	struct fsimg_run run;
	bool noop = true;

	if (in->file_acl || !(in->flags & EXT4_EXTENTS_FL))
		return false;
	if (fsimg_map_open(&m, fs, in, 0) < 0)
		return false;
	while (fsimg_map_next(m, &run) > 0)
		if ((run.type == FSIMG_RUN_MAPPED || run.type == FSIMG_RUN_UNWRITTEN) &&
		    run.lblk + run.len > keep) {
			noop = false;
			break;
		}
	fsimg_map_close(m);
	return noop;
}

/* One block of the file: its tail, then its entries. */
static void scan_block(struct orphan_scan *o, fsimg_lblk_t lblk, fsimg_pblk_t pblk, uint8_t *blk)
{
	struct check_ctx *c = o->c;
	fsimg_fs *fs = c->fs;
	size_t tail = fs->block_size - OB_TAIL;
	struct cur cur = cur_init(blk, fs->block_size);
	const struct fsimg_super *sb = e4(c)->sb;

	if (fs_read_block(fs, pblk, blk) < 0) {
		note_bad_block(o, lblk, "cannot be read");
		return;
	}
	if (CUR_LE32(&cur, tail, struct ext4_dorphan_block_tail, ob_magic) != EXT4_ORPHAN_BLOCK_MAGIC) {
		note_bad_block(o, lblk, "has a bad magic");
		return; /* not an orphan block: its words are no entries */
	}
	if (fs->metadata_csum && !(fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY) &&
	    !block_csum_ok(o, pblk, blk))
		note_bad_block(o, lblk, "fails its checksum");
	for (size_t off = 0; off < tail; off += 4) {
		uint32_t ino = cur_le32(&cur, off);

		if (ino == 0)
			continue;
		/*
		 * ext4_orphan_get: an orphan is an ordinary inode; the kernel
		 * skips any other entry ("bad orphan inode") and mounts.
		 * e2fsck's process_orphan_file_block releases every entry
		 * without a range check: a reserved inode in use (links_count
		 * > 0) is truncated to its size like any orphan, no repair
		 * when that changes nothing (reserved_truncate_noop); a free
		 * one is cleared (its bitmap
		 * bit dropped: pass 5 repairs that), a number past
		 * s_inodes_count cannot be read.
		 */
		if (ino < sb->first_ino || ino > sb->inodes_count) {
			struct fsimg_inode rin;

			if (ino < sb->first_ino && fsimg_inode_read(&rin, fs, ino) == 0 &&
			    rin.links_count > 0 && reserved_truncate_noop(fs, &rin)) {
				if (o->reserved_entries++ == 0)
					o->first_reserved_entry = ino;
			} else if (o->bad_entries++ == 0) {
				o->first_bad_entry = ino;
			}
			continue;
		}
		o->entries++;
		if (*o->orphans)
			bit_set(*o->orphans, ino);
	}
}

/* The file's blocks below i_size, in order; a hole (or unwritten block) is the kernel's -EIO. */
static void scan_file(struct orphan_scan *o, const struct fsimg_inode *in, uint64_t nblocks)
{
	struct check_ctx *c = o->c;
	fsimg_map *m = NULL;
	struct fsimg_run run;
	uint64_t next = 0;
	uint8_t *blk = fs_block_alloc(c->fs);
	char why[96];

	if (!blk)
		return;
	if (fsimg_map_open(&m, c->fs, in, 0) < 0) {
		free(blk);
		return; /* pass 2 reports the mapping */
	}
	while (next < nblocks && fsimg_map_next(m, &run) > 0) {
		if (run.type != FSIMG_RUN_MAPPED) {
			if (run.lblk >= nblocks)
				break;
			snprintf(why, sizeof(why), "is %s",
				 run.type == FSIMG_RUN_HOLE ? "a hole" :
				 run.type == FSIMG_RUN_UNWRITTEN ? "unwritten" : "not a block");
			note_bad_block(o, run.lblk, why);
			break;
		}
		for (uint64_t i = 0; i < run.len && run.lblk + i < nblocks; i++)
			scan_block(o, run.lblk + i, run.pblk + i, blk);
		next = run.lblk + run.len;
	}
	fsimg_map_close(m);
	free(blk);
}

void check_orphan_file(struct check_ctx *c, uint8_t **orphans)
{
	const struct fsimg_super *sb = e4(c)->sb;
	fsimg_fs *fs = c->fs;
	bool present = sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT;
	fsimg_ino_t ino = sb->orphan_file_inum;
	struct orphan_scan o = { 0 };
	struct fsimg_inode in;
	char detail[256];
	uint64_t nblocks;

	if (!(sb->feature_compat & EXT4_FEATURE_COMPAT_ORPHAN_FILE)) {
		/* e2fsck PR_6_ORPHAN_PRESENT_NO_FILE */
		if (present)
			report_bad(c, 0, "orphan_present is set but the orphan_file feature is not");
		return;
	}
	/* e2fsck PR_6_ORPHAN_FILE_WITHOUT_JOURNAL: orphans are tracked through the journal */
	if (!sb->has_journal)
		report_bad(c, ino, "the orphan_file feature without a journal");
	if (ino == 0 || ino > sb->inodes_count) {
		snprintf(detail, sizeof(detail), "s_orphan_file_inum %u is not an inode", ino);
		report_bad(c, 0, detail);
		return;
	}
	if (fsimg_inode_read(&in, fs, ino) < 0) {
		report_bad(c, ino, "the inode cannot be read");
		return;
	}
	/* e2fsck PR_1_ORPHAN_FILE_BAD_MODE */
	if ((in.mode & S_IFMT_) != S_IFREG_) {
		snprintf(detail, sizeof(detail), "not a regular file (mode 0%o)", in.mode);
		report_bad(c, ino, detail);
		return;
	}
	/* The kernel takes whole blocks (i_size >> blocksize_bits); e2fsck PR_6_ORPHAN_FILE_WRONG_SIZE. */
	if (in.size & (fs->block_size - 1)) {
		snprintf(detail, sizeof(detail), "size %llu is not a whole number of blocks",
			 (unsigned long long)in.size);
		report_bad(c, ino, detail);
	}
	nblocks = in.size >> fs->log_block_size;
	if (nblocks > sb->blocks_count) {
		snprintf(detail, sizeof(detail), "size %llu is larger than the filesystem",
			 (unsigned long long)in.size);
		report_bad(c, ino, detail);
		return;
	}
	if (!*orphans)
		*orphans = calloc(1, (size_t)sb->inodes_count / 8 + 1);
	o.c = c;
	o.ino = ino;
	o.orphans = orphans;
	o.seed = ext4_inode_csum_seed(fs, ino, in.generation);
	scan_file(&o, &in, nblocks);

	if (o.bad_blocks) {
		snprintf(detail, sizeof(detail), "%s (%llu of %llu blocks refused): the kernel refuses to mount",
			 o.first_bad, (unsigned long long)o.bad_blocks, (unsigned long long)nblocks);
		report_bad(c, ino, detail);
	}
	if (o.bad_entries) {
		snprintf(detail, sizeof(detail), "%llu entries name no ordinary inode (first: %u)",
			 (unsigned long long)o.bad_entries, o.first_bad_entry);
		report_bad(c, ino, detail);
	}
	if (o.reserved_entries) {
		struct fsimg_problem_ctx p = pctx_inode(ino);

		PCTX_SET(p, found, FSIMG_PF_FOUND, o.first_reserved_entry);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, o.reserved_entries);
		check_report(c, PR_ORPHAN_FILE_RESERVED, &p);
	}
	if (o.entries || o.reserved_entries) {
		if (o.entries) {
			struct fsimg_problem_ctx p = pctx_inode(ino);

			PCTX_SET(p, found, FSIMG_PF_FOUND, o.entries);
			check_report(c, PR_ORPHAN_FILE_ENTRIES, &p);
		}
		/*
		 * The kernel sets orphan_present while the file may hold entries;
		 * without it e2fsck neither releases them nor accepts the blocks.
		 */
		if (!present)
			report_bad(c, ino, "holds orphans but orphan_present is clear");
	} else if (present && !o.bad_blocks) {
		/* e2fsck PR_6_ORPHAN_PRESENT_CLEAN_FILE */
		report_bad(c, ino, "orphan_present is set but the file holds no orphans");
	}
}
