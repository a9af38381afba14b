/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of pass 2: an inode's extended attributes. i_file_acl against the
 * features (e2fsck pass 2's process_bad_inode: no xattr block without
 * ext_attr, no i_file_acl_hi without 64bit), and the xattrs in the inode
 * body (e2fsck pass 1's check_ea_in_inode): every entry, its name and its
 * value inside the area after i_extra_isize, none overlapping another.
 */
#include "config.h"

#include <stddef.h>

#include "check/check.h"

/* Regions of the in-inode area handed out so far; more than this many entries is itself corrupt. */
#define IBODY_REGIONS 128u

struct regions {
	uint32_t start[IBODY_REGIONS], end[IBODY_REGIONS];
	unsigned n;
	uint32_t size;
};

/* e2fsck's region_allocate: false when [start, start+len) leaves the area or overlaps. */
static bool region_take(struct regions *r, uint32_t start, uint32_t len)
{
	uint32_t end = start + len;

	if (end < start || end > r->size || r->n == IBODY_REGIONS)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		if (start < r->end[i] && r->start[i] < end)
			return false;
	r->start[r->n] = start;
	r->end[r->n] = end;
	r->n++;
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The in-inode xattrs: NULL when sound (or absent), else what is wrong. */
static const char *ibody_fault(const uint8_t *raw, uint32_t isz)
{
	struct regions r;
	uint16_t extra;
	const uint8_t *hdr;
	uint32_t off, remain;

	if (isz <= EXT4_GOOD_OLD_INODE_SIZE + 2)
		return NULL;
	extra = (uint16_t)(raw[EXT4_GOOD_OLD_INODE_SIZE] | raw[EXT4_GOOD_OLD_INODE_SIZE + 1] << 8);
	/* a bad i_extra_isize is INODE_EXTRA_ISIZE's finding */
	if (extra > isz - EXT4_GOOD_OLD_INODE_SIZE || (extra & 3) ||
	    isz - EXT4_GOOD_OLD_INODE_SIZE - extra < 4)
		return NULL;
	hdr = raw + EXT4_GOOD_OLD_INODE_SIZE + extra;
	if (le32(hdr) != EXT4_XATTR_MAGIC)
		return NULL;
	r.n = 0;
	r.size = isz - EXT4_GOOD_OLD_INODE_SIZE - extra; /* offsets from the magic */
	remain = r.size - 4;
	/* entries from offset 4, values at 4 + e_value_offs */
	for (off = 4;;) {
		const uint8_t *e = hdr + off;
		uint32_t name_len, value_offs, value_inum, value_size;

		if (r.size - off < 4)
			return "no end of the entries";
		if (le32(e) == 0)
			break;
		if (r.size - off < sizeof(struct ext4_dxattr_entry))
			return "an entry past the area";
		name_len = e[offsetof(struct ext4_dxattr_entry, e_name_len)];
		value_offs = (uint32_t)(e[2] | e[3] << 8);
		value_inum = le32(e + offsetof(struct ext4_dxattr_entry, e_value_inum));
		value_size = le32(e + offsetof(struct ext4_dxattr_entry, e_value_size));
		if (!region_take(&r, off, EXT4_XATTR_LEN(name_len)))
			return "an entry overlaps another or leaves the area";
		if (remain < sizeof(struct ext4_dxattr_entry))
			return "an entry leaves the area";
		remain -= sizeof(struct ext4_dxattr_entry);
		if (EXT4_XATTR_SIZE(name_len) > remain)
			return "an entry's name leaves the area";
		remain -= EXT4_XATTR_SIZE(name_len);
		if (value_inum == 0) {
			if (value_size > remain)
				return "a value larger than the area";
			if (value_size && (value_offs > UINT32_MAX - 4 ||
					   !region_take(&r, 4 + value_offs, EXT4_XATTR_SIZE(value_size))))
				return "a value overlaps another or leaves the area";
			remain -= value_size;
		}
		off += EXT4_XATTR_LEN(name_len);
	}
	if (!region_take(&r, off, 4))
		return "the end of the entries overlaps a value";
	return NULL;
}

bool check_xattr_inode(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw)
{
	const struct fsimg_super *sb = c->sb;
	struct fsimg_problem_ctx p;
	const char *why;
	bool claim = true;
	size_t hi_off = offsetof(struct ext4_dinode, l_i_file_acl_high);
	uint16_t acl_hi = (uint16_t)(raw[hi_off] | raw[hi_off + 1] << 8);

	if (!(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT) && acl_hi &&
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
	why = ibody_fault(raw, sb->inode_size);
	if (why) {
		p = pctx_inode(in->ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(c, PR_INODE_XATTR_IBODY, &p);
	}
	return claim;
}
