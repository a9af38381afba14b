/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fast-commit replay into the recovery plan: the kernel's ext4_fc_replay
 * (Linux 6.1 fs/ext4/fast_commit.c, PASS_REPLAY) run after the jbd2 replay
 * over the state that replay leaves, tag by tag in log order, its result
 * kept as made blocks (inode table, extent tree, bitmap, group descriptor
 * and superblock blocks) that the plan carries like logged copies.
 *
 * What is replayed, and the rule for the rest:
 *  - ADD_RANGE maps [lblk, lblk + len) to the logged blocks (unwritten as
 *    logged), replacing any earlier mapping there; DEL_RANGE unmaps a range;
 *    both are skipped for an inode the kernel cannot open (ext4_iget: no
 *    mode or no links); for a block-mapped file they are not replayed (the
 *    kernel reads its block map as an extent tree). INODE copies the
 *    logged record over the inode's but for i_block, which the extent tree
 *    or block map keeps (ext4_fc_replay_inode), i_block too with inline
 *    data; a free inode's tree starts empty. CREAT, LINK and UNLINK:
 *    fc_names.c and fc_dirs.c. PAD, HEAD and TAIL do nothing here.
 *  - A block-mapped file left without links is truncated and freed as the
 *    kernel's eviction does, and a block-mapped directory's names are found
 *    in the blocks its map names, a new block mapped as ext4_ind_map_blocks
 *    maps it (fc_bmap.c).
 *  - Not replayed: ranges for an inode with inline data, a file changing
 *    between inline data, block map and extent tree, bigalloc without
 *    extents, tags naming reserved inodes (the
 *    kernel never logs them; its ext4_iget refuses them and records a
 *    filesystem error) and what fc_dirs.c leaves out. Then none of the fast
 *    commits is (fc_why says why), and the plan is the jbd2 replay alone:
 *    replay warns and --in-place refuses.
 *  - Unlike the kernel, the result is consistent: each changed inode's
 *    extent tree is rewritten from its final map (adjacent runs merged; in
 *    the inode when it fits, else leaves and index levels in the blocks the
 *    old tree held, then in free blocks near the data), i_blocks counts its
 *    blocks, an inode left without links is freed, and the block and inode
 *    bitmaps (initialised as the kernel does when they were not), the
 *    groups' and the superblock's counts follow, with their checksums
 *    (fc_groups.c). The kernel frees and marks blocks as it goes and leaves
 *    i_blocks, link counts and free counts off (e2fsck -fn fails its
 *    result); the files' names, maps, sizes and modes are the same.
 *    With bigalloc the bitmaps count clusters (a cluster is used while any
 *    of its blocks is), i_blocks whole clusters, and a directory's new block
 *    takes a cluster as ext4_ext_map_blocks does (fc_dirs.c).
 * Any tag whose value lies (an inode number outside the filesystem, a range
 * past 2^32 or outside the filesystem) stops the replay with that finding.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "core/array.h"
#include "core/cursor.h"
#include "core/io.h"
#include "ext4/ext4.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

#include "jbd2/fc_replay.h"

int fcr_stop(struct fcr *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = errbuf_vfail(r->why, r->whylen, err, fmt, ap);
	va_end(ap);
	return err;
}

static size_t blk_lower(const struct fcr *r, uint64_t blk)
{
	return ARRAY_LOWER_BOUND(r->b, r->nb, blk, blk);
}

/* fs block blk as the jbd2 replay and the tags so far leave it. */
int fcr_read_block(struct fcr *r, uint64_t blk, uint8_t *buf)
{
	size_t i = blk_lower(r, blk);
	if (i < r->nb && r->b[i].blk == blk) {
		memcpy(buf, r->b[i].data, r->bs);
		return 0;
	}
	if (!fs_pblk_ok(r->fs, blk) && blk != 0)
		return fcr_stop(r, FSIMG_ECORRUPT, "block %llu is outside the filesystem",
				(unsigned long long)blk);
	i = jbd2_plan_lower_bound(r->p, blk);
	if (i < r->p->n && r->p->e[i].fs_block == blk) {
		if (fsimg_plan_read_entry(buf, r->bs, r->p, i) < 0)
			return fcr_stop(r, FSIMG_EIO, "the logged copy of block %llu cannot be read",
					(unsigned long long)blk);
		return 0;
	}
	if (fs_read_block(r->fs, blk, buf) < 0)
		return fcr_stop(r, FSIMG_EIO, "block %llu cannot be read", (unsigned long long)blk);
	return 0;
}

