/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CoW staging extents left behind: on a reflink filesystem, blocks staged
 * for a copy-on-write are recorded in the refcount btree's CoW domain
 * (XFS_REFC_COWFLAG in the record's startblock, refcount 1) until the
 * remap that gives them to their file commits. A crash in between leaves
 * them owned by no file; every mount frees them after log recovery
 * (xfs_reflink_recover_cow -> xfs_refcount_recover_cow_leftovers). They
 * are read here from each AG's refcount btree as the log replay leaves it
 * and named as one pending entry: a replay that wrote the filesystem out
 * without freeing them would differ from the kernel's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/refc.h"
#include "xlog/rmap.h"

#define REFC_KEY_PTR_LEN 8u             /* a 4-byte key and a 4-byte pointer */
#define REFC_MAXLEVELS 9u
#define COW_VISIT_MAX 65536u            /* btree blocks read in all AGs */

struct cow {
	xlog *log;
	struct xlog_ovl *o;
	uint8_t *buf;          /* one block per level */
	uint32_t ag, visits;
	uint64_t found, blocks;
	char list[56];         /* "AG a: agbno+len, ..." while it fits the pending line */
	size_t used;
	bool more;
};

static void cow_name(struct cow *w, uint32_t agbno, uint32_t len)
{
	char one[48];
	int k = snprintf(one, sizeof one, "%sAG %u: %u+%u", w->found ? ", " : "", w->ag, agbno, len);

	w->found++;
	w->blocks += len;
	if (w->more || w->used + (size_t)k >= sizeof w->list) {
		w->more = true;
		return;
	}
	memcpy(w->list + w->used, one, (size_t)k + 1);
	w->used += (size_t)k;
}

/* The CoW-domain records under agbno, a block at level: those sort last, so only the
 * subtrees whose keys may reach the domain are read. 1 when the btree is damaged. */
static int cow_walk(struct cow *w, uint32_t agbno, uint32_t level)
{
	xfs_fs *fs = w->log->fs;
	uint32_t bs = fs->blocksize, n, i;
	uint8_t *b = w->buf + (size_t)level * bs;
	int err;

	if (!xfs_verify_agbno(fs, w->ag, agbno) || ++w->visits > COW_VISIT_MAX)
		return 1;
	err = xlog_ovl_read(w->o, w->log, b, ((uint64_t)w->ag * fs->sb.agblocks + agbno) * (bs / XLOG_BBSIZE),
			    bs / XLOG_BBSIZE);
	if (err)
		return err == FSIMG_ECORRUPT ? 1 : err; /* past the device's end */
	n = get_be16(b + 6);
	if (get_be32(b) != XFS_REFC_CRC_MAGIC || get_be16(b + 4) != level)
		return 1;
	if (level == 0) {
		if (n > (bs - SBLOCK_CRC_LEN) / REFC_REC_LEN)
			return 1;
		for (i = 0; i < n; i++) {
			const uint8_t *r = b + SBLOCK_CRC_LEN + (size_t)i * REFC_REC_LEN;
			uint32_t start = get_be32(r);

			if (start & XFS_REFC_COWFLAG)
				cow_name(w, start & ~XFS_REFC_COWFLAG, get_be32(r + 4));
		}
		return 0;
	}
	{
		uint32_t maxr = (bs - SBLOCK_CRC_LEN) / REFC_KEY_PTR_LEN;
		const uint8_t *keys = b + SBLOCK_CRC_LEN, *ptrs = keys + (size_t)maxr * 4;

		if (n > maxr)
			return 1;
		for (i = 0; i < n; i++) {
			/* child i holds keys from keys[i] to below keys[i + 1] */
			if (i + 1 < n && get_be32(keys + 4 * (size_t)(i + 1)) <= XFS_REFC_COWFLAG)
				continue;
			if ((err = cow_walk(w, get_be32(ptrs + 4 * (size_t)i), level - 1)))
				return err;
		}
	}
	return 0;
}

int xlog_cow_leftovers(xlog *log, struct xlog_ovl *o, struct xlog_plan *p)
{
	xfs_fs *fs = log->fs;
	uint32_t bs = fs->blocksize, ss = fs->sb.sectsize;
	uint8_t *agf;
	struct cow w;
	struct xlog_pending *e;
	int err = 0;

	if (!fs->v5 || !(fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK))
		return 0;
	memset(&w, 0, sizeof w);
	w.log = log;
	w.o = o;
	w.buf = malloc((size_t)REFC_MAXLEVELS * bs);
	agf = malloc(ss);
	if (!w.buf || !agf) {
		err = FSIMG_ENOMEM;
		goto out;
	}
	for (w.ag = 0; w.ag < fs->sb.agcount; w.ag++) {
		uint64_t daddr = (uint64_t)w.ag * fs->sb.agblocks * (bs / XLOG_BBSIZE) + ss / XLOG_BBSIZE;
		uint32_t root, level;

		if ((err = xlog_ovl_read(o, log, agf, daddr, ss / XLOG_BBSIZE)))
			goto out;
		if (get_be32(agf + offsetof(struct xfs_agf, agf_magicnum)) != XFS_AGF_MAGIC)
			continue; /* a broken AGF: the checker says so */
		root = get_be32(agf + offsetof(struct xfs_agf, agf_refcount_root));
		level = get_be32(agf + offsetof(struct xfs_agf, agf_refcount_level));
		/* a damaged refcount btree is the checker's to report (and the kernel's mount
		 * would fail on it): what it names so far stands */
		if (level == 0 || level > REFC_MAXLEVELS)
			continue;
		if ((err = cow_walk(&w, root, level - 1)) < 0)
			goto out;
		err = 0;
	}
	if (w.found) {
		if (!(e = xlog_pending_new(log, p))) {
			err = FSIMG_ENOMEM;
			goto out;
		}
		e->type = XLOG_PENDING_COW;
		e->id = w.found;
		snprintf(e->what, sizeof e->what, "%llu leftover copy-on-write staging extent%s (%s%s), which "
			 "the kernel frees at mount", (unsigned long long)w.found, w.found == 1 ? "" : "s",
			 w.list, w.more ? ", ..." : "");
	}
out:
	free(w.buf);
	free(agf);
	return err;
}

/*
 * xfs_reflink_recover_cow at mount: per AG, the CoW-domain records gathered
 * in key order (xfs_btree_query_range from XFS_REFC_COWFLAG), then one
 * transaction each (xfs_refcount_recover_cow_leftovers), whose deferred
 * items finish in the order they were queued: the staging extent's rmap
 * record (owner XFS_RMAP_OWN_COW) removed on an rmapbt filesystem
 * (xfs_refcount_free_cow_extent queues it before the refcount update),
 * the record deleted from the refcount btree (xfs_refcount_adjust_cow with
 * ADJUST_COW_FREE: a staging record of refcount 1 neither splits nor
 * merges; lookup_ge, then xfs_btree_delete, which may borrow from or join
 * a sibling and kill the root), then its blocks freed (the deferred extent
 * free, XFS_RMAP_OWN_NULL). A refcount btree block the delete gives back is
 * queued (Debian's 6.1.192: xfs_refcountbt_free_block ->
 * __xfs_free_extent_later, XFS_RMAP_OWN_REFC) while the refcount update
 * finishes: xfs_defer_finish_noroll puts that new EFI at the head of the
 * pending list, so it is freed in a transaction of its own before the
 * staging extent's EFI queued by the caller.
 */
#define COW_FIN_MAX 16384u /* leftovers finished in one AG */
#define COW_BFREE_MAX (REFC_MAXLEVELS + 1) /* a join at each level, the root killed */

/* The refcount btree blocks one delete gave back, in the order freed */
struct cow_bfree { struct fin *f; uint32_t n, agbno[COW_BFREE_MAX]; };

static int cow_bput(void *arg, uint32_t ag, uint32_t agbno)
{
	struct cow_bfree *b = arg;

	(void)ag; /* the leftovers' AG */
	if (b->n == COW_BFREE_MAX)
		return xlog_fin_refuse(b->f, "more than %u refcount btree blocks given back by one delete", COW_BFREE_MAX);
	b->agbno[b->n++] = agbno;
	return 0;
}

int xlog_fin_cow(struct fin *f)
{
	xfs_fs *fs = f->log->fs;
	uint32_t (*left)[2] = NULL;
	struct cow_bfree bq = { f, 0, { 0 } };
	const struct refc_sink q = { NULL, &bq, cow_bput };
	bool rmapbt = fs->sb.features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT;
	int err = 0;

	if (!(left = malloc(COW_FIN_MAX * sizeof *left)))
		return FSIMG_ENOMEM;
	for (uint32_t ag = 0; ag < fs->sb.agcount && !err; ag++) {
		struct agbt_cur c;
		const uint8_t *r;
		uint32_t n = 0;
		int stat;

		if ((err = xlog_refc_cur(f, ag, &c)) || (err = xlog_refc_lookup(&c, AGBT_LOOKUP_GE, XFS_REFC_COWFLAG, &r, &stat)))
			break;
		for (; stat && r; r = agbt_get(&c)) {
			uint32_t start = get_be32(r), len = get_be32(r + 4);
			if (!(start & XFS_REFC_COWFLAG))
				break;
			if (get_be32(r + 8) != 1 || len == 0 || (start & ~XFS_REFC_COWFLAG) >= xfs_ag_length(fs, ag) ||
			    len > xfs_ag_length(fs, ag) - (start & ~XFS_REFC_COWFLAG)) {
				err = xlog_fin_refuse(f, "AG %u: CoW record %u+%u has refcount %u", ag,
						      start & ~XFS_REFC_COWFLAG, len, get_be32(r + 8));
				break;
			}
			if (n == COW_FIN_MAX) {
				err = xlog_fin_refuse(f, "AG %u: more than %u CoW staging extents", ag, COW_FIN_MAX);
				break;
			}
			left[n][0] = start & ~XFS_REFC_COWFLAG;
			left[n++][1] = len;
			if ((err = agbt_increment(&c, 0, &stat)))
				break;
		}
		for (uint32_t i = 0; i < n && !err; i++) {
			uint32_t start = left[i][0], len = left[i][1];
			XFIN_COUNT(f, XFC_COW_RECOVER);
			/* the leftover's transaction logs only its deferred work's intents as it
			 * commits (xfs_defer_create_intents), in queue order: the staging extent's
			 * rmap removal on an rmapbt filesystem (xfs_refcount_free_cow_extent queues
			 * it before the refcount update), the refcount update, the free; each is
			 * finished in a transaction of its own that logs its done item first, so a
			 * force while one runs writes it and those behind it alone, their done items
			 * in the next checkpoint (rmap.c's sizing; kernel row
			 * g12x-1k-rmap-reflink-cowcut: an AGFL refill meeting only busy extents in
			 * a staging extent's free, its 1-extent EFI alone at the forced
			 * checkpoint's end, the RUI and CUI whited out by their done items) */
			xlog_fin_tx(f);
			if ((rmapbt && (err = xlog_fin_dfp_queue(f, DFP_RUI, 1))) ||
			    (err = xlog_fin_dfp_queue(f, DFP_CUI, 1)) || (err = xlog_fin_dfp_queue(f, DFP_EFI, 1)))
				break;
			xlog_fin_tx(f);
			if (rmapbt) {
				if ((err = xlog_fin_rmap(f, RMAP_FREE, ag, start, len, RMAP_OWN_COW, 0, 0)))
					break;
				xlog_fin_dfp_done(f);
				if ((err = xlog_fin_agfl_frees(f, 0, NULL)))
					break;
				xlog_fin_tx(f);
			}
			/* xfs_refcount_adjust_cow_extents: lookup_ge, the record checked, deleted */
			if ((err = xlog_refc_cur(f, ag, &c)) ||
			    (err = xlog_refc_lookup(&c, AGBT_LOOKUP_GE, start | XFS_REFC_COWFLAG, &r, &stat)))
				break;
			if (!stat || get_be32(r) != (start | XFS_REFC_COWFLAG) || get_be32(r + 4) != len) {
				err = xlog_fin_refuse(f, "AG %u: CoW record %u+%u is gone", ag, start, len);
				break;
			}
			f->refc_bfree = &q;
			bq.n = 0;
			err = agbt_delete(&c, &stat);
			f->refc_bfree = NULL;
			if (err)
				break;
			if (stat != 1) {
				err = xlog_fin_refuse(f, "AG %u: CoW record %u+%u would not go", ag, start, len);
				break;
			}
			xlog_fin_dfp_done(f);
			/* the blocks it gave back: one EFI (xfs_defer_add joins its items), logged by
			 * the refcount update's transaction ahead of the staging extent's, its
			 * freelist fixes' AGFL frees after it */
			if (bq.n) {
				uint32_t mark = f->nagflq;
				if ((err = xlog_fin_dfp_queue_head(f, DFP_EFI, bq.n)))
					break;
				xlog_fin_tx(f);
				for (uint32_t j = 0; j < bq.n && !err; j++)
					err = xlog_fin_free_owned(f, ag, bq.agbno[j], 1, RMAP_OWN_REFC, 0, 0);
				if (err)
					break;
				xlog_fin_dfp_done(f);
				if ((err = xlog_fin_agfl_frees(f, mark, NULL)))
					break;
			}
			/* the free's deferred AGFL frees finish its transaction chain */
			xlog_fin_tx(f);
			if ((err = xlog_fin_free_extent(f, ag, start, len)))
				break;
			xlog_fin_dfp_done(f);
			err = xlog_fin_agfl_frees(f, 0, NULL);
		}
	}
	free(left);
	return err;
}
