/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 2: an inode's extended attributes. i_file_acl against the
 * features (e2fsck pass 2's process_bad_inode: no xattr block without
 * ext_attr, no i_file_acl_hi without 64bit), the xattrs in the inode body
 * (e2fsck pass 1's check_ea_in_inode) and xattr blocks (check_ext_attr):
 * every entry, its name and its value inside the area, none overlapping
 * another, and each entry's hash over its name and value. Block reference
 * counts are not checked (yet).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "check/ext4/e4check.h"
#include "check/idmap.h"

/*
 * Regions of an xattr area handed out so far; an area whose entries and
 * values need more than this many is itself corrupt (a 64 KiB block holds
 * at most 4096 entries, but no real one comes near).
 */
#define XATTR_REGIONS 512u

struct regions {
	uint32_t start[XATTR_REGIONS], end[XATTR_REGIONS];
	unsigned n;
	uint32_t size;
};

/* e2fsck's region_allocate: false when [start, start+len) leaves the area or overlaps. */
static bool region_take(struct regions *r, uint32_t start, uint32_t len)
{
	uint32_t end = start + len;

	if (end < start || end > r->size || r->n == XATTR_REGIONS)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		if (start < r->end[i] && r->start[i] < end)
			return false;
	r->start[r->n] = start;
	r->end[r->n] = end;
	r->n++;
	return true;
}

/*
 * The entries of an xattr area of r->size bytes at area, from offset first
 * up to four zero bytes; values at value_base + e_value_offs (the inode
 * body counts them from the first entry, a block from its start). NULL
 * when every entry, name and value fits the area without overlap (each
 * entry takes 16 bytes or more, so the walk ends within size / 16 steps).
 */
/* What a sound area showed besides its layout. */
struct entry_notes {
	bool value_inum_seen; /* an entry keeps its value in an inode */
	bool index0_seen;     /* an entry has e_name_index 0 */
	bool hash_bad;        /* an entry's e_hash is not its name's and value's */
	uint32_t e_hash;      /* the first such */
};

/*
 * e2fsck's ext2fs_ext_attr_hash_entry (signed: the name's bytes as signed
 * char, as some older kernels hashed): the name, then the value's 32-bit
 * little-endian words, padding included. value NULL: no value words.
 */
uint32_t check_xattr_hash(const uint8_t *e, const uint8_t *value, bool is_signed)
{
	unsigned name_len = e[offsetof(struct ext4_dxattr_entry, e_name_len)];
	uint32_t value_size = get_le32(e + offsetof(struct ext4_dxattr_entry, e_value_size));
	const uint8_t *name = e + sizeof(struct ext4_dxattr_entry);
	uint32_t h = 0;

	for (unsigned i = 0; i < name_len; i++) {
		uint32_t ch = is_signed ? (uint32_t)(int32_t)(signed char)name[i] : name[i];

		h = (h << 5) ^ (h >> 27) ^ ch;
	}
	if (value)
		for (uint32_t i = 0; i < (value_size + 3) / 4; i++)
			h = (h << 16) ^ (h >> 16) ^ get_le32(value + 4 * i);
	return h;
}

/*
 * The hash of an entry whose value is in the area (e2fsck: an inode body's
 * e_hash may be 0, from older kernels; a block's must match).
 */
static void note_hash(struct entry_notes *n, const uint8_t *e, const uint8_t *value, bool zero_ok)
{
	uint32_t e_hash = get_le32(e + offsetof(struct ext4_dxattr_entry, e_hash));

	if ((zero_ok && e_hash == 0) || n->hash_bad)
		return;
	if (e_hash == check_xattr_hash(e, value, false) || e_hash == check_xattr_hash(e, value, true))
		return;
	n->hash_bad = true;
	n->e_hash = e_hash;
}

static const char *entries_fault(const uint8_t *area, struct regions *r, uint32_t first,
				 uint32_t value_base, struct entry_notes *n)
{
	uint32_t off = first;

	for (;;) {
		const uint8_t *e = area + off;
		uint32_t name_len, value_offs, value_inum, value_size;

		if (r->size - off < 4)
			return "no end of the entries";
		if (get_le32(e) == 0)
			break;
		if (r->size - off < sizeof(struct ext4_dxattr_entry))
			return "an entry past the area";
		name_len = e[offsetof(struct ext4_dxattr_entry, e_name_len)];
		value_offs = (uint32_t)(e[2] | e[3] << 8);
		value_inum = get_le32(e + offsetof(struct ext4_dxattr_entry, e_value_inum));
		value_size = get_le32(e + offsetof(struct ext4_dxattr_entry, e_value_size));
		if (!region_take(r, off, EXT4_XATTR_LEN(name_len)))
			return "an entry overlaps another or leaves the area";
		/* an ea_inode value lives in that inode, not here */
		if (value_inum)
			n->value_inum_seen = true;
		if (e[offsetof(struct ext4_dxattr_entry, e_name_index)] == 0)
			n->index0_seen = true;
		if (value_inum == 0 && value_size &&
		    (value_size > r->size ||
		     !region_take(r, value_base + value_offs, EXT4_XATTR_SIZE(value_size))))
			return "a value overlaps another or leaves the area";
		/* the padded value is inside the area: region_take said so */
		if (value_inum == 0)
			note_hash(n, e, value_size ? area + value_base + value_offs : NULL, value_base != 0);
		off += EXT4_XATTR_LEN(name_len);
	}
	if (!region_take(r, off, 4))
		return "the end of the entries overlaps a value";
	return NULL;
}

/* The in-inode xattrs: NULL when sound (or absent), else what is wrong. */
static const char *ibody_fault(const uint8_t *raw, uint32_t isz, struct entry_notes *n)
{
	struct regions r;
	uint16_t extra;
	const uint8_t *hdr;

	if (isz <= EXT4_GOOD_OLD_INODE_SIZE + 2)
		return NULL;
	extra = (uint16_t)(raw[EXT4_GOOD_OLD_INODE_SIZE] | raw[EXT4_GOOD_OLD_INODE_SIZE + 1] << 8);
	/* a bad i_extra_isize is INODE_EXTRA_ISIZE's finding */
	if (extra > isz - EXT4_GOOD_OLD_INODE_SIZE || (extra & 3) ||
	    isz - EXT4_GOOD_OLD_INODE_SIZE - extra < 4)
		return NULL;
	hdr = raw + EXT4_GOOD_OLD_INODE_SIZE + extra;
	if (get_le32(hdr) != EXT4_XATTR_MAGIC)
		return NULL;
	r.n = 0;
	r.size = isz - EXT4_GOOD_OLD_INODE_SIZE - extra; /* offsets from the magic */
	return entries_fault(hdr, &r, 4, 4, n);
}

/* e2fsck pass 1: an xattr value held in an inode needs the ea_inode feature. */
static void check_ea_inode_feature(struct check_ctx *c, fsimg_ino_t ino, fsimg_pblk_t blk)
{
	struct fsimg_problem_ctx p = ino ? pctx_inode(ino) : pctx_none();

	if (e4(c)->sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EA_INODE)
		return;
	if (blk)
		PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, blk ? "xattr block" : "inode");
	PCTX_SET(p, found, FSIMG_PF_FOUND, blk ? blk : ino);
	check_report(c, PR_XATTR_EA_INODE_NO_FEATURE, &p);
}

