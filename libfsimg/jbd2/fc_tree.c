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

/* Writes in's tree from its map; *used = tree blocks kept. */
int fcr_write_tree(struct fcr *r, struct fcr_inode *in, size_t *used)
{
	uint8_t *raw = fcr_raw(r, in), *ib;
	size_t leafcap = (r->bs - 12) / 12, leaves;
	uint32_t gen;

	if (!raw)
		return FSIMG_ECORRUPT;
	ib = raw + DI(i_block);
	gen = get_le32(raw + DI(i_generation));
	if (in->n <= 4) {
		put_header(ib, (unsigned)in->n, 4, 0);
		memset(ib + 12, 0, 48);
		for (size_t k = 0; k < in->n; k++)
			put_extent(ib + 12 + 12 * k, &in->ext[k]);
		*used = 0;
		return 0;
	}
	leaves = (in->n + leafcap - 1) / leafcap;
	if (leaves > 4 || leaves > in->ntree) /* finish() grew the tree first */
		return fcr_stop(r, FSIMG_EUNSUPP,
				"inode %u: its %zu extents would need extent tree blocks it does not have",
				in->ino, in->n);
	put_header(ib, (unsigned)leaves, 4, 1);
	memset(ib + 12, 0, 48);
	for (size_t l = 0; l < leaves; l++) {
		size_t first = l * leafcap, cnt = in->n - first < leafcap ? in->n - first : leafcap;
		uint8_t *x = ib + 12 + 12 * l, *b = fcr_get(r, in->tree[l]);

		if (!b)
			return FSIMG_ECORRUPT;
		put_le32(x, in->ext[first].lblk); /* as the kernel keeps it: the leaf's first extent */
		put_le32(x + 4, (uint32_t)in->tree[l]);
		put_le16(x + 8, (uint16_t)(in->tree[l] >> 32));
		put_le16(x + 10, 0);
		memset(b, 0, r->bs);
		put_header(b, (unsigned)cnt, (unsigned)leafcap, 0);
		for (size_t k = 0; k < cnt; k++)
			put_extent(b + 12 + 12 * k, &in->ext[first + k]);
		if (r->fs->metadata_csum)
			put_le32(b + 12 + 12 * leafcap,
				 ext4_csum(r->fs, ext4_inode_csum_seed(r->fs, in->ino, gen), b, 12 + 12 * leafcap));
	}
	*used = leaves;
	return 0;
}

size_t fcr_leaves_needed(const struct fcr *r, const struct fcr_inode *in)
{
	size_t leafcap = (r->bs - 12) / 12;

	return in->n <= 4 ? 0 : (in->n + leafcap - 1) / leafcap;
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
