/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast-commit replay's extent trees (fc_replay.c): after the last tag,
 * each changed inode's tree is written anew from its final map, adjacent
 * runs merged as ext4_ext_try_to_merge would, in the inode when it fits and
 * with leaf blocks taken near its data when it does not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "ext4/ext4.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

#include "jbd2/fc_replay.h"

/* Merges adjacent runs (as ext4_ext_try_to_merge would) within the length limits. */
void fcr_coalesce(struct fcr_inode *in)
{
	size_t n = 0;

	for (size_t i = 0; i < in->n; i++) {
		struct fcr_ext *l = n ? &in->ext[n - 1] : NULL, *e = &in->ext[i];
		uint32_t max = e->unwritten ? EXT4_EXT_UNWRITTEN_MAX_LEN : EXT4_EXT_INIT_MAX_LEN;

		if (l && l->unwritten == e->unwritten && (uint64_t)l->lblk + l->len == e->lblk &&
		    l->pblk + l->len == e->pblk && l->len + e->len <= max) {
			l->len += e->len;
			continue;
		}
		in->ext[n++] = *e;
	}
	in->n = n;
	/* runs longer than one extent holds are split */
}

static void put_extent(uint8_t *x, const struct fcr_ext *e)
{
	put_le32(x, e->lblk);
	put_le16(x + 4, (uint16_t)(e->len + (e->unwritten ? EXT4_EXT_INIT_MAX_LEN : 0)));
	put_le16(x + 6, (uint16_t)(e->pblk >> 32));
	put_le32(x + 8, (uint32_t)e->pblk);
}

static void put_header(uint8_t *h, unsigned entries, unsigned max, unsigned depth)
{
	put_le16(h, EXT4_EXT_MAGIC);
	put_le16(h + 2, (uint16_t)entries);
	put_le16(h + 4, (uint16_t)max);
	put_le16(h + 6, (uint16_t)depth);
	put_le32(h + 8, 0);
}

/* Splits runs past the extent length limit (a tag may log up to 65535 - 32768). */
int fcr_split_long(struct fcr *r, struct fcr_inode *in)
{
	for (size_t i = 0; i < in->n; i++) {
		struct fcr_ext *e = &in->ext[i], rest;
		uint32_t max = e->unwritten ? EXT4_EXT_UNWRITTEN_MAX_LEN : EXT4_EXT_INIT_MAX_LEN;

		if (e->len <= max)
			continue;
		rest = *e;
		rest.lblk += max;
		rest.pblk += max;
		rest.len -= max;
		e->len = max;
		if (fcr_ext_push(&in->ext, &in->n, &in->cap, rest) < 0)
			return fcr_stop(r, FSIMG_ENOMEM, "inode %u: too many extents", in->ino);
		memmove(&in->ext[i + 2], &in->ext[i + 1], (in->n - i - 2) * sizeof(*in->ext));
		in->ext[i + 1] = rest;
	}
	return 0;
}

/* Blocks per level of the tree that holds n extents: level 0 the leaves, up to the level the inode indexes (<= 4). */
static unsigned tree_levels(const struct fcr *r, size_t n, size_t per[EXT4_EXT_MAX_DEPTH + 2])
{
	size_t cap = (r->bs - 12) / 12, cnt = n;
	unsigned depth = 0;

	while (cnt > 4 && depth <= EXT4_EXT_MAX_DEPTH) {
		cnt = (cnt + cap - 1) / cap;
		per[depth++] = cnt;
	}
	return depth;
}

/* Extent-tree blocks (leaves and index nodes) the map needs. */
size_t fcr_tree_blocks(const struct fcr *r, const struct fcr_inode *in)
{
	size_t per[EXT4_EXT_MAX_DEPTH + 2], total = 0;
	unsigned depth = tree_levels(r, in->n, per);

	for (unsigned l = 0; l < depth; l++)
		total += per[l];
	return total;
}

/* The tail checksum of an extent block (ext4_extent_block_csum_set). */
static void tree_block_csum(struct fcr *r, const struct fcr_inode *in, uint8_t *b, uint32_t gen)
{
	size_t cap = (r->bs - 12) / 12;

	if (r->fs->metadata_csum)
		put_le32(b + 12 + 12 * cap, ext4_csum(r->fs, ext4_inode_csum_seed(r->fs, in->ino, gen), b, 12 + 12 * cap));
}