void check_xattr_refs_start(struct check_ctx *c)
{
	if (!e4(c)->xattr_refs && (e4(c)->sb->feature_compat & EXT4_FEATURE_COMPAT_EXT_ATTR))
		e4(c)->xattr_refs = idmap_new(e4(c)->sb->inodes_count);
}

void check_xattr_ref(struct check_ctx *c, fsimg_pblk_t blk)
{
	idmap_put(e4(c)->xattr_refs, blk, 1, false);
}

/* h_refcount against the inodes naming the block (e2fsck PR_1_EXTATTR_REFCOUNT) */
static void check_refcount(struct check_ctx *c, fsimg_pblk_t blk, uint32_t refcount)
{
	struct fsimg_problem_ctx p;
	uint64_t refs;

	if (idmap_get(e4(c)->xattr_refs, blk, &refs) != 1 || refs == refcount)
		return;
	p = pctx_none();
	PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
	PCTX_SET(p, found, FSIMG_PF_FOUND, refcount);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, refs);
	check_report(c, PR_XATTR_REFCOUNT, &p);
}

/*
 * An xattr block (e2fsck pass 1's check_ext_attr): header magic, h_blocks 1,
 * entries and values inside the block without overlap, and the metadata_csum
 * checksum (over the block number and the block with h_checksum as zero).
 */
