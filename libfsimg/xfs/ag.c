/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Allocation group headers (AGF, AGI, AGFL in sectors 1..3 of each AG) and
 * the inode btree walk that finds every allocated inode.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xfs/xfs.h"

#define XFS_BTREE_MAXLEVELS 9u /* inobt levels (xfs_iallocbt_maxlevels_ondisk bound) */

/* Reads sector idx of AG agno into a malloc'd buffer of sectsize bytes. */
static int ag_sector(uint8_t **out, xfs_fs *fs, uint32_t agno, unsigned idx, const char *what)
{
	uint8_t *b;
	uint64_t off;

	*out = NULL;
	if (agno >= fs->sb.agcount)
		return xfs_error(fs, FSIMG_EINVAL, "AG %u past the last (%u)", agno, fs->sb.agcount);
	b = malloc(fs->sb.sectsize);
	if (!b)
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	off = ((uint64_t)agno * fs->sb.agblocks << fs->sb.blocklog) + (uint64_t)idx * fs->sb.sectsize;
	if (fsimg_io_read(fs->io, b, fs->sb.sectsize, off)) {
		free(b);
		return xfs_error(fs, FSIMG_EIO, "AG %u: cannot read the %s", agno, what);
	}
	*out = b;
	return 0;
}

/*
 * Reads the AGF (sector 1) or AGI (sector 2) of agno: magic, sequence number
 * and length (at the same offsets in both) checked, the CRC as a finding.
 */
static int ag_header(uint8_t **out, bool *crc_ok, xfs_fs *fs, uint32_t agno, unsigned sector,
		     uint32_t magic, size_t crc_off, const char *what)
{
	struct cur c;
	const char *why = NULL;
	int err = ag_sector(out, fs, agno, sector, what);

	if (err)
		return err;
	c = cur_init(*out, fs->sb.sectsize);
	if (cur_be32(&c, 0) != magic)
		why = "bad magic";
	else if (cur_be32(&c, 8) != agno || cur_be32(&c, 12) != xfs_ag_length(fs, agno))
		why = "sequence number or length do not match the AG";
	else if (c.err || crc_off + 4 > fs->sb.sectsize)
		why = "sector too short";
	if (why) {
		free(*out);
		*out = NULL;
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u %s: %s", agno, what, why);
	}
	*crc_ok = !fs->v5 || xfs_verify_cksum(*out, fs->sb.sectsize, crc_off);
	if (!*crc_ok)
		xfs_finding(fs, FSIMG_ECSUM, "AG %u %s: bad CRC", agno, what);
	return 0;
}

int xfs_agf_read(struct xfs_agf_info *out, xfs_fs *fs, uint32_t agno)
{
	uint8_t *b;
	struct cur c;
	int err;
#define F(f) CUR_BE32(&c, 0, struct xfs_agf, agf_##f)

	memset(out, 0, sizeof(*out));
	err = ag_header(&b, &out->crc_ok, fs, agno, 1, XFS_AGF_MAGIC, offsetof(struct xfs_agf, agf_crc),
			"AGF");
	if (err)
		return err;
	c = cur_init(b, fs->sb.sectsize);
	out->seqno = F(seqno);
	out->length = F(length);
	for (unsigned i = 0; i < XFS_BTNUM_AGF; i++) {
		uint32_t *roots[] = { &out->bno_root, &out->cnt_root, &out->rmap_root };
		uint32_t *levels[] = { &out->bno_level, &out->cnt_level, &out->rmap_level };

		*roots[i] = cur_be32(&c, offsetof(struct xfs_agf, agf_roots) + 4 * i);
		*levels[i] = cur_be32(&c, offsetof(struct xfs_agf, agf_levels) + 4 * i);
	}
	out->flfirst = F(flfirst);
	out->fllast = F(fllast);
	out->flcount = F(flcount);
	out->freeblks = F(freeblks);
	out->longest = F(longest);
	out->btreeblks = F(btreeblks);
	out->rmap_blocks = F(rmap_blocks);
	out->refcount_blocks = F(refcount_blocks);
	out->refcount_root = F(refcount_root);
	out->refcount_level = F(refcount_level);
#undef F
	free(b);
	if (out->freeblks > out->length)
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u AGF: more free blocks than the AG holds",
				 agno);
	return 0;
}