/* A made (writable) copy of fs block blk; NULL with r->why set. */
uint8_t *fcr_get(struct fcr *r, uint64_t blk)
{
	size_t i = blk_lower(r, blk);
	uint8_t *d;

	if (i < r->nb && r->b[i].blk == blk)
		return r->b[i].data;
	if ((r->nb + 1) * (uint64_t)r->bs > FCR_MAX_BYTES) {
		fcr_stop(r, FSIMG_ENOMEM, "the replay would change more than %u MiB of blocks",
			 FCR_MAX_BYTES >> 20);
		return NULL;
	}
	if (r->nb == r->bcap) {
		size_t cap = r->bcap ? r->bcap * 2 : 64;
		struct fcr_blk *nb = realloc(r->b, cap * sizeof(*nb));
		if (!nb) {
			fcr_stop(r, FSIMG_ENOMEM, "out of memory");
			return NULL;
		}
		r->b = nb;
		r->bcap = cap;
	}
	d = malloc(r->bs);
	if (!d) {
		fcr_stop(r, FSIMG_ENOMEM, "out of memory");
		return NULL;
	}
	if (fcr_read_block(r, blk, d) < 0) {
		free(d);
		return NULL;
	}
	memmove(&r->b[i + 1], &r->b[i], (r->nb - i) * sizeof(*r->b));
	r->b[i].blk = blk;
	r->b[i].data = d;
	r->nb++;
	return d;
}

/* Group g's descriptor, writable (in a made block). */
uint8_t *fcr_gd(struct fcr *r, fsimg_group_t g)
{
	fsimg_pblk_t blk;
	size_t off;
	uint8_t *d;

	if (ext4_gd_locate(r->fs, g, &blk, &off) < 0) {
		fcr_stop(r, FSIMG_ECORRUPT, "group %u has no descriptor", g);
		return NULL;
	}
	d = fcr_get(r, blk);
	return d ? d + off : NULL;
}

int fcr_ext_push(struct fcr_ext **a, size_t *n, size_t *cap, struct fcr_ext e)
{
	if (*n >= FCR_MAX_EXTENTS)
		return FSIMG_ENOMEM;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct fcr_ext *na = realloc(*a, c * sizeof(*na));
		if (!na)
			return FSIMG_ENOMEM;
		*a = na;
		*cap = c;
	}
	(*a)[(*n)++] = e;
	return 0;
}

