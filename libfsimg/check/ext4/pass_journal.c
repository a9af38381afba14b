/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 7: the journal. Its superblock (fsimg_journal_open validates it),
 * needs_recovery against the log (e2fsck_check_ext3_journal), the log as
 * recovery walks it (checksum failures), and what the crash left: the
 * transactions replayed into the state checked, and those never committed,
 * with the filesystem blocks (and, for inode-table blocks, the inodes) they
 * would have changed. (Fast-commit blocks fsimg does not replay: not yet
 * reported.)
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "jbd2/jbd2.h"

/* "blocks 1234, 1240 (inodes 12-15), ..." for at most a few blocks. */
static void describe_blocks(struct check_ctx *c, fsimg_journal *j, size_t t, uint32_t n,
			    char *out, size_t len)
{
	const struct fsimg_super *sb = e4(c)->sb;
	size_t pos = 0;
	uint32_t shown = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < n && pos + 64 < len; i++) {
		struct fsimg_jblock jb;
		struct fsimg_group g;
		int w;

		if (fsimg_journal_trans_block(&jb, j, t, i) < 0)
			break;
		if (shown == 8) {
			snprintf(out + pos, len - pos, ", ...");
			return;
		}
		w = snprintf(out + pos, len - pos, "%sblock %" PRIu64, shown ? ", " : "",
			     (uint64_t)jb.fs_block);
		if (w < 0)
			break;
		pos += (size_t)w;
		shown++;
		/* a block of an inode table names the inodes it holds */
		if (!fs_pblk_ok(c->fs, jb.fs_block) || sb->inode_size == 0 ||
		    sb->blocks_per_group == 0)
			continue;
		fsimg_group_t gi = (fsimg_group_t)((jb.fs_block - sb->first_data_block) /
						   sb->blocks_per_group);
		for (fsimg_group_t k = 0; k < sb->group_count; k++) {
			/* with flex_bg the table may be in another group: try its own first */
			fsimg_group_t gg = k == 0 ? gi : (k <= gi ? k - 1 : k);
			if (gg >= sb->group_count || fsimg_ext4_group_get(&g, c->fs, gg) < 0)
				continue;
			if (jb.fs_block < g.inode_table ||
			    jb.fs_block >= g.inode_table + sb->inode_table_blocks)
				continue;
			uint64_t per = sb->block_size / sb->inode_size;
			uint64_t first = (uint64_t)gg * sb->inodes_per_group +
					 (jb.fs_block - g.inode_table) * per + 1;
			w = snprintf(out + pos, len - pos, " (inodes %" PRIu64 "-%" PRIu64 ")",
				     first, first + per - 1);
			if (w > 0)
				pos += (size_t)w;
			break;
		}
		if (pos >= len)
			break;
	}
}

/*
 * Whether a logged copy read at log block cur and written over the
 * journal's own block jt changes what a replay reads after it. jbd2's
 * PASS_REPLAY (the kernel's and e2fsck's) writes each block as soon as it
 * reads it, so a write into the log ahead of cur, up to the last commit
 * replayed (log_end), or outside the log (the journal superblock, the
 * fast-commit area) makes that replay read other bytes than the log as
 * scanned (e2fsck: "recovery pass 2 ended at transaction N, expected M"),
 * where fsimg replays every copy as logged. A write into free log space or
 * into blocks already replayed changes nothing.
 */
static bool self_write_matters(const struct fsimg_journal_super *js, uint32_t cur, int64_t jt,
			       uint32_t log_end)
{
	uint64_t len, d_jt, d_end;

	if (jt < (int64_t)js->first || jt >= (int64_t)js->last || cur < js->first || cur >= js->last ||
	    log_end < js->first || log_end >= js->last)
		return true;
	len = js->last - js->first;
	d_jt = ((uint64_t)jt + len - cur) % len;
	d_end = ((uint64_t)log_end + len - cur) % len;
	return d_jt != 0 && d_jt <= d_end;
}

/*
 * A replayed transaction that logs blocks of the journal itself where the
 * order of the replay's writes matters (self_write_matters); the count is of
 * all its blocks inside the journal.
 */
static void report_logs_itself(struct check_ctx *c, fsimg_journal *j, size_t t,
			       const struct fsimg_jtrans *tr, uint32_t log_end)
{
	const struct fsimg_journal_super *js = fsimg_journal_super(j);
	struct fsimg_problem_ctx p;
	uint64_t n = 0, first = 0;
	bool matters = false;

	for (uint32_t i = 0; i < tr->nblocks; i++) {
		struct fsimg_jblock jb;

		if (fsimg_journal_trans_block(&jb, j, t, i) < 0)
			break;
		if (!jb.in_journal)
			continue;
		if (!n++)
			first = jb.fs_block;
		matters = matters ||
			  self_write_matters(js, jb.journal_block, jbd2_jblk_at(j, jb.fs_block), log_end);
	}
	if (!matters)
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, tr->sequence);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, n);
	PCTX_SET(p, block, FSIMG_PF_BLOCK, first);
	check_report(c, PR_JOURNAL_LOGS_ITSELF, &p);
}

