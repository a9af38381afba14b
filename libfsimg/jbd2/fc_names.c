/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast-commit name tags (Linux 6.1 ext4_fc_replay_unlink, _link, _create)
 * over directory blocks as the jbd2 replay and the earlier tags leave them.
 *
 *  - UNLINK: skipped when the inode or the directory cannot be opened
 *    (ext4_iget: mode and links) or the name is not there; the entry is
 *    removed (merged into the one before it, or its inode zeroed when first
 *    in its block) when it names the inode, and the inode loses a link
 *    either way (__ext4_unlink in replay); with no link left it is freed, as
 *    the kernel's iput evicts it. A directory loses all its links and its
 *    parent one (the kernel drops one link only: not copied).
 *  - LINK: skipped when either inode cannot be opened or the name exists
 *    (-EEXIST); else the entry goes into the first block with room, where
 *    ext4_find_dest_de puts it, and the inode gains a link.
 *  - CREAT: the inode (replayed by its INODE tag before) gets the entry and
 *    one link. A new directory (ext4_init_new_dir allocates its block) is
 *    not replayed by fsimg, nor is an entry that needs a new directory
 *    block, nor hashed (dir_index), casefolded or encrypted directories.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "jbd2/fc_replay.h"

#define DIR_TAIL 12u
#define MAX_DIR_BLOCKS (1u << 20)

static bool is_dir(const uint8_t *raw)
{
	return (get_le16(raw + DI(i_mode)) & 0xF000) == 0x4000;
}

/* ext4_iget's test for an inode the kernel can open. */
static bool opens(const uint8_t *raw)
{
	return get_le16(raw + DI(i_mode)) && get_le16(raw + DI(i_links_count));
}

/* Has the block the metadata_csum tail (a 12-byte entry of type 0xDE)? */
static bool has_tail(const struct fcr *r, const uint8_t *b)
{
	const uint8_t *t = b + r->bs - DIR_TAIL;

	return r->fs->metadata_csum && get_le32(t) == 0 && get_le16(t + 4) == DIR_TAIL && t[6] == 0 &&
	       t[7] == EXT4_FT_DIR_CSUM;
}

static void dir_csum(struct fcr *r, struct fcr_inode *dir, uint8_t *b)
{
	const uint8_t *raw = fcr_raw(r, dir);
	uint32_t seed;

	if (!raw || !has_tail(r, b))
		return;
	seed = ext4_inode_csum_seed(r->fs, dir->ino, get_le32(raw + DI(i_generation)));
	put_le32(b + r->bs - 4, ext4_csum(r->fs, seed, b, r->bs - DIR_TAIL));
}

