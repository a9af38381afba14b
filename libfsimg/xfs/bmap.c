/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fork extent maps: extent lists and bmap btrees (bmbt) with the unwritten
 * bit, loaded into one sorted list per fork, and the mapping iterator built
 * on it. Every walk is bounded: levels strictly decrease from the root
 * (a loop would need a level to repeat), at most XFS_BMAP_MAX_NODES blocks
 * are read and XFS_BMAP_MAX_RECS records kept per fork.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xfs/xfs.h"

void xfs_bmbt_rec_decode(struct xfs_irec *irec, const uint8_t *rec)
{
	struct cur c = cur_init(rec, XFS_BMBT_REC_SIZE);
	uint64_t l0 = cur_be64(&c, 0), l1 = cur_be64(&c, 8);

	irec->unwritten = (l0 >> 63) != 0;
	irec->startoff = (l0 & ((1ULL << 63) - 1)) >> 9;
	irec->startblock = ((l0 & 0x1ffULL) << 43) | (l1 >> 21);
	irec->blockcount = (uint32_t)(l1 & ((1ULL << XFS_BMBT_BLOCKCOUNT_BITS) - 1));
}

struct bload {
	xfs_fs *fs;
	const struct xfs_inode *ip;
	enum xfs_fork fork;
	struct xfs_bmap *bm;
	size_t cap, ncap;
	uint64_t visits;
};

static int add_rec(struct bload *l, const uint8_t *rec)
{
	struct xfs_bmap *bm = l->bm;

	if (bm->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct xfs_irec *r;

		if (bm->n >= XFS_BMAP_MAX_RECS)
			return xfs_error(l->fs, FSIMG_ENOMEM, "inode %llu: more than %u extents in a fork",
					 (unsigned long long)l->ip->ino, XFS_BMAP_MAX_RECS);
		r = realloc(bm->rec, ncap * sizeof(*r));
		if (!r)
			return xfs_error(l->fs, FSIMG_ENOMEM, "out of memory");
		bm->rec = r;
		l->cap = ncap;
	}
	xfs_bmbt_rec_decode(&bm->rec[bm->n++], rec);
	return 0;
}

static int add_node(struct bload *l, uint64_t fsb, uint64_t first_off, uint16_t level,
		    uint16_t numrecs, bool crc_ok)
{
	struct xfs_bmap *bm = l->bm;

	if (bm->nnodes == l->ncap) {
		size_t ncap = l->ncap ? l->ncap * 2 : 8;
		struct xfs_bmbt_node *n = realloc(bm->node, ncap * sizeof(*n));

		if (!n)
			return xfs_error(l->fs, FSIMG_ENOMEM, "out of memory");
		bm->node = n;
		l->ncap = ncap;
	}
	bm->node[bm->nnodes++] = (struct xfs_bmbt_node){ fsb, first_off, level, numrecs, crc_ok };
	return 0;
}

/* One bmbt block at fsb that must be at level; its records or children appended in order. */
static int bmbt_block(struct bload *l, uint64_t fsb, unsigned level, uint64_t key)
{
	xfs_fs *fs = l->fs;
	size_t hdr = fs->v5 ? XFS_BTREE_LBLOCK_CRC_LEN : XFS_BTREE_LBLOCK_LEN;
	unsigned long long ino = (unsigned long long)l->ip->ino;
	uint8_t *b;
	struct cur c;
	uint16_t numrecs;
	size_t maxrecs;
	bool crc_ok = true;
	int ret;

	/* every bmbt block is counted in di_nblocks: a walk reading more is looping */
	if (++l->visits > XFS_BMAP_MAX_NODES || l->visits > l->ip->nblocks)
		return xfs_error(fs, FSIMG_ELOOP, "inode %llu: bmbt reaches more blocks than the %llu the inode holds",
				 ino, (unsigned long long)l->ip->nblocks);
	if (!xfs_fsb_range_ok(fs, fsb, 1))
		return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: bmbt pointer %llu out of range", ino,
				 (unsigned long long)fsb);
	b = malloc(fs->blocksize);
	if (!b)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	ret = xfs_read_fsb(fs, b, fsb, 1);
	if (ret)
		goto out;
	c = cur_init(b, fs->blocksize);
	if (cur_be32(&c, 0) != (fs->v5 ? XFS_BMAP_CRC_MAGIC : XFS_BMAP_MAGIC) ||
	    cur_be16(&c, 4) != level) {
		ret = xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: bmbt block %llu: bad magic or level",
				ino, (unsigned long long)fsb);
		goto out;
	}
	if (fs->v5) {
		crc_ok = xfs_verify_cksum(b, fs->blocksize, XFS_BTREE_LBLOCK_CRC_OFF);
		if (!crc_ok)
			xfs_finding(fs, FSIMG_ECSUM, "inode %llu: bmbt block %llu: bad CRC", ino,
				    (unsigned long long)fsb);
		if (cur_be64(&c, offsetof(struct xfs_btree_lblock, bb_owner)) != l->ip->ino)
			xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: bmbt block %llu: wrong owner", ino,
				    (unsigned long long)fsb);
	}
	numrecs = cur_be16(&c, 6);
	maxrecs = (fs->blocksize - hdr) / 16;
	if (numrecs == 0 || numrecs > maxrecs) {
		ret = xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: bmbt block %llu: %u records", ino,
				(unsigned long long)fsb, numrecs);
		goto out;
	}
	ret = add_node(l, fsb, key, (uint16_t)level, numrecs, crc_ok);
	for (unsigned i = 0; !ret && i < numrecs; i++) {
		if (level == 0)
			ret = add_rec(l, b + hdr + (size_t)i * XFS_BMBT_REC_SIZE);
		else
			ret = bmbt_block(l, cur_be64(&c, hdr + maxrecs * 8 + (size_t)i * 8), level - 1,
					 cur_be64(&c, hdr + (size_t)i * 8));
	}
