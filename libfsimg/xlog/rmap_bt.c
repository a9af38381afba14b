/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reverse-mapping btree through agbt.c, the kernel's generic btree
 * code (xfs_btree_lookup, _increment, _decrement, _update, _insert,
 * _delete) with the rmapbt's parts: an overlapping btree whose nodes hold
 * each child's low key (its first record's) and high key (the largest
 * last block, owner and last offset of its records), its blocks from and
 * back to the AGFL (xfs_rmapbt_alloc_block, _free_block: the AGF's
 * rmap_blocks and btreeblks following), its root in the AGF.
 */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/agbt.h"
#include "xlog/rmap.h"

#define XFS_RMAP_CRC_MAGIC 0x524d4233u /* RMB3 */
#define NULLAGBLOCK 0xffffffffu
#define RMAP_REC_LEN 24u
#define RMAP_KEY_LEN 20u
#define RMAP_PTR_LEN 4u
#define OFF_MASK ((1ull << 54) - 1)
#define OFF_ATTR (1ull << 63)
#define OFF_BMBT (1ull << 62)
#define OFF_UNWRITTEN (1ull << 61)
#define AGF_RMAP_ROOT 24u
#define AGF_RMAP_LEVEL 36u

#define AGF_RMAP_BLOCKS 80u

/*
 * xfs_rmapbt_init_key_from_rec and _init_high_key_from_rec (struct xfs_rmap_key: start,
 * owner, offset) as Linux 6.1 has them: the key's offset is the record's whole offset
 * field, its flags included; the high key adds len - 1 to the offset's number and keeps
 * every flag. The unwritten bit stays in 6.1's keys (the running kernel logs rmapbt nodes
 * whose keys carry it); only a later kernel (ondisk_rec_offset_to_key) strips it, and the
 * key comparisons (xfs_rmap_key_cmp) ignore the flags either way.
 */
static void r_key(uint8_t *key, const uint8_t *rec)
{
	put_be32(key, get_be32(rec));
	put_be64(key + 4, get_be64(rec + 8));
	put_be64(key + 12, get_be64(rec + 16));
}

static void r_high(uint8_t *key, const uint8_t *rec)
{
	uint32_t adj = get_be32(rec + 4) - 1;
	uint64_t owner = get_be64(rec + 8), off = get_be64(rec + 16);

	put_be32(key, get_be32(rec) + adj);
	put_be64(key + 4, owner);
	if (!RMAP_NON_INODE(owner) && !(off & OFF_BMBT))
		off = ((off & OFF_MASK) + adj) | (off & ~OFF_MASK);
	put_be64(key + 12, off);
}


/* xfs_rmapbt_alloc_block / _free_block: the AGFL, the AGF's rmap_blocks following; the
 * block taken is no longer busy (xfs_extent_busy_reuse) */
static int r_alloc(struct agbt_cur *c, uint32_t *agbno)
{
	struct blk *agf = c->priv;
	int err;

	if ((err = xlog_fin_agfl_get(c->f, c->ag, agf, true, agbno)) || *agbno == AGBT_NULL)
		return err;
	put_be32(agf->b + AGF_RMAP_BLOCKS, get_be32(agf->b + AGF_RMAP_BLOCKS) + 1);
	xlog_fin_log_range(c->f, agf, AGF_RMAP_BLOCKS, AGF_RMAP_BLOCKS + 3);
	return xlog_fin_busy_reuse(c->f, c->ag, *agbno, true);
}

/* the block given back is busy (xfs_extent_busy_insert, XFS_EXTENT_BUSY_SKIP_DISCARD) */
static int r_free(struct agbt_cur *c, uint32_t agbno)
{
	struct blk *agf = c->priv;
	int err;

	put_be32(agf->b + AGF_RMAP_BLOCKS, get_be32(agf->b + AGF_RMAP_BLOCKS) - 1);
	xlog_fin_log_range(c->f, agf, AGF_RMAP_BLOCKS, AGF_RMAP_BLOCKS + 3);
	if (!(err = xlog_fin_agfl_put(c->f, c->ag, agf, true, agbno)))
		xlog_fin_busy_insert(c->f, c->ag, agbno, 1);
	return err;
}

static void r_root(struct agbt_cur *c, uint32_t root, int inc)
{
	agbt_root_at(c, AGF_RMAP_ROOT, AGF_RMAP_LEVEL, root, inc);
}

static const struct agbt_ops rmap_ops = { "rmapbt", XFS_RMAP_CRC_MAGIC, RMAP_REC_LEN, RMAP_KEY_LEN, true,
					  r_key, r_high, xfs_rmap_key_cmp, r_alloc, r_free, r_root, NULL };

static void rec_read(const uint8_t *p, struct rrec *r)
{
	uint64_t o = get_be64(p + 16);

	r->start = get_be32(p);
	r->len = get_be32(p + 4);
	r->owner = get_be64(p + 8);
	r->off = o & OFF_MASK;
	r->flags = (o & OFF_ATTR ? RMAP_F_ATTR : 0) | (o & OFF_BMBT ? RMAP_F_BMBT : 0) |
		   (o & OFF_UNWRITTEN ? RMAP_F_UNWRITTEN : 0);
}

static void rec_write(uint8_t *p, const struct rrec *r)
{
	put_be32(p, r->start);
	put_be32(p + 4, r->len);
	put_be64(p + 8, r->owner);
	put_be64(p + 16, (r->off & OFF_MASK) | (r->flags & RMAP_F_ATTR ? OFF_ATTR : 0) |
			 (r->flags & RMAP_F_BMBT ? OFF_BMBT : 0) | (r->flags & RMAP_F_UNWRITTEN ? OFF_UNWRITTEN : 0));
}

