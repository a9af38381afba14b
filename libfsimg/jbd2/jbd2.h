/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jbd2 internals shared by journal.c (open, superblock, mapping), the scan
 * pass (scan.c, log.c, verify.c), recovery.c (revoke and replay passes as a
 * plan), fast_commit.c and core/overlay.c.
 */
#ifndef FSIMG_JBD2_JBD2_H
#define FSIMG_JBD2_JBD2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"
#include "fsimg/journal.h"
#include "jbd2/format.h"

#define JBD2_HIDDEN __attribute__((visibility("hidden")))

/*
 * Why a journal superblock is refused when only its s_first (after s_maxlen
 * capped the length) is out of range: the kernel will not load such a
 * journal, e2fsck 1.47.0 never looks at s_first. The checker tells it apart.
 */
#define JBD2_WHY_FIRST "s_first outside the journal"

/* One run of the journal: journal blocks [jblk, jblk + len) at [pblk, pblk + len). */
struct jbd2_run {
	uint32_t jblk;
	uint32_t len;
	uint64_t pblk;
};

/* A scanned transaction: struct fsimg_jtrans plus where its blocks/revokes are. */
struct jbd2_trans {
	struct fsimg_jtrans t;
	size_t first_tag, first_revoke; /* indexes into the journal's arrays */
	uint32_t bad_rcount_block;      /* a revoke block whose r_count overflows (0: none) */
	uint32_t bad_rcount;
};

/* What a csum v2/v3 tag's data block is checked against, now or after the walk. */
struct jbd2_pending {
	uint32_t want;               /* the tag's stored checksum */
	uint32_t seq;                /* its transaction's sequence, in the checksum */
};

struct fsimg_journal {
	fsimg_io *io;                /* where journal blocks are read (fs io or external io) */
	fsimg_fs *fs;                /* NULL in unit tests */
	uint32_t bs;
	uint64_t fs_blocks;          /* bound on fs blocks a tag may name; 0: none */
	struct jbd2_run *runs;       /* sorted by jblk, no overlaps */
	size_t nruns;
	struct jbd2_run *pruns;      /* the same sorted by pblk (internal journal; NULL: external) */
	uint64_t sb_pblk;            /* block (in io) holding journal block 0 / the superblock */
	uint64_t sb_off;             /* byte offset of the journal superblock in io */
	struct fsimg_journal_super sb;
	uint8_t raw_sb[JBD2_SUPER_SIZE];
	uint32_t csum_seed;          /* crc32c(~0, s_uuid) */

	/* scan results */
	bool scanned;
	struct fsimg_journal_scan_info info;
	struct jbd2_trans *trans;
	size_t ntrans, trans_cap;
	struct fsimg_jblock *tags;
	size_t ntags, tags_cap;
	struct fsimg_jrevoke *revokes;
	size_t nrevokes, revokes_cap;
	struct fsimg_fc_tag *fc;
	size_t nfc, fc_cap;

	uint8_t *buf, *buf2;         /* two block buffers */
	uint8_t *dbuf;               /* the scan's batch of data blocks (checksums) */
	struct jbd2_pending *pending; /* per tag (csum v2/v3): what its data block must match */
	size_t pending_cap;
	bool eager;                  /* data blocks checked as the scan meets them */
	char errmsg[256];
};