out:
	free(b);
	return ret;
}

/* Drops records that cannot be used (zero length, outside the device, overlapping), as findings. */
static void sanitize(struct bload *l)
{
	xfs_fs *fs = l->fs;
	struct xfs_bmap *bm = l->bm;
	bool rt = l->fork == XFS_DATA_FORK && (l->ip->flags & XFS_DIFLAG_REALTIME);
	bool may_unwritten = l->fork == XFS_DATA_FORK && S_ISREG(l->ip->mode);
	uint64_t next = 0;
	size_t k = 0;

	for (size_t i = 0; i < bm->n; i++) {
		struct xfs_irec *r = &bm->rec[i];
		const char *why = NULL;

		if (r->blockcount == 0)
			why = "zero length";
		else if (r->startoff + r->blockcount > (1ULL << XFS_BMBT_STARTOFF_BITS))
			why = "past the largest file offset";
		else if (!rt && !xfs_fsb_range_ok(fs, r->startblock, r->blockcount))
			why = "outside the filesystem or across an AG";
		else if (r->startoff < next)
			why = "overlaps the previous one";
		if (why) {
			xfs_finding(fs, FSIMG_ECORRUPT,
				    "inode %llu %s fork: extent at offset %llu (block %llu, %u blocks) %s",
				    (unsigned long long)l->ip->ino, l->fork ? "attr" : "data",
				    (unsigned long long)r->startoff, (unsigned long long)r->startblock,
				    r->blockcount, why);
			continue;
		}
		if (r->unwritten && !may_unwritten)
			xfs_finding(fs, FSIMG_ECORRUPT,
				    "inode %llu: unwritten extent at offset %llu outside a regular file's data fork",
				    (unsigned long long)l->ip->ino, (unsigned long long)r->startoff);
		next = r->startoff + r->blockcount;
		bm->rec[k++] = *r;
	}
	bm->n = k;
}

/* Loads into l->bm, whose arrays (l->cap, l->ncap entries) are reused; empty on error. */
static int bmap_fill(struct bload *l)
{
	xfs_fs *fs = l->fs;
	const struct xfs_inode *ip = l->ip;
	enum xfs_fork fork = l->fork;
	struct xfs_bmap *bm = l->bm;
	size_t off, size;
	uint64_t nrecs;
	struct cur c;
	int ret = 0;

	bm->n = bm->nnodes = 0;
	bm->format = 0;
	if (fork == XFS_COW_FORK)
		return 0; /* the CoW fork lives in memory only; nothing on disk */
	if (xfs_inode_fork(&off, &size, fs, ip, fork))
		return 0;
	bm->format = fork == XFS_DATA_FORK ? ip->format : ip->aformat;
	nrecs = fork == XFS_DATA_FORK ? ip->nextents : ip->anextents;
	c = cur_init(ip->raw + off, size);
	if (bm->format == XFS_DINODE_FMT_EXTENTS) {
		if (nrecs > size / XFS_BMBT_REC_SIZE)
			return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: %llu extents in %zu bytes",
					 (unsigned long long)ip->ino, (unsigned long long)nrecs, size);
		for (size_t i = 0; !ret && i < nrecs; i++)
			ret = add_rec(l, ip->raw + off + i * XFS_BMBT_REC_SIZE);
	} else if (bm->format == XFS_DINODE_FMT_BTREE) {
		/* the root in the inode: level, numrecs, keys and pointers sized to the fork */
		uint16_t level = cur_be16(&c, 0), numrecs = cur_be16(&c, 2);
		size_t maxrecs = size >= 4 ? (size - 4) / 16 : 0;

		if (level == 0 || level > XFS_BMAP_MAX_LEVELS || numrecs == 0 || numrecs > maxrecs)
			return xfs_error(fs, FSIMG_ECORRUPT,
					 "inode %llu: bmbt root level %u with %u records",
					 (unsigned long long)ip->ino, level, numrecs);
		for (unsigned i = 0; !ret && i < numrecs; i++)
			ret = bmbt_block(l, cur_be64(&c, 4 + maxrecs * 8 + (size_t)i * 8), level - 1u,
					 cur_be64(&c, 4 + (size_t)i * 8));
	} else {
		return 0;
	}
	if (ret) {
		bm->n = bm->nnodes = 0;
		return ret;
	}
	if (bm->format == XFS_DINODE_FMT_BTREE && bm->n != nrecs)
		xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu %s fork: %zu records in the btree, %llu counted",
			    (unsigned long long)ip->ino, fork ? "attr" : "data", bm->n,
			    (unsigned long long)nrecs);
	sanitize(l);
	return 0;
}

