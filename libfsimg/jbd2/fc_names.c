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
 *    (-EEXIST); else the entry goes where ext4_add_entry puts it (fc_dirs.c)
 *    and the inode gains a link.
 *  - CREAT: the inode (replayed by its INODE tag before) gets the entry and
 *    one link; a new directory first gets its block with "." and ".."
 *    (ext4_init_new_dir), 2 links, and its parent one more (the kernel
 *    leaves the new directory 1 link and the parent as it was: not copied).
 *  - Directories with inline data: fc_inline.c; block-mapped ones: fc_bmap.c
 *    reads their map, and a name that needs a new block is not replayed.
 *  - Casefolded directories: names are matched and hashed casefolded
 *    (ext4_match, ext4fs_dirhash) by their utf8-12.1 casefold
 *    (ext4/utf8.c); a name that is not valid UTF-8 matches byte for byte
 *    and hashes as it is, as without strict encoding.  Encrypted directories are not changed by
 *    fsimg (names hash by a key it does not have; the kernel logs no names
 *    in encrypted directories at all).
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

int fcr_dir_del_in_buf(struct fcr *r, struct fcr_inode *dir, uint8_t *b, size_t end, struct fcr_name *op)
{
	size_t off = 0, prev = SIZE_MAX;

	while (off + 8 <= end) {
		uint8_t *de = b + off;
		int err = fcr_dir_bad_entry(r, dir, off, end, de), eq;

		if (err)
			return err;
		eq = get_le32(de) ? fcr_name_eq(r, op, de + 8, de[6]) : 0;
		if (eq < 0)
			return eq;
		if (eq) {
			op->found_ino = get_le32(de);
			if (op->found_ino != op->ino)
				return 1; /* renamed over: the entry stays */
			if (prev != SIZE_MAX)
				put_le16(b + prev + 4, (uint16_t)(get_le16(b + prev + 4) + get_le16(de + 4)));
			else
				put_le32(de, 0);
			return 1;
		}
		prev = off;
		off += get_le16(de + 4);
	}
	return 0;
}

static int unlink_in(struct fcr *r, struct fcr_inode *dir, uint8_t *b, void *arg)
{
	struct fcr_name *op = arg;
	int ret = fcr_dir_del_in_buf(r, dir, b, fcr_dir_has_tail(r, b) ? r->bs - DIR_TAIL : r->bs, op);

	if (ret == 1 && op->found_ino == op->ino)
		fcr_dir_csum(r, dir, b);
	return ret;
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

/*
 * A directory the name tags can change: extent-mapped or with inline data (1),
 * not casefolded or encrypted (names hashed otherwise).
 */
static int plain_dir(struct fcr *r, struct fcr_inode *dir, const uint8_t *raw)
{
	uint32_t fl = get_le32(raw + DI(i_flags));

	if (!is_dir(raw))
		return fcr_stop(r, FSIMG_ECORRUPT, "a name tag's parent, inode %u, is no directory", dir->ino);
	if (fl & EXT4_ENCRYPT_FL)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u is encrypted", dir->ino);
	if (fl & EXT4_INLINE_DATA_FL) {
		if (!fcr_has_inline(r, raw))
			return fcr_stop(r, FSIMG_EUNSUPP,
					"directory %u has the inline-data flag but no \"system.data\" xattr "
					"(Linux 6.1 would read its i_block as a block map)", dir->ino);
		return 1;
	}
	if (!dir->has_tree && !dir->bmap_loaded)
		return fcr_stop(r, FSIMG_EUNSUPP, "directory %u has neither an extent tree nor a block map", dir->ino);
	return 0;
}

static int do_unlink(struct fcr *r, struct fcr_inode *in, struct fcr_inode *dir, struct fcr_name *op)
{
	uint8_t *raw = fcr_raw(r, in), *draw;
	int ret;

	ret = plain_dir(r, dir, fcr_raw(r, dir));
	if (ret < 0)
		return ret;
	ret = ret ? fcr_inline_unlink(r, dir, op) : each_block(r, dir, unlink_in, op);
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

static int do_link(struct fcr *r, struct fcr_inode *in, struct fcr_inode *dir, struct fcr_name *op, bool creat)
{
	uint8_t *raw = fcr_raw(r, in), *draw;
	int ret, inl;

	if (!raw)
		return FSIMG_ECORRUPT;
	inl = plain_dir(r, dir, fcr_raw(r, dir));
	if (inl < 0)
		return inl;
	op->ftype = file_type(r, raw);
	if (is_dir(raw)) {
		if (!creat)
			return fcr_stop(r, FSIMG_ECORRUPT, "LINK of directory %u", in->ino);
		/* ext4_init_new_dir: inline when the inode has inline data (ext4_try_create_inline_dir) */
		ret = (get_le32(raw + DI(i_flags)) & EXT4_INLINE_DATA_FL) ? fcr_inline_new_dir(r, in, dir->ino) : 0;
		if (ret < 0)
			return ret;
		if (!ret && !in->has_tree)
			return fcr_stop(r, FSIMG_EUNSUPP,
					"CREAT of directory %u without an extent tree or inline data "
					"(Linux 6.1 would read its i_block as a block map)", in->ino);
		if (!ret)
			ret = fcr_init_new_dir(r, in, dir->ino, op->ftype);
		if (ret < 0)
			return ret;
	}
	ret = inl ? fcr_inline_add(r, dir, op) : 3;
	if (ret == 3)
		ret = fcr_dir_add(r, dir, op);
	if (ret < 0)
		return ret;
	raw = fcr_raw(r, in);
	draw = fcr_raw(r, dir);
	if (!raw || !draw)
		return FSIMG_ECORRUPT;
	if (creat && is_dir(raw)) {
		/* the kernel leaves the new directory 1 link and its parent as it was: not copied */
		add_links(draw, 1);
	} else if (creat) {
		put_le16(raw + DI(i_links_count), 1);
	} else if (ret == 1) {
		add_links(raw, 1);
	}
	return 0;
}

int fcr_dentry(struct fcr *r, uint16_t tag, const uint8_t *v, uint32_t len)
{
	struct fcr_name op = { .name = v + EXT4_FC_DENTRY_INFO_SIZE, .nlen = len - EXT4_FC_DENTRY_INFO_SIZE,
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
	op.ci = fcr_dir_ci(r, dir);
	if (tag == EXT4_FC_TAG_UNLINK)
		return do_unlink(r, in, dir, &op);
	return do_link(r, in, dir, &op, tag == EXT4_FC_TAG_CREAT);
}
