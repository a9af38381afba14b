/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5, htree indexes (e2fsck pass 2 parse_int_node and pass 2's dx_dir
 * checks): the root and node blocks, their limits, counts and checksums,
 * hashes in order and within the parent's range, and each leaf referenced
 * once, as the kernel and e2fsck read an indexed directory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "check/ext4/pass_dirs.h"

/* Reads logical block lblk of the directory into buf. */
static int dir_read_lblk(struct dirs_state *s, fsimg_file *f, uint32_t lblk, uint8_t *buf)
{
	int64_t got = fsimg_file_read(f, buf, s->bs, (uint64_t)lblk * s->bs);

	return got == (int64_t)s->bs ? 0 : FSIMG_ECORRUPT;
}

static void dx_csum(struct dirs_state *s, struct dwalk *d, uint32_t lblk, const uint8_t *blk,
		    const struct ext4_dx_node *node)
{
	int ok;

	if (!s->csum)
		return;
	ok = ext4_dx_csum_verify(s->fs, d->seed, blk, s->bs, node);
	if (ok != 1) {
		struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, ok < 0 ? "node has no room for the" : "node fails its");
		check_report(s->c, PR_DX_BAD_CSUM, &p);
	}
}

/*
 * One dx block (the root at level 0) whose entries cover hashes [lo, hi]:
 * order, range, limit, then the children. Returns false when the index is
 * not to be used for leaf checks.
 */
static bool dx_walk(struct dirs_state *s, struct dwalk *d, fsimg_file *f, uint8_t *blk,
		    const struct ext4_dx_node *node, uint32_t lblk, unsigned level, unsigned levels,
		    uint32_t lo, uint32_t hi)
{
	struct ext4_dx_node child;
	char why[160];
	uint32_t h, b, prev = lo, nh, nb;
	bool ok = true;
	unsigned i;
	uint8_t *cblk;

	for (i = 0; i < node->count; i++) {
		ext4_dx_entry(blk, s->bs, node, i, &h, &b);
		if (i == 0)
			h = lo;
		if (h < prev || h > hi) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			PCTX_SET(p, length, FSIMG_PF_LENGTH, i);
			PCTX_SET(p, found, FSIMG_PF_FOUND, h);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, prev);
			check_report(s->c, PR_DX_HASH_ORDER, &p);
			ok = false;
		}
		prev = h;
		if (i + 1 < node->count)
			ext4_dx_entry(blk, s->bs, node, i + 1, &nh, &nb);
		else
			nh = hi;
		if (b == 0 || b >= d->nblocks) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			snprintf(why, sizeof(why), "htree entry %u points to block %u, outside the directory", i, b);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
			check_report(s->c, PR_DX_BAD_BLOCK, &p);
			ok = false;
			continue;
		}
		if (level == levels) {
			/* A leaf: names hash into [h & ~1, next & ~1] (collisions continue with bit 0). */
			if (d->kind[b] != BLK_NONE) {
				struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

				PCTX_SET(p, detail, FSIMG_PF_DETAIL, "block referenced twice by the htree");
				check_report(s->c, PR_DX_BAD_BLOCK, &p);
				d->kind[b] = BLK_LEAF_DUP;
				ok = false;
				continue;
			}
			d->kind[b] = BLK_LEAF;
			d->lo[b] = h & ~1u;
			d->hi[b] = (i + 1 < node->count) ? (nh & ~1u) : hi;
			continue;
		}
		/* An interior node: read it, parse it, descend. */
		if (d->kind[b] != BLK_NONE) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "htree node referenced twice");
			check_report(s->c, PR_DX_BAD_BLOCK, &p);
			ok = false;
			continue;
		}
		d->kind[b] = BLK_NODE;
		cblk = s->dxbuf + (size_t)level * s->bs;
		if (dir_read_lblk(s, f, b, cblk) < 0 ||
		    ext4_dx_node_parse(s->fs, cblk, s->bs, &child, why, sizeof(why)) < 0) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
			check_report(s->c, PR_DX_NODE_BAD, &p);
			ok = false;
			continue;
		}
		dx_csum(s, d, b, cblk, &child);
		if (!dx_walk(s, d, f, cblk, &child, b, level + 1, levels, h & ~1u,
			     (i + 1 < node->count) ? nh : hi))
			ok = false;
	}
	return ok;
}

void dirs_dx_check(struct dirs_state *s, struct dwalk *d)
{
	struct ext4_dx_info info;
	struct ext4_dx_node node;
	fsimg_file *f = NULL;
	char why[160];
	size_t max;
	uint8_t *root = s->dxbuf + (size_t)EXT4_HTREE_LEVEL * s->bs;

	d->hash_version = -1;
	if (fsimg_file_open(&f, s->fs, &d->inode, 0) < 0)
		return;
	if (dir_read_lblk(s, f, 0, root) < 0) {
		snprintf(why, sizeof(why), "block 0 cannot be read");
		goto bad;
	}
	if (ext4_dx_root_parse(s->fs, root, s->bs, &info, &node, why, sizeof(why)) < 0)
		goto bad;
	dirs_dx_root_rules(s, d, root, &info);
	/* e2fsck PR_2_HTREE_BAD_LIMIT: the limit is exactly what the block holds. */
	max = (s->bs - node.count_offset - (s->csum ? 8 : 0)) / 8;
	if (node.limit != max) {
		snprintf(why, sizeof(why), "limit %u, the block holds %zu", node.limit, max);
		goto bad;
	}
	d->hash_version = info.hash_version;
	/*
	 * Encrypted and casefolded: SipHash keyed by the directory's key, which
	 * only the master key gives; each entry stores its hash after the name,
	 * and that is what e2fsck checks the leaf ranges with. No other
	 * directory may say SipHash (DX_ROOT_CANNOT_SIPHASH): its names are
	 * not checked.
	 */
	if (info.hash_version == EXT4_HASH_SIPHASH)
		d->hash_in_dirent = (d->inode.flags & EXT4_ENCRYPT_FL) && ext4_dir_casefolded(s->fs, &d->inode);
	else if (s->sb->flags & EXT2_FLAGS_UNSIGNED_HASH)
		d->hash_version += EXT4_HASH_LEGACY_UNSIGNED;
	d->casefold = ext4_dir_casefolded(s->fs, &d->inode) && !(d->inode.flags & EXT4_ENCRYPT_FL);
	if (d->nblocks > s->sb->blocks_count)
		goto unusable;
	d->lo = calloc(d->nblocks, sizeof(*d->lo));
	d->hi = calloc(d->nblocks, sizeof(*d->hi));
	d->kind = calloc(d->nblocks, 1);
	if (!d->lo || !d->hi || !d->kind)
		goto unusable;
	d->kind[0] = BLK_NODE;
	dx_csum(s, d, 0, root, &node);
	if (!dx_walk(s, d, f, root, &node, 0, 0, info.indirect_levels, 0, 0xFFFFFFFFu)) {
		/* Leaf ranges and references are not trusted; the nodes found stay marked. */
		d->hash_version = -1;
		free(d->lo);
		free(d->hi);
		d->lo = d->hi = NULL;
	}
	if (info.hash_version == EXT4_HASH_SIPHASH && !d->hash_in_dirent)
		d->hash_version = -1;
	goto out;
bad:
	{
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(s->c, PR_DX_ROOT_BAD, &p);
	}
unusable:
	d->hash_version = -1;
	free(d->lo);
	free(d->hi);
	free(d->kind);
	d->lo = d->hi = NULL;
	d->kind = NULL;
out:
	fsimg_file_close(f);
}
