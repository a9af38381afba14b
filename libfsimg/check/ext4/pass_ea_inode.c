/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ea_inode: xattr values held in inodes of their own (EXT4_EA_INODE_FL).
 * Each xattr entry with e_value_inum is checked as e2fsck pass 1's
 * check_large_ea_inode does (the target's number and i_size, the entry hash
 * folded with the value hash kept in the target's i_atime, the target's
 * flag), and the references are counted: every entry in an inode body, and
 * every entry of an xattr block once however many inodes share the block.
 * Then, as e2fsck pass 4's check_ea_inode, each EA inode's stored count
 * (i_ctime << 32 | l_i_version: the kernel's ext4_xattr_inode_get_ref) must
 * be that number; one that nothing refers to must be named by a directory,
 * and one in use must not be. Runs only on filesystems with the ea_inode
 * feature.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "check/ext4/e4check.h"

struct u32s {
	uint32_t *v;
	size_t n, cap;
};

struct blkref {
	uint64_t blk;
	fsimg_ino_t owner;
	uint32_t owner_gen;
};

struct ea_scan {
	struct check_ctx *c;
	struct u32s refs;      /* one e_value_inum per reference */
	struct u32s ea_inodes; /* inodes carrying EXT4_EA_INODE_FL */
	struct blkref *blks;   /* xattr blocks, with the first inode naming each */
	size_t nblks, capblks;
	bool nomem;
	/* quota charged for the area being walked (e2fsck's ea_quota): clusters, references */
	uint64_t q_clusters, q_inodes;
};

static bool u32s_push(struct u32s *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		uint32_t *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return false;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_blkref(const void *a, const void *b)
{
	const struct blkref *x = a, *y = b;

	if (x->blk != y->blk)
		return x->blk < y->blk ? -1 : 1;
	return x->owner < y->owner ? -1 : x->owner > y->owner;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t fold_value_hash(uint32_t h, uint32_t value_hash)
{
	return (h << 16) ^ (h >> 16) ^ value_hash;
}

/* e's hash, folded with the value hash its EA inode t keeps in i_atime (either signedness) */
static bool entry_hash_ok(const uint8_t *e, const struct fsimg_inode *t)
{
	uint32_t e_hash = rd32(e + offsetof(struct ext4_dxattr_entry, e_hash));

	return e_hash == fold_value_hash(check_xattr_hash(e, NULL, false), t->atime) ||
	       e_hash == fold_value_hash(check_xattr_hash(e, NULL, true), t->atime);
}

/* One entry e (name inside the area) that names value inode inum; owner: the inode with it. */
static void check_entry(struct ea_scan *s, const uint8_t *e, fsimg_ino_t owner, uint32_t owner_gen)
{
	struct check_ctx *c = s->c;
	struct fsimg_problem_ctx p = pctx_inode(owner);
	struct fsimg_inode t;
	uint32_t inum = rd32(e + offsetof(struct ext4_dxattr_entry, e_value_inum));
	uint32_t size = rd32(e + offsetof(struct ext4_dxattr_entry, e_value_size));
	uint32_t e_hash = rd32(e + offsetof(struct ext4_dxattr_entry, e_hash));
	uint32_t h;

	/* e2fsck counts every reference, sound or not (-n declines to delete it). */
	if (!u32s_push(&s->refs, inum))
		s->nomem = true;
	PCTX_SET(p, found, FSIMG_PF_FOUND, inum);
	if (inum < e4(c)->sb->first_ino || inum > e4(c)->sb->inodes_count) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "not an inode number for data");
		check_report(c, PR_XATTR_EA_INODE_BAD, &p);
		return;
	}
	if (fsimg_inode_read(&t, c->fs, inum) < 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "unreadable");
		check_report(c, PR_XATTR_EA_INODE_BAD, &p);
		return;
	}
	if (size == 0 || size != t.size) {
		PCTX_SET(p, length, FSIMG_PF_LENGTH, t.size);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, size);
		check_report(c, PR_XATTR_EA_INODE_SIZE, &p);
		p = pctx_inode(owner);
		PCTX_SET(p, found, FSIMG_PF_FOUND, inum);
	}
	h = fold_value_hash(check_xattr_hash(e, NULL, false), t.atime);
	/* An old Lustre-style reference: no hash, the EA inode names its parent in i_mtime. */
	if (!entry_hash_ok(e, &t) && !(t.mtime == owner && t.generation == owner_gen)) {
		if (!(t.flags & EXT4_EA_INODE_FL)) {
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "the hash does not match and it lacks the EA_INODE flag");
			check_report(c, PR_XATTR_EA_INODE_BAD, &p);
		} else {
			p = pctx_inode(owner);
			PCTX_SET(p, found, FSIMG_PF_FOUND, e_hash);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, h);
			check_report(c, PR_XATTR_EA_INODE_HASH, &p);
		}
		return;
	}
	if (!(t.flags & EXT4_EA_INODE_FL))
		check_report(c, PR_XATTR_EA_INODE_NO_FLAG, &p);
	/*
	 * e2fsck charges the value to the inode naming it (the kernel's
	 * ext4_xattr_inode_alloc_quota): its size in clusters and one inode;
	 * an old Lustre-style reference is charged no space.
	 */
	if (entry_hash_ok(e, &t))
		s->q_clusters += (size + (uint64_t)e4(c)->sb->cluster_size - 1) / e4(c)->sb->cluster_size;
	s->q_inodes++;
}