int xfs_bmap_load(struct xfs_bmap *bm, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork)
{
	struct bload l = { .fs = fs, .ip = ip, .fork = fork, .bm = bm };
	int ret;

	memset(bm, 0, sizeof(*bm));
	ret = bmap_fill(&l);
	if (ret)
		xfs_bmap_free(bm);
	return ret;
}

void xfs_bmap_free(struct xfs_bmap *bm)
{
	free(bm->rec);
	free(bm->node);
	memset(bm, 0, sizeof(*bm));
}

const struct xfs_irec *xfs_bmap_lookup(const struct xfs_bmap *bm, uint64_t lblk)
{
	size_t lo = 0, hi = bm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct xfs_irec *r = &bm->rec[mid];

		if (lblk < r->startoff)
			hi = mid;
		else if (lblk >= r->startoff + r->blockcount)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static int bmap_read(xfs_fs *fs, fsimg_io *io, const struct xfs_bmap *bm, void *buf, uint64_t lblk,
		     uint32_t count)
{
	uint8_t *p = buf;

	while (count) {
		const struct xfs_irec *r = xfs_bmap_lookup(bm, lblk);
		uint64_t in, n;
		int ret;

		if (!r)
			return xfs_error(fs, FSIMG_ECORRUPT, "metadata block %llu of a fork is a hole",
					 (unsigned long long)lblk);
		in = lblk - r->startoff;
		n = r->blockcount - in;
		if (n > count)
			n = count;
		ret = xfs_read_fsb_io(fs, io, p, r->startblock + in, (uint32_t)n);
		if (ret)
			return ret;
		p += n << fs->sb.blocklog;
		lblk += n;
		count -= (uint32_t)n;
	}
	return 0;
}

int xfs_bmap_read(xfs_fs *fs, const struct xfs_bmap *bm, void *buf, uint64_t lblk, uint32_t count)
{
	return bmap_read(fs, fs->io, bm, buf, lblk, count);
}

int xfs_bmap_read_once(xfs_fs *fs, const struct xfs_bmap *bm, void *buf, uint64_t lblk,
		       uint32_t count)
{
	return bmap_read(fs, fs->io_once, bm, buf, lblk, count);
}

/* ------------------------------------------------------------ iterator */

/* The runs, and the fork's extent list they are made from; the arrays are
 * kept when the map is reopened for the next inode (xfs_map_reopen). */
struct xfs_map {
	struct xfs_run *runs;
	size_t n, pos, cap;
	struct xfs_bmap bm;
	size_t bm_cap, bm_ncap;
};

static int push(struct xfs_map *m, const struct xfs_run *r)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct xfs_run *nr = realloc(m->runs, ncap * sizeof(*nr));

		if (!nr)
			return FSIMG_ENOMEM;
		m->runs = nr;
		m->cap = ncap;
	}
	m->runs[m->n++] = *r;
	return 0;
}

static void place(const xfs_fs *fs, struct xfs_run *r, uint64_t fsb, bool rt)
{
	r->fsb = fsb;
	if (rt) {
		r->physical = fsb; /* a realtime device block: not ours to place */
		return;
	}
	r->physical = xfs_fsb_to_linear(fs, fsb);
	r->agno = xfs_fsb_agno(fs, fsb);
	r->agbno = xfs_fsb_agbno(fs, fsb);
}

