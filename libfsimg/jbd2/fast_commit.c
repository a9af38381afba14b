/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which fast commits are valid: the scan pass the kernel runs over the
 * fast-commit area after the main log's (jbd2 fc_do_one_pass in PASS_SCAN,
 * ext4_fc_replay_scan), as data. Nothing is replayed here: fc_replay.c
 * replays the valid fast commits this finds.
 *
 * The rules, from Linux 6.x fs/ext4/fast_commit.c:
 *  - the area's first block must start with a HEAD tag, else there is
 *    nothing to replay;
 *  - tags are little-endian (tag, length, value) triples that never cross a
 *    block; a value whose length is wrong for its tag (or runs past the
 *    block) ends the scan;
 *  - a HEAD carrying another tid than the first transaction recovery does
 *    not replay (end_transaction) is left from before the last full commit:
 *    the scan stops, nothing is replayed (e2fsprogs 1.47 fails recovery
 *    with EINVAL there instead; fsimg follows the kernel);
 *  - a running crc32c (seed 0) covers every tag since the last TAIL; a TAIL
 *    with that tid and crc validates everything up to it, and the next
 *    fast commit starts a new crc;
 *  - a bad TAIL or tag after a valid fast commit ends the area cleanly;
 *    before any, the kernel fails the whole recovery (-EFSBADCRC,
 *    -ECANCELED; -EOPNOTSUPP for HEAD features it does not know), and
 *    e2fsck does too;
 *  - the kernel reads blocks [fc_first, s_maxlen], one past the area: a scan
 *    that gets there fails on the read.
 */
#include "config.h"

#include "core/cursor.h"
#include "jbd2/jbd2.h"

enum fc_step { FC_CONTINUE, FC_STOP, FC_FAIL };

struct fc_scan {
	uint32_t crc;
	uint64_t cur_tag;          /* kernel fc_cur_tag */
	uint64_t valid_tags;       /* kernel fc_replay_num_tags */
	uint64_t commits;
	uint32_t last_valid_block;
	int err;                   /* with FC_FAIL */
	const char *why;
};

/* ext4_fc_value_len_isvalid: the value length each tag must have. */
static bool value_len_ok(const struct fsimg_journal *j, uint16_t tag, uint32_t len)
{
	uint32_t isize = j->fs ? fsimg_ext4_super(j->fs)->inode_size : 0;

	switch (tag) {
	case EXT4_FC_TAG_ADD_RANGE:
		return len == EXT4_FC_ADD_RANGE_SIZE;
	case EXT4_FC_TAG_DEL_RANGE:
		return len == EXT4_FC_DEL_RANGE_SIZE;
	case EXT4_FC_TAG_CREAT:
	case EXT4_FC_TAG_LINK:
	case EXT4_FC_TAG_UNLINK:
		return len >= EXT4_FC_DENTRY_INFO_SIZE + 1 &&
		       len <= EXT4_FC_DENTRY_INFO_SIZE + EXT4_FC_NAME_LEN;
	case EXT4_FC_TAG_INODE:
		/* the filesystem's inode size bounds it; unknown (no fs): not checked */
		return len >= EXT4_FC_INODE_HDR_SIZE + EXT4_FC_GOOD_OLD_INODE_SIZE &&
		       (!isize || len <= EXT4_FC_INODE_HDR_SIZE + isize);
	case EXT4_FC_TAG_PAD:
		return true;
	case EXT4_FC_TAG_TAIL:
		return len >= EXT4_FC_TAIL_SIZE;
	case EXT4_FC_TAG_HEAD:
		return len == EXT4_FC_HEAD_SIZE;
	default:
		return false;
	}
}

static enum fc_step fc_fail(struct fc_scan *s, int err, const char *why)
{
	s->err = err;
	s->why = why;
	return FC_FAIL;
}

