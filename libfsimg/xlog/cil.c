/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CIL's item order in a checkpoint of the mount's finish (Linux 6.1), for
 * where its regions cross iclogs. xlog_cil_insert_items gives each commit an
 * order id (ctx->order_id) and puts it on every item the transaction logged;
 * an item not yet in the checkpoint's list joins it at the tail, in the
 * transaction's t_items order (one CPU in the crash harness's guest: one list).
 * xlog_cil_push_work sorts the list by order id (list_sort, stable) and
 * xlog_write writes the items' regions in that order: an item whose regions
 * all fit in the iclog is copied whole; else region by region, a region with
 * an op header's room or less left starting afresh in the next iclog, one
 * that does not fit written in part and continued in the next behind a new
 * op header (xlog_write_partial). So an item's place is its last commit's
 * order id, then its first commit's (when it joined the list); among the
 * items one commit added first the order is t_items', which the finish does
 * not model: every order of them is tried (items of the same regions are
 * alike: the orders of a class of 35 alike leaves and a done item are its 36
 * places for the done item), and a checkpoint whose end depends on it is
 * refused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xlog/dinode.h"
#include "xlog/dquot.h"
#include "xlog/finish.h"

#define ONES_MAX (1u << 20)
#define REGS_MAX (1u << 24)
#define MIX_MAX 4096u  /* mixes of a class's kinds of item the orders are tried through */
#define MIX_KINDS 12u  /* kinds of item in a class (2^12 mixes at least) */
#define STATES_MAX 64u /* places the orders tried may leave the writing in */
#define STEPS_MAX (1u << 22) /* regions written over all the orders tried (a crafted log's bound) */

void xlog_regs_push(struct xlog_regs *rs, uint32_t len)
{
	if (rs->lost)
		return;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		uint32_t *r = cap <= REGS_MAX ? realloc(rs->r, cap * sizeof *r) : NULL;
		if (!r) {
			rs->lost = true;
			return;
		}
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n++] = len;
}

void xlog_fin_one(struct fin *f, int kind, uint32_t c_first, uint32_t c_last, const uint32_t *reg, uint32_t n)
{
	struct fin_one *o;

	if (f->none == f->one_cap) {
		uint32_t cap = f->one_cap ? 2 * f->one_cap : 64;
		struct fin_one *grown = cap <= ONES_MAX ? realloc(f->one, (size_t)cap * sizeof *grown) : NULL;
		if (!grown) {
			f->one_over = true; /* (the close refuses, where it needs the order) */
			return;
		}
		f->one = grown;
		f->one_cap = cap;
	}
	o = &f->one[f->none++];
	memset(o, 0, sizeof *o);
	o->kind = (uint8_t)kind;
	o->c_first = c_first;
	o->c_last = c_last;
	/* (a done item, a stale cluster: one region; an inode item: two or three) */
	o->nreg = (uint8_t)(n < 3 ? n : 3);
	if (o->nreg)
		memcpy(o->reg, reg, o->nreg * sizeof *reg);
}

void xlog_fin_tx_done(struct fin *f, uint32_t bytes)
{
	f->tx_done += bytes;
	xlog_fin_one(f, FIN_ONE_DONE, 0, 0, &bytes, 1);
}

void xlog_fin_one_commit(struct fin *f)
{
	/* (only the running transaction's: a commit costs what it logged, not the list) */
	for (uint32_t i = f->one_run; i < f->none; i++) {
		struct fin_one *o = &f->one[i];
		if (!o->c_first)
			o->c_first = f->cord;
		if (!o->c_last)
			o->c_last = f->cord;
	}
	f->one_run = f->none;
	for (uint32_t i = 0; i < f->ndfp; i++)
		if (f->dfp[i].tx == f->tx)
			f->dfp[i].c = f->cord;
}

