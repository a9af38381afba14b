/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS attribute forks and symlink targets (xfs_repair attr_repair.c and
 * dinode.c process_symlink; libxfs xfs_attr_leaf.c, xfs_attr_remote.c and
 * xfs_symlink_remote.c verifiers). Shortform attributes fit the fork; leaf
 * blocks have their entries in hash order with the names' hashes, names and
 * values inside the block, usedbytes and firstused exact; dabtree nodes
 * point to mapped blocks; remote values and remote symlink targets sit in
 * mapped blocks with their v5 headers (magic, offset, length, owner, disk
 * address, CRC).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/xfs/xpass.h"
#include "core/array.h"

#define ATTR_NS_MASK (XFS_ATTR_ROOT | XFS_ATTR_SECURE | XFS_ATTR_PARENT)
#define RMT_HDR 56u
#define XFS_ATTR_MAX_VISITS 65536u

/* A block below the root of a dabtree, in the order the walk met it. */
struct asib {
	uint32_t lblk, forw, back;
	uint16_t level;
};

struct awalk {
	struct xp_ctx *xp;
	const struct xfs_inode *ip;
	struct xfs_bmap bm;
	uint8_t *b;
	unsigned visits;
	bool stop;
	struct asib *sib; /* blocks below the root, left to right */
	size_t nsib, capsib;
	bool sib_off; /* a block the walk could not place: no sibling check */
};

static void sib_add(struct awalk *w, uint32_t lblk, const uint8_t *b, uint16_t level)
{
	struct cur c = cur_init(b, 8);

	if (lblk == 0)
		return;
	if (!array_grow((void **)&w->sib, &w->capsib, w->nsib + 1, sizeof(*w->sib))) {
		w->sib_off = true;
		return;
	}
	w->sib[w->nsib++] = (struct asib){ lblk, cur_be32(&c, 0), cur_be32(&c, 4), level };
}


static void arep(struct xp_ctx *xp, enum problem_id id, uint64_t ino, uint64_t lblk, const char *detail)
{
	struct fsimg_problem_ctx p = pctx_inode(ino);

	PCTX_SET(p, lblk, FSIMG_PF_LBLK, lblk);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(xp->c, id, &p);
}

/*
 * Checks the v5 header of a remote block (attribute value or symlink) at
 * lblk holding bytes at offset; false with why set when it is wrong.
 */
static bool rmt_header(struct xp_ctx *xp, const struct xfs_inode *ip, const struct xfs_bmap *bm,
		       const uint8_t *b, uint64_t lblk, uint32_t magic, uint32_t offset, uint32_t bytes,
		       const char **why)
{
	xfs_fs *x = xp->x;
	struct cur c = cur_init(b, x->blocksize);
	const struct xfs_irec *r = xfs_bmap_lookup(bm, lblk);
	bool attr = magic == XFS_ATTR3_RMT_MAGIC;

	*why = NULL;
	if (cur_be32(&c, 0) != magic)
		*why = "bad magic";
	else if (memcmp(b + 16, (x->sb.features_incompat & XFS_SB_FEAT_INCOMPAT_META_UUID) ? x->sb.meta_uuid
											   : x->sb.uuid, 16))
		*why = "another filesystem's UUID";
	/* xfs_attr3_rmt_verify: a piece no longer than the block after its header, within
	 * 64 KiB (summed in 32 bits, as the kernel does), some owner */
	else if (attr && (cur_be32(&c, 8) > x->blocksize - RMT_HDR ||
			  (uint32_t)(cur_be32(&c, 4) + cur_be32(&c, 8)) > XFS_XATTR_SIZE_MAX ||
			  cur_be64(&c, 32) == 0))
		*why = "offset, length or owner out of range";
	/* xfs_symlink_verify: the target's piece and this inode */
	else if (!attr && (cur_be32(&c, 4) != offset || cur_be32(&c, 8) != bytes))
		*why = "offset or length not the target's";
	else if (!attr && cur_be64(&c, 32) != ip->ino)
		*why = "another inode's block";
	else if (r && cur_be64(&c, 40) != xfs_fsb_to_linear(x, r->startblock + (lblk - r->startoff))
						  << (x->sb.blocklog - 9))
		*why = "wrong disk address";
	else if (!xfs_verify_cksum(b, x->blocksize, XFS_RMT_CRC_OFF))
		*why = "checksum does not match";
	return *why == NULL;
}

