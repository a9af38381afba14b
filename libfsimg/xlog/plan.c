/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery plan: the kernel's xlog_do_log_recovery in memory. Pass 1
 * collects cancelled buffers (xlog_recover_buf_commit_pass1); pass 2 replays
 * each committed transaction in log order with its items sorted as
 * xlog_recover_reorder_trans (buffers and icreate, other items, inode
 * buffers, inodes, cancels): regular buffers by their dirty bitmap onto the
 * current contents, skipped on v5 when the block's own LSN is at or past the
 * transaction's (xlog_recover_get_buf_lsn), then stamped with that LSN and
 * re-checksummed as the write verifiers do (the kernel writes them when a
 * commit of another LSN comes: checkpoints sharing a start LSN see a block
 * unstamped); inode buffers only in their
 * di_next_unlinked fields; inode items into their cluster buffer; icreate
 * initialising the chunk (xfs_ialloc_inode_init); dquot items and dquot
 * buffers as a quota mount replays them (dquot.c). Intents without their done
 * item, inodes left on the AGI unlinked lists and CoW staging extents left
 * in the refcount btrees (cow.c) are listed as pending; the unlinked inodes
 * the kernel's mount would free are freed as it does when ifree.c can do it
 * exactly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "xlog/dinode.h"
#include "xlog/dquot.h"
#include "xlog/plan_int.h"
/* ------------------------------------------------------------ cancels */

struct cancel *xlog_cancel_find(struct ctx *c, int64_t blkno, uint32_t len)
{
	size_t i;

	for (i = 0; i < c->ncancel; i++)
		if (c->cancels[i].blkno == blkno && c->cancels[i].len == len && c->cancels[i].ref)
			return &c->cancels[i];
	return NULL;
}

static int cancel_add(struct ctx *c, int64_t blkno, uint32_t len)
{
	struct cancel *k = xlog_cancel_find(c, blkno, len);

	if (k) {
		k->ref++;
		return 0;
	}
	if (c->ncancel == c->capcancel) {
		size_t cap = c->capcancel ? c->capcancel * 2 : 32;
		struct cancel *n = realloc(c->cancels, cap * sizeof *n);
		if (!n)
			return FSIMG_ENOMEM;
		c->cancels = n;
		c->capcancel = cap;
	}
	c->cancels[c->ncancel].blkno = blkno;
	c->cancels[c->ncancel].len = len;
	c->cancels[c->ncancel].ref = 1;
	c->ncancel++;
	return 0;
}

/* ------------------------------------------------------------ passes */

int xlog_plan_decode(struct ctx *c, const struct xlog_trans *t, struct xlog_item_info *info)
{
	size_t i;
	int err;

	for (i = 0; i < t->nitems; i++)
		if ((err = xlog_item_decode(&info[i], c->log, &t->items[i])))
			return err;
	return 0;
}

int xlog_plan_decode_all(struct ctx *c, const struct xlog_trans *t)
{
	if (t->nitems > c->capinfo) {
		size_t cap = t->nitems < 64 ? 64 : t->nitems;
		struct xlog_item_info *n;
		if (!xlog_plan_info_fits(c->log, cap))
			return xlog_error(c->log, FSIMG_ENOMEM, "transaction of %zu items", t->nitems);
		n = realloc(c->info, cap * sizeof *n);
		if (!n)
			return FSIMG_ENOMEM;
		c->info = n;
		c->capinfo = cap;
	}
	return xlog_plan_decode(c, t, c->info);
}

int xlog_plan_pass1(struct ctx *c, const struct xlog_trans *t, const struct xlog_item_info *info)
{
	for (size_t i = 0; i < t->nitems; i++) {
		const struct xlog_item_info *o = &info[i];
		int err;
		if (o->type == XFS_LI_BUF && (o->flags & XFS_BLF_CANCEL) &&
		    (err = cancel_add(c, o->blkno, o->bblen)))
			return err;
		if (o->type == XFS_LI_QUOTAOFF)
			c->quotaoffs |= xlog_quotaoff_types(o->qflags);
		/* dquots in the log: their writer accounted quotas, and so does a
		 * mount with its options (the superblock's flags may be in the log) */
		if (o->type == XFS_LI_DQUOT || (o->type == XFS_LI_BUF && (o->flags & XFS_BLF_DQUOT_BUFS)))
			c->quota = true;
	}
	return 0;
}