/* Reads the extent tree under header h (depth levels down) into in->ext / in->tree. */
static int load_tree(struct fcr *r, struct fcr_inode *in, const uint8_t *h, size_t room, unsigned depth,
		     size_t *tcap)
{
	unsigned entries = get_le16(h + 2), d = get_le16(h + 6);
	uint8_t *buf;
	int err = 0;

	if (get_le16(h) != EXT4_EXT_MAGIC || d != depth || entries > (room - 12) / 12 ||
	    entries > get_le16(h + 4))
		return fcr_stop(r, FSIMG_ECORRUPT, "inode %u: a bad extent tree node", in->ino);
	for (unsigned k = 0; k < entries; k++) {
		const uint8_t *x = h + 12 + 12 * (size_t)k;

		if (d == 0) {
			uint16_t len = get_le16(x + 4);
			struct fcr_ext e = {
				.lblk = get_le32(x),
				.len = len > EXT4_EXT_INIT_MAX_LEN ? len - EXT4_EXT_INIT_MAX_LEN : (uint32_t)len,
				.pblk = (uint64_t)get_le16(x + 6) << 32 | get_le32(x + 8),
				.unwritten = len > EXT4_EXT_INIT_MAX_LEN,
			};
			if (!e.len)
				continue;
			if (!fs_pblk_range_ok(r->fs, e.pblk, e.len) || (uint64_t)e.lblk + e.len > 1ull << 32 ||
			    (in->n && e.lblk < in->ext[in->n - 1].lblk + in->ext[in->n - 1].len))
				return fcr_stop(r, FSIMG_ECORRUPT, "inode %u: an extent out of order or outside the filesystem",
						in->ino);
			if (fcr_ext_push(&in->ext, &in->n, &in->cap, e) < 0)
				return fcr_stop(r, FSIMG_ENOMEM, "inode %u: too many extents", in->ino);
			continue;
		}
		uint64_t child = (uint64_t)get_le16(x + 8) << 32 | get_le32(x + 4);
		if (!fs_pblk_ok(r->fs, child))
			return fcr_stop(r, FSIMG_ECORRUPT, "inode %u: an extent index outside the filesystem", in->ino);
		if (in->ntree == *tcap) {
			size_t c = *tcap ? *tcap * 2 : 8;
			uint64_t *nt = in->ntree >= FCR_MAX_EXTENTS ? NULL : realloc(in->tree, c * sizeof(*nt));
			if (!nt)
				return fcr_stop(r, FSIMG_ENOMEM, "inode %u: too many tree blocks", in->ino);
			in->tree = nt;
			*tcap = c;
		}
		in->tree[in->ntree++] = child;
		buf = malloc(r->bs);
		if (!buf)
			return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
		err = fcr_read_block(r, child, buf);
		if (err == 0)
			err = load_tree(r, in, buf, r->bs, depth - 1, tcap);
		free(buf);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The raw record of ino, writable. */
uint8_t *fcr_raw(struct fcr *r, struct fcr_inode *in)
{
	uint8_t *b = fcr_get(r, in->rec_blk);

	return b ? b + in->rec_off : NULL;
}

/* The replay's state of ino, loaded on first use; only inodes in use with extent trees. */
struct fcr_inode *fcr_inode(struct fcr *r, uint32_t ino)
{
	const struct fsimg_super *sb = &r->fs->sb;
	struct fcr_inode *in;
	uint8_t *gd, *raw;
	uint64_t itable, off;
	size_t tcap = 0;
	fsimg_group_t g;

	for (size_t i = 0; i < r->nin; i++)
		if (r->in[i].ino == ino)
			return &r->in[i];
	if (!fs_ino_ok(r->fs, ino) || ino < 2) {
		fcr_stop(r, FSIMG_ECORRUPT, "a tag names inode %u, outside the filesystem", ino);
		return NULL;
	}
	if (ino != EXT4_ROOT_INO && ino < sb->first_ino) {
		/* the kernel never logs these; its ext4_iget refuses them and records a filesystem error */
		fcr_stop(r, FSIMG_EUNSUPP, "a tag names reserved inode %u, which Linux refuses as an error", ino);
		return NULL;
	}
	if (r->nin >= FCR_MAX_INODES) {
		fcr_stop(r, FSIMG_ENOMEM, "more than %u inodes", FCR_MAX_INODES);
		return NULL;
	}
	g = (ino - 1) / sb->inodes_per_group;
	gd = fcr_gd(r, g);
	if (!gd)
		return NULL;
	itable = gd_u64(r, gd, GDO(bg_inode_table_lo), 4, GDO(bg_inode_table_hi));
	off = (uint64_t)((ino - 1) % sb->inodes_per_group) * sb->inode_size;
	in = &r->in[r->nin];
	memset(in, 0, sizeof(*in));
	in->ino = ino;
	in->rec_blk = itable + off / r->bs;
	in->rec_off = (size_t)(off % r->bs);
	if (!fs_pblk_ok(r->fs, in->rec_blk)) {
		fcr_stop(r, FSIMG_ECORRUPT, "inode %u: its table lies outside the filesystem", ino);
		return NULL;
	}
	raw = fcr_raw(r, in);
	if (!raw)
		return NULL;
	if ((r->fs->metadata_csum || r->fs->gdt_csum) &&
	    ((get_le16(gd + GDO(bg_flags)) & EXT4_BG_INODE_UNINIT) ||
	     (ino - 1) % sb->inodes_per_group >=
		     sb->inodes_per_group - gd_u64(r, gd, GDO(bg_itable_unused_lo), 2, GDO(bg_itable_unused_hi))))
		memset(raw, 0, sb->inode_size); /* a slot never used: what lazy_itable_init leaves is not an inode */
	r->nin++;
	in->was_used = get_le16(raw + DI(i_mode)) && get_le16(raw + DI(i_links_count));
	in->was_dir = in->was_used && (get_le16(raw + DI(i_mode)) & 0xF000) == 0x4000;
	/*
	 * a free inode's i_block is no tree: the kernel starts such an inode from
	 * an empty one, an extent tree where the filesystem has extents
	 * (ext4_new_inode), else a block map
	 */
	in->has_tree = (!in->was_used && (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS)) ||
		       (get_le32(raw + DI(i_flags)) & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL)) == EXT4_EXTENTS_FL;
	if (in->was_used && in->has_tree && get_le16(raw + DI(i_block) + 6) > EXT4_EXT_MAX_DEPTH) {
		fcr_stop(r, FSIMG_ECORRUPT, "inode %u: an extent tree deeper than %u", ino, EXT4_EXT_MAX_DEPTH);
		return NULL;
	}
	if (in->was_used && in->has_tree &&
	    load_tree(r, in, raw + DI(i_block), 60, get_le16(raw + DI(i_block) + 6), &tcap) < 0)
		return NULL;
	if (in->was_used && !in->has_tree && in->was_dir && !(get_le32(raw + DI(i_flags)) & EXT4_INLINE_DATA_FL) &&
	    fcr_bmap_load(r, in, raw) < 0)
		return NULL;
	in->old = malloc((in->n ? in->n : 1) * sizeof(*in->old));
	if (!in->old) {
		fcr_stop(r, FSIMG_ENOMEM, "out of memory");
		return NULL;
	}
	if (in->n)
		memcpy(in->old, in->ext, in->n * sizeof(*in->ext));
	in->nold = in->n;
	return in;
}

/* in for ADD_RANGE / DEL_RANGE: NULL (no error) when the kernel skips the tag, an inode it cannot open. */
static int range_inode(struct fcr *r, uint32_t ino, struct fcr_inode **out)
{
	struct fcr_inode *in = fcr_inode(r, ino);

	*out = NULL;
	if (!in)
		return FSIMG_ECORRUPT;
	if (!fcr_in_use(r, in))
		return 0;
	if (!in->has_tree) {
		const uint8_t *raw = fcr_raw(r, in);

		if (raw && (get_le32(raw + DI(i_flags)) & EXT4_INLINE_DATA_FL))
			return fcr_stop(r, FSIMG_EUNSUPP, "inode %u: a range for an inode with inline data", ino);
		/*
		 * Linux 6.1's range replay reads i_block as an extent tree
		 * (ext4_find_extent checks no magic in the inode's root): on a
		 * block map it writes extents over the block pointers or fails
		 * (crash row: "lblock 4 mapped to illegal pblock 1", recovery failed)
		 */
		return fcr_stop(r, FSIMG_EUNSUPP,
				"inode %u: a range for a block-mapped file (Linux 6.1's replay reads its block map as "
				"an extent tree, and fails or corrupts it)", ino);
	}
	in->map_touched = true;
	*out = in;
	return 0;
}

/* Unmaps [a, b) from in's map. */
int fcr_punch(struct fcr *r, struct fcr_inode *in, uint64_t a, uint64_t b)
{
	struct fcr_ext *out = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < in->n; i++) {
		struct fcr_ext e = in->ext[i], part;
		uint64_t end = (uint64_t)e.lblk + e.len;
		int err = 0;

		if (end <= a || e.lblk >= b) {
			err = fcr_ext_push(&out, &n, &cap, e);
		} else {
			if (e.lblk < a) {
				part = e;
				part.len = (uint32_t)(a - e.lblk);
				err = fcr_ext_push(&out, &n, &cap, part);
			}
			if (!err && end > b) {
				part = e;
				part.lblk = (uint32_t)b;
				part.pblk = e.pblk + (b - e.lblk);
				part.len = (uint32_t)(end - b);
				err = fcr_ext_push(&out, &n, &cap, part);
			}
		}
		if (err < 0) {
			free(out);
			return fcr_stop(r, err, "inode %u: too many extents", in->ino);
		}
	}
	free(in->ext);
	in->ext = out;
	in->n = n;
	in->cap = cap;
	return 0;
}