/* ------------------------------------------------------------ attributes */

static void check_sf_attrs(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	size_t off, size, pos = XFS_ATTR_SF_HDR_SIZE;
	struct cur c;
	unsigned totsize, count;
	char why[128];

	xfs_inode_fork(&off, &size, xp->x, ip, XFS_ATTR_FORK);
	c = cur_init(ip->raw + off, size);
	totsize = cur_be16(&c, 0);
	count = cur_u8(&c, 2);
	if (totsize < XFS_ATTR_SF_HDR_SIZE || totsize > size) {
		snprintf(why, sizeof(why), "total size %u outside the fork's %zu bytes", totsize, size);
		arep(xp, PR_XFS_ATTR_SHORTFORM, ip->ino, 0, why);
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		unsigned namelen = cur_u8(&c, pos), valuelen = cur_u8(&c, pos + 1), flags = cur_u8(&c, pos + 2);

		if (pos + 3 + namelen + valuelen > totsize || namelen == 0) {
			snprintf(why, sizeof(why), "entry %u of %u runs past the total size %u or has no name", i,
				 count, totsize);
			arep(xp, PR_XFS_ATTR_SHORTFORM, ip->ino, 0, why);
			return;
		}
		if (flags & ~ATTR_NS_MASK) {
			snprintf(why, sizeof(why), "entry %u has flags %#x", i, flags);
			arep(xp, PR_XFS_ATTR_SHORTFORM, ip->ino, 0, why);
		}
		if (memchr(ip->raw + off + pos + 3, 0, namelen)) {
			snprintf(why, sizeof(why), "entry %u has a NUL in its name", i);
			arep(xp, PR_XFS_ATTR_SHORTFORM, ip->ino, 0, why);
		}
		pos += 3 + namelen + valuelen;
	}
	if (pos != totsize) {
		snprintf(why, sizeof(why), "the entries end at %zu, the total size is %u", pos, totsize);
		arep(xp, PR_XFS_ATTR_SHORTFORM, ip->ino, 0, why);
	}
}

static void rmt_value(struct awalk *w, const char *name, uint32_t valueblk, uint32_t valuelen)
{
	xfs_fs *x = w->xp->x;
	uint32_t per = x->v5 ? x->blocksize - RMT_HDR : x->blocksize;
	uint32_t nblk = (valuelen + per - 1) / per, done = 0;
	uint8_t *b = malloc(x->blocksize);
	const char *why;

	if (!b)
		return;
	for (uint32_t i = 0; i < nblk; i++) {
		uint64_t l = (uint64_t)valueblk + i;
		uint32_t bytes = valuelen - done < per ? valuelen - done : per;

		if (!xfs_bmap_lookup(&w->bm, l) || xfs_bmap_read(x, &w->bm, b, l, 1)) {
			arep(w->xp, PR_XFS_ATTR_REMOTE, w->ip->ino, l, name);
			break;
		}
		if (x->v5 && !rmt_header(w->xp, w->ip, &w->bm, b, l, XFS_ATTR3_RMT_MAGIC, done, bytes, &why)) {
			arep(w->xp, PR_XFS_ATTR_REMOTE, w->ip->ino, l, name);
			break;
		}
		done += bytes;
	}
	free(b);
}