static int on_trans(void *vc, const struct xlog_trans *t)
{
	struct ctx *c = vc;
	int err = xlog_plan_decode_all(c, t);

	if (err)
		return err;
	return c->pass == 1 ? xlog_plan_pass1(c, t, c->info) : xlog_plan_apply(c, t, c->info);
}

#define UNLINKED_MAX 65536u /* inodes named on all unlinked lists */

/* The di_next_unlinked of inode agino of AG ag as recovery leaves it. */
static int next_unlinked(struct ctx *c, uint32_t ag, uint32_t agino, uint32_t *next)
{
	xfs_fs *fs = c->log->fs;
	uint8_t b[XLOG_BBSIZE];
	uint32_t agbno = agino >> fs->sb.inopblog, slot = agino & ((1u << fs->sb.inopblog) - 1);
	uint64_t off = ((uint64_t)ag * fs->sb.agblocks + agbno) * fs->blocksize +
		       (uint64_t)slot * fs->sb.inodesize + DI_NEXT_UNLINKED;
	int err = xlog_ovl_read(c->ovl, c->log, b, off / XLOG_BBSIZE, 1);

	if (err)
		return err;
	/* inodes are at least 256 bytes and aligned: the field never straddles a sector */
	*next = be32at(b, off % XLOG_BBSIZE);
	return 0;
}

/* The AG inode numbers one chain has named so far (seen[], tagged with the chain's gen):
 * 1 when agino is already there, else it is added. */
#define SEEN_SLOTS (2u * UNLINKED_MAX) /* a power of two, at least twice the inodes walked */
struct seen { uint32_t agino, gen; };
static bool seen_add(struct seen *seen, uint32_t gen, uint32_t agino)
{
	uint32_t h = (agino * 2654435761u) & (SEEN_SLOTS - 1);

	for (; seen[h].gen == gen; h = (h + 1) & (SEEN_SLOTS - 1))
		if (seen[h].agino == agino)
			return true;
	seen[h].agino = agino;
	seen[h].gen = gen;
	return false;
}

/*
 * Inodes left on the AGI unlinked lists after replay: freed by the kernel at mount
 * (xlog_recover_process_iunlinks). Each bucket's chain is listed in order as far as it can
 * be followed: an entry not in a block of the AG past its headers ends it (XLOG_IUNL_RANGE:
 * xfs_iget fails there, whatever its bytes), one named before on the chain too
 * (XLOG_IUNL_LOOP). Whether the kernel can read each inode, and what it does when it
 * cannot (the bucket cleared, the rest of the chain leaked), is the finish's (ifree.c).
 */
static int unlinked(struct ctx *c)
{
	uint32_t steps = 0, gen = 0;
	xlog *log = c->log;
	xfs_fs *fs = log->fs;
	uint8_t b[XLOG_BBSIZE];
	uint32_t ag, k, ss = fs->sb.sectsize / XLOG_BBSIZE;
	struct seen *seen = NULL;
	int err = 0;

	for (ag = 0; ag < fs->sb.agcount && !err && steps <= UNLINKED_MAX; ag++) {
		uint64_t daddr = (uint64_t)ag * fs->sb.agblocks * (fs->blocksize / XLOG_BBSIZE) + 2 * ss;
		if ((err = xlog_ovl_read(c->ovl, log, b, daddr, 1)))
			break;
		if (be32at(b, 0) != XFS_AGI_MAGIC)
			continue;
		for (k = 0; k < XFS_AGI_UNLINKED_BUCKETS && !err && steps <= UNLINKED_MAX; k++) {
			uint32_t agino = be32at(b, 40 + 4 * k);
			gen++;
			/* the bucket's chain through di_next_unlinked */
			while (agino != 0xffffffffu) {
				struct xlog_pending *e;
				uint8_t at = XLOG_IUNL_OK;
				if (!seen && !(seen = calloc(SEEN_SLOTS, sizeof *seen))) {
					err = FSIMG_ENOMEM;
					break;
				}
				if (agino >> (fs->sb.agblklog + fs->sb.inopblog) ||
				    !xfs_verify_agbno(fs, ag, agino >> fs->sb.inopblog))
					at = XLOG_IUNL_RANGE;
				else if (seen_add(seen, gen, agino))
					at = XLOG_IUNL_LOOP;
				else if (++steps > UNLINKED_MAX)
					at = XLOG_IUNL_MORE;
				if (!(e = xlog_pending_new(log, c->plan))) {
					err = FSIMG_ENOMEM;
					break;
				}
				e->type = XFS_LI_IUNLINK;
				e->ag = ag;
				e->agino = agino;
				e->bucket = k;
				e->iunl = at;
				if (at == XLOG_IUNL_RANGE) {
					snprintf(e->what, sizeof e->what, "unlinked inode at agino %u (ag %u bucket %u)",
						 agino, ag, k);
					break;
				}
				e->id = ((uint64_t)ag << (fs->sb.agblklog + fs->sb.inopblog)) | agino;
				snprintf(e->what, sizeof e->what, "unlinked inode %llu (ag %u bucket %u)",
					 (unsigned long long)e->id, ag, k);
				if (at != XLOG_IUNL_OK || (err = next_unlinked(c, ag, agino, &agino)))
					break;
			}
		}
	}
	free(seen);
	return err;
}