int xlog_rmap_cur(struct fin *f, uint32_t ag, struct rcur *c)
{
	xfs_fs *fs = f->log->fs;
	struct blk *agf;
	int err;

	memset(c, 0, sizeof *c);
	c->f = f;
	c->ag = ag;
	if (!fs->v5)
		return xlog_fin_refuse(f, "AG %u: an rmapbt without CRC headers", ag);
	if ((err = xlog_fin_agf(f, ag, &agf)))
		return err;
	c->agf = agf;
	return agbt_init(&c->bt, f, &rmap_ops, agf, ag, get_be32(agf->b + AGF_RMAP_ROOT),
			 get_be32(agf->b + AGF_RMAP_LEVEL));
}

int xlog_rmap_lookup(struct rcur *c, bool eq, uint32_t start, uint64_t owner, uint64_t off, int *stat)
{
	struct rrec r = { start, 1, owner, off, 0 };
	uint8_t rec[RMAP_REC_LEN];

	rec_write(rec, &r);
	return agbt_lookup(&c->bt, eq ? AGBT_LOOKUP_EQ : AGBT_LOOKUP_LE, rec, stat);
}

int xlog_rmap_get(struct rcur *c, struct rrec *r, int *stat)
{
	const uint8_t *p = agbt_get(&c->bt);

	*stat = p != NULL;
	if (p)
		rec_read(p, r);
	if (p && r->len == 0)
		return xlog_fin_refuse(c->f, "AG %u: an rmapbt record of length 0", c->ag);
	/* xfs_rmap_get_rec (xfs_rmap_check_irec): the extent inside the AG (xfs_verify_agbext) */
	if (p && (r->start >= xfs_ag_length(c->f->log->fs, c->ag) || r->len > xfs_ag_length(c->f->log->fs, c->ag) - r->start))
		return xlog_fin_refuse(c->f, "AG %u: rmapbt record %u+%u out of the AG", c->ag, r->start, r->len);
	return 0;
}

int xlog_rmap_step(struct rcur *c, int dir, int *stat)
{
	return dir > 0 ? agbt_increment(&c->bt, 0, stat) : agbt_decrement(&c->bt, 0, stat);
}

int xlog_rmap_update(struct rcur *c, const struct rrec *r)
{
	uint8_t rec[RMAP_REC_LEN];

	rec_write(rec, r);
	return agbt_update(&c->bt, rec);
}

int xlog_rmap_delete_here(struct rcur *c)
{
	int stat, err;

	if ((err = agbt_delete(&c->bt, &stat)))
		return err;
	return stat == 1 ? 0 : xlog_fin_refuse(c->f, "AG %u: an rmap delete off the records", c->ag);
}

int xlog_rmap_insert_here(struct rcur *c, const struct rrec *r)
{
	uint8_t rec[RMAP_REC_LEN];
	int stat, err;

	rec_write(rec, r);
	if ((err = agbt_insert(&c->bt, rec, &stat)))
		return err;
	return stat == 1 ? 0 : xlog_fin_refuse(c->f, "AG %u: an rmap insert off the records", c->ag);
}

/* xfs_btree_overlapped_query_range with a point key: the records (in key order) whose key
 * range holds it, nodes followed only where their low and high keys hold it. */
int xlog_rmap_query_point(struct rcur *c, uint32_t start, uint64_t owner, uint64_t off,
			  bool (*match)(const struct rrec *, const void *), const void *arg, struct rrec *out,
			  int *stat)
{
	struct rrec q = { start, 1, owner, off, 0 };
	uint8_t rec[RMAP_REC_LEN], qk[RMAP_KEY_LEN], lo[RMAP_KEY_LEN], hi[RMAP_KEY_LEN];
	struct agbt_cur *bt = &c->bt;
	uint32_t level;
	int err;

	*stat = 0;
	rec_write(rec, &q);
	r_key(qk, rec);
	if ((err = agbt_root(bt)))
		return err;
	level = bt->nlevels - 1;
	bt->ptr[level] = 1;
	for (uint32_t steps = 0; level < bt->nlevels; steps++) {
		struct blk *b = bt->bp[level];
		if (steps > 16u * FIN_BLKS * bt->maxrecs[0])
			return xlog_fin_refuse(c->f, "AG %u: an rmapbt query that does not end", c->ag);
		if (bt->ptr[level] > agbt_numrecs(b)) {
pop_up:
			if (level + 1 < bt->nlevels)
				bt->ptr[level + 1]++;
			level++;
			continue;
		}
		if (level == 0) {
			const uint8_t *p = agbt_rec(bt, b, bt->ptr[0]);
			struct rrec r;
			r_key(lo, p);
			r_high(hi, p);
			if (xfs_rmap_key_cmp(qk, lo) < 0)
				goto pop_up;
			if (xfs_rmap_key_cmp(hi, qk) >= 0) {
				rec_read(p, &r);
				if (r.len && match(&r, arg)) {
					*out = r;
					*stat = 1;
					return 0;
				}
			}
			bt->ptr[0]++;
			continue;
		}
		{
			const uint8_t *k = agbt_key(bt, b, bt->ptr[level]);
			if (xfs_rmap_key_cmp(qk, k) < 0)
				goto pop_up;
			if (xfs_rmap_key_cmp(k + RMAP_KEY_LEN, qk) >= 0) {
				if ((err = agbt_descend(bt, level)))
					return err;
				level--;
				bt->ptr[level] = 1;
				continue;
			}
			bt->ptr[level]++;
		}
	}
	return 0;
}