static void log_findings(struct check_ctx *c, fsimg_journal *j, bool replayed)
{
	struct fsimg_journal_scan_info si;
	struct fsimg_problem_ctx p;
	size_t n;
	uint64_t committed = 0, blocks = 0;
	uint32_t log_end = 0;
	char detail[512];

	if (fsimg_journal_scan(j) < 0 || fsimg_journal_scan_info(&si, j) < 0)
		return;
	n = fsimg_journal_trans_count(j);
	/* the last block a replay reads: the last replayed commit */
	for (size_t t = 0; t < n; t++) {
		struct fsimg_jtrans tr;

		if (fsimg_journal_trans(&tr, j, t) == 0 && tr.state == FSIMG_JTRANS_COMMITTED)
			log_end = tr.commit_block;
	}
	for (size_t t = 0; t < n; t++) {
		struct fsimg_jtrans tr;

		if (fsimg_journal_trans(&tr, j, t) < 0)
			continue;
		if (tr.state == FSIMG_JTRANS_COMMITTED) {
			committed++;
			blocks += tr.nblocks;
		}
		/*
		 * A committed transaction recovery replays whose descriptor or
		 * data block fails its checksum: jbd2 fails the recovery (after
		 * skipping the data block).
		 */
		if ((tr.bad_data_csums || tr.desc_csum == FSIMG_CSUM_BAD) &&
		    tr.state == FSIMG_JTRANS_COMMITTED && tr.commit_csum != FSIMG_CSUM_BAD &&
		    (replayed || e4(c)->sb->needs_recovery)) {
			if (tr.desc_csum == FSIMG_CSUM_BAD)
				snprintf(detail, sizeof(detail), "its descriptor block fails its checksum");
			else
				snprintf(detail, sizeof(detail), "%" PRIu32 " logged data block%s fail%s the tag checksum",
					 tr.bad_data_csums, tr.bad_data_csums == 1 ? "" : "s",
					 tr.bad_data_csums == 1 ? "s" : "");
			p = pctx_none();
			PCTX_SET(p, found, FSIMG_PF_FOUND, tr.sequence);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
			check_report(c, PR_JOURNAL_REPLAY_CSUM, &p);
		} else if (tr.bad_data_csums || tr.desc_csum == FSIMG_CSUM_BAD ||
			   tr.commit_csum == FSIMG_CSUM_BAD) {
			p = pctx_none();
			PCTX_SET(p, found, FSIMG_PF_FOUND, tr.sequence);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL,
				 tr.commit_csum == FSIMG_CSUM_BAD ? "commit block checksum does not match"
				 : tr.desc_csum == FSIMG_CSUM_BAD ? "descriptor block checksum does not match"
								   : "data block checksum does not match");
			check_report(c, PR_JOURNAL_CSUM, &p);
		}
		if (tr.state == FSIMG_JTRANS_COMMITTED)
			report_logs_itself(c, j, t, &tr, log_end);
		if (tr.state == FSIMG_JTRANS_UNCOMMITTED) {
			describe_blocks(c, j, t, tr.nblocks, detail, sizeof(detail));
			p = pctx_none();
			PCTX_SET(p, found, FSIMG_PF_FOUND, tr.sequence);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, tr.nblocks);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, tr.nblocks ? detail : "no blocks");
			check_report(c, PR_JOURNAL_UNCOMMITTED, &p);
		}
	}
	if (replayed && committed && !(c->opts.flags & FSIMG_CHECK_REPLAY_FAILED)) {
		p = pctx_none();
		PCTX_SET(p, length, FSIMG_PF_LENGTH, committed);
		PCTX_SET(p, found, FSIMG_PF_FOUND, blocks);
		check_report(c, PR_JOURNAL_REPLAYED, &p);
	}
}

/*
 * Pass 1's part: a journal inode that cannot be used while its superblock
 * backup can (jbd2_journal_inode) is a warning, and the backup's blocks are
 * the journal's (claimed, so pass 6 finds them owned).
 */
void check_journal_inode_backup(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	struct fsimg_problem_ctx p;
	struct fsimg_inode in;
	struct fsimg_run run;
	fsimg_map *m = NULL;
	const char *why;

	if (!sb->has_journal || !sb->journal_inum || !fs_ino_ok(c->fs, sb->journal_inum) ||
	    jbd2_journal_inode(&in, c->fs, &why) < 0 || !why)
		return;
	p = pctx_inode(sb->journal_inum);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
	check_report(c, PR_JOURNAL_INODE_BACKUP, &p);
	if (fsimg_map_open(&m, c->fs, &in, FSIMG_MAP_TREE) < 0)
		return;
	while (fsimg_map_next(m, &run) > 0) {
		uint64_t len = run.type == FSIMG_RUN_META ? 1 : run.len;

		if ((run.type == FSIMG_RUN_META || run.type == FSIMG_RUN_MAPPED ||
		     run.type == FSIMG_RUN_UNWRITTEN) && fs_pblk_range_ok(c->fs, run.pblk, len))
			check_claim(c, run.pblk, len);
	}
	fsimg_map_close(m);
}