JBD2_HIDDEN int jbd2_error(struct fsimg_journal *j, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Opens a journal from a ready journal-block -> io-block table (unit tests,
 * and the two public openers). total_len is the journal's readable length in
 * blocks; fs_blocks bounds the fs blocks tags may name (0: no bound).
 * The runs are copied. On failure errbuf gets the reason.
 */
JBD2_HIDDEN int jbd2_journal_open_runs(struct fsimg_journal **out, fsimg_io *io, uint32_t bs,
				       const struct jbd2_run *runs, size_t nruns,
				       uint64_t total_len, uint64_t fs_blocks, bool external,
				       char *errbuf, size_t errlen);

/* The journal inode, or its superblock backup (s_jnl_blocks) when unusable: *why says why. */
JBD2_HIDDEN int jbd2_journal_inode(struct fsimg_inode *out, fsimg_fs *fs, const char **why);
/* Reads journal block jblk into buf (bs bytes); bounded by total_len and the table. */
JBD2_HIDDEN int jbd2_read(struct fsimg_journal *j, uint32_t jblk, void *buf);
/*
 * jbd2_read for the scan, which reads each log block once, front to back:
 * through the io's uncached pread when it has one (the same bytes).
 */
JBD2_HIDDEN int jbd2_read_log_block(struct fsimg_journal *j, uint32_t jblk, void *buf);
/* Is fs block blk one of an internal journal's own blocks? (never for an external one) */
JBD2_HIDDEN bool jbd2_in_journal(const struct fsimg_journal *j, uint64_t blk);
/* The journal block an internal journal keeps at fs block blk, or -1 outside it. */
JBD2_HIDDEN int64_t jbd2_jblk_at(const struct fsimg_journal *j, uint64_t blk);
/* The io block of journal block jblk, or a negative error. */
JBD2_HIDDEN int jbd2_bmap(const struct fsimg_journal *j, uint32_t jblk, uint64_t *pblk);
/*
 * Runs of logged copies that one read of the journal's io serves (the
 * scan's data-block checks, the overlay's planned blocks). jbd2_run_start:
 * where journal block jblk's copy is (*pblk), 0, or FSIMG_EIO when it is
 * not mapped or its byte offset passes 64 bits. jbd2_run_next: whether
 * jblk's copy is block k of the run that starts at pblk, its end still
 * within 64-bit byte offsets.
 */
JBD2_HIDDEN int jbd2_run_start(const struct fsimg_journal *j, uint32_t jblk, uint64_t *pblk);
JBD2_HIDDEN bool jbd2_run_next(const struct fsimg_journal *j, uint32_t jblk, uint64_t pblk, size_t k);

/*
 * The fast-commit area judged as the kernel's recovery scan does (after the
 * main log's scan, against info.end_sequence): sets info.fc_state and the
 * fc_commits counts; a state the kernel fails recovery on sets
 * info.kernel_error and the message. fast_commit.c.
 */
JBD2_HIDDEN int jbd2_fc_scan(struct fsimg_journal *j);

/* Does the journal keep csum v2/v3 checksums (descriptor tails, tags, commit blocks)? */
static inline bool jbd2_has_csum_v2or3(const struct fsimg_journal *j)
{
	return j->sb.csum_version >= 2;
}

/* A recomputed journal superblock checksum (raw must be JBD2_SUPER_SIZE bytes). */
JBD2_HIDDEN uint32_t jbd2_super_csum(const uint8_t *raw);

/* tid comparisons by signed 32-bit difference (kernel tid_gt / tid_geq). */
static inline bool jbd2_tid_gt(uint32_t x, uint32_t y)
{
	return (int32_t)(x - y) > 0;
}
static inline bool jbd2_tid_geq(uint32_t x, uint32_t y)
{
	return (int32_t)(x - y) >= 0;
}

/* overlay.c needs to patch these when presenting the post-recovery state. */
/*
 * A plan entry as kept: 16 bytes. The copy's transaction and escape flag
 * are its tag's (fsimg_plan_entry gives them out in full).
 */
struct jbd2_plan_ent {
	uint64_t fs_block;
	uint32_t journal_block;
	uint32_t tag;                /* index into the journal's tags */
};

struct fsimg_plan {
	struct fsimg_journal *j;
	struct jbd2_plan_ent *e;     /* sorted by fs_block, unique */
	size_t n;
	struct fsimg_plan_stats stats;
	/* the write list (fsimg_plan_write): e[] less the superblocks' blocks, then those */
	uint64_t sb_block, jsb_block;
	bool has_jsb;                /* an internal journal's superblock, in a block of its own */
	size_t skip[2], nskip;       /* indexes in e[] of the superblocks' blocks, ascending */
	/* blocks the fast-commit replay made: entries with journal_block JBD2_PLAN_MADE, tag the index */
	uint8_t **made;
	size_t nmade;
	char fc_why[192];            /* why the fast commits were not replayed */
};

#define JBD2_PLAN_MADE UINT32_MAX

/* Sorts plan entries by fs block, stably. recovery.c. */
JBD2_HIDDEN int jbd2_plan_sort(struct jbd2_plan_ent *a, size_t n);

/*
 * Replays the valid fast commits into the plan (after the jbd2 replay is
 * planned, before the write list): made blocks, stats.fc_replayed, or
 * stats.fc_why when they are not replayed. fc_replay.c.
 */
JBD2_HIDDEN void jbd2_fc_replay(struct fsimg_plan *p);

/* Index of the first plan entry with fs_block >= blk (p->n: none). */
/* replay_io.c: the ext4 backend's recovery_plan (fs/front.h). */
JBD2_HIDDEN int jbd2_recovery_plan(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external,
				   unsigned flags, char *errbuf, size_t errlen);
JBD2_HIDDEN size_t jbd2_plan_lower_bound(const struct fsimg_plan *p, uint64_t blk);

#endif /* FSIMG_JBD2_JBD2_H */