static void put_index(uint8_t *x, uint32_t lblk, uint64_t child)
{
	put_le32(x, lblk);
	put_le32(x + 4, (uint32_t)child);
	put_le16(x + 8, (uint16_t)(child >> 32));
	put_le16(x + 10, 0);
}

/*
 * Writes in's tree from its map, nodes filled from the left, with as many
 * levels as it takes (the kernel's own shape is not kept: its allocator
 * placed those blocks); *used = tree blocks used, in->tree[0 .. *used):
 * the leaves first, then each index level.
 */
int fcr_write_tree(struct fcr *r, struct fcr_inode *in, size_t *used)
{
	size_t cap = (r->bs - 12) / 12, per[EXT4_EXT_MAX_DEPTH + 2], base = 0, below;
	uint8_t *raw = fcr_raw(r, in), *ib;
	uint32_t *first, gen;          /* each node's first logical block, one level at a time */
	unsigned depth;

	if (!raw)
		return FSIMG_ECORRUPT;
	ib = raw + DI(i_block);
	gen = get_le32(raw + DI(i_generation));
	depth = tree_levels(r, in->n, per);
	if (depth > EXT4_EXT_MAX_DEPTH)
		return fcr_stop(r, FSIMG_EUNSUPP, "inode %u: %zu extents pass the deepest extent tree", in->ino, in->n);
	if (fcr_tree_blocks(r, in) > in->ntree) /* finish() grew the tree first */
		return fcr_stop(r, FSIMG_EUNSUPP,
				"inode %u: its %zu extents would need extent tree blocks it does not have", in->ino,
				in->n);
	memset(ib, 0, 60);
	if (depth == 0) {
		put_header(ib, (unsigned)in->n, 4, 0);
		for (size_t k = 0; k < in->n; k++)
			put_extent(ib + 12 + 12 * k, &in->ext[k]);
		*used = 0;
		return 0;
	}
	first = malloc(per[0] * sizeof(*first));
	if (!first)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	for (size_t l = 0; l < per[0]; l++) {
		size_t f = l * cap, cnt = in->n - f < cap ? in->n - f : cap;
		uint8_t *b = fcr_get(r, in->tree[l]);

		if (!b) {
			free(first);
			return FSIMG_ECORRUPT;
		}
		memset(b, 0, r->bs);
		put_header(b, (unsigned)cnt, (unsigned)cap, 0);
		for (size_t k = 0; k < cnt; k++)
			put_extent(b + 12 + 12 * k, &in->ext[f + k]);
		tree_block_csum(r, in, b, gen);
		first[l] = in->ext[f].lblk; /* as the kernel keeps it: the node's first extent */
	}
	below = per[0];
	for (unsigned lv = 1; lv < depth; lv++) {
		for (size_t j = 0; j < per[lv]; j++) {
			size_t f = j * cap, cnt = below - f < cap ? below - f : cap;
			uint8_t *b = fcr_get(r, in->tree[base + below + j]);

			if (!b) {
				free(first);
				return FSIMG_ECORRUPT;
			}
			memset(b, 0, r->bs);
			put_header(b, (unsigned)cnt, (unsigned)cap, lv);
			for (size_t k = 0; k < cnt; k++)
				put_index(b + 12 + 12 * k, first[f + k], in->tree[base + f + k]);
			tree_block_csum(r, in, b, gen);
			first[j] = first[f];
		}
		base += below;
		below = per[lv];
	}
	put_header(ib, (unsigned)below, 4, depth);
	for (size_t k = 0; k < below; k++)
		put_index(ib + 12 + 12 * k, first[k], in->tree[base + k]);
	free(first);
	*used = base + below;
	return 0;
}

/* Gives in extent-tree blocks up to want, from free blocks near its data (the kernel's allocator places them too). */
int fcr_grow_tree(struct fcr *r, struct fcr_inode *in, size_t want, int64_t *delta, bool *touched)
{
	uint64_t *nt = realloc(in->tree, want * sizeof(*nt));

	if (!nt)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	in->tree = nt;
	while (in->ntree < want) {
		int err = fcr_alloc(r, in->n ? in->ext[0].pblk : 0, &in->tree[in->ntree], delta, touched);

		if (err < 0)
			return err;
		in->ntree++;
	}
	return 0;
}
