/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AG btree walker: headers of short-form btree blocks (magic, level,
 * record count, siblings; on v5 the checksum, daddr, uuid and owner, as
 * libxfs's xfs_btree_sblock_verify and xfs_repair's scan_sbtree), child
 * pointers, node keys against their children, and every record handed to
 * the tree's callback. Each block is claimed (xc_claim) before it is read,
 * so a loop or a block shared with another owner ends that branch: the
 * walk reads each block of the AG at most once.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xbtree.h"
#include "core/cursor.h"

uint32_t xc_ag_first_free(const struct xcheck *x)
{
	/* sectors 0..3 hold sb, AGF, AGI, AGFL: the AGFL's block is the last header block */
	return (uint32_t)((4u * x->sb->sectsize - 1) >> x->sb->blocklog) + 1;
}

bool xc_agbno_ok(const struct xcheck *x, uint32_t agno, uint32_t agbno)
{
	return agbno >= xc_ag_first_free(x) && agbno < xc_ag_blocks(x, agno);
}

#define bt_report xc_bt_report
void xc_bt_report(struct xc_bt *bt, enum problem_id id, uint32_t bno, uint64_t found, const char *fmt, ...)
{
	struct fsimg_problem_ctx p = pctx_group(bt->agno);
	char what[200];
	int n = snprintf(what, sizeof(what), "%s", bt->t->name);
	va_list ap;

	if (fmt && n > 0 && (size_t)n < sizeof(what)) {
		va_start(ap, fmt);
		vsnprintf(what + n, sizeof(what) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	PCTX_SET(p, block, FSIMG_PF_BLOCK, bno);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, what);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	check_report(bt->c, id, &p);
}

void xc_bt_rec_bad(struct xc_bt *bt, uint32_t bno, const char *fmt, ...)
{
	struct fsimg_problem_ctx p = pctx_group(bt->agno);
	char what[200], full[260];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s block %u: %s", bt->t->name, bno, what);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, full);
	check_report(bt->c, PR_XFS_BTREE_REC, &p);
}

unsigned xc_bt_hdr_len(const struct xcheck *x)
{
	return x->x->v5 ? XFS_BTREE_SBLOCK_CRC_LEN : XFS_BTREE_SBLOCK_LEN;
}

/* The v5 self-description and the siblings of one block; false when it is not this tree's block. */
static bool check_header(struct xc_bt *bt, const uint8_t *b, uint32_t bno, unsigned level,
			 unsigned *numrecs, bool isroot)
{
	struct xcheck *x = bt->x;
	struct cur cu = cur_init(b, x->sb->blocksize);
	uint32_t magic = CUR_BE32(&cu, 0, struct xfs_btree_sblock, bb_magic);
	unsigned lvl = CUR_BE16(&cu, 0, struct xfs_btree_sblock, bb_level);
	uint32_t left = CUR_BE32(&cu, 0, struct xfs_btree_sblock, bb_leftsib);
	uint32_t right = CUR_BE32(&cu, 0, struct xfs_btree_sblock, bb_rightsib);
	unsigned li = level ? 1 : 0;

	*numrecs = CUR_BE16(&cu, 0, struct xfs_btree_sblock, bb_numrecs);
	if (magic != (x->x->v5 ? bt->t->crc_magic : bt->t->magic)) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, magic, ": bad magic %#x", magic);
		return false;
	}
	if (x->x->v5) {
		uint64_t daddr = xc_linear(x, bt->agno, bno) << (x->sb->blocklog - XFS_BBSHIFT);
		uint8_t uuid[16];

		if (!xfs_verify_cksum(b, x->sb->blocksize, XFS_BTREE_SBLOCK_CRC_OFF))
			bt_report(bt, PR_XFS_BTREE_CRC, bno, 0, NULL);
		if (CUR_BE64(&cu, 0, struct xfs_btree_sblock, bb_blkno) != daddr)
			bt_report(bt, PR_XFS_BTREE_BLOCK, bno, 0, ": its daddr is not its own");
		cur_bytes(&cu, offsetof(struct xfs_btree_sblock, bb_uuid), uuid, 16);
		if (memcmp(uuid, xc_meta_uuid(x), 16))
			bt_report(bt, PR_XFS_BTREE_BLOCK, bno, 0, ": uuid is not the filesystem's");
		xc_note_lsn(x, bt->agno, bt->t->name, CUR_BE64(&cu, 0, struct xfs_btree_sblock, bb_lsn));
		if (CUR_BE32(&cu, 0, struct xfs_btree_sblock, bb_owner) != bt->agno)
			bt_report(bt, PR_XFS_BTREE_BLOCK, bno, 0, ": owner is not its AG");
	}
	if (lvl != level) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, lvl, ": level %u where %u was expected", lvl, level);
		return false;
	}
	if (*numrecs > bt->maxrecs[li] || (!isroot && *numrecs < bt->minrecs[li])) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, *numrecs, ": %u records (%u .. %u)", *numrecs,
			  isroot ? 0 : bt->minrecs[li], bt->maxrecs[li]);
		if (*numrecs > bt->maxrecs[li])
			*numrecs = bt->maxrecs[li];
	}
	if (isroot && *numrecs == 0 && level > 0) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, 0, ": an empty node");
		return false;
	}
	/* siblings: valid block numbers (the verifier), then chained (a warning: repair does not follow them) */
	if (left != XC_NULLAGBLOCK && (left == bno || !xc_agbno_ok(x, bt->agno, left)))
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, left, ": left sibling %u is not a block of the AG",
			  left);
	else if (right != XC_NULLAGBLOCK && (right == bno || !xc_agbno_ok(x, bt->agno, right)))
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, right, ": right sibling %u is not a block of the AG",
			  right);
	else if (left != bt->prev[level] ||
		 (bt->prev[level] != XC_NULLAGBLOCK && bt->prev_right[level] != bno))
		bt_report(bt, PR_XFS_BTREE_SIBLING, bno, left, ": sibling pointers do not chain (left %u)",
			  left);
	bt->prev[level] = bno;
	bt->prev_right[level] = right;
	return true;
}