static void attr_leaf(struct awalk *w, const uint8_t *b, uint64_t lblk)
{
	xfs_fs *x = w->xp->x;
	size_t bs = x->blocksize, hdr = x->v5 ? XFS_ATTR3_LEAF_HDR_SIZE : XFS_ATTR_LEAF_HDR_SIZE;
	size_t ch = x->v5 ? 56 : 12;
	struct cur c = cur_init(b, bs);
	unsigned count = cur_be16(&c, ch), usedbytes = cur_be16(&c, ch + 2), firstused = cur_be16(&c, ch + 4);
	unsigned used = 0, first = (unsigned)bs;
	char why[160];

	/* a 64 KiB block's firstused is stored as 0 (XFS_ATTR3_LEAF_NULLOFF) */
	if (firstused == 0 && bs == 65536)
		firstused = 65536;
	if (hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE > bs) {
		snprintf(why, sizeof(why), "%u entries do not fit", count);
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
		return;
	}
	/* xfs_attr3_leaf_verify: each free map region 4-aligned and inside the block */
	for (unsigned i = 0; i < 3; i++) {
		unsigned base = cur_be16(&c, ch + 8 + 4 * i), size = cur_be16(&c, ch + 10 + 4 * i);

		if (base % 4 || size % 4 || base + size > bs) {
			snprintf(why, sizeof(why), "free map entry %u (base %u, size %u) outside the block", i, base,
				 size);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
			return;
		}
	}
	for (unsigned i = 0; i < count; i++) {
		size_t e = hdr + (size_t)i * XFS_ATTR_LEAF_ENTRY_SIZE;
		uint32_t hash = cur_be32(&c, e);
		unsigned nameidx = cur_be16(&c, e + 4), flags = cur_u8(&c, e + 6), namelen, size;
		const uint8_t *name;
		char pname[64];

		if (i && hash < cur_be32(&c, e - XFS_ATTR_LEAF_ENTRY_SIZE)) {
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, "entries out of hash order");
			return;
		}
		if (nameidx < hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE || nameidx >= bs) {
			snprintf(why, sizeof(why), "entry %u's name at %u, outside the name area", i, nameidx);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
			return;
		}
		if (flags & XFS_ATTR_LOCAL) {
			namelen = cur_u8(&c, nameidx + 2);
			size = (3 + namelen + cur_be16(&c, nameidx) + 3) & ~3u;
			name = b + nameidx + 3;
		} else {
			/* sizeof(xfs_attr_leaf_name_remote) - 1 + namelen, rounded to 4 */
			namelen = cur_u8(&c, nameidx + 8);
			size = (11 + namelen + 3) & ~3u;
			name = b + nameidx + 9;
		}
		if (namelen == 0 || nameidx + size > bs) {
			snprintf(why, sizeof(why), "entry %u's name or value runs past the block", i);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
			return;
		}
		snprintf(pname, sizeof(pname), "%.*s", (int)namelen, (const char *)name);
		if (flags & ~(ATTR_NS_MASK | XFS_ATTR_LOCAL)) {
			snprintf(why, sizeof(why), "entry '%s' has flags %#x", pname, flags);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
		} else if (xp_da_hashname(name, namelen) != hash) {
			snprintf(why, sizeof(why), "entry '%s' has hash %#x, its name's is %#x", pname, hash,
				 xp_da_hashname(name, namelen));
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
		} else if (memchr(name, 0, namelen)) {
			snprintf(why, sizeof(why), "entry %u has a NUL in its name", i);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
		}
		if (!(flags & XFS_ATTR_LOCAL) && !(flags & XFS_ATTR_INCOMPLETE))
			rmt_value(w, pname, cur_be32(&c, nameidx), cur_be32(&c, nameidx + 4));
		used += size;
		if (nameidx < first)
			first = nameidx;
	}
	if (used != usedbytes) {
		snprintf(why, sizeof(why), "usedbytes %u, the entries use %u", usedbytes, used);
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
	} else if (firstused > first || firstused < hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE ||
		   (cur_u8(&c, ch + 6) == 0 && firstused != first)) {
		/*
		 * firstused bounds the name area (xfs_attr3_leaf_verify); names
		 * may start above it only when the block has holes
		 * (process_leaf_attr_block: would reset first used value)
		 */
		snprintf(why, sizeof(why), "firstused %u, the entries end at %zu and the first name is at %u",
			 firstused, hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE, first);
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
	}
}

