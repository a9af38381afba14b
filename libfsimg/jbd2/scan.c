/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scan pass of recovery (kernel fs/jbd2/recovery.c
 * do_one_pass(PASS_SCAN)): the walk of the log from s_start, which records
 * every transaction, tag and revoke record so that listing and planning
 * work from one walk; the fast-commit area's tags; and the accessors of
 * what the scan found. Each block is parsed by log.c. Nothing is replayed
 * here: see recovery.c for the revoke and replay passes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/cursor.h"
#include "ext4/ext4.h"
#include "jbd2/jbd2.h"
#include "jbd2/scan.h"

/* Tags reserved before a walk: one per log block, at most this many (2 MiB). */
#define TAGS_RESERVE_MAX 65536

static const char *fc_tag_name(uint16_t tag)
{
	static const char *const names[] = {
		[EXT4_FC_TAG_ADD_RANGE] = "add_range", [EXT4_FC_TAG_DEL_RANGE] = "del_range",
		[EXT4_FC_TAG_CREAT] = "create",        [EXT4_FC_TAG_LINK] = "link",
		[EXT4_FC_TAG_UNLINK] = "unlink",       [EXT4_FC_TAG_INODE] = "inode",
		[EXT4_FC_TAG_PAD] = "pad",             [EXT4_FC_TAG_TAIL] = "tail",
		[EXT4_FC_TAG_HEAD] = "head",
	};
	if (tag < sizeof(names) / sizeof(names[0]) && names[tag])
		return names[tag];
	return "unknown";
}

/* Lists the fast-commit area's tags (fc_replay.c replays the valid ones). */
static int scan_fast_commit(struct fsimg_journal *j)
{
	const struct fsimg_journal_super *sb = &j->sb;

	if (!sb->fc_first)
		return 0;
	for (uint32_t blk = sb->fc_first; blk < sb->fc_last && blk < sb->total_len; blk++) {
		struct cur c = cur_init(j->buf, j->bs);
		size_t off = 0;
		uint64_t before = j->nfc;

		if (jbd2_read(j, blk, j->buf) < 0)
			break;
		while (off + sizeof(struct ext4_dfc_tl) <= j->bs) {
			uint16_t tag = cur_le16(&c, off);
			uint16_t len = cur_le16(&c, off + 2);
			struct fsimg_fc_tag *f;

			/* The area ends at the first thing that is not a tag. */
			if (tag < EXT4_FC_TAG_ADD_RANGE || tag > EXT4_FC_TAG_HEAD ||
			    off + sizeof(struct ext4_dfc_tl) + len > j->bs)
				goto out;
			if (!array_grow((void **)&j->fc, &j->fc_cap, j->nfc + 1, sizeof(*j->fc)))
				return FSIMG_ENOMEM;
			f = &j->fc[j->nfc++];
			f->tag = tag;
			f->len = len;
			f->journal_block = blk;
			f->offset = (uint32_t)off;
			f->name = fc_tag_name(tag);
			off += sizeof(struct ext4_dfc_tl) + len;
		}
		if (j->nfc == before)
			break;
		j->info.fc_blocks++;
	}
out:
	j->info.fc_tags = j->nfc;
	return 0;
}

/* Forgets what a scan found; returns the first sequence expected. */
static uint32_t scan_start(struct fsimg_journal *j)
{
	j->ntrans = j->ntags = j->nrevokes = 0;
	memset(&j->info, 0, sizeof(j->info));
	j->info.start_sequence = j->sb.sequence;
	j->info.end_sequence = j->sb.sequence;
	return j->sb.sequence;
}

/* Walks the log from s_start (PASS_SCAN); 0 at its end, <0 on memory errors. */
static int walk_log(struct fsimg_journal *j, uint32_t *next_id, bool *have_end)
{
	struct scan_state s = { 0 };
	int err = 0;

	s.blk = j->sb.start;
	s.limit = j->sb.last - j->sb.first;
	s.crc32_sum = ~0u;
	array_reserve((void **)&j->tags, &j->tags_cap, s.limit < TAGS_RESERVE_MAX ? s.limit : TAGS_RESERVE_MAX,
		sizeof(*j->tags));
	if (jbd2_has_csum_v2or3(j))
		array_reserve((void **)&j->pending, &j->pending_cap, j->tags_cap, sizeof(*j->pending));

	for (;;) {
		struct jbd2_trans *t;
		struct cur c = cur_init(j->buf, j->bs);
		uint32_t blk, type, seq;

		if (!jbd2_next_block(j, &s, &blk)) {
			j->info.end = FSIMG_JEND_WRAPPED;
			break;
		}
		j->info.end_block = blk;
		if (jbd2_read_log_block(j, blk, j->buf) < 0) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_EIO;
			break;
		}
		if (cur_be32(&c, 0) != JBD2_MAGIC_NUMBER) {
			j->info.end = FSIMG_JEND_BAD_MAGIC;
			break;
		}
		type = cur_be32(&c, 4);
		seq = cur_be32(&c, 8);
		if (seq != *next_id) {
			j->info.end = FSIMG_JEND_SEQUENCE;
			break;
		}
		if (type != JBD2_DESCRIPTOR_BLOCK && type != JBD2_COMMIT_BLOCK &&
		    type != JBD2_REVOKE_BLOCK) {
			j->info.end = FSIMG_JEND_BLOCKTYPE;
			break;
		}
		t = jbd2_trans_begin(j, seq, blk);
		if (!t)
			return FSIMG_ENOMEM;
		if (type == JBD2_DESCRIPTOR_BLOCK)
			err = jbd2_scan_descriptor(j, &s, t, blk, seq);
		else if (type == JBD2_REVOKE_BLOCK)
			err = jbd2_scan_revoke(j, &s, t, blk);
		else {
			err = jbd2_scan_commit(j, &s, t, blk, seq);
			if (err > 0)
				(*next_id)++;
		}
		if (err <= 0)
			break;
	}
	*have_end = s.have_end;
	return err < 0 ? err : 0;
}