/* Calls fn on each block of dir in logical order until it returns nonzero. */
static int each_block(struct fcr *r, struct fcr_inode *dir,
		      int (*fn)(struct fcr *, struct fcr_inode *, uint8_t *, void *), void *arg)
{
	uint64_t seen = 0;

	for (size_t k = 0; k < dir->n; k++) {
		const struct fcr_ext e = dir->ext[k];

		if (e.unwritten)
			continue;
		for (uint32_t i = 0; i < e.len; i++) {
			uint8_t *b;
			int ret;

			if (++seen > MAX_DIR_BLOCKS)
				return fcr_stop(r, FSIMG_ENOMEM, "directory %u: too many blocks", dir->ino);
			b = fcr_get(r, e.pblk + i);
			if (!b)
				return FSIMG_ECORRUPT;
			ret = fn(r, dir, b, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct name_op {
	const uint8_t *name;
	uint32_t nlen;
	uint32_t ino;
	uint8_t ftype;
	uint32_t found_ino;          /* UNLINK: the entry's inode */
};

/* The entries of a block: each rec_len checked as ext4_check_dir_entry does. */
static int bad_entry(struct fcr *r, struct fcr_inode *dir, size_t off, size_t end, const uint8_t *de)
{
	uint16_t rl = get_le16(de + 4);

	if (rl < 12 || rl % 4 || rl > end - off || (size_t)de[6] + 8 > rl)
		return fcr_stop(r, FSIMG_ECORRUPT, "directory %u: a bad entry at offset %zu of a block", dir->ino,
				off);
	return 0;
}

static int unlink_in(struct fcr *r, struct fcr_inode *dir, uint8_t *b, void *arg)
{
	struct name_op *op = arg;
	size_t end = has_tail(r, b) ? r->bs - DIR_TAIL : r->bs, off = 0, prev = SIZE_MAX;

	while (off + 8 <= end) {
		uint8_t *de = b + off;
		int err = bad_entry(r, dir, off, end, de);

		if (err)
			return err;
		if (get_le32(de) && de[6] == op->nlen && !memcmp(de + 8, op->name, op->nlen)) {
			op->found_ino = get_le32(de);
			if (op->found_ino != op->ino)
				return 1; /* renamed over: the entry stays */
			if (prev != SIZE_MAX)
				put_le16(b + prev + 4, (uint16_t)(get_le16(b + prev + 4) + get_le16(de + 4)));
			else
				put_le32(de, 0);
			dir_csum(r, dir, b);
			return 1;
		}
		prev = off;
		off += get_le16(de + 4);
	}
	return 0;
}

static int link_in(struct fcr *r, struct fcr_inode *dir, uint8_t *b, void *arg)
{
	struct name_op *op = arg;
	size_t end = has_tail(r, b) ? r->bs - DIR_TAIL : r->bs, off = 0;
	uint16_t need = (uint16_t)((8 + op->nlen + 3) & ~3u);

	while (off + 8 <= end) {
		uint8_t *de = b + off;
		uint16_t rl, used;
		int err = bad_entry(r, dir, off, end, de);

		if (err)
			return err;
		rl = get_le16(de + 4);
		if (get_le32(de) && de[6] == op->nlen && !memcmp(de + 8, op->name, op->nlen))
			return 2; /* -EEXIST */
		used = get_le32(de) ? (uint16_t)((8 + de[6] + 3) & ~3u) : 0;
		if (rl - used >= need) {
			uint8_t *nd = de;

			if (used) {
				put_le16(de + 4, used);
				nd = de + used;
			}
			put_le32(nd, op->ino);
			put_le16(nd + 4, (uint16_t)(rl - used));
			nd[6] = (uint8_t)op->nlen;
			nd[7] = op->ftype;
			memcpy(nd + 8, op->name, op->nlen);
			dir_csum(r, dir, b);
			return 1;
		}
		off += rl;
	}
	return 0;
}

static uint8_t file_type(const struct fcr *r, const uint8_t *raw)
{
	static const uint8_t by_fmt[16] = {
		[0x1] = EXT4_FT_FIFO, [0x2] = EXT4_FT_CHRDEV, [0x4] = EXT4_FT_DIR, [0x6] = EXT4_FT_BLKDEV,
		[0x8] = EXT4_FT_REG_FILE, [0xA] = EXT4_FT_SYMLINK, [0xC] = EXT4_FT_SOCK,
	};

	if (!(r->fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE))
		return 0;
	return by_fmt[get_le16(raw + DI(i_mode)) >> 12];
}

static void add_links(uint8_t *raw, int d)
{
	uint16_t n = get_le16(raw + DI(i_links_count));

	if (d < 0 && n == 0)
		return;
	put_le16(raw + DI(i_links_count), (uint16_t)(n + d));
}

/* A directory the name tags can change: extent-mapped, not hashed, casefolded or encrypted. */
static int plain_dir(struct fcr *r, struct fcr_inode *dir, const uint8_t *raw, bool adding)
{
	uint32_t fl = get_le32(raw + DI(i_flags));

	if (!is_dir(raw))
		return fcr_stop(r, FSIMG_ECORRUPT, "a name tag's parent, inode %u, is no directory", dir->ino);
	if (!dir->has_tree || (fl & (EXT4_CASEFOLD_FL | EXT4_ENCRYPT_FL)) || (adding && (fl & EXT4_INDEX_FL)))
		return fcr_stop(r, FSIMG_EUNSUPP,
				"directory %u is hashed, casefolded, encrypted or has no extent tree", dir->ino);
	return 0;
}

static int do_unlink(struct fcr *r, struct fcr_inode *in, struct fcr_inode *dir, struct name_op *op)
{
	uint8_t *raw = fcr_raw(r, in), *draw;
	int ret;

	ret = plain_dir(r, dir, fcr_raw(r, dir), false);
	if (ret < 0)
		return ret;
	ret = each_block(r, dir, unlink_in, op);
	if (ret < 0)
		return ret;
	if (!op->found_ino)
		return 0; /* -ENOENT: the kernel goes on */
	raw = fcr_raw(r, in);
	draw = fcr_raw(r, dir);
	if (!raw || !draw)
		return FSIMG_ECORRUPT;
	if (is_dir(raw)) {
		put_le16(raw + DI(i_links_count), 0);
		if (get_le16(draw + DI(i_links_count)) > 2)
			add_links(draw, -1);
	} else {
		add_links(raw, -1);
	}
	if (!get_le16(raw + DI(i_links_count))) {
		/* evicted: its blocks go now, so a later INODE tag reusing it starts empty */
		in->evicted = true;
		in->n = 0;
		in->map_touched = in->has_tree;
	}
	return 0;
}

static int do_link(struct fcr *r, struct fcr_inode *in, struct fcr_inode *dir, struct name_op *op, bool creat)
{
	uint8_t *raw = fcr_raw(r, in);
	int ret;

	if (!raw)
		return FSIMG_ECORRUPT;
	ret = plain_dir(r, dir, fcr_raw(r, dir), true);
	if (ret < 0)
		return ret;
	if (is_dir(raw))
		return fcr_stop(r, FSIMG_EUNSUPP, "%s of directory %u (a new directory's block is allocated)",
				creat ? "CREAT" : "LINK", in->ino);
	op->ftype = file_type(r, raw);
	ret = each_block(r, dir, link_in, op);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u would need a new block for a name", dir->ino);
	raw = fcr_raw(r, in);
	if (!raw)
		return FSIMG_ECORRUPT;
	if (creat)
		put_le16(raw + DI(i_links_count), 1);
	else if (ret == 1)
		add_links(raw, 1);
	return 0;
}

int fcr_dentry(struct fcr *r, uint16_t tag, const uint8_t *v, uint32_t len)
{
	struct name_op op = { .name = v + EXT4_FC_DENTRY_INFO_SIZE, .nlen = len - EXT4_FC_DENTRY_INFO_SIZE,
			      .ino = get_le32(v + 4) };
	uint32_t parent = get_le32(v);
	struct fcr_inode *in = fcr_inode(r, op.ino), *dir;
	const uint8_t *raw, *draw;

	if (!in)
		return FSIMG_ECORRUPT;
	dir = fcr_inode(r, parent);
	if (!dir)
		return FSIMG_ECORRUPT;
	raw = fcr_raw(r, in);
	draw = fcr_raw(r, dir);
	if (!raw || !draw)
		return FSIMG_ECORRUPT;
	if (op.ino == parent)
		return fcr_stop(r, FSIMG_ECORRUPT, "a name tag links inode %u into itself", parent);
	if (!opens(raw)) {
		if (tag == EXT4_FC_TAG_CREAT)
			return fcr_stop(r, FSIMG_ECORRUPT, "CREAT of inode %u, which its INODE tag did not bring in",
					op.ino);
		return 0; /* ext4_iget fails: the kernel skips the tag */
	}
	if (!opens(draw))
		return 0;
	if (tag == EXT4_FC_TAG_UNLINK)
		return do_unlink(r, in, dir, &op);
	return do_link(r, in, dir, &op, tag == EXT4_FC_TAG_CREAT);
}