static void check_xattr_block(struct check_ctx *c, fsimg_pblk_t blk)
{
	fsimg_fs *fs = c->fs;
	struct fsimg_problem_ctx p;
	struct regions *r = NULL;
	const char *why = NULL;
	uint8_t *b = fs_block_alloc(fs);
	uint32_t bs = fs->block_size;
	struct entry_notes n = { 0 };

	if (!b)
		return;
	if (fs_read_block(fs, blk, b) < 0) {
		why = "unreadable";
	} else if (get_le32(b) != EXT4_XATTR_MAGIC) {
		why = "bad magic";
	} else if (get_le32(b + offsetof(struct ext4_dxattr_header, h_blocks)) != 1) {
		why = "h_blocks is not 1";
	} else if ((r = malloc(sizeof(*r))) != NULL) {
		r->n = 0;
		r->size = bs;
		region_take(r, 0, sizeof(struct ext4_dxattr_header));
		why = entries_fault(b, r, sizeof(struct ext4_dxattr_header), 0, &n);
		/* e2fsck with xattr format 2: every block entry has a name index */
		if (!why && n.index0_seen)
			why = "an entry with name index 0";
	}
	if (!why && fs->metadata_csum && !(fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY)) {
		size_t co = offsetof(struct ext4_dxattr_header, h_checksum);
		uint8_t nr[8], zero[4] = { 0 };
		uint32_t crc;

		for (unsigned i = 0; i < 8; i++)
			nr[i] = (uint8_t)(blk >> (8 * i));
		crc = ext4_csum(fs, fs->csum_seed, nr, sizeof(nr));
		crc = ext4_csum(fs, crc, b, co);
		crc = ext4_csum(fs, crc, zero, sizeof(zero));
		crc = ext4_csum(fs, crc, b + co + 4, bs - co - 4);
		if (crc != get_le32(b + co))
			why = "checksum does not match";
	}
	if (!why)
		check_refcount(c, blk, get_le32(b + offsetof(struct ext4_dxattr_header, h_refcount)));
	free(r);
	free(b);
	if (n.value_inum_seen)
		check_ea_inode_feature(c, 0, blk);
	if (!why && n.hash_bad) {
		p = pctx_none();
		PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
		PCTX_SET(p, found, FSIMG_PF_FOUND, n.e_hash);
		check_report(c, PR_XATTR_BLOCK_HASH, &p);
	}
	if (!why)
		return;
	p = pctx_none();
	PCTX_SET(p, block, FSIMG_PF_BLOCK, blk);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
	check_report(c, PR_XATTR_BLOCK_BAD, &p);
}

/*
 * Every xattr block pass 2 saw, once each, in block order after its threads
 * have finished: which inode named a shared block first would depend on the
 * threads' timing, so the finding names the block alone.
 */
void check_xattr_blocks(struct check_ctx *c, const uint8_t *seen)
{
	uint64_t nbytes = (e4(c)->sb->blocks_count + 7) / 8;

	for (uint64_t i = 0; i < nbytes; i++) {
		if (!seen[i])
			continue;
		for (unsigned b = 0; b < 8; b++)
			if (seen[i] >> b & 1)
				check_xattr_block(c, i * 8 + b);
	}
}

bool check_xattr_inode(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p;
	const char *why;
	bool claim = true;
	struct entry_notes n = { 0 };
	size_t hi_off = offsetof(struct ext4_dinode, l_i_file_acl_high);
	uint16_t acl_hi = (uint16_t)(raw[hi_off] | raw[hi_off + 1] << 8);

	uint32_t first = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;
	/*
	 * e2fsck's pass 1 marks such an inode bad and pass 2 judges it where a
	 * directory entry names it: never a reserved inode or the superblock's
	 * quota and orphan file inodes (pass 1 does not even mark those).
	 */
	bool named = in->ino == FSIMG_ROOT_INO || (in->ino >= first && !ext4_sb_inode_nameless(sb, in->ino));

	if (!(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT) && acl_hi && named &&
	    sb->creator_os != EXT4_OS_HURD) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, acl_hi);
		check_report(c, PR_INODE_XATTR_BLOCK_HI, &p);
	}
	if (in->file_acl && !(sb->feature_compat & EXT4_FEATURE_COMPAT_EXT_ATTR)) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, block, FSIMG_PF_BLOCK, in->file_acl);
		check_report(c, PR_INODE_XATTR_NO_FEATURE, &p);
		claim = false;
	}
	why = ibody_fault(raw, sb->inode_size, &n);
	if (n.value_inum_seen)
		check_ea_inode_feature(c, in->ino, 0);
	if (!why && n.hash_bad) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, n.e_hash);
		check_report(c, PR_XATTR_HASH, &p);
	}
	if (why) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(c, PR_INODE_XATTR_IBODY, &p);
	}
	return claim;
}
