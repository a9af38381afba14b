/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount's finish as checkpoints in the log (Linux 6.1): its transactions
 * go to the CIL, and each log force writes the CIL as one checkpoint
 * (xlog_cil_push_work) from a fresh log buffer (iclog), which the force then
 * switches out (xlog_state_switch_iclogs): the next checkpoint starts in the
 * next iclog, at the log block past this one's last record, rounded up to
 * the log stripe unit. The AIL push that follows writes each logged buffer
 * and inode stamped with the start LSN of the last checkpoint that logged it
 * (xfs_trans_committed_bulk: ctx->start_lsn).
 *
 * A checkpoint's length is modelled from what it holds: the start and
 * transaction-header ops, every region of every logged item behind its op
 * header (a buffer's format and each run of 128-byte chunks dirtied since it
 * was last written back, xfs_buf_item_format: the ranges the transactions
 * logged, xfs_trans_log_buf, whether or not their bytes changed, each
 * block-changing site of the finish logging what 6.1's logs there, as the
 * last commit that logged it formatted it (a force inside a transaction
 * leaves that transaction's ranges to the next checkpoint); a stale
 * buffer's format only; an inode's format, core and data fork; the done
 * items), and the commit op
 * (xlog_cil_write_commit_record), in as many iclogs as they fill. A
 * crossing costs 0 to 12 bytes (a region continued behind a new op header,
 * or one started afresh when an op header's room or less is left,
 * xlog_write_partial): on v5, where the length depends on it, the
 * checkpoint is laid out in the CIL's item order (cil.c).
 *
 * Which checkpoint logged what is found at each commit (xlog_fin_commit):
 * the blocks the transaction logged a range of (xlog_fin_log_range) or
 * staled, and the inodes whose bytes changed, compared with their copy from
 * the previous commit (only inode clusters are copied).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "xfs/format.h"
#include "xlog/dinode.h"
#include "xlog/finish.h"
#include "xlog/ifree.h"
#include "xlog/rmap.h"

bool xlog_cp_geom(const xlog *log, struct xlog_cp_geom *g)
{
	g->h_size = log->geom.v2 ? log->h_size : XLOG_BIG_RECORD_BSIZE;
	g->hblks = log->geom.v2 && g->h_size > XLOG_HEADER_CYCLE_SIZE ?
			   (g->h_size + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE : 1;
	/* l_iclog_roundoff: the log stripe unit of a v2 log, else a basic block */
	g->round = log->geom.v2 && log->geom.sunit > 1 ? log->geom.sunit : XLOG_BBSIZE;
	if (g->round % XLOG_BBSIZE || g->round > XLOG_MAX_RECORD_BSIZE)
		g->round = XLOG_BBSIZE;
	g->ic = g->h_size > g->hblks * XLOG_BBSIZE ? g->h_size - g->hblks * XLOG_BBSIZE : 0;
	/* iclog data sizes are whole basic blocks (xlog_alloc_log: l_iclog_size - l_iclog_hsize) */
	return g->ic >= 1024 && g->ic % XLOG_BBSIZE == 0;
}

/* xlog_state_switch_iclogs: the write position past an iclog of used data bytes, rounded up
 * to the stripe unit (absolute: roundup(l_curr_block, sunit_bb)); past the log's end it
 * wraps and the cycle goes on, skipping XLOG_HEADER_MAGIC_NUM. */
uint64_t xlog_cp_switch(const xlog *log, const struct xlog_cp_geom *g, uint64_t lsn, uint64_t used)
{
	uint32_t cycle = XLOG_LSN_CYCLE(lsn);
	uint64_t blk = (uint64_t)XLOG_LSN_BLOCK(lsn) + g->hblks + (used + XLOG_BBSIZE - 1) / XLOG_BBSIZE;
	uint32_t sunit_bb = g->round / XLOG_BBSIZE;

	if (sunit_bb > 1)
		blk = (blk + sunit_bb - 1) / sunit_bb * sunit_bb;
	/* (a log shorter than an iclog wraps more than once: refused by the caller) */
	while (log->geom.bbs && blk >= log->geom.bbs) {
		blk -= log->geom.bbs;
		if (++cycle == XLOG_HEADER_MAGIC_NUM)
			cycle++;
	}
	return XLOG_LSN(cycle, blk);
}

uint64_t xlog_cp_end(const xlog *log, const struct xlog_cp_geom *g, uint64_t start, uint64_t content, uint32_t extra)
{
	uint64_t lsn = start, off = content;

	/* xlog_state_get_iclog_space: an iclog the chain does not fit in is switched out whole
	 * (eventual size ic_size); the chain goes on in the next, behind a continuation op
	 * header or a region started afresh (extra) */
	while (off > g->ic) {
		lsn = xlog_cp_switch(log, g, lsn, g->ic);
		off = off - g->ic + extra;
	}
	/* the commit record: a new iclog when fewer than two op headers' room is left */
	if (g->ic - off < 2 * FIN_OPHDR) {
		lsn = xlog_cp_switch(log, g, lsn, g->ic);
		off = 0;
	}
	/* the force switches the commit record's iclog out (xfs_log_force, xlog_cil_push_work
	 * with push_commit_stable): the next checkpoint starts past it */
	return xlog_cp_switch(log, g, lsn, off + FIN_OPHDR);
}

/* The blocks from a to b (LSNs of the same or the next cycle) in a log of bbs blocks. */
static uint64_t lsn_dist(uint64_t a, uint64_t b, uint32_t bbs)
{
	uint64_t d = (uint64_t)XLOG_LSN_BLOCK(b) - XLOG_LSN_BLOCK(a);

	return XLOG_LSN_CYCLE(b) == XLOG_LSN_CYCLE(a) ? d : d + bbs;
}

void xlog_fin_watch(struct fin *f, struct blk *b)
{
	b->unit = f->unit;
	if (b->watched)
		return;
	if (f->nwatch == f->watch_cap) {
		size_t cap = f->watch_cap ? 2 * f->watch_cap : 64;
		uint32_t *w = realloc(f->watch, cap * sizeof *w);
		if (!w) {
			f->cp_lost = true; /* (no memory: the checkpoint's close says so) */
			return;
		}
		f->watch = w;
		f->watch_cap = cap;
	}
	f->watch[f->nwatch++] = (uint32_t)(b - f->blk);
	b->watched = true;
}

void xlog_fin_log_range(struct fin *f, struct blk *b, uint32_t first, uint32_t last)
{
	uint32_t len = b->bbs * XLOG_BBSIZE;

	xlog_fin_watch(f, b);
	if (first > last || first >= len)
		return;
	if (last >= len)
		last = len - 1;
	/* xfs_buf_item_log_segment: every chunk the range touches */
	for (uint32_t c = first / XFS_BLF_CHUNK; c <= last / XFS_BLF_CHUNK && c < 32 * FIN_LMAP_WORDS; c++)
		b->lmap[c / 32] |= 1u << (c % 32);
	b->tx_logged = true;
}

/* A buffer invalidated and not taken back since: a freed btree block the AGFL gave back to
 * a btree is logged anew (xfs_trans_dirty_buf clears XFS_BLI_STALE and XFS_BLF_CANCEL). */
static bool cancelled(const struct blk *b)
{
	return b->stale && !b->dirty;
}

/* The block-sized buffer at daddr (an AGFL block's, xfs_trans_get_buf of one block) is the
 * held block b's: an inode cluster block is the kernel's cluster buffer, at the cluster's
 * first daddr with the cluster's length, so only when a cluster is one block
 * (_xfs_buf_obj_cmp: same daddr, same length; kernel row g7x-2k-rmap-reflink-holdmixmany:
 * a freed chunk's blocks, 16 KiB clusters of 2 KiB blocks, back through the AGFL and freed
 * from it as five 2 KiB buffers of their own). */
static bool same_buf(const struct fin *f, const struct blk *b, uint64_t daddr)
{
	return b->daddr == daddr && (b->kind != K_INODES || xlog_fin_icluster_bbs(f->log->fs) == b->bbs);
}

uint32_t xlog_fin_icluster_bbs(const xfs_fs *fs)
{
	uint32_t bs = fs->blocksize, isz = fs->sb.inodesize, cluster = 8192; /* XFS_INODE_BIG_CLUSTER_SIZE */

	/* xfs_ialloc_setup_geometry: scaled by the inode size on v5 when the chunk alignment
	 * allows it, never under a block */
	if (fs->v5 && isz >= 256 && fs->sb.inoalignmt >= cluster * (isz / 256) / bs)
		cluster *= isz / 256;
	return (cluster < bs ? bs : cluster) / XLOG_BBSIZE;
}

void xlog_fin_ichunk_istale(struct fin *f, uint64_t lo, uint16_t hole)
{
	const xfs_fs *fs = f->log->fs;
	uint32_t cbbs = xlog_fin_icluster_bbs(fs), ipc = cbbs * XLOG_BBSIZE / fs->sb.inodesize;
	uint32_t words = (cbbs * XLOG_BBSIZE / XFS_BLF_CHUNK + 31) / 32;

	for (uint32_t c = 0; ipc && c * ipc < INODES_PER_CHUNK; c++) {
		uint64_t clo = lo + (uint64_t)c * cbbs;
		bool alloc = false, held = false;
		/* xfs_ifree_cluster: a cluster with an inode the holemask allocates (a bit each
		 * XFS_INODES_PER_HOLEMASK_BIT inodes) */
		for (uint32_t i = c * ipc; i < (c + 1) * ipc && i < INODES_PER_CHUNK; i++)
			alloc |= !(hole >> (i / (INODES_PER_CHUNK / 16)) & 1);
		uint32_t over[256];
		size_t n = xlog_fin_over(f, clo, clo + cbbs, over, 256);
		for (size_t j = 0; j < n && j < 256 && !held; j++)
			held = f->blk[over[j]].kind == K_INODES && f->blk[over[j]].daddr >= clo;
		if (alloc && !held) {
			uint32_t fmt = FIN_OPHDR + FIN_BUF_FMT + 4 * words;
			xlog_fin_one(f, FIN_ONE_STALE, 0, 0, &fmt, 1);
			f->cp_istale += fmt;
		}
	}
}

static uint64_t inode_bytes(const xfs_fs *fs, const uint8_t *d, bool broot)
{
	struct xlog_regs rs = { 0 };

	xlog_fin_inode_regs(fs, d, broot, &rs);
	return rs.sum;
}

/* The inode being truncated is in the running checkpoint as the truncate logged it: not when
 * its cluster is stale (its inode items go with it, as the freed inodes' do) or its free
 * is logged there too (f->ino). */
static bool trunc_logged(const struct fin *f)
{
	if (!f->cp_trunc || f->trunc_blk >= f->nblk || f->blk[f->trunc_blk].stale)
		return false;
	for (uint32_t c = f->blk[f->trunc_blk].ino1; c; c = f->ino[c - 1].next)
		if (f->ino[c - 1].off == f->trunc_off && f->ino[c - 1].cp == FIN_CP_RUNNING)
			return false;
	return true;
}

/* The shares of the running checkpoint's bytes of the watched blocks, their inode clusters
 * and their inodes counted again (what a commit or a force changes is theirs). */
static void cp_refresh(struct fin *f)
{
	const xfs_fs *fs = f->log->fs;

	for (size_t w = 0; w < f->nwatch; w++) {
		struct blk *b = &f->blk[f->watch[w]];
		uint64_t nb = 0;
		if (b->cp == FIN_CP_RUNNING && b->kind != K_INODES) {
			struct xlog_regs rs = { 0 };
			xlog_fin_buf_regs(b, &rs);
			nb = rs.sum;
		}
		f->sum_buf += nb - b->cp_bb;
		b->cp_bb = (uint32_t)nb;
		if (b->kind == K_INODES || b->icl_part)
			xlog_fin_icluster_refresh(f, b);
		for (uint32_t c = b->ino1; c; c = f->ino[c - 1].next) {
			struct fin_ino *e = &f->ino[c - 1];
			nb = e->cp == FIN_CP_RUNNING && b->snap ? inode_bytes(fs, b->snap + e->off, e->broot) : 0;
			f->sum_ino += nb - e->bytes;
			e->bytes = (uint32_t)nb;
		}
	}
}

/* The running checkpoint's content bytes: what the committed transactions logged since the
 * last force. */
static uint64_t cp_bytes(struct fin *f)
{
	uint64_t bytes = FIN_CP_START + f->cp_done;
	struct xlog_regs rs = { 0 };

	/* as each buffer's last commit formatted it (xlog_fin_commit); inode clusters as the
	 * kernel's cluster buffers; the inodes logged. Kept as shares of the blocks and inodes
	 * (cp_refresh), so a commit counts again only what the blocks it looks at hold */
	cp_refresh(f);
	bytes += f->sum_buf + f->sum_icl + f->cp_istale;
	/* dquot items: those a committed transaction of the checkpoint logged (dquot_fin.c) */
	bytes += xlog_fin_dquot_log_bytes(f);
	bytes += f->sum_ino;
	/* and those of freed chunks' inodes, which stay in the CIL (xlog_fin_ino_gone); kernel
	 * rows xn-ichunkhold-*: a force after two chunks' frees one basic block short without
	 * them */
	bytes += f->cil_gone;
	if (xlog_fin_trunc_regs(f, &rs))
		bytes += rs.sum;
	return bytes;
}

bool xlog_fin_trunc_regs(struct fin *f, struct xlog_regs *rs)
{
	const xfs_fs *fs = f->log->fs;

	if (!trunc_logged(f))
		return false;
	xlog_regs_add(rs, FIN_OPHDR + FIN_INODE_FMT);
	xlog_regs_add(rs, FIN_OPHDR + (fs->v5 ? fs->lit_off : FIN_V4_LOG_DINODE));
	/* its data fork: the extents (XFS_ILOG_DEXT), or in btree form the incore root when
	 * XFS_ILOG_DBROOT was logged (if_broot_bytes: the header and a key and pointer a
	 * record), else nothing */
	if (!f->cp_trunc_n || (f->cp_trunc_btree && !f->cp_trunc_broot))
		return true;
	xlog_regs_add(rs, f->cp_trunc_btree ? FIN_OPHDR + (fs->v5 ? 72u : 24u) + f->cp_trunc_n * FIN_BMBT_REC
					    : FIN_OPHDR + f->cp_trunc_n * FIN_BMBT_REC);
	return true;
}

/* XLOG_CIL_SPACE_LIMIT: an eighth of the log (l_logsize >> 3), at most 16 times what the
 * eight largest iclogs hold (BBTOB(XLOG_TOTAL_REC_SHIFT) << 4: 32 MiB on a v2 log, 4 MiB
 * on a v1 one). */
static uint64_t cil_space_limit(const xlog *log)
{
	uint64_t lim = (uint64_t)log->geom.bbs * XLOG_BBSIZE >> 3;
	uint64_t cap = (uint64_t)XLOG_MAX_ICLOGS << (log->geom.v2 ? 18 : 15) << 4;

	return lim < cap ? lim : cap;
}

/*
 * The CIL context's space_used after a commit (xlog_cil_insert_items): the sum of its
 * items' lv_bytes as their last commits formatted them (a relogged item's old vector's
 * bytes taken off, xlog_cil_insert_format_items; each region behind its op header,
 * rounded up to 4 bytes, xlog_finish_iovec), less the intents a done item whited out
 * (xlog_cil_process_intents): the running checkpoint's content without its start and
 * transaction-header ops (cp_bytes, which the checkpoint-ending forces match with the
 * kernel's), and the intents committed whose done items are still to come (rmap.c's
 * queue). Where the transactions log what force.c does not size (the truncating inode's
 * attribute fork or a symlink's blocks), the truncating inode is counted whole.
 */
static uint64_t cil_space(struct fin *f)
{
	const xfs_fs *fs = f->log->fs;
	uint64_t bytes = cp_bytes(f) - FIN_CP_START;

	for (uint32_t i = 0; i < f->ndfp; i++)
		if (!f->dfp[i].alone)
			bytes += f->dfp[i].ibytes;
	if (f->cp_trunc && f->cp_trunc_unsized)
		bytes += 2 * FIN_OPHDR + (fs->sb.inodesize - fs->lit_off);
	return bytes;
}

void xlog_fin_ino_gone(struct fin *f, size_t i)
{
	const struct blk *b = &f->blk[f->ino[i].blk];
	const uint8_t *d = b->b + f->ino[i].off;
	uint32_t isize = f->log->fs->sb.inodesize;

	/* its item as the running transaction's commit formats it (xfs_inode_item_format:
	 * XFS_ISTALE does not keep it out), in the CIL where its last commit put it, or the
	 * running transaction's */
	bool changed = !b->snap || memcmp(b->snap + f->ino[i].off, d, isize);
	if (f->ino[i].cp == FIN_CP_RUNNING || changed) {
		struct xlog_regs rs = { .list = true };
		bool in = f->ino[i].cp == FIN_CP_RUNNING;
		xlog_fin_inode_regs(f->log->fs, d, f->ino[i].broot, &rs);
		if (rs.lost)
			f->one_over = true; /* (the close refuses, where it needs the order) */
		xlog_fin_one(f, FIN_ONE_STALE, in ? f->ino[i].c_first : 0, in && !changed ? f->ino[i].c_last : 0, rs.r,
			     (uint32_t)rs.n);
		f->cil_gone += rs.sum;
		free(rs.r);
	}
	/* (its share, no longer f->ino's) */
	f->sum_ino -= f->ino[i].bytes;
	f->ino[i].bytes = 0;
}

/*
 * The CIL space after a commit, against XLOG_CIL_SPACE_LIMIT. Past it,
 * xlog_cil_push_background queues the push work (space_used >= the limit; on one CPU the
 * per-CPU count is folded in once it is over), which swaps in a new context when the
 * xfs-cil worker runs: the commits that land in the old one before that depend on the
 * scheduler (the inodegc worker goes on committing until it yields; 6.1's iunlink
 * recovery waits for each inode's inactivation, xfs_inodegc_flush, so the swap comes by the
 * next inode's first commit at the latest, somewhere in this one's). The checkpoint ends
 * there and the next starts in the same iclog (a background push does not switch it out),
 * so the LSNs stamped after it are not modelled: a commit after the crossing one is
 * refused. A crossing by the last commit before a force, or before the finish's end, ends
 * the checkpoint where the force does: nothing to refuse.
 */
static void cil_check(struct fin *f)
{
	uint64_t lim = cil_space_limit(f->log), bytes;

	if (f->cil_over && !f->refused) {
		xlog_fin_refuse(f, "the CIL's %llu bytes reached XLOG_CIL_SPACE_LIMIT (%llu: the log's %llu bytes >> 3) "
				   "before this transaction's commit: a background CIL push (xlog_cil_push_background) "
				   "ends a checkpoint where the kernel's scheduling puts it (not done)",
			       (unsigned long long)f->cil_bytes, (unsigned long long)lim,
			       (unsigned long long)f->log->geom.bbs * XLOG_BBSIZE);
		return;
	}
	bytes = cil_space(f);
	/* (a log of no length: none read, as in unit tests of other parts) */
	if (f->log->geom.bbs && bytes >= lim) {
		f->cil_over = true;
		f->cil_bytes = bytes;
	}
}

void xlog_fin_commit(struct fin *f)
{
	uint32_t isize = f->log->fs->sb.inodesize;

	/* xlog_cil_insert_items: the order id of this commit, on every item it logged */
	f->cord++;
	xlog_fin_one_commit(f);
	xlog_fin_dquot_commit(f);
	f->cp_done += f->tx_done;
	f->tx_done = 0;
	if (f->tx_trunc) {
		if (!f->cp_trunc)
			f->trunc_c_first = f->cord;
		f->trunc_c_last = f->cord;
		f->cp_trunc = true;
		f->cp_trunc_btree = f->tx_trunc_btree;
		f->cp_trunc_broot = f->trunc_broot;
		f->cp_trunc_n = f->tx_trunc_n;
	}
	if (f->tx_trunc_unsized)
		f->cp_trunc_unsized = f->tx_trunc_unsized;
	f->tx_trunc = false;
	f->tx_trunc_unsized = NULL;
	f->tx_intent = NULL;
	/* only the watched blocks can have changed (xlog_fin_watch): the others' bytes and state
	 * are as the last commit left them */
	for (size_t w = 0; w < f->nwatch; w++) {
		const struct blk *b = &f->blk[f->watch[w]];
		for (uint32_t c = b->ino1; c; c = f->ino[c - 1].next) {
			struct fin_ino *e = &f->ino[c - 1];
			if (b->snap && !memcmp(b->snap + e->off, b->b + e->off, isize))
				continue;
			if (e->cp != FIN_CP_RUNNING)
				e->c_first = f->cord;
			e->c_last = f->cord;
			e->cp = FIN_CP_RUNNING;
		}
	}
	for (size_t w = 0; w < f->nwatch; w++) {
		struct blk *b = &f->blk[f->watch[w]];
		size_t len = (size_t)b->bbs * XLOG_BBSIZE;
		bool stale = cancelled(b), inodes = b->kind == K_INODES && !stale;
		/* what the transaction logged (xfs_trans_log_buf) or staled (xfs_trans_binval, again
		 * after a force: xlog_fin_cp_agfl_free); an inode cluster's changes are its inodes'
		 * (their copy kept to find them) */
		bool logged = stale ? !b->was_stale || b->tx_logged
				    : inodes ? (b->snap ? memcmp(b->snap, b->b, len) != 0 : b->dirty) : b->tx_logged;
		/* its buffer item logged (an inode cluster's: its di_next_unlinked) */
		bool item = inodes ? b->tx_logged : logged;
		/* an inode cluster logged as a buffer too (xfs_iunlink_log_dinode) */
		b->ibuf |= inodes && b->tx_logged;
		b->tx_logged = false;
		/* xfs_trans_binval: an invalidated buffer's dirty map is cleared */
		if (stale)
			memset(b->lmap, 0, sizeof b->lmap);
		if (!logged)
			continue;
		if (item) {
			if (!b->c_first)
				b->c_first = f->cord;
			b->c_last = f->cord;
		}
		b->cp = FIN_CP_RUNNING;
		b->was_stale = stale;
		/* the buffer as the commit formats it into the CIL (xlog_cil_insert_format_items): a
		 * force while a later transaction runs writes this, whatever that one logs, invalidates
		 * or takes back meanwhile (kernel row xr8-1k-rmap-holdmix: a force in an AGFL free after
		 * the free before it, in the same transaction, had freed again two btree blocks taken
		 * back earlier in the checkpoint and logged another AGFL chunk: the kernel's forced
		 * checkpoint holds the blocks' committed 5 and 2 chunks and the AGFL's 2; kept runs of
		 * xa-1k-rmap-fragfree and g4x-2k-rmap-ag2-holdmix went from differing in 32 and 10
		 * blocks to agreeing with this alone); an inode cluster's inodes are logged as inode
		 * items, the buffer only when stale */
		memcpy(b->cp_lmap, b->lmap, sizeof b->cp_lmap);
		if (!inodes)
			continue;
		if (!b->snap && !(b->snap = malloc(len))) {
			f->cp_lost = true;
			continue;
		}
		memcpy(b->snap, b->b, len);
	}
	cil_check(f);
	cp_refresh(f); /* (cil_check counts nothing once the CIL is over its limit) */
	/* the blocks got by an earlier pending entry are not got again without a lookup (its
	 * pointers are gone): no longer watched */
	for (size_t w = 0, m = f->nwatch; w < m; w++) {
		struct blk *b = &f->blk[f->watch[w]];
		if (b->unit == f->unit)
			continue;
		b->watched = false;
		f->watch[w--] = f->watch[--m];
		f->nwatch = m;
	}
}

int xlog_fin_cp_close(struct fin *f, uint64_t *next)
{
	xlog *log = f->log;
	struct xlog_cp_geom g;
	uint64_t bytes, lo, hi;
	uint32_t wraps;

	if (!f->cp_lsn)
		f->cp_lsn = log->fin_next_lsn ? log->fin_next_lsn : XLOG_LSN(log->ends.head_cycle, log->ends.head_blk);
	if (f->cp_lost)
		return FSIMG_ENOMEM;
	bytes = cp_bytes(f) + xlog_fin_dfp_alone(f); /* (rmap.c: a truncate round's intents) */
	if (!xlog_cp_geom(log, &g))
		return xlog_fin_refuse(f, "log buffers of %u bytes", g.h_size);
	lo = xlog_cp_end(log, &g, f->cp_lsn, bytes, 0);
	hi = xlog_cp_end(log, &g, f->cp_lsn, bytes, FIN_OPHDR);
	/* Where lo and hi differ, the crossings decide (xlog_write_partial: a region continued
	 * behind a new op header costs 12 bytes, one started afresh with 12 or less left wastes
	 * those): on v5 the checkpoint is laid out in the CIL's item order (cil.c; kernel row
	 * g6x-1k-rmap-holdmixmany: of its 35 earlier checkpoints that crossed an iclog 31 paid
	 * 12 bytes, 4 nothing, and its 43,500 bytes from 1/24114 paid 12 and ended at 1/24202, as
	 * the layout has them). v4 stamps nothing: the length only moves the unmount record,
	 * inside the log. */
	if (lo != hi && log->fs->v5) {
		int r = xlog_fin_cp_layout(f, &g, bytes, &lo);
		if (r)
			return r;
	}
	wraps = XLOG_LSN_CYCLE(lo) - XLOG_LSN_CYCLE(f->cp_lsn);
	if (wraps == 2 && XLOG_LSN_CYCLE(f->cp_lsn) + 1 == XLOG_HEADER_MAGIC_NUM)
		wraps = 1;
	if (wraps > 1 || lsn_dist(f->cp_lsn, lo, log->geom.bbs) >= log->geom.bbs)
		return xlog_fin_refuse(f, "a checkpoint of %llu bytes, more than the log", (unsigned long long)bytes);
	/* xlog_cil_committed: what it logged goes to the AIL at its start LSN */
	for (size_t i = 0; i < f->nblk; i++) {
		if (f->blk[i].cp == FIN_CP_RUNNING) {
			f->blk[i].cp = FIN_CP_WRITTEN;
			f->blk[i].ibuf = false;
			f->blk[i].lsn = f->cp_lsn;
			f->blk[i].wforce = f->nforce;
		}
		f->blk[i].cp_bb = f->blk[i].icl_part = 0;
		f->blk[i].c_first = f->blk[i].c_last = 0;
	}
	for (size_t i = 0; i < f->nino; i++) {
		if (f->ino[i].cp == FIN_CP_RUNNING) {
			f->ino[i].cp = FIN_CP_WRITTEN;
			f->ino[i].lsn = f->cp_lsn;
		}
		f->ino[i].bytes = f->ino[i].c_first = f->ino[i].c_last = 0;
	}
	f->sum_buf = f->sum_icl = f->sum_ino = 0;
	for (uint32_t i = 0; i < f->ndfp; i++)
		f->dfp[i].here = false;
	f->cord = f->trunc_c_first = f->trunc_c_last = 0;
	xlog_fin_dquot_cp_close(f, f->cp_lsn);
	f->cp_done = 0;
	f->cp_trunc = false;
	f->cp_trunc_unsized = NULL;
	f->cil_over = false;
	f->cil_gone = 0;
	f->cp_istale = 0;
	*next = lo;
	return 0;
}

void xlog_fin_cp_efx(struct fin *f, uint32_t n)
{
	if (n)
		xlog_fin_tx_done(f, FIN_OPHDR + FIN_INTENT_FMT + n * FIN_EFX_EXT);
}

void xlog_fin_cp_trunc(struct fin *f, const char *unsized, bool btree, uint32_t n)
{
	f->tx_trunc = true;
	f->tx_trunc_btree = btree;
	f->tx_trunc_n = n;
	if (unsized)
		f->tx_trunc_unsized = unsized;
}

void xlog_fin_cp_trunc_broot(struct fin *f)
{
	f->trunc_broot = true;
}

static int bmbt_get(struct fin *f, uint64_t fsb, struct blk **b)
{
	xfs_fs *fs = f->log->fs;
	uint32_t aglog = fs->sb.agblklog;

	return xlog_fin_get(f, xlog_ag_daddr(fs, (uint32_t)(fsb >> aglog), (uint32_t)(fsb & ((1ull << aglog) - 1))),
			    fs->blocksize / XLOG_BBSIZE, K_BMBT, b);
}

int xlog_fin_bmbt_stale(struct fin *f, uint64_t fsb)
{
	struct blk *b;
	int err;

	if ((err = bmbt_get(f, fsb, &b)))
		return err;
	b->dirty = false;
	b->stale = true;
	return 0;
}

int xlog_fin_bmbt_logged(struct fin *f, uint64_t fsb, uint32_t first, uint32_t last)
{
	struct blk *b;
	int err;

	if ((err = bmbt_get(f, fsb, &b)))
		return err;
	xlog_fin_log_range(f, b, first, last);
	return 0;
}

void xlog_fin_cp_agfl_free(struct fin *f, uint32_t ag, uint32_t agbno)
{
	uint64_t daddr = xlog_ag_daddr(f->log->fs, ag, agbno);
	uint32_t nch = f->log->fs->blocksize / XFS_BLF_CHUNK;

	/* held invalidated already: xfs_trans_binval returns at once while the buffer's item is
	 * stale in the CIL; a force's checkpoint released that item, and a new one is logged
	 * invalidated by the running transaction (its bytes then: afree.c, agfl_buf_get) */
	struct blk *b = xlog_fin_at(f, daddr);

	if (b && same_buf(f, b, daddr) && cancelled(b)) {
		b->tx_logged |= b->cp == FIN_CP_WRITTEN;
		xlog_fin_watch(f, b);
		return;
	}
	xlog_fin_tx_done(f, FIN_OPHDR + FIN_BUF_FMT + 4 * ((nch + 31) / 32));
	/* remembered pinned (xlog_fin_buf_lock); past the bound the next lookup refuses */
	if (f->npinned == f->pinned_cap && f->npinned < FIN_BUSY_MAX) {
		uint32_t cap = f->pinned_cap ? 2 * f->pinned_cap : 16;
		struct fin_pinned *p = realloc(f->pinned, (size_t)cap * sizeof *p);
		if (!p) {
			f->npinned = FIN_BUSY_MAX + 1;
			return;
		}
		f->pinned = p;
		f->pinned_cap = cap;
	}
	if (f->npinned < f->pinned_cap)
		f->pinned[f->npinned] = (struct fin_pinned){ ag, agbno, f->tx };
	f->npinned++;
}

void xlog_fin_unpin(struct fin *f)
{
	uint32_t m = 0;

	/* a new CIL context (a v4 force whose checkpoint is not closed here, !f->cp_sized: its
	 * next commits are checked against cp_bytes since the last close, never less than the
	 * new context's space) */
	f->cil_over = false;
	f->cil_gone = 0;
	xlog_fin_one_close(f);

	/* xlog_cil_committed -> xfs_buf_item_unpin: the running transaction's stay pinned */
	for (uint32_t i = 0; i < f->npinned && f->npinned <= f->pinned_cap; i++)
		if (f->pinned[i].tx == f->tx)
			f->pinned[m++] = f->pinned[i];
	if (f->npinned <= f->pinned_cap)
		f->npinned = m;
}

int xlog_fin_buf_lock(struct fin *f, uint32_t ag, uint32_t agbno)
{
	uint64_t daddr = xlog_ag_daddr(f->log->fs, ag, agbno);
	const struct blk *b = xlog_fin_at(f, daddr);
	bool pinned = false;
	char why[96];

	if (f->npinned > f->pinned_cap)
		return xlog_fin_refuse(f, "more than %u AGFL blocks freed between log forces", FIN_BUSY_MAX);
	for (uint32_t i = 0; i < f->npinned; i++)
		pinned |= f->pinned[i].ag == ag && f->pinned[i].bno == agbno && f->pinned[i].tx != f->tx;
	/* a held buffer invalidated by a committed transaction of the running checkpoint */
	pinned |= b && same_buf(f, b, daddr) && cancelled(b) && b->cp == FIN_CP_RUNNING && b->was_stale;
	if (!pinned)
		return 0;
	snprintf(why, sizeof why, "AG %u: block %u, invalidated by a committed transaction,", ag, agbno);
	return xlog_fin_force(f, why);
}

uint64_t xlog_fin_blk_lsn(const struct fin *f, const struct blk *b, uint64_t lsn)
{
	if (b->cp == FIN_CP_WRITTEN)
		return b->lsn;
	return f->cp_lsn ? f->cp_lsn : lsn;
}

uint64_t xlog_fin_ino_lsn(const struct fin *f, size_t i, uint64_t lsn)
{
	if (f->ino[i].cp == FIN_CP_WRITTEN)
		return f->ino[i].lsn;
	return f->cp_lsn ? f->cp_lsn : lsn;
}

void xlog_fin_cp_free(struct fin *f)
{
	free(f->pinned);
	f->pinned = NULL;
	f->npinned = f->pinned_cap = 0;
	for (size_t i = 0; i < f->nblk; i++) {
		free(f->blk[i].snap);
		f->blk[i].snap = NULL;
	}
}