void xlog_fin_one_close(struct fin *f)
{
	uint32_t k = 0;

	/* the running transaction's done items go to the next checkpoint */
	for (uint32_t i = 0; i < f->none; i++)
		if (f->one[i].kind == FIN_ONE_DONE && !f->one[i].c_last)
			f->one[k++] = f->one[i];
	f->none = k;
	f->one_run = 0;
	f->one_over = false;
}

/* ------------------------------------------------------------ the items' regions */

static bool lmap_bit(const uint32_t *map, uint32_t c)
{
	return c < 32 * FIN_LMAP_WORDS && (map[c / 32] >> (c % 32) & 1);
}

/* A buffer's bytes in a checkpoint (xfs_buf_item_size) as its last commit formatted it: its
 * format and dirty map; unless it was stale then (the format alone, XFS_BLF_CANCEL), each
 * run of logged chunks behind its op header (xfs_buf_item_size_segment: one region per
 * run). What the running transaction logged since is in its own commit's format, for the
 * next checkpoint (xk-1k-rmap-fragfree-9601: a by-size leaf's delete in the transaction
 * whose busy block forced the log). */
void xlog_fin_buf_regs(const struct blk *b, struct xlog_regs *rs)
{
	uint32_t nch = (b->bbs * XLOG_BBSIZE + XFS_BLF_CHUNK - 1) / XFS_BLF_CHUNK, run = 0;

	xlog_regs_add(rs, FIN_OPHDR + FIN_BUF_FMT + 4 * ((nch + 31) / 32));
	if (b->was_stale)
		return;
	for (uint32_t c = 0; c <= nch; c++) {
		if (c < nch && lmap_bit(b->cp_lmap, c)) {
			run++;
		} else if (run) {
			xlog_regs_add(rs, FIN_OPHDR + run * XFS_BLF_CHUNK);
			run = 0;
		}
	}
}

/* The first basic block of the inode cluster buffer holding daddr, as the kernel's cluster
 * buffers are laid (a cluster of blocks in its AG) and their bbs. */
static uint64_t icl_start(const xfs_fs *fs, uint64_t daddr, uint32_t *span)
{
	uint32_t cbbs = xlog_fin_icluster_bbs(fs), bbpb = fs->blocksize / XLOG_BBSIZE;
	uint32_t bpc = cbbs / bbpb ? cbbs / bbpb : 1;
	uint64_t fsb = daddr / bbpb, agbno = fsb % fs->sb.agblocks;

	*span = bpc * bbpb;
	return (fsb - agbno % bpc) * bbpb;
}

/*
 * The inode cluster buffers' items in the running checkpoint: a cluster buffer (the
 * kernel's, xfs_imap_to_bp: a cluster of blocks, of which the finish holds some) is
 * logged as a buffer when an inode's di_next_unlinked was logged in it
 * (xfs_iunlink_log_dinode: its format and the runs of its dirty chunks, over its blocks
 * in order) or when its chunk was freed (xfs_ifree_cluster: stale, its format alone; the
 * clusters of a freed chunk the finish holds no block of are f->cp_istale); its inodes'
 * changes are their own items (inode_bytes). The buffer item's dirty map lasts until the
 * buffer is written back, which the finish never does: a cluster relogged in this
 * checkpoint formats the chunks dirtied in earlier ones too, in all its blocks (kernel rows
 * g6x-1k-holdmixmany, g6x-2k-ag2-holdmixmany: one cluster's map grew from chunk 4 to 4, 8,
 * 12 and on to 4-28 over five forced checkpoints).
 */
/* The held blocks of the cluster buffer holding b0's, by daddr, into k (at most 512, held
 * blocks do not overlap: at most span + 1); each one's share forgotten when forget. */