int fsimg_journal_scan(fsimg_journal *j)
{
	uint32_t next_id;
	bool have_end = false;
	int err = 0;

	if (!j)
		return FSIMG_EINVAL;
	if (j->scanned)
		return 0;
	next_id = scan_start(j);

	if (j->sb.version == 2 && j->sb.csum_state == FSIMG_CSUM_BAD) {
		/* The kernel refuses to load a journal whose superblock checksum fails. */
		j->info.end = FSIMG_JEND_ERROR;
		j->info.kernel_error = FSIMG_ECSUM;
		goto done;
	}
	if (!j->sb.start) {
		j->info.end = FSIMG_JEND_CLEAN;
		goto done;
	}
	/*
	 * do_one_pass reads from s_start whatever it is and wraps only at the
	 * log's end (j_last back to j_first): a start below s_first (a block
	 * between the journal superblock and the log's first) is read as it
	 * stands, by the kernel and by e2fsck alike; past the log's end there is
	 * nothing of the log to read.
	 */
	if (j->sb.start >= j->sb.last) {
		j->info.end = FSIMG_JEND_ERROR;
		j->info.kernel_error = FSIMG_ECORRUPT;
		jbd2_error(j, FSIMG_ECORRUPT, "s_start %u past the log's end %u", j->sb.start,
			   j->sb.last);
		goto done;
	}
	err = walk_log(j, &next_id, &have_end);
	if (err == 0 && jbd2_has_csum_v2or3(j) && !j->eager) {
		err = jbd2_verify_deferred(j);
		if (err == FSIMG_EIO) {
			/* A data block is unreadable: walk again, checking as the scan goes. */
			j->eager = true;
			next_id = scan_start(j);
			err = walk_log(j, &next_id, &have_end);
		}
	}
	if (err < 0)
		return err;
	if (!have_end)
		j->info.end_sequence = next_id;
done:
	/* Transactions the replay would not reach (kernel: tid_geq(next, end_transaction)). */
	for (size_t i = 0; i < j->ntrans; i++) {
		struct fsimg_jtrans *t = &j->trans[i].t;
		if (t->state == FSIMG_JTRANS_COMMITTED && jbd2_tid_geq(t->sequence, j->info.end_sequence))
			t->state = FSIMG_JTRANS_BEYOND_END;
	}
	/* PASS_SCAN ends with the fast-commit area: it may fail recovery too. */
	jbd2_fc_scan(j);
	/* PASS_REVOKE of a replayed transaction meets an overflowing r_count: -EINVAL, nothing replayed. */
	for (size_t i = 0; i < j->ntrans && !j->info.kernel_error; i++) {
		struct jbd2_trans *t = &j->trans[i];
		if (t->bad_rcount_block && t->t.state == FSIMG_JTRANS_COMMITTED) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_ECORRUPT;
			jbd2_error(j, FSIMG_ECORRUPT, "revoke block %u: r_count %u larger than the block",
				   t->bad_rcount_block, t->bad_rcount);
		}
	}
	if (j->info.kernel_error)
		j->info.end_sequence = j->info.start_sequence;
	j->info.transactions = j->ntrans;
	j->info.blocks = j->ntags;
	j->info.revokes = j->nrevokes;
	if (j->sb.fc_first)
		err = scan_fast_commit(j);
	if (err < 0)
		return err;
	j->scanned = true;
	return 0;
}

int fsimg_journal_scan_info(struct fsimg_journal_scan_info *out, fsimg_journal *j)
{
	int err;

	if (!out || !j)
		return FSIMG_EINVAL;
	err = fsimg_journal_scan(j);
	if (err < 0)
		return err;
	*out = j->info;
	return 0;
}

size_t fsimg_journal_trans_count(const fsimg_journal *j)
{
	return j && j->scanned ? j->ntrans : 0;
}

int fsimg_journal_trans(struct fsimg_jtrans *out, const fsimg_journal *j, size_t i)
{
	if (!out || !j || !j->scanned || i >= j->ntrans)
		return FSIMG_EINVAL;
	*out = j->trans[i].t;
	return 0;
}

int fsimg_journal_trans_block(struct fsimg_jblock *out, const fsimg_journal *j, size_t trans, size_t i)
{
	if (!out || !j || !j->scanned || trans >= j->ntrans || i >= j->trans[trans].t.nblocks)
		return FSIMG_EINVAL;
	*out = j->tags[j->trans[trans].first_tag + i];
	return 0;
}

int fsimg_journal_trans_revoke(struct fsimg_jrevoke *out, const fsimg_journal *j, size_t trans, size_t i)
{
	if (!out || !j || !j->scanned || trans >= j->ntrans || i >= j->trans[trans].t.nrevokes)
		return FSIMG_EINVAL;
	*out = j->revokes[j->trans[trans].first_revoke + i];
	return 0;
}

int fsimg_journal_fc_tag(struct fsimg_fc_tag *out, fsimg_journal *j, size_t i)
{
	if (!out || !j)
		return FSIMG_EINVAL;
	if (!j->scanned && fsimg_journal_scan(j) < 0)
		return FSIMG_EIO;
	if (i >= j->nfc)
		return 0;
	*out = j->fc[i];
	return 1;
}
