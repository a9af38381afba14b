/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recovery planned as data: the revoke and replay passes of kernel
 * fs/jbd2/recovery.c run over the scan's records (scan.c) and produce a
 * plan, an array of (fs block -> journal block, tag) sorted by fs block, one
 * entry per block: the copy the kernel's replay pass would leave on disk
 * last (its tag gives its transaction and escape flag). Memory is bounded by
 * the plan, 16 bytes a block; no block is copied.
 *
 * Where the kernel (Linux 6.x) and e2fsprogs 1.47 (e2fsck/recovery.c,
 * revoke.c, journal.c) differ, fsimg follows the kernel on purpose:
 *
 *  - Wrap point: the log wraps at the end of the main area, s_maxlen less
 *    the fast-commit blocks (kernel j_last). e2fsprogs wraps at the end of
 *    the fast-commit area (j_fc_last).
 *  - Log offsets past the journal's length (s_maxlen) are an error, as in
 *    the kernel's jread(); e2fsprogs reads whatever the inode maps there.
 *  - A commit block whose full-block checksum fails but whose 64-byte header
 *    checksum (rest as zeros) matches is accepted ("incomplete commit
 *    block", jbd2_commit_block_csum_verify_partial in kernels after 6.1);
 *    Linux 6.1 and e2fsprogs 1.47 reject it.
 *  - An external journal must have exactly one user (s_nr_users), as
 *    ext4_get_dev_journal wants; e2fsck accepts none too.
 *  - Anything that makes the kernel fail recovery (in PASS_SCAN: a bad
 *    descriptor/revoke checksum in a transaction whose commit time does not
 *    go backwards, a bad journal superblock checksum, an unreadable log
 *    block; in PASS_REVOKE: r_count past the block in a transaction that is
 *    replayed, not in an uncommitted tail) gives an empty plan with
 *    kernel_error set: the kernel replays nothing, and e2fsck likewise
 *    replays nothing before it clears needs_recovery.
 *  - Blocks are checked against revokes before their data checksum, as
 *    both do; a revoked copy counts as revoked, never as a checksum skip.
 *  - Fast commits (jbd2/fast_commit.c): a HEAD of another transaction than
 *    the first not replayed is stale and ignored, as by the kernel;
 *    e2fsprogs 1.47 fails recovery there (EINVAL). Valid fast commits are
 *    replayed into the plan as made blocks where jbd2/fc_replay.c can
 *    (stats.fc_replayed; e2fsprogs 1.47 does not replay them at all); an
 *    area the kernel fails recovery on sets kernel_error like any other.
 *  - A tag naming a block outside the filesystem is not planned
 *    (out_of_range): the kernel's write would fail there, e2fsck's too.
 *
 * How the plan is computed, and what is kept from the kernel exactly:
 *
 *  - The replayed copies are sorted by fs block with a stable sort (radix,
 *    or none when the log is already in order), so that among copies of
 *    one block the last in log order wins, as the replay pass writes them
 *    in log order. The result is the same as sorting by (block, log order).
 *  - Data-block checksums are verified for every copy before the plan is
 *    made, as the kernel's PASS_REPLAY does for every copy it writes.
 *    Checking only the copy that wins, on its first read, could still pick
 *    the same copy (falling back to the next older one on a bad checksum),
 *    but not report the same result: a single skipped copy anywhere makes
 *    recovery fail (s_sequence kept, VALID_FS cleared, the counts said when
 *    an image is opened), and that must be known when the plan is made. The
 *    cost is cut instead: csum v2/v3 copies are read in runs after the walk
 *    and checked on several threads (verify.c jbd2_verify_deferred), with a
 *    three-stripe crc32c (core/crc.c).
 *
 * The journal superblock after recovery is what e2fsck writes
 * (recover_ext3_journal + e2fsck_journal_release): s_start = 0 and
 * s_sequence = end_transaction + 1 (the kernel's ++info.end_transaction),
 * where end_transaction is the first transaction not replayed (for an
 * empty log, s_start 0, s_sequence + 1 likewise); unchanged s_sequence when
 * recovery failed or a data block was skipped for its checksum
 * (jbd2_journal_recover returns an error then). A failed commit
 * (j_failed_commit) makes e2fsck set s_errno, then e2fsck_check_ext3_journal moves it to the
 * filesystem's ERROR_FS state and zeroes s_errno again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/cursor.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

struct revoke_ent {
	uint64_t blk;
	uint32_t seq;
};

static int cmp_revoke(const void *a, const void *b)
{
	const struct revoke_ent *x = a, *y = b;
	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* Is a (fs_block) sorted, equal blocks in their original order? */
static bool sorted_by_block(const struct jbd2_plan_ent *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i].fs_block < a[i - 1].fs_block)
			return false;
	return true;
}

/*
 * Sorts the replayed copies by fs block, stably: copies of one block stay
 * in log order, so the last of each run is the one the kernel's replay pass
 * writes last. LSD radix sort by bytes, skipping the bytes all blocks share
 * (the high ones, mostly); journals log blocks mostly in order, so a sorted
 * input is checked for first and left alone.
 */
int jbd2_plan_sort(struct jbd2_plan_ent *a, size_t n)
{
	struct jbd2_plan_ent *tmp, *src = a, *dst, *swap;
	uint64_t or_ = 0, and_ = ~0ull;
	size_t count[256];

	if (n < 2 || sorted_by_block(a, n))
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return FSIMG_ENOMEM;
	dst = tmp;
	for (size_t i = 0; i < n; i++) {
		or_ |= a[i].fs_block;
		and_ &= a[i].fs_block;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t pos = 0;

		if ((((or_ ^ and_) >> shift) & 0xff) == 0)
			continue; /* every block has the same byte here */
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(src[i].fs_block >> shift) & 0xff]++;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = count[d];
			count[d] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].fs_block >> shift) & 0xff]++] = src[i];
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(tmp);
	return 0;
}