static uint32_t icluster_blocks(struct fin *f, const struct blk *b0, uint32_t *k, bool forget)
{
	uint32_t span, z = 0;
	uint64_t start = icl_start(f->log->fs, b0->daddr, &span);
	size_t n = xlog_fin_over(f, start, start + span, k, 512);

	for (size_t j = 0; j < n && j < 512; j++) {
		struct blk *b = &f->blk[k[j]];
		if (forget) {
			f->sum_icl -= b->icl_part;
			b->icl_part = 0;
		}
		if (b->kind == K_INODES && b->daddr >= start)
			k[z++] = k[j];
	}
	for (uint32_t j = 1; j < z; j++)
		for (uint32_t i = j; i > 0 && f->blk[k[i - 1]].daddr > f->blk[k[i]].daddr; i--) {
			uint32_t t = k[i];
			k[i] = k[i - 1];
			k[i - 1] = t;
		}
	return z;
}

/* The cluster buffer's item of its held blocks k[0..z): its format and the runs of its dirty
 * chunks over its blocks in order, when logged (nothing when not). */
static void icluster_item(const struct fin *f, const uint32_t *k, uint32_t z, struct xlog_regs *rs)
{
	uint32_t cbbs = xlog_fin_icluster_bbs(f->log->fs), words = (cbbs * XLOG_BBSIZE / XFS_BLF_CHUNK + 31) / 32, run = 0;
	uint64_t end = 0;
	bool stale = false, ibuf = false;

	for (uint32_t j = 0; j < z; j++) {
		const struct blk *b = &f->blk[k[j]];
		stale |= b->cp == FIN_CP_RUNNING && b->was_stale;
		ibuf |= b->cp == FIN_CP_RUNNING && b->ibuf;
	}
	if (stale || ibuf)
		xlog_regs_add(rs, FIN_OPHDR + FIN_BUF_FMT + 4 * words);
	for (uint32_t j = 0; !stale && ibuf && j <= z; j++) {
		const struct blk *b = j < z ? &f->blk[k[j]] : NULL;
		/* a block of the cluster not held between: the run breaks there */
		if (run && (!b || b->daddr != end)) {
			xlog_regs_add(rs, FIN_OPHDR + run * XFS_BLF_CHUNK);
			run = 0;
		}
		for (uint32_t c = 0; b && c < b->bbs * XLOG_BBSIZE / XFS_BLF_CHUNK; c++) {
			if (lmap_bit(b->cp_lmap, c)) {
				run++;
			} else if (run) {
				xlog_regs_add(rs, FIN_OPHDR + run * XFS_BLF_CHUNK);
				run = 0;
			}
		}
		if (b)
			end = b->daddr + b->bbs;
	}
}

void xlog_fin_icluster_refresh(struct fin *f, const struct blk *b0)
{
	uint32_t k[512], z = icluster_blocks(f, b0, k, true);
	struct xlog_regs rs = { 0 };

	icluster_item(f, k, z, &rs);
	if (z) {
		f->blk[k[0]].icl_part = (uint32_t)rs.sum;
		f->sum_icl += rs.sum;
	}
}

void xlog_fin_icluster_regs(struct fin *f, const struct blk *b, struct xlog_regs *rs, uint32_t *first, uint32_t *last)
{
	uint32_t k[512], z = icluster_blocks(f, b, k, false);

	icluster_item(f, k, z, rs);
	*first = *last = 0;
	for (uint32_t j = 0; j < z; j++) {
		const struct blk *c = &f->blk[k[j]];
		if (c->c_first && (!*first || c->c_first < *first))
			*first = c->c_first;
		if (c->c_last > *last)
			*last = c->c_last;
	}
}

/* An inode's bytes (xfs_inode_item_size): its format, core, and data fork
 * (xfs_inode_item_format_data_fork): the extents in extents form, the incore root (header
 * and nr keys and pointers) in btree form when it was logged. d: the inode as committed. */
void xlog_fin_inode_regs(const xfs_fs *fs, const uint8_t *d, bool broot, struct xlog_regs *rs)
{
	uint64_t n = xlog_di_nextents(d);

	xlog_regs_add(rs, FIN_OPHDR + FIN_INODE_FMT);
	xlog_regs_add(rs, FIN_OPHDR + (fs->v5 ? fs->lit_off : FIN_V4_LOG_DINODE));
	if (d[5] == XFS_DINODE_FMT_BTREE && broot)
		xlog_regs_add(rs, FIN_OPHDR + (fs->v5 ? 72u : 24u) + 16u * get_be16(d + fs->lit_off + 2));
	else if (d[5] != XFS_DINODE_FMT_BTREE && n)
		xlog_regs_add(rs, (uint32_t)(FIN_OPHDR + n * FIN_BMBT_REC));
}

