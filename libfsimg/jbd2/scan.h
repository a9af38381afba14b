/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scan pass's pieces shared by scan.c (the walk), log.c (each log
 * block) and verify.c (deferred data-block checksums).
 */
#ifndef FSIMG_JBD2_SCAN_H
#define FSIMG_JBD2_SCAN_H

#include "jbd2/jbd2.h"

/* Where the walk of the log is. */
struct scan_state {
	uint32_t blk;         /* next log block */
	uint64_t visited;     /* log blocks consumed: bounded by the log's length */
	uint64_t limit;
	uint32_t crc32_sum;   /* v1 transaction checksum */
	bool have_end;        /* info.end_sequence is set (async_commit failure) */
	bool need_check_commit_time;
	uint64_t last_commit_time;
};

/* Consumes the next log block; false when the walk's bound is reached. */
JBD2_HIDDEN bool jbd2_next_block(struct fsimg_journal *j, struct scan_state *s, uint32_t *blk);

/* The transaction of sequence seq: the last one, or a new one first met at jblk. NULL: no memory. */
JBD2_HIDDEN struct jbd2_trans *jbd2_trans_begin(struct fsimg_journal *j, uint32_t seq, uint32_t jblk);

/*
 * One log block of each type, at dblk/rblk/cblk (kernel do_one_pass in
 * PASS_SCAN). Each returns 1 to go on, 0 at the end of the log, <0 on
 * memory errors; a commit returns 1 only when its transaction committed.
 */
JBD2_HIDDEN int jbd2_scan_descriptor(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
				     uint32_t dblk, uint32_t seq);
JBD2_HIDDEN int jbd2_scan_revoke(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
				 uint32_t rblk);
JBD2_HIDDEN int jbd2_scan_commit(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
				 uint32_t cblk, uint32_t seq);

/*
 * How many tags from i on (before end, at most a batch) have their copies
 * in consecutive journal blocks that are consecutive in the io too, so one
 * read serves them (jbd2_run_start/next); *pblk is where the first is. 0
 * when tag i's block is not mapped or past 64-bit byte offsets.
 */
JBD2_HIDDEN size_t jbd2_tag_run(const struct fsimg_journal *j, size_t i, size_t end, uint64_t *pblk);

/* The data block checksum (csum v2/v3) of tag i, from its copy as logged. */
JBD2_HIDDEN enum fsimg_csum_state jbd2_tag_csum(const struct fsimg_journal *j, size_t i, const uint8_t *data);

/*
 * Checks the data blocks whose checksums the walk deferred (verify.c):
 * 0, FSIMG_EIO when some block could not be read (the caller walks again,
 * eagerly), <0 on memory errors.
 */
JBD2_HIDDEN int jbd2_verify_deferred(struct fsimg_journal *j);

#endif /* FSIMG_JBD2_SCAN_H */