static int add_range(struct fcr *r, const uint8_t *v)
{
	uint32_t ino = get_le32(v), lblk = get_le32(v + 4);
	uint16_t raw_len = get_le16(v + 8);
	struct fcr_ext e = {
		.lblk = lblk,
		.len = raw_len > EXT4_EXT_INIT_MAX_LEN ? raw_len - EXT4_EXT_INIT_MAX_LEN : (uint32_t)raw_len,
		.pblk = (uint64_t)get_le16(v + 10) << 32 | get_le32(v + 12),
		.unwritten = raw_len > EXT4_EXT_INIT_MAX_LEN,
	};
	struct fcr_inode *in;
	size_t pos = 0;
	int err;

	if (!e.len)
		return 0; /* nothing to map: the kernel's loop does not run */
	if ((uint64_t)e.lblk + e.len > 1ull << 32 || !fs_pblk_range_ok(r->fs, e.pblk, e.len))
		return fcr_stop(r, FSIMG_ECORRUPT,
				"ADD_RANGE for inode %u: %u blocks at %llu (file block %u) lie outside the filesystem",
				ino, e.len, (unsigned long long)e.pblk, e.lblk);
	err = range_inode(r, ino, &in);
	if (err < 0 || !in)
		return err;
	err = fcr_punch(r, in, e.lblk, (uint64_t)e.lblk + e.len);
	if (err < 0)
		return err;
	while (pos < in->n && in->ext[pos].lblk < e.lblk)
		pos++;
	if (fcr_ext_push(&in->ext, &in->n, &in->cap, e) < 0)
		return fcr_stop(r, FSIMG_ENOMEM, "inode %u: too many extents", ino);
	memmove(&in->ext[pos + 1], &in->ext[pos], (in->n - 1 - pos) * sizeof(*in->ext));
	in->ext[pos] = e;
	return 0;
}

