/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS directories (xfs_repair phase 6's per-directory checks): every
 * directory of the inode table, in inode order; shortform ones here, the
 * block, leaf and node forms in pass_dirs_blocks.c. Each entry's name, its
 * target (a valid inode number, in use, not a metadata inode), its file
 * type, "." and "..", and duplicate names. The entries are counted into the
 * table for pass_links.c: refs, the first directory naming an inode, a
 * directory's "..".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/xfs/xdir.h"

static uint32_t rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

uint32_t xp_da_hashname(const uint8_t *name, size_t len)
{
	uint32_t hash = 0;

	for (; len >= 4; len -= 4, name += 4)
		hash = ((uint32_t)name[0] << 21) ^ ((uint32_t)name[1] << 14) ^ ((uint32_t)name[2] << 7) ^
		       name[3] ^ rol32(hash, 7 * 4);
	switch (len) {
	case 3:
		return ((uint32_t)name[0] << 14) ^ ((uint32_t)name[1] << 7) ^ name[2] ^ rol32(hash, 7 * 3);
	case 2:
		return ((uint32_t)name[0] << 7) ^ name[1] ^ rol32(hash, 7 * 2);
	case 1:
		return name[0] ^ rol32(hash, 7);
	default:
		return hash;
	}
}

void xd_report(struct xd_dir *d, enum problem_id id, uint64_t lblk, const char *detail,
	       uint64_t found, uint64_t expected)
{
	struct fsimg_problem_ctx p = pctx_inode(d->ip->ino);

	PCTX_SET(p, lblk, FSIMG_PF_LBLK, lblk);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, expected);
	if (detail)
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(d->xp->c, id, &p);
}

bool xd_push(struct xd_dir *d, struct xd_hent **arr, size_t *n, size_t *cap, uint32_t hash,
	     uint32_t addr)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct xd_hent *a = realloc(*arr, ncap * sizeof(**arr));

		if (!a) {
			d->oom = true;
			return false;
		}
		*arr = a;
		*cap = ncap;
	}
	(*arr)[(*n)++] = (struct xd_hent){ hash, addr };
	return true;
}

static void keep_name(struct xd_dir *d, const uint8_t *name, unsigned len, uint32_t hash)
{
	if (d->npool + len > d->cappool) {
		size_t ncap = (d->cappool ? d->cappool * 2 : 4096) + len;
		char *p = realloc(d->pool, ncap);

		if (!p) {
			d->oom = true;
			return;
		}
		d->pool = p;
		d->cappool = ncap;
	}
	if (d->nnames == d->capnames) {
		size_t ncap = d->capnames ? d->capnames * 2 : 64;
		struct xd_name *n = realloc(d->names, ncap * sizeof(*n));

		if (!n) {
			d->oom = true;
			return;
		}
		d->names = n;
		d->capnames = ncap;
	}
	memcpy(d->pool + d->npool, name, len);
	d->names[d->nnames++] = (struct xd_name){ hash, (uint32_t)d->npool, (uint8_t)len };
	d->npool += len;
}

/* A printable copy of a name for a message. */
static const char *printable(char *buf, size_t size, const uint8_t *name, unsigned len)
{
	size_t k = 0;

	for (unsigned i = 0; i < len && k + 5 < size; i++)
		k += (size_t)snprintf(buf + k, size - k, name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\\'
								 ? "%c" : "\\x%02x", name[i]);
	buf[k] = 0;
	return buf;
}