static int64_t attr_block(struct awalk *w, uint64_t lblk, unsigned depth)
{
	xfs_fs *x = w->xp->x;
	size_t bs = x->blocksize;
	uint8_t *b;
	struct cur c;
	uint16_t magic;
	char why[128];
	int64_t last = -1;

	if (w->stop)
		return -1;
	if (++w->visits > XFS_ATTR_MAX_VISITS || w->visits > w->bm.n * 64u + 64u || depth > XFS_DA_NODE_MAXDEPTH) {
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, "the dabtree is deeper or larger than its fork");
		w->stop = true;
		return -1;
	}
	b = malloc(bs);
	if (!b)
		return -1;
	if (xfs_bmap_read(x, &w->bm, b, lblk, 1)) {
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, "not mapped or unreadable");
		w->sib_off = true;
		goto out;
	}
	c = cur_init(b, bs);
	magic = cur_be16(&c, 8);
	/* the root (block 0) has no siblings (xfs_repair clears them) */
	if (lblk == 0 && (cur_be32(&c, 0) || cur_be32(&c, 4)))
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, "the root block has sibling pointers");
	if (x->v5 && (magic == XFS_ATTR3_LEAF_MAGIC || magic == XFS_DA3_NODE_MAGIC)) {
		const char *bwhy = NULL;
		const struct xfs_irec *r = xfs_bmap_lookup(&w->bm, lblk);

		if (!xfs_verify_cksum(b, bs, XFS_DA3_CRC_OFF))
			arep(w->xp, PR_XFS_ATTR_CRC, w->ip->ino, lblk, "");
		if (cur_be64(&c, 48) != w->ip->ino)
			bwhy = "another inode's block";
		else if (r && cur_be64(&c, 16) != xfs_fsb_to_linear(x, r->startblock + (lblk - r->startoff))
							  << (x->sb.blocklog - 9))
			bwhy = "wrong disk address";
		if (bwhy)
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, bwhy);
	}
	if (magic == (x->v5 ? XFS_ATTR3_LEAF_MAGIC : XFS_ATTR_LEAF_MAGIC)) {
		size_t ch = x->v5 ? 56 : 12, hdr = x->v5 ? XFS_ATTR3_LEAF_HDR_SIZE : XFS_ATTR_LEAF_HDR_SIZE;
		unsigned count = cur_be16(&c, ch);

		attr_leaf(w, b, lblk);
		sib_add(w, lblk, b, 0);
		if (count && hdr + (size_t)count * XFS_ATTR_LEAF_ENTRY_SIZE <= bs)
			last = cur_be32(&c, hdr + ((size_t)count - 1) * XFS_ATTR_LEAF_ENTRY_SIZE);
	} else if (magic == (x->v5 ? XFS_DA3_NODE_MAGIC : XFS_DA_NODE_MAGIC)) {
		size_t hdr = x->v5 ? XFS_DA3_NODE_HDR_SIZE : XFS_DA_NODE_HDR_SIZE, ch = x->v5 ? 56 : 12;
		unsigned count = cur_be16(&c, ch), level = cur_be16(&c, ch + 2);

		if (count == 0 || hdr + (size_t)count * 8 > bs || level == 0 || level > XFS_DA_NODE_MAXDEPTH) {
			snprintf(why, sizeof(why), "node with %u entries at level %u", count, level);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
			w->sib_off = true;
			goto out;
		}
		sib_add(w, lblk, b, (uint16_t)level);
		for (unsigned i = 0; i < count && !w->stop; i++) {
			int64_t child_last;

			if (i && cur_be32(&c, hdr + 8 * i) < cur_be32(&c, hdr + 8 * (i - 1))) {
				arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, "node entries out of hash order");
				w->sib_off = true;
				break;
			}
			child_last = attr_block(w, cur_be32(&c, hdr + 8 * i + 4), depth + 1);
			/* an entry's hash is its child's last (xfs_repair: bad hashval in interior block) */
			if (child_last >= 0 && (uint32_t)child_last != cur_be32(&c, hdr + 8 * i)) {
				snprintf(why, sizeof(why), "node entry %u says hash %#x, its child's last is %#x", i,
					 cur_be32(&c, hdr + 8 * i), (uint32_t)child_last);
				arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
				w->sib_off = true;
				break;
			}
		}
		last = cur_be32(&c, hdr + 8 * ((size_t)count - 1));
	} else {
		snprintf(why, sizeof(why), "magic %#x is neither a leaf's nor a node's", magic);
		arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, lblk, why);
		w->sib_off = true;
	}