/* The newest revoking sequence of blk, or false when no replayed transaction revoked it. */
static bool revoke_find(const struct revoke_ent *r, size_t n, uint64_t blk, uint32_t *seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].blk < blk)
			lo = mid + 1;
		else if (r[mid].blk > blk)
			hi = mid;
		else {
			*seq = r[mid].seq;
			return true;
		}
	}
	return false;
}

/* Is transaction t inside the replay (kernel: stop at tid_geq(next, end_transaction))? */
static bool replayed(const struct fsimg_journal *j, const struct jbd2_trans *t)
{
	return t->t.state == FSIMG_JTRANS_COMMITTED &&
	       !jbd2_tid_geq(t->t.sequence, j->info.end_sequence);
}

static int build(struct fsimg_plan *p, unsigned flags)
{
	struct fsimg_journal *j = p->j;
	struct revoke_ent *rev = NULL;
	struct jbd2_plan_ent *cand;
	size_t nrev = 0, ncand = 0, n;
	int err = FSIMG_ENOMEM;

	/* Pass REVOKE: per block, the newest transaction that revoked it. */
	rev = malloc((j->nrevokes ? j->nrevokes : 1) * sizeof(*rev));
	/* Every replayed copy, in log order; sorted and cut to one per block in place. */
	p->e = cand = malloc((j->ntags ? j->ntags : 1) * sizeof(*cand));
	if (!rev || !cand)
		goto out;
	for (size_t i = 0; i < j->ntrans; i++) {
		const struct jbd2_trans *t = &j->trans[i];
		if (!replayed(j, t))
			continue;
		p->stats.transactions++;
		p->stats.revoke_records += t->t.nrevokes;
		for (size_t k = 0; k < t->t.nrevokes; k++) {
			rev[nrev].blk = j->revokes[t->first_revoke + k].fs_block;
			rev[nrev].seq = t->t.sequence;
			nrev++;
		}
	}
	qsort(rev, nrev, sizeof(*rev), cmp_revoke);
	n = 0;
	for (size_t i = 0; i < nrev; i++) {
		if (n && rev[n - 1].blk == rev[i].blk) {
			if (jbd2_tid_gt(rev[i].seq, rev[n - 1].seq))
				rev[n - 1].seq = rev[i].seq;
			continue;
		}
		rev[n++] = rev[i];
	}
	nrev = n;

	/* Pass REPLAY: in log order, the last copy written wins. */
	for (size_t i = 0; i < j->ntrans; i++) {
		const struct jbd2_trans *t = &j->trans[i];
		if (!replayed(j, t))
			continue;
		for (size_t k = 0; k < t->t.nblocks; k++) {
			const struct fsimg_jblock *b = &j->tags[t->first_tag + k];
			uint32_t rseq;

			if (revoke_find(rev, nrev, b->fs_block, &rseq) && !jbd2_tid_gt(t->t.sequence, rseq)) {
				p->stats.revoked++;
				continue;
			}
			if (b->csum == FSIMG_CSUM_BAD && !(flags & FSIMG_PLAN_IGNORE_CSUM)) {
				p->stats.csum_skipped++;
				continue;
			}
			if (j->fs_blocks && b->fs_block >= j->fs_blocks) {
				p->stats.out_of_range++;
				continue;
			}
			p->stats.replays++;
			cand[ncand].fs_block = b->fs_block;
			cand[ncand].journal_block = b->journal_block;
			cand[ncand].tag = (uint32_t)(t->first_tag + k);
			ncand++;
		}
	}
	err = jbd2_plan_sort(cand, ncand);
	if (err < 0)
		goto out;
	/* The last copy of each block wins (the sort kept log order within a block). */
	for (size_t i = 0; i < ncand; i++) {
		if (i + 1 < ncand && cand[i + 1].fs_block == cand[i].fs_block)
			continue;
		p->stats.in_journal += j->tags[cand[i].tag].in_journal;
		cand[p->n++] = cand[i];
	}
	p->stats.blocks = p->n;
	err = 0;
out:
	free(rev);
	return err;
}