static int del_range(struct fcr *r, const uint8_t *v)
{
	uint32_t ino = get_le32(v), lblk = get_le32(v + 4), len = get_le32(v + 8);
	struct fcr_inode *in;
	int err;

	if ((uint64_t)lblk + len > 1ull << 32)
		return fcr_stop(r, FSIMG_ECORRUPT, "DEL_RANGE for inode %u: %u blocks from file block %u pass 2^32",
				ino, len, lblk);
	err = range_inode(r, ino, &in);
	if (err < 0 || !in)
		return err;
	return fcr_punch(r, in, lblk, (uint64_t)lblk + len);
}

/*
 * ext4_fc_replay_inode: the logged record but i_block (the tree stays);
 * with inline data (INLINE_DATA_FL logged) i_block too, the data itself.
 * A block-mapped file keeps its map (the kernel's range tags skip it).
 * A file that changes between inline data, block map and extent tree in
 * the log is not replayed by fsimg.
 */
static int replay_inode(struct fcr *r, const uint8_t *v, uint32_t len)
{
	uint32_t ino = get_le32(v), ilen = len - 4, lflags, cflags, blocks_lo, blocks_hi;
	bool l_inline, l_ext, links;
	struct fcr_inode *in;
	uint8_t *raw;

	if (ilen < EXT4_GOOD_OLD_INODE_SIZE || ilen > r->fs->sb.inode_size)
		return fcr_stop(r, FSIMG_ECORRUPT, "INODE for inode %u: a record of %u bytes", ino, ilen);
	in = fcr_inode(r, ino);
	if (!in || !(raw = fcr_raw(r, in)))
		return FSIMG_ECORRUPT;
	lflags = get_le32(v + 4 + DI(i_flags));
	cflags = get_le32(raw + DI(i_flags));
	l_inline = lflags & EXT4_INLINE_DATA_FL;
	l_ext = (lflags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL)) == EXT4_EXTENTS_FL;
	links = get_le16(v + 4 + DI(i_links_count));
	if (in->has_tree && l_inline && !in->n && !in->ntree) {
		/* a new inode with inline data (or one whose tree is empty): no tree to keep */
		in->has_tree = false;
		in->map_touched = false;
	} else if (in->has_tree ? !l_ext && links :
		   (cflags & EXT4_INLINE_DATA_FL) ? !l_inline : (l_ext || l_inline)) {
		return fcr_stop(r, FSIMG_EUNSUPP,
				"INODE for inode %u: the file changes between inline data, a block map and an extent tree",
				ino);
	}
	if (in->has_tree)
		in->map_touched = true;
	blocks_lo = get_le32(raw + DI(i_blocks_lo));
	blocks_hi = get_le16(raw + DI(l_i_blocks_high));
	memcpy(raw, v + 4, DI(i_block));
	if (l_inline)
		memcpy(raw + DI(i_block), v + 4 + DI(i_block), DI(i_generation) - DI(i_block));
	memcpy(raw + DI(i_generation), v + 4 + DI(i_generation), ilen - DI(i_generation));
	if (!in->has_tree && !l_inline) {
		/* the block map did not change: nor does the count of its blocks (the kernel copies the logged one) */
		put_le32(raw + DI(i_blocks_lo), blocks_lo);
		put_le16(raw + DI(l_i_blocks_high), (uint16_t)blocks_hi);
	}
	return 0;
}

