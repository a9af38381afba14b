/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The log's blocks as the scan pass of recovery parses them (kernel
 * fs/jbd2/recovery.c do_one_pass(PASS_SCAN)): descriptor blocks and their
 * tags, revoke blocks and their records, commit blocks and the checks that
 * decide whether a transaction committed (the v1 transaction checksum, the
 * v2/v3 block and tag checksums). The loop that walks the log is scan.c;
 * the deferred data-block checks are verify.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/cursor.h"
#include "core/io.h"
#include "ext4/ext4.h"
#include "jbd2/jbd2.h"
#include "jbd2/scan.h"

/* ------------------------------------------------------------- checksums */

/*
 * The v1 transaction checksum (COMPAT_CHECKSUM) is the kernel's crc32_be:
 * MSB first, polynomial 0x04c11db7, no reflection, no final xor. Only old
 * journals and the journal_checksum mount option without metadata_csum use
 * it, so a bitwise loop is enough.
 */
static uint32_t crc32_be(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= (uint32_t)*p++ << 24;
		for (int i = 0; i < 8; i++)
			crc = (crc << 1) ^ ((crc & 0x80000000u) ? 0x04c11db7u : 0);
	}
	return crc;
}

/* crc32c(seed, block) with the 4 bytes at zero_off taken as zeros. */
static uint32_t csum_block_zeroed(uint32_t seed, const uint8_t *buf, size_t len, size_t zero_off)
{
	static const uint8_t zero[4];
	uint32_t crc = fsimg_crc32c(seed, buf, zero_off);
	crc = fsimg_crc32c(crc, zero, sizeof(zero));
	return fsimg_crc32c(crc, buf + zero_off + 4, len - zero_off - 4);
}

/* The tail of descriptor and revoke blocks (csum v2/v3). */
static bool desc_csum_ok(const struct fsimg_journal *j, const uint8_t *buf)
{
	struct cur c = cur_init(buf, j->bs);

	if (!jbd2_has_csum_v2or3(j))
		return true;
	return cur_be32(&c, j->bs - 4) == csum_block_zeroed(j->csum_seed, buf, j->bs, j->bs - 4);
}

/* ---------------------------------------------------------------- blocks */

struct jbd2_trans *jbd2_trans_begin(struct fsimg_journal *j, uint32_t seq, uint32_t jblk)
{
	struct jbd2_trans *t;

	if (j->ntrans && j->trans[j->ntrans - 1].t.sequence == seq)
		return &j->trans[j->ntrans - 1];
	if (!array_grow((void **)&j->trans, &j->trans_cap, j->ntrans + 1, sizeof(*j->trans)))
		return NULL;
	t = &j->trans[j->ntrans++];
	memset(t, 0, sizeof(*t));
	t->t.sequence = seq;
	t->t.state = FSIMG_JTRANS_UNCOMMITTED;
	t->t.first_block = jblk;
	t->t.commit_csum = FSIMG_CSUM_NONE;
	t->t.desc_csum = jbd2_has_csum_v2or3(j) ? FSIMG_CSUM_OK : FSIMG_CSUM_NONE;
	t->first_tag = j->ntags;
	t->first_revoke = j->nrevokes;
	return t;
}

/* Kernel wrap(): past the main log's end, continue from s_first. */
static uint32_t wrap(const struct fsimg_journal *j, uint32_t blk)
{
	if (blk >= j->sb.last)
		blk -= j->sb.last - j->sb.first;
	return blk;
}

/* The checksum a tag stores for its data block (csum v2/v3): v3 32 bits, v2 16. */
static uint32_t tag_stored_csum(const struct fsimg_journal *j, struct cur *dc, size_t tagoff)
{
	if (j->sb.csum_version == 3)
		return cur_be32(dc, tagoff + offsetof(struct jbd2_dtag3, t_checksum));
	return cur_be16(dc, tagoff + offsetof(struct jbd2_dtag, t_checksum));
}

/*
 * The data block checksum (csum v2/v3) of tag i, over the copy as logged,
 * before unescaping, against what the scan recorded for it.
 */
enum fsimg_csum_state jbd2_tag_csum(const struct fsimg_journal *j, size_t i, const uint8_t *data)
{
	const struct jbd2_pending *want;
	uint8_t seqbe[4];
	uint32_t crc;