/*
 * A v5 AG header whose LSN is ahead of the log's head after replay: the kernel's mount
 * reads every AGF and AGI once the log was dirty (xfs_initialize_perag_data, the unlinked
 * lists' walk) and their verifiers fail there (xfs_log_check_lsn against l_curr_cycle and
 * l_curr_block, the head xlog_find_tail found): EFSCORRUPTED, nothing after replay happens.
 * Each such header is a pending entry (XLOG_PENDING_LSN); true when there is one.
 */
static bool lsn_ahead(struct ctx *c, int *err)
{
	xlog *log = c->log;
	xfs_fs *fs = log->fs;
	uint32_t ss = fs->sb.sectsize / XLOG_BBSIZE;
	uint64_t head = XLOG_LSN(log->ends.head_cycle, log->ends.head_blk);
	uint8_t b[XLOG_BBSIZE];
	bool found = false;

	*err = 0;
	for (uint32_t ag = 0; fs->v5 && ag < fs->sb.agcount && !*err; ag++) {
		uint64_t agd = (uint64_t)ag * fs->sb.agblocks * (fs->blocksize / XLOG_BBSIZE);
		for (int k = 0; k < 2 && !*err; k++) {
			static const char *const name[2] = { "AGF", "AGI" };
			static const uint32_t magic[2] = { XFS_AGF_MAGIC, XFS_AGI_MAGIC };
			static const size_t at[2] = { offsetof(struct xfs_agf, agf_lsn), offsetof(struct xfs_agi, agi_lsn) };
			struct xlog_pending *e;
			uint64_t lsn;
			if ((*err = xlog_ovl_read(c->ovl, log, b, agd + (uint64_t)(k + 1) * ss, 1)))
				break;
			lsn = be64at(b, at[k]);
			/* (a header that is not one is its verifier's other failure, the checker's) */
			if (be32at(b, 0) != magic[k] || lsn == ~0ull ||
			    XLOG_LSN_CYCLE(lsn) < XLOG_LSN_CYCLE(head) ||
			    (XLOG_LSN_CYCLE(lsn) == XLOG_LSN_CYCLE(head) && XLOG_LSN_BLOCK(lsn) <= XLOG_LSN_BLOCK(head)))
				continue;
			if (!(e = xlog_pending_new(log, c->plan))) {
				*err = FSIMG_ENOMEM;
				break;
			}
			e->type = XLOG_PENDING_LSN;
			e->ag = ag;
			int n = snprintf(e->what, sizeof e->what, "AG %u's %s", ag, name[k]);
			e->why = (uint16_t)n + 2;
			snprintf(e->what + n, sizeof e->what - (size_t)n,
				 ": its LSN %u:%u is ahead of the log's head %u:%u, where the kernel's mount "
				 "fails (xfs_log_check_lsn) and finishes nothing",
				 XLOG_LSN_CYCLE(lsn), XLOG_LSN_BLOCK(lsn), XLOG_LSN_CYCLE(head), XLOG_LSN_BLOCK(head));
			found = true;
		}
	}
	return found;
}