/* The kernel's scan pass records every ADD_RANGE's blocks (ext4_fc_record_regions): new blocks avoid them. */
static int note_region(struct fcr *r, const uint8_t *v)
{
	uint16_t raw_len = get_le16(v + 8);
	struct fcr_region g = { (uint64_t)get_le16(v + 10) << 32 | get_le32(v + 12),
				raw_len > EXT4_EXT_INIT_MAX_LEN ? raw_len - EXT4_EXT_INIT_MAX_LEN : raw_len };

	if (r->nregions == r->rcap) {
		size_t cap = r->rcap ? r->rcap * 2 : 256;
		struct fcr_region *n = cap > FCR_MAX_REGIONS ? NULL : realloc(r->regions, cap * sizeof(*n));
		if (!n)
			return fcr_stop(r, FSIMG_ENOMEM, "too many ADD_RANGE tags");
		r->regions = n;
		r->rcap = cap;
	}
	r->regions[r->nregions++] = g;
	return 0;
}

/* Every valid tag in log order (the scan's count), dispatched; scan: only the regions noted. */
static int replay_tags(struct fcr *r, bool scan)
{
	struct fsimg_journal *j = r->j;
	uint64_t left = j->info.fc_valid_tags;
	uint8_t *buf = malloc(j->bs);
	int err = 0;

	if (!buf)
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	for (uint32_t blk = j->sb.fc_first; blk <= j->sb.fc_last && left && !err; blk++) {
		size_t off = 0;

		if (jbd2_read(j, blk, buf) < 0) {
			err = fcr_stop(r, FSIMG_EIO, "fast-commit block %u cannot be read", blk);
			break;
		}
		while (left && !err && off + sizeof(struct ext4_dfc_tl) <= j->bs) {
			uint16_t tag = get_le16(buf + off);
			uint32_t len = get_le16(buf + off + 2);
			const uint8_t *v = buf + off + sizeof(struct ext4_dfc_tl);

			if (len > j->bs - off - sizeof(struct ext4_dfc_tl)) {
				err = fcr_stop(r, FSIMG_ECORRUPT, "fast-commit block %u: a tag runs past the block", blk);
				break;
			}
			left--;
			if (scan) {
				if (tag == EXT4_FC_TAG_ADD_RANGE && len == EXT4_FC_ADD_RANGE_SIZE)
					err = note_region(r, v);
				off += sizeof(struct ext4_dfc_tl) + len;
				continue;
			}
			switch (tag) {
			case EXT4_FC_TAG_ADD_RANGE:
				err = len == EXT4_FC_ADD_RANGE_SIZE ? add_range(r, v) :
				      fcr_stop(r, FSIMG_ECORRUPT, "ADD_RANGE of %u bytes", len);
				break;
			case EXT4_FC_TAG_DEL_RANGE:
				err = len == EXT4_FC_DEL_RANGE_SIZE ? del_range(r, v) :
				      fcr_stop(r, FSIMG_ECORRUPT, "DEL_RANGE of %u bytes", len);
				break;
			case EXT4_FC_TAG_INODE:
				err = len >= 4 ? replay_inode(r, v, len) :
				      fcr_stop(r, FSIMG_ECORRUPT, "INODE of %u bytes", len);
				break;
			case EXT4_FC_TAG_PAD:
			case EXT4_FC_TAG_TAIL:
			case EXT4_FC_TAG_HEAD:
				break;
			case EXT4_FC_TAG_CREAT:
			case EXT4_FC_TAG_LINK:
			case EXT4_FC_TAG_UNLINK:
				err = len > EXT4_FC_DENTRY_INFO_SIZE && len <= EXT4_FC_DENTRY_INFO_SIZE + EXT4_FC_NAME_LEN ?
				      fcr_dentry(r, tag, v, len) :
				      fcr_stop(r, FSIMG_ECORRUPT, "a name tag of %u bytes", len);
				break;
			default:
				err = fcr_stop(r, FSIMG_ECORRUPT, "fast-commit block %u: an unknown tag %u", blk, tag);
				break;
			}
			off += sizeof(struct ext4_dfc_tl) + len;
		}
	}
	free(buf);
	if (!err && left)
		err = fcr_stop(r, FSIMG_ECORRUPT, "the fast-commit area ends before its %llu valid tags",
			       (unsigned long long)j->info.fc_valid_tags);
	return err;
}

