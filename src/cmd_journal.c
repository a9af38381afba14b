/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg journal: the jbd2 journal as it is on disk (never the replayed
 * view): its superblock, then one row per transaction found by the scan
 * pass, with -v every logged block and revoke record.
 *
 * --json is JSON Lines: a "superblock" record, one "transaction" record per
 * transaction, a "fast_commit" record per fast-commit tag with -v, and a
 * last "end" record saying where and why the log ends.
 *
 * The fast-commit area is listed by journal_fc.c, an XFS log by
 * journal_xfs.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_jbd2.h"
#include "cmds.h"
#include "journal_fc.h"
#include "journal_rec.h"
#include "journal_xfs.h"

static const struct cli_opt journal_opts[] = {
	{ 'l', "logdev", "LOGDEV", "the external log device (or file) of an XFS IMAGE" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd journal_cmd = {
	"journal", "[-v] [--json] [-j EXTERNAL_JOURNAL] [-l LOGDEV] IMAGE",
	"List the journal of IMAGE (ext3/4's jbd2, or the XFS log): where it is, its\n"
	"head and tail, and its transactions, as on disk.",
	journal_opts, CLI_WANT_JSON | CLI_RAW, 1, 1,
};

static int journal_opt(void *ctx, int id, const char *arg)
{
	if (id == 'l')
		*(const char **)ctx = arg;
	return 0;
}

/* jbd2 tag flags (on-disk, fs/jbd2 JBD2_FLAG_*). */
#define TAG_ESCAPE 1u
#define TAG_SAME_UUID 2u
#define TAG_DELETED 4u
#define TAG_LAST 8u

static const char *state_name(enum fsimg_jtrans_state s)
{
	switch (s) {
	case FSIMG_JTRANS_COMMITTED: return "committed";
	case FSIMG_JTRANS_UNCOMMITTED: return "uncommitted";
	case FSIMG_JTRANS_BAD_COMMIT: return "bad_commit";
	case FSIMG_JTRANS_BEYOND_END: return "beyond_end";
	}
	return "unknown";
}

static const char *state_text(enum fsimg_jtrans_state s)
{
	switch (s) {
	case FSIMG_JTRANS_COMMITTED: return "committed";
	case FSIMG_JTRANS_UNCOMMITTED: return "uncommitted tail";
	case FSIMG_JTRANS_BAD_COMMIT: return "bad commit";
	case FSIMG_JTRANS_BEYOND_END: return "beyond end";
	}
	return "unknown";
}

static const char *end_name(enum fsimg_jend e)
{
	switch (e) {
	case FSIMG_JEND_CLEAN: return "clean";
	case FSIMG_JEND_BAD_MAGIC: return "bad_magic";
	case FSIMG_JEND_SEQUENCE: return "sequence";
	case FSIMG_JEND_BLOCKTYPE: return "blocktype";
	case FSIMG_JEND_COMMIT_CSUM: return "commit_csum";
	case FSIMG_JEND_STALE: return "stale";
	case FSIMG_JEND_WRAPPED: return "wrapped";
	case FSIMG_JEND_ERROR: return "error";
	}
	return "unknown";
}

static const char *end_text(enum fsimg_jend e)
{
	switch (e) {
	case FSIMG_JEND_CLEAN: return "the journal is clean (s_start 0)";
	case FSIMG_JEND_BAD_MAGIC: return "a block without the jbd2 magic";
	case FSIMG_JEND_SEQUENCE: return "a block of another transaction";
	case FSIMG_JEND_BLOCKTYPE: return "an unknown block type";
	case FSIMG_JEND_COMMIT_CSUM: return "a commit block whose checksum fails";
	case FSIMG_JEND_STALE: return "a stale commit block (older commit time)";
	case FSIMG_JEND_WRAPPED: return "the whole log was walked";
	case FSIMG_JEND_ERROR: return "a corrupt block: the kernel would refuse to recover";
	}
	return "unknown";
}

static const char *csum_word(enum fsimg_csum_state s)
{
	switch (s) {
	case FSIMG_CSUM_OK: return "ok";
	case FSIMG_CSUM_BAD: return "bad";
	default: return "-";
	}
}

static void json_csum(struct jw *w, const char *key, enum fsimg_csum_state s)
{
	if (s == FSIMG_CSUM_NONE)
		jw_null(w, key);
	else
		jw_bool(w, key, s == FSIMG_CSUM_OK);
}

/* One word for a transaction's checksums: "-", "ok", or what failed. */
static void trans_csum_text(char *buf, size_t len, const struct fsimg_jtrans *t)
{
	if (t->commit_csum == FSIMG_CSUM_BAD)
		snprintf(buf, len, "bad commit");
	else if (t->desc_csum == FSIMG_CSUM_BAD)
		snprintf(buf, len, "bad descriptor");
	else if (t->bad_data_csums)
		snprintf(buf, len, "%u bad block%s", t->bad_data_csums, t->bad_data_csums == 1 ? "" : "s");
	else if (t->commit_csum == FSIMG_CSUM_OK || t->desc_csum == FSIMG_CSUM_OK)
		snprintf(buf, len, "ok");
	else
		snprintf(buf, len, "-");
}

/*
 * Commit time as UTC. debugfs's jw stores 64 bits with a 32-bit store, so
 * anything past year 9999 is shown as the raw number.
 */
static void commit_time_text(char *buf, size_t len, const struct fsimg_jtrans *t)
{
	struct tm tm;
	time_t tt;

	if (!t->has_commit) {
		snprintf(buf, len, "-");
		return;
	}
	if (t->commit_sec <= 253402300799ull) {
		tt = (time_t)t->commit_sec;
		if (gmtime_r(&tt, &tm) && strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
			return;
	}
	snprintf(buf, len, "(%llu)", (unsigned long long)t->commit_sec);
}

static void features_text(const struct fsimg_journal_super *js)
{
	bool any = false;

	for (unsigned b = 0; b < 32; b++) {
		const char *n;
		if (js->feature_compat & (1u << b)) {
			n = fsimg_journal_feature_name(FSIMG_FEATURE_COMPAT, b);
			printf(" %s", n ? n : "unknown_compat");
			if (!n)
				printf("_%u", b);
			any = true;
		}
	}
	for (unsigned b = 0; b < 32; b++) {
		const char *n;
		if (js->feature_incompat & (1u << b)) {
			n = fsimg_journal_feature_name(FSIMG_FEATURE_INCOMPAT, b);
			printf(" %s", n ? n : "unknown_incompat");
			if (!n)
				printf("_%u", b);
			any = true;
		}
	}
	for (unsigned b = 0; b < 32; b++)
		if (js->feature_ro_compat & (1u << b)) {
			printf(" unknown_ro_compat_%u", b);
			any = true;
		}
	if (!any)
		printf(" (none)");
	putchar('\n');
}

static void features_json(struct jw *w, const struct fsimg_journal_super *js)
{
	char b[40];

	jw_arr_begin(w, "features");
	for (unsigned i = 0; i < 32; i++)
		if (js->feature_compat & (1u << i)) {
			const char *n = fsimg_journal_feature_name(FSIMG_FEATURE_COMPAT, i);
			snprintf(b, sizeof(b), "unknown_compat_%u", i);
			jw_str(w, NULL, n ? n : b);
		}
	for (unsigned i = 0; i < 32; i++)
		if (js->feature_incompat & (1u << i)) {
			const char *n = fsimg_journal_feature_name(FSIMG_FEATURE_INCOMPAT, i);
			snprintf(b, sizeof(b), "unknown_incompat_%u", i);
			jw_str(w, NULL, n ? n : b);
		}
	for (unsigned i = 0; i < 32; i++)
		if (js->feature_ro_compat & (1u << i)) {
			snprintf(b, sizeof(b), "unknown_ro_compat_%u", i);
			jw_str(w, NULL, b);
		}
	jw_arr_end(w);
}

#define LINE(name) printf("%-26s", name)

static void super_text(const struct cli_image *img, const struct fsimg_journal_super *js,
		       const struct fsimg_journal_scan_info *si, const char *unreplayed)
{
	char uuid[37];

	LINE("Journal location:");
	if (js->external)
		printf("external device %s\n", img->common->journal);
	else
		printf("inode %u\n", cli_sb(img)->journal_inum);
	LINE("Journal version:");
	printf("%d\n", js->version);
	LINE("Journal features:");
	features_text(js);
	LINE("Journal block size:");
	printf("%u\n", js->blocksize);
	LINE("Journal length:");
	printf("%u\n", js->maxlen);
	LINE("Journal first block:");
	printf("%u\n", js->first);
	LINE("Journal sequence:");
	printf("0x%08x\n", js->sequence);
	LINE("Journal start:");
	printf("%u\n", js->start);
	if (js->errno_) {
		LINE("Journal errno:");
		printf("%d\n", js->errno_);
	}
	if (js->version >= 2) {
		cli_uuid_text(uuid, js->uuid);
		LINE("Journal UUID:");
		printf("%s\n", uuid);
		LINE("Journal users:");
		printf("%u\n", js->nr_users);
	}
	LINE("Journal tag size:");
	printf("%d\n", js->tag_bytes);
	LINE("Journal checksum type:");
	if (js->csum_version >= 2)
		printf("crc32c (v%d)\n", js->csum_version);
	else if (js->csum_version == 1)
		printf("crc32 (v1)\n");
	else
		printf("none\n");
	if (js->csum_state != FSIMG_CSUM_NONE) {
		LINE("Journal checksum:");
		printf("0x%08x%s\n", js->checksum, js->csum_state == FSIMG_CSUM_BAD ? " (bad)" : "");
	}
	if (js->fc_first) {
		LINE("Fast-commit area:");
		printf("blocks %u-%u (%u blocks)\n", js->fc_first, js->fc_last - 1, js->fc_last - js->fc_first);
		LINE("Fast commits:");
		journal_fc_state_text(si, unreplayed);
	}
	LINE("Needs recovery:");
	printf("%s\n", js->needs_recovery ? "yes" : "no");
	LINE("Log end:");
	if (si->end == FSIMG_JEND_CLEAN)
		printf("%s\n", end_text(si->end));
	else
		printf("block %u: %s\n", si->end_block, end_text(si->end));
	LINE("Transactions:");
	printf("%llu (%llu blocks, %llu revoke records)\n", (unsigned long long)si->transactions,
	       (unsigned long long)si->blocks, (unsigned long long)si->revokes);
}

void journal_super_json(struct jw *w, const struct cli_image *img, const struct fsimg_journal_super *js,
			const struct fsimg_journal_scan_info *si)
{
	char uuid[37];

	jw_obj_begin(w, NULL);
	jw_str(w, "record", "superblock");
	jw_str(w, "image", img->path);
	if (js->external)
		jw_str(w, "external", img->common->journal);
	else
		jw_u64(w, "inode", cli_sb(img)->journal_inum);
	jw_u64(w, "version", (uint64_t)js->version);
	features_json(w, js);
	jw_u64(w, "block_size", js->blocksize);
	jw_u64(w, "maxlen", js->maxlen);
	jw_u64(w, "first", js->first);
	jw_u64(w, "sequence", js->sequence);
	jw_u64(w, "start", js->start);
	jw_i64(w, "errno", js->errno_);
	cli_uuid_text(uuid, js->uuid);
	jw_str(w, "uuid", uuid);
	jw_u64(w, "nr_users", js->nr_users);
	jw_u64(w, "tag_bytes", (uint64_t)js->tag_bytes);
	jw_u64(w, "csum_version", (uint64_t)js->csum_version);
	json_csum(w, "csum_ok", js->csum_state);
	jw_u64(w, "fast_commit_blocks", js->fc_first ? js->fc_last - js->fc_first : 0);
	jw_bool(w, "needs_recovery", js->needs_recovery != 0);
	jw_u64(w, "transactions", si->transactions);
	jw_obj_end(w);
	jw_record_end(w);
}

static void trans_text(fsimg_journal *j, size_t ti, const struct fsimg_jtrans *t, int verbose)
{
	char when[40], cs[40];

	commit_time_text(when, sizeof(when), t);
	trans_csum_text(cs, sizeof(cs), t);
	printf("%10u  %-21s  %-16s  %8u  %7u  %s\n", t->sequence, when, state_text(t->state),
	       t->nblocks, t->nrevokes, cs);
	if (!verbose)
		return;
	printf("            log blocks %u", t->first_block);
	if (t->has_commit)
		printf("-%u (commit at %u)", t->commit_block, t->commit_block);
	putchar('\n');
	for (size_t i = 0; i < t->nblocks; i++) {
		struct fsimg_jblock b;
		if (fsimg_journal_trans_block(&b, j, ti, i) < 0)
			break;
		printf("            fs block %llu <- journal block %u", (unsigned long long)b.fs_block,
		       b.journal_block);
		if (b.escaped)
			printf(", escaped");
		if (b.flags & TAG_SAME_UUID)
			printf(", same_uuid");
		if (b.flags & TAG_DELETED)
			printf(", deleted");
		if (b.flags & TAG_LAST)
			printf(", last_tag");
		if (b.csum != FSIMG_CSUM_NONE)
			printf(", csum %s", csum_word(b.csum));
		if (b.in_journal)
			printf(", inside the journal");
		putchar('\n');
	}
	for (size_t i = 0; i < t->nrevokes; i++) {
		struct fsimg_jrevoke r;
		if (fsimg_journal_trans_revoke(&r, j, ti, i) < 0)
			break;
		printf("            revoke fs block %llu (journal block %u)\n",
		       (unsigned long long)r.fs_block, r.journal_block);
	}
}

static void trans_json(struct jw *w, fsimg_journal *j, size_t ti, const struct fsimg_jtrans *t)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "record", "transaction");
	jw_u64(w, "sequence", t->sequence);
	jw_bool(w, "committed", t->state == FSIMG_JTRANS_COMMITTED);
	jw_str(w, "state", state_name(t->state));
	jw_u64(w, "first_block", t->first_block);
	if (t->has_commit) {
		jw_u64(w, "commit_block", t->commit_block);
		jw_u64(w, "commit_sec", t->commit_sec);
		jw_u64(w, "commit_nsec", t->commit_nsec);
	} else {
		jw_null(w, "commit_block");
		jw_null(w, "commit_sec");
		jw_null(w, "commit_nsec");
	}
	json_csum(w, "commit_csum_ok", t->commit_csum);
	json_csum(w, "descriptor_csum_ok", t->desc_csum);
	jw_arr_begin(w, "blocks");
	for (size_t i = 0; i < t->nblocks; i++) {
		struct fsimg_jblock b;
		if (fsimg_journal_trans_block(&b, j, ti, i) < 0)
			break;
		jw_obj_begin(w, NULL);
		jw_u64(w, "fs_block", b.fs_block);
		jw_u64(w, "journal_block", b.journal_block);
		jw_bool(w, "escaped", b.escaped != 0);
		json_csum(w, "csum_ok", b.csum);
		jw_bool(w, "in_journal", b.in_journal != 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "revoked");
	for (size_t i = 0; i < t->nrevokes; i++) {
		struct fsimg_jrevoke r;
		if (fsimg_journal_trans_revoke(&r, j, ti, i) < 0)
			break;
		jw_u64(w, NULL, r.fs_block);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_record_end(w);
}

static void end_json(struct jw *w, const struct fsimg_journal_scan_info *si, const char *unreplayed)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "record", "end");
	jw_str(w, "end", end_name(si->end));
	if (si->end == FSIMG_JEND_CLEAN)
		jw_null(w, "end_block");
	else
		jw_u64(w, "end_block", si->end_block);
	jw_u64(w, "end_sequence", si->end_sequence);
	jw_bool(w, "recoverable", si->kernel_error == 0);
	jw_u64(w, "blocks_in_journal", si->blocks_in_journal);
	jw_u64(w, "fast_commit_blocks_used", si->fc_blocks);
	jw_u64(w, "fast_commit_tags", si->fc_tags);
	jw_str(w, "fast_commit_state", journal_fc_state_name(si->fc_state));
	jw_u64(w, "fast_commit_tid", si->fc_tid);
	jw_u64(w, "fast_commits_valid", si->fc_commits);
	jw_bool(w, "fast_commits_replayed", si->fc_commits && !unreplayed);
	if (unreplayed)
		jw_str(w, "fast_commits_unreplayed_why", unreplayed);
	jw_u64(w, "fast_commit_valid_tags", si->fc_valid_tags);
	jw_u64(w, "fast_commit_valid_blocks", si->fc_valid_blocks);
	jw_obj_end(w);
	jw_record_end(w);
}

int cmd_journal(int argc, char **argv)
{
	struct cli_common common;
	struct cli_image img;
	struct fsimg_journal_scan_info si;
	char why[256];
	const char *unreplayed = NULL, *logdev = NULL;
	fsimg_journal *j = NULL;
	struct jw w;
	size_t n;
	int first, status, err;

	status = cli_parse(&common, &journal_cmd, argc, argv, journal_opt, &logdev, &first);
	if (status >= 0)
		return status;
	cli_stdout_init();
	status = cli_open(&img, &common, argv[first]);
	if (status)
		return status;
	if (img.info.backend && !strcmp(img.info.backend, "xfs"))
		return journal_xfs(&img, &common, logdev ? logdev : common.journal);
	if (logdev) {
		cli_error(&img, "-l LOGDEV names an XFS log device; %s takes -j EXTERNAL_JOURNAL", img.info.type);
		return cli_close(&img, CLI_EXIT_USAGE);
	}
	status = cli_journal_open(&j, &img);
	if (status)
		return cli_close(&img, status);
	err = fsimg_journal_scan(j);
	if (err == 0)
		err = fsimg_journal_scan_info(&si, j);
	if (err < 0) {
		cli_error(&img, "journal: %s", fsimg_journal_errmsg(j)[0] ? fsimg_journal_errmsg(j) :
			  fsimg_strerror(err));
		fsimg_journal_close(j);
		return cli_close(&img, CLI_EXIT_ERROR);
	}
	jw_init(&w, stdout);
	n = fsimg_journal_trans_count(j);
	if ((si.fc_state == FSIMG_FC_VALID || si.fc_state == FSIMG_FC_BAD) && si.fc_commits)
		unreplayed = journal_fc_unreplayed(j, why, sizeof(why));
	if (common.json)
		journal_super_json(&w, &img, fsimg_journal_super(j), &si);
	else
		super_text(&img, fsimg_journal_super(j), &si, unreplayed);
	if (!common.json && n)
		printf("\n  SEQUENCE  COMMIT TIME (UTC)      STATE               BLOCKS  REVOKES  CHECKSUM\n");
	for (size_t i = 0; i < n && !cli_output_failed(); i++) {
		struct fsimg_jtrans t;
		if (fsimg_journal_trans(&t, j, i) < 0)
			break;
		if (common.json)
			trans_json(&w, j, i, &t);
		else
			trans_text(j, i, &t, common.verbose);
	}
	if (si.fc_tags && (common.verbose || si.fc_commits)) {
		if (!common.json)
			printf("\n  FAST-COMMIT TAGS%s\n", common.verbose ? " (the whole area)" : "");
		journal_fc_list(&w, j, &si, common.json, common.verbose);
	}
	if (common.json)
		end_json(&w, &si, unreplayed);
	if (si.fc_commits && !common.json && unreplayed)
		printf("\nfast-commit area holds %llu valid fast commit%s (%llu block%s) that fsimg does not replay: %s\n",
		       (unsigned long long)si.fc_commits, si.fc_commits == 1 ? "" : "s",
		       (unsigned long long)si.fc_valid_blocks, si.fc_valid_blocks == 1 ? "" : "s", unreplayed);
	if (si.blocks_in_journal && !common.json)
		printf("\nJOURNAL_LOGS_ITSELF: %llu logged block%s lie inside the journal itself (first: fs block %llu); "
		       "no kernel logs those\n", (unsigned long long)si.blocks_in_journal,
		       si.blocks_in_journal == 1 ? "" : "s", (unsigned long long)si.first_in_journal);
	if (si.kernel_error && !common.json)
		printf("\nThe kernel would refuse to recover this journal (%s); replay changes nothing.\n",
		       fsimg_strerror(si.kernel_error));
	fsimg_journal_close(j);
	return cli_close(&img, status);
}