	if (!jbd2_has_csum_v2or3(j))
		return FSIMG_CSUM_NONE;
	want = &j->pending[i];
	put_be32(seqbe, want->seq);
	crc = fsimg_crc32c(j->csum_seed, seqbe, sizeof(seqbe));
	crc = fsimg_crc32c(crc, data, j->bs);
	if (j->sb.csum_version == 3)
		return want->want == crc ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	return want->want == (uint16_t)crc ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
}

bool jbd2_next_block(struct fsimg_journal *j, struct scan_state *s, uint32_t *blk)
{
	if (s->visited >= s->limit)
		return false;
	s->visited++;
	*blk = s->blk;
	s->blk = wrap(j, s->blk + 1);
	return true;
}

size_t jbd2_tag_run(const struct fsimg_journal *j, size_t i, size_t end, uint64_t *pblk)
{
	size_t batch = io_batch_blocks(j->bs), k = 1;

	if (jbd2_run_start(j, j->tags[i].journal_block, pblk) < 0)
		return 0;
	while (k < batch && i + k < end &&
	       j->tags[i + k].journal_block == j->tags[i].journal_block + k &&
	       jbd2_run_next(j, j->tags[i + k].journal_block, *pblk, k))
		k++;
	return k;
}

/*
 * Reads the data blocks of tags [first, j->ntags) of transaction t in log
 * order and checks them (the v1 transaction checksum, the v2/v3 tag
 * checksums), as the kernel's calc_chksums and PASS_SCAN do block by block.
 * Runs of blocks consecutive in the journal's io are read in one call; a
 * failed read is retried block by block to find the block the kernel would
 * fail on. Then, as there, the scan ends with an I/O error and the tags
 * after that block are dropped (the kernel never parsed them). Returns 1,
 * or 0 when the scan ends.
 */
static int check_data_blocks(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
			     size_t first, bool v1)
{
	size_t i = first;

	if (!j->dbuf)
		j->dbuf = io_batch_alloc(j->bs);
	while (i < j->ntags) {
		uint64_t pblk;
		size_t k = j->dbuf ? jbd2_tag_run(j, i, j->ntags, &pblk) : 0;
		const uint8_t *data;
		bool whole = k > 0 && fsimg_io_read(j->io, j->dbuf, k * j->bs, pblk * j->bs) == 0;

		if (k == 0)
			k = 1;
		for (size_t m = 0; m < k; m++) {
			struct fsimg_jblock *b = &j->tags[i + m];

			if (whole) {
				data = j->dbuf + m * j->bs;
			} else if (jbd2_read(j, b->journal_block, j->buf2) == 0) {
				data = j->buf2;
			} else {
				/* Kernel calc_chksums: an unreadable block ends the scan. */
				t->t.nblocks -= (uint32_t)(j->ntags - (i + m + 1));
				j->ntags = i + m + 1;
				j->info.end = FSIMG_JEND_ERROR;
				j->info.kernel_error = FSIMG_EIO;
				return 0;
			}
			if (v1)
				s->crc32_sum = crc32_be(s->crc32_sum, data, j->bs);
			b->csum = jbd2_tag_csum(j, i + m, data);
			if (b->csum == FSIMG_CSUM_BAD)
				t->t.bad_data_csums++;
		}
		i += k;
	}
	return 1;
}