void xd_entry(struct xd_dir *d, const uint8_t *name, unsigned namelen, uint64_t ino, int ftype)
{
	struct xp_ctx *xp = d->xp;
	xfs_fs *x = xp->x;
	struct xp_ino *self = &xp->ino[d->self];
	bool dot = namelen == 1 && name[0] == '.', dotdot = namelen == 2 && name[0] == '.' && name[1] == '.';
	char pname[96];
	uint32_t t;

	printable(pname, sizeof(pname), name, namelen);
	if (namelen == 0 || memchr(name, '/', namelen) || memchr(name, 0, namelen)) {
		xd_report(d, PR_XFS_DIR_ENTRY_NAME, 0, pname, 0, 0);
		return;
	}
	if (dot) {
		if (d->saw_dot || ino != d->ip->ino)
			xd_report(d, PR_XFS_DIR_DOT, 0, d->saw_dot ? "a second '.' entry" : "'.' names another inode",
				  ino, d->ip->ino);
		d->saw_dot = true;
		return;
	}
	if (dotdot) {
		if (d->saw_dotdot)
			xd_report(d, PR_XFS_DIR_DOT, 0, "a second '..' entry", ino, 0);
		else
			self->dotdot = xfs_ino_ok(x, ino) ? xp_find(xp, ino) : XP_NONE;
		d->saw_dotdot = true;
		if (self->dotdot == XP_NONE)
			self->dotdot = XP_NONE - 1; /* names nothing in use: the check is pass_links' */
		return;
	}
	keep_name(d, name, namelen, xp_da_hashname(name, namelen));
	if (!xfs_ino_ok(x, ino) || ino == x->sb.rootino) {
		xd_report(d, PR_XFS_DIR_ENTRY_INO, 0, pname, ino, 0);
		return;
	}
	t = xp_find(xp, ino);
	if (t == XP_NONE) {
		xd_report(d, PR_XFS_DIR_ENTRY_FREE, 0, pname, ino, 0);
		return;
	}
	if (xp->ino[t].flags & XP_META) {
		xd_report(d, PR_XFS_DIR_ENTRY_INO, 0, pname, ino, 0);
		return;
	}
	if (ftype >= 0 && ftype != xfs_mode_to_ftype(xp->ino[t].mode))
		xd_report(d, PR_XFS_DIR_FTYPE, 0, pname, (uint64_t)ftype,
			  (uint64_t)xfs_mode_to_ftype(xp->ino[t].mode));
	xp->ino[t].refs++;
	if (xp->ino[t].namer == XP_NONE)
		xp->ino[t].namer = d->self;
	else if (S_ISDIR(xp->ino[t].mode) && !(xp->ino[t].flags & XP_NAMED2)) {
		xp->ino[t].flags |= XP_NAMED2;
		xd_report(d, PR_XFS_DIR_MULTI_PARENT, 0, NULL, d->ip->ino, 0);
	}
}

/* Shortform: header, entries in the fork, offsets increasing, size exact. */
static void check_shortform(struct xd_dir *d)
{
	struct xp_ctx *xp = d->xp;
	xfs_fs *x = xp->x;
	const struct xfs_inode *ip = d->ip;
	size_t off, room, len, pos;
	unsigned count, i8count, n8 = 0, ftlen = x->ftype ? 1 : 0;
	uint64_t parent;
	uint32_t next_off;
	struct cur c;
	char why[128];

	xfs_inode_fork(&off, &room, x, ip, XFS_DATA_FORK);
	len = ip->size < room ? (size_t)ip->size : room;
	c = cur_init(ip->raw + off, len);
	count = cur_u8(&c, 0);
	i8count = cur_u8(&c, 1);
	pos = i8count ? XFS_DIR2_SF_HDR_SIZE_8 : XFS_DIR2_SF_HDR_SIZE_4;
	parent = i8count ? cur_be64(&c, 2) : cur_be32(&c, 2);
	if (c.err || len < pos) {
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, "size smaller than the header", ip->size, 0);
		xp->ino[d->self].flags |= XP_BAD;
		return;
	}
	if (i8count > count) {
		snprintf(why, sizeof(why), "i8count %u above count %u", i8count, count);
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, why, 0, 0);
	}
	/* the first data offset: after the data header and the "." and ".." entries */
	next_off = (x->v5 ? XFS_DIR3_DATA_HDR_SIZE : XFS_DIR2_DATA_HDR_SIZE) +
		   2 * ((8 + 1 + 2 + 2 + ftlen + 7) & ~7u);
	xd_entry(d, (const uint8_t *)".", 1, ip->ino, -1);
	xd_entry(d, (const uint8_t *)"..", 2, parent, -1);
	for (unsigned i = 0; i < count; i++) {
		uint8_t name[256];
		unsigned namelen = cur_u8(&c, pos);
		uint32_t eoff = cur_be16(&c, pos + 1);
		uint64_t ino;
		int ftype;

		cur_bytes(&c, pos + 3, name, namelen);
		ftype = x->ftype ? cur_u8(&c, pos + 3 + namelen) : -1;
		ino = i8count ? cur_be64(&c, pos + 3 + namelen + ftlen)
			      : cur_be32(&c, pos + 3 + namelen + ftlen);
		if (c.err || namelen == 0) {
			snprintf(why, sizeof(why), "entry %u of %u runs past di_size %llu", i, count,
				 (unsigned long long)ip->size);
			xd_report(d, PR_XFS_DIR_SHORTFORM, 0, namelen ? why : "an entry with no name", 0, 0);
			xp->ino[d->self].flags |= XP_BAD;
			return;
		}
		if (eoff < next_off) {
			snprintf(why, sizeof(why), "entry %u at offset %u, before %u", i, eoff, next_off);
			xd_report(d, PR_XFS_DIR_SHORTFORM, 0, why, 0, 0);
		}
		next_off = eoff + ((8 + 1 + namelen + ftlen + 2 + 7) & ~7u);
		if (ino > UINT32_MAX)
			n8++;
		if (ftype >= 0 && (ftype == XFS_DIR3_FT_UNKNOWN || ftype >= XFS_DIR3_FT_WHT)) {
			char pname[64];

			snprintf(pname, sizeof(pname), "%.*s", (int)namelen, name);
			xd_report(d, PR_XFS_DIR_FTYPE, 0, pname, (uint64_t)ftype, 0);
			ftype = -1;
		}
		xd_entry(d, name, namelen, ino, ftype);
		pos += 3 + namelen + ftlen + (i8count ? 8 : 4);
	}
	/* block form must hold it all: the entries, then count + 2 leaf entries and the tail */
	if ((uint64_t)next_off + (count + 2u) * XFS_DIR2_LEAF_ENTRY_SIZE + XFS_DIR2_BLOCK_TAIL_SIZE >
	    x->dirblksize) {
		snprintf(why, sizeof(why), "entry offsets up to %u do not fit a directory block", next_off);
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, why, 0, 0);
	}
	if (parent > UINT32_MAX)
		n8++;
	if (i8count && n8 == 0) {
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, "8-byte inode numbers where 4 bytes hold them all", 0, 0);
	} else if (!i8count && n8) {
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, "inode numbers above 32 bits without i8count", 0, 0);
	}
	if (pos != ip->size) {
		snprintf(why, sizeof(why), "di_size %llu, the entries end at %zu", (unsigned long long)ip->size,
			 pos);
		xd_report(d, PR_XFS_DIR_SHORTFORM, 0, why, 0, 0);
	}
}