/* One block of the area (ext4_fc_replay_scan on it). */
static enum fc_step scan_block(const struct fsimg_journal *j, struct fc_scan *s, const uint8_t *buf,
			       uint32_t blk, uint32_t tid)
{
	struct cur c = cur_init(buf, j->bs);
	size_t off = 0;

	while (off + sizeof(struct ext4_dfc_tl) <= j->bs) {
		uint16_t tag = cur_le16(&c, off);
		uint32_t len = cur_le16(&c, off + 2);
		size_t val = off + sizeof(struct ext4_dfc_tl);

		if (len > j->bs - val || !value_len_ok(j, tag, len)) {
			if (s->valid_tags)
				return FC_STOP;
			return fc_fail(s, FSIMG_ECORRUPT, "a tag with a bad length before any valid fast commit");
		}
		switch (tag) {
		case EXT4_FC_TAG_TAIL:
			s->cur_tag++;
			s->crc = fsimg_crc32c(s->crc, buf + off, sizeof(struct ext4_dfc_tl) + EXT4_FC_TAIL_CRC_OFFSET);
			if (cur_le32(&c, val) == tid && cur_le32(&c, val + EXT4_FC_TAIL_CRC_OFFSET) == s->crc) {
				s->valid_tags = s->cur_tag;
				s->commits++;
				s->last_valid_block = blk;
			} else if (s->valid_tags) {
				return FC_STOP;
			} else {
				return fc_fail(s, FSIMG_ECSUM, "the first fast commit's TAIL fails its tid or crc");
			}
			s->crc = 0;
			break;
		case EXT4_FC_TAG_HEAD:
			if (cur_le32(&c, val) & ~EXT4_FC_SUPPORTED_FEATURES)
				return fc_fail(s, FSIMG_EUNSUPP, "a HEAD with features the kernel does not know");
			if (cur_le32(&c, val + 4) != tid)
				return FC_STOP;
			/* fall through */
		default: /* the other tags, PAD included, count and go into the crc */
			s->cur_tag++;
			s->crc = fsimg_crc32c(s->crc, buf + off, sizeof(struct ext4_dfc_tl) + len);
			break;
		}
		off = val + len;
	}
	return FC_CONTINUE;
}

int jbd2_fc_scan(struct fsimg_journal *j)
{
	struct fsimg_journal_scan_info *si = &j->info;
	const struct fsimg_journal_super *sb = &j->sb;
	struct fc_scan s = { 0 };
	uint32_t tid = si->end_sequence;
	enum fc_step step = FC_CONTINUE;

	si->fc_state = FSIMG_FC_NONE;
	if (!sb->fc_first || !sb->start || si->kernel_error)
		return 0;
	si->fc_tid = tid;
	for (uint32_t blk = sb->fc_first; blk <= sb->fc_last && step == FC_CONTINUE; blk++) {
		struct cur c = cur_init(j->buf, j->bs);

		if (jbd2_read(j, blk, j->buf) < 0) {
			step = blk == sb->fc_last ?
			       fc_fail(&s, FSIMG_ECORRUPT, "the scan runs past the area, to block s_maxlen") :
			       fc_fail(&s, FSIMG_EIO, "a fast-commit block cannot be read");
			break;
		}
		if (blk == sb->fc_first) {
			if (cur_le16(&c, 0) != EXT4_FC_TAG_HEAD) {
				si->fc_state = FSIMG_FC_EMPTY;
				return 0;
			}
			if (cur_le32(&c, sizeof(struct ext4_dfc_tl) + 4) != tid &&
			    value_len_ok(j, EXT4_FC_TAG_HEAD, cur_le16(&c, 2)) &&
			    !(cur_le32(&c, sizeof(struct ext4_dfc_tl)) & ~EXT4_FC_SUPPORTED_FEATURES)) {
				si->fc_state = FSIMG_FC_STALE;
				return 0;
			}
		}
		step = scan_block(j, &s, j->buf, blk, tid);
	}
	si->fc_commits = s.commits;
	si->fc_valid_tags = s.valid_tags;
	si->fc_valid_blocks = s.commits ? s.last_valid_block - sb->fc_first + 1 : 0;
	if (step == FC_FAIL) {
		si->fc_state = FSIMG_FC_BAD;
		si->kernel_error = s.err;
		jbd2_error(j, s.err, "fast-commit area: %s (transaction %u)", s.why, tid);
		return 0;
	}
	si->fc_state = s.commits ? FSIMG_FC_VALID : FSIMG_FC_NO_TAIL;
	return 0;
}