/* Adds the made blocks to the plan, replacing logged copies of the same blocks. */
static int merge(struct fcr *r)
{
	struct fsimg_plan *p = r->p;
	struct jbd2_plan_ent *e;
	uint8_t **made;
	size_t add = 0, n;

	made = malloc((r->nb ? r->nb : 1) * sizeof(*made));
	e = realloc(p->e, (p->n + r->nb + 1) * sizeof(*e));
	if (!made || !e) {
		free(made);
		if (e)
			p->e = e;
		return fcr_stop(r, FSIMG_ENOMEM, "out of memory");
	}
	p->e = e;
	n = p->n;
	for (size_t k = 0; k < r->nb; k++) {
		size_t i = jbd2_plan_lower_bound(p, r->b[k].blk);
		struct jbd2_plan_ent ne = { r->b[k].blk, JBD2_PLAN_MADE, (uint32_t)k };

		made[k] = r->b[k].data;
		r->b[k].data = NULL;
		if (i < p->n && p->e[i].fs_block == ne.fs_block)
			p->e[i] = ne;
		else
			p->e[n + add++] = ne;
	}
	p->made = made;
	p->nmade = r->nb;
	p->n = n + add;
	return jbd2_plan_sort(p->e, p->n);
}

void jbd2_fc_replay(struct fsimg_plan *p)
{
	struct fsimg_journal *j = p->j;
	struct fcr r = { .p = p, .j = j, .fs = j->fs, .bs = j->bs, .why = p->fc_why, .whylen = sizeof(p->fc_why) };
	int err;

	p->stats.fc_why = NULL;
	if (j->info.fc_state == FSIMG_FC_BAD && j->info.fc_commits) {
		/* e.g. Linux 6.1 reads past a full area's last block and fails the mount */
		p->stats.fc_why = p->fc_why;
		fcr_stop(&r, FSIMG_ECORRUPT, "the kernel's recovery fails on this fast-commit area");
		return;
	}
	if (j->info.fc_state != FSIMG_FC_VALID || !j->info.fc_commits)
		return;
	p->stats.fc_why = p->fc_why;
	if (!r.fs) {
		fcr_stop(&r, FSIMG_EUNSUPP, "no filesystem to replay into");
		return;
	}
	if (r.fs->sb.feature_ro_compat & EXT4_FEATURE_RO_COMPAT_BIGALLOC) {
		const struct fsimg_super *sb = &r.fs->sb;

		/* the superblock check bounds log_cluster_size; a cluster layout the kernel would mount */
		r.cbits = sb->log_cluster_size - sb->log_block_size;
		if (!(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS) || sb->first_data_block ||
		    r.cbits >= 24 || sb->clusters_per_group != sb->blocks_per_group >> r.cbits ||
		    (uint64_t)sb->clusters_per_group << r.cbits != sb->blocks_per_group) {
			fcr_stop(&r, FSIMG_EUNSUPP, "bigalloc without extents or with a cluster layout Linux refuses");
			return;
		}
	}
	if (p->stats.recovery_error || p->stats.kernel_error) {
		fcr_stop(&r, FSIMG_EUNSUPP, "the jbd2 recovery failed");
		return;
	}
	r.in = calloc(FCR_MAX_INODES, sizeof(*r.in));
	r.taken = calloc(FCR_MAX_TAKEN, sizeof(*r.taken));
	if (!r.in || !r.taken) {
		free(r.in);
		free(r.taken);
		fcr_stop(&r, FSIMG_ENOMEM, "out of memory");
		return;
	}
	err = replay_tags(&r, true);
	if (!err)
		err = replay_tags(&r, false);
	if (!err)
		err = fcr_finish(&r);
	if (!err)
		err = merge(&r);
	if (!err) {
		p->stats.fc_replayed = j->info.fc_commits;
		p->stats.fc_made = r.nb;
		p->stats.fc_why = NULL;
		p->stats.blocks = p->n;
	}
	for (size_t i = 0; i < r.nin; i++) {
		free(r.in[i].ext);
		free(r.in[i].old);
		free(r.in[i].tree);
	}
	free(r.in);
	free(r.taken);
	free(r.regions);
	for (size_t k = 0; k < r.nb; k++)
		free(r.b[k].data);
	free(r.b);
}