int xfs_map_open(xfs_map **out, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork,
		 unsigned flags)
{
	int ret;

	*out = NULL;
	ret = xfs_map_reopen(out, fs, ip, fork, flags);
	if (ret) {
		xfs_map_close(*out);
		*out = NULL;
	}
	return ret;
}

int xfs_map_reopen(xfs_map **mp, xfs_fs *fs, const struct xfs_inode *ip, enum xfs_fork fork,
		   unsigned flags)
{
	struct xfs_map *m = *mp;
	struct bload l = { .fs = fs, .ip = ip, .fork = fork };
	size_t off, size;
	uint64_t eof = (ip->size + fs->blocksize - 1) >> fs->sb.blocklog, pos = 0;
	bool rt = fork == XFS_DATA_FORK && (ip->flags & XFS_DIFLAG_REALTIME);
	/* a directory's di_size covers its data blocks only: the leaf and free-index
	 * blocks above XFS_DIR2_LEAF_OFFSET are not past its end in any useful sense */
	bool eof_rule = fork == XFS_DATA_FORK && !S_ISDIR(ip->mode);
	const struct xfs_bmap *bm;
	int ret;

	if (!m && !(m = *mp = calloc(1, sizeof(*m))))
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	m->n = m->pos = 0;
	l.bm = &m->bm;
	l.cap = m->bm_cap;
	l.ncap = m->bm_ncap;
	ret = bmap_fill(&l);
	m->bm_cap = l.cap;
	m->bm_ncap = l.ncap;
	if (ret)
		return ret;
	bm = &m->bm;
	if (fork != XFS_COW_FORK && !xfs_inode_fork(&off, &size, fs, ip, fork) &&
	    (fork == XFS_DATA_FORK ? ip->format : ip->aformat) == XFS_DINODE_FMT_LOCAL) {
		struct xfs_run r = { .type = FSIMG_RUN_INLINE, .fork = fork, .flags = FSIMG_RUN_LAST };
		struct cur c = cur_init(ip->raw + off, size);

		r.length = fork == XFS_DATA_FORK ? ip->size : cur_be16(&c, 0); /* sf totsize */
		ret = push(m, &r);
	}
	for (size_t i = 0; !ret && (flags & XFS_MAP_TREE) && i < bm->nnodes; i++) {
		struct xfs_run r = { .type = FSIMG_RUN_META, .fork = fork, .length = 1,
				     .logical = bm->node[i].first_off, .level = bm->node[i].level,
				     .crc_ok = bm->node[i].crc_ok };

		place(fs, &r, bm->node[i].fsb, false);
		ret = push(m, &r);
	}
	for (size_t i = 0; !ret && i < bm->n; i++) {
		const struct xfs_irec *e = &bm->rec[i];
		struct xfs_run r = { .fork = fork };

		if (e->startoff > pos) {
			r.type = FSIMG_RUN_HOLE;
			r.logical = pos;
			r.length = e->startoff - pos;
			if (eof_rule && pos >= eof)
				r.flags = FSIMG_RUN_BEYOND_EOF;
			ret = push(m, &r);
			if (ret)
				break;
		}
		r.type = e->unwritten ? FSIMG_RUN_UNWRITTEN : FSIMG_RUN_MAPPED;
		r.logical = e->startoff;
		r.length = e->blockcount;
		r.flags = eof_rule && e->startoff >= eof ? FSIMG_RUN_BEYOND_EOF : 0;
		place(fs, &r, e->startblock, rt);
		ret = push(m, &r);
		pos = e->startoff + e->blockcount;
	}
	if (!ret && bm->format != XFS_DINODE_FMT_LOCAL && fork == XFS_DATA_FORK && pos < eof &&
	    (ip->format == XFS_DINODE_FMT_EXTENTS || ip->format == XFS_DINODE_FMT_BTREE)) {
		struct xfs_run r = { .type = FSIMG_RUN_HOLE, .fork = fork, .logical = pos,
				     .length = eof - pos };
		ret = push(m, &r);
	}
	if (ret) {
		m->n = 0;
		return xfs_error(fs, ret, "out of memory");
	}
	for (size_t i = m->n; i-- > 0;)
		if (m->runs[i].type != FSIMG_RUN_META) {
			m->runs[i].flags |= FSIMG_RUN_LAST;
			break;
		}
	return 0;
}

int xfs_map_next(xfs_map *m, struct xfs_run *run)
{
	if (m->pos >= m->n)
		return 0;
	*run = m->runs[m->pos++];
	return 1;
}

void xfs_map_close(xfs_map *m)
{
	if (!m)
		return;
	free(m->runs);
	xfs_bmap_free(&m->bm);
	free(m);
}