int xfs_agi_read(struct xfs_agi_info *out, xfs_fs *fs, uint32_t agno)
{
	uint8_t *b;
	struct cur c;
	int err;
#define F(f) CUR_BE32(&c, 0, struct xfs_agi, agi_##f)

	memset(out, 0, sizeof(*out));
	err = ag_header(&b, &out->crc_ok, fs, agno, 2, XFS_AGI_MAGIC, offsetof(struct xfs_agi, agi_crc),
			"AGI");
	if (err)
		return err;
	c = cur_init(b, fs->sb.sectsize);
	out->seqno = F(seqno);
	out->length = F(length);
	out->count = F(count);
	out->root = F(root);
	out->level = F(level);
	out->freecount = F(freecount);
	out->newino = F(newino);
	out->dirino = F(dirino);
	for (unsigned i = 0; i < XFS_AGI_UNLINKED_BUCKETS; i++)
		out->unlinked[i] = cur_be32(&c, offsetof(struct xfs_agi, agi_unlinked) + 4 * i);
	if (fs->v5) {
		out->free_root = F(free_root);
		out->free_level = F(free_level);
		out->iblocks = F(iblocks);
		out->fblocks = F(fblocks);
	}
#undef F
	free(b);
	if (out->level == 0 || out->level > XFS_BTREE_MAXLEVELS || out->root == 0 ||
	    out->root >= out->length)
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u AGI: inode btree root or level out of range",
				 agno);
	return 0;
}

int xfs_agfl_read(uint32_t *bnos, size_t cap, xfs_fs *fs, uint32_t agno)
{
	struct xfs_agf_info agf;
	uint8_t *b;
	struct cur c;
	size_t hdr = fs->v5 ? XFS_AGFL_HDR_SIZE : 0, size, n = 0;
	int err = xfs_agf_read(&agf, fs, agno);

	if (err)
		return err;
	err = ag_sector(&b, fs, agno, 3, "AGFL");
	if (err)
		return err;
	c = cur_init(b, fs->sb.sectsize);
	size = (fs->sb.sectsize - hdr) / 4;
	if (fs->v5 && (cur_be32(&c, 0) != XFS_AGFL_MAGIC || cur_be32(&c, 4) != agno)) {
		free(b);
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u AGFL: bad magic or sequence number", agno);
	}
	if (fs->v5 && !xfs_verify_cksum(b, fs->sb.sectsize, XFS_AGFL_CRC_OFF))
		xfs_finding(fs, FSIMG_ECSUM, "AG %u AGFL: bad CRC", agno);
	if (agf.flcount > size || agf.flfirst >= size || agf.fllast >= size) {
		free(b);
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u AGF: free list indexes out of range", agno);
	}
	for (uint32_t i = agf.flfirst; n < agf.flcount; i = (uint32_t)((i + 1) % size)) {
		if (n < cap)
			bnos[n] = cur_be32(&c, hdr + 4 * i);
		n++;
	}
	free(b);
	return (int)(n < cap ? n : cap);
}

/* ---------------------------------------------------------- inode btree */

struct iwalk {
	xfs_fs *fs;
	uint32_t agno;
	uint8_t *buf[XFS_BTREE_MAXLEVELS];
	uint64_t visited, max_visits;
	xfs_inode_walk_fn fn;
	xfs_inode_walk_all_fn fn_all; /* instead of fn: every inode of a chunk, free ones too */
	void *ctx;
	bool stopped; /* the callback asked to stop */
};

static int inobt_rec(struct iwalk *w, struct cur *c, size_t off)
{
	xfs_fs *fs = w->fs;
	uint32_t startino = cur_be32(c, off);
	uint16_t holemask = fs->sparse_inodes ? cur_be16(c, off + 4) : 0;
	uint64_t ir_free = cur_be64(c, off + 8);
	unsigned shift = fs->sb.agblklog + fs->sb.inopblog;
	int ret;

	/* xfs_inobt_check_irec: the whole chunk inside the AG's inode numbers */
	if ((uint64_t)startino + XFS_INODES_PER_CHUNK > (1ULL << shift) ||
	    ((uint64_t)startino + XFS_INODES_PER_CHUNK - 1) >> fs->sb.inopblog >= xfs_ag_length(fs, w->agno)) {
		xfs_finding(fs, FSIMG_ECORRUPT, "AG %u inobt: record startino %u out of range",
			    w->agno, startino);
		return 0;
	}
	for (unsigned i = 0; i < XFS_INODES_PER_CHUNK; i++) {
		uint64_t ino = ((uint64_t)w->agno << shift) | (startino + i);

		if (holemask & (1u << (i / XFS_INODES_PER_HOLEMASK_BIT)))
			continue;
		if (w->fn_all)
			ret = w->fn_all(w->ctx, ino, (ir_free >> i) & 1);
		else if (ir_free & (1ULL << i))
			continue;
		else
			ret = w->fn(w->ctx, ino);
		if (ret) {
			w->stopped = true;
			return ret;
		}
	}
	return 0;
}