/*
 * The entries of an area of size bytes from offset first, up to four zero
 * bytes. A malformed area is pass_xattr.c's finding: the walk just stops
 * (each step moves 16 bytes or more, so it ends within size / 16 steps).
 */
static void walk_entries(struct ea_scan *s, const uint8_t *area, uint32_t size, uint32_t first,
			 fsimg_ino_t owner, uint32_t owner_gen)
{
	for (uint32_t off = first; size - off >= sizeof(struct ext4_dxattr_entry) && rd32(area + off);) {
		const uint8_t *e = area + off;
		uint32_t len = EXT4_XATTR_LEN(e[offsetof(struct ext4_dxattr_entry, e_name_len)]);

		if (len > size - off)
			return;
		if (rd32(e + offsetof(struct ext4_dxattr_entry, e_value_inum)))
			check_entry(s, e, owner, owner_gen);
		off += len;
	}
}

static void scan_inode(struct ea_scan *s, fsimg_ino_t ino, const uint8_t *raw, uint32_t isz)
{
	struct check_ctx *c = s->c;
	struct fsimg_inode in;
	uint16_t extra;

	if (ext4_inode_from_disk(&in, c->fs, ino, raw, isz) < 0)
		return;
	if (in.flags & EXT4_EA_INODE_FL) {
		if ((in.mode & 0xF000u) != 0x8000u) {
			struct fsimg_problem_ctx p = pctx_inode(ino);

			PCTX_SET(p, found, FSIMG_PF_FOUND, in.mode);
			check_report(c, PR_EA_INODE_NONREG, &p);
		} else if (!u32s_push(&s->ea_inodes, ino)) {
			s->nomem = true;
		}
	}
	if (in.file_acl && in.file_acl < e4(c)->sb->blocks_count) {
		if (s->nblks == s->capblks) {
			size_t cap = s->capblks ? s->capblks * 2 : 256;
			struct blkref *v = realloc(s->blks, cap * sizeof(*v));

			if (!v) {
				s->nomem = true;
				return;
			}
			s->blks = v;
			s->capblks = cap;
		}
		s->blks[s->nblks++] = (struct blkref){ in.file_acl, ino, in.generation };
	}
	if (isz <= EXT4_GOOD_OLD_INODE_SIZE + 2)
		return;
	extra = (uint16_t)(raw[EXT4_GOOD_OLD_INODE_SIZE] | raw[EXT4_GOOD_OLD_INODE_SIZE + 1] << 8);
	if (extra > isz - EXT4_GOOD_OLD_INODE_SIZE || (extra & 3) ||
	    isz - EXT4_GOOD_OLD_INODE_SIZE - extra < 4 ||
	    rd32(raw + EXT4_GOOD_OLD_INODE_SIZE + extra) != EXT4_XATTR_MAGIC)
		return;
	s->q_clusters = s->q_inodes = 0;
	walk_entries(s, raw + EXT4_GOOD_OLD_INODE_SIZE + extra, isz - EXT4_GOOD_OLD_INODE_SIZE - extra, 4,
		     ino, in.generation);
	if (s->q_inodes)
		check_quota_usage_charge(c, &in, s->q_clusters, s->q_inodes);
}

