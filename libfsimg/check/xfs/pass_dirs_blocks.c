/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block, leaf and node directories (libxfs xfs_dir2_data.c, xfs_dir2_leaf.c,
 * xfs_dir2_node.c verifiers; xfs_repair phase 6 longform checks). The form
 * comes from the data fork's last block, as xfs_dir2_isblock/isleaf say.
 * Data blocks: header (magic, v5 CRC, disk address, owner, UUID), entries
 * and unused regions tiling the block with their tags, no two unused
 * regions side by side, the bestfree table naming the three longest. The
 * hash index (the block's tail, the leaf, or the node form's leaves under
 * dabtree nodes) must name every data entry once with its name's hash, in
 * hash order, with its stale count; the bests (leaf tail or free index
 * blocks) every data block's longest unused region.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/array.h"
#include "check/xfs/xdir.h"

enum form { F_BLOCK, F_LEAF, F_NODE };

static const uint8_t *fs_uuid(const xfs_fs *x)
{
	return (x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? x->sb.meta_uuid : x->sb.uuid;
}

static void bad(struct xd_dir *d, uint64_t lblk, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(struct xd_dir *d, uint64_t lblk, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	xd_report(d, PR_XFS_DIR_BLOCK, lblk, why, 0, 0);
}

/* The v5 header of a directory block: CRC at crc_off, disk address, UUID and owner at their offsets. */
static void v5_header(struct xd_dir *d, const uint8_t *b, uint64_t lblk, size_t crc_off, size_t blkno_off,
		      size_t uuid_off, size_t owner_off)
{
	xfs_fs *x = d->xp->x;
	struct cur c = cur_init(b, x->dirblksize);
	const struct xfs_irec *r = xfs_bmap_lookup(&d->bm, lblk);
	uint64_t daddr = 0;

	if (!x->v5)
		return;
	if (!xfs_verify_cksum(b, x->dirblksize, crc_off))
		xd_report(d, PR_XFS_DIR_CRC, lblk, NULL, 0, 0);
	if (r)
		daddr = xfs_fsb_to_linear(x, r->startblock + (lblk - r->startoff)) << (x->sb.blocklog - 9);
	if (r && cur_be64(&c, blkno_off) != daddr)
		bad(d, lblk, "header's disk address %llu, the block is at %llu",
		    (unsigned long long)cur_be64(&c, blkno_off), (unsigned long long)daddr);
	if (cur_be64(&c, owner_off) != d->ip->ino)
		bad(d, lblk, "header's owner %llu", (unsigned long long)cur_be64(&c, owner_off));
	if (memcmp(b + uuid_off, fs_uuid(x), 16))
		bad(d, lblk, "another filesystem's UUID");
}

static void set_best(struct xd_dir *d, uint64_t db, uint16_t len)
{
	if (db >= d->nbest) {
		uint16_t *a = realloc(d->best, (size_t)(db + 1) * sizeof(*a));

		if (!a) {
			d->oom = true;
			return;
		}
		for (size_t i = d->nbest; i <= db; i++)
			a[i] = XFS_DIR2_NULL_BEST;
		d->best = a;
		d->nbest = (size_t)db + 1;
	}
	d->best[db] = len;
}

/* The bestfree table against the unused regions found (lengths in top[], offsets in off[]). */
static void check_bestfree(struct xd_dir *d, struct cur *c, size_t bf, uint64_t lblk,
			   const uint16_t *top)
{
	for (unsigned i = 0; i < 3; i++) {
		uint16_t off = cur_be16(c, bf + 4 * i), len = cur_be16(c, bf + 4 * i + 2);

		if (!len && off) {
			xd_report(d, PR_XFS_DIR_BESTFREE, lblk, "an empty entry with an offset", 0, 0);
			return;
		}
		if (len != top[i]) {
			char why[96];

			snprintf(why, sizeof(why), "entry %u says %u bytes, the block's %s longest is %u", i, len,
				 i == 0 ? "" : i == 1 ? "second" : "third", top[i]);
			xd_report(d, PR_XFS_DIR_BESTFREE, lblk, why, 0, 0);
			return;
		}
		/* an entry with a length names a real unused region: its tag and length */
		if (len && (cur_be16(c, off) != XFS_DIR2_DATA_FREE_TAG || cur_be16(c, off + 2) != len)) {
			xd_report(d, PR_XFS_DIR_BESTFREE, lblk, "names an offset that is not an unused region", 0, 0);
			return;
		}
	}
}

/*
 * A hash index's entries (a block directory's tail, a leaf block), COUNT of
 * them from OFF, already bounded by the caller: hash order, the stale
 * count, and every live entry kept for the match against the data entries.
 */
static void leaf_entries(struct xd_dir *d, struct cur *c, size_t off, uint32_t count,
			 uint32_t stale, uint64_t lblk)
{
	uint32_t nstale = 0;

	for (uint32_t i = 0; i < count; i++) {
		uint32_t h = cur_be32(c, off + 8 * i), a = cur_be32(c, off + 8 * i + 4);

		if (i && h < cur_be32(c, off + 8 * (i - 1)))
			xd_report(d, PR_XFS_DIR_HASH, lblk, "entries out of hash order", 0, 0);
		if (a == XFS_DIR2_NULL_DATAPTR)
			nstale++;
		else
			xd_push(d, &d->leaf, &d->nleaf, &d->capleaf, h, a);
	}
	if (nstale != stale)
		xd_report(d, PR_XFS_DIR_HASH, lblk, "stale count wrong", 0, 0);
}

static void data_block(struct xd_dir *d, const uint8_t *b, uint64_t lblk, uint64_t db, bool block_form)
{
	xfs_fs *x = d->xp->x;
	size_t bs = x->dirblksize, hdr = x->v5 ? XFS_DIR3_DATA_HDR_SIZE : XFS_DIR2_DATA_HDR_SIZE;
	size_t bf = x->v5 ? 48 : 4, end = bs, pos;
	struct cur c = cur_init(b, bs);
	uint32_t magic = cur_be32(&c, 0), want;
	uint16_t top[3] = { 0, 0, 0 };
	unsigned ftlen = x->ftype ? 1 : 0, nent = 0;
	bool prev_unused = false;

	if (block_form)
		want = x->v5 ? XFS_DIR3_BLOCK_MAGIC : XFS_DIR2_BLOCK_MAGIC;
	else
		want = x->v5 ? XFS_DIR3_DATA_MAGIC : XFS_DIR2_DATA_MAGIC;
	if (magic != want) {
		bad(d, lblk, "magic %#x, expected %#x", magic, want);
		d->xp->ino[d->self].flags |= XP_BAD;
		return;
	}
	v5_header(d, b, lblk, XFS_DIR3_DATA_CRC_OFF, XFS_DIR3_BLK_HDR_BLKNO_OFF, 24, XFS_DIR3_BLK_HDR_OWNER_OFF);
	if (block_form) {
		uint32_t count = cur_be32(&c, bs - 8), stale = cur_be32(&c, bs - 4);

		if ((uint64_t)count * 8 > bs - 8 - hdr) {
			bad(d, lblk, "block tail counts %u leaf entries", count);
			d->xp->ino[d->self].flags |= XP_BAD;
			return;
		}
		end = bs - 8 - (size_t)count * 8;
		leaf_entries(d, &c, end, count, stale, lblk);
	}
	for (pos = hdr; pos < end;) {
		if (cur_be16(&c, pos) == XFS_DIR2_DATA_FREE_TAG) {
			uint16_t len = cur_be16(&c, pos + 2);

			if (len < 8 || len % 8 || pos + len > end || cur_be16(&c, pos + len - 2) != pos) {
				bad(d, lblk, "unused region at offset %zu has length %u or a wrong tag", pos, len);
				break;
			}
			if (prev_unused)
				bad(d, lblk, "two unused regions side by side at offset %zu", pos);
			prev_unused = true;
			for (unsigned i = 0; i < 3; i++)
				if (len > top[i]) {
					memmove(top + i + 1, top + i, (2 - i) * sizeof(*top));
					top[i] = len;
					break;
				}
			pos += len;
			continue;
		}
		prev_unused = false;
		{
			uint64_t ino = cur_be64(&c, pos);
			unsigned namelen = cur_u8(&c, pos + 8);
			size_t size = (8 + 1 + namelen + ftlen + 2 + 7) & ~(size_t)7;
			int ftype = x->ftype ? cur_u8(&c, pos + 9 + namelen) : -1;

			if (namelen == 0 || pos + size > end || cur_be16(&c, pos + size - 2) != pos) {
				bad(d, lblk, "entry at offset %zu has name length %u, a wrong tag or runs past the entries",
				    pos, namelen);
				break;
			}
			if (db == 0 && nent < 2 && namelen != nent + 1u) {
				xd_report(d, PR_XFS_DIR_DOT, lblk,
					  nent ? "the second entry is not '..'" : "the first entry is not '.'", 0, 0);
			}
			if (ftype >= 0 && (ftype == XFS_DIR3_FT_UNKNOWN || ftype >= XFS_DIR3_FT_WHT)) {
				char pname[64];

				snprintf(pname, sizeof(pname), "%.*s", (int)namelen, (const char *)b + pos + 9);
				xd_report(d, PR_XFS_DIR_FTYPE, lblk, pname, (uint64_t)ftype, 0);
				ftype = -1;
			}
			xd_entry(d, b + pos + 9, namelen, ino, ftype);
			xd_push(d, &d->data, &d->ndata, &d->capdata, xp_da_hashname(b + pos + 9, namelen),
				(uint32_t)((db * bs + pos) >> 3));
			nent++;
			pos += size;
		}
	}
	if (pos == end)
		check_bestfree(d, &c, bf, lblk, top);
	set_best(d, db, cur_be16(&c, bf + 2));
}

static int hent_cmp(const void *a, const void *b)
{
	const struct xd_hent *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The hash index against the data entries. */
static void compare_index(struct xd_dir *d)
{
	char why[96];

	if (d->oom)
		return;
	if (d->nleaf != d->ndata) {
		snprintf(why, sizeof(why), "names %zu entries, the data blocks hold %zu", d->nleaf, d->ndata);
		xd_report(d, PR_XFS_DIR_HASH, 0, why, 0, 0);
		return;
	}
	if (!d->ndata)
		return;
	qsort(d->data, d->ndata, sizeof(*d->data), hent_cmp);
	qsort(d->leaf, d->nleaf, sizeof(*d->leaf), hent_cmp);
	for (size_t i = 0; i < d->ndata; i++)
		if (d->data[i].hash != d->leaf[i].hash || d->data[i].addr != d->leaf[i].addr) {
			snprintf(why, sizeof(why), "names address %u with hash %#x, which no entry has",
				 d->leaf[i].addr, d->leaf[i].hash);
			xd_report(d, PR_XFS_DIR_HASH, 0, why, 0, 0);
			return;
		}
}

/* A leaf (LEAF1 with its bests tail) or node-form leaf (LEAFN) block. */
static void leaf_block(struct xd_dir *d, const uint8_t *b, uint64_t lblk, bool leaf1)
{
	xfs_fs *x = d->xp->x;
	size_t bs = x->dirblksize, hdr = x->v5 ? 64 : 16, cnt = x->v5 ? 56 : 12, end = bs;
	struct cur c = cur_init(b, bs);
	uint16_t count = cur_be16(&c, cnt), stale = cur_be16(&c, cnt + 2);

	v5_header(d, b, lblk, XFS_DA3_CRC_OFF, 16, 32, 48);
	if (leaf1) {
		uint32_t bestcount = cur_be32(&c, bs - 4);

		if ((uint64_t)bestcount * 2 + 4 > bs - hdr) {
			bad(d, lblk, "bests table of %u entries", bestcount);
			return;
		}
		end = bs - 4 - (size_t)bestcount * 2;
		if (bestcount != d->nbest) {
			char why[96];

			snprintf(why, sizeof(why), "the leaf's bests table has %u entries for %zu data blocks",
				 bestcount, d->nbest);
			xd_report(d, PR_XFS_DIR_FREEINDEX, lblk, why, 0, 0);
		} else {
			for (uint32_t i = 0; i < bestcount; i++)
				if (cur_be16(&c, end + 2 * i) != d->best[i]) {
					char why[96];

					snprintf(why, sizeof(why), "the leaf's best for data block %u is %u, the block's is %u",
						 i, cur_be16(&c, end + 2 * i), d->best[i]);
					xd_report(d, PR_XFS_DIR_FREEINDEX, lblk, why, 0, 0);
					break;
				}
		}
	}
	if (hdr + (size_t)count * 8 > end) {
		bad(d, lblk, "%u leaf entries do not fit", count);
		return;
	}
	leaf_entries(d, &c, hdr, count, stale, lblk);
}

static void node_block(struct xd_dir *d, const uint8_t *b, uint64_t lblk, uint64_t lo, uint64_t hi)
{
	xfs_fs *x = d->xp->x;
	size_t bs = x->dirblksize, hdr = x->v5 ? XFS_DA3_NODE_HDR_SIZE : XFS_DA_NODE_HDR_SIZE;
	size_t cnt = x->v5 ? 56 : 12;
	struct cur c = cur_init(b, bs);
	uint16_t count = cur_be16(&c, cnt), level = cur_be16(&c, cnt + 2);
	char why[96];

	v5_header(d, b, lblk, XFS_DA3_CRC_OFF, 16, 32, 48);
	if (count == 0 || hdr + (size_t)count * 8 > bs || level == 0 || level > XFS_DA_NODE_MAXDEPTH) {
		snprintf(why, sizeof(why), "node with %u entries at level %u", count, level);
		xd_report(d, PR_XFS_DIR_NODE, lblk, why, 0, 0);
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		uint32_t before = cur_be32(&c, hdr + 8 * i + 4);

		if (i && cur_be32(&c, hdr + 8 * i) < cur_be32(&c, hdr + 8 * (i - 1))) {
			xd_report(d, PR_XFS_DIR_NODE, lblk, "entries out of hash order", 0, 0);
			return;
		}
		if (before < lo || before >= hi || !xfs_bmap_lookup(&d->bm, before)) {
			snprintf(why, sizeof(why), "entry %u points to block %u, not a mapped leaf block", i, before);
			xd_report(d, PR_XFS_DIR_NODE, lblk, why, 0, 0);
			return;
		}
	}
	for (unsigned i = 0; i < count && !d->oom; i++) {
		if (d->nnent == d->capnent) {
			size_t ncap = d->capnent ? d->capnent * 2 : 16;
			struct xd_nent *a = realloc(d->nent, ncap * sizeof(*a));

			if (!a) {
				d->oom = true;
				return;
			}
			d->nent = a;
			d->capnent = ncap;
		}
		d->nent[d->nnent++] = (struct xd_nent){ (uint32_t)lblk, cur_be32(&c, hdr + 8 * i),
							 cur_be32(&c, hdr + 8 * i + 4), level };
	}
}

static void free_block(struct xd_dir *d, const uint8_t *b, uint64_t lblk, uint64_t fdb)
{
	xfs_fs *x = d->xp->x;
	size_t bs = x->dirblksize, hdr = x->v5 ? 64 : 16, fh = x->v5 ? 48 : 4;
	struct cur c = cur_init(b, bs);
	uint32_t firstdb = cur_be32(&c, fh), nvalid = cur_be32(&c, fh + 4), nused = cur_be32(&c, fh + 8);
	uint32_t maxbests = (uint32_t)((bs - hdr) / 2), used = 0;
	char why[128];

	if (cur_be32(&c, 0) != (x->v5 ? XFS_DIR3_FREE_MAGIC : XFS_DIR2_FREE_MAGIC)) {
		bad(d, lblk, "free index magic %#x", cur_be32(&c, 0));
		return;
	}
	v5_header(d, b, lblk, XFS_DIR3_DATA_CRC_OFF, XFS_DIR3_BLK_HDR_BLKNO_OFF, 24, XFS_DIR3_BLK_HDR_OWNER_OFF);
	if (firstdb != fdb * maxbests || nvalid > maxbests) {
		snprintf(why, sizeof(why), "free index block %llu starts at data block %u with %u entries",
			 (unsigned long long)fdb, firstdb, nvalid);
		xd_report(d, PR_XFS_DIR_FREEINDEX, lblk, why, 0, 0);
		return;
	}
	for (uint32_t i = 0; i < nvalid; i++) {
		uint64_t db = (uint64_t)firstdb + i;
		uint16_t want = db < d->nbest ? d->best[db] : XFS_DIR2_NULL_BEST, got = cur_be16(&c, hdr + 2 * i);

		if (got != want) {
			snprintf(why, sizeof(why), "free index says %u for data block %llu, the block's best is %u",
				 got, (unsigned long long)db, want);
			xd_report(d, PR_XFS_DIR_FREEINDEX, lblk, why, 0, 0);
			return;
		}
		used += got != XFS_DIR2_NULL_BEST;
	}
	if (used != nused) {
		snprintf(why, sizeof(why), "free index block %llu counts %u used entries, it holds %u",
			 (unsigned long long)fdb, nused, used);
		xd_report(d, PR_XFS_DIR_FREEINDEX, lblk, why, 0, 0);
	}
}

static void add_sib(struct xd_dir *d, const uint8_t *b, uint64_t lblk, uint16_t level)
{
	xfs_fs *x = d->xp->x;
	struct cur c = cur_init(b, x->dirblksize);
	size_t hdr = x->v5 ? 64 : 16, cnt = x->v5 ? 56 : 12;
	uint16_t count = cur_be16(&c, cnt);
	uint32_t last = 0;

	/* the block's last hash: its last entry's (leaf: hashval, node: hashval) */
	if (count && hdr + (size_t)count * 8 <= x->dirblksize)
		last = cur_be32(&c, hdr + ((size_t)count - 1) * 8);

	if (d->nsib == d->capsib) {
		size_t ncap = d->capsib ? d->capsib * 2 : 16;
		struct xd_sib *a = realloc(d->sib, ncap * sizeof(*a));

		if (!a) {
			d->oom = true;
			return;
		}
		d->sib = a;
		d->capsib = ncap;
	}
	d->sib[d->nsib++] = (struct xd_sib){ (uint32_t)lblk, cur_be32(&c, 0), cur_be32(&c, 4), last, level };
}

static const struct xd_sib *find_sib(const struct xd_dir *d, uint32_t lblk)
{
	size_t lo = ARRAY_LOWER_BOUND(d->sib, d->nsib, lblk, lblk);

	return lo < d->nsib && d->sib[lo].lblk == lblk ? &d->sib[lo] : NULL;
}

/* Sibling pointers name blocks of the same level that point back (xfs_repair: bad forward/back pointer). */
static void check_siblings(struct xd_dir *d, uint64_t root)
{
	char why[128];

	for (size_t i = 0; i < d->nsib && !d->oom; i++) {
		const struct xd_sib *e = &d->sib[i], *f = e->forw ? find_sib(d, e->forw) : NULL;
		const struct xd_sib *bk = e->back ? find_sib(d, e->back) : NULL;
		const char *bad_ptr = NULL;

		/* the root's right sibling must be none; xfs_repair does not look at its left */
		if (e->lblk == root && e->forw)
			bad_ptr = "the root node has a right sibling";
		else if (e->lblk == root)
			continue;
		else if (e->forw && (!f || f->level != e->level || f->back != e->lblk))
			bad_ptr = "its forward pointer";
		else if (e->back && (!bk || bk->level != e->level || bk->forw != e->lblk))
			bad_ptr = "its back pointer";
		if (bad_ptr) {
			snprintf(why, sizeof(why), "level %u block: %s (forward %u, back %u) names no sibling pointing back",
				 e->level, bad_ptr, e->forw, e->back);
			xd_report(d, PR_XFS_DIR_NODE, e->lblk, why, 0, 0);
			return;
		}
	}
	/* a node entry's hash is its child's last (xfs_repair: bad hashval in interior block) */
	for (size_t i = 0; i < d->nnent && !d->oom; i++) {
		const struct xd_nent *n = &d->nent[i];
		const struct xd_sib *ch = find_sib(d, n->before);

		if (ch && (ch->lasthash != n->hash || ch->level + 1u != n->level)) {
			snprintf(why, sizeof(why), "node entry for block %u says hash %#x at level %u, the child's last is %#x at level %u",
				 n->before, n->hash, n->level, ch->lasthash, ch->level);
			xd_report(d, PR_XFS_DIR_NODE, n->lblk, why, 0, 0);
			return;
		}
	}
}

/* Calls one dir block's check for every directory block of [lo, hi) the fork maps. */
static void each_block(struct xd_dir *d, uint64_t lo, uint64_t hi, enum form form, uint64_t *last_db)
{
	xfs_fs *x = d->xp->x;
	uint32_t fsbs = x->dir_fsbs;
	uint64_t leaf_lblk = XFS_DIR2_LEAF_OFFSET >> x->sb.blocklog;
	uint64_t free_lblk = XFS_DIR2_FREE_OFFSET >> x->sb.blocklog;
	uint8_t *b = d->xp->buf;

	for (size_t i = 0; i < d->bm.n && !d->oom; i++) {
		const struct xfs_irec *r = &d->bm.rec[i];
		uint64_t l = (r->startoff + fsbs - 1) / fsbs * fsbs;

		if (l < lo)
			l = lo;
		for (; l < r->startoff + r->blockcount && l < hi; l += fsbs) {
			if (xfs_bmap_read(x, &d->bm, b, l, fsbs)) {
				bad(d, l, "directory block not wholly mapped or unreadable");
				continue;
			}
			if (hi <= leaf_lblk) {
				data_block(d, b, l, l / fsbs, form == F_BLOCK);
				*last_db = l / fsbs;
			} else if (hi <= free_lblk) {
				struct cur c = cur_init(b, x->dirblksize);
				uint16_t m = cur_be16(&c, 8);

				if (m == (x->v5 ? XFS_DIR3_LEAF1_MAGIC : XFS_DIR2_LEAF1_MAGIC) && form == F_LEAF) {
					leaf_block(d, b, l, true);
					if (cur_be32(&c, 0) || cur_be32(&c, 4))
						bad(d, l, "a leaf directory's leaf has siblings");
				} else if (m == (x->v5 ? XFS_DIR3_LEAFN_MAGIC : XFS_DIR2_LEAFN_MAGIC) && form == F_NODE) {
					leaf_block(d, b, l, false);
					add_sib(d, b, l, 0);
				} else if (m == (x->v5 ? XFS_DA3_NODE_MAGIC : XFS_DA_NODE_MAGIC) && form == F_NODE) {
					node_block(d, b, l, leaf_lblk, free_lblk);
					add_sib(d, b, l, cur_be16(&c, x->v5 ? 58 : 14));
				} else {
					bad(d, l, "leaf or node block magic %#x does not suit the directory's form (%d)",
					    m, (int)form);
				}
			} else {
				free_block(d, b, l, (l - free_lblk) / fsbs);
			}
		}
	}
}

void xd_check_blocks(struct xd_dir *d)
{
	struct xp_ctx *xp = d->xp;
	xfs_fs *x = xp->x;
	const struct xfs_inode *ip = d->ip;
	uint64_t leaf_lblk = XFS_DIR2_LEAF_OFFSET >> x->sb.blocklog;
	uint64_t free_lblk = XFS_DIR2_FREE_OFFSET >> x->sb.blocklog;
	uint64_t last = 0, last_db = UINT64_MAX;
	enum form form;

	if (xfs_bmap_load(&d->bm, x, ip, XFS_DATA_FORK) || d->bm.n == 0) {
		xd_report(d, PR_XFS_DIR_UNREADABLE, 0, d->bm.n ? x->errmsg : "no blocks mapped", 0, 0);
		xp->ino[d->self].flags |= XP_BAD;
		return;
	}
	last = d->bm.rec[d->bm.n - 1].startoff + d->bm.rec[d->bm.n - 1].blockcount;
	if (last == x->dir_fsbs)
		form = F_BLOCK;
	else if (last == leaf_lblk + x->dir_fsbs)
		form = F_LEAF;
	else
		form = F_NODE;
	if (form == F_BLOCK && ip->size != x->dirblksize)
		xd_report(d, PR_XFS_DIR_SIZE, 0, NULL, ip->size, x->dirblksize);
	each_block(d, 0, leaf_lblk, form, &last_db);
	if (xp->ino[d->self].flags & XP_BAD)
		return;
	if (last_db == UINT64_MAX) {
		xd_report(d, PR_XFS_DIR_UNREADABLE, 0, "no data block", 0, 0);
		return;
	}
	if (form != F_BLOCK && ip->size != (last_db + 1) * x->dirblksize)
		xd_report(d, PR_XFS_DIR_SIZE, 0, NULL, ip->size, (last_db + 1) * x->dirblksize);
	if (form != F_BLOCK) {
		each_block(d, leaf_lblk, free_lblk, form, &last_db);
		if (form == F_NODE) {
			check_siblings(d, leaf_lblk);
			each_block(d, free_lblk, UINT64_MAX, form, &last_db);
		}
	}
	compare_index(d);
}