int jbd2_scan_descriptor(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
			 uint32_t dblk, uint32_t seq)
{
	const uint8_t *desc = j->buf;
	struct cur dc = cur_init(desc, j->bs);
	size_t tb = (size_t)j->sb.tag_bytes;
	size_t limit = j->bs - (jbd2_has_csum_v2or3(j) ? sizeof(struct jbd2_dtail) : 0);
	bool v1 = j->sb.csum_version == 1 && !s->have_end;
	bool defer = jbd2_has_csum_v2or3(j) && !j->eager; /* verify_deferred, after the scan */
	bool csum = jbd2_has_csum_v2or3(j);
	bool is64 = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_64BIT) != 0;
	size_t off = sizeof(struct jbd2_dheader), first = j->ntags;
	bool wrapped = false;
	int ret;

	if (!desc_csum_ok(j, desc)) {
		/* PASS_SCAN may meet stale blocks of a lazily initialised journal: judge at commit. */
		s->need_check_commit_time = true;
		t->t.desc_csum = FSIMG_CSUM_BAD;
	}
	if (v1)
		s->crc32_sum = crc32_be(s->crc32_sum, desc, j->bs);
	/* Kernel count_tags(): the tag loop stops before the tail, at LAST_TAG at the latest. */
	while (off + tb <= limit) {
		struct fsimg_jblock *b;
		uint16_t flags = cur_be16(&dc, off + JBD2_TAG_FLAGS_OFFSET);
		uint64_t fsblk = cur_be32(&dc, off);
		uint32_t jblk;

		if (is64)
			fsblk |= (uint64_t)cur_be32(&dc, off + offsetof(struct jbd2_dtag, t_blocknr_high)) << 32;
		if (!jbd2_next_block(j, s, &jblk)) {
			wrapped = true;
			break;
		}
		if (!array_grow((void **)&j->tags, &j->tags_cap, j->ntags + 1, sizeof(*j->tags)))
			return FSIMG_ENOMEM;
		if (csum) {
			if (!array_grow((void **)&j->pending, &j->pending_cap, j->ntags + 1, sizeof(*j->pending)))
				return FSIMG_ENOMEM;
			j->pending[j->ntags].want = tag_stored_csum(j, &dc, off);
			j->pending[j->ntags].seq = seq;
		}
		b = &j->tags[j->ntags++];
		b->fs_block = fsblk;
		b->journal_block = jblk;
		b->desc_block = dblk;
		b->flags = flags;
		b->escaped = (flags & JBD2_FLAG_ESCAPE) != 0;
		b->in_journal = jbd2_in_journal(j, fsblk);
		if (b->in_journal && !j->info.blocks_in_journal++)
			j->info.first_in_journal = fsblk;
		b->csum = FSIMG_CSUM_NONE;
		t->t.nblocks++;
		off += tb;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			off += JBD2_TAG_UUID_SIZE;
		if (flags & JBD2_FLAG_LAST_TAG)
			break;
	}
	if (v1 || (csum && !defer)) {
		ret = check_data_blocks(j, s, t, first, v1);
		if (ret <= 0)
			return ret;
	}
	if (wrapped) {
		j->info.end = FSIMG_JEND_WRAPPED;
		return 0;
	}
	return 1;
}

int jbd2_scan_revoke(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
		     uint32_t rblk)
{
	struct cur c = cur_init(j->buf, j->bs);
	size_t csum_size = jbd2_has_csum_v2or3(j) ? sizeof(struct jbd2_dtail) : 0;
	size_t rec = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_64BIT) ? 8 : 4;
	uint32_t rcount = cur_be32(&c, offsetof(struct jbd2_drevoke_header, r_count));

	if (!desc_csum_ok(j, j->buf)) {
		s->need_check_commit_time = true;
		t->t.desc_csum = FSIMG_CSUM_BAD;
	}
	/*
	 * r_count counts bytes, header included. The kernel checks it only in
	 * PASS_REVOKE (scan_revoke_records), which stops before end_transaction:
	 * an overflow fails recovery only when this transaction is replayed,
	 * i.e. committed within the log (judged after the scan); in an
	 * uncommitted tail it is ignored, as by e2fsck.
	 */
	if (rcount > j->bs - csum_size) {
		if (!t->bad_rcount_block) {
			t->bad_rcount_block = rblk;
			t->bad_rcount = rcount;
		}
		return 1;
	}
	for (size_t off = sizeof(struct jbd2_drevoke_header); off + rec <= rcount; off += rec) {
		struct fsimg_jrevoke *r;

		if (!array_grow((void **)&j->revokes, &j->revokes_cap, j->nrevokes + 1, sizeof(*j->revokes)))
			return FSIMG_ENOMEM;
		r = &j->revokes[j->nrevokes++];
		r->fs_block = rec == 8 ? cur_be64(&c, off) : cur_be32(&c, off);
		r->journal_block = rblk;
		t->t.nrevokes++;
	}
	return 1;
}

/*
 * A commit block (kernel do_one_pass, JBD2_COMMIT_BLOCK in PASS_SCAN).
 * Returns 1 when the transaction is committed and the walk goes on, 0 at
 * the end of the log.
 */
