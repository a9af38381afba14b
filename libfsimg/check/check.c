/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checker's driver: validates the arguments, sizes and allocates the
 * context's bitmaps from the neutral fsimg_fs_info (refusing sizes the
 * image cannot justify), hands the context to the filesystem's passes
 * (check/ext4/, check/xfs/), and frees everything.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/check.h"

/*
 * A byte of the bitmap at a time, with atomic ORs: pass 2's threads claim
 * concurrently, and which of two owners comes first does not matter, only
 * that the second is seen (blk_multi is a set).
 */
uint64_t check_claim(struct check_ctx *c, fsimg_pblk_t start, uint64_t len)
{
	uint64_t again = 0, b = start, end = start + len;

	if (!c->blk_claimed || len == 0 || start < c->first_block || start + len < start ||
	    start + len > c->nblocks)
		return 0;
	while (b < end) {
		unsigned lo = (unsigned)(b & 7), n = end - b < 8 - lo ? (unsigned)(end - b) : 8 - lo;
		uint8_t m = (uint8_t)(((1u << n) - 1) << lo), old, dup;

		old = __atomic_fetch_or(&c->blk_claimed[b >> 3], m, __ATOMIC_RELAXED);
		c->sum.blocks_checked += (uint64_t)__builtin_popcount(m & (uint8_t)~old);
		dup = m & old;
		if (dup) {
			again += (uint64_t)__builtin_popcount(dup);
			old = __atomic_fetch_or(&c->blk_multi[b >> 3], dup, __ATOMIC_RELAXED);
			c->nr_multi += (uint64_t)__builtin_popcount(dup & (uint8_t)~old);
		}
		b += n;
	}
	return again;
}

void check_note_inode(struct check_ctx *c, fsimg_inum_t ino, uint16_t mode, uint16_t links)
{
	unsigned cnt = links <= INO_CNT_MAX - INO_CNT_EVEN ? INO_CNT_EVEN + links : INO_CNT_ESC;
	unsigned kind, sh = (ino & 1) * 4;

	switch (mode & 0xF000u) {
	case 0x8000u: kind = INO_KIND_REG; break;
	case 0x4000u: kind = INO_KIND_DIR; break;
	case 0xA000u: kind = INO_KIND_SYMLINK; break;
	default: kind = INO_KIND_OTHER; break;
	}
	bit_set_shared(c->ino_inuse, ino);
	if (kind == INO_KIND_DIR)
		bit_set_shared(c->ino_isdir, ino);
	/* The other half of the byte may be another thread's inode. */
	__atomic_fetch_and(&c->ino_info[ino >> 1], (uint8_t)~(0xFu << sh), __ATOMIC_RELAXED);
	__atomic_fetch_or(&c->ino_info[ino >> 1], (uint8_t)((cnt << 2 | kind) << sh), __ATOMIC_RELAXED);
}

static void ctx_free(struct check_ctx *c)
{
	free(c->blk_claimed);
	free(c->blk_multi);
	free(c->ino_inuse);
	free(c->ino_isdir);
	free(c->ino_bad);
	free(c->ino_info);
}

/*
 * Memory is sized by the filesystem, so the filesystem's sizes must be
 * plausible for the source first: a block bitmap of a superblock claiming
 * vastly more blocks than the source holds (a sparse or truncated image is
 * fine; 64 times its size plus 1 Mi blocks is not), and more inode numbers
 * than the inode tables of those blocks could hold at 128 bytes each.
 */
static int ctx_alloc(struct check_ctx *c)
{
	uint32_t bs = c->info.block_size;
	uint64_t bound, nblk = c->info.blocks, nino;

	if (bs < 512 || bs > 65536)
		return FSIMG_ECORRUPT;
	bound = fsimg_io_size(fsimg_fs_io(c->fs)) / bs * 64 + (UINT64_C(1) << 20);
	if (nblk == 0 || nblk > bound || nblk > (UINT64_C(1) << 40))
		return FSIMG_ENOMEM;
	nino = c->info.max_ino ? c->info.max_ino - 1 : 0;
	if (nino == 0 || nino > bound * (bs / 128))
		return FSIMG_ECORRUPT;
	c->nblocks = nblk;
	c->max_ino = c->info.max_ino;
	size_t bbytes = (size_t)(nblk / 8 + 1), ibytes = (size_t)(nino / 8 + 1);
	c->blk_claimed = calloc(1, bbytes);
	c->blk_multi = calloc(1, bbytes);
	c->ino_inuse = calloc(1, ibytes);
	c->ino_isdir = calloc(1, ibytes);
	c->ino_bad = calloc(1, ibytes);
	/* index by inode number: entry 0 unused */
	c->ino_info = calloc((size_t)nino / 2 + 1, 1);
	if (!c->blk_claimed || !c->blk_multi || !c->ino_inuse || !c->ino_isdir || !c->ino_bad ||
	    !c->ino_info)
		return FSIMG_ENOMEM;
	return 0;
}

FSIMG_API int fsimg_check_run(struct fsimg_check_summary *out, fsimg_fs *fs,
			      const struct fsimg_check_opts *opts)
{
	struct check_ctx c;
	int (*run)(struct check_ctx *);
	int err;

	if (!out || !fs)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.fs = fs;
	err = fsimg_fs_info(&c.info, fs);
	if (err < 0)
		return err;
	if (c.info.backend && strcmp(c.info.backend, "ext4") == 0)
		run = check_ext4_run;
	else if (c.info.backend && strcmp(c.info.backend, "xfs") == 0)
		run = check_xfs_run;
	else
		return FSIMG_ENOTSUP_OP;
	if (opts)
		c.opts = *opts;
	err = ctx_alloc(&c);
	if (err == 0)
		err = run(&c);
	if (err < 0)
		c.sum.aborted = err;
	*out = c.sum;
	ctx_free(&c);
	return err < 0 ? err : 0;
}