/* The written sectors as runs of consecutive ones (their bytes stay in the overlay). */
static int collect(struct ctx *c)
{
	struct xlog_plan *p = c->plan;
	uint64_t *d, n, i, j;
	size_t cap = 0, nd;

	d = malloc((c->ovl->nsec ? c->ovl->nsec : 1) * sizeof *d);
	if (!d)
		return FSIMG_ENOMEM;
	if (xlog_ovl_daddrs(c->ovl, d, &nd)) {
		free(d);
		return FSIMG_ENOMEM;
	}
	n = nd;
	/* ascending daddrs: runs of consecutive sectors */
	for (i = 0; i < n; i = j) {
		struct xlog_write *w;
		for (j = i + 1; j < n && d[j] == d[j - 1] + 1 && j - i < 8192; j++)
			;
		if (p->nwrites == cap) {
			struct xlog_write *q;
			cap = cap ? cap * 2 : 64;
			q = realloc(p->writes, cap * sizeof *q);
			if (!q) {
				free(d);
				return FSIMG_ENOMEM;
			}
			p->writes = q;
		}
		w = &p->writes[p->nwrites++];
		w->off = d[i] * XLOG_BBSIZE;
		w->len = (uint32_t)(j - i) * XLOG_BBSIZE;
	}
	free(d);
	return 0;
}

bool xlog_plan_dev_pread(const xlog *log)
{
	uint8_t probe;

	return fsimg_io_pread(log->fs->io, &probe, 1, 0) == 0;
}

int xlog_plan_build(struct xlog_plan **out, xlog *log)
{
	struct ctx c;
	int err;

	*out = NULL;
	memset(&c, 0, sizeof c);
	c.log = log;
	c.plan = calloc(1, sizeof *c.plan);
	if (!c.plan)
		return FSIMG_ENOMEM;
	c.ovl = &c.plan->ovl;
	xlog_ovl_init(c.ovl, (log->mem_max * 4 + (64u << 20)) / XLOG_BBSIZE);
	if (!log->ends.clean && !log->ends.zeroed) {
		c.pass = 1;
		c.quota = xlog_quota_mount(log);
		err = xlog_plan_par(&c);
		if (err == XLOG_PAR_NONE && !(err = xlog_walk(log, on_trans, &c, NULL)))
			err = XLOG_PAR_PASS1;
		if (err == XLOG_PAR_PASS1) {
			/* the clusters and blocks pass 2 reads past the handle's cache, as the
			 * parallel plan does: each read once and then kept in the overlay, and a
			 * recovered filesystem reads through a cache of its own over the view
			 * (fsimg_fs_open_recovered), so a copy in this cache would only be fresh
			 * memory (faults) and a second memcpy */
			c.pass = 2;
			c.ovl->pread = xlog_plan_dev_pread(log);
			err = xlog_walk(log, on_trans, &c, &c.plan->stats);
			c.ovl->pread = false;
		}
		/* a mount that fails on an AG header finishes nothing: what it would have
		 * finished is listed, pending */
		bool fails = !err && lsn_ahead(&c, &err);
		if (!err)
			err = unlinked(&c);
		if (!err && !fails)
			err = xlog_intents_finish(log, c.ovl, c.plan);
		if (!err)
			err = xlog_cow_leftovers(log, c.ovl, c.plan);
		if (!err && !fails)
			err = xlog_mount_finish(log, c.ovl, c.plan);
		if (!err)
			err = collect(&c);
	} else {
		err = 0;
	}
	free(c.cancels);
	free(c.info);
	free(c.stamped);
	if (err) {
		xlog_plan_free(c.plan);
		return err;
	}
	*out = c.plan;
	return 0;
}

void xlog_plan_free(struct xlog_plan *p)
{
	if (!p)
		return;
	xlog_ovl_free(&p->ovl);
	free(p->writes);
	free(p->pending);
	for (size_t i = 0; i < p->nfin_prev; i++)
		free(p->fin_prev[i].b);
	free(p->fin_prev);
	free(p);
}