static int hash_cmp(const void *a, const void *b)
{
	const struct xd_name *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* Names sorted by hash; within a run of one hash (a few names), pairwise. */
static void check_dup_names(struct xd_dir *d)
{
	char pname[96];

	if (d->nnames < 2)
		return;
	qsort(d->names, d->nnames, sizeof(*d->names), hash_cmp);
	for (size_t i = 0, j; i < d->nnames; i = j) {
		for (j = i + 1; j < d->nnames && d->names[j].hash == d->names[i].hash; j++)
			;
		for (size_t a = i; a < j && j - i <= 64; a++)
			for (size_t b = a + 1; b < j; b++) {
				const struct xd_name *p = &d->names[a], *q = &d->names[b];

				if (p->len == q->len && !memcmp(d->pool + p->off, d->pool + q->off, p->len)) {
					xd_report(d, PR_XFS_DIR_DUP_NAME, 0,
						  printable(pname, sizeof(pname),
							    (const uint8_t *)d->pool + p->off, p->len), 0, 0);
					a = j; /* one report per run */
					break;
				}
			}
	}
}

static void one_dir(struct xp_ctx *xp, uint32_t idx)
{
	struct xfs_inode ip;
	struct xd_dir d = { .xp = xp, .self = idx };
	int ret;

	ret = xfs_inode_read(&ip, xp->x, xp->ino[idx].ino);
	if (ret) {
		xfs_inode_release(&ip);
		xp->ino[idx].flags |= XP_BAD;
		return;
	}
	d.ip = &ip;
	if (ip.format == XFS_DINODE_FMT_LOCAL) {
		check_shortform(&d);
	} else {
		xd_check_blocks(&d);
	}
	if (!d.oom)
		check_dup_names(&d);
	if (!(xp->ino[idx].flags & XP_BAD) && ip.format != XFS_DINODE_FMT_LOCAL) {
		if (!d.saw_dot)
			xd_report(&d, PR_XFS_DIR_DOT, 0, "no '.' entry", 0, 0);
		if (!d.saw_dotdot)
			xd_report(&d, PR_XFS_DIR_DOT, 0, "no '..' entry", 0, 0);
	}
	xfs_bmap_free(&d.bm);
	free(d.data);
	free(d.leaf);
	free(d.best);
	free(d.pool);
	free(d.names);
	free(d.sib);
	free(d.nent);
	xfs_inode_release(&ip);
}

int xp_pass_dirs(struct xp_ctx *xp)
{
	for (size_t i = 0; i < xp->n; i++) {
		if (!S_ISDIR(xp->ino[i].mode) || (xp->ino[i].flags & XP_BAD))
			continue;
		one_dir(xp, (uint32_t)i);
		if ((i & 255) == 0)
			check_progress(xp->c, 5, "directories", i, xp->n);
	}
	return 0;
}