/* Each xattr block once, as e2fsck counts its references once. */
static void scan_blocks(struct ea_scan *s)
{
	fsimg_fs *fs = s->c->fs;
	uint8_t *b = fs_block_alloc(fs);

	if (!b) {
		s->nomem = true;
		return;
	}
	if (s->nblks) /* qsort of no array: no NULL pointer */
		qsort(s->blks, s->nblks, sizeof(*s->blks), cmp_blkref);
	for (size_t i = 0; i < s->nblks; i++) {
		if (i && s->blks[i].blk == s->blks[i - 1].blk)
			continue;
		if (fs_read_block(fs, s->blks[i].blk, b) < 0 || rd32(b) != EXT4_XATTR_MAGIC ||
		    rd32(b + offsetof(struct ext4_dxattr_header, h_blocks)) != 1)
			continue;
		s->q_clusters = s->q_inodes = 0;
		walk_entries(s, b, fs->block_size, sizeof(struct ext4_dxattr_header), s->blks[i].owner,
			     s->blks[i].owner_gen);
		/* every inode naming the block is charged its values, as e2fsck's ea_block_quota */
		for (size_t k = i; s->q_inodes && k < s->nblks && s->blks[k].blk == s->blks[i].blk; k++) {
			struct fsimg_inode owner;

			if (fsimg_inode_read(&owner, fs, s->blks[k].owner) == 0)
				check_quota_usage_charge(s->c, &owner, s->q_clusters, s->q_inodes);
		}
	}
	free(b);
}

/*
 * Does a directory name ino? 1 yes, 0 no, -1 not known here. Pass 5 left
 * i_links_count less the entries naming it in the inode's counter when
 * both fit its two bits; an escaped counter is not known here.
 */
static int named_by_dir(const struct check_ctx *c, fsimg_ino_t ino, uint16_t links)
{
	unsigned cnt = ino_cnt(c, ino);

	if (cnt == INO_CNT_ESC || links > INO_CNT_MAX - INO_CNT_EVEN)
		return -1;
	return cnt != INO_CNT_EVEN + links;
}

static void check_refcounts(struct ea_scan *s)
{
	struct check_ctx *c = s->c;
	size_t r = 0;

	if (s->refs.n)
		qsort(s->refs.v, s->refs.n, sizeof(uint32_t), cmp_u32);
	if (s->ea_inodes.n)
		qsort(s->ea_inodes.v, s->ea_inodes.n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < s->ea_inodes.n; i++) {
		fsimg_ino_t ino = s->ea_inodes.v[i];
		struct fsimg_problem_ctx p = pctx_inode(ino);
		struct fsimg_inode in;
		uint64_t actual = 0, stored;
		int named;

		while (r < s->refs.n && s->refs.v[r] < ino)
			r++;
		while (r < s->refs.n && s->refs.v[r] == ino) {
			actual++;
			r++;
		}
		if (fsimg_inode_read(&in, c->fs, ino) < 0)
			continue;
		named = named_by_dir(c, ino, in.links_count);
		if (actual == 0) {
			/* unknown: no finding rather than a false one */
			if (named == 0)
				check_report(c, PR_EA_INODE_ORPHAN, &p);
			continue;
		}
		/*
		 * Used by xattrs, it counts one link (e2fsck pass 4), and no
		 * directory should name it. A name is a warning: e2fsck 1.47.0
		 * counts the names as the links, as for any file (1.47.1 clears
		 * them); the counter still has to match them.
		 */
		if (named == 1) {
			check_report(c, PR_EA_INODE_DIR_LINK, &p);
			if (ino_cnt(c, ino) != INO_CNT_EVEN) {
				PCTX_SET(p, found, FSIMG_PF_FOUND, in.links_count);
				PCTX_SET(p, expected, FSIMG_PF_EXPECTED,
					 (uint64_t)in.links_count + INO_CNT_EVEN - ino_cnt(c, ino));
				check_report(c, PR_INODE_LINK_COUNT, &p);
				p = pctx_inode(ino);
			}
		} else if (in.links_count != 1) {
			PCTX_SET(p, found, FSIMG_PF_FOUND, in.links_count);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, 1);
			check_report(c, PR_INODE_LINK_COUNT, &p);
			p = pctx_inode(ino);
		}
		stored = (uint64_t)in.ctime << 32 | in.version;
		/* Old Lustre-style EA inodes keep no count; their i_ctime is their i_atime. */
		if (stored != actual && in.ctime != in.atime) {
			PCTX_SET(p, found, FSIMG_PF_FOUND, stored);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, actual);
			check_report(c, PR_EA_INODE_REF_COUNT, &p);
		}
	}
}