out:
	free(b);
	return last;
}

/*
 * xfs_repair walks each level of a dabtree left to right by the forward
 * pointers (process_leaf_attr_level, verify_da_path): every block's back
 * pointer names the one before it, the first's is 0, and the last one the
 * node entries lead to ends the chain (bad sibling back pointer, used/count
 * inconsistency, bad forward block pointer).
 */
static void check_siblings(struct awalk *w)
{
	for (uint16_t level = 0; level <= XFS_DA_NODE_MAXDEPTH && !w->sib_off && !w->stop; level++) {
		const struct asib *prev = NULL;

		for (size_t i = 0; i < w->nsib; i++) {
			const struct asib *e = &w->sib[i];

			if (e->level != level)
				continue;
			if (e->back != (prev ? prev->lblk : 0) || (prev && prev->forw != e->lblk)) {
				char why[128];

				snprintf(why, sizeof(why),
					 "level %u: sibling pointers (forward %u, back %u) do not follow the node entries",
					 level, e->forw, e->back);
				arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, e->lblk, why);
				return;
			}
			prev = e;
		}
		if (prev && prev->forw) {
			char why[128];

			snprintf(why, sizeof(why), "level %u: the last block the nodes lead to has forward pointer %u",
				 level, prev->forw);
			arep(w->xp, PR_XFS_ATTR_BLOCK, w->ip->ino, prev->lblk, why);
			return;
		}
	}
}

void xp_check_attrs(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	struct awalk w = { .xp = xp, .ip = ip };

	if (ip->aformat == XFS_DINODE_FMT_LOCAL) {
		check_sf_attrs(xp, ip);
		return;
	}
	if (ip->aformat != XFS_DINODE_FMT_EXTENTS && ip->aformat != XFS_DINODE_FMT_BTREE)
		return;
	if (xfs_bmap_load(&w.bm, xp->x, ip, XFS_ATTR_FORK))
		return; /* the fork's walk said why */
	if (w.bm.n)
		attr_block(&w, 0, 0);
	check_siblings(&w);
	free(w.sib);
	xfs_bmap_free(&w.bm);
}

/* ------------------------------------------------------------ symlinks */

void xp_check_symlink(struct xp_ctx *xp, const struct xfs_inode *ip)
{
	xfs_fs *x = xp->x;
	struct xfs_bmap bm;
	size_t off, size;
	uint32_t per = x->v5 ? x->blocksize - RMT_HDR : x->blocksize, done = 0;
	uint8_t *b;
	const char *why = NULL;

	if (ip->size == 0 || ip->size > XFS_SYMLINK_MAXLEN)
		return; /* the size's finding */
	if (ip->format == XFS_DINODE_FMT_LOCAL) {
		xfs_inode_fork(&off, &size, x, ip, XFS_DATA_FORK);
		if (ip->size <= size && memchr(ip->raw + off, 0, (size_t)ip->size))
			arep(xp, PR_XFS_SYMLINK, ip->ino, 0, "a NUL inside the target");
		return;
	}
	if (xfs_bmap_load(&bm, x, ip, XFS_DATA_FORK))
		return;
	b = malloc(x->blocksize);
	for (uint64_t l = 0; b && done < ip->size && !why; l++) {
		uint32_t bytes = (uint32_t)(ip->size - done < per ? ip->size - done : per);

		if (!xfs_bmap_lookup(&bm, l) || xfs_bmap_read(x, &bm, b, l, 1)) {
			why = "a target block is not mapped or unreadable";
		} else if (x->v5 && !rmt_header(xp, ip, &bm, b, l, XFS_SYMLINK_MAGIC, done, bytes, &why)) {
			;
		} else if (memchr(b + (x->v5 ? RMT_HDR : 0), 0, bytes)) {
			why = "a NUL inside the target";
		}
		done += bytes;
	}
	if (why) {
		char msg[128];

		snprintf(msg, sizeof(msg), "remote target: %s", why);
		arep(xp, PR_XFS_SYMLINK, ip->ino, 0, msg);
	}
	free(b);
	xfs_bmap_free(&bm);
}