static int inobt_block(struct iwalk *w, uint32_t agbno, unsigned level)
{
	xfs_fs *fs = w->fs;
	size_t hdr = fs->v5 ? XFS_BTREE_SBLOCK_CRC_LEN : XFS_BTREE_SBLOCK_LEN;
	uint8_t *b = w->buf[level];
	struct cur c = cur_init(b, fs->blocksize);
	uint16_t numrecs, maxrecs;
	uint32_t magic;
	int ret;

	if (++w->visited > w->max_visits)
		return xfs_error(fs, FSIMG_ELOOP, "AG %u inobt: more blocks than the AG holds", w->agno);
	ret = xfs_read_fsb(fs, b, xfs_agb_to_fsb(fs, w->agno, agbno), 1);
	if (ret)
		return ret;
	magic = cur_be32(&c, 0);
	if (magic != (fs->v5 ? XFS_IBT_CRC_MAGIC : XFS_IBT_MAGIC) || cur_be16(&c, 4) != level)
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u inobt block %u: bad magic or level", w->agno,
				 agbno);
	if (fs->v5 && !xfs_verify_cksum(b, fs->blocksize, XFS_BTREE_SBLOCK_CRC_OFF))
		xfs_finding(fs, FSIMG_ECSUM, "AG %u inobt block %u: bad CRC", w->agno, agbno);
	if (fs->v5 && cur_be32(&c, offsetof(struct xfs_btree_sblock, bb_owner)) != w->agno)
		xfs_finding(fs, FSIMG_ECORRUPT, "AG %u inobt block %u: wrong owner", w->agno, agbno);
	numrecs = cur_be16(&c, 6);
	maxrecs = (uint16_t)((fs->blocksize - hdr) / (level ? 8 : sizeof(struct xfs_inobt_rec)));
	if (numrecs > maxrecs)
		return xfs_error(fs, FSIMG_ECORRUPT, "AG %u inobt block %u: %u records, room for %u",
				 w->agno, agbno, numrecs, maxrecs);
	for (unsigned i = 0; i < numrecs; i++) {
		if (level == 0) {
			ret = inobt_rec(w, &c, hdr + i * sizeof(struct xfs_inobt_rec));
		} else {
			/* keys (startino) then pointers (agbno), 4 bytes each */
			uint32_t ptr = cur_be32(&c, hdr + (size_t)maxrecs * 4 + i * 4);

			if (ptr == 0 || ptr >= xfs_ag_length(fs, w->agno))
				return xfs_error(fs, FSIMG_ECORRUPT,
						 "AG %u inobt block %u: pointer %u out of range",
						 w->agno, agbno, ptr);
			ret = inobt_block(w, ptr, level - 1);
			/* the child reused the deeper buffers only; ours is intact */
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int inode_walk(struct iwalk *wp, uint32_t ag_lo, uint32_t ag_hi)
{
	struct iwalk w = *wp;
	xfs_fs *fs = w.fs;
	int ret = 0;

	for (unsigned i = 0; i < XFS_BTREE_MAXLEVELS; i++) {
		w.buf[i] = malloc(fs->blocksize);
		if (!w.buf[i])
			ret = xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	}
	for (uint32_t agno = ag_lo; !ret && agno < ag_hi && agno < fs->sb.agcount; agno++) {
		struct xfs_agi_info agi;

		if ((uint64_t)agno * fs->sb.agblocks >= fs->io_size >> fs->sb.blocklog) {
			/* a truncated image (or a lying agcount): nothing more to read */
			xfs_finding(fs, FSIMG_EIO, "AGs %u to %u lie past the end of the image", agno,
				    fs->sb.agcount - 1);
			break;
		}
		ret = xfs_agi_read(&agi, fs, agno);
		if (!ret) {
			w.agno = agno;
			w.visited = 0;
			w.max_visits = xfs_ag_length(fs, agno);
			ret = inobt_block(&w, agi.root, agi.level - 1);
		}
		/* a broken AG is a finding; the others are still worth walking */
		if (ret && !w.stopped && ret != FSIMG_ENOMEM) {
			xfs_finding(fs, ret, "%s", fs->errmsg);
			ret = 0;
		}
	}
	for (unsigned i = 0; i < XFS_BTREE_MAXLEVELS; i++)
		free(w.buf[i]);
	return ret;
}

int xfs_inode_walk(xfs_fs *fs, xfs_inode_walk_fn fn, void *ctx)
{
	struct iwalk w = { .fs = fs, .fn = fn, .ctx = ctx };

	return inode_walk(&w, 0, fs->sb.agcount);
}

int xfs_inode_walk_all(xfs_fs *fs, uint32_t agno, xfs_inode_walk_all_fn fn, void *ctx)
{
	struct iwalk w = { .fs = fs, .fn_all = fn, .ctx = ctx };

	return inode_walk(&w, agno, agno + 1);
}