/*
 * The clusters of xattr values in EA inodes within an area (entries from
 * first, up to four zero bytes): each entry whose hash holds is charged
 * its value's size (e2fsck's check_large_ea_inode); one that does not is
 * an old Lustre-style reference (none) or check_entry's finding.
 */
static uint64_t area_charge(struct check_ctx *c, const uint8_t *area, uint32_t size, uint32_t first)
{
	uint64_t clusters = 0;

	for (uint32_t off = first; size - off >= sizeof(struct ext4_dxattr_entry) && rd32(area + off);) {
		const uint8_t *e = area + off;
		uint32_t len = EXT4_XATTR_LEN(e[offsetof(struct ext4_dxattr_entry, e_name_len)]);
		uint32_t inum = rd32(e + offsetof(struct ext4_dxattr_entry, e_value_inum));
		uint32_t vsize = rd32(e + offsetof(struct ext4_dxattr_entry, e_value_size));
		struct fsimg_inode t;

		if (len > size - off)
			break;
		if (inum >= e4(c)->sb->first_ino && inum <= e4(c)->sb->inodes_count &&
		    fsimg_inode_read(&t, c->fs, inum) == 0 && entry_hash_ok(e, &t))
			clusters += (vsize + (uint64_t)e4(c)->sb->cluster_size - 1) / e4(c)->sb->cluster_size;
		off += len;
	}
	return clusters;
}

uint64_t check_ea_inode_charge(struct check_ctx *c, const struct fsimg_inode *in)
{
	uint32_t isz = e4(c)->sb->inode_size;
	uint64_t clusters = 0;
	uint8_t *raw = malloc(isz > c->fs->block_size ? isz : c->fs->block_size);
	uint16_t extra;

	if (!raw)
		return 0;
	if (isz > EXT4_GOOD_OLD_INODE_SIZE + 2 && ext4_inode_read_raw(c->fs, in->ino, raw, isz) == 0) {
		extra = (uint16_t)(raw[EXT4_GOOD_OLD_INODE_SIZE] | raw[EXT4_GOOD_OLD_INODE_SIZE + 1] << 8);
		if (extra <= isz - EXT4_GOOD_OLD_INODE_SIZE && !(extra & 3) &&
		    isz - EXT4_GOOD_OLD_INODE_SIZE - extra >= 4 &&
		    rd32(raw + EXT4_GOOD_OLD_INODE_SIZE + extra) == EXT4_XATTR_MAGIC)
			clusters += area_charge(c, raw + EXT4_GOOD_OLD_INODE_SIZE + extra,
						isz - EXT4_GOOD_OLD_INODE_SIZE - extra, 4);
	}
	if (in->file_acl && in->file_acl < e4(c)->sb->blocks_count &&
	    fs_read_block(c->fs, in->file_acl, raw) == 0 && rd32(raw) == EXT4_XATTR_MAGIC &&
	    rd32(raw + offsetof(struct ext4_dxattr_header, h_blocks)) == 1)
		clusters += area_charge(c, raw, c->fs->block_size, sizeof(struct ext4_dxattr_header));
	free(raw);
	return clusters;
}

int check_pass_ea_inodes(struct check_ctx *c)
{
	struct ea_scan s = { .c = c };
	uint32_t isz = e4(c)->sb->inode_size;
	uint8_t *raw;

	if (!(e4(c)->sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EA_INODE))
		return 0;
	raw = malloc(isz);
	if (!raw)
		return FSIMG_ENOMEM;
	for (fsimg_ino_t ino = 1; ino <= e4(c)->sb->inodes_count && !s.nomem; ino++) {
		if (!bit_test(c->ino_inuse, ino) || bit_test(c->ino_bad, ino))
			continue;
		if (ext4_inode_read_raw(c->fs, ino, raw, isz) < 0)
			continue;
		scan_inode(&s, ino, raw, isz);
	}
	free(raw);
	if (!s.nomem)
		scan_blocks(&s);
	if (!s.nomem)
		check_refcounts(&s);
	free(s.refs.v);
	free(s.ea_inodes.v);
	free(s.blks);
	return s.nomem ? FSIMG_ENOMEM : 0;
}