/* The journal superblock's first 0x44 bytes as the journal inode holds them. */
static bool raw_jsb(struct check_ctx *c, fsimg_ino_t jino, uint8_t raw[0x44])
{
	fsimg_file *f = NULL;
	int64_t n;

	if (fsimg_file_open_ino(&f, c->fs, jino, 0) < 0)
		return false;
	n = fsimg_file_read(f, raw, 0x44, 0);
	fsimg_file_close(f);
	return n == 0x44;
}

/*
 * A journal whose s_first is refused (JOURNAL_FIRST_BAD) is still
 * replayed by e2fsck, which never reads s_first, from s_start on; but
 * its jread refuses a log block at or past s_maxlen ("corrupted journal
 * superblock"), so a log starting there cannot be recovered.
 */
static bool log_past_maxlen(const uint8_t raw[0x44])
{
	/* s_maxlen at 0x10, s_start at 0x1c (big-endian) */
	uint32_t start = get_be32(raw + 0x1C);

	return start != 0 && start >= get_be32(raw + 0x10);
}

/* jbd2 v2: one user of an internal journal; shared external ones are unsupported */
static void check_nr_users(struct check_ctx *c, uint32_t nr_users)
{
	struct fsimg_problem_ctx p = pctx_none();

	PCTX_SET(p, found, FSIMG_PF_FOUND, nr_users);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL,
		 e4(c)->sb->journal_inum ? "an internal journal has one" : "a shared external journal is unsupported");
	check_report(c, PR_JOURNAL_NR_USERS, &p);
}

int check_pass_journal(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	fsimg_journal *own = NULL, *j = c->opts.raw_journal;
	const struct fsimg_journal_super *js;
	struct fsimg_problem_ctx p;
	uint8_t raw[0x44];
	bool replayed;
	int err;

	if (!sb->has_journal)
		return 0;
	check_progress(c, 7, "journal", 0, 1);
	if (!j) {
		/* an external journal is only reachable through the caller */
		if (!sb->journal_inum) {
			if (c->opts.flags & FSIMG_CHECK_REPLAY_FAILED)
				check_report(c, PR_JOURNAL_NOT_REPLAYED, NULL);
			return 0;
		}
		err = fsimg_journal_open(&own, c->fs, NULL);
		if (err < 0) {
			/* the reason as the opener said it (overlapping extents, a bad superblock...) */
			const char *why = fsimg_fs_errmsg(c->fs);

			p = pctx_inode(sb->journal_inum);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, why[0] ? why : fsimg_strerror(err));
			/* e2fsck loads such a journal: a warning (the kernel refuses it) */
			check_report(c, strstr(why, JBD2_WHY_FIRST) ? PR_JOURNAL_FIRST_BAD : PR_JOURNAL_BAD, &p);
			if (strstr(why, JBD2_WHY_FIRST) && raw_jsb(c, sb->journal_inum, raw)) {
				if ((c->opts.flags & FSIMG_CHECK_REPLAY_FAILED) && log_past_maxlen(raw))
					check_report(c, PR_JOURNAL_NOT_REPLAYED, NULL);
				/*
				 * and e2fsck_journal_load judges s_nr_users
				 * (v2, h_blocktype 4) before s_maxlen and s_first
				 */
				if (get_be32(raw + 4) == 4 && get_be32(raw + 0x40) > 1)
					check_nr_users(c, get_be32(raw + 0x40));
			}
			return 0;
		}
		j = own;
	}
	/* not replayed: unusable, or a log whose recovery fails (the kernel's mount fails too) */
	if (c->opts.flags & FSIMG_CHECK_REPLAY_FAILED)
		check_report(c, PR_JOURNAL_NOT_REPLAYED, NULL);
	js = fsimg_journal_super(j);
	check_journal_super_rules(c, js);
	if (js->external && js->dev_csum_state == FSIMG_CSUM_BAD)
		check_report(c, PR_JOURNAL_DEV_SUPER_CSUM, NULL);
	if (js->version >= 2 && js->nr_users > 1)
		check_nr_users(c, js->nr_users);
	/*
	 * A raw journal is given for an image whose recovery was replayed in
	 * memory (needs_recovery was set): fs is the post-recovery view.
	 */
	replayed = c->opts.raw_journal != NULL && !(c->opts.flags & FSIMG_CHECK_JOURNAL_AS_IS);
	/* needs_recovery and s_start must agree (e2fsck_check_ext3_journal) */
	if (replayed) {
		if (js->start == 0)
			check_report(c, PR_JOURNAL_RECOVERY_NO_DATA, NULL);
	} else {
		if (sb->needs_recovery && js->start == 0) {
			check_report(c, PR_JOURNAL_RECOVERY_NO_DATA, NULL);
		} else if (!sb->needs_recovery && js->start != 0) {
			p = pctx_none();
			PCTX_SET(p, found, FSIMG_PF_FOUND, js->sequence);
			check_report(c, PR_JOURNAL_DATA_NO_RECOVERY, &p);
		}
	}
	if (js->start != 0)
		log_findings(c, j, replayed);
	check_progress(c, 7, "journal", 1, 1);
	fsimg_journal_close(own);
	return 0;
}