int jbd2_scan_commit(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
		     uint32_t cblk, uint32_t seq)
{
	struct cur c = cur_init(j->buf, j->bs);
	uint64_t commit_time = cur_be64(&c, offsetof(struct jbd2_dcommit, h_commit_sec));
	bool async = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT) != 0;

	t->t.has_commit = 1;
	t->t.commit_block = cblk;
	t->t.commit_sec = commit_time;
	t->t.commit_nsec = cur_be32(&c, offsetof(struct jbd2_dcommit, h_commit_nsec));

	/*
	 * A descriptor or revoke block of this transaction failed its checksum:
	 * a commit time going backwards says the block is stale (an old log's),
	 * and recovery ends there cleanly; otherwise the kernel fails recovery.
	 * Commit times are compared, never trusted otherwise (debugfs jw writes
	 * garbage in their high half).
	 */
	if (s->need_check_commit_time) {
		if (commit_time >= s->last_commit_time) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_ECSUM;
			t->t.state = FSIMG_JTRANS_BAD_COMMIT;
			jbd2_error(j, FSIMG_ECSUM, "transaction %u: bad descriptor or revoke checksum", seq);
			return 0;
		}
		j->info.end = FSIMG_JEND_STALE;
		return 0;
	}

	if (j->sb.csum_version == 1) {
		uint32_t found = cur_be32(&c, offsetof(struct jbd2_dcommit, h_chksum));
		uint8_t type = cur_u8(&c, offsetof(struct jbd2_dcommit, h_chksum_type));
		uint8_t size = cur_u8(&c, offsetof(struct jbd2_dcommit, h_chksum_size));

		if (s->have_end) {
			j->info.failed_commit = j->info.end_sequence;
			j->info.has_failed_commit = 1;
			j->info.end = FSIMG_JEND_COMMIT_CSUM;
			return 0;
		}
		if ((s->crc32_sum == found && type == JBD2_CRC32_CHKSUM &&
		     size == JBD2_CRC32_CHKSUM_SIZE) ||
		    (type == 0 && size == 0 && found == 0)) {
			s->crc32_sum = ~0u;
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		s->crc32_sum = ~0u;
		goto chksum_error;
	}
	if (jbd2_has_csum_v2or3(j)) {
		uint32_t found = cur_be32(&c, offsetof(struct jbd2_dcommit, h_chksum));
		size_t zoff = offsetof(struct jbd2_dcommit, h_chksum);

		if (csum_block_zeroed(j->csum_seed, j->buf, j->bs, zoff) == found) {
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		/*
		 * Kernels after 6.1 accept a commit block whose tail never reached
		 * the disk: the checksum of the header alone, the rest taken as
		 * zeros (jbd2_commit_block_csum_verify_partial). 6.1 and e2fsprogs
		 * 1.47 do not; fsimg follows the newer kernels (fsimg-replay(1)).
		 */
		memcpy(j->buf2, j->buf, JBD2_COMMIT_HEADER_SIZE);
		memset(j->buf2 + JBD2_COMMIT_HEADER_SIZE, 0, j->bs - JBD2_COMMIT_HEADER_SIZE);
		if (csum_block_zeroed(j->csum_seed, j->buf2, j->bs, zoff) == found) {
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		goto chksum_error;
	}
	goto chksum_ok;

chksum_error:
	t->t.commit_csum = FSIMG_CSUM_BAD;
	if (commit_time < s->last_commit_time) {
		j->info.end = FSIMG_JEND_STALE;
		return 0;
	}
	t->t.state = FSIMG_JTRANS_BAD_COMMIT;
	if (!s->have_end) {
		s->have_end = true;
		j->info.end_sequence = seq;
	}
	if (!async) {
		j->info.failed_commit = seq;
		j->info.has_failed_commit = 1;
		j->info.end = FSIMG_JEND_COMMIT_CSUM;
		return 0;
	}
	/* async_commit: the walk goes on (only to find where it ends); nothing after is replayed. */
	s->last_commit_time = commit_time;
	return 1;

chksum_ok:
	s->last_commit_time = commit_time;
	t->t.state = s->have_end ? FSIMG_JTRANS_BEYOND_END : FSIMG_JTRANS_COMMITTED;
	return 1;
}