size_t jbd2_plan_lower_bound(const struct fsimg_plan *p, uint64_t blk)
{
	return ARRAY_LOWER_BOUND(p->e, p->n, fs_block, blk);
}

/* Index of fs block blk in p->e, or p->n. */
static size_t plan_index(const struct fsimg_plan *p, uint64_t blk)
{
	size_t i = jbd2_plan_lower_bound(p, blk);

	return i < p->n && p->e[i].fs_block == blk ? i : p->n;
}

/* The superblocks' blocks, which the write list puts last (fsimg_plan_write). */
static void plan_writes(struct fsimg_plan *p)
{
	const struct fsimg_journal *j = p->j;
	size_t k;

	p->sb_block = EXT4_SUPER_OFFSET / j->bs;
	p->jsb_block = j->sb_pblk;
	p->has_jsb = !j->sb.external && p->jsb_block != p->sb_block;
	p->nskip = 0;
	if ((k = plan_index(p, p->sb_block)) < p->n)
		p->skip[p->nskip++] = k;
	if (p->has_jsb && (k = plan_index(p, p->jsb_block)) < p->n)
		p->skip[p->nskip++] = k;
	if (p->nskip == 2 && p->skip[0] > p->skip[1]) {
		k = p->skip[0];
		p->skip[0] = p->skip[1];
		p->skip[1] = k;
	}
}

int fsimg_plan_create(fsimg_plan **out, fsimg_journal *j, unsigned flags)
{
	struct fsimg_plan *p;
	int err;

	if (!out || !j)
		return FSIMG_EINVAL;
	*out = NULL;
	err = fsimg_journal_scan(j);
	if (err < 0)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return FSIMG_ENOMEM;
	p->j = j;
	p->stats.fc_blocks = j->info.fc_valid_blocks;
	p->stats.fc_commits = j->info.fc_commits;
	p->stats.kernel_error = j->info.kernel_error;
	p->stats.new_start = 0;
	p->stats.new_errno = j->sb.errno_;
	p->stats.new_sequence = j->sb.sequence;
	if (j->sb.start && !j->info.kernel_error) {
		err = build(p, flags);
		if (err < 0) {
			fsimg_plan_free(p);
			return err;
		}
		/*
		 * jbd2_journal_recover() returns -EFSBADCRC after a data-block
		 * checksum skip; e2fsck then keeps j_tail_sequence, so s_sequence
		 * is written back unchanged (recover_ext3_journal's errout path).
		 */
		if (!p->stats.csum_skipped)
			p->stats.new_sequence = j->info.end_sequence + 1;
	} else if (!j->sb.start && !j->info.kernel_error) {
		/*
		 * An empty log with needs_recovery set (s_start 0): nothing is
		 * replayed, but jbd2_journal_recover still moves the sequence on
		 * (j_transaction_sequence = s_sequence + 1), and e2fsck writes it.
		 */
		p->stats.new_sequence = j->sb.sequence + 1;
	}
	if (j->info.has_failed_commit)
		p->stats.new_errno = -22; /* -EINVAL, as e2fsck stores it */
	/*
	 * e2fsck clears VALID_FS when jbd2_journal_recover() returns an error
	 * (e2fsck_clear_recover); a failed commit is not one (it ends the log and
	 * only sets s_errno, hence ERROR_FS), data-block checksum skips are.
	 */
	p->stats.recovery_error = p->stats.kernel_error != 0 || p->stats.csum_skipped != 0;
	if (j->sb.start)
		jbd2_fc_replay(p);
	plan_writes(p);
	*out = p;
	return 0;
}

