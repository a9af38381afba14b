/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The refcount btree's parts for agbt.c (xfs_refcount_btree.c, Linux 6.1):
 * 12-byte records keyed by their 4-byte start block as stored (the CoW
 * domain's bit 31 set, so its records sort after the shared ones), the
 * root in the AGF. A block the tree gives back (a join, a root killed)
 * lowers the AGF's refcount_blocks at once (xfs_refcountbt_free_block); its
 * free (XFS_RMAP_OWN_REFC, from the metadata reservation, which changes no
 * on-disk byte beyond the AGF's and the free space trees') is queued as
 * Debian's 6.1.192 queues it (__xfs_free_extent_later: the backport of
 * "xfs: use deferred frees for btree block freeing"), on every path: where
 * the caller's refc_sink (refc.h, f->refc_bfree) says. A new block is an
 * allocation near the refcount btree's first block
 * (xfs_refcountbt_alloc_block: a NEAR allocation from the free space trees,
 * not the AGFL: anear.c's xlog_fin_refcbt_alloc).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/refc.h"

#define REFC_KEY_LEN 4u
#define AGF_REFC_BLOCKS offsetof(struct xfs_agf, agf_refcount_blocks)
#define AGF_REFC_ROOT offsetof(struct xfs_agf, agf_refcount_root)
#define AGF_REFC_LEVEL offsetof(struct xfs_agf, agf_refcount_level)

/* xfs_refcountbt_init_key_from_rec, xfs_refcountbt_diff_two_keys */
static void c_key(uint8_t *key, const uint8_t *rec) { memcpy(key, rec, REFC_KEY_LEN); }

static int c_cmp(const uint8_t *a, const uint8_t *b)
{
	uint32_t x = get_be32(a), y = get_be32(b);
	return x < y ? -1 : x > y;
}

/* xfs_refcountbt_alloc_block: near the tree's first block whatever the split (anear.c) */
static int c_alloc(struct agbt_cur *c, uint32_t *agbno)
{
	*agbno = AGBT_NULL;
	return xlog_fin_refcbt_alloc(c->f, c->ag, c->priv, agbno);
}

static int c_free(struct agbt_cur *c, uint32_t agbno)
{
	struct blk *agf = c->priv;

	put_be32(agf->b + AGF_REFC_BLOCKS, get_be32(agf->b + AGF_REFC_BLOCKS) - 1);
	agf->dirty = true;
	xlog_fin_log_range(c->f, agf, AGF_REFC_BLOCKS, AGF_REFC_BLOCKS + 3);
	if (!c->f->refc_bfree) /* every caller says where the free goes */
		return xlog_fin_refuse(c->f, "AG %u: refcount btree block %u given back with no queue for its free",
				       c->ag, agbno);
	return c->f->refc_bfree->bfree(c->f->refc_bfree->arg, c->ag, agbno);
}

static void c_root(struct agbt_cur *c, uint32_t root, int inc)
{
	agbt_root_at(c, AGF_REFC_ROOT, AGF_REFC_LEVEL, root, inc);
}

static const struct agbt_ops refc_ops = { "refcountbt", XFS_REFC_CRC_MAGIC, REFC_REC_LEN, REFC_KEY_LEN, false,
					  c_key, NULL, c_cmp, c_alloc, c_free, c_root, NULL };

int xlog_refc_cur(struct fin *f, uint32_t ag, struct agbt_cur *c)
{
	xfs_fs *fs = f->log->fs;
	struct blk *agf;
	int err;

	memset(c, 0, sizeof *c);
	if (!fs->v5)
		return xlog_fin_refuse(f, "AG %u: a refcount btree without CRC headers", ag);
	if ((err = xlog_fin_agf(f, ag, &agf)))
		return err;
	return agbt_init(c, f, &refc_ops, agf, ag, get_be32(agf->b + AGF_REFC_ROOT), get_be32(agf->b + AGF_REFC_LEVEL));
}

int xlog_refc_lookup(struct agbt_cur *c, int dir, uint32_t start, const uint8_t **r, int *stat)
{
	uint8_t key[REFC_REC_LEN] = { 0 };
	int err;

	put_be32(key, start);
	*r = NULL;
	if ((err = agbt_lookup(c, dir, key, stat)) || !*stat)
		return err;
	*r = agbt_get(c);
	if (!*r)
		*stat = 0;
	return 0;
}
