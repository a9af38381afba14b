/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5, htree indexes (e2fsck pass 2 parse_int_node and pass 2's dx_dir
 * checks): the root and node blocks, their limits, counts and checksums,
 * hashes in order, each leaf referenced once, and the leaves' names within
 * the ranges e2fsck gives them.
 *
 * e2fsck's ranges (pass2.c, update_parents): a node's entries are only
 * checked for order, not against the range its parent gives it; a leaf's
 * names lie within [its entry's hash, the next entry's hash]; the first
 * leaf of a node starts at the node's own entry hash in its parent; the
 * last leaf of a node has no bound from the parent, but its names must not
 * pass the first name of the next sibling node's leftmost leaf (e2fsck
 * sets the node's max to that leaf's least hash: PR_2_HTREE_MAX_HASH).
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
		    uint32_t lo, uint32_t hi, uint32_t *first, uint32_t *last)
{
	struct ext4_dx_node child;
	char why[160];
	uint32_t h, b, prev = 0, nh, nb, cfirst, clast, plast = UINT32_MAX;
	bool ok = true;
	unsigned i;
	uint8_t *cblk;

	*first = *last = UINT32_MAX;
	for (i = 0; i < node->count; i++) {
		ext4_dx_entry(blk, s->bs, node, i, &h, &b);
		/* parse_int_node: entry 0's hash is 0, the others in order (bit 0 aside) */
		if (i > 0 && (h & ~1u) < prev) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			PCTX_SET(p, length, FSIMG_PF_LENGTH, i);
			PCTX_SET(p, found, FSIMG_PF_FOUND, h);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, prev);
			check_report(s->c, PR_DX_HASH_ORDER, &p);
			ok = false;
		}
		if (i > 0)
			prev = h & ~1u;
		if (i == 0)
			h = lo;
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
			if (*first == UINT32_MAX)
				*first = b;
			*last = b;
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
		/* no upper bound from here: the next sibling's leftmost leaf gives it (below) */
		if (!dx_walk(s, d, f, cblk, &child, b, level + 1, levels, h & ~1u, 0xFFFFFFFFu, &cfirst,
			     &clast))
			ok = false;
		if (plast != UINT32_MAX && cfirst != UINT32_MAX && d->npairs < d->nblocks) {
			d->pairs[2 * d->npairs] = plast;
			d->pairs[2 * d->npairs + 1] = cfirst;
			d->npairs++;
		}
		if (*first == UINT32_MAX)
			*first = cfirst;
		if (clast != UINT32_MAX)
			*last = plast = clast;
	}
	return ok;
}

static void dx_free(struct dwalk *d)
{
	free(d->lo);
	free(d->hi);
	free(d->amin);
	free(d->amax);
	free(d->pairs);
	free(d->kind);
	d->lo = d->hi = d->amin = d->amax = d->pairs = NULL;
	d->kind = NULL;
	d->npairs = 0;
}

void dirs_dx_finish(struct dirs_state *s, struct dwalk *d)
{
	for (unsigned i = 0; d->amin && d->hash_version >= 0 && i < d->npairs; i++) {
		uint32_t l = d->pairs[2 * i], r = d->pairs[2 * i + 1];

		/* an empty leaf has no names: its bounds say nothing (e2fsck: ~0 and 0) */
		if (d->amax[l] > d->amin[r] && d->amin[r] != UINT32_MAX) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, l);

			PCTX_SET(p, found, FSIMG_PF_FOUND, d->amax[l]);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, d->amin[r]);
			check_report(s->c, PR_DX_NODE_OVERLAP, &p);
		}
	}
	dx_free(d);
}

void dirs_dx_check(struct dirs_state *s, struct dwalk *d)
{
	struct ext4_dx_info info;
	struct ext4_dx_node node;
	fsimg_file *f = NULL;
	char why[160];
	uint32_t first, last;
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
	d->amin = malloc(d->nblocks * sizeof(*d->amin));
	d->amax = calloc(d->nblocks, sizeof(*d->amax));
	d->pairs = malloc(d->nblocks * 2 * sizeof(*d->pairs));
	d->npairs = 0;
	d->kind = calloc(d->nblocks, 1);
	if (!d->lo || !d->hi || !d->amin || !d->amax || !d->pairs || !d->kind)
		goto unusable;
	memset(d->amin, 0xFF, d->nblocks * sizeof(*d->amin));
	d->kind[0] = BLK_NODE;
	dx_csum(s, d, 0, root, &node);
	if (!dx_walk(s, d, f, root, &node, 0, 0, info.indirect_levels, 0, 0xFFFFFFFFu, &first, &last)) {
		/* Leaf ranges and references are not trusted; the nodes found stay marked. */
		d->hash_version = -1;
		free(d->lo);
		free(d->hi);
		free(d->amin);
		free(d->amax);
		d->lo = d->hi = d->amin = d->amax = NULL;
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
	dx_free(d);
out:
	fsimg_file_close(f);
}
