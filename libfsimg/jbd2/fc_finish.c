/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast-commit replay's last step (fc_replay.c runs the tags): every
 * changed inode's extent tree written from its final map, i_blocks as
 * e2fsck counts it, an inode left without links freed, and the block and
 * inode bitmaps with the groups' and the superblock's counts (fc_groups.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "ext4/ext4.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

#include "jbd2/fc_replay.h"

/* ext4_iget's test: an inode the kernel can open (mode and links). */
bool fcr_in_use(struct fcr *r, struct fcr_inode *in)
{
	const uint8_t *raw = fcr_raw(r, in);

	return raw && get_le16(raw + DI(i_mode)) && get_le16(raw + DI(i_links_count));
}

/*
 * The fs blocks i_blocks counts for in's map and its tree blocks, as
 * e2fsck's pass 1 counts them: without bigalloc every block; with it a
 * whole cluster for every physical cluster an extent enters (the first
 * counted once when the extent before ended in it) and for every tree
 * block.
 */
static uint64_t map_blocks(const struct fcr *r, const struct fcr_inode *in, size_t tree)
{
	uint64_t n = tree, prev = 0;

	for (size_t k = 0; k < in->n; k++) {
		const struct fcr_ext *e = &in->ext[k];
		uint64_t c0 = e->pblk >> r->cbits, c1 = (e->pblk + e->len - 1) >> r->cbits;

		if (!r->cbits) {
			n += e->len;
			continue;
		}
		n += c1 - c0 + 1;
		if (prev && c0 == prev >> r->cbits)
			n--;
		prev = e->pblk + e->len - 1;
	}
	return n << r->cbits;
}

/* ext4_truncate's test: files, directories and symlinks with blocks (not fast symlinks) */
static bool truncates(const uint8_t *raw)
{
	unsigned fmt = get_le16(raw + DI(i_mode)) & 0xF000;

	if (fmt == 0xA000)
		return get_le32(raw + DI(i_size_lo)) >= EXT4_MIN_INLINE_DATA_SIZE || get_le32(raw + DI(i_size_high));
	return fmt == 0x8000 || fmt == 0x4000;
}

/* After the last tag: trees, i_blocks, checksums, bitmaps and counts. */
int fcr_finish(struct fcr *r)
{
	size_t ng = r->fs->sb.group_count ? r->fs->sb.group_count : 1;
	int64_t *delta = calloc(ng, sizeof(*delta));
	bool *touched = calloc(ng, sizeof(*touched));
	size_t *used = calloc(r->nin ? r->nin : 1, sizeof(*used));
	int err = 0;

	if (!delta || !used || !touched) {
		err = fcr_stop(r, FSIMG_ENOMEM, "out of memory");
		goto out;
	}
	/* The final maps, and the tree blocks each keeps. */
	for (size_t i = 0; i < r->nin && !err; i++) {
		struct fcr_inode *in = &r->in[i];
		uint8_t *raw = fcr_raw(r, in);

		if (!raw) {
			err = FSIMG_ECORRUPT;
			break;
		}
		if (!fcr_in_use(r, in)) {
			/* freed (the kernel's eviction): no blocks, an empty tree */
			if (!in->has_tree && in->was_used && !in->map_freed &&
			    (get_le32(raw + DI(i_blocks_lo)) || get_le16(raw + DI(l_i_blocks_high)))) {
				if (get_le32(raw + DI(i_flags)) & EXT4_INLINE_DATA_FL)
					err = fcr_stop(r, FSIMG_ECORRUPT, "inode %u: inline data with blocks", in->ino);
				else if (truncates(raw))
					err = fcr_free_bmap(r, in, raw);
			}
			in->n = 0;
			in->map_touched = in->has_tree;
			if (in->evicted && !get_le32(raw + DI(i_dtime)))
				put_le32(raw + DI(i_dtime), get_le32(raw + DI(i_ctime)) ? get_le32(raw + DI(i_ctime)) : 1);
		}
		if (!in->map_touched) {
			used[i] = in->map_freed ? 0 : in->ntree; /* the tree stays as it is, or went with the file */
			continue;
		}
		fcr_coalesce(in);
		if (!err)
			err = fcr_split_long(r, in);
		used[i] = fcr_tree_blocks(r, in) < in->ntree ? fcr_tree_blocks(r, in) : in->ntree;
	}
	/* Free what the old maps held, then mark what the new ones hold. */
	for (size_t i = 0; i < r->nin && !err; i++) {
		const struct fcr_inode *in = &r->in[i];
		for (size_t k = 0; k < in->nold && !err; k++)
			err = fcr_mark(r, in->old[k].pblk, in->old[k].len, false, delta, touched);
		for (size_t k = 0; k < in->ntree && !err; k++)
			err = fcr_mark(r, in->tree[k], 1, false, delta, touched);
	}
	for (size_t i = 0; i < r->nin && !err; i++) {
		const struct fcr_inode *in = &r->in[i];
		for (size_t k = 0; k < in->n && !err; k++)
			err = fcr_mark(r, in->ext[k].pblk, in->ext[k].len, true, delta, touched);
		for (size_t k = 0; k < used[i] && !err; k++)
			err = fcr_mark(r, in->tree[k], 1, true, delta, touched);
	}
	/* Trees that grew get new blocks, from what is free now. */
	for (size_t i = 0; i < r->nin && !err; i++)
		if (r->in[i].map_touched && fcr_tree_blocks(r, &r->in[i]) > r->in[i].ntree)
			err = fcr_grow_tree(r, &r->in[i], fcr_tree_blocks(r, &r->in[i]), delta, touched);
	for (size_t i = 0; i < r->nin && !err; i++) {
		struct fcr_inode *in = &r->in[i];
		uint8_t *raw = fcr_raw(r, in);
		bool now = fcr_in_use(r, in);

		if (!raw) {
			err = FSIMG_ECORRUPT;
			break;
		}
		if (in->map_touched) {
			uint64_t blocks;

			err = fcr_write_tree(r, in, &used[i]);
			blocks = map_blocks(r, in, used[i]);
			blocks *= get_le32(raw + DI(i_flags)) & EXT4_HUGE_FILE_FL ? 1 : r->bs / 512;
			if (!err && blocks >> 48)
				err = fcr_stop(r, FSIMG_EUNSUPP, "inode %u: i_blocks would not fit", in->ino);
			put_le32(raw + DI(i_blocks_lo), (uint32_t)blocks);
			put_le16(raw + DI(l_i_blocks_high), (uint16_t)(blocks >> 32));
		}
		if (!err && now != in->was_used)
			err = fcr_mark_inode(r, in, now);
		if (!err && now && in->was_used && in->was_dir != ((get_le16(raw + DI(i_mode)) & 0xF000) == 0x4000)) {
			/* freed and used again as the other type: the groups' directory counts follow */
			if (!in->evicted)
				err = fcr_stop(r, FSIMG_EUNSUPP, "inode %u: its type changed between a file and a directory",
					       in->ino);
			if (!err)
				err = fcr_mark_inode(r, in, false);
			if (!err)
				err = fcr_mark_inode(r, in, true);
		}
		ext4_inode_csum_set(r->fs, in->ino, raw, r->fs->sb.inode_size);
	}
	if (!err)
		err = fcr_fix_groups(r, delta, touched);
out:
	free(delta);
	free(touched);
	free(used);
	return err;
}