/* ------------------------------------------------------------ the items */

struct item {
	uint32_t last, first; /* order ids */
	uint32_t r, n;        /* its regions in the list's regs */
	uint64_t bytes;
};

struct items {
	struct item *v;
	size_t n, cap;
	struct xlog_regs regs;
	bool lost;
};

static void item_add(struct items *it, uint32_t first, uint32_t last, size_t r0)
{
	struct item *e;

	if (it->regs.lost || it->regs.n == r0)
		return;
	if (it->n == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 256;
		struct item *v = realloc(it->v, cap * sizeof *v);
		if (!v) {
			it->lost = true;
			return;
		}
		it->v = v;
		it->cap = cap;
	}
	e = &it->v[it->n++];
	e->first = first;
	e->last = last;
	e->r = (uint32_t)r0;
	e->n = (uint32_t)(it->regs.n - r0);
	e->bytes = 0;
	for (uint32_t i = 0; i < e->n; i++)
		e->bytes += it->regs.r[r0 + i];
}

/* Every item of the running checkpoint, as cp_bytes counts them (force.c). */
static void collect(struct fin *f, struct items *it)
{
	const xfs_fs *fs = f->log->fs;
	uint32_t after = f->cord + 1; /* the running transaction's place */
	size_t r0;

	for (size_t i = 0; i < f->nblk; i++) {
		const struct blk *b = &f->blk[i];
		r0 = it->regs.n;
		if (b->kind != K_INODES && b->cp == FIN_CP_RUNNING) {
			xlog_fin_buf_regs(b, &it->regs);
			item_add(it, b->c_first, b->c_last, r0);
		} else if (b->kind == K_INODES && b->icl_part) {
			uint32_t first, last;
			xlog_fin_icluster_regs(f, b, &it->regs, &first, &last);
			item_add(it, first, last, r0);
		}
		for (uint32_t c = b->ino1; c; c = f->ino[c - 1].next) {
			const struct fin_ino *e = &f->ino[c - 1];
			if (!e->bytes)
				continue;
			r0 = it->regs.n;
			xlog_fin_inode_regs(fs, b->snap + e->off, e->broot, &it->regs);
			item_add(it, e->c_first, e->c_last, r0);
		}
	}
	for (uint32_t i = 0; i < f->q.ndq; i++) {
		if (!f->q.dq[i].cp)
			continue;
		r0 = it->regs.n;
		/* xfs_qm_dquot_logitem_format: its format and its struct xfs_disk_dquot */
		xlog_regs_add(&it->regs, FIN_OPHDR + 24u);
		xlog_regs_add(&it->regs, FIN_OPHDR + XFS_DISK_DQUOT_SIZE);
		item_add(it, f->q.dq[i].c_first, f->q.dq[i].c_last, r0);
	}
	r0 = it->regs.n;
	if (xlog_fin_trunc_regs(f, &it->regs))
		item_add(it, f->trunc_c_first, f->trunc_c_last, r0);
	for (uint32_t i = 0; i < f->none; i++) {
		const struct fin_one *o = &f->one[i];
		/* (the running transaction's done items are the next checkpoint's) */
		if (o->kind == FIN_ONE_DONE && !o->c_last)
			continue;
		r0 = it->regs.n;
		for (uint8_t k = 0; k < o->nreg; k++)
			xlog_regs_add(&it->regs, o->reg[k]);
		item_add(it, o->c_first ? o->c_first : after, o->c_last ? o->c_last : after, r0);
	}
	for (uint32_t i = 0; i < f->ndfp; i++) {
		if (!f->dfp[i].here)
			continue;
		r0 = it->regs.n;
		xlog_regs_add(&it->regs, f->dfp[i].ibytes);
		item_add(it, f->dfp[i].c, f->dfp[i].c, r0);
	}
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

/* ------------------------------------------------------------ xlog_write */

/* where the writing is: iclogs switched out, the offset in the current one's data */
struct place {
	uint32_t k, off;
};

/* One item written at p (xlog_write: whole when it fits, else xlog_write_partial). */
static void write_item(struct place *p, const uint32_t *reg, uint32_t n, uint64_t bytes, uint32_t ic)
{
	if (bytes <= ic - p->off) {
		p->off += (uint32_t)bytes;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = reg[i], part;
		/* a continuation's first region must have data behind its op header */
		if (ic - p->off <= FIN_OPHDR) {
			p->k++;
			p->off = 0;
		}
		part = len < ic - p->off ? len : ic - p->off;
		p->off += part;
		len -= part;
		/* the rest in the next iclogs, each part behind a new op header */
		while (len) {
			p->k++;
			p->off = FIN_OPHDR;
			part = len < ic - p->off ? len : ic - p->off;
			p->off += part;
			len -= part;
		}
	}
}

static bool place_add(struct place *set, uint32_t *n, struct place p)
{
	for (uint32_t i = 0; i < *n; i++)
		if (set[i].k == p.k && set[i].off == p.off)
			return true;
	if (*n == STATES_MAX)
		return false;
	set[(*n)++] = p;
	return true;
}

/* Items of the same regions are alike: written in any order of the alike, the same places. */
static bool alike(const struct items *it, const struct item *x, const struct item *y)
{
	return x->n == y->n && x->bytes == y->bytes &&
	       !memcmp(it->regs.r + x->r, it->regs.r + y->r, x->n * sizeof *it->regs.r);
}

/* The items of one class (c[0..n)) written from p in every order: the places they end in
 * added to out. The orders are walked as mixes, how many of each kind of item (alike
 * items) are written so far, each with the places its orders leave the writing in: a mix
 * goes on to the mixes one item more, so every order is a path from none to all (35 alike
 * leaves and a done item: 72 mixes, not 36! orders). false: more than MIX_MAX mixes or
 * STATES_MAX places in one, more than *steps regions written, or no memory. */
static bool write_class(const struct items *it, const struct item *c, uint32_t n, struct place p, uint32_t ic,
			struct place *out, uint32_t *nout, uint64_t *steps)
{
	uint32_t kind[MIX_KINDS], cnt[MIX_KINDS] = { 0 }, radix[MIX_KINDS], *nat = NULL, nk = 0, mixes = 1;
	struct place *at = NULL;
	uint64_t sum = 0;
	bool ok = false;

	for (uint32_t j = 0; j < n; j++)
		sum += c[j].bytes;
	/* all in the current iclog: every order ends in the same place */
	if (sum <= ic - p.off) {
		p.off += (uint32_t)sum;
		return place_add(out, nout, p);
	}
	/* the kinds: kind[k] the first item of kind k, cnt[k] how many */
	for (uint32_t j = 0, k; j < n; j++) {
		for (k = 0; k < nk && !alike(it, &c[kind[k]], &c[j]); k++)
			;
		if (k == nk && nk == MIX_KINDS)
			goto out; /* (each kind at least doubles the mixes) */
		if (k == nk)
			kind[nk++] = j;
		cnt[k]++;
	}
	/* a mix's index: sum of its counts times the radices (each kind's 0..cnt) */
	for (uint32_t k = 0; k < nk; k++) {
		radix[k] = mixes;
		if ((uint64_t)mixes * (cnt[k] + 1) > MIX_MAX)
			goto out;
		mixes *= cnt[k] + 1;
	}
	at = malloc((size_t)mixes * STATES_MAX * sizeof *at);
	nat = calloc(mixes, sizeof *nat);
	if (!at || !nat)
		goto out;
	at[0] = p;
	nat[0] = 1;
	/* one item more only raises the index: in index order every mix is complete when reached */
	for (uint32_t m = 0; m < mixes - 1; m++) {
		for (uint32_t k = 0; k < nk; k++) {
			const struct item *e = &c[kind[k]];
			uint32_t to = m + radix[k];
			if (m / radix[k] % (cnt[k] + 1) == cnt[k])
				continue; /* none of the kind left */
			for (uint32_t q = 0; q < nat[m]; q++) {
				struct place w = at[(size_t)m * STATES_MAX + q];
				if (*steps < e->n + 1u)
					goto out;
				*steps -= e->n + 1u;
				write_item(&w, it->regs.r + e->r, e->n, e->bytes, ic);
				if (!place_add(at + (size_t)to * STATES_MAX, &nat[to], w))
					goto out;
			}
		}
	}
	ok = true;
	for (uint32_t q = 0; q < nat[mixes - 1] && ok; q++)
		ok = place_add(out, nout, at[(size_t)(mixes - 1) * STATES_MAX + q]);
out:
	free(at);
	free(nat);
	return ok;
}

/* The next checkpoint's start after this one's content, ending at p: its commit record (a
 * new iclog when fewer than two op headers' room is left), the iclog switched out. */
static uint64_t place_end(const xlog *log, const struct xlog_cp_geom *g, uint64_t start, struct place p)
{
	uint64_t lsn = start;

	for (uint32_t k = 0; k < p.k; k++)
		lsn = xlog_cp_switch(log, g, lsn, g->ic);
	if (g->ic - p.off < 2 * FIN_OPHDR) {
		lsn = xlog_cp_switch(log, g, lsn, g->ic);
		p.off = 0;
	}
	return xlog_cp_switch(log, g, lsn, p.off + FIN_OPHDR);
}

int xlog_fin_cp_layout(struct fin *f, const struct xlog_cp_geom *g, uint64_t bytes, uint64_t *end)
{
	struct items it = { .regs = { .list = true } };
	struct place set[STATES_MAX], next[STATES_MAX];
	uint32_t nset = 1, nnext;
	uint64_t sum = FIN_CP_START, steps = STEPS_MAX;
	const char *why = NULL;
	int r = 0;

	if (f->one_over)
		return xlog_fin_refuse(f, "more than %u items logged once in a checkpoint", ONES_MAX);
	collect(f, &it);
	if (it.lost || it.regs.lost) {
		r = FSIMG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < it.n; i++)
		sum += it.v[i].bytes;
	if (sum != bytes) {
		r = xlog_fin_refuse(f, "a checkpoint of %llu bytes over log buffers of %u, whose items in the CIL's "
				       "order add up to %llu (not modelled)", (unsigned long long)bytes, g->h_size,
				    (unsigned long long)sum);
		goto out;
	}
	qsort(it.v, it.n, sizeof *it.v, item_cmp);
	set[0] = (struct place){ 0, FIN_CP_START };
	for (size_t i = 0, j; i < it.n && !why; i = j) {
		for (j = i + 1; j < it.n && it.v[j].last == it.v[i].last && it.v[j].first == it.v[i].first; j++)
			;
		nnext = 0;
		for (uint32_t s = 0; s < nset && !why; s++)
			if (!write_class(&it, it.v + i, (uint32_t)(j - i), set[s], g->ic, next, &nnext, &steps))
				why = "more orders of its items than are tried";
		memcpy(set, next, nnext * sizeof *set);
		nset = nnext;
	}
	for (uint32_t s = 0; s < nset && !why; s++) {
		uint64_t e = place_end(f->log, g, f->cp_lsn, set[s]);
		if (s && e != *end)
			why = "where the items one transaction added first, in an order not modelled, put them";
		*end = e;
	}
	if (why)
		r = xlog_fin_refuse(f, "a checkpoint of %llu bytes over log buffers of %u, whose length depends on where "
				       "its regions cross them: on %s",
				    (unsigned long long)bytes, g->h_size, why);
out:
	free(it.v);
	free(it.regs.r);
	return r;
}