static void walk(struct xc_bt *bt, uint32_t bno, unsigned level, bool isroot)
{
	struct xcheck *x = bt->x;
	const struct xc_bt_type *t = bt->t;
	uint8_t *b = bt->buf[level];
	unsigned numrecs, hl = xc_bt_hdr_len(x);

	if (xc_claim(bt->c, bt->agno, bno, 1, t->owner, 0, false)) {
		bt->bad = true;
		return; /* met before: a loop, or another owner's block (reported) */
	}
	bt->blocks++;
	if (!isroot)
		bt->nonroot_blocks++;
	if (xfs_read_fsb(x->x, b, xfs_agb_to_fsb(x->x, bt->agno, bno), 1) < 0) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, bno, 0, ": cannot be read");
		bt->bad = true;
		return;
	}
	if (!check_header(bt, b, bno, level, &numrecs, isroot)) {
		bt->bad = true;
		return;
	}
	if (level == 0) {
		for (unsigned i = 0; i < numrecs; i++) {
			const uint8_t *rec = b + hl + (size_t)i * t->rec_len;

			if (i == 0)
				t->rec_key(bt->first_key[0], rec);
			if (t->overlapping && bt->has_bound[0]) {
				uint8_t hk[XC_KEYMAX];

				t->rec_high_key(hk, rec);
				if (memcmp(hk, bt->high_bound[0], t->key_len) > 0)
					bt_report(bt, PR_XFS_BTREE_HIGH_KEY, bno, i,
						  ": record %u ends past its parent's high key", i);
			}
			t->rec(bt, rec, bno);
		}
		return;
	}
	/* a node: keys (low, and high when overlapping), then pointers after maxrecs keys */
	unsigned kstride = t->key_len * (t->overlapping ? 2u : 1u);
	const uint8_t *keys = b + hl;
	const uint8_t *ptrs = keys + (size_t)bt->maxrecs[1] * kstride;

	memcpy(bt->first_key[level], keys, t->key_len);
	for (unsigned i = 0; i < numrecs; i++) {
		const uint8_t *key = keys + (size_t)i * kstride;
		uint32_t child = get_be32(ptrs + (size_t)i * 4);

		if (i > 0 && t->key_cmp(key - kstride, key) > 0) {
			bt_report(bt, PR_XFS_BTREE_KEY, bno, i, ": key %u is out of order", i);
			bt->key_odd = true;
		}
		/*
		 * Overlapping trees (xfs_repair scan_rmapbt): a key's high half bounds
		 * every record below it, and lies within its own parent's; keys
		 * compare as their big-endian bytes (start block, owner, offset with
		 * its fork and bmbt flags: rmap_diffkeys), not as key_cmp orders them.
		 */
		if (t->overlapping) {
			if (bt->has_bound[level] && memcmp(key + t->key_len, bt->high_bound[level], t->key_len) > 0)
				bt_report(bt, PR_XFS_BTREE_HIGH_KEY, bno, i,
					  ": high key %u is past its parent's", i);
			memcpy(bt->high_bound[level - 1], key + t->key_len, t->key_len);
			bt->has_bound[level - 1] = true;
		}
		if (!xc_agbno_ok(x, bt->agno, child)) {
			bt_report(bt, PR_XFS_BTREE_PTR, bno, child, NULL);
			bt->bad = true;
			continue;
		}
		walk(bt, child, level - 1, false);
		/* the key names the child's first record (met the child just now) */
		if (bt->prev[level - 1] == child && t->key_cmp(key, bt->first_key[level - 1]) != 0) {
			bt_report(bt, PR_XFS_BTREE_KEY, bno, i, ": key %u is not the first key of block %u", i,
				  child);
			bt->key_odd = true;
		}
		/* the walk reused the child's level buffer: this one is intact (one buffer a level) */
	}
}