void fsimg_plan_free(fsimg_plan *plan)
{
	if (!plan)
		return;
	for (size_t k = 0; k < plan->nmade; k++)
		free(plan->made[k]);
	free(plan->made);
	free(plan->e);
	free(plan);
}

int fsimg_plan_stats(struct fsimg_plan_stats *out, const fsimg_plan *plan)
{
	if (!out || !plan)
		return FSIMG_EINVAL;
	*out = plan->stats;
	return 0;
}

size_t fsimg_plan_count(const fsimg_plan *plan)
{
	return plan ? plan->n : 0;
}

/* The public form of entry i: its transaction found from its tag. */
static void entry_out(struct fsimg_plan_entry *out, const fsimg_plan *plan, size_t i)
{
	const struct fsimg_journal *j = plan->j;
	const struct jbd2_plan_ent *e = &plan->e[i];
	size_t lo = 0, hi = j->ntrans;

	if (e->journal_block == JBD2_PLAN_MADE) {
		/* made by the fast-commit replay: no logged copy */
		out->fs_block = e->fs_block;
		out->journal_block = JBD2_PLAN_MADE;
		out->sequence = j->info.fc_tid;
		out->escaped = 0;
		return;
	}
	/* The last transaction whose first tag is at or before e->tag. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->trans[mid].first_tag <= e->tag)
			lo = mid;
		else
			hi = mid;
	}
	out->fs_block = e->fs_block;
	out->journal_block = e->journal_block;
	out->sequence = j->trans[lo].t.sequence;
	out->escaped = j->tags[e->tag].escaped;
}

int fsimg_plan_entry(struct fsimg_plan_entry *out, const fsimg_plan *plan, size_t i)
{
	if (!out || !plan || i >= plan->n)
		return FSIMG_EINVAL;
	entry_out(out, plan, i);
	return 0;
}

int fsimg_plan_lookup(struct fsimg_plan_entry *out, const fsimg_plan *plan, fsimg_pblk_t blk)
{
	size_t i;

	if (!plan)
		return FSIMG_EINVAL;
	i = plan_index(plan, blk);
	if (i == plan->n)
		return 0;
	if (out)
		entry_out(out, plan, i);
	return 1;
}

size_t fsimg_plan_write_count(const fsimg_plan *plan)
{
	return plan ? plan->n - plan->nskip + 1 + plan->has_jsb : 0;
}

int fsimg_plan_write(struct fsimg_plan_write *out, const fsimg_plan *plan, size_t i)
{
	size_t logged;

	if (!out || !plan || i >= fsimg_plan_write_count(plan))
		return FSIMG_EINVAL;
	logged = plan->n - plan->nskip;
	if (i < logged) {
		for (size_t k = 0; k < plan->nskip; k++)
			if (i >= plan->skip[k])
				i++;
		out->block = plan->e[i].fs_block;
		out->kind = FSIMG_PLAN_WRITE_LOGGED;
	} else if (i == logged && plan->has_jsb) {
		out->block = plan->jsb_block;
		out->kind = FSIMG_PLAN_WRITE_JOURNAL_SUPER;
	} else {
		out->block = plan->sb_block;
		out->kind = FSIMG_PLAN_WRITE_SUPER;
	}
	return 0;
}

int fsimg_plan_read_entry(void *buf, size_t buflen, const fsimg_plan *plan, size_t i)
{
	int err;

	if (!buf || !plan || i >= plan->n || buflen < plan->j->bs)
		return FSIMG_EINVAL;
	if (plan->e[i].journal_block == JBD2_PLAN_MADE) {
		memcpy(buf, plan->made[plan->e[i].tag], plan->j->bs);
		return 0;
	}
	err = jbd2_read(plan->j, plan->e[i].journal_block, buf);
	if (err < 0)
		return err;
	/* ESCAPE: the block began with the jbd2 magic, which the log copy could not hold. */
	if (plan->j->tags[plan->e[i].tag].escaped)
		put_be32(buf, JBD2_MAGIC_NUMBER);
	return 0;
}

fsimg_journal *fsimg_plan_journal(const fsimg_plan *plan)
{
	return plan ? plan->j : NULL;
}