int xc_bt_walk(struct xc_bt *bt, struct check_ctx *c, uint32_t agno, const struct xc_bt_type *t,
	       uint32_t root, uint32_t levels, void *arg)
{
	struct xcheck *x = xc(c);
	unsigned avail = x->sb->blocksize - xc_bt_hdr_len(x);
	uint64_t max_records;

	memset(bt, 0, sizeof(*bt));
	bt->c = c;
	bt->x = x;
	bt->t = t;
	bt->agno = agno;
	bt->aglen = xc_ag_blocks(x, agno);
	bt->arg = arg;
	bt->maxrecs[0] = avail / t->rec_len;
	bt->maxrecs[1] = avail / (t->key_len * (t->overlapping ? 2u : 1u) + 4u);
	bt->minrecs[0] = bt->maxrecs[0] / 2;
	bt->minrecs[1] = bt->maxrecs[1] / 2;
	for (unsigned i = 0; i < XC_MAXLEVELS; i++) {
		bt->prev[i] = XC_NULLAGBLOCK;
		bt->prev_right[i] = XC_NULLAGBLOCK;
	}
	/* the most records the tree could need: every block, or every inode chunk */
	max_records = t->owner == XO_INOBT || t->owner == XO_FINOBT
			      ? ((uint64_t)bt->aglen << x->sb->inopblog) / XFS_INODES_PER_CHUNK + 1
			      : (uint64_t)bt->aglen + 1;
	if (t->overlapping)
		max_records *= 2048; /* shared extents: many owners per block */
	if (levels == 0 || levels > xfs_btree_maxlevels(bt->minrecs[0], bt->minrecs[1], max_records, XC_MAXLEVELS)) {
		bt_report(bt, PR_XFS_BTREE_BLOCK, root, levels, ": the header's %u levels are not possible",
			  levels);
		bt->bad = true;
		return 0;
	}
	if (!xc_agbno_ok(x, agno, root)) {
		bt_report(bt, PR_XFS_BTREE_PTR, root, root, " root");
		bt->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < levels; i++) {
		bt->buf[i] = malloc(x->sb->blocksize);
		if (!bt->buf[i])
			return FSIMG_ENOMEM;
	}
	walk(bt, root, levels - 1, true);
	/* keys that are not their children's: does xfs_repair's search still find every record? */
	if (t->looked_up && bt->key_odd && !bt->bad)
		xc_bt_lookups(bt, root, levels);
	for (unsigned i = 0; i < levels; i++)
		if (bt->prev[i] != XC_NULLAGBLOCK && bt->prev_right[i] != XC_NULLAGBLOCK)
			bt_report(bt, PR_XFS_BTREE_SIBLING, bt->prev[i], bt->prev_right[i],
				  ": the last block of level %u has a right sibling", i);
	return 0;
}

void xc_bt_free(struct xc_bt *bt)
{
	for (unsigned i = 0; i < XC_MAXLEVELS; i++) {
		free(bt->buf[i]);
		bt->buf[i] = NULL;
	}
}
